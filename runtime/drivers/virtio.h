/*
 * virtio.h - the virtio 1.0 modern PCI transport and split virtqueues, shared
 * by every virtio driver (blk now; net and rng later).  A driver:
 *   1. virtio_pci_init(&vd, pci)           reset, ACKNOWLEDGE|DRIVER, map the
 *                                          common/notify/ISR/device regions
 *   2. virtio_negotiate(&vd, wanted)       accept wanted & offered (+VERSION_1)
 *   3. virtq_setup(&vd, i, &q, max)        for each queue it uses
 *   4. virtio_driver_ok(&vd)
 * then submits buffer chains with virtq_add + virtq_kick and collects them
 * with virtq_poll (non-blocking) or virtq_wait (spins until one completes).
 * On any setup error call virtio_fail(&vd).
 * Completion is polled today: queues are set up with no MSI-X vector and the
 * driver asks the device not to interrupt.  An interrupt-driven driver would
 * call virtq_poll from its handler and let waiters block on a waitq; nothing
 * in the queue layout changes.  Single CPU, kernel not preemptible: no locks.
 */
#ifndef SOLO_VIRTIO_H
#define SOLO_VIRTIO_H

#include "../kernel.h"
#include "pci.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_MODERN_BASE 0x1040  /* modern device id = 0x1040 + virtio type */

/* virtio device types */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4

/* device status bits */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* transport feature bits (device-specific ones live in each driver) */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_RING_PACKED 34
#define VIRTIO_BIT(f) (1ULL << (f))

/* split ring layout (virtio 1.0 section 2.4) */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1
#define VIRTQ_MAX_SIZE 256             /* we never use more descriptors than this per queue */

struct virtq_desc {
    u64 addr;
    u32 len;
    u16 flags;
    u16 next;
};

struct virtq_avail {
    u16 flags;
    u16 idx;
    u16 ring[];
};

struct virtq_used_elem {
    u32 id;
    u32 len;
};

struct virtq_used {
    u16 flags;
    u16 idx;
    struct virtq_used_elem ring[];
};

/* One split virtqueue.  Descriptors not in flight form a free list through `next`. */
struct virtq {
    u16 index;                         /* queue number on the device */
    u16 size;                          /* descriptors (power of two) */
    u16 num_free;
    u16 free_head;
    u16 last_used;                     /* next used-ring slot to consume */
    struct virtq_desc *desc;
    struct virtq_avail *avail;
    volatile struct virtq_used *used;
    volatile u16 *notify;              /* where the driver writes `index` to kick */
    void *cookie[VIRTQ_MAX_SIZE];      /* per chain head: the caller's token */
    u64 ring_pa;                       /* the pages holding desc/avail/used */
    size_t ring_pages;
};

/* A device reached through the modern PCI transport. */
struct virtio_dev {
    struct pci_dev *pci;
    int type;                          /* VIRTIO_ID_* */
    volatile u8 *common;               /* struct virtio_pci_common_cfg */
    volatile u8 *notify_base;
    u32 notify_len;
    u32 notify_mult;                   /* notify_off_multiplier */
    volatile u8 *isr;
    volatile u8 *devcfg;               /* device-specific configuration */
    u32 devcfg_len;
    u64 features;                      /* negotiated */
};

/* One buffer of a chain: device-readable unless `write` is set. */
struct virtq_seg {
    u64 pa;
    u32 len;
    bool write;
};

/* The virtio device type of a PCI function (0 if it is not a virtio device). */
int virtio_pci_type(const struct pci_dev *pci);

/* Reset the device, find and map its virtio capabilities and set ACKNOWLEDGE
 * and DRIVER.  0, or -ENODEV when it is not a modern virtio device, -ENOMEM
 * when a region cannot be mapped. */
int virtio_pci_init(struct virtio_dev *vd, struct pci_dev *pci);

/* Offer `wanted` (device-specific bits) plus VERSION_1, keep what the device
 * also offers, and confirm FEATURES_OK.  Result in vd->features.  0, or
 * -ENODEV when the device lacks VERSION_1 or refuses the set. */
int virtio_negotiate(struct virtio_dev *vd, u64 wanted);

static inline bool virtio_has(const struct virtio_dev *vd, int bit)
{
    return (vd->features & VIRTIO_BIT(bit)) != 0;
}

/* Number of queues the device offers. */
u16 virtio_num_queues(struct virtio_dev *vd);

/* Allocate and register queue `index` with at most max_size descriptors (and
 * never more than VIRTQ_MAX_SIZE or the device's size).  0, -ENOENT when the
 * device has no such queue, -ENOMEM. */
int virtq_setup(struct virtio_dev *vd, u16 index, struct virtq *q, u16 max_size);

void virtio_driver_ok(struct virtio_dev *vd);

