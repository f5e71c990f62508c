# diskboot_tests.sh - GRUB disk images (solo build --boot, docs/boot.md) booted
# by firmware with -drive and no -kernel: SeaBIOS for bios, OVMF for uefi.
# Sourced by run.sh (helpers srun, scmd, fail, pass, expect_*; $W, $BIN, $RES,
# $T, $SOLO).  Skipped (PASS with a note) when GRUB, mtools or OVMF is missing.
DTMO=${SOLO_DISK_TIMEOUT:-120}     # OVMF under TCG takes several seconds

need_disk_tools() {   # need_disk_tools bios|uefi|hybrid
    local miss=
    command -v grub-mkimage > /dev/null || miss="$miss grub-mkimage"
    command -v mformat > /dev/null || miss="$miss mtools"
    case $1 in bios|hybrid) [ -f /usr/lib/grub/i386-pc/boot.img ] || miss="$miss grub-pc-bin" ;; esac
    case $1 in uefi|hybrid) [ -d /usr/lib/grub/x86_64-efi ] || miss="$miss grub-efi-amd64-bin"
        [ -n "${SOLO_OVMF:-}" ] || [ -f /usr/share/ovmf/OVMF.fd ] || miss="$miss ovmf" ;; esac
    [ -z "$miss" ] && return 0
    echo "PASS (skipped: missing$miss; tools/setup-deps.sh installs them)" > "$RES/$T.result"
    exit 0
}
# dboot KIND IMAGE [OPTIONS...]: boot a disk image with that firmware, capturing out/err/rc
dboot() {
    "$SOLO" run --timeout "$DTMO" --firmware "$1" --image "$2" "${@:3}" < /dev/null > "$RES/$T.out" 2> "$RES/$T.err"
    echo $? > "$RES/$T.rc"
}
# disk_hello KIND: hello and an exit status through a disk of that kind
disk_hello() {
    scmd build --boot "$1" -o "$W/$T.img" ./hello
    expect_rc 0; expect_out ''; expect_err ''
    dboot "$1" "$W/$T.img"
    expect_rc 0; expect_out $'hello, world\n'; expect_err ''
    scmd build --boot "$1" -o "$W/$T-42.img" ./status 42
    expect_rc 0
    dboot "$1" "$W/$T-42.img"
    expect_rc 42; expect_out $'exiting with 42\n'; expect_err ''
    rm -f "$W/$T.img" "$W/$T-42.img"
}
t_disk_bios() {      # GRUB i386-pc from the MBR + BIOS boot partition, SeaBIOS, multiboot2
    need_disk_tools bios
    disk_hello bios; pass
}
t_disk_uefi() {      # GRUB x86_64-efi as EFI/BOOT/BOOTX64.EFI, OVMF, multiboot2
    need_disk_tools uefi
    disk_hello uefi; pass
}
t_disk_persist() {   # a hybrid disk: written on a BIOS boot, a UEFI boot, a BIOS boot from NVMe; read back by solo fs
    need_disk_tools hybrid
    scmd build --boot hybrid -o "$W/$T.img" ./bootcount
    expect_rc 0
    dboot bios "$W/$T.img"
    expect_rc 0; expect_out $'boot 1\n'; expect_err ''
    dboot uefi "$W/$T.img"
    expect_rc 0; expect_out $'boot 2\n'; expect_err ''
    dboot bios "$W/$T.img" --disk nvme
    expect_rc 0; expect_out $'boot 3\n'; expect_err ''
    scmd fs cat "$W/$T.img" /bootcount.txt
    expect_rc 0; expect_out $'boot 1\nboot 2\nboot 3\n'
    scmd fs ls "$W/$T.img" /
    expect_rc 0
    grep -q ' bootcount.txt$' "$RES/$T.out" || fail "fs ls: $(cat "$RES/$T.out")"
    scmd fs check "$W/$T.img"
    expect_rc 0
    grep -q '^ok: ' "$RES/$T.out" || fail "fs check: $(cat "$RES/$T.out" "$RES/$T.err")"
    # The layout docs/boot.md describes: protective MBR, GPT, solo's type GUID.
    [ "$(od -An -tx1 -j510 -N2 "$W/$T.img" | tr -d ' ')" = 55aa ] || fail "no MBR signature"
    [ "$(dd if="$W/$T.img" bs=1 skip=512 count=8 status=none)" = "EFI PART" ] || fail "no GPT header"
    [ "$(od -An -tx1 -j$((1024 + 256)) -N16 "$W/$T.img" | tr -d ' \n')" = cd435ec10630fc4fbbb82ace0b405a85 ] ||
        fail "partition 3 is not of solo's type"
    rm -f "$W/$T.img"
    pass
}
t_disk_errors() {    # clear one-line errors: bad --boot / --firmware, a kernel without multiboot2
    need_disk_tools bios
    scmd build --boot floppy -o "$W/$T.img" ./hello
    expect_rc 2; expect_one_line_error
    scmd run --firmware coreboot ./hello
    expect_rc 2; expect_one_line_error
    scmd build --boot bios --kernel "$W/panic.elf" -o "$W/$T.img" ./hello
    expect_rc 1; expect_one_line_error; expect_err_grep 'no multiboot2 header'
    [ ! -e "$W/$T.img" ] || fail "a failed build left $W/$T.img behind"
    pass
}
