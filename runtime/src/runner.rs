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
use std::sync::atomic::Ordering;
use std::task::Poll;

use tokio::sync::oneshot;

use crate::actor::{Actor, ExitSignal, Handled, Init};
use crate::cell::{Core, DEAD, Down, InspectJob, MonitorRef, Phase, Rare, SIGNALS, Signal};
use crate::context::Context;
use crate::exit::{ExitReason, catch_panic};
use crate::handle::{ActorRef, Envelope, Shared};
use crate::lineage::{CallChain, set_current_chain, with_current};
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
/// The task's future is boxed too, so that every actor's task has one type (see
/// [`spawn`](crate::spawn)).
pub(crate) fn run<A: Actor>(
    myself: ActorRef<A>,
    args: A::Args,
    started: oneshot::Sender<StartOutcome>,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    let shared = myself.shared.clone();
    let init = Box::pin(init_phase(myself, args, started));
    Box::pin(ActorTask::new(shared, init, lifecycle::<A>))
}

pin_project_lite::pin_project! {
    /// Where an actor's task is: `init` (boxed), then the lifecycle (inline, built from what
    /// `init` returned), then done (the exit is recorded).
    #[project = StageProj]
    enum Stage<I, F> {
        Init { init: Pin<Box<I>> },
        Running { #[pin] body: F },
        Done,
    }
}

pin_project_lite::pin_project! {
    /// The outermost future of an actor's task: registers the task's waker (so mailbox pushes,
    /// signals and kills wake it), aborts the lifecycle on a kill, and records the exit.
    /// Written by hand rather than as an `async fn` so that it adds only a few bytes to the
    /// lifecycle's state (every byte counts: one task per actor).
    struct ActorTask<A: Actor, I, S, F> {
        shared: Arc<Shared<A>>,
        // The callers of the call being handled (empty for every other callback): the
        // thread's current chain while the task is polled.
        chain: CallChain,
        // Builds the lifecycle from `init`'s result (a function item: no bytes).
        start: S,
        #[pin]
        stage: Stage<I, F>,
    }

    impl<A: Actor, I, S, F> PinnedDrop for ActorTask<A, I, S, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if !matches!(this.stage.as_ref().get_ref(), Stage::Done) {
                // Dropped unfinished: the runtime is shutting down.
                let core = &this.shared.core;
                core.mark_exiting(&ExitReason::Killed);
                drop_with_cause(Undelivered::Exited(core.id), this.shared.mailbox.close());
                core.announce_exit(ExitReason::Killed);
            }
        }
    }
}

impl<A, I, S, F> ActorTask<A, I, S, F>
where
    A: Actor,
    I: Future<Output = Result<Running<A>, Ended<A>>>,
    S: Fn(Running<A>) -> F,
    F: Future<Output = Ended<A>>,
{
    fn new(shared: Arc<Shared<A>>, init: Pin<Box<I>>, start: S) -> Self {
        ActorTask {
            shared,
            chain: CallChain::empty(),
            start,
            stage: Stage::Init { init },
        }
    }
}

/// Polls `init`, then the lifecycle it starts.
fn poll_stage<A, I, S, F>(
    mut stage: Pin<&mut Stage<I, F>>,
    start: &S,
    cx: &mut std::task::Context<'_>,
) -> Poll<Ended<A>>
where
    A: Actor,
    I: Future<Output = Result<Running<A>, Ended<A>>>,
    S: Fn(Running<A>) -> F,
    F: Future<Output = Ended<A>>,
{
    loop {
        match stage.as_mut().project() {
            StageProj::Init { init } => match init.as_mut().poll(cx) {
                Poll::Ready(Ok(running)) => stage.set(Stage::Running {
                    body: start(running),
                }),
                Poll::Ready(Err(ended)) => return Poll::Ready(ended),
                Poll::Pending => return Poll::Pending,
            },
            StageProj::Running { body } => return body.poll(cx),
            StageProj::Done => return Poll::Pending,
        }
    }
}

