/*
 * build.c - from command line and config.json to an image plan (see build.h).
 * Every failure prints exactly one "solo: " line and maps to an exit status:
 * not found 127, not runnable 126, bad config or usage 2, other I/O 1.
 * A CPython interpreter as the program also brings what its script imports
 * (python.c).
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "build.h"
#include "config.h"
#include "deps.h"
#include "elf.h"
#include "python.h"

/* Does host start with the ELF magic? */
static bool is_elf_file(const char *host)
{
    unsigned char m[4];
    FILE *f = fopen(host, "rb");
    bool yes = f != NULL && fread(m, 1, 4, f) == 4 && memcmp(m, "\177ELF", 4) == 0;
    if (f != NULL)
        fclose(f);
    return yes;
}

char *locate_program(const char *typed, char **script)
{
    const char *path = getenv("PATH");
    struct stat st;
    *script = NULL;
    if (strchr(typed, '/') != NULL || (stat(typed, &st) == 0 && S_ISREG(st.st_mode)))
        return xstrdup(typed);
    if (path == NULL)
        path = "/usr/local/bin:/usr/bin:/bin";
    char *copy = xstrdup(path), *save = NULL, *found = NULL, *fallback = NULL;
    for (char *d = strtok_r(copy, ":", &save); d != NULL && found == NULL;
         d = strtok_r(NULL, ":", &save)) {
        char *cand = path_join(d, typed), *lib = NULL;
        if (stat(cand, &st) != 0 || !S_ISREG(st.st_mode) || access(cand, X_OK) != 0) {
            free(cand);
        } else if (!is_elf_file(cand)) {        /* a script or shim: solo runs ELF only */
            if (*script == NULL)
                *script = cand;
            else
                free(cand);
        } else if (py_is_interpreter(cand) && (lib = py_stdlib_dir(cand)) == NULL) {
            if (fallback == NULL)                /* an interpreter with no stdlib beside it */
                fallback = cand;
            else
                free(cand);
        } else {
            found = cand;
        }
        free(lib);
    }
    free(copy);
    if (found == NULL)
        found = fallback;
    else
        free(fallback);
    return found;
}

/* Check the program and add it; info receives its ELF facts. */
static int add_program(const char *typed, const char *host, struct image_plan *plan,
                       struct elf_info *info)
{
    char why[300];
    int r = elf_inspect_file(host, info, why, sizeof(why));
    if (r == -ENOENT) {
        errmsg("%s: No such file or directory", typed);
        return SOLO_EXIT_NOENT;
    }
    if (r < 0) {
        errmsg("%s: %s", typed, why);
        return r == -EACCES || r == -ENOEXEC || r == -EISDIR ? SOLO_EXIT_NOEXEC : SOLO_EXIT_FAILURE;
    }
    if (access(host, X_OK) != 0) {
        errmsg("%s: Permission denied (not executable)", typed);
        return SOLO_EXIT_NOEXEC;
    }
    plan->program = guest_path(host);
    if (plan_add_file(plan, host, plan->program, why, sizeof(why)) < 0) {
        errmsg("%s", why);
        return SOLO_EXIT_FAILURE;
    }
    return 0;
}

/* Interpreter and libraries of the program and of the other ELF files. */
static int add_libraries(const char *host, const struct elf_info *info, const char *ldpath,
                         struct image_plan *plan)
{
    char why[400];
    int r = deps_add(plan, host, info, ldpath, why, sizeof(why));
    if (r < 0) {
        errmsg("%s", why);
        return r == -ENOENT ? SOLO_EXIT_NOENT : r == -ENOEXEC ? SOLO_EXIT_NOEXEC : SOLO_EXIT_FAILURE;
    }
    return 0;
}

/* Files and Dirs: each host path goes to the same path in the image. */
static int add_paths(const struct strvec *paths, bool dirs, struct image_plan *plan)
{
    char why[300];
    for (size_t i = 0; i < paths->n; i++) {
        char *g = guest_path(paths->v[i]);
        int r = dirs ? plan_add_tree(plan, paths->v[i], g, why, sizeof(why)) :
                       plan_add_file(plan, paths->v[i], g, why, sizeof(why));
        free(g);
        if (r < 0) {
            errmsg("%s (listed in %s)", why, dirs ? "Dirs" : "Files");
            return r == -ENOENT ? SOLO_EXIT_NOENT : SOLO_EXIT_FAILURE;
        }
    }
    return 0;
}

/* MapDirs: every match of each host glob is copied into its guest directory. */
static int add_mapdirs(const struct solo_config *c, struct image_plan *plan)
{
    char why[300];
    for (size_t i = 0; i < c->map_src.n; i++) {
        glob_t g;
        int gr = glob(c->map_src.v[i], 0, NULL, &g);
        if (gr == GLOB_NOMATCH) {
            warnmsg("MapDirs: \"%s\" matches nothing", c->map_src.v[i]);
            continue;
        }
        if (gr != 0) {
            errmsg("MapDirs: cannot expand \"%s\"", c->map_src.v[i]);
            return SOLO_EXIT_FAILURE;
        }
        int r = 0;
        for (size_t k = 0; r == 0 && k < g.gl_pathc; k++) {
            const char *base = strrchr(g.gl_pathv[k], '/');
            char *dst = path_join(c->map_dst.v[i], base != NULL ? base + 1 : g.gl_pathv[k]);
            r = plan_add_file(plan, g.gl_pathv[k], dst, why, sizeof(why));
            free(dst);
        }
        globfree(&g);
        if (r < 0) {
            errmsg("%s (MapDirs)", why);
            return SOLO_EXIT_FAILURE;
        }
    }
    return 0;
}

