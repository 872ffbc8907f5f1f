//! `#[system(externs(...))]`: the actors of other generated systems a `#[system]` module
//! calls or casts to (the macro spelling of KDL's `extern-actor`).
//!
//! ```ignore
//! #[arbor_macros::system(externs(Ledger = crate::billing::ledger, crate::billing::audit_log))]
//! mod shop { … #[actor(calls(Ledger), casts(AuditLog))] … }
//! ```
//!
//! Each entry is `Name = path` or a bare `path` (named by its last segment in CamelCase:
//! `audit_log` is `AuditLog`). The path is the actor's generated module in its own system,
//! as seen from the module the attribute is on; it keeps its tokens' spans, so a path that
//! leads nowhere is reported on the path.

use arbor_codegen::emit::names::camel;
use arbor_codegen::model::{self as m, ExternActor, RustPath};
use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;

use crate::valid::Spans;

/// One entry of `externs(...)` or `remote(...)`.
struct Entry {
    name: Option<syn::Ident>,
    path: syn::Path,
    /// `Name(path = …, node = "…")` (remote entries only).
    node: Option<syn::LitStr>,
}

impl Parse for Entry {
    fn parse(input: ParseStream<'_>) -> syn::Result<Entry> {
        if input.peek(syn::Ident) && input.peek2(syn::Token![=]) {
            let name: syn::Ident = input.parse()?;
            input.parse::<syn::Token![=]>()?;
            let path = input.call(syn::Path::parse_mod_style)?;
            return Ok(Entry {
                name: Some(name),
                path,
                node: None,
            });
        }
        if input.peek(syn::Ident) && input.peek2(syn::token::Paren) {
            // `Name(path = crate::x::y, node = "billing")`.
            let name: syn::Ident = input.parse()?;
            let inner;
            syn::parenthesized!(inner in input);
            let mut path = None;
            let mut node = None;
            while !inner.is_empty() {
                let key: syn::Ident = inner.parse()?;
                inner.parse::<syn::Token![=]>()?;
                if key == "path" {
                    path = Some(inner.call(syn::Path::parse_mod_style)?);
                } else if key == "node" {
                    node = Some(inner.parse::<syn::LitStr>()?);
                } else {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown option `{key}`: expected `path` or `node`"),
                    ));
                }
                if !inner.is_empty() {
                    inner.parse::<syn::Token![,]>()?;
                }
            }
            let path = path.ok_or_else(|| syn::Error::new(name.span(), "missing `path = …`"))?;
            return Ok(Entry {
                name: Some(name),
                path,
                node,
            });
        }
        let path = input.call(syn::Path::parse_mod_style)?;
        Ok(Entry {
            name: None,
            path,
            node: None,
        })
    }
}

