# ml_tests.sh - scikit-learn tests, sourced by tests/integration/run.sh (its
# helpers: srun, fail, pass, expect_*; $ROOT, $W, $RES, $T, $TMO, $SOLO).
# They need Debian's python3 and python3-sklearn at /usr/bin/python3 and
# /usr/lib/python3/dist-packages (the interpreter solo runs is the host's);
# without them they pass as skipped.  Under TCG each boots python3 with numpy,
# scipy and sklearn: ~60 s apiece on a loaded 2-core host.
#
#   t_ml_http       ml-demo/http/server.py in solo behind `-p`: the host
#                   (tests/ml/http_client.py) posts digits images and compares
#                   the answers with the same model run natively, and checks
#                   the 400 answers to malformed requests
#   t_ml_iris_cpus2 the iris demo under --cpus 2, stdout byte-identical to a
#                   native run made now and to ml-demo/iris/expected.txt

ML_PY=/usr/bin/python3
ML_DIST=/usr/lib/python3/dist-packages

# ml_skip_unless_sklearn: end the test as skipped without python3-sklearn.
ml_skip_unless_sklearn() {
    [ -x $ML_PY ] && [ -d $ML_DIST/sklearn ] && [ -d $ML_DIST/scipy ] || {
        echo "PASS (skipped: python3-sklearn not installed)" > "$RES/$T.result"; exit 0; }
}

# ml_config FILE...: write $W/$T.json giving the stdlib, the packages sklearn
# imports and FILEs (relative to the test's cwd).
ml_config() {
    local lib files="" f
    lib=$($ML_PY -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
    for f in "$@" $ML_DIST/threadpoolctl.py; do files="$files${files:+, }\"$f\""; done
    printf '{"Dirs": ["%s", "%s/sklearn", "%s/numpy", "%s/scipy", "%s/joblib"], "Files": [%s], "Env": {"PYTHONDONTWRITEBYTECODE": "1"}}' \
        "$lib" $ML_DIST $ML_DIST $ML_DIST $ML_DIST "$files" > "$W/$T.json"
}

t_ml_http() {
    ml_skip_unless_sklearn
    local port vm
    port=$($ML_PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cd "$ROOT/ml-demo/http" || fail "no ml-demo/http"
    ml_config server.py
    TMPDIR=$W "$SOLO" run --timeout 170 -p "$port:8080" -c "$W/$T.json" \
        $ML_PY server.py --port 8080 --max-requests 5 < /dev/null > "$RES/$T.out" 2> "$RES/$T.err" &
    vm=$!
    if ! timeout 180 $ML_PY "$ROOT/tests/ml/http_client.py" "$port" "$ROOT/ml-demo/http" 160 \
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
    cd "$ROOT/ml-demo/iris" || fail "no ml-demo/iris"
    $ML_PY model.py > "$RES/$T.native" 2> /dev/null || fail "native run failed"
    cmp -s "$RES/$T.native" expected.txt ||
        fail "the native run differs from expected.txt: $(diff "$RES/$T.native" expected.txt | head -5)"
    ml_config model.py
    TMO=300 TMPDIR=$W srun --cpus 2 -c "$W/$T.json" $ML_PY model.py
    expect_rc 0
    cmp -s "$RES/$T.out" "$RES/$T.native" ||
        fail "stdout differs from the native run: $(diff "$RES/$T.native" "$RES/$T.out" | head -5)"
    pass
}
