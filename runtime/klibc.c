/*
 * klibc.c - the handful of libc string functions the kernel (and the pure
 * library code compiled into it) uses.  gcc may also emit calls to
 * memcpy/memset/memmove/memcmp itself, so these must exist with standard
 * semantics.
 */
#include "kernel.h"

/* Quadword string moves first, then the byte tail: under TCG (and on older
 * CPUs without fast rep movsb) this is several times faster than bytes alone. */
void *memcpy(void *d, const void *s, size_t n)
{
    void *r = d;
    size_t q = n / 8, t = n % 8;
    __asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(q) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(t) : : "memory");
    return r;
}

void *memmove(void *d, const void *s, size_t n)
{
    u8 *dp = d;
    const u8 *sp = s;
    if (dp <= sp || dp >= sp + n)
        return memcpy(d, s, n);
    while (n > 0) {
        n--;
        dp[n] = sp[n];
    }
    return d;
}

void *memset(void *d, int c, size_t n)
{
    void *r = d;
    u64 v = (u8)c * 0x0101010101010101UL;
    size_t q = n / 8, t = n % 8;
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(v) : "memory");
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(t) : "a"(v) : "memory");
    return r;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const u8 *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return (u8)*a - (u8)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i] || a[i] == '\0')
            return (u8)a[i] - (u8)b[i];
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (*s == '\0')
            return NULL;
    }
}

char *strrchr(const char *s, int c)
{
    const char *r = NULL;
    for (;; s++) {
        if (*s == (char)c)
            r = s;
        if (*s == '\0')
            return (char *)r;
    }
}
