/*
 * mapshared.c - writable MAP_SHARED file mappings, once on a file in the
 * cwd (the TFS root under solo) and once under /tmp (tmpfs under solo):
 * two shared mappings of one file alias; stores are seen by pread/read at
 * once and write(2) by the mappings; msync (errors too), fsync; munmap
 * without msync then reopen and read; mremap of a shared mapping; pages
 * wholly past the end raise SIGBUS, bytes past the end in the last page are
 * not written; ftruncate grow and shrink (SIGBUS past the new end, in a
 * private mapping's copied page too); EACCES for writable shared mappings
 * and mprotect through a read-only fd; a MAP_PRIVATE mapping next to a
 * MAP_SHARED one of the same file.
 */
// covers: mmap msync munmap mremap mprotect fsync fdatasync ftruncate pread64 pwrite64
#define _GNU_SOURCE
#include "common.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PG 4096L

static sigjmp_buf jb;
static volatile sig_atomic_t got_sig;

static void on_bus(int sig)
{
    got_sig = sig;
    siglongjmp(jb, 1);
}

/* What touching *p does: "ok", "SIGBUS" or "SIGSEGV" (a write when wr). */
static const char *touch(volatile char *p, int wr)
{
    got_sig = 0;
    if (sigsetjmp(jb, 1) == 0) {
        if (wr)
            *p = 'w';
        else
            (void)*p;
        return "ok";
    }
    return got_sig == SIGBUS ? "SIGBUS" : got_sig == SIGSEGV ? "SIGSEGV" : "other";
}

static char *map(size_t len, int prot, int flags, int fd, off_t off)
{
    char *p = (char *)syscall(SYS_mmap, NULL, len, prot, flags, fd, off);
    if (p == MAP_FAILED) {
        printf("mmap: -1 %s\n", errname(errno));
        exit(1);
    }
    return p;
}

static int file_byte(int fd, long off)
{
    unsigned char c;
    long n = syscall(SYS_pread64, fd, &c, 1, off);
    return n == 1 ? c : n == 0 ? -2 : -1;
}

static long file_size(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (long)st.st_size : -1;
}

/* The file name under dir, its size 2 pages + 100 bytes of 'a'..'z'. */
static int make_file(const char *path)
{
    static char buf[2 * PG + 100];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (char)('a' + i % 26);
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0 || write(fd, buf, sizeof(buf)) != (long)sizeof(buf)) {
        printf("create %s: -1 %s\n", path, errname(errno));
        exit(1);
    }
    return fd;
}

