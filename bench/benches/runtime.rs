//! Arbor's actor round trip and cast throughput against a hand-written tokio echo task, on a
//! multi-thread runtime (2 workers) and a current-thread runtime; and the cost of caller-chain
//! tracking on a nested call.
//!
//! `cargo bench -p arbor-bench -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use arbor::lineage;
use arbor_bench::{EchoCall, RawEcho, start_echo};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio::runtime::{Builder, Runtime};

const CASTS: u64 = 1000;

fn runtimes() -> [(&'static str, Runtime); 2] {
    let multi = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("multi-thread runtime");
    let current = Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("current-thread runtime");
    [("multi_thread_2", multi), ("current_thread", current)]
}

fn call_round_trip(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("call_round_trip/{flavor}"));
        group.throughput(Throughput::Elements(1));
        let (actor, raw) = rt.block_on(async { (start_echo(None).await, RawEcho::start()) });
        group.bench_function("arbor", |b| {
            b.to_async(&rt).iter(|| async {
                black_box(
                    actor
                        .call(|r| EchoCall::Echo(black_box(1), r))
                        .await
                        .unwrap(),
                )
            })
        });
        group.bench_function("raw_tokio", |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(raw.call(black_box(1)).await) })
        });
        group.bench_function("raw_tokio_with_timeout", |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(raw.call_with_timeout(black_box(1)).await) })
        });
        group.finish();
    }
}

fn cast_throughput(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("cast_throughput/{flavor}"));
        group.throughput(Throughput::Elements(CASTS));
        let (actor, raw) = rt.block_on(async { (start_echo(None).await, RawEcho::start()) });
        group.bench_function("arbor", |b| {
            b.to_async(&rt).iter(|| async {
                for n in 0..CASTS {
                    actor.cast(black_box(n)).await.unwrap();
                }
                black_box(actor.call(EchoCall::Sum).await.unwrap())
            })
        });
        group.bench_function("raw_tokio", |b| {
            b.to_async(&rt).iter(|| async {
                for n in 0..CASTS {
                    raw.cast(black_box(n)).await;
                }
                black_box(raw.sum().await)
            })
        });
        group.finish();
    }
}

/// A client calls `front`, whose handler calls `back`: the inner call carries the caller
/// chain `[front]` when tracking is on.
fn caller_chain(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("nested_call/{flavor}"));
        group.throughput(Throughput::Elements(1));
        let front = rt.block_on(async {
            let back = start_echo(None).await;
            start_echo(Some(back)).await
        });
        for tracking in [true, false] {
            let name = if tracking {
                "chain_tracking"
            } else {
                "no_tracking"
            };
            group.bench_function(name, |b| {
                lineage::set_call_tracking(tracking);
                b.to_async(&rt).iter(|| async {
                    black_box(
                        front
                            .call(|r| EchoCall::Forward(black_box(1), r))
                            .await
                            .unwrap()
                            .unwrap(),
                    )
                });
                lineage::set_call_tracking(true);
            });
        }
        group.finish();
    }
}

criterion_group!(benches, call_round_trip, cast_throughput, caller_chain);
criterion_main!(benches);
