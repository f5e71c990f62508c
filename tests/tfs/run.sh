#!/bin/bash
# run.sh - TFS write-path tests: boots real QEMU (TCG) on images built by
# solo and inspects them afterwards with the host tools (solo fs ...).
# Usage: B=build tests/tfs/run.sh [TEST...]   (default: every test)
#
#   durable   fsw's first boot runs every writing call and checks it, the
#             second boot of the same image reads everything back; rename
#             atomicity; holes (punch, ZERO_RANGE, ftruncate: bytes, st_blocks,
#             SEEK_DATA/SEEK_HOLE on both boots, zeros from `solo fs get`);
#             `solo fs check` and `solo fs get` agree.
#   crash     SEEDS (default 20) boots of `fsw crash`, each killed with
#             SIGKILL at a random moment (seeded: reproducible) while it
#             appends + fsyncs; then `solo fs check` passes and every
#             record whose fsync was acknowledged on stdout is in the file;
#             fixed-size slots the workload overwrites in place each hold
#             one whole version (old or new, never a mix), at least the
#             acknowledged one; slots punched (fallocate PUNCH_HOLE) and
#             rewritten hold one whole version or, for the one being
#             rewritten, zeros (`fsw pslots`).
#   enospc    fill a small image: ENOSPC, the file system stays usable,
#             the image checks clean.
#   sqlite    Debian's sqlite3 CLI (dynamic) creates a database, inserts
#             rows; a second boot reads them back (skipped without sqlite3).
#   mapshared stores through writable MAP_SHARED file mappings reach the
#             image (mapw.c): after msync, munmap, fsync, and at exit with
#             the mappings still there; `solo fs get` gives the exact bytes
#             (none of those stored past the end), a second boot reads them
#             back through new mappings; also on a --compress image.
#   orphan    a file unlinked while open gets 16 MiB and an fsync, then the
#             VM is killed (SIGKILL) before the close: `solo fs check` notes
#             the orphan and passes, the next boot frees it (statfs free
#             space back to the level before) and the image checks with no
#             orphan; the same ended by a clean exit with the file still
#             open leaves no orphan at all.
#   check     `solo fs check` reports a damaged superblock and a damaged
#             compressed extent, with offsets, and fails.
#   bench     (only when named) sequential write/read MB/s and 4 KiB
#             append+fsync latency, natively and under solo.
# Work files go to $B/tfstest (not /tmp: the guest hides its /tmp).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case $B in /*) BD=$B ;; *) BD=$ROOT/$B ;; esac
SOLO=$BD/solo
export SOLO_KERNEL=$BD/kernel.elf
W=$BD/tfstest
SEEDS=${SEEDS:-20}
TMO=${SOLO_TEST_TIMEOUT:-120}
failed=0

die() { echo "tfs/run.sh: $*" >&2; exit 2; }
[ -x "$SOLO" ] && [ -f "$SOLO_KERNEL" ] || die "build first: make B=$B"
mkdir -p "$W" && cd "$W" || die "cannot use $W"
gcc -static -O2 -Wall -o fsw "$ROOT/tests/tfs/fsw.c" || die "cannot compile fsw.c"
gcc -static -O2 -Wall -o mapw "$ROOT/tests/tfs/mapw.c" || die "cannot compile mapw.c"

result() {   # result NAME STATUS MESSAGE
    if [ "$2" = 0 ]; then echo "PASS $1 $3"; else echo "FAIL $1 $3"; failed=1; fi
}

t_durable() {
    rm -f d.img && "$SOLO" build -o d.img --size 64M fsw > d.log 2>&1 || { result durable 1 "build: $(cat d.log)"; return; }
    "$SOLO" run --timeout "$TMO" --image d.img > d1.out 2>&1
    local r1=$?
    "$SOLO" run --timeout "$TMO" --image d.img > d2.out 2>&1
    local r2=$?
    grep -q '^phase 1 ok$' d1.out && [ $r1 = 0 ] || { result durable 1 "first boot: $(head -c 600 d1.out)"; return; }
    grep -q '^phase 2 ok$' d2.out && [ $r2 = 0 ] || { result durable 1 "second boot: $(head -c 600 d2.out)"; return; }
    "$SOLO" fs check d.img > dc.out 2>&1 || { result durable 1 "fs check: $(cat dc.out)"; return; }
    rm -f d.big && "$SOLO" fs get d.img /data/big d.big && [ "$(stat -c %s d.big)" = 1048576 ] ||
        { result durable 1 "fs get /data/big failed"; return; }
    [ "$("$SOLO" fs cat d.img /data/state)" = 2 ] || { result durable 1 "state after two boots"; return; }
    # holes: solo fs get/cat give zeros there
    rm -f d.holes && "$SOLO" fs get d.img /data/holes d.holes &&
        cmp -s <(dd if=d.holes bs=4096 skip=2 count=4 2>/dev/null) <(head -c 16384 /dev/zero) &&
        cmp -s <(dd if=d.holes bs=4096 skip=6 count=1 2>/dev/null) <(head -c 4096 /dev/zero | tr '\0' g) &&
        cmp -s <("$SOLO" fs cat d.img /data/sparse) <(head -c 1048572 /dev/zero; printf tail) ||
        { result durable 1 "fs get/cat of the files with holes"; return; }
    result durable 0 "(two boots, $(head -1 dc.out))"
}

