/*
 * itimer.c - timers that raise signals: setitimer/getitimer/alarm (the
 * three interval timers: ITIMER_REAL -> SIGALRM, ITIMER_VIRTUAL ->
 * SIGVTALRM, ITIMER_PROF -> SIGPROF) and the POSIX per-process timers
 * (timer_create, timer_settime, timer_gettime, timer_getoverrun,
 * timer_delete).
 *
 * Each timer is a kernel timer (struct ktimer, runtime/sched/thread.h) whose
 * callback runs in interrupt context: it queues the signal with
 * signal_send_process/signal_send_thread, which never block, and re-arms a
 * periodic timer for its next period (periods missed while late are counted
 * as overruns, not queued).  Deadlines are kept on the now_ns clock; a
 * CLOCK_REALTIME absolute time is converted when it is set.  CPU-time timers
 * keep a target on their CPU clock (runtime/sched/sched.c accounting):
 * ITIMER_PROF and CLOCK_PROCESS_CPUTIME_ID timers the program's CPU time,
 * ITIMER_VIRTUAL its user part (CPU time outside syscalls), and a
 * CLOCK_THREAD_CPUTIME_ID timer the CPU time of the thread that created it;
 * the CPU clock ids of clock_getcpuclockid/pthread_getcpuclockid name the
 * process or one of its threads (their VIRT kind counts user time only).
 * A clock fd id (low bits 3) has no timers: EOPNOTSUPP, as Linux.
 * Their kernel timer fires when the CPU time still missing could first have
 * been used (the wall time it takes, divided among the online CPUs for the
 * process clocks) and re-arms itself until the target is reached.
 */
#include "signal_impl.h"
#include "runtime/x86_64/cpu.h"

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2
#define NSEC 1000000000UL
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_BOOTTIME 7
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SIGEV_THREAD_ID 4
#define TIMER_ABSTIME 1
#define MAX_TIMERS 256

struct timeval_k { s64 sec, usec; };
struct itimerval_k { struct timeval_k interval, value; };
struct timespec_k { s64 sec, nsec; };
struct itimerspec_k { struct timespec_k interval, value; };
struct sigevent_k {
    u64 value;
    s32 signo;
    s32 notify;
    s32 tid;
    s32 pad[11];
};

struct stimer {
    struct ktimer kt;
    u64 interval;                      /* ns; 0 = one-shot */
    int signo;                         /* 0: SIGEV_NONE */
    int tid;                           /* SIGEV_THREAD_ID target, 0 = process */
    int id;                            /* timer id (POSIX), -1 for itimers */
    int clock;
    u64 value;                         /* sigev_value */
    int overrun_acc, overrun;          /* periods missed since / at the last signal */
    bool used;
    int cpu;                           /* CPU_*: which CPU clock it counts, or elapsed time */
    int cpu_tid;                       /* CPU_THREAD: the thread whose time counts */
    u64 cpu_target;                    /* cpu: the reading of that clock at expiry */
};

enum { CPU_NONE, CPU_PROF, CPU_VIRT, CPU_THREAD, CPU_THREAD_VIRT };

static bool cpu_of_thread(const struct stimer *t)
{
    return t->cpu == CPU_THREAD || t->cpu == CPU_THREAD_VIRT;
}

/* The current reading of t's CPU clock.  A thread clock whose thread has
 * exited stops (its timer then never fires, as on Linux). */
static u64 cpu_used(const struct stimer *t)
{
    if (cpu_of_thread(t)) {
        struct thread *th = thread_by_tid(t->cpu_tid);
        u64 all = th != NULL ? sched_thread_cpu_ns(th) : 0;
        if (th != NULL && t->cpu == CPU_THREAD_VIRT)
            return all - MIN(sched_thread_sys_ns(th), all);
        return all;
    }
    u64 all = sched_process_cpu_ns();
    if (t->cpu == CPU_VIRT)
        return all - MIN(sched_process_sys_ns(), all);
    return all;
}

/* Wall time before `missing` ns of t's CPU clock can have passed. */
static u64 cpu_wait(const struct stimer *t, u64 missing)
{
    if (cpu_of_thread(t))
        return missing;
    return missing / (u64)MAX(cpu_online_count(), 1) + 1;
}

static struct stimer itimers[3];
static struct stimer *ptimers[MAX_TIMERS];

