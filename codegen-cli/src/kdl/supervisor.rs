//! `supervisor NAME … { child … supervisor … dynamic-supervisor … }` and the
//! other kinds of children.

use ::kdl::KdlNode;

use super::reader::{Ctx, Node};
use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::model::{
    AutoShutdown, Child, ChildKind, DynamicSupervisor, Intensity, Keys, Registry, Restart,
    Shutdown, Spanned, Strategy, Supervisor, TaskSupervisor, Template, Worker,
};

const CHILD_NODES: &[&str] = &[
    "child",
    "supervisor",
    "dynamic-supervisor",
    "task-supervisor",
    "registry",
    "allow",
];

const STRATEGY: &[(&str, Strategy)] = &[
    ("one_for_one", Strategy::OneForOne),
    ("one_for_all", Strategy::OneForAll),
    ("rest_for_one", Strategy::RestForOne),
];

const AUTO_SHUTDOWN: &[(&str, AutoShutdown)] = &[
    ("never", AutoShutdown::Never),
    ("any-significant", AutoShutdown::AnySignificant),
    ("all-significant", AutoShutdown::AllSignificant),
];

const RESTART: &[(&str, Restart)] = &[
    ("permanent", Restart::Permanent),
    ("transient", Restart::Transient),
    ("temporary", Restart::Temporary),
];

const KEYS: &[(&str, Keys)] = &[("unique", Keys::Unique), ("duplicate", Keys::Duplicate)];

/// A top-level supervisor: the root of a tree.
pub(super) fn read_root(ctx: &mut Ctx<'_>, node: &KdlNode) -> Option<Supervisor> {
    let mut n = Node::new(ctx, node);
    let sup = supervisor(ctx, &mut n);
    n.finish(ctx, true);
    sup
}

fn supervisor(ctx: &mut Ctx<'_>, n: &mut Node<'_>) -> Option<Supervisor> {
    let name = n
        .required_arg(ctx, 0, "a name", "supervisor NAME strategy=… { … }")
        .and_then(|e| ctx.ident(e, "a supervisor name"));
    let span = n.head();
    let strategy = strategy(ctx, n);
    let intensity = intensity(ctx, n);
    let auto_shutdown = match n.prop("auto-shutdown") {
        Some(e) => ctx.word(e, "auto-shutdown", AUTO_SHUTDOWN),
        None => Some(Spanned::new(AutoShutdown::Never, span)),
    };
    let mut children = Vec::new();
    let mut allows = Vec::new();
    if let Some(block) = n.children() {
        for node in block.nodes() {
            match node.name().value() {
                "allow" => allows.extend(super::allow(ctx, node)),
                "child" | "supervisor" | "dynamic-supervisor" | "task-supervisor" | "registry" => {
                    children.extend(child(ctx, node))
                }
                _ => ctx.unknown_node(node, CHILD_NODES, "in a supervisor"),
            }
        }
    }
    Some(Supervisor {
        name: name?,
        strategy: strategy?,
        intensity: intensity?,
        auto_shutdown: auto_shutdown?,
        children,
        allows,
        span,
    })
}

fn strategy(ctx: &mut Ctx<'_>, n: &mut Node<'_>) -> Option<Spanned<Strategy>> {
    match n.prop("strategy") {
        Some(e) => ctx.word(e, "strategy", STRATEGY),
        None => Some(Spanned::new(Strategy::OneForOne, n.head())),
    }
}

fn intensity(ctx: &mut Ctx<'_>, n: &mut Node<'_>) -> Option<Intensity> {
    let default = Intensity::default_at(n.head());
    let max_restarts = match n.prop("max-restarts") {
        Some(e) => ctx.count(e, "max-restarts", 0),
        None => Some(default.max_restarts),
    };
    // Zero is read here and reported by the analysis (`zero_period`), the
    // check both front-ends share.
    let max_seconds = match n.prop("max-seconds") {
        Some(e) => ctx.count(e, "max-seconds", 0),
        None => Some(default.max_seconds),
    };
    Some(Intensity {
        max_restarts: max_restarts?,
        max_seconds: max_seconds?,
    })
}

/// Restart, shutdown and significance of a child, with OTP's defaults.
struct ChildSpec {
    restart: Spanned<Restart>,
    shutdown: Spanned<Shutdown>,
    significant: Spanned<bool>,
}

