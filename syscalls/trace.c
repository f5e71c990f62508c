/*
 * trace.c - an strace-like view of the program's system calls, built into
 * the kernel (`solo run --trace`, `--syscall-summary`, `--missing-files`).
 *
 * The manifest's "trace" bitmask (TRACE_* in trace.h) is read at the first
 * system call.  Per call, TRACE_CALLS prints one line
 *     <seconds since boot> [tid] name(decoded args) = result <duration>
 * where the arguments are decoded from a small per-name signature table
 * (strings and paths quoted, flags of common calls symbolic, fds decimal,
 * pointers hex) and a failure reads "-1 ENOENT".  Calls that do not return
 * (exit, exit_group) print "= ?" before they run.  TRACE_SUMMARY counts
 * calls, errors and wall-clock time per number; TRACE_MISSING remembers,
 * deduplicated, every path argument that failed with ENOENT.  Both are
 * printed by trace_exit when the program ends.
 *
 * Output: kernel log lines starting with TRACE_TAG; `solo run` strips the tag
 * and sends them to stderr or --trace-file.  Inputs are decoded before the
 * call (a path is shown as the program passed it), the line is printed after
 * it, so a blocking call prints when it completes.  Invariant: with
 * trace_flags == 0 nothing here runs.
 */
#include "syscalls.h"
#include "trace.h"
#include "runtime/lib/tuple.h"
#include "runtime/x86_64/cpu.h"
#include "fs/vfs.h"

#pragma weak fs_manifest

u32 trace_flags = TRACE_UNREAD;

#define LINE_MAX_CHARS 900
#define STR_SHOW 96                    /* chars of a string argument shown */
#define BUF_SHOW 32                    /* bytes of a write buffer shown */
#define PATH_KEEP 512                  /* longest path remembered for --missing-files */
#define MISSING_MAX 512
#define NR_MAX 512

struct line {
    char b[LINE_MAX_CHARS];
    size_t n;
};

struct flagname {
    u64 bits;
    const char *name;
};

/* ---- per-syscall signatures ----
 * One letter per argument register:
 *   i int  l long  u unsigned  x hex/pointer  f fd  D dirfd (AT_FDCWD)
 *   P path (quoted; candidate for --missing-files)  s string (quoted)
 *   B buffer whose length is the next argument (quoted prefix)
 *   o open flags  m mode (octal)  p mmap prot  M mmap flags  a access mode
 *   A AT_* flags  S signal  F fcntl command  w lseek whence  C clock id
 *   X futex op  c clone flags  h sigprocmask how  R arch_prctl code
 * (open/openat show their mode only with O_CREAT or O_TMPFILE, as strace does)
 * ret: 'd' decimal, 'x' hex (addresses), 'n' does not return. */
struct sig {
    const char *name, *args;
    char ret;
};

