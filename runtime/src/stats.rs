//! Counters for tools: the process-wide switch that times actor tasks, the messages counted
//! between actors while it is on, and one actor's [`ActorStats`]. Low in the runtime (the
//! actor task and the handles update them); read through [`crate::introspect`], which
//! re-exports them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::lineage::ActorId;

/// Whether actor tasks measure the time they run (see [`set_timing`]).
static TIMING: AtomicBool = AtomicBool::new(false);

/// Turns the measurement of handler time on or off, process-wide. Off by default: while on,
/// each poll of an actor's task reads the clock twice (tens of nanoseconds per message), and
/// [`ActorStats::busy`] grows by the time the task ran. Tools turn it on while someone looks
/// (the observer: while a page is connected).
pub fn set_timing(on: bool) {
    TIMING.store(on, Ordering::Relaxed);
}

/// Whether handler time is being measured ([`set_timing`]).
#[inline]
pub fn timing() -> bool {
    TIMING.load(Ordering::Relaxed)
}

/// Messages between actors counted while timing is on ([`set_timing`]): a call is counted
/// by the callee (its immediate caller is the chain's first actor), a cast or info message by
/// the sender (the actor whose callback sends it). Drained by [`take_edges`].
static EDGES: parking_lot::Mutex<Option<EdgeCounts>> = parking_lot::Mutex::new(None);

/// Messages per (sender, receiver, kind).
type EdgeCounts = std::collections::HashMap<(ActorId, ActorId, EdgeKind), u64>;

/// Whether an edge counted a call or a cast / info message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// A call (the caller waits).
    Call,
    /// A cast or an info message.
    Cast,
}

#[cold]
pub(crate) fn count_edge(from: ActorId, to: ActorId, kind: EdgeKind) {
    *EDGES
        .lock()
        .get_or_insert_default()
        .entry((from, to, kind))
        .or_insert(0) += 1;
}

/// The messages counted between actors (sender, receiver, kind, count) since the last call,
/// while timing was on. Process-wide: one tool should drain it.
pub fn take_edges() -> Vec<(ActorId, ActorId, EdgeKind, u64)> {
    EDGES
        .lock()
        .take()
        .map(|edges| {
            edges
                .into_iter()
                .map(|((from, to, kind), n)| (from, to, kind, n))
                .collect()
        })
        .unwrap_or_default()
}

/// Counters of one actor's work ([`ActorCell::stats`](crate::ActorCell::stats)). They only grow; a tool computes rates
/// from two readings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ActorStats {
    /// Mailbox messages (calls, casts, info messages) taken out for handling, wrapping at
    /// 2^32 (a tool computes rates with `wrapping_sub` on the low 32 bits).
    pub handled: u64,
    /// Time the actor's task ran while [`timing`] was on: its handlers, `init`, `terminate`
    /// and the few instructions of its loop between them.
    pub busy: Duration,
    /// Messages its full mailbox refused (`Reject`), dropped (`DropNewest`) or evicted
    /// (`DropOldest`), calls included, wrapping at 2^32. Senders waiting under `Block` are
    /// not overflows.
    pub overflowed: u64,
}
