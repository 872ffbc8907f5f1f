//! The actor fault tests run on every node: `echo` answers at once, `slow` after a delay (the
//! reply is deferred, so many calls can be in flight), the `stop` cast makes it exit with an
//! error reason. Shared by the tests and the `arbor-fault-node` binary.

use std::convert::Infallible;
use std::time::Duration;

use arbor::prelude::*;
use arbor::remote::RemoteError;
use arbor_cluster::wire::{self, Serve, Served};

pub struct Echo;

pub enum EchoCall {
    Echo(u64, ReplyTo<u64>),
    Slow(u64, u64, ReplyTo<u64>),
}

impl Actor for Echo {
    type Args = ();
    type Call = EchoCall;
    type Cast = String;
    type Info = Infallible;
    type Continue = Infallible;

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Echo)
    }

    async fn handle_call(&mut self, msg: EchoCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            EchoCall::Echo(n, reply_to) => {
                let _ = reply_to.send(n);
            }
            EchoCall::Slow(ms, n, reply_to) => {
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    let _ = reply_to.send(n);
                });
            }
        }
        Handled::Continue
    }

    async fn handle_cast(&mut self, reason: String, _ctx: &mut Context<Self>) -> Handled<Self> {
        Handled::Stop(ExitReason::error(reason))
    }
}

/// What the emitter would generate for `Echo`.
#[derive(Clone)]
pub struct EchoServer(pub ActorRef<Echo>);

impl Serve for EchoServer {
    fn protocol(&self) -> &'static str {
        "Echo"
    }

    fn serve(
        &self,
        message: &str,
        payload: &[u8],
        timeout: Duration,
    ) -> Result<Served, RemoteError> {
        let actor = self.0.clone();
        match message {
            "echo" => {
                let (n,): (u64,) = wire::decode(payload)?;
                Ok(Served::reply(async move {
                    actor.call_timeout(timeout, |r| EchoCall::Echo(n, r)).await
                }))
            }
            "slow" => {
                let (ms, n): (u64, u64) = wire::decode(payload)?;
                Ok(Served::reply(async move {
                    actor
                        .call_timeout(timeout, |r| EchoCall::Slow(ms, n, r))
                        .await
                }))
            }
            "stop" => {
                let (reason,): (String,) = wire::decode(payload)?;
                Ok(Served::cast(async move { actor.cast(reason).await }))
            }
            other => Err(wire::unknown_message("Echo", other)),
        }
    }

    fn actor_id(&self) -> Option<ActorId> {
        Some(self.0.id())
    }

    fn actor_cell(&self) -> Option<ActorCell> {
        Some(self.0.cell())
    }
}

/// Starts an `Echo` actor.
pub async fn start_echo() -> ActorRef<Echo> {
    Spawn::<Echo>::new()
        .start(())
        .await
        .expect("echo starts")
        .running()
        .expect("echo runs")
}
