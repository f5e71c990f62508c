/*
 * sleepintr.c - sleeps interrupted by a signal handler: nanosleep and
 * relative clock_nanosleep end with EINTR and report the time left; an
 * absolute clock_nanosleep ends with EINTR and leaves rem alone; with
 * the signal blocked the sleep runs to its end.  The signal comes from an
 * ITIMER_REAL timer (SIGALRM) 50 ms into a 2 s sleep.
 */
// covers: nanosleep clock_nanosleep setitimer rt_sigaction rt_sigprocmask
#include "common.h"
#include <signal.h>
#include <time.h>
#include <sys/time.h>

static volatile int alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void arm_once(void)
{
    struct itimerval it = { { 0, 0 }, { 0, 50000 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

/* Repeating every 50 ms: on a loaded host the first expiry may come before
 * the sleep starts, and a later one still interrupts it.  Returns the
 * handler count before arming; disarm() after the call. */
static int arm(void)
{
    struct itimerval it = { { 0, 50000 }, { 0, 50000 } };
    int before = alarms;
    setitimer(ITIMER_REAL, &it, NULL);
    return before;
}

static void disarm(void)
{
    struct itimerval it = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

static long long ts_ns(const struct timespec *t) { return t->tv_sec * 1000000000LL + t->tv_nsec; }

int main(void)
{
    struct sigaction sa;
    struct timespec req = { 2, 0 }, rem = { 9, 9 }, t0, t1;
    setvbuf(stdout, NULL, _IONBF, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;          /* nanosleep is never restarted after a handler */
    sigaction(SIGALRM, &sa, NULL);

    int before = arm();
    clock_gettime(CLOCK_MONOTONIC, &t0);
    show("nanosleep 2s interrupted", syscall(SYS_nanosleep, &req, &rem));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    disarm();
    fact("handler ran", alarms > before);
    fact("returned early", ts_ns(&t1) - ts_ns(&t0) < 1500000000LL);
    fact("rem is the time left", ts_ns(&rem) > 1000000000LL && ts_ns(&rem) < 2000000000LL);

    before = arm();
    rem.tv_sec = 9;
    show("clock_nanosleep relative interrupted", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, &rem));
    disarm();
    fact("handler ran again", alarms > before);
    fact("relative rem is the time left", ts_ns(&rem) > 1000000000LL && ts_ns(&rem) < 2000000000LL);

    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_sec += 2;
    rem.tv_sec = 9;
    rem.tv_nsec = 9;
    before = arm();
    show("clock_nanosleep abstime interrupted", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, &rem));
    disarm();
    fact("handler ran a third time", alarms > before);
    fact("abstime leaves rem alone", rem.tv_sec == 9 && rem.tv_nsec == 9);
    int e = clock_nanosleep(CLOCK_MONOTONIC, 0, &(struct timespec){ 0, 1000 }, NULL);
    show("libc clock_nanosleep after", e);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    before = alarms;
    arm_once();
    req.tv_sec = 0;
    req.tv_nsec = 200000000;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    show("nanosleep with SIGALRM blocked", syscall(SYS_nanosleep, &req, NULL));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fact("slept the whole 200 ms", ts_ns(&t1) - ts_ns(&t0) >= 200000000LL);
    fact("handler not run while blocked", alarms == before);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    fact("pending SIGALRM handled on unblock", alarms == before + 1);
    printf("done\n");
    return 0;
}
