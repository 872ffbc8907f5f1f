//! Arbor across machines, on NATS.
//!
//! The same generated clients reach actors of other nodes: a [`Node`] is this process's
//! connection to the cluster; it [`export`](Node::export)s local actors under cluster-wide
//! names and hands out [`remote`](Node::remote) targets for actors other nodes export. A call
//! is a NATS request, a cast a publish; the caller chain travels with the request, so a cycle
//! of calls through several nodes fails at once with `CallError::Deadlock`.
//!
//! Generated code uses [`wire`]; users use [`Node`] and its options.
//!
//! Beyond calls and casts, a node takes part in the cluster as distributed Erlang does:
//! - **membership**: heartbeats on `<prefix>.<cluster>.nodes.<node>`, the live set
//!   ([`Node::nodes`]), [`NodeEvent`]s ([`Node::node_events`], [`Node::monitor_node`]), an
//!   orderly [`Node::leave`]; a silent node is declared down within
//!   [`MembershipOptions::detection_bound`], and calls in flight to it fail with
//!   `RemoteErrorKind::NodeDown` at once;
//! - **remote monitors** ([`Node::monitor`]): the real exit reason, or `NoConnection`;
//! - **remote links** ([`Node::link_remote`]), both ways;
//! - **global names** ([`Node::register_global`]) on a JetStream key-value bucket;
//! - **process groups** ([`Node::join_group`], [`Node::group_broadcast`], [`Node::group_one`]).
//!
//! See `docs/cluster.md`.

pub mod envelope;
pub mod testing;
pub mod wire;

mod events;
mod failure;
mod global;
mod groups;
mod links;
mod membership;
mod monitor;
mod node;
mod options;
mod remote;

pub use global::{GlobalError, GlobalName, LEASE};
pub use groups::GroupMember;
pub use links::RemoteLink;
pub use membership::{Member, MembershipOptions, NodeDownReason, NodeEvent};
pub use monitor::{DownReason, MonitorError, RemoteDown, RemoteMonitor};
pub use node::{ClusterError, Export, Node, NodeOptions};

/// Why a generated tree's `start_on` failed: the tree did not start, or (once it ran, and
/// then was stopped again) an actor could not be exported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartOnError {
    /// The tree failed to start.
    #[error(transparent)]
    Start(#[from] arbor::supervisor::StartError),
    /// An exported actor could not be served on the cluster.
    #[error("cannot export: {0}")]
    Export(#[from] ClusterError),
}
