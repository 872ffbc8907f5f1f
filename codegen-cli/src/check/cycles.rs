//! Synchronous-call cycles.
//!
//! The graph: one node per actor; an edge for every `calls`, and for every
//! `casts` into a mailbox that blocks the sender when full (such a cast can
//! wait, like a call). A cycle in it can deadlock — every actor on it waiting
//! for the next — so every elementary cycle is an error, self-calls included.
//!
//! Strongly connected components (petgraph's Kosaraju, which is iterative)
//! find where cycles are; within each component Johnson's algorithm lists the
//! elementary cycles, each once, starting at its first-declared actor. A dense
//! component can hold exponentially many cycles, so at most
//! [`MAX_CYCLES_PER_GROUP`] are listed per component, then one summary.

use super::fx::FxMap;

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::NodeFiltered;

use super::Sink;
use super::index::Index;
use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::model::{Dependency, Spec};
use crate::source::Span;

/// Most cycles listed for one group of mutually dependent actors.
pub const MAX_CYCLES_PER_GROUP: usize = 20;

/// Why an edge is synchronous.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// `calls`.
    Call,
    /// `casts` into a mailbox with `overflow=block`.
    BlockingCast,
}

/// One edge of the synchronous graph.
#[derive(Clone, Copy, Debug)]
pub struct Edge {
    /// Caller (index into `Spec::actors`).
    pub from: usize,
    /// Callee (index into `Spec::actors`).
    pub to: usize,
    /// Call or blocking cast.
    pub kind: EdgeKind,
    /// The `calls`/`casts` declaration.
    pub span: Span,
}

/// One elementary cycle: its edges in order, the first leaving the cycle's
/// first-declared actor.
#[derive(Clone, Debug)]
pub struct Cycle {
    /// The edges, each ending where the next starts.
    pub edges: Vec<Edge>,
}

/// The result of the cycle search.
#[derive(Clone, Debug, Default)]
pub struct Cycles {
    /// Every elementary cycle found (bounded per group).
    pub cycles: Vec<Cycle>,
    /// Groups with more cycles than were listed: their actors.
    pub truncated: Vec<Vec<usize>>,
}

/// The synchronous graph of a spec: one edge per (caller, callee), the first declared,
/// preferring a call; `adj[i]` lists the actors actor `i` can wait on, in declaration order.
pub(crate) struct SyncGraph {
    pub(crate) adj: Vec<Vec<usize>>,
    pub(crate) edges: FxMap<(usize, usize), Edge>,
}

impl SyncGraph {
    pub(crate) fn of(spec: &Spec) -> SyncGraph {
        let actors: FxMap<&str, usize> = spec
            .actors
            .iter()
            .enumerate()
            .rev()
            .map(|(i, a)| (a.name.as_str(), i))
            .collect();
        // One edge per (from, to): the first declared, preferring a call.
        let mut edges: FxMap<(usize, usize), Edge> = FxMap::default();
        let mut adj: Vec<Vec<usize>> = vec![Vec::new(); spec.actors.len()];
        let mut add = |from: usize, dep: &Dependency, kind: EdgeKind| {
            let Some(&to) = actors.get(dep.target.as_str()) else {
                return;
            };
            if let std::collections::hash_map::Entry::Vacant(v) = edges.entry((from, to)) {
                v.insert(Edge {
                    from,
                    to,
                    kind,
                    span: dep.span,
                });
                adj[from].push(to);
            }
        };
        for (i, actor) in spec.actors.iter().enumerate() {
            for dep in &actor.calls {
                add(i, dep, EdgeKind::Call);
            }
        }
        for (i, actor) in spec.actors.iter().enumerate() {
            for dep in &actor.casts {
                let blocks = actors
                    .get(dep.target.as_str())
                    .is_some_and(|&t| spec.actors[t].mailbox.blocks_sender());
                if blocks {
                    add(i, dep, EdgeKind::BlockingCast);
                }
            }
        }
        SyncGraph { adj, edges }
    }
}

