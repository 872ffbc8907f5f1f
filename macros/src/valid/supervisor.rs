//! `#[derive(Supervisor)]` structs → the supervision trees. A field whose type is another
//! supervisor struct of the module nests it; the others are the roots.

use std::collections::HashMap;
use std::num::NonZeroUsize;

use arbor_codegen::model::{
    self as m, AutoShutdown, Child, ChildKind, Intensity, Restart, Shutdown, Spanned, Strategy,
    Supervisor,
};

use arbor_codegen::emit::names::{camel, snake};
use arbor_codegen::model::{Keys, Partitions};

use super::{Spans, allows, choice, model_ident, name_ident, path_ident, type_name};
use crate::ast::SupervisorItem;
use crate::attr::{ChildOpts, PartitionsOpt, SupervisorOpts};

const STRATEGIES: &[(&str, Strategy)] = &[
    ("one_for_one", Strategy::OneForOne),
    ("one_for_all", Strategy::OneForAll),
    ("rest_for_one", Strategy::RestForOne),
];

/// The trees and apps of a module.
pub struct Trees {
    /// The top-level supervisors (those no other supervisor nests).
    pub roots: Vec<Supervisor>,
    /// `#[supervisor(app = "…")]`, in declaration order. Whether the root is top-level is
    /// the shared analysis' check (`invalid_root`), as for KDL.
    pub apps: Vec<m::App>,
}

/// Builds every supervisor, children first; returns the roots and the apps.
pub fn build_all(items: &[SupervisorItem], spans: &mut Spans) -> darling::Result<Trees> {
    let mut errors = darling::Error::accumulator();
    let mut apps = Vec::new();
    for s in items {
        let Some(l) = &s.opts.app else { continue };
        let name = errors.handle(name_ident(&l.value(), l, spans).map_err(|e| {
            darling::Error::custom(format!("cannot name the app `{}`: {e}", l.value())).with_span(l)
        }));
        // The root is named on the attribute: the analysis' `invalid_root` points there.
        let root = errors.handle(name_ident(&s.item.ident.to_string(), l, spans));
        if let (Some(name), Some(root)) = (name, root) {
            apps.push(m::App {
                name,
                root,
                span: spans.at(l),
            });
        }
    }
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
    errors.finish_with(Trees { roots, apps })
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
    let strategy = choice(
        o.strategy.as_ref(),
        STRATEGIES,
        "strategy",
        Strategy::OneForOne,
        span,
        spans,
        &mut errors,
    );
    let intensity = intensity(
        o.max_restarts.as_ref(),
        o.max_seconds.as_ref(),
        span,
        spans,
        &mut errors,
    );
    let auto_shutdown = choice(
        o.auto_shutdown.as_ref(),
        &[
            ("never", AutoShutdown::Never),
            ("any_significant", AutoShutdown::AnySignificant),
            ("all_significant", AutoShutdown::AllSignificant),
        ],
        "auto_shutdown",
        AutoShutdown::Never,
        span,
        spans,
        &mut errors,
    );
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
        allows: allows(&o.allow, spans),
        span,
    })
}

