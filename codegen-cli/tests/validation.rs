//! Validation errors of the analysis: one test per error code, asserting the
//! code and where its primary label points.

mod common;

use arbor_codegen::codes;
use common::report;

/// A spec fragment made clean of lints (state, supervision), to which a test
/// adds one problem.
fn spec(body: &str) -> String {
    format!(
        r#"protocol Ping {{
    call ping reply=u32 timeout="1s"
}}
actor Pinger {{
    serves Ping
    state u32
}}
{body}"#
    )
}

#[test]
fn unknown_protocol() {
    let r = report(&spec("actor A {\n    serves Pnig\n    state S\n}\n"));
    let d = r.assert_one(codes::UNKNOWN_REFERENCE, "Pnig");
    assert_eq!(d.help.as_deref(), Some("did you mean `Ping`?"));
}

#[test]
fn unknown_actor_in_calls_casts_child_and_template() {
    let r = report(&spec("actor A {\n    state S\n    calls Pingr\n}\n"));
    let d = r.assert_one(codes::UNKNOWN_REFERENCE, "Pingr");
    assert_eq!(d.help.as_deref(), Some("did you mean `Pinger`?"));
    let r = report(&spec("actor A {\n    state S\n    casts Nobody\n}\n"));
    r.assert_one(codes::UNKNOWN_REFERENCE, "Nobody");
    let r = report(&spec(
        "supervisor S {\n    child p actor=Pinger\n    child q actor=Ghost\n}\n",
    ));
    r.assert_one(codes::UNKNOWN_REFERENCE, "Ghost");
    let r = report(&spec(
        "supervisor S {\n    child p actor=Pinger\n    dynamic-supervisor D {\n        template actor=Ghost\n    }\n}\n",
    ));
    r.assert_one(codes::UNKNOWN_REFERENCE, "Ghost");
}

#[test]
fn unknown_app_root() {
    let r = report(&spec(
        "supervisor Top {\n    child p actor=Pinger\n}\napp X root=Tpo\n",
    ));
    let d = r.assert_one(codes::UNKNOWN_REFERENCE, "Tpo");
    assert_eq!(d.help.as_deref(), Some("did you mean `Top`?"));
}

#[test]
fn unknown_deferred_handler() {
    let r = report(&spec(
        "actor A {\n    serves Ping\n    state S\n    deferred pong\n}\nsupervisor S {\n    child a actor=A\n    child p actor=Pinger\n}\n",
    ));
    let d = r.assert_one(codes::UNKNOWN_REFERENCE, "pong");
    assert_eq!(d.help.as_deref(), Some("did you mean `ping`?"));
}

#[test]
fn wrong_kinds() {
    // An actor where a protocol is expected.
    let r = report(&spec("actor A {\n    serves Pinger\n    state S\n}\n"));
    r.assert_one(codes::WRONG_KIND, "Pinger\n    state S");
    // A protocol where an actor is expected.
    let r = report(&spec("supervisor S {\n    child p actor=Ping\n}\n"));
    r.assert_one(codes::WRONG_KIND, "Ping\n}");
    // A cast cannot be deferred.
    let r = report(
        "protocol P {\n    cast post\n    cast other\n}\nactor A {\n    serves P\n    state S\n    deferred post\n}\n",
    );
    r.assert_one(codes::WRONG_KIND, "post\n}");
}

#[test]
fn duplicate_names_across_kinds() {
    let r = report(&spec("protocol Pinger {\n    cast c\n}\n"));
    // Reported at the second declaration in the text.
    r.assert_one(codes::DUPLICATE_NAME, "Pinger {\n    cast");
    let r = report(&spec(
        "supervisor S {\n    child p actor=Pinger\n    registry Ping keys=unique\n}\n",
    ));
    r.assert_one(codes::DUPLICATE_NAME, "Ping keys");
}

#[test]
fn duplicate_messages_and_args() {
    let r = report("protocol P {\n    cast a\n    call a\n}\n");
    r.assert_one(codes::DUPLICATE_NAME, "a\n}");
    let r = report("protocol P {\n    cast c {\n        arg x u8\n        arg x u16\n    }\n}\n");
    r.assert_one(codes::DUPLICATE_NAME, "x u16");
}

