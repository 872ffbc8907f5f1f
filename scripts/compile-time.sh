#!/usr/bin/env bash
# Compile cost of generated systems (issue #16; a benchmark, not a test, and not part of CI).
#
# For each shape, size N and front-end, writes a scratch crate outside the workspace (as a
# user's crate: its own [workspace], the arbor crates by path from a snapshot of HEAD) with
# N actors, each with its own protocol (one call `step`, one cast `poke`), under one
# supervisor, and the same handler code in every front-end:
#   shapes:     chain   A0 calls A1 calls … A(N-1)           (the deepest call chain)
#               fanout  A0 calls A1 … A(N-1)                  (the widest actor)
#               tree    Ai calls A(2i+1) and A(2i+2)          (a binary tree)
#   front-ends: macro   `#[arbor_macros::system]`
#               kdl     a KDL spec compiled by build.rs (`arbor_codegen::compile`)
#               hand    the floor: the same actors written by hand against the runtime API
#                       (`impl arbor::Actor`, `ActorRef`s of the callees, spawned in order)
# Everything is built first (warm-up, not timed); then, with the
# crate's input touched (lib.rs, or the .kdl, which re-runs build.rs), incremental off:
#   check   `cargo check`  CPU seconds (user+sys of cargo and rustc) and peak RSS
#   build   `cargo build`  (debug) the same
#   incr    with CARGO_INCREMENTAL=1, after a warm incremental build: one handler's body
#           edited (the middle actor's `poke`), `cargo build` again — the edit-compile cycle
# CPU seconds, not wall time: the build machine is shared. A cell says `crash` when rustc
# crashed (e.g. overflowed its stack), `fail` when the build failed otherwise, `-` when not
# run. No RUST_MIN_STACK override: the defaults are what is measured.
#
#   bash scripts/compile-time.sh                 # N = 100 300 1000, every shape and front-end
#   bash scripts/compile-time.sh 100 300         # other sizes
# Environment: SHAPES (default "chain fanout tree"), KINDS (default "macro kdl hand"),
#   COMMANDS (default "check build incr"), PROFILE (dev or release, default dev),
#   SKIP (cells not to run, e.g. "fanout/1000/build tree/1000/*"), TIMEOUT (seconds per
#   cargo command, default 3600).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

work=${CARGO_TARGET_DIR:-$(pwd)/target}/compile-time
export CARGO_TARGET_DIR=$work/target
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100 300 1000)
read -r -a shapes <<<"${SHAPES:-chain fanout tree}"
read -r -a kinds <<<"${KINDS:-macro kdl hand}"
read -r -a commands <<<"${COMMANDS:-check build incr}"
profile=${PROFILE:-dev}
timeout_s=${TIMEOUT:-3600}
release=()
[ "$profile" = release ] && release=(--release)
mkdir -p "$work"
# The scratch crates depend on a snapshot of the committed sources (HEAD), so edits in the
# working tree during a long run change nothing.
root=$work/src
rm -rf "$root"
mkdir -p "$root"
git archive HEAD | tar -x -C "$root"

