#!/usr/bin/env bash
# Compile time of the macro front-end against the KDL path (a benchmark, not a test).
#
# For each N, generates two scratch crates with the same system — N actors in a chain of
# synchronous calls (A0 calls A1 … calls A(N-1)), each with its own protocol (one call, one
# cast), under one rest_for_one supervisor — once written with `#[arbor_macros::system]` and
# once as a KDL spec compiled by build.rs (`arbor_codegen::compile`), with the same handler
# code. Dependencies are built once (warm-up); then each crate is rebuilt after touching its
# input (lib.rs for the macros, the .kdl for the KDL path, which re-runs build.rs) and the
# wall and CPU times and the peak memory of `cargo check` and `cargo build` are printed. The difference is what the
# macros cost over the build script; both include the shared analysis and emitter.
#
#   bash scripts/compile-time.sh              # N = 50 200
#   bash scripts/compile-time.sh 50 200 1000  # CHECK_ONLY=1 skips `cargo build`
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

# A chain of 200 synchronous calls overflows rustc's default 8 MiB stack in `cargo build`
# (not in `cargo check`): debuginfo describes each client's actor type, whose context holds the
# next client, nesting as deep as the chain (see macros/ARCHITECTURE-macros.md).
export RUST_MIN_STACK=${RUST_MIN_STACK:-67108864}
# Each timed run compiles the whole crate again (its dependencies stay built): without
# incremental compilation by default; CARGO_INCREMENTAL=1 times an edit-compile cycle instead.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
work=${CARGO_TARGET_DIR:-$(pwd)/target}/compile-time
export CARGO_TARGET_DIR=$work/target
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(50 200)
mkdir -p "$work"
# The scratch crates depend on a snapshot of the committed sources (HEAD), so edits in the
# working tree during a long run change nothing.
root=$work/src
rm -rf "$root"
mkdir -p "$root"
git archive HEAD | tar -x -C "$root"

# $1 = crate dir, $2 = macro|kdl, $3 = N
generate() {
    python3 - "$1" "$2" "$3" "$root" <<'PY'
import os, sys
out, kind, n, root = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
os.makedirs(out + "/src", exist_ok=True)
deps = f'''arbor = {{ path = "{root}/runtime" }}
tokio = {{ version = "1", features = ["rt", "macros"] }}
'''
if kind == "macro":
    deps += f'arbor-macros = {{ path = "{root}/macros" }}\n'
    build = ""
else:
    build = f'[build-dependencies]\narbor-codegen = {{ path = "{root}/codegen-cli" }}\n'
open(out + "/Cargo.toml", "w").write(f'''[package]
name = "ct-{kind}-{n}"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
{deps}
{build}''')

def handlers(i, module):
    nxt = f"ctx.a{i+1}().step(n + 1).await.unwrap_or(n)" if i + 1 < n else "n"
    return f'''
        async fn step(&mut self, n: u64, ctx: &mut {module}::Ctx) -> u64 {{
            self.count += 1;
            let _ = &ctx;
            {nxt}
        }}
        async fn poke(&mut self, n: u64, _ctx: &mut {module}::Ctx) {{
            self.count += n;
        }}'''

children = [f"a{i}" for i in reversed(range(n))]
if kind == "macro":
    items = []
    for i in range(n):
        attrs = [f"calls(A{i+1})"] if i + 1 < n else []
        if i == 0 and n > 1:
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
    src = f'''//! {n} actors declared with the macros.
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
    open(out + "/src/lib.rs", "w").write(src)
else:
    spec = []
    for i in range(n):
        spec.append(f'protocol P{i} {{\n    call step reply=u64 {{\n        arg n u64\n    }}\n    cast poke {{\n        arg n u64\n    }}\n}}\n')
        body = f"    serves P{i}\n    state A{i}State\n"
        if i + 1 < n:
            body += f'    calls A{i+1}\n'
        if i == 0 and n > 1:
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
    src = f'''//! {n} actors declared in sys.kdl, generated by build.rs.
pub mod sys {{
    arbor::include_spec!("sys");
{"".join(items)}
}}
'''
    open(out + "/src/lib.rs", "w").write(src)
PY
    cp "$root/Cargo.lock" "$1/Cargo.lock"
}

# $1 = crate dir, $2 = file to touch, $3 = cargo command; prints "wall_s cpu_s max_rss_mb"
timed() {
    touch "$1/$2"
    if ! /usr/bin/time -o "$work/time.txt" -f '%e %U %S %M' \
        cargo "$3" --offline --quiet --manifest-path "$1/Cargo.toml" >/dev/null 2>&1; then
        echo "cargo $3 failed in $1" >&2
        exit 1
    fi
    awk '{ printf "%.1f %.1f %d", $1, $2 + $3, $4 / 1024 }' "$work/time.txt"
}

printf '%-6s %-6s %-10s %9s %9s %12s\n' N path command wall_s cpu_s max_rss
for n in "${sizes[@]}"; do
    for kind in kdl macro; do
        dir=$work/$kind-$n
        generate "$dir" "$kind" "$n"
        input=src/lib.rs
        [ "$kind" = kdl ] && input=sys.kdl
        # Warm-up: dependencies, build script, and the crate once.
        cargo check --offline --quiet --manifest-path "$dir/Cargo.toml" >/dev/null 2>&1 || {
            echo "cargo check failed for $dir:" >&2
            cargo check --offline --manifest-path "$dir/Cargo.toml" 2>&1 | tail -30 >&2
            exit 1
        }
        commands=(check)
        [ "${CHECK_ONLY:-0}" = 1 ] || commands+=(build)
        for cmd in "${commands[@]}"; do
            if [ "$cmd" = build ] && ! cargo build --offline --quiet --manifest-path "$dir/Cargo.toml" >/dev/null 2>&1; then
                echo "cargo build failed for $dir:" >&2
                cargo build --offline --manifest-path "$dir/Cargo.toml" 2>&1 | tail -30 >&2
                exit 1
            fi
            read -r wall cpu rss <<<"$(timed "$dir" "$input" "$cmd")"
            printf '%-6s %-6s %-10s %9s %9s %10sMB\n' "$n" "$kind" "$cmd" "$wall" "$cpu" "$rss"
        done
    done
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores shared; compare the two paths of one run)"