#[test]
fn duplicate_child_ids() {
    let r = report(&spec(
        "supervisor S {\n    child p actor=Pinger\n    child p actor=Pinger\n}\n",
    ));
    let d = r.one(codes::DUPLICATE_CHILD_ID);
    assert_eq!(r.at(d), (10, 11), "{}", r.rendered());
    // A nested supervisor's id is its name.
    let r = report(&spec(
        "supervisor S {\n    child Inner actor=Pinger\n    supervisor Inner {\n        child q actor=Pinger\n    }\n}\n",
    ));
    r.assert_one(codes::DUPLICATE_CHILD_ID, "Inner {");
}

#[test]
fn significant_and_permanent() {
    let r = report(&spec(
        "supervisor S auto-shutdown=any-significant {\n    child p actor=Pinger significant=#true\n}\n",
    ));
    r.assert_one(codes::SIGNIFICANT_PERMANENT, "significant=#true");
    let r = report(&spec(
        "supervisor S auto-shutdown=any-significant {\n    child p actor=Pinger restart=transient significant=#true\n}\n",
    ));
    r.assert_clean();
}

#[test]
fn significant_needs_auto_shutdown() {
    let r = report(&spec(
        "supervisor S {\n    child p actor=Pinger restart=temporary significant=#true\n}\n",
    ));
    r.assert_one(
        codes::SIGNIFICANT_WITHOUT_AUTO_SHUTDOWN,
        "significant=#true",
    );
}

#[test]
fn dynamic_supervisor_strategy() {
    let r = report(&spec(
        "supervisor S {\n    dynamic-supervisor D strategy=one_for_all {\n        template actor=Pinger\n    }\n}\n",
    ));
    r.assert_one(codes::DYNAMIC_STRATEGY, "strategy=one_for_all");
}

#[test]
fn zero_period() {
    let r = report(&spec(
        "supervisor S max-seconds=0 {\n    child p actor=Pinger\n}\n",
    ));
    r.assert_one(codes::ZERO_PERIOD, "max-seconds=0");
    let r = report(&spec(
        "supervisor S {\n    dynamic-supervisor D max-seconds=0 {\n        template actor=Pinger\n    }\n}\n",
    ));
    r.assert_one(codes::ZERO_PERIOD, "max-seconds=0");
}

#[test]
fn app_root_must_be_top_level() {
    let r = report(&spec(
        "supervisor S {\n    supervisor Inner {\n        child p actor=Pinger\n    }\n}\napp X root=Inner\n",
    ));
    r.assert_one(codes::INVALID_ROOT, "Inner\n");
}

#[test]
fn unknown_lint_in_allow() {
    let r = report(&spec(
        "actor A {\n    allow stateles_actor reason=\"no state\"\n}\nsupervisor S {\n    child a actor=A\n    child p actor=Pinger\n}\n",
    ));
    let d = r.assert_one(codes::UNKNOWN_LINT, "stateles_actor");
    assert_eq!(d.help.as_deref(), Some("did you mean `stateless_actor`?"));
    // Errors cannot be allowed.
    let r = report(&spec(
        "actor A {\n    state S\n    allow arbor::call_cycle reason=\"trust me\"\n}\n",
    ));
    let d = r.assert_one(codes::UNKNOWN_LINT, "arbor::call_cycle");
    assert!(
        d.help
            .as_deref()
            .unwrap_or("")
            .contains("errors cannot be allowed")
    );
}

#[test]
fn references_resolve_across_files() {
    let (spec, _) = arbor_codegen::load_str(&[
        (
            "protocols.kdl",
            "protocol P {\n    call c timeout=\"1s\"\n}\n",
        ),
        ("actors.kdl", "actor A {\n    serves P\n    state S\n}\n"),
        (
            "tree.kdl",
            "supervisor T {\n    child a actor=A\n}\napp X root=T\n",
        ),
    ])
    .expect("valid");
    assert!(arbor_codegen::check(&spec).is_empty());
}
