/*
 * pci.c - PCI enumeration over configuration mechanism #1.  pci_scan() walks
 * the hierarchy depth-first from bus 0 (each function of a multi-function
 * host bridge at 00:00 is its own root bus; bridges lead to their secondary
 * bus) and records each function in `devs`, reading only.  BARs are sized
 * when a driver first asks for one (see pci.h).  Firmware (SeaBIOS under
 * `qemu -kernel`) normally has assigned BAR addresses already; a memory BAR
 * left at 0 is given the lowest free address in a window of the 32-bit PCI
 * hole, below the IOAPIC/LAPIC area.
 * Invariants: a BAR's fields are meaningful once `sized`; its va is set only
 * by pci_map_bar and never changes afterwards.
 */
#include "pci.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc
#define PCI_CLASS_BRIDGE 0x06
#define PCI_SUBCLASS_PCI_BRIDGE 0x04
#define MMIO_WINDOW_BASE 0xe0000000UL   /* fallback BAR window: in the PCI hole of pc and q35 */
#define MMIO_WINDOW_END 0xfec00000UL    /* IOAPIC and LAPIC live above */

static struct pci_dev devs[PCI_MAX_DEVICES];
static int ndevs;
static bool scanned;

static u32 config_address(u8 bus, u8 slot, u8 func, u16 off)
{
    return 0x80000000U | ((u32)bus << 16) | ((u32)slot << 11) | ((u32)func << 8) | (off & 0xfc);
}

static u32 raw_read32(u8 bus, u8 slot, u8 func, u16 off)
{
    outl(CONFIG_ADDRESS, config_address(bus, slot, func, off));
    return inl(CONFIG_DATA);
}

u32 pci_read32(const struct pci_dev *d, u16 off)
{
    return raw_read32(d->bus, d->slot, d->func, off);
}

u16 pci_read16(const struct pci_dev *d, u16 off)
{
    return (u16)(pci_read32(d, off) >> ((off & 2) * 8));
}

