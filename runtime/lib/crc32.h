/*
 * crc32.h - CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the same
 * checksum zlib's crc32() computes: crc32_update(0, p, n) of "123456789" is
 * 0xCBF43926, and crc32_update(crc32_update(0, a, n), b, m) equals the CRC of
 * a followed by b.  Table-driven, eight bytes per step; used for metadata only
 * (data blocks are not checksummed).
 */
#ifndef SOLO_CRC32_H
#define SOLO_CRC32_H

#include "types.h"

u32 crc32_update(u32 crc, const void *p, size_t n);

#endif
