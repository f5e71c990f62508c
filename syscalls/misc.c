/*
 * misc.c - the process's identity and limits: uname and host names, pids
 * and sessions, credentials, umask, resource limits, personality, and the
 * accounting calls sysinfo, times and getrusage, and wait4/waitid (which
 * find no children: clone creates threads only).
 *
 * solo runs one process: pid 1, parent 0, its own process group and
 * session (so it is a session leader, as init is).  Credentials start as
 * root and follow Linux's rules; privileged operations need the capability
 * Linux asks for (CAP_SETUID, CAP_SETGID, CAP_SYS_RESOURCE, CAP_SYS_ADMIN,
 * CAP_SYS_BOOT) in the effective set kept by prctl.c, which uid changes
 * adjust as Linux does (cap_setuid_fixup).
 * Invariants: every rlimit has cur <= max; umask has no bits above 0777;
 * hostname and domainname are NUL-terminated and at most 64 chars.
 */
#include "syscalls.h"
#include "misc.h"
#include "fs/vfs.h"
#include "fs/nsfs.h"
#include "runtime/lib/tuple.h"

#pragma weak fs_manifest
#pragma weak tuple_get_str
#pragma weak fd_file

#define UTS_LEN 65
#define PID_SELF 1
#define NR_OPEN_MAX 1024UL             /* fs.nr_open: the fd table's capacity (VFS_FD_MAX) */
#define NGROUPS_MAX 65536


/* ---------------------------------------------------------------- pids */

/* Does pid name this process or one of its threads (0 = the caller)? */
static bool pid_is_ours(long pid)
{
    if (pid == 0 || pid == PID_SELF)   /* pid 1 stays valid after its main thread exits */
        return true;
    return pid > 0 && pid <= 0x7fffffff && thread_by_tid((int)pid) != NULL;
}

long sys_getpid(void) { return PID_SELF; }
long sys_getppid(void) { return 0; }
long sys_gettid(void) { return current->tid; }
long sys_getpgrp(void) { return PID_SELF; }

long sys_getpgid(int pid)
{
    return pid_is_ours(pid) ? PID_SELF : -ESRCH;
}

long sys_getsid(int pid)
{
    return pid_is_ours(pid) ? PID_SELF : -ESRCH;
}

/* The process already leads its own group and session: Linux refuses. */
long sys_setsid(void) { return -EPERM; }

#define CAP_SYS_TTY_CONFIG 26

/*
 * vhangup hangs up the caller's controlling terminal.  solo never acquires
 * one (TIOCSCTTY is not supported; TIOCGSID is ENOTTY), and with none Linux
 * does nothing and returns 0 once the capability check passes.
 */
// partial: a console that is a terminal on the host (it answers TIOCGPGRP as a controlling terminal would) is not hung up: its fds keep reading and writing and no SIGHUP is sent
long sys_vhangup(void)
{
    return cap_has(CAP_SYS_TTY_CONFIG) ? 0 : -EPERM;
}

/*
 * setpgid: only the process itself could be moved, and a session leader
 * may not change its group (EPERM); a non-leader thread is EINVAL.
 */
long sys_setpgid(int pid, int pgid)
{
    if (pgid < 0)
        return -EINVAL;
    if (!pid_is_ours(pid))
        return -ESRCH;
    if (pid != 0 && pid != PID_SELF)
        return -EINVAL;
    return -EPERM;
}

/* ---------------------------------------------------------------- credentials */

struct creds {
    u32 ruid, euid, suid, fsuid;
    u32 rgid, egid, sgid, fsgid;
};

static struct creds cred;              /* all root */
static u32 *groups;                    /* supplementary groups (kmalloc'd) */
static int ngroups;

#define ID_NONE 0xffffffffU

u32 process_ruid(void) { return cred.ruid; }
u32 process_rgid(void) { return cred.rgid; }
u32 process_euid(void) { return cred.euid; }
u32 process_fsuid(void) { return cred.fsuid; }
u32 process_fsgid(void) { return cred.fsgid; }

/* Linux's in_group_p: is gid the fs group id or a supplementary group? */
bool process_in_group(u32 gid)
{
    return gid == cred.fsgid || process_in_supp_groups(gid);
}

