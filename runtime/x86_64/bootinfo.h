/*
 * bootinfo.h - what the boot loader told the kernel, in one form for both
 * entries (boot.S): the PVH start info (qemu -kernel, Firecracker, Xen) and
 * the multiboot2 information (GRUB on BIOS and UEFI disk images).
 * bootinfo_parse runs first thing in kmain, before memory is set up; after it
 * only boot_info is used, never the loader's own structures.
 */
#ifndef SOLO_BOOTINFO_H
#define SOLO_BOOTINFO_H

#include "../kernel.h"
#include "../mm/mm.h"

#define BOOT_MAX_RANGES 128
#define BOOT_MB2_MAGIC 0x36d76289      /* kmain's second argument after mb2_start */

struct boot_info {
    const char *protocol;              /* "pvh" or "multiboot2" */
    struct mem_range ram[BOOT_MAX_RANGES];   /* usable RAM, adjacent ranges merged */
    int nram;
    u64 rsdp_pa;                       /* ACPI RSDP address when the loader gave one, else 0 */
    bool has_rsdp_copy;                /* multiboot2 tags 14/15 carry a copy, not an address */
    u8 rsdp_copy[36];                  /* ACPI 1.0 RSDP (20 bytes) or 2.0+ (36 bytes) */
    char cmdline[256];                 /* the loader's command line, "" when none */
    char loader[64];                   /* multiboot2 boot loader name, "" when none */
};

extern struct boot_info boot_info;

/* Fill boot_info from the loader's structure at physical info_pa; magic is 0
 * for PVH and BOOT_MB2_MAGIC for multiboot2.  Panics without a memory map. */
void bootinfo_parse(u64 info_pa, u32 magic);

#endif
