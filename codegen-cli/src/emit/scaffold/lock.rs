//! The scaffold's `Cargo.lock`: the Arbor workspace's versions, trimmed to the project.

use std::path::Path;

/// Writes `dir/Cargo.lock`: the workspace's lock, trimmed by cargo to the packages the
/// project uses (offline first): whether it was written, and a note for the user. `None`
/// when the workspace has no lock. When cargo cannot trim it, no lock is left behind (the
/// project's first build resolves one) rather than the whole workspace's.
pub(super) fn write(arbor: &Path, dir: &Path) -> std::io::Result<Option<(bool, String)>> {
    let from = arbor.join("Cargo.lock");
    if !from.exists() {
        return Ok(None);
    }
    let to = dir.join("Cargo.lock");
    std::fs::copy(&from, &to)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let trim = |offline: bool| {
        let mut cmd = std::process::Command::new(&cargo);
        cmd.args(["metadata", "--format-version", "1", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if offline {
            cmd.arg("--offline");
        }
        cmd.status().is_ok_and(|s| s.success())
    };
    if trim(true) || trim(false) {
        Ok(Some((
            true,
            "Cargo.lock: the Arbor workspace's versions of the packages the project uses"
                .to_owned(),
        )))
    } else {
        std::fs::remove_file(&to)?;
        Ok(Some((
            false,
            "no Cargo.lock written (cargo could not resolve the project): the first build resolves it"
                .to_owned(),
        )))
    }
}
