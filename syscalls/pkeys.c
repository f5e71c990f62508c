/*
 * pkeys.c - memory protection keys and restart_syscall.  solo never sets
 * CR4.PKE, so it behaves as Linux on a CPU without OSPKE: no key can be
 * allocated (pkey_alloc fails with ENOSPC after its argument checks), no key
 * is ever allocated (pkey_free and pkey_mprotect with a key other than -1
 * fail with EINVAL), and pkey_mprotect with key -1 is exactly mprotect.
 * restart_syscall resumes a call interrupted with ERESTART_RESTARTBLOCK;
 * solo restarts its interrupted sleeps through SA_RESTART or EINTR and never
 * leaves a restart block, so, like Linux with no block pending, it returns
 * EINTR.
 */
#include "syscalls.h"

#define PKEY_DISABLE_ACCESS 0x1
#define PKEY_DISABLE_WRITE 0x2
#define PKEY_ACCESS_MASK (PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE)

long sys_mprotect(u64 addr, u64 len, u64 prot);

// partial: the kernel does not enable protection keys (CR4.PKE), so as on Linux without OSPKE there are none to allocate
long sys_pkey_alloc(u64 flags, u64 init_rights)
{
    if (flags != 0)
        return -EINVAL;
    if ((init_rights & ~(u64)PKEY_ACCESS_MASK) != 0)
        return -EINVAL;
    return -ENOSPC;
}

long sys_pkey_free(int pkey)
{
    (void)pkey;                         /* no key is ever allocated */
    return -EINVAL;
}

long sys_pkey_mprotect(u64 addr, u64 len, u64 prot, int pkey)
{
    if (pkey != -1 && (addr & (PAGE_SIZE - 1)) == 0 && len != 0)
        return -EINVAL;                 /* not an allocated key (after mprotect's own checks) */
    return sys_mprotect(addr, len, prot);
}

long sys_restart_syscall(void)
{
    return -EINTR;                      /* no restart block is ever pending */
}
