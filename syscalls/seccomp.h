/*
 * seccomp.h - what syscalls/seccomp.c offers the rest of the kernel: the
 * per-syscall check (syscalls/dispatch.c), prctl's PR_SET_SECCOMP
 * (syscalls/prctl.c) and the filter count of /proc/self/status.  The thread
 * hooks (inherit, exit) are declared in runtime/sched/thread.h.
 */
#ifndef SOLO_SECCOMP_H
#define SOLO_SECCOMP_H

#include "runtime/sched/thread.h"

/* For a thread with seccomp_mode != 0, before the handler runs: true runs
 * the syscall; false skips it and *result is its return value.  Kill actions
 * do not return. */
bool seccomp_allows(struct frame *f, u64 nr, long *result);
/* prctl(PR_SET_SECCOMP, mode, prog). */
long seccomp_prctl_set(u64 mode, u64 uprog);
/* The number of filters attached to t (Seccomp_filters in /proc/<pid>/status). */
int seccomp_filter_count(const struct thread *t);

#endif