impl<A, I, S, F> Future for ActorTask<A, I, S, F>
where
    A: Actor,
    I: Future<Output = Result<Running<A>, Ended<A>>>,
    S: Fn(Running<A>) -> F,
    F: Future<Output = Ended<A>>,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        let mut this = self.project();
        if let StageProj::Done = this.stage.as_mut().project() {
            return Poll::Ready(());
        }
        let core = &this.shared.core;
        core.waker.register(cx.waker());
        let ended = if core.kill_requested() {
            let reason = core.kill_reason();
            core.mark_exiting(&reason);
            let mut stage = this.stage.as_mut();
            with_drop_cause(Undelivered::Exited(core.id), || stage.set(Stage::Done));
            Ended {
                reason,
                state: None,
                start_failure: None,
            }
        } else {
            // The actor is the thread's current actor (for caller chains and the deadlock
            // check) while its task is polled.
            let (stage, start) = (this.stage.as_mut(), &*this.start);
            // Handler time, only while a tool asked for it (one relaxed load otherwise).
            let timed = crate::stats::timing().then(std::time::Instant::now);
            let polled = with_current(core.id, this.chain, || poll_stage(stage, start, cx));
            if let Some(started) = timed {
                core.add_busy(started.elapsed());
            }
            match polled {
                Poll::Ready(ended) => ended,
                Poll::Pending => return Poll::Pending,
            }
        };
        this.stage.set(Stage::Done);
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
        drop_with_cause(Undelivered::Exited(core.id), state);
    }
    drop_with_cause(Undelivered::Exited(core.id), shared.mailbox.close());
    announce_end(core, ended.reason, ended.start_failure);
}

/// The part of [`finish`] that does not depend on the actor's type.
fn announce_end(
    core: &Core,
    reason: ExitReason,
    start_failure: Option<(oneshot::Sender<StartOutcome>, StartOutcome)>,
) {
    if start_failure.is_some() {
        let links = core.state.lock().links.take();
        for link in links {
            link.core().remove_link(core.id);
        }
    }
    match &reason {
        ExitReason::Panic(_) => {
            tracing::error!(actor = %core.id, name = core.name.as_deref().unwrap_or(""), %reason, "actor crashed")
        }
        reason => {
            tracing::debug!(actor = %core.id, name = core.name.as_deref().unwrap_or(""), %reason, "actor exited")
        }
    }
    core.announce_exit(reason);
    if let Some((started, outcome)) = start_failure {
        let _ = started.send(outcome);
    }
}

/// The callback's tracing span, boxed: a disabled span (no subscriber listening at `debug`)
/// is dropped at once, and an enabled one takes 8 bytes of the actor's task instead of 40.
fn actor_span(core: &Core, kind: &'static str, callers: &CallChain) -> Option<Box<tracing::Span>> {
    let span = tracing::debug_span!(
        "arbor.actor",
        actor = %core.id,
        name = core.name.as_deref().unwrap_or(""),
        kind,
        callers = ?callers,
        ancestors = ?core.ancestors,
    );
    (!span.is_none()).then(|| Box::new(span))
}

/// The span of one handled message: `arbor.actor` like every callback's ([`actor_span`],
/// at `debug`, boxed), with the actor's type and the protocol (the message type) besides
/// the actor, the message kind (call, cast, info) and the caller chain. Nothing is built
/// when no subscriber listens at `debug`.
#[inline]
fn message_span(
    core: &Core,
    kind: &'static str,
    callers: &CallChain,
    actor_type: &'static str,
    protocol: &'static str,
) -> Option<Box<tracing::Span>> {
    // The level check inline, the span built out of line: the hot path stays small.
    if tracing::level_enabled!(tracing::Level::DEBUG) {
        build_message_span(core, kind, callers, actor_type, protocol)
    } else {
        None
    }
}

#[inline(never)]
fn build_message_span(
    core: &Core,
    kind: &'static str,
    callers: &CallChain,
    actor_type: &'static str,
    protocol: &'static str,
) -> Option<Box<tracing::Span>> {
    let span = tracing::debug_span!(
        "arbor.actor",
        actor = %core.id,
        name = core.name.as_deref().unwrap_or(""),
        actor_type,
        kind,
        protocol,
        callers = ?callers,
        ancestors = ?core.ancestors,
    );
    (!span.is_none()).then(|| Box::new(span))
}

