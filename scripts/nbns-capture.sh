#!/bin/sh
# Captures Samba's name service and browse traffic for testdata/nbns/samba-nmbd.pcap.
#
# Runs nmbd (Samba 4.17) in a private network namespace on one end of a veth pair
# (10.99.0.1/24; nmbd does not serve on loopback alone), lets it register its names,
# become local master browser and announce itself, asks it with nmblookup (names, a name
# it does not have, node status, a broadcast query), stops it, and keeps the UDP packets
# of ports 137 and 138 in a classic pcap file.
#
# Usage (root): scripts/nbns-capture.sh [OUT.pcap]   (about 75 seconds)
set -eu
OUT=$(realpath -m "${1:-testdata/nbns/samba-nmbd.pcap}")
if [ -z "${NBNS_CAPTURE_INSIDE:-}" ]; then
    NBNS_CAPTURE_INSIDE=1 exec unshare -n "$0" "$OUT"
fi

D=$(mktemp -d)
NMBD_PID=
DUMPCAP_PID=
cleanup() {
    [ -n "$NMBD_PID" ] && kill "$NMBD_PID" 2>/dev/null || true
    [ -n "$DUMPCAP_PID" ] && kill "$DUMPCAP_PID" 2>/dev/null || true
    rm -rf "$D"
}
trap cleanup EXIT

ip link set lo up
ip link add nb0 type veth peer name nb1
ip addr add 10.99.0.1/24 brd 10.99.0.255 dev nb0
ip link set nb1 up
ip link set nb0 up
mkdir -p "$D/state" "$D/priv"
cat >"$D/smb.conf" <<EOF
[global]
netbios name = SAMBANB
workgroup = TESTGROUP
server string = samba under test
interfaces = 10.99.0.1/24
bind interfaces only = yes
local master = yes
preferred master = yes
os level = 20
private dir = $D/priv
lock directory = $D/state
state directory = $D/state
cache directory = $D/state
pid directory = $D/state
ncalrpc dir = $D/state
log file = $D/nmbd.log
EOF

dumpcap -q -i nb0 -i lo -w "$D/cap.pcapng" >/dev/null 2>&1 &
DUMPCAP_PID=$!
sleep 1
nmbd -D -s "$D/smb.conf"
sleep 1
NMBD_PID=$(cat "$D/state/nmbd.pid")
# Registrations, the first announcements, the election.
sleep 40
q() { nmblookup -s "$D/smb.conf" "$@" || true; }
q -U 10.99.0.1 SAMBANB
q -U 10.99.0.1 'SAMBANB#20'
q -U 10.99.0.1 NOSUCH
q -A 10.99.0.1
q -B 10.99.0.255 SAMBANB
q -M TESTGROUP
sleep 2
# nmbd announces server type 0 as it stops.
kill "$NMBD_PID"
NMBD_PID=
sleep 2
kill "$DUMPCAP_PID"
wait "$DUMPCAP_PID" || true
DUMPCAP_PID=
mkdir -p "$(dirname "$OUT")"
tshark -r "$D/cap.pcapng" -Y "udp.port == 137 || udp.port == 138" -F pcap -w "$OUT"
tshark -r "$OUT" | sed 's/^/  /'
