/*
 * aio.c - Linux native AIO: io_setup, io_destroy, io_submit, io_cancel,
 * io_getevents and io_pgetevents, with Linux's ABI.
 *
 * A context is a ring of completion events mapped into the program (struct
 * aio_ring, then io_events), and the ring's user address is the context id,
 * as on Linux: libaio and others read completions straight from the ring
 * when head != tail and only call io_getevents when it is empty.  The
 * ring's pages belong to this file: they are allocated here, written by the
 * kernel through the direct map and mapped as a VM_VDSO-kind region named
 * "/[aio] (deleted)" (the VM never frees such frames, so a program that
 * unmaps its ring cannot make the kernel write into freed memory).  A
 * context is found as Linux finds it: through the ring's id field, an index
 * into the context table, whose entry must name that ring.
 *
 * Reads, writes and syncs run synchronously inside io_submit through the
 * pread/pwrite/preadv/pwritev/fsync paths (Linux also completes buffered
 * I/O inside io_submit), and their event is in the ring before io_submit
 * returns.  IOCB_CMD_POLL completes at once when the file is ready, as on
 * Linux; otherwise it stays pending (the only kind of request io_cancel can
 * cancel) and completes on its own: the poll worker (fs/pollwork.c, a
 * kernel thread woken through vfs_pollq, which every readiness change
 * wakes) checks pending polls, posts their event into the ring and signals
 * their IOCB_FLAG_RESFD eventfd; every call on the context and io_getevents
 * waiting check them too.
 *
 * Invariants: c->tail is the trusted copy of the ring's tail; unconsumed
 * events plus pending polls stay below c->nr (io_submit fails with EAGAIN
 * instead), so the ring never overflows.  A context being used by a call
 * that may block (c->users) is freed by the last user after io_destroy.
 */
#include "syscalls.h"
#include "fs/vfs_impl.h"
#include "runtime/mm/vm.h"
#include "runtime/sched/signal.h"
#include "runtime/x86_64/cpu.h"

#define AIO_RING_MAGIC 0xa10a10a1
#define AIO_MAX_NR 65536                /* /proc/sys/fs/aio-max-nr */
#define KTIME_SEC_MAX 9223372036LL      /* timeouts at or past this never expire */
#define MAX_RW 0x7ffff000UL
#define UIO_MAXIOV 1024
#define RWF_SUPPORTED 0x1f              /* HIPRI DSYNC SYNC NOWAIT APPEND (as preadv2) */
#define RWF_APPEND 0x10

enum { IOCB_CMD_PREAD = 0, IOCB_CMD_PWRITE = 1, IOCB_CMD_FSYNC = 2, IOCB_CMD_FDSYNC = 3,
       IOCB_CMD_POLL = 5, IOCB_CMD_PREADV = 7, IOCB_CMD_PWRITEV = 8 };
#define IOCB_FLAG_RESFD 1
#define IOCB_FLAG_IOPRIO 2

/* The user ABI (linux/aio_abi.h and fs/aio.c). */
struct io_event_k { u64 data, obj; s64 res, res2; };
struct aio_ring {
    u32 id, nr, head, tail;
    u32 magic, compat_features, incompat_features, header_length;
    struct io_event_k events[];
};
struct iocb_k {
    u64 data;
    u32 key;
    s32 rw_flags;
    u16 opcode;
    s16 reqprio;
    u32 fildes;
    u64 buf, nbytes;
    s64 offset;
    u64 reserved2;
    u32 flags, resfd;
};
struct aio_sigset_k { u64 sigmask, sigsetsize; };
struct timespec_k { s64 sec, nsec; };
struct iovec_k { u64 base, len; };

/* A poll request waiting for its file to become ready. */
struct aio_poll {
    struct aio_poll *next;
    struct file *file;                 /* a reference */
    struct file *efd;                  /* IOCB_FLAG_RESFD eventfd (a reference), or NULL */
    u32 events;
    u64 data, obj;
};

