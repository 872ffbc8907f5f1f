//! [`Server`]: the plain case of [`Actor`], as short as the peers' actors.
//!
//! A server has calls and casts and nothing else: no info or continue messages to declare, no
//! `Handled` to return (a handler that wants to stop calls [`Context::stop`]), and `init`
//! returns a `Result`. Every `Server` is an [`Actor`], so supervisors, links, monitors,
//! registries and names work unchanged; when a server needs more (timers, `handle_continue`,
//! trapped exits), implement [`Actor`] instead.
//!
//! ```
//! use arbor::prelude::*;
//!
//! struct Counter(u64);
//!
//! enum Get { Count(ReplyTo<u64>) }
//!
//! impl Server for Counter {
//!     type Args = u64;
//!     type Call = Get;
//!     type Cast = u64; // add
//!
//!     async fn init(start: u64, _ctx: &mut Context<Self>) -> Result<Self, ExitReason> {
//!         Ok(Counter(start))
//!     }
//!     async fn handle_call(&mut self, Get::Count(reply_to): Get, _ctx: &mut Context<Self>) {
//!         let _ = reply_to.send(self.0);
//!     }
//!     async fn handle_cast(&mut self, n: u64, _ctx: &mut Context<Self>) {
//!         self.0 += n;
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let counter = Counter::start(40).await?;
//! counter.cast(2).await?;
//! assert_eq!(counter.call(Get::Count).await?, 42);
//! # Ok(())
//! # }
//! ```

use std::convert::Infallible;
use std::future::Future;

use crate::actor::{Actor, Down, Handled, Init};
use crate::context::Context;
use crate::exit::ExitReason;
use crate::mailbox::MailboxConfig;

/// An actor with calls and casts only: the plain case of [`Actor`], which every `Server` is.
pub trait Server: Sized + Send + 'static {
    /// What `init` receives.
    type Args: Send + 'static;
    /// The requests that are answered (each variant carries its [`ReplyTo`](crate::ReplyTo)).
    type Call: Send + 'static;
    /// The fire-and-forget requests.
    type Cast: Send + 'static;

    /// Builds the state; an `Err` fails the start with that reason.
    fn init(
        args: Self::Args,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Result<Self, ExitReason>> + Send;

    /// Handles a call.
    fn handle_call(
        &mut self,
        msg: Self::Call,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send;

    /// Handles a cast.
    fn handle_cast(
        &mut self,
        msg: Self::Cast,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send;

    /// Handles the exit of a monitored actor. Does nothing by default.
    fn handle_down(
        &mut self,
        down: Down,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (down, ctx);
        async {}
    }

    /// Runs before the server exits (not when it is killed). Does nothing by default.
    fn terminate(
        &mut self,
        reason: &ExitReason,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (reason, ctx);
        async {}
    }

    /// The mailbox every server of this type gets.
    fn mailbox() -> MailboxConfig {
        MailboxConfig::default()
    }
}

impl<S: Server> Actor for S {
    type Args = S::Args;
    type Call = S::Call;
    type Cast = S::Cast;
    type Info = Infallible;
    type Continue = Infallible;

    async fn init(args: S::Args, ctx: &mut Context<Self>) -> Init<Self> {
        match S::init(args, ctx).await {
            Ok(state) => Init::Ok(state),
            Err(reason) => Init::Stop(reason),
        }
    }

    async fn handle_call(&mut self, msg: S::Call, ctx: &mut Context<Self>) -> Handled<Self> {
        S::handle_call(self, msg, ctx).await;
        Handled::Continue
    }

    async fn handle_cast(&mut self, msg: S::Cast, ctx: &mut Context<Self>) -> Handled<Self> {
        S::handle_cast(self, msg, ctx).await;
        Handled::Continue
    }

    async fn handle_info(&mut self, msg: Infallible, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {}
    }

    async fn handle_continue(
        &mut self,
        msg: Infallible,
        _ctx: &mut Context<Self>,
    ) -> Handled<Self> {
        match msg {}
    }

    async fn handle_down(&mut self, down: Down, ctx: &mut Context<Self>) -> Handled<Self> {
        S::handle_down(self, down, ctx).await;
        Handled::Continue
    }

    async fn terminate(&mut self, reason: &ExitReason, ctx: &mut Context<Self>) {
        S::terminate(self, reason, ctx).await;
    }

    fn mailbox() -> MailboxConfig {
        S::mailbox()
    }
}
