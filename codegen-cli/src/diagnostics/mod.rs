//! Diagnostics: what the front-end and the analysis report, and how they are
//! shown — rendered by miette for people, as JSON for tools and editors, as
//! GitHub Actions annotations ([`github`]) or as SARIF 2.1.0 for code scanning
//! ([`sarif`]).
//!
//! A [`Diagnostic`] holds abstract [`Span`]s; a [`SourceMap`] turns them into
//! file names, lines and snippets only when rendering, so the analysis never
//! needs the text.

pub mod github;
pub mod sarif;

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde_json::{Value, json};

pub use github::{GithubOptions, render_github};
pub use sarif::render_sarif;

use crate::source::{SourceFile, SourceId, SourceMap, Span};

/// How bad it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The spec is wrong: nothing is generated.
    Error,
    /// A lint: shown, and fatal only with `--deny-warnings`.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A span with a message; the first label of a diagnostic is its primary one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// What it points at.
    pub span: Span,
    /// What to say there (may be empty).
    pub message: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, e.g. `arbor::call_cycle` (see [`crate::codes`]).
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// One sentence.
    pub message: String,
    /// Where; the first is primary. May be empty (e.g. an unreadable file).
    pub labels: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A new error.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    /// A new warning.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Adds a label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Sets the help text (appending on a new line if there is one).
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        let help = help.into();
        self.help = Some(match self.help.take() {
            Some(old) => format!("{old}\n{help}"),
            None => help,
        });
        self
    }

    /// Adds help when there is some.
    pub fn with_help_opt(self, help: Option<String>) -> Self {
        match help {
            Some(h) => self.with_help(h),
            None => self,
        }
    }

    /// The primary span.
    pub fn span(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }

    /// Whether it is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Puts diagnostics in reading order: by file, position, then code.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.span().map(|s| (s.source, s.start, s.len));
        key(a)
            .cmp(&key(b))
            .then(a.severity.cmp(&b.severity))
            .then(a.code.cmp(b.code))
            .then(a.message.cmp(&b.message))
    });
}

/// Counts errors and warnings.
pub fn count(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors, diagnostics.len() - errors)
}

/// How to render for people.
#[derive(Clone, Copy, Debug)]
pub struct RenderOptions {
    /// ANSI colours.
    pub color: bool,
    /// Line width to wrap at.
    pub width: usize,
}

impl Default for RenderOptions {
    /// No colour, 100 columns: deterministic, for logs and snapshots.
    fn default() -> Self {
        RenderOptions {
            color: false,
            width: 100,
        }
    }
}

/// Renders diagnostics the way `arbor check` prints them.
pub fn render_human(
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    options: &RenderOptions,
) -> String {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(options.width);
    let mut out = String::new();
    for d in diagnostics {
        let view = View::new(d, sources);
        let mut one = String::new();
        if handler.render_report(&mut one, &view).is_err() {
            // miette only fails on a broken source; fall back to a plain line.
            one = format!("{}[{}]: {}\n", d.severity.as_str(), d.code, d.message);
        }
        out.push_str(&one);
        out.push('\n');
    }
    out
}

/// Version of the JSON schema below; bumped on any incompatible change.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// Renders diagnostics as one JSON document:
///
/// ```text
/// { "version": 1, "errors": N, "warnings": N,
///   "diagnostics": [ { "code", "severity", "message", "file", "line", "column",
///                      "labels": [ { "message", "file", "line", "column",
///                                    "end_line", "end_column" } ],
///                      "help" } ] }
/// ```
///
/// Lines and columns are 1-based, columns count Unicode characters. `file`,
/// `line` and `column` are those of the primary label, `null` without one.
pub fn render_json(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let (errors, warnings) = count(diagnostics);
    let items: Vec<Value> = diagnostics.iter().map(|d| json_one(d, sources)).collect();
    let doc = json!({
        "version": JSON_SCHEMA_VERSION,
        "errors": errors,
        "warnings": warnings,
        "diagnostics": items,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned())
}

fn json_one(d: &Diagnostic, sources: &SourceMap) -> Value {
    let primary = d.span().and_then(|s| sources.location(s));
    let labels: Vec<Value> = d
        .labels
        .iter()
        .filter_map(|l| {
            let loc = sources.location(l.span)?;
            Some(json!({
                "message": l.message,
                "file": loc.file,
                "line": loc.line,
                "column": loc.column,
                "end_line": loc.end_line,
                "end_column": loc.end_column,
            }))
        })
        .collect();
    json!({
        "code": d.code,
        "severity": d.severity.as_str(),
        "message": d.message,
        "file": primary.as_ref().map(|l| l.file.clone()),
        "line": primary.as_ref().map(|l| l.line),
        "column": primary.as_ref().map(|l| l.column),
        "labels": labels,
        "help": d.help,
    })
}

/// A diagnostic as miette sees it: labels in the primary label's file are
/// drawn on its snippet; labels in other files become related reports, since a
/// miette report has one source.
struct View<'s> {
    code: &'static str,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: Option<Indexed<'s>>,
    labels: Vec<LabeledSpan>,
    related: Vec<View<'s>>,
}

