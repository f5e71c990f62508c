#!/bin/bash
# net.sh - the network section of `make bench` (build dir from $B, default build).
# Not a test: the same static server binaries run natively, in a Linux VM and
# under solo, driven from the host, and the results are printed side by side
# with ratios.
#
# Servers (tests/net/): httpd.c, a static-file HTTP/1.1 server (epoll,
# keep-alive; it writes its files small.html, 4 KiB, and big.bin, 1 MiB, into
# /tmp/www at start), and bulk.c's server (one connection at a time: send or
# receive N bytes).  Clients, on the host: loadgen.c (closed-loop keep-alive
# GETs on $NET_CONNS connections for $NET_SECONDS s, per-request latency) and
# bulk.c (one $NET_BYTES transfer each way, checked byte for byte).
#
# Both VMs: QEMU q35, the accelerator solo picks, $MEM MiB, one vCPU, QEMU
# user networking with host forwards to the guest's ports 8080 (httpd) and
# 5001 (bulk), virtio-net.  The Linux VM is Debian's /boot/vmlinuz-* with a
# cpio initramfs built here (busybox-static, the two servers, the kernel's
# virtio-net modules); it runs both servers in one boot.  solo runs each
# server in its own `solo run -p`.  "native" is the host's loopback, for
# reference only (no VM, no NAT).
#
# Rows: http 4K / 1M requests/s, p50 and p99 latency (ms), 1 MiB body MB/s
# (steady state: each connection's first request, which waits for the port
# forward to reach the guest, is left out and its worst shown apart);
# tcp down (guest to host) and up (host to guest) MB/s (10^6 bytes).
# Environment: NET_SECONDS (default 10), NET_CONNS (default 8),
# NET_BYTES (default 268435456).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
B=${B:-build}
case $B in /*) bdir=$B ;; *) bdir=$root/$B ;; esac
solo=$bdir/solo
work=$bdir/bench-net
SECS=${NET_SECONDS:-10}
CONNS=${NET_CONNS:-8}
BYTES=${NET_BYTES:-268435456}
MEM=1024

die() { echo "bench-net: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# val FILE KEY: the value of line "bench KEY VALUE" in FILE
val() { [ -f "$1" ] && awk -v k="$2" '$1 == "bench" && $2 == k { print $3; exit }' "$1"; }

[ -x "$solo" ] || die "$solo not found (run make B=$B first)"
rm -rf "$work"
mkdir -p "$work"
for p in httpd loadgen bulk; do
    gcc -static -O2 -Wall -Wextra -o "$work/$p" "$root/tests/net/$p.c" || die "cannot build tests/net/$p.c"
done
cd "$work" || die "no $work"

# clients ENV HTTPPORT: the HTTP measurements; results in ENV-small.txt, ENV-big.txt
clients() {
    local e=$1 hp=$2
    ./loadgen 127.0.0.1 "$hp" /small.html "$SECS" "$CONNS" 300 > "$e-small.txt" 2>&1 ||
        echo "bench-net: $e http 4K: $(tail -1 "$e-small.txt")" >&2
    ./loadgen 127.0.0.1 "$hp" /big.bin "$SECS" "$CONNS" 60 > "$e-big.txt" 2>&1 ||
        echo "bench-net: $e http 1M: $(tail -1 "$e-big.txt")" >&2
}
# bulks ENV BULKPORT: one transfer each way; results in ENV-down.txt, ENV-up.txt
bulks() {
    local e=$1 bp=$2
    ./bulk 127.0.0.1 "$bp" down "$BYTES" 300 > "$e-down.txt" 2>&1 ||
        echo "bench-net: $e tcp down: $(tail -1 "$e-down.txt")" >&2
    ./bulk 127.0.0.1 "$bp" up "$BYTES" 60 > "$e-up.txt" 2>&1 ||
        echo "bench-net: $e tcp up: $(tail -1 "$e-up.txt")" >&2
}

# ------------------------------------------------------------ native
echo "bench-net: native runs" >&2
hp=$(free_port) bp=$(free_port)
./httpd "$hp" "$work/www" > native-httpd.out 2>&1 &
h=$!
./bulk serve "$bp" > native-bulk.out 2>&1 &
b=$!
clients native "$hp"
bulks native "$bp"
kill $h $b 2> /dev/null; wait $h $b 2> /dev/null

# ------------------------------------------------------------ solo
echo "bench-net: solo runs" >&2
"$solo" run -v ./bulk ping > solo-accel.log 2>&1
accel=$(sed -n 's/.* -accel \([a-z]*\).*/\1/p' solo-accel.log | head -1)
[ -n "$accel" ] || accel=tcg
hp=$(free_port)
"$solo" run --mem ${MEM}M --cpus 1 -p "$hp:8080" ./httpd 8080 /tmp/www > solo-httpd.out 2>&1 &
s=$!
clients solo "$hp"
kill $s 2> /dev/null; wait $s 2> /dev/null
bp=$(free_port)
"$solo" run --mem ${MEM}M --cpus 1 -p "$bp:5001" ./bulk serve 5001 > solo-bulk.out 2>&1 &
s=$!
bulks solo "$bp"
kill $s 2> /dev/null; wait $s 2> /dev/null

