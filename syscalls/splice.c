/*
 * splice.c - sync_file_range: write out part of a file.  Only regular
 * files, block devices, directories and symlinks take it (others ESPIPE, as
 * Linux).  TFS flushes a whole file at a time, so a range asking for
 * write-out (SYNC_FILE_RANGE_WRITE or a wait flag) flushes the file through
 * the fsync path, a superset of the range (a directory flushes the volume); files that live only in memory
 * (ramfs, /proc) have nothing to write.  Flags 0 does nothing, as on Linux.
 */
#include "syscalls.h"
#include "fs/vfs_impl.h"

#define SYNC_FILE_RANGE_WAIT_BEFORE 1
#define SYNC_FILE_RANGE_WRITE 2
#define SYNC_FILE_RANGE_WAIT_AFTER 4
#define SFR_VALID (SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER)
#define S_IFMT 0170000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFLNK 0120000

/* Does a file of this mode have pages to write back (Linux's type check)? */
static bool range_syncable(u32 mode)
{
    u32 t = mode & S_IFMT;
    return t == S_IFREG || t == S_IFBLK || t == S_IFDIR || t == S_IFLNK;
}

long sys_sync_file_range(int fd, s64 off, s64 nbytes, u32 flags)
{
    struct kstat st;
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;                  /* checked first, as Linux 6.x */
    if ((flags & ~(u32)SFR_VALID) != 0)
        return -EINVAL;
    if (off < 0 || nbytes < 0 || (u64)off + (u64)nbytes > 0x7fffffffffffffffUL)
        return -EINVAL;
    int r = node_stat(f->node, &st);
    if (r < 0)
        return r;
    if (!range_syncable(st.mode))
        return -ESPIPE;
    if (flags == 0 || f->node.v != NULL)
        return 0;                       /* nothing asked, or a memory-only file */
    if ((st.mode & S_IFMT) != S_IFREG) {
        fs_sync_all();                  /* a directory's entries: flush the volume */
        return 0;
    }
    return tfs_node_fsync(f->node.id);
}
