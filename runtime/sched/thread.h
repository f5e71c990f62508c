/*
 * thread.h - the thread record and the register frame saved on every kernel
 * entry.  Entry stubs (runtime/x86_64/entry.S) build a struct frame on the
 * kernel stack; for entries from ring 3 it is the thread's user context, and
 * syscalls may read or rewrite it (arch_prctl, rt_sigreturn, clone later).
 * `current` is per-CPU: the thread this CPU runs, kept at offset 24 of the
 * per-CPU block that GS points to in kernel mode (runtime/x86_64/cpu.h).
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

enum thread_state { THREAD_RUNNABLE, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

struct waitq;
struct seccomp_filter;

/* Per-thread (and per-CPU) event counts kept by the scheduler and the fault
 * path, read by perf_event_open's software events (syscalls/perf_event.c). */
enum sched_count {
    SC_SWITCHES,                       /* switched out (context switches) */
    SC_MIGRATIONS,                     /* started on a CPU other than the one it last ran on */
    SC_FAULTS_USER,                    /* page faults taken in user mode */
    SC_FAULTS_KERNEL,                  /* page faults taken in kernel mode (user copies) */
    SC_INVOLUNTARY,                    /* of SC_SWITCHES, those of a thread still runnable
                                          (preempted or sched_yield: Linux's nivcsw) */
    SC_NCOUNTS
};

struct thread {
    struct frame *uframe;              /* user registers of the current kernel entry */
    u64 ksp;                           /* saved kernel stack pointer while switched out */
    int state;                         /* enum thread_state */
    bool user;                         /* has user context (FPU state to save) */
    bool fpu_valid;                    /* xsave area holds this thread's state */
    struct thread *run_next;           /* run queue link */
    struct thread *wait_next;          /* wait queue link */
    struct waitq *waiting_on;          /* queue this thread sleeps on, or NULL */
    struct thread *timer_next;         /* sleepers sorted by deadline */
    u64 deadline;                      /* wake-up time (ns, now_ns clock); 0 = none */
    int wake_result;                   /* 0 woken, -ETIMEDOUT, -EINTR */
    void *kstack_base;
    struct thread *all_next;           /* every live thread */
    u64 fs_base;                       /* user TLS base (arch_prctl ARCH_SET_FS) */
    u64 gs_base;                       /* user GS base */
    int tid;
    u64 clear_child_tid;               /* set_tid_address: user address, 0 if none */
    u64 robust_list, robust_len;       /* set_robust_list */
    u64 sigmask;                       /* blocked signals, bit (n-1) for signal n */
    void *xsave;                       /* 64-byte aligned XSAVE area (user FPU/SSE/AVX) */
    void *xsave_alloc;                 /* the allocation xsave points into */
    u64 kstack_top;
    /* signals (syscalls/signal*.c; runtime/sched/signal.h) */
    u64 sig_pending;                   /* thread-directed pending signals, bit (n-1) */
    struct sigq *sig_queue;            /* their siginfo, oldest first */
    u64 sig_saved_mask;                /* mask to restore after rt_sigsuspend's handler */
    bool sig_restore_mask;             /* sig_saved_mask is valid */
    bool intr;                         /* blocked in waitq_wait_intr: signals wake it */
    u64 sigwait_set;                   /* rt_sigtimedwait: signals that end the wait */
    u64 ss_sp, ss_size;                /* sigaltstack */
    int ss_flags;                      /* SS_DISABLE or 0 */
    /* restartable sequences (syscalls/rseq.c) */
    u64 rseq;                          /* registered struct rseq (user address), 0 if none */
    u32 rseq_sig;                      /* signature expected before each abort handler */
    int rseq_cpu;                      /* CPU number last written to its cpu_id */
    /* CPU time (runtime/sched/sched.c) */
    u64 cpu_ns;                        /* time run so far, up to run_start */
    u64 run_start;                     /* now_ns() when it got the CPU; 0 while off it */
    u64 sys_ns;                        /* of cpu_ns, the part spent in syscalls */
    u64 sys_start;                     /* now_ns() when the current in-syscall stretch began */
    bool in_sys;                       /* between syscall entry and return */
    int cpu;                           /* CPU it runs or last ran on (smp.c); -1 before its first run */
    u64 cpu_mask;                      /* CPUs it may run on (bit n: CPU n), sched_set_affinity */
    u64 counts[SC_NCOUNTS];            /* event counts for perf_event_open (enum sched_count) */
    /* seccomp and no_new_privs (syscalls/seccomp.c), inherited by new threads */
    int seccomp_mode;                  /* 0 off, 1 strict, 2 filter: tested on every syscall */
    struct seccomp_filter *seccomp_filter;   /* newest filter of its chain (counted ref) */
    bool no_new_privs;
    struct landlock_domain *landlock;  /* Landlock layers restricting it, or NULL */
    /* I/O permission (syscalls/x86priv.c), copied to new threads like Linux's clone */
    u8 *io_bitmap;                     /* ioperm's IO_BITMAP_BYTES (bit set = denied), or NULL */
    u32 io_bytes;                      /* leading bytes of it that hold a clear bit */
    u64 io_bitmap_seq;                 /* names its current contents (cpu_io_load) */
    int iopl;                          /* iopl level 0..3; 3 allows every port */
    u64 io_seq;                        /* what the TSS must hold: IO_SEQ_*, or io_bitmap_seq */
    /* user segment selectors, saved when switched out (LDT segments, modify_ldt) */
    u16 sel_ds, sel_es, sel_fs, sel_gs;
    struct fs_state *fs;               /* cwd, root, umask (fs/vfs.c); NULL: the first thread's */
    void (*kfn)(void *);               /* kernel thread: what it runs (thread_create_kernel) */
    void *karg;
};

