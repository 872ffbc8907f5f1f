//! Hostile specs: malicious and broken input to the front-end and the analysis.
//!
//! Every case must be rejected with an error diagnostic of the expected code whose label
//! points into the file, without a panic, and the rendered output (human and JSON) must not
//! panic either. The corpus in `tests/hostile/` holds hand-written cases (code injection
//! through type strings and names, keywords and raw identifiers, Unicode lookalikes and
//! invisible characters, smuggled values); the generated cases here are the large ones: deep
//! nesting (10 000 levels), files of several MB, invalid UTF-8, and call cycles of every
//! length from 1 to 50.
//!
//! `mutations_of_the_example_specs_never_panic` is the CI half of the front-end fuzzing:
//! byte flips, truncations, splices and duplications of the valid specs in `specs/`.
//! `PROPTEST_CASES` sets its number of cases (256 by default). The cargo-fuzz target in
//! `fuzz/` (run by `scripts/fuzz.sh`) is the long half.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use arbor_codegen::diagnostics::{self, Diagnostic, RenderOptions};
use arbor_codegen::{SourceMap, Spec};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// What the tool says about one input.
struct Outcome {
    diagnostics: Vec<Diagnostic>,
    sources: SourceMap,
    spec: Option<Spec>,
}

impl Outcome {
    fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    fn rendered(&self) -> String {
        diagnostics::render_human(&self.diagnostics, &self.sources, &RenderOptions::default())
    }
}

/// Reads and checks `files` as `arbor check` would, catching any panic.
fn run(files: &[(&str, &[u8])]) -> Result<Outcome, String> {
    catch_unwind(AssertUnwindSafe(|| {
        let outcome = match arbor_codegen::load_bytes(files) {
            Ok((spec, sources)) => Outcome {
                diagnostics: arbor_codegen::check(&spec),
                sources,
                spec: Some(spec),
            },
            Err(f) => Outcome {
                diagnostics: f.diagnostics,
                sources: f.sources,
                spec: None,
            },
        };
        // Rendering must survive whatever the spans say.
        let _ = outcome.rendered();
        let _ = diagnostics::render_json(&outcome.diagnostics, &outcome.sources);
        outcome
    }))
    .map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("panicked: {msg}")
    })
}

/// Every label of every diagnostic lies inside its file.
fn spans_in_bounds(outcome: &Outcome) -> Result<(), String> {
    for d in &outcome.diagnostics {
        for label in &d.labels {
            let file = outcome
                .sources
                .get(label.span.source)
                .ok_or_else(|| format!("{}: a label in no file", d.code))?;
            let len = file.text().len();
            if label.span.start > len || label.span.end() > len {
                return Err(format!(
                    "{}: label {}..{} outside the file ({len} bytes)",
                    d.code,
                    label.span.start,
                    label.span.end()
                ));
            }
            if outcome.sources.location(label.span).is_none() {
                return Err(format!("{}: label without a location", d.code));
            }
        }
    }
    Ok(())
}

/// The input is rejected: an error with `code` whose primary label is in the file (and, if
/// given, covers text containing `at`).
fn assert_rejected(name: &str, outcome: &Outcome, code: &str, at: Option<&str>) {
    let rendered = outcome.rendered();
    assert!(
        outcome.errors().next().is_some(),
        "{name}: accepted without an error:\n{rendered}"
    );
    let Some(d) = outcome.errors().find(|d| d.code == code) else {
        panic!("{name}: no {code} error:\n{rendered}");
    };
    let span = d
        .span()
        .unwrap_or_else(|| panic!("{name}: the {code} error has no span:\n{rendered}"));
    if let Err(e) = spans_in_bounds(outcome) {
        panic!("{name}: {e}\n{rendered}");
    }
    if let Some(at) = at {
        let snippet = outcome.sources.snippet(span).unwrap_or_default();
        assert!(
            snippet.contains(at),
            "{name}: the {code} label covers {snippet:?}, not {at:?}:\n{rendered}"
        );
    }
    assert_not_generated(name, outcome, code);
    REJECTED.fetch_add(1, Ordering::Relaxed);
}

/// Never emitted as code: a spec the front-end refused never reaches the generator (there
/// is no spec), and the generator refuses one the analysis rejects, with the same error.
fn assert_not_generated(name: &str, outcome: &Outcome, code: &str) {
    let Some(spec) = &outcome.spec else {
        return;
    };
    match catch_unwind(AssertUnwindSafe(|| {
        arbor_codegen::emit::generate_file(spec, "hostile.kdl")
    })) {
        Err(_) => panic!("{name}: the generator panicked"),
        Ok(Ok(text)) => panic!("{name}: the generator emitted {} bytes of code", text.len()),
        Ok(Err(e)) => assert!(
            e.diagnostics.iter().any(|d| d.is_error() && d.code == code),
            "{name}: the generator refused, but without {code}: {e}"
        ),
    }
    REFUSED_BY_GENERATOR.fetch_add(1, Ordering::Relaxed);
}

