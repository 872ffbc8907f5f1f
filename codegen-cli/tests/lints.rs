//! One test per lint: it fires with its code at the right place, and an
//! `allow` in the right item silences it.

mod common;

use arbor_codegen::check::lints::{self, LINTS};
use arbor_codegen::codes;
use common::report;

/// Asserts that `src` reports lint `code` once at `needle`, and that
/// `allowed` (the same spec with an `allow`) is clean.
fn fires_and_is_allowed(code: &str, src: &str, needle: &str, allowed: &str) {
    let r = report(src);
    r.assert_one(code, needle);
    assert!(
        r.diagnostics.iter().all(|d| !d.is_error()),
        "{}",
        r.rendered()
    );
    let d = r.one(code);
    assert!(
        d.help.as_deref().unwrap_or("").contains("allow "),
        "a lint says how to allow it"
    );
    report(allowed).assert_clean();
}

/// A clean system with one actor `A` (served protocol `P`) under `Top`; the
/// closure adds lines to the actor, the protocol and the tree.
fn system(actor_extra: &str, protocol_extra: &str, tree: &str) -> String {
    format!(
        r#"protocol P {{
    call get reply=u32 timeout="1s"
{protocol_extra}}}
actor A {{
    serves P
    state S
{actor_extra}}}
supervisor Top strategy=one_for_one {{
{tree}}}
app X root=Top
"#
    )
}

const CHILD_A: &str = "    child a actor=A\n";

#[test]
fn the_base_system_is_clean() {
    report(&system("", "", CHILD_A)).assert_clean();
}

#[test]
fn unbounded_mailbox() {
    fires_and_is_allowed(
        lints::UNBOUNDED_MAILBOX.code,
        &system("    mailbox unbounded=#true\n", "", CHILD_A),
        "mailbox unbounded",
        &system(
            "    mailbox unbounded=#true\n    allow unbounded_mailbox reason=\"bounded upstream\"\n",
            "",
            CHILD_A,
        ),
    );
}

#[test]
fn stateless_actor() {
    let src = "protocol P {\n    cast c\n}\nactor A {\n    serves P\n}\nsupervisor T {\n    child a actor=A\n}\n";
    let allowed = "protocol P {\n    cast c\n}\nactor A {\n    serves P\n    allow stateless_actor reason=\"wraps a port\"\n}\nsupervisor T {\n    child a actor=A\n}\n";
    fires_and_is_allowed(lints::STATELESS_ACTOR.code, src, "A {", allowed);
}

#[test]
fn unsupervised_actor() {
    let src = "protocol P {\n    cast c\n}\nactor A {\n    serves P\n    state S\n}\n";
    let allowed = "protocol P {\n    cast c\n}\nactor A {\n    serves P\n    state S\n    allow arbor::unsupervised_actor reason=\"started by the test harness\"\n}\n";
    fires_and_is_allowed(lints::UNSUPERVISED_ACTOR.code, src, "A {", allowed);
}

#[test]
fn god_actor() {
    let many: String = (0..21).map(|i| format!("    cast m{i}\n")).collect();
    fires_and_is_allowed(
        lints::GOD_ACTOR.code,
        &system("", &many, CHILD_A),
        "A {",
        &system(
            "    allow god_actor reason=\"a protocol adapter\"\n",
            &many,
            CHILD_A,
        ),
    );
    // Exactly at the limit: fine.
    let twenty: String = (0..19).map(|i| format!("    cast m{i}\n")).collect();
    report(&system("", &twenty, CHILD_A)).assert_none(lints::GOD_ACTOR.code);
    // Too many protocols.
    let src = "protocol P1 {\n    cast a\n}\nprotocol P2 {\n    cast b\n}\nprotocol P3 {\n    cast c\n}\nprotocol P4 {\n    cast d\n}\nactor A {\n    serves P1 P2 P3 P4\n    state S\n}\nsupervisor T {\n    child a actor=A\n}\n";
    report(src).assert_one(lints::GOD_ACTOR.code, "A {");
}

#[test]
fn long_call_timeout() {
    let slow = "    call slow reply=u32 timeout=\"30s\"\n";
    fires_and_is_allowed(
        lints::LONG_CALL_TIMEOUT.code,
        &system("", slow, CHILD_A),
        // Points at the actor's `serves`, where the fix goes.
        "P\n    state",
        &system("    deferred slow\n", slow, CHILD_A),
    );
    let forever = "    call wait reply=u32 timeout=infinity\n";
    report(&system("", forever, CHILD_A)).assert_one(lints::LONG_CALL_TIMEOUT.code, "P\n    state");
    let allowed = system(
        "    allow long_call_timeout reason=\"a pool worker\"\n",
        forever,
        CHILD_A,
    );
    report(&allowed).assert_clean();
}