/// Drives one callback to completion, polled in place (callback futures can be large, and
/// moving them costs more than the rest of a message's handling). Each poll runs inside the
/// callback's tracing span, with panics caught: a panic becomes the exit reason. (The actor
/// is the thread's current actor for the whole poll of its task: see [`ActorTask`].)
struct Drive<'a, F> {
    callback: Pin<&'a mut F>,
    span: Option<Box<tracing::Span>>,
}

impl<F: Future> Future for Drive<'_, F> {
    type Output = Result<F::Output, ExitReason>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let _entered = this.span.as_deref().map(tracing::Span::enter);
        let callback = &mut this.callback;
        // Generic (compiled per callback type), unlike the runtime's other panic catching
        // (`catch_panic`): on the hot path the closure must be inlined.
        match std::panic::catch_unwind(AssertUnwindSafe(|| callback.as_mut().poll(cx))) {
            Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(ExitReason::from_panic(panic))),
        }
    }
}

/// Runs one callback through [`Drive`], keeping its span and future in a scope of their own
/// (a smaller actor task: nothing of it stays alive across the loop's other awaits).
macro_rules! callback {
    ($core:expr, $kind:expr, $future:expr) => {
        callback!($core, $kind, &CallChain::empty(), $future)
    };
    ($core:expr, $kind:expr, $callers:expr, $future:expr) => {{
        let span = actor_span($core, $kind, $callers);
        Drive {
            callback: pin!($future),
            span,
        }
        .await
    }};
}

/// What `init` leaves the loop: the context, the state and any pending `handle_continue`.
type Running<A> = (Context<A>, A, Option<<A as Actor>::Continue>);

/// `init`, in a future of its own (boxed by [`run`], so that it is freed once done): the running
/// actor, or how the lifecycle ends when it does not start. The starter is told of a successful
/// start here; of a failed one once the exit is recorded.
async fn init_phase<A: Actor>(
    myself: ActorRef<A>,
    args: A::Args,
    started: oneshot::Sender<StartOutcome>,
) -> Result<Running<A>, Ended<A>> {
    let shared = myself.shared.clone();
    let mut ctx = Context::new(myself);
    let init = callback!(&shared.core, "init", A::init(args, &mut ctx));
    let (failure, outcome) = match init {
        Ok(Init::Ok(state)) => return ok_started(started, (ctx, state, None)),
        Ok(Init::Continue(state, next)) => return ok_started(started, (ctx, state, Some(next))),
        Ok(Init::Ignore) => (ExitReason::Normal, StartOutcome::Ignored),
        Ok(Init::Stop(reason)) | Err(reason) => {
            let outcome = StartOutcome::Failed(reason.clone());
            (reason, outcome)
        }
    };
    Err(Ended {
        reason: failure,
        state: None,
        start_failure: Some((started, outcome)),
    })
}

fn ok_started<A: Actor>(
    started: oneshot::Sender<StartOutcome>,
    running: Running<A>,
) -> Result<Running<A>, Ended<A>> {
    let _ = started.send(StartOutcome::Running);
    Ok(running)
}

