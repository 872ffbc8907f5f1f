//! [`ActorRef`]: the typed handle to an actor: calls, casts, info messages, introspection.
//!
//! Calls live in [`call`](crate::ActorRef::call)'s own module; this one holds the handle,
//! casts, info messages and [`inspect`](ActorRef::inspect).

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use crate::actor::Actor;
use crate::cell::{ActorCell, CellApi, Core, Signal};
use crate::exit::ExitReason;
use crate::lineage::{self, ActorId, Ancestors, CallChain};
use crate::mailbox::{Accepted, Mailbox, MailboxConfig, Overflow, PushError, Queued};
use crate::reply::{Undelivered, drop_with_cause};

pub use crate::error::CastError;

pub(crate) type SlowSend<'a> = Pin<Box<dyn Future<Output = Result<(), CastError>> + Send + 'a>>;

/// A cast or info message on its way into the mailbox, written by hand for the common path
/// (a unit of tokio's cooperative budget, then room at once): the `async` version's nested
/// state machines (budget, push, delivery) cost as much as the push itself. A full mailbox
/// whose senders wait for room hands over to boxed `async` code.
struct SendFuture<'a, A: Actor> {
    shared: &'a Shared<A>,
    // Taken by the first poll that has budget.
    msg: Option<Envelope<A>>,
    slow: Option<SlowSend<'a>>,
}

// The message is only ever moved, never pinned.
impl<A: Actor> Unpin for SendFuture<'_, A> {}

impl<'a, A: Actor> SendFuture<'a, A> {
    fn new(actor: &'a ActorRef<A>, msg: Envelope<A>) -> Self {
        SendFuture {
            shared: &actor.shared,
            msg: Some(msg),
            slow: None,
        }
    }
}

impl<'a, A: Actor> Future for SendFuture<'a, A> {
    type Output = Result<(), CastError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        poll_send(this.shared, &mut this.msg, |msg| msg, &mut this.slow, cx)
    }
}

/// The body of [`SendFuture::poll`], shared with the protocol-typed ports
/// ([`crate::codegen::Port`]): `msg` is taken (and wrapped into an envelope) by the first
/// poll that has budget.
pub(crate) fn poll_send<'a, A: Actor, M>(
    shared: &'a Shared<A>,
    msg: &mut Option<M>,
    wrap: impl FnOnce(M) -> Envelope<A>,
    slow: &mut Option<SlowSend<'a>>,
    cx: &mut std::task::Context<'_>,
) -> Poll<Result<(), CastError>> {
    if let Some(slow) = slow {
        return slow.as_mut().poll(cx);
    }
    // A send takes a unit of tokio's budget, yielding once the task has used it up: a send
    // that completes at once (room, a refusal, an eviction, an exited actor) is otherwise
    // no yield point, and a sender looping on it would starve the receiver (a livelock).
    // One exception: a message queued in a bounded, blocking mailbox of an actor that is
    // already scheduled adds no work to the scheduler (the actor handles it in the run it
    // is woken for) and the bound stops the sender once the actor falls behind, so the
    // budget taken is handed back. A burst to an actor (or round robin to many) is then
    // handled in batches, one task run per actor, instead of one run per 128 messages.
    let budget = std::task::ready!(tokio::task::coop::poll_proceed(cx));
    shared.note_send();
    let msg = wrap(msg.take().expect("SendFuture polled after completion"));
    let mailbox = &shared.mailbox;
    let config = mailbox.config();
    let blocking = config.overflow_policy() == Overflow::Block;
    match mailbox.try_push(msg) {
        Ok(None) if blocking && config.capacity().is_some() => {
            if let Some(waker) = shared.core.waker.take() {
                budget.made_progress();
                waker.wake();
            }
            Poll::Ready(Ok(()))
        }
        Err(PushError::Full(msg)) if blocking => {
            budget.made_progress();
            slow.insert(shared.push_slowly(msg)).as_mut().poll(cx)
        }
        result => {
            budget.made_progress();
            Poll::Ready(shared.delivered(result))
        }
    }
}

/// A mailbox message.
pub(crate) enum Envelope<A: Actor> {
    Call(A::Call, CallChain),
    Cast(A::Cast),
    Info(A::Info),
    /// A trapped exit signal or a DOWN: queued behind the messages its sender sent before,
    /// as Erlang orders all signals between a pair of processes (boxed: rare, and it would
    /// widen every mailbox slot).
    Signal(Box<Signal>),
}

impl<A: Actor> Queued for Envelope<A> {
    fn is_signal(&self) -> bool {
        matches!(self, Envelope::Signal(_))
    }
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

