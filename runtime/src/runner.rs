//! The actor task: `init`, the message loop, `terminate`, and the exit bookkeeping.
//!
//! One tokio task per actor. Its outermost future registers the task's waker (so mailbox
//! pushes, signals and kills can wake it) and checks for a kill before polling the actor's
//! lifecycle, so a kill abandons even a callback stuck in an `await`. Between callbacks the
//! loop handles, in order: pending `handle_continue`, system signals, then one mailbox message.

use std::any::Any;
use std::future::{Future, poll_fn};
use std::panic::AssertUnwindSafe;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;

use tokio::sync::oneshot;

use crate::actor::{Actor, ExitSignal, Handled, Init};
use crate::cell::{Core, Signal};
use crate::context::Context;
use crate::exit::ExitReason;
use crate::handle::{ActorRef, Envelope, Shared};
use crate::lineage::{ActorId, CallChain, with_current};
use crate::reply::{Undelivered, drop_with_cause, with_drop_cause};

/// What the starter learns from `init`.
pub(crate) enum StartOutcome {
    Running,
    Ignored,
    Failed(ExitReason),
}

/// How the lifecycle ended.
struct Ended<A: Actor> {
    reason: ExitReason,
    state: Option<A>,
    /// Set when `init` did not start the actor: the starter is told after the exit is
    /// recorded, and linked actors are not signalled.
    start_failure: Option<(oneshot::Sender<StartOutcome>, StartOutcome)>,
}

pub(crate) async fn run<A: Actor>(
    myself: ActorRef<A>,
    args: A::Args,
    started: oneshot::Sender<StartOutcome>,
) {
    let shared = myself.shared.clone();
    let mut guard = ExitGuard(Some(shared.clone()));
    let mut body = pin!(Some(lifecycle(myself, args, started)));
    let ended = poll_fn(|cx| {
        shared.core.waker.register(cx.waker());
        if shared.core.kill_requested() {
            return Poll::Ready(None);
        }
        match body.as_mut().as_pin_mut() {
            Some(lifecycle) => lifecycle.poll(cx).map(Some),
            None => Poll::Ready(None),
        }
    })
    .await;
    let ended = match ended {
        Some(ended) => ended,
        None => {
            let reason = shared.core.kill_reason();
            shared.core.mark_exiting(&reason);
            with_drop_cause(Undelivered::TargetExited, || body.set(None));
            Ended {
                reason,
                state: None,
                start_failure: None,
            }
        }
    };
    guard.0 = None;
    finish(&shared, ended);
}

/// Records the exit: state and queued messages are dropped first (their pending callers learn
/// the reason), then links, monitors and waiters are told.
fn finish<A: Actor>(shared: &Arc<Shared<A>>, ended: Ended<A>) {
    let core = &shared.core;
    core.mark_exiting(&ended.reason);
    if let Some(state) = ended.state {
        drop_with_cause(Undelivered::TargetExited, state);
    }
    drop_with_cause(Undelivered::TargetExited, shared.mailbox.close());
    if ended.start_failure.is_some() {
        let links = std::mem::take(&mut core.state.lock().links);
        for link in links {
            link.core().remove_link(core.id);
        }
    }
    match &ended.reason {
        ExitReason::Panic(_) => {
            tracing::error!(actor = %core.id, name = core.name.as_deref().unwrap_or(""), reason = %ended.reason, "actor crashed")
        }
        reason => {
            tracing::debug!(actor = %core.id, name = core.name.as_deref().unwrap_or(""), %reason, "actor exited")
        }
    }
    core.announce_exit(ended.reason);
    if let Some((started, outcome)) = ended.start_failure {
        let _ = started.send(outcome);
    }
}

/// Records a `Killed` exit if the task is dropped before finishing (the runtime shut down).
struct ExitGuard<A: Actor>(Option<Arc<Shared<A>>>);

impl<A: Actor> Drop for ExitGuard<A> {
    fn drop(&mut self) {
        if let Some(shared) = self.0.take() {
            shared.core.mark_exiting(&ExitReason::Killed);
            drop_with_cause(Undelivered::TargetExited, shared.mailbox.close());
            shared.core.announce_exit(ExitReason::Killed);
        }
    }
}

async fn lifecycle<A: Actor>(
    myself: ActorRef<A>,
    args: A::Args,
    started: oneshot::Sender<StartOutcome>,
) -> Ended<A> {
    let shared = myself.shared.clone();
    let core = &shared.core;
    let mut ctx = Context::new(myself);
    let mut chain = CallChain::empty();
    let span = actor_span(core, "init", &chain);
    let init = {
        let init = pin!(A::init(args, &mut ctx));
        drive(init, span, core.id, &mut chain).await
    };
    let (mut state, next) = match init {
        Ok(Init::Ok(state)) => (state, None),
        Ok(Init::Continue(state, next)) => (state, Some(next)),
        Ok(Init::Ignore) => {
            return Ended {
                reason: ExitReason::Normal,
                state: None,
                start_failure: Some((started, StartOutcome::Ignored)),
            };
        }
        Ok(Init::Stop(reason)) => {
            return Ended {
                reason: reason.clone(),
                state: None,
                start_failure: Some((started, StartOutcome::Failed(reason))),
            };
        }
        Err(reason) => {
            return Ended {
                reason: reason.clone(),
                state: None,
                start_failure: Some((started, StartOutcome::Failed(reason))),
            };
        }
    };
    let _ = started.send(StartOutcome::Running);
    let (reason, run_terminate) = serve(&mut state, &mut ctx, next).await;
    if run_terminate {
        let span = actor_span(core, "terminate", &chain);
        let terminate = pin!(state.terminate(&reason, &mut ctx));
        if let Err(panic) = drive(terminate, span, core.id, &mut chain).await {
            tracing::error!(actor = %core.id, %panic, "terminate panicked");
        }
    }
    Ended {
        reason,
        state: Some(state),
        start_failure: None,
    }
}

