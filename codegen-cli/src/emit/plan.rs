//! What the emitters need to know about a spec beyond its items: the
//! supervision trees flattened into nodes with paths, where each actor type is
//! started, which tree an actor lives in, and how each declared dependency
//! resolves there.

use std::collections::{HashMap, HashSet};

use super::names::snake;
use crate::model::{
    Actor, Child, ChildKind, DynamicSupervisor, ExternActor, Ident, Registry, Spec, Supervisor,
    TaskSupervisor, Worker,
};

/// One supervision tree: a top-level supervisor and everything under it.
pub(crate) struct Tree<'a> {
    /// Nodes in start order (depth first); node 0 is the root.
    pub nodes: Vec<Node<'a>>,
}

impl<'a> Tree<'a> {
    /// The root supervisor.
    pub fn root(&self) -> &'a Supervisor {
        match self.nodes[0].kind {
            NodeKind::Supervisor(s) => s,
            _ => unreachable!("node 0 is the root supervisor"),
        }
    }

    /// The children of a static supervisor node, in start order.
    pub fn children(&self, sup: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(move |&i| self.nodes[i].parent == Some(sup))
    }

    /// The nearest task supervisor visible from the children of supervisor
    /// node `sup`: one of its own children, else one of its ancestors'.
    pub fn tasks_near(&self, sup: usize) -> Option<usize> {
        let mut at = Some(sup);
        while let Some(s) = at {
            if let Some(t) = self
                .children(s)
                .find(|&c| matches!(self.nodes[c].kind, NodeKind::Tasks(_)))
            {
                return Some(t);
            }
            at = self.nodes[s].parent;
        }
        None
    }

    /// The registries of the tree.
    pub fn registries(&self) -> impl Iterator<Item = &'a Registry> + '_ {
        self.nodes.iter().filter_map(|n| match n.kind {
            NodeKind::Registry(r) => Some(r),
            _ => None,
        })
    }
}

/// A node of a tree.
pub(crate) struct Node<'a> {
    /// Child ids from the root, joined by `/` (`""` for the root).
    pub path: String,
    /// The static supervisor it is a child of (`None` for the root).
    pub parent: Option<usize>,
    /// Its child spec (`None` for the root).
    pub child: Option<&'a Child>,
    /// What it is.
    pub kind: NodeKind<'a>,
}

