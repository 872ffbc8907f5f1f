//! Arbor across machines, on NATS.
//!
//! The same generated clients reach actors of other nodes: a [`Node`] is this process's
//! connection to the cluster; it [`export`](Node::export)s local actors under cluster-wide
//! names and hands out [`remote`](Node::remote) targets for actors other nodes export. A call
//! is a NATS request, a cast a publish; the caller chain travels with the request, so a cycle
//! of calls through several nodes fails at once with `CallError::Deadlock`.
//!
//! Generated code uses [`wire`]; users use [`Node`] and its options.

pub mod wire;

mod node;

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
