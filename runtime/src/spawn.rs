//! Starting actors: the [`Spawn`] builder and its outcome, [`Started`].
//!
//! Starting works like `gen_server:start_link`: the actor's task is spawned, and
//! [`Spawn::start`] returns once `init` has finished, with the running actor's handle,
//! [`Started::Ignored`], or the reason the start failed (an `Init::Stop` reason or a panic in
//! `init`). A failed or ignored start sends no exit signal to linked actors: the starter learns
//! of it from the result alone, so a supervisor has one place to handle it.
//!
//! ```
//! use arbor::{Actor, Context, ExitReason, Init, MailboxConfig, Overflow, Spawn, Started};
//! use std::convert::Infallible;
//!
//! struct Worker;
//! impl Actor for Worker {
//!     type Args = bool;
//!     type Call = Infallible;
//!     type Cast = Infallible;
//!     type Info = Infallible;
//!     type Continue = Infallible;
//!
//!     async fn init(ok: bool, _ctx: &mut Context<Self>) -> Init<Self> {
//!         if ok { Init::Ok(Worker) } else { Init::Stop(ExitReason::error("no config")) }
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let started = Spawn::<Worker>::new()
//!     .name("worker")
//!     .mailbox(MailboxConfig::bounded(16).overflow(Overflow::Reject))
//!     .start(true)
//!     .await;
//! let worker = started.unwrap().running().unwrap();
//! assert_eq!(worker.name(), Some("worker"));
//!
//! let failed = Spawn::<Worker>::new().start(false).await;
//! assert_eq!(failed.unwrap_err(), ExitReason::error("no config"));
//! # }
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use tokio::sync::oneshot;

use crate::actor::Actor;
use crate::cell::{ActorCell, Core};
use crate::context::Context;
use crate::exit::ExitReason;
use crate::handle::{ActorRef, Shared};
use crate::lineage::Ancestors;
use crate::mailbox::{Mailbox, MailboxConfig};
use crate::runner::{self, StartOutcome};

/// The outcome of a successful start.
pub enum Started<A: Actor> {
    /// `init` returned `Ok` or `Continue`: the actor is serving.
    Running(ActorRef<A>),
    /// `init` returned `Ignore`: no actor runs (a supervisor keeps the child spec).
    Ignored,
}

impl<A: Actor> Started<A> {
    /// The handle, if the actor is running.
    pub fn running(self) -> Option<ActorRef<A>> {
        match self {
            Started::Running(r) => Some(r),
            Started::Ignored => None,
        }
    }

    /// `true` if the actor is running.
    pub fn is_running(&self) -> bool {
        matches!(self, Started::Running(_))
    }
}

impl<A: Actor> fmt::Debug for Started<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Started::Running(r) => f.debug_tuple("Running").field(r).finish(),
            Started::Ignored => f.write_str("Ignored"),
        }
    }
}

/// Options for starting an actor of type `A`.
#[must_use = "a Spawn does nothing until `start` is awaited"]
pub struct Spawn<A: Actor> {
    options: Options,
    mailbox: Option<MailboxConfig>,
    _actor: PhantomData<fn() -> A>,
}

/// The options that do not depend on the actor's type: what `start` does with them is
/// compiled once, not once per actor type.
#[derive(Default)]
struct Options {
    name: Option<Arc<str>>,
    link: Option<ActorCell>,
    parent: Option<ActorCell>,
    register: Option<Arc<str>>,
    trap_exit: bool,
}

impl<A: Actor> Default for Spawn<A> {
    fn default() -> Self {
        Spawn::new()
    }
}

impl<A: Actor> Spawn<A> {
    /// Default options: no name, the type's [`Actor::mailbox`], no link, no parent.
    pub fn new() -> Spawn<A> {
        Spawn {
            options: Options::default(),
            mailbox: None,
            _actor: PhantomData,
        }
    }

