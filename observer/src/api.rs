//! The HTTP side: routes, the token check, the event stream and the sampler.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use arbor::ActorCell;
use arbor::introspect::{self, ControlError, TreeNode};
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::Stream;
use serde_json::json;
use tokio::sync::watch;

use crate::Inspector;
use crate::model::{ActorDetail, History, SnapshotView, StaticGraph, now_ms};

pub(crate) struct Inner {
    pub(crate) root: ActorCell,
    pub(crate) token: String,
    /// Reads need no token (loopback bind).
    pub(crate) open_reads: bool,
    pub(crate) interval: Duration,
    pub(crate) inspectors: Vec<Inspector>,
    pub(crate) graph: StaticGraph,
    pub(crate) history: parking_lot::Mutex<History>,
    /// The latest snapshot as JSON; each event stream holds a receiver.
    pub(crate) updates: watch::Sender<Arc<str>>,
    /// Notified when an event stream opens (the sampler then samples at the page's pace),
    /// and when a node of the cluster goes up or down (a new sample at once).
    pub(crate) connected: tokio::sync::Notify,
    /// Detected deadlocks are kept by the runtime while the observer runs.
    pub(crate) _deadlocks: introspect::DeadlockRecording,
    /// The node whose cluster the page shows.
    #[cfg(feature = "cluster")]
    pub(crate) cluster: Option<arbor_cluster::Node>,
}

type Shared = Arc<Inner>;

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/style.css");

pub(crate) fn router(inner: Shared) -> Router {
    Router::new()
        .route("/", get(|| asset(INDEX, "text/html; charset=utf-8")))
        .route(
            "/app.js",
            get(|| asset(SCRIPT, "text/javascript; charset=utf-8")),
        )
        .route(
            "/style.css",
            get(|| asset(STYLE, "text/css; charset=utf-8")),
        )
        .route("/api/snapshot", get(snapshot))
        .route("/api/events", get(events))
        .route("/api/actors/{id}", get(detail))
        .route("/api/actors/{id}/{action}", post(control))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such page") })
        .layer(middleware::from_fn_with_state(inner.clone(), guard))
        .with_state(inner)
}

async fn asset(body: &'static str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// The token of a request: `Authorization: Bearer …`, `X-Arbor-Token` or `?token=`.
fn presented_token<'a>(headers: &'a HeaderMap, query: Option<&'a str>) -> Option<&'a str> {
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(bearer.trim());
    }
    if let Some(token) = headers.get("x-arbor-token").and_then(|v| v.to_str().ok()) {
        return Some(token.trim());
    }
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
}

