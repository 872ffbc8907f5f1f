//! Memory per idle actor (workload 4b): spawns `count` idle counter actors of one framework
//! (default mailbox) on a current-thread runtime, keeps them alive, and prints one JSON line:
//! the RSS growth (from `/proc/self/statm`) divided by the count, and the spawn time per
//! actor. Run once per framework, each in its own process, so RSS is not shared.
//!
//! ```text
//! bench_mem <raw_tokio|arbor|kameo|ractor|actix> [count]
//! ```

use std::time::Instant;

use arbor_bench::actix::Actix;
use arbor_bench::arbor::Arbor;
use arbor_bench::kameo::Kameo;
use arbor_bench::ractor::Ractor;
use arbor_bench::raw_tokio::RawTokio;
use arbor_bench::{Flavor, Framework, rss_bytes, workloads};

fn measure<F: Framework>(count: usize) -> String {
    let rt = F::runtime(Flavor::CurrentThread);
    // Warm up: the runtime's and framework's lazily built structures are not per actor.
    rt.run(async {
        let warm = workloads::spawn_idle::<F>(100).await;
        F::stop_all(warm).await;
    });
    let before = rss_bytes();
    let start = Instant::now();
    let actors = rt.run(workloads::spawn_idle::<F>(count));
    let elapsed = start.elapsed();
    let after = rss_bytes();
    let line = format!(
        "{{\"framework\":\"{}\",\"count\":{},\"rss_before\":{},\"rss_after\":{},\"bytes_per_actor\":{:.1},\"spawn_ns_per_actor\":{:.1}}}",
        F::NAME,
        count,
        before,
        after,
        after.saturating_sub(before) as f64 / count as f64,
        elapsed.as_nanos() as f64 / count as f64,
    );
    // The actors stay alive until the process exits.
    std::mem::forget(actors);
    std::mem::forget(rt);
    line
}

fn main() {
    let mut args = std::env::args().skip(1);
    let framework = args.next().unwrap_or_default();
    let count: usize = args
        .next()
        .map(|c| c.parse().expect("count: a number"))
        .unwrap_or(100_000);
    let line = match framework.as_str() {
        "raw_tokio" => measure::<RawTokio>(count),
        "arbor" => measure::<Arbor>(count),
        "kameo" => measure::<Kameo>(count),
        "ractor" => measure::<Ractor>(count),
        "actix" => measure::<Actix>(count),
        other => {
            eprintln!(
                "usage: bench_mem <raw_tokio|arbor|kameo|ractor|actix> [count] (got {other:?})"
            );
            std::process::exit(2);
        }
    };
    println!("{line}");
}
