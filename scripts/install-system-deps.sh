#!/usr/bin/env bash
# Install the Debian packages the kg test suite needs: Virtuoso 7, Chromium +
# ChromeDriver, curl, and nginx + Apache (to test the site's content-negotiation
# snippets). Idempotent and non-interactive: when every package is already
# installed, apt-get is not run at all.
set -euo pipefail

PACKAGES=(virtuoso-opensource chromium chromium-driver curl nginx apache2-bin)

missing=()
for pkg in "${PACKAGES[@]}"; do
    # dpkg -s exits 0 also for "deinstall ok config-files"; require "install ok installed".
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-system-deps: all present (${PACKAGES[*]})"
    exit 0
fi

echo "install-system-deps: installing ${missing[*]}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive

# Virtuoso's postinst asks for the dba password; preseed it (new databases get
# dba/dba). debconf-set-selections ships with debconf, which is Essential.
printf '%s\n' \
    'virtuoso-opensource-7 virtuoso-opensource-7/dba-password password dba' \
    'virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password dba' \
    | $SUDO debconf-set-selections

$SUDO apt-get update -q

$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}"

# The package cannot start its own daemon in a container; that is fine, tests
# run their own instances. Check the binaries are there.
for bin in virtuoso-t isql-vt chromium chromedriver curl; do
    command -v "$bin" >/dev/null || { echo "install-system-deps: $bin missing after install" >&2; exit 1; }
done
echo "install-system-deps: done"
