// covers: ppoll pselect6 epoll_pwait epoll_pwait2
/*
 * waitmask.c - the signal masks of ppoll, pselect6, epoll_pwait and
 * epoll_pwait2.  The caller blocks SIGUSR1 and SIGUSR2 and makes SIGUSR1
 * pending; each call then waits on a pipe that never becomes readable:
 * - with an empty mask the pending signal interrupts it (EINTR), its handler
 *   runs under the call's mask (SIGUSR2 unblocked there) and the caller's
 *   mask is back afterwards;
 * - with a mask that keeps SIGUSR1 blocked it times out and the signal stays
 *   pending;
 * - with an empty mask but a ready descriptor it returns the ready count
 *   and does not deliver the signal (the caller's mask is restored first).
 * Plus the argument errors: a mask size other than 8 (EINVAL), bad mask
 * pointers (EFAULT).
 */
#include "common.h"
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>

static volatile int handled;
static volatile int usr2_blocked_in_handler;

static unsigned long cur_mask(void)
{
    unsigned long m = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8L);
    return m;
}

static void on_usr1(int sig)
{
    (void)sig;
    handled++;
    usr2_blocked_in_handler = (cur_mask() & (1UL << (SIGUSR2 - 1))) != 0;
}

static int usr1_pending(void)
{
    unsigned long p = 0;
    syscall(SYS_rt_sigpending, &p, 8L);
    return (p & (1UL << (SIGUSR1 - 1))) != 0;
}

static const unsigned long both = (1UL << (SIGUSR1 - 1)) | (1UL << (SIGUSR2 - 1));
static const unsigned long keep_usr1 = 1UL << (SIGUSR1 - 1);
static const unsigned long none = 0;
static int pipefd[2], readyfd[2], ep_idle, ep_ready;

/* One call kind; mode 0: empty mask, idle fd; 1: mask keeps SIGUSR1, idle
 * fd, short timeout; 2: empty mask, ready fd. */
static long call(const char *kind, int mode)
{
    const unsigned long *mask = mode == 1 ? &keep_usr1 : &none;
    int fd = mode == 2 ? readyfd[0] : pipefd[0];
    struct timespec ts = { mode == 1 ? 0 : 2, mode == 1 ? 20000000 : 0 };
    if (strcmp(kind, "ppoll") == 0) {
        struct pollfd p = { fd, POLLIN, 0 };
        return syscall(SYS_ppoll, &p, 1, &ts, mask, 8L);
    }
    if (strcmp(kind, "pselect6") == 0) {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(fd, &r);
        struct { const void *ss; size_t len; } pack = { mask, 8 };
        return syscall(SYS_pselect6, fd + 1, &r, NULL, NULL, &ts, &pack);
    }
    struct epoll_event ev;
    int ep = mode == 2 ? ep_ready : ep_idle;
    if (strcmp(kind, "epoll_pwait") == 0)
        return syscall(SYS_epoll_pwait, ep, &ev, 1, mode == 1 ? 20 : 2000, mask, 8L);
    return syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, mask, 8L);
}

static void run(const char *kind)
{
    char line[96];
    for (int mode = 0; mode < 3; mode++) {
        handled = 0;
        usr2_blocked_in_handler = -1;
        syscall(SYS_kill, getpid(), SIGUSR1);
        long r = call(kind, mode);
        int e = errno;
        snprintf(line, sizeof(line), "%s mode %d", kind, mode);
        show(line, r < 0 ? (errno = e, -1) : r);
        printf("  handler ran %d, usr2 blocked in handler %d, mask restored %d, still pending %d\n",
               handled, handled ? usr2_blocked_in_handler : -1, cur_mask() == both, usr1_pending());
        if (usr1_pending()) {
            /* take it so the next round starts clean */
            unsigned long m = keep_usr1;
            siginfo_t si;
            struct timespec z = { 0, 0 };
            syscall(SYS_rt_sigtimedwait, &m, &si, &z, 8L);
        }
    }
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &both, NULL, 8L);
    if (pipe(pipefd) < 0 || pipe(readyfd) < 0)
        return 1;
    if (write(readyfd[1], "x", 1) != 1)
        return 1;
    ep_idle = epoll_create1(0);
    ep_ready = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN };
    epoll_ctl(ep_idle, EPOLL_CTL_ADD, pipefd[0], &ev);
    epoll_ctl(ep_ready, EPOLL_CTL_ADD, readyfd[0], &ev);

    run("ppoll");
    run("pselect6");
    run("epoll_pwait");
    run("epoll_pwait2");

    struct pollfd p = { pipefd[0], POLLIN, 0 };
    struct timespec z = { 0, 0 };
    struct epoll_event out;
    show("ppoll mask size 16", syscall(SYS_ppoll, &p, 1, &z, &none, 16L));
    show("ppoll bad mask pointer", syscall(SYS_ppoll, &p, 1, &z, (void *)8, 8L));
    struct { const void *ss; size_t len; } pack = { &none, 4 };
    show("pselect6 mask size 4", syscall(SYS_pselect6, 1, NULL, NULL, NULL, &z, &pack));
    pack.ss = (void *)8;
    pack.len = 8;
    show("pselect6 bad mask pointer", syscall(SYS_pselect6, 1, NULL, NULL, NULL, &z, &pack));
    show("pselect6 bad pack pointer", syscall(SYS_pselect6, 1, NULL, NULL, NULL, &z, (void *)8));
    pack.ss = NULL;
    pack.len = 4;
    show("pselect6 no mask, any size", syscall(SYS_pselect6, 1, NULL, NULL, NULL, &z, &pack));
    show("epoll_pwait mask size 0", syscall(SYS_epoll_pwait, ep_idle, &out, 1, 0, &none, 0L));
    show("epoll_pwait bad mask pointer", syscall(SYS_epoll_pwait, ep_idle, &out, 1, 0, (void *)8, 8L));
    show("epoll_pwait2 mask size 9", syscall(SYS_epoll_pwait2, ep_idle, &out, 1, &z, &none, 9L));
    printf("mask after errors unchanged %d\n", cur_mask() == both);
    return 0;
}
