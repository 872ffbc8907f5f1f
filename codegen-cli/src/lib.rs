//! Arbor's spec language, analysis and code generator.
//!
//! The data flow: spec files → [`kdl`] front-end → [`model::Spec`] → [`check()`]
//! → [`Diagnostic`]s, rendered by [`diagnostics`]; [`graph`] draws a spec. The
//! macro front-end builds the same [`model::Spec`] from Rust code.
//!
//! For a `build.rs`:
//!
//! ```no_run
//! match arbor_codegen::load_and_check(&["specs/chat.kdl"]) {
//!     Ok(checked) => {
//!         for w in &checked.warnings {
//!             println!("cargo:warning={}", w.message);
//!         }
//!         // … generate code from `checked.spec` …
//!     }
//!     Err(failure) => panic!("{failure}"),
//! }
//! ```

pub mod check;
pub mod codes;
pub mod diagnostics;
pub mod graph;
pub mod kdl;
pub mod model;
pub mod source;
mod suggest;

use std::path::Path;

pub use diagnostics::{Diagnostic, Failure, Label, Severity};
pub use model::Spec;
pub use source::{SourceId, SourceMap, Span};

/// Reads and parses spec files into one spec. Every file is read, and every
/// error of every file reported, before giving up.
pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<(Spec, SourceMap), Failure> {
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    for path in paths {
        let path = path.as_ref();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                sources.add(path.display().to_string(), text);
            }
            Err(e) => diagnostics.push(Diagnostic::error(
                codes::IO,
                format!("cannot read `{}`: {e}", path.display()),
            )),
        }
    }
    let (spec, mut more) = parse_all(&sources);
    diagnostics.append(&mut more);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Failure {
            diagnostics,
            sources,
        });
    }
    Ok((spec, sources))
}

/// Parses spec texts already in memory (tests, editors, the macro front-end's
/// tests): `(name, text)` pairs.
pub fn load_str(files: &[(&str, &str)]) -> Result<(Spec, SourceMap), Failure> {
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(*name, *text);
    }
    let (spec, diagnostics) = parse_all(&sources);
    if diagnostics.is_empty() {
        Ok((spec, sources))
    } else {
        Err(Failure {
            diagnostics,
            sources,
        })
    }
}

/// Parses every source of a map: the spec of all items read without error,
/// and the errors.
pub fn parse_all(sources: &SourceMap) -> (Spec, Vec<Diagnostic>) {
    let mut spec = Spec::default();
    let mut diagnostics = Vec::new();
    for (id, _) in sources.iter() {
        let (one, mut errors) = kdl::parse(sources, id);
        spec.extend(one);
        diagnostics.append(&mut errors);
    }
    diagnostics::sort(&mut diagnostics);
    (spec, diagnostics)
}

/// Runs the whole analysis: validation, call cycles, boot order and lints.
/// The result is in reading order; see [`Diagnostic::is_error`].
pub fn check(spec: &Spec) -> Vec<Diagnostic> {
    check::check(spec)
}

/// A spec that passed the analysis (perhaps with warnings).
#[derive(Clone, Debug)]
pub struct Checked {
    /// The spec.
    pub spec: Spec,
    /// Its sources, to render the warnings.
    pub sources: SourceMap,
    /// Lints that fired.
    pub warnings: Vec<Diagnostic>,
}

/// [`load`] then [`check()`]: what a `build.rs` calls. Errors of either step
/// (with the warnings found so far) are the `Err`.
pub fn load_and_check<P: AsRef<Path>>(paths: &[P]) -> Result<Checked, Failure> {
    let (spec, sources) = load(paths)?;
    let diagnostics = check(&spec);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Failure {
            diagnostics,
            sources,
        });
    }
    Ok(Checked {
        spec,
        sources,
        warnings: diagnostics,
    })
}
