//! Reading one KDL node: its name, arguments and properties, converted to model
//! values with errors that point at the exact entry.
//!
//! A node's schema is implicit in what the reader asks for: every property
//! looked up becomes a known name, and `finish` reports the rest as unknown
//! (with a suggestion among the known ones) and extra arguments as unexpected.
//! Readers never stop at the first problem: each one is recorded and reading
//! goes on, so a file's errors are all reported at once.

use std::num::NonZeroUsize;

use ::kdl::{KdlEntry, KdlNode, KdlValue};

use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::model::{
    Ident, Partitions, RustPath, RustType, Shutdown, Spanned, SyntaxError, Timeout,
};
use crate::source::{SourceId, Span};
use crate::suggest;

/// Per-file reading state: where spans point, and what went wrong so far.
pub(crate) struct Ctx<'t> {
    pub source: SourceId,
    /// The whole file.
    pub text: &'t str,
    /// Where the parsed piece starts in the file: `kdl`'s spans are relative
    /// to it.
    base: usize,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'t> Ctx<'t> {
    pub fn new(source: SourceId, text: &'t str, base: usize) -> Self {
        Ctx {
            source,
            text,
            base,
            diagnostics: Vec::new(),
        }
    }

    /// A `kdl` span as a span in the file. Every `kdl` offset goes through
    /// here (never `.offset()` directly).
    pub fn span(&self, s: miette::SourceSpan) -> Span {
        Span::new(self.source, self.base + s.offset(), s.len())
    }

    pub fn report(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// An unknown child node, with a suggestion among those allowed there.
    pub fn unknown_node(&mut self, node: &KdlNode, allowed: &[&str], place: &str) {
        let name = node.name().value();
        let span = self.span(node.name().span());
        let help = suggest::help(name, allowed.iter().copied())
            .unwrap_or_else(|| format!("{place} the language has: {}", allowed.join(", ")));
        self.report(
            Diagnostic::error(
                codes::UNKNOWN_NODE,
                format!("unknown node `{name}` {place}"),
            )
            .with_label(span, "not known here")
            .with_help(help),
        );
    }

    /// A node whose block is not allowed or whose args are missing, etc.
    fn value_error(
        &mut self,
        code: &'static str,
        span: Span,
        message: String,
        help: Option<String>,
    ) {
        self.report(
            Diagnostic::error(code, message)
                .with_label(span, "")
                .with_help_opt(help),
        );
    }

    fn syntax_error(&mut self, code: &'static str, span: Span, e: SyntaxError) {
        self.value_error(code, span, e.message, e.help);
    }

    pub fn string<'e>(&mut self, e: &'e KdlEntry, what: &str) -> Option<&'e str> {
        match e.value() {
            KdlValue::String(s) => Some(s),
            other => {
                let span = self.span(e.span());
                self.value_error(
                    codes::INVALID_VALUE,
                    span,
                    format!("{what} must be a name or a string, not {}", describe(other)),
                    None,
                );
                None
            }
        }
    }

    pub fn ident(&mut self, e: &KdlEntry, what: &str) -> Option<Ident> {
        let text = self.string(e, what)?;
        let span = self.value_span(e);
        Ident::parse(text, span)
            .map_err(|err| self.syntax_error(codes::INVALID_IDENTIFIER, span, err))
            .ok()
    }

    pub fn rust_type(&mut self, e: &KdlEntry, what: &str) -> Option<RustType> {
        let text = self.string(e, what)?;
        let span = self.value_span(e);
        RustType::parse(text, span)
            .map_err(|err| self.syntax_error(codes::INVALID_TYPE, span, err))
            .ok()
    }

    pub fn rust_path(&mut self, e: &KdlEntry, what: &str) -> Option<RustPath> {
        let text = self.string(e, what)?;
        let span = self.value_span(e);
        RustPath::parse(text, span)
            .map_err(|err| self.syntax_error(codes::INVALID_PATH, span, err))
            .ok()
    }

    pub fn timeout(&mut self, e: &KdlEntry) -> Option<Spanned<Timeout>> {
        let text = self.duration_text(e)?;
        let span = self.span(e.span());
        Timeout::parse(text)
            .map(|t| Spanned::new(t, span))
            .map_err(|err| self.syntax_error(codes::INVALID_DURATION, span, err))
            .ok()
    }

    pub fn shutdown(&mut self, e: &KdlEntry) -> Option<Spanned<Shutdown>> {
        let text = self.duration_text(e)?;
        let span = self.span(e.span());
        Shutdown::parse(text)
            .map(|t| Spanned::new(t, span))
            .map_err(|err| self.syntax_error(codes::INVALID_DURATION, span, err))
            .ok()
    }

    fn duration_text<'e>(&mut self, e: &'e KdlEntry) -> Option<&'e str> {
        if let KdlValue::Integer(n) = e.value() {
            let span = self.span(e.span());
            self.value_error(
                codes::INVALID_DURATION,
                span,
                format!("a duration needs a unit: `{n}` alone is ambiguous"),
                Some(format!(
                    "write it as a string with a unit, e.g. \"{n}ms\" or \"{n}s\""
                )),
            );
            return None;
        }
        self.string(e, "a duration")
    }

    /// One of a fixed set of words, e.g. `overflow=reject`.
    pub fn word<T: Copy>(
        &mut self,
        e: &KdlEntry,
        what: &str,
        words: &[(&str, T)],
    ) -> Option<Spanned<T>> {
        let text = self.string(e, what)?;
        let span = self.span(e.span());
        if let Some((_, v)) = words.iter().find(|(w, _)| *w == text) {
            return Some(Spanned::new(*v, span));
        }
        let names: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
        let help = suggest::help(text, names.iter().copied())
            .unwrap_or_else(|| format!("expected one of: {}", names.join(", ")));
        self.value_error(
            codes::INVALID_VALUE,
            span,
            format!("`{text}` is not a valid {what}"),
            Some(help),
        );
        None
    }

    pub fn bool(&mut self, e: &KdlEntry, what: &str) -> Option<Spanned<bool>> {
        let span = self.span(e.span());
        match e.value() {
            KdlValue::Bool(b) => Some(Spanned::new(*b, span)),
            other => {
                self.value_error(
                    codes::INVALID_VALUE,
                    span,
                    format!("{what} must be #true or #false, not {}", describe(other)),
                    None,
                );
                None
            }
        }
    }

    /// A whole number in `min..=u32::MAX`.
    pub fn count(&mut self, e: &KdlEntry, what: &str, min: u32) -> Option<Spanned<u32>> {
        let span = self.span(e.span());
        match e.value() {
            KdlValue::Integer(n) => match u32::try_from(*n) {
                Ok(v) if v >= min => Some(Spanned::new(v, span)),
                _ => {
                    self.value_error(
                        codes::INVALID_VALUE,
                        span,
                        format!(
                            "{what} must be a whole number from {min} to {}, not {n}",
                            u32::MAX
                        ),
                        None,
                    );
                    None
                }
            },
            other => {
                self.value_error(
                    codes::INVALID_VALUE,
                    span,
                    format!("{what} must be a whole number, not {}", describe(other)),
                    None,
                );
                None
            }
        }
    }

    pub fn nonzero(&mut self, e: &KdlEntry, what: &str) -> Option<Spanned<NonZeroUsize>> {
        let n = self.count(e, what, 1)?;
        let v = usize::try_from(n.value).ok().and_then(NonZeroUsize::new)?;
        Some(Spanned::new(v, n.span))
    }

    /// `N` or `infinity` (returned as `None` inside `Some`).
    pub fn limit(&mut self, e: &KdlEntry, what: &str) -> Option<Option<Spanned<NonZeroUsize>>> {
        if e.value().as_string() == Some("infinity") {
            return Some(None);
        }
        self.nonzero(e, what).map(Some)
    }

    /// `partitions=N` or `partitions=per-core`.
    pub fn partitions(&mut self, e: &KdlEntry) -> Option<Spanned<Partitions>> {
        if e.value().as_string() == Some("per-core") {
            return Some(Spanned::new(Partitions::PerCore, self.span(e.span())));
        }
        let n = self.nonzero(e, "partitions")?;
        Some(Spanned::new(Partitions::Fixed(n.value), n.span))
    }

    /// For names and types, point at the value alone (not `key=`).
    fn value_span(&self, e: &KdlEntry) -> Span {
        let full = self.span(e.span());
        match e.name() {
            Some(key) => {
                let key_end = self.span(key.span()).end();
                // `key=value`: skip the key and the `=`.
                let start = (key_end + 1).clamp(full.start, full.end());
                Span::new(full.source, start, full.end() - start)
            }
            None => full,
        }
    }
}

