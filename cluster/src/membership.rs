//! Node membership and failure detection (distributed Erlang's `nodes()`, `monitor_node/2`,
//! `nodeup` / `nodedown`).
//!
//! Every node publishes a heartbeat on `<prefix>.<cluster>.nodes.<node>` every
//! [`MembershipOptions::heartbeat`] and an orderly `Leave` when it [leaves](Node::leave); every
//! node subscribes to `<prefix>.<cluster>.nodes.*` and keeps the live set. A node not heard
//! from for [`MembershipOptions::down_after`] is declared down (checked every half heartbeat,
//! so within [`MembershipOptions::detection_bound`]). A heartbeat carries the node's
//! incarnation (a node restarted under the same name is `Down { Restarted }` then `Up`), the
//! names it exports and the process groups its actors belong to.
//!
//! A node that was itself frozen (`SIGSTOP`, a long GC-like stall of its runtime) notices the
//! gap in its own clock and gives every peer a fresh bound instead of declaring them all down:
//! the peers did not stop, it did.
//!
//! Each peer has a counter of the times it went down; a call in flight to a node (or to a name
//! only lost nodes served) races its reply against that counter and fails with
//! [`RemoteErrorKind::NodeDown`] as soon as the loss is detected, and with
//! [`RemoteErrorKind::Disconnected`] as soon as this node loses its own connection.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use arbor::remote::{RemoteError, RemoteErrorKind};
use bytes::Bytes;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, broadcast, watch};
use tokio::time::Instant;

use crate::node::{ClusterError, Node};
use crate::wire::{self, Serve};

/// How a node announces itself and how fast it declares a silent peer down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MembershipOptions {
    /// How often this node publishes its heartbeat (default 500 ms).
    pub heartbeat: Duration,
    /// A peer not heard from for this long is declared down (default 2.5 s). At least twice
    /// the heartbeat.
    pub down_after: Duration,
}

impl Default for MembershipOptions {
    fn default() -> Self {
        MembershipOptions {
            heartbeat: Duration::from_millis(500),
            down_after: Duration::from_millis(2500),
        }
    }
}

impl MembershipOptions {
    /// The longest time between a peer's last heartbeat and its `Down` event: `down_after`
    /// plus one check period (half a heartbeat). 2.75 s with the defaults.
    pub fn detection_bound(&self) -> Duration {
        self.down_after + self.check_period()
    }

    fn check_period(&self) -> Duration {
        (self.heartbeat / 2).max(Duration::from_millis(5))
    }

    pub(crate) fn validate(&self) -> Result<(), ClusterError> {
        let bad = |reason: String| Err(ClusterError::InvalidOptions { reason });
        if self.heartbeat < Duration::from_millis(10) {
            return bad(format!(
                "membership heartbeat {:?} is below 10 ms",
                self.heartbeat
            ));
        }
        if self.down_after < self.heartbeat * 2 {
            return bad(format!(
                "membership down_after {:?} must be at least twice the heartbeat {:?}",
                self.down_after, self.heartbeat
            ));
        }
        Ok(())
    }
}

/// Why a node was declared down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NodeDownReason {
    /// No heartbeat for `down_after`: killed, frozen or cut off.
    Silent,
    /// It left in an orderly way ([`Node::leave`]).
    Left,
    /// A new incarnation of it announced itself (it restarted under the same name).
    Restarted,
    /// This node lost its own connection to the cluster and has not heard the peer since.
    Disconnected,
}

impl fmt::Display for NodeDownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NodeDownReason::Silent => "no heartbeat within the bound",
            NodeDownReason::Left => "left the cluster",
            NodeDownReason::Restarted => "restarted",
            NodeDownReason::Disconnected => "this node is disconnected from the cluster",
        })
    }
}

