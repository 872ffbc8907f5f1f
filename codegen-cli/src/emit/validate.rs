//! What the emitter refuses beyond the analysis: names that would clash once
//! turned into Rust items, and specs the generated API cannot express.

use std::collections::{HashMap, HashSet};

use syn::visit::Visit;

use super::codes;
use super::names::{camel, safe, snake};
use super::plan::{NodeKind, Plan, Resolution};
use crate::diagnostics::Diagnostic;
use crate::model::{Actor, Ident, RustType};
use crate::source::Span;

/// Names the protocol modules define.
const PROTOCOL_ITEMS: &[&str] = &[
    "Call",
    "Cast",
    "Info",
    "Handler",
    "Client",
    "Caster",
    "ArborWire",
    "ArborWireCheck",
];
/// Names the actor modules define (besides the actor itself and `…Instances`).
const ACTOR_ITEMS: &[&str] = &[
    "State", "Args", "Start", "Deps", "Ctx", "Call", "Cast", "Info", "Client", "Caster", "NODE",
    "MAILBOX",
];
/// Methods of the generated clients.
const CLIENT_METHODS: &[&str] = &["new", "target", "with_timeout", "timeout", "deref"];
/// Methods of the generated contexts.
const CTX_METHODS: &[&str] = &[
    "myself",
    "client",
    "id",
    "cell",
    "stop",
    "send_after",
    "send_self",
    "handled",
    "tasks",
];
/// Methods of the generated supervisor handles.
const HANDLE_METHODS: &[&str] = &[
    "supervisor",
    "tree",
    "snapshot",
    "shutdown",
    "wait",
    "new",
    "cell",
];

pub(crate) fn run(plan: &Plan<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    modules(plan, &mut out);
    for p in &plan.spec.protocols {
        let mut variants: HashMap<String, &Ident> = HashMap::new();
        for m in &p.messages {
            let v = camel(m.name.as_str());
            if let Some(first) = variants.insert(v.clone(), &m.name) {
                out.push(clash(
                    format!(
                        "messages `{first}` and `{}` of protocol `{}` both become variant `{v}`",
                        m.name, p.name
                    ),
                    m.name.span(),
                    first.span(),
                ));
            }
            if CLIENT_METHODS.contains(&m.name.as_str()) {
                out.push(
                    Diagnostic::error(
                        codes::NAME_CLASH,
                        format!(
                            "message `{}` would clash with the client method `{}`",
                            m.name, m.name
                        ),
                    )
                    .with_label(m.name.span(), "reserved by the generated client")
                    .with_help(format!(
                        "rename the message; {} are reserved",
                        list(CLIENT_METHODS)
                    )),
                );
            }
            for a in &m.args {
                if matches!(a.name.as_str(), "reply_to" | "ctx")
                    || a.name.as_str().starts_with("__")
                {
                    out.push(
                        Diagnostic::error(
                            codes::NAME_CLASH,
                            format!("argument `{}` would clash with a name the generated code uses", a.name),
                        )
                        .with_label(a.name.span(), "reserved")
                        .with_help("rename the argument: `reply_to`, `ctx` and names starting with `__` are reserved"),
                    );
                }
                types(
                    &a.ty,
                    PROTOCOL_ITEMS,
                    &format!("protocol `{}`", p.name),
                    &mut out,
                );
            }
            if let crate::model::MessageKind::Call { reply, .. } = &m.kind {
                types(
                    reply,
                    PROTOCOL_ITEMS,
                    &format!("protocol `{}`", p.name),
                    &mut out,
                );
            }
        }
    }
    deferral(plan, &mut out);
    for a in &plan.spec.actors {
        actor(plan, a, &mut out);
    }
    supervisors(plan, &mut out);
    out
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn clash(message: String, here: Span, first: Span) -> Diagnostic {
    Diagnostic::error(codes::NAME_CLASH, message)
        .with_label(here, "this one")
        .with_label(first, "clashes with this one")
        .with_help("rename one of them")
}

/// Every item becomes a module named in snake_case: they must stay distinct.
fn modules(plan: &Plan<'_>, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<String, &Ident> = HashMap::new();
    let spec = plan.spec;
    let mut names: Vec<&Ident> = Vec::new();
    names.extend(spec.protocols.iter().map(|p| &p.name));
    names.extend(spec.actors.iter().map(|a| &a.name));
    names.extend(
        plan.static_supervisors()
            .into_iter()
            .map(|(_, _, s)| &s.name),
    );
    names.extend(
        plan.dynamic_supervisors()
            .into_iter()
            .map(|(_, _, d)| &d.name),
    );
    names.extend(spec.apps.iter().map(|a| &a.name));
    for name in names {
        let m = safe(snake(name.as_str()));
        match seen.get(&m) {
            Some(first) if first.as_str() != name.as_str() => out.push(clash(
                format!("`{first}` and `{name}` both become module `{m}`"),
                name.span(),
                first.span(),
            )),
            Some(_) => {}
            None => {
                seen.insert(m, name);
            }
        }
    }
}

/// Collects the first segment of every path in a type.
struct FirstSegments(Vec<String>);

impl<'ast> Visit<'ast> for FirstSegments {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        if p.leading_colon.is_none()
            && let Some(first) = p.segments.first()
        {
            self.0.push(first.ident.to_string());
        }
        syn::visit::visit_path(self, p);
    }
}

