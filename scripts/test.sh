#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, trybuild, snapshot, property and doc
# tests, and each benchmark once in test mode (a smoke test; nothing is timed). Fails on the
# first failing step.
#
# Time: about 6 min on a quiet 2-core machine from a clean clone with a warm crate cache
# (most of it the first build); a rerun after a small change, a minute or two.
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
