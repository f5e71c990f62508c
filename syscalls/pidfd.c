/*
 * pidfd.c - calls that name a process by pid or pidfd, on solo's one
 * process (pid 1, threads are its tasks): pidfd_open, pidfd_send_signal,
 * pidfd_getfd, process_madvise, process_mrelease, process_vm_readv,
 * process_vm_writev, kcmp, ioprio_get and ioprio_set.  Any pid that is
 * neither the process nor one of its threads does not exist (ESRCH), so
 * these calls only ever reach the caller's own process, as Linux allows.
 * A pidfd is an anonymous file whose priv is the tid it names (PID_SELF for
 * the process); the process pidfd never polls readable, since the process
 * is still alive to poll it.  pidfd_send_signal also takes the fd of a
 * /proc/<pid> directory, as Linux does (fs/procfs.c tells which thread it
 * names).  Invariant: pidfd_fops marks pidfd files.
 */
#include "syscalls/syscalls.h"
#include "syscalls/signal_impl.h"
#include "syscalls/misc.h"
#include "fs/vfs_impl.h"

/* Handlers reused from syscalls/signal.c and syscalls/mm.c. */
long sys_kill(int pid, int sig);
long sys_tgkill(int tgid, int tid, int sig);
long sys_rt_sigqueueinfo(int pid, int sig, u64 uinfo);
long sys_rt_tgsigqueueinfo(int tgid, int tid, int sig, u64 uinfo);
long sys_madvise(u64 addr, u64 len, int advice);

#define PIDFD_NONBLOCK O_NONBLOCK
#define PIDFD_THREAD O_EXCL
#define PIDFD_SIGNAL_THREAD 1
#define PIDFD_SIGNAL_THREAD_GROUP 2
#define PIDFD_SIGNAL_PROCESS_GROUP 4
#define UIO_MAXIOV 1024
#define PG 4096UL

struct kiovec {
    u64 base, len;
};

struct pidfd {
    int tid;                           /* the task named; PID_SELF: the process */
    bool thread;                       /* opened with PIDFD_THREAD */
};

static struct vnode pidfd_vnode = { .name = "anon_inode:[pidfd]", .nops = &anon_inode_nops };

/* A thread pidfd is readable once its thread has exited; the process
 * pidfd never is while the program runs. */
static int pidfd_poll(struct file *f)
{
    struct pidfd *p = f->priv;
    if (p->thread && thread_by_tid(p->tid) == NULL)
        return POLLIN | POLLRDNORM;
    return 0;
}

static long pidfd_read(struct file *f, void *buf, size_t n, u64 off)
{
    (void)f, (void)buf, (void)n, (void)off;
    return -EINVAL;
}

static void pidfd_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops pidfd_fops = {
    .read = pidfd_read,
    .poll = pidfd_poll,
    .release = pidfd_release,
};

/* partial: a thread pidfd's exit wakes poll only on the next readiness change */
long sys_pidfd_open(int pid, unsigned flags)
{
    if ((flags & ~(unsigned)(PIDFD_NONBLOCK | PIDFD_THREAD)) != 0 || pid <= 0)
        return -EINVAL;
    if (thread_by_tid(pid) == NULL)
        return -ESRCH;
    if (pid != PID_SELF && (flags & PIDFD_THREAD) == 0)
        return -ENOENT;                /* a thread, not a thread-group leader */
    struct pidfd *p = kzalloc(sizeof(*p));
    struct file *f = file_alloc();
    if (p == NULL || f == NULL) {
        kfree(p);
        kfree(f);
        return -ENOMEM;
    }
    p->tid = pid;
    p->thread = (flags & PIDFD_THREAD) != 0;
    f->ops = &pidfd_fops;
    f->priv = p;
    f->node = (struct node){ &pidfd_vnode, anon_inode_next() };
    f->flags = O_RDWR | (flags & (PIDFD_NONBLOCK | PIDFD_THREAD));
    int fd = fd_install(f, 0, true);
    if (fd < 0)
        file_put(f);
    return fd;
}

/* The task pidfd file f names (PID_SELF: the process), or -EBADF if f is
 * not a pidfd (setns takes pidfds, syscalls/sysmisc.c). */
int pidfd_file_tid(struct file *f)
{
    return f != NULL && f->ops == &pidfd_fops ? ((struct pidfd *)f->priv)->tid : -EBADF;
}

/* The pidfd open at fd: its state, or NULL and *err = -EBADF. */
static struct pidfd *pidfd_get(int fd, long *err)
{
    struct file *f = fd_file(fd);
    *err = -EBADF;
    if (f == NULL || f->ops != &pidfd_fops)
        return NULL;
    struct pidfd *p = f->priv;
    if (thread_by_tid(p->tid) == NULL) {
        *err = -ESRCH;
        return NULL;
    }
    return p;
}

