//! A node: this process's connection to the cluster, the actors it exports, and the remote
//! targets it hands out.
//!
//! Subjects (all under `<prefix>.<cluster>`):
//! - `actor.<Name>`: requests to the exported actor `Name` on whichever node serves it (a queue
//!   group, so exactly one node answers);
//! - `node.<node>.actor.<Name>`: requests to `Name` on that node only.
//!
//! The envelope is a short binary prefix of the payload (version, protocol, message, timeout,
//! caller chain; see [`envelope`](crate::envelope)), in front of the encoded arguments: no
//! NATS headers. A reply's first byte is its status: the encoded value follows, or an
//! encoded failure.
//!
//! Everything a node receives is checked before the actor sees it: an envelope of another
//! version, an envelope or arguments that do not decode, an unknown protocol or message, a
//! payload over the limit are answered with an error (and a `tracing` warning), never a panic.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbor::codegen::Target;
use arbor::remote::{Hop, RemoteError, RemoteErrorKind};
use arbor::{Actor, CastNow};
use async_nats::connection::State;
use async_nats::{HeaderMap, Message};
use bytes::Bytes;
use futures::StreamExt;

use crate::envelope::{self, Envelope, H_PROBE};
use crate::events::{Link, LinkEvent};
use crate::membership::{ExportGuard, Membership, Serving};
pub(crate) use crate::options::valid_name;
pub use crate::options::{ClusterError, NodeOptions};
use crate::remote::NatsRemote;
use crate::wire::{Serve, Served};

mod answer;

const QUEUE: &str = "arbor";
const INVALID_REMOTE: &str =
    "invalid remote name: node and actor names are letters, digits, `-` and `_`";

struct Inner {
    client: async_nats::Client,
    node: Arc<str>,
    base: String,
    /// Local actors of exported names, by id: to name them in caller chains.
    names: Mutex<HashMap<u64, Arc<str>>>,
    /// Permission violations and connection losses (events.rs).
    link: Arc<Link>,
    /// The configured payload limit, if any (else the server's).
    max_payload: Option<usize>,
    /// The bound on confirming an export's subscriptions.
    confirm_timeout: Duration,
    /// Heartbeats, the live set, this node's exports (membership.rs).
    membership: Arc<Membership>,
}

/// This process's connection to the cluster. Cheap to clone.
#[derive(Clone)]
pub struct Node {
    inner: Arc<Inner>,
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("node", &self.inner.node)
            .field("subjects", &self.inner.base)
            .finish()
    }
}

