//! What the page shows, as JSON: the tree with per-actor counters turned into rates, the
//! recent exits (seen between two samples), and the static call graph with each actor's load.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use arbor::introspect::{NodeKind, NodeStatus, TreeNode};
use arbor::static_graph::Node;
use arbor::{ActorCell, Overflow};
use serde::Serialize;

/// Exits kept per child, and events kept in all.
const EXITS_KEPT: usize = 16;
const EVENTS_KEPT: usize = 100;
/// Children of one supervisor shown (a dynamic supervisor may have 100 000); the others are
/// counted in `hidden` (their detail pages and control still work, by actor id).
pub(crate) const CHILDREN_SHOWN: usize = 200;

/// One node of the tree as the page shows it.
#[derive(Clone, Debug, Serialize)]
pub struct NodeView {
    /// The actor's id (`None` when it does not run).
    pub actor: Option<u64>,
    /// Where it is: child ids from the root, `/`-separated (dynamic children by actor id).
    pub path: String,
    /// Its child id, name, or actor id.
    pub label: String,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// Its Rust type, without the module path.
    pub type_name: Option<String>,
    /// `supervisor`, `dynamic_supervisor` or `worker`.
    pub kind: &'static str,
    /// Its restart type (`permanent`, `transient`, `temporary`), `None` for the root.
    pub restart: Option<String>,
    /// `running`, `restarting` or `stopped`.
    pub status: &'static str,
    /// How many times its supervisor restarted it.
    pub restarts: u32,
    /// Why its last incarnation exited, if its supervisor saw it.
    pub last_exit: Option<String>,
    /// Messages waiting.
    pub mailbox_len: usize,
    /// Mailbox capacity (`None`: unbounded or not running).
    pub mailbox_capacity: Option<usize>,
    /// Overflow policy (`block`, `reject`, `drop_newest`, `drop_oldest`).
    pub overflow: Option<&'static str>,
    /// Messages handled by this incarnation.
    pub handled: u64,
    /// Messages handled per second since the previous sample.
    pub rate: f64,
    /// Time its task ran while timing was on, in microseconds.
    pub busy_us: u64,
    /// Share of the time since the previous sample its task ran, in percent.
    pub busy_pct: f64,
    /// Messages its full mailbox refused, dropped or evicted.
    pub overflowed: u64,
    /// Whether its parent is a supervisor (kill and terminate apply).
    pub supervised: bool,
    /// Whether its parent is a static supervisor (restart applies).
    pub restartable: bool,
    /// Its children (at most 200).
    pub children: Vec<NodeView>,
    /// Children not shown.
    pub hidden: usize,
}

/// An exit seen by the observer.
#[derive(Clone, Debug, Serialize)]
pub struct ExitView {
    /// When it was seen (Unix milliseconds).
    pub at_ms: u64,
    /// The incarnation that exited.
    pub actor: u64,
    /// Its exit reason.
    pub reason: String,
}

/// An event of the log at the bottom of the page.
#[derive(Clone, Debug, Serialize)]
pub struct EventView {
    /// When it was seen (Unix milliseconds).
    pub at_ms: u64,
    /// `restart`, `exit` or `control`.
    pub kind: &'static str,
    /// The child's path.
    pub path: String,
    /// What happened.
    pub text: String,
}

/// The static call graph with each actor's live load.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GraphView {
    /// Actors: `system::Name`.
    pub nodes: Vec<GraphNode>,
    /// Declared edges.
    pub edges: Vec<GraphEdge>,
}

/// One actor of the call graph.
#[derive(Clone, Debug, Serialize)]
pub struct GraphNode {
    /// `system::Name`.
    pub id: String,
    /// The actor's name in its spec.
    pub name: &'static str,
    /// Running actors of this kind.
    pub running: usize,
    /// Messages they handle per second.
    pub rate: f64,
}

/// One declared edge, with the messages seen on it while a page was connected.
#[derive(Clone, Debug, Serialize)]
pub struct GraphEdge {
    /// `system::Name` of the caller.
    pub from: String,
    /// `system::Name` of the callee.
    pub to: String,
    /// `call` or `cast`.
    pub kind: &'static str,
    /// Messages seen on it (calls counted by the callee, casts by the sender).
    pub count: u64,
    /// Messages per second since the previous sample.
    pub rate: f64,
    /// Whether the spec declares it (`false`: an edge only a detected deadlock crossed).
    pub declared: bool,
    /// Kept deadlocks ([`SnapshotView::deadlocks`]) whose chain crosses it.
    pub deadlocks: usize,
}

