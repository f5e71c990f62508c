/*
 * fsops.c - file system changes in a fresh directory under /tmp (tmpfs in
 * solo): directories, links, symlinks, renames, truncation and space
 * allocation, syncs, modes and owners, timestamps, device nodes, statfs,
 * getdents, flock, fadvise/readahead, vectored and positional I/O,
 * sendfile/copy_file_range, memfd, close_range, and the xattr calls' error
 * paths.  Every call has at least one error case.  Only facts that are the
 * same on any Linux file system are printed (no sizes of directories, no
 * file system types, no inode numbers).  Hard links, FIFOs, socket and
 * device nodes are tested by fsnodes.c.  Documented tmpfs limits of solo
 * are not exercised: RENAME_EXCHANGE, fallocate modes other than 0, and
 * flock conflicts between two open files of the one process.
 */
// covers: mkdir mkdirat rmdir creat link linkat unlink unlinkat symlink symlinkat rename renameat renameat2
// covers: truncate ftruncate fallocate fsync fdatasync sync syncfs chmod fchmod fchmodat chown fchown lchown fchownat
// covers: utime utimes utimensat futimesat mknod mknodat statfs fstatfs fchdir getdents flock fadvise64 readahead
// covers: pwrite64 preadv pwritev preadv2 pwritev2 sendfile copy_file_range memfd_create close_range faccessat2
// covers: setxattr lsetxattr fsetxattr getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr removexattr lremovexattr fremovexattr
#include "common.h"
#include <fcntl.h>
#include <utime.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/uio.h>

static char dir[64];

/* Name inside the scratch directory (static buffer, one at a time per slot). */
static const char *at(int slot, const char *name)
{
    static char buf[4][128];
    snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", dir, name);
    return buf[slot];
}

