/*
 * python.c - Python awareness (see python.h).  The analysis runs the
 * program's own interpreter on the host as
 *     INTERP -E -s -c PYDEPS GUEST_CWD PYTHONPATH ARGS...
 * where PYDEPS is tools/pydeps.py compiled into solo as a string, and reads
 * NUL-separated records from its stdout (the format is described at the top
 * of pydeps.py).  The helper's stderr goes to a temporary file whose last
 * line explains a failure.  Any failure of the analysis (the interpreter
 * does not run on the host, an old Python, an "E" record) is one warning and
 * the fallback: the whole stdlib directory, plus the script when there is one.
 */
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "python.h"

/* tools/pydeps.py: its first and last lines make it a C raw string literal. */
static const char pydeps_src[] =
#include "pydeps.py"
;

bool py_is_interpreter(const char *host)
{
    char *real = realpath(host, NULL);
    const char *p = real != NULL ? real : host;
    const char *base = strrchr(p, '/');
    base = base != NULL ? base + 1 : p;
    bool yes = fnmatch("python", base, 0) == 0 || fnmatch("python[0-9]", base, 0) == 0 ||
               fnmatch("python[0-9].[0-9]", base, 0) == 0 ||
               fnmatch("python[0-9].[0-9][0-9]", base, 0) == 0;
    free(real);
    return yes;
}

char *py_stdlib_dir(const char *host)
{
    char *real = realpath(host, NULL), *found = NULL;
    if (real == NULL)
        return NULL;
    char *slash = strrchr(real, '/');
    const char *base = slash + 1;
    *slash = '\0';
    slash = strrchr(real, '/');             /* PREFIX/bin -> PREFIX */
    if (slash != NULL) {
        *slash = '\0';
        /* "python3.11" names its own directory; "python3" takes any python3.*. */
        char *pat = strchr(base, '.') != NULL ? xasprintf("%s/lib/%s/os.py", real, base)
                                              : xasprintf("%s/lib/%s*/os.py", real, base);
        glob_t g;
        if (glob(pat, 0, NULL, &g) == 0) {
            if (g.gl_pathc > 0) {
                found = xstrdup(g.gl_pathv[g.gl_pathc - 1]);
                *strrchr(found, '/') = '\0';
            }
            globfree(&g);
        }
        free(pat);
    }
    free(real);
    return found;
}

/* Value of NAME in a "NAME=VALUE" list (last one wins), or "". */
static const char *env_value(const struct strvec *env, const char *name)
{
    const char *v = "";
    size_t nl = strlen(name);
    for (size_t i = 0; i < env->n; i++)
        if (strncmp(env->v[i], name, nl) == 0 && env->v[i][nl] == '=')
            v = env->v[i] + nl + 1;
    return v;
}

/* Last non-empty line of the open file f (for a failure message), malloc'ed. */
static char *last_line(FILE *f)
{
    char line[512], last[512] = "";
    rewind(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] != '\0')
            snprintf(last, sizeof(last), "%s", line);
    }
    return xstrdup(last);
}

/* Read fd to EOF into a malloc'ed buffer. */
static char *read_all(int fd, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap)
            buf = realloc(buf, cap *= 2);
        if (buf == NULL)
            abort();
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    *len = n;
    return buf;
}

/* Run the helper; its stdout in *out.  0, or -1 with the reason in why (malloc'ed). */
static int run_helper(const char *interp, const struct image_plan *plan, char **out,
                      size_t *outlen, char **why)
{
    int fds[2];
    FILE *errf = tmpfile();
    if (errf == NULL || pipe(fds) < 0) {
        *why = xasprintf("cannot start %s: %s", interp, strerror(errno));
        if (errf != NULL)
            fclose(errf);
        return -1;
    }
    size_t na = plan->argv.n > 0 ? plan->argv.n - 1 : 0;
    const char **argv = xcalloc(na + 8, sizeof(*argv));
    const char *fixed[] = { interp, "-E", "-s", "-c", pydeps_src, plan->cwd,
                            env_value(&plan->env, "PYTHONPATH") };
    memcpy(argv, fixed, sizeof(fixed));
    for (size_t i = 0; i < na; i++)
        argv[7 + i] = plan->argv.v[i + 1];
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fileno(errf), 2);
        close(fds[0]);
        close(fds[1]);
        execv(interp, (char *const *)argv);
        fprintf(stderr, "cannot run %s: %s\n", interp, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    free(argv);
    int st = 0;
    *out = pid > 0 ? read_all(fds[0], outlen) : NULL;
    close(fds[0]);
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char *line = last_line(errf);
        *why = xasprintf("%s on the host failed%s%s", interp, line[0] != '\0' ? ": " : "", line);
        free(line);
        free(*out);
        *out = NULL;
        fclose(errf);
        return -1;
    }
    fclose(errf);
    return 0;
}