# One crash run: boot, wait for the first ack, sleep a seeded random time, SIGKILL QEMU.
crash_one() {   # crash_one SEED
    local s=$1 img=c$1.img pid q last i
    cp c.img "$img"
    "$SOLO" run --timeout "$TMO" --image "$img" > "c$s.out" 2> "c$s.err" &
    pid=$!
    for i in $(seq 1 600); do
        grep -q '^ack' "c$s.out" 2>/dev/null && break
        sleep 0.1
    done
    RANDOM=$s
    sleep "$((RANDOM % 4)).$((RANDOM % 10))"
    q=$(pgrep -P "$pid" | head -1)
    [ -n "$q" ] && kill -KILL "$q"
    wait "$pid" 2>/dev/null
    last=$(grep '^ack ' "c$s.out" | tail -1 | cut -d' ' -f2)
    [ -n "$last" ] || { echo "seed $s: no acknowledged record"; return 1; }
    "$SOLO" fs check "$img" > "c$s.check" 2>&1 || { echo "seed $s: fs check: $(cat "c$s.check")"; return 1; }
    "$SOLO" fs cat "$img" /data/log > "c$s.log" || { echo "seed $s: no /data/log"; return 1; }
    # lines 0..last must be exactly the records the program wrote; more may follow
    awk -v last="$last" '
        { want = sprintf("record %08d %0*d", NR - 1, 40 + (NR - 1) % 50, NR - 1)
          if ($0 != want) { print "line " NR " is \"" substr($0, 1, 60) "\""; bad = 1; exit } }
        END { if (!bad && NR < last + 1) { print "only " NR " records, " last + 1 " acknowledged"; bad = 1 }
              exit bad }' "c$s.log" > "c$s.why" || { echo "seed $s: $(cat "c$s.why")"; return 1; }
    local cur want=$((last / 4 * 4))
    cur=$("$SOLO" fs cat "$img" /data/cur | cut -d' ' -f2)
    [ -n "$cur" ] && [ "$cur" -ge "$want" ] || { echo "seed $s: /data/cur is '$cur', acknowledged $want"; return 1; }
    rm -f "c$s.slots" && "$SOLO" fs get "$img" /data/slots "c$s.slots" || { echo "seed $s: no /data/slots"; return 1; }
    ./fsw slots "c$s.slots" "$last" > "c$s.why" || { echo "seed $s: $(cat "c$s.why")"; return 1; }
    rm -f "c$s.pslots" && "$SOLO" fs get "$img" /data/pslots "c$s.pslots" || { echo "seed $s: no /data/pslots"; return 1; }
    ./fsw pslots "c$s.pslots" "$last" > "c$s.why" || { echo "seed $s: punched $(cat "c$s.why")"; return 1; }
    echo "seed $s: $((last + 1)) acknowledged, $(wc -l < "c$s.log") present, slots whole, punched slots whole or zero"
    rm -f "$img"
    return 0
}

t_crash() {
    rm -f c.img && "$SOLO" build -o c.img --size 2M fsw crash /data > c.log 2>&1 ||
        { result crash 1 "build: $(cat c.log)"; return; }
    local s bad=0 n=0 t0=$SECONDS
    for s in $(seq 1 "$SEEDS"); do
        if crash_one "$s" > cs.out; then n=$((n + 1)); else bad=1; fi
        cat cs.out
    done
    result crash $bad "($n of $SEEDS seeds consistent, $((SECONDS - t0)) s)"
}

