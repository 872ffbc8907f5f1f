//! The `gen` and `new` subcommands of the `arbor` CLI (the binary only parses
//! arguments and calls these).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diagnostics::{self, RenderOptions};

/// `arbor gen FILE… -o DIR [--name NAME]`: writes `DIR/NAME.rs` (default: the
/// first file's stem), rendering diagnostics on `err` as `arbor check` does.
/// Returns the path written, or `None` if the spec has errors.
pub fn gen_files(
    files: &[PathBuf],
    out_dir: &Path,
    name: Option<&str>,
    options: &RenderOptions,
    err: &mut dyn Write,
) -> std::io::Result<Option<PathBuf>> {
    let (spec, sources) = match crate::load(files) {
        Ok(loaded) => loaded,
        Err(failure) => {
            err.write_all(
                diagnostics::render_human(&failure.diagnostics, &failure.sources, options)
                    .as_bytes(),
            )?;
            return Ok(None);
        }
    };
    let source = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    match crate::emit::generate_file_in(&spec, &source, Some(&sources)) {
        Ok(code) => {
            let warnings = crate::check(&spec);
            err.write_all(diagnostics::render_human(&warnings, &sources, options).as_bytes())?;
            let stem = name.map(str::to_owned).unwrap_or_else(|| {
                files
                    .first()
                    .and_then(|f| f.file_stem())
                    .map_or_else(|| "spec".to_owned(), |s| s.to_string_lossy().into_owned())
            });
            let path = out_dir.join(format!("{stem}.rs"));
            crate::emit::build::write_if_changed(&path, &code)?;
            Ok(Some(path))
        }
        Err(e) => {
            err.write_all(diagnostics::render_human(&e.diagnostics, &sources, options).as_bytes())?;
            Ok(None)
        }
    }
}