/// A change of the live set, as [`Node::node_events`] delivers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeEvent {
    /// A node announced itself (first heartbeat, or first after it was down).
    Up {
        /// The node.
        node: Arc<str>,
    },
    /// A node was declared down.
    Down {
        /// The node.
        node: Arc<str>,
        /// Why.
        reason: NodeDownReason,
    },
}

/// A node as [`Node::members`] lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Member {
    /// Its name.
    pub name: String,
    /// Whether it is the node asked ([`Node::members`] lists it first).
    pub this_node: bool,
    /// Up in this node's view (this node: connected and not left).
    pub up: bool,
    /// Its incarnation: a new one when it restarts under the same name.
    pub incarnation: u64,
    /// The names it exports, sorted (as its last heartbeat listed them).
    pub exports: Vec<String>,
    /// When it last went up or down in this node's view (`None` for this node).
    pub changed: Option<std::time::SystemTime>,
    /// Why it went down, while it is down.
    pub down_reason: Option<NodeDownReason>,
    /// Time since its last heartbeat (`None` for this node).
    pub last_heard: Option<Duration>,
}

/// One node's view of one other node.
struct Peer {
    up: bool,
    incarnation: u64,
    last_seen: Instant,
    exports: BTreeSet<String>,
    groups: Vec<(String, Vec<String>)>,
    /// Bumped every time the peer is declared down.
    downs: watch::Sender<u64>,
    /// When it last went up or down, and why it went down (for [`Node::members`]).
    changed: Option<std::time::SystemTime>,
    down_reason: Option<NodeDownReason>,
}

impl Peer {
    fn went_down(&mut self, reason: NodeDownReason) {
        self.up = false;
        self.downs.send_modify(|n| *n += 1);
        self.changed = Some(std::time::SystemTime::now());
        self.down_reason = Some(reason);
    }
}

impl Peer {
    fn new(now: Instant) -> Peer {
        Peer {
            up: false,
            incarnation: 0,
            last_seen: now,
            exports: BTreeSet::new(),
            groups: Vec::new(),
            downs: watch::channel(0).0,
            changed: None,
            down_reason: None,
        }
    }
}

/// One local export: its id (for the guard) and its server.
type Exported = (u64, Arc<dyn Serve>);

#[derive(Default)]
struct State {
    peers: HashMap<Arc<str>, Peer>,
    /// This node's exports: name → (export id, server), newest last.
    exports: BTreeMap<Arc<str>, Vec<Exported>>,
    /// This node's group memberships: group → exported name → how many joins.
    groups: BTreeMap<String, BTreeMap<String, usize>>,
    last_check: Option<Instant>,
}

/// What a heartbeat subject carries.
#[derive(Debug, Serialize, Deserialize)]
enum NodeMsg {
    Beat {
        incarnation: u64,
        exports: Vec<String>,
        groups: Vec<(String, Vec<String>)>,
    },
    Leave {
        incarnation: u64,
    },
}

/// Who serves a remote target: what a call in flight races against.
#[derive(Clone, Debug)]
pub(crate) enum Serving {
    /// Whichever node exports the name.
    Any(Arc<str>),
    /// That node only.
    On(Arc<str>),
    /// A member of that process group.
    Group(Arc<str>),
}

