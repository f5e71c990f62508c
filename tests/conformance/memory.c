/*
 * memory.c - the address space: brk, anonymous and file mmap, MAP_FIXED,
 * munmap, mprotect (checked through EFAULT from read into a read-only
 * page), madvise(MADV_DONTNEED) and the error paths of each.
 */
// covers: brk mmap munmap mprotect madvise read
#include "common.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>

#define PG 4096UL

static long raw_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
    return syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

static void test_brk(void)
{
    uintptr_t cur = syscall(SYS_brk, 0);
    fact("brk(0) nonzero", cur != 0);
    uintptr_t want = cur + 128 * 1024;
    uintptr_t got = syscall(SYS_brk, want);
    fact("brk grows to the request", got == want);
    unsigned char *p = (unsigned char *)cur;
    fact("new brk memory is zero", all_zero(p + (PG - cur % PG) % PG, 64 * 1024));
    memset(p, 0x5a, want - cur);
    long sum = 0;
    for (uintptr_t i = 0; i < want - cur; i++)
        sum += p[i];
    show("brk area sum", sum);
    fact("brk shrinks back", (uintptr_t)syscall(SYS_brk, cur) == cur);
    fact("brk(1) returns the current break", (uintptr_t)syscall(SYS_brk, 1) == cur);
}

static void test_mmap_anon(void)
{
    size_t len = 1 << 20;
    long r = raw_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    show_ok("mmap anon 1M", r);
    unsigned char *p = (unsigned char *)r;
    fact("mmap page aligned", r % PG == 0);
    fact("mmap anon zero filled", all_zero(p, len));
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(i * 7);
    long sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    show("mmap anon sum", sum);
    long f = raw_mmap(p + 2 * PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    fact("MAP_FIXED at the requested address", f == (long)(p + 2 * PG));
    fact("MAP_FIXED replaced pages are zero", all_zero(p + 2 * PG, 2 * PG));
    fact("neighbour page kept", p[PG] == (unsigned char)(PG * 7) && p[4 * PG + 1] == (unsigned char)((4 * PG + 1) * 7));
    show("munmap middle page", syscall(SYS_munmap, p + 8 * PG, PG));
    show("munmap rest", syscall(SYS_munmap, p, len));
    show("munmap again (unmapped is fine)", syscall(SYS_munmap, p, len));
    show("munmap unaligned", syscall(SYS_munmap, p + 1, PG));
    show("munmap zero length", syscall(SYS_munmap, p, 0));
    long big = raw_mmap(NULL, 64UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    show_ok("mmap anon 64M", big);
    for (size_t i = 0; i < (64UL << 20); i += 1 << 20)
        ((unsigned char *)big)[i] = 1;
    show("munmap 64M", syscall(SYS_munmap, big, 64UL << 20));
}

static void test_mmap_errors(void)
{
    show("mmap zero length", raw_mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    show("mmap neither private nor shared", raw_mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0));
    show("mmap fixed unaligned", raw_mmap((void *)0x10000001, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    show("mmap bad fd", raw_mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 99, 0));
    show("mmap unaligned offset", raw_mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 0, 123));
}

static void test_mmap_file(void)
{
    int fd = open("data/numbers.txt", O_RDONLY);
    long r = raw_mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
    show_ok("mmap file", r);
    const char *p = (const char *)r;
    char head[9];
    for (int i = 0; i < 8; i++)
        head[i] = p[i] == '\n' ? ',' : p[i];
    head[8] = '\0';
    printf("file map starts: %s\n", head);
    fact("file map matches read at 4096", p[4096] == '1' || p[4096] == '\n' || (p[4096] >= '0' && p[4096] <= '9'));
    char buf[16];
    pread(fd, buf, 10, 5000);
    fact("file map equals pread at 5000", memcmp(buf, p + 5000, 10) == 0);
    long r2 = raw_mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PG);
    show_ok("mmap file at offset, writable private", r2);
    char *q = (char *)r2;
    fact("offset map equals pread", (pread(fd, buf, 10, PG), memcmp(buf, q, 10) == 0));
    q[0] = '#';
    pread(fd, buf, 1, PG);
    fact("private write does not reach the file", buf[0] != '#');
    syscall(SYS_munmap, r, 3 * PG);
    syscall(SYS_munmap, r2, PG);
    close(fd);
}

static void test_mprotect(void)
{
    unsigned char *p = (unsigned char *)raw_mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 42;
    show("mprotect read-only", syscall(SYS_mprotect, p, PG, PROT_READ));
    fact("still readable", p[0] == 42);
    int z = open("/dev/zero", O_RDONLY);
    show("read into read-only page", read(z, p, 16));
    show("read into writable page", read(z, p + PG, 16));
    show("read into (void*)1", syscall(SYS_read, z, (void *)1, 16));
    show("mprotect back to rw", syscall(SYS_mprotect, p, PG, PROT_READ | PROT_WRITE));
    show("read after restoring", read(z, p, 16));
    fact("page zeroed by the read", p[0] == 0);
    show("mprotect unaligned", syscall(SYS_mprotect, p + 1, PG, PROT_READ));
    show("mprotect bad prot", syscall(SYS_mprotect, p, PG, 0x100));
    syscall(SYS_munmap, p + 2 * PG, 2 * PG);
    show("mprotect unmapped", syscall(SYS_mprotect, p + 2 * PG, PG, PROT_READ));
    show("mprotect none", syscall(SYS_mprotect, p + PG, PG, PROT_NONE));
    show("read into PROT_NONE page", read(z, p + PG, 16));
    close(z);
    syscall(SYS_munmap, p, 2 * PG);
}

static void test_madvise(void)
{
    unsigned char *p = (unsigned char *)raw_mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 0x77, 4 * PG);
    show("madvise DONTNEED", syscall(SYS_madvise, p, 2 * PG, MADV_DONTNEED));
    fact("DONTNEED pages read zero", all_zero(p, 2 * PG));
    fact("other pages kept", p[2 * PG] == 0x77 && p[4 * PG - 1] == 0x77);
    show("madvise WILLNEED", syscall(SYS_madvise, p, 4 * PG, MADV_WILLNEED));
    show("madvise NORMAL", syscall(SYS_madvise, p, 4 * PG, MADV_NORMAL));
    show("madvise bad advice", syscall(SYS_madvise, p, PG, 12345));
    show("madvise unaligned", syscall(SYS_madvise, p + 3, PG, MADV_NORMAL));
    syscall(SYS_munmap, p, 4 * PG);
    show("madvise unmapped", syscall(SYS_madvise, p, PG, MADV_WILLNEED));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_brk();
    test_mmap_anon();
    test_mmap_errors();
    test_mmap_file();
    test_mprotect();
    test_madvise();
    printf("done\n");
    return 0;
}
