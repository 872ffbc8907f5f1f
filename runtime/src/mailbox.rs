//! Bounded mailboxes with OTP-minded overflow policies.
//!
//! Every actor has one mailbox for its calls, casts and info messages. It is bounded by
//! default ([`MailboxConfig::DEFAULT_CAPACITY`] messages) and what happens when it is full is
//! the actor's choice ([`Overflow`]): senders wait for room (back-pressure), are refused, or a
//! message is dropped. A call is never lost silently: a call that is refused, dropped or evicted
//! fails at once with [`CallError::MailboxFull`](crate::CallError::MailboxFull).
//!
//! System signals (shutdown, exit signals from links, monitor notifications, inspection) do not
//! go through the mailbox: they have their own queue, are never dropped, and are handled before
//! the next message.
//!
//! The queue is hand-written rather than a tokio channel because tokio's channels cannot evict
//! their oldest message and allocate their buffers up front; an idle actor's empty mailbox
//! allocates nothing here.
//!
//! ```
//! use arbor::{MailboxConfig, Overflow};
//!
//! let config = MailboxConfig::bounded(64).overflow(Overflow::DropOldest);
//! assert_eq!(config.capacity(), Some(64));
//! assert_eq!(MailboxConfig::default().capacity(), Some(1024));
//! assert_eq!(MailboxConfig::unbounded().capacity(), None);
//! ```

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use parking_lot::Mutex;
use tokio::sync::Notify;

/// What a full mailbox does with a new message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Overflow {
    /// The sender waits until there is room (back-pressure). The default.
    #[default]
    Block,
    /// The send fails with a "mailbox full" error.
    Reject,
    /// The new message is dropped (a call dropped this way fails with `MailboxFull`).
    DropNewest,
    /// The oldest queued message is dropped to make room (an evicted call fails with
    /// `MailboxFull`).
    DropOldest,
}

/// An actor's mailbox capacity and overflow policy.
///
/// Set per actor type with [`Actor::mailbox`](crate::Actor::mailbox) and per actor with
/// [`Spawn::mailbox`](crate::Spawn::mailbox).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MailboxConfig {
    /// `usize::MAX` when unbounded (a plain `usize` keeps every mailbox 8 bytes smaller).
    capacity: usize,
    overflow: Overflow,
}

impl MailboxConfig {
    /// The default capacity of a mailbox: 1024 messages.
    pub const DEFAULT_CAPACITY: usize = 1024;

    /// A mailbox holding at most `capacity` messages (at least 1), blocking senders when full.
    pub const fn bounded(capacity: usize) -> MailboxConfig {
        MailboxConfig {
            capacity: if capacity == 0 { 1 } else { capacity },
            overflow: Overflow::Block,
        }
    }

    /// A mailbox without a limit. Use sparingly: a slow actor's queue grows without bound.
    pub const fn unbounded() -> MailboxConfig {
        MailboxConfig {
            capacity: usize::MAX,
            overflow: Overflow::Block,
        }
    }

    /// The same capacity with another overflow policy.
    pub const fn overflow(mut self, overflow: Overflow) -> MailboxConfig {
        self.overflow = overflow;
        self
    }

    /// The capacity, or `None` when unbounded.
    pub const fn capacity(&self) -> Option<usize> {
        if self.capacity == usize::MAX {
            None
        } else {
            Some(self.capacity)
        }
    }

    /// The overflow policy.
    pub const fn overflow_policy(&self) -> Overflow {
        self.overflow
    }
}

impl Default for MailboxConfig {
    fn default() -> Self {
        MailboxConfig::bounded(Self::DEFAULT_CAPACITY)
    }
}

/// Why a message was not queued; the message comes back.
pub(crate) enum PushError<T> {
    /// Full under `Reject` (or under `Block` when the sender may not wait).
    Full(T),
    /// Full under `DropNewest`.
    Dropped(T),
    /// The actor has exited.
    Closed(T),
}

/// What a mailbox holds: messages, and the signals that must keep their order with them (a
/// trapped exit, a DOWN), which no bound or overflow policy may refuse or drop.
pub(crate) trait Queued {
    /// `true` for a signal queued in order with messages.
    fn is_signal(&self) -> bool;
}

struct Queue<T> {
    items: Ring<T>,
    /// Where senders blocked on a full mailbox (`Overflow::Block`) wait for room: created by
    /// the first one (most mailboxes never fill up), shared by all.
    space: Option<Arc<Notify>>,
    /// Senders waiting for room; pops only notify when there are some.
    blocked: u32,
    closed: bool,
}

pub(crate) struct Mailbox<T> {
    // The configuration's two fields, kept apart so that the overflow counter fits in the
    // padding after the policy (the mailbox stays 80 bytes).
    capacity: usize,
    overflow: Overflow,
    /// Messages refused, dropped or evicted because the mailbox was full (not counted:
    /// senders waiting under `Block`), wrapping at 2^32.
    overflowed: AtomicU32,
    queue: Mutex<Queue<T>>,
    len: AtomicUsize,
}