/// Compares without stopping at the first difference.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Control requests always need the token; reads need it unless the observer is bound to a
/// loopback address. The page itself loads without one (it asks for the token it lacks).
async fn guard(State(inner): State<Shared>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let is_page = matches!(path, "/" | "/app.js" | "/style.css");
    // Open reads only for requests addressed to a loopback name: a page of another site that
    // rebinds its own name to 127.0.0.1 (DNS rebinding) sends its own name as `Host`.
    let local_host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(is_loopback_host);
    let open = inner.open_reads && local_host;
    let needs_token = request.method() != axum::http::Method::GET || !(open || is_page);
    if needs_token {
        match presented_token(request.headers(), request.uri().query()) {
            None => return error(StatusCode::UNAUTHORIZED, "this request needs the token"),
            Some(token) if !same_token(token, &inner.token) => {
                return error(StatusCode::FORBIDDEN, "wrong token");
            }
            Some(_) => {}
        }
    }
    next.run(request).await
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Takes a snapshot and turns it into the page's view.
pub(crate) async fn sample(inner: &Inner) -> (SnapshotView, TreeNode) {
    let tree = introspect::snapshot(&inner.root).await;
    let mut history = inner.history.lock();
    let view = history.view(&tree);
    let mut cells = Vec::new();
    collect_rates(&tree, &view, &mut cells);
    let names = cells
        .iter()
        .zip(actor_ids(&tree))
        .map(|((_, _, path), id)| (id, path.clone()))
        .collect();
    let edges = history.edges(introspect::take_edges(), &names);
    history.know(
        cells
            .iter()
            .zip(actor_ids(&tree))
            .map(|((ty, _, path), id)| (id, (path.clone(), ty.clone())))
            .collect(),
    );
    let deadlocks = history.deadlocks(&inner.graph);
    let graph = if inner.graph.is_empty() {
        Default::default()
    } else {
        inner.graph.view(&cells, &edges, &deadlocks)
    };
    let view = SnapshotView {
        at_ms: now_ms(),
        timing: introspect::timing(),
        tree: view,
        events: history.events(),
        graph,
        edges,
        deadlocks,
        cluster: cluster_view(inner),
    };
    drop(history);
    (view, tree)
}

#[cfg(feature = "cluster")]
fn cluster_view(inner: &Inner) -> Option<crate::ClusterView> {
    inner.cluster.as_ref().map(crate::cluster::view)
}

#[cfg(not(feature = "cluster"))]
fn cluster_view(_: &Inner) -> Option<crate::ClusterView> {
    None
}

/// The full type, rate and path of every running actor shown, depth first.
fn collect_rates(tree: &TreeNode, view: &crate::NodeView, out: &mut Vec<(String, f64, String)>) {
    if let Some(cell) = &tree.cell {
        out.push((cell.type_name().to_owned(), view.rate, view.path.clone()));
    }
    for (t, v) in tree.children.iter().zip(&view.children) {
        collect_rates(t, v, out);
    }
}

/// The ids of the same actors, in the same order as [`collect_rates`].
fn actor_ids(tree: &TreeNode) -> Vec<u64> {
    fn walk(tree: &TreeNode, out: &mut Vec<u64>) {
        if let Some(cell) = &tree.cell {
            out.push(cell.id().as_u64());
        }
        for t in tree.children.iter().take(crate::model::CHILDREN_SHOWN) {
            walk(t, out);
        }
    }
    let mut out = Vec::new();
    walk(tree, &mut out);
    out
}

fn to_json(view: &SnapshotView) -> Arc<str> {
    serde_json::to_string(view)
        .unwrap_or_else(|e| json!({ "error": e.to_string() }).to_string())
        .into()
}

/// Samples every interval while an event stream is open (and turns handler timing on for
/// that time), every 5 s otherwise (so exits are noticed with nobody watching).
pub(crate) async fn sampler(inner: Shared) {
    let idle = Duration::from_secs(5).max(inner.interval);
    let mut timing = Timing(false);
    loop {
        let watched = inner.updates.receiver_count() > 0;
        timing.set(watched);
        let (view, _) = sample(&inner).await;
        if watched {
            inner.updates.send_replace(to_json(&view));
        }
        let pause = if watched { inner.interval } else { idle };
        // Woken early when a page connects.
        let _ = tokio::time::timeout(pause, inner.connected.notified()).await;
    }
}

/// Observers (in this process) with a page connected: handler timing is on while any has.
static WATCHED: parking_lot::Mutex<usize> = parking_lot::Mutex::new(0);

/// One observer's share of [`WATCHED`]; given back when its sampler stops.
struct Timing(bool);

impl Timing {
    fn set(&mut self, on: bool) {
        if on == self.0 {
            return;
        }
        self.0 = on;
        let mut watched = WATCHED.lock();
        if on {
            *watched += 1;
        } else {
            *watched -= 1;
        }
        introspect::set_timing(*watched > 0);
    }
}

impl Drop for Timing {
    fn drop(&mut self) {
        self.set(false);
    }
}

async fn snapshot(State(inner): State<Shared>) -> Response {
    axum::Json(sample(&inner).await.0).into_response()
}

/// `text/event-stream`: a `snapshot` event at once, then one per sample.
async fn events(State(inner): State<Shared>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let first = to_json(&sample(&inner).await.0);
    let mut rx = inner.updates.subscribe();
    inner.connected.notify_one();
    rx.mark_unchanged();
    let stream = futures::stream::unfold((Some(first), rx), |(first, mut rx)| async move {
        let data = match first {
            Some(data) => data,
            None => {
                rx.changed().await.ok()?;
                rx.borrow_and_update().clone()
            }
        };
        let event = Event::default().event("snapshot").data(&*data);
        Some((Ok(event), (None, rx)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn parse_id(id: &str) -> Result<u64, Response> {
    id.parse::<u64>()
        .map_err(|_| error(StatusCode::BAD_REQUEST, "an actor id is a positive integer"))
}

fn find(tree: &TreeNode, id: u64) -> Option<(&TreeNode, Option<&TreeNode>)> {
    let matches = |n: &TreeNode| n.actor.map(|a| a.as_u64()) == Some(id);
    if matches(tree) {
        return Some((tree, None));
    }
    for child in &tree.children {
        if matches(child) {
            return Some((child, Some(tree)));
        }
        if let Some(found) = find(child, id) {
            return Some(found);
        }
    }
    None
}

async fn detail(State(inner): State<Shared>, Path(id): Path<String>) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let (view, tree) = sample(&inner).await;
    let Some((node, parent)) = find(&tree, id) else {
        return error(
            StatusCode::NOT_FOUND,
            "no running actor with this id in the tree",
        );
    };
    let Some(mut node_view) = find_view(&view.tree, id).cloned() else {
        return error(
            StatusCode::NOT_FOUND,
            "no running actor with this id in the tree",
        );
    };
    node_view.children.clear();
    let cell = node.cell.clone();
    let (state, state_note) = match &cell {
        None => (None, Some("not running".to_string())),
        Some(cell) => match inner.inspectors.iter().find_map(|f| f(cell)) {
            Some(job) => match job.await {
                Ok(state) => (Some(state), None),
                Err(e) => (None, Some(format!("could not read the state: {e}"))),
            },
            None => (
                None,
                Some(
                    "its type is not registered: Observer::debug_state::<T>() shows the state \
                     of actors whose type implements Debug"
                        .to_string(),
                ),
            ),
        },
    };
    let exits = inner.history.lock().exits(&node_view.path);
    let detail = ActorDetail {
        parent: parent.and_then(|p| p.actor).map(|a| a.as_u64()),
        ancestors: cell
            .as_ref()
            .map(|c| {
                c.ancestors()
                    .iter()
                    .map(|(a, name)| match name {
                        Some(name) => format!("{a} {name}"),
                        None => a.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        type_path: cell.as_ref().map(|c| c.type_name().to_owned()),
        state,
        state_note,
        exits,
        node: node_view,
    };
    axum::Json(detail).into_response()
}

fn find_view(view: &crate::NodeView, id: u64) -> Option<&crate::NodeView> {
    if view.actor == Some(id) {
        return Some(view);
    }
    view.children.iter().find_map(|c| find_view(c, id))
}

async fn control(
    State(inner): State<Shared>,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    if !matches!(action.as_str(), "kill" | "restart" | "terminate") {
        return error(
            StatusCode::NOT_FOUND,
            "unknown action: kill, restart or terminate",
        );
    }
    let tree = introspect::snapshot(&inner.root).await;
    let Some((node, parent)) = find(&tree, id) else {
        return error(
            StatusCode::NOT_FOUND,
            "no running actor with this id in the tree",
        );
    };
    let (Some(cell), Some(parent)) = (node.cell.clone(), parent.and_then(|p| p.cell.clone()))
    else {
        return error(
            StatusCode::CONFLICT,
            "only a running child of a supervisor can be controlled",
        );
    };
    let label = node
        .id
        .as_deref()
        .map(str::to_owned)
        .unwrap_or_else(|| cell.id().to_string());
    let result = match action.as_str() {
        "kill" => {
            if !parent_is_supervisor(&parent) {
                Err(ControlError::NotSupervised)
            } else {
                cell.kill();
                Ok(None)
            }
        }
        "restart" => introspect::restart_child(&parent, node).await,
        _ => introspect::terminate_child(&parent, node)
            .await
            .map(|()| None),
    };
    match result {
        Ok(new) => {
            tracing::info!(actor = %cell.id(), child = %label, %action, "observer: control request");
            inner.history.lock().event(
                "control",
                label.clone(),
                format!("{action} of {} requested from the observer", cell.id()),
            );
            axum::Json(json!({
                "ok": true,
                "action": action,
                "actor": id,
                "new_actor": new.map(|c| c.id().as_u64()),
            }))
            .into_response()
        }
        Err(ControlError::NotSupervised) => error(
            StatusCode::CONFLICT,
            "only a running child of a supervisor can be controlled",
        ),
        Err(e @ ControlError::Unsupported) => error(StatusCode::CONFLICT, &e.to_string()),
        Err(e) => error(StatusCode::BAD_GATEWAY, &e.to_string()),
    }
}

fn parent_is_supervisor(parent: &ActorCell) -> bool {
    parent.downcast::<arbor::supervisor::Supervisor>().is_some()
        || parent
            .downcast::<arbor::supervisor::DynamicSupervisor>()
            .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "LOCALHOST:80",
            "127.0.0.1",
            "127.1.2.3:7878",
            "[::1]:7878",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "example.com",
            "10.0.0.1:80",
            "localhost.example.com",
            "[::2]:1",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "abcd"));
        assert!(!same_token("", "a"));
    }

    #[test]
    fn tokens_come_from_headers_or_the_query() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            presented_token(&headers, Some("a=1&token=xyz")),
            Some("xyz")
        );
        assert_eq!(presented_token(&headers, Some("a=1")), None);
        headers.insert("x-arbor-token", HeaderValue::from_static("from-header"));
        assert_eq!(presented_token(&headers, None), Some("from-header"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer bearer"),
        );
        assert_eq!(presented_token(&headers, Some("token=q")), Some("bearer"));
    }
}
