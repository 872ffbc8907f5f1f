//! Security with a real `nats-server` that requires authentication and gives each user
//! subject permissions (the permission set of docs/cluster.md): clients without credentials
//! are turned away, a node cannot serve on another node's subjects, and nobody can call what
//! the server does not let them publish to — each refusal an error, at once.

mod support;

use std::time::Instant;

use arbor::CastError;
use arbor::remote::RemoteErrorKind;
use arbor_cluster::testing::probe::{self, PROTOCOL, Relayed};
use arbor_cluster::{ClusterError, Node, NodeOptions, wire};
use support::*;

/// docs/cluster.md's permission set for cluster `test`: each node publishes requests to any
/// exported name, answers what it receives (`allow_responses`), and subscribes only to its
/// own subjects and the names it serves; the client only calls `A`.
const AUTH: &str = r#"
authorization {
  users = [
    { user: n1, password: s1, permissions: {
        publish: { allow: ["arbor.test.actor.>", "arbor.test.node.*.actor.>"] },
        subscribe: { allow: ["arbor.test.actor.A", "arbor.test.node.n1.>", "_INBOX.>"] },
        allow_responses: true } }
    { user: n2, password: s2, permissions: {
        publish: { allow: ["arbor.test.actor.>", "arbor.test.node.*.actor.>"] },
        subscribe: { allow: ["arbor.test.actor.B", "arbor.test.node.n2.>", "_INBOX.>"] },
        allow_responses: true } }
    { user: client, password: s3, permissions: {
        publish: { allow: ["arbor.test.actor.A"] },
        subscribe: { allow: ["_INBOX.>"] } } }
  ]
}
"#;

