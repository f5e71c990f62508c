/*
 * process.c - the process-creation calls solo does not offer.  solo runs one
 * program as the only process: there is no second address space to fork
 * into and no loader path to replace the running image.  fork, vfork,
 * execve and execveat therefore fail with ENOSYS after the argument checks
 * Linux makes first, never with a silent 0.  ENOSYS (not EAGAIN) is chosen
 * so callers do not retry: Python's subprocess and os.posix_spawn raise
 * OSError(ENOSYS, "Function not implemented"), glibc's posix_spawn (clone
 * with CLONE_VFORK, see syscalls/thread.c) returns ENOSYS.  wait4 and waitid
 * (syscalls/misc.c) answer ECHILD: there are never children.
 * See docs/process.md.
 */
#include "syscalls.h"

#define PATH_MAX 4096
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EMPTY_PATH 0x1000

long sys_fork(void)
{
    return -ENOSYS;
}

long sys_vfork(void)
{
    return -ENOSYS;
}

/* The pathname must still be readable: EFAULT and ENAMETOOLONG come first. */
static long check_path(u64 upath)
{
    static char path[PATH_MAX];
    long n = strncpy_from_user(path, (const char *)upath, sizeof(path));
    return n < 0 ? n : 0;
}

long sys_execve(u64 upath, u64 uargv, u64 uenvp)
{
    long r = check_path(upath);
    return r < 0 ? r : -ENOSYS;
}

long sys_execveat(int dirfd, u64 upath, u64 uargv, u64 uenvp, int flags)
{
    if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0)
        return -EINVAL;
    long r = check_path(upath);
    return r < 0 ? r : -ENOSYS;
}
