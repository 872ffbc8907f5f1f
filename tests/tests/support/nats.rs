//! A `nats-server` for one test: spawned on a free loopback port, killed on drop. (A small
//! stand-in for the cluster crate's process harness: swap it for that once it exists.)

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `nats-server`, killed when dropped.
pub struct NatsServer {
    child: Child,
    /// `nats://127.0.0.1:<port>`.
    pub url: String,
}

impl NatsServer {
    /// Starts `nats-server` (from `$ARBOR_NATS_SERVER` — what `scripts/test.sh` sets from
    /// `scripts/nats.sh` —, `$NATS_SERVER`, `PATH` or `/usr/sbin`) on a port it picks
    /// itself (`-p -1`: no race with another test's server for a port found free), read from
    /// its log, and waits until it accepts connections. `None` (and a note on stderr) when no
    /// `nats-server` is installed, unless `ARBOR_REQUIRE_NATS` is set (then it panics).
    pub fn start() -> Option<NatsServer> {
        let binary = std::env::var("ARBOR_NATS_SERVER")
            .or_else(|_| std::env::var("NATS_SERVER"))
            .unwrap_or_else(|_| {
                if Command::new("nats-server")
                    .arg("--version")
                    .output()
                    .is_ok()
                {
                    "nats-server".into()
                } else {
                    "/usr/sbin/nats-server".into()
                }
            });
        let mut child = match Command::new(&binary)
            .args(["-a", "127.0.0.1", "-p", "-1"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
        {
            Ok(child) => child,
            Err(e) if std::env::var_os("ARBOR_REQUIRE_NATS").is_none() => {
                eprintln!("SKIPPED: cannot start `{binary}` ({e}): install nats-server");
                return None;
            }
            Err(e) => panic!("cannot start `{binary}` (install nats-server): {e}"),
        };
        let stderr = child.stderr.take().expect("piped");
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        // Reads the log until the client port shows, then drains it (a full pipe would block
        // the server).
        std::thread::spawn(move || {
            let mut port_tx = Some(port_tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("Listening for client connections on ")
                    && let Some(tx) = port_tx.take()
                {
                    let addr = &line[at + "Listening for client connections on ".len()..];
                    let port = addr
                        .rsplit(':')
                        .next()
                        .and_then(|p| p.trim().parse::<u16>().ok());
                    let _ = tx.send(port);
                }
            }
        });
        let port = port_rx.recv_timeout(Duration::from_secs(10)).ok().flatten();
        let Some(port) = port else {
            let _ = child.kill();
            panic!("nats-server did not say which port it listens on");
        };
        let server = NatsServer {
            child,
            url: format!("nats://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(server)
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