fn as_user(url: &str, node: &str, user: &str, password: &str) -> NodeOptions {
    NodeOptions::new(CLUSTER, node, url)
        .user_password(user, password)
        .connect_timeout(LONG)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_credentials_a_client_cannot_connect() {
    let server = server_with(AUTH);
    let started = Instant::now();
    for options in [
        NodeOptions::new(CLUSTER, "anon", server.url()).connect_timeout(LONG),
        as_user(server.url(), "n1", "n1", "wrong"),
    ] {
        let err = Node::connect(options).await.unwrap_err();
        assert!(matches!(err, ClusterError::Connect { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains(server.url()), "{text}");
        assert!(text.contains("authorization violation"), "{text}");
    }
    assert!(started.elapsed() < LONG, "refused at once, not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_serve_and_call_within_their_permissions() {
    let server = server_with(AUTH);
    let _n1 = node(
        server.url(),
        "n1",
        &["A"],
        &["--user", "n1", "--password", "s1"],
    )
    .await;
    let _n2 = node(
        server.url(),
        "n2",
        &["B"],
        &["--user", "n2", "--password", "s2"],
    )
    .await;
    let client = Node::connect(as_user(server.url(), "client", "client", "s3"))
        .await
        .unwrap();
    // client → A@n1 → B@n2 (by name) → A@n1 (by node): every hop within the permissions.
    let relayed: Relayed = call(
        &client,
        "A",
        "relay",
        &(vec!["B".to_string(), "A@n1".into()],),
        LONG,
    )
    .await
    .unwrap();
    assert_eq!(
        relayed,
        Relayed::Deadlock(vec!["A@n1".into(), "B@n2".into(), "A@n1".into()]),
        "the call went all the way round, so each node could reach the other"
    );
    let relayed: Relayed = call(&client, "A", "relay", &(vec!["B".to_string()],), LONG)
        .await
        .unwrap();
    assert_eq!(relayed, Relayed::Reached("B@n2".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_cannot_serve_on_subjects_the_server_does_not_give_it() {
    let server = server_with(AUTH);
    // n2's credentials, claiming to be n1: the name `B` is n2's to serve, n1's node subjects
    // are not.
    let fake = Node::connect(as_user(server.url(), "n1", "n2", "s2"))
        .await
        .unwrap();
    match probe::export_probe(&fake, "B").await.map(|_| ()) {
        Err(ClusterError::Denied { subject, reason }) => {
            assert_eq!(subject, "arbor.test.node.n1.actor.B");
            assert!(reason.contains("Permissions Violation"), "{reason}");
        }
        other => panic!("expected Denied, got {other:?}"),
    }
    // n2 as itself may not serve `A` (n1's name).
    let n2 = Node::connect(as_user(server.url(), "n2", "n2", "s2"))
        .await
        .unwrap();
    let err = probe::export_probe(&n2, "A").await.map(|_| ()).unwrap_err();
    assert!(
        matches!(&err, ClusterError::Denied { subject, .. } if subject == "arbor.test.actor.A"),
        "{err:?}"
    );
    // The client may serve nothing.
    let client = Node::connect(as_user(server.url(), "client", "client", "s3"))
        .await
        .unwrap();
    let err = probe::export_probe(&client, "A")
        .await
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(err, ClusterError::Denied { .. }), "{err:?}");
    // What n2 may serve, it serves.
    let (_b, _export) = probe::export_probe(&n2, "B").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_can_call_what_they_may_not_publish_to() {
    let server = server_with(AUTH);
    let _n1 = node(
        server.url(),
        "n1",
        &["A"],
        &["--user", "n1", "--password", "s1"],
    )
    .await;
    let _n2 = node(
        server.url(),
        "n2",
        &["B"],
        &["--user", "n2", "--password", "s2"],
    )
    .await;
    let client = Node::connect(as_user(server.url(), "client", "client", "s3"))
        .await
        .unwrap();
    let n: u64 = call(&client, "A", "echo", &(1u64,), LONG).await.unwrap();
    assert_eq!(n, 1);
    // `B` is served, but the client may not publish to it: Denied, not a timeout.
    let started = Instant::now();
    let kind = remote_kind(call::<_, u64>(&client, "B", "echo", &(2u64,), LONG).await);
    assert_eq!(kind, RemoteErrorKind::Denied);
    assert!(started.elapsed() < LONG, "did not wait for the timeout");
    // Once refused, casts there are refused too (they would vanish otherwise).
    let b = probe(&client, "B");
    let err = wire::cast_remote(b.as_remote().unwrap(), PROTOCOL, "record", &(3u64,))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CastError::Remote(e) if e.kind() == RemoteErrorKind::Denied),
        "{err:?}"
    );
    // Nor by n1's node subject.
    let kind = remote_kind(
        wire::call_remote::<_, u64>(
            client
                .remote_on::<probe::Probe>("n1", "A")
                .as_remote()
                .unwrap(),
            PROTOCOL,
            "echo",
            &(4u64,),
            LONG,
        )
        .await,
    );
    assert_eq!(kind, RemoteErrorKind::Denied);
    // The connection is still good for what is allowed.
    let n: u64 = call(&client, "A", "echo", &(5u64,), LONG).await.unwrap();
    assert_eq!(n, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_and_nkey_authentication() {
    let server = server_with("authorization { token: \"t0ken\" }\n");
    let err = Node::connect(NodeOptions::new(CLUSTER, "x", server.url()).connect_timeout(LONG))
        .await
        .unwrap_err();
    assert!(matches!(err, ClusterError::Connect { .. }), "{err:?}");
    let _n1 = node(server.url(), "n1", &["A"], &["--token", "t0ken"]).await;
    let me = Node::connect(
        NodeOptions::new(CLUSTER, "me", server.url())
            .token("t0ken")
            .connect_timeout(LONG),
    )
    .await
    .unwrap();
    let n: u64 = call(&me, "A", "echo", &(1u64,), LONG).await.unwrap();
    assert_eq!(n, 1);
    drop((me, _n1, server));

    let user = nkeys::KeyPair::new_user();
    let seed = user.seed().unwrap();
    let server = server_with(&format!(
        "authorization {{ users = [ {{ nkey: \"{}\" }} ] }}\n",
        user.public_key()
    ));
    let stranger = nkeys::KeyPair::new_user().seed().unwrap();
    let err = Node::connect(
        NodeOptions::new(CLUSTER, "x", server.url())
            .nkey(stranger)
            .connect_timeout(LONG),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ClusterError::Connect { .. }), "{err:?}");
    let _n1 = node(server.url(), "n1", &["A"], &["--nkey", &seed]).await;
    let me = Node::connect(
        NodeOptions::new(CLUSTER, "me", server.url())
            .nkey(seed)
            .connect_timeout(LONG),
    )
    .await
    .unwrap();
    let n: u64 = call(&me, "A", "echo", &(2u64,), LONG).await.unwrap();
    assert_eq!(n, 2);
}
