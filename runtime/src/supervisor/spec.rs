//! Child specifications and supervisor flags, and their validation.
//!
//! A [`ChildSpec`] says how to start one child (a type-erased start function, so one
//! supervisor can hold actors of any type and nested supervisors), when to restart it
//! ([`Restart`]), how to stop it ([`ShutdownMode`]), what it is ([`ChildKind`]) and whether
//! its exit may shut the supervisor down (`significant`). Defaults follow OTP: permanent,
//! 5 s shutdown for workers and infinity for supervisors.
//!
//! ```
//! use arbor::supervisor::{ChildKind, ChildSpec, Restart};
//! use arbor::{Actor, Context, Init, ShutdownMode};
//! use std::convert::Infallible;
//!
//! struct Worker;
//! impl Actor for Worker {
//!     type Args = ();
//!     type Call = Infallible;
//!     type Cast = Infallible;
//!     type Info = Infallible;
//!     type Continue = Infallible;
//!     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
//!         Init::Ok(Worker)
//!     }
//! }
//!
//! let spec = ChildSpec::actor::<Worker>("worker", ()).restart(Restart::Transient);
//! assert_eq!(spec.id(), "worker");
//! assert_eq!(spec.kind(), ChildKind::Worker);
//! assert_eq!(spec.shutdown_mode(), ShutdownMode::WORKER_DEFAULT);
//! ```

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::actor::Actor;
use crate::cell::ActorCell;
use crate::exit::{ExitReason, ShutdownMode};
use crate::spawn::{Spawn, Started};

/// When a child is restarted after it exits (OTP's `restart` key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Restart {
    /// Always restarted.
    #[default]
    Permanent,
    /// Restarted only after an abnormal exit (not `normal`, `shutdown` or `shutdown(_)`).
    Transient,
    /// Never restarted; its spec is dropped when it exits.
    Temporary,
}

impl Restart {
    /// Whether a child with this restart type is restarted after exiting with `reason`.
    pub fn restarts_after(self, reason: &ExitReason) -> bool {
        match self {
            Restart::Permanent => true,
            Restart::Transient => reason.is_abnormal(),
            Restart::Temporary => false,
        }
    }
}

/// What a child is (OTP's `type` key): it sets the default shutdown and shows in counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChildKind {
    /// An ordinary actor.
    Worker,
    /// A supervisor (static, dynamic, task or partition).
    Supervisor,
}

impl ChildKind {
    /// OTP's default shutdown: 5 s for workers, infinity for supervisors (which need the time
    /// to stop their own children).
    pub fn default_shutdown(self) -> ShutdownMode {
        match self {
            ChildKind::Worker => ShutdownMode::WORKER_DEFAULT,
            ChildKind::Supervisor => ShutdownMode::Infinity,
        }
    }
}

/// A child that a start function produced: its cell, and for supervisors the typed handle
/// that lets [`FromChild`](super::FromChild) recover it without a round trip.
#[derive(Clone)]
pub struct RunningChild {
    pub(crate) cell: ActorCell,
    pub(crate) handle: Option<Arc<dyn Any + Send + Sync>>,
}

impl RunningChild {
    /// A running child known only by its cell.
    pub fn new(cell: ActorCell) -> RunningChild {
        RunningChild { cell, handle: None }
    }

    /// A running child with a typed handle (a nested supervisor's handle, say).
    pub fn with_handle<H: Any + Send + Sync>(cell: ActorCell, handle: H) -> RunningChild {
        RunningChild {
            cell,
            handle: Some(Arc::new(handle)),
        }
    }

    /// The child's untyped handle.
    pub fn cell(&self) -> &ActorCell {
        &self.cell
    }

    /// The typed handle given with [`with_handle`](Self::with_handle), if it is an `H`.
    pub fn handle<H: Any>(&self) -> Option<&H> {
        self.handle
            .as_deref()
            .and_then(|h| (h as &dyn Any).downcast_ref())
    }
}

