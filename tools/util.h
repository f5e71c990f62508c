/*
 * util.h - small helpers shared by the host tools: growable string vectors,
 * size parsing ("64M"), whole-file reads, guest path normalization and the
 * "solo: " error/warning printers.  Nothing here knows about images or QEMU.
 */
#ifndef SOLO_TOOLS_UTIL_H
#define SOLO_TOOLS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "runtime/lib/types.h"

/*
 * The host build has runtime/ on its include path, so <errno.h> is the
 * kernel's runtime/errno.h: the same Linux numbers, but no errno variable.
 * Declare glibc's (spelled exactly as glibc does, so both can coexist).
 */
#include <errno.h>
#ifndef errno
extern int *__errno_location(void);
#define errno (*__errno_location ())
#endif

/* Exit codes of the solo CLI (documented in solo.c's usage text). */
#define SOLO_EXIT_FAILURE 1            /* host-side failure: I/O, QEMU missing */
#define SOLO_EXIT_USAGE 2              /* bad command line or bad config.json */
#define SOLO_EXIT_TIMEOUT 124          /* --timeout expired; the VM was killed */
#define SOLO_EXIT_VM 125               /* the VM ended without reporting SOLO-EXIT */
#define SOLO_EXIT_NOEXEC 126           /* program is not a runnable x86-64 ELF */
#define SOLO_EXIT_NOENT 127            /* program (or a library it needs) not found */

struct strvec {
    char **v;
    size_t n;
};

/* Append a copy of s; aborts the process on ENOMEM (host tool). */
void strvec_push(struct strvec *sv, const char *s);
void strvec_free(struct strvec *sv);
bool strvec_contains(const struct strvec *sv, const char *s);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
char *xstrdup(const char *s);
/* asprintf that aborts on ENOMEM. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "solo: <msg>\n" / "solo: warning: <msg>\n" on stderr. */
void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse "123", "64K", "64M", "1G", "2T" (binary units, optional trailing 'B'/'iB').
 * 0 on success, -1 on a malformed or overflowing value. */
int parse_size(const char *s, uint64_t *out);

/* Read a whole file into a malloc'ed NUL-terminated buffer.  0 or -errno. */
int read_file(const char *path, char **buf, size_t *len);

/* Normalize a guest path: host path p (absolute, or relative meaning "under /")
 * becomes an absolute path with no "." / ".." / empty components; ".." at the
 * root stays at the root.  Returns a malloc'ed string. */
char *guest_path(const char *p);
/* Join directory and name with exactly one '/'. Malloc'ed. */
char *path_join(const char *dir, const char *name);

#endif
