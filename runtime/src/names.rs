//! Registered names (OTP's `{local, Name}`): at most one actor per name in this process, and
//! at most one name per actor. The name is freed when the actor exits.
//!
//! ```
//! use arbor::prelude::*;
//! use arbor::names::{self, AlreadyRegistered};
//!
//! struct Idle;
//! impl Actor for Idle {
//!     type Args = ();
//!     type Call = std::convert::Infallible;
//!     type Cast = ();
//!     type Info = std::convert::Infallible;
//!     type Continue = std::convert::Infallible;
//!     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
//!         Init::Ok(Idle)
//!     }
//!     async fn handle_call(&mut self, msg: Self::Call, _ctx: &mut Context<Self>) -> Handled<Self> {
//!         match msg {}
//!     }
//!     async fn handle_cast(&mut self, (): (), _ctx: &mut Context<Self>) -> Handled<Self> {
//!         Handled::Continue
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let first = Spawn::<Idle>::new().register("cache").start(()).await.unwrap();
//! let first = first.running().unwrap();
//! assert_eq!(names::whereis_as::<Idle>("cache").map(|a| a.id()), Some(first.id()));
//! names::whereis_as::<Idle>("cache").unwrap().cast(()).await.unwrap();
//!
//! // A second start under the same name fails with the running actor (`already_started`).
//! let again = Spawn::<Idle>::new().register("cache").start(()).await.unwrap_err();
//! let taken = again.downcast_ref::<AlreadyRegistered>().unwrap();
//! assert_eq!(taken.existing.id(), first.id());
//!
//! first.cell().kill();
//! first.wait().await;
//! assert!(names::whereis("cache").is_none(), "freed at exit");
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock};

use parking_lot::Mutex;

use crate::actor::Actor;
use crate::cell::{ActorCell, Core, Phase};
use crate::handle::ActorRef;
use crate::lineage::ActorId;

static NAMES: LazyLock<Mutex<HashMap<Arc<str>, ActorCell>>> = LazyLock::new(Default::default);

/// Why a name could not be registered.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// Another live actor holds the name (OTP's `already_started`).
    #[error(transparent)]
    Taken(#[from] AlreadyRegistered),
    /// The actor already has a registered name.
    #[error("actor {id} is already registered as `{name}`")]
    HasName {
        /// The actor.
        id: ActorId,
        /// Its name.
        name: Arc<str>,
    },
    /// The actor has exited.
    #[error("actor {0} has exited")]
    Exited(ActorId),
}

/// A name held by another live actor: OTP's `{already_started, Pid}`.
#[derive(Clone)]
pub struct AlreadyRegistered {
    /// The name.
    pub name: Arc<str>,
    /// The actor that holds it.
    pub existing: ActorCell,
}

impl fmt::Debug for AlreadyRegistered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlreadyRegistered")
            .field("name", &self.name)
            .field("existing", &self.existing.id())
            .finish()
    }
}

impl fmt::Display for AlreadyRegistered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "already started: `{}` is registered by actor {}",
            self.name,
            self.existing.id()
        )
    }
}

impl std::error::Error for AlreadyRegistered {}

/// Registers `cell` under `name`. Fails if a live actor holds the name, if `cell` already has
/// a name, or if it has exited.
pub fn register(name: impl Into<Arc<str>>, cell: &ActorCell) -> Result<(), RegisterError> {
    let name = name.into();
    let mut names = NAMES.lock();
    if let Some(existing) = names.get(&name)
        && existing.is_alive()
    {
        return Err(RegisterError::Taken(AlreadyRegistered {
            name,
            existing: existing.clone(),
        }));
    }
    // Under the table's lock: an exit that races with this either finds the name recorded on
    // the actor (and frees it) or makes this fail.
    cell.core().set_registered_name(name.clone())?;
    names.insert(name, cell.clone());
    Ok(())
}

/// Frees `name`; `true` if it was registered.
pub fn unregister(name: &str) -> bool {
    let removed = NAMES.lock().remove(name);
    if let Some(cell) = &removed {
        cell.core().clear_registered_name();
    }
    removed.is_some()
}

/// The live actor registered under `name`.
pub fn whereis(name: &str) -> Option<ActorCell> {
    NAMES
        .lock()
        .get(name)
        .filter(|cell| cell.is_alive())
        .cloned()
}

/// The live actor registered under `name`, if it is an `A`.
pub fn whereis_as<A: Actor>(name: &str) -> Option<ActorRef<A>> {
    whereis(name).and_then(|cell| cell.downcast::<A>())
}

/// Every registered name, sorted.
pub fn registered() -> Vec<Arc<str>> {
    let mut all: Vec<Arc<str>> = NAMES
        .lock()
        .iter()
        .filter(|(_, cell)| cell.is_alive())
        .map(|(name, _)| name.clone())
        .collect();
    all.sort();
    all
}

impl Core {
    /// Records the actor's registered name (called with the name table locked).
    pub(crate) fn set_registered_name(&self, name: Arc<str>) -> Result<(), RegisterError> {
        let mut st = self.state.lock();
        if matches!(st.phase, Phase::Exited(_)) {
            return Err(RegisterError::Exited(self.id));
        }
        let rare = st.rare();
        if let Some(existing) = &rare.registered {
            return Err(RegisterError::HasName {
                id: self.id,
                name: existing.clone(),
            });
        }
        rare.registered = Some(name);
        Ok(())
    }

    pub(crate) fn clear_registered_name(&self) {
        if let Some(rare) = self.state.lock().rare_mut() {
            rare.registered = None;
        }
    }
}

/// Frees the name of an exiting actor (if it still holds it).
pub(crate) fn released(name: &str, id: ActorId) {
    let mut names = NAMES.lock();
    if names.get(name).is_some_and(|cell| cell.id() == id) {
        names.remove(name);
    }
}