/// A message accepted into the mailbox, and the oldest message it pushed out, if any.
pub(crate) type Accepted<T> = Option<T>;

impl<T: Queued> Mailbox<T> {
    pub(crate) fn new(config: MailboxConfig) -> Mailbox<T> {
        Mailbox {
            capacity: config.capacity,
            overflow: config.overflow,
            overflowed: AtomicU32::new(0),
            queue: Mutex::new(Queue {
                items: Ring::new(),
                space: None,
                blocked: 0,
                closed: false,
            }),
            len: AtomicUsize::new(0),
        }
    }

    pub(crate) fn config(&self) -> MailboxConfig {
        MailboxConfig {
            capacity: self.capacity,
            overflow: self.overflow,
        }
    }

    /// Messages refused, dropped or evicted because the mailbox was full.
    pub(crate) fn overflows(&self) -> u32 {
        self.overflowed.load(Ordering::Relaxed)
    }

    #[cold]
    fn count_overflow(&self) {
        self.overflowed.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Queues `msg` without waiting. Under `Block`, a full mailbox gives `Full` and, when
    /// `register` is set, counts the sender as blocked (the caller then waits on `space`).
    fn push_now(&self, msg: T, register: bool) -> Result<Accepted<T>, PushError<T>> {
        let mut q = self.queue.lock();
        if q.closed {
            return Err(PushError::Closed(msg));
        }
        let full = q.items.len() >= self.capacity;
        let evicted = if full {
            match self.overflow {
                Overflow::Block => {
                    if register {
                        q.blocked += 1;
                    }
                    return Err(PushError::Full(msg));
                }
                Overflow::Reject => {
                    self.count_overflow();
                    return Err(PushError::Full(msg));
                }
                Overflow::DropNewest => {
                    self.count_overflow();
                    return Err(PushError::Dropped(msg));
                }
                Overflow::DropOldest => {
                    self.count_overflow();
                    match q.items.position(|m| !m.is_signal()) {
                        Some(oldest) => q.items.remove(oldest),
                        // Only signals queued: nothing may be dropped for this message.
                        None => return Err(PushError::Dropped(msg)),
                    }
                }
            }
        } else {
            None
        };
        q.items.push_back(msg);
        self.len.store(q.items.len(), Ordering::Release);
        Ok(evicted)
    }

    /// Queues a signal behind the messages already queued, past the bound: an exit signal or
    /// a DOWN is never refused or dropped. `Err` if the actor has exited.
    pub(crate) fn push_signal(&self, signal: T) -> Result<(), T> {
        let mut q = self.queue.lock();
        if q.closed {
            return Err(signal);
        }
        q.items.push_back(signal);
        self.len.store(q.items.len(), Ordering::Release);
        Ok(())
    }

    /// Removes the first queued item `matches` accepts; `true` if there was one.
    pub(crate) fn remove_first(&self, matches: impl Fn(&T) -> bool) -> bool {
        let mut q = self.queue.lock();
        let Some(at) = q.items.position(matches) else {
            return false;
        };
        let removed = q.items.remove(at);
        self.len.store(q.items.len(), Ordering::Release);
        drop(q);
        drop(removed);
        true
    }

    /// Queues `msg` if that is possible without waiting.
    pub(crate) fn try_push(&self, msg: T) -> Result<Accepted<T>, PushError<T>> {
        self.push_now(msg, false)
    }

    /// Queues `msg`, waiting for room under `Block`.
    pub(crate) async fn push(&self, msg: T) -> Result<Accepted<T>, PushError<T>> {
        let mut msg = match self.push_now(msg, false) {
            Err(PushError::Full(msg)) if self.overflow == Overflow::Block => msg,
            other => return other,
        };
        let space = self.queue.lock().space.get_or_insert_default().clone();
        loop {
            let mut notified = pin!(space.notified());
            notified.as_mut().enable();
            match self.push_now(msg, true) {
                Err(PushError::Full(m)) => {
                    let _blocked = Unblock(self);
                    notified.await;
                    msg = m;
                }
                other => return other,
            }
        }
    }

    /// The next message, if any.
    pub(crate) fn pop(&self) -> Option<T> {
        // Only the actor pops; a push racing with this check wakes it again.
        if self.len.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut q = self.queue.lock();
        let item = q.items.pop_front();
        if item.is_some() {
            self.len.store(q.items.len(), Ordering::Release);
            if q.blocked > 0
                && let Some(space) = &q.space
            {
                // Under the lock: cheaper than sharing the Notify out of it, and a waker only
                // schedules its task.
                space.notify_one();
            }
        }
        item
    }

    /// Refuses further messages and hands back the queued ones (the caller drops them where
    /// their reply channels can tell that the actor exited).
    pub(crate) fn close(&self) -> Ring<T> {
        let mut q = self.queue.lock();
        q.closed = true;
        let items = std::mem::take(&mut q.items);
        self.len.store(0, Ordering::Release);
        let space = q.space.take();
        drop(q);
        if let Some(space) = space {
            space.notify_waiters();
        }
        items
    }
}

/// Un-counts a blocked sender when it wakes up or gives up.
struct Unblock<'a, T>(&'a Mailbox<T>);

