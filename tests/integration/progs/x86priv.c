// covers: iopl ioperm modify_ldt
/*
 * x86priv.c - port I/O and LDT segments in solo (integration test x86priv;
 * output compared with x86priv.expected, never run natively: hosts may lack
 * CONFIG_X86_IOPL_IOPERM or a loadable LDT).
 *
 * ioperm: error paths (EINVAL for an empty or too long range, overflow),
 * turning a port off without a bitmap, 0x80 (the POST port) allowed after
 * ioperm, another port still SIGSEGV (SI_KERNEL), a new thread inheriting the
 * bitmap and dropping it for itself only; iopl: EINVAL above 3, iopl(3)
 * allowing every port but not CLI/STI (skipped, RFLAGS.IOPL stays 0), iopl(0)
 * taking it back; EPERM for both once CAP_SYS_RAWIO is dropped.  LDT: a
 * 32-bit data segment over a buffer loaded into %gs reads that buffer, keeps
 * working across syscalls, sleeps and a new thread; a not-present segment
 * raises SIGBUS, a cleared one SIGSEGV; %gs and its base are restored (TLS
 * lives in %fs).
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>

#define ARCH_SET_GS 0x1001
#define ARCH_GET_GS 0x1004

struct user_desc {
    unsigned int entry_number, base_addr, limit;
    unsigned int seg_32bit : 1, contents : 2, read_exec_only : 1, limit_in_pages : 1,
        seg_not_present : 1, useable : 1, lm : 1;
};

static sigjmp_buf jb;
static volatile int got_sig, got_code;
static unsigned char *buf;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    siglongjmp(jb, 1);
}

static void res(const char *what, long r)
{
    printf("%s: %s\n", what, r == 0 ? "0" : r == -1 ? strerror(errno) : "?");
}

static void outb80(void) { __asm__ volatile("outb %%al, $0x80" : : "a"(0) : "memory"); }
static void inb84(void) { unsigned char v; __asm__ volatile("inb $0x84, %0" : "=a"(v) : : "memory"); (void)v; }
static void cli_sti(void) { __asm__ volatile("cli; sti" : : : "memory"); }

/* Run fn, report whether it completed or which signal it raised. */
static void try(const char *what, void (*fn)(void))
{
    got_sig = 0;
    if (sigsetjmp(jb, 1) == 0) {
        fn();
        printf("%s: ok\n", what);
    } else {
        printf("%s: signal %d code %d\n", what, got_sig, got_code);
    }
}

static void *io_thread(void *arg)
{
    (void)arg;
    try("thread: outb 0x80 (inherited)", outb80);
    res("thread: ioperm(0x80, 1, 0)", syscall(SYS_ioperm, 0x80, 1, 0));
    try("thread: outb 0x80 after dropping it", outb80);
    return NULL;
}

static unsigned short gs_sel(void)
{
    unsigned short s;
    __asm__ volatile("mov %%gs, %0" : "=r"(s));
    return s;
}

static unsigned char gs_byte(unsigned long off)
{
    unsigned char c;
    __asm__ volatile("movb %%gs:(%1), %0" : "=q"(c) : "r"(off) : "memory");
    return c;
}

static unsigned short want_sel;

static void load_gs(void)
{
    __asm__ volatile("mov %0, %%gs" : : "r"(want_sel) : "memory");
    printf("byte %d ", gs_byte(3));
}

static void *seg_thread(void *arg)
{
    (void)arg;
    printf("thread: gs %#x byte %d\n", gs_sel(), gs_byte(3));
    return NULL;
}

static int ldt_write(unsigned entry, int not_present, int clear)
{
    struct user_desc d;
    memset(&d, 0, sizeof(d));
    d.entry_number = entry;
    if (clear) {
        d.read_exec_only = 1;
        d.seg_not_present = 1;
    } else {
        d.base_addr = (unsigned)(uintptr_t)buf;
        d.limit = 4095;
        d.seg_32bit = 1;
        d.seg_not_present = not_present;
    }
    return (int)syscall(SYS_modify_ldt, 0x11, &d, sizeof(d));
}

