//! ractor: the counter as a `ractor::Actor` with one message enum, reached with `call!` (an
//! `RpcReplyPort` per call) and `cast!`. Default mailbox: unbounded.
//!
//! Restart: ractor reports a child's panic to its supervisor (`handle_supervisor_evt`,
//! `SupervisionEvent::ActorFailed`); the supervisor spawns a replacement with `spawn_linked`
//! and hands its new `ActorRef` to whoever asks for it. The restart workload panics the child,
//! asks the supervisor for the child newer than the crashed one, and calls it.

use std::time::{Duration, Instant};

use ::ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};

use crate::{Counter, Framework, Linked};

/// ractor.
pub struct Ractor;

/// The counter actor.
pub struct RCounter;

/// The counter's state.
pub struct RCounterState {
    total: u64,
    next: Option<ActorRef<RMsg>>,
}

/// The counter's messages.
pub enum RMsg {
    /// Call: `n + 1`, or what the next actor of the chain answers.
    Ping(u64, RpcReplyPort<u64>),
    /// Cast: add to the total.
    Add(u64),
    /// Call: the total.
    Total(RpcReplyPort<u64>),
    /// Cast: panic (restart workload).
    Crash,
}

impl Actor for RCounter {
    type Msg = RMsg;
    type State = RCounterState;
    type Arguments = Option<ActorRef<RMsg>>;

    async fn pre_start(
        &self,
        _myself: ActorRef<RMsg>,
        next: Option<ActorRef<RMsg>>,
    ) -> Result<RCounterState, ActorProcessingErr> {
        Ok(RCounterState { total: 0, next })
    }

    async fn handle(
        &self,
        _myself: ActorRef<RMsg>,
        msg: RMsg,
        state: &mut RCounterState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            RMsg::Ping(n, reply) => {
                let answer = match &state.next {
                    Some(next) => ::ractor::call!(next, RMsg::Ping, n)?,
                    None => n + 1,
                };
                let _ = reply.send(answer);
            }
            RMsg::Add(n) => state.total += n,
            RMsg::Total(reply) => {
                let _ = reply.send(state.total);
            }
            RMsg::Crash => panic!("crash requested by the restart benchmark"),
        }
        Ok(())
    }
}

impl Counter for ActorRef<RMsg> {
    async fn ping(&self, n: u64) -> u64 {
        match ::ractor::call!(self, RMsg::Ping, n) {
            Ok(answer) => answer,
            Err(e) => panic!("call failed: {e}"),
        }
    }

    async fn add(&self, n: u64) {
        if let Err(e) = ::ractor::cast!(self, RMsg::Add(n)) {
            panic!("cast failed: {e}");
        }
    }

    async fn total(&self) -> u64 {
        match ::ractor::call!(self, RMsg::Total) {
            Ok(total) => total,
            Err(e) => panic!("call failed: {e}"),
        }
    }
}

/// Starts a counter (waits for `pre_start`); with `next`, its `ping` calls `next`.
async fn spawn(next: Option<ActorRef<RMsg>>) -> ActorRef<RMsg> {
    let (actor, _join) = Actor::spawn(None, RCounter, next)
        .await
        .expect("spawn failed");
    actor
}

impl Framework for Ractor {
    const NAME: &'static str = "ractor";
    type Counter = ActorRef<RMsg>;

    type Chain = Linked<ActorRef<RMsg>>;

    async fn spawn_counter() -> ActorRef<RMsg> {
        spawn(None).await
    }

    async fn spawn_chain() -> Linked<ActorRef<RMsg>> {
        Linked::start(spawn).await
    }

    async fn stop_chain(chain: Linked<ActorRef<RMsg>>) {
        Self::stop_all(chain.into_members()).await
    }

    async fn stop_all(actors: Vec<ActorRef<RMsg>>) {
        for actor in &actors {
            actor.stop(None);
        }
        for actor in &actors {
            let _ = actor.stop_and_wait(None, None).await;
        }
    }
}

/// The supervisor of the restart workload.
pub struct RSupervisor;

/// The supervisor's state: its child, how many times it was restarted, and who waits for a
/// newer child.
pub struct RSupervisorState {
    child: ActorRef<RMsg>,
    generation: u64,
    waiting: Vec<(u64, ChildReply)>,
}

