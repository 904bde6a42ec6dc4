#!/usr/bin/env bash
# Sets up everything the build and the tests need on a fresh Debian 12 machine.
# Idempotent and quick when everything is present. Needs root (or sudo) for apt-get.
set -euo pipefail

need=()
for cmd_pkg in smbd:samba smbclient:smbclient rpcclient:smbclient nmblookup:samba-common-bin smbtorture:samba-testsuite tshark:tshark nmap:nmap; do
    cmd=${cmd_pkg%%:*}
    pkg=${cmd_pkg##*:}
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
        need+=("$pkg")
    fi
done

if [ ${#need[@]} -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    echo "setup: installing ${need[*]}" >&2
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

if command -v rustup >/dev/null 2>&1; then
    for comp in clippy rustfmt; do
        if ! rustup component list --installed 2>/dev/null | grep -q "^$comp"; then
            rustup component add "$comp" >&2
        fi
    done
fi
