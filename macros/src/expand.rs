//! Expand: the module as written (minus the macros' attributes), the handler and state impls,
//! and the code the shared emitter generates from the model. The emitter runs the shared
//! analysis first; its diagnostics become `syn::Error`s on the tokens they are about.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast;
use crate::valid::{self, Spans, StateImpl};

/// `#[system]` on a module.
pub fn system(args: TokenStream, input: TokenStream) -> syn::Result<TokenStream> {
    if !args.is_empty() {
        return Err(syn::Error::new_spanned(
            args,
            "`#[system]` takes no options",
        ));
    }
    let module: syn::ItemMod = syn::parse2(input)?;
    let Some((_, items)) = module.content.clone() else {
        return Err(syn::Error::new_spanned(
            &module,
            "`#[system]` needs an inline module: `mod name { … }`",
        ));
    };
    let mut spans = Spans::default();
    let mut errors = darling::Error::accumulator();
    let sorted = ast::read(items, &mut errors);
    let passthrough = sorted.passthrough.clone();
    let validated = errors.handle(valid::validate(sorted, &mut spans));
    errors.finish().map_err(syn::Error::from)?;
    let validated = validated.expect("no error");
    let generated = match arbor_codegen::emit::generate(&validated.spec) {
        Ok(t) => t,
        Err(e) => analysis_errors(&e.diagnostics, &spans),
    };
    let impls = validated.states.iter().map(state_impls);
    let syn::ItemMod {
        attrs, vis, ident, ..
    } = module;
    Ok(quote! {
        #(#attrs)*
        #vis mod #ident {
            #(#passthrough)*
            #(#impls)*
            #generated
        }
    })
}

/// The analysis' errors, each on its first label's token, message + `[code]` + help.
fn analysis_errors(diagnostics: &[arbor_codegen::Diagnostic], spans: &Spans) -> TokenStream {
    let mut errors = TokenStream::new();
    for d in diagnostics.iter().filter(|d| d.is_error()) {
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

/// `impl <protocol>::Handler<Ctx>`, `impl <actor>::State` (default `Args = ()` and
/// `init = Default::default()`) and the inherent rest.
fn state_impls(s: &StateImpl) -> TokenStream {
    let StateImpl {
        self_ty,
        actor_module: module,
        handlers,
        init,
        terminate,
        inherent,
    } = s;
    let handler_impl = handlers
        .as_ref()
        .map(|(pmod, fns)| quote!(impl #pmod::Handler<#module::Ctx> for #self_ty { #(#fns)* }));
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
        #handler_impl
        impl #module::State for #self_ty { #init #terminate }
        #inherent
    }
}
