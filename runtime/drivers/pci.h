/*
 * pci.h - PCI bus enumeration and configuration space access (configuration
 * mechanism #1, ports 0xCF8/0xCFC, which QEMU's pc and q35 machines both
 * provide).  pci_scan() walks bus 0 and every bus behind a PCI-PCI bridge
 * once at boot and records each function in a fixed table (ids and class
 * only: it writes nothing); drivers then look devices up by index, walk
 * capability lists, size and map BARs and enable DMA.
 * Single CPU, no preemption in the kernel: the CF8/CFC pair needs no lock.
 */
#ifndef SOLO_PCI_H
#define SOLO_PCI_H

#include "../kernel.h"

#define PCI_MAX_DEVICES 64
#define PCI_NBARS 6

/* Configuration space offsets (type 0 header) */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYS_ID 0x2e
#define PCI_CAP_PTR 0x34
#define PCI_IRQ_LINE 0x3c
#define PCI_SECONDARY_BUS 0x19         /* type 1 (bridge) header */

#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_CAP_LIST 0x0010

#define PCI_CAP_MSIX 0x11
#define PCI_CAP_VENDOR 0x09

/* Sizing a BAR means briefly turning decoding off, which makes QEMU rebuild
 * its memory map: slow under TCG.  So BARs are sized on first use (pci_bar),
 * not during the scan; the fields below are valid once pci_bar returned. */
struct pci_bar {
    u64 addr;                          /* bus address (memory) or port number (I/O) */
    u64 size;                          /* 0: BAR not implemented */
    bool io;                           /* I/O-space BAR */
    bool mem64;                        /* 64-bit memory BAR (occupies slots n and n+1) */
    bool sized;
    void *va;                          /* kernel mapping once pci_map_bar ran */
};

struct pci_dev {
    u8 bus, slot, func;
    u16 vendor, device;
    u16 subsys_device;                 /* subsystem id (virtio: transitional device type) */
    u8 class, subclass, prog_if, revision;
    u8 irq_line;
    u8 htype;                          /* header type: 0 device, 1 PCI bridge, 2 CardBus */
    struct pci_bar bar[PCI_NBARS];     /* through pci_bar() only */
};

/* Configuration space access; off must be naturally aligned for its width. */
u32 pci_read32(const struct pci_dev *d, u16 off);
u16 pci_read16(const struct pci_dev *d, u16 off);
u8 pci_read8(const struct pci_dev *d, u16 off);
void pci_write32(const struct pci_dev *d, u16 off, u32 v);
void pci_write16(const struct pci_dev *d, u16 off, u16 v);
void pci_write8(const struct pci_dev *d, u16 off, u8 v);

/* Enumerate every bus once (later calls return the same count); logs one line
 * per function found.  Returns the number of functions recorded. */
int pci_scan(void);
int pci_count(void);
struct pci_dev *pci_get(int index);    /* NULL past the end */

/* Offset of the first capability with this id after offset `after` (0 starts
 * at the head of the list), or 0 when there is none. */
u8 pci_find_cap(const struct pci_dev *d, u8 id, u8 after);

/* BAR n, sized on first use.  NULL for n out of range or the upper half of a
 * 64-bit BAR; size 0 when the BAR is not implemented. */
struct pci_bar *pci_bar(struct pci_dev *d, int n);

/* Map memory BAR n uncached into kernel space (once; later calls return the
 * same pointer).  NULL if the BAR is absent, an I/O BAR, or unmappable. */
void *pci_map_bar(struct pci_dev *d, int n);

/* Map [off, off+len) of memory BAR n uncached.  When firmware assigned the
 * BAR this neither sizes it nor checks the range, which the caller vouches
 * for (it comes from a device capability); an unassigned BAR is sized,
 * assigned and checked.  NULL for an I/O or absent BAR or a bad range. */
void *pci_map_bar_range(struct pci_dev *d, int n, u64 off, u64 len);

/* Turn on memory-space decoding and bus mastering (DMA), INTx off. */
void pci_enable(struct pci_dev *d);

#endif
