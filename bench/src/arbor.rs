//! Arbor: the counter as an [`arbor::Actor`], driven through [`CounterClient`].
//!
//! [`CounterClient`] stands in for the typed client stub the code generator will emit: every
//! workload reaches Arbor through it and nothing else, so swapping in the generated stub is a
//! change to this file alone (replace the struct and its three methods; the `Counter` impl
//! below forwards to them).
//!
//! Restart (workload 5): Arbor restarts actors through supervisors, which are not merged yet.
//! Its place is the RESTART section at the end of this file; it is not implemented rather than
//! faked.

use std::convert::Infallible;

use ::arbor::prelude::*;

use crate::{Counter, Framework};

/// Arbor, through its runtime handles.
pub struct Arbor;

/// The counter actor's state.
pub struct CounterActor {
    total: u64,
    next: Option<CounterClient>,
}

/// The counter's calls.
pub enum CounterCall {
    /// Answers `n + 1`, or what the next actor of the chain answers.
    Ping(u64, ReplyTo<u64>),
    /// Answers the total of the casts so far.
    Total(ReplyTo<u64>),
}

impl Actor for CounterActor {
    type Args = Option<CounterClient>;
    type Call = CounterCall;
    type Cast = u64;
    type Info = Infallible;
    type Continue = Infallible;

    async fn init(next: Option<CounterClient>, _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(CounterActor { total: 0, next })
    }

    async fn handle_call(&mut self, msg: CounterCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            CounterCall::Ping(n, reply_to) => {
                let answer = match &self.next {
                    Some(next) => next.ping(n).await.expect("chain call failed"),
                    None => n + 1,
                };
                let _ = reply_to.send(answer);
            }
            CounterCall::Total(reply_to) => {
                let _ = reply_to.send(self.total);
            }
        }
        Handled::Continue
    }

    async fn handle_cast(&mut self, n: u64, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.total += n;
        Handled::Continue
    }
}

// ---------------------------------------------------------------------------------------------
// The client stub. GENERATED-STUB SWAP POINT: replace `CounterClient` with the generated
// client once the code generator exists; keep the method names and signatures.
// ---------------------------------------------------------------------------------------------

/// Typed client of a [`CounterActor`] (hand-written stand-in for the generated stub).
#[derive(Clone)]
pub struct CounterClient {
    actor: ActorRef<CounterActor>,
}

impl CounterClient {
    /// Starts a counter (waits for `init`, as Arbor's spawn does).
    pub async fn start(next: Option<CounterClient>) -> CounterClient {
        let actor = CounterActor::spawn(next)
            .await
            .expect("spawn failed")
            .running()
            .expect("init ignored");
        CounterClient { actor }
    }

    /// Calls `Ping`.
    pub async fn ping(&self, n: u64) -> Result<u64, CallError> {
        self.actor
            .call(|reply_to| CounterCall::Ping(n, reply_to))
            .await
    }

    /// Casts an addition.
    pub async fn add(&self, n: u64) -> Result<(), CastError> {
        self.actor.cast(n).await
    }

    /// Calls `Total`.
    pub async fn total(&self) -> Result<u64, CallError> {
        self.actor.call(CounterCall::Total).await
    }

    /// The untyped handle (to stop the actor).
    pub fn cell(&self) -> ActorCell {
        self.actor.cell()
    }
}

impl Counter for CounterClient {
    async fn ping(&self, n: u64) -> u64 {
        CounterClient::ping(self, n).await.expect("call failed")
    }

    async fn add(&self, n: u64) {
        CounterClient::add(self, n).await.expect("cast failed");
    }

    async fn total(&self) -> u64 {
        CounterClient::total(self).await.expect("call failed")
    }
}

impl Framework for Arbor {
    const NAME: &'static str = "arbor";
    type Counter = CounterClient;

    async fn spawn_counter(next: Option<CounterClient>) -> CounterClient {
        CounterClient::start(next).await
    }

    async fn stop_all(actors: Vec<CounterClient>) {
        let cells: Vec<ActorCell> = actors.iter().map(CounterClient::cell).collect();
        drop(actors);
        for cell in &cells {
            cell.request_stop(ExitReason::Shutdown);
        }
        for cell in &cells {
            cell.wait().await;
        }
    }
}

/// Arbor with caller-chain tracking (and so runtime deadlock detection) turned off, to measure
/// what tracking costs on call chains. The benchmark switches tracking off around its runs
/// with [`::arbor::lineage::set_call_tracking`].
pub struct ArborUntracked;

impl Framework for ArborUntracked {
    const NAME: &'static str = "arbor_untracked";
    type Counter = CounterClient;

    async fn spawn_counter(next: Option<CounterClient>) -> CounterClient {
        Arbor::spawn_counter(next).await
    }

    async fn stop_all(actors: Vec<CounterClient>) {
        Arbor::stop_all(actors).await
    }
}

// ---------------------------------------------------------------------------------------------
// RESTART (workload 5) — PENDING: needs Arbor's supervisors (the `supervision` branch).
// Implement it here as `crate::kameo::restart` and `crate::ractor::restart` are: start a
// one-for-one supervisor with one counter child (restart intensity high enough for the run),
// then per iteration cast a panic to the child and time until a `ping` is answered by the
// restarted child; then add it to the restart group in `benches/peers.rs`. Until then the
// report shows "pending" in Arbor's restart cell.
// ---------------------------------------------------------------------------------------------
