/*
 * partition.c - the root filesystem's partition.  Disk images for GRUB
 * (solo build --boot, docs/boot.md) carry a GPT whose solo TFS partition holds
 * the volume; partition_root finds it with runtime/lib/parttab.c and returns a
 * struct blockdev that offsets every request by the partition's first sector
 * and bounds it by its size.  A disk without a solo partition (the bare TFS
 * images of `solo run`) is returned as it is.
 */
#include "blockdev.h"
#include "lib/parttab.h"

struct part {
    struct blockdev bd;
    struct blockdev *disk;
    u64 start;
    char name[24];
};

static int part_read(struct blockdev *d, u64 sector, void *buf, u32 count)
{
    struct part *p = d->priv;
    if (sector > d->sectors || count > d->sectors - sector)
        return -EIO;
    return p->disk->read(p->disk, p->start + sector, buf, count);
}

static int part_write(struct blockdev *d, u64 sector, const void *buf, u32 count)
{
    struct part *p = d->priv;
    if (sector > d->sectors || count > d->sectors - sector)
        return -EIO;
    return p->disk->write(p->disk, p->start + sector, buf, count);
}

static int part_flush(struct blockdev *d)
{
    struct part *p = d->priv;
    return p->disk->flush != NULL ? p->disk->flush(p->disk) : 0;
}

/* pt_read_fn over a blockdev. */
static int disk_read(void *ctx, u64 lba, void *buf, u32 count)
{
    return blockdev_read_bytes(ctx, lba * SECTOR_SIZE, buf, (u64)count * SECTOR_SIZE);
}

struct blockdev *partition_root(struct blockdev *disk)
{
    struct pt_part pp;
    int r = pt_find_solo(disk_read, disk, disk->sectors, &pp);
    if (r < 0)
        klog("%s: partition table unreadable (error %d); using the whole disk", disk->name, -r);
    if (r <= 0)
        return disk;
    struct part *p = kzalloc(sizeof(*p));
    if (p == NULL)
        return disk;
    p->disk = disk;
    p->start = pp.start;
    ksnprintf(p->name, sizeof(p->name), "%s%d", disk->name, pp.index);
    p->bd = (struct blockdev){ p->name, pp.count, part_read, part_write, part_flush, p };
    klog("%s: solo TFS partition %d (%s), sectors %lu+%lu", disk->name, pp.index, pp.scheme,
         pp.start, pp.count);
    return &p->bd;
}
