/*
 * timerfd.c - timerfd_create, timerfd_settime, timerfd_gettime: a timer
 * whose expirations are read from a file descriptor (8 bytes: how many since
 * the last read) and that poll/select/epoll report readable once it fired.
 *
 * Each timerfd owns one kernel timer (struct ktimer); its callback runs in
 * interrupt context, adds the expirations (all of those a late or periodic
 * timer missed, as Linux counts them), re-arms a periodic timer and wakes
 * readers and vfs_pollq.  Deadlines are kept on the monotonic clock;
 * CLOCK_REALTIME absolute times are converted when set (a later change of
 * the realtime clock is not followed: solo's program cannot set it).
 * Invariant: armed == the ktimer is armed, and then deadline is its expiry.
 * The timer interrupt may come a little after the deadline, so read, poll
 * and gettime first expire a timer whose deadline has passed themselves
 * (tfd_catch_up): a timer set in the past reads as fired at once, as Linux.
 */
#include "syscalls/syscalls.h"
#include "fs/vfs_impl.h"
#include "runtime/x86_64/cpu.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2
#define TFD_CLOEXEC O_CLOEXEC
#define TFD_NONBLOCK O_NONBLOCK
#define NSEC 1000000000UL

struct ktimespec {
    s64 sec, nsec;
};

struct kitimerspec {
    struct ktimespec interval, value;
};

struct timerfd {
    int clock;
    struct ktimer kt;
    bool armed;
    u64 deadline, interval;            /* ns, monotonic; interval 0: one-shot */
    u64 count;                         /* expirations not yet read */
    struct waitq q;
};

static struct vnode tfd_vnode = { .name = "anon_inode:[timerfd]", .nops = &anon_inode_nops };
static const struct file_ops tfd_fops;

/* The timer fired (interrupt context): count what expired, re-arm, wake. */
static void tfd_fire(void *arg)
{
    struct timerfd *t = arg;
    u64 now = now_ns();
    t->armed = false;
    if (t->interval == 0) {
        t->count++;
    } else {
        u64 k = 1 + (now > t->deadline ? (now - t->deadline) / t->interval : 0);
        t->count += k;
        t->deadline += k * t->interval;
        t->armed = true;
        ktimer_arm(&t->kt, t->deadline);
    }
    waitq_wake(&t->q, 1 << 30);
    vfs_poll_wake();
}

/* Expire t now if its deadline has passed and the interrupt has not come
 * yet (interrupts off, so the timer callback cannot run meanwhile on this
 * CPU; other CPUs need the big kernel lock, which the caller holds). */
static void tfd_catch_up(struct timerfd *t)
{
    u64 rflags;
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(rflags) : : "memory");
    if (t->armed && now_ns() >= t->deadline) {
        ktimer_cancel(&t->kt);
        tfd_fire(t);
    }
    if ((rflags & 0x200) != 0)
        irq_enable();
}

static long tfd_read(struct file *f, void *buf, size_t n, u64 off)
{
    struct timerfd *t = f->priv;
    if (n < sizeof(u64))
        return -EINVAL;
    tfd_catch_up(t);
    while (t->count == 0) {
        if ((f->flags & O_NONBLOCK) != 0)
            return -EAGAIN;
        if (waitq_wait_intr(&t->q, 0) == -EINTR)
            return -EINTR;
    }
    memcpy(buf, &t->count, sizeof(u64));
    t->count = 0;
    return sizeof(u64);
}

static int tfd_poll(struct file *f)
{
    struct timerfd *t = f->priv;
    tfd_catch_up(t);
    return t->count > 0 ? POLLIN : 0;  /* POLLIN alone, as Linux */
}

static void tfd_release(struct file *f)
{
    struct timerfd *t = f->priv;
    ktimer_cancel(&t->kt);
    kfree(t);
}

static const struct file_ops tfd_fops = {
    .read = tfd_read,
    .poll = tfd_poll,
    .release = tfd_release,
};

