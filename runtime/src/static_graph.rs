//! The compile-time check that generated code has no cycle of synchronous calls.
//!
//! Code generated from a spec (or by the macros) declares one `static` [`Node`] per actor,
//! listing the actors it `calls` and those it `casts` to, and whether its own mailbox blocks a
//! sender when full. A cast is a synchronous edge only into a blocking mailbox; the walk
//! decides that from the target's node, so a cast to an actor of another system resolves at
//! compile time too. A `const` item then runs [`assert_acyclic`] (one system) or
//! [`assert_acyclic_in`] (one system and every system its edges reach) during compilation,
//! so a cycle fails the build with the cycle named:
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
//! Across systems: each generated system has a [`System`] (its module path and actor count);
//! its nodes point at it, and an edge may lead to a node of another system (an extern actor).
//! Modules of one crate may refer to each other's statics, so a cycle through two systems is
//! expressible, and both systems' checks report it, every name qualified by its system:
//!
//! ```compile_fail
//! use arbor::static_graph::{Node, System, assert_acyclic_in};
//!
//! static SHOP: System = System::new("app::shop", 1);
//! static BILLING: System = System::new("app::billing", 1);
//! static CART: Node = Node::in_system(&SHOP, 0, "Cart", true, &[&LEDGER], &[]);
//! static LEDGER: Node = Node::in_system(&BILLING, 0, "Ledger", true, &[], &[&CART]);
//! // error: synchronous call cycle: shop::Cart -> billing::Ledger -> shop::Cart
//! // (Cart calls Ledger, which casts into Cart's blocking mailbox)
//! const _: () = assert_acyclic_in::<1, 64>(&SHOP, &[&CART]);
//! ```
//!
//! ```
//! use arbor::static_graph::{Node, System, assert_acyclic_in};
//!
//! static SHOP: System = System::new("app::shop", 1);
//! static BILLING: System = System::new("app::billing", 1);
//! // Cart's mailbox drops rather than blocks: Ledger's cast back cannot wait on it.
//! static CART: Node = Node::in_system(&SHOP, 0, "Cart", false, &[&LEDGER], &[]);
//! static LEDGER: Node = Node::in_system(&BILLING, 0, "Ledger", true, &[], &[&CART]);
//! const _: () = assert_acyclic_in::<1, 64>(&SHOP, &[&CART]);
//! const _: () = assert_acyclic_in::<1, 64>(&BILLING, &[&LEDGER]);
//! ```
//!
//! Nodes are identified by their system and their `id`, which must be their index in their
//! system's slice: const evaluation cannot compare addresses, and indices keep the walk linear
//! (every node and edge reached is visited once; a foreign system is found in a table of at
//! most [`MAX_SYSTEMS`] entries), so a 1 000-actor system checks in milliseconds.
//!
//! The module also holds [`include_spec!`](crate::include_spec), which includes the code
//! `arbor-codegen` wrote to `OUT_DIR` from a `build.rs`.

/// A generated system in the static call graph: what its nodes point at, so a walk can tell
/// its own nodes from another system's.
#[derive(Debug)]
pub struct System {
    /// The system's module path (`module_path!()` where its code is), unique in a build.
    pub name: &'static str,
    /// A hash of `name`, compared first.
    pub key: u64,
    /// How many actors (nodes) it has; their ids are `0..len`.
    pub len: usize,
}

impl System {
    /// A system named `name` (its module path) with `len` actors.
    pub const fn new(name: &'static str, len: usize) -> System {
        System {
            name,
            key: fnv1a(name),
            len,
        }
    }

    /// The system of nodes built with [`Node::new`] (single-system graphs).
    pub const LOCAL: System = System {
        name: "",
        key: 0,
        len: usize::MAX,
    };

    /// Whether `self` and `other` are the same system: the same name hash and actor count.
    /// (Comparing the names themselves on every edge would multiply the cost of the walk;
    /// module paths of one build do not collide in 64 bits in practice.)
    pub const fn same(&self, other: &System) -> bool {
        self.key == other.key && self.len == other.len
    }

