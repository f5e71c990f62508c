# nvme_tests.sh - the NVMe block driver (runtime/drivers/nvme.c) behind
# `solo run --disk nvme`, sourced by run.sh (its helpers: srun, scmd, fail,
# pass, expect_*; $W, $BIN, $RES, $T).  The workload is progs/diskio.c: the
# first boot writes a 6 MiB file in mixed chunk sizes from odd buffer
# addresses and fsyncs it (commands of 512 KiB, PRP lists of 128 entries),
# the second boot of the same image reads it back (sequential and at odd
# offsets) checking every byte; the host then compares the file's sha256
# with a native run's and checks the image.

# nvme_roundtrip IMAGE [solo run options]: both diskio boots over NVMe, then
# the host-side checks.  Runs fail on the first mismatch.
nvme_roundtrip() {
    local img=$1
    shift
    srun "$@" --disk nvme --image "$img"
    expect_rc 0; expect_out $'wrote 6291456 bytes\n'
    srun "$@" --disk nvme --image "$img"
    expect_rc 0; expect_out $'read 6291456 bytes ok\n'
    rm -f "$W/$T.native" "$W/$T.native.small" "$W/$T.big"
    ./diskio "$W/$T.native" 6 > /dev/null || fail "native diskio failed"
    "$SOLO" fs get "$img" /big "$W/$T.big" || fail "solo fs get /big failed"
    [ "$(sha256sum < "$W/$T.big")" = "$(sha256sum < "$W/$T.native")" ] ||
        fail "sha256 of /big differs from the native file"
    "$SOLO" fs check "$img" > "$RES/$T.check" 2>&1 || fail "fs check: $(cat "$RES/$T.check")"
    grep -q '^ok: 3 files' "$RES/$T.check" || fail "fs check: $(cat "$RES/$T.check")"
}

t_nvme_hello() {     # the root disk on an NVMe controller; the kernel log names it
    srun -v --disk nvme ./hello
    expect_rc 0; expect_out $'hello, world\n'
    expect_err_grep '^nvme0n1: NVMe 1\.[0-9]+ .* LBAs of 512 bytes'
    expect_err_grep '^drivers: .* 1 block devices'
    pass
}
t_nvme_durable() {   # write + fsync, second boot reads back over NVMe (512-byte LBAs)
    scmd build -o "$W/$T.img" --size 64M ./diskio /big 6
    expect_rc 0
    nvme_roundtrip "$W/$T.img"
    pass
}
t_nvme_4k() {        # a namespace of 4096-byte LBAs: 512-byte sectors read-modify-written
    printf '#!/bin/bash\na=()\nfor x in "$@"; do case $x in nvme,*) a+=("$x,logical_block_size=4096,physical_block_size=4096") ;; *) a+=("$x") ;; esac; done\nexec qemu-system-x86_64 "${a[@]}"\n' > "$W/$T-qemu" &&
        chmod +x "$W/$T-qemu" || fail "cannot write the QEMU wrapper"
    scmd build -o "$W/$T.img" --size 64M ./diskio /big 6
    expect_rc 0
    SOLO_QEMU=$W/$T-qemu srun -v --disk nvme ./hello
    expect_rc 0; expect_err_grep '^nvme0n1: NVMe .* LBAs of 4096 bytes'
    SOLO_QEMU=$W/$T-qemu nvme_roundtrip "$W/$T.img"
    srun --image "$W/$T.img"           # what NVMe wrote, virtio-blk reads
    expect_rc 0; expect_out $'read 6291456 bytes ok\n'
    pass
}
t_nvme_bad_disk() {  # --disk takes virtio or nvme only
    scmd run --disk scsi ./hello
    expect_rc 2; expect_one_line_error; expect_err_grep -- '--disk scsi: expected virtio or nvme'
    pass
}
