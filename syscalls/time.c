/*
 * time.c - clock syscalls: clock_gettime, clock_getres, gettimeofday, time,
 * nanosleep and clock_nanosleep.  The vDSO answers most clock reads without
 * a trap; these are the same clocks for callers that trap (static programs
 * with a raw syscall, clocks the vDSO does not serve) and must agree with it:
 * monotonic clocks are now_ns() (TSC since boot, no suspend so BOOTTIME is
 * the same), realtime clocks are realtime_ns() (TAI offset 0, as Linux until
 * NTP sets one).  Sleeps block the calling thread with a deadline on the
 * monotonic clock (waitq_wait_intr), so other threads run meanwhile; a
 * signal the thread acts on ends the sleep with EINTR and the time left,
 * as in Linux (a handler never restarts nanosleep, even with SA_RESTART).
 * CPU-time clocks read the scheduler's accounting (runtime/sched/sched.c):
 * the time a thread, or all threads of the program together, spent on a
 * CPU, user and system.
 */
#include "syscalls.h"
#include "misc.h"
#include "runtime/x86_64/cpu.h"

#define NSEC_PER_SEC 1000000000UL

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define CLOCK_TAI 11
#define TIMER_ABSTIME 1

/* Kinds of clock, after decoding a clockid. */
enum clock_kind { CK_INVALID, CK_REAL, CK_MONO, CK_MONO_NOSLEEP, CK_PROC_CPU, CK_THREAD_CPU };

struct timespec_k {
    s64 sec, nsec;
};

struct timeval_k {
    s64 sec, usec;
};


/*
 * Decode a dynamic CPU clock id (negative: ~pid << 3 | perthread << 2 | which),
 * as made by clock_getcpuclockid and pthread_getcpuclockid.  pid 0 is the
 * caller; a process clock needs the process's pid (for clock_gettime also
 * the caller's own TID, as Linux allows), a thread clock one of its threads.
 * Linux answers EINVAL (not ESRCH) for anything else.  The sampling kinds
 * (which: PROF, VIRT, SCHED) all read the same total here, as Linux's
 * clock_gettime does for them.
 */
static enum clock_kind cpu_clock_kind(int clk, bool gettime)
{
    int pid = ~(clk >> 3);
    bool thread = (clk & 4) != 0;
    if ((clk & 3) == 3)
        return CK_INVALID;             /* no such sampling kind (or a clock fd) */
    if (thread)
        return (pid == 0 || thread_by_tid(pid) != NULL) ? CK_THREAD_CPU : CK_INVALID;
    if (pid == 0 || pid == 1 || (gettime && pid == current->tid))
        return CK_PROC_CPU;
    return CK_INVALID;
}

/* The thread a thread CPU clock id names (the caller for CLOCK_THREAD_CPUTIME_ID). */
static struct thread *clock_thread(int clk)
{
    int tid = clk < 0 ? ~(clk >> 3) : 0;
    struct thread *t = tid != 0 ? thread_by_tid(tid) : NULL;
    return t != NULL ? t : current;
}

static enum clock_kind clock_kind_of(int clk, bool gettime)
{
    switch (clk) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_ALARM: case CLOCK_TAI:
        return CK_REAL;
    case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_BOOTTIME_ALARM:
        return CK_MONO;
    case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE:
        return CK_MONO_NOSLEEP;
    case CLOCK_REALTIME_COARSE:
        return CK_REAL;                /* readable, but clock_nanosleep refuses it */
    case CLOCK_PROCESS_CPUTIME_ID:
        return CK_PROC_CPU;
    case CLOCK_THREAD_CPUTIME_ID:
        return CK_THREAD_CPU;
    default:
        return clk < 0 ? cpu_clock_kind(clk, gettime) : CK_INVALID;
    }
}

static enum clock_kind clock_kind(int clk) { return clock_kind_of(clk, false); }

static u64 clock_now(enum clock_kind k, int clk)
{
    switch (k) {
    case CK_REAL:
        return realtime_ns();
    case CK_PROC_CPU:
        return sched_process_cpu_ns();
    case CK_THREAD_CPU:
        return sched_thread_cpu_ns(clock_thread(clk));
    default:
        return now_ns();
    }
}

static struct timespec_k ns_to_ts(u64 ns)
{
    struct timespec_k ts = { (s64)(ns / NSEC_PER_SEC), (s64)(ns % NSEC_PER_SEC) };
    return ts;
}

long sys_clock_gettime(int clk, u64 uts)
{
    enum clock_kind k = clock_kind_of(clk, true);
    if (k == CK_INVALID)
        return -EINVAL;
    struct timespec_k ts = ns_to_ts(clock_now(k, clk));
    return copy_to_user((void *)uts, &ts, sizeof(ts));
}

/* Every clock is read from the TSC, so all have 1 ns resolution (as the vDSO says). */
long sys_clock_getres(int clk, u64 uts)
{
    struct timespec_k ts = { 0, 1 };
    if (clock_kind(clk) == CK_INVALID)
        return -EINVAL;
    if (uts != 0 && copy_to_user((void *)uts, &ts, sizeof(ts)) < 0)
        return -EFAULT;
    return 0;
}

long sys_gettimeofday(u64 utv, u64 utz)
{
    u64 ns = realtime_ns();
    struct timeval_k tv = { (s64)(ns / NSEC_PER_SEC), (s64)(ns % NSEC_PER_SEC / 1000) };
    extern s32 sys_tz[2];              /* minuteswest, dsttime (syscalls/clock_set.c) */
    s32 tz[2] = { sys_tz[0], sys_tz[1] };
    if (utv != 0 && copy_to_user((void *)utv, &tv, sizeof(tv)) < 0)
        return -EFAULT;
    if (utz != 0 && copy_to_user((void *)utz, tz, sizeof(tz)) < 0)
        return -EFAULT;
    return 0;
}

