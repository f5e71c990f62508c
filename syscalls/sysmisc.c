/*
 * sysmisc.c - assorted system calls about the kernel itself: syslog (the
 * kernel log ring of runtime/log.c), sysfs (the file system types of
 * /proc/filesystems), ustat, unshare and setns.  set_thread_area and
 * get_thread_area are not here on purpose: x86-64 Linux has no 64-bit entry
 * for them (only the 32-bit int $0x80 ABI does), so ENOSYS is Linux's answer.
 *
 * solo is one process in its own VM, so unshare has little to separate:
 * what is private already succeeds, and what solo cannot give a thread of
 * its own returns EINVAL (see the partial note).  A new UTS namespace is a
 * real one (fs/nsfs.c): setns returns to a namespace saved as an nsfs fd.  syslog behaves as Linux
 * with kernel.dmesg_restrict = 1 (Debian's default): every action needs
 * CAP_SYSLOG or CAP_SYS_ADMIN.
 */
#include "syscalls.h"
#include "misc.h"
#include "fs/vfs_impl.h"
#include "fs/nsfs.h"
#include "runtime/log.h"

/* fs/procfs.c: the file system types, in /proc/filesystems order. */
int fs_type_count(void);
const char *fs_type_name(int i);

/* ---------------------------------------------------------------- syslog */

#define SYSLOG_ACTION_CLOSE 0
#define SYSLOG_ACTION_OPEN 1
#define SYSLOG_ACTION_READ 2
#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_READ_CLEAR 4
#define SYSLOG_ACTION_CLEAR 5
#define SYSLOG_ACTION_CONSOLE_OFF 6
#define SYSLOG_ACTION_CONSOLE_ON 7
#define SYSLOG_ACTION_CONSOLE_LEVEL 8
#define SYSLOG_ACTION_SIZE_UNREAD 9
#define SYSLOG_ACTION_SIZE_BUFFER 10
#define SYSLOG_POLL_NS 10000000UL      /* READ checks for new records this often */

static struct waitq syslog_waitq;      /* never woken: READ sleeps in short steps */

/* Copy up to len bytes of the log to user buf with reader fn (read_all or read). */
static long syslog_copy(u64 buf, int len, int type)
{
    size_t cap = MIN((size_t)len, (size_t)KLOG_BUF_SIZE);
    char *k = kmalloc(cap);
    if (k == NULL)
        return -ENOMEM;
    size_t n = type == SYSLOG_ACTION_READ ? klog_read(k, cap)
                                          : klog_read_all(k, cap, type == SYSLOG_ACTION_READ_CLEAR);
    long r = copy_to_user((void *)buf, k, n) < 0 ? -EFAULT : (long)n;
    kfree(k);
    return r;
}

/* READ: wait (interruptibly) until there is something unread. */
static long syslog_wait(void)
{
    while (klog_unread() == 0) {
        int r = waitq_wait_intr(&syslog_waitq, now_ns() + SYSLOG_POLL_NS);
        if (r == -EINTR)
            return -EINTR;
    }
    return 0;
}

// partial: no /dev/kmsg; the log holds the kernel's own lines only (level 6, panics 0)
long sys_syslog(int type, u64 buf, int len)
{
    if (!cap_has(CAP_SYSLOG) && !cap_has(CAP_SYS_ADMIN))
        return -EPERM;
    switch (type) {
    case SYSLOG_ACTION_CLOSE:
    case SYSLOG_ACTION_OPEN:
        return 0;
    case SYSLOG_ACTION_READ:
    case SYSLOG_ACTION_READ_ALL:
    case SYSLOG_ACTION_READ_CLEAR:
        if (buf == 0 || len < 0)
            return -EINVAL;
        if (len == 0)
            return 0;
        if (!user_range_ok((void *)buf, (size_t)len))
            return -EFAULT;
        if (type == SYSLOG_ACTION_READ) {
            long r = syslog_wait();
            if (r < 0)
                return r;
        }
        return syslog_copy(buf, len, type);
    case SYSLOG_ACTION_CLEAR:
        klog_clear();
        return 0;
    case SYSLOG_ACTION_CONSOLE_OFF:
        klog_console_off();
        return 0;
    case SYSLOG_ACTION_CONSOLE_ON:
        klog_console_on();
        return 0;
    case SYSLOG_ACTION_CONSOLE_LEVEL:
        if (len < 1 || len > 8)
            return -EINVAL;
        klog_console_set(len);
        return 0;
    case SYSLOG_ACTION_SIZE_UNREAD:
        return (long)klog_unread();
    case SYSLOG_ACTION_SIZE_BUFFER:
        return KLOG_BUF_SIZE;
    default:
        return -EINVAL;
    }
}

/* ---------------------------------------------------------------- sysfs */

#define SYSFS_NAME_MAX 4096            /* PATH_MAX, as getname */

