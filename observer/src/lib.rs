//! A live web observer for a running Arbor system, in the spirit of Erlang's `observer`.
//!
//! One line in `main` serves a page on localhost that shows, updating live over
//! server-sent events, the supervision tree (each child's status, restart count and last
//! exit reason), per actor its mailbox (length, capacity, overflow policy, overflows), the
//! messages it handles per second and the share of time its task runs, a detail page per
//! actor (its state when registered with [`Observer::debug_state`], like `:sys.get_state`,
//! and its recent exits), the static call graph of generated systems
//! ([`Observer::call_graph`]) with each actor's live load, the deadlocks the runtime detected
//! and refused (the last 32, each cycle listed and highlighted on the call graph), with the
//! `cluster` feature the cluster's nodes and their liveness (`Observer::cluster`), and buttons
//! to kill, restart or terminate a child (guarded by the token, with a confirmation).
//!
//! ```no_run
//! # async fn run(app: arbor::supervisor::SupervisorRef) -> Result<(), arbor_observer::ObserverError> {
//! let observer = arbor_observer::Observer::new(app.cell()).start().await?;
//! println!("observer: {}", observer.url());
//! # Ok(()) }
//! ```
//!
//! Security: the default bind address is `127.0.0.1:7878`. Control requests (`POST`) always
//! need the token (`Authorization: Bearer <token>`); without [`Observer::token`] a random one
//! is made, part of [`ObserverHandle::url`] and of the `info` line logged at start. Binding
//! to a non-loopback address needs an explicit token, and then every request needs it (`?token=` for the page and the event
//! stream, which browsers open without headers).
//!
//! The HTTP API (all JSON): `GET /api/snapshot`, `GET /api/actors/{id}`, `GET /api/events`
//! (`text/event-stream`, one `snapshot` event per interval while connected), `POST
//! /api/actors/{id}/{kill|restart|terminate}`.

mod api;
#[cfg(feature = "cluster")]
mod cluster;
mod model;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arbor::static_graph::Node;
use arbor::{Actor, ActorCell};
use futures::future::BoxFuture;
use tokio::sync::{oneshot, watch};

pub use model::{
    ActorDetail, ClusterNodeView, ClusterView, DeadlockView, EventView, ExitView, GraphEdge,
    GraphNode, GraphView, HopView, LiveEdge, NodeView, SnapshotView,
};

/// The default address: loopback only.
pub const DEFAULT_BIND: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 7878);

/// Formats an actor's state, if the actor is of the registered type.
pub(crate) type Inspector =
    Arc<dyn Fn(&ActorCell) -> Option<BoxFuture<'static, Result<String, String>>> + Send + Sync>;

/// Why the observer did not start.
#[derive(Debug, thiserror::Error)]
pub enum ObserverError {
    /// A non-loopback address was asked for without a token.
    #[error("binding the observer to {0} (not loopback) needs a token: Observer::token")]
    TokenRequired(SocketAddr),
    /// The address could not be bound.
    #[error("cannot bind the observer to {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
}

/// Configures and starts an observer for the tree under one actor (usually the root
/// supervisor).
pub struct Observer {
    root: ActorCell,
    bind: SocketAddr,
    token: Option<String>,
    interval: Duration,
    inspectors: Vec<Inspector>,
    graph: Vec<&'static Node>,
    #[cfg(feature = "cluster")]
    cluster: Option<arbor_cluster::Node>,
}

impl Observer {
    /// An observer of the tree under `root`, on [`DEFAULT_BIND`], sampling every 500 ms
    /// while a page is connected.
    pub fn new(root: ActorCell) -> Observer {
        Observer {
            root,
            bind: DEFAULT_BIND,
            token: None,
            interval: Duration::from_millis(500),
            inspectors: Vec::new(),
            graph: Vec::new(),
            #[cfg(feature = "cluster")]
            cluster: None,
        }
    }

    /// Serves on `addr` (port 0 picks a free port). A non-loopback address needs a
    /// [`token`](Self::token).
    pub fn bind(mut self, addr: SocketAddr) -> Observer {
        self.bind = addr;
        self
    }

    /// The token that control requests (and, on a non-loopback address, every request)
    /// must carry.
    pub fn token(mut self, token: impl Into<String>) -> Observer {
        self.token = Some(token.into());
        self
    }

    /// How often a connected page gets a new snapshot (at least 50 ms).
    pub fn interval(mut self, interval: Duration) -> Observer {
        self.interval = interval.max(Duration::from_millis(50));
        self
    }

