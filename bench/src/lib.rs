//! Shared workloads for Arbor's benchmarks: an echo actor on Arbor, and the same echo written
//! by hand with a tokio `mpsc` + `oneshot` task, the baseline Arbor is measured against.

use std::convert::Infallible;

use arbor::prelude::*;
use tokio::sync::{mpsc, oneshot};

/// An Arbor actor that echoes calls, sums casts, and can forward calls to a next actor.
pub struct Echo {
    sum: u64,
    next: Option<ActorRef<Echo>>,
}

/// Requests of [`Echo`].
pub enum EchoCall {
    /// Answers with the value.
    Echo(u64, ReplyTo<u64>),
    /// Calls the next actor with `Echo` and answers with its answer (a nested call that
    /// carries a caller chain).
    Forward(u64, ReplyTo<Result<u64, CallError>>),
    /// Answers with the sum of all casts so far.
    Sum(ReplyTo<u64>),
}

impl Actor for Echo {
    type Args = Option<ActorRef<Echo>>;
    type Call = EchoCall;
    type Cast = u64;
    type Info = Infallible;
    type Continue = Infallible;

    async fn init(next: Self::Args, _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Echo { sum: 0, next })
    }

    async fn handle_call(&mut self, msg: EchoCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            EchoCall::Echo(n, reply_to) => {
                let _ = reply_to.send(n);
            }
            EchoCall::Forward(n, reply_to) => {
                let result = match &self.next {
                    Some(next) => next.call(|r| EchoCall::Echo(n, r)).await,
                    None => Ok(n),
                };
                let _ = reply_to.send(result);
            }
            EchoCall::Sum(reply_to) => {
                let _ = reply_to.send(self.sum);
            }
        }
        Handled::Continue
    }

    async fn handle_cast(&mut self, n: u64, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.sum = self.sum.wrapping_add(n);
        Handled::Continue
    }
}

/// Starts an [`Echo`] (forwarding to `next`, if any).
pub async fn start_echo(next: Option<ActorRef<Echo>>) -> ActorRef<Echo> {
    Echo::spawn(next)
        .await
        .expect("echo init cannot fail")
        .running()
        .expect("echo init does not ignore")
}

enum RawMsg {
    Call(u64, oneshot::Sender<u64>),
    Cast(u64),
    Sum(oneshot::Sender<u64>),
}

/// The baseline: a tokio task serving a bounded `mpsc` (capacity 1024, like Arbor's default
/// mailbox), answering through `oneshot` channels.
#[derive(Clone)]
pub struct RawEcho {
    tx: mpsc::Sender<RawMsg>,
}

impl RawEcho {
    /// Spawns the echo task on the current runtime.
    pub fn start() -> RawEcho {
        let (tx, mut rx) = mpsc::channel(1024);
        tokio::spawn(async move {
            let mut sum = 0u64;
            while let Some(msg) = rx.recv().await {
                match msg {
                    RawMsg::Call(n, reply) => {
                        let _ = reply.send(n);
                    }
                    RawMsg::Cast(n) => sum = sum.wrapping_add(n),
                    RawMsg::Sum(reply) => {
                        let _ = reply.send(sum);
                    }
                }
            }
        });
        RawEcho { tx }
    }

    /// A request/reply round trip.
    pub async fn call(&self, n: u64) -> u64 {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(RawMsg::Call(n, reply))
            .await
            .expect("raw echo alive");
        rx.await.expect("raw echo answers")
    }

    /// The same round trip bounded by a timeout, as every Arbor call is.
    pub async fn call_with_timeout(&self, n: u64) -> u64 {
        tokio::time::timeout(arbor::DEFAULT_CALL_TIMEOUT, self.call(n))
            .await
            .expect("no timeout")
    }

    /// A fire-and-forget message.
    pub async fn cast(&self, n: u64) {
        self.tx.send(RawMsg::Cast(n)).await.expect("raw echo alive");
    }

    /// The sum of the casts so far (a round trip that also waits for queued casts).
    pub async fn sum(&self) -> u64 {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(RawMsg::Sum(reply))
            .await
            .expect("raw echo alive");
        rx.await.expect("raw echo answers")
    }
}
