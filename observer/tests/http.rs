//! The observer's HTTP API: the JSON snapshot, the event stream, actor details, control with
//! the token, the non-local bind rule, bad requests answered with 4xx, and a real deadlock
//! (refused by the runtime) in the snapshot and the stream with its chain.

mod common;

use std::time::Duration;

use arbor::{ActorRef, CallError};
use arbor_observer::{Observer, ObserverError};
use common::system::frontend::{Frontend, FrontendCall};
use common::{eventually, get_json, node, request, request_as, shop_with_observer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: (&str, &str) = ("Authorization", "Bearer test-token");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_snapshot_shows_the_tree_and_live_counters() {
    let (shop, observer) = shop_with_observer(Duration::from_millis(5)).await;
    let addr = observer.local_addr();
    let snapshot = get_json(addr, "/api/snapshot").await;
    let tree = &snapshot["tree"];
    assert_eq!(tree["label"], "shop");
    assert_eq!(tree["kind"], "supervisor");
    let labels: Vec<&str> = tree["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["inventory", "audit", "frontend", "sessions"]);
    let sessions = node(tree, "shop/sessions").unwrap();
    assert_eq!(sessions["kind"], "dynamic_supervisor");
    assert_eq!(sessions["children"].as_array().unwrap().len(), 3);
    let audit = node(tree, "shop/audit").unwrap();
    assert_eq!(audit["mailbox_capacity"], 16);
    assert_eq!(audit["overflow"], "reject");
    assert_eq!(audit["type_name"], "Audit");
    assert_eq!(audit["restart"], "permanent");
    assert_eq!(audit["status"], "running");
    assert_eq!(audit["supervised"], true);
    // The front end keeps ordering: the inventory's counter and rate move.
    eventually(
        addr,
        "the inventory handles orders at a measured rate",
        |s| {
            let inv = node(&s["tree"], "shop/inventory").unwrap();
            inv["handled"].as_u64().unwrap() > 0 && inv["rate"].as_f64().unwrap() > 0.0
        },
    )
    .await;
    // The static call graph, with the running actor of each node.
    let graph = &snapshot["graph"];
    let edges: Vec<(String, String, String)> = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| {
                e[k].as_str()
                    .unwrap()
                    .rsplit("::")
                    .next()
                    .unwrap()
                    .to_string()
            };
            (s("from"), s("to"), s("kind"))
        })
        .collect();
    assert!(edges.contains(&("Frontend".into(), "Inventory".into(), "call".into())));
    assert!(edges.contains(&("Frontend".into(), "Audit".into(), "cast".into())));
    for n in graph["nodes"].as_array().unwrap() {
        assert_eq!(n["running"], 1, "{n}");
    }
    observer.shutdown().await;
    shop.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_sends_snapshots_and_turns_timing_on() {
    let (shop, observer) = shop_with_observer(Duration::from_millis(5)).await;
    let addr = observer.local_addr();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head =
        format!("GET /api/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    // Read until two `snapshot` events have arrived (the first at once, then one per sample).
    let mut seen = String::new();
    let mut buf = [0u8; 16 * 1024];
    let mut snapshots = Vec::new();
    while snapshots.len() < 3 {
        let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buf))
            .await
            .expect("an event within 30 s")
            .unwrap();
        assert!(n > 0, "the stream ended: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        snapshots = seen
            .split("event: snapshot")
            .skip(1)
            .filter_map(|e| {
                let data = e.lines().find_map(|l| l.strip_prefix("data: "))?;
                serde_json::from_str::<serde_json::Value>(data).ok()
            })
            .collect();
    }
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
    assert!(
        seen.to_lowercase()
            .contains("content-type: text/event-stream")
    );
    for s in &snapshots {
        assert_eq!(s["tree"]["label"], "shop");
    }
    // With a page connected, handler time is measured and messages between actors counted:
    // the front end calls the inventory and casts to the audit log.
    assert_eq!(snapshots.last().unwrap()["timing"], true);
    let counted = eventually(addr, "edges counted on the declared call graph", |s| {
        let edge = |from: &str, to: &str| {
            s["graph"]["edges"].as_array().unwrap().iter().any(|e| {
                e["from"].as_str().unwrap().ends_with(from)
                    && e["to"].as_str().unwrap().ends_with(to)
                    && e["count"].as_u64().unwrap() > 0
            })
        };
        edge("::Frontend", "::Inventory") && edge("::Frontend", "::Audit")
    })
    .await;
    let live = counted["edges"].as_array().unwrap();
    assert!(live.iter().any(|e| e["from"] == "shop/frontend"
        && e["to"] == "shop/inventory"
        && e["kind"] == "call"));
    assert!(
        live.iter().any(|e| e["from"] == "shop/frontend"
            && e["to"] == "shop/audit"
            && e["kind"] == "cast")
    );
    drop(stream);
    observer.shutdown().await;
    shop.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_needs_the_token_and_a_kill_is_restarted() {
    let (shop, observer) = shop_with_observer(Duration::from_millis(20)).await;
    let addr = observer.local_addr();
    let snapshot = get_json(addr, "/api/snapshot").await;
    let inventory = node(&snapshot["tree"], "shop/inventory").unwrap()["actor"]
        .as_u64()
        .unwrap();
    let kill = format!("/api/actors/{inventory}/kill");

    let missing = request(addr, "POST", &kill, &[]).await;
    assert_eq!(missing.status, 401, "{}", missing.body);
    let wrong = request(addr, "POST", &kill, &[("Authorization", "Bearer nope")]).await;
    assert_eq!(wrong.status, 403, "{}", wrong.body);
    let wrong_query = request(addr, "POST", &format!("{kill}?token=nope"), &[]).await;
    assert_eq!(wrong_query.status, 403);
    // Nothing happened.
    let after = get_json(addr, "/api/snapshot").await;
    let inv = node(&after["tree"], "shop/inventory").unwrap();
    assert_eq!(inv["actor"], inventory);
    assert_eq!(inv["restarts"], 0);

    let ok = request(addr, "POST", &kill, &[TOKEN]).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["ok"], true);
    let restarted = eventually(addr, "the inventory is restarted", |s| {
        node(&s["tree"], "shop/inventory").unwrap()["restarts"] == 1
    })
    .await;
    let inv = node(&restarted["tree"], "shop/inventory").unwrap();
    assert_ne!(inv["actor"], inventory);
    assert_eq!(inv["last_exit"], "killed");
    assert_eq!(inv["status"], "running");
    // The X-Arbor-Token header works too; the page's restart keeps the restart count.
    let new = inv["actor"].as_u64().unwrap();
    let restart = request(
        addr,
        "POST",
        &format!("/api/actors/{new}/restart"),
        &[("X-Arbor-Token", "test-token")],
    )
    .await;
    assert_eq!(restart.status, 200, "{}", restart.body);
    let third = restart.json()["new_actor"].as_u64().unwrap();
    assert_ne!(third, new);
    // The exits are on the detail page.
    let detail = eventually(addr, "the restarts were seen", |s| {
        s["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "restart" && e["path"] == "shop/inventory")
            .count()
            >= 2
    })
    .await;
    assert!(node(&detail["tree"], "shop/inventory").unwrap()["actor"] == third);
    let page = get_json(addr, &format!("/api/actors/{third}")).await;
    let exits = page["exits"].as_array().unwrap();
    assert_eq!(exits[0]["actor"], inventory);
    assert_eq!(exits[0]["reason"], "killed");
    assert_eq!(exits[1]["actor"], new);

    // Terminate: stopped, not restarted.
    let terminate = request(
        addr,
        "POST",
        &format!("/api/actors/{third}/terminate"),
        &[TOKEN],
    )
    .await;
    assert_eq!(terminate.status, 200, "{}", terminate.body);
    let stopped = get_json(addr, "/api/snapshot").await;
    let inv = node(&stopped["tree"], "shop/inventory").unwrap();
    assert_eq!(inv["status"], "stopped");
    assert_eq!(inv["actor"], serde_json::Value::Null);
    observer.shutdown().await;
    shop.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_detail_page_shows_the_state_when_registered() {
    let (shop, observer) = shop_with_observer(Duration::from_millis(20)).await;
    let addr = observer.local_addr();
    let snapshot = get_json(addr, "/api/snapshot").await;
    let id = |path: &str| {
        node(&snapshot["tree"], path).unwrap()["actor"]
            .as_u64()
            .unwrap()
    };
    let inventory = get_json(addr, &format!("/api/actors/{}", id("shop/inventory"))).await;
    assert_eq!(inventory["node"]["label"], "inventory");
    assert_eq!(inventory["parent"], id("shop"));
    let state = inventory["state"].as_str().unwrap();
    assert!(
        state.contains("Inventory {") && state.contains("apples"),
        "{state}"
    );
    assert!(
        inventory["type_path"]
            .as_str()
            .unwrap()
            .ends_with("inventory::Inventory")
    );
    assert!(inventory["ancestors"][0].as_str().unwrap().contains("shop"));
    // Audit's type is not registered: no state, and a note saying how.
    let audit = get_json(addr, &format!("/api/actors/{}", id("shop/audit"))).await;
    assert_eq!(audit["state"], serde_json::Value::Null);
    assert!(
        audit["state_note"]
            .as_str()
            .unwrap()
            .contains("debug_state")
    );
    observer.shutdown().await;
    shop.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_4xx_answers() {
    let (shop, observer) = shop_with_observer(Duration::from_millis(20)).await;
    let addr = observer.local_addr();
    let root = get_json(addr, "/api/snapshot").await["tree"]["actor"]
        .as_u64()
        .unwrap();
    type Case<'a> = (&'a str, String, Vec<(&'a str, &'a str)>, u16);
    let cases: Vec<Case> = vec![
        ("GET", "/api/actors/abc".into(), vec![], 400),
        ("GET", "/api/actors/-1".into(), vec![], 400),
        (
            "GET",
            "/api/actors/99999999999999999999999".into(),
            vec![],
            400,
        ),
        ("GET", "/api/actors/999999".into(), vec![], 404),
        ("GET", "/nope".into(), vec![], 404),
        ("GET", "/api/actors/1/2/3".into(), vec![], 404),
        ("POST", "/api/actors/abc/kill".into(), vec![TOKEN], 400),
        (
            "POST",
            format!("/api/actors/{root}/explode"),
            vec![TOKEN],
            404,
        ),
        // The root has no supervisor to restart it.
        ("POST", format!("/api/actors/{root}/kill"), vec![TOKEN], 409),
        ("POST", "/api/actors/999999/kill".into(), vec![TOKEN], 404),
        ("POST", "/api/snapshot".into(), vec![TOKEN], 405),
        ("POST", "/api/snapshot".into(), vec![], 401),
        ("DELETE", format!("/api/actors/{root}"), vec![TOKEN], 405),
        ("POST", "/api/actors/%ff%fe/kill".into(), vec![TOKEN], 400),
        (
            "POST",
            "/api/actors/1/kill".into(),
            vec![("Authorization", "Basic dGVzdA==")],
            401,
        ),
    ];
    for (method, path, headers, expected) in cases {
        let reply = request(addr, method, &path, &headers).await;
        assert_eq!(reply.status, expected, "{method} {path}: {}", reply.body);
    }
    // A request that is not HTTP gets a 400 or a closed connection, and the server lives on.
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"\x00\x01garbage\r\n\r\n").await.unwrap();
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest)).await;
    let text = String::from_utf8_lossy(&rest);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 400"),
        "{text}"
    );
    assert_eq!(get_json(addr, "/api/snapshot").await["tree"]["actor"], root);
    // The root is still there: nothing was killed.
    assert!(shop.app.cell().is_alive());
    observer.shutdown().await;
    shop.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_local_bind_needs_a_token_and_then_every_read_does() {
    let shop = common::system::start(Duration::from_millis(50)).await;
    let anywhere = "0.0.0.0:0".parse().unwrap();
    let refused = Observer::new(shop.app.cell()).bind(anywhere).start().await;
    assert!(matches!(refused, Err(ObserverError::TokenRequired(_))));

    let observer = Observer::new(shop.app.cell())
        .bind(anywhere)
        .token("test-token")
        .start()
        .await
        .unwrap();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], observer.local_addr().port()));
    assert_eq!(request(addr, "GET", "/api/snapshot", &[]).await.status, 401);
    assert_eq!(request(addr, "GET", "/api/events", &[]).await.status, 401);
    assert_eq!(
        request(addr, "GET", "/api/snapshot?token=wrong", &[])
            .await
            .status,
        403
    );
    assert_eq!(
        request(addr, "GET", "/api/snapshot?token=test-token", &[])
            .await
            .status,
        200
    );
    assert_eq!(
        request(addr, "GET", "/api/snapshot", &[TOKEN]).await.status,
        200
    );
    // The page itself loads (it asks for the token); its data does not without one.
    let page = request(addr, "GET", "/", &[]).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Arbor observer"));
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    observer.shutdown().await;

    // On loopback, reads are open and control still needs the token.
    let local = Observer::new(shop.app.cell())
        .bind("127.0.0.1:0".parse().unwrap())
        .start()
        .await
        .unwrap();
    let addr = local.local_addr();
    assert_eq!(request(addr, "GET", "/api/snapshot", &[]).await.status, 200);
    // Addressed to another name (DNS rebinding): reads need the token again.
    let rebound = [("Host", "attacker.example:7878")];
    assert_eq!(
        request_as(addr, "GET", "/api/snapshot", &rebound)
            .await
            .status,
        401
    );
    assert_eq!(
        request_as(addr, "GET", "/api/snapshot", &[("Host", "localhost:1")])
            .await
            .status,
        200
    );
    assert_eq!(
        request_as(addr, "GET", "/api/snapshot", &[("Host", "[::1]:1")])
            .await
            .status,
        200
    );
    let generated = local.token().to_string();
    assert_eq!(generated.len(), 32);
    assert!(local.url().ends_with(&format!("?token={generated}")));
    let root = get_json(addr, "/api/snapshot").await["tree"]["children"][1]["actor"]
        .as_u64()
        .unwrap();
    let path = format!("/api/actors/{root}/kill");
    assert_eq!(request(addr, "POST", &path, &[]).await.status, 401);
    assert_eq!(request(addr, "POST", &path, &[TOKEN]).await.status, 403);
    local.shutdown().await;
    shop.app.shutdown().await;
}

