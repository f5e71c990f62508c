/*
 * timerfd.c - timerfd semantics (one-shot, periodic with missed expirations,
 * gettime, epoll and poll readiness, non-blocking read, absolute
 * CLOCK_REALTIME, errors), run natively and under solo with the same
 * expected output (tests/integration/net_tests.sh).  Timing checks use
 * generous bounds: only booleans are printed.
 */
#include <stdio.h>
#include <stdint.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
static long long ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000LL + t.tv_nsec / 1000000; }
int main(void) {
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec its = { {0, 0}, {0, 50000000} };
    long long t0 = ms();
    printf("settime %d\n", timerfd_settime(fd, 0, &its, NULL));
    uint64_t n = 0;
    ssize_t r = read(fd, &n, 8);
    long long dt = ms() - t0;
    printf("oneshot read %zd n=%llu waited>=45ms %d <300ms %d\n", r, (unsigned long long)n, dt >= 45, dt < 300);
    struct itimerspec cur;
    timerfd_gettime(fd, &cur);
    printf("disarmed after expiry %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    its = (struct itimerspec){ {0, 10000000}, {0, 10000000} };
    timerfd_settime(fd, 0, &its, NULL);
    usleep(55000);
    r = read(fd, &n, 8);
    printf("periodic read %zd n>=4 %d\n", r, n >= 4);
    timerfd_gettime(fd, &cur);
    printf("interval kept %d\n", cur.it_interval.tv_nsec == 10000000);
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 7 }, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    int ne = epoll_wait(ep, &out, 1, 1000);
    printf("epoll %d data %u\n", ne, ne == 1 ? out.data.u32 : 0);
    its = (struct itimerspec){ {0, 0}, {0, 0} };
    timerfd_settime(fd, 0, &its, NULL);
    int nb = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    r = read(nb, &n, 8);
    printf("nonblock read %zd errno EAGAIN %d\n", r, errno == EAGAIN);
    struct timespec now; clock_gettime(CLOCK_REALTIME, &now);
    its = (struct itimerspec){ {0, 0}, {now.tv_sec, now.tv_nsec} };
    its.it_value.tv_nsec += 20000000; if (its.it_value.tv_nsec >= 1000000000) { its.it_value.tv_sec++; its.it_value.tv_nsec -= 1000000000; }
    timerfd_settime(nb, TFD_TIMER_ABSTIME, &its, NULL);
    struct pollfd p = { nb, POLLIN, 0 };
    printf("abstime realtime poll %d\n", poll(&p, 1, 1000));
    int bad = timerfd_create(12345, 0);
    printf("bad clock %d errno EINVAL %d\n", bad, errno == EINVAL);
    its.it_value.tv_nsec = 1000000000;
    bad = timerfd_settime(nb, 0, &its, NULL);
    printf("bad nsec %d errno EINVAL %d\n", bad, errno == EINVAL);
    r = read(nb, &n, 4);
    printf("small read %zd errno EINVAL %d\n", r, errno == EINVAL);
    return 0;
}
