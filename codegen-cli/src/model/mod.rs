//! THE spec model: protocols, actors, supervision trees and apps.
//!
//! Every front-end (the KDL files, the derive macros) produces a [`Spec`]; the
//! analysis, the graph output and the emitter consume only it. It holds no KDL
//! and no attribute syntax: names are validated [`Ident`]s, types are parsed
//! [`RustType`]s, durations are [`std::time::Duration`]s, and every item carries
//! a [`Span`] so diagnostics can point back to where it was written.
//!
//! Defaults are filled in by the front-end (OTP's: call timeout 5 s, mailbox of
//! 1024 that blocks when full, one_for_one with 3 restarts in 5 s, permanent
//! children, shutdown 5 s for workers and infinity for supervisors); a default
//! value carries the span of the item it belongs to.
//!
//! `==` on model items ignores spans (and the order of top-level items), so a
//! model built by the macros can be compared with one read from KDL. Cloning is
//! cheap: names and types are reference-counted. A model holds `syn` types,
//! which (like everything of proc_macro2) are neither `Send` nor `Sync`: use it
//! on the thread that built it.
//!
//! References between items (an actor's `calls`, a child's `actor`) are names;
//! the model does not guarantee they resolve — [`crate::check()`] reports those
//! that do not.

mod atoms;
mod eq;

use std::num::NonZeroUsize;

pub use atoms::{
    Ident, RustPath, RustType, Shutdown, Spanned, SyntaxError, Timeout, format_duration,
    parse_duration,
};

pub use crate::source::{SourceId, Span};

/// A whole system: everything read from one or more spec files.
#[derive(Clone, Debug, Default)]
pub struct Spec {
    /// Message sets actors serve.
    pub protocols: Vec<Protocol>,
    /// Actor declarations (types, not instances: children start instances).
    pub actors: Vec<Actor>,
    /// Actors of other generated systems this one calls or casts to.
    pub externs: Vec<ExternActor>,
    /// Top-level supervisors: each is the root of a tree.
    pub supervisors: Vec<Supervisor>,
    /// Entry points.
    pub apps: Vec<App>,
}

impl Spec {
    /// Appends another spec's items (e.g. from the next file).
    pub fn extend(&mut self, other: Spec) {
        self.protocols.extend(other.protocols);
        self.actors.extend(other.actors);
        self.externs.extend(other.externs);
        self.supervisors.extend(other.supervisors);
        self.apps.extend(other.apps);
    }

    /// The protocol with this name (the first one, if declared twice).
    pub fn protocol(&self, name: &str) -> Option<&Protocol> {
        self.protocols.iter().find(|p| p.name.as_str() == name)
    }

    /// The actor with this name (the first one, if declared twice).
    pub fn actor(&self, name: &str) -> Option<&Actor> {
        self.actors.iter().find(|a| a.name.as_str() == name)
    }

    /// The extern actor with this name (the first one, if declared twice).
    pub fn extern_actor(&self, name: &str) -> Option<&ExternActor> {
        self.externs.iter().find(|e| e.name.as_str() == name)
    }

    /// The top-level supervisor with this name.
    pub fn supervisor(&self, name: &str) -> Option<&Supervisor> {
        self.supervisors.iter().find(|s| s.name.as_str() == name)
    }
}

/// `protocol NAME { call … cast … info … }`: the messages an actor serves.
#[derive(Clone, Debug)]
pub struct Protocol {
    /// The protocol's name (becomes a Rust type).
    pub name: Ident,
    /// Messages in declaration order.
    pub messages: Vec<Message>,
    /// Where it is declared: the node itself, without its block.
    pub span: Span,
}

impl Protocol {
    /// The message with this name.
    pub fn message(&self, name: &str) -> Option<&Message> {
        self.messages.iter().find(|m| m.name.as_str() == name)
    }
}

/// One message of a protocol.
#[derive(Clone, Debug)]
pub struct Message {
    /// The message's name (becomes a handler and a method).
    pub name: Ident,
    /// Call, cast or info, with what only calls have.
    pub kind: MessageKind,
    /// Arguments in order.
    pub args: Vec<Arg>,
    /// Where it is declared: the node itself, without its block.
    pub span: Span,
}

