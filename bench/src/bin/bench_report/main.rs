//! Writes `docs/benchmarks.md` from a run of the peer suite: criterion's medians
//! (`<criterion>/peers_*/<framework>/<flavour>/new/estimates.json`) and the memory binary's
//! JSON lines.
//!
//! ```text
//! bench_report --criterion target/criterion --mem target/bench-mem.jsonl \
//!     --out docs/benchmarks.md --date 2026-01-01 --rustc "rustc 1.95.0 (...)"
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Hand-written: how the suite measures.
const METHODOLOGY: &str = include_str!("methodology.md");
/// Hand-written: where Arbor is behind, and why.
const FINDINGS: &str = include_str!("findings.md");
/// The cluster benchmark's section (`benches/cluster.rs`), written by hand from its run.
const CLUSTER: &str = include_str!("cluster.md");

/// Frameworks in column order. The first is the limit; Arbor is compared with the others.
const FRAMEWORKS: &[(&str, &str)] = &[
    ("raw_tokio", "raw tokio"),
    ("arbor", "**Arbor**"),
    ("kameo", "kameo"),
    ("ractor", "ractor"),
    ("actix", "actix"),
];
const PEERS: &[&str] = &["kameo", "ractor", "actix"];

/// Table rows: criterion group, label, whether Arbor should be within 1.25× of raw tokio.
const ROWS: &[(&str, &str, bool)] = &[
    ("peers_call", "1. call round-trip (per call)", true),
    (
        "peers_cast_1p",
        "2a. cast, 1 producer → 1 actor (per cast)",
        true,
    ),
    (
        "peers_cast_4p",
        "2b. cast, 4 producers → 1 actor (per cast)",
        true,
    ),
    (
        "peers_fan_out",
        "3. fan-out, casts round-robin to 100 actors (per cast)",
        false,
    ),
    (
        "peers_spawn_10k",
        "4a. spawn 10 000 actors (per actor)",
        false,
    ),
    (
        "peers_spawn_100k",
        "4b. spawn 100 000 actors (per actor)",
        false,
    ),
    (
        "peers_restart",
        "5. restart: panic → call answered by the restarted actor",
        false,
    ),
    (
        "peers_chain",
        "6. call chain a → b → c (per chain call)",
        false,
    ),
];

/// Within this factor of raw tokio on call and cast is the goal.
const RAW_GOAL: f64 = 1.25;

type Key = (String, String, String); // group, framework, flavour

fn main() {
    let args = Args::parse();
    let times = read_criterion(&args.criterion);
    let memory = read_memory(&args.mem);
    let instr = read_instr(&args.instr);
    let report = render(&args, &times, &memory, &instr);
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir).expect("creating the output directory");
    }
    std::fs::write(&args.out, report).expect("writing the report");
    eprintln!(
        "bench_report: {} figures, {} memory runs -> {}",
        times.len(),
        memory.values().map(Vec::len).sum::<usize>(),
        args.out.display()
    );
}

struct Args {
    criterion: PathBuf,
    mem: PathBuf,
    instr: PathBuf,
    out: PathBuf,
    date: String,
    rustc: String,
    load: Option<String>,
}

impl Args {
    fn parse() -> Args {
        let mut args = Args {
            criterion: "target/criterion".into(),
            mem: "target/bench-mem.jsonl".into(),
            instr: "target/bench-instr.jsonl".into(),
            out: "docs/benchmarks.md".into(),
            date: "(unknown date)".into(),
            rustc: "(unknown rustc)".into(),
            load: None,
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
            match flag.as_str() {
                "--criterion" => args.criterion = value.into(),
                "--mem" => args.mem = value.into(),
                "--instr" => args.instr = value.into(),
                "--load" => args.load = Some(value),
                "--out" => args.out = value.into(),
                "--date" => args.date = value,
                "--rustc" => args.rustc = value,
                other => panic!("unknown flag {other}"),
            }
        }
        args
    }
}