struct aio_ctx {
    u64 user_id;                       /* the ring's user address: the context id */
    u32 id;                            /* index in ctxs[] (also ring->id) */
    u32 nr;                            /* event slots in the ring */
    u32 max_reqs;                      /* nr_events given to io_setup (counts against AIO_MAX_NR) */
    u32 tail;                          /* trusted tail */
    u64 pa;                            /* the ring's frames (contiguous) */
    size_t pages;
    struct aio_ring *ring;             /* kernel view of the ring */
    struct aio_poll *polls;            /* pending polls, oldest first */
    u32 npolls;
    int users;                         /* calls in progress that may block */
    bool dead;                         /* destroyed: freed by the last user */
};

static struct aio_ctx **ctxs;
static u32 nctxs;
static u64 aio_nr;                     /* max_reqs summed over live contexts */

long sys_pread64(int fd, u8 *buf, size_t count, s64 off);
long sys_pwrite64(int fd, const u8 *buf, size_t count, s64 off);
long sys_read(int fd, u8 *buf, size_t count);
long sys_write(int fd, const u8 *buf, size_t count);
long sys_preadv(int fd, const struct iovec_k *iov, int cnt, s64 off);
long sys_pwritev(int fd, const struct iovec_k *iov, int cnt, s64 off);
long sys_readv(int fd, const struct iovec_k *iov, int cnt);
long sys_writev(int fd, const struct iovec_k *iov, int cnt);
long sys_fsync(int fd);
long sys_fdatasync(int fd);

/* ---------------------------------------------------------------- contexts */

/* The context ctx_id names (via the ring's id, as Linux), or NULL. */
static struct aio_ctx *ctx_lookup(u64 ctx_id)
{
    u32 id;
    if (copy_from_user(&id, (const void *)ctx_id, sizeof(id)) < 0)
        return NULL;
    if (id >= nctxs || ctxs[id] == NULL || ctxs[id]->user_id != ctx_id)
        return NULL;
    return ctxs[id];
}

