/*
 * getrandom.c - the getrandom syscall over the kernel's random_bytes
 * (RDRAND mixed with a TSC-seeded xorshift, ready from boot, so no flag
 * ever blocks).  Bytes are produced into a small kernel buffer and copied
 * out chunk by chunk; a fault after some bytes were copied returns that
 * count, as Linux does.
 */
#include "syscalls.h"

#define GRND_NONBLOCK 0x1
#define GRND_RANDOM 0x2
#define GRND_INSECURE 0x4
#define MAX_RW_COUNT 0x7ffff000UL      /* Linux caps one transfer at INT_MAX & PAGE_MASK */
#define CHUNK 256

// partial: the generator is RDRAND mixed with xorshift, not a vetted CSPRNG (see runtime/random.c)
long sys_getrandom(u64 ubuf, size_t len, u32 flags)
{
    u8 tmp[CHUNK];
    size_t done = 0;
    if ((flags & ~(u32)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) != 0)
        return -EINVAL;
    if ((flags & (GRND_INSECURE | GRND_RANDOM)) == (GRND_INSECURE | GRND_RANDOM))
        return -EINVAL;
    len = MIN(len, MAX_RW_COUNT);
    if (len > 0 && !user_range_ok((void *)ubuf, len))
        return -EFAULT;
    while (done < len) {
        size_t n = MIN(len - done, sizeof(tmp));
        random_bytes(tmp, n);
        if (copy_to_user((void *)(ubuf + done), tmp, n) < 0)
            break;
        done += n;
    }
    memset(tmp, 0, sizeof(tmp));
    if (done == 0 && len > 0)
        return -EFAULT;
    return (long)done;
}
