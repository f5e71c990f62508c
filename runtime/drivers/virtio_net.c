/*
 * virtio_net.c - the virtio network device (virtio 1.0, section 5.1): one
 * receive queue (0) kept full of device-writable 2 KiB buffers and one
 * transmit queue (1) of device-readable ones, each buffer starting with the
 * 12-byte virtio-net header.  net/netif.c is the only user: it registers a
 * receive callback and sends frames gathered from lwIP pbufs; the driver
 * copies each transmitted frame once, into its own buffer.
 *
 * Receive completions raise an MSI-X interrupt (vector VEC_VIRTIO_NET) when
 * the device offers MSI-X; otherwise net/ polls.  Transmit completions never
 * interrupt: finished buffers are reclaimed on the next send or poll.
 * Checksum offload: with VIRTIO_NET_F_CSUM the device completes our TCP
 * checksums (the driver writes the pseudo-header sum); with GUEST_CSUM it
 * marks received frames whose checksum it has verified (DATA_VALID) or that
 * carry a partial one (NEEDS_CSUM).  UDP checksums stay in software: a
 * fragmented IPv6 datagram could not be completed by the device.
 *
 * Invariants: every RX buffer is either posted on the receive queue or being
 * handed to the callback; every TX buffer is on the free stack or in flight
 * (its address is the chain's cookie).  One device at most.
 */
#include "virtio.h"
#include "x86_64/cpu.h"

/* feature bits (5.1.3) */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16

/* virtio_net_hdr flags */
#define VNET_HDR_F_NEEDS_CSUM 1
#define VNET_HDR_F_DATA_VALID 2
#define VNET_GSO_NONE 0

#define VNET_HDR_LEN 12                /* VERSION_1: num_buffers is always there */
#define VNET_BUF 2048                  /* one buffer: header + frame, two per page */
#define VNET_QSIZE 128
#define VNET_TX_WAIT_NS 2000000UL      /* how long a send waits for a free buffer */

struct vnet_hdr {
    u8 flags;
    u8 gso_type;
    u16 hdr_len;
    u16 gso_size;
    u16 csum_start;
    u16 csum_offset;
    u16 num_buffers;
} __attribute__((packed));

struct vnet {
    struct virtio_dev vd;
    struct virtq q[2];                 /* 0 receive, 1 transmit */
    u8 *rxbuf, *txbuf;                 /* VNET_QSIZE buffers each, physically contiguous */
    u8 *txfree[VNET_QSIZE];            /* stack of idle TX buffers */
    int ntxfree;
    struct vnet_info info;
    vnet_rx_fn rx;
    void (*irq_fn)(void);
};

static struct vnet *vnet;

/* Post one RX buffer to the device. */
static int rx_post(u8 *buf)
{
    struct virtq_seg seg = { virt_to_phys(buf), VNET_BUF, true };
    return virtq_add(&vnet->q[0], &seg, 1, buf);
}

/* Move completed TX buffers back to the free stack. */
static void tx_reclaim(void)
{
    u8 *buf;
    while ((buf = virtq_poll(&vnet->q[1], NULL)) != NULL)
        vnet->txfree[vnet->ntxfree++] = buf;
}

int virtio_net_poll(void)
{
    int n = 0;
    u8 *buf;
    u32 len;
    if (vnet == NULL || vnet->rx == NULL)
        return 0;
    tx_reclaim();
    while ((buf = virtq_poll(&vnet->q[0], &len)) != NULL) {
        struct vnet_hdr *h = (struct vnet_hdr *)buf;
        bool ok = (h->flags & (VNET_HDR_F_DATA_VALID | VNET_HDR_F_NEEDS_CSUM)) != 0;
        if (len > VNET_HDR_LEN && len <= VNET_BUF)
            vnet->rx(buf + VNET_HDR_LEN, len - VNET_HDR_LEN, ok);
        (void)rx_post(buf);            /* cannot fail: its descriptor just came back */
        n++;
    }
    if (n > 0)
        virtq_kick(&vnet->q[0]);
    return n;
}

