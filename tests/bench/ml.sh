#!/bin/bash
# ml.sh - the ML section of `make bench` (build dir from $B, default build).
# Not a test: it runs the same scikit-learn workloads natively, in a Linux VM
# and under solo, and prints them side by side with ratios.
#
# The Linux VM is Debian's /boot/vmlinuz-* with an uncompressed cpio
# initramfs built here: busybox-static as /init's shell, the interpreter
# solo runs (the first ELF python3 on $PATH) with exactly the Python files
# solo's own analysis picks for these scripts (tools/pydeps.py; the packages
# numpy, scipy, sklearn... whole), the ELF libraries they need (ldd), and
# the kernel's virtio-net modules.  It boots on the same QEMU machine type,
# accelerator (the one solo picks), memory (1 GiB) and one vCPU as solo.
# Kernel command-line words NAME=VALUE reach /init's environment: MLTASK
# selects the workload, so one initramfs serves every row.
#
# Rows:
#   iris wall           `python3 ml-demo/iris/model.py` start to end: native
#                       exec; a whole Linux VM (boot, script, power-off);
#                       `solo run` (image build, boot, script, power-off)
#   linux boot          Linux VM: /proc/uptime when /init starts; solo: the
#                       kernel's boot-to-main log line
#   iris script         interpreter start to the end of the report, measured
#                       inside (ml-demo/bench/mlbench.py iris)
#   sklearn import, MultinomialNB / ExtraTreesClassifier fit and predict on
#                       digits (mlbench.py digits, in-guest perf_counter)
#   peak memory         VmHWM of the python process; guest memory in use
#                       (MemTotal - MemAvailable; the Linux VM's includes its
#                       initramfs, which stays in RAM)
#   http rps / p50 / p99  ml-demo/http/server.py under ml-demo/bench/loadgen.py
#                       ($ML_HTTP_SECONDS, default 20 s, $ML_HTTP_CONNS, default
#                       4 keep-alive connections) through a port forward
#                       (QEMU user networking for both VMs)
# Needs Debian's python3-sklearn for that interpreter; busybox-static, cpio
# and a readable /boot/vmlinuz-* for the Linux VM column (skipped without).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
B=${B:-build}
case $B in /*) bdir=$B ;; *) bdir=$root/$B ;; esac
solo=$bdir/solo
work=$bdir/bench-ml
SECS=${ML_HTTP_SECONDS:-20}
CONNS=${ML_HTTP_CONNS:-4}
MEM=1024

die() { echo "bench-ml: $*" >&2; exit 1; }
ms_now() { echo $(( $(date +%s%N) / 1000000 )); }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# val FILE KEY: the value of line "bench KEY VALUE" in FILE
val() { [ -f "$1" ] && awk -v k="$2" '$1 == "bench" && $2 == k { print $3; exit }' "$1"; }

[ -x "$solo" ] || die "$solo not found (run make B=$B first)"
# The interpreter `solo run python3` picks: the first ELF python3 on $PATH.
PY=$(IFS=:; for d in $PATH; do
         [ -x "$d/python3" ] && head -c 4 "$d/python3" 2>/dev/null | grep -q ELF && { echo "$d/python3"; break; }
     done)
[ -n "$PY" ] && "$PY" -c 'import sklearn' 2> /dev/null ||
    { echo "bench-ml: no python3 with scikit-learn on \$PATH: ML section skipped" >&2; exit 0; }
rm -rf "$work"
mkdir -p "$work/tmp"
export TMPDIR=$work/tmp
cd "$root" || die "no $root"

# ------------------------------------------------------------ set-up
# The accelerator solo picks (the Linux VM gets the same one).
"$solo" run -v --timeout 120 /bin/true > /dev/null 2> "$work/accel.log"
accel=$(sed -n 's/.* -accel \([a-z]*\).*/\1/p' "$work/accel.log" | head -1)
[ -n "$accel" ] || accel=tcg
printf '{"Files": ["ml-demo/iris/model.py"]}' > "$work/iris-files.json"

# ------------------------------------------------------------ Linux VM
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
busybox=$(command -v busybox || true)
linux_ok=1
[ -n "$kernel" ] && [ -r "$kernel" ] || { echo "bench-ml: no readable /boot/vmlinuz-*: Linux VM column skipped" >&2; linux_ok=0; }
[ -n "$busybox" ] || { echo "bench-ml: busybox-static not installed: Linux VM column skipped" >&2; linux_ok=0; }
command -v cpio > /dev/null || { echo "bench-ml: cpio not installed: Linux VM column skipped" >&2; linux_ok=0; }

