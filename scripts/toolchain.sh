#!/usr/bin/env bash
# Make the pinned toolchain of rust-toolchain.toml resolvable without a download.
#
# trybuild's .stderr snapshots depend on the exact rustc, so the workspace pins
# 1.95.0. These machines cannot download toolchains: if rustup does not know a
# toolchain by that name but one installed toolchain *is* rustc 1.95.0 (usually
# `stable`), register it under the pinned name. Sourced by the other scripts.
set -euo pipefail

pinned=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../rust-toolchain.toml")

if ! command -v rustup >/dev/null 2>&1; then
    # No rustup: whatever cargo is on PATH is used as-is.
    return 0 2>/dev/null || exit 0
fi

if rustup toolchain list | grep -q "^${pinned}-"; then
    return 0 2>/dev/null || exit 0
fi

rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
for candidate in $(rustup toolchain list | awk '{print $1}'); do
    version=$(RUSTUP_TOOLCHAIN="$candidate" rustc --version 2>/dev/null | awk '{print $2}')
    if [ "$version" = "$pinned" ]; then
        host=${candidate#*-}
        ln -sfn "$rustup_home/toolchains/$candidate" "$rustup_home/toolchains/${pinned}-${host}"
        echo "toolchain: registered installed '$candidate' (rustc $version) as '$pinned'" >&2
        return 0 2>/dev/null || exit 0
    fi
done

echo "toolchain: rustc $pinned is required (trybuild snapshots are blessed with it) and none is installed" >&2
exit 1
