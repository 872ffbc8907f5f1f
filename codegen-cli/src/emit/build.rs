//! The `build.rs` API, after prost-build / tonic-build: [`compile`] and
//! [`configure`].
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     arbor_codegen::compile("specs/chat.kdl")?;
//!     Ok(())
//! }
//! ```
//!
//! ```ignore
//! // src/chat.rs: the generated code, next to the types the spec names
//! arbor::include_spec!("chat");
//! ```
//!
//! The code is written to `OUT_DIR/<name>.rs` (the first spec's file stem by
//! default) only when its content changed, and `cargo::rerun-if-changed` is
//! printed for every spec file. Errors are rendered as `arbor check` renders
//! them (on stderr, which cargo shows when a build script fails), then a short
//! [`BuildError`] is returned; warnings become `cargo::warning` lines.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::diagnostics::{self, Diagnostic, RenderOptions};
use crate::source::SourceMap;

/// Compiles one spec file into `OUT_DIR` (see [`Builder::compile`]).
pub fn compile(spec: impl AsRef<Path>) -> Result<PathBuf, BuildError> {
    configure().compile(&[spec])
}

/// A [`Builder`] with the defaults: `OUT_DIR`, file named after the first spec,
/// `rerun-if-changed` printed, warnings reported but not fatal.
pub fn configure() -> Builder {
    Builder::default()
}

/// Options of a `build.rs` compilation.
#[derive(Clone, Debug)]
pub struct Builder {
    out_dir: Option<PathBuf>,
    file_name: Option<String>,
    rerun_if_changed: bool,
    deny_warnings: bool,
    cargo_output: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            out_dir: None,
            file_name: None,
            rerun_if_changed: true,
            deny_warnings: false,
            cargo_output: true,
        }
    }
}

/// Why a compilation failed (the diagnostics were printed already).
///
/// Its `Debug` is its one-line `Display`: a `build.rs` whose `main` returns it prints
/// `Error: arbor: …` once, under the rendered diagnostics, not the diagnostics a second time.
pub enum BuildError {
    /// The spec has errors (or warnings, with [`Builder::deny_warnings`]).
    Spec {
        /// The spec files.
        files: Vec<PathBuf>,
        /// How many errors.
        errors: usize,
        /// How many warnings.
        warnings: usize,
        /// The diagnostics, rendered without colour.
        rendered: String,
    },
    /// The output could not be written, or no output directory is known.
    Io(std::io::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Spec {
                files,
                errors,
                warnings,
                ..
            } => {
                let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
                write!(
                    f,
                    "arbor: {}: {errors} error(s), {warnings} warning(s); no code generated (diagnostics above)",
                    names.join(", ")
                )
            }
            BuildError::Io(e) => write!(f, "arbor: {e}"),
        }
    }
}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for BuildError {}

impl From<std::io::Error> for BuildError {
    fn from(e: std::io::Error) -> Self {
        BuildError::Io(e)
    }
}

impl Builder {
    /// Writes to `dir` instead of `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Names the output `<name>.rs` (default: the first spec's file stem).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Whether to print `cargo::rerun-if-changed` for the spec files (default yes).
    pub fn emit_rerun_if_changed(mut self, yes: bool) -> Self {
        self.rerun_if_changed = yes;
        self
    }

    /// Fails on warnings too (default no).
    pub fn deny_warnings(mut self, yes: bool) -> Self {
        self.deny_warnings = yes;
        self
    }

    /// Whether to print `cargo::` lines and rendered diagnostics (default yes; turn it off
    /// outside build scripts).
    pub fn cargo_output(mut self, yes: bool) -> Self {
        self.cargo_output = yes;
        self
    }