impl Node {
    /// Connects to the cluster; fails with the URLs tried if no server answers within the
    /// options' `connect_timeout`.
    pub async fn connect(options: NodeOptions) -> Result<Node, ClusterError> {
        valid_name(&options.cluster)?;
        valid_name(&options.node)?;
        for part in options.prefix.split('.') {
            valid_name(part).map_err(|_| ClusterError::InvalidName {
                name: options.prefix.clone(),
            })?;
        }
        options.membership.validate()?;
        let urls = options.urls.join(",");
        let connect_error = |reason: String| ClusterError::Connect {
            urls: urls.clone(),
            reason,
        };
        if options.urls.is_empty() {
            return Err(connect_error("no server URL given".into()));
        }
        // Permission violations and connection losses reach waiting calls through the link.
        let link = Arc::new(Link::new());
        let events = link.clone();
        let node_name: Arc<str> = options.node.as_str().into();
        let event_node = node_name.clone();
        let mut nats = async_nats::ConnectOptions::new()
            .name(format!("arbor:{}:{}", options.cluster, options.node))
            .connection_timeout(options.connect_timeout);
        // One event callback (async-nats keeps one): permission violations and connection
        // losses reach waiting calls through the link (events.rs); membership watches the
        // connection's state, for calls to fail fast while disconnected. A short reconnect
        // back-off (at most 250 ms between attempts) rejoins a restarted server within a
        // second or so.
        let connected = Arc::new(tokio::sync::watch::channel(true).0);
        let watched = connected.clone();
        nats = nats
            .event_callback(move |event| {
                let now = match &event {
                    async_nats::Event::Connected => Some(true),
                    async_nats::Event::Disconnected | async_nats::Event::Closed => Some(false),
                    _ => None,
                };
                if let Some(now) = now {
                    // Watchers are woken by real changes only.
                    watched.send_if_modified(|state| std::mem::replace(state, now) != now);
                }
                events.on_event(&event_node, event);
                async {}
            })
            .reconnect_delay_callback(|attempts| {
                Duration::from_millis(2u64.saturating_pow(attempts.min(8) as u32))
                    .min(Duration::from_millis(250))
            })
            .max_reconnects(None);
        if let Some((user, password)) = &options.user_password {
            nats = nats.user_and_password(user.clone(), password.clone());
        }
        if let Some(token) = &options.token {
            nats = nats.token(token.clone());
        }
        if let Some(seed) = &options.nkey {
            nats = nats.nkey(seed.clone());
        }
        if let Some(path) = &options.credentials {
            nats = nats
                .credentials_file(path)
                .await
                .map_err(|e| connect_error(format!("credentials {}: {e}", path.display())))?;
        }
        if let Some(root) = &options.tls_root {
            nats = nats.add_root_certificates(root.clone()).require_tls(true);
        }
        if let Some((cert, key)) = &options.tls_client {
            nats = nats.add_client_certificate(cert.clone(), key.clone());
        }
        let addrs: Vec<async_nats::ServerAddr> = options
            .urls
            .iter()
            .map(|u| u.parse())
            .collect::<Result<_, _>>()
            .map_err(|e| connect_error(format!("bad URL: {e}")))?;
        // Retried until the deadline (a server that is still starting), then an error naming
        // the servers: never a hang.
        let deadline = tokio::time::Instant::now() + options.connect_timeout;
        let mut pause = Duration::from_millis(50);
        let client = loop {
            let attempt =
                tokio::time::timeout_at(deadline, nats.clone().connect(addrs.clone())).await;
            match attempt {
                Ok(Ok(client)) => break client,
                // Wrong credentials or TLS settings: trying again will not help.
                Ok(Err(e))
                    if matches!(
                        e.kind(),
                        async_nats::ConnectErrorKind::AuthorizationViolation
                            | async_nats::ConnectErrorKind::Authentication
                            | async_nats::ConnectErrorKind::Tls
                            | async_nats::ConnectErrorKind::ServerParse
                    ) =>
                {
                    return Err(connect_error(e.to_string()));
                }
                Ok(Err(e)) if tokio::time::Instant::now() + pause < deadline => {
                    tracing::debug!(%urls, error = %e, "arbor-cluster: connect failed, retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
                Ok(Err(e)) => return Err(connect_error(e.to_string())),
                Err(_) => {
                    return Err(connect_error(format!(
                        "no answer within {:?}",
                        options.connect_timeout
                    )));
                }
            }
        };
        let base = format!("{}.{}", options.prefix, options.cluster);
        connected.send_replace(true);
        let membership = Membership::new(
            options.node.as_str().into(),
            base.clone(),
            options.membership,
            connected,
        );
        let node = Node {
            inner: Arc::new(Inner {
                client,
                node: node_name,
                base,
                names: Mutex::new(HashMap::new()),
                link,
                max_payload: options.max_payload,
                confirm_timeout: options.connect_timeout.max(Duration::from_secs(1)),
                membership,
            }),
        };
        crate::membership::start(&node).await?;
        Ok(node)
    }

    pub(crate) fn membership(&self) -> &Arc<Membership> {
        &self.inner.membership
    }

    /// A handle that does not keep the node alive (for its own background services).
    pub(crate) fn downgrade(&self) -> WeakNode {
        WeakNode(Arc::downgrade(&self.inner))
    }

    /// `true` while the connection to a server is up.
    pub fn is_connected(&self) -> bool {
        self.inner.link.is_connected()
            && self.inner.membership.is_connected()
            && self.inner.client.connection_state() == State::Connected
    }

    /// [`is_connected`](Node::is_connected) as a send checks it, per message: without
    /// membership's `watch` of the connection, which the same connection events set as the
    /// link's flag (one after the other, in one callback).
    pub(crate) fn can_send(&self) -> bool {
        self.inner.link.is_connected() && self.inner.client.connection_state() == State::Connected
    }

    pub(crate) fn link(&self) -> &Link {
        &self.inner.link
    }

    /// The largest payload this node sends: the server's `max_payload`, or the configured
    /// limit if smaller.
    pub fn max_payload(&self) -> usize {
        let server = self.inner.client.max_payload();
        self.inner.max_payload.map_or(server, |own| own.min(server))
    }

    /// This node's name.
    pub fn name(&self) -> &str {
        &self.inner.node
    }

    /// The NATS client (for what Arbor does not wrap).
    pub fn nats(&self) -> &async_nats::Client {
        &self.inner.client
    }

    /// A target for the actor exported as `name` by whichever node serves it. A name that
    /// cannot be exported (see [`ClusterError::InvalidName`]) gives a missing target, whose
    /// calls fail at once.
    pub fn remote<A: Actor>(&self, name: &str) -> Target<A> {
        if valid_name(name).is_err() {
            return Target::Missing(INVALID_REMOTE);
        }
        Target::remote(NatsRemote {
            node: self.clone(),
            name: name.into(),
            subject: format!("{}.actor.{name}", self.inner.base).into(),
            serving: Serving::Any(name.into()),
        })
    }

    /// A target for the actor exported as `name` by node `node` only (missing, as for
    /// [`remote`](Node::remote), when a name is invalid).
    pub fn remote_on<A: Actor>(&self, node: &str, name: &str) -> Target<A> {
        if valid_name(node).is_err() || valid_name(name).is_err() {
            return Target::Missing(INVALID_REMOTE);
        }
        Target::remote(NatsRemote {
            node: self.clone(),
            name: format!("{name}@{node}").into(),
            subject: format!("{}.node.{node}.actor.{name}", self.inner.base).into(),
            serving: Serving::On(node.into()),
        })
    }

    /// A target reached on `subject` (process groups), served by `serving`.
    pub(crate) fn remote_subject<A: Actor>(
        &self,
        label: String,
        subject: String,
        serving: Serving,
    ) -> Target<A> {
        Target::remote(NatsRemote {
            node: self.clone(),
            name: label.into(),
            subject: subject.into(),
            serving,
        })
    }

    /// Serves `server` (a generated client of a local actor) to the cluster under `name`, until
    /// the returned [`Export`] is dropped or the node disconnects.
    ///
    /// Returns once the server has the subscriptions: a call sent by any node afterwards
    /// reaches this actor. Fails with [`ClusterError::Denied`] when the server's permissions
    /// do not let this node serve `name` (subscribe to its subjects).
    pub async fn export<S: Serve>(&self, name: &str, server: S) -> Result<Export, ClusterError> {
        valid_name(name)?;
        let server = Arc::new(server);
        let server_for_membership: Arc<dyn Serve> = server.clone();
        let name_for_membership = name.to_string();
        let subjects = [
            format!("{}.actor.{name}", self.inner.base),
            format!("{}.node.{}.actor.{name}", self.inner.base, self.inner.node),
        ];
        // Watch the server's refusals from before the first subscription on.
        let mut events = self.inner.link.watch();
        let mut subscribers = Vec::new();
        for subject in &subjects {
            let subscriber = self
                .inner
                .client
                .queue_subscribe(subject.clone(), QUEUE.into())
                .await
                .map_err(|e| ClusterError::Subscribe {
                    subject: subject.clone(),
                    reason: e.to_string(),
                })?;
            subscribers.push(subscriber);
        }
        for subject in &subjects {
            self.confirm(subject, &mut events).await?;
        }
        let node = self.clone();
        let name: Arc<str> = name.into();
        // One task serves both subjects, in arrival order: each message is in the actor's
        // mailbox before the next one is read, so messages from one sender keep their order.
        let task = tokio::spawn(async move {
            // Not `select_all`: that one allocates a task node for every message (it re-queues
            // the stream in a `FuturesUnordered` after each item).
            let mut subscribers = subscribers.into_iter();
            let (Some(any), Some(this)) = (subscribers.next(), subscribers.next()) else {
                return;
            };
            let mut requests = Both::new(any, this);
            // The exported name of the serving actor, for the caller chains of the calls it
            // makes: learned now and with every call (a restarted actor has a new id), not
            // with every cast — for a generated client, `actor_id` is a registry lookup.
            let mut named = None;
            let learn = |named: &mut Option<u64>| {
                if let Some(id) = server.actor_id().map(|id| id.as_u64())
                    && *named != Some(id)
                {
                    *named = Some(id);
                    node.inner
                        .names
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(id, name.clone());
                }
            };
            learn(&mut named);
            while let Some(message) = requests.next().await {
                // A call has a reply subject; a cast has none.
                if message.reply.is_some() {
                    learn(&mut named);
                }
                // By reference: the message is not moved into the dispatch's future.
                node.dispatch(&name, &*server, &message).await;
            }
        });
        let listed = self
            .inner
            .membership
            .exported(&name_for_membership, server_for_membership);
        Ok(Export {
            tasks: vec![task],
            _listed: Some(listed),
        })
    }

    /// Waits until the server has this connection's subscriptions to `subject` (a probe
    /// published there comes back), or refuses them (a permission violation naming it).
    async fn confirm(
        &self,
        subject: &str,
        events: &mut tokio::sync::broadcast::Receiver<LinkEvent>,
    ) -> Result<(), ClusterError> {
        static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let failed = |reason: String| ClusterError::Subscribe {
            subject: subject.to_string(),
            reason,
        };
        let client = &self.inner.client;
        let mut probe = client
            .subscribe(subject.to_string())
            .await
            .map_err(|e| failed(e.to_string()))?;
        let token = format!(
            "{}-{}",
            self.inner.node,
            PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let mut headers = HeaderMap::new();
        headers.insert(H_PROBE, token.as_str());
        client
            .publish_with_headers(subject.to_string(), headers, Bytes::new())
            .await
            .map_err(|e| failed(e.to_string()))?;
        let deadline = tokio::time::sleep(self.inner.confirm_timeout);
        tokio::pin!(deadline);
        let result = loop {
            tokio::select! {
                message = probe.next() => match message {
                    Some(m) if probe_token(&m) == Some(token.as_str()) => break Ok(()),
                    Some(_) => {}
                    None => break Err(failed("the subscription was closed".into())),
                },
                event = events.recv() => match event {
                    Ok(LinkEvent::Denied { publish: false, subject: refused, reason })
                        if refused == subject =>
                    {
                        break Err(ClusterError::Denied { subject: subject.to_string(), reason });
                    }
                    // The probe itself may not be published: any refusal of the subscriptions
                    // came before this one (the server answers in order), so they stand.
                    Ok(LinkEvent::Denied { publish: true, subject: refused, .. })
                        if refused == subject =>
                    {
                        break Ok(());
                    }
                    Ok(LinkEvent::Disconnected) => {
                        break Err(failed("the connection was lost".into()));
                    }
                    _ => {}
                },
                _ = &mut deadline => {
                    break Err(failed(format!(
                        "the server did not confirm it within {:?}",
                        self.inner.confirm_timeout
                    )));
                }
            }
        };
        let _ = probe.unsubscribe().await;
        result
    }

    pub(crate) async fn dispatch(&self, name: &Arc<str>, server: &dyn Serve, message: &Message) {
        let envelope = match self.check(message, server) {
            Ok(envelope) => envelope,
            // An export's probe has no envelope: ignored here, not refused.
            Err(_) if probe_token(message).is_some() => return,
            Err(error) => return self.refuse(name, message, error).await,
        };
        match server.serve(envelope.message, envelope.args, envelope.timeout) {
            Err(error) => self.refuse(name, message, error).await,
            Ok(Served::Call(work)) => {
                let reply = message.reply.clone();
                // The first poll puts the call in the mailbox; the wait for the answer goes
                // on in its own task.
                let mut work = Box::pin(arbor::remote::with_callers(envelope.callers, work));
                match futures::poll!(work.as_mut()) {
                    std::task::Poll::Ready(result) => self.answer(reply, result).await,
                    std::task::Poll::Pending => {
                        let node = self.clone();
                        tokio::spawn(async move {
                            let result = work.await;
                            node.answer(reply, result).await;
                        });
                    }
                }
            }
            Ok(Served::Cast(cast)) => {
                // Usually queued already; a full mailbox that blocks is waited for here, before
                // the next request is read.
                let delivered = match cast {
                    CastNow::Done(delivered) => delivered,
                    CastNow::Wait(work) => work.await,
                };
                if let Err(error) = delivered {
                    tracing::warn!(actor = %name, %error, "arbor-cluster: a remote cast was not delivered");
                }
            }
        }
    }

    /// Everything checked before the actor is touched: size, envelope, protocol.
    fn check<'m>(
        &self,
        message: &'m Message,
        server: &dyn Serve,
    ) -> Result<Envelope<'m>, RemoteError> {
        if let Some(limit) = self.inner.max_payload
            && message.payload.len() > limit
        {
            return Err(RemoteError::new(
                RemoteErrorKind::TooLarge,
                format!(
                    "a payload of {} bytes, over this node's limit of {limit}",
                    message.payload.len()
                ),
            ));
        }
        // Casts, the bulk of the traffic, without the general reader's steps (a request with
        // headers is a version-1 one or a probe: the general path).
        if message.headers.is_none()
            && let Some(envelope) = Envelope::cast_of(&message.payload, server.protocol())
        {
            return Ok(envelope);
        }
        let envelope = Envelope::read(message, &self.inner.node)?;
        if envelope.protocol != server.protocol() {
            return Err(RemoteError::new(
                RemoteErrorKind::UnknownMessage,
                format!(
                    "this actor serves protocol `{}`, not `{}`",
                    server.protocol(),
                    envelope.protocol
                ),
            ));
        }
        Ok(envelope)
    }

    /// The callers, as they leave this node: local hops get this node's name (and the
    /// exported name of their actor when known).
    pub(crate) fn outgoing(&self, callers: Vec<Hop>) -> String {
        if callers.is_empty() {
            return String::new();
        }
        let names = self.inner.names.lock().unwrap_or_else(|e| e.into_inner());
        envelope::format_chain(callers, &self.inner.node, |id| names.get(&id).cloned())
    }
}

/// An export's two subscriptions read as one stream, like `futures::stream::select` but
/// without its round robin, which polls the other subscription first for every other
/// message: in a burst on one subject (the usual case: most senders use one of the two),
/// that is a poll of an empty channel (its waker registered) per two messages. Here the
/// subscription that gave the last message is polled first, and after `RUN` messages in a
/// row the other one is, so that neither waits behind a long burst on the other. No order
/// between the two subjects is promised (NATS gives none either); each one's is kept.
struct Both<S> {
    streams: [Option<S>; 2],
    /// The index of the stream polled first.
    first: usize,
    /// Messages in a row from the first stream.
    run: u32,
}

impl<S> Both<S> {
    const RUN: u32 = 32;

