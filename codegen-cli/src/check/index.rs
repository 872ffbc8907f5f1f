//! Lookup tables built once per check: names to items, and the supervision
//! trees flattened into start sites in start order. Every pass reads these
//! instead of searching the spec, which keeps the analysis linear.

use crate::check::fx::FxMap;

use crate::model::{
    Actor, Child, ChildKind, DynamicSupervisor, Ident, Protocol, Spec, Supervisor, Template, Worker,
};
use crate::source::Span;

/// The kinds of item that share the one namespace of type names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Protocol,
    Actor,
    ExternActor,
    Supervisor,
    DynamicSupervisor,
    TaskSupervisor,
    Registry,
    App,
}

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Protocol => "a protocol",
            Kind::Actor => "an actor",
            Kind::ExternActor => "an extern actor",
            Kind::Supervisor => "a supervisor",
            Kind::DynamicSupervisor => "a dynamic supervisor",
            Kind::TaskSupervisor => "a task supervisor",
            Kind::Registry => "a registry",
            Kind::App => "an app",
        }
    }
}

/// The first declaration of a name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Named<'a> {
    pub kind: Kind,
    pub name: &'a Ident,
    /// Whether it is a top-level supervisor (an app's root must be one).
    pub top_level: bool,
}

/// A supervisor of either kind, anywhere in a tree.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SupRef<'a> {
    Static(&'a Supervisor),
    Dynamic(&'a DynamicSupervisor),
}

/// Where an actor instance is started.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Site<'a> {
    /// `child ID actor=…`.
    Worker(&'a Child, &'a Worker),
    /// A dynamic supervisor's template (instances start at run time).
    Template(&'a DynamicSupervisor, &'a Template),
}

impl Site<'_> {
    pub fn span(&self) -> Span {
        match self {
            Site::Worker(c, _) => c.span,
            Site::Template(_, t) => t.span,
        }
    }
}

/// One start site of an actor.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Start<'a> {
    pub actor: &'a Ident,
    /// Index of the top-level supervisor whose tree it is in.
    pub tree: usize,
    /// Position in the tree's start order (depth-first, children in order);
    /// a template has its dynamic supervisor's position.
    pub order: usize,
    pub site: Site<'a>,
}

impl Start<'_> {
    pub fn is_dynamic(&self) -> bool {
        matches!(self.site, Site::Template(..))
    }
}

pub(crate) struct Index<'a> {
    pub spec: &'a Spec,
    pub names: FxMap<&'a str, Named<'a>>,
    /// Name → position in `spec.actors` (the first declaration).
    pub actors: FxMap<&'a str, usize>,
    pub protocols: FxMap<&'a str, &'a Protocol>,
    /// Every supervisor, depth-first.
    pub supervisors: Vec<SupRef<'a>>,
    /// Every start site, tree by tree in start order.
    pub starts: Vec<Start<'a>>,
    /// Names declared again: (first declaration, repeat).
    pub duplicates: Vec<(Named<'a>, Named<'a>)>,
    /// Actor name → positions in `starts`.
    pub starts_of: FxMap<&'a str, Vec<usize>>,
}

