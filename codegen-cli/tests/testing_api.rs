//! `arbor_codegen::testing`: the reports of spec edits a team must never merge, asserted
//! field by field (what a user's test sees on any toolchain).

use arbor_codegen::Severity;
use arbor_codegen::testing::{self, EditError, Position, add_to_actor};

/// Two actors, `Front` calling `Back`, started back first.
const SPEC: &str = "\
protocol Ask {
    call ask reply=u32 timeout=\"2s\"
}

protocol Lookup {
    call lookup reply=u32 timeout=\"1s\"
}

actor Front {
    serves Ask
    state FrontState
    mailbox capacity=16 overflow=reject
    calls Back
}

actor Back {
    serves Lookup
    state BackState
    mailbox capacity=16 overflow=reject
}

supervisor Top strategy=rest_for_one {
    child back actor=Back
    child front actor=Front
}
";

#[test]
fn the_spec_as_written_is_clean() {
    let report = testing::check_str(SPEC);
    assert!(report.passes());
    assert!(report.is_clean(), "{report}");
    assert!(report.findings.is_empty());
    assert_eq!(report.to_string(), "no problems");
}

#[test]
fn a_call_back_is_a_cycle_named_in_order_with_both_edges() {
    let edited = add_to_actor(SPEC, "Back", "calls Front").expect("the edit applies");
    // The edit is one line at the top of Back's block; nothing else moves.
    assert_eq!(
        edited,
        SPEC.replace("actor Back {\n", "actor Back {\n    calls Front\n")
    );
    let report = testing::check_str(&edited);
    assert!(!report.passes());
    // An error, and the lint a call back from a shorter timeout raises.
    assert_eq!(
        report.codes(),
        ["arbor::call_cycle", "arbor::timeout_cascade"]
    );
    assert_eq!(report.errors().count(), 1);
    let f = report.expect_error("call_cycle");
    assert_eq!(f.code, "arbor::call_cycle");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.is_error());
    assert_eq!(f.message, "synchronous call cycle: Front → Back → Front");
    assert_eq!(f.cycle(), Some(vec!["Front", "Back", "Front"]));
    assert_eq!(f.file.as_deref(), Some("spec.kdl"));
    assert_eq!((f.line, f.column), (Some(13), Some(5)));
    assert_eq!(
        f.labels,
        [
            Position {
                message: "`Front` calls `Back`".to_owned(),
                file: "spec.kdl".to_owned(),
                line: 13,
                column: 5,
                end_line: 13,
                end_column: 15,
            },
            Position {
                message: "`Back` calls `Front`".to_owned(),
                file: "spec.kdl".to_owned(),
                line: 17,
                column: 5,
                end_line: 17,
                end_column: 16,
            },
        ]
    );
    assert!(
        f.help
            .as_deref()
            .is_some_and(|h| h.starts_with("a call waits for its reply")),
        "{:?}",
        f.help
    );
    // The rendering names the same places.
    assert!(report.rendered().contains("spec.kdl:13:5"), "{report}");
}

#[test]
fn a_self_call_is_a_cycle_of_one() {
    let report = testing::check_str(&add_to_actor(SPEC, "Back", "calls Back").unwrap());
    let f = report.expect_error("arbor::call_cycle");
    assert_eq!(f.message, "actor `Back` calls itself");
    assert_eq!(f.cycle(), Some(vec!["Back", "Back"]));
    assert_eq!((f.line, f.column), (Some(17), Some(5)));
}

#[test]
fn a_call_during_init_to_a_later_sibling_is_a_boot_order_error() {
    let report =
        testing::check_str(&add_to_actor(SPEC, "Back", "calls Front during=init").unwrap());
    // Also a cycle (an init call is a call); the boot order is reported on its own.
    assert_eq!(report.codes(), ["arbor::call_cycle", "arbor::boot_order"]);
    let f = report.expect_error("boot_order");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.file.as_deref(), Some("spec.kdl"));
    assert_eq!((f.line, f.column), (Some(17), Some(5)));
    assert!(
        f.message.contains("`Back`") && f.message.contains("`Front`"),
        "{}",
        f.message
    );
    assert_eq!(f.cycle(), None);
    assert!(f.labels.len() >= 2, "{:?}", f.labels);
}