t_enospc() {
    rm -f e.img && "$SOLO" build -o e.img --size 8M fsw fill /data > e.log 2>&1 ||
        { result enospc 1 "build: $(cat e.log)"; return; }
    "$SOLO" run --timeout "$TMO" --image e.img > e.out 2>&1
    local r=$?
    grep -q '^fill ok$' e.out && [ $r = 0 ] || { result enospc 1 "$(head -c 600 e.out)"; return; }
    "$SOLO" fs check e.img > ec.out 2>&1 || { result enospc 1 "fs check: $(cat ec.out)"; return; }
    result enospc 0 "($(grep filled e.out))"
}

t_sqlite() {
    local sq q1 q2 q3
    sq=$(command -v sqlite3) || { echo "SKIP sqlite (no sqlite3; apt-get install sqlite3)"; return; }
    q1="CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, name TEXT, v REAL);"
    q2="BEGIN; INSERT INTO t(name, v) VALUES ('alpha', 1.5), ('beta', 2.5), ('gamma', 3.5); COMMIT;"
    q3="SELECT count(*), sum(v), group_concat(name) FROM t;"
    # one image, two boots: each run inserts three rows and reads the table back
    rm -f s.img && "$SOLO" build -o s.img --size 32M "$sq" /db.sqlite "$q1" "$q2" "$q3" > s.log 2>&1 ||
        { result sqlite 1 "build: $(cat s.log)"; return; }
    "$SOLO" run --timeout "$TMO" --image s.img > s1.out 2> s1.err
    "$SOLO" run --timeout "$TMO" --image s.img > s2.out 2> s2.err
    rm -f native.db && sqlite3 native.db "$q1" "$q2" "$q3" > n1.out 2>&1 && sqlite3 native.db "$q1" "$q2" "$q3" > n2.out 2>&1
    cmp -s s1.out n1.out && cmp -s s2.out n2.out ||
        { result sqlite 1 "got '$(cat s1.out s2.out s1.err s2.err | head -c 400)', want '$(cat n1.out n2.out)'"; return; }
    "$SOLO" fs check s.img > sc.out 2>&1 || { result sqlite 1 "fs check: $(cat sc.out)"; return; }
    rm -f s.db && "$SOLO" fs get s.img /db.sqlite s.db && [ "$(sqlite3 s.db 'SELECT count(*) FROM t')" = 6 ] ||
        { result sqlite 1 "the database copied out with solo fs get does not hold 6 rows"; return; }
    result sqlite 0 "(two boots: $(tr '\n' ' ' < s2.out))"
}

mapshared_one() {   # mapshared_one TAG [BUILD-OPTION]: 0 or the reason on stdout
    local t=$1 img=m$1.img n
    rm -f "$img" && "$SOLO" build ${2:-} -o "$img" --size 32M mapw /data > "m$t.log" 2>&1 || { echo "build: $(cat "m$t.log")"; return 1; }
    "$SOLO" run --timeout "$TMO" --image "$img" > "m${t}1.out" 2>&1
    grep -q '^phase 1 ok$' "m${t}1.out" || { echo "first boot: $(head -c 600 "m${t}1.out")"; return 1; }
    "$SOLO" fs check "$img" > "m$t.check" 2>&1 || { echo "fs check: $(cat "m$t.check")"; return 1; }
    for n in synced unmapped fsynced big atexit; do
        ./mapw expect $n > "m$t.want" && rm -f "m$t.got" && "$SOLO" fs get "$img" /data/$n "m$t.got" ||
            { echo "fs get /data/$n failed"; return 1; }
        cmp -s "m$t.want" "m$t.got" || { echo "/data/$n: $(cmp "m$t.want" "m$t.got" 2>&1)"; return 1; }
    done
    "$SOLO" run --timeout "$TMO" --image "$img" > "m${t}2.out" 2>&1
    grep -q '^phase 2 ok$' "m${t}2.out" || { echo "second boot: $(head -c 600 "m${t}2.out")"; return 1; }
    rm -f "$img"
}

t_mapshared() {
    local why
    why=$(mapshared_one p) || { result mapshared 1 "$why"; return; }
    why=$(mapshared_one z --compress) || { result mapshared 1 "(--compress) $why"; return; }
    result mapshared 0 "(msync, munmap, fsync, exit; 5 files byte-exact, two boots, plain and --compress)"
}

