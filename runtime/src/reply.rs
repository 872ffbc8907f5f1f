//! [`ReplyTo`]: the typed, single-use reply channel of a call.
//!
//! Each call variant of an actor's protocol embeds a `ReplyTo<T>` for its own reply type, so a
//! handler answers with exactly the type the caller awaits. The handler may answer at once or
//! keep the `ReplyTo` (it is `Send + 'static`) and answer later from any task while the actor
//! goes on serving other messages (OTP's `noreply` + `gen_server:reply/2`).
//!
//! A caller that has given up (timed out, or its future was dropped) never sees a late reply:
//! [`ReplyTo::send`] then hands the value back. A `ReplyTo` dropped without an answer tells
//! the caller why, so that it fails at once with the right
//! [`CallError`](crate::CallError): the handler forgot to answer (`NoReply`), the actor panicked
//! or exited (`Exited`), or the mailbox policy evicted the call (`MailboxFull`). A `ReplyTo`
//! lost elsewhere (a task the handler spawned panicked with it, or another actor holding it
//! exited) fails the call with `NoReply` at once: the target itself may well live on.

use std::cell::Cell;
use std::fmt;

use tokio::sync::oneshot;

use crate::lineage::{self, ActorId};

/// Why a reply channel was dropped without an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Undelivered {
    /// Dropped without an answer by whoever held it: a callback of this actor (`Some`), or
    /// code outside any actor (`None`).
    Dropped(Option<ActorId>),
    /// Dropped while a panic unwound in this actor's task (`None`: outside any actor).
    Panicked(Option<ActorId>),
    /// The call was evicted or dropped by the mailbox's overflow policy.
    Evicted,
    /// This actor exited with the call still queued, or with the `ReplyTo` in its state (or
    /// the `ReplyTo` travelled in a message to it after it exited).
    Exited(ActorId),
}

thread_local! {
    /// Set by the runtime around the drops it causes, so a dropped `ReplyTo` can tell why.
    static DROP_CAUSE: Cell<Option<Undelivered>> = const { Cell::new(None) };
}

/// Drops `value` with `cause` recorded for any `ReplyTo` inside it. A panic in a `Drop`
/// implementation is contained: the runtime is in the middle of its own bookkeeping.
pub(crate) fn drop_with_cause<T>(cause: Undelivered, value: T) {
    with_drop_cause(cause, move || drop(value));
}

/// Runs `f` (which drops something) with `cause` recorded for any `ReplyTo` it drops.
pub(crate) fn with_drop_cause(cause: Undelivered, f: impl FnOnce()) {
    let mut f = Some(f);
    with_drop_cause_dyn(cause, &mut || {
        if let Some(f) = f.take() {
            f()
        }
    });
}

fn with_drop_cause_dyn(cause: Undelivered, f: &mut dyn FnMut()) {
    let previous = DROP_CAUSE.replace(Some(cause));
    let _ = crate::exit::catch_panic(f);
    DROP_CAUSE.set(previous);
}

pub(crate) type ReplyResult<T> = Result<T, Undelivered>;
pub(crate) type ReplyReceiver<T> = oneshot::Receiver<ReplyResult<T>>;

/// Where the answer to one call goes. Answer with [`send`](ReplyTo::send); single use.
#[must_use = "a call's caller waits until its ReplyTo is answered or dropped"]
pub struct ReplyTo<T> {
    tx: Option<oneshot::Sender<ReplyResult<T>>>,
}

impl<T> ReplyTo<T> {
    pub(crate) fn channel() -> (ReplyTo<T>, ReplyReceiver<T>) {
        let (tx, rx) = oneshot::channel();
        (ReplyTo { tx: Some(tx) }, rx)
    }

    /// Answers the call. Gives the value back if the caller is no longer waiting (it timed
    /// out or was cancelled): a late reply is never seen.
    pub fn send(mut self, value: T) -> Result<(), T> {
        match self.tx.take() {
            Some(tx) => tx.send(Ok(value)).map_err(|rejected| match rejected {
                Ok(value) => value,
                Err(_) => unreachable!("only an Ok value was sent"),
            }),
            None => Err(value),
        }
    }

    /// `true` once the caller has stopped waiting: the answer would be thrown away.
    pub fn is_closed(&self) -> bool {
        self.tx.as_ref().is_none_or(|tx| tx.is_closed())
    }

    /// Completes when the caller stops waiting (so a deferred computation can be abandoned).
    pub async fn closed(&mut self) {
        if let Some(tx) = self.tx.as_mut() {
            tx.closed().await;
        }
    }
}

impl<T> Drop for ReplyTo<T> {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            let cause = DROP_CAUSE.get().unwrap_or(if std::thread::panicking() {
                Undelivered::Panicked(lineage::current_actor())
            } else {
                Undelivered::Dropped(lineage::current_actor())
            });
            let _ = tx.send(Err(cause));
        }
    }
}

impl<T> fmt::Debug for ReplyTo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyTo")
            .field("closed", &self.is_closed())
            .finish()
    }
}
