#!/bin/bash
# run.sh - the benchmark (`make bench`; build dir from $B, default build).
# Not a test: it prints, side by side and with ratios, what solo costs
# against native Linux and against a Linux VM booted on the same QEMU with
# the same accelerator (Debian's /boot/vmlinuz-* plus a busybox-static
# initramfs built here with cpio):
#   boot-to-main  solo: the kernel's "solo: boot-to-main N us" log line;
#                 Linux VM: /proc/uptime read first thing by /init
#   hello wall    wall time of running a static hello (solo run ./hello,
#                 a whole Linux VM boot that runs it, or a native exec)
#   per-call ns   getppid, write to /dev/null, clock_gettime (bench.c)
# Environment: BENCH_N (calls per measurement), BENCH_REPS (hello runs).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
B=${B:-build}
case $B in /*) bdir=$B ;; *) bdir=$root/$B ;; esac
solo=$bdir/solo
work=$bdir/bench
N=${BENCH_N:-200000}
REPS=${BENCH_REPS:-3}

die() { echo "bench: $*" >&2; exit 1; }
ms_now() { echo $(( $(date +%s%N) / 1000000 )); }

[ -x "$solo" ] || die "$solo not found (run make B=$B first)"
rm -rf "$work"
mkdir -p "$work"
gcc -static -O2 -o "$work/bench" "$here/bench.c" || die "cannot build bench.c"
gcc -static -O2 -o "$work/hello" "$here/hello.c" || die "cannot build hello.c"
cd "$work"

# ---- solo: accelerator and boot-to-main from the verbose kernel log
"$solo" run -v ./hello > solo-hello.out 2> solo-hello.log || die "solo run ./hello failed: $(tail -3 solo-hello.log)"
accel=$(sed -n 's/.* -accel \([a-z]*\).*/\1/p' solo-hello.log | head -1)
[ -n "$accel" ] || accel=tcg
solo_boot_ms=$(sed -n 's/.*solo: boot-to-main \([0-9]*\) us.*/\1/p' solo-hello.log | head -1 |
    awk '{ printf "%.1f", $1 / 1000 }')

# wall time in ms of a command, best of REPS runs
best_wall() {
    local best="" t0 t1 i
    for i in $(seq "$REPS"); do
        t0=$(ms_now)
        "$@" > /dev/null 2>&1 || return 1
        t1=$(ms_now)
        if [ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ]; then best=$((t1 - t0)); fi
    done
    echo "$best"
}

solo_hello_ms=$(best_wall "$solo" run ./hello) || die "solo run ./hello failed"
native_hello_ms=$(best_wall ./hello)
"$solo" run ./bench "$N" > solo-bench.out 2> solo-bench.err || die "solo run ./bench failed: $(tail -3 solo-bench.err)"
./bench "$N" > native-bench.out || die "native bench failed"

# ---- Linux VM: Debian kernel + busybox initramfs, same QEMU machine and accelerator
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
busybox=$(command -v busybox || true)
linux_ok=1
[ -n "$kernel" ] && [ -r "$kernel" ] || { echo "bench: no readable /boot/vmlinuz-* (linux-image-amd64): Linux VM column skipped" >&2; linux_ok=0; }
[ -n "$busybox" ] || { echo "bench: busybox-static not installed: Linux VM column skipped" >&2; linux_ok=0; }
command -v cpio > /dev/null || { echo "bench: cpio not installed: Linux VM column skipped" >&2; linux_ok=0; }

