//! `arbor new` end to end: the project it creates builds, runs its tests (the app starts and
//! stops; the spec edits that must never merge are rejected), a cycle added to its spec fails
//! its build naming the cycle, and regeneration never touches the files that are the user's.
//!
//! Runs cargo `--offline` in the new project with the workspace's target directory, so the
//! Arbor crates and their dependencies are not rebuilt. The project's trybuild suite
//! (`tests/compile_fail.rs`) is left to `scripts/scaffold-ci.sh`: its first run builds every
//! dependency again in trybuild's own directory (minutes on two cores).

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
    let first = String::from_utf8_lossy(&out.stderr).into_owned();
    for f in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "tests/spec_checks.rs",
        "tests/compile_fail.rs",
        "tests/compile-fail/undeclared_call.rs",
        "tests/compile-fail/undeclared_call.stderr",
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
    // Whatever toolchain the user has: no pinned one.
    assert!(!project.join("rust-toolchain.toml").exists());
    // The workspace's versions, only of the packages the project uses.
    let lock = std::fs::read_to_string(project.join("Cargo.lock")).unwrap();
    for used in [
        "\"arbor\"",
        "\"arbor-codegen\"",
        "\"tokio\"",
        "\"trybuild\"",
    ] {
        assert!(
            lock.contains(&format!("name = {used}")),
            "{used} not locked"
        );
    }
    for peer in ["kameo", "actix", "ractor", "criterion", "arbor-bench"] {
        assert!(
            !lock.contains(&format!("name = \"{peer}\"")),
            "{peer} in the lock"
        );
    }
    // Started without stutter, as the README says.
    let main = std::fs::read_to_string(project.join("src/main.rs")).unwrap();
    assert!(main.contains("chat::start(chat::config())"), "{main}");
    assert!(!main.contains("chat::chat::"), "{main}");
    let readme = std::fs::read_to_string(project.join("README.md")).unwrap();
    assert!(
        readme.contains("let app = chat::start(chat::config()).await?;"),
        "{readme}"
    );
    assert!(readme.contains("TRYBUILD=overwrite cargo test --test compile_fail"));

    // The user edits a handler; `arbor new` again adds nothing and overwrites nothing.
    let handler = project.join("src/chat/handlers/room_server.rs");
    let edited = std::fs::read_to_string(&handler).unwrap() + "\n// my change\n";
    std::fs::write(&handler, &edited).unwrap();
    let again = new();
    assert!(again.status.success());
    let second = String::from_utf8_lossy(&again.stderr).into_owned();
    // Every file the first run wrote, the second keeps: the counts agree.
    let count = |text: &str, what: &str| -> usize {
        let at = text
            .find(what)
            .unwrap_or_else(|| panic!("{what} in {text}"));
        let digits: String = text[..at]
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .chars()
            .rev()
            .collect();
        digits
            .parse()
            .unwrap_or_else(|_| panic!("a count before {what} in {text}"))
    };
    let written = count(&first, " file(s) written");
    assert_eq!(count(&first, " kept"), 0, "{first}");
    assert_eq!(count(&second, " file(s) written"), 0, "{second}");
    assert_eq!(count(&second, " kept"), written, "{first}\n{second}");
    assert_eq!(std::fs::read_to_string(&handler).unwrap(), edited);

    // `cargo test` in the project: build.rs generates the code, the scaffold compiles, the
    // app starts and stops.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| ws.join("target"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = std::time::Instant::now();
    let test = Command::new(&cargo)
        .args([
            "test",
            "--offline",
            "--test",
            "app",
            "--test",
            "spec_checks",
        ])
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo runs");
    eprintln!("cargo test in the new project: {:.1?}", started.elapsed());
    let stdout = String::from_utf8_lossy(&test.stdout);
    assert!(
        test.status.success(),
        "cargo test failed in the new project:\n{stdout}\n{}",
        String::from_utf8_lossy(&test.stderr)
    );
    for passed in [
        "the_app_starts_and_stops ... ok",
        "the_spec_passes_the_checks ... ok",
        "a_call_that_closes_a_cycle_is_rejected_naming_the_cycle ... ok",
        "a_call_during_start_up_to_a_later_actor_is_rejected ... ok",
        "a_call_to_an_actor_the_spec_does_not_declare_is_rejected ... ok",
    ] {
        assert!(stdout.contains(passed), "{passed}:\n{stdout}");
    }

    // The edit the spec check rejects also fails the project's build, naming the cycle.
    let spec_file = project.join("specs/chat.kdl");
    let original = std::fs::read_to_string(&spec_file).unwrap();
    let cyclic =
        arbor_codegen::testing::add_to_actor(&original, "JournalWriter", "calls RoomServer")
            .expect("the edit applies");
    std::fs::write(&spec_file, cyclic).unwrap();
    let started = std::time::Instant::now();
    let build = Command::new(&cargo)
        .args(["build", "--offline", "--lib"])
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo runs");
    eprintln!("cargo build of the cyclic spec: {:.1?}", started.elapsed());
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(!build.status.success(), "a cyclic spec built:\n{stderr}");
    assert!(
        stderr.contains("synchronous call cycle: RoomServer → JournalWriter → RoomServer"),
        "{stderr}"
    );
    std::fs::write(&spec_file, original).unwrap();
}

/// Every example spec gets its CI suite: a cycle case, a compile-fail case, a README that
/// says how to start it. (Generation only: the cases were tried on the spec while writing.)
#[test]
fn every_example_spec_scaffolds_its_ci_suite() {
    let ws = workspace();
    let tmp = tempfile::tempdir().expect("a temporary directory");
    for stem in ["batch", "cache", "chat", "payment_router", "pipeline"] {
        let project = tmp.path().join(stem);
        let spec = ws.join("specs").join(format!("{stem}.kdl"));
        let out = arbor(&[
            "new",
            project.to_str().unwrap(),
            "--spec",
            spec.to_str().unwrap(),
            "--arbor-path",
            ws.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{stem}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let read = |f: &str| std::fs::read_to_string(project.join(f)).unwrap_or_default();
        let checks = read("tests/spec_checks.rs");
        assert!(checks.contains("fn the_spec_passes_the_checks()"), "{stem}");
        assert!(
            checks.contains("fn a_call_that_closes_a_cycle_is_rejected_naming_the_cycle()"),
            "{stem}:\n{checks}"
        );
        assert!(
            checks.contains("expect_error(\"unknown_reference\")"),
            "{stem}"
        );
        let case = read("tests/compile-fail/undeclared_call.rs");
        let stderr = read("tests/compile-fail/undeclared_call.stderr");
        assert!(case.contains("let _ = ctx."), "{stem}: {case}");
        assert!(
            stderr.starts_with("error[E0599]: no method named"),
            "{stem}: {stderr}"
        );
        let readme = read("README.md");
        let start = format!("let app = {stem}::start({stem}::config()).await?;");
        assert!(readme.contains(&start), "{stem}: {readme}");
        assert!(!project.join("rust-toolchain.toml").exists());
    }
}
