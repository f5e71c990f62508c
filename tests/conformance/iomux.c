/*
 * iomux.c - readiness: pipes (pipe, pipe2), eventfds, poll/ppoll,
 * select/pselect6 and the epoll family, each with its error cases.  Only
 * zero timeouts or already-ready descriptors are used, so nothing depends
 * on timing, except the last part: waits with no timeout that a timer
 * signal interrupts: poll/select/epoll_wait end with EINTR even under
 * SA_RESTART, blocking pipe and eventfd reads end with EINTR without it and
 * are restarted with it.
 */
// covers: pipe pipe2 eventfd eventfd2 poll ppoll select pselect6 epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait epoll_pwait2 setitimer
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>

static void test_pipes(int p[2])
{
    show("pipe", syscall(SYS_pipe, p));
    fact("pipe fds differ", p[0] != p[1]);
    show("pipe bad address", syscall(SYS_pipe, (void *)8));
    int q[2];
    show("pipe2", syscall(SYS_pipe2, q, O_CLOEXEC | O_NONBLOCK));
    show("pipe2 read end flags", fcntl(q[0], F_GETFD));
    fact("pipe2 nonblock", (fcntl(q[0], F_GETFL) & O_NONBLOCK) != 0);
    char c;
    show("read empty nonblock", read(q[0], &c, 1));
    show("pipe2 bad flags", syscall(SYS_pipe2, q, 0x1));
    close(q[0]);
    close(q[1]);
}

static void test_eventfd(void)
{
    int e = syscall(SYS_eventfd2, 3, 0x800 /* EFD_NONBLOCK */);
    show_ok("eventfd2", e);
    uint64_t v = 0;
    show("eventfd read", read(e, &v, sizeof(v)));
    printf("eventfd value: %lu\n", (unsigned long)v);
    show("eventfd read empty", read(e, &v, sizeof(v)));
    show("eventfd short read", read(e, &v, 4));
    v = 0xffffffffffffffffULL;
    show("eventfd write max", write(e, &v, sizeof(v)));
    v = 5;
    show("eventfd write", write(e, &v, sizeof(v)));
    show("eventfd2 bad flags", syscall(SYS_eventfd2, 0, 0x4));
    close(e);
    int s = syscall(SYS_eventfd2, 0, 1 /* EFD_SEMAPHORE */ | 0x800);
    v = 2;
    write(s, &v, sizeof(v));
    read(s, &v, sizeof(v));
    printf("semaphore read: %lu\n", (unsigned long)v);
    close(s);
#ifdef SYS_eventfd
    int o = syscall(SYS_eventfd, 7);
    show_ok("eventfd", o);
    read(o, &v, sizeof(v));
    printf("eventfd value: %lu\n", (unsigned long)v);
    close(o);
#endif
}

static void test_poll(int p[2])
{
    struct pollfd pf[3] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 }, { 999, POLLIN, 0 } };
    show("poll", syscall(SYS_poll, pf, 3, 0));
    printf("revents: %#x %#x %#x\n", pf[0].revents, pf[1].revents, pf[2].revents);
    write(p[1], "x", 1);
    show("poll readable", syscall(SYS_poll, pf, 1, 0));
    printf("revents: %#x\n", pf[0].revents);
    show("poll bad address", syscall(SYS_poll, (void *)8, 1, 0));
    show("poll too many", syscall(SYS_poll, pf, 1 << 30, 0));
    struct timespec ts = { 0, 0 };
    show("ppoll", syscall(SYS_ppoll, pf, 2, &ts, NULL, 8));
    printf("revents: %#x %#x\n", pf[0].revents, pf[1].revents);
    struct timespec bad = { 0, 2000000000 };
    show("ppoll bad timeout", syscall(SYS_ppoll, pf, 2, &bad, NULL, 8));
    sigset_t m;
    sigemptyset(&m);
    show("ppoll bad sigset size", syscall(SYS_ppoll, pf, 2, &ts, &m, 4));
}

static void test_select(int p[2])
{
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    struct timeval tv = { 0, 0 };
    show("select", syscall(SYS_select, p[1] + 1, &r, &w, NULL, &tv));
    fact("select read set", FD_ISSET(p[0], &r));
    fact("select write set", FD_ISSET(p[1], &w));
    FD_ZERO(&r);
    FD_SET(20, &r);                    /* not open (fds beyond the table Linux ignores) */
    show("select bad fd", syscall(SYS_select, 21, &r, NULL, NULL, &tv));
    show("select negative nfds", syscall(SYS_select, -1, NULL, NULL, NULL, &tv));
    struct timeval badtv = { -1, 0 };
    show("select negative timeout", syscall(SYS_select, 1, NULL, NULL, NULL, &badtv));
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = { 0, 0 };
    show("pselect6", syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, NULL));
    fact("pselect6 read set", FD_ISSET(p[0], &r));
    struct timespec bad = { 0, -1 };
    show("pselect6 bad timeout", syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &bad, NULL));
    char c;
    read(p[0], &c, 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    show("pselect6 nothing ready", syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, NULL));
}

