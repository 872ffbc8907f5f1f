//! Calls: a typed request, a typed answer, and errors that never leave the caller hanging.
//!
//! A call waits for its answer for at most [`DEFAULT_CALL_TIMEOUT`] (or the timeout given to
//! [`ActorRef::call_timeout`]) and never hangs on a dead actor: every way a call can fail is a
//! [`CallError`] returned as soon as it is known.
//!
//! ```
//! use arbor::{Actor, CallError, Context, Handled, Init, ReplyTo};
//! use std::convert::Infallible;
//!
//! struct Echo;
//! enum EchoCall {
//!     Echo(String, ReplyTo<String>),
//!     Forget(ReplyTo<()>),
//! }
//!
//! impl Actor for Echo {
//!     type Args = ();
//!     type Call = EchoCall;
//!     type Cast = Infallible;
//!     type Info = Infallible;
//!     type Continue = Infallible;
//!
//!     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
//!         Init::Ok(Echo)
//!     }
//!
//!     async fn handle_call(&mut self, msg: EchoCall, _ctx: &mut Context<Self>) -> Handled<Self> {
//!         match msg {
//!             EchoCall::Echo(text, reply_to) => {
//!                 let _ = reply_to.send(text);
//!             }
//!             EchoCall::Forget(reply_to) => drop(reply_to),
//!         }
//!         Handled::Continue
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let echo = Echo::spawn(()).await.unwrap().running().unwrap();
//! let text = echo.call(|r| EchoCall::Echo("hi".into(), r)).await;
//! assert_eq!(text, Ok("hi".to_string()));
//! assert_eq!(echo.call(EchoCall::Forget).await, Err(CallError::NoReply));
//! # }
//! ```

use std::any::Any;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::{Instant, Sleep};

use crate::actor::Actor;
use crate::cell::{ActorCell, Core, Signal};
use crate::handle::{ActorRef, Envelope, Shared};
use crate::lineage::{self, ActorId, CallChain, Hop};
use crate::mailbox::{Accepted, Overflow, PushError};
use crate::reply::{ReplyReceiver, ReplyTo, Undelivered, drop_with_cause};

/// How long [`ActorRef::call`] waits for an answer: 5 seconds, as `gen_server:call/2`.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// The call chain a call to `target` (named `target_name`) made from the current callback
/// carries, or the error that makes the call fail at once. Outside actors: the empty chain,
/// without allocating.
pub(crate) fn outgoing_chain(
    target: ActorId,
    target_name: &Option<Arc<str>>,
) -> Result<CallChain, CallError> {
    lineage::peek(|caller| match caller {
        None => Ok(CallChain::empty()),
        Some(lineage::Caller::Actor(id, _)) if id == target => Err(CallError::CallingSelf),
        Some(_) if !lineage::call_tracking() => Ok(CallChain::empty()),
        Some(lineage::Caller::Actor(id, chain)) => {
            if chain.contains(target) {
                let caller = Hop {
                    actor: chain.callee(),
                    ..Hop::local(id)
                };
                return Err(deadlock(target, target_name, chain, Some(caller)));
            }
            Ok(chain.push(Hop::local(id), target_name.clone()))
        }
        Some(lineage::Caller::Inherited(chain)) => {
            if chain.contains(target) {
                return Err(deadlock(target, target_name, chain, None));
            }
            Ok(chain.clone())
        }
    })
}

/// The cycle a call from `caller` (or from the chain's head, for an inherited chain) to
/// `target` would close: from the target's first wait to the call that closes it.
fn deadlock(
    target: ActorId,
    target_name: &Option<Arc<str>>,
    chain: &CallChain,
    caller: Option<Hop>,
) -> CallError {
    let mut cycle: Vec<Hop> = chain
        .hops()
        .take_while(|hop| !hop.is_local(target))
        .collect();
    cycle.reverse();
    let target = Hop {
        actor: target_name.clone(),
        ..Hop::local(target)
    };
    let mut out = Vec::with_capacity(cycle.len() + 3);
    out.push(target.clone());
    out.extend(cycle);
    out.extend(caller);
    out.push(target);
    // A refused call is worth a warning every time; tools keep it while they record.
    tracing::warn!(
        cycle = %crate::error::DisplayCycle(&out),
        "arbor: deadlock detected, the call was refused"
    );
    crate::stats::deadlock_detected(&out);
    CallError::Deadlock { chain: out }
}

pub use crate::error::CallError;

