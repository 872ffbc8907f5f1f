//! Process helpers for fault tests: a real `nats-server` on a free loopback port with its own
//! JetStream directory, and nodes as separate OS processes (`arbor-fault-node`), driven by
//! stdin lines and read by stdout lines. Everything is killed on drop. No fixed sleeps: a
//! server is ready when it logs so, a node when it prints `ready`.

#![allow(dead_code)]

pub mod echo;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use tokio::sync::mpsc;

/// The `nats-server` binary, as the cluster crate's harness finds it (`$ARBOR_NATS_SERVER`,
/// else the newest installed, else what `scripts/nats.sh` installs). The servers here are not
/// that harness's: fault tests restart a server on its port, join servers by routes and run
/// them in network namespaces.
pub fn nats_server_bin() -> Option<PathBuf> {
    arbor_cluster::testing::nats_server_binary()
        .map_err(|e| eprintln!("{e}"))
        .ok()
}

pub use arbor_cluster::testing::server_version;

/// Whether this server's JetStream key-value API works with this client (2.10 or newer).
pub fn supports_kv(server: &NatsServer) -> bool {
    let ok = server_version(&server.bin).is_some_and(|v| v >= vec![2, 10]);
    if !ok {
        eprintln!(
            "{} is older than 2.10: global names skipped (set ARBOR_NATS_SERVER to a newer one, \
             or run scripts/nats.sh to install one)",
            server.bin.display()
        );
    }
    ok
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// A `nats-server` with JetStream, on loopback.
pub struct NatsServer {
    child: Option<Child>,
    pub port: u16,
    pub url: String,
    dir: PathBuf,
    pub bin: PathBuf,
    /// Extra arguments (cluster routes); JetStream only when empty.
    extra: Vec<String>,
    /// The address to listen on (loopback unless in a network namespace).
    host: String,
    /// The network namespace to run in (`ip netns exec`).
    netns: Option<String>,
}

impl NatsServer {
    /// Starts a server, or `None` (the test prints why and skips) if none is installed.
    pub fn start() -> Option<NatsServer> {
        let Some(bin) = nats_server_bin() else {
            eprintln!("nats-server not found (set ARBOR_NATS_SERVER): skipped");
            return None;
        };
        let port = free_port();
        let dir = std::env::temp_dir().join(format!(
            "arbor-js-{}-{port}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).expect("JetStream dir");
        let mut server = NatsServer {
            child: None,
            port,
            url: format!("nats://127.0.0.1:{port}"),
            dir,
            bin,
            extra: Vec::new(),
            host: "127.0.0.1".into(),
            netns: None,
        };
        server.spawn();
        Some(server)
    }

    /// `n` servers joined in one NATS cluster by routes (no JetStream), each ready; the routes
    /// come up in the background (wait for nodes on different servers to see each other).
    pub fn start_cluster(n: usize) -> Option<Vec<NatsServer>> {
        let bin = nats_server_bin().or_else(|| {
            eprintln!("nats-server not found (set ARBOR_NATS_SERVER): skipped");
            None
        })?;
        let ports: Vec<(u16, u16)> = (0..n).map(|_| (free_port(), free_port())).collect();
        let mut servers = Vec::new();
        for (i, (port, route)) in ports.iter().enumerate() {
            // Each server routes to the ones already started only: no dial is refused, so no
            // retry later creates a duplicate route (whose closing can lose the interest a
            // subscription made meanwhile had announced: the other server then never forwards).
            let routes: Vec<String> = ports
                .iter()
                .take(i)
                .map(|(_, r)| format!("nats://127.0.0.1:{r}"))
                .collect();
            let dir =
                std::env::temp_dir().join(format!("arbor-nats-{}-{port}", std::process::id()));
            let mut server = NatsServer {
                child: None,
                port: *port,
                url: format!("nats://127.0.0.1:{port}"),
                dir,
                bin: bin.clone(),
                extra: [
                    "--cluster_name".into(),
                    "arbor-test".into(),
                    "-n".into(),
                    format!("s{i}"),
                    "--cluster".into(),
                    format!("nats://127.0.0.1:{route}"),
                ]
                .into_iter()
                .chain(
                    (!routes.is_empty())
                        .then(|| ["--routes".into(), routes.join(",")])
                        .into_iter()
                        .flatten(),
                )
                .collect(),
                host: "127.0.0.1".into(),
                netns: None,
            };
            server.spawn();
            servers.push(server);
        }
        Some(servers)
    }

    fn spawn(&mut self) {
        let mut command = match &self.netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns]).arg(&self.bin);
                c
            }
            None => Command::new(&self.bin),
        };
        command.args(["-a", &self.host, "-p", &self.port.to_string()]);
        if self.extra.is_empty() {
            command.args(["-js", "-sd"]).arg(&self.dir);
        } else {
            command.args(&self.extra);
        }
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn nats-server");
        let stderr = child.stderr.take().expect("stderr");
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut ready = Some(ready_tx);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains("Server is ready")
                    && let Some(tx) = ready.take()
                {
                    let _ = tx.send(());
                }
                // (Routes to servers not started yet are refused at first: expected.)
                if (line.contains("[ERR]") && !line.contains("connect to route"))
                    || line.contains("[FTL]")
                    || std::env::var_os("ARBOR_NATS_LOG").is_some()
                {
                    eprintln!("nats-server: {line}");
                }
            }
        });
        ready_rx
            .recv_timeout(Duration::from_secs(20))
            .expect("nats-server did not report ready within 20 s");
        self.child = Some(child);
    }

    /// A server in network namespace `netns`, listening on `host:port`, with `extra`
    /// arguments (routes).
    pub fn start_in_netns(
        netns: &str,
        host: &str,
        port: u16,
        extra: Vec<String>,
    ) -> Option<NatsServer> {
        let bin = nats_server_bin()?;
        let mut server = NatsServer {
            child: None,
            port,
            url: format!("nats://{host}:{port}"),
            dir: std::env::temp_dir().join(format!("arbor-nats-{netns}")),
            bin,
            extra,
            host: host.into(),
            netns: Some(netns.into()),
        };
        server.spawn();
        Some(server)
    }

    /// `kill -9` the server.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port with the same JetStream directory.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A node in its own process (`arbor-fault-node`).
