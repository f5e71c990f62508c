// covers: timerfd_create timerfd_settime timerfd_gettime
/*
 * timerfd.c - timer file descriptors: creation flags and clocks, one-shot
 * and periodic timers read as expiration counts, relative and absolute
 * (TFD_TIMER_ABSTIME) settings, the old value returned by settime,
 * gettime while armed and after disarming, nonblocking reads, poll
 * readiness, and the error paths (EINVAL, EBADF, EFAULT).
 */
#include "common.h"
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <sys/timerfd.h>

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long settime(int fd, int flags, long long value_ns, long long interval_ns, struct itimerspec *old)
{
    struct itimerspec its = { { interval_ns / 1000000000LL, interval_ns % 1000000000LL },
                              { value_ns / 1000000000LL, value_ns % 1000000000LL } };
    return syscall(SYS_timerfd_settime, fd, flags, &its, old);
}

int main(void)
{
    show("create bad clock", syscall(SYS_timerfd_create, 99, 0));
    show("create process CPU clock", syscall(SYS_timerfd_create, CLOCK_PROCESS_CPUTIME_ID, 0));
    show("create bad flags", syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 1));
    int rt = (int)syscall(SYS_timerfd_create, CLOCK_REALTIME, TFD_CLOEXEC);
    int bt = (int)syscall(SYS_timerfd_create, CLOCK_BOOTTIME, 0);
    fact("realtime and boottime timerfds", rt >= 0 && bt >= 0);
    int fd = (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_NONBLOCK);
    fact("monotonic nonblocking timerfd", fd >= 0);

    uint64_t n = 0;
    struct itimerspec cur;
    errno = 0;
    show("read while disarmed (nonblocking)", read(fd, &n, sizeof(n)));
    show("gettime disarmed", syscall(SYS_timerfd_gettime, fd, &cur));
    fact("disarmed reads zero", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0 &&
                                cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 0);

    /* one-shot, 50 ms */
    show("settime one-shot 50 ms", settime(fd, 0, 50000000LL, 0, NULL));
    show("gettime armed", syscall(SYS_timerfd_gettime, fd, &cur));
    long long left = cur.it_value.tv_sec * 1000000000LL + cur.it_value.tv_nsec;
    fact("time left in (0, 50 ms]", left > 0 && left <= 50000000LL);
    struct pollfd p = { fd, POLLIN, 0 };
    show("poll before expiry", poll(&p, 1, 0));
    show("poll until expiry", poll(&p, 1, 5000));
    printf("revents POLLIN %d\n", (p.revents & POLLIN) != 0);
    show("read after expiry", read(fd, &n, sizeof(n)));
    printf("expirations %llu\n", (unsigned long long)n);
    show("read again (nonblocking, none)", read(fd, &n, sizeof(n)));
    show("gettime after a one-shot fired", syscall(SYS_timerfd_gettime, fd, &cur));
    fact("one-shot is disarmed", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    show("read with a 4-byte buffer", read(fd, &n, 4));

    /* periodic 10 ms: after 100 ms several expirations have accumulated */
    show("settime periodic 10 ms", settime(fd, 0, 10000000LL, 10000000LL, NULL));
    struct timespec nap = { 0, 100000000L };
    nanosleep(&nap, NULL);
    show("read periodic", read(fd, &n, sizeof(n)));
    fact("periodic expirations >= 3", n >= 3);
    struct itimerspec old;
    show("settime disarm, old value", settime(fd, 0, 0, 0, &old));
    fact("old interval is 10 ms", old.it_interval.tv_sec == 0 && old.it_interval.tv_nsec == 10000000L);
    fact("old value within the period", old.it_value.tv_sec == 0 && old.it_value.tv_nsec <= 10000000L);

    /* absolute: a time in the past fires at once; a blocking read waits */
    struct itimerspec abs = { { 0, 0 }, { 0, 0 } };
    long long now = mono_ns() - 1000000LL;
    abs.it_value.tv_sec = now / 1000000000LL;
    abs.it_value.tv_nsec = now % 1000000000LL;
    show("settime absolute in the past", syscall(SYS_timerfd_settime, fd, TFD_TIMER_ABSTIME, &abs, NULL));
    show("read absolute past", read(fd, &n, sizeof(n)));
    printf("expirations %llu\n", (unsigned long long)n);
    int blk = (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
    now = mono_ns() + 30000000LL;
    abs.it_value.tv_sec = now / 1000000000LL;
    abs.it_value.tv_nsec = now % 1000000000LL;
    show("settime absolute +30 ms", syscall(SYS_timerfd_settime, blk, TFD_TIMER_ABSTIME, &abs, NULL));
    show("blocking read", read(blk, &n, sizeof(n)));
    fact("woke at or after the deadline", mono_ns() >= now);
    printf("expirations %llu\n", (unsigned long long)n);

    /* errors */
    struct itimerspec bad = { { 0, 0 }, { 0, 1000000000L } };
    show("settime nsec too large", syscall(SYS_timerfd_settime, fd, 0, &bad, NULL));
    bad.it_value.tv_nsec = -1;
    show("settime negative nsec", syscall(SYS_timerfd_settime, fd, 0, &bad, NULL));
    show("settime bad flags", settime(fd, 8, 1000000LL, 0, NULL));
    show("settime bad fd", settime(999, 0, 1000000LL, 0, NULL));
    show("settime not a timerfd", settime(0, 0, 1000000LL, 0, NULL));
    show("settime bad pointer", syscall(SYS_timerfd_settime, fd, 0, (void *)8, NULL));
    show("gettime bad fd", syscall(SYS_timerfd_gettime, 999, &cur));
    show("gettime not a timerfd", syscall(SYS_timerfd_gettime, 0, &cur));
    show("gettime bad pointer", syscall(SYS_timerfd_gettime, fd, (void *)8));
    show("write to a timerfd", write(fd, &n, sizeof(n)));
    close(blk);
    close(fd);
    close(bt);
    close(rt);
    return 0;
}