/// The membership of one node: its heartbeats, its view of the others, its exports.
pub(crate) struct Membership {
    pub(crate) me: Arc<str>,
    pub(crate) base: String,
    incarnation: u64,
    options: MembershipOptions,
    state: Mutex<State>,
    events: broadcast::Sender<NodeEvent>,
    connected: Arc<watch::Sender<bool>>,
    beat_now: Arc<Notify>,
    left: AtomicBool,
    next_export: AtomicU64,
    /// Global names, opened on first use (global.rs).
    pub(crate) global: tokio::sync::OnceCell<Arc<crate::global::Global>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Drop for Membership {
    fn drop(&mut self) {
        for task in self.tasks.get_mut().unwrap_or_else(|e| e.into_inner()) {
            task.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Membership {
    pub(crate) fn new(
        me: Arc<str>,
        base: String,
        options: MembershipOptions,
        connected: Arc<watch::Sender<bool>>,
    ) -> Arc<Membership> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Arc::new(Membership {
            me,
            base,
            incarnation: nanos ^ (u64::from(std::process::id()) << 32),
            options,
            state: Mutex::new(State::default()),
            events: broadcast::channel(1024).0,
            connected,
            beat_now: Arc::new(Notify::new()),
            left: AtomicBool::new(false),
            next_export: AtomicU64::new(1),
            global: tokio::sync::OnceCell::new(),
            tasks: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn incarnation(&self) -> u64 {
        self.incarnation
    }

    pub(crate) fn options(&self) -> MembershipOptions {
        self.options
    }

    pub(crate) fn is_connected(&self) -> bool {
        *self.connected.borrow()
    }

    pub(crate) fn connection(&self) -> watch::Receiver<bool> {
        self.connected.subscribe()
    }

    pub(crate) fn add_task(&self, task: tokio::task::JoinHandle<()>) {
        lock(&self.tasks).push(task);
    }

    fn emit(&self, event: NodeEvent) {
        tracing::info!(node = %self.me, ?event, "arbor-cluster: membership");
        let _ = self.events.send(event);
    }

    fn beat(&self) -> NodeMsg {
        let st = lock(&self.state);
        NodeMsg::Beat {
            incarnation: self.incarnation,
            exports: st.exports.keys().map(|k| k.to_string()).collect(),
            groups: st
                .groups
                .iter()
                .map(|(g, members)| (g.clone(), members.keys().cloned().collect()))
                .collect(),
        }
    }

    /// A heartbeat (or leave) from `node`.
    fn receive(&self, node: &str, payload: &[u8]) {
        let msg: NodeMsg = match wire::decode(payload) {
            Ok(msg) => msg,
            Err(error) => {
                tracing::warn!(from = node, %error, "arbor-cluster: a heartbeat does not decode");
                return;
            }
        };
        if node == &*self.me {
            if let NodeMsg::Beat { incarnation, .. } = msg
                && incarnation != self.incarnation
            {
                tracing::warn!(
                    node,
                    "arbor-cluster: another node runs under this node's name"
                );
            }
            return;
        }
        let now = Instant::now();
        let mut st = lock(&self.state);
        let (name, peer) = match st.peers.get_key_value(node) {
            Some((name, _)) => {
                let name = name.clone();
                (name.clone(), st.peers.get_mut(&name).expect("present"))
            }
            None => {
                let name: Arc<str> = node.into();
                (name.clone(), st.peers.entry(name).or_insert(Peer::new(now)))
            }
        };
        match msg {
            NodeMsg::Beat {
                incarnation,
                exports,
                groups,
            } => {
                let mut events = Vec::new();
                if peer.up && peer.incarnation != incarnation {
                    peer.went_down(NodeDownReason::Restarted);
                    events.push(NodeEvent::Down {
                        node: name.clone(),
                        reason: NodeDownReason::Restarted,
                    });
                }
                let new = !peer.up;
                peer.up = true;
                if new {
                    peer.changed = Some(std::time::SystemTime::now());
                    peer.down_reason = None;
                }
                peer.incarnation = incarnation;
                peer.last_seen = now;
                peer.exports = exports.into_iter().collect();
                peer.groups = groups;
                if new {
                    events.push(NodeEvent::Up { node: name });
                }
                drop(st);
                for event in events {
                    self.emit(event);
                }
                if new {
                    // The newcomer learns of this node at once, not a heartbeat later.
                    self.beat_now.notify_one();
                }
            }
            NodeMsg::Leave { incarnation } => {
                if peer.up && peer.incarnation == incarnation {
                    peer.went_down(NodeDownReason::Left);
                    drop(st);
                    self.emit(NodeEvent::Down {
                        node: name,
                        reason: NodeDownReason::Left,
                    });
                }
            }
        }
    }

    /// Declares down the peers silent for longer than the bound.
    fn check(&self) {
        let now = Instant::now();
        let connected = self.is_connected();
        let mut st = lock(&self.state);
        let last = st.last_check.replace(now);
        if let Some(last) = last
            && now.duration_since(last) > self.options.down_after / 2
        {
            // This node did not run for a while (frozen, starved): the silence is ours.
            tracing::warn!(
                node = %self.me,
                stalled = ?now.duration_since(last),
                "arbor-cluster: this node was stalled; peers get a fresh bound"
            );
            for peer in st.peers.values_mut() {
                peer.last_seen = now;
            }
            return;
        }
        let reason = if connected {
            NodeDownReason::Silent
        } else {
            NodeDownReason::Disconnected
        };
        let mut down = Vec::new();
        for (name, peer) in st.peers.iter_mut() {
            if peer.up && now.duration_since(peer.last_seen) > self.options.down_after {
                peer.went_down(reason);
                down.push(name.clone());
            }
        }
        drop(st);
        for node in down {
            self.emit(NodeEvent::Down { node, reason });
        }
    }

    pub(crate) fn live(&self) -> Vec<String> {
        let st = lock(&self.state);
        let mut nodes: Vec<String> = st
            .peers
            .iter()
            .filter(|(_, p)| p.up)
            .map(|(n, _)| n.to_string())
            .collect();
        nodes.sort();
        nodes
    }

    /// This node, then every node it has heard from, by name.
    pub(crate) fn members(&self) -> Vec<Member> {
        let st = lock(&self.state);
        let now = Instant::now();
        let mut others: Vec<Member> = st
            .peers
            .iter()
            .filter(|(_, p)| p.changed.is_some())
            .map(|(name, p)| Member {
                name: name.to_string(),
                this_node: false,
                up: p.up,
                incarnation: p.incarnation,
                exports: p.exports.iter().cloned().collect(),
                changed: p.changed,
                down_reason: p.down_reason,
                last_heard: Some(now.saturating_duration_since(p.last_seen)),
            })
            .collect();
        others.sort_by(|a, b| a.name.cmp(&b.name));
        let me = Member {
            name: self.me.to_string(),
            this_node: true,
            up: self.is_connected() && !self.left.load(Ordering::Relaxed),
            incarnation: self.incarnation,
            exports: st.exports.keys().map(|k| k.to_string()).collect(),
            changed: None,
            down_reason: None,
            last_heard: None,
        };
        std::iter::once(me).chain(others).collect()
    }

    pub(crate) fn is_up(&self, node: &str) -> bool {
        node == &*self.me || lock(&self.state).peers.get(node).is_some_and(|p| p.up)
    }

    /// The counter of `node`'s downs, created if the node was never heard of.
    pub(crate) fn downs(&self, node: &str) -> watch::Receiver<u64> {
        let mut st = lock(&self.state);
        if let Some(peer) = st.peers.get(node) {
            return peer.downs.subscribe();
        }
        let peer = st
            .peers
            .entry(node.into())
            .or_insert(Peer::new(Instant::now()));
        peer.downs.subscribe()
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<NodeEvent> {
        self.events.subscribe()
    }

    /// Live nodes whose heartbeat lists `group`, with the exported names that joined it.
    pub(crate) fn group_members(&self, group: &str) -> Vec<(String, String)> {
        let st = lock(&self.state);
        let mut members = Vec::new();
        if let Some(local) = st.groups.get(group) {
            for name in local.keys() {
                members.push((self.me.to_string(), name.clone()));
            }
        }
        for (node, peer) in &st.peers {
            if !peer.up {
                continue;
            }
            for (g, names) in &peer.groups {
                if g == group {
                    for name in names {
                        members.push((node.to_string(), name.clone()));
                    }
                }
            }
        }
        members.sort();
        members
    }

    /// The nodes up in this node's view that export `name` (this one included), sorted.
    pub(crate) fn exporters(&self, name: &str) -> Vec<String> {
        let st = lock(&self.state);
        let mut nodes: Vec<String> = st
            .peers
            .iter()
            .filter(|(_, p)| p.up && p.exports.contains(name))
            .map(|(n, _)| n.to_string())
            .collect();
        if st.exports.contains_key(name) {
            nodes.push(self.me.to_string());
        }
        nodes.sort();
        nodes
    }

    /// Records a join of `group` by the exported `name`; announced at once.
    pub(crate) fn join(&self, group: &str, name: &str) {
        *lock(&self.state)
            .groups
            .entry(group.to_string())
            .or_default()
            .entry(name.to_string())
            .or_insert(0) += 1;
        self.beat_now.notify_one();
    }

    pub(crate) fn leave_group(&self, group: &str, name: &str) {
        let mut st = lock(&self.state);
        if let Some(members) = st.groups.get_mut(group) {
            if let Some(n) = members.get_mut(name) {
                *n -= 1;
                if *n == 0 {
                    members.remove(name);
                }
            }
            if members.is_empty() {
                st.groups.remove(group);
            }
        }
        drop(st);
        self.beat_now.notify_one();
    }

    /// Records an export; the guard removes it.
    pub(crate) fn exported(self: &Arc<Self>, name: &str, server: Arc<dyn Serve>) -> ExportGuard {
        let id = self.next_export.fetch_add(1, Ordering::Relaxed);
        let name: Arc<str> = name.into();
        lock(&self.state)
            .exports
            .entry(name.clone())
            .or_default()
            .push((id, server));
        self.beat_now.notify_one();
        ExportGuard {
            membership: Arc::downgrade(self),
            name,
            id,
        }
    }

    /// The newest local export of `name`.
    pub(crate) fn export(&self, name: &str) -> Option<Arc<dyn Serve>> {
        lock(&self.state)
            .exports
            .get(name)
            .and_then(|v| v.last())
            .map(|(_, s)| s.clone())
    }

    /// What a call to `serving` races against: the loss of every node that could be serving
    /// it, or of this node's connection.
    pub(crate) fn watch_loss(&self, serving: &Serving, with_connection: bool) -> Loss {
        let nodes = match serving {
            Serving::On(node) if node.as_ref() == &*self.me => Vec::new(),
            Serving::On(node) => vec![(node.clone(), self.downs(node))],
            Serving::Group(group) => {
                let st = lock(&self.state);
                if st.groups.contains_key(group.as_ref()) {
                    Vec::new()
                } else {
                    st.peers
                        .iter()
                        .filter(|(_, p)| p.up && p.groups.iter().any(|(g, _)| g == group.as_ref()))
                        .map(|(n, p)| (n.clone(), p.downs.subscribe()))
                        .collect()
                }
            }
            Serving::Any(name) => {
                let st = lock(&self.state);
                if st.exports.contains_key(name) {
                    // This node serves it too: the call may be answered here.
                    Vec::new()
                } else {
                    st.peers
                        .iter()
                        .filter(|(_, p)| p.up && p.exports.contains(name.as_ref()))
                        .map(|(n, p)| (n.clone(), p.downs.subscribe()))
                        .collect()
                }
            }
        };
        Loss {
            nodes,
            connected: with_connection.then(|| self.connection()),
        }
    }

    async fn publish(&self, client: &async_nats::Client, msg: &NodeMsg) {
        let subject = format!("{}.nodes.{}", self.base, self.me);
        match wire::encode(msg) {
            Ok(bytes) => {
                if let Err(error) = client.publish(subject, Bytes::from(bytes)).await {
                    tracing::debug!(%error, "arbor-cluster: heartbeat not sent");
                }
            }
            Err(error) => tracing::warn!(%error, "arbor-cluster: heartbeat does not encode"),
        }
    }
}

/// Keeps an export listed in this node's heartbeats.
pub(crate) struct ExportGuard {
    membership: Weak<Membership>,
    name: Arc<str>,
    id: u64,
}

impl fmt::Debug for ExportGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExportGuard({})", self.name)
    }
}

impl Drop for ExportGuard {
    fn drop(&mut self) {
        let Some(m) = self.membership.upgrade() else {
            return;
        };
        let mut st = lock(&m.state);
        if let Some(list) = st.exports.get_mut(&self.name) {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                st.exports.remove(&self.name);
            }
        }
        drop(st);
        m.beat_now.notify_one();
    }
}

/// The loss a call in flight races against.
#[derive(Clone)]
pub(crate) struct Loss {
    nodes: Vec<(Arc<str>, watch::Receiver<u64>)>,
    connected: Option<watch::Receiver<bool>>,
}

impl Loss {
    /// Resolves when every node that could serve the call was declared down (NodeDown) or
    /// (if watched) this node lost its connection (Disconnected); never if neither happens.
    pub(crate) async fn lost(self) -> RemoteError {
        let Loss { nodes, connected } = self;
        let watch_connection = connected.is_some();
        let mut connected = connected.unwrap_or_else(|| watch::channel(true).1);
        let names: Vec<Arc<str>> = nodes.iter().map(|(n, _)| n.clone()).collect();
        let all_down = futures::future::join_all(nodes.into_iter().map(|(_, mut rx)| async move {
            if rx.changed().await.is_err() {
                futures::future::pending::<()>().await;
            }
        }));
        let watching = !names.is_empty();
        tokio::select! {
            _ = all_down, if watching => RemoteError::new(
                RemoteErrorKind::NodeDown,
                format!("node {} went down while the call was in flight", names.iter().map(|n| n.as_ref()).collect::<Vec<_>>().join(", ")),
            ),
            // Any change since the call was sent is a disconnection (the state only changes
            // when it really does, and a call is not sent while disconnected).
            lost = async { connected.changed().await.is_ok() }, if watch_connection => {
                if !lost {
                    futures::future::pending::<()>().await;
                }
                RemoteError::new(
                    RemoteErrorKind::Disconnected,
                    "this node lost its connection to the cluster while the call was in flight",
                )
            }
            else => futures::future::pending().await,
        }
    }
}

/// Waits until the server has processed everything this client sent before (subscriptions
/// included): a message to a fresh inbox of our own comes back only after them. async-nats'
/// `flush` only writes the socket, so a subscription "flushed" may not be at the server yet
/// when another connection publishes (a request then gets "no responders").
pub(crate) async fn server_barrier(client: &async_nats::Client) {
    let inbox = client.new_inbox();
    let Ok(mut sub) = client.subscribe(inbox.clone()).await else {
        return;
    };
    if client.publish(inbox, Bytes::new()).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), sub.next()).await;
}

/// Starts the heartbeat and the watch of the others.
pub(crate) async fn start(node: &Node) -> Result<(), ClusterError> {
    let m = node.membership().clone();
    let client = node.nats().clone();
    let subject = format!("{}.nodes.*", m.base);
    let mut sub = client
        .subscribe(subject.clone())
        .await
        .map_err(|e| ClusterError::Subscribe {
            subject,
            reason: e.to_string(),
        })?;
    let weak = Arc::downgrade(&m);
    let beat_now = m.beat_now.clone();
    let mut connection = m.connection();
    let period = m.options.check_period();
    let prefix_len = m.base.len() + ".nodes.".len();
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut n: u64 = 0;
        loop {
            let publish;
            tokio::select! {
                msg = sub.next() => {
                    let Some(msg) = msg else { return };
                    let Some(m) = weak.upgrade() else { return };
                    let from = msg.subject.get(prefix_len..).unwrap_or("");
                    m.receive(from, &msg.payload);
                    publish = false;
                }
                _ = tick.tick() => {
                    let Some(m) = weak.upgrade() else { return };
                    m.check();
                    n += 1;
                    publish = n % 2 == 1;
                }
                _ = beat_now.notified() => publish = true,
                changed = connection.changed() => {
                    if changed.is_err() { return; }
                    // Back on the cluster: announce at once.
                    publish = *connection.borrow_and_update();
                }
            }
            if publish {
                let Some(m) = weak.upgrade() else { return };
                if !m.left.load(Ordering::Relaxed) {
                    let beat = m.beat();
                    m.publish(&client, &beat).await;
                }
            }
        }
    });
    m.add_task(task);
    crate::monitor::start(node).await?;
    crate::links::start(node).await?;
    server_barrier(node.nats()).await;
    Ok(())
}

