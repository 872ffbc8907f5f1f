//! Supervision benchmarks: starting many children under a dynamic supervisor (time and
//! memory per idle child) against raw tokio tasks with bounded channels, and restart latency
//! (a panic in a supervised child until its restarted incarnation answers a call).
//!
//! Memory is the resident set size growth (from `/proc/self/statm`) divided by the number of
//! children, each workload measured in a fresh process (memory an earlier workload freed would
//! hide the next one's growth), printed before the timed benchmarks. Under
//! `cargo test --benches` everything runs once with small counts.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use arbor::prelude::*;
use arbor::supervisor::{ChildSpec, DynamicSupervisorSpec, Strategy, SupervisorSpec};
use criterion::{Criterion, criterion_group, criterion_main};

/// An idle actor with the default mailbox.
struct Idle;

impl Actor for Idle {
    type Args = ();
    type Call = Infallible;
    type Cast = Infallible;
    type Info = Infallible;
    type Continue = Infallible;

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Idle)
    }
}

/// A child that answers pings and panics on request.
struct Pinger;

enum PingerCall {
    Ping(ReplyTo<()>),
}

impl Actor for Pinger {
    type Args = ();
    type Call = PingerCall;
    type Cast = ();
    type Info = Infallible;
    type Continue = Infallible;

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Pinger)
    }

    async fn handle_call(&mut self, msg: PingerCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        let PingerCall::Ping(reply) = msg;
        let _ = reply.send(());
        Handled::Continue
    }

    async fn handle_cast(&mut self, _: (), _ctx: &mut Context<Self>) -> Handled<Self> {
        panic!("crash requested");
    }
}

fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Resident set size in bytes.
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Starts `n` idle children under a dynamic supervisor; returns (time per child, bytes per
/// child).
fn dynamic_children(rt: &tokio::runtime::Runtime, n: usize) -> (Duration, usize) {
    rt.block_on(async {
        let sup = DynamicSupervisorSpec::new().start().await.unwrap();
        let spec = ChildSpec::actor::<Idle>("idle", ());
        let before = rss();
        let start = Instant::now();
        for _ in 0..n {
            sup.start_child(spec.clone()).await.unwrap();
        }
        let elapsed = start.elapsed();
        let grown = rss().saturating_sub(before);
        sup.shutdown().await;
        (elapsed / n as u32, grown / n)
    })
}

/// Spawns `n` idle actors with no supervisor (the core's own cost); returns (time per actor,
/// bytes per actor).
fn plain_actors(rt: &tokio::runtime::Runtime, n: usize) -> (Duration, usize) {
    rt.block_on(async {
        let before = rss();
        let start = Instant::now();
        let mut actors = Vec::with_capacity(n);
        for _ in 0..n {
            actors.push(Idle::spawn(()).await.unwrap().running().unwrap());
        }
        let elapsed = start.elapsed();
        let grown = rss().saturating_sub(before);
        for actor in &actors {
            actor.cell().kill();
        }
        (elapsed / n as u32, grown / n)
    })
}

/// Spawns `n` raw tokio tasks, each waiting on its own bounded channel (capacity 1024, the
/// default mailbox's); returns (time per task, bytes per task).
fn raw_tasks(rt: &tokio::runtime::Runtime, n: usize) -> (Duration, usize) {
    rt.block_on(async {
        let before = rss();
        let start = Instant::now();
        let mut senders = Vec::with_capacity(n);
        for _ in 0..n {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(1024);
            tokio::spawn(async move { while rx.recv().await.is_some() {} });
            senders.push(tx);
        }
        // Let every task run once and park on its channel.
        tokio::task::yield_now().await;
        let elapsed = start.elapsed();
        let grown = rss().saturating_sub(before);
        drop(senders);
        (elapsed / n as u32, grown / n)
    })
}

/// Crashes the supervised child `samples` times; the time from the panic request to the new
/// incarnation's answer, per sample.
fn restart_latencies(rt: &tokio::runtime::Runtime, samples: usize) -> Vec<Duration> {
    rt.block_on(async {
        let sup = SupervisorSpec::new(Strategy::OneForOne)
            .intensity(u32::MAX, Duration::from_secs(1))
            .child(ChildSpec::actor::<Pinger>("pinger", ()))
            .start()
            .await
            .unwrap();
        let pinger = sup.child_ref::<ActorRef<Pinger>>("pinger");
        let mut latencies = Vec::with_capacity(samples);
        for _ in 0..samples {
            let old = pinger.get().unwrap();
            let start = Instant::now();
            old.cast(()).await.unwrap();
            let fresh = pinger.wait_restart(&old).await.unwrap();
            fresh.call(PingerCall::Ping).await.unwrap();
            latencies.push(start.elapsed());
        }
        sup.shutdown().await;
        latencies
    })
}

/// Set in a child process that measures one workload's memory (see [`measured`]).
const MEMORY_CHILD: &str = "ARBOR_BENCH_MEMORY";

fn workload(name: &str) -> fn(&tokio::runtime::Runtime, usize) -> (Duration, usize) {
    match name {
        "dynamic" => dynamic_children,
        "plain" => plain_actors,
        _ => raw_tasks,
    }
}

/// Runs one memory workload in a fresh process of this benchmark, so that memory freed by
/// an earlier workload (and kept by the allocator) does not hide the next one's growth.
/// Falls back to measuring in this process if the child cannot run.
fn measured(rt: &tokio::runtime::Runtime, name: &str, n: usize) -> (Duration, usize) {
    let child = std::env::current_exe().and_then(|exe| {
        std::process::Command::new(exe)
            .env(MEMORY_CHILD, format!("{name} {n}"))
            .output()
    });
    let parsed = child.ok().and_then(|out| {
        let text = String::from_utf8(out.stdout).ok()?;
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("memory-result "))?;
        let mut parts = line.split_whitespace().map(|p| p.parse::<u64>().ok());
        let (nanos, bytes) = (parts.next()??, parts.next()??);
        Some((Duration::from_nanos(nanos), bytes as usize))
    });
    parsed.unwrap_or_else(|| workload(name)(rt, n))
}