impl<'s> View<'s> {
    fn new(d: &Diagnostic, sources: &'s SourceMap) -> View<'s> {
        let severity = match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        };
        let mut groups: Vec<(SourceId, Vec<LabeledSpan>)> = Vec::new();
        for (i, label) in d.labels.iter().enumerate() {
            let Some(file) = sources.get(label.span.source) else {
                continue;
            };
            // Clamp so a foreign span can never make miette read out of range.
            let start = label.span.start.min(file.text().len());
            let len = label.span.len.min(file.text().len() - start);
            let text = (!label.message.is_empty()).then(|| label.message.clone());
            let labeled = if i == 0 {
                LabeledSpan::new_primary_with_span(text, (start, len))
            } else {
                LabeledSpan::new_with_span(text, (start, len))
            };
            match groups.iter_mut().find(|(id, _)| *id == label.span.source) {
                Some((_, spans)) => spans.push(labeled),
                None => groups.push((label.span.source, vec![labeled])),
            }
        }
        let named = |id: SourceId| sources.get(id).map(|file| Indexed { file });
        let mut groups = groups.into_iter();
        let (source, labels) = match groups.next() {
            Some((id, labels)) => (named(id), labels),
            None => (None, Vec::new()),
        };
        let related = groups
            .map(|(id, labels)| View {
                code: d.code,
                severity: miette::Severity::Advice,
                message: format!(
                    "continued in {}",
                    sources.get(id).map_or("another file", |f| f.name())
                ),
                help: None,
                source: named(id),
                labels,
                related: Vec::new(),
            })
            .collect();
        View {
            code: d.code,
            severity,
            message: d.message.clone(),
            help: d.help.clone(),
            source,
            labels,
            related,
        }
    }
}

impl fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for View<'_> {}

impl miette::Diagnostic for View<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// A source for miette that finds a snippet through the line index.
///
/// miette's own `str` source scans from the start of the text for every
/// label, which makes rendering many diagnostics of a large file quadratic.
/// Here the scan is confined to a window of lines around the span, and the
/// result shifted back to file coordinates.
struct Indexed<'s> {
    file: &'s SourceFile,
}

impl SourceCode for Indexed<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &str = self.file.text();
        let starts = self.file.line_starts();
        let start = span.offset().min(text.len());
        let end = (span.offset() + span.len()).min(text.len());
        // One spare line on each side: the scan inside then sees the same
        // neighbourhood as a scan of the whole text would.
        let first_line = self
            .file
            .line_index(start)
            .saturating_sub(context_lines_before + 1);
        let last_line = self.file.line_index(end) + context_lines_after + 2;
        let window_start = starts.get(first_line).copied().unwrap_or(0);
        let window_end = starts.get(last_line).copied().unwrap_or(text.len());
        let window = text
            .get(window_start..window_end)
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((start - window_start).into(), end - start);
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        let shifted = SourceSpan::new(
            (inner.span().offset() + window_start).into(),
            inner.span().len(),
        );
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.name().to_owned(),
            inner.data(),
            shifted,
            inner.line() + first_line,
            inner.column(),
            inner.line_count() + first_line,
        )))
    }
}

/// Front-end or analysis errors, with the sources needed to show them.
///
/// Its `Display` is the human rendering without colour, so a `build.rs` can
/// simply print it (or `panic!("{failure}")`).
#[derive(Clone, Debug)]
pub struct Failure {
    /// Every diagnostic, in reading order (warnings included).
    pub diagnostics: Vec<Diagnostic>,
    /// The sources they point into.
    pub sources: SourceMap,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render_human(
            &self.diagnostics,
            &self.sources,
            &RenderOptions::default(),
        ))
    }
}

impl std::error::Error for Failure {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_the_documented_fields() {
        let mut map = SourceMap::new();
        let id = map.add("a.kdl", "actor A {\n  calls A\n}\n");
        let d = Diagnostic::error(crate::codes::CALL_CYCLE, "A calls itself")
            .with_label(Span::new(id, 12, 7), "here")
            .with_help("break it");
        let v: Value = serde_json::from_str(&render_json(&[d], &map)).expect("valid JSON");
        let first = &v["diagnostics"][0];
        assert_eq!(v["errors"], 1);
        assert_eq!(first["code"], "arbor::call_cycle");
        assert_eq!(first["file"], "a.kdl");
        assert_eq!(
            (first["line"].as_u64(), first["column"].as_u64()),
            (Some(2), Some(3))
        );
        assert_eq!(first["labels"][0]["end_column"], 10);
        assert_eq!(first["help"], "break it");
    }

    #[test]
    fn labels_in_other_files_are_still_shown() {
        let mut map = SourceMap::new();
        let a = map.add("a.kdl", "actor A { calls B }\n");
        let b = map.add("b.kdl", "actor B { calls A }\n");
        let d = Diagnostic::error(crate::codes::CALL_CYCLE, "cycle")
            .with_label(Span::new(a, 10, 7), "A calls B")
            .with_label(Span::new(b, 10, 7), "B calls A");
        let out = render_human(&[d], &map, &RenderOptions::default());
        assert!(out.contains("a.kdl") && out.contains("b.kdl"), "{out}");
        assert!(out.contains("B calls A"), "{out}");
    }
}