static const struct sig sigs[] = {
    { "read", "fxu", 'd' }, { "write", "fBu", 'd' }, { "open", "Pom", 'd' },
    { "close", "f", 'd' }, { "stat", "Px", 'd' }, { "fstat", "fx", 'd' },
    { "lstat", "Px", 'd' }, { "poll", "xui", 'd' }, { "lseek", "flw", 'd' },
    { "mmap", "xupMfl", 'x' }, { "mprotect", "xup", 'd' }, { "munmap", "xu", 'd' },
    { "brk", "x", 'x' }, { "rt_sigaction", "Sxxu", 'd' }, { "rt_sigprocmask", "hxxu", 'd' },
    { "rt_sigreturn", "", 'd' }, { "ioctl", "fxx", 'd' }, { "pread64", "fxul", 'd' },
    { "pwrite64", "fBul", 'd' }, { "readv", "fxi", 'd' }, { "writev", "fxi", 'd' },
    { "access", "Pa", 'd' }, { "pipe", "x", 'd' }, { "select", "ixxxx", 'd' },
    { "sched_yield", "", 'd' }, { "mremap", "xuuxx", 'x' }, { "msync", "xui", 'd' },
    { "mincore", "xux", 'd' }, { "madvise", "xui", 'd' }, { "dup", "f", 'd' },
    { "dup2", "ff", 'd' }, { "pause", "", 'd' }, { "nanosleep", "xx", 'd' },
    { "getitimer", "ix", 'd' }, { "alarm", "u", 'd' }, { "setitimer", "ixx", 'd' },
    { "getpid", "", 'd' }, { "sendfile", "ffxu", 'd' }, { "socket", "iii", 'd' },
    { "connect", "fxi", 'd' }, { "accept", "fxx", 'd' }, { "sendto", "fBuixi", 'd' },
    { "recvfrom", "fxuixx", 'd' }, { "sendmsg", "fxi", 'd' }, { "recvmsg", "fxi", 'd' },
    { "shutdown", "fi", 'd' }, { "bind", "fxi", 'd' }, { "listen", "fi", 'd' },
    { "getsockname", "fxx", 'd' }, { "getpeername", "fxx", 'd' }, { "socketpair", "iiix", 'd' },
    { "setsockopt", "fiixi", 'd' }, { "getsockopt", "fiixx", 'd' }, { "clone", "cxxxx", 'd' },
    { "fork", "", 'd' }, { "vfork", "", 'd' }, { "execve", "Pxx", 'd' },
    { "exit", "i", 'n' }, { "wait4", "ixix", 'd' }, { "kill", "iS", 'd' },
    { "uname", "x", 'd' }, { "fcntl", "fFx", 'd' }, { "flock", "fi", 'd' },
    { "fsync", "f", 'd' }, { "fdatasync", "f", 'd' }, { "truncate", "Pl", 'd' },
    { "ftruncate", "fl", 'd' }, { "getdents", "fxu", 'd' }, { "getcwd", "xu", 'd' },
    { "chdir", "P", 'd' }, { "fchdir", "f", 'd' }, { "rename", "PP", 'd' },
    { "mkdir", "Pm", 'd' }, { "rmdir", "P", 'd' }, { "creat", "Pm", 'd' },
    { "link", "PP", 'd' }, { "unlink", "P", 'd' }, { "symlink", "sP", 'd' },
    { "readlink", "Pxu", 'd' }, { "chmod", "Pm", 'd' }, { "fchmod", "fm", 'd' },
    { "chown", "Pii", 'd' }, { "fchown", "fii", 'd' }, { "lchown", "Pii", 'd' },
    { "umask", "m", 'd' }, { "gettimeofday", "xx", 'd' }, { "getrlimit", "ix", 'd' },
    { "getrusage", "ix", 'd' }, { "sysinfo", "x", 'd' }, { "times", "x", 'd' },
    { "getuid", "", 'd' }, { "getgid", "", 'd' }, { "geteuid", "", 'd' }, { "getegid", "", 'd' },
    { "getppid", "", 'd' }, { "gettid", "", 'd' }, { "sigaltstack", "xx", 'd' },
    { "mknod", "Pmu", 'd' }, { "statfs", "Px", 'd' }, { "fstatfs", "fx", 'd' },
    { "prctl", "ixxxx", 'd' }, { "arch_prctl", "Rx", 'd' }, { "chroot", "P", 'd' },
    { "getxattr", "Psxu", 'd' }, { "lgetxattr", "Psxu", 'd' }, { "fgetxattr", "fsxu", 'd' },
    { "listxattr", "Pxu", 'd' }, { "llistxattr", "Pxu", 'd' }, { "tkill", "iS", 'd' },
    { "time", "x", 'd' }, { "futex", "xXuxxu", 'd' }, { "sched_setaffinity", "iux", 'd' },
    { "sched_getaffinity", "iux", 'd' }, { "getdents64", "fxu", 'd' },
    { "set_tid_address", "x", 'd' }, { "fadvise64", "flli", 'd' },
    { "clock_gettime", "Cx", 'd' }, { "clock_getres", "Cx", 'd' },
    { "clock_nanosleep", "Cixx", 'd' }, { "exit_group", "i", 'n' },
    { "epoll_wait", "fxii", 'd' }, { "epoll_ctl", "fifx", 'd' }, { "tgkill", "iiS", 'd' },
    { "utimes", "Px", 'd' }, { "inotify_add_watch", "fPu", 'd' }, { "openat", "DPom", 'd' },
    { "mkdirat", "DPm", 'd' }, { "mknodat", "DPmu", 'd' }, { "fchownat", "DPiiA", 'd' },
    { "futimesat", "DPx", 'd' }, { "newfstatat", "DPxA", 'd' }, { "unlinkat", "DPA", 'd' },
    { "renameat", "DPDP", 'd' }, { "linkat", "DPDPA", 'd' }, { "symlinkat", "sDP", 'd' },
    { "readlinkat", "DPxu", 'd' }, { "fchmodat", "DPm", 'd' }, { "faccessat", "DPa", 'd' },
    { "pselect6", "ixxxxx", 'd' }, { "ppoll", "xuxxu", 'd' }, { "set_robust_list", "xu", 'd' },
    { "utimensat", "DPxA", 'd' }, { "epoll_pwait", "fxiixu", 'd' }, { "eventfd2", "ui", 'd' },
    { "epoll_create1", "i", 'd' }, { "dup3", "ffo", 'd' }, { "pipe2", "xo", 'd' },
    { "preadv", "fxil", 'd' }, { "pwritev", "fxil", 'd' }, { "prlimit64", "iixx", 'd' },
    { "renameat2", "DPDPu", 'd' }, { "getrandom", "xuu", 'd' }, { "memfd_create", "su", 'd' },
    { "execveat", "DPxxA", 'd' }, { "statx", "DPAux", 'd' }, { "rseq", "xuix", 'd' },
    { "openat2", "DPxu", 'd' }, { "faccessat2", "DPaA", 'd' }, { "clone3", "xu", 'd' },
    { "close_range", "uuu", 'd' }, { "epoll_create", "i", 'd' }, { "eventfd", "u", 'd' },
    { "accept4", "fxxo", 'd' }, { "timerfd_create", "Ci", 'd' }, { "sched_getparam", "ix", 'd' },
    { "copy_file_range", "fxfxuu", 'd' }, { "splice", "fxfxuu", 'd' }, { "tee", "ffuu", 'd' },
    { "fallocate", "fill", 'd' }, { "sync", "", 'd' }, { "syncfs", "f", 'd' },
    { "setsid", "", 'd' }, { "getpgrp", "", 'd' }, { "getpgid", "i", 'd' }, { "getsid", "i", 'd' },
    { "rt_sigsuspend", "xu", 'd' }, { "rt_sigtimedwait", "xxxu", 'd' },
    { "rt_sigpending", "xu", 'd' }, { "rt_sigqueueinfo", "iSx", 'd' },
};

