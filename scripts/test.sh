#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, trybuild, snapshot,
# property and doc tests, and each benchmark once in test mode (a smoke test;
# nothing is timed). Fails on the first failing suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked
