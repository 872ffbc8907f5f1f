//! Fault tests with a real `nats-server` and nodes as separate OS processes: `kill -9` a node
//! during a stream of calls, `SIGSTOP`/`SIGCONT` a node holding a global name, restart the
//! server under load. Each prints its figures (`cargo test -p arbor-cluster --test faults --
//! --nocapture`). Skipped (with a message) when no `nats-server` is installed.

#[path = "fault_support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use arbor::CallError;
use arbor_cluster::wire;
use arbor_cluster::{DownReason, MembershipOptions, Node, NodeDownReason, NodeEvent, NodeOptions};
use support::echo::{self, Echo};
use support::{NatsServer, NodeProc};

async fn observer(url: &str, cluster: &str) -> Node {
    Node::connect(NodeOptions::new(cluster, "observer", url))
        .await
        .expect("observer connects")
}

fn kind(err: &CallError) -> String {
    match err {
        CallError::Remote(e) => format!("{:?}", e.kind()),
        CallError::Exited(reason) if reason.to_string().contains("noproc") => "noproc".into(),
        other => format!("{other:?}"),
    }
}

/// `kill -9` a node while 16 callers stream calls to it: every caller gets its replies, then a
/// `NodeDown` (or `noproc` for a call sent after the server saw the connection close) within
/// the detection bound + 1 s; two monitors fire once each with `NoConnection`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_stream_of_calls() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let defaults = MembershipOptions::default();
    let mut victim = NodeProc::start(
        &server.url,
        "f1",
        "victim",
        defaults.heartbeat.as_millis() as u64,
        defaults.down_after.as_millis() as u64,
        &[],
    )
    .await;
    let obs = observer(&server.url, "f1").await;
    assert!(obs.wait_for_node("victim", Duration::from_secs(10)).await);
    // Half the callers use `remote("Echo")` (whoever exports it): the observer must know the
    // victim exports it for those calls to race its loss.
    let deadline = Instant::now() + Duration::from_secs(10);
    while obs.exporters("Echo") != vec!["victim".to_string()] {
        assert!(
            Instant::now() < deadline,
            "the victim's export was never announced"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let bound = obs.membership_options().detection_bound();
    let monitors = [
        obs.monitor("victim", "Echo").await.unwrap(),
        obs.monitor("victim", "Echo").await.unwrap(),
    ];
    let mut events = obs.node_events();

    let ok = Arc::new(AtomicU64::new(0));
    let on = obs.remote_on::<Echo>("victim", "Echo");
    let any = obs.remote::<Echo>("Echo");
    let mut callers = Vec::new();
    for caller in 0..16u64 {
        let target = if caller % 2 == 0 {
            on.clone()
        } else {
            any.clone()
        };
        let ok = ok.clone();
        callers.push(tokio::spawn(async move {
            let remote = target.as_remote().unwrap();
            let mut i = 0u64;
            loop {
                let n = caller * 1_000_000 + i;
                let sent = Instant::now();
                let r: Result<u64, CallError> =
                    wire::call_remote(remote, "Echo", "slow", &(50u64, n), Duration::from_secs(30))
                        .await;
                match r {
                    Ok(m) => {
                        assert_eq!(m, n, "a reply went to the wrong caller");
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => return (e, sent, Instant::now()),
                }
                i += 1;
            }
        }));
    }
    while ok.load(Ordering::Relaxed) < 100 {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    victim.kill();
    let killed = Instant::now();

    let down = tokio::time::timeout(bound + Duration::from_secs(5), async {
        loop {
            if let Ok(NodeEvent::Down { node, reason }) = events.recv().await
                && &*node == "victim"
            {
                return (Instant::now(), reason);
            }
        }
    })
    .await
    .expect("victim declared down");
    let mut worst = Duration::ZERO;
    let (mut node_down, mut noproc) = (0, 0);
    for caller in callers {
        let (err, sent, ended) = tokio::time::timeout(bound + Duration::from_secs(5), caller)
            .await
            .expect("a caller hung")
            .unwrap();
        worst = worst.max(ended.duration_since(killed));
        match kind(&err).as_str() {
            "NodeDown" => node_down += 1,
            // A request that reaches the server after it saw the connection close has no
            // responder: it fails at once (`sent` is when the caller started it, which can
            // be a moment before the kill).
            "noproc" => {
                let _ = sent;
                noproc += 1
            }
            other => panic!(
                "caller ended with {other}: {err:?} (sent before the kill: {})",
                sent < killed
            ),
        }
    }
    let mut fired = Vec::new();
    for monitor in monitors {
        let d = tokio::time::timeout(bound + Duration::from_secs(5), monitor)
            .await
            .expect("monitor fired");
        assert_eq!(d.reason, DownReason::NoConnection, "{d:?}");
        fired.push(Instant::now().duration_since(killed));
    }
    println!(
        "kill -9: {} calls answered before the kill; detection kill→Down {:?} ({:?}, bound {:?}); \
         callers: {node_down} NodeDown, {noproc} noproc (request reached the server after the kill), last one ended {:?} after the kill; \
         monitors fired (NoConnection) after {:?}",
        ok.load(Ordering::Relaxed),
        down.0.duration_since(killed),
        down.1,
        bound,
        worst,
        fired,
    );
    assert_eq!(down.1, NodeDownReason::Silent);
    assert!(
        worst <= bound + Duration::from_secs(1),
        "a caller waited {worst:?} after the kill (bound {bound:?} + 1 s)"
    );
    assert!(node_down > 0, "no call was in flight at the kill");
}

/// `SIGSTOP` a node that holds a global name: it is declared down, its name is removed and
/// taken by another node; after `SIGCONT` it is up again, learns it lost the name, and there is
/// one owner. The frozen node does not declare the others down when it wakes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigstop_then_sigcont() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    // Without JetStream's key-value API (old server), the global-name part is skipped.
    let kv = support::supports_kv(&server);
    let d = MembershipOptions::default();
    let (hb, da) = (
        d.heartbeat.as_millis() as u64,
        d.down_after.as_millis() as u64,
    );
    let extra: &[&str] = if kv { &["--global", "leader"] } else { &[] };
    let mut victim = NodeProc::start(&server.url, "f2", "victim", hb, da, extra).await;
    assert!(
        !kv || victim.seen_line("global leader ok"),
        "victim took the name: {:?}",
        victim.seen()
    );
    let obs = observer(&server.url, "f2").await;
    assert!(obs.wait_for_node("victim", Duration::from_secs(10)).await);
    victim.expect("up observer", Duration::from_secs(10)).await;
    if kv {
        assert_eq!(
            obs.global_owner("leader").await.unwrap().as_deref(),
            Some("victim")
        );
    }
    let bound = obs.membership_options().detection_bound();
    let mut events = obs.node_events();

    victim.signal("STOP");
    let stopped = Instant::now();
    let reason = tokio::time::timeout(bound + Duration::from_secs(5), async {
        loop {
            if let Ok(NodeEvent::Down { node, reason }) = events.recv().await
                && &*node == "victim"
            {
                return reason;
            }
        }
    })
    .await
    .expect("victim declared down");
    let detected = stopped.elapsed();
    assert_eq!(reason, NodeDownReason::Silent);

    // The observer removes the lost node's name; then it can take it.
    let echo = echo::start_echo().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mine = if kv {
        Some(loop {
            match obs
                .register_global("leader", echo::EchoServer(echo.clone()))
                .await
            {
                Ok(name) => break name,
                Err(arbor_cluster::GlobalError::Taken { owner, .. })
                    if Instant::now() < deadline =>
                {
                    assert_eq!(owner, "victim");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("the observer could not take the name: {e}"),
            }
        })
    } else {
        None
    };
    let taken = stopped.elapsed();

    victim.signal("CONT");
    let resumed = Instant::now();
    assert!(
        obs.wait_for_node("victim", Duration::from_secs(10)).await,
        "victim up again"
    );
    let up_again = resumed.elapsed();
    let mut told = None;
    if let Some(mine) = &mine {
        let lost = victim.expect("lost leader", Duration::from_secs(10)).await;
        told = Some(resumed.elapsed());
        assert_eq!(lost, "lost leader observer");
        victim.send("owner leader");
        let owner = victim.expect("owner leader", Duration::from_secs(10)).await;
        assert_eq!(owner, "owner leader observer", "one owner, seen by both");
        assert_eq!(
            obs.global_owner_uncached("leader")
                .await
                .unwrap()
                .as_deref(),
            Some("observer")
        );
        assert!(!mine.is_lost());
    }
    // The resumed node sees the observer's heartbeats again (it never declared it down).
    victim.send("owner none-check");
    victim
        .expect("owner none-check", Duration::from_secs(10))
        .await;
    assert!(
        !victim.seen_line("down observer"),
        "the frozen node declared the observer down when it woke: {:?}",
        victim.seen()
    );
    println!(
        "SIGSTOP: declared down after {detected:?} (bound {bound:?}); name taken over after {taken:?}; \
         SIGCONT: up again after {up_again:?}, old owner told it lost the name after {told:?} (None: no KV); one owner"
    );
}

/// Restart `nats-server` under a load of calls: no call outlives its timeout, no reply goes
/// to the wrong caller, calls made while disconnected fail fast, and the cluster answers again
/// within 5 s of the restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_server_restart_under_load() {
    let Some(mut server) = NatsServer::start() else {
        return;
    };
    let d = MembershipOptions::default();
    let (hb, da) = (
        d.heartbeat.as_millis() as u64,
        d.down_after.as_millis() as u64,
    );
    let kv = support::supports_kv(&server);
    let extra: &[&str] = if kv { &["--global", "g3"] } else { &[] };
    let mut victim = NodeProc::start(&server.url, "f3", "server-side", hb, da, extra).await;
    let obs = observer(&server.url, "f3").await;
    assert!(
        obs.wait_for_node("server-side", Duration::from_secs(10))
            .await
    );
    if kv {
        assert_eq!(
            obs.global_owner("g3").await.unwrap().as_deref(),
            Some("server-side")
        );
    }

    // A remote monitor of `Echo2`, whose actor is stopped while the server is down: the exit
    // notice cannot reach the observer then; the monitor must still fire with the real reason.
    let monitor = obs.monitor("server-side", "Echo2").await.unwrap();
    assert!(monitor.actor().is_some());
    let timeout = Duration::from_secs(2);
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let target = obs.remote_on::<Echo>("server-side", "Echo");
    let mut callers = Vec::new();
    for caller in 0..8u64 {
        let target = target.clone();
        let ok = ok.clone();
        let mut stopping = stopping.clone();
        let failed = failed.clone();
        callers.push(tokio::spawn(async move {
            let remote = target.as_remote().unwrap();
            let mut log: Vec<(Instant, Duration, Result<(), String>)> = Vec::new();
            let mut i = 0u64;
            loop {
                let n = (caller << 40) | i;
                i += 1;
                let sent = Instant::now();
                let args = (n,);
                let call = wire::call_remote::<_, u64>(remote, "Echo", "echo", &args, timeout);
                let r = tokio::select! {
                    r = call => r,
                    _ = stopping.wait_for(|s| *s) => return log,
                };
                let took = sent.elapsed();
                match r {
                    Ok(m) => {
                        assert_eq!(m, n, "a reply went to the wrong caller");
                        ok.fetch_add(1, Ordering::Relaxed);
                        log.push((sent, took, Ok(())));
                    }
                    Err(e) => {
                        log.push((sent, took, Err(kind(&e))));
                        failed.fetch_add(1, Ordering::Relaxed);
                        // A failed call is retried after a short pause, not in a busy loop.
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                            _ = stopping.wait_for(|s| *s) => return log,
                        }
                    }
                }
            }
        }));
    }
    while ok.load(Ordering::Relaxed) < 200 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    let killed = Instant::now();
    let disconnected = tokio::time::timeout(Duration::from_secs(5), async {
        while obs.is_connected() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .is_ok();
    // The server stays down until the callers have seen 40 failures (they fail fast).
    let failed_before = failed.load(Ordering::Relaxed);
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while failed.load(Ordering::Relaxed) < failed_before + 40 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    victim.send("stop2 while-disconnected");
    victim.expect("stopped2", Duration::from_secs(10)).await;
    server.restart();
    let restarted = Instant::now();
    let before = ok.load(Ordering::Relaxed);
    let recovered = tokio::time::timeout(Duration::from_secs(10), async {
        while ok.load(Ordering::Relaxed) < before + 200 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    stop.send_replace(true);
    let mut logs = Vec::new();
    for caller in callers {
        logs.extend(caller.await.unwrap());
    }
    let mut errors: std::collections::BTreeMap<String, usize> = Default::default();
    let mut worst = Duration::ZERO;
    let mut first_ok_after: Option<Duration> = None;
    for (sent, took, result) in &logs {
        worst = worst.max(*took);
        match result {
            Ok(()) if *sent >= restarted => {
                let after = sent.duration_since(restarted) + *took;
                first_ok_after = Some(first_ok_after.map_or(after, |f| f.min(after)));
            }
            Ok(()) => {}
            Err(kind) => *errors.entry(kind.clone()).or_default() += 1,
        }
    }
    println!(
        "nats restart: {} calls, {} answered; errors {errors:?}; server down {:?} (client saw it: {disconnected}); \
         first answer {:?} after the restart; longest call {worst:?} (timeout {timeout:?})",
        logs.len(),
        ok.load(Ordering::Relaxed),
        restarted.duration_since(killed),
        first_ok_after,
    );
    assert!(
        recovered.is_ok(),
        "the cluster did not answer again within 10 s"
    );
    let down = tokio::time::timeout(Duration::from_secs(10), monitor)
        .await
        .expect("the monitor of the actor stopped while disconnected fired");
    assert_eq!(
        down.reason,
        DownReason::Exit(arbor::ExitReason::error("while-disconnected"))
    );
    println!(
        "nats restart: the monitor of an actor stopped while the server was down fired with its real reason"
    );
    assert!(
        first_ok_after.is_some_and(|f| f <= Duration::from_secs(5)),
        "first answer after the restart: {first_ok_after:?}"
    );
    assert!(
        worst <= timeout + Duration::from_secs(1),
        "a call took {worst:?} with a {timeout:?} timeout"
    );
    assert!(
        obs.wait_for_node("server-side", Duration::from_secs(10))
            .await
    );
    if kv {
        // The name survived the restart (file store, lease refreshed), and the observer's
        // cache agrees with the bucket again.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let fresh = obs.global_owner_uncached("g3").await.ok().flatten();
            let cached = obs.global_owner("g3").await.ok().flatten();
            if fresh.as_deref() == Some("server-side") && cached == fresh {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "after the restart: bucket says {fresh:?}, cache {cached:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A NATS cluster of three servers joined by routes; the server the calling node is connected
/// to is killed under load: the node fails over to another server, no call outlives its
/// timeout, no reply goes to the wrong caller, and calls are answered again within 5 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_cluster_server_killed_under_load() {
    let Some(mut servers) = NatsServer::start_cluster(3) else {
        return;
    };
    let d = MembershipOptions::default();
    let (hb, da) = (
        d.heartbeat.as_millis() as u64,
        d.down_after.as_millis() as u64,
    );
    let urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    let mut options = NodeOptions::new("f4", "observer", urls[0].clone());
    options.urls = urls.clone();
    let obs = Node::connect(options).await.expect("observer connects");
    let doomed = servers
        .iter()
        .position(|s| s.port == obs.nats().server_info().port)
        .expect("connected to one of the three");
    // The serving node is connected to another server only.
    let other = (doomed + 1) % 3;
    let mut victim = NodeProc::start(&urls[other], "f4", "server-side", hb, da, &[]).await;
    // Heartbeats crossing servers, both ways: the routes are up.
    assert!(
        obs.wait_for_node("server-side", Duration::from_secs(20))
            .await
    );
    victim.expect("up observer", Duration::from_secs(20)).await;

    let timeout = Duration::from_secs(2);
    let ok = Arc::new(AtomicU64::new(0));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let target = obs.remote_on::<Echo>("server-side", "Echo");
    let mut callers = Vec::new();
    for caller in 0..8u64 {
        let target = target.clone();
        let ok = ok.clone();
        let mut stopping = stopping.clone();
        callers.push(tokio::spawn(async move {
            let remote = target.as_remote().unwrap();
            let mut log: Vec<(Instant, Duration, Result<(), String>)> = Vec::new();
            let mut i = 0u64;
            loop {
                let n = (caller << 40) | i;
                i += 1;
                let sent = Instant::now();
                let args = (n,);
                let call = wire::call_remote::<_, u64>(remote, "Echo", "echo", &args, timeout);
                let r = tokio::select! {
                    r = call => r,
                    _ = stopping.wait_for(|s| *s) => return log,
                };
                let took = sent.elapsed();
                match r {
                    Ok(m) => {
                        assert_eq!(m, n, "a reply went to the wrong caller");
                        ok.fetch_add(1, Ordering::Relaxed);
                        log.push((sent, took, Ok(())));
                    }
                    Err(e) => {
                        log.push((sent, took, Err(kind(&e))));
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                            _ = stopping.wait_for(|s| *s) => return log,
                        }
                    }
                }
            }
        }));
    }
    while ok.load(Ordering::Relaxed) < 200 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    servers[doomed].kill();
    let killed = Instant::now();
    let before = ok.load(Ordering::Relaxed);
    let recovered = tokio::time::timeout(Duration::from_secs(10), async {
        while ok.load(Ordering::Relaxed) < before + 200 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    stop.send_replace(true);
    let mut logs = Vec::new();
    for caller in callers {
        logs.extend(caller.await.unwrap());
    }
    let mut errors: std::collections::BTreeMap<String, usize> = Default::default();
    let mut worst = Duration::ZERO;
    let mut first_ok_after: Option<Duration> = None;
    for (sent, took, result) in &logs {
        worst = worst.max(*took);
        match result {
            Ok(()) if *sent >= killed => {
                let after = sent.duration_since(killed) + *took;
                first_ok_after = Some(first_ok_after.map_or(after, |f| f.min(after)));
            }
            Ok(()) => {}
            Err(kind) => *errors.entry(kind.clone()).or_default() += 1,
        }
    }
    let now_on = obs.nats().server_info().port;
    println!(
        "NATS cluster, server killed: {} calls, {} answered; errors {errors:?}; \
         failed over from :{} to :{now_on}; first answer {:?} after the kill; longest call {worst:?} (timeout {timeout:?})",
        logs.len(),
        ok.load(Ordering::Relaxed),
        servers[doomed].port,
        first_ok_after,
    );
    assert!(
        recovered.is_ok(),
        "the cluster did not answer again within 10 s"
    );
    assert!(
        first_ok_after.is_some_and(|f| f <= Duration::from_secs(5)),
        "first answer after the kill: {first_ok_after:?}"
    );
    assert!(
        worst <= timeout + Duration::from_secs(1),
        "a call took {worst:?} with a {timeout:?} timeout"
    );
    assert_ne!(now_on, servers[doomed].port, "failed over");
    assert!(
        obs.wait_for_node("server-side", Duration::from_secs(10))
            .await
    );
}

/// A network split with `ip netns`: two namespaces of our own, a server and a node in each,
/// the servers joined by routes over a veth pair. The pair is cut: each node declares the
/// other down within the bound; the pair is restored: each sees the other up again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_split_and_heal() {
    let Some(split) = support::Split::new() else {
        return;
    };
    let route = |addr: &str| format!("nats://{addr}:6222");
    // Only `sb` dials (a route to a server not yet listening would be retried and duplicated).
    let server_args = |me: &str, other: Option<&str>, name: &str| -> Vec<String> {
        let mut args: Vec<String> = vec![
            "--cluster_name".into(),
            "arbor-split".into(),
            "-n".into(),
            name.into(),
            "--cluster".into(),
            route(me),
        ];
        if let Some(other) = other {
            args.extend(["--routes".into(), route(other)]);
        }
        args
    };
    let Some(_sa) = NatsServer::start_in_netns(
        &split.a,
        &split.a_addr,
        4222,
        server_args(&split.a_addr, None, "sa"),
    ) else {
        return;
    };
    let Some(_sb) = NatsServer::start_in_netns(
        &split.b,
        &split.b_addr,
        4222,
        server_args(&split.b_addr, Some(&split.a_addr), "sb"),
    ) else {
        return;
    };
    let d = MembershipOptions::default();
    let (hb, da) = (
        d.heartbeat.as_millis() as u64,
        d.down_after.as_millis() as u64,
    );
    let bound = d.detection_bound();
    let url_a = format!("nats://{}:4222", split.a_addr);
    let url_b = format!("nats://{}:4222", split.b_addr);
    let mut na = NodeProc::start_in(Some(&split.a), &url_a, "f5", "na", hb, da, &[]).await;
    let mut nb = NodeProc::start_in(Some(&split.b), &url_b, "f5", "nb", hb, da, &[]).await;
    // Heartbeats cross the route: the nodes see each other.
    na.expect("up nb", Duration::from_secs(20)).await;
    nb.expect("up na", Duration::from_secs(20)).await;

    split.cut();
    let cut = Instant::now();
    let a_saw = na.expect("down nb", bound + Duration::from_secs(5)).await;
    let a_down = cut.elapsed();
    let b_saw = nb.expect("down na", bound + Duration::from_secs(5)).await;
    let b_down = cut.elapsed();
    assert_eq!(a_saw, "down nb Silent");
    assert_eq!(b_saw, "down na Silent");

    split.heal();
    let healed = Instant::now();
    na.expect("up nb", Duration::from_secs(30)).await;
    let a_up = healed.elapsed();
    nb.expect("up na", Duration::from_secs(30)).await;
    let b_up = healed.elapsed();
    println!(
        "network split: declared down after {a_down:?} / {b_down:?} (bound {bound:?}); \
         after the heal, up again after {a_up:?} / {b_up:?} (NATS re-establishes the route)"
    );
}

/// A short soak: a node named `v` is killed and started again, `ARBOR_CLUSTER_SOAK_CYCLES`
/// times (default 6), with fast membership timings. Even cycles restart it after its `Down`;
/// odd cycles restart it at once, so the observer meets the new incarnation first and reports
/// `Down { Restarted }` then `Up`. Every cycle: 8 callers stream calls through
/// `remote_on` and `remote`, a remote monitor is set; after the kill every caller ends with
/// `NodeDown` (or an immediate `noproc`) within the bound + 1 s, the monitor fires once with
/// `NoConnection`, no reply goes to the wrong caller.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_kill_and_restart_a_node() {
    let Some(server) = NatsServer::start() else {
        return;
    };
    let cycles: usize = std::env::var("ARBOR_CLUSTER_SOAK_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    // Faster than the defaults, with room for a loaded machine (5 heartbeats of silence).
    let options = MembershipOptions {
        heartbeat: Duration::from_millis(200),
        down_after: Duration::from_millis(1000),
    };
    let mut obs_options = NodeOptions::new("f6", "observer", server.url.clone());
    obs_options.membership = options;
    let obs = Node::connect(obs_options).await.expect("observer connects");
    let bound = options.detection_bound();
    let (hb, da) = (
        options.heartbeat.as_millis() as u64,
        options.down_after.as_millis() as u64,
    );
    let mut events = obs.node_events();
    let mut victim = NodeProc::start(&server.url, "f6", "v", hb, da, &[]).await;
    let (mut calls, mut node_downs, mut restarted) = (0u64, 0u64, 0u64);
    let mut detection = Vec::new();
    for cycle in 0..cycles {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !obs.is_up("v") || obs.exporters("Echo") != vec!["v".to_string()] {
            assert!(Instant::now() < deadline, "cycle {cycle}: v never came up");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let monitor = obs.monitor("v", "Echo").await.unwrap();
        let ok = Arc::new(AtomicU64::new(0));
        let mut callers = Vec::new();
        for caller in 0..8u64 {
            let target = if caller % 2 == 0 {
                obs.remote_on::<Echo>("v", "Echo")
            } else {
                obs.remote::<Echo>("Echo")
            };
            let ok = ok.clone();
            callers.push(tokio::spawn(async move {
                let remote = target.as_remote().unwrap();
                let mut i = 0u64;
                loop {
                    let n = (caller << 40) | i;
                    i += 1;
                    let r: Result<u64, CallError> = wire::call_remote(
                        remote,
                        "Echo",
                        "slow",
                        &(20u64, n),
                        Duration::from_secs(30),
                    )
                    .await;
                    match r {
                        Ok(m) => {
                            assert_eq!(m, n, "a reply went to the wrong caller");
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => return (e, Instant::now()),
                    }
                }
            }));
        }
        while ok.load(Ordering::Relaxed) < 40 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        victim.kill();
        let killed = Instant::now();
        let immediate = cycle % 2 == 1;
        if immediate {
            // The new incarnation announces itself before the old one is declared down.
            victim = NodeProc::start(&server.url, "f6", "v", hb, da, &[]).await;
        }
        let reason = tokio::time::timeout(bound + Duration::from_secs(5), async {
            loop {
                if let Ok(NodeEvent::Down { node, reason }) = events.recv().await
                    && &*node == "v"
                {
                    return reason;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("cycle {cycle}: v never declared down"));
        detection.push(killed.elapsed());
        if reason == NodeDownReason::Restarted {
            restarted += 1;
        } else {
            assert_eq!(reason, NodeDownReason::Silent, "cycle {cycle}");
        }
        for caller in callers {
            let (err, ended) = tokio::time::timeout(bound + Duration::from_secs(5), caller)
                .await
                .unwrap_or_else(|_| panic!("cycle {cycle}: a caller hung"))
                .unwrap();
            assert!(
                ended.duration_since(killed) <= bound + Duration::from_secs(1),
                "cycle {cycle}: a caller ended {:?} after the kill",
                ended.duration_since(killed)
            );
            match kind(&err).as_str() {
                "NodeDown" => node_downs += 1,
                "noproc" => {}
                other => panic!("cycle {cycle}: a caller ended with {other}: {err:?}"),
            }
        }
        let down = tokio::time::timeout(bound + Duration::from_secs(5), monitor)
            .await
            .unwrap_or_else(|_| panic!("cycle {cycle}: the monitor did not fire"));
        assert_eq!(down.reason, DownReason::NoConnection, "cycle {cycle}");
        calls += ok.load(Ordering::Relaxed);
        if !immediate {
            victim = NodeProc::start(&server.url, "f6", "v", hb, da, &[]).await;
        }
    }
    detection.sort();
    println!(
        "soak: {cycles} kill/restart cycles, {calls} calls answered, {node_downs} in-flight calls failed with NodeDown, \
         {restarted} restarts seen as Down {{ Restarted }}; kill → Down min {:?} max {:?} (bound {bound:?})",
        detection.first(),
        detection.last(),
    );
    assert!(
        restarted > 0 || cycles < 2,
        "no restart was seen as Restarted"
    );
}