impl fmt::Debug for RunningChild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RunningChild").field(&self.cell).finish()
    }
}

/// The future a start function returns: `Ok(Some)` running, `Ok(None)` ignored (OTP's
/// `ignore`), `Err` the reason the start failed.
pub type StartFuture =
    Pin<Box<dyn Future<Output = Result<Option<RunningChild>, ExitReason>> + Send>>;

/// A type-erased start function. It receives the supervisor's cell: the child must be linked
/// to it and have it as parent (see [`Spawn::child_of`]), so that the supervisor learns of the
/// child's exit and the child of the supervisor's.
pub type StartFn = Arc<dyn Fn(&ActorCell) -> StartFuture + Send + Sync>;

/// Something that can start a supervisor of some kind under a parent: how
/// [`ChildSpec::supervisor`] nests supervisors of every kind.
pub trait SupervisorStart: Send + Sync + 'static {
    /// Starts the supervisor linked to `parent` (and with it as parent), or standalone.
    fn start_under(&self, parent: Option<&ActorCell>) -> StartFuture;
}

/// How to start, restart and stop one child.
///
/// A shared handle: cloning a spec (a dynamic supervisor keeps one per child) is a reference
/// count increment, and children started from one spec share it.
#[derive(Clone)]
pub struct ChildSpec(Arc<SpecFields>);

/// The fields of a [`ChildSpec`].
#[derive(Clone)]
pub struct SpecFields {
    pub(crate) id: Arc<str>,
    pub(crate) start: StartFn,
    pub(crate) restart: Restart,
    pub(crate) shutdown: ShutdownMode,
    pub(crate) kind: ChildKind,
    pub(crate) significant: bool,
}

impl std::ops::Deref for ChildSpec {
    type Target = SpecFields;

    fn deref(&self) -> &SpecFields {
        &self.0
    }
}

impl ChildSpec {
    /// A child started by `start` (called with the supervisor's cell at every start).
    pub fn from_fn<F, Fut>(id: impl Into<Arc<str>>, kind: ChildKind, start: F) -> ChildSpec
    where
        F: Fn(&ActorCell) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<RunningChild>, ExitReason>> + Send + 'static,
    {
        ChildSpec(Arc::new(SpecFields {
            id: id.into(),
            start: Arc::new(move |sup| Box::pin(start(sup))),
            restart: Restart::Permanent,
            shutdown: kind.default_shutdown(),
            kind,
            significant: false,
        }))
    }

    /// A worker actor of type `A`, started with a clone of `args` each time.
    pub fn actor<A: Actor>(id: impl Into<Arc<str>>, args: A::Args) -> ChildSpec
    where
        A::Args: Clone,
    {
        ChildSpec::actor_with::<A>(id, args, |spawn| spawn)
    }

    /// A worker actor of type `A` without an id, started with a clone of `args` each time:
    /// for a dynamic supervisor, whose children are known by reference, not by id.
    pub fn anonymous<A: Actor>(args: A::Args) -> ChildSpec
    where
        A::Args: Clone,
    {
        ChildSpec::actor::<A>("", args)
    }

    /// A worker actor of type `A` whose [`Spawn`] options (name, mailbox, trapping exits)
    /// `configure` sets; the link and parent are set by the supervisor.
    pub fn actor_with<A: Actor>(
        id: impl Into<Arc<str>>,
        args: A::Args,
        configure: impl Fn(Spawn<A>) -> Spawn<A> + Send + Sync + 'static,
    ) -> ChildSpec
    where
        A::Args: Clone,
    {
        // The start function must be `Sync`; the arguments need only be `Send`.
        let args = Mutex::new(args);
        ChildSpec::from_fn(id, ChildKind::Worker, move |sup: &ActorCell| {
            let spawn = configure(Spawn::<A>::new()).child_of(sup);
            let args = args.lock().clone();
            async move {
                match spawn.start(args).await? {
                    Started::Running(r) => Ok(Some(RunningChild::new(r.cell()))),
                    Started::Ignored => Ok(None),
                }
            }
        })
    }