/// The actor's life after `init`: the message loop, then `terminate`.
///
/// Written as one `async move` block (nested `async fn`s would each store their arguments,
/// twice: rust-lang/rust#62958; this block uses the captured ones, 24 bytes less for a small
/// actor) whose every `await` holds as little as possible: an actor's task is as large as its
/// biggest suspended state, so rare paths (signals, continue, idle timeout, terminate) are
/// boxed. Between callbacks the loop handles, in order: a `stop` requested by the last
/// callback (`Context::stop`, then `Actor::take_stop`), pending `handle_continue`, system signals, then one mailbox message.
#[allow(clippy::manual_async_fn)]
fn lifecycle<A: Actor>(
    (mut ctx, mut state, mut next): Running<A>,
) -> impl Future<Output = Ended<A>> + Send {
    async move {
        let (reason, run_terminate) = 'serve: loop {
            if let Some(reason) = ctx.take_stop() {
                break (reason, true);
            }
            if let Some(reason) = state.take_stop() {
                break (reason, true);
            }
            let mut timed_out = false;
            let shared = &*ctx.myself.shared;
            // Each event is taken out of its queue only in the branch that handles it, into a
            // plain local: a scrutinee's temporary (as in `if let Some(msg) = pop()`) would stay
            // in the task across every await of the `if`. A message's callback is built and
            // pinned in place, in the task (moving it, even once, costs more than its handling).
            // The callbacks other than call, cast and info (continue, timeout, a trapped exit, a
            // DOWN) are rare: they share one boxed future, awaited at one place.
            let handled = 'handled: {
                let rare = 'rare: {
                    match next_event(&next, shared) {
                        Event::Continue => match next.take() {
                            Some(work) => RareWork::Continue(work),
                            None => continue 'serve,
                        },
                        Event::Signal => {
                            let Some(signal) = shared.core.pop_signal() else {
                                continue 'serve;
                            };
                            let trapping = ctx.is_trapping_exits();
                            match route_signal(signal, &shared.core, trapping, &mut state) {
                                Routed::Exit(reason, terminate) => {
                                    break 'serve (reason, terminate);
                                }
                                Routed::Ignored => continue 'serve,
                                Routed::Callback(work) => work.into(),
                            }
                        }
                        Event::Message => {
                            let Some(msg) = shared.mailbox.pop() else {
                                continue 'serve;
                            };
                            let core = &shared.core;
                            if !matches!(msg, Envelope::Signal(_)) {
                                core.count_handled();
                            }
                            #[cfg(feature = "metrics")]
                            let metered = Metered::start(&msg);
                            let handled = match msg {
                                Envelope::Call(msg, callers) => {
                                    if crate::stats::timing()
                                        && let Some(caller) = callers.iter().next()
                                    {
                                        crate::stats::count_edge(
                                            caller,
                                            core.id,
                                            crate::stats::EdgeKind::Call,
                                        );
                                    }
                                    let span = message_span(
                                        core,
                                        "call",
                                        &callers,
                                        std::any::type_name::<A>(),
                                        std::any::type_name::<A::Call>(),
                                    );
                                    // The callers of the call being handled; empty for
                                    // every other callback.
                                    set_current_chain(callers);
                                    let callback = pin!(state.handle_call(msg, &mut ctx));
                                    let handled = Drive { callback, span }.await;
                                    set_current_chain(CallChain::empty());
                                    handled
                                }
                                Envelope::Cast(msg) => {
                                    let span = message_span(
                                        core,
                                        "cast",
                                        &CallChain::empty(),
                                        std::any::type_name::<A>(),
                                        std::any::type_name::<A::Cast>(),
                                    );
                                    let callback = pin!(state.handle_cast(msg, &mut ctx));
                                    Drive { callback, span }.await
                                }
                                Envelope::Info(msg) => {
                                    let span = message_span(
                                        core,
                                        "info",
                                        &CallChain::empty(),
                                        std::any::type_name::<A>(),
                                        std::any::type_name::<A::Info>(),
                                    );
                                    let callback = pin!(state.handle_info(msg, &mut ctx));
                                    Drive { callback, span }.await
                                }
                                Envelope::Signal(signal) => {
                                    let trapping = ctx.is_trapping_exits();
                                    break 'rare match route_signal(
                                        *signal, core, trapping, &mut state,
                                    ) {
                                        Routed::Exit(reason, terminate) => {
                                            break 'serve (reason, terminate);
                                        }
                                        Routed::Ignored => continue 'serve,
                                        Routed::Callback(work) => work.into(),
                                    };
                                }
                            };
                            #[cfg(feature = "metrics")]
                            metered.finish(&ctx.myself.shared.core);
                            break 'handled handled;
                        }
                        Event::Idle => match ctx.armed_idle_timeout() {
                            Some(limit) => {
                                // Boxed: most actors have no idle timeout, and a timer would double
                                // the size of every actor's task.
                                match Box::pin(idle_or_timeout(shared, limit)).await {
                                    Idle::Work => continue 'serve,
                                    Idle::TimedOut => {
                                        ctx.arm_idle_timeout(false);
                                        timed_out = true;
                                        RareWork::Timeout
                                    }
                                }
                            }
                            None => {
                                // The task's waker is registered by `ActorTask`.
                                poll_fn(|_| has_work(shared)).await;
                                continue 'serve;
                            }
                        },
                    }
                };
                Box::pin(rare_callback(rare, &mut state, &mut ctx)).await
            };
            if !timed_out {
                ctx.arm_idle_timeout(true);
            }
            match handled {
                Ok(Handled::Continue) => {}
                Ok(Handled::ContinueWith(work)) => next = Some(work),
                Ok(Handled::Stop(reason)) => break (reason, true),
                Err(panic) => break (panic, true),
            }
        };
        if run_terminate {
            let work = RareWork::Terminate(reason.clone());
            let terminated = Box::pin(rare_callback(work, &mut state, &mut ctx)).await;
            if let Err(panic) = terminated {
                let core = &ctx.myself.shared.core;
                tracing::error!(actor = %core.id, %panic, "terminate panicked");
            }
        }
        Ended {
            reason,
            state: Some(state),
            start_failure: None,
        }
    }
}