    /// Shows the state of actors of type `A` on their detail page (`{:#?}`, read inside the
    /// actor between two messages, like `:sys.get_state`).
    pub fn debug_state<A: Actor + std::fmt::Debug>(mut self) -> Observer {
        self.inspectors.push(Arc::new(|cell: &ActorCell| {
            let actor = cell.downcast::<A>()?;
            Some(Box::pin(async move {
                actor
                    .inspect(|state: &A| format!("{state:#?}"))
                    .await
                    .map_err(|e| e.to_string())
            }) as BoxFuture<'static, _>)
        }));
        self
    }

    /// The static call graph to draw: the `NODE` statics of generated actors
    /// (`my_system::my_actor::NODE`); the edges they declare are followed.
    pub fn call_graph(mut self, nodes: &[&'static Node]) -> Observer {
        self.graph.extend_from_slice(nodes);
        self
    }

    /// Shows the cluster `node` belongs to (feature `cluster`): this node and the others it
    /// has heard from, each up or down, with its incarnation, its exported names and its last
    /// change; an `Up` or `Down` reaches an open page at once, and the event log. The observer
    /// keeps a clone of the node while it runs.
    #[cfg(feature = "cluster")]
    pub fn cluster(mut self, node: arbor_cluster::Node) -> Observer {
        self.cluster = Some(node);
        self
    }

    /// Binds and serves in a background task. The observer runs until
    /// [`ObserverHandle::shutdown`] (dropping the handle leaves it running).
    pub async fn start(self) -> Result<ObserverHandle, ObserverError> {
        let loopback = self.bind.ip().is_loopback();
        if !loopback && self.token.is_none() {
            return Err(ObserverError::TokenRequired(self.bind));
        }
        let generated = self.token.is_none();
        let token = self.token.unwrap_or_else(random_token);
        let listener = tokio::net::TcpListener::bind(self.bind)
            .await
            .map_err(|source| ObserverError::Bind {
                addr: self.bind,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ObserverError::Bind {
                addr: self.bind,
                source,
            })?;
        let (updates, _) = watch::channel(Arc::<str>::from("{}"));
        let inner = Arc::new(api::Inner {
            root: self.root,
            token: token.clone(),
            open_reads: loopback,
            interval: self.interval,
            inspectors: self.inspectors,
            graph: model::collect_graph(&self.graph),
            history: parking_lot::Mutex::new(model::History::default()),
            updates,
            connected: tokio::sync::Notify::new(),
            _deadlocks: arbor::introspect::record_deadlocks(),
            #[cfg(feature = "cluster")]
            cluster: self.cluster.clone(),
        });
        let (stop, stopped) = oneshot::channel::<()>();
        #[cfg(feature = "cluster")]
        let follower = self
            .cluster
            .map(|node| tokio::spawn(cluster::follow(inner.clone(), node)));
        #[cfg(not(feature = "cluster"))]
        let follower = None;
        let sampler = tokio::spawn(api::sampler(inner.clone()));
        let app = api::router(inner);
        let server = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "observer server failed");
            }
        });
        if generated {
            // The only place a generated token shows besides the handle.
            tracing::info!(url = %format!("http://{addr}/?token={token}"), "arbor observer listening");
        } else {
            tracing::info!(url = %format!("http://{addr}/"), "arbor observer listening");
        }
        Ok(ObserverHandle {
            addr,
            token,
            stop: Some(stop),
            server,
            sampler,
            follower,
        })
    }
}

/// A running observer.
pub struct ObserverHandle {
    addr: SocketAddr,
    token: String,
    stop: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
    sampler: tokio::task::JoinHandle<()>,
    /// Follows the cluster's membership events (feature `cluster`).
    follower: Option<tokio::task::JoinHandle<()>>,
}

impl ObserverHandle {
    /// The address it serves on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The token control requests need.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The page's address, with the token (so its buttons work).
    pub fn url(&self) -> String {
        format!("http://{}/?token={}", self.addr, self.token)
    }

    /// Stops serving (open event streams end) and waits for the server to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.sampler.abort();
        let _ = (&mut self.sampler).await;
        if let Some(follower) = self.follower.take() {
            follower.abort();
            let _ = follower.await;
        }
        let _ = (&mut self.server).await;
    }
}

/// 128 random bits as hex, from the standard library's per-process random hash keys mixed
/// with the clock and the process id.
fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let word = |salt: u64| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(salt);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        h.write_u32(std::process::id());
        h.finish()
    };
    format!("{:016x}{:016x}", word(1), word(2))
}
