//! One workload, N times, on a current-thread runtime (or, prefixed `mt-`, a multi-thread one
//! with 2 workers): for instruction counts under valgrind, which a shared, noisy machine does
//! not disturb, or CPU samples under `perf record`. Run it twice with different N and divide
//! the difference by the difference of N:
//!
//! ```text
//! cargo build --release -p arbor-bench --example instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/instructions call 10000
//! ```
//!
//! With `ARBOR_TIMING=1` in the environment, handler time is measured (as while an observer
//! page is open: `arbor::introspect::set_timing`).
//!
//! Workloads: `call`, `client-call`, `client-cast`, `call-no-timeout`, `cast`, `raw-call`, `raw-call-timeout`,
//! `raw-call-timeout-ticker`, `raw-cast`.

use std::time::Duration;

use arbor_bench::{EchoCall, RawEcho, start_echo};

fn main() {
    let mut args = std::env::args().skip(1);
    let workload = args.next().unwrap_or_else(|| "call".into());
    let n: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    // `mt-<workload>`: on a multi-thread runtime with 2 workers.
    let (rt, workload) = match workload.strip_prefix("mt-") {
        Some(workload) => (
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build(),
            workload.to_string(),
        ),
        None => (
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build(),
            workload,
        ),
    };
    let rt = rt.expect("a runtime");
    // `ARBOR_TIMING=1`: handler time measured, as while an observer page is open.
    if std::env::var_os("ARBOR_TIMING").is_some() {
        arbor::introspect::set_timing(true);
    }
    rt.block_on(async {
        let actor = start_echo(None).await;
        let raw = RawEcho::start();
        match workload.as_str() {
            "call" => {
                for i in 0..n {
                    actor.call(|r| EchoCall::Echo(i, r)).await.unwrap();
                }
            }
            // Through the client generated from bench/specs/bench.kdl (what user code holds).
            "client-call" => {
                let client = arbor_bench::arbor::spawn_counter().await;
                for i in 0..n {
                    client.ping(i).await.unwrap();
                }
            }
            "client-cast" => {
                let client = arbor_bench::arbor::spawn_counter().await;
                for i in 0..n {
                    client.add(i).await.unwrap();
                }
                client.total().await.unwrap();
            }
            "call-no-timeout" => {
                for i in 0..n {
                    actor
                        .call_timeout(Duration::MAX, |r| EchoCall::Echo(i, r))
                        .await
                        .unwrap();
                }
            }
            "cast" => {
                for i in 0..n {
                    actor.cast(i).await.unwrap();
                }
                actor.call(EchoCall::Sum).await.unwrap();
            }
            "raw-call-timeout-ticker" => {
                // Another timer always pending: registering a call's timer then never has to
                // wake the time driver.
                tokio::spawn(async {
                    loop {
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                });
                tokio::task::yield_now().await;
                for i in 0..n {
                    raw.call_with_timeout(i).await;
                }
            }
            "raw-call" => {
                for i in 0..n {
                    raw.call(i).await;
                }
            }
            "raw-call-timeout" => {
                for i in 0..n {
                    raw.call_with_timeout(i).await;
                }
            }
            "raw-cast" => {
                for i in 0..n {
                    raw.cast(i).await;
                }
                raw.sum().await;
            }
            "restart-warm" => {
                // The same after 100 000 actors came and went (as in the supervision bench
                // before it measured memory in child processes).
                let mut actors = Vec::with_capacity(100_000);
                for _ in 0..100_000 {
                    actors.push(start_echo(None).await);
                }
                for a in &actors {
                    a.cell().kill();
                }
                drop(actors);
                let latencies = restart_latencies(n as usize).await;
                let mut sorted = latencies.clone();
                sorted.sort();
                println!("restart median {:?}", sorted[sorted.len() / 2]);
            }
            "restart" => {
                let latencies = restart_latencies(n as usize).await;
                let mut sorted = latencies.clone();
                sorted.sort();
                println!("restart median {:?}", sorted[sorted.len() / 2]);
            }
            other => panic!("unknown workload {other}"),
        }
    });
}

/// A child that answers pings and panics on a cast.
struct Pinger;

enum PingerCall {
    Ping(arbor::ReplyTo<()>),
}

impl arbor::Actor for Pinger {
    type Args = ();
    type Call = PingerCall;
    type Cast = ();
    type Info = std::convert::Infallible;
    type Continue = std::convert::Infallible;

    async fn init(_: (), _ctx: &mut arbor::Context<Self>) -> arbor::Init<Self> {
        arbor::Init::Ok(Pinger)
    }

    async fn handle_call(
        &mut self,
        msg: PingerCall,
        _ctx: &mut arbor::Context<Self>,
    ) -> arbor::Handled<Self> {
        let PingerCall::Ping(reply) = msg;
        let _ = reply.send(());
        arbor::Handled::Continue
    }

    async fn handle_cast(
        &mut self,
        _: (),
        _ctx: &mut arbor::Context<Self>,
    ) -> arbor::Handled<Self> {
        panic!("crash requested");
    }
}

/// Panic in a supervised child until its restarted incarnation answers a call, `n` times.
async fn restart_latencies(n: usize) -> Vec<Duration> {
    use arbor::supervisor::{ChildSpec, Strategy, SupervisorSpec};
    std::panic::set_hook(Box::new(|_| {}));
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(u32::MAX, Duration::from_secs(1))
        .child(ChildSpec::actor::<Pinger>("pinger", ()))
        .start()
        .await
        .unwrap();
    let pinger = sup.child_ref::<arbor::ActorRef<Pinger>>("pinger");
    let mut latencies = Vec::with_capacity(n);
    for _ in 0..n {
        let old = pinger.get().unwrap();
        let start = std::time::Instant::now();
        old.cast(()).await.unwrap();
        let fresh = pinger.wait_restart(&old).await.unwrap();
        fresh.call(PingerCall::Ping).await.unwrap();
        latencies.push(start.elapsed());
    }
    sup.shutdown().await;
    latencies
}
