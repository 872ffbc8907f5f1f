//! [`DynamicSupervisor`]: a supervisor that starts with no children and gets them one at a
//! time (Elixir's `DynamicSupervisor`, OTP's `simple_one_for_one`).
//!
//! Children have no ids (they are known by their actor id), are restarted one for one by
//! their [`Restart`] type under the usual [intensity](super::Intensity) limit, and are shut
//! down concurrently when the supervisor stops. `max_children` bounds the children it holds,
//! counting those waiting for a restart attempt.
//!
//! ```
//! use arbor::prelude::*;
//! use arbor::supervisor::DynamicSupervisorSpec;
//! use std::convert::Infallible;
//!
//! struct Session;
//! impl Actor for Session {
//!     type Args = u32;
//!     type Call = Infallible;
//!     type Cast = Infallible;
//!     type Info = Infallible;
//!     type Continue = Infallible;
//!     async fn init(_user: u32, _ctx: &mut Context<Self>) -> Init<Self> {
//!         Init::Ok(Session)
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let sessions = DynamicSupervisorSpec::new().max_children(2).start().await.unwrap();
//! let a = sessions.start_actor::<Session>(1).await.unwrap().unwrap();
//! sessions.start_actor::<Session>(2).await.unwrap();
//! assert!(sessions.start_actor::<Session>(3).await.is_err()); // max_children
//! sessions.terminate_child(&a).await.unwrap();
//! assert_eq!(sessions.count_children().await.unwrap().active, 1);
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::CallError;
use crate::actor::{Actor, ExitSignal, Handled, Init};
use crate::cell::ActorCell;
use crate::context::Context;
use crate::exit::{ExitReason, ShutdownMode};
use crate::handle::ActorRef;
use crate::lineage::ActorId;
use crate::mailbox::MailboxConfig;
use crate::reply::ReplyTo;
use crate::spawn::Spawn;

use super::intensity::{Intensity, RestartWindow};
use super::server::Directory;
use super::spec::{AutoShutdown, ChildSpec, RunningChild, StartFuture, SupervisorStart};
use super::{
    ADMIN_TIMEOUT, ChildCounts, ChildEntry, ChildError, ChildInfo, ChildRef, ChildSelector,
    ChildStatus, DynamicChild, FromChild, HasCell, SpecError, StartChildError, StartError,
    SupervisorAdmin,
};

/// A dynamic supervisor's flags.
#[derive(Clone, Debug, Default)]
pub struct DynamicSupervisorSpec {
    intensity: Intensity,
    max_children: Option<usize>,
    name: Option<Arc<str>>,
}

impl DynamicSupervisorSpec {
    /// Default intensity (3 restarts in 5 s), no child limit.
    pub fn new() -> DynamicSupervisorSpec {
        DynamicSupervisorSpec::default()
    }

    /// Tolerates `max_restarts` restarts within `period`.
    pub fn intensity(mut self, max_restarts: u32, period: Duration) -> Self {
        self.intensity = Intensity::new(max_restarts, period);
        self
    }

    /// At most `max` children (running or waiting for a restart).
    pub fn max_children(mut self, max: usize) -> Self {
        self.max_children = Some(max);
        self
    }

    /// Names the supervisor actor.
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Starts a standalone dynamic supervisor.
    pub async fn start(&self) -> Result<DynamicSupervisorRef, StartError> {
        self.start_linked(None).await
    }

    /// Starts the supervisor under `parent` (linked, its first ancestor), or standalone.
    pub async fn start_linked(
        &self,
        parent: Option<&ActorCell>,
    ) -> Result<DynamicSupervisorRef, StartError> {
        if self.intensity.period.is_zero() {
            return Err(StartError::Invalid(SpecError::ZeroPeriod));
        }
        let mut spawn = Spawn::<DynamicSupervisor>::new().trap_exit(true);
        if let Some(name) = &self.name {
            spawn = spawn.name(name.clone());
        }
        if let Some(parent) = parent {
            spawn = spawn.child_of(parent);
        }
        let args = DynamicArgs {
            spec: self.clone(),
            directory: Arc::new(Directory::default()),
        };
        let started = spawn.start(args).await.map_err(StartError::Exited)?;
        let actor = started
            .running()
            .ok_or(StartError::Exited(ExitReason::Normal))?;
        Ok(DynamicSupervisorRef { actor })
    }
}

