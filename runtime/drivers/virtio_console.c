/*
 * virtio_console.c - the program's stdin, stdout and stderr over one
 * virtio-serial device (virtio 1.0, section 5.3) in MULTIPORT mode.
 *
 * `solo run` attaches three named ports: "solo.stdout" and "solo.stderr"
 * (virtconsole ports on the files solo relays to its own fds 1 and 2) and
 * "solo.stdin" (a virtserialport on a socket solo feeds from its fd 0 and
 * shuts down at end of input).  Ports are recognised by name only, so their
 * numbers do not matter.  Queue layout: port 0 uses queues 0 (receive) and 1
 * (transmit), the control queues are 2 and 3, port n > 0 uses 2n+2 and 2n+3.
 *
 * Output: vcon_write copies into one of OUT_SLOTS bounce slots of the port
 * (OUT_SLOT bytes each), queues it and kicks, reusing slots as the device
 * completes them; it waits only when every slot is in flight.  vcon_flush
 * (called by kernel_exit before SOLO-EXIT) waits until the device took every
 * byte.  Without a device (or without the named port) console_write falls
 * back to the UARTs.
 *
 * Input: IN_BUFS device-writable pages are posted on the stdin port's
 * receive queue; filled ones wait in `full` (FIFO) until a reader consumed
 * them, then go back to the device.  End of input is the host closing the
 * port (a PORT_OPEN 0 control message); the control queue is drained before
 * the data queue, so every byte sent before the close is seen first.  New
 * input raises an MSI-X interrupt (else a ktimer polls every POLL_NS while a
 * reader waits) that wakes readers and poll/select.
 * Invariants: single CPU, kernel code runs with interrupts off, so the
 * interrupt handler and syscalls never interleave inside this file.
 */
#include "virtio.h"
#include "../sched/thread.h"
#include "../x86_64/cpu.h"

#define VCON_F_SIZE 0
#define VCON_F_MULTIPORT 1

#define CFG_MAX_NR_PORTS 4             /* u32 in the device configuration */

/* control events */
#define EV_DEVICE_READY 0
#define EV_DEVICE_ADD 1
#define EV_DEVICE_REMOVE 2
#define EV_PORT_READY 3
#define EV_CONSOLE_PORT 4
#define EV_RESIZE 5
#define EV_PORT_OPEN 6
#define EV_PORT_NAME 7

#define MAX_PORTS 4                    /* ports we look at (solo attaches 3) */
#define QSIZE 64
#define CTRL_BUFS 32
#define CTRL_BUF 128                   /* 8-byte header + a port name */
#define OUT_SLOTS 8
#define OUT_SLOT (32 * 1024)
#define IN_BUFS 8
#define IN_BUF PAGE_SIZE
#define SETTLE_NS (200UL * 1000000UL)  /* wait this long at most for the ports to appear */
#define CTRL_TIMEOUT_NS (1000UL * 1000000UL)
#define POLL_NS (5UL * 1000000UL)

struct ctrl_msg {
    u32 id;
    u16 event;
    u16 value;
};

struct vport {
    bool added, named, host_open;
    int role;                          /* 0 stdin, 1 stdout, 2 stderr, -1 none */
};

struct outq {
    struct virtq *q;
    u8 *slots;                         /* OUT_SLOTS * OUT_SLOT bytes, contiguous */
    bool busy[OUT_SLOTS];
};

struct vcon {
    struct virtio_dev vd;
    struct virtq q[2 * MAX_PORTS + 2];
    int nq;
    int nports;
    struct vport port[MAX_PORTS];
    u8 *ctrl_in;                       /* CTRL_BUFS * CTRL_BUF */
    struct ctrl_msg *ctrl_out;         /* one message, sent synchronously */
    int out_port[3];                   /* port of stream 1, 2 (index = stream), -1 none */
    struct outq out[3];
    int in_port;                       /* -1: no stdin port */
    u8 *in_pages;                      /* IN_BUFS pages */
    int full[IN_BUFS];                 /* filled buffers, FIFO */
    u32 full_len[IN_BUFS];
    int full_head, full_n;
    u32 consumed;                      /* bytes of full[full_head] already read */
    bool eof;
    bool irq;                          /* input interrupts work (else the poll timer) */
    struct waitq inq;
    struct ktimer poll_timer;
};