fn types(ty: &RustType, reserved: &[&str], scope: &str, out: &mut Vec<Diagnostic>) {
    let mut v = FirstSegments(Vec::new());
    v.visit_type(ty.syn());
    for name in v.0 {
        if reserved.contains(&name.as_str()) {
            out.push(
                Diagnostic::error(
                    codes::NAME_CLASH,
                    format!("type `{ty}` names `{name}`, which the code generated for {scope} defines too"),
                )
                .with_label(ty.span(), "resolved in the generated module")
                .with_help(format!(
                    "write the path in full (`crate::…::{name}`) or rename the type; the generated \
                     module defines {}",
                    list(reserved)
                )),
            );
        }
    }
}

/// A protocol's handler trait has one signature per call: every actor that
/// serves the protocol must defer a call, or none.
fn deferral(plan: &Plan<'_>, out: &mut Vec<Diagnostic>) {
    for p in &plan.spec.protocols {
        for m in p.messages.iter().filter(|m| m.is_call()) {
            let servers: Vec<&Actor> = plan
                .spec
                .actors
                .iter()
                .filter(|a| a.serves.iter().any(|s| s.as_str() == p.name.as_str()))
                .collect();
            let deferring: Vec<&Actor> = servers
                .iter()
                .copied()
                .filter(|a| a.deferred.iter().any(|d| d.as_str() == m.name.as_str()))
                .collect();
            if !deferring.is_empty() && deferring.len() < servers.len() {
                let other = servers
                    .iter()
                    .find(|a| !a.deferred.iter().any(|d| d.as_str() == m.name.as_str()))
                    .map_or_else(String::new, |a| a.name.to_string());
                let d = deferring[0];
                let at = d
                    .deferred
                    .iter()
                    .find(|x| x.as_str() == m.name.as_str())
                    .map_or(d.span, Ident::span);
                out.push(
                    Diagnostic::error(
                        codes::UNSUPPORTED,
                        format!(
                            "`{}` defers call `{}` of protocol `{}`, but `{other}`, which serves it too, does not",
                            d.name, m.name, p.name
                        ),
                    )
                    .with_label(at, "deferred here")
                    .with_label(m.name.span(), "the call")
                    .with_help(
                        "a protocol's handler trait has one signature per call: defer it in every \
                         actor that serves the protocol, or in none",
                    ),
                );
            }
        }
    }
}

