/*
 * handles.c - name_to_handle_at and open_by_handle_at.  Linux encodes a
 * handle only through a filesystem's export operations; none of solo's
 * filesystems (TFS, tmpfs, /proc, /dev) has them, so, as Linux does for
 * such filesystems, encoding fails with EOPNOTSUPP once the path resolved,
 * and no handle can be decoded: open_by_handle_at checks its mount
 * descriptor and the handle as Linux does and then reports ESTALE.
 */
#include "syscalls.h"
#include "fs/vfs_impl.h"

#define AT_HANDLE_FID 0x200
#define AT_HANDLE_MNT_ID_UNIQUE 0x001
#define AT_HANDLE_CONNECTABLE 0x002
#define MAX_HANDLE_SZ 128
#define ESTALE 116

struct file_handle_k {
    u32 handle_bytes;
    s32 handle_type;
};

// partial: no filesystem has export operations, so every handle (AT_HANDLE_FID ones too) is EOPNOTSUPP
long sys_name_to_handle_at(int dirfd, const char *upath, u64 uhandle, u64 umnt, int flags)
{
    const int known = AT_SYMLINK_FOLLOW | AT_EMPTY_PATH | AT_HANDLE_FID |
                      AT_HANDLE_MNT_ID_UNIQUE | AT_HANDLE_CONNECTABLE;
    (void)uhandle;
    (void)umnt;
    if ((flags & ~known) != 0)
        return -EINVAL;
    if ((flags & (AT_HANDLE_FID | AT_HANDLE_CONNECTABLE)) == (AT_HANDLE_FID | AT_HANDLE_CONNECTABLE))
        return -EINVAL;
    int lflags = ((flags & AT_SYMLINK_FOLLOW) != 0 ? LOOKUP_FOLLOW : 0) |
                 ((flags & AT_EMPTY_PATH) != 0 ? LOOKUP_EMPTY : 0);
    struct lookup *lk = lookup_alloc();
    if (lk == NULL)
        return -ENOMEM;
    long r = strncpy_from_user(lk->upath, upath, VFS_PATH_MAX);
    if (r >= 0)
        r = vfs_lookup(dirfd, lk->upath, lflags, lk);
    lookup_free(lk);
    return r < 0 ? r : -EOPNOTSUPP;
}

long sys_open_by_handle_at(int mount_fd, u64 uhandle, int flags)
{
    struct file_handle_k h;
    (void)flags;
    if (mount_fd != AT_FDCWD && fd_file(mount_fd) == NULL)
        return -EBADF;
    if (copy_from_user(&h, (void *)uhandle, sizeof(h)) < 0)
        return -EFAULT;
    if (h.handle_bytes == 0 || h.handle_bytes > MAX_HANDLE_SZ)
        return -EINVAL;
    return -ESTALE;                     /* no filesystem can decode a handle */
}
