/*
 * clocks.c - time: clock_gettime on every clock id (libc/vDSO path and the
 * raw syscall), CPU-time clock ids, clock_getres, gettimeofday, time,
 * nanosleep and clock_nanosleep (relative, TIMER_ABSTIME, error paths).
 * Only relations and bounds are printed, never times.
 */
// covers: clock_gettime clock_getres gettimeofday time nanosleep clock_nanosleep
#include "common.h"
#include <time.h>
#include <sys/time.h>

static long long ts_ns(const struct timespec *t) { return t->tv_sec * 1000000000LL + t->tv_nsec; }

static long long mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return ts_ns(&t);
}

static void test_gettime(void)
{
    static const struct { int id; const char *name; } clocks[] = {
        { CLOCK_REALTIME, "REALTIME" }, { CLOCK_MONOTONIC, "MONOTONIC" },
        { CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME_ID" }, { CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME_ID" },
        { CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW" }, { CLOCK_REALTIME_COARSE, "REALTIME_COARSE" },
        { CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE" }, { CLOCK_BOOTTIME, "BOOTTIME" }, { 11, "TAI" },
    };
    for (unsigned i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
        struct timespec a = { -1, -1 }, b = { -1, -1 };
        char what[64];
        long r = syscall(SYS_clock_gettime, clocks[i].id, &a);
        snprintf(what, sizeof(what), "syscall clock_gettime %s", clocks[i].name);
        show(what, r);
        int rl = clock_gettime(clocks[i].id, &b);
        snprintf(what, sizeof(what), "libc clock_gettime %s", clocks[i].name);
        show(what, rl);
        snprintf(what, sizeof(what), "%s valid and nondecreasing", clocks[i].name);
        fact(what, a.tv_sec >= 0 && a.tv_nsec >= 0 && a.tv_nsec < 1000000000 &&
             ts_ns(&b) + 20000000 >= ts_ns(&a));
    }
    struct timespec t;
    show("clock_gettime invalid id", syscall(SYS_clock_gettime, 12345, &t));
    show("clock_gettime id 10", syscall(SYS_clock_gettime, 10, &t));
    show("clock_gettime bad pointer", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)1));
    show("clock_gettime process cpu clock id", syscall(SYS_clock_gettime, (int)((~0u) << 3) | 2, &t));
    show("clock_gettime thread cpu clock id", syscall(SYS_clock_gettime, (int)((~0u) << 3) | 6, &t));
    show("clock_gettime cpu clock of missing pid", syscall(SYS_clock_gettime, (int)((~0x3ffffffu) << 3) | 2, &t));
    show("clock_gettime cpu clock kind 3", syscall(SYS_clock_gettime, (int)((~0u) << 3) | 3, &t));
    clockid_t cid;
    show("clock_getcpuclockid", clock_getcpuclockid(0, &cid));
    show("clock_gettime via clock_getcpuclockid", clock_gettime(cid, &t));
    long long m0 = mono();
    int ok = 1;
    for (int i = 0; i < 2000; i++) {
        long long m1 = mono();
        if (m1 < m0)
            ok = 0;
        m0 = m1;
    }
    fact("MONOTONIC never goes back (2000 reads)", ok);
    static const int agree[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME };
    for (unsigned i = 0; i < 3; i++) {
        struct timespec a, b, c;
        clock_gettime(agree[i], &a);
        syscall(SYS_clock_gettime, agree[i], &b);
        clock_gettime(agree[i], &c);
        printf("clock %d: syscall between two libc reads: %s\n", agree[i],
               ts_ns(&a) <= ts_ns(&b) + 1000 && ts_ns(&b) <= ts_ns(&c) + 1000 ? "yes" : "no");
    }
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 20000000UL; i++)
        x += i;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    fact("process CPU time advances while busy", ts_ns(&c1) > ts_ns(&c0));
}

static void test_getres(void)
{
    struct timespec r;
    show("clock_getres REALTIME", syscall(SYS_clock_getres, CLOCK_REALTIME, &r));
    printf("REALTIME resolution ns: %ld\n", r.tv_sec * 1000000000L + r.tv_nsec);
    show("clock_getres MONOTONIC", syscall(SYS_clock_getres, CLOCK_MONOTONIC, &r));
    printf("MONOTONIC resolution ns: %ld\n", r.tv_sec * 1000000000L + r.tv_nsec);
    show("libc clock_getres BOOTTIME", clock_getres(CLOCK_BOOTTIME, &r));
    fact("BOOTTIME resolution at most 1 ms", r.tv_sec == 0 && r.tv_nsec <= 1000000);
    show("clock_getres NULL", syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL));
    show("clock_getres invalid id", syscall(SYS_clock_getres, 12345, &r));
    show("clock_getres bad pointer", syscall(SYS_clock_getres, CLOCK_MONOTONIC, (void *)1));
}

