/*
 * errors.c - the error conventions every syscall shares: bad descriptors
 * (EBADF), missing paths (ENOENT), bad user pointers (EFAULT), overlong
 * names (ENAMETOOLONG), existing files with O_EXCL (EEXIST), a directory
 * opened for writing (EISDIR), a tty ioctl on a non-tty (ENOTTY) and
 * syscall numbers that do not exist (ENOSYS).
 */
// covers: read write open openat close ioctl lseek
#include "common.h"
#include <fcntl.h>
#include <termios.h>
#include <sys/ioctl.h>

int main(void)
{
    char buf[16], *longpath = malloc(5000);
    setvbuf(stdout, NULL, _IONBF, 0);
    show("read(-1)", syscall(SYS_read, -1, buf, 1));
    show("write(-1)", syscall(SYS_write, -1, buf, 1));
    show("close(-1)", syscall(SYS_close, -1));
    show("close(1000)", syscall(SYS_close, 1000));
    show("lseek(-1)", syscall(SYS_lseek, -1, 0L, SEEK_SET));
    show("open /nonexistent", syscall(SYS_open, "/nonexistent", O_RDONLY));
    show("open /nonexistent/dir/file", syscall(SYS_open, "/nonexistent/dir/file", O_RDONLY));
    show("open NULL path", syscall(SYS_open, NULL, O_RDONLY));
    show("open bad path pointer", syscall(SYS_open, (void *)1, O_RDONLY));
    show("open empty path", syscall(SYS_open, "", O_RDONLY));
    memset(longpath, 'a', 4999);
    longpath[4999] = '\0';
    show("open path over PATH_MAX", syscall(SYS_open, longpath, O_RDONLY));
    longpath[300] = '\0';
    show("open component over NAME_MAX", syscall(SYS_open, longpath, O_RDONLY));
    show("open O_CREAT|O_EXCL existing", syscall(SYS_open, "data/hello.txt", O_WRONLY | O_CREAT | O_EXCL, 0644));
    show("open directory for writing", syscall(SYS_open, "data", O_WRONLY));
    show("openat relative with bad dirfd", syscall(SYS_openat, 99, "x", O_RDONLY));
    show("openat relative to a file fd", syscall(SYS_openat, 0, "x", O_RDONLY) < 0 && errno == ENOTDIR ? 0 : -2);
    int fd = open("data/hello.txt", O_RDONLY);
    show("read into (void*)1", syscall(SYS_read, fd, (void *)1, 8));
    show("read into kernel address", syscall(SYS_read, fd, (void *)0xffffffff81000000UL, 8));
    show("write from (void*)1 to stdout", syscall(SYS_write, 1, (void *)1, 5));
    show("read zero bytes", syscall(SYS_read, fd, NULL, 0));
    struct termios t;
    show("ioctl TCGETS on a file", syscall(SYS_ioctl, fd, TCGETS, &t));
    show("ioctl TIOCGWINSZ on a file", syscall(SYS_ioctl, fd, TIOCGWINSZ, buf));
    close(fd);
    int dn = open("/dev/null", O_RDWR);
    show("ioctl TCGETS on /dev/null", syscall(SYS_ioctl, dn, TCGETS, &t));
    show("read /dev/null", syscall(SYS_read, dn, buf, sizeof(buf)));
    close(dn);
    show("unknown syscall 1000", syscall(1000));
    show("unallocated syscall 400", syscall(400));
    show("x32-only number 512 without the x32 bit", syscall(512));
    show("unknown syscall 100000", syscall(100000));
    show("negative syscall number", syscall(-1));
    printf("done\n");
    return 0;
}
