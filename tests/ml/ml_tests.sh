# ml_tests.sh - scikit-learn tests, sourced by tests/integration/run.sh (its
# helpers: srun, fail, pass, expect_*; $ROOT, $W, $RES, $T, $TMO, $SOLO).
# They run the README's commands (`solo run ... python3 SCRIPT`, no config:
# solo finds the stdlib and the packages the script imports) and compare with
# the same script run natively by the interpreter solo picks ($PY from run.sh:
# the first ELF python3 on $PATH); without scikit-learn for that interpreter
# they pass as skipped.  Under TCG each boots python3 with numpy, scipy and
# sklearn: ~60 s apiece on a loaded 2-core host.
#
#   t_ml_http       ml-demo/http/server.py in solo behind `-p`: the host
#                   (tests/ml/http_client.py) posts digits images and compares
#                   the answers with the same model run natively, and checks
#                   the 400 answers to malformed requests
#   t_ml_iris_cpus2 the iris demo under --cpus 2, stdout byte-identical to a
#                   native run made now and to ml-demo/iris/expected.txt

# ml_skip_unless_sklearn: end the test as skipped without python3-sklearn.
ml_skip_unless_sklearn() {
    [ -n "${PY:-}" ] && "$PY" -c 'import sklearn' 2> /dev/null || {
        echo "PASS (skipped: python3-sklearn not installed)" > "$RES/$T.result"; exit 0; }
}

t_ml_http() {
    ml_skip_unless_sklearn
    local port vm
    port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cd "$ROOT" || fail "no $ROOT"
    TMPDIR=$W "$SOLO" run --timeout 280 -p "$port:8080" python3 ml-demo/http/server.py \
        --max-requests 5 < /dev/null > "$RES/$T.out" 2> "$RES/$T.err" &
    vm=$!
    if ! timeout 290 "$PY" "$ROOT/tests/ml/http_client.py" "$port" "$ROOT/ml-demo/http" 260 \
            > "$RES/$T.host" 2>&1; then
        kill $vm 2> /dev/null; wait $vm
        fail "host: $(grep -v '^ok' "$RES/$T.host" | tail -c 400); guest: $(tail -c 300 "$RES/$T.err")"
    fi
    wait $vm
    echo $? > "$RES/$T.rc"
    expect_rc 0
    grep -q '^listening on 0.0.0.0:8080$' "$RES/$T.out" || fail "guest stdout: $(head -c 300 "$RES/$T.out")"
    [ "$(grep -c '^ok ' "$RES/$T.host")" = 6 ] || fail "host checks: $(cat "$RES/$T.host")"
    pass
}

t_ml_iris_cpus2() {
    ml_skip_unless_sklearn
    cd "$ROOT" || fail "no $ROOT"
    "$PY" ml-demo/iris/model.py > "$RES/$T.native" 2> /dev/null || fail "native run failed"
    cmp -s "$RES/$T.native" ml-demo/iris/expected.txt ||
        fail "the native run differs from expected.txt: $(diff "$RES/$T.native" ml-demo/iris/expected.txt | head -5)"
    TMO=300 TMPDIR=$W srun --cpus 2 python3 ml-demo/iris/model.py
    expect_rc 0
    cmp -s "$RES/$T.out" "$RES/$T.native" ||
        fail "stdout differs from the native run: $(diff "$RES/$T.native" "$RES/$T.out" | head -5)"
    pass
}
