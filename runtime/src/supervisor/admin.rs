//! One administration surface for every kind of supervisor (OTP's `which_children`,
//! `count_children`, `terminate_child`): [`SupervisorAdmin`], implemented by
//! [`SupervisorRef`](super::SupervisorRef), [`DynamicSupervisorRef`](super::DynamicSupervisorRef),
//! [`PartitionSupervisorRef`](super::PartitionSupervisorRef) and
//! [`TaskSupervisorRef`](crate::task::TaskSupervisorRef). Each handle also has the same methods
//! inherent, so the trait is needed only to write code generic over the kind.
//!
//! The answers have the same types whatever the kind: a [`ChildInfo`](super::ChildInfo) per
//! child (a dynamic child's `id` is `None`, OTP's `undefined`), [`ChildCounts`](super::ChildCounts)
//! counted as OTP counts them, and a child is chosen by a [`ChildSelector`]: its id or a
//! reference to its running incarnation.

use std::future::Future;
use std::sync::Arc;

use crate::CallError;
use crate::actor::Actor;
use crate::cell::ActorCell;
use crate::handle::ActorRef;
use crate::lineage::ActorId;

use super::{ChildCounts, ChildError, ChildInfo, ChildRef, FromChild, HasCell};

/// Which child an administration call is about: its id (a static supervisor's children), or
/// a reference to its running incarnation (any supervisor's children).
///
/// Built with `From`: `"id"`, a `String`, an `Arc<str>`, an [`ActorCell`], an [`ActorRef`], an
/// [`ActorId`] or a [`DynamicChild`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ChildSelector {
    /// The child's id in its spec. A dynamic supervisor's children have none: nothing matches.
    Id(Arc<str>),
    /// The child whose running incarnation is this actor.
    Actor(ActorId),
}

impl From<&str> for ChildSelector {
    fn from(id: &str) -> Self {
        ChildSelector::Id(id.into())
    }
}

impl From<&String> for ChildSelector {
    fn from(id: &String) -> Self {
        ChildSelector::Id(id.as_str().into())
    }
}

impl From<String> for ChildSelector {
    fn from(id: String) -> Self {
        ChildSelector::Id(id.into())
    }
}

impl From<Arc<str>> for ChildSelector {
    fn from(id: Arc<str>) -> Self {
        ChildSelector::Id(id)
    }
}

impl From<&Arc<str>> for ChildSelector {
    fn from(id: &Arc<str>) -> Self {
        ChildSelector::Id(id.clone())
    }
}

impl From<ActorId> for ChildSelector {
    fn from(actor: ActorId) -> Self {
        ChildSelector::Actor(actor)
    }
}

impl From<&ActorCell> for ChildSelector {
    fn from(cell: &ActorCell) -> Self {
        ChildSelector::Actor(cell.id())
    }
}

impl<A: Actor> From<&ActorRef<A>> for ChildSelector {
    fn from(actor: &ActorRef<A>) -> Self {
        ChildSelector::Actor(actor.id())
    }
}

impl From<&DynamicChild> for ChildSelector {
    fn from(child: &DynamicChild) -> Self {
        ChildSelector::Actor(child.cell.id())
    }
}

impl ChildSelector {
    /// Whether this selects the child with `id` (if any) running as `cell` (if running).
    pub(crate) fn matches(&self, id: Option<&str>, cell: Option<&ActorCell>) -> bool {
        match self {
            ChildSelector::Id(want) => id == Some(&**want),
            ChildSelector::Actor(want) => cell.is_some_and(|c| c.id() == *want),
        }
    }
}

/// The administration questions every supervisor handle answers, with the same types.
///
/// `start_child` is not here: what a child is started from differs by kind (a [`ChildSpec`]
/// with an id for a static supervisor, one without for a dynamic supervisor, a future for a
/// task supervisor), and so does what it returns.
///
/// [`ChildSpec`]: super::ChildSpec
pub trait SupervisorAdmin {
    /// The supervisor's untyped handle.
    fn cell(&self) -> ActorCell;

    /// One [`ChildInfo`] per child (running, waiting for a restart, or a static supervisor's
    /// stopped child), in start order.
    fn which_children(&self) -> impl Future<Output = Result<Vec<ChildInfo>, CallError>> + Send;

    /// OTP's counts: child specs held (children of a dynamic supervisor, running or waiting
    /// for a restart), running children, and specs of supervisors and of workers.
    fn count_children(&self) -> impl Future<Output = Result<ChildCounts, CallError>> + Send;

    /// Stops the selected child with its shutdown mode; it is not restarted (a static
    /// supervisor keeps its spec unless it is temporary). [`ChildError::NotFound`] if no child
    /// matches.
    fn terminate_child(
        &self,
        child: impl Into<ChildSelector>,
    ) -> impl Future<Output = Result<(), ChildError>> + Send;
}

/// A child a [`DynamicSupervisor`](super::DynamicSupervisor) started: the incarnation that
/// `start_child` started, and a way to follow the child across its restarts (it keeps its
/// place in the supervisor, as a static child keeps its id).
#[derive(Clone, Debug)]
pub struct DynamicChild {
    pub(crate) cell: ActorCell,
    pub(crate) child: ChildRef<ActorCell>,
}

impl PartialEq for DynamicChild {
    fn eq(&self, other: &Self) -> bool {
        self.cell == other.cell
    }
}

impl Eq for DynamicChild {}

impl DynamicChild {
    /// The incarnation `start_child` started.
    pub fn cell(&self) -> &ActorCell {
        &self.cell
    }

    /// The actor id of the incarnation `start_child` started.
    pub fn id(&self) -> ActorId {
        self.cell.id()
    }

    /// The incarnation `start_child` started.
    pub fn into_cell(self) -> ActorCell {
        self.cell
    }

    /// The started incarnation's typed handle, if it is an `A`.
    pub fn downcast<A: Actor>(&self) -> Option<ActorRef<A>> {
        self.cell.downcast()
    }

    /// A handle that resolves to the child's current incarnation on every use.
    pub fn child_ref<H: FromChild>(&self) -> ChildRef<H> {
        self.child.retyped()
    }

    /// The current incarnation, if the child runs.
    pub fn current(&self) -> Option<ActorCell> {
        self.child.cell()
    }

    /// Waits until the child runs with a cell other than `old` (after a restart) and returns
    /// it; `None` if the supervisor exits first. A child that is not restarted (terminated,
    /// temporary, or transient after a normal exit) is waited for until the supervisor exits.
    pub async fn wait_restart(&self, old: &impl HasCell) -> Option<ActorCell> {
        self.child.wait_restart(old).await
    }
}

impl HasCell for DynamicChild {
    fn cell_id(&self) -> ActorId {
        self.cell.id()
    }
}
