/*
 * orphans.c - files used after their last name is gone, on the cwd's file
 * system (TFS in solo) and in /tmp (tmpfs in solo): an open fd after unlink
 * (read, write, fstat's st_nlink 0, ftruncate, fallocate, mmap, fsync), a
 * shared mapping whose fd was closed before the unlink (pages never touched
 * before the unlink still fault in), rename over a file that is open or
 * mapped, and a cwd inside a removed directory (getcwd ENOENT, "." still
 * opens and lists nothing, creating in it ENOENT).  Space accounting is
 * checked in solo only (tests/integration/progs/orphans.c): the host's file
 * systems are too busy for statfs deltas.
 */
// covers: unlink rename getcwd fstat ftruncate fallocate mmap munmap fsync
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PG 4096

/* base/name in one of four rotating buffers (two may be live in one call). */
static const char *at(const char *base, const char *name)
{
    static char path[4][256];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof(path[0]), "%s/%s", base, name);
    return p;
}

/* A page-sized pattern distinct for each page number. */
static void fill(char *p, int page)
{
    for (int i = 0; i < PG; i++)
        p[i] = (char)('a' + (page * 7 + i) % 26);
}

static int page_ok(const char *p, int page)
{
    char want[PG];
    fill(want, page);
    return memcmp(p, want, PG) == 0;
}

