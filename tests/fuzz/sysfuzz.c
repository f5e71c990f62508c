/*
 * sysfuzz.c - a random system-call fuzzer for the solo kernel.  A static
 * guest program (gcc -static) that, from a seed, makes N random system calls
 * over the whole x86-64 table with arguments biased toward interesting values:
 * 0, -1, small ints, page sizes, INT_MAX, LONG_MIN; valid descriptors it opened
 * itself (a file and a directory in /tmp, a pipe, an eventfd, sockets, an epoll
 * fd, /dev/null, a memfd, a timerfd, an inotify fd); buffers in a pool mapping
 * whose last page is followed by an unmapped page (so pointers can straddle the
 * end) and preceded by a read-only page; NULL, kernel-half and non-canonical
 * addresses, misaligned pointers, pointers into the (read-only) program text.
 *
 *   sysfuzz SEED [NCALLS]      (default 20000 calls)
 *
 * The sequence of calls and arguments depends only on the seed (the argument
 * generator never looks at results), so a failing seed replays exactly.
 * SYSFUZZ_VERBOSE=K logs to stderr every call from index K on, before it is
 * made ("#i name(args)") and its result after ("= r"); SYSFUZZ_RANGE=LO-HI
 * still generates every call but only makes those with LO <= i <= HI (the
 * periodic resets always run) and SYSFUZZ_ONLY=i,j,k-l,... only the listed ones,
 * to bisect a failure down to the calls that cause it.  Progress: a line per 1000 calls; the end: a line of counts and
 * "sysfuzz: N calls, seed S, done".  Exit 0; 3 when the program itself took
 * a real fault (the kernel corrupted its memory or the fuzzer has a bug).
 *
 * Only the program must survive, so calls that would end or wedge it
 * legitimately are skipped or have their arguments tamed (see skip_reason and
 * tame(); docs/tracing.md lists them with the reasons):
 *   - never made: exit, exit_group, rt_sigreturn, fork, vfork, clone, clone3,
 *     execve, execveat (end or replace the program), reboot, kexec_load,
 *     kexec_file_load (end the VM), seccomp (a filter would kill it),
 *     personality (changes the address-space layout under it);
 *   - signals: a no-op handler (no SA_RESTART) is installed for every
 *     catchable signal; SIGKILL and SIGSTOP are never sent; a queued
 *     synchronous signal (SEGV, BUS, ILL, FPE) always has a negative si_code
 *     so the handler can tell it from a real fault; rt_sigaction and
 *     rt_sigprocmask run with every signal blocked and the handlers and the
 *     empty mask are put back right after; masks passed to sigsuspend, ppoll,
 *     pselect6, epoll_pwait(2), io_pgetevents never contain SIGALRM;
 *   - blocking: ITIMER_REAL fires SIGALRM every 20 ms (re-armed after
 *     setitimer and alarm), so any blocking call returns with EINTR;
 *   - memory: calls that change mappings (munmap, mremap, mprotect, madvise,
 *     mlock, msync, mbind, mseal, shmat/shmdt, remap_file_pages, pkey_mprotect,
 *     MAP_FIXED mmap) only get addresses in a scratch reservation, with lengths
 *     clipped to it, or invalid addresses; mappings the kernel placed elsewhere
 *     are unmapped at once; brk never goes below the break the program started
 *     with (static glibc keeps its TLS there);
 *   - descriptors: 1 and 2 are never passed as fds (close, dup2 over them or a
 *     huge random write would end the log); close_range starts at 3;
 *   - identity and limits: set*uid/set*gid only to 0 or -1 (no way back from
 *     an unprivileged uid); setrlimit/prlimit64 only raise, or change limits
 *     the program does not depend on (CPU, FSIZE, AS, DATA, STACK, RTTIME,
 *     NOFILE are left alone); prctl PR_SET_SECCOMP, PR_SET_TSC (rdtsc would
 *     fault), PR_SET_MM, PR_SET_SYSCALL_USER_DISPATCH and arch_prctl
 *     ARCH_SET_FS and the shadow-stack codes are not made; ptrace
 *     PTRACE_TRACEME (a traced program stops at its next signal);
 *   - file system: chroot and pivot_root only get invalid paths, mount and
 *     umount2 only target scratch directories under /tmp/fz (never /, /tmp,
 *     /proc, /dev).
 * Every 256 calls a reset closes every fd above 2, deletes timers and IPC
 * objects, re-creates /tmp/fz and the fixture fds, remaps the scratch area and
 * refills the pool, so one call's damage stays local and state cannot pile up.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <sys/un.h>

typedef uint64_t u64;
typedef uint32_t u32;

#define PAGE 4096UL
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define POOL_SIZE (64 * PAGE)            /* argument buffers */
#define RES_SIZE (256 * PAGE)            /* scratch reservation for memory calls */
#define RESET_EVERY 256
#define NR_LIMIT 470

/* ---------------------------------------------------------------- raw syscalls */

