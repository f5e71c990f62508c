/*
 * virtio_blk.c - virtio block devices (virtio 1.0, section 5.2) registered as
 * struct blockdev "vda", "vdb", ...  A transfer is cut into requests of at
 * most MAX_REQ_BYTES and as many data segments as the device accepts
 * (seg_max, size_max); up to NSLOTS requests are in flight at once, which
 * lets QEMU overlap them.  Each request is a chain: the 16-byte header
 * (device-readable), the data segments, and one status byte (device-
 * writable); headers and status bytes live in one DMA page of slots.
 * Completion is polled (see virtio.h).  Invariants: slot i is busy exactly
 * while its chain is in flight; a device that stops answering is marked
 * broken and fails every later request with -EIO rather than reusing memory
 * it may still write.
 */
#include "virtio.h"
#include "blockdev.h"

/* device feature bits */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9

/* device configuration offsets */
#define CFG_CAPACITY 0
#define CFG_SIZE_MAX 8
#define CFG_SEG_MAX 12

/* request types and status */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

#define NSLOTS 16
#define MAX_SEGS 64                    /* data segments per request we ever build */
#define MAX_REQ_BYTES (4UL << 20)
#define DEFAULT_SEG_LEN (4U << 20)     /* segment cap when the device states none */
#define REQ_TIMEOUT_NS (30UL * 1000000000UL)
#define MAX_DISKS 26

struct blk_slot {
    u32 type;                          /* struct virtio_blk_req header ... */
    u32 reserved;
    u64 sector;                        /* ... ends here (16 bytes, device-readable) */
    u8 status;                         /* device-writable */
    u8 busy;
    u8 pad[14];
};

struct vblk {
    struct virtio_dev vd;
    struct virtq q;
    struct blockdev bd;
    struct blk_slot *slots;            /* NSLOTS, in one zeroed DMA page */
    u64 slots_pa;
    u32 max_segs;                      /* data segments per request */
    u32 max_seg_len;
    bool broken;
    char name[8];
};

static int ndisks;

static const char *type_name(u32 type)
{
    return type == VIRTIO_BLK_T_IN ? "read" : type == VIRTIO_BLK_T_OUT ? "write" : "flush";
}

static struct blk_slot *free_slot(struct vblk *b)
{
    for (int i = 0; i < NSLOTS; i++)
        if (b->slots[i].busy == 0)
            return &b->slots[i];
    return NULL;
}

static u64 slot_pa(struct vblk *b, struct blk_slot *s)
{
    return b->slots_pa + (u64)((u8 *)s - (u8 *)b->slots);
}

/* Build and publish one request for *nsec sectors at buf (reduced to what fits
 * in max_segs segments).  0, -ENOSPC when the ring is too full right now,
 * -EFAULT when buf is not DMA-able kernel memory. */
static int submit(struct vblk *b, struct blk_slot *s, u32 type, u64 sector, u8 *buf, u64 *nsec)
{
    struct virtq_seg segs[MAX_SEGS + 2];
    int n = 0;
    if (type != VIRTIO_BLK_T_FLUSH) {
        for (;;) {
            n = virtio_dma_segments(buf, *nsec * SECTOR_SIZE, b->max_seg_len,
                                    type == VIRTIO_BLK_T_IN, segs + 1, (int)b->max_segs);
            if (n != -E2BIG)
                break;
            if (*nsec == 1)
                return -EFAULT;        /* one sector straddles pages the device cannot take */
            *nsec /= 2;
        }
        if (n < 0)
            return n;
    }
    if (n + 2 > b->q.num_free)
        return -ENOSPC;
    s->type = type;
    s->reserved = 0;
    s->sector = sector;
    s->status = 0xff;
    segs[0] = (struct virtq_seg){ slot_pa(b, s), 16, false };
    segs[n + 1] = (struct virtq_seg){ slot_pa(b, s) + offsetof(struct blk_slot, status), 1, true };
    int r = virtq_add(&b->q, segs, n + 2, s);
    if (r == 0)
        s->busy = 1;
    return r;
}

/* Wait for one request and account for it; 0, or -EIO on device error or timeout. */
static int reap(struct vblk *b)
{
    struct blk_slot *s = virtq_wait(&b->q, NULL, now_ns() + REQ_TIMEOUT_NS);
    if (s == NULL) {
        b->broken = true;
        klog("%s: request timed out; disabling the device", b->name);
        return -EIO;
    }
    s->busy = 0;
    if (s->status == VIRTIO_BLK_S_OK)
        return 0;
    klog("%s: %s at sector %lu failed (status %u)", b->name, type_name(s->type),
         s->sector, s->status);
    return -EIO;
}

/* Run a transfer of count sectors, keeping up to NSLOTS requests in flight.
 * Returns 0 or the first error; waits for everything submitted either way. */
static int transfer(struct vblk *b, u32 type, u64 sector, u8 *buf, u64 count)
{
    u64 done = 0, max_req = MAX_REQ_BYTES / SECTOR_SIZE;
    int inflight = 0, err = 0;

    if (b->broken)
        return -EIO;
    do {
        bool added = false;
        struct blk_slot *s;
        while (err == 0 && done < count && (s = free_slot(b)) != NULL) {
            u64 n = MIN(count - done, max_req);
            int r = submit(b, s, type, sector + done, buf + done * SECTOR_SIZE, &n);
            if (r == -ENOSPC && inflight > 0)
                break;
            if (r != 0) {
                err = r == -ENOSPC ? -EIO : r;
                break;
            }
            added = true;
            inflight++;
            done += n;
        }
        if (added)
            virtq_kick(&b->q);
        if (inflight == 0)
            break;
        int r = reap(b);
        inflight--;
        if (r != 0 && err == 0)
            err = r;
        if (b->broken)
            return -EIO;
    } while (inflight > 0 || (err == 0 && done < count));
    return err;
}