/// What a field is, from its flags and its type.
enum Kind<'a> {
    Worker,
    Nested(&'a Supervisor),
    Dynamic,
    Tasks,
    Registry,
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
        errors
            .push(darling::Error::custom("a supervisor's children are named fields").with_span(f));
        return Err(errors.finish().expect_err("an error was pushed"));
    };
    let fspan = spans.at(fname);
    let tname = type_name(&f.ty);
    let flags = [
        ("dynamic", c.dynamic),
        ("tasks", c.tasks),
        ("registry", c.registry),
    ];
    let set: Vec<_> = flags.iter().filter(|(_, f)| f.is_present()).collect();
    if let [_, (second, flag), ..] = set.as_slice() {
        errors.push(
            darling::Error::custom(format!(
                "a child is one thing: `{}` and `{second}` cannot both be set",
                set[0].0
            ))
            .with_span(&flag.span()),
        );
    }
    let kind = match set.first().map(|(n, _)| *n) {
        Some("dynamic") => Kind::Dynamic,
        Some("tasks") => Kind::Tasks,
        Some("registry") => Kind::Registry,
        _ => match tname.as_ref().and_then(|t| built.get(t)) {
            Some(sub) => Kind::Nested(sub),
            None => Kind::Worker,
        },
    };
    // Options that belong to other kinds of children.
    let misplaced: [(&str, Option<proc_macro2::Span>, &[&str]); 7] = [
        ("keys", c.keys.as_ref().map(|l| l.span()), &["registry"]),
        (
            "partitions",
            c.partitions.as_ref().map(|p| p.span()),
            &["dynamic", "registry"],
        ),
        (
            "max_children",
            c.max_children.as_ref().map(|l| l.span()),
            &["dynamic", "tasks"],
        ),
        (
            "strategy",
            c.strategy.as_ref().map(|l| l.span()),
            &["dynamic"],
        ),
        (
            "max_restarts",
            c.max_restarts.as_ref().map(|l| l.span()),
            &["dynamic"],
        ),
        (
            "max_seconds",
            c.max_seconds.as_ref().map(|l| l.span()),
            &["dynamic"],
        ),
        (
            "template",
            c.template.as_ref().map(|_| fname.span()),
            &["dynamic"],
        ),
    ];
    let this = match kind {
        Kind::Dynamic => "dynamic",
        Kind::Tasks => "tasks",
        Kind::Registry => "registry",
        Kind::Worker | Kind::Nested(_) => "",
    };
    for (option, at, kinds) in misplaced {
        if let Some(at) = at
            && !kinds.contains(&this)
        {
            let kinds: Vec<String> = kinds.iter().map(|k| format!("`{k}`")).collect();
            errors.push(
                darling::Error::custom(format!(
                    "`{option}` is an option of {} children: add {} or remove it",
                    kinds.join(" or "),
                    kinds.join(" or ")
                ))
                .with_span(&at),
            );
        }
    }
    if !c.allow.is_empty() && matches!(kind, Kind::Tasks | Kind::Registry | Kind::Nested(_)) {
        errors.push(
            darling::Error::custom(
                "no lint fires on this child: put the `allow` on the item the lint is about",
            )
            .with_span(&c.allow[0].lint),
        );
    }
    if matches!(kind, Kind::Registry) && c.keys.is_none() {
        errors.push(
            darling::Error::custom(
                "a registry needs its key kind: `keys = \"unique\"` (one process per key) or `keys = \"duplicate\"` (pub/sub)",
            )
            .with_span(&c.registry.span()),
        );
    }
    // Dynamic and task supervisors and registries are named after their field (`room_sup` →
    // `RoomSup`), as KDL names them: their generated module and handle method are the field's
    // name again. (A field `room: Room` would name a supervisor like its actor: the analysis
    // reports the clash on the field.)
    let named = |what: &str, spans: &mut Spans| {
        name_ident(&camel(&fname.to_string()), fname, spans).map_err(|e| {
            darling::Error::custom(format!("cannot name the {what} `{fname}`: {e}"))
                .with_span(fname)
        })
    };
    let id_and_kind = match kind {
        Kind::Tasks => named("task supervisor", spans).map(|name| {
            let max_children = c
                .max_children
                .as_ref()
                .and_then(|l| errors.handle(positive(l, "max_children", spans)));
            (
                name.clone(),
                ChildKind::TaskSupervisor(m::TaskSupervisor {
                    name,
                    max_children,
                    span: fspan,
                }),
            )
        }),
        Kind::Registry => named("registry", spans).map(|name| {
            let keys = choice(
                c.keys.as_ref(),
                &[("unique", Keys::Unique), ("duplicate", Keys::Duplicate)],
                "key kind",
                Keys::Unique,
                fspan,
                spans,
                &mut errors,
            );
            let partitions = c
                .partitions
                .as_ref()
                .and_then(|p| errors.handle(partitions(p, spans)));
            (
                name.clone(),
                ChildKind::Registry(m::Registry {
                    name,
                    keys,
                    partitions,
                    span: fspan,
                }),
            )
        }),
        Kind::Nested(sub) => {
            nested.push(tname.clone().unwrap_or_default());
            // A nested supervisor's child id is its name (as in KDL); its handle method is
            // that name in snake_case, so the field must be spelled that way.
            let expected = snake(sub.name.as_str());
            if *fname != expected {
                Err(darling::Error::custom(format!(
                    "a nested supervisor's field is its name in snake_case: `{expected}: {}`",
                    sub.name
                ))
                .with_span(fname))
            } else {
                m::Ident::parse(sub.name.as_str(), fspan)
                    .map(|id| (id, ChildKind::Supervisor(sub.clone())))
                    .map_err(|e| darling::Error::custom(e.message).with_span(fname))
            }
        }
        Kind::Worker | Kind::Dynamic => {
            let actor = match &f.ty {
                syn::Type::Path(p) => path_ident(&p.path, spans),
                t => Err(darling::Error::custom(
                    "a child's type is an actor or a supervisor of this module",
                )
                .with_span(t)),
            };
            match (actor, matches!(kind, Kind::Dynamic)) {
                (Err(e), _) => Err(e),
                (Ok(actor), false) => model_ident(fname, spans).map(|id| {
                    (
                        id,
                        ChildKind::Worker(m::Worker {
                            actor,
                            allows: allows(&c.allow, spans),
                        }),
                    )
                }),
                (Ok(actor), true) => named("dynamic supervisor", spans).map(|name| {
                    let dynamic = dynamic(c, name.clone(), actor, fspan, spans, &mut errors);
                    (name, ChildKind::DynamicSupervisor(dynamic))
                }),
            }
        }
    };
    let Some((id, kind)) = errors.handle(id_and_kind) else {
        return Err(errors.finish().expect_err("an error was pushed"));
    };
    let is_worker = matches!(kind, ChildKind::Worker(_));
    let restart = restart(c.restart.as_ref(), fspan, spans, &mut errors);
    let default_shutdown = if is_worker {
        Shutdown::WORKER_DEFAULT
    } else {
        Shutdown::SUPERVISOR_DEFAULT
    };
    let shutdown = shutdown(
        c.shutdown.as_ref(),
        default_shutdown,
        fspan,
        spans,
        &mut errors,
    );
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