/// Finds the synchronous cycles of a spec (for `check` and for drawing).
pub fn find(spec: &Spec) -> Cycles {
    let SyncGraph { adj, edges } = SyncGraph::of(spec);
    let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(adj.len(), edges.len());
    for _ in 0..adj.len() {
        graph.add_node(());
    }
    for (from, tos) in adj.iter().enumerate() {
        for &to in tos {
            graph.add_edge(NodeIndex::new(from), NodeIndex::new(to), ());
        }
    }
    let mut out = Cycles::default();
    let mut groups = kosaraju_scc(&graph);
    for g in &mut groups {
        g.sort();
    }
    groups.sort();
    for group in groups {
        let members: Vec<usize> = group.iter().map(|n| n.index()).collect();
        let nontrivial = members.len() > 1 || adj[members[0]].contains(&members[0]);
        if !nontrivial {
            continue;
        }
        let (found, truncated) = group_cycles(&adj, &members);
        out.cycles.extend(found.into_iter().map(|nodes| {
            Cycle {
                edges: nodes
                    .iter()
                    .zip(nodes.iter().cycle().skip(1))
                    .filter_map(|(a, b)| edges.get(&(*a, *b)).copied())
                    .collect(),
            }
        }));
        if truncated {
            out.truncated.push(members);
        }
    }
    out
}

/// Johnson's algorithm restricted to one component (`members`, sorted).
/// Returns the cycles as actor lists, and whether the listing was cut short.
fn group_cycles(adj: &[Vec<usize>], members: &[usize]) -> (Vec<Vec<usize>>, bool) {
    // Local numbering 0..k in declaration order, so "least vertex" is the
    // first-declared actor.
    let local: FxMap<usize, usize> = members.iter().enumerate().map(|(i, &m)| (m, i)).collect();
    let k = members.len();
    let ladj: Vec<Vec<usize>> = members
        .iter()
        .map(|m| {
            adj[*m]
                .iter()
                .filter_map(|t| local.get(t).copied())
                .collect()
        })
        .collect();
    let mut g: DiGraph<(), ()> = DiGraph::new();
    for _ in 0..k {
        g.add_node(());
    }
    for (from, tos) in ladj.iter().enumerate() {
        for &to in tos {
            g.add_edge(NodeIndex::new(from), NodeIndex::new(to), ());
        }
    }
    let mut cycles = Vec::new();
    let mut start = 0;
    while start < k {
        // The component, among vertices >= start, holding the least vertex
        // that lies on some cycle.
        let view = NodeFiltered::from_fn(&g, |n: NodeIndex| n.index() >= start);
        let comp = kosaraju_scc(&view)
            .into_iter()
            .filter(|c| c.len() > 1 || ladj[c[0].index()].contains(&c[0].index()))
            .min_by_key(|c| c.iter().map(|n| n.index()).min().unwrap_or(usize::MAX));
        let Some(comp) = comp else { break };
        let mut in_comp = vec![false; k];
        for n in &comp {
            in_comp[n.index()] = true;
        }
        let s = comp.iter().map(|n| n.index()).min().unwrap_or(start);
        if circuits(&ladj, &in_comp, s, &mut cycles) {
            let cycles = cycles
                .into_iter()
                .map(|c: Vec<usize>| c.into_iter().map(|v| members[v]).collect())
                .collect();
            return (cycles, true);
        }
        start = s + 1;
    }
    let cycles = cycles
        .into_iter()
        .map(|c| c.into_iter().map(|v| members[v]).collect())
        .collect();
    (cycles, false)
}

