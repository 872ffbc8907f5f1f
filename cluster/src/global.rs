//! Global names (Erlang's `:global`) on a JetStream key-value bucket.
//!
//! One bucket per cluster (`arbor_global_<prefix>_<cluster>`, one value per key, file storage,
//! `max_age` = [`LEASE`]). A key is a global name; its value names the owner node (and its
//! incarnation). The actor behind the name is exported by its owner as `_g_<name>`, so a call
//! through a global name is a call to that node only and fails with `NodeDown` when it is lost.
//!
//! - [`Node::register_global`] exports the actor and *creates* the key: create-if-absent, so a
//!   second registration fails with [`GlobalError::Taken`] naming the owner.
//! - The owner refreshes its lease every `down_after / 2` with a compare-and-set on the
//!   revision it wrote last. The name is deleted (compare-and-set again) when the actor exits
//!   or the [`GlobalName`] is dropped; the bucket's `max_age` removes names of a cluster that
//!   died altogether.
//! - Every node watches the bucket and keeps a local cache: [`Node::global_owner`] answers
//!   from memory for a cached name; the watch invalidates it.
//! - When a node is declared down, every node that sees it tries to delete its names with a
//!   compare-and-set on the revision it saw (only one succeeds; none does if the owner
//!   refreshed in between).
//! - **Conflicts** (a frozen or cut-off owner comes back): the bucket holds one value per key,
//!   so there is never more than one owner in the bucket. An owner learns at its next lease
//!   refresh that its revision is gone: if the name is free it takes it again (nobody else
//!   claimed it meanwhile); if another node holds it, that registration wins, the old owner
//!   stops serving the name and its [`GlobalName::lost`] resolves with the winner.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbor::Actor;
use arbor::codegen::Target;
use async_nats::jetstream::kv;
use bytes::Bytes;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{oneshot, watch};

use crate::membership::NodeEvent;
use crate::monitor::{MonitorError, RemoteMonitor};
use crate::node::{ClusterError, Export, Node, valid_name};
use crate::wire::{self, Serve};

/// How long a name outlives its owner's last refresh when nobody deletes it (the bucket's
/// `max_age`): what removes the names of a cluster that died as a whole.
pub const LEASE: Duration = Duration::from_secs(30);

/// Why a global-name operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GlobalError {
    /// A name that cannot be a key or a subject.
    #[error(transparent)]
    Invalid(#[from] ClusterError),
    /// The name is registered by another actor.
    #[error("global name `{name}` is taken by node `{owner}`")]
    Taken {
        /// The name.
        name: String,
        /// The node that owns it.
        owner: String,
    },
    /// JetStream (the key-value bucket) failed or is not enabled on the server.
    #[error("global names: {0}")]
    Store(String),
}

/// The value of a global name's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Owner {
    node: String,
    incarnation: u64,
}

#[derive(Clone, Debug)]
struct Cached {
    revision: u64,
    owner: Option<Owner>,
}

/// This node's view of the global names.
pub(crate) struct Global {
    kv: kv::Store,
    cache: Mutex<HashMap<String, Cached>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn store_error(what: &str, e: impl fmt::Display) -> GlobalError {
    GlobalError::Store(format!("{what}: {e}"))
}

fn export_name(name: &str) -> String {
    format!("_g_{name}")
}

impl Global {
    fn cache(&self, key: &str, revision: u64, owner: Option<Owner>) {
        let mut cache = lock(&self.cache);
        match cache.get(key) {
            Some(c) if c.revision > revision => {}
            _ => {
                cache.insert(key.to_string(), Cached { revision, owner });
            }
        }
    }

    fn from_entry(entry: &kv::Entry) -> Option<Owner> {
        match entry.operation {
            kv::Operation::Put => wire::decode::<Owner>(&entry.value).ok(),
            _ => None,
        }
    }

    async fn read(&self, name: &str) -> Result<Option<(u64, Option<Owner>)>, GlobalError> {
        let entry = self
            .kv
            .entry(name)
            .await
            .map_err(|e| store_error("read", e))?;
        Ok(entry.map(|e| {
            let owner = Global::from_entry(&e);
            self.cache(name, e.revision, owner.clone());
            (e.revision, owner)
        }))
    }

