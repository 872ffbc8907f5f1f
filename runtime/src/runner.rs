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
pub(crate) struct Ended<A: Actor> {
    reason: ExitReason,
    state: Option<A>,
    /// Set when `init` did not start the actor: the starter is told after the exit is
    /// recorded, and linked actors are not signalled.
    start_failure: Option<(oneshot::Sender<StartOutcome>, StartOutcome)>,
}

/// The actor's task. `init` is boxed: its future (with the start-up arguments) is needed
/// only once, and kept inline it would stay in the task's memory for the actor's whole life.
pub(crate) fn run<A: Actor>(
    myself: ActorRef<A>,
    args: A::Args,
    started: oneshot::Sender<StartOutcome>,
) -> impl Future<Output = ()> + Send {
    let shared = myself.shared.clone();
    let init = Box::pin(init_phase(myself, args));
    ActorTask {
        body: Some(lifecycle(shared.clone(), init, started)),
        shared,
        done: false,
    }
}

pin_project_lite::pin_project! {
    /// The outermost future of an actor's task: registers the task's waker (so mailbox pushes,
    /// signals and kills wake it), aborts the lifecycle on a kill, and records the exit.
    /// Written by hand rather than as an `async fn` so that it adds only a few bytes to the
    /// lifecycle's state (every byte counts: one task per actor).
    struct ActorTask<A: Actor, F> {
        shared: Arc<Shared<A>>,
        #[pin]
        body: Option<F>,
        done: bool,
    }

    impl<A: Actor, F> PinnedDrop for ActorTask<A, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if !*this.done {
                // Dropped unfinished: the runtime is shutting down.
                let core = &this.shared.core;
                core.mark_exiting(&ExitReason::Killed);
                drop_with_cause(Undelivered::TargetExited, this.shared.mailbox.close());
                core.announce_exit(ExitReason::Killed);
            }
        }
    }
}

impl<A: Actor, F: Future<Output = Ended<A>>> Future for ActorTask<A, F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        let mut this = self.project();
        if *this.done {
            return Poll::Ready(());
        }
        let core = &this.shared.core;
        core.waker.register(cx.waker());
        let ended = if core.kill_requested() {
            let reason = core.kill_reason();
            core.mark_exiting(&reason);
            let mut body = this.body.as_mut();
            with_drop_cause(Undelivered::TargetExited, || body.set(None));
            Ended {
                reason,
                state: None,
                start_failure: None,
            }
        } else {
            match this.body.as_mut().as_pin_mut() {
                Some(body) => match body.poll(cx) {
                    Poll::Ready(ended) => ended,
                    Poll::Pending => return Poll::Pending,
                },
                None => return Poll::Ready(()),
            }
        };
        this.body.set(None);
        *this.done = true;
        finish(this.shared, ended);
        Poll::Ready(())
    }
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
fn drive<'a, F: Future>(
    mut callback: Pin<&'a mut F>,
    span: &'a tracing::Span,
    id: ActorId,
    chain: &'a mut CallChain,
) -> impl Future<Output = Result<F::Output, ExitReason>> + 'a {
    poll_fn(move |cx| {
        let _entered = span.enter();
        with_current(id, chain, || {
            match std::panic::catch_unwind(AssertUnwindSafe(|| callback.as_mut().poll(cx))) {
                Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
                Ok(Poll::Pending) => Poll::Pending,
                Err(panic) => Poll::Ready(Err(ExitReason::from_panic(panic))),
            }
        })
    })
}

/// Runs one callback through [`drive`], keeping its span and future in a scope of their own
/// (a smaller actor task: nothing of it stays alive across the loop's other awaits).
macro_rules! callback {
    ($core:expr, $kind:expr, $chain:expr, $future:expr) => {{
        let span = actor_span($core, $kind, &$chain);
        let future = pin!($future);
        drive(future, &span, $core.id, &mut $chain).await
    }};
}

