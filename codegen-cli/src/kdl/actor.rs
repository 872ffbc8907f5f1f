//! `actor NAME { serves … state … mailbox … calls … casts … deferred … }`.

use ::kdl::KdlNode;

use super::reader::{Ctx, Node};
use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::model::{Actor, Dependency, During, Ident, Mailbox, MailboxKind, Overflow, Spanned};
use crate::source::Span;

const ACTOR_NODES: &[&str] = &[
    "serves",
    "state",
    "mailbox",
    "calls",
    "casts",
    "deferred",
    "terminate",
    "allow",
    "export",
];

const OVERFLOW: &[(&str, Overflow)] = &[
    ("block", Overflow::Block),
    ("reject", Overflow::Reject),
    ("drop-newest", Overflow::DropNewest),
    ("drop-oldest", Overflow::DropOldest),
];

pub(super) fn read(ctx: &mut Ctx<'_>, node: &KdlNode) -> Option<Actor> {
    let mut n = Node::new(ctx, node);
    let name = n
        .required_arg(ctx, 0, "a name", "actor NAME { … }")
        .and_then(|e| ctx.ident(e, "an actor name"));
    let head = n.head();
    let mut serves = Vec::new();
    let mut state_ty = None;
    let mut mailbox_decl = Mailbox::default_at(head);
    let mut calls = Vec::new();
    let mut casts = Vec::new();
    let mut deferred = Vec::new();
    let mut terminate_decl = Spanned::new(false, head);
    let mut allows = Vec::new();
    let mut export_decl = None;
    // Singular nodes: where each was first given, to report repeats.
    let mut seen: Vec<(&str, Span)> = Vec::new();
    if let Some(block) = n.children() {
        for child in block.nodes() {
            let kind = child.name().value();
            if matches!(kind, "state" | "mailbox" | "terminate" | "export") {
                let here = ctx.span(child.name().span());
                if let Some((_, first)) = seen.iter().find(|(k, _)| *k == kind) {
                    ctx.report(
                        Diagnostic::error(
                            codes::UNEXPECTED_VALUE,
                            format!("`{kind}` is declared twice"),
                        )
                        .with_label(here, "declared again here")
                        .with_label(*first, "first declared here"),
                    );
                    continue;
                }
                seen.push((kind, here));
            }
            match kind {
                "serves" => serves.extend(names(ctx, child, "a protocol name")),
                "deferred" => deferred.extend(names(ctx, child, "a handler name")),
                "calls" => calls.extend(dependencies(ctx, child, true)),
                "casts" => casts.extend(dependencies(ctx, child, false)),
                "state" => state_ty = state(ctx, child),
                "mailbox" => {
                    if let Some(m) = mailbox(ctx, child) {
                        mailbox_decl = m;
                    }
                }
                "terminate" => {
                    if let Some(t) = terminate(ctx, child) {
                        terminate_decl = t;
                    }
                }
                "allow" => allows.extend(super::allow(ctx, child)),
                "export" => export_decl = export(ctx, child, name.as_ref()),
                _ => ctx.unknown_node(child, ACTOR_NODES, "in an actor"),
            }
        }
    }
    n.finish(ctx, true);
    Some(Actor {
        name: name?,
        serves,
        state: state_ty,
        mailbox: mailbox_decl,
        calls,
        casts,
        deferred,
        terminate: terminate_decl,
        allows,
        export: export_decl,
        span: head,
    })
}

/// `export` or `export name="…"`: the actor is reachable from other nodes, under its own name
/// or the one given (letters, digits, `-` and `_`: it becomes part of a NATS subject).
fn export(ctx: &mut Ctx<'_>, node: &KdlNode, actor: Option<&Ident>) -> Option<Spanned<String>> {
    let mut n = Node::new(ctx, node);
    let head = n.head();
    let name = match n.prop("name") {
        Some(e) => {
            let span = ctx.span(e.span());
            let text = ctx.string(e, "an export name")?.to_owned();
            if !crate::model::valid_export_name(&text) {
                ctx.report(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!("`{text}` cannot be an export name"),
                    )
                    .with_label(span, "not a valid export name")
                    .with_help(
                        "use letters, digits, `-` and `_` only: the name is part of the cluster's subjects",
                    ),
                );
                n.finish(ctx, false);
                return None;
            }
            text
        }
        None => actor?.as_str().to_owned(),
    };
    n.finish(ctx, false);
    Some(Spanned::new(name, head))
}

