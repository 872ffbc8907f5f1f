//! [`ActorRef`]: the typed handle to an actor: calls, casts, info messages, introspection.
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
use std::fmt;
use std::future::{Future, poll_fn};
use std::hash::{Hash, Hasher};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::actor::Actor;
use crate::cell::{ActorCell, CellApi, Core, Signal};
use crate::exit::ExitReason;
use crate::lineage::{self, ActorId, Ancestors, CallChain};
use crate::mailbox::{Accepted, Mailbox, MailboxConfig, PushError};
use crate::reply::{ReplyReceiver, ReplyTo, Undelivered, drop_with_cause};

/// How long [`ActorRef::call`] waits for an answer: 5 seconds, as `gen_server:call/2`.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a call failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No answer within the call's timeout. A late answer is discarded.
    #[error("call timed out")]
    Timeout,
    /// An actor called itself (it would wait on itself forever).
    #[error("an actor called itself")]
    CallingSelf,
    /// The target is already waiting, directly or through nested calls, on the caller. The
    /// chain lists the cycle, ending with the target again (`[A, B, A]`).
    #[error("deadlock: call cycle {chain:?}")]
    Deadlock {
        /// The cycle of calls, first and last element the target.
        chain: Vec<ActorId>,
    },
    /// The target had exited, or exited before answering.
    #[error("the actor exited: {0}")]
    Exited(ExitReason),
    /// The target's mailbox was full and its policy refused or dropped the call.
    #[error("the actor's mailbox is full")]
    MailboxFull,
    /// The handler dropped the call's `ReplyTo` without answering.
    #[error("the actor dropped the call without answering")]
    NoReply,
}

/// Why a cast or info message was not delivered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CastError {
    /// The target has exited.
    #[error("the actor exited: {0}")]
    Exited(ExitReason),
    /// The target's mailbox is full and refuses messages (`Reject`, or `Block` for a
    /// non-waiting send).
    #[error("the actor's mailbox is full")]
    MailboxFull,
    /// The target's mailbox is full and dropped the message (`DropNewest`).
    #[error("the actor's mailbox is full; the message was dropped")]
    Dropped,
}

/// A mailbox message.
pub(crate) enum Envelope<A: Actor> {
    Call(A::Call, CallChain),
    Cast(A::Cast),
    Info(A::Info),
}

/// One allocation per actor: its core and its typed mailbox.
pub(crate) struct Shared<A: Actor> {
    pub(crate) core: Core,
    pub(crate) mailbox: Mailbox<Envelope<A>>,
}

impl<A: Actor> CellApi for Shared<A> {
    fn core(&self) -> &Core {
        &self.core
    }

    fn mailbox_len(&self) -> usize {
        self.mailbox.len()
    }

    fn mailbox_config(&self) -> MailboxConfig {
        self.mailbox.config()
    }
}

/// A typed handle to an actor of type `A`. Cheap to clone, `Send + Sync`; equality and
/// hashing go by [`ActorId`].
pub struct ActorRef<A: Actor> {
    pub(crate) shared: Arc<Shared<A>>,
}

impl<A: Actor> ActorRef<A> {
    pub(crate) fn from_shared(shared: Arc<Shared<A>>) -> ActorRef<A> {
        ActorRef { shared }
    }

    /// The actor's id.
    pub fn id(&self) -> ActorId {
        self.shared.core.id
    }

    /// The name given at spawn, if any.
    pub fn name(&self) -> Option<&str> {
        self.shared.core.name.as_deref()
    }

    /// The actors that started this one, nearest first.
    pub fn ancestors(&self) -> &Ancestors {
        &self.shared.core.ancestors
    }

    /// Messages waiting in the mailbox.
    pub fn mailbox_len(&self) -> usize {
        self.shared.mailbox.len()
    }

    /// `false` once the actor has exited.
    pub fn is_alive(&self) -> bool {
        self.shared.core.is_alive()
    }

    /// The untyped handle (for supervisors, links, monitors, shutdown).
    pub fn cell(&self) -> ActorCell {
        ActorCell(self.shared.clone() as Arc<dyn CellApi>)
    }

