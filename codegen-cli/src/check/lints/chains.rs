//! `deep_call_chain`: a long chain of synchronous calls.
//!
//! Every actor on a chain A → B → … → Z waits for the whole rest of it: one slow or
//! restarting actor at the end stalls every caller above it, and each caller's timeout must
//! exceed the sum below it. (Long chains no longer crash rustc: generated clients are typed
//! by protocol, so their types do not nest through the chain; see issue #16.)
//!
//! Reported once per chain, on the actor it starts from (one that no actor waits on). With a
//! cycle in the graph the longest path is unbounded and the cycle is already an error, so the
//! lint stays quiet.

use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};

use super::{DEEP_CALL_CHAIN, DEEP_CALL_CHAIN_LIMIT};
use crate::check::cycles::SyncGraph;
use crate::check::index::Index;
use crate::check::{Item, Sink};
use crate::diagnostics::Diagnostic;

/// Actors named in a message before the middle of a long chain is elided.
const SHOWN_AT_EACH_END: usize = 3;

pub(super) fn run(index: &Index<'_>, sink: &mut Sink) {
    let spec = index.spec;
    let SyncGraph { adj, .. } = SyncGraph::of(spec);
    let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(adj.len(), 0);
    for _ in 0..adj.len() {
        graph.add_node(());
    }
    let mut called = vec![false; adj.len()];
    for (from, tos) in adj.iter().enumerate() {
        for &to in tos {
            graph.add_edge(NodeIndex::new(from), NodeIndex::new(to), ());
            called[to] = true;
        }
    }
    let Ok(order) = toposort(&graph, None) else {
        return; // a cycle: reported as an error
    };
    // hops[i]: the longest chain of synchronous calls from actor i; next[i]: its first hop.
    let mut hops = vec![0usize; adj.len()];
    let mut next: Vec<Option<usize>> = vec![None; adj.len()];
    for node in order.iter().rev() {
        let i = node.index();
        for &to in &adj[i] {
            if hops[to] + 1 > hops[i] {
                hops[i] = hops[to] + 1;
                next[i] = Some(to);
            }
        }
    }
    for (i, actor) in spec.actors.iter().enumerate() {
        if called[i] || hops[i] <= DEEP_CALL_CHAIN_LIMIT {
            continue;
        }
        let mut chain = vec![i];
        while let Some(n) = next[*chain.last().unwrap_or(&i)] {
            chain.push(n);
        }
        let names: Vec<&str> = chain
            .iter()
            .map(|&a| spec.actors[a].name.as_str())
            .collect();
        sink.lint(
            &DEEP_CALL_CHAIN,
            &actor.allows,
            &Item::Actor(&actor.name),
            || {
                Diagnostic::warning(
                    DEEP_CALL_CHAIN.code,
                    format!(
                        "a chain of {} synchronous calls starts at `{}`: {}",
                        hops[i],
                        actor.name,
                        shown(&names)
                    ),
                )
                .with_label(actor.name.span(), "every actor on it waits for the rest")
                .with_help(format!(
                    "keep chains to {DEEP_CALL_CHAIN_LIMIT} hops: make some of these calls casts \
                     (the answer comes back as a message), or let one actor own what the \
                     chain fetches"
                ))
            },
        );
    }
}

/// `A -> B -> C -> … -> Y -> Z` for a long chain.
fn shown(names: &[&str]) -> String {
    if names.len() <= 2 * SHOWN_AT_EACH_END + 1 {
        return names.join(" -> ");
    }
    let head = names[..SHOWN_AT_EACH_END].join(" -> ");
    let tail = names[names.len() - SHOWN_AT_EACH_END..].join(" -> ");
    format!("{head} -> … -> {tail}")
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn long_chains_are_elided_in_the_middle() {
        assert_eq!(shown(&["A", "B", "C"]), "A -> B -> C");
        let names = ["A", "B", "C", "D", "E", "F", "G", "H", "I"];
        assert_eq!(shown(&names), "A -> B -> C -> … -> G -> H -> I");
    }
}
