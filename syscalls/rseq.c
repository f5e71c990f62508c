/*
 * rseq.c - restartable sequences (Linux 6.1 ABI).  A thread registers one
 * 32-byte struct rseq; the kernel keeps its cpu_id fields current and, when
 * the thread is interrupted (timer, device interrupt, preemption) or gets a
 * signal while its instruction pointer is inside the critical section that
 * rseq_cs describes, moves the instruction pointer to the section's abort
 * handler, whose preceding 4 bytes must hold the registered signature.
 * Aborting on every interrupt, not only on real preemption, is allowed by
 * the ABI (a section may always be aborted) and keeps this simple.
 * glibc registers rseq for every thread and reads cpu_id for sched_getcpu.
 */
#include "syscalls.h"
#include "runtime/sched/signal.h"
#include "runtime/x86_64/cpu.h"

#define RSEQ_SIZE 32
#define RSEQ_FLAG_UNREGISTER 1
#define RSEQ_CPU_ID_UNINITIALIZED ((u32)-1)
#define OFF_CPU_ID_START 0
#define OFF_RSEQ_CS 8

struct rseq_cs {
    u32 version, flags;
    u64 start_ip, post_commit_offset, abort_ip;
};

/* Write cpu_id_start and cpu_id.  0 or -EFAULT. */
static int rseq_set_cpu(u64 rs, u32 start, u32 cpu)
{
    u32 ids[2] = { start, cpu };
    return copy_to_user((void *)(rs + OFF_CPU_ID_START), ids, sizeof(ids));
}

/* Both cpu_id fields = the CPU the caller runs on, recorded in rseq_cpu. */
static int rseq_set_this_cpu(u64 rs)
{
    u32 cpu = (u32)smp_cpu_id();
    current->rseq_cpu = (int)cpu;
    return rseq_set_cpu(rs, cpu, cpu);
}

/* A broken rseq area or descriptor: Linux forces SIGSEGV.  Unregister first
 * so delivering the signal does not come back here. */
static void rseq_fail(struct frame *f)
{
    current->rseq = 0;
    signal_fault(f, SIGSEGV, SEGV_ACCERR, 0);
}

/* Before a syscall returns: the thread may have moved to another CPU while
 * it blocked, so cpu_id is rewritten when it changed (SIGSEGV if unwritable). */
void rseq_sync_cpu(struct frame *f)
{
    if (current->rseq != 0 && current->rseq_cpu != smp_cpu_id() && rseq_set_this_cpu(current->rseq) < 0)
        rseq_fail(f);
}

void rseq_return_to_user(struct frame *f)
{
    u64 rs = current->rseq, csp = 0;
    struct rseq_cs cs;
    u32 sig;

    if (rseq_set_this_cpu(rs) < 0 || copy_from_user(&csp, (void *)(rs + OFF_RSEQ_CS), 8) < 0) {
        rseq_fail(f);
        return;
    }
    if (csp == 0)
        return;
    if (copy_from_user(&cs, (void *)csp, sizeof(cs)) < 0 || cs.version != 0 ||
        cs.start_ip + cs.post_commit_offset < cs.start_ip ||
        (cs.abort_ip >= cs.start_ip && cs.abort_ip < cs.start_ip + cs.post_commit_offset)) {
        rseq_fail(f);
        return;
    }
    u64 zero = 0;
    if (copy_to_user((void *)(rs + OFF_RSEQ_CS), &zero, 8) < 0) {
        rseq_fail(f);
        return;
    }
    if (f->rip < cs.start_ip || f->rip - cs.start_ip >= cs.post_commit_offset)
        return;
    if (cs.abort_ip < 4 || copy_from_user(&sig, (void *)(cs.abort_ip - 4), 4) < 0 ||
        sig != current->rseq_sig) {
        rseq_fail(f);
        return;
    }
    f->rip = cs.abort_ip;
}

static long rseq_unregister(u64 rs, u32 len, u32 sig)
{
    if (current->rseq == 0 || current->rseq != rs || len != RSEQ_SIZE)
        return -EINVAL;
    if (current->rseq_sig != sig)
        return -EPERM;
    if (rseq_set_cpu(rs, 0, RSEQ_CPU_ID_UNINITIALIZED) < 0)
        return -EFAULT;
    current->rseq = 0;
    return 0;
}

// partial: a fault writing cpu_id at registration returns EFAULT (Linux raises SIGSEGV on return); no MEMBARRIER_CMD_*_RSEQ
long sys_rseq(u64 rs, u32 len, int flags, u32 sig)
{
    if ((flags & RSEQ_FLAG_UNREGISTER) != 0) {
        if ((flags & ~RSEQ_FLAG_UNREGISTER) != 0)
            return -EINVAL;
        return rseq_unregister(rs, len, sig);
    }
    if (flags != 0)
        return -EINVAL;
    if (current->rseq != 0) {
        if (current->rseq != rs || len != RSEQ_SIZE)
            return -EINVAL;
        return current->rseq_sig != sig ? -EPERM : -EBUSY;
    }
    if ((rs & (RSEQ_SIZE - 1)) != 0 || len != RSEQ_SIZE)
        return -EINVAL;
    if (!user_range_ok((void *)rs, len))
        return -EFAULT;
    if (rseq_set_this_cpu(rs) < 0)
        return -EFAULT;
    current->rseq = rs;
    current->rseq_sig = sig;
    return 0;
}