# py_files SCRIPT...: host paths (files and whole trees) solo's analysis picks
py_files() {
    local s
    for s in "$@"; do
        "$PY" -E -s -c "$(cat "$root/tools/pydeps.py")" / "" "$s" |
            "$PY" -c 'import sys
r = sys.stdin.buffer.read().split(b"\0")
i = 0
while i < len(r):
    t = r[i]
    if t in (b"F", b"T"):
        print(r[i + 1].decode()); i += 3
    elif t in (b"D", b"W", b"E"):
        if t == b"E": sys.exit("pydeps: " + r[i + 1].decode())
        if t == b"D": print(r[i + 1].decode() + "/")
        i += 2
    else:
        i += 1'
    done
}

# make_initramfs: $work/linux.cpio (uncompressed: TCG would crawl through gunzip)
make_initramfs() {
    local d=$work/rootfs kver f m
    kver=${kernel##*/vmlinuz-}
    rm -rf "$d" && mkdir -p "$d"/usr/bin "$d"/usr/lib "$d"/usr/lib64 "$d"/usr/sbin "$d"/proc "$d"/sys \
        "$d"/dev "$d"/tmp "$d"/etc "$d"/modules || return 1
    for f in bin lib lib64 sbin; do ln -s usr/$f "$d/$f"; done
    cp "$busybox" "$d/usr/bin/busybox"
    for f in sh cat mount poweroff echo insmod ifconfig route sleep; do ln -sf busybox "$d/usr/bin/$f"; done
    printf '127.0.0.1 localhost\n' > "$d/etc/hosts"
    py_files ml-demo/iris/model.py ml-demo/bench/mlbench.py ml-demo/http/server.py | sort -u > "$work/pyfiles" ||
        return 1
    while read -r f; do
        case $f in
        /*/) mkdir -p "$d$f" ;;
        /*) mkdir -p "$d$(dirname "$f")" && cp -a "$f" "$d$f" || return 1 ;;
        esac                                        # the scripts go to /ml-demo below
    done < "$work/pyfiles"
    mkdir -p "$d/usr/bin" && cp -L "$PY" "$d$PY" || return 1
    cp -r ml-demo "$d/ml-demo"
    # ELF closure: the interpreter and every extension module's libraries
    { echo "$PY"; find "$d/usr" -name '*.so*' -type f | sed "s|^$d||"; } |
        while read -r f; do ldd "$f" 2> /dev/null; done |
        awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u > "$work/libs"
    while read -r f; do
        [ -e "$d$f" ] || { mkdir -p "$d$(dirname "$f")" && cp -L "$f" "$d$f"; } || return 1
    done < "$work/libs"
    modprobe --show-depends -S "$kver" virtio_pci > "$work/mods" 2> /dev/null &&
        modprobe --show-depends -S "$kver" virtio_net >> "$work/mods" 2> /dev/null || return 1
    : > "$d/modules/list"
    while read -r _ m; do
        [ -e "$d/modules/${m##*/}" ] || { cp "$m" "$d/modules/" && echo "${m##*/}" >> "$d/modules/list"; }
    done < "$work/mods"
    cat > "$d/init" <<INIT
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
export PATH=/usr/bin PYTHONDONTWRITEBYTECODE=1
ifconfig lo 127.0.0.1 up
echo "uptime-at-init \$(cat /proc/uptime)"
cd /
case "\$MLTASK" in
iris)
    echo "uptime-start \$(cat /proc/uptime)"
    $PY ml-demo/iris/model.py
    echo "uptime-end \$(cat /proc/uptime)" ;;
iris-script) $PY ml-demo/bench/mlbench.py iris ml-demo/iris/model.py > /dev/null ;;
digits) $PY ml-demo/bench/mlbench.py digits ;;
http)
    for m in \$(cat /modules/list); do insmod /modules/\$m; done
    ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up
    route add default gw 10.0.2.2
    $PY ml-demo/http/server.py --port 8080 ;;
esac
poweroff -f
INIT
    chmod +x "$d/init"
    (cd "$d" && find . | cpio -o -H newc --quiet) > "$work/linux.cpio"
}

