/*
 * prctl.c - prctl options and capget.  Per-thread names (PR_SET_NAME) live
 * in a small list keyed by tid (tids are never reused, so an entry of a
 * dead thread is simply dropped when the list is next changed); a thread
 * without an entry is named after the program, as Linux names it after the
 * executed file.  The other options are process-wide flags with Linux's
 * argument checks; no_new_privs and the seccomp mode are per thread
 * (struct thread, syscalls/seccomp.c).  The capability sets (effective,
 * permitted, inheritable) are process-wide, as the credentials in misc.c:
 * root starts with every capability effective and permitted, capset changes
 * them with Linux's rules, and uid changes apply Linux's setuid fix-ups
 * (cap_setuid_fixup).
 * Invariants: names are NUL-terminated and at most 15 chars; effective is a
 * subset of permitted; no set has bits above CAP_LAST_CAP.
 */
#include "syscalls.h"
#include "misc.h"
#include "seccomp.h"
#include "fs/vfs.h"

#pragma weak vfs_exe_path

#define TASK_COMM_LEN 16
#define NSIG 64
#define CAP_LAST_CAP 40
#define DEFAULT_TIMERSLACK_NS 50000

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_GET_KEEPCAPS 7
#define PR_SET_KEEPCAPS 8
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_GET_SECCOMP 21
#define PR_SET_SECCOMP 22
#define PR_CAPBSET_READ 23
#define PR_CAPBSET_DROP 24
#define PR_GET_SECUREBITS 27
#define PR_SET_TIMERSLACK 29
#define PR_GET_TIMERSLACK 30
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#define PR_GET_TID_ADDRESS 40
#define PR_SET_THP_DISABLE 41
#define PR_GET_THP_DISABLE 42

struct thread_name {
    int tid;
    char name[TASK_COMM_LEN];
    struct thread_name *next;
};

static struct thread_name *names;
static int pdeath_signal, dumpable = 1, keepcaps, subreaper, thp_disable;
static u64 timerslack_ns = DEFAULT_TIMERSLACK_NS;
#define CAP_ALL ((1UL << (CAP_LAST_CAP + 1)) - 1)
static u64 cap_bounding = CAP_ALL;
static u64 cap_eff = CAP_ALL, cap_perm = CAP_ALL, cap_inh;

/* The program's name: the last component of its path, at most 15 chars. */
static void default_name(char *out)
{
    const char *p = vfs_exe_path != NULL ? vfs_exe_path() : NULL;
    const char *base = p != NULL ? strrchr(p, '/') : NULL;
    base = base != NULL ? base + 1 : (p != NULL ? p : "solo");
    size_t n = strnlen(base, TASK_COMM_LEN - 1);
    memcpy(out, base, n);
    out[n] = '\0';
}

static struct thread_name *name_find(int tid)
{
    for (struct thread_name *e = names; e != NULL; e = e->next)
        if (e->tid == tid)
            return e;
    return NULL;
}

/* Drop entries of threads that have exited. */
static void names_prune(void)
{
    struct thread_name **pp = &names;
    while (*pp != NULL) {
        struct thread_name *e = *pp;
        if (thread_by_tid(e->tid) == NULL) {
            *pp = e->next;
            kfree(e);
        } else {
            pp = &e->next;
        }
    }
}

/* Set the calling thread's name from user memory (truncated to 15 chars, as Linux). */
static long name_set(u64 uname)
{
    char buf[TASK_COMM_LEN];
    size_t n = 0;
    for (; n < TASK_COMM_LEN - 1; n++) {
        if (copy_from_user(&buf[n], (const char *)(uname + n), 1) < 0)
            return -EFAULT;
        if (buf[n] == '\0')
            break;
    }
    buf[n] = '\0';
    return thread_comm_set(current->tid, buf, n);
}

/* Name thread tid with the n bytes at name (cut to 15): 0 or -ENOMEM. */
int thread_comm_set(int tid, const char *name, size_t n)
{
    names_prune();
    struct thread_name *e = name_find(tid);
    if (e == NULL) {
        e = kzalloc(sizeof(*e));
        if (e == NULL)
            return -ENOMEM;
        e->tid = tid;
        e->next = names;
        names = e;
    }
    memset(e->name, 0, sizeof(e->name));
    memcpy(e->name, name, MIN(n, (size_t)TASK_COMM_LEN - 1));
    return 0;
}

/* Thread tid's name into out (16 bytes, NUL-padded). */
void thread_comm(int tid, char *out)
{
    struct thread_name *e = name_find(tid);
    memset(out, 0, TASK_COMM_LEN);
    if (e != NULL)
        memcpy(out, e->name, TASK_COMM_LEN);
    else
        default_name(out);
}

