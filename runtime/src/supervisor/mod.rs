//! Supervisors: OTP's supervision trees on Arbor actors.
//!
//! A [`SupervisorSpec`] lists [`ChildSpec`]s and the supervisor's flags ([`Strategy`],
//! [`Intensity`], [`AutoShutdown`]); [`SupervisorSpec::start`] starts the children in order
//! and returns a [`SupervisorRef`] once all run (or the reason one failed). The supervisor
//! restarts children by their [`Restart`] type and its strategy, gives up and escalates to
//! its parent when restarts exceed the intensity, and stops its children in reverse start
//! order when it stops. A supervisor is itself an actor, so it can be the child of another
//! ([`ChildSpec::supervisor`]).
//!
//! Children are reached by id through [`SupervisorRef::child`], which reads a directory the
//! supervisor keeps up to date (no round trip), or through a [`ChildRef`] that follows
//! restarts: what generated code stores for each named child.
//!
//! ```
//! use arbor::prelude::*;
//! use arbor::supervisor::{ChildSpec, Strategy, SupervisorSpec};
//! use std::convert::Infallible;
//!
//! struct Counter(u64);
//! enum CounterCall {
//!     Next(ReplyTo<u64>),
//! }
//! impl Actor for Counter {
//!     type Args = u64;
//!     type Call = CounterCall;
//!     type Cast = Infallible;
//!     type Info = Infallible;
//!     type Continue = Infallible;
//!     async fn init(start: u64, _ctx: &mut Context<Self>) -> Init<Self> {
//!         Init::Ok(Counter(start))
//!     }
//!     async fn handle_call(&mut self, msg: CounterCall, _ctx: &mut Context<Self>) -> Handled<Self> {
//!         let CounterCall::Next(reply_to) = msg;
//!         self.0 += 1;
//!         let _ = reply_to.send(self.0);
//!         Handled::Continue
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let sup = SupervisorSpec::new(Strategy::OneForOne)
//!     .child(ChildSpec::actor::<Counter>("counter", 0))
//!     .start()
//!     .await
//!     .unwrap();
//! let counter = sup.child_ref::<ActorRef<Counter>>("counter");
//! assert_eq!(counter.get().unwrap().call(CounterCall::Next).await, Ok(1));
//!
//! // A crash: the supervisor starts a fresh counter under the same id.
//! let old = counter.get().unwrap();
//! old.cell().kill();
//! let fresh = counter.wait_restart(&old).await.unwrap();
//! assert_eq!(fresh.call(CounterCall::Next).await, Ok(1));
//! sup.shutdown().await;
//! # }
//! ```

mod admin;
mod dynamic;
mod intensity;
mod partition;
mod server;
mod spec;
mod strategy;

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::CallError;
use crate::actor::Actor;
use crate::cell::ActorCell;
use crate::exit::{ExitReason, ShutdownMode};
use crate::handle::ActorRef;
use crate::spawn::Spawn;

pub use admin::{ChildSelector, DynamicChild, SupervisorAdmin};
pub use dynamic::{DynamicSupervisor, DynamicSupervisorRef, DynamicSupervisorSpec};
pub use intensity::Intensity;
pub use partition::{Partition, PartitionSupervisorRef, PartitionSupervisorSpec};
pub use server::Supervisor;
pub use spec::{
    AutoShutdown, ChildKind, ChildSpec, Restart, RunningChild, SpecError, StartFn, StartFuture,
    SupervisorStart,
};
pub use strategy::Strategy;

pub(crate) use dynamic::DynamicCall;
pub(crate) use server::SupervisorCall;
use server::{Directory, SupervisorArgs};

/// How long administration calls wait: as OTP's `supervisor` calls, forever (a child's
/// shutdown may legitimately take as long as its spec allows).
pub(crate) const ADMIN_TIMEOUT: Duration = Duration::MAX;

/// A static supervisor's description: flags and children, in start order.
#[derive(Clone, Debug, Default)]
pub struct SupervisorSpec {
    pub(crate) strategy: Strategy,
    pub(crate) intensity: Intensity,
    pub(crate) auto_shutdown: AutoShutdown,
    pub(crate) children: Vec<ChildSpec>,
    pub(crate) name: Option<Arc<str>>,
}

