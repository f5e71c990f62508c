/*
 * thread.c - per-thread CPU state that syscalls change directly: the user
 * FS and GS bases (arch_prctl).  Thread lifecycle is in sched.c.
 */
#include "thread.h"
#include "../x86_64/cpu.h"

void thread_set_fs_base(u64 base)
{
    current->fs_base = base;
    wrmsr(MSR_FS_BASE, base);
}

void thread_set_gs_base(u64 base)
{
    current->gs_base = base;
    wrmsr(MSR_KERNEL_GS_BASE, base);   /* becomes GS after swapgs to user */
}
