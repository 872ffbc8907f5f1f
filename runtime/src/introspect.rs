//! Introspection: a snapshot of a whole supervision tree that a tool can print.
//!
//! [`snapshot`] asks each supervisor in the tree for its children (one call per supervisor,
//! made from outside, so no supervisor waits on another) and records, for every node, its id,
//! kind, restart type and restart count, whether it runs, and its mailbox length. The
//! [`TreeNode`]'s `Display` draws the tree.
//!
//! ```
//! use arbor::introspect::snapshot;
//! use arbor::supervisor::{ChildSpec, DynamicSupervisorSpec, Strategy, SupervisorSpec};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = SupervisorSpec::new(Strategy::OneForOne)
//!     .name("app")
//!     .child(ChildSpec::supervisor("sessions", DynamicSupervisorSpec::new()))
//!     .start()
//!     .await
//!     .unwrap();
//! let tree = snapshot(&app.cell()).await;
//! assert_eq!(tree.children[0].id.as_deref(), Some("sessions"));
//! let drawing = tree.to_string();
//! assert!(drawing.starts_with("app"));
//! assert!(drawing.contains("└─ sessions"));
//! # }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use crate::call::CallError;
use crate::cell::ActorCell;
use crate::exit::ExitReason;
use crate::lineage::ActorId;
use crate::mailbox::MailboxConfig;
pub use crate::stats::{
    ActorStats, DEADLOCKS_KEPT, DeadlockRecording, DetectedDeadlock, EdgeKind, deadlocks_after,
    record_deadlocks, set_timing, take_edges, timing,
};
pub use crate::supervisor::ChildEntry;
use crate::supervisor::{
    ChildError, ChildKind, ChildSelector, ChildStatus, DynamicCall, DynamicSupervisor,
    DynamicSupervisorRef, Restart, Supervisor, SupervisorCall, SupervisorRef,
};

/// What a node of the tree is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// A static supervisor.
    Supervisor,
    /// A dynamic (or task) supervisor.
    DynamicSupervisor,
    /// Any other actor.
    Worker,
    /// A registry of the tree: not a process, but a child of its supervisor in the spec (and
    /// in `arbor graph`); generated `snapshot()`s list it where the spec has it.
    Registry,
}

/// Whether a node runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeStatus {
    /// Running.
    Running,
    /// Waiting for another restart attempt.
    Restarting,
    /// Not running (ignored, terminated, or exited).
    Stopped,
}

/// One node of a [`snapshot`]: an actor and, for supervisors, its children.
#[derive(Clone, Debug)]
pub struct TreeNode {
    /// The child id in its supervisor (`None` for the root and dynamic children).
    pub id: Option<Arc<str>>,
    /// The actor, if it runs.
    pub actor: Option<ActorId>,
    /// The actor's name, if it has one.
    pub name: Option<String>,
    /// Supervisor, dynamic supervisor or worker.
    pub kind: NodeKind,
    /// Its restart type (`None` for the root).
    pub restart: Option<Restart>,
    /// How many times its supervisor restarted it.
    pub restarts: u32,
    /// Running, restarting or stopped.
    pub status: NodeStatus,
    /// Messages waiting in its mailbox.
    pub mailbox_len: usize,
    /// Its mailbox's capacity and overflow policy (`None` when it does not run).
    pub mailbox: Option<MailboxConfig>,
    /// Its counters ([`ActorCell::stats`]; zero when it does not run).
    pub stats: ActorStats,
    /// Why its last incarnation exited, when its supervisor saw it exit (static supervisors).
    pub last_exit: Option<ExitReason>,
    /// The actor, if it runs.
    pub cell: Option<ActorCell>,
    /// Its children, in start order (for supervisors).
    pub children: Vec<TreeNode>,
}

impl TreeNode {
    /// Nodes in the tree, this one included.
    pub fn len(&self) -> usize {
        1 + self.children.iter().map(TreeNode::len).sum::<usize>()
    }

    /// Always `false`: a tree has at least its root.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The node of actor `actor` and its parent node (`None` for the root), depth first.
    pub fn find_actor(&self, actor: ActorId) -> Option<(&TreeNode, Option<&TreeNode>)> {
        if self.actor == Some(actor) {
            return Some((self, None));
        }
        for child in &self.children {
            if child.actor == Some(actor) {
                return Some((child, Some(self)));
            }
            if let Some(found) = child.find_actor(actor) {
                return Some(found);
            }
        }
        None
    }

