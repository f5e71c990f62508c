/*
 * virtio.c - virtio 1.0 over modern PCI, and split virtqueues.  The device's
 * vendor capabilities (cfg_type 1..4) locate four register windows inside its
 * memory BARs; we map each BAR once (pci_map_bar) and keep pointers into it.
 * Queue memory is one run of zeroed, physically contiguous pages: the
 * descriptor table, then the available ring, then (on its own page) the used
 * ring.  Invariants: a descriptor is either on the free list (linked through
 * `next`) or part of exactly one chain owned by the device; q->num_free
 * counts the former; q->cookie[head] is non-NULL exactly while the chain
 * starting at head is in flight.  The device owns the used ring and the
 * chains; the driver owns everything else.
 */
#include "virtio.h"
#include "x86_64/cpu.h"

/* struct virtio_pci_common_cfg field offsets (virtio 1.0, 4.1.4.3) */
#define CC_DEVICE_FEATURE_SELECT 0
#define CC_DEVICE_FEATURE 4
#define CC_DRIVER_FEATURE_SELECT 8
#define CC_DRIVER_FEATURE 12
#define CC_MSIX_CONFIG 16
#define CC_NUM_QUEUES 18
#define CC_DEVICE_STATUS 20
#define CC_CONFIG_GENERATION 21
#define CC_QUEUE_SELECT 22
#define CC_QUEUE_SIZE 24
#define CC_QUEUE_MSIX_VECTOR 26
#define CC_QUEUE_ENABLE 28
#define CC_QUEUE_NOTIFY_OFF 30
#define CC_QUEUE_DESC 32
#define CC_QUEUE_DRIVER 40
#define CC_QUEUE_DEVICE 48
#define CC_MIN_LEN 56

/* struct virtio_pci_cap (4.1.4) */
#define CAP_CFG_TYPE 3
#define CAP_BAR 4
#define CAP_OFFSET 8
#define CAP_LENGTH 12
#define CAP_NOTIFY_MULT 16
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4

#define VIRTIO_NO_VECTOR 0xffff
#define RESET_SPINS 1000000

static u8 cc_read8(struct virtio_dev *vd, u32 off) { return *(volatile u8 *)(vd->common + off); }
static u16 cc_read16(struct virtio_dev *vd, u32 off) { return *(volatile u16 *)(vd->common + off); }
static u32 cc_read32(struct virtio_dev *vd, u32 off) { return *(volatile u32 *)(vd->common + off); }
static void cc_write8(struct virtio_dev *vd, u32 off, u8 v) { *(volatile u8 *)(vd->common + off) = v; }
static void cc_write16(struct virtio_dev *vd, u32 off, u16 v) { *(volatile u16 *)(vd->common + off) = v; }
static void cc_write32(struct virtio_dev *vd, u32 off, u32 v) { *(volatile u32 *)(vd->common + off) = v; }

/* 64-bit queue addresses are written as two 32-bit halves, low first. */
static void cc_write64(struct virtio_dev *vd, u32 off, u64 v)
{
    cc_write32(vd, off, (u32)v);
    cc_write32(vd, off + 4, (u32)(v >> 32));
}

static void set_status(struct virtio_dev *vd, u8 bits)
{
    cc_write8(vd, CC_DEVICE_STATUS, cc_read8(vd, CC_DEVICE_STATUS) | bits);
}

int virtio_pci_type(const struct pci_dev *pci)
{
    if (pci->vendor != VIRTIO_PCI_VENDOR)
        return 0;
    if (pci->device >= VIRTIO_PCI_MODERN_BASE && pci->device <= 0x107f)
        return pci->device - VIRTIO_PCI_MODERN_BASE;
    if (pci->device >= 0x1000 && pci->device <= 0x103f)
        return pci->subsys_device;     /* transitional device: type in the subsystem id */
    return 0;
}

/* Map the region a virtio capability at `cap` describes; NULL if invalid. */
static volatile u8 *map_cap(struct virtio_dev *vd, u8 cap, u32 *len)
{
    u8 bar = pci_read8(vd->pci, cap + CAP_BAR);
    u32 off = pci_read32(vd->pci, cap + CAP_OFFSET);
    u32 n = pci_read32(vd->pci, cap + CAP_LENGTH);
    u8 *va = pci_map_bar_range(vd->pci, bar, off, n);
    if (va != NULL && len != NULL)
        *len = n;
    return va;
}

