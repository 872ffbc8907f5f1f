//! `#[system]`: parse the module's items, build the shared model (validate), expand through the
//! shared emitter.

use std::collections::HashMap;
use std::num::NonZeroUsize;

use arbor_codegen::emit::names::snake_ident;
use arbor_codegen::model::{
    self as m, Actor, Arg, AutoShutdown, Child, ChildKind, Dependency, During, Intensity, Mailbox,
    MailboxKind, Message, MessageKind, Overflow, Protocol, Restart, RustType, Shutdown, Spanned,
    Strategy, Supervisor, Timeout,
};
use arbor_codegen::{SourceId, Span, Spec};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use crate::attr::{self, ActorOpts, CallOpts, ChildOpts, HandlersOpts, SupervisorOpts};

/// Model spans are indices into this table of token spans (source `DETACHED`, length 1), so
/// the analysis' diagnostics come back to the tokens they are about.
#[derive(Default)]
pub struct Spans(Vec<proc_macro2::Span>);

impl Spans {
    fn at(&mut self, t: &impl syn::spanned::Spanned) -> Span {
        self.0.push(t.span());
        Span::new(SourceId::DETACHED, self.0.len() - 1, 1)
    }
    /// [`Spans::at`] for a span already at hand.
    pub(crate) fn at_span(&mut self, span: proc_macro2::Span) -> Span {
        self.0.push(span);
        Span::new(SourceId::DETACHED, self.0.len() - 1, 1)
    }
    fn get(&self, s: Span) -> proc_macro2::Span {
        match self.0.get(s.start) {
            Some(sp) if s.source == SourceId::DETACHED => *sp,
            _ => proc_macro2::Span::call_site(),
        }
    }
}

/// Everything read from the module, before expansion.
pub struct Parsed {
    /// The model.
    pub spec: Spec,
    /// Handler and state impls to emit.
    impls: Vec<TokenStream>,
    /// The module's items with the macros' attributes removed.
    items: Vec<syn::Item>,
}

pub fn expand(args: TokenStream, input: TokenStream) -> syn::Result<TokenStream> {
    // (xsys hook) `#[system(externs(...))]`: actors of other systems, see externs.rs.
    let mut spans = Spans::default();
    let externs = crate::externs::parse(args, &mut spans)?;
    let module: syn::ItemMod = syn::parse2(input)?;
    let Some((_, items)) = module.content.clone() else {
        return Err(syn::Error::new_spanned(
            &module,
            "`#[system]` needs an inline module: `mod name { … }`",
        ));
    };
    let mut parsed = parse_items(items, &mut spans).map_err(syn::Error::from)?;
    parsed.spec.externs = externs; // (xsys hook)
    let generated = match arbor_codegen::emit::generate(&parsed.spec) {
        Ok(t) => t,
        Err(e) => {
            let mut errors = TokenStream::new();
            for d in e.diagnostics.iter().filter(|d| d.is_error()) {
                let span = d
                    .labels
                    .first()
                    .map_or(proc_macro2::Span::call_site(), |l| spans.get(l.span));
                let mut msg = format!("{} [{}]", d.message, d.code);
                if let Some(h) = &d.help {
                    msg.push_str(&format!("\n  = help: {h}"));
                }
                errors.extend(syn::Error::new(span, msg).to_compile_error());
            }
            errors
        }
    };
    let syn::ItemMod {
        attrs, vis, ident, ..
    } = module;
    let Parsed { impls, items, .. } = parsed;
    Ok(quote! {
        #(#attrs)*
        #vis mod #ident {
            #(#items)*
            #(#impls)*
            #generated
        }
    })
}

