/*
 * signal.h - signals between the kernel core and the signal code
 * (syscalls/signal.c: state, sending, the syscalls; syscalls/signal_frame.c:
 * delivery and the Linux x86-64 signal frame).
 *
 * A signal is pending on a thread (tgkill, faults) or on the process (kill,
 * timers).  It is acted on only on the way back to user mode: every return
 * from a syscall, an exception or an interrupt that came from ring 3 calls
 * signal_return_to_user, which runs the disposition of each pending unblocked
 * signal: ignore, end the program with status 128+n, or push a signal frame
 * and enter the handler.  Sleeping threads are woken by a signal only when
 * they sleep in waitq_wait_intr; their syscall then returns -EINTR, which
 * signal_return_to_user turns into a restart when the syscall is one Linux
 * restarts under SA_RESTART.  Ignored signals are dropped when sent, as in
 * Linux, unless blocked.
 */
#ifndef SOLO_SIGNAL_H
#define SOLO_SIGNAL_H

#include "thread.h"

#define NSIG 64
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGSYS 31
#define SIGRTMIN 32

#define SIGBIT(n) (1UL << ((n) - 1))

/* si_code values (Linux). */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TIMER (-2)
#define SI_TKILL (-6)
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_INTOVF 2
#define FPE_FLTDIV 3
#define FPE_FLTOVF 4
#define FPE_FLTUND 5
#define FPE_FLTRES 6
#define FPE_FLTINV 7
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define TRAP_BRKPT 1
#define SYS_SECCOMP 1

/* The first 48 bytes of Linux's 128-byte siginfo_t (the rest is zero). */
struct ksiginfo {
    s32 signo, err, code, pad;
    union {
        struct { s32 pid; u32 uid; u64 value; } kill;          /* SI_USER, SI_TKILL, SI_QUEUE */
        struct { s32 tid; s32 overrun; u64 value; } timer;     /* SI_TIMER */
        struct { u64 addr; } fault;                            /* SIGSEGV, SIGBUS, SIGILL, SIGFPE */
        struct { u64 call_addr; s32 syscall; u32 arch; } sys;  /* SIGSYS from seccomp */
        u8 raw[32];
    } u;
};

/* Act on the current thread's pending signals before returning to user mode
 * with frame f.  nr is the number of the syscall that is returning (its
 * result is in f->rax), or -1 for an exception or interrupt.  Returns only if
 * the program goes on (possibly in a handler). */
void signal_return_to_user(struct frame *f, long nr);
/* syscalls/rseq.c: abort an interrupted rseq critical section (move rip to its
 * abort handler) and refresh the cpu id fields; called before returning to user
 * mode after an interrupt or before delivering a signal. */
void rseq_return_to_user(struct frame *f);
/* syscalls/rseq.c: rewrite cpu_id when the thread moved to another CPU. */
void rseq_sync_cpu(struct frame *f);

/* True when a signal pending for t would end an interruptible wait. */
bool signal_interrupts(const struct thread *t);

/* Queue si (si->signo set) for thread t / for the process.  Never blocks and
 * never ends the program, so both work from interrupt context; the action is
 * taken when a thread returns to user mode.  0 or -EAGAIN (queue full). */
int signal_send_thread(struct thread *t, const struct ksiginfo *si);
int signal_send_process(const struct ksiginfo *si);

/* An exception in user mode: deliver sig to the current thread's handler with
 * (code, addr), or end the program as the default action would when the
 * signal has no handler or is blocked (as Linux's forced signals do). */
void signal_fault(struct frame *f, int sig, int code, u64 addr);

/* A synchronous signal raised by the kernel for the current thread (seccomp's
 * SIGSYS): queue si for its handler, or end the program as the default
 * action would when the signal has no handler or is blocked (Linux's forced
 * signals).  The frame is entered on the next signal_return_to_user. */
void signal_force(const struct ksiginfo *si);

/* End the program as signal sig's default action does: status 128+sig. */
_Noreturn void signal_exit(int sig);

/* A temporary signal mask for the duration of one syscall (ppoll, pselect6,
 * epoll_pwait, rt_sigsuspend): signal_mask_push installs mask; a syscall
 * that ends without -EINTR calls signal_mask_pop; one that returns -EINTR
 * leaves it: delivery keeps the old mask in the handler's frame (restored by
 * its sigreturn) or restores it when no handler runs. */
void signal_mask_push(u64 mask);
void signal_mask_pop(void);

/* For /proc/self/status and stat: signals pending for the process, ignored
 * (SIG_IGN) and caught (with a handler). */
void signal_proc_sets(u64 *shared_pending, u64 *ignored, u64 *caught);

/* Called by the signal code after a signal was queued (thread or process),
 * possibly from interrupt context: wakes signalfd readers and pollers
 * (syscalls/signalfd.c; weak, so absent when that file is). */
void signalfd_signal_queued(void);

/* Release a dying thread's queued signals (exit path). */
void signal_thread_exit(struct thread *t);

#endif
