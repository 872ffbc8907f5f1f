//! Remote casts alone, for profilers: `castprof arbor|raw N [warmup]` runs N casts to the
//! exported `Probe` (`wire::cast_remote`) or N raw `publish`es counted by a raw subscriber,
//! in rounds of 5000 each ended by a round-trip ordered after them (as the cluster
//! benchmark's `interleaved` rounds), and prints this process's CPU time per operation.
//! One side per process, so that `perf record` / `valgrind --tool=callgrind` see one side.
//! Needs `nats-server` (scripts/nats.sh).

use std::time::{Duration, Instant};

use arbor_bench::process_cpu;
use arbor_cluster::testing::NatsServer;
use arbor_cluster::testing::probe::{self, PROTOCOL};
use arbor_cluster::{Node, NodeOptions, wire};
use bytes::Bytes;
use futures::StreamExt;

fn main() {
    let mut args = std::env::args().skip(1);
    let side = args.next().unwrap_or_else(|| "arbor".into());
    let n: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let server = NatsServer::start().expect("nats-server");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let url = server.url().to_string();
    runtime.block_on(async move {
        let serving = Node::connect(NodeOptions::new("bench", "serving", url.clone()))
            .await
            .expect("connect");
        let (_actor, _export) = probe::export_probe(&serving, "A").await.expect("export");
        let caller = Node::connect(NodeOptions::new("bench", "caller", url.clone()))
            .await
            .expect("connect");
        let responder = async_nats::connect(url.clone()).await.expect("connect");
        let mut requests = responder.subscribe("raw.>").await.expect("subscribe");
        responder.flush().await.expect("flush");
        tokio::spawn(async move {
            let mut count = 0u64;
            while let Some(message) = requests.next().await {
                match message.subject.as_str() {
                    "raw.sink" => count += 1,
                    _ => {
                        if let Some(reply) = message.reply {
                            let _ = responder
                                .publish(reply, Bytes::from(count.to_le_bytes().to_vec()))
                                .await;
                        }
                    }
                }
            }
        });
        let raw = async_nats::connect(url).await.expect("connect");
        let target = caller.remote::<probe::Probe>("A");
        let remote = target.as_remote().unwrap();
        let payload = Bytes::from(wire::encode(&(12345u64,)).unwrap());
        let round = |count: u64| {
            let raw = raw.clone();
            let payload = payload.clone();
            let side = side.clone();
            async move {
                if side == "raw" {
                    for _ in 0..count {
                        raw.publish("raw.sink", payload.clone()).await.unwrap();
                    }
                    raw.request("raw.flush", Bytes::new()).await.unwrap();
                } else {
                    for _ in 0..count {
                        wire::cast_remote(remote, PROTOCOL, "bump", &(12345u64,))
                            .await
                            .unwrap();
                    }
                    let _: u64 = wire::call_remote(
                        remote,
                        PROTOCOL,
                        "add",
                        &(0u64,),
                        Duration::from_secs(10),
                    )
                    .await
                    .unwrap();
                }
            }
        };
        // Warm-up.
        round(5000).await;
        let (wall, cpu) = (Instant::now(), process_cpu());
        let mut left = n;
        while left > 0 {
            let count = left.min(5000);
            round(count).await;
            left -= count;
        }
        let (wall, cpu) = (wall.elapsed(), process_cpu() - cpu);
        println!(
            "{side}: {n} casts, per cast: elapsed {:?}, process CPU {:?}",
            wall / n as u32,
            cpu / n as u32
        );
    });
}