/// Builds the model from a module's items (public for the model-equality test).
pub fn parse_items(items: Vec<syn::Item>, spans: &mut Spans) -> darling::Result<Parsed> {
    let mut errors = darling::Error::accumulator();
    let mut spec = Spec::default();
    let mut out = Vec::new();
    let mut impls = Vec::new();
    // State struct name -> actor index.
    let mut states: HashMap<String, usize> = HashMap::new();
    let mut handler_blocks = Vec::new();
    let mut sup_structs = Vec::new();

    for item in items {
        match item {
            syn::Item::Struct(mut s) if has_derive(&s.attrs, "Actor") => {
                s.attrs.push(syn::parse_quote!(#[arbor_in_system]));
                let opts = take_opts::<ActorOpts>(&mut s.attrs, "actor", &mut errors);
                if let Some(a) = errors.handle(build_actor(&s, opts, spans)) {
                    states.insert(s.ident.to_string(), spec.actors.len());
                    spec.actors.push(a);
                }
                out.push(syn::Item::Struct(s));
            }
            syn::Item::Struct(mut s) if has_derive(&s.attrs, "Supervisor") => {
                let opts = take_opts::<SupervisorOpts>(&mut s.attrs, "supervisor", &mut errors);
                let mut children = Vec::new();
                for f in s.fields.iter_mut() {
                    let c = take_opts::<ChildOpts>(&mut f.attrs, "child", &mut errors);
                    children.push((f.clone(), c));
                }
                sup_structs.push((s.clone(), opts, children));
                // The struct itself stays as a marker (its fields name generated types).
                let syn::ItemStruct {
                    attrs, vis, ident, ..
                } = s;
                out.push(syn::parse_quote!(#(#attrs)* #[arbor_in_system] #vis struct #ident;));
            }
            syn::Item::Impl(mut i) if has_attr(&i.attrs, "handlers") => {
                let opts = take_opts::<HandlersOpts>(&mut i.attrs, "handlers", &mut errors);
                handler_blocks.push((i, opts));
            }
            other => out.push(other),
        }
    }

    for (block, opts) in handler_blocks {
        let self_name = match &*block.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let Some(idx) = self_name.as_deref().and_then(|n| states.get(n).copied()) else {
            errors.push(
                darling::Error::custom(
                    "`#[handlers]` must be on an impl block of a `#[derive(Actor)]` struct of this module",
                )
                .with_span(&block.self_ty),
            );
            continue;
        };
        if let Some(t) = errors.handle(build_handlers(&mut spec, idx, block, opts, spans)) {
            impls.push(t);
        }
    }
    // Actors without handlers still need a `State` impl.
    let with_handlers: Vec<usize> = spec
        .actors
        .iter()
        .enumerate()
        .filter(|(_, a)| !a.serves.is_empty())
        .map(|(i, _)| i)
        .collect();
    for (i, a) in spec.actors.iter().enumerate() {
        if !with_handlers.contains(&i) {
            let state = a.state.as_ref().map(|t| t.syn().clone());
            let module = snake_ident(a.name.as_str());
            impls.push(default_state(&state, &module));
        }
    }

    // Supervisors: nested ones are those named as a field of another.
    let sup_names: Vec<String> = sup_structs
        .iter()
        .map(|(s, _, _)| s.ident.to_string())
        .collect();
    let mut built: HashMap<String, Supervisor> = HashMap::new();
    let mut nested: Vec<String> = Vec::new();
    // Build children-first: iterate until all are built (nesting is acyclic in a valid system).
    let mut pending: Vec<_> = sup_structs.into_iter().collect();
    let mut progress = true;
    while !pending.is_empty() && progress {
        progress = false;
        let mut rest = Vec::new();
        for (s, opts, children) in pending {
            let deps: Vec<String> = children
                .iter()
                .filter_map(|(f, _)| type_name(&f.ty))
                .filter(|n| sup_names.contains(n) && !built.contains_key(n))
                .collect();
            if !deps.is_empty() {
                rest.push((s, opts, children));
                continue;
            }
            progress = true;
            if let Some(sup) = errors.handle(build_supervisor(
                &s,
                opts,
                &children,
                &built,
                &mut nested,
                spans,
            )) {
                built.insert(s.ident.to_string(), sup);
            }
        }
        pending = rest;
    }
    for (s, _, _) in &pending {
        errors.push(
            darling::Error::custom("supervisors nest each other in a cycle").with_span(&s.ident),
        );
    }
    for n in &sup_names {
        if !nested.contains(n)
            && let Some(s) = built.remove(n)
        {
            spec.supervisors.push(s);
        }
    }

    errors.finish_with(Parsed {
        spec,
        impls,
        items: out,
    })
}

fn has_derive(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|ps| {
                ps.iter()
                    .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
            })
    })
}

fn has_attr(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs
        .iter()
        .any(|a| a.path().segments.last().is_some_and(|s| s.ident == name))
}

/// Removes the attribute `name` and parses its options (defaults when absent).
fn take_opts<T: darling::FromMeta + Default>(
    attrs: &mut Vec<syn::Attribute>,
    name: &str,
    errors: &mut darling::error::Accumulator,
) -> T {
    let mut opts = T::default();
    attrs.retain(|a| {
        if a.path().segments.last().is_some_and(|s| s.ident == name) {
            if let Some(o) = errors.handle(attr::parse::<T>(a)) {
                opts = o;
            }
            false
        } else {
            true
        }
    });
    opts
}

fn model_ident(i: &syn::Ident, spans: &mut Spans) -> darling::Result<m::Ident> {
    let sp = spans.at(i);
    m::Ident::from_syn(i, sp).map_err(|e| darling::Error::custom(e.message).with_span(i))
}

fn name_ident(
    text: &str,
    at: &impl syn::spanned::Spanned,
    spans: &mut Spans,
) -> darling::Result<m::Ident> {
    let sp = spans.at(at);
    m::Ident::parse(text, sp).map_err(|e| darling::Error::custom(e.message).with_span(&at.span()))
}

fn path_ident(p: &syn::Path, spans: &mut Spans) -> darling::Result<m::Ident> {
    match p.get_ident() {
        Some(i) => model_ident(i, spans),
        None => Err(darling::Error::custom("expected an actor's name").with_span(p)),
    }
}

fn build_actor(s: &syn::ItemStruct, o: ActorOpts, spans: &mut Spans) -> darling::Result<Actor> {
    let mut errors = darling::Error::accumulator();
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
        (Some(mb), false) => {
            let capacity = match &mb.capacity {
                None => Spanned::new(Mailbox::DEFAULT_CAPACITY, span),
                Some(c) => match c.base10_parse::<usize>().ok().and_then(NonZeroUsize::new) {
                    Some(n) => Spanned::new(n, spans.at(c)),
                    None => {
                        errors.push(
                            darling::Error::custom("the capacity must be a positive integer")
                                .with_span(c),
                        );
                        Spanned::new(Mailbox::DEFAULT_CAPACITY, span)
                    }
                },
            };
            let overflow = match &mb.overflow {
                None => Spanned::new(Overflow::Block, span),
                Some(l) => {
                    let v = match l.value().as_str() {
                        "block" => Some(Overflow::Block),
                        "reject" => Some(Overflow::Reject),
                        "drop_newest" | "drop-newest" => Some(Overflow::DropNewest),
                        "drop_oldest" | "drop-oldest" => Some(Overflow::DropOldest),
                        _ => None,
                    };
                    match v {
                        Some(v) => Spanned::new(v, spans.at(l)),
                        None => {
                            errors.push(darling::Error::custom(
                                "unknown overflow policy: expected \"block\", \"reject\", \"drop_newest\" or \"drop_oldest\"",
                            ).with_span(l));
                            Spanned::new(Overflow::Block, span)
                        }
                    }
                }
            };
            Mailbox {
                kind: MailboxKind::Bounded { capacity, overflow },
                span,
            }
        }
    };
    let mut deps =
        |list: &[syn::Path], during: During, errors: &mut darling::error::Accumulator| {
            list.iter()
                .filter_map(|p| {
                    let target = errors.handle(path_ident(p, spans))?;
                    Some(Dependency {
                        target,
                        during,
                        span: spans.at(p),
                    })
                })
                .collect::<Vec<_>>()
        };
    let mut calls = deps(&o.calls, During::Run, &mut errors);
    calls.extend(deps(&o.calls_during_init, During::Init, &mut errors));
    let casts = deps(&o.casts, During::Run, &mut errors);
    let ty: syn::Type = {
        let i = &s.ident;
        syn::parse_quote!(#i)
    };
    let state = RustType::from_syn(ty, span)
        .map_err(|e| darling::Error::custom(e.message).with_span(&s.ident));
    let state = errors.handle(state);
    errors.finish()?;
    Ok(Actor {
        name: name.expect("no error"),
        serves: Vec::new(),
        state,
        mailbox,
        calls,
        casts,
        deferred: Vec::new(),
        terminate: Spanned::new(false, span),
        allows: Vec::new(),
        span,
    })
}

fn default_state(state: &Option<syn::Type>, module: &syn::Ident) -> TokenStream {
    quote! {
        impl #module::State for #state {
            type Args = ();
            async fn init(_args: (), _ctx: &mut #module::Ctx) -> ::std::result::Result<Self, ::arbor::ExitReason> {
                ::std::result::Result::Ok(<Self as ::std::default::Default>::default())
            }
        }
    }
}