static const struct sig default_sig = { "", "xxx", 'd' };
static const struct sig *sig_of_nr[NR_MAX];

static const char *const errnames[] = {
    [1] = "EPERM", [2] = "ENOENT", [3] = "ESRCH", [4] = "EINTR", [5] = "EIO", [6] = "ENXIO",
    [7] = "E2BIG", [8] = "ENOEXEC", [9] = "EBADF", [10] = "ECHILD", [11] = "EAGAIN",
    [12] = "ENOMEM", [13] = "EACCES", [14] = "EFAULT", [15] = "ENOTBLK", [16] = "EBUSY",
    [17] = "EEXIST", [18] = "EXDEV", [19] = "ENODEV", [20] = "ENOTDIR", [21] = "EISDIR",
    [22] = "EINVAL", [23] = "ENFILE", [24] = "EMFILE", [25] = "ENOTTY", [26] = "ETXTBSY",
    [27] = "EFBIG", [28] = "ENOSPC", [29] = "ESPIPE", [30] = "EROFS", [31] = "EMLINK",
    [32] = "EPIPE", [33] = "EDOM", [34] = "ERANGE", [35] = "EDEADLK", [36] = "ENAMETOOLONG",
    [37] = "ENOLCK", [38] = "ENOSYS", [39] = "ENOTEMPTY", [40] = "ELOOP", [42] = "ENOMSG",
    [43] = "EIDRM", [61] = "ENODATA", [62] = "ETIME", [71] = "EPROTO", [74] = "EBADMSG",
    [75] = "EOVERFLOW", [77] = "EBADFD", [84] = "EILSEQ", [88] = "ENOTSOCK",
    [89] = "EDESTADDRREQ", [90] = "EMSGSIZE", [91] = "EPROTOTYPE", [92] = "ENOPROTOOPT",
    [93] = "EPROTONOSUPPORT", [94] = "ESOCKTNOSUPPORT", [95] = "EOPNOTSUPP",
    [96] = "EPFNOSUPPORT", [97] = "EAFNOSUPPORT", [98] = "EADDRINUSE", [99] = "EADDRNOTAVAIL",
    [100] = "ENETDOWN", [101] = "ENETUNREACH", [102] = "ENETRESET", [103] = "ECONNABORTED",
    [104] = "ECONNRESET", [105] = "ENOBUFS", [106] = "EISCONN", [107] = "ENOTCONN",
    [108] = "ESHUTDOWN", [109] = "ETOOMANYREFS", [110] = "ETIMEDOUT", [111] = "ECONNREFUSED",
    [112] = "EHOSTDOWN", [113] = "EHOSTUNREACH", [114] = "EALREADY", [115] = "EINPROGRESS",
    [116] = "ESTALE", [122] = "EDQUOT", [125] = "ECANCELED", [130] = "EOWNERDEAD",
    [131] = "ENOTRECOVERABLE",
};

