//! Expand: the module as written (minus the macros' attributes), the handler and state impls,
//! and the code the shared emitter generates from the model. The emitter runs the shared
//! analysis first; its diagnostics become `syn::Error`s on the tokens they are about.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast;
use crate::valid::{self, Spans, StateImpl};

/// `#[system]` on a module.
pub fn system(args: TokenStream, input: TokenStream) -> syn::Result<TokenStream> {
    // `#[system(externs(...))]`: actors of other generated systems (see externs.rs).
    let mut spans = Spans::default();
    let externs = crate::externs::parse(args, &mut spans)?;
    let module: syn::ItemMod = syn::parse2(input)?;
    let Some((_, items)) = module.content.clone() else {
        return Err(syn::Error::new_spanned(
            &module,
            "`#[system]` needs an inline module: `mod name { … }`",
        ));
    };
    let mut errors = darling::Error::accumulator();
    let sorted = ast::read(items, &mut errors);
    let protocol_modules: Vec<ast::ModPath> = sorted
        .protocols
        .iter()
        .map(|p| p.at.clone())
        .chain(sorted.handlers.iter().map(|h| h.at.clone()))
        .collect();
    let passthrough = sorted.passthrough.clone();
    let extern_names: Vec<String> = externs.iter().map(|e| e.name.as_str().to_owned()).collect();
    let mut validated = valid::validate_with(sorted, &extern_names, &mut spans, &mut errors);
    validated.spec.externs = externs;
    if let Err(e) = errors.finish() {
        // No code for a module with errors, but the shared analysis still runs on what did
        // validate, so its errors (cycles, boot order, supervision rules) come in the same
        // compilation. References to what failed to validate are left out: knock-on errors.
        let mut all = syn::Error::from(e);
        let analysis = arbor_codegen::check::check_for(
            &validated.spec,
            arbor_codegen::check::Frontend::Macros,
        );
        for d in analysis.iter().filter(|d| {
            d.is_error()
                && d.code != arbor_codegen::codes::UNKNOWN_REFERENCE
                && d.code != arbor_codegen::codes::WRONG_KIND
        }) {
            let (span, msg) = located(d, &spans);
            all.combine(syn::Error::new(span, msg));
        }
        return Err(all);
    }
    let generated = match arbor_codegen::emit::generate_spanned(
        &validated.spec,
        arbor_codegen::check::Frontend::Macros,
        leaving_edge(&validated.spec, &spans),
    ) {
        Ok((code, warnings)) => {
            let warnings = analysis_warnings(&warnings, &spans);
            quote!(#code #warnings)
        }
        Err(e) => analysis_errors(&e.diagnostics, &spans),
    };
    // A state's impls go where its struct and handlers are, so the methods' bodies see the
    // names of that module.
    let mut passthrough = passthrough;
    let mut impls = Vec::new();
    for state in &validated.states {
        let tokens = state_impls(state);
        if state.at.is_empty() {
            impls.push(tokens);
        } else {
            insert_into(&mut passthrough, &state.at, tokens);
        }
    }
    // Message and reply types are named in the generated modules, which see the `#[system]`
    // module's names: the nested modules that declare protocols are glob-imported there, so a
    // handler's signature means what it means where it is written.
    let scopes = nested_scopes(&protocol_modules);
    let syn::ItemMod {
        attrs, vis, ident, ..
    } = module;
    Ok(quote! {
        #(#attrs)*
        #vis mod #ident {
            #(#passthrough)*
            #scopes
            #(#impls)*
            #generated
        }
    })
}

/// Where a cycle through other systems is reported: the one `calls(..)` / `casts(..)` entry
/// that leaves this system (every such cycle takes it), else the attribute.
fn leaving_edge(spec: &arbor_codegen::model::Spec, spans: &Spans) -> proc_macro2::Span {
    let mut leaving = spec.actors.iter().flat_map(|a| {
        a.calls.iter().chain(&a.casts).filter(|d| {
            spec.externs
                .iter()
                .any(|e| e.name.as_str() == d.target.as_str())
        })
    });
    match (leaving.next(), leaving.next()) {
        (Some(only), None) => spans.get(only.span),
        _ => proc_macro2::Span::call_site(),
    }
}

