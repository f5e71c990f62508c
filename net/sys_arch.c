/*
 * sys_arch.c - what lwIP (NO_SYS) needs from the platform: a millisecond
 * clock, memory, random numbers, diagnostics.  With NO_SYS there are no
 * semaphores, mailboxes or threads to provide: lwIP only runs from net/ on
 * the kernel's single, non-preemptible execution context.
 */
#include "runtime/kernel.h"
#include "lwip/opt.h"
#include "lwip/sys.h"

/* lwIP's clock: milliseconds since boot (wraps after 49 days, as lwIP expects). */
u32_t sys_now(void)
{
    return (u32_t)(now_ns() / 1000000);
}

void *solo_lwip_malloc(size_t n)
{
    return kmalloc(n);
}

void *solo_lwip_calloc(size_t count, size_t size)
{
    if (size != 0 && count > (size_t)-1 / size)
        return NULL;
    return kzalloc(count * size);
}

void solo_lwip_free(void *p)
{
    kfree(p);
}

unsigned int solo_lwip_rand(void)
{
    unsigned int r;
    random_bytes(&r, sizeof(r));
    return r;
}

void solo_lwip_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvlog(fmt, ap);
    va_end(ap);
}

_Noreturn void solo_lwip_assert(const char *msg, const char *file, int line)
{
    panic("lwip: assertion \"%s\" failed at %s:%d", msg, file, line);
}

/* lwIP's netif_find parses interface numbers with atoi, which glibc's header
 * inlines as strtol.  Decimal, octal and hex as C's strtol; no overflow
 * clamping (interface numbers are tiny).  Weak: a kernel libc strtol wins. */
__attribute__((weak)) long strtol(const char *s, char **end, int base)
{
    long v = 0;
    bool neg = false;
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        base = 16;
    } else if (base == 0) {
        base = s[0] == '0' ? 8 : 10;
    }
    for (;; s++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z')
            d = (*s | 0x20) - 'a' + 10;
        else
            break;
        if (d >= base)
            break;
        v = v * base + d;
    }
    if (end != NULL)
        *end = (char *)s;
    return neg ? -v : v;
}

/* lwIP's checksum routine (LWIP_CHKSUM in lwipopts.h): the one's complement
 * sum of len bytes at p, taken as 16-bit words in memory order from p
 * (whatever p's alignment), folded to 16 bits and not inverted: the same
 * value as lwIP's own routine, which walks 16 bits at a time.  Here four
 * 32-bit words go into a 64-bit accumulator per step (carries cannot
 * overflow it for any length lwIP passes): every segment sent or received
 * without device checksum offload passes through this. */
u16_t solo_chksum(const void *p, int len)
{
    const u8 *b = p;
    u64 acc = 0;
    u32 w[4];
    while (len >= 16) {
        __builtin_memcpy(w, b, 16);
        acc += (u64)w[0] + w[1] + w[2] + w[3];
        b += 16;
        len -= 16;
    }
    while (len >= 4) {
        __builtin_memcpy(w, b, 4);
        acc += w[0];
        b += 4;
        len -= 4;
    }
    if (len >= 2) {
        u16 h;
        __builtin_memcpy(&h, b, 2);
        acc += h;
        b += 2;
        len -= 2;
    }
    if (len == 1)
        acc += b[0];                   /* the odd byte, padded with a zero after it */
    while ((acc >> 16) != 0)
        acc = (acc & 0xffff) + (acc >> 16);
    return (u16_t)acc;
}
