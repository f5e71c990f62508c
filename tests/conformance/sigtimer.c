/*
 * sigtimer.c - timers that send signals and the EINTR/restart rules:
 * alarm (its return value, pause ending with EINTR), a periodic
 * ITIMER_REAL counted with sigsuspend, getitimer, setitimer errors, POSIX
 * timers (SIGEV_SIGNAL with a value read by sigwaitinfo, timer_gettime,
 * timer_delete), a futex wait interrupted by a handler without SA_RESTART
 * (EINTR) and restarted after one with SA_RESTART (woken later by a
 * thread), rt_sigtimedwait ended by a timer signal outside its set, and
 * the CPU-time timers ITIMER_VIRTUAL/ITIMER_PROF, which do not advance
 * while the program sleeps.
 */
// covers: alarm pause setitimer getitimer timer_create timer_settime timer_gettime timer_getoverrun timer_delete futex rt_sigsuspend rt_sigtimedwait
#include "common.h"
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t alarms;

static void on_alarm(int sig) { (void)sig; alarms++; }

static void install(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void test_alarm(void)
{
    install(SIGALRM, on_alarm, 0);
    printf("alarm first: %u\n", alarm(5));
    printf("alarm again: %u\n", alarm(0));
    /* repeating, so an expiry before pause() blocks cannot hang it */
    struct itimerval v = { { 0, 30000 }, { 0, 30000 } }, off = { { 0, 0 }, { 0, 0 } };
    alarms = 0;
    setitimer(ITIMER_REAL, &v, NULL);
    int r = pause();
    int e = errno;
    setitimer(ITIMER_REAL, &off, NULL);
    printf("pause: %d %s handler ran %s\n", r, errname(e), alarms >= 1 ? "yes" : "no");
}

static void test_periodic(void)
{
    struct itimerval v = { { 0, 10000 }, { 0, 10000 } }, g;
    sigset_t block, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &block, NULL);
    alarms = 0;
    setitimer(ITIMER_REAL, &v, NULL);
    while (alarms < 5)
        sigsuspend(&empty);
    getitimer(ITIMER_REAL, &g);
    printf("periodic: alarms %d interval %ld us armed %d\n", alarms, (long)g.it_interval.tv_usec,
           g.it_value.tv_sec != 0 || g.it_value.tv_usec != 0);
    memset(&v, 0, sizeof(v));
    setitimer(ITIMER_REAL, &v, &g);
    getitimer(ITIMER_REAL, &g);
    printf("disarmed: %d\n", g.it_value.tv_sec == 0 && g.it_value.tv_usec == 0);
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    v.it_value.tv_usec = 1000000;
    show("setitimer bad usec", setitimer(ITIMER_REAL, &v, NULL));
    show("setitimer bad which", setitimer(7, &v, NULL));
}

static void test_posix_timer(void)
{
    timer_t id;
    struct sigevent ev;
    struct itimerspec its, cur;
    sigset_t set;
    siginfo_t si;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGRTMIN + 2;
    ev.sigev_value.sival_int = 99;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    show("timer_create", timer_create(CLOCK_MONOTONIC, &ev, &id));
    memset(&its, 0, sizeof(its));
    its.it_value.tv_nsec = 20000000;
    show("timer_settime", timer_settime(id, 0, &its, NULL));
    timer_gettime(id, &cur);
    printf("timer armed %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0);
    int sig = sigwaitinfo(&set, &si);
    printf("timer signal %d code SI_TIMER %d value %d\n", sig - SIGRTMIN, si.si_code == SI_TIMER,
           si.si_value.sival_int);
    timer_gettime(id, &cur);
    printf("timer expired %d overrun %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0,
           timer_getoverrun(id));
    show("timer_delete", timer_delete(id));
    show("timer_delete again", timer_delete(id));
    show("timer_create bad clock", timer_create(12345, &ev, &id));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static uint32_t word;

static long futex_wait(uint32_t *w, uint32_t v)
{
    return syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void *late_waker(void *arg)
{
    (void)arg;
    struct timespec ts = { 0, 150000000 };
    nanosleep(&ts, NULL);
    __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    return NULL;
}

static void test_futex_eintr(void)
{
    struct itimerval v = { { 0, 0 }, { 0, 30000 } };
    install(SIGALRM, on_alarm, 0);
    alarms = 0;
    setitimer(ITIMER_REAL, &v, NULL);
    long r = futex_wait(&word, 0);
    printf("futex no SA_RESTART: %ld %s alarms %d\n", r, errname(errno), alarms);

    pthread_t t;
    install(SIGALRM, on_alarm, SA_RESTART);
    alarms = 0;
    word = 0;
    pthread_create(&t, NULL, late_waker, NULL);
    setitimer(ITIMER_REAL, &v, NULL);
    do
        r = futex_wait(&word, 0);
    while (r == -1 && errno == EAGAIN && __atomic_load_n(&word, __ATOMIC_SEQ_CST) == 0);
    printf("futex SA_RESTART: %ld alarms %d word %u\n", r == 0 || errno == EAGAIN ? 0L : r, alarms, word);
    pthread_join(t, NULL);
}

static void test_sigtimedwait_eintr(void)
{
    struct itimerval v = { { 0, 0 }, { 0, 30000 } };
    struct timespec ts = { 5, 0 };
    sigset_t set;
    siginfo_t si;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    install(SIGALRM, on_alarm, 0);
    alarms = 0;
    setitimer(ITIMER_REAL, &v, NULL);
    int r = sigtimedwait(&set, &si, &ts);
    printf("sigtimedwait interrupted: %d %s alarms %d\n", r, errname(errno), alarms);
}

static volatile sig_atomic_t vt, prof;

static void on_vt(int sig) { (void)sig; vt++; }
static void on_prof(int sig) { (void)sig; prof++; }

static void test_cpu_timers(void)
{
    struct itimerval v = { { 0, 0 }, { 0, 50000 } }, g;
    struct timespec ts = { 0, 150000000 };
    install(SIGVTALRM, on_vt, 0);
    install(SIGPROF, on_prof, 0);
    setitimer(ITIMER_VIRTUAL, &v, NULL);
    nanosleep(&ts, NULL);
    getitimer(ITIMER_VIRTUAL, &g);
    printf("virtual after sleeping: fired %d still armed %d\n", vt,
           g.it_value.tv_sec != 0 || g.it_value.tv_usec != 0);
    while (vt == 0)
        ;
    printf("virtual after spinning: fired %d\n", vt);
    v.it_interval.tv_usec = 10000;
    v.it_value.tv_usec = 10000;
    setitimer(ITIMER_PROF, &v, NULL);
    while (prof < 3)
        ;
    memset(&v, 0, sizeof(v));
    setitimer(ITIMER_PROF, &v, NULL);
    printf("prof periodic: at least 3 %d\n", prof >= 3);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_alarm();
    test_periodic();
    test_posix_timer();
    test_futex_eintr();
    test_sigtimedwait_eintr();
    test_cpu_timers();
    return 0;
}