bool process_in_supp_groups(u32 gid)
{
    for (int i = 0; i < ngroups; i++)
        if (groups[i] == gid)
            return true;
    return false;
}

/* Privilege checks use the effective capability set (syscalls/prctl.c). */
static bool capable(int cap) { return cap_has(cap); }

/* May a caller without cap switch one of its ids to id? */
static bool id_allowed(int cap, u32 id, u32 r, u32 e, u32 s)
{
    return capable(cap) || id == r || id == e || id == s;
}

long sys_getuid(void) { return cred.ruid; }
long sys_geteuid(void) { return cred.euid; }
long sys_getgid(void) { return cred.rgid; }
long sys_getegid(void) { return cred.egid; }

/* Write three ids to user memory (getresuid/getresgid). */
static long put_three(u64 a, u64 b, u64 c, u32 x, u32 y, u32 z)
{
    if (copy_to_user((void *)a, &x, 4) < 0 || copy_to_user((void *)b, &y, 4) < 0 ||
        copy_to_user((void *)c, &z, 4) < 0)
        return -EFAULT;
    return 0;
}

long sys_getresuid(u64 r, u64 e, u64 s) { return put_three(r, e, s, cred.ruid, cred.euid, cred.suid); }
long sys_getresgid(u64 r, u64 e, u64 s) { return put_three(r, e, s, cred.rgid, cred.egid, cred.sgid); }

/*
 * setresuid/setresgid core: ids of ID_NONE stay; each new id must be one of
 * the current three unless capable; the fs id follows the effective one.
 */
static long set_res(int cap, u32 *r, u32 *e, u32 *s, u32 *fs, u32 nr, u32 ne, u32 ns)
{
    if ((nr != ID_NONE && !id_allowed(cap, nr, *r, *e, *s)) ||
        (ne != ID_NONE && !id_allowed(cap, ne, *r, *e, *s)) ||
        (ns != ID_NONE && !id_allowed(cap, ns, *r, *e, *s)))
        return -EPERM;
    if (nr != ID_NONE)
        *r = nr;
    if (ne != ID_NONE)
        *e = ne;
    if (ns != ID_NONE)
        *s = ns;
    *fs = *e;
    return 0;
}

/* Run a uid change and apply the capability fix-ups for what it did. */
#define UID_CHANGE(call)                                                          \
    ({                                                                            \
        struct creds old_ = cred;                                                 \
        long r_ = (call);                                                         \
        if (r_ == 0)                                                              \
            cap_setuid_fixup(old_.ruid, old_.euid, old_.suid, cred.ruid, cred.euid, cred.suid); \
        r_;                                                                       \
    })

long sys_setresuid(u32 r, u32 e, u32 s)
{
    return UID_CHANGE(set_res(CAP_SETUID, &cred.ruid, &cred.euid, &cred.suid, &cred.fsuid, r, e, s));
}
long sys_setresgid(u32 r, u32 e, u32 s) { return set_res(CAP_SETGID, &cred.rgid, &cred.egid, &cred.sgid, &cred.fsgid, r, e, s); }

/* setuid/setgid core: privileged sets all three ids, otherwise only the effective one. */
static long set_one(int cap, u32 *r, u32 *e, u32 *s, u32 *fs, u32 id)
{
    if (id == ID_NONE)
        return -EINVAL;
    if (capable(cap)) {
        *r = *e = *s = *fs = id;
        return 0;
    }
    if (id != *r && id != *s)
        return -EPERM;
    *e = *fs = id;
    return 0;
}

long sys_setuid(u32 id) { return UID_CHANGE(set_one(CAP_SETUID, &cred.ruid, &cred.euid, &cred.suid, &cred.fsuid, id)); }
long sys_setgid(u32 id) { return set_one(CAP_SETGID, &cred.rgid, &cred.egid, &cred.sgid, &cred.fsgid, id); }

/* setreuid/setregid core, with Linux's rule for when the saved id follows. */
static long set_re(int cap, u32 *r, u32 *e, u32 *s, u32 *fs, u32 nr, u32 ne)
{
    if (nr != ID_NONE && !capable(cap) && nr != *r && nr != *e)
        return -EPERM;
    if (ne != ID_NONE && !id_allowed(cap, ne, *r, *e, *s))
        return -EPERM;
    u32 old_r = *r;
    if (nr != ID_NONE)
        *r = nr;
    if (ne != ID_NONE)
        *e = ne;
    if (nr != ID_NONE || (ne != ID_NONE && ne != old_r))
        *s = *e;
    *fs = *e;
    return 0;
}