    /// A name, for introspection and tracing (registries give names their meaning).
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.options.name = Some(name.into());
        self
    }

    /// Overrides the type's mailbox configuration.
    pub fn mailbox(mut self, config: MailboxConfig) -> Self {
        self.mailbox = Some(config);
        self
    }

    /// Links the new actor to `to` before `init` runs (`start_link`).
    pub fn link(mut self, to: &ActorCell) -> Self {
        self.options.link = Some(to.clone());
        self
    }

    /// Records `parent` as the new actor's parent: its first ancestor, whose exit stops the
    /// actor even when it traps exits (if they are linked).
    pub fn parent(mut self, parent: &ActorCell) -> Self {
        self.options.parent = Some(parent.clone());
        self
    }

    /// Registers the actor under `name` ([`crate::names`], OTP's `{local, Name}`) before
    /// `init` runs; the name is freed when it exits. If a live actor holds the name, `start`
    /// fails with an [`AlreadyRegistered`](crate::names::AlreadyRegistered) error naming it
    /// (`reason.downcast_ref::<AlreadyRegistered>()`). Also the actor's name, unless one is set.
    pub fn register(mut self, name: impl Into<Arc<str>>) -> Self {
        self.options.register = Some(name.into());
        self
    }

    /// Both [`parent`](Self::parent) and [`link`](Self::link): how supervisors start children.
    pub fn child_of(self, parent: &ActorCell) -> Self {
        self.parent(parent).link(parent)
    }

    /// Starts with exit trapping on (it can also be changed from `init`).
    pub fn trap_exit(mut self, trap: bool) -> Self {
        self.options.trap_exit = trap;
        self
    }

    /// Spawns the actor's task and waits until `init` has finished. Must be called within a
    /// tokio runtime.
    pub async fn start(self, args: A::Args) -> Result<Started<A>, ExitReason> {
        let shared = Arc::new(Shared {
            core: self.options.core(),
            mailbox: Mailbox::new(self.mailbox.unwrap_or_else(A::mailbox)),
        });
        let myself = ActorRef::from_shared(shared);
        let cell = myself.cell();
        self.options.attach(&cell)?;
        let (started_tx, started_rx) = oneshot::channel();
        spawn_task(runner::run(myself.clone(), args, started_tx));
        match wait_started(started_rx, cell).await? {
            true => Ok(Started::Running(myself)),
            false => Ok(Started::Ignored),
        }
    }
}

impl Options {
    /// The new actor's core: its name and ancestors.
    fn core(&self) -> Core {
        let ancestors = match &self.parent {
            Some(p) => p.core().child_ancestors(),
            None => Ancestors::none(),
        };
        Core::new(
            self.name.clone().or_else(|| self.register.clone()),
            ancestors,
        )
    }

    /// Applies the options to the new actor before its task runs: exit trapping (first: an
    /// exit signal may arrive before the task runs), its registered name, its link.
    fn attach(self, cell: &ActorCell) -> Result<(), ExitReason> {
        cell.core().set_trap_exit(self.trap_exit);
        if let Some(registered) = self.register {
            crate::names::register(registered, cell).map_err(|e| match e {
                crate::names::RegisterError::Taken(taken) => ExitReason::from_error(taken),
                other => ExitReason::from_error(other),
            })?;
        }
        if let Some(to) = &self.link {
            cell.link(to);
        }
        Ok(())
    }
}

/// Every actor's task is one boxed future of one type, so tokio's task machinery (per future
/// type and scheduler) is compiled once for all actors, not once per actor type.
fn spawn_task(task: std::pin::Pin<Box<dyn Future<Output = ()> + Send + 'static>>) {
    tokio::spawn(task);
}

/// Waits for `init`: `true` if the actor runs, `false` if it was ignored.
async fn wait_started(
    started: oneshot::Receiver<StartOutcome>,
    cell: ActorCell,
) -> Result<bool, ExitReason> {
    match started.await {
        Ok(StartOutcome::Running) => Ok(true),
        Ok(StartOutcome::Ignored) => Ok(false),
        Ok(StartOutcome::Failed(reason)) => Err(reason),
        // Killed (or the runtime shut down) during init.
        Err(_) => Err(cell.core().wait().await),
    }
}

impl<A: Actor> Context<A> {
    /// A builder for a child actor linked to this one, with this actor as its parent (first
    /// ancestor). If this actor exits, the child receives its exit signal and stops with the
    /// same reason, even when trapping exits.
    pub fn spawn_child<B: Actor>(&self) -> Spawn<B> {
        Spawn::new().child_of(&self.cell())
    }

    /// Starts a linked child with default options (see [`spawn_child`](Self::spawn_child)) and
    /// waits for its `init`.
    pub async fn spawn_link<B: Actor>(&self, args: B::Args) -> Result<Started<B>, ExitReason> {
        self.spawn_child::<B>().start(args).await
    }
}
