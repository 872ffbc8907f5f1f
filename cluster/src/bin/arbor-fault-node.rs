//! A node in its own process, for fault tests (`kill -9`, `SIGSTOP`): connects, exports an
//! `Echo` actor, prints what happens as lines on stdout and obeys lines on stdin.
//!
//! Arguments: `--url URL[,URL…] --cluster NAME --node NAME [--heartbeat-ms N] [--down-after-ms N]
//! [--global NAME]`.
//!
//! Prints: `ready`, `up <node>`, `down <node> <reason>`, `left`, `global <name> ok` /
//! `global <name> taken <owner>` / `global <name> error <why>`, `lost <name> <winner>`,
//! `owner <name> <node|none>`.
//! Reads: `stop <reason>` (the actor exits with that error), `stop2 <reason>` (the second
//! actor, `Echo2`, exits; prints `stopped2 <reason>`), `leave`, `register <name>`,
//! `owner <name>`, `quit`.

#[path = "../../tests/fault_support/echo.rs"]
mod echo;

use std::time::Duration;

use arbor_cluster::{Node, NodeEvent, NodeOptions};
use tokio::io::AsyncBufReadExt;

fn usage(problem: &str) -> ! {
    eprintln!(
        "arbor-fault-node: {problem}\nusage: arbor-fault-node --url URL --cluster NAME --node NAME [--heartbeat-ms N] [--down-after-ms N] [--global NAME]"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (mut url, mut cluster, mut name) = (None, None, None);
    let mut options_membership = arbor_cluster::MembershipOptions::default();
    let mut globals = Vec::new();
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        let ms = |v: String| -> Duration {
            Duration::from_millis(
                v.parse()
                    .unwrap_or_else(|_| usage(&format!("not a number of ms: {v}"))),
            )
        };
        match flag.as_str() {
            "--url" => url = Some(value()),
            "--cluster" => cluster = Some(value()),
            "--node" => name = Some(value()),
            "--heartbeat-ms" => options_membership.heartbeat = ms(value()),
            "--down-after-ms" => options_membership.down_after = ms(value()),
            "--global" => globals.push(value()),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let (Some(url), Some(cluster), Some(name)) = (url, cluster, name) else {
        usage("--url, --cluster and --node are required")
    };
    // `--url a,b,c`: several servers of one NATS cluster.
    let urls: Vec<String> = url.split(',').map(str::to_string).collect();
    let mut options = NodeOptions::new(cluster, name, urls[0].clone());
    options.urls = urls;
    options.membership = options_membership;
    let node = match Node::connect(options).await {
        Ok(node) => node,
        Err(e) => {
            eprintln!("arbor-fault-node: {e}");
            std::process::exit(1)
        }
    };
    // Membership events from the start (a peer may be seen while the actors start), then the
    // live set known so far (an `up` may be printed twice: harmless for readers of lines).
    let mut events = node.node_events();
    for peer in node.nodes() {
        println!("up {peer}");
    }
    let echo = echo::start_echo().await;
    let _export = node
        .export("Echo", echo::EchoServer(echo.clone()))
        .await
        .unwrap_or_else(|e| {
            eprintln!("arbor-fault-node: export: {e}");
            std::process::exit(1)
        });
    // A second actor, `Echo2`, to stop on its own (`stop2`).
    let echo2 = echo::start_echo().await;
    let _export2 = node
        .export("Echo2", echo::EchoServer(echo2.clone()))
        .await
        .unwrap_or_else(|e| {
            eprintln!("arbor-fault-node: export: {e}");
            std::process::exit(1)
        });
    tokio::spawn(async move {
        while let Ok(event) = events.recv().await {
            match event {
                NodeEvent::Up { node } => println!("up {node}"),
                NodeEvent::Down { node, reason } => println!("down {node} {reason:?}"),
            }
        }
    });
    let mut registrations = Vec::new();
    for global in globals {
        registrations.push(register(&node, &global, &echo).await);
    }
    println!("ready");
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = stdin.next_line().await {
        let (command, arg) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        match command {
            "stop" => {
                let _ = echo.cast(arg.to_string()).await;
            }
            "stop2" => {
                let _ = echo2.cast(arg.to_string()).await;
                let reason = echo2.cell().wait().await;
                println!("stopped2 {reason}");
            }
            "leave" => {
                node.leave().await;
                println!("left");
            }
            "register" => registrations.push(register(&node, arg, &echo).await),
            "owner" => owner(&node, arg).await,
            "quit" => break,
            other => eprintln!("arbor-fault-node: unknown command {other}"),
        }
    }
}

async fn register(
    node: &Node,
    name: &str,
    echo: &arbor::ActorRef<echo::Echo>,
) -> Option<arbor_cluster::GlobalName> {
    match node
        .register_global(name, echo::EchoServer(echo.clone()))
        .await
    {
        Ok(global) => {
            println!("global {name} ok");
            let lost = global.lost();
            let name = name.to_string();
            tokio::spawn(async move {
                let winner = lost.await;
                println!("lost {name} {winner}");
            });
            Some(global)
        }
        Err(arbor_cluster::GlobalError::Taken { owner, .. }) => {
            println!("global {name} taken {owner}");
            None
        }
        Err(e) => {
            println!("global {name} error {e}");
            None
        }
    }
}

async fn owner(node: &Node, name: &str) {
    match node.global_owner(name).await {
        Ok(Some(owner)) => println!("owner {name} {owner}"),
        Ok(None) => println!("owner {name} none"),
        Err(e) => println!("owner {name} error {e}"),
    }
}
