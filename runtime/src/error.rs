//! How a message to an actor fails: [`CallError`] (a call), [`CastError`] (a cast or info
//! message), and [`RemoteError`] (the transport to another node, inside either). Plain data at
//! the bottom of the runtime: every layer above returns them. Re-exported where they are used
//! (`arbor::CallError`, `arbor::CastError`, `arbor::remote::RemoteError`).

use std::fmt;
use std::sync::Arc;

use crate::exit::ExitReason;
use crate::lineage::Hop;

/// Why a call failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No answer within the call's timeout. A late answer is discarded.
    #[error("call timed out")]
    Timeout,
    /// An actor called itself (it would wait on itself forever).
    #[error("an actor called itself")]
    CallingSelf,
    /// The target is already waiting, directly or through nested calls, on the caller. The
    /// chain lists the cycle, ending with the target again (`[A, B, A]`).
    #[error("deadlock: call cycle {}", DisplayCycle(chain))]
    Deadlock {
        /// The cycle of calls, first and last element the target; actors of other nodes
        /// carry their node and name.
        chain: Vec<Hop>,
    },
    /// The target had exited, or exited before answering.
    #[error("the actor exited: {0}")]
    Exited(ExitReason),
    /// The target's mailbox was full and its policy refused or dropped the call.
    #[error("the actor's mailbox is full")]
    MailboxFull,
    /// The handler dropped the call's `ReplyTo` without answering.
    #[error("the actor dropped the call without answering")]
    NoReply,
    /// A call to an actor of another node failed on the way (see [`RemoteError`]'s kinds).
    #[error(transparent)]
    Remote(RemoteError),
}

/// `A#1 -> B#2@n2 -> A#1`.
pub(crate) struct DisplayCycle<'a>(pub(crate) &'a [Hop]);

impl std::fmt::Display for DisplayCycle<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, hop) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" -> ")?;
            }
            std::fmt::Display::fmt(hop, f)?;
        }
        Ok(())
    }
}

/// Why a cast or info message was not delivered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CastError {
    /// The target has exited.
    #[error("the actor exited: {0}")]
    Exited(ExitReason),
    /// The target's mailbox is full and refuses messages (`Reject`, or `Block` for a
    /// non-waiting send).
    #[error("the actor's mailbox is full")]
    MailboxFull,
    /// The target's mailbox is full and dropped the message (`DropNewest`).
    #[error("the actor's mailbox is full; the message was dropped")]
    Dropped,
    /// A cast to an actor of another node could not be sent (see [`RemoteError`]'s kinds).
    #[error(transparent)]
    Remote(RemoteError),
}

/// What went wrong on the way to (or back from) an actor of another node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RemoteErrorKind {
    /// This node is not connected to the cluster (the call was not sent).
    Disconnected,
    /// The node that runs the actor was lost while the call was in flight.
    NodeDown,
    /// The message did not fit the transport's payload limit.
    TooLarge,
    /// The other side could not decode the message, or this side the reply.
    Decode,
    /// The other side does not know the protocol or the message.
    UnknownMessage,
    /// The other side speaks another version of the envelope.
    Version,
    /// The cluster's permissions refused the message.
    Denied,
    /// Any other failure of the transport.
    Transport,
}

impl fmt::Display for RemoteErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RemoteErrorKind::Disconnected => "not connected to the cluster",
            RemoteErrorKind::NodeDown => "the actor's node is down",
            RemoteErrorKind::TooLarge => "message too large",
            RemoteErrorKind::Decode => "message does not decode",
            RemoteErrorKind::UnknownMessage => "unknown protocol or message",
            RemoteErrorKind::Version => "envelope version mismatch",
            RemoteErrorKind::Denied => "refused by the cluster's permissions",
            RemoteErrorKind::Transport => "transport error",
        })
    }
}

/// A failure of the transport to another node: a kind to match on and a detail to read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("remote: {kind}: {detail}")]
pub struct RemoteError {
    kind: RemoteErrorKind,
    detail: Arc<str>,
}

impl RemoteError {
    /// A failure of `kind`, explained by `detail`.
    pub fn new(kind: RemoteErrorKind, detail: impl Into<Arc<str>>) -> RemoteError {
        RemoteError {
            kind,
            detail: detail.into(),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> RemoteErrorKind {
        self.kind
    }

    /// What happened, for people.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}
