//! The [`Supervisor`] actor: its children, start-up, administration calls and shutdown.
//!
//! The supervisor traps exits and is linked to each child (children are started with it as
//! parent), so a child's exit arrives as an exit signal; the restart logic lives in
//! [`strategy`](super::strategy). Every change to a child's state goes through
//! [`Supervisor::set_running`] / [`Supervisor::set_stopped`], which keep the shared
//! [`Directory`] (what typed child lookups read without a round trip) in step.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use tokio::sync::Notify;

use crate::actor::{Actor, ExitSignal, Handled, Init};
use crate::cell::ActorCell;
use crate::context::Context;
use crate::exit::ExitReason;
use crate::mailbox::MailboxConfig;
use crate::reply::ReplyTo;

use super::intensity::RestartWindow;
use super::spec::{AutoShutdown, ChildSpec, Restart, RunningChild, validate_all};
use super::{
    ChildCounts, ChildEntry, ChildError, ChildInfo, ChildSelector, ChildStatus, StartChildError,
    StartError, Strategy, SupervisorSpec,
};

/// The running children of one supervisor, by id (a static supervisor) or by a serial number
/// kept across restarts (a dynamic supervisor): read by typed lookups from any thread.
pub(crate) struct Directory<K = Arc<str>> {
    map: RwLock<HashMap<K, RunningChild>>,
    changed: Notify,
}

impl<K> Default for Directory<K> {
    fn default() -> Self {
        Directory {
            map: RwLock::new(HashMap::new()),
            changed: Notify::new(),
        }
    }
}

impl<K: Eq + Hash> Directory<K> {
    pub(crate) fn insert(&self, key: K, child: RunningChild) {
        self.map.write().insert(key, child);
        self.changed.notify_waiters();
    }

    pub(crate) fn remove<Q: Eq + Hash + ?Sized>(&self, key: &Q)
    where
        K: Borrow<Q>,
    {
        self.map.write().remove(key);
    }

    /// The running child `key`. A child whose supervisor was killed (so the directory was not
    /// cleaned up) is dead: it is filtered out here.
    pub(crate) fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> Option<RunningChild>
    where
        K: Borrow<Q>,
    {
        self.map
            .read()
            .get(key)
            .filter(|c| c.cell.is_alive())
            .cloned()
    }

    /// A future that completes on the next change, registered before the caller checks.
    pub(crate) fn next_change(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }
}

/// Where a child is in its life.
pub(crate) enum ChildState {
    Running(RunningChild),
    /// A restart attempt failed; another is scheduled.
    Restarting,
    /// Not running: ignored at start, terminated, or exited without restart.
    Stopped,
}

pub(crate) struct Child {
    pub(crate) spec: ChildSpec,
    pub(crate) state: ChildState,
    /// Times this child was restarted by the strategy.
    pub(crate) restarts: u32,
    /// Why its last incarnation exited on its own (for introspection).
    pub(crate) last_exit: Option<ExitReason>,
}

impl Child {
    pub(crate) fn cell(&self) -> Option<&ActorCell> {
        match &self.state {
            ChildState::Running(rc) => Some(&rc.cell),
            _ => None,
        }
    }
}

/// A static supervisor (OTP `supervisor` with one_for_one, one_for_all or rest_for_one).
/// Built from a [`SupervisorSpec`] and used through a [`SupervisorRef`](super::SupervisorRef).
pub struct Supervisor {
    pub(crate) strategy: Strategy,
    pub(crate) auto_shutdown: AutoShutdown,
    pub(crate) window: RestartWindow,
    pub(crate) children: Vec<Child>,
    pub(crate) directory: Arc<Directory>,
    pub(crate) me: ActorCell,
}

/// Start-up arguments of a [`Supervisor`] actor.
pub struct SupervisorArgs {
    pub(crate) spec: SupervisorSpec,
    pub(crate) directory: Arc<Directory>,
    /// Where `init` leaves a structured start error for the starter.
    pub(crate) error: Arc<Mutex<Option<StartError>>>,
}

/// Requests a [`Supervisor`] answers (built by [`SupervisorRef`](super::SupervisorRef)).
pub enum SupervisorCall {
    /// `start_child`.
    StartChild(
        ChildSpec,
        ReplyTo<Result<Option<ActorCell>, StartChildError>>,
    ),
    /// `terminate_child`.
    TerminateChild(ChildSelector, ReplyTo<Result<(), ChildError>>),
    /// `restart_child`.
    RestartChild(Arc<str>, ReplyTo<Result<Option<ActorCell>, ChildError>>),
    /// `delete_child`.
    DeleteChild(Arc<str>, ReplyTo<Result<(), ChildError>>),
    /// `which_children`.
    WhichChildren(ReplyTo<Vec<ChildInfo>>),
    /// `count_children`.
    CountChildren(ReplyTo<ChildCounts>),
    /// Introspection entries.
    Entries(ReplyTo<Vec<ChildEntry>>),
}

