#!/usr/bin/env python3
"""Host echo server for tests/net (the guest's client.c talks to it through
QEMU user networking at 10.0.2.2): TCP (echo until EOF, then close) and UDP
on 127.0.0.1:PORT (or the address argv[2]).  Writes the port it got to the
file argv[1], then serves until killed."""
import socket, sys, threading

def tcp_conn(c):
    with c:
        while True:
            d = c.recv(1 << 16)
            if not d:
                break
            c.sendall(d)

def tcp_loop(ls):
    while True:
        c, _ = ls.accept()
        threading.Thread(target=tcp_conn, args=(c,), daemon=True).start()

def udp_loop(us):
    while True:
        d, a = us.recvfrom(65536)
        us.sendto(d, a)

host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
ls = socket.socket(fam)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((host, 0))
ls.listen(8)
port = ls.getsockname()[1]
us = socket.socket(fam, socket.SOCK_DGRAM)
us.bind((host, port))
threading.Thread(target=udp_loop, args=(us,), daemon=True).start()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % port)
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
tcp_loop(ls)
