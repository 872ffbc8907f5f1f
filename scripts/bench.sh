#!/usr/bin/env bash
# Runs the benchmark suite against the peers (bench/benches/peers.rs: raw tokio, Arbor,
# kameo, ractor, actix on both tokio flavours), measures memory per idle actor in a separate
# process per framework, and writes docs/benchmarks.md. A few minutes on 2 cores.
#
#   bash scripts/bench.sh                 # everything, then the report
#   bash scripts/bench.sh peers_call      # only matching benchmarks (criterion filter); the
#                                         # report keeps the other figures of earlier runs
# Environment: MEM_COUNT (actors per memory run, default 100000), MEM_RUNS (default 3),
# INSTR=0 to skip the instruction counts (valgrind's callgrind; skipped when not installed).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

target=${CARGO_TARGET_DIR:-target}
mem_count=${MEM_COUNT:-100000}
mem_runs=${MEM_RUNS:-3}

# The `bench` profile (release with debug info: symbols for perf and callgrind) for the criterion
# suite and the probes alike, so everything is compiled once (its output is target/release).
cargo bench -p arbor-bench --bench peers --no-run --locked
cargo build -p arbor-bench --profile bench --bins --locked

if [ $# -eq 0 ]; then
    rm -rf "$target"/criterion/peers_*
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cargo bench -p arbor-bench --bench peers --locked -- "$@"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mem="$target/bench-mem.jsonl"
: > "$mem"
for _ in $(seq "$mem_runs"); do
    for framework in raw_tokio arbor kameo ractor actix; do
        "$target/release/bench_mem" "$framework" "$mem_count" >> "$mem"
    done
done

# Instructions per operation: load-independent, unlike times on a shared machine.
# (total for n operations - total for 0) / n, current-thread flavour.
instr="$target/bench-instr.jsonl"
: > "$instr"
if [ "${INSTR:-1}" != 0 ] && command -v valgrind >/dev/null 2>&1; then
    count_ir() {
        valgrind --tool=callgrind --callgrind-out-file=/dev/null \
            "$target/release/bench_probe" "$1" "$2" ct "$3" 2>&1 |
            sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
    }
    per_op() { # framework workload n
        zero=$(count_ir "$1" "$2" 0)
        full=$(count_ir "$1" "$2" "$3")
        echo "{\"framework\":\"$1\",\"workload\":\"$2\",\"instructions_per_op\":$(( (full - zero) / $3 ))}" >> "$instr"
    }
    for workload in call cast1 cast4 fan_out chain spawn; do
        for framework in raw_tokio arbor kameo ractor actix; do
            per_op "$framework" "$workload" 10000
        done
    done
    # A restart unwinds a panic (tens of thousands of instructions): fewer of them.
    for framework in arbor kameo ractor; do
        per_op "$framework" restart 2000
    done
fi

"$target/release/bench_report" \
    --criterion "$target/criterion" \
    --mem "$mem" \
    --instr "$instr" \
    --load "before ${load_before}, after ${load_after} (1, 5, 15 min)" \
    --out docs/benchmarks.md \
    --date "$(date -u +%Y-%m-%d)" \
    --rustc "$(rustc --version)"