# linux_vm TASK [QEMU ARGS...]: boot it; serial console output in linux-TASK.out
linux_vm() {
    local task=$1
    shift
    timeout 900 qemu-system-x86_64 -M q35 -accel "$accel" -cpu max -m $MEM -smp 1 -nodefaults \
        -no-reboot -display none -serial stdio -kernel "$kernel" -initrd "$work/linux.cpio" \
        -append "console=ttyS0 quiet loglevel=1 panic=-1 MLTASK=$task" "$@" < /dev/null 2> "$work/linux-$task.err" |
        tr -d '\r' > "$work/linux-$task.out"
}

# ------------------------------------------------------------ workloads
# Each workload runs native, Linux VM and solo back to back, so that a host
# whose load changes (a shared machine) skews the columns as little as it can.

iris_native() {
    local t0=$(ms_now)
    "$PY" ml-demo/iris/model.py > "$work/native-iris.out" 2> /dev/null || die "native iris failed"
    native_iris_ms=$(( $(ms_now) - t0 ))
    cmp -s "$work/native-iris.out" ml-demo/iris/expected.txt ||
        echo "bench-ml: native iris output differs from expected.txt" >&2
}
iris_linux() {
    local t0=$(ms_now)
    linux_vm iris
    linux_iris_ms=$(( $(ms_now) - t0 ))
    sed -n '/^uptime-start/,/^uptime-end/p' "$work/linux-iris.out" | sed '1d;$d' |
        grep -v -e 'ConvergenceWarning' -e '^  warnings.warn' > "$work/linux-iris.report"
    cmp -s "$work/linux-iris.report" ml-demo/iris/expected.txt ||
        { echo "bench-ml: Linux VM iris output differs (see $work/linux-iris.out)" >&2; linux_iris_ms=-; }
    linux_boot_ms=$(awk '/^uptime-at-init/ { printf "%.1f", $2 * 1000 }' "$work/linux-iris.out")
    linux_iris_run_ms=$(awk '/^uptime-start/ { s = $2 } /^uptime-end/ { printf "%.0f", ($2 - s) * 1000 }' \
        "$work/linux-iris.out")
}
iris_solo() {
    local t0=$(ms_now) rc
    "$solo" run -v --timeout 900 --mem ${MEM}M python3 ml-demo/iris/model.py > "$work/solo-iris.out" \
        2> "$work/solo-iris.log"
    rc=$?
    solo_iris_ms=$(( $(ms_now) - t0 ))
    [ $rc = 0 ] && cmp -s "$work/solo-iris.out" ml-demo/iris/expected.txt ||
        { echo "bench-ml: solo iris failed or differs (rc $rc, see $work/solo-iris.log)" >&2; solo_iris_ms=-; }
    solo_boot_ms=$(sed -n 's/.*solo: boot-to-main \([0-9]*\) us.*/\1/p' "$work/solo-iris.log" | head -1 |
        awk '{ printf "%.1f", $1 / 1000 }')
}

iris_script_native() {
    "$PY" ml-demo/bench/mlbench.py iris > /dev/null 2> "$work/native-iris-script.txt"
}
iris_script_linux() {
    linux_vm iris-script && cp "$work/linux-iris-script.out" "$work/linux-iris-script.txt"
}
iris_script_solo() {
    "$solo" run --timeout 900 --mem ${MEM}M -c "$work/iris-files.json" \
        python3 ml-demo/bench/mlbench.py iris ml-demo/iris/model.py > /dev/null 2> "$work/solo-iris-script.txt" ||
        echo "bench-ml: solo mlbench iris failed" >&2
}

digits_native() {
    "$PY" ml-demo/bench/mlbench.py digits 2> "$work/native-digits.txt" || die "native digits failed"
}
digits_linux() {
    linux_vm digits && cp "$work/linux-digits.out" "$work/linux-digits.txt"
}
digits_solo() {
    "$solo" run --timeout 900 --mem ${MEM}M python3 ml-demo/bench/mlbench.py digits \
        2> "$work/solo-digits.txt" > /dev/null || echo "bench-ml: solo mlbench digits failed" >&2
}