    /// Deletes the names `node` owns, each only if it still has the revision this node saw.
    async fn clean(&self, node: &str) {
        let stale: Vec<(String, u64)> = lock(&self.cache)
            .iter()
            .filter(|(_, c)| c.owner.as_ref().is_some_and(|o| o.node == node))
            .map(|(k, c)| (k.clone(), c.revision))
            .collect();
        for (name, revision) in stale {
            match self.kv.delete_expect_revision(&name, Some(revision)).await {
                Ok(()) => {
                    tracing::info!(%name, %node, "arbor-cluster: removed the global name of a lost node")
                }
                Err(error) => {
                    tracing::debug!(%name, %node, %error, "arbor-cluster: global name not removed (refreshed, or removed by another node)")
                }
            }
        }
    }
}

async fn open(node: &Node) -> Result<Arc<Global>, GlobalError> {
    let m = node.membership();
    let js = async_nats::jetstream::new(node.nats().clone());
    let bucket = format!("arbor_global_{}", m.base.replace(['.', '*', '>', ' '], "_"));
    let kv = match js.get_key_value(&bucket).await {
        Ok(kv) => kv,
        Err(_) => match js
            .create_key_value(kv::Config {
                bucket: bucket.clone(),
                history: 1,
                max_age: LEASE,
                storage: async_nats::jetstream::stream::StorageType::File,
                ..Default::default()
            })
            .await
        {
            Ok(kv) => kv,
            // Another node created it in between.
            Err(create) => js.get_key_value(&bucket).await.map_err(|e| {
                store_error(
                    &format!("cannot open or create bucket {bucket} (is JetStream enabled?)"),
                    format!("{create}; {e}"),
                )
            })?,
        },
    };
    let global = Arc::new(Global {
        kv,
        cache: Mutex::new(HashMap::new()),
    });
    // The watch keeps the cache; restarted after every reconnection (a full resync).
    let weak = Arc::downgrade(&global);
    let mut connection = m.connection();
    let watcher = tokio::spawn(async move {
        loop {
            let Some(g) = weak.upgrade() else { return };
            let watch = g.kv.watch_with_history(">").await;
            drop(g);
            let mut watch = match watch {
                Ok(watch) => watch,
                Err(error) => {
                    tracing::warn!(%error, "arbor-cluster: cannot watch global names; retrying on reconnection");
                    if connection.wait_for(|c| *c).await.is_err() {
                        return;
                    }
                    let _ = connection.changed().await;
                    continue;
                }
            };
            loop {
                tokio::select! {
                    entry = watch.next() => match entry {
                        Some(Ok(entry)) => {
                            let Some(g) = weak.upgrade() else { return };
                            g.cache(&entry.key, entry.revision, Global::from_entry(&entry));
                        }
                        Some(Err(error)) => {
                            tracing::debug!(%error, "arbor-cluster: global names watch failed; restarting");
                            break;
                        }
                        None => break,
                    },
                    changed = connection.changed() => {
                        if changed.is_err() { return; }
                        if *connection.borrow_and_update() { break; }
                    }
                }
            }
        }
    });
    m.add_task(watcher);
    // Names of lost nodes are removed.
    let weak = Arc::downgrade(&global);
    let mut events = m.subscribe();
    let cleaner = tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(NodeEvent::Down { node, reason }) => {
                    // A node that is itself cut off leaves the names alone.
                    if reason == crate::NodeDownReason::Disconnected {
                        continue;
                    }
                    let Some(g) = weak.upgrade() else { return };
                    g.clean(&node).await;
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    m.add_task(cleaner);
    Ok(global)
}

/// A global name this node holds. Dropping it unregisters the name.
pub struct GlobalName {
    name: String,
    lost: watch::Receiver<Option<String>>,
    _stop: oneshot::Sender<()>,
}

impl fmt::Debug for GlobalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GlobalName({})", self.name)
    }
}

impl GlobalName {
    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Resolves when this node loses the name to another node's registration (after a
    /// split or a freeze), with the winner's node name. Never resolves otherwise.
    pub fn lost(&self) -> impl Future<Output = String> + Send + 'static {
        let mut lost = self.lost.clone();
        async move {
            let winner = match lost.wait_for(|l| l.is_some()).await {
                Ok(winner) => winner.clone(),
                Err(_) => None,
            };
            match winner {
                Some(winner) => winner,
                None => futures::future::pending().await,
            }
        }
    }

    /// Whether this node has lost the name.
    pub fn is_lost(&self) -> bool {
        self.lost.borrow().is_some()
    }
}

impl Node {
    async fn global(&self) -> Result<Arc<Global>, GlobalError> {
        self.membership()
            .global
            .get_or_try_init(|| open(self))
            .await
            .cloned()
    }

    /// Registers `name` cluster-wide for the actor `server` serves (Erlang's
    /// `global:register_name/2`): exports it and claims the name, or fails with
    /// [`GlobalError::Taken`] naming the owner. The name goes away when the actor exits
    /// (needs [`Serve::actor_cell`]), when the returned [`GlobalName`] is dropped, or when
    /// this node is declared down.
    pub async fn register_global<S: Serve>(
        &self,
        name: &str,
        server: S,
    ) -> Result<GlobalName, GlobalError> {
        valid_name(name)?;
        let global = self.global().await?;
        let exited = server.actor_cell().map(|cell| {
            Box::pin(cell.exited())
                as std::pin::Pin<Box<dyn Future<Output = arbor::ExitReason> + Send>>
        });
        let export = self.export(&export_name(name), server).await?;
        let m = self.membership();
        let me = Owner {
            node: m.me.to_string(),
            incarnation: m.incarnation(),
        };
        let value = Bytes::from(wire::encode(&me).map_err(|e| store_error("encode", e))?);
        let revision = match global.kv.create(name, value.clone()).await {
            Ok(revision) => revision,
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {
                let owner = global
                    .read(name)
                    .await?
                    .and_then(|(_, owner)| owner)
                    .map(|o| o.node)
                    .unwrap_or_else(|| "(unknown)".into());
                return Err(GlobalError::Taken {
                    name: name.into(),
                    owner,
                });
            }
            Err(e) => return Err(store_error("register", e)),
        };
        global.cache(name, revision, Some(me.clone()));
        let (lost_tx, lost) = watch::channel(None);
        let (stop, stopped) = oneshot::channel();
        let refresh = (m.options().down_after / 2).max(Duration::from_millis(50));
        tokio::spawn(lease(
            global,
            name.to_string(),
            value,
            me,
            revision,
            refresh,
            export,
            exited,
            stopped,
            lost_tx,
        ));
        Ok(GlobalName {
            name: name.into(),
            lost,
            _stop: stop,
        })
    }

