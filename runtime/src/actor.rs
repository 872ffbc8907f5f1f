//! The [`Actor`] trait: a typed GenServer.
//!
//! The type implementing `Actor` is the actor's state. Its protocol is four message types:
//! `Call` (requests that are answered, each variant carrying its own typed
//! [`ReplyTo`](crate::ReplyTo)), `Cast` (fire-and-forget requests), `Info` (everything else:
//! timers, notifications) and `Continue` (work an actor schedules for itself, OTP's
//! `{continue, _}`). Unused ones are set to [`std::convert::Infallible`].
//!
//! Every callback may panic: the panic is caught and the actor exits with
//! [`ExitReason::Panic`](crate::ExitReason::Panic), running `terminate` first, as a
//! `gen_server` does when a callback raises.
//!
//! ```
//! use arbor::{Actor, Context, Handled, Init, ReplyTo};
//! use std::convert::Infallible;
//!
//! struct Counter(u64);
//!
//! enum CounterCall {
//!     Get { reply_to: ReplyTo<u64> },
//! }
//!
//! impl Actor for Counter {
//!     type Args = u64;
//!     type Call = CounterCall;
//!     type Cast = u64; // add
//!     type Info = Infallible;
//!     type Continue = Infallible;
//!
//!     async fn init(start: u64, _ctx: &mut Context<Self>) -> Init<Self> {
//!         Init::Ok(Counter(start))
//!     }
//!
//!     async fn handle_call(&mut self, msg: CounterCall, _ctx: &mut Context<Self>) -> Handled<Self> {
//!         match msg {
//!             CounterCall::Get { reply_to } => {
//!                 let _ = reply_to.send(self.0);
//!             }
//!         }
//!         Handled::Continue
//!     }
//!
//!     async fn handle_cast(&mut self, n: u64, _ctx: &mut Context<Self>) -> Handled<Self> {
//!         self.0 += n;
//!         Handled::Continue
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let counter = Counter::spawn(40).await.unwrap().running().unwrap();
//! counter.cast(2).await.unwrap();
//! let n = counter.call(|reply_to| CounterCall::Get { reply_to }).await.unwrap();
//! assert_eq!(n, 42);
//! # }
//! ```

use std::future::Future;

use crate::context::Context;
use crate::exit::ExitReason;
use crate::handle::ActorRef;
use crate::mailbox::MailboxConfig;

pub use crate::cell::{Down, ExitSignal};
use crate::spawn::{Spawn, Started};

/// What `init` decided (OTP's `{ok, State}`, `{ok, State, {continue, C}}`, `ignore`,
/// `{stop, Reason}`).
pub enum Init<A: Actor> {
    /// Start serving with this state.
    Ok(A),
    /// Start with this state and run `handle_continue` before any message.
    Continue(A, A::Continue),
    /// Do not start; the starter gets [`Started::Ignored`](crate::Started::Ignored).
    Ignore,
    /// Do not start; the start fails with this reason.
    Stop(ExitReason),
}

/// What a handler decided (OTP's `noreply`, `{noreply, S, {continue, C}}`, `{stop, R, S}`).
pub enum Handled<A: Actor> {
    /// Go on serving.
    Continue,
    /// Run `handle_continue` with this value before the next message.
    ContinueWith(A::Continue),
    /// Stop: `terminate` runs with this reason, then the actor exits.
    Stop(ExitReason),
}