/* Directories the kernel mounts a fresh tmpfs on, hiding what the image has
 * there.  (/tmp is seeded with the image's /tmp, so it is not listed.) */
static const char *const hidden_dirs[] = { "/dev/shm" };

/* The hidden directory guest lies in, or NULL. */
static const char *hidden_by(const char *guest)
{
    for (size_t i = 0; i < sizeof(hidden_dirs) / sizeof(hidden_dirs[0]); i++) {
        size_t n = strlen(hidden_dirs[i]);
        if (strncmp(guest, hidden_dirs[i], n) == 0 && (guest[n] == '/' || guest[n] == '\0'))
            return hidden_dirs[i];
    }
    return NULL;
}

/* Refuse plans with files the guest could never see (under its tmpfs mounts). */
static int check_hidden(const struct image_plan *plan)
{
    for (size_t i = 0; i < plan->n; i++) {
        const struct img_entry *e = &plan->e[i];
        const char *d = hidden_by(e->guest);
        if (d == NULL || e->kind == IMG_DIR)
            continue;
        errmsg("%s: the guest mounts an empty tmpfs on %s, which would hide it; use a path "
               "outside %s (a relative path lands under /)", e->host != NULL ? e->host : e->guest, d, d);
        return SOLO_EXIT_USAGE;
    }
    return 0;
}

/* Value of NAME in a "NAME=VALUE" list (last one wins), or NULL. */
static const char *env_lookup(const struct strvec *env, const char *name)
{
    const char *v = NULL;
    size_t nl = strlen(name);
    for (size_t i = 0; i < env->n; i++)
        if (strncmp(env->v[i], name, nl) == 0 && env->v[i][nl] == '=')
            v = env->v[i] + nl + 1;
    return v;
}

/* argv, environment and cwd of the manifest. */
static int fill_manifest(const struct build_opts *o, const struct solo_config *c,
                         const char *typed, struct image_plan *plan)
{
    strvec_push(&plan->argv, typed);
    for (size_t i = 0; i < c->args.n; i++)
        strvec_push(&plan->argv, c->args.v[i]);
    for (int i = 0; i < o->nargs; i++)
        strvec_push(&plan->argv, o->args[i]);
    for (size_t i = 0; i < c->env.n; i++)
        strvec_push(&plan->env, c->env.v[i]);
    for (size_t i = 0; i < o->env.n; i++) {
        if (strchr(o->env.v[i], '=') == NULL || o->env.v[i][0] == '=') {
            errmsg("-e %s: expected NAME=VALUE", o->env.v[i]);
            return SOLO_EXIT_USAGE;
        }
        strvec_push(&plan->env, o->env.v[i]);
    }
    plan->cwd = guest_path(c->cwd != NULL ? c->cwd : "/");
    for (size_t i = 0; i < c->nameservers.n; i++)      /* network keys (added by net) */
        strvec_push(&plan->nameservers, c->nameservers.v[i]);
    plan->ipaddr = c->ipaddr != NULL ? xstrdup(c->ipaddr) : NULL;
    plan->netmask = c->netmask != NULL ? xstrdup(c->netmask) : NULL;
    plan->gateway = c->gateway != NULL ? xstrdup(c->gateway) : NULL;
    return 0;
}

int build_plan(const struct build_opts *o, struct image_plan *plan, struct run_hints *hints)
{
    struct solo_config c;
    char why[512];
    int r = 0;
    memset(&c, 0, sizeof(c));
    if (o->config != NULL && config_load(o->config, &c, why, sizeof(why)) < 0) {
        errmsg("%s", why);
        return SOLO_EXIT_USAGE;
    }
    if (hints != NULL) {
        hints->mem = c.mem;
        hints->cpus = c.cpus;
    }
    const char *typed = o->program != NULL ? o->program : c.program;
    if (typed == NULL || typed[0] == '\0') {
        errmsg("no program given (name one on the command line or as \"Program\" in config.json)");
        config_free(&c);
        return SOLO_EXIT_USAGE;
    }
    char *script = NULL;
    char *host = locate_program(typed, &script);
    if (host == NULL && script != NULL) {
        errmsg("%s: only a script was found on $PATH (%s); solo runs ELF programs: give "
               "the path of the real executable", typed, script);
        free(script);
        config_free(&c);
        return SOLO_EXIT_NOEXEC;
    }
    free(script);
    if (host == NULL) {
        errmsg("%s: command not found (not a file here and not on $PATH)", typed);
        config_free(&c);
        return SOLO_EXIT_NOENT;
    }
    struct elf_info info;
    memset(&info, 0, sizeof(info));
    r = fill_manifest(o, &c, typed, plan);
    if (r == 0)
        r = add_program(typed, host, plan, &info);
    if (r == 0 && py_is_interpreter(host))
        r = py_add_deps(host, plan);
    if (r == 0)
        r = add_paths(&c.files, false, plan);
    if (r == 0)
        r = add_paths(&c.dirs, true, plan);
    if (r == 0)
        r = add_mapdirs(&c, plan);
    if (r == 0)
        r = add_libraries(host, &info, env_lookup(&plan->env, "LD_LIBRARY_PATH"), plan);
    if (r == 0)
        r = check_hidden(plan);
    elf_info_free(&info);
    if (r == 0 && plan_find(plan, plan->cwd) == NULL && strcmp(plan->cwd, "/") != 0)
        plan_add_dir(plan, plan->cwd, 0755, (uint64_t)time(NULL) * 1000000000ULL);
    free(host);
    config_free(&c);
    return r;
}
