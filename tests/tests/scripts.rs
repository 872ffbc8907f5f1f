//! The demo and test scripts show progress (numbered steps, how long each took, the total)
//! and write plain text when their output is not a terminal (logs, CI).

use std::path::Path;
use std::process::Command;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn progress_is_numbered_timed_and_plain_off_a_terminal() {
    let out = Command::new("bash")
        .arg("-c")
        .arg("STEPS=2; source scripts/progress.sh; step build; step run; finish")
        .current_dir(workspace())
        .env_remove("NO_COLOR")
        .output()
        .expect("bash runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "ANSI escapes in a pipe: {text:?}");
    assert!(text.contains("== [1/2, 0s] build\n"), "{text}");
    assert!(text.contains("== [2/2, 0s] run\n"), "{text}");
    assert!(text.contains("(step 1 took 0s)"), "{text}");
    assert!(text.contains("(step 2 took 0s)"), "{text}");
    assert!(text.contains("== done in 0s"), "{text}");
}

#[test]
fn the_demo_and_test_scripts_report_progress_without_raw_escapes() {
    for script in ["scripts/demo.sh", "scripts/test.sh"] {
        let text = std::fs::read_to_string(workspace().join(script)).unwrap();
        assert!(text.contains("source scripts/progress.sh"), "{script}");
        assert!(
            text.contains("\nfinish\n"),
            "{script} prints its total time"
        );
        assert!(
            !text.contains("\\033") && !text.contains("\\e["),
            "{script} writes escapes itself"
        );
        assert!(!text.contains("--quiet"), "{script} hides cargo's progress");
    }
}
