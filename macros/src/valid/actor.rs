//! `#[derive(Actor)]` + `#[actor(...)]` → `model::Actor` (without its protocol: that comes
//! from its handlers block).

use std::num::NonZeroUsize;

use arbor_codegen::model::{
    Actor, Dependency, During, Mailbox, MailboxKind, Overflow, RustType, Spanned,
};

use super::{DepNames, Spans, allows, dep_ident, lit_choice, name_ident};
use crate::attr::{ActorOpts, MailboxOpts};

/// Builds an actor from its state struct and options. Errors go to `errors`; the actor is
/// still built when only an option is wrong (that option reads as its default), so its
/// `#[handlers]` blocks are checked too instead of being reported as stray.
pub fn build(
    s: &syn::ItemStruct,
    o: &ActorOpts,
    at: &[syn::Ident],
    names: &DepNames,
    spans: &mut Spans,
    errors: &mut darling::error::Accumulator,
) -> Option<Actor> {
    let span = spans.at(&s.ident);
    let struct_name = s.ident.to_string();
    let name = match &o.name {
        Some(n) => name_ident(&n.value(), n, spans),
        None => match struct_name.strip_suffix("State") {
            Some(n) if !n.is_empty() => name_ident(n, &s.ident, spans),
            _ => Err(darling::Error::custom(format!(
                "cannot name the actor of `{struct_name}`: end the struct's name with `State` \
                 (`{struct_name}State` is actor `{struct_name}`) or write #[actor(name = \"…\")]"
            ))
            .with_span(&s.ident)),
        },
    };
    let name = errors.handle(name);
    if !s.generics.params.is_empty() {
        errors.push(
            darling::Error::custom("an actor's state cannot be generic").with_span(&s.generics),
        );
    }
    let errors = &mut *errors;
    let mailbox = match (&o.mailbox, o.unbounded.is_present()) {
        (Some(_), true) => {
            errors.push(
                darling::Error::custom(
                    "a mailbox is either `unbounded` or has a `mailbox(capacity = …)`, not both",
                )
                .with_span(&o.unbounded.span()),
            );
            Mailbox::default_at(span)
        }
        (None, true) => Mailbox {
            kind: MailboxKind::Unbounded,
            span: spans.at(&o.unbounded.span()),
        },
        (None, false) => Mailbox::default_at(span),
        (Some(mb), false) => bounded(mb, span, spans, errors),
    };
    let mut deps =
        |list: &[syn::Path], during: During, errors: &mut darling::error::Accumulator| {
            list.iter()
                .filter_map(|p| {
                    let target = errors.handle(dep_ident(p, names, spans))?;
                    Some(Dependency {
                        target,
                        during,
                        span: spans.at(p),
                    })
                })
                .collect::<Vec<_>>()
        };
    // Start-up dependencies first (the order carries no meaning; this is KDL's usual one).
    let mut calls = deps(&o.calls_during_init, During::Init, errors);
    calls.extend(deps(&o.calls, During::Run, errors));
    let casts = deps(&o.casts, During::Run, errors);
    // Generated code names the state from the `#[system]` module, through the nested modules
    // it sits in; they and the struct must be visible there.
    if !at.is_empty() && matches!(s.vis, syn::Visibility::Inherited) {
        errors.push(
            darling::Error::custom(format!(
                "`{struct_name}` is private to module `{}`, but the system's generated code names \
                 it from the `#[system]` module: write `{} struct {struct_name}`",
                at.last().expect("nested"),
                if at.len() == 1 {
                    "pub(super)"
                } else {
                    "pub(crate)"
                },
            ))
            .with_span(&s.ident),
        );
    }
    let ty: syn::Type = {
        let i = &s.ident;
        syn::parse_quote!(#(#at::)* #i)
    };
    let state = RustType::from_syn(ty, span)
        .map_err(|e| darling::Error::custom(e.message).with_span(&s.ident));
    let state = errors.handle(state);
    let export = o.export.as_ref().and_then(|e| {
        let at = spans.at_span(e.span());
        let text = match &**e {
            darling::util::Override::Explicit(lit) => lit.value(),
            darling::util::Override::Inherit => name.as_ref()?.as_str().to_owned(),
        };
        if arbor_codegen::model::valid_export_name(&text) {
            Some(Spanned::new(text, at))
        } else {
            errors.push(
                darling::Error::custom(format!(
                    "`{text}` cannot be an export name: use letters, digits, `-` and `_` only \
                     (the name is part of the cluster's subjects)"
                ))
                .with_span(&e.span()),
            );
            None
        }
    });
    Some(Actor {
        name: name?,
        serves: Vec::new(),
        state,
        mailbox,
        calls,
        casts,
        deferred: Vec::new(),
        terminate: Spanned::new(false, span),
        allows: allows(&o.allow, spans),
        export,
        span,
    })
}

/// `mailbox(capacity = N, overflow = "…")`.
fn bounded(
    mb: &MailboxOpts,
    span: arbor_codegen::Span,
    spans: &mut Spans,
    errors: &mut darling::error::Accumulator,
) -> Mailbox {
    let capacity = match &mb.capacity {
        None => Spanned::new(Mailbox::DEFAULT_CAPACITY, span),
        Some(c) => match c.base10_parse::<usize>().ok().and_then(NonZeroUsize::new) {
            Some(n) => Spanned::new(n, spans.at(c)),
            None => {
                errors.push(
                    darling::Error::custom("the capacity must be a positive integer").with_span(c),
                );
                Spanned::new(Mailbox::DEFAULT_CAPACITY, span)
            }
        },
    };
    let overflow = match &mb.overflow {
        None => Spanned::new(Overflow::Block, span),
        Some(l) => Spanned::new(
            errors
                .handle(lit_choice(
                    l,
                    &[
                        ("block", Overflow::Block),
                        ("reject", Overflow::Reject),
                        ("drop_newest", Overflow::DropNewest),
                        ("drop_oldest", Overflow::DropOldest),
                    ],
                    "overflow policy",
                ))
                .unwrap_or(Overflow::Block),
            spans.at(l),
        ),
    };
    Mailbox {
        kind: MailboxKind::Bounded { capacity, overflow },
        span,
    }
}