impl Node {
    /// The other nodes this node knows to be up (sorted; Erlang's `nodes()`).
    pub fn nodes(&self) -> Vec<String> {
        self.membership().live()
    }

    /// This node, then every other node it has heard from (up or down), by name: its
    /// status, incarnation, exports and last change, as this node sees them (what a tool such
    /// as the observer shows).
    pub fn members(&self) -> Vec<Member> {
        self.membership().members()
    }

    /// Whether `node` is up in this node's view (this node always is).
    pub fn is_up(&self, node: &str) -> bool {
        self.membership().is_up(node)
    }

    /// Membership changes from now on: every `Up` and `Down` of every other node (Erlang's
    /// `net_kernel:monitor_nodes/1`). A receiver that lags more than 1024 events behind gets
    /// `Lagged` and should re-read [`nodes`](Node::nodes).
    pub fn node_events(&self) -> broadcast::Receiver<NodeEvent> {
        self.membership().subscribe()
    }

    /// Waits until `node` is down in this node's view (Erlang's `monitor_node/2`): at once if
    /// it is not up now.
    pub fn monitor_node(
        &self,
        node: &str,
    ) -> impl Future<Output = NodeDownReason> + Send + 'static {
        let m = self.membership().clone();
        let node: Arc<str> = node.into();
        let mut events = m.subscribe();
        let up = m.is_up(&node) && node != m.me;
        async move {
            if !up {
                return NodeDownReason::Silent;
            }
            loop {
                match events.recv().await {
                    Ok(NodeEvent::Down { node: n, reason }) if n == node => return reason,
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        if !m.is_up(&node) {
                            return NodeDownReason::Silent;
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => {
                        return futures::future::pending().await;
                    }
                }
            }
        }
    }

