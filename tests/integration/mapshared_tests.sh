# mapshared_tests.sh - writable MAP_SHARED file mappings from Python, sourced
# by run.sh (its helpers: srun, scmd, fail, pass, expect_*, native_py; $W,
# $BIN, $RES, $T, $PY).

# numpy.memmap w+ then r+ with flush on a TFS file, a read-only memmap and
# open().read() seeing an unflushed store, a tmpfs memmap, and a store left
# for the exit to write; a second boot of the same image reads the file.
# Both boots must print what two native runs print.
t_py_memmap() {
    need_python
    env -i "$PY" -c 'import numpy' 2> /dev/null || {
        echo "PASS (skipped: python3-numpy not installed)" > "$RES/$T.result"; exit 0; }
    local code='import os, numpy as np
fn = "memmap.dat"
if not os.path.exists(fn):
    a = np.memmap(fn, dtype=np.float64, mode="w+", shape=(3000,))
    a[:] = np.arange(3000) * 0.5
    a.flush()
    del a
    b = np.memmap(fn, dtype=np.float64, mode="r+", shape=(3000,))
    b[10] = 42.0
    b.flush()
    c = np.memmap(fn, dtype=np.float64, mode="r", shape=(3000,))
    b[2999] = -1.0
    raw = np.frombuffer(open(fn, "rb").read(), dtype=np.float64)
    print("phase 1", raw.sum(), raw[10], raw[2999], c[2999], os.path.getsize(fn))
    t = "/tmp/memmap-%d.dat" % os.getpid()
    m = np.memmap(t, dtype=np.int32, mode="w+", shape=(5000,))
    m[:] = 7
    m.flush()
    print("tmp", np.fromfile(t, dtype=np.int32).sum())
    os.unlink(t)
    b[2998] = 5.0
else:
    raw = np.fromfile(fn, dtype=np.float64)
    print("phase 2", raw.sum(), raw[10], raw[2998], raw[2999])
    os.unlink(fn)'
    scmd build -o "$W/$T.img" python3 -c "$code"
    expect_rc 0
    TMO=300 srun --image "$W/$T.img"
    expect_rc 0
    mv "$RES/$T.out" "$RES/$T.out1"
    TMO=300 srun --image "$W/$T.img"
    expect_rc 0
    cat "$RES/$T.out1" "$RES/$T.out" > "$RES/$T.both" && mv "$RES/$T.both" "$RES/$T.out"
    mkdir -p "$W/$T.d" && rm -f "$W/$T.d/memmap.dat"
    { NCWD=$W/$T.d native_py -c "$code" && cp "$RES/$T.native" "$RES/$T.native1" &&
      NCWD=$W/$T.d native_py -c "$code"; } || fail "native run failed: $(tail -3 "$RES/$T.nerr")"
    cat "$RES/$T.native1" "$RES/$T.native" > "$RES/$T.both" && mv "$RES/$T.both" "$RES/$T.native"
    expect_native; pass
}