pub struct NodeProc {
    pub name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
    /// Lines read but not yet matched by an `expect`.
    backlog: std::collections::VecDeque<String>,
}

impl NodeProc {
    /// Starts node `name` of `cluster` at `url` with the given membership timings and extra
    /// arguments, and waits for its `ready` line.
    pub async fn start(
        url: &str,
        cluster: &str,
        name: &str,
        heartbeat_ms: u64,
        down_after_ms: u64,
        extra: &[&str],
    ) -> NodeProc {
        Self::start_in(None, url, cluster, name, heartbeat_ms, down_after_ms, extra).await
    }

    /// As [`start`](Self::start), in network namespace `netns` when given.
    pub async fn start_in(
        netns: Option<&str>,
        url: &str,
        cluster: &str,
        name: &str,
        heartbeat_ms: u64,
        down_after_ms: u64,
        extra: &[&str],
    ) -> NodeProc {
        let bin = env!("CARGO_BIN_EXE_arbor-fault-node");
        let mut command = match netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, bin]);
                c
            }
            None => Command::new(bin),
        };
        let mut child = command
            .args(["--url", url, "--cluster", cluster, "--node", name])
            .args(["--heartbeat-ms", &heartbeat_ms.to_string()])
            .args(["--down-after-ms", &down_after_ms.to_string()])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn arbor-fault-node");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut node = NodeProc {
            name: name.into(),
            child,
            stdin,
            lines,
            seen: Vec::new(),
            backlog: Default::default(),
        };
        node.expect("ready", Duration::from_secs(20)).await;
        node
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a command line.
    pub fn send(&mut self, command: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{command}").expect("write to node");
        stdin.flush().expect("flush to node");
    }

    /// Waits for the first line starting with `prefix` not matched by an earlier `expect`
    /// (lines printed before are kept, in order; all lines are in `seen`).
    pub async fn expect(&mut self, prefix: &str, timeout: Duration) -> String {
        if let Some(i) = self.backlog.iter().position(|l| l.starts_with(prefix)) {
            return self.backlog.remove(i).expect("present");
        }
        let wait = async {
            while let Some(line) = self.lines.recv().await {
                self.seen.push(line.clone());
                if line.starts_with(prefix) {
                    return Some(line);
                }
                self.backlog.push_back(line);
            }
            None
        };
        match tokio::time::timeout(timeout, wait).await {
            Ok(Some(line)) => line,
            Ok(None) => panic!(
                "node {} exited before printing `{prefix}`; it printed {:?}",
                self.name, self.seen
            ),
            Err(_) => panic!(
                "node {} did not print `{prefix}` within {timeout:?}; it printed {:?}",
                self.name, self.seen
            ),
        }
    }

    /// Whether the node printed `line` so far (lines not yet read are read first).
    pub fn seen_line(&mut self, line: &str) -> bool {
        while let Ok(next) = self.lines.try_recv() {
            self.seen.push(next.clone());
            self.backlog.push_back(next);
        }
        self.seen.iter().any(|l| l == line)
    }

    /// Every line printed so far.
    pub fn seen(&self) -> &[String] {
        &self.seen
    }

    /// `kill -9`.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends a signal by name (`STOP`, `CONT`).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} {} failed", self.pid());
    }
}