static long fsize(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void test_dirs(void)
{
    show("mkdir", syscall(SYS_mkdir, at(0, "d"), 0755));
    show("mkdir again", syscall(SYS_mkdir, at(0, "d"), 0755));
    show("mkdir no parent", syscall(SYS_mkdir, at(0, "nope/d"), 0755));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    show("mkdirat", syscall(SYS_mkdirat, dfd, "e", 0700));
    show("mkdirat bad fd", syscall(SYS_mkdirat, 999, "e", 0700));
    struct stat st;
    stat(at(0, "e"), &st);
    printf("mkdirat mode: %o\n", st.st_mode & 07777);
    show("rmdir", syscall(SYS_rmdir, at(0, "e")));
    show("rmdir missing", syscall(SYS_rmdir, at(0, "e")));
    int fd = syscall(SYS_creat, at(0, "d/f"), 0644);
    show_ok("creat", fd);
    close(fd);
    show("rmdir not empty", syscall(SYS_rmdir, at(0, "d")));
    show("rmdir a file", syscall(SYS_rmdir, at(0, "d/f")));
    show("creat in missing dir", syscall(SYS_creat, at(0, "zz/f"), 0644));
    show("unlinkat dir flag", syscall(SYS_unlinkat, dfd, "d/f", AT_REMOVEDIR));
    show("unlinkat", syscall(SYS_unlinkat, dfd, "d/f", 0));
    show("unlinkat removedir", syscall(SYS_unlinkat, dfd, "d", AT_REMOVEDIR));
    show("unlinkat bad flag", syscall(SYS_unlinkat, dfd, "x", 0x1));
    show("unlink a dir", syscall(SYS_mkdir, at(0, "d2"), 0755) == 0 ? syscall(SYS_unlink, at(0, "d2")) : -2);
    show("rmdir d2", syscall(SYS_rmdir, at(0, "d2")));
    close(dfd);
}

static void test_links(void)
{
    int fd = open(at(0, "a"), O_CREAT | O_WRONLY, 0644);
    write(fd, "abc", 3);
    close(fd);
    fd = open(at(0, "b"), O_CREAT | O_WRONLY, 0644);
    close(fd);
    show("link exists", syscall(SYS_link, at(0, "a"), at(1, "b")));
    show("link missing", syscall(SYS_link, at(0, "nx"), at(1, "c")));
    show("link a dir", syscall(SYS_link, dir, at(1, "c")));
    struct stat st;
    stat(at(0, "a"), &st);
    printf("nlink: %lu\n", (unsigned long)st.st_nlink);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    show("linkat missing", syscall(SYS_linkat, dfd, "nx", dfd, "c", 0));
    show("linkat bad flags", syscall(SYS_linkat, dfd, "a", dfd, "c2", 0x1));
    show("symlink", syscall(SYS_symlink, "a", at(0, "s")));
    show("symlink exists", syscall(SYS_symlink, "a", at(0, "s")));
    show("symlinkat", syscall(SYS_symlinkat, "missing-target", dfd, "s2"));
    show("symlinkat bad fd", syscall(SYS_symlinkat, "x", 999, "s3"));
    char buf[32] = { 0 };
    show("readlink", readlink(at(0, "s"), buf, sizeof(buf) - 1));
    printf("readlink data: %s\n", buf);
    show("stat dangling", stat(at(0, "s2"), &st));
    show("lstat dangling", lstat(at(0, "s2"), &st));
    fact("lstat is link", S_ISLNK(st.st_mode));
    show("unlink", syscall(SYS_unlink, at(0, "b")));
    show("unlink missing", syscall(SYS_unlink, at(0, "b")));
    show("unlink s2", syscall(SYS_unlink, at(0, "s2")));
    show("unlink a dir", syscall(SYS_unlink, dir));
    close(dfd);
}

static void test_rename(void)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    show("rename", syscall(SYS_rename, at(0, "a"), at(1, "r1")));
    show("rename missing", syscall(SYS_rename, at(0, "a"), at(1, "r2")));
    show("renameat", syscall(SYS_renameat, dfd, "r1", dfd, "r2"));
    show("renameat bad fd", syscall(SYS_renameat, 999, "r2", dfd, "r3"));
    int fd = open(at(0, "other"), O_CREAT | O_WRONLY, 0644);
    close(fd);
    show("renameat2 noreplace", syscall(SYS_renameat2, dfd, "r2", dfd, "other", 1));
    show("renameat2 bad flags", syscall(SYS_renameat2, dfd, "r2", dfd, "x", 1 | 2));
    show("renameat2", syscall(SYS_renameat2, dfd, "r2", dfd, "r3", 0));
    show("renameat2 noreplace new name", syscall(SYS_renameat2, dfd, "r3", dfd, "r2", 1));
    printf("sizes: r2 %ld other %ld\n", fsize(at(0, "r2")), fsize(at(1, "other")));
    syscall(SYS_mkdir, at(0, "dd"), 0755);
    show("rename file over dir", syscall(SYS_rename, at(0, "other"), at(1, "dd")));
    show("rename dir into itself", syscall(SYS_rename, at(0, "dd"), at(1, "dd/sub")));
    syscall(SYS_rmdir, at(0, "dd"));
    syscall(SYS_rename, at(0, "other"), at(1, "a"));
    syscall(SYS_unlink, at(0, "r2"));
    syscall(SYS_unlink, at(0, "s"));
    close(dfd);
}

static void test_sizes(void)
{
    int fd = open(at(0, "t"), O_CREAT | O_RDWR, 0644);
    show("truncate", syscall(SYS_truncate, at(0, "t"), 100L));
    printf("size: %ld\n", fsize(at(0, "t")));
    show("truncate negative", syscall(SYS_truncate, at(0, "t"), -1L));
    show("truncate missing", syscall(SYS_truncate, at(0, "nx"), 1L));
    show("truncate dir", syscall(SYS_truncate, dir, 1L));
    show("ftruncate", syscall(SYS_ftruncate, fd, 10L));
    printf("size: %ld\n", fsize(at(0, "t")));
    show("ftruncate bad fd", syscall(SYS_ftruncate, 999, 10L));
    int ro = open(at(0, "t"), O_RDONLY);
    show("ftruncate read-only fd", syscall(SYS_ftruncate, ro, 1L));
    show("fallocate", syscall(SYS_fallocate, fd, 0, 0L, 4096L));
    printf("size: %ld\n", fsize(at(0, "t")));
    show("fallocate extend", syscall(SYS_fallocate, fd, 0, 4096L, 4096L));
    printf("size: %ld\n", fsize(at(0, "t")));
    show("fallocate negative offset", syscall(SYS_fallocate, fd, 0, -1L, 10L));
    show("fallocate bad len", syscall(SYS_fallocate, fd, 0, 0L, 0L));
    show("fallocate read-only fd", syscall(SYS_fallocate, ro, 0, 0L, 10L));
    show("fsync", syscall(SYS_fsync, fd));
    show("fsync bad fd", syscall(SYS_fsync, 999));
    show("fdatasync", syscall(SYS_fdatasync, fd));
    show("fdatasync bad fd", syscall(SYS_fdatasync, -1));
    show("sync", (syscall(SYS_sync), 0L));
    show("syncfs", syscall(SYS_syncfs, fd));
    show("syncfs bad fd", syscall(SYS_syncfs, 999));
    close(ro);
    close(fd);
}

