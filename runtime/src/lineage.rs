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
//! at once with [`CallError::Deadlock`]. Calls made from outside any
//! actor carry an empty chain, which costs nothing.

use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::call::CallError;

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

struct ChainNode {
    id: ActorId,
    next: CallChain,
}

/// The actors waiting, directly or through nested calls, on the request being handled: the
/// immediate caller first.
#[derive(Clone, Default)]
pub struct CallChain(Option<Arc<ChainNode>>);

impl CallChain {
    /// The empty chain of a call made from outside any actor.
    pub const fn empty() -> CallChain {
        CallChain(None)
    }

    fn push(&self, id: ActorId) -> CallChain {
        CallChain(Some(Arc::new(ChainNode {
            id,
            next: self.clone(),
        })))
    }

    /// The callers, immediate caller first.
    pub fn iter(&self) -> impl Iterator<Item = ActorId> + '_ {
        let mut cur = self.0.as_deref();
        std::iter::from_fn(move || {
            let node = cur?;
            cur = node.next.0.as_deref();
            Some(node.id)
        })
    }

    /// `true` if no actor is waiting (a cast, an info message, or a call from outside actors).
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Number of callers in the chain.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// `true` if `id` is waiting on this request.
    pub fn contains(&self, id: ActorId) -> bool {
        self.iter().any(|a| a == id)
    }
}

impl fmt::Debug for CallChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
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

/// Reads the current actor and its chain, if any, without disturbing them.
fn peek<R>(f: impl FnOnce(Option<(ActorId, &CallChain)>) -> R) -> R {
    let id = CURRENT_ID.get();
    let Some(id) = NonZeroU64::new(id) else {
        return f(None);
    };
    CURRENT_CHAIN.with(|slot| {
        let chain = slot.take();
        let result = f(Some((ActorId(id), &chain)));
        slot.set(chain);
        result
    })
}

static TRACKING: AtomicBool = AtomicBool::new(true);

/// Turns caller-chain tracking (and with it runtime deadlock detection) on or off for the
/// whole process. On by default; [`CallError::CallingSelf`] is
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
    NonZeroU64::new(CURRENT_ID.get()).map(ActorId)
}

/// The call chain a call to `target` made from the current callback carries, or the error that
/// makes the call fail at once. Outside actors: the empty chain, without allocating.
pub(crate) fn outgoing_chain(target: ActorId) -> Result<CallChain, CallError> {
    peek(|current| {
        let Some((id, chain)) = current else {
            return Ok(CallChain::empty());
        };
        if id == target {
            return Err(CallError::CallingSelf);
        }
        if !call_tracking() {
            return Ok(CallChain::empty());
        }
        if chain.contains(target) {
            // Report the cycle only: from the target's first wait to the call that closes it.
            let mut cycle: Vec<ActorId> = chain.iter().take_while(|&a| a != target).collect();
            cycle.reverse();
            let mut out = Vec::with_capacity(cycle.len() + 3);
            out.push(target);
            out.extend(cycle);
            out.push(id);
            out.push(target);
            return Err(CallError::Deadlock { chain: out });
        }
        Ok(chain.push(id))
    })
}

/// The chain of the request the current actor handles (empty outside actors).
pub(crate) fn current_chain() -> CallChain {
    peek(|current| current.map(|(_, chain)| chain.clone()).unwrap_or_default())
}