static long make_file(const char *base, const char *name, int pages)
{
    int fd = (int)syscall(SYS_openat, AT_FDCWD, at(base, name), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    char buf[PG];
    for (int i = 0; i < pages; i++) {
        fill(buf, i);
        if (syscall(SYS_pwrite64, fd, buf, PG, (long)i * PG) != PG)
            return -1;
    }
    return fd;
}

static long nlink_of(int fd)
{
    struct stat st;
    if (syscall(SYS_fstat, fd, &st) < 0)
        return -1;
    return (long)st.st_nlink;
}

static long size_of(int fd)
{
    struct stat st;
    if (syscall(SYS_fstat, fd, &st) < 0)
        return -1;
    return (long)st.st_size;
}

/* 1: an open fd keeps working after unlink. */
static void open_fd(const char *base)
{
    char buf[PG];
    int fd = (int)make_file(base, "o1", 4);
    show("o1 create", fd < 0 ? -1 : 0);
    show("unlink o1", syscall(SYS_unlink, at(base, "o1")));
    show("open o1 again", syscall(SYS_openat, AT_FDCWD, at(base, "o1"), O_RDONLY));
    printf("nlink after unlink: %ld\n", nlink_of(fd));
    printf("size after unlink: %ld\n", size_of(fd));
    printf("pread page 2 ok: %d\n", syscall(SYS_pread64, fd, buf, PG, 2L * PG) == PG && page_ok(buf, 2));
    fill(buf, 9);
    show("pwrite page 5", syscall(SYS_pwrite64, fd, buf, PG, 5L * PG));
    memset(buf, 0, PG);
    printf("pread page 5 ok: %d\n", syscall(SYS_pread64, fd, buf, PG, 5L * PG) == PG && page_ok(buf, 9));
    printf("size after write: %ld\n", size_of(fd));
    show("ftruncate 3 pages", syscall(SYS_ftruncate, fd, 3L * PG));
    printf("size after ftruncate: %ld\n", size_of(fd));
    show("fallocate 8 pages", syscall(SYS_fallocate, fd, 0, 0L, 8L * PG));
    printf("size after fallocate: %ld\n", size_of(fd));
    printf("fallocated page reads zeros: %d\n",
           syscall(SYS_pread64, fd, buf, PG, 6L * PG) == PG && buf[0] == 0 && buf[PG - 1] == 0);
    char *m = (char *)syscall(SYS_mmap, 0, 4L * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0L);
    printf("mmap: %s\n", m == MAP_FAILED ? errname(errno) : "ok");
    if (m != MAP_FAILED) {
        printf("map page 1 ok: %d\n", page_ok(m + PG, 1));
        memcpy(m + 3 * PG, "mapped", 6);
        show("msync", syscall(SYS_msync, m, 4L * PG, MS_SYNC));
        memset(buf, 0, PG);
        printf("pread sees map store: %d\n",
               syscall(SYS_pread64, fd, buf, 6, 3L * PG) == 6 && memcmp(buf, "mapped", 6) == 0);
        show("munmap", syscall(SYS_munmap, m, 4L * PG));
    }
    show("fsync", syscall(SYS_fsync, fd));
    show("fdatasync", syscall(SYS_fdatasync, fd));
    printf("nlink still: %ld\n", nlink_of(fd));
    show("close", syscall(SYS_close, fd));
}

/* 2: a shared mapping outlives its fd and the file's last name. */
static void mapped(const char *base, int flags, const char *what)
{
    int fd = (int)make_file(base, "o2", 6);
    char *m = (char *)syscall(SYS_mmap, 0, 6L * PG, PROT_READ | PROT_WRITE, flags, fd, 0L);
    printf("%s mmap: %s\n", what, m == MAP_FAILED ? errname(errno) : "ok");
    syscall(SYS_close, fd);
    if (m == MAP_FAILED)
        return;
    printf("%s page 0 before unlink: %d\n", what, page_ok(m, 0));
    show("unlink o2", syscall(SYS_unlink, at(base, "o2")));
    int ok = 1;
    for (int i = 1; i < 6; i++)          /* never touched before the unlink */
        ok &= page_ok(m + (long)i * PG, i);
    printf("%s untouched pages after unlink: %d\n", what, ok);
    memcpy(m + 5 * PG, "store", 5);
    printf("%s store reads back: %d\n", what, memcmp(m + 5 * PG, "store", 5) == 0);
    show("munmap", syscall(SYS_munmap, m, 6L * PG));
}

/* 3: rename over a file that is open, and over one only mapped. */
static void rename_over(const char *base)
{
    char buf[PG];
    int fd = (int)make_file(base, "victim", 2);
    int nfd = (int)make_file(base, "newer", 1);
    syscall(SYS_close, nfd);
    show("rename over open", syscall(SYS_rename, at(base, "newer"), at(base, "victim")));
    printf("replaced nlink: %ld\n", nlink_of(fd));
    printf("replaced page 1 ok: %d\n", syscall(SYS_pread64, fd, buf, PG, 1L * PG) == PG && page_ok(buf, 1));
    show("write replaced", syscall(SYS_pwrite64, fd, "zz", 2, 0L));
    nfd = (int)syscall(SYS_openat, AT_FDCWD, at(base, "victim"), O_RDONLY);
    printf("name has the new file: %d\n", nfd >= 0 && size_of(nfd) == PG &&
           syscall(SYS_pread64, nfd, buf, PG, 0L) == PG && page_ok(buf, 0));
    syscall(SYS_close, nfd);
    syscall(SYS_close, fd);

    fd = (int)make_file(base, "victim2", 3);
    char *m = (char *)syscall(SYS_mmap, 0, 3L * PG, PROT_READ, MAP_SHARED, fd, 0L);
    syscall(SYS_close, fd);
    show("rename over mapped", syscall(SYS_rename, at(base, "victim"), at(base, "victim2")));
    if (m != MAP_FAILED) {
        printf("mapped replaced pages ok: %d\n", page_ok(m + PG, 1) && page_ok(m + 2 * PG, 2));
        syscall(SYS_munmap, m, 3L * PG);
    }
    show("unlink victim2", syscall(SYS_unlink, at(base, "victim2")));
}

/* 4: the cwd is a directory that was removed. */
static void removed_cwd(const char *base)
{
    char buf[512];
    int home = (int)syscall(SYS_openat, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY);
    show("mkdir gone", syscall(SYS_mkdir, at(base, "gone"), 0755));
    show("chdir gone", syscall(SYS_chdir, at(base, "gone")));
    show("rmdir gone", syscall(SYS_unlinkat, home, at(base, "gone"), AT_REMOVEDIR));
    show("rmdir dot", syscall(SYS_rmdir, "."));
    show("getcwd", syscall(SYS_getcwd, buf, sizeof(buf)) < 0 ? -1 : 0);
    long n = syscall(SYS_readlink, "/proc/self/cwd", buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    printf("/proc/self/cwd deleted: %d\n", n > 15 && strcmp(buf + n - 15, "/gone (deleted)") == 0);
    int d = (int)syscall(SYS_openat, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY);
    show("open dot", d < 0 ? -1 : 0);
    if (d >= 0) {
        show("getdents64", syscall(SYS_getdents64, d, buf, sizeof(buf)));
        printf("dot nlink: %ld\n", nlink_of(d));
        syscall(SYS_close, d);
    }
    struct stat st;
    show("stat dot", syscall(SYS_newfstatat, AT_FDCWD, ".", &st, 0));
    show("create in it", syscall(SYS_openat, AT_FDCWD, "f", O_RDWR | O_CREAT, 0644));
    show("mkdir in it", syscall(SYS_mkdir, "sub", 0755));
    show("open missing in it", syscall(SYS_openat, AT_FDCWD, "f", O_RDONLY));
    show("chdir dotdot", syscall(SYS_chdir, ".."));
    int parent = (int)syscall(SYS_openat, home, base, O_RDONLY | O_DIRECTORY);
    struct stat a, b;
    printf("dotdot is the parent: %d\n", parent >= 0 && syscall(SYS_fstat, parent, &a) == 0 &&
           syscall(SYS_newfstatat, AT_FDCWD, ".", &b, 0) == 0 && a.st_ino == b.st_ino);
    syscall(SYS_close, parent);
    show("fchdir home", syscall(SYS_fchdir, home));
    syscall(SYS_close, home);
}

static void run(const char *base)
{
    printf("== %s\n", base[0] == '/' ? "/tmp" : "cwd");
    open_fd(base);
    mapped(base, MAP_SHARED, "shared");
    mapped(base, MAP_PRIVATE, "private");
    rename_over(base);
    removed_cwd(base);
}

int main(void)
{
    char cwdd[] = "orphans.XXXXXX";   /* unique: run.sh runs variants side by side */
    char tmpd[] = "/tmp/orphans.XXXXXX";
    if (mkdtemp(cwdd) == NULL)
        return 1;
    run(cwdd);
    syscall(SYS_rmdir, cwdd);
    if (mkdtemp(tmpd) == NULL)
        return 1;
    run(tmpd);
    syscall(SYS_rmdir, tmpd);
    return 0;
}
