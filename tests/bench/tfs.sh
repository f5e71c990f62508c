#!/bin/bash
# tfs.sh - the filesystem part of `make bench` (build dir from $B, default
# build).  Not a test: it prints, side by side with ratios,
#   seq write / seq read   MB/s of 64 MiB in 1 MiB calls (write + fsync,
#                          then read back), tests/tfs/fsw.c `bench`
#   append+fsync           ms per 4 KiB append followed by fsync (200 of them)
# for solo (TFS on its image, virtio-blk) and for a Linux VM booted on the
# same QEMU machine, accelerator and disk cache mode (writeback, as `solo run
# --image`): Debian's /boot/vmlinuz-* with a busybox initramfs that loads
# virtio_blk + ext4 and mounts a 256 MiB ext4 disk made here by mkfs.ext4.
# Both run the same static fsw binary.  Then the size of the python3 +
# scikit-learn image (ml-demo/iris) built with and without --compress.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
B=${B:-build}
case $B in /*) bdir=$B ;; *) bdir=$root/$B ;; esac
solo=$bdir/solo
export SOLO_KERNEL=$bdir/kernel.elf
work=$bdir/bench-tfs
cache=writeback

die() { echo "bench tfs: $*" >&2; exit 1; }
[ -x "$solo" ] || die "$solo not found (run make B=$B first)"
rm -rf "$work" && mkdir -p "$work" && cd "$work" || die "cannot use $work"
gcc -static -O2 -o fsw "$root/tests/tfs/fsw.c" || die "cannot build fsw.c"

# fields: seq write MB/s, seq read MB/s, append+fsync ms (from fsw's line)
fields() { sed -n 's/.*seq write \([0-9.]*\) MB\/s, seq read \([0-9.]*\) MB\/s, 4 KiB append+fsync \([0-9.]*\) ms.*/\1 \2 \3/p' "$1" | head -1; }

# ---- solo
"$solo" build -o solo.img --size 256M fsw bench /data > solo-build.log 2>&1 || die "solo build: $(tail -3 solo-build.log)"
"$solo" run -v --image solo.img > solo.out 2> solo.log || die "solo run: $(tail -3 solo.log)"
accel=$(sed -n 's/.* -accel \([a-z]*\).*/\1/p' solo.log | head -1)
[ -n "$accel" ] || accel=tcg
read -r s_w s_r s_f <<< "$(fields solo.out)"
[ -n "${s_f:-}" ] || die "solo: no figures in $(cat solo.out)"

