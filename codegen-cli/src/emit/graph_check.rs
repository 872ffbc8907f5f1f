//! The compile-time cycle check of the generated code: the system's identity in
//! the static graph and one `const` item that walks every actor's node (see
//! `arbor::static_graph`), following edges into the systems of extern actors.
//! A hand edit that brings a cycle of synchronous calls back, or a cycle
//! through another system, fails the build with the cycle named.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use super::names::snake_ident;
use super::{FOREIGN_NODE_CAPACITY, doc, int};
use crate::model::Spec;

/// The system static and the check over every actor of the spec (node ids are
/// the actors' indices); a cycle it finds is reported at `at` (default: where the
/// code is generated).
pub(crate) fn graph_check(spec: &Spec, at: Option<Span>) -> TokenStream {
    let at = at.unwrap_or_else(Span::call_site);
    let nodes = spec.actors.iter().map(|a| {
        let m = snake_ident(a.name.as_str());
        quote!(&#m::NODE)
    });
    let n = spec.actors.len();
    // Without extern actors no edge leaves the system: the walk needs room for its own nodes.
    let walk = if spec.externs.is_empty() {
        n
    } else {
        n + FOREIGN_NODE_CAPACITY
    };
    let (n_lit, walk_lit) = (int(n as u64), int(walk as u64));
    let system_doc = doc(&format!(
        "This system in the static call graph (its {n} actors' nodes point here), named by its \
         module path."
    ));
    quote! {
        #system_doc
        pub static ARBOR_SYSTEM: ::arbor::static_graph::System =
            ::arbor::static_graph::System::new(::std::module_path!(), #n_lit);
    }
    .into_iter()
    .chain(quote_spanned! {at=>
        /// No cycle of synchronous calls, here or through extern actors: checked while compiling
        /// (see `arbor::static_graph`). Linear in the nodes reached, but a system of many
        /// thousands of actors runs long enough for rustc's guard against endless loops.
        #[allow(long_running_const_eval)]
        const _: () = if let ::std::option::Option::Some(cycle) =
            ::arbor::static_graph::cycle_in::<#n_lit, #walk_lit>(&ARBOR_SYSTEM, &[#(#nodes),*])
        {
            ::std::panic!("{}", cycle.as_str())
        };
    })
    .collect()
}