# $1 = crate dir, $2 = macro|kdl|hand, $3 = N, $4 = shape
generate() {
    python3 - "$1" "$2" "$3" "$4" "$root" <<'PY'
import os, sys
out, kind, n, shape, root = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
os.makedirs(out + "/src", exist_ok=True)

def callees(i):
    if shape == "chain":
        return [i + 1] if i + 1 < n else []
    if shape == "fanout":
        return list(range(1, n)) if i == 0 else []
    if shape == "tree":
        return [c for c in (2 * i + 1, 2 * i + 2) if c < n]
    raise SystemExit(f"unknown shape {shape}")

deps = f'''arbor = {{ path = "{root}/runtime" }}
tokio = {{ version = "1", features = ["rt", "macros"] }}
'''
build = ""
if kind == "macro":
    deps += f'arbor-macros = {{ path = "{root}/macros" }}\n'
elif kind == "kdl":
    build = f'[build-dependencies]\narbor-codegen = {{ path = "{root}/codegen-cli" }}\n'
open(out + "/Cargo.toml", "w").write(f'''[package]
name = "ct-{shape}-{kind}-{n}"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
{deps}
{build}''')

def step_body(i, call):
    # The sum of the callees' answers (each call's error counts as n).
    cs = callees(i)
    if not cs:
        return "n"
    return " + ".join(f"{call(c)}.await.unwrap_or(n)" for c in cs)

def handlers(i, module):
    body = step_body(i, lambda c: f"ctx.a{c}().step(n + 1)")
    return f'''
        async fn step(&mut self, n: u64, ctx: &mut {module}::Ctx) -> u64 {{
            self.count += 1;
            let _ = &ctx;
            {body}
        }}
        async fn poke(&mut self, n: u64, _ctx: &mut {module}::Ctx) {{
            self.count += n;
        }}'''

children = [f"a{i}" for i in reversed(range(n))]
allow_deep = shape == "chain" and n > 10
if kind == "macro":
    items = []
    for i in range(n):
        attrs = []
        if callees(i):
            attrs.append("calls(" + ", ".join(f"A{c}" for c in callees(i)) + ")")
        if i == 0 and allow_deep:
            attrs.append('allow(deep_call_chain, reason = "a benchmark of long chains")')
        actor = f"#[actor({', '.join(attrs)})]" if attrs else ""
        items.append(f'''
    #[derive(Default, Actor)]
    {actor}
    pub struct A{i}State {{ count: u64 }}

    #[handlers(protocol = "P{i}")]
    impl A{i}State {{
        #[call]{handlers(i, f"a{i}").replace("async fn poke", "#[cast] async fn poke", 1)}
    }}''')
    fields = "\n".join(f"        {c}: A{c[1:]}," for c in children)
    src = f'''//! {n} actors ({shape}) declared with the macros.
#[arbor_macros::system]
pub mod sys {{
    use arbor_macros::{{Actor, Supervisor}};
{"".join(items)}

    #[derive(Supervisor)]
    #[supervisor(strategy = "rest_for_one")]
    pub struct Root {{
{fields}
    }}
}}
'''
elif kind == "kdl":
    spec = []
    for i in range(n):
        spec.append(f'protocol P{i} {{\n    call step reply=u64 {{\n        arg n u64\n    }}\n    cast poke {{\n        arg n u64\n    }}\n}}\n')
        body = f"    serves P{i}\n    state A{i}State\n"
        if callees(i):
            body += "    calls " + " ".join(f"A{c}" for c in callees(i)) + "\n"
        if i == 0 and allow_deep:
            body += '    allow deep_call_chain reason="a benchmark of long chains"\n'
        spec.append(f"actor A{i} {{\n{body}}}\n")
    spec.append("supervisor Root strategy=rest_for_one {\n" + "".join(f"    child {c} actor=A{c[1:]}\n" for c in children) + "}\n")
    open(out + "/sys.kdl", "w").write("".join(spec))
    open(out + "/build.rs", "w").write('fn main() {\n    arbor_codegen::configure().compile(&["sys.kdl"]).unwrap();\n}\n')
    items = []
    for i in range(n):
        items.append(f'''
    #[derive(Default)]
    pub struct A{i}State {{ count: u64 }}

    impl a{i}::State for A{i}State {{
        type Args = ();
        async fn init(_args: (), _ctx: &mut a{i}::Ctx) -> Result<Self, arbor::ExitReason> {{
            Ok(Self::default())
        }}
    }}

    impl p{i}::Handler<a{i}::Ctx> for A{i}State {{{handlers(i, f"a{i}")}
    }}''')
    src = f'''//! {n} actors ({shape}) declared in sys.kdl, generated by build.rs.
pub mod sys {{
    arbor::include_spec!("sys");
{"".join(items)}
}}
'''
else:
    # The floor: what a user writes against the runtime API for the same system.
    items = []
    for i in range(n):
        cs = callees(i)
        fields = "".join(f"    a{c}: ActorRef<A{c}>,\n" for c in cs)
        args_ty = "(" + "".join(f"ActorRef<A{c}>, " for c in cs) + ")"
        args_pat = "(" + "".join(f"a{c}, " for c in cs) + ")"
        inits = "".join(f"a{c}, " for c in cs)
        body = step_body(i, lambda c: f"self.a{c}.call(|reply_to| P{c}Call::Step {{ n: n + 1, reply_to }})")
        items.append(f'''
/// The calls of actor `A{i}`.
pub enum P{i}Call {{
    /// `step(n) -> u64`
    Step {{ n: u64, reply_to: ReplyTo<u64> }},
}}

/// The casts of actor `A{i}`.
pub enum P{i}Cast {{
    /// `poke(n)`
    Poke {{ n: u64 }},
}}

/// Actor `A{i}`.
pub struct A{i} {{
    count: u64,
{fields}}}

impl Actor for A{i} {{
    type Args = {args_ty};
    type Call = P{i}Call;
    type Cast = P{i}Cast;
    type Info = ();
    type Continue = std::convert::Infallible;

    async fn init(args: Self::Args, _ctx: &mut Context<Self>) -> Init<Self> {{
        let {args_pat} = args;
        Init::Ok(A{i} {{ count: 0, {inits}}})
    }}

    async fn handle_call(&mut self, msg: P{i}Call, _ctx: &mut Context<Self>) -> Handled<Self> {{
        match msg {{
            P{i}Call::Step {{ n, reply_to }} => {{
                self.count += 1;
                let reply = {body};
                let _ = reply_to.send(reply);
            }}
        }}
        Handled::Continue
    }}

    async fn handle_cast(&mut self, msg: P{i}Cast, _ctx: &mut Context<Self>) -> Handled<Self> {{
        match msg {{
            P{i}Cast::Poke {{ n }} => {{
                self.count += n;
            }}
        }}
        Handled::Continue
    }}
}}''')
    starts = []
    for i in reversed(range(n)):
        args = "(" + "".join(f"a{c}.clone(), " for c in callees(i)) + ")"
        starts.append(f"    let a{i} = A{i}::start({args}).await?;\n")
    src = f'''//! {n} actors ({shape}) written by hand against the runtime API (the floor).
#![allow(dead_code)]
use arbor::{{Actor, ActorRef, Context, ExitReason, Handled, Init, ReplyTo}};
{"".join(items)}

/// Starts every actor, the callees first; returns the first.
pub async fn start() -> Result<ActorRef<A0>, ExitReason> {{
{"".join(starts)}    Ok(a0)
}}
'''
open(out + "/src/lib.rs", "w").write(src)
PY
    cp "$root/Cargo.lock" "$1/Cargo.lock"
}