/// A deadlock the runtime detected and refused (`CallError::Deadlock`).
#[derive(Clone, Debug, Serialize)]
pub struct DeadlockView {
    /// Its number in the process (from 1).
    pub seq: u64,
    /// When it was detected (Unix milliseconds).
    pub at_ms: u64,
    /// The cycle in one line: `frontend#5 -> inventory#3 -> frontend#5`.
    pub text: String,
    /// The cycle: first and last hop the actor the refused call was for, each hop calling
    /// the next.
    pub chain: Vec<HopView>,
}

/// One actor of a deadlock's chain.
#[derive(Clone, Debug, Serialize)]
pub struct HopView {
    /// Its actor id (on its own node).
    pub actor: u64,
    /// Its name, when known.
    pub name: Option<String>,
    /// Its node; `None` for this process.
    pub node: Option<String>,
    /// Its path in the tree (local actors the observer saw in the tree).
    pub path: Option<String>,
    /// Its node of the call graph, `system::Name` (local actors of a drawn graph).
    pub graph_node: Option<String>,
}

/// Messages between two running actors while a page was connected.
#[derive(Clone, Debug, Serialize)]
pub struct LiveEdge {
    /// The sender's path in the tree (or `#id` outside it).
    pub from: String,
    /// The receiver's path.
    pub to: String,
    /// `call` or `cast` (casts and info messages).
    pub kind: &'static str,
    /// Messages seen.
    pub count: u64,
    /// Messages per second since the previous sample.
    pub rate: f64,
}

/// Everything the page shows, sent as one `snapshot` event.
#[derive(Clone, Debug, Serialize)]
pub struct SnapshotView {
    /// When it was taken (Unix milliseconds).
    pub at_ms: u64,
    /// Whether handler time is measured (while a page is connected).
    pub timing: bool,
    /// The tree.
    pub tree: NodeView,
    /// Recent events, newest last.
    pub events: Vec<EventView>,
    /// The call graph (empty without [`Observer::call_graph`](crate::Observer::call_graph)).
    pub graph: GraphView,
    /// Messages between actors, busiest first (counted while a page is connected).
    pub edges: Vec<LiveEdge>,
    /// The last deadlocks the runtime detected (at most 32), newest last.
    pub deadlocks: Vec<DeadlockView>,
    /// The cluster's nodes (with `Observer::cluster`, feature
    /// `cluster`); `None` otherwise.
    pub cluster: Option<ClusterView>,
}

/// This node and the others it knows, as its membership sees them.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterView {
    /// This node's name.
    pub node: String,
    /// Whether this node is connected to the cluster.
    pub connected: bool,
    /// This node first, then the others by name.
    pub nodes: Vec<ClusterNodeView>,
}

/// One node of the cluster.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterNodeView {
    /// Its name.
    pub name: String,
    /// Whether it is the observed node.
    pub this_node: bool,
    /// `up` or `down`.
    pub status: &'static str,
    /// Its incarnation (changes when it restarts under the same name), in hex.
    pub incarnation: String,
    /// The names its actors export.
    pub exports: Vec<String>,
    /// When it last went up or down in this node's view (Unix milliseconds).
    pub changed_ms: Option<u64>,
    /// Why it went down, when it is down.
    pub down_reason: Option<String>,
    /// Milliseconds since its last heartbeat (other nodes).
    pub heard_ms_ago: Option<u64>,
}

/// One actor's detail page.
#[derive(Clone, Debug, Serialize)]
pub struct ActorDetail {
    /// The node (its children left out).
    pub node: NodeView,
    /// The parent's actor id.
    pub parent: Option<u64>,
    /// Its ancestors, nearest first: `#id name`.
    pub ancestors: Vec<String>,
    /// Its Rust type, in full.
    pub type_path: Option<String>,
    /// `{:#?}` of its state, when its type is registered.
    pub state: Option<String>,
    /// Why there is no state.
    pub state_note: Option<String>,
    /// Recent exits of this child, newest last.
    pub exits: Vec<ExitView>,
}