/* Mark the device FAILED and release queue memory; it stays unusable. */
void virtio_fail(struct virtio_dev *vd, struct virtq *queues, int nqueues);

/* Device configuration reads, retried until the config generation is stable. */
u8 virtio_cfg_read8(struct virtio_dev *vd, u32 off);
u16 virtio_cfg_read16(struct virtio_dev *vd, u32 off);
u32 virtio_cfg_read32(struct virtio_dev *vd, u32 off);
u64 virtio_cfg_read64(struct virtio_dev *vd, u32 off);

/* Chain n segments (device-readable ones first, by virtio convention) and
 * publish the chain; cookie (non-NULL) comes back from virtq_poll.  Does not
 * notify.  0, -ENOSPC when fewer than n descriptors are free, -EINVAL for n 0. */
int virtq_add(struct virtq *q, const struct virtq_seg *segs, int n, void *cookie);

/* Tell the device new chains are available (unless it asked not to be told). */
void virtq_kick(struct virtq *q);

/* Take one completed chain off the used ring: returns its cookie and the
 * bytes the device wrote (*len, may be NULL), or NULL when none is done. */
void *virtq_poll(struct virtq *q, u32 *len);

/* Spin until a chain completes or deadline_ns (now_ns clock; 0 = never)
 * passes; returns its cookie, or NULL on timeout. */
void *virtq_wait(struct virtq *q, u32 *len, u64 deadline_ns);

/* Device DMA address ranges for a kernel buffer (direct map, kernel image or
 * other mapped kernel pages): fills at most max segments, merging physically
 * contiguous pages, none longer than max_seg_len, and returns how many it
 * used; -EFAULT for an unmapped or user address, -E2BIG when max is too few. */
int virtio_dma_segments(const void *buf, u64 len, u32 max_seg_len, bool write,
                        struct virtq_seg *segs, int max);

/* Drivers built on this transport: bring up one PCI function (0 or -errno). */
int virtio_blk_probe(struct pci_dev *pci);
int virtio_rng_probe(struct pci_dev *pci);
int virtio_console_probe(struct pci_dev *pci);

/* virtio-console (runtime/drivers/virtio_console.c), behind the console_*
 * functions of kernel.h.  vcon_write: 0, or -ENODEV when stream (1 stdout,
 * 2 stderr) has no port (use the UART).  vcon_read/readable/pending answer
 * EOF (0 / true / 0) when there is no stdin port. */
int vcon_write(int stream, const void *buf, size_t n);
void vcon_flush(void);
bool vcon_has_stdin(void);
long vcon_read(void *buf, size_t n, bool nonblock);
int vcon_readable(void);
long vcon_pending(void);

/* Ask for interrupts from queue q (added by net): MSI-X table entry `entry`
 * delivers CPU vector `vector` (fixed, edge) to the boot CPU, and the queue
 * stops suppressing interrupts.  Register the handler (irq_register) first.
 * 0, -ENODEV without MSI-X, -EIO when the device refuses, -ENOMEM. */
int virtq_route_irq(struct virtio_dev *vd, struct virtq *q, u16 entry, int vector);

/* virtio-net (runtime/drivers/virtio_net.c), driven by net/netif.c.  Frames
 * are Ethernet frames without the virtio-net header. */
#define VNET_FRAME_MAX 1514
struct vnet_info {
    u8 mac[6];
    bool csum_tx;                      /* device completes checksums (VIRTIO_NET_F_CSUM) */
    bool csum_rx;                      /* device marks verified checksums (GUEST_CSUM) */
    bool irq;                          /* RX interrupts work (else poll) */
};
/* One received frame; csum_ok: the device vouched for its L4 checksum (or it
 * was produced locally with a partial one: do not check it). */
typedef void (*vnet_rx_fn)(const void *frame, u32 len, bool csum_ok);
int virtio_net_probe(struct pci_dev *pci);
bool virtio_net_info(struct vnet_info *out);   /* false: no device */
/* Start delivering: rx gets frames from virtio_net_poll; irq_fn (may be NULL)
 * runs in interrupt context when the device signals new frames. */
void virtio_net_start(vnet_rx_fn rx, void (*irq_fn)(void));
int virtio_net_poll(void);             /* frames delivered to rx */
struct vnet_frag {
    const void *p;
    u32 len;
};
/* Send one frame gathered from n fragments (<= VNET_FRAME_MAX bytes in all).
 * tcp_partial (only with info.csum_tx): a TCP segment whose checksum was
 * left to the device; the driver puts the pseudo-header sum in the field and
 * asks the device to complete it.  0, -EAGAIN when the ring stays full,
 * -EMSGSIZE, -ENODEV. */
int virtio_net_send(const struct vnet_frag *frags, int n, bool tcp_partial);

/* Host entropy from the virtio-rng device: n bytes, or -ENODEV without one. */
long virtio_rng_read(void *buf, size_t n);

#endif
