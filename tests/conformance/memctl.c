/*
 * memctl.c - the memory calls memory.c leaves out: mremap (grow in place or
 * move, shrink, fixed), msync, mincore, the mlock family and madvise's error
 * cases.  Addresses are never printed, only relations and contents.
 */
// covers: mremap msync mincore mlock munlock mlockall munlockall mlock2 madvise
#include "common.h"
#include <stdint.h>
#include <sys/mman.h>

#define PG 4096UL

static void test_mremap(void)
{
    char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(p, "remap me");
    p[PG] = 'Z';
    char *q = (char *)syscall(SYS_mremap, p, 2 * PG, 8 * PG, MREMAP_MAYMOVE);
    fact("mremap grow ok", q != MAP_FAILED);
    printf("mremap data: %s %c\n", q, q[PG]);
    q[7 * PG] = 'E';
    fact("grown tail is zero", q[6 * PG] == 0);
    char *r = (char *)syscall(SYS_mremap, q, 8 * PG, PG, 0);
    fact("mremap shrink in place", r == q);
    printf("after shrink: %s\n", r);
    show("mremap grow without maymove over a mapping",
         (mmap(q + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
          syscall(SYS_mremap, q, PG, 4 * PG, 0)) == -1 ? -1 : 0);
    show("mremap unaligned", syscall(SYS_mremap, q + 1, PG, 2 * PG, MREMAP_MAYMOVE));
    show("mremap zero new size", syscall(SYS_mremap, q, PG, 0, MREMAP_MAYMOVE));
    show("mremap bad flags", syscall(SYS_mremap, q, PG, PG, 0x80));
    show("mremap fixed without maymove", syscall(SYS_mremap, q, PG, PG, MREMAP_FIXED, q + 16 * PG));
    show("mremap unmapped", syscall(SYS_mremap, (void *)0x10000, PG, 2 * PG, MREMAP_MAYMOVE));
    char *dst = mmap(NULL, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *f = (char *)syscall(SYS_mremap, q, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst + PG);
    fact("mremap fixed lands at target", f == dst + PG);
    printf("moved data: %s\n", f);
    munmap(dst, 4 * PG);
    munmap(q + PG, PG);
}

static void test_msync_mincore(void)
{
    char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1;
    p[2 * PG] = 1;
    show("msync", syscall(SYS_msync, p, 4 * PG, MS_SYNC));
    show("msync async", syscall(SYS_msync, p, PG, MS_ASYNC));
    show("msync both flags", syscall(SYS_msync, p, PG, MS_SYNC | MS_ASYNC));
    show("msync unaligned", syscall(SYS_msync, p + 1, PG, MS_SYNC));
    show("msync unmapped", syscall(SYS_msync, (void *)0x10000, PG, MS_SYNC));
    unsigned char vec[4];
    show("mincore", syscall(SYS_mincore, p, 4 * PG, vec));
    printf("resident: %d %d\n", vec[0] & 1, vec[2] & 1);
    show("mincore unaligned", syscall(SYS_mincore, p + 1, PG, vec));
    show("mincore unmapped", syscall(SYS_mincore, (void *)0x10000, PG, vec));
    show("mincore bad vector", syscall(SYS_mincore, p, PG, (void *)8));
    munmap(p, 4 * PG);
}

static void test_mlock(void)
{
    char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    show("mlock", syscall(SYS_mlock, p, PG));
    show("munlock", syscall(SYS_munlock, p, PG));
    show("mlock unmapped", syscall(SYS_mlock, (void *)0x10000, PG));
    show("munlock unmapped", syscall(SYS_munlock, (void *)0x10000, PG));
    show("mlock2", syscall(SYS_mlock2, p, PG, 1 /* MLOCK_ONFAULT */));
    show("mlock2 bad flags", syscall(SYS_mlock2, p, PG, 0x10));
    show("munlock again", syscall(SYS_munlock, p, 2 * PG));
    show("mlockall bad flags", syscall(SYS_mlockall, 0));
    show("mlockall onfault alone", syscall(SYS_mlockall, 4 /* MCL_ONFAULT */));
    show("mlockall future", syscall(SYS_mlockall, MCL_FUTURE));
    show("munlockall", syscall(SYS_munlockall));
    munmap(p, 2 * PG);
}

static void test_madvise_errors(void)
{
    char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 'a';
    show("madvise dontneed", syscall(SYS_madvise, p, PG, MADV_DONTNEED));
    fact("zero after dontneed", p[0] == 0);
    show("madvise unaligned", syscall(SYS_madvise, p + 1, PG, MADV_NORMAL));
    show("madvise bad advice", syscall(SYS_madvise, p, PG, 9999));
    show("madvise unmapped", syscall(SYS_madvise, (void *)0x10000, PG, MADV_WILLNEED));
    munmap(p, 2 * PG);
}

int main(void)
{
    test_mremap();
    test_msync_mincore();
    test_mlock();
    test_madvise_errors();
    return 0;
}
