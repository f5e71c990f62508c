/*
 * dispatch.c - the SYSCALL path's C half: look the number up in the
 * generated table, call the handler with the six argument registers
 * (rdi, rsi, rdx, r10, r8, r9), and store the result in rax.  A number with
 * no handler returns -ENOSYS and logs its name once.  When tracing is on
 * (trace_flags != 0, one test on the hot path) the call goes through
 * syscalls/trace.c instead.  A thread under seccomp (current->seccomp_mode,
 * one test otherwise) has its call checked by syscalls/seccomp.c first, which
 * may skip it with a result, raise SIGSYS or kill (a skipped call is not
 * traced).  Pending signals are acted on before the return
 * to user mode (runtime/sched/signal.h).
 */
#include "syscalls.h"
#include "trace.h"
#include "seccomp.h"
#include "runtime/sched/signal.h"

#define LOGGED_WORDS ((460 + 63) / 64)
static u64 logged[LOGGED_WORDS];
static unsigned unknown_logged;

static long not_implemented(u64 nr)
{
    if (nr < syscall_count && nr < LOGGED_WORDS * 64) {
        if ((logged[nr / 64] >> (nr % 64) & 1) == 0) {
            logged[nr / 64] |= 1UL << (nr % 64);
            klog("solo: unimplemented syscall %s (%lu) -> ENOSYS",
                 syscall_table[nr].name ? syscall_table[nr].name : "?", nr);
        }
    } else if (unknown_logged < 16) {
        unknown_logged++;
        klog("solo: unknown syscall number %lu -> ENOSYS", nr);
    }
    return -ENOSYS;
}

long syscall_invoke(u64 nr, struct frame *f)
{
    if (nr < syscall_count && syscall_table[nr].fn != NULL)
        return syscall_table[nr].fn((long)f->rdi, (long)f->rsi, (long)f->rdx,
                                    (long)f->r10, (long)f->r8, (long)f->r9);
    return not_implemented(nr);
}

void syscall_dispatch(struct frame *f)
{
    u64 nr = f->rax;
    long skipped;
    current->uframe = f;
    sched_syscall_enter();
    if (current->seccomp_mode != 0 && !seccomp_allows(f, nr, &skipped)) {
        /* Skipped by seccomp: its result is final (an ERRNO of EINTR is
         * not restarted, one of EPIPE raises no SIGPIPE), so return as
         * from an interrupt. */
        f->rax = (u64)skipped;
        sched_syscall_exit();
        signal_return_to_user(f, -1);
        return;
    }
    if (trace_flags != 0)
        trace_syscall(f, nr);
    else
        f->rax = (u64)syscall_invoke(nr, f);
    sched_syscall_exit();
    signal_return_to_user(f, (long)nr);
}