fn build_handlers(
    spec: &mut Spec,
    idx: usize,
    block: syn::ItemImpl,
    opts: HandlersOpts,
    spans: &mut Spans,
) -> darling::Result<TokenStream> {
    let mut errors = darling::Error::accumulator();
    let actor_name = spec.actors[idx].name.as_str().to_owned();
    let block_span = spans.at(&block.self_ty);
    let proto_name = match &opts.protocol {
        Some(p) => name_ident(&p.value(), p, spans)?,
        None => name_ident(&format!("{actor_name}Protocol"), &block.self_ty, spans)?,
    };
    let module = snake_ident(&actor_name);
    let pmod = snake_ident(proto_name.as_str());
    let self_ty = &block.self_ty;
    let mut messages = Vec::new();
    let mut handler_fns = Vec::new();
    let mut state_fns = Vec::new();
    let mut inherent = Vec::new();
    let mut has_init = false;
    let mut deferred = Vec::new();
    let mut terminate = false;
    for item in block.items {
        let syn::ImplItem::Fn(mut f) = item else {
            inherent.push(item.into_token_stream());
            continue;
        };
        let kind = if has_attr(&f.attrs, "call") {
            let o = take_opts::<CallOpts>(&mut f.attrs, "call", &mut errors);
            if o.deferred.is_present() {
                deferred.push(errors.handle(model_ident(&f.sig.ident, spans)));
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
            errors
                .handle(reply)
                .map(|reply| MessageKind::Call { reply, timeout })
        } else if has_attr(&f.attrs, "cast") {
            f.attrs.retain(|a| !a.path().is_ident("cast"));
            check_unit_return(&f, "cast", &mut errors);
            Some(MessageKind::Cast)
        } else if has_attr(&f.attrs, "info") {
            f.attrs.retain(|a| !a.path().is_ident("info"));
            check_unit_return(&f, "info", &mut errors);
            Some(MessageKind::Info)
        } else if has_attr(&f.attrs, "init") {
            f.attrs.retain(|a| !a.path().is_ident("init"));
            has_init = true;
            let args_ty = match f.sig.inputs.first() {
                Some(syn::FnArg::Typed(t)) if f.sig.inputs.len() == 2 => Some(t.ty.clone()),
                _ => {
                    errors.push(darling::Error::custom(format!(
                        "an `#[init]` handler is `async fn {}(args: Args, ctx: &mut {module}::Ctx) -> Result<Self, arbor::ExitReason>`",
                        f.sig.ident
                    )).with_span(&f.sig));
                    None
                }
            };
            let ident = &f.sig.ident;
            f.sig.ident = syn::Ident::new("init", ident.span());
            f.vis = syn::Visibility::Inherited;
            state_fns.push(quote!(type Args = #args_ty;));
            state_fns.push(f.into_token_stream());
            continue;
        } else if has_attr(&f.attrs, "terminate") {
            f.attrs.retain(|a| !a.path().is_ident("terminate"));
            terminate = true;
            f.sig.ident = syn::Ident::new("terminate", f.sig.ident.span());
            f.vis = syn::Visibility::Inherited;
            state_fns.push(f.into_token_stream());
            continue;
        } else {
            inherent.push(f.into_token_stream());
            continue;
        };
        let Some(kind) = kind else { continue };
        // Signature: `async fn name(&mut self, args…, ctx: &mut Ctx)`.
        let mut inputs = f.sig.inputs.iter();
        let receiver_ok = matches!(inputs.next(), Some(syn::FnArg::Receiver(r)) if matches!(r.kind, syn::ReceiverKind::Reference(_, _, Some(_))));
        let rest: Vec<&syn::FnArg> = inputs.collect();
        let deferred_call = deferred.last().is_some_and(|d: &Option<m::Ident>| {
            d.as_ref().is_some_and(|d| f.sig.ident == d.as_str())
        });
        if !receiver_ok || rest.is_empty() || (f.sig.asyncness.is_none() && !deferred_call) {
            errors.push(
                darling::Error::custom(format!(
                    "wrong handler signature: expected `async fn {}(&mut self, <arguments…>, ctx: &mut {module}::Ctx)`",
                    f.sig.ident
                ))
                .with_span(&f.sig),
            );
            continue;
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
        if let Some(name) = errors.handle(model_ident(&f.sig.ident, spans)) {
            messages.push(Message {
                name,
                kind,
                args,
                span: spans.at(&f.sig.ident),
            });
        }
        f.vis = syn::Visibility::Inherited;
        handler_fns.push(f.into_token_stream());
    }
    errors.finish()?;
    let proto = Protocol {
        name: proto_name.clone(),
        messages,
        span: block_span,
    };
    let actor = &mut spec.actors[idx];
    actor.serves.push(proto_name);
    actor.deferred.extend(deferred.into_iter().flatten());
    actor.terminate = Spanned::new(terminate, actor.span);
    spec.protocols.push(proto);
    let state_impl = if has_init {
        quote!(impl #module::State for #self_ty { #(#state_fns)* })
    } else {
        let init = quote! {
            type Args = ();
            async fn init(_args: (), _ctx: &mut #module::Ctx) -> ::std::result::Result<Self, ::arbor::ExitReason> {
                ::std::result::Result::Ok(<Self as ::std::default::Default>::default())
            }
        };
        quote!(impl #module::State for #self_ty { #init #(#state_fns)* })
    };
    let inherent = (!inherent.is_empty()).then(|| quote!(impl #self_ty { #(#inherent)* }));
    Ok(quote! {
        impl #pmod::Handler<#module::Ctx> for #self_ty { #(#handler_fns)* }
        #state_impl
        #inherent
    })
}

fn check_unit_return(f: &syn::ImplItemFn, what: &str, errors: &mut darling::error::Accumulator) {
    if let syn::ReturnType::Type(_, t) = &f.sig.output {
        errors.push(
            darling::Error::custom(format!("a `#[{what}]` handler returns nothing: remove the return type, or make it a `#[call]`"))
                .with_span(t),
        );
    }
}

fn type_name(t: &syn::Type) -> Option<String> {
    match t {
        syn::Type::Path(p) => p.path.get_ident().map(ToString::to_string),
        _ => None,
    }
}

fn lit_choice<T: Copy>(l: &syn::LitStr, choices: &[(&str, T)], what: &str) -> darling::Result<T> {
    let v = l.value().replace('-', "_");
    choices
        .iter()
        .find(|(n, _)| *n == v)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            let names: Vec<String> = choices.iter().map(|(n, _)| format!("\"{n}\"")).collect();
            darling::Error::custom(format!(
                "unknown {what} `{}`: expected one of {}",
                l.value(),
                names.join(", ")
            ))
            .with_span(l)
        })
}

const STRATEGIES: &[(&str, Strategy)] = &[
    ("one_for_one", Strategy::OneForOne),
    ("one_for_all", Strategy::OneForAll),
    ("rest_for_one", Strategy::RestForOne),
];

fn build_supervisor(
    s: &syn::ItemStruct,
    o: SupervisorOpts,
    children: &[(syn::Field, ChildOpts)],
    built: &HashMap<String, Supervisor>,
    nested: &mut Vec<String>,
    spans: &mut Spans,
) -> darling::Result<Supervisor> {
    let mut errors = darling::Error::accumulator();
    let span = spans.at(&s.ident);
    let name = errors.handle(model_ident(&s.ident, spans));
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
    let mut kids = Vec::new();
    for (f, c) in children {
        let Some(fname) = &f.ident else {
            errors.push(
                darling::Error::custom("a supervisor's children are named fields").with_span(f),
            );
            continue;
        };
        let Some(id) = errors.handle(model_ident(fname, spans)) else {
            continue;
        };
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
            let Some(actor) = errors.handle(match &f.ty {
                syn::Type::Path(p) => path_ident(&p.path, spans),
                t => Err(darling::Error::custom(
                    "a child's type is an actor or a supervisor of this module",
                )
                .with_span(t)),
            }) else {
                continue;
            };
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
        kids.push(Child {
            id,
            restart,
            shutdown,
            significant,
            kind,
            span: fspan,
        });
    }
    errors.finish()?;
    Ok(Supervisor {
        name: name.expect("no error"),
        strategy,
        intensity,
        auto_shutdown,
        children: kids,
        allows: Vec::new(),
        span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One system, two spellings: the KDL and the macros give equal models.
    #[test]
    fn the_macro_model_equals_the_kdl_model() {
        let kdl = r#"
protocol Orders {
    call order reply="Option<u64>" timeout="1s" {
        arg item String
    }
    call orders reply=u64
    cast crash
}
protocol Prices {
    call price reply="Option<u64>" timeout="500ms" {
        arg item String
    }
}
actor Counter {
    serves Orders
    state CounterState
    mailbox capacity=64 overflow=reject
    calls Store
}
actor Store {
    serves Prices
    state StoreState
    terminate
}
supervisor Shop strategy=rest_for_one max-restarts=5 max-seconds=10 {
    child store actor=Store shutdown="1s"
    child counter actor=Counter restart=transient
}
"#;
        let mut sources = arbor_codegen::SourceMap::new();
        sources.add("shop.kdl".to_owned(), kdl.to_owned());
        let (from_kdl, diags) = arbor_codegen::parse_all(&sources);
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");

        let file: syn::File = syn::parse_quote! {
            #[derive(Default, Actor)]
            #[actor(mailbox(capacity = 64, overflow = "reject"), calls(Store))]
            pub struct CounterState { n: u64 }

            #[handlers(protocol = "Orders")]
            impl CounterState {
                #[call(timeout = "1s")]
                async fn order(&mut self, item: String, ctx: &mut counter::Ctx) -> Option<u64> { None }
                #[call]
                async fn orders(&mut self, _ctx: &mut counter::Ctx) -> u64 { 0 }
                #[cast]
                async fn crash(&mut self, _ctx: &mut counter::Ctx) {}
            }

            #[derive(Default, Actor)]
            pub struct StoreState;

            #[handlers(protocol = "Prices")]
            impl StoreState {
                #[call(timeout = "500ms")]
                async fn price(&mut self, item: String, _ctx: &mut store::Ctx) -> Option<u64> { None }
                #[terminate]
                async fn stop(&mut self, _r: &arbor::ExitReason, _ctx: &mut store::Ctx) {}
            }

            #[derive(Supervisor)]
            #[supervisor(strategy = "rest_for_one", max_restarts = 5, max_seconds = 10)]
            pub struct Shop {
                #[child(shutdown = "1s")]
                store: Store,
                #[child(restart = "transient")]
                counter: Counter,
            }
        };
        let mut spans = Spans::default();
        let parsed = parse_items(file.items, &mut spans).expect("the items parse");
        assert_eq!(parsed.spec, from_kdl);
    }
}
