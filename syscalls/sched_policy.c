/*
 * sched_policy.c - scheduling policy syscalls: CPU affinity, scheduling
 * policy and priority, nice values, getcpu.  The kernel runs one
 * round-robin scheduler with a 10 ms slice over the CPUs that booted
 * (runtime/x86_64/smp.c).  CPU affinity is per thread and real: the
 * scheduler runs a thread only on the CPUs of its mask (sched_set_affinity).
 * Policy/priority/nice are recorded and reported with Linux's
 * validation rules but do not change scheduling.  membarrier interrupts
 * every CPU running user code and waits for it.  Policy, priority and
 * nice are kept once for the whole process (Linux keeps them per thread).
 * Invariants: policy is a valid SCHED_* value whose priority is in range
 * for it; nice is in [-20, 19].
 */
#include "syscalls.h"
#include "misc.h"
#include "runtime/x86_64/cpu.h"

#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2
#define SCHED_BATCH 3
#define SCHED_IDLE 5
#define SCHED_DEADLINE 6
#define SCHED_RESET_ON_FORK 0x40000000
#define CPUMASK_BYTES 8                /* cpumask_size(): one long covers nr_cpu_ids */
#define NR_CPUS cpu_online_count()
#define SLICE_NS 10000000L             /* the scheduler's time slice */
#define RR_SLICE_NS 100000000L         /* Linux's SCHED_RR quantum */

static int policy = SCHED_OTHER;
static int rt_priority;
static int nice_value;
static bool reset_on_fork;

/* Does pid (>= 0) name this process or one of its threads (0 = the caller)? */
static bool task_exists(long pid)
{
    if (pid == 0 || pid == 1)          /* the process, even after its main thread exits */
        return true;
    return pid > 0 && pid <= 0x7fffffff && thread_by_tid((int)pid) != NULL;
}

/* ---------------------------------------------------------------- affinity */

/* The thread pid names (0: the caller), or NULL: the main thread after it
 * exited (the process still answers to pid 1) or no such thread. */
static struct thread *task_thread(long pid)
{
    if (pid == 0)
        return current;
    return pid > 0 && pid <= 0x7fffffff ? thread_by_tid((int)pid) : NULL;
}

long sys_sched_getaffinity(int pid, u32 len, u64 umask)
{
    u64 mask = NR_CPUS >= 64 ? ~0UL : (1UL << NR_CPUS) - 1;
    if ((u64)len * 8 < (u64)NR_CPUS || (len & (sizeof(long) - 1)) != 0)
        return -EINVAL;
    if (!task_exists(pid))
        return -ESRCH;
    struct thread *t = task_thread(pid);
    if (t != NULL)
        mask = sched_affinity(t);
    u32 n = MIN(len, (u32)CPUMASK_BYTES);
    if (copy_to_user((void *)umask, &mask, n) < 0)
        return -EFAULT;
    return n;
}

/* The new mask is intersected with the CPUs that exist; an empty result is
 * EINVAL.  The thread leaves a CPU no longer in its mask at once (the caller
 * before this returns). */
long sys_sched_setaffinity(int pid, u32 len, u64 umask)
{
    u64 mask = 0;
    if (copy_from_user(&mask, (void *)umask, MIN(len, (u32)CPUMASK_BYTES)) < 0)
        return -EFAULT;
    if (!task_exists(pid))
        return -ESRCH;
    mask &= NR_CPUS >= 64 ? ~0UL : (1UL << NR_CPUS) - 1;
    if (mask == 0)
        return -EINVAL;
    struct thread *t = task_thread(pid);
    if (t != NULL)                     /* an exited main thread runs nowhere any more */
        sched_set_affinity(t, mask);
    return 0;
}

long sys_getcpu(u64 ucpu, u64 unode, u64 ucache)
{
    u32 zero = 0, cpu = (u32)smp_cpu_id();
    (void)ucache;
    if (ucpu != 0 && copy_to_user((void *)ucpu, &cpu, sizeof(cpu)) < 0)
        return -EFAULT;
    if (unode != 0 && copy_to_user((void *)unode, &zero, sizeof(zero)) < 0)
        return -EFAULT;
    return 0;
}

