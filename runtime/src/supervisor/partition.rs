//! [`PartitionSupervisorSpec`]: N independent dynamic or task supervisors, with work routed
//! to one of them by a key (Elixir's `PartitionSupervisor`), so that one supervisor's mailbox
//! does not become the bottleneck of a busy system.
//!
//! The partitions are children `"0"`, `"1"`, … of a one_for_one [`Supervisor`](super::Supervisor);
//! routing resolves the current incarnation of a partition on every use, so it follows
//! restarts. The same key always goes to the same partition.
//!
//! ```
//! use arbor::supervisor::{DynamicSupervisorSpec, PartitionSupervisorSpec};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let pool = PartitionSupervisorSpec::new(DynamicSupervisorSpec::new())
//!     .partitions(4)
//!     .start()
//!     .await
//!     .unwrap();
//! assert_eq!(pool.partitions(), 4);
//! let a = pool.partition(&"user-42").unwrap();
//! let b = pool.partition(&"user-42").unwrap();
//! assert_eq!(a, b);
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use crate::CallError;
use crate::cell::ActorCell;
use crate::exit::ExitReason;

use super::spec::{ChildSpec, RunningChild, StartFuture, SupervisorStart};
use super::{
    ChildCounts, ChildError, ChildInfo, ChildRef, ChildSelector, DynamicSupervisorRef,
    DynamicSupervisorSpec, FromChild, StartError, Strategy, SupervisorAdmin, SupervisorRef,
    SupervisorSpec,
};

/// A kind of supervisor that can be partitioned: its spec starts one partition, `Ref` is the
/// handle routing returns.
pub trait Partition: SupervisorStart + Clone {
    /// The handle to one partition.
    type Ref: FromChild + Clone + Send + Sync + 'static;
}

impl Partition for DynamicSupervisorSpec {
    type Ref = DynamicSupervisorRef;
}

/// `partitions` copies of a supervisor spec `P` under one supervisor.
#[derive(Clone, Debug)]
pub struct PartitionSupervisorSpec<P> {
    child: P,
    partitions: Option<usize>,
    name: Option<Arc<str>>,
}

impl<P: Partition> PartitionSupervisorSpec<P> {
    /// Partitions of `child`, one per available core by default.
    pub fn new(child: P) -> Self {
        PartitionSupervisorSpec {
            child,
            partitions: None,
            name: None,
        }
    }

    /// Sets the number of partitions (at least 1).
    pub fn partitions(mut self, n: usize) -> Self {
        self.partitions = Some(n.max(1));
        self
    }

    /// Names the outer supervisor.
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    fn count(&self) -> usize {
        self.partitions.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        })
    }

    fn outer(&self) -> SupervisorSpec {
        let children =
            (0..self.count()).map(|i| ChildSpec::supervisor(i.to_string(), self.child.clone()));
        let mut spec = SupervisorSpec::new(Strategy::OneForOne).children(children);
        if let Some(name) = &self.name {
            spec = spec.name(name.clone());
        }
        spec
    }

    /// Starts the partitions under a new standalone supervisor.
    pub async fn start(&self) -> Result<PartitionSupervisorRef<P>, StartError> {
        self.start_linked(None).await
    }

    async fn start_linked(
        &self,
        parent: Option<&ActorCell>,
    ) -> Result<PartitionSupervisorRef<P>, StartError> {
        let sup = self.outer().start_linked(parent).await?;
        let routes = (0..self.count())
            .map(|i| sup.child_ref(i.to_string()))
            .collect();
        Ok(PartitionSupervisorRef { sup, routes })
    }
}

impl<P: Partition> SupervisorStart for PartitionSupervisorSpec<P> {
    fn start_under(&self, parent: Option<&ActorCell>) -> StartFuture {
        let spec = self.clone();
        let parent = parent.cloned();
        Box::pin(async move {
            match spec.start_linked(parent.as_ref()).await {
                Ok(sup) => Ok(Some(RunningChild::with_handle(sup.cell(), sup))),
                Err(e) => Err(e.into_exit_reason()),
            }
        })
    }
}

/// The handle to a running partition supervisor.
pub struct PartitionSupervisorRef<P: Partition> {
    sup: SupervisorRef,
    routes: Vec<ChildRef<P::Ref>>,
}

impl<P: Partition> PartitionSupervisorRef<P> {
    /// The number of partitions.
    pub fn partitions(&self) -> usize {
        self.routes.len()
    }

    /// The partition `key` routes to (by hash); `None` while it is being restarted.
    pub fn partition<K: Hash + ?Sized>(&self, key: &K) -> Option<P::Ref> {
        // A fixed hasher, so a key maps to the same partition for the life of the process.
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        self.partition_at((hasher.finish() % self.routes.len() as u64) as usize)
    }

    /// Partition number `i` (`0..partitions()`).
    pub fn partition_at(&self, i: usize) -> Option<P::Ref> {
        self.routes.get(i).and_then(ChildRef::get)
    }

    /// The outer supervisor.
    pub fn supervisor(&self) -> &SupervisorRef {
        &self.sup
    }

    /// The outer supervisor's cell.
    pub fn cell(&self) -> ActorCell {
        self.sup.cell()
    }

    /// Stops every partition and the outer supervisor.
    pub async fn shutdown(&self) -> ExitReason {
        self.sup.shutdown().await
    }
}

impl<P: Partition> Clone for PartitionSupervisorRef<P> {
    fn clone(&self) -> Self {
        PartitionSupervisorRef {
            sup: self.sup.clone(),
            routes: self.routes.clone(),
        }
    }
}

impl<P: Partition> fmt::Debug for PartitionSupervisorRef<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PartitionSupervisorRef")
            .field("supervisor", &self.sup)
            .field("partitions", &self.routes.len())
            .finish()
    }
}

/// The partitions are the children (ids `"0"`, `"1"`, …), as Elixir's
/// `PartitionSupervisor.which_children` lists them.
impl<P: Partition> SupervisorAdmin for PartitionSupervisorRef<P> {
    fn cell(&self) -> ActorCell {
        self.sup.cell()
    }

    fn which_children(&self) -> impl Future<Output = Result<Vec<ChildInfo>, CallError>> + Send {
        self.sup.which_children()
    }

    fn count_children(&self) -> impl Future<Output = Result<ChildCounts, CallError>> + Send {
        self.sup.count_children()
    }

    fn terminate_child(
        &self,
        child: impl Into<ChildSelector>,
    ) -> impl Future<Output = Result<(), ChildError>> + Send {
        self.sup.terminate_child(child.into())
    }
}

impl<P: Partition> FromChild for PartitionSupervisorRef<P> {
    fn from_child(child: &RunningChild) -> Option<Self> {
        child.handle::<PartitionSupervisorRef<P>>().cloned()
    }
}
