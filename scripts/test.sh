#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, trybuild, snapshot, property and doc
# tests, and each benchmark once in test mode (a smoke test; nothing is timed). Fails on the
# first failing step.
#
# Time: mostly the first build of the workspace (from a clean clone on a quiet 2-core machine,
# the suite took about 6 minutes before it was split into these steps); each step prints how
# long it took and the end the total, so a slow run shows where the time went.
#
# The workspace is built once, into one target directory (CARGO_TARGET_DIR, default target/)
# that every step shares; the runs then reuse it. The benchmark crate, which alone pulls in
# the peers (kameo, ractor, actix), is built and smoke-run in its own step after the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
STEPS=5
source scripts/progress.sh

# The default members (every crate but the benchmarks): built once, then run.
tests=(--workspace --exclude arbor-bench --locked)

step "build the workspace's tests (everything but the benchmarks)"
cargo test "${tests[@]}" --all-targets --no-run

step "run them (unit, integration, trybuild, snapshot, property)"
cargo test "${tests[@]}" --all-targets

step "doc tests (the README's examples among them)"
cargo test "${tests[@]}" --doc

# Services the tests of later steps need (e.g. a NATS server for the cluster tests) start
# here, after the builds, and stop on exit (trap).

step "benchmarks: build the suite and its peers"
cargo test -p arbor-bench --all-targets --locked --no-run

step "benchmarks: each once in test mode (smoke, nothing timed)"
cargo test -p arbor-bench --all-targets --locked

finish
