//! Help texts spell the fix in the syntax of the front-end the spec was written in: the same
//! spec checked as KDL and as macros gives the same diagnostics, only their help differs.

use arbor_codegen::check::{Frontend, check_for};

const SPEC: &str = r#"
protocol P {
    call get reply=u32 timeout="1s"
}
actor A {
    serves P
    state S
    mailbox unbounded=#true
    calls Ghost
}
supervisor Top {
    child a actor=A shutdown=infinity
}
"#;

fn helps(frontend: Frontend) -> Vec<(String, String)> {
    let (spec, _) = arbor_codegen::load_str(&[("t.kdl", SPEC)]).expect("the spec parses");
    check_for(&spec, frontend)
        .into_iter()
        .map(|d| (d.code.to_owned(), d.help.unwrap_or_default()))
        .collect()
}

fn help<'a>(all: &'a [(String, String)], code: &str) -> &'a str {
    &all.iter()
        .find(|(c, _)| c == code)
        .unwrap_or_else(|| panic!("no {code} in {all:?}"))
        .1
}

#[test]
fn the_same_diagnostics_spelled_for_each_front_end() {
    let kdl = helps(Frontend::Kdl);
    let macros = helps(Frontend::Macros);
    let codes = |all: &[(String, String)]| all.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>();
    assert_eq!(codes(&kdl), codes(&macros));

    assert!(help(&kdl, "arbor::unknown_reference").contains("actor Ghost { … }"));
    assert!(
        help(&macros, "arbor::unknown_reference").contains("#[derive(Actor)] struct GhostState")
    );

    let unbounded = help(&macros, "arbor::unbounded_mailbox");
    assert!(unbounded.contains("mailbox(capacity = N"), "{unbounded}");
    assert!(
        unbounded.contains(
            "add `allow(unbounded_mailbox, reason = \"…\")` to the `#[actor(…)]` of actor `A`"
        ),
        "{unbounded}"
    );
    assert!(help(&kdl, "arbor::unbounded_mailbox").contains("allow unbounded_mailbox reason="));

    let infinity = help(&macros, "arbor::infinity_shutdown_worker");
    assert!(
        infinity.contains("#[child(shutdown = \"30s\")]"),
        "{infinity}"
    );
    assert!(
        infinity.contains("the `#[child(…)]` of field `a`"),
        "{infinity}"
    );
    assert!(help(&kdl, "arbor::infinity_shutdown_worker").contains("shutdown=\"30s\""));
}