/// The answer to [`SupervisorMsg::Child`]: the child's generation and handle.
pub type ChildReply = RpcReplyPort<(u64, ActorRef<RMsg>)>;

/// The supervisor's messages.
pub enum SupervisorMsg {
    /// Call: the current child once its generation is at least `min`.
    Child {
        /// The oldest generation the caller accepts.
        min: u64,
        /// Answered with the generation and the child.
        reply: ChildReply,
    },
}

impl Actor for RSupervisor {
    type Msg = SupervisorMsg;
    type State = RSupervisorState;
    type Arguments = ();

    async fn pre_start(
        &self,
        myself: ActorRef<SupervisorMsg>,
        _: (),
    ) -> Result<RSupervisorState, ActorProcessingErr> {
        let (child, _join) = Actor::spawn_linked(None, RCounter, None, myself.get_cell()).await?;
        Ok(RSupervisorState {
            child,
            generation: 0,
            waiting: Vec::new(),
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<SupervisorMsg>,
        msg: SupervisorMsg,
        state: &mut RSupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        let SupervisorMsg::Child { min, reply } = msg;
        if state.generation >= min {
            let _ = reply.send((state.generation, state.child.clone()));
        } else {
            state.waiting.push((min, reply));
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<SupervisorMsg>,
        event: SupervisionEvent,
        state: &mut RSupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        if let SupervisionEvent::ActorFailed(cell, _) = event
            && cell.get_id() == state.child.get_id()
        {
            let (child, _join) =
                Actor::spawn_linked(None, RCounter, None, myself.get_cell()).await?;
            state.child = child;
            state.generation += 1;
            for (min, reply) in std::mem::take(&mut state.waiting) {
                if state.generation >= min {
                    let _ = reply.send((state.generation, state.child.clone()));
                } else {
                    state.waiting.push((min, reply));
                }
            }
        }
        Ok(())
    }
}

/// A supervisor with one counter child that it restarts whenever the child panics.
pub async fn supervised() -> ActorRef<SupervisorMsg> {
    let (supervisor, _join) = Actor::spawn(None, RSupervisor, ())
        .await
        .expect("spawn failed");
    supervisor
}

/// The child of generation `min` or newer, and its generation.
pub async fn current_child(
    supervisor: &ActorRef<SupervisorMsg>,
    min: u64,
) -> (u64, ActorRef<RMsg>) {
    match supervisor
        .call(|reply| SupervisorMsg::Child { min, reply }, None)
        .await
    {
        Ok(::ractor::rpc::CallResult::Success(child)) => child,
        _ => panic!("the supervisor did not answer"),
    }
}

/// Panics generation `generation`'s child, then calls its replacement; returns the
/// replacement's generation and answer.
pub async fn crash_then_call(
    supervisor: &ActorRef<SupervisorMsg>,
    generation: u64,
    child: &ActorRef<RMsg>,
    n: u64,
) -> (u64, ActorRef<RMsg>, u64) {
    ::ractor::cast!(child, RMsg::Crash).expect("cast failed");
    let (generation, child) = current_child(supervisor, generation + 1).await;
    let answer = child.ping(n).await;
    (generation, child, answer)
}

/// Workload 5: `iters` times a panic, then a call answered by the restarted actor.
pub async fn restart(iters: u64) -> Duration {
    let supervisor = supervised().await;
    let (mut generation, mut child) = current_child(&supervisor, 0).await;
    let start = Instant::now();
    for i in 0..iters {
        let (g, c, answer) = crash_then_call(&supervisor, generation, &child, i).await;
        debug_assert_eq!(answer, i + 1);
        (generation, child) = (g, c);
    }
    let elapsed = start.elapsed();
    let _ = supervisor.stop_and_wait(None, None).await;
    elapsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_restarts_the_child_with_fresh_state() {
        let supervisor = supervised().await;
        let (generation, child) = current_child(&supervisor, 0).await;
        child.add(5).await;
        assert_eq!(child.total().await, 5);
        let (next, restarted, answer) = crash_then_call(&supervisor, generation, &child, 41).await;
        assert_eq!((next, answer), (generation + 1, 42));
        assert_eq!(restarted.total().await, 0, "answered by a fresh instance");
        let _ = supervisor.stop_and_wait(None, None).await;
    }
}