/* Option 1: the index of the type named by the user string, or EINVAL. */
static long sysfs_index(u64 uname)
{
    char *name = kmalloc(SYSFS_NAME_MAX);
    if (name == NULL)
        return -ENOMEM;
    long r = strncpy_from_user(name, (const char *)uname, SYSFS_NAME_MAX);
    if (r == 0)
        r = -ENOENT;                   /* an empty name, as getname */
    if (r > 0) {
        r = -EINVAL;
        for (int i = 0; i < fs_type_count(); i++)
            if (strcmp(fs_type_name(i), name) == 0)
                r = i;
    }
    kfree(name);
    return r;
}

long sys_sysfs(int option, u64 a1, u64 a2)
{
    switch (option) {
    case 1:
        return sysfs_index(a1);
    case 2: {
        const char *n = fs_type_name((int)MIN((u32)a1, 0x7fffffffU));
        if (n == NULL)
            return -EINVAL;
        return copy_to_user((void *)a2, n, strlen(n) + 1) < 0 ? -EFAULT : 0;
    }
    case 3:
        return fs_type_count();
    default:
        return -EINVAL;
    }
}

/* ---------------------------------------------------------------- ustat */

struct ustat_k {
    s32 f_tfree;                       /* free blocks (statfs's f_bfree) */
    u64 f_tinode;                      /* free inodes (statfs's f_ffree) */
    char f_fname[6], f_fpack[6];
};

/*
 * The free blocks of the file system with st_dev dev, as statfs reports
 * them (syscalls/fs_path.c); free inodes are 0 there too (not counted).
 * -EINVAL when no mounted file system has that device.
 */
static int dev_free_blocks(u32 dev, u64 *bfree)
{
    u64 blocks;
    if (dev == VFS_DEV_ROOT) {
        tfs_root_statfs(&blocks, bfree);
    } else if (dev == VFS_DEV_TMPFS) {
        tmpfs_builtin_statfs(&blocks, bfree);
    } else if (dev == VFS_DEV_DEVFS || dev == VFS_DEV_PROC) {
        *bfree = 0;
    } else {
        return -EINVAL;
    }
    return 0;
}

long sys_ustat(u32 dev, u64 ubuf)
{
    struct ustat_k u;
    u64 bfree;
    int r = dev_free_blocks(dev, &bfree);
    if (r < 0)
        return r;
    memset(&u, 0, sizeof(u));
    u.f_tfree = (s32)bfree;
    return copy_to_user((void *)ubuf, &u, sizeof(u));
}

/* ---------------------------------------------------------------- unshare */

#define CLONE_NEWTIME 0x80UL
#define CLONE_VM 0x100UL
#define CLONE_FS 0x200UL
#define CLONE_FILES 0x400UL
#define CLONE_SIGHAND 0x800UL
#define CLONE_THREAD 0x10000UL
#define CLONE_NEWNS 0x20000UL
#define CLONE_SYSVSEM 0x40000UL
#define CLONE_NEWCGROUP 0x2000000UL
#define CLONE_NEWUTS 0x4000000UL
#define CLONE_NEWIPC 0x8000000UL
#define CLONE_NEWUSER 0x10000000UL
#define CLONE_NEWPID 0x20000000UL
#define CLONE_NEWNET 0x40000000UL
#define UNSHARE_VALID (CLONE_THREAD | CLONE_FS | CLONE_NEWNS | CLONE_SIGHAND | CLONE_VM | \
                       CLONE_FILES | CLONE_SYSVSEM | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | \
                       CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWCGROUP | CLONE_NEWTIME)
#define UNSHARE_NS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | \
                    CLONE_NEWCGROUP | CLONE_NEWTIME)

/*
 * CLONE_FS gives the caller its own copy of the cwd, root and umask when
 * another thread shares them (fs/vfs.c).  With one thread, nothing is shared
 * with anyone: CLONE_FILES, CLONE_VM, CLONE_SIGHAND and CLONE_THREAD leave
 * things as they are (as on Linux for a single-threaded process), and a new
 * UTS namespace (fs/nsfs.c) starts as a copy of the current one's names.
 */