/// `init`, run in a context of its own: its result, and the context the actor goes on with.
async fn init_phase<A: Actor>(
    myself: ActorRef<A>,
    args: A::Args,
) -> (Context<A>, Result<Init<A>, ExitReason>) {
    let shared = myself.shared.clone();
    let mut ctx = Context::new(myself);
    let mut chain = CallChain::empty();
    let init = callback!(&shared.core, "init", chain, A::init(args, &mut ctx));
    (ctx, init)
}

type InitPhase<A> = dyn Future<Output = (Context<A>, Result<Init<A>, ExitReason>)> + Send;

/// The state `init` produced, or why the actor does not start. A plain function: the init
/// result is consumed here rather than kept alive in the lifecycle's state.
#[allow(clippy::type_complexity)]
fn initialized<A: Actor>(
    init: Result<Init<A>, ExitReason>,
) -> Result<(A, Option<A::Continue>), (ExitReason, StartOutcome)> {
    match init {
        Ok(Init::Ok(state)) => Ok((state, None)),
        Ok(Init::Continue(state, next)) => Ok((state, Some(next))),
        Ok(Init::Ignore) => Err((ExitReason::Normal, StartOutcome::Ignored)),
        Ok(Init::Stop(reason)) | Err(reason) => {
            let outcome = StartOutcome::Failed(reason.clone());
            Err((reason, outcome))
        }
    }
}

fn start_failed<A: Actor>(
    started: oneshot::Sender<StartOutcome>,
    reason: ExitReason,
    outcome: StartOutcome,
) -> Ended<A> {
    Ended {
        reason,
        state: None,
        start_failure: Some((started, outcome)),
    }
}

async fn lifecycle<A: Actor>(
    shared: Arc<Shared<A>>,
    init: Pin<Box<InitPhase<A>>>,
    started: oneshot::Sender<StartOutcome>,
) -> Ended<A> {
    let (mut ctx, init) = init.await;
    let (mut state, next) = match initialized(init) {
        Ok(running) => running,
        Err((reason, outcome)) => return start_failed(started, reason, outcome),
    };
    let _ = started.send(StartOutcome::Running);
    let (reason, run_terminate) = serve(&mut state, &mut ctx, next).await;
    if run_terminate {
        // Boxed, like init: needed once.
        let core = &shared.core;
        let terminated = Box::pin(async {
            let mut chain = CallChain::empty();
            callback!(core, "terminate", chain, state.terminate(&reason, &mut ctx))
        })
        .await;
        if let Err(panic) = terminated {
            tracing::error!(actor = %core.id, %panic, "terminate panicked");
        }
    }
    Ended {
        reason,
        state: Some(state),
        start_failure: None,
    }
}

enum Idle {
    Work,
    TimedOut,
}

/// What the loop does next, chosen without awaiting (the priority order lives here).
enum Event<A: Actor> {
    Continue(A::Continue),
    Signal(Signal),
    Message(Envelope<A>),
    Idle,
}

fn next_event<A: Actor>(next: &mut Option<A::Continue>, shared: &Shared<A>) -> Event<A> {
    if let Some(work) = next.take() {
        Event::Continue(work)
    } else if let Some(signal) = shared.core.pop_signal() {
        Event::Signal(signal)
    } else if let Some(msg) = shared.mailbox.pop() {
        Event::Message(msg)
    } else {
        Event::Idle
    }
}

/// How a system signal ends.
enum SignalOutcome<A: Actor> {
    Handled(Result<Handled<A>, ExitReason>),
    Ignored,
    /// Exit with this reason; `terminate` runs if the flag is set.
    Exit(ExitReason, bool),
}

