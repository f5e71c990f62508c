/*
 * nvme.c - NVMe 1.x controllers (PCI class 01/08/02: QEMU's `-device nvme`,
 * the EBS and instance-store disks of AWS Nitro) with namespace 1 registered
 * as struct blockdev "nvme0n1", "nvme1n1", ...
 *
 * Bring-up (NVMe base spec 1.4, 3.5.1): check CAP (NVM command set, 4 KiB
 * memory pages allowed, doorbell stride, MQES, timeout), disable the
 * controller and wait for CSTS.RDY 0, point AQA/ASQ/ACQ at a one-page admin
 * queue pair, enable it and wait for CSTS.RDY 1 (both within CAP.TO), then
 * IDENTIFY the controller (MDTS, VWC) and namespace 1 (size, LBA format),
 * ask for one I/O queue pair and create its CQ and SQ.
 *
 * I/O: the 512-byte sector API of blockdev.h is translated to the
 * namespace's LBA size (512 or 4096 bytes; other sizes and formats with
 * metadata are refused at probe).  Whole LBAs go straight between the
 * device and the caller's buffer, described by PRP1/PRP2 or, past two
 * pages, a PRP list (one page per command slot); a transfer is cut into
 * commands of at most MDTS (and 1 MiB) and up to NSLOTS commands are in
 * flight at once.  Sectors that cover part of a 4096-byte LBA are read-
 * modify-written through a bounce buffer, and data at a buffer address that
 * is not dword-aligned (PRP entries must be) is copied through it.
 *
 * Completion is polled, as in virtio_blk.c: the I/O completion queue is
 * created with interrupts disabled (IEN 0), MSI-X stays off and INTx is
 * disabled in the PCI command register; a request spins on the phase bit of
 * the next completion entry.  The caller holds the big kernel lock for the
 * whole request and nothing here sleeps, so one request owns the queues at
 * a time (the same guarantee virtio_blk relies on): no further locking.
 * FLUSH is sent only when the controller reports a volatile write cache
 * (VWC); without one, completed writes are already durable.
 * Invariants: slot i is busy exactly while command id i is in flight; a
 * controller that stops answering is marked broken and fails every later
 * request with -EIO rather than reusing memory it may still write.
 */
#include "nvme.h"
#include "blockdev.h"

/* PCI class code of an NVMe controller */
#define NVME_CLASS 0x01
#define NVME_SUBCLASS 0x08
#define NVME_PROG_IF 0x02

/* controller registers (BAR0) */
#define REG_CAP 0x00                   /* 64 bits */
#define REG_VS 0x08
#define REG_INTMS 0x0c
#define REG_CC 0x14
#define REG_CSTS 0x1c
#define REG_AQA 0x24
#define REG_ASQ 0x28                   /* 64 bits */
#define REG_ACQ 0x30                   /* 64 bits */
#define REG_DOORBELLS 0x1000

#define CAP_MQES(c) ((u32)((c) & 0xffff) + 1)
#define CAP_TO(c) ((u32)(((c) >> 24) & 0xff))          /* 500 ms units */
#define CAP_DSTRD(c) ((u32)(((c) >> 32) & 0xf))
#define CAP_CSS_NVM(c) ((((c) >> 37) & 1) != 0)
#define CAP_MPSMIN(c) ((u32)(((c) >> 48) & 0xf))

#define CC_EN 1U
#define CC_CSS_NVM (0U << 4)
#define CC_MPS_4K (0U << 7)
#define CC_AMS_RR (0U << 11)
#define CC_IOSQES (6U << 16)           /* 64-byte submission entries */
#define CC_IOCQES (4U << 20)           /* 16-byte completion entries */
#define CSTS_RDY 1U
#define CSTS_CFS 2U

/* admin and NVM command opcodes */
#define ADM_CREATE_SQ 0x01
#define ADM_CREATE_CQ 0x05
#define ADM_IDENTIFY 0x06
#define ADM_SET_FEATURES 0x09
#define FEAT_NUM_QUEUES 0x07
#define IO_FLUSH 0x00
#define IO_WRITE 0x01
#define IO_READ 0x02