# ------------------------------------------------------------ Linux VM
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
busybox=$(command -v busybox || true)
linux_ok=1
[ -n "$kernel" ] && [ -r "$kernel" ] || { echo "bench-net: no readable /boot/vmlinuz-*: Linux VM column skipped" >&2; linux_ok=0; }
[ -n "$busybox" ] || { echo "bench-net: busybox-static not installed: Linux VM column skipped" >&2; linux_ok=0; }
command -v cpio > /dev/null || { echo "bench-net: cpio not installed: Linux VM column skipped" >&2; linux_ok=0; }

# make_initramfs: $work/linux.cpio with busybox, the servers and the virtio-net modules
make_initramfs() {
    local d=$work/rootfs kver m
    kver=${kernel##*/vmlinuz-}
    mkdir -p "$d/bin" "$d/proc" "$d/sys" "$d/dev" "$d/tmp" "$d/modules" || return 1
    cp "$busybox" "$d/bin/busybox"
    for m in sh cat mount poweroff echo insmod ifconfig route sleep; do ln -sf busybox "$d/bin/$m"; done
    cp httpd bulk "$d/"
    modprobe --show-depends -S "$kver" virtio_pci > mods 2> /dev/null &&
        modprobe --show-depends -S "$kver" virtio_net >> mods 2> /dev/null || return 1
    : > "$d/modules/list"
    while read -r _ m; do
        [ -e "$d/modules/${m##*/}" ] || { cp "$m" "$d/modules/" && echo "${m##*/}" >> "$d/modules/list"; }
    done < mods
    cat > "$d/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
for m in $(cat /modules/list); do insmod /modules/$m; done
ifconfig lo 127.0.0.1 up
ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up
route add default gw 10.0.2.2
/bulk serve 5001 &
/httpd 8080 /tmp/www
poweroff -f
INIT
    chmod +x "$d/init"
    (cd "$d" && find . | cpio -o -H newc --quiet) > linux.cpio
}

if [ "$linux_ok" = 1 ] && make_initramfs; then
    echo "bench-net: Linux VM runs" >&2
    hp=$(free_port) bp=$(free_port)
    timeout 1800 qemu-system-x86_64 -M q35 -accel "$accel" -cpu max -m $MEM -smp 1 -nodefaults \
        -no-reboot -display none -serial stdio -kernel "$kernel" -initrd linux.cpio \
        -append "console=ttyS0 quiet loglevel=1 panic=-1" \
        -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$hp-:8080,hostfwd=tcp:127.0.0.1:$bp-:5001" \
        -device virtio-net-pci,netdev=n0,romfile= -pidfile qemu.pid < /dev/null 2>&1 |
        tr -d '\r' > linux-vm.out &
    vm=$!
    clients linux "$hp"
    bulks linux "$bp"
    [ -s qemu.pid ] && kill "$(cat qemu.pid)" 2> /dev/null
    wait $vm 2> /dev/null
elif [ "$linux_ok" = 1 ]; then
    echo "bench-net: cannot build the Linux VM's initramfs: Linux VM column skipped" >&2
fi

row() {
    awk -v name="$1" -v n="${2:-}" -v l="${3:-}" -v s="${4:-}" 'BEGIN {
        if (n == "") n = "-"; if (l == "") l = "-"; if (s == "") s = "-"
        rl = (s != "-" && l != "-" && l + 0 > 0) ? sprintf("%.2fx", s / l) : "-"
        rn = (s != "-" && n != "-" && n + 0 > 0) ? sprintf("%.2fx", s / n) : "-"
        printf "%-30s %12s %12s %12s %14s %12s\n", name, n, l, s, rl, rn
    }'
}
# krow NAME FILE KEY: one metric from the three environments' FILE
krow() { row "$1" "$(val native-$2.txt $3)" "$(val linux-$2.txt $3)" "$(val solo-$2.txt $3)"; }

echo
echo "solo network benchmark: accelerator $accel, $MEM MiB, 1 vCPU, QEMU user networking + hostfwd, virtio-net"
echo "kernel for the Linux VM: ${kernel:-none}; http: $CONNS keep-alive connections for $SECS s; tcp: $BYTES bytes"
echo "native: the host's loopback (no VM, no NAT), for reference; ratios > 1 mean solo is higher"
printf "%-30s %12s %12s %12s %14s %12s\n" "metric" "native" "linux-vm" "solo" "solo/linux-vm" "solo/native"
krow "http 4K requests/s" small http_rps
krow "http 4K p50 latency (ms)" small http_p50_ms
krow "http 4K p99 latency (ms)" small http_p99_ms
krow "http 1M requests/s" big http_rps
krow "http 1M p99 latency (ms)" big http_p99_ms
krow "http 1M body (MB/s)" big http_mbps
krow "tcp down, guest->host (MB/s)" down tcp_down_mbps
krow "tcp up, host->guest (MB/s)" up tcp_up_mbps
krow "http first request, max (ms)" small http_first_max_ms
krow "http errors (4K)" small errors