/* Walk the vendor capabilities and map the first of each kind we use. */
static int find_regions(struct virtio_dev *vd)
{
    u32 len, common_len = 0;
    for (u8 cap = pci_find_cap(vd->pci, PCI_CAP_VENDOR, 0); cap != 0;
         cap = pci_find_cap(vd->pci, PCI_CAP_VENDOR, cap)) {
        u8 type = pci_read8(vd->pci, cap + CAP_CFG_TYPE);
        if (type == CFG_COMMON && vd->common == NULL) {
            vd->common = map_cap(vd, cap, &common_len);
        } else if (type == CFG_NOTIFY && vd->notify_base == NULL) {
            vd->notify_base = map_cap(vd, cap, &vd->notify_len);
            vd->notify_mult = pci_read32(vd->pci, cap + CAP_NOTIFY_MULT);
        } else if (type == CFG_ISR && vd->isr == NULL) {
            vd->isr = map_cap(vd, cap, &len);
        } else if (type == CFG_DEVICE && vd->devcfg == NULL) {
            vd->devcfg = map_cap(vd, cap, &vd->devcfg_len);
        }
    }
    if (vd->common == NULL || vd->notify_base == NULL || common_len < CC_MIN_LEN)
        return -ENODEV;
    return 0;
}

/* Write 0 to the status register and wait until the device reads back 0. */
static int reset(struct virtio_dev *vd)
{
    cc_write8(vd, CC_DEVICE_STATUS, 0);
    for (int i = 0; i < RESET_SPINS; i++) {
        if (cc_read8(vd, CC_DEVICE_STATUS) == 0)
            return 0;
        cpu_pause();
    }
    return -EIO;
}

int virtio_pci_init(struct virtio_dev *vd, struct pci_dev *pci)
{
    memset(vd, 0, sizeof(*vd));
    vd->pci = pci;
    vd->type = virtio_pci_type(pci);
    if (vd->type == 0)
        return -ENODEV;
    pci_enable(pci);
    int r = find_regions(vd);
    if (r != 0)
        return r;
    r = reset(vd);
    if (r != 0)
        return r;
    set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
    set_status(vd, VIRTIO_STATUS_DRIVER);
    cc_write16(vd, CC_MSIX_CONFIG, VIRTIO_NO_VECTOR);
    return 0;
}

static u64 device_features(struct virtio_dev *vd)
{
    cc_write32(vd, CC_DEVICE_FEATURE_SELECT, 0);
    u64 lo = cc_read32(vd, CC_DEVICE_FEATURE);
    cc_write32(vd, CC_DEVICE_FEATURE_SELECT, 1);
    u64 hi = cc_read32(vd, CC_DEVICE_FEATURE);
    return lo | (hi << 32);
}

int virtio_negotiate(struct virtio_dev *vd, u64 wanted)
{
    u64 offered = device_features(vd);
    if ((offered & VIRTIO_BIT(VIRTIO_F_VERSION_1)) == 0)
        return -ENODEV;
    /* No IOMMU: physical addresses are bus addresses, so ACCESS_PLATFORM is harmless. */
    wanted |= VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM);
    vd->features = offered & wanted;
    cc_write32(vd, CC_DRIVER_FEATURE_SELECT, 0);
    cc_write32(vd, CC_DRIVER_FEATURE, (u32)vd->features);
    cc_write32(vd, CC_DRIVER_FEATURE_SELECT, 1);
    cc_write32(vd, CC_DRIVER_FEATURE, (u32)(vd->features >> 32));
    set_status(vd, VIRTIO_STATUS_FEATURES_OK);
    if ((cc_read8(vd, CC_DEVICE_STATUS) & VIRTIO_STATUS_FEATURES_OK) == 0)
        return -ENODEV;
    return 0;
}

u16 virtio_num_queues(struct virtio_dev *vd)
{
    return cc_read16(vd, CC_NUM_QUEUES);
}