# $1 = crate dir, $2 = file to touch, $3 = cargo command; prints "cpu_s rss_mb", or "crash"
# / "fail" (the last lines of the failure go to $work/failures.log).
timed() {
    touch "$1/$2"
    local status=0
    timeout "$timeout_s" /usr/bin/time -o "$work/time.txt" -f '%e %U %S %M' \
        cargo "$3" "${release[@]}" --offline --quiet --manifest-path "$1/Cargo.toml" \
        >/dev/null 2>"$work/stderr.txt" || status=$?
    if [ "$status" -ne 0 ]; then
        { echo "== cargo $3 in $1 (exit $status)"; tail -20 "$work/stderr.txt"; } >>"$work/failures.log"
        if grep -q "overflowed its stack\|SIGSEGV\|stack overflow" "$work/stderr.txt"; then
            echo crash
        elif [ "$status" -eq 124 ]; then
            echo timeout
        else
            echo fail
        fi
        return
    fi
    # Whatever cargo printed before time's own line (none with --quiet) is skipped.
    tail -1 "$work/time.txt" | awk '{ printf "%.1f %d", $2 + $3, $4 / 1024 }'
}

skipped() {
    local cell=$1
    for pattern in ${SKIP:-}; do
        # shellcheck disable=SC2053
        [[ $cell == $pattern ]] && return 0
    done
    return 1
}

