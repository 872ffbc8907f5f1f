//! Protocol-typed ports: where a generated client sends, typed by the protocol's messages
//! (its `Call` and `Cast` enums) rather than by the actor serving them.
//!
//! Why: a client typed by its actor (`Client<Ledger>`) names that actor's type, whose context
//! holds the clients of *its* dependencies, and so on: on a chain of N calls the types nest N
//! deep. The compiler walks that nesting (debuginfo, layouts) recursively, which costs time
//! and memory per actor and overflows rustc's stack on long chains. A [`Port`] names only the
//! message types; the actor behind it is erased once, when the port is made from an
//! [`ActorRef`] or a [`Target`](crate::codegen::Target), behind a small vtable ([`PortApi`]). The call and cast
//! paths are compiled once per protocol (and reply type), not once per actor.
//!
//! Cost on the hot path: one indirect call per message (the push into the mailbox); the
//! call's wait for its reply is the same code as [`ActorRef::call`]'s.

use std::borrow::Cow;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use crate::actor::Actor;
use crate::call::{CallError, Deadline, interpret};
use crate::cell::{ActorCell, CellApi, Core};
use crate::exit::ExitReason;
use crate::handle::{ActorRef, CastError, Envelope, Shared, SlowSend, poll_send};
use crate::lineage::CallChain;
use crate::mailbox::{Overflow, PushError};
use crate::remote::RemoteActor;
use crate::reply::{ReplyTo, Undelivered, drop_with_cause};

/// What is left of a call that could not be queued at once: waiting for room in a mailbox
/// that blocks, or the failure; it ends with the call's deadline given back.
pub(crate) type SlowCall<'a> =
    Pin<Box<dyn Future<Output = Result<Deadline, CallError>> + Send + 'a>>;

/// What a port needs of an actor: implemented by the shared block of every actor whose calls
/// and casts convert from `C` and `S` (one vtable per actor and protocol).
pub(crate) trait PortApi<C, S>: Send + Sync + 'static {
    /// The actor's core (id, name, exit).
    fn core(&self) -> &Core;
    /// The actor's untyped handle.
    fn to_cell(self: Arc<Self>) -> ActorCell;
    /// Queues a call message: `Ok` with the deadline when it is queued (the actor woken).
    fn push_call(
        &self,
        msg: C,
        chain: CallChain,
        deadline: Deadline,
    ) -> Result<Deadline, SlowCall<'_>>;
    /// Polls a cast on its way into the mailbox (see `handle::poll_send`).
    fn poll_cast<'a>(
        &'a self,
        msg: &mut Option<S>,
        slow: &mut Option<SlowSend<'a>>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Result<(), CastError>>;
    /// Queues a cast if it can be without waiting.
    fn try_cast(&self, msg: S) -> Result<(), CastError>;
}

impl<A, C, S> PortApi<C, S> for Shared<A>
where
    A: Actor,
    A::Call: From<C>,
    A::Cast: From<S>,
    C: 'static,
    S: 'static,
{
    fn core(&self) -> &Core {
        &self.core
    }

    fn to_cell(self: Arc<Self>) -> ActorCell {
        ActorCell(self as Arc<dyn CellApi>)
    }

    fn push_call(
        &self,
        msg: C,
        chain: CallChain,
        mut deadline: Deadline,
    ) -> Result<Deadline, SlowCall<'_>> {
        let mailbox = &self.mailbox;
        match mailbox.try_push(Envelope::Call(A::Call::from(msg), chain)) {
            Ok(evicted) => {
                self.accepted(evicted);
                Ok(deadline)
            }
            // A full mailbox that blocks, or a closed one: the slow path waits for room, or
            // reports the exit.
            Err(PushError::Full(msg)) if mailbox.config().overflow_policy() == Overflow::Block => {
                Err(Box::pin(async move {
                    self.enqueue_call(msg, &mut deadline).await?;
                    Ok(deadline)
                }))
            }
            Err(PushError::Closed(msg)) => Err(Box::pin(async move {
                self.enqueue_call(msg, &mut deadline).await?;
                Ok(deadline)
            })),
            // Refused at once: still a yield point (see `ActorRef::cooperate`).
            Err(PushError::Full(msg) | PushError::Dropped(msg)) => {
                drop_with_cause(Undelivered::Evicted, msg);
                Err(Box::pin(async {
                    tokio::task::consume_budget().await;
                    Err(CallError::MailboxFull)
                }))
            }
        }
    }

    fn poll_cast<'a>(
        &'a self,
        msg: &mut Option<S>,
        slow: &mut Option<SlowSend<'a>>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Result<(), CastError>> {
        poll_send(
            self,
            msg,
            |msg| Envelope::Cast(A::Cast::from(msg)),
            slow,
            cx,
        )
    }

    fn try_cast(&self, msg: S) -> Result<(), CastError> {
        self.note_send();
        let result = self.mailbox.try_push(Envelope::Cast(A::Cast::from(msg)));
        self.delivered(result)
    }
}

