//! The two-node chat of `specs/cluster/`, one OS process per node (run by
//! `scripts/cluster-demo.sh`):
//!
//! ```text
//! cluster_node rooms   [--url nats://127.0.0.1:4222]   the rooms node (until killed)
//! cluster_node journal [--url …]                       the journal node (until killed)
//! cluster_node client join USER | post USER TEXT | history [--url …]
//! ```
//!
//! The client is a third, short-lived node: it reaches the lobby the rooms node exports
//! through the same generated client a local caller uses (`lobby::remote(&node)`).

use std::time::{Duration, Instant};

use arbor_cluster::{Node, NodeOptions};
use arbor_specs::cluster::{journal, rooms};

const CLUSTER: &str = "chat";

fn usage() -> ! {
    eprintln!(
        "usage: cluster_node rooms|journal [--url URL]\n       cluster_node client join USER | post USER TEXT | history [--url URL]"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut url =
        std::env::var("ARBOR_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    if let Some(i) = args.iter().position(|a| a == "--url") {
        if i + 1 >= args.len() {
            usage();
        }
        url = args.remove(i + 1);
        args.remove(i);
    }
    let Some(role) = args.first().cloned() else {
        usage()
    };
    let name = match role.as_str() {
        "client" => format!("client-{}", std::process::id()),
        other => other.to_owned(),
    };
    let node = match Node::connect(NodeOptions::new(CLUSTER, name.as_str(), url.as_str())).await {
        Ok(node) => node,
        Err(e) => {
            eprintln!("[{name}] {e}");
            std::process::exit(1);
        }
    };
    match role.as_str() {
        "rooms" => {
            let _running =
                rooms::rooms_node::start_on(&node, rooms::rooms_node::Config { lobby: () })
                    .await
                    .expect("the rooms node starts");
            println!(
                "[rooms] node `rooms` (pid {}) up: exports `{}`; its journal is on node `journal`",
                std::process::id(),
                rooms::lobby::EXPORTED_AS
            );
            std::future::pending::<()>().await;
        }
        "journal" => {
            let _running = journal::journal_node::start_on(
                &node,
                journal::journal_sup::Config { journal: () },
            )
            .await
            .expect("the journal node starts");
            println!(
                "[journal] node `journal` (pid {}) up: exports `{}`",
                std::process::id(),
                journal::journal_writer::EXPORTED_AS
            );
            std::future::pending::<()>().await;
        }
        "client" => client(&node, &args[1..]).await,
        _ => usage(),
    }
}

async fn client(node: &Node, command: &[String]) {
    let lobby = rooms::lobby::remote(node);
    let started = Instant::now();
    let took = |started: Instant| format!("{:.1} ms", started.elapsed().as_secs_f64() * 1e3);
    match command {
        [cmd, user] if cmd == "join" => match lobby.join(user.clone()).await {
            Ok(Ok(n)) => println!(
                "[client] join {user}: ok, {n} in the lobby ({})",
                took(started)
            ),
            Ok(Err(e)) => println!("[client] join {user}: refused: {e}"),
            Err(e) => fail(&format!("join {user}: {e}")),
        },
        [cmd, user, text] if cmd == "post" => match lobby.post(user.clone(), text.clone()).await {
            Ok(()) => {
                // A cast is handed to the connection; this process exits right after, so
                // push it to the server first (a node that keeps running need not).
                let _ = node.nats().flush().await;
                println!("[client] post {user}: {text:?} cast (fire-and-forget)")
            }
            Err(e) => fail(&format!("post: {e}")),
        },
        [cmd] if cmd == "history" => {
            // The cast before this call reached the lobby first (one sender, one receiver);
            // the lobby's own cast to the journal may still be on its way: give it a moment.
            tokio::time::sleep(Duration::from_millis(100)).await;
            let started = Instant::now();
            match lobby.history().await {
                Ok(Ok(lines)) => {
                    println!(
                        "[client] history (client -> rooms -> journal, {}):",
                        took(started)
                    );
                    for line in lines {
                        println!("           {line}");
                    }
                }
                Ok(Err(e)) => println!(
                    "[client] history: the lobby answered with an error ({}): {e}",
                    took(started)
                ),
                Err(e) => fail(&format!("history: {e}")),
            }
        }
        _ => usage(),
    }
}

fn fail(what: &str) -> ! {
    println!("[client] {what}");
    std::process::exit(1)
}
