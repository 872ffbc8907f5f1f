//! Helpers shared by the integration tests.
#![allow(dead_code)]

use arbor_codegen::diagnostics::{self, Diagnostic, RenderOptions};
use arbor_codegen::{SourceMap, Spec};

/// What `arbor check` would report for one file: front-end errors if any,
/// otherwise the analysis.
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
    pub spec: Option<Spec>,
}

pub fn report(src: &str) -> Report {
    match arbor_codegen::load_str(&[("test.kdl", src)]) {
        Ok((spec, sources)) => Report {
            diagnostics: arbor_codegen::check(&spec),
            sources,
            spec: Some(spec),
        },
        Err(f) => Report {
            diagnostics: f.diagnostics,
            sources: f.sources,
            spec: None,
        },
    }
}

impl Report {
    pub fn codes(&self) -> Vec<&'static str> {
        self.diagnostics.iter().map(|d| d.code).collect()
    }

    pub fn rendered(&self) -> String {
        diagnostics::render_human(&self.diagnostics, &self.sources, &RenderOptions::default())
    }

    /// The diagnostics with this code.
    pub fn with_code(&self, code: &str) -> Vec<&Diagnostic> {
        self.diagnostics.iter().filter(|d| d.code == code).collect()
    }

    /// The only diagnostic with this code.
    pub fn one(&self, code: &str) -> &Diagnostic {
        let found = self.with_code(code);
        assert_eq!(
            found.len(),
            1,
            "expected one {code}, got:\n{}",
            self.rendered()
        );
        found[0]
    }

    /// Line and column of a diagnostic's primary label.
    pub fn at(&self, d: &Diagnostic) -> (usize, usize) {
        let loc = d
            .span()
            .and_then(|s| self.sources.location(s))
            .expect("a located diagnostic");
        (loc.line, loc.column)
    }

    /// The text a diagnostic's primary label covers.
    pub fn text(&self, d: &Diagnostic) -> &str {
        d.span()
            .and_then(|s| self.sources.snippet(s))
            .expect("a located diagnostic")
    }

    /// Asserts exactly one diagnostic `code`, whose primary label starts at
    /// the line and column where `needle` first occurs in the source.
    pub fn assert_one(&self, code: &str, needle: &str) -> &Diagnostic {
        let d = self.one(code);
        self.assert_at(d, needle);
        d
    }

    /// Asserts that `d`'s primary label starts where `needle` first occurs.
    pub fn assert_at(&self, d: &Diagnostic, needle: &str) {
        let text = self
            .sources
            .iter()
            .next()
            .expect("one source")
            .1
            .text()
            .clone();
        let expected = line_column(&text, needle);
        assert_eq!(
            self.at(d),
            expected,
            "{} should point at {needle:?} ({}:{}), it covers {:?}:\n{}",
            d.code,
            expected.0,
            expected.1,
            self.text(d),
            self.rendered()
        );
    }

    /// Asserts there is no diagnostic at all.
    pub fn assert_clean(&self) {
        assert!(
            self.diagnostics.is_empty(),
            "expected no diagnostics:\n{}",
            self.rendered()
        );
    }

    /// Asserts no diagnostic has this code.
    pub fn assert_none(&self, code: &str) {
        assert!(
            self.with_code(code).is_empty(),
            "unexpected {code}:\n{}",
            self.rendered()
        );
    }
}

/// A protocol, an actor serving it and a supervisor starting it: a clean base
/// for tests that add one problem.
pub const BASE: &str = r#"
protocol Ping {
    call ping reply=u32 timeout="1s"
}
"#;

/// 1-based line and column of the first occurrence of `needle` in `text`.
pub fn line_column(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the source"));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