type Erased<C, S> = Arc<dyn PortApi<C, S>>;

/// The reason a message to an actor that does not run fails with (OTP's `noproc`).
pub fn not_running() -> ExitReason {
    ExitReason::error("noproc: the actor is not running")
}
type PortLookup<C, S> = Arc<dyn Fn() -> Option<Erased<C, S>> + Send + Sync>;

enum Inner<C: 'static, S: 'static> {
    Fixed(Erased<C, S>),
    Lookup(PortLookup<C, S>),
    Missing(&'static str),
    Remote(Arc<dyn RemoteActor>),
}

/// Where a generated client sends: an actor serving a protocol whose calls are `C` and
/// casts `S`, whatever the actor's type. Made from a [`Target`](crate::codegen::Target) or an [`ActorRef`] (a fixed
/// actor, a lookup that follows restarts, nothing, an actor of another node), like the
/// target it comes from; a message to an actor that does not run fails with
/// [`CallError::Exited`] / [`CastError::Exited`].
pub struct Port<C: 'static, S: 'static> {
    inner: Inner<C, S>,
}

impl<C: 'static, S: 'static> Port<C, S> {
    /// A port whose every message fails: `why` says why (OTP's `noproc`).
    pub fn missing(why: &'static str) -> Port<C, S> {
        Port {
            inner: Inner::Missing(why),
        }
    }

    /// A port to an actor of another node.
    pub fn remote(actor: impl RemoteActor) -> Port<C, S> {
        Port::remote_shared(Arc::new(actor))
    }

    /// [`Port::remote`] for a transport already shared.
    pub(crate) fn remote_shared(actor: Arc<dyn RemoteActor>) -> Port<C, S> {
        Port {
            inner: Inner::Remote(actor),
        }
    }

    /// A port resolved by `lookup` at each message.
    pub fn lookup<A>(lookup: impl Fn() -> Option<ActorRef<A>> + Send + Sync + 'static) -> Self
    where
        A: Actor,
        A::Call: From<C>,
        A::Cast: From<S>,
    {
        Port {
            inner: Inner::Lookup(Arc::new(move || {
                lookup().map(|actor| actor.shared as Erased<C, S>)
            })),
        }
    }

    /// A port whose actor is given later, through the returned [`PortBinding`]: what two
    /// systems that reach each other's actors need. Until it is bound, a message fails as
    /// one to an actor that is not running.
    pub fn bound_later() -> (Port<C, S>, PortBinding<C, S>) {
        let slot: Arc<std::sync::OnceLock<Port<C, S>>> = Arc::new(std::sync::OnceLock::new());
        let read = slot.clone();
        let port = Port {
            inner: Inner::Lookup(Arc::new(move || {
                read.get()
                    .and_then(|port| port.resolve().ok().map(Cow::into_owned))
            })),
        };
        (port, PortBinding { slot })
    }

    #[inline]
    fn resolve(&self) -> Result<Cow<'_, Erased<C, S>>, ExitReason> {
        match &self.inner {
            Inner::Fixed(actor) => Ok(Cow::Borrowed(actor)),
            Inner::Lookup(lookup) => lookup().map(Cow::Owned).ok_or_else(not_running),
            Inner::Missing(why) => Err(ExitReason::error(*why)),
            Inner::Remote(_) => Err(ExitReason::error(
                "noproc: the actor runs on another node and this protocol does not cross nodes",
            )),
        }
    }

    /// The actor of another node this port reaches, if it is one.
    #[inline]
    pub fn as_remote(&self) -> Option<&dyn RemoteActor> {
        match &self.inner {
            Inner::Remote(remote) => Some(&**remote),
            _ => None,
        }
    }

    /// The actor the port sends to now, if it runs here ([`ActorCell::downcast`] gives its
    /// typed handle).
    pub fn get(&self) -> Option<ActorCell> {
        self.resolve().ok().map(|port| port.into_owned().to_cell())
    }

