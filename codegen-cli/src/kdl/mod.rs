//! The KDL front-end: a spec file's text → a [`Spec`], or diagnostics.
//!
//! The text is parsed with `kdl`'s document API (KDL 2.0), whose nodes and
//! entries carry byte spans; each node is then read into model items by hand
//! (see `reader`). Defaults are filled in here, so the model is complete.
//! Reading goes on after an error, so every error of a file is reported at once;
//! items with errors are left out of the returned spec.

mod actor;
mod protocol;
mod reader;
mod scan;
mod supervisor;

use ::kdl::{KdlDocument, KdlError, KdlNode};

use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::model::{Allow, App, ExternActor, Spanned, Spec};
use crate::source::{SourceId, SourceMap, Span};
use reader::{Ctx, Node};

const TOP_LEVEL: &[&str] = &["protocol", "actor", "extern-actor", "supervisor", "app"];

/// Reads the source `id` of `sources`. The spec holds every item read without
/// error; the diagnostics are the errors (the front-end has no warnings).
pub fn parse(sources: &SourceMap, id: SourceId) -> (Spec, Vec<Diagnostic>) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    parse_in_pieces(sources, id, threads, CHUNK_BYTES)
}

/// [`parse`], with files cut into at most `max_pieces` pieces of at least
/// `chunk_bytes`.
fn parse_in_pieces(
    sources: &SourceMap,
    id: SourceId,
    max_pieces: usize,
    chunk_bytes: usize,
) -> (Spec, Vec<Diagnostic>) {
    let Some(file) = sources.get(id) else {
        return (Spec::default(), Vec::new());
    };
    let text: &str = file.text();
    let scanned = scan::scan(text);
    if let Some(at) = scanned.too_deep {
        let d = Diagnostic::error(
            codes::SYNTAX,
            format!("blocks are nested more than {} deep", scan::MAX_DEPTH),
        )
        .with_label(Span::new(id, at, 1), "too deep")
        .with_help("a spec needs only a few levels; is a `}` missing?");
        return (Spec::default(), vec![d]);
    }
    let parsed = if text.len() > MAX_WHOLE {
        parse_bounded(id, text, &scanned.boundaries, max_pieces)
    } else {
        parse_kdl(text, &scanned.boundaries, max_pieces, chunk_bytes)
            .map_err(|errors| syntax_errors(id, text, 0, errors))
    };
    let chunks = match parsed {
        Ok(chunks) => chunks,
        Err(errors) => return (Spec::default(), at_most(MAX_SYNTAX_ERRORS, errors)),
    };
    let mut spec = Spec::default();
    let mut diagnostics = Vec::new();
    for (base, doc) in &chunks {
        let mut ctx = Ctx::new(id, text, *base);
        for node in doc.nodes() {
            match node.name().value() {
                "protocol" => spec.protocols.extend(protocol::read(&mut ctx, node)),
                "actor" => spec.actors.extend(actor::read(&mut ctx, node)),
                "extern-actor" => spec.externs.extend(extern_actor(&mut ctx, node)),
                "supervisor" => spec
                    .supervisors
                    .extend(supervisor::read_root(&mut ctx, node)),
                "app" => spec.apps.extend(app(&mut ctx, node)),
                _ => ctx.unknown_node(node, TOP_LEVEL, "at the top level"),
            }
        }
        diagnostics.append(&mut ctx.diagnostics);
    }
    (spec, diagnostics)
}

/// The most syntax errors reported for one file: text that is not KDL at all
/// (`}}}}…`) would otherwise make one error per character.
const MAX_SYNTAX_ERRORS: usize = 50;

/// The first `max` errors, and one that says how many more there were.
fn at_most(max: usize, mut errors: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if errors.len() > max {
        let more = errors.len() - max;
        let next = errors[max].clone();
        errors.truncate(max);
        let mut d = Diagnostic::error(
            codes::SYNTAX,
            format!("{more} more syntax errors not shown"),
        );
        if let Some(span) = next.span() {
            d = d.with_label(span, "the next one");
        }
        errors.push(d);
    }
    errors
}

/// Below this size a file is parsed in one piece.
const CHUNK_BYTES: usize = 64 * 1024;

