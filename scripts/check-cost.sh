#!/usr/bin/env bash
# The compile time the static call-graph check (arbor::static_graph) adds, for 50 / 200 /
# 1 000 actors (or the sizes given). Writes a scratch crate per size whose code is what the
# emitter writes for the graph (a `System`, one `static NODE` per actor, the `const` check),
# with a chain of calls A0 -> A1 -> … (the deepest walk), in two shapes:
#   local: one system of N actors;
#   cross: two systems of N/2 actors, the first's last actor calling the second's first (an
#          extern actor), so the first system's check walks both.
# Each is built with the check (`--features check`) and without, best of REPS; the check is
# emitted CHECKS times (separate `const` items, each evaluated) so that its cost stands out of
# the noise, and the difference divided by CHECKS is the cost of one check. Only the scratch crate is rebuilt between runs (its
# dependency, the arbor runtime, is built once), so the difference is the const evaluation.
#
#   bash scripts/check-cost.sh              # 50 200 1000
#   bash scripts/check-cost.sh 100 5000     # other sizes
# Environment: REPS (default 3), CHECKS (default 4), SCRATCH (default target/check-cost).
# Incremental compilation is off: it would reuse the evaluated constants of the previous build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

root=$(pwd)
scratch=${SCRATCH:-$root/target/check-cost}
reps=${REPS:-3}
checks=${CHECKS:-4}
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(50 200 1000)
mkdir -p "$scratch"

# One system module: `count` nodes, ids 0.., the last calling `tail` (a node path) if given.
system() {
    local name=$1 count=$2 tail=${3:-} capacity=$4
    echo "pub mod $name {"
    echo "    pub static ARBOR_SYSTEM: ::arbor::static_graph::System ="
    echo "        ::arbor::static_graph::System::new(::std::module_path!(), $count);"
    for ((i = 0; i < count; i++)); do
        local next=""
        if ((i + 1 < count)); then
            next="&super::a$((i + 1))::NODE"
        elif [ -n "$tail" ]; then
            next="&$tail"
        fi
        echo "    pub mod a$i { pub static NODE: ::arbor::static_graph::Node = ::arbor::static_graph::Node::in_system(&super::ARBOR_SYSTEM, $i, \"A$i\", true, &[$next], &[]); }"
    done
    printf '    #[cfg(feature = "check")]\n    const NODES: [&::arbor::static_graph::Node; %d] = [' "$count"
    for ((i = 0; i < count; i++)); do printf '&a%d::NODE,' "$i"; done
    echo '];'
    for ((c = 0; c < checks; c++)); do
        # A different capacity per copy: a distinct instance, evaluated on its own.
        printf '    #[cfg(feature = "check")]\n    #[allow(long_running_const_eval)]\n    const _: () = ::arbor::static_graph::assert_acyclic_in::<%d, %d>(&ARBOR_SYSTEM, &NODES);\n' "$count" $((capacity + c))
    done
    echo "}"
}

crate() {
    local dir=$1
    mkdir -p "$dir/src"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "check-cost"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[features]
check = []

[dependencies]
arbor = { path = "$root/runtime" }
TOML
    cp "$root/Cargo.lock" "$dir/Cargo.lock"
}

# CPU seconds (user + system, of cargo and rustc) of the best of $reps rebuilds of the scratch
# crate: CPU time, not wall time, so that other work on the machine does not count.
build_time() {
    local dir=$1 features=$2 best="" t
    for ((r = 0; r < reps; r++)); do
        touch "$dir/src/lib.rs"
        t=$( { TIMEFORMAT='%3U + %3S'; time cargo build --offline --quiet --manifest-path "$dir/Cargo.toml" $features; } 2>&1 | tail -1 | bc)
        if [ -z "$best" ] || (($(echo "$t < $best" | bc))); then best=$t; fi
    done
    echo "$best"
}

dir="$scratch/crate"
crate "$dir"
export CARGO_TARGET_DIR="$scratch/target" CARGO_INCREMENTAL=0
# Build the dependencies once.
echo "pub fn _unused() {}" > "$dir/src/lib.rs"
cargo build --offline --quiet --manifest-path "$dir/Cargo.toml"

printf '| actors | shape | CPU without the check (s) | with it %d times (s) | one check (ms) | per actor (µs) |\n' "$checks"
printf '|---:|---|---:|---:|---:|---:|\n'
for n in "${sizes[@]}"; do
    for shape in local cross; do
        if [ "$shape" = local ]; then
            system s "$n" "" "$n" > "$dir/src/lib.rs"
        else
            half=$((n / 2))
            {
                system s1 "$half" "super::super::s2::a0::NODE" $((half + 16384))
                system s2 $((n - half)) "" $((n - half))
            } > "$dir/src/lib.rs"
        fi
        without=$(build_time "$dir" "")
        with=$(build_time "$dir" "--features check")
        one=$(echo "scale=3; 1000 * ($with - $without) / $checks" | bc)
        per=$(echo "scale=3; 1000 * $one / $n" | bc)
        printf '| %d | %s | %.2f | %.2f | %.1f | %.2f |\n' "$n" "$shape" "$without" "$with" "$one" "$per"
    done
done
