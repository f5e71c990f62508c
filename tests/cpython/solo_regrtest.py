# solo_regrtest.py - run CPython's regression test driver (test.libregrtest)
# inside solo, passed to the interpreter with -c by tests/cpython/run.sh.
#
# A solo VM runs exactly one program: there is no fork/exec, so the suite
# is told so through CPython's own switches for process-less platforms
# (test.support.has_fork_support / has_subprocess_support, which WASI and
# Emscripten builds set): tests marked @requires_fork / @requires_subprocess,
# and script_helper's assert_python_ok & co., are skipped with CPython's
# reason ("requires working os.fork()", "requires subprocess support")
# instead of failing with ENOSYS.  Nothing else is changed.
import sys
from test import support

support.has_fork_support = False
support.has_subprocess_support = False

from test.libregrtest.main import main

main()
