/*
 * blockdev.h - the block-device method table drivers (virtio-blk, nvme; xen
 * blkfront later) register and filesystems use.  Sector size is 512 bytes.
 * Calls are synchronous: they return when the device has completed the request.
 */
#ifndef SOLO_BLOCKDEV_H
#define SOLO_BLOCKDEV_H

#include "../kernel.h"

#define SECTOR_SIZE 512

struct blockdev {
    const char *name;
    u64 sectors;                       /* capacity */
    int (*read)(struct blockdev *d, u64 sector, void *buf, u32 count);   /* 0 or -EIO */
    int (*write)(struct blockdev *d, u64 sector, const void *buf, u32 count);
    int (*flush)(struct blockdev *d);  /* durable cache flush; 0 if not needed */
    void *priv;
};

/* Byte-granular helpers over any device (bounce through a sector buffer when unaligned). */
int blockdev_read_bytes(struct blockdev *d, u64 off, void *buf, u64 len);
int blockdev_write_bytes(struct blockdev *d, u64 off, const void *buf, u64 len);

void blockdev_register(struct blockdev *d);
struct blockdev *blockdev_get(int index);     /* registration order; NULL past the end */

/* The device holding the root TFS volume on disk: its solo partition (GPT or
 * MBR, runtime/lib/parttab.h), or disk itself when it has none (partition.c). */
struct blockdev *partition_root(struct blockdev *disk);

/* Probe PCI and bring up every supported device (runtime/drivers/pci.c + virtio*.c). */
void drivers_init(void);

#endif
