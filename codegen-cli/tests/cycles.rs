//! Synchronous-call cycles and boot order.

mod common;

use arbor_codegen::codes;
use common::report;

/// `n` actors serving one protocol; `edges` adds `calls`/`casts` lines.
fn actors(decls: &[(&str, &str)]) -> String {
    let mut s = String::from("protocol P {\n    call c timeout=\"1s\"\n}\n");
    for (name, body) in decls {
        s.push_str(&format!(
            "actor {name} {{\n    serves P\n    state S\n{body}}}\n"
        ));
    }
    s
}

#[test]
fn self_call() {
    let r = report(&actors(&[("A", "    calls A\n")]));
    let d = r.assert_one(codes::CALL_CYCLE, "calls A");
    assert_eq!(d.message, "actor `A` calls itself");
}

#[test]
fn two_actor_cycle_names_both_and_labels_both_edges() {
    let r = report(&actors(&[("A", "    calls B\n"), ("B", "    calls A\n")]));
    let d = r.assert_one(codes::CALL_CYCLE, "calls B");
    assert_eq!(d.message, "synchronous call cycle: A → B → A");
    assert_eq!(d.labels.len(), 2);
    let texts: Vec<&str> = d
        .labels
        .iter()
        .map(|l| r.sources.snippet(l.span).expect("in the file"))
        .collect();
    assert_eq!(texts, ["calls B", "calls A"]);
}

#[test]
fn three_actor_cycle_starts_at_the_first_declared_actor() {
    let r = report(&actors(&[
        ("C", "    calls A\n"),
        ("A", "    calls B\n"),
        ("B", "    calls C\n"),
    ]));
    let d = r.one(codes::CALL_CYCLE);
    assert_eq!(d.message, "synchronous call cycle: C → A → B → C");
    r.assert_at(d, "calls A");
}

#[test]
fn casts_into_blocking_mailboxes_are_synchronous() {
    // B's mailbox blocks (the default): A's cast can wait, closing the cycle.
    let r = report(&actors(&[("A", "    casts B\n"), ("B", "    calls A\n")]));
    let d = r.one(codes::CALL_CYCLE);
    assert!(
        d.labels[0].message.contains("blocks when full"),
        "{}",
        r.rendered()
    );
    // With overflow=reject the cast never waits: no cycle.
    let r = report(&actors(&[
        ("A", "    casts B\n"),
        ("B", "    calls A\n    mailbox overflow=reject\n"),
    ]));
    r.assert_none(codes::CALL_CYCLE);
    // Unbounded never blocks either (but is a lint).
    let r = report(&actors(&[
        ("A", "    casts B\n"),
        ("B", "    calls A\n    mailbox unbounded=#true\n"),
    ]));
    r.assert_none(codes::CALL_CYCLE);
}

#[test]
fn every_cycle_is_reported_once() {
    // A figure eight: A → B → A and A → C → A share A; plus B → C closes a third.
    let r = report(&actors(&[
        ("A", "    calls B C\n"),
        ("B", "    calls A C\n"),
        ("C", "    calls A\n"),
    ]));
    let mut messages: Vec<&str> = r
        .with_code(codes::CALL_CYCLE)
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    messages.sort();
    assert_eq!(
        messages,
        [
            "synchronous call cycle: A → B → A",
            "synchronous call cycle: A → B → C → A",
            "synchronous call cycle: A → C → A",
        ],
        "{}",
        r.rendered()
    );
}

#[test]
fn a_dense_group_is_listed_up_to_the_limit_then_summarized() {
    // 6 actors all calling each other: hundreds of elementary cycles.
    let names = ["A", "B", "C", "D", "E", "F"];
    let decls: Vec<(&str, String)> = names
        .iter()
        .map(|n| {
            let others: Vec<&str> = names.iter().filter(|m| *m != n).copied().collect();
            (*n, format!("    calls {}\n", others.join(" ")))
        })
        .collect();
    let decls: Vec<(&str, &str)> = decls.iter().map(|(n, b)| (*n, b.as_str())).collect();
    let r = report(&actors(&decls));
    let found = r.with_code(codes::CALL_CYCLE);
    let limit = arbor_codegen::check::cycles::MAX_CYCLES_PER_GROUP;
    assert_eq!(found.len(), limit + 1);
    assert!(found.iter().any(|d| d.message.contains("more than")));
}