static struct vcon *vcon;

void vfs_poll_wake(void);              /* fs/pipe.c: wakes poll/select/epoll sleepers */

static struct virtq *port_rxq(struct vcon *c, int port) { return &c->q[port == 0 ? 0 : 2 * port + 2]; }
static struct virtq *port_txq(struct vcon *c, int port) { return &c->q[port == 0 ? 1 : 2 * port + 3]; }
static struct virtq *ctrl_rxq(struct vcon *c) { return &c->q[2]; }
static struct virtq *ctrl_txq(struct vcon *c) { return &c->q[3]; }

/* Send one control message and wait for the device to take it.  0 or -EIO. */
static int ctrl_send(struct vcon *c, u32 id, u16 event, u16 value)
{
    c->ctrl_out->id = id;
    c->ctrl_out->event = event;
    c->ctrl_out->value = value;
    struct virtq_seg seg = { virt_to_phys(c->ctrl_out), sizeof(struct ctrl_msg), false };
    if (virtq_add(ctrl_txq(c), &seg, 1, c) != 0)
        return -EIO;
    virtq_kick(ctrl_txq(c));
    if (virtq_wait(ctrl_txq(c), NULL, now_ns() + CTRL_TIMEOUT_NS) == NULL) {
        klog("virtio-console: control message %u timed out", event);
        return -EIO;
    }
    return 0;
}

/* Give control receive buffer i (back) to the device. */
static void ctrl_post(struct vcon *c, int i)
{
    struct virtq_seg seg = { virt_to_phys(c->ctrl_in + i * CTRL_BUF), CTRL_BUF, true };
    virtq_add(ctrl_rxq(c), &seg, 1, c->ctrl_in + i * CTRL_BUF);
}