/// What kind of message, and the reply side of a call.
#[derive(Clone, Debug, PartialEq)]
pub enum MessageKind {
    /// Synchronous request/response.
    Call {
        /// The reply type (`()` when the spec names none).
        reply: RustType,
        /// How long the caller waits (5 s by default).
        timeout: Spanned<Timeout>,
    },
    /// Fire-and-forget.
    Cast,
    /// A message the actor sends itself (timers).
    Info,
}

impl Message {
    /// Whether this is a call.
    pub fn is_call(&self) -> bool {
        matches!(self.kind, MessageKind::Call { .. })
    }

    /// The call's timeout, if this is a call.
    pub fn timeout(&self) -> Option<Spanned<Timeout>> {
        match &self.kind {
            MessageKind::Call { timeout, .. } => Some(*timeout),
            _ => None,
        }
    }
}

/// `arg NAME TYPE`.
#[derive(Clone, Debug)]
pub struct Arg {
    /// The argument's name.
    pub name: Ident,
    /// Its type.
    pub ty: RustType,
    /// Where it is declared: the node itself, without its block.
    pub span: Span,
}

/// `actor NAME { … }`: an actor type. Children of supervisors start instances.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The actor's name (becomes a Rust type).
    pub name: Ident,
    /// Protocols it serves, in order; the spans are those of the references.
    pub serves: Vec<Ident>,
    /// Its state type; `None` is the `stateless_actor` lint.
    pub state: Option<RustType>,
    /// Its mailbox.
    pub mailbox: Mailbox,
    /// Actors it calls (synchronous dependencies).
    pub calls: Vec<Dependency>,
    /// Actors it casts to (asynchronous dependencies).
    pub casts: Vec<Dependency>,
    /// Call handlers that reply later from a supervised task; the spans are
    /// those of the references.
    pub deferred: Vec<Ident>,
    /// Whether it declares a `terminate` hook (cleanup that a brutal kill skips).
    pub terminate: Spanned<bool>,
    /// Lints silenced on this actor.
    pub allows: Vec<Allow>,
    /// `export [name="…"]`: reachable from other nodes of a cluster under this name (the
    /// actor's own name by default); the span is the `export` node's.
    pub export: Option<Spanned<String>>,
    /// Where it is declared: the node itself, without its block.
    pub span: Span,
}

/// `extern-actor NAME path="crate::billing::ledger"`: an actor of another generated system
/// (another spec, a `#[system]` module, another crate), reached through the module generated
/// for it there. This system's actors can `calls` / `casts` it by `name`; no supervisor of
/// this system starts it. Its own dependencies are unknown here: the analysis sees a node
/// without outgoing edges, and the compile-time walk of the generated code
/// (`arbor::static_graph`) follows them into the other system.
#[derive(Clone, Debug)]
pub struct ExternActor {
    /// The name this system uses for it (in `calls` and `casts`).
    pub name: Ident,
    /// The path of the actor's generated module in its own system, as written where the spec
    /// is included (`crate::billing::ledger`, `super::billing::ledger`).
    pub path: RustPath,
    /// `remote=#true [node="…"]`: the actor runs on another node of a cluster, reached over
    /// the network; `None` for an actor of this process.
    pub remote: Option<Remote>,
    /// Where it is declared: the node itself, without its block.
    pub span: Span,
}

/// Whether `name` can be an export name or a node name: non-empty, letters, digits, `-` and
/// `_` only (it becomes part of a NATS subject).
pub fn valid_export_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Where a remote extern actor runs: on whichever node exports it, or on one named node.
#[derive(Clone, Debug)]
pub struct Remote {
    /// `node="billing"`: only that node's export is called (`None`: any node exporting it).
    pub node: Option<Spanned<String>>,
    /// The `remote` property (or the macro's `remote(..)` entry).
    pub span: Span,
}

/// `calls ACTOR [during=init]` or `casts ACTOR`.
#[derive(Clone, Debug)]
pub struct Dependency {
    /// The actor depended on.
    pub target: Ident,
    /// When the messages are sent.
    pub during: During,
    /// Where it is declared: the node itself, without its block.
    pub span: Span,
}

/// When a dependency is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum During {
    /// While handling messages.
    Run,
    /// While starting (`init`): the target must already be running.
    Init,
}

