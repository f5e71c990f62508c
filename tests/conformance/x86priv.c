// covers: modify_ldt
/*
 * x86priv.c - modify_ldt's table: reading it (none yet, then entries and the
 * zero fill up to bytecount), the default LDT, writing data segments (new
 * and old mode, expand-down, read-only, not present, the "useable" and "lm"
 * bits), a not-present code segment, clearing entries both ways, one LDT for
 * every thread, and the error paths (EINVAL, EFAULT, and ENOSYS returned as
 * the int Linux gives back).  Loading the segments and ioperm/iopl are
 * checked by the integration test x86priv (tests/integration/progs/
 * x86priv.c) instead: some hosts (paravirtualized kernels) accept LDT
 * entries that their CPU then refuses to load, and ioperm/iopl need a kernel
 * with CONFIG_X86_IOPL_IOPERM, which CI hosts may lack.
 */
#include "common.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>

/* Linux's struct user_desc (asm/ldt.h, which musl does not ship). */
struct user_desc {
    unsigned int entry_number;
    unsigned int base_addr;
    unsigned int limit;
    unsigned int seg_32bit : 1;
    unsigned int contents : 2;
    unsigned int read_exec_only : 1;
    unsigned int limit_in_pages : 1;
    unsigned int seg_not_present : 1;
    unsigned int useable : 1;
    unsigned int lm : 1;
};

static unsigned char *buf;             /* below 4 GiB: an LDT base is 32 bits */

/* modify_ldt's result as Linux gives it: an int zero-extended into rax. */
static int mldt(int func, void *ptr, unsigned long count)
{
    return (int)syscall(SYS_modify_ldt, func, ptr, count);
}

static void showr(const char *what, int r)
{
    if (r < 0)
        printf("%s: %s\n", what, errname(-r));
    else
        printf("%s: %d\n", what, r);
}

static struct user_desc data_seg(unsigned entry)
{
    struct user_desc d;
    memset(&d, 0, sizeof(d));
    d.entry_number = entry;
    d.base_addr = (unsigned)(uintptr_t)buf;
    d.limit = 4095;
    d.seg_32bit = 1;
    return d;
}

/* Print descriptor entry n of an LDT copy, its base compared with buf. */
static void show_desc(const char *what, const uint64_t *ldt, unsigned n)
{
    uint64_t d = ldt[n];
    uint64_t base = ((d >> 16) & 0xffffff) | ((d >> 56) & 0xff) << 24;
    uint64_t limit = (d & 0xffff) | ((d >> 48) & 0xf) << 16;
    if (d == 0) {
        printf("%s: entry %u empty\n", what, n);
        return;
    }
    printf("%s: entry %u base %s limit %#llx type %#llx s %llu dpl %llu p %llu avl %llu l %llu db %llu g %llu\n",
           what, n, base == (uint64_t)(uintptr_t)buf ? "buf" : base == 0 ? "0" : "other",
           (unsigned long long)limit, (unsigned long long)(d >> 40 & 0xf),
           (unsigned long long)(d >> 44 & 1), (unsigned long long)(d >> 45 & 3),
           (unsigned long long)(d >> 47 & 1), (unsigned long long)(d >> 52 & 1),
           (unsigned long long)(d >> 53 & 1), (unsigned long long)(d >> 54 & 1),
           (unsigned long long)(d >> 55 & 1));
}

static void *thread_fn(void *arg)
{
    struct user_desc d = data_seg(12);
    (void)arg;
    showr("thread: write entry 12", mldt(0x11, &d, sizeof(d)));
    return NULL;
}

