/*
 * random.c - kernel randomness for AT_RANDOM, getrandom and /dev/urandom:
 * RDRAND when the CPU has it, mixed with a xorshift generator seeded from
 * the TSC so the output never stalls.  Not a vetted CSPRNG; documented as
 * such in the syscall report.
 */
#include "kernel.h"
#include "x86_64/cpu.h"

static u64 state;
static int have_rdrand = -1;

static bool rdrand64(u64 *v)
{
    u8 ok;
    for (int i = 0; i < 10; i++) {
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

static u64 next64(void)
{
    u64 r = 0;
    if (have_rdrand < 0) {
        u32 a, b, c, d;
        cpuid(1, 0, &a, &b, &c, &d);
        have_rdrand = (c >> 30) & 1;
    }
    if (state == 0)
        state = rdtsc() | 1;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    if (have_rdrand && rdrand64(&r))
        return r ^ state;
    return state * 0x2545f4914f6cdd1dUL;
}

void random_bytes(void *buf, size_t n)
{
    u8 *p = buf;
    while (n > 0) {
        u64 v = next64();
        size_t k = MIN(n, sizeof(v));
        memcpy(p, &v, k);
        p += k;
        n -= k;
    }
}

/* Mix n bytes of outside entropy (the virtio-rng device) into the generator
 * state with FNV-1a steps; the state stays non-zero as xorshift needs. */
void random_add_entropy(const void *buf, size_t n)
{
    const u8 *p = buf;
    if (state == 0)
        state = rdtsc() | 1;
    for (size_t i = 0; i < n; i++)
        state = (state ^ p[i]) * 0x100000001b3UL;
    if (state == 0)
        state = 1;
}
