#!/usr/bin/env bash
# The CI recipe of docs/ci.md, tried from a scaffolded project:
#   arbor new → arbor check --deny-warnings (and the github / sarif formats) → the project's
#   whole `cargo test --locked` (its trybuild compile-fail suite included) → a spec edit that
#   closes a cycle, which must fail both `arbor check` (exit 1) and `cargo build`, naming it.
#
#   bash scripts/scaffold-ci.sh [specs/chat.kdl]
#
# Outside `.ci/run`: trybuild's first run builds every dependency again in its own directory
# (about 5 minutes on two cores; seconds once built). The cheaper part — the scaffold's app
# test and spec checks, and the cyclic build — runs in CI (codegen-cli/tests/new_project.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

ws=$(pwd)
spec=${1:-specs/chat.kdl}
target=${CARGO_TARGET_DIR:-$ws/target}
export CARGO_TARGET_DIR=$target

cargo build -q -p arbor-codegen --bin arbor --locked
arbor=$target/debug/arbor

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
name=scaffold-ci-$(basename "$spec" .kdl | tr '_' '-')
project=$work/$name

step() { printf '\n== %s\n' "$*"; }
fail() { echo "scaffold-ci: FAILED: $*" >&2; exit 1; }
start=$SECONDS

step "arbor new $name --spec $spec"
"$arbor" new "$project" --spec "$spec" --arbor-path "$ws"
cd "$project"
[ ! -e rust-toolchain.toml ] || fail "the scaffold pins a toolchain"

step "arbor check --deny-warnings specs/*.kdl"
"$arbor" check --deny-warnings specs/*.kdl

step "arbor check --format github / sarif"
"$arbor" check --format github specs/*.kdl
"$arbor" check --format sarif specs/*.kdl >arbor.sarif
grep -q '"version": "2.1.0"' arbor.sarif || fail "no SARIF 2.1.0 log"

step "cargo test --locked --offline (app, spec checks, compile-fail)"
t=$SECONDS
cargo test --locked --offline 2>&1 | tee "$work/test.log" | grep -E '^test |test result' || true
grep -q 'code_that_must_not_compile ... ok' "$work/test.log" || fail "the compile-fail suite did not pass"
grep -q 'a_call_that_closes_a_cycle_is_rejected_naming_the_cycle ... ok' "$work/test.log" ||
    fail "the spec checks did not pass"
grep -q 'the_app_starts_and_stops ... ok' "$work/test.log" || fail "the app test did not pass"
echo "cargo test: $((SECONDS - t)) s"

# The cycle edit of tests/spec_checks.rs, applied to the spec: the first line that `arbor new`
# chose (`add_to_actor(&spec, "B", "calls A")`) goes at the top of actor B's block.
edit=$(grep -o 'add_to_actor(&spec, "[A-Za-z0-9_]*", "calls [A-Za-z0-9_]*")' tests/spec_checks.rs | head -1)
actor=$(echo "$edit" | sed 's/.*(&spec, "\([^"]*\)".*/\1/')
line=$(echo "$edit" | sed 's/.*", "\(calls [^"]*\)")/\1/')
[ -n "$actor" ] && [ -n "$line" ] || fail "no cycle case in tests/spec_checks.rs"
file=$(grep -l "^actor $actor " specs/*.kdl | head -1)
cp "$file" "$work/spec.orig"
sed -i "s/^actor $actor \(.*\){\$/actor $actor \1{\n    $line/" "$file"
grep -q "^    $line\$" "$file" || fail "could not apply '$line' to actor $actor"

step "the cycle edit ($actor gets '$line'): arbor check exits 1"
set +e
"$arbor" check specs/*.kdl 2>"$work/check.log"
code=$?
set -e
[ "$code" = 1 ] || fail "arbor check exited $code on a cyclic spec"
grep -E 'synchronous call cycle|calls itself|casts to itself' "$work/check.log" || fail "arbor check did not name the cycle"

step "the cycle edit: cargo build fails naming the cycle"
if cargo build --offline 2>"$work/build.log"; then fail "a cyclic spec built"; fi
grep -m1 -E 'synchronous call cycle|calls itself|casts to itself' "$work/build.log" || fail "the build did not name the cycle"
cp "$work/spec.orig" "$file"

echo
echo "scaffold-ci: the recipe passes from a scaffold of $spec ($((SECONDS - start)) s)"