// partial: with more than one thread, CLONE_FILES/CLONE_NEWUTS are EINVAL (solo's fd table and UTS namespace are process-wide); CLONE_NEWNS/NEWIPC/NEWNET/NEWPID/NEWCGROUP/NEWTIME/NEWUSER are EINVAL (only UTS namespaces have more than one instance); CLONE_SYSVSEM applies no SEM_UNDO adjustments (solo does not record them)
long sys_unshare(u64 flags)
{
    if ((flags & CLONE_NEWUSER) != 0)
        flags |= CLONE_THREAD | CLONE_FS;
    if ((flags & CLONE_VM) != 0)
        flags |= CLONE_SIGHAND;
    if ((flags & CLONE_SIGHAND) != 0)
        flags |= CLONE_THREAD;
    if ((flags & CLONE_NEWNS) != 0)
        flags |= CLONE_FS;
    if ((flags & ~UNSHARE_VALID) != 0)
        return -EINVAL;
    bool alone = thread_count_live() == 1;
    if ((flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)) != 0 && !alone)
        return -EINVAL;
    if ((flags & CLONE_FILES) != 0 && !alone)
        return -EINVAL;
    if ((flags & CLONE_NEWUSER) != 0)
        return -EINVAL;
    if ((flags & UNSHARE_NS) != 0 && !cap_has(CAP_SYS_ADMIN))
        return -EPERM;
    if ((flags & UNSHARE_NS) != 0 && ((flags & (UNSHARE_NS & ~CLONE_NEWUTS)) != 0 || !alone))
        return -EINVAL;
    /* the cwd, root and umask: a copy of its own if another thread shares them */
    int r = (flags & CLONE_FS) != 0 ? fs_state_unshare() : 0;
    if (r == 0 && (flags & CLONE_NEWUTS) != 0)
        r = ns_unshare_uts();
    return r;
}

/* ---------------------------------------------------------------- setns */

#define CAP_SYS_CHROOT 18
#define SETNS_KINDS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER | \
                     CLONE_NEWPID | CLONE_NEWCGROUP | CLONE_NEWTIME)

int pidfd_file_tid(struct file *f);    /* syscalls/pidfd.c */

/*
 * May the caller enter ns (its kind: type)?  Linux's per-kind install
 * checks, in its order.  The user namespace is the one the caller is in,
 * which Linux refuses to re-enter (EINVAL); a mount namespace needs the fs
 * state unshared when it is the only kind asked for (whole: Linux checks
 * the caller's own, else a private copy).
 */
static long setns_check(u32 type, struct ns *ns, bool whole)
{
    bool alone = thread_count_live() == 1;
    if (type == CLONE_NEWUSER)
        return -EINVAL;
    if (type == CLONE_NEWTIME && !alone)
        return -EUSERS;
    if (!cap_has(CAP_SYS_ADMIN) || (type == CLONE_NEWNS && !cap_has(CAP_SYS_CHROOT)))
        return -EPERM;
    if (type == CLONE_NEWNS && whole && fs_state_current()->refs != 1)
        return -EINVAL;
    if (type == CLONE_NEWUTS && ns != ns_current(type) && !alone)
        return -EINVAL;                /* solo's UTS namespace is process-wide */
    return 0;
}

/* Enter the checked namespaces of the kinds in mask: a UTS namespace
 * becomes current; a mount namespace (solo's one) moves the cwd and root to
 * its root, as Linux does. */
static long setns_commit(u32 mask, struct ns *uts)
{
    if ((mask & CLONE_NEWNS) != 0) {
        struct node root;
        struct mount *m;
        int r = vfs_resolve_canonical("/", &root, &m);
        if (r < 0)
            return r;
        vfs_set_fs_at(fs_state_current(), true, root, "/", m);
        vfs_set_fs_at(fs_state_current(), false, root, "/", m);
    }
    if ((mask & CLONE_NEWUTS) != 0)
        ns_switch(uts);
    return 0;
}

/*
 * fd is an nsfs file (nstype 0 or its kind) or a pidfd (nstype: the kinds
 * to take from that process, which can only be the caller's own).  Every
 * check passes before anything changes.  Linux checks the kinds of a pidfd
 * mask in this order: user, mnt, uts, ipc, pid, cgroup, net, time.
 */
// partial: with more than one thread, entering another UTS namespace is EINVAL (solo's namespaces are process-wide, Linux's per thread)
long sys_setns(int fd, int nstype)
{
    static const u32 order[] = { CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC,
                                 CLONE_NEWPID, CLONE_NEWCGROUP, CLONE_NEWNET, CLONE_NEWTIME };
    struct file *f = fd_file(fd);
    u32 flags = (u32)nstype;
    if (f == NULL || (f->flags & O_PATH) != 0)
        return -EBADF;
    struct ns *ns = ns_of_file(f);
    if (ns != NULL) {
        if (flags != 0 && flags != ns_type(ns))
            return -EINVAL;
        long r = setns_check(ns_type(ns), ns, true);
        return r < 0 ? r : setns_commit(ns_type(ns), ns);
    }
    int tid = pidfd_file_tid(f);
    if (tid < 0 || nstype == 0 || (flags & ~(u32)SETNS_KINDS) != 0)
        return -EINVAL;
    if (thread_by_tid(tid) == NULL)
        return -ESRCH;
    for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
        if ((flags & order[i]) == 0)
            continue;
        long r = setns_check(order[i], ns_current(order[i]), flags == CLONE_NEWNS);
        if (r < 0)
            return r;
    }
    return setns_commit(flags, ns_current(CLONE_NEWUTS));
}
