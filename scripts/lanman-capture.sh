#!/bin/sh
# Captures Samba's smbclient speaking the pre-NT dialects to Samba's smbd, for
# testdata/lanman/*.pcap (golden input of the LANMAN codecs).
#
# Runs in a private network namespace (its own loopback, port 445 free), starts a private
# smbd with `server min protocol = LANMAN1` and `lanman auth = yes`, and records one
# smbclient session per file with dumpcap:
#
#   smbclient-lanman1.pcap            client max protocol = LANMAN1, LM response
#   smbclient-lanman2.pcap            client max protocol = LANMAN2, LM response
#   smbclient-lanman1-plaintext-vs-smb-serve.pcap
#                                     LANMAN1, the password in clear, against this
#                                     project's `smb serve --allow-plaintext` (smbd checks
#                                     plaintext passwords against the system's accounts);
#                                     only when SMB_BIN names the smb binary
#
# Each session lists the share, gets hello.txt, puts a file, makes a directory, renames
# the file, deletes it and removes the directory.
#
# Usage (root): scripts/lanman-capture.sh [OUTDIR]   (about 20 seconds)
set -eu
OUT=$(realpath -m "${1:-testdata/lanman}")
if [ -z "${LANMAN_CAPTURE_INSIDE:-}" ]; then
    LANMAN_CAPTURE_INSIDE=1 exec unshare -n "$0" "$OUT"
fi

D=$(mktemp -d)
DUMPCAP_PID=
cleanup() {
    [ -n "$DUMPCAP_PID" ] && kill "$DUMPCAP_PID" 2>/dev/null || true
    if [ -f "$D/pid/smbd.pid" ]; then kill "$(cat "$D/pid/smbd.pid")" 2>/dev/null || true; fi
    rm -rf "$D"
}
trap cleanup EXIT
ip link set lo up
mkdir -p "$D/private" "$D/lock" "$D/state" "$D/cache" "$D/pid" "$D/log" "$D/ncalrpc" \
    "$D/share" "$D/work"
id smbtest >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin smbtest

conf() {
    cat >"$D/smb.conf" <<EOF
[global]
netbios name = SMBPEER
server role = standalone server
interfaces = 127.0.0.1
bind interfaces only = yes
smb ports = 445
disable netbios = yes
server min protocol = LANMAN1
ntlm auth = yes
lanman auth = yes
host msdfs = no
map to guest = Bad User
passdb backend = tdbsam:$D/private/passdb.tdb
private dir = $D/private
lock directory = $D/lock
state directory = $D/state
cache directory = $D/cache
pid directory = $D/pid
ncalrpc dir = $D/ncalrpc
log file = $D/log/smbd.log
load printers = no
printcap name = /dev/null
disable spoolss = yes
[share]
path = $D/share
read only = no
guest ok = yes
force user = root
EOF
}

session() { # NAME MAXPROTO EXTRA...
    name=$1
    proto=$2
    shift 2
    printf 'hello from smbd over SMB1\n' >"$D/share/hello.txt"
    printf 'put by smbclient\n' >"$D/work/up.txt"
    dumpcap -q -i lo -f "tcp port 445" -w "$D/$name.pcapng" >/dev/null 2>&1 &
    DUMPCAP_PID=$!
    sleep 1
    (cd "$D/work" && smbclient //127.0.0.1/share -p 445 -U smbtest%smbpass \
        --option='client min protocol=CORE' --option="client max protocol=$proto" \
        --option='client ntlmv2 auth=no' --option='client use spnego=no' "$@" \
        -c 'ls; get hello.txt got.txt; put up.txt up.txt; mkdir newdir; rename up.txt moved.txt; del moved.txt; rmdir newdir')
    sleep 1
    kill "$DUMPCAP_PID"
    wait "$DUMPCAP_PID" || true
    DUMPCAP_PID=
    tshark -r "$D/$name.pcapng" -F pcap -w "$OUT/$name.pcap"
    tshark -r "$OUT/$name.pcap" -Y smb | sed 's/^/  /'
}

start_smbd() {
    conf
    printf 'smbpass\nsmbpass\n' | smbpasswd -c "$D/smb.conf" -a -s smbtest >/dev/null
    smbd -D -s "$D/smb.conf"
    sleep 1
}

stop_smbd() {
    kill "$(cat "$D/pid/smbd.pid")"
    sleep 1
}

mkdir -p "$OUT"
start_smbd
session smbclient-lanman1 LANMAN1 --option='client lanman auth=yes' --option='client plaintext auth=no'
session smbclient-lanman2 LANMAN2 --option='client lanman auth=yes' --option='client plaintext auth=no'
stop_smbd
if [ -n "${SMB_BIN:-}" ]; then
    "$SMB_BIN" serve --listen 127.0.0.1:445 --share "share=$D/share" --user smbtest:smbpass \
        --allow-plaintext >"$D/serve.log" 2>&1 &
    SERVE_PID=$!
    sleep 1
    session smbclient-lanman1-plaintext-vs-smb-serve LANMAN1 \
        --option='client lanman auth=yes' --option='client plaintext auth=yes'
    kill "$SERVE_PID"
fi
