//! A `#[handlers]` block → the protocol its actor serves, and the actor's deferred calls and
//! terminate hook. Either the block declares the protocol (its `#[call]`, `#[cast]` and
//! `#[info]` methods are the messages), or it names a `#[protocol]` trait of the module and
//! each handler is checked against that trait's message.

use std::collections::HashMap;

use arbor_codegen::Spec;
use arbor_codegen::emit::names::snake_ident;
use arbor_codegen::model::{
    self as m, Arg, Message, MessageKind, Protocol, RustType, Spanned, Timeout,
};

use super::{Spans, StateImpl, did_you_mean, model_ident, name_ident, timeout, type_text};
use crate::ast::{HandlersItem, Role};
use crate::attr::ProtocolRef;

/// Reads a handlers block of actor `idx` into the model and `state`. `declared` maps the
/// `#[protocol]` traits' names to their index in `spec.protocols`.
pub fn build(
    spec: &mut Spec,
    idx: usize,
    state: &mut StateImpl,
    block: HandlersItem,
    declared: &HashMap<String, usize>,
    spans: &mut Spans,
) -> darling::Result<()> {
    let actor_name = spec.actors[idx].name.as_str().to_owned();
    let self_ty = &block.block.self_ty;
    let block_span = spans.at(self_ty);
    let served: Option<(Protocol, ProtocolRef)> = match &block.opts.protocol {
        Some(r) => match declared.get(&r.name()) {
            Some(&i) => Some((spec.protocols[i].clone(), r.clone())),
            None => {
                if let ProtocolRef::Declared(ident) = r {
                    let mut msg = format!(
                        "unknown protocol `{ident}`: declare it in this module with `#[protocol] trait {ident} {{ … }}`, or write `protocol = \"{ident}\"` to make this block's handlers the protocol"
                    );
                    if let Some(s) = did_you_mean(&ident.to_string(), declared.keys()) {
                        msg = format!("unknown protocol `{ident}`: did you mean `{s}`?");
                    }
                    return Err(darling::Error::custom(msg).with_span(ident));
                }
                None
            }
        },
        None => None,
    };
    let proto_name = match (&block.opts.protocol, &served) {
        (_, Some((p, r))) => m::Ident::parse(p.name.as_str(), spans.at(&r.span()))
            .map_err(|e| darling::Error::custom(e.message))?,
        (Some(r), None) => name_ident(&r.name(), &r.span(), spans)?,
        (None, None) => name_ident(&format!("{actor_name}Protocol"), self_ty, spans)?,
    };
    // Created after the early returns: an accumulator must be finished, never dropped.
    let mut errors = darling::Error::accumulator();
    let module = state.actor_module.clone();
    let mut messages = Vec::new();
    let mut handled: Vec<String> = Vec::new();
    let mut handler_fns = Vec::new();
    let mut deferred = Vec::new();
    let mut terminate = false;
    state.inherent.extend(block.other);
    for method in block.methods {
        let mut f = method.f;
        let expected = served
            .as_ref()
            .and_then(|(p, _)| p.message(&f.sig.ident.to_string()));
        let kind = match method.role {
            Role::Init => {
                init(f, &module, state, &mut errors);
                continue;
            }
            Role::Terminate => {
                terminate = true;
                f.sig.ident = syn::Ident::new("terminate", f.sig.ident.span());
                f.vis = syn::Visibility::Inherited;
                state.terminate = Some(f);
                continue;
            }
            // An unmarked method named after a message of the served protocol handles it.
            Role::Inherent if expected.is_none() => {
                state.inherent.push(syn::ImplItem::Fn(f));
                continue;
            }
            Role::Inherent => None,
            Role::Call(o) => {
                if let Some(l) = &o.reply {
                    errors.push(
                        darling::Error::custom(
                            "`reply` is for a variant of a `#[protocol]` enum: a handler's reply is its return type",
                        )
                        .with_span(l),
                    );
                }
                if o.deferred.is_present() {
                    deferred.extend(errors.handle(model_ident(&f.sig.ident, spans)));
                }
                if let (Some(l), Some((p, _))) = (&o.timeout, &served) {
                    errors.push(
                        darling::Error::custom(format!(
                            "the timeout is part of protocol `{}`: set it on the trait's `{}`",
                            p.name, f.sig.ident
                        ))
                        .with_span(l),
                    );
                }
                let timeout = match &o.timeout {
                    None => Some(Spanned::new(Timeout::DEFAULT, spans.at(&f.sig.ident))),
                    Some(l) => errors.handle(timeout(l, spans)),
                };
                let reply = reply_of(&f, o.deferred.is_present(), spans);
                match (errors.handle(reply), timeout) {
                    (Some(reply), Some(timeout)) => Some(MessageKind::Call { reply, timeout }),
                    _ => continue,
                }
            }
            Role::Cast => {
                check_unit_return(&f, "cast", &mut errors);
                Some(MessageKind::Cast)
            }
            Role::Info => {
                check_unit_return(&f, "info", &mut errors);
                Some(MessageKind::Info)
            }
        };
        let deferred_call = deferred
            .last()
            .is_some_and(|d: &m::Ident| f.sig.ident == d.as_str());
        let Some(args) = handler_args(&f, deferred_call, &module, spans, &mut errors) else {
            continue;
        };
        match &served {
            Some((p, _)) => {
                let Some(expected) = expected else {
                    let mut msg = format!(
                        "protocol `{}` has no message `{}`: add it to the trait, or remove the `#[{}]` marker to keep it an inherent method",
                        p.name,
                        f.sig.ident,
                        role_name(kind.as_ref())
                    );
                    let names = p.messages.iter().map(|m| m.name.as_str());
                    if let Some(s) = did_you_mean(&f.sig.ident.to_string(), names) {
                        msg.push_str(&format!(" (did you mean `{s}`?)"));
                    }
                    errors.push(darling::Error::custom(msg).with_span(&f.sig.ident));
                    continue;
                };
                let written = Written {
                    f: &f,
                    kind: kind.as_ref(),
                    args: &args,
                    deferred: deferred_call,
                };
                check_against(&written, expected, &p.name, spans, &mut errors);
                handled.push(f.sig.ident.to_string());
            }
            None => {
                if let Some(name) = errors.handle(model_ident(&f.sig.ident, spans)) {
                    messages.push(Message {
                        name,
                        kind: kind.expect("marked"),
                        args,
                        span: spans.at(&f.sig.ident),
                    });
                }
            }
        }
        f.vis = syn::Visibility::Inherited;
        handler_fns.push(f);
    }
    if let Some((p, r)) = &served {
        for missing in p
            .messages
            .iter()
            .filter(|msg| !handled.iter().any(|h| h == msg.name.as_str()))
        {
            errors.push(
                darling::Error::custom(format!(
                    "no handler for `{}::{}` in this block: add `{}`",
                    p.name,
                    missing.name,
                    handler_signature(missing, &module)
                ))
                .with_span(&r.span()),
            );
        }
    }
    errors.finish()?;
    let actor = &mut spec.actors[idx];
    actor.serves.push(proto_name.clone());
    actor.deferred.extend(deferred);
    actor.terminate = Spanned::new(terminate, actor.span);
    state
        .handlers
        .push((snake_ident(proto_name.as_str()), handler_fns));
    if served.is_none() {
        spec.protocols.push(Protocol {
            name: proto_name,
            messages,
            span: block_span,
        });
    }
    Ok(())
}