long sys_pidfd_send_signal(int pidfd, int sig, u64 uinfo, unsigned flags)
{
    long err;
    unsigned scope = flags & (PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP |
                              PIDFD_SIGNAL_PROCESS_GROUP);
    if (flags != scope || (scope & (scope - 1)) != 0)
        return -EINVAL;
    struct pidfd *p = pidfd_get(pidfd, &err), dir;
    if (p == NULL && err == -EBADF && procfs_pid_dir(fd_file(pidfd)) > 0) {
        /* A /proc/<pid> directory: its process (the thread for PIDFD_SIGNAL_THREAD). */
        dir = (struct pidfd){ procfs_pid_dir(fd_file(pidfd)), false };
        p = dir.tid == PID_SELF || thread_by_tid(dir.tid) != NULL ? &dir : NULL;
        err = -ESRCH;
    }
    if (p == NULL)
        return err;
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    if (uinfo != 0) {
        struct ksiginfo si;
        if (copy_from_user(&si, (void *)uinfo, sizeof(si)) < 0)
            return -EFAULT;
        if (si.signo != sig)
            return -EINVAL;
    }
    bool to_thread = scope == PIDFD_SIGNAL_THREAD || (scope == 0 && p->thread);
    if (to_thread) {
        if (uinfo != 0)
            return sys_rt_tgsigqueueinfo(PID_SELF, p->tid, sig, uinfo);
        return sys_tgkill(PID_SELF, p->tid, sig);
    }
    if (uinfo != 0)
        return sys_rt_sigqueueinfo(PID_SELF, sig, uinfo);
    return sys_kill(PID_SELF, sig);
}

long sys_pidfd_getfd(int pidfd, int targetfd, unsigned flags)
{
    long err;
    if (flags != 0)
        return -EINVAL;
    if (pidfd_get(pidfd, &err) == NULL)
        return err;
    struct file *f = fd_file(targetfd);
    if (f == NULL)
        return -EBADF;
    file_get(f);
    int fd = fd_install(f, 0, true);
    if (fd < 0)
        file_put(f);
    return fd;
}

/* Read and check an iovec array of n entries into v: total bytes, or
 * -EINVAL (too many, or the total overflows ssize_t) / -EFAULT. */
static long iov_read(const void *uiov, u64 n, struct kiovec *v)
{
    u64 total = 0;
    if (n > UIO_MAXIOV)
        return -EINVAL;
    if (n > 0 && copy_from_user(v, uiov, n * sizeof(*v)) < 0)
        return -EFAULT;
    for (u64 i = 0; i < n; i++) {
        if ((s64)v[i].len < 0 || total + v[i].len > (u64)0x7fffffffffffffffUL)
            return -EINVAL;
        total += v[i].len;
    }
    return (long)total;
}

long sys_process_madvise(int pidfd, const void *uiov, u64 vlen, int advice, unsigned flags)
{
    long err;
    if (flags != 0)
        return -EINVAL;
    struct kiovec *v = kmalloc(UIO_MAXIOV * sizeof(*v));
    if (v == NULL)
        return -ENOMEM;
    long r = iov_read(uiov, vlen, v);
    if (r >= 0 && pidfd_get(pidfd, &err) == NULL)
        r = err;
    if (r >= 0) {
        long done = 0;
        for (u64 i = 0; i < vlen && r >= 0; i++) {
            long m = sys_madvise(v[i].base, v[i].len, advice);
            if (m < 0)
                r = done > 0 ? done : m;
            else
                done += (long)v[i].len;
        }
        if (r >= 0)
            r = done;
    }
    kfree(v);
    return r;
}

long sys_process_mrelease(int pidfd, unsigned flags)
{
    long err;
    if (flags != 0)
        return -EINVAL;
    if (pidfd_get(pidfd, &err) == NULL)
        return err;
    return -EINVAL;                    /* the process is alive, not exiting */
}

/* pid 1 (the process) or one of its threads: 0, else -ESRCH. */
static int task_exists(int pid)
{
    return pid > 0 && thread_by_tid(pid) != NULL ? 0 : -ESRCH;
}

/* Copy between the local and "remote" (the same address space) iovecs a page
 * of the remote side at a time: bytes copied, or -EFAULT if none was. */
