// covers: sync_file_range
/*
 * syncrange.c - sync_file_range: flag and range validation, descriptor
 * checks, ESPIPE for pipes, and a write-out of a written file whose data
 * then reads back.
 */
#include "common.h"
#include <fcntl.h>

#define SFR_ALL 7

int main(void)
{
    char path[] = "/tmp/syncrange-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    unlink(path);
    if (write(fd, "hello, range", 12) != 12)
        return 1;
    show("flags 0", syscall(SYS_sync_file_range, fd, 0L, 0L, 0));
    show("write", syscall(SYS_sync_file_range, fd, 0L, 12L, 2));
    show("all flags whole file", syscall(SYS_sync_file_range, fd, 0L, 0L, SFR_ALL));
    show("bad flag", syscall(SYS_sync_file_range, fd, 0L, 0L, 8));
    show("negative offset", syscall(SYS_sync_file_range, fd, -1L, 0L, 2));
    show("negative length", syscall(SYS_sync_file_range, fd, 0L, -5L, 2));
    show("overflow", syscall(SYS_sync_file_range, fd, 0x7fffffffffffff00L, 0x1000L, 2));
    show("bad fd", syscall(SYS_sync_file_range, 999, 0L, 0L, 2));
    show("bad flag bad fd", syscall(SYS_sync_file_range, 999, 0L, 0L, 8));
    show("bad range bad fd", syscall(SYS_sync_file_range, 999, -1L, 0L, 2));
    int p[2];
    if (pipe(p) < 0)
        return 1;
    show("pipe", syscall(SYS_sync_file_range, p[0], 0L, 0L, 2));
    show("pipe flags 0", syscall(SYS_sync_file_range, p[1], 0L, 0L, 0));
    int d = open("/tmp", O_RDONLY | O_DIRECTORY);
    show("directory", syscall(SYS_sync_file_range, d, 0L, 0L, 2));
    char buf[16] = { 0 };
    show("pread", pread(fd, buf, sizeof(buf) - 1, 0));
    printf("data: %s\n", buf);
    return 0;
}