long sys_setreuid(u32 r, u32 e) { return UID_CHANGE(set_re(CAP_SETUID, &cred.ruid, &cred.euid, &cred.suid, &cred.fsuid, r, e)); }
long sys_setregid(u32 r, u32 e) { return set_re(CAP_SETGID, &cred.rgid, &cred.egid, &cred.sgid, &cred.fsgid, r, e); }

/* setfsuid/setfsgid core: always returns the old id; changes it when allowed. */
static long set_fs(int cap, u32 *r, u32 *e, u32 *s, u32 *fs, u32 id)
{
    u32 old = *fs;
    if (id != ID_NONE && (id_allowed(cap, id, *r, *e, *s) || id == *fs))
        *fs = id;
    return old;
}

long sys_setfsuid(u32 id)
{
    long old = set_fs(CAP_SETUID, &cred.ruid, &cred.euid, &cred.suid, &cred.fsuid, id);
    cap_setfsuid_fixup((u32)old, cred.fsuid);
    return old;
}
long sys_setfsgid(u32 id) { return set_fs(CAP_SETGID, &cred.rgid, &cred.egid, &cred.sgid, &cred.fsgid, id); }

long sys_getgroups(int size, u64 list)
{
    if (size < 0)
        return -EINVAL;
    if (size == 0)
        return ngroups;
    if (size < ngroups)
        return -EINVAL;
    if (ngroups > 0 && copy_to_user((void *)list, groups, (size_t)ngroups * 4) < 0)
        return -EFAULT;
    return ngroups;
}

long sys_setgroups(int size, u64 list)
{
    if (!capable(CAP_SETGID))
        return -EPERM;
    if (size < 0 || size > NGROUPS_MAX)
        return -EINVAL;
    u32 *g = size > 0 ? kmalloc((size_t)size * 4) : NULL;
    if (size > 0 && g == NULL)
        return -ENOMEM;
    if (size > 0 && copy_from_user(g, (void *)list, (size_t)size * 4) < 0) {
        kfree(g);
        return -EFAULT;
    }
    kfree(groups);
    groups = g;
    ngroups = size;
    return 0;
}

/* ---------------------------------------------------------------- umask */

/* The umask is part of the calling thread's fs state (fs/vfs.c), shared
 * with the threads created with CLONE_FS, as on Linux. */
u32 process_umask(void) { return fs_umask(); }

long sys_umask(u32 mask)
{
    u32 old = fs_umask();
    fs_set_umask(mask & 0777);
    return old;
}

/* ---------------------------------------------------------------- names */

struct utsname_k {
    char sysname[UTS_LEN], nodename[UTS_LEN], release[UTS_LEN];
    char version[UTS_LEN], machine[UTS_LEN], domainname[UTS_LEN];
};

/* The names live in the caller's UTS namespace (fs/nsfs.c). */

