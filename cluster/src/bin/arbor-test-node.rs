//! A node as its own OS process, for the cluster's tests and demos: connects to NATS, starts
//! one `Probe` actor per `--export NAME` and exports it (see `arbor_cluster::testing::probe`),
//! prints `ready <node>` and serves until its standard input closes or it is killed.
//!
//! ```text
//! arbor-test-node --url nats://127.0.0.1:4222 --node n1 --export A [--export B]
//!     [--cluster test] [--user U --password P | --token T | --nkey SEED | --creds FILE]
//!     [--max-payload BYTES]
//! ```
//!
//! Warnings (`tracing` WARN and ERROR) go to standard error, one line each. A failure prints
//! `failed <what>: <error>` on standard output and exits with status 1.

use std::fmt::Write as _;
use std::io::BufRead;

use arbor_cluster::testing::probe;
use arbor_cluster::{Node, NodeOptions};

fn main() {
    tracing::subscriber::set_global_default(Stderr).expect("no other subscriber");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let code = runtime.block_on(run());
    std::process::exit(code);
}

async fn run() -> i32 {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            println!("failed arguments: {e}");
            return 2;
        }
    };
    let node = match Node::connect(args.options.clone()).await {
        Ok(node) => node,
        Err(e) => {
            println!("failed connect: {e}");
            return 1;
        }
    };
    let mut exports = Vec::new();
    for name in &args.exports {
        match probe::export_probe(&node, name).await {
            Ok(export) => exports.push(export),
            Err(e) => {
                println!("failed export {name}: {e}");
                return 1;
            }
        }
    }
    println!("ready {}", node.name());
    // Serve until standard input closes (the test that started this process is gone).
    let _ = tokio::task::spawn_blocking(|| {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            if line.is_err() {
                break;
            }
        }
    })
    .await;
    drop(exports);
    0
}

struct Args {
    options: NodeOptions,
    exports: Vec<String>,
}

impl Args {
    fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut args = args.peekable();
        let mut url = None;
        let mut node = None;
        let mut cluster = "test".to_string();
        let mut exports = Vec::new();
        let mut user = None;
        let mut password = None;
        let mut token = None;
        let mut nkey = None;
        let mut creds = None;
        let mut max_payload = None;
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--url" => url = Some(value()?),
                "--node" => node = Some(value()?),
                "--cluster" => cluster = value()?,
                "--export" => exports.push(value()?),
                "--user" => user = Some(value()?),
                "--password" => password = Some(value()?),
                "--token" => token = Some(value()?),
                "--nkey" => nkey = Some(value()?),
                "--creds" => creds = Some(value()?),
                "--max-payload" => {
                    max_payload = Some(
                        value()?
                            .parse::<usize>()
                            .map_err(|e| format!("--max-payload: {e}"))?,
                    )
                }
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        let url = url.ok_or("--url is required")?;
        let node = node.ok_or("--node is required")?;
        let mut options = NodeOptions::new(cluster, node, url)
            .connect_timeout(std::time::Duration::from_secs(20));
        if let Some(user) = user {
            options = options.user_password(user, password.unwrap_or_default());
        }
        if let Some(token) = token {
            options = options.token(token);
        }
        if let Some(seed) = nkey {
            options = options.nkey(seed);
        }
        if let Some(path) = creds {
            options = options.credentials(path);
        }
        if let Some(bytes) = max_payload {
            options = options.max_payload(bytes);
        }
        Ok(Args { options, exports })
    }
}

/// The smallest `tracing` subscriber: WARN and ERROR events, one line each, on stderr.
struct Stderr;

impl tracing::Subscriber for Stderr {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        *metadata.level() <= tracing::Level::WARN
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        eprintln!(
            "{} {}{}",
            event.metadata().level(),
            event.metadata().target(),
            fields.0
        );
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}
