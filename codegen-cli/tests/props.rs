//! Property tests: no input panics the front-end, the analysis or the
//! renderers; well-formed specs are always accepted by the front-end.
//!
//! Case counts are modest: CI has two cores.

use arbor_codegen::check::lints::LINTS;
use arbor_codegen::diagnostics::{RenderOptions, render_human, render_json};
use arbor_codegen::graph::{Format, render};
use arbor_codegen::{SourceMap, parse_all};
use proptest::prelude::*;
use proptest::sample::select;

/// Runs everything on `text` and checks the diagnostics point into it.
fn run_everything(text: &str) -> (bool, SourceMap) {
    let mut sources = SourceMap::new();
    sources.add("prop.kdl", text);
    let (spec, mut diagnostics) = parse_all(&sources);
    let front_end_ok = diagnostics.is_empty();
    diagnostics.extend(arbor_codegen::check(&spec));
    for d in &diagnostics {
        for l in &d.labels {
            assert!(l.span.end() <= text.len(), "{} points past the end", d.code);
            assert!(sources.location(l.span).is_some());
        }
    }
    let _ = render_human(&diagnostics, &sources, &RenderOptions::default());
    let _ = render_json(&diagnostics, &sources);
    let _ = render(&spec, Format::Dot);
    let _ = render(&spec, Format::Mermaid);
    (front_end_ok, sources)
}

const WORDS: &[&str] = &[
    "protocol",
    "actor",
    "supervisor",
    "app",
    "call",
    "cast",
    "info",
    "arg",
    "serves",
    "state",
    "mailbox",
    "calls",
    "casts",
    "deferred",
    "terminate",
    "allow",
    "child",
    "registry",
    "task-supervisor",
    "dynamic-supervisor",
    "template",
    "A",
    "B",
    "P",
    "x",
    "type",
    "_",
    "reply=\"Vec<u8>\"",
    "reply=\"Vec<\"",
    "timeout=\"1s\"",
    "timeout=\"0ms\"",
    "timeout=5",
    "shutdown=brutal-kill",
    "shutdown=infinity",
    "restart=temporary",
    "significant=#true",
    "strategy=one_for_all",
    "max-seconds=0",
    "max-restarts=99",
    "capacity=0",
    "overflow=reject",
    "unbounded=#true",
    "keys=unique",
    "actor=A",
    "actor=B",
    "root=S",
    "during=init",
    "reason=\"r\"",
    "unbounded_mailbox",
    "{",
    "}",
    "{",
    "}",
    "\n",
    "\n",
    "\n",
    ";",
    "\"s\"",
    "#null",
    "#true",
    "-1",
    "1.5",
    "(t)",
    "/-",
    "//c\n",
    "/*",
    "*/",
    "\\",
    "\"\"\"",
    "r#\"",
    "é",
    "\u{200b}",
];

fn kdl_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(select(WORDS), 0..120).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        run_everything(&text);
    }

    #[test]
    fn kdl_like_token_soup_never_panics(text in kdl_soup()) {
        run_everything(&text);
    }
}

// Well-formed specs: every value valid, references and structure random
// (unknown names, cycles, duplicates and misconfigurations all happen).

fn actor_name() -> impl Strategy<Value = String> {
    (0..6usize).prop_map(|i| format!("A{i}"))
}

fn protocol_name() -> impl Strategy<Value = String> {
    (0..4usize).prop_map(|i| format!("P{i}"))
}

fn message() -> impl Strategy<Value = String> {
    (
        select(&["call", "cast", "info"][..]),
        0..6usize,
        prop::option::of(select(
            &["u32", "\"Vec<u8>\"", "\"Result<(), E>\"", "\"()\""][..],
        )),
        prop::option::of(select(
            &["\"100ms\"", "\"1s\"", "\"5s\"", "\"30s\"", "infinity"][..],
        )),
        prop::collection::vec(
            (0..4usize, select(&["u8", "String", "\"Option<Id>\""][..])),
            0..3,
        ),
    )
        .prop_map(|(kind, i, reply, timeout, args)| {
            let mut s = format!("    {kind} m{i}");
            if kind == "call" {
                if let Some(r) = reply {
                    s.push_str(&format!(" reply={r}"));
                }
                if let Some(t) = timeout {
                    s.push_str(&format!(" timeout={t}"));
                }
            }
            s.push_str(" {\n");
            for (a, t) in args {
                s.push_str(&format!("        arg a{a} {t}\n"));
            }
            s.push_str("    }\n");
            s
        })
}

fn protocol() -> impl Strategy<Value = String> {
    (protocol_name(), prop::collection::vec(message(), 0..6))
        .prop_map(|(name, messages)| format!("protocol {name} {{\n{}}}\n", messages.concat()))
}

fn allow() -> impl Strategy<Value = String> {
    select(LINTS.iter().map(|l| l.name()).collect::<Vec<_>>())
        .prop_map(|l| format!("    allow {l} reason=\"generated\"\n"))
}