    /// Waits until the actor has exited and returns why.
    pub async fn wait(&self) -> ExitReason {
        self.shared.core.wait().await
    }

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
    /// mailbox room under [`Overflow::Block`](crate::Overflow::Block). `Duration::MAX` waits
    /// forever (OTP's `infinity`).
    pub fn call_timeout<T: Send + 'static>(
        &self,
        timeout: Duration,
        make: impl FnOnce(ReplyTo<T>) -> A::Call,
    ) -> impl Future<Output = Result<T, CallError>> + Send + '_ {
        let (reply_to, rx) = ReplyTo::channel();
        let msg = make(reply_to);
        async move {
            // Read the caller chain when polled, in the task that awaits the answer.
            let chain = lineage::outgoing_chain(self.id())?;
            let deadline = Instant::now().checked_add(timeout);
            let mut exchange = pin!(self.exchange(Envelope::Call(msg, chain), rx));
            // Arming a tokio timer costs about as much as a whole local round trip, and most
            // answers come quickly: give the target one turn of the scheduler (a self-wake)
            // before arming it. The deadline still counts from the start of the call.
            let mut yielded = false;
            let quick = poll_fn(|cx| match exchange.as_mut().poll(cx) {
                Poll::Ready(result) => Poll::Ready(Some(result)),
                Poll::Pending if !yielded => {
                    yielded = true;
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                Poll::Pending => Poll::Ready(None),
            })
            .await;
            if let Some(result) = quick {
                return result;
            }
            match deadline {
                Some(deadline) => match tokio::time::timeout_at(deadline, exchange).await {
                    Ok(result) => result,
                    Err(_elapsed) => Err(CallError::Timeout),
                },
                // Too far to represent: OTP's `infinity`.
                None => exchange.await,
            }
        }
    }

    async fn exchange<T>(&self, msg: Envelope<A>, rx: ReplyReceiver<T>) -> Result<T, CallError> {
        match self.shared.mailbox.push(msg).await {
            Ok(evicted) => self.accepted(evicted),
            Err(PushError::Full(msg) | PushError::Dropped(msg)) => {
                drop_with_cause(Undelivered::Evicted, msg);
                return Err(CallError::MailboxFull);
            }
            Err(PushError::Closed(msg)) => {
                drop_with_cause(Undelivered::TargetExited, msg);
                return Err(CallError::Exited(self.exit_reason_soon().await));
            }
        }
        let core = &self.shared.core;
        match rx.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(Undelivered::Evicted)) => Err(CallError::MailboxFull),
            Ok(Err(Undelivered::Dropped)) if core.exiting_reason().is_none() => {
                Err(CallError::NoReply)
            }
            // Dropped by an exiting actor, during a panic, or with the actor's state: the
            // actor is exiting (or about to); report its real reason.
            Ok(Err(_)) | Err(_) => Err(CallError::Exited(core.wait().await)),
        }
    }

    /// Wakes the actor for a queued message and drops the message it evicted, if any.
    fn accepted(&self, evicted: Accepted<Envelope<A>>) {
        self.shared.core.waker.wake();
        if let Some(evicted) = evicted {
            drop_with_cause(Undelivered::Evicted, evicted);
        }
    }

    /// The reason of an actor whose mailbox is closed (it is set before the mailbox closes).
    async fn exit_reason_soon(&self) -> ExitReason {
        match self.shared.core.exiting_reason() {
            Some(reason) => reason,
            None => self.shared.core.wait().await,
        }
    }

    fn delivered(
        &self,
        result: Result<Accepted<Envelope<A>>, PushError<Envelope<A>>>,
    ) -> Result<(), CastError> {
        match result {
            Ok(evicted) => {
                self.accepted(evicted);
                Ok(())
            }
            Err(PushError::Full(msg)) => {
                drop_with_cause(Undelivered::Evicted, msg);
                Err(CastError::MailboxFull)
            }
            Err(PushError::Dropped(msg)) => {
                drop_with_cause(Undelivered::Evicted, msg);
                Err(CastError::Dropped)
            }
            Err(PushError::Closed(msg)) => {
                drop_with_cause(Undelivered::TargetExited, msg);
                let reason = self
                    .shared
                    .core
                    .exiting_reason()
                    .unwrap_or(ExitReason::Normal);
                Err(CastError::Exited(reason))
            }
        }
    }

    /// Casts a request: queues it, waiting for room if the mailbox is full under
    /// [`Overflow::Block`](crate::Overflow::Block).
    pub async fn cast(&self, msg: A::Cast) -> Result<(), CastError> {
        let result = self.shared.mailbox.push(Envelope::Cast(msg)).await;
        self.delivered(result)
    }

    /// Casts a request if it can be queued without waiting.
    pub fn try_cast(&self, msg: A::Cast) -> Result<(), CastError> {
        let result = self.shared.mailbox.try_push(Envelope::Cast(msg));
        self.delivered(result)
    }

    /// Sends an info message, waiting for room under
    /// [`Overflow::Block`](crate::Overflow::Block).
    pub async fn send(&self, msg: A::Info) -> Result<(), CastError> {
        let result = self.shared.mailbox.push(Envelope::Info(msg)).await;
        self.delivered(result)
    }

    /// Sends an info message if it can be queued without waiting.
    pub fn try_send(&self, msg: A::Info) -> Result<(), CastError> {
        let result = self.shared.mailbox.try_push(Envelope::Info(msg));
        self.delivered(result)
    }

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

impl<A: Actor> Clone for ActorRef<A> {
    fn clone(&self) -> Self {
        ActorRef {
            shared: self.shared.clone(),
        }
    }
}

impl<A: Actor> fmt::Debug for ActorRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ActorRef");
        d.field("id", &self.id());
        if let Some(name) = self.name() {
            d.field("name", &name);
        }
        d.field("actor", &std::any::type_name::<A>()).finish()
    }
}

impl<A: Actor> PartialEq for ActorRef<A> {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl<A: Actor> Eq for ActorRef<A> {}

impl<A: Actor> Hash for ActorRef<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

impl<A: Actor> From<ActorRef<A>> for ActorCell {
    fn from(r: ActorRef<A>) -> ActorCell {
        ActorCell(r.shared as Arc<dyn CellApi>)
    }
}