/* Take an idle TX buffer, waiting briefly for the device when all are busy. */
static u8 *tx_get(void)
{
    tx_reclaim();
    if (vnet->ntxfree == 0) {
        u8 *buf = virtq_wait(&vnet->q[1], NULL, now_ns() + VNET_TX_WAIT_NS);
        if (buf == NULL)
            return NULL;
        return buf;
    }
    return vnet->txfree[--vnet->ntxfree];
}

static u16 get16(const u8 *p) { return (u16)(p[0] << 8 | p[1]); }

/* One's complement sum of n bytes (n even) as 16-bit big-endian words. */
static u32 sum16(const u8 *p, size_t n, u32 acc)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += get16(p + i);
    return acc;
}

/* For a TCP segment in an Ethernet frame: store the pseudo-header sum in its
 * checksum field and fill h so the device completes it.  Frames that are
 * not plain IPv4/IPv6 TCP are left alone (false). */
static bool tcp_offload(u8 *frame, u32 len, struct vnet_hdr *h)
{
    u32 ip = 14, l4, acc;
    u16 type = len >= 14 ? get16(frame + 12) : 0;
    if (type == 0x0800 && len >= ip + 20) {
        u32 ihl = (frame[ip] & 0xfu) * 4;
        if (frame[ip + 9] != 6 || (get16(frame + ip + 6) & 0x3fff) != 0 || ihl < 20)
            return false;              /* not TCP, or a fragment */
        l4 = ip + ihl;
        u32 tl = get16(frame + ip + 2);
        if (tl < ihl || ip + tl > len)
            return false;
        acc = sum16(frame + ip + 12, 8, 6 + (tl - ihl));
    } else if (type == 0x86dd && len >= ip + 40) {
        if (frame[ip + 6] != 6)
            return false;              /* extension headers: lwIP computed it */
        l4 = ip + 40;
        acc = sum16(frame + ip + 8, 32, 6 + get16(frame + ip + 4));
    } else {
        return false;
    }
    if (l4 + 20 > len)
        return false;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    frame[l4 + 16] = (u8)(acc >> 8);
    frame[l4 + 17] = (u8)acc;
    h->flags = VNET_HDR_F_NEEDS_CSUM;
    h->csum_start = (u16)l4;
    h->csum_offset = 16;
    return true;
}

int virtio_net_send(const struct vnet_frag *frags, int n, bool tcp_partial)
{
    u32 len = 0;
    if (vnet == NULL)
        return -ENODEV;
    for (int i = 0; i < n; i++)
        len += frags[i].len;
    if (len > VNET_FRAME_MAX)
        return -EMSGSIZE;
    u8 *buf = tx_get();
    if (buf == NULL)
        return -EAGAIN;
    struct vnet_hdr *h = (struct vnet_hdr *)buf;
    memset(h, 0, sizeof(*h));
    h->gso_type = VNET_GSO_NONE;
    u8 *p = buf + VNET_HDR_LEN;
    for (int i = 0; i < n; i++) {
        memcpy(p, frags[i].p, frags[i].len);
        p += frags[i].len;
    }
    if (tcp_partial && vnet->info.csum_tx)
        tcp_offload(buf + VNET_HDR_LEN, len, h);
    struct virtq_seg seg = { virt_to_phys(buf), VNET_HDR_LEN + len, false };
    if (virtq_add(&vnet->q[1], &seg, 1, buf) != 0) {
        vnet->txfree[vnet->ntxfree++] = buf;
        return -EAGAIN;
    }
    virtq_kick(&vnet->q[1]);
    return 0;
}

static void vnet_irq(void)
{
    if (vnet != NULL && vnet->irq_fn != NULL)
        vnet->irq_fn();
}