/* The stream a port name stands for, or -1. */
static int role_of(const char *name, size_t len)
{
    static const char *const names[3] = { "solo.stdin", "solo.stdout", "solo.stderr" };
    for (int i = 0; i < 3; i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return i;
    return -1;
}

/* Act on one control message of len bytes from the device. */
static void ctrl_handle(struct vcon *c, const u8 *buf, u32 len)
{
    struct ctrl_msg m;
    if (len < sizeof(m))
        return;
    memcpy(&m, buf, sizeof(m));
    if (m.id >= (u32)c->nports)
        return;
    struct vport *p = &c->port[m.id];
    switch (m.event) {
    case EV_DEVICE_ADD:
        p->added = true;
        ctrl_send(c, m.id, EV_PORT_READY, 1);
        break;
    case EV_DEVICE_REMOVE:
        p->added = false;
        p->host_open = false;
        break;
    case EV_PORT_NAME: {               /* the name may end in a NUL */
        const char *name = (const char *)buf + sizeof(m);
        size_t nl = 0, max = MIN(len, (u32)CTRL_BUF) - sizeof(m);
        while (nl < max && name[nl] != '\0')
            nl++;
        p->named = true;
        p->role = role_of(name, nl);
        break;
    }
    case EV_PORT_OPEN:
        p->host_open = m.value != 0;
        break;
    }
}

/* Process every control message the device returned; true if there was one. */
static bool ctrl_drain(struct vcon *c)
{
    bool any = false;
    u32 len;
    u8 *buf;
    while ((buf = virtq_poll(ctrl_rxq(c), &len)) != NULL) {
        ctrl_handle(c, buf, len);
        ctrl_post(c, (int)((buf - c->ctrl_in) / CTRL_BUF));
        any = true;
    }
    if (any)
        virtq_kick(ctrl_rxq(c));
    return any;
}

/* True once at least one port was added and every added port is named. */
static bool ports_settled(struct vcon *c)
{
    int added = 0;
    for (int i = 0; i < c->nports; i++) {
        if (c->port[i].added && !c->port[i].named)
            return false;
        added += c->port[i].added;
    }
    return added > 0;
}

/* Give stdin receive buffer i (back) to the device. */
static void in_post(struct vcon *c, int i)
{
    struct virtq_seg seg = { virt_to_phys(c->in_pages + (u64)i * IN_BUF), IN_BUF, true };
    virtq_add(port_rxq(c, c->in_port), &seg, 1, c->in_pages + (u64)i * IN_BUF);
}

/* Collect control messages, then filled input buffers.  True if anything changed. */
static bool vcon_pump(struct vcon *c)
{
    bool any = ctrl_drain(c);
    if (c->in_port < 0)
        return any;
    u32 len;
    u8 *buf;
    while ((buf = virtq_poll(port_rxq(c, c->in_port), &len)) != NULL) {
        int i = (int)((buf - c->in_pages) / IN_BUF);
        if (len == 0) {
            in_post(c, i);
            virtq_kick(port_rxq(c, c->in_port));
            continue;
        }
        int slot = (c->full_head + c->full_n) % IN_BUFS;
        c->full[slot] = i;
        c->full_len[slot] = MIN(len, IN_BUF);
        c->full_n++;
        any = true;
    }
    c->eof = !c->port[c->in_port].host_open;
    return any;
}

/* Interrupt (or timer) side: pull in what arrived and wake readers. */
static void vcon_notify(void)
{
    if (vcon == NULL)
        return;
    if (vcon_pump(vcon) || vcon->eof) {
        waitq_wake(&vcon->inq, 1 << 30);
        vfs_poll_wake();
    }
}

static void vcon_timer(void *arg)
{
    (void)arg;
    vcon_notify();
    if (!vcon->eof)
        ktimer_arm(&vcon->poll_timer, now_ns() + POLL_NS);
}

/* ------------------------------------------------------------------ output */

/* Reclaim the slots of completed transmissions on stream s's queue. */
static void out_reap(struct outq *o)
{
    u8 *buf;
    while ((buf = virtq_poll(o->q, NULL)) != NULL)
        o->busy[(buf - o->slots) / OUT_SLOT] = false;
}

/* A free slot of o, waiting for the device when all are in flight. */
static int out_slot(struct outq *o)
{
    for (;;) {
        out_reap(o);
        for (int i = 0; i < OUT_SLOTS; i++)
            if (!o->busy[i])
                return i;
        u8 *buf = virtq_wait(o->q, NULL, 0);
        if (buf != NULL)
            o->busy[(buf - o->slots) / OUT_SLOT] = false;
    }
}

int vcon_write(int stream, const void *buf, size_t n)
{
    if (vcon == NULL || stream < 1 || stream > 2 || vcon->out_port[stream] < 0)
        return -ENODEV;
    struct outq *o = &vcon->out[stream];
    const u8 *p = buf;
    while (n > 0) {
        int i = out_slot(o);
        size_t chunk = MIN(n, (size_t)OUT_SLOT);
        u8 *slot = o->slots + (u64)i * OUT_SLOT;
        memcpy(slot, p, chunk);
        struct virtq_seg seg = { virt_to_phys(slot), (u32)chunk, false };
        if (virtq_add(o->q, &seg, 1, slot) != 0)
            return -EIO;               /* cannot happen: slots <= descriptors */
        o->busy[i] = true;
        virtq_kick(o->q);
        p += chunk;
        n -= chunk;
    }
    return 0;
}

void vcon_flush(void)
{
    if (vcon == NULL)
        return;
    for (int s = 1; s <= 2; s++) {
        struct outq *o = &vcon->out[s];
        if (vcon->out_port[s] < 0)
            continue;
        while (o->q->num_free != o->q->size) {
            u8 *buf = virtq_wait(o->q, NULL, 0);
            if (buf != NULL)
                o->busy[(buf - o->slots) / OUT_SLOT] = false;
        }
    }
}

/* ------------------------------------------------------------------- input */

bool vcon_has_stdin(void)
{
    return vcon != NULL && vcon->in_port >= 0;
}

/* Copy up to n buffered input bytes to buf; returns how many. */
static size_t in_take(struct vcon *c, u8 *buf, size_t n)
{
    size_t done = 0;
    bool reposted = false;
    while (done < n && c->full_n > 0) {
        int slot = c->full_head;
        u32 left = c->full_len[slot] - c->consumed;
        size_t k = MIN(n - done, (size_t)left);
        memcpy(buf + done, c->in_pages + (u64)c->full[slot] * IN_BUF + c->consumed, k);
        done += k;
        c->consumed += (u32)k;
        if (c->consumed == c->full_len[slot]) {
            in_post(c, c->full[slot]);
            reposted = true;
            c->consumed = 0;
            c->full_head = (c->full_head + 1) % IN_BUFS;
            c->full_n--;
        }
    }
    if (reposted)
        virtq_kick(port_rxq(c, c->in_port));
    return done;
}

long vcon_read(void *buf, size_t n, bool nonblock)
{
    if (!vcon_has_stdin())
        return 0;
    struct vcon *c = vcon;
    for (;;) {
        vcon_pump(c);
        if (c->full_n > 0 || n == 0)
            return (long)in_take(c, buf, n);
        if (c->eof)
            return 0;
        if (nonblock)
            return -EAGAIN;
        if (!c->irq)
            ktimer_arm(&c->poll_timer, now_ns() + POLL_NS);
        if (waitq_wait_intr(&c->inq, 0) == -EINTR)
            return -EINTR;
    }
}

int vcon_readable(void)
{
    if (!vcon_has_stdin())
        return 1;                      /* EOF */
    vcon_pump(vcon);
    if (!vcon->irq && vcon->full_n == 0 && !vcon->eof)
        ktimer_arm(&vcon->poll_timer, now_ns() + POLL_NS);
    return vcon->full_n > 0 || vcon->eof;
}

long vcon_pending(void)
{
    if (!vcon_has_stdin())
        return 0;
    vcon_pump(vcon);
    long n = 0;
    for (int k = 0; k < vcon->full_n; k++)
        n += vcon->full_len[(vcon->full_head + k) % IN_BUFS];
    return n - vcon->consumed;
}

/* ------------------------------------------------------------------- setup */

/* Queues of every port we look at plus the control queues, then DRIVER_OK. */
static int setup_queues(struct vcon *c)
{
    c->nq = 2 * c->nports + 2;
    for (int i = 0; i < c->nq; i++) {
        int r = virtq_setup(&c->vd, (u16)i, &c->q[i], QSIZE);
        if (r != 0)
            return r;
    }
    return 0;
}

/* Bounce memory for control messages, output slots and input pages (all
 * allocated before the handshake tells which ports exist; 544 KiB). */
static int alloc_buffers(struct vcon *c)
{
    u64 ctrl = pages_alloc(CTRL_BUFS * CTRL_BUF / PAGE_SIZE + 1);
    if (ctrl == 0)
        return -ENOMEM;
    c->ctrl_in = phys_to_virt(ctrl);
    c->ctrl_out = (struct ctrl_msg *)(c->ctrl_in + CTRL_BUFS * CTRL_BUF);
    for (int s = 1; s <= 2; s++) {
        u64 pa = pages_alloc(OUT_SLOTS * OUT_SLOT / PAGE_SIZE);
        if (pa == 0)
            return -ENOMEM;
        c->out[s].slots = phys_to_virt(pa);
    }
    u64 pa = pages_alloc(IN_BUFS);
    if (pa == 0)
        return -ENOMEM;
    c->in_pages = phys_to_virt(pa);
    return 0;
}

/* The DEVICE_READY / DEVICE_ADD / PORT_READY / PORT_NAME handshake, then
 * map names to streams.  0 or -errno. */
static int handshake(struct vcon *c)
{
    for (int i = 0; i < CTRL_BUFS; i++)
        ctrl_post(c, i);
    virtq_kick(ctrl_rxq(c));
    int r = ctrl_send(c, 0, EV_DEVICE_READY, 1);
    if (r != 0)
        return r;
    u64 deadline = now_ns() + SETTLE_NS;
    while (!ports_settled(c) && now_ns() < deadline)
        ctrl_drain(c);
    ctrl_drain(c);
    c->in_port = c->out_port[0] = c->out_port[1] = c->out_port[2] = -1;
    for (int i = 0; i < c->nports; i++) {
        int role = c->port[i].added && c->port[i].named ? c->port[i].role : -1;
        if (role == 0)
            c->in_port = i;
        else if (role > 0)
            c->out_port[role] = i;
    }
    for (int s = 1; s <= 2; s++)
        if (c->out_port[s] >= 0)
            c->out[s].q = port_txq(c, c->out_port[s]);
    return 0;
}

/* Open our ports (PORT_OPEN 1), post input buffers, ask for interrupts. */
static void start_ports(struct vcon *c)
{
    for (int s = 0; s < 3; s++) {
        int p = s == 0 ? c->in_port : c->out_port[s];
        if (p >= 0)
            ctrl_send(c, (u32)p, EV_PORT_OPEN, 1);
    }
    if (c->in_port < 0)
        return;
    for (int i = 0; i < IN_BUFS; i++)
        in_post(c, i);
    virtq_kick(port_rxq(c, c->in_port));
    irq_register(VEC_VIRTIO_CONSOLE, vcon_notify);
    c->irq = virtq_route_irq(&c->vd, port_rxq(c, c->in_port), 0, VEC_VIRTIO_CONSOLE) == 0 &&
             virtq_route_irq(&c->vd, ctrl_rxq(c), 1, VEC_VIRTIO_CONSOLE) == 0;
}

/* Reset, negotiate MULTIPORT, set up the queues and run the handshake.
 * 0 or -errno (the device is then marked failed). */
static int vcon_init(struct vcon *c, struct pci_dev *pci)
{
    int r = virtio_pci_init(&c->vd, pci);
    if (r == 0)
        r = virtio_negotiate(&c->vd, VIRTIO_BIT(VCON_F_MULTIPORT));
    if (r == 0 && !virtio_has(&c->vd, VCON_F_MULTIPORT))
        r = -ENODEV;                   /* one unnamed port: nothing we can map */
    if (r == 0) {
        u32 max = virtio_cfg_read32(&c->vd, CFG_MAX_NR_PORTS);
        c->nports = (int)MIN(max, (u32)MAX_PORTS);
        r = c->nports > 0 ? setup_queues(c) : -ENODEV;
    }
    if (r == 0)
        r = alloc_buffers(c);
    if (r != 0)
        return r;
    virtio_driver_ok(&c->vd);
    return handshake(c);
}

int virtio_console_probe(struct pci_dev *pci)
{
    if (virtio_pci_type(pci) != VIRTIO_ID_CONSOLE || vcon != NULL)
        return -ENODEV;
    struct vcon *c = kzalloc(sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    waitq_init(&c->inq);
    c->poll_timer.fn = vcon_timer;
    int r = vcon_init(c, pci);
    if (r != 0) {
        klog("virtio-console %02x:%02x.%u: not usable (error %d)", pci->bus, pci->slot, pci->func, -r);
        virtio_fail(&c->vd, c->q, c->nq);
        kfree(c);
        return r;
    }
    start_ports(c);
    vcon = c;
    klog("virtio-console: %d ports; stdout %s, stderr %s, stdin %s%s", c->nports,
         c->out_port[1] >= 0 ? "virtio" : "COM1", c->out_port[2] >= 0 ? "virtio" : "COM2",
         c->in_port >= 0 ? "virtio" : "none (EOF)",
         c->in_port < 0 ? "" : c->irq ? " (MSI-X)" : " (polled)");
    return 0;
}