impl SupervisorSpec {
    /// A supervisor with `strategy`, the default intensity (3 restarts in 5 s), no
    /// auto-shutdown and no children yet.
    pub fn new(strategy: Strategy) -> SupervisorSpec {
        SupervisorSpec {
            strategy,
            ..SupervisorSpec::default()
        }
    }

    /// Tolerates `max_restarts` restarts within `period` (the period must not be zero).
    pub fn intensity(mut self, max_restarts: u32, period: Duration) -> SupervisorSpec {
        self.intensity = Intensity::new(max_restarts, period);
        self
    }

    /// Sets the auto-shutdown policy for significant children.
    pub fn auto_shutdown(mut self, auto_shutdown: AutoShutdown) -> SupervisorSpec {
        self.auto_shutdown = auto_shutdown;
        self
    }

    /// Appends a child (children start in the order they are added).
    pub fn child(mut self, child: ChildSpec) -> SupervisorSpec {
        self.children.push(child);
        self
    }

    /// Appends children.
    pub fn children(mut self, children: impl IntoIterator<Item = ChildSpec>) -> SupervisorSpec {
        self.children.extend(children);
        self
    }

    /// Names the supervisor actor (for introspection and tracing).
    pub fn name(mut self, name: impl Into<Arc<str>>) -> SupervisorSpec {
        self.name = Some(name.into());
        self
    }

    /// Checks the spec as [`start`](Self::start) would, without starting anything.
    pub fn validate(&self) -> Result<(), SpecError> {
        match server::check(self) {
            Err(StartError::Invalid(e)) => Err(e),
            _ => Ok(()),
        }
    }

    /// Starts a standalone supervisor (no parent) and its children, in order.
    pub async fn start(&self) -> Result<SupervisorRef, StartError> {
        self.start_linked(None).await
    }

    /// Starts the supervisor as a child of `parent` (linked, `parent` its first ancestor),
    /// or standalone.
    pub async fn start_linked(
        &self,
        parent: Option<&ActorCell>,
    ) -> Result<SupervisorRef, StartError> {
        server::check(self)?;
        let directory = Arc::new(Directory::default());
        let error = Arc::new(Mutex::new(None));
        let mut spawn = Spawn::<Supervisor>::new().trap_exit(true);
        if let Some(name) = &self.name {
            spawn = spawn.name(name.clone());
        }
        if let Some(parent) = parent {
            spawn = spawn.child_of(parent);
        }
        let args = SupervisorArgs {
            spec: self.clone(),
            directory: directory.clone(),
            error: error.clone(),
        };
        match spawn.start(args).await {
            Ok(started) => match started.running() {
                Some(actor) => Ok(SupervisorRef { actor, directory }),
                None => Err(StartError::Exited(ExitReason::Normal)),
            },
            Err(reason) => Err(error.lock().take().unwrap_or(StartError::Exited(reason))),
        }
    }
}

impl SupervisorStart for SupervisorSpec {
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

/// Why a supervisor did not start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// The spec is invalid; nothing was started.
    #[error("invalid supervisor spec: {0}")]
    Invalid(SpecError),
    /// A child failed to start; the children started before it were stopped.
    #[error("failed to start child {id:?}: {reason}")]
    ChildFailed {
        /// The child's id.
        id: Arc<str>,
        /// Why its start failed.
        #[source]
        reason: ExitReason,
    },
    /// The supervisor exited during start-up (killed, say).
    #[error("the supervisor exited during start-up: {0}")]
    Exited(ExitReason),
}

impl StartError {
    /// The exit reason a parent supervisor sees for this failure (OTP's
    /// `{shutdown, {failed_to_start_child, Id, Reason}}`).
    pub fn into_exit_reason(self) -> ExitReason {
        match self {
            StartError::Exited(reason) => reason,
            other => ExitReason::ShutdownWith(crate::exit::Cause::from_error(other)),
        }
    }
}