/// Parses `text` into documents, each with the offset its spans are relative
/// to. A large file is cut at top-level node boundaries and the pieces parsed
/// on several threads; if any piece fails, the whole file is parsed again in
/// one piece, so errors are exactly those of a whole-file parse.
fn parse_kdl(
    text: &str,
    boundaries: &[usize],
    max_pieces: usize,
    chunk_bytes: usize,
) -> Result<Vec<(usize, KdlDocument)>, Option<KdlError>> {
    let pieces = (text.len() / chunk_bytes.max(1)).clamp(1, max_pieces.max(1));
    if pieces > 1 {
        let mut cuts = vec![0];
        for k in 1..pieces {
            let target = text.len() * k / pieces;
            let at = boundaries.partition_point(|&b| b < target);
            if let Some(&b) = boundaries.get(at)
                && b > cuts[cuts.len() - 1]
            {
                cuts.push(b);
            }
        }
        cuts.push(text.len());
        let ranges: Vec<(usize, usize)> = cuts.windows(2).map(|w| (w[0], w[1])).collect();
        let results: Vec<Option<KdlDocument>> = std::thread::scope(|scope| {
            let handles: Vec<_> = ranges
                .iter()
                .map(|&(a, b)| scope.spawn(move || parse_whole(text.get(a..b).unwrap_or("")).ok()))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().ok().flatten())
                .collect()
        });
        if results.iter().all(Option::is_some) {
            return Ok(ranges
                .iter()
                .zip(results)
                .filter_map(|((a, _), doc)| Some((*a, doc?)))
                .collect());
        }
    }
    parse_whole(text).map(|doc| vec![(0, doc)])
}

/// The largest text given to `kdl`'s parser in one piece.
///
/// `kdl` recovers from a syntax error by skipping a character and parsing the
/// rest of the document *recursively*: text where every character is an error
/// (`}}}}…`, `====…`, `(a)(a)…`) recurses once per character, and a few
/// thousand levels overflow a normal stack, which aborts the process. So the
/// parser runs on a thread with [`PARSE_STACK`] of stack, enough for this many
/// levels even in a debug build (about 2.5 KB a level there), and a larger
/// file is parsed in pieces cut between top-level nodes, none larger than
/// this: a top-level node (or a run of text without one) of more than 64 KB
/// is refused. No real spec comes near (the examples' largest file is 4 KB).
pub(crate) const MAX_WHOLE: usize = 64 * 1024;

/// The stack of the threads that run `kdl`'s parser (reserved, not used, by
/// parses of ordinary files).
const PARSE_STACK: usize = 256 << 20;

/// `kdl` is a third-party parser fed arbitrary text: a panic in it must not
/// take the tool down, so it becomes a syntax error like any other. It runs on
/// a thread with a large stack (see [`MAX_WHOLE`]).
fn parse_whole(text: &str) -> Result<KdlDocument, Option<KdlError>> {
    let parse = || {
        std::panic::catch_unwind(|| KdlDocument::parse_v2(text))
            .map_err(|_| None)?
            .map_err(Some)
    };
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("arbor-kdl".into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, parse)
        {
            Ok(handle) => handle.join().unwrap_or(Err(None)),
            // No thread to be had: parse here, as small texts always could.
            Err(_) if text.len() <= 4096 => parse(),
            Err(_) => Err(None),
        }
    })
}

/// Parses a text larger than [`MAX_WHOLE`] in pieces cut between top-level
/// nodes, each at most [`MAX_WHOLE`] long, on up to `max_threads` threads.
/// The errors are those of the pieces that fail, at their place in the file.
fn parse_bounded(
    id: SourceId,
    text: &str,
    boundaries: &[usize],
    max_threads: usize,
) -> Result<Vec<(usize, KdlDocument)>, Vec<Diagnostic>> {
    // Greedy: each piece takes as many whole nodes as fit.
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    let mut last = 0;
    for &b in boundaries.iter().chain(std::iter::once(&text.len())) {
        if b - start > MAX_WHOLE && last > start {
            ranges.push((start, last));
            start = last;
        }
        last = b;
    }
    ranges.push((start, text.len()));
    if let Some(&(a, b)) = ranges.iter().find(|(a, b)| b - a > MAX_WHOLE) {
        let len = text[a..b].chars().next().map_or(0, char::len_utf8);
        return Err(vec![
            Diagnostic::error(
                codes::SYNTAX,
                format!(
                    "a top-level node (or text without one) longer than {} KB",
                    MAX_WHOLE / 1024
                ),
            )
            .with_label(Span::new(id, a, len), "starts here")
            .with_help("no spec needs nodes this large; is a `}` or a `\"` missing?"),
        ]);
    }
    let threads = max_threads.clamp(1, ranges.len());
    let per_thread = ranges.len().div_ceil(threads);
    let results: Vec<Result<KdlDocument, Option<KdlError>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .chunks(per_thread)
            .map(|group| {
                scope.spawn(move || {
                    group
                        .iter()
                        .map(|&(a, b)| parse_whole(&text[a..b]))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|_| vec![Err(None); per_thread]))
            .collect()
    });
    let mut docs = Vec::with_capacity(ranges.len());
    let mut errors = Vec::new();
    for (&(a, b), result) in ranges.iter().zip(results) {
        match result {
            Ok(doc) => docs.push((a, doc)),
            Err(e) => errors.extend(syntax_errors(id, &text[a..b], a, e)),
        }
    }
    if errors.is_empty() {
        Ok(docs)
    } else {
        Err(errors)
    }
}

