# tmpfiles.py - a script that writes and reads /tmp (an in-memory tmpfs under
# solo), with a module of its own beside it; its output must equal the
# native run's.
import os
import tempfile

import pyhelper

path = "/tmp/solo-py-test.txt"
with open(path, "w") as f:
    for i in range(5):
        f.write(pyhelper.line(i))
with open(path) as f:
    lines = f.readlines()
print("lines", len(lines), lines[-1].strip())
print("size", os.stat(path).st_size)
with open(path, "a") as f:
    f.write("appended\n")
print("last", open(path).read().splitlines()[-1])
with tempfile.TemporaryDirectory() as d:
    names = []
    for n in ("b", "a", "c"):
        with open(os.path.join(d, n), "wb") as f:
            f.write(n.encode() * 1000)
        names.append(n)
    print("dir", sorted(os.listdir(d)), sum(os.path.getsize(os.path.join(d, n)) for n in names))
    os.rename(os.path.join(d, "a"), os.path.join(d, "z"))
    print("renamed", sorted(os.listdir(d)))
print("gone", os.path.exists(d))
os.unlink(path)
print("unlinked", os.path.exists(path))