static REFUSED_BY_GENERATOR: AtomicU64 = AtomicU64::new(0);

static REJECTED: AtomicU64 = AtomicU64::new(0);

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

/// `// expect: CODE` on the first line of a corpus file.
fn expected_code(bytes: &[u8]) -> String {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    first
        .strip_prefix("// expect: ")
        .unwrap_or_else(|| panic!("corpus file without `// expect: CODE`: {first}"))
        .trim()
        .to_owned()
}

#[test]
fn the_hostile_corpus_is_rejected() {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kdl"))
        .collect();
    entries.sort();
    assert!(entries.len() >= 40, "the corpus is missing files");
    let mut failures = Vec::new();
    let refused_before = REFUSED_BY_GENERATOR.load(Ordering::Relaxed);
    for path in &entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        let code = expected_code(&bytes);
        let checked = catch_unwind(AssertUnwindSafe(|| {
            let outcome = run(&[(&name, &bytes)]).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_rejected(&name, &outcome, &code, None);
        }));
        if let Err(p) = checked {
            failures.push(
                p.downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| format!("{name}: failed")),
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    println!(
        "hostile corpus: {} files rejected ({} reached the generator, which refused them)",
        entries.len(),
        REFUSED_BY_GENERATOR.load(Ordering::Relaxed) - refused_before
    );
}

// ---- generated cases ------------------------------------------------------------------------

#[test]
fn nesting_ten_thousand_levels_deep_is_refused() {
    let depth = 10_000;
    let mut text = String::from("actor A ");
    text.push_str(&"{ x ".repeat(depth));
    text.push_str(&"}".repeat(depth));
    let outcome = run(&[("deep.kdl", text.as_bytes())]).unwrap();
    assert_rejected("deep blocks", &outcome, "arbor::syntax", Some("{"));

    // Unbalanced: opened and never closed.
    let text = "supervisor S {\n".repeat(depth);
    let outcome = run(&[("open.kdl", text.as_bytes())]).unwrap();
    assert_rejected("unclosed blocks", &outcome, "arbor::syntax", None);

    // Deep generics inside a type string, and deep brackets inside a name.
    let ty = format!("{}u8{}", "Vec<".repeat(depth), ">".repeat(depth));
    let text = format!("actor A {{\n    state \"{ty}\"\n}}\n");
    let outcome = run(&[("deep_type.kdl", text.as_bytes())]).unwrap();
    assert_rejected("deep type", &outcome, "arbor::invalid_type", Some("Vec<"));
    let name = format!("{}A{}", "(".repeat(depth), ")".repeat(depth));
    let text = format!("actor \"{name}\" {{\n}}\n");
    let outcome = run(&[("deep_name.kdl", text.as_bytes())]).unwrap();
    assert_rejected(
        "deep name",
        &outcome,
        "arbor::invalid_identifier",
        Some("(("),
    );
    // Deep nesting written as KDL type annotations and children of one property value.
    let text = format!("actor A {}\n", "{ state S ".repeat(depth));
    let outcome = run(&[("deep_open.kdl", text.as_bytes())]).unwrap();
    assert_rejected("deep open", &outcome, "arbor::syntax", None);
}

/// A valid spec of about `bytes` bytes: protocols and actors in a chain of casts.
fn big_spec(bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + 1024);
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&format!(
            "protocol P{i} {{\n    call get{i} reply=\"Vec<u8>\" timeout=\"1s\" {{\n        arg key String\n    }}\n    cast put{i} {{\n        arg value \"Option<u64>\"\n    }}\n}}\n\
             actor A{i} {{\n    serves P{i}\n    state \"std::collections::HashMap<String, u64>\"\n    casts A{}\n}}\n",
            i + 1
        ));
        i += 1;
    }
    text.push_str(&format!(
        "protocol P{i} {{\n}}\nactor A{i} {{\n    serves P{i}\n    state S\n}}\n"
    ));
    text
}

