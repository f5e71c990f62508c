/*
 * cpuclockid.c - CPU-time clocks named by id, as clock_getcpuclockid(pid)
 * and pthread_getcpuclockid(thread) make them (~pid << 3 | kind, bit 2 for
 * a thread; kinds PROF, VIRT, SCHED): clock_gettime, clock_getres,
 * clock_nanosleep and timer_create with the process's pid, with its
 * threads' TIDs, and the errors for a pid that does not exist, an unknown
 * kind, the caller's own thread clock (nanosleep) and a thread's TID used as
 * a process clock (only clock_gettime takes the caller's own).  Only
 * relations are printed (a spinning thread's clock advanced, a timer fired),
 * never times.
 */
// covers: clock_gettime clock_getres clock_nanosleep timer_create timer_settime timer_delete gettid getpid
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#define PROF 0
#define VIRT 1
#define SCHED 2
#define PROC_CLOCK(pid, kind) ((clockid_t)((~(unsigned)(pid) << 3) | (kind)))
#define THREAD_CLOCK(tid, kind) ((clockid_t)((~(unsigned)(tid) << 3) | 4 | (kind)))
#define NO_PID 0x3fff0000               /* above any pid_max */

static volatile int stop, spin_tid;
static volatile unsigned long sink;
static volatile sig_atomic_t fired;

