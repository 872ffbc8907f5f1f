//! Arbor's spec language, analysis and code generator.
//!
//! The data flow: spec files → [`kdl`] front-end → [`model::Spec`] → [`check()`]
//! → [`Diagnostic`]s, rendered by [`diagnostics`]; [`graph`] draws a spec;
//! [`testing`] checks specs from tests, with the diagnostics as data. The macro
//! front-end builds the same [`model::Spec`] from Rust code.
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
pub mod emit;
pub mod graph;
pub mod kdl;
pub mod model;
pub mod source;
mod suggest;
pub mod testing;

use std::path::Path;

pub use diagnostics::{Diagnostic, Failure, Label, Severity};
pub use emit::build::{BuildError, Builder, compile, configure};
pub use model::Spec;
pub use source::{SourceId, SourceMap, Span};

/// Reads and parses spec files into one spec. Every file is read, and every
/// error of every file reported, before giving up.
pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<(Spec, SourceMap), Failure> {
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    for path in paths {
        let path = path.as_ref();
        match std::fs::read(path) {
            Ok(bytes) => {
                add_bytes(
                    &mut sources,
                    path.display().to_string(),
                    bytes,
                    &mut diagnostics,
                );
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

/// Parses spec files already in memory as bytes (fuzzers, tools that read
/// files themselves): `(name, bytes)` pairs. A file that is not UTF-8 is an
/// `arbor::syntax` error pointing at its first invalid byte.
pub fn load_bytes(files: &[(&str, &[u8])]) -> Result<(Spec, SourceMap), Failure> {
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    for (name, bytes) in files {
        add_bytes(&mut sources, *name, bytes.to_vec(), &mut diagnostics);
    }
    let (spec, mut more) = parse_all(&sources);
    diagnostics.append(&mut more);
    if diagnostics.is_empty() {
        Ok((spec, sources))
    } else {
        diagnostics::sort(&mut diagnostics);
        Err(Failure {
            diagnostics,
            sources,
        })
    }
}

/// Adds a file read as bytes. Text that is not UTF-8 (KDL is UTF-8 only) is
/// kept with the invalid bytes replaced, so that the error can point at the
/// first of them (what the rest of the file says is reported too, but the
/// load fails either way).
fn add_bytes(
    sources: &mut SourceMap,
    name: impl Into<String>,
    bytes: Vec<u8>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    match String::from_utf8(bytes) {
        Ok(text) => {
            sources.add(name, text);
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // Same offset in the lossy text (everything before it was valid),
            // where the bad bytes became one U+FFFD.
            let id = sources.add(name, text);
            diagnostics.push(
                Diagnostic::error(codes::SYNTAX, "this file is not valid UTF-8")
                    .with_label(Span::new(id, at, '\u{FFFD}'.len_utf8()), "invalid byte")
                    .with_help("KDL files are UTF-8; save the file as UTF-8"),
            );
        }
    }
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