/// The analysis' errors, each on its first label's token, message + `[code]` + help.
fn analysis_errors(diagnostics: &[arbor_codegen::Diagnostic], spans: &Spans) -> TokenStream {
    let mut errors = TokenStream::new();
    for d in diagnostics.iter().filter(|d| d.is_error()) {
        let (span, msg) = located(d, spans);
        errors.extend(syn::Error::new(span, msg).to_compile_error());
    }
    errors
}

/// The lints (warnings), each as a compiler warning on its first label's token. A proc macro
/// cannot emit a warning on stable Rust, so each is the use of a `#[deprecated]` constant
/// named after the lint, whose note is the diagnostic: it obeys `#![deny(warnings)]` and
/// `#[allow(deprecated)]` like any warning; `allow(LINT, reason = "…")` silences it at the
/// source.
fn analysis_warnings(diagnostics: &[arbor_codegen::Diagnostic], spans: &Spans) -> TokenStream {
    let mut warnings = TokenStream::new();
    for d in diagnostics.iter().filter(|d| !d.is_error()) {
        let (span, note) = located(d, spans);
        let name = d.code.strip_prefix("arbor::").unwrap_or(d.code);
        let lint = syn::Ident::new(&format!("arbor_{name}"), span);
        warnings.extend(quote::quote_spanned! {span=>
            const _: () = {
                #[deprecated(note = #note)]
                #[allow(non_upper_case_globals)]
                const #lint: () = ();
                #lint
            };
        });
    }
    warnings
}

/// A diagnostic's token span and its text: message + `[code]` + help.
fn located(d: &arbor_codegen::Diagnostic, spans: &Spans) -> (proc_macro2::Span, String) {
    let span = d
        .labels
        .first()
        .map_or(proc_macro2::Span::call_site(), |l| spans.get(l.span));
    let mut msg = format!("{} [{}]", d.message, d.code);
    if let Some(h) = &d.help {
        msg.push_str(&format!("\n  = help: {h}"));
    }
    (span, msg)
}

/// `use self::nested::*;` for each nested module (once) whose handlers or protocols name
/// message types.
fn nested_scopes(modules: &[ast::ModPath]) -> TokenStream {
    let mut seen: Vec<&ast::ModPath> = Vec::new();
    for at in modules {
        if !at.is_empty() && !seen.contains(&at) {
            seen.push(at);
        }
    }
    seen.iter()
        .map(|at| {
            quote! {
                #[allow(unused_imports)]
                use self::#(#at)::*::*;
            }
        })
        .collect()
}

/// Appends `tokens` to the inline module at `path` among `items`.
fn insert_into(items: &mut [syn::Item], path: &[syn::Ident], tokens: TokenStream) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    for item in items {
        if let syn::Item::Mod(syn::ItemMod {
            ident,
            content: Some((_, inner)),
            ..
        }) = item
            && ident == first
        {
            if rest.is_empty() {
                inner.push(syn::Item::Verbatim(tokens));
            } else {
                insert_into(inner, rest, tokens);
            }
            return;
        }
    }
}

/// `impl <protocol>::Handler<Ctx>`, `impl <actor>::State` (default `Args = ()` and
/// `init = Default::default()`) and the inherent rest, written in the state's module (the
/// generated modules are up as many levels as it is nested).
fn state_impls(s: &StateImpl) -> TokenStream {
    let StateImpl {
        self_ty,
        at,
        actor_module,
        handlers,
        init,
        terminate,
        inherent,
    } = s;
    let up: TokenStream = at.iter().map(|_| quote!(super::)).collect();
    let module = quote!(#up #actor_module);
    // One `Handler` impl per handlers block (an actor may serve several protocols).
    let handler_impl = handlers
        .iter()
        .map(|(pmod, fns)| quote!(impl #up #pmod::Handler<#module::Ctx> for #self_ty { #(#fns)* }));
    let init = match init {
        Some((args, f)) => quote!(type Args = #args; #f),
        None => quote! {
            type Args = ();
            async fn init(_args: (), _ctx: &mut #module::Ctx) -> ::std::result::Result<Self, ::arbor::ExitReason> {
                ::std::result::Result::Ok(<Self as ::std::default::Default>::default())
            }
        },
    };
    let inherent = (!inherent.is_empty()).then(|| quote!(impl #self_ty { #(#inherent)* }));
    quote! {
        #(#handler_impl)*
        impl #module::State for #self_ty { #init #terminate }
        #inherent
    }
}