/* identify data offsets */
#define IDC_SN 4
#define IDC_MN 24
#define IDC_MDTS 77
#define IDC_NN 516
#define IDC_VWC 525
#define IDN_NSZE 0
#define IDN_NLBAF 25
#define IDN_FLBAS 26
#define IDN_LBAF 128

#define ADMIN_QSIZE 64                 /* one page of submission entries */
#define IO_QSIZE 64
#define NSLOTS 16                      /* commands in flight (< IO_QSIZE) */
#define MAX_CMD_BYTES (1UL << 20)      /* per command, beside MDTS: PRP list fits one page */
#define REQ_TIMEOUT_NS (30UL * 1000000000UL)
#define MAX_CTRLS 8
#define BOUNCE_PAGES 32                /* contiguous: unaligned buffers move 128 KiB a command */

struct nvme_sqe {
    u32 cdw0;                          /* opcode | command id << 16 */
    u32 nsid;
    u64 rsvd;
    u64 mptr;
    u64 prp1, prp2;
    u32 cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct nvme_cqe {
    u32 result;
    u32 rsvd;
    u16 sq_head, sq_id;
    u16 cid;
    u16 status;                        /* phase bit 0, status field 15:1 */
};

/* One submission/completion queue pair. */
struct nvq {
    u16 qid, size;
    u16 sq_tail, cq_head;
    u16 phase;                         /* phase value of entries not yet consumed */
    struct nvme_sqe *sq;
    volatile struct nvme_cqe *cq;
    u64 sq_pa, cq_pa;
    volatile u32 *sq_db, *cq_db;
};

/* Per command id: what it was (for the error line) and its PRP list page. */
struct nv_slot {
    bool busy;
    u8 op;
    u64 lba;
    u64 *prp_list;
    u64 prp_list_pa;
};

struct nvme {
    struct pci_dev *pci;
    volatile u8 *regs;
    u64 cap;
    u32 stride;                        /* doorbell stride in bytes */
    u64 timeout_ns;                    /* CAP.TO */
    struct nvq admin, io;
    struct nv_slot slots[NSLOTS];
    u64 bounce_pa;                     /* BOUNCE_PAGES: identify data, then bounce */
    u8 *bounce;
    u32 lba_size, lba_shift;
    u32 spl;                           /* 512-byte sectors per LBA */
    u64 nlba;
    u32 max_lbas;                      /* per command */
    bool vwc;                          /* volatile write cache present */
    bool broken;
    struct blockdev bd;
    char name[12];
};

static int nctrls;

static u32 rd32(struct nvme *c, u32 off) { return *(volatile u32 *)(c->regs + off); }
static void wr32(struct nvme *c, u32 off, u32 v) { *(volatile u32 *)(c->regs + off) = v; }

static u64 rd64(struct nvme *c, u32 off)
{
    u64 lo = rd32(c, off);
    return lo | (u64)rd32(c, off + 4) << 32;
}

static void wr64(struct nvme *c, u32 off, u64 v)
{
    wr32(c, off, (u32)v);
    wr32(c, off + 4, (u32)(v >> 32));
}

static const char *op_name(u8 op)
{
    return op == IO_READ ? "read" : op == IO_WRITE ? "write" : "flush";
}

/* Device address of kernel address va (direct map, kernel image or another
 * mapped kernel page), or 0 when it is not DMA-able kernel memory. */
static u64 dma_addr(u64 va)
{
    if (va < DIRECT_MAP)
        return 0;
    if (va < DIRECT_MAP + (1UL << 46) || va >= KERNEL_BASE)
        return virt_to_phys((void *)va);
    u64 *pte = mmu_pte(va);
    if (pte == NULL || (*pte & PTE_P) == 0)
        return 0;
    return (*pte & PTE_ADDR_MASK) | (va & (PAGE_SIZE - 1));
}

/* ---------------------------------------------------------------- queues */

/* Allocate queue pair qid with `size` entries (each ring fits one page). */
static int nvq_init(struct nvme *c, struct nvq *q, u16 qid, u16 size)
{
    kassert(size * sizeof(struct nvme_sqe) <= PAGE_SIZE);
    q->qid = qid;
    q->size = size;
    q->sq_tail = q->cq_head = 0;
    q->phase = 1;
    q->sq_pa = page_alloc();
    q->cq_pa = page_alloc();
    if (q->sq_pa == 0 || q->cq_pa == 0)
        return -ENOMEM;
    q->sq = phys_to_virt(q->sq_pa);
    q->cq = phys_to_virt(q->cq_pa);
    q->sq_db = (volatile u32 *)(c->regs + REG_DOORBELLS + (2U * qid) * c->stride);
    q->cq_db = (volatile u32 *)(c->regs + REG_DOORBELLS + (2U * qid + 1) * c->stride);
    return 0;
}

static void nvq_free(struct nvq *q)
{
    if (q->sq_pa != 0)
        page_free(q->sq_pa);
    if (q->cq_pa != 0)
        page_free(q->cq_pa);
    q->sq_pa = q->cq_pa = 0;
}

/* Copy e into the next submission slot and ring the tail doorbell.  The
 * caller keeps fewer than size-1 commands outstanding, so the ring never
 * overflows. */
static void nvq_submit(struct nvq *q, const struct nvme_sqe *e)
{
    q->sq[q->sq_tail] = *e;
    q->sq_tail = (u16)((q->sq_tail + 1) % q->size);
    barrier();                         /* entry in memory before the doorbell (x86: stores in order) */
    *q->sq_db = q->sq_tail;
}

/* Take the next completion when its phase bit says it is new: true and *out,
 * with the head doorbell rung; false when none is there yet. */
static bool nvq_poll(struct nvq *q, struct nvme_cqe *out)
{
    volatile struct nvme_cqe *e = &q->cq[q->cq_head];
    u16 st = e->status;
    if ((st & 1) != q->phase)
        return false;
    barrier();                         /* the rest of the entry after its phase bit */
    out->result = e->result;
    out->sq_head = e->sq_head;
    out->sq_id = e->sq_id;
    out->cid = e->cid;
    out->status = st;
    q->cq_head = (u16)(q->cq_head + 1);
    if (q->cq_head == q->size) {
        q->cq_head = 0;
        q->phase ^= 1;
    }
    *q->cq_db = q->cq_head;
    return true;
}

/* Spin for the next completion until deadline; false on timeout. */
static bool nvq_wait(struct nvq *q, struct nvme_cqe *out, u64 deadline)
{
    while (!nvq_poll(q, out)) {
        if (now_ns() >= deadline)
            return false;
        cpu_pause();
    }
    return true;
}

/* Run one admin command synchronously.  0, -EIO (status logged), -ETIMEDOUT. */
static int admin_cmd(struct nvme *c, struct nvme_sqe *e, u32 *result)
{
    struct nvme_cqe cqe;
    e->cdw0 = (e->cdw0 & 0xff) | (0x1234U << 16);
    nvq_submit(&c->admin, e);
    if (!nvq_wait(&c->admin, &cqe, now_ns() + REQ_TIMEOUT_NS)) {
        klog("nvme %02x:%02x.%u: admin command 0x%x timed out", c->pci->bus, c->pci->slot,
             c->pci->func, e->cdw0 & 0xff);
        return -ETIMEDOUT;
    }
    if (((cqe.status >> 1) & 0x7ff) != 0) {
        klog("nvme %02x:%02x.%u: admin command 0x%x failed (status 0x%x)", c->pci->bus,
             c->pci->slot, c->pci->func, e->cdw0 & 0xff, cqe.status >> 1);
        return -EIO;
    }
    if (result != NULL)
        *result = cqe.result;
    return 0;
}

/* ------------------------------------------------------------------- I/O */

/* Fill e's PRP1/PRP2 for len bytes at va (dword-aligned, len <= MAX_CMD_BYTES),
 * using slot s's list page past two pages.  0 or -EFAULT. */
static int build_prps(struct nv_slot *s, u64 va, u64 len, struct nvme_sqe *e)
{
    u64 first = PAGE_SIZE - (va & (PAGE_SIZE - 1));
    e->prp1 = dma_addr(va);
    e->prp2 = 0;
    if (e->prp1 == 0)
        return -EFAULT;
    if (len <= first)
        return 0;
    u64 rest = len - first, next = va + first;
    u64 npages = (rest + PAGE_SIZE - 1) / PAGE_SIZE;
    if (npages == 1) {
        e->prp2 = dma_addr(next);
        return e->prp2 == 0 ? -EFAULT : 0;
    }
    kassert(npages <= PAGE_SIZE / sizeof(u64));
    for (u64 i = 0; i < npages; i++) {
        u64 pa = dma_addr(next + i * PAGE_SIZE);
        if (pa == 0)
            return -EFAULT;
        s->prp_list[i] = pa;
    }
    e->prp2 = s->prp_list_pa;
    return 0;
}

static int free_slot(struct nvme *c)
{
    for (int i = 0; i < NSLOTS; i++)
        if (!c->slots[i].busy)
            return i;
    return -1;
}

/* Queue one command on slot i: n LBAs at lba from/to buf (op READ/WRITE) or
 * a flush.  0 or -EFAULT (buf not DMA-able). */
static int submit(struct nvme *c, int i, u8 op, u64 lba, u8 *buf, u32 n)
{
    struct nv_slot *s = &c->slots[i];
    struct nvme_sqe e = { .cdw0 = op | ((u32)i << 16), .nsid = 1 };
    if (op != IO_FLUSH) {
        int r = build_prps(s, (u64)buf, (u64)n << c->lba_shift, &e);
        if (r != 0)
            return r;
        e.cdw10 = (u32)lba;
        e.cdw11 = (u32)(lba >> 32);
        e.cdw12 = n - 1;               /* 0-based count */
    }
    s->busy = true;
    s->op = op;
    s->lba = lba;
    nvq_submit(&c->io, &e);
    return 0;
}

/* Wait for one command and account for it; 0, or -EIO on error or timeout. */
static int reap(struct nvme *c)
{
    struct nvme_cqe cqe;
    if (!nvq_wait(&c->io, &cqe, now_ns() + REQ_TIMEOUT_NS)) {
        c->broken = true;
        klog("%s: request timed out; disabling the controller", c->name);
        return -EIO;
    }
    if (cqe.cid >= NSLOTS || !c->slots[cqe.cid].busy) {
        c->broken = true;
        klog("%s: completion for unknown command %u; disabling the controller", c->name, cqe.cid);
        return -EIO;
    }
    struct nv_slot *s = &c->slots[cqe.cid];
    s->busy = false;
    u16 sf = cqe.status >> 1;
    if ((sf & 0x7ff) == 0)             /* status code type and status code 0: success */
        return 0;
    klog("%s: %s at LBA %lu failed (status 0x%x: type %u code 0x%x)", c->name, op_name(s->op),
         s->lba, sf, (sf >> 8) & 7, sf & 0xff);
    return -EIO;
}

/* Move count whole LBAs between the device and buf (dword-aligned), keeping
 * up to NSLOTS commands in flight.  0 or the first error; waits for
 * everything submitted either way. */
static int transfer(struct nvme *c, u8 op, u64 lba, u8 *buf, u64 count)
{
    u64 done = 0;
    int inflight = 0, err = 0, i;

    if (c->broken)
        return -EIO;
    do {
        while (err == 0 && done < count && (i = free_slot(c)) >= 0) {
            u32 n = (u32)MIN(count - done, (u64)c->max_lbas);
            int r = submit(c, i, op, lba + done, buf + (done << c->lba_shift), n);
            if (r != 0) {
                err = r;
                break;
            }
            inflight++;
            done += n;
        }
        if (inflight == 0)
            break;
        int r = reap(c);
        inflight--;
        if (r != 0 && err == 0)
            err = r;
        if (c->broken)
            return -EIO;
    } while (inflight > 0 || (err == 0 && done < count));
    return err;
}

/* Whole LBAs at any buffer address: straight when buf is dword-aligned,
 * else through the bounce buffer, BOUNCE_PAGES at a time. */
static int lbas_io(struct nvme *c, u8 op, u64 lba, u8 *buf, u64 count)
{
    if (((u64)buf & 3) == 0)
        return transfer(c, op, lba, buf, count);
    u64 per = MIN((BOUNCE_PAGES * PAGE_SIZE) >> c->lba_shift, (u64)c->max_lbas);
    while (count > 0) {
        u64 n = MIN(count, per);
        u64 bytes = n << c->lba_shift;
        if (op == IO_WRITE)
            memcpy(c->bounce, buf, bytes);
        int r = transfer(c, op, lba, c->bounce, n);
        if (r != 0)
            return r;
        if (op == IO_READ)
            memcpy(buf, c->bounce, bytes);
        lba += n;
        buf += bytes;
        count -= n;
    }
    return 0;
}

/* Part of one LBA: len bytes at byte offset off within it, through the
 * bounce buffer (read, and for a write patch and write back). */
static int partial_io(struct nvme *c, u8 op, u64 lba, u32 off, u8 *buf, u32 len)
{
    int r = transfer(c, IO_READ, lba, c->bounce, 1);
    if (r != 0)
        return r;
    if (op == IO_READ) {
        memcpy(buf, c->bounce + off, len);
        return 0;
    }
    memcpy(c->bounce + off, buf, len);
    return transfer(c, IO_WRITE, lba, c->bounce, 1);
}

/* The 512-byte sector API over LBAs: a partial head LBA, the whole LBAs,
 * a partial tail LBA. */
static int sectors_io(struct nvme *c, u8 op, u64 sector, u8 *buf, u32 count)
{
    if (sector > c->bd.sectors || count > c->bd.sectors - sector) {
        klog("%s: access beyond the end (sector %lu + %u of %lu)", c->name, sector, count,
             c->bd.sectors);
        return -EIO;
    }
    u64 lba = sector / c->spl, left = (u64)count * SECTOR_SIZE;
    u32 off = (u32)(sector % c->spl) * SECTOR_SIZE;
    int r;
    if (off != 0 && left > 0) {
        u32 n = (u32)MIN(left, (u64)(c->lba_size - off));
        if ((r = partial_io(c, op, lba, off, buf, n)) != 0)
            return r;
        lba++;
        buf += n;
        left -= n;
    }
    u64 whole = left >> c->lba_shift;
    if (whole > 0) {
        if ((r = lbas_io(c, op, lba, buf, whole)) != 0)
            return r;
        lba += whole;
        buf += whole << c->lba_shift;
        left -= whole << c->lba_shift;
    }
    if (left > 0)
        return partial_io(c, op, lba, 0, buf, (u32)left);
    return 0;
}

static int nv_read(struct blockdev *d, u64 sector, void *buf, u32 count)
{
    return sectors_io(d->priv, IO_READ, sector, buf, count);
}

static int nv_write(struct blockdev *d, u64 sector, const void *buf, u32 count)
{
    return sectors_io(d->priv, IO_WRITE, sector, (u8 *)buf, count);
}

static int nv_flush(struct blockdev *d)
{
    struct nvme *c = d->priv;
    if (!c->vwc)
        return 0;                      /* no volatile write cache: writes are durable */
    if (c->broken)
        return -EIO;
    int r = submit(c, 0, IO_FLUSH, 0, NULL, 0);
    if (r != 0)
        return r;
    return reap(c);
}

/* -------------------------------------------------------------- bring-up */

/* Wait until CSTS.RDY equals rdy, within CAP.TO.  0, -EIO on a fatal status,
 * -ETIMEDOUT. */
static int wait_ready(struct nvme *c, u32 rdy)
{
    u64 deadline = now_ns() + c->timeout_ns;
    for (;;) {
        u32 st = rd32(c, REG_CSTS);
        if (st == 0xffffffffU || (rdy != 0 && (st & CSTS_CFS) != 0))
            return -EIO;
        if ((st & CSTS_RDY) == rdy)
            return 0;
        if (now_ns() >= deadline)
            return -ETIMEDOUT;
        cpu_pause();
    }
}

/* Check CAP, reset, set up the admin queues and enable the controller. */
static int enable(struct nvme *c)
{
    c->cap = rd64(c, REG_CAP);
    if (!CAP_CSS_NVM(c->cap) || CAP_MPSMIN(c->cap) != 0) {
        klog("nvme: CAP 0x%lx: no NVM command set or 4 KiB pages", c->cap);
        return -ENODEV;
    }
    c->stride = 4U << CAP_DSTRD(c->cap);
    c->timeout_ns = (u64)MAX(CAP_TO(c->cap), 1U) * 500000000UL;
    /* doorbells of queues 0 and 1 must lie in the mapping */
    c->regs = pci_map_bar_range(c->pci, 0, 0, REG_DOORBELLS + 4 * c->stride);
    if (c->regs == NULL)
        return -ENOMEM;

    if ((rd32(c, REG_CC) & CC_EN) != 0)
        wr32(c, REG_CC, rd32(c, REG_CC) & ~CC_EN);
    int r = wait_ready(c, 0);
    if (r != 0)
        return r;
    u16 asize = (u16)MIN((u32)ADMIN_QSIZE, CAP_MQES(c->cap));
    if ((r = nvq_init(c, &c->admin, 0, asize)) != 0)
        return r;
    wr32(c, REG_INTMS, 0xffffffffU);   /* polled: no pin-based interrupts either */
    wr32(c, REG_AQA, ((u32)(asize - 1) << 16) | (u32)(asize - 1));
    wr64(c, REG_ASQ, c->admin.sq_pa);
    wr64(c, REG_ACQ, c->admin.cq_pa);
    wr32(c, REG_CC, CC_EN | CC_CSS_NVM | CC_MPS_4K | CC_AMS_RR | CC_IOSQES | CC_IOCQES);
    return wait_ready(c, CSTS_RDY);
}

static int identify(struct nvme *c, u32 cns, u32 nsid)
{
    struct nvme_sqe e = { .cdw0 = ADM_IDENTIFY, .nsid = nsid, .prp1 = c->bounce_pa, .cdw10 = cns };
    memset(c->bounce, 0, PAGE_SIZE);
    return admin_cmd(c, &e, NULL);
}

/* Copy an identify string field (space padded) into out without the padding. */
static void id_string(const u8 *p, size_t n, char *out, size_t cap)
{
    size_t len = MIN(n, cap - 1);
    memcpy(out, p, len);
    while (len > 0 && (out[len - 1] == ' ' || out[len - 1] == '\0'))
        len--;
    out[len] = '\0';
}

/* IDENTIFY controller and namespace 1: limits, cache, size, LBA format. */
static int read_identity(struct nvme *c, char *model, size_t mcap)
{
    int r = identify(c, 1, 0);
    if (r != 0)
        return r;
    const u8 *id = c->bounce;
    u8 mdts = id[IDC_MDTS];
    u32 nn = *(const u32 *)(id + IDC_NN);
    c->vwc = (id[IDC_VWC] & 1) != 0;
    id_string(id + IDC_MN, 40, model, mcap);
    u64 max_bytes = MAX_CMD_BYTES;
    if (mdts != 0 && mdts < 20)
        max_bytes = MIN(max_bytes, PAGE_SIZE << mdts);
    if (nn < 1)
        return -ENODEV;

    if ((r = identify(c, 0, 1)) != 0)
        return r;
    c->nlba = *(const u64 *)(id + IDN_NSZE);
    u8 fmt = id[IDN_FLBAS] & 0xf;
    if (c->nlba == 0 || fmt > id[IDN_NLBAF])
        return -ENODEV;                /* namespace 1 inactive */
    u32 lbaf = *(const u32 *)(id + IDN_LBAF + 4 * fmt);
    u32 ms = lbaf & 0xffff, lbads = (lbaf >> 16) & 0xff;
    if (ms != 0 || lbads < 9 || lbads > 12) {
        klog("nvme: namespace 1 LBA format %u (2^%u bytes, %u metadata) unsupported", fmt, lbads, ms);
        return -ENODEV;
    }
    c->lba_shift = lbads;
    c->lba_size = 1U << lbads;
    c->spl = c->lba_size / SECTOR_SIZE;
    c->max_lbas = (u32)(max_bytes >> lbads);
    return 0;
}

/* One I/O queue pair (qid 1): negotiate the count, create the CQ, then the SQ. */
static int create_io_queues(struct nvme *c)
{
    u16 size = (u16)MIN((u32)IO_QSIZE, CAP_MQES(c->cap));
    if (size <= NSLOTS)
        return -ENODEV;
    int r = nvq_init(c, &c->io, 1, size);
    if (r != 0)
        return r;
    struct nvme_sqe nq = { .cdw0 = ADM_SET_FEATURES, .cdw10 = FEAT_NUM_QUEUES, .cdw11 = 0 };
    if ((r = admin_cmd(c, &nq, NULL)) != 0)
        return r;
    struct nvme_sqe cq = { .cdw0 = ADM_CREATE_CQ, .prp1 = c->io.cq_pa,
                           .cdw10 = ((u32)(size - 1) << 16) | 1, .cdw11 = 1 /* PC, IEN 0 */ };
    if ((r = admin_cmd(c, &cq, NULL)) != 0)
        return r;
    struct nvme_sqe sq = { .cdw0 = ADM_CREATE_SQ, .prp1 = c->io.sq_pa,
                           .cdw10 = ((u32)(size - 1) << 16) | 1, .cdw11 = (1U << 16) | 1 /* CQ 1, PC */ };
    return admin_cmd(c, &sq, NULL);
}

static int start(struct nvme *c, char *model, size_t mcap)
{
    pci_enable(c->pci);
    c->regs = pci_map_bar_range(c->pci, 0, 0, REG_DOORBELLS);
    if (c->regs == NULL)
        return -ENODEV;
    c->bounce_pa = pages_alloc(BOUNCE_PAGES);
    if (c->bounce_pa == 0)
        return -ENOMEM;
    c->bounce = phys_to_virt(c->bounce_pa);
    int r = enable(c);
    if (r == 0)
        r = read_identity(c, model, mcap);
    if (r == 0)
        r = create_io_queues(c);
    for (int i = 0; r == 0 && i < NSLOTS; i++) {
        c->slots[i].prp_list_pa = page_alloc();
        if (c->slots[i].prp_list_pa == 0)
            return -ENOMEM;
        c->slots[i].prp_list = phys_to_virt(c->slots[i].prp_list_pa);
    }
    return r;
}

/* Undo start: disable the controller (it stops touching our pages), free them. */
static void stop(struct nvme *c)
{
    if (c->regs != NULL && (rd32(c, REG_CC) & CC_EN) != 0) {
        wr32(c, REG_CC, rd32(c, REG_CC) & ~CC_EN);
        if (wait_ready(c, 0) != 0)
            return;                    /* still live: leak the pages rather than reuse them */
    }
    nvq_free(&c->admin);
    nvq_free(&c->io);
    for (int i = 0; i < NSLOTS; i++)
        if (c->slots[i].prp_list_pa != 0)
            page_free(c->slots[i].prp_list_pa);
    if (c->bounce_pa != 0)
        pages_free(c->bounce_pa, BOUNCE_PAGES);
    kfree(c);
}

int nvme_probe(struct pci_dev *pci)
{
    if (pci->class != NVME_CLASS || pci->subclass != NVME_SUBCLASS ||
        pci->prog_if != NVME_PROG_IF || nctrls >= MAX_CTRLS)
        return -ENODEV;
    struct nvme *c = kzalloc(sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    c->pci = pci;
    char model[41];
    model[0] = '\0';
    int r = start(c, model, sizeof(model));
    if (r != 0) {
        klog("nvme %02x:%02x.%u: not usable (error %d)", pci->bus, pci->slot, pci->func, -r);
        stop(c);
        return r;
    }
    ksnprintf(c->name, sizeof(c->name), "nvme%dn1", nctrls++);
    c->bd = (struct blockdev){
        .name = c->name, .sectors = c->nlba * c->spl, .read = nv_read, .write = nv_write,
        .flush = nv_flush, .priv = c,
    };
    u32 vs = rd32(c, REG_VS);
    klog("%s: NVMe %u.%u \"%s\", %lu LBAs of %u bytes (%lu MiB)%s, %u KiB/command, queue %u",
         c->name, vs >> 16, (vs >> 8) & 0xff, model, c->nlba, c->lba_size,
         (c->nlba << c->lba_shift) >> 20, c->vwc ? ", write cache" : "",
         (c->max_lbas << c->lba_shift) >> 10, c->io.size);
    blockdev_register(&c->bd);
    return 0;
}