static long long read_ns(clockid_t c)
{
    struct timespec ts;
    if (syscall(SYS_clock_gettime, c, &ts) != 0)
        return -1;
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void msleep(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void spin_ms(long ms)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do {
        for (int i = 0; i < 1000; i++)
            sink++;
        clock_gettime(CLOCK_MONOTONIC, &b);
    } while ((b.tv_sec - a.tv_sec) * 1000L + (b.tv_nsec - a.tv_nsec) / 1000000L < ms);
}

static void *spinner(void *arg)
{
    (void)arg;
    spin_tid = (int)syscall(SYS_gettid);
    while (!stop)
        sink++;
    return NULL;
}

static void on_usr1(int sig) { (void)sig; fired++; }

/* In a second thread: its TID as a process clock. */
static void *tid_as_process(void *arg)
{
    (void)arg;
    struct timespec ts;
    int me = (int)syscall(SYS_gettid);
    show("own tid as process clock: gettime", syscall(SYS_clock_gettime, PROC_CLOCK(me, SCHED), &ts));
    show("own tid as process clock: getres", syscall(SYS_clock_getres, PROC_CLOCK(me, SCHED), &ts));
    struct timespec req = { 0, 1000000 };
    show("own tid as process clock: nanosleep", syscall(SYS_clock_nanosleep, PROC_CLOCK(me, SCHED), 0, &req, NULL));
    timer_t t;
    show("own tid as process clock: timer_create", syscall(SYS_timer_create, PROC_CLOCK(me, SCHED), NULL, &t));
    show("own thread clock by tid: gettime", syscall(SYS_clock_gettime, THREAD_CLOCK(me, SCHED), &ts));
    show("own thread clock by tid: nanosleep", syscall(SYS_clock_nanosleep, THREAD_CLOCK(me, SCHED), 0, &req, NULL));
    return NULL;
}

/* Arm a 20 ms one-shot SIGUSR1 timer on clock c; the timer id in *t. */
static long arm(clockid_t c, timer_t *t)
{
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    long r = syscall(SYS_timer_create, c, &ev, t);
    if (r != 0)
        return r;
    struct itimerspec its = { { 0, 0 }, { 0, 20000000 } };
    return syscall(SYS_timer_settime, *t, 0, &its, NULL);
}

int main(void)
{
    struct timespec ts;
    clockid_t c;
    int pid = (int)getpid(), me = (int)syscall(SYS_gettid);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);

    /* The process's clocks by pid. */
    show("clock_getcpuclockid(getpid())", clock_getcpuclockid(pid, &c));
    fact("it is the SCHED process clock of the pid", c == PROC_CLOCK(pid, SCHED));
    fact("clock_getcpuclockid(0) is pid 0's", clock_getcpuclockid(0, &c) == 0 && c == PROC_CLOCK(0, SCHED));
    printf("clock_getcpuclockid(no such pid): %s\n", errname(clock_getcpuclockid(NO_PID, &c)));
    const char *kinds[3] = { "PROF", "VIRT", "SCHED" };
    for (int k = 0; k < 3; k++) {
        char what[64];
        snprintf(what, sizeof(what), "gettime process %s", kinds[k]);
        show(what, syscall(SYS_clock_gettime, PROC_CLOCK(pid, k), &ts));
        snprintf(what, sizeof(what), "getres process %s", kinds[k]);
        show(what, syscall(SYS_clock_getres, PROC_CLOCK(pid, k), &ts));
        snprintf(what, sizeof(what), "gettime thread %s", kinds[k]);
        show(what, syscall(SYS_clock_gettime, THREAD_CLOCK(me, k), &ts));
    }
    syscall(SYS_clock_getres, PROC_CLOCK(pid, SCHED), &ts);
    printf("SCHED resolution: %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    show("gettime kind 3", syscall(SYS_clock_gettime, PROC_CLOCK(pid, 3), &ts));
    show("getres kind 3", syscall(SYS_clock_getres, THREAD_CLOCK(me, 3), &ts));
    show("gettime no such pid", syscall(SYS_clock_gettime, PROC_CLOCK(NO_PID, SCHED), &ts));
    show("getres no such pid", syscall(SYS_clock_getres, PROC_CLOCK(NO_PID, SCHED), &ts));
    show("gettime no such thread", syscall(SYS_clock_gettime, THREAD_CLOCK(NO_PID, SCHED), &ts));
    show("gettime bad address", syscall(SYS_clock_gettime, PROC_CLOCK(pid, SCHED), (void *)8));
    timer_t t;
    show("timer_create no such pid", syscall(SYS_timer_create, PROC_CLOCK(NO_PID, SCHED), NULL, &t));
    show("timer_create no such thread", syscall(SYS_timer_create, THREAD_CLOCK(NO_PID, SCHED), NULL, &t));
    show("timer_create clock fd kind", syscall(SYS_timer_create, PROC_CLOCK(pid, 3), NULL, &t));
    show("timer_create thread kind 3", syscall(SYS_timer_create, THREAD_CLOCK(me, 3), NULL, &t));
    struct timespec req = { 0, 1000000 };
    show("nanosleep clock fd kind", syscall(SYS_clock_nanosleep, PROC_CLOCK(pid, 3), 0, &req, NULL));
    show("nanosleep thread kind 3", syscall(SYS_clock_nanosleep, THREAD_CLOCK(me, 3), 0, &req, NULL));
    show("nanosleep no such pid", syscall(SYS_clock_nanosleep, PROC_CLOCK(NO_PID, SCHED), 0, &req, NULL));
    show("nanosleep own thread clock (pid 0)", syscall(SYS_clock_nanosleep, THREAD_CLOCK(0, SCHED), 0, &req, NULL));
    show("nanosleep own thread clock (tid)", syscall(SYS_clock_nanosleep, THREAD_CLOCK(me, SCHED), 0, &req, NULL));

    /* A spinning thread's clock, read from the main thread. */
    pthread_t th;
    pthread_create(&th, NULL, spinner, NULL);
    while (spin_tid == 0)
        sched_yield();
    pthread_getcpuclockid(th, &c);
    fact("pthread_getcpuclockid is the thread's SCHED clock", c == THREAD_CLOCK(spin_tid, SCHED));
    long long a = read_ns(c), pa = read_ns(PROC_CLOCK(pid, PROF)), va = read_ns(PROC_CLOCK(pid, VIRT));
    long long ma = read_ns(THREAD_CLOCK(me, SCHED));
    msleep(200);
    long long b = read_ns(c);
    fact("spinning thread's clock advanced >= 20 ms over 200 ms", a >= 0 && b - a >= 20000000LL);
    fact("process PROF clock advanced", read_ns(PROC_CLOCK(pid, PROF)) > pa);
    fact("process VIRT clock advanced", read_ns(PROC_CLOCK(pid, VIRT)) > va);
    fact("sleeping main thread's clock by tid moved < 100 ms", read_ns(THREAD_CLOCK(me, SCHED)) - ma < 100000000LL);
    fact("thread VIRT clock readable", read_ns(THREAD_CLOCK(spin_tid, VIRT)) >= 0);

    /* Sleep on the spinner's clock: 30 ms of its CPU time. */
    req.tv_nsec = 30000000;
    a = read_ns(c);
    show("nanosleep on another thread's clock", syscall(SYS_clock_nanosleep, c, 0, &req, NULL));
    fact("its clock advanced >= 30 ms meanwhile", read_ns(c) - a >= 30000000LL);
    show("nanosleep on the process clock by pid", syscall(SYS_clock_nanosleep, PROC_CLOCK(pid, SCHED), 0, &req, NULL));

    /* Timers on the spinner's clock and on the process clock by pid. */
    fired = 0;
    show("timer on the spinner's clock", arm(c, &t));
    for (int i = 0; i < 200 && !fired; i++)
        msleep(10);
    printf("fired while its thread spun: %d\n", (int)fired);
    show("timer_delete", syscall(SYS_timer_delete, t));
    fired = 0;
    show("timer on the process clock by pid", arm(PROC_CLOCK(pid, PROF), &t));
    for (int i = 0; i < 200 && !fired; i++)
        msleep(10);
    printf("fired while the process spun: %d\n", (int)fired);
    show("timer_delete", syscall(SYS_timer_delete, t));
    stop = 1;
    pthread_join(th, NULL);

    /* A VIRT timer on the main thread's own clock by tid fires once it spins. */
    fired = 0;
    show("timer on own thread VIRT clock", arm(THREAD_CLOCK(me, VIRT), &t));
    for (int i = 0; i < 100 && !fired; i++)
        spin_ms(10);
    printf("fired while the main thread spun: %d\n", (int)fired);
    show("timer_delete", syscall(SYS_timer_delete, t));

    pthread_create(&th, NULL, tid_as_process, NULL);
    pthread_join(th, NULL);
    return 0;
}