/// In a child started by [`measured`]: runs the workload, prints its result and exits.
fn memory_child() {
    let Ok(job) = std::env::var(MEMORY_CHILD) else {
        return;
    };
    let mut parts = job.split_whitespace();
    let (name, n) = (parts.next().unwrap_or(""), parts.next().unwrap_or("0"));
    let (time, bytes) = workload(name)(&runtime(), n.parse().unwrap_or(0));
    println!("memory-result {} {bytes}", time.as_nanos());
    std::process::exit(0);
}

fn report() {
    memory_child();
    // Crashes are the point here: keep their panic messages off the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let rt = runtime();
    let n = if full_run() { 100_000 } else { 1_000 };
    // Memory in fresh processes, first (running child processes slows this one down for a
    // while: restart latencies measured after them doubled); then times in this process,
    // which also leaves it in the state the restart latency has always been measured in (a
    // heap that 300 000 actors and tasks came and went through).
    let (_, arbor_bytes) = measured(&rt, "dynamic", n);
    let (_, plain_bytes) = measured(&rt, "plain", n);
    let (_, raw_bytes) = measured(&rt, "raw", n);
    let (arbor_time, _) = dynamic_children(&rt, n);
    let (plain_time, _) = plain_actors(&rt, n);
    let (raw_time, _) = raw_tasks(&rt, n);
    println!(
        "supervision/memory: {n} idle children under a DynamicSupervisor: {arbor_time:?} and {arbor_bytes} B each"
    );
    println!(
        "supervision/memory: {n} idle actors without a supervisor: {plain_time:?} and {plain_bytes} B each"
    );
    println!(
        "supervision/memory: {n} raw tokio tasks + bounded mpsc(1024): {raw_time:?} and {raw_bytes} B each"
    );
    let mut latencies = restart_latencies(&rt, if full_run() { 10_000 } else { 10 });
    latencies.sort();
    let median = latencies[latencies.len() / 2];
    let p99 = latencies[latencies.len() * 99 / 100];
    println!(
        "supervision/restart: panic -> restarted child answers a call: median {median:?}, p99 {p99:?} ({} samples)",
        latencies.len()
    );
}

fn benches(c: &mut Criterion) {
    report();
    let rt = runtime();
    let mut group = c.benchmark_group("supervision");
    group.bench_function("dynamic_start_child", |b| {
        b.iter_custom(|iters| {
            let (per, _) = dynamic_children(&rt, iters as usize);
            per * iters as u32
        })
    });
    group.bench_function("raw_spawn_bounded_channel", |b| {
        b.iter_custom(|iters| {
            let (per, _) = raw_tasks(&rt, iters as usize);
            per * iters as u32
        })
    });
    group.bench_function("restart_latency", |b| {
        b.iter_custom(|iters| restart_latencies(&rt, iters as usize).into_iter().sum())
    });
    group.finish();
}

criterion_group! {
    name = supervision;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = benches
}
criterion_main!(supervision);