/// What the loop does next, in priority order. Only the kind: the event itself is taken out
/// of its queue by the branch that handles it.
enum Event {
    Continue,
    Signal,
    Message,
    Idle,
}

fn next_event<A: Actor>(next: &Option<A::Continue>, shared: &Shared<A>) -> Event {
    if next.is_some() {
        Event::Continue
    } else if shared.core.has_signals() {
        Event::Signal
    } else if shared.mailbox.len() > 0 {
        Event::Message
    } else {
        Event::Idle
    }
}

/// A callback other than init, call, cast and info: rare, so they share one boxed future type.
enum RareWork<A: Actor> {
    Continue(A::Continue),
    /// The reason the actor stops with (`terminate` answers `Handled::Continue`).
    Terminate(ExitReason),
    Timeout,
    /// A trapped exit signal.
    Exit(ExitSignal),
    Down(Box<Down>),
}

impl<A: Actor> From<SignalCallback> for RareWork<A> {
    fn from(work: SignalCallback) -> Self {
        match work {
            SignalCallback::Exit(exit) => RareWork::Exit(exit),
            SignalCallback::Down(down) => RareWork::Down(down),
        }
    }
}

async fn rare_callback<A: Actor>(
    work: RareWork<A>,
    state: &mut A,
    ctx: &mut Context<A>,
) -> Result<Handled<A>, ExitReason> {
    let shared = ctx.myself.shared.clone();
    let kind = match &work {
        RareWork::Continue(_) => "continue",
        RareWork::Timeout => "timeout",
        RareWork::Exit(_) => "exit",
        RareWork::Down(_) => "down",
        RareWork::Terminate(_) => "terminate",
    };
    callback!(&shared.core, kind, async move {
        match work {
            RareWork::Continue(work) => state.handle_continue(work, ctx).await,
            RareWork::Timeout => state.handle_timeout(ctx).await,
            RareWork::Exit(exit) => state.handle_exit(exit, ctx).await,
            RareWork::Down(down) => state.handle_down(*down, ctx).await,
            RareWork::Terminate(reason) => {
                state.terminate(&reason, ctx).await;
                Handled::Continue
            }
        }
    })
}

fn has_work<A: Actor>(shared: &Shared<A>) -> Poll<()> {
    if shared.core.has_signals() || shared.mailbox.len() > 0 {
        Poll::Ready(())
    } else {
        Poll::Pending
    }
}

enum Idle {
    Work,
    TimedOut,
}