    fn new(a: S, b: S) -> Self {
        Both {
            streams: [Some(a), Some(b)],
            first: 0,
            run: 0,
        }
    }
}

impl<S: futures::Stream + Unpin> futures::Stream for Both<S> {
    type Item = S::Item;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<S::Item>> {
        use std::task::Poll;
        let this = &mut *self;
        for turn in 0..2 {
            let at = this.first ^ turn;
            let Some(stream) = &mut this.streams[at] else {
                continue;
            };
            match stream.poll_next_unpin(cx) {
                Poll::Ready(Some(item)) => {
                    if turn == 0 && this.run + 1 < Self::RUN {
                        this.run += 1;
                    } else {
                        // The other one gave it, or this one gave `RUN` in a row: the
                        // other one goes first next time.
                        this.first = at ^ usize::from(turn == 0);
                        this.run = 0;
                    }
                    return Poll::Ready(Some(item));
                }
                Poll::Ready(None) => this.streams[at] = None,
                Poll::Pending => {}
            }
        }
        if this.streams.iter().all(Option::is_none) {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    }
}

fn probe_token(message: &Message) -> Option<&str> {
    message
        .headers
        .as_ref()
        .and_then(|h| h.get(H_PROBE))
        .map(|v| v.as_str())
}

/// A [`Node`] that is not kept alive by this handle.
#[derive(Clone)]
pub(crate) struct WeakNode(std::sync::Weak<Inner>);

impl WeakNode {
    pub(crate) fn upgrade(&self) -> Option<Node> {
        self.0.upgrade().map(|inner| Node { inner })
    }
}

/// Keeps an exported actor reachable; dropping it stops serving.
#[derive(Debug)]
pub struct Export {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Lists the name in this node's heartbeats and serves monitors of it (membership.rs).
    _listed: Option<ExportGuard>,
}

impl Drop for Export {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::Both;

    #[test]
    fn both_subscriptions_are_read_in_order_to_their_ends_and_neither_starves() {
        let busy = futures::stream::iter(0..100);
        let other = futures::stream::iter(1000..1010);
        let got: Vec<u32> = futures::executor::block_on(Both::new(busy, other).collect());
        assert_eq!(got.len(), 110);
        let busy_seen: Vec<u32> = got.iter().copied().filter(|&n| n < 1000).collect();
        let other_seen: Vec<u32> = got.iter().copied().filter(|&n| n >= 1000).collect();
        assert_eq!(
            busy_seen,
            (0..100).collect::<Vec<_>>(),
            "each one's order is kept"
        );
        assert_eq!(other_seen, (1000..1010).collect::<Vec<_>>());
        // Never more than `RUN` in a row from one while the other has messages.
        let mut run = 0;
        for pair in got[..got.iter().rposition(|&n| n >= 1000).unwrap()].windows(2) {
            run = if (pair[0] < 1000) == (pair[1] < 1000) {
                run + 1
            } else {
                0
            };
            assert!(
                run < Both::<futures::stream::Iter<std::ops::Range<u32>>>::RUN,
                "{got:?}"
            );
        }
    }
}
