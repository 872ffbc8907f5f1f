#!/usr/bin/env bash
# Installs Debian's headless browser for the observer's browser test: `chromium` and
# `chromium-driver` (its WebDriver). Idempotent and fast when both are installed: apt runs
# only when a binary is missing. Prints the paths of both binaries.
set -euo pipefail

have() {
    command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1
}

if ! have; then
    if [ "$(id -u)" -ne 0 ]; then
        SUDO=sudo
    else
        SUDO=
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
fi

have || { echo "chromium.sh: chromium or chromedriver still missing" >&2; exit 1; }
command -v chromium
command -v chromedriver