#[test]
fn a_call_to_an_undeclared_actor_is_an_unknown_reference() {
    let report = testing::check_str(&add_to_actor(SPEC, "Front", "calls Bak").unwrap());
    let f = report.expect_error("unknown_reference");
    assert_eq!(f.code, "arbor::unknown_reference");
    assert_eq!((f.line, f.column), (Some(10), Some(11)));
    assert_eq!(f.labels[0].end_column, 14);
    assert!(f.message.contains("`Bak`"), "{}", f.message);
    assert!(
        f.help.as_deref().is_some_and(|h| h.contains("`Back`")),
        "{:?}",
        f.help
    );
}

#[test]
fn warnings_pass_but_are_not_clean() {
    let edited = SPEC.replace(
        "    mailbox capacity=16 overflow=reject\n    calls Back",
        "    mailbox unbounded=#true\n    calls Back",
    );
    let report = testing::check_str(&edited);
    assert!(report.passes(), "{report}");
    assert!(!report.is_clean());
    assert_eq!(report.errors().count(), 0);
    let w = report.expect_warning("unbounded_mailbox");
    assert_eq!(w.severity, Severity::Warning);
    assert_eq!((w.line, w.column), (Some(12), Some(5)));
}

#[test]
fn syntax_errors_have_positions() {
    let report = testing::check_str("actor A {\n    serves \"unterminated\n}\n");
    let f = report.expect_error("syntax");
    assert_eq!(f.file.as_deref(), Some("spec.kdl"));
    assert_eq!(f.line, Some(2));
}

#[test]
fn several_files_are_one_system() {
    let (front, back) = SPEC.split_at(SPEC.find("actor Back").unwrap());
    let back = back.replace("actor Back {\n", "actor Back {\n    calls Front\n");
    let report = testing::check_files(&[("front.kdl", front), ("back.kdl", &back)]);
    let f = report.expect_error("call_cycle");
    assert_eq!(f.file.as_deref(), Some("front.kdl"));
    assert_eq!(f.labels[1].file, "back.kdl");
    assert_eq!((f.labels[1].line, f.labels[1].column), (2, 5));
}

#[test]
fn unreadable_files_are_io_errors_without_a_place() {
    let report = testing::check_paths(&["/nonexistent/arbor/spec.kdl"]);
    let f = report.expect_error("io");
    assert_eq!((f.file.as_ref(), f.line, f.column), (None, None, None));
    assert!(f.labels.is_empty());
}

#[test]
fn the_example_specs_check_from_disk() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let report = testing::check_paths(&[dir.join("chat.kdl")]);
    assert!(report.is_clean(), "{report}");
}

#[test]
fn edits_that_no_longer_apply_say_so() {
    assert_eq!(
        add_to_actor(SPEC, "Middle", "calls Back"),
        Err(EditError::NoSuchActor("Middle".to_owned()))
    );
    let err = add_to_actor(SPEC, "Middle", "calls Back").unwrap_err();
    assert!(err.to_string().contains("no actor `Middle`"), "{err}");
    let broken = add_to_actor("actor {", "A", "calls B").unwrap_err();
    assert!(matches!(broken, EditError::Unreadable(_)), "{broken:?}");
}

#[test]
#[should_panic(expected = "expected an error `arbor::call_cycle`, found []")]
fn expecting_a_missing_error_fails_with_the_report() {
    testing::check_str(SPEC).expect_error("call_cycle");
}

/// The example of docs/ci.md, as written there.
#[test]
fn the_journal_never_calls_back_into_a_room() {
    const SPEC: &str = include_str!("../../specs/chat.kdl");
    let spec = add_to_actor(SPEC, "JournalWriter", "calls RoomServer").expect("the edit applies");
    let report = testing::check_str(&spec);
    let cycle = report.expect_error("call_cycle");
    assert_eq!(
        cycle.cycle(),
        Some(vec!["RoomServer", "JournalWriter", "RoomServer"])
    );
    assert_eq!(
        (cycle.file.as_deref(), cycle.line),
        (Some("spec.kdl"), Some(27))
    );
}
