/*
 * thread.c - syscalls about the calling thread and program exit:
 * arch_prctl, set_tid_address, set_robust_list/get_robust_list, rseq,
 * sched_yield, exit and exit_group.  One thread for now, so exit ends the
 * program (with a thread library's clear_child_tid honoured first).
 */
#include "syscalls.h"

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
    return 0;                          /* one runnable thread: nothing to yield to */
}

/* Finish the thread: clear and (eventually) futex-wake clear_child_tid. */
static void thread_exit_cleanup(void)
{
    u32 zero = 0;
    if (current->clear_child_tid != 0)
        (void)copy_to_user((void *)current->clear_child_tid, &zero, sizeof(zero));
}

long sys_exit(int status)
{
    thread_exit_cleanup();
    kernel_exit(status & 0xff);        /* the only thread: the program ends */
}

long sys_exit_group(int status)
{
    thread_exit_cleanup();
    kernel_exit(status & 0xff);
}