/* A CPU-time timer: re-arm while its target is not reached; on expiry set
 * the next target (counting missed periods).  True when it expired. */
static bool cpu_timer_due(struct stimer *t, u64 now)
{
    u64 used = cpu_used(t);
    if (cpu_of_thread(t) && thread_by_tid(t->cpu_tid) == NULL)
        return false;                  /* its thread is gone: the clock stopped */
    if (used < t->cpu_target) {
        ktimer_arm(&t->kt, now + cpu_wait(t, t->cpu_target - used));
        return false;
    }
    if (t->interval != 0) {
        u64 missed = (used - t->cpu_target) / t->interval;
        t->overrun_acc += (int)MIN(missed, 0x7fffffffUL);
        t->cpu_target += (missed + 1) * t->interval;
        ktimer_arm(&t->kt, now + cpu_wait(t, t->cpu_target - used));
    }
    return true;
}

/* Queue t's signal unless the previous one is still pending (an overrun). */
static void stimer_fire(void *arg)
{
    struct stimer *t = arg;
    u64 now = now_ns();
    if (t->cpu) {
        if (!cpu_timer_due(t, now))
            return;
    } else if (t->interval != 0) {
        u64 next = t->kt.deadline + t->interval;
        if (next <= now) {
            u64 missed = (now - next) / t->interval + 1;
            t->overrun_acc += (int)MIN(missed, 0x7fffffffUL);
            next += missed * t->interval;
        }
        ktimer_arm(&t->kt, next);
    }
    if (t->signo == 0)
        return;
    struct thread *target = t->tid != 0 ? thread_by_tid(t->tid) : NULL;
    struct ksiginfo si;
    memset(&si, 0, sizeof(si));
    si.signo = t->signo;
    si.code = t->id >= 0 ? SI_TIMER : SI_KERNEL;
    if (t->id >= 0) {
        si.u.timer.tid = t->id;
        si.u.timer.overrun = t->overrun_acc;
        si.u.timer.value = t->value;
    }
    t->overrun = t->overrun_acc;
    t->overrun_acc = 0;
    if (target != NULL)
        (void)signal_send_thread(target, &si);
    else
        (void)signal_send_process(&si);
}

static void stimer_init(struct stimer *t, int signo, int id)
{
    memset(t, 0, sizeof(*t));
    t->kt.fn = stimer_fire;
    t->kt.arg = t;
    t->signo = signo;
    t->id = id;
    t->used = true;
}

/* Remaining time of t in ns (0 when disarmed). */
static u64 stimer_left(const struct stimer *t)
{
    u64 now = now_ns();
    if (!t->kt.armed)
        return 0;
    if (t->cpu != CPU_NONE) {
        u64 used = cpu_used(t);
        return t->cpu_target > used ? t->cpu_target - used : 1;
    }
    return t->kt.deadline > now ? t->kt.deadline - now : 1;
}

static void stimer_set(struct stimer *t, u64 value_ns, u64 interval_ns)
{
    ktimer_cancel(&t->kt);
    t->interval = interval_ns;
    t->overrun_acc = 0;
    t->cpu_target = (t->cpu != CPU_NONE ? cpu_used(t) : 0) + value_ns;
    if (value_ns != 0)
        ktimer_arm(&t->kt, now_ns() + (t->cpu != CPU_NONE ? cpu_wait(t, value_ns) : value_ns));
}

/* ---------------------------------------------------------------- interval timers */

static int tv_to_ns(const struct timeval_k *tv, u64 *ns)
{
    if (tv->sec < 0 || tv->usec < 0 || tv->usec >= 1000000)
        return -EINVAL;
    *ns = (u64)tv->sec >= (1UL << 32) ? 1UL << 62 : (u64)tv->sec * NSEC + (u64)tv->usec * 1000;
    return 0;
}

static struct timeval_k ns_to_tv(u64 ns)
{
    /* round up to whole microseconds so an armed timer never reads as 0 */
    u64 us = (ns + 999) / 1000;
    return (struct timeval_k){ (s64)(us / 1000000), (s64)(us % 1000000) };
}

static struct stimer *itimer(int which)
{
    static const int sigs[3] = { SIGALRM, SIGVTALRM, SIGPROF };
    struct stimer *t = &itimers[which];
    if (!t->used) {
        stimer_init(t, sigs[which], -1);
        t->cpu = which == ITIMER_PROF ? CPU_PROF : which == ITIMER_VIRTUAL ? CPU_VIRT : CPU_NONE;
    }
    return t;
}

