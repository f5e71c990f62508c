/*
 * fs_poll.c - pipe/pipe2 and the readiness calls poll, ppoll, select and
 * pselect6 over the fd table.
 *
 * A file's readiness comes from its poll method (pipes); files without one
 * (regular files, devices, the console) are always readable and writable,
 * as on Linux.  Waiters sleep on vfs_pollq with the call's deadline and
 * rescan after every wake-up; a handled signal ends the wait with EINTR.
 * ppoll, pselect6 and epoll_pwait(2) install their signal mask for the
 * wait (signal_mask_push) and put the caller's back when they return
 * without EINTR; after EINTR the handler runs under the call's mask and the
 * old one comes back with its sigreturn, as on Linux.  A write to a pipe
 * with no reader fails with EPIPE and raises SIGPIPE (at the syscall edge,
 * syscalls/signal_frame.c).
 */
#include "syscalls.h"
#include "fs/vfs_impl.h"
#include "runtime/sched/signal.h"

#define FD_WORDS (VFS_FD_MAX / 64)
#define POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET POLLPRI

struct pollfd_k { s32 fd; s16 events, revents; };
struct timespec_k { s64 sec, nsec; };

long sys_pipe2(int *ufds, int flags)
{
    struct file *r, *w;
    if ((flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) != 0)
        return -EINVAL;
    int e = pipe_create(flags, &r, &w);
    if (e < 0)
        return e;
    int fds[2] = { fd_install(r, 0, (flags & O_CLOEXEC) != 0), -1 };
    if (fds[0] < 0) {
        file_put(r);
        file_put(w);
        return fds[0];
    }
    fds[1] = fd_install(w, 0, (flags & O_CLOEXEC) != 0);
    if (fds[1] < 0) {
        file_put(w);
        fd_close(fds[0]);
        return fds[1];
    }
    if (copy_to_user(ufds, fds, sizeof(fds)) < 0) {
        fd_close(fds[0]);
        fd_close(fds[1]);
        return -EFAULT;
    }
    return 0;
}

long sys_pipe(int *ufds)
{
    return sys_pipe2(ufds, 0);
}

/* Install the temporary mask *umask of ppoll/pselect6/epoll_pwait (none
 * when umask is NULL): 0, -EINVAL for a size other than Linux's 8-byte
 * sigset, -EFAULT.  *pushed tells mask_end whether there is one to undo. */
static int mask_begin(const void *umask, size_t size, bool *pushed)
{
    u64 m;
    *pushed = false;
    if (umask == NULL)
        return 0;
    if (size != sizeof(m))
        return -EINVAL;
    if (copy_from_user(&m, umask, sizeof(m)) < 0)
        return -EFAULT;
    signal_mask_push(m);
    *pushed = true;
    return 0;
}

/* The call's result r; the caller's mask is back unless r is -EINTR (then
 * signal delivery restores it, after the handler ran under the call's mask). */
static long mask_end(bool pushed, long r)
{
    if (pushed && r != -EINTR)
        signal_mask_pop();
    return r;
}

/* Ready bits of fd among events (POLLERR/POLLHUP always), POLLNVAL if closed. */
static int fd_revents(int fd, int events)
{
    struct file *f = fd_file(fd);
    if (f == NULL || (f->flags & O_PATH) != 0)
        return POLLNVAL;
    int m = (f->ops != NULL && f->ops->poll != NULL) ? f->ops->poll(f) : DEFAULT_POLLMASK;
    return m & (events | POLLERR | POLLHUP);
}

/* Absolute deadline for a relative timeout in ns (< 0: none -> 0, forever). */
static u64 deadline_of(s64 ns)
{
    return ns < 0 ? 0 : now_ns() + (u64)ns + (ns == 0 ? 0 : 1);
}

/* Sleep until something changes, the deadline passes or a signal the
 * thread acts on arrives (as Linux, poll/select/epoll waits are interrupted
 * by a handled signal, SA_RESTART or not): 1 to look again, 0 on timeout,
 * -EINTR. */