/// An actor: the implementing type is its state, the associated types its protocol.
///
/// Only [`init`](Actor::init) is required; the other callbacks default to doing nothing (a
/// call that reaches the default `handle_call` is dropped, so its caller gets
/// [`CallError::NoReply`](crate::CallError::NoReply)).
pub trait Actor: Sized + Send + 'static {
    /// Start-up arguments given to [`init`](Actor::init).
    type Args: Send + 'static;
    /// Requests that are answered; each variant carries a [`ReplyTo`](crate::ReplyTo).
    type Call: Send + 'static;
    /// Fire-and-forget requests.
    type Cast: Send + 'static;
    /// Other messages: timers, notifications.
    type Info: Send + 'static;
    /// Work the actor schedules for itself before its next message.
    type Continue: Send + 'static;

    /// Builds the state. The starter waits until `init` returns; a panic here fails the start
    /// with [`ExitReason::Panic`].
    fn init(args: Self::Args, ctx: &mut Context<Self>) -> impl Future<Output = Init<Self>> + Send;

    /// Handles a call. Answer through the `ReplyTo` in the message, now or later.
    fn handle_call(
        &mut self,
        msg: Self::Call,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Handled<Self>> + Send {
        let _ = ctx;
        async move {
            drop(msg);
            Handled::Continue
        }
    }

    /// Handles a cast.
    fn handle_cast(
        &mut self,
        msg: Self::Cast,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Handled<Self>> + Send {
        let _ = (msg, ctx);
        async { Handled::Continue }
    }

    /// Handles an info message.
    fn handle_info(
        &mut self,
        msg: Self::Info,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Handled<Self>> + Send {
        let _ = (msg, ctx);
        async { Handled::Continue }
    }

    /// Runs work scheduled by [`Init::Continue`] or [`Handled::ContinueWith`].
    fn handle_continue(
        &mut self,
        msg: Self::Continue,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Handled<Self>> + Send {
        let _ = (msg, ctx);
        async { Handled::Continue }
    }

    /// Handles an exit signal from a linked actor while trapping exits
    /// ([`Context::trap_exit`]). Not called for the parent's exit: an actor whose parent exits
    /// stops with the parent's reason, as a `gen_server` does.
    fn handle_exit(
        &mut self,
        signal: ExitSignal,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Handled<Self>> + Send {
        let _ = (signal, ctx);
        async { Handled::Continue }
    }

    /// Handles the exit of a monitored actor.
    fn handle_down(
        &mut self,
        down: Down,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Handled<Self>> + Send {
        let _ = (down, ctx);
        async { Handled::Continue }
    }

    /// Called when no message arrived for the idle timeout ([`Context::set_idle_timeout`]).
    fn handle_timeout(
        &mut self,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Handled<Self>> + Send {
        let _ = ctx;
        async { Handled::Continue }
    }

    /// Runs before the actor exits, except when it is killed or taken down by a linked
    /// actor's exit while not trapping exits.
    fn terminate(
        &mut self,
        reason: &ExitReason,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (reason, ctx);
        async {}
    }

    /// A stop this actor asked for through its own state rather than [`Context::stop`]
    /// (generated actors: their `ctx.stop`), taken after every callback: `Some(reason)` stops
    /// the actor as [`Context::stop`] would (`terminate` runs). `None` by default. Lets a
    /// callback's future be its handler's own future, with no `async` block around it to
    /// turn a stop into [`Handled::Stop`].
    #[inline]
    fn take_stop(&mut self) -> Option<ExitReason> {
        None
    }

    /// The mailbox every actor of this type gets unless its [`Spawn`] says otherwise.
    fn mailbox() -> MailboxConfig {
        MailboxConfig::default()
    }

    /// Starts an actor with default options and waits for `init` (like
    /// `gen_server:start/3`). See [`Spawn`] for names, links, mailboxes and lineage.
    fn spawn(args: Self::Args) -> impl Future<Output = Result<Started<Self>, ExitReason>> + Send {
        Spawn::new().start(args)
    }

    /// Like [`spawn`](Actor::spawn), for the common case of an actor that runs: its handle, or
    /// why it did not start (an `init` that returned [`Init::Ignore`] is an error here).
    fn start(args: Self::Args) -> impl Future<Output = Result<ActorRef<Self>, ExitReason>> + Send {
        async move {
            match Spawn::new().start(args).await? {
                Started::Running(actor) => Ok(actor),
                Started::Ignored => Err(ExitReason::error("init returned Ignore: no actor runs")),
            }
        }
    }
}