#[test]
fn timeout_cascade() {
    let src = r#"protocol Front {
    call get reply=u32 timeout="1s"
}
protocol Back {
    call query reply=u32 timeout="1s"
}
actor F {
    serves Front
    state S
    calls B
}
actor B {
    serves Back
    state S
}
supervisor T strategy=rest_for_one {
    child b actor=B
    child f actor=F
}
"#;
    let allowed = src.replace(
        "    calls B\n",
        "    calls B\n    allow timeout_cascade reason=\"get answers from cache on timeout\"\n",
    );
    fires_and_is_allowed(lints::TIMEOUT_CASCADE.code, src, "calls B", &allowed);
    // A longer caller timeout is the fix.
    report(&src.replace(
        "timeout=\"1s\"\n}\nprotocol Back",
        "timeout=\"2s\"\n}\nprotocol Back",
    ))
    .assert_clean();
    // Calls made only during start-up do not cascade.
    let init = src.replace("calls B\n", "calls B during=init\n");
    report(&init).assert_clean();
    // A shorter caller timeout than the callee's default fires too.
    let shorter = src.replace(
        "call query reply=u32 timeout=\"1s\"",
        "call query reply=u32",
    );
    report(&shorter).assert_one(lints::TIMEOUT_CASCADE.code, "calls B");
}

#[test]
fn timeout_cascade_is_quiet_on_default_timeouts() {
    // Nobody set a timeout: OTP's 5 s on both sides is not a finding (every call edge of a
    // default spec used to warn).
    let src = r#"protocol Front {
    call get reply=u32
}
protocol Back {
    call get reply=u32
}
actor F {
    serves Front
    state S
    calls B
}
actor B {
    serves Back
    state S
}
supervisor T strategy=rest_for_one {
    child b actor=B
    child f actor=F
}
"#;
    report(src).assert_clean();
    // Set one to the same value and the rule applies; messages sharing a name are told apart
    // by their actors.
    let set = src.replace(
        "protocol Back {\n    call get reply=u32",
        "protocol Back {\n    call get reply=u32 timeout=\"10s\"",
    );
    let r = report(&set);
    let d = r.assert_one(lints::TIMEOUT_CASCADE.code, "calls B");
    assert_eq!(
        d.message,
        "callers of `F.get` give up after 5s, but it may wait 10s on `B.get`"
    );
    let help = d.help.as_deref().unwrap_or("");
    assert!(
        help.contains("give `F.get` a longer timeout than `B.get`, or shorten `B.get`"),
        "{help}"
    );
}

#[test]
fn restart_intensity() {
    let src = system("", "", "    child a actor=A\n").replace(
        "strategy=one_for_one",
        "strategy=one_for_one max-restarts=100 max-seconds=5",
    );
    let allowed = src.replace(
        "    child a actor=A\n",
        "    child a actor=A\n    allow restart_intensity reason=\"flaky hardware, restarts are cheap\"\n",
    );
    fires_and_is_allowed(
        lints::RESTART_INTENSITY.code,
        &src,
        "max-restarts=100",
        &allowed,
    );
    // 50 in 5 s is exactly 10/s: fine.
    report(&src.replace("max-restarts=100", "max-restarts=50")).assert_clean();
}

#[test]
fn one_for_all_independent() {
    let src = r#"protocol P {
    cast c
}
actor A {
    serves P
    state S
}
actor B {
    serves P
    state S
}
supervisor T strategy=one_for_all {
    child a actor=A
    child b actor=B
}
"#;
    let allowed = src.replace(
        "    child b actor=B\n",
        "    child b actor=B\n    allow one_for_all_independent reason=\"they share a socket\"\n",
    );
    fires_and_is_allowed(
        lints::ONE_FOR_ALL_INDEPENDENT.code,
        src,
        "strategy=one_for_all",
        &allowed,
    );
    // A declared dependency (even a cast) justifies one_for_all.
    let dependent = src.replace(
        "actor B {\n    serves P\n    state S\n",
        "actor B {\n    serves P\n    state S\n    casts A\n",
    );
    report(&dependent).assert_clean();
}

#[test]
fn one_for_one_dependent() {
    let src = r#"protocol P {
    call c timeout="1s"
}
protocol Q {
    cast q
}
actor Db {
    serves P
    state S
}
actor Cache {
    serves Q
    state S
    calls Db
}
supervisor T strategy=one_for_one {
    child db actor=Db
    child cache actor=Cache
}
"#;
    let allowed = src.replace(
        "    child cache actor=Cache\n",
        "    child cache actor=Cache\n    allow one_for_one_dependent reason=\"Cache reconnects by name\"\n",
    );
    fires_and_is_allowed(
        lints::ONE_FOR_ONE_DEPENDENT.code,
        src,
        "strategy=one_for_one",
        &allowed,
    );
    report(&src.replace("one_for_one", "rest_for_one")).assert_clean();
    // Calling a later sibling is not what rest_for_one fixes.
    report(&src.replace(
        "    child db actor=Db\n    child cache actor=Cache\n",
        "    child cache actor=Cache\n    child db actor=Db\n",
    ))
    .assert_none(lints::ONE_FOR_ONE_DEPENDENT.code);
}

