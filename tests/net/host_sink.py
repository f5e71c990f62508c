#!/usr/bin/env python3
"""Host side of the exit-flush test: accept one connection on 127.0.0.1,
write the port to argv[1], (optionally wait argv[3] seconds,) read until
EOF and check argv[2] bytes of sender.c's pattern arrived; prints the
verdict."""
import socket, sys, os
HOSTADDR = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
ls = socket.socket()
ls.bind((HOSTADDR, 0))
ls.listen(1)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
ls.settimeout(60)
c, _ = ls.accept()
c.settimeout(30)
if len(sys.argv) > 3:
    import time
    time.sleep(float(sys.argv[3]))      # a slow reader: the guest exits with data unsent
want = int(sys.argv[2])
got = bytearray()
try:
    while True:
        d = c.recv(1 << 20)
        if not d:
            break
        got += d
except OSError as e:
    print("error after %d bytes: %s" % (len(got), e))
pattern = bytes(((i * 31 + 7) & 0xff) for i in range(256))
expect = (pattern * (want // 256 + 1))[:want]
print("received %d of %d bytes, %s" % (len(got), want, "intact" if bytes(got) == expect else "DIFFERENT"))