    /// A registry named `id` (`keys`: how it keys, e.g. "unique keys"), for
    /// [`TreeNode::insert`].
    pub fn registry(id: &str, keys: &str) -> TreeNode {
        TreeNode {
            id: Some(Arc::from(id)),
            actor: None,
            name: Some(keys.to_owned()),
            kind: NodeKind::Registry,
            restart: None,
            restarts: 0,
            status: NodeStatus::Running,
            mailbox_len: 0,
            mailbox: None,
            stats: ActorStats::default(),
            last_exit: None,
            cell: None,
            children: Vec::new(),
        }
    }

    /// Inserts `node` as the `index`-th child (at most the last) of the supervisor found by
    /// following the child ids of `path` from this node; nothing when the path is not there.
    pub fn insert(&mut self, path: &[&str], index: usize, node: TreeNode) {
        let mut at = self;
        for id in path {
            match at
                .children
                .iter_mut()
                .find(|c| c.id.as_deref() == Some(*id))
            {
                Some(child) => at = child,
                None => return,
            }
        }
        let index = index.min(at.children.len());
        at.children.insert(index, node);
    }

    /// The first node (depth first) with child id `id`.
    pub fn find(&self, id: &str) -> Option<&TreeNode> {
        if self.id.as_deref() == Some(id) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(id))
    }
}

/// Takes a snapshot of the tree rooted at `root` (any actor; a worker is a one-node tree).
pub async fn snapshot(root: &ActorCell) -> TreeNode {
    let mut node = leaf(root, None);
    fill(&mut node, root.clone()).await;
    node
}

fn kind_of(cell: &ActorCell) -> NodeKind {
    if cell.downcast::<Supervisor>().is_some() {
        NodeKind::Supervisor
    } else if cell.downcast::<DynamicSupervisor>().is_some() {
        NodeKind::DynamicSupervisor
    } else {
        NodeKind::Worker
    }
}

fn leaf(cell: &ActorCell, entry: Option<&ChildEntry>) -> TreeNode {
    TreeNode {
        id: entry.and_then(|e| e.id.clone()),
        actor: Some(cell.id()),
        name: cell.name().map(str::to_owned),
        kind: kind_of(cell),
        restart: entry.map(|e| e.restart),
        restarts: entry.map_or(0, |e| e.restarts),
        status: if cell.is_alive() {
            NodeStatus::Running
        } else {
            NodeStatus::Stopped
        },
        mailbox_len: cell.mailbox_len(),
        mailbox: Some(cell.mailbox_config()),
        stats: cell.stats(),
        last_exit: entry.and_then(|e| e.last_exit.clone()),
        cell: Some(cell.clone()),
        children: Vec::new(),
    }
}

/// Fills a supervisor node's children (recursively; boxed because it recurses).
fn fill(node: &mut TreeNode, cell: ActorCell) -> BoxFuture<'_, ()> {
    Box::pin(async move {
        let entries = if let Some(sup) = cell.downcast::<Supervisor>() {
            sup.call(SupervisorCall::Entries).await
        } else if let Some(sup) = cell.downcast::<DynamicSupervisor>() {
            sup.call(DynamicCall::Entries).await
        } else {
            return;
        };
        // A supervisor that exited or did not answer in time shows without children.
        for entry in entries.unwrap_or_default() {
            let mut child = match &entry.cell {
                Some(cell) => leaf(cell, Some(&entry)),
                None => TreeNode {
                    id: entry.id.clone(),
                    actor: None,
                    name: None,
                    kind: match entry.kind {
                        ChildKind::Worker => NodeKind::Worker,
                        ChildKind::Supervisor => NodeKind::Supervisor,
                    },
                    restart: Some(entry.restart),
                    restarts: entry.restarts,
                    status: match entry.status {
                        ChildStatus::Restarting => NodeStatus::Restarting,
                        _ => NodeStatus::Stopped,
                    },
                    mailbox_len: 0,
                    mailbox: None,
                    stats: ActorStats::default(),
                    last_exit: entry.last_exit.clone(),
                    cell: None,
                    children: Vec::new(),
                },
            };
            if let Some(cell) = entry.cell {
                fill(&mut child, cell).await;
            }
            node.children.push(child);
        }
    })
}

