/*
 * thread.c - syscalls about the calling thread and program exit:
 * arch_prctl, set_tid_address, set_robust_list/get_robust_list, rseq,
 * sched_yield, clone (threads), exit and exit_group.  exit of the last
 * thread ends the program; the robust futex list and clear_child_tid are
 * honoured first.
 */
#include "syscalls.h"
#include "runtime/sched/signal.h"
#include "misc.h"
#include "fs/vfs.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

static bool canonical_user(u64 a) { return a < USER_TOP; }

// partial: ARCH_SET_CPUID (faulting cpuid) is not supported (-EINVAL); CET/AMX codes -EINVAL
long sys_arch_prctl(int code, u64 addr)
{
    u64 v;
    switch (code) {
    case ARCH_SET_FS:
        if (!canonical_user(addr))
            return -EPERM;
        thread_set_fs_base(addr);
        return 0;
    case ARCH_SET_GS:
        if (!canonical_user(addr))
            return -EPERM;
        thread_set_gs_base(addr);
        return 0;
    case ARCH_GET_FS:
        v = current->fs_base;
        return copy_to_user((void *)addr, &v, sizeof(v));
    case ARCH_GET_GS:
        v = current->gs_base;
        return copy_to_user((void *)addr, &v, sizeof(v));
    case ARCH_GET_CPUID:
        return 1;
    default:
        return -EINVAL;
    }
}

long sys_set_tid_address(u64 tidptr)
{
    current->clear_child_tid = tidptr;
    return current->tid;
}

long sys_set_robust_list(u64 head, size_t len)
{
    if (len != 24)                     /* sizeof(struct robust_list_head) */
        return -EINVAL;
    current->robust_list = head;
    current->robust_len = len;
    return 0;
}

long sys_get_robust_list(int pid, u64 head_ptr, u64 len_ptr)
{
    u64 head = current->robust_list, len = 24;
    if (pid != 0 && pid != current->tid)
        return -ESRCH;
    if (copy_to_user((void *)head_ptr, &head, sizeof(head)) < 0 ||
        copy_to_user((void *)len_ptr, &len, sizeof(len)) < 0)
        return -EFAULT;
    return 0;
}

long sys_sched_yield(void)
{
    schedule();
    return 0;
}

void futex_wake_addr(u64 uaddr, int n);
void futex_pi_exit(struct thread *t);

#define FUTEX_WAITERS 0x80000000U
#define FUTEX_OWNER_DIED 0x40000000U
#define FUTEX_TID_MASK 0x3fffffffU
#define ROBUST_LIST_LIMIT 2048

struct robust_list_head {
    u64 next;                          /* first entry (lowest bit: PI), or the head itself */
    s64 futex_offset;                  /* from an entry to its futex word */
    u64 list_op_pending;               /* entry being locked or unlocked, or 0 */
};

/* The dying owner of the futex at entry+offset: mark it OWNER_DIED, wake a
 * waiter.  A PI futex (entry's low bit) with waiters has already passed to
 * its top waiter (futex_pi_exit); one without keeps no waiter to wake. */
static void robust_release(u64 entry, s64 offset)
{
    u64 uaddr = (entry & ~1UL) + (u64)offset;
    u32 v, nv, cur;
    if ((uaddr & 3) != 0)
        return;
    for (;;) {
        if (copy_from_user(&v, (void *)uaddr, sizeof(v)) < 0)
            return;
        if ((v & FUTEX_TID_MASK) != (u32)current->tid)
            return;
        nv = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        if (cmpxchg_user_u32(uaddr, v, nv, &cur) < 0)
            return;
        if (cur == v)
            break;                     /* else a waiter set FUTEX_WAITERS meanwhile */
    }
    if ((v & FUTEX_WAITERS) != 0 && (entry & 1) == 0)
        futex_wake_addr(uaddr, 1);
}

/* Walk the thread's robust futex list (set_robust_list) as Linux does at exit. */
static void robust_list_exit(void)
{
    struct robust_list_head h;
    u64 head = current->robust_list, entry, next;
    if (head == 0 || copy_from_user(&h, (void *)head, sizeof(h)) < 0)
        return;
    entry = h.next;
    for (int n = 0; n < ROBUST_LIST_LIMIT && (entry & ~1UL) != head; n++) {
        if (copy_from_user(&next, (void *)(entry & ~1UL), sizeof(next)) < 0)
            return;
        if ((entry & ~1UL) != (h.list_op_pending & ~1UL))
            robust_release(entry, h.futex_offset);
        entry = next;
    }
    if (h.list_op_pending != 0)
        robust_release(h.list_op_pending, h.futex_offset);
}

