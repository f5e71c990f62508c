/*
 * python.h - Python awareness for `solo build/run`: when the program is a
 * CPython interpreter, the image gets the interpreter's start-up modules and
 * everything the script (or -c code, or -m module) imports, found by running
 * that same interpreter on the host with the helper tools/pydeps.py (which
 * scans bytecode for imports, transitively; third-party packages go in as
 * whole directories).  When the analysis fails the whole stdlib goes in.
 * Users add more with config.json Dirs/Files (and PYTHONPATH in Env).
 */
#ifndef SOLO_TOOLS_PYTHON_H
#define SOLO_TOOLS_PYTHON_H

#include <stdbool.h>
#include "image.h"

/* Is the host file (symlinks followed) named like a CPython interpreter
 * ("python", "python3", "python3.11", ...)?  Only the name is checked. */
bool py_is_interpreter(const char *host);
/* The stdlib directory of interpreter host, found without running it: the
 * directory PREFIX/lib/pythonX.Y holding os.py, where PREFIX is the parent
 * of the interpreter's (real) directory.  Malloc'ed, or NULL. */
char *py_stdlib_dir(const char *host);
/* Add what the interpreter at host needs to run plan->argv (argv[1..] are its
 * arguments; plan->cwd and PYTHONPATH in plan->env are the guest's).  Returns
 * 0 (problems with the analysis are warnings: the whole stdlib goes in), or
 * the solo exit status after one "solo: " line when a file cannot be added. */
int py_add_deps(const char *host, struct image_plan *plan);

#endif
