//! Checking specs from tests: the diagnostics of `arbor check` as plain data,
//! on any toolchain (no compiler output involved, unlike trybuild).
//!
//! ```
//! use arbor_codegen::testing::{self, add_to_actor};
//!
//! let spec = "protocol Ask {\n    call ask reply=u32 timeout=\"1s\"\n}\n\
//!             actor A {\n    serves Ask\n    state S\n    calls B\n}\n\
//!             actor B {\n    serves Ask\n    state S\n}\n\
//!             supervisor Top {\n    child b actor=B\n    child a actor=A\n}\n";
//! assert!(testing::check_str(spec).passes());
//!
//! // The edit a team must never merge: B calls A back.
//! let edited = add_to_actor(spec, "B", "calls A").unwrap();
//! let report = testing::check_str(&edited);
//! let cycle = report.expect_error("call_cycle");
//! assert_eq!(cycle.cycle(), Some(vec!["A", "B", "A"]));
//! assert_eq!((cycle.line, cycle.column), (Some(7), Some(5)));
//! ```
//!
//! A [`Report`] holds what the JSON output of `arbor check` holds (code,
//! severity, message, file:line:col of every label, help), in reading order.

use std::fmt;
use std::path::Path;

use crate::diagnostics::{self, Diagnostic, RenderOptions, Severity};
use crate::source::SourceMap;

/// The name [`check_str`] gives its text.
pub const SPEC_NAME: &str = "spec.kdl";

/// Checks one spec text (named [`SPEC_NAME`]), as `arbor check` does.
pub fn check_str(spec: &str) -> Report {
    check_files(&[(SPEC_NAME, spec)])
}

/// Checks spec texts read together as one system: `(name, text)` pairs.
pub fn check_files(files: &[(&str, &str)]) -> Report {
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(*name, *text);
    }
    let (spec, mut found) = crate::parse_all(&sources);
    if !found.iter().any(Diagnostic::is_error) {
        found.extend(crate::check(&spec));
    }
    Report::new(&found, &sources)
}

/// Checks spec files on disk, as `arbor check FILE…` does (an unreadable file
/// is an `arbor::io` error without a location).
pub fn check_paths<P: AsRef<Path>>(paths: &[P]) -> Report {
    match crate::load(paths) {
        Ok((spec, sources)) => Report::new(&crate::check(&spec), &sources),
        Err(failure) => Report::new(&failure.diagnostics, &failure.sources),
    }
}

/// What the analysis found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Every finding, errors and warnings, in reading order.
    pub findings: Vec<Finding>,
    rendered: String,
}

/// One diagnostic, resolved to file positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// `arbor::call_cycle`, … (see [`crate::codes`] and the lint table).
    pub code: String,
    /// Error or warning.
    pub severity: Severity,
    /// The one-sentence message.
    pub message: String,
    /// The primary label's file; `None` without a location (an unreadable file).
    pub file: Option<String>,
    /// Its 1-based line.
    pub line: Option<usize>,
    /// Its 1-based column, in characters.
    pub column: Option<usize>,
    /// Every label, the primary one first.
    pub labels: Vec<Position>,
    /// What to do about it.
    pub help: Option<String>,
}

/// A label: where, and what it says there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// The label's text (may be empty).
    pub message: String,
    /// File name.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// 1-based line of the end.
    pub end_line: usize,
    /// 1-based column of the end, exclusive.
    pub end_column: usize,
}

impl Report {
    fn new(diagnostics: &[Diagnostic], sources: &SourceMap) -> Report {
        let findings = diagnostics
            .iter()
            .map(|d| {
                let labels: Vec<Position> = d
                    .labels
                    .iter()
                    .filter_map(|l| {
                        let loc = sources.location(l.span)?;
                        Some(Position {
                            message: l.message.clone(),
                            file: loc.file,
                            line: loc.line,
                            column: loc.column,
                            end_line: loc.end_line,
                            end_column: loc.end_column,
                        })
                    })
                    .collect();
                let primary = d.span().and_then(|s| sources.location(s));
                Finding {
                    code: d.code.to_owned(),
                    severity: d.severity,
                    message: d.message.clone(),
                    file: primary.as_ref().map(|p| p.file.clone()),
                    line: primary.as_ref().map(|p| p.line),
                    column: primary.as_ref().map(|p| p.column),
                    labels,
                    help: d.help.clone(),
                }
            })
            .collect();
        Report {
            findings,
            rendered: diagnostics::render_human(diagnostics, sources, &RenderOptions::default()),
        }
    }

