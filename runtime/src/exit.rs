//! Why an actor stopped, and how a stop is requested.
//!
//! [`ExitReason`] mirrors Erlang's exit reasons: `normal`, `shutdown`, `{shutdown, Term}`,
//! a crash, `killed`, or an error term. Reasons travel to linked actors, monitors, waiters and
//! callers, so they are cheap to clone (`Arc<str>` inside).
//!
//! ```
//! use arbor::ExitReason;
//!
//! assert!(ExitReason::Normal.is_normal_exit());
//! assert!(ExitReason::shutdown_with("maintenance").is_normal_exit());
//! assert!(!ExitReason::error("disk full").is_normal_exit());
//! assert_eq!(ExitReason::panic("boom").to_string(), "panic: boom");
//! ```

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Why an actor exited.
///
/// The variants follow OTP: [`Normal`](ExitReason::Normal), [`Shutdown`](ExitReason::Shutdown)
/// and [`ShutdownWith`](ExitReason::ShutdownWith) are *normal* exits (a transient child is not
/// restarted after them); everything else is abnormal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExitReason {
    /// The actor finished its work (`normal`).
    Normal,
    /// The actor was asked to shut down, usually by its supervisor (`shutdown`).
    Shutdown,
    /// A shutdown with an explanation (`{shutdown, Reason}`).
    ShutdownWith(Arc<str>),
    /// A callback panicked; the panic's message.
    Panic(Arc<str>),
    /// The actor was killed without running `terminate` (`killed`).
    Killed,
    /// The actor stopped because of an error (any other OTP reason).
    Error(Arc<str>),
}

impl ExitReason {
    /// A `ShutdownWith` reason.
    pub fn shutdown_with(reason: impl Into<Arc<str>>) -> Self {
        ExitReason::ShutdownWith(reason.into())
    }

    /// A `Panic` reason with the given message.
    pub fn panic(message: impl Into<Arc<str>>) -> Self {
        ExitReason::Panic(message.into())
    }

    /// An `Error` reason.
    pub fn error(reason: impl Into<Arc<str>>) -> Self {
        ExitReason::Error(reason.into())
    }

    /// `true` for `Normal`, `Shutdown` and `ShutdownWith`: OTP's rule for transient children,
    /// which are restarted only after an abnormal exit.
    pub fn is_normal_exit(&self) -> bool {
        matches!(
            self,
            ExitReason::Normal | ExitReason::Shutdown | ExitReason::ShutdownWith(_)
        )
    }

    /// `true` for reasons that are not [normal exits](Self::is_normal_exit).
    pub fn is_abnormal(&self) -> bool {
        !self.is_normal_exit()
    }

    /// Builds a `Panic` reason from a caught panic payload.
    pub(crate) fn from_panic(payload: Box<dyn Any + Send>) -> Self {
        ExitReason::Panic(panic_message(payload.as_ref()).into())
    }
}

/// The message of a panic payload (`&str` or `String`, as `panic!` produces).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("normal"),
            ExitReason::Shutdown => f.write_str("shutdown"),
            ExitReason::ShutdownWith(r) => write!(f, "shutdown: {r}"),
            ExitReason::Panic(m) => write!(f, "panic: {m}"),
            ExitReason::Killed => f.write_str("killed"),
            ExitReason::Error(e) => write!(f, "error: {e}"),
        }
    }
}

/// How to stop an actor, as in an OTP child spec's `shutdown` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShutdownMode {
    /// Kill at once: `terminate` does not run (`brutal_kill`).
    BrutalKill,
    /// Ask for a graceful shutdown; kill if the actor has not exited after this long.
    Timeout(Duration),
    /// Ask for a graceful shutdown and wait as long as it takes (`infinity`).
    Infinity,
}

impl ShutdownMode {
    /// OTP's default for workers: a graceful shutdown with a 5 second timeout.
    pub const WORKER_DEFAULT: ShutdownMode = ShutdownMode::Timeout(Duration::from_secs(5));
}

impl Default for ShutdownMode {
    fn default() -> Self {
        Self::WORKER_DEFAULT
    }
}
