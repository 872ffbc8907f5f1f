//! A quick, noise-resistant ratio check: runs Arbor and the raw tokio baseline in alternation,
//! several rounds, and keeps each one's best round (shared machines make single runs noisy).
//!
//! `cargo run --release -p arbor-bench --example ratios` (`ARBOR_TIMING=1`: with handler time
//! measured, as while an observer page is open)

use std::time::{Duration, Instant};

use arbor::lineage;
use arbor_bench::{EchoCall, RawEcho, start_echo};
use tokio::runtime::{Builder, Runtime};

const ROUNDS: usize = 15;

fn per_op(d: Duration, ops: u64) -> f64 {
    d.as_nanos() as f64 / ops as f64
}

fn report(rt: &Runtime, flavor: &str, calls: u64, casts: u64) {
    let (actor, raw, front) = rt.block_on(async {
        let back = start_echo(None).await;
        (
            start_echo(None).await,
            RawEcho::start(),
            start_echo(Some(back)).await,
        )
    });
    let (mut arbor_call, mut raw_call, mut arbor_cast, mut raw_cast) =
        (vec![], vec![], vec![], vec![]);
    let (mut tracked, mut untracked) = (vec![], vec![]);
    let (mut nt_call, mut rt_call) = (vec![], vec![]);
    for _ in 0..ROUNDS {
        arbor_call.push(rt.block_on(async {
            let t = Instant::now();
            for n in 0..calls {
                actor.call(|r| EchoCall::Echo(n, r)).await.unwrap();
            }
            t.elapsed()
        }));
        nt_call.push(rt.block_on(async {
            let t = Instant::now();
            for n in 0..calls {
                actor
                    .call_timeout(Duration::MAX, |r| EchoCall::Echo(n, r))
                    .await
                    .unwrap();
            }
            t.elapsed()
        }));
        rt_call.push(rt.block_on(async {
            let t = Instant::now();
            for n in 0..calls {
                raw.call_with_timeout(n).await;
            }
            t.elapsed()
        }));
        raw_call.push(rt.block_on(async {
            let t = Instant::now();
            for n in 0..calls {
                raw.call(n).await;
            }
            t.elapsed()
        }));
        arbor_cast.push(rt.block_on(async {
            let t = Instant::now();
            for n in 0..casts {
                actor.cast(n).await.unwrap();
            }
            actor.call(EchoCall::Sum).await.unwrap();
            t.elapsed()
        }));
        raw_cast.push(rt.block_on(async {
            let t = Instant::now();
            for n in 0..casts {
                raw.cast(n).await;
            }
            raw.sum().await;
            t.elapsed()
        }));
        for (tracking, out) in [(true, &mut tracked), (false, &mut untracked)] {
            lineage::set_call_tracking(tracking);
            out.push(rt.block_on(async {
                let t = Instant::now();
                for n in 0..calls {
                    front
                        .call(|r| EchoCall::Forward(n, r))
                        .await
                        .unwrap()
                        .unwrap();
                }
                t.elapsed()
            }));
        }
        lineage::set_call_tracking(true);
    }
    let min = |v: &Vec<Duration>| *v.iter().min().unwrap();
    let (ac, rc) = (
        per_op(min(&arbor_call), calls),
        per_op(min(&raw_call), calls),
    );
    let (ast, rs) = (
        per_op(min(&arbor_cast), casts),
        per_op(min(&raw_cast), casts),
    );
    let (t, u) = (per_op(min(&tracked), calls), per_op(min(&untracked), calls));
    println!("{flavor}:");
    println!(
        "  call round trip   arbor {ac:8.1} ns   raw {rc:8.1} ns   ratio {:.2}",
        ac / rc
    );
    println!(
        "  call variants     arbor no timer {:8.1} ns   raw + timeout {:8.1} ns",
        per_op(min(&nt_call), calls),
        per_op(min(&rt_call), calls)
    );
    println!(
        "  cast (per msg)    arbor {ast:8.1} ns   raw {rs:8.1} ns   ratio {:.2}",
        ast / rs
    );
    println!(
        "  nested call       tracked {t:8.1} ns   untracked {u:8.1} ns   overhead {:+.1}%",
        (t / u - 1.0) * 100.0
    );
}

fn main() {
    // `ARBOR_TIMING=1`: handler time measured, as while an observer page is open.
    if std::env::var_os("ARBOR_TIMING").is_some() {
        arbor::introspect::set_timing(true);
    }
    let multi = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let current = Builder::new_current_thread().enable_all().build().unwrap();
    report(&current, "current_thread", 20_000, 100_000);
    report(&multi, "multi_thread_2", 5_000, 100_000);
}