/// Messages a [`Supervisor`] sends itself.
pub enum SupervisorInfo {
    /// Retry restarting a child whose restart failed (OTP's `try_again_restart`).
    TryAgain(Arc<str>),
}

impl Actor for Supervisor {
    type Args = SupervisorArgs;
    type Call = SupervisorCall;
    type Cast = std::convert::Infallible;
    type Info = SupervisorInfo;
    type Continue = std::convert::Infallible;

    async fn init(args: SupervisorArgs, ctx: &mut Context<Self>) -> Init<Self> {
        let SupervisorArgs {
            spec,
            directory,
            error,
        } = args;
        let mut sup = Supervisor {
            strategy: spec.strategy,
            auto_shutdown: spec.auto_shutdown,
            window: RestartWindow::new(spec.intensity),
            children: Vec::with_capacity(spec.children.len()),
            directory,
            me: ctx.cell(),
        };
        for child in spec.children {
            let id = child.id.clone();
            sup.children.push(Child {
                spec: child,
                state: ChildState::Stopped,
                restarts: 0,
                last_exit: None,
            });
            let i = sup.children.len() - 1;
            match sup.start_at(i).await {
                Ok(_) => {
                    // OTP drops an ignored temporary child at start-up.
                    let ignored = matches!(sup.children[i].state, ChildState::Stopped);
                    if ignored && sup.children[i].spec.restart == Restart::Temporary {
                        sup.children.pop();
                    }
                }
                Err(reason) => {
                    sup.stop_all().await;
                    let failure = StartError::ChildFailed { id, reason };
                    let exit = failure.clone().into_exit_reason();
                    *error.lock() = Some(failure);
                    return Init::Stop(exit);
                }
            }
        }
        Init::Ok(sup)
    }

    async fn handle_call(
        &mut self,
        msg: SupervisorCall,
        _ctx: &mut Context<Self>,
    ) -> Handled<Self> {
        match msg {
            SupervisorCall::StartChild(spec, reply) => {
                let _ = reply.send(self.start_new_child(spec).await);
            }
            SupervisorCall::TerminateChild(id, reply) => {
                let _ = reply.send(self.terminate_child(&id).await);
            }
            SupervisorCall::RestartChild(id, reply) => {
                let _ = reply.send(self.restart_child(&id).await);
            }
            SupervisorCall::DeleteChild(id, reply) => {
                let _ = reply.send(self.delete_child(&id));
            }
            SupervisorCall::WhichChildren(reply) => {
                let _ = reply.send(self.which_children());
            }
            SupervisorCall::CountChildren(reply) => {
                let _ = reply.send(self.count_children());
            }
            SupervisorCall::Entries(reply) => {
                let entries = self
                    .children
                    .iter()
                    .map(|c| ChildEntry {
                        id: Some(c.spec.id.clone()),
                        kind: c.spec.kind,
                        restart: c.spec.restart,
                        restarts: c.restarts,
                        status: status_of(&c.state),
                        cell: c.cell().cloned(),
                        last_exit: c.last_exit.clone(),
                    })
                    .collect();
                let _ = reply.send(entries);
            }
        }
        Handled::Continue
    }

    async fn handle_info(
        &mut self,
        msg: SupervisorInfo,
        _ctx: &mut Context<Self>,
    ) -> Handled<Self> {
        let SupervisorInfo::TryAgain(id) = msg;
        match self.position(&id) {
            Some(i) if matches!(self.children[i].state, ChildState::Restarting) => {
                match self.restart(i).await {
                    Some(reason) => Handled::Stop(reason),
                    None => Handled::Continue,
                }
            }
            // Terminated, deleted or restarted by a sibling's restart meanwhile.
            _ => Handled::Continue,
        }
    }

    async fn handle_exit(&mut self, signal: ExitSignal, _ctx: &mut Context<Self>) -> Handled<Self> {
        // Exits of actors that are no longer (or never were) children are stale: ignore them.
        let Some(i) = self
            .children
            .iter()
            .position(|c| c.cell().is_some_and(|cell| cell.id() == signal.from))
        else {
            return Handled::Continue;
        };
        match self.child_exited(i, signal.reason).await {
            Some(reason) => Handled::Stop(reason),
            None => Handled::Continue,
        }
    }

    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut Context<Self>) {
        self.stop_all().await;
    }

    fn mailbox() -> MailboxConfig {
        // Like an Erlang process: a supervisor must never refuse its own retry messages.
        MailboxConfig::unbounded()
    }
}

pub(crate) fn status_of(state: &ChildState) -> ChildStatus {
    match state {
        ChildState::Running(rc) => ChildStatus::Running(rc.cell.clone()),
        ChildState::Restarting => ChildStatus::Restarting,
        ChildState::Stopped => ChildStatus::Undefined,
    }
}