/// `serves A B …` / `deferred x y …`: one or more names.
fn names(ctx: &mut Ctx<'_>, node: &KdlNode, what: &str) -> Vec<Ident> {
    let mut n = Node::new(ctx, node);
    let form = format!("{} NAME…", n.name());
    let mut out = Vec::new();
    if n.required_arg(ctx, 0, what, &form).is_some() {
        for e in n.rest_args(0) {
            out.extend(ctx.ident(e, what));
        }
    }
    n.finish(ctx, false);
    out
}

/// `calls A B … [during=init]` / `casts A B …`.
fn dependencies(ctx: &mut Ctx<'_>, node: &KdlNode, is_call: bool) -> Vec<Dependency> {
    let mut n = Node::new(ctx, node);
    let form = format!("{} ACTOR…", n.name());
    let during = if is_call {
        match n.prop("during") {
            Some(e) => ctx.word(
                e,
                "`during`",
                &[("init", During::Init), ("run", During::Run)],
            ),
            None => Some(Spanned::new(During::Run, n.head())),
        }
    } else {
        Some(Spanned::new(During::Run, n.head()))
    };
    let mut out = Vec::new();
    if n.required_arg(ctx, 0, "an actor name", &form).is_some() {
        for e in n.rest_args(0) {
            let target = ctx.ident(e, "an actor name");
            // With several targets on one line, each edge points at its own
            // name; with one, at the whole line (so `during=init` shows too).
            let span = if n_args(node) == 1 {
                n.head()
            } else {
                ctx.span(e.span())
            };
            if let (Some(target), Some(during)) = (target, during) {
                out.push(Dependency {
                    target,
                    during: during.value,
                    span,
                });
            }
        }
    }
    n.finish(ctx, false);
    out
}

fn n_args(node: &KdlNode) -> usize {
    node.entries().iter().filter(|e| e.name().is_none()).count()
}

fn state(ctx: &mut Ctx<'_>, node: &KdlNode) -> Option<crate::model::RustType> {
    let mut n = Node::new(ctx, node);
    let ty = n
        .required_arg(ctx, 0, "a type", "state TYPE")
        .and_then(|e| ctx.rust_type(e, "a state type"));
    n.finish(ctx, false);
    ty
}

fn mailbox(ctx: &mut Ctx<'_>, node: &KdlNode) -> Option<Mailbox> {
    let mut n = Node::new(ctx, node);
    let head = n.head();
    let unbounded = n.prop("unbounded").and_then(|e| ctx.bool(e, "`unbounded`"));
    let capacity = n
        .prop("capacity")
        .map(|e| ctx.nonzero(e, "a mailbox capacity"));
    let overflow = n
        .prop("overflow")
        .map(|e| ctx.word(e, "overflow policy", OVERFLOW));
    n.finish(ctx, false);
    if unbounded.is_some_and(|u| u.value) {
        if capacity.is_some() || overflow.is_some() {
            ctx.report(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    "an unbounded mailbox has no capacity or overflow policy",
                )
                .with_label(head, "")
                .with_help("remove `unbounded=#true`, or the capacity and overflow"),
            );
            return None;
        }
        return Some(Mailbox {
            kind: MailboxKind::Unbounded,
            span: head,
        });
    }
    let capacity = match capacity {
        Some(c) => c?,
        None => Spanned::new(Mailbox::DEFAULT_CAPACITY, head),
    };
    let overflow = match overflow {
        Some(o) => o?,
        None => Spanned::new(Overflow::Block, head),
    };
    Some(Mailbox {
        kind: MailboxKind::Bounded { capacity, overflow },
        span: head,
    })
}

/// `terminate` or `terminate #true|#false`.
fn terminate(ctx: &mut Ctx<'_>, node: &KdlNode) -> Option<Spanned<bool>> {
    let mut n = Node::new(ctx, node);
    let head = n.head();
    let value = match n.arg(0) {
        Some(e) => ctx
            .bool(e, "`terminate`")
            .map(|b| Spanned::new(b.value, head)),
        None => Some(Spanned::new(true, head)),
    };
    n.finish(ctx, false);
    value
}