static long vm_rw(int pid, const void *ulocal, u64 nl, const void *uremote, u64 nr, u64 flags,
                  bool write)
{
    if (flags != 0)
        return -EINVAL;
    struct kiovec *lv = kmalloc(UIO_MAXIOV * sizeof(*lv));
    struct kiovec *rv = kmalloc(UIO_MAXIOV * sizeof(*rv));
    u8 *buf = kmalloc(PG);
    /* As Linux: an empty local side is 0 before the remote iovec is even
     * read (rv is then not filled in: the copy loop must not run), an empty
     * remote side is 0 before the pid is looked up. */
    long r = lv == NULL || rv == NULL || buf == NULL ? -ENOMEM : iov_read(ulocal, nl, lv);
    bool copy = r > 0;
    if (copy) {
        r = iov_read(uremote, nr, rv);
        copy = r > 0;
    }
    if (copy) {
        r = task_exists(pid);
        copy = r == 0;
    }
    if (copy) {
        long done = 0;
        u64 li = 0, loff = 0;
        for (u64 ri = 0; ri < nr && r == 0; ri++) {
            u64 roff = 0;
            while (roff < rv[ri].len && r == 0) {
                while (li < nl && loff == lv[li].len) {
                    li++;
                    loff = 0;
                }
                if (li == nl)
                    break;
                u64 ra = rv[ri].base + roff, la = lv[li].base + loff;
                u64 k = MIN(PG - (ra & (PG - 1)), rv[ri].len - roff);
                k = MIN(k, lv[li].len - loff);
                void *src = write ? (void *)la : (void *)ra;
                void *dst = write ? (void *)ra : (void *)la;
                if (copy_from_user(buf, src, k) < 0 || copy_to_user(dst, buf, k) < 0) {
                    r = -EFAULT;
                    break;
                }
                done += (long)k;
                roff += k;
                loff += k;
            }
        }
        if (done > 0 || r == 0)
            r = done;
    }
    kfree(lv);
    kfree(rv);
    kfree(buf);
    return r;
}

long sys_process_vm_readv(int pid, const void *lvec, u64 nl, const void *rvec, u64 nr, u64 flags)
{
    return vm_rw(pid, lvec, nl, rvec, nr, flags, false);
}

long sys_process_vm_writev(int pid, const void *lvec, u64 nl, const void *rvec, u64 nr, u64 flags)
{
    return vm_rw(pid, lvec, nl, rvec, nr, flags, true);
}

#define KCMP_FILE 0
#define KCMP_EPOLL_TFD 7
#define KCMP_TYPES 8

/* Linux orders kernel objects by obfuscated pointers: 0 equal, 1 or 2. */
static long kcmp_ptr(const void *a, const void *b)
{
    if (a == b)
        return 0;
    return (u64)a < (u64)b ? 1 : 2;
}

/* partial: KCMP_EPOLL_TFD answers as a kernel without epoll (EOPNOTSUPP) */
long sys_kcmp(int pid1, int pid2, int type, u64 idx1, u64 idx2)
{
    if (task_exists(pid1) < 0 || task_exists(pid2) < 0)
        return -ESRCH;
    switch (type) {
    case KCMP_FILE: {
        struct file *a = fd_file((int)idx1), *b = fd_file((int)idx2);
        if (idx1 > 0x7fffffffUL || idx2 > 0x7fffffffUL || a == NULL || b == NULL)
            return -EBADF;
        return kcmp_ptr(a, b);
    }
    case KCMP_EPOLL_TFD:
        return -EOPNOTSUPP;
    default:
        if (type < 0 || type >= KCMP_TYPES)
            return -EINVAL;
        return 0;                      /* VM, files, fs, sighand, io, sysvsem: all shared */
    }
}

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_WHO_PGRP 2
#define IOPRIO_WHO_USER 3
#define IOPRIO_CLASS_NONE 0
#define IOPRIO_CLASS_RT 1
#define IOPRIO_CLASS_IDLE 3

static int ioprio_value;               /* 0: IOPRIO_CLASS_NONE, as never set */

/* Does who (for which) name solo's process or one of its tasks: 0 or -errno. */
static int ioprio_who(int which, int who)
{
    switch (which) {
    case IOPRIO_WHO_PROCESS:
        return who == 0 ? 0 : task_exists(who);
    case IOPRIO_WHO_PGRP:
        return who == 0 || who == PID_SELF ? 0 : -ESRCH;
    case IOPRIO_WHO_USER:
        return who == 0 || (u32)who == process_ruid() ? 0 : -ESRCH;
    default:
        return -EINVAL;
    }
}

/* partial: one I/O priority shared by all threads; it orders no I/O */
long sys_ioprio_set(int which, int who, int ioprio)
{
    int class = (ioprio >> 13) & 7, level = ioprio & 7;
    if (class > IOPRIO_CLASS_IDLE || (class == IOPRIO_CLASS_NONE && level != 0))
        return -EINVAL;
    int r = ioprio_who(which, who);
    if (r < 0)
        return r;
    ioprio_value = ioprio;
    return 0;
}

/* partial: one I/O priority shared by all threads */
long sys_ioprio_get(int which, int who)
{
    int r = ioprio_who(which, who);
    if (r < 0)
        return r;
    return ioprio_value;
}