static struct itimerval_k itimer_get(int which)
{
    struct stimer *t = itimer(which);
    struct itimerval_k v;
    v.interval = ns_to_tv(t->interval);
    v.value = ns_to_tv(stimer_left(t));
    return v;
}

long sys_getitimer(int which, u64 uval)
{
    if (which < ITIMER_REAL || which > ITIMER_PROF)
        return -EINVAL;
    struct itimerval_k v = itimer_get(which);
    return copy_to_user((void *)uval, &v, sizeof(v));
}

/* ITIMER_PROF counts the program's CPU time, ITIMER_VIRTUAL its user part. */
long sys_setitimer(int which, u64 unew, u64 uold)
{
    struct itimerval_k n, o;
    u64 value, interval;
    if (which < ITIMER_REAL || which > ITIMER_PROF)
        return -EINVAL;
    memset(&n, 0, sizeof(n));
    if (unew != 0 && copy_from_user(&n, (void *)unew, sizeof(n)) < 0)
        return -EFAULT;
    if (tv_to_ns(&n.value, &value) < 0 || tv_to_ns(&n.interval, &interval) < 0)
        return -EINVAL;
    o = itimer_get(which);
    stimer_set(itimer(which), value, value != 0 ? interval : 0);
    if (uold != 0 && copy_to_user((void *)uold, &o, sizeof(o)) < 0)
        return -EFAULT;
    return 0;
}

long sys_alarm(u32 seconds)
{
    struct stimer *t = itimer(ITIMER_REAL);
    u64 left = stimer_left(t);
    long old = (long)((left + NSEC / 2) / NSEC);
    if (left != 0 && old == 0)
        old = 1;
    stimer_set(t, (u64)seconds * NSEC, 0);
    return old;
}

/* ---------------------------------------------------------------- POSIX timers */

static bool clock_ok(int clk)
{
    return clk == CLOCK_REALTIME || clk == CLOCK_MONOTONIC || clk == CLOCK_BOOTTIME ||
           clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID;
}

/*
 * The CPU clock a timer counts, for clk: *cpu (CPU_*) and, for a thread
 * clock, *tid.  Besides the two named CPU clocks these are the ids
 * clock_getcpuclockid and pthread_getcpuclockid make (~pid << 3, bit 2 for a
 * thread, the low bits PROF, VIRT or SCHED); pid 0 is the caller's.  A
 * process clock must name the process, a thread clock one of its threads;
 * anything else is EINVAL, a clock fd (solo has none) EOPNOTSUPP, as in
 * Linux, where dynamic clocks have no timers.
 */
static int timer_cpu_clock(int clk, int *cpu, int *tid)
{
    *tid = current->tid;
    *cpu = clk == CLOCK_PROCESS_CPUTIME_ID ? CPU_PROF : clk == CLOCK_THREAD_CPUTIME_ID ? CPU_THREAD : CPU_NONE;
    if (clk >= 0)
        return 0;
    int pid = ~(clk >> 3), which = clk & 3;
    if ((clk & 7) == 3)
        return -EOPNOTSUPP;
    if (which == 3)
        return -EINVAL;
    if ((clk & 4) != 0) {
        struct thread *th = pid == 0 ? current : thread_by_tid(pid);
        if (th == NULL)
            return -EINVAL;
        *tid = th->tid;
        *cpu = which == 1 ? CPU_THREAD_VIRT : CPU_THREAD;
        return 0;
    }
    if (pid != 0 && pid != PID_SELF)
        return -EINVAL;
    *cpu = which == 1 ? CPU_VIRT : CPU_PROF;
    return 0;
}

/* Validate a sigevent; *signo 0 for SIGEV_NONE, *tid the target thread or 0. */
static long sigevent_check(const struct sigevent_k *ev, int *signo, int *tid)
{
    *tid = 0;
    switch (ev->notify) {
    case SIGEV_NONE:
        *signo = 0;
        return 0;
    case SIGEV_THREAD_ID:
        if (thread_by_tid(ev->tid) == NULL)
            return -EINVAL;
        *tid = ev->tid;
        /* fall through */
    case SIGEV_SIGNAL:
    case SIGEV_THREAD:
        if (ev->signo < 1 || ev->signo > NSIG)
            return -EINVAL;
        *signo = ev->signo;
        return 0;
    default:
        return -EINVAL;
    }
}