/// Nanoseconds per operation (criterion's median per iteration ÷ elements per iteration),
/// keyed by (group, framework, flavour).
fn read_criterion(root: &Path) -> BTreeMap<Key, f64> {
    let mut out = BTreeMap::new();
    let Ok(groups) = std::fs::read_dir(root) else {
        return out;
    };
    for group in groups.flatten() {
        if !group.file_name().to_string_lossy().starts_with("peers_") {
            continue;
        }
        for framework in std::fs::read_dir(group.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            for flavour in std::fs::read_dir(framework.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let new = flavour.path().join("new");
                let (Some(bench), Some(estimates)) = (
                    read_json(&new.join("benchmark.json")),
                    read_json(&new.join("estimates.json")),
                ) else {
                    continue;
                };
                let median = estimates["median"]["point_estimate"].as_f64();
                let elements = bench["throughput"]["Elements"].as_f64().unwrap_or(1.0);
                let (Some(g), Some(f), Some(v), Some(median)) = (
                    bench["group_id"].as_str(),
                    bench["function_id"].as_str(),
                    bench["value_str"].as_str(),
                    median,
                ) else {
                    continue;
                };
                out.insert((g.into(), f.into(), v.into()), median / elements);
            }
        }
    }
    out
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// Memory runs per framework: (bytes per idle actor, count).
fn read_memory(path: &Path) -> BTreeMap<String, Vec<(f64, u64)>> {
    let mut out: BTreeMap<String, Vec<(f64, u64)>> = BTreeMap::new();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let (Some(f), Some(b), Some(n)) = (
            v["framework"].as_str(),
            v["bytes_per_actor"].as_f64(),
            v["count"].as_u64(),
        ) {
            out.entry(f.into()).or_default().push((b, n));
        }
    }
    out
}

/// Instructions per operation, keyed by (workload, framework).
fn read_instr(path: &Path) -> BTreeMap<(String, String), f64> {
    let mut out = BTreeMap::new();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let (Some(f), Some(w), Some(n)) = (
            v["framework"].as_str(),
            v["workload"].as_str(),
            v["instructions_per_op"].as_f64(),
        ) {
            out.insert((w.into(), f.into()), n);
        }
    }
    out
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

fn fmt_ns(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{:.2} ms", ns / 1_000_000.0)
    }
}

fn fmt_bytes(b: f64) -> String {
    if b < 1024.0 {
        format!("{b:.0} B")
    } else {
        format!("{:.2} KiB", b / 1024.0)
    }
}

/// A ratio cell; flagged when Arbor misses the goal.
fn fmt_ratio(r: Option<f64>, limit: Option<f64>) -> String {
    match r {
        None => "–".into(),
        Some(r) if limit.is_some_and(|l| r > l) => format!("**{r:.2}×** ⚠"),
        Some(r) => format!("{r:.2}×"),
    }
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|r| r.trim_start_matches([' ', '\t', ':']))
        })
        .unwrap_or("unknown CPU")
        .to_string();
    let logical = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let usable = std::thread::available_parallelism().map_or(0, usize::from);
    let mem_kib: u64 = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|r| r.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{model}, {logical} logical CPUs ({usable} usable), {:.0} GiB RAM, Linux {}",
        mem_kib as f64 / 1024.0 / 1024.0,
        kernel.trim()
    )
}

