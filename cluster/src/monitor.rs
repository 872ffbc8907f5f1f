//! Monitors across nodes (Erlang's `monitor(process, {Name, Node})`).
//!
//! [`Node::monitor`] watches the actor a node exports under a name. The watcher subscribes to
//! `<prefix>.<cluster>.node.<owner>.exit.<name>`, then asks the owner
//! (`node.<owner>.monitor`, a request) to watch the actor that serves the name now; the owner
//! answers with that actor's id (or its exit reason if it already exited, or `noproc`) and
//! publishes `{actor, reason}` on the exit subject when it exits. The watcher's
//! [`RemoteMonitor`] resolves once, with:
//! - [`DownReason::Exit`] and the actor's real exit reason,
//! - [`DownReason::NoConnection`] when the owner's node is declared down (killed, frozen, cut
//!   off, left) — Erlang's `noconnection`,
//! - [`DownReason::NoProc`] at once when nothing is exported under the name there.
//!
//! The owner can only watch an actor whose [`Serve`](crate::wire::Serve) gives its cell
//! ([`Serve::actor_cell`](crate::wire::Serve::actor_cell)); otherwise `monitor` fails with
//! [`MonitorError::NotMonitorable`].

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use arbor::ExitReason;
use bytes::Bytes;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::membership::Serving;
use crate::node::{ClusterError, Node, valid_name};
use crate::wire;

/// Why a monitored remote actor is gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownReason {
    /// It exited, with this reason.
    Exit(ExitReason),
    /// Its node was lost (declared down) before it was seen to exit.
    NoConnection,
    /// Nothing was exported under the name on that node when the monitor was set.
    NoProc,
}

impl fmt::Display for DownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DownReason::Exit(reason) => write!(f, "{reason}"),
            DownReason::NoConnection => f.write_str("noconnection"),
            DownReason::NoProc => f.write_str("noproc"),
        }
    }
}

/// A remote monitor's one notification (Erlang's `{'DOWN', Ref, process, {Name, Node},
/// Reason}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteDown {
    /// The node the actor ran on.
    pub node: Arc<str>,
    /// The exported name monitored.
    pub name: Arc<str>,
    /// The id the actor had on its node, if the monitor got as far as learning it.
    pub actor: Option<u64>,
    /// Why it is gone.
    pub reason: DownReason,
}

/// Why a remote monitor could not be set.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MonitorError {
    /// A node or actor name that cannot be part of a subject.
    #[error(transparent)]
    Invalid(#[from] ClusterError),
    /// The owner exports the name through a `Serve` that does not give its actor's cell.
    #[error("`{name}` on node `{node}` cannot be monitored: its Serve gives no actor cell")]
    NotMonitorable {
        /// The node.
        node: String,
        /// The name.
        name: String,
    },
}

/// A monitor of a remote actor: a future that resolves once, with a [`RemoteDown`]. Dropping
/// it is `demonitor`.
pub struct RemoteMonitor {
    actor: Option<u64>,
    down: Pin<Box<dyn Future<Output = RemoteDown> + Send>>,
}

impl fmt::Debug for RemoteMonitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteMonitor")
            .field("actor", &self.actor)
            .finish_non_exhaustive()
    }
}

impl RemoteMonitor {
    /// The monitored actor's id on its node, if it was running when the monitor was set.
    pub fn actor(&self) -> Option<u64> {
        self.actor
    }

    fn fired(node: &str, name: &str, actor: Option<u64>, reason: DownReason) -> RemoteMonitor {
        let down = RemoteDown {
            node: node.into(),
            name: name.into(),
            actor,
            reason,
        };
        RemoteMonitor {
            actor,
            down: Box::pin(async move { down }),
        }
    }
}

impl Future for RemoteMonitor {
    type Output = RemoteDown;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RemoteDown> {
        self.down.as_mut().poll(cx)
    }
}

/// An exit reason as it crosses nodes (every variant kept, unlike a call's error).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum WireExit {
    Normal,
    Shutdown,
    ShutdownWith(String),
    Panic(String),
    Killed,
    Error(String),
}

