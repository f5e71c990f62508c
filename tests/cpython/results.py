#!/usr/bin/env python3
# results.py - read the logs of one CPython regression-test module, run
# natively and under solo (`python3 -m test -v MODULE`), and judge the solo
# run.  Used by tests/cpython/run.sh; host-side only.
#
#   results.py MODULE NATIVE_LOG SOLO_LOG EXPECTED_FILE BASELINE_FILE
#
# Counts come from unittest's own summary ("Ran N tests", "OK (skipped=S)",
# "FAILED (failures=F, errors=E, skipped=S)"); failing test ids from its
# "FAIL: name (id)" / "ERROR: name (id)" report headers.  Prints one
# tab-separated line: module, native run/passed/failed/skipped, solo
# run/passed/failed/skipped, then the verdict, and on further lines
# "  REGRESSION <id>: <last traceback line>" for each problem.
#
# A solo failure is a regression unless the same test also fails natively
# or matches a line of EXPECTED_FILE: "PATTERN [:: TEXT]  # reason", where
# PATTERN is an fnmatch pattern over test ids (e.g. "test.test_os.ForkTests.*")
# and TEXT, when given, must occur in the failure's last traceback line.  A module whose solo log has no unittest summary (crash,
# timeout) is a regression, and so is a passed count below the module's
# line "MODULE PASSED" in BASELINE_FILE.  Exit status 1 on any regression.
import fnmatch
import re
import sys

SUMMARY_RAN = re.compile(r"^Ran (\d+) tests? in ")
SUMMARY_END = re.compile(r"^(OK|FAILED)(?: \((.*)\))?\s*$")
FAILHDR = re.compile(r"^(FAIL|ERROR): (\S+) \(([^)\s]+)\)")


def parse(path):
    """{'run','failed','skipped','passed','ids': {id: reason}} or None."""
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError:
        return None
    run = None
    failures = errors = skipped = 0
    done = False
    ids = {}
    cur = None                  # test whose failure report is being read
    in_tb = False               # past its "Traceback" line
    for line in lines:
        m = FAILHDR.match(line)
        if m:
            tid = m.group(3)
            if not tid.endswith(m.group(2)):
                tid = tid + "." + m.group(2)
            cur, in_tb = tid, False
            ids.setdefault(tid, "")
            continue
        if cur is not None and line.startswith("Traceback"):
            in_tb = True
        elif cur is not None and in_tb and line.startswith(("=====", "-----")):
            cur = None
        elif cur is not None and in_tb and line.strip() and not line.startswith(" "):
            ids[cur] = line.strip()[:160]
        m = SUMMARY_RAN.match(line)
        if m:
            run = int(m.group(1))
            continue
        m = SUMMARY_END.match(line)
        if m and run is not None and not done:
            done = True
            for part in (m.group(2) or "").split(","):
                k, _, v = part.strip().partition("=")
                if not v.isdigit():
                    continue
                if k == "failures":
                    failures = int(v)
                elif k == "errors":
                    errors = int(v)
                elif k == "skipped":
                    skipped = int(v)
    if run is None or not done:
        return None
    failed = failures + errors
    return {"run": run, "failed": failed, "skipped": skipped,
            "passed": run - failed - skipped, "ids": ids}


def patterns(path):
    """Expected differences: (pattern, text or None) per non-comment line."""
    pats = []
    try:
        for line in open(path):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            pat, _, text = line.partition("::")
            pats.append((pat.strip(), text.strip() or None))
    except OSError:
        pass
    return pats


def is_expected(pats, tid, why):
    return any(fnmatch.fnmatchcase(tid, p) and (t is None or t in why) for p, t in pats)


def baseline(path, module):
    try:
        for line in open(path):
            w = line.split("#", 1)[0].split()
            if len(w) >= 2 and w[0] == module and w[1].isdigit():
                return int(w[1])
    except OSError:
        pass
    return None


def cols(r):
    if r is None:
        return ["-", "-", "-", "-"]
    return [str(r["run"]), str(r["passed"]), str(r["failed"]), str(r["skipped"])]


def main(argv):
    if len(argv) != 6:
        sys.stderr.write("usage: results.py MODULE NATIVE_LOG SOLO_LOG EXPECTED BASELINE\n")
        return 2
    module, nlog, slog, expected, base = argv[1:]
    nat, sol = parse(nlog), parse(slog)
    pats = patterns(expected)
    problems = []
    if sol is None:
        problems.append("%s: no unittest summary in the solo log (crash or timeout)" % module)
    else:
        native_failed = set(nat["ids"]) if nat is not None else set()
        for tid, why in sorted(sol["ids"].items()):
            if tid in native_failed or is_expected(pats, tid, why):
                continue
            problems.append("%s: %s" % (tid, why or "failed"))
        want = baseline(base, module)
        if want is not None and sol["passed"] < want:
            problems.append("%s: %d tests passed, baseline says %d" % (module, sol["passed"], want))
    verdict = "ok" if not problems else "REGRESSION"
    print("\t".join([module] + cols(nat) + cols(sol) + [verdict]))
    for p in problems:
        print("  REGRESSION " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
