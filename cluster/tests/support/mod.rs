//! Shared by the cluster's integration tests: a real `nats-server`, node processes running
//! `arbor-test-node`, and an in-process node to call them from.

#![allow(dead_code)]

use std::time::Duration;

use arbor::CallError;
use arbor::codegen::Target;
use arbor::remote::RemoteErrorKind;
use arbor_cluster::testing::probe::{self, Probe};
use arbor_cluster::testing::{NatsServer, NodeProcess};
use arbor_cluster::{Node, NodeOptions, wire};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The cluster every test node joins.
pub const CLUSTER: &str = "test";

/// A generous bound for calls that must not time out; a test never waits for it unless
/// something is broken.
pub const LONG: Duration = Duration::from_secs(20);

pub fn server() -> NatsServer {
    NatsServer::start().unwrap_or_else(|e| panic!("{e}"))
}

pub fn server_with(config: &str) -> NatsServer {
    NatsServer::options()
        .config(config)
        .start()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Starts node `name` exporting a `Probe` under each of `exports`, with `extra` arguments,
/// and waits until it says it is ready.
pub async fn node(url: &str, name: &str, exports: &[&str], extra: &[&str]) -> NodeProcess {
    let mut args = vec!["--url", url, "--cluster", CLUSTER, "--node", name];
    for export in exports {
        args.extend(["--export", export]);
    }
    args.extend(extra);
    let mut process = NodeProcess::spawn(env!("CARGO_BIN_EXE_arbor-test-node"), &args)
        .unwrap_or_else(|e| panic!("{e}"));
    let line = process.line().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(line, format!("ready {name}"), "{}", process.stderr());
    process
}

/// This test's own node (in this process): the caller.
pub async fn caller(url: &str, name: &str) -> Node {
    Node::connect(NodeOptions::new(CLUSTER, name, url).connect_timeout(LONG))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn probe(node: &Node, name: &str) -> Target<Probe> {
    node.remote::<Probe>(name)
}

/// Calls `message` of the `Probe` exported as `name`.
pub async fn call<A: Serialize, R: DeserializeOwned>(
    node: &Node,
    name: &str,
    message: &'static str,
    args: &A,
    timeout: Duration,
) -> Result<R, CallError> {
    let target = probe(node, name);
    wire::call_remote(
        target.as_remote().expect("remote"),
        probe::PROTOCOL,
        message,
        args,
        timeout,
    )
    .await
}

/// The transport error's kind, or a panic naming what came instead.
pub fn remote_kind<T: std::fmt::Debug>(result: Result<T, CallError>) -> RemoteErrorKind {
    match result {
        Err(CallError::Remote(e)) => e.kind(),
        other => panic!("expected a remote error, got {other:?}"),
    }
}
