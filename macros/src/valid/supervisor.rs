//! `#[derive(Supervisor)]` structs → the supervision trees. A field whose type is another
//! supervisor struct of the module nests it; the others are the roots.

use std::collections::HashMap;
use std::num::NonZeroUsize;

use arbor_codegen::model::{
    self as m, AutoShutdown, Child, ChildKind, Intensity, Restart, Shutdown, Spanned, Strategy,
    Supervisor,
};

use super::{Spans, lit_choice, model_ident, path_ident, type_name};
use crate::ast::SupervisorItem;
use crate::attr::{ChildOpts, SupervisorOpts};

const STRATEGIES: &[(&str, Strategy)] = &[
    ("one_for_one", Strategy::OneForOne),
    ("one_for_all", Strategy::OneForAll),
    ("rest_for_one", Strategy::RestForOne),
];

/// Builds every supervisor, children first; returns the roots.
pub fn build_all(items: &[SupervisorItem], spans: &mut Spans) -> darling::Result<Vec<Supervisor>> {
    let mut errors = darling::Error::accumulator();
    let names: Vec<String> = items.iter().map(|s| s.item.ident.to_string()).collect();
    let mut built: HashMap<String, Supervisor> = HashMap::new();
    let mut nested: Vec<String> = Vec::new();
    // Children first: repeat until every supervisor is built (nesting is acyclic in a valid
    // system; what is left over nests in a cycle).
    let mut pending: Vec<&SupervisorItem> = items.iter().collect();
    let mut progress = true;
    while !pending.is_empty() && progress {
        progress = false;
        let mut rest = Vec::new();
        for s in pending {
            let waits = s
                .children
                .iter()
                .filter_map(|(f, _)| type_name(&f.ty))
                .any(|n| names.contains(&n) && !built.contains_key(&n));
            if waits {
                rest.push(s);
                continue;
            }
            progress = true;
            if let Some(sup) = errors.handle(build(s, &built, &mut nested, spans)) {
                built.insert(s.item.ident.to_string(), sup);
            }
        }
        pending = rest;
    }
    for s in &pending {
        errors.push(
            darling::Error::custom("supervisors nest each other in a cycle")
                .with_span(&s.item.ident),
        );
    }
    let mut roots = Vec::new();
    for n in &names {
        if !nested.contains(n)
            && let Some(s) = built.remove(n)
        {
            roots.push(s);
        }
    }
    errors.finish_with(roots)
}

fn build(
    s: &SupervisorItem,
    built: &HashMap<String, Supervisor>,
    nested: &mut Vec<String>,
    spans: &mut Spans,
) -> darling::Result<Supervisor> {
    let o: &SupervisorOpts = &s.opts;
    let mut errors = darling::Error::accumulator();
    let span = spans.at(&s.item.ident);
    let name = errors.handle(model_ident(&s.item.ident, spans));
    let strategy = match &o.strategy {
        None => Spanned::new(Strategy::OneForOne, span),
        Some(l) => Spanned::new(
            errors
                .handle(lit_choice(l, STRATEGIES, "strategy"))
                .unwrap_or(Strategy::OneForOne),
            spans.at(l),
        ),
    };
    let mut intensity = Intensity::default_at(span);
    if let Some(l) = &o.max_restarts {
        match l.base10_parse::<u32>() {
            Ok(n) => intensity.max_restarts = Spanned::new(n, spans.at(l)),
            Err(e) => errors.push(e.into()),
        }
    }
    if let Some(l) = &o.max_seconds {
        match l.base10_parse::<u32>() {
            Ok(n) => intensity.max_seconds = Spanned::new(n, spans.at(l)),
            Err(e) => errors.push(e.into()),
        }
    }
    let auto_shutdown = match &o.auto_shutdown {
        None => Spanned::new(AutoShutdown::Never, span),
        Some(l) => Spanned::new(
            errors
                .handle(lit_choice(
                    l,
                    &[
                        ("never", AutoShutdown::Never),
                        ("any_significant", AutoShutdown::AnySignificant),
                        ("all_significant", AutoShutdown::AllSignificant),
                    ],
                    "auto_shutdown",
                ))
                .unwrap_or(AutoShutdown::Never),
            spans.at(l),
        ),
    };
    let mut children = Vec::new();
    for (f, c) in &s.children {
        if let Some(child) = errors.handle(child(f, c, built, nested, spans)) {
            children.push(child);
        }
    }
    errors.finish()?;
    Ok(Supervisor {
        name: name.expect("no error"),
        strategy,
        intensity,
        auto_shutdown,
        children,
        allows: Vec::new(),
        span,
    })
}

