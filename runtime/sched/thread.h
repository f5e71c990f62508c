/*
 * thread.h - the thread record and the register frame saved on every kernel
 * entry.  Entry stubs (runtime/x86_64/entry.S) build a struct frame on the
 * kernel stack; for entries from ring 3 it is the thread's user context, and
 * syscalls may read or rewrite it (arch_prctl, rt_sigreturn, clone later).
 * One CPU and one thread for now; `current` becomes per-CPU with SMP.
 */
#ifndef SOLO_THREAD_H
#define SOLO_THREAD_H

#include "../kernel.h"

struct frame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8;
    u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vector, error;                 /* interrupt vector / error code (syscall: vector = 0x100) */
    u64 rip, cs, rflags, rsp, ss;      /* hardware iret frame */
};

struct thread {
    struct frame *uframe;              /* user registers of the current kernel entry */
    u64 fs_base;                       /* user TLS base (arch_prctl ARCH_SET_FS) */
    u64 gs_base;                       /* user GS base */
    int tid;
    u64 clear_child_tid;               /* set_tid_address: user address, 0 if none */
    u64 robust_list, robust_len;       /* set_robust_list */
    u64 sigmask;                       /* blocked signals, bit (n-1) for signal n */
    void *xsave;                       /* 64-byte aligned XSAVE area (user FPU/SSE/AVX) */
    u64 kstack_top;
};

extern struct thread *current;

/* Enter ring 3 at rip with stack rsp; never returns.  FPU state is reset. */
_Noreturn void enter_user(u64 rip, u64 rsp);
void thread_set_fs_base(u64 base);
void thread_set_gs_base(u64 base);

#endif