impl<'a> Index<'a> {
    pub fn new(spec: &'a Spec) -> Self {
        let mut index = Index {
            spec,
            names: FxMap::default(),
            actors: FxMap::default(),
            protocols: FxMap::default(),
            supervisors: Vec::new(),
            starts: Vec::new(),
            starts_of: FxMap::default(),
            duplicates: Vec::new(),
        };
        let named = |kind, name, top_level| Named {
            kind,
            name,
            top_level,
        };
        let mut all: Vec<Named<'a>> = Vec::new();
        for p in &spec.protocols {
            index.protocols.entry(p.name.as_str()).or_insert(p);
            all.push(named(Kind::Protocol, &p.name, false));
        }
        for (i, a) in spec.actors.iter().enumerate() {
            index.actors.entry(a.name.as_str()).or_insert(i);
            all.push(named(Kind::Actor, &a.name, false));
        }
        for e in &spec.externs {
            all.push(named(Kind::ExternActor, &e.name, false));
        }
        for (tree, sup) in spec.supervisors.iter().enumerate() {
            all.push(named(Kind::Supervisor, &sup.name, true));
            let mut order = 0;
            index.walk(sup, tree, &mut order, &mut all);
        }
        for app in &spec.apps {
            all.push(named(Kind::App, &app.name, false));
        }
        for (i, s) in index.starts.iter().enumerate() {
            index.starts_of.entry(s.actor.as_str()).or_default().push(i);
        }
        // "First" means first in the text, whatever the kind.
        all.sort_by_key(|n| n.name.span());
        for n in all {
            match index.names.get(n.name.as_str()) {
                Some(first) => index.duplicates.push((*first, n)),
                None => {
                    index.names.insert(n.name.as_str(), n);
                }
            }
        }
        index
    }

    fn walk(
        &mut self,
        sup: &'a Supervisor,
        tree: usize,
        order: &mut usize,
        all: &mut Vec<Named<'a>>,
    ) {
        self.supervisors.push(SupRef::Static(sup));
        *order += 1;
        for child in &sup.children {
            let here = *order;
            *order += 1;
            let named = |kind, name| Named {
                kind,
                name,
                top_level: false,
            };
            match &child.kind {
                ChildKind::Worker(w) => self.starts.push(Start {
                    actor: &w.actor,
                    tree,
                    order: here,
                    site: Site::Worker(child, w),
                }),
                ChildKind::Supervisor(s) => {
                    all.push(named(Kind::Supervisor, &s.name));
                    self.walk(s, tree, order, all);
                }
                ChildKind::DynamicSupervisor(d) => {
                    all.push(named(Kind::DynamicSupervisor, &d.name));
                    self.supervisors.push(SupRef::Dynamic(d));
                    self.starts.push(Start {
                        actor: &d.template.actor,
                        tree,
                        order: here,
                        site: Site::Template(d, &d.template),
                    });
                }
                ChildKind::TaskSupervisor(t) => all.push(named(Kind::TaskSupervisor, &t.name)),
                ChildKind::Registry(r) => all.push(named(Kind::Registry, &r.name)),
            }
        }
    }

    /// The actor with this name.
    pub fn actor(&self, name: &str) -> Option<&'a Actor> {
        self.actors.get(name).map(|&i| &self.spec.actors[i])
    }

    /// The protocols an actor serves that exist (each once).
    pub fn served(&self, actor: &'a Actor) -> Vec<&'a Protocol> {
        let mut out: Vec<&'a Protocol> = Vec::new();
        for p in &actor.serves {
            if let Some(&proto) = self.protocols.get(p.as_str())
                && !out.iter().any(|q| std::ptr::eq(*q, proto))
            {
                out.push(proto);
            }
        }
        out
    }

    /// Whether an actor serves at least one call.
    pub fn serves_calls(&self, actor: &'a Actor) -> bool {
        self.served(actor)
            .iter()
            .any(|p| p.messages.iter().any(|m| m.is_call()))
    }

    /// Names of every item of a kind, for suggestions.
    pub fn names_of(&self, kind: Kind) -> Vec<&'a str> {
        self.names
            .iter()
            .filter(|(_, n)| n.kind == kind)
            .map(|(k, _)| *k)
            .collect()
    }
}

/// The actors started anywhere under a child (itself, for a worker).
pub(crate) fn actors_under(child: &Child) -> Vec<&Ident> {
    let mut out = Vec::new();
    let mut stack = vec![child];
    while let Some(c) = stack.pop() {
        match &c.kind {
            ChildKind::Worker(w) => out.push(&w.actor),
            ChildKind::DynamicSupervisor(d) => out.push(&d.template.actor),
            ChildKind::Supervisor(s) => stack.extend(s.children.iter()),
            ChildKind::TaskSupervisor(_) | ChildKind::Registry(_) => {}
        }
    }
    out
}
