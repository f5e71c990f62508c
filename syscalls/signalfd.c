/*
 * signalfd.c - signalfd and signalfd4: a file descriptor from which the
 * calling thread reads its pending signals in the descriptor's mask, as
 * 128-byte struct signalfd_siginfo records, instead of having them
 * delivered.  A read dequeues (thread queue first, then the process's) like
 * sigtimedwait; poll/select/epoll report it readable while such a signal is
 * pending for the thread that polls.  The signal code calls
 * signalfd_signal_queued after queueing any signal, which wakes blocked
 * readers (sleeping on sfd_q) and pollers.
 * Invariant: a signalfd's mask never holds SIGKILL or SIGSTOP.
 */
#include "syscalls/syscalls.h"
#include "syscalls/signal_impl.h"
#include "fs/vfs_impl.h"

#define SFD_CLOEXEC O_CLOEXEC
#define SFD_NONBLOCK O_NONBLOCK

struct signalfd_siginfo {
    u32 signo;
    s32 err, code;
    u32 pid, uid;
    s32 fd;
    u32 tid, band, overrun, trapno;
    s32 status, sint;
    u64 ptr, utime, stime, addr;
    u16 addr_lsb, pad2;
    s32 syscall;
    u64 call_addr;
    u32 arch;
    u8 pad[28];
};

struct sfd {
    u64 mask;                          /* SIGBIT set of the signals read here */
};

static struct waitq sfd_q;             /* readers of every signalfd */
static bool sfd_q_ready;

static struct vnode sfd_vnode = { .name = "anon_inode:[signalfd]", .nops = &anon_inode_nops };

void signalfd_signal_queued(void)
{
    if (sfd_q_ready)
        waitq_wake(&sfd_q, 1 << 30);
    vfs_poll_wake();
}

/* Signals in mask pending for the current thread (its own or the process's). */
static u64 sfd_pending(u64 mask)
{
    u64 shared, ign, caught;
    signal_proc_sets(&shared, &ign, &caught);
    return (current->sig_pending | shared) & mask;
}

/* Fill the record for si as Linux lays out each kind of siginfo. */
static void sfd_fill(struct signalfd_siginfo *o, const struct ksiginfo *si)
{
    memset(o, 0, sizeof(*o));
    o->signo = (u32)si->signo;
    o->err = si->err;
    o->code = si->code;
    switch (si->code) {
    case SI_TIMER:
        o->tid = (u32)si->u.timer.tid;
        o->overrun = (u32)si->u.timer.overrun;
        o->ptr = si->u.timer.value;
        o->sint = (s32)si->u.timer.value;
        return;
    case SI_USER:
    case SI_TKILL:
    case SI_KERNEL:
        o->pid = (u32)si->u.kill.pid;
        o->uid = si->u.kill.uid;
        return;
    default:
        break;
    }
    if (si->code > 0 && (si->signo == SIGSEGV || si->signo == SIGBUS || si->signo == SIGILL ||
                         si->signo == SIGFPE || si->signo == SIGTRAP)) {
        o->addr = si->u.fault.addr;
        return;
    }
    o->pid = (u32)si->u.kill.pid;      /* SI_QUEUE, SI_MESGQ and other senders */
    o->uid = si->u.kill.uid;
    o->ptr = si->u.kill.value;
    o->sint = (s32)si->u.kill.value;
}

static long sfd_read(struct file *f, void *buf, size_t n, u64 off)
{
    struct sfd *s = f->priv;
    size_t done = 0;
    if (n < sizeof(struct signalfd_siginfo))
        return -EINVAL;
    while (done + sizeof(struct signalfd_siginfo) <= n) {
        struct ksiginfo si;
        int sig = sig_dequeue(current, s->mask, &si);
        if (sig != 0) {
            sfd_fill((struct signalfd_siginfo *)((u8 *)buf + done), &si);
            done += sizeof(struct signalfd_siginfo);
            continue;
        }
        if (done > 0)
            break;
        if ((f->flags & O_NONBLOCK) != 0)
            return -EAGAIN;
        if (waitq_wait_intr(&sfd_q, 0) == -EINTR)
            return -EINTR;
    }
    return (long)done;
}

static int sfd_poll(struct file *f)
{
    struct sfd *s = f->priv;
    return sfd_pending(s->mask) != 0 ? POLLIN : 0;   /* POLLIN alone, as Linux */
}

static void sfd_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops sfd_fops = {
    .read = sfd_read,
    .poll = sfd_poll,
    .release = sfd_release,
};

long sys_signalfd4(int fd, const u64 *umask, u64 size, int flags)
{
    u64 mask;
    if ((flags & ~(SFD_CLOEXEC | SFD_NONBLOCK)) != 0 || size != sizeof(u64))
        return -EINVAL;
    if (copy_from_user(&mask, umask, sizeof(mask)) < 0)
        return -EFAULT;
    mask &= ~SIG_UNBLOCKABLE;
    if (fd != -1) {
        struct file *f = fd_file(fd);
        if (f == NULL)
            return -EBADF;
        if (f->ops != &sfd_fops)
            return -EINVAL;
        ((struct sfd *)f->priv)->mask = mask;
        signalfd_signal_queued();      /* readiness may have changed */
        return fd;
    }
    if (!sfd_q_ready) {
        waitq_init(&sfd_q);
        sfd_q_ready = true;
    }
    struct sfd *s = kzalloc(sizeof(*s));
    struct file *f = file_alloc();
    if (s == NULL || f == NULL) {
        kfree(s);
        kfree(f);
        return -ENOMEM;
    }
    s->mask = mask;
    f->ops = &sfd_fops;
    f->priv = s;
    f->node = (struct node){ &sfd_vnode, anon_inode_next() };
    f->flags = O_RDWR | (flags & SFD_NONBLOCK);
    int nfd = fd_install(f, 0, (flags & SFD_CLOEXEC) != 0);
    if (nfd < 0)
        file_put(f);
    return nfd;
}

long sys_signalfd(int fd, const u64 *umask, u64 size)
{
    return sys_signalfd4(fd, umask, size, 0);
}
