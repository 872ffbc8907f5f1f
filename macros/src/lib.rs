//! Derive and attribute macros that describe Arbor actors and supervisors.
//!
//! One model, two front-ends: `#[arbor_macros::system]` on a module reads the
//! `#[protocol]` traits (or enums), the `#[derive(Actor)]` state structs, their
//! `#[handlers]` impl blocks and the `#[derive(Supervisor)]` structs inside it, builds the
//! same `arbor_codegen::model::Spec` a KDL file gives, runs the same analysis (cycles,
//! undeclared dependencies, supervision rules, lints) and expands through the same emitter.
//! Errors point at the tokens they are about, all reported at once; lints are compiler
//! warnings there, silenced with `allow(LINT, reason = "…")`. `macros/ARCHITECTURE-macros.md`
//! lists every option beside its KDL spelling.
//!
//! ```ignore
//! #[arbor_macros::system]
//! mod kv {
//!     use arbor_macros::{Actor, Supervisor};
//!
//!     /// Served by every store.
//!     #[protocol]
//!     pub trait Store {
//!         #[call(timeout = "1s")]
//!         async fn get(&self, key: String) -> Option<String>;
//!         #[cast]
//!         fn put(&self, key: String, value: String);
//!     }
//!
//!     #[derive(Default, Actor)]
//!     #[actor(mailbox(capacity = 64))]
//!     pub struct MemoryState { map: std::collections::HashMap<String, String> }
//!
//!     #[handlers(protocol = Store)]
//!     impl MemoryState {
//!         async fn get(&mut self, key: String, _ctx: &mut memory::Ctx) -> Option<String> {
//!             self.map.get(&key).cloned()
//!         }
//!         async fn put(&mut self, key: String, value: String, _ctx: &mut memory::Ctx) {
//!             self.map.insert(key, value);
//!         }
//!     }
//!
//!     #[derive(Supervisor)]
//!     pub struct KvSup {
//!         memory: Memory,
//!         #[child(registry, keys = "unique", partitions = 4)]
//!         by_name: Registry,
//!         #[child(tasks)]
//!         jobs: Tasks,
//!     }
//! }
//! // kv::kv_sup::start(kv::kv_sup::Config { memory: () }).await?.memory().get(…)
//! ```

mod ast;
mod attr;
mod expand;
mod externs;
mod valid;

use proc_macro::TokenStream;

/// Turns the actors, handlers and supervisors declared in a module into a running system
/// (see the crate docs). `#[system(externs(Ledger = crate::billing::ledger))]` declares actors
/// of other generated systems its actors may call or cast to.
#[proc_macro_attribute]
pub fn system(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::system(args.into(), input.into())
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}

/// Declares an actor's state struct; its options are `#[actor(...)]`. Only meaningful inside
/// an `#[arbor_macros::system]` module, which reads it.
#[proc_macro_derive(Actor, attributes(actor, arbor_in_system))]
pub fn derive_actor(input: TokenStream) -> TokenStream {
    outside(input, "#[derive(Actor)]")
}

/// Declares a supervisor whose fields are its children; its options are `#[supervisor(...)]`
/// and `#[child(...)]`. Only meaningful inside an `#[arbor_macros::system]` module.
#[proc_macro_derive(Supervisor, attributes(supervisor, child, arbor_in_system))]
pub fn derive_supervisor(input: TokenStream) -> TokenStream {
    outside(input, "#[derive(Supervisor)]")
}

/// Marks the impl block holding an actor's handlers. Only meaningful inside an
/// `#[arbor_macros::system]` module.
#[proc_macro_attribute]
pub fn handlers(_args: TokenStream, input: TokenStream) -> TokenStream {
    let item: proc_macro2::TokenStream = input.into();
    let err = syn::Error::new(
        proc_macro2::Span::call_site(),
        format!(
            "`#[handlers]` is read by `#[arbor_macros::system]`: put this impl block in a module \
             with that attribute, or in an inline module (`mod name {{ … }}`) inside one; \
             {FILE_MODULES}"
        ),
    )
    .to_compile_error();
    quote::quote!(#err #item).into()
}

/// Declares a protocol on its own (a trait whose methods are its messages), so several actors
/// can serve it with `#[handlers(protocol = Name)]`. Only meaningful inside an
/// `#[arbor_macros::system]` module.
#[proc_macro_attribute]
pub fn protocol(_args: TokenStream, input: TokenStream) -> TokenStream {
    let item: proc_macro2::TokenStream = input.into();
    let err = syn::Error::new(
        proc_macro2::Span::call_site(),
        format!(
            "`#[protocol]` is read by `#[arbor_macros::system]`: put this trait or enum in a \
             module with that attribute, or in an inline module (`mod name {{ … }}`) inside one; \
             {FILE_MODULES}"
        ),
    )
    .to_compile_error();
    quote::quote!(#err #item).into()
}

/// Why an item in a file module of a system is not part of it.
const FILE_MODULES: &str = "a file module (`mod name;`) is not: an attribute sees only the \
     tokens of its own item, and a file module's items are read after it";

fn outside(input: TokenStream, what: &str) -> TokenStream {
    let parsed = syn::parse::<syn::DeriveInput>(input.clone());
    if parsed
        .as_ref()
        .is_ok_and(|d| d.attrs.iter().any(|a| a.path().is_ident("arbor_in_system")))
    {
        return TokenStream::new();
    }
    let span = parsed
        .map(|d| d.ident.span())
        .unwrap_or_else(|_| proc_macro2::Span::call_site());
    syn::Error::new(
        span,
        format!(
            "{what} is read by `#[arbor_macros::system]`: put this item in a module with that \
             attribute, or in an inline module (`mod name {{ … }}`) inside one; {FILE_MODULES}"
        ),
    )
    .to_compile_error()
    .into()
}