/// One field → one child.
fn child(
    f: &syn::Field,
    c: &ChildOpts,
    built: &HashMap<String, Supervisor>,
    nested: &mut Vec<String>,
    spans: &mut Spans,
) -> darling::Result<Child> {
    let mut errors = darling::Error::accumulator();
    let Some(fname) = &f.ident else {
        return Err(
            darling::Error::custom("a supervisor's children are named fields").with_span(f),
        );
    };
    let id = model_ident(fname, spans)?;
    let fspan = spans.at(fname);
    let tname = type_name(&f.ty);
    let sub = tname.as_ref().and_then(|t| built.get(t));
    let kind = if c.tasks.is_present() {
        ChildKind::TaskSupervisor(m::TaskSupervisor {
            name: id.clone(),
            max_children: None,
            span: fspan,
        })
    } else if let Some(sub) = sub {
        nested.push(tname.clone().unwrap_or_default());
        ChildKind::Supervisor(sub.clone())
    } else {
        let actor = match &f.ty {
            syn::Type::Path(p) => path_ident(&p.path, spans),
            t => Err(darling::Error::custom(
                "a child's type is an actor or a supervisor of this module",
            )
            .with_span(t)),
        }?;
        if c.dynamic.is_present() {
            let strategy = match &c.strategy {
                None => Spanned::new(Strategy::OneForOne, fspan),
                Some(l) => Spanned::new(
                    errors
                        .handle(lit_choice(l, STRATEGIES, "strategy"))
                        .unwrap_or(Strategy::OneForOne),
                    spans.at(l),
                ),
            };
            let max_children = c.max_children.as_ref().and_then(|l| {
                match l.base10_parse::<usize>().ok().and_then(NonZeroUsize::new) {
                    Some(n) => Some(Spanned::new(n, spans.at(l))),
                    None => {
                        errors.push(
                            darling::Error::custom("max_children must be a positive integer")
                                .with_span(l),
                        );
                        None
                    }
                }
            });
            ChildKind::DynamicSupervisor(m::DynamicSupervisor {
                name: id.clone(),
                strategy,
                intensity: Intensity::default_at(fspan),
                max_children,
                partitions: None,
                template: m::Template {
                    actor,
                    restart: Spanned::new(Restart::Permanent, fspan),
                    shutdown: Spanned::new(Shutdown::WORKER_DEFAULT, fspan),
                    allows: Vec::new(),
                    span: fspan,
                },
                allows: Vec::new(),
                span: fspan,
            })
        } else {
            ChildKind::Worker(m::Worker {
                actor,
                allows: Vec::new(),
            })
        }
    };
    let is_worker = matches!(kind, ChildKind::Worker(_));
    let restart = match &c.restart {
        None => Spanned::new(Restart::Permanent, fspan),
        Some(l) => Spanned::new(
            errors
                .handle(lit_choice(
                    l,
                    &[
                        ("permanent", Restart::Permanent),
                        ("transient", Restart::Transient),
                        ("temporary", Restart::Temporary),
                    ],
                    "restart type",
                ))
                .unwrap_or(Restart::Permanent),
            spans.at(l),
        ),
    };
    let shutdown = match &c.shutdown {
        None => Spanned::new(
            if is_worker {
                Shutdown::WORKER_DEFAULT
            } else {
                Shutdown::SUPERVISOR_DEFAULT
            },
            fspan,
        ),
        Some(l) => match Shutdown::parse(&l.value().replace('_', "-")) {
            Ok(v) => Spanned::new(v, spans.at(l)),
            Err(e) => {
                errors.push(
                    darling::Error::custom(format!("bad shutdown: {}", e.message)).with_span(l),
                );
                Spanned::new(Shutdown::WORKER_DEFAULT, fspan)
            }
        },
    };
    let significant = match c.significant.is_present() {
        true => Spanned::new(true, spans.at(&c.significant.span())),
        false => Spanned::new(false, fspan),
    };
    errors.finish_with(Child {
        id,
        restart,
        shutdown,
        significant,
        kind,
        span: fspan,
    })
}
