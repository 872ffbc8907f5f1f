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
//!
//! An error reason can keep the user's typed error whole ([`ExitReason::from_error`]): a
//! supervisor's report, a caller's `Exited`, a monitor's DOWN all carry it, and
//! [`ExitReason::downcast_ref`] finds it again, through nested start failures too:
//!
//! ```
//! use arbor::ExitReason;
//!
//! #[derive(Debug, thiserror::Error)]
//! #[error("disk {0} is full")]
//! struct DiskFull(u8);
//!
//! let reason = ExitReason::from_error(DiskFull(2));
//! assert_eq!(reason.to_string(), "error: disk 2 is full");
//! assert_eq!(reason.downcast_ref::<DiskFull>().map(|e| e.0), Some(2));
//! assert_eq!(reason, ExitReason::error("disk 2 is full"), "equal by their text");
//! ```

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

/// What an error or shutdown reason says: a text, and the typed error it came from when there
/// is one (kept whole, so that whoever receives the reason can [downcast](Cause::downcast_ref)
/// it). Equality and hashing go by the text, as Erlang compares reason terms.
#[derive(Clone)]
pub struct Cause(Arc<CauseInner>);

// One thin pointer: an exit reason lives in every actor's core, so it is kept small.
struct CauseInner {
    text: Box<str>,
    error: Option<Box<dyn Error + Send + Sync>>,
}

impl Cause {
    fn new(text: Box<str>, error: Option<Box<dyn Error + Send + Sync>>) -> Cause {
        Cause(Arc::new(CauseInner { text, error }))
    }

    /// A cause from a typed error (its `Display` is the text).
    pub fn from_error(error: impl Error + Send + Sync + 'static) -> Cause {
        Cause::new(error.to_string().into(), Some(Box::new(error)))
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.0.text
    }

    /// The typed error, if the cause has one.
    pub fn error(&self) -> Option<&(dyn Error + Send + Sync + 'static)> {
        self.0.error.as_deref()
    }

    /// The first error of type `E` in the cause's error and its `source()` chain.
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        let mut next: Option<&(dyn Error + 'static)> = match self.0.error.as_deref() {
            Some(error) => Some(error),
            None => None,
        };
        while let Some(error) = next {
            if let Some(found) = error.downcast_ref::<E>() {
                return Some(found);
            }
            next = error.source();
        }
        None
    }
}

impl std::ops::Deref for Cause {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0.text
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Cause) -> bool {
        self.0.text == other.0.text
    }
}

impl Eq for Cause {}

impl Hash for Cause {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.text.hash(state);
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.text)
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0.text, f)
    }
}

impl From<&str> for Cause {
    fn from(text: &str) -> Cause {
        Cause::new(text.into(), None)
    }
}

impl From<String> for Cause {
    fn from(text: String) -> Cause {
        Cause::new(text.into(), None)
    }
}

impl From<Arc<str>> for Cause {
    fn from(text: Arc<str>) -> Cause {
        Cause::new((*text).into(), None)
    }
}

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
    ShutdownWith(Cause),
    /// A callback panicked; the panic's message.
    Panic(Arc<str>),
    /// The actor was killed without running `terminate` (`killed`).
    Killed,
    /// The actor stopped because of an error (any other OTP reason).
    Error(Cause),
}

impl ExitReason {
    /// A `ShutdownWith` reason.
    pub fn shutdown_with(reason: impl Into<Cause>) -> Self {
        ExitReason::ShutdownWith(reason.into())
    }

    /// A `Panic` reason with the given message.
    pub fn panic(message: impl Into<Arc<str>>) -> Self {
        ExitReason::Panic(message.into())
    }

    /// An `Error` reason.
    pub fn error(reason: impl Into<Cause>) -> Self {
        ExitReason::Error(reason.into())
    }

    /// An `Error` reason that keeps `error` whole: [`downcast_ref`](Self::downcast_ref)
    /// finds it again wherever the reason travels.
    pub fn from_error(error: impl Error + Send + Sync + 'static) -> Self {
        ExitReason::Error(Cause::from_error(error))
    }

    /// The cause of an `Error` or `ShutdownWith` reason.
    pub fn cause(&self) -> Option<&Cause> {
        match self {
            ExitReason::Error(cause) | ExitReason::ShutdownWith(cause) => Some(cause),
            _ => None,
        }
    }

    /// The first error of type `E` in this reason's cause and its `source()` chain.
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        self.cause().and_then(Cause::downcast_ref)
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

/// Runs `f`, catching a panic. Not generic, so the unwinding machinery is compiled once for
/// the whole runtime rather than once per closure type (per actor type, for the callbacks):
/// callers pass a closure that stores its result in a local.
#[inline]
pub(crate) fn catch_panic(f: &mut dyn FnMut()) -> Result<(), Box<dyn Any + Send>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
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

/// A reason is an error value of its own, whose source is its cause's typed error: a reason
/// can sit in another error's `source()` chain (a supervisor's start failure holds its child's).
impl Error for ExitReason {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self.cause()?.error() {
            Some(error) => Some(error),
            None => None,
        }
    }
}

const _: () = assert!(
    std::mem::size_of::<ExitReason>() <= 24,
    "an exit reason is in every actor's core: keep it three words"
);

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
