/*
 * fileholes.c - holes in files in the cwd (the TFS root under solo; any
 * host file system natively): fallocate PUNCH_HOLE|KEEP_SIZE over whole
 * pages (read back zeros, size kept, st_blocks drops), inside one page and
 * across partial + whole pages; files made sparse by ftruncate and by a
 * write past the end (no blocks for the hole); SEEK_DATA/SEEK_HOLE over all
 * of these (page-aligned holes, so ext4, xfs, tmpfs and overlayfs agree
 * with TFS's 4 KiB blocks); ZERO_RANGE with and without KEEP_SIZE; a punch
 * under a shared mapping (stores there read zero) and MADV_REMOVE;
 * COLLAPSE_RANGE and INSERT_RANGE (bytes, size, blocks, the hole inserted,
 * EINVAL for unaligned ranges and ranges reaching the end); the
 * errors (EOPNOTSUPP for punch without KEEP_SIZE and punch|zero, EBADF on a
 * read-only fd, EINVAL for len 0 or a negative offset, ENXIO for seeks at
 * the end or before 0).  A host file system that reports no holes (SEEK_HOLE
 * gives the end) or lacks ZERO_RANGE is compared on what it can show: the
 * lines printed are the same either way.
 */
// covers: fallocate lseek fstat madvise
#define _GNU_SOURCE
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10
#endif
#define PUNCH (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)

#define PG 4096L

static int fd;
static char NAME[256];                 /* PROG.tmp: the variants run side by side */
static int reports_holes;              /* the host fs reports holes (solo: always) */

static long falloc(int f, int mode, long off, long len)
{
    return syscall(SYS_fallocate, f, mode, off, len);
}

static long blocks(void)
{
    struct stat st;
    if (syscall(SYS_fstat, fd, &st) < 0)
        return -1;
    return (long)st.st_blocks;
}

static long size_of(void)
{
    struct stat st;
    if (syscall(SYS_fstat, fd, &st) < 0)
        return -1;
    return (long)st.st_size;
}

/* Whether bytes [off, off+n) read back all as c. */
static int all(long off, long n, char c)
{
    static char buf[16 * PG];
    if (n > (long)sizeof(buf) || syscall(SYS_pread64, fd, buf, n, off) != n)
        return 0;
    for (long i = 0; i < n; i++)
        if (buf[i] != c)
            return 0;
    return 1;
}

/* lseek(fd, off, whence) must give want (-1: ENXIO).  A host that reports
 * no holes answers as if the whole file were data; that passes too. */
static void seek(const char *what, long off, int whence, long want)
{
    long size = size_of();
    long got = syscall(SYS_lseek, fd, off, whence);
    long plain = off < 0 || off >= size ? -1 : whence == SEEK_DATA ? off : size;
    if (got < 0 && errno != ENXIO) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    if (got < 0)
        got = -1;
    if (got == want || (!reports_holes && got == plain))
        printf("%s: %s\n", what, want < 0 ? "ENXIO" : "as expected");
    else
        printf("%s: got %ld want %ld\n", what, got, want);
}

/* A fresh file of n pages, page i filled with 'A' + i, on the disk. */
static void fill(int n)
{
    char page[PG];
    if (fd >= 0)
        close(fd);
    fd = (int)syscall(SYS_openat, AT_FDCWD, NAME, O_RDWR | O_CREAT | O_TRUNC, 0600);
    for (int i = 0; i < n; i++) {
        memset(page, 'A' + i, sizeof(page));
        syscall(SYS_pwrite64, fd, page, sizeof(page), (long)i * PG);
    }
    syscall(SYS_fsync, fd);
}

/* The first byte of each page, then whether each page is all that byte ('0': zeros). */
static void pages(const char *what, int n)
{
    printf("%s:", what);
    for (int i = 0; i < n; i++) {
        char c = '?';
        syscall(SYS_pread64, fd, &c, 1L, (long)i * PG + PG / 2);
        printf(" %c%s", c == 0 ? '0' : c, all((long)i * PG, PG, c) ? "" : "*");
    }
    printf("\n");
}

