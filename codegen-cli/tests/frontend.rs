//! The KDL front-end: the draft's examples are accepted as written, and each
//! kind of front-end error is reported with its code, at the right place.

mod common;

use arbor_codegen::codes;
use arbor_codegen::model::{
    AutoShutdown, ChildKind, During, MailboxKind, MessageKind, Overflow, Restart, Shutdown,
    Strategy, Timeout,
};
use common::report;
use std::time::Duration;

const DRAFT_PROTOCOL: &str = r#"
protocol Cache {
    call get reply="Option<Bytes>" timeout="100ms" {
        arg key String
    }
    cast put {
        arg key String
        arg value Bytes
    }
    info cleanup
}
"#;

const DRAFT_ACTOR: &str = r#"
actor CacheServer {
    serves Cache
    state CacheState
    mailbox capacity=1024 overflow=reject
    calls Db
    casts Metrics
    deferred get
}
"#;

const DRAFT_SUPERVISOR: &str = r#"
supervisor App strategy=rest_for_one max-restarts=3 max-seconds=5 {
    child db actor=Db restart=permanent shutdown="10s"
    child cache actor=CacheServer
    registry Sessions keys=unique
    task-supervisor Jobs
    dynamic-supervisor Rooms max-children=10000 {
        template actor=RoomServer restart=transient
    }
    supervisor Workers strategy=one_for_one {
        child mailer actor=Mailer restart=transient significant=#true
    }
}

app Chat root=App
"#;

const DRAFT_UNBOUNDED: &str = "actor Logger {\n    mailbox unbounded=#true\n}\n";

#[test]
fn every_draft_example_is_accepted_as_written() {
    for (name, text) in [
        ("protocol", DRAFT_PROTOCOL),
        ("actor", DRAFT_ACTOR),
        ("supervisor", DRAFT_SUPERVISOR),
        ("unbounded mailbox", DRAFT_UNBOUNDED),
    ] {
        if let Err(f) = arbor_codegen::load_str(&[(name, text)]) {
            panic!("the draft's {name} example is rejected:\n{f}");
        }
    }
    // The whole example is specs/chat.kdl (plus comments); it checks clean.
    let chat = include_str!("../../specs/chat.kdl");
    let (spec, _) = arbor_codegen::load_str(&[("chat.kdl", chat)]).expect("accepted");
    assert!(arbor_codegen::check(&spec).is_empty());
}

#[test]
fn the_draft_examples_read_into_the_model_with_otp_defaults() {
    let (spec, _) = arbor_codegen::load_str(&[
        ("p", DRAFT_PROTOCOL),
        ("a", DRAFT_ACTOR),
        ("s", DRAFT_SUPERVISOR),
    ])
    .expect("accepted");
    let cache = &spec.protocols[0];
    let MessageKind::Call { reply, timeout } = &cache.messages[0].kind else {
        panic!("get is a call")
    };
    assert_eq!(reply.tokens(), "Option < Bytes >");
    assert_eq!(timeout.value, Timeout::After(Duration::from_millis(100)));
    assert_eq!(cache.messages[0].args[0].ty.tokens(), "String");
    assert_eq!(cache.messages[1].kind, MessageKind::Cast);
    assert_eq!(cache.messages[2].kind, MessageKind::Info);

    let actor = &spec.actors[0];
    assert_eq!(actor.serves[0].as_str(), "Cache");
    assert!(matches!(
        actor.mailbox.kind,
        MailboxKind::Bounded { capacity, overflow } if capacity.value.get() == 1024 && overflow.value == Overflow::Reject
    ));
    assert_eq!(actor.calls[0].during, During::Run);
    assert_eq!(actor.deferred[0].as_str(), "get");

    let app = &spec.supervisors[0];
    assert_eq!(app.strategy.value, Strategy::RestForOne);
    assert_eq!(app.auto_shutdown.value, AutoShutdown::Never);
    let db = &app.children[0];
    assert_eq!(db.shutdown.value, Shutdown::After(Duration::from_secs(10)));
    let cache_child = &app.children[1];
    assert_eq!(cache_child.restart.value, Restart::Permanent);
    assert_eq!(cache_child.shutdown.value, Shutdown::WORKER_DEFAULT);
    let ChildKind::DynamicSupervisor(rooms) = &app.children[4].kind else {
        panic!("Rooms is dynamic")
    };
    assert_eq!(app.children[4].shutdown.value, Shutdown::Infinity);
    assert_eq!(rooms.max_children.map(|m| m.value.get()), Some(10_000));
    assert_eq!(rooms.template.restart.value, Restart::Transient);
    assert_eq!(spec.apps[0].root.as_str(), "App");
}

