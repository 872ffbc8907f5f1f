//! `protocol NAME { call … cast … info … }`.

use ::kdl::KdlNode;

use super::reader::{Ctx, Node};
use crate::model::{Arg, Message, MessageKind, Protocol, RustType, Spanned, Timeout};

const MESSAGE_NODES: &[&str] = &["call", "cast", "info"];

pub(super) fn read(ctx: &mut Ctx<'_>, node: &KdlNode) -> Option<Protocol> {
    let mut n = Node::new(ctx, node);
    let name = n
        .required_arg(ctx, 0, "a name", "protocol NAME { … }")
        .and_then(|e| ctx.ident(e, "a protocol name"));
    let mut messages = Vec::new();
    if let Some(block) = n.children() {
        for child in block.nodes() {
            match child.name().value() {
                "call" | "cast" | "info" => {
                    if let Some(m) = message(ctx, child) {
                        messages.push(m);
                    }
                }
                _ => ctx.unknown_node(child, MESSAGE_NODES, "in a protocol"),
            }
        }
    }
    let span = n.head();
    n.finish(ctx, true);
    Some(Protocol {
        name: name?,
        messages,
        span,
    })
}

fn message(ctx: &mut Ctx<'_>, node: &KdlNode) -> Option<Message> {
    let mut n = Node::new(ctx, node);
    let form = format!("{} NAME", n.name());
    let name = n
        .required_arg(ctx, 0, "a name", &form)
        .and_then(|e| ctx.ident(e, "a message name"));
    let span = n.head();
    let mut ok = true;
    let kind = match n.name() {
        "call" => {
            let reply = match n.prop("reply") {
                Some(e) => ctx.rust_type(e, "a reply type"),
                None => Some(RustType::unit(span)),
            };
            let timeout = match n.prop("timeout") {
                Some(e) => ctx.timeout(e),
                None => Some(Spanned::new(Timeout::DEFAULT, span)),
            };
            match (reply, timeout) {
                (Some(reply), Some(timeout)) => MessageKind::Call { reply, timeout },
                _ => {
                    ok = false;
                    MessageKind::Cast
                }
            }
        }
        "cast" => MessageKind::Cast,
        _ => MessageKind::Info,
    };
    let mut args = Vec::new();
    if let Some(block) = n.children() {
        for child in block.nodes() {
            if child.name().value() != "arg" {
                ctx.unknown_node(child, &["arg"], "in a message");
                continue;
            }
            match arg(ctx, child) {
                Some(a) => args.push(a),
                None => ok = false,
            }
        }
    }
    n.finish(ctx, true);
    let name = name?;
    ok.then_some(Message {
        name,
        kind,
        args,
        span,
    })
}

fn arg(ctx: &mut Ctx<'_>, node: &KdlNode) -> Option<Arg> {
    let mut n = Node::new(ctx, node);
    let first = n.required_arg(ctx, 0, "a name and a type", "arg NAME TYPE");
    let name = first.and_then(|e| ctx.ident(e, "an argument name"));
    // Without a name, "type missing" would only repeat the first error.
    let ty = first
        .and_then(|_| n.required_arg(ctx, 1, "a type", "arg NAME TYPE"))
        .and_then(|e| ctx.rust_type(e, "an argument type"));
    let span = n.head();
    n.finish(ctx, false);
    Some(Arg {
        name: name?,
        ty: ty?,
        span,
    })
}