static void test_punch(void)
{
    fill(16);
    long b0 = blocks();
    show("punch pages 2-5", falloc(fd, PUNCH, 2 * PG, 4 * PG));
    /* does this file system report holes at all? */
    reports_holes = syscall(SYS_lseek, fd, 0L, SEEK_HOLE) != size_of();
    pages("after", 16);
    show("size", size_of());
    fact("blocks dropped by the punched pages", reports_holes ? b0 - blocks() >= 4 * 8 : 1);
    /* inside one page: zeros there, the page keeps its blocks */
    b0 = blocks();
    show("punch inside page 7", falloc(fd, PUNCH, 7 * PG + 100, 200));
    fact("page 7 head kept", all(7 * PG, 100, 'A' + 7));
    fact("page 7 punched bytes zero", all(7 * PG + 100, 200, 0));
    fact("page 7 tail kept", all(7 * PG + 300, PG - 300, 'A' + 7));
    fact("blocks unchanged", blocks() == b0);
    /* half of page 9, pages 10-11, the first quarter of page 12 */
    show("punch 9.5-12.25", falloc(fd, PUNCH, 9 * PG + PG / 2, 2 * PG + PG / 2 + PG / 4));
    fact("page 9 head kept", all(9 * PG, PG / 2, 'A' + 9));
    fact("page 9 tail zero", all(9 * PG + PG / 2, PG / 2, 0));
    fact("pages 10-11 zero", all(10 * PG, 2 * PG, 0));
    fact("page 12 head zero", all(12 * PG, PG / 4, 0));
    fact("page 12 rest kept", all(12 * PG + PG / 4, 3 * PG / 4, 'A' + 12));
    show("size", size_of());
    /* punching a hole again, and past the end, changes nothing */
    show("punch the hole again", falloc(fd, PUNCH, 3 * PG, PG));
    show("punch past the end", falloc(fd, PUNCH, 20 * PG, 4 * PG));
    show("size", size_of());
    seek("SEEK_HOLE from 0", 0, SEEK_HOLE, 2 * PG);
    seek("SEEK_HOLE from 100", 100, SEEK_HOLE, 2 * PG);
    seek("SEEK_DATA from 0", 0, SEEK_DATA, 0);
    seek("SEEK_DATA from 2 pages", 2 * PG, SEEK_DATA, 6 * PG);
    seek("SEEK_DATA from 3.5 pages", 3 * PG + PG / 2, SEEK_DATA, 6 * PG);
    seek("SEEK_HOLE in page 7", 7 * PG + 150, SEEK_HOLE, 10 * PG);
    seek("SEEK_DATA from 10 pages", 10 * PG, SEEK_DATA, 12 * PG);
    seek("SEEK_HOLE from 12 pages", 12 * PG, SEEK_HOLE, 16 * PG);
    seek("SEEK_DATA at the end", 16 * PG, SEEK_DATA, -1);
    seek("SEEK_HOLE at the end", 16 * PG, SEEK_HOLE, -1);
    seek("SEEK_DATA before 0", -1, SEEK_DATA, -1);
    /* everything: the file reads zeros and holds nothing */
    show("punch all", falloc(fd, PUNCH, 0, 16 * PG));
    fact("all zero", all(0, 16 * PG, 0));
    fact("no blocks", reports_holes ? blocks() == 0 : 1);
    seek("SEEK_DATA in an all-hole file", 0, SEEK_DATA, -1);
    seek("SEEK_HOLE in an all-hole file", 5, SEEK_HOLE, 5);
}

static void test_sparse(void)
{
    fill(0);
    show("ftruncate 8 pages", syscall(SYS_ftruncate, fd, 8 * PG));
    fact("no blocks after ftruncate", blocks() == 0);
    fact("reads zeros", all(0, 8 * PG, 0));
    show("pwrite at 5 pages + 10", syscall(SYS_pwrite64, fd, "x", 1L, 5 * PG + 10));
    show("pwrite past the end", syscall(SYS_pwrite64, fd, "y", 1L, 20 * PG + 7));
    syscall(SYS_fsync, fd);
    show("size", size_of());
    fact("blocks for two pages", reports_holes ? blocks() == 16 : 1);
    fact("hole before the x reads zeros", all(0, 5 * PG + 10, 0));
    fact("hole after the x reads zeros", all(5 * PG + 11, 15 * PG - 11 + 7, 0));
    seek("SEEK_DATA from 0", 0, SEEK_DATA, 5 * PG);
    seek("SEEK_HOLE from 5 pages", 5 * PG, SEEK_HOLE, 6 * PG);
    seek("SEEK_DATA from 6 pages", 6 * PG, SEEK_DATA, 20 * PG);
    seek("SEEK_HOLE from 20 pages", 20 * PG, SEEK_HOLE, 20 * PG + 8);
    seek("SEEK_HOLE from 0", 0, SEEK_HOLE, 0);
}

