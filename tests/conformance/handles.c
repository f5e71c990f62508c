// covers: name_to_handle_at open_by_handle_at
/*
 * handles.c - file handles on a filesystem without export operations
 * (/proc here, natively as in solo, where no filesystem has them): flag
 * checks, path errors, EOPNOTSUPP for the encoding, and open_by_handle_at's
 * descriptor and handle checks ending in ESTALE.
 */
#include "common.h"
#include <fcntl.h>

struct handle8 {
    unsigned int handle_bytes;
    int handle_type;
    unsigned char f_handle[8];
};

int main(void)
{
    struct handle8 h = { 8, 0, { 0 } };
    int mnt = -1;
    show("proc", syscall(SYS_name_to_handle_at, AT_FDCWD, "/proc/self/status", &h, &mnt, 0));
    show("proc follow", syscall(SYS_name_to_handle_at, AT_FDCWD, "/proc/self/status", &h, &mnt, AT_SYMLINK_FOLLOW));
    show("bad flag", syscall(SYS_name_to_handle_at, AT_FDCWD, "/proc/self/status", &h, &mnt, 0x4));
    show("missing", syscall(SYS_name_to_handle_at, AT_FDCWD, "/proc/no-such-file", &h, &mnt, 0));
    show("empty path", syscall(SYS_name_to_handle_at, AT_FDCWD, "", &h, &mnt, 0));
    show("bad dirfd", syscall(SYS_name_to_handle_at, 999, "status", &h, &mnt, 0));
    show("path fault", syscall(SYS_name_to_handle_at, AT_FDCWD, (char *)8, &h, &mnt, 0));
    int pfd = open("/proc", O_RDONLY | O_DIRECTORY);
    show("empty path flag", syscall(SYS_name_to_handle_at, pfd, "", &h, &mnt, AT_EMPTY_PATH));
    h.handle_bytes = 8;
    h.handle_type = 1;
    show("open bad mount fd", syscall(SYS_open_by_handle_at, 999, &h, O_RDONLY));
    show("open handle fault", syscall(SYS_open_by_handle_at, pfd, (void *)8, O_RDONLY));
    h.handle_bytes = 0;
    show("open zero bytes", syscall(SYS_open_by_handle_at, pfd, &h, O_RDONLY));
    h.handle_bytes = 4096;
    show("open huge", syscall(SYS_open_by_handle_at, pfd, &h, O_RDONLY));
    h.handle_bytes = 8;
    show("open stale", syscall(SYS_open_by_handle_at, pfd, &h, O_RDONLY));
    return 0;
}
