//! `arbor new` end to end: the project it creates builds, runs its test, and regeneration
//! never touches the files that are the user's.
//!
//! Runs `cargo test --offline` in the new project with the workspace's target directory, so
//! the Arbor crates and their dependencies are not rebuilt.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate is in the workspace")
        .to_path_buf()
}

fn arbor(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_arbor"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the arbor binary runs")
}

#[test]
fn a_new_project_builds_and_passes_its_test_and_keeps_user_files() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let project = tmp.path().join("my-chat");
    let ws = workspace();
    let spec = ws.join("specs/chat.kdl");
    let new = || {
        arbor(&[
            "new",
            project.to_str().unwrap(),
            "--spec",
            spec.to_str().unwrap(),
            "--arbor-path",
            ws.to_str().unwrap(),
        ])
    };
    let out = new();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "Cargo.toml",
        "build.rs",
        "specs/chat.kdl",
        "src/lib.rs",
        "src/main.rs",
        "src/chat/mod.rs",
        "src/chat/types.rs",
        "src/chat/handlers/room_server.rs",
        "src/chat/handlers/journal_writer.rs",
        "tests/app.rs",
    ] {
        assert!(project.join(f).is_file(), "{f} was not written");
    }

    // The user edits a handler; `arbor new` again adds nothing and overwrites nothing.
    let handler = project.join("src/chat/handlers/room_server.rs");
    let edited = std::fs::read_to_string(&handler).unwrap() + "\n// my change\n";
    std::fs::write(&handler, &edited).unwrap();
    let again = new();
    assert!(again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains(" 0 file(s) written"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(std::fs::read_to_string(&handler).unwrap(), edited);

    // `cargo test` in the project: build.rs generates the code, the scaffold compiles, the
    // app starts and stops.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| ws.join("target"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let test = Command::new(cargo)
        .args(["test", "--offline"])
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("cargo runs");
    assert!(
        test.status.success(),
        "cargo test failed in the new project:\n{}\n{}",
        String::from_utf8_lossy(&test.stdout),
        String::from_utf8_lossy(&test.stderr)
    );
    assert!(String::from_utf8_lossy(&test.stdout).contains("the_app_starts_and_stops ... ok"));
}