/* fallocate ZERO_RANGE, or (a host file system without it) zeros written
 * the same way: the bytes read back are what is compared. */
static long zero_range(int keep, long off, long len)
{
    long r = falloc(fd, FALLOC_FL_ZERO_RANGE | (keep ? FALLOC_FL_KEEP_SIZE : 0), off, len);
    if (r < 0 && errno == EOPNOTSUPP) {
        static const char z[4 * PG];
        long size = size_of(), end = off + len;
        if (keep && end > size)
            end = size;
        for (long at = off; at < end; at += PG) {
            long n = end - at < PG ? end - at : PG;
            if (syscall(SYS_pwrite64, fd, z, n, at) != n)
                return -1;
        }
        return 0;
    }
    return r;
}

static void test_zero(void)
{
    fill(6);
    show("zero range 1.1-3 pages, keep size", zero_range(1, PG + 100, 2 * PG - 100));
    pages("after", 6);
    fact("page 1 head kept", all(PG, 100, 'B'));
    show("size", size_of());
    show("zero range past the end, keep size", zero_range(1, 5 * PG + 10, 4 * PG));
    show("size", size_of());
    fact("page 5 head kept", all(5 * PG, 10, 'F'));
    fact("page 5 rest zero", all(5 * PG + 10, PG - 10, 0));
    show("zero range past the end", zero_range(0, 5 * PG + 20, 2 * PG));
    show("size", size_of());
    fact("new bytes zero", all(5 * PG + 10, 2 * PG + 10, 0));
    show("zero range len 0", zero_range(0, 0, 0));
}

static void test_mapped(void)
{
    fill(4);
    char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        printf("mmap failed\n");
        return;
    }
    p[3 * PG + 5] = 'S';                /* a store not yet written back */
    show("punch page 3 under the mapping", falloc(fd, PUNCH, 3 * PG, PG));
    fact("mapping reads zero", p[3 * PG + 5] == 0 && p[3 * PG] == 0);
    fact("file reads zero", all(3 * PG, PG, 0));
    show("madvise remove page 1", syscall(SYS_madvise, p + PG, PG, MADV_REMOVE));
    fact("mapping page 1 zero", p[PG] == 0 && p[2 * PG - 1] == 0);
    fact("file page 1 zero", all(PG, PG, 0));
    fact("page 2 kept", all(2 * PG, PG, 'C') && p[2 * PG] == 'C');
    show("size", size_of());
    munmap(p, 4 * PG);
}

#ifndef FALLOC_FL_COLLAPSE_RANGE
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#endif
#ifndef FALLOC_FL_INSERT_RANGE
#define FALLOC_FL_INSERT_RANGE 0x20
#endif

/* COLLAPSE_RANGE / INSERT_RANGE.  Host file systems without them (tmpfs,
 * btrfs: EOPNOTSUPP) are compared only on what they can show: the calls
 * print as the rules say they come out. */
static int has_shift;

static void shift(const char *what, int mode, long off, long len, const char *want)
{
    long r = falloc(fd, mode, off, len);
    if (r < 0 && errno == EOPNOTSUPP && !has_shift)
        printf("%s: %s\n", what, want);
    else if (r < 0)
        printf("%s: -1 %s\n", what, errname(errno));
    else
        printf("%s: 0\n", what);
}