    /// A nested supervisor of any kind (static, dynamic, task, partition).
    pub fn supervisor(id: impl Into<Arc<str>>, spec: impl SupervisorStart) -> ChildSpec {
        ChildSpec::from_fn(id, ChildKind::Supervisor, move |sup: &ActorCell| {
            spec.start_under(Some(sup))
        })
    }

    /// Sets the restart type.
    pub fn restart(mut self, restart: Restart) -> ChildSpec {
        Arc::make_mut(&mut self.0).restart = restart;
        self
    }

    /// Sets how the child is stopped.
    pub fn shutdown(mut self, shutdown: ShutdownMode) -> ChildSpec {
        Arc::make_mut(&mut self.0).shutdown = shutdown;
        self
    }

    /// Marks the child significant for the supervisor's [`AutoShutdown`]; only transient and
    /// temporary children may be.
    pub fn significant(mut self, significant: bool) -> ChildSpec {
        Arc::make_mut(&mut self.0).significant = significant;
        self
    }

    /// The child's id, unique within its supervisor.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The restart type.
    pub fn restart_type(&self) -> Restart {
        self.restart
    }

    /// How the child is stopped.
    pub fn shutdown_mode(&self) -> ShutdownMode {
        self.shutdown
    }

    /// Worker or supervisor.
    pub fn kind(&self) -> ChildKind {
        self.kind
    }

    /// Whether the child is significant.
    pub fn is_significant(&self) -> bool {
        self.significant
    }

    /// Checks the spec on its own (OTP's `check_childspec`), given the supervisor's
    /// auto-shutdown setting.
    pub(crate) fn validate(&self, auto: AutoShutdown) -> Result<(), SpecError> {
        if self.significant && self.restart == Restart::Permanent {
            return Err(SpecError::SignificantPermanent(self.id.clone()));
        }
        if self.significant && auto == AutoShutdown::Never {
            return Err(SpecError::SignificantWithoutAutoShutdown(self.id.clone()));
        }
        Ok(())
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("id", &self.id)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown)
            .field("kind", &self.kind)
            .field("significant", &self.significant)
            .finish()
    }
}

/// When a supervisor shuts itself down because significant children exited (OTP's
/// `auto_shutdown`). Only exits the children make on their own count: a child the supervisor
/// stopped, or one it restarts, never triggers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum AutoShutdown {
    /// Never; significant children are rejected.
    #[default]
    Never,
    /// When any significant child exits without being restarted.
    AnySignificant,
    /// When a significant child exits without being restarted and no other significant
    /// child runs or waits for a restart attempt.
    AllSignificant,
}

/// Why a child spec or a supervisor's flags are invalid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Two children share an id.
    #[error("duplicate child id {0:?}")]
    DuplicateId(Arc<str>),
    /// A permanent child cannot be significant (it is always restarted).
    #[error(
        "child {0:?} is permanent and significant; only transient or temporary children may be significant"
    )]
    SignificantPermanent(Arc<str>),
    /// Significant children need an auto-shutdown other than `Never`.
    #[error("child {0:?} is significant but the supervisor's auto_shutdown is never")]
    SignificantWithoutAutoShutdown(Arc<str>),
    /// The restart intensity period must be longer than zero.
    #[error("the restart intensity period must be longer than zero")]
    ZeroPeriod,
}

/// Checks a list of child specs (each on its own, and ids unique).
pub(crate) fn validate_all(specs: &[ChildSpec], auto: AutoShutdown) -> Result<(), SpecError> {
    let mut seen = std::collections::HashSet::new();
    for spec in specs {
        spec.validate(auto)?;
        if !seen.insert(spec.id.clone()) {
            return Err(SpecError::DuplicateId(spec.id.clone()));
        }
    }
    Ok(())
}