fn render(
    args: &Args,
    times: &BTreeMap<Key, f64>,
    memory: &BTreeMap<String, Vec<(f64, u64)>>,
    instr: &BTreeMap<(String, String), f64>,
) -> String {
    let get = |g: &str, f: &str, v: &str| times.get(&(g.into(), f.into(), v.into())).copied();
    let mut md = String::new();
    md.push_str("# Benchmarks: Arbor against raw tokio and its peers\n\n");
    md.push_str(
        "<!-- Generated by `bash scripts/bench.sh` (bench/src/bin/bench_report); edit the \
         methodology and findings in bench/src/bin/bench_report/*.md, not here. -->\n\n",
    );
    let _ = writeln!(md, "- **Date:** {}", args.date);
    let _ = writeln!(md, "- **Machine:** {}", machine());
    let _ = writeln!(md, "- **Toolchain:** {}", args.rustc);
    if let Some(load) = &args.load {
        let _ = writeln!(
            md,
            "- **Load average** during the criterion run: {load}. The machine is shared; \
             with a load above its core count, times are noisy (see the instruction counts \
             below for load-independent figures)."
        );
    }
    let _ = writeln!(
        md,
        "- **Runtimes:** `mt` = tokio multi-thread, {} workers; `ct` = tokio current-thread \
         (actix: its own single-thread `System`, `ct` only).",
        arbor_bench::WORKERS
    );
    md.push_str(
        "- **Figures:** medians (criterion's `median` estimate) of time per operation; lower is \
         better. Ratios are Arbor's time ÷ the other's: below 1× Arbor is faster. ⚠ marks a \
         ratio that misses the goal (Arbor ahead of every peer; within 1.25× of raw tokio on \
         call and cast).\n\n",
    );

    md.push_str("| Workload | rt |");
    for (_, label) in FRAMEWORKS {
        let _ = write!(md, " {label} |");
    }
    md.push_str(" Arbor ÷ raw tokio | Arbor ÷ best peer |\n|---|---|");
    for _ in FRAMEWORKS {
        md.push_str("---:|");
    }
    md.push_str("---:|---:|\n");

    for &(group, label, raw_goal) in ROWS {
        for flavour in ["mt", "ct"] {
            if FRAMEWORKS
                .iter()
                .all(|(f, _)| get(group, f, flavour).is_none())
            {
                continue;
            }
            let _ = write!(md, "| {label} | {flavour} |");
            for (f, _) in FRAMEWORKS {
                let cell = match get(group, f, flavour) {
                    Some(ns) => fmt_ns(ns),
                    None if *f == "actix" && group == "peers_restart" => "n/a¹".into(),
                    None if *f == "actix" && flavour == "mt" => "n/a²".into(),
                    None => "–".into(),
                };
                let _ = write!(md, " {cell} |");
            }
            let arbor = get(group, "arbor", flavour);
            let raw = get(group, "raw_tokio", flavour);
            let best_peer = PEERS
                .iter()
                .filter_map(|p| get(group, p, flavour))
                .min_by(f64::total_cmp);
            let vs_raw = arbor.zip(raw).map(|(a, r)| a / r);
            let vs_peer = arbor.zip(best_peer).map(|(a, p)| a / p);
            let _ = writeln!(
                md,
                " {} | {} |",
                fmt_ratio(vs_raw, raw_goal.then_some(RAW_GOAL)),
                fmt_ratio(vs_peer, Some(1.0))
            );
        }
    }

    // Memory: one row, from the separate-process runs.
    let mem = |f: &str| {
        median(
            memory
                .get(f)
                .map(|runs| runs.iter().map(|r| r.0).collect())
                .unwrap_or_default(),
        )
    };
    let count = memory.values().flatten().map(|r| r.1).max().unwrap_or(0);
    if !memory.is_empty() {
        let _ = write!(
            md,
            "| 4c. memory per idle actor ({count} actors, RSS delta ÷ count) | ct |"
        );
        for (f, _) in FRAMEWORKS {
            let _ = write!(md, " {} |", mem(f).map_or("–".into(), fmt_bytes));
        }
        let arbor = mem("arbor");
        let best_peer = PEERS.iter().filter_map(|p| mem(p)).min_by(f64::total_cmp);
        let _ = writeln!(
            md,
            " {} | {} |",
            fmt_ratio(arbor.zip(mem("raw_tokio")).map(|(a, r)| a / r), None),
            fmt_ratio(arbor.zip(best_peer).map(|(a, p)| a / p), Some(1.0))
        );
    }
    md.push('\n');
    md.push_str(
        "¹ actix's `Supervisor` restarts an actor that stops; a panic in a handler is not \
         caught, so there is nothing to time.  \n\
         ² actix runs on a single-thread `System` by design.\n\n",
    );

    // What caller-chain tracking costs.
    let mut tracking = Vec::new();
    for flavour in ["mt", "ct"] {
        if let (Some(on), Some(off)) = (
            get("peers_chain", "arbor", flavour),
            get("peers_chain", "arbor_untracked", flavour),
        ) {
            tracking.push(format!(
                "{flavour}: {} tracked vs {} untracked ({:+.0} ns, {:+.1}%)",
                fmt_ns(on),
                fmt_ns(off),
                on - off,
                (on / off - 1.0) * 100.0
            ));
        }
    }
    if !tracking.is_empty() {
        let _ = writeln!(
            md,
            "**Caller-chain tracking** (Arbor's deadlock detection) on the a → b → c chain — {}.\n",
            tracking.join("; ")
        );
    }

    // Casts per second, the usual way to quote throughput.
    let mut rates = Vec::new();
    for (group, label) in [("peers_cast_1p", "1 → 1"), ("peers_cast_4p", "4 → 1")] {
        for flavour in ["mt", "ct"] {
            let cells: Vec<String> = FRAMEWORKS
                .iter()
                .filter_map(|(f, name)| {
                    get(group, f, flavour)
                        .map(|ns| format!("{} {:.1} M/s", name.trim_matches('*'), 1e3 / ns))
                })
                .collect();
            if !cells.is_empty() {
                rates.push(format!("- cast {label}, {flavour}: {}", cells.join(", ")));
            }
        }
    }
    if !rates.is_empty() {
        md.push_str("Cast throughput in messages per second (1 ÷ time per cast):\n\n");
        md.push_str(&rates.join("\n"));
        md.push_str("\n\n");
    }

    if !instr.is_empty() {
        md.push_str(
            "### Instructions per operation (callgrind, `ct`)\n\n\
             Load-independent: `(instructions for n operations − for 0) ÷ n`, from \
             `bench_probe` under `valgrind --tool=callgrind`. Instructions are not time \
             (atomics and cache misses cost more than their count), but they do not move \
             with the machine's load.\n\n| Workload |",
        );
        for (_, label) in FRAMEWORKS {
            let _ = write!(md, " {label} |");
        }
        md.push_str(" Arbor ÷ raw tokio | Arbor ÷ best peer |\n|---|");
        for _ in FRAMEWORKS {
            md.push_str("---:|");
        }
        md.push_str("---:|---:|\n");
        for (workload, label) in [
            ("call", "1. call round-trip"),
            ("cast1", "2a. cast 1 → 1"),
            ("cast4", "2b. cast 4 → 1"),
            ("fan_out", "3. fan-out"),
            ("spawn", "4. spawn (and stop) an idle actor"),
            ("restart", "5. restart: panic → call answered"),
            ("chain", "6. call chain a → b → c"),
        ] {
            let get = |f: &str| instr.get(&(workload.into(), f.into())).copied();
            if get("arbor").is_none() {
                continue;
            }
            let _ = write!(md, "| {label} |");
            for (f, _) in FRAMEWORKS {
                let _ = write!(
                    md,
                    " {} |",
                    get(f).map_or("–".into(), |n| format!("{n:.0}"))
                );
            }
            let best_peer = PEERS.iter().filter_map(|p| get(p)).min_by(f64::total_cmp);
            let _ = writeln!(
                md,
                " {} | {} |",
                fmt_ratio(get("arbor").zip(get("raw_tokio")).map(|(a, r)| a / r), None),
                fmt_ratio(get("arbor").zip(best_peer).map(|(a, p)| a / p), None)
            );
        }
        md.push('\n');
    }

    md.push_str(FINDINGS.trim_end());
    md.push_str("\n\n");
    md.push_str(METHODOLOGY.trim_end());
    md.push_str("\n\n");
    md.push_str(CLUSTER.trim_end());
    md.push('\n');
    md
}