/// `mailbox capacity=N overflow=…` or `mailbox unbounded=#true`.
#[derive(Clone, Debug)]
pub struct Mailbox {
    /// Bounded or not.
    pub kind: MailboxKind,
    /// The `mailbox` node, or the actor when defaulted.
    pub span: Span,
}

impl Mailbox {
    /// The default: 1024 messages, senders wait when full.
    pub fn default_at(span: Span) -> Mailbox {
        Mailbox {
            kind: MailboxKind::Bounded {
                capacity: Spanned::new(Mailbox::DEFAULT_CAPACITY, span),
                overflow: Spanned::new(Overflow::Block, span),
            },
            span,
        }
    }

    /// The default capacity.
    pub const DEFAULT_CAPACITY: NonZeroUsize = NonZeroUsize::new(1024).expect("1024 is not zero");

    /// Whether a send into this mailbox can wait for room: such a cast is a
    /// synchronous edge for the cycle check.
    pub fn blocks_sender(&self) -> bool {
        matches!(
            self.kind,
            MailboxKind::Bounded {
                overflow: Spanned {
                    value: Overflow::Block,
                    ..
                },
                ..
            }
        )
    }
}

/// Bounded (with an overflow policy) or unbounded.
#[derive(Clone, Debug, PartialEq)]
pub enum MailboxKind {
    /// At most `capacity` queued messages.
    Bounded {
        /// Queue capacity.
        capacity: Spanned<NonZeroUsize>,
        /// What a send into a full mailbox does.
        overflow: Spanned<Overflow>,
    },
    /// No limit (the `unbounded_mailbox` lint).
    Unbounded,
}

/// What a send into a full mailbox does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// The sender waits for room (back-pressure).
    Block,
    /// The sender gets an error.
    Reject,
    /// The new message is dropped.
    DropNewest,
    /// The oldest queued message is dropped.
    DropOldest,
}

/// `allow LINT reason="…"`: silences one lint on the item it is written in.
#[derive(Clone, Debug)]
pub struct Allow {
    /// The lint's name as written (`unbounded_mailbox` or `arbor::unbounded_mailbox`).
    pub lint: Spanned<String>,
    /// Why the lint does not apply here.
    pub reason: String,
    /// Where it is declared: the node itself, without its block.
    pub span: Span,
}

impl Allow {
    /// The lint's name without the `arbor::` prefix.
    pub fn lint_name(&self) -> &str {
        self.lint
            .value
            .strip_prefix("arbor::")
            .unwrap_or(&self.lint.value)
    }
}

/// A supervisor: top-level (a root) or nested as a child.
#[derive(Clone, Debug)]
pub struct Supervisor {
    /// Its name (becomes a Rust type).
    pub name: Ident,
    /// Restart strategy.
    pub strategy: Spanned<Strategy>,
    /// Restart intensity.
    pub intensity: Intensity,
    /// When significant children end, whether the supervisor ends too.
    pub auto_shutdown: Spanned<AutoShutdown>,
    /// Children in start order.
    pub children: Vec<Child>,
    /// Lints silenced on this supervisor.
    pub allows: Vec<Allow>,
    /// Where it is declared: the node itself, without its block.
    pub span: Span,
}

/// `max-restarts` restarts within `max-seconds`, or the supervisor gives up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Intensity {
    /// OTP's `intensity` (default 3).
    pub max_restarts: Spanned<u32>,
    /// OTP's `period` in seconds (default 5; zero is an error).
    pub max_seconds: Spanned<u32>,
}

impl Intensity {
    /// OTP's default: 3 restarts in 5 seconds.
    pub fn default_at(span: Span) -> Intensity {
        Intensity {
            max_restarts: Spanned::new(3, span),
            max_seconds: Spanned::new(5, span),
        }
    }
}

/// Restart strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Restart only the failed child.
    OneForOne,
    /// Restart all children.
    OneForAll,
    /// Restart the failed child and those started after it.
    RestForOne,
}

/// OTP's `auto_shutdown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoShutdown {
    /// Never (significant children are then an error).
    Never,
    /// When any significant child ends.
    AnySignificant,
    /// When all significant children have ended.
    AllSignificant,
}