/// The options of `#[system(...)]`: `externs(...)` (actors of other systems of this process)
/// and `remote(...)` (actors of other systems on other nodes), each may be repeated.
pub fn parse(args: TokenStream, spans: &mut Spans) -> syn::Result<Vec<ExternActor>> {
    if args.is_empty() {
        return Ok(Vec::new());
    }
    let metas = syn::parse::Parser::parse2(
        Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
        args,
    )?;
    let mut out = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    for meta in metas {
        let list = match meta {
            syn::Meta::List(list)
                if list.path.is_ident("externs") || list.path.is_ident("remote") =>
            {
                list
            }
            other => {
                let name = other
                    .path()
                    .get_ident()
                    .map_or_else(|| "this".to_owned(), |i| format!("`{i}`"));
                let hint =
                    if other.path().is_ident("extern") || other.path().is_ident("extern_actors") {
                        " (did you mean `externs`?)"
                    } else {
                        ""
                    };
                push(syn::Error::new(
                    other.path().span(),
                    format!(
                        "unknown option {name}{hint}: `#[system]` takes \
                         `externs(Name = crate::other_system::actor_module, …)` and \
                         `remote(Name = crate::other_system::actor_module, …)`"
                    ),
                ));
                continue;
            }
        };
        let entries = match list
            .parse_args_with(Punctuated::<Entry, syn::Token![,]>::parse_terminated)
        {
            Ok(entries) => entries,
            Err(e) => {
                push(syn::Error::new(
                    e.span(),
                    format!(
                        "{e}: write `externs(Name = crate::other_system::actor_module, …)` (the \
                         path of the actor's generated module)"
                    ),
                ));
                continue;
            }
        };
        let remote = list.path.is_ident("remote");
        for entry in entries {
            if !remote && let Some(node) = &entry.node {
                push(syn::Error::new(
                    node.span(),
                    "`node` names where a remote actor runs: declare it in `remote(..)`, not `externs(..)`",
                ));
                continue;
            }
            match extern_actor(entry, remote, spans) {
                Ok(e) => out.push(e),
                Err(e) => push(e),
            }
        }
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

fn extern_actor(entry: Entry, remote: bool, spans: &mut Spans) -> syn::Result<ExternActor> {
    let Entry { name, path, node } = entry;
    let (text, name_span) = match &name {
        Some(n) => (n.to_string(), n.span()),
        None => {
            let last = path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            (camel(&last), path.span())
        }
    };
    let name_at = spans.at_span(name_span);
    let name =
        m::Ident::parse(&text, name_at).map_err(|e| syn::Error::new(name_span, e.message))?;
    let path_at = spans.at_span(path.span());
    let path = RustPath::from_syn(path.clone(), path_at)
        .map_err(|e| syn::Error::new(path.span(), e.message))?;
    let node = match node {
        Some(lit) if m::valid_export_name(&lit.value()) => {
            Some(m::Spanned::new(lit.value(), spans.at(&lit)))
        }
        Some(lit) => {
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "`{}` cannot be a node name: use letters, digits, `-` and `_` only",
                    lit.value()
                ),
            ));
        }
        None => None,
    };
    let remote = remote.then_some(m::Remote {
        node,
        span: name_at,
    });
    Ok(ExternActor {
        name,
        path,
        remote,
        span: name_at,
    })
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    #[test]
    fn named_and_bare_entries() {
        let mut spans = Spans::default();
        let externs = parse(
            quote!(externs(
                Ledger = crate::billing::ledger,
                crate::billing::audit_log
            )),
            &mut spans,
        )
        .expect("parses");
        let names: Vec<&str> = externs.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Ledger", "AuditLog"]);
        assert_eq!(externs[1].path.tokens(), "crate::billing::audit_log");
    }

    #[test]
    fn the_macro_spelling_gives_the_kdl_model() {
        let mut spans = Spans::default();
        let from_macro = parse(
            quote!(
                externs(Ledger = crate::billing::ledger),
                externs(super::audit::log)
            ),
            &mut spans,
        )
        .expect("parses");
        let (from_kdl, _) = arbor_codegen::load_str(&[(
            "x.kdl",
            "extern-actor Ledger path=\"crate::billing::ledger\"\nextern-actor Log path=\"super::audit::log\"\n",
        )])
        .expect("loads");
        assert_eq!(from_macro, from_kdl.externs);
    }

    #[test]
    fn remote_entries_give_the_kdl_model() {
        let mut spans = Spans::default();
        let from_macro = parse(
            quote!(
                remote(Journal = crate::journal::journal_writer),
                remote(Ledger(path = crate::billing::ledger, node = "billing"))
            ),
            &mut spans,
        )
        .expect("parses");
        let (from_kdl, _) = arbor_codegen::load_str(&[(
            "x.kdl",
            "extern-actor Journal path=\"crate::journal::journal_writer\" remote=#true\n\
             extern-actor Ledger path=\"crate::billing::ledger\" remote=#true node=\"billing\"\n",
        )])
        .expect("loads");
        assert_eq!(from_macro, from_kdl.externs);
        assert!(from_macro.iter().all(|e| e.remote.is_some()));
        let err = parse(
            quote!(externs(Ledger(path = crate::a::b, node = "x"))),
            &mut spans,
        )
        .expect_err("refused");
        assert!(
            err.to_string().contains("declare it in `remote(..)`"),
            "{err}"
        );
    }

    #[test]
    fn unknown_options_and_bad_entries_are_errors() {
        let mut spans = Spans::default();
        let err = parse(quote!(extern_actors(crate::a::b)), &mut spans).expect_err("refused");
        assert!(err.to_string().contains("did you mean `externs`?"), "{err}");
        let err = parse(quote!(externs(Ledger = 3)), &mut spans).expect_err("refused");
        assert!(err.to_string().contains("externs(Name = "), "{err}");
        let err = parse(quote!(externs(crate::a::b<u32>)), &mut spans).expect_err("refused");
        assert!(err.to_string().contains("externs(Name = "), "{err}");
    }
}
