//! Links to remote actors, both ways: when either actor exits, or the other's node is lost,
//! the other gets the exit signal as from a linked actor — it exits too if the reason is
//! abnormal, or receives it in `handle_exit` if it traps exits (Erlang's link semantics,
//! `noconnection` when the node is lost).
//!
//! Built from parts the runtime already has, a proxy on each side:
//! - on the linking node, a proxy linked to the local actor holds a [`RemoteMonitor`] of the
//!   remote one and stops with its exit reason; it also watches the local actor and, when it
//!   exits, publishes the reason to the owner (`node.<owner>.linkexit.<node>.<id>`);
//! - on the owner, a proxy linked to the remote actor (set up by a request on
//!   `node.<owner>.link`) stops with the reason it receives, or with `noconnection` when the
//!   linking node is declared down.
//!
//! The runtime's own links do the rest.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arbor::prelude::*;
use bytes::Bytes;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::membership::NodeEvent;
use crate::monitor::{DownReason, MonitorError, RemoteDown, RemoteMonitor, WireExit};
use crate::node::{ClusterError, Node};
use crate::wire;

#[derive(Debug, Serialize, Deserialize)]
struct LinkRequest {
    name: String,
    peer: String,
    id: u64,
}

#[derive(Debug, Serialize, Deserialize)]
enum LinkReply {
    Linked,
    NoProc,
}

/// What the linking side tells the owner's proxy.
#[derive(Debug, Serialize, Deserialize)]
enum LinkNotice {
    /// The local actor exited with this reason.
    Exit(WireExit),
    /// The link was removed.
    Unlink,
}

fn notice_subject(base: &str, owner: &str, peer: &str, id: u64) -> String {
    format!("{base}.node.{owner}.linkexit.{peer}.{id}")
}

/// Stands for the linking node's actor on the owner's node.
struct PeerProxy {
    watch: tokio::task::JoinHandle<()>,
    remote: ActorCell,
}

impl Drop for PeerProxy {
    fn drop(&mut self) {
        self.watch.abort();
    }
}

enum PeerInfo {
    Exit(ExitReason),
    Unlink,
}

impl Actor for PeerProxy {
    type Args = (ActorCell, async_nats::Subscriber, Node, String);
    type Call = Infallible;
    type Cast = Infallible;
    type Info = PeerInfo;
    type Continue = Infallible;

    async fn init(
        (actor, mut notices, node, peer): Self::Args,
        ctx: &mut Context<Self>,
    ) -> Init<Self> {
        ctx.monitor(&actor);
        let me = ctx.myself();
        // Only a `Down` seen from now on counts (the peer may not be in the live set yet).
        let mut events = node.node_events();
        let watch = tokio::spawn(async move {
            let info = loop {
                tokio::select! {
                    msg = notices.next() => match msg.map(|m| wire::decode::<LinkNotice>(&m.payload)) {
                        Some(Ok(LinkNotice::Exit(reason))) => break PeerInfo::Exit(reason.into()),
                        Some(Ok(LinkNotice::Unlink)) => break PeerInfo::Unlink,
                        Some(Err(error)) => tracing::warn!(%error, "arbor-cluster: a link notice does not decode"),
                        None => return,
                    },
                    event = events.recv() => match event {
                        Ok(NodeEvent::Down { node: n, .. }) if *n == *peer => {
                            break PeerInfo::Exit(ExitReason::error("noconnection"));
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                        _ => {}
                    },
                }
            };
            let _ = me.send(info).await;
        });
        Init::Ok(PeerProxy {
            watch,
            remote: actor,
        })
    }

    async fn handle_info(&mut self, msg: PeerInfo, ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            PeerInfo::Exit(reason) => Handled::Stop(reason),
            PeerInfo::Unlink => {
                ctx.unlink(&self.remote);
                Handled::Stop(ExitReason::Normal)
            }
        }
    }

