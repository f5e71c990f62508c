/*
 * vvar.h - the page of clock data the kernel shares read-only with the vDSO.
 * Monotonic ns = ((tsc - tsc_base) * mult) >> 32; realtime = real_base_ns +
 * monotonic.  Written at boot; afterwards only real_base_ns changes (a
 * clock step, one aligned 64-bit store: readers see the old or the new
 * value, so no sequence lock).
 */
#ifndef SOLO_VVAR_H
#define SOLO_VVAR_H

struct vvar {
    unsigned long long tsc_base;
    unsigned long long mult;           /* ns per tick, 32.32 fixed point */
    unsigned long long real_base_ns;   /* realtime at tsc_base */
    unsigned long long res_ns;         /* clock resolution reported by clock_getres */
    unsigned long long getcpu_mode;    /* how getcpu finds the CPU: VVAR_GETCPU_* */
};

#define VVAR_GETCPU_ZERO 0             /* one CPU: always 0 */
#define VVAR_GETCPU_RDTSCP 1           /* RDTSCP: TSC_AUX holds the CPU number (smp.c) */
#define VVAR_GETCPU_SYSCALL 2          /* several CPUs without RDTSCP: ask the kernel */

#endif
