/*
 * vdso.c - the virtual shared object mapped into every program (AT_SYSINFO_EHDR).
 * It answers clock_gettime, gettimeofday, time, clock_getres and getcpu
 * (RDTSCP's TSC_AUX with several CPUs) without entering the kernel, from the TSC and the shared vvar page placed
 * one page below the image.  Clocks it cannot serve fall back to the syscall.
 * Built as position-independent user code (not kernel code): it may use any
 * instruction, but no relocations and no libc.
 */
#include "vvar.h"

typedef unsigned long long u64;
struct timespec_k { long tv_sec; long tv_nsec; };
struct timeval_k { long tv_sec; long tv_usec; };

extern const struct vvar vvar_page __attribute__((visibility("hidden")));

static inline u64 rdtsc_ordered(void)
{
    unsigned lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return ((u64)hi << 32) | lo;
}

static inline u64 mono_ns(void)
{
    const volatile struct vvar *v = &vvar_page;
    u64 d = rdtsc_ordered() - v->tsc_base;
    return (u64)(((unsigned __int128)d * v->mult) >> 32);
}

static long sys2(long nr, long a, long b)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return r;
}

static long sys3(long nr, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

static int clock_ns(int clk, u64 *ns)
{
    switch (clk) {
    case 0: case 5:                    /* REALTIME, REALTIME_COARSE */
        *ns = vvar_page.real_base_ns + mono_ns();
        return 0;
    case 1: case 4: case 6: case 7:    /* MONOTONIC, _RAW, _COARSE, BOOTTIME */
        *ns = mono_ns();
        return 0;
    default:
        return -1;
    }
}

int __vdso_clock_gettime(int clk, struct timespec_k *ts)
{
    u64 ns;
    if (clock_ns(clk, &ns) != 0)
        return (int)sys2(228, clk, (long)ts);
    ts->tv_sec = (long)(ns / 1000000000ULL);
    ts->tv_nsec = (long)(ns % 1000000000ULL);
    return 0;
}

int __vdso_gettimeofday(struct timeval_k *tv, void *tz)
{
    if (tz != 0)
        return (int)sys2(96, (long)tv, (long)tz);
    if (tv != 0) {
        u64 ns = vvar_page.real_base_ns + mono_ns();
        tv->tv_sec = (long)(ns / 1000000000ULL);
        tv->tv_usec = (long)(ns % 1000000000ULL / 1000);
    }
    return 0;
}

long __vdso_time(long *t)
{
    long s = (long)((vvar_page.real_base_ns + mono_ns()) / 1000000000ULL);
    if (t != 0)
        *t = s;
    return s;
}

int __vdso_clock_getres(int clk, struct timespec_k *res)
{
    u64 ns;
    if (clock_ns(clk, &ns) != 0)
        return (int)sys2(229, clk, (long)res);
    if (res != 0) {
        res->tv_sec = 0;
        res->tv_nsec = (long)vvar_page.res_ns;
    }
    return 0;
}

int __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
{
    const volatile struct vvar *v = &vvar_page;
    unsigned lo, hi, aux = 0;
    (void)unused;
    if (v->getcpu_mode == VVAR_GETCPU_SYSCALL)
        return (int)sys3(309, (long)cpu, (long)node, 0);   /* SYS_getcpu */
    if (v->getcpu_mode == VVAR_GETCPU_RDTSCP)
        __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
    if (cpu != 0)
        *cpu = aux & 0xfff;
    if (node != 0)
        *node = 0;
    return 0;
}

int clock_gettime(int, struct timespec_k *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval_k *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
int clock_getres(int, struct timespec_k *) __attribute__((weak, alias("__vdso_clock_getres")));
int getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
