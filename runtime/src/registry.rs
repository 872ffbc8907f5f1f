//! [`Registry`]: actors looked up by key (Elixir's `Registry`).
//!
//! A registry maps keys to actors, each entry with a value. With [`Keys::Unique`] a key has
//! at most one actor (a second registration fails); with [`Keys::Duplicate`] a key may have
//! many, which makes [`Registry::dispatch`] / [`Registry::publish`] a local pub/sub. An entry
//! disappears when its actor dies: the registry monitors every registered actor. Keys are
//! spread over partitions (one lock and one monitoring actor each) so that registrations on
//! many cores do not contend.
//!
//! Via-names: [`Registry::via`] resolves a key to its current typed handle on every use, and
//! [`Registry::register_child`] makes a supervisor child register itself under a key at each
//! (re)start, so a handle found by key follows restarts.
//!
//! ```
//! use arbor::prelude::*;
//! use arbor::registry::{Keys, Registry, RegisterError};
//! use std::convert::Infallible;
//!
//! struct Room;
//! impl Actor for Room {
//!     type Args = ();
//!     type Call = Infallible;
//!     type Cast = Infallible;
//!     type Info = Infallible;
//!     type Continue = Infallible;
//!     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
//!         Init::Ok(Room)
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let rooms: Registry<String> = Registry::new(Keys::Unique).await;
//! let lobby = Room::spawn(()).await.unwrap().running().unwrap();
//! rooms.register("lobby".to_string(), &lobby.cell(), ()).unwrap();
//! let other = Room::spawn(()).await.unwrap().running().unwrap();
//! assert!(matches!(
//!     rooms.register("lobby".to_string(), &other.cell(), ()),
//!     Err(RegisterError::AlreadyRegistered(_))
//! ));
//! assert_eq!(rooms.whereis::<Room>(&"lobby".to_string()), Some(lobby.clone()));
//!
//! lobby.cell().kill();
//! lobby.wait().await;
//! rooms.sync().await; // let the registry handle the exit
//! assert!(rooms.lookup(&"lobby".to_string()).is_empty());
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::actor::{Actor, Down, Handled, Init};
use crate::cell::ActorCell;
use crate::context::Context;
use crate::exit::ExitReason;
use crate::handle::ActorRef;
use crate::link::MonitorRef;
use crate::reply::ReplyTo;
use crate::supervisor::ChildSpec;

/// Whether a key holds one actor or many.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Keys {
    /// At most one actor per key.
    Unique,
    /// Any number of actors per key.
    Duplicate,
}

/// Why a registration failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// The key of a unique registry is taken by this live actor.
    #[error("the key is already registered by {0:?}")]
    AlreadyRegistered(ActorCell),
    /// The actor has already exited.
    #[error("the actor has exited")]
    Exited,
}

struct Entry<V> {
    cell: ActorCell,
    value: V,
    monitor: MonitorRef,
}

struct Table<K, V> {
    entries: HashMap<K, Vec<Entry<V>>>,
    /// Which key each monitor guards, to clean up on its DOWN.
    monitors: HashMap<MonitorRef, K>,
}

type Shared<K, V> = Arc<Mutex<Table<K, V>>>;

/// One partition's monitoring actor: it removes entries whose actor died.
struct Listener<K, V>(Shared<K, V>);

/// Requests a registry partition's listener answers.
enum ListenerCall {
    /// Answers once every DOWN queued before it has been handled.
    Sync(ReplyTo<()>),
}

impl<K, V> Actor for Listener<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Send + 'static,
{
    type Args = Shared<K, V>;
    type Call = ListenerCall;
    type Cast = std::convert::Infallible;
    type Info = std::convert::Infallible;
    type Continue = std::convert::Infallible;

    async fn init(table: Shared<K, V>, _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Listener(table))
    }

    async fn handle_call(&mut self, msg: ListenerCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        let ListenerCall::Sync(reply) = msg;
        let _ = reply.send(());
        Handled::Continue
    }

    async fn handle_down(&mut self, down: Down, _ctx: &mut Context<Self>) -> Handled<Self> {
        let mut table = self.0.lock();
        if let Some(key) = table.monitors.remove(&down.monitor)
            && let Some(list) = table.entries.get_mut(&key)
        {
            list.retain(|e| e.monitor != down.monitor);
            if list.is_empty() {
                table.entries.remove(&key);
            }
        }
        Handled::Continue
    }
}