/* Finish the thread: robust futexes, clear_child_tid (waking a joiner), its signals. */
static void thread_exit_cleanup(void)
{
    u32 zero = 0;
    u64 a = current->clear_child_tid;
    futex_pi_exit(current);
    robust_list_exit();
    if (a != 0 && copy_to_user((void *)a, &zero, sizeof(zero)) == 0)
        futex_wake_addr(a, 1);
    signal_thread_exit(current);
    seccomp_thread_exit(current);
}

/* The thread drops its fs state (the first thread's when its fs is NULL);
 * it touches no path after this. */
static void thread_exit_fs(void)
{
    struct fs_state *fs = fs_state_current();
    current->fs = NULL;
    fs_state_put(fs);
}

long sys_exit(int status)
{
    thread_exit_cleanup();
    if (thread_count_live() <= 1) {
        acct_process_exit((u32)(status & 0xff) << 8, false);
        kernel_exit(status & 0xff);    /* the last thread: the program ends */
    }
    thread_exit_fs();
    thread_exit_current();
}

long sys_exit_group(int status)
{
    acct_process_exit((u32)(status & 0xff) << 8, false);
    kernel_exit(status & 0xff);
}

#define CLONE_VM 0x100
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_VFORK 0x4000
#define CLONE_THREAD 0x10000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000

/* Create a thread running the caller's registers with rax 0 and stack newsp. */
static long clone_thread(u64 flags, u64 newsp, u64 ptid, u64 ctid, u64 tls)
{
    const u64 thread_flags = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND;
    if ((flags & CLONE_VM) == 0 || (flags & CLONE_THREAD) == 0 || (flags & CLONE_VFORK) != 0)
        return -ENOSYS;
    if ((flags & thread_flags) != thread_flags)
        return -EINVAL;
    struct frame regs = *current->uframe;
    regs.rax = 0;
    if (newsp != 0)
        regs.rsp = newsp;
    /* the cwd, root and umask: shared with CLONE_FS, else the thread's own copy */
    struct fs_state *fs = (flags & CLONE_FS) != 0 ? fs_state_share() : fs_state_copy();
    if (fs == NULL)
        return -ENOMEM;
    struct thread *t = thread_create_user(&regs, (flags & CLONE_SETTLS) ? tls : current->fs_base);
    if (t == NULL) {
        fs_state_put(fs);
        return -EAGAIN;
    }
    t->fs = fs;
    u32 tid = (u32)t->tid;
    if ((flags & CLONE_PARENT_SETTID) != 0)
        (void)copy_to_user((void *)ptid, &tid, sizeof(tid));
    if ((flags & CLONE_CHILD_SETTID) != 0)
        (void)copy_to_user((void *)ctid, &tid, sizeof(tid));
    if ((flags & CLONE_CHILD_CLEARTID) != 0)
        t->clear_child_tid = ctid;
    t->landlock = current->landlock;   /* Landlock domains pass to new threads */
    sched_make_runnable(t);
    return t->tid;
}

/*
 * clone creates threads only: solo runs one process, so a clone without
 * CLONE_VM|CLONE_THREAD (fork, vfork, posix_spawn's clone) fails with ENOSYS,
 * which callers such as Python's subprocess report as a clean OSError
 * (docs/process.md).
 */
// partial: only threads (CLONE_VM|CLONE_THREAD|CLONE_SIGHAND); new processes return ENOSYS
long sys_clone(u64 flags, u64 newsp, u64 ptid, u64 ctid, u64 tls)
{
    return clone_thread(flags, newsp, ptid, ctid, tls);
}

struct clone_args_k {
    u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    u64 set_tid, set_tid_size, cgroup;
};

/* clone3: the same threads from struct clone_args (glibc tries it first). */
// partial: only threads, as clone; set_tid and cgroup are rejected (EINVAL)
long sys_clone3(u64 uargs, size_t size)
{
    struct clone_args_k a;
    if (size < 64 || size > PAGE_SIZE)
        return -EINVAL;
    int r = copy_struct_from_user(&a, sizeof(a), (void *)uargs, size);
    if (r < 0)
        return r;
    if (a.set_tid != 0 || a.set_tid_size != 0 || a.cgroup != 0 || a.exit_signal > 64)
        return -EINVAL;
    if ((a.stack == 0) != (a.stack_size == 0))
        return -EINVAL;
    if ((a.flags & CLONE_THREAD) != 0 && a.exit_signal != 0)
        return -EINVAL;
    return clone_thread(a.flags, a.stack != 0 ? a.stack + a.stack_size : 0,
                        a.parent_tid, a.child_tid, a.tls);
}