impl From<&ExitReason> for WireExit {
    fn from(reason: &ExitReason) -> Self {
        match reason {
            ExitReason::Normal => WireExit::Normal,
            ExitReason::Shutdown => WireExit::Shutdown,
            ExitReason::ShutdownWith(r) => WireExit::ShutdownWith(r.to_string()),
            ExitReason::Panic(r) => WireExit::Panic(r.to_string()),
            ExitReason::Killed => WireExit::Killed,
            ExitReason::Error(r) => WireExit::Error(r.to_string()),
        }
    }
}

impl From<WireExit> for ExitReason {
    fn from(reason: WireExit) -> Self {
        match reason {
            WireExit::Normal => ExitReason::Normal,
            WireExit::Shutdown => ExitReason::Shutdown,
            WireExit::ShutdownWith(r) => ExitReason::shutdown_with(r),
            WireExit::Panic(r) => ExitReason::panic(r),
            WireExit::Killed => ExitReason::Killed,
            WireExit::Error(r) => ExitReason::error(r),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct MonitorRequest {
    name: String,
    /// Set when a watcher re-asks after a reconnection: the actor it watches.
    actor: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
enum MonitorReply {
    Watching {
        actor: u64,
    },
    Exited {
        actor: u64,
        reason: WireExit,
    },
    NoProc,
    NotMonitorable,
    /// The actor asked about is gone and its exit reason is no longer known.
    Gone,
}

/// How many recent exits an owner remembers for watchers that re-ask after a reconnection.
const RECENT_EXITS: usize = 1024;

type Recent = Arc<Mutex<std::collections::VecDeque<(String, u64, ExitReason)>>>;

/// What an owner remembers of `request.actor`'s exit.
fn recall(recent: &Recent, request: &MonitorRequest) -> Option<MonitorReply> {
    let actor = request.actor?;
    let recent = recent.lock().unwrap_or_else(|e| e.into_inner());
    recent
        .iter()
        .find(|(name, id, _)| *id == actor && *name == request.name)
        .map(|(_, _, reason)| MonitorReply::Exited {
            actor,
            reason: reason.into(),
        })
}

#[derive(Debug, Serialize, Deserialize)]
struct ExitNotice {
    actor: u64,
    reason: WireExit,
}

fn exit_subject(base: &str, node: &str, name: &str) -> String {
    format!("{base}.node.{node}.exit.{name}")
}

/// Serves monitor requests for this node's exports.
pub(crate) async fn start(node: &Node) -> Result<(), ClusterError> {
    let m = node.membership().clone();
    let client = node.nats().clone();
    let subject = format!("{}.node.{}.monitor", m.base, m.me);
    let mut requests =
        client
            .subscribe(subject.clone())
            .await
            .map_err(|e| ClusterError::Subscribe {
                subject,
                reason: e.to_string(),
            })?;
    let weak = Arc::downgrade(&m);
    let watched: Arc<Mutex<HashSet<(String, u64)>>> = Arc::default();
    let recent: Recent = Arc::default();
    let task = tokio::spawn(async move {
        while let Some(msg) = requests.next().await {
            let Some(m) = weak.upgrade() else { return };
            let Some(reply_to) = msg.reply.clone() else {
                continue;
            };
            let reply = match wire::decode::<MonitorRequest>(&msg.payload) {
                Err(error) => {
                    tracing::warn!(%error, "arbor-cluster: a monitor request does not decode");
                    continue;
                }
                Ok(request) => match recall(&recent, &request) {
                    Some(reply) => reply,
                    None => match m.export(&request.name) {
                        None if request.actor.is_some() => MonitorReply::Gone,
                        None => MonitorReply::NoProc,
                        Some(server) => match server.actor_cell() {
                            None => MonitorReply::NotMonitorable,
                            Some(cell)
                                if request.actor.is_some_and(|a| a != cell.id().as_u64()) =>
                            {
                                MonitorReply::Gone
                            }
                            Some(cell) => {
                                let actor = cell.id().as_u64();
                                match cell.exit_reason() {
                                    Some(reason) => MonitorReply::Exited {
                                        actor,
                                        reason: (&reason).into(),
                                    },
                                    None => {
                                        let key = (request.name.clone(), actor);
                                        let new = watched
                                            .lock()
                                            .unwrap_or_else(|e| e.into_inner())
                                            .insert(key.clone());
                                        if new {
                                            let exited = cell.exited();
                                            let client = client.clone();
                                            let subject =
                                                exit_subject(&m.base, &m.me, &request.name);
                                            let watched = watched.clone();
                                            let recent = recent.clone();
                                            let name = request.name.clone();
                                            tokio::spawn(async move {
                                                let reason = exited.await;
                                                {
                                                    let mut recent = recent
                                                        .lock()
                                                        .unwrap_or_else(|e| e.into_inner());
                                                    if recent.len() == RECENT_EXITS {
                                                        recent.pop_front();
                                                    }
                                                    recent.push_back((name, actor, reason.clone()));
                                                }
                                                let notice = ExitNotice {
                                                    actor,
                                                    reason: (&reason).into(),
                                                };
                                                if let Ok(bytes) = wire::encode(&notice) {
                                                    let _ = client
                                                        .publish(subject, Bytes::from(bytes))
                                                        .await;
                                                    let _ = client.flush().await;
                                                }
                                                watched
                                                    .lock()
                                                    .unwrap_or_else(|e| e.into_inner())
                                                    .remove(&key);
                                            });
                                        }
                                        MonitorReply::Watching { actor }
                                    }
                                }
                            }
                        },
                    },
                },
            };
            if let Ok(bytes) = wire::encode(&reply) {
                let _ = client.publish(reply_to, Bytes::from(bytes)).await;
            }
        }
    });
    m.add_task(task);
    Ok(())
}

impl Node {
    /// Monitors the actor that node `node` exports as `name` now. The returned
    /// [`RemoteMonitor`] resolves once: with the actor's exit reason, with `NoConnection` when
    /// its node is lost, or at once with `NoProc` (nothing exported under that name there) or
    /// `NoConnection` (the node does not answer). A monitor of this node's own export watches
    /// the local actor directly.
    pub async fn monitor(&self, node: &str, name: &str) -> Result<RemoteMonitor, MonitorError> {
        valid_name(node)?;
        valid_name(name)?;
        let m = self.membership().clone();
        let not_monitorable = || MonitorError::NotMonitorable {
            node: node.into(),
            name: name.into(),
        };
        if node == &*m.me {
            let Some(server) = m.export(name) else {
                return Ok(RemoteMonitor::fired(node, name, None, DownReason::NoProc));
            };
            let cell = server.actor_cell().ok_or_else(not_monitorable)?;
            let actor = Some(cell.id().as_u64());
            let exited = cell.exited();
            let (node, name): (Arc<str>, Arc<str>) = (node.into(), name.into());
            return Ok(RemoteMonitor {
                actor,
                down: Box::pin(async move {
                    RemoteDown {
                        node,
                        name,
                        actor,
                        reason: DownReason::Exit(exited.await),
                    }
                }),
            });
        }
        let no_connection = |actor| {
            Ok(RemoteMonitor::fired(
                node,
                name,
                actor,
                DownReason::NoConnection,
            ))
        };
        if !m.is_connected() {
            return no_connection(None);
        }
        let client = self.nats();
        // Watch the node and the exit subject before asking: nothing that happens after the
        // owner's answer can be missed.
        let loss = m.watch_loss(&Serving::On(node.into()), false);
        let Ok(mut exits) = client.subscribe(exit_subject(&m.base, node, name)).await else {
            return no_connection(None);
        };
        let request = wire::encode(&MonitorRequest {
            name: name.into(),
            actor: None,
        })
        .map_err(|e| ClusterError::InvalidOptions {
            reason: e.to_string(),
        })?;
        let ask_subject = format!("{}.node.{node}.monitor", m.base);
        let mut connection = m.connection();
        let asked = client.send_request(
            ask_subject.clone(),
            async_nats::Request::new()
                .payload(Bytes::from(request))
                .timeout(Some(
                    m.options().detection_bound().max(Duration::from_secs(2)),
                )),
        );
        let reply = tokio::select! {
            reply = asked => reply,
            _ = loss.clone().lost() => return no_connection(None),
        };
        let Ok(reply) = reply else {
            return no_connection(None);
        };
        let actor = match wire::decode::<MonitorReply>(&reply.payload) {
            Ok(MonitorReply::Watching { actor }) => actor,
            Ok(MonitorReply::Exited { actor, reason }) => {
                return Ok(RemoteMonitor::fired(
                    node,
                    name,
                    Some(actor),
                    DownReason::Exit(reason.into()),
                ));
            }
            Ok(MonitorReply::NoProc) => {
                return Ok(RemoteMonitor::fired(node, name, None, DownReason::NoProc));
            }
            Ok(MonitorReply::NotMonitorable) => return Err(not_monitorable()),
            Ok(MonitorReply::Gone) => return no_connection(None),
            Err(error) => {
                tracing::warn!(%error, node, name, "arbor-cluster: a monitor reply does not decode");
                return no_connection(None);
            }
        };
        let client = client.clone();
        let (node, name): (Arc<str>, Arc<str>) = (node.into(), name.into());
        let reask_name = name.to_string();
        let down = async move {
            // An exit notice published while this node was disconnected is lost: after every
            // reconnection, ask the owner again about this actor.
            let reask = async {
                loop {
                    // `changed` sees every change since the monitor was set, even when this
                    // future is first polled long after (a monitor is a lazy future).
                    if connection.changed().await.is_err() {
                        return futures::future::pending::<DownReason>().await;
                    }
                    let connected = *connection.borrow_and_update();
                    if !connected {
                        continue;
                    }
                    // Ask until the owner answers (it may reconnect after this node does);
                    // the loss of its node ends the wait through the other branch.
                    let mut pause = Duration::from_millis(20);
                    while let Ok(request) = wire::encode(&MonitorRequest {
                        name: reask_name.clone(),
                        actor: Some(actor),
                    }) {
                        let reply = client
                            .send_request(
                                ask_subject.clone(),
                                async_nats::Request::new()
                                    .payload(Bytes::from(request))
                                    .timeout(Some(Duration::from_secs(2))),
                            )
                            .await;
                        match reply.map(|r| wire::decode::<MonitorReply>(&r.payload)) {
                            Ok(Ok(MonitorReply::Exited { reason, .. })) => {
                                return DownReason::Exit(reason.into());
                            }
                            Ok(Ok(MonitorReply::Gone | MonitorReply::NoProc)) => {
                                return DownReason::NoConnection;
                            }
                            Ok(Ok(_)) => break,
                            Ok(Err(_)) | Err(_) => {
                                tokio::time::sleep(pause).await;
                                pause = (pause * 2).min(Duration::from_millis(500));
                            }
                        }
                    }
                }
            };
            let exit = async {
                while let Some(msg) = exits.next().await {
                    match wire::decode::<ExitNotice>(&msg.payload) {
                        Ok(notice) if notice.actor == actor => return Some(notice.reason),
                        Ok(_) => {}
                        Err(error) => {
                            tracing::warn!(%error, "arbor-cluster: an exit notice does not decode")
                        }
                    }
                }
                None
            };
            let reason = tokio::select! {
                biased;
                reason = exit => match reason {
                    Some(reason) => DownReason::Exit(reason.into()),
                    None => DownReason::NoConnection,
                },
                _ = loss.lost() => DownReason::NoConnection,
                reason = reask => reason,
            };
            RemoteDown {
                node,
                name,
                actor: Some(actor),
                reason,
            }
        };
        Ok(RemoteMonitor {
            actor: Some(actor),
            down: Box::pin(down),
        })
    }
}
