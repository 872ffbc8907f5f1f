//! Runs one workload a fixed number of times, for profiling (perf, callgrind) outside
//! criterion: with a fixed count, instructions per operation are `(total(n) - total(0)) / n`,
//! a figure that does not move with the load of a shared machine.
//!
//! ```text
//! bench_probe <raw_tokio|arbor|arbor_untracked|kameo|ractor|actix> \
//!     <call|cast1|cast4|fan_out|chain|spawn|restart> <mt|ct> <iterations>
//! valgrind --tool=callgrind target/release/bench_probe arbor call ct 100000
//! ```

use std::time::Duration;

use arbor_bench::actix::Actix;
use arbor_bench::arbor::{Arbor, ArborUntracked};
use arbor_bench::kameo::Kameo;
use arbor_bench::ractor::Ractor;
use arbor_bench::raw_tokio::RawTokio;
use arbor_bench::{Flavor, Framework, workloads};

fn probe<F: Framework>(workload: &str, flavor: Flavor, iters: u64) -> Duration {
    let rt = F::runtime(flavor);
    match workload {
        "call" => rt.run(workloads::call::<F>(iters)),
        "cast1" => rt.run(workloads::cast::<F>(1, iters)),
        "cast4" => rt.run(workloads::cast::<F>(4, iters)),
        "fan_out" => rt.run(workloads::fan_out::<F>(iters)),
        "chain" => rt.run(workloads::chain::<F>(iters)),
        "spawn" => rt.run(workloads::spawn::<F>(iters as usize, 1)),
        "restart" => match F::NAME {
            "arbor" => rt.run(arbor_bench::arbor::restart(iters)),
            "kameo" => rt.run(arbor_bench::kameo::restart(iters)),
            "ractor" => rt.run(arbor_bench::ractor::restart(iters)),
            other => usage(&format!("{other} has no restart workload")),
        },
        other => usage(&format!("unknown workload {other:?}")),
    }
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "{problem}\nusage: bench_probe <raw_tokio|arbor|arbor_untracked|kameo|ractor|actix> \
         <call|cast1|cast4|fan_out|chain|spawn|restart> <mt|ct> <iterations>"
    );
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [framework, workload, flavor, iters] = args.as_slice() else {
        usage("four arguments expected");
    };
    let flavor = match flavor.as_str() {
        "mt" => Flavor::MultiThread,
        "ct" => Flavor::CurrentThread,
        other => usage(&format!("unknown flavour {other:?}")),
    };
    // The restart workload panics actors on purpose: keep the default hook quiet.
    if workload == "restart" {
        std::panic::set_hook(Box::new(|_| {}));
    }
    let iters: u64 = iters
        .parse()
        .unwrap_or_else(|_| usage("iterations: a number"));
    let elapsed = match framework.as_str() {
        "raw_tokio" => probe::<RawTokio>(workload, flavor, iters),
        "arbor" => probe::<Arbor>(workload, flavor, iters),
        "arbor_untracked" => {
            arbor::lineage::set_call_tracking(false);
            probe::<ArborUntracked>(workload, flavor, iters)
        }
        "kameo" => probe::<Kameo>(workload, flavor, iters),
        "ractor" => probe::<Ractor>(workload, flavor, iters),
        "actix" => probe::<Actix>(workload, flavor, iters),
        other => usage(&format!("unknown framework {other:?}")),
    };
    println!(
        "{framework} {workload} {}: {iters} in {elapsed:?} ({:.1} ns each)",
        flavor.id(),
        elapsed.as_nanos() as f64 / iters.max(1) as f64
    );
}