/* The thread running on this CPU (set only by the scheduler). */
static inline struct thread *current_thread(void)
{
    struct thread *t;
    __asm__ volatile("movq %%gs:24, %0" : "=r"(t));
    return t;
}
#define current (current_thread())

/* A queue of blocked threads.  All of this runs with interrupts off on one CPU. */
struct waitq {
    struct thread *head, *tail;
};

void waitq_init(struct waitq *q);
/* Block the current thread on q until woken or until deadline (now_ns clock; 0 =
 * forever).  Returns 0 when woken, -ETIMEDOUT when the deadline passed. */
int waitq_wait(struct waitq *q, u64 deadline);
int waitq_wake(struct waitq *q, int n);          /* wake up to n threads; returns how many */
void waitq_remove(struct thread *t);             /* take t off whatever queue it waits on */
void thread_wake(struct thread *t, int result);  /* wake a blocked thread with that result */
void waitq_requeue(struct thread *t, struct waitq *to);   /* move a waiter, keeping its deadline */
/* Like waitq_wait, but a signal the thread would act on (delivered to a
 * handler or fatal) ends the wait: returns -EINTR then, also at once when such
 * a signal is already pending.  Callers must return -EINTR to user mode (or
 * finish early), never loop on it. */
int waitq_wait_intr(struct waitq *q, u64 deadline);

/* One-shot kernel timers: fn(arg) runs in interrupt context (interrupts off,
 * from the timer interrupt or the idle loop) at or after deadline (now_ns
 * clock).  It must not block.  A timer is armed at most once at a time. */
struct ktimer {
    u64 deadline;
    void (*fn)(void *arg);
    void *arg;
    struct ktimer *next;
    bool armed;
};
void ktimer_arm(struct ktimer *kt, u64 deadline);   /* re-arms if already armed */
void ktimer_cancel(struct ktimer *kt);              /* no-op if not armed */

void sched_init(void);
void schedule(void);                             /* run something else (current stays runnable if it was) */
void sched_preempt_check(void);                  /* after an interrupt from user mode */
void sched_make_runnable(struct thread *t);
_Noreturn void sched_start_cpu(void);            /* an AP: become this CPU's idle thread */
void sched_kick(struct thread *t);               /* t runs on another CPU: make it enter the kernel */
/* Create a user thread whose first return to user mode restores *regs.  NULL on ENOMEM. */
struct thread *thread_create_main(void);         /* tid 1, made current; panics on ENOMEM */
struct thread *thread_create_user(const struct frame *regs, u64 fs_base);
/* Create and start a kernel thread running fn(arg) (it must never return).
 * It has no user context, is not one of the program's threads (not in
 * thread_list, not counted live, never takes signals) and shares the one
 * address space, so it may copy to and from user memory.  NULL on ENOMEM. */
struct thread *thread_create_kernel(void (*fn)(void *), void *arg);
_Noreturn void thread_exit_current(void);        /* the caller must have done its cleanup */
int thread_count_live(void);
/* syscalls/seccomp.c: a new thread takes its creator's seccomp mode, filters
 * and no_new_privs; an exiting one drops its reference to its filters. */
void seccomp_thread_inherit(struct thread *t, const struct thread *parent);
void seccomp_thread_exit(struct thread *t);
struct thread *thread_by_tid(int tid);
struct thread *thread_list(void);                /* first live thread; follow all_next */
/* CPU time (user and kernel together) of one thread, and of the whole
 * program including threads that have exited, in ns; the _sys_ variants are
 * the part of it spent in syscalls (Linux's system time; page faults and
 * interrupts count as user time). */
u64 sched_thread_cpu_ns(const struct thread *t);
u64 sched_process_cpu_ns(void);
u64 sched_thread_sys_ns(const struct thread *t);
u64 sched_process_sys_ns(void);
/* Event counts (enum sched_count): of one thread, of the whole program
 * including threads that have exited, and of everything that ran on one CPU
 * (the idle thread included). */
u64 sched_thread_count(const struct thread *t, int which);
u64 sched_process_count(int which);
u64 sched_cpu_count(int cpu, int which);
/* The page-fault trap (traps.c) counts every fault with its error code. */
void sched_note_fault(u64 error_code);
/* CPU affinity: the online CPUs t may run on; set a new mask (non-empty
 * within the online CPUs).  A running thread outside its new mask leaves its
 * CPU at once (the caller itself before this returns, another one at its
 * CPU's next interrupt, which is sent at once). */
u64 sched_affinity(const struct thread *t);
void sched_set_affinity(struct thread *t, u64 mask);
/* VEC_RESCHED arrived (smp.c): see whether this CPU must switch. */
void sched_resched_ipi(void);
/* perf_event.c: a thread is exiting (its per-thread counters stop). */
void perf_thread_exit(struct thread *t);
/* Syscall entry and return (syscalls/dispatch.c), for the system-time split. */
void sched_syscall_enter(void);
void sched_syscall_exit(void);

/* Enter ring 3 at rip with stack rsp; never returns.  FPU state is reset. */
_Noreturn void enter_user(u64 rip, u64 rsp);
void thread_set_fs_base(u64 base);
void thread_set_gs_base(u64 base);
/* I/O permission of the current thread changed: load it into this CPU's TSS. */
void sched_io_update(void);

#endif