# load ENV WAIT: run the load generator against $port into ENV-http.txt
load() {
    "$PY" ml-demo/bench/loadgen.py "$port" "$SECS" "$CONNS" "$2" > "$work/$1-http.txt" 2>&1 ||
        echo "bench-ml: $1 http: $(tail -2 "$work/$1-http.txt")" >&2
}
http_native() {
    local srv
    port=$(free_port)
    "$PY" ml-demo/http/server.py --port "$port" > "$work/native-http.server" 2>&1 &
    srv=$!
    load native 60
    kill $srv 2> /dev/null; wait $srv 2> /dev/null
}
http_linux() {
    local vm
    port=$(free_port)
    linux_vm http -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:8080" \
        -device virtio-net-pci,netdev=n0,romfile= -pidfile "$work/qemu-http.pid" &
    vm=$!
    load linux 300
    [ -s "$work/qemu-http.pid" ] && kill "$(cat "$work/qemu-http.pid")" 2> /dev/null
    wait $vm 2> /dev/null
}
http_solo() {
    local srv
    port=$(free_port)
    "$solo" run --mem ${MEM}M -p "$port:8080" python3 ml-demo/http/server.py > "$work/solo-http.server" 2>&1 &
    srv=$!
    load solo 300
    kill $srv 2> /dev/null; wait $srv 2> /dev/null
}

native_iris_ms=- linux_iris_ms=- solo_iris_ms=- linux_boot_ms=- solo_boot_ms=- linux_iris_run_ms=-
if [ "$linux_ok" = 1 ]; then
    echo "bench-ml: building the Linux VM's initramfs" >&2
    if make_initramfs; then
        echo "bench-ml: Linux VM initramfs: $(du -m "$work/linux.cpio" | cut -f1) MB" >&2
    else
        echo "bench-ml: cannot build the Linux VM's initramfs: Linux VM column skipped" >&2
        linux_ok=0
    fi
fi
for w in iris iris_script digits http; do
    echo "bench-ml: $w" >&2
    ${w}_native
    [ "$linux_ok" = 1 ] && ${w}_linux
    ${w}_solo
done

row() {
    awk -v name="$1" -v n="${2:-}" -v l="${3:-}" -v s="${4:-}" 'BEGIN {
        if (n == "") n = "-"; if (l == "") l = "-"; if (s == "") s = "-"
        rl = (s != "-" && l != "-" && l + 0 > 0) ? sprintf("%.2fx", s / l) : "-"
        rn = (s != "-" && n != "-" && n + 0 > 0) ? sprintf("%.2fx", s / n) : "-"
        printf "%-30s %12s %12s %12s %14s %12s\n", name, n, l, s, rl, rn
    }'
}
# krow NAME KEY [SCALE]: a row from the "bench KEY" lines of the three runs of one workload
krow() {
    local w=$2 k=$3 scale=${4:-1}
    row "$1" $(for e in native linux solo; do
        v=$(val "$work/$e-$w.txt" "$k")
        if [ -z "$v" ] || [ "$v" = None ]; then printf -- '- '
        elif [ "$scale" = 1 ]; then printf '%s ' "$v"
        else awk -v v="$v" -v s="$scale" 'BEGIN { printf "%.1f ", v * s }'; fi
    done)
}

echo
echo "solo ML benchmark: accelerator $accel, $MEM MiB, 1 vCPU; python $PY"
echo "kernel for the Linux VM: ${kernel:-none}; http: $CONNS connections for $SECS s"
printf "%-30s %12s %12s %12s %14s %12s\n" "metric" "native" "linux-vm" "solo" "solo/linux-vm" "solo/native"
row "iris wall, whole run (ms)" "$native_iris_ms" "$linux_iris_ms" "$solo_iris_ms"
row "boot to init/main (ms)" "-" "$linux_boot_ms" "$solo_boot_ms"
row "iris python run (ms)" "$native_iris_ms" "$linux_iris_run_ms" "-"
krow "iris script in-process (s)" iris-script iris_script_s
krow "sklearn import (s)" digits import_s
krow "MultinomialNB fit (s)" digits nb_fit_s
krow "MultinomialNB predict (s)" digits nb_predict_s
krow "ExtraTrees(100) fit (s)" digits et_fit_s
krow "ExtraTrees(100) predict (s)" digits et_predict_s
krow "NB accuracy" digits nb_accuracy
krow "ExtraTrees accuracy" digits et_accuracy
krow "peak RSS, digits (MB)" digits vmhwm_kb 0.0009765625
# native: the host's memory in use says nothing about the program
row "guest mem in use, digits (MB)" - $(for e in linux solo; do
    v=$(val "$work/$e-digits.txt" mem_used_kb)
    if [ -n "$v" ]; then awk -v v="$v" 'BEGIN { printf "%.1f ", v / 1024 }'; else printf -- '- '; fi
done)
krow "http requests/s" http http_rps
krow "http p50 latency (ms)" http http_p50_ms
krow "http p99 latency (ms)" http http_p99_ms
krow "http errors" http errors
