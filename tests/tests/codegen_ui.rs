//! Generated code at compile time: what must not compile (trybuild, `.stderr` committed) and
//! what must compile and run.
//!
//! The cases include generated code committed under `ui_codegen/generated/`, produced from
//! `ui_codegen/specs/`; `generated_code_is_fresh` fails when the emitter's output changed
//! (bless with `ARBOR_BLESS=1`), so the cases always test what the generator emits today.
//!
//! - `undeclared_call.rs`: a handler reaches an actor its declaration does not list;
//! - `cast_only_dependency.rs`: a handler calls an actor it may only cast to;
//! - `wrong_signature.rs`: a handler with the wrong argument type;
//! - `cycle_hand_edit.rs`: generated code whose static graph was edited into a cycle;
//! - `cross_system_cycle.rs`: a KDL-generated system and a `#[system]` module whose extern
//!   actors call each other: the compile-time walk follows the edges across and names the cycle;
//! - `extern_wrong_path.rs`: a spec's extern actor whose path leads nowhere;
//! - `missing_state.rs`: an actor's state without its `State` impl: each error names the actor
//!   and the impl to write;
//! - `unknown_type.rs`: a type the spec names that the crate lacks (generated as build.rs does):
//!   the first error shows the spec's file:line;
//! - `remote_not_serde.rs`: an exported actor's protocol with a type that is not serde: the
//!   error names the protocol, the type and the spec's line;
//! - `pass/features.rs`: features the example specs do not use, compiled and run.

use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui_codegen")
}

/// The generated code of `specs/<name>.kdl`, after `edit`.
fn generate(name: &str, edit: impl Fn(String) -> String) -> String {
    // Relative to the package (the tests' working directory), so that locations the generated
    // code quotes (`tests/ui_codegen/specs/remote.kdl:5`) do not depend on the checkout.
    let spec = format!("tests/ui_codegen/specs/{name}.kdl");
    let (model, sources) = arbor_codegen::load(&[&spec]).expect("the spec loads");
    let code = arbor_codegen::emit::generate_file_in(&model, &spec, Some(&sources))
        .expect("the spec generates");
    edit(code)
}

/// The hand edit of `cycle_edited.rs`: B, which A calls, calls A back.
fn add_cycle(code: String) -> String {
    let from = "        \"B\",\n        true,\n        &[],";
    assert!(
        code.contains(from),
        "the edit no longer applies: update add_cycle"
    );
    code.replace(
        from,
        "        \"B\",\n        true,\n        &[&super::a::NODE],",
    )
}

#[test]
fn generated_code_is_fresh() {
    let bless = std::env::var_os("ARBOR_BLESS").is_some();
    type Edit = fn(String) -> String;
    let cases: [(&str, &str, Edit); 8] = [
        ("small", "small.rs", |c| c),
        ("features", "features.rs", |c| c),
        ("cycle", "cycle_edited.rs", add_cycle),
        ("billing", "billing.rs", |c| c),
        ("back", "back.rs", |c| c),
        ("wrong_path", "wrong_path.rs", |c| c),
        ("remote", "remote.rs", |c| c),
        ("not_serde", "not_serde.rs", |c| c),
    ];
    // As build.rs writes it (the spec's types, with their locations, first).
    let built = arbor_codegen::configure()
        .cargo_output(false)
        .generate(&["tests/ui_codegen/specs/unknown_type.kdl"])
        .expect("the spec generates");
    let cases = cases
        .into_iter()
        .map(|(spec, file, edit)| (file, generate(spec, edit)))
        .chain([("unknown_type.rs", built)]);
    for (file, code) in cases {
        let path = dir().join("generated").join(file);
        if bless {
            std::fs::write(&path, &code).expect("writable");
        } else {
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == code,
                "{} is stale: regenerate with ARBOR_BLESS=1 cargo test -p arbor-tests --test codegen_ui",
                path.display()
            );
        }
    }
}

#[test]
fn generated_code_compiles_or_fails_as_it_should() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui_codegen/*.rs");
    t.pass("tests/ui_codegen/pass/*.rs");
}