/// Waits for a signal or message, or for the idle timeout.
async fn idle_or_timeout<A: Actor>(shared: &Shared<A>, limit: std::time::Duration) -> Idle {
    let mut timer = pin!(tokio::time::sleep(limit));
    poll_fn(|cx| {
        if has_work(shared).is_ready() {
            Poll::Ready(Idle::Work)
        } else if timer.as_mut().poll(cx).is_ready() {
            Poll::Ready(Idle::TimedOut)
        } else {
            Poll::Pending
        }
    })
    .await
}

impl Core {
    /// Records the exit, wakes waiters, and sends exit signals to links and DOWN to monitors.
    pub(crate) fn announce_exit(&self, reason: ExitReason) {
        let (links, rare) = {
            let mut st = self.state.lock();
            if matches!(st.phase, Phase::Exited(_)) {
                return;
            }
            st.phase = Phase::Exited(reason.clone());
            (st.links.take(), st.rare.take().map(|rare| *rare))
        };
        self.flags.fetch_or(DEAD, Ordering::Release);
        self.flags.fetch_and(!SIGNALS, Ordering::Release);
        let Rare {
            signals,
            watchers,
            exited,
            children: _,
            registered,
            busy_ns: _,
        } = rare.unwrap_or_default();
        if let Some(name) = registered {
            crate::names::released(&name, self.id);
        }
        crate::reply::drop_with_cause(crate::reply::Undelivered::Exited(self.id), signals);
        if let Some(exited) = exited {
            exited.notify_waiters();
        }
        for link in links {
            link.deliver_exit(ExitSignal {
                from: self.id,
                reason: reason.clone(),
            });
        }
        for watcher in watchers {
            if let Some(cell) = watcher.cell.upgrade() {
                cell.push_ordered(Signal::Down(Box::new(Down {
                    monitor: MonitorRef::fired(watcher.monitor, self.id),
                    id: self.id,
                    reason: reason.clone(),
                })));
            }
        }
    }
}

/// What a signal asks of the actor, decided without its type (compiled once).
enum Routed {
    /// Exit with this reason; `terminate` runs if the flag is set.
    Exit(ExitReason, bool),
    /// Nothing more to do (an ignored exit signal, or an inspection job that has run).
    Ignored,
    /// A callback to run: `handle_exit` or `handle_down`.
    Callback(SignalCallback),
}

enum SignalCallback {
    /// A trapped exit signal, for `handle_exit`.
    Exit(ExitSignal),
    /// A DOWN, for `handle_down`.
    Down(Box<Down>),
}

fn route_signal(signal: Signal, core: &Core, trapping: bool, state: &mut dyn Any) -> Routed {
    match signal {
        Signal::Stop(reason) => Routed::Exit(reason, true),
        Signal::Exit(exit) => {
            core.remove_link(exit.from);
            if Some(exit.from) == core.ancestors.parent() && trapping {
                // A gen_server stops with its parent, running terminate.
                Routed::Exit(exit.reason, true)
            } else if trapping {
                Routed::Callback(SignalCallback::Exit(exit))
            } else if exit.reason == ExitReason::Normal {
                Routed::Ignored
            } else {
                let ExitSignal { reason, .. } = exit;
                Routed::Exit(reason, false)
            }
        }
        Signal::Down(down) => Routed::Callback(SignalCallback::Down(down)),
        Signal::Inspect(job) => {
            inspect(job, state);
            Routed::Ignored
        }
    }
}

/// Runs an inspection job on the state; a panic in it is contained.
fn inspect(job: InspectJob, state: &mut dyn Any) {
    let mut job = Some(job);
    let _ = catch_panic(&mut || {
        if let Some(job) = job.take() {
            job(state)
        }
    });
}

/// Per-message metrics through the `metrics` facade (feature `metrics`): the counter
/// `arbor_messages_handled_total` and the histogram `arbor_handler_seconds`, labelled with
/// the actor (its name, or its type when unnamed) and the message kind (call, cast, info).
#[cfg(feature = "metrics")]
pub(crate) struct Metered {
    kind: &'static str,
    type_name: &'static str,
    started: std::time::Instant,
}