    /// The last segment of the module path (`shop` for `app::shop`), used in messages.
    pub const fn short_name(&self) -> &'static str {
        let bytes = self.name.as_bytes();
        let mut i = bytes.len();
        while i > 0 && bytes[i - 1] != b':' {
            i -= 1;
        }
        match core::str::from_utf8(bytes.split_at(i).1) {
            Ok(s) => s,
            Err(_) => self.name,
        }
    }
}

const fn fnv1a(s: &str) -> u64 {
    let bytes = s.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// One actor of a generated system and the actors it can wait on.
#[derive(Debug)]
pub struct Node {
    /// The system it belongs to.
    pub system: &'static System,
    /// The node's index in its system's slice.
    pub id: usize,
    /// The actor's name, used in the error message.
    pub name: &'static str,
    /// Whether a send into its mailbox waits for room when it is full (a cast into it is
    /// then a synchronous edge).
    pub blocking: bool,
    /// The actors it calls.
    pub calls: &'static [&'static Node],
    /// The actors it casts to (synchronous edges only into blocking mailboxes).
    pub casts: &'static [&'static Node],
    /// The cluster node it runs on, when an edge reaches it as a remote actor of a named node
    /// ([`Node::on_node`]): cycle messages name it (`journal::JournalWriter@journal`).
    pub node: Option<&'static str>,
}

impl Node {
    /// A node of a single-system graph whose `edges` are all synchronous (its mailbox counts
    /// as blocking).
    pub const fn new(id: usize, name: &'static str, edges: &'static [&'static Node]) -> Node {
        Node {
            system: &System::LOCAL,
            id,
            name,
            blocking: true,
            calls: edges,
            casts: &[],
            node: None,
        }
    }

    /// A node of `system` (what generated code writes in a `static`).
    pub const fn in_system(
        system: &'static System,
        id: usize,
        name: &'static str,
        blocking: bool,
        calls: &'static [&'static Node],
        casts: &'static [&'static Node],
    ) -> Node {
        Node {
            system,
            id,
            name,
            blocking,
            calls,
            casts,
            node: None,
        }
    }

    /// `target` as an edge reaches it when it is a remote actor run by cluster node `node`
    /// (generated for `extern-actor … remote=#true node="…"`): the same node for the walk (its
    /// system and id, its edges), named `system::Name@node` in a cycle's message.
    pub const fn on_node(target: &'static Node, node: &'static str) -> Node {
        Node {
            system: target.system,
            id: target.id,
            name: target.name,
            blocking: target.blocking,
            calls: target.calls,
            casts: target.casts,
            node: Some(node),
        }
    }

    /// Whether `self` and `other` are the same node.
    pub const fn same(&self, other: &Node) -> bool {
        self.id == other.id && self.system.same(other.system)
    }

    /// The `e`-th synchronous edge candidate: calls first, then casts.
    const fn edge(&self, e: usize) -> &'static Node {
        if e < self.calls.len() {
            self.calls[e]
        } else {
            self.casts[e - self.calls.len()]
        }
    }

    const fn edge_count(&self) -> usize {
        self.calls.len() + self.casts.len()
    }
}

/// Whether `from` declares an edge (a call, or a cast) to `to`. Generated capability
/// accessors assert it at compile time, so a hand-added dependency cannot bypass the cycle
/// check.
pub const fn has_edge(from: &Node, to: &Node) -> bool {
    let mut e = 0;
    while e < from.edge_count() {
        if from.edge(e).same(to) {
            return true;
        }
        e += 1;
    }
    false
}

/// Most distinct foreign systems one walk can reach.
pub const MAX_SYSTEMS: usize = 64;

const UNSEEN: u8 = 0;
const ON_PATH: u8 = 1;
const DONE: u8 = 2;

/// Fails (at compile time, in a `const` item) if the nodes' edges form a cycle, naming it:
/// `synchronous call cycle: A -> B -> A`. Also fails if a node's `id` is not its index, or an
/// edge leads to a node missing from `nodes`.
pub const fn assert_acyclic<const N: usize>(nodes: &[&Node; N]) {
    if N > 0
        && let Some(cycle) = walk::<N, N>(nodes[0].system, nodes, false)
    {
        fail(&cycle.0);
    }
}

