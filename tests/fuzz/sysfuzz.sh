#!/bin/bash
# sysfuzz.sh - run the random system-call fuzzer (tests/fuzz/sysfuzz.c) under
# solo for a list of seeds (`make test-sysfuzz`; build dir from $B, default
# build).  A seed fails when the kernel panicked (a "PANIC:" line in the
# kernel log), the program did not print its "sysfuzz: N calls, seed S, done"
# line, or `solo run` ended with anything but 0 (125: the VM stopped without
# an exit status, 124: the run hung past its timeout, 3: the program took a
# real fault).  On a failure it prints the seed, the end of the kernel log and
# the last calls, replayed with SYSFUZZ_VERBOSE (the same seed makes the same
# calls), and the command to replay it.
#
#   SYSFUZZ_SEEDS="1 2 3"   seeds (default: the fixed list below, ~60 s under TCG)
#   SYSFUZZ_CALLS=20000     calls per seed
#   SYSFUZZ_CPUS="1 2"      run every seed with each of these --cpus values
#   SYSFUZZ_TIMEOUT=120     seconds per run
#   SYSFUZZ_CFLAGS=...      extra flags to build the fuzzer with
# docs/sysfuzz.md has the details.
# Exits 1 if any run failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
B=${B:-build}
case $B in /*) bdir=$B ;; *) bdir=$root/$B ;; esac
work=$bdir/sysfuzz
solo=$bdir/solo
seeds=${SYSFUZZ_SEEDS:-"1 2 3 4 5 6 7 8 9 10 11 12"}
calls=${SYSFUZZ_CALLS:-20000}
cpus_list=${SYSFUZZ_CPUS:-"1"}
timeout_s=${SYSFUZZ_TIMEOUT:-120}

if [ ! -x "$solo" ]; then
    echo "sysfuzz.sh: $solo not found (run make B=$B first)" >&2
    exit 2
fi
mkdir -p "$work"
gcc -static -O2 -Wall -Wextra -Werror ${SYSFUZZ_CFLAGS:-} -o "$work/sysfuzz" "$here/sysfuzz.c" || exit 2

# run_one SEED CPUS [ENV...]: run once; the log in $work/seed-SEED-cCPUS.{out,err}.
run_one() {
    local seed=$1 cpus=$2 base=$work/seed-$1-c$2
    shift 2
    local envs=()
    for e in "$@"; do envs+=(-e "$e"); done
    (cd "$work" && exec timeout $((timeout_s + 30)) "$solo" run -v --timeout "$timeout_s" \
        --cpus "$cpus" "${envs[@]}" ./sysfuzz "$seed" "$calls" < /dev/null > "$base.out" 2> "$base.err")
}

fail=0 pass=0
start=$(date +%s)
for cpus in $cpus_list; do
    for seed in $seeds; do
        base=$work/seed-$seed-c$cpus
        t0=$(date +%s)
        run_one "$seed" "$cpus"
        rc=$?
        why=""
        [ "$rc" = 0 ] || why="solo exit status $rc"
        grep -q "^sysfuzz: $calls calls, seed $seed, done$" "$base.out" || why="${why:+$why, }no done line"
        grep -q "PANIC" "$base.err" && why="${why:+$why, }kernel panic"
        if [ -z "$why" ]; then
            echo "PASS sysfuzz seed $seed --cpus $cpus ($calls calls, $(( $(date +%s) - t0 )) s)"
            pass=$((pass + 1))
            continue
        fi
        fail=$((fail + 1))
        echo "FAIL sysfuzz seed $seed --cpus $cpus ($why)"
        grep -E "PANIC|^  |sysfuzz:" "$base.err" | tail -25 | sed 's/^/    log: /'
        # replay from a bit before the last progress line, logging every call
        last=$(grep -o "^sysfuzz: [0-9]* calls$" "$base.out" | tail -1 | awk '{print $2}')
        from=$(( ${last:-0} > 0 ? ${last:-0} - 1000 : 0 ))
        run_one "$seed" "$cpus" SYSFUZZ_VERBOSE=$from
        grep -E "^#|^  = " "$base.err" | tail -30 | sed 's/^/    call: /'
        echo "    replay: (cd $work && $solo run --cpus $cpus --timeout $timeout_s -e SYSFUZZ_VERBOSE=$from ./sysfuzz $seed $calls)"
    done
done
echo "sysfuzz: $pass passed, $fail failed ($(( $(date +%s) - start )) s)"
[ "$fail" = 0 ]
