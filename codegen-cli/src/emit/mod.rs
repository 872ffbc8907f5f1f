//! The emitter: Rust code from a checked spec model.
//!
//! [`generate`] turns a [`Spec`] into one token stream (and [`generate_file`]
//! into the formatted text of a file) that a user crate includes with
//! `arbor::include_spec!` next to the types the spec names. It reads only the
//! model, does no I/O, and refuses a spec with errors (those of the analysis,
//! and the few things the generated API cannot express, see [`codes`]).
//!
//! What is emitted, one module per item (snake_case of its name):
//! - per protocol ([`protocol`]): the message enums, the `Handler<C>` trait
//!   the state of each serving actor implements, typed `Client` / `Caster`;
//! - per actor ([`actor`]): the glue implementing `arbor::Actor` around the
//!   user's state type, its `State` trait (init, terminate, `Args`), its
//!   context `Ctx` with the capabilities the spec grants, its mailbox, and its
//!   static call-graph node;
//! - per supervisor ([`supervisor`]): `Config`, `spec()`, `start()` (roots)
//!   and a `Handle` with typed access to the named children; per dynamic
//!   supervisor a typed handle to start children;
//! - per app ([`app`]): `start(config)`;
//! - the compile-time cycle check over every actor ([`graph_check`]).
//!
//! The macro front-end builds the same model and calls the same functions.

mod actor;
mod app;
pub mod build;
pub mod cli;
pub mod format;
mod graph_check;
pub mod names;
mod plan;
mod protocol;
mod remote;
pub mod scaffold;
mod supervisor;
mod validate;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use proc_macro2::TokenStream;
use quote::quote;

use crate::diagnostics::Diagnostic;
use crate::model::Spec;

/// Codes of the emitter's own errors (the analysis has the others).
pub mod codes {
    /// Two spec names would become the same Rust name (a module, a variant,
    /// a method), or a spec type names an item the generated module defines.
    pub const NAME_CLASH: &str = "arbor::codegen_name_clash";
    /// Something the generated API cannot express.
    pub const UNSUPPORTED: &str = "arbor::codegen_unsupported";
}