/// Reads `text/event-stream` events from `stream` until a `snapshot` event satisfies `check`
/// (bounded: each read waits at most 30 s, at most 2000 events are read).
async fn stream_until(
    stream: &mut tokio::net::TcpStream,
    what: &str,
    check: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let mut pending = String::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut events = 0;
    while events < 2000 {
        let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("no event within 30 s while waiting for: {what}"))
            .unwrap();
        assert!(n > 0, "the stream ended before: {what}");
        pending.push_str(&String::from_utf8_lossy(&buf[..n]));
        // Complete events end with a blank line; the rest waits for the next read.
        while let Some(end) = pending.find("\n\n") {
            let event: String = pending.drain(..end + 2).collect();
            if !event.contains("event: snapshot") {
                continue;
            }
            events += 1;
            let data: String = event
                .lines()
                .filter_map(|l| l.strip_prefix("data: "))
                .collect();
            if let Ok(snapshot) = serde_json::from_str::<serde_json::Value>(&data)
                && check(&snapshot)
            {
                return snapshot;
            }
        }
    }
    panic!("never in the stream: {what}");
}

/// The deadlock of `snapshot` whose chain starts with actor `first`, if any.
fn deadlock_of(snapshot: &serde_json::Value, first: u64) -> Option<&serde_json::Value> {
    snapshot["deadlocks"]
        .as_array()?
        .iter()
        .find(|d| d["chain"][0]["actor"].as_u64() == Some(first))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_deadlock_shows_with_its_chain_in_the_snapshot_and_the_stream() {
    let (shop, observer) = shop_with_observer(Duration::from_millis(10)).await;
    let addr = observer.local_addr();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head =
        format!("GET /api/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let first = stream_until(&mut stream, "a first snapshot", |s| {
        s["tree"]["label"] == "shop"
    })
    .await;
    let frontend_id = node(&first["tree"], "shop/frontend").unwrap()["actor"]
        .as_u64()
        .unwrap();
    let inventory_id = node(&first["tree"], "shop/inventory").unwrap()["actor"]
        .as_u64()
        .unwrap();
    assert!(deadlock_of(&first, frontend_id).is_none());

    // Checkout: the front end calls the inventory, which calls the front end back. The runtime
    // refuses that call at once; the front end answers with the inventory's error.
    let frontend = shop
        .app
        .child::<ActorRef<Frontend>>("frontend")
        .expect("the front end runs");
    let answer = frontend
        .call(FrontendCall::Checkout)
        .await
        .expect("the front end answers");
    let Err(CallError::Deadlock { chain }) = answer else {
        panic!("expected a deadlock, got {answer:?}");
    };
    let ids: Vec<u64> = chain.iter().map(|h| h.id).collect();
    assert_eq!(ids, [frontend_id, inventory_id, frontend_id]);

    // In the JSON snapshot: the chain (names, ids, paths, graph nodes), the graph's edges of the
    // cycle highlighted (the call back is not declared: added), an event in the log.
    let snapshot = eventually(addr, "the deadlock in the snapshot", |s| {
        deadlock_of(s, frontend_id).is_some()
    })
    .await;
    let deadlock = deadlock_of(&snapshot, frontend_id).unwrap();
    let hops = deadlock["chain"].as_array().unwrap();
    assert_eq!(hops.len(), 3, "{deadlock}");
    let paths: Vec<&str> = hops.iter().map(|h| h["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["shop/frontend", "shop/inventory", "shop/frontend"]);
    let names: Vec<&str> = hops.iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["frontend", "inventory", "frontend"]);
    for hop in hops {
        assert!(hop["node"].is_null(), "a local hop: {hop}");
    }
    assert!(
        hops[0]["graph_node"]
            .as_str()
            .unwrap()
            .ends_with("::Frontend")
    );
    assert!(
        hops[1]["graph_node"]
            .as_str()
            .unwrap()
            .ends_with("::Inventory")
    );
    assert_eq!(
        deadlock["text"],
        format!("frontend#{frontend_id} -> inventory#{inventory_id} -> frontend#{frontend_id}")
    );
    let edge = |from: &str, to: &str| {
        snapshot["graph"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| {
                e["from"].as_str().unwrap().ends_with(from)
                    && e["to"].as_str().unwrap().ends_with(to)
                    && e["kind"] == "call"
            })
            .cloned()
            .unwrap_or_else(|| panic!("no edge {from} -> {to}: {}", snapshot["graph"]))
    };
    let declared = edge("::Frontend", "::Inventory");
    assert_eq!(declared["declared"], true);
    assert!(declared["deadlocks"].as_u64().unwrap() >= 1);
    let back = edge("::Inventory", "::Frontend");
    assert_eq!(back["declared"], false);
    assert!(back["deadlocks"].as_u64().unwrap() >= 1);
    assert!(
        snapshot["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "deadlock"
                && e["text"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("frontend#{frontend_id}"))),
        "{}",
        snapshot["events"]
    );

    // And in the event stream that was open all along.
    let streamed = stream_until(&mut stream, "the deadlock in the stream", |s| {
        deadlock_of(s, frontend_id).is_some()
    })
    .await;
    assert_eq!(
        deadlock_of(&streamed, frontend_id).unwrap()["chain"],
        deadlock["chain"]
    );

    drop(stream);
    observer.shutdown().await;
    shop.app.shutdown().await;
}