impl SupervisorStart for DynamicSupervisorSpec {
    fn start_under(&self, parent: Option<&ActorCell>) -> StartFuture {
        let spec = self.clone();
        let parent = parent.cloned();
        Box::pin(async move {
            let sup = spec
                .start_linked(parent.as_ref())
                .await
                .map_err(StartError::into_exit_reason)?;
            Ok(Some(RunningChild::new(sup.cell())))
        })
    }
}

/// Start-up arguments of a [`DynamicSupervisor`] actor.
pub struct DynamicArgs {
    spec: DynamicSupervisorSpec,
    directory: Arc<Directory<u64>>,
}

/// A running child: its incarnation, spec, restart count and serial number (its place in the
/// supervisor, kept across restarts).
struct Running {
    child: RunningChild,
    spec: ChildSpec,
    restarts: u32,
    serial: u64,
}

/// The dynamic supervisor actor.
pub struct DynamicSupervisor {
    window: RestartWindow,
    max_children: Option<usize>,
    running: HashMap<ActorId, Running>,
    /// Children whose restart failed, waiting for another attempt, by serial number.
    restarting: HashMap<u64, (ChildSpec, u32)>,
    next_serial: u64,
    /// The running children by serial number, for [`ChildRef`]s.
    directory: Arc<Directory<u64>>,
    me: ActorCell,
}

/// Requests a [`DynamicSupervisor`] answers.
pub enum DynamicCall {
    /// `start_child`.
    StartChild(
        ChildSpec,
        ReplyTo<Result<Option<DynamicChild>, StartChildError>>,
    ),
    /// `terminate_child`.
    TerminateChild(ChildSelector, ReplyTo<Result<(), ChildError>>),
    /// A [`ChildRef`] following the running child with this actor id.
    ChildRef(ActorId, ReplyTo<Option<ChildRef<ActorCell>>>),
    /// `which_children`.
    WhichChildren(ReplyTo<Vec<ChildInfo>>),
    /// `count_children`.
    CountChildren(ReplyTo<ChildCounts>),
    /// Introspection entries.
    Entries(ReplyTo<Vec<ChildEntry>>),
}

/// Messages a [`DynamicSupervisor`] sends itself.
pub enum DynamicInfo {
    /// Retry a failed restart (by serial number).
    TryAgain(u64),
}

impl Actor for DynamicSupervisor {
    type Args = DynamicArgs;
    type Call = DynamicCall;
    type Cast = std::convert::Infallible;
    type Info = DynamicInfo;
    type Continue = std::convert::Infallible;

    async fn init(args: DynamicArgs, ctx: &mut Context<Self>) -> Init<Self> {
        let DynamicArgs { spec, directory } = args;
        Init::Ok(DynamicSupervisor {
            window: RestartWindow::new(spec.intensity),
            max_children: spec.max_children,
            running: HashMap::new(),
            restarting: HashMap::new(),
            next_serial: 0,
            directory,
            me: ctx.cell(),
        })
    }