fn actor() -> impl Strategy<Value = String> {
    (
        actor_name(),
        prop::collection::vec(protocol_name(), 0..3),
        any::<bool>(),
        select(
            &[
                "",
                "    mailbox capacity=8 overflow=reject\n",
                "    mailbox overflow=block\n",
                "    mailbox unbounded=#true\n",
                "    mailbox capacity=3 overflow=drop-oldest\n",
            ][..],
        ),
        prop::collection::vec((actor_name(), any::<bool>()), 0..3),
        prop::collection::vec(actor_name(), 0..3),
        prop::collection::vec(0..6usize, 0..2),
        any::<bool>(),
        prop::collection::vec(allow(), 0..2),
    )
        .prop_map(
            |(name, serves, state, mailbox, calls, casts, deferred, terminate, allows)| {
                let mut s = format!("actor {name} {{\n");
                if !serves.is_empty() {
                    s.push_str(&format!("    serves {}\n", serves.join(" ")));
                }
                if state {
                    s.push_str("    state S\n");
                }
                s.push_str(mailbox);
                for (target, init) in calls {
                    let during = if init { " during=init" } else { "" };
                    s.push_str(&format!("    calls {target}{during}\n"));
                }
                if !casts.is_empty() {
                    s.push_str(&format!("    casts {}\n", casts.join(" ")));
                }
                for d in deferred {
                    s.push_str(&format!("    deferred m{d}\n"));
                }
                if terminate {
                    s.push_str("    terminate\n");
                }
                s.push_str(&allows.concat());
                s.push_str("}\n");
                s
            },
        )
}

fn child_spec() -> impl Strategy<Value = String> {
    (
        select(
            &[
                "",
                " restart=permanent",
                " restart=transient",
                " restart=temporary",
            ][..],
        ),
        select(
            &[
                "",
                " shutdown=brutal-kill",
                " shutdown=\"2s\"",
                " shutdown=infinity",
            ][..],
        ),
        select(&["", " significant=#true", " significant=#false"][..]),
    )
        .prop_map(|(r, s, g)| format!("{r}{s}{g}"))
}

fn sup_flags() -> impl Strategy<Value = String> {
    (
        select(
            &[
                "",
                " strategy=one_for_one",
                " strategy=one_for_all",
                " strategy=rest_for_one",
            ][..],
        ),
        select(&["", " max-restarts=0", " max-restarts=100"][..]),
        select(&["", " max-seconds=0", " max-seconds=1"][..]),
        select(
            &[
                "",
                " auto-shutdown=any-significant",
                " auto-shutdown=all-significant",
            ][..],
        ),
    )
        .prop_map(|(a, b, c, d)| format!("{a}{b}{c}{d}"))
}

fn worker() -> impl Strategy<Value = String> {
    (
        0..4usize,
        actor_name(),
        child_spec(),
        prop::option::of(allow()),
    )
        .prop_map(|(id, a, spec, allow)| match allow {
            Some(allow) => format!("child c{id} actor={a}{spec} {{\n{allow}}}\n"),
            None => format!("child c{id} actor={a}{spec}\n"),
        })
}

fn child() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => worker(),
        1 => (0..3usize, sup_flags(), prop::collection::vec(worker(), 0..3))
            .prop_map(|(i, flags, ws)| format!("supervisor N{i}{flags} {{\n{}}}\n", ws.concat())),
        1 => (0..3usize, actor_name(), select(&["", " strategy=one_for_all"][..]), select(&["", " max-children=10", " partitions=4", " partitions=per-core"][..]))
            .prop_map(|(i, a, strat, extra)| format!("dynamic-supervisor D{i}{strat}{extra} {{\n    template actor={a} restart=transient\n}}\n")),
        1 => (0..3usize).prop_map(|i| format!("registry R{i} keys=duplicate partitions=2\n")),
        1 => (0..3usize).prop_map(|i| format!("task-supervisor T{i} max-children=infinity\n")),
    ]
}

fn supervisor() -> impl Strategy<Value = String> {
    (0..3usize, sup_flags(), prop::collection::vec(child(), 0..6)).prop_map(
        |(i, flags, children)| format!("supervisor S{i}{flags} {{\n{}}}\n", children.concat()),
    )
}

fn well_formed_spec() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(protocol(), 0..4),
        prop::collection::vec(actor(), 0..6),
        prop::collection::vec(supervisor(), 0..3),
        prop::collection::vec((0..2usize, 0..3usize), 0..2),
    )
        .prop_map(|(ps, as_, ss, apps)| {
            let apps: String = apps
                .iter()
                .map(|(a, s)| format!("app App{a} root=S{s}\n"))
                .collect();
            format!("{}{}{}{apps}", ps.concat(), as_.concat(), ss.concat())
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn well_formed_specs_are_accepted_and_analysed(text in well_formed_spec()) {
        let (front_end_ok, sources) = run_everything(&text);
        if !front_end_ok {
            let (_, diagnostics) = parse_all(&sources);
            panic!(
                "the front-end rejected a well-formed spec:\n{text}\n{}",
                render_human(&diagnostics, &sources, &RenderOptions::default())
            );
        }
    }
}