static const struct flagname open_flags[] = {
    { 0100, "O_CREAT" }, { 0200, "O_EXCL" }, { 0400, "O_NOCTTY" }, { 01000, "O_TRUNC" },
    { 02000, "O_APPEND" }, { 04000, "O_NONBLOCK" }, { 04010000, "O_SYNC" },
    { 010000, "O_DSYNC" }, { 020000, "O_ASYNC" }, { 040000, "O_DIRECT" },
    { 0100000, "O_LARGEFILE" }, { 020200000, "O_TMPFILE" }, { 0200000, "O_DIRECTORY" },
    { 0400000, "O_NOFOLLOW" }, { 01000000, "O_NOATIME" }, { 02000000, "O_CLOEXEC" },
    { 010000000, "O_PATH" }, { 0, NULL },
};
static const struct flagname prot_flags[] = {
    { 1, "PROT_READ" }, { 2, "PROT_WRITE" }, { 4, "PROT_EXEC" }, { 8, "PROT_SEM" },
    { 0x01000000, "PROT_GROWSDOWN" }, { 0x02000000, "PROT_GROWSUP" }, { 0, NULL },
};
static const struct flagname mmap_flags[] = {
    { 0x10, "MAP_FIXED" }, { 0x20, "MAP_ANONYMOUS" }, { 0x40, "MAP_32BIT" },
    { 0x100, "MAP_GROWSDOWN" }, { 0x800, "MAP_DENYWRITE" }, { 0x1000, "MAP_EXECUTABLE" },
    { 0x2000, "MAP_LOCKED" }, { 0x4000, "MAP_NORESERVE" }, { 0x8000, "MAP_POPULATE" },
    { 0x10000, "MAP_NONBLOCK" }, { 0x20000, "MAP_STACK" }, { 0x40000, "MAP_HUGETLB" },
    { 0x80000, "MAP_SYNC" }, { 0x100000, "MAP_FIXED_NOREPLACE" }, { 0, NULL },
};
static const struct flagname access_flags[] = {
    { 4, "R_OK" }, { 2, "W_OK" }, { 1, "X_OK" }, { 0, NULL },
};
static const struct flagname at_flags[] = {
    { 0x100, "AT_SYMLINK_NOFOLLOW" }, { 0x200, "AT_REMOVEDIR" }, { 0x400, "AT_SYMLINK_FOLLOW" },
    { 0x800, "AT_NO_AUTOMOUNT" }, { 0x1000, "AT_EMPTY_PATH" }, { 0, NULL },
};
static const struct flagname clone_flags[] = {
    { 0x100, "CLONE_VM" }, { 0x200, "CLONE_FS" }, { 0x400, "CLONE_FILES" },
    { 0x800, "CLONE_SIGHAND" }, { 0x1000, "CLONE_PIDFD" }, { 0x2000, "CLONE_PTRACE" },
    { 0x4000, "CLONE_VFORK" }, { 0x8000, "CLONE_PARENT" }, { 0x10000, "CLONE_THREAD" },
    { 0x20000, "CLONE_NEWNS" }, { 0x40000, "CLONE_SYSVSEM" }, { 0x80000, "CLONE_SETTLS" },
    { 0x100000, "CLONE_PARENT_SETTID" }, { 0x200000, "CLONE_CHILD_CLEARTID" },
    { 0x400000, "CLONE_DETACHED" }, { 0x800000, "CLONE_UNTRACED" },
    { 0x1000000, "CLONE_CHILD_SETTID" }, { 0, NULL },
};
static const char *const fcntl_cmds[] = {
    "F_DUPFD", "F_GETFD", "F_SETFD", "F_GETFL", "F_SETFL", "F_GETLK", "F_SETLK",
    "F_SETLKW", "F_SETOWN", "F_GETOWN", "F_SETSIG", "F_GETSIG",
};
static const char *const fcntl_cmds_1024[] = {
    "F_SETLEASE", "F_GETLEASE", "F_NOTIFY", NULL, NULL, NULL, "F_DUPFD_CLOEXEC",
    "F_SETPIPE_SZ", "F_GETPIPE_SZ", "F_ADD_SEALS", "F_GET_SEALS",
};
static const char *const whences[] = { "SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE" };
static const char *const clocks[] = {
    "CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID", "CLOCK_THREAD_CPUTIME_ID",
    "CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE", "CLOCK_MONOTONIC_COARSE", "CLOCK_BOOTTIME",
};
static const char *const futex_ops[] = {
    "FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_FD", "FUTEX_REQUEUE", "FUTEX_CMP_REQUEUE",
    "FUTEX_WAKE_OP", "FUTEX_LOCK_PI", "FUTEX_UNLOCK_PI", "FUTEX_TRYLOCK_PI",
    "FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET", "FUTEX_WAIT_REQUEUE_PI",
    "FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2",
};
static const char *const signames[] = {
    NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
    "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
    "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
    "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
};
static const char *const arch_codes[] = {
    "ARCH_SET_GS", "ARCH_SET_FS", "ARCH_GET_FS", "ARCH_GET_GS",
};
static const char *const sigmask_how[] = { "SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK" };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- summary and missing-file state ---- */
static u64 calls[NR_MAX], errors[NR_MAX], nanos[NR_MAX];
static char *missing[MISSING_MAX];
static unsigned nmissing, missing_dropped;
static bool many_threads;              /* a thread other than tid 1 made a call */