/* Byte offsets of the avail and used rings for a queue of n, and total pages. */
static void ring_layout(u16 n, size_t *avail_off, size_t *used_off, size_t *pages)
{
    *avail_off = sizeof(struct virtq_desc) * n;
    *used_off = ALIGN_UP(*avail_off + 6 + 2 * (size_t)n, PAGE_SIZE);
    *pages = (*used_off + ALIGN_UP(6 + sizeof(struct virtq_used_elem) * n, PAGE_SIZE)) / PAGE_SIZE;
}

/* Carve the ring pages into desc/avail/used and thread the free list. */
static int alloc_rings(struct virtq *q, u16 n)
{
    size_t avail_off, used_off, pages;
    ring_layout(n, &avail_off, &used_off, &pages);
    u64 pa = pages_alloc(pages);
    if (pa == 0)
        return -ENOMEM;
    u8 *va = phys_to_virt(pa);
    q->ring_pa = pa;
    q->ring_pages = pages;
    q->size = n;
    q->desc = (struct virtq_desc *)va;
    q->avail = (struct virtq_avail *)(va + avail_off);
    q->used = (volatile struct virtq_used *)(va + used_off);
    for (u16 i = 0; i < n; i++)
        q->desc[i].next = (u16)(i + 1);
    q->free_head = 0;
    q->num_free = n;
    q->last_used = 0;
    q->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
    return 0;
}

int virtq_setup(struct virtio_dev *vd, u16 index, struct virtq *q, u16 max_size)
{
    memset(q, 0, sizeof(*q));
    q->index = index;
    cc_write16(vd, CC_QUEUE_SELECT, index);
    u16 dev_size = cc_read16(vd, CC_QUEUE_SIZE);
    if (index >= virtio_num_queues(vd) || dev_size == 0)
        return -ENOENT;
    u16 n = MIN(MIN(dev_size, max_size), VIRTQ_MAX_SIZE);
    while ((n & (n - 1)) != 0)
        n &= (u16)(n - 1);             /* largest power of two not above */
    if (n == 0)
        return -EINVAL;
    int r = alloc_rings(q, n);
    if (r != 0)
        return r;
    u64 pa = q->ring_pa;
    cc_write16(vd, CC_QUEUE_SIZE, n);
    cc_write16(vd, CC_QUEUE_MSIX_VECTOR, VIRTIO_NO_VECTOR);
    cc_write64(vd, CC_QUEUE_DESC, pa);
    cc_write64(vd, CC_QUEUE_DRIVER, pa + ((u8 *)q->avail - (u8 *)q->desc));
    cc_write64(vd, CC_QUEUE_DEVICE, pa + ((volatile u8 *)q->used - (u8 *)q->desc));
    u64 notify_at = (u64)cc_read16(vd, CC_QUEUE_NOTIFY_OFF) * vd->notify_mult;
    if (notify_at + 2 > vd->notify_len) {
        pages_free(q->ring_pa, q->ring_pages);
        q->ring_pa = 0;
        return -EINVAL;                /* the device points outside its notify region */
    }
    q->notify = (volatile u16 *)(vd->notify_base + notify_at);
    cc_write16(vd, CC_QUEUE_ENABLE, 1);
    return 0;
}

