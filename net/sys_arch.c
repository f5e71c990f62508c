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