/// Why `start_child` failed (OTP's `{error, _}` answers).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StartChildError {
    /// A child with this id runs already (`already_started`).
    #[error("a child with this id is already running: {0:?}")]
    AlreadyStarted(ActorCell),
    /// A spec with this id exists but its child is not running (`already_present`).
    #[error("a child spec with this id is already present")]
    AlreadyPresent,
    /// The spec is invalid.
    #[error("invalid child spec: {0}")]
    Invalid(SpecError),
    /// The child's start failed.
    #[error("the child failed to start: {0}")]
    Failed(ExitReason),
    /// A dynamic supervisor already has `max_children` children.
    #[error("the supervisor has reached max_children")]
    MaxChildren,
    /// The supervisor could not be reached.
    #[error("the supervisor could not be reached: {0}")]
    Supervisor(CallError),
}

/// Why terminate_child, restart_child or delete_child failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChildError {
    /// No child with this id (`not_found`).
    #[error("no such child")]
    NotFound,
    /// The child runs (`running`): it cannot be restarted or deleted.
    #[error("the child is running")]
    Running,
    /// A restart of the child is pending (`restarting`).
    #[error("the child is being restarted")]
    Restarting,
    /// The child's start failed (restart_child).
    #[error("the child failed to start: {0}")]
    Failed(ExitReason),
    /// The supervisor could not be reached.
    #[error("the supervisor could not be reached: {0}")]
    Supervisor(CallError),
}

/// A child's status in [`ChildInfo`] (OTP's pid, `restarting` or `undefined`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChildStatus {
    /// Running, with this handle.
    Running(ActorCell),
    /// Waiting for another restart attempt.
    Restarting,
    /// Not running.
    Undefined,
}

/// One line of `which_children`, whatever the kind of supervisor ([`SupervisorAdmin`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildInfo {
    /// The child's id; `None` for a dynamic supervisor's child (OTP's `undefined`).
    pub id: Option<Arc<str>>,
    /// Running, restarting or not running.
    pub status: ChildStatus,
    /// Worker or supervisor.
    pub kind: ChildKind,
    /// Its restart type.
    pub restart: Restart,
}

impl ChildInfo {
    /// The running incarnation, if the child runs.
    pub fn cell(&self) -> Option<&ActorCell> {
        match &self.status {
            ChildStatus::Running(cell) => Some(cell),
            _ => None,
        }
    }
}

/// `count_children`'s answer, whatever the kind of supervisor (OTP's `specs`, `active`, `supervisors`,
/// `workers`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChildCounts {
    /// Child specs held.
    pub specs: usize,
    /// Children running.
    pub active: usize,
    /// Specs of supervisor children.
    pub supervisors: usize,
    /// Specs of worker children.
    pub workers: usize,
}

/// One child as a supervisor reports it for a snapshot ([`crate::introspect`]).
#[derive(Clone, Debug)]
pub struct ChildEntry {
    pub(crate) id: Option<Arc<str>>,
    pub(crate) kind: ChildKind,
    pub(crate) restart: Restart,
    pub(crate) restarts: u32,
    pub(crate) status: ChildStatus,
    pub(crate) cell: Option<ActorCell>,
    pub(crate) last_exit: Option<ExitReason>,
}

/// Recovers a typed handle from a running child: implemented for [`ActorRef`],
/// [`ActorCell`] and every supervisor handle.
pub trait FromChild: Sized {
    /// The typed handle, if the child is of the right kind.
    fn from_child(child: &RunningChild) -> Option<Self>;
}

impl<A: Actor> FromChild for ActorRef<A> {
    fn from_child(child: &RunningChild) -> Option<Self> {
        child.cell.downcast()
    }
}

impl FromChild for ActorCell {
    fn from_child(child: &RunningChild) -> Option<Self> {
        Some(child.cell.clone())
    }
}

impl FromChild for SupervisorRef {
    fn from_child(child: &RunningChild) -> Option<Self> {
        child.handle::<SupervisorRef>().cloned()
    }
}

/// The handle to a running static [`Supervisor`]: administration, typed child lookup,
/// shutdown.
#[derive(Clone)]
pub struct SupervisorRef {
    actor: ActorRef<Supervisor>,
    directory: Arc<Directory>,
}