static void test_attrs(void)
{
    const char *t = at(0, "t");
    struct stat st;
    int fd = open(t, O_RDWR);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    show("chmod", syscall(SYS_chmod, t, 0600));
    stat(t, &st);
    printf("mode: %o\n", st.st_mode & 07777);
    show("chmod missing", syscall(SYS_chmod, at(0, "nx"), 0600));
    show("fchmod", syscall(SYS_fchmod, fd, 0640));
    stat(t, &st);
    printf("mode: %o\n", st.st_mode & 07777);
    show("fchmod bad fd", syscall(SYS_fchmod, 999, 0640));
    show("fchmodat", syscall(SYS_fchmodat, dfd, "t", 0444));
    stat(t, &st);
    printf("mode: %o\n", st.st_mode & 07777);
    show("fchmodat missing", syscall(SYS_fchmodat, dfd, "nx", 0444));
    show("faccessat2", syscall(SYS_faccessat2, dfd, "t", R_OK, 0));
    show("faccessat2 missing", syscall(SYS_faccessat2, dfd, "nx", R_OK, 0));
    show("faccessat2 bad flags", syscall(SYS_faccessat2, dfd, "t", R_OK, 0x1));
    uid_t u = geteuid();
    gid_t g = getegid();
    show("chown", syscall(SYS_chown, t, u, g));
    show("chown missing", syscall(SYS_chown, at(0, "nx"), u, g));
    show("fchown", syscall(SYS_fchown, fd, -1, -1));
    show("fchown bad fd", syscall(SYS_fchown, 999, u, g));
    syscall(SYS_symlink, "t", at(0, "lt"));
    show("lchown", syscall(SYS_lchown, at(0, "lt"), u, g));
    show("lchown missing", syscall(SYS_lchown, at(0, "nx"), u, g));
    show("fchownat", syscall(SYS_fchownat, dfd, "lt", u, g, AT_SYMLINK_NOFOLLOW));
    show("fchownat bad flags", syscall(SYS_fchownat, dfd, "lt", u, g, 0x1));
    syscall(SYS_unlink, at(0, "lt"));
    stat(t, &st);
    fact("owner is euid", st.st_uid == u);
    syscall(SYS_fchmod, fd, 0644);
    close(fd);
    close(dfd);
}

static void test_times(void)
{
    const char *t = at(0, "t");
    struct stat st;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    struct utimbuf ub = { 1000000000, 1200000000 };
    show("utime", syscall(SYS_utime, t, &ub));
    stat(t, &st);
    printf("atime %ld mtime %ld\n", (long)st.st_atime, (long)st.st_mtime);
    show("utime missing", syscall(SYS_utime, at(0, "nx"), &ub));
    struct timeval tv[2] = { { 1300000000, 5 }, { 1400000000, 7 } };
    show("utimes", syscall(SYS_utimes, t, tv));
    stat(t, &st);
    printf("atime %ld.%09ld mtime %ld.%09ld\n", (long)st.st_atime, st.st_atim.tv_nsec,
           (long)st.st_mtime, st.st_mtim.tv_nsec);
    struct timeval badtv[2] = { { 0, 2000000 }, { 0, 0 } };
    show("utimes bad usec", syscall(SYS_utimes, t, badtv));
    show("futimesat", syscall(SYS_futimesat, dfd, "t", tv));
    show("futimesat bad fd", syscall(SYS_futimesat, 999, "t", tv));
    struct timespec ts[2] = { { 1500000000, 123 }, { 0, UTIME_OMIT } };
    show("utimensat", syscall(SYS_utimensat, dfd, "t", ts, 0));
    stat(t, &st);
    printf("atime %ld.%09ld mtime %ld\n", (long)st.st_atime, st.st_atim.tv_nsec, (long)st.st_mtime);
    struct timespec badts[2] = { { 0, 1000000000 }, { 0, 0 } };
    show("utimensat bad nsec", syscall(SYS_utimensat, dfd, "t", badts, 0));
    show("utimensat bad flags", syscall(SYS_utimensat, dfd, "t", ts, 0x1));
    show("utimensat missing", syscall(SYS_utimensat, dfd, "nx", ts, 0));
    close(dfd);
}