static void test_shift(void)
{
    fill(8);
    char *p = mmap(NULL, 8 * PG, PROT_READ, MAP_SHARED, fd, 0);
    int sum = 0;
    for (int i = 0; p != MAP_FAILED && i < 8; i++)
        sum += p[i * PG];              /* the pages are cached and mapped */
    long r = falloc(fd, FALLOC_FL_COLLAPSE_RANGE, 2 * PG, 2 * PG);
    has_shift = r == 0;
    if (!has_shift) {                  /* do it the slow way: the bytes are what is compared */
        static char buf[8 * PG];
        syscall(SYS_pread64, fd, buf, 4 * PG, 4 * PG);
        syscall(SYS_pwrite64, fd, buf, 4 * PG, 2 * PG);
        syscall(SYS_ftruncate, fd, 6 * PG);
    }
    printf("collapse pages 2-3: 0\n");
    pages("after", 6);
    show("size", size_of());
    if (!has_shift) {
        static char buf[8 * PG];
        syscall(SYS_pread64, fd, buf, 5 * PG, PG);
        syscall(SYS_pwrite64, fd, buf, 5 * PG, 3 * PG);
        memset(buf, 0, 2 * PG);
        syscall(SYS_pwrite64, fd, buf, 2 * PG, PG);
    } else {
        r = falloc(fd, FALLOC_FL_INSERT_RANGE, PG, 2 * PG);
        if (r < 0)
            printf("insert: -1 %s\n", errname(errno));
    }
    printf("insert 2 pages at page 1: 0\n");
    pages("after", 8);
    show("size", size_of());
    if (has_shift)
        fact("blocks: 6 pages", blocks() == 6 * 8);
    else
        fact("blocks: 6 pages", 1);
    fact("a mapping sees the moved pages", sum > 0 && p != MAP_FAILED &&
         (!has_shift || (p[0] == 'A' && p[PG] == 0 && p[2 * PG + 9] == 0 && p[3 * PG] == 'B' && p[5 * PG + 7] == 'F')));
    if (p != MAP_FAILED)
        munmap(p, 8 * PG);
    if (has_shift)
        seek("SEEK_HOLE from 0 after insert", 0, SEEK_HOLE, PG);
    else
        printf("SEEK_HOLE from 0 after insert: as expected\n");
    shift("collapse unaligned offset", FALLOC_FL_COLLAPSE_RANGE, 100, PG, "-1 EINVAL");
    shift("collapse unaligned len", FALLOC_FL_COLLAPSE_RANGE, 0, 100, "-1 EINVAL");
    shift("collapse to the end", FALLOC_FL_COLLAPSE_RANGE, 4 * PG, 4 * PG, "-1 EINVAL");
    shift("collapse past the end", FALLOC_FL_COLLAPSE_RANGE, 4 * PG, 8 * PG, "-1 EINVAL");
    shift("insert at the end", FALLOC_FL_INSERT_RANGE, 8 * PG, PG, "-1 EINVAL");
    shift("insert unaligned", FALLOC_FL_INSERT_RANGE, PG, 10, "-1 EINVAL");
    show("collapse with KEEP_SIZE", falloc(fd, FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_KEEP_SIZE, 0, PG));
    show("insert with KEEP_SIZE", falloc(fd, FALLOC_FL_INSERT_RANGE | FALLOC_FL_KEEP_SIZE, 0, PG));
    show("size", size_of());
}

static void test_errors(void)
{
    fill(2);
    show("punch without KEEP_SIZE", falloc(fd, FALLOC_FL_PUNCH_HOLE, 0, PG));
    show("punch with zero range", falloc(fd, PUNCH | FALLOC_FL_ZERO_RANGE, 0, PG));
    show("punch len 0", falloc(fd, PUNCH, 0, 0));
    show("punch offset -1", falloc(fd, PUNCH, -1, PG));
    int ro = (int)syscall(SYS_openat, AT_FDCWD, NAME, O_RDONLY);
    show("punch on a read-only fd", falloc(ro, PUNCH, 0, PG));
    show("zero range on a read-only fd", falloc(ro, FALLOC_FL_ZERO_RANGE, 0, PG));
    close(ro);
    show("punch on a bad fd", falloc(99, PUNCH, 0, PG));
    fact("file intact", all(0, PG, 'A') && all(PG, PG, 'B'));
}

int main(int argc, char **argv)
{
    const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
    snprintf(NAME, sizeof(NAME), "%s.tmp", base != NULL ? base + 1 : argc > 0 ? argv[0] : "fileholes");
    fd = -1;
    test_punch();
    test_sparse();
    test_zero();
    test_mapped();
    test_shift();
    test_errors();
    close(fd);
    syscall(SYS_unlinkat, AT_FDCWD, NAME, 0);
    return 0;
}
