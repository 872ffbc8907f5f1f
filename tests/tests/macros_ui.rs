//! Compile-fail cases of the macro front-end (trybuild, `.stderr` committed; bless with
//! `TRYBUILD=overwrite`): every `ui_macros/*.rs` is an error a user can act on, its header
//! comment says which; pass cases are in `ui_macros_pass/`.
//!
//! One `TestCases` for all of them: trybuild then builds every case in one cargo invocation
//! (in parallel) instead of one after the other, and still reports each case by name.

#[test]
fn macro_errors_read_as_written() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui_macros/*.rs");
    // The lints of `lint_warning_denied`, allowed where they fire: compiles under
    // `#![deny(warnings)]`.
    t.pass("tests/ui_macros_pass/*.rs");
}
