//! Who an actor is, who started it, and who is waiting on the request it handles.
//!
//! Two chains are tracked, both as shared cons lists so that extending them is one small
//! allocation and cloning them is a reference-count increment:
//!
//! - [`Ancestors`]: the actors that started this one, nearest first (the supervision chain,
//!   like Elixir's `$ancestors`).
//! - [`CallChain`]: the actors blocked in a synchronous call whose (possibly nested) handling
//!   led to the current request, nearest first.
//!
//! The call chain is what the runtime deadlock check uses: while an actor's task is polled, a
//! thread-local records its id and the chain of the request being handled, so
//! [`ActorRef::call`](crate::ActorRef::call) made from inside the handler extends that chain
//! without any change to its signature. A call whose target already appears in the chain fails
//! at once with [`CallError::Deadlock`](crate::CallError::Deadlock). Calls made from outside any
//! actor carry an empty chain, which costs nothing.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::num::NonZeroU64;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::Poll;

/// A process-unique actor identifier, like an Erlang pid (never reused).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActorId(NonZeroU64);

impl ActorId {
    pub(crate) fn next() -> ActorId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        ActorId(NonZeroU64::new(n).expect("actor id counter overflowed"))
    }

    /// The numeric value of this id.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Debug for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

struct AncestorNode {
    id: ActorId,
    name: Option<Arc<str>>,
    parent: Ancestors,
}

/// The actors that started an actor, nearest first: its parent (usually a supervisor), the
/// parent's parent, and so on.
#[derive(Clone, Default)]
pub struct Ancestors(Option<Arc<AncestorNode>>);

impl Ancestors {
    /// No ancestors: an actor started from outside any actor.
    pub const fn none() -> Ancestors {
        Ancestors(None)
    }

    /// The lineage of a child of the actor `id` (named `name`) whose own ancestors are `self`.
    pub(crate) fn child_of(id: ActorId, name: Option<Arc<str>>, parent: &Ancestors) -> Ancestors {
        Ancestors(Some(Arc::new(AncestorNode {
            id,
            name,
            parent: parent.clone(),
        })))
    }

    /// The nearest ancestor: the actor that started this one.
    pub fn parent(&self) -> Option<ActorId> {
        self.0.as_ref().map(|n| n.id)
    }

    /// Ancestors nearest first, as `(id, name)`.
    pub fn iter(&self) -> impl Iterator<Item = (ActorId, Option<&str>)> + '_ {
        let mut cur = self.0.as_deref();
        std::iter::from_fn(move || {
            let node = cur?;
            cur = node.parent.0.as_deref();
            Some((node.id, node.name.as_deref()))
        })
    }

    /// Number of ancestors.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// `true` when the actor was started from outside any actor.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// `true` if `id` is one of the ancestors.
    pub fn contains(&self, id: ActorId) -> bool {
        self.iter().any(|(a, _)| a == id)
    }
}

impl fmt::Debug for Ancestors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (id, name) in self.iter() {
            match name {
                Some(name) => list.entry(&format_args!("{id}({name})")),
                None => list.entry(&id),
            };
        }
        list.finish()
    }
}

/// One caller in a [`CallChain`]: an actor of this process, or (for a call that came over the
/// network) an actor of another node, named as that node reported it.
///
/// Two hops are equal when they are the same actor (id and node); the name only describes it.
#[derive(Clone)]
pub struct Hop {
    /// The actor's id on its own node (an [`ActorId`]'s value for a local actor).
    pub id: u64,
    /// The actor's name, when known (remote callers are named by their node).
    pub actor: Option<Arc<str>>,
    /// The node the actor runs on; `None` for this process.
    pub node: Option<Arc<str>>,
}

impl Hop {
    /// An actor of this process.
    pub fn local(id: ActorId) -> Hop {
        Hop {
            id: id.as_u64(),
            actor: None,
            node: None,
        }
    }

    /// `true` if this hop is the local actor `id`.
    pub fn is_local(&self, id: ActorId) -> bool {
        self.node.is_none() && self.id == id.as_u64()
    }
}

impl PartialEq for Hop {
    fn eq(&self, other: &Hop) -> bool {
        self.id == other.id && self.node == other.node
    }
}

impl Eq for Hop {}

impl std::hash::Hash for Hop {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
        self.node.hash(state);
    }
}

impl From<ActorId> for Hop {
    fn from(id: ActorId) -> Hop {
        Hop::local(id)
    }
}

impl PartialEq<ActorId> for Hop {
    fn eq(&self, id: &ActorId) -> bool {
        self.is_local(*id)
    }
}