/// `#[child(dynamic, …)]`: a dynamic (or partition) supervisor whose children run `actor`.
fn dynamic(
    c: &ChildOpts,
    name: m::Ident,
    actor: m::Ident,
    fspan: arbor_codegen::Span,
    spans: &mut Spans,
    errors: &mut darling::error::Accumulator,
) -> m::DynamicSupervisor {
    let strategy = choice(
        c.strategy.as_ref(),
        STRATEGIES,
        "strategy",
        Strategy::OneForOne,
        fspan,
        spans,
        errors,
    );
    let intensity = intensity(
        c.max_restarts.as_ref(),
        c.max_seconds.as_ref(),
        fspan,
        spans,
        errors,
    );
    let max_children = c
        .max_children
        .as_ref()
        .and_then(|l| errors.handle(positive(l, "max_children", spans)));
    let partitions = c
        .partitions
        .as_ref()
        .and_then(|p| errors.handle(partitions(p, spans)));
    let t = c.template.as_ref();
    let template = m::Template {
        actor,
        restart: restart(t.and_then(|t| t.restart.as_ref()), fspan, spans, errors),
        shutdown: shutdown(
            t.and_then(|t| t.shutdown.as_ref()),
            Shutdown::WORKER_DEFAULT,
            fspan,
            spans,
            errors,
        ),
        allows: t.map(|t| allows(&t.allow, spans)).unwrap_or_default(),
        span: fspan,
    };
    m::DynamicSupervisor {
        name,
        strategy,
        intensity,
        max_children,
        partitions,
        template,
        allows: allows(&c.allow, spans),
        span: fspan,
    }
}

fn restart(
    l: Option<&syn::LitStr>,
    fspan: arbor_codegen::Span,
    spans: &mut Spans,
    errors: &mut darling::error::Accumulator,
) -> Spanned<Restart> {
    choice(
        l,
        &[
            ("permanent", Restart::Permanent),
            ("transient", Restart::Transient),
            ("temporary", Restart::Temporary),
        ],
        "restart type",
        Restart::Permanent,
        fspan,
        spans,
        errors,
    )
}

fn shutdown(
    l: Option<&syn::LitStr>,
    default: Shutdown,
    fspan: arbor_codegen::Span,
    spans: &mut Spans,
    errors: &mut darling::error::Accumulator,
) -> Spanned<Shutdown> {
    match l {
        None => Spanned::new(default, fspan),
        Some(l) => match Shutdown::parse(&l.value().replace('_', "-")) {
            Ok(v) => Spanned::new(v, spans.at(l)),
            Err(e) => {
                errors.push(
                    darling::Error::custom(format!("bad shutdown: {}", e.message)).with_span(l),
                );
                Spanned::new(default, fspan)
            }
        },
    }
}

/// `max_restarts` within `max_seconds` (OTP's defaults when absent).
fn intensity(
    max_restarts: Option<&syn::LitInt>,
    max_seconds: Option<&syn::LitInt>,
    span: arbor_codegen::Span,
    spans: &mut Spans,
    errors: &mut darling::error::Accumulator,
) -> Intensity {
    let mut intensity = Intensity::default_at(span);
    if let Some(l) = max_restarts {
        match l.base10_parse::<u32>() {
            Ok(n) => intensity.max_restarts = Spanned::new(n, spans.at(l)),
            Err(e) => errors.push(e.into()),
        }
    }
    if let Some(l) = max_seconds {
        match l.base10_parse::<u32>() {
            Ok(n) => intensity.max_seconds = Spanned::new(n, spans.at(l)),
            Err(e) => errors.push(e.into()),
        }
    }
    intensity
}

fn positive(
    l: &syn::LitInt,
    what: &str,
    spans: &mut Spans,
) -> darling::Result<Spanned<NonZeroUsize>> {
    match l.base10_parse::<usize>().ok().and_then(NonZeroUsize::new) {
        Some(n) => Ok(Spanned::new(n, spans.at(l))),
        None => {
            Err(darling::Error::custom(format!("{what} must be a positive integer")).with_span(l))
        }
    }
}

fn partitions(p: &PartitionsOpt, spans: &mut Spans) -> darling::Result<Spanned<Partitions>> {
    match p {
        PartitionsOpt::PerCore(l) => Ok(Spanned::new(Partitions::PerCore, spans.at(l))),
        PartitionsOpt::Fixed(l) => positive(l, "partitions", spans)
            .map(|n| Spanned::new(Partitions::Fixed(n.value), n.span)),
    }
}