fn child_spec(
    ctx: &mut Ctx<'_>,
    n: &mut Node<'_>,
    is_worker: bool,
    significant_allowed: bool,
) -> Option<ChildSpec> {
    let head = n.head();
    let restart = match n.prop("restart") {
        Some(e) => ctx.word(e, "restart type", RESTART),
        None => Some(Spanned::new(Restart::Permanent, head)),
    };
    let default_shutdown = if is_worker {
        Shutdown::WORKER_DEFAULT
    } else {
        Shutdown::SUPERVISOR_DEFAULT
    };
    let shutdown = match n.prop("shutdown") {
        Some(e) => ctx.shutdown(e),
        None => Some(Spanned::new(default_shutdown, head)),
    };
    let significant = match significant_allowed.then(|| n.prop("significant")).flatten() {
        Some(e) => ctx.bool(e, "`significant`"),
        None => Some(Spanned::new(false, head)),
    };
    Some(ChildSpec {
        restart: restart?,
        shutdown: shutdown?,
        significant: significant?,
    })
}

fn child(ctx: &mut Ctx<'_>, node: &KdlNode) -> Option<Child> {
    let mut n = Node::new(ctx, node);
    let result = match n.name() {
        "child" => worker(ctx, &mut n),
        "supervisor" => nested(ctx, &mut n),
        "dynamic-supervisor" => dynamic(ctx, &mut n),
        "task-supervisor" => task_supervisor(ctx, &mut n),
        _ => registry(ctx, &mut n),
    };
    let block_allowed = matches!(n.name(), "child" | "supervisor" | "dynamic-supervisor");
    n.finish(ctx, block_allowed);
    result
}

fn worker(ctx: &mut Ctx<'_>, n: &mut Node<'_>) -> Option<Child> {
    let id = n
        .required_arg(ctx, 0, "an id", "child ID actor=ACTOR")
        .and_then(|e| ctx.ident(e, "a child id"));
    let actor = n
        .required_prop(ctx, "actor", "child ID actor=ACTOR")
        .and_then(|e| ctx.ident(e, "an actor name"));
    let spec = child_spec(ctx, n, true, true);
    let allows = allows_only(ctx, n);
    let spec = spec?;
    Some(Child {
        id: id?,
        restart: spec.restart,
        shutdown: spec.shutdown,
        significant: spec.significant,
        kind: ChildKind::Worker(Worker {
            actor: actor?,
            allows,
        }),
        span: n.head(),
    })
}

fn nested(ctx: &mut Ctx<'_>, n: &mut Node<'_>) -> Option<Child> {
    let spec = child_spec(ctx, n, false, true);
    let sup = supervisor(ctx, n)?;
    let spec = spec?;
    Some(Child {
        id: sup.name.clone(),
        restart: spec.restart,
        shutdown: spec.shutdown,
        significant: spec.significant,
        span: sup.span,
        kind: ChildKind::Supervisor(sup),
    })
}

fn dynamic(ctx: &mut Ctx<'_>, n: &mut Node<'_>) -> Option<Child> {
    let name = n
        .required_arg(
            ctx,
            0,
            "a name",
            "dynamic-supervisor NAME { template actor=ACTOR }",
        )
        .and_then(|e| ctx.ident(e, "a supervisor name"));
    let head = n.head();
    // Read so that the analysis can explain why only one_for_one is possible.
    let strategy = strategy(ctx, n);
    let intensity = intensity(ctx, n);
    let max_children = match n.prop("max-children") {
        Some(e) => ctx.limit(e, "max-children"),
        None => Some(None),
    };
    let partitions = match n.prop("partitions") {
        Some(e) => ctx.partitions(e).map(Some),
        None => Some(None),
    };
    let spec = child_spec(ctx, n, false, true);
    let mut template = None;
    let mut first_template = None;
    let mut allows = Vec::new();
    if let Some(block) = n.children() {
        for node in block.nodes() {
            match node.name().value() {
                "template" => {
                    let here = ctx.span(node.name().span());
                    let t = read_template(ctx, node);
                    match first_template {
                        Some(first) => ctx.report(
                            Diagnostic::error(
                                codes::UNEXPECTED_VALUE,
                                "a dynamic supervisor has exactly one template",
                            )
                            .with_label(here, "second template")
                            .with_label(first, "first template")
                            .with_help("start different actors from different dynamic supervisors"),
                        ),
                        None => {
                            first_template = Some(here);
                            template = t;
                        }
                    }
                }
                "allow" => allows.extend(super::allow(ctx, node)),
                _ => ctx.unknown_node(node, &["template", "allow"], "in a dynamic supervisor"),
            }
        }
    }
    if first_template.is_none() {
        ctx.report(
            Diagnostic::error(
                codes::MISSING_VALUE,
                "a dynamic supervisor needs a `template`",
            )
            .with_label(head, "no template")
            .with_help("add a block: dynamic-supervisor NAME { template actor=ACTOR }"),
        );
    }
    let name = name?;
    let spec = spec?;
    Some(Child {
        id: name.clone(),
        restart: spec.restart,
        shutdown: spec.shutdown,
        significant: spec.significant,
        span: head,
        kind: ChildKind::DynamicSupervisor(DynamicSupervisor {
            name,
            strategy: strategy?,
            intensity: intensity?,
            max_children: max_children?,
            partitions: partitions?,
            template: template?,
            allows,
            span: head,
        }),
    })
}

