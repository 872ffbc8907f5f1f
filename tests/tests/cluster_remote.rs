//! Generated clients across nodes of a real `nats-server` (spawned per test).
//!
//! - `server`: generated from `ui_codegen/specs/remote.kdl` (committed under
//!   `ui_codegen/generated/`, kept fresh by `codegen_ui::generated_code_is_fresh`): an exported
//!   `CounterServer` (a unit reply, a `u64` reply, a `Result` reply, a deferred reply, a cast)
//!   and an exported `Looper` that calls a peer node's `Looper` (a client given by hand, which
//!   the static check does not see: the runtime's caller chains do).
//! - `edge`: a `#[system]` module whose `Front` calls the server's `CounterServer` as a remote
//!   extern actor (`remote(..)`) and is itself exported (`#[actor(export)]`).
//!
//! Each test runs its nodes in this process (a `Node` each, one connection each) under a
//! cluster name of its own; the two-node example (`scripts/cluster-demo.sh`) runs them as
//! separate processes.

use arbor_cluster::testing::NatsServer;

use std::time::{Duration, Instant};

use arbor::CallError;
use arbor_cluster::{Node, NodeOptions};

/// The KDL-generated system.
mod server {
    include!("ui_codegen/generated/remote.rs");

    /// `checked_add`'s error: the sum would pass the limit.
    #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct Overflow {
        pub limit: u64,
    }

    pub const LIMIT: u64 = 100;

    pub struct CounterState {
        total: u64,
    }

    impl counter_server::State for CounterState {
        type Args = ();
        async fn init(_: (), _ctx: &mut counter_server::Ctx) -> Result<Self, arbor::ExitReason> {
            Ok(CounterState { total: 0 })
        }
    }

    impl counter::Handler<counter_server::Ctx> for CounterState {
        async fn add(&mut self, n: u64, _ctx: &mut counter_server::Ctx) -> u64 {
            self.total += n;
            self.total
        }

        async fn checked_add(
            &mut self,
            n: u64,
            _ctx: &mut counter_server::Ctx,
        ) -> Result<u64, Overflow> {
            if self.total + n > LIMIT {
                return Err(Overflow { limit: LIMIT });
            }
            self.total += n;
            Ok(self.total)
        }

        async fn reset(&mut self, _ctx: &mut counter_server::Ctx) {
            self.total = 0;
        }

        fn slow_total(
            &mut self,
            _ctx: &mut counter_server::Ctx,
        ) -> impl Future<Output = u64> + Send + 'static {
            let total = self.total;
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                total
            }
        }

        async fn bump(&mut self, n: u64, _ctx: &mut counter_server::Ctx) {
            self.total += n;
        }

        async fn crash(&mut self, _ctx: &mut counter_server::Ctx) {
            panic!("asked to crash");
        }
    }

    /// Calls its peer (on another node) with one hop less.
    pub struct LooperState {
        peer: Option<looper::Client>,
    }

    impl looper::State for LooperState {
        type Args = Option<looper::Client>;
        async fn init(
            peer: Option<looper::Client>,
            _ctx: &mut looper::Ctx,
        ) -> Result<Self, arbor::ExitReason> {
            Ok(LooperState { peer })
        }
    }

    impl loop_::Handler<looper::Ctx> for LooperState {
        async fn ping(&mut self, hops: u32, _ctx: &mut looper::Ctx) -> Result<u32, String> {
            if hops == 0 {
                return Ok(0);
            }
            let Some(peer) = &self.peer else {
                return Err("no peer".into());
            };
            match peer.ping(hops - 1).await {
                Ok(Ok(n)) => Ok(n + 1),
                Ok(Err(e)) => Err(e),
                Err(e) => Err(e.to_string()),
            }
        }
    }
}

/// The macro-declared system: calls the server's counter on another node.
#[arbor_macros::system(remote(CounterServer = crate::server::counter_server))]
mod edge {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(calls(CounterServer), export)]
    pub struct FrontState;

    #[handlers(protocol = "FrontApi")]
    impl FrontState {
        /// Adds `n` twice on the remote counter.
        #[call]
        async fn double(&mut self, n: u64, ctx: &mut front::Ctx) -> Result<u64, String> {
            let counter = ctx.counter_server();
            counter.add(n).await.map_err(|e| e.to_string())?;
            counter.add(n).await.map_err(|e| e.to_string())
        }
    }

    #[derive(Supervisor)]
    pub struct EdgeSup {
        front: Front,
    }
}

async fn node(server: &NatsServer, cluster: &str, name: &str) -> Node {
    Node::connect(NodeOptions::new(cluster, name, server.url()))
        .await
        .expect("connects")
}