u8 pci_read8(const struct pci_dev *d, u16 off)
{
    return (u8)(pci_read32(d, off) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *d, u16 off, u32 v)
{
    outl(CONFIG_ADDRESS, config_address(d->bus, d->slot, d->func, off));
    outl(CONFIG_DATA, v);
}

void pci_write16(const struct pci_dev *d, u16 off, u16 v)
{
    outl(CONFIG_ADDRESS, config_address(d->bus, d->slot, d->func, off));
    outw(CONFIG_DATA + (off & 2), v);
}

void pci_write8(const struct pci_dev *d, u16 off, u8 v)
{
    outl(CONFIG_ADDRESS, config_address(d->bus, d->slot, d->func, off));
    outb(CONFIG_DATA + (off & 3), v);
}

/* Size BAR n with decoding off (all ones written, mask read back, value
 * restored) and fill in *b.  For a 64-bit BAR, slot n+1 is its upper half. */
static void size_bar(struct pci_dev *d, int n, struct pci_bar *b)
{
    u16 off = PCI_BAR0 + 4 * n, cmd = pci_read16(d, PCI_COMMAND);
    u32 lo = pci_read32(d, off), hi = 0, mask, mhi = 0xffffffffU;

    pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    pci_write32(d, off, 0xffffffffU);
    mask = pci_read32(d, off);
    pci_write32(d, off, lo);
    b->mem64 = (lo & 1) == 0 && ((lo >> 1) & 3) == 2 && n + 1 < PCI_NBARS;
    if (b->mem64) {
        hi = pci_read32(d, off + 4);
        pci_write32(d, off + 4, 0xffffffffU);
        mhi = pci_read32(d, off + 4);
        pci_write32(d, off + 4, hi);
    }
    pci_write16(d, PCI_COMMAND, cmd);
    b->sized = true;
    if (mask == 0 || (mask == 0xffffffffU && !b->mem64))
        return;                        /* not implemented */
    if ((lo & 1) != 0) {
        b->io = true;
        b->addr = lo & ~3U;
        b->size = (u16)~(mask & ~3U) + 1;
        return;
    }
    b->addr = ((u64)hi << 32) | (lo & ~0xfU);
    b->size = ~(((u64)mhi << 32) | (mask & ~0xfU)) + 1;
}

/* True when slot n holds the upper half of a 64-bit memory BAR in slot n-1. */
static bool upper_half(const struct pci_dev *d, int n)
{
    if (n == 0)
        return false;
    u32 prev = pci_read32(d, PCI_BAR0 + 4 * (n - 1));
    return (prev & 1) == 0 && ((prev >> 1) & 3) == 2 && !upper_half(d, n - 1);
}

struct pci_bar *pci_bar(struct pci_dev *d, int n)
{
    if (n < 0 || n >= PCI_NBARS || d->htype != 0 || upper_half(d, n))
        return NULL;
    struct pci_bar *b = &d->bar[n];
    if (!b->sized)
        size_bar(d, n, b);
    return b;
}

static const char *class_name(const struct pci_dev *d)
{
    static const char *const names[] = {
        "legacy", "storage", "network", "display", "multimedia", "memory",
        "bridge", "communication", "system", "input", "docking", "processor", "serial-bus",
    };
    if (d->class < ARRAY_SIZE(names))
        return names[d->class];
    return "other";
}

static void scan_bus(u8 bus, int depth);

/* Record one function (if the table has room) and descend into bridges. */
static void add_function(u8 bus, u8 slot, u8 func, int depth)
{
    u32 id = raw_read32(bus, slot, func, PCI_VENDOR_ID);
    u32 cls = raw_read32(bus, slot, func, PCI_REVISION);
    u8 htype = (u8)(raw_read32(bus, slot, func, 0x0c) >> 16) & 0x7f;

    if (ndevs < PCI_MAX_DEVICES) {
        struct pci_dev *d = &devs[ndevs++];
        memset(d, 0, sizeof(*d));
        d->bus = bus;
        d->slot = slot;
        d->func = func;
        d->vendor = (u16)id;
        d->device = (u16)(id >> 16);
        d->revision = (u8)cls;
        d->prog_if = (u8)(cls >> 8);
        d->subclass = (u8)(cls >> 16);
        d->class = (u8)(cls >> 24);
        d->htype = htype;
        if (htype == 0) {
            d->subsys_device = pci_read16(d, PCI_SUBSYS_ID);
            d->irq_line = pci_read8(d, PCI_IRQ_LINE);
        }
        klog("pci %02x:%02x.%u %04x:%04x class %02x.%02x.%02x %s", bus, slot, func,
             d->vendor, d->device, d->class, d->subclass, d->prog_if, class_name(d));
    } else {
        klog("pci %02x:%02x.%u ignored: more than %d functions", bus, slot, func, PCI_MAX_DEVICES);
    }
    if (htype == 1 && (cls >> 24) == PCI_CLASS_BRIDGE && ((cls >> 16) & 0xff) == PCI_SUBCLASS_PCI_BRIDGE) {
        u8 sec = (u8)(raw_read32(bus, slot, func, 0x18) >> 8);
        if (sec != 0 && sec > bus && depth < 8)
            scan_bus(sec, depth + 1);
    }
}

static void scan_slot(u8 bus, u8 slot, int depth)
{
    if ((u16)raw_read32(bus, slot, 0, PCI_VENDOR_ID) == 0xffff)
        return;
    add_function(bus, slot, 0, depth);
    if ((raw_read32(bus, slot, 0, 0x0c) & 0x00800000U) == 0)
        return;
    for (u8 func = 1; func < 8; func++)
        if ((u16)raw_read32(bus, slot, func, PCI_VENDOR_ID) != 0xffff)
            add_function(bus, slot, func, depth);
}

static void scan_bus(u8 bus, int depth)
{
    for (u8 slot = 0; slot < 32; slot++)
        scan_slot(bus, slot, depth);
}

/* True when [addr, addr+size) overlaps an assigned memory BAR of any device. */
static bool bar_overlaps(u64 addr, u64 size)
{
    for (int i = 0; i < ndevs; i++)
        for (int n = 0; n < PCI_NBARS; n++) {
            struct pci_bar *b = pci_bar(&devs[i], n);
            if (b == NULL || b->size == 0 || b->io || b->addr == 0)
                continue;
            if (addr < b->addr + b->size && b->addr < addr + size)
                return true;
        }
    return false;
}

/* Give an unassigned memory BAR the lowest free, naturally aligned address in
 * the fallback window (bus 0 devices; bridge windows are not programmed).
 * 0 or -ENOSPC. */
static int assign_bar(struct pci_dev *d, int n)
{
    struct pci_bar *b = &d->bar[n];
    u64 addr = ALIGN_UP(MMIO_WINDOW_BASE, b->size);
    while (addr + b->size <= MMIO_WINDOW_END && bar_overlaps(addr, b->size))
        addr += b->size;
    if (addr + b->size > MMIO_WINDOW_END)
        return -ENOSPC;
    u16 cmd = pci_read16(d, PCI_COMMAND);
    pci_write16(d, PCI_COMMAND, cmd & ~PCI_COMMAND_MEMORY);
    pci_write32(d, PCI_BAR0 + 4 * n, (u32)addr | (pci_read32(d, PCI_BAR0 + 4 * n) & 0xf));
    if (b->mem64)
        pci_write32(d, PCI_BAR0 + 4 * n + 4, 0);
    pci_write16(d, PCI_COMMAND, cmd);
    b->addr = addr;
    klog("pci %02x:%02x.%u BAR%d assigned %lx (%lu KiB)", d->bus, d->slot, d->func, n,
         addr, b->size >> 10);
    return 0;
}

int pci_scan(void)
{
    if (scanned)
        return ndevs;
    scanned = true;
    if ((u16)raw_read32(0, 0, 0, PCI_VENDOR_ID) == 0xffff) {
        klog("pci: no host bridge at 00:00.0, no PCI bus");
        return 0;
    }
    if ((raw_read32(0, 0, 0, 0x0c) & 0x00800000U) == 0) {
        scan_bus(0, 0);
    } else {
        for (u8 func = 0; func < 8; func++)
            if ((u16)raw_read32(0, 0, func, PCI_VENDOR_ID) != 0xffff)
                scan_bus(func, 0);
    }
    return ndevs;
}

int pci_count(void)
{
    return ndevs;
}

struct pci_dev *pci_get(int index)
{
    if (index < 0 || index >= ndevs)
        return NULL;
    return &devs[index];
}

u8 pci_find_cap(const struct pci_dev *d, u8 id, u8 after)
{
    if ((pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST) == 0)
        return 0;
    u8 off = after == 0 ? pci_read8(d, PCI_CAP_PTR) : pci_read8(d, after + 1);
    for (int guard = 0; off >= 0x40 && guard < 48; guard++) {
        off &= 0xfc;
        if (pci_read8(d, off) == id)
            return off;
        off = pci_read8(d, off + 1);
    }
    return 0;
}

void *pci_map_bar(struct pci_dev *d, int n)
{
    struct pci_bar *b = pci_bar(d, n);
    if (b == NULL || b->size == 0 || b->io)
        return NULL;
    if (b->va != NULL)
        return b->va;
    if (b->addr == 0 && assign_bar(d, n) != 0) {
        klog("pci %02x:%02x.%u BAR%d: no address space left", d->bus, d->slot, d->func, n);
        return NULL;
    }
    b->va = ioremap(b->addr, b->size);
    return b->va;
}

/* The address firmware put in memory BAR n (0 if none), read without sizing. */
static u64 bar_address(const struct pci_dev *d, int n)
{
    u32 lo = pci_read32(d, PCI_BAR0 + 4 * n);
    if ((lo & 1) != 0)
        return 0;
    u64 addr = lo & ~0xfU;
    if (((lo >> 1) & 3) == 2 && n + 1 < PCI_NBARS)
        addr |= (u64)pci_read32(d, PCI_BAR0 + 4 * n + 4) << 32;
    return addr;
}

void *pci_map_bar_range(struct pci_dev *d, int n, u64 off, u64 len)
{
    if (n < 0 || n >= PCI_NBARS || d->htype != 0 || upper_half(d, n) || len == 0)
        return NULL;
    u64 addr = d->bar[n].sized ? d->bar[n].addr : bar_address(d, n);
    if (addr == 0 || d->bar[n].sized) {
        struct pci_bar *b = pci_bar(d, n);
        if (b->size == 0 || b->io || off > b->size || len > b->size - off)
            return NULL;
        if (b->addr == 0 && assign_bar(d, n) != 0)
            return NULL;
        addr = b->addr;
    }
    return ioremap(addr + off, len);
}

void pci_enable(struct pci_dev *d)
{
    u16 cmd = pci_read16(d, PCI_COMMAND);
    cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE;
    pci_write16(d, PCI_COMMAND, cmd);
}
