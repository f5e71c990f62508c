/*
 * trace.h - syscall tracing for `solo run --trace / --syscall-summary /
 * --missing-files` (syscalls/trace.c).  The manifest's "trace" number is a
 * bitmask of TRACE_* read at the first system call; until then trace_flags
 * holds TRACE_UNREAD so that first call takes the slow path and reads it.
 * With tracing off, trace_flags is 0 and the SYSCALL path tests it once.
 * Everything the tracer prints is a kernel log line starting with
 * TRACE_TAG, which the CLI routes to the trace destination.
 */
#ifndef SOLO_SYSCALLS_TRACE_H
#define SOLO_SYSCALLS_TRACE_H

#include "syscalls.h"

#define TRACE_CALLS    1u              /* one line per system call */
#define TRACE_SUMMARY  2u              /* count/time/errors table at exit */
#define TRACE_MISSING  4u              /* paths that failed with ENOENT, listed at exit */
#define TRACE_UNREAD   0x80000000u     /* manifest not read yet */
#define TRACE_TAG      "solo-trace: "

extern u32 trace_flags;

/* Run system call nr for frame f (table handler or -ENOSYS); its result. */
long syscall_invoke(u64 nr, struct frame *f);
/* The traced variant of the call: invoke, record and print as trace_flags says;
 * stores the result in f->rax. */
void trace_syscall(struct frame *f, u64 nr);
/* At program exit (kernel_exit): print the summary table and missing files. */
void trace_exit(void);

#endif