/// `Name#12@node`: the name and node only when known.
impl fmt::Display for Hop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(actor) = &self.actor {
            f.write_str(actor)?;
        }
        write!(f, "#{}", self.id)?;
        if let Some(node) = &self.node {
            write!(f, "@{node}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Hop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

struct ChainNode {
    /// The caller.
    hop: Hop,
    /// The name of the actor it waits on (the next caller, if that one calls on): how local
    /// hops get their names without the runtime tracking the current actor's name.
    callee: Option<Arc<str>>,
    next: CallChain,
}

/// The actors waiting, directly or through nested calls, on the request being handled: the
/// immediate caller first. A call that came from another node carries that node's callers
/// too (see [`with_callers`]).
#[derive(Clone, Default)]
pub struct CallChain(Option<Arc<ChainNode>>);

impl CallChain {
    /// The empty chain of a call made from outside any actor.
    pub const fn empty() -> CallChain {
        CallChain(None)
    }

    pub(crate) fn push(&self, hop: Hop, callee: Option<Arc<str>>) -> CallChain {
        CallChain(Some(Arc::new(ChainNode {
            hop,
            callee,
            next: self.clone(),
        })))
    }

    /// The name of the actor handling the request this chain belongs to, if known.
    pub(crate) fn callee(&self) -> Option<Arc<str>> {
        self.0.as_ref().and_then(|node| node.callee.clone())
    }

    /// A chain of `hops`, immediate caller first.
    pub fn from_hops(hops: impl IntoIterator<Item = Hop>) -> CallChain {
        let hops: Vec<Hop> = hops.into_iter().collect();
        hops.into_iter()
            .rev()
            .fold(CallChain::empty(), |chain, hop| chain.push(hop, None))
    }

    fn nodes(&self) -> impl Iterator<Item = &ChainNode> + '_ {
        let mut cur = self.0.as_deref();
        std::iter::from_fn(move || {
            let node = cur?;
            cur = node.next.0.as_deref();
            Some(node)
        })
    }

    /// Every caller, immediate caller first, remote ones included; named where the name is
    /// known (a named local actor that called on, every remote hop its node named).
    pub fn hops(&self) -> impl Iterator<Item = Hop> + '_ {
        let mut cur = self.0.as_deref();
        std::iter::from_fn(move || {
            let node = cur?;
            cur = node.next.0.as_deref();
            let mut hop = node.hop.clone();
            if hop.actor.is_none() {
                // The older caller waited on this one: it recorded its name.
                hop.actor = cur.and_then(|older| older.callee.clone());
            }
            Some(hop)
        })
    }

    /// The callers that are actors of this process, immediate caller first.
    pub fn iter(&self) -> impl Iterator<Item = ActorId> + '_ {
        self.nodes()
            .map(|node| &node.hop)
            .filter(|hop| hop.node.is_none())
            .filter_map(|hop| NonZeroU64::new(hop.id).map(ActorId))
    }

    /// `true` if no actor is waiting (a cast, an info message, or a call from outside actors).
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Number of callers in the chain, remote ones included.
    pub fn len(&self) -> usize {
        self.hops().count()
    }

    /// `true` if the local actor `id` is waiting on this request.
    pub fn contains(&self, id: ActorId) -> bool {
        self.nodes().any(|node| node.hop.is_local(id))
    }
}

impl fmt::Debug for CallChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.hops()).finish()
    }
}

thread_local! {
    /// The actor whose task this thread is polling (0: none). Set only while an actor's task
    /// is being polled (see [`with_current`]), so a task spawned by a handler, or any other
    /// task on this thread, never sees it. Kept apart from the chain: a `Cell<u64>` needs no
    /// destructor, so the check every call makes from outside actors is one TLS load.
    static CURRENT_ID: Cell<u64> = const { Cell::new(0) };
    /// The chain of the request that actor is handling.
    static CURRENT_CHAIN: Cell<CallChain> = const { Cell::new(CallChain::empty()) };
}

/// Runs `f` (one poll of actor `id`'s task) with `id` and `chain` as the current actor and
/// call chain. The chain is moved in and back out (changes made with [`set_current_chain`]
/// included), not cloned.
pub(crate) fn with_current<R>(id: ActorId, chain: &mut CallChain, f: impl FnOnce() -> R) -> R {
    struct Restore<'a> {
        previous_id: u64,
        previous_chain: CallChain,
        chain: &'a mut CallChain,
    }
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            CURRENT_ID.set(self.previous_id);
            *self.chain = CURRENT_CHAIN.replace(std::mem::take(&mut self.previous_chain));
        }
    }
    let previous_id = CURRENT_ID.replace(id.as_u64());
    let previous_chain = CURRENT_CHAIN.replace(std::mem::take(chain));
    let _restore = Restore {
        previous_id,
        previous_chain,
        chain,
    };
    f()
}