/* ---------------------------------------------------------------- policy */

static bool rt_policy(int p) { return p == SCHED_FIFO || p == SCHED_RR; }

long sys_sched_get_priority_max(int p)
{
    if (rt_policy(p))
        return 99;
    if (p == SCHED_OTHER || p == SCHED_BATCH || p == SCHED_IDLE || p == SCHED_DEADLINE)
        return 0;
    return -EINVAL;
}

long sys_sched_get_priority_min(int p)
{
    if (rt_policy(p))
        return 1;
    if (p == SCHED_OTHER || p == SCHED_BATCH || p == SCHED_IDLE || p == SCHED_DEADLINE)
        return 0;
    return -EINVAL;
}

long sys_sched_getscheduler(int pid)
{
    if (pid < 0)
        return -EINVAL;
    if (!task_exists(pid))
        return -ESRCH;
    return policy | (reset_on_fork ? SCHED_RESET_ON_FORK : 0);
}

long sys_sched_getparam(int pid, u64 uparam)
{
    if (pid < 0 || uparam == 0)
        return -EINVAL;
    if (!task_exists(pid))
        return -ESRCH;
    s32 prio = rt_priority;
    return copy_to_user((void *)uparam, &prio, sizeof(prio));
}

/* Validate and record policy p (-1 keeps the current one) with priority from user memory. */
static long set_sched(int pid, int p, u64 uparam)
{
    s32 prio;
    if (pid < 0 || uparam == 0)
        return -EINVAL;
    if (copy_from_user(&prio, (void *)uparam, sizeof(prio)) < 0)
        return -EFAULT;
    if (!task_exists(pid))
        return -ESRCH;
    bool rof = reset_on_fork;
    if (p == -1) {
        p = policy;
    } else {
        rof = (p & SCHED_RESET_ON_FORK) != 0;
        p &= ~SCHED_RESET_ON_FORK;
    }
    if (p != SCHED_OTHER && p != SCHED_BATCH && p != SCHED_IDLE && !rt_policy(p))
        return -EINVAL;            /* SCHED_DEADLINE needs sched_setattr */
    if ((rt_policy(p) && (prio < 1 || prio > 99)) || (!rt_policy(p) && prio != 0))
        return -EINVAL;
    if (rt_policy(p) && process_euid() != 0 && (u64)prio > rlimit_cur(RLIMIT_RTPRIO))
        return -EPERM;
    policy = p;
    rt_priority = prio;
    reset_on_fork = rof;
    return 0;
}

// partial: policy and priority are recorded for the whole process; scheduling stays round-robin
long sys_sched_setscheduler(int pid, int p, u64 uparam)
{
    if (p < 0)
        return -EINVAL;
    return set_sched(pid, p, uparam);
}

// partial: the priority is recorded for the whole process; scheduling stays round-robin
long sys_sched_setparam(int pid, u64 uparam) { return set_sched(pid, -1, uparam); }

long sys_sched_rr_get_interval(int pid, u64 uts)
{
    if (pid < 0)
        return -EINVAL;
    if (!task_exists(pid))
        return -ESRCH;
    s64 ts[2] = { 0, policy == SCHED_FIFO ? 0 : (policy == SCHED_RR ? RR_SLICE_NS : SLICE_NS) };
    return copy_to_user((void *)uts, ts, sizeof(ts));
}

/* ---------------------------------------------------------------- sched_attr */

#define SCHED_ATTR_SIZE_VER0 48
#define SCHED_FLAG_RESET_ON_FORK 0x01
#define SCHED_FLAG_KEEP_POLICY 0x08
#define SCHED_FLAG_KEEP_PARAMS 0x10
#define SCHED_FLAG_UTIL_CLAMP 0x60
#define SCHED_FLAG_ALL 0x7f

struct sched_attr_k {
    u32 size, sched_policy;
    u64 sched_flags;
    s32 sched_nice;
    u32 sched_priority;
    u64 sched_runtime, sched_deadline, sched_period;
    u32 sched_util_min, sched_util_max;
};