    /// No error (warnings allowed): what `arbor check` exits 0 on, and what builds.
    pub fn passes(&self) -> bool {
        self.errors().next().is_none()
    }

    /// No error and no warning: what `arbor check --deny-warnings` exits 0 on.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }

    /// Every finding's code, in order.
    pub fn codes(&self) -> Vec<&str> {
        self.findings.iter().map(|f| f.code.as_str()).collect()
    }

    /// The findings with `code` (`"call_cycle"` or `"arbor::call_cycle"`).
    pub fn with_code<'r>(&'r self, code: &str) -> impl Iterator<Item = &'r Finding> {
        let code = qualified(code);
        self.findings.iter().filter(move |f| f.code == code)
    }

    /// The first error with `code`; panics, showing the whole report, when there is none.
    #[track_caller]
    pub fn expect_error(&self, code: &str) -> &Finding {
        match self.errors().find(|f| f.code == qualified(code)) {
            Some(f) => f,
            None => panic!(
                "expected an error `{}`, found {:?}:\n{}",
                qualified(code),
                self.codes(),
                self.rendered
            ),
        }
    }

    /// The first warning with `code`; panics, showing the whole report, when there is none.
    #[track_caller]
    pub fn expect_warning(&self, code: &str) -> &Finding {
        match self.warnings().find(|f| f.code == qualified(code)) {
            Some(f) => f,
            None => panic!(
                "expected a warning `{}`, found {:?}:\n{}",
                qualified(code),
                self.codes(),
                self.rendered
            ),
        }
    }

    /// The diagnostics rendered as `arbor check` shows them (no colour).
    pub fn rendered(&self) -> &str {
        &self.rendered
    }
}

/// `Display` is the human rendering: `assert!(report.passes(), "{report}")`.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.findings.is_empty() {
            f.write_str("no problems")
        } else {
            f.write_str(&self.rendered)
        }
    }
}

impl Finding {
    /// For an `arbor::call_cycle`: the actors in order, the first repeated at
    /// the end (`["A", "B", "A"]`; a self-call is `["A", "A"]`). `None` for
    /// other findings, and for a group too tangled to list.
    pub fn cycle(&self) -> Option<Vec<&str>> {
        if self.code != crate::codes::CALL_CYCLE {
            return None;
        }
        if let Some(path) = self.message.strip_prefix("synchronous call cycle: ") {
            return Some(path.split(" → ").collect());
        }
        let rest = self.message.strip_prefix("actor `")?;
        let (name, tail) = rest.split_once('`')?;
        let self_call = tail.starts_with(" calls itself") || tail.starts_with(" casts to itself");
        self_call.then(|| vec![name, name])
    }

    /// Whether it is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

fn qualified(code: &str) -> String {
    if code.starts_with("arbor::") {
        code.to_owned()
    } else {
        format!("arbor::{code}")
    }
}

/// Why a spec edit could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditError {
    /// The spec does not parse (the report says why).
    Unreadable(String),
    /// The spec declares no actor of that name: the case no longer applies.
    NoSuchActor(String),
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Unreadable(report) => write!(f, "the spec does not parse:\n{report}"),
            EditError::NoSuchActor(name) => write!(
                f,
                "the spec declares no actor `{name}`: update this case to the current spec"
            ),
        }
    }
}

impl std::error::Error for EditError {}

/// The spec with `line` (`calls A`, `casts B`, `calls C during=init`…) added as
/// the first line of `actor`'s block (a block is opened if it has none); the
/// rest of the text is unchanged. For tests of edits that must be rejected.
pub fn add_to_actor(spec: &str, actor: &str, line: &str) -> Result<String, EditError> {
    let (model, _) = crate::load_str(&[(SPEC_NAME, spec)])
        .map_err(|failure| EditError::Unreadable(failure.to_string()))?;
    let Some(found) = model.actors.iter().find(|a| a.name.as_str() == actor) else {
        return Err(EditError::NoSuchActor(actor.to_owned()));
    };
    let end = (found.span.start + found.span.len).min(spec.len());
    let rest = &spec[end..];
    let gap = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let mut out = String::with_capacity(spec.len() + line.len() + 8);
    if rest[gap..].starts_with('{') {
        let brace = end + gap + 1;
        out.push_str(&spec[..brace]);
        out.push_str("\n    ");
        out.push_str(line);
        out.push_str(&spec[brace..]);
    } else {
        out.push_str(&spec[..end]);
        out.push_str(" {\n    ");
        out.push_str(line);
        out.push_str("\n}");
        out.push_str(rest);
    }
    Ok(out)
}
