/*
 * klibc.h - the libc subset pure library code (runtime/lib, fs/tfs_format.c)
 * may use, and the Linux errno numbers it returns negated.  In the kernel
 * (SOLO_KERNEL) the functions come from runtime/klibc.c and are declared here
 * exactly as in runtime/kernel.h; on the host they are the real libc's.
 * Nothing else from libc is available to pure code: no allocation (use a
 * struct heap), no I/O, no globals.
 */
#ifndef SOLO_KLIBC_H
#define SOLO_KLIBC_H

#include "types.h"
#include "../errno.h"

#ifdef SOLO_KERNEL
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
#else
#include <string.h>
#endif

#endif
