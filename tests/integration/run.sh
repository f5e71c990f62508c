#!/bin/bash
# run.sh - integration tests for the solo CLI and the kernel, booting real
# QEMU under TCG.  Usage: B=build tests/integration/run.sh [TEST...]
#
# The build directory ($B, default "build") must hold solo and kernel.elf.
# Test programs (tests/integration/progs/*.c) are compiled static into
# $B/itest/bin (with musl-gcc too when present).  Each t_* function below is
# one test; they run as background jobs, $JOBS at a time (default 2), each
# writing PASS or "FAIL: why" to $B/itest/res/NAME.result with its stdout,
# stderr and status next to it for post-mortems.  Every boot has a --timeout
# so a hung VM fails its test instead of the run.  Exit status 0 only when
# every test passed.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case $B in /*) BD=$B ;; *) BD=$ROOT/$B ;; esac
SOLO=$BD/solo
KERNEL=$BD/kernel.elf
W=$BD/itest
BIN=$W/bin
RES=$W/res
JOBS=${JOBS:-2}
TMO=${SOLO_TEST_TIMEOUT:-60}
export SOLO_KERNEL=$KERNEL
unset SOLO_QEMU

die() { echo "run.sh: $*" >&2; exit 2; }
[ -x "$SOLO" ] || die "$SOLO not built (make B=$B)"
[ -f "$KERNEL" ] || die "$KERNEL not built (make B=$B)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (apt install qemu-system-x86)"