#[test]
fn a_long_ring_does_not_overflow_the_stack() {
    // Built in code: reading 20 000 actors of KDL in a debug build is slow.
    use arbor_codegen::Span;
    use arbor_codegen::model::{Actor, Dependency, During, Ident, Mailbox, Spanned, Spec};
    let count_cycles = || {
        let n = 20_000;
        let d = Span::detached();
        let name = |i: usize| Ident::parse(&format!("A{i}"), d).expect("an identifier");
        let spec = Spec {
            actors: (0..n)
                .map(|i| Actor {
                    name: name(i),
                    serves: vec![],
                    state: None,
                    mailbox: Mailbox::default_at(d),
                    calls: vec![Dependency {
                        target: name((i + 1) % n),
                        during: During::Run,
                        span: d,
                    }],
                    casts: vec![],
                    deferred: vec![],
                    terminate: Spanned::new(false, d),
                    allows: vec![],
                    export: None,
                    span: d,
                })
                .collect(),
            ..Spec::default()
        };
        arbor_codegen::check(&spec)
            .iter()
            .filter(|d| d.code == codes::CALL_CYCLE)
            .count()
    };
    // On a small stack, like a test thread's or a build script's.
    let cycles = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(count_cycles)
        .expect("thread starts")
        .join()
        .expect("no stack overflow");
    assert_eq!(cycles, 1);
}

#[test]
fn the_rendered_cycle_diagnostic() {
    let src = r#"protocol Ask {
    call ask reply=Answer timeout="1s"
}

actor Orders {
    serves Ask
    state OrderBook
    calls Billing
}

actor Billing {
    serves Ask
    state Ledger
    calls Inventory
}

actor Inventory {
    serves Ask
    state Stock
    casts Orders
}
"#;
    let r = report(src);
    let cycle: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.code == codes::CALL_CYCLE)
        .cloned()
        .collect();
    assert_eq!(cycle.len(), 1);
    let rendered = arbor_codegen::diagnostics::render_human(
        &cycle,
        &r.sources,
        &arbor_codegen::diagnostics::RenderOptions {
            color: false,
            width: 100,
        },
    );
    insta::assert_snapshot!(rendered);
}

fn tree(children: &str) -> String {
    format!(
        "{}supervisor Top strategy=rest_for_one {{\n{children}}}\n",
        actors(&[("Db", ""), ("Cache", "    calls Db during=init\n")])
    )
}

#[test]
fn boot_order_ok_when_the_callee_starts_first() {
    let r = report(&tree(
        "    child db actor=Db\n    child cache actor=Cache\n",
    ));
    r.assert_none(codes::BOOT_ORDER);
}

#[test]
fn boot_order_error_when_the_callee_starts_later() {
    let r = report(&tree(
        "    child cache actor=Cache\n    child db actor=Db\n",
    ));
    let d = r.assert_one(codes::BOOT_ORDER, "calls Db during=init");
    let texts: Vec<&str> = d
        .labels
        .iter()
        .map(|l| r.sources.snippet(l.span).expect("in the file"))
        .collect();
    assert_eq!(
        texts,
        [
            "calls Db during=init",
            "child cache actor=Cache",
            "child db actor=Db"
        ]
    );
}

#[test]
fn boot_order_error_when_the_callee_is_only_dynamic() {
    let r = report(&tree(
        "    dynamic-supervisor Dbs {\n        template actor=Db\n    }\n    child cache actor=Cache\n",
    ));
    let d = r.assert_one(codes::BOOT_ORDER, "calls Db during=init");
    assert!(d.help.as_deref().unwrap_or("").contains("no instance"));
}

#[test]
fn boot_order_error_when_the_callee_is_in_no_tree() {
    let r = report(&tree("    child cache actor=Cache\n"));
    r.assert_one(codes::BOOT_ORDER, "calls Db during=init");
}

#[test]
fn boot_order_counts_nested_supervisors_and_templates() {
    // Db starts inside an earlier nested supervisor: fine.
    let r = report(&tree(
        "    supervisor Data {\n        child db actor=Db\n    }\n    dynamic-supervisor Caches {\n        template actor=Cache\n    }\n",
    ));
    r.assert_none(codes::BOOT_ORDER);
    // A template starts where its dynamic supervisor does: before Db here.
    let r = report(&tree(
        "    dynamic-supervisor Caches {\n        template actor=Cache\n    }\n    child db actor=Db\n",
    ));
    r.assert_one(codes::BOOT_ORDER, "calls Db during=init");
}
