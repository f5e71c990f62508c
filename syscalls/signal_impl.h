/*
 * signal_impl.h - what syscalls/signal.c (dispositions, pending queues,
 * sending, the signal syscalls) shares with syscalls/signal_frame.c (the
 * Linux x86-64 signal frame, delivery and rt_sigreturn) and
 * syscalls/itimer.c (interval and POSIX timers).  Nothing else includes it;
 * the kernel core uses runtime/sched/signal.h.
 */
#ifndef SOLO_SIGNAL_IMPL_H
#define SOLO_SIGNAL_IMPL_H

#include "syscalls.h"
#include "runtime/sched/signal.h"

#define SIG_DFL 0UL
#define SIG_IGN 1UL
#define SA_SIGINFO 0x4
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000UL
#define SA_RESTORER 0x04000000
#define SA_NOCLDSTOP 0x1
#define SA_NOCLDWAIT 0x2
#define SA_EXPOSE_TAGBITS 0x800
/* The flags Linux keeps (others, e.g. SA_UNSUPPORTED, read back as clear). */
#define SA_KNOWN (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_EXPOSE_TAGBITS | SA_RESTORER | \
                  SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND)
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1U << 31)
#define SIG_UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define PID_SELF 1                     /* solo's one process (as getpid in misc.c) */

/* The kernel's struct sigaction layout (rt_sigaction). */
struct k_sigaction {
    u64 handler;
    u64 flags;
    u64 restorer;
    u64 mask;
};

/* The disposition of sig (1..NSIG). */
struct k_sigaction *sig_action(int sig);
/* True when the default action of sig ends the program (term or core). */
bool sig_default_fatal(int sig);
/* Take the lowest pending signal of t allowed by `allowed` (synchronous
 * fault signals first), thread queue before process queue; its info in *si.
 * Returns the signal number, or 0 when none is pending. */
int sig_dequeue(struct thread *t, u64 allowed, struct ksiginfo *si);

#endif
