//! A failed call as it travels back to the caller: every [`CallError`] the serving side can
//! give, with its structure (the exit reason's variant, the deadlock's hops with their nodes
//! and actor names, the transport error's kind).

use std::sync::Arc;

use arbor::remote::{Hop, RemoteError, RemoteErrorKind};
use arbor::{CallError, ExitReason};
use serde::{Deserialize, Serialize};

/// The serialized form of a [`CallError`]. Variants are only ever added at the end (postcard
/// encodes the variant's index).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Failure {
    Timeout,
    CallingSelf,
    /// `(id, actor, node)` per hop; the node is always named.
    Deadlock(Vec<(u64, Option<String>, String)>),
    Exited(Exit),
    MailboxFull,
    NoReply,
    /// A [`RemoteErrorKind`] (by [`KINDS`] index) and its detail.
    Remote(u8, String),
}

/// An [`ExitReason`], variant by variant.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Exit {
    Normal,
    Shutdown,
    ShutdownWith(String),
    Panic(String),
    Killed,
    Error(String),
}

impl From<&ExitReason> for Exit {
    fn from(reason: &ExitReason) -> Exit {
        match reason {
            ExitReason::Normal => Exit::Normal,
            ExitReason::Shutdown => Exit::Shutdown,
            ExitReason::ShutdownWith(why) => Exit::ShutdownWith(why.to_string()),
            ExitReason::Panic(message) => Exit::Panic(message.to_string()),
            ExitReason::Killed => Exit::Killed,
            ExitReason::Error(why) => Exit::Error(why.to_string()),
        }
    }
}

impl From<Exit> for ExitReason {
    fn from(exit: Exit) -> ExitReason {
        match exit {
            Exit::Normal => ExitReason::Normal,
            Exit::Shutdown => ExitReason::Shutdown,
            Exit::ShutdownWith(why) => ExitReason::shutdown_with(why),
            Exit::Panic(message) => ExitReason::panic(message),
            Exit::Killed => ExitReason::Killed,
            Exit::Error(why) => ExitReason::error(why),
        }
    }
}

/// The kinds in a fixed order: their index is what travels. Only ever append.
const KINDS: [RemoteErrorKind; 8] = [
    RemoteErrorKind::Disconnected,
    RemoteErrorKind::NodeDown,
    RemoteErrorKind::TooLarge,
    RemoteErrorKind::Decode,
    RemoteErrorKind::UnknownMessage,
    RemoteErrorKind::Version,
    RemoteErrorKind::Denied,
    RemoteErrorKind::Transport,
];

fn kind_index(kind: RemoteErrorKind) -> u8 {
    // `Transport` for a kind this version does not know.
    KINDS.iter().position(|k| *k == kind).unwrap_or(7) as u8
}

impl Failure {
    /// `error`, as node `this_node` sends it back; `local_name` names local actors that have
    /// no name in their hop (the exported name they serve under).
    pub fn from_call(
        error: &CallError,
        this_node: &str,
        local_name: impl Fn(u64) -> Option<Arc<str>>,
    ) -> Failure {
        match error {
            CallError::Timeout => Failure::Timeout,
            CallError::CallingSelf => Failure::CallingSelf,
            CallError::Deadlock { chain } => Failure::Deadlock(
                chain
                    .iter()
                    .map(|hop| {
                        let actor = match &hop.node {
                            Some(_) => hop.actor.clone(),
                            None => hop.actor.clone().or_else(|| local_name(hop.id)),
                        };
                        let node = hop.node.as_deref().unwrap_or(this_node);
                        (hop.id, actor.map(|a| a.to_string()), node.to_string())
                    })
                    .collect(),
            ),
            CallError::Exited(reason) => Failure::Exited(reason.into()),
            CallError::MailboxFull => Failure::MailboxFull,
            CallError::NoReply => Failure::NoReply,
            CallError::Remote(e) => Failure::Remote(kind_index(e.kind()), e.detail().to_string()),
        }
    }

    /// A transport error of `kind`.
    pub fn remote(kind: RemoteErrorKind, detail: impl Into<String>) -> Failure {
        Failure::Remote(kind_index(kind), detail.into())
    }

    /// The error the caller on node `this_node` gets: hops of its own node become local.
    pub fn into_call(self, this_node: &str) -> CallError {
        match self {
            Failure::Timeout => CallError::Timeout,
            Failure::CallingSelf => CallError::CallingSelf,
            Failure::Deadlock(hops) => CallError::Deadlock {
                chain: hops
                    .into_iter()
                    .map(|(id, actor, node)| Hop {
                        id,
                        actor: actor.map(Arc::from),
                        node: (node != this_node).then(|| Arc::from(node)),
                    })
                    .collect(),
            },
            Failure::Exited(exit) => CallError::Exited(exit.into()),
            Failure::MailboxFull => CallError::MailboxFull,
            Failure::NoReply => CallError::NoReply,
            Failure::Remote(kind, detail) => CallError::Remote(RemoteError::new(
                KINDS
                    .get(kind as usize)
                    .copied()
                    .unwrap_or(RemoteErrorKind::Transport),
                detail,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire;

    fn round_trip(error: CallError) -> CallError {
        let failure = Failure::from_call(&error, "n1", |id| (id == 1).then(|| "A".into()));
        let bytes = wire::encode(&failure).unwrap();
        wire::decode::<Failure>(&bytes).unwrap().into_call("n2")
    }

    #[test]
    fn exit_reasons_keep_their_variant() {
        for reason in [
            ExitReason::Normal,
            ExitReason::Shutdown,
            ExitReason::shutdown_with("bye"),
            ExitReason::panic("boom"),
            ExitReason::Killed,
            ExitReason::error("bad"),
        ] {
            let back = round_trip(CallError::Exited(reason.clone()));
            assert!(
                matches!(&back, CallError::Exited(r) if *r == reason),
                "{back:?}"
            );
        }
    }

    #[test]
    fn a_deadlock_names_every_hop_with_its_node() {
        let chain = vec![
            Hop {
                id: 1,
                actor: None,
                node: None,
            },
            Hop {
                id: 7,
                actor: Some("B".into()),
                node: Some("n2".into()),
            },
            Hop {
                id: 1,
                actor: None,
                node: None,
            },
        ];
        let CallError::Deadlock { chain } = round_trip(CallError::Deadlock { chain }) else {
            panic!("not a deadlock");
        };
        let named: Vec<String> = chain.iter().map(|h| h.to_string()).collect();
        assert_eq!(named, ["A#1@n1", "B#7", "A#1@n1"]);
    }

    #[test]
    fn transport_kinds_survive() {
        for kind in KINDS {
            let back = round_trip(CallError::Remote(RemoteError::new(kind, "why")));
            assert!(
                matches!(&back, CallError::Remote(e) if e.kind() == kind && e.detail() == "why")
            );
        }
        let unknown = Failure::Remote(200, "?".into()).into_call("n1");
        assert!(matches!(unknown, CallError::Remote(e) if e.kind() == RemoteErrorKind::Transport));
    }
}