struct Partition<K, V> {
    table: Shared<K, V>,
    listener: ActorCell,
}

struct Inner<K, V> {
    keys: Keys,
    partitions: Vec<Partition<K, V>>,
}

impl<K, V> Drop for Inner<K, V> {
    fn drop(&mut self) {
        for p in &self.partitions {
            p.listener.kill();
        }
    }
}

/// A registry of actors by key, with a value per entry. Cheap to clone; the registry lives
/// as long as a clone does.
pub struct Registry<K, V = ()> {
    inner: Arc<Inner<K, V>>,
}

impl<K, V> Clone for Registry<K, V> {
    fn clone(&self) -> Self {
        Registry {
            inner: self.inner.clone(),
        }
    }
}

impl<K, V> fmt::Debug for Registry<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("keys", &self.inner.keys)
            .field("partitions", &self.inner.partitions.len())
            .finish()
    }
}

impl<K, V> Registry<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A registry with one partition per available core.
    pub async fn new(keys: Keys) -> Self {
        let n = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Registry::with_partitions(keys, n).await
    }

    /// A registry with `n` partitions (at least 1).
    pub async fn with_partitions(keys: Keys, n: usize) -> Self {
        let mut partitions = Vec::with_capacity(n.max(1));
        for _ in 0..n.max(1) {
            let table: Shared<K, V> = Arc::new(Mutex::new(Table {
                entries: HashMap::new(),
                monitors: HashMap::new(),
            }));
            let listener = Listener::spawn(table.clone())
                .await
                .ok()
                .and_then(|s| s.running())
                .expect("a registry listener starts unconditionally");
            partitions.push(Partition {
                table,
                listener: listener.cell(),
            });
        }
        Registry {
            inner: Arc::new(Inner { keys, partitions }),
        }
    }

    fn partition(&self, key: &K) -> &Partition<K, V> {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        let n = self.inner.partitions.len() as u64;
        &self.inner.partitions[(hasher.finish() % n) as usize]
    }

    /// Registers `cell` under `key` with `value`. In a unique registry, fails if a live actor
    /// holds the key. The entry is removed when the actor dies.
    pub fn register(&self, key: K, cell: &ActorCell, value: V) -> Result<(), RegisterError> {
        if !cell.is_alive() {
            return Err(RegisterError::Exited);
        }
        let partition = self.partition(&key);
        let mut table = partition.table.lock();
        let list = table.entries.entry(key.clone()).or_default();
        // Entries of dead actors whose DOWN is still queued are already gone for callers.
        let mut stale = Vec::new();
        list.retain(|e| {
            let alive = e.cell.is_alive();
            if !alive {
                stale.push(e.monitor.clone());
            }
            alive
        });
        if self.inner.keys == Keys::Unique
            && let Some(holder) = list.first()
        {
            return Err(RegisterError::AlreadyRegistered(holder.cell.clone()));
        }
        let monitor = partition.listener.monitor(cell);
        list.push(Entry {
            cell: cell.clone(),
            value,
            monitor: monitor.clone(),
        });
        for m in stale {
            table.monitors.remove(&m);
        }
        table.monitors.insert(monitor, key);
        Ok(())
    }

    /// Removes `cell`'s entries under `key`.
    pub fn unregister(&self, key: &K, cell: &ActorCell) {
        let partition = self.partition(key);
        let mut table = partition.table.lock();
        let mut removed = Vec::new();
        if let Some(list) = table.entries.get_mut(key) {
            list.retain(|e| {
                let keep = e.cell.id() != cell.id();
                if !keep {
                    removed.push(e.monitor.clone());
                }
                keep
            });
            if list.is_empty() {
                table.entries.remove(key);
            }
        }
        for m in removed {
            table.monitors.remove(&m);
            partition.listener.demonitor(&m);
        }
    }

    /// The live actors under `key`, with their values.
    pub fn lookup(&self, key: &K) -> Vec<(ActorCell, V)> {
        let table = self.partition(key).table.lock();
        table.entries.get(key).map_or_else(Vec::new, |list| {
            list.iter()
                .filter(|e| e.cell.is_alive())
                .map(|e| (e.cell.clone(), e.value.clone()))
                .collect()
        })
    }

    /// The typed handle of the (first live) actor under `key`, if it is an `A`.
    pub fn whereis<A: Actor>(&self, key: &K) -> Option<ActorRef<A>> {
        // What `lookup` finds, without collecting the entries: clients resolve through this
        // on every message.
        let table = self.partition(key).table.lock();
        table
            .entries
            .get(key)?
            .iter()
            .filter(|e| e.cell.is_alive())
            .find_map(|e| e.cell.downcast())
    }

    /// A via-name: a handle that finds `key`'s current actor on every use.
    pub fn via<A: Actor>(&self, key: K) -> Via<K, V, A> {
        Via {
            registry: self.clone(),
            key,
            _actor: PhantomData,
        }
    }

    /// Calls `f` with every live entry under `key` (outside the registry's lock, so `f` may
    /// use the registry); returns how many there were.
    pub fn dispatch(&self, key: &K, mut f: impl FnMut(&ActorCell, &V)) -> usize {
        let entries = self.lookup(key);
        for (cell, value) in &entries {
            f(cell, value);
        }
        entries.len()
    }

    /// Sends `msg` as an info message to every live `A` under `key` that can take it without
    /// waiting (local pub/sub); returns how many received it.
    pub fn publish<A: Actor>(&self, key: &K, msg: A::Info) -> usize
    where
        A::Info: Clone,
    {
        let mut delivered = 0;
        self.dispatch(key, |cell, _| {
            if let Some(actor) = cell.downcast::<A>()
                && actor.try_send(msg.clone()).is_ok()
            {
                delivered += 1;
            }
        });
        delivered
    }

    /// The keys `cell` is registered under.
    pub fn keys(&self, cell: &ActorCell) -> Vec<K> {
        let mut keys = Vec::new();
        for p in &self.inner.partitions {
            let table = p.table.lock();
            for (key, list) in &table.entries {
                if list.iter().any(|e| e.cell.id() == cell.id()) {
                    keys.push(key.clone());
                }
            }
        }
        keys
    }

    /// Live entries in the whole registry.
    pub fn count(&self) -> usize {
        self.inner
            .partitions
            .iter()
            .map(|p| {
                let table = p.table.lock();
                table
                    .entries
                    .values()
                    .flatten()
                    .filter(|e| e.cell.is_alive())
                    .count()
            })
            .sum()
    }

    /// Waits until every exit the registry had been told of so far has been handled (the
    /// entries of actors that died before this call are gone when it returns).
    pub async fn sync(&self) {
        for p in &self.inner.partitions {
            if let Some(listener) = p.listener.downcast::<Listener<K, V>>() {
                let _ = listener.call(ListenerCall::Sync).await;
            }
        }
    }

    /// Wraps `spec` so that each time the child (re)starts it is registered under `key` with
    /// `value`; if the key is taken, the new child is killed and its start fails (OTP's
    /// `already_started`).
    pub fn register_child(&self, spec: ChildSpec, key: K, value: V) -> ChildSpec {
        let registry = self.clone();
        let start = spec.start.clone();
        let wrapped = ChildSpec::from_fn(spec.id.clone(), spec.kind, move |sup: &ActorCell| {
            let started = start(sup);
            let (registry, key, value) = (registry.clone(), key.clone(), value.clone());
            async move {
                let Some(child) = started.await? else {
                    return Ok(None);
                };
                match registry.register(key, &child.cell, value) {
                    Ok(()) => Ok(Some(child)),
                    Err(e) => {
                        child.cell.kill();
                        child.cell.wait().await;
                        Err(ExitReason::error(e.to_string()))
                    }
                }
            }
        });
        wrapped
            .restart(spec.restart)
            .shutdown(spec.shutdown)
            .significant(spec.significant)
    }
}

/// A handle that finds the actor registered under a key on every use (a via-name).
pub struct Via<K, V, A> {
    registry: Registry<K, V>,
    key: K,
    _actor: PhantomData<fn() -> A>,
}

impl<K, V, A> Via<K, V, A>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    A: Actor,
{
    /// The key.
    pub fn key(&self) -> &K {
        &self.key
    }

    /// The actor registered under the key now, if any.
    pub fn get(&self) -> Option<ActorRef<A>> {
        self.registry.whereis(&self.key)
    }
}

impl<K: Clone, V, A> Clone for Via<K, V, A> {
    fn clone(&self) -> Self {
        Via {
            registry: self.registry.clone(),
            key: self.key.clone(),
            _actor: PhantomData,
        }
    }
}