static long raw6(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall" : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#define sc(n, a, b, c) raw6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* Output without stdio buffers (the program must not depend on malloc/brk). */
static void out(int fd, const char *s)
{
    size_t n = strlen(s);
    for (int tries = 0; n > 0 && tries < 100; tries++) {
        long r = sc(SYS_write, fd, s, n);
        if (r == -4)
            continue;
        if (r <= 0)
            return;
        s += r;
        n -= (size_t)r;
    }
}

/* ---------------------------------------------------------------- random numbers */

static u64 rng;

static u64 r64(void)
{
    /* splitmix64: every state gives a good value, and the stream is the seed's alone */
    u64 z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static u64 rnd(u64 n) { return n == 0 ? 0 : r64() % n; }
static int chance(int pct) { return (int)rnd(100) < pct; }
#define PICK(arr) ((arr)[rnd(sizeof(arr) / sizeof((arr)[0]))])

/* ---------------------------------------------------------------- fixtures */

static char *pool;                       /* POOL_SIZE bytes rw; pool-PAGE ro; pool+POOL_SIZE unmapped */
static char *res;                        /* RES_SIZE reservation; only memory calls touch it */
static int fx[16], nfx;                  /* valid fds opened by reset() */
static int dirfd_fx = -1;
static u64 brk0;
static int mypid;
static int timers[32], ntimers;
static u64 aio_ctx[16];
static int naio;
static int ipc_shm[16], nshm, ipc_sem[16], nsem, ipc_msg[16], nmsg;
static long logfrom = -1, lo = 0, hi = LONG_MAX;
static int check_hole;
static const char *only;                 /* SYSFUZZ_ONLY=i,j,k-l: make just these calls */

static int in_only(long i)
{
    for (const char *p = only; *p != 0;) {
        char *e;
        long v = strtol(p, &e, 10), w = v;
        if (e == p)
            return 0;
        if (*e == '-')                    /* a range LO-HI */
            w = strtol(e + 1, &e, 10);
        if (i >= v && i <= w)
            return 1;
        p = *e == ',' ? e + 1 : e;
    }
    return 0;
}
extern char __executable_start[], etext[], end[];

/* The running program is among the paths: opening it for writing or
 * truncating it is ETXTBSY (before that fix creat() on it killed the run
 * with SIGBUS); -DEXE_PATH= leaves it out. */
#ifndef EXE_PATH
#define EXE_PATH "/proc/self/exe",
#endif
#ifndef EXTRA_PATHS
#define EXTRA_PATHS
#endif
static const char *const paths[] = {
    "/tmp/fz/f0", "/tmp/fz/f1", "/tmp/fz/d0", "/tmp/fz/d0/x", "/tmp/fz/sock", "/tmp/fz/lnk",
    "f0", "f1", "d0", "d1", "f2", ".", "..", "", "/", "/tmp", "/tmp/fz", "/proc/self/status",
    "/proc/self/maps", "/proc/self/fd/3", "/proc/self/fd", "/proc", "/dev/null", "/dev/zero",
    "/dev/urandom", "/dev/tty", "/dev/shm/x", "/sys", "/etc/passwd", "/nonexistent/x",
    "/tmp/fz/f0/x", "/fzq", "/tmp/fz/d0/../f0", "//tmp///fz/", "/tmp/fz/d1", "/proc/self/mounts", EXE_PATH
    "/proc/self/cmdline", "/proc/meminfo", "/tmp/fz/lnk/x", "x", EXTRA_PATHS
};

/* ---------------------------------------------------------------- value generators */

static const long ints[] = {
    0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511, 512, 1023, 1024,
    4095, 4096, 4097, 8191, 8192, 65535, 65536, 0x7fffffff, 0x80000000L, 0xffffffffL, -1, -2,
    -4095, -4096, LONG_MIN, LONG_MAX, 0x100000000L, 1L << 20, 1L << 30, 1L << 40, -100,
};

static long gen_int(void)
{
    switch (rnd(6)) {
    case 0: case 1: return PICK(ints);
    case 2: return (long)rnd(20);
    case 3: return (long)(int)r64();
    case 4: return (long)r64();
    default: return -(long)rnd(5);
    }
}

static long gen_len(void)
{
    switch (rnd(8)) {
    case 0: return 0;
    case 1: case 2: return 1 + (long)rnd(64);
    case 3: return (long)PAGE * (1 + (long)rnd(4));
    case 4: return 4095 + (long)rnd(3);
    case 5: return 1L << (12 + rnd(20));
    case 6: return PICK(ints);
    default: return (long)rnd(1024);
    }
}

static long gen_flags(void)
{
    switch (rnd(6)) {
    case 0: return 0;
    case 1: return 1L << rnd(32);
    case 2: return (long)(r64() & 0xffffffff);
    case 3: return (1L << rnd(32)) | (1L << rnd(32)) | (long)rnd(8);
    case 4: return -1;
    default: return (long)rnd(16);
    }
}

static long gen_fd(void)
{
    switch (rnd(10)) {
    case 0: case 1: case 2: case 3: case 4: return nfx > 0 ? fx[rnd(nfx)] : 3;
    case 5: return -1;
    case 6: return 3 + (long)rnd(40);
    case 7: return PICK(((const long[]){ 0, -100, 1000000, INT_MAX, 1023, 1024, -2 }));
    case 8: return dirfd_fx;
    default: return (long)(int)r64();
    }
}

static long gen_dirfd(void)
{
    switch (rnd(4)) {
    case 0: case 1: return -100;          /* AT_FDCWD */
    case 2: return dirfd_fx;
    default: return gen_fd();
    }
}

/* A pointer into the pool: n bytes at a random offset (the last page is
 * followed by an unmapped page: the buffer may run off the end). */
static char *pool_at(size_t n)
{
    size_t off;
    if (n >= POOL_SIZE)
        n = POOL_SIZE - 1;
    switch (rnd(5)) {
    case 0: off = POOL_SIZE - n; break;                      /* ends exactly at the hole */
    case 1: off = POOL_SIZE - rnd(n + 1) - 1; break;           /* may straddle the hole */
    case 2: off = (rnd(POOL_SIZE - n) & ~7UL) + rnd(8); break;  /* misaligned */
    default: off = rnd(POOL_SIZE - n) & ~15UL; break;
    }
    if (off >= POOL_SIZE)
        off = POOL_SIZE - 1;
    return pool + off;
}

/* Room for n bytes the generator fills itself (never straddles the hole). */
static char *pool_in(size_t n)
{
    return pool + (rnd(POOL_SIZE - n) & ~7UL);
}

/* An invalid or read-only pointer. */
static long bad_ptr(void)
{
    switch (rnd(10)) {
    case 0: return 0;
    case 1: return (long)0xffff800000000000UL;
    case 2: return (long)0xffffffff80000000UL + (long)rnd(1 << 20);
    case 3: return (long)0x0000800000000000UL;            /* first non-canonical */
    case 4: return (long)(pool + POOL_SIZE);              /* the hole after the pool */
    case 5: return (long)(pool - PAGE + rnd(PAGE));       /* read-only page */
    case 6: return (long)__executable_start + (long)rnd(4096);   /* program text */
    case 7: return -1;
    case 8: return (long)PAGE * (long)rnd(16);
    default: return (long)r64();
    }
}

static long gen_ptr(void)
{
    if (chance(20))
        return bad_ptr();
    return (long)pool_at((size_t)rnd(8) == 0 ? PAGE * 2 : 256);
}

static long gen_path(void)
{
    if (chance(10))
        return bad_ptr();
    if (chance(5)) {                      /* an unterminated string running into the hole */
        char *p = pool + POOL_SIZE - 1 - rnd(64);
        memset(p, 'a', (size_t)(pool + POOL_SIZE - p));
        return (long)p;
    }
    char *p = pool_in(5200);
    if (chance(5)) {                      /* too long: a name and a path */
        size_t n = chance(50) ? 300 : 5000;
        memset(p, 'n', n);
        for (size_t i = 0; i < n; i += 100)
            p[i] = '/';
        p[n] = 0;
        return (long)p;
    }
    strcpy(p, PICK(paths));
    return (long)p;
}

/* A struct timespec (also read as a timeval): small, zero, or invalid. */
static long gen_timespec(void)
{
    static const long v[][2] = {
        { 0, 0 }, { 0, 1000 }, { 0, 5000000 }, { 0, 999999999 }, { 0, 1000000000 }, { 1, 0 },
        { -1, 0 }, { 0, -1 }, { LONG_MAX, 0 }, { 0, 20000000 }, { 100000, 0 },
    };
    if (chance(15))
        return chance(50) ? 0 : bad_ptr();
    long *p = (long *)pool_in(16);
    int i = (int)rnd(sizeof(v) / sizeof(v[0]));
    p[0] = v[i][0];
    p[1] = v[i][1];
    return (long)p;
}

/* A struct itimerspec: interval >= 5 ms or 0 (a signal storm is not a test). */
static long gen_itimerspec(void)
{
    static const long iv[] = { 0, 5000000, 50000000 };
    static const long vv[] = { 0, 1000, 5000000, 1000000000, -1, 1000000000 };
    if (chance(15))
        return chance(50) ? 0 : bad_ptr();
    long *p = (long *)pool_in(32);
    p[0] = 0;
    p[1] = PICK(iv);
    p[2] = chance(80) ? 0 : 1;
    p[3] = PICK(vv);
    return (long)p;
}

/* A signal mask without SIGALRM (so blocking calls stay interruptible). */
static long gen_sigmask(void)
{
    if (chance(20))                       /* unreadable only: a mask read from the text could hold SIGALRM */
        return PICK(((const long[]){ 0, (long)0xffff800000000000UL, (long)(pool + POOL_SIZE), -1, 8 }));
    u64 *p = (u64 *)pool_in(16);
    p[0] = chance(50) ? 0 : r64();
    p[1] = r64();
    p[0] &= ~(1ULL << (SIGALRM - 1));
    return (long)p;
}

static long gen_sigsetsize(void) { return chance(85) ? 8 : PICK(((const long[]){ 0, 4, 16, 128, -1 })); }

static long gen_sig(void)
{
    long s = chance(90) ? (long)rnd(66) : gen_int();
    if (s == SIGKILL || s == SIGSTOP)
        s = 0;
    return s;
}

static long gen_pid(void)
{
    switch (rnd(8)) {
    case 0: case 1: return 0;
    case 2: case 3: return mypid;
    case 4: return -1;
    case 5: return PICK(((const long[]){ 1, 2, 1000, INT_MAX, INT_MIN, 4194304 }));
    case 6: return -mypid;
    default: return gen_int();
    }
}

static long gen_uid(void) { return PICK(((const long[]){ 0, 0, -1, 1000, 65534, 0x7fffffff })); }

/* An iovec array: buffers in the pool, some invalid, lengths biased. */
static long gen_iovec(void)
{
    if (chance(10))
        return bad_ptr();
    struct iovec *v = (struct iovec *)pool_in(16 * sizeof(struct iovec));
    for (int i = 0; i < 16; i++) {
        v[i].iov_base = chance(85) ? (void *)pool_at(PAGE) : (void *)bad_ptr();
        v[i].iov_len = chance(80) ? (size_t)rnd(2 * PAGE) : (size_t)gen_len();
    }
    return (long)v;
}

static long gen_pollfds(void)
{
    if (chance(10))
        return bad_ptr();
    struct { int fd; short ev, rev; } *p = (void *)pool_in(16 * 8);
    for (int i = 0; i < 16; i++) {
        p[i].fd = chance(80) ? (int)gen_fd() : -1;
        if (p[i].fd == 1 || p[i].fd == 2)
            p[i].fd = -1;
        p[i].ev = (short)r64();
        p[i].rev = 0;
    }
    return (long)p;
}

static long gen_sockaddr(void)
{
    if (chance(10))
        return bad_ptr();
    char *p = pool_in(128);
    for (int i = 0; i < 128; i++)
        p[i] = (char)r64();
    unsigned short fam = PICK(((const unsigned short[]){ AF_UNIX, AF_INET, AF_INET6, AF_NETLINK,
                                                         AF_PACKET, 0, 0xffff, AF_INET }));
    memcpy(p, &fam, 2);
    if (fam == AF_UNIX && chance(70))
        strcpy(p + 2, chance(50) ? "/tmp/fz/sock" : "");
    if (fam == AF_INET && chance(70)) {
        struct sockaddr_in *s = (void *)p;
        s->sin_addr.s_addr = chance(50) ? htonl(INADDR_LOOPBACK) : 0;
        s->sin_port = htons(chance(50) ? 7777 : (unsigned short)rnd(65536));
    }
    return (long)p;
}

static long gen_socklen(void) { return PICK(((const long[]){ 0, 2, 3, 16, 28, 110, 128, -1, 12, 8 })); }

static long gen_msghdr(void)
{
    if (chance(10))
        return bad_ptr();
    struct msghdr *m = (void *)pool_in(sizeof(*m));
    m->msg_name = chance(50) ? NULL : (void *)gen_sockaddr();
    m->msg_namelen = (socklen_t)gen_socklen();
    m->msg_iov = (void *)gen_iovec();
    m->msg_iovlen = chance(80) ? rnd(17) : (size_t)gen_int();
    if (chance(30)) {
        struct cmsghdr *c = (void *)pool_in(64);
        c->cmsg_len = chance(80) ? CMSG_LEN(8) : (size_t)gen_len();
        c->cmsg_level = chance(80) ? SOL_SOCKET : (int)gen_int();
        c->cmsg_type = chance(50) ? SCM_RIGHTS : (int)rnd(5);
        int fds[2] = { (int)gen_fd(), (int)gen_fd() };
        memcpy(CMSG_DATA(c), fds, sizeof(fds));
        m->msg_control = c;
        m->msg_controllen = chance(80) ? CMSG_SPACE(8) : (size_t)gen_len();
    } else {
        m->msg_control = chance(70) ? NULL : (void *)gen_ptr();
        m->msg_controllen = (size_t)gen_len();
    }
    m->msg_flags = (int)gen_flags();
    return (long)m;
}

/* An address for a call that changes mappings: in the scratch reservation or invalid. */
static long gen_maddr(void)
{
    if (chance(15))                       /* never the program's own memory */
        return PICK(((const long[]){ 0, (long)0xffff800000000000UL, (long)0xffffffff80000000UL,
                                     (long)0x0000800000000000UL, -1, (long)PAGE, 3 * (long)PAGE,
                                     (long)0xffff800000000000UL - (long)PAGE }));
    long a = (long)res + (long)(rnd(RES_SIZE / PAGE) * PAGE);
    if (chance(10))
        a += (long)rnd(PAGE);
    return a;
}

static long gen_ioctl(void)
{
    static const long cmds[] = {
        0x5401, 0x5402, 0x5403, 0x5404, 0x540E, 0x540F, 0x5410, 0x5412, 0x5413, 0x5414, 0x541B,
        0x5421, 0x5422, 0x5451, 0x5450, 0x5452, 0x5422, 0x8912, 0x8913, 0x8915, 0x8921, 0x8927,
        0x8933, 0x80086601, 0x40086602, 1, 2, 0x80081272, 0x1260, 0x541C, 0x5424, 0x5425,
        0x894c, 0x8906, 0x8907,
    };
    switch (rnd(4)) {
    case 0: case 1: return PICK(cmds);
    case 2: return (long)((rnd(4) << 30) | (rnd(256) << 16) | (rnd(256) << 8) | rnd(256));
    default: return gen_int();
    }
}

static long gen_fcntl(void)
{
    static const long cmds[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 16, 36, 37, 38, 1024,
                                 1025, 1026, 1030, 1031, 1032, 1033, 1034, 1035, 1036, 1037, 1038 };
    return chance(85) ? PICK(cmds) : gen_int();
}

/* One argument from its signature letter. */
static long gen_arg(char c)
{
    switch (c) {
    case 'f': return gen_fd();
    case 'd': return gen_dirfd();
    case 'p': return gen_ptr();
    case 'l': return gen_len();
    case 'i': return gen_int();
    case 'x': return gen_flags();
    case 's': return gen_path();
    case 'a': return gen_maddr();
    case 't': return gen_timespec();
    case 'T': return gen_itimerspec();
    case 'm': return gen_sigmask();
    case 'k': return gen_sigsetsize();
    case 'g': return gen_sig();
    case 'n': return gen_pid();
    case 'u': return gen_uid();
    case 'o': return chance(50) ? (long)rnd(3 * PAGE) : gen_int();
    case 'v': return gen_iovec();
    case 'P': return gen_pollfds();
    case 'e': return gen_sockaddr();
    case 'E': return gen_socklen();
    case 'M': return gen_msghdr();
    case 'c': return chance(70) ? (long)rnd(24) : gen_int();
    case 'I': return gen_ioctl();
    case 'F': return gen_fcntl();
    default: return chance(50) ? gen_int() : gen_ptr();
    }
}

/* ---------------------------------------------------------------- the table */

/* Signature letters, one per argument:
 *  f fd  d dirfd  p buffer pointer  l length  i int  x flags  s path  a address in
 *  the scratch area (calls that change mappings)  t timespec*  T itimerspec*  m sigset*
 *  k sigset size  g signal  n pid  u uid/gid  o offset  v iovec*  P pollfd*
 *  e sockaddr*  E socklen  M msghdr*  c small command  I ioctl request  F fcntl command
 *  z anything.  A NULL signature: never made (see the header). */
struct call {
    const char *name, *sig;
};

#define C(nr, name, sig) [nr] = { name, sig }
static const struct call table[NR_LIMIT] = {
    C(0, "read", "fpl"), C(1, "write", "fpl"), C(2, "open", "sxx"), C(3, "close", "f"),
    C(4, "stat", "sp"), C(5, "fstat", "fp"), C(6, "lstat", "sp"), C(7, "poll", "Pci"),
    C(8, "lseek", "foi"), C(9, "mmap", "alxxfo"), C(10, "mprotect", "alx"), C(11, "munmap", "al"),
    C(12, "brk", "z"), C(13, "rt_sigaction", "gppk"), C(14, "rt_sigprocmask", "cppk"),
    C(15, "rt_sigreturn", NULL), C(16, "ioctl", "fIp"), C(17, "pread64", "fplo"),
    C(18, "pwrite64", "fplo"), C(19, "readv", "fvc"), C(20, "writev", "fvc"),
    C(21, "access", "sx"), C(22, "pipe", "p"), C(23, "select", "ipppt"),
    C(24, "sched_yield", ""), C(25, "mremap", "allxa"), C(26, "msync", "alx"),
    C(27, "mincore", "alp"), C(28, "madvise", "alc"), C(29, "shmget", "ilx"),
    C(30, "shmat", "iax"), C(31, "shmctl", "icp"), C(32, "dup", "f"), C(33, "dup2", "ff"),
    C(34, "pause", ""), C(35, "nanosleep", "tp"), C(36, "getitimer", "cp"), C(37, "alarm", "c"),
    C(38, "setitimer", "cTp"), C(39, "getpid", ""), C(40, "sendfile", "ffpl"),
    C(41, "socket", "cxc"), C(42, "connect", "feE"), C(43, "accept", "fpp"),
    C(44, "sendto", "fplxeE"), C(45, "recvfrom", "fplxpp"), C(46, "sendmsg", "fMx"),
    C(47, "recvmsg", "fMx"), C(48, "shutdown", "fc"), C(49, "bind", "feE"), C(50, "listen", "fi"),
    C(51, "getsockname", "fpp"), C(52, "getpeername", "fpp"), C(53, "socketpair", "cxcp"),
    C(54, "setsockopt", "fccpl"), C(55, "getsockopt", "fccpp"), C(56, "clone", NULL),
    C(57, "fork", NULL), C(58, "vfork", NULL), C(59, "execve", NULL), C(60, "exit", NULL),
    C(61, "wait4", "npxp"), C(62, "kill", "ng"), C(63, "uname", "p"), C(64, "semget", "icx"),
    C(65, "semop", "ipc"), C(66, "semctl", "iccz"), C(67, "shmdt", "a"), C(68, "msgget", "ix"),
    C(69, "msgsnd", "iplx"), C(70, "msgrcv", "iplix"), C(71, "msgctl", "icp"),
    C(72, "fcntl", "fFz"), C(73, "flock", "fc"), C(74, "fsync", "f"), C(75, "fdatasync", "f"),
    C(76, "truncate", "so"), C(77, "ftruncate", "fo"), C(78, "getdents", "fpl"),
    C(79, "getcwd", "pl"), C(80, "chdir", "s"), C(81, "fchdir", "f"), C(82, "rename", "ss"),
    C(83, "mkdir", "sx"), C(84, "rmdir", "s"), C(85, "creat", "sx"), C(86, "link", "ss"),
    C(87, "unlink", "s"), C(88, "symlink", "ss"), C(89, "readlink", "spl"), C(90, "chmod", "sx"),
    C(91, "fchmod", "fx"), C(92, "chown", "suu"), C(93, "fchown", "fuu"), C(94, "lchown", "suu"),
    C(95, "umask", "x"), C(96, "gettimeofday", "pp"), C(97, "getrlimit", "cp"),
    C(98, "getrusage", "ip"), C(99, "sysinfo", "p"), C(100, "times", "p"),
    C(101, "ptrace", "cnpp"), C(102, "getuid", ""), C(103, "syslog", "cpl"), C(104, "getgid", ""),
    C(105, "setuid", "u"), C(106, "setgid", "u"), C(107, "geteuid", ""), C(108, "getegid", ""),
    C(109, "setpgid", "nn"), C(110, "getppid", ""), C(111, "getpgrp", ""), C(112, "setsid", ""),
    C(113, "setreuid", "uu"), C(114, "setregid", "uu"), C(115, "getgroups", "cp"),
    C(116, "setgroups", "cp"), C(117, "setresuid", "uuu"), C(118, "getresuid", "ppp"),
    C(119, "setresgid", "uuu"), C(120, "getresgid", "ppp"), C(121, "getpgid", "n"),
    C(122, "setfsuid", "u"), C(123, "setfsgid", "u"), C(124, "getsid", "n"),
    C(125, "capget", "pp"), C(126, "capset", "pp"), C(127, "rt_sigpending", "pk"),
    C(128, "rt_sigtimedwait", "pptk"), C(129, "rt_sigqueueinfo", "ngp"),
    C(130, "rt_sigsuspend", "mk"), C(131, "sigaltstack", "pp"), C(132, "utime", "sp"),
    C(133, "mknod", "sxi"), C(134, "uselib", "s"), C(135, "personality", NULL),
    C(136, "ustat", "ip"), C(137, "statfs", "sp"), C(138, "fstatfs", "fp"), C(139, "sysfs", "czp"),
    C(140, "getpriority", "cn"), C(141, "setpriority", "cni"), C(142, "sched_setparam", "np"),
    C(143, "sched_getparam", "np"), C(144, "sched_setscheduler", "ncp"),
    C(145, "sched_getscheduler", "n"), C(146, "sched_get_priority_max", "c"),
    C(147, "sched_get_priority_min", "c"), C(148, "sched_rr_get_interval", "np"),
    C(149, "mlock", "al"), C(150, "munlock", "al"), C(151, "mlockall", "x"),
    C(152, "munlockall", ""), C(153, "vhangup", ""), C(154, "modify_ldt", "cpl"),
    C(155, "pivot_root", "ss"), C(156, "_sysctl", "p"), C(157, "prctl", "czzzz"),
    C(158, "arch_prctl", "cz"), C(159, "adjtimex", "p"), C(160, "setrlimit", "cp"),
    C(161, "chroot", "s"), C(162, "sync", ""), C(163, "acct", "s"), C(164, "settimeofday", "pp"),
    C(165, "mount", "sssxp"), C(166, "umount2", "sx"), C(167, "swapon", "sx"),
    C(168, "swapoff", "s"), C(169, "reboot", NULL), C(170, "sethostname", "pl"),
    C(171, "setdomainname", "pl"), C(172, "iopl", "c"), C(173, "ioperm", "llc"),
    C(174, "create_module", "sl"), C(175, "init_module", "pls"), C(176, "delete_module", "sx"),
    C(177, "get_kernel_syms", "p"), C(178, "query_module", "scplp"), C(179, "quotactl", "isip"),
    C(180, "nfsservctl", "cpp"), C(181, "getpmsg", "zzzzz"), C(182, "putpmsg", "zzzzz"),
    C(183, "afs_syscall", "zzzzz"), C(184, "tuxcall", "zzz"), C(185, "security", "zzz"),
    C(186, "gettid", ""), C(187, "readahead", "fol"), C(188, "setxattr", "ssplx"),
    C(189, "lsetxattr", "ssplx"), C(190, "fsetxattr", "fsplx"), C(191, "getxattr", "sspl"),
    C(192, "lgetxattr", "sspl"), C(193, "fgetxattr", "fspl"), C(194, "listxattr", "spl"),
    C(195, "llistxattr", "spl"), C(196, "flistxattr", "fpl"), C(197, "removexattr", "ss"),
    C(198, "lremovexattr", "ss"), C(199, "fremovexattr", "fs"), C(200, "tkill", "ng"),
    C(201, "time", "p"), C(202, "futex", "pcitpi"), C(203, "sched_setaffinity", "nlp"),
    C(204, "sched_getaffinity", "nlp"), C(205, "set_thread_area", "p"), C(206, "io_setup", "cp"),
    C(207, "io_destroy", "z"), C(208, "io_getevents", "zccpt"), C(209, "io_submit", "zcp"),
    C(210, "io_cancel", "zpp"), C(211, "get_thread_area", "p"), C(212, "lookup_dcookie", "opl"),
    C(213, "epoll_create", "i"), C(214, "epoll_ctl_old", "zzzz"), C(215, "epoll_wait_old", "zzzz"),
    C(216, "remap_file_pages", "alxix"), C(217, "getdents64", "fpl"),
    C(218, "set_tid_address", "p"), C(219, "restart_syscall", ""), C(220, "semtimedop", "ipct"),
    C(221, "fadvise64", "foli"), C(222, "timer_create", "cpp"), C(223, "timer_settime", "cxTp"),
    C(224, "timer_gettime", "cp"), C(225, "timer_getoverrun", "c"), C(226, "timer_delete", "c"),
    C(227, "clock_settime", "cp"), C(228, "clock_gettime", "cp"), C(229, "clock_getres", "cp"),
    C(230, "clock_nanosleep", "cxtp"), C(231, "exit_group", NULL), C(232, "epoll_wait", "fpii"),
    C(233, "epoll_ctl", "fcfp"), C(234, "tgkill", "nng"), C(235, "utimes", "sp"),
    C(236, "vserver", "zzz"), C(237, "mbind", "alcplx"), C(238, "set_mempolicy", "cpl"),
    C(239, "get_mempolicy", "pplpx"), C(240, "mq_open", "sxxp"), C(241, "mq_unlink", "s"),
    C(242, "mq_timedsend", "fplit"), C(243, "mq_timedreceive", "fplpt"), C(244, "mq_notify", "fp"),
    C(245, "mq_getsetattr", "fpp"), C(246, "kexec_load", NULL), C(247, "waitid", "cnpxp"),
    C(248, "add_key", "ssplc"), C(249, "request_key", "sssc"), C(250, "keyctl", "czzzz"),
    C(251, "ioprio_set", "cni"), C(252, "ioprio_get", "cn"), C(253, "inotify_init", ""),
    C(254, "inotify_add_watch", "fsx"), C(255, "inotify_rm_watch", "fc"),
    C(256, "migrate_pages", "nlpp"), C(257, "openat", "dsxx"), C(258, "mkdirat", "dsx"),
    C(259, "mknodat", "dsxi"), C(260, "fchownat", "dsuux"), C(261, "futimesat", "dsp"),
    C(262, "newfstatat", "dspx"), C(263, "unlinkat", "dsx"), C(264, "renameat", "dsds"),
    C(265, "linkat", "dsdsx"), C(266, "symlinkat", "sds"), C(267, "readlinkat", "dspl"),
    C(268, "fchmodat", "dsx"), C(269, "faccessat", "dsx"), C(270, "pselect6", "ippptz"),
    C(271, "ppoll", "Pctmk"), C(272, "unshare", "x"), C(273, "set_robust_list", "pl"),
    C(274, "get_robust_list", "npp"), C(275, "splice", "fpfplx"), C(276, "tee", "fflx"),
    C(277, "sync_file_range", "foox"), C(278, "vmsplice", "fvcx"), C(279, "move_pages", "nlpppx"),
    C(280, "utimensat", "dspx"), C(281, "epoll_pwait", "fpiimk"), C(282, "signalfd", "fmk"),
    C(283, "timerfd_create", "cx"), C(284, "eventfd", "i"), C(285, "fallocate", "fxoo"),
    C(286, "timerfd_settime", "fxTp"), C(287, "timerfd_gettime", "fp"), C(288, "accept4", "fppx"),
    C(289, "signalfd4", "fmkx"), C(290, "eventfd2", "ix"), C(291, "epoll_create1", "x"),
    C(292, "dup3", "ffx"), C(293, "pipe2", "px"), C(294, "inotify_init1", "x"),
    C(295, "preadv", "fvcoo"), C(296, "pwritev", "fvcoo"), C(297, "rt_tgsigqueueinfo", "nngp"),
    C(298, "perf_event_open", "pnifx"), C(299, "recvmmsg", "fpcxt"), C(300, "fanotify_init", "xx"),
    C(301, "fanotify_mark", "fxxds"), C(302, "prlimit64", "ncpp"),
    C(303, "name_to_handle_at", "dsppx"), C(304, "open_by_handle_at", "fpx"),
    C(305, "clock_adjtime", "cp"), C(306, "syncfs", "f"), C(307, "sendmmsg", "fpcx"),
    C(308, "setns", "fx"), C(309, "getcpu", "ppp"), C(310, "process_vm_readv", "nvcvcx"),
    C(311, "process_vm_writev", "nvcvcx"), C(312, "kcmp", "nnccc"), C(313, "finit_module", "fsx"),
    C(314, "sched_setattr", "npx"), C(315, "sched_getattr", "nplx"), C(316, "renameat2", "dsdsx"),
    C(317, "seccomp", NULL), C(318, "getrandom", "plx"), C(319, "memfd_create", "sx"),
    C(320, "kexec_file_load", NULL), C(321, "bpf", "cpl"), C(322, "execveat", NULL),
    C(323, "userfaultfd", "x"), C(324, "membarrier", "xxi"), C(325, "mlock2", "alx"),
    C(326, "copy_file_range", "fpfplx"), C(327, "preadv2", "fvcoox"),
    C(328, "pwritev2", "fvcoox"), C(329, "pkey_mprotect", "alxc"), C(330, "pkey_alloc", "xx"),
    C(331, "pkey_free", "c"), C(332, "statx", "dsxxp"), C(333, "io_pgetevents", "zccptz"),
    C(334, "rseq", "plxi"),
    C(424, "pidfd_send_signal", "fgpx"), C(425, "io_uring_setup", "cp"),
    C(426, "io_uring_enter", "fccxpl"), C(427, "io_uring_register", "fcpc"),
    C(428, "open_tree", "dsx"), C(429, "move_mount", "dsdsx"), C(430, "fsopen", "sx"),
    C(431, "fsconfig", "fcspc"), C(432, "fsmount", "fxx"), C(433, "fspick", "dsx"),
    C(434, "pidfd_open", "nx"), C(435, "clone3", NULL), C(436, "close_range", "iix"),
    C(437, "openat2", "dspl"), C(438, "pidfd_getfd", "fcx"), C(439, "faccessat2", "dsxx"),
    C(440, "process_madvise", "fvcix"), C(441, "epoll_pwait2", "fpitmk"),
    C(442, "mount_setattr", "dsxpl"), C(443, "quotactl_fd", "fcip"),
    C(444, "landlock_create_ruleset", "plx"), C(445, "landlock_add_rule", "fcpx"),
    C(446, "landlock_restrict_self", "fx"), C(447, "memfd_secret", "x"),
    C(448, "process_mrelease", "fx"), C(449, "futex_waitv", "pcxtc"),
    C(450, "set_mempolicy_home_node", "alcx"), C(451, "cachestat", "fppx"),
    C(452, "fchmodat2", "dsxx"), C(453, "map_shadow_stack", "alx"), C(454, "futex_wake", "pxcx"),
    C(455, "futex_wait", "pxxxtc"), C(456, "futex_requeue", "pxcc"), C(457, "statmount", "pplx"),
    C(458, "listmount", "pplx"), C(459, "lsm_get_self_attr", "cppx"),
    C(460, "lsm_set_self_attr", "cplx"), C(461, "lsm_list_modules", "ppx"), C(462, "mseal", "alx"),
    C(463, "setxattrat", "dsxspl"), C(464, "getxattrat", "dsxspl"),
    C(465, "listxattrat", "dsxpl"), C(466, "removexattrat", "dsxs"),
    C(467, "open_tree_attr", "dsxpl"),
};

/* ---------------------------------------------------------------- signals and timer */

static volatile long cur_call;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if ((sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE) && si->si_code > 0) {
        char b[160];
        snprintf(b, sizeof(b), "sysfuzz: real signal %d (code %d, address %p) after call %ld\n",
                 sig, si->si_code, si->si_addr, cur_call);
        out(2, b);
        out(1, b);
        sc(SYS_exit_group, 3, 0, 0);
    }
}

static void arm_timer(void)
{
    struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
    sc(SYS_setitimer, ITIMER_REAL, &it, 0);
}

/* The signal return trampoline for raw rt_sigaction (glibc's sigaction
 * refuses its own signals 32 and 33, which would then end the program). */
void sysfuzz_restorer(void);
__asm__(".text\n.globl sysfuzz_restorer\nsysfuzz_restorer:\n"
        "\tmov $15, %eax\n\tsyscall\n\thlt\n");

/* Every catchable signal to the no-op handler, the empty mask, no altstack. */
static void signals_reset(void)
{
    struct { void *handler; unsigned long flags; void *restorer; u64 mask; } sa = {
        (void *)on_signal, SA_SIGINFO | 0x04000000 /* SA_RESTORER */, (void *)sysfuzz_restorer, 0,
    };                                    /* no SA_RESTART: blocked calls end with EINTR */
    for (int s = 1; s < 65; s++)
        if (s != SIGKILL && s != SIGSTOP)
            raw6(SYS_rt_sigaction, s, (long)&sa, 0, 8, 0, 0);
    stack_t ss = { .ss_flags = SS_DISABLE };
    sc(SYS_sigaltstack, &ss, 0, 0);
    u64 none = 0;
    raw6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, 8, 0, 0);
}

