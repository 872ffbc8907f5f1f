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
use crate::cell::{Core, Signal};
use crate::exit::ExitReason;
use crate::handle::{ActorRef, Envelope};
use crate::lineage::{self, ActorId, CallChain, Hop};
use crate::mailbox::{Overflow, PushError};
use crate::reply::{ReplyReceiver, ReplyResult, ReplyTo, Undelivered, drop_with_cause};

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

type SlowCall<'a, T> = Pin<Box<dyn Future<Output = Result<T, CallError>> + Send + 'a>>;

pin_project_lite::pin_project! {
    /// A call, written by hand for its common path (the message is queued at once and the
    /// answer comes back): the `async` version's nested state machines cost a round trip
    /// more than they do here. Full and closed mailboxes and answers that are not values hand
    /// over to boxed `async` code (`slow`).
    struct CallFuture<'a, A: Actor, T, Y> {
        actor: &'a ActorRef<A>,
        // Taken when queued.
        msg: Option<A::Call>,
        // Taken by the slow path.
        rx: Option<ReplyReceiver<T>>,
        deadline: Deadline,
        // One turn of the scheduler before the deadline is armed (see `receive`).
        #[pin]
        turn: Y,
        turned: bool,
        slow: Option<SlowCall<'a, T>>,
    }
}

impl<'a, A, T, Y> Future for CallFuture<'a, A, T, Y>
where
    A: Actor,
    T: Send + 'static,
    Y: Future<Output = ()>,
{
    type Output = Result<T, CallError>;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Some(slow) = this.slow {
            return slow.as_mut().poll(cx);
        }
        let actor: &'a ActorRef<A> = this.actor;
        if let Some(msg) = this.msg.take() {
            // The caller chain is read when polled, in the task that awaits the answer.
            let chain = outgoing_chain(actor.id(), &actor.shared.core.name)?;
            let mailbox = &actor.shared.mailbox;
            let slow = match mailbox.try_push(Envelope::Call(msg, chain)) {
                Ok(evicted) => {
                    actor.accepted(evicted);
                    None
                }
                // Waiting for room, or for the exit reason of a closed mailbox.
                Err(PushError::Full(msg))
                    if mailbox.config().overflow_policy() == Overflow::Block =>
                {
                    Some(msg)
                }
                Err(PushError::Closed(msg)) => Some(msg),
                Err(PushError::Full(msg) | PushError::Dropped(msg)) => {
                    drop_with_cause(Undelivered::Evicted, msg);
                    // A refusal completes at once: take a unit of tokio's budget on the way
                    // out, or a caller retrying against a full mailbox never lets the
                    // receiver run (see `enqueue_call`).
                    let refused = this.slow.insert(Box::pin(async {
                        ActorRef::<A>::cooperate().await;
                        Err(CallError::MailboxFull)
                    }));
                    return refused.as_mut().poll(cx);
                }
            };
            if let Some(msg) = slow {
                let rx = this
                    .rx
                    .take()
                    .expect("the reply receiver is kept until queued");
                let deadline = std::mem::replace(this.deadline, Deadline::new(Duration::ZERO));
                let slow = this
                    .slow
                    .insert(Box::pin(actor.call_slowly(msg, rx, deadline)));
                return slow.as_mut().poll(cx);
            }
        }
        let Some(rx) = this.rx.as_mut() else {
            return Poll::Pending;
        };
        let reply = match Pin::new(rx).poll(cx) {
            Poll::Ready(reply) => reply.ok(),
            Poll::Pending => {
                if !*this.turned {
                    if this.turn.poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *this.turned = true;
                }
                return if this.deadline.poll_expired(cx) {
                    Poll::Ready(Err(CallError::Timeout))
                } else {
                    Poll::Pending
                };
            }
        };
        let core = &actor.shared.core;
        match reply {
            Some(Ok(value)) => Poll::Ready(Ok(value)),
            Some(Err(Undelivered::Evicted)) => Poll::Ready(Err(CallError::MailboxFull)),
            // Dropped by someone else while the target lives on: no answer will come.
            Some(Err(Undelivered::Dropped(by)))
                if by != Some(actor.id()) && core.exiting_reason().is_none() =>
            {
                Poll::Ready(Err(CallError::NoReply))
            }
            other => {
                let mut deadline = std::mem::replace(this.deadline, Deadline::new(Duration::ZERO));
                let slow = this.slow.insert(Box::pin(async move {
                    actor.interpret(other, &mut deadline).await
                }));
                slow.as_mut().poll(cx)
            }
        }
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
            rx: Some(rx),
            deadline: Deadline::new(timeout),
            turn: tokio::task::yield_now(),
            turned: false,
            slow: None,
        }
    }

    /// The whole call as `async` code, from queuing `msg` on: what [`CallFuture`] hands over
    /// to when the mailbox is full or closed.
    async fn call_slowly<T: Send + 'static>(
        &self,
        msg: Envelope<A>,
        rx: ReplyReceiver<T>,
        mut deadline: Deadline,
    ) -> Result<T, CallError> {
        self.enqueue_call(msg, &mut deadline).await?;
        let reply = self.receive(rx, &mut deadline).await?;
        self.interpret(reply, &mut deadline).await
    }

    async fn enqueue_call(
        &self,
        msg: Envelope<A>,
        deadline: &mut Deadline,
    ) -> Result<(), CallError> {
        self.shared.enqueue_call(msg, deadline).await
    }

    /// Waits for the answer. Before arming the deadline the target gets one turn of the
    /// scheduler (`yield_now`, which tokio defers without waking the driver): local answers
    /// usually arrive within it.
    async fn receive<T>(
        &self,
        mut rx: ReplyReceiver<T>,
        deadline: &mut Deadline,
    ) -> Result<Option<ReplyResult<T>>, CallError> {
        let mut turn = std::pin::pin!(tokio::task::yield_now());
        let mut turned = false;
        poll_fn(|cx| {
            if let Poll::Ready(reply) = Pin::new(&mut rx).poll(cx) {
                return Poll::Ready(Ok(reply.ok()));
            }
            if !turned {
                if turn.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                turned = true;
            }
            if deadline.poll_expired(cx) {
                Poll::Ready(Err(CallError::Timeout))
            } else {
                Poll::Pending
            }
        })
        .await
    }

    /// Turns what came back into the call's result. `None`: the reply channel closed without
    /// a word, which only an exiting actor (or a dying runtime) does.
    async fn interpret<T>(
        &self,
        reply: Option<ReplyResult<T>>,
        deadline: &mut Deadline,
    ) -> Result<T, CallError> {
        interpret(&self.shared.core, reply, deadline).await
    }
}