/// The elementary cycles through `s` within `in_comp`, appended to `out`.
/// Iterative (a component can be thousands of actors deep). Returns true when
/// the per-group limit was reached.
fn circuits(adj: &[Vec<usize>], in_comp: &[bool], s: usize, out: &mut Vec<Vec<usize>>) -> bool {
    let n = adj.len();
    let mut blocked = vec![false; n];
    let mut b: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut path = vec![s];
    // (vertex, next edge to try, found a cycle below)
    let mut frames: Vec<(usize, usize, bool)> = vec![(s, 0, false)];
    blocked[s] = true;
    while let Some(frame) = frames.last_mut() {
        let (v, next, _) = *frame;
        if let Some(&w) = adj[v].get(next) {
            frame.1 += 1;
            if !in_comp[w] {
                continue;
            }
            if w == s {
                frame.2 = true;
                out.push(path.clone());
                if out.len() >= MAX_CYCLES_PER_GROUP {
                    return true;
                }
            } else if !blocked[w] {
                blocked[w] = true;
                path.push(w);
                frames.push((w, 0, false));
            }
            continue;
        }
        let found = frame.2;
        if found {
            unblock(v, &mut blocked, &mut b);
        } else {
            for &w in &adj[v] {
                if in_comp[w] && !b[w].contains(&v) {
                    b[w].push(v);
                }
            }
        }
        frames.pop();
        path.pop();
        if let Some(parent) = frames.last_mut() {
            parent.2 |= found;
        }
    }
    false
}

fn unblock(u: usize, blocked: &mut [bool], b: &mut [Vec<usize>]) {
    let mut work = vec![u];
    while let Some(u) = work.pop() {
        blocked[u] = false;
        for w in std::mem::take(&mut b[u]) {
            if blocked[w] {
                work.push(w);
            }
        }
    }
}

pub(super) fn run(index: &Index<'_>, sink: &mut Sink) {
    let spec = index.spec;
    let found = find(spec);
    let name = |i: usize| spec.actors[i].name.as_str();
    for cycle in &found.cycles {
        sink.error(diagnostic(cycle, &name));
    }
    for group in &found.truncated {
        let names: Vec<String> = group.iter().map(|&i| format!("`{}`", name(i))).collect();
        let mut d = Diagnostic::error(
            codes::CALL_CYCLE,
            format!(
                "{} call each other in more than {MAX_CYCLES_PER_GROUP} cycles; the first \
                 {MAX_CYCLES_PER_GROUP} are listed",
                names.join(", ")
            ),
        );
        for &i in group {
            d = d.with_label(spec.actors[i].name.span(), "");
        }
        sink.error(d.with_help("untangle this group: most of these calls should be casts"));
    }
}

fn diagnostic<'s>(cycle: &Cycle, name: &dyn Fn(usize) -> &'s str) -> Diagnostic {
    let Some(first) = cycle.edges.first() else {
        return Diagnostic::error(codes::CALL_CYCLE, "synchronous call cycle");
    };
    let message = if cycle.edges.len() == 1 {
        match first.kind {
            EdgeKind::Call => format!("actor `{}` calls itself", name(first.from)),
            EdgeKind::BlockingCast => format!(
                "actor `{}` casts to itself into a mailbox that blocks when full",
                name(first.from)
            ),
        }
    } else {
        let mut path: Vec<&str> = cycle.edges.iter().map(|e| name(e.from)).collect();
        path.push(name(first.from));
        format!("synchronous call cycle: {}", path.join(" → "))
    };
    let mut d = Diagnostic::error(codes::CALL_CYCLE, message);
    for e in &cycle.edges {
        let label = match e.kind {
            EdgeKind::Call => format!("`{}` calls `{}`", name(e.from), name(e.to)),
            EdgeKind::BlockingCast => format!(
                "`{}` casts to `{}`, whose mailbox blocks when full",
                name(e.from),
                name(e.to)
            ),
        };
        d = d.with_label(e.span, label);
    }
    let help = if cycle.edges.len() == 1 {
        "an actor handles one message at a time: while it waits on itself, nothing answers. \
         Do the work directly instead of sending a message"
    } else {
        "a call waits for its reply, so when each actor on the cycle waits for the next none \
         can answer: make one of these a `casts` into a mailbox with overflow=reject or drop-*, \
         or move the shared work into an actor that calls none of them"
    };
    d.with_help(help)
}