# make_initramfs NAME COMMAND: an initramfs whose /init prints its uptime, runs COMMAND, powers off
make_initramfs() {
    local d=$work/initramfs-$1
    mkdir -p "$d/bin" "$d/proc" "$d/dev"
    cp "$busybox" "$d/bin/busybox"
    for a in sh cat mount poweroff echo; do ln -sf busybox "$d/bin/$a"; done
    cp "$work/bench" "$work/hello" "$d/"
    cat > "$d/init" <<INIT
#!/bin/sh
/bin/mount -t proc proc /proc
/bin/mount -t devtmpfs dev /dev
echo "uptime-at-init \$(cat /proc/uptime)"
$2
/bin/poweroff -f
INIT
    chmod +x "$d/init"
    (cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs-$1.cpio.gz"
}

# linux_vm NAME: boot the initramfs; serial console output in linux-NAME.out
linux_vm() {
    timeout 300 qemu-system-x86_64 -M q35 -accel "$accel" -cpu max -m 1024 -smp 1 -nodefaults \
        -no-reboot -display none -serial stdio -kernel "$kernel" -initrd "$work/initramfs-$1.cpio.gz" \
        -append "console=ttyS0 quiet loglevel=1 panic=-1" < /dev/null | tr -d '\r' > "linux-$1.out"
}

linux_boot_ms=- linux_hello_ms=-
if [ "$linux_ok" = 1 ]; then
    make_initramfs hello /hello
    make_initramfs bench "/bench $N"
    best=""
    for i in $(seq "$REPS"); do
        t0=$(ms_now)
        linux_vm hello
        t1=$(ms_now)
        if [ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ]; then best=$((t1 - t0)); fi
    done
    if grep -q '^hello, world' linux-hello.out; then
        linux_hello_ms=$best
        linux_boot_ms=$(awk '/^uptime-at-init/ { printf "%.1f", $2 * 1000 }' linux-hello.out)
    else
        echo "bench: the Linux VM did not run hello (see $work/linux-hello.out)" >&2
    fi
    linux_vm bench
fi
[ -f linux-bench.out ] || : > linux-bench.out

val() { awk -v k="$2" '$1 == "bench" && $2 == k { print $3; exit }' "$1"; }

row() {
    awk -v name="$1" -v n="${2:-}" -v l="${3:-}" -v s="${4:-}" 'BEGIN {
        if (n == "") n = "-"; if (l == "") l = "-"; if (s == "") s = "-"
        rl = (s != "-" && l != "-" && l + 0 > 0) ? sprintf("%.2fx", s / l) : "-"
        rn = (s != "-" && n != "-" && n + 0 > 0) ? sprintf("%.2fx", s / n) : "-"
        printf "%-26s %12s %12s %12s %14s %12s\n", name, n, l, s, rl, rn
    }'
}

echo
echo "solo benchmark: accelerator $accel, $N calls per measurement, best of $REPS runs for wall times"
echo "kernel for the Linux VM: ${kernel:-none}"
printf "%-26s %12s %12s %12s %14s %12s\n" "metric" "native" "linux-vm" "solo" "solo/linux-vm" "solo/native"
row "boot-to-main (ms)" "-" "$linux_boot_ms" "$solo_boot_ms"
row "hello wall time (ms)" "$native_hello_ms" "$linux_hello_ms" "$solo_hello_ms"
for k in getppid write_devnull clock_gettime; do
    row "$k (ns/call)" "$(val native-bench.out $k)" "$(val linux-bench.out $k)" "$(val solo-bench.out $k)"
done

# ================================================================ python (added by cli2)
# `solo run python3 -c pass` against the same interpreter in the Linux VM:
# the initramfs gets busybox plus exactly the files of solo's image (pulled
# out of it with solo fs ls/cat), so both run the same bytes.  Wall times
# are whole runs (boot, python3 -c pass, power-off), best of REPS; sizes
# are what each boot reads: solo's image file against the Linux kernel plus
# its gzip'ed initramfs.
PY=$(IFS=:; for d in $PATH; do
         [ -x "$d/python3" ] && head -c 4 "$d/python3" 2>/dev/null | grep -q ELF && { echo "$d/python3"; break; }
     done)