/// `#[init] async fn new(args: Args, ctx: &mut Ctx) -> Result<Self, ExitReason>`.
fn init(
    mut f: syn::ImplItemFn,
    module: &syn::Ident,
    state: &mut StateImpl,
    errors: &mut darling::error::Accumulator,
) {
    match f.sig.inputs.first() {
        Some(syn::FnArg::Typed(t)) if f.sig.inputs.len() == 2 => {
            let args = (*t.ty).clone();
            f.sig.ident = syn::Ident::new("init", f.sig.ident.span());
            f.vis = syn::Visibility::Inherited;
            state.init = Some((args, f));
        }
        _ => errors.push(
            darling::Error::custom(format!(
                "an `#[init]` handler is `async fn {}(args: Args, ctx: &mut {module}::Ctx) -> Result<Self, arbor::ExitReason>`",
                f.sig.ident
            ))
            .with_span(&f.sig),
        ),
    }
}

fn role_name(kind: Option<&MessageKind>) -> &'static str {
    match kind {
        Some(MessageKind::Call { .. }) => "call",
        Some(MessageKind::Cast) => "cast",
        Some(MessageKind::Info) => "info",
        None => "handler",
    }
}

/// A handler as written in a block serving a declared protocol.
struct Written<'a> {
    f: &'a syn::ImplItemFn,
    /// From its marker (`None`: unmarked, named like the message).
    kind: Option<&'a MessageKind>,
    args: &'a [Arg],
    deferred: bool,
}

