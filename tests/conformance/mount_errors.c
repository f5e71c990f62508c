// covers: mount umount2
/*
 * mount_errors.c - the argument errors of mount and umount2, in the order
 * Linux checks them.  Every call here fails on Linux as root too (a missing
 * target, an unknown file system type, a directory that is not a mount
 * point, bad flags, bad pointers), so the native run never changes the
 * host's mounts.  What mounts do is checked in solo alone by the
 * integration test tests/integration/progs/mounts.c.
 */
#include "common.h"
#include <sys/mount.h>
#include <sys/stat.h>

int main(void)
{
    char dir[64];
    snprintf(dir, sizeof(dir), "mnt-errors.%d", (int)getpid() % 1000);
    mkdir(dir, 0755);
    show("mount tmpfs on a missing directory",
         syscall(SYS_mount, "none", "no-such-dir/x", "tmpfs", 0UL, NULL));
    show("mount unknown file system type", syscall(SYS_mount, "none", dir, "nosuchfs", 0UL, NULL));
    show("mount bad target pointer", syscall(SYS_mount, "none", (void *)8, "tmpfs", 0UL, NULL));
    show("mount bad type pointer", syscall(SYS_mount, "none", dir, (void *)8, 0UL, NULL));
    show("remount of a non-mount-point", syscall(SYS_mount, "none", dir, NULL, (unsigned long)MS_REMOUNT, NULL));
    show("bind mount of a missing source", syscall(SYS_mount, "no-such-src", dir, NULL, (unsigned long)MS_BIND, NULL));
    show("umount2 a directory that is not a mount point", syscall(SYS_umount2, dir, 0));
    show("umount2 a missing path", syscall(SYS_umount2, "no-such-dir", 0));
    show("umount2 unknown flags", syscall(SYS_umount2, dir, 0x100));
    show("umount2 MNT_EXPIRE with MNT_FORCE", syscall(SYS_umount2, dir, MNT_EXPIRE | MNT_FORCE));
    show("umount2 bad pointer", syscall(SYS_umount2, (void *)8, 0));
    show("umount2 empty path", syscall(SYS_umount2, "", 0));
    show("rmdir", syscall(SYS_rmdir, dir));
    return 0;
}
