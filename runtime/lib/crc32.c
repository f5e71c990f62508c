/*
 * crc32.c - CRC-32 with a 16-entry nibble table: small, no init step, no
 * shared mutable state, and about twice as fast as the bitwise loop.
 */
#include "crc32.h"

static const u32 nibble_table[16] = {
    0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
    0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

/* Continue a CRC over n more bytes (start with crc = 0). */
u32 crc32_update(u32 crc, const void *p, size_t n)
{
    const u8 *b = p;
    size_t i;

    crc = ~crc;
    for (i = 0; i < n; i++) {
        crc ^= b[i];
        crc = (crc >> 4) ^ nibble_table[crc & 15];
        crc = (crc >> 4) ^ nibble_table[crc & 15];
    }
    return ~crc;
}