// partial: no CLOCK_*_ALARM or TAI timers: EINVAL
long sys_timer_create(int clk, u64 uev, u64 uid)
{
    struct sigevent_k ev;
    int signo, tid, id, cpu, cpu_tid;
    if (!clock_ok(clk) && clk >= 0)
        return -EINVAL;
    long r = timer_cpu_clock(clk, &cpu, &cpu_tid);
    if (r < 0)
        return r;
    for (id = 0; id < MAX_TIMERS && ptimers[id] != NULL; id++)
        ;
    if (id == MAX_TIMERS)
        return -EAGAIN;
    memset(&ev, 0, sizeof(ev));
    ev.notify = SIGEV_SIGNAL;
    ev.signo = SIGALRM;
    ev.value = (u64)id;
    if (uev != 0 && copy_from_user(&ev, (void *)uev, sizeof(ev)) < 0)
        return -EFAULT;
    r = sigevent_check(&ev, &signo, &tid);
    if (r < 0)
        return r;
    struct stimer *t = kmalloc(sizeof(*t));
    if (t == NULL)
        return -EAGAIN;
    stimer_init(t, signo, id);
    t->tid = tid;
    t->clock = clk;
    t->cpu = cpu;
    t->cpu_tid = cpu_tid;
    t->value = ev.value;
    s32 kid = id;
    if (copy_to_user((void *)uid, &kid, sizeof(kid)) < 0) {
        kfree(t);
        return -EFAULT;
    }
    ptimers[id] = t;
    return 0;
}

static struct stimer *ptimer(int id)
{
    return id >= 0 && id < MAX_TIMERS ? ptimers[id] : NULL;
}

static int ts_to_ns(const struct timespec_k *ts, u64 *ns)
{
    if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= (s64)NSEC)
        return -EINVAL;
    *ns = (u64)ts->sec >= (1UL << 32) ? 1UL << 62 : (u64)ts->sec * NSEC + (u64)ts->nsec;
    return 0;
}

static struct timespec_k ns_to_ts(u64 ns)
{
    return (struct timespec_k){ (s64)(ns / NSEC), (s64)(ns % NSEC) };
}

static struct itimerspec_k ptimer_get(const struct stimer *t)
{
    return (struct itimerspec_k){ ns_to_ts(t->interval), ns_to_ts(stimer_left(t)) };
}

long sys_timer_gettime(int id, u64 uval)
{
    struct stimer *t = ptimer(id);
    if (t == NULL)
        return -EINVAL;
    struct itimerspec_k v = ptimer_get(t);
    return copy_to_user((void *)uval, &v, sizeof(v));
}

/* An absolute expiry on clock clk as a relative delay from now (at least 1 ns). */
static u64 abs_to_rel(const struct stimer *t, int clk, u64 abs)
{
    u64 now = clk == CLOCK_REALTIME ? realtime_ns() : now_ns();
    if (t->cpu != CPU_NONE)
        now = cpu_used(t);
    return abs > now ? abs - now : 1;
}

long sys_timer_settime(int id, int flags, u64 unew, u64 uold)
{
    struct stimer *t = ptimer(id);
    struct itimerspec_k n;
    u64 value, interval;
    if (t == NULL)
        return -EINVAL;
    if (copy_from_user(&n, (void *)unew, sizeof(n)) < 0)
        return -EFAULT;
    if (ts_to_ns(&n.value, &value) < 0 || ts_to_ns(&n.interval, &interval) < 0)
        return -EINVAL;
    struct itimerspec_k o = ptimer_get(t);
    if (value != 0 && (flags & TIMER_ABSTIME) != 0)
        value = abs_to_rel(t, t->clock, value);
    stimer_set(t, value, value != 0 ? interval : 0);
    if (uold != 0 && copy_to_user((void *)uold, &o, sizeof(o)) < 0)
        return -EFAULT;
    return 0;
}

long sys_timer_getoverrun(int id)
{
    struct stimer *t = ptimer(id);
    return t == NULL ? -EINVAL : t->overrun;
}

long sys_timer_delete(int id)
{
    struct stimer *t = ptimer(id);
    if (t == NULL)
        return -EINVAL;
    ktimer_cancel(&t->kt);
    ptimers[id] = NULL;
    kfree(t);
    return 0;
}