    /// Waits until `node` is up in this node's view, at most `timeout`; `false` if it is not.
    pub async fn wait_for_node(&self, node: &str, timeout: Duration) -> bool {
        let mut events = self.membership().subscribe();
        if self.is_up(node) {
            return true;
        }
        let wait = async {
            loop {
                match events.recv().await {
                    Ok(NodeEvent::Up { node: n }) if &*n == node => return true,
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        if self.is_up(node) {
                            return true;
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return false,
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.unwrap_or(false)
    }

    /// The nodes up in this node's view that export `name` (this one included), sorted: who
    /// may answer a call to [`remote`](Node::remote)`(name)`.
    pub fn exporters(&self, name: &str) -> Vec<String> {
        self.membership().exporters(name)
    }

    /// The membership options this node runs with.
    pub fn membership_options(&self) -> MembershipOptions {
        self.membership().options()
    }

    /// Leaves the cluster in an orderly way: the others see `Down { Left }` at once instead of
    /// after the bound. Heartbeats stop; the connection stays (drop the node to close it).
    pub async fn leave(&self) {
        let m = self.membership();
        m.left.store(true, Ordering::Relaxed);
        m.publish(
            self.nats(),
            &NodeMsg::Leave {
                incarnation: m.incarnation,
            },
        )
        .await;
        let _ = self.nats().flush().await;
    }
}