/// [`assert_acyclic`] for the nodes of `system`, following edges into other systems:
/// `W` is the walk's capacity, the nodes of `system` (`N`) plus the foreign nodes it may
/// reach. A cycle through several systems is named with each node's system:
/// `synchronous call cycle: shop::Cart -> billing::Ledger -> shop::Cart`.
pub const fn assert_acyclic_in<const N: usize, const W: usize>(
    system: &System,
    nodes: &[&Node; N],
) {
    if let Some(cycle) = walk::<N, W>(system, nodes, true) {
        fail(&cycle.0);
    }
}

/// The cycle [`assert_acyclic_in`] would fail on, if any: generated code panics with it in its
/// own `const` item, so the compiler's error is that one line (no notes into this module).
pub const fn cycle_in<const N: usize, const W: usize>(
    system: &System,
    nodes: &[&Node; N],
) -> Option<Cycle> {
    walk::<N, W>(system, nodes, true)
}

/// Where each node reached lives in the walk's arrays: a node of the checked system at its
/// id, the nodes of the `s`-th foreign system met at `N + offsets[s] + id`.
struct Slots<'a, const N: usize, const W: usize> {
    system: &'a System,
    systems: [Option<&'static System>; MAX_SYSTEMS],
    offsets: [usize; MAX_SYSTEMS],
    met: usize,
    used: usize,
}

impl<'a, const N: usize, const W: usize> Slots<'a, N, W> {
    const fn slot(&mut self, from: &Node, node: &Node, foreign: bool) -> usize {
        if node.system.same(self.system) {
            if node.id >= N {
                edge_error(from, node, "which is not among the checked nodes");
            }
            return node.id;
        }
        if !foreign {
            edge_error(from, node, "which is not among the checked nodes");
        }
        if node.id >= node.system.len {
            edge_error(from, node, "whose id is not below its system's actor count");
        }
        let mut s = 0;
        while s < self.met {
            if let Some(sys) = self.systems[s]
                && sys.same(node.system)
            {
                return N + self.offsets[s] + node.id;
            }
            s += 1;
        }
        if self.met == MAX_SYSTEMS {
            edge_error(from, node, "beyond the most systems one check can follow");
        }
        if N + self.used + node.system.len > W {
            edge_error(
                from,
                node,
                "beyond the walk's capacity: raise the capacity given to `assert_acyclic_in`",
            );
        }
        self.systems[self.met] = Some(node.system);
        self.offsets[self.met] = self.used;
        self.met += 1;
        self.used += node.system.len;
        N + self.offsets[s] + node.id
    }
}

const fn edge_error(from: &Node, to: &Node, why: &str) -> ! {
    let mut msg = Message::new();
    msg.push("static call graph: `");
    msg.push(from.name);
    msg.push("` has an edge to `");
    msg.push(to.name);
    msg.push("`, ");
    msg.push(why);
    fail(&msg)
}

