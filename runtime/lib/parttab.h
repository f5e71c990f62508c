/*
 * parttab.h - finding solo's TFS partition on a disk (MBR or GPT), shared by
 * the kernel (runtime/drivers/partition.c) and the host tools (tools/image.c,
 * tools/disk.c).  Pure code: sectors come through a read callback.
 *
 * solo's partitions (docs/boot.md):
 *   GPT: partition type GUID c15e43cd-3006-4ffc-bbb8-2ace0b405a85 ("solo TFS")
 *   MBR: partition type 0x7f (reserved for individual use)
 * The first such partition holds the TFS volume.  A disk with no partition
 * table, or with one but no solo partition, is used whole (the images solo
 * writes without --boot are a bare TFS volume).
 */
#ifndef SOLO_PARTTAB_H
#define SOLO_PARTTAB_H

#include "types.h"

#define PT_SECTOR 512
#define PT_MBR_SOLO_TYPE 0x7f
#define PT_GPT_ENTRIES_MIN 128          /* entries a GPT solo writes has */

/* The GUIDs as they are stored on disk (first three fields little-endian). */
extern const u8 pt_guid_solo_tfs[16];
extern const u8 pt_guid_bios_boot[16];   /* 21686148-6449-6e6f-744e-656564454649 */
extern const u8 pt_guid_efi_system[16];  /* c12a7328-f81f-11d2-ba4b-00a0c93ec93b */

/* Read count sectors from lba into buf: 0 or -errno. */
typedef int (*pt_read_fn)(void *ctx, u64 lba, void *buf, u32 count);

struct pt_part {
    u64 start, count;                   /* sectors */
    const char *scheme;                 /* "gpt" or "mbr" */
    int index;                          /* 1-based partition number */
};

/* Look for the solo partition on a disk of disk_sectors sectors.  1 and *out
 * when found, 0 when the disk is to be used whole, -errno on a read error or
 * -EINVAL for a solo partition beyond the end of the disk.  GPT headers and
 * entry arrays are CRC-checked; a bad primary header falls back to the backup
 * at the last sector. */
int pt_find_solo(pt_read_fn rd, void *ctx, u64 disk_sectors, struct pt_part *out);

/* Little-endian field access shared with the GPT writer. */
static inline u32 pt_le32(const u8 *p) { return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24; }
static inline u64 pt_le64(const u8 *p) { return pt_le32(p) | (u64)pt_le32(p + 4) << 32; }

#endif