    /// The generated code of `specs`, read together as one system, without writing it.
    pub fn generate<P: AsRef<Path>>(&self, specs: &[P]) -> Result<String, BuildError> {
        let files: Vec<PathBuf> = specs.iter().map(|p| p.as_ref().to_path_buf()).collect();
        if self.cargo_output && self.rerun_if_changed {
            for f in &files {
                println!("cargo::rerun-if-changed={}", f.display());
            }
        }
        let (spec, sources) = match crate::load(&files) {
            Ok(loaded) => loaded,
            Err(failure) => return Err(self.fail(&files, &failure.diagnostics, &failure.sources)),
        };
        let source = files
            .iter()
            .map(|f| {
                f.file_name().map_or_else(
                    || f.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        match crate::emit::generate_file_in(&spec, &source, Some(&sources)) {
            Ok(code) => {
                let code = with_spec_types(code, &spec, &sources);
                let warnings = crate::check(&spec);
                if !warnings.is_empty() {
                    if self.deny_warnings {
                        return Err(self.fail(&files, &warnings, &sources));
                    }
                    self.warn(&warnings, &sources);
                }
                Ok(code)
            }
            Err(e) => Err(self.fail(&files, &e.diagnostics, &sources)),
        }
    }

    /// Generates the code of `specs` (read together as one system) and writes it to
    /// `<out_dir>/<name>.rs` if its content changed; returns the file's path.
    pub fn compile<P: AsRef<Path>>(&self, specs: &[P]) -> Result<PathBuf, BuildError> {
        let code = self.generate(specs)?;
        let dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "OUT_DIR is not set: call this from a build script, or set `out_dir`",
                    )
                })?,
        };
        let name = match &self.file_name {
            Some(n) => n.clone(),
            None => specs
                .first()
                .and_then(|p| p.as_ref().file_stem())
                .map_or_else(|| "spec".to_owned(), |s| s.to_string_lossy().into_owned()),
        };
        let path = dir.join(format!("{name}.rs"));
        write_if_changed(&path, &code)?;
        Ok(path)
    }

    fn fail(&self, files: &[PathBuf], diags: &[Diagnostic], sources: &SourceMap) -> BuildError {
        let rendered = diagnostics::render_human(diags, sources, &RenderOptions::default());
        if self.cargo_output {
            eprint!("{rendered}");
        }
        let (errors, warnings) = diagnostics::count(diags);
        BuildError::Spec {
            files: files.to_vec(),
            errors,
            warnings,
            rendered,
        }
    }

    fn warn(&self, warnings: &[Diagnostic], sources: &SourceMap) {
        if !self.cargo_output {
            return;
        }
        for w in warnings {
            let at = w
                .span()
                .and_then(|s| sources.location(s))
                .map_or_else(String::new, |l| {
                    format!(" ({}:{}:{})", l.file, l.line, l.column)
                });
            println!("cargo::warning=arbor[{}]: {}{at}", w.code, w.message);
        }
        eprint!(
            "{}",
            diagnostics::render_human(warnings, sources, &RenderOptions::default())
        );
    }
}

/// The generated file with, after its header, one line per type the spec names, each ending
/// with the spec location it comes from: a type that does not resolve (`arg key Strng`) is
/// reported there first, so the first error a user reads shows `specs/kv.kdl:12:17` and the
/// spec text, not only the places in the generated code that use the type.
fn with_spec_types(code: String, spec: &crate::model::Spec, sources: &SourceMap) -> String {
    use crate::model::MessageKind;
    let mut seen = std::collections::HashSet::new();
    let mut lines = String::new();
    let mut add = |ty: &crate::model::RustType, what: String| {
        let text = crate::emit::type_text(ty);
        if text == "()" || !seen.insert(text.clone()) {
            return;
        }
        let at = sources.location(ty.span()).map_or_else(String::new, |l| {
            format!("{}:{}:{}: ", l.file, l.line, l.column)
        });
        lines.push_str(&format!(
            "const _: ::core::marker::PhantomData<{text}> = ::core::marker::PhantomData; // {at}{what}\n"
        ));
    };
    for p in &spec.protocols {
        for m in &p.messages {
            for a in &m.args {
                add(
                    &a.ty,
                    format!(
                        "`arg {} {}` ({}.{})",
                        a.name,
                        crate::emit::type_text(&a.ty),
                        p.name,
                        m.name
                    ),
                );
            }
            if let MessageKind::Call { reply, .. } = &m.kind {
                add(reply, format!("reply of {}.{}", p.name, m.name));
            }
        }
    }
    for a in &spec.actors {
        if let Some(state) = &a.state {
            add(state, format!("state of actor {}", a.name));
        }
    }
    if lines.is_empty() {
        return code;
    }
    let header_end = code
        .lines()
        .take_while(|l| l.starts_with("//"))
        .map(|l| l.len() + 1)
        .sum::<usize>();
    let (header, rest) = code.split_at(header_end.min(code.len()));
    format!(
        "{header}\n// The types the spec names, each with where it names it (an unknown one is reported here first).\n{lines}\n{rest}"
    )
}

/// Writes `content` to `path` unless it holds exactly that already (so cargo
/// does not rebuild the including crate for nothing).
pub fn write_if_changed(path: &Path, content: &str) -> std::io::Result<bool> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, content)?;
    Ok(true)
}
