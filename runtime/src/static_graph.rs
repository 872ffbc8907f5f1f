//! The compile-time check that generated code has no cycle of synchronous calls.
//!
//! Code generated from a spec (and, later, by the macros) declares one `static` [`Node`] per
//! actor, listing the actors it can wait on: those it `calls`, and those it `casts` to whose
//! mailbox blocks a sender when full. A `const` item then runs [`assert_acyclic`] over every
//! node during compilation, so a cycle brought back by a hand edit of the generated code fails
//! the build with the cycle named:
//!
//! ```compile_fail
//! use arbor::static_graph::{Node, assert_acyclic};
//!
//! static A: Node = Node::new(0, "A", &[&B]);
//! static B: Node = Node::new(1, "B", &[&A]);
//! const _: () = assert_acyclic(&[&A, &B]); // error: synchronous call cycle: A -> B -> A
//! ```
//!
//! ```
//! use arbor::static_graph::{Node, assert_acyclic, has_edge};
//!
//! static A: Node = Node::new(0, "A", &[&B]);
//! static B: Node = Node::new(1, "B", &[]);
//! const _: () = assert_acyclic(&[&A, &B]);
//! const _: () = assert!(has_edge(&A, &B) && !has_edge(&B, &A));
//! ```
//!
//! Nodes are identified by their `id`, which must be their index in the slice given to
//! [`assert_acyclic`]: const evaluation cannot compare addresses, and ids keep the walk linear
//! (every node and edge is visited once), so a 1 000-actor system checks in milliseconds.
//!
//! The module also holds [`include_spec!`](crate::include_spec), which includes the code
//! `arbor-codegen` wrote to `OUT_DIR` from a `build.rs`.

/// One actor of a generated system and the actors it can wait on.
#[derive(Debug)]
pub struct Node {
    /// The node's index in the slice checked by [`assert_acyclic`].
    pub id: usize,
    /// The actor's name, used in the error message.
    pub name: &'static str,
    /// The actors it calls, or casts to through a blocking mailbox.
    pub edges: &'static [&'static Node],
}

impl Node {
    /// A node (what generated code writes in a `static`).
    pub const fn new(id: usize, name: &'static str, edges: &'static [&'static Node]) -> Node {
        Node { id, name, edges }
    }
}

/// Whether `from` declares a synchronous edge to `to`. Generated capability accessors assert
/// it at compile time, so a hand-added synchronous dependency cannot bypass the cycle check.
pub const fn has_edge(from: &Node, to: &Node) -> bool {
    let mut i = 0;
    while i < from.edges.len() {
        if from.edges[i].id == to.id {
            return true;
        }
        i += 1;
    }
    false
}

const UNSEEN: u8 = 0;
const ON_PATH: u8 = 1;
const DONE: u8 = 2;

/// Fails (at compile time, in a `const` item) if the nodes' edges form a cycle, naming it:
/// `synchronous call cycle: A -> B -> A`. Also fails if a node's `id` is not its index, or an
/// edge leads to a node missing from `nodes`.
pub const fn assert_acyclic<const N: usize>(nodes: &[&Node; N]) {
    let mut i = 0;
    while i < N {
        if nodes[i].id != i {
            let mut msg = Message::new();
            msg.push("static call graph: node `");
            msg.push(nodes[i].name);
            msg.push("` does not have its index as id");
            fail(&msg);
        }
        i += 1;
    }
    let mut state = [UNSEEN; N];
    // The depth-first path: the nodes on it and, for each, the next edge to follow.
    let mut path = [0usize; N];
    let mut next_edge = [0usize; N];
    let mut start = 0;
    while start < N {
        if state[start] != UNSEEN {
            start += 1;
            continue;
        }
        let mut depth = 1;
        path[0] = start;
        next_edge[0] = 0;
        state[start] = ON_PATH;
        while depth > 0 {
            let node = nodes[path[depth - 1]];
            let e = next_edge[depth - 1];
            if e == node.edges.len() {
                state[node.id] = DONE;
                depth -= 1;
                continue;
            }
            next_edge[depth - 1] = e + 1;
            let target = node.edges[e].id;
            if target >= N || nodes[target].id != target {
                let mut msg = Message::new();
                msg.push("static call graph: `");
                msg.push(node.name);
                msg.push("` has an edge to `");
                msg.push(node.edges[e].name);
                msg.push("`, which is not among the checked nodes");
                fail(&msg);
            }
            match state[target] {
                UNSEEN => {
                    state[target] = ON_PATH;
                    path[depth] = target;
                    next_edge[depth] = 0;
                    depth += 1;
                }
                ON_PATH => {
                    let mut msg = Message::new();
                    msg.push("synchronous call cycle: ");
                    let mut k = 0;
                    while path[k] != target {
                        k += 1;
                    }
                    while k < depth {
                        msg.push(nodes[path[k]].name);
                        msg.push(" -> ");
                        k += 1;
                    }
                    msg.push(nodes[target].name);
                    msg.push(" (remove a `calls`, or make the cast's mailbox non-blocking)");
                    fail(&msg);
                }
                _ => {}
            }
        }
        start += 1;
    }
}

/// A message built during const evaluation (names are ASCII identifiers; a long one is cut).
struct Message {
    buf: [u8; 512],
    len: usize,
}

impl Message {
    const fn new() -> Message {
        Message {
            buf: [0; 512],
            len: 0,
        }
    }

    const fn push(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() && self.len < self.buf.len() - 3 {
            self.buf[self.len] = if bytes[i].is_ascii() { bytes[i] } else { b'?' };
            self.len += 1;
            i += 1;
        }
        if i < bytes.len() {
            let mut k = 0;
            while k < 3 {
                self.buf[self.len] = b'.';
                self.len += 1;
                k += 1;
            }
        }
    }

    const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(s) => s,
            Err(_) => "static call graph: invalid message",
        }
    }
}

const fn fail(msg: &Message) -> ! {
    panic!("{}", msg.as_str())
}

/// Includes the code `arbor-codegen` generated from a `build.rs` into the current module:
/// `arbor::include_spec!("chat")` includes `$OUT_DIR/chat.rs`, written by
/// `arbor_codegen::compile("specs/chat.kdl")`.
///
/// Include each spec in a module of its own, next to the types the spec names (they are
/// resolved where the code is included).
#[macro_export]
macro_rules! include_spec {
    ($name:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $name, ".rs"));
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    static A: Node = Node::new(0, "A", &[&B, &C]);
    static B: Node = Node::new(1, "B", &[&C]);
    static C: Node = Node::new(2, "C", &[]);
    const _: () = assert_acyclic(&[&A, &B, &C]);

    #[test]
    fn edges() {
        assert!(has_edge(&A, &C));
        assert!(!has_edge(&C, &A));
    }

    static X: Node = Node::new(0, "X", &[&Y]);
    static Y: Node = Node::new(1, "Y", &[&Z]);
    static Z: Node = Node::new(2, "Z", &[&Y]);

    #[test]
    fn a_cycle_is_named() {
        let err = std::panic::catch_unwind(|| assert_acyclic(&[&X, &Y, &Z])).unwrap_err();
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            msg.starts_with("synchronous call cycle: Y -> Z -> Y"),
            "{msg}"
        );
    }

    static SELF: Node = Node::new(0, "Selfish", &[&SELF]);

    #[test]
    fn a_self_call_is_a_cycle() {
        let err = std::panic::catch_unwind(|| assert_acyclic(&[&SELF])).unwrap_err();
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("Selfish -> Selfish"), "{msg}");
    }
}