impl Supervisor {
    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.children.iter().position(|c| &*c.spec.id == id)
    }

    pub(crate) fn set_running(&mut self, i: usize, rc: RunningChild) {
        self.directory
            .insert(self.children[i].spec.id.clone(), rc.clone());
        self.children[i].state = ChildState::Running(rc);
    }

    pub(crate) fn set_stopped(&mut self, i: usize, restarting: bool) {
        self.directory.remove(&self.children[i].spec.id);
        self.children[i].state = if restarting {
            ChildState::Restarting
        } else {
            ChildState::Stopped
        };
    }

    /// Starts child `i`; `Ok(true)` if it runs, `Ok(false)` if it ignored the start.
    pub(crate) async fn start_at(&mut self, i: usize) -> Result<bool, ExitReason> {
        let start = self.children[i].spec.start.clone();
        match start(&self.me).await? {
            Some(rc) => {
                self.set_running(i, rc);
                Ok(true)
            }
            None => {
                self.set_stopped(i, false);
                Ok(false)
            }
        }
    }

    /// Stops child `i` with its shutdown mode, if it runs (the supervisor's own doing: no
    /// restart, no auto-shutdown).
    pub(crate) async fn stop_at(&mut self, i: usize) {
        if let ChildState::Running(rc) = &self.children[i].state {
            let cell = rc.cell.clone();
            // Unlinked first, so the exit does not come back as a signal to handle.
            self.me.unlink(&cell);
            cell.shutdown(self.children[i].spec.shutdown).await;
        }
        // A child waiting for a restart attempt is not retried any more (OTP's `undefined`).
        self.set_stopped(i, false);
    }

    /// Stops every child in reverse start order.
    pub(crate) async fn stop_all(&mut self) {
        for i in (0..self.children.len()).rev() {
            self.stop_at(i).await;
        }
    }

    async fn start_new_child(
        &mut self,
        spec: ChildSpec,
    ) -> Result<Option<ActorCell>, StartChildError> {
        spec.validate(self.auto_shutdown)
            .map_err(StartChildError::Invalid)?;
        if let Some(i) = self.position(&spec.id) {
            return Err(match self.children[i].cell() {
                Some(cell) => StartChildError::AlreadyStarted(cell.clone()),
                None => StartChildError::AlreadyPresent,
            });
        }
        let temporary = spec.restart == Restart::Temporary;
        self.children.push(Child {
            spec,
            state: ChildState::Stopped,
            restarts: 0,
            last_exit: None,
        });
        let i = self.children.len() - 1;
        match self.start_at(i).await {
            Ok(true) => Ok(self.children[i].cell().cloned()),
            Ok(false) => {
                if temporary {
                    self.children.pop();
                }
                Ok(None)
            }
            Err(reason) => {
                self.children.pop();
                Err(StartChildError::Failed(reason))
            }
        }
    }

    async fn terminate_child(&mut self, child: &ChildSelector) -> Result<(), ChildError> {
        let i = self
            .children
            .iter()
            .position(|c| child.matches(Some(&c.spec.id), c.cell()))
            .ok_or(ChildError::NotFound)?;
        self.stop_at(i).await;
        if self.children[i].spec.restart == Restart::Temporary {
            self.children.remove(i);
        }
        Ok(())
    }

    async fn restart_child(&mut self, id: &str) -> Result<Option<ActorCell>, ChildError> {
        let i = self.position(id).ok_or(ChildError::NotFound)?;
        match self.children[i].state {
            ChildState::Running(_) => Err(ChildError::Running),
            ChildState::Restarting => Err(ChildError::Restarting),
            ChildState::Stopped => match self.start_at(i).await {
                Ok(_) => Ok(self.children[i].cell().cloned()),
                Err(reason) => Err(ChildError::Failed(reason)),
            },
        }
    }

    fn delete_child(&mut self, id: &str) -> Result<(), ChildError> {
        let i = self.position(id).ok_or(ChildError::NotFound)?;
        match self.children[i].state {
            ChildState::Running(_) => Err(ChildError::Running),
            ChildState::Restarting => Err(ChildError::Restarting),
            ChildState::Stopped => {
                self.children.remove(i);
                Ok(())
            }
        }
    }

    fn which_children(&self) -> Vec<ChildInfo> {
        self.children
            .iter()
            .map(|c| ChildInfo {
                id: Some(c.spec.id.clone()),
                status: status_of(&c.state),
                kind: c.spec.kind,
                restart: c.spec.restart,
            })
            .collect()
    }

    fn count_children(&self) -> ChildCounts {
        let mut counts = ChildCounts::default();
        for c in &self.children {
            counts.specs += 1;
            if c.cell().is_some() {
                counts.active += 1;
            }
            match c.spec.kind {
                super::ChildKind::Worker => counts.workers += 1,
                super::ChildKind::Supervisor => counts.supervisors += 1,
            }
        }
        counts
    }
}

/// Validates a spec before its supervisor is spawned, so a bad spec is reported as such.
pub(crate) fn check(spec: &SupervisorSpec) -> Result<(), StartError> {
    if spec.intensity.period.is_zero() {
        return Err(StartError::Invalid(super::SpecError::ZeroPeriod));
    }
    validate_all(&spec.children, spec.auto_shutdown).map_err(StartError::Invalid)
}
