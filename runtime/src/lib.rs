//! Arbor's bundled runtime: OTP-style actors, supervisors and registries on tokio.
//!
//! An actor is a type implementing [`Actor`] (a typed GenServer). It is started with
//! [`Spawn`] (or [`Actor::spawn`]), which waits for `init` like `gen_server:start_link`, and
//! reached through an [`ActorRef`]: [`call`](ActorRef::call) (typed request, typed reply,
//! timeout, errors that never leave the caller hanging), [`cast`](ActorRef::cast),
//! [`send`](ActorRef::send) and [`send_after`](ActorRef::send_after). Supervisors and
//! registries hold the untyped [`ActorCell`]: shutdown, kill, links, monitors, exit waiting.
//!
//! The plain case — calls and casts, nothing else — is a [`Server`]: no message kinds to
//! declare that it does not use, handlers that return `()`, and `Counter::start(0).await?`
//! (a whole counter in 20 lines, in [`Server`]'s docs). Every `Server` is an `Actor`; the
//! full [`Actor`] trait adds info and continue messages, trapped exits, idle timeouts and
//! `Handled`'s choices. Registered names (OTP's `{local, Name}`) are in [`names`].
//!
//! ```
//! use arbor::prelude::*;
//! use std::convert::Infallible;
//!
//! struct Greeter {
//!     greeting: String,
//! }
//!
//! enum GreeterCall {
//!     Greet { name: String, reply_to: ReplyTo<String> },
//! }
//!
//! impl Actor for Greeter {
//!     type Args = String;
//!     type Call = GreeterCall;
//!     type Cast = String; // a new greeting
//!     type Info = Infallible;
//!     type Continue = Infallible;
//!
//!     async fn init(greeting: String, _ctx: &mut Context<Self>) -> Init<Self> {
//!         Init::Ok(Greeter { greeting })
//!     }
//!
//!     async fn handle_call(&mut self, msg: GreeterCall, _ctx: &mut Context<Self>) -> Handled<Self> {
//!         let GreeterCall::Greet { name, reply_to } = msg;
//!         let _ = reply_to.send(format!("{}, {name}!", self.greeting));
//!         Handled::Continue
//!     }
//!
//!     async fn handle_cast(&mut self, greeting: String, _ctx: &mut Context<Self>) -> Handled<Self> {
//!         self.greeting = greeting;
//!         Handled::Continue
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let greeter = Greeter::spawn("Hello".into()).await.unwrap().running().unwrap();
//! let greet = |name: &str| {
//!     let name = name.to_string();
//!     move |reply_to| GreeterCall::Greet { name, reply_to }
//! };
//! assert_eq!(greeter.call(greet("Ada")).await.unwrap(), "Hello, Ada!");
//! greeter.cast("Goodbye".into()).await.unwrap();
//! assert_eq!(greeter.call(greet("Ada")).await.unwrap(), "Goodbye, Ada!");
//! assert_eq!(greeter.cell().shutdown(ShutdownMode::Infinity).await, ExitReason::Shutdown);
//! # }
//! ```

mod actor;
mod call;
mod cell;
pub mod codegen;
mod context;
mod error;
mod exit;
mod handle;
pub mod introspect;
pub mod lineage;
mod link;
mod mailbox;
pub mod names;
mod port;
pub mod registry;
pub mod remote;
mod reply;
mod runner;
mod server;
mod spawn;
pub mod static_graph;
mod stats;
pub mod supervisor;
pub mod task;
mod timer;

#[cfg(test)]
mod test_support;

pub use actor::{Actor, Down, ExitSignal, Handled, Init};
pub use call::{CallError, DEFAULT_CALL_TIMEOUT};
pub use cell::ActorCell;
pub use context::Context;
pub use exit::{Cause, ExitReason, ShutdownMode};
pub use handle::{ActorRef, CastError, CastNow};
pub use lineage::{ActorId, Ancestors, CallChain, Hop};
pub use link::MonitorRef;
pub use mailbox::{MailboxConfig, Overflow};
pub use reply::ReplyTo;
pub use server::Server;
pub use spawn::{Spawn, Started};
pub use timer::TimerRef;

/// The names most actor code needs.
pub mod prelude {
    pub use crate::{
        Actor, ActorCell, ActorId, ActorRef, CallError, CastError, Context, Down, ExitReason,
        ExitSignal, Handled, Init, MailboxConfig, MonitorRef, Overflow, ReplyTo, Server,
        ShutdownMode, Spawn, Started, TimerRef,
    };
}
