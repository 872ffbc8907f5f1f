//! A node: this process's connection to the cluster, the actors it exports, and the remote
//! targets it hands out.
//!
//! Subjects (all under `<prefix>.<cluster>`):
//! - `actor.<Name>`: requests to the exported actor `Name` on whichever node serves it (a queue
//!   group, so exactly one node answers);
//! - `node.<node>.actor.<Name>`: requests to `Name` on that node only.
//!
//! The envelope is in NATS headers (version, protocol, message, timeout, caller chain); the
//! payload is the encoded arguments. A reply carries `Arbor-Status: ok` and the encoded
//! value, or `error` and an encoded [`Failure`].

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbor::codegen::Target;
use arbor::remote::{
    BoxFuture, Hop, RemoteActor, RemoteCall, RemoteCast, RemoteError, RemoteErrorKind,
};
use arbor::{Actor, CallError, CastError, ExitReason};
use async_nats::{HeaderMap, Message};
use bytes::Bytes;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::wire::{self, Serve, Served};

const H_VERSION: &str = "Arbor-Version";
const H_PROTOCOL: &str = "Arbor-Protocol";
const H_MESSAGE: &str = "Arbor-Message";
const H_TIMEOUT: &str = "Arbor-Timeout-Ms";
const H_CALLERS: &str = "Arbor-Callers";
const H_STATUS: &str = "Arbor-Status";
const QUEUE: &str = "arbor";

/// How a node connects to the cluster.
#[derive(Clone, Debug)]
pub struct NodeOptions {
    /// The cluster's name: every subject lives under `<prefix>.<cluster>`.
    pub cluster: String,
    /// This node's name, unique in the cluster while it runs (`billing`, `rooms-2`).
    pub node: String,
    /// The NATS servers to connect to (`nats://127.0.0.1:4222`, …).
    pub urls: Vec<String>,
    /// The subject prefix (default `arbor`).
    pub prefix: String,
    /// User and password, if the server requires them.
    pub user_password: Option<(String, String)>,
    /// A credentials file (JWT + nkey seed), if the server requires one.
    pub credentials: Option<std::path::PathBuf>,
    /// An nkey seed, if the server requires one.
    pub nkey: Option<String>,
    /// Root certificates to trust for TLS (and TLS required when set).
    pub tls_root: Option<std::path::PathBuf>,
    /// How long to keep trying to reach a server at start-up before failing.
    pub connect_timeout: Duration,
}

impl NodeOptions {
    /// Options for node `node` of cluster `cluster`, at `url`.
    pub fn new(
        cluster: impl Into<String>,
        node: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        NodeOptions {
            cluster: cluster.into(),
            node: node.into(),
            urls: vec![url.into()],
            prefix: "arbor".into(),
            user_password: None,
            credentials: None,
            nkey: None,
            tls_root: None,
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// Authenticates with `user` and `password`.
    pub fn user_password(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.user_password = Some((user.into(), password.into()));
        self
    }
}

/// Why a node could not start or export.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// A name (cluster, node, actor) that cannot be part of a subject.
    #[error("invalid name `{name}`: use letters, digits, `-` and `_`")]
    InvalidName {
        /// The name.
        name: String,
    },
    /// No server could be reached (or it refused the connection) in time.
    #[error("cannot connect to NATS at {urls}: {reason}")]
    Connect {
        /// The servers tried.
        urls: String,
        /// What went wrong.
        reason: String,
    },
    /// A subscription failed.
    #[error("cannot subscribe to `{subject}`: {reason}")]
    Subscribe {
        /// The subject.
        subject: String,
        /// What went wrong.
        reason: String,
    },
}

fn valid_name(name: &str) -> Result<(), ClusterError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ClusterError::InvalidName { name: name.into() })
    }
}