/// The diagnostics of a failed parse of `text`, which starts at `base` in the
/// file.
fn syntax_errors(
    id: SourceId,
    text: &str,
    base: usize,
    error: Option<KdlError>,
) -> Vec<Diagnostic> {
    let Some(error) = error else {
        return vec![
            Diagnostic::error(codes::SYNTAX, "the KDL parser failed on this file")
                .with_label(Span::new(id, base, 0), "")
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
                    Span::new(id, base + start, len),
                    d.label.clone().unwrap_or_default(),
                )
                .with_help_opt(d.help.clone())
        })
        .collect();
    if out.is_empty() {
        out.push(
            Diagnostic::error(codes::SYNTAX, "this file is not valid KDL 2.0")
                .with_label(Span::new(id, base, 0), ""),
        );
    }
    out
}

/// `app NAME root=SUPERVISOR`.
fn app(ctx: &mut Ctx<'_>, node: &KdlNode) -> Option<App> {
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

/// `extern-actor NAME path="crate::billing::ledger" [remote=#true [node="billing"]]`: an
/// actor of another generated system, in this process or (remote) on another node.
fn extern_actor(ctx: &mut Ctx<'_>, node: &KdlNode) -> Option<ExternActor> {
    let mut n = Node::new(ctx, node);
    let form =
        "extern-actor NAME path=\"crate::other_system::actor_module\" [remote=#true [node=\"…\"]]";
    let name = n
        .required_arg(ctx, 0, "a name", form)
        .and_then(|e| ctx.ident(e, "an actor name"));
    let path = n
        .required_prop(ctx, "path", form)
        .and_then(|e| ctx.rust_path(e, "the path of the actor's generated module"));
    let remote = n
        .prop("remote")
        .map(|e| (ctx.span(e.span()), ctx.bool(e, "`remote`")));
    let on = n.prop("node").map(|e| {
        let span = ctx.span(e.span());
        (span, ctx.string(e, "a node name").map(str::to_owned))
    });
    let span = n.head();
    n.finish(ctx, false);
    let mut ok = true;
    let node_name = match on {
        Some((span, Some(text))) if crate::model::valid_export_name(&text) => {
            Some(Spanned::new(text, span))
        }
        Some((span, Some(text))) => {
            ctx.report(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!("`{text}` cannot be a node name"),
                )
                .with_label(span, "not a valid node name")
                .with_help("use letters, digits, `-` and `_` only"),
            );
            ok = false;
            None
        }
        Some((_, None)) => {
            ok = false;
            None
        }
        None => None,
    };
    let remote = match remote {
        Some((span, Some(flag))) if flag.value => Some(crate::model::Remote {
            node: node_name,
            span,
        }),
        Some((_, None)) => {
            ok = false;
            None
        }
        _ => {
            if let Some(node) = &node_name {
                ctx.report(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        "`node` names where a remote actor runs, but this extern actor is not remote",
                    )
                    .with_label(node.span, "`node` without `remote=#true`")
                    .with_help("add `remote=#true`, or remove `node`"),
                );
                ok = false;
            }
            None
        }
    };
    if !ok {
        return None;
    }
    Some(ExternActor {
        name: name?,
        path: path?,
        remote,
        span,
    })
}

/// `allow LINT reason="…"`: a reason is required, so that every silenced lint
/// says why in the spec itself.
pub(crate) fn allow(ctx: &mut Ctx<'_>, node: &KdlNode) -> Option<Allow> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

    fn big_spec(errors: bool) -> String {
        let mut s = String::new();
        for i in 0..100 {
            let _ = write!(
                s,
                "protocol P{i} {{\n    call get reply=\"Vec<u8>\" timeout=\"1s\" {{\n        arg key String\n    }}\n}}\n\
                 actor A{i} {{\n    serves P{i}\n    state S\n    /* {{ */ calls A{} // }}\n}}\n",
                (i + 1) % 100
            );
            if errors && i % 30 == 7 {
                s.push_str("actor type {\n}\nsupervisor S strategy=x\n");
            }
        }
        s
    }

    fn parse_with(text: &str, pieces: usize) -> String {
        let mut map = SourceMap::new();
        let id = map.add("big.kdl", text);
        // Debug output shows every span, so equal output means equal positions.
        format!("{:?}", parse_in_pieces(&map, id, pieces, 1024))
    }

    #[test]
    fn pieces_parse_exactly_like_the_whole_file() {
        let text = big_spec(false);
        assert!(text.len() > 4 * 1024);
        assert!(parse_with(&text, 4) == parse_with(&text, 1));
        let text = big_spec(true);
        assert!(parse_with(&text, 4) == parse_with(&text, 1));
        // A syntax error in one piece: the whole file is parsed again.
        let broken = format!("{}actor X {{\n", big_spec(false));
        assert!(parse_with(&broken, 4) == parse_with(&broken, 1));
    }
}
