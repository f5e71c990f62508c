"""mlbench.py - the scikit-learn workload of `make bench` (tests/bench/ml.sh).

Usage: mlbench.py digits | iris [MODEL_PY]

Run unchanged natively, in a Linux VM and under solo; it prints its
measurements on stderr as "bench KEY VALUE" lines (seconds, kB), so stdout
keeps what the workload itself prints.

  digits  import time of scikit-learn (everything this task uses, first thing
          in a fresh interpreter), then on the bundled digits dataset (fixed
          split, random_state=0): MultinomialNB fit and predict, and
          ExtraTreesClassifier(n_estimators=100, random_state=0) fit and
          predict, with their accuracies (which must agree everywhere), then
          the peak memory: VmHWM of this process (/proc/self/status) and
          MemTotal - MemAvailable of the whole machine (/proc/meminfo), and
          the minor page faults so far (getrusage ru_minflt)
  iris    the iris demo (ml-demo/iris/model.py, or MODEL_PY) run through
          runpy in this process: its report on stdout, and the time from
          interpreter start-up to the end of the report (iris_script_s).
          Under solo, MODEL_PY must be put in the image (config.json Files)
"""

import time

T0 = time.perf_counter()

import os
import resource
import runpy
import sys


def say(key, value):
    print("bench %s %s" % (key, value), file=sys.stderr, flush=True)


def kb_field(path, name):
    """Value in kB of line 'name: N kB' in path, or None."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def memory():
    say("minflt", resource.getrusage(resource.RUSAGE_SELF).ru_minflt)
    say("vmhwm_kb", kb_field("/proc/self/status", "VmHWM"))
    total = kb_field("/proc/meminfo", "MemTotal")
    avail = kb_field("/proc/meminfo", "MemAvailable")
    if total is not None and avail is not None:
        say("mem_used_kb", total - avail)


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def digits():
    t = time.perf_counter()
    from sklearn.datasets import load_digits
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split
    from sklearn.naive_bayes import MultinomialNB
    say("import_s", "%.3f" % (time.perf_counter() - t))

    (X, y), dt = timed(lambda: load_digits(return_X_y=True))
    say("load_digits_s", "%.3f" % dt)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    for name, clf in (("nb", MultinomialNB()),
                      ("et", ExtraTreesClassifier(n_estimators=100, random_state=0))):
        _, fit = timed(clf.fit, X_train, y_train)
        pred, predict = timed(clf.predict, X_test)
        say(name + "_fit_s", "%.3f" % fit)
        say(name + "_predict_s", "%.3f" % predict)
        say(name + "_accuracy", "%.4f" % accuracy_score(y_test, pred))
    memory()


def iris(path):
    # What model.py imports, imported here so that solo's import analysis of
    # this file finds it (runpy hides the script's imports); the script then
    # finds them loaded, and the time is counted the same either way.
    import sklearn.datasets, sklearn.metrics, sklearn.model_selection, sklearn.svm  # noqa: F401
    runpy.run_path(path, run_name="__main__")
    sys.stdout.flush()
    say("iris_script_s", "%.3f" % (time.perf_counter() - T0))
    memory()


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    if len(argv) >= 1 and argv[0] == "digits":
        digits()
    elif len(argv) >= 1 and argv[0] == "iris":
        iris(argv[1] if len(argv) > 1 else os.path.join(here, "..", "iris", "model.py"))
    else:
        print("usage: mlbench.py digits | iris [MODEL_PY]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
