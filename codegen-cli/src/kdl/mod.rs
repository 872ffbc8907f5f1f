//! The KDL front-end: a spec file's text → a [`Spec`], or diagnostics.
//!
//! The text is parsed with `kdl`'s document API (KDL 2.0), whose nodes and
//! entries carry byte spans; each node is then read into model items by hand
//! (see [`reader`]). Defaults are filled in here, so the model is complete.
//! Reading goes on after an error, so every error of a file is reported at once;
//! items with errors are left out of the returned spec.

mod actor;
mod depth;
mod protocol;
mod reader;
mod supervisor;

use ::kdl::{KdlDocument, KdlError, KdlNode};

use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::model::{Allow, App, Spanned, Spec};
use crate::source::{SourceId, SourceMap, Span};
use reader::{Ctx, Node};

const TOP_LEVEL: &[&str] = &["protocol", "actor", "supervisor", "app"];

/// Reads the source `id` of `sources`. The spec holds every item read without
/// error; the diagnostics are the errors (the front-end has no warnings).
pub fn parse(sources: &SourceMap, id: SourceId) -> (Spec, Vec<Diagnostic>) {
    let Some(file) = sources.get(id) else {
        return (Spec::default(), Vec::new());
    };
    if let Some(at) = depth::too_deep(file.text()) {
        let d = Diagnostic::error(
            codes::SYNTAX,
            format!("blocks are nested more than {} deep", depth::MAX_DEPTH),
        )
        .with_label(Span::new(id, at, 1), "too deep")
        .with_help("a spec needs only a few levels; is a `}` missing?");
        return (Spec::default(), vec![d]);
    }
    let doc = match parse_kdl(file.text()) {
        Ok(doc) => doc,
        Err(errors) => return (Spec::default(), syntax_errors(id, file.text(), errors)),
    };
    let mut ctx = Ctx::new(id);
    let mut spec = Spec::default();
    for node in doc.nodes() {
        match node.name().value() {
            "protocol" => spec.protocols.extend(protocol::read(&mut ctx, node)),
            "actor" => spec.actors.extend(actor::read(&mut ctx, node)),
            "supervisor" => spec
                .supervisors
                .extend(supervisor::read_root(&mut ctx, node)),
            "app" => spec.apps.extend(app(&mut ctx, node)),
            _ => ctx.unknown_node(node, TOP_LEVEL, "at the top level"),
        }
    }
    (spec, ctx.diagnostics)
}

/// `kdl` is a third-party parser fed arbitrary text: a panic in it must not
/// take the tool down, so it becomes a syntax error like any other.
fn parse_kdl(text: &str) -> Result<KdlDocument, Option<KdlError>> {
    std::panic::catch_unwind(|| KdlDocument::parse_v2(text))
        .map_err(|_| None)?
        .map_err(Some)
}

fn syntax_errors(id: SourceId, text: &str, error: Option<KdlError>) -> Vec<Diagnostic> {
    let Some(error) = error else {
        return vec![
            Diagnostic::error(codes::SYNTAX, "the KDL parser failed on this file")
                .with_label(Span::new(id, 0, 0), "")
                .with_help("this is a bug in the parser; please report it with the file"),
        ];
    };
    let mut out: Vec<Diagnostic> = error
        .diagnostics
        .iter()
        .map(|d| {
            let start = d.span.offset().min(text.len());
            let len = d.span.len().min(text.len() - start);
            let message = d
                .message
                .clone()
                .unwrap_or_else(|| "invalid KDL".to_owned());
            Diagnostic::error(codes::SYNTAX, message)
                .with_label(
                    Span::new(id, start, len),
                    d.label.clone().unwrap_or_default(),
                )
                .with_help_opt(d.help.clone())
        })
        .collect();
    if out.is_empty() {
        out.push(
            Diagnostic::error(codes::SYNTAX, "this file is not valid KDL 2.0")
                .with_label(Span::new(id, 0, 0), ""),
        );
    }
    out
}

/// `app NAME root=SUPERVISOR`.
fn app(ctx: &mut Ctx, node: &KdlNode) -> Option<App> {
    let mut n = Node::new(ctx, node);
    let name = n
        .required_arg(ctx, 0, "a name", "app NAME root=SUPERVISOR")
        .and_then(|e| ctx.ident(e, "an app name"));
    let root = n
        .required_prop(ctx, "root", "app NAME root=SUPERVISOR")
        .and_then(|e| ctx.ident(e, "a supervisor name"));
    let span = n.head();
    n.finish(ctx, false);
    Some(App {
        name: name?,
        root: root?,
        span,
    })
}

/// `allow LINT reason="…"`: a reason is required, so that every silenced lint
/// says why in the spec itself.
pub(crate) fn allow(ctx: &mut Ctx, node: &KdlNode) -> Option<Allow> {
    let mut n = Node::new(ctx, node);
    let form = "allow LINT reason=\"…\"";
    let lint = n.required_arg(ctx, 0, "a lint name", form).and_then(|e| {
        Some(Spanned::new(
            ctx.string(e, "a lint name")?.to_owned(),
            ctx.span(e.span()),
        ))
    });
    let reason = n
        .required_prop(ctx, "reason", form)
        .and_then(|e| ctx.string(e, "a reason"))
        .map(str::to_owned);
    let span = n.head();
    n.finish(ctx, false);
    let reason = reason?;
    if reason.trim().is_empty() {
        ctx.report(
            Diagnostic::error(codes::MISSING_VALUE, "an `allow` needs a reason")
                .with_label(span, "empty reason")
                .with_help("say why the lint does not apply here"),
        );
        return None;
    }
    Some(Allow {
        lint: lint?,
        reason,
        span,
    })
}
