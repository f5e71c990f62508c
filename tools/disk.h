/*
 * disk.h - bootable disk images for firmware boots (solo build --boot): a GPT
 * disk with GRUB for BIOS (i386-pc core.img in a BIOS boot partition) and/or
 * UEFI (x86_64-efi EFI/BOOT/BOOTX64.EFI on the EFI system partition), the
 * kernel at /solo/kernel.elf on that FAT partition, and the TFS volume in
 * solo's own partition (runtime/lib/parttab.h).  GRUB loads the kernel with
 * multiboot2.  Built without privileges: grub-mkimage and mtools work on
 * files, the GPT and the boot sector are written here.  Layout: docs/boot.md.
 */
#ifndef SOLO_TOOLS_DISK_H
#define SOLO_TOOLS_DISK_H

#include <stddef.h>
#include <stdint.h>

enum disk_boot {
    DISK_BIOS = 1,                 /* GRUB i386-pc in the MBR + BIOS boot partition */
    DISK_UEFI = 2,                 /* GRUB x86_64-efi as the ESP's default loader */
    DISK_HYBRID = DISK_BIOS | DISK_UEFI,
};

/* Where the partitions go (sectors); disk_write picks it, see disk.c. */
struct disk_layout {
    uint64_t bios_start, bios_count, esp_start, esp_count, tfs_start, tfs_count, total;
};

/* "bios", "uefi" or "hybrid" -> enum disk_boot; 0 for anything else. */
int disk_boot_parse(const char *s);

/* Write the disk image out from the TFS volume tfs (a file solo build wrote)
 * and the kernel ELF.  GRUB's files come from $SOLO_GRUB_DIR (default
 * /usr/lib/grub).  0, or -errno with a message in err; out is removed on failure. */
int disk_write(const char *tfs, const char *kernel, int boot, const char *out, char *err, size_t errlen);

/* The protective MBR (with GRUB's boot.img code and its core.img LBA when
 * bootimg is not NULL) and both GPT copies for layout l, written to fd.
 * 0 or -errno.  (Exported for tests/unit/test_parttab.c.) */
int disk_write_tables(int fd, const struct disk_layout *l, const uint8_t *bootimg);

#endif
