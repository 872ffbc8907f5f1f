//! Arbor against raw tokio, kameo, ractor and actix: the same workloads, both runtime
//! flavours (actix on current-thread only). Run by `scripts/bench.sh`, which also writes
//! `docs/benchmarks.md` from the results.
//!
//! `cargo test -p arbor-bench --benches` runs each benchmark once, with small sizes, as a
//! smoke test; nothing is timed there.

use std::future::Future;
use std::time::Duration;

use arbor_bench::actix::Actix;
use arbor_bench::arbor::{Arbor, ArborUntracked};
use arbor_bench::kameo::Kameo;
use arbor_bench::ractor::Ractor;
use arbor_bench::raw_tokio::RawTokio;
use arbor_bench::{Flavor, Framework, measuring, workloads};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use criterion::{criterion_group, criterion_main};

/// A workload, run for any framework.
trait Workload: Copy {
    fn run<F: Framework>(self, iters: u64) -> impl Future<Output = Duration> + Send + 'static;
}

#[derive(Clone, Copy)]
struct Call;
impl Workload for Call {
    fn run<F: Framework>(self, iters: u64) -> impl Future<Output = Duration> + Send + 'static {
        workloads::call::<F>(iters)
    }
}

#[derive(Clone, Copy)]
struct Cast(u64);
impl Workload for Cast {
    fn run<F: Framework>(self, iters: u64) -> impl Future<Output = Duration> + Send + 'static {
        workloads::cast::<F>(self.0, iters)
    }
}

#[derive(Clone, Copy)]
struct FanOut;
impl Workload for FanOut {
    fn run<F: Framework>(self, iters: u64) -> impl Future<Output = Duration> + Send + 'static {
        workloads::fan_out::<F>(iters)
    }
}

#[derive(Clone, Copy)]
struct Spawn(u64);
impl Workload for Spawn {
    fn run<F: Framework>(self, iters: u64) -> impl Future<Output = Duration> + Send + 'static {
        workloads::spawn::<F>(self.0 as usize, iters)
    }
}

#[derive(Clone, Copy)]
struct Chain;
impl Workload for Chain {
    fn run<F: Framework>(self, iters: u64) -> impl Future<Output = Duration> + Send + 'static {
        workloads::chain::<F>(iters)
    }
}

/// Benchmarks `w` for `F` on each of its flavours.
fn framework<F: Framework, W: Workload>(group: &mut BenchmarkGroup<'_, WallTime>, w: W) {
    for &flavor in F::FLAVORS {
        let rt = F::runtime(flavor);
        group.bench_function(BenchmarkId::new(F::NAME, flavor.id()), |b| {
            b.iter_custom(|iters| rt.run(w.run::<F>(iters)))
        });
    }
}

/// Benchmarks `w` for every framework. `elements` is how many operations one iteration is.
fn every_framework<'c, W: Workload>(
    c: &'c mut Criterion,
    name: &str,
    elements: u64,
    w: W,
) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(elements));
    if elements > 1 {
        // One iteration is a whole batch: few, equal samples.
        group.sampling_mode(SamplingMode::Flat).sample_size(10);
    }
    framework::<RawTokio, W>(&mut group, w);
    framework::<Arbor, W>(&mut group, w);
    framework::<Kameo, W>(&mut group, w);
    framework::<Ractor, W>(&mut group, w);
    framework::<Actix, W>(&mut group, w);
    group
}

fn call(c: &mut Criterion) {
    every_framework(c, "peers_call", 1, Call).finish();
}

fn cast(c: &mut Criterion) {
    every_framework(c, "peers_cast_1p", 1, Cast(1)).finish();
    every_framework(c, "peers_cast_4p", 1, Cast(4)).finish();
}

fn fan_out(c: &mut Criterion) {
    every_framework(c, "peers_fan_out", 1, FanOut).finish();
}

fn spawn(c: &mut Criterion) {
    // Smoke test (`cargo test --benches`): small batches, same code paths.
    let scale = if measuring() { 1 } else { 100 };
    every_framework(c, "peers_spawn_10k", 10_000 / scale, Spawn(10_000 / scale)).finish();
    every_framework(
        c,
        "peers_spawn_100k",
        100_000 / scale,
        Spawn(100_000 / scale),
    )
    .finish();
}

fn chain(c: &mut Criterion) {
    let mut group = every_framework(c, "peers_chain", 1, Chain);
    // The same chain with Arbor's caller-chain tracking off: the cost of tracking.
    arbor::lineage::set_call_tracking(false);
    framework::<ArborUntracked, Chain>(&mut group, Chain);
    arbor::lineage::set_call_tracking(true);
    group.finish();
}

fn restart(c: &mut Criterion) {
    // Each iteration panics an actor on purpose: keep the default hook from printing them.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut group = c.benchmark_group("peers_restart");
    group.throughput(Throughput::Elements(1));
    for &flavor in Flavor::ALL {
        let rt = Kameo::runtime(flavor);
        group.bench_function(BenchmarkId::new(Kameo::NAME, flavor.id()), |b| {
            b.iter_custom(|iters| rt.run(arbor_bench::kameo::restart(iters)))
        });
        let rt = Ractor::runtime(flavor);
        group.bench_function(BenchmarkId::new(Ractor::NAME, flavor.id()), |b| {
            b.iter_custom(|iters| rt.run(arbor_bench::ractor::restart(iters)))
        });
        let rt = Arbor::runtime(flavor);
        group.bench_function(BenchmarkId::new(Arbor::NAME, flavor.id()), |b| {
            b.iter_custom(|iters| rt.run(arbor_bench::arbor::restart(iters)))
        });
        // actix has no figure: it does not restart on a panic.
    }
    group.finish();
    std::panic::set_hook(hook);
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .sample_size(20)
        .without_plots()
        .configure_from_args()
}

criterion_group! {
    name = peers;
    config = config();
    targets = call, cast, fan_out, chain, restart, spawn
}
criterion_main!(peers);
