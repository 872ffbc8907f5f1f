#!/usr/bin/env bash
# The main job end to end on a bundled spec (specs/chat.kdl): check it, generate its code,
# build the crate that includes it, start the system, call it, crash a part of it and watch
# it restart, and show the supervision tree; then the same chat across two nodes on NATS
# (scripts/cluster-demo.sh). See README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
STEPS=5
source scripts/progress.sh

spec=specs/chat.kdl
target=${CARGO_TARGET_DIR:-target}
out=$target/demo
echo "The first run builds the CLI and the example (a few minutes on 2 cores); then seconds."

step "build the arbor CLI and the example crate"
cargo build --locked -p arbor-codegen --bin arbor
cargo build --locked -p arbor-specs --example demo

step "arbor check $spec"
"$target"/debug/arbor check "$spec"
grep -v '^//' "$spec" | cat -s

step "arbor gen $spec -o $out   (build.rs does the same: arbor_codegen::compile)"
"$target"/debug/arbor gen "$spec" -o "$out"
echo "-- head of $out/chat.rs ($(wc -l < "$out/chat.rs") lines):"
sed -n '1,60p' "$out/chat.rs"

step "run: start, call, crash, restart, tree   (cargo run -p arbor-specs --example demo)"
"$target"/debug/examples/demo

step "across nodes: the two-node chat of specs/cluster/, each node its own OS process"
bash scripts/cluster-demo.sh
finish