#[test]
fn files_of_several_megabytes_are_read_and_their_errors_found() {
    // Several MB of valid spec (`ARBOR_HOSTILE_MB`, 1 by default: a debug build reads
    // about 0.1 MB/s) with one injection at the very end.
    let mb: usize = std::env::var("ARBOR_HOSTILE_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut text = big_spec(mb << 20);
    let len = text.len();
    text.push_str("actor Evil {\n    state \"u8> ; fn evil() {} <\"\n}\n");
    let start = std::time::Instant::now();
    let outcome = run(&[("huge.kdl", text.as_bytes())]).unwrap();
    let took = start.elapsed();
    assert_rejected(
        "huge file",
        &outcome,
        "arbor::invalid_type",
        Some("fn evil"),
    );
    let d = outcome
        .errors()
        .find(|d| d.code == "arbor::invalid_type")
        .unwrap();
    assert!(
        d.span().unwrap().start > len,
        "the error is at the end of the file"
    );
    println!(
        "huge file: {} MB read and rejected in {took:?}",
        text.len() >> 20
    );

    // One string of 2 MB, one line of 2 MB of garbage, one name of 1 MB.
    let ty = "u8,".repeat(700_000);
    let text = format!("actor A {{\n    state \"({ty})\"\n}}\n");
    let outcome = run(&[("long_type.kdl", text.as_bytes())]).unwrap();
    // Refused before the KDL parser sees it: a top-level node of more than 64 KB.
    assert_rejected("long type", &outcome, "arbor::syntax", Some("a"));
    let text = "}{)(\"\\".repeat(400_000);
    let outcome = run(&[("garbage.kdl", text.as_bytes())]).unwrap();
    assert_rejected("garbage", &outcome, "arbor::syntax", None);
    let text = format!("actor {} {{\n}}\n", "a".repeat(1 << 20));
    // A long name is a valid identifier: accepted (rustc takes it too); no panic.
    let outcome = run(&[("long_name.kdl", text.as_bytes())]).unwrap();
    spans_in_bounds(&outcome).unwrap();
}

#[test]
fn invalid_utf8_is_reported_at_the_first_bad_byte() {
    let cases: &[(&str, &[u8])] = &[
        ("lone continuation", b"\x80"),
        ("truncated sequence", b"\xe2\x82"),
        ("overlong slash", b"\xc0\xaf"),
        ("surrogate", b"\xed\xa0\x80"),
        ("byte ff", b"\xff"),
        ("above U+10FFFF", b"\xf4\x90\x80\x80"),
    ];
    for (what, bad) in cases {
        for prefix in [
            "",
            "actor A {\n    state ",
            "protocol P {\n    call get reply=\"",
        ] {
            let mut bytes = prefix.as_bytes().to_vec();
            let at = bytes.len();
            bytes.extend_from_slice(bad);
            bytes.extend_from_slice(b"\n}\n");
            let outcome = run(&[("bad.kdl", &bytes)]).unwrap();
            let name = format!("{what} after {prefix:?}");
            assert_rejected(&name, &outcome, "arbor::syntax", None);
            let d = outcome
                .errors()
                .find(|d| d.message.contains("UTF-8"))
                .unwrap_or_else(|| panic!("{name}: no UTF-8 error"));
            assert_eq!(d.span().unwrap().start, at, "{name}");
        }
    }
}

/// Actors `A0 … A(n-1)`, each calling the next, the last calling the first.
fn ring(n: usize, casts: bool) -> String {
    let mut text = String::new();
    for i in 0..n {
        let next = (i + 1) % n;
        let edge = if casts { "casts" } else { "calls" };
        text.push_str(&format!(
            "protocol P{i} {{\n    call get\n    cast put\n}}\nactor A{i} {{\n    serves P{i}\n    state S\n    {edge} A{next}\n}}\n"
        ));
    }
    text
}

#[test]
fn call_cycles_of_every_length_from_1_to_50_are_errors() {
    for n in 1..=50 {
        for casts in [false, true] {
            let text = ring(n, casts);
            let outcome = run(&[("ring.kdl", text.as_bytes())]).unwrap();
            let name = format!(
                "ring of {n} ({})",
                if casts { "blocking casts" } else { "calls" }
            );
            assert_rejected(&name, &outcome, "arbor::call_cycle", None);
            let cycle = outcome
                .errors()
                .find(|d| d.code == "arbor::call_cycle")
                .unwrap();
            // Every actor of the ring is named, and every edge has a label.
            for i in 0..n {
                assert!(
                    cycle.message.contains(&format!("A{i}")),
                    "{name}: A{i} missing from {:?}",
                    cycle.message
                );
            }
            assert_eq!(cycle.labels.len(), n, "{name}: one label per edge");
            assert!(
                outcome.spec.is_some(),
                "{name}: the cycle is an analysis error, not a reading error"
            );
        }
    }
}

// ---- mutations of the example specs (the CI fuzz) ----------------------------------------------

fn example_specs() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let mut specs: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kdl"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    specs.sort();
    assert!(!specs.is_empty());
    specs
}

#[derive(Clone, Debug)]
enum Mutation {
    /// XOR a byte with a mask.
    Flip { at: usize, mask: u8 },
    /// Keep only the first part.
    Truncate { at: usize },
    /// Insert a slice of another spec.
    Splice {
        at: usize,
        from: usize,
        start: usize,
        len: usize,
    },
    /// Remove a range.
    Delete { at: usize, len: usize },
    /// Repeat a range.
    Duplicate { at: usize, len: usize },
    /// Insert a byte sequence that is often special.
    Insert { at: usize, what: usize },
}

