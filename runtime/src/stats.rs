//! Counters for tools: the process-wide switch that times actor tasks, the messages counted
//! between actors while it is on, and one actor's [`ActorStats`]. Low in the runtime (the
//! actor task and the handles update them); read through [`crate::introspect`], which
//! re-exports them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use crate::lineage::{ActorId, Hop};

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

/// Detected deadlocks kept for tools ([`deadlocks_after`]), oldest dropped first.
pub const DEADLOCKS_KEPT: usize = 32;

/// Tools recording detected deadlocks ([`record_deadlocks`]). While it is 0 the runtime keeps
/// none: a detected deadlock costs one relaxed load more than it did (and its `tracing`
/// event).
static DEADLOCK_RECORDERS: AtomicUsize = AtomicUsize::new(0);

/// The last [`DEADLOCKS_KEPT`] deadlocks detected while a tool recorded them, and the number
/// of the last one.
static DEADLOCKS: parking_lot::Mutex<(u64, VecDeque<DetectedDeadlock>)> =
    parking_lot::Mutex::new((0, VecDeque::new()));

/// A call the runtime refused with [`CallError::Deadlock`](crate::CallError::Deadlock): it
/// would have closed a cycle of callers waiting on each other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetectedDeadlock {
    /// Its number in this process (from 1, in the order detected): tools ask for those after
    /// the last they saw ([`deadlocks_after`]).
    pub seq: u64,
    /// When it was detected.
    pub at: SystemTime,
    /// The cycle, as [`CallError::Deadlock`](crate::CallError::Deadlock) lists it: first and
    /// last element the target, each hop calling the next (actors of other nodes carry their
    /// node).
    pub chain: Vec<Hop>,
}

/// Keeps detected deadlocks for [`deadlocks_after`] while the returned guard lives (the
/// observer holds one while it runs). Several tools may hold guards at once.
pub fn record_deadlocks() -> DeadlockRecording {
    DEADLOCK_RECORDERS.fetch_add(1, Ordering::Relaxed);
    DeadlockRecording(())
}

/// Detected deadlocks are kept while one of these lives ([`record_deadlocks`]).
#[derive(Debug)]
pub struct DeadlockRecording(());

impl Drop for DeadlockRecording {
    fn drop(&mut self) {
        DEADLOCK_RECORDERS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The kept deadlocks numbered after `seq` (0: all kept), oldest first. Reading does not
/// drain them: every tool keeps its own last `seq`.
pub fn deadlocks_after(seq: u64) -> Vec<DetectedDeadlock> {
    DEADLOCKS
        .lock()
        .1
        .iter()
        .filter(|d| d.seq > seq)
        .cloned()
        .collect()
}

/// Called by the deadlock check with the cycle it refused: kept only while a tool records.
pub(crate) fn deadlock_detected(chain: &[Hop]) {
    if DEADLOCK_RECORDERS.load(Ordering::Relaxed) > 0 {
        record_deadlock(chain);
    }
}

#[cold]
fn record_deadlock(chain: &[Hop]) {
    let mut log = DEADLOCKS.lock();
    log.0 += 1;
    let seq = log.0;
    if log.1.len() == DEADLOCKS_KEPT {
        log.1.pop_front();
    }
    log.1.push_back(DetectedDeadlock {
        seq,
        at: SystemTime::now(),
        chain: chain.to_vec(),
    });
}
