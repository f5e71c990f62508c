/*
 * sparse.c - sparse tmpfs files, under /dev/shm (tmpfs natively and under
 * solo): a byte written at 4 GiB (size, st_blocks of one page, zeros read
 * from the hole), SEEK_DATA/SEEK_HOLE over written pages, holes and the
 * partial last page (ENXIO at and past the end), ftruncate shrinking
 * (pages freed, the last page's tail zeroed) and growing, fallocate mode 0
 * and KEEP_SIZE (pages counted in st_blocks, still holes for SEEK_DATA, as
 * Linux's tmpfs), PUNCH_HOLE|KEEP_SIZE (zeros read back, pages freed,
 * partial pages zeroed), a shared mapping over holes (stores seen by pread,
 * data after msync, punched pages reading zeros), and fallocate's errors (EBADF, EINVAL, EOPNOTSUPP
 * for ZERO_RANGE, punching without KEEP_SIZE, punch with zero range and
 * unknown modes, ESPIPE on a pipe, ENODEV on /dev/null, EFBIG past the
 * largest offset; mixes such as collapse|KEEP_SIZE are left out: Linux
 * before 6.13 answered EINVAL).  Pages are 4 KiB on both sides.
 */
// covers: lseek fallocate
#define _GNU_SOURCE
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10      /* not in musl's headers */
#endif

#define PG 4096L
#define GIB4 (1L << 32)

static int fd;

static long seek(long off, int whence)
{
    return syscall(SYS_lseek, fd, off, whence);
}

static long falloc(int f, int mode, long off, long len)
{
    return syscall(SYS_fallocate, f, mode, off, len);
}

static void stats(const char *what)
{
    struct stat st;
    fstat(fd, &st);
    printf("%s: size=%lld blocks=%lld\n", what, (long long)st.st_size, (long long)st.st_blocks);
}

/* Whether bytes [off, off+n) read back all as c. */
static int all(long off, long n, char c)
{
    static char buf[4 * PG];
    if (n > (long)sizeof(buf) || pread(fd, buf, n, off) != n)
        return 0;
    for (long i = 0; i < n; i++)
        if (buf[i] != c)
            return 0;
    return 1;
}

static void fill(long off, long n, char c)
{
    static char buf[4 * PG];
    memset(buf, c, n);
    if (pwrite(fd, buf, n, off) != n)
        printf("pwrite at %ld failed: %s\n", off, errname(errno));
}

static void big_hole(void)
{
    show("pwrite at 4 GiB", pwrite(fd, "x", 1, GIB4));
    stats("after");
    printf("zeros at 0: %d, at 2 GiB: %d\n", all(0, 4 * PG, 0), all(1L << 31, PG, 0));
    char b[4] = "";
    show("pread around 4 GiB", pread(fd, b, 4, GIB4 - 2));
    printf("bytes: %d %d %d\n", b[0], b[1], b[2]);
    show("SEEK_DATA 0", seek(0, SEEK_DATA));
    show("SEEK_HOLE 0", seek(0, SEEK_HOLE));
    show("SEEK_HOLE 4 GiB", seek(GIB4, SEEK_HOLE));
    show("SEEK_DATA 4 GiB", seek(GIB4, SEEK_DATA));
    show("SEEK_DATA at the end", seek(GIB4 + 1, SEEK_DATA));
    show("SEEK_HOLE at the end", seek(GIB4 + 1, SEEK_HOLE));
    show("SEEK_DATA -1", seek(-1, SEEK_DATA));
    show("offset after SEEK_DATA", seek(0, SEEK_CUR));
    show("ftruncate 0", ftruncate(fd, 0));
    stats("truncated");
}

static void holes_and_truncate(void)
{
    fill(0, PG, 'a');                  /* page 0 data, 1 hole, 2-3 data */
    fill(2 * PG, 2 * PG, 'c');
    stats("pages 0, 2, 3");
    show("SEEK_HOLE 10", seek(10, SEEK_HOLE));
    show("SEEK_DATA 10", seek(10, SEEK_DATA));
    show("SEEK_DATA in the hole", seek(PG + 5, SEEK_DATA));
    show("SEEK_HOLE in the hole", seek(PG + 5, SEEK_HOLE));
    show("SEEK_HOLE in page 2", seek(2 * PG + 7, SEEK_HOLE));
    show("ftruncate to page 2 + 10", ftruncate(fd, 2 * PG + 10));
    stats("shrunk");
    show("SEEK_HOLE in page 2", seek(2 * PG + 7, SEEK_HOLE));
    show("ftruncate to 5 pages", ftruncate(fd, 5 * PG));
    stats("grown");
    printf("page 2 kept 10 bytes: %d, rest zero: %d, page 3 zero: %d\n", all(2 * PG, 10, 'c'),
           all(2 * PG + 10, PG - 10, 0), all(3 * PG, PG, 0));
    show("SEEK_DATA page 3", seek(3 * PG, SEEK_DATA));
}