    fn push_ordered(&self, signal: Signal) -> bool {
        match self.mailbox.push_signal(Envelope::Signal(Box::new(signal))) {
            Ok(()) => {
                self.core.waker.wake();
                true
            }
            Err(undelivered) => {
                drop_with_cause(Undelivered::Exited(self.core.id), undelivered);
                false
            }
        }
    }

    fn flush_down(&self, monitor: u64) -> bool {
        self.mailbox.remove_first(|queued| {
            matches!(queued, Envelope::Signal(signal)
                if matches!(&**signal, Signal::Down(down) if down.monitor.id == monitor))
        })
    }

    fn mailbox_overflows(&self) -> u32 {
        self.mailbox.overflows()
    }

    fn type_name(&self) -> &'static str {
        std::any::type_name::<A>()
    }
}

impl<A: Actor> Shared<A> {
    /// Wakes the actor for a queued message and drops the message it evicted, if any.
    #[inline]
    pub(crate) fn accepted(&self, evicted: Accepted<Envelope<A>>) {
        self.core.waker.wake();
        if let Some(evicted) = evicted {
            self.evicted(evicted);
        }
    }

    #[cold]
    fn evicted(&self, evicted: Envelope<A>) {
        overflowed(
            &self.core,
            self.mailbox.config(),
            "evicted the oldest message",
        );
        drop_with_cause(Undelivered::Evicted, evicted);
    }

    /// While a tool watches ([`crate::introspect::timing`]), counts a cast or info message
    /// sent from an actor's callback to this actor.
    #[inline]
    pub(crate) fn note_send(&self) {
        note_send(&self.core);
    }

    /// The slow path of a send: waits for room in a mailbox that blocks.
    fn push_slowly(&self, msg: Envelope<A>) -> SlowSend<'_> {
        Box::pin(async move {
            let result = self.mailbox.push(msg).await;
            self.delivered(result)
        })
    }

    /// A cast queued without waiting when the mailbox takes it at once; under
    /// [`Overflow::Block`], a full mailbox gives the message to a future that waits for room,
    /// made from the handle `owned` returns (called on that path only).
    pub(crate) fn cast_now(&self, msg: A::Cast, owned: impl FnOnce() -> Arc<Self>) -> CastNow {
        self.note_send();
        let mailbox = &self.mailbox;
        match mailbox.try_push(Envelope::Cast(msg)) {
            Err(PushError::Full(msg)) if mailbox.config().overflow_policy() == Overflow::Block => {
                CastNow::Wait(owned().push_owned(msg))
            }
            result => CastNow::Done(self.delivered(result)),
        }
    }

    /// The slow path of [`cast_now`](Self::cast_now): waits for room, owning the handle.
    #[cold]
    fn push_owned(self: Arc<Self>, msg: Envelope<A>) -> SlowSend<'static> {
        Box::pin(async move {
            let result = self.mailbox.push(msg).await;
            self.delivered(result)
        })
    }

    pub(crate) fn delivered(
        &self,
        result: Result<Accepted<Envelope<A>>, PushError<Envelope<A>>>,
    ) -> Result<(), CastError> {
        let (refusal, msg) = match result {
            Ok(evicted) => {
                self.accepted(evicted);
                return Ok(());
            }
            Err(PushError::Full(msg)) => (Refusal::Full, msg),
            Err(PushError::Dropped(msg)) => (Refusal::Dropped, msg),
            Err(PushError::Closed(msg)) => (Refusal::Closed, msg),
        };
        let (cause, error) = refused(&self.core, self.mailbox.config(), refusal);
        drop_with_cause(cause, msg);
        Err(error)
    }
}

/// A cast offered to a mailbox without waiting ([`ActorRef::cast_now`],
/// [`Port::cast_now`](crate::codegen::Port::cast_now)): what a sender that may not block its
/// own loop on an `async` send gets (a node serving remote casts).
#[must_use = "a cast that waits for room is only queued once its future is awaited"]
pub enum CastNow {
    /// Queued, or refused (a full mailbox that does not block, an exited actor): the
    /// cast's outcome, as [`ActorRef::cast`] would have returned it.
    Done(Result<(), CastError>),
    /// The mailbox is full and blocks (`Overflow::Block`): this future queues the message
    /// once there is room (or fails when the actor exits), as awaiting [`ActorRef::cast`]
    /// would have.
    Wait(Pin<Box<dyn Future<Output = Result<(), CastError>> + Send + 'static>>),
}

impl CastNow {
    /// The cast's outcome, waiting for room if the mailbox blocks.
    pub async fn finish(self) -> Result<(), CastError> {
        match self {
            CastNow::Done(result) => result,
            CastNow::Wait(wait) => wait.await,
        }
    }
}

impl fmt::Debug for CastNow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CastNow::Done(result) => f.debug_tuple("Done").field(result).finish(),
            CastNow::Wait(_) => f.write_str("Wait"),
        }
    }
}