fn server_config(peer: Option<server::looper::Client>) -> server::server_sup::Config {
    server::server_sup::Config {
        counter: (),
        looper: peer,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_message_crosses_nodes() {
    let nats = NatsServer::start().expect("a nats-server (scripts/nats.sh installs one)");
    let a = node(&nats, "kinds", "a").await;
    let b = node(&nats, "kinds", "b").await;
    let running = server::server_sup::start_on(&a, server_config(None))
        .await
        .expect("starts and exports");

    // Node b reaches the counter node a exports, through the same generated client type.
    let counter = server::counter_server::remote(&b);
    assert!(counter.target().as_remote().is_some());
    assert_eq!(counter.add(2).await, Ok(2), "a u64 reply");
    assert_eq!(
        counter.checked_add(3).await,
        Ok(Ok(5)),
        "a Result reply, Ok"
    );
    assert_eq!(
        counter.checked_add(1000).await,
        Ok(Err(server::Overflow {
            limit: server::LIMIT
        })),
        "a Result reply, Err"
    );
    assert_eq!(counter.slow_total().await, Ok(5), "a deferred reply");
    counter.bump(10).await.expect("a cast is handed over");
    // Casts and calls from one node to one actor keep their order.
    assert_eq!(counter.add(0).await, Ok(15), "the cast arrived first");
    assert_eq!(counter.reset().await, Ok(()), "a unit reply");
    assert_eq!(counter.add(0).await, Ok(0));

    // `remote_on` reaches the same actor through its node's own subject.
    let on_a = server::counter_server::remote_on(&b, "a");
    assert_eq!(on_a.add(1).await, Ok(1));

    // The protocol's timeout applies; `with_timeout` overrides it, as for a local client.
    let quick = counter.with_timeout(Duration::from_millis(10));
    assert_eq!(quick.slow_total().await, Err(CallError::Timeout));

    // A name nobody exports: noproc at once, as for a dead local actor.
    let nobody = server::counter_server::remote_on(&b, "nowhere");
    let started = Instant::now();
    let err = nobody.add(1).await.unwrap_err();
    assert!(matches!(err, CallError::Exited(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(1), "failed at once");

    // The actor crashes; its supervisor restarts it with a fresh state, and the export, which
    // serves whatever incarnation the tree's directory holds, reaches the new one.
    counter.reset().await.unwrap();
    assert_eq!(counter.add(7).await, Ok(7));
    counter.crash().await.expect("a cast is handed over");
    let mut after = Err(CallError::Timeout);
    for _ in 0..200 {
        after = counter.add(0).await;
        if after == Ok(0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        after,
        Ok(0),
        "the restarted counter answers, from its fresh state"
    );

    // Once the system stops, its actor is gone: callers get an error, never a hang.
    running.shutdown().await;
    let err = counter.add(1).await.unwrap_err();
    assert!(matches!(err, CallError::Exited(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_extern_actor_is_called_through_start_on() {
    let nats = NatsServer::start().expect("a nats-server (scripts/nats.sh installs one)");
    let a = node(&nats, "externs", "a").await;
    let b = node(&nats, "externs", "b").await;
    let c = node(&nats, "externs", "c").await;
    let _server = server::server_sup::start_on(&a, server_config(None))
        .await
        .expect("the server node starts");
    let _edge = edge::edge_sup::start_on(&b, edge::edge_sup::Config { front: () })
        .await
        .expect("the edge node starts");

    // c → b (Front, exported by the macro system) → a (CounterServer, its remote extern).
    let front = edge::front::remote(&c);
    assert_eq!(front.double(3).await, Ok(Ok(6)));
    assert_eq!(front.double(1).await, Ok(Ok(8)));
    assert_eq!(server::counter_server::remote(&c).add(0).await, Ok(8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cycle_across_nodes_fails_at_once_naming_the_hops() {
    let nats = NatsServer::start().expect("a nats-server (scripts/nats.sh installs one)");
    let a = node(&nats, "cycle", "a").await;
    let b = node(&nats, "cycle", "b").await;
    let c = node(&nats, "cycle", "c").await;
    // Each node's Looper calls the other's: a → b → a is a cycle the static check cannot see
    // (the clients are handed over at run time); the caller chain crossing nodes does.
    let _on_a =
        server::server_sup::start_on(&a, server_config(Some(server::looper::remote_on(&a, "b"))))
            .await
            .expect("a starts");
    let _on_b =
        server::server_sup::start_on(&b, server_config(Some(server::looper::remote_on(&b, "a"))))
            .await
            .expect("b starts");

    let looper = server::looper::remote_on(&c, "a");
    // One hop: a → b answers.
    assert_eq!(looper.ping(1).await, Ok(Ok(1)));
    // Two hops: a → b → a, while a waits on b: a deadlock, reported at once.
    let started = Instant::now();
    let err = looper.ping(2).await.expect("a answers").unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "at once, not after the 5 s timeout"
    );
    assert!(err.starts_with("deadlock: call cycle"), "{err}");
    // Told by b's Looper, which got the error: the hops of node a carry their node and
    // exported name (`Loop#14@a -> Loop#19 -> Loop#14@a`).
    assert!(
        err.contains("Loop#") && err.contains("@a -> Loop#"),
        "{err}"
    );
}

#[tokio::test]
async fn a_local_target_never_needs_a_node() {
    // The same generated system started without a node: clients of its actors are local
    // (no serialization, no network), its exports empty.
    let running = server::server_sup::start(server_config(None))
        .await
        .unwrap();
    let counter = running.counter();
    assert!(counter.target().as_remote().is_none());
    assert_eq!(counter.add(4).await, Ok(4));
    counter.bump(1).await.unwrap();
    assert_eq!(counter.slow_total().await, Ok(5));
    // A remote extern of a system started without a node fails at once, saying why.
    let edge = edge::edge_sup::start(edge::edge_sup::Config { front: () })
        .await
        .unwrap();
    let err = edge.front().double(1).await.unwrap().unwrap_err();
    assert!(err.contains("started without a node"), "{err}");
    edge.shutdown().await;
    running.shutdown().await;
}