# ---- Linux VM with ext4 on virtio-blk
l_w=- l_r=- l_f=-
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
kver=${kernel#/boot/vmlinuz-}
busybox=$(command -v busybox || true)
linux_ok=1
[ -n "$kernel" ] && [ -r "$kernel" ] || { echo "bench tfs: no readable /boot/vmlinuz-*: Linux VM column skipped" >&2; linux_ok=0; }
[ -n "$busybox" ] || { echo "bench tfs: busybox-static not installed: Linux VM column skipped" >&2; linux_ok=0; }
command -v mkfs.ext4 > /dev/null || { echo "bench tfs: mkfs.ext4 (e2fsprogs) missing: Linux VM column skipped" >&2; linux_ok=0; }
command -v cpio > /dev/null || { echo "bench tfs: cpio missing: Linux VM column skipped" >&2; linux_ok=0; }
if [ "$linux_ok" = 1 ]; then
    d=$work/initramfs
    mkdir -p "$d/bin" "$d/proc" "$d/dev" "$d/mnt" "$d/modules"
    cp "$busybox" "$d/bin/busybox"
    for a in sh cat mount umount poweroff echo insmod mkdir; do ln -sf busybox "$d/bin/$a"; done
    cp fsw "$d/fsw"
    { modprobe --show-depends -S "$kver" virtio_pci && modprobe --show-depends -S "$kver" virtio_blk &&
      modprobe --show-depends -S "$kver" ext4; } > mods 2> /dev/null || linux_ok=0
    : > "$d/modules/list"
    while read -r _ m _; do
        [ -e "$d/modules/${m##*/}" ] || { cp "$m" "$d/modules/" && echo "${m##*/}" >> "$d/modules/list"; }
    done < mods
    cat > "$d/init" <<'INIT'
#!/bin/sh
/bin/mount -t proc proc /proc
/bin/mount -t devtmpfs dev /dev
for m in $(cat /modules/list); do insmod /modules/$m; done
/bin/mount -t ext4 /dev/vda /mnt && /fsw bench /mnt/data && /bin/umount /mnt
/bin/poweroff -f
INIT
    chmod +x "$d/init"
    (cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) > initramfs.cpio.gz
    rm -f ext4.img && truncate -s 256M ext4.img && mkfs.ext4 -q -F ext4.img || linux_ok=0
fi
if [ "$linux_ok" = 1 ]; then
    timeout 600 qemu-system-x86_64 -M q35 -accel "$accel" -cpu max -m 1024 -smp 1 -nodefaults \
        -no-reboot -display none -serial stdio -kernel "$kernel" -initrd initramfs.cpio.gz \
        -drive file=ext4.img,if=none,id=d0,format=raw,cache=$cache \
        -device virtio-blk-pci,drive=d0,disable-legacy=on \
        -append "console=ttyS0 quiet loglevel=1 panic=-1" < /dev/null 2> linux.err | tr -d '\r' > linux.out
    read -r l_w l_r l_f <<< "$(fields linux.out)"
    [ -n "${l_f:-}" ] || { echo "bench tfs: Linux VM gave no figures: $(tail -5 linux.out linux.err)" >&2; l_w=- l_r=- l_f=-; }
fi

# ---- image size, python3 + scikit-learn (skipped without them)
p_plain=- p_z=-
# the interpreter `solo build python3` picks: the first ELF python3 on $PATH
PY=$(IFS=:; for d in $PATH; do
         [ -x "$d/python3" ] && head -c 4 "$d/python3" 2>/dev/null | grep -q ELF && { echo "$d/python3"; break; }
     done)
if [ -n "$PY" ] && "$PY" -c 'import sklearn' 2> /dev/null; then
    if "$solo" build -o py.img python3 "$root/ml-demo/iris/model.py" > py.log 2>&1 &&
       "$solo" build --compress -o pyz.img python3 "$root/ml-demo/iris/model.py" > pyz.log 2>&1; then
        p_plain=$(du -k py.img | cut -f1) p_z=$(du -k pyz.img | cut -f1)
    else
        echo "bench tfs: python3 image build failed: $(tail -2 py.log pyz.log)" >&2
    fi
else
    echo "bench tfs: no python3 with scikit-learn on \$PATH: image sizes skipped" >&2
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
echo
echo "== TFS vs ext4 (QEMU -accel $accel, virtio-blk cache=$cache, 64 MiB in 1 MiB writes)"
printf '%-26s %12s %14s %12s\n' "" "solo (TFS)" "Linux (ext4)" "solo/Linux"
printf '%-26s %12s %14s %12s\n' "seq write MB/s" "$s_w" "$l_w" "$(ratio "$s_w" "$l_w")"
printf '%-26s %12s %14s %12s\n' "seq read MB/s" "$s_r" "$l_r" "$(ratio "$s_r" "$l_r")"
printf '%-26s %12s %14s %12s\n' "4 KiB append+fsync ms" "$s_f" "$l_f" "$(ratio "$s_f" "$l_f")"
echo
echo "== python3 + scikit-learn image (ml-demo/iris), disk use of the image file"
printf '%-26s %12s %14s %12s\n' "" "plain KiB" "--compress KiB" "compressed/plain"
printf '%-26s %12s %14s %12s\n' "solo build" "$p_plain" "$p_z" "$(ratio "$p_z" "$p_plain")"
