//! Code generation: how long generating a 1 000-actor spec takes, and what a generated client
//! stub costs over a raw `ActorRef::call` on the same actor (target: ratio ≤ 1.05).
//!
//! `cargo bench -p arbor-bench --bench codegen`

use std::fmt::Write;
use std::time::Duration;

use arbor_specs::chat::{self, JournalStore, UserId, room, room_server};
use criterion::{Criterion, criterion_group, criterion_main};

/// A spec of `n` actors: each serves its own protocol (two calls, a cast, an info) and calls
/// the next one in chains of 10 (a deeper call chain than real systems have), and 10
/// supervisors start 1/10 of them each.
pub fn big_spec(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let _ = write!(
            s,
            "protocol P{i} {{\n  call get reply=u64 timeout=\"1s\" {{\n    arg key String\n  }}\n  \
             call put reply=\"Result<(), String>\" {{\n    arg key String\n    arg value u64\n  }}\n  \
             cast touch {{\n    arg key String\n  }}\n  info tick\n}}\n\
             actor A{i} {{\n  serves P{i}\n  state S{i}\n"
        );
        if i + 1 < n && (i + 1) % 10 != 0 {
            let _ = writeln!(s, "  calls A{}", i + 1);
        }
        s.push_str("}\n");
    }
    let per = n.div_ceil(10);
    s.push_str("supervisor Root strategy=one_for_one {\n");
    for g in 0..10 {
        let _ = writeln!(s, "  supervisor G{g} strategy=one_for_one {{");
        for i in (g * per)..((g + 1) * per).min(n) {
            let _ = writeln!(s, "    child a{i} actor=A{i}");
        }
        s.push_str("  }\n");
    }
    s.push_str("}\napp Big root=Root\n");
    s
}

fn generation(c: &mut Criterion) {
    let text = big_spec(1000);
    let (spec, _) = arbor_codegen::load_str(&[("big.kdl", &text)]).expect("the spec parses");
    let mut g = c.benchmark_group("codegen/1000 actors");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("parse", |b| {
        b.iter(|| arbor_codegen::load_str(&[("big.kdl", &text)]).expect("parses"))
    });
    g.bench_function("check+emit (tokens)", |b| {
        b.iter(|| arbor_codegen::emit::generate(&spec).expect("generates"))
    });
    g.bench_function("check+emit+format (file)", |b| {
        b.iter(|| arbor_codegen::emit::generate_file(&spec, "big.kdl").expect("generates"))
    });
    g.finish();
}

fn stub_vs_raw(c: &mut Criterion) {
    // One thread: the caller and the actor alternate on it, which keeps the comparison free of
    // cross-core wake-up noise (the machine is shared).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (app, actor) = rt.block_on(async {
        let app = chat::chat::start(chat::config(JournalStore::default()))
            .await
            .expect("the chat starts");
        let lobby = chat::room(&app, "lobby").await.expect("a room");
        lobby
            .join(UserId::from("ada"))
            .await
            .expect("joined")
            .expect("joined");
        let actor = app
            .rooms()
            .whereis::<room_server::RoomServer>(&"lobby".to_string())
            .expect("registered");
        (app, actor)
    });
    // The same actor, through the generated stub (bound to the ActorRef) and raw.
    let stub = room_server::Client::from(actor.clone());
    let mut g = c.benchmark_group("codegen/call");
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("raw ActorRef::call_timeout", |b| {
        b.to_async(&rt).iter(|| async {
            actor
                .call_timeout(room::MEMBERS_TIMEOUT, |reply_to| room::Call::Members {
                    reply_to,
                })
                .await
                .expect("answered")
        })
    });
    g.bench_function("generated client stub", |b| {
        b.to_async(&rt)
            .iter(|| async { stub.members().await.expect("answered") })
    });
    // Through the tree's directory (a registry lookup per call), for reference.
    let via = room_server::Client::new(app.rooms().via::<room_server::RoomServer>("lobby".into()));
    g.bench_function("generated client stub, found by name", |b| {
        b.to_async(&rt)
            .iter(|| async { via.members().await.expect("answered") })
    });
    g.finish();
    rt.block_on(app.shutdown());
}

criterion_group!(benches, generation, stub_vs_raw);
criterion_main!(benches);
