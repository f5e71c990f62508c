/*
 * common.h - helpers shared by the conformance programs.  Every program
 * prints only deterministic facts (values that are the same natively and
 * under solo, errno names for failures, relations between ids, never raw
 * pids, times or addresses) so run.sh can compare outputs byte for byte.
 * Raw syscall() is used wherever a libc wrapper might pick a different
 * syscall (glibc and musl differ), so each named syscall really is made.
 */
#ifndef CONFORMANCE_COMMON_H
#define CONFORMANCE_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

/* The Linux name of an errno value ("E?" plus the number for rare ones). */
static inline const char *errname(int e)
{
    static char buf[16];
    switch (e) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case E2BIG: return "E2BIG";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case ERANGE: return "ERANGE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ESTALE: return "ESTALE";
    case ETXTBSY: return "ETXTBSY";
    case EUSERS: return "EUSERS";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EOVERFLOW: return "EOVERFLOW";
    case ENXIO: return "ENXIO";
    case EXDEV: return "EXDEV";
    case ENODEV: return "ENODEV";
    case EPIPE: return "EPIPE";
    case EDOM: return "EDOM";
    case ENOTSOCK: return "ENOTSOCK";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case EMSGSIZE: return "EMSGSIZE";
    case EPROTOTYPE: return "EPROTOTYPE";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case EISCONN: return "EISCONN";
    case ENOTCONN: return "ENOTCONN";
    case EINPROGRESS: return "EINPROGRESS";
    case EALREADY: return "EALREADY";
    case ENODATA: return "ENODATA";
    default:
        snprintf(buf, sizeof(buf), "E?%d", e);
        return buf;
    }
}

/* Print "what: value" for r >= 0, else "what: -1 ENAME" from errno. */
static inline void show(const char *what, long r)
{
    if (r >= 0)
        printf("%s: %ld\n", what, r);
    else
        printf("%s: -1 %s\n", what, errname(errno));
}

/* Print "what: ok" for r >= 0 (value not shown: it may differ), else the errno name. */
static inline void show_ok(const char *what, long r)
{
    if (r >= 0)
        printf("%s: ok\n", what);
    else
        printf("%s: -1 %s\n", what, errname(errno));
}

/* Print a yes/no fact. */
static inline void fact(const char *what, int cond)
{
    printf("%s: %s\n", what, cond ? "yes" : "no");
}

#endif
