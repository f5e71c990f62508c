/*
 * uaccess.c - checked copies between kernel and user memory.  The range
 * check rejects anything outside the user half; the copy itself runs in
 * entry.S's uaccess routines, where a page fault the VM layer cannot
 * resolve is turned into -EFAULT instead of a kernel panic.
 */
#include "syscalls.h"

long uaccess_copy(void *dst, const void *src, size_t n);
long uaccess_strncpy(char *dst, const char *src, size_t max);
long uaccess_cmpxchg32(u32 *uaddr, u32 old, u32 nv, u32 *cur);

bool user_range_ok(const void *uaddr, size_t n)
{
    u64 a = (u64)uaddr;
    return a + n >= a && a + n <= USER_TOP;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
    if (!user_range_ok(usrc, n))
        return -EFAULT;
    return n == 0 ? 0 : (int)uaccess_copy(dst, usrc, n);
}

int copy_to_user(void *udst, const void *src, size_t n)
{
    if (!user_range_ok(udst, n))
        return -EFAULT;
    return n == 0 ? 0 : (int)uaccess_copy(udst, src, n);
}

/* Atomically replace the aligned user word at uaddr with nv if it holds old
 * (other CPUs may run user code on it meanwhile); the value found in *cur. */
int cmpxchg_user_u32(u64 uaddr, u32 old, u32 nv, u32 *cur)
{
    if ((uaddr & 3) != 0 || !user_range_ok((void *)uaddr, sizeof(u32)))
        return -EFAULT;
    return (int)uaccess_cmpxchg32((u32 *)uaddr, old, nv, cur);
}

long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
    u64 a = (u64)usrc;
    if (max == 0 || a >= USER_TOP)
        return -EFAULT;
    size_t lim = MIN(max, USER_TOP - a);
    long r = uaccess_strncpy(dst, usrc, lim);
    if (r == -1)
        return lim < max ? -EFAULT : -ENAMETOOLONG;
    return r;
}

int copy_struct_from_user(void *k, size_t ksize, const void *u, size_t usize)
{
    memset(k, 0, ksize);
    for (size_t off = ksize; off < usize; off++) {
        u8 b;
        if (copy_from_user(&b, (const u8 *)u + off, 1) < 0)
            return -EFAULT;
        if (b != 0)
            return -E2BIG;
    }
    return copy_from_user(k, u, MIN(ksize, usize)) < 0 ? -EFAULT : 0;
}