const fn walk<'a, const N: usize, const W: usize>(
    system: &System,
    nodes: &[&'a Node; N],
    foreign: bool,
) -> Option<Cycle> {
    if W < N {
        let mut msg = Message::new();
        msg.push("static call graph: the walk's capacity is below the system's node count");
        fail(&msg);
    }
    let (key, len) = (system.key, system.len);
    let mut i = 0;
    while i < N {
        if nodes[i].id != i || nodes[i].system.key != key || nodes[i].system.len != len {
            let mut msg = Message::new();
            msg.push("static call graph: node `");
            msg.push(nodes[i].name);
            msg.push("` does not have its index as id in the checked system");
            fail(&msg);
        }
        i += 1;
    }
    if N == 0 {
        return None;
    }
    let mut slots = Slots::<N, W> {
        system,
        systems: [None; MAX_SYSTEMS],
        offsets: [0; MAX_SYSTEMS],
        met: 0,
        used: 0,
    };
    let mut state = [UNSEEN; W];
    // The depth-first path: the nodes on it, their slots and, for each, the next edge to follow.
    let mut path: [&'a Node; W] = [nodes[0]; W];
    let mut path_slot = [0usize; W];
    let mut next_edge = [0usize; W];
    let mut start = 0;
    while start < N {
        if state[start] != UNSEEN {
            start += 1;
            continue;
        }
        let mut depth = 1;
        path[0] = nodes[start];
        path_slot[0] = start;
        next_edge[0] = 0;
        state[start] = ON_PATH;
        // The hot loop: plain field reads, few calls (const evaluation pays for each).
        while depth > 0 {
            let node = path[depth - 1];
            let e = next_edge[depth - 1];
            let calls = node.calls.len();
            if e == calls + node.casts.len() {
                state[path_slot[depth - 1]] = DONE;
                depth -= 1;
                continue;
            }
            next_edge[depth - 1] = e + 1;
            let target = if e < calls {
                node.calls[e]
            } else {
                let cast = node.casts[e - calls];
                if !cast.blocking {
                    continue;
                }
                cast
            };
            let slot = if target.system.key == key && target.system.len == len && target.id < N {
                target.id
            } else {
                slots.slot(node, target, foreign)
            };
            match state[slot] {
                UNSEEN => {
                    state[slot] = ON_PATH;
                    path[depth] = target;
                    path_slot[depth] = slot;
                    next_edge[depth] = 0;
                    depth += 1;
                }
                ON_PATH => {
                    let mut k = 0;
                    while path_slot[k] != slot {
                        k += 1;
                    }
                    return Some(describe(&path, &next_edge, k, depth, target, N, &path_slot));
                }
                _ => {}
            }
        }
        start += 1;
    }
    None
}

/// A cycle found by the walk, described: `synchronous call cycle: A -> B -> A` and a help.
pub struct Cycle(Message);

impl Cycle {
    /// The description.
    pub const fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// Whether two names are equal (const).
const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The message of the cycle `path[k..depth]` closed by the edge to `target`: names qualified by
/// their system when it crosses systems (by the whole module path when two systems on it share
/// their last segment, so `a::sys::A -> b::sys::A` does not read like a self-call), each cast
/// shown as `-cast->`, and a help that explains the cast when one is on the cycle.
const fn describe<const W: usize>(
    path: &[&Node; W],
    next_edge: &[usize; W],
    k: usize,
    depth: usize,
    target: &Node,
    n: usize,
    path_slot: &[usize; W],
) -> Cycle {
    let mut crosses = false;
    let mut ambiguous = false;
    let mut cast_at = depth;
    let mut j = k;
    while j < depth {
        crosses = crosses || path_slot[j] >= n;
        if cast_at == depth && next_edge[j] > path[j].calls.len() {
            cast_at = j;
        }
        let mut i = k;
        while i < j {
            let (x, y) = (path[i].system, path[j].system);
            ambiguous = ambiguous || (!x.same(y) && same_str(x.short_name(), y.short_name()));
            i += 1;
        }
        j += 1;
    }
    let qualify = if ambiguous {
        2
    } else if crosses {
        1
    } else {
        0
    };
    let mut msg = Message::new();
    msg.push("synchronous call cycle: ");
    let mut j = k;
    while j < depth {
        push_name(&mut msg, path[j], qualify);
        msg.push(if next_edge[j] > path[j].calls.len() {
            " -cast-> "
        } else {
            " -> "
        });
        j += 1;
    }
    push_name(&mut msg, target, qualify);
    if cast_at < depth {
        let to = if cast_at + 1 < depth {
            path[cast_at + 1]
        } else {
            target
        };
        msg.push(" (help: the cast from `");
        push_name(&mut msg, path[cast_at], qualify);
        msg.push("` counts as a call: `");
        push_name(&mut msg, to, qualify);
        msg.push(
            "`'s mailbox blocks when full, so the sender waits for room as a caller waits for \
             its reply; give that mailbox overflow reject or drop-* (`mailbox(overflow = \"reject\")` \
             with the macros), or remove a call of the cycle)",
        );
    } else {
        msg.push(
            " (help: each actor on the cycle waits for the next, so none can answer: make one \
             of these calls a cast (`casts` instead of `calls`, `casts(..)` with the macros), or \
             move the shared work into an actor that calls none of them)",
        );
    }
    Cycle(msg)
}

/// A node's name: bare (`qualify` 0), after its system's short name (1) or its whole module
/// path (2).
const fn push_name(msg: &mut Message, node: &Node, qualify: u8) {
    match qualify {
        0 => {}
        1 => {
            msg.push(node.system.short_name());
            msg.push("::");
        }
        _ => {
            msg.push(node.system.name);
            msg.push("::");
        }
    }
    msg.push(node.name);
    if let Some(on) = node.node {
        msg.push("@");
        msg.push(on);
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
        if i < bytes.len() && self.len <= self.buf.len() - 3 {
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

    fn failure(check: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let err = std::panic::catch_unwind(check).unwrap_err();
        err.downcast_ref::<String>().cloned().unwrap_or_default()
    }

    // Two systems, each unaware of the other's edges: shop::Cart calls billing::Ledger, which
    // calls shop::Stock and casts into shop::Cart (blocking mailbox): a cycle through both.
    static SHOP: System = System::new("app::shop", 2);
    static BILLING: System = System::new("app::billing", 1);
    static CART: Node = Node::in_system(&SHOP, 0, "Cart", true, &[&LEDGER], &[]);
    static STOCK: Node = Node::in_system(&SHOP, 1, "Stock", true, &[], &[]);
    static LEDGER: Node = Node::in_system(&BILLING, 0, "Ledger", true, &[&STOCK], &[&CART]);

    #[test]
    fn a_cycle_across_systems_is_named_with_the_systems() {
        let msg = failure(|| assert_acyclic_in::<2, 16>(&SHOP, &[&CART, &STOCK]));
        assert!(
            msg.starts_with(
                "synchronous call cycle: shop::Cart -> billing::Ledger -cast-> shop::Cart (help: \
                 the cast from `billing::Ledger` counts as a call: `shop::Cart`'s mailbox blocks \
                 when full"
            ),
            "{msg}"
        );
        let msg = failure(|| assert_acyclic_in::<1, 16>(&BILLING, &[&LEDGER]));
        assert!(
            msg.starts_with(
                "synchronous call cycle: billing::Ledger -cast-> shop::Cart -> billing::Ledger"
            ),
            "{msg}"
        );
        // What `cycle_in` gives generated code is the same text.
        let cycle = cycle_in::<1, 16>(&BILLING, &[&LEDGER]).expect("a cycle");
        assert!(msg == cycle.as_str(), "{msg}");
    }

    // Two systems whose modules share their last segment (`left::sys`, `right::sys`), each with
    // an actor `A` calling the other's.
    static LEFT: System = System::new("app::left::sys", 1);
    static RIGHT: System = System::new("app::right::sys", 1);
    static LEFT_A: Node = Node::in_system(&LEFT, 0, "A", true, &[&RIGHT_A], &[]);
    static RIGHT_A: Node = Node::in_system(&RIGHT, 0, "A", true, &[&LEFT_A], &[]);

    #[test]
    fn systems_sharing_a_name_are_told_apart_and_a_call_cycle_gets_the_call_help() {
        let msg = failure(|| assert_acyclic_in::<1, 16>(&LEFT, &[&LEFT_A]));
        assert_eq!(
            msg,
            "synchronous call cycle: app::left::sys::A -> app::right::sys::A -> app::left::sys::A \
             (help: each actor on the cycle waits for the next, so none can answer: make one of \
             these calls a cast (`casts` instead of `calls`, `casts(..)` with the macros), or \
             move the shared work into an actor that calls none of them)"
        );
    }

    // The same shape, but Cart2's mailbox does not block: the cast back is not an edge.
    static SHOP2: System = System::new("app::shop2", 1);
    static BILLING2: System = System::new("app::billing2", 1);
    static CART2: Node = Node::in_system(&SHOP2, 0, "Cart", false, &[&LEDGER2], &[]);
    static LEDGER2: Node = Node::in_system(&BILLING2, 0, "Ledger", true, &[], &[&CART2]);
    const _: () = assert_acyclic_in::<1, 8>(&SHOP2, &[&CART2]);
    const _: () = assert_acyclic_in::<1, 8>(&BILLING2, &[&LEDGER2]);

    #[test]
    fn a_cast_into_a_non_blocking_mailbox_is_not_an_edge() {
        assert!(has_edge(&LEDGER2, &CART2));
        assert!(!CART2.blocking);
    }

    #[test]
    fn nodes_of_different_systems_with_the_same_id_differ() {
        assert!(!CART.same(&LEDGER));
        assert!(has_edge(&CART, &LEDGER));
        assert!(!has_edge(&CART, &CART2));
        assert!(CART.same(&CART));
    }

    #[test]
    fn the_single_system_check_refuses_foreign_edges() {
        let msg = failure(|| assert_acyclic(&[&CART, &STOCK]));
        assert!(
            msg.contains("`Cart` has an edge to `Ledger`, which is not among"),
            "{msg}"
        );
    }

    #[test]
    fn a_walk_beyond_its_capacity_says_so() {
        let msg = failure(|| assert_acyclic_in::<2, 2>(&SHOP, &[&CART, &STOCK]));
        assert!(msg.contains("beyond the walk's capacity"), "{msg}");
    }

    // A three-system cycle, each system reached once: a -> b -> c -> a.
    static SA: System = System::new("x::a", 1);
    static SB: System = System::new("x::b", 1);
    static SC: System = System::new("x::c", 1);
    static NA: Node = Node::in_system(&SA, 0, "A", true, &[&NB], &[]);
    static NB: Node = Node::in_system(&SB, 0, "B", true, &[&NC], &[]);
    static NC: Node = Node::in_system(&SC, 0, "C", true, &[&NA], &[]);

    #[test]
    fn a_three_system_cycle_is_named() {
        let msg = failure(|| assert_acyclic_in::<1, 8>(&SB, &[&NB]));
        assert!(
            msg.starts_with("synchronous call cycle: b::B -> c::C -> a::A -> b::B"),
            "{msg}"
        );
    }

    // Across cluster nodes: rooms::Lobby calls journal::Writer (a remote actor of node
    // `journal`), which calls rooms::Lobby back (a remote actor of node `rooms`).
    static ROOMS: System = System::new("x::rooms", 1);
    static JOURNAL: System = System::new("x::journal", 1);
    static LOBBY: Node = Node::in_system(&ROOMS, 0, "Lobby", true, &[&WRITER_ON_JOURNAL], &[]);
    static WRITER_ON_JOURNAL: Node = Node::on_node(&WRITER, "journal");
    static WRITER: Node = Node::in_system(&JOURNAL, 0, "Writer", true, &[&LOBBY_ON_ROOMS], &[]);
    static LOBBY_ON_ROOMS: Node = Node::on_node(&LOBBY, "rooms");

    #[test]
    fn a_cycle_across_cluster_nodes_names_the_nodes() {
        assert!(WRITER_ON_JOURNAL.same(&WRITER) && has_edge(&LOBBY, &WRITER));
        let msg = failure(|| assert_acyclic_in::<1, 8>(&ROOMS, &[&LOBBY]));
        assert!(
            msg.starts_with(
                "synchronous call cycle: rooms::Lobby -> journal::Writer@journal -> rooms::Lobby@rooms"
            ),
            "{msg}"
        );
    }

    #[test]
    fn short_names_are_the_last_path_segment() {
        assert_eq!(SHOP.short_name(), "shop");
        assert_eq!(System::new("top", 0).short_name(), "top");
    }

    static SELF: Node = Node::new(0, "Selfish", &[&SELF]);

    #[test]
    fn a_self_call_is_a_cycle() {
        let err = std::panic::catch_unwind(|| assert_acyclic(&[&SELF])).unwrap_err();
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("Selfish -> Selfish"), "{msg}");
    }
}
