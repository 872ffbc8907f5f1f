//! The cluster panel (feature `cluster`): a real `nats-server` (started by arbor-cluster's
//! test harness), two nodes in this process, an observer of the first. The second node shows
//! up (with its incarnation and its export) in the snapshot and the event stream, then down
//! once it leaves; on the way, a deadlock through both nodes shows with the other node's hop.
//! Every wait is a bounded poll, never a fixed sleep.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbor_cluster::testing::probe::{ProbeCall, Relayed, export_probe};
use arbor_cluster::{MembershipOptions, Node, NodeOptions};
use arbor_observer::Observer;
use common::{eventually, shop_with_observer};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn options(node: &str, url: &str) -> NodeOptions {
    let mut options = NodeOptions::new("observed", node, url.to_string());
    // Quicker heartbeats than the default: the test waits less (no timing is asserted).
    options.membership = MembershipOptions {
        heartbeat: Duration::from_millis(100),
        down_after: Duration::from_millis(1000),
    };
    options
}

/// The node named `name` in a snapshot's cluster panel.
fn member<'a>(snapshot: &'a Value, name: &str) -> Option<&'a Value> {
    snapshot["cluster"]["nodes"]
        .as_array()?
        .iter()
        .find(|n| n["name"] == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_lists_the_nodes_up_then_down_after_one_leaves() {
    let server = arbor_cluster::testing::NatsServer::start().unwrap_or_else(|e| panic!("{e}"));
    let a = Node::connect(options("a", server.url()))
        .await
        .expect("node a connects");
    // arbor-cluster's test actor, exported as `A` (its `relay` calls along a path of nodes).
    let (probe_a, _export_a) = export_probe(&a, "A").await.expect("a exports A");

    // The shop's tree, observed from node a.
    let (shop, plain) = shop_with_observer(Duration::from_millis(50)).await;
    let without = common::get_json(plain.local_addr(), "/api/snapshot").await;
    assert!(
        without["cluster"].is_null(),
        "no cluster without the builder call"
    );
    plain.shutdown().await;
    let observer = Observer::new(shop.app.cell())
        .bind("127.0.0.1:0".parse().unwrap())
        .token("test-token")
        .interval(Duration::from_millis(100))
        .cluster(a.clone())
        .start()
        .await
        .expect("the observer starts");
    let addr = observer.local_addr();

    let first = common::get_json(addr, "/api/snapshot").await;
    assert_eq!(first["cluster"]["node"], "a");
    let me = member(&first, "a").expect("this node listed");
    assert_eq!(me["this_node"], true);
    assert_eq!(me["status"], "up");
    assert_eq!(me["exports"], serde_json::json!(["A"]));
    assert_eq!(first["cluster"]["nodes"][0]["name"], "a", "this node first");

    // An event stream open before node b joins.
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head =
        format!("GET /api/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    // Read as it comes (b's `up` is transient: a stream read only at the end could have
    // skipped it): b's status in each snapshot event, when it changes.
    let statuses = Arc::new(Mutex::new(Vec::<String>::new()));
    let reader = tokio::spawn({
        let statuses = statuses.clone();
        async move {
            let mut pending = String::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                pending.push_str(&String::from_utf8_lossy(&buf[..n]));
                while let Some(end) = pending.find("\n\n") {
                    let event: String = pending.drain(..end + 2).collect();
                    let data: String = event
                        .lines()
                        .filter_map(|l| l.strip_prefix("data: "))
                        .collect();
                    if let Ok(snapshot) = serde_json::from_str::<Value>(&data)
                        && let Some(b) = member(&snapshot, "b")
                        && let Some(status) = b["status"].as_str()
                    {
                        let mut seen = statuses.lock().unwrap();
                        if seen.last().map(String::as_str) != Some(status) {
                            seen.push(status.to_owned());
                        }
                    }
                }
            }
        }
    });

    let b = Node::connect(options("b", server.url()))
        .await
        .expect("node b connects");
    let (_probe_b, _export_b) = export_probe(&b, "B").await.expect("b exports B");

    let up = eventually(addr, "node b up with its export", |s| {
        member(s, "b")
            .is_some_and(|b| b["status"] == "up" && b["exports"] == serde_json::json!(["B"]))
    })
    .await;
    let b_view = member(&up, "b").unwrap();
    assert_eq!(b_view["this_node"], false);
    assert_eq!(b_view["incarnation"].as_str().unwrap().len(), 16);
    assert!(b_view["changed_ms"].as_u64().is_some());
    assert!(b_view["down_reason"].is_null());
    assert!(
        up["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "node" && e["path"] == "b" && e["text"] == "up"),
        "{}",
        up["events"]
    );
    let incarnation = b_view["incarnation"].clone();

    // A deadlock through both nodes: A (on a) calls B on b, which calls A back on a. Node a
    // refuses the last call (A is waiting in the chain it inherited) and the page shows the
    // cycle with node b's hop: `#1 -> B#10@b -> #1`.
    let relayed = probe_a
        .call(|r| ProbeCall::Relay(vec!["B@b".into(), "A@a".into()], r))
        .await
        .expect("A answers");
    assert!(matches!(relayed, Relayed::Deadlock(_)), "{relayed:?}");
    let probe_a_id = probe_a.id().as_u64();
    let crosses = |d: &Value| {
        let hops = d["chain"].as_array().unwrap();
        hops.iter().any(|h| h["node"] == "b")
            && hops
                .iter()
                .any(|h| h["node"].is_null() && h["actor"] == probe_a_id)
    };
    let seen = eventually(addr, "the cross-node deadlock", |s| {
        s["deadlocks"].as_array().unwrap().iter().any(crosses)
    })
    .await;
    let deadlock = seen["deadlocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| crosses(d))
        .unwrap();
    let text = deadlock["text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!("#{probe_a_id} -> ")) && text.contains("@b -> "),
        "{deadlock}"
    );

    // b leaves: down, with the reason, in the snapshot and in the stream.
    b.leave().await;
    let down = eventually(addr, "node b down after it left", |s| {
        member(s, "b").is_some_and(|b| b["status"] == "down")
    })
    .await;
    let b_view = member(&down, "b").unwrap();
    assert_eq!(b_view["down_reason"], "left the cluster");
    assert_eq!(b_view["incarnation"], incarnation);
    assert!(
        down["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "node"
                && e["path"] == "b"
                && e["text"] == "down: left the cluster"),
        "{}",
        down["events"]
    );
    // The stream, read all along, showed b up, then down.
    let mut shown = Vec::new();
    for _ in 0..400 {
        shown = statuses.lock().unwrap().clone();
        if shown.ends_with(&["up".to_string(), "down".to_string()]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        shown.ends_with(&["up".to_string(), "down".to_string()]),
        "b's statuses in the stream: {shown:?}"
    );
    reader.abort();

    observer.shutdown().await;
    shop.app.shutdown().await;
    drop(b);
    drop(a);
}
