//! `arbor new`: the user-owned files of a new project (written once, never overwritten).

use std::io::Write;
use std::path::Path;

use crate::diagnostics::RenderOptions;

/// Creates the project (stub).
pub fn new_project(
    dir: &Path,
    spec: &Path,
    arbor: &Path,
    options: &RenderOptions,
    err: &mut dyn Write,
) -> std::io::Result<bool> {
    let _ = (dir, spec, arbor, options, err);
    Ok(false)
}