    async fn handle_call(&mut self, msg: DynamicCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            DynamicCall::StartChild(spec, reply) => {
                let _ = reply.send(self.start_new(spec).await);
            }
            DynamicCall::TerminateChild(child, reply) => {
                let found = match &child {
                    ChildSelector::Actor(id) => self.running.remove(id),
                    // Dynamic children have no ids.
                    ChildSelector::Id(_) => None,
                };
                let result = match found {
                    Some(r) => {
                        self.directory.remove(&r.serial);
                        self.me.unlink(&r.child.cell);
                        r.child.cell.shutdown(r.spec.shutdown).await;
                        Ok(())
                    }
                    None => Err(ChildError::NotFound),
                };
                let _ = reply.send(result);
            }
            DynamicCall::ChildRef(id, reply) => {
                let found = self
                    .running
                    .get(&id)
                    .map(|r| ChildRef::dynamic(r.serial, self.directory.clone(), self.me.clone()));
                let _ = reply.send(found);
            }
            DynamicCall::WhichChildren(reply) => {
                let infos = self
                    .entries()
                    .into_iter()
                    .map(|e| ChildInfo {
                        id: None,
                        status: e.status,
                        kind: e.kind,
                        restart: e.restart,
                    })
                    .collect();
                let _ = reply.send(infos);
            }
            DynamicCall::CountChildren(reply) => {
                let mut counts = ChildCounts::default();
                let specs = self.running.values().map(|r| &r.spec);
                for spec in specs.chain(self.restarting.values().map(|(s, _)| s)) {
                    counts.specs += 1;
                    match spec.kind {
                        super::ChildKind::Worker => counts.workers += 1,
                        super::ChildKind::Supervisor => counts.supervisors += 1,
                    }
                }
                counts.active = self.running.len();
                let _ = reply.send(counts);
            }
            DynamicCall::Entries(reply) => {
                let _ = reply.send(self.entries());
            }
        }
        Handled::Continue
    }

    async fn handle_info(&mut self, msg: DynamicInfo, _ctx: &mut Context<Self>) -> Handled<Self> {
        let DynamicInfo::TryAgain(serial) = msg;
        match self.restarting.remove(&serial) {
            Some((spec, restarts)) => self.restart(serial, spec, restarts).await,
            None => Handled::Continue,
        }
    }

    async fn handle_exit(&mut self, signal: ExitSignal, _ctx: &mut Context<Self>) -> Handled<Self> {
        // The exit of an actor that is not (or no longer) a child is ignored, as OTP's
        // supervisor ignores an 'EXIT' from a pid it does not know.
        let Some(r) = self.running.remove(&signal.from) else {
            return Handled::Continue;
        };
        self.directory.remove(&r.serial);
        if r.spec.restart.restarts_after(&signal.reason) {
            self.restart(r.serial, r.spec, r.restarts).await
        } else {
            Handled::Continue
        }
    }

    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut Context<Self>) {
        // Dynamic children are independent: stop them all at once, as Elixir does. No
        // unlinking: the supervisor is exiting, so their exit signals no longer matter.
        let stopping = self
            .running
            .drain()
            .map(|(_, r)| async move { r.child.cell.shutdown(r.spec.shutdown).await });
        futures::future::join_all(stopping).await;
        self.restarting.clear();
    }

    fn mailbox() -> MailboxConfig {
        MailboxConfig::unbounded()
    }
}

impl DynamicSupervisor {
    async fn start_new(
        &mut self,
        spec: ChildSpec,
    ) -> Result<Option<DynamicChild>, StartChildError> {
        spec.validate(AutoShutdown::Never)
            .map_err(StartChildError::Invalid)?;
        if self
            .max_children
            .is_some_and(|max| self.running.len() + self.restarting.len() >= max)
        {
            return Err(StartChildError::MaxChildren);
        }
        match (spec.start)(&self.me).await {
            Ok(Some(child)) => {
                let serial = self.next_serial;
                self.next_serial += 1;
                let cell = child.cell.clone();
                self.directory.insert(serial, child.clone());
                self.running.insert(
                    cell.id(),
                    Running {
                        child,
                        spec,
                        restarts: 0,
                        serial,
                    },
                );
                Ok(Some(DynamicChild {
                    cell,
                    child: ChildRef::dynamic(serial, self.directory.clone(), self.me.clone()),
                }))
            }
            // An ignored child is not kept, whatever its restart type.
            Ok(None) => Ok(None),
            Err(reason) => Err(StartChildError::Failed(reason)),
        }
    }

