//! Arbor across nodes on NATS against raw `async-nats`, same server, same payload, same run:
//!
//! - `cluster_call`: a remote call round-trip (`wire::call_remote` through a [`Node`] to an
//!   exported actor on another connection, which answers through its local client) against a
//!   raw `request` answered by a raw subscriber with the same payload;
//! - `cluster_cast`: remote casts (`wire::cast_remote`, handled by the actor) against raw
//!   `publish`es counted by a raw subscriber; each iteration ends once the receiver has
//!   handled every message (a call ordered after them).
//!
//! With `--bench`, also rounds that alternate raw and Arbor ([`interleaved`]): medians of the
//! elapsed time and of this process's CPU time per operation.
//!
//! Needs `nats-server` (scripts/nats.sh installs it); without it, skipped with a message.
//! `cargo test -p arbor-bench --benches` runs each benchmark once, as a smoke test.

use std::time::{Duration, Instant};

use arbor_bench::process_cpu;
use arbor_cluster::testing::probe::{self, PROTOCOL};
use arbor_cluster::testing::{NatsServer, installed_nats_server};
use arbor_cluster::{Node, NodeOptions, wire};
use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;

/// Everything the benchmarks need, started once.
struct Setup {
    runtime: tokio::runtime::Runtime,
    _server: NatsServer,
    caller: Node,
    _serving: Node,
    _export: arbor_cluster::Export,
    raw: async_nats::Client,
    _raw_task: tokio::task::JoinHandle<()>,
}

const TIMEOUT: Duration = Duration::from_secs(10);