fn describe(v: &KdlValue) -> String {
    match v {
        KdlValue::String(s) => format!("\"{s}\""),
        KdlValue::Integer(n) => format!("the number {n}"),
        KdlValue::Float(f) => format!("the number {f}"),
        KdlValue::Bool(b) => format!("#{b}"),
        KdlValue::Null => "#null".to_owned(),
    }
}

/// The entries of one node, consumed by name or position.
pub(crate) struct Node<'a> {
    node: &'a KdlNode,
    args: Vec<&'a KdlEntry>,
    args_used: Vec<bool>,
    props: Vec<(&'a str, &'a KdlEntry)>,
    props_used: Vec<bool>,
    known: Vec<&'static str>,
    head: Span,
}

impl<'a> Node<'a> {
    /// Starts reading `node`; reports annotations and repeated properties.
    pub fn new(ctx: &mut Ctx<'_>, node: &'a KdlNode) -> Self {
        let mut args = Vec::new();
        let mut props: Vec<(&str, &KdlEntry)> = Vec::new();
        if let Some(ty) = node.ty() {
            annotation(ctx, ty.span());
        }
        for e in node.entries() {
            if let Some(ty) = e.ty() {
                annotation(ctx, ty.span());
            }
            match e.name() {
                None => args.push(e),
                Some(key) => {
                    let key = key.value();
                    if let Some((_, first)) = props.iter().find(|(k, _)| *k == key) {
                        let first = ctx.span(first.span());
                        let again = ctx.span(e.span());
                        ctx.report(
                            Diagnostic::error(
                                codes::DUPLICATE_PROPERTY,
                                format!("`{key}` is given twice"),
                            )
                            .with_label(again, "given again here")
                            .with_label(first, "first given here")
                            .with_help("KDL would keep the last one silently; remove one"),
                        );
                        continue;
                    }
                    props.push((key, e));
                }
            }
        }
        let node_span = ctx.span(node.span());
        let end = node
            .entries()
            .iter()
            .map(|e| ctx.span(e.span()).end())
            .max()
            .unwrap_or_else(|| ctx.span(node.name().span()).end());
        let head = Span::new(
            ctx.source,
            node_span.start,
            end.saturating_sub(node_span.start),
        );
        Node {
            node,
            args_used: vec![false; args.len()],
            args,
            props_used: vec![false; props.len()],
            props,
            known: Vec::new(),
            head,
        }
    }

