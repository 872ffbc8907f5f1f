#!/usr/bin/env bash
# The main job end to end: see README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

cargo run --locked -p arbor --example demo