void virtio_driver_ok(struct virtio_dev *vd)
{
    set_status(vd, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_fail(struct virtio_dev *vd, struct virtq *queues, int nqueues)
{
    if (vd->common != NULL) {
        reset(vd);                     /* the device forgets the rings before we free them */
        set_status(vd, VIRTIO_STATUS_FAILED);
    }
    for (int i = 0; i < nqueues; i++) {
        if (queues[i].ring_pa != 0)
            pages_free(queues[i].ring_pa, queues[i].ring_pages);
        queues[i].ring_pa = 0;
        queues[i].num_free = 0;
    }
}

/* ---- device configuration space ---- */

#define CFG_READ(vd, off, type)                                            \
    ({                                                                     \
        type v_;                                                           \
        u8 gen_;                                                           \
        do {                                                               \
            gen_ = cc_read8(vd, CC_CONFIG_GENERATION);                     \
            v_ = *(volatile type *)((vd)->devcfg + (off));                 \
        } while (gen_ != cc_read8(vd, CC_CONFIG_GENERATION));              \
        v_;                                                                \
    })

u8 virtio_cfg_read8(struct virtio_dev *vd, u32 off)
{
    kassert(vd->devcfg != NULL && off + 1 <= vd->devcfg_len);
    return CFG_READ(vd, off, u8);
}

u16 virtio_cfg_read16(struct virtio_dev *vd, u32 off)
{
    kassert(vd->devcfg != NULL && off + 2 <= vd->devcfg_len);
    return CFG_READ(vd, off, u16);
}

u32 virtio_cfg_read32(struct virtio_dev *vd, u32 off)
{
    kassert(vd->devcfg != NULL && off + 4 <= vd->devcfg_len);
    return CFG_READ(vd, off, u32);
}

/* Two 32-bit reads under one generation (the spec does not promise atomic 64-bit access). */
u64 virtio_cfg_read64(struct virtio_dev *vd, u32 off)
{
    kassert(vd->devcfg != NULL && off + 8 <= vd->devcfg_len);
    u32 lo, hi;
    u8 gen;
    do {
        gen = cc_read8(vd, CC_CONFIG_GENERATION);
        lo = *(volatile u32 *)(vd->devcfg + off);
        hi = *(volatile u32 *)(vd->devcfg + off + 4);
    } while (gen != cc_read8(vd, CC_CONFIG_GENERATION));
    return ((u64)hi << 32) | lo;
}

/* ---- split virtqueue ---- */

int virtq_add(struct virtq *q, const struct virtq_seg *segs, int n, void *cookie)
{
    kassert(cookie != NULL);
    if (n <= 0)
        return -EINVAL;
    if (n > q->num_free)
        return -ENOSPC;
    u16 head = q->free_head, i = head, last = head;
    for (int k = 0; k < n; k++) {
        struct virtq_desc *d = &q->desc[i];
        d->addr = segs[k].pa;
        d->len = segs[k].len;
        d->flags = (segs[k].write ? VIRTQ_DESC_F_WRITE : 0) | (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0);
        last = i;
        i = d->next;
    }
    q->free_head = q->desc[last].next;
    q->num_free -= (u16)n;
    q->cookie[head] = cookie;
    u16 idx = *(volatile u16 *)&q->avail->idx;
    q->avail->ring[idx & (q->size - 1)] = head;
    barrier();                         /* ring entry before index (x86 keeps store order) */
    *(volatile u16 *)&q->avail->idx = (u16)(idx + 1);
    return 0;
}

void virtq_kick(struct virtq *q)
{
    __asm__ volatile("mfence" ::: "memory");   /* publish avail->idx before reading flags */
    if ((q->used->flags & VIRTQ_USED_F_NO_NOTIFY) == 0)
        *q->notify = q->index;
}

void *virtq_poll(struct virtq *q, u32 *len)
{
    if (q->last_used == q->used->idx)
        return NULL;
    barrier();                         /* read the element only after seeing the index */
    volatile struct virtq_used_elem *e = &q->used->ring[q->last_used & (q->size - 1)];
    u32 id = e->id, written = e->len;
    kassert(id < q->size && q->cookie[id] != NULL);
    u16 i = (u16)id, n = 1;
    while ((q->desc[i].flags & VIRTQ_DESC_F_NEXT) != 0) {
        i = q->desc[i].next;
        n++;
    }
    q->desc[i].next = q->free_head;
    q->free_head = (u16)id;
    q->num_free += n;
    q->last_used++;
    void *cookie = q->cookie[id];
    q->cookie[id] = NULL;
    if (len != NULL)
        *len = written;
    return cookie;
}

void *virtq_wait(struct virtq *q, u32 *len, u64 deadline_ns)
{
    for (u32 spins = 0;; spins++) {
        void *c = virtq_poll(q, len);
        if (c != NULL)
            return c;
        if (deadline_ns != 0 && (spins & 1023) == 0 && now_ns() >= deadline_ns)
            return NULL;
        cpu_pause();
    }
}

/* ---- DMA addresses ---- */

/* Physical address of a kernel virtual address and how many bytes from it
 * are certainly contiguous (to the end of the page, or of the direct map or
 * kernel image run).  -EFAULT when it is not mapped kernel memory. */
static int dma_translate(u64 va, u64 *pa, u64 *contig)
{
    if (va < DIRECT_MAP)
        return -EFAULT;
    if (va < DIRECT_MAP + (1UL << 46)) {
        *pa = va - DIRECT_MAP;
        *contig = DIRECT_MAP + (1UL << 46) - va;
        return 0;
    }
    if (va >= KERNEL_BASE) {
        *pa = va - KERNEL_BASE;
        *contig = 0 - va;
        return 0;
    }
    u64 *pte = mmu_pte(va);
    if (pte == NULL || (*pte & PTE_P) == 0)
        return -EFAULT;
    *pa = (*pte & PTE_ADDR_MASK) | (va & (PAGE_SIZE - 1));
    *contig = PAGE_SIZE - (va & (PAGE_SIZE - 1));
    return 0;
}

int virtio_dma_segments(const void *buf, u64 len, u32 max_seg_len, bool write,
                        struct virtq_seg *segs, int max)
{
    u64 va = (u64)buf;
    int n = 0;
    while (len > 0) {
        u64 pa, contig;
        int r = dma_translate(va, &pa, &contig);
        if (r != 0)
            return r;
        u64 take = MIN(len, contig);
        if (n > 0 && segs[n - 1].pa + segs[n - 1].len == pa && segs[n - 1].len + take <= max_seg_len) {
            segs[n - 1].len += (u32)take;
        } else {
            take = MIN(take, max_seg_len);
            if (n == max)
                return -E2BIG;
            segs[n].pa = pa;
            segs[n].len = (u32)take;
            segs[n].write = write;
            n++;
        }
        va += take;
        len -= take;
    }
    return n;
}

/* ------------------------------------------------ MSI-X (added by net) */

#define MSIX_CTRL 2                    /* message control: table size - 1, mask, enable */
#define MSIX_TABLE 4                   /* table offset | BIR */
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_MASKALL 0x4000
#define MSIX_ENTRY_SIZE 16

/* Fill MSI-X table entry `entry` of vd with a fixed, edge-triggered message
 * to `vector` on the boot CPU's local APIC and enable MSI-X.  0, -ENODEV
 * without MSI-X or with too small a table, -ENOMEM when it cannot be mapped. */
static int msix_program(struct virtio_dev *vd, u16 entry, int vector)
{
    u8 cap = pci_find_cap(vd->pci, PCI_CAP_MSIX, 0);
    if (cap == 0)
        return -ENODEV;
    u16 ctrl = pci_read16(vd->pci, cap + MSIX_CTRL);
    u32 size = (u32)(ctrl & 0x7ff) + 1;
    if (entry >= size)
        return -ENODEV;
    u32 tbl = pci_read32(vd->pci, cap + MSIX_TABLE);
    volatile u32 *e = pci_map_bar_range(vd->pci, (int)(tbl & 7), (tbl & ~7U) + entry * MSIX_ENTRY_SIZE,
                                        MSIX_ENTRY_SIZE);
    if (e == NULL)
        return -ENOMEM;
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    e[3] = 1;                          /* masked while it changes */
    e[0] = 0xfee00000U | ((b >> 24) << 12);
    e[1] = 0;
    e[2] = (u32)vector;
    e[3] = 0;
    pci_write16(vd->pci, cap + MSIX_CTRL, (u16)((ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL));
    return 0;
}

int virtq_route_irq(struct virtio_dev *vd, struct virtq *q, u16 entry, int vector)
{
    int r = msix_program(vd, entry, vector);
    if (r != 0)
        return r;
    cc_write16(vd, CC_QUEUE_SELECT, q->index);
    cc_write16(vd, CC_QUEUE_MSIX_VECTOR, entry);
    if (cc_read16(vd, CC_QUEUE_MSIX_VECTOR) != entry)
        return -EIO;                   /* the device refused the vector */
    q->avail->flags = 0;               /* interrupts wanted from now on */
    return 0;
}