int main(void)
{
    static uint64_t ldt[16];
    unsigned char dflt[256];
    struct user_desc d;

    buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (buf == MAP_FAILED) {
        printf("mmap MAP_32BIT: %s\n", errname(errno));
        return 1;
    }
    for (int i = 0; i < 16; i++)
        buf[i] = (unsigned char)(0x40 + i);

    /* No LDT yet; the default one reads as zeros. */
    showr("read none", mldt(0, ldt, sizeof(ldt)));
    showr("read none, bad pointer", mldt(0, (void *)8, sizeof(ldt)));
    memset(dflt, 0x55, sizeof(dflt));
    int r = mldt(2, dflt, sizeof(dflt));
    showr("read default 256", r);
    int zeros = 1;
    for (int i = 0; i < r; i++)
        zeros &= dflt[i] == 0;
    printf("default zeros: %d, byte after: %#x\n", zeros, dflt[r]);
    showr("read default 16", mldt(2, dflt, 16));
    showr("read default bad pointer", mldt(2, (void *)8, 16));
    showr("func 3", mldt(3, ldt, sizeof(ldt)));
    showr("func -1", mldt(-1, ldt, sizeof(ldt)));
    showr("func 0x12", mldt(0x12, ldt, sizeof(ldt)));
    printf("raw func 3 rax is int: %d\n", syscall(SYS_modify_ldt, 3, ldt, 16UL) == 0xffffffdaL);

    /* Write errors. */
    d = data_seg(7);
    showr("write short", mldt(0x11, &d, sizeof(d) - 1));
    showr("write long", mldt(0x11, &d, sizeof(d) + 1));
    showr("write bad pointer", mldt(0x11, (void *)8, sizeof(d)));
    d.entry_number = 8192;
    showr("write entry 8192", mldt(0x11, &d, sizeof(d)));
    d.entry_number = 0xffffffff;
    showr("write entry -1", mldt(1, &d, sizeof(d)));
    d = data_seg(7);
    d.contents = 3;
    showr("write conforming code present", mldt(0x11, &d, sizeof(d)));
    d.seg_not_present = 1;
    showr("write conforming code old mode", mldt(1, &d, sizeof(d)));
    showr("read still none", mldt(0, ldt, sizeof(ldt)));

    /* A 32-bit data segment over buf at entry 7, new mode. */
    d = data_seg(7);
    showr("write entry 7", mldt(0x11, &d, sizeof(d)));
    memset(ldt, 0x55, sizeof(ldt));
    showr("read 128", mldt(0, ldt, sizeof(ldt)));
    show_desc("ldt", ldt, 0);
    show_desc("ldt", ldt, 6);
    show_desc("ldt", ldt, 7);
    printf("entry 8 zero-filled: %d\n", ldt[8] == 0 && ldt[15] == 0);
    showr("read 12", mldt(0, ldt, 12));
    showr("read 0", mldt(0, (void *)buf, 0));
    {
        void *big = malloc(65544);
        showr("read 65544", mldt(0, big, 65544));
        free(big);
    }
    showr("read bad pointer", mldt(0, (void *)8, 64));

    /* The LDT belongs to the process: a thread's write is seen by all. */
    pthread_t th;
    if (pthread_create(&th, NULL, thread_fn, NULL) == 0)
        pthread_join(th, NULL);

    /* Old mode ignores "useable"; new mode keeps it.  Other kinds of segment. */
    d = data_seg(2);
    d.useable = 1;
    showr("write old mode useable", mldt(1, &d, sizeof(d)));
    d.entry_number = 3;
    showr("write new mode useable", mldt(0x11, &d, sizeof(d)));
    d = data_seg(4);
    d.contents = 1;                    /* expand-down */
    d.read_exec_only = 1;
    d.limit_in_pages = 1;
    d.limit = 0xfffff;
    showr("write expand-down read-only", mldt(0x11, &d, sizeof(d)));
    d = data_seg(5);
    d.seg_not_present = 1;
    showr("write not present", mldt(0x11, &d, sizeof(d)));
    d = data_seg(6);
    d.contents = 2;                    /* code, but not present */
    d.seg_not_present = 1;
    showr("write code not present", mldt(0x11, &d, sizeof(d)));
    d = data_seg(9);
    d.lm = 1;
    showr("write lm", mldt(0x11, &d, sizeof(d)));
    memset(ldt, 0x55, sizeof(ldt));
    showr("read 128", mldt(0, ldt, sizeof(ldt)));
    for (unsigned i = 2; i < 13; i++)
        show_desc("ldt", ldt, i);

    /* Clearing: the "empty" descriptor (new mode), base 0 + limit 0 (old mode). */
    memset(&d, 0, sizeof(d));
    d.entry_number = 7;
    d.read_exec_only = 1;
    d.seg_not_present = 1;
    showr("clear entry 7", mldt(0x11, &d, sizeof(d)));
    memset(&d, 0, sizeof(d));
    d.entry_number = 2;
    d.seg_32bit = 1;
    showr("clear entry 2 old mode", mldt(1, &d, sizeof(d)));
    memset(ldt, 0x55, sizeof(ldt));
    showr("read 128", mldt(0, ldt, sizeof(ldt)));
    show_desc("ldt", ldt, 2);
    show_desc("ldt", ldt, 3);
    show_desc("ldt", ldt, 7);
    return 0;
}