/// Why nothing was generated: the diagnostics to show (render them with the
/// spec's source map, as for the analysis).
#[derive(Clone, Debug)]
pub struct EmitError {
    /// The errors (and any warnings found with them).
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors: Vec<&Diagnostic> = self.diagnostics.iter().filter(|d| d.is_error()).collect();
        write!(
            f,
            "the spec has {} error(s); nothing was generated",
            errors.len()
        )?;
        for d in errors {
            write!(f, "\n  [{}] {}", d.code, d.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for EmitError {}

/// `#[doc = " …"]` attributes, one per line (rendered as `///` comments).
pub(crate) fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        let l = format!(" {l}");
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

/// A `Duration` expression.
pub(crate) fn duration(d: Duration) -> TokenStream {
    let ms = d.as_millis() as u64;
    if ms.is_multiple_of(1000) {
        let s = proc_macro2::Literal::u64_unsuffixed(ms / 1000);
        quote!(::std::time::Duration::from_secs(#s))
    } else {
        let ms = proc_macro2::Literal::u64_unsuffixed(ms);
        quote!(::std::time::Duration::from_millis(#ms))
    }
}

/// The lints every generated module allows: generated code offers more than a
/// given program uses, and its shapes follow the spec (many arguments, a
/// module named like the spec's file, a unit `Args`).
pub(crate) fn allows() -> TokenStream {
    quote! {
        #[allow(
            dead_code,
            unused_imports,
            unused_variables,
            clippy::too_many_arguments,
            clippy::large_enum_variant,
            clippy::module_inception,
            clippy::unit_arg,
            clippy::type_complexity
        )]
    }
}

/// The path of an extern actor's generated module, as written in an item module of the
/// generated code (one level below where the spec is included): a relative path gets a
/// `super::`. The path keeps its spans, so a wrong one is reported where it was written.
pub(crate) fn extern_path(e: &crate::model::ExternActor) -> TokenStream {
    let path = e.path.syn();
    if e.path.is_relative() {
        quote!(super::#path)
    } else {
        quote!(#path)
    }
}

/// How many nodes of other systems the compile-time walk of a system with extern actors can
/// visit (the capacity of its arrays beyond the system's own nodes).
pub const FOREIGN_NODE_CAPACITY: usize = 1 << 14;

/// An unsuffixed integer literal.
pub(crate) fn int(n: impl Into<u64>) -> proc_macro2::Literal {
    proc_macro2::Literal::u64_unsuffixed(n.into())
}

/// A type as people write it (`Result<RoomInfo, JoinError>`), for docs.
pub(crate) fn type_text(ty: &crate::model::RustType) -> String {
    let mut s = ty.tokens().to_owned();
    for (from, to) in [
        (" < ", "<"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" , ", ", "),
        (" :: ", "::"),
        (":: ", "::"),
        ("& ", "&"),
        ("( ", "("),
        (" )", ")"),
        (" ;", ";"),
    ] {
        s = s.replace(from, to);
    }
    s
}

/// Generates the code of a whole spec, after checking it: the analysis' errors
/// and the emitter's own refusals come back as an [`EmitError`].
pub fn generate(spec: &Spec) -> Result<TokenStream, EmitError> {
    generate_with_warnings(spec, crate::check::Frontend::Kdl).map(|(tokens, _)| tokens)
}

/// [`generate`], also returning the analysis' warnings (the lints), with help
/// texts spelled for `frontend`: for a front-end that reports diagnostics
/// beside the code (the macros).
pub fn generate_with_warnings(
    spec: &Spec,
    frontend: crate::check::Frontend,
) -> Result<(TokenStream, Vec<Diagnostic>), EmitError> {
    generate_located(spec, frontend, None, None)
}

/// [`generate_with_warnings`] for a front-end with token spans: a cycle the compile-time check
/// finds through another system is reported at `cycle_check_at` (the macros: the `calls(..)`
/// entry that leaves the system, when only one does).
pub fn generate_spanned(
    spec: &Spec,
    frontend: crate::check::Frontend,
    cycle_check_at: proc_macro2::Span,
) -> Result<(TokenStream, Vec<Diagnostic>), EmitError> {
    generate_located(spec, frontend, None, Some(cycle_check_at))
}

/// [`generate_with_warnings`]; with `sources`, messages of the generated code name where
/// items were declared (a protocol that crosses nodes: its spec file and line).
fn generate_located(
    spec: &Spec,
    frontend: crate::check::Frontend,
    sources: Option<&crate::source::SourceMap>,
    cycle_check_at: Option<proc_macro2::Span>,
) -> Result<(TokenStream, Vec<Diagnostic>), EmitError> {
    let mut diagnostics = crate::check::check_for(spec, frontend);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(EmitError { diagnostics });
    }
    let plan = plan::Plan::new(spec);
    let refusals = validate::run(&plan);
    if !refusals.is_empty() {
        diagnostics.extend(refusals);
        crate::diagnostics::sort(&mut diagnostics);
        return Err(EmitError { diagnostics });
    }
    Ok((
        generate_unchecked(&plan, sources, cycle_check_at),
        diagnostics,
    ))
}

fn generate_unchecked(
    plan: &plan::Plan<'_>,
    sources: Option<&crate::source::SourceMap>,
    cycle_check_at: Option<proc_macro2::Span>,
) -> TokenStream {
    let spec = plan.spec;
    // The calls some actor defers, by protocol.
    let mut deferred: HashMap<&str, HashSet<&str>> = HashMap::new();
    for a in &spec.actors {
        for d in &a.deferred {
            for p in &a.serves {
                if spec
                    .protocol(p.as_str())
                    .is_some_and(|proto| proto.message(d.as_str()).is_some())
                {
                    deferred.entry(p.as_str()).or_default().insert(d.as_str());
                }
            }
        }
    }
    let none = HashSet::new();
    let crossing = remote::crossing(spec);
    let protocols = spec.protocols.iter().map(|p| {
        let location = sources
            .and_then(|s| s.location(p.span))
            .map(|l| format!("{}:{}", l.file, l.line));
        let servers: Vec<&str> = spec
            .actors
            .iter()
            .filter(|a| a.serves.iter().any(|s| s.as_str() == p.name.as_str()))
            .map(|a| a.name.as_str())
            .collect();
        protocol::protocol(
            p,
            &servers,
            deferred.get(p.name.as_str()).unwrap_or(&none),
            crossing.contains(p.name.as_str()),
            location.as_deref(),
        )
    });
    let actors = spec.actors.iter().map(|a| {
        let location = sources
            .and_then(|s| s.location(a.span))
            .map(|l| format!("{}:{}", l.file, l.line));
        actor::actor(plan, a, location.as_deref())
    });
    let statics = plan
        .static_supervisors()
        .into_iter()
        .map(|(t, n, s)| supervisor::static_supervisor(plan, t, n, s));
    let dynamics = plan
        .dynamic_supervisors()
        .into_iter()
        .map(|(t, n, d)| supervisor::dynamic_supervisor(plan, t, n, d));
    let apps = spec.apps.iter().map(|a| {
        let tree = spec
            .supervisors
            .iter()
            .position(|s| s.name.as_str() == a.root.as_str());
        app::app(
            a,
            tree.is_some_and(|t| !plan.externs_of_tree(t).is_empty()),
            tree.is_some_and(|t| remote::root(plan, t, false).is_some()),
        )
    });
    let check = graph_check::graph_check(spec, cycle_check_at);
    let undeclared = actor::undeclared_dependencies(spec);
    quote! {
        #undeclared
        #(#protocols)*
        #(#actors)*
        #(#statics)*
        #(#dynamics)*
        #(#apps)*
        #check
    }
}

/// [`generate`], formatted as a file with the `@generated` header; `source`
/// names the spec files in the header.
pub fn generate_file(spec: &Spec, source: &str) -> Result<String, EmitError> {
    generate_file_in(spec, source, None)
}

/// [`generate_file`] for a spec read from `sources`: messages of the generated code name
/// where items were declared (`specs/rooms.kdl:12`).
pub fn generate_file_in(
    spec: &Spec,
    source: &str,
    sources: Option<&crate::source::SourceMap>,
) -> Result<String, EmitError> {
    let tokens = generate_located(spec, crate::check::Frontend::Kdl, sources, None)?.0;
    format::format(tokens, source).map_err(|e| EmitError {
        diagnostics: vec![Diagnostic::error(
            codes::UNSUPPORTED,
            format!("internal error: the generated code does not parse: {e}"),
        )],
    })
}
