/*
 * blockdev.c - the block-device registry, byte-granular access on top of
 * sector drivers, and drivers_init, which probes PCI and hands every function
 * to the drivers that know it.  Byte access bounces through a small on-stack
 * buffer only for an unaligned head or tail (or a small unaligned range as a
 * whole, in one request); the aligned middle goes to the driver in one call
 * (the driver splits it into device requests), straight into or out of the
 * caller's buffer.  An unaligned read of up to BOUNCE_MAX bytes (program
 * files: read-ahead and fault-around windows) is instead one request for
 * its whole sectors into a heap buffer, since a request costs far more than
 * the copy.  Unaligned writes are read-modify-write of the edge sectors.
 * Invariants: devs[0..ndevs) never changes order; index 0 is the first disk
 * found, which main.c mounts as the root.
 */
#include "blockdev.h"
#include "pci.h"
#include "virtio.h"
#include "nvme.h"

#define MAX_BLOCKDEVS 16
#define MAX_CALL_SECTORS (1U << 22)    /* 2 GiB per driver call keeps counts in u32 */
#define SMALL_SECTORS 4                /* unaligned ranges this small: one bounced request */
#define BOUNCE_MAX (256 * 1024 + 2 * SECTOR_SIZE)   /* unaligned reads this small: one heap-bounced request */

static struct blockdev *devs[MAX_BLOCKDEVS];
static int ndevs;

/* PCI drivers, tried in order on every function; the first to return 0 owns it. */
static int (*const pci_probes[])(struct pci_dev *pci) = {
    virtio_blk_probe,
    nvme_probe,
    virtio_rng_probe,
    virtio_net_probe,
    virtio_console_probe,
};

void blockdev_register(struct blockdev *d)
{
    if (ndevs == MAX_BLOCKDEVS) {
        klog("blockdev: table full, %s ignored", d->name);
        return;
    }
    devs[ndevs++] = d;
}

struct blockdev *blockdev_get(int index)
{
    if (index < 0 || index >= ndevs)
        return NULL;
    return devs[index];
}

/* -EIO (with a log line) unless [off, off+len) lies on the device. */
static int check_bytes(struct blockdev *d, u64 off, u64 len)
{
    u64 size = d->sectors * SECTOR_SIZE;
    if (off > size || len > size - off) {
        klog("%s: byte access beyond the end (%lu + %lu of %lu)", d->name, off, len, size);
        return -EIO;
    }
    return 0;
}

/* Whole sectors straight between the device and buf, in driver-sized calls. */
static int sectors_io(struct blockdev *d, u64 sector, u8 *buf, u64 count, bool write)
{
    while (count > 0) {
        u32 n = (u32)MIN(count, MAX_CALL_SECTORS);
        int r = write ? d->write(d, sector, buf, n) : d->read(d, sector, buf, n);
        if (r != 0)
            return r;
        sector += n;
        buf += (u64)n * SECTOR_SIZE;
        count -= n;
    }
    return 0;
}

/* Access [off, off+len), which lies within SMALL_SECTORS sectors, through an
 * on-stack bounce: one device read, plus one write when `write` is set. */
static int small_io(struct blockdev *d, u64 off, u8 *buf, u64 len, bool write)
{
    u8 bounce[SMALL_SECTORS * SECTOR_SIZE] __attribute__((aligned(SECTOR_SIZE)));
    u64 first = off / SECTOR_SIZE, skip = off % SECTOR_SIZE;
    u32 n = (u32)((skip + len + SECTOR_SIZE - 1) / SECTOR_SIZE);
    kassert(n <= SMALL_SECTORS);
    int r = d->read(d, first, bounce, n);
    if (r != 0)
        return r;
    if (!write) {
        memcpy(buf, bounce + skip, len);
        return 0;
    }
    memcpy(bounce + skip, buf, len);
    return d->write(d, first, bounce, n);
}

/* An unaligned read of at most BOUNCE_MAX bytes as one device read of the
 * whole sectors into a heap buffer: each device request costs far more
 * (under TCG about a millisecond) than copying the bytes, so this beats a
 * request each for the head, the middle and the tail.  0 or -errno; 1 when
 * too big or no buffer (the caller then splits it). */
static int bounced_read(struct blockdev *d, u64 off, u8 *buf, u64 len)
{
    u64 first = off / SECTOR_SIZE, skip = off % SECTOR_SIZE;
    u64 n = (skip + len + SECTOR_SIZE - 1) / SECTOR_SIZE;
    if (n * SECTOR_SIZE > BOUNCE_MAX)
        return 1;
    u8 *bounce = kmalloc(n * SECTOR_SIZE);
    if (bounce == NULL)
        return 1;
    int r = d->read(d, first, bounce, (u32)n);
    if (r == 0)
        memcpy(buf, bounce + skip, len);
    kfree(bounce);
    return r;
}

/* Shared body of the byte helpers: bounce the unaligned head and tail (or a
 * small range as a whole), move the aligned middle directly. */
static int bytes_io(struct blockdev *d, u64 off, u8 *p, u64 len, bool write)
{
    int r = check_bytes(d, off, len);
    if (r != 0 || len == 0)
        return r;
    u64 span = off % SECTOR_SIZE + len;
    if ((off % SECTOR_SIZE != 0 || len % SECTOR_SIZE != 0) && span <= SMALL_SECTORS * SECTOR_SIZE)
        return small_io(d, off, p, len, write);
    if (!write && (off % SECTOR_SIZE != 0 || len % SECTOR_SIZE != 0) &&
        (r = bounced_read(d, off, p, len)) <= 0)
        return r;
    if (off % SECTOR_SIZE != 0) {
        u64 n = SECTOR_SIZE - off % SECTOR_SIZE;
        if ((r = small_io(d, off, p, n, write)) != 0)
            return r;
        p += n;
        off += n;
        len -= n;
    }
    if ((r = sectors_io(d, off / SECTOR_SIZE, p, len / SECTOR_SIZE, write)) != 0)
        return r;
    u64 mid = ALIGN_DOWN(len, SECTOR_SIZE);
    if (len > mid)
        return small_io(d, off + mid, p + mid, len - mid, write);
    return 0;
}

int blockdev_read_bytes(struct blockdev *d, u64 off, void *buf, u64 len)
{
    return bytes_io(d, off, buf, len, false);
}

int blockdev_write_bytes(struct blockdev *d, u64 off, const void *buf, u64 len)
{
    return bytes_io(d, off, (u8 *)buf, len, true);
}

/* Offer one PCI function to each driver until one takes it. */
static void probe_function(struct pci_dev *pci)
{
    for (size_t i = 0; i < ARRAY_SIZE(pci_probes); i++)
        if (pci_probes[i](pci) == 0)
            return;
}

void drivers_init(void)
{
    u64 t0 = now_ns();
    int n = pci_scan();
    for (int i = 0; i < n; i++)
        probe_function(pci_get(i));
    klog("drivers: %d PCI functions, %d block devices (%lu us)", n, ndevs, (now_ns() - t0) / 1000);
}