long sys_sched_getattr(int pid, u64 uattr, u32 usize, u32 flags)
{
    struct sched_attr_k a;
    if (uattr == 0 || pid < 0 || usize > PAGE_SIZE || usize < SCHED_ATTR_SIZE_VER0 || flags != 0)
        return -EINVAL;
    if (!task_exists(pid))
        return -ESRCH;
    memset(&a, 0, sizeof(a));
    a.size = MIN(usize, (u32)sizeof(a));
    a.sched_policy = (u32)policy;
    a.sched_flags = reset_on_fork ? SCHED_FLAG_RESET_ON_FORK : 0;
    if (rt_policy(policy))
        a.sched_priority = (u32)rt_priority;
    else
        a.sched_nice = nice_value;
    return copy_to_user((void *)uattr, &a, a.size);
}

/* Copy a user sched_attr of any size: bytes beyond ours must be zero (E2BIG,
 * with our size written back), as Linux's copy_struct_from_user. */
static long get_sched_attr(u64 uattr, struct sched_attr_k *a)
{
    u32 size, ours = sizeof(*a);
    if (copy_from_user(&size, (void *)uattr, sizeof(size)) < 0)
        return -EFAULT;
    if (size == 0)
        size = SCHED_ATTR_SIZE_VER0;
    memset(a, 0, sizeof(*a));
    if (size < SCHED_ATTR_SIZE_VER0 || size > PAGE_SIZE)
        goto too_big;
    long r = copy_struct_from_user(a, ours, (void *)uattr, size);
    if (r == -E2BIG)
        goto too_big;
    if (r < 0)
        return r;
    if ((a->sched_flags & SCHED_FLAG_UTIL_CLAMP) != 0 && size < ours)
        return -EINVAL;
    a->sched_nice = a->sched_nice < -20 ? -20 : (a->sched_nice > 19 ? 19 : a->sched_nice);
    return 0;
too_big:
    if (copy_to_user((void *)uattr, &ours, sizeof(ours)) < 0)
        return -EFAULT;
    return -E2BIG;
}

/* Check policy p with the attributes a against Linux's rules (privilege: euid 0 or rlimits). */
static long check_sched_attr(int p, const struct sched_attr_k *a)
{
    bool root = process_euid() == 0;
    if (p != SCHED_OTHER && p != SCHED_BATCH && p != SCHED_IDLE && p != SCHED_DEADLINE && !rt_policy(p))
        return -EINVAL;
    if ((a->sched_flags & ~(u64)SCHED_FLAG_ALL) != 0 || a->sched_priority > 99)
        return -EINVAL;
    if (rt_policy(p) != (a->sched_priority != 0))
        return -EINVAL;
    if (p == SCHED_DEADLINE && (a->sched_deadline == 0 || a->sched_runtime < 1024 ||
        a->sched_runtime > a->sched_deadline ||
        (a->sched_period != 0 && a->sched_period < a->sched_deadline)))
        return -EINVAL;
    if (!root && p == SCHED_DEADLINE)
        return -EPERM;
    if (!root && rt_policy(p) && a->sched_priority > rlimit_cur(RLIMIT_RTPRIO))
        return -EPERM;
    if (!root && !rt_policy(p) && a->sched_nice < nice_value &&
        (u64)(20 - a->sched_nice) > rlimit_cur(RLIMIT_NICE))
        return -EPERM;
    if ((a->sched_flags & SCHED_FLAG_UTIL_CLAMP) != 0)
        return -EOPNOTSUPP;            /* no utilization clamping (as without CONFIG_UCLAMP_TASK) */
    if (p == SCHED_DEADLINE)
        return -EBUSY;                 /* no deadline scheduler: no bandwidth to admit */
    return 0;
}