# One handler edited: the middle actor's cast handler, toggled between two bodies.
edit_handler() {
    local file=$1 n=$2
    local m=$((n / 2))
    python3 - "$file" "$m" <<'PY'
import re, sys
path, m = sys.argv[1], sys.argv[2]
s = open(path).read()
# The `poke` body of actor m in every front-end is the first `self.count += n…;` after
# the `A{m}` marker (the macros' handlers impl, the KDL Handler impl, the hand-written impl).
marker = {"impl A%sState {" % m, "impl p%s::Handler" % m, "impl Actor for A%s {" % m}
at = min(s.index(x) for x in marker if x in s)
end = s.index(";", s.index("self.count += n", s.index("poke", at)))
start = s.index("self.count += n", s.index("poke", at))
old = s[start:end]
new = "self.count += n + 1" if old == "self.count += n" else "self.count += n"
open(path, "w").write(s[:start] + new + s[end:])
PY
}

: >"$work/failures.log"
rows=()
for shape in "${shapes[@]}"; do
    for n in "${sizes[@]}"; do
        for kind in "${kinds[@]}"; do
            dir=$work/$shape-$kind-$n
            rm -rf "$dir"
            generate "$dir" "$kind" "$n" "$shape"
            input=src/lib.rs
            [ "$kind" = kdl ] && input=sys.kdl
            check=- check_rss=- build=- build_rss=- incr=-
            # Warm-up, not timed: a `cargo check` of the crate (its dependencies' metadata, the
            # build script and its dependencies), then before `cargo build` a whole build: the
            # crate's own build is what is timed.
            CARGO_INCREMENTAL=0 timeout "$timeout_s" cargo check "${release[@]}" --offline --quiet \
                --manifest-path "$dir/Cargo.toml" >/dev/null 2>&1 || true
            for cmd in "${commands[@]}"; do
                if skipped "$shape/$n/$kind/$cmd" || skipped "$shape/$n/$cmd"; then
                    continue
                fi
                case $cmd in
                check)
                    read -r check check_rss _ <<<"$(CARGO_INCREMENTAL=0 timed "$dir" "$input" check) - -"
                    ;;
                build)
                    # Warm-up: a whole build, not timed. Building only the dependencies
                    # (`-p arbor -p tokio`) resolves their features differently from the
                    # crate's own build, which then rebuilt the runtime inside the timed build
                    # (about 10 CPU-s too many in the KDL and macro rows until 2026-12-08).
                    CARGO_INCREMENTAL=0 timeout "$timeout_s" cargo build "${release[@]}" --offline --quiet \
                        --manifest-path "$dir/Cargo.toml" >/dev/null 2>&1 || true
                    read -r build build_rss _ <<<"$(CARGO_INCREMENTAL=0 timed "$dir" "$input" build) - -"
                    ;;
                incr)
                    # A warm incremental build, then one handler edited and built again.
                    CARGO_INCREMENTAL=1 timeout "$timeout_s" cargo build "${release[@]}" --offline --quiet \
                        --manifest-path "$dir/Cargo.toml" >/dev/null 2>&1 || true
                    edit_handler "$dir/src/lib.rs" "$n"
                    read -r incr _ <<<"$(CARGO_INCREMENTAL=1 timed "$dir" src/lib.rs build) - -"
                    ;;
                esac
            done
            row=$(printf '| %-6s | %5s | %-5s | %8s | %8s | %8s | %9s | %8s |' \
                "$shape" "$n" "$kind" "$check" "$check_rss" "$build" "$build_rss" "$incr")
            rows+=("$row")
            echo "$row" >&2
            # The crate's own artifacts are large at 1000 actors: disk is shared.
            rm -rf "$CARGO_TARGET_DIR/${profile/dev/debug}/incremental/ct_"* 2>/dev/null || true
        done
    done
done

echo
echo "profile: $profile; CPU s = user+sys of cargo and rustc; RSS = peak of the largest process (MB)"
echo '| shape | N | front-end | check CPU s | check MB | build CPU s | build MB | incr CPU s |'
echo '|---|---:|---|---:|---:|---:|---:|---:|'
printf '%s\n' "${rows[@]}"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores, shared); failures: $work/failures.log"