fn actor(plan: &Plan<'_>, a: &Actor, out: &mut Vec<Diagnostic>) {
    let name = a.name.as_str();
    let mut reserved: Vec<&str> = ACTOR_ITEMS.to_vec();
    reserved.push(name);
    let instances: Vec<String> = plan
        .dependencies(a)
        .iter()
        .map(|(t, _)| format!("{t}Instances"))
        .collect();
    reserved.extend(instances.iter().map(String::as_str));
    if let Some(state) = &a.state {
        types(state, &reserved, &format!("actor `{name}`"), out);
    }
    // Context accessors.
    let mut seen: HashMap<String, Span> = HashMap::new();
    let mut accessor = |method: String, span: Span, what: &str, out: &mut Vec<Diagnostic>| {
        if CTX_METHODS.contains(&method.as_str()) {
            out.push(
                Diagnostic::error(
                    codes::NAME_CLASH,
                    format!("{what} would become context method `{method}`, which the context already has"),
                )
                .with_label(span, "here")
                .with_help(format!("rename it; the context defines {}", list(CTX_METHODS))),
            );
        } else if let Some(first) = seen.insert(method.clone(), span) {
            out.push(clash(
                format!("two items of actor `{name}`'s context become method `{method}`"),
                span,
                first,
            ));
        }
    };
    for (target, _) in plan.dependencies(a) {
        accessor(
            safe(snake(target.as_str())),
            target.span(),
            &format!("dependency `{target}`"),
            out,
        );
        if let Resolution::Many { statics, dynamics } =
            plan.resolve(plan.home(name), target.as_str())
        {
            let mut names = HashSet::new();
            for (_, _, n) in statics.iter().chain(&dynamics) {
                if !names.insert(n.clone()) {
                    out.push(
                        Diagnostic::error(
                            codes::NAME_CLASH,
                            format!("two instances of `{target}` that `{name}` depends on are both named `{n}`"),
                        )
                        .with_label(target.span(), "this dependency")
                        .with_help("rename a child or a supervisor so their names differ"),
                    );
                }
            }
        }
    }
    let trees = plan.trees_of(name).len();
    for (target, _) in plan.dependencies(a) {
        if trees > 1 && plan.spec.extern_actor(target.as_str()).is_some() {
            out.push(
                Diagnostic::error(
                    codes::UNSUPPORTED,
                    format!(
                        "actor `{name}` depends on extern actor `{target}` but is started in \
                         {trees} trees"
                    ),
                )
                .with_label(target.span(), "an extern dependency")
                .with_label(a.name.span(), "started in several trees")
                .with_help(
                    "each tree's `start` takes the clients of the extern actors its actors use; \
                     start this actor in one tree",
                ),
            );
        }
    }
    if let Some(t) = plan.home(name) {
        for r in plan.trees[t].registries() {
            accessor(
                safe(snake(r.name.as_str())),
                r.name.span(),
                &format!("registry `{}`", r.name),
                out,
            );
        }
    }
}

fn supervisors(plan: &Plan<'_>, out: &mut Vec<Diagnostic>) {
    for (t, n, sup) in plan.static_supervisors() {
        let tree = &plan.trees[t];
        let mut seen: HashMap<String, Span> = HashMap::new();
        for c in tree.children(n) {
            let node = &tree.nodes[c];
            let Some(child) = node.child else { continue };
            let field = safe(snake(child.id.as_str()));
            if HANDLE_METHODS.contains(&field.as_str()) || field == "dir" || field == "externs" {
                out.push(
                    Diagnostic::error(
                        codes::NAME_CLASH,
                        format!("child `{}` of `{}` would become handle method `{field}`, which the handle already has", child.id, sup.name),
                    )
                    .with_label(child.id.span(), "here")
                    .with_help(format!("rename it; supervisor handles define {} (and trees `dir` and `externs`)", list(HANDLE_METHODS))),
                );
            } else if let Some(first) = seen.insert(field.clone(), child.id.span()) {
                out.push(clash(
                    format!("two children of `{}` become method `{field}`", sup.name),
                    child.id.span(),
                    first,
                ));
            }
            let _ = matches!(node.kind, NodeKind::Registry(_));
        }
    }
}