/* Add one record's file, tree or directory; a host file that vanished is a warning. */
static void add_record(struct image_plan *plan, char kind, const char *host, const char *guest)
{
    char why[400];
    struct stat st;
    int r = 0;
    if (kind == 'F')
        r = plan_add_file(plan, host, guest, why, sizeof(why));
    else if (kind == 'T')
        r = plan_add_tree(plan, host, guest, why, sizeof(why));
    else if (kind == 'D' && stat(host, &st) == 0)
        plan_add_dir(plan, guest, st.st_mode, (uint64_t)st.st_mtim.tv_sec * 1000000000ULL +
                     (uint64_t)st.st_mtim.tv_nsec);
    if (r < 0)
        warnmsg("python: %s (left out of the image)", why);
}

/* Apply the helper's records.  0, or -1 with the reason (an "E" record) in why. */
static int apply_records(struct image_plan *plan, const char *buf, size_t len, char **why)
{
    const char *f[3];
    size_t pos = 0;
    while (pos < len) {
        char kind = buf[pos];
        int nf = kind == 'F' || kind == 'T' ? 3 : 2;
        for (int i = 0; i < nf; i++) {
            if (pos >= len || memchr(buf + pos, '\0', len - pos) == NULL) {
                *why = xstrdup("the helper's output is truncated");
                return -1;
            }
            f[i] = buf + pos;
            pos += strlen(buf + pos) + 1;
        }
        if (kind == 'E') {
            *why = xstrdup(f[1]);
            return -1;
        }
        if (kind == 'W')
            warnmsg("python: %s", f[1]);
        else
            add_record(plan, kind, f[1], nf == 3 ? f[2] : f[1]);
    }
    return 0;
}

/* The fallback: the whole stdlib, and argv[1] when it names a script file. */
static int add_fallback(const char *host, struct image_plan *plan, const char *reason)
{
    char why[400];
    char *lib = py_stdlib_dir(host);
    if (lib == NULL) {
        warnmsg("python: cannot analyse the program's imports (%s), and no stdlib found "
                "beside %s; add it with config.json Dirs", reason, host);
        return 0;
    }
    warnmsg("python: cannot analyse the program's imports (%s); adding the whole stdlib %s",
            reason, lib);
    int r = plan_add_tree(plan, lib, lib, why, sizeof(why));
    free(lib);
    if (r == 0 && plan->argv.n > 1 && plan->argv.v[1][0] != '-') {
        struct stat st;
        const char *s = plan->argv.v[1];
        if (stat(s, &st) == 0 && S_ISREG(st.st_mode)) {
            char *g = s[0] == '/' ? xstrdup(s) : path_join(plan->cwd, s);
            r = plan_add_file(plan, s, g, why, sizeof(why));
            free(g);
        }
    }
    if (r < 0) {
        errmsg("%s", why);
        return SOLO_EXIT_FAILURE;
    }
    return 0;
}

int py_add_deps(const char *host, struct image_plan *plan)
{
    char *out = NULL, *why = NULL;
    size_t len = 0;
    int r = run_helper(host, plan, &out, &len, &why);
    if (r == 0)
        r = apply_records(plan, out, len, &why);
    free(out);
    if (r == 0)
        return 0;
    r = add_fallback(host, plan, why);
    free(why);
    return r;
}
