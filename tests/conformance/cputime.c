// covers: clock_gettime clock_nanosleep getrusage times setitimer getitimer timer_create timer_settime timer_delete
/*
 * cputime.c - CPU-time accounting: the process and thread CPU clocks, the
 * user/system split of getrusage and times, ITIMER_VIRTUAL / ITIMER_PROF,
 * a CLOCK_THREAD_CPUTIME_ID POSIX timer and clock_nanosleep on the process
 * CPU clock.  Only coarse, load-proof facts are printed: a sleeping or
 * blocked thread's CPU clock barely moves, a spinning one's does, reading
 * /dev/zero is system time, spinning is user time, a thread CPU timer does
 * not fire while its thread is blocked and other threads run.  In a VM the
 * guest's clocks follow the host's, so time the host takes the virtual CPU
 * away while a thread runs counts as that thread's CPU time (steal time):
 * the bounds leave room for that on a loaded host.
 */
#include "common.h"
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

static long long now_of(clockid_t c)
{
    struct timespec ts;
    syscall(SYS_clock_gettime, c, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long mono(void) { return now_of(CLOCK_MONOTONIC); }

static volatile unsigned long sink;
static void spin_ms(int ms)
{
    long long end = mono() + ms * 1000000LL;
    while (mono() < end)
        for (int i = 0; i < 10000; i++)
            sink += (unsigned long)i;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    syscall(SYS_nanosleep, &ts, NULL);
}

static long long ru_ns(int who, int sys)
{
    struct rusage r;
    syscall(SYS_getrusage, who, &r);
    struct timeval tv = sys ? r.ru_stime : r.ru_utime;
    return tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL;
}

static volatile int stop_spin, got_vt, got_prof, got_thread_timer;
static void on_sig(int sig)
{
    if (sig == SIGVTALRM)
        got_vt++;
    else if (sig == SIGPROF)
        got_prof++;
    else if (sig == SIGUSR1)
        got_thread_timer++;
}

static void *spinner(void *arg)
{
    (void)arg;
    while (!stop_spin)
        sink++;
    return NULL;
}

static pthread_t main_thread;
static void *sample_main(void *arg)
{
    long long *delta = arg;
    clockid_t c;
    pthread_getcpuclockid(main_thread, &c);
    long long a = now_of(c);
    spin_ms(400);                      /* the main thread is blocked in join */
    *delta = now_of(c) - a;
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sig;
    sigaction(SIGVTALRM, &sa, NULL);
    sigaction(SIGPROF, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    main_thread = pthread_self();

    long long p0 = now_of(CLOCK_PROCESS_CPUTIME_ID), t0 = now_of(CLOCK_THREAD_CPUTIME_ID);
    sleep_ms(400);
    fact("process CPU clock moves < 200 ms over a 400 ms sleep",
         now_of(CLOCK_PROCESS_CPUTIME_ID) - p0 < 200000000LL);
    fact("thread CPU clock moves < 200 ms over a 400 ms sleep",
         now_of(CLOCK_THREAD_CPUTIME_ID) - t0 < 200000000LL);

    t0 = now_of(CLOCK_THREAD_CPUTIME_ID);
    long long u0 = ru_ns(RUSAGE_THREAD, 0), s0 = ru_ns(RUSAGE_THREAD, 1);
    spin_ms(200);
    long long du = ru_ns(RUSAGE_THREAD, 0) - u0, ds = ru_ns(RUSAGE_THREAD, 1) - s0;
    fact("thread CPU clock moves >= 20 ms over 200 ms of spinning",
         now_of(CLOCK_THREAD_CPUTIME_ID) - t0 >= 20000000LL);
    fact("spinning is mostly user time", du >= 10000000LL && du > ds);

    int z = open("/dev/zero", O_RDONLY);
    static char buf[1 << 16];
    u0 = ru_ns(RUSAGE_THREAD, 0);
    s0 = ru_ns(RUSAGE_THREAD, 1);
    long long end = mono() + 200000000LL;
    while (mono() < end)
        for (int i = 0; i < 8; i++)
            if (read(z, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
                return 1;
    du = ru_ns(RUSAGE_THREAD, 0) - u0;
    ds = ru_ns(RUSAGE_THREAD, 1) - s0;
    fact("reading /dev/zero for 200 ms adds >= 10 ms of system time", ds >= 10000000LL);
    (void)du;
    close(z);
    fact("RUSAGE_SELF covers RUSAGE_THREAD",
         ru_ns(RUSAGE_SELF, 0) + ru_ns(RUSAGE_SELF, 1) + 20000000LL >=
         ru_ns(RUSAGE_THREAD, 0) + ru_ns(RUSAGE_THREAD, 1));
    struct tms tm;
    syscall(SYS_times, &tm);
    fact("times: user and system ticks both counted", tm.tms_utime >= 2 && tm.tms_stime >= 2);

    /* counters: minor faults for fresh pages, voluntary switches for sleeps */
    struct rusage r0, r1;
    syscall(SYS_getrusage, RUSAGE_THREAD, &r0);
    size_t npages = 64;
    char *mem = mmap(NULL, npages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (size_t i = 0; i < npages; i++)
        mem[i * 4096] = 1;
    for (int i = 0; i < 20; i++)
        sleep_ms(1);
    syscall(SYS_getrusage, RUSAGE_THREAD, &r1);
    fact("touching 64 new pages adds >= 64 minor faults", r1.ru_minflt - r0.ru_minflt >= 64);
    fact("20 sleeps add >= 20 voluntary context switches", r1.ru_nvcsw - r0.ru_nvcsw >= 20);
    munmap(mem, npages * 4096);

    /* a blocked thread's clock, read by another thread */
    long long delta = 0;
    pthread_t th;
    pthread_create(&th, NULL, sample_main, &delta);
    pthread_join(th, NULL);
    fact("a thread blocked in join accrues < 200 ms over 400 ms", delta < 200000000LL);

    /* ITIMER_VIRTUAL: user CPU time only */
    struct itimerval it = { { 0, 0 }, { 0, 30000 } };
    got_vt = 0;
    syscall(SYS_setitimer, ITIMER_VIRTUAL, &it, NULL);
    sleep_ms(200);
    printf("ITIMER_VIRTUAL 30 ms fired during a 200 ms sleep: %d\n", got_vt);
    end = mono() + 2000000000LL;
    while (!got_vt && mono() < end)
        sink++;
    printf("ITIMER_VIRTUAL fired while spinning: %d\n", got_vt);
    struct itimerval left;
    syscall(SYS_getitimer, ITIMER_VIRTUAL, &left);
    fact("one-shot ITIMER_VIRTUAL disarmed after firing", left.it_value.tv_sec == 0 && left.it_value.tv_usec == 0);

    /* ITIMER_PROF counts system time too */
    it.it_value.tv_usec = 30000;
    got_prof = 0;
    syscall(SYS_setitimer, ITIMER_PROF, &it, NULL);
    z = open("/dev/zero", O_RDONLY);
    end = mono() + 2000000000LL;
    while (!got_prof && mono() < end)
        if (read(z, buf, sizeof(buf)) < 0 && errno != EINTR)
            return 1;
    close(z);
    printf("ITIMER_PROF fired while reading /dev/zero: %d\n", got_prof);

    /* a CLOCK_THREAD_CPUTIME_ID timer of the main thread */
    timer_t tid;
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    show("timer_create thread CPU clock", syscall(SYS_timer_create, CLOCK_THREAD_CPUTIME_ID, &ev, &tid));
    struct itimerspec its = { { 0, 0 }, { 0, 40000000 } };
    show("timer_settime", syscall(SYS_timer_settime, tid, 0, &its, NULL));
    stop_spin = 0;
    pthread_create(&th, NULL, spinner, NULL);
    sleep_ms(200);                     /* another thread burns CPU meanwhile */
    stop_spin = 1;
    pthread_join(th, NULL);
    printf("thread CPU timer fired while its thread slept: %d\n", got_thread_timer);
    end = mono() + 2000000000LL;
    while (!got_thread_timer && mono() < end)
        sink++;
    printf("thread CPU timer fired once its thread spun: %d\n", got_thread_timer);
    show("timer_delete", syscall(SYS_timer_delete, tid));

    /* clock_nanosleep on the process CPU clock: woken by another thread's CPU use */
    stop_spin = 0;
    pthread_create(&th, NULL, spinner, NULL);
    struct timespec req = { 0, 50000000 };
    long long c0 = now_of(CLOCK_PROCESS_CPUTIME_ID);
    show("clock_nanosleep process CPU 50 ms", syscall(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, 0, &req, NULL));
    fact("the process used >= 50 ms of CPU meanwhile", now_of(CLOCK_PROCESS_CPUTIME_ID) - c0 >= 50000000LL);
    stop_spin = 1;
    pthread_join(th, NULL);
    show("clock_nanosleep thread CPU clock", syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL));
    return 0;
}
