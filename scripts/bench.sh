#!/usr/bin/env bash
# Runs the benchmark suite against the peers (bench/benches/peers.rs: raw tokio, Arbor,
# kameo, ractor, actix on both tokio flavours), measures memory per idle actor in a separate
# process per framework, and writes docs/benchmarks.md. A few minutes on 2 cores.
#
#   bash scripts/bench.sh                 # everything, then the report
#   bash scripts/bench.sh peers_call      # only matching benchmarks (criterion filter); the
#                                         # report keeps the other figures of earlier runs
# Environment: MEM_COUNT (actors per memory run, default 100000), MEM_RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

target=${CARGO_TARGET_DIR:-target}
mem_count=${MEM_COUNT:-100000}
mem_runs=${MEM_RUNS:-3}

cargo build -p arbor-bench --release --benches --bins --locked

if [ $# -eq 0 ]; then
    rm -rf "$target"/criterion/peers_*
fi
cargo bench -p arbor-bench --bench peers --locked -- "$@"

mem="$target/bench-mem.jsonl"
: > "$mem"
for _ in $(seq "$mem_runs"); do
    for framework in raw_tokio arbor kameo ractor actix; do
        "$target/release/bench_mem" "$framework" "$mem_count" >> "$mem"
    done
done

"$target/release/bench_report" \
    --criterion "$target/criterion" \
    --mem "$mem" \
    --out docs/benchmarks.md \
    --date "$(date -u +%Y-%m-%d)" \
    --rustc "$(rustc --version)"