# extract_image IMAGE GUESTDIR HOSTROOT: copy a directory of a solo image to HOSTROOT
extract_image() {
    local line mode name
    "$solo" fs ls "$1" "$2" | while IFS= read -r line; do
        mode=${line%% *}
        name=$(echo "$line" | sed 's/^[^ ]* *[0-9]* //')
        case $mode in
        d*) mkdir -p "$3${2%/}/$name" && extract_image "$1" "${2%/}/$name" "$3" ;;
        l*) ln -sfn "${name#* -> }" "$3${2%/}/${name%% -> *}" ;;
        *)  "$solo" fs cat "$1" "${2%/}/$name" > "$3${2%/}/$name"
            case $mode in -??x*) chmod 755 "$3${2%/}/$name" ;; esac ;;
        esac
    done
}

kib() { echo $(( ($1 + 1023) / 1024 )); }

if [ -n "$PY" ]; then
    "$solo" build -o "$work/py.img" python3 -c pass > /dev/null 2> py-build.err ||
        die "solo build python3 -c pass failed: $(tail -3 py-build.err)"
    solo_py_ms=$(best_wall "$solo" run python3 -c pass) || die "solo run python3 -c pass failed"
    t0=$(ms_now); "$solo" build -o "$work/py2.img" python3 -c pass > /dev/null 2>&1; t1=$(ms_now)
    solo_py_build_ms=$((t1 - t0))
    native_py_ms=$(best_wall "$PY" -c pass)
    solo_py_kib=$(kib "$(stat -c %s "$work/py.img")")
    solo_py_files_kib=$(kib "$("$solo" fs check "$work/py.img" | sed -n 's/^ok: [0-9]* files (\([0-9]*\) bytes).*/\1/p')")
    linux_py_ms=- linux_py_kib=- linux_py_files_kib=-
    if [ "$linux_ok" = 1 ]; then
        d=$work/initramfs-python
        mkdir -p "$d/bin" "$d/proc" "$d/dev" "$d/tmp"
        extract_image "$work/py.img" / "$d"
        linux_py_files_kib=$(kib "$(find "$d" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')")
        cp "$busybox" "$d/bin/busybox"
        for a in sh cat mount poweroff echo; do ln -sf busybox "$d/bin/$a"; done
        cat > "$d/init" <<INIT
#!/bin/sh
/bin/mount -t proc proc /proc
/bin/mount -t devtmpfs dev /dev
cd /
$PY -c pass && echo python-ok
/bin/poweroff -f
INIT
        chmod +x "$d/init"
        (cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs-python.cpio.gz"
        best=""
        for i in $(seq "$REPS"); do
            t0=$(ms_now)
            linux_vm python
            t1=$(ms_now)
            if [ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ]; then best=$((t1 - t0)); fi
        done
        if grep -q '^python-ok' linux-python.out; then
            linux_py_ms=$best
            linux_py_kib=$(kib $(( $(stat -c %s "$kernel") + $(stat -c %s "$work/initramfs-python.cpio.gz") )))
        else
            echo "bench: the Linux VM did not run python3 (see $work/linux-python.out)" >&2
        fi
    fi
    echo
    echo "python: $PY -c pass (solo image built in ${solo_py_build_ms} ms, import analysis included)"
    printf "%-26s %12s %12s %12s %14s %12s\n" "metric" "native" "linux-vm" "solo" "solo/linux-vm" "solo/native"
    row "python3 -c pass wall (ms)" "$native_py_ms" "$linux_py_ms" "$solo_py_ms"
    row "boot medium (KiB)" "-" "$linux_py_kib" "$solo_py_kib"
    row "python files (KiB)" "-" "$linux_py_files_kib" "$solo_py_files_kib"
    echo "boot medium: solo's image file; Linux: $(basename "${kernel:-none}") + gzip'ed initramfs"
    echo "python files: the same files in both (the Linux initramfs also holds busybox)"
else
    echo "bench: no ELF python3 on \$PATH: python section skipped" >&2
fi