    async fn handle_down(&mut self, _down: Down, _ctx: &mut Context<Self>) -> Handled<Self> {
        Handled::Stop(ExitReason::Normal)
    }
}

/// Serves link requests for this node's exports.
pub(crate) async fn start(node: &Node) -> Result<(), ClusterError> {
    let m = node.membership().clone();
    let subject = format!("{}.node.{}.link", m.base, m.me);
    let mut requests =
        node.nats()
            .subscribe(subject.clone())
            .await
            .map_err(|e| ClusterError::Subscribe {
                subject,
                reason: e.to_string(),
            })?;
    let weak = Arc::downgrade(&m);
    let client = node.nats().clone();
    // The service holds no `Node` (that would keep it alive): it rebuilds one per link from
    // the membership it can still reach.
    let node_for_links = node.downgrade();
    let task = tokio::spawn(async move {
        while let Some(msg) = requests.next().await {
            let Some(m) = weak.upgrade() else { return };
            let Some(reply_to) = msg.reply.clone() else {
                continue;
            };
            let request = match wire::decode::<LinkRequest>(&msg.payload) {
                Ok(request) => request,
                Err(error) => {
                    tracing::warn!(%error, "arbor-cluster: a link request does not decode");
                    continue;
                }
            };
            let cell = m.export(&request.name).and_then(|s| s.actor_cell());
            let reply = match (cell, node_for_links.upgrade()) {
                (Some(cell), Some(node)) => {
                    let subject = notice_subject(&m.base, &m.me, &request.peer, request.id);
                    match client.subscribe(subject).await {
                        Ok(notices) => {
                            let started = Spawn::<PeerProxy>::new()
                                .link(&cell)
                                .start((cell.clone(), notices, node, request.peer.clone()))
                                .await;
                            if started.is_ok() {
                                LinkReply::Linked
                            } else {
                                LinkReply::NoProc
                            }
                        }
                        Err(_) => LinkReply::NoProc,
                    }
                }
                _ => LinkReply::NoProc,
            };
            if let Ok(bytes) = wire::encode(&reply) {
                let _ = client.publish(reply_to, Bytes::from(bytes)).await;
            }
        }
    });
    m.add_task(task);
    Ok(())
}

/// Stands for the remote actor on this node.
struct LinkProxy {
    watch: tokio::task::JoinHandle<()>,
    /// Where to tell the owner that the local actor exited (if the owner linked back).
    notify: Option<(async_nats::Client, String)>,
}

impl Drop for LinkProxy {
    fn drop(&mut self) {
        self.watch.abort();
    }
}

enum ProxyInfo {
    Remote(RemoteDown),
}

impl Actor for LinkProxy {
    type Args = (
        RemoteMonitor,
        ActorCell,
        Option<(async_nats::Client, String)>,
    );
    type Call = Infallible;
    type Cast = Infallible;
    type Info = ProxyInfo;
    type Continue = Infallible;

    async fn init((monitor, local, notify): Self::Args, ctx: &mut Context<Self>) -> Init<Self> {
        // The local actor's exit reaches this proxy as a trapped signal (a link would
        // otherwise take it down before it could tell the owner).
        ctx.trap_exit(true);
        ctx.monitor(&local);
        let me = ctx.myself();
        let watch = tokio::spawn(async move {
            let down = monitor.await;
            let _ = me.send(ProxyInfo::Remote(down)).await;
        });
        Init::Ok(LinkProxy { watch, notify })
    }

    async fn handle_info(&mut self, msg: ProxyInfo, _ctx: &mut Context<Self>) -> Handled<Self> {
        let ProxyInfo::Remote(down) = msg;
        Handled::Stop(match down.reason {
            DownReason::Exit(reason) => reason,
            DownReason::NoConnection => ExitReason::error("noconnection"),
            DownReason::NoProc => ExitReason::error("noproc"),
        })
    }

    async fn handle_exit(&mut self, signal: ExitSignal, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.local_exited(&signal.reason).await;
        Handled::Stop(ExitReason::Normal)
    }