static void allocate_and_punch(void)
{
    /* the file: 5 pages, 0 and 2 written */
    show("fallocate 0 pages 5-6", falloc(fd, 0, 5 * PG, 2 * PG));
    stats("allocated");
    show("SEEK_DATA page 3", seek(3 * PG, SEEK_DATA));
    show("fallocate KEEP_SIZE 2 pages past the end", falloc(fd, FALLOC_FL_KEEP_SIZE, 7 * PG, 2 * PG));
    stats("kept size");
    show("fallocate over written pages", falloc(fd, 0, 0, 3 * PG));
    stats("no change");
    printf("page 0 intact: %d\n", all(0, PG, 'a'));
    fill(PG, 2 * PG, 'b');             /* pages 1 and 2 */
    show("punch inside page 1", falloc(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PG + 100, 200));
    printf("zeros: %d, around: %d %d\n", all(PG + 100, 200, 0), all(PG, 100, 'b'), all(PG + 300, PG - 300, 'b'));
    stats("same blocks");
    show("punch pages 0-1 and half of 2", falloc(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 2 * PG + PG / 2));
    stats("punched");
    printf("zeros: %d, rest of page 2: %d\n", all(0, 2 * PG + PG / 2, 0), all(2 * PG + PG / 2, PG / 2, 'b'));
    show("SEEK_DATA 0", seek(0, SEEK_DATA));
    show("SEEK_HOLE page 2", seek(2 * PG, SEEK_HOLE));
    show("punch past the end", falloc(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 0x7fffffffffffffffL));
    stats("all punched");
    show("SEEK_DATA 0", seek(0, SEEK_DATA));
    show("SEEK_HOLE 0", seek(0, SEEK_HOLE));
    show("write after punch", pwrite(fd, "z", 1, 3 * PG + 1));
    show("SEEK_DATA 0", seek(0, SEEK_DATA));
    show("SEEK_HOLE page 3", seek(3 * PG, SEEK_HOLE));
    stats("one page");
}

/* A shared mapping over holes: a store is read back by pread at once and
 * is data after msync; punching the page makes the mapping read zeros. */
static void mapped(void)
{
    show("ftruncate 0", ftruncate(fd, 0));
    show("ftruncate 4 pages", ftruncate(fd, 4 * PG));
    char *m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        printf("mmap: %s\n", errname(errno));
        return;
    }
    printf("mapped hole reads zero: %d\n", m[PG + 5] == 0);   /* (Linux allocates the page) */
    m[PG + 5] = 'm';
    char c = 0;
    show("pread the stored byte", pread(fd, &c, 1, PG + 5));
    printf("byte: %c\n", c);
    show("msync", msync(m, 4 * PG, MS_SYNC));
    show("SEEK_DATA 0", seek(0, SEEK_DATA));
    show("SEEK_HOLE page 1", seek(PG, SEEK_HOLE));
    m[2 * PG + 1] = 'n';               /* dirty, not synced: punched away */
    show("punch pages 1-2", falloc(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PG, 2 * PG));
    show("pread after punch", pread(fd, &c, 1, PG + 5));
    printf("byte: %d\n", c);
    show("msync", msync(m, 4 * PG, MS_SYNC));
    show("SEEK_DATA 0", seek(0, SEEK_DATA));
    /* (Linux allocates a page on a read fault of a hole: SEEK_DATA after
     * reading through the mapping would differ) */
    printf("mapping reads zeros: %d %d\n", m[PG + 5] == 0, m[2 * PG + 1] == 0);
    m[3 * PG + 2] = 'o';
    show("msync", msync(m, 4 * PG, MS_SYNC));
    show("SEEK_DATA page 3", seek(3 * PG, SEEK_DATA));
    show("SEEK_HOLE page 3", seek(3 * PG, SEEK_HOLE));
    munmap(m, 4 * PG);
}

static void errors(void)
{
    int p[2], ro = open("/dev/shm", O_RDONLY | O_DIRECTORY);
    show("lseek bad whence", seek(0, 5));
    show("fallocate bad fd", falloc(-1, 0, 0, 1));
    show("fallocate len 0", falloc(fd, 0, 0, 0));
    show("fallocate off -1", falloc(fd, 0, -1, 1));
    show("fallocate ZERO_RANGE", falloc(fd, FALLOC_FL_ZERO_RANGE, 0, 1));
    show("fallocate punch without KEEP_SIZE", falloc(fd, FALLOC_FL_PUNCH_HOLE, 0, 1));
    show("fallocate punch + zero range", falloc(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, 1));
    show("fallocate unknown mode", falloc(fd, 0x1000, 0, 1));
    show("fallocate past the largest offset", falloc(fd, 0, 0x7fffffffffffff00L, 0x1000));
    show("fallocate directory", falloc(ro, 0, 0, 1));
    int rd = open("/dev/null", O_RDWR);
    show("fallocate /dev/null", falloc(rd, 0, 0, 1));
    if (pipe(p) == 0)
        show("fallocate pipe", falloc(p[1], 0, 0, 1));
    close(rd);
    close(ro);
}

int main(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/dev/shm/solo-sparse-%d", (int)getpid());
    fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    if (fd < 0) {
        printf("open: %s\n", errname(errno));
        return 1;
    }
    unlink(path);                      /* nothing left behind on the host */
    big_hole();
    holes_and_truncate();
    allocate_and_punch();
    mapped();
    errors();
    int ro;
    char p2[80];
    snprintf(p2, sizeof(p2), "/dev/shm/solo-sparse-ro-%d", (int)getpid());
    ro = open(p2, O_CREAT | O_RDONLY, 0600);
    unlink(p2);
    show("fallocate read-only fd", falloc(ro, 0, 0, 1));
    close(ro);
    close(fd);
    return 0;
}