/// What the observer remembers between samples.
#[derive(Default)]
pub(crate) struct History {
    /// Per actor: its counters and when they were read.
    counters: HashMap<u64, (arbor::introspect::ActorStats, Instant, f64, f64)>,
    /// Per child path: the incarnation seen last.
    incarnations: HashMap<String, ActorCell>,
    /// Per child path: its exits.
    exits: HashMap<String, VecDeque<ExitView>>,
    events: VecDeque<EventView>,
    /// Per (sender, receiver, kind): messages seen, and the rate at the last sample.
    edges: HashMap<(String, String, &'static str), (u64, f64)>,
    /// When edges were last drained.
    edges_at: Option<Instant>,
    /// The last deadlocks, newest last, and the number of the last one read.
    deadlocks: VecDeque<DeadlockView>,
    deadlock_seq: u64,
    /// Actor id → (path, full type) of the actors of the last two samples: a deadlock's
    /// actors are named by the tree even when they exited since.
    known: HashMap<u64, (String, String)>,
    known_before: HashMap<u64, (String, String)>,
}

impl History {
    pub(crate) fn exits(&self, path: &str) -> Vec<ExitView> {
        self.exits
            .get(path)
            .map(|e| e.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub(crate) fn events(&self) -> Vec<EventView> {
        self.events.iter().cloned().collect()
    }

    pub(crate) fn event(&mut self, kind: &'static str, path: String, text: String) {
        if self.events.len() == EVENTS_KEPT {
            self.events.pop_front();
        }
        self.events.push_back(EventView {
            at_ms: now_ms(),
            kind,
            path,
            text,
        });
    }

    /// Turns a snapshot into its view, updating rates and noticing exits.
    pub(crate) fn view(&mut self, tree: &TreeNode) -> NodeView {
        let now = Instant::now();
        let mut seen = HashSet::new();
        let mut alive = HashSet::new();
        let view = self.node(tree, "", None, now, &mut seen, &mut alive);
        self.counters.retain(|id, _| alive.contains(id));
        // Children that disappeared (temporary children, dynamic children that exited).
        let gone: Vec<String> = self
            .incarnations
            .keys()
            .filter(|p| !seen.contains(*p))
            .cloned()
            .collect();
        for path in gone {
            if let Some(old) = self.incarnations.remove(&path)
                && let Some(reason) = old.exit_reason()
            {
                self.record_exit(&path, old.id().as_u64(), reason.to_string());
            }
        }
        view
    }

    fn record_exit(&mut self, path: &str, actor: u64, reason: String) {
        let exits = self.exits.entry(path.to_owned()).or_default();
        if exits.len() == EXITS_KEPT {
            exits.pop_front();
        }
        exits.push_back(ExitView {
            at_ms: now_ms(),
            actor,
            reason: reason.clone(),
        });
        self.event(
            "exit",
            path.to_owned(),
            format!("#{actor} exited: {reason}"),
        );
    }

    fn node(
        &mut self,
        node: &TreeNode,
        parent_path: &str,
        parent: Option<NodeKind>,
        now: Instant,
        seen: &mut HashSet<String>,
        alive: &mut HashSet<u64>,
    ) -> NodeView {
        let actor = node.actor.map(|a| a.as_u64());
        let label = match (&node.id, &node.name, actor) {
            (Some(id), _, _) => id.to_string(),
            (None, Some(name), _) => name.clone(),
            (None, None, Some(a)) => format!("#{a}"),
            (None, None, None) => "?".into(),
        };
        let path = if parent_path.is_empty() {
            label.clone()
        } else {
            format!("{parent_path}/{label}")
        };
        let supervised = matches!(
            parent,
            Some(NodeKind::Supervisor | NodeKind::DynamicSupervisor)
        );
        // A new incarnation at a known path: the old one exited.
        if supervised {
            seen.insert(path.clone());
            let previous = self.incarnations.get(&path).cloned();
            match (&node.cell, previous) {
                (Some(cell), Some(old)) if old.id() != cell.id() => {
                    let reason = node
                        .last_exit
                        .as_ref()
                        .map(ToString::to_string)
                        .or_else(|| old.exit_reason().map(|r| r.to_string()))
                        .unwrap_or_else(|| "unknown".into());
                    self.record_exit(&path, old.id().as_u64(), reason);
                    self.event(
                        "restart",
                        path.clone(),
                        format!("restarted as {} (restarts: {})", cell.id(), node.restarts),
                    );
                    self.incarnations.insert(path.clone(), cell.clone());
                }
                (Some(cell), None) => {
                    self.incarnations.insert(path.clone(), cell.clone());
                }
                (None, Some(old)) => {
                    self.incarnations.remove(&path);
                    let reason = node
                        .last_exit
                        .as_ref()
                        .map(ToString::to_string)
                        .or_else(|| old.exit_reason().map(|r| r.to_string()))
                        .unwrap_or_else(|| "unknown".into());
                    self.record_exit(&path, old.id().as_u64(), reason);
                }
                _ => {}
            }
        }
        let (mut rate, mut busy_pct) = (0.0, 0.0);
        if let Some(id) = actor {
            alive.insert(id);
            let stats = node.stats;
            match self.counters.get(&id) {
                Some(&(before, at, last_rate, last_busy)) => {
                    let dt = now.duration_since(at).as_secs_f64();
                    if dt >= 0.05 {
                        // The runtime's counter wraps at 2^32.
                        let handled = (stats.handled as u32).wrapping_sub(before.handled as u32);
                        rate = f64::from(handled) / dt;
                        busy_pct =
                            (stats.busy.saturating_sub(before.busy)).as_secs_f64() / dt * 100.0;
                        self.counters.insert(id, (stats, now, rate, busy_pct));
                    } else {
                        // Too close to the last reading: keep its rates.
                        (rate, busy_pct) = (last_rate, last_busy);
                    }
                }
                None => {
                    self.counters.insert(id, (stats, now, 0.0, 0.0));
                }
            }
        }
        let children = node
            .children
            .iter()
            .take(CHILDREN_SHOWN)
            .map(|c| self.node(c, &path, Some(node.kind), now, seen, alive))
            .collect();
        let hidden = node.children.len().saturating_sub(CHILDREN_SHOWN);
        NodeView {
            actor,
            path,
            label,
            name: node.name.clone(),
            type_name: node.cell.as_ref().map(|c| short_type(c.type_name())),
            kind: match node.kind {
                NodeKind::Supervisor => "supervisor",
                NodeKind::DynamicSupervisor => "dynamic_supervisor",
                NodeKind::Worker => "worker",
                NodeKind::Registry => "registry",
            },
            restart: node.restart.map(|r| format!("{r:?}").to_lowercase()),
            status: match node.status {
                NodeStatus::Running => "running",
                NodeStatus::Restarting => "restarting",
                NodeStatus::Stopped => "stopped",
            },
            restarts: node.restarts,
            last_exit: node.last_exit.as_ref().map(ToString::to_string),
            mailbox_len: node.mailbox_len,
            mailbox_capacity: node.mailbox.and_then(|m| m.capacity()),
            overflow: node.mailbox.map(|m| match m.overflow_policy() {
                Overflow::Block => "block",
                Overflow::Reject => "reject",
                Overflow::DropNewest => "drop_newest",
                Overflow::DropOldest => "drop_oldest",
            }),
            handled: node.stats.handled,
            rate,
            busy_us: u64::try_from(node.stats.busy.as_micros()).unwrap_or(u64::MAX),
            busy_pct,
            overflowed: node.stats.overflowed,
            supervised,
            restartable: parent == Some(NodeKind::Supervisor),
            children,
            hidden,
        }
    }
}

impl History {
    /// Drains the runtime's edge counts into per-path totals and rates. `names` maps actor ids
    /// to tree paths.
    pub(crate) fn edges(
        &mut self,
        drained: Vec<(
            arbor::ActorId,
            arbor::ActorId,
            arbor::introspect::EdgeKind,
            u64,
        )>,
        names: &HashMap<u64, String>,
    ) -> Vec<LiveEdge> {
        let now = Instant::now();
        let dt = self
            .edges_at
            .replace(now)
            .map(|at| now.duration_since(at).as_secs_f64())
            .unwrap_or(0.0);
        let name = |id: arbor::ActorId| {
            names
                .get(&id.as_u64())
                .cloned()
                .unwrap_or_else(|| id.to_string())
        };
        let mut fresh: HashMap<(String, String, &'static str), u64> = HashMap::new();
        for (from, to, kind, n) in drained {
            let kind = match kind {
                arbor::introspect::EdgeKind::Call => "call",
                arbor::introspect::EdgeKind::Cast => "cast",
            };
            *fresh.entry((name(from), name(to), kind)).or_default() += n;
        }
        for entry in self.edges.values_mut() {
            entry.1 = 0.0;
        }
        for (key, n) in fresh {
            let entry = self.edges.entry(key).or_default();
            entry.0 += n;
            entry.1 = if dt > 0.0 { n as f64 / dt } else { 0.0 };
        }
        let mut out: Vec<LiveEdge> = self
            .edges
            .iter()
            .map(|((from, to, kind), (count, rate))| LiveEdge {
                from: from.clone(),
                to: to.clone(),
                kind,
                count: *count,
                rate: *rate,
            })
            .collect();
        out.sort_by(|a, b| b.rate.total_cmp(&a.rate).then(b.count.cmp(&a.count)));
        out.truncate(50);
        out
    }
}

/// Deadlocks kept (as the runtime keeps them).
pub(crate) const DEADLOCKS_KEPT: usize = arbor::introspect::DEADLOCKS_KEPT;

impl History {
    /// Remembers the actors of this sample: id → (path, full type).
    pub(crate) fn know(&mut self, actors: HashMap<u64, (String, String)>) {
        self.known_before = std::mem::replace(&mut self.known, actors);
    }

    /// Reads the deadlocks detected since the last read, names their actors by the tree and
    /// the graph, logs them as events; returns the kept ones.
    pub(crate) fn deadlocks(&mut self, graph: &StaticGraph) -> Vec<DeadlockView> {
        for found in arbor::introspect::deadlocks_after(self.deadlock_seq) {
            self.deadlock_seq = self.deadlock_seq.max(found.seq);
            let chain: Vec<HopView> = found
                .chain
                .iter()
                .map(|hop| {
                    let local = if hop.node.is_none() {
                        self.known
                            .get(&hop.id)
                            .or_else(|| self.known_before.get(&hop.id))
                    } else {
                        None
                    };
                    HopView {
                        actor: hop.id,
                        name: hop.actor.as_deref().map(str::to_owned),
                        node: hop.node.as_deref().map(str::to_owned),
                        path: local.map(|(path, _)| path.clone()),
                        graph_node: local.and_then(|(_, ty)| graph.node_of_type(ty)),
                    }
                })
                .collect();
            let text = chain
                .iter()
                .map(|hop| {
                    let mut s = hop
                        .name
                        .clone()
                        .or_else(|| hop.path.clone())
                        .unwrap_or_default();
                    s.push_str(&format!("#{}", hop.actor));
                    if let Some(node) = &hop.node {
                        s.push_str(&format!("@{node}"));
                    }
                    s
                })
                .collect::<Vec<_>>()
                .join(" -> ");
            let at_ms = found
                .at
                .duration_since(UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or_default();
            // The log names the target by its path, else as the cycle does.
            let path = chain
                .first()
                .and_then(|hop| hop.path.clone())
                .or_else(|| text.split(" -> ").next().map(str::to_owned))
                .unwrap_or_default();
            self.event(
                "deadlock",
                path,
                format!("deadlock detected, call refused: {text}"),
            );
            if self.deadlocks.len() == DEADLOCKS_KEPT {
                self.deadlocks.pop_front();
            }
            self.deadlocks.push_back(DeadlockView {
                seq: found.seq,
                at_ms,
                text,
                chain,
            });
        }
        self.deadlocks.iter().cloned().collect()
    }
}

/// `a::b::Counter<x::Y>` → `Counter<Y>`.
pub(crate) fn short_type(full: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for ch in full.chars() {
        if ch.is_alphanumeric() || ch == '_' || ch == ':' {
            word.push(ch);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(""));
            word.clear();
            out.push(ch);
        }
    }
    out.push_str(word.rsplit("::").next().unwrap_or(""));
    out
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// The static graph reachable from `roots`, its nodes named `system::Name`.
pub(crate) struct StaticGraph {
    nodes: Vec<&'static Node>,
}

fn node_key(node: &Node) -> String {
    format!("{}::{}", node.system.short_name(), node.name)
}

pub(crate) fn collect_graph(roots: &[&'static Node]) -> StaticGraph {
    let mut nodes: Vec<&'static Node> = Vec::new();
    let mut todo: Vec<&'static Node> = roots.to_vec();
    while let Some(node) = todo.pop() {
        if nodes.iter().any(|n| n.same(node)) {
            continue;
        }
        nodes.push(node);
        todo.extend(node.calls.iter().copied());
        todo.extend(node.casts.iter().copied());
    }
    nodes.sort_by_key(|n| (n.system.name, n.id));
    StaticGraph { nodes }
}

impl StaticGraph {
    /// The graph with the load of the running actors of each node. An actor belongs to a
    /// node when its Rust type lives in the node's module (`system::snake_name::…`), as
    /// generated code's glue types do.
    /// The graph node (`system::Name`) of an actor of Rust type `ty`.
    pub(crate) fn node_of_type(&self, ty: &str) -> Option<String> {
        self.nodes
            .iter()
            .find(|n| ty.starts_with(&format!("{}::{}::", n.system.name, snake(n.name))))
            .map(|n| node_key(n))
    }

    pub(crate) fn view(
        &self,
        cells: &[(String, f64, String)],
        live: &[LiveEdge],
        deadlocks: &[DeadlockView],
    ) -> GraphView {
        let module = |n: &Node| format!("{}::{}::", n.system.name, snake(n.name));
        let nodes = self
            .nodes
            .iter()
            .map(|n| {
                let module = module(n);
                let (running, rate) = cells
                    .iter()
                    .filter(|(ty, _, _)| ty.starts_with(&module))
                    .fold((0, 0.0), |(k, r), (_, rate, _)| (k + 1, r + rate));
                GraphNode {
                    id: node_key(n),
                    name: n.name,
                    running,
                    rate,
                }
            })
            .collect();
        // Which graph node each running actor (by path) belongs to.
        let node_of = |path: &str| {
            let (ty, _, _) = cells.iter().find(|(_, _, p)| p == path)?;
            self.nodes.iter().find(|n| ty.starts_with(&module(n)))
        };
        let mut edges = Vec::new();
        for n in &self.nodes {
            for (targets, kind) in [(n.calls, "call"), (n.casts, "cast")] {
                for t in targets {
                    let (count, rate) = live
                        .iter()
                        .filter(|e| e.kind == kind)
                        .filter(|e| node_of(&e.from).is_some_and(|f| f.same(n)))
                        .filter(|e| node_of(&e.to).is_some_and(|to| to.same(t)))
                        .fold((0, 0.0), |(c, r), e| (c + e.count, r + e.rate));
                    edges.push(GraphEdge {
                        from: node_key(n),
                        to: node_key(t),
                        kind,
                        count,
                        rate,
                        declared: true,
                        deadlocks: 0,
                    });
                }
            }
        }
        // The calls of each kept deadlock: highlighted on their edge, added when undeclared.
        for deadlock in deadlocks {
            let mut crossed: Vec<(String, String)> = Vec::new();
            for pair in deadlock.chain.windows(2) {
                if let [a, b] = pair
                    && let (Some(from), Some(to)) = (&a.graph_node, &b.graph_node)
                    && !crossed.iter().any(|(f, t)| f == from && t == to)
                {
                    crossed.push((from.clone(), to.clone()));
                }
            }
            for (from, to) in crossed {
                match edges
                    .iter_mut()
                    .find(|e| e.kind == "call" && e.from == from && e.to == to)
                {
                    Some(edge) => edge.deadlocks += 1,
                    None => edges.push(GraphEdge {
                        from,
                        to,
                        kind: "call",
                        count: 0,
                        rate: 0.0,
                        declared: false,
                        deadlocks: 1,
                    }),
                }
            }
        }
        GraphView { nodes, edges }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// `RoomServer` → `room_server`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_type_drops_module_paths() {
        assert_eq!(short_type("a::b::Counter"), "Counter");
        assert_eq!(short_type("a::Wrap<b::c::Inner, u8>"), "Wrap<Inner, u8>");
    }

    #[test]
    fn snake_case_of_actor_names() {
        assert_eq!(snake("RoomServer"), "room_server");
        assert_eq!(snake("Db"), "db");
    }
}