    /// The node that owns global name `name`, if any: from the local cache when the name is
    /// cached (no network), else from the bucket.
    pub async fn global_owner(&self, name: &str) -> Result<Option<String>, GlobalError> {
        valid_name(name)?;
        let global = self.global().await?;
        if let Some(cached) = lock(&global.cache).get(name) {
            return Ok(cached.owner.as_ref().map(|o| o.node.clone()));
        }
        Ok(global
            .read(name)
            .await?
            .and_then(|(_, owner)| owner)
            .map(|o| o.node))
    }

    /// The owner of `name` read from the bucket, bypassing the cache (a network round trip).
    pub async fn global_owner_uncached(&self, name: &str) -> Result<Option<String>, GlobalError> {
        valid_name(name)?;
        let global = self.global().await?;
        Ok(global
            .read(name)
            .await?
            .and_then(|(_, owner)| owner)
            .map(|o| o.node))
    }

    /// A target for the actor registered as global name `name` (resolved now); fails with
    /// `noproc` calls if nobody holds it.
    pub async fn global_target<A: Actor>(&self, name: &str) -> Result<Target<A>, GlobalError> {
        match self.global_owner(name).await? {
            Some(owner) => Ok(self.remote_on(&owner, &export_name(name))),
            None => Ok(Target::Missing("noproc: no actor holds this global name")),
        }
    }

    /// Monitors the actor registered as global name `name` (resolved now).
    pub async fn monitor_global(&self, name: &str) -> Result<RemoteMonitor, GlobalError> {
        let owner = self.global_owner(name).await?;
        let owner = owner.unwrap_or_else(|| self.name().to_string());
        self.monitor(&owner, &export_name(name))
            .await
            .map_err(|e| match e {
                MonitorError::Invalid(e) => GlobalError::Invalid(e),
                other => GlobalError::Store(other.to_string()),
            })
    }
}

/// Keeps a name: refreshes its lease, deletes it when the actor exits or the handle is
/// dropped, reclaims it if it was removed while this node was thought lost, reports a loss.
#[allow(clippy::too_many_arguments)]
async fn lease(
    global: Arc<Global>,
    name: String,
    value: Bytes,
    me: Owner,
    mut revision: u64,
    refresh: Duration,
    export: Export,
    exited: Option<std::pin::Pin<Box<dyn Future<Output = arbor::ExitReason> + Send>>>,
    mut stopped: oneshot::Receiver<()>,
    lost: watch::Sender<Option<String>>,
) {
    let mut exited = exited.unwrap_or_else(|| Box::pin(futures::future::pending()));
    let mut tick = tokio::time::interval(refresh);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            _ = &mut exited => break,
            _ = tick.tick() => {}
        }
        match global.kv.update(&name, value.clone(), revision).await {
            Ok(r) => revision = r,
            Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                match global.read(&name).await {
                    Ok(Some((r, Some(owner)))) if owner == me => revision = r,
                    Ok(Some((_, Some(owner)))) => {
                        tracing::warn!(%name, winner = %owner.node, "arbor-cluster: lost a global name");
                        drop(export);
                        let _ = lost.send(Some(owner.node));
                        return;
                    }
                    Ok(_) => match global.kv.create(&name, value.clone()).await {
                        Ok(r) => {
                            tracing::info!(%name, "arbor-cluster: took back a global name removed while this node was thought lost");
                            revision = r;
                        }
                        Err(e) => {
                            tracing::debug!(%name, error = %e, "arbor-cluster: global name not taken back yet")
                        }
                    },
                    Err(e) => {
                        tracing::debug!(%name, error = %e, "arbor-cluster: cannot read a global name")
                    }
                }
            }
            Err(e) => {
                tracing::debug!(%name, error = %e, "arbor-cluster: global lease not refreshed")
            }
        }
    }
    if let Err(e) = global
        .kv
        .delete_expect_revision(&name, Some(revision))
        .await
    {
        tracing::debug!(%name, error = %e, "arbor-cluster: global name not removed");
    }
    drop(export);
}