static long name_get(u64 ubuf)
{
    char buf[TASK_COMM_LEN];
    thread_comm(current->tid, buf);
    return copy_to_user((void *)ubuf, buf, sizeof(buf));
}

static long put_int(u64 uaddr, int v)
{
    return copy_to_user((void *)uaddr, &v, sizeof(v));
}

/* Options taking a 0/1 flag in arg2 and requiring arg3..arg5 to be zero. */
static long set_flag(int *flag, u64 a2, u64 a3, u64 a4, u64 a5)
{
    if (a2 > 1 || a3 != 0 || a4 != 0 || a5 != 0)
        return -EINVAL;
    *flag = (int)a2;
    return 0;
}

// partial: PR_SET_MM, PR_SET_SECUREBITS, ambient caps, MCE and speculation controls are EINVAL; PDEATHSIG is never sent (the parent never exits)
long sys_prctl(int option, u64 a2, u64 a3, u64 a4, u64 a5)
{
    switch (option) {
    case PR_SET_PDEATHSIG:
        if (a2 > NSIG)
            return -EINVAL;
        pdeath_signal = (int)a2;
        return 0;
    case PR_GET_PDEATHSIG:
        return put_int(a2, pdeath_signal);
    case PR_GET_DUMPABLE:
        return dumpable;
    case PR_SET_DUMPABLE:
        if (a2 > 1)
            return -EINVAL;
        dumpable = (int)a2;
        return 0;
    case PR_GET_KEEPCAPS:
        return keepcaps;
    case PR_SET_KEEPCAPS:
        if (a2 > 1)
            return -EINVAL;
        keepcaps = (int)a2;
        return 0;
    case PR_SET_NAME:
        return name_set(a2);
    case PR_GET_NAME:
        return name_get(a2);
    case PR_GET_SECCOMP:
        return current->seccomp_mode;
    case PR_SET_SECCOMP:
        return seccomp_prctl_set(a2, a3);
    case PR_CAPBSET_READ:
        if (a2 > CAP_LAST_CAP)
            return -EINVAL;
        return (cap_bounding >> a2) & 1;
    case PR_CAPBSET_DROP:
        if (!cap_has(CAP_SETPCAP))
            return -EPERM;
        if (a2 > CAP_LAST_CAP)
            return -EINVAL;
        cap_bounding &= ~(1UL << a2);
        return 0;
    case PR_GET_SECUREBITS:
        return 0;
    case PR_SET_TIMERSLACK:
        timerslack_ns = a2 != 0 ? a2 : DEFAULT_TIMERSLACK_NS;
        return 0;
    case PR_GET_TIMERSLACK:
        return (long)timerslack_ns;
    case PR_SET_CHILD_SUBREAPER:
        subreaper = a2 != 0;
        return 0;
    case PR_GET_CHILD_SUBREAPER:
        return put_int(a2, subreaper);
    case PR_SET_NO_NEW_PRIVS:          /* per thread, inherited, never cleared */
        if (a2 != 1 || a3 != 0 || a4 != 0 || a5 != 0)
            return -EINVAL;
        current->no_new_privs = true;
        return 0;
    case PR_GET_NO_NEW_PRIVS:
        if (a2 != 0 || a3 != 0 || a4 != 0 || a5 != 0)
            return -EINVAL;
        return current->no_new_privs;
    case PR_GET_TID_ADDRESS:
        return copy_to_user((void *)a2, &current->clear_child_tid, sizeof(u64));
    case PR_SET_THP_DISABLE:
        return set_flag(&thp_disable, a2 != 0, a3, a4, a5);
    case PR_GET_THP_DISABLE:
        if (a2 != 0 || a3 != 0 || a4 != 0 || a5 != 0)
            return -EINVAL;
        return thp_disable;
    default:
        return -EINVAL;
    }
}

/* ---------------------------------------------------------------- capabilities */

#define CAP_V1 0x19980330U
#define CAP_V2 0x20071026U
#define CAP_V3 0x20080522U

struct cap_header {
    u32 version;
    s32 pid;
};

struct cap_data {
    u32 effective, permitted, inheritable;
};

/* Check the header version; an unknown one is answered with the preferred version. */
static long cap_version(u64 uhdr, struct cap_header *h, int *words)
{
    if (copy_from_user(h, (void *)uhdr, sizeof(*h)) < 0)
        return -EFAULT;
    if (h->version == CAP_V1) {
        *words = 1;
        return 0;
    }
    if (h->version == CAP_V2 || h->version == CAP_V3) {
        *words = 2;
        return 0;
    }
    u32 v = CAP_V3;
    if (copy_to_user((void *)uhdr, &v, sizeof(v)) < 0)
        return -EFAULT;
    return -EINVAL;
}

