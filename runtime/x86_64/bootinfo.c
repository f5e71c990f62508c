/*
 * bootinfo.c - normalize the two boot protocols into struct boot_info.
 *
 * PVH: struct hvm_start_info (Xen's arch-x86/hvm/start_info.h layout), its
 * E820-style memory map, command line and RSDP address, all reached through
 * the boot page tables' first 1 GiB at KERNEL_BASE.
 *
 * multiboot2: boot.S copied the information (u32 total_size, u32 reserved,
 * then 8-byte aligned tags {u32 type, u32 size, ...} up to the end tag 0) into
 * mb2_info in the kernel's bss.  Tags used: 1 command line, 2 boot loader
 * name, 6 memory map (E820 types), 17 EFI memory map (only when 6 is absent),
 * 14/15 a copy of the ACPI 1.0/2.0 RSDP (under UEFI the RSDP is not in the
 * BIOS area where smp.c would look for it).  Other tags are skipped.
 */
#include "bootinfo.h"

#define HVM_START_MAGIC 0x336ec578
#define MB2_INFO_MAX 65536             /* boot.S copies at most this much */

struct boot_info boot_info;
extern u8 mb2_info[];

struct hvm_start_info {
    u32 magic, version, flags, nr_modules;
    u64 modlist_paddr, cmdline_paddr, rsdp_paddr;
    u64 memmap_paddr;
    u32 memmap_entries, reserved;
};

struct hvm_memmap_entry {
    u64 addr, size;
    u32 type, reserved;
};

struct mb2_tag { u32 type, size; };

struct mb2_mmap_entry {
    u64 addr, len;
    u32 type, reserved;
};

struct efi_mem_desc {
    u32 type, pad;
    u64 phys, virt, pages, attr;
};

/* Record usable RAM [base, base+len), merged with the previous range when adjacent. */
static void add_ram(u64 base, u64 len)
{
    struct boot_info *b = &boot_info;
    if (len == 0)
        return;
    if (b->nram > 0 && b->ram[b->nram - 1].base + b->ram[b->nram - 1].len == base) {
        b->ram[b->nram - 1].len += len;
        return;
    }
    if (b->nram == BOOT_MAX_RANGES) {
        klog("boot: memory map range %lx+%lx dropped (table full)", base, len);
        return;
    }
    b->ram[b->nram].base = base;
    b->ram[b->nram].len = len;
    b->nram++;
}

/* Copy a NUL-terminated loader string of at most max bytes into dst[cap]. */
static void copy_str(char *dst, size_t cap, const char *src, size_t max)
{
    size_t n = 0;
    while (n < max && n + 1 < cap && src[n] != '\0') {
        dst[n] = src[n];
        n++;
    }
    dst[n] = '\0';
}

static void parse_pvh(u64 si_pa)
{
    const struct hvm_start_info *si = (void *)(si_pa + KERNEL_BASE);
    if (si->magic != HVM_START_MAGIC)
        panic("bad PVH start info magic %x", si->magic);
    if (si->version < 1 || si->memmap_entries == 0)
        panic("PVH start info without a memory map (version %u)", si->version);
    boot_info.protocol = "pvh";
    const struct hvm_memmap_entry *e = (void *)(si->memmap_paddr + KERNEL_BASE);
    for (u32 i = 0; i < si->memmap_entries; i++)
        if (e[i].type == 1)
            add_ram(e[i].addr, e[i].size);
    boot_info.rsdp_pa = si->rsdp_paddr;
    if (si->cmdline_paddr != 0 && si->cmdline_paddr < (1UL << 30))
        copy_str(boot_info.cmdline, sizeof(boot_info.cmdline),
                 (const char *)(si->cmdline_paddr + KERNEL_BASE), 4096);
}

/* EFI memory types that are free RAM once boot services have exited. */
static bool efi_usable(u32 type)
{
    return type == 1 || type == 2 || type == 3 || type == 4 || type == 7;   /* loader/BS code+data, conventional */
}

static void parse_mb2_mmap(const struct mb2_tag *t)
{
    const u32 *h = (const u32 *)(t + 1);          /* entry_size, entry_version */
    u32 esz = h[0];
    if (esz < sizeof(struct mb2_mmap_entry))
        return;
    for (u32 off = 16; off + esz <= t->size; off += esz) {
        const struct mb2_mmap_entry *e = (const void *)((const u8 *)t + off);
        if (e->type == 1)
            add_ram(e->addr, e->len);
    }
}

static void parse_efi_mmap(const struct mb2_tag *t)
{
    const u32 *h = (const u32 *)(t + 1);          /* descriptor_size, descriptor_version */
    u32 dsz = h[0];
    if (dsz < sizeof(struct efi_mem_desc))
        return;
    for (u32 off = 16; off + dsz <= t->size; off += dsz) {
        const struct efi_mem_desc *d = (const void *)((const u8 *)t + off);
        if (efi_usable(d->type))
            add_ram(d->phys, d->pages * 4096);
    }
}

static void parse_mb2(void)
{
    u32 total = *(const u32 *)mb2_info;
    const struct mb2_tag *efi_mmap = NULL;
    bool have_mmap = false;
    boot_info.protocol = "multiboot2";
    if (total > MB2_INFO_MAX) {
        klog("boot: multiboot2 information cut at %u of %u bytes", MB2_INFO_MAX, total);
        total = MB2_INFO_MAX;
    }
    for (u32 off = 8; off + sizeof(struct mb2_tag) <= total;) {
        const struct mb2_tag *t = (const void *)(mb2_info + off);
        if (t->type == 0 || t->size < sizeof(*t) || off + t->size > total)
            break;
        const u8 *body = (const u8 *)(t + 1);
        u32 blen = t->size - sizeof(*t);
        switch (t->type) {
        case 1:
            copy_str(boot_info.cmdline, sizeof(boot_info.cmdline), (const char *)body, blen);
            break;
        case 2:
            copy_str(boot_info.loader, sizeof(boot_info.loader), (const char *)body, blen);
            break;
        case 6:
            parse_mb2_mmap(t);
            have_mmap = true;
            break;
        case 17:
            efi_mmap = t;
            break;
        case 14:
        case 15:
            /* Prefer the 2.0 copy (XSDT) whatever the order of the tags. */
            if (blen >= 20 && (t->type == 15 || !boot_info.has_rsdp_copy)) {
                memcpy(boot_info.rsdp_copy, body, MIN(blen, sizeof(boot_info.rsdp_copy)));
                boot_info.has_rsdp_copy = true;
            }
            break;
        }
        off += ALIGN_UP(t->size, 8);
    }
    if (!have_mmap && efi_mmap != NULL)
        parse_efi_mmap(efi_mmap);
    if (boot_info.nram == 0)
        panic("multiboot2 information without a memory map");
}

void bootinfo_parse(u64 info_pa, u32 magic)
{
    if (magic == BOOT_MB2_MAGIC)
        parse_mb2();
    else
        parse_pvh(info_pa);
    klog("boot: %s%s%s, %d RAM ranges%s%s", boot_info.protocol,
         boot_info.loader[0] != '\0' ? " from " : "", boot_info.loader, boot_info.nram,
         boot_info.cmdline[0] != '\0' ? ", cmdline: " : "", boot_info.cmdline);
}