static void test_epoll(int p[2])
{
    int ep = syscall(SYS_epoll_create1, EPOLL_CLOEXEC);
    show_ok("epoll_create1", ep);
    show("epoll fd flags", fcntl(ep, F_GETFD));
    show("epoll_create1 bad flags", syscall(SYS_epoll_create1, 1));
#ifdef SYS_epoll_create
    int ep2 = syscall(SYS_epoll_create, 1);
    show_ok("epoll_create", ep2);
    show("epoll_create zero size", syscall(SYS_epoll_create, 0));
    close(ep2);
#endif
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 };
    show("epoll_ctl add", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], &ev));
    show("epoll_ctl add again", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], &ev));
    show("epoll_ctl mod missing", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, p[1], &ev));
    show("epoll_ctl bad fd", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, 999, &ev));
    show("epoll_ctl self", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, ep, &ev));
    show("epoll_ctl bad op", syscall(SYS_epoll_ctl, ep, 77, p[0], &ev));
    int e = open("data/hello.txt", O_RDONLY);
    show("epoll_ctl regular file", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, e, &ev));
    close(e);
    struct epoll_event out[4];
    show("epoll_wait none", syscall(SYS_epoll_wait, ep, out, 4, 0));
    write(p[1], "y", 1);
    memset(out, 0, sizeof(out));
    show("epoll_wait", syscall(SYS_epoll_wait, ep, out, 4, 0));
    printf("event: %#x data %lu\n", out[0].events, (unsigned long)out[0].data.u64);
    show("epoll_wait bad max", syscall(SYS_epoll_wait, ep, out, 0, 0));
    show("epoll_wait not epoll", syscall(SYS_epoll_wait, p[0], out, 4, 0));
    show("epoll_pwait", syscall(SYS_epoll_pwait, ep, out, 4, 0, NULL, 8));
    sigset_t m;
    sigemptyset(&m);
    show("epoll_pwait bad sigset size", syscall(SYS_epoll_pwait, ep, out, 4, 0, &m, 4));
    struct timespec ts = { 0, 0 };
    show("epoll_pwait2", syscall(SYS_epoll_pwait2, ep, out, 4, &ts, NULL, 8));
    struct timespec bad = { 0, 1000000000 };
    show("epoll_pwait2 bad timeout", syscall(SYS_epoll_pwait2, ep, out, 4, &bad, NULL, 8));
    ev.events = EPOLLIN | EPOLLONESHOT;
    show("epoll_ctl mod oneshot", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, p[0], &ev));
    show("epoll_wait oneshot", syscall(SYS_epoll_wait, ep, out, 4, 0));
    show("epoll_wait after oneshot", syscall(SYS_epoll_wait, ep, out, 4, 0));
    show("epoll_ctl del", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, p[0], NULL));
    show("epoll_ctl del again", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, p[0], NULL));
    char c;
    read(p[0], &c, 1);
    close(ep);
    /* more ready items than one internal batch: all come back in one call */
    ep = syscall(SYS_epoll_create1, 0);
    int efd[100];
    for (int i = 0; i < 100; i++) {
        efd[i] = syscall(SYS_eventfd2, 1, 0);
        struct epoll_event e2 = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
        epoll_ctl(ep, EPOLL_CTL_ADD, efd[i], &e2);
    }
    struct epoll_event many[128];
    show("epoll_wait 100 ready", syscall(SYS_epoll_wait, ep, many, 128, 0));
    show("epoll_wait max 7", syscall(SYS_epoll_wait, ep, many, 7, 0));
    for (int i = 0; i < 100; i++)
        close(efd[i]);
    close(ep);
}

static volatile int alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

/* Arm a one-shot 50 ms ITIMER_REAL. */
/* A repeating 50 ms timer: on a loaded machine the first expiry may come
 * before the call blocks, and then a later one still interrupts it. */
static void arm(void)
{
    struct itimerval it = { { 0, 50000 }, { 0, 50000 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm(void)
{
    struct itimerval it = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

static int wake_fd = -1;

static void on_alarm_write(int sig)
{
    (void)sig;
    alarms++;
    if (wake_fd >= 0)
        write(wake_fd, "bar", 3);
    wake_fd = -1;
}

static void handle(void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigaction(SIGALRM, &sa, NULL);
}

static void test_interrupted_reads(int p[2])
{
    char buf[8] = { 0 };
    alarms = 0;
    handle(on_alarm, 0);
    arm();
    show("pipe read interrupted", read(p[0], buf, sizeof(buf)));
    disarm();
    int e = syscall(SYS_eventfd2, 0, 0);
    uint64_t v;
    arm();
    show("eventfd read interrupted", read(e, &v, sizeof(v)));
    disarm();
    close(e);
    wake_fd = p[1];
    handle(on_alarm_write, SA_RESTART);
    arm();
    show("pipe read restarted", read(p[0], buf, sizeof(buf) - 1));
    disarm();
    printf("restarted read data: %s\n", buf);
    printf("handler ran for each call: %s\n", alarms >= 3 ? "yes" : "no");
}

static void test_interrupted(int p[2])
{
    struct sigaction sa;
    alarms = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct pollfd pf = { p[0], POLLIN, 0 };
    arm();
    show("poll interrupted", syscall(SYS_poll, &pf, 1, -1));
    disarm();
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    arm();
    show("select interrupted", syscall(SYS_select, p[0] + 1, &r, NULL, NULL, NULL));
    disarm();
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN }, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    arm();
    show("epoll_wait interrupted", syscall(SYS_epoll_wait, ep, &out, 1, -1));
    disarm();
    close(ep);
    printf("handler ran for each call: %s\n", alarms >= 3 ? "yes" : "no");
}

int main(void)
{
    int p[2];
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_pipes(p);
    test_eventfd();
    test_poll(p);
    test_select(p);
    test_epoll(p);
    test_interrupted(p);
    test_interrupted_reads(p);
    close(p[0]);
    close(p[1]);
    return 0;
}