struct Inner {
    client: async_nats::Client,
    node: Arc<str>,
    base: String,
    /// Local actors of exported names, by id: to name them in caller chains.
    names: Mutex<HashMap<u64, Arc<str>>>,
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
        let urls = options.urls.join(",");
        let connect_error = |reason: String| ClusterError::Connect {
            urls: urls.clone(),
            reason,
        };
        let mut nats = async_nats::ConnectOptions::new()
            .name(format!("arbor:{}:{}", options.cluster, options.node))
            .connection_timeout(options.connect_timeout);
        if let Some((user, password)) = &options.user_password {
            nats = nats.user_and_password(user.clone(), password.clone());
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
        Ok(Node {
            inner: Arc::new(Inner {
                client,
                node: options.node.as_str().into(),
                base: format!("{}.{}", options.prefix, options.cluster),
                names: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// This node's name.
    pub fn name(&self) -> &str {
        &self.inner.node
    }

    /// The NATS client (for what Arbor does not wrap).
    pub fn nats(&self) -> &async_nats::Client {
        &self.inner.client
    }

    /// A target for the actor exported as `name` by whichever node serves it.
    pub fn remote<A: Actor>(&self, name: &str) -> Target<A> {
        Target::remote(NatsRemote {
            node: self.clone(),
            name: name.into(),
            subject: format!("{}.actor.{name}", self.inner.base),
        })
    }

    /// A target for the actor exported as `name` by node `node` only.
    pub fn remote_on<A: Actor>(&self, node: &str, name: &str) -> Target<A> {
        Target::remote(NatsRemote {
            node: self.clone(),
            name: format!("{name}@{node}").into(),
            subject: format!("{}.node.{node}.actor.{name}", self.inner.base),
        })
    }

    /// Serves `server` (a generated client of a local actor) to the cluster under `name`, until
    /// the returned [`Export`] is dropped or the node disconnects.
    pub async fn export<S: Serve>(&self, name: &str, server: S) -> Result<Export, ClusterError> {
        valid_name(name)?;
        let server = Arc::new(server);
        let mut subscribers = Vec::new();
        for subject in [
            format!("{}.actor.{name}", self.inner.base),
            format!("{}.node.{}.actor.{name}", self.inner.base, self.inner.node),
        ] {
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
        let node = self.clone();
        let name: Arc<str> = name.into();
        // One task serves both subjects, in arrival order: each message is in the actor's
        // mailbox before the next one is read, so messages from one sender keep their order.
        let task = tokio::spawn(async move {
            let mut requests = futures::stream::select_all(subscribers);
            while let Some(message) = requests.next().await {
                node.dispatch(&name, &server, message).await;
            }
        });
        // Subscriptions are in place at the server before `export` returns: `flush` only
        // writes them to the socket, and a request from another connection can reach the
        // server first (no responders). A message to ourselves comes back only once the
        // server has read everything this connection sent before it, the subscriptions too.
        self.round_trip().await;
        Ok(Export { tasks: vec![task] })
    }

    /// Waits (at most a second) until the server has processed what this connection sent so
    /// far: a message to a fresh inbox of ours, received back.
    async fn round_trip(&self) {
        let client = &self.inner.client;
        let inbox = client.new_inbox();
        let Ok(mut echo) = client.subscribe(inbox.clone()).await else {
            return;
        };
        if client.publish(inbox, Bytes::new()).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(1), echo.next()).await;
        }
        let _ = echo.unsubscribe().await;
    }

    async fn dispatch<S: Serve>(&self, name: &Arc<str>, server: &Arc<S>, message: Message) {
        if let Some(id) = server.actor_id() {
            self.inner
                .names
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id.as_u64(), name.clone());
        }
        let reply = message.reply.clone();
        let refuse = |error: RemoteError| {
            tracing::warn!(actor = %name, %error, "arbor-cluster: refused a request");
            self.answer(
                reply.clone(),
                Err(Failure::from_call(&CallError::Remote(error), self)),
            );
        };
        let envelope = match Envelope::read(&message, &self.inner.node) {
            Ok(envelope) => envelope,
            Err(error) => return refuse(error),
        };
        if envelope.protocol != server.protocol() {
            return refuse(wire::unknown_message(&envelope.protocol, &envelope.message));
        }
        match server.serve(&envelope.message, &message.payload, envelope.timeout) {
            Err(error) => refuse(error),
            Ok(Served::Call(work)) => {
                // The first poll puts the call in the mailbox; the wait for the answer goes
                // on in its own task.
                let mut work = Box::pin(arbor::remote::with_callers(envelope.callers, work));
                match futures::poll!(work.as_mut()) {
                    std::task::Poll::Ready(result) => {
                        self.answer(reply, result.map_err(|e| Failure::from_call(&e, self)))
                    }
                    std::task::Poll::Pending => {
                        let node = self.clone();
                        tokio::spawn(async move {
                            let result = work.await.map_err(|e| Failure::from_call(&e, &node));
                            node.answer(reply, result);
                        });
                    }
                }
            }
            Ok(Served::Cast(work)) => {
                if let Err(error) = work.await {
                    tracing::warn!(actor = %name, %error, "arbor-cluster: a remote cast was not delivered");
                }
            }
        }
    }

    fn answer(&self, reply: Option<async_nats::Subject>, result: Result<Vec<u8>, Failure>) {
        let Some(reply) = reply else { return };
        let mut headers = HeaderMap::new();
        let payload = match result {
            Ok(bytes) => {
                headers.insert(H_STATUS, "ok");
                bytes
            }
            Err(failure) => {
                headers.insert(H_STATUS, "error");
                wire::encode(&failure).unwrap_or_default()
            }
        };
        let client = self.inner.client.clone();
        tokio::spawn(async move {
            let _ = client
                .publish_with_headers(reply, headers, Bytes::from(payload))
                .await;
        });
    }

    /// The callers, as they leave this node: local hops get this node's name (and the
    /// exported name of their actor when known).
    fn outgoing(&self, callers: Vec<Hop>) -> String {
        let names = self.inner.names.lock().unwrap_or_else(|e| e.into_inner());
        callers
            .into_iter()
            .map(|hop| {
                let (node, actor) = match hop.node {
                    Some(node) => (node, hop.actor),
                    None => (
                        self.inner.node.clone(),
                        hop.actor.or_else(|| names.get(&hop.id).cloned()),
                    ),
                };
                match actor {
                    Some(actor) => format!("{}@{node}/{actor}", hop.id),
                    None => format!("{}@{node}", hop.id),
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Keeps an exported actor reachable; dropping it stops serving.
#[derive(Debug)]
pub struct Export {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Export {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A request's envelope, read from its headers.
struct Envelope {
    protocol: String,
    message: String,
    timeout: Duration,
    callers: Vec<Hop>,
}

impl Envelope {
    fn read(message: &Message, this_node: &str) -> Result<Envelope, RemoteError> {
        let bad = |what: &str| RemoteError::new(RemoteErrorKind::Decode, what.to_string());
        let headers = message
            .headers
            .as_ref()
            .ok_or_else(|| bad("no envelope headers"))?;
        let get = |name: &str| headers.get(name).map(|v| v.as_str().to_string());
        let version = get(H_VERSION).ok_or_else(|| bad("no envelope version"))?;
        if version != wire::VERSION.to_string() {
            return Err(RemoteError::new(
                RemoteErrorKind::Version,
                format!(
                    "envelope version {version}, this node speaks {}",
                    wire::VERSION
                ),
            ));
        }
        let protocol = get(H_PROTOCOL).ok_or_else(|| bad("no protocol"))?;
        let msg = get(H_MESSAGE).ok_or_else(|| bad("no message name"))?;
        let timeout = match get(H_TIMEOUT) {
            Some(ms) => Duration::from_millis(ms.parse().map_err(|_| bad("bad timeout"))?),
            None => arbor::DEFAULT_CALL_TIMEOUT,
        };
        let callers = match get(H_CALLERS) {
            Some(text) if !text.is_empty() => text
                .split(',')
                .map(|hop| parse_hop(hop, this_node))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("bad caller chain"))?,
            _ => Vec::new(),
        };
        Ok(Envelope {
            protocol,
            message: msg,
            timeout,
            callers,
        })
    }
}

/// `id@node[/actor]`; hops of this node become local ones.
fn parse_hop(text: &str, this_node: &str) -> Option<Hop> {
    let (id, rest) = text.split_once('@')?;
    let (node, actor) = match rest.split_once('/') {
        Some((node, actor)) => (node, Some(Arc::from(actor))),
        None => (rest, None),
    };
    Some(Hop {
        id: id.parse().ok()?,
        actor,
        node: (node != this_node).then(|| Arc::from(node)),
    })
}

/// A failed call as it travels back to the caller.
#[derive(Debug, Serialize, Deserialize)]
enum Failure {
    Timeout,
    CallingSelf,
    Deadlock(Vec<(u64, Option<String>, Option<String>)>),
    Exited(String),
    MailboxFull,
    NoReply,
    Remote(u8, String),
}

const KINDS: [RemoteErrorKind; 8] = [
    RemoteErrorKind::Disconnected,
    RemoteErrorKind::NodeDown,
    RemoteErrorKind::TooLarge,
    RemoteErrorKind::Decode,
    RemoteErrorKind::UnknownMessage,
    RemoteErrorKind::Version,
    RemoteErrorKind::Denied,
    RemoteErrorKind::Transport,
];

impl Failure {
    fn from_call(error: &CallError, node: &Node) -> Failure {
        match error {
            CallError::Timeout => Failure::Timeout,
            CallError::CallingSelf => Failure::CallingSelf,
            CallError::Deadlock { chain } => {
                let names = node.inner.names.lock().unwrap_or_else(|e| e.into_inner());
                Failure::Deadlock(
                    chain
                        .iter()
                        .map(|hop| {
                            let local = hop.node.is_none();
                            let actor = hop
                                .actor
                                .clone()
                                .or_else(|| local.then(|| names.get(&hop.id).cloned()).flatten());
                            let node_name =
                                hop.node.clone().unwrap_or_else(|| node.inner.node.clone());
                            (
                                hop.id,
                                actor.map(|a| a.to_string()),
                                Some(node_name.to_string()),
                            )
                        })
                        .collect(),
                )
            }
            CallError::Exited(reason) => Failure::Exited(reason.to_string()),
            CallError::MailboxFull => Failure::MailboxFull,
            CallError::NoReply => Failure::NoReply,
            CallError::Remote(e) => Failure::Remote(
                KINDS.iter().position(|k| *k == e.kind()).unwrap_or(7) as u8,
                e.detail().to_string(),
            ),
        }
    }

    fn into_call(self, this_node: &str) -> CallError {
        match self {
            Failure::Timeout => CallError::Timeout,
            Failure::CallingSelf => CallError::CallingSelf,
            Failure::Deadlock(hops) => CallError::Deadlock {
                chain: hops
                    .into_iter()
                    .map(|(id, actor, node)| Hop {
                        id,
                        actor: actor.map(Arc::from),
                        node: node.filter(|n| n != this_node).map(Arc::from),
                    })
                    .collect(),
            },
            Failure::Exited(reason) => CallError::Exited(ExitReason::error(reason)),
            Failure::MailboxFull => CallError::MailboxFull,
            Failure::NoReply => CallError::NoReply,
            Failure::Remote(kind, detail) => CallError::Remote(RemoteError::new(
                KINDS
                    .get(kind as usize)
                    .copied()
                    .unwrap_or(RemoteErrorKind::Transport),
                detail,
            )),
        }
    }
}

/// An actor exported by some node, reached over NATS.
struct NatsRemote {
    node: Node,
    name: Arc<str>,
    subject: String,
}

impl fmt::Debug for NatsRemote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (via {})", self.name, self.subject)
    }
}

impl NatsRemote {
    fn headers(&self, protocol: &str, message: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(H_VERSION, wire::VERSION.to_string().as_str());
        headers.insert(H_PROTOCOL, protocol);
        headers.insert(H_MESSAGE, message);
        headers
    }
}

fn transport(kind: RemoteErrorKind, detail: impl fmt::Display) -> RemoteError {
    RemoteError::new(kind, detail.to_string())
}

impl RemoteActor for NatsRemote {
    fn call(&self, call: RemoteCall) -> BoxFuture<Result<Vec<u8>, CallError>> {
        let mut headers = self.headers(call.protocol, call.message);
        headers.insert(H_TIMEOUT, call.timeout.as_millis().to_string().as_str());
        let callers = self.node.outgoing(call.callers);
        if !callers.is_empty() {
            headers.insert(H_CALLERS, callers.as_str());
        }
        let client = self.node.inner.client.clone();
        let subject = self.subject.clone();
        let this_node = self.node.inner.node.clone();
        let request = async_nats::Request::new()
            .headers(headers)
            .payload(Bytes::from(call.payload))
            .timeout(Some(call.timeout));
        Box::pin(async move {
            use async_nats::RequestErrorKind as K;
            let reply = match client.send_request(subject, request).await {
                Ok(reply) => reply,
                Err(e) => {
                    return Err(match e.kind() {
                        K::TimedOut => CallError::Timeout,
                        K::NoResponders => CallError::Exited(arbor::codegen::not_running()),
                        K::MaxPayloadExceeded => {
                            CallError::Remote(transport(RemoteErrorKind::TooLarge, e))
                        }
                        _ => CallError::Remote(transport(RemoteErrorKind::Transport, e)),
                    });
                }
            };
            let status = reply
                .headers
                .as_ref()
                .and_then(|h| h.get(H_STATUS))
                .map(|v| v.as_str().to_string());
            match status.as_deref() {
                Some("ok") => Ok(reply.payload.to_vec()),
                Some("error") => {
                    let failure: Failure =
                        wire::decode(&reply.payload).map_err(CallError::Remote)?;
                    Err(failure.into_call(&this_node))
                }
                _ => Err(CallError::Remote(transport(
                    RemoteErrorKind::Version,
                    "the reply has no Arbor status",
                ))),
            }
        })
    }

    fn cast(&self, cast: RemoteCast) -> BoxFuture<Result<(), CastError>> {
        let headers = self.headers(cast.protocol, cast.message);
        let client = self.node.inner.client.clone();
        let subject = self.subject.clone();
        Box::pin(async move {
            client
                .publish_with_headers(subject, headers, Bytes::from(cast.payload))
                .await
                .map_err(|e| {
                    let kind = match e.kind() {
                        async_nats::client::PublishErrorKind::MaxPayloadExceeded => {
                            RemoteErrorKind::TooLarge
                        }
                        _ => RemoteErrorKind::Transport,
                    };
                    CastError::Remote(transport(kind, e))
                })
        })
    }
}
