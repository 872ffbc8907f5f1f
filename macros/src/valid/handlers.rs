//! A `#[handlers]` block → the protocol its actor serves (messages from the `#[call]`,
//! `#[cast]` and `#[info]` methods) and the actor's deferred calls and terminate hook.

use arbor_codegen::Spec;
use arbor_codegen::emit::names::snake_ident;
use arbor_codegen::model::{Arg, Message, MessageKind, Protocol, RustType, Spanned, Timeout};

use super::{Spans, StateImpl, model_ident, name_ident};
use crate::ast::{HandlersItem, Role};

/// Reads a handlers block of actor `idx` into the model and `state`.
pub fn build(
    spec: &mut Spec,
    idx: usize,
    state: &mut StateImpl,
    block: HandlersItem,
    spans: &mut Spans,
) -> darling::Result<()> {
    let mut errors = darling::Error::accumulator();
    let actor_name = spec.actors[idx].name.as_str().to_owned();
    let self_ty = &block.block.self_ty;
    let block_span = spans.at(self_ty);
    let proto_name = match &block.opts.protocol {
        Some(p) => name_ident(&p.value(), p, spans)?,
        None => name_ident(&format!("{actor_name}Protocol"), self_ty, spans)?,
    };
    let module = &state.actor_module;
    let mut messages = Vec::new();
    let mut handler_fns = Vec::new();
    let mut deferred = Vec::new();
    let mut terminate = false;
    state.inherent.extend(block.other);
    for method in block.methods {
        let mut f = method.f;
        let kind = match method.role {
            Role::Call(o) => {
                if o.deferred.is_present() {
                    deferred.extend(errors.handle(model_ident(&f.sig.ident, spans)));
                }
                let timeout = match &o.timeout {
                    None => Spanned::new(Timeout::DEFAULT, spans.at(&f.sig.ident)),
                    Some(l) => match Timeout::parse(&l.value()) {
                        Ok(t) => Spanned::new(t, spans.at(l)),
                        Err(e) => {
                            let mut msg = format!("bad timeout: {}", e.message);
                            if let Some(h) = e.help {
                                msg.push_str(&format!(" ({h})"));
                            }
                            errors.push(darling::Error::custom(msg).with_span(l));
                            Spanned::new(Timeout::DEFAULT, spans.at(l))
                        }
                    },
                };
                let reply = match &f.sig.output {
                    syn::ReturnType::Default => Ok(RustType::unit(spans.at(&f.sig.ident))),
                    syn::ReturnType::Type(_, t) => RustType::from_syn((**t).clone(), spans.at(t))
                        .map_err(|e| darling::Error::custom(e.message).with_span(t)),
                };
                let Some(reply) = errors.handle(reply) else {
                    continue;
                };
                MessageKind::Call { reply, timeout }
            }
            Role::Cast => {
                check_unit_return(&f, "cast", &mut errors);
                MessageKind::Cast
            }
            Role::Info => {
                check_unit_return(&f, "info", &mut errors);
                MessageKind::Info
            }
            Role::Init => {
                match f.sig.inputs.first() {
                    Some(syn::FnArg::Typed(t)) if f.sig.inputs.len() == 2 => {
                        let args = (*t.ty).clone();
                        f.sig.ident = syn::Ident::new("init", f.sig.ident.span());
                        f.vis = syn::Visibility::Inherited;
                        state.init = Some((args, f));
                    }
                    _ => errors.push(darling::Error::custom(format!(
                        "an `#[init]` handler is `async fn {}(args: Args, ctx: &mut {module}::Ctx) -> Result<Self, arbor::ExitReason>`",
                        f.sig.ident
                    )).with_span(&f.sig)),
                }
                continue;
            }
            Role::Terminate => {
                terminate = true;
                f.sig.ident = syn::Ident::new("terminate", f.sig.ident.span());
                f.vis = syn::Visibility::Inherited;
                state.terminate = Some(f);
                continue;
            }
            Role::Inherent => {
                state.inherent.push(syn::ImplItem::Fn(f));
                continue;
            }
        };
        let deferred_call = deferred
            .last()
            .is_some_and(|d: &arbor_codegen::model::Ident| f.sig.ident == d.as_str());
        let Some(args) = handler_args(&f, deferred_call, module, spans, &mut errors) else {
            continue;
        };
        if let Some(name) = errors.handle(model_ident(&f.sig.ident, spans)) {
            messages.push(Message {
                name,
                kind,
                args,
                span: spans.at(&f.sig.ident),
            });
        }
        f.vis = syn::Visibility::Inherited;
        handler_fns.push(f);
    }
    errors.finish()?;
    let actor = &mut spec.actors[idx];
    actor.serves.push(proto_name.clone());
    actor.deferred.extend(deferred);
    actor.terminate = Spanned::new(terminate, actor.span);
    state.handlers = Some((snake_ident(proto_name.as_str()), handler_fns));
    spec.protocols.push(Protocol {
        name: proto_name,
        messages,
        span: block_span,
    });
    Ok(())
}

/// A handler's message arguments: `async fn name(&mut self, args…, ctx: &mut Ctx)`.
fn handler_args(
    f: &syn::ImplItemFn,
    deferred: bool,
    module: &syn::Ident,
    spans: &mut Spans,
    errors: &mut darling::error::Accumulator,
) -> Option<Vec<Arg>> {
    let mut inputs = f.sig.inputs.iter();
    let receiver_ok = matches!(inputs.next(), Some(syn::FnArg::Receiver(r)) if matches!(r.kind, syn::ReceiverKind::Reference(_, _, Some(_))));
    let rest: Vec<&syn::FnArg> = inputs.collect();
    if !receiver_ok || rest.is_empty() || (f.sig.asyncness.is_none() && !deferred) {
        errors.push(
            darling::Error::custom(format!(
                "wrong handler signature: expected `async fn {}(&mut self, <arguments…>, ctx: &mut {module}::Ctx)`",
                f.sig.ident
            ))
            .with_span(&f.sig),
        );
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
    Some(args)
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