/* 0 when [sector, sector+count) lies on the device. */
static int check_range(struct vblk *b, u64 sector, u32 count)
{
    if (sector > b->bd.sectors || count > b->bd.sectors - sector) {
        klog("%s: access beyond the end (sector %lu + %u of %lu)", b->name, sector, count,
             b->bd.sectors);
        return -EIO;
    }
    return 0;
}

static int blk_read(struct blockdev *d, u64 sector, void *buf, u32 count)
{
    struct vblk *b = d->priv;
    int r = check_range(b, sector, count);
    if (r != 0 || count == 0)
        return r;
    return transfer(b, VIRTIO_BLK_T_IN, sector, buf, count);
}

static int blk_write(struct blockdev *d, u64 sector, const void *buf, u32 count)
{
    struct vblk *b = d->priv;
    if (virtio_has(&b->vd, VIRTIO_BLK_F_RO))
        return -EROFS;
    int r = check_range(b, sector, count);
    if (r != 0 || count == 0)
        return r;
    return transfer(b, VIRTIO_BLK_T_OUT, sector, (u8 *)buf, count);
}

static int blk_flush(struct blockdev *d)
{
    struct vblk *b = d->priv;
    if (!virtio_has(&b->vd, VIRTIO_BLK_F_FLUSH))
        return 0;                      /* no volatile write cache to flush */
    if (b->broken)
        return -EIO;
    u64 n = 0;
    int r = submit(b, &b->slots[0], VIRTIO_BLK_T_FLUSH, 0, NULL, &n);
    if (r != 0)
        return -EIO;                   /* cannot happen: nothing else is in flight */
    virtq_kick(&b->q);
    return reap(b);
}

/* Read capacity and transfer limits from the device configuration. */
static int read_config(struct vblk *b)
{
    struct virtio_dev *vd = &b->vd;
    if (vd->devcfg == NULL || vd->devcfg_len < 8)
        return -ENODEV;
    b->bd.sectors = virtio_cfg_read64(vd, CFG_CAPACITY);
    b->max_seg_len = DEFAULT_SEG_LEN;
    if (virtio_has(vd, VIRTIO_BLK_F_SIZE_MAX) && vd->devcfg_len >= CFG_SIZE_MAX + 4) {
        u32 v = virtio_cfg_read32(vd, CFG_SIZE_MAX);
        if (v >= PAGE_SIZE)
            b->max_seg_len = MIN(v, DEFAULT_SEG_LEN);
    }
    b->max_segs = 1;                   /* the spec's default without SEG_MAX */
    if (virtio_has(vd, VIRTIO_BLK_F_SEG_MAX) && vd->devcfg_len >= CFG_SEG_MAX + 4) {
        u32 v = virtio_cfg_read32(vd, CFG_SEG_MAX);
        if (v > 0)
            b->max_segs = MIN(v, MAX_SEGS);
    }
    b->max_segs = MIN(b->max_segs, (u32)b->q.size - 2);
    return 0;
}

/* Negotiate, set up queue 0 and the slot page, read the configuration. */
static int start(struct vblk *b)
{
    u64 wanted = VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |
                 VIRTIO_BIT(VIRTIO_BLK_F_RO) | VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) |
                 VIRTIO_BIT(VIRTIO_BLK_F_FLUSH);
    int r = virtio_negotiate(&b->vd, wanted);
    if (r != 0)
        return r;
    r = virtq_setup(&b->vd, 0, &b->q, VIRTQ_MAX_SIZE);
    if (r != 0)
        return r;
    if (b->q.size < 3)
        return -ENODEV;
    b->slots_pa = page_alloc();
    if (b->slots_pa == 0)
        return -ENOMEM;
    b->slots = phys_to_virt(b->slots_pa);
    r = read_config(b);
    if (r != 0)
        return r;
    virtio_driver_ok(&b->vd);
    return 0;
}

/* Bring up a virtio-blk PCI function and register it as a block device.
 * 0, -ENODEV when it is not a usable virtio-blk device, -ENOMEM. */
int virtio_blk_probe(struct pci_dev *pci)
{
    if (virtio_pci_type(pci) != VIRTIO_ID_BLOCK || ndisks >= MAX_DISKS)
        return -ENODEV;
    struct vblk *b = kzalloc(sizeof(*b));
    if (b == NULL)
        return -ENOMEM;
    int r = virtio_pci_init(&b->vd, pci);
    if (r == 0)
        r = start(b);
    if (r != 0) {
        klog("virtio-blk %02x:%02x.%u: not usable (error %d)", pci->bus, pci->slot, pci->func, -r);
        virtio_fail(&b->vd, &b->q, 1);
        if (b->slots_pa != 0)
            page_free(b->slots_pa);
        kfree(b);
        return r;
    }
    ksnprintf(b->name, sizeof(b->name), "vd%c", 'a' + ndisks++);
    b->bd = (struct blockdev){
        .name = b->name, .sectors = b->bd.sectors, .read = blk_read, .write = blk_write,
        .flush = blk_flush, .priv = b,
    };
    klog("%s: virtio-blk %lu sectors (%lu MiB)%s%s, queue %u, %u segs/request", b->name,
         b->bd.sectors, b->bd.sectors >> 11, virtio_has(&b->vd, VIRTIO_BLK_F_RO) ? ", read-only" : "",
         virtio_has(&b->vd, VIRTIO_BLK_F_FLUSH) ? ", flush" : "", b->q.size, b->max_segs);
    blockdev_register(&b->bd);
    return 0;
}