    async fn restart(&mut self, serial: u64, spec: ChildSpec, restarts: u32) -> Handled<Self> {
        if !self.window.add_restart() {
            tracing::error!(supervisor = %self.me.id(), "reached maximum restart intensity; shutting down");
            return Handled::Stop(ExitReason::Shutdown);
        }
        match (spec.start)(&self.me).await {
            Ok(Some(child)) => {
                self.directory.insert(serial, child.clone());
                self.running.insert(
                    child.cell.id(),
                    Running {
                        child,
                        spec,
                        restarts: restarts + 1,
                        serial,
                    },
                );
            }
            Ok(None) => {}
            Err(reason) => {
                tracing::warn!(supervisor = %self.me.id(), %reason, "restart failed; retrying");
                self.restarting.insert(serial, (spec, restarts + 1));
                if let Some(me) = self.me.downcast::<DynamicSupervisor>() {
                    let _ = me.try_send(DynamicInfo::TryAgain(serial));
                }
            }
        }
        Handled::Continue
    }

    /// Introspection entries of every child (running or waiting for a restart), in start
    /// order.
    fn entries(&self) -> Vec<ChildEntry> {
        let running = self.running.values().map(|r| {
            (
                r.serial,
                ChildEntry {
                    id: None,
                    kind: r.spec.kind,
                    restart: r.spec.restart,
                    restarts: r.restarts,
                    last_exit: None,
                    status: ChildStatus::Running(r.child.cell.clone()),
                    cell: Some(r.child.cell.clone()),
                },
            )
        });
        let waiting = self.restarting.iter().map(|(serial, (spec, restarts))| {
            (
                *serial,
                ChildEntry {
                    id: None,
                    kind: spec.kind,
                    restart: spec.restart,
                    restarts: *restarts,
                    last_exit: None,
                    status: ChildStatus::Restarting,
                    cell: None,
                },
            )
        });
        let mut entries: Vec<(u64, ChildEntry)> = running.chain(waiting).collect();
        entries.sort_by_key(|(serial, _)| *serial);
        entries.into_iter().map(|(_, e)| e).collect()
    }
}

/// The handle to a running [`DynamicSupervisor`].
#[derive(Clone, PartialEq, Eq)]
pub struct DynamicSupervisorRef {
    actor: ActorRef<DynamicSupervisor>,
}

impl DynamicSupervisorRef {
    /// The supervisor's untyped handle.
    pub fn cell(&self) -> ActorCell {
        self.actor.cell()
    }

    /// The supervisor's typed actor handle.
    pub fn actor(&self) -> &ActorRef<DynamicSupervisor> {
        &self.actor
    }

    /// Starts a child from `spec` (its id, if any, is ignored: see [`ChildSpec::anonymous`]).
    /// `Ok(None)` if it ignored the start; otherwise the child, whose
    /// [`wait_restart`](DynamicChild::wait_restart) follows it across restarts.
    pub async fn start_child(
        &self,
        spec: ChildSpec,
    ) -> Result<Option<DynamicChild>, StartChildError> {
        self.actor
            .call_timeout(ADMIN_TIMEOUT, |r| DynamicCall::StartChild(spec, r))
            .await
            .map_err(StartChildError::Supervisor)?
    }

    /// Starts a permanent actor child of type `A`; its typed handle, `None` if it ignored the
    /// start.
    pub async fn start_actor<A: Actor>(
        &self,
        args: A::Args,
    ) -> Result<Option<ActorRef<A>>, StartChildError>
    where
        A::Args: Clone,
    {
        let child = self.start_child(ChildSpec::anonymous::<A>(args)).await?;
        Ok(child.and_then(|c| c.downcast()))
    }

    /// A handle following the running child `child` across its restarts; `None` if it is
    /// not a running child of this supervisor (or the supervisor could not be reached).
    /// [`start_child`](Self::start_child)'s [`DynamicChild`] has one without a round trip.
    pub async fn child_ref<H: FromChild>(&self, child: &impl HasCell) -> Option<ChildRef<H>> {
        let id = child.cell_id();
        let found = self
            .actor
            .call_timeout(ADMIN_TIMEOUT, |r| DynamicCall::ChildRef(id, r))
            .await;
        found.ok().flatten().map(|c| c.retyped())
    }