const SPECIALS: &[&[u8]] = &[
    b"{",
    b"}",
    b"\"",
    b"\\",
    b"\n",
    b"(",
    b")",
    b"=",
    b";",
    b"#",
    b"/*",
    b"*/",
    b"//",
    b"r#\"",
    b"\"#",
    b"\xff",
    b"\xe2\x80\xae",
    b"\0",
    b"#true",
    b"-1",
    b"1e999",
    b"infinity",
    b"\"0ms\"",
    b" calls A ",
    b"significant=#true",
    b"\xc3",
    b"\t",
    b"\r",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let pos = any::<usize>();
    prop_oneof![
        4 => (pos, 1u8..=255).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        1 => pos.prop_map(|at| Mutation::Truncate { at }),
        2 => (pos, any::<usize>(), any::<usize>(), 1usize..200)
            .prop_map(|(at, from, start, len)| Mutation::Splice { at, from, start, len }),
        2 => (pos, 1usize..100).prop_map(|(at, len)| Mutation::Delete { at, len }),
        1 => (pos, 1usize..100).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        3 => (pos, any::<usize>()).prop_map(|(at, what)| Mutation::Insert { at, what }),
    ]
}

fn mutate(mut bytes: Vec<u8>, m: &Mutation, specs: &[(String, Vec<u8>)]) -> Vec<u8> {
    let n = bytes.len().max(1);
    match *m {
        Mutation::Flip { at, mask } => {
            if !bytes.is_empty() {
                bytes[at % n] ^= mask;
            }
        }
        Mutation::Truncate { at } => bytes.truncate(at % n),
        Mutation::Splice {
            at,
            from,
            start,
            len,
        } => {
            let other = &specs[from % specs.len()].1;
            let start = start % other.len().max(1);
            let end = (start + len).min(other.len());
            let piece = other[start..end].to_vec();
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, piece);
        }
        Mutation::Delete { at, len } => {
            let at = at % n;
            let end = (at + len).min(bytes.len());
            if at < end {
                bytes.drain(at..end);
            }
        }
        Mutation::Duplicate { at, len } => {
            let at = at % n;
            let end = (at + len).min(bytes.len());
            if at < end {
                let piece = bytes[at..end].to_vec();
                bytes.splice(end..end, piece);
            }
        }
        Mutation::Insert { at, what } => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, SPECIALS[what % SPECIALS.len()].iter().copied());
        }
    }
    bytes
}

#[test]
fn mutations_of_the_example_specs_never_panic() {
    let specs = example_specs();
    let mut config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 256;
    }
    let rejected = AtomicU64::new(0);
    let accepted = AtomicU64::new(0);
    let generated_ok = AtomicU64::new(0);
    let mut runner = TestRunner::new(config);
    let strategy = (0..specs.len(), prop::collection::vec(mutation(), 1..8));
    let result = runner.run(&strategy, |(which, mutations)| {
        let (name, original) = &specs[which];
        let mut bytes = original.clone();
        for m in &mutations {
            bytes = mutate(bytes, m, &specs);
        }
        let outcome = run(&[(name.as_str(), &bytes)]).map_err(TestCaseError::fail)?;
        spans_in_bounds(&outcome).map_err(TestCaseError::fail)?;
        let errors: Vec<&Diagnostic> = outcome.errors().collect();
        if errors.is_empty() {
            accepted.fetch_add(1, Ordering::Relaxed);
            // A mutant that is still a valid spec: the generated code must parse as Rust.
            let spec = outcome.spec.as_ref().expect("no errors: a spec");
            let generated = catch_unwind(AssertUnwindSafe(|| {
                arbor_codegen::emit::generate_file(spec, name)
            }))
            .map_err(|_| TestCaseError::fail("the generator panicked"))?;
            if let Ok(text) = generated {
                syn::parse_file(&text).map_err(|e| {
                    TestCaseError::fail(format!("generated code does not parse: {e}"))
                })?;
                generated_ok.fetch_add(1, Ordering::Relaxed);
            }
        } else {
            rejected.fetch_add(1, Ordering::Relaxed);
            // Every error says where.
            if let Some(d) = errors.iter().find(|d| d.span().is_none()) {
                return Err(TestCaseError::fail(format!(
                    "{}: an error without a span",
                    d.code
                )));
            }
        }
        Ok(())
    });
    println!(
        "spec mutations: {} rejected with located errors, {} still valid ({} generated code \
         that parses), 0 panics",
        rejected.load(Ordering::Relaxed),
        accepted.load(Ordering::Relaxed),
        generated_ok.load(Ordering::Relaxed)
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
