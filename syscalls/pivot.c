/*
 * pivot.c - pivot_root(2): the mount at new_root becomes the top of the
 * mount tree and the old top is hung at put_old, over fs/mount.c.
 *
 * Linux's checks, in its order: CAP_SYS_ADMIN in the effective set (EPERM),
 * then both paths are looked up (following symlinks, directories only:
 * EFAULT, ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG), then a Landlock-restricted thread is refused (EPERM), then
 * the mount rules (mount_pivot): new_root or put_old on the root's own mount
 * is EBUSY; new_root not a mount point, put_old not at or under new_root, a
 * detached new_root, or a process root that is not the root of a mount is
 * EINVAL.
 */
#include "syscalls.h"
#include "fs/vfs_impl.h"
#include "syscalls/landlock.h"
#include "syscalls/misc.h"

/* Copy upath in and resolve it as a directory (following symlinks). */
static int dir_lookup(const char *upath, struct lookup *lk)
{
    long n = strncpy_from_user(lk->upath, upath, VFS_PATH_MAX);
    if (n < 0)
        return (int)n;
    return vfs_lookup(AT_FDCWD, lk->upath, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, lk);
}

// partial: the process root must be the root of the whole mount tree (after a chroot into another mount point, EINVAL where Linux would pivot that mount)
long sys_pivot_root(const char *unew, const char *uold)
{
    if (!cap_has(CAP_SYS_ADMIN))
        return -EPERM;                 /* before anything else, as Linux's may_mount */
    struct lookup *nk = lookup_alloc(), *ok = lookup_alloc();
    int r = nk != NULL && ok != NULL ? 0 : -ENOMEM;
    if (r == 0)
        r = dir_lookup(unew, nk);
    if (r == 0)
        r = dir_lookup(uold, ok);
    if (r == 0 && landlock_restricted())
        r = -EPERM;
    if (r == 0)
        r = mount_pivot(nk, ok);
    lookup_free(ok);
    lookup_free(nk);
    return r;
}
