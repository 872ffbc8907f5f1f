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

/// A spec whose diagnostics name KDL syntax in their messages (not only in their help).
const SYNTAX_IN_MESSAGES: &str = r#"
protocol P {
    call get reply=u32 timeout="1s"
}
actor Early {
    serves P
    state S
    calls Dyn during=init
}
actor Late {
    serves P
    state S
    terminate
}
actor Pooled {
    serves P
    state S
    calls Early
    allow timeout_cascade reason="not what this test is about"
}
actor Dyn {
    serves P
    state S
}
supervisor Top strategy=one_for_one max-restarts=100 max-seconds=1 {
    child early actor=Early
    child late actor=Late shutdown=brutal-kill
    child stuck actor=Pooled shutdown=infinity restart=temporary
    dynamic-supervisor Pool strategy=one_for_all {
        template actor=Dyn
    }
}
supervisor Idle max-seconds=0 {
    child other actor=Pooled
}
"#;

/// Each diagnostic as (code, message, labels, help).
fn texts(frontend: Frontend) -> Vec<(String, String, Vec<String>, String)> {
    let (spec, _) =
        arbor_codegen::load_str(&[("t.kdl", SYNTAX_IN_MESSAGES)]).expect("the spec parses");
    check_for(&spec, frontend)
        .into_iter()
        .map(|d| {
            (
                d.code.to_owned(),
                d.message.clone(),
                d.labels.iter().map(|l| l.message.clone()).collect(),
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn find<'a>(
    all: &'a [(String, String, Vec<String>, String)],
    code: &str,
) -> &'a (String, String, Vec<String>, String) {
    all.iter()
        .find(|(c, ..)| c == code)
        .unwrap_or_else(|| panic!("no {code} in {all:?}"))
}

/// Messages and labels that quote syntax are spelled like help texts: the KDL wording for
/// KDL (unchanged), the attribute options for the macros.
#[test]
fn messages_and_labels_quote_the_front_end_syntax() {
    let kdl = texts(Frontend::Kdl);
    let macros = texts(Frontend::Macros);
    let codes = |all: &[(String, String, Vec<String>, String)]| {
        all.iter().map(|(c, ..)| c.clone()).collect::<Vec<_>>()
    };
    assert_eq!(codes(&kdl), codes(&macros));

    let zero = |all| find(all, "arbor::zero_period").1.clone();
    assert_eq!(zero(&kdl), "max-seconds is zero");
    assert_eq!(zero(&macros), "`max_seconds` is zero");

    let infinity = |all| find(all, "arbor::infinity_shutdown_worker").1.clone();
    assert_eq!(
        infinity(&kdl),
        "child `stuck` is a worker with shutdown=infinity"
    );
    assert_eq!(
        infinity(&macros),
        "child `stuck` is a worker with `shutdown = \"infinity\"`"
    );

    let boot = |all| find(all, "arbor::boot_order").3.clone();
    assert!(
        boot(&kdl).contains("(drop `during=init`)"),
        "{}",
        boot(&kdl)
    );
    assert!(
        boot(&macros).contains("name it in `calls(…)` instead of `calls_during_init(…)`"),
        "{}",
        boot(&macros)
    );

    let brutal = |all| find(all, "arbor::brutal_kill_terminate").2[0].clone();
    assert_eq!(brutal(&kdl), "brutal-kill");
    assert_eq!(brutal(&macros), "`shutdown = \"brutal_kill\"`");

    let intensity = |all| find(all, "arbor::restart_intensity").2.clone();
    assert_eq!(intensity(&kdl), ["max-restarts", "max-seconds"]);
    assert_eq!(intensity(&macros), ["max_restarts", "max_seconds"]);

    let temporary = |all| find(all, "arbor::temporary_serves_calls").3.clone();
    assert!(temporary(&kdl).contains("make it transient (restarted after a crash) or permanent"));
    assert!(
        temporary(&macros).contains("make it `restart = \"transient\"`"),
        "{}",
        temporary(&macros)
    );

    let dynamic = |all| find(all, "arbor::dynamic_strategy").3.clone();
    assert!(dynamic(&kdl).ends_with("remove `strategy` (or use a static supervisor)"));
    assert!(
        dynamic(&macros).contains("remove `strategy` from its `#[child(dynamic, …)]`"),
        "{}",
        dynamic(&macros)
    );

    let dependent = |all| find(all, "arbor::one_for_one_dependent").3.clone();
    assert!(dependent(&kdl).contains("lost state): rest_for_one restarts"));
    assert!(dependent(&macros).contains("lost state): `strategy = \"rest_for_one\"` restarts"));
}
