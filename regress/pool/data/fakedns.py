#!/usr/bin/env python3
# A tiny DNS responder for the pool tests, on loopback only: answers A
# queries for the names given on the command line with 127.0.0.1 while
# the file ENABLE exists, and NXDOMAIN otherwise (and for AAAA, NODATA).
# usage: fakedns.py ADDR ENABLE NAME...
import os
import socket
import struct
import sys

addr, enable, names = sys.argv[1], sys.argv[2], {n.lower().rstrip('.') for n in sys.argv[3:]}
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
print("ready", flush=True)
while True:
    q, peer = s.recvfrom(512)
    if len(q) < 12:
        continue
    qid, flags, qd = struct.unpack('>HHH', q[:6])
    if qd != 1:
        continue
    i, labels = 12, []
    while i < len(q) and q[i] != 0:
        n = q[i]
        labels.append(q[i + 1:i + 1 + n].decode('ascii', 'replace'))
        i += 1 + n
    if i + 5 > len(q):
        continue
    qtype = struct.unpack('>H', q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    name = '.'.join(labels).lower()
    known = name in names and os.path.exists(enable)
    rcode = 0 if known else 3
    an = b''
    if known and qtype == 1:
        an = struct.pack('>HHHIH', 0xc00c, 1, 1, 5, 4) + socket.inet_aton('127.0.0.1')
    hdr = struct.pack('>HHHHHH', qid, 0x8180 | rcode, 1, 1 if an else 0, 0, 0)
    s.sendto(hdr + question + an, peer)
