//! The example systems in `specs/` check clean, and the model's equality
//! ignores where items were written (what the macro front-end relies on).

use std::path::PathBuf;

use arbor_codegen::model::{
    Actor, App, AutoShutdown, Child, ChildKind, Ident, Intensity, Mailbox, Message, MessageKind,
    Protocol, Restart, RustType, Shutdown, Spanned, Spec, Strategy, Supervisor, Timeout, Worker,
};
use arbor_codegen::{Span, diagnostics};

fn spec_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("specs/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "kdl"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_spec_checks_clean_even_with_deny_warnings() {
    let files = spec_files();
    let names: Vec<String> = files
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    for expected in ["batch", "cache", "chat", "payment_router", "pipeline"] {
        assert!(
            names.iter().any(|n| n == expected),
            "specs/{expected}.kdl is missing"
        );
    }
    for file in &files {
        match arbor_codegen::load_and_check(std::slice::from_ref(file)) {
            Ok(checked) => assert!(
                checked.warnings.is_empty(),
                "{} has warnings:\n{}",
                file.display(),
                diagnostics::render_human(&checked.warnings, &checked.sources, &Default::default())
            ),
            Err(failure) => panic!("{} fails:\n{failure}", file.display()),
        }
    }
    // Together, too: no name clashes between the examples.
    let together = arbor_codegen::load_and_check(&files).expect("all specs together");
    assert!(together.warnings.is_empty());
}

fn id(s: &str) -> Ident {
    Ident::parse(s, Span::detached()).expect("an identifier")
}

fn ty(s: &str) -> RustType {
    RustType::parse(s, Span::detached()).expect("a type")
}

