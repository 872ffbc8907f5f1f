//! The transport with a real `nats-server` and nodes as separate OS processes: calls and
//! casts, ordering, timeouts and late replies, no responders, cross-node deadlocks, bad
//! requests, payload limits, lost connections.

mod support;

use std::time::{Duration, Instant};

use arbor::remote::RemoteErrorKind;
use arbor::{CallError, CastError, ExitReason};
use arbor_cluster::testing::probe::{PROTOCOL, Probe, Relayed};
use arbor_cluster::{ClusterError, Node, NodeOptions, envelope, wire};
use async_nats::HeaderMap;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_and_casts_cross_processes() {
    let server = server();
    let _n1 = node(server.url(), "n1", &["A"], &[]).await;
    let me = caller(server.url(), "me").await;

    let n: u64 = call(&me, "A", "echo", &(41u64,), LONG).await.unwrap();
    assert_eq!(n, 41);
    let total: u64 = call(&me, "A", "add", &(2u64,), LONG).await.unwrap();
    assert_eq!(total, 2);

    // The same actor by its node's subject.
    let on_n1 = me.remote_on::<Probe>("n1", "A");
    let total: u64 = wire::call_remote(on_n1.as_remote().unwrap(), PROTOCOL, "add", &(3u64,), LONG)
        .await
        .unwrap();
    assert_eq!(total, 5);

    let a = probe(&me, "A");
    wire::cast_remote(a.as_remote().unwrap(), PROTOCOL, "record", &(7u64,))
        .await
        .unwrap();
    let seen: Vec<u64> = call(&me, "A", "seen", &(), LONG).await.unwrap();
    assert_eq!(
        seen,
        [7],
        "the cast is handled before the call sent after it"
    );

    let relayed: Relayed = call(&me, "A", "relay", &(Vec::<String>::new(),), LONG)
        .await
        .unwrap();
    assert_eq!(relayed, Relayed::Reached("A@n1".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn casts_from_one_sender_keep_their_order() {
    let server = server();
    let _n1 = node(server.url(), "n1", &["A"], &[]).await;
    let me = caller(server.url(), "me").await;
    let a = probe(&me, "A");
    for i in 0..1000u64 {
        wire::cast_remote(a.as_remote().unwrap(), PROTOCOL, "record", &(i,))
            .await
            .unwrap();
    }
    let seen: Vec<u64> = call(&me, "A", "seen", &(), LONG).await.unwrap();
    assert_eq!(seen, (0..1000).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_nobody_serves_fails_at_once_like_a_dead_actor() {
    let server = server();
    let me = caller(server.url(), "me").await;
    let started = Instant::now();
    let err = call::<_, u64>(&me, "Nobody", "echo", &(1u64,), LONG)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CallError::Exited(reason) if *reason == arbor::codegen::not_running()),
        "{err:?}"
    );
    assert!(started.elapsed() < LONG, "did not wait for the timeout");
    // Names that could reach into other subjects give missing targets.
    for bad in ["a.b", "a*", ">", ""] {
        assert!(me.remote::<Probe>(bad).as_remote().is_none(), "{bad}");
        assert!(
            me.remote_on::<Probe>(bad, "A").as_remote().is_none(),
            "{bad}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_caller_never_sees_the_late_reply() {
    let server = server();
    let _n1 = node(server.url(), "n1", &["A"], &[]).await;
    let me = caller(server.url(), "me").await;
    // Answered after 400 ms: the caller has given up at 50 ms.
    let err = call::<_, u64>(&me, "A", "slow", &(1u64, 400u64), Duration::from_millis(50))
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::Timeout), "{err:?}");
    // The late reply to the first call arrives while this one waits: it must not take it.
    let n: u64 = call(&me, "A", "slow", &(2u64, 1000u64), LONG)
        .await
        .unwrap();
    assert_eq!(n, 2);
    let n: u64 = call(&me, "A", "echo", &(3u64,), LONG).await.unwrap();
    assert_eq!(n, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadlock_across_nodes_fails_at_once_naming_every_hop() {
    let server = server();
    let _n1 = node(server.url(), "n1", &["A"], &[]).await;
    let _n2 = node(server.url(), "n2", &["B"], &[]).await;
    let me = caller(server.url(), "me").await;
    // A@n1 calls B@n2, which calls A@n1 back: A is blocked in its call.
    let started = Instant::now();
    let relayed: Relayed = call(
        &me,
        "A",
        "relay",
        &(vec!["B".to_string(), "A".into()],),
        LONG,
    )
    .await
    .unwrap();
    assert_eq!(
        relayed,
        Relayed::Deadlock(vec!["A@n1".into(), "B@n2".into(), "A@n1".into()])
    );
    // The relays wait up to 10 s each: a deadlock found by a timeout would take that long.
    assert!(started.elapsed() < Duration::from_secs(10), "found at once");
    // Both actors are free again.
    let relayed: Relayed = call(&me, "A", "relay", &(vec!["B".to_string()],), LONG)
        .await
        .unwrap();
    assert_eq!(relayed, Relayed::Reached("B@n2".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_answered_with_errors_and_the_actor_is_untouched() {
    let server = server();
    let n1 = node(server.url(), "n1", &["A"], &[]).await;
    let me = caller(server.url(), "me").await;
    let total: u64 = call(&me, "A", "add", &(5u64,), LONG).await.unwrap();
    assert_eq!(total, 5);

    // Through the typed path: an unknown message, arguments of the wrong type.
    let kind = remote_kind(call::<_, u64>(&me, "A", "nope", &(), LONG).await);
    assert_eq!(kind, RemoteErrorKind::UnknownMessage);
    let kind = remote_kind(call::<_, u64>(&me, "A", "add", &("five",), LONG).await);
    assert_eq!(kind, RemoteErrorKind::Decode);
    // A reply of another type than the caller expects.
    let kind = remote_kind(call::<_, String>(&me, "A", "add", &(0u64,), LONG).await);
    assert_eq!(kind, RemoteErrorKind::Decode);

    // Raw requests with broken envelopes (the envelope is a prefix of the payload).
    let subject = "arbor.test.node.n1.actor.A";
    let args = wire::encode(&(100u64,)).unwrap();
    let request = |protocol: &str, message: &str, callers: &str, args: &[u8]| {
        envelope::request_payload(protocol, message, Some(LONG), callers, args)
    };
    let with = |mut bytes: Vec<u8>, at: usize, byte: u8| {
        bytes[at] = byte;
        bytes
    };
    let good = request(PROTOCOL, "add", "", &args);
    let cases: Vec<(&str, Vec<u8>, RemoteErrorKind)> = vec![
        ("no envelope", args.clone(), RemoteErrorKind::Decode),
        ("empty", Vec::new(), RemoteErrorKind::Decode),
        (
            "version 99",
            with(good.clone(), 1, 99),
            RemoteErrorKind::Version,
        ),
        (
            "unknown flags",
            with(good.clone(), 2, 0x80),
            RemoteErrorKind::Decode,
        ),
        ("cut short", good[..6].to_vec(), RemoteErrorKind::Decode),
        (
            "another protocol",
            request("Other", "add", "", &args),
            RemoteErrorKind::UnknownMessage,
        ),
        (
            "no message",
            request(PROTOCOL, "", "", &args),
            RemoteErrorKind::Decode,
        ),
        (
            "a bad caller chain",
            request(PROTOCOL, "add", "1@n9/%ZZ", &args),
            RemoteErrorKind::Decode,
        ),
        (
            "bytes that are not even a tuple",
            request(PROTOCOL, "add", "", &[0xff; 3]),
            RemoteErrorKind::Decode,
        ),
    ];
    for (what, payload, expected) in cases {
        let reply = me.nats().request(subject, payload.into()).await.unwrap();
        let kind = remote_kind(envelope::reply_result(&reply, me.name()));
        assert_eq!(kind, expected, "{what}");
    }
    // A request of version 1 (its envelope in a header): refused with `Version`, in the reply
    // format a version-1 node reads (a status header).
    let mut headers = HeaderMap::new();
    headers.insert("Arbor", "1 Probe add 5000");
    let reply = me
        .nats()
        .request_with_headers(subject, headers, args.clone().into())
        .await
        .unwrap();
    let status = reply.headers.as_ref().and_then(|h| h.get("Arbor-Status"));
    assert_eq!(status.map(|v| v.as_str()), Some("error"));
    assert_eq!(
        remote_kind(envelope::reply_result(&reply, me.name())),
        RemoteErrorKind::Version
    );
    // The well-formed request, by hand: answered.
    let reply = me.nats().request(subject, good.into()).await.unwrap();
    let total: u64 = wire::decode(&envelope::reply_result(&reply, me.name()).unwrap()).unwrap();
    assert_eq!(total, 105);

    // The receiver said why, and the actor never saw any of it.
    for kind in ["Decode", "Version", "UnknownMessage"] {
        n1.stderr_line(&format!("kind={kind}")).await.unwrap();
    }
    let total: u64 = call(&me, "A", "add", &(0u64,), LONG).await.unwrap();
    assert_eq!(total, 105, "the same actor, untouched by the bad requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_payloads_are_refused_with_too_large() {
    let server = server_with("max_payload: 4096\n");
    let _n1 = node(server.url(), "n1", &["A"], &[]).await;
    let _n2 = node(server.url(), "n2", &["Small"], &["--max-payload", "1000"]).await;
    let me = caller(server.url(), "me").await;
    assert_eq!(me.max_payload(), 4096);

    // Over the server's limit: refused before sending (the server would drop the connection).
    let big = vec![1u8; 10_000];
    let started = Instant::now();
    let kind = remote_kind(call::<_, u64>(&me, "A", "echo", &(big.clone(),), LONG).await);
    assert_eq!(kind, RemoteErrorKind::TooLarge);
    let a = probe(&me, "A");
    let err = wire::cast_remote(a.as_remote().unwrap(), PROTOCOL, "record", &(big,))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CastError::Remote(e) if e.kind() == RemoteErrorKind::TooLarge),
        "{err:?}"
    );
    // A reply over the server's limit: the serving node answers TooLarge instead.
    let kind = remote_kind(call::<_, Vec<u8>>(&me, "A", "big", &(10_000u32,), LONG).await);
    assert_eq!(kind, RemoteErrorKind::TooLarge);
    assert!(started.elapsed() < LONG, "did not wait for a timeout");

    // Over the receiving node's own limit (1000 bytes), under the server's.
    let kind = remote_kind(call::<_, u64>(&me, "Small", "echo", &(vec![1u8; 2000],), LONG).await);
    assert_eq!(kind, RemoteErrorKind::TooLarge);
    _n2.stderr_line("kind=TooLarge").await.unwrap();

    // The connection is still good.
    let n: u64 = call(&me, "A", "echo", &(9u64,), LONG).await.unwrap();
    assert_eq!(n, 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exit_reason_crosses_nodes_with_its_variant() {
    let server = server();
    let _n1 = node(server.url(), "n1", &["A"], &[]).await;
    let me = caller(server.url(), "me").await;
    let err = call::<_, u64>(&me, "A", "crash", &(), LONG)
        .await
        .unwrap_err();
    match &err {
        CallError::Exited(ExitReason::Panic(message)) => {
            assert!(message.contains("crash requested"), "{message}")
        }
        other => panic!("expected a panic exit, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_connection_fails_calls_and_casts_at_once() {
    let mut server = server();
    let _n1 = node(server.url(), "n1", &["A"], &[]).await;
    let me = caller(server.url(), "me").await;
    let n: u64 = call(&me, "A", "echo", &(1u64,), LONG).await.unwrap();
    assert_eq!(n, 1);
    // A call in flight when the server goes away.
    let pending = tokio::spawn({
        let me = me.clone();
        async move { call::<_, u64>(&me, "A", "slow", &(2u64, 60_000u64), LONG).await }
    });
    let started = Instant::now();
    server.kill();
    let kind = remote_kind(pending.await.unwrap());
    assert_eq!(kind, RemoteErrorKind::Disconnected);
    // Nothing is queued while disconnected.
    let kind = remote_kind(call::<_, u64>(&me, "A", "echo", &(3u64,), LONG).await);
    assert_eq!(kind, RemoteErrorKind::Disconnected);
    let a = probe(&me, "A");
    let err = wire::cast_remote(a.as_remote().unwrap(), PROTOCOL, "record", &(4u64,))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CastError::Remote(e) if e.kind() == RemoteErrorKind::Disconnected),
        "{err:?}"
    );
    assert!(started.elapsed() < LONG, "did not wait for a timeout");
    assert!(!me.is_connected());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_an_error_naming_the_url() {
    // A port nobody listens on (taken, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("nats://127.0.0.1:{port}");
    let options = NodeOptions::new(CLUSTER, "lonely", url.clone())
        .connect_timeout(Duration::from_millis(500));
    let err = Node::connect(options).await.unwrap_err();
    assert!(matches!(err, ClusterError::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains(&url), "{err}");
}
