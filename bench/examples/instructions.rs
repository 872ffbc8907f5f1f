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
//! Workloads: `call`, `call-no-timeout`, `cast`, `raw-call`, `raw-call-timeout`,
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
    rt.block_on(async {
        let actor = start_echo(None).await;
        let raw = RawEcho::start();
        match workload.as_str() {
            "call" => {
                for i in 0..n {
                    actor.call(|r| EchoCall::Echo(i, r)).await.unwrap();
                }
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
            other => panic!("unknown workload {other}"),
        }
    });
}