static int poll_sleep(s64 timeout, u64 deadline)
{
    if (timeout == 0 || (deadline != 0 && now_ns() >= deadline))
        return 0;
    int r = waitq_wait_intr(&vfs_pollq, deadline);
    if (r == -EINTR)
        return -EINTR;
    return r == 0 || deadline == 0 || now_ns() < deadline ? 1 : 0;
}

static long do_poll(struct pollfd_k *ufds, u64 nfds, s64 timeout)
{
    if (nfds > (u64)fd_limit())
        return -EINVAL;
    struct pollfd_k *p = kmalloc(MAX(nfds, (u64)1) * sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    long n = 0;
    u64 deadline = deadline_of(timeout);
    if (copy_from_user(p, ufds, nfds * sizeof(*p)) < 0) {
        n = -EFAULT;
        goto out;
    }
    for (;;) {
        n = 0;
        for (u64 i = 0; i < nfds; i++) {
            p[i].revents = p[i].fd < 0 ? 0 : (s16)fd_revents(p[i].fd, (u16)p[i].events);
            n += p[i].revents != 0 ? 1 : 0;
        }
        if (n > 0)
            break;
        int w = poll_sleep(timeout, deadline);
        if (w <= 0) {
            n = w;
            break;
        }
    }
    for (u64 i = 0; n >= 0 && i < nfds; i++)
        if (copy_to_user(&ufds[i].revents, &p[i].revents, sizeof(p[i].revents)) < 0)
            n = -EFAULT;
out:
    kfree(p);
    return n;
}

long sys_poll(struct pollfd_k *ufds, u64 nfds, int timeout_ms)
{
    return do_poll(ufds, nfds, timeout_ms < 0 ? -1 : (s64)timeout_ms * 1000000);
}

/* Read a relative timespec: ns, -1 for NULL, or -EINVAL/-EFAULT (as *err). */
static s64 get_timeout(const struct timespec_k *uts, int *err)
{
    struct timespec_k ts;
    *err = 0;
    if (uts == NULL)
        return -1;
    if (copy_from_user(&ts, uts, sizeof(ts)) < 0)
        *err = -EFAULT;
    else if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
        *err = -EINVAL;
    if (*err != 0)
        return 0;
    if (ts.sec > 0x7fffffffffLL)
        return -1;
    return ts.sec * 1000000000 + ts.nsec;
}

/* Write back the time left of a relative timeout that started at start. */
static void put_left(struct timespec_k *uts, s64 timeout, u64 start, bool usec)
{
    if (uts == NULL || timeout < 0)
        return;
    s64 left = timeout - (s64)(now_ns() - start);
    if (left < 0)
        left = 0;
    struct timespec_k ts = { left / 1000000000, left % 1000000000 };
    if (usec)
        ts.nsec /= 1000;
    copy_to_user(uts, &ts, sizeof(ts));
}

long sys_ppoll(struct pollfd_k *ufds, u64 nfds, struct timespec_k *uts, const void *sigmask,
               size_t sigsetsize)
{
    int err;
    bool pushed;
    s64 timeout = get_timeout(uts, &err);
    if (err != 0)
        return err;
    err = mask_begin(sigmask, sigsetsize, &pushed);
    if (err != 0)
        return err;
    u64 start = now_ns();
    long r = do_poll(ufds, nfds, timeout);
    put_left(uts, timeout, start, false);
    return mask_end(pushed, r);
}

/* select core over nfds bits of the three user sets (any may be NULL). */
static long do_select(int nfds, u64 *ur, u64 *uw, u64 *ue, s64 timeout)
{
    u64 in[3][FD_WORDS], out[3][FD_WORDS];
    u64 *user[3] = { ur, uw, ue };
    static const int want[3] = { POLLIN_SET, POLLOUT_SET, POLLEX_SET };
    if (nfds < 0)
        return -EINVAL;
    nfds = MIN(nfds, fd_limit());
    size_t words = ((size_t)nfds + 63) / 64, bytes = ((size_t)nfds + 7) / 8;
    memset(in, 0, sizeof(in));
    for (int k = 0; k < 3; k++)
        if (user[k] != NULL && copy_from_user(in[k], user[k], bytes) < 0)
            return -EFAULT;
    u64 deadline = deadline_of(timeout);
    long n;
    for (;;) {
        n = 0;
        memset(out, 0, sizeof(out));
        for (int fd = 0; fd < nfds; fd++) {
            u64 bit = 1UL << (fd % 64);
            size_t w = (size_t)fd / 64;
            if (((in[0][w] | in[1][w] | in[2][w]) & bit) == 0)
                continue;
            int rev = fd_revents(fd, POLLIN_SET | POLLOUT_SET | POLLEX_SET);
            if (rev == POLLNVAL)
                return -EBADF;
            for (int k = 0; k < 3; k++) {
                if ((in[k][w] & bit) != 0 && (rev & want[k]) != 0) {
                    out[k][w] |= bit;
                    n++;
                }
            }
        }
        if (n > 0)
            break;
        int w = poll_sleep(timeout, deadline);
        if (w < 0)
            return w;
        if (w == 0)
            break;
    }
    for (int k = 0; k < 3; k++)
        if (user[k] != NULL && words > 0 && copy_to_user(user[k], out[k], bytes) < 0)
            return -EFAULT;
    return n;
}

struct timeval_k { s64 sec, usec; };

long sys_select(int nfds, u64 *r, u64 *w, u64 *e, struct timeval_k *utv)
{
    struct timeval_k tv;
    s64 timeout = -1;
    if (utv != NULL) {
        if (copy_from_user(&tv, utv, sizeof(tv)) < 0)
            return -EFAULT;
        if (tv.sec < 0 || tv.usec < 0 || tv.usec >= 1000000)
            return -EINVAL;
        timeout = tv.sec > 0x7fffffffffLL ? -1 : tv.sec * 1000000000 + tv.usec * 1000;
    }
    u64 start = now_ns();
    long n = do_select(nfds, r, w, e, timeout);
    put_left((struct timespec_k *)utv, timeout, start, true);
    return n;
}

/* pselect6's sixth argument: where the mask is and its size. */
struct sigset_argpack_k { u64 ss; u64 ss_len; };

long sys_pselect6(int nfds, u64 *r, u64 *w, u64 *e, struct timespec_k *uts, const void *sig)
{
    struct sigset_argpack_k pack = { 0, 0 };
    int err;
    bool pushed;
    if (sig != NULL && copy_from_user(&pack, sig, sizeof(pack)) < 0)
        return -EFAULT;
    s64 timeout = get_timeout(uts, &err);
    if (err != 0)
        return err;
    err = mask_begin((const void *)pack.ss, pack.ss_len, &pushed);
    if (err != 0)
        return err;
    u64 start = now_ns();
    long n = do_select(nfds, r, w, e, timeout);
    put_left(uts, timeout, start, false);
    return mask_end(pushed, n);
}

/* ---------------------------------------------------------------- epoll */

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EP_BATCH 64

static long install_new(struct file *f, bool cloexec)
{
    long fd = fd_install(f, 0, cloexec);
    if (fd < 0)
        file_put(f);
    return fd;
}

long sys_epoll_create1(int flags)
{
    struct file *f;
    if ((flags & ~O_CLOEXEC) != 0)
        return -EINVAL;
    int r = epoll_create_file(&f);
    return r < 0 ? r : install_new(f, (flags & O_CLOEXEC) != 0);
}

long sys_epoll_create(int size)
{
    return size <= 0 ? -EINVAL : sys_epoll_create1(0);
}

// partial: EPOLLET reports changes of the ready set; an epoll fd cannot be added to another (EINVAL)
long sys_epoll_ctl(int epfd, int op, int fd, const struct epoll_event_k *uev)
{
    struct file *ep = fd_file(epfd), *tf = fd_file(fd);
    struct epoll_event_k ev = { 0, 0 };
    struct kstat st;
    if (ep == NULL || tf == NULL || (tf->flags & O_PATH) != 0)
        return -EBADF;
    if (op != EPOLL_CTL_DEL && copy_from_user(&ev, uev, sizeof(ev)) < 0)
        return -EFAULT;
    if (!file_is_epoll(ep) || ep == tf || op < EPOLL_CTL_ADD || op > EPOLL_CTL_MOD)
        return -EINVAL;
    if (file_is_epoll(tf) && op == EPOLL_CTL_ADD)
        return -EINVAL;
    if (node_stat(tf->node, &st) == 0 && (S_ISREG(st.mode) || S_ISDIR(st.mode)))
        return -EPERM;
    return epoll_control(ep, op, fd, tf, ev.events, ev.data);
}

/* epoll_wait core with a relative timeout in ns (-1: forever).  Up to max
 * events per call, as Linux: a set holds at most one item per fd, so
 * VFS_FD_MAX entries are enough (a larger buffer than EP_BATCH comes from
 * the heap). */
static long do_epoll_wait(int epfd, struct epoll_event_k *uev, int max, s64 timeout)
{
    struct epoll_event_k batch[EP_BATCH], *k = batch;
    struct file *ep = fd_file(epfd);
    if (ep == NULL)
        return -EBADF;
    if (max <= 0 || !file_is_epoll(ep))
        return -EINVAL;
    if (!user_range_ok(uev, (size_t)max * sizeof(*uev)))
        return -EFAULT;
    int cap = MIN(max, VFS_FD_MAX);
    if (cap > EP_BATCH && (k = kmalloc((size_t)cap * sizeof(*k))) == NULL)
        return -ENOMEM;
    u64 deadline = deadline_of(timeout);
    long r;
    for (;;) {
        int n = epoll_collect(ep, k, cap);
        if (n > 0) {
            r = copy_to_user(uev, k, (size_t)n * sizeof(*k)) < 0 ? -EFAULT : n;
            break;
        }
        r = poll_sleep(timeout, deadline);
        if (r <= 0)
            break;
    }
    if (k != batch)
        kfree(k);
    return r;
}

long sys_epoll_wait(int epfd, struct epoll_event_k *uev, int max, int timeout_ms)
{
    return do_epoll_wait(epfd, uev, max, timeout_ms < 0 ? -1 : (s64)timeout_ms * 1000000);
}

long sys_epoll_pwait(int epfd, struct epoll_event_k *uev, int max, int timeout_ms, const void *sigmask,
                     size_t sigsetsize)
{
    bool pushed;
    int err = mask_begin(sigmask, sigsetsize, &pushed);
    if (err != 0)
        return err;
    return mask_end(pushed, sys_epoll_wait(epfd, uev, max, timeout_ms));
}

long sys_epoll_pwait2(int epfd, struct epoll_event_k *uev, int max, const struct timespec_k *uts,
                      const void *sigmask, size_t sigsetsize)
{
    int err;
    bool pushed;
    s64 timeout = get_timeout(uts, &err);
    if (err != 0)
        return err;
    err = mask_begin(sigmask, sigsetsize, &pushed);
    if (err != 0)
        return err;
    return mask_end(pushed, do_epoll_wait(epfd, uev, max, timeout));
}

/* ---------------------------------------------------------------- eventfd */

#define EFD_SEMAPHORE 1

long sys_eventfd2(unsigned initval, int flags)
{
    struct file *f;
    if ((flags & ~(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE)) != 0)
        return -EINVAL;
    int r = eventfd_create_file(initval, flags, &f);
    return r < 0 ? r : install_new(f, (flags & O_CLOEXEC) != 0);
}

long sys_eventfd(unsigned initval)
{
    return sys_eventfd2(initval, 0);
}