/// Turns what came back into the call's result (see [`ActorRef::call`]); the actor is known
/// by its core only, so that protocol-typed ports share it.
pub(crate) async fn interpret<T>(
    core: &Core,
    reply: Option<ReplyResult<T>>,
    deadline: &mut Deadline,
) -> Result<T, CallError> {
    match reply {
        Some(Ok(value)) => Ok(value),
        Some(Err(Undelivered::Evicted)) => Err(CallError::MailboxFull),
        Some(Err(Undelivered::Dropped(by)))
            if by != Some(core.id) && core.exiting_reason().is_none() =>
        {
            Err(CallError::NoReply)
        }
        // The target's own callback dropped it: whether that callback ends in an exit
        // decides between OTP's answer (the exit reason) and `NoReply`. A probe queued
        // as a system signal runs right after the callback if the actor goes on; it is
        // dropped with the actor if it exits instead.
        Some(Err(Undelivered::Dropped(Some(_)))) if core.exiting_reason().is_none() => {
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let probe: crate::cell::InspectJob = Box::new(move |_| {
                let _ = tx.send(());
            });
            if core.push_signal(crate::cell::Signal::Inspect(probe))
                && deadline.bound(rx).await?.is_ok()
            {
                return Err(CallError::NoReply);
            }
            let reason: ExitReason = deadline.bound(Box::pin(core.wait())).await?;
            Err(CallError::Exited(reason))
        }
        // Lost by a panic in another task, or with another actor's exit (a holder the
        // handler passed it to): the target is not the one failing, and no answer will
        // come. Waiting for the target's exit would wait until the timeout, or forever.
        Some(Err(Undelivered::Panicked(by))) if by != Some(core.id) => Err(CallError::NoReply),
        Some(Err(Undelivered::Exited(who))) if who != core.id => Err(CallError::NoReply),
        // Dropped by an exiting actor, during a panic, or with the actor's state: the
        // actor is exiting (or about to, once `terminate` is done); report its reason.
        Some(Err(_)) | None => {
            let reason: ExitReason = deadline.bound(Box::pin(core.wait())).await?;
            Err(CallError::Exited(reason))
        }
    }
}

impl<A: Actor> crate::handle::Shared<A> {
    /// Queues a call the fast path could not (a full mailbox that blocks, a closed one).
    pub(crate) async fn enqueue_call(
        &self,
        msg: Envelope<A>,
        deadline: &mut Deadline,
    ) -> Result<(), CallError> {
        ActorRef::<A>::cooperate().await;
        let mailbox = &self.mailbox;
        let pushed = match mailbox.try_push(msg) {
            Err(PushError::Full(msg)) if mailbox.config().overflow_policy() == Overflow::Block => {
                // Waiting for room is the slow path: keep its state out of the call future.
                deadline.bound(Box::pin(mailbox.push(msg))).await?
            }
            pushed => pushed,
        };
        match pushed {
            Ok(evicted) => {
                self.accepted(evicted);
                Ok(())
            }
            Err(PushError::Full(msg) | PushError::Dropped(msg)) => {
                drop_with_cause(Undelivered::Evicted, msg);
                Err(CallError::MailboxFull)
            }
            Err(PushError::Closed(msg)) => {
                drop_with_cause(Undelivered::Exited(self.core.id), msg);
                Err(CallError::Exited(self.core.exit_reason_soon().await))
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