long sys_timerfd_create(int clock, int flags)
{
    if (clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM)
        return -EPERM;                 /* needs CAP_WAKE_ALARM */
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME)
        return -EINVAL;
    if ((flags & ~(TFD_CLOEXEC | TFD_NONBLOCK)) != 0)
        return -EINVAL;
    struct timerfd *t = kzalloc(sizeof(*t));
    struct file *f = file_alloc();
    if (t == NULL || f == NULL) {
        kfree(t);
        kfree(f);
        return -ENOMEM;
    }
    t->clock = clock;
    t->kt.fn = tfd_fire;
    t->kt.arg = t;
    waitq_init(&t->q);
    f->ops = &tfd_fops;
    f->priv = t;
    f->node = (struct node){ &tfd_vnode, anon_inode_next() };
    f->flags = O_RDWR | (flags & TFD_NONBLOCK);
    int fd = fd_install(f, 0, (flags & TFD_CLOEXEC) != 0);
    if (fd < 0)
        file_put(f);
    return fd;
}

/* The timerfd behind fd: 0 and *out, -EBADF, or -EINVAL (not a timerfd). */
static int tfd_get(int fd, struct timerfd **out)
{
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;
    if (f->ops != &tfd_fops)
        return -EINVAL;
    *out = f->priv;
    return 0;
}

static u64 ts_ns(const struct ktimespec *ts)
{
    return (u64)ts->sec * NSEC + (u64)ts->nsec;
}

/* The current setting: time left to the next expiry, and the interval. */
static void tfd_current(struct timerfd *t, struct kitimerspec *cur)
{
    u64 now, left = 0;
    tfd_catch_up(t);
    now = now_ns();
    if (t->armed)
        left = t->deadline > now ? t->deadline - now : 1;
    cur->value = (struct ktimespec){ (s64)(left / NSEC), (s64)(left % NSEC) };
    cur->interval = (struct ktimespec){ (s64)(t->interval / NSEC), (s64)(t->interval % NSEC) };
}

// partial: TFD_TIMER_CANCEL_ON_SET never cancels (the realtime clock cannot be set in solo)
long sys_timerfd_settime(int fd, int flags, const struct kitimerspec *unew, struct kitimerspec *uold)
{
    struct timerfd *t;
    struct kitimerspec nv, old;
    int r = tfd_get(fd, &t);
    if (r < 0)
        return r;
    if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) != 0)
        return -EINVAL;
    if (copy_from_user(&nv, unew, sizeof(nv)) < 0)
        return -EFAULT;
    if (nv.value.sec < 0 || nv.value.nsec < 0 || nv.value.nsec >= (s64)NSEC ||
        nv.interval.sec < 0 || nv.interval.nsec < 0 || nv.interval.nsec >= (s64)NSEC)
        return -EINVAL;
    tfd_current(t, &old);
    if (uold != NULL && copy_to_user(uold, &old, sizeof(old)) < 0)
        return -EFAULT;
    ktimer_cancel(&t->kt);
    t->armed = false;
    t->count = 0;
    t->interval = ts_ns(&nv.interval);
    u64 v = ts_ns(&nv.value), now = now_ns();
    if (v == 0)
        return 0;                      /* disarmed */
    if ((flags & TFD_TIMER_ABSTIME) == 0) {
        t->deadline = now + v;
    } else if (t->clock == CLOCK_REALTIME) {
        t->deadline = realtime_to_now(v);
    } else {
        t->deadline = v;               /* CLOCK_MONOTONIC and BOOTTIME: now_ns's clock */
    }
    t->armed = true;
    ktimer_arm(&t->kt, t->deadline);
    return 0;
}

long sys_timerfd_gettime(int fd, struct kitimerspec *ucur)
{
    struct timerfd *t;
    struct kitimerspec cur;
    int r = tfd_get(fd, &t);
    if (r < 0)
        return r;
    tfd_current(t, &cur);
    return copy_to_user(ucur, &cur, sizeof(cur)) < 0 ? -EFAULT : 0;
}
