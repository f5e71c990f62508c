/*
 * format.h - a small printf-style formatter shared by the kernel log, the
 * kernel's ksnprintf and host code that wants identical output.  Pure code:
 * no allocation, no I/O.
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%, length modifiers hh h l ll z j t,
 * flags '-' '0' '+' ' ' '#', field width and precision (both may be '*').
 * %s with a NULL pointer prints "(null)".  Unknown conversions are copied
 * through verbatim so a bad format is visible rather than fatal.
 */
#ifndef SOLO_FORMAT_H
#define SOLO_FORMAT_H

#include "types.h"

/* Like vsnprintf: writes at most n bytes including the terminating NUL
 * (nothing when n == 0) and returns the length the full output would have. */
int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