    /// The node's name.
    pub fn name(&self) -> &'a str {
        self.node.name().value()
    }

    /// The node's name and entries (not its block): what labels point at.
    pub fn head(&self) -> Span {
        self.head
    }

    /// Positional argument `i`.
    pub fn arg(&mut self, i: usize) -> Option<&'a KdlEntry> {
        let e = self.args.get(i)?;
        self.args_used[i] = true;
        Some(e)
    }

    /// Positional argument `i`, or an error explaining the expected form.
    pub fn required_arg(
        &mut self,
        ctx: &mut Ctx<'_>,
        i: usize,
        what: &str,
        form: &str,
    ) -> Option<&'a KdlEntry> {
        let e = self.arg(i);
        if e.is_none() {
            ctx.report(
                Diagnostic::error(
                    codes::MISSING_VALUE,
                    format!("`{}` needs {what}", self.name()),
                )
                .with_label(self.head, format!("{what} missing"))
                .with_help(format!("write it as: {form}")),
            );
        }
        e
    }

    /// Every positional argument from `i` on.
    pub fn rest_args(&mut self, i: usize) -> Vec<&'a KdlEntry> {
        let mut out = Vec::new();
        for j in i..self.args.len() {
            self.args_used[j] = true;
            out.push(self.args[j]);
        }
        out
    }

    /// Property `key`; looking it up makes it a known name for this node.
    pub fn prop(&mut self, key: &'static str) -> Option<&'a KdlEntry> {
        self.known.push(key);
        let i = self.props.iter().position(|(k, _)| *k == key)?;
        self.props_used[i] = true;
        Some(self.props[i].1)
    }

    /// A property that must be there.
    pub fn required_prop(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &'static str,
        form: &str,
    ) -> Option<&'a KdlEntry> {
        let e = self.prop(key);
        if e.is_none() {
            ctx.report(
                Diagnostic::error(
                    codes::MISSING_VALUE,
                    format!("`{}` needs `{key}=`", self.name()),
                )
                .with_label(self.head, format!("`{key}` missing"))
                .with_help(format!("write it as: {form}")),
            );
        }
        e
    }

    /// The child block, if any.
    pub fn children(&self) -> Option<&'a ::kdl::KdlDocument> {
        self.node.children()
    }

    /// Reports what was not read: unknown properties, extra arguments, and a
    /// block when `block_allowed` is false.
    pub fn finish(self, ctx: &mut Ctx<'_>, block_allowed: bool) {
        for ((key, e), used) in self.props.iter().zip(&self.props_used) {
            if *used {
                continue;
            }
            let span = ctx.span(e.span());
            let help = suggest::help(key, self.known.iter().copied()).unwrap_or_else(|| {
                if self.known.is_empty() {
                    format!("`{}` takes no properties", self.name())
                } else {
                    format!("`{}` takes: {}", self.name(), self.known.join(", "))
                }
            });
            ctx.report(
                Diagnostic::error(
                    codes::UNKNOWN_PROPERTY,
                    format!("`{}` has no property `{key}`", self.name()),
                )
                .with_label(span, "unknown property")
                .with_help(help),
            );
        }
        for (e, used) in self.args.iter().zip(&self.args_used) {
            if !*used {
                let span = ctx.span(e.span());
                ctx.report(
                    Diagnostic::error(
                        codes::UNEXPECTED_VALUE,
                        format!("`{}` does not take this argument", self.name()),
                    )
                    .with_label(span, "unexpected"),
                );
            }
        }
        if !block_allowed && self.node.children().is_some() {
            // kdl's span of a block is its inside; point at the braces.
            let node_end = ctx.span(self.node.span()).end();
            let start = ctx
                .text
                .get(self.head.end()..node_end)
                .and_then(|t| t.find('{'))
                .map_or(self.head.end(), |i| self.head.end() + i);
            let span = Span::new(ctx.source, start, node_end.saturating_sub(start));
            ctx.report(
                Diagnostic::error(
                    codes::UNEXPECTED_VALUE,
                    format!("`{}` does not take a block", self.name()),
                )
                .with_label(span, "unexpected block"),
            );
        }
    }
}

fn annotation(ctx: &mut Ctx<'_>, span: miette::SourceSpan) {
    let span = ctx.span(span);
    ctx.report(
        Diagnostic::error(
            codes::UNEXPECTED_VALUE,
            "type annotations are not part of the Arbor language",
        )
        .with_label(span, "annotation")
        .with_help("Rust types are plain strings: arg items \"Vec<Item>\""),
    );
}
