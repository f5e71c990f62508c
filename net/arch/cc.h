/*
 * arch/cc.h - lwIP's compiler and platform port for the solo kernel: types
 * come from the compiler's freestanding headers, byte order is x86's,
 * diagnostics go to the kernel log and assertions panic.  lwIP's sources
 * include this through lwip/arch.h; nothing else should.
 */
#ifndef SOLO_LWIP_ARCH_CC_H
#define SOLO_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_NO_CTYPE_H 1              /* lwIP's own isdigit & co. */
#define LWIP_RAND() ((u32_t)solo_lwip_rand())
#define LWIP_PLATFORM_DIAG(x) do { solo_lwip_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) solo_lwip_assert(x, __FILE__, __LINE__)

unsigned int solo_lwip_rand(void);
void solo_lwip_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void solo_lwip_assert(const char *msg, const char *file, int line);

#endif
