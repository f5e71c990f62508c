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

enum disk_boot {
    DISK_BIOS = 1,                 /* GRUB i386-pc in the MBR + BIOS boot partition */
    DISK_UEFI = 2,                 /* GRUB x86_64-efi as the ESP's default loader */
    DISK_HYBRID = DISK_BIOS | DISK_UEFI,
};

/* "bios", "uefi" or "hybrid" -> enum disk_boot; 0 for anything else. */
int disk_boot_parse(const char *s);

/* Write the disk image out from the TFS volume tfs (a file solo build wrote)
 * and the kernel ELF.  GRUB's files come from $SOLO_GRUB_DIR (default
 * /usr/lib/grub).  0, or -errno with a message in err; out is removed on failure. */
int disk_write(const char *tfs, const char *kernel, int boot, const char *out, char *err, size_t errlen);

#endif
