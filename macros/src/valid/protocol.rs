//! A `#[protocol]` trait (or enum, read as a trait by `ast.rs`) → `model::Protocol`: a protocol
//! declared on its own, so several actors can serve it (KDL's `protocol` + `serves`).
//!
//! ```ignore
//! #[protocol]
//! pub trait Kv {
//!     #[call(timeout = "1s")]
//!     async fn get(&self, key: String) -> Option<String>;
//!     #[cast]
//!     fn put(&self, key: String, value: String);
//! }
//! ```

use arbor_codegen::model::{Arg, Message, MessageKind, Protocol, RustType, Spanned, Timeout};

use super::{Spans, model_ident, timeout};
use crate::ast::{ProtocolItem, Role};

/// Builds a declared protocol.
pub fn build(p: &ProtocolItem, spans: &mut Spans) -> darling::Result<Protocol> {
    let mut errors = darling::Error::accumulator();
    let t = &p.item;
    if !t.generics.params.is_empty() {
        errors.push(
            darling::Error::custom("a protocol cannot be generic: its messages are concrete types")
                .with_span(&t.generics),
        );
    }
    if !t.supertraits.is_empty() {
        errors.push(
            darling::Error::custom("a protocol has no supertraits: list all its messages in it")
                .with_span(&t.supertraits),
        );
    }
    let name = errors.handle(model_ident(&t.ident, spans));
    let mut messages = Vec::new();
    for (f, role) in &p.messages {
        if let Some(m) = errors.handle(message(f, role, spans)) {
            messages.push(m);
        }
    }
    let span = spans.at(&t.ident);
    errors.finish()?;
    Ok(Protocol {
        name: name.expect("no error"),
        messages,
        span,
    })
}

/// One method of the trait → one message.
fn message(f: &syn::TraitItemFn, role: &Role, spans: &mut Spans) -> darling::Result<Message> {
    let mut errors = darling::Error::accumulator();
    let sig = &f.sig;
    if let Some(body) = &f.default {
        errors.push(
            darling::Error::custom(
                "a protocol's message has no body: each actor's `#[handlers]` block implements it",
            )
            .with_span(body),
        );
    }
    let kind = match role {
        Role::Call(o) => {
            if let Some(l) = &o.reply {
                errors.push(
                    darling::Error::custom(
                        "`reply` is for a variant of a `#[protocol]` enum: a method's reply is its return type",
                    )
                    .with_span(l),
                );
            }
            if o.deferred.is_present() {
                errors.push(
                    darling::Error::custom(
                        "`deferred` is how one actor answers, not part of the protocol: put `#[call(deferred)]` on that actor's handler",
                    )
                    .with_span(&o.deferred.span()),
                );
            }
            let timeout = match &o.timeout {
                None => Some(Spanned::new(Timeout::DEFAULT, spans.at(&sig.ident))),
                Some(l) => errors.handle(timeout(l, spans)),
            };
            let reply = match &sig.output {
                syn::ReturnType::Default => Ok(RustType::unit(spans.at(&sig.ident))),
                syn::ReturnType::Type(_, t) => RustType::from_syn((**t).clone(), spans.at(t))
                    .map_err(|e| darling::Error::custom(e.message).with_span(t)),
            };
            match (errors.handle(reply), timeout) {
                (Some(reply), Some(timeout)) => Some(MessageKind::Call { reply, timeout }),
                _ => None,
            }
        }
        Role::Cast | Role::Info => {
            if let syn::ReturnType::Type(_, t) = &sig.output {
                errors.push(
                    darling::Error::custom(
                        "a cast or info message has no reply: remove the return type, or make it a `#[call]`",
                    )
                    .with_span(t),
                );
            }
            Some(if matches!(role, Role::Cast) {
                MessageKind::Cast
            } else {
                MessageKind::Info
            })
        }
        Role::Init | Role::Terminate | Role::Inherent => {
            errors.push(
                darling::Error::custom(format!(
                    "mark `{}` as a message: `#[call]`, `#[cast]` or `#[info]`",
                    sig.ident
                ))
                .with_span(&sig.ident),
            );
            None
        }
    };
    let mut args = Vec::new();
    for input in &sig.inputs {
        let syn::FnArg::Typed(pt) = input else {
            continue; // `&self`, `&mut self`: the handler's receiver, optional here.
        };
        let syn::Pat::Ident(pi) = &*pt.pat else {
            errors.push(
                darling::Error::custom("a message's argument must be a plain name")
                    .with_span(&pt.pat),
            );
            continue;
        };
        let name = errors.handle(model_ident(&pi.ident, spans));
        let ty = errors.handle(
            RustType::from_syn((*pt.ty).clone(), spans.at(&pt.ty))
                .map_err(|e| darling::Error::custom(e.message).with_span(&pt.ty)),
        );
        if let (Some(name), Some(ty)) = (name, ty) {
            args.push(Arg {
                name,
                ty,
                span: spans.at(pt),
            });
        }
    }
    let name = errors.handle(model_ident(&sig.ident, spans));
    errors.finish()?;
    Ok(Message {
        name: name.expect("no error"),
        kind: kind.expect("no error"),
        args,
        span: spans.at(&sig.ident),
    })
}