    /// Calls the actor: `make` builds the call message around its reply channel; waits for
    /// the reply at most `timeout` (as [`ActorRef::call_timeout`]).
    pub async fn call<T: Send + 'static>(
        &self,
        timeout: Duration,
        make: impl FnOnce(ReplyTo<T>) -> C,
    ) -> Result<T, CallError> {
        let port = self.resolve().map_err(CallError::Exited)?;
        call(&**port, timeout, make).await
    }

    /// Casts to the actor: queues the message, waiting for room if its mailbox is full
    /// under [`Overflow::Block`].
    pub async fn cast(&self, msg: S) -> Result<(), CastError> {
        let port = self.resolve().map_err(CastError::Exited)?;
        CastFuture {
            port: &**port,
            msg: Some(msg),
            slow: None,
        }
        .await
    }

    /// Casts to the actor if the message can be queued without waiting.
    pub fn try_cast(&self, msg: S) -> Result<(), CastError> {
        let port = self.resolve().map_err(CastError::Exited)?;
        port.try_cast(msg)
    }
}

/// The call path of a port: the same steps as [`ActorRef::call`]'s hand-written future
/// (queue, one turn for the target, the reply or the deadline), compiled once per protocol
/// and reply type.
async fn call<C: 'static, S: 'static, T: Send + 'static>(
    port: &dyn PortApi<C, S>,
    timeout: Duration,
    make: impl FnOnce(ReplyTo<T>) -> C,
) -> Result<T, CallError> {
    let core = port.core();
    let chain = crate::call::outgoing_chain(core.id, &core.name)?;
    let (reply_to, mut rx) = ReplyTo::channel();
    let mut deadline = match port.push_call(make(reply_to), chain, Deadline::new(timeout)) {
        Ok(deadline) => deadline,
        Err(slow) => slow.await?,
    };
    let mut turn = std::pin::pin!(tokio::task::yield_now());
    let mut turned = false;
    let reply = poll_fn(|cx| {
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
    .await?;
    match reply {
        Some(Ok(value)) => Ok(value),
        // The rest is rare: boxed, out of the call future's state.
        other => Box::pin(interpret(core, other, &mut deadline)).await,
    }
}

/// A cast on its way through a port (see `handle::poll_send`).
struct CastFuture<'a, C: 'static, S: 'static> {
    port: &'a dyn PortApi<C, S>,
    msg: Option<S>,
    slow: Option<SlowSend<'a>>,
}

impl<C: 'static, S: 'static> Unpin for CastFuture<'_, C, S> {}

impl<C: 'static, S: 'static> Future for CastFuture<'_, C, S> {
    type Output = Result<(), CastError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.port.poll_cast(&mut this.msg, &mut this.slow, cx)
    }
}

/// The other end of [`Port::bound_later`]: gives the port its actor once it is known.
pub struct PortBinding<C: 'static, S: 'static> {
    slot: Arc<std::sync::OnceLock<Port<C, S>>>,
}

impl<C: 'static, S: 'static> PortBinding<C, S> {
    /// Binds the port to `port` (the first binding wins); returns whether this one did.
    pub fn bind(&self, port: impl Into<Port<C, S>>) -> bool {
        self.slot.set(port.into()).is_ok()
    }
}

impl<C: 'static, S: 'static> fmt::Debug for PortBinding<C, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortBinding")
            .field("bound", &self.slot.get().is_some())
            .finish()
    }
}

impl<C: 'static, S: 'static> Clone for Port<C, S> {
    fn clone(&self) -> Self {
        Port {
            inner: match &self.inner {
                Inner::Fixed(a) => Inner::Fixed(a.clone()),
                Inner::Lookup(l) => Inner::Lookup(l.clone()),
                Inner::Missing(why) => Inner::Missing(why),
                Inner::Remote(r) => Inner::Remote(r.clone()),
            },
        }
    }
}

impl<C: 'static, S: 'static> fmt::Debug for Port<C, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Fixed(a) => {
                let core = a.core();
                f.debug_tuple("Fixed").field(&core.id).finish()
            }
            Inner::Lookup(_) => f.write_str("Lookup"),
            Inner::Missing(why) => f.debug_tuple("Missing").field(why).finish(),
            Inner::Remote(_) => f.write_str("Remote"),
        }
    }
}

impl<A, C, S> From<ActorRef<A>> for Port<C, S>
where
    A: Actor,
    A::Call: From<C>,
    A::Cast: From<S>,
    C: 'static,
    S: 'static,
{
    fn from(actor: ActorRef<A>) -> Self {
        Port {
            inner: Inner::Fixed(actor.shared as Erased<C, S>),
        }
    }
}
