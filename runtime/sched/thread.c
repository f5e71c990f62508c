/*
 * thread.c - per-thread CPU state that syscalls change directly: the user
 * FS and GS bases (arch_prctl).  Thread lifecycle is in sched.c.  As on
 * Linux, setting a base also sets that segment's selector to 0 (a selector
 * from the LDT would otherwise bring its own base back at the next switch).
 */
#include "thread.h"
#include "../x86_64/cpu.h"

void thread_set_fs_base(u64 base)
{
    current->fs_base = base;
    if (SEG_READ(fs) != 0)
        SEG_LOAD(fs, 0);
    wrmsr(MSR_FS_BASE, base);
}

void thread_set_gs_base(u64 base)
{
    current->gs_base = base;
    if (SEG_READ(gs) != 0)
        seg_load_user_gs(0);
    wrmsr(MSR_KERNEL_GS_BASE, base);   /* becomes GS after swapgs to user */
}
