//! kameo: the counter as a `kameo::Actor` with one `Message` impl per request, reached with
//! `ask` (call) and `tell` (cast) on its `ActorRef`. Default mailbox: bounded, 64.
//!
//! Restart: kameo's supervision (`Spawn::supervise`) restarts a panicked child in place: the
//! child keeps its `ActorRef` and mailbox, so the call after the panic is queued for, and
//! answered by, the restarted instance.

use std::time::{Duration, Instant};

use ::kameo::Actor;
use ::kameo::actor::{ActorRef, Spawn};
use ::kameo::error::Infallible;
use ::kameo::message::{Context, Message};
use ::kameo::supervision::RestartPolicy;

use crate::{Counter, Framework, Linked};

/// kameo.
pub struct Kameo;

/// The counter actor.
pub struct KCounter {
    total: u64,
    next: Option<ActorRef<KCounter>>,
}

impl Actor for KCounter {
    type Args = Option<ActorRef<KCounter>>;
    type Error = Infallible;

    async fn on_start(next: Self::Args, _actor_ref: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(KCounter { total: 0, next })
    }
}

/// Call: `n + 1`, or what the next actor of the chain answers.
#[derive(Debug)]
pub struct Ping(pub u64);
/// Cast: add to the total.
#[derive(Debug)]
pub struct Add(pub u64);
/// Call: the total.
#[derive(Debug)]
pub struct Total;
/// Cast: panic (restart workload).
#[derive(Debug)]
pub struct Crash;

impl Message<Ping> for KCounter {
    type Reply = u64;

    async fn handle(&mut self, Ping(n): Ping, _ctx: &mut Context<Self, u64>) -> u64 {
        match &self.next {
            Some(next) => next.ask(Ping(n)).await.expect("chain call failed"),
            None => n + 1,
        }
    }
}

impl Message<Add> for KCounter {
    type Reply = ();

    async fn handle(&mut self, Add(n): Add, _ctx: &mut Context<Self, ()>) {
        self.total += n;
    }
}

impl Message<Total> for KCounter {
    type Reply = u64;

    async fn handle(&mut self, _: Total, _ctx: &mut Context<Self, u64>) -> u64 {
        self.total
    }
}

impl Message<Crash> for KCounter {
    type Reply = ();

    async fn handle(&mut self, _: Crash, _ctx: &mut Context<Self, ()>) {
        panic!("crash requested by the restart benchmark");
    }
}

impl Counter for ActorRef<KCounter> {
    async fn ping(&self, n: u64) -> u64 {
        self.ask(Ping(n)).await.expect("ask failed")
    }

    async fn add(&self, n: u64) {
        self.tell(Add(n)).await.expect("tell failed");
    }

    async fn total(&self) -> u64 {
        self.ask(Total).await.expect("ask failed")
    }
}

impl Framework for Kameo {
    const NAME: &'static str = "kameo";
    type Counter = ActorRef<KCounter>;

    type Chain = Linked<ActorRef<KCounter>>;

    async fn spawn_counter() -> ActorRef<KCounter> {
        KCounter::spawn(None)
    }

    async fn spawn_chain() -> Linked<ActorRef<KCounter>> {
        let chain = Linked::start(|next| async move { KCounter::spawn(next) }).await;
        Self::all_started(chain.members()).await;
        chain
    }

    async fn stop_chain(chain: Linked<ActorRef<KCounter>>) {
        Self::stop_all(chain.into_members()).await
    }

    async fn all_started(actors: &[ActorRef<KCounter>]) {
        for actor in actors {
            actor.wait_for_startup().await;
        }
    }

    async fn stop_all(actors: Vec<ActorRef<KCounter>>) {
        for actor in &actors {
            let _ = actor.stop_gracefully().await;
        }
        for actor in &actors {
            actor.wait_for_shutdown().await;
        }
    }
}

/// The supervisor of the restart workload.
pub struct KSupervisor;

impl Actor for KSupervisor {
    type Args = ();
    type Error = Infallible;

    async fn on_start(_: (), _actor_ref: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(KSupervisor)
    }
}

/// A supervisor with one counter child that restarts whenever it panics.
pub async fn supervised() -> (ActorRef<KSupervisor>, ActorRef<KCounter>) {
    let supervisor = KSupervisor::spawn(());
    let child = KCounter::supervise(&supervisor, None)
        .restart_policy(RestartPolicy::Permanent)
        .restart_limit(u32::MAX, Duration::from_secs(1))
        .spawn()
        .await;
    (supervisor, child)
}

/// Panics the child, then calls it: answered by the restarted instance.
pub async fn crash_then_call(child: &ActorRef<KCounter>, n: u64) -> u64 {
    child.tell(Crash).await.expect("tell failed");
    child
        .ask(Ping(n))
        .await
        .expect("the restarted child did not answer")
}

/// Workload 5: `iters` times a panic, then a call answered by the restarted actor.
pub async fn restart(iters: u64) -> Duration {
    let (supervisor, child) = supervised().await;
    child.wait_for_startup().await;
    let start = Instant::now();
    for i in 0..iters {
        let answer = crash_then_call(&child, i).await;
        debug_assert_eq!(answer, i + 1);
    }
    let elapsed = start.elapsed();
    let _ = supervisor.stop_gracefully().await;
    supervisor.wait_for_shutdown().await;
    elapsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_restarts_the_child_with_fresh_state() {
        let (supervisor, child) = supervised().await;
        child.add(5).await;
        assert_eq!(child.total().await, 5);
        assert_eq!(crash_then_call(&child, 41).await, 42);
        assert_eq!(child.total().await, 0, "answered by a fresh instance");
        let _ = supervisor.stop_gracefully().await;
        supervisor.wait_for_shutdown().await;
    }
}