/// One child of a supervisor, with its child spec.
#[derive(Clone, Debug)]
pub struct Child {
    /// Child id, unique among siblings (a worker's `child ID`, otherwise the name).
    pub id: Ident,
    /// Restart type (default permanent).
    pub restart: Spanned<Restart>,
    /// Shutdown (default 5 s for workers, infinity for supervisors).
    pub shutdown: Spanned<Shutdown>,
    /// Whether its end can shut the parent down (auto-shutdown).
    pub significant: Spanned<bool>,
    /// What is started.
    pub kind: ChildKind,
    /// Where it is declared: the node itself, without its block.
    pub span: Span,
}

/// What a child is.
#[derive(Clone, Debug, PartialEq)]
pub enum ChildKind {
    /// `child ID actor=ACTOR`.
    Worker(Worker),
    /// A nested `supervisor`.
    Supervisor(Supervisor),
    /// A `dynamic-supervisor` (children started at run time from a template).
    DynamicSupervisor(DynamicSupervisor),
    /// A `task-supervisor`.
    TaskSupervisor(TaskSupervisor),
    /// A `registry`.
    Registry(Registry),
}

impl Child {
    /// Whether OTP would call this child a worker (for shutdown defaults).
    pub fn is_worker(&self) -> bool {
        matches!(self.kind, ChildKind::Worker(_))
    }
}

/// A worker child: one instance of an actor.
#[derive(Clone, Debug, PartialEq)]
pub struct Worker {
    /// The actor started.
    pub actor: Ident,
    /// Lints silenced on this child.
    pub allows: Vec<Allow>,
}

/// Restart type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// Always restarted.
    Permanent,
    /// Restarted only after an abnormal exit.
    Transient,
    /// Never restarted.
    Temporary,
}

/// `dynamic-supervisor NAME { template … }`.
#[derive(Clone, Debug)]
pub struct DynamicSupervisor {
    /// Its name.
    pub name: Ident,
    /// Always one_for_one in a valid spec; kept so the check can say so.
    pub strategy: Spanned<Strategy>,
    /// Restart intensity.
    pub intensity: Intensity,
    /// Most children at once; `None` is unlimited.
    pub max_children: Option<Spanned<NonZeroUsize>>,
    /// Partitioned (a partition supervisor) when set.
    pub partitions: Option<Spanned<Partitions>>,
    /// The child spec every dynamic child is started from.
    pub template: Template,
    /// Lints silenced on this supervisor.
    pub allows: Vec<Allow>,
    /// Where it is declared: the node itself, without its block.
    pub span: Span,
}

/// How many partitions a partitioned supervisor or registry has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partitions {
    /// Exactly this many.
    Fixed(NonZeroUsize),
    /// One per scheduler thread (OTP's default).
    PerCore,
}

/// `template actor=ACTOR restart=… shutdown=…`.
#[derive(Clone, Debug)]
pub struct Template {
    /// The actor each dynamic child runs.
    pub actor: Ident,
    /// Restart type (default permanent, as OTP's).
    pub restart: Spanned<Restart>,
    /// Shutdown (default 5 s).
    pub shutdown: Spanned<Shutdown>,
    /// Lints silenced on this template.
    pub allows: Vec<Allow>,
    /// Where it is declared: the node itself, without its block.
    pub span: Span,
}

/// `task-supervisor NAME`.
#[derive(Clone, Debug)]
pub struct TaskSupervisor {
    /// Its name.
    pub name: Ident,
    /// Most tasks at once; `None` is unlimited.
    pub max_children: Option<Spanned<NonZeroUsize>>,
    /// Where it is declared: the node itself, without its block.
    pub span: Span,
}

/// `registry NAME keys=unique|duplicate partitions=N`.
#[derive(Clone, Debug)]
pub struct Registry {
    /// Its name.
    pub name: Ident,
    /// Key kind.
    pub keys: Spanned<Keys>,
    /// Partitions, when set.
    pub partitions: Option<Spanned<Partitions>>,
    /// Where it is declared: the node itself, without its block.
    pub span: Span,
}

/// Registry key kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// One process per key.
    Unique,
    /// Many processes per key (pub/sub).
    Duplicate,
}

/// `app NAME root=SUPERVISOR`: an entry point the generator builds `start` for.
#[derive(Clone, Debug)]
pub struct App {
    /// The app's name.
    pub name: Ident,
    /// The top-level supervisor it starts.
    pub root: Ident,
    /// Where it is declared: the node itself, without its block.
    pub span: Span,
}
