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

mod global;
mod groups;
mod membership;
mod monitor;
mod node;

pub use global::{GlobalError, GlobalName, LEASE};
pub use groups::GroupMember;
pub use membership::{MembershipOptions, NodeDownReason, NodeEvent};
pub use monitor::{DownReason, MonitorError, RemoteDown, RemoteMonitor};
pub use node::{ClusterError, Export, Node, NodeOptions};