/* ---- line building ---- */

/* Append printf-formatted text, cutting at the line's capacity. */
__attribute__((format(printf, 2, 3)))
static void put(struct line *l, const char *fmt, ...)
{
    va_list ap;
    if (l->n + 1 >= sizeof(l->b))
        return;
    va_start(ap, fmt);
    int n = kvsnprintf(l->b + l->n, sizeof(l->b) - l->n, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->n = MIN(l->n + (size_t)n, sizeof(l->b) - 1);
}

/* Append n bytes quoted C-style (\n, \t, \", \\, \xNN). */
static void put_quoted(struct line *l, const char *s, size_t n, bool more)
{
    put(l, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            put(l, "\\%c", c);
        else if (c == '\n')
            put(l, "\\n");
        else if (c == '\t')
            put(l, "\\t");
        else if (c >= 0x20 && c < 0x7f)
            put(l, "%c", c);
        else
            put(l, "\\x%02x", c);
    }
    put(l, more ? "\"..." : "\"");
}

/* Append v as NAME|NAME|0x..; empty0 is printed when v is 0. */
static void put_flags(struct line *l, u64 v, const struct flagname *t, const char *empty0)
{
    bool first = true;
    if (v == 0) {
        put(l, "%s", empty0);
        return;
    }
    for (; t->name != NULL; t++) {
        if ((v & t->bits) != t->bits)
            continue;
        put(l, "%s%s", first ? "" : "|", t->name);
        v &= ~t->bits;
        first = false;
    }
    if (v != 0)
        put(l, "%s%#lx", first ? "" : "|", v);
}

/* Append a name from table t, or the number. */
static void put_enum(struct line *l, long v, const char *const *t, size_t n)
{
    if (v >= 0 && (size_t)v < n && t[v] != NULL)
        put(l, "%s", t[v]);
    else
        put(l, "%ld", v);
}

static void put_signal(struct line *l, long v)
{
    if (v >= 32 && v <= 64)
        put(l, "SIGRT_%ld", v - 32);
    else
        put_enum(l, v, signames, NELEM(signames));
}

/* Copy a user string into buf (cap bytes); its length, or -1 when unreadable.
 * *more is set when it was longer than cap - 1. */
static long fetch_string(char *buf, size_t cap, u64 uaddr, bool *more)
{
    long r = strncpy_from_user(buf, (const char *)uaddr, cap);
    *more = false;
    if (r >= 0)
        return r;
    if (r != -ENAMETOOLONG || copy_from_user(buf, (const void *)uaddr, cap - 1) != 0)
        return -1;
    buf[cap - 1] = '\0';
    *more = true;
    return (long)cap - 1;
}

static void put_string(struct line *l, u64 uaddr, char *keep, size_t keepcap)
{
    char buf[PATH_KEEP];
    bool more;
    if (uaddr == 0) {
        put(l, "NULL");
        return;
    }
    long n = fetch_string(buf, sizeof(buf), uaddr, &more);
    if (n < 0) {
        put(l, "%#lx", uaddr);
        return;
    }
    if (keep != NULL && !more && (size_t)n < keepcap)
        memcpy(keep, buf, (size_t)n + 1);
    put_quoted(l, buf, MIN((size_t)n, (size_t)STR_SHOW), more || n > STR_SHOW);
}

static void put_buffer(struct line *l, u64 uaddr, u64 len)
{
    char buf[BUF_SHOW];
    size_t n = MIN(len, (u64)BUF_SHOW);
    if (n > 0 && copy_from_user(buf, (const void *)uaddr, n) != 0) {
        put(l, "%#lx", uaddr);
        return;
    }
    put_quoted(l, buf, n, len > BUF_SHOW);
}

static void put_mmap_flags(struct line *l, u64 v)
{
    static const char *const types[] = { "0", "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE" };
    put(l, "%s", types[v & 3]);
    if ((v & ~3UL) != 0) {
        put(l, "|");
        put_flags(l, v & ~3UL, mmap_flags, "0");
    }
}

static void put_open_flags(struct line *l, u64 v)
{
    static const char *const modes[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
    put(l, "%s", modes[v & 3]);
    if ((v & ~3UL) != 0) {
        put(l, "|");
        put_flags(l, v & ~3UL, open_flags, "0");
    }
}

static void put_fcntl_cmd(struct line *l, long v)
{
    if (v >= 1024 && v < 1024 + (long)NELEM(fcntl_cmds_1024) && fcntl_cmds_1024[v - 1024] != NULL)
        put(l, "%s", fcntl_cmds_1024[v - 1024]);
    else if (v == 36 || v == 37 || v == 38)
        put(l, "%s", v == 36 ? "F_OFD_GETLK" : v == 37 ? "F_OFD_SETLK" : "F_OFD_SETLKW");
    else
        put_enum(l, v, fcntl_cmds, NELEM(fcntl_cmds));
}

static void put_futex_op(struct line *l, long v)
{
    put_enum(l, v & 127, futex_ops, NELEM(futex_ops));
    if ((v & 128) != 0)
        put(l, "_PRIVATE");
    if ((v & 256) != 0)
        put(l, "|FUTEX_CLOCK_REALTIME");
}

/* Append argument i (type t) of the call; a path goes to keep as well. */
static void put_arg(struct line *l, char t, const u64 *a, int i, char *keep, size_t keepcap)
{
    u64 v = a[i];
    switch (t) {
    case 'i': put(l, "%d", (int)v); break;
    case 'l': put(l, "%ld", (long)v); break;
    case 'u': put(l, "%lu", v); break;
    case 'f': put(l, "%d", (int)v); break;
    case 'D':
        if ((int)v == -100)
            put(l, "AT_FDCWD");
        else
            put(l, "%d", (int)v);
        break;
    case 'P': put_string(l, v, keep, keepcap); break;
    case 's': put_string(l, v, NULL, 0); break;
    case 'B': put_buffer(l, v, i + 1 < 6 ? a[i + 1] : 0); break;
    case 'o': put_open_flags(l, v); break;
    case 'm': put(l, "0%lo", v); break;
    case 'p': put_flags(l, v, prot_flags, "PROT_NONE"); break;
    case 'M': put_mmap_flags(l, v); break;
    case 'a': put_flags(l, v, access_flags, "F_OK"); break;
    case 'A': put_flags(l, v, at_flags, "0"); break;
    case 'S': put_signal(l, (long)v); break;
    case 'F': put_fcntl_cmd(l, (int)v); break;
    case 'w': put_enum(l, (int)v, whences, NELEM(whences)); break;
    case 'C': put_enum(l, (int)v, clocks, NELEM(clocks)); break;
    case 'X': put_futex_op(l, (int)v); break;
    case 'h': put_enum(l, (int)v, sigmask_how, NELEM(sigmask_how)); break;
    case 'R':
        if (v >= 0x1001 && v <= 0x1004)
            put(l, "%s", arch_codes[v - 0x1001]);
        else
            put(l, "%#lx", v);
        break;
    case 'c':
        put_flags(l, v & ~0xffUL, clone_flags, "0");
        if ((v & 0xff) != 0) {
            put(l, "|");
            put_signal(l, (long)(v & 0xff));
        }
        break;
    default:
        if (v == 0)
            put(l, "NULL");
        else
            put(l, "%#lx", v);
        break;
    }
}

static void put_result(struct line *l, long r, char ret)
{
    if (r < 0 && r >= -4095) {
        long e = -r;
        if ((size_t)e < NELEM(errnames) && errnames[e] != NULL)
            put(l, " = -1 %s", errnames[e]);
        else
            put(l, " = -1 E%ld", e);
    } else if (ret == 'x') {
        put(l, " = %#lx", (u64)r);
    } else {
        put(l, " = %ld", r);
    }
}

/* Send a finished line to the log with the trace tag. */
static void emit(struct line *l)
{
    debugcon_write(TRACE_TAG, sizeof(TRACE_TAG) - 1);
    debugcon_write(l->b, l->n);
    debugcon_write("\n", 1);
}

/* ---- set-up ---- */

/* Read the manifest's "trace" bitmask and index the signatures by number. */
static void trace_setup(void)
{
    struct tuple *m = fs_manifest != NULL ? fs_manifest() : NULL;
    u32 flags = m != NULL ? (u32)tuple_get_u64(m, "trace", 0) : 0;
    flags &= TRACE_CALLS | TRACE_SUMMARY | TRACE_MISSING;
    for (unsigned nr = 0; flags != 0 && nr < syscall_count && nr < NR_MAX; nr++) {
        sig_of_nr[nr] = &default_sig;
        for (size_t k = 0; syscall_table[nr].name != NULL && k < NELEM(sigs); k++) {
            if (strcmp(sigs[k].name, syscall_table[nr].name) == 0) {
                sig_of_nr[nr] = &sigs[k];
                break;
            }
        }
    }
    trace_flags = flags;
}

/* ---- missing files ---- */

/* Remember path (deduplicated) as one the program did not find. */
static void note_missing(const char *path)
{
    for (unsigned i = 0; i < nmissing; i++)
        if (strcmp(missing[i], path) == 0)
            return;
    if (nmissing >= MISSING_MAX) {
        missing_dropped++;
        return;
    }
    size_t n = strlen(path) + 1;
    char *p = kmalloc(n);
    if (p == NULL) {
        missing_dropped++;
        return;
    }
    memcpy(p, path, n);
    missing[nmissing++] = p;
}

/* ---- the traced call ---- */

void trace_syscall(struct frame *f, u64 nr)
{
    if (trace_flags == TRACE_UNREAD) {
        trace_setup();
        if (trace_flags == 0) {
            f->rax = (u64)syscall_invoke(nr, f);
            return;
        }
    }
    const u64 a[6] = { f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9 };
    const struct sig *s = nr < NR_MAX && sig_of_nr[nr] != NULL ? sig_of_nr[nr] : &default_sig;
    const char *name = nr < syscall_count && syscall_table[nr].name != NULL ? syscall_table[nr].name : NULL;
    char path[PATH_KEEP];
    struct line l;
    u64 t0 = now_ns();

    path[0] = '\0';
    l.n = 0;
    if (current->tid != 1)
        many_threads = true;
    if ((trace_flags & (TRACE_CALLS | TRACE_MISSING)) != 0) {
        put(&l, "%lu.%06lu ", t0 / 1000000000, t0 / 1000 % 1000000);
        if (many_threads)
            put(&l, "[%d] ", current->tid);
        if (name != NULL)
            put(&l, "%s(", name);
        else
            put(&l, "syscall_%lu(", nr);
        for (int i = 0; s->args[i] != '\0' && i < 6; i++) {
            if (s->args[i] == 'm' && i > 0 && s->args[i - 1] == 'o' && (a[i - 1] & 020000100) == 0)
                break;             /* open without O_CREAT/O_TMPFILE: no mode */
            if (i > 0)
                put(&l, ", ");
            put_arg(&l, s->args[i], a, i, path[0] == '\0' ? path : NULL, sizeof(path));
        }
        put(&l, ")");
    }
    if (nr < NR_MAX)
        calls[nr]++;
    if (s->ret == 'n' && (trace_flags & TRACE_CALLS) != 0) {
        put(&l, " = ?");
        emit(&l);
    }
    long r = syscall_invoke(nr, f);
    f->rax = (u64)r;
    u64 dt = now_ns() - t0;
    if (nr < NR_MAX) {
        nanos[nr] += dt;
        if (r < 0 && r >= -4095)
            errors[nr]++;
    }
    if (r == -ENOENT && path[0] != '\0' && (trace_flags & TRACE_MISSING) != 0)
        note_missing(path);
    if ((trace_flags & TRACE_CALLS) != 0 && s->ret != 'n') {
        put_result(&l, r, s->ret);
        put(&l, " <%lu.%06lu>", dt / 1000000000, dt / 1000 % 1000000);
        emit(&l);
    }
}

/* ---- at exit ---- */

static void print_rule(void)
{
    struct line l = { .n = 0 };
    put(&l, "------ ----------- ----------- --------- --------- ----------------");
    emit(&l);
}

/* The strace -c style table, most time first (wall-clock time in the kernel). */
static void print_summary(void)
{
    static bool done[NR_MAX];
    u64 total_ns = 0, total_calls = 0, total_err = 0;
    struct line l = { .n = 0 };
    for (unsigned nr = 0; nr < NR_MAX; nr++) {
        total_ns += nanos[nr];
        total_calls += calls[nr];
        total_err += errors[nr];
    }
    put(&l, "%% time     seconds  usecs/call     calls    errors syscall");
    emit(&l);
    print_rule();
    for (;;) {
        int best = -1;
        for (unsigned nr = 0; nr < NR_MAX; nr++)
            if (calls[nr] != 0 && !done[nr] && (best < 0 || nanos[nr] > nanos[best]))
                best = (int)nr;
        if (best < 0)
            break;
        done[best] = true;
        u64 pct = total_ns != 0 ? nanos[best] * 10000 / total_ns : 0;
        const char *name = (unsigned)best < syscall_count && syscall_table[best].name != NULL
                           ? syscall_table[best].name : "?";
        l.n = 0;
        put(&l, "%3lu.%02lu %4lu.%06lu %11lu %9lu ", pct / 100, pct % 100,
            nanos[best] / 1000000000, nanos[best] / 1000 % 1000000,
            nanos[best] / 1000 / calls[best], calls[best]);
        if (errors[best] != 0)
            put(&l, "%9lu %s", errors[best], name);
        else
            put(&l, "%9s %s", "", name);
        emit(&l);
    }
    print_rule();
    l.n = 0;
    put(&l, "100.00 %4lu.%06lu %11lu %9lu %9lu total", total_ns / 1000000000,
        total_ns / 1000 % 1000000, total_calls != 0 ? total_ns / 1000 / total_calls : 0,
        total_calls, total_err);
    emit(&l);
}

static void print_missing(void)
{
    struct line l = { .n = 0 };
    put(&l, "missing files: %u path%s the program looked up failed with ENOENT "
        "(relative paths are as the program passed them)", nmissing, nmissing == 1 ? "" : "s");
    emit(&l);
    for (unsigned i = 0; i < nmissing; i++) {
        l.n = 0;
        put(&l, "  %s", missing[i]);
        emit(&l);
    }
    if (missing_dropped != 0) {
        l.n = 0;
        put(&l, "  (%u more not recorded)", missing_dropped);
        emit(&l);
    }
}

void trace_exit(void)
{
    u32 flags = trace_flags;
    trace_flags = 0;
    if (flags == TRACE_UNREAD)
        return;
    if ((flags & TRACE_SUMMARY) != 0)
        print_summary();
    if ((flags & TRACE_MISSING) != 0)
        print_missing();
}
