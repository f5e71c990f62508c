/*
 * files.c - file syscalls on the read-only data directory: open/openat,
 * read/pread/readv, write/writev, lseek, the stat family, getdents64,
 * readlink (incl. /proc/self/exe), access, cwd, fcntl, dup*, ioctl.
 * Run from the directory holding data/ (natively and in solo).
 */
// covers: open openat read write close lseek pread64 readv writev fstat stat lstat newfstatat statx getdents64 readlink readlinkat access faccessat getcwd chdir fcntl dup dup2 dup3 ioctl
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <dirent.h>

struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* struct statx as the kernel lays it out (musl's headers lack it). */
struct statx_k {
    unsigned int stx_mask, stx_blksize;
    unsigned long long stx_attributes;
    unsigned int stx_nlink, stx_uid, stx_gid;
    unsigned short stx_mode, spare0;
    unsigned long long stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    unsigned char times[64];
    unsigned int rdev_major, rdev_minor, dev_major, dev_minor;
    unsigned char spare[256 - 144];
};
#define STATX_SIZE_K 0x200U
#define STATX_BASIC_STATS_K 0x7ffU

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_read(void)
{
    char buf[64];
    int fd = syscall(SYS_open, "data/hello.txt", O_RDONLY);
    show("open fd", fd);
    memset(buf, 0, sizeof(buf));
    show("read 5", syscall(SYS_read, fd, buf, 5));
    printf("read data: %s\n", buf);
    show("read rest", read(fd, buf, sizeof(buf)));
    show("read at eof", read(fd, buf, sizeof(buf)));
    show("lseek cur", syscall(SYS_lseek, fd, 0L, SEEK_CUR));
    show("lseek set 7", lseek(fd, 7, SEEK_SET));
    memset(buf, 0, sizeof(buf));
    show("read 4", read(fd, buf, 4));
    printf("read data: %s\n", buf);
    show("lseek end -5", lseek(fd, -5, SEEK_END));
    show("lseek negative", lseek(fd, -100, SEEK_SET));
    show("lseek bad whence", lseek(fd, 0, 77));
    memset(buf, 0, sizeof(buf));
    show("pread64 6@13", syscall(SYS_pread64, fd, buf, 6, 13L));
    printf("pread data: %s\n", buf);
    show("offset after pread", lseek(fd, 0, SEEK_CUR));
    show("pread64 past eof", syscall(SYS_pread64, fd, buf, 6, 1000L));
    show("pread64 negative", syscall(SYS_pread64, fd, buf, 6, -1L));
    show("write to O_RDONLY", syscall(SYS_write, fd, "x", 1));
    show("close", syscall(SYS_close, fd));
    show("close again", close(fd));
}

static void test_readv_writev(void)
{
    char a[5] = {0}, b[8] = {0};
    struct iovec iov[2] = { { a, 4 }, { b, 7 } };
    int fd = syscall(SYS_openat, AT_FDCWD, "data/numbers.txt", O_RDONLY);
    show("openat fd", fd);
    show("readv", syscall(SYS_readv, fd, iov, 2));
    printf("readv data: [%s] [%s]\n", a, b);
    struct iovec out[3] = { { "writev: ", 8 }, { "", 0 }, { "two parts\n", 10 } };
    show("writev", syscall(SYS_writev, 1, out, 3));
    show("readv bad iovcnt", syscall(SYS_readv, fd, iov, -1));
    int n = open("/dev/null", O_WRONLY);
    show("write /dev/null", write(n, "abcdef", 6));
    show("lseek numbers end", lseek(fd, 0, SEEK_END));
    close(n);
    close(fd);
}

static void print_stat(const char *what, long r, const struct stat *st)
{
    if (r < 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    printf("%s: %s size=%lld perm=%o\n", what, S_ISDIR(st->st_mode) ? "dir" : S_ISREG(st->st_mode) ? "reg" : "other",
           S_ISREG(st->st_mode) ? (long long)st->st_size : -1LL, (unsigned)(st->st_mode & 07777));
}

static void test_stat(void)
{
    struct stat st;
    int fd = open("data/hello.txt", O_RDONLY);
    print_stat("fstat hello", syscall(SYS_fstat, fd, &st), &st);
    print_stat("stat data", syscall(SYS_stat, "data", &st), &st);
    print_stat("lstat hello", syscall(SYS_lstat, "data/hello.txt", &st), &st);
    print_stat("newfstatat sub/a", syscall(SYS_newfstatat, AT_FDCWD, "data/sub/a.txt", &st, 0), &st);
    print_stat("newfstatat empty path", syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH), &st);
    print_stat("stat missing", syscall(SYS_stat, "data/missing", &st), &st);
    print_stat("stat notdir", syscall(SYS_stat, "data/hello.txt/x", &st), &st);
    print_stat("fstat bad fd", syscall(SYS_fstat, 99, &st), &st);
    show("stat bad pointer", syscall(SYS_stat, "data/hello.txt", (void *)8));
    struct statx_k sx;
    memset(&sx, 0, sizeof(sx));
    long r = syscall(SYS_statx, AT_FDCWD, "data/sub/b.txt", 0, STATX_BASIC_STATS_K, &sx);
    show("statx", r);
    printf("statx size=%llu reg=%d has_size=%d\n", (unsigned long long)sx.stx_size,
           S_ISREG(sx.stx_mode), (sx.stx_mask & STATX_SIZE_K) != 0);
    show("statx bad flags", syscall(SYS_statx, AT_FDCWD, "data", 0x7fff0000, STATX_BASIC_STATS_K, &sx));
    int dfd = open("data", O_RDONLY | O_DIRECTORY);
    show("openat relative to dirfd", fd = syscall(SYS_openat, dfd, "sub/a.txt", O_RDONLY));
    print_stat("fstat via dirfd", syscall(SYS_fstat, fd, &st), &st);
    show("openat bad dirfd", syscall(SYS_openat, 77, "sub/a.txt", O_RDONLY));
    show("open O_DIRECTORY on file", syscall(SYS_open, "data/hello.txt", O_RDONLY | O_DIRECTORY));
    char c;
    show("read a directory", read(dfd, &c, 1));
    close(fd);
    close(dfd);
}

static void test_getdents(void)
{
    char buf[1024], *names[32];
    int n = 0;
    int fd = open("data/sub", O_RDONLY | O_DIRECTORY);
    long r;
    while ((r = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
        for (long off = 0; off < r && n < 32;) {
            struct linux_dirent64 *d = (void *)(buf + off);
            char *s = malloc(300);
            snprintf(s, 300, "%s type=%d", d->d_name, d->d_type);
            names[n++] = s;
            off += d->d_reclen;
        }
    }
    show("getdents64 end", r);
    qsort(names, n, sizeof(names[0]), cmpstr);
    for (int i = 0; i < n; i++)
        printf("entry: %s\n", names[i]);
    show("getdents64 bad fd", syscall(SYS_getdents64, 99, buf, sizeof(buf)));
    int f = open("data/hello.txt", O_RDONLY);
    show("getdents64 on file", syscall(SYS_getdents64, f, buf, sizeof(buf)));
    lseek(fd, 0, SEEK_SET);
    show("getdents64 tiny buffer", syscall(SYS_getdents64, fd, buf, 8));
    close(f);
    close(fd);
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

static void test_links(const char *argv0)
{
    char buf[4096];
    const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') : argv0;
    long r = syscall(SYS_readlink, "/proc/self/exe", buf, sizeof(buf) - 1);
    show_ok("readlink /proc/self/exe", r);
    buf[r > 0 ? r : 0] = '\0';
    fact("exe ends with program name", ends_with(buf, base));
    fact("exe is absolute", buf[0] == '/');
    r = syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", buf, sizeof(buf) - 1);
    show_ok("readlinkat /proc/self/exe", r);
    buf[r > 0 ? r : 0] = '\0';
    fact("readlinkat ends with program name", ends_with(buf, base));
    show("readlink short buffer", syscall(SYS_readlink, "/proc/self/exe", buf, 1));
    show("readlink regular file", syscall(SYS_readlink, "data/hello.txt", buf, sizeof(buf)));
    show("readlink missing", syscall(SYS_readlink, "data/missing", buf, sizeof(buf)));
    show("readlinkat bad size", syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", buf, 0));
    /* the running program cannot be written (ETXTBSY); calls that would not
     * change it even where allowed: no O_TRUNC, truncate to its own size */
    struct stat xst;
    show("stat exe", stat("/proc/self/exe", &xst));
    show("open exe O_WRONLY", syscall(SYS_openat, AT_FDCWD, "/proc/self/exe", O_WRONLY));
    show("open exe O_RDWR", syscall(SYS_openat, AT_FDCWD, "/proc/self/exe", O_RDWR));
    show("truncate exe", syscall(SYS_truncate, "/proc/self/exe", (long)xst.st_size));
    r = syscall(SYS_openat, AT_FDCWD, "/proc/self/exe", O_RDONLY);
    show_ok("open exe O_RDONLY", r);
    if (r >= 0)
        close((int)r);
    show("access R_OK", syscall(SYS_access, "data/hello.txt", R_OK));
    show("access F_OK missing", syscall(SYS_access, "data/missing", F_OK));
    show("access bad mode", syscall(SYS_access, "data/hello.txt", 0x40));
    show("faccessat X_OK dir", syscall(SYS_faccessat, AT_FDCWD, "data", X_OK, 0));
    show("faccessat notdir", syscall(SYS_faccessat, AT_FDCWD, "data/hello.txt/x", F_OK, 0));
}

static void test_cwd(void)
{
    char buf[4096];
    show_ok("getcwd", syscall(SYS_getcwd, buf, sizeof(buf)));
    fact("cwd is absolute", buf[0] == '/');
    show("getcwd tiny buffer", syscall(SYS_getcwd, buf, 1));
    show("chdir data", syscall(SYS_chdir, "data"));
    getcwd(buf, sizeof(buf));
    fact("cwd ends with /data", ends_with(buf, "/data"));
    int fd = open("hello.txt", O_RDONLY);
    show("open relative after chdir", fd);
    close(fd);
    show("chdir ..", syscall(SYS_chdir, ".."));
    show("chdir to file", syscall(SYS_chdir, "data/hello.txt"));
    show("chdir missing", syscall(SYS_chdir, "nowhere"));
    show("chdir bad pointer", syscall(SYS_chdir, (void *)1));
    fd = open("data/hello.txt", O_RDONLY);
    show("open after chdir back", fd);
    close(fd);
}

static void test_fd_ops(void)
{
    int fd = open("data/hello.txt", O_RDONLY);
    show("fcntl F_GETFD", fcntl(fd, F_GETFD));
    show("fcntl F_SETFD", fcntl(fd, F_SETFD, FD_CLOEXEC));
    show("fcntl F_GETFD after", fcntl(fd, F_GETFD));
    show("fcntl F_GETFL accmode", fcntl(fd, F_GETFL) & O_ACCMODE);
    show("fcntl F_DUPFD 100", fcntl(fd, F_DUPFD, 100));
    show("fcntl F_DUPFD_CLOEXEC 100", fcntl(fd, F_DUPFD_CLOEXEC, 100));
    show("fcntl F_GETFD of dup", fcntl(101, F_GETFD));
    show("fcntl bad fd", fcntl(99, F_GETFD));
    show("fcntl bad cmd", syscall(SYS_fcntl, fd, 9999, 0));
    int d = syscall(SYS_dup, fd);
    show("dup", d);
    show("dup F_GETFD (cloexec cleared)", fcntl(d, F_GETFD));
    lseek(fd, 6, SEEK_SET);
    show("dup shares offset", lseek(d, 0, SEEK_CUR));
    show("dup2 to 20", syscall(SYS_dup2, fd, 20));
    show("dup2 same fd", syscall(SYS_dup2, fd, fd));
    show("dup2 bad oldfd", syscall(SYS_dup2, 99, 21));
    show("dup2 bad newfd", syscall(SYS_dup2, fd, -1));
    show("dup3 same fd", syscall(SYS_dup3, fd, fd, 0));
    show("dup3 bad flags", syscall(SYS_dup3, fd, 21, 0x1234));
    show("dup3 cloexec", syscall(SYS_dup3, fd, 21, O_CLOEXEC));
    show("dup3 F_GETFD", fcntl(21, F_GETFD));
    show("dup bad fd", syscall(SYS_dup, -1));
    struct termios t;
    show("ioctl TCGETS on file", syscall(SYS_ioctl, fd, TCGETS, &t));
    show("ioctl bad fd", syscall(SYS_ioctl, 99, TCGETS, &t));
    for (int i = 3; i < 128; i++)
        close(i);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    (void)argc;
    test_read();
    test_readv_writev();
    test_stat();
    test_getdents();
    test_links(argv[0]);
    test_cwd();
    test_fd_ops();
    printf("done\n");
    return 0;
}