/// What the macro front-end would build for the draft's chat server, by hand
/// and without any span.
fn chat_by_hand() -> Spec {
    let d = Span::detached();
    let call = |name: &str, reply: &str, timeout: Timeout, args: &[(&str, &str)]| Message {
        name: id(name),
        kind: MessageKind::Call {
            reply: ty(reply),
            timeout: Spanned::new(timeout, d),
        },
        args: args
            .iter()
            .map(|(n, t)| arbor_codegen::model::Arg {
                name: id(n),
                ty: ty(t),
                span: d,
            })
            .collect(),
        span: d,
    };
    let cast = |name: &str, args: &[(&str, &str)]| Message {
        kind: MessageKind::Cast,
        ..call(name, "()", Timeout::DEFAULT, args)
    };
    let actor = |name: &str, serves: &str, state: &str, mailbox: Mailbox, casts: &[&str]| Actor {
        name: id(name),
        serves: vec![id(serves)],
        state: Some(ty(state)),
        mailbox,
        calls: vec![],
        casts: casts
            .iter()
            .map(|t| arbor_codegen::model::Dependency {
                target: id(t),
                during: arbor_codegen::model::During::Run,
                span: d,
            })
            .collect(),
        deferred: vec![],
        terminate: Spanned::new(false, d),
        allows: vec![],
        export: None,
        span: d,
    };
    let two_seconds = Timeout::After(std::time::Duration::from_secs(2));
    let room_mailbox = Mailbox {
        kind: arbor_codegen::model::MailboxKind::Bounded {
            capacity: Spanned::new(std::num::NonZeroUsize::new(10_000).expect("not zero"), d),
            overflow: Spanned::new(arbor_codegen::model::Overflow::Reject, d),
        },
        span: d,
    };
    let child = |id_: &str, restart: Restart, shutdown: Shutdown, kind: ChildKind| Child {
        id: id(id_),
        restart: Spanned::new(restart, d),
        shutdown: Spanned::new(shutdown, d),
        significant: Spanned::new(false, d),
        kind,
        span: d,
    };
    Spec {
        externs: Vec::new(),
        // Top-level order does not matter: protocols listed the other way round.
        protocols: vec![
            Protocol {
                name: id("Journal"),
                messages: vec![cast("append", &[("entry", "LogEntry")])],
                span: d,
            },
            Protocol {
                name: id("Room"),
                messages: vec![
                    call(
                        "join",
                        "Result<RoomInfo, JoinError>",
                        two_seconds,
                        &[("user", "UserId")],
                    ),
                    cast("post", &[("user", "UserId"), ("text", "String")]),
                    call("members", "Vec<UserId>", Timeout::DEFAULT, &[]),
                ],
                span: d,
            },
        ],
        actors: vec![
            actor(
                "RoomServer",
                "Room",
                "RoomState",
                room_mailbox,
                &["JournalWriter"],
            ),
            actor(
                "JournalWriter",
                "Journal",
                "JournalState",
                Mailbox::default_at(d),
                &[],
            ),
        ],
        supervisors: vec![Supervisor {
            name: id("ChatSup"),
            strategy: Spanned::new(Strategy::RestForOne, d),
            intensity: Intensity::default_at(d),
            auto_shutdown: Spanned::new(AutoShutdown::Never, d),
            children: vec![
                child(
                    "journal",
                    Restart::Permanent,
                    Shutdown::After(std::time::Duration::from_secs(10)),
                    ChildKind::Worker(Worker {
                        actor: id("JournalWriter"),
                        allows: vec![],
                    }),
                ),
                child(
                    "Rooms",
                    Restart::Permanent,
                    Shutdown::Infinity,
                    ChildKind::Registry(arbor_codegen::model::Registry {
                        name: id("Rooms"),
                        keys: Spanned::new(arbor_codegen::model::Keys::Unique, d),
                        partitions: None,
                        span: d,
                    }),
                ),
                child(
                    "RoomSup",
                    Restart::Permanent,
                    Shutdown::Infinity,
                    ChildKind::DynamicSupervisor(arbor_codegen::model::DynamicSupervisor {
                        name: id("RoomSup"),
                        strategy: Spanned::new(Strategy::OneForOne, d),
                        intensity: Intensity::default_at(d),
                        max_children: Some(Spanned::new(
                            std::num::NonZeroUsize::new(100_000).expect("not zero"),
                            d,
                        )),
                        partitions: None,
                        template: arbor_codegen::model::Template {
                            actor: id("RoomServer"),
                            restart: Spanned::new(Restart::Transient, d),
                            shutdown: Spanned::new(Shutdown::WORKER_DEFAULT, d),
                            allows: vec![],
                            span: d,
                        },
                        allows: vec![],
                        span: d,
                    }),
                ),
            ],
            allows: vec![],
            span: d,
        }],
        apps: vec![App {
            name: id("Chat"),
            root: id("ChatSup"),
            span: d,
        }],
    }
}

#[test]
fn a_model_built_in_code_equals_the_one_read_from_kdl() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs/chat.kdl");
    let (from_kdl, _) = arbor_codegen::load(&[path]).expect("chat.kdl reads");
    let by_hand = chat_by_hand();
    assert_eq!(from_kdl, by_hand);
    // And a difference anywhere is seen.
    let mut changed = by_hand.clone();
    changed.actors[0]
        .calls
        .push(arbor_codegen::model::Dependency {
            target: id("JournalWriter"),
            during: arbor_codegen::model::During::Init,
            span: Span::detached(),
        });
    assert_ne!(from_kdl, changed);
    let mut changed = by_hand;
    if let ChildKind::Worker(w) = &mut changed.supervisors[0].children[0].kind {
        w.actor = id("RoomServer");
    }
    assert_ne!(from_kdl, changed);
    // The analysis accepts a span-less model too.
    assert!(arbor_codegen::check(&chat_by_hand()).is_empty());
}

#[test]
fn every_code_and_lint_is_documented() {
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/spec-language.md"),
    )
    .expect("docs/spec-language.md exists");
    let lints = arbor_codegen::check::lints::LINTS.iter().map(|l| l.code);
    for code in arbor_codegen::codes::ERRORS.iter().copied().chain(lints) {
        assert!(
            doc.contains(&format!("`{code}`")),
            "{code} is not in the reference"
        );
    }
}