fn read_template(ctx: &mut Ctx<'_>, node: &KdlNode) -> Option<Template> {
    let mut n = Node::new(ctx, node);
    let actor = n
        .required_prop(ctx, "actor", "template actor=ACTOR")
        .and_then(|e| ctx.ident(e, "an actor name"));
    // OTP refuses significant children (and auto-shutdown) for dynamic
    // supervisors, so a template has no `significant`.
    let spec = child_spec(ctx, &mut n, true, false);
    let allows = allows_only(ctx, &mut n);
    let span = n.head();
    n.finish(ctx, true);
    let spec = spec?;
    Some(Template {
        actor: actor?,
        restart: spec.restart,
        shutdown: spec.shutdown,
        allows,
        span,
    })
}

fn task_supervisor(ctx: &mut Ctx<'_>, n: &mut Node<'_>) -> Option<Child> {
    let name = n
        .required_arg(ctx, 0, "a name", "task-supervisor NAME")
        .and_then(|e| ctx.ident(e, "a supervisor name"));
    let max_children = match n.prop("max-children") {
        Some(e) => ctx.limit(e, "max-children"),
        None => Some(None),
    };
    let spec = child_spec(ctx, n, false, true)?;
    let name = name?;
    Some(Child {
        id: name.clone(),
        restart: spec.restart,
        shutdown: spec.shutdown,
        significant: spec.significant,
        span: n.head(),
        kind: ChildKind::TaskSupervisor(TaskSupervisor {
            name,
            max_children: max_children?,
            span: n.head(),
        }),
    })
}

fn registry(ctx: &mut Ctx<'_>, n: &mut Node<'_>) -> Option<Child> {
    let name = n
        .required_arg(ctx, 0, "a name", "registry NAME keys=unique|duplicate")
        .and_then(|e| ctx.ident(e, "a registry name"));
    let keys = n
        .required_prop(ctx, "keys", "registry NAME keys=unique|duplicate")
        .and_then(|e| ctx.word(e, "key kind", KEYS));
    let partitions = match n.prop("partitions") {
        Some(e) => ctx.partitions(e).map(Some),
        None => Some(None),
    };
    let spec = child_spec(ctx, n, false, true)?;
    let name = name?;
    Some(Child {
        id: name.clone(),
        restart: spec.restart,
        shutdown: spec.shutdown,
        significant: spec.significant,
        span: n.head(),
        kind: ChildKind::Registry(Registry {
            name,
            keys: keys?,
            partitions: partitions?,
            span: n.head(),
        }),
    })
}

/// A block that may hold only `allow` lines (children and templates).
fn allows_only(ctx: &mut Ctx<'_>, n: &mut Node<'_>) -> Vec<crate::model::Allow> {
    let mut allows = Vec::new();
    if let Some(block) = n.children() {
        for node in block.nodes() {
            if node.name().value() == "allow" {
                allows.extend(super::allow(ctx, node));
            } else {
                ctx.unknown_node(node, &["allow"], &format!("in `{}`", n.name()));
            }
        }
    }
    allows
}