impl Drop for NodeProc {
    fn drop(&mut self) {
        // A stopped process cannot die of SIGKILL until continued on some kernels' views of
        // wait; continue it first.
        let _ = Command::new("kill")
            .arg("-CONT")
            .arg(self.pid().to_string())
            .stderr(Stdio::null())
            .status();
        self.kill();
    }
}

/// Two network namespaces of our own joined by a veth pair that can be cut: `a` is
/// `10.77.<n>.1`, `b` is `10.77.<n>.2`. Removed on drop. `None` (with a message) where
/// namespaces cannot be made (not root, no `ip`).
pub struct Split {
    pub a: String,
    pub b: String,
    pub a_addr: String,
    pub b_addr: String,
    veth_a: String,
}

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Split {
    pub fn new() -> Option<Split> {
        let n = std::process::id() % 200 + 20;
        let a = format!("arbor-{}-a", std::process::id());
        let b = format!("arbor-{}-b", std::process::id());
        let veth_a = format!("arb{}a", std::process::id() % 100_000);
        let veth_b = format!("arb{}b", std::process::id() % 100_000);
        if !ip(&["netns", "add", &a]) {
            eprintln!("cannot create network namespaces (needs root and `ip`): skipped");
            return None;
        }
        let split = Split {
            a: a.clone(),
            b: b.clone(),
            a_addr: format!("10.77.{n}.1"),
            b_addr: format!("10.77.{n}.2"),
            veth_a: veth_a.clone(),
        };
        let ok = ip(&["netns", "add", &b])
            && ip(&[
                "link", "add", &veth_a, "netns", &a, "type", "veth", "peer", "name", &veth_b,
                "netns", &b,
            ])
            && ip(&[
                "-n",
                &a,
                "addr",
                "add",
                &format!("{}/24", split.a_addr),
                "dev",
                &veth_a,
            ])
            && ip(&[
                "-n",
                &b,
                "addr",
                "add",
                &format!("{}/24", split.b_addr),
                "dev",
                &veth_b,
            ])
            && ip(&["-n", &a, "link", "set", "lo", "up"])
            && ip(&["-n", &b, "link", "set", "lo", "up"])
            && ip(&["-n", &a, "link", "set", &veth_a, "up"])
            && ip(&["-n", &b, "link", "set", &veth_b, "up"]);
        if !ok {
            eprintln!("cannot set up the veth pair between namespaces: skipped");
            return None;
        }
        Some(split)
    }

    /// Cuts the link (both sides stop hearing each other; loopback in each stays).
    pub fn cut(&self) {
        assert!(
            ip(&["-n", &self.a, "link", "set", &self.veth_a, "down"]),
            "cut the link"
        );
    }

    /// Restores the link.
    pub fn heal(&self) {
        assert!(
            ip(&["-n", &self.a, "link", "set", &self.veth_a, "up"]),
            "heal the link"
        );
    }
}

impl Drop for Split {
    fn drop(&mut self) {
        // Deleting a namespace removes its end of the veth pair, and so the pair.
        ip(&["netns", "del", &self.a]);
        ip(&["netns", "del", &self.b]);
    }
}
