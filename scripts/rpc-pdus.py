#!/usr/bin/env python3
"""Extracts the DCE/RPC PDUs of a capture (SMB on a given port) into one fixture file.

Format: records of [pipe u8][direction u8: 0 client->server, 1 server->client]
[length u32 LE][PDU]; `pipe` numbers the pipes in order (a new TCP stream or a bind starts one).
Usage: rpc-pdus.py CAPTURE.pcap PORT OUT.bin [OPNUM:MAXCALLS ...]
  OPNUM:MAXCALLS keeps only the first MAXCALLS calls of that opnum on each pipe.
"""
import json, struct, subprocess, sys

cap, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
limits = {int(a.split(":")[0]): int(a.split(":")[1]) for a in sys.argv[4:]}
js = subprocess.run(
    ["tshark", "-r", cap, "-d", f"tcp.port=={port},nbss", "-Y", "dcerpc", "-T", "json", "-x"],
    check=True, capture_output=True).stdout
pipes, recs, counter = {}, [], [0]
for p in json.loads(js):
    l = p["_source"]["layers"]
    raws = l.get("dcerpc_raw")
    if raws is None:
        continue
    if not isinstance(raws[0], list):
        raws = [raws]
    # Pipes follow one another on a connection in these captures: a new bind starts one.
    stream = l["tcp"]["tcp.stream"]
    d = 1 if int(l["tcp"]["tcp.srcport"]) == port else 0
    for r in raws:
        b = bytes.fromhex(r[0])
        flen = struct.unpack_from("<H" if b[4] & 0x10 else ">H", b, 8)[0]
        assert flen == len(b), (l["frame"]["frame.number"], flen, len(b))
        if b[2] == 11 or stream not in pipes:
            pipes[stream] = counter[0]
            counter[0] += 1
        recs.append((pipes[stream], d, b))
# Drop calls beyond the limits (a call: the PDUs of one call_id on one pipe).
seen, opnum_of, kept = {}, {}, []
for pipe, d, b in recs:
    le = b[4] & 0x10
    cid = struct.unpack_from("<I" if le else ">I", b, 12)[0]
    if b[2] == 0 and (pipe, cid) not in opnum_of:
        op = struct.unpack_from("<H" if le else ">H", b, 22)[0]
        opnum_of[(pipe, cid)] = op
        seen[(pipe, op)] = seen.get((pipe, op), 0) + 1
        if seen[(pipe, op)] > limits.get(op, 1 << 30):
            opnum_of[(pipe, cid)] = None
    if opnum_of.get((pipe, cid), 0) is None:
        continue
    kept.append((pipe, d, b))
with open(out, "wb") as f:
    for pipe, d, b in kept:
        f.write(struct.pack("<BBI", pipe, d, len(b)) + b)
print(f"{out}: {len(kept)} of {len(recs)} PDUs, {counter[0]} pipes")