impl<T> Drop for Unblock<'_, T> {
    fn drop(&mut self) {
        let mut q = self.0.queue.lock();
        q.blocked = q.blocked.saturating_sub(1);
    }
}

/// The mailbox's queue: a ring of slots. Not `VecDeque`, whose generic code (growth,
/// wrap-around copies, removal from the middle) is compiled once per message type, that is
/// once per actor type, and made up an eighth of the code of a system of small actors; this
/// ring's is a handful of small functions. The slots are `Option<T>`, so it needs no unsafe
/// code (the message enums have a spare niche: an `Option` of one is no larger).
pub(crate) struct Ring<T> {
    /// A power of two long (or empty); the queued items are the `len` slots from `head` on,
    /// wrapping around, and every other slot is `None`.
    slots: Box<[Option<T>]>,
    head: usize,
    len: usize,
}

impl<T> Ring<T> {
    fn new() -> Ring<T> {
        Ring {
            slots: Box::new([]),
            head: 0,
            len: 0,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    /// The slot of the `i`-th item.
    #[inline]
    fn slot(&self, i: usize) -> usize {
        (self.head + i) & (self.slots.len() - 1)
    }

    #[inline]
    fn push_back(&mut self, item: T) {
        if self.len == self.slots.len() {
            self.grow();
        }
        let at = self.slot(self.len);
        // The slot is empty: nothing to drop (an assignment would call the slot's drop glue).
        let empty = self.slots[at].replace(item);
        debug_assert!(empty.is_none());
        std::mem::forget(empty);
        self.len += 1;
    }

    #[inline]
    fn pop_front(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let item = self.slots[self.head].take();
        self.head = self.slot(1);
        self.len -= 1;
        item
    }

    /// Doubles the slots (at least 4), the items moved to the front in order.
    #[cold]
    fn grow(&mut self) {
        let mut slots = Vec::with_capacity((self.slots.len() * 2).max(4));
        for i in 0..self.len {
            let at = self.slot(i);
            slots.push(self.slots[at].take());
        }
        slots.resize_with(slots.capacity(), || None);
        self.slots = slots.into_boxed_slice();
        self.head = 0;
    }

    /// The index of the first item `matches` accepts.
    fn position(&self, matches: impl Fn(&T) -> bool) -> Option<usize> {
        let mut i = 0;
        while i < self.len {
            if let Some(item) = &self.slots[self.slot(i)]
                && matches(item)
            {
                return Some(i);
            }
            i += 1;
        }
        None
    }

    /// Removes the `at`-th item; the items behind it move up one place.
    fn remove(&mut self, at: usize) -> Option<T> {
        if at >= self.len {
            return None;
        }
        let item = self.slots[self.slot(at)].take();
        for i in at..self.len - 1 {
            let (here, next) = (self.slot(i), self.slot(i + 1));
            self.slots.swap(here, next);
        }
        self.len -= 1;
        item
    }
}

impl<T> Default for Ring<T> {
    fn default() -> Self {
        Ring::new()
    }
}

#[cfg(test)]
mod ring_tests {
    use super::Ring;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    #[derive(Debug, Clone)]
    enum Op {
        Push(u16),
        Pop,
        Remove(usize),
        RemoveFirstOver(u16),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => any::<u16>().prop_map(Op::Push),
            3 => Just(Op::Pop),
            1 => (0usize..40).prop_map(Op::Remove),
            1 => any::<u16>().prop_map(Op::RemoveFirstOver),
        ]
    }

    fn contents(ring: &mut Ring<u16>) -> Vec<u16> {
        let mut out = Vec::new();
        while let Some(x) = ring.pop_front() {
            out.push(x);
        }
        out
    }

    proptest! {
        /// The ring behaves as `VecDeque` does, through growth and wrap-around.
        #[test]
        fn ring_is_a_fifo_queue(ops in proptest::collection::vec(op(), 0..200)) {
            let (mut ring, mut model) = (Ring::new(), VecDeque::new());
            for op in ops {
                match op {
                    Op::Push(x) => {
                        ring.push_back(x);
                        model.push_back(x);
                    }
                    Op::Pop => prop_assert_eq!(ring.pop_front(), model.pop_front()),
                    Op::Remove(at) => prop_assert_eq!(ring.remove(at), model.remove(at)),
                    Op::RemoveFirstOver(limit) => {
                        let at = ring.position(|&x| x > limit);
                        prop_assert_eq!(at, model.iter().position(|&x| x > limit));
                        if let Some(at) = at {
                            prop_assert_eq!(ring.remove(at), model.remove(at));
                        }
                    }
                }
                prop_assert_eq!(ring.len(), model.len());
            }
            prop_assert_eq!(contents(&mut ring), model.into_iter().collect::<Vec<_>>());
        }
    }
}