long sys_time(u64 tloc)
{
    s64 t = (s64)(realtime_ns() / NSEC_PER_SEC);
    if (tloc != 0 && copy_to_user((void *)tloc, &t, sizeof(t)) < 0)
        return -EFAULT;
    return t;
}

/* Read and validate a user timespec; its value in ns (saturated) in *ns. */
static long get_timespec(u64 uts, u64 *ns)
{
    struct timespec_k ts;
    if (copy_from_user(&ts, (void *)uts, sizeof(ts)) < 0)
        return -EFAULT;
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (s64)NSEC_PER_SEC)
        return -EINVAL;
    const u64 cap = 1UL << 62;         /* ~146 years: effectively forever */
    *ns = (u64)ts.sec >= cap / NSEC_PER_SEC ? cap : (u64)ts.sec * NSEC_PER_SEC + (u64)ts.nsec;
    return 0;
}

/* Block the calling thread until now_ns() reaches deadline (other threads run):
 * 0, or -EINTR when a signal ended the sleep early. */
static long sleep_until(u64 deadline)
{
    while (now_ns() < deadline) {
        if (waitq_wait_intr(NULL, deadline) == -EINTR)
            return -EINTR;
    }
    return 0;
}

/* Sleep for ns nanoseconds; on -EINTR store the time left in urem (if not 0). */
static long sleep_for(u64 ns, u64 urem)
{
    u64 now = now_ns();
    u64 deadline = now + MIN(ns, (1UL << 62));
    long r = sleep_until(deadline);
    if (r == -EINTR && urem != 0) {
        u64 now2 = now_ns();
        struct timespec_k left = ns_to_ts(deadline > now2 ? deadline - now2 : 0);
        if (copy_to_user((void *)urem, &left, sizeof(left)) < 0)
            return -EFAULT;
    }
    return r;
}

long sys_nanosleep(u64 ureq, u64 urem)
{
    u64 ns;
    long r = get_timespec(ureq, &ns);
    if (r < 0)
        return r;
    return sleep_for(ns, urem);        /* *rem is only written when interrupted */
}

/* The CPU clock a sleep waits on: the process's (tid 0) or another thread's
 * (0 once that thread has exited: its clock stopped). */
static u64 cpu_clock_read(int tid)
{
    if (tid == 0)
        return sched_process_cpu_ns();
    struct thread *t = thread_by_tid(tid);
    return t != NULL ? sched_thread_cpu_ns(t) : 0;
}

/*
 * Sleep until the program's CPU time (tid 0) or another thread's reaches
 * target (consumed by other threads: this one sleeps).  The process's CPU
 * time grows at most N times as fast as the wall clock (one per online CPU),
 * a thread's at most as fast, so the thread wakes when the target could
 * first have been reached and looks again.  With nothing else running it
 * sleeps until a signal, as on Linux.  On -EINTR the CPU time left goes to
 * urem.
 */
static long sleep_cpu_until(int tid, u64 target, u64 urem)
{
    for (;;) {
        u64 used = cpu_clock_read(tid);
        if (used >= target)
            return 0;
        u64 wait = (target - used) / (u64)(tid == 0 ? MAX(cpu_online_count(), 1) : 1) + 1;
        if (waitq_wait_intr(NULL, now_ns() + MIN(wait, 1UL << 62)) == -EINTR) {
            used = cpu_clock_read(tid);
            struct timespec_k left = ns_to_ts(target > used ? target - used : 0);
            if (urem != 0 && copy_to_user((void *)urem, &left, sizeof(left)) < 0)
                return -EFAULT;
            return -EINTR;
        }
    }
}

/*
 * clock_nanosleep: relative, or until the clock reads the absolute time
 * (TIMER_ABSTIME); other flag bits are ignored as Linux does.  Clocks that
 * cannot be slept on (coarse, raw, the calling thread's CPU clock) give
 * EOPNOTSUPP; the caller's own thread CPU clock by id is EINVAL, as in
 * Linux; a clock fd id is EOPNOTSUPP (dynamic clocks cannot be slept on).
 * The process CPU clock waits for CPU time used by the program's other
 * threads, another thread's clock for that thread's CPU time.
 */
long sys_clock_nanosleep(int clk, int flags, u64 ureq, u64 urem)
{
    enum clock_kind k = clock_kind(clk);
    u64 ns;
    if (clk < 0 && (clk & 7) == 3)
        return -EOPNOTSUPP;
    if (k == CK_INVALID)
        return -EINVAL;
    if (k == CK_MONO_NOSLEEP || clk == CLOCK_REALTIME_COARSE || clk == CLOCK_THREAD_CPUTIME_ID)
        return -EOPNOTSUPP;
    int tid = k == CK_THREAD_CPU ? ~(clk >> 3) : 0;
    if (k == CK_THREAD_CPU && (tid == 0 || tid == current->tid))
        return -EINVAL;
    long r = get_timespec(ureq, &ns);
    if (r < 0)
        return r;
    if (k == CK_PROC_CPU || k == CK_THREAD_CPU) {
        u64 used = cpu_clock_read(tid);
        return (flags & TIMER_ABSTIME) != 0 ? sleep_cpu_until(tid, ns, 0)
                                            : sleep_cpu_until(tid, used + MIN(ns, 1UL << 62), urem);
    }
    if ((flags & TIMER_ABSTIME) == 0)
        return sleep_for(ns, urem);
    u64 now = clock_now(k, clk);
    return ns > now ? sleep_for(ns - now, 0) : 0;   /* absolute: no time left to report */
}
