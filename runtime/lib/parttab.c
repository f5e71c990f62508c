/*
 * parttab.c - MBR and GPT parsing to find solo's TFS partition (parttab.h).
 *
 * MBR: sector 0 ends in 55 aa; four 16-byte entries at 446 (type at +4, start
 * LBA at +8, sector count at +12).  A type 0xee entry marks a protective MBR:
 * the real table is the GPT.  GPT: a 92-byte header ("EFI PART", header size
 * at 12, header CRC32 at 16 computed with that field zero, my LBA at 24,
 * entries' LBA at 72, entry count at 80, entry size at 84, entries' CRC32 at
 * 88) and an array of entries (type GUID at 0, first LBA at 32, last LBA at 40,
 * inclusive).  Entries are read a sector at a time so the kernel needs no big
 * buffer; their CRC is accumulated on the way and checked before the found
 * entry is trusted.
 */
#include "parttab.h"
#include "crc32.h"
#include "klibc.h"

const u8 pt_guid_solo_tfs[16] = {
    0xcd, 0x43, 0x5e, 0xc1, 0x06, 0x30, 0xfc, 0x4f,
    0xbb, 0xb8, 0x2a, 0xce, 0x0b, 0x40, 0x5a, 0x85,
};
const u8 pt_guid_bios_boot[16] = {
    0x48, 0x61, 0x68, 0x21, 0x49, 0x64, 0x6f, 0x6e,
    0x74, 0x4e, 0x65, 0x65, 0x64, 0x45, 0x46, 0x49,
};
const u8 pt_guid_efi_system[16] = {
    0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
    0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b,
};

#define GPT_MAX_ENTRIES 1024

/* A GPT header at lba that checks out (signature, size, CRC, my LBA), copied into hdr. */
static int gpt_header(pt_read_fn rd, void *ctx, u64 lba, u8 *hdr)
{
    u8 sec[PT_SECTOR];
    int r = rd(ctx, lba, sec, 1);
    if (r < 0)
        return r;
    u32 hsize = pt_le32(sec + 12);
    if (memcmp(sec, "EFI PART", 8) != 0 || hsize < 92 || hsize > PT_SECTOR || pt_le64(sec + 24) != lba)
        return 0;
    u32 want = pt_le32(sec + 16);
    memset(sec + 16, 0, 4);
    if (crc32_update(0, sec, hsize) != want)
        return 0;
    memcpy(hdr, sec, PT_SECTOR);
    return 1;
}

/* Scan the entry array the header describes for the solo type. */
static int gpt_scan(pt_read_fn rd, void *ctx, const u8 *hdr, u64 disk_sectors, struct pt_part *out)
{
    u64 elba = pt_le64(hdr + 72);
    u32 n = pt_le32(hdr + 80), esz = pt_le32(hdr + 84), crc = 0;
    u8 sec[PT_SECTOR];
    int found = 0;
    if (esz < 128 || esz > PT_SECTOR || PT_SECTOR % esz != 0 || n > GPT_MAX_ENTRIES)
        return 0;
    u32 per = PT_SECTOR / esz, nsec = (n + per - 1) / per;
    for (u32 s = 0; s < nsec; s++) {
        int r = rd(ctx, elba + s, sec, 1);
        if (r < 0)
            return r;
        u32 here = MIN(per, n - s * per);
        crc = crc32_update(crc, sec, (size_t)here * esz);
        for (u32 i = 0; i < here && !found; i++) {
            const u8 *e = sec + i * esz;
            if (memcmp(e, pt_guid_solo_tfs, 16) != 0)
                continue;
            u64 first = pt_le64(e + 32), last = pt_le64(e + 40);
            if (last < first || last >= disk_sectors)
                return -EINVAL;
            *out = (struct pt_part){ first, last - first + 1, "gpt", (int)(s * per + i + 1) };
            found = 1;
        }
    }
    if (crc != pt_le32(hdr + 88))
        return 0;
    return found;
}

static int mbr_scan(const u8 *mbr, u64 disk_sectors, struct pt_part *out)
{
    for (int i = 0; i < 4; i++) {
        const u8 *e = mbr + 446 + 16 * i;
        if (e[4] != PT_MBR_SOLO_TYPE)
            continue;
        u64 start = pt_le32(e + 8), count = pt_le32(e + 12);
        if (count == 0 || start + count > disk_sectors)
            return -EINVAL;
        *out = (struct pt_part){ start, count, "mbr", i + 1 };
        return 1;
    }
    return 0;
}

int pt_find_solo(pt_read_fn rd, void *ctx, u64 disk_sectors, struct pt_part *out)
{
    u8 mbr[PT_SECTOR], hdr[PT_SECTOR];
    bool protective = false;
    if (disk_sectors < 2)
        return 0;
    int r = rd(ctx, 0, mbr, 1);
    if (r < 0)
        return r;
    if (mbr[510] != 0x55 || mbr[511] != 0xaa)
        return 0;
    for (int i = 0; i < 4; i++)
        if (mbr[446 + 16 * i + 4] == 0xee)
            protective = true;
    if (!protective)
        return mbr_scan(mbr, disk_sectors, out);
    r = gpt_header(rd, ctx, 1, hdr);
    if (r == 0)
        r = gpt_header(rd, ctx, disk_sectors - 1, hdr);
    if (r <= 0)
        return r;
    return gpt_scan(rd, ctx, hdr, disk_sectors, out);
}