static void block_all(void)
{
    u64 all = ~0ULL;
    raw6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, 8, 0, 0);
}

/* ---------------------------------------------------------------- reset */

/* Remove a directory tree (fds are closed first by the caller). */
static void rmtree(int parent, const char *name, int depth)
{
    if (sc(SYS_unlinkat, parent, name, 0) == 0 || depth > 8)
        return;
    int d = (int)raw6(SYS_openat, parent, (long)name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, 0, 0);
    if (d >= 0) {
        static char buf[10][4096];
        for (int pass = 0; pass < 20; pass++) {
            int found = 0;
            sc(SYS_lseek, d, 0, SEEK_SET);
            long n = sc(SYS_getdents64, d, buf[depth], sizeof(buf[depth]));
            for (long o = 0; o + 19 < n;) {
                unsigned short rl;
                memcpy(&rl, buf[depth] + o + 16, 2);
                const char *nm = buf[depth] + o + 19;
                if (strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0) {
                    char nb[256];
                    snprintf(nb, sizeof(nb), "%s", nm);
                    rmtree(d, nb, depth + 1);
                    found = 1;
                }
                if (rl == 0)
                    break;
                o += rl;
            }
            if (!found)
                break;
        }
        sc(SYS_close, d, 0, 0);
    }
    sc(SYS_unlinkat, parent, name, AT_REMOVEDIR);
}