/// What a node is.
#[derive(Clone, Copy)]
pub(crate) enum NodeKind<'a> {
    Supervisor(&'a Supervisor),
    Worker(&'a Worker),
    Dynamic(&'a DynamicSupervisor),
    Tasks(&'a TaskSupervisor),
    Registry(&'a Registry),
}

/// How a declared dependency resolves in the dependent's scope.
pub(crate) enum Resolution {
    /// Exactly one static instance: (tree, node).
    Single(usize, usize),
    /// No instance at all.
    Missing,
    /// Several instances, or dynamic ones: named static instances (tree,
    /// node, name) and dynamic supervisors hosting it (tree, node, name).
    Many {
        statics: Vec<(usize, usize, String)>,
        dynamics: Vec<(usize, usize, String)>,
    },
}

/// Everything derived from the spec, computed once.
pub(crate) struct Plan<'a> {
    pub spec: &'a Spec,
    pub trees: Vec<Tree<'a>>,
    /// Actor name → its index in `spec.actors` (its static graph node id).
    pub actor_ids: HashMap<&'a str, usize>,
}

impl<'a> Plan<'a> {
    pub fn new(spec: &'a Spec) -> Plan<'a> {
        let trees = spec
            .supervisors
            .iter()
            .map(|root| {
                let mut nodes = vec![Node {
                    path: String::new(),
                    parent: None,
                    child: None,
                    kind: NodeKind::Supervisor(root),
                }];
                flatten(root, 0, "", &mut nodes);
                Tree { nodes }
            })
            .collect();
        let mut actor_ids = HashMap::new();
        for (i, a) in spec.actors.iter().enumerate() {
            actor_ids.entry(a.name.as_str()).or_insert(i);
        }
        Plan {
            spec,
            trees,
            actor_ids,
        }
    }

    /// Trees that start `actor` (statically or from a dynamic template).
    pub fn trees_of(&self, actor: &str) -> Vec<usize> {
        let mut out = Vec::new();
        for (t, tree) in self.trees.iter().enumerate() {
            let here = tree.nodes.iter().any(|n| match n.kind {
                NodeKind::Worker(w) => w.actor.as_str() == actor,
                NodeKind::Dynamic(d) => d.template.actor.as_str() == actor,
                _ => false,
            });
            if here {
                out.push(t);
            }
        }
        out
    }

    /// The one tree an actor lives in, if it lives in exactly one.
    pub fn home(&self, actor: &str) -> Option<usize> {
        match self.trees_of(actor).as_slice() {
            [t] => Some(*t),
            _ => None,
        }
    }

    /// The edges of `actor`'s static graph node: the actors (local or extern) it calls, and
    /// those it only casts to, each once, in declaration order. Whether a cast can make it
    /// wait is decided by the compile-time walk, from the target's mailbox.
    pub fn node_edges(&self, actor: &'a Actor) -> (Vec<&'a Ident>, Vec<&'a Ident>) {
        let known = |t: &Ident| {
            self.actor_ids.contains_key(t.as_str()) || self.spec.extern_actor(t.as_str()).is_some()
        };
        let mut seen = HashSet::new();
        let mut calls = Vec::new();
        for d in &actor.calls {
            if known(&d.target) && seen.insert(d.target.as_str()) {
                calls.push(&d.target);
            }
        }
        let mut casts = Vec::new();
        for d in &actor.casts {
            if known(&d.target) && seen.insert(d.target.as_str()) {
                casts.push(&d.target);
            }
        }
        (calls, casts)
    }

    /// The extern actors of this process the actors living in tree `t` depend on, each once,
    /// in declaration order: what that tree's `start` takes. (Remote ones are reached through
    /// a node: see `remote::remotes_of_tree`.)
    pub fn externs_of_tree(&self, t: usize) -> Vec<&'a ExternActor> {
        let mut out: Vec<&'a ExternActor> = Vec::new();
        for e in self.spec.externs.iter().filter(|e| e.remote.is_none()) {
            let used = self.spec.actors.iter().any(|a| {
                self.home(a.name.as_str()) == Some(t)
                    && a.calls
                        .iter()
                        .chain(&a.casts)
                        .any(|d| d.target.as_str() == e.name.as_str())
            });
            if used && !out.iter().any(|o| o.name.as_str() == e.name.as_str()) {
                out.push(e);
            }
        }
        out
    }

    /// The declared dependencies of `actor`: each target once, with whether
    /// it is called (`true`) or only cast to.
    pub fn dependencies(&self, actor: &'a Actor) -> Vec<(&'a Ident, bool)> {
        let called: HashSet<&str> = actor.calls.iter().map(|d| d.target.as_str()).collect();
        let mut seen = HashSet::new();
        actor
            .calls
            .iter()
            .chain(&actor.casts)
            .filter(|d| seen.insert(d.target.as_str()))
            .map(|d| (&d.target, called.contains(d.target.as_str())))
            .collect()
    }

    /// How `target` resolves for an actor living in `home` (or anywhere).
    pub fn resolve(&self, home: Option<usize>, target: &str) -> Resolution {
        let mut statics = Vec::new();
        let mut dynamics = Vec::new();
        for (t, tree) in self.trees.iter().enumerate() {
            if home.is_some_and(|h| h != t) {
                continue;
            }
            for (i, n) in tree.nodes.iter().enumerate() {
                match n.kind {
                    NodeKind::Worker(w) if w.actor.as_str() == target => statics.push((t, i)),
                    NodeKind::Dynamic(d)
                        if home.is_some() && d.template.actor.as_str() == target =>
                    {
                        dynamics.push((t, i, snake(d.name.as_str())))
                    }
                    _ => {}
                }
            }
        }
        match (statics.as_slice(), dynamics.is_empty()) {
            ([], true) => Resolution::Missing,
            ([(t, i)], true) => Resolution::Single(*t, *i),
            _ => {
                let statics = self.name_instances(&statics);
                Resolution::Many { statics, dynamics }
            }
        }
    }

    /// Short unique names for static instances: the child id, else the
    /// parent's name and the id, else the whole path.
    fn name_instances(&self, nodes: &[(usize, usize)]) -> Vec<(usize, usize, String)> {
        let by = |f: &dyn Fn(usize, usize) -> String| -> Option<Vec<String>> {
            let names: Vec<String> = nodes.iter().map(|&(t, i)| f(t, i)).collect();
            let unique: HashSet<&String> = names.iter().collect();
            (unique.len() == names.len()).then_some(names)
        };
        let id =
            |t: usize, i: usize| snake(self.trees[t].nodes[i].child.map_or("", |c| c.id.as_str()));
        let parent_and_id = |t: usize, i: usize| {
            let tree = &self.trees[t];
            let parent = tree.nodes[i]
                .parent
                .map_or(String::new(), |p| match tree.nodes[p].kind {
                    NodeKind::Supervisor(s) => snake(s.name.as_str()),
                    _ => String::new(),
                });
            format!("{parent}_{}", id(t, i))
        };
        let path = |t: usize, i: usize| {
            self.trees[t].nodes[i]
                .path
                .split('/')
                .map(snake)
                .collect::<Vec<_>>()
                .join("_")
        };
        let names = by(&id)
            .or_else(|| by(&parent_and_id))
            .unwrap_or_else(|| nodes.iter().map(|&(t, i)| path(t, i)).collect());
        nodes
            .iter()
            .zip(names)
            .map(|(&(t, i), n)| (t, i, n))
            .collect()
    }

    /// Every static supervisor: (tree, node, supervisor).
    pub fn static_supervisors(&self) -> Vec<(usize, usize, &'a Supervisor)> {
        let mut out = Vec::new();
        for (t, tree) in self.trees.iter().enumerate() {
            for (i, n) in tree.nodes.iter().enumerate() {
                if let NodeKind::Supervisor(s) = n.kind {
                    out.push((t, i, s));
                }
            }
        }
        out
    }

    /// Every dynamic supervisor: (tree, node, supervisor).
    pub fn dynamic_supervisors(&self) -> Vec<(usize, usize, &'a DynamicSupervisor)> {
        let mut out = Vec::new();
        for (t, tree) in self.trees.iter().enumerate() {
            for (i, n) in tree.nodes.iter().enumerate() {
                if let NodeKind::Dynamic(d) = n.kind {
                    out.push((t, i, d));
                }
            }
        }
        out
    }
}

fn flatten<'a>(sup: &'a Supervisor, me: usize, prefix: &str, nodes: &mut Vec<Node<'a>>) {
    for child in &sup.children {
        let path = if prefix.is_empty() {
            child.id.as_str().to_owned()
        } else {
            format!("{prefix}/{}", child.id)
        };
        let kind = match &child.kind {
            ChildKind::Worker(w) => NodeKind::Worker(w),
            ChildKind::Supervisor(s) => NodeKind::Supervisor(s),
            ChildKind::DynamicSupervisor(d) => NodeKind::Dynamic(d),
            ChildKind::TaskSupervisor(t) => NodeKind::Tasks(t),
            ChildKind::Registry(r) => NodeKind::Registry(r),
        };
        let index = nodes.len();
        nodes.push(Node {
            path: path.clone(),
            parent: Some(me),
            child: Some(child),
            kind,
        });
        if let ChildKind::Supervisor(s) = &child.kind {
            flatten(s, index, &path, nodes);
        }
    }
}