#[test]
fn temporary_serves_calls() {
    let tree = "    child a actor=A restart=temporary\n";
    let allowed = "    child a actor=A restart=temporary {\n        allow temporary_serves_calls reason=\"callers retry through the registry\"\n    }\n";
    fires_and_is_allowed(
        lints::TEMPORARY_SERVES_CALLS.code,
        &system("", "", tree),
        "restart=temporary",
        &system("", "", allowed),
    );
    // Templates too.
    let tree = "    dynamic-supervisor D {\n        template actor=A restart=temporary\n    }\n";
    report(&system("", "", tree))
        .assert_one(lints::TEMPORARY_SERVES_CALLS.code, "restart=temporary");
}

#[test]
fn brutal_kill_terminate() {
    let tree = "    child a actor=A shutdown=brutal-kill\n";
    let allowed = "    child a actor=A shutdown=brutal-kill {\n        allow brutal_kill_terminate reason=\"terminate only logs\"\n    }\n";
    fires_and_is_allowed(
        lints::BRUTAL_KILL_TERMINATE.code,
        &system("    terminate\n", "", tree),
        "shutdown=brutal-kill",
        &system("    terminate\n", "", allowed),
    );
    // Without a terminate hook, brutal-kill is fine.
    report(&system("", "", tree)).assert_clean();
    report(&system("    terminate #false\n", "", tree)).assert_clean();
}

#[test]
fn infinity_shutdown_worker() {
    let tree = "    child a actor=A shutdown=infinity\n";
    let allowed = "    child a actor=A shutdown=infinity {\n        allow infinity_shutdown_worker reason=\"must finish its transaction\"\n    }\n";
    fires_and_is_allowed(
        lints::INFINITY_SHUTDOWN_WORKER.code,
        &system("", "", tree),
        "shutdown=infinity",
        &system("", "", allowed),
    );
    // Supervisors default to infinity: no lint.
    let nested = "    supervisor Inner {\n        child a actor=A\n    }\n";
    report(&system("", "", nested)).assert_clean();
}

#[test]
fn unused_allow() {
    let src = system(
        "    allow unbounded_mailbox reason=\"just in case\"\n",
        "",
        CHILD_A,
    );
    let r = report(&src);
    r.assert_one(lints::UNUSED_ALLOW.code, "allow unbounded_mailbox");
    // An allow in the wrong item is unused too: this lint is on actors.
    let src = system(
        "",
        "",
        "    child a actor=A {\n        allow stateless_actor reason=\"wrong place\"\n    }\n",
    );
    report(&src).assert_one(lints::UNUSED_ALLOW.code, "allow stateless_actor");
}

#[test]
fn lint_codes_are_unique_and_distinct_from_errors() {
    let mut all: Vec<&str> = LINTS
        .iter()
        .map(|l| l.code)
        .chain(codes::ERRORS.iter().copied())
        .collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n);
    assert!(LINTS.iter().all(|l| l.code.starts_with("arbor::")));
}

/// `n + 1` actors `A0 -> A1 -> … -> An` calling each other in a chain, each under `Top`, with
/// timeouts shrinking down the chain (so `timeout_cascade` stays quiet); `head` is added to A0.
fn chain(n: usize, head: &str) -> String {
    let mut src = String::new();
    for i in 0..=n {
        let timeout = 1000 - 10 * i;
        src.push_str(&format!(
            "protocol P{i} {{\n    call get reply=u32 timeout=\"{timeout}ms\"\n}}\n"
        ));
        let calls = if i < n {
            format!("    calls A{}\n", i + 1)
        } else {
            String::new()
        };
        let extra = if i == 0 { head } else { "" };
        src.push_str(&format!(
            "actor A{i} {{\n    serves P{i}\n    state S{i}\n{calls}{extra}}}\n"
        ));
    }
    src.push_str("supervisor Top strategy=rest_for_one {\n");
    for i in (0..=n).rev() {
        src.push_str(&format!("    child a{i} actor=A{i}\n"));
    }
    src.push_str("}\napp X root=Top\n");
    src
}

#[test]
fn deep_call_chain() {
    let limit = lints::DEEP_CALL_CHAIN_LIMIT;
    report(&chain(limit, "")).assert_clean();
    fires_and_is_allowed(
        lints::DEEP_CALL_CHAIN.code,
        &chain(limit + 1, ""),
        "A0 {",
        &chain(
            limit + 1,
            "    allow deep_call_chain reason=\"a pipeline of lookups\"\n",
        ),
    );
    let r = report(&chain(limit + 1, ""));
    let d = r.one(lints::DEEP_CALL_CHAIN.code);
    assert!(
        d.message
            .contains(&format!("a chain of {} synchronous calls", limit + 1)),
        "{}",
        d.message
    );
    assert!(
        d.message.contains("A0 -> A1 -> A2 -> … -> "),
        "{}",
        d.message
    );
}
