/*
 * syscalls.h - the Linux ABI edge.  Handlers are plain C functions named
 * sys_<linux name>; the generated table (build/gen/syscall_table.c) finds them
 * by name through weak references, so defining sys_foo anywhere in the kernel
 * implements syscall foo.  Handlers take the raw argument registers in order
 * (declare them with their natural types, at most 6), return the result or
 * -errno, and reach the caller's registers through current->uframe.
 * A handler that only covers part of Linux's behaviour carries a comment
 * line `// partial: <what is missing>` directly above its definition
 * (read by `make syscall-report`).
 */
#ifndef SOLO_SYSCALLS_H
#define SOLO_SYSCALLS_H

#include "runtime/kernel.h"
#include "runtime/sched/thread.h"

typedef long (*syscall_fn)(long, long, long, long, long, long);

struct syscall_entry {
    const char *name;
    syscall_fn fn;                     /* NULL: not implemented -> -ENOSYS, logged once */
};

extern const struct syscall_entry syscall_table[];
extern const unsigned syscall_count;

/* Called from the SYSCALL entry stub with the saved user frame. */
void syscall_dispatch(struct frame *f);

/* ---- user memory access (syscalls/uaccess.c + runtime/x86_64/uaccess.S) ----
 * Any user address may be passed: ranges outside user space fail with -EFAULT,
 * and a fault the VM cannot resolve (vm_fault) is caught and becomes -EFAULT. */
int copy_from_user(void *dst, const void *usrc, size_t n);          /* 0 or -EFAULT */
int copy_to_user(void *udst, const void *src, size_t n);            /* 0 or -EFAULT */
/* Copy a NUL-terminated string of at most max-1 chars: length, -EFAULT or -ENAMETOOLONG. */
long strncpy_from_user(char *dst, const char *usrc, size_t max);
bool user_range_ok(const void *uaddr, size_t n);
int cmpxchg_user_u32(u64 uaddr, u32 old, u32 nv, u32 *cur);          /* 0 or -EFAULT */
/* Copy an extensible (size-versioned) struct of usize user bytes into k
 * (ksize bytes), as Linux's copy_struct_from_user: a shorter one is
 * zero-extended, a longer one must be zero past ksize.  0, -E2BIG or -EFAULT. */
int copy_struct_from_user(void *k, size_t ksize, const void *u, size_t usize);

#endif
