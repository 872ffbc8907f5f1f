//! Pictures of a spec: the supervision trees and the call graph, as Graphviz
//! DOT or as Mermaid.
//!
//! Both outputs hold the same two parts. The tree: apps → supervisors →
//! children (workers show `id: Actor`; a dynamic supervisor shows its
//! template). The call graph: one node per actor, `calls` as solid arrows,
//! `casts` as dashed ones (marked when the target's mailbox blocks, which
//! makes the cast synchronous), and every edge on a synchronous cycle in red.
//! An extern actor (of another system) is a node labelled with its path; its
//! own edges are in its system's picture.

use crate::check::fx::{FxMap, FxSet};
use std::fmt::Write;

use crate::check::cycles;
use crate::model::{ChildKind, During, Keys, Spec, Strategy, Supervisor};

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Graphviz.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
}

/// Renders `spec` in `format`.
pub fn render(spec: &Spec, format: Format) -> String {
    let g = Picture::new(spec);
    match format {
        Format::Dot => g.dot(),
        Format::Mermaid => g.mermaid(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    App,
    Supervisor,
    Worker,
    Template,
    Service,
    Actor,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Line {
    Tree,
    Call,
    Cast,
}

struct Node {
    id: String,
    label: String,
    shape: Shape,
}

struct Edge {
    from: String,
    to: String,
    line: Line,
    label: String,
    on_cycle: bool,
}

/// Nodes and edges in a format-neutral form.
struct Picture {
    tree_nodes: Vec<Node>,
    tree_edges: Vec<Edge>,
    actor_nodes: Vec<Node>,
    call_edges: Vec<Edge>,
}

fn strategy(s: Strategy) -> &'static str {
    match s {
        Strategy::OneForOne => "one_for_one",
        Strategy::OneForAll => "one_for_all",
        Strategy::RestForOne => "rest_for_one",
    }
}

impl Picture {
    fn new(spec: &Spec) -> Picture {
        let mut p = Picture {
            tree_nodes: Vec::new(),
            tree_edges: Vec::new(),
            actor_nodes: Vec::new(),
            call_edges: Vec::new(),
        };
        let mut roots = Vec::new();
        for sup in &spec.supervisors {
            roots.push((sup.name.as_str(), p.supervisor(sup)));
        }
        for (i, app) in spec.apps.iter().enumerate() {
            let id = format!("app{i}");
            p.tree_nodes.push(Node {
                id: id.clone(),
                label: format!("app {}", app.name),
                shape: Shape::App,
            });
            if let Some((_, root)) = roots.iter().find(|(n, _)| *n == app.root.as_str()) {
                p.tree_edge(&id, root);
            }
        }
        p.calls(spec);
        p
    }

    fn tree_edge(&mut self, from: &str, to: &str) {
        self.tree_edges.push(Edge {
            from: from.to_owned(),
            to: to.to_owned(),
            line: Line::Tree,
            label: String::new(),
            on_cycle: false,
        });
    }

    fn tree_node(&mut self, label: String, shape: Shape) -> String {
        let id = format!("t{}", self.tree_nodes.len());
        self.tree_nodes.push(Node {
            id: id.clone(),
            label,
            shape,
        });
        id
    }

    /// Adds a supervisor and everything under it; returns its node id.
    fn supervisor(&mut self, sup: &Supervisor) -> String {
        let id = self.tree_node(
            format!("{}\n{}", sup.name, strategy(sup.strategy.value)),
            Shape::Supervisor,
        );
        for child in &sup.children {
            let child_id = match &child.kind {
                ChildKind::Worker(w) => {
                    self.tree_node(format!("{}: {}", child.id, w.actor), Shape::Worker)
                }
                ChildKind::Supervisor(s) => self.supervisor(s),
                ChildKind::DynamicSupervisor(d) => {
                    let limit = d
                        .max_children
                        .map_or(String::new(), |m| format!(", max {}", m.value));
                    let dyn_id =
                        self.tree_node(format!("{}\ndynamic{limit}", d.name), Shape::Supervisor);
                    let t = self.tree_node(format!("{} (each)", d.template.actor), Shape::Template);
                    self.tree_edge(&dyn_id, &t);
                    dyn_id
                }
                ChildKind::TaskSupervisor(t) => {
                    self.tree_node(format!("{}\ntask supervisor", t.name), Shape::Service)
                }
                ChildKind::Registry(r) => {
                    let keys = match r.keys.value {
                        Keys::Unique => "unique",
                        Keys::Duplicate => "duplicate",
                    };
                    self.tree_node(format!("{}\nregistry, {keys} keys", r.name), Shape::Service)
                }
            };
            self.tree_edge(&id, &child_id);
        }
        id
    }

    fn calls(&mut self, spec: &Spec) {
        let found = cycles::find(spec);
        let on_cycle: FxSet<(usize, usize)> = found
            .cycles
            .iter()
            .flat_map(|c| c.edges.iter().map(|e| (e.from, e.to)))
            .collect();
        let index: FxMap<&str, usize> = spec
            .actors
            .iter()
            .enumerate()
            .rev()
            .map(|(i, a)| (a.name.as_str(), i))
            .collect();
        for (i, a) in spec.actors.iter().enumerate() {
            self.actor_nodes.push(Node {
                id: format!("a{i}"),
                label: a.name.to_string(),
                shape: Shape::Actor,
            });
        }
        // Extern actors: nodes of other systems, whose own edges this spec does not know.
        let mut externs: FxMap<&str, usize> = FxMap::default();
        for (k, e) in spec.externs.iter().enumerate() {
            if index.contains_key(e.name.as_str()) || externs.contains_key(e.name.as_str()) {
                continue;
            }
            externs.insert(e.name.as_str(), k);
            self.actor_nodes.push(Node {
                id: format!("x{k}"),
                label: format!("{} (extern: {})", e.name, e.path.tokens()),
                shape: Shape::Actor,
            });
        }
        for (i, a) in spec.actors.iter().enumerate() {
            for (deps, line) in [(&a.calls, Line::Call), (&a.casts, Line::Cast)] {
                for dep in deps {
                    // An extern actor's mailbox is not in this spec: its casts are drawn plain.
                    let (to, local) = if let Some(&k) = externs.get(dep.target.as_str()) {
                        (format!("x{k}"), None)
                    } else if let Some(&j) = index.get(dep.target.as_str()) {
                        (format!("a{j}"), Some(j))
                    } else {
                        continue;
                    };
                    let blocking = line == Line::Cast
                        && local.is_some_and(|j| spec.actors[j].mailbox.blocks_sender());
                    let label = match (line, dep.during, blocking) {
                        (Line::Call, During::Init, _) => "calls (init)",
                        (Line::Call, _, _) => "calls",
                        (_, _, true) => "casts (blocks)",
                        _ => "casts",
                    };
                    let synchronous = line == Line::Call || blocking;
                    self.call_edges.push(Edge {
                        from: format!("a{i}"),
                        to,
                        line,
                        label: label.to_owned(),
                        on_cycle: synchronous && local.is_some_and(|j| on_cycle.contains(&(i, j))),
                    });
                }
            }
        }
    }

    fn dot(&self) -> String {
        let mut out = String::from(
            "digraph arbor {\n  compound=true;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
        );
        let _ = writeln!(
            out,
            "  subgraph cluster_tree {{\n    label=\"supervision tree\";"
        );
        for n in &self.tree_nodes {
            dot_node(&mut out, n);
        }
        for e in &self.tree_edges {
            let _ = writeln!(out, "    {} -> {};", e.from, e.to);
        }
        out.push_str("  }\n");
        let _ = writeln!(
            out,
            "  subgraph cluster_calls {{\n    label=\"call graph\";"
        );
        for n in &self.actor_nodes {
            dot_node(&mut out, n);
        }
        for e in &self.call_edges {
            let style = if e.line == Line::Cast {
                "dashed"
            } else {
                "solid"
            };
            let color = if e.on_cycle {
                ", color=red, fontcolor=red, penwidth=2"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "    {} -> {} [label=\"{}\", style={style}{color}];",
                e.from,
                e.to,
                dot_escape(&e.label)
            );
        }
        out.push_str("  }\n}\n");
        out
    }

    fn mermaid(&self) -> String {
        let mut out = String::from("flowchart TB\n  subgraph tree [\"supervision tree\"]\n");
        for n in &self.tree_nodes {
            mermaid_node(&mut out, n);
        }
        let mut links = 0usize;
        for e in &self.tree_edges {
            let _ = writeln!(out, "    {} --> {}", e.from, e.to);
            links += 1;
        }
        out.push_str("  end\n  subgraph calls [\"call graph\"]\n");
        for n in &self.actor_nodes {
            mermaid_node(&mut out, n);
        }
        let mut red = Vec::new();
        for e in &self.call_edges {
            let arrow = if e.line == Line::Cast { "-.->" } else { "-->" };
            let _ = writeln!(
                out,
                "    {} {arrow}|\"{}\"| {}",
                e.from,
                mermaid_escape(&e.label),
                e.to
            );
            if e.on_cycle {
                red.push(links.to_string());
            }
            links += 1;
        }
        out.push_str("  end\n");
        if !red.is_empty() {
            let _ = writeln!(
                out,
                "  linkStyle {} stroke:red,stroke-width:3px",
                red.join(",")
            );
        }
        out
    }
}

fn dot_node(out: &mut String, n: &Node) {
    let shape = match n.shape {
        Shape::App => "shape=house",
        Shape::Supervisor => "shape=box, style=rounded",
        Shape::Worker => "shape=ellipse",
        Shape::Template => "shape=ellipse, style=dashed",
        Shape::Service => "shape=component",
        Shape::Actor => "shape=box",
    };
    let _ = writeln!(
        out,
        "    {} [label=\"{}\", {shape}];",
        n.id,
        dot_escape(&n.label)
    );
}

fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}

fn mermaid_node(out: &mut String, n: &Node) {
    let (open, close) = match n.shape {
        Shape::App => ("[/", "\\]"),
        Shape::Supervisor => ("(", ")"),
        Shape::Worker | Shape::Template => ("([", "])"),
        Shape::Service => ("[[", "]]"),
        Shape::Actor => ("[", "]"),
    };
    let _ = writeln!(
        out,
        "    {}{open}\"{}\"{close}",
        n.id,
        mermaid_escape(&n.label)
    );
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('\n', "<br/>")
}