impl TreeNode {
    fn label(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == NodeKind::Registry {
            let id = self.id.as_deref().unwrap_or("?");
            return match &self.name {
                Some(keys) => write!(f, "{id} (registry, {keys})"),
                None => write!(f, "{id} (registry)"),
            };
        }
        // A dynamic child has neither id nor name: its actor id names it, once.
        let named_by_actor = self.id.is_none() && self.name.is_none();
        match (&self.id, &self.name, self.actor) {
            (Some(id), _, _) => f.write_str(id)?,
            (None, Some(name), _) => f.write_str(name)?,
            (None, None, Some(actor)) => write!(f, "{actor}")?,
            (None, None, None) => f.write_str("?")?,
        }
        let kind = match self.kind {
            NodeKind::Supervisor => "supervisor",
            NodeKind::DynamicSupervisor => "dynamic supervisor",
            NodeKind::Worker => "worker",
            NodeKind::Registry => "registry",
        };
        write!(f, " ({kind}")?;
        if let Some(restart) = self.restart {
            write!(f, ", {}", format!("{restart:?}").to_lowercase())?;
        }
        f.write_str(")")?;
        match (self.status, self.actor) {
            (NodeStatus::Running, Some(_)) if named_by_actor => {}
            (NodeStatus::Running, Some(actor)) => write!(f, " {actor}")?,
            (NodeStatus::Restarting, _) => f.write_str(" restarting")?,
            _ => f.write_str(" stopped")?,
        }
        if self.mailbox_len > 0 {
            write!(f, " mailbox={}", self.mailbox_len)?;
        }
        if self.restarts > 0 {
            write!(f, " restarts={}", self.restarts)?;
        }
        Ok(())
    }

    fn draw(&self, f: &mut fmt::Formatter<'_>, prefix: &str) -> fmt::Result {
        let count = self.children.len();
        for (i, child) in self.children.iter().enumerate() {
            let last = i + 1 == count;
            write!(f, "\n{prefix}{}", if last { "└─ " } else { "├─ " })?;
            child.label(f)?;
            let deeper = format!("{prefix}{}", if last { "   " } else { "│  " });
            child.draw(f, &deeper)?;
        }
        Ok(())
    }
}

impl fmt::Display for TreeNode {
    /// The tree, one node per line, drawn with box characters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.label(f)?;
        self.draw(f, "")
    }
}

/// Why a tool could not act on a child ([`terminate_child`], [`restart_child`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// The parent is not a supervisor (or the node is the root).
    #[error("the actor is not the child of a supervisor")]
    NotSupervised,
    /// Only a static supervisor restarts a child on request.
    #[error("a dynamic supervisor's child cannot be restarted on request")]
    Unsupported,
    /// The supervisor refused.
    #[error(transparent)]
    Child(#[from] ChildError),
    /// The supervisor did not answer.
    #[error(transparent)]
    Call(#[from] CallError),
}

/// Stops `child`, a child of the supervisor `parent` (both from one [`snapshot`]), as its
/// supervisor does (`terminate_child`): with its shutdown mode, and not restarted.
pub async fn terminate_child(parent: &ActorCell, child: &TreeNode) -> Result<(), ControlError> {
    if let Some(sup) = parent.downcast::<Supervisor>() {
        let id = child.id.clone().ok_or(ControlError::NotSupervised)?;
        sup.call_timeout(ADMIN_TIMEOUT, |r| {
            SupervisorCall::TerminateChild(ChildSelector::Id(id), r)
        })
        .await??;
        Ok(())
    } else if let Some(sup) = parent.downcast::<DynamicSupervisor>() {
        let actor = child.actor.ok_or(ControlError::NotSupervised)?;
        sup.call_timeout(ADMIN_TIMEOUT, |r| {
            DynamicCall::TerminateChild(ChildSelector::Actor(actor), r)
        })
        .await??;
        Ok(())
    } else {
        Err(ControlError::NotSupervised)
    }
}

/// Restarts `child` of the static supervisor `parent`: `terminate_child`, then
/// `restart_child` (OTP's pair; the restart count does not change: the supervisor did not
/// restart it after a failure). Returns the new incarnation, if it started.
pub async fn restart_child(
    parent: &ActorCell,
    child: &TreeNode,
) -> Result<Option<ActorCell>, ControlError> {
    let Some(sup) = parent.downcast::<Supervisor>() else {
        return Err(if parent.downcast::<DynamicSupervisor>().is_some() {
            ControlError::Unsupported
        } else {
            ControlError::NotSupervised
        });
    };
    let id = child.id.clone().ok_or(ControlError::NotSupervised)?;
    let again = id.clone();
    sup.call_timeout(ADMIN_TIMEOUT, |r| {
        SupervisorCall::TerminateChild(ChildSelector::Id(id), r)
    })
    .await??;
    Ok(sup
        .call_timeout(ADMIN_TIMEOUT, |r| SupervisorCall::RestartChild(again, r))
        .await??)
}

/// How long [`terminate_child`] and [`restart_child`] wait for the supervisor.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(30);

impl SupervisorRef {
    /// A [`snapshot`] of the tree under this supervisor.
    pub async fn snapshot(&self) -> TreeNode {
        snapshot(&self.cell()).await
    }
}

impl DynamicSupervisorRef {
    /// A [`snapshot`] of the tree under this supervisor.
    pub async fn snapshot(&self) -> TreeNode {
        snapshot(&self.cell()).await
    }
}
