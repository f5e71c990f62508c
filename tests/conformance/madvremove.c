/*
 * madvremove.c - madvise(MADV_REMOVE): on a shared mapping of a memfd (a
 * tmpfs file) it punches a hole (the pages read zero through every mapping
 * and read(2), the size stays, SEEK_HOLE/SEEK_DATA and st_blocks see the
 * hole); shared anonymous memory reads zero again; the errors: private
 * mappings (EACCES for files, EINVAL for anonymous memory), a shared
 * mapping through a read-only descriptor (EACCES), unmapped ranges (ENOMEM,
 * after the mapped part is done) and unaligned addresses (EINVAL).
 */
// covers: madvise memfd_create mmap pread64 lseek fstat
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PG 4096L

static long blocks(int fd)
{
    struct stat st;
    if (syscall(SYS_fstat, fd, &st) < 0)
        return -1;
    return (long)st.st_blocks;
}

static long size_of(int fd)
{
    struct stat st;
    if (syscall(SYS_fstat, fd, &st) < 0)
        return -1;
    return (long)st.st_size;
}

/* A memfd of n pages, page i filled with 'A' + i. */
static int filled_memfd(int n)
{
    int fd = (int)syscall(SYS_memfd_create, "madv", 0);
    char page[PG];
    for (int i = 0; i < n; i++) {
        memset(page, 'A' + i, sizeof(page));
        syscall(SYS_pwrite64, fd, page, sizeof(page), (long)i * PG);
    }
    return fd;
}

/* The first byte of each page as the file reads it ('0' for a zero byte). */
static void show_file(const char *what, int fd, int n)
{
    printf("%s:", what);
    for (int i = 0; i < n; i++) {
        char c = '?';
        syscall(SYS_pread64, fd, &c, 1L, (long)i * PG + 100);
        printf(" %c", c == 0 ? '0' : c);
    }
    printf("\n");
}

static void show_map(const char *what, const char *p, int n)
{
    printf("%s:", what);
    for (int i = 0; i < n; i++)
        printf(" %c", p[i * PG + 100] == 0 ? '0' : p[i * PG + 100]);
    printf("\n");
}

static void test_hole(void)
{
    int fd = filled_memfd(4);
    char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *q = mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, fd, 0);
    show_map("before (second mapping)", q, 4);
    long b0 = blocks(fd);
    printf("blocks before: %ld\n", b0);
    show("madvise remove pages 1-2", syscall(SYS_madvise, p + PG, 2 * PG, MADV_REMOVE));
    /* looked at before any mapping touches the hole: a fault there fills it
     * again (Linux allocates the page, even to read) */
    show_file("read", fd, 4);
    show("size", size_of(fd));
    printf("blocks after: %ld (freed %ld)\n", blocks(fd), b0 - blocks(fd));
    show("SEEK_HOLE from 0", syscall(SYS_lseek, fd, 0L, SEEK_HOLE));
    show("SEEK_DATA from page 1", syscall(SYS_lseek, fd, PG, SEEK_DATA));
    show("SEEK_HOLE from page 3", syscall(SYS_lseek, fd, 3 * PG, SEEK_HOLE));
    show_map("mapping", p, 4);
    show_map("second mapping", q, 4);
    /* the hole fills again when written */
    p[PG + 100] = 'x';
    show_file("after a store", fd, 4);
    /* an unaligned length covers the last partial page */
    show("madvise remove length PG+1", syscall(SYS_madvise, p, PG + 1, MADV_REMOVE));
    show_file("read", fd, 4);
    show_map("mapping", p, 4);
    /* the whole file */
    show("madvise remove all", syscall(SYS_madvise, p, 4 * PG, MADV_REMOVE));
    show("SEEK_DATA from 0 (all holes)", syscall(SYS_lseek, fd, 0L, SEEK_DATA));
    show("blocks at the end", blocks(fd));
    show("size at the end", size_of(fd));
    munmap(p, 4 * PG);
    munmap(q, 4 * PG);
    close(fd);
}

static void test_offset(void)
{
    int fd = filled_memfd(4);
    char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * PG);
    show("madvise remove at file offset 2 pages", syscall(SYS_madvise, p, PG, MADV_REMOVE));
    show_file("read", fd, 4);
    /* read-only protection, but a writable descriptor: allowed */
    char *r = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
    show("madvise remove PROT_READ shared (fd O_RDWR)", syscall(SYS_madvise, r, PG, MADV_REMOVE));
    show_file("read", fd, 4);
    /* the mapped part is done before the hole after it is reported */
    munmap(p + PG, PG);
    show("madvise remove over an unmapped tail", syscall(SYS_madvise, p, 2 * PG, MADV_REMOVE));
    show_file("read", fd, 4);
    munmap(p, PG);
    munmap(r, PG);
    close(fd);
}

static void test_errors(void)
{
    int fd = filled_memfd(2);
    char *priv = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    show("madvise remove private file mapping", syscall(SYS_madvise, priv, PG, MADV_REMOVE));
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    int ro = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
    char *rom = ro < 0 ? MAP_FAILED : mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
    fact("read-only descriptor mapped", rom != MAP_FAILED);
    if (rom != MAP_FAILED)
        show("madvise remove shared through O_RDONLY", syscall(SYS_madvise, rom, PG, MADV_REMOVE));
    show_file("file untouched", fd, 2);
    char *anon = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    anon[0] = 1;
    show("madvise remove private anonymous", syscall(SYS_madvise, anon, PG, MADV_REMOVE));
    fact("private anonymous kept", anon[0] == 1);
    char *sh = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    sh[0] = 'S';
    sh[PG] = 'T';
    show("madvise remove shared anonymous", syscall(SYS_madvise, sh, PG, MADV_REMOVE));
    printf("shared anonymous: %d %c\n", sh[0], sh[PG]);
    show("madvise remove unaligned", syscall(SYS_madvise, sh + 1, PG, MADV_REMOVE));
    munmap(sh, 2 * PG);
    show("madvise remove unmapped", syscall(SYS_madvise, sh, PG, MADV_REMOVE));
    show("madvise remove length 0", syscall(SYS_madvise, sh, 0L, MADV_REMOVE));
    munmap(priv, PG);
    munmap(anon, PG);
    if (rom != MAP_FAILED)
        munmap(rom, PG);
    close(ro);
    close(fd);
}

int main(void)
{
    test_hole();
    test_offset();
    test_errors();
    return 0;
}
