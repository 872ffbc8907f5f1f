//! Membership, monitors, global names and process groups between nodes of one process, with a
//! real `nats-server` (started by the test on a free loopback port). Faults with separate
//! processes are in `faults.rs`. Figures are printed (`-- --nocapture`).

#[path = "fault_support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use arbor::prelude::*;
use arbor_cluster::wire;
use arbor_cluster::{
    ClusterError, DownReason, GlobalError, MembershipOptions, MonitorError, Node, NodeDownReason,
    NodeEvent, NodeOptions,
};
use support::NatsServer;
use support::echo::{self, Echo, EchoServer};

fn fast() -> MembershipOptions {
    MembershipOptions {
        heartbeat: Duration::from_millis(200),
        down_after: Duration::from_millis(1000),
    }
}

async fn node(url: &str, cluster: &str, name: &str) -> Node {
    let mut options = NodeOptions::new(cluster, name, url);
    options.membership = fast();
    Node::connect(options).await.expect("node connects")
}

/// Waits (bounded) until `check` holds, re-checking on every membership event or 50 ms.
async fn until(node: &Node, what: &str, mut check: impl FnMut() -> bool) {
    let mut events = node.node_events();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "not within 10 s: {what}");
        let _ = tokio::time::timeout(Duration::from_millis(50), events.recv()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn membership_sees_nodes_come_and_leave() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let a = node(&server.url, "m1", "a").await;
    let mut events = a.node_events();
    let b = node(&server.url, "m1", "b").await;
    let started = Instant::now();
    assert!(a.wait_for_node("b", Duration::from_secs(10)).await);
    assert!(b.wait_for_node("a", Duration::from_secs(10)).await);
    let seen = started.elapsed();
    assert_eq!(a.nodes(), vec!["b".to_string()]);
    assert_eq!(b.nodes(), vec!["a".to_string()]);
    assert!(a.is_up("a") && a.is_up("b") && !a.is_up("c"));
    assert_eq!(
        events.recv().await.unwrap(),
        NodeEvent::Up { node: "b".into() }
    );

    let watch_b = a.monitor_node("b");
    let left = Instant::now();
    b.leave().await;
    let reason = tokio::time::timeout(Duration::from_secs(5), watch_b)
        .await
        .expect("monitor_node fired");
    assert_eq!(reason, NodeDownReason::Left);
    assert_eq!(
        events.recv().await.unwrap(),
        NodeEvent::Down {
            node: "b".into(),
            reason: NodeDownReason::Left
        }
    );
    let gone = left.elapsed();
    assert!(a.nodes().is_empty());
    // A node not up is reported down at once.
    assert_eq!(a.monitor_node("nobody").await, NodeDownReason::Silent);
    println!(
        "membership: peers see each other {seen:?} after connecting; orderly leave seen after {gone:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_an_error_never_a_panic() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let Some(server) = NatsServer::start() else {
        return;
    };
    let mut options = NodeOptions::new("m2", "a", server.url.clone());
    options.membership.down_after = options.membership.heartbeat;
    let err = Node::connect(options).await.unwrap_err();
    assert!(matches!(err, ClusterError::InvalidOptions { .. }), "{err}");
    let mut options = NodeOptions::new("m2", "a", server.url.clone());
    options.membership.heartbeat = Duration::ZERO;
    assert!(matches!(
        Node::connect(options).await.unwrap_err(),
        ClusterError::InvalidOptions { .. }
    ));

    let a = node(&server.url, "m2", "a").await;
    let b = node(&server.url, "m2", "b").await;
    assert!(a.wait_for_node("b", Duration::from_secs(10)).await);
    // Garbage on the heartbeat subjects and the monitor subject is ignored.
    a.nats()
        .publish("arbor.m2.nodes.b", vec![0xff, 0xff, 0xff].into())
        .await
        .unwrap();
    a.nats()
        .publish("arbor.m2.nodes.x", "not a heartbeat".into())
        .await
        .unwrap();
    // (No answer: the request is dropped with a warning; do not wait the client's 10 s.)
    let _ = tokio::time::timeout(
        Duration::from_millis(300),
        a.nats()
            .request("arbor.m2.node.b.monitor", vec![0xff].into()),
    )
    .await;
    assert!(matches!(
        a.monitor("b", "not a name!").await.unwrap_err(),
        MonitorError::Invalid(ClusterError::InvalidName { .. })
    ));
    assert!(matches!(
        a.join_group("a.b", "x", EchoServer(echo::start_echo().await))
            .await
            .unwrap_err(),
        ClusterError::InvalidName { .. }
    ));
    // Still working, and nobody was declared down.
    let mut events = a.node_events();
    let e = echo::start_echo().await;
    let _export = b.export("Echo", EchoServer(e)).await.unwrap();
    let target = a.remote_on::<Echo>("b", "Echo");
    let n: u64 = wire::call_remote(
        target.as_remote().unwrap(),
        "Echo",
        "echo",
        &(9u64,),
        Duration::from_secs(5),
    )
    .await
    .unwrap_or_else(|e| {
        panic!(
            "{e:?}; a connected {}, b connected {}",
            a.is_connected(),
            b.is_connected()
        )
    });
    assert_eq!(n, 9);
    assert!(a.nodes() == vec!["b".to_string()]);
    assert!(events.try_recv().is_err(), "no membership change");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_monitors_get_the_real_exit_reason() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let a = node(&server.url, "m3", "a").await;
    let b = node(&server.url, "m3", "b").await;
    assert!(a.wait_for_node("b", Duration::from_secs(10)).await);
    let e = echo::start_echo().await;
    let _export = b.export("Echo", EchoServer(e.clone())).await.unwrap();

    let monitor = a.monitor("b", "Echo").await.unwrap();
    assert_eq!(monitor.actor(), Some(e.id().as_u64()));
    let local = b.monitor("b", "Echo").await.unwrap();
    let nobody = a.monitor("b", "Nobody").await.unwrap();
    assert_eq!(nobody.await.reason, DownReason::NoProc);
    let unknown_node = a.monitor("zz", "Echo").await.unwrap();
    assert_eq!(unknown_node.await.reason, DownReason::NoConnection);

    let stopped = Instant::now();
    wire::cast_remote(
        a.remote_on::<Echo>("b", "Echo").as_remote().unwrap(),
        "Echo",
        "stop",
        &("boom".to_string(),),
    )
    .await
    .unwrap();
    let down = tokio::time::timeout(Duration::from_secs(10), monitor)
        .await
        .expect("monitor fired");
    let latency = stopped.elapsed();
    assert_eq!(down.reason, DownReason::Exit(ExitReason::error("boom")));
    assert_eq!(&*down.node, "b");
    assert_eq!(
        local.await.reason,
        DownReason::Exit(ExitReason::error("boom"))
    );
    // Monitoring an actor that already exited answers with its reason at once.
    let late = a.monitor("b", "Echo").await.unwrap();
    assert_eq!(
        late.await.reason,
        DownReason::Exit(ExitReason::error("boom"))
    );
    println!("remote monitor: exit seen by the other node {latency:?} after the stop cast");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_names_one_owner_cached_lookups_and_cleanup() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    if !support::supports_kv(&server) {
        return;
    }
    let a = node(&server.url, "m4", "a").await;
    let b = node(&server.url, "m4", "b").await;
    assert!(a.wait_for_node("b", Duration::from_secs(10)).await);
    let ea = echo::start_echo().await;
    let eb = echo::start_echo().await;
    let leader = a
        .register_global("leader", EchoServer(ea.clone()))
        .await
        .unwrap();
    assert_eq!(leader.name(), "leader");
    match b.register_global("leader", EchoServer(eb.clone())).await {
        Err(GlobalError::Taken { owner, name }) => {
            assert_eq!((owner.as_str(), name.as_str()), ("a", "leader"))
        }
        other => panic!("second registration: {other:?}"),
    }
    assert!(matches!(
        b.register_global("no good", EchoServer(eb.clone())).await,
        Err(GlobalError::Invalid(_))
    ));

    // A call through the global name reaches a's actor.
    let target = b.global_target::<Echo>("leader").await.unwrap();
    let n: u64 = wire::call_remote(
        target.as_remote().unwrap(),
        "Echo",
        "echo",
        &(5u64,),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(n, 5);

    // Lookup figures: cached (memory) against uncached (a KV read).
    assert_eq!(
        b.global_owner("leader").await.unwrap().as_deref(),
        Some("a")
    );
    let rounds = 2000;
    let t = Instant::now();
    for _ in 0..rounds {
        assert!(b.global_owner("leader").await.unwrap().is_some());
    }
    let cached = t.elapsed() / rounds;
    let t = Instant::now();
    for _ in 0..100 {
        assert!(b.global_owner_uncached("leader").await.unwrap().is_some());
    }
    let uncached = t.elapsed() / 100;

    // The owner's actor exits: the name goes away everywhere, and b can take it.
    let monitor = b.monitor_global("leader").await.unwrap();
    ea.cell().stop(ExitReason::error("bye")).await;
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(10), monitor)
            .await
            .unwrap()
            .reason,
        DownReason::Exit(ExitReason::error("bye"))
    );
    let freed = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mine = loop {
        match b.register_global("leader", EchoServer(eb.clone())).await {
            Ok(name) => break name,
            Err(GlobalError::Taken { .. }) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(e) => panic!("{e}"),
        }
    };
    let retaken = freed.elapsed();
    let deadline = Instant::now() + Duration::from_secs(10);
    while a.global_owner("leader").await.unwrap().as_deref() != Some("b") {
        assert!(
            Instant::now() < deadline,
            "a's cache did not follow the new owner"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Dropping the handle unregisters.
    drop(mine);
    let deadline = Instant::now() + Duration::from_secs(10);
    while a.global_owner("leader").await.unwrap().is_some() {
        assert!(
            Instant::now() < deadline,
            "the name is still there after unregistering"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(a.global_owner_uncached("leader").await.unwrap(), None);
    println!(
        "global names: lookup cached {cached:?}, uncached (KV read) {uncached:?} ({:.0}x); \
         name free again {retaken:?} after its owner exited",
        uncached.as_secs_f64() / cached.as_secs_f64().max(1e-9)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_groups_broadcast_one_of_and_lost_members() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let a = node(&server.url, "m5", "a").await;
    let b = node(&server.url, "m5", "b").await;
    assert!(a.wait_for_node("b", Duration::from_secs(10)).await);
    let (e1, e2, e3) = (
        echo::start_echo().await,
        echo::start_echo().await,
        echo::start_echo().await,
    );
    let _m1 = a
        .join_group("workers", "w1", EchoServer(e1.clone()))
        .await
        .unwrap();
    let _m2 = b
        .join_group("workers", "w2", EchoServer(e2.clone()))
        .await
        .unwrap();
    let m3 = b
        .join_group("workers", "w3", EchoServer(e3.clone()))
        .await
        .unwrap();
    let all = vec![
        ("a".to_string(), "w1".to_string()),
        ("b".to_string(), "w2".to_string()),
        ("b".to_string(), "w3".to_string()),
    ];
    let joined = Instant::now();
    until(&a, "a sees 3 members", || a.group_members("workers") == all).await;
    let seen = joined.elapsed();
    assert_eq!(b.group_members("workers"), all);

    // One of: every call answered by some member.
    let one = a.group_one::<Echo>("workers");
    for i in 0..20u64 {
        let n: u64 = wire::call_remote(
            one.as_remote().unwrap(),
            "Echo",
            "echo",
            &(i,),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert_eq!(n, i);
    }
    // Leaving drops a member.
    drop(m3);
    until(&a, "w3 left", || a.group_members("workers").len() == 2).await;
    // Broadcast reaches every member: each one stops.
    wire::cast_remote(
        a.group_broadcast::<Echo>("workers").as_remote().unwrap(),
        "Echo",
        "stop",
        &("broadcast".to_string(),),
    )
    .await
    .unwrap();
    for e in [&e1, &e2] {
        let reason = tokio::time::timeout(Duration::from_secs(10), e.cell().wait())
            .await
            .expect("member stopped");
        assert_eq!(reason, ExitReason::error("broadcast"));
    }
    assert!(e3.cell().is_alive(), "a member that left gets nothing");
    // A lost node's members drop out.
    b.leave().await;
    until(&a, "b's members dropped", || {
        a.group_members("workers") == vec![("a".to_string(), "w1".to_string())]
    })
    .await;
    let err = wire::call_remote::<_, u64>(
        a.remote_on::<Echo>("b", "Nothing").as_remote().unwrap(),
        "Echo",
        "echo",
        &(1u64,),
        Duration::from_secs(5),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, CallError::Exited(_) | CallError::Remote(_)),
        "{err:?}"
    );
    println!("process groups: joins seen by another node after {seen:?}");
}

/// Figures only (no timing assert): a remote call's round trip — which now also races the
/// serving node's loss — against a raw async-nats request/reply with the same payload, in the
/// same run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_round_trip_against_raw_request_figures() {
    use futures::StreamExt;
    let Some(server) = NatsServer::start() else {
        return;
    };
    let a = node(&server.url, "m6", "a").await;
    let b = node(&server.url, "m6", "b").await;
    assert!(a.wait_for_node("b", Duration::from_secs(10)).await);
    let e = echo::start_echo().await;
    let _export = b.export("Echo", EchoServer(e)).await.unwrap();
    let raw_sub = b.nats().subscribe("raw.echo").await.unwrap();
    let responder = b.nats().clone();
    tokio::spawn(async move {
        let mut sub = raw_sub;
        while let Some(msg) = sub.next().await {
            if let Some(reply) = msg.reply {
                let _ = responder.publish(reply, msg.payload).await;
            }
        }
    });
    b.nats().flush().await.unwrap();
    let rounds = 2000u64;
    let payload = wire::encode(&(7u64,)).unwrap();
    for target in [a.remote_on::<Echo>("b", "Echo"), a.remote::<Echo>("Echo")] {
        let remote = target.as_remote().unwrap();
        // Warm up, then measure.
        for i in 0..100u64 {
            let _: u64 = wire::call_remote(remote, "Echo", "echo", &(i,), Duration::from_secs(5))
                .await
                .unwrap();
        }
        let t = Instant::now();
        for i in 0..rounds {
            let n: u64 = wire::call_remote(remote, "Echo", "echo", &(i,), Duration::from_secs(5))
                .await
                .unwrap();
            assert_eq!(n, i);
        }
        let arbor = t.elapsed() / rounds as u32;
        let t = Instant::now();
        for _ in 0..rounds {
            a.nats()
                .request("raw.echo", payload.clone().into())
                .await
                .unwrap();
        }
        let raw = t.elapsed() / rounds as u32;
        println!(
            "call round trip ({remote:?}): arbor {arbor:?}, raw request {raw:?} ({:.2}x)",
            arbor.as_secs_f64() / raw.as_secs_f64()
        );
    }
}

/// Traps exits and reports each signal.
struct TrapperWith(tokio::sync::mpsc::UnboundedSender<ExitSignal>);

impl Actor for TrapperWith {
    type Args = tokio::sync::mpsc::UnboundedSender<ExitSignal>;
    type Call = std::convert::Infallible;
    type Cast = std::convert::Infallible;
    type Info = std::convert::Infallible;
    type Continue = std::convert::Infallible;

    async fn init(
        tx: tokio::sync::mpsc::UnboundedSender<ExitSignal>,
        ctx: &mut Context<Self>,
    ) -> Init<Self> {
        ctx.trap_exit(true);
        Init::Ok(TrapperWith(tx))
    }

    async fn handle_exit(&mut self, signal: ExitSignal, _ctx: &mut Context<Self>) -> Handled<Self> {
        let _ = self.0.send(signal);
        Handled::Continue
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_links_propagate_exits_to_the_local_actor() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let a = node(&server.url, "m7", "a").await;
    let b = node(&server.url, "m7", "b").await;
    assert!(a.wait_for_node("b", Duration::from_secs(10)).await);
    let (r1, r2, r3) = (
        echo::start_echo().await,
        echo::start_echo().await,
        echo::start_echo().await,
    );
    let _x1 = b.export("R1", EchoServer(r1.clone())).await.unwrap();
    let _x2 = b.export("R2", EchoServer(r2.clone())).await.unwrap();
    let _x3 = b.export("R3", EchoServer(r3.clone())).await.unwrap();

    // Abnormal remote exit: a non-trapping local actor exits with the same reason.
    let plain = echo::start_echo().await;
    let _l1 = a.link_remote(&plain.cell(), "b", "R1").await.unwrap();
    r1.cell().stop(ExitReason::error("boom")).await;
    let reason = tokio::time::timeout(Duration::from_secs(10), plain.cell().wait())
        .await
        .expect("the linked local actor exited");
    assert_eq!(reason, ExitReason::error("boom"));

    // Normal remote exit: a non-trapping local actor stays; a trapping one gets the signal.
    let survivor = echo::start_echo().await;
    let (tx, mut signals) = tokio::sync::mpsc::unbounded_channel();
    let trapper = Spawn::<TrapperWith>::new()
        .start(tx)
        .await
        .unwrap()
        .running()
        .unwrap();
    let _l2 = a.link_remote(&survivor.cell(), "b", "R2").await.unwrap();
    let l3 = a.link_remote(&trapper.cell(), "b", "R2").await.unwrap();
    r2.cell().stop(ExitReason::Normal).await;
    let signal = tokio::time::timeout(Duration::from_secs(10), signals.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(signal.reason, ExitReason::Normal);
    assert_eq!(signal.from, l3.proxy());
    assert!(survivor.cell().is_alive());

    // The remote node is lost: noconnection.
    let doomed = echo::start_echo().await;
    let _l4 = a.link_remote(&doomed.cell(), "b", "R3").await.unwrap();
    let _l5 = a.link_remote(&trapper.cell(), "b", "R3").await.unwrap();
    b.leave().await;
    let reason = tokio::time::timeout(Duration::from_secs(10), doomed.cell().wait())
        .await
        .expect("the linked local actor exited");
    assert_eq!(reason, ExitReason::error("noconnection"));
    let signal = tokio::time::timeout(Duration::from_secs(10), signals.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(signal.reason, ExitReason::error("noconnection"));
    assert!(trapper.cell().is_alive());
    assert!(
        r3.cell().is_alive(),
        "b never saw a go down: its actor keeps running"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_links_propagate_local_exits_to_the_remote_actor() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let a = node(&server.url, "m8", "a").await;
    let b = node(&server.url, "m8", "b").await;
    let c = node(&server.url, "m8", "c").await;
    assert!(a.wait_for_node("b", Duration::from_secs(10)).await);
    assert!(b.wait_for_node("c", Duration::from_secs(10)).await);
    let (r1, r2, r3) = (
        echo::start_echo().await,
        echo::start_echo().await,
        echo::start_echo().await,
    );
    let _x1 = b.export("R1", EchoServer(r1.clone())).await.unwrap();
    let _x2 = b.export("R2", EchoServer(r2.clone())).await.unwrap();
    let _x3 = b.export("R3", EchoServer(r3.clone())).await.unwrap();

    // The local actor exits abnormally: the remote one exits with the same reason.
    let l1 = echo::start_echo().await;
    let _link1 = a.link_remote(&l1.cell(), "b", "R1").await.unwrap();
    l1.cell().stop(ExitReason::error("local-boom")).await;
    let reason = tokio::time::timeout(Duration::from_secs(10), r1.cell().wait())
        .await
        .expect("the remote actor exited");
    assert_eq!(reason, ExitReason::error("local-boom"));

    // A normal exit does not take the remote actor down; unlink removes the link.
    let l2 = echo::start_echo().await;
    let link2 = a.link_remote(&l2.cell(), "b", "R2").await.unwrap();
    let l2b = echo::start_echo().await;
    let _link2b = a.link_remote(&l2b.cell(), "b", "R2").await.unwrap();
    l2b.cell().stop(ExitReason::Normal).await;
    link2.unlink().await;
    l2.cell().stop(ExitReason::error("after-unlink")).await;

    // The linking node is lost: the remote actor gets noconnection.
    let l3 = echo::start_echo().await;
    let _link3 = c.link_remote(&l3.cell(), "b", "R3").await.unwrap();
    c.leave().await;
    let reason = tokio::time::timeout(Duration::from_secs(10), r3.cell().wait())
        .await
        .expect("the remote actor exited");
    assert_eq!(reason, ExitReason::error("noconnection"));
    assert!(
        r2.cell().is_alive(),
        "a normal exit and an exit after unlink leave the remote actor running"
    );
}