void virtio_net_start(vnet_rx_fn rx, void (*irq_fn)(void))
{
    if (vnet == NULL)
        return;
    vnet->rx = rx;
    vnet->irq_fn = irq_fn;
}

bool virtio_net_info(struct vnet_info *out)
{
    if (vnet == NULL)
        return false;
    *out = vnet->info;
    return true;
}

/* Allocate the buffers, fill the receive queue, ask for RX interrupts. */
static int vnet_setup(struct vnet *v)
{
    size_t pages = VNET_QSIZE * VNET_BUF / PAGE_SIZE;
    u64 rx = pages_alloc(pages), tx = pages_alloc(pages);
    if (rx == 0 || tx == 0) {
        if (rx != 0)
            pages_free(rx, pages);
        if (tx != 0)
            pages_free(tx, pages);
        return -ENOMEM;
    }
    v->rxbuf = phys_to_virt(rx);
    v->txbuf = phys_to_virt(tx);
    for (int i = 0; i < VNET_QSIZE; i++)
        v->txfree[v->ntxfree++] = v->txbuf + (size_t)i * VNET_BUF;
    vnet = v;
    for (int i = 0; i < v->q[0].size; i++)
        (void)rx_post(v->rxbuf + (size_t)i * VNET_BUF);
    irq_register(VEC_VIRTIO_NET, vnet_irq);
    v->info.irq = virtq_route_irq(&v->vd, &v->q[0], 0, VEC_VIRTIO_NET) == 0;
    return 0;
}

/* Bring up a virtio-net PCI function.  0, -ENODEV when it is not a usable
 * virtio-net device (or one already runs), -ENOMEM. */
int virtio_net_probe(struct pci_dev *pci)
{
    if (virtio_pci_type(pci) != VIRTIO_ID_NET || vnet != NULL)
        return -ENODEV;
    struct vnet *v = kzalloc(sizeof(*v));
    if (v == NULL)
        return -ENOMEM;
    u64 want = VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) |
               VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM);
    int r = virtio_pci_init(&v->vd, pci);
    if (r == 0)
        r = virtio_negotiate(&v->vd, want);
    if (r == 0)
        r = virtq_setup(&v->vd, 0, &v->q[0], VNET_QSIZE);
    if (r == 0)
        r = virtq_setup(&v->vd, 1, &v->q[1], VNET_QSIZE);
    if (r == 0)
        r = vnet_setup(v);
    if (r != 0) {
        klog("virtio-net %02x:%02x.%u: not usable (error %d)", pci->bus, pci->slot, pci->func, -r);
        vnet = NULL;
        virtio_fail(&v->vd, v->q, 2);
        kfree(v);
        return r;
    }
    for (int i = 0; i < 6; i++)
        v->info.mac[i] = virtio_has(&v->vd, VIRTIO_NET_F_MAC) ? virtio_cfg_read8(&v->vd, (u32)i) : 0;
    if (!virtio_has(&v->vd, VIRTIO_NET_F_MAC)) {
        random_bytes(v->info.mac, 6);
        v->info.mac[0] = (u8)((v->info.mac[0] & 0xfe) | 0x02);   /* local, unicast */
    }
    v->info.csum_tx = virtio_has(&v->vd, VIRTIO_NET_F_CSUM);
    v->info.csum_rx = virtio_has(&v->vd, VIRTIO_NET_F_GUEST_CSUM);
    virtio_driver_ok(&v->vd);
    virtq_kick(&v->q[0]);
    klog("virtio-net: %02x:%02x:%02x:%02x:%02x:%02x, %s, checksum offload tx %s rx %s",
         v->info.mac[0], v->info.mac[1], v->info.mac[2], v->info.mac[3], v->info.mac[4],
         v->info.mac[5], v->info.irq ? "MSI-X" : "polled", v->info.csum_tx ? "on" : "off",
         v->info.csum_rx ? "on" : "off");
    return 0;
}