fn setup() -> Option<Setup> {
    if installed_nats_server().is_none() {
        eprintln!("cluster benchmarks skipped: no nats-server (run scripts/nats.sh to install it)");
        return None;
    }
    let server = match NatsServer::start() {
        Ok(server) => server,
        Err(e) => {
            eprintln!("cluster benchmarks skipped: {e}");
            return None;
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let url = server.url().to_string();
    let (caller, serving, export, raw, raw_task) = runtime.block_on(async {
        let serving = Node::connect(NodeOptions::new("bench", "serving", url.clone()))
            .await
            .expect("connect");
        let (_actor, export) = probe::export_probe(&serving, "A").await.expect("export");
        let caller = Node::connect(NodeOptions::new("bench", "caller", url.clone()))
            .await
            .expect("connect");
        // Raw: a responder that echoes `raw.echo` and counts `raw.sink`, answering the count
        // on `raw.flush` (one subscription, so in the order sent).
        let responder = async_nats::connect(url.clone()).await.expect("connect");
        let mut requests = responder.subscribe("raw.>").await.expect("subscribe");
        responder.flush().await.expect("flush");
        let raw_task = tokio::spawn(async move {
            let mut count = 0u64;
            while let Some(message) = requests.next().await {
                match message.subject.as_str() {
                    "raw.sink" => count += 1,
                    "raw.flush" => {
                        if let Some(reply) = message.reply {
                            let _ = responder
                                .publish(reply, Bytes::from(count.to_le_bytes().to_vec()))
                                .await;
                        }
                    }
                    _ => {
                        if let Some(reply) = message.reply {
                            let _ = responder.publish(reply, message.payload).await;
                        }
                    }
                }
            }
        });
        let raw = async_nats::connect(url).await.expect("connect");
        (caller, serving, export, raw, raw_task)
    });
    Some(Setup {
        runtime,
        _server: server,
        caller,
        _serving: serving,
        _export: export,
        raw,
        _raw_task: raw_task,
    })
}

fn benches(c: &mut Criterion) {
    let Some(setup) = setup() else { return };
    let target = setup.caller.remote::<probe::Probe>("A");
    // The same bytes on both sides: the encoded arguments of `echo(12345)`.
    let payload = Bytes::from(wire::encode(&(12345u64,)).unwrap());

    let mut group = c.benchmark_group("cluster_call");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .throughput(Throughput::Elements(1));
    group.bench_function("raw async-nats request", |b| {
        b.iter_custom(|iters| {
            let raw = setup.raw.clone();
            let payload = payload.clone();
            setup.runtime.block_on(async move {
                let started = Instant::now();
                for _ in 0..iters {
                    let reply = raw.request("raw.echo", payload.clone()).await.unwrap();
                    assert_eq!(reply.payload.len(), payload.len());
                }
                started.elapsed()
            })
        })
    });
    group.bench_function("arbor remote call", |b| {
        b.iter_custom(|iters| {
            let target = target.clone();
            setup.runtime.block_on(async move {
                let remote = target.as_remote().unwrap();
                let started = Instant::now();
                for _ in 0..iters {
                    let n: u64 = wire::call_remote(remote, PROTOCOL, "echo", &(12345u64,), TIMEOUT)
                        .await
                        .unwrap();
                    assert_eq!(n, 12345);
                }
                started.elapsed()
            })
        })
    });
    group.finish();

    const BATCH: u64 = 1000;
    let mut group = c.benchmark_group("cluster_cast");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .throughput(Throughput::Elements(BATCH));
    group.bench_function("raw async-nats publish", |b| {
        b.iter_custom(|iters| {
            let raw = setup.raw.clone();
            let payload = payload.clone();
            setup.runtime.block_on(async move {
                let started = Instant::now();
                for _ in 0..iters {
                    for _ in 0..BATCH {
                        raw.publish("raw.sink", payload.clone()).await.unwrap();
                    }
                    raw.request("raw.flush", Bytes::new()).await.unwrap();
                }
                started.elapsed()
            })
        })
    });
    group.bench_function("arbor remote cast", |b| {
        b.iter_custom(|iters| {
            let target = target.clone();
            setup.runtime.block_on(async move {
                let remote = target.as_remote().unwrap();
                let started = Instant::now();
                for _ in 0..iters {
                    for _ in 0..BATCH {
                        wire::cast_remote(remote, PROTOCOL, "bump", &(12345u64,))
                            .await
                            .unwrap();
                    }
                    let _: u64 = wire::call_remote(remote, PROTOCOL, "add", &(0u64,), TIMEOUT)
                        .await
                        .unwrap();
                }
                started.elapsed()
            })
        })
    });
    group.finish();

    // Criterion measures one function after the other; on a shared machine the load moves in
    // between. So also alternate raw and Arbor in rounds and quote medians of the rounds.
    if std::env::args().any(|a| a == "--bench") {
        interleaved(&setup, &target, &payload);
    }
}

/// Elapsed and process CPU time of `n` operations, each.
#[derive(Default)]
struct Times {
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
}

impl Times {
    fn push(&mut self, started: (Instant, Duration), n: u32) {
        self.wall.push(started.0.elapsed() / n);
        self.cpu.push(process_cpu().saturating_sub(started.1) / n);
    }

    fn medians(&mut self) -> (Duration, Duration) {
        let median = |v: &mut Vec<Duration>| {
            v.sort();
            v[v.len() / 2]
        };
        (median(&mut self.wall), median(&mut self.cpu))
    }
}

fn now() -> (Instant, Duration) {
    (Instant::now(), process_cpu())
}

/// Rounds that alternate raw and Arbor. Like with like: both sides await each operation the
/// same way (a publish, a cast: handed to the connection's task; a request, a call: the
/// reply), with one message in flight per call and up to `CASTS` per round of casts, and
/// a round of casts ends with one round-trip ordered after them on both sides (raw: a
/// `raw.flush` request answered with the count; Arbor: a call to the actor), so that every
/// message was handled by the receiver (raw: counted by the subscriber's task; Arbor: handled
/// by the actor) before the clock stops.
fn interleaved(setup: &Setup, target: &arbor::codegen::Target<probe::Probe>, payload: &Bytes) {
    const ROUNDS: usize = 15;
    const CALLS: u32 = 500;
    const CASTS: u32 = 5000;
    let (mut raw_call, mut arbor_call, mut raw_cast, mut arbor_cast) = (
        Times::default(),
        Times::default(),
        Times::default(),
        Times::default(),
    );
    setup.runtime.block_on(async {
        let remote = target.as_remote().unwrap();
        for _ in 0..ROUNDS {
            let started = now();
            for _ in 0..CALLS {
                setup
                    .raw
                    .request("raw.echo", payload.clone())
                    .await
                    .unwrap();
            }
            raw_call.push(started, CALLS);
            let started = now();
            for _ in 0..CALLS {
                let _: u64 = wire::call_remote(remote, PROTOCOL, "echo", &(12345u64,), TIMEOUT)
                    .await
                    .unwrap();
            }
            arbor_call.push(started, CALLS);
            let started = now();
            for _ in 0..CASTS {
                setup
                    .raw
                    .publish("raw.sink", payload.clone())
                    .await
                    .unwrap();
            }
            setup.raw.request("raw.flush", Bytes::new()).await.unwrap();
            raw_cast.push(started, CASTS);
            let started = now();
            for _ in 0..CASTS {
                wire::cast_remote(remote, PROTOCOL, "bump", &(12345u64,))
                    .await
                    .unwrap();
            }
            let _: u64 = wire::call_remote(remote, PROTOCOL, "add", &(0u64,), TIMEOUT)
                .await
                .unwrap();
            arbor_cast.push(started, CASTS);
        }
    });
    let ((rc, rc_cpu), (ac, ac_cpu), (rs, rs_cpu), (as_, as_cpu)) = (
        raw_call.medians(),
        arbor_call.medians(),
        raw_cast.medians(),
        arbor_cast.medians(),
    );
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "interleaved ({ROUNDS} rounds, medians per operation): call raw {rc:?} arbor {ac:?} \
         ratio {:.2}x; cast raw {rs:?} arbor {as_:?} ratio {:.2}x",
        ratio(ac, rc),
        ratio(as_, rs),
    );
    println!(
        "interleaved process CPU ({ROUNDS} rounds, medians per operation): call raw {rc_cpu:?} \
         arbor {ac_cpu:?} ratio {:.2}x; cast raw {rs_cpu:?} arbor {as_cpu:?} ratio {:.2}x",
        ratio(ac_cpu, rc_cpu),
        ratio(as_cpu, rs_cpu),
    );
}

criterion_group!(cluster, benches);
criterion_main!(cluster);
