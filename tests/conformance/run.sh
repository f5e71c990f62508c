#!/bin/bash
# run.sh - the conformance suite (`make test-conformance`; build dir from $B,
# default build).  Every tests/conformance/*.c program is built three ways
# (gcc -static, musl-gcc -static, gcc -static-pie), run natively and under
# `$B/solo run -c config.json ./prog`, and the two runs' stdout and exit
# status must be identical.  Programs read data/ relative to their cwd: the
# work directory $B/conformance holds the binaries and a copy of data/, and
# config.json passes data/ into the image ("Dirs"), where the guest cwd is /,
# so the same relative paths work in both runs.  Cases run 2 at a time.
# Prints one line per case and "N passed, N failed"; exits 1 on any failure.
# SOLO_CPUS=N runs every solo side with --cpus N; SOLO_CASES="a b" limits the
# run to those programs (e.g. the thread tests under SOLO_CPUS=2).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
B=${B:-build}
case $B in /*) bdir=$B ;; *) bdir=$root/$B ;; esac
work=$bdir/conformance
solo=$bdir/solo
variants="gcc musl pie"
timeout_s=${CONFORMANCE_TIMEOUT:-120}

# Close every descriptor above 2 the caller may have leaked, so fd numbers
# printed by the tests match the fresh table a solo program starts with.
# Only shell builtins: a child process here (say, ls) would be reaped by the
# shell that then execs the test, and its CPU time would show up in the
# test's times()/getrusage(RUSAGE_CHILDREN) (kept across execve).
close_fds() {
    local f fd
    for f in /proc/$BASHPID/fd/*; do
        fd=${f##*/}
        if [ "$fd" -gt 2 ]; then eval "exec $fd<&-"; fi
    done
}

# compile TEST VARIANT: build $work/TEST-VARIANT; the log goes to .build.
compile() {
    local t=$1 v=$2 out=$work/$1-$2 cc flags
    case $v in
    gcc) cc=gcc; flags=-static ;;
    musl) cc=musl-gcc; flags=-static ;;
    pie) cc=gcc; flags=-static-pie ;;
    esac
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "$cc is not installed" > "$out.build"
        return 1
    fi
    "$cc" $flags -O2 -Wall -Wextra -Werror -pthread -o "$out" "$here/$t.c" > "$out.build" 2>&1
}

# run_case NAME: run one built program natively and in solo, compare, print a line.
run_case() {
    local name=$1 p=$work/$1 nrc src why=""
    if [ ! -x "$p" ]; then
        echo "FAIL $name (build failed: $(head -c 300 "$p.build" | tr '\n' ' '))"
        return 0
    fi
    (cd "$work" && close_fds && exec "./$name" < /dev/null > "$p.native.out" 2> "$p.native.err")
    nrc=$?
    (cd "$work" && close_fds && exec timeout "$timeout_s" "$solo" run ${SOLO_CPUS:+--cpus "$SOLO_CPUS"} -c config.json "./$name" \
        < /dev/null > "$p.solo.out" 2> "$p.solo.err")
    src=$?
    if ! cmp -s "$p.native.out" "$p.solo.out"; then
        why="stdout differs"
    fi
    if [ "$nrc" != "$src" ]; then
        why="${why:+$why, }exit status native $nrc solo $src"
    fi
    if [ -z "$why" ]; then
        echo "PASS $name"
        return 0
    fi
    echo "FAIL $name ($why)"
    diff "$p.native.out" "$p.solo.out" | head -8 | sed 's/^/    /'
    tail -3 "$p.solo.err" | sed 's/^/    stderr: /'
}

# trace_case: `solo run --trace --syscall-summary --missing-files` on the errors
# and files programs: the trace (tag stripped, on stderr) shows decoded calls
# with errno names, the summary table ends in a total line, the missing-files
# list names the paths that failed with ENOENT, and program stdout is unchanged.
trace_case() {
    local p=$work/trace why=""
    (cd "$work" && close_fds && exec timeout "$timeout_s" "$solo" run -c config.json --trace \
        --syscall-summary --missing-files ./files-gcc < /dev/null > "$p.out" 2> "$p.err")
    grep -q 'openat(AT_FDCWD, "data/hello.txt", O_RDONLY) = [0-9]' "$p.err" || why="no decoded openat line"
    grep -q '^[0-9]*\.[0-9]* stat("data/missing", 0x[0-9a-f]*) = -1 ENOENT <' "$p.err" ||
        why="${why:+$why, }no failed stat line"
    grep -q '^100.00 .* total$' "$p.err" || why="${why:+$why, }no summary total"
    grep -q '^  data/missing$' "$p.err" || why="${why:+$why, }data/missing not listed as missing"
    grep -q '^solo-trace' "$p.err" "$p.out" && why="${why:+$why, }tag not stripped"
    cmp -s "$p.out" "$work/files-gcc.native.out" || why="${why:+$why, }stdout differs under --trace"
    (cd "$work" && close_fds && exec timeout "$timeout_s" "$solo" run -c config.json \
        --trace-file "$p.file" ./errors-gcc < /dev/null > /dev/null 2> "$p.err2")
    grep -q 'open("/nonexistent", O_RDONLY) = -1 ENOENT' "$p.file" || why="${why:+$why, }--trace-file lacks open"
    grep -q 'exit_group(' "$p.file" || why="${why:+$why, }--trace-file lacks exit_group"
    grep -q 'exit_group(' "$p.err2" && why="${why:+$why, }trace lines on stderr with --trace-file"
    if [ -z "$why" ]; then
        echo "PASS trace"
    else
        echo "FAIL trace ($why)"
    fi
}

if [ "${1:-}" = "--case" ]; then
    run_case "$2"
    exit 0
fi
if [ "${1:-}" = "--compile" ]; then
    compile "$2" "$3"
    exit 0
fi

if [ ! -x "$solo" ]; then
    echo "run.sh: $solo not found (run make B=$B first)" >&2
    exit 2
fi
rm -rf "$work"
mkdir -p "$work"
cp -R "$here/data" "$work/data"
printf '{ "Dirs": ["data"] }\n' > "$work/config.json"

tests=${SOLO_CASES:-$(cd "$here" && ls *.c | sed 's/\.c$//')}
cases=""
for t in $tests; do
    for v in $variants; do
        cases="$cases $t-$v"
    done
done

start=$(date +%s)
for t in $tests; do for v in $variants; do echo "$t $v"; done; done |
    xargs -P 2 -n 2 "$0" --compile
results=$(for c in $cases; do echo "$c"; done | xargs -P 2 -n 1 "$0" --case | tee -a /dev/stderr)
if [ -z "${SOLO_CASES:-}" ]; then
    results=$(printf '%s\n%s\n' "$results" "$(trace_case | tee -a /dev/stderr)")
fi
pass=$(printf '%s\n' "$results" | grep -c '^PASS')
fail=$(printf '%s\n' "$results" | grep -c '^FAIL')
echo "conformance: $pass passed, $fail failed ($(( $(date +%s) - start )) s, build dir $B)"
[ "$fail" -eq 0 ]
