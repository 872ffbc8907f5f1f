//! The actor task: `init`, the message loop, `terminate`, and the exit bookkeeping.
//!
//! One tokio task per actor. Its outermost future registers the task's waker (so mailbox
//! pushes, signals and kills can wake it) and checks for a kill before polling the actor's
//! lifecycle, so a kill abandons even a callback stuck in an `await`. Between callbacks the
//! loop handles, in order: pending `handle_continue`, system signals, then one mailbox message.

use std::any::Any;
use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use futures::FutureExt;
use tokio::sync::oneshot;
use tracing::Instrument;

use crate::actor::{Actor, ExitSignal, Handled, Init};
use crate::cell::Signal;
use crate::context::Context;
use crate::exit::ExitReason;
use crate::handle::{ActorRef, Envelope, Shared};
use crate::lineage::{CURRENT, CallChain, Current, replace_current_chain};
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
    let current = Current {
        id: myself.id(),
        chain: RefCell::new(CallChain::empty()),
    };
    CURRENT
        .scope(current, run_task(myself, args, started))
        .await;
}

async fn run_task<A: Actor>(
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
    let mut ctx = Context::new(myself);
    let span = actor_span(&ctx, "init", &CallChain::empty());
    let init = AssertUnwindSafe(A::init(args, &mut ctx))
        .catch_unwind()
        .instrument(span)
        .await;
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
        Err(panic) => {
            let reason = ExitReason::from_panic(panic);
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
        let span = actor_span(&ctx, "terminate", &CallChain::empty());
        let terminated = AssertUnwindSafe(state.terminate(&reason, &mut ctx))
            .catch_unwind()
            .instrument(span)
            .await;
        if let Err(panic) = terminated {
            tracing::error!(actor = %ctx.id(), panic = %ExitReason::from_panic(panic), "terminate panicked");
        }
    }
    Ended {
        reason,
        state: Some(state),
        start_failure: None,
    }
}

fn actor_span<A: Actor>(
    ctx: &Context<A>,
    kind: &'static str,
    callers: &CallChain,
) -> tracing::Span {
    tracing::debug_span!(
        "arbor.actor",
        actor = %ctx.id(),
        name = ctx.name().unwrap_or(""),
        kind,
        callers = ?callers,
        ancestors = ?ctx.ancestors(),
    )
}

/// Runs one callback, turning a panic into the exit reason.
async fn invoke<A: Actor>(
    handler: impl Future<Output = Handled<A>> + Send,
    span: tracing::Span,
) -> Result<Handled<A>, ExitReason> {
    AssertUnwindSafe(handler)
        .catch_unwind()
        .instrument(span)
        .await
        .map_err(ExitReason::from_panic)
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
    let parent = core.ancestors.parent();
    loop {
        if let Some(reason) = ctx.stop.take() {
            return (reason, true);
        }
        let mut timed_out = false;
        let handled = if let Some(work) = next.take() {
            let span = actor_span(ctx, "continue", &CallChain::empty());
            invoke(state.handle_continue(work, ctx), span).await
        } else if let Some(signal) = core.pop_signal() {
            match signal {
                Signal::Stop(reason) => return (reason, true),
                Signal::Exit(exit) => {
                    core.remove_link(exit.from);
                    let trapping = ctx.is_trapping_exits();
                    if Some(exit.from) == parent && trapping {
                        return (exit.reason, true);
                    } else if trapping {
                        let span = actor_span(ctx, "exit", &CallChain::empty());
                        invoke(state.handle_exit(exit, ctx), span).await
                    } else if exit.reason == ExitReason::Normal {
                        continue;
                    } else {
                        let ExitSignal { reason, .. } = exit;
                        return (reason, false);
                    }
                }
                Signal::Down(down) => {
                    let span = actor_span(ctx, "down", &CallChain::empty());
                    invoke(state.handle_down(down, ctx), span).await
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
                    let span = actor_span(ctx, "call", &callers);
                    replace_current_chain(callers);
                    let handled = invoke(state.handle_call(msg, ctx), span).await;
                    replace_current_chain(CallChain::empty());
                    handled
                }
                Envelope::Cast(msg) => {
                    let span = actor_span(ctx, "cast", &CallChain::empty());
                    invoke(state.handle_cast(msg, ctx), span).await
                }
                Envelope::Info(msg) => {
                    let span = actor_span(ctx, "info", &CallChain::empty());
                    invoke(state.handle_info(msg, ctx), span).await
                }
            }
        } else {
            match idle(&shared, ctx).await {
                Idle::Work => continue,
                Idle::TimedOut => {
                    timed_out = true;
                    let span = actor_span(ctx, "timeout", &CallChain::empty());
                    invoke(state.handle_timeout(ctx), span).await
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