static void test_nodes(void)
{
    struct stat st;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    show("mknod regular", syscall(SYS_mknod, at(0, "reg"), S_IFREG | 0600, 0));
    stat(at(0, "reg"), &st);
    fact("is regular", S_ISREG(st.st_mode));
    printf("mode: %o\n", st.st_mode & 07777);
    show("mknod exists", syscall(SYS_mknod, at(0, "reg"), S_IFREG | 0600, 0));
    show("mknodat default type", syscall(SYS_mknodat, dfd, "reg2", 0600, 0));
    stat(at(0, "reg2"), &st);
    fact("is regular", S_ISREG(st.st_mode));
    show("mknodat directory type", syscall(SYS_mknodat, dfd, "d", S_IFDIR | 0700, 0));
    show("mknodat bad type", syscall(SYS_mknodat, dfd, "bad", 0170000 | 0600, 0));
    show("mknodat link type", syscall(SYS_mknodat, dfd, "bad", S_IFLNK | 0600, 0));
    show("mknodat missing dir", syscall(SYS_mknodat, dfd, "nx/f", S_IFREG | 0600, 0));
    show("mknodat bad fd", syscall(SYS_mknodat, 999, "f", S_IFREG | 0600, 0));
    syscall(SYS_unlink, at(0, "reg"));
    syscall(SYS_unlink, at(0, "reg2"));
    close(dfd);
}

static void test_statfs_dirs(void)
{
    struct statfs sf;
    show("statfs", syscall(SYS_statfs, dir, &sf));
    fact("statfs bsize > 0", sf.f_bsize > 0);
    show("statfs missing", syscall(SYS_statfs, at(0, "nx"), &sf));
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    show("fstatfs", syscall(SYS_fstatfs, fd, &sf));
    fact("fstatfs namelen >= 255", sf.f_namelen >= 255);
    show("fstatfs bad fd", syscall(SYS_fstatfs, 999, &sf));
    char cwd[256];
    getcwd(cwd, sizeof(cwd));
    show("fchdir", syscall(SYS_fchdir, fd));
    fact("cwd is the scratch dir", access("t", F_OK) == 0);
    chdir(cwd);
    int t = open(at(0, "t"), O_RDONLY);
    show("fchdir to file", syscall(SYS_fchdir, t));
    show("fchdir bad fd", syscall(SYS_fchdir, 999));
    /* old getdents: count the names (d_reclen walks), order varies */
    char buf[4096];
    long n = syscall(SYS_getdents, fd, buf, sizeof(buf));
    int names = 0;
    for (long off = 0; n > 0 && off < n; ) {
        unsigned short reclen = *(unsigned short *)(buf + off + 16);
        names++;
        off += reclen;
    }
    printf("getdents names: %d\n", names);
    show("getdents at end", syscall(SYS_getdents, fd, buf, sizeof(buf)));
    show("getdents on file", syscall(SYS_getdents, t, buf, sizeof(buf)));
    show("getdents small buffer", (lseek(fd, 0, SEEK_SET), syscall(SYS_getdents, fd, buf, 8)));
    close(t);
    close(fd);
}

static void test_flock_advice(void)
{
    int fd = open(at(0, "t"), O_RDWR);
    int fd2 = open(at(0, "t"), O_RDWR);
    show("flock ex", syscall(SYS_flock, fd, LOCK_EX));
    show("flock ex again", syscall(SYS_flock, fd, LOCK_EX | LOCK_NB));
    show("flock sh (convert)", syscall(SYS_flock, fd, LOCK_SH));
    show("flock un", syscall(SYS_flock, fd, LOCK_UN));
    show("flock other ex nb", syscall(SYS_flock, fd2, LOCK_EX | LOCK_NB));
    show("flock other un", syscall(SYS_flock, fd2, LOCK_UN));
    show("flock bad op", syscall(SYS_flock, fd, 0));
    show("flock bad fd", syscall(SYS_flock, 999, LOCK_EX));
    show("fadvise64", syscall(SYS_fadvise64, fd, 0L, 0L, POSIX_FADV_SEQUENTIAL));
    show("fadvise64 bad advice", syscall(SYS_fadvise64, fd, 0L, 0L, 99));
    show("fadvise64 bad fd", syscall(SYS_fadvise64, 999, 0L, 0L, POSIX_FADV_NORMAL));
    show("readahead bad fd", syscall(SYS_readahead, 999, 0L, 10L));
    int p[2];
    pipe(p);
    show("readahead pipe", syscall(SYS_readahead, p[0], 0L, 10L));
    show("fadvise64 pipe", syscall(SYS_fadvise64, p[0], 0L, 0L, POSIX_FADV_NORMAL));
    close(p[0]);
    close(p[1]);
    close(fd);
    close(fd2);
}