/// A handler of a declared protocol's message: same kind, same argument types, same reply.
fn check_against(
    written: &Written<'_>,
    expected: &Message,
    protocol: &m::Ident,
    spans: &mut Spans,
    errors: &mut darling::error::Accumulator,
) {
    let Written {
        f,
        kind,
        args,
        deferred,
    } = *written;
    let what = format!("`{protocol}::{}`", expected.name);
    if let Some(kind) = kind
        && std::mem::discriminant(kind) != std::mem::discriminant(&expected.kind)
    {
        errors.push(
            darling::Error::custom(format!(
                "{what} is a {} message: mark its handler `#[{}]`",
                role_name(Some(&expected.kind)),
                role_name(Some(&expected.kind))
            ))
            .with_span(&f.sig.ident),
        );
        return;
    }
    if args.len() != expected.args.len() {
        errors.push(
            darling::Error::custom(format!(
                "{what} takes {} argument(s), this handler {}: expected `{}`",
                expected.args.len(),
                args.len(),
                handler_signature(expected, &syn::Ident::new("actor", f.sig.ident.span()))
            ))
            .with_span(&f.sig.inputs),
        );
        return;
    }
    let typed: Vec<&syn::PatType> = f
        .sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) => Some(t),
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    for (i, (got, want)) in args.iter().zip(&expected.args).enumerate() {
        if got.ty != want.ty {
            errors.push(
                darling::Error::custom(format!(
                    "argument `{}` of {what} is a `{}`, not a `{}`",
                    want.name,
                    type_text(&want.ty),
                    type_text(&got.ty)
                ))
                .with_span(&typed[i].ty),
            );
        }
    }
    if let MessageKind::Call { reply, .. } = &expected.kind {
        // A type the model refuses was reported when the handler was read.
        let got = reply_of(f, deferred, spans).ok();
        if let Some(got) = got
            && got != *reply
        {
            let at: &dyn syn::spanned::Spanned = match &f.sig.output {
                syn::ReturnType::Default => &f.sig.ident,
                syn::ReturnType::Type(_, t) => t,
            };
            errors.push(
                darling::Error::custom(format!(
                    "{what} replies with a `{}`: this handler returns a `{}`",
                    type_text(reply),
                    type_text(&got)
                ))
                .with_span(&at.span()),
            );
        }
    }
}

/// A call handler's reply: its return type, or for a deferred call `T` of its
/// `impl Future<Output = T> + Send + 'static` (the work that computes the reply off the actor).
fn reply_of(f: &syn::ImplItemFn, deferred: bool, spans: &mut Spans) -> darling::Result<RustType> {
    let t = match &f.sig.output {
        syn::ReturnType::Default if !deferred => return Ok(RustType::unit(spans.at(&f.sig.ident))),
        syn::ReturnType::Type(_, t) if !deferred => t,
        output => {
            let future = match output {
                syn::ReturnType::Type(_, t) => future_output(t),
                syn::ReturnType::Default => None,
            };
            return match future {
                Some(t) => RustType::from_syn(t.clone(), spans.at(t))
                    .map_err(|e| darling::Error::custom(e.message).with_span(t)),
                None => Err(darling::Error::custom(format!(
                    "a deferred call's handler returns the work that computes the reply: `fn {}(&mut self, …) -> impl Future<Output = Reply> + Send + 'static` (not `async fn`)",
                    f.sig.ident
                ))
                .with_span(&f.sig)),
            };
        }
    };
    RustType::from_syn((**t).clone(), spans.at(t))
        .map_err(|e| darling::Error::custom(e.message).with_span(t))
}

/// `T` of `impl Future<Output = T> + …`.
fn future_output(t: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::ImplTrait(it) = t else {
        return None;
    };
    it.bounds.iter().find_map(|b| {
        let syn::TypeParamBound::Trait(tb) = b else {
            return None;
        };
        let last = tb.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|a| match a {
            syn::GenericArgument::AssocType(at) if at.ident == "Output" => Some(&at.ty),
            _ => None,
        })
    })
}

/// How a handler of `m` is written.
fn handler_signature(msg: &Message, module: &syn::Ident) -> String {
    let mut s = format!("async fn {}(&mut self", msg.name);
    for a in &msg.args {
        s.push_str(&format!(", {}: {}", a.name, type_text(&a.ty)));
    }
    s.push_str(&format!(", ctx: &mut {module}::Ctx)"));
    if let MessageKind::Call { reply, .. } = &msg.kind
        && reply.to_string() != "()"
    {
        s.push_str(&format!(" -> {}", type_text(reply)));
    }
    s
}