/// Replaces the current call chain (inside [`with_current`]: the actor task sets the chain of
/// the call it starts handling, and empties it once handled).
pub(crate) fn set_current_chain(chain: CallChain) {
    drop(CURRENT_CHAIN.replace(chain));
}

/// `CURRENT_ID` while a [`WithCallers`] future is polled: no actor, but the callers of a
/// request that came from another node. (Actor ids count up from 1 and never get here.)
const INHERITED: u64 = u64::MAX;

/// Who is calling from this thread: an actor (with the chain of the request it handles), a
/// future run [`with_callers`] (no actor, an inherited chain), or nobody.
pub(crate) enum Caller<'a> {
    Actor(ActorId, &'a CallChain),
    Inherited(&'a CallChain),
}

/// Reads the current caller, if any, without disturbing it.
pub(crate) fn peek<R>(f: impl FnOnce(Option<Caller<'_>>) -> R) -> R {
    let id = CURRENT_ID.get();
    let Some(nonzero) = NonZeroU64::new(id) else {
        return f(None);
    };
    CURRENT_CHAIN.with(|slot| {
        let chain = slot.take();
        let caller = if id == INHERITED {
            Caller::Inherited(&chain)
        } else {
            Caller::Actor(ActorId(nonzero), &chain)
        };
        let result = f(Some(caller));
        slot.set(chain);
        result
    })
}

static TRACKING: AtomicBool = AtomicBool::new(true);

/// Turns caller-chain tracking (and with it runtime deadlock detection) on or off for the
/// whole process. On by default; [`CallError::CallingSelf`](crate::CallError::CallingSelf) is
/// detected either way. Mostly useful to measure what tracking costs.
pub fn set_call_tracking(enabled: bool) {
    TRACKING.store(enabled, Ordering::Relaxed);
}

/// `true` unless [`set_call_tracking`] turned tracking off.
pub fn call_tracking() -> bool {
    TRACKING.load(Ordering::Relaxed)
}

/// The id of the actor whose callback is running on this thread, if any.
pub fn current_actor() -> Option<ActorId> {
    match CURRENT_ID.get() {
        INHERITED => None,
        id => NonZeroU64::new(id).map(ActorId),
    }
}

/// The callers a call to another node carries, immediate caller first: the current actor and
/// the chain of the request it handles (or the inherited chain of a [`with_callers`] future).
/// Empty outside actors, and when tracking is off.
pub fn outgoing_callers() -> Vec<Hop> {
    peek(|caller| match caller {
        None => Vec::new(),
        Some(_) if !call_tracking() => Vec::new(),
        Some(Caller::Actor(id, chain)) => {
            let me = Hop {
                actor: chain.callee(),
                ..Hop::local(id)
            };
            std::iter::once(me).chain(chain.hops()).collect()
        }
        Some(Caller::Inherited(chain)) => chain.hops().collect(),
    })
}

pin_project_lite::pin_project! {
    /// A future run on behalf of callers of another node: see [`with_callers`].
    pub struct WithCallers<F> {
        chain: CallChain,
        #[pin]
        future: F,
    }
}

/// Runs `future` as if the callers in `callers` (immediate caller first) were waiting on it:
/// calls it makes to local actors carry that chain, so a cycle through other nodes fails at
/// once with [`CallError::Deadlock`](crate::CallError::Deadlock) as a local one does. This is how a node serves a call
/// that came over the network; hops of this node must have `node: None`.
pub fn with_callers<F: Future>(callers: Vec<Hop>, future: F) -> WithCallers<F> {
    WithCallers {
        chain: CallChain::from_hops(callers),
        future,
    }
}

impl<F: Future> Future for WithCallers<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let previous_id = CURRENT_ID.replace(INHERITED);
        let previous_chain = CURRENT_CHAIN.replace(this.chain.clone());
        let result = this.future.poll(cx);
        CURRENT_ID.set(previous_id);
        drop(CURRENT_CHAIN.replace(previous_chain));
        result
    }
}

/// The chain of the request the current actor handles (empty outside actors).
pub(crate) fn current_chain() -> CallChain {
    peek(|caller| match caller {
        None => CallChain::empty(),
        Some(Caller::Actor(_, chain) | Caller::Inherited(chain)) => chain.clone(),
    })
}