static void aliasing(int fd, const char *path)
{
    char *a = map(3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int fd2 = open(path, O_RDWR);
    char *b = map(3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
    fact("mapping reads the file", a[0] == 'a' && a[PG + 1] == 'a' + (PG + 1) % 26);
    a[10] = 'X';
    fact("second mapping sees the store", b[10] == 'X');
    fact("pread sees the store before msync", file_byte(fd, 10) == 'X');
    char c = 0;
    int rd = open(path, O_RDONLY);
    lseek(rd, 10, SEEK_SET);
    fact("read(2) on another fd sees it", read(rd, &c, 1) == 1 && c == 'X');
    show("pwrite", syscall(SYS_pwrite64, fd2, "YZ", 2, PG + 3));
    fact("both mappings see pwrite", a[PG + 3] == 'Y' && b[PG + 4] == 'Z');
    b[2 * PG + 50] = 'Q';
    show("msync MS_SYNC", syscall(SYS_msync, b, 3 * PG, MS_SYNC));
    fact("pread after msync", file_byte(rd, 2 * PG + 50) == 'Q');
    /* Bytes past the end in the last page are not written to the file. */
    a[2 * PG + 200] = 'E';
    show("msync MS_ASYNC", syscall(SYS_msync, a, 3 * PG, MS_ASYNC));
    show("fsync", syscall(SYS_fsync, fd));
    show("size unchanged", file_size(fd));
    fact("pread past the end reads nothing", file_byte(fd, 2 * PG + 200) == -2);
    show("msync MS_INVALIDATE", syscall(SYS_msync, a, PG, MS_INVALIDATE));
    show("munmap b", syscall(SYS_munmap, b, 3 * PG));
    fact("a still there", a[10] == 'X' && a[2 * PG + 50] == 'Q');
    show("munmap a", syscall(SYS_munmap, a, 3 * PG));
    close(fd2);
    close(rd);
}

static void unmap_reopen(int fd, const char *path)
{
    char *a = map(2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
    memcpy(a + 7, "unmapped", 8);
    memcpy(a + PG + 1, "last", 4);
    show("munmap without msync", syscall(SYS_munmap, a, 2 * PG));
    int r = open(path, O_RDONLY);
    char buf[9] = {0};
    show("pread", syscall(SYS_pread64, r, buf, 8, PG + 7));
    printf("bytes: %s\n", buf);
    memset(buf, 0, sizeof(buf));
    show("pread", syscall(SYS_pread64, r, buf, 4, 2 * PG + 1));
    printf("bytes: %s\n", buf);
    close(r);
    show("fdatasync", syscall(SYS_fdatasync, fd));
}

static void past_end(int fd)
{
    /* 2 pages + 100 bytes: page 2 holds the end, page 3 is wholly past it. */
    char *a = map(4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("read last page: %s\n", touch(a + 2 * PG + 4000, 0));
    printf("read page past the end: %s\n", touch(a + 3 * PG, 0));
    printf("write page past the end: %s\n", touch(a + 3 * PG + 8, 1));
    show("ftruncate grow", syscall(SYS_ftruncate, fd, 4 * PG));
    printf("read grown page: %s\n", touch(a + 3 * PG, 0));
    fact("grown page reads zero", a[3 * PG + 100] == 0);
    a[3 * PG + 100] = 'G';
    fact("pread sees store in grown page", file_byte(fd, 3 * PG + 100) == 'G');

    char *p = map(4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    p[3 * PG + 1] = 'P';              /* a private copy of page 3 */
    fact("private copy kept its own byte", p[3 * PG + 1] == 'P' && a[3 * PG + 1] == 0);
    show("ftruncate shrink", syscall(SYS_ftruncate, fd, PG + 10));
    show("size", file_size(fd));
    printf("shared read in new last page: %s\n", touch(a + PG + 500, 0));
    fact("new last page zero past the end", a[PG + 500] == 0 && a[PG + 9] != 0);
    printf("shared read past the new end: %s\n", touch(a + 2 * PG, 0));
    printf("shared write past the new end: %s\n", touch(a + 3 * PG, 1));
    printf("private copied page past the new end: %s\n", touch(p + 3 * PG + 1, 0));
    show("munmap", syscall(SYS_munmap, a, 4 * PG));
    show("munmap private", syscall(SYS_munmap, p, 4 * PG));
}

static void remap(int fd)
{
    show("ftruncate", syscall(SYS_ftruncate, fd, 3 * PG));
    char *a = map(PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    a[5] = 'M';
    char *b = (char *)syscall(SYS_mremap, a, PG, 4 * PG, MREMAP_MAYMOVE);
    fact("mremap", b != MAP_FAILED);
    if (b == MAP_FAILED)
        return;
    fact("moved mapping keeps the store", b[5] == 'M');
    b[2 * PG + 9] = 'R';
    fact("pread sees a store in the grown part", file_byte(fd, 2 * PG + 9) == 'R');
    printf("grown part past the end: %s\n", touch(b + 3 * PG, 0));
    show("msync", syscall(SYS_msync, b, 4 * PG, MS_SYNC));
    show("munmap", syscall(SYS_munmap, b, 4 * PG));
    fact("pread after munmap", file_byte(fd, 5) == 'M' && file_byte(fd, 2 * PG + 9) == 'R');
}

static void access_modes(const char *path)
{
    int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY), rw = open(path, O_RDWR);
    errno = 0;
    show("mmap shared write, O_RDONLY fd",
         syscall(SYS_mmap, NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) < 0 ? -1 : 0);
    show("mmap shared write, O_WRONLY fd",
         syscall(SYS_mmap, NULL, PG, PROT_WRITE, MAP_SHARED, wo, 0) < 0 ? -1 : 0);
    char *r = map(PG, PROT_READ, MAP_SHARED, ro, 0);
    show("mprotect write, O_RDONLY fd", syscall(SYS_mprotect, r, PG, PROT_READ | PROT_WRITE));
    char *q = map(PG, PROT_READ, MAP_PRIVATE, ro, 0);
    show("mprotect write, private O_RDONLY", syscall(SYS_mprotect, q, PG, PROT_READ | PROT_WRITE));
    char *w = map(PG, PROT_READ, MAP_SHARED, rw, 0);
    show("mprotect write, O_RDWR fd", syscall(SYS_mprotect, w, PG, PROT_READ | PROT_WRITE));
    w[20] = 'W';
    fact("read-only shared mapping sees it", r[20] == 'W' && file_byte(ro, 20) == 'W');
    show("mprotect read-only again", syscall(SYS_mprotect, w, PG, PROT_READ));
    printf("store after mprotect read-only: %s\n", touch(w + 21, 1));
    show("mprotect write again", syscall(SYS_mprotect, w, PG, PROT_READ | PROT_WRITE));
    w[21] = 'V';
    fact("pread sees the later store", file_byte(rw, 21) == 'V');
    syscall(SYS_munmap, r, PG);
    syscall(SYS_munmap, q, PG);
    syscall(SYS_munmap, w, PG);
    close(ro);
    close(wo);
    close(rw);
}

static void private_next_to_shared(int fd)
{
    char *s = map(2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *p = map(2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    fact("private reads the file", p[5] == 'M');
    s[100] = 'S';
    fact("untouched private page sees the shared store", p[100] == 'S');
    p[PG + 1] = '#';                  /* copies page 1 */
    s[PG + 2] = '%';
    fact("copied private page does not see later stores", p[PG + 2] != '%' && p[PG + 1] == '#');
    fact("shared mapping and file do not see private store",
         s[PG + 1] != '#' && file_byte(fd, PG + 1) != '#');
    fact("file sees the shared store", file_byte(fd, PG + 2) == '%');
    syscall(SYS_munmap, s, 2 * PG);
    syscall(SYS_munmap, p, 2 * PG);
}

static void msync_errors(void)
{
    char *anon = map(2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    show("msync unaligned", syscall(SYS_msync, anon + 1, PG, MS_SYNC));
    show("msync bad flags", syscall(SYS_msync, anon, PG, 8));
    show("msync ASYNC|SYNC", syscall(SYS_msync, anon, PG, MS_ASYNC | MS_SYNC));
    show("msync anonymous", syscall(SYS_msync, anon, 2 * PG, MS_SYNC));
    show("msync length 0", syscall(SYS_msync, anon, 0, MS_SYNC));
    syscall(SYS_munmap, anon + PG, PG);
    show("msync over a hole", syscall(SYS_msync, anon, 2 * PG, MS_SYNC));
    show("msync ASYNC over a hole", syscall(SYS_msync, anon, 2 * PG, MS_ASYNC));
    syscall(SYS_munmap, anon, PG);
}

static void run(const char *dir)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/mapshared-%d.dat", dir, (int)getpid());
    printf("== %s\n", dir[0] == '.' ? "cwd" : dir);
    int fd = make_file(path);
    aliasing(fd, path);
    unmap_reopen(fd, path);
    past_end(fd);
    remap(fd);
    access_modes(path);
    private_next_to_shared(fd);
    close(fd);
    show("unlink", unlink(path));
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_bus;
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    run(".");
    run("/tmp");
    msync_errors();
    return 0;
}