long sys_capget(u64 uhdr, u64 udata)
{
    struct cap_header h;
    struct cap_data d[2];
    int words;
    long r = cap_version(uhdr, &h, &words);
    if (udata == 0 || r != 0)
        return (udata == 0 && r == -EINVAL) ? 0 : r;
    if (h.pid < 0)
        return -EINVAL;
    if (h.pid != 0 && thread_by_tid(h.pid) == NULL)
        return -ESRCH;
    memset(d, 0, sizeof(d));
    for (int i = 0; i < 2; i++) {
        d[i].effective = (u32)(cap_eff >> (32 * i));
        d[i].permitted = (u32)(cap_perm >> (32 * i));
        d[i].inheritable = (u32)(cap_inh >> (32 * i));
    }
    return copy_to_user((void *)udata, d, sizeof(d[0]) * (size_t)words);
}

/* Is x a subset of y? */
static bool cap_subset(u64 x, u64 y) { return (x & ~y) == 0; }

/*
 * capset: the caller (pid 0 or its own tid) sets its three sets.  As Linux:
 * inheritable may only gain capabilities that are permitted (unless
 * CAP_SETPCAP is effective) and in the bounding set; permitted may only
 * shrink; effective must lie within the new permitted set.  A version 1
 * header carries only capabilities 0-31: the others become clear.
 */
// partial: the sets are process-wide (Linux keeps them per thread); solo checks capabilities only where it checks privilege at all (setuid/setgid family, setgroups, sethostname/setdomainname, raising rlimits, reboot, PR_CAPBSET_DROP, syslog, unshare namespaces, setns, vhangup, seccomp filters without no_new_privs, pivot_root, acct); no file capabilities or ambient set
long sys_capset(u64 uhdr, u64 udata)
{
    struct cap_header h;
    struct cap_data d[2];
    int words;
    long r = cap_version(uhdr, &h, &words);
    if (r != 0)
        return r;
    if (h.pid != 0 && h.pid != current->tid)
        return -EPERM;
    memset(d, 0, sizeof(d));
    if (copy_from_user(d, (void *)udata, sizeof(d[0]) * (size_t)words) < 0)
        return -EFAULT;
    u64 eff = (d[0].effective | (u64)d[1].effective << 32) & CAP_ALL;
    u64 perm = (d[0].permitted | (u64)d[1].permitted << 32) & CAP_ALL;
    u64 inh = (d[0].inheritable | (u64)d[1].inheritable << 32) & CAP_ALL;
    if (!cap_has(CAP_SETPCAP) && !cap_subset(inh, cap_inh | cap_perm))
        return -EPERM;
    if (!cap_subset(inh, cap_inh | cap_bounding))
        return -EPERM;
    if (!cap_subset(perm, cap_perm))
        return -EPERM;
    if (!cap_subset(eff, perm))
        return -EPERM;
    cap_eff = eff;
    cap_perm = perm;
    cap_inh = inh;
    return 0;
}

bool cap_has(int cap)
{
    return cap >= 0 && cap <= CAP_LAST_CAP && ((cap_eff >> cap) & 1) != 0;
}

u64 cap_effective_set(void) { return cap_eff; }
u64 cap_permitted_set(void) { return cap_perm; }
u64 cap_inheritable_set(void) { return cap_inh; }

/*
 * Linux's capability fix-ups after a change of user ids (without secure
 * bits): leaving uid 0 in all of real, effective and saved ids clears
 * permitted and effective unless PR_SET_KEEPCAPS; an effective uid leaving 0
 * clears effective, one becoming 0 makes effective the permitted set.
 */
void cap_setuid_fixup(u32 old_r, u32 old_e, u32 old_s, u32 new_r, u32 new_e, u32 new_s)
{
    if ((old_r == 0 || old_e == 0 || old_s == 0) && new_r != 0 && new_e != 0 && new_s != 0 &&
        !keepcaps)
        cap_perm = cap_eff = 0;
    if (old_e == 0 && new_e != 0)
        cap_eff = 0;
    if (old_e != 0 && new_e == 0)
        cap_eff = cap_perm;
}

/* The file-system capabilities follow the fs uid leaving or becoming 0. */
void cap_setfsuid_fixup(u32 old_fs, u32 new_fs)
{
    if (old_fs == 0 && new_fs != 0)
        cap_eff &= ~CAP_FS_SET;
    if (old_fs != 0 && new_fs == 0)
        cap_eff |= cap_perm & CAP_FS_SET;
}
