//! The `arbor` binary: exit codes, human and JSON output, graphs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn arbor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_arbor"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the arbor binary runs")
}

fn spec(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(name)
        .display()
        .to_string()
}

fn temp_spec(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("temp file written");
    path.display().to_string()
}

const WARNS: &str = "protocol P {\n    cast c\n}\nactor A {\n    serves P\n    state S\n    mailbox unbounded=#true\n}\nsupervisor T {\n    child a actor=A\n}\n";
const FAILS: &str = "protocol P {\n    call c timeout=\"1s\"\n}\nactor A {\n    serves P\n    state S\n    calls A\n}\nsupervisor T {\n    child a actor=A\n}\n";

#[test]
fn a_clean_spec_exits_zero() {
    let out = arbor(&["check", &spec("chat.kdl"), &spec("cache.kdl")]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 files checked, no problems"), "{err}");
}

#[test]
fn errors_exit_one_and_name_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = temp_spec(dir.path(), "cycle.kdl", FAILS);
    let out = arbor(&["check", &path]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("arbor::call_cycle"), "{err}");
    assert!(err.contains("cycle.kdl:7:5"), "{err}");
    assert!(err.contains("1 error"), "{err}");
}

#[test]
fn warnings_fail_only_when_denied() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = temp_spec(dir.path(), "warns.kdl", WARNS);
    let out = arbor(&["check", &path]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("arbor::unbounded_mailbox"));
    let out = arbor(&["check", "--deny-warnings", &path]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn json_output_follows_the_schema() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = temp_spec(dir.path(), "cycle.kdl", FAILS);
    let out = arbor(&["check", "--format", "json", &bad]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON on stdout");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["errors"], 1);
    assert_eq!(doc["warnings"], 0);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "arbor::call_cycle");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], bad.as_str());
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(7), Some(5))
    );
    assert_eq!(d["labels"][0]["end_column"], 12);
    assert!(d["help"].is_string());
    assert!(d["message"].as_str().unwrap_or("").contains("calls itself"));

    let clean = arbor(&["check", "--format", "json", &spec("pipeline.kdl")]);
    assert_eq!(clean.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&clean.stdout).expect("valid JSON");
    assert_eq!(doc["diagnostics"].as_array().map(Vec::len), Some(0));
}

#[test]
fn unreadable_files_are_reported() {
    let out = arbor(&["check", "--format", "json", "/nonexistent/arbor.kdl"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(doc["diagnostics"][0]["code"], "arbor::io");
    assert!(doc["diagnostics"][0]["file"].is_null());
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(arbor(&["check"]).status.code(), Some(2));
    assert_eq!(arbor(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        arbor(&["check", "--format", "xml", "x.kdl"]).status.code(),
        Some(2)
    );
}

#[test]
fn graphs_in_both_formats() {
    let out = arbor(&["graph", &spec("payment_router.kdl")]);
    assert_eq!(out.status.code(), Some(0));
    let dot = String::from_utf8_lossy(&out.stdout);
    assert!(dot.starts_with("digraph arbor {"), "{dot}");
    assert!(dot.contains("label=\"router: PaymentRouter\""), "{dot}");
    let out = arbor(&["graph", "--format", "mermaid", &spec("payment_router.kdl")]);
    assert_eq!(out.status.code(), Some(0));
    let mermaid = String::from_utf8_lossy(&out.stdout);
    assert!(mermaid.starts_with("flowchart TB"), "{mermaid}");
}

#[test]
fn graph_of_a_broken_spec_fails_with_diagnostics() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = temp_spec(dir.path(), "broken.kdl", "actor type {\n}\n");
    let out = arbor(&["graph", &path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("arbor::invalid_identifier"));
}
