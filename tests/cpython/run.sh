#!/bin/bash
# run.sh - CPython's own regression suite (Debian's libpython3.11-testsuite)
# natively and inside solo: `make test-cpython` (the CI subset) and
# `make cpython` (every module in modules.txt).
#
#   tests/cpython/run.sh [ci | full | MODULE...]      (default: ci)
#
# For each module it runs `python3 -m test -v MODULE` on the host and
# `solo run ... /usr/bin/python3 -c "$(cat solo_regrtest.py)" -v MODULE` (the
# driver with fork/subprocess declared unavailable, see solo_regrtest.py),
# then results.py compares the two: a test failing in solo is a regression
# unless it also fails natively or is listed in expected_differences.txt, and
# the solo pass count must reach the module's line in baseline.txt.  Logs and
# a results table (results.tsv, table.md for docs/cpython.md) land in
# $B/cpython/.  Exit status 1 when any module regressed.
# Environment: B (build dir, default build), SOLO, SOLO_KERNEL, PYTHON3.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
B=${B:-build}
case $B in /*) BDIR=$B ;; *) BDIR=$ROOT/$B ;; esac
SOLO=${SOLO:-$BDIR/solo}
export SOLO_KERNEL=${SOLO_KERNEL:-$BDIR/kernel.elf}
PY=${PYTHON3:-/usr/bin/python3}
OUT=$BDIR/cpython
mkdir -p "$OUT/native" "$OUT/solo"

if [ ! -f /usr/lib/python3.11/test/test_json/__init__.py ]; then
    echo "cpython: SKIPPED: libpython3.11-testsuite is not installed (tools/setup-deps.sh installs it)"
    exit 0
fi
[ -x "$SOLO" ] && [ -f "$SOLO_KERNEL" ] || { echo "cpython: build first (make B=$B)"; exit 1; }

# modules.txt: "MODULE SET TIMEOUT_S" (SET: ci = also in the CI subset)
sel=${1:-ci}
if [ "$sel" = ci ] || [ "$sel" = full ]; then
    mods=$(awk -v s="$sel" '!/^#/ && NF >= 3 && (s == "full" || $2 == "ci") { print $1 }' "$HERE/modules.txt")
else
    mods="$*"
fi
timeout_of() {
    awk -v m="$1" '$1 == m { print $3; found = 1 } END { if (!found) print 900 }' "$HERE/modules.txt"
}

lib=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
# the stdlib with its test package; passwd/group so pwd/grp lookups of root
# work, services/protocols for getservbyname and getaddrinfo with service names
printf '{"Dirs": ["%s"], "Files": ["/etc/passwd", "/etc/group", "/etc/services", "/etc/protocols"], "Env": {"PYTHONDONTWRITEBYTECODE": "1"}}\n' \
    "$lib" > "$OUT/py.json"
driver=$(cat "$HERE/solo_regrtest.py")

: > "$OUT/results.tsv"
bad=0
n=0
for m in $mods; do
    n=$((n + 1))
    tmo=$(timeout_of "$m")
    t0=$(date +%s)
    (cd "$OUT" && timeout "$tmo" "$PY" -m test -v "$m" > "$OUT/native/$m.log" 2>&1)
    t1=$(date +%s)
    (cd "$OUT" && "$SOLO" run --timeout "$tmo" --mem 1G -c "$OUT/py.json" \
        /usr/bin/python3 -c "$driver" -v "$m" < /dev/null > "$OUT/solo/$m.log" 2>&1)
    rc=$?
    t2=$(date +%s)
    line=$("$PY" "$HERE/results.py" "$m" "$OUT/native/$m.log" "$OUT/solo/$m.log" \
        "$HERE/expected_differences.txt" "$HERE/baseline.txt") || bad=$((bad + 1))
    printf '%s\t%s\t%s\n' "$(printf '%s' "$line" | head -1)" "$((t1 - t0))" "$((t2 - t1))" >> "$OUT/results.tsv"
    echo "$line" | sed "1s/\$/  (native $((t1 - t0)) s, solo $((t2 - t1)) s, solo exit $rc)/"
done

{
    echo "| module | native run | passed | failed | skipped | solo run | passed | failed | skipped | verdict | native s | solo s |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"
    sed 's/\t/ | /g; s/^/| /; s/$/ |/' "$OUT/results.tsv"
} > "$OUT/table.md"
echo "cpython: $((n - bad)) of $n modules without regressions (logs and table.md in $OUT)"
[ "$bad" = 0 ]