/// A call's deadline, armed lazily: a tokio timer costs about as much as a whole local round
/// trip, so it is only created once the call has to wait for real (and boxed, to keep the
/// call future small on the fast path).
pub(crate) struct Deadline {
    timeout: Duration,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl Deadline {
    pub(crate) fn new(timeout: Duration) -> Deadline {
        Deadline {
            timeout,
            sleep: None,
        }
    }

    /// Polls the deadline, arming it on first use. `Duration::MAX` (or any timeout too far to
    /// represent) never expires.
    pub(crate) fn poll_expired(&mut self, cx: &mut std::task::Context<'_>) -> bool {
        if self.sleep.is_none() {
            match Instant::now().checked_add(self.timeout) {
                Some(at) => self.sleep = Some(Box::pin(tokio::time::sleep_until(at))),
                None => return false,
            }
        }
        self.sleep
            .as_mut()
            .is_some_and(|sleep| sleep.as_mut().poll(cx).is_ready())
    }

    /// Runs `fut` until it completes or the deadline passes.
    pub(crate) async fn bound<F: Future>(&mut self, fut: F) -> Result<F::Output, CallError> {
        let mut fut = std::pin::pin!(fut);
        poll_fn(|cx| {
            if let Poll::Ready(out) = fut.as_mut().poll(cx) {
                Poll::Ready(Ok(out))
            } else if self.poll_expired(cx) {
                Poll::Ready(Err(CallError::Timeout))
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

/// A boxed future of the rare paths: no lifetime, so that a call whose target is owned (a
/// port's lookup) can hold one next to it.
type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What became of a call message offered to its target's mailbox (see
/// [`Shared::try_push_call`](crate::handle::Shared)): the only step of a call that knows the
/// actor's type. Everything after it is shared by every call.
pub(crate) enum Queued {
    /// In the mailbox, the actor woken: the answer is awaited.
    Done,
    /// Refused at once by a full mailbox that does not block (the message dropped).
    Refused,
    /// Waiting for room in a mailbox that blocks, or for the exit of a closed one.
    Slow(SlowQueue),
    /// Not sent: the call would wait on its caller (itself, or a cycle).
    Failed(CallError),
}

/// A call message its target's mailbox could not take at once, on its way in: the box
/// (`push`) is all of the slow path that is compiled per actor type.
pub(crate) struct SlowQueue {
    /// The target, for the reason of an exit.
    pub(crate) cell: ActorCell,
    /// Tries again, then waits for room if the mailbox blocks.
    pub(crate) push: Boxed<Pushed>,
}

/// Where a message pushed on the slow path went (it is dropped with the cause otherwise).
pub(crate) enum Pushed {
    Queued,
    Refused,
    Closed,
}

/// What the waiting side of a call needs of its target: its core, and an owned handle for the
/// rare paths that wait on it (an exit, a probe).
pub(crate) trait CallTarget {
    fn core(&self) -> &Core;
    fn cell(&self) -> ActorCell;
}

impl<A: Actor> CallTarget for Arc<Shared<A>> {
    fn core(&self) -> &Core {
        &self.core
    }

    fn cell(&self) -> ActorCell {
        ActorCell(self.clone())
    }
}

/// The chain a call to the actor of `core` carries, or why it fails at once.
#[inline]
pub(crate) fn chain_to(core: &Core) -> Result<CallChain, CallError> {
    outgoing_chain(core.id, &core.name)
}

pin_project_lite::pin_project! {
    /// A call once its message is built, whatever the target's type and the reply's: the
    /// deadline, the target's turn, and the slow path (boxed, off the call future).
    struct CallState<Y> {
        deadline: Deadline,
        // One turn of the scheduler before the deadline is armed: local answers usually
        // arrive within it (`yield_now`, which tokio defers without waking the driver).
        #[pin]
        turn: Y,
        turned: bool,
        // Queuing that could not complete at once (it gives the deadline back once the
        // message is in), or an answer that was not a value being turned into its error.
        slow: Option<Boxed<Result<Deadline, CallError>>>,
    }
}

impl<Y: Future<Output = ()>> CallState<Y> {
    /// Takes what queuing the message gave: `Err` when the call fails at once.
    #[inline(always)]
    fn start(self: Pin<&mut Self>, queued: Queued) -> Result<(), CallError> {
        let this = self.project();
        match queued {
            Queued::Done => {}
            Queued::Failed(e) => return Err(e),
            // A refusal completes at once: take a unit of tokio's budget on the way out, or
            // a caller retrying against a full mailbox never lets the receiver run.
            Queued::Refused => *this.slow = Some(Box::pin(refused())),
            Queued::Slow(queue) => {
                let deadline = std::mem::replace(this.deadline, Deadline::new(Duration::ZERO));
                *this.slow = Some(Box::pin(queue_slowly(queue, deadline)));
            }
        }
        Ok(())
    }

    /// Drives the slow path, if any: `Ready(Ok)` once the reply is to be awaited.
    #[inline(always)]
    fn poll_slow(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Result<(), CallError>> {
        let this = self.project();
        let Some(slow) = this.slow else {
            return Poll::Ready(Ok(()));
        };
        let deadline = std::task::ready!(slow.as_mut().poll(cx))?;
        *this.slow = None;
        *this.deadline = deadline;
        Poll::Ready(Ok(()))
    }

    /// No answer yet: the target's turn first, then the deadline.
    #[inline(always)]
    fn poll_wait(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<CallError> {
        let this = self.project();
        if !*this.turned {
            if this.turn.poll(cx).is_pending() {
                return Poll::Pending;
            }
            *this.turned = true;
        }
        if this.deadline.poll_expired(cx) {
            Poll::Ready(CallError::Timeout)
        } else {
            Poll::Pending
        }
    }

    /// The reply channel gave something other than a value (`None`: it closed without a word).
    fn poll_failed(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        target: &dyn CallTarget,
        reply: Option<Undelivered>,
    ) -> Poll<CallError> {
        let this = self.project();
        let core = target.core();
        match reply {
            Some(Undelivered::Evicted) => return Poll::Ready(CallError::MailboxFull),
            // Dropped by someone else while the target lives on: no answer will come.
            Some(Undelivered::Dropped(by))
                if by != Some(core.id) && core.exiting_reason().is_none() =>
            {
                return Poll::Ready(CallError::NoReply);
            }
            _ => {}
        }
        let deadline = std::mem::replace(this.deadline, Deadline::new(Duration::ZERO));
        let cell = target.cell();
        let failing = this.slow.insert(Box::pin(async move {
            Err(interpret(cell, reply, deadline).await)
        }));
        match failing.as_mut().poll(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(e),
            Poll::Ready(Ok(_)) => unreachable!("a failing call ends in its error"),
            Poll::Pending => Poll::Pending,
        }
    }
}

pin_project_lite::pin_project! {
    /// Waits for the answer of a call: the only part of a call compiled per reply type.
    pub(crate) struct Waiting<T, Y> {
        rx: ReplyReceiver<T>,
        #[pin]
        state: CallState<Y>,
    }
}

/// Waits for the answer on `rx` for at most `timeout`, once the message is queued.
pub(crate) fn waiting<T>(
    rx: ReplyReceiver<T>,
    timeout: Duration,
) -> Waiting<T, impl Future<Output = ()> + Send + Sync> {
    Waiting {
        rx,
        state: CallState {
            deadline: Deadline::new(timeout),
            turn: tokio::task::yield_now(),
            turned: false,
            slow: None,
        },
    }
}

impl<T, Y: Future<Output = ()>> Waiting<T, Y> {
    /// Takes what queuing the message gave: `Err` when the call fails at once.
    #[inline(always)]
    pub(crate) fn start(self: Pin<&mut Self>, queued: Queued) -> Result<(), CallError> {
        self.project().state.start(queued)
    }

    /// Polls for the answer from `target`.
    #[inline(always)]
    pub(crate) fn poll_reply(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        target: &dyn CallTarget,
    ) -> Poll<Result<T, CallError>> {
        let this = self.project();
        let mut state = this.state;
        std::task::ready!(state.as_mut().poll_slow(cx))?;
        let reply = match Pin::new(this.rx).poll(cx) {
            Poll::Ready(Ok(Ok(value))) => return Poll::Ready(Ok(value)),
            Poll::Ready(Ok(Err(undelivered))) => Some(undelivered),
            Poll::Ready(Err(_)) => None,
            Poll::Pending => return state.poll_wait(cx).map(Err),
        };
        state.poll_failed(cx, target, reply).map(Err)
    }
}

/// A refused call, as a yield point: it takes a unit of tokio's cooperative budget, yielding
/// to the scheduler once the task has used it up. A call to a full `Reject` / `DropNewest` /
/// `DropOldest` mailbox completes at once without waiting: a caller looping on it would
/// otherwise never give its thread back, and on a busy runtime the receiver would never run
/// to drain its queue (a livelock).
async fn refused() -> Result<Deadline, CallError> {
    tokio::task::consume_budget().await;
    Err(CallError::MailboxFull)
}

/// The slow path of queuing: a unit of tokio's budget (the attempt that sent it here
/// completed at once), then the push, bounded by the deadline.
async fn queue_slowly(queue: SlowQueue, mut deadline: Deadline) -> Result<Deadline, CallError> {
    let SlowQueue { cell, push } = queue;
    tokio::task::consume_budget().await;
    match deadline.bound(push).await? {
        Pushed::Queued => Ok(deadline),
        Pushed::Refused => Err(CallError::MailboxFull),
        Pushed::Closed => Err(CallError::Exited(cell.core().exit_reason_soon().await)),
    }
}

pin_project_lite::pin_project! {
    /// A call on an [`ActorRef`], written by hand: the message is queued when first polled;
    /// the rest is [`Waiting`]'s.
    struct CallFuture<'a, A: Actor, T, Y> {
        actor: &'a ActorRef<A>,
        // Taken when queued.
        msg: Option<A::Call>,
        #[pin]
        wait: Waiting<T, Y>,
    }
}

impl<'a, A, T, Y> Future for CallFuture<'a, A, T, Y>
where
    A: Actor,
    Y: Future<Output = ()>,
{
    type Output = Result<T, CallError>;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let shared = &this.actor.shared;
        if let Some(msg) = this.msg.take() {
            // The caller chain is read when polled, in the task that awaits the answer.
            let queued = shared.queue_call(msg);
            if let Err(e) = this.wait.as_mut().start(queued) {
                return Poll::Ready(Err(e));
            }
        }
        this.wait.poll_reply(cx, shared)
    }
}

impl<A: Actor> ActorRef<A> {
    /// Calls the actor and waits up to [`DEFAULT_CALL_TIMEOUT`] for the answer.
    ///
    /// `make` builds the request around its [`ReplyTo`]: `r.call(|reply_to| Req::Get {
    /// reply_to })`, or `r.call(Req::Get)` for a tuple variant holding only the `ReplyTo`.
    /// The request is built at once; it is queued when the returned future is first polled.
    pub fn call<T: Send + 'static>(
        &self,
        make: impl FnOnce(ReplyTo<T>) -> A::Call,
    ) -> impl Future<Output = Result<T, CallError>> + Send + '_ {
        self.call_timeout(DEFAULT_CALL_TIMEOUT, make)
    }

    /// Like [`call`](Self::call) with an explicit timeout, which also bounds the wait for
    /// mailbox room under [`Overflow::Block`]. `Duration::MAX` waits forever (OTP's
    /// `infinity`).
    pub fn call_timeout<T: Send + 'static>(
        &self,
        timeout: Duration,
        make: impl FnOnce(ReplyTo<T>) -> A::Call,
    ) -> impl Future<Output = Result<T, CallError>> + Send + '_ {
        let (reply_to, rx) = ReplyTo::channel();
        CallFuture {
            actor: self,
            msg: Some(make(reply_to)),
            wait: waiting(rx, timeout),
        }
    }
}

/// Turns an answer that is not a value into the call's error (`None`: the reply channel
/// closed without a word, which only an exiting actor, or a dying runtime, does). Shared by
/// every call: the actor is known by its untyped handle.
async fn interpret(
    cell: ActorCell,
    reply: Option<Undelivered>,
    mut deadline: Deadline,
) -> CallError {
    let core = cell.core();
    match reply {
        Some(Undelivered::Evicted) => CallError::MailboxFull,
        Some(Undelivered::Dropped(by))
            if by != Some(core.id) && core.exiting_reason().is_none() =>
        {
            CallError::NoReply
        }
        // The target's own callback dropped it: whether that callback ends in an exit
        // decides between OTP's answer (the exit reason) and `NoReply`. A probe queued
        // as a system signal runs right after the callback if the actor goes on; it is
        // dropped with the actor if it exits instead.
        Some(Undelivered::Dropped(Some(_))) if core.exiting_reason().is_none() => {
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let probe: crate::cell::InspectJob = Box::new(move |_| {
                let _ = tx.send(());
            });
            if core.push_signal(Signal::Inspect(probe)) {
                match deadline.bound(rx).await {
                    Ok(Ok(())) => return CallError::NoReply,
                    Ok(Err(_)) => {}
                    Err(e) => return e,
                }
            }
            exited(core, &mut deadline).await
        }
        // Lost by a panic in another task, or with another actor's exit (a holder the
        // handler passed it to): the target is not the one failing, and no answer will
        // come. Waiting for the target's exit would wait until the timeout, or forever.
        Some(Undelivered::Panicked(by)) if by != Some(core.id) => CallError::NoReply,
        Some(Undelivered::Exited(who)) if who != core.id => CallError::NoReply,
        // Dropped by an exiting actor, during a panic, or with the actor's state: the
        // actor is exiting (or about to, once `terminate` is done); report its reason.
        Some(_) | None => exited(core, &mut deadline).await,
    }
}

/// The target's exit reason, once it has exited (the deadline still bounds the wait).
async fn exited(core: &Core, deadline: &mut Deadline) -> CallError {
    match deadline.bound(Box::pin(core.wait())).await {
        Ok(reason) => CallError::Exited(reason),
        Err(e) => e,
    }
}

impl<A: Actor> Shared<A> {
    /// Queues a call from the current caller (see [`Queued`]).
    pub(crate) fn queue_call(self: &Arc<Self>, msg: A::Call) -> Queued {
        match chain_to(&self.core) {
            Ok(chain) => match self.offer_call(msg, chain) {
                Ok(queued) => queued,
                Err(msg) => Queued::Slow(self.clone().slow_push(msg)),
            },
            Err(e) => Queued::Failed(e),
        }
    }

    /// Offers a call message to the mailbox: `Err` gives it back for the slow path (a full
    /// mailbox that blocks, or a closed one: see [`slow_push`](Self::slow_push)). Shared by the
    /// calls of [`ActorRef`]s and of ports.
    pub(crate) fn offer_call(&self, msg: A::Call, chain: CallChain) -> Result<Queued, Envelope<A>> {
        let mailbox = &self.mailbox;
        match mailbox.try_push(Envelope::Call(msg, chain)) {
            Ok(evicted) => {
                self.accepted(evicted);
                Ok(Queued::Done)
            }
            Err(PushError::Full(msg)) if mailbox.config().overflow_policy() == Overflow::Block => {
                Err(msg)
            }
            Err(PushError::Closed(msg)) => Err(msg),
            Err(PushError::Full(msg) | PushError::Dropped(msg)) => {
                drop_with_cause(Undelivered::Evicted, msg);
                Ok(Queued::Refused)
            }
        }
    }

    /// The slow path's push: tries again, then waits for room if the mailbox blocks.
    pub(crate) fn slow_push(self: Arc<Self>, msg: Envelope<A>) -> SlowQueue {
        SlowQueue {
            cell: ActorCell(self.clone()),
            push: Box::pin(async move {
                let pushed = self.mailbox.push(msg).await;
                self.pushed(pushed)
            }),
        }
    }

    /// Where the slow path's push went; a message not queued is dropped with the cause.
    fn pushed(&self, pushed: Result<Accepted<Envelope<A>>, PushError<Envelope<A>>>) -> Pushed {
        match pushed {
            Ok(evicted) => {
                self.accepted(evicted);
                Pushed::Queued
            }
            Err(PushError::Full(msg) | PushError::Dropped(msg)) => {
                drop_with_cause(Undelivered::Evicted, msg);
                Pushed::Refused
            }
            Err(PushError::Closed(msg)) => {
                drop_with_cause(Undelivered::Exited(self.core.id), msg);
                Pushed::Closed
            }
        }
    }
}

impl<A: Actor> ActorRef<A> {
    /// Runs `f` on the actor's state inside the actor, between two messages, and returns its
    /// result (a typed `:sys.get_state`). Travels as a system signal: not delayed by a full
    /// mailbox. Waits at most [`DEFAULT_CALL_TIMEOUT`].
    pub async fn inspect<R: Send + 'static>(
        &self,
        f: impl FnOnce(&A) -> R + Send + 'static,
    ) -> Result<R, CallError> {
        if lineage::current_actor() == Some(self.id()) {
            return Err(CallError::CallingSelf);
        }
        let (tx, rx) = oneshot::channel();
        let job = Box::new(move |state: &mut dyn Any| {
            if let Some(state) = state.downcast_ref::<A>() {
                let _ = tx.send(f(state));
            }
        });
        let core = &self.shared.core;
        if !core.push_signal(Signal::Inspect(job)) {
            return Err(CallError::Exited(self.exit_reason_soon().await));
        }
        match tokio::time::timeout(DEFAULT_CALL_TIMEOUT, rx).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) if core.exiting_reason().is_none() => Err(CallError::NoReply),
            Ok(Err(_)) => Err(CallError::Exited(core.wait().await)),
            Err(_elapsed) => Err(CallError::Timeout),
        }
    }
}
