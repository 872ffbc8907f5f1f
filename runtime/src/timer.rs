//! Timers: deliver an info message after a delay (`erlang:send_after/3`), cancelable.
//!
//! A timer owns its message and a weak reference to the target: a pending timer does not keep
//! an exited actor's memory alive. [`TimerRef::cancel`] reports whether it stopped the timer in
//! time; after a successful cancel the message is never delivered.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use tokio::task::AbortHandle;

use crate::actor::Actor;
use crate::context::Context;
use crate::handle::ActorRef;

const PENDING: u8 = 0;
const FIRED: u8 = 1;
const CANCELLED: u8 = 2;

/// A pending [`send_after`](ActorRef::send_after). Dropping it does not cancel the timer.
#[derive(Debug)]
pub struct TimerRef {
    state: Arc<AtomicU8>,
    task: AbortHandle,
}

impl TimerRef {
    /// Cancels the timer. `true` if it had not fired yet: its message will never be
    /// delivered. `false` if it had already fired (or was already cancelled).
    pub fn cancel(&self) -> bool {
        let cancelled = self
            .state
            .compare_exchange(PENDING, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if cancelled {
            self.task.abort();
        }
        cancelled
    }

    /// `true` until the timer fires or is cancelled.
    pub fn is_pending(&self) -> bool {
        self.state.load(Ordering::Acquire) == PENDING
    }
}

impl<A: Actor> ActorRef<A> {
    /// Sends `msg` as an info message after `delay`. Must be called within a tokio runtime.
    pub fn send_after(&self, delay: Duration, msg: A::Info) -> TimerRef {
        let state = Arc::new(AtomicU8::new(PENDING));
        let fired = state.clone();
        let target = Arc::downgrade(&self.shared);
        let task = tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if fired
                .compare_exchange(PENDING, FIRED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
                && let Some(shared) = target.upgrade()
            {
                let _ = ActorRef::from_shared(shared).send(msg).await;
            }
        });
        TimerRef {
            state,
            task: task.abort_handle(),
        }
    }
}

impl<A: Actor> Context<A> {
    /// Sends this actor an info message after `delay`.
    pub fn send_after(&self, delay: Duration, msg: A::Info) -> TimerRef {
        self.myself.send_after(delay, msg)
    }
}