/// Serves until the actor decides to stop; returns the reason and whether `terminate` runs.
///
/// Every `await` here holds as little as possible: an actor's task is as large as this
/// function's biggest suspended state, so rare paths (signals, continue, timeout) are boxed
/// and each event is moved out of the loop's locals before it is awaited on.
async fn serve<A: Actor>(
    state: &mut A,
    ctx: &mut Context<A>,
    mut next: Option<A::Continue>,
) -> (ExitReason, bool) {
    let shared = ctx.myself.shared.clone();
    // The callers of the call being handled; empty for every other callback.
    let mut chain = CallChain::empty();
    loop {
        if let Some(reason) = ctx.stop.take() {
            return (reason, true);
        }
        let mut timed_out = false;
        let handled = match next_event(&mut next, &shared) {
            Event::Message(msg) => dispatch(msg, state, ctx, &shared.core, &mut chain).await,
            Event::Continue(work) => {
                let core = &shared.core;
                Box::pin(async {
                    callback!(core, "continue", chain, state.handle_continue(work, ctx))
                })
                .await
            }
            Event::Signal(signal) => {
                let outcome = Box::pin(handle_signal(signal, state, ctx, &shared.core)).await;
                match outcome {
                    SignalOutcome::Handled(handled) => handled,
                    SignalOutcome::Ignored => continue,
                    SignalOutcome::Exit(reason, terminate) => return (reason, terminate),
                }
            }
            Event::Idle => match idle(&shared, ctx).await {
                Idle::Work => continue,
                Idle::TimedOut => {
                    timed_out = true;
                    let core = &shared.core;
                    Box::pin(async { callback!(core, "timeout", chain, state.handle_timeout(ctx)) })
                        .await
                }
            },
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

/// Runs the callback for one mailbox message.
async fn dispatch<A: Actor>(
    msg: Envelope<A>,
    state: &mut A,
    ctx: &mut Context<A>,
    core: &Core,
    chain: &mut CallChain,
) -> Result<Handled<A>, ExitReason> {
    match msg {
        Envelope::Call(msg, callers) => {
            *chain = callers;
            let handled = callback!(core, "call", *chain, state.handle_call(msg, ctx));
            *chain = CallChain::empty();
            handled
        }
        Envelope::Cast(msg) => callback!(core, "cast", *chain, state.handle_cast(msg, ctx)),
        Envelope::Info(msg) => callback!(core, "info", *chain, state.handle_info(msg, ctx)),
    }
}

async fn handle_signal<A: Actor>(
    signal: Signal,
    state: &mut A,
    ctx: &mut Context<A>,
    core: &Core,
) -> SignalOutcome<A> {
    let mut chain = CallChain::empty();
    match signal {
        Signal::Stop(reason) => SignalOutcome::Exit(reason, true),
        Signal::Exit(exit) => {
            core.remove_link(exit.from);
            let trapping = ctx.is_trapping_exits();
            if Some(exit.from) == core.ancestors.parent() && trapping {
                // A gen_server stops with its parent, running terminate.
                SignalOutcome::Exit(exit.reason, true)
            } else if trapping {
                SignalOutcome::Handled(callback!(core, "exit", chain, state.handle_exit(exit, ctx)))
            } else if exit.reason == ExitReason::Normal {
                SignalOutcome::Ignored
            } else {
                let ExitSignal { reason, .. } = exit;
                SignalOutcome::Exit(reason, false)
            }
        }
        Signal::Down(down) => SignalOutcome::Handled(callback!(
            core,
            "down",
            chain,
            state.handle_down(*down, ctx)
        )),
        Signal::Inspect(job) => {
            let state: &mut dyn Any = state;
            let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(state)));
            SignalOutcome::Ignored
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
        Some(limit) if ctx.idle_armed => {
            // Boxed: most actors have no idle timeout, and a timer would double the size of
            // every actor's task.
            let mut timer = Box::pin(tokio::time::sleep(limit));
            let mut has_work = pin!(has_work);
            let idle = poll_fn(|cx| {
                if has_work.as_mut().poll(cx).is_ready() {
                    Poll::Ready(Idle::Work)
                } else if timer.as_mut().poll(cx).is_ready() {
                    Poll::Ready(Idle::TimedOut)
                } else {
                    Poll::Pending
                }
            })
            .await;
            if matches!(idle, Idle::TimedOut) {
                ctx.idle_armed = false;
            }
            idle
        }
        _ => {
            has_work.await;
            Idle::Work
        }
    }
}
