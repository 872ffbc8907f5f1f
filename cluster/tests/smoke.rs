//! One process, two nodes, a real `nats-server` (started by the test harness): a call and a
//! cast through a hand-written `Serve` (the shape the emitter generates).

use std::time::Duration;

use arbor::prelude::*;
use arbor::remote::RemoteError;
use arbor_cluster::wire::{self, Serve, Served};
use arbor_cluster::{Node, NodeOptions};

struct Counter(u64);

enum Req {
    Add(u64, ReplyTo<u64>),
}

impl Actor for Counter {
    type Args = ();
    type Call = Req;
    type Cast = u64;
    type Info = std::convert::Infallible;
    type Continue = std::convert::Infallible;

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Counter(0))
    }

    async fn handle_call(&mut self, msg: Req, _ctx: &mut Context<Self>) -> Handled<Self> {
        let Req::Add(n, reply_to) = msg;
        self.0 += n;
        let _ = reply_to.send(self.0);
        Handled::Continue
    }

    async fn handle_cast(&mut self, n: u64, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.0 += n;
        Handled::Continue
    }
}

#[derive(Clone)]
struct CounterServer(ActorRef<Counter>);

impl Serve for CounterServer {
    fn protocol(&self) -> &'static str {
        "Counter"
    }

    fn serve(
        &self,
        message: &str,
        payload: &[u8],
        timeout: Duration,
    ) -> Result<Served, RemoteError> {
        let actor = self.0.clone();
        match message {
            "add" => {
                let (n,): (u64,) = wire::decode(payload)?;
                Ok(Served::reply(async move {
                    actor.call_timeout(timeout, |r| Req::Add(n, r)).await
                }))
            }
            "bump" => {
                let (n,): (u64,) = wire::decode(payload)?;
                Ok(Served::cast(async move { actor.cast(n).await }))
            }
            other => Err(wire::unknown_message("Counter", other)),
        }
    }
}

#[tokio::test]
async fn a_call_and_a_cast_cross_nodes() {
    let server = arbor_cluster::testing::NatsServer::start().unwrap_or_else(|e| panic!("{e}"));
    let url = server.url().to_string();
    let a = Node::connect(NodeOptions::new("smoke", "a", url.clone()))
        .await
        .unwrap();
    let b = Node::connect(NodeOptions::new("smoke", "b", url))
        .await
        .unwrap();
    let counter = Spawn::<Counter>::new()
        .start(())
        .await
        .unwrap()
        .running()
        .unwrap();
    let _export = a
        .export("Counter", CounterServer(counter.clone()))
        .await
        .unwrap();

    let target = b.remote::<Counter>("Counter");
    let remote = target.as_remote().unwrap();
    let n: u64 = wire::call_remote(remote, "Counter", "add", &(2u64,), Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(n, 2);
    wire::cast_remote(remote, "Counter", "bump", &(5u64,))
        .await
        .unwrap();
    let n: u64 = wire::call_remote(remote, "Counter", "add", &(0u64,), Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(n, 7, "the cast arrived before the later call");

    let err = wire::call_remote::<_, u64>(remote, "Counter", "nope", &(), Duration::from_secs(2))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CallError::Remote(e) if e.kind() == arbor::remote::RemoteErrorKind::UnknownMessage),
        "{err:?}"
    );

    let nobody = b.remote::<Counter>("Nobody");
    let err = wire::call_remote::<_, u64>(
        nobody.as_remote().unwrap(),
        "Counter",
        "add",
        &(1u64,),
        Duration::from_secs(2),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, CallError::Exited(_)), "{err:?}");
}
