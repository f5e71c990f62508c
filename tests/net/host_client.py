#!/usr/bin/env python3
"""Host side of tests/net/run.sh: talks to echo_server inside solo through
the -p port forward.  tcp PORT BYTES: send BYTES random bytes, read them back,
compare byte for byte.  udp PORT COUNT: COUNT datagrams of varying sizes, each
echoed, then "quit".  Retries the first connection while the guest boots."""
import os, socket, sys, time, hashlib

def connect(port, deadline):
    while True:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        try:
            s.sendall(b"x")
            if s.recv(1) == b"x":
                return s
        except OSError:
            pass
        s.close()
        if time.time() > deadline:
            raise SystemExit("guest never answered on port %d" % port)
        time.sleep(0.2)

def tcp(port, nbytes):
    s = connect(port, time.time() + 40)
    data = os.urandom(nbytes)
    got = bytearray()
    s.setblocking(True)
    sent = 0
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    t0 = time.time()
    while len(got) < nbytes:
        for key, ev in sel.select(timeout=30):
            if ev & selectors.EVENT_WRITE and sent < nbytes:
                sent += s.send(data[sent:sent + 65536])
                if sent == nbytes:
                    sel.modify(s, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                chunk = s.recv(1 << 20)
                if not chunk:
                    raise SystemExit("connection closed after %d bytes" % len(got))
                got += chunk
        if time.time() - t0 > 50:
            raise SystemExit("timeout: sent %d, got %d" % (sent, len(got)))
    dt = time.time() - t0
    s.shutdown(socket.SHUT_WR)
    if s.recv(1) != b"":
        raise SystemExit("extra data after the echo")
    s.close()
    if bytes(got) != data:
        raise SystemExit("TCP echo differs")
    print("tcp: %d bytes echoed intact, %.1f MB/s, sha256 %s" %
          (nbytes, 2 * nbytes / dt / 1e6, hashlib.sha256(data).hexdigest()[:16]))

def udp(port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    ok = 0
    for i in range(count):
        d = os.urandom(1 + (i * 977) % 8000)
        for attempt in range(5):
            s.sendto(d, ("127.0.0.1", port))
            try:
                r, _ = s.recvfrom(65536)
                break
            except socket.timeout:
                continue
        else:
            raise SystemExit("udp datagram %d never echoed" % i)
        if r != d:
            raise SystemExit("udp datagram %d differs" % i)
        ok += 1
    s.sendto(b"quit", ("127.0.0.1", port))
    print("udp: %d datagrams echoed intact" % ok)

if __name__ == "__main__":
    kind, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    tcp(port, n) if kind == "tcp" else udp(port, n)