/// Why a mailbox did not take a cast or info message (the message aside).
enum Refusal {
    Full,
    Dropped,
    Closed,
}

/// What a refused message is dropped with, and the error its sender gets (reported as a
/// `debug` event when the mailbox overflowed).
fn refused(core: &Core, config: MailboxConfig, refusal: Refusal) -> (Undelivered, CastError) {
    match refusal {
        Refusal::Full => {
            overflowed(core, config, "refused a message");
            (Undelivered::Evicted, CastError::MailboxFull)
        }
        Refusal::Dropped => {
            overflowed(core, config, "dropped a message");
            (Undelivered::Evicted, CastError::Dropped)
        }
        Refusal::Closed => {
            let reason = core.exiting_reason().unwrap_or(ExitReason::Normal);
            (Undelivered::Exited(core.id), CastError::Exited(reason))
        }
    }
}

/// While a tool watches ([`crate::introspect::timing`]), counts a cast or info message sent
/// from an actor's callback to the actor of `core`.
#[inline]
fn note_send(core: &Core) {
    if crate::stats::timing()
        && let Some(sender) = lineage::current_actor()
    {
        crate::stats::count_edge(sender, core.id, crate::stats::EdgeKind::Cast);
    }
}

/// Reports a mailbox overflow as a `debug` event (cold: off the send path; the mailbox
/// counts it).
#[cold]
fn overflowed(core: &Core, config: MailboxConfig, what: &'static str) {
    tracing::debug!(
        actor = %core.id,
        name = core.name.as_deref().unwrap_or(""),
        capacity = ?config.capacity(),
        "mailbox full: {what}"
    );
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

    /// The reason of an actor whose mailbox is closed (it is set before the mailbox closes).
    pub(crate) async fn exit_reason_soon(&self) -> ExitReason {
        self.shared.core.exit_reason_soon().await
    }

    #[inline]
    fn note_send(&self) {
        self.shared.note_send()
    }

    fn delivered(
        &self,
        result: Result<Accepted<Envelope<A>>, PushError<Envelope<A>>>,
    ) -> Result<(), CastError> {
        self.shared.delivered(result)
    }

    /// Casts a request: queues it, waiting for room if the mailbox is full under
    /// [`Overflow::Block`](crate::Overflow::Block).
    pub fn cast(&self, msg: A::Cast) -> impl Future<Output = Result<(), CastError>> + Send + '_ {
        SendFuture::new(self, Envelope::Cast(msg))
    }

    /// Casts a request if it can be queued without waiting.
    pub fn try_cast(&self, msg: A::Cast) -> Result<(), CastError> {
        self.note_send();
        let result = self.shared.mailbox.try_push(Envelope::Cast(msg));
        self.delivered(result)
    }

    /// Casts a request without waiting for room: queued (or refused) at once, or, when the
    /// mailbox is full and blocks ([`Overflow::Block`](crate::Overflow::Block)), a future
    /// that queues it once there is room ([`CastNow`]). What [`cast`](Self::cast) does,
    /// minus the `async` state machine on the common path.
    pub fn cast_now(&self, msg: A::Cast) -> CastNow {
        self.shared.cast_now(msg, || self.shared.clone())
    }

    /// Sends an info message, waiting for room under
    /// [`Overflow::Block`](crate::Overflow::Block).
    pub fn send(&self, msg: A::Info) -> impl Future<Output = Result<(), CastError>> + Send + '_ {
        SendFuture::new(self, Envelope::Info(msg))
    }

    /// Sends an info message if it can be queued without waiting.
    pub fn try_send(&self, msg: A::Info) -> Result<(), CastError> {
        self.note_send();
        let result = self.shared.mailbox.try_push(Envelope::Info(msg));
        self.delivered(result)
    }
}

impl ActorCell {
    /// The typed handle, if the actor is an `A`.
    pub fn downcast<A: Actor>(&self) -> Option<ActorRef<A>> {
        let any: Arc<dyn Any + Send + Sync> = self.0.clone();
        any.downcast::<Shared<A>>().ok().map(ActorRef::from_shared)
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