/// A handler's message arguments: `async fn name(&mut self, args…, ctx: &mut Ctx)`.
fn handler_args(
    f: &syn::ImplItemFn,
    deferred: bool,
    module: &syn::Ident,
    spans: &mut Spans,
    errors: &mut darling::error::Accumulator,
) -> Option<Vec<Arg>> {
    let name = &f.sig.ident;
    let expected = format!("`async fn {name}(&mut self, <arguments…>, ctx: &mut {module}::Ctx)`");
    let mut ok = true;
    let mut wrong = |at: proc_macro2::Span, message: String| {
        errors.push(darling::Error::custom(message).with_span(&quote::quote_spanned!(at=> _)));
        ok = false;
    };
    use syn::spanned::Spanned as _;
    if f.sig.asyncness.is_none() && !deferred {
        wrong(
            f.sig.fn_token.span(),
            format!("handler `{name}` must be an `async fn`: {expected}"),
        );
    }
    let mut inputs = f.sig.inputs.iter().peekable();
    match inputs.peek() {
        Some(syn::FnArg::Receiver(r)) => {
            if !matches!(r.kind, syn::ReceiverKind::Reference(_, _, Some(_))) {
                let written = if matches!(r.kind, syn::ReceiverKind::Reference(..)) {
                    "`&self`"
                } else {
                    "`self`"
                };
                wrong(
                    r.span(),
                    format!(
                        "handler `{name}` takes {written}: a handler takes `&mut self` (the \
                         actor's state, which it may change): {expected}"
                    ),
                );
            }
            inputs.next();
        }
        Some(first) => wrong(
            first.span(),
            format!("handler `{name}` has no `&mut self` before its arguments: {expected}"),
        ),
        None => wrong(
            f.sig.paren_token.span.join(),
            format!("handler `{name}` has no `&mut self` and no `ctx`: {expected}"),
        ),
    }
    let rest: Vec<&syn::FnArg> = inputs.collect();
    // The last parameter is the context; anything else there is a message argument that
    // would silently be taken for it.
    match rest.last() {
        Some(syn::FnArg::Typed(pt)) if is_ctx(&pt.ty) => {}
        Some(syn::FnArg::Typed(pt)) if matches!(&*pt.pat, syn::Pat::Ident(i) if i.ident == "ctx" || i.ident == "_ctx") => {
            wrong(
                pt.ty.span(),
                format!(
                    "handler `{name}`'s context must be `&mut {module}::Ctx`, not `{}`",
                    quote::ToTokens::to_token_stream(&pt.ty)
                        .to_string()
                        .replace("& mut ", "&mut ")
                ),
            )
        }
        Some(last) => wrong(
            last.span(),
            format!(
                "handler `{name}` ends without its context: add `ctx: &mut {module}::Ctx` as \
                 the last parameter (`_ctx` if unused): {expected}"
            ),
        ),
        None if !f.sig.inputs.is_empty() => wrong(
            f.sig.paren_token.span.close(),
            format!(
                "handler `{name}` has no context: add `ctx: &mut {module}::Ctx` as the last \
                 parameter (`_ctx` if unused): {expected}"
            ),
        ),
        None => {}
    }
    if !ok {
        return None;
    }
    let mut args = Vec::new();
    for a in &rest[..rest.len() - 1] {
        let syn::FnArg::Typed(pt) = a else { continue };
        let syn::Pat::Ident(pi) = &*pt.pat else {
            errors.push(
                darling::Error::custom("a handler's argument must be a plain name")
                    .with_span(&pt.pat),
            );
            continue;
        };
        // `_key` (unused in this handler) is the message's argument `key`.
        let written = pi.ident.to_string();
        let name = match written.strip_prefix('_') {
            Some(rest) if !rest.is_empty() && !rest.starts_with('_') => {
                errors.handle(name_ident(rest, &pi.ident, spans))
            }
            _ => errors.handle(model_ident(&pi.ident, spans)),
        };
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
    Some(args)
}

/// `&mut Ctx`, `&mut a::Ctx`: a handler's context parameter.
fn is_ctx(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) if r.mutability.is_some() => match &*r.elem {
            syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Ctx"),
            _ => false,
        },
        _ => false,
    }
}

fn check_unit_return(f: &syn::ImplItemFn, what: &str, errors: &mut darling::error::Accumulator) {
    if let syn::ReturnType::Type(_, t) = &f.sig.output {
        errors.push(
            darling::Error::custom(format!(
                "a `#[{what}]` handler returns nothing: remove the return type, or make it a `#[call]`"
            ))
            .with_span(t),
        );
    }
}
