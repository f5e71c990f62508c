/*
 * signalfd.c - signalfd and signalfd4: blocked signals read as records
 * (kill, sigqueue with a value, tgkill), several in one read, poll
 * readiness, O_NONBLOCK EAGAIN, changing the mask of an existing
 * descriptor, a reader blocked in another thread woken by a signal, and the
 * error cases (flags, mask size, not a signalfd, short buffer).
 */
// covers: signalfd signalfd4
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>

static int sfd;
static struct signalfd_siginfo got;
static long got_r;

static void rd(const char *what)
{
    struct signalfd_siginfo si;
    long r = read(sfd, &si, sizeof(si));
    if (r < 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    printf("%s: %ld signo %u code %d pid is me %d int %d\n", what, r, si.ssi_signo, si.ssi_code,
           si.ssi_pid == (unsigned)getpid(), si.ssi_int);
}

static int readable(void)
{
    struct pollfd p = { sfd, POLLIN, 0 };
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

static void *reader(void *arg)
{
    got_r = read(sfd, &got, sizeof(got));
    return arg;
}

int main(void)
{
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGUSR2);
    sigaddset(&m, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &m, NULL);
    sfd = syscall(SYS_signalfd4, -1, &m, 8UL, SFD_NONBLOCK | SFD_CLOEXEC);
    show("signalfd4", sfd);
    fact("close-on-exec", (fcntl(sfd, F_GETFD) & FD_CLOEXEC) != 0);
    fact("readable when nothing pending", readable());
    rd("read nothing");
    kill(getpid(), SIGUSR1);
    fact("readable after kill", readable());
    rd("read kill");
    union sigval v = { .sival_int = 77 };
    sigqueue(getpid(), SIGRTMIN + 1, v);
    v.sival_int = 78;
    sigqueue(getpid(), SIGRTMIN + 1, v);
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2);
    struct signalfd_siginfo many[4];
    long r = read(sfd, many, sizeof(many));
    printf("read several: %ld records\n", r / (long)sizeof(many[0]));
    for (long i = 0; i < r / (long)sizeof(many[0]); i++)
        printf("  signo %u code %d int %d\n", many[i].ssi_signo, many[i].ssi_code, many[i].ssi_int);
    char small[16];
    show("short buffer", read(sfd, small, sizeof(small)));

    sigset_t only2;
    sigemptyset(&only2);
    sigaddset(&only2, SIGUSR2);
    kill(getpid(), SIGUSR1);
    show("change mask", syscall(SYS_signalfd4, sfd, &only2, 8UL, 0) == sfd);
    fact("readable with USR1 outside the mask", readable());
    kill(getpid(), SIGUSR2);
    rd("read USR2");
    sigset_t pend;
    sigpending(&pend);
    fact("USR1 still pending", sigismember(&pend, SIGUSR1));
    show("signalfd (old) on the same fd", syscall(SYS_signalfd, sfd, &m, 8UL) == sfd);
    rd("read USR1");

    int bfd = syscall(SYS_signalfd, -1, &m, 8UL);
    fact("blocking descriptor", bfd >= 0);
    int keep = sfd;
    sfd = bfd;
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    usleep(100000);
    kill(getpid(), SIGUSR2);
    pthread_join(t, NULL);
    printf("thread read: %ld signo %u\n", got_r, got.ssi_signo);
    sfd = keep;

    show("bad flags", syscall(SYS_signalfd4, -1, &m, 8UL, 1));
    show("bad size", syscall(SYS_signalfd4, -1, &m, 4UL, 0));
    show("bad mask pointer", syscall(SYS_signalfd4, -1, (void *)8, 8UL, 0));
    show("not a signalfd", syscall(SYS_signalfd4, 0, &m, 8UL, 0));
    show("closed fd", syscall(SYS_signalfd4, 77, &m, 8UL, 0));
    show("write", write(sfd, "x", 1));
    return 0;
}
