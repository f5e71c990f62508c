/*
 * thread.c - thread records.  For now there is exactly one thread (the
 * program's main thread, tid 1); its kernel stack receives syscalls and
 * interrupts from ring 3 and its XSAVE area is ready for context switches.
 */
#include "thread.h"
#include "../x86_64/cpu.h"

#define KSTACK_SIZE (32 * 1024)

struct thread *current;

/* Create the main thread and make it current.  Panics on out-of-memory. */
struct thread *thread_create_main(void)
{
    struct thread *t = kzalloc(sizeof(*t));
    u8 *stack = kmalloc(KSTACK_SIZE);
    void *xs = kzalloc(xsave_size() + 64);
    kassert(t != NULL && stack != NULL && xs != NULL);
    t->tid = 1;
    t->kstack_top = (u64)(stack + KSTACK_SIZE) & ~15UL;
    t->xsave = (void *)ALIGN_UP((u64)xs, 64);
    current = t;
    cpu_set_kstack(t->kstack_top);
    return t;
}

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