#[test]
fn call_defaults() {
    let r = report("protocol P {\n    call ping\n}\n");
    let spec = r.spec.expect("accepted");
    let MessageKind::Call { reply, timeout } = &spec.protocols[0].messages[0].kind else {
        panic!("a call")
    };
    assert!(reply.is_unit());
    assert_eq!(timeout.value, Timeout::DEFAULT);
}

#[test]
fn syntax_errors_point_into_the_file() {
    let r = report("actor A {\n    state S\n");
    let d = &r.with_code(codes::SYNTAX)[0];
    assert_eq!(r.at(d).0, 1, "{}", r.rendered());
    assert!(r.rendered().contains("test.kdl"), "the file name is shown");
}

#[test]
fn deep_nesting_is_refused_before_parsing() {
    let text = format!("{}{}", "a {\n".repeat(5000), "}\n".repeat(5000));
    let r = report(&text);
    assert_eq!(r.codes(), [codes::SYNTAX]);
    assert_eq!(r.at(&r.diagnostics[0]).0, 65);
}

#[test]
fn unknown_node_suggests_a_name() {
    let src = "actor A {\n    serve P\n}\n";
    let r = report(src);
    let d = r.assert_one(codes::UNKNOWN_NODE, "serve P");
    assert!(
        d.help
            .as_deref()
            .unwrap_or("")
            .contains("did you mean `serves`?")
    );
    let r = report("protcol P\n");
    let d = r.assert_one(codes::UNKNOWN_NODE, "protcol");
    assert!(d.help.as_deref().unwrap_or("").contains("`protocol`"));
}

#[test]
fn unknown_property_suggests_a_name() {
    let src = "supervisor S max_restarts=3\n";
    let r = report(src);
    let d = r.assert_one(codes::UNKNOWN_PROPERTY, "max_restarts");
    assert!(
        d.help
            .as_deref()
            .unwrap_or("")
            .contains("did you mean `max-restarts`?")
    );
    // `significant` exists on children but not on templates.
    let src = "supervisor S {\n    dynamic-supervisor D {\n        template actor=A significant=#true\n    }\n}\n";
    report(src).assert_one(codes::UNKNOWN_PROPERTY, "significant=#true");
}

#[test]
fn duplicate_property() {
    let src = "app A root=S root=T\n";
    report(src).assert_one(codes::DUPLICATE_PROPERTY, "root=T");
}

#[test]
fn missing_values() {
    report("app A\n").assert_one(codes::MISSING_VALUE, "app A");
    report("protocol {\n}\n").assert_one(codes::MISSING_VALUE, "protocol");
    let src = "protocol P {\n    cast c {\n        arg x\n    }\n}\n";
    report(src).assert_one(codes::MISSING_VALUE, "arg x");
    let src = "supervisor S {\n    dynamic-supervisor D\n}\n";
    report(src).assert_one(codes::MISSING_VALUE, "dynamic-supervisor D");
    let src = "supervisor S {\n    registry R\n}\n";
    report(src).assert_one(codes::MISSING_VALUE, "registry R");
    let src = "actor A {\n    allow stateless_actor\n}\n";
    report(src).assert_one(codes::MISSING_VALUE, "allow stateless_actor");
}

#[test]
fn unexpected_values() {
    report("app A root=S extra\n").assert_one(codes::UNEXPECTED_VALUE, "extra");
    report("app A root=S {\n}\n").assert_one(codes::UNEXPECTED_VALUE, "{");
    report("(kind)app A root=S\n").assert_one(codes::UNEXPECTED_VALUE, "kind");
    let src = "actor A {\n    state S\n    state T\n}\n";
    report(src).assert_one(codes::UNEXPECTED_VALUE, "state T");
    let src = "supervisor S {\n    dynamic-supervisor D {\n        template actor=A\n        template actor=B\n    }\n}\n";
    report(src).assert_one(codes::UNEXPECTED_VALUE, "template actor=B");
}

