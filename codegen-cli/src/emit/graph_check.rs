//! The compile-time cycle check of the generated code: one `const` item that
//! walks every actor's static graph node (see `arbor::static_graph`). A hand
//! edit that brings a cycle of synchronous calls back fails the build with the
//! cycle named.

use proc_macro2::TokenStream;
use quote::quote;

use super::names::snake_ident;
use crate::model::Spec;

/// The check over every actor of the spec (node ids are the actors' indices).
pub(crate) fn graph_check(spec: &Spec) -> TokenStream {
    let nodes = spec.actors.iter().map(|a| {
        let m = snake_ident(a.name.as_str());
        quote!(&#m::NODE)
    });
    quote! {
        /// No cycle of synchronous calls: checked while compiling (see `arbor::static_graph`).
        const _: () = ::arbor::static_graph::assert_acyclic(&[#(#nodes),*]);
    }
}