static void test_wall(void)
{
    struct timeval tv;
    struct timezone tz;
    struct timespec ts;
    show("gettimeofday", syscall(SYS_gettimeofday, &tv, NULL));
    show("gettimeofday with tz", syscall(SYS_gettimeofday, &tv, &tz));
    show("gettimeofday NULL NULL", syscall(SYS_gettimeofday, NULL, NULL));
    show("gettimeofday bad pointer", syscall(SYS_gettimeofday, (void *)1, NULL));
    clock_gettime(CLOCK_REALTIME, &ts);
    gettimeofday(&tv, NULL);
    fact("usec in range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    fact("gettimeofday agrees with REALTIME", tv.tv_sec - ts.tv_sec >= 0 && tv.tv_sec - ts.tv_sec <= 2);
    fact("REALTIME is after 2020", ts.tv_sec > 1577836800);
    long t1 = 0;
    long t0 = syscall(SYS_time, &t1);
    fact("time returns and stores the same", t0 == t1);
    /* Linux's time() reads the coarse clock (updated at the tick), so just after a
     * second boundary it may still show the previous second. */
    fact("time agrees with REALTIME", t0 - ts.tv_sec >= -1 && t0 - ts.tv_sec <= 2);
    fact("libc time agrees", time(NULL) - t0 <= 2);
    show("time NULL ok", syscall(SYS_time, NULL) > 0 ? 0 : -1);
    show("time bad pointer", syscall(SYS_time, (void *)1));
}

static void test_sleep(void)
{
    struct timespec req = { 0, 20000000 }, rem = { 7, 7 };
    long long t0 = mono();
    show("nanosleep 20ms", syscall(SYS_nanosleep, &req, &rem));
    fact("slept at least 20ms", mono() - t0 >= 20000000);
    fact("rem untouched", rem.tv_sec == 7 && rem.tv_nsec == 7);
    req.tv_nsec = 0;
    show("nanosleep 0", syscall(SYS_nanosleep, &req, NULL));
    req.tv_nsec = 1000000000;
    show("nanosleep nsec 1e9", syscall(SYS_nanosleep, &req, NULL));
    req.tv_nsec = -1;
    show("nanosleep nsec -1", syscall(SYS_nanosleep, &req, NULL));
    req.tv_sec = -1;
    req.tv_nsec = 0;
    show("nanosleep sec -1", syscall(SYS_nanosleep, &req, NULL));
    show("nanosleep bad pointer", syscall(SYS_nanosleep, (void *)1, NULL));
    struct timespec d = { 0, 10000000 };
    t0 = mono();
    show("clock_nanosleep MONOTONIC relative", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &d, NULL));
    fact("relative sleep at least 10ms", mono() - t0 >= 10000000);
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    long long target = ts_ns(&abs) + 15000000;
    abs.tv_sec = target / 1000000000;
    abs.tv_nsec = target % 1000000000;
    show("clock_nanosleep MONOTONIC abstime", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
    fact("woke at or after the absolute time", mono() >= target);
    clock_gettime(CLOCK_REALTIME, &abs);
    long long rt = ts_ns(&abs) + 10000000;
    abs.tv_sec = rt / 1000000000;
    abs.tv_nsec = rt % 1000000000;
    show("clock_nanosleep REALTIME abstime", syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL));
    clock_gettime(CLOCK_REALTIME, &abs);
    fact("REALTIME reached the target", ts_ns(&abs) >= rt);
    abs.tv_sec = 0;
    abs.tv_nsec = 1;
    t0 = mono();
    show("clock_nanosleep abstime in the past", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
    fact("past deadline returns at once", mono() - t0 < 1000000000);
    show("clock_nanosleep BOOTTIME", syscall(SYS_clock_nanosleep, CLOCK_BOOTTIME, 0, &d, NULL));
    show("clock_nanosleep THREAD_CPUTIME", syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &d, NULL));
    show("clock_nanosleep thread cpu clock id", syscall(SYS_clock_nanosleep, (int)((~0u) << 3) | 6, 0, &d, NULL));
    abs.tv_sec = 0;
    abs.tv_nsec = 1;
    show("clock_nanosleep PROCESS_CPUTIME abstime past", syscall(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &abs, NULL));
    show("clock_nanosleep MONOTONIC_RAW", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC_RAW, 0, &d, NULL));
    show("clock_nanosleep invalid clock", syscall(SYS_clock_nanosleep, 12345, 0, &d, NULL));
    d.tv_nsec = 2000000000;
    show("clock_nanosleep bad timespec", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &d, NULL));
    show("clock_nanosleep bad pointer", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (void *)1, NULL));
    d.tv_nsec = 1000000;
    show("libc clock_nanosleep returns errno", clock_nanosleep(12345, 0, &d, NULL) == EINVAL ? 0 : -1);
    show("libc nanosleep", nanosleep(&d, NULL));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_gettime();
    test_getres();
    test_wall();
    test_sleep();
    printf("done\n");
    return 0;
}
