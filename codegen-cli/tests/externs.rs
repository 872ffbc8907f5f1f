//! Extern actors (`extern-actor NAME path="…"`): reading, validation, and what the emitter
//! makes of them.

mod common;

use arbor_codegen::codes;
use common::report;

/// A clean spec in which Cart calls extern actor Ledger; `extra` adds lines.
fn spec(extra: &str) -> String {
    format!(
        r#"extern-actor Ledger path="crate::billing::ledger"
protocol Checkout {{
    call checkout reply=u32 timeout="1s"
}}
actor Cart {{
    serves Checkout
    state CartState
    calls Ledger
}}
supervisor ShopSup {{
    child cart actor=Cart
}}
{extra}"#
    )
}

#[test]
fn an_extern_actor_is_read_with_its_path() {
    let r = report(&spec(""));
    assert!(r.diagnostics.is_empty(), "{}", r.rendered());
    let spec = r.spec.expect("the spec loads");
    let ledger = spec.extern_actor("Ledger").expect("declared");
    assert_eq!(ledger.path.tokens(), "crate::billing::ledger");
    assert_eq!(ledger.path.last(), "ledger");
    assert!(!ledger.path.is_relative());
    assert_eq!(r.sources.snippet(ledger.name.span()), Some("Ledger"));
    assert_eq!(
        r.sources.snippet(ledger.path.span()),
        Some("\"crate::billing::ledger\"")
    );
}

#[test]
fn relative_paths_are_marked_relative() {
    let r = report(&spec("").replace("crate::billing", "super::billing"));
    let spec = r.spec.expect("the spec loads");
    assert!(
        spec.extern_actor("Ledger")
            .expect("declared")
            .path
            .is_relative()
    );
}

#[test]
fn a_path_that_does_not_parse_is_an_error_at_the_path() {
    let r = report(&spec("").replace("crate::billing::ledger", "crate::billing::"));
    let d = r.assert_one(codes::INVALID_PATH, "\"crate::billing::\"");
    assert!(d.message.contains("is not a Rust path"), "{}", d.message);
    let rendered = arbor_codegen::diagnostics::render_human(
        &r.diagnostics,
        &r.sources,
        &arbor_codegen::diagnostics::RenderOptions {
            color: false,
            width: 100,
        },
    );
    insta::assert_snapshot!(rendered);
}

#[test]
fn a_path_with_generic_arguments_is_refused() {
    let r = report(&spec("").replace("crate::billing::ledger", "crate::billing::Ledger<u32>"));
    let d = r.assert_one(codes::INVALID_PATH, "\"crate::billing::Ledger<u32>\"");
    assert!(d.message.contains("no generic arguments"), "{}", d.message);
}

#[test]
fn the_path_is_required() {
    let r = report(&spec("").replace(" path=\"crate::billing::ledger\"", ""));
    r.assert_one(codes::MISSING_VALUE, "extern-actor");
}

#[test]
fn a_supervisor_cannot_start_an_extern_actor() {
    let src = spec("supervisor Other {\n    child l actor=Ledger\n}\n");
    let r = report(&src);
    let d = r.one(codes::WRONG_KIND);
    assert!(d.message.contains("extern actor"), "{}", d.message);
    let child_line = src
        .lines()
        .position(|l| l.contains("actor=Ledger"))
        .expect("there")
        + 1;
    assert_eq!(r.at(d).0, child_line);
    assert_eq!(r.text(d), "Ledger");
}

#[test]
fn an_extern_actor_shares_the_namespace() {
    let r = report(&spec("actor Ledger {\n    state S\n}\n"));
    r.one(codes::DUPLICATE_NAME);
}

#[test]
fn the_analysis_sees_no_edges_out_of_an_extern_actor() {
    // Cart calls Ledger, and Ledger (in its own system) may call Cart: this spec cannot
    // know, so it reports no cycle; the compile-time walk of the generated code does.
    let r = report(&spec(
        "actor Till {\n    serves Checkout\n    state S\n    calls Ledger\n    casts Ledger\n}\n",
    ));
    assert!(
        r.with_code(codes::CALL_CYCLE).is_empty(),
        "{}",
        r.rendered()
    );
}

#[test]
fn the_generated_code_wires_extern_actors_through_the_tree() {
    let r = report(&spec(""));
    let code =
        arbor_codegen::emit::generate_file(&r.spec.expect("loads"), "test.kdl").expect("generates");
    assert!(code.contains("pub struct Externs"), "{code}");
    assert!(
        code.contains("pub ledger: crate::billing::ledger::Client"),
        "{code}"
    );
    assert!(code.contains("externs: Externs"), "{code}");
    assert!(code.contains("&[&crate::billing::ledger::NODE]"), "{code}");
    assert!(code.contains("cycle_in::<\n    1,\n    16385,"), "{code}");
}

#[test]
fn a_relative_path_is_reached_from_the_item_modules() {
    let r = report(&spec("").replace("crate::billing", "super::billing"));
    let code =
        arbor_codegen::emit::generate_file(&r.spec.expect("loads"), "test.kdl").expect("generates");
    assert!(
        code.contains("super::super::billing::ledger::Client"),
        "{code}"
    );
}

#[test]
fn an_actor_in_two_trees_cannot_depend_on_an_extern_actor() {
    let r = report(&spec("supervisor Second {\n    child cart actor=Cart\n}\n"));
    let err = arbor_codegen::emit::generate(&r.spec.expect("loads")).expect_err("refused");
    let d = err
        .diagnostics
        .iter()
        .find(|d| d.code == arbor_codegen::emit::codes::UNSUPPORTED)
        .expect("an unsupported error");
    assert!(d.message.contains("started in 2 trees"), "{}", d.message);
}

#[test]
fn the_graph_shows_extern_actors_with_their_paths() {
    let r = report(&spec(""));
    let spec = r.spec.expect("loads");
    for format in [
        arbor_codegen::graph::Format::Dot,
        arbor_codegen::graph::Format::Mermaid,
    ] {
        let picture = arbor_codegen::graph::render(&spec, format);
        assert!(
            picture.contains("Ledger (extern: crate::billing::ledger)"),
            "{picture}"
        );
        assert!(picture.contains("x0"), "{picture}");
    }
}