// partial: SCHED_DEADLINE is refused with EBUSY (no deadline scheduler); values are recorded for the whole process and scheduling stays round-robin
long sys_sched_setattr(int pid, u64 uattr, u32 flags)
{
    struct sched_attr_k a;
    if (uattr == 0 || pid < 0 || flags != 0)
        return -EINVAL;
    long r = get_sched_attr(uattr, &a);
    if (r < 0)
        return r;
    if ((s32)a.sched_policy < 0)
        return -EINVAL;
    bool keep = (a.sched_flags & SCHED_FLAG_KEEP_POLICY) != 0;
    int p = keep ? policy : (int)a.sched_policy;
    if (!task_exists(pid))
        return -ESRCH;
    r = check_sched_attr(p, &a);
    if (r < 0)
        return r;
    policy = p;
    if (!keep)
        reset_on_fork = (a.sched_flags & SCHED_FLAG_RESET_ON_FORK) != 0;
    if ((a.sched_flags & SCHED_FLAG_KEEP_PARAMS) == 0) {
        rt_priority = (int)a.sched_priority;
        if (!rt_policy(p))
            nice_value = a.sched_nice;
    }
    return 0;
}

/* ---------------------------------------------------------------- nice */

#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2

/* Does (which, who) select this process?  -EINVAL for a bad which. */
static long prio_target(int which, int who)
{
    switch (which) {
    case PRIO_PROCESS:
        return task_exists(who) ? 1 : 0;
    case PRIO_PGRP:
        return (who == 0 || who == 1) ? 1 : 0;
    case PRIO_USER:
        return (who == 0 || (u32)who == process_ruid()) ? 1 : 0;
    default:
        return -EINVAL;
    }
}

/* Returns 20 - nice (1..40) as the raw syscall does, so no valid result looks like an error. */
long sys_getpriority(int which, int who)
{
    long t = prio_target(which, who);
    if (t < 0)
        return t;
    if (t == 0)
        return -ESRCH;
    return 20 - nice_value;
}

// partial: one nice value for the whole process; it does not change scheduling
long sys_setpriority(int which, int who, int nice)
{
    long t = prio_target(which, who);
    if (t < 0)
        return t;
    if (t == 0)
        return -ESRCH;
    nice = nice < -20 ? -20 : (nice > 19 ? 19 : nice);
    if (nice < nice_value && process_euid() != 0 && (u64)(20 - nice) > rlimit_cur(RLIMIT_NICE))
        return -EACCES;
    nice_value = nice;
    return 0;
}

/* ---------------------------------------------------------------- membarrier */

#define MEMBARRIER_CMD_QUERY 0
#define MEMBARRIER_CMD_GLOBAL 1
#define MEMBARRIER_CMD_GLOBAL_EXPEDITED 2
#define MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED 4
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED 8
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED 16
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE 32
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE 64
#define MEMBARRIER_SUPPORTED 0x7f      /* every command but the rseq ones (no rseq) */

static int membarrier_registered;      /* REGISTER_* commands issued so far */

/*
 * membarrier: threads switched out have passed a context switch, a full
 * barrier (and serializing); threads running on other CPUs get an IPI
 * (smp_tlb_shootdown, which waits until each CPU in user mode took it), an
 * interrupt being serializing too.  Expedited private commands
 * still require their registration first (EPERM), as in Linux.
 */
long sys_membarrier(int cmd, u32 flags, int cpu_id)
{
    if (flags != 0)
        return -EINVAL;
    switch (cmd) {
    case MEMBARRIER_CMD_QUERY:
        return MEMBARRIER_SUPPORTED;
    case MEMBARRIER_CMD_GLOBAL:
    case MEMBARRIER_CMD_GLOBAL_EXPEDITED:
        __asm__ volatile("mfence" ::: "memory");
        smp_tlb_shootdown();
        return 0;
    case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED:
    case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
    case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
        membarrier_registered |= cmd;
        return 0;
    case MEMBARRIER_CMD_PRIVATE_EXPEDITED:
    case MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE:
        if ((membarrier_registered & (cmd << 1)) == 0)
            return -EPERM;
        __asm__ volatile("mfence" ::: "memory");
        smp_tlb_shootdown();
        return 0;
    default:
        return -EINVAL;
    }
}