# ------------------------------------------------------------ test programs
build_progs() {
    rm -rf "$RES" && mkdir -p "$BIN" "$RES" || die "cannot create $W"
    local src name
    for src in "$ROOT"/tests/integration/progs/*.c; do
        name=$(basename "$src" .c)
        gcc -static -O2 -Wall -o "$BIN/$name" "$src" || die "cannot compile $src"
    done
    if command -v musl-gcc >/dev/null; then
        musl-gcc -static -O2 -o "$BIN/hello-musl" "$ROOT/tests/integration/progs/hello.c" ||
            die "musl-gcc failed"
    fi
    gcc -O2 -o "$BIN/hello-dyn" "$ROOT/tests/integration/progs/hello.c" || die "gcc failed"
    # A private shared library: found through DT_RUNPATH $ORIGIN/lib, or not at all.
    mkdir -p "$BIN/lib" "$W/hidden"
    gcc -O2 -shared -fPIC -o "$BIN/lib/libsolotest.so" "$ROOT/tests/integration/progs/lib/solotest.c" &&
        cp "$BIN/lib/libsolotest.so" "$W/hidden/" &&
        gcc -O2 -o "$BIN/uselib-origin" "$ROOT/tests/integration/progs/lib/uselib.c" -L"$BIN/lib" \
            -lsolotest -Wl,--enable-new-dtags,-rpath,'$ORIGIN/lib' &&
        gcc -O2 -o "$BIN/uselib-missing" "$ROOT/tests/integration/progs/lib/uselib.c" -L"$W/hidden" \
            -lsolotest || die "cannot build the shared-library test programs"
    # dlopen(): the program links only libc; the plugin (put in the image with
    # Files) needs libm, which the closure must find through the plugin.
    mkdir -p "$BIN/plugins"
    gcc -O2 -o "$BIN/dlopen-main" "$ROOT/tests/integration/progs/lib/dlopen.c" &&
        gcc -O2 -shared -fPIC -o "$BIN/plugins/libsoloplugin.so" \
            "$ROOT/tests/integration/progs/lib/plugin.c" -lm || die "cannot build the dlopen test programs"
    # A pyenv-like shim: a script named python3, which solo must skip on $PATH.
    mkdir -p "$W/shims"
    printf '#!/bin/sh\nexec false\n' > "$W/shims/python3" && chmod +x "$W/shims/python3"
    # Programs solo must refuse: text, 32-bit x86, AArch64 (header of a real ELF
    # with e_machine changed: the check is on the header).
    printf '#!/bin/sh\necho not an ELF\n' > "$BIN/script.sh" && chmod +x "$BIN/script.sh"
    printf '.globl _start\n_start:\n movl $1, %%eax\n xorl %%ebx, %%ebx\n int $0x80\n' > "$W/s32.S"
    gcc -m32 -nostdlib -static -o "$BIN/prog32" "$W/s32.S" || die "cannot build a 32-bit ELF"
    cp "$BIN/hello" "$BIN/prog-arm64"
    printf '\267\000' | dd of="$BIN/prog-arm64" bs=1 seek=18 conv=notrunc status=none
    gcc -m32 -nostdlib -static -no-pie -Wl,-Ttext=0x100000,-e,start32,--build-id=none \
        -o "$W/panic.elf" "$ROOT/tests/integration/progs/fakekernel/panic.S" || die "cannot build panic.elf"
    mkdir -p "$BIN/data/sub"
    printf 'line one\nline two\n' > "$BIN/data/input.txt"
    printf 'nested file\n' > "$BIN/data/sub/deep.txt"
    printf 'private\n' > "$BIN/data/private.txt" && chmod 0640 "$BIN/data/private.txt"
    ln -sfn input.txt "$BIN/data/link.txt"
}

# ------------------------------------------------------------ helpers (run inside a test)
# Each test runs in its own subshell with $T = its name and cwd = $BIN.
fail() { echo "FAIL: $*" > "$RES/$T.result"; exit 0; }
# srun [solo run options and program...]: boot, capturing out/err/rc as $RES/$T.*
srun() {
    "$SOLO" run --timeout "$TMO" "$@" < /dev/null > "$RES/$T.out" 2> "$RES/$T.err"
    echo $? > "$RES/$T.rc"
}
# scmd CMD...: run any solo subcommand the same way (no boot expected)
scmd() {
    timeout "$TMO" "$SOLO" "$@" < /dev/null > "$RES/$T.out" 2> "$RES/$T.err"
    echo $? > "$RES/$T.rc"
}
rc() { cat "$RES/$T.rc"; }
expect_rc() {
    [ "$(rc)" = "$1" ] || fail "exit status $(rc), expected $1; stderr: $(head -c 600 "$RES/$T.err")"
}
expect_out() {     # expect_out STRING: stdout is exactly STRING (printf %s)
    printf '%s' "$1" > "$RES/$T.want"
    cmp -s "$RES/$T.want" "$RES/$T.out" || fail "stdout differs: got '$(head -c 300 "$RES/$T.out")'"
}
expect_err() {     # expect_err STRING: stderr is exactly STRING
    printf '%s' "$1" > "$RES/$T.wanterr"
    cmp -s "$RES/$T.wanterr" "$RES/$T.err" || fail "stderr differs: got '$(head -c 300 "$RES/$T.err")'"
}
expect_err_grep() {   # expect_err_grep ERE: stderr matches
    grep -Eq -- "$1" "$RES/$T.err" || fail "stderr does not match /$1/: '$(head -c 400 "$RES/$T.err")'"
}
expect_one_line_error() {   # a clear error: one "solo: " line, nothing booted
    [ "$(wc -l < "$RES/$T.err")" = 1 ] || fail "expected one error line, got: $(cat "$RES/$T.err")"
    grep -q '^solo: ' "$RES/$T.err" || fail "error not prefixed 'solo: ': $(cat "$RES/$T.err")"
    [ ! -s "$RES/$T.out" ] || fail "unexpected stdout: $(head -c 200 "$RES/$T.out")"
}
pass() { echo PASS > "$RES/$T.result"; }

# ------------------------------------------------------------ tests: booting
t_hello() {
    srun ./hello
    expect_rc 0; expect_out $'hello, world\n'; expect_err ''; pass
}
t_exit42() {
    srun ./status 42
    expect_rc 42; expect_out $'exiting with 42\n'; pass
}
t_exit0_after_nonzero_arg() {
    srun ./status 0
    expect_rc 0; pass
}
t_streams() {        # stdout and stderr separate and byte-exact
    srun ./streams
    expect_rc 3
    (cd "$BIN" && ./streams > "$RES/$T.nout" 2> "$RES/$T.nerr")
    cmp -s "$RES/$T.nout" "$RES/$T.out" || fail "stdout not byte-identical to native"
    cmp -s "$RES/$T.nerr" "$RES/$T.err" || fail "stderr not identical to native: $(cat "$RES/$T.err")"
    pass
}
t_big_stdout() {     # 4 MiB through the virtio console, byte-exact and in order
    srun ./bigout 4194304
    expect_rc 0; expect_err $'done 4194304\n'
    (cd "$BIN" && ./bigout 4194304 > "$RES/$T.nout" 2> /dev/null)
    cmp -s "$RES/$T.nout" "$RES/$T.out" || fail "stdout not byte-identical to native ($(wc -c < "$RES/$T.out") bytes)"
    pass
}
t_interleave() {     # many alternating stdout/stderr writes stay separated, each stream in order
    srun ./interleave
    expect_rc 0
    (cd "$BIN" && ./interleave > "$RES/$T.nout" 2> "$RES/$T.nerr")
    cmp -s "$RES/$T.nout" "$RES/$T.out" || fail "stdout differs from native"
    cmp -s "$RES/$T.nerr" "$RES/$T.err" || fail "stderr differs from native"
    pass
}
t_stdin_pipe() {     # fd 0 reads the host's stdin: bytes in order, then EOF
    head -c 300000 "$BIN/bigout" > "$W/$T.in"
    printf 'one line\n' >> "$W/$T.in"
    "$SOLO" run --timeout "$TMO" ./stdincat < "$W/$T.in" > "$RES/$T.out" 2> "$RES/$T.err"
    echo $? > "$RES/$T.rc"
    expect_rc 0
    cmp -s "$W/$T.in" "$RES/$T.out" || fail "stdin bytes not copied exactly ($(wc -c < "$RES/$T.out") bytes)"
    expect_err $'eof after 300009 bytes, poll 1 POLLIN\n'
    printf 'hi\n' | "$SOLO" run --timeout "$TMO" ./stdincat > "$RES/$T.out" 2> "$RES/$T.err"
    expect_out $'hi\n'
    (printf 'a\n'; sleep 1; printf 'b\n') | "$SOLO" run --timeout "$TMO" ./stdincat > "$RES/$T.out" 2> "$RES/$T.err"
    expect_out $'a\nb\n'; expect_err $'eof after 4 bytes, poll 1 POLLIN\n'
    pass
}
t_stdin_eof() {      # stdin at end (/dev/null): readable, read returns 0
    srun ./stdincat
    expect_rc 0; expect_out ''; expect_err $'eof after 0 bytes, poll 1 POLLIN\n'; pass
}
t_tmp_prog() {       # files the image has under /tmp are copied into the guest's /tmp tmpfs
    local d
    d=$(mktemp -d /tmp/solo-itest-XXXXXX) || fail "mktemp"
    cp "$BIN/cat" "$d/prog" && mkdir "$d/sub" && printf 'seeded\n' > "$d/sub/f.txt" &&
        chmod 0640 "$d/sub/f.txt" && ln -s sub/f.txt "$d/link" || fail "cannot set up $d"
    printf '{"Dirs": ["%s"]}' "$d" > "$W/$T.json"
    srun -c "$W/$T.json" "$d/prog" "$d/link" "$d/sub/f.txt"
    expect_rc 0; expect_out $'seeded\nseeded\n'
    srun -c "$W/$T.json" ./statmode "$d/prog" "$d/sub/f.txt" "$d/sub" "$d/link" "$d"
    expect_rc 0
    ./statmode "$d/prog" "$d/sub/f.txt" "$d/sub" "$d/link" "$d" > "$RES/$T.native"
    rm -rf "$d"
    cmp -s "$RES/$T.native" "$RES/$T.out" || fail "modes differ: $(diff "$RES/$T.native" "$RES/$T.out" | head -6)"
    pass
}
t_mounts() {         # mount/umount2 (solo only: never run natively, it would change the host)
    srun ./mounts
    expect_rc 0
    cmp -s "$ROOT/tests/integration/progs/mounts.expected" "$RES/$T.out" ||
        fail "stdout differs from progs/mounts.expected: $(diff "$ROOT/tests/integration/progs/mounts.expected" "$RES/$T.out" | head -c 600)"
    pass
}
t_x86priv() {        # ioperm/iopl port access, LDT segments in %gs (solo only: hosts may lack both)
    srun ./x86priv
    expect_rc 0
    cmp -s "$ROOT/tests/integration/progs/x86priv.expected" "$RES/$T.out" ||
        fail "stdout differs from progs/x86priv.expected: $(diff "$ROOT/tests/integration/progs/x86priv.expected" "$RES/$T.out" | head -c 600)"
    srun --cpus 2 ./x86priv
    expect_rc 0
    cmp -s "$ROOT/tests/integration/progs/x86priv.expected" "$RES/$T.out" ||
        fail "with --cpus 2, stdout differs from progs/x86priv.expected: $(diff "$ROOT/tests/integration/progs/x86priv.expected" "$RES/$T.out" | head -c 600)"
    pass
}
t_newmount() {       # fsopen/fsconfig/fsmount/move_mount/open_tree/fspick/mount_setattr (solo only)
    srun ./newmount
    expect_rc 0
    cmp -s "$ROOT/tests/integration/progs/newmount.expected" "$RES/$T.out" ||
        fail "stdout differs from progs/newmount.expected: $(diff "$ROOT/tests/integration/progs/newmount.expected" "$RES/$T.out" | head -c 600)"
    pass
}
t_keyquota() {       # key quotas, /proc/keys and /proc/key-users (solo only: the host's keys would differ)
    srun ./keyquota
    expect_rc 0
    cmp -s "$ROOT/tests/integration/progs/keyquota.expected" "$RES/$T.out" ||
        fail "stdout differs from progs/keyquota.expected: $(diff "$ROOT/tests/integration/progs/keyquota.expected" "$RES/$T.out" | head -c 600)"
    pass
}

t_fanotify() {       # fanotify mount/filesystem marks, overflow, group limit (solo only: host events)
    srun ./fanotify
    expect_rc 0
    cmp -s "$ROOT/tests/integration/progs/fanotify.expected" "$RES/$T.out" ||
        fail "stdout differs from progs/fanotify.expected: $(diff "$ROOT/tests/integration/progs/fanotify.expected" "$RES/$T.out" | head -c 600)"
    pass
}
t_orphans() {        # space of unlinked files in use freed at the last close/munmap, unlinked exe (solo only: statfs deltas)
    srun --size 64M ./orphans
    expect_rc 0
    cmp -s "$ROOT/tests/integration/progs/orphans.expected" "$RES/$T.out" ||
        fail "stdout differs from progs/orphans.expected: $(diff "$ROOT/tests/integration/progs/orphans.expected" "$RES/$T.out" | head -c 600)"
    pass
}
t_pivot() {          # pivot_root (solo only: it would change the host)
    srun ./pivot
    expect_rc 0
    cmp -s "$ROOT/tests/integration/progs/pivot.expected" "$RES/$T.out" ||
        fail "stdout differs from progs/pivot.expected: $(diff "$ROOT/tests/integration/progs/pivot.expected" "$RES/$T.out" | head -c 600)"
    pass
}
t_acct() {           # acct (solo only: natively it would turn on the host's accounting)
    scmd build -o "$W/$T.img" ./acct
    expect_rc 0
    srun --image "$W/$T.img"
    expect_rc 3
    mv "$RES/$T.out" "$RES/$T.out1"
    srun --image "$W/$T.img"           # finds /acct.log: dies by SIGUSR1
    expect_rc 138
    "$SOLO" fs get "$W/$T.img" /acct.log "$W/$T.log" || fail "solo fs get /acct.log failed"
    { cat "$RES/$T.out1" "$RES/$T.out"; ./acct decode "$W/$T.log"; } > "$RES/$T.all"
    cmp -s "$ROOT/tests/integration/progs/acct.expected" "$RES/$T.all" ||
        fail "output differs from progs/acct.expected: $(diff "$ROOT/tests/integration/progs/acct.expected" "$RES/$T.all" | head -c 600)"
    pass
}
t_fsnodes_persist() {   # FIFO, device and socket nodes and a hard link kept on TFS across boots; solo fs ls shows them
    scmd build -o "$W/$T.img" ./fsnodes
    expect_rc 0
    srun --image "$W/$T.img"
    expect_rc 0; expect_out $'boot 1: made\n'
    srun --image "$W/$T.img"
    expect_rc 0
    expect_out $'p: fifo 640 nlink 1 rdev 0,0\nn: chr 666 nlink 1 rdev 1,3\ns: sock 755 nlink 1 rdev 0,0\nf2: reg 644 nlink 2 rdev 0,0\nfifo: wrote 3 read 3 via\nnull node: write 1 read 0\nf2: 4 kept\n'
    "$SOLO" fs ls "$W/$T.img" / > "$RES/$T.ls" || fail "fs ls failed"
    grep -q '^prw-r----- .* p$' "$RES/$T.ls" || fail "fs ls: no FIFO p: $(cat "$RES/$T.ls")"
    grep -q '^crw-rw-rw- *1, *3 n$' "$RES/$T.ls" || fail "fs ls: no device n: $(cat "$RES/$T.ls")"
    grep -q '^srwxr-xr-x .* s$' "$RES/$T.ls" || fail "fs ls: no socket s: $(cat "$RES/$T.ls")"
    "$SOLO" fs check "$W/$T.img" | grep -q '^ok: ' || fail "fs check: $("$SOLO" fs check "$W/$T.img" 2>&1)"
    pass
}
t_args_env() {       # argv (argv[0] as typed), env from -e, cwd /; same as native
    srun -e FOO=bar -e 'SPACED=a b  c' ./args one 'two words' '' 'ünïcode'
    expect_rc 0
    (cd "$BIN" && env -i FOO=bar 'SPACED=a b  c' ./args one 'two words' '' 'ünïcode') |
        sed 's|^cwd=.*|cwd=/|' > "$RES/$T.native"
    sort "$RES/$T.native" > "$RES/$T.a"; sort "$RES/$T.out" > "$RES/$T.b"
    cmp -s "$RES/$T.a" "$RES/$T.b" || fail "differs from native: $(diff "$RES/$T.a" "$RES/$T.b" | head -5)"
    pass
}
t_absolute_path() {  # an absolute program keeps its path; argv[0] is that path
    srun "$BIN/args"
    expect_rc 0
    grep -qx "argv\[0\]=$BIN/args" "$RES/$T.out" || fail "argv[0] wrong: $(head -3 "$RES/$T.out")"
    pass
}
t_build_then_image() {   # solo build -o, inspect with solo fs, then run --image
    scmd build -o "$W/$T.img" ./status 7
    expect_rc 0
    [ -s "$W/$T.img" ] || fail "no image written"
    "$SOLO" fs cat "$W/$T.img" /status | cmp -s - "$BIN/status" || fail "fs cat /status differs"
    "$SOLO" fs ls "$W/$T.img" / | grep -q ' status$' || fail "fs ls / lacks status"
    "$SOLO" fs manifest "$W/$T.img" > "$RES/$T.manifest" || fail "fs manifest failed"
    grep -q 'program: "/status"' "$RES/$T.manifest" || fail "manifest program: $(cat "$RES/$T.manifest")"
    "$SOLO" fs check "$W/$T.img" | grep -q '^ok: 1 files' || fail "fs check: $("$SOLO" fs check "$W/$T.img" 2>&1)"
    srun --image "$W/$T.img"
    expect_rc 7; expect_out $'exiting with 7\n'
    "$SOLO" fs manifest "$W/$T.img" | grep -q '^tty: 0$' || fail "run --image did not record tty 0"
    pass
}
t_config_files() {   # config.json: Program, Args, Files, Dirs, Env, Cwd
    cat > "$W/$T.json" <<EOF
{
    "Program": "./cat",
    "Args": ["data/input.txt", "data/sub/deep.txt"],
    "Files": ["data/input.txt"],
    "Dirs": ["data/sub"],
    "Env": {"CFGVAR": "from-config"},
    "Cwd": "/"
}
EOF
    srun -c "$W/$T.json"
    expect_rc 0; expect_out $'line one\nline two\nnested file\n'; pass
}
t_config_mapdirs() { # MapDirs: host glob -> guest dir; Args from config then command line
    cat > "$W/$T.json" <<EOF
{ "MapDirs": {"data/*.txt": "/etc/solo"}, "Args": ["/etc/solo/input.txt"], "Env": {"A": "1"} }
EOF
    srun -c "$W/$T.json" ./cat /etc/solo/input.txt
    expect_rc 0; expect_out $'line one\nline two\nline one\nline two\n'; pass
}
t_config_runconfig() {   # RunConfig Memory/CPUs become -m/-smp unless given on the command line
    printf '{"RunConfig": {"Memory": "256M", "CPUs": 2}}' > "$W/$T.json"
    srun -v -c "$W/$T.json" ./hello
    expect_rc 0; expect_out $'hello, world\n'; expect_err_grep '^solo: running .* -m 256 -smp 2 '
    srun -v -c "$W/$T.json" --mem 300M ./hello
    expect_rc 0; expect_err_grep '^solo: running .* -m 300 -smp 2 '
    pass
}
t_config_env() {
    printf '{"Env": {"CFGVAR": "from-config", "B": "x=y"}, "Args": ["a1"]}' > "$W/$T.json"
    srun -c "$W/$T.json" ./args a2
    expect_rc 0
    grep -qx 'env CFGVAR=from-config' "$RES/$T.out" || fail "Env missing: $(cat "$RES/$T.out")"
    grep -qx 'env B=x=y' "$RES/$T.out" || fail "Env B missing"
    grep -qx 'argv\[1\]=a1' "$RES/$T.out" && grep -qx 'argv\[2\]=a2' "$RES/$T.out" ||
        fail "config Args before command-line args: $(cat "$RES/$T.out")"
    pass
}
t_musl() {
    [ -x "$BIN/hello-musl" ] || { echo "PASS (skipped: no musl-gcc)" > "$RES/$T.result"; exit 0; }
    srun ./hello-musl
    expect_rc 0; expect_out $'hello, world\n'; pass
}
t_dynamic() {        # PT_INTERP program: ld.so and libc travel with it
    srun ./hello-dyn
    expect_rc 0; expect_out $'hello, world\n'; pass
}
t_dlopen() {         # dlopen() of a library placed in the image with Files; same as native
    printf '{"Files": ["plugins/libsoloplugin.so"]}' > "$W/$T.json"
    srun -c "$W/$T.json" ./dlopen-main plugins/libsoloplugin.so plugins/libnothere.so
    expect_rc 0
    ./dlopen-main plugins/libsoloplugin.so plugins/libnothere.so > "$RES/$T.native" 2>&1 ||
        fail "native run failed: $(cat "$RES/$T.native")"
    cmp -s "$RES/$T.native" "$RES/$T.out" ||
        fail "differs from native: $(diff "$RES/$T.native" "$RES/$T.out" | head -5)"
    pass
}

# ------------------------------------------------------------ tests: Python (no config needed)
# The first ELF python3 on $PATH: what `solo run python3` picks (scripts such
# as pyenv shims are skipped), run natively for comparisons.
PY=$(IFS=:; for d in $PATH; do
         [ -x "$d/python3" ] && head -c 4 "$d/python3" 2>/dev/null | grep -q ELF && { echo "$d/python3"; break; }
     done)
PYT=$ROOT/tests/python
need_python() {
    [ -n "$PY" ] || { echo "PASS (skipped: no python3)" > "$RES/$T.result"; exit 0; }
}
# native_py ARGS...: the same interpreter natively, with the guest's (empty)
# environment (but no __pycache__ written into the source tree), in the
# current directory or $NCWD
native_py() {
    (cd "${NCWD:-.}" && env -i PYTHONDONTWRITEBYTECODE=1 "$PY" "$@") > "$RES/$T.native" 2> "$RES/$T.nerr"
}
expect_native() {
    cmp -s "$RES/$T.native" "$RES/$T.out" ||
        fail "differs from native: $(diff "$RES/$T.native" "$RES/$T.out" | head -6)"
}
t_py_stdlib() {      # python3 -c with stdlib and extension modules; a pyenv shim first on $PATH
    need_python
    local code='import sys, os, json, re, math, hashlib, zlib
print(sys.version_info[:2], sys.argv[1:], os.getcwd(), os.path.join("a", "b"))
print(json.dumps({"k": [1, 2.5, None]}, sort_keys=True), re.findall(r"\d+", "a1b22c333"))
print(math.factorial(25), round(math.pi, 10), hashlib.sha256(b"solo").hexdigest())
print(zlib.crc32(b"solo"), len(zlib.compress(b"solo" * 100)), zlib.decompress(zlib.compress(b"ok")))'
    PATH="$W/shims:$PATH" srun python3 -c "$code" x 'y z'
    expect_rc 0
    NCWD=/ native_py -c "$code" x 'y z' || fail "native run failed: $(cat "$RES/$T.nerr")"
    expect_native; pass
}
t_py_tutorial_hello() {   # the seed tutorial: print('Hello world!')
    need_python
    cd "$PYT/tutorial1" || fail "no $PYT/tutorial1"
    srun python3 hello.py
    expect_rc 0; expect_out $'Hello world!\n'; pass
}
t_py_tutorial_config() {  # the seed tutorial: Files and Args from config.json
    need_python
    cd "$PYT/tutorial2" || fail "no $PYT/tutorial2"
    srun -c config.json python3
    expect_rc 0; expect_out $'Hello from hello.txt\n\n'; pass
}
t_py_tmp() {         # a script writing and reading /tmp, importing a module beside it
    need_python
    cd "$PYT" || fail "no $PYT"
    srun python3 tmpfiles.py
    expect_rc 0
    native_py tmpfiles.py || fail "native run failed: $(cat "$RES/$T.nerr")"
    expect_native; pass
}
t_py_module() {      # python3 -m, with a data file from config.json
    need_python
    cd "$PYT" || fail "no $PYT"
    printf '{"Files": ["data.json"]}' > "$W/$T.json"
    srun -c "$W/$T.json" python3 -m json.tool data.json
    expect_rc 0
    native_py -m json.tool data.json || fail "native run failed: $(cat "$RES/$T.nerr")"
    expect_native; pass
}
t_py_image() {       # host-side: python3 -c pass gets the start-up modules, not the whole stdlib
    need_python
    scmd build -o "$W/$T.img" python3 -c pass
    expect_rc 0
    local lib
    lib=$(env -i "$PY" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
    "$SOLO" fs ls "$W/$T.img" "$lib" > "$RES/$T.ls" || fail "no $lib in the image"
    grep -q ' os.py$' "$RES/$T.ls" || fail "os.py (the stdlib landmark) missing"
    grep -q ' encodings$' "$RES/$T.ls" || fail "encodings missing"
    grep -q ' json$' "$RES/$T.ls" && fail "json was added for python3 -c pass"
    [ "$(stat -c %s "$W/$T.img")" -le $((96 << 20)) ] || fail "image larger than 96 MiB"
    pass
}
t_py_only_shim() {   # only a script named python3 on $PATH: a clear error
    PATH="$W/shims" "$SOLO" run python3 -c pass < /dev/null > "$RES/$T.out" 2> "$RES/$T.err"
    echo $? > "$RES/$T.rc"
    expect_rc 126; expect_one_line_error; expect_err_grep 'python3: only a script was found on \$PATH'
    pass
}
t_iris() {           # the README command, no config: same output as native and expected.txt
    need_python
    "$PY" -c 'import sklearn' 2> /dev/null && [ -f "$ROOT/ml-demo/iris/expected.txt" ] || {
        echo "PASS (skipped: python3-sklearn not installed)" > "$RES/$T.result"; exit 0; }
    cd "$ROOT" || fail "no $ROOT"
    TMO=300 TMPDIR=$W srun python3 ml-demo/iris/model.py    # ~30-45 s under TCG
    expect_rc 0
    cmp -s "$RES/$T.out" ml-demo/iris/expected.txt ||
        fail "output differs from ml-demo/iris/expected.txt: $(diff "$RES/$T.out" ml-demo/iris/expected.txt | head -5)"
    native_py ml-demo/iris/model.py || fail "native run failed: $(tail -3 "$RES/$T.nerr")"
    expect_native; pass
}
t_smp_threads() {     # --cpus 2: both vCPUs boot and run the threads; counts reported honestly
    srun --cpus 2 ./smpcpus
    expect_rc 0; expect_out $'online 2 affinity 2 used 2\n'
    srun ./smpcpus
    expect_rc 0; expect_out $'online 1 affinity 1 used 1\n'
    pass
}
t_klog() {           # syslog over the kernel log ring (dmesg's fallback), console level, /proc/filesystems, ustat, NEWUTS and setns back, caps after setuid
    srun -v ./klog
    expect_rc 0
    expect_out $'READ_ALL has the boot lines: yes\nSIZE_BUFFER: 65536\nSIZE_UNREAD is all of it: yes
READ consumed it in small pieces: yes\nSIZE_UNREAD after: 0
blocking READ got: solo: unimplemented syscall tuxcall (184) -> ENOSYS
CLEAR: 0\nREAD_ALL after CLEAR: 0\nCONSOLE_OFF: 0\nCONSOLE_ON: 0
READ_CLEAR got: solo: unimplemented syscall afs_syscall (183) -> ENOSYS
READ_ALL after READ_CLEAR: 0\nCONSOLE_LEVEL 8: 0
/proc/filesystems:\nnodev\ttmpfs\nnodev\tproc\n\ttfs
ustat /: 0\nustat /tmp: 0
unshare CLONE_NEWUTS: 0\nsethostname: 0\nnodename: inner
unshare CLONE_NEWUTS with a thread: -1 Invalid argument
unshare CLONE_FILES with a thread: -1 Invalid argument
setns to the outer UTS namespace with a thread: -1 Invalid argument
setns to the current UTS namespace with a thread: 0 
setns to the outer UTS namespace alone: 0\nnodename: solo
setns to the inner one: 0\nnodename: inner
setuid 1000: 0\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000
READ_ALL as uid 1000: -1 Operation not permitted
setuid 0 again: -1 Operation not permitted\n'
    grep -q 'unimplemented syscall tuxcall' "$RES/$T.err" || fail "console lost a line before CONSOLE_OFF"
    ! grep -q 'unimplemented syscall afs_syscall' "$RES/$T.err" || fail "a line reached the console while it was off"
    pass
}
t_smp_numpy() {       # --cpus 2: numpy matmul (OpenBLAS threads) as native; CPU count seen by Python
    need_python
    env -i "$PY" -c 'import numpy' 2> /dev/null || {
        echo "PASS (skipped: python3-numpy not installed)" > "$RES/$T.result"; exit 0; }
    local code='import os, numpy as np
n = 384
a = (np.arange(n * n) % 7).reshape(n, n).astype(np.float64)
b = (np.arange(n * n) % 5).reshape(n, n).astype(np.float64)
c = a @ b
print(int(c.sum()), c[1, 2], c[n - 1, n - 3])'
    TMO=300 srun --cpus 2 python3 -c "$code
print('cpus', os.cpu_count(), len(os.sched_getaffinity(0)), open('/sys/devices/system/cpu/online').read().strip())"
    expect_rc 0
    native_py -c "$code
print('cpus', 2, 2, '0-1')" || fail "native run failed: $(tail -3 "$RES/$T.nerr")"
    expect_native; pass
}
t_verbose() {        # -v streams the kernel log to stderr
    srun -v ./hello
    expect_rc 0; expect_out $'hello, world\n'; expect_err_grep '^SOLO-EXIT 0$'; pass
}
t_timeout() {        # a program that never exits is killed at --timeout
    "$SOLO" run --timeout 3 ./spin < /dev/null > "$RES/$T.out" 2> "$RES/$T.err"
    echo $? > "$RES/$T.rc"
    expect_rc 124; expect_err_grep '^solo: timed out'; pass
}
t_corrupt_image() {  # a corrupt image: clear error from the kernel's mount, no hang
    "$SOLO" build -o "$W/$T.img" ./hello 2> "$RES/$T.err" || fail "build failed"
    dd if=/dev/urandom of="$W/$T.img" bs=4096 count=2 conv=notrunc status=none
    "$SOLO" fs check "$W/$T.img" > /dev/null 2>&1 && fail "fs check accepted a corrupt image"
    srun --image "$W/$T.img"
    expect_rc 125; expect_err_grep 'solo: .*(mount|filesystem)'; pass
}
t_panic_postmortem() {   # kernel log ends without SOLO-EXIT: 125 and the last log lines
    srun --kernel "$W/panic.elf" ./hello
    expect_rc 125
    expect_err_grep '^solo: the VM stopped without reporting an exit status'
    expect_err_grep '^  \| PANIC: deliberate test panic$'
    pass
}
t_no_pvh_kernel() {  # QEMU refuses the "kernel": VM never starts -> 125 with QEMU's words
    srun --kernel "$BIN/hello" ./hello
    expect_rc 125; expect_err_grep '^solo: QEMU stopped before the kernel'; pass
}

# ------------------------------------------------------------ tests: clear errors, nothing booted
t_err_missing() {
    scmd run ./no-such-program
    expect_rc 127; expect_one_line_error; expect_err_grep 'no-such-program: No such file'; pass
}
t_err_not_found_on_path() {
    scmd run no-such-command-anywhere
    expect_rc 127; expect_one_line_error; expect_err_grep 'command not found'; pass
}
t_err_not_elf() {
    scmd run ./script.sh
    expect_rc 126; expect_one_line_error; expect_err_grep 'script.sh: not an ELF'; pass
}
t_err_32bit() {
    scmd run ./prog32
    expect_rc 126; expect_one_line_error; expect_err_grep 'prog32: 32-bit ELF'; pass
}
t_err_arm64() {
    scmd run ./prog-arm64
    expect_rc 126; expect_one_line_error; expect_err_grep 'prog-arm64: ELF for AArch64'; pass
}
t_err_bad_json() {
    printf '{\n  "Args": ["a",]\n}\n' > "$W/$T.json"
    scmd run -c "$W/$T.json" ./hello
    expect_rc 2; expect_one_line_error; expect_err_grep "$T.json:2:16: invalid JSON: trailing comma"; pass
}
t_err_config_type() {
    printf '{"Args": "not-an-array"}' > "$W/$T.json"
    scmd build -o "$W/$T.img" -c "$W/$T.json" ./hello
    expect_rc 2; expect_one_line_error; expect_err_grep '"Args" must be an array'
    [ ! -e "$W/$T.img" ] || fail "image written despite the error"
    pass
}
t_err_config_unknown_key() {   # unknown keys: a warning, and the build goes on
    printf '{"Frobnicate": 1, "Files": []}' > "$W/$T.json"
    scmd build -o "$W/$T.img" -c "$W/$T.json" ./hello
    expect_rc 0; expect_err_grep 'warning: .*unknown key "Frobnicate"'; pass
}
t_err_no_qemu() {
    SOLO_QEMU=/nonexistent/qemu-system-x86_64 scmd run ./hello
    expect_rc 1; expect_one_line_error; expect_err_grep 'qemu-system-x86'; pass
}
t_err_missing_file() {
    printf '{"Files": ["data/nope.txt"]}' > "$W/$T.json"
    scmd run -c "$W/$T.json" ./hello
    expect_rc 127; expect_one_line_error; expect_err_grep 'data/nope.txt: No such file'; pass
}
t_err_missing_lib() {
    scmd run ./uselib-missing
    expect_rc 127; expect_one_line_error
    expect_err_grep 'libsolotest.so \(needed by ./uselib-missing\): not found'; pass
}
t_err_under_shm() {  # files the guest's /dev/shm tmpfs would hide: refused up front
    local d
    [ -d /dev/shm ] && [ -w /dev/shm ] || { pass; exit 0; }
    d=$(mktemp -d /dev/shm/solo-itest-XXXXXX) || fail "mktemp"
    echo x > "$d/f.txt"
    printf '{"Files": ["%s/f.txt"]}' "$d" > "$W/$T.json"
    scmd build -o "$W/$T.img" -c "$W/$T.json" ./hello
    rm -rf "$d"
    expect_rc 2; expect_one_line_error; expect_err_grep 'f.txt: the guest mounts an empty tmpfs on /dev/shm'
    pass
}
t_err_usage() {
    scmd run --mem lots ./hello
    expect_rc 2; expect_one_line_error; expect_err_grep -- '--mem lots'; pass
}
t_fs_tree() {        # host-side: Dirs keep structure and modes, symlinks stay symlinks
    printf '{"Dirs": ["data"]}' > "$W/$T.json"
    scmd build -o "$W/$T.img" -c "$W/$T.json" ./hello
    expect_rc 0
    "$SOLO" fs ls "$W/$T.img" /data > "$RES/$T.ls" || fail "fs ls failed"
    grep -q '^-rw-r----- .* private.txt$' "$RES/$T.ls" || fail "mode not kept: $(cat "$RES/$T.ls")"
    grep -q '^l.* link.txt -> input.txt$' "$RES/$T.ls" || fail "symlink not kept: $(cat "$RES/$T.ls")"
    "$SOLO" fs cat "$W/$T.img" /data/link.txt | cmp -s - "$BIN/data/input.txt" || fail "cat via symlink"
    "$SOLO" fs cat "$W/$T.img" /data/sub/../sub/deep.txt | cmp -s - "$BIN/data/sub/deep.txt" ||
        fail "cat with .."
    pass
}
t_fs_dynamic_closure() {   # host-side: interpreter and libraries at their host paths
    scmd build -o "$W/$T.img" ./hello-dyn
    expect_rc 0
    local interp
    interp=$(readelf -l "$BIN/hello-dyn" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
    "$SOLO" fs cat "$W/$T.img" "$interp" | cmp -s - "$interp" || fail "interpreter $interp missing"
    local libc
    libc=$(ldd "$BIN/hello-dyn" | awk '/libc.so.6/ {print $3}')
    "$SOLO" fs cat "$W/$T.img" "$libc" | cmp -s - "$libc" || fail "libc $libc missing"
    pass
}

# ------------------------------------------------------------ more tests (tests/integration/*_tests.sh)
for f in "$ROOT"/tests/integration/*_tests.sh; do
    [ -f "$f" ] && . "$f"
done
# scikit-learn tests (inference service, iris) live with the ML code's tests
for f in "$ROOT"/tests/ml/*_tests.sh; do
    [ -f "$f" ] && . "$f"
done

# ------------------------------------------------------------ driver
run_test() {
    local name=$1
    ( T=$name; cd "$BIN" && "t_$name" ) ||
        echo "FAIL: test function failed" > "$RES/$name.result"
    [ -s "$RES/$name.result" ] || echo "FAIL: no verdict" > "$RES/$name.result"
}

main() {
    local start=$SECONDS tests t failed=0
    build_progs
    if [ $# -gt 0 ]; then tests="$*"; else
        tests=$(declare -F | awk '{print $3}' | sed -n 's/^t_//p')
    fi
    for t in $tests; do
        declare -F "t_$t" > /dev/null || die "no test $t"
        while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
        run_test "$t" &
    done
    wait
    for t in $tests; do
        local v
        v=$(cat "$RES/$t.result")
        printf '%-28s %s\n' "$t" "$v"
        case $v in PASS*) ;; *) failed=$((failed + 1)) ;; esac
    done
    echo "integration: $(( $(echo $tests | wc -w) - failed )) passed, $failed failed ($((SECONDS - start)) s)"
    [ $failed = 0 ]
}

main "$@"