/* Copy a NUL-terminated string into a fixed field, truncating at UTS_LEN-1. */
static void uts_set(char *dst, const char *src)
{
    size_t n = strnlen(src, UTS_LEN - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The node name: sethostname's, else the manifest's "hostname", else "solo". */
static const char *node_name(void)
{
    struct uts_names *u = ns_uts_names();
    if (u->host_set)
        return u->host;
    struct tuple *m = fs_manifest != NULL ? fs_manifest() : NULL;
    const char *h = (m != NULL && tuple_get_str != NULL) ? tuple_get_str(m, "hostname") : NULL;
    return (h != NULL && h[0] != '\0') ? h : "solo";
}

long sys_uname(u64 buf)
{
    struct utsname_k u;
    memset(&u, 0, sizeof(u));
    uts_set(u.sysname, "Linux");
    uts_set(u.nodename, node_name());
    uts_set(u.release, "6.1.0-solo");
    uts_set(u.version, "#1 SMP PREEMPT solo");
    uts_set(u.machine, "x86_64");
    uts_set(u.domainname, ns_uts_names()->domain);
    return copy_to_user((void *)buf, &u, sizeof(u));
}

/* sethostname/setdomainname core: root only, at most 64 bytes, not NUL-terminated in user memory. */
static long set_uts_name(char *dst, u64 name, int len)
{
    char tmp[UTS_LEN];
    if (!capable(CAP_SYS_ADMIN))
        return -EPERM;
    if (len < 0 || len > UTS_LEN - 1)
        return -EINVAL;
    if (copy_from_user(tmp, (void *)name, (size_t)len) < 0)
        return -EFAULT;
    memcpy(dst, tmp, (size_t)len);
    dst[len] = '\0';
    return 0;
}

long sys_sethostname(u64 name, int len)
{
    struct uts_names *u = ns_uts_names();
    long r = set_uts_name(u->host, name, len);
    if (r == 0)
        u->host_set = true;
    return r;
}

long sys_setdomainname(u64 name, int len) { return set_uts_name(ns_uts_names()->domain, name, len); }

/* ---------------------------------------------------------------- personality */

static u32 persona;                    /* PER_LINUX */

// partial: the value is stored and reported; flags such as READ_IMPLIES_EXEC or ADDR_NO_RANDOMIZE change nothing
long sys_personality(u32 p)
{
    u32 old = persona;
    if (p != 0xffffffffU)
        persona = p;
    return old;
}

/* ---------------------------------------------------------------- resource limits */

struct rlimit_k {
    u64 cur, max;
};

static struct rlimit_k limits[RLIM_NLIMITS];
static bool limits_ready;

/* Defaults as a fresh Linux root process gets them (NPROC scaled to memory as Linux does). */
static void limits_init(void)
{
    for (int i = 0; i < RLIM_NLIMITS; i++)
        limits[i].cur = limits[i].max = RLIM_INFINITY;
    u64 nproc = mem_total_bytes() / PAGE_SIZE / 64;
    limits[RLIMIT_STACK].cur = 8UL << 20;
    limits[RLIMIT_CORE].cur = 0;
    limits[RLIMIT_NPROC].cur = limits[RLIMIT_NPROC].max = nproc;
    limits[RLIMIT_NOFILE].cur = 1024;
    limits[RLIMIT_NOFILE].max = NR_OPEN_MAX;   /* never promise more fds than the table has */
    limits[RLIMIT_MEMLOCK].cur = limits[RLIMIT_MEMLOCK].max = 8UL << 20;
    limits[RLIMIT_SIGPENDING].cur = limits[RLIMIT_SIGPENDING].max = nproc;
    limits[RLIMIT_MSGQUEUE].cur = limits[RLIMIT_MSGQUEUE].max = 819200;
    limits[RLIMIT_NICE].cur = limits[RLIMIT_NICE].max = 0;
    limits[RLIMIT_RTPRIO].cur = limits[RLIMIT_RTPRIO].max = 0;
    limits_ready = true;
}

static struct rlimit_k *limit(int res)
{
    if (!limits_ready)
        limits_init();
    return &limits[res];
}

u64 rlimit_cur(int res)
{
    kassert(res >= 0 && res < RLIM_NLIMITS);
    return limit(res)->cur;
}

/* Check a new limit against Linux's rules: cur <= max; raising max needs privilege. */
static long limit_check(int res, const struct rlimit_k *n)
{
    if (n->cur > n->max)
        return -EINVAL;
    if (n->max > limit(res)->max && !capable(CAP_SYS_RESOURCE))
        return -EPERM;
    if (res == RLIMIT_NOFILE && n->max > NR_OPEN_MAX)
        return -EPERM;
    return 0;
}

/* prlimit64: read the old limit and/or set a new one of this process. */
long sys_prlimit64(int pid, u32 res, u64 unew, u64 uold)
{
    struct rlimit_k n;
    if (unew != 0 && copy_from_user(&n, (void *)unew, sizeof(n)) < 0)
        return -EFAULT;
    if (!pid_is_ours(pid))
        return -ESRCH;
    if (res >= RLIM_NLIMITS)
        return -EINVAL;
    if (unew != 0) {
        long r = limit_check((int)res, &n);
        if (r < 0)
            return r;
    }
    struct rlimit_k old = *limit((int)res);
    if (unew != 0)
        *limit((int)res) = n;
    if (uold != 0 && copy_to_user((void *)uold, &old, sizeof(old)) < 0)
        return -EFAULT;
    return 0;
}

long sys_getrlimit(u32 res, u64 rlim)
{
    if (res >= RLIM_NLIMITS)
        return -EINVAL;
    return copy_to_user((void *)rlim, limit((int)res), sizeof(struct rlimit_k));
}

long sys_setrlimit(u32 res, u64 rlim)
{
    struct rlimit_k n;
    if (res >= RLIM_NLIMITS)
        return -EINVAL;
    if (copy_from_user(&n, (void *)rlim, sizeof(n)) < 0)
        return -EFAULT;
    long r = limit_check((int)res, &n);
    if (r < 0)
        return r;
    *limit((int)res) = n;
    return 0;
}

/* ---------------------------------------------------------------- accounting */

struct sysinfo_k {
    s64 uptime;
    u64 loads[3];
    u64 totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    u16 procs, pad;
    u64 totalhigh, freehigh;
    u32 mem_unit;
    char reserved[4];
};

// partial: load averages are always 0 (no load tracking); buffer/shared memory reported as 0
long sys_sysinfo(u64 info)
{
    struct sysinfo_k s;
    u64 up = now_ns();
    memset(&s, 0, sizeof(s));
    s.uptime = (s64)(up / 1000000000UL + (up % 1000000000UL != 0));
    s.totalram = mem_total_bytes();
    s.freeram = mem_free_bytes();
    s.procs = (u16)thread_count_live();
    s.mem_unit = 1;
    return copy_to_user((void *)info, &s, sizeof(s));
}

#define USER_HZ 100

struct tms_k {
    s64 utime, stime, cutime, cstime;
};

/* CPU time from the scheduler's accounting: system time is the time in
 * syscalls, user time the rest; there are no child processes to add. */
long sys_times(u64 buf)
{
    struct tms_k t;
    u64 cpu = sched_process_cpu_ns(), sys = MIN(sched_process_sys_ns(), cpu);
    memset(&t, 0, sizeof(t));
    t.utime = (s64)((cpu - sys) / (1000000000UL / USER_HZ));
    t.stime = (s64)(sys / (1000000000UL / USER_HZ));
    if (buf != 0 && copy_to_user((void *)buf, &t, sizeof(t)) < 0)
        return -EFAULT;
    return (long)(now_ns() / (1000000000UL / USER_HZ));
}

#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1

struct rusage_k {
    s64 utime_sec, utime_usec, stime_sec, stime_usec;
    s64 maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock;
    s64 msgsnd, msgrcv, nsignals, nvcsw, nivcsw;
};

// partial: ru_maxrss is the memory in use by the whole VM; major faults, swaps, block I/O, IPC and signal counters are 0
long sys_getrusage(int who, u64 usage)
{
    struct rusage_k r;
    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
        return -EINVAL;
    memset(&r, 0, sizeof(r));
    if (who != RUSAGE_CHILDREN) {
        u64 cpu = who == RUSAGE_THREAD ? sched_thread_cpu_ns(current) : sched_process_cpu_ns();
        u64 sys = who == RUSAGE_THREAD ? sched_thread_sys_ns(current) : sched_process_sys_ns();
        u64 user = cpu - MIN(sys, cpu);
        r.utime_sec = (s64)(user / 1000000000UL);
        r.utime_usec = (s64)(user % 1000000000UL / 1000);
        r.stime_sec = (s64)(sys / 1000000000UL);
        r.stime_usec = (s64)(sys % 1000000000UL / 1000);
        /* every fault is minor (nothing is ever read from swap) */
        u64 c[SC_NCOUNTS];
        for (int i = 0; i < SC_NCOUNTS; i++)
            c[i] = who == RUSAGE_THREAD ? sched_thread_count(current, i) : sched_process_count(i);
        r.minflt = (s64)(c[SC_FAULTS_USER] + c[SC_FAULTS_KERNEL]);
        r.nivcsw = (s64)c[SC_INVOLUNTARY];
        r.nvcsw = (s64)(c[SC_SWITCHES] - MIN(c[SC_INVOLUNTARY], c[SC_SWITCHES]));
        r.maxrss = (s64)((mem_total_bytes() - mem_free_bytes()) / 1024);
    }
    return copy_to_user((void *)usage, &r, sizeof(r));
}

/* ---------------------------------------------------------------- children */

#define WNOHANG 0x1
#define WUNTRACED 0x2
#define WEXITED 0x4
#define WCONTINUED 0x8
#define WNOWAIT 0x1000000
#define WNOTHREAD 0x20000000
#define WALL 0x40000000
#define WCLONE 0x80000000U
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define P_PIDFD 3

/* solo never creates child processes (clone makes threads only): nothing to wait for. */
long sys_wait4(int pid, u64 status, u32 options, u64 rusage)
{
    if ((options & ~(u32)(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE)) != 0)
        return -EINVAL;
    if (pid == (int)0x80000000)        /* INT_MIN cannot be negated into a group id */
        return -ESRCH;
    return -ECHILD;
}

long sys_waitid(int idtype, int id, u64 info, u32 options, u64 rusage)
{
    if ((options & ~(u32)(WNOHANG | WNOWAIT | WEXITED | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE)) != 0)
        return -EINVAL;
    if ((options & (WEXITED | WUNTRACED | WCONTINUED)) == 0)
        return -EINVAL;
    switch (idtype) {
    case P_ALL:
        return -ECHILD;
    case P_PGID:
        return id < 0 ? -EINVAL : -ECHILD;
    case P_PID:
        return id <= 0 ? -EINVAL : -ECHILD;
    case P_PIDFD:                      /* no pidfds exist: an open fd is not one */
        if (id < 0)
            return -EINVAL;
        return (fd_file != NULL && fd_file(id) != NULL) ? -EINVAL : -EBADF;
    default:
        return -EINVAL;
    }
}

/* ---------------------------------------------------------------- reboot */

#define REBOOT_MAGIC1 0xfee1deadU
#define REBOOT_CMD_RESTART 0x01234567U
#define REBOOT_CMD_HALT 0xcdef0123U
#define REBOOT_CMD_CAD_ON 0x89abcdefU
#define REBOOT_CMD_CAD_OFF 0x00000000U
#define REBOOT_CMD_POWER_OFF 0x4321fedcU
#define REBOOT_CMD_RESTART2 0xa1b2c3d4U
#define REBOOT_CMD_SW_SUSPEND 0xd000fce2U
#define REBOOT_CMD_KEXEC 0x45584543U

static bool cad_enabled = true;        /* Ctrl-Alt-Del reboots (nothing sends it here) */

static bool reboot_magic2_ok(u32 m)
{
    return m == 672274793U || m == 85072278U || m == 369367448U || m == 537993216U;
}

/*
 * reboot: halting or powering off ends the VM (exit status 0, filesystems
 * flushed); a restart also ends it, since the program cannot be started
 * again in place.  No kexec image can be loaded (EINVAL), no hibernation.
 */
// partial: RESTART/RESTART2 end the VM like POWER_OFF (status 0) instead of restarting it
long sys_reboot(u32 magic1, u32 magic2, u32 cmd, u64 arg)
{
    if (!capable(CAP_SYS_BOOT))
        return -EPERM;
    if (magic1 != REBOOT_MAGIC1 || !reboot_magic2_ok(magic2))
        return -EINVAL;
    switch (cmd) {
    case REBOOT_CMD_CAD_ON:
        cad_enabled = true;
        return 0;
    case REBOOT_CMD_CAD_OFF:
        cad_enabled = false;
        return 0;
    case REBOOT_CMD_HALT: case REBOOT_CMD_POWER_OFF:
    case REBOOT_CMD_RESTART: case REBOOT_CMD_RESTART2:
        klog("solo: the program asked to %s", cmd == REBOOT_CMD_HALT ? "halt" :
             cmd == REBOOT_CMD_POWER_OFF ? "power off" : "restart (ending the VM)");
        kernel_exit(0);
    case REBOOT_CMD_KEXEC:
        return -EINVAL;
    case REBOOT_CMD_SW_SUSPEND:
        return -ENOSYS;
    default:
        return -EINVAL;
    }
}
