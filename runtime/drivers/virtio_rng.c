/*
 * virtio_rng.c - the virtio entropy device (virtio 1.0, section 5.4): one
 * queue of device-writable buffers the host fills with random bytes.  At
 * probe time the driver pulls SEED_BYTES from the host and mixes them into
 * the kernel generator (random_add_entropy), so AT_RANDOM and getrandom are
 * seeded from host entropy even on CPUs without RDRAND.  virtio_rng_read
 * serves later requests.  Invariant: at most one request in flight, and only
 * inside virtio_rng_read.
 */
#include "virtio.h"

#define SEED_BYTES 64
#define RNG_TIMEOUT_NS (5UL * 1000000000UL)

struct vrng {
    struct virtio_dev vd;
    struct virtq q;
    bool broken;
};

static struct vrng *rng;

/* Fill buf with host entropy.  Returns the bytes produced (n), -ENODEV when
 * there is no working device, -EFAULT for a buffer that is not DMA-able,
 * -EIO when the device stops answering. */
long virtio_rng_read(void *buf, size_t n)
{
    u8 *p = buf;
    size_t got = 0;
    if (rng == NULL || rng->broken)
        return -ENODEV;
    while (got < n) {
        struct virtq_seg seg;
        size_t chunk = MIN(n - got, PAGE_SIZE - (u64)(p + got) % PAGE_SIZE);   /* one page */
        int r = virtio_dma_segments(p + got, chunk, PAGE_SIZE, true, &seg, 1);
        if (r < 0)
            return r;
        r = virtq_add(&rng->q, &seg, 1, rng);
        if (r != 0)
            return -EIO;
        virtq_kick(&rng->q);
        u32 len = 0;
        if (virtq_wait(&rng->q, &len, now_ns() + RNG_TIMEOUT_NS) == NULL) {
            rng->broken = true;
            klog("virtio-rng: request timed out; disabling the device");
            return -EIO;
        }
        got += MIN(len, seg.len);
    }
    return (long)n;
}

/* Bring up a virtio-rng PCI function and seed the kernel generator from it.
 * 0, -ENODEV when it is not a usable virtio-rng device (or one is already
 * running), -ENOMEM. */
int virtio_rng_probe(struct pci_dev *pci)
{
    if (virtio_pci_type(pci) != VIRTIO_ID_RNG || rng != NULL)
        return -ENODEV;
    struct vrng *v = kzalloc(sizeof(*v));
    if (v == NULL)
        return -ENOMEM;
    int r = virtio_pci_init(&v->vd, pci);
    if (r == 0)
        r = virtio_negotiate(&v->vd, 0);
    if (r == 0)
        r = virtq_setup(&v->vd, 0, &v->q, 8);
    if (r != 0) {
        klog("virtio-rng %02x:%02x.%u: not usable (error %d)", pci->bus, pci->slot, pci->func, -r);
        virtio_fail(&v->vd, &v->q, 1);
        kfree(v);
        return r;
    }
    virtio_driver_ok(&v->vd);
    rng = v;
    u8 seed[SEED_BYTES];
    long got = virtio_rng_read(seed, sizeof(seed));
    if (got > 0)
        random_add_entropy(seed, (size_t)got);
    memset(seed, 0, sizeof(seed));
    klog("virtio-rng: ready, kernel generator seeded with %ld host bytes", got > 0 ? got : 0);
    return 0;
}
