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
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use crate::actor::Actor;
use crate::call::{CallError, CallTarget, Queued, Waiting, chain_to, waiting};
use crate::cell::{ActorCell, CellApi, Core};
use crate::exit::ExitReason;
use crate::handle::{ActorRef, CastError, CastNow, Envelope, Shared, SlowSend, poll_send};
use crate::lineage::CallChain;
use crate::remote::RemoteActor;
use crate::reply::ReplyTo;

/// What a port needs of an actor: implemented by the shared block of every actor whose calls
/// and casts convert from `C` and `S` (one vtable per actor and protocol).
pub(crate) trait PortApi<C, S>: Send + Sync + 'static {
    /// The actor's core (id, name, exit).
    fn core(&self) -> &Core;
    /// The actor's untyped handle.
    fn to_cell(self: Arc<Self>) -> ActorCell;
    /// Queues a call message (see `Shared::offer_call`); `owner` is the port's handle of this
    /// very actor, which the slow path keeps.
    fn push_call(&self, owner: &Erased<C, S>, msg: C, chain: CallChain) -> Queued;
    /// Polls a cast on its way into the mailbox (see `handle::poll_send`).
    fn poll_cast<'a>(
        &'a self,
        msg: &mut Option<S>,
        slow: &mut Option<SlowSend<'a>>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Result<(), CastError>>;
    /// Queues a cast if it can be without waiting.
    fn try_cast(&self, msg: S) -> Result<(), CastError>;
    /// Offers a cast without waiting (see [`Port::cast_now`]); `owner` is the port's handle
    /// of this very actor, which the slow path keeps.
    fn cast_now(&self, owner: &Erased<C, S>, msg: S) -> CastNow;
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

    fn push_call(&self, owner: &Erased<C, S>, msg: C, chain: CallChain) -> Queued {
        match self.offer_call(A::Call::from(msg), chain) {
            Ok(queued) => queued,
            // Rare: the typed handle is found again through the untyped one.
            Err(msg) => match owner.clone().to_cell().downcast::<A>() {
                Some(actor) => Queued::Slow(actor.shared.slow_push(msg)),
                None => unreachable!("a port's handle is the handle of its actor"),
            },
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

    fn cast_now(&self, owner: &Erased<C, S>, msg: S) -> CastNow {
        Shared::cast_now(self, A::Cast::from(msg), || {
            // Rare: the typed handle is found again through the untyped one.
            match owner.clone().to_cell().downcast::<A>() {
                Some(actor) => actor.shared,
                None => unreachable!("a port's handle is the handle of its actor"),
            }
        })
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
    /// the reply at most `timeout` (as [`ActorRef::call_timeout`]). Inline: generated client
    /// methods return this future as theirs (no `async fn` around it to inline it into).
    #[inline]
    pub fn call<T: Send + 'static>(
        &self,
        timeout: Duration,
        make: impl FnOnce(ReplyTo<T>) -> C,
    ) -> impl Future<Output = Result<T, CallError>> + Send + '_
    where
        C: Send,
    {
        let (reply_to, rx) = ReplyTo::channel();
        PortCall {
            port: self,
            msg: Some(make(reply_to)),
            resolved: None,
            wait: waiting(rx, timeout),
        }
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

    /// Casts to the actor without waiting for room: queued (or refused) at once, or, when its
    /// mailbox is full and blocks ([`Overflow::Block`](crate::Overflow::Block)), a future that
    /// queues it once there is room ([`CastNow`]). What [`cast`](Self::cast) does, minus the `async` state machine
    /// on the common path: a node serving remote casts uses it.
    pub fn cast_now(&self, msg: S) -> CastNow {
        match self.resolve() {
            Ok(port) => port.cast_now(&*port, msg),
            Err(reason) => CastNow::Done(Err(CastError::Exited(reason))),
        }
    }

    /// Casts to the actor if the message can be queued without waiting.
    pub fn try_cast(&self, msg: S) -> Result<(), CastError> {
        let port = self.resolve().map_err(CastError::Exited)?;
        port.try_cast(msg)
    }
}

impl<C: 'static, S: 'static> CallTarget for Erased<C, S> {
    fn core(&self) -> &Core {
        (**self).core()
    }

    fn cell(&self) -> ActorCell {
        self.clone().to_cell()
    }
}

pin_project_lite::pin_project! {
    /// A call through a port: resolved and queued when first polled (the vtable's push is the
    /// only step that knows the actor), then [`Waiting`] as a call on an [`ActorRef`].
    struct PortCall<'a, C: 'static, S: 'static, T, Y> {
        port: &'a Port<C, S>,
        // Taken when queued.
        msg: Option<C>,
        resolved: Option<Cow<'a, Erased<C, S>>>,
        #[pin]
        wait: Waiting<T, Y>,
    }
}

impl<C: 'static, S: 'static, T, Y: Future<Output = ()>> Future for PortCall<'_, C, S, T, Y> {
    type Output = Result<T, CallError>;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if let Some(msg) = this.msg.take() {
            let port: &Erased<C, S> = match this.port.resolve() {
                Ok(port) => this.resolved.insert(port),
                Err(reason) => return Poll::Ready(Err(CallError::Exited(reason))),
            };
            let queued = match chain_to(port.core()) {
                Ok(chain) => port.push_call(port, msg, chain),
                Err(e) => Queued::Failed(e),
            };
            if let Err(e) = this.wait.as_mut().start(queued) {
                return Poll::Ready(Err(e));
            }
        }
        match this.resolved.as_deref() {
            Some(port) => this.wait.poll_reply(cx, port),
            None => Poll::Pending,
        }
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
