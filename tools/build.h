/*
 * build.h - turning `solo build/run PROGRAM [ARGS...]` plus an optional
 * config.json into an image plan: locating and checking the program, its
 * shared-library closure, the config's Files/Dirs/MapDirs, and the manifest
 * (argv[0] is the program exactly as typed; the program itself lands at its
 * absolute host path, or under / when given relative; the cwd defaults to /).
 */
#ifndef SOLO_TOOLS_BUILD_H
#define SOLO_TOOLS_BUILD_H

#include "image.h"

struct build_opts {
    const char *config;            /* -c config.json, or NULL */
    const char *program;           /* as typed; NULL: the config's Program */
    char **args;                   /* arguments after the program */
    int nargs;
    struct strvec env;             /* -e NAME=VALUE, applied after the config's Env */
};

/* What the config says about running (0 = not set). */
struct run_hints {
    uint64_t mem;
    unsigned cpus;
};

/* Fill plan (and hints, when not NULL).  Returns 0, or the solo exit status
 * after printing one "solo: ..." line (SOLO_EXIT_USAGE, SOLO_EXIT_NOENT, ...). */
int build_plan(const struct build_opts *o, struct image_plan *plan, struct run_hints *hints);
/* Where PROGRAM comes from on the host: itself if it has a '/' or is a regular
 * file in the cwd (as with ops); else the first executable ELF on $PATH (scripts
 * such as pyenv shims are skipped; for a Python interpreter, the first one
 * whose stdlib is found beside it is preferred).  Malloc'ed, NULL when not
 * found; then *script is the first script skipped (malloc'ed) or NULL. */
char *locate_program(const char *typed, char **script);

#endif