static void ports(void)
{
    pthread_t th;
    unsigned long rflags;

    res("ioperm(0x10000, 1, 1)", syscall(SYS_ioperm, 0x10000, 1, 1));
    res("ioperm(0x80, 0, 1)", syscall(SYS_ioperm, 0x80, 0, 1));
    res("ioperm(0xffff, 2, 1)", syscall(SYS_ioperm, 0xffff, 2, 1));
    res("ioperm(-1, 2, 1)", syscall(SYS_ioperm, -1L, 2, 1));
    res("ioperm(0x80, 1, 0) without a bitmap", syscall(SYS_ioperm, 0x80, 1, 0));
    res("iopl(4)", syscall(SYS_iopl, 4));
    try("outb 0x80 before ioperm", outb80);
    res("ioperm(0x80, 1, 1)", syscall(SYS_ioperm, 0x80, 1, 1));
    try("outb 0x80", outb80);
    try("inb 0x84", inb84);
    if (pthread_create(&th, NULL, io_thread, NULL) == 0)
        pthread_join(th, NULL);
    try("outb 0x80 in main after the thread", outb80);
    res("ioperm(0x80, 1, 0)", syscall(SYS_ioperm, 0x80, 1, 0));
    try("outb 0x80 after dropping it", outb80);
    res("iopl(3)", syscall(SYS_iopl, 3));
    try("iopl 3: inb 0x84", inb84);
    try("iopl 3: outb 0x80", outb80);
    try("iopl 3: cli; sti", cli_sti);
    __asm__ volatile("pushfq; popq %0" : "=r"(rflags));
    printf("rflags IOPL %lu IF %lu\n", rflags >> 12 & 3, rflags >> 9 & 1);
    res("iopl(1)", syscall(SYS_iopl, 1));
    try("iopl 1: inb 0x84", inb84);
    try("iopl 1: cli; sti", cli_sti);
    res("ioperm(0x84, 1, 1)", syscall(SYS_ioperm, 0x84, 1, 1));
    try("inb 0x84", inb84);
}

static void no_rawio(void)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof(d));
    syscall(SYS_capget, &h, d);
    d[0].effective &= ~(1U << CAP_SYS_RAWIO);
    res("capset without CAP_SYS_RAWIO", syscall(SYS_capset, &h, d));
    res("ioperm(0x80, 1, 1)", syscall(SYS_ioperm, 0x80, 1, 1));
    res("ioperm(0x84, 1, 0)", syscall(SYS_ioperm, 0x84, 1, 0));
    res("iopl(2)", syscall(SYS_iopl, 2));
    res("iopl(1)", syscall(SYS_iopl, 1));
    res("iopl(0)", syscall(SYS_iopl, 0));
    try("inb 0x84 after dropping it", inb84);
}

static void segments(void)
{
    unsigned long saved_base = 0;
    unsigned short saved = gs_sel();
    pthread_t th;

    buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    for (int i = 0; i < 16; i++)
        buf[i] = (unsigned char)(0x40 + i);
    syscall(SYS_arch_prctl, ARCH_GET_GS, &saved_base);
    printf("write entry 7: %d\n", ldt_write(7, 0, 0));
    want_sel = (7 << 3) | 7;
    try("load gs entry 7", load_gs);
    printf("gs %#x\n", gs_sel());
    syscall(SYS_getppid);
    printf("after syscall: gs %#x byte %d\n", gs_sel(), gs_byte(5));
    for (int i = 0; i < 3; i++) {
        struct timespec ts = { 0, 2000000 };
        nanosleep(&ts, NULL);
        sched_yield();
    }
    printf("after sleeps: gs %#x byte %d\n", gs_sel(), gs_byte(9));
    if (pthread_create(&th, NULL, seg_thread, NULL) == 0)
        pthread_join(th, NULL);
    buf[3] = 0x7f;
    printf("after a store: byte %d\n", gs_byte(3));
    __asm__ volatile("mov %0, %%gs" : : "r"(saved) : "memory");
    syscall(SYS_arch_prctl, ARCH_SET_GS, saved_base);
    printf("write entry 5 not present: %d\n", ldt_write(5, 1, 0));
    want_sel = (5 << 3) | 7;
    try("load gs entry 5", load_gs);
    printf("clear entry 7: %d\n", ldt_write(7, 0, 1));
    want_sel = (7 << 3) | 7;
    try("load gs cleared entry 7", load_gs);
    want_sel = (300 << 3) | 7;
    try("load gs unused entry 300", load_gs);
    __asm__ volatile("mov %0, %%gs" : : "r"(saved) : "memory");
    syscall(SYS_arch_prctl, ARCH_SET_GS, saved_base);
    printf("gs restored: %d\n", gs_sel() == saved);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    ports();
    segments();
    no_rawio();
    return 0;
}