    async fn handle_down(&mut self, down: Down, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.local_exited(&down.reason).await;
        Handled::Stop(ExitReason::Normal)
    }
}

impl LinkProxy {
    /// The local actor exited: the owner's proxy passes the reason on to the remote actor.
    async fn local_exited(&mut self, reason: &ExitReason) {
        if let Some((client, subject)) = self.notify.take() {
            let notice = LinkNotice::Exit(reason.into());
            if let Ok(bytes) = wire::encode(&notice) {
                let _ = client.publish(subject, Bytes::from(bytes)).await;
                let _ = client.flush().await;
            }
        }
    }
}

/// A link between a local actor and a remote one. Dropping it keeps the link; [`unlink`]
/// removes it.
///
/// [`unlink`]: RemoteLink::unlink
#[derive(Debug)]
pub struct RemoteLink {
    local: ActorCell,
    proxy: ActorCell,
    notify: Option<(async_nats::Client, String)>,
}

impl RemoteLink {
    /// The id of the local proxy that stands for the remote actor: the `from` of the exit
    /// signal a trapping local actor receives.
    pub fn proxy(&self) -> ActorId {
        self.proxy.id()
    }

    /// Removes the link (Erlang's `unlink/1`).
    pub async fn unlink(self) {
        self.local.unlink(&self.proxy);
        if let Some((client, subject)) = &self.notify
            && let Ok(bytes) = wire::encode(&LinkNotice::Unlink)
        {
            let _ = client.publish(subject.clone(), Bytes::from(bytes)).await;
        }
        self.proxy.stop(ExitReason::Normal).await;
    }
}

impl Node {
    /// Links the local actor `local` and the actor node `node` exports as `name` (Erlang's
    /// `link/1`). When the remote actor exits, or its node is lost (`error: noconnection`), or
    /// nothing is exported under that name (`error: noproc`), `local` exits with that reason
    /// — or receives it in `handle_exit` if it traps exits; a normal exit reaches a trapping
    /// actor only, as in Erlang. The other way round, the remote actor gets `local`'s exit
    /// reason, or `error: noconnection` when this node is declared down by the owner.
    pub async fn link_remote(
        &self,
        local: &ActorCell,
        node: &str,
        name: &str,
    ) -> Result<RemoteLink, MonitorError> {
        let monitor = self.monitor(node, name).await?;
        // Ask the owner to link back (a proxy of ours, linked to its actor).
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let m = self.membership();
        let id = m.incarnation() ^ NEXT.fetch_add(1, Ordering::Relaxed);
        let request = LinkRequest {
            name: name.into(),
            peer: m.me.to_string(),
            id,
        };
        let mut notify = None;
        if node != &*m.me
            && let Ok(bytes) = wire::encode(&request)
        {
            let asked = self
                .nats()
                .send_request(
                    format!("{}.node.{node}.link", m.base),
                    async_nats::Request::new()
                        .payload(Bytes::from(bytes))
                        .timeout(Some(Duration::from_secs(5))),
                )
                .await;
            if let Ok(reply) = asked
                && let Ok(LinkReply::Linked) = wire::decode::<LinkReply>(&reply.payload)
            {
                notify = Some((
                    self.nats().clone(),
                    notice_subject(&m.base, node, &m.me, id),
                ));
            }
        }
        let proxy = Spawn::<LinkProxy>::new()
            .link(local)
            .start((monitor, local.clone(), notify.clone()))
            .await
            .ok()
            .and_then(|started| started.running())
            .map(|proxy| proxy.cell());
        match proxy {
            Some(proxy) => Ok(RemoteLink {
                local: local.clone(),
                proxy,
                notify,
            }),
            // The proxy's init cannot fail; a local actor already gone leaves nothing to link.
            None => Err(MonitorError::Invalid(crate::ClusterError::InvalidOptions {
                reason: "the link proxy did not start".into(),
            })),
        }
    }
}
