#!/usr/bin/env bash
# Fuzzes the KDL spec front-end with cargo-fuzz (libFuzzer), outside CI.
#
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer options...]
#
# Needs the `nightly` toolchain (installed on the development machines); installs
# cargo-fuzz from crates.io if it is missing. The corpus starts from specs/*.kdl and the
# hostile corpus, and grows in fuzz/corpus/kdl_frontend (not committed); crashes land in
# fuzz/artifacts/kdl_frontend. Default run: 300 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-300}"
shift || true

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz.sh: the nightly toolchain is needed (rustup toolchain install nightly)" >&2
    exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo +nightly install cargo-fuzz --locked
fi

corpus=fuzz/corpus/kdl_frontend
mkdir -p "$corpus"
cp specs/*.kdl codegen-cli/tests/hostile/*.kdl "$corpus"/

cd fuzz
# Deep recursion in the KDL parser is what the front-end guards against: keep
# libFuzzer's stack-depth and timeout checks on, bound memory and input size.
exec cargo +nightly fuzz run kdl_frontend "../$corpus" -- \
    -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=4096 -timeout=30 "$@"