impl SupervisorRef {
    /// The supervisor's untyped handle.
    pub fn cell(&self) -> ActorCell {
        self.actor.cell()
    }

    /// The supervisor's typed actor handle.
    pub fn actor(&self) -> &ActorRef<Supervisor> {
        &self.actor
    }

    /// The running child `id` as an `H` (`ActorRef<A>`, `ActorCell`, a supervisor handle):
    /// `None` if there is no such running child or it is of another type. Reads the
    /// supervisor's directory: no round trip, usable while the supervisor is busy.
    pub fn child<H: FromChild>(&self, id: &str) -> Option<H> {
        self.directory.get(id).as_ref().and_then(H::from_child)
    }

    /// A handle to child `id` that resolves to its current incarnation on every use.
    pub fn child_ref<H: FromChild>(&self, id: impl Into<Arc<str>>) -> ChildRef<H> {
        ChildRef {
            key: ChildKey::Id(id.into(), self.directory.clone()),
            supervisor: self.actor.cell(),
            _handle: PhantomData,
        }
    }

    async fn admin<T: Send + 'static>(
        &self,
        make: impl FnOnce(crate::ReplyTo<T>) -> SupervisorCall,
    ) -> Result<T, CallError> {
        self.actor.call_timeout(ADMIN_TIMEOUT, make).await
    }

    /// Adds and starts a child (OTP's `start_child`). `Ok(None)` if it ignored the start.
    pub async fn start_child(&self, spec: ChildSpec) -> Result<Option<ActorCell>, StartChildError> {
        self.admin(|r| SupervisorCall::StartChild(spec, r))
            .await
            .map_err(StartChildError::Supervisor)?
    }

    /// Stops the child selected by id or by reference with its shutdown mode, keeping its
    /// spec (a temporary child's spec is dropped). Terminating a child that is not running
    /// (by id) succeeds.
    pub async fn terminate_child(&self, child: impl Into<ChildSelector>) -> Result<(), ChildError> {
        let child = child.into();
        self.admin(|r| SupervisorCall::TerminateChild(child, r))
            .await
            .map_err(ChildError::Supervisor)?
    }

    /// Starts the stopped child `id` again from its spec.
    pub async fn restart_child(&self, id: &str) -> Result<Option<ActorCell>, ChildError> {
        let id: Arc<str> = id.into();
        self.admin(|r| SupervisorCall::RestartChild(id, r))
            .await
            .map_err(ChildError::Supervisor)?
    }

    /// Removes the stopped child `id`'s spec.
    pub async fn delete_child(&self, id: &str) -> Result<(), ChildError> {
        let id: Arc<str> = id.into();
        self.admin(|r| SupervisorCall::DeleteChild(id, r))
            .await
            .map_err(ChildError::Supervisor)?
    }

    /// The children in start order with their status.
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, CallError> {
        self.admin(SupervisorCall::WhichChildren).await
    }

    /// Counts of specs, running children, supervisors and workers.
    pub async fn count_children(&self) -> Result<ChildCounts, CallError> {
        self.admin(SupervisorCall::CountChildren).await
    }

    /// Stops the supervisor (its children in reverse start order first), waiting however
    /// long that takes, and returns its exit reason.
    pub async fn shutdown(&self) -> ExitReason {
        self.cell().shutdown(ShutdownMode::Infinity).await
    }

    /// Waits for the supervisor's exit.
    pub async fn wait(&self) -> ExitReason {
        self.actor.wait().await
    }
}

impl fmt::Debug for SupervisorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SupervisorRef")
            .field(&self.actor.id())
            .finish()
    }
}

/// A typed handle to a supervisor's child that follows restarts: each
/// [`get`](ChildRef::get) returns the current incarnation. What generated code keeps for a
/// named child; a dynamic supervisor's child has one too ([`DynamicChild::child_ref`]).
pub struct ChildRef<H> {
    key: ChildKey,
    supervisor: ActorCell,
    _handle: PhantomData<fn() -> H>,
}