orphan_one() {   # orphan_one kill|exit: 0 or the reason on stdout
    local how=$1 img=o$1.img pid q i
    rm -f "$img" && "$SOLO" build -o "$img" --size 64M fsw orphan /data $how > "o$how.log" 2>&1 ||
        { echo "build: $(cat "o$how.log")"; return 1; }
    if [ "$how" = kill ]; then
        "$SOLO" run --timeout "$TMO" --image "$img" > "o$how.1" 2>&1 &
        pid=$!
        for i in $(seq 1 600); do
            grep -q '^orphan ready' "o$how.1" 2>/dev/null && break
            sleep 0.1
        done
        q=$(pgrep -P "$pid" | head -1)
        [ -n "$q" ] && kill -KILL "$q"
        wait "$pid" 2>/dev/null
    else
        "$SOLO" run --timeout "$TMO" --image "$img" > "o$how.1" 2>&1 || { echo "first boot: $(cat "o$how.1")"; return 1; }
    fi
    grep -q '^orphan held: yes' "o$how.1" || { echo "first boot: $(head -c 400 "o$how.1")"; return 1; }
    "$SOLO" fs check "$img" > "o$how.c1" 2>&1 || { echo "fs check: $(cat "o$how.c1")"; return 1; }
    if [ "$how" = kill ]; then
        grep -q 'orphaned objects' "o$how.c1" || { echo "fs check does not note the orphan: $(cat "o$how.c1")"; return 1; }
    else
        ! grep -q 'orphan' "o$how.c1" || { echo "orphan left by a clean exit: $(cat "o$how.c1")"; return 1; }
    fi
    "$SOLO" run --timeout "$TMO" --image "$img" > "o$how.2" 2>&1 || { echo "second boot: $(cat "o$how.2")"; return 1; }
    grep -q '^orphan space back: yes' "o$how.2" || { echo "second boot: $(head -c 400 "o$how.2")"; return 1; }
    "$SOLO" fs check "$img" > "o$how.c2" 2>&1 || { echo "fs check after: $(cat "o$how.c2")"; return 1; }
    ! grep -q 'orphan' "o$how.c2" || { echo "orphan after the next boot: $(cat "o$how.c2")"; return 1; }
    rm -f "$img"
    return 0
}

t_orphan() {
    local why
    why=$(orphan_one kill) || { result orphan 1 "(killed: $why)"; return; }
    why=$(orphan_one exit) || { result orphan 1 "(clean exit: $why)"; return; }
    result orphan 0 "(killed while open: noted by fs check, freed at the next boot; clean exit: no orphan)"
}

t_check() {     # solo fs check finds damage and says where
    rm -f k.img && "$SOLO" build --compress -o k.img --size 16M fsw > k.log 2>&1 || { result check 1 "build"; return; }
    "$SOLO" fs check k.img > k0.out 2>&1 || { result check 1 "clean image: $(cat k0.out)"; return; }
    cp k.img k1.img && printf '\377' | dd of=k1.img bs=1 seek=100 conv=notrunc status=none
    "$SOLO" fs check k1.img > k1.out 2>&1 && { result check 1 "superblock damage not found"; return; }
    grep -q 'byte offset 124' k1.out || { result check 1 "superblock: $(cat k1.out)"; return; }
    # damage inside the first compressed extent (a zlib stream starts 78 da at a block)
    local at
    at=$(od -A d -t x1 -w4096 -v k.img | awk '$2 == "78" && $3 == "da" { print $1; exit }')
    [ -n "$at" ] || { result check 1 "no compressed extent in the image"; return; }
    cp k.img k2.img && printf '\377\377\377\377' | dd of=k2.img bs=1 seek=$((10#$at + 64)) conv=notrunc status=none
    "$SOLO" fs check k2.img > k2.out 2>&1 && { result check 1 "extent damage not found"; return; }
    grep -q 'at file offset' k2.out || { result check 1 "extent: $(cat k2.out)"; return; }
    result check 0 "($(head -1 k1.out | cut -c1-80)...; $(grep -m1 'file offset' k2.out))"
}

t_bench() {     # not a test: numbers (solo under this accelerator, and native for scale)
    mkdir -p nb && ./fsw bench "$W/nb" | sed 's/^/native: /'
    rm -f b.img && "$SOLO" build -o b.img --size 256M fsw bench /data > b.log 2>&1 &&
        "$SOLO" run --timeout "$TMO" --image b.img | sed 's/^/solo:   /'
}

tests=${*:-durable enospc crash orphan sqlite mapshared check}
for t in $tests; do "t_$t"; done
exit $failed