fn actor_span(core: &Core, kind: &'static str, callers: &CallChain) -> tracing::Span {
    tracing::debug_span!(
        "arbor.actor",
        actor = %core.id,
        name = core.name.as_deref().unwrap_or(""),
        kind,
        callers = ?callers,
        ancestors = ?core.ancestors,
    )
}

/// Drives one callback to completion, polled in place (callback futures can be large: moving
/// them into wrapper futures costs more than the rest of a message's handling). Each poll runs
/// inside the tracing span, with this actor as the thread's current actor (for caller chains),
/// and with panics caught: a panic becomes the exit reason.
async fn drive<F: Future>(
    mut callback: Pin<&mut F>,
    span: tracing::Span,
    id: ActorId,
    chain: &mut CallChain,
) -> Result<F::Output, ExitReason> {
    poll_fn(|cx| {
        let _entered = span.enter();
        with_current(id, chain, || {
            match std::panic::catch_unwind(AssertUnwindSafe(|| callback.as_mut().poll(cx))) {
                Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
                Ok(Poll::Pending) => Poll::Pending,
                Err(panic) => Poll::Ready(Err(ExitReason::from_panic(panic))),
            }
        })
    })
    .await
}

enum Idle {
    Work,
    TimedOut,
}

/// Serves until the actor decides to stop; returns the reason and whether `terminate` runs.
async fn serve<A: Actor>(
    state: &mut A,
    ctx: &mut Context<A>,
    mut next: Option<A::Continue>,
) -> (ExitReason, bool) {
    let shared = ctx.myself.shared.clone();
    let core = &shared.core;
    let id = core.id;
    let parent = core.ancestors.parent();
    // The callers of the call being handled; empty for every other callback.
    let mut chain = CallChain::empty();
    loop {
        if let Some(reason) = ctx.stop.take() {
            return (reason, true);
        }
        let mut timed_out = false;
        let handled = if let Some(work) = next.take() {
            let span = actor_span(core, "continue", &chain);
            let callback = pin!(state.handle_continue(work, ctx));
            drive(callback, span, id, &mut chain).await
        } else if let Some(signal) = core.pop_signal() {
            match signal {
                Signal::Stop(reason) => return (reason, true),
                Signal::Exit(exit) => {
                    core.remove_link(exit.from);
                    let trapping = ctx.is_trapping_exits();
                    if Some(exit.from) == parent && trapping {
                        return (exit.reason, true);
                    } else if trapping {
                        let span = actor_span(core, "exit", &chain);
                        let callback = pin!(state.handle_exit(exit, ctx));
                        drive(callback, span, id, &mut chain).await
                    } else if exit.reason == ExitReason::Normal {
                        continue;
                    } else {
                        let ExitSignal { reason, .. } = exit;
                        return (reason, false);
                    }
                }
                Signal::Down(down) => {
                    let span = actor_span(core, "down", &chain);
                    let callback = pin!(state.handle_down(down, ctx));
                    drive(callback, span, id, &mut chain).await
                }
                Signal::Inspect(job) => {
                    let state: &mut dyn Any = state;
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(state)));
                    continue;
                }
            }
        } else if let Some(msg) = shared.mailbox.pop() {
            match msg {
                Envelope::Call(msg, callers) => {
                    chain = callers;
                    let span = actor_span(core, "call", &chain);
                    let callback = pin!(state.handle_call(msg, ctx));
                    let handled = drive(callback, span, id, &mut chain).await;
                    chain = CallChain::empty();
                    handled
                }
                Envelope::Cast(msg) => {
                    let span = actor_span(core, "cast", &chain);
                    let callback = pin!(state.handle_cast(msg, ctx));
                    drive(callback, span, id, &mut chain).await
                }
                Envelope::Info(msg) => {
                    let span = actor_span(core, "info", &chain);
                    let callback = pin!(state.handle_info(msg, ctx));
                    drive(callback, span, id, &mut chain).await
                }
            }
        } else {
            match idle(&shared, ctx).await {
                Idle::Work => continue,
                Idle::TimedOut => {
                    timed_out = true;
                    let span = actor_span(core, "timeout", &chain);
                    let callback = pin!(state.handle_timeout(ctx));
                    drive(callback, span, id, &mut chain).await
                }
            }
        };
        if !timed_out {
            ctx.idle_armed = true;
        }
        match handled {
            Ok(Handled::Continue) => {}
            Ok(Handled::ContinueWith(work)) => next = Some(work),
            Ok(Handled::Stop(reason)) => return (reason, true),
            Err(panic) => return (panic, true),
        }
    }
}

/// Waits for a signal or message (the task's waker is registered by [`run_task`]), or for the
/// idle timeout.
async fn idle<A: Actor>(shared: &Shared<A>, ctx: &mut Context<A>) -> Idle {
    let has_work = poll_fn(|_cx| {
        if shared.core.has_signals() || shared.mailbox.len() > 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    });
    match ctx.idle_timeout {
        Some(limit) if ctx.idle_armed => match tokio::time::timeout(limit, has_work).await {
            Ok(()) => Idle::Work,
            Err(_) => {
                ctx.idle_armed = false;
                Idle::TimedOut
            }
        },
        _ => {
            has_work.await;
            Idle::Work
        }
    }
}