static void add_fx(long fd)
{
    if (fd >= 0 && nfx < (int)(sizeof(fx) / sizeof(fx[0])))
        fx[nfx++] = (int)fd;
}

static void map_scratch(void)
{
    void *r = mmap(res, RES_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | (res ? MAP_FIXED : 0), -1, 0);
    if (r == MAP_FAILED)                  /* sealed, say: take a fresh one */
        r = mmap(NULL, RES_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED) {
        out(1, "sysfuzz: cannot map the scratch area\n");
        sc(SYS_exit_group, 2, 0, 0);
    }
    res = r;
    mmap(res + RES_SIZE / 4, RES_SIZE / 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

static void reset(void)
{
    block_all();
    if (sc(SYS_close_range, 3, ~0U, 0) != 0)
        for (int i = 3; i < 1100; i++)    /* close_range missing or broken */
            sc(SYS_close, i, 0, 0);
    for (int i = 0; i < ntimers; i++)
        sc(SYS_timer_delete, timers[i], 0, 0);
    ntimers = 0;
    for (int i = 0; i < naio; i++)
        sc(SYS_io_destroy, aio_ctx[i], 0, 0);
    naio = 0;
    sc(SYS_munmap, pool + POOL_SIZE, PAGE, 0);   /* whatever landed there: the hole again */
    for (int i = 0; i < nshm; i++)
        sc(SYS_shmctl, ipc_shm[i], IPC_RMID, 0);
    for (int i = 0; i < nsem; i++)
        sc(SYS_semctl, ipc_sem[i], 0, IPC_RMID);
    for (int i = 0; i < nmsg; i++)
        sc(SYS_msgctl, ipc_msg[i], IPC_RMID, 0);
    nshm = nsem = nmsg = 0;
    sc(SYS_mq_unlink, "/fzq", 0, 0);
    sc(SYS_setresuid, 0, 0, 0);
    sc(SYS_setresgid, 0, 0, 0);
    sc(SYS_setfsuid, 0, 0, 0);
    sc(SYS_setfsgid, 0, 0, 0);
    sc(SYS_chdir, "/tmp", 0, 0);
    for (int i = 0; i < 50 && (sc(SYS_umount2, "/tmp/fz/d0", MNT_DETACH, 0) == 0 ||
                                sc(SYS_umount2, "/tmp/fz/d1", MNT_DETACH, 0) == 0); i++)
        ;
    rmtree(AT_FDCWD, "/tmp/fz", 0);
    sc(SYS_mkdir, "/tmp/fz", 0777, 0);
    sc(SYS_chdir, "/tmp/fz", 0, 0);
    sc(SYS_umask, 022, 0, 0);
    sc(SYS_mkdir, "/tmp/fz/d0", 0755, 0);
    sc(SYS_symlink, "f0", "/tmp/fz/lnk", 0);

    nfx = 0;
    long f = raw6(SYS_openat, AT_FDCWD, (long)"/tmp/fz/f0", O_RDWR | O_CREAT, 0644, 0, 0);
    if (f >= 0)
        sc(SYS_pwrite64, f, "hello sysfuzz\n", 14);
    add_fx(f);
    dirfd_fx = (int)raw6(SYS_openat, AT_FDCWD, (long)"/tmp/fz", O_RDONLY | O_DIRECTORY, 0, 0, 0);
    add_fx(dirfd_fx);
    int p[2];
    if (sc(SYS_pipe2, p, O_NONBLOCK * (int)rnd(2), 0) == 0) {
        add_fx(p[0]);
        add_fx(p[1]);
    }
    add_fx(sc(SYS_eventfd2, 0, 0, 0));
    int sv[2];
    if (raw6(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)sv, 0, 0) == 0) {
        add_fx(sv[0]);
        add_fx(sv[1]);
    }
    add_fx(sc(SYS_socket, AF_INET, SOCK_STREAM, 0));
    add_fx(sc(SYS_socket, AF_INET, SOCK_DGRAM, 0));
    long ep = sc(SYS_epoll_create1, 0, 0, 0);
    if (ep >= 0 && nfx > 2) {
        struct epoll_event ev = { .events = EPOLLIN };
        raw6(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, fx[2], (long)&ev, 0, 0);
    }
    add_fx(ep);
    add_fx(raw6(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDWR, 0, 0, 0));
    add_fx(sc(SYS_memfd_create, "sysfuzz", 0, 0));
    add_fx(sc(SYS_timerfd_create, CLOCK_MONOTONIC, 0, 0));
    add_fx(sc(SYS_inotify_init1, 0, 0, 0));
    add_fx(raw6(SYS_openat, AT_FDCWD, (long)"/proc/self/status", O_RDONLY, 0, 0, 0));

    map_scratch();
    for (size_t i = 0; i < POOL_SIZE; i += 8) {
        u64 v = i < POOL_SIZE / 4 ? 0 : r64();
        if (i >= POOL_SIZE / 2 && (v & 7) == 0)     /* some pool pointers among the noise */
            v = (u64)(pool + (v >> 8) % POOL_SIZE);
        memcpy(pool + i, &v, 8);
    }
    signals_reset();
    arm_timer();
}

/* ---------------------------------------------------------------- taming */

static int is_sync_sig(long s) { return s == SIGSEGV || s == SIGBUS || s == SIGILL || s == SIGFPE; }

static void clip_len(long addr, long *len)
{
    char *a = (char *)addr;
    if ((u64)addr < 0x100000 && (*len < 0 || (u64)addr + (u64)*len > 0x100000))
        *len = 0x100000 - addr;           /* low pages: never reach the program at 4 MiB */
    if (a >= res && a < res + RES_SIZE && (*len < 0 || a + *len > res + RES_SIZE || a + *len < a))
        *len = (long)(res + RES_SIZE - a);
}

static int safe_ptr(long p) { return (u64)p >= (u64)pool && (u64)p <= (u64)pool + POOL_SIZE - 8; }

/* Adjust args of calls that could end or wedge the program; 0 = make the call. */
static int tame(long nr, long *a)
{
    switch (nr) {
    case SYS_brk:
        if (a[0] != 0 && (u64)a[0] < brk0 && (u64)a[0] >= ((u64)end & ~(PAGE - 1)))
            a[0] = (long)brk0 + (long)rnd(1 << 20);
        break;
    case SYS_mmap:
        if ((a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && !((char *)a[0] >= res && (char *)a[0] < res + RES_SIZE))
            a[3] &= ~(long)(MAP_FIXED | MAP_FIXED_NOREPLACE);
        clip_len(a[0], &a[1]);
        break;
    case SYS_mprotect: case SYS_munmap: case SYS_msync: case SYS_madvise: case SYS_mlock:
    case SYS_munlock: case SYS_mlock2: case SYS_remap_file_pages: case SYS_pkey_mprotect:
    case SYS_mbind: case 450: case 462: case SYS_mincore:
        clip_len(a[0], &a[1]);
        break;
    case SYS_mremap:
        clip_len(a[0], &a[1]);
        clip_len(a[4], &a[2]);
        if ((a[3] & MREMAP_FIXED) && !((char *)a[4] >= res && (char *)a[4] < res + RES_SIZE))
            a[3] &= ~(long)MREMAP_FIXED;
        break;
    case SYS_shmat:
        if (a[1] != 0 && !((char *)a[1] >= res && (char *)a[1] < res + RES_SIZE))
            a[1] = 0;
        break;
    case SYS_kill: case SYS_tkill:
        break;                            /* gen_sig never gives SIGKILL/SIGSTOP */
    case SYS_rt_sigqueueinfo: case SYS_rt_tgsigqueueinfo: case SYS_pidfd_send_signal: {
        long sig = nr == SYS_rt_tgsigqueueinfo ? a[2] : a[1];
        long info = nr == SYS_rt_tgsigqueueinfo ? a[3] : a[2];
        if (is_sync_sig(sig) && info != 0 && !safe_ptr(info))
            return 1;                     /* cannot vouch for si_code */
        if (safe_ptr(info) && (char *)info + 16 <= pool + POOL_SIZE) {
            int code = (int)(chance(70) ? -1 : (int)gen_int());
            if (is_sync_sig(sig) && code >= 0)
                code = -1;
            memcpy((char *)info + 8, &code, 4);
        }
        break;
    }
    case SYS_setuid: case SYS_setgid: case SYS_setfsuid: case SYS_setfsgid:
    case SYS_setreuid: case SYS_setregid: case SYS_setresuid: case SYS_setresgid:
        for (int i = 0; i < 3; i++)
            a[i] = (a[i] == -1) ? -1 : 0;
        break;
    case SYS_setrlimit: case SYS_prlimit64: {
        u32 res_ = (u32)(nr == SYS_setrlimit ? a[0] : a[1]);   /* unsigned int in Linux */
        long *newp = nr == SYS_setrlimit ? &a[1] : &a[2];
        static const u32 unsafe[] = { RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK,
                                       RLIMIT_AS, RLIMIT_NOFILE, RLIMIT_RTTIME };
        for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++) {
            if (res_ != unsafe[i] || *newp == 0)
                continue;
            if (safe_ptr(*newp) && (u64)*newp + 16 <= (u64)pool + POOL_SIZE) {
                long *l = (long *)*newp;
                l[0] = l[1] = -1;         /* RLIM_INFINITY: only ever raise */
            } else {
                *newp = (long)0xffff800000000000UL;   /* not the read-only page or the text */
            }
        }
        break;
    }
    case SYS_prctl:
        if (a[0] == 22 || a[0] == 26 || a[0] == 35 || a[0] == 59)
            return 1;
        break;
    case SYS_arch_prctl:
        if (a[0] == 0x1002 || (a[0] >= 0x5001 && a[0] <= 0x5005))
            return 1;
        break;
    case SYS_ptrace:
        if (a[0] == 0)
            return 1;
        break;
    case SYS_rseq:                        /* a registration would make the pool its rseq area */
        if (safe_ptr(a[0]) && a[1] == 32 && (a[2] & 1) == 0)
            a[1] = 31;
        break;
    case SYS_fcntl:                       /* F_SETSIG: no SIGKILL/SIGSTOP for O_ASYNC */
        if (a[1] == 10 && (a[2] == SIGKILL || a[2] == SIGSTOP))
            a[2] = 0;
        break;
    case SYS_close:                       /* fds are unsigned int: the low half counts */
        if ((u32)a[0] == 1 || (u32)a[0] == 2)
            return 1;
        break;
    case SYS_close_range:
        if ((u32)a[0] < 3)
            a[0] = 3;
        if ((u32)a[1] < 3)
            a[1] = 3;
        break;
    case SYS_chroot:
        a[0] = bad_ptr();
        break;
    case SYS_pivot_root:
        a[0] = bad_ptr();
        break;
    case SYS_mount: case SYS_umount2: {
        long *t = nr == SYS_mount ? &a[1] : &a[0];
        if (safe_ptr(*t) && (char *)*t + 16 <= pool + POOL_SIZE)
            strcpy((char *)*t, chance(50) ? "/tmp/fz/d0" : "/tmp/fz/d1");
        break;
    }
    case SYS_pselect6:
        if (chance(80)) {                 /* { const sigset_t *ss; size_t ss_len; } */
            long *s = (long *)pool_in(16);
            s[0] = gen_sigmask();
            s[1] = gen_sigsetsize();
            a[5] = (long)s;
        } else if (chance(50)) {
            a[5] = bad_ptr();
        }
        break;
    case SYS_io_pgetevents:
        if (chance(80)) {
            long *s = (long *)pool_in(16);
            s[0] = gen_sigmask();
            s[1] = gen_sigsetsize();
            a[5] = (long)s;
        } else {
            a[5] = 0;
        }
        break;
    case SYS_dup2: case SYS_dup3:
        if ((u32)a[1] == 1 || (u32)a[1] == 2)
            a[1] = 3 + (long)rnd(40);
        break;
    }
    return 0;
}

/* Clean up what a successful call left that later calls must not trip over. */
static void after(long nr, const long *a, long r)
{
    int ok = r >= 0 || r < -4095;
    switch (nr) {
    case SYS_rt_sigaction: case SYS_rt_sigprocmask: case SYS_sigaltstack:
        signals_reset();
        break;
    case SYS_setitimer: case SYS_alarm:
        arm_timer();
        break;
    case SYS_mmap: case SYS_mremap: case 453:
        if (ok && !((char *)r >= res && (char *)r < res + RES_SIZE))
            sc(SYS_munmap, r, nr == SYS_mremap ? a[2] : a[1], 0);
        break;
    case SYS_shmat:
        if (ok && !((char *)r >= res && (char *)r < res + RES_SIZE))
            sc(SYS_shmdt, r, 0, 0);
        break;
    case SYS_shmget:
        if (r >= 0 && nshm < 16)
            ipc_shm[nshm++] = (int)r;
        break;
    case SYS_semget:
        if (r >= 0 && nsem < 16)
            ipc_sem[nsem++] = (int)r;
        break;
    case SYS_msgget:
        if (r >= 0 && nmsg < 16)
            ipc_msg[nmsg++] = (int)r;
        break;
    case SYS_io_setup:                    /* the ring is mapped in the program: keep the hole a hole */
        if (r == 0 && safe_ptr(a[1])) {
            u64 ctx;
            memcpy(&ctx, (void *)a[1], 8);
            if (ctx + 64 * PAGE > (u64)pool + POOL_SIZE && ctx < (u64)pool + POOL_SIZE + PAGE)
                sc(SYS_io_destroy, ctx, 0, 0);
            else if (naio < 16)
                aio_ctx[naio++] = ctx;
        }
        break;
    case SYS_timer_create:
        if (r == 0 && safe_ptr(a[2]) && ntimers < 32)
            memcpy(&timers[ntimers++], (void *)a[2], 4);
        break;
    }
}

/* ---------------------------------------------------------------- main loop */

static void log_call(long i, long nr, const long *a, int nargs)
{
    char b[400];
    int n = snprintf(b, sizeof(b), "#%ld %s(", i, table[nr].name ? table[nr].name : "?");
    const char *sig = table[nr].sig != NULL ? table[nr].sig : "";
    for (int k = 0; k < nargs && n < (int)sizeof(b) - 100; k++) {
        if (sig[k] == 's' && safe_ptr(a[k]))     /* a path: show it */
            n += snprintf(b + n, sizeof(b) - (size_t)n, "%s\"%.*s\"", k ? ", " : "",
                          (int)MIN(60, pool + POOL_SIZE - (char *)a[k]), (const char *)a[k]);
        else
            n += snprintf(b + n, sizeof(b) - (size_t)n, "%s%#lx", k ? ", " : "", (unsigned long)a[k]);
    }
    snprintf(b + n, sizeof(b) - (size_t)n, ") [nr %ld]\n", nr);
    out(2, b);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        out(2, "usage: sysfuzz SEED [NCALLS]\n");
        return 2;
    }
    u64 seed = strtoull(argv[1], NULL, 0);
    long ncalls = argc > 2 ? strtol(argv[2], NULL, 0) : 20000;
    const char *v = getenv("SYSFUZZ_VERBOSE");
    if (v != NULL)
        logfrom = strtol(v, NULL, 0);
    const char *rg = getenv("SYSFUZZ_RANGE");
    if (rg != NULL) {
        char *e;
        lo = strtol(rg, &e, 0);
        hi = *e == '-' ? strtol(e + 1, NULL, 0) : lo;
    }
    only = getenv("SYSFUZZ_ONLY");
    check_hole = getenv("SYSFUZZ_CHECK") != NULL;
    rng = seed;
    mypid = (int)sc(SYS_getpid, 0, 0, 0);

    char *p = mmap(NULL, POOL_SIZE + 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        out(1, "sysfuzz: cannot map the pool\n");
        return 2;
    }
    mprotect(p, PAGE, PROT_READ);
    munmap(p + PAGE + POOL_SIZE, PAGE);
    pool = p + PAGE;
    brk0 = (u64)sc(SYS_brk, 0, 0, 0);
    reset();

    long made = 0, okc = 0, enosys = 0, skipped = 0;
    char b[160];
    for (long i = 0; i < ncalls; i++) {
        if (i > 0 && i % RESET_EVERY == 0)
            reset();
        if (i > 0 && i % 1000 == 0) {
            snprintf(b, sizeof(b), "sysfuzz: %ld calls\n", i);
            out(1, b);
        }
        long nr;
        do {
            nr = chance(1) ? (long)rnd(NR_LIMIT + 30) : (long)rnd(NR_LIMIT);
        } while (nr < NR_LIMIT && (table[nr].name == NULL || table[nr].sig == NULL));
        const char *sig = nr < NR_LIMIT ? table[nr].sig : "zzzzzz";
        long a[6];
        int nargs = (int)strlen(sig);
        for (int k = 0; k < 6; k++)
            a[k] = k < nargs ? gen_arg(sig[k]) : (long)r64();
        if (tame(nr, a) != 0 || i < lo || i > hi || (only != NULL && !in_only(i))) {
            skipped++;
            continue;
        }
        if (logfrom >= 0 && i >= logfrom)
            log_call(i, nr, a, nargs);
        cur_call = i;
        int masked = nr == SYS_rt_sigaction || nr == SYS_rt_sigprocmask;
        if (masked)
            block_all();
        long r = raw6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        after(nr, a, r);
        if (check_hole) {                 /* SYSFUZZ_CHECK: who maps the page after the pool, closes 1 or 2? */
            unsigned char vec;
            if (sc(SYS_mincore, pool + POOL_SIZE, PAGE, &vec) == 0) {
                snprintf(b, sizeof(b), "sysfuzz: the page after the pool is mapped after call %ld (%s = %#lx)\n",
                         i, nr < NR_LIMIT ? table[nr].name : "?", (unsigned long)r);
                out(2, b);
                sc(SYS_munmap, pool + POOL_SIZE, PAGE, 0);
            }
            if (sc(SYS_fcntl, 1, F_GETFD, 0) < 0 || sc(SYS_fcntl, 2, F_GETFD, 0) < 0 ||
                sc(SYS_write, 1, "", 0) < 0) {
                snprintf(b, sizeof(b), "sysfuzz: fd 1 or 2 closed or unwritable after call %ld (%s)\n", i,
                         nr < NR_LIMIT ? table[nr].name : "?");
                out(2, b);
                check_hole = 0;
            }
        }
        made++;
        if (r >= 0 || r < -4095)
            okc++;
        else if (r == -38)
            enosys++;
        if (logfrom >= 0 && i >= logfrom) {
            snprintf(b, sizeof(b), "  = %ld\n", r);
            out(2, b);
        }
    }
    snprintf(b, sizeof(b), "sysfuzz: %ld made, %ld succeeded, %ld ENOSYS, %ld skipped\n",
             made, okc, enosys, skipped);
    out(1, b);
    snprintf(b, sizeof(b), "sysfuzz: %ld calls, seed %llu, done\n", ncalls, (unsigned long long)seed);
    out(1, b);
    return 0;
}
