/*
 * mqueue.c - POSIX message queues through the raw syscalls: mq_open
 * (create, O_EXCL, ENOENT, attributes, bad names), mq_timedsend and
 * mq_timedreceive (priority order, EMSGSIZE, O_NONBLOCK EAGAIN, an absolute
 * timeout running out, EBADF for the wrong access mode), poll readiness,
 * mq_getsetattr, mq_notify with SIGEV_SIGNAL (and EBUSY, SIGEV_THREAD
 * without a netlink socket), a receiver blocked in another thread, and
 * mq_unlink.  Queue names carry the pid so parallel native runs differ.
 */
// covers: mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

struct attr {
    long flags, maxmsg, msgsize, curmsgs, pad[4];
};

static char name[64];
static int mq;
static volatile int got_sig, got_code, got_val;
static long thr_r;
static char thr_buf[64];

static void on_sig(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_val = si->si_value.sival_int;
}

static long snd(const char *text, unsigned prio)
{
    return syscall(SYS_mq_timedsend, mq, text, strlen(text), prio, NULL);
}

static void rcv(const char *what)
{
    char buf[64];
    unsigned prio = 99;
    long r = syscall(SYS_mq_timedreceive, mq, buf, sizeof(buf), &prio, NULL);
    if (r < 0)
        printf("%s: -1 %s\n", what, errname(errno));
    else
        printf("%s: [%.*s] prio %u\n", what, (int)r, buf, prio);
}

static void attrs(const char *what)
{
    struct attr a;
    long r = syscall(SYS_mq_getsetattr, mq, NULL, &a);
    printf("%s: %ld flags %lx maxmsg %ld msgsize %ld curmsgs %ld\n", what, r, a.flags, a.maxmsg,
           a.msgsize, a.curmsgs);
}

static int pollev(void)
{
    struct pollfd p = { mq, POLLIN | POLLOUT, 0 };
    poll(&p, 1, 0);
    return p.revents;
}

static void *receiver(void *arg)
{
    thr_r = syscall(SYS_mq_timedreceive, mq, thr_buf, sizeof(thr_buf), NULL, NULL);
    return arg;
}

int main(void)
{
    snprintf(name, sizeof(name), "solo_conf_mq_%d", (int)getpid());
    struct attr a = { 0, 3, 64, 0, { 0 } };
    mq = syscall(SYS_mq_open, name, O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK, 0600, &a);
    show("mq_open create", mq);
    show("mq_open excl", syscall(SYS_mq_open, name, O_RDWR | O_CREAT | O_EXCL, 0600, &a));
    show("mq_open missing", syscall(SYS_mq_open, "solo_conf_mq_none", O_RDWR, 0, NULL));
    show("mq_open slash inside", syscall(SYS_mq_open, "a/b", O_RDWR | O_CREAT, 0600, NULL));
    struct attr bad = { 0, 0, 64, 0, { 0 } };
    show("mq_open maxmsg 0", syscall(SYS_mq_open, "solo_conf_mq_bad", O_RDWR | O_CREAT, 0600, &bad));
    show("mq_open accmode 3", syscall(SYS_mq_open, name, 3, 0, NULL));
    attrs("attrs");
    printf("poll empty: %x\n", pollev());
    show("send low", snd("low", 1));
    show("send high", snd("high", 10));
    show("send mid", snd("mid", 5));
    show("send full", snd("extra", 1));
    printf("poll full: %x\n", pollev());
    show("send too long", syscall(SYS_mq_timedsend, mq, name, 65UL, 1U, NULL));
    show("send bad prio", syscall(SYS_mq_timedsend, mq, "x", 1UL, 40000U, NULL));
    attrs("attrs full");
    char small[8];
    show("receive small buffer", syscall(SYS_mq_timedreceive, mq, small, sizeof(small), NULL, NULL));
    rcv("receive 1");
    rcv("receive 2");
    rcv("receive 3");
    rcv("receive empty");
    struct attr na = { 0, 0, 0, 0, { 0 } };
    show("clear O_NONBLOCK", syscall(SYS_mq_getsetattr, mq, &na, NULL));
    attrs("attrs blocking");
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 50000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    char buf[64];
    show("receive times out", syscall(SYS_mq_timedreceive, mq, buf, sizeof(buf), NULL, &ts));
    ts.tv_nsec = -1;
    show("receive bad timeout", syscall(SYS_mq_timedreceive, mq, buf, sizeof(buf), NULL, &ts));
    na.flags = 1;
    show("setattr bad flags", syscall(SYS_mq_getsetattr, mq, &na, NULL));

    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 5;
    show("mq_notify signal", syscall(SYS_mq_notify, mq, &ev));
    show("mq_notify again", syscall(SYS_mq_notify, mq, &ev));
    show("send to notify", snd("ping", 2));
    printf("notified: sig %d code %d value %d\n", got_sig, got_code, got_val);
    show("mq_notify after firing", syscall(SYS_mq_notify, mq, &ev));
    show("mq_notify remove", syscall(SYS_mq_notify, mq, NULL));
    rcv("receive ping");
    ev.sigev_notify = 7;
    show("mq_notify bad kind", syscall(SYS_mq_notify, mq, &ev));
    ev.sigev_notify = SIGEV_THREAD;
    ev.sigev_signo = 0;
    show("mq_notify thread bad cookie", syscall(SYS_mq_notify, mq, &ev));
    char cookie[32] = { 0 };
    ev.sigev_value.sival_ptr = cookie;
    show("mq_notify thread on stdin", syscall(SYS_mq_notify, mq, &ev));
    ev.sigev_signo = 77;
    show("mq_notify thread closed fd", syscall(SYS_mq_notify, mq, &ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = 65;
    show("mq_notify bad signal", syscall(SYS_mq_notify, mq, &ev));
    show("mq_notify not a queue", syscall(SYS_mq_notify, 0, NULL));

    pthread_t t;
    pthread_create(&t, NULL, receiver, NULL);
    usleep(100000);
    show("send to a waiting receiver", snd("wake", 3));
    pthread_join(t, NULL);
    printf("thread received: %ld [%.*s]\n", thr_r, thr_r > 0 ? (int)thr_r : 0, thr_buf);

    int wo = syscall(SYS_mq_open, name, O_WRONLY, 0, NULL);
    show_ok("mq_open write-only", wo);
    show("receive on write-only", syscall(SYS_mq_timedreceive, wo, buf, sizeof(buf), NULL, NULL));
    show("send on stdout", syscall(SYS_mq_timedsend, 1, "x", 1UL, 0U, NULL));
    show("mq_unlink", syscall(SYS_mq_unlink, name));
    show("send after unlink", syscall(SYS_mq_timedsend, wo, "still", 5UL, 0U, NULL));
    attrs("open queue after unlink");
    show("mq_unlink again", syscall(SYS_mq_unlink, name));
    show("mq_open after unlink", syscall(SYS_mq_open, name, O_RDWR, 0, NULL));
    close(wo);
    close(mq);
    return 0;
}