#[cfg(feature = "metrics")]
impl Metered {
    pub(crate) fn start<A: crate::Actor>(msg: &Envelope<A>) -> Metered {
        let kind = match msg {
            Envelope::Call(..) => "call",
            Envelope::Cast(_) => "cast",
            Envelope::Info(_) => "info",
            Envelope::Signal(_) => "signal",
        };
        Metered {
            kind,
            type_name: std::any::type_name::<A>(),
            started: std::time::Instant::now(),
        }
    }

    pub(crate) fn finish(self, core: &Core) {
        let seconds = self.started.elapsed().as_secs_f64();
        let actor: metrics::SharedString = match &core.name {
            Some(name) => metrics::SharedString::from_shared(name.clone()),
            None => metrics::SharedString::from(self.type_name),
        };
        let labels = [
            metrics::Label::new("actor", actor),
            metrics::Label::from_static_parts("kind", self.kind),
        ];
        metrics::counter!("arbor_messages_handled_total", labels.iter()).increment(1);
        metrics::histogram!("arbor_handler_seconds", labels.iter()).record(seconds);
    }
}

#[cfg(test)]
mod sizes {
    //! The size of an idle actor's task future, the largest part of its memory (print with
    //! `cargo test --release -p arbor --lib sizes -- --nocapture`). Tokio allocates a task as a
    //! 128-byte aligned cell holding 104 bytes of its own next to the future (header 32,
    //! scheduler and task id 16, stage tag 8, trailer 48); an actor's future is boxed (16 bytes
    //! in the cell), in an allocation of its own: 152 bytes fill a 160-byte malloc chunk.
    use super::*;
    use crate::lineage::Ancestors;
    use crate::mailbox::{Mailbox, MailboxConfig};
    use crate::{Init, ReplyTo};
    use std::convert::Infallible;

    /// A small worker with a call and a cast (the `idle_memory` example's actor).
    struct Counter(u64);
    enum CounterCall {
        Get(ReplyTo<u64>),
    }
    impl Actor for Counter {
        type Args = ();
        type Call = CounterCall;
        type Cast = u64;
        type Info = Infallible;
        type Continue = Infallible;
        async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
            Init::Ok(Counter(0))
        }
        async fn handle_call(&mut self, msg: CounterCall, _: &mut Context<Self>) -> Handled<Self> {
            let CounterCall::Get(reply_to) = msg;
            let _ = reply_to.send(self.0);
            Handled::Continue
        }
        async fn handle_cast(&mut self, n: u64, _: &mut Context<Self>) -> Handled<Self> {
            self.0 += n;
            Handled::Continue
        }
    }

    fn task_size<A: Actor<Args = ()>>() -> usize {
        let shared = Arc::new(Shared::<A> {
            core: Core::new(None, Ancestors::none()),
            mailbox: Mailbox::new(MailboxConfig::default()),
        });
        let (tx, _rx) = oneshot::channel();
        let task = run(ActorRef::from_shared(shared), (), tx);
        std::mem::size_of_val(&*task)
    }

    #[test]
    fn actor_task_sizes() {
        let (nothing, counter) = (
            task_size::<crate::test_support::Idle>(),
            task_size::<Counter>(),
        );
        println!("actor task future: {nothing} B (no messages), {counter} B (call + cast)");
        println!(
            "Shared<Counter>: {} B (Core {} B, Mailbox {} B); Context {} B",
            std::mem::size_of::<Shared<Counter>>(),
            std::mem::size_of::<Core>(),
            std::mem::size_of::<Mailbox<Envelope<Counter>>>(),
            std::mem::size_of::<Context<Counter>>(),
        );
        // Keeps a small actor's boxed task future in a 160-byte malloc chunk.
        assert!(counter <= 152, "the actor task future is {counter} B");

        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let counter = Counter::spawn(()).await.unwrap().running().unwrap();
            counter.cast(2).await.unwrap();
            assert_eq!(counter.call(CounterCall::Get).await, Ok(2));
        });
    }
}