#[test]
fn invalid_values() {
    let src = "actor A {\n    mailbox capacity=10 overflow=blok\n}\n";
    let r = report(src);
    let d = r.assert_one(codes::INVALID_VALUE, "overflow=blok");
    assert!(d.help.as_deref().unwrap_or("").contains("`block`"));
    report("actor A {\n    mailbox capacity=0\n}\n").assert_one(codes::INVALID_VALUE, "capacity=0");
    report("actor A {\n    mailbox capacity=-5\n}\n")
        .assert_one(codes::INVALID_VALUE, "capacity=-5");
    report("actor A {\n    mailbox unbounded=\"yes\"\n}\n")
        .assert_one(codes::INVALID_VALUE, "unbounded=");
    let src = "actor A {\n    mailbox unbounded=#true capacity=5\n}\n";
    report(src).assert_one(codes::INVALID_VALUE, "mailbox");
    report("supervisor S strategy=one-for-one\n").assert_one(codes::INVALID_VALUE, "strategy=");
    report("supervisor S max-restarts=1.5\n").assert_one(codes::INVALID_VALUE, "max-restarts=");
    report("app A root=#null\n").assert_one(codes::INVALID_VALUE, "root=");
}

#[test]
fn invalid_identifiers() {
    report("actor type {\n}\n").assert_one(codes::INVALID_IDENTIFIER, "type");
    report("actor gen {\n}\n").assert_one(codes::INVALID_IDENTIFIER, "gen");
    let src = "supervisor S {\n    child \"1x\" actor=A\n}\n";
    report(src).assert_one(codes::INVALID_IDENTIFIER, "\"1x\"");
    let src = "supervisor S {\n    child a actor=\"My Actor\"\n}\n";
    // Points at the value, not at `actor=`.
    report(src).assert_one(codes::INVALID_IDENTIFIER, "\"My Actor\"");
    let src = "protocol P {\n    cast c {\n        arg self u8\n    }\n}\n";
    report(src).assert_one(codes::INVALID_IDENTIFIER, "self");
}

#[test]
fn invalid_types() {
    report("actor A {\n    state \"Vec<\"\n}\n").assert_one(codes::INVALID_TYPE, "\"Vec<\"");
    report("actor A {\n    state \"&str\"\n}\n").assert_one(codes::INVALID_TYPE, "\"&str\"");
    let src = "protocol P {\n    call c reply=\"foo!()\"\n}\n";
    report(src).assert_one(codes::INVALID_TYPE, "\"foo!()\"");
    let long = format!("actor A {{\n    state \"{}\"\n}}\n", "Vec<".repeat(100));
    report(&long).assert_one(codes::INVALID_TYPE, "\"Vec<");
}

#[test]
fn invalid_durations() {
    let src = "protocol P {\n    call c timeout=\"5\"\n}\n";
    report(src).assert_one(codes::INVALID_DURATION, "timeout=");
    let src = "protocol P {\n    call c timeout=\"0ms\"\n}\n";
    report(src).assert_one(codes::INVALID_DURATION, "timeout=");
    let src = "supervisor S {\n    child a actor=A shutdown=5000\n}\n";
    let r = report(src);
    let d = r.assert_one(codes::INVALID_DURATION, "shutdown=");
    assert!(d.help.as_deref().unwrap_or("").contains("\"5000ms\""));
    let src = "supervisor S {\n    child a actor=A shutdown=\"1.5s\"\n}\n";
    report(src).assert_one(codes::INVALID_DURATION, "shutdown=");
}

#[test]
fn every_error_of_a_file_is_reported_at_once() {
    let src = "protocol P {\n    cats x\n}\nactor type {\n}\nsupervisor S strategy=x {\n    child a actor=A shutdown=\"5\"\n}\n";
    let r = report(src);
    assert_eq!(
        r.codes(),
        [
            codes::UNKNOWN_NODE,
            codes::INVALID_IDENTIFIER,
            codes::INVALID_VALUE,
            codes::INVALID_DURATION
        ],
        "{}",
        r.rendered()
    );
}

#[test]
fn errors_of_every_file_are_reported() {
    let err = arbor_codegen::load_str(&[("a.kdl", "actor type {\n}\n"), ("b.kdl", "app X\n")])
        .expect_err("two broken files");
    let files: Vec<String> = err
        .diagnostics
        .iter()
        .filter_map(|d| d.span())
        .filter_map(|s| err.sources.location(s))
        .map(|l| l.file)
        .collect();
    assert_eq!(files, ["a.kdl", "b.kdl"]);
}

#[test]
fn unreadable_files_are_an_io_error() {
    let err = arbor_codegen::load(&["/nonexistent/arbor/spec.kdl"]).expect_err("missing file");
    assert_eq!(err.diagnostics[0].code, codes::IO);
    assert!(
        err.diagnostics[0]
            .message
            .contains("/nonexistent/arbor/spec.kdl")
    );
}