    /// Stops the selected child (by reference: dynamic children have no ids) with its
    /// shutdown mode; it is not restarted.
    pub async fn terminate_child(&self, child: impl Into<ChildSelector>) -> Result<(), ChildError> {
        let child = child.into();
        self.actor
            .call_timeout(ADMIN_TIMEOUT, |r| DynamicCall::TerminateChild(child, r))
            .await
            .map_err(ChildError::Supervisor)?
    }

    /// The children (running or waiting for a restart) in start order; their ids are `None`.
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, CallError> {
        self.actor
            .call_timeout(ADMIN_TIMEOUT, DynamicCall::WhichChildren)
            .await
    }

    /// Counts of children (running and waiting for a restart).
    pub async fn count_children(&self) -> Result<ChildCounts, CallError> {
        self.actor
            .call_timeout(ADMIN_TIMEOUT, DynamicCall::CountChildren)
            .await
    }

    /// Stops the supervisor, its children concurrently first.
    pub async fn shutdown(&self) -> ExitReason {
        self.cell().shutdown(ShutdownMode::Infinity).await
    }
}

impl SupervisorAdmin for DynamicSupervisorRef {
    fn cell(&self) -> ActorCell {
        DynamicSupervisorRef::cell(self)
    }

    fn which_children(&self) -> impl Future<Output = Result<Vec<ChildInfo>, CallError>> + Send {
        DynamicSupervisorRef::which_children(self)
    }

    fn count_children(&self) -> impl Future<Output = Result<ChildCounts, CallError>> + Send {
        DynamicSupervisorRef::count_children(self)
    }

    fn terminate_child(
        &self,
        child: impl Into<ChildSelector>,
    ) -> impl Future<Output = Result<(), ChildError>> + Send {
        DynamicSupervisorRef::terminate_child(self, child.into())
    }
}

impl FromChild for DynamicSupervisorRef {
    fn from_child(child: &RunningChild) -> Option<Self> {
        child
            .cell
            .downcast()
            .map(|actor| DynamicSupervisorRef { actor })
    }
}

impl fmt::Debug for DynamicSupervisorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DynamicSupervisorRef")
            .field(&self.actor.id())
            .finish()
    }
}

#[cfg(test)]
mod footprint {
    //! What one idle actor costs, piece by piece (printed with `--nocapture`): the numbers
    //! behind the memory benchmark.
    use crate::actor::Actor;
    use crate::cell::Core;
    use crate::context::Context;
    use crate::handle::{ActorRef, Shared};
    use crate::test_support::{Idle, unstarted};

    #[test]
    fn idle_actor_footprint() {
        let shared = unstarted::<Idle>();
        let (tx, _rx) = tokio::sync::oneshot::channel();
        let task = crate::runner::run(ActorRef::from_shared(shared), (), tx);
        let future = std::mem::size_of_val(&task);
        let shared = std::mem::size_of::<Shared<Idle>>();
        let core = std::mem::size_of::<Core>();
        println!("actor task future: {future} B; Shared<Idle>: {shared} B (Core {core} B)");
        println!(
            "parts: Sleep {} B, Span {} B, Context {} B, ExitReason {} B",
            std::mem::size_of::<tokio::time::Sleep>(),
            std::mem::size_of::<tracing::Span>(),
            std::mem::size_of::<Context<Idle>>(),
            std::mem::size_of::<crate::ExitReason>(),
        );
        let rss = || -> usize {
            let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
            statm
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or(0)
                * 4096
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let n = 20_000;
        let per_actor = rt.block_on(async {
            let before = rss();
            let mut actors = Vec::with_capacity(n);
            for _ in 0..n {
                actors.push(Idle::spawn(()).await.unwrap().running().unwrap());
            }
            (rss() - before) / n
        });
        println!("idle actors: {per_actor} B each (RSS growth over {n})");
        // Guards against the task future growing unnoticed (see the supervision benchmark).
        assert!(future < 4096, "the actor task future is {future} B");
    }
}