static void test_io(void)
{
    int fd = open(at(0, "io"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    show("pwrite64", syscall(SYS_pwrite64, fd, "0123456789", 10, 5L));
    show("pwrite64 negative", syscall(SYS_pwrite64, fd, "x", 1, -1L));
    show("pwrite64 bad fd", syscall(SYS_pwrite64, 999, "x", 1, 0L));
    printf("size: %ld\n", fsize(at(0, "io")));
    char a[4], b[6];
    struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
    show("preadv", syscall(SYS_preadv, fd, iov, 2, 5L, 0L));
    printf("preadv data: %.4s|%.6s\n", a, b);
    show("preadv bad count", syscall(SYS_preadv, fd, iov, -1, 0L, 0L));
    struct iovec w[2] = { { "AB", 2 }, { "CD", 2 } };
    show("pwritev", syscall(SYS_pwritev, fd, w, 2, 0L, 0L));
    show("pwritev negative", syscall(SYS_pwritev, fd, w, 2, -5L, -1L));
    show("preadv2", syscall(SYS_preadv2, fd, iov, 2, 0L, 0L, 0));
    printf("preadv2 data: %.4s|%.6s\n", a, b);
    show("preadv2 bad flags", syscall(SYS_preadv2, fd, iov, 2, 0L, 0L, 0x1000));
    show("pwritev2 at -1 (current offset)", (lseek(fd, 2, SEEK_SET), syscall(SYS_pwritev2, fd, w, 1, -1L, -1L, 0)));
    show("offset after pwritev2", lseek(fd, 0, SEEK_CUR));
    show("pwritev2 bad fd", syscall(SYS_pwritev2, 999, w, 1, 0L, 0L, 0));
    int out = open(at(0, "copy"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    off_t off = 5;
    show("sendfile", syscall(SYS_sendfile, out, fd, &off, 4L));
    printf("sendfile offset: %ld\n", (long)off);
    show("sendfile bad in", syscall(SYS_sendfile, out, 999, NULL, 4L));
    int ro = open(at(0, "io"), O_RDONLY);
    show("sendfile to read-only", syscall(SYS_sendfile, ro, fd, NULL, 4L));
    loff_t oi = 0, oo = 4;
    show("copy_file_range", syscall(SYS_copy_file_range, fd, &oi, out, &oo, 6L, 0));
    printf("copy offsets: %ld %ld size %ld\n", (long)oi, (long)oo, fsize(at(0, "copy")));
    show("copy_file_range bad flags", syscall(SYS_copy_file_range, fd, &oi, out, &oo, 6L, 1));
    show("copy_file_range to read-only", syscall(SYS_copy_file_range, fd, NULL, ro, NULL, 6L, 0));
    char got[16] = { 0 };
    pread(out, got, sizeof(got) - 1, 0);
    printf("copy data: %s\n", got);
    close(ro);
    close(out);
    close(fd);

    /* O_APPEND: pwrite and pwritev go to the end whatever the offset (Linux's
     * documented behaviour); RWF_APPEND does the same for one pwritev2. */
    int ap = open(at(0, "app"), O_CREAT | O_RDWR | O_TRUNC | O_APPEND, 0644);
    show("append write", write(ap, "abc", 3));
    show("lseek 0", lseek(ap, 0, SEEK_SET));
    show("pwrite64 at 0 on O_APPEND", syscall(SYS_pwrite64, ap, "XY", 2, 0L));
    show("offset after pwrite64", lseek(ap, 0, SEEK_CUR));
    show("pwritev at 1 on O_APPEND", syscall(SYS_pwritev, ap, w, 1, 1L, 0L));
    show("pwritev2 at -1 on O_APPEND", syscall(SYS_pwritev2, ap, w + 1, 1, -1L, -1L, 0));
    show("offset after pwritev2 at -1", lseek(ap, 0, SEEK_CUR));
    close(ap);
    ap = open(at(0, "app"), O_RDWR);
    show("pwritev2 RWF_APPEND at 0", syscall(SYS_pwritev2, ap, w, 1, 0L, 0L, 0x10));
    show("offset after RWF_APPEND", lseek(ap, 0, SEEK_CUR));
    show("pwritev2 at 0 without flags", syscall(SYS_pwritev2, ap, w + 1, 1, 0L, 0L, 0));
    memset(got, 0, sizeof(got));
    pread(ap, got, sizeof(got) - 1, 0);
    printf("append data: %s\n", got);
    close(ap);
}

static void test_memfd_close_range(void)
{
    int m = syscall(SYS_memfd_create, "conf", 0);
    show_ok("memfd_create", m);
    show("memfd write", write(m, "memfd!", 6));
    struct stat st;
    fstat(m, &st);
    printf("memfd size: %ld regular: %d\n", (long)st.st_size, S_ISREG(st.st_mode));
    show("memfd_create bad flags", syscall(SYS_memfd_create, "conf", 0x100000));
    char longname[300];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    show("memfd_create long name", syscall(SYS_memfd_create, longname, 0));
    int a = dup(m), b = dup(m);
    show("close_range", syscall(SYS_close_range, a, b, 0));
    show("closed fd", fcntl(a, F_GETFD));
    show("close_range bad order", syscall(SYS_close_range, 10, 5, 0));
    show("close_range bad flags", syscall(SYS_close_range, 10, 20, 0x1000));
    a = dup(m);
    show("close_range cloexec", syscall(SYS_close_range, a, a, 4 /* CLOSE_RANGE_CLOEXEC */));
    show("fd flags", fcntl(a, F_GETFD));
    close(a);
    /* (sysfuzz seed 39) fds below first stay open whatever RLIMIT_NOFILE
     * says and however large first is (solo once began at min(first, limit)
     * and so closed 0, 1 and 2 under a limit of 0). */
    int lo = dup(m), hi = dup(m);
    show("close_range first past INT_MAX", syscall(SYS_close_range, 0x80000000U, ~0U, 0));
    show("lower fd still open", fcntl(lo, F_GETFD) >= 0);
    struct rlimit old, zero = { 0, 0 };
    getrlimit(RLIMIT_NOFILE, &old);
    zero.rlim_max = old.rlim_max;
    show("NOFILE 0", setrlimit(RLIMIT_NOFILE, &zero));
    show("close_range above the limit", syscall(SYS_close_range, hi, ~0U, 0));
    setrlimit(RLIMIT_NOFILE, &old);
    show("fd below first still open", fcntl(lo, F_GETFD) >= 0);
    show("fd 1 still open", fcntl(1, F_GETFD) >= 0);
    show("closed fd above first", fcntl(hi, F_GETFD));
    close(lo);
    close(m);
}

static void test_xattr_errors(void)
{
    char v[16];
    const char *nx = at(0, "nx");
    show("setxattr missing", syscall(SYS_setxattr, nx, "user.a", "v", 1, 0));
    show("lsetxattr missing", syscall(SYS_lsetxattr, nx, "user.a", "v", 1, 0));
    show("fsetxattr bad fd", syscall(SYS_fsetxattr, 999, "user.a", "v", 1, 0));
    show("getxattr missing", syscall(SYS_getxattr, nx, "user.a", v, sizeof(v)));
    show("lgetxattr missing", syscall(SYS_lgetxattr, nx, "user.a", v, sizeof(v)));
    show("fgetxattr bad fd", syscall(SYS_fgetxattr, 999, "user.a", v, sizeof(v)));
    show("listxattr missing", syscall(SYS_listxattr, nx, v, sizeof(v)));
    show("llistxattr missing", syscall(SYS_llistxattr, nx, v, sizeof(v)));
    show("flistxattr bad fd", syscall(SYS_flistxattr, 999, v, sizeof(v)));
    show("removexattr missing", syscall(SYS_removexattr, nx, "user.a"));
    show("lremovexattr missing", syscall(SYS_lremovexattr, nx, "user.a"));
    show("fremovexattr bad fd", syscall(SYS_fremovexattr, 999, "user.a"));
}

int main(void)
{
    strcpy(dir, "/tmp/conf-fsops.XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    umask(022);
    test_dirs();
    test_links();
    test_rename();
    test_sizes();
    test_attrs();
    test_times();
    test_nodes();
    test_statfs_dirs();
    test_flock_advice();
    test_io();
    test_memfd_close_range();
    test_xattr_errors();
    const char *left[] = { "t", "io", "copy", "a", "app" };
    for (size_t i = 0; i < sizeof(left) / sizeof(left[0]); i++)
        unlink(at(0, left[i]));
    show("rmdir scratch", syscall(SYS_rmdir, dir));
    return 0;
}
