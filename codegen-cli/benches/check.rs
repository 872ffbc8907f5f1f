//! `arbor check` on generated specs of 1 000 and 10 000 actors: reading the
//! KDL text into the model, the analysis alone, and both.
//!
//! The generated system is shaped like a real one: protocols with calls and
//! casts, groups of actors under nested supervisors, a chain of calls inside
//! each group, casts across groups, dynamic supervisors with templates, and
//! start-up calls — every pass has work to do. It checks clean.

use std::fmt::Write;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// A spec with `n` actors (a multiple of 10), in groups of 10.
///
/// Actor `k` of a group serves protocol `Pk`, whose call takes `100·(k+1)` ms,
/// and calls actor `k-1`: each caller waits longer than its callee.
fn generate(n: usize) -> String {
    let mut s = String::new();
    for k in 0..10 {
        let _ = writeln!(
            s,
            "protocol P{k} {{\n    call get reply=\"Option<Vec<u8>>\" timeout=\"{}ms\" {{\n        arg key String\n    }}\n    cast put {{\n        arg key String\n        arg value \"Vec<u8>\"\n    }}\n    info tick\n}}",
            100 * (k + 1)
        );
    }
    for i in 0..n {
        let g = i / 10;
        let k = i % 10;
        let _ = writeln!(
            s,
            "actor A{i} {{\n    serves P{k}\n    state S{i}\n    mailbox capacity=256 overflow=reject"
        );
        // Within a group, each actor calls the one started just before it
        // at run time, and the group's first one at start-up.
        if k > 0 {
            let _ = writeln!(s, "    calls A{}", i - 1);
        }
        if k > 1 {
            let _ = writeln!(s, "    calls A{} during=init", i - k);
        }
        // Casts to the previous group (async: its mailboxes reject).
        if g > 0 {
            let _ = writeln!(s, "    casts A{}", i - 10);
        }
        s.push_str("}\n");
    }
    s.push_str("supervisor Root strategy=one_for_one {\n");
    for g in 0..n / 10 {
        let _ = writeln!(s, "    supervisor G{g} strategy=rest_for_one {{");
        for k in 0..9 {
            let _ = writeln!(
                s,
                "        child c{k} actor=A{} shutdown=\"1s\"",
                g * 10 + k
            );
        }
        let _ = writeln!(
            s,
            "        dynamic-supervisor D{g} max-children=100 {{\n            template actor=A{} restart=transient\n        }}\n    }}",
            g * 10 + 9
        );
    }
    s.push_str("}\napp Bench root=Root\n");
    s
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    // `cargo test` runs benches once as a smoke test (without `--bench`), in
    // a debug build: a small spec keeps that quick.
    let benching = std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if benching { &[1_000, 10_000] } else { &[100] };
    for &n in sizes {
        let text = generate(n);
        eprintln!("{n} actors: {} KiB of KDL", text.len() / 1024);
        let (spec, _) = arbor_codegen::load_str(&[("bench.kdl", &text)]).expect("valid");
        let found = arbor_codegen::check(&spec);
        assert!(
            found.is_empty(),
            "the generated spec should check clean: {found:?}"
        );
        group.bench_with_input(BenchmarkId::new("parse", n), &text, |b, text| {
            b.iter(|| arbor_codegen::load_str(&[("bench.kdl", black_box(text))]))
        });
        group.bench_with_input(BenchmarkId::new("analysis", n), &spec, |b, spec| {
            b.iter(|| arbor_codegen::check(black_box(spec)))
        });
        group.bench_with_input(BenchmarkId::new("parse+analysis", n), &text, |b, text| {
            b.iter(|| {
                let (spec, _) =
                    arbor_codegen::load_str(&[("bench.kdl", black_box(text))]).expect("valid");
                arbor_codegen::check(&spec)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