/* The lowest free table slot (the table grows as needed), or -ENOMEM. */
static long ctx_slot(void)
{
    for (u32 i = 0; i < nctxs; i++)
        if (ctxs[i] == NULL)
            return i;
    u32 n = nctxs == 0 ? 4 : nctxs * 2;
    struct aio_ctx **t = kzalloc(n * sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    if (nctxs > 0)
        memcpy(t, ctxs, nctxs * sizeof(*t));
    kfree(ctxs);
    ctxs = t;
    long slot = nctxs;
    nctxs = n;
    return slot;
}

/* Map the ring's frames at a free user address; 0 or -ENOMEM. */
static int ring_map(struct aio_ctx *c)
{
    u64 len = c->pages * PAGE_SIZE;
    long addr = vm_find_free(0, len);
    if (addr < 0)
        return (int)addr;
    struct vm_map_args a = { PROT_READ | PROT_WRITE, VMR_SHARED, VM_VDSO, NULL, 0, 0,
                             "/[aio] (deleted)" };
    int e = vm_map((u64)addr, len, &a);
    for (size_t i = 0; e == 0 && i < c->pages; i++)
        e = mmu_map((u64)addr + i * PAGE_SIZE, c->pa + i * PAGE_SIZE, PTE_U | PTE_W | PTE_NX);
    if (e < 0) {
        vm_unmap((u64)addr, len);
        return e;
    }
    c->user_id = (u64)addr;
    return 0;
}

/* Unmap the ring if it is still where io_setup put it.  Returns whether the
 * frames are free to reuse (not if the program moved them elsewhere). */
static bool ring_unmap(struct aio_ctx *c)
{
    int kind;
    u32 flags, prot;
    u64 end;
    bool ours = vm_region_info(c->user_id, &kind, &flags, &prot, &end) == 0 && kind == VM_VDSO;
    if (ours) {
        vm_unmap(c->user_id, c->pages * PAGE_SIZE);
        return true;
    }
    /* Unmapped by the program: nothing of it is left mapped unless the
     * ring was moved (mremap), in which case its frames stay in use. */
    u64 *pte = mmu_pte(c->user_id);
    return pte == NULL || (*pte & PTE_P) == 0 || (*pte & PTE_ADDR_MASK) != c->pa;
}

static void poll_free(struct aio_poll *p)
{
    file_put(p->file);
    if (p->efd != NULL)
        file_put(p->efd);
    kfree(p);
}

static void ctx_free(struct aio_ctx *c)
{
    if (c->pa != 0)
        pages_free(c->pa, c->pages);
    kfree(c);
}

/* io_destroy: forget the context, drop pending polls, unmap the ring and
 * wake io_getevents callers (they fail with EINVAL). */
static void ctx_kill(struct aio_ctx *c)
{
    ctxs[c->id] = NULL;
    aio_nr -= c->max_reqs;
    c->dead = true;
    while (c->polls != NULL) {
        struct aio_poll *p = c->polls;
        c->polls = p->next;
        poll_free(p);
    }
    c->npolls = 0;
    if (!ring_unmap(c))
        c->pa = 0;                     /* still mapped somewhere: leave the frames */
    vfs_poll_wake();
    if (c->users == 0)
        ctx_free(c);
}

static void ctx_get(struct aio_ctx *c)
{
    c->users++;
}

static void ctx_put(struct aio_ctx *c)
{
    if (--c->users == 0 && c->dead)
        ctx_free(c);
}

/* Events waiting in the ring plus pending polls. */
static u32 ctx_used(const struct aio_ctx *c)
{
    u32 head = c->ring->head % c->nr;
    return (c->tail + c->nr - head) % c->nr + c->npolls;
}

/* Append an event and signal the request's eventfd. */
static void ctx_post(struct aio_ctx *c, u64 data, u64 obj, s64 res, struct file *efd)
{
    if (c->dead)
        return;
    struct io_event_k *ev = &c->ring->events[c->tail];
    ev->data = data;
    ev->obj = obj;
    ev->res = res;
    ev->res2 = 0;
    __asm__ volatile("" ::: "memory");  /* the event before the tail (x86 keeps store order) */
    c->tail = (c->tail + 1) % c->nr;
    c->ring->tail = c->tail;
    if (efd != NULL)
        eventfd_signal_file(efd);
    vfs_poll_wake();
}

/* ---------------------------------------------------------------- polls */

static u32 file_ready(struct file *f)
{
    return (f->ops != NULL && f->ops->poll != NULL) ? (u32)f->ops->poll(f) : DEFAULT_POLLMASK;
}

/* Complete every pending poll whose file became ready.  Linux completes
 * such a poll from the file's wake-up with the wake-up's bits, which carry
 * the "normal data" twin of the bit waited for (a pipe write wakes readers
 * with POLLIN | POLLRDNORM): report those too. */
static void ctx_scan_polls(struct aio_ctx *c)
{
    struct aio_poll **pp = &c->polls;
    while (*pp != NULL) {
        struct aio_poll *p = *pp;
        u32 want = p->events;
        want |= ((want & POLLIN) != 0 ? POLLRDNORM : 0) | ((want & POLLOUT) != 0 ? POLLWRNORM : 0);
        u32 ready = file_ready(p->file);
        u32 m = (ready & p->events) != 0 ? ready & want : 0;
        if (m == 0) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        c->npolls--;
        ctx_post(c, p->data, p->obj, m, p->efd);
        poll_free(p);
    }
}

/* The poll worker's callback: complete the pending polls of every live
 * context whose file became ready (nothing here blocks).  Returns whether
 * some poll is still pending. */
static bool aio_work(void *arg)
{
    (void)arg;
    bool more = false;
    for (u32 i = 0; i < nctxs; i++) {
        struct aio_ctx *c = ctxs[i];
        if (c == NULL || c->dead || c->npolls == 0)
            continue;
        ctx_scan_polls(c);
        more = more || c->npolls > 0;
    }
    return more;
}

static struct poll_work aio_poll_work = { aio_work, NULL, NULL, false };

static long submit_poll(struct aio_ctx *c, const struct iocb_k *cb, u64 obj, struct file *f,
                        struct file *efd)
{
    if ((u16)cb->buf != cb->buf)
        return -EINVAL;
    if (cb->offset != 0 || cb->nbytes != 0 || cb->rw_flags != 0)
        return -EINVAL;
    u32 events = (u32)cb->buf | POLLERR | POLLHUP;
    u32 m = file_ready(f) & events;
    if (m != 0) {
        ctx_post(c, cb->data, obj, m, efd);
        return 0;
    }
    struct aio_poll *p = kzalloc(sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    file_get(f);
    if (efd != NULL)
        file_get(efd);
    *p = (struct aio_poll){ NULL, f, efd, events, cb->data, obj };
    struct aio_poll **pp = &c->polls;
    while (*pp != NULL)
        pp = &(*pp)->next;
    *pp = p;
    c->npolls++;
    (void)poll_work_add(&aio_poll_work);   /* without a worker, calls on c still check it */
    poll_work_kick();
    return 0;
}

/* ---------------------------------------------------------------- submit */

static bool readable(const struct file *f)
{
    int acc = f->flags & O_ACCMODE;
    return acc == O_RDONLY || acc == O_RDWR;
}

static bool writable(const struct file *f)
{
    int acc = f->flags & O_ACCMODE;
    return acc == O_WRONLY || acc == O_RDWR;
}

static bool seekable(const struct file *f)
{
    return f->ops != NULL && f->ops->size != NULL;
}

/* Linux's ioprio_check_cap for IOCB_FLAG_IOPRIO (the caller is root). */
static long check_ioprio(s16 prio)
{
    int class = ((int)prio >> 13) & 7, level = prio & 7;
    if (class > 3 || (class == 0 && level != 0))
        return -EINVAL;
    return 0;
}

/* Check a user iovec array as import_iovec does; *total: its clipped length. */
static long check_iov(u64 uiov, u64 cnt, u64 *total)
{
    struct iovec_k v;
    *total = 0;
    if (cnt > UIO_MAXIOV)
        return -EINVAL;
    for (u64 i = 0; i < cnt; i++) {
        if (copy_from_user(&v, (const void *)(uiov + i * sizeof(v)), sizeof(v)) < 0)
            return -EFAULT;
        if ((s64)v.len < 0)
            return -EINVAL;
    }
    for (u64 i = 0; i < cnt; i++) {
        copy_from_user(&v, (const void *)(uiov + i * sizeof(v)), sizeof(v));
        u64 len = MIN(v.len, MAX_RW - *total);
        if (!user_range_ok((const void *)v.base, len))
            return -EFAULT;
        *total += len;
    }
    return 0;
}

/* PREAD/PWRITE/PREADV/PWRITEV: check as aio_read/aio_write, then run the
 * transfer through the pread/pwrite paths and post its result. */
static long submit_rw(struct aio_ctx *c, const struct iocb_k *cb, u64 obj, struct file *f,
                      struct file *efd, bool wr, bool vec)
{
    int fd = (int)cb->fildes;
    if ((cb->flags & IOCB_FLAG_IOPRIO) != 0 && check_ioprio(cb->reqprio) < 0)
        return -EINVAL;
    if ((cb->rw_flags & ~RWF_SUPPORTED) != 0)
        return -EOPNOTSUPP;
    if (!(wr ? writable(f) : readable(f)))
        return -EBADF;
    if (f->ops == NULL || (wr ? (void *)f->ops->write : (void *)f->ops->read) == NULL ||
        node_is_dir(f->node) || file_is_epoll(f))
        return -EINVAL;
    u64 total = MIN(cb->nbytes, MAX_RW);
    if (vec) {
        long e = check_iov(cb->buf, cb->nbytes, &total);
        if (e < 0)
            return e;
    } else if (!user_range_ok((const void *)cb->buf, total)) {
        return -EFAULT;
    }
    if (cb->offset < 0 || (s64)((u64)cb->offset + total) < 0)
        return -EINVAL;
    s64 off = cb->offset;
    if (wr && seekable(f) && ((f->flags & O_APPEND) != 0 || (cb->rw_flags & RWF_APPEND) != 0)) {
        long sz = f->ops->size(f);
        off = sz < 0 ? off : sz;
    }
    void *buf = (void *)cb->buf;
    const struct iovec_k *iov = (const struct iovec_k *)cb->buf;
    int cnt = (int)cb->nbytes;
    long res;
    ctx_get(c);                        /* a pipe or socket transfer may block */
    if (seekable(f)) {
        if (vec)
            res = wr ? sys_pwritev(fd, iov, cnt, off) : sys_preadv(fd, iov, cnt, off);
        else
            res = wr ? sys_pwrite64(fd, buf, total, off) : sys_pread64(fd, buf, total, off);
    } else {
        if (vec)
            res = wr ? sys_writev(fd, iov, cnt) : sys_readv(fd, iov, cnt);
        else
            res = wr ? sys_write(fd, buf, total) : sys_read(fd, buf, total);
    }
    ctx_post(c, cb->data, obj, res, efd);
    ctx_put(c);
    return 0;
}

static long submit_fsync(struct aio_ctx *c, const struct iocb_k *cb, u64 obj, struct file *efd,
                         bool datasync)
{
    if (cb->buf != 0 || cb->offset != 0 || cb->nbytes != 0 || cb->rw_flags != 0)
        return -EINVAL;
    int fd = (int)cb->fildes;
    long res = datasync ? sys_fdatasync(fd) : sys_fsync(fd);
    if (res == -EINVAL)                /* no fsync for this kind of file: checked first */
        return -EINVAL;
    ctx_post(c, cb->data, obj, res, efd);
    return 0;
}

/* One iocb, in io_submit_one's order of checks.  0 when it was accepted
 * (completed or pending), else -errno and nothing happened. */
static long submit_one(struct aio_ctx *c, struct iocb_k *u)
{
    struct iocb_k cb;
    if (copy_from_user(&cb, u, sizeof(cb)) < 0)
        return -EFAULT;
    if (cb.reserved2 != 0 || (s64)cb.nbytes < 0)
        return -EINVAL;
    if (ctx_used(c) >= c->nr - 1)
        return -EAGAIN;
    struct file *f = fd_file((int)cb.fildes), *efd = NULL;
    if (cb.fildes > 0x7fffffffU || f == NULL || (f->flags & O_PATH) != 0)
        return -EBADF;
    if ((cb.flags & IOCB_FLAG_RESFD) != 0) {
        efd = cb.resfd > 0x7fffffffU ? NULL : fd_file((int)cb.resfd);
        if (efd == NULL || (efd->flags & O_PATH) != 0)
            return -EBADF;
        if (!file_is_eventfd(efd))
            return -EINVAL;
    }
    u32 key = 0;                       /* KIOCB_KEY */
    if (copy_to_user(&u->key, &key, sizeof(key)) < 0)
        return -EFAULT;
    u64 obj = (u64)u;
    switch (cb.opcode) {
    case IOCB_CMD_PREAD: return submit_rw(c, &cb, obj, f, efd, false, false);
    case IOCB_CMD_PWRITE: return submit_rw(c, &cb, obj, f, efd, true, false);
    case IOCB_CMD_PREADV: return submit_rw(c, &cb, obj, f, efd, false, true);
    case IOCB_CMD_PWRITEV: return submit_rw(c, &cb, obj, f, efd, true, true);
    case IOCB_CMD_FSYNC: return submit_fsync(c, &cb, obj, efd, false);
    case IOCB_CMD_FDSYNC: return submit_fsync(c, &cb, obj, efd, true);
    case IOCB_CMD_POLL: return submit_poll(c, &cb, obj, f, efd);
    default: return -EINVAL;           /* NOOP (6) and PREADX (4) included, as Linux */
    }
}

/* ---------------------------------------------------------------- events */

/* Move up to nr events from the ring to uev and advance head: the count,
 * or -EFAULT (head unchanged). */
static long ring_read(struct aio_ctx *c, struct io_event_k *uev, long nr)
{
    struct aio_ring *r = c->ring;
    u32 head = r->head, tail = c->tail;
    if (head == tail)
        return 0;
    head %= c->nr;
    long n = 0;
    while (n < nr && head != tail) {
        long avail = (long)((head <= tail ? tail : c->nr) - head);
        avail = MIN(avail, nr - n);
        if (copy_to_user(uev + n, &r->events[head], (size_t)avail * sizeof(*uev)) < 0)
            return -EFAULT;
        n += avail;
        head = (u32)((head + (u64)avail) % c->nr);
    }
    r->head = head;
    return n;
}

/* Read a relative timeout as Linux's io_getevents does (no validation):
 * ns, -1 for none (NULL, or too far away to ever expire), or -EFAULT in *err. */
static s64 get_timeout(const struct timespec_k *uts, int *err)
{
    struct timespec_k ts;
    *err = 0;
    if (uts == NULL)
        return -1;
    if (copy_from_user(&ts, uts, sizeof(ts)) < 0) {
        *err = -EFAULT;
        return 0;
    }
    if ((u64)ts.sec >= (u64)KTIME_SEC_MAX)
        return -1;
    s64 ns = (s64)((u64)ts.sec * 1000000000 + (u64)ts.nsec);    /* wraps as Linux's ktime_set */
    return ns < 0 ? 0 : ns;            /* an expired timer: one look, no wait */
}

/* io_getevents core: wait until min_nr events were taken (or the timeout,
 * a signal, io_destroy), taking up to nr. */
static long do_getevents(u64 ctx_id, long min_nr, long nr, struct io_event_k *uev, s64 timeout)
{
    struct aio_ctx *c = ctx_lookup(ctx_id);
    if (c == NULL || min_nr > nr || min_nr < 0)
        return -EINVAL;
    u64 deadline = timeout > 0 ? now_ns() + (u64)timeout : 0;
    long got = 0;
    bool last = timeout == 0;
    ctx_get(c);
    for (;;) {
        if (!c->dead)
            ctx_scan_polls(c);
        long r = c->dead ? -EINVAL : ring_read(c, uev + got, nr - got);
        if (r < 0) {
            got = got > 0 ? got : r;
            break;
        }
        got += r;
        if (got >= min_nr || last)
            break;
        int w = waitq_wait_intr(&vfs_pollq, deadline);
        if (w == -EINTR) {
            got = got > 0 ? got : -EINTR;
            break;
        }
        last = w == -ETIMEDOUT || (deadline != 0 && now_ns() >= deadline);
    }
    ctx_put(c);
    return got;
}

/* ---------------------------------------------------------------- syscalls */

long sys_io_setup(unsigned nr_events, u64 *ctxp)
{
    u64 old;
    if (copy_from_user(&old, ctxp, sizeof(old)) < 0)
        return -EFAULT;
    if (old != 0 || nr_events == 0)
        return -EINVAL;
    /* Linux's sizing: at least 4 per CPU, doubled for its per-CPU batches. */
    u32 n = MAX(nr_events, (u32)cpu_online_count() * 4) * 2;
    if (n > 0x10000000U / sizeof(struct io_event_k))
        return -EINVAL;
    if (n == 0 || nr_events > AIO_MAX_NR || aio_nr + nr_events > AIO_MAX_NR)
        return -EAGAIN;
    long slot = ctx_slot();
    if (slot < 0)
        return slot;
    struct aio_ctx *c = kzalloc(sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    n += 2;                            /* Linux's slack for the head/tail overlap */
    c->pages = ALIGN_UP(sizeof(struct aio_ring) + (u64)n * sizeof(struct io_event_k), PAGE_SIZE) /
               PAGE_SIZE;
    c->pa = pages_alloc(c->pages);
    if (c->pa == 0) {
        kfree(c);
        return -ENOMEM;
    }
    c->ring = phys_to_virt(c->pa);
    memset(c->ring, 0, c->pages * PAGE_SIZE);
    c->nr = (u32)((c->pages * PAGE_SIZE - sizeof(struct aio_ring)) / sizeof(struct io_event_k));
    c->id = (u32)slot;
    c->max_reqs = nr_events;
    *c->ring = (struct aio_ring){ c->id, c->nr, 0, 0, AIO_RING_MAGIC, 1, 0,
                                  sizeof(struct aio_ring) };
    int e = ring_map(c);
    if (e < 0) {
        ctx_free(c);
        return e;
    }
    ctxs[c->id] = c;
    aio_nr += nr_events;
    if (copy_to_user(ctxp, &c->user_id, sizeof(c->user_id)) < 0) {
        ctx_kill(c);
        return -EFAULT;
    }
    return 0;
}

long sys_io_destroy(u64 ctx_id)
{
    struct aio_ctx *c = ctx_lookup(ctx_id);
    if (c == NULL)
        return -EINVAL;
    ctx_kill(c);
    return 0;
}

long sys_io_submit(u64 ctx_id, long nr, struct iocb_k **uiocbs)
{
    if (nr < 0)
        return -EINVAL;
    struct aio_ctx *c = ctx_lookup(ctx_id);
    if (c == NULL)
        return -EINVAL;
    if (nr > (long)c->nr)
        nr = c->nr;
    ctx_get(c);
    ctx_scan_polls(c);
    long i, r = 0;
    for (i = 0; i < nr && !c->dead; i++) {
        u64 p;
        if (copy_from_user(&p, &uiocbs[i], sizeof(p)) < 0) {
            r = -EFAULT;
            break;
        }
        r = submit_one(c, (struct iocb_k *)p);
        if (r != 0)
            break;
    }
    ctx_put(c);
    return i > 0 ? i : r;
}

/* Only pending polls can be cancelled: the event (with the file's ready
 * bits, usually 0) goes to the ring and the call fails with EINPROGRESS, as
 * Linux; anything else (completed or unknown) is EINVAL. */
long sys_io_cancel(u64 ctx_id, struct iocb_k *uiocb, struct io_event_k *result)
{
    u32 key;
    if (copy_from_user(&key, &uiocb->key, sizeof(key)) < 0)
        return -EFAULT;
    if (key != 0)
        return -EINVAL;
    struct aio_ctx *c = ctx_lookup(ctx_id);
    if (c == NULL)
        return -EINVAL;
    ctx_scan_polls(c);
    for (struct aio_poll **pp = &c->polls; *pp != NULL; pp = &(*pp)->next) {
        struct aio_poll *p = *pp;
        if (p->obj != (u64)uiocb)
            continue;
        *pp = p->next;
        c->npolls--;
        ctx_post(c, p->data, p->obj, file_ready(p->file) & p->events, p->efd);
        poll_free(p);
        return -EINPROGRESS;
    }
    return -EINVAL;
}

long sys_io_getevents(u64 ctx_id, long min_nr, long nr, struct io_event_k *events,
                      const struct timespec_k *uts)
{
    int err;
    s64 timeout = get_timeout(uts, &err);
    if (err != 0)
        return err;
    return do_getevents(ctx_id, min_nr, nr, events, timeout);
}

long sys_io_pgetevents(u64 ctx_id, long min_nr, long nr, struct io_event_k *events,
                       const struct timespec_k *uts, const struct aio_sigset_k *usig)
{
    struct aio_sigset_k ks = { 0, 0 };
    int err;
    s64 timeout = get_timeout(uts, &err);
    if (err != 0)
        return err;
    if (usig != NULL && copy_from_user(&ks, usig, sizeof(ks)) < 0)
        return -EFAULT;
    u64 mask = 0;
    if (ks.sigmask != 0) {
        if (ks.sigsetsize != sizeof(mask))
            return -EINVAL;
        if (copy_from_user(&mask, (const void *)ks.sigmask, sizeof(mask)) < 0)
            return -EFAULT;
        signal_mask_push(mask);
    }
    long r = do_getevents(ctx_id, min_nr, nr, events, timeout);
    if (ks.sigmask != 0 && r != -EINTR)
        signal_mask_pop();
    return r;
}