/// Where a [`ChildRef`] finds its child: by id in a static supervisor's directory, by serial
/// number in a dynamic supervisor's.
#[derive(Clone)]
enum ChildKey {
    Id(Arc<str>, Arc<Directory>),
    Serial(u64, Arc<Directory<u64>>),
}

impl<H> ChildRef<H> {
    pub(crate) fn dynamic(
        serial: u64,
        directory: Arc<Directory<u64>>,
        supervisor: ActorCell,
    ) -> Self {
        ChildRef {
            key: ChildKey::Serial(serial, directory),
            supervisor,
            _handle: PhantomData,
        }
    }

    /// The same child, looked up as another handle type.
    pub fn retyped<G>(&self) -> ChildRef<G> {
        ChildRef {
            key: self.key.clone(),
            supervisor: self.supervisor.clone(),
            _handle: PhantomData,
        }
    }

    fn current(&self) -> Option<RunningChild> {
        match &self.key {
            ChildKey::Id(id, directory) => directory.get(&**id),
            ChildKey::Serial(serial, directory) => directory.get(serial),
        }
    }

    fn next_change(&self) -> tokio::sync::futures::Notified<'_> {
        match &self.key {
            ChildKey::Id(_, directory) => directory.next_change(),
            ChildKey::Serial(_, directory) => directory.next_change(),
        }
    }
}

impl<H: FromChild> ChildRef<H> {
    /// The child's id (`""` for a dynamic supervisor's child, which has none).
    pub fn id(&self) -> &str {
        match &self.key {
            ChildKey::Id(id, _) => id,
            ChildKey::Serial(..) => "",
        }
    }

    /// The current incarnation, if the child runs.
    pub fn get(&self) -> Option<H> {
        self.current().as_ref().and_then(H::from_child)
    }

    /// The current incarnation's cell, if the child runs.
    pub fn cell(&self) -> Option<ActorCell> {
        self.current().map(|c| c.cell)
    }

    /// Waits until the child runs with a cell other than `old` (after a restart) and returns
    /// it; `None` if the supervisor exits first.
    pub async fn wait_restart(&self, old: &impl HasCell) -> Option<H> {
        let old = old.cell_id();
        let exited = self.supervisor.exited();
        tokio::pin!(exited);
        loop {
            let mut next = std::pin::pin!(self.next_change());
            next.as_mut().enable();
            if let Some(rc) = self.current()
                && rc.cell.id() != old
                && let Some(h) = H::from_child(&rc)
            {
                return Some(h);
            }
            tokio::select! {
                _ = next => {}
                _ = &mut exited => return None,
            }
        }
    }
}

/// Anything with an actor id: what [`ChildRef::wait_restart`] compares.
pub trait HasCell {
    /// The actor's id.
    fn cell_id(&self) -> crate::ActorId;
}

impl<A: Actor> HasCell for ActorRef<A> {
    fn cell_id(&self) -> crate::ActorId {
        self.id()
    }
}

impl HasCell for ActorCell {
    fn cell_id(&self) -> crate::ActorId {
        self.id()
    }
}

impl<H> Clone for ChildRef<H> {
    fn clone(&self) -> Self {
        self.retyped()
    }
}

impl<H> fmt::Debug for ChildRef<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            ChildKey::Id(id, _) => f.debug_struct("ChildRef").field("id", id).finish(),
            ChildKey::Serial(n, _) => f.debug_struct("ChildRef").field("serial", n).finish(),
        }
    }
}

impl SupervisorAdmin for SupervisorRef {
    fn cell(&self) -> ActorCell {
        SupervisorRef::cell(self)
    }

    fn which_children(&self) -> impl Future<Output = Result<Vec<ChildInfo>, CallError>> + Send {
        SupervisorRef::which_children(self)
    }

    fn count_children(&self) -> impl Future<Output = Result<ChildCounts, CallError>> + Send {
        SupervisorRef::count_children(self)
    }

    fn terminate_child(
        &self,
        child: impl Into<ChildSelector>,
    ) -> impl Future<Output = Result<(), ChildError>> + Send {
        SupervisorRef::terminate_child(self, child.into())
    }
}
