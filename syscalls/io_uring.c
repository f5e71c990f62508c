/*
 * io_uring.c - io_uring_setup, io_uring_enter and io_uring_register with
 * Linux's ABI: submission and completion rings shared with the program.
 *
 * A ring is an anonymous file "[io_uring]" owning two shared page objects
 * (struct vm_object, runtime/mm/vm.h): the rings (SQ and CQ in one region,
 * IORING_FEAT_SINGLE_MMAP, laid out as Linux's struct io_rings) and the SQE
 * array.  Their frames are allocated contiguous at setup, so the kernel
 * reads the SQ tail and SQEs and writes CQEs through the direct map while
 * the program maps the same frames with mmap(fd, IORING_OFF_*) (the file's
 * mmap method).  The objects outlive the fd until their last mapping goes.
 *
 * io_uring_enter copies each SQE (IORING_FEAT_SUBMIT_STABLE) into a request
 * and runs it synchronously through the existing sys_* handlers (user
 * pointers in the SQE are passed on as the program's own: the ring and its
 * caller share one address space).  A request that would block becomes
 * pending instead: POLL_ADD on a file not ready, a read/recv/accept on a
 * stream with nothing to read, a write/send on a full one (the FAST_POLL
 * idea), and TIMEOUT.  Pending requests are retried by the poll worker
 * (fs/pollwork.c: a kernel thread woken through vfs_pollq, which every
 * readiness change wakes), so they complete, post their CQE, signal the
 * registered eventfd and wake io_uring_enter waiters and pollers of the ring
 * fd without any call on the ring; io_uring_enter waiting and polling the
 * ring fd retry them too.  A TIMEOUT's kernel timer posts its CQE from the
 * timer interrupt (the worker then runs what is linked after it).  A linked chain (IOSQE_IO_LINK/HARDLINK) runs one
 * request after another, a pending one holding back the rest; IO_DRAIN
 * defers a chain (and those after it) until nothing is pending.
 *
 * CQEs that do not fit go to a kernel overflow list (IORING_FEAT_NODROP)
 * and move to the ring as the program frees slots.
 *
 * Invariants: u->sq_head and u->cq_tail are the trusted copies of the
 * indices the kernel owns; u->busy serializes submission, scanning and
 * registration (they may block in a sys_* handler) and the worker's scans
 * (it skips a busy ring and is kicked again when it is released); the timer
 * callback only marks its request done and posts a CQE, never unlinks
 * requests.  SMP needs nothing more: kernel code runs under the big kernel
 * lock with interrupts off, timer callbacks included.
 */
#include "syscalls.h"
#include "fs/vfs_impl.h"
#include "runtime/mm/vm.h"
#include "runtime/sched/signal.h"

/* ---------------------------------------------------------------- ABI */

#define IORING_MAX_ENTRIES 32768
#define IORING_MAX_CQ_ENTRIES (2 * IORING_MAX_ENTRIES)
#define IORING_MAX_REG_BUFFERS (1U << 14)
#define IORING_MAX_FIXED_FILES (1U << 20)

#define IORING_OFF_SQ_RING 0ULL
#define IORING_OFF_CQ_RING 0x8000000ULL
#define IORING_OFF_SQES 0x10000000ULL

/* setup flags */
#define IORING_SETUP_IOPOLL (1U << 0)
#define IORING_SETUP_SQPOLL (1U << 1)
#define IORING_SETUP_SQ_AFF (1U << 2)
#define IORING_SETUP_CQSIZE (1U << 3)
#define IORING_SETUP_CLAMP (1U << 4)
#define IORING_SETUP_SUBMIT_ALL (1U << 7)
#define IORING_SETUP_COOP_TASKRUN (1U << 8)
#define IORING_SETUP_TASKRUN_FLAG (1U << 9)
#define IORING_SETUP_NO_SQARRAY (1U << 16)
#define SETUP_SUPPORTED (IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL | \
                         IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG | \
                         IORING_SETUP_NO_SQARRAY)

/* features */
#define IORING_FEAT_SINGLE_MMAP (1U << 0)
#define IORING_FEAT_NODROP (1U << 1)
#define IORING_FEAT_SUBMIT_STABLE (1U << 2)
#define IORING_FEAT_RW_CUR_POS (1U << 3)
#define IORING_FEAT_POLL_32BITS (1U << 6)
#define IORING_FEAT_EXT_ARG (1U << 8)
#define FEATURES (IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_SUBMIT_STABLE | \
                  IORING_FEAT_RW_CUR_POS | IORING_FEAT_POLL_32BITS | IORING_FEAT_EXT_ARG)

/* enter flags */
#define IORING_ENTER_GETEVENTS (1U << 0)
#define IORING_ENTER_SQ_WAKEUP (1U << 1)
#define IORING_ENTER_SQ_WAIT (1U << 2)
#define IORING_ENTER_EXT_ARG (1U << 3)

/* SQ/CQ ring flags */
#define IORING_SQ_CQ_OVERFLOW (1U << 1)
#define IORING_CQ_EVENTFD_DISABLED (1U << 0)

/* SQE flags */
#define IOSQE_FIXED_FILE (1U << 0)
#define IOSQE_IO_DRAIN (1U << 1)
#define IOSQE_IO_LINK (1U << 2)
#define IOSQE_IO_HARDLINK (1U << 3)
#define IOSQE_ASYNC (1U << 4)
#define IOSQE_BUFFER_SELECT (1U << 5)
#define IOSQE_CQE_SKIP_SUCCESS (1U << 6)
#define SQE_KNOWN 0x7fU

enum {
    OP_NOP, OP_READV, OP_WRITEV, OP_FSYNC, OP_READ_FIXED, OP_WRITE_FIXED, OP_POLL_ADD,
    OP_POLL_REMOVE, OP_SYNC_FILE_RANGE, OP_SENDMSG, OP_RECVMSG, OP_TIMEOUT, OP_TIMEOUT_REMOVE,
    OP_ACCEPT, OP_ASYNC_CANCEL, OP_LINK_TIMEOUT, OP_CONNECT, OP_FALLOCATE, OP_OPENAT, OP_CLOSE,
    OP_FILES_UPDATE, OP_STATX, OP_READ, OP_WRITE, OP_FADVISE, OP_MADVISE, OP_SEND, OP_RECV,
    OP_OPENAT2, OP_EPOLL_CTL, OP_SPLICE, OP_PROVIDE_BUFFERS, OP_REMOVE_BUFFERS, OP_TEE,
    OP_SHUTDOWN, OP_RENAMEAT, OP_UNLINKAT, OP_MKDIRAT, OP_SYMLINKAT, OP_LINKAT,
    OP_KNOWN                           /* ops up to here are known to this file */
};

#define IORING_FSYNC_DATASYNC 1U
#define IORING_POLL_ADD_MULTI 1U
#define IORING_TIMEOUT_ABS (1U << 0)
#define IORING_TIMEOUT_BOOTTIME (1U << 2)
#define IORING_TIMEOUT_REALTIME (1U << 3)
#define IORING_TIMEOUT_ETIME_SUCCESS (1U << 5)
#define IORING_ASYNC_CANCEL_ALL (1U << 0)
#define IORING_ASYNC_CANCEL_FD (1U << 1)
#define IORING_ASYNC_CANCEL_ANY (1U << 2)

/* register opcodes */
enum {
    REG_BUFFERS, UNREG_BUFFERS, REG_FILES, UNREG_FILES, REG_EVENTFD, UNREG_EVENTFD,
    REG_FILES_UPDATE, REG_EVENTFD_ASYNC, REG_PROBE
};
#define IO_URING_OP_SUPPORTED 1U
#define IORING_REGISTER_FILES_SKIP (-2)

#define RWF_HIPRI 0x1
#define RWF_DSYNC 0x2
#define RWF_SYNC 0x4
#define RWF_NOWAIT 0x8
#define RWF_APPEND 0x10
#define RWF_KNOWN 0x1f
#define MSG_DONTWAIT 0x40
#define NSEC 1000000000ULL
#define MAX_RW 0x7ffff000UL

struct uring_sqe {
    u8 opcode, flags;
    u16 ioprio;
    s32 fd;
    u64 off;                           /* or addr2 */
    u64 addr;                          /* or splice_off_in */
    u32 len;
    u32 op_flags;                      /* rw_flags, poll32_events, fsync_flags, ... */
    u64 user_data;
    u16 buf_index, personality;
    s32 file_index;                    /* splice_fd_in */
    u64 addr3, pad2;
};

struct uring_cqe {
    u64 user_data;
    s32 res;
    u32 flags;
};

struct sqring_off { u32 head, tail, ring_mask, ring_entries, flags, dropped, array, resv1; u64 user_addr; };
struct cqring_off { u32 head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1; u64 user_addr; };
struct uring_params {
    u32 sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3];
    struct sqring_off sq_off;
    struct cqring_off cq_off;
};
struct getevents_arg { u64 sigmask; u32 sigmask_sz, min_wait_usec; u64 ts; };
struct files_update { u32 offset, resv; u64 fds; };
struct probe_hdr { u8 last_op, ops_len; u16 resv; u32 resv2[3]; };
struct probe_op { u8 op, resv; u16 flags; u32 resv2; };
struct iovec_k { u64 base, len; };
struct ktimespec { s64 sec, nsec; };

/* The rings region, as Linux's struct io_rings (head/tail pairs on their own
 * cache lines, then masks, counters and the CQE array); the SQ index array
 * follows the CQEs. */
#define R_SQ_HEAD 0
#define R_SQ_TAIL 4
#define R_CQ_HEAD 64
#define R_CQ_TAIL 68
#define R_SQ_MASK 128
#define R_CQ_MASK 132
#define R_SQ_ENTRIES 136
#define R_CQ_ENTRIES 140
#define R_SQ_DROPPED 144
#define R_SQ_FLAGS 148
#define R_CQ_FLAGS 152
#define R_CQ_OVERFLOW 156
#define R_CQES 192

/* ---------------------------------------------------------------- state */

enum { WAIT_NONE, WAIT_POLL, WAIT_IO, WAIT_TIMEOUT };

struct uring;

/* One submitted request (a copy of its SQE) while it runs or waits. */
struct req {
    struct req *next;                  /* pending list / deferred list */
    struct req *link;                  /* the rest of its chain */
    struct uring *u;
    struct uring_sqe sqe;
    int prep_err;                      /* failed its checks: completes with this, chain cancelled */
    u8 wait;                           /* WAIT_*: why it is pending */
    u32 events;                        /* WAIT_POLL / WAIT_IO: readiness wanted */
    struct file *file;                 /* its file while pending (a reference), or NULL */
    struct ktimer kt;                  /* WAIT_TIMEOUT */
    u64 target;                        /* count timeout: completions to wait for (0: none) */
    u64 tmo_ns;                        /* TIMEOUT: its time, read by prep */
    bool done;                         /* completed (a timeout fired): its CQE is posted */
    bool failed;                       /* done and failed: its chain is cancelled */
};

struct ovf {
    struct ovf *next;
    struct uring_cqe cqe;
};

struct uring {
    struct vm_object rings;            /* SQ and CQ rings */
    struct vm_object sqes;             /* the SQE array */
    u8 *rk;                            /* kernel view of the rings */
    struct uring_sqe *sqk;             /* kernel view of the SQEs */
    u32 setup_flags;
    u32 sq_entries, cq_entries, sq_array;   /* sq_array: byte offset of the SQ index array */
    u32 sq_head, cq_tail;              /* trusted indices */
    u64 posted, timeouts_fired;        /* for count timeouts */
    struct req *pending;               /* waiting requests, oldest first */
    struct req *deferred;              /* chains held back by IO_DRAIN, in order */
    struct ovf *ovf, **ovf_tail;
    struct file **files;               /* registered files (references; NULL: empty slot) */
    u32 nfiles;
    struct iovec_k *bufs;              /* registered buffers */
    u32 nbufs;
    struct file *evfd;                 /* registered eventfd (a reference) */
    bool ev_async;                     /* only for completions after submission */
    bool busy;                         /* submission/scan/registration in progress */
    struct waitq busyq;
    bool open;                         /* the fd's file is alive */
    bool missed;                       /* the worker skipped it while busy: kick it again */
    struct file *file;                 /* the ring's file (not a reference) while open */
    struct uring *all_next;            /* every open ring, for the worker */
    u64 wpass;                         /* the worker's last pass over it */
};

static struct uring *all_rings;        /* open rings, newest first */
static u64 work_pass;

long sys_read(int fd, u8 *buf, size_t count);
long sys_write(int fd, const u8 *buf, size_t count);
long sys_pread64(int fd, u8 *buf, size_t count, s64 off);
long sys_pwrite64(int fd, const u8 *buf, size_t count, s64 off);
long sys_preadv2(int fd, const struct iovec_k *iov, int cnt, s64 off, long off_hi, int flags);
long sys_pwritev2(int fd, const struct iovec_k *iov, int cnt, s64 off, long off_hi, int flags);
long sys_fsync(int fd);
long sys_fdatasync(int fd);
long sys_openat(int dirfd, const char *path, int flags, int mode);
long sys_close(int fd);
long sys_statx(int dirfd, const char *path, int flags, unsigned mask, void *buf);
long sys_accept4(int fd, void *uaddr, int *ulen, int flags);
long sys_connect(int fd, const void *uaddr, int len);
long sys_sendto(int fd, const void *ubuf, size_t len, int flags, const void *uaddr, int alen);
long sys_recvfrom(int fd, void *ubuf, size_t len, int flags, void *uaddr, int *ulen);
long sys_sendmsg(int fd, const void *umsg, int flags);
long sys_recvmsg(int fd, void *umsg, int flags);
long sys_shutdown(int fd, int how);
long sys_fadvise64(int fd, s64 off, s64 len, int advice);
long sys_madvise(u64 addr, u64 len, int advice);
long sys_unlinkat(int dirfd, const char *path, int flags);
long sys_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                   unsigned flags);
long sys_mkdirat(int dirfd, const char *path, int mode);
long sys_symlinkat(const char *target, int dirfd, const char *path);
long sys_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
long sys_fallocate(int fd, int mode, s64 off, s64 len);
long sys_sync_file_range(int fd, s64 off, s64 nbytes, u32 flags);
long sys_epoll_ctl(int epfd, int op, int fd, const struct epoll_event_k *uev);

static const struct file_ops ring_fops;

static volatile u32 *rfield(struct uring *u, u32 off)
{
    return (volatile u32 *)(u->rk + off);
}

static struct uring_cqe *cqes(struct uring *u)
{
    return (struct uring_cqe *)(u->rk + R_CQES);
}

static void busy_enter(struct uring *u)
{
    while (u->busy)
        waitq_wait(&u->busyq, 0);
    u->busy = true;
}

static void busy_exit(struct uring *u)
{
    u->busy = false;
    waitq_wake(&u->busyq, 1);
    if (u->missed) {
        u->missed = false;
        poll_work_kick();
    }
}

/* ---------------------------------------------------------------- completions */

/* CQEs in the ring that the program has not consumed. */
static u32 cq_ready(struct uring *u)
{
    return u->cq_tail - *rfield(u, R_CQ_HEAD);
}

static bool cq_write(struct uring *u, const struct uring_cqe *c)
{
    if (cq_ready(u) >= u->cq_entries)
        return false;
    cqes(u)[u->cq_tail & (u->cq_entries - 1)] = *c;
    barrier();                         /* the CQE before the tail (x86 keeps store order) */
    u->cq_tail++;
    *rfield(u, R_CQ_TAIL) = u->cq_tail;
    return true;
}

/* Move overflowed CQEs to the ring while there is room. */
static void ovf_flush(struct uring *u)
{
    while (u->ovf != NULL && cq_write(u, &u->ovf->cqe)) {
        struct ovf *o = u->ovf;
        u->ovf = o->next;
        if (u->ovf == NULL)
            u->ovf_tail = &u->ovf;
        kfree(o);
    }
    if (u->ovf == NULL)
        *rfield(u, R_SQ_FLAGS) &= ~IORING_SQ_CQ_OVERFLOW;
}

static void check_count_timeouts(struct uring *u);

/* Post one CQE (to the overflow list when the ring is full), then signal the
 * registered eventfd (async: the completion came after its submission). */
static void post(struct uring *u, u64 data, s32 res, bool async)
{
    struct uring_cqe c = { data, res, 0 };
    ovf_flush(u);
    if (u->ovf != NULL || !cq_write(u, &c)) {
        struct ovf *o = kmalloc(sizeof(*o));
        if (o == NULL) {
            (*rfield(u, R_CQ_OVERFLOW))++;    /* dropped */
        } else {
            o->next = NULL;
            o->cqe = c;
            *u->ovf_tail = o;
            u->ovf_tail = &o->next;
            *rfield(u, R_SQ_FLAGS) |= IORING_SQ_CQ_OVERFLOW;
        }
    }
    u->posted++;
    if (u->evfd != NULL && (*rfield(u, R_CQ_FLAGS) & IORING_CQ_EVENTFD_DISABLED) == 0 &&
        (!u->ev_async || async))
        eventfd_signal_file(u->evfd);
    check_count_timeouts(u);
    vfs_poll_wake();
}

/* Complete r with res: post its CQE (unless CQE_SKIP_SUCCESS and it
 * succeeded) and record whether it failed its chain. */
static void complete(struct req *r, s32 res, bool failed, bool async)
{
    r->done = true;
    r->failed = failed;
    if ((r->sqe.flags & IOSQE_CQE_SKIP_SUCCESS) == 0 || failed)
        post(r->u, r->sqe.user_data, res, async);
}

static void req_free(struct req *r)
{
    ktimer_cancel(&r->kt);
    if (r->file != NULL)
        file_put(r->file);
    kfree(r);
}

/* Cancel a chain's requests (from r on): -ECANCELED, or their own check error. */
static void cancel_chain(struct req *r, bool async)
{
    while (r != NULL) {
        struct req *n = r->link;
        s32 res = r->prep_err != 0 ? r->prep_err : -ECANCELED;
        r->sqe.flags &= (u8)~IOSQE_CQE_SKIP_SUCCESS;
        post(r->u, r->sqe.user_data, res, async);
        req_free(r);
        r = n;
    }
}

/* ---------------------------------------------------------------- timeouts */

static void timeout_fire(void *arg)
{
    struct req *r = arg;
    if (r->done)
        return;
    r->u->timeouts_fired++;
    complete(r, -ETIME, (r->sqe.op_flags & IORING_TIMEOUT_ETIME_SUCCESS) == 0, true);
}

/* Complete count timeouts whose number of completions has been reached
 * (completions other than expired timeouts, as Linux counts them). */
static void check_count_timeouts(struct uring *u)
{
    for (struct req *r = u->pending; r != NULL; r = r->next) {
        if (r->wait != WAIT_TIMEOUT || r->done || r->target == 0)
            continue;
        if (u->posted - u->timeouts_fired >= r->target) {
            ktimer_cancel(&r->kt);
            complete(r, 0, false, true);
        }
    }
}

/* ---------------------------------------------------------------- files */

static u32 file_ready(struct file *f)
{
    return (f->ops != NULL && f->ops->poll != NULL) ? (u32)f->ops->poll(f) : DEFAULT_POLLMASK;
}

static bool seekable(struct file *f)
{
    return f->ops != NULL && f->ops->size != NULL;
}

/* The file a request names: its fd, or (IOSQE_FIXED_FILE) its registered
 * slot.  NULL if none (-EBADF). */
static struct file *req_file(struct uring *u, const struct uring_sqe *s)
{
    if ((s->flags & IOSQE_FIXED_FILE) != 0)
        return (u32)s->fd < u->nfiles ? u->files[s->fd] : NULL;
    return fd_file(s->fd);
}

/* An fd naming f, for the sys_* handlers: the request's own fd when it
 * still holds f, another fd holding it, or f installed at a temporary fd
 * (*tmp set: the caller closes it).  fd or -errno. */
static int fd_for(struct file *f, int hint, bool *tmp)
{
    *tmp = false;
    if (hint >= 0 && fd_file(hint) == f)
        return hint;
    for (int fd = fd_next_open(0); fd >= 0; fd = fd_next_open(fd + 1))
        if (fd_file(fd) == f)
            return fd;
    file_get(f);
    int fd = fd_install(f, 0, true);
    if (fd < 0) {
        file_put(f);
        return fd;
    }
    *tmp = true;
    return fd;
}

/* ---------------------------------------------------------------- ops */

/* Total length of a user iovec array (clipped as the transfer would be). */
static long iov_total(u64 uiov, u32 cnt)
{
    struct iovec_k v;
    u64 total = 0;
    for (u32 i = 0; i < cnt; i++) {
        if (copy_from_user(&v, (const void *)(uiov + i * sizeof(v)), sizeof(v)) < 0)
            return -EFAULT;
        total += v.len;
    }
    return (long)MIN(total, (u64)MAX_RW);
}

/* READ/WRITE(_FIXED)/READV/WRITEV on fd (file f): the transfer's result;
 * *want is the length asked for (a short transfer fails the chain). */
static long do_rw(struct uring *u, struct req *r, int fd, struct file *f, bool wr, long *want)
{
    struct uring_sqe *s = &r->sqe;
    int op = s->opcode;
    bool vec = op == OP_READV || op == OP_WRITEV;
    u32 rwf = s->op_flags;
    if ((rwf & ~(u32)RWF_KNOWN) != 0)
        return -EOPNOTSUPP;
    if (op == OP_READ_FIXED || op == OP_WRITE_FIXED) {
        if (s->buf_index >= u->nbufs)
            return -EFAULT;
        struct iovec_k *b = &u->bufs[s->buf_index];
        if (s->addr < b->base || s->addr + s->len < s->addr || s->addr + s->len > b->base + b->len)
            return -EFAULT;
    }
    s64 off = (s64)s->off;
    if (!seekable(f))
        off = -1;                      /* streams have no position (FMODE_STREAM) */
    if (vec) {
        *want = iov_total(s->addr, s->len);
        if (*want < 0)
            return *want;
        const struct iovec_k *iov = (const struct iovec_k *)s->addr;
        return wr ? sys_pwritev2(fd, iov, (int)s->len, off, 0, (int)rwf)
                  : sys_preadv2(fd, iov, (int)s->len, off, 0, (int)rwf);
    }
    *want = s->len;
    if (wr && off != -1 && (rwf & RWF_APPEND) != 0) {
        long sz = f->ops->size(f);
        off = sz < 0 ? off : sz;
    }
    long res;
    if (off == -1)
        res = wr ? sys_write(fd, (const u8 *)s->addr, s->len) : sys_read(fd, (u8 *)s->addr, s->len);
    else
        res = wr ? sys_pwrite64(fd, (const u8 *)s->addr, s->len, off)
                 : sys_pread64(fd, (u8 *)s->addr, s->len, off);
    if (wr && res >= 0 && (rwf & (RWF_DSYNC | RWF_SYNC)) != 0) {
        long e = (rwf & RWF_SYNC) != 0 ? sys_fsync(fd) : sys_fdatasync(fd);
        if (e < 0 && e != -EINVAL)
            res = e;
    }
    return res;
}

/* Checks done before anything runs (Linux's prep): 0 or -errno. */
static int prep(struct req *r)
{
    const struct uring_sqe *s = &r->sqe;
    if (s->opcode >= OP_KNOWN)
        return -EINVAL;
    if ((s->flags & ~SQE_KNOWN) != 0 || (s->flags & IOSQE_BUFFER_SELECT) != 0)
        return -EINVAL;
    if (s->personality != 0)
        return -EINVAL;                /* no personalities registered */
    bool fixed = (s->flags & IOSQE_FIXED_FILE) != 0;
    switch (s->opcode) {
    case OP_NOP:
        return 0;
    case OP_READV: case OP_WRITEV: case OP_READ: case OP_WRITE:
    case OP_READ_FIXED: case OP_WRITE_FIXED:
        return 0;
    case OP_FSYNC:
        if (s->addr != 0 || s->buf_index != 0 || s->file_index != 0)
            return -EINVAL;
        return (s->op_flags & ~IORING_FSYNC_DATASYNC) != 0 ? -EINVAL : 0;
    case OP_POLL_ADD:
        if (s->buf_index != 0 || s->off != 0 || s->addr != 0)
            return -EINVAL;
        return s->len != 0 ? -EINVAL : 0;       /* IORING_POLL_ADD_MULTI not supported */
    case OP_POLL_REMOVE:
        if (s->buf_index != 0 || s->file_index != 0)
            return -EINVAL;
        return s->len != 0 ? -EINVAL : 0;       /* updates not supported */
    case OP_TIMEOUT: {
        u32 f = s->op_flags, clk = f & (IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME);
        if (s->buf_index != 0 || s->len != 1 || s->file_index != 0)
            return -EINVAL;
        if ((f & ~(IORING_TIMEOUT_ABS | IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME |
                   IORING_TIMEOUT_ETIME_SUCCESS)) != 0 || clk == (IORING_TIMEOUT_BOOTTIME |
                                                              IORING_TIMEOUT_REALTIME))
            return -EINVAL;
        struct ktimespec ts;
        if (copy_from_user(&ts, (const void *)s->addr, sizeof(ts)) < 0)
            return -EFAULT;
        if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (s64)NSEC)
            return -EINVAL;
        r->tmo_ns = (u64)ts.sec * NSEC + (u64)ts.nsec;
        return 0;
    }
    case OP_TIMEOUT_REMOVE:
        if (s->buf_index != 0 || s->len != 0 || s->file_index != 0)
            return -EINVAL;
        return s->op_flags != 0 ? -EINVAL : 0;  /* updates not supported */
    case OP_ASYNC_CANCEL:
        if (s->off != 0 || s->file_index != 0 || s->len != 0)
            return -EINVAL;
        return (s->op_flags & ~(IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_FD |
                                IORING_ASYNC_CANCEL_ANY)) != 0 ? -EINVAL : 0;
    case OP_OPENAT: case OP_STATX:
        if (s->buf_index != 0 || s->file_index != 0)
            return -EINVAL;            /* direct descriptors not supported */
        return fixed ? -EBADF : 0;
    case OP_CLOSE:
        if (s->off != 0 || s->addr != 0 || s->len != 0 || s->op_flags != 0 ||
            s->buf_index != 0 || s->file_index != 0)
            return -EINVAL;
        return fixed ? -EBADF : 0;
    case OP_ACCEPT:
        if (s->len != 0 || s->buf_index != 0 || s->file_index != 0 || s->ioprio != 0)
            return -EINVAL;            /* multishot / direct accept not supported */
        return 0;
    case OP_SEND: case OP_RECV: case OP_SENDMSG: case OP_RECVMSG:
        if (s->ioprio != 0 || s->buf_index != 0 || s->file_index != 0)
            return -EINVAL;            /* zero-copy / multishot flags not supported */
        return 0;
    case OP_CONNECT: case OP_SHUTDOWN: case OP_FADVISE: case OP_MADVISE: case OP_FALLOCATE:
    case OP_SYNC_FILE_RANGE: case OP_EPOLL_CTL:
        return 0;
    case OP_UNLINKAT: case OP_RENAMEAT: case OP_MKDIRAT: case OP_SYMLINKAT: case OP_LINKAT:
        if (s->buf_index != 0 || s->file_index != 0)
            return -EINVAL;
        return fixed ? -EBADF : 0;
    default:
        return -EINVAL;                /* LINK_TIMEOUT, FILES_UPDATE, OPENAT2, SPLICE, ... */
    }
}

static bool op_needs_file(int op)
{
    switch (op) {
    case OP_READV: case OP_WRITEV: case OP_READ: case OP_WRITE: case OP_READ_FIXED:
    case OP_WRITE_FIXED: case OP_FSYNC: case OP_POLL_ADD: case OP_SENDMSG: case OP_RECVMSG:
    case OP_ACCEPT: case OP_CONNECT: case OP_SEND: case OP_RECV: case OP_SHUTDOWN:
    case OP_FADVISE: case OP_FALLOCATE: case OP_SYNC_FILE_RANGE:
        return true;
    default:
        return false;
    }
}

/* The readiness a request needs before it can run without blocking (0: run
 * now): reads and receives want input, writes and sends want room, on
 * blocking streams only. */
static u32 needs_ready(const struct uring_sqe *s, struct file *f)
{
    bool nowait = (f->flags & O_NONBLOCK) != 0;
    u32 want;
    switch (s->opcode) {
    case OP_READV: case OP_READ: case OP_READ_FIXED:
        nowait = nowait || (s->op_flags & RWF_NOWAIT) != 0;
        want = POLLIN;
        break;
    case OP_WRITEV: case OP_WRITE: case OP_WRITE_FIXED:
        nowait = nowait || (s->op_flags & RWF_NOWAIT) != 0;
        want = POLLOUT;
        break;
    case OP_RECV: case OP_RECVMSG:
        nowait = nowait || (s->op_flags & MSG_DONTWAIT) != 0;
        want = POLLIN;
        break;
    case OP_SEND: case OP_SENDMSG:
        nowait = nowait || (s->op_flags & MSG_DONTWAIT) != 0;
        want = POLLOUT;
        break;
    case OP_ACCEPT:
        want = POLLIN;
        break;
    default:
        return 0;
    }
    if (nowait || seekable(f))
        return 0;
    return (file_ready(f) & (want | POLLERR | POLLHUP)) != 0 ? 0 : want;
}

/* Cancel pending requests matching s (ASYNC_CANCEL/POLL_REMOVE/
 * TIMEOUT_REMOVE): how many, at most one unless ALL/ANY. */
static int cancel_matching(struct uring *u, const struct uring_sqe *s, int kind)
{
    u32 cf = kind == WAIT_NONE ? s->op_flags : 0;
    bool all = (cf & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY)) != 0;
    struct file *fdf = (cf & IORING_ASYNC_CANCEL_FD) != 0 ? req_file(u, s) : NULL;
    int n = 0;
    for (struct req *r = u->pending; r != NULL; r = r->next) {
        if (r->done || (kind != WAIT_NONE && r->wait != kind))
            continue;
        if ((cf & IORING_ASYNC_CANCEL_FD) != 0) {
            if (fdf == NULL || r->file != fdf)
                continue;
        } else if ((cf & IORING_ASYNC_CANCEL_ANY) == 0 && r->sqe.user_data != s->addr) {
            continue;
        }
        ktimer_cancel(&r->kt);
        complete(r, -ECANCELED, true, false);
        n++;
        if (!all)
            break;
    }
    return n;
}

/* Run request r now, or make it pending (*pending; r->wait says why).
 * Returns the result; *fail tells whether it fails its chain. */
static long exec(struct uring *u, struct req *r, bool *pending, bool *fail)
{
    struct uring_sqe *s = &r->sqe;
    struct file *f = NULL;
    long want = -1, res = 0;
    bool tmp = false;
    int fd = s->fd;
    *pending = false;
    if (op_needs_file(s->opcode)) {
        f = r->file != NULL ? r->file : req_file(u, s);
        if (f == NULL || (f->flags & O_PATH) != 0)
            return *fail = true, -EBADF;
        if (s->opcode == OP_POLL_ADD) {
            u32 ev = s->op_flags | POLLERR | POLLHUP;
            u32 m = file_ready(f) & ev;
            if (m != 0)
                return *fail = false, (long)m;
        } else if ((r->events = needs_ready(s, f)) == 0) {
            goto run;
        }
        if (r->file == NULL) {
            file_get(f);
            r->file = f;
        }
        r->wait = s->opcode == OP_POLL_ADD ? WAIT_POLL : WAIT_IO;
        if (r->wait == WAIT_POLL)
            r->events = s->op_flags | POLLERR | POLLHUP;
        *pending = true;
        return 0;
run:
        fd = fd_for(f, (s->flags & IOSQE_FIXED_FILE) != 0 ? -1 : s->fd, &tmp);
        if (fd < 0)
            return *fail = true, fd;
    }
    switch (s->opcode) {
    case OP_NOP: res = 0; break;
    case OP_READV: case OP_READ: case OP_READ_FIXED:
        res = do_rw(u, r, fd, f, false, &want);
        break;
    case OP_WRITEV: case OP_WRITE: case OP_WRITE_FIXED:
        res = do_rw(u, r, fd, f, true, &want);
        break;
    case OP_FSYNC:
        res = (s->op_flags & IORING_FSYNC_DATASYNC) != 0 ? sys_fdatasync(fd) : sys_fsync(fd);
        break;
    case OP_POLL_REMOVE:
        res = cancel_matching(u, s, WAIT_POLL) > 0 ? 0 : -ENOENT;
        break;
    case OP_TIMEOUT_REMOVE:
        res = cancel_matching(u, s, WAIT_TIMEOUT) > 0 ? 0 : -ENOENT;
        break;
    case OP_ASYNC_CANCEL: {
        int n = cancel_matching(u, s, WAIT_NONE);
        bool many = (s->op_flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY)) != 0;
        res = n == 0 ? -ENOENT : many ? n : 0;
        break;
    }
    case OP_TIMEOUT: {
        u64 v = r->tmo_ns, now = now_ns(), deadline = now + v;
        if ((s->op_flags & IORING_TIMEOUT_ABS) != 0) {
            if ((s->op_flags & IORING_TIMEOUT_REALTIME) != 0) {
                deadline = realtime_to_now(v);
            } else {
                deadline = v;
            }
        }
        r->wait = WAIT_TIMEOUT;
        r->target = s->off != 0 ? u->posted - u->timeouts_fired + s->off : 0;
        r->kt.fn = timeout_fire;
        r->kt.arg = r;
        *pending = true;
        ktimer_arm(&r->kt, deadline);
        return 0;
    }
    case OP_OPENAT:
        res = sys_openat(s->fd, (const char *)s->addr, (int)s->op_flags, (int)s->len);
        break;
    case OP_CLOSE: {
        struct file *cf = fd_file(s->fd);
        res = cf != NULL && cf->ops == &ring_fops ? -EBADF : sys_close(s->fd);
        break;
    }
    case OP_STATX:
        res = sys_statx(s->fd, (const char *)s->addr, (int)s->op_flags, s->len, (void *)s->off);
        break;
    case OP_ACCEPT:
        res = sys_accept4(fd, (void *)s->addr, (int *)s->off, (int)s->op_flags);
        break;
    case OP_CONNECT:
        res = sys_connect(fd, (const void *)s->addr, (int)s->off);
        break;
    case OP_SEND:
        res = sys_sendto(fd, (const void *)s->addr, s->len, (int)s->op_flags, NULL, 0);
        break;
    case OP_RECV:
        res = sys_recvfrom(fd, (void *)s->addr, s->len, (int)s->op_flags, NULL, NULL);
        break;
    case OP_SENDMSG:
        res = sys_sendmsg(fd, (const void *)s->addr, (int)s->op_flags);
        break;
    case OP_RECVMSG:
        res = sys_recvmsg(fd, (void *)s->addr, (int)s->op_flags);
        break;
    case OP_SHUTDOWN:
        res = sys_shutdown(fd, (int)s->len);
        break;
    case OP_FADVISE:
        res = sys_fadvise64(fd, (s64)s->off, s->len, (int)s->op_flags);
        break;
    case OP_MADVISE:
        res = sys_madvise(s->addr, s->len, (int)s->op_flags);
        break;
    case OP_FALLOCATE:
        res = sys_fallocate(fd, (int)s->len, (s64)s->off, (s64)s->addr);
        break;
    case OP_SYNC_FILE_RANGE:
        res = sys_sync_file_range(fd, (s64)s->off, s->len, s->op_flags);
        break;
    case OP_EPOLL_CTL:
        res = sys_epoll_ctl(s->fd, (int)s->len, (int)s->off, (const struct epoll_event_k *)s->addr);
        break;
    case OP_UNLINKAT:
        res = sys_unlinkat(s->fd, (const char *)s->addr, (int)s->op_flags);
        break;
    case OP_RENAMEAT:
        res = sys_renameat2(s->fd, (const char *)s->addr, (int)s->len, (const char *)s->off,
                            s->op_flags);
        break;
    case OP_MKDIRAT:
        res = sys_mkdirat(s->fd, (const char *)s->addr, (int)s->len);
        break;
    case OP_SYMLINKAT:
        res = sys_symlinkat((const char *)s->addr, s->fd, (const char *)s->off);
        break;
    case OP_LINKAT:
        res = sys_linkat(s->fd, (const char *)s->addr, (int)s->len, (const char *)s->off,
                         (int)s->op_flags);
        break;
    default:
        res = -EINVAL;
        break;
    }
    if (tmp)
        fd_close(fd);
    *fail = res < 0 || (want >= 0 && res != want);
    return res;
}

/* ---------------------------------------------------------------- chains */

static void pending_add(struct uring *u, struct req *r)
{
    struct req **pp = &u->pending;
    while (*pp != NULL)
        pp = &(*pp)->next;
    r->next = NULL;
    *pp = r;
    poll_work_kick();                  /* the worker watches it from now on */
}

/* The chain after r, once r completed (failed or not). */
static void chain_next(struct req *r, bool async);

/* Run the chain from r until it ends or a request becomes pending. */
static void run_chain(struct req *r, bool async)
{
    struct uring *u = r->u;
    for (struct req *c = r; c != NULL; c = c->link) {
        if (c->prep_err != 0) {
            /* A request failed its checks: the whole chain completes
             * without running, the head first (-ECANCELED unless it is
             * the failed one), as Linux's io_submit_fail_init. */
            cancel_chain(r, async);
            return;
        }
    }
    bool pending, fail;
    long res = exec(u, r, &pending, &fail);
    if (pending) {
        pending_add(u, r);
        return;
    }
    complete(r, (s32)res, fail, async);
    chain_next(r, async);
}

static void chain_next(struct req *r, bool async)
{
    struct req *n = r->link;
    bool hard = (r->sqe.flags & IOSQE_IO_HARDLINK) != 0;
    bool failed = r->failed;
    r->link = NULL;
    req_free(r);
    if (n == NULL)
        return;
    if (failed && !hard)
        cancel_chain(n, async);
    else
        run_chain(n, async);
}

/* Retry pending requests (and run drained chains once nothing is pending).
 * Called with u->busy held, in the program's context. */
static void scan(struct uring *u)
{
    bool again = true;
    while (again) {
        again = false;
        for (struct req **pp = &u->pending; *pp != NULL;) {
            struct req *r = *pp;
            if (!r->done && r->wait != WAIT_TIMEOUT) {
                bool ready = (file_ready(r->file) & (r->events | POLLERR | POLLHUP)) != 0;
                if (ready) {
                    bool pending, fail;
                    long res = exec(u, r, &pending, &fail);
                    if (!pending)
                        complete(r, (s32)res, fail, true);
                }
            }
            if (!r->done) {
                pp = &r->next;
                continue;
            }
            *pp = r->next;
            chain_next(r, true);
            again = true;              /* the list may have changed under us */
            break;
        }
        if (!again && u->pending == NULL && u->deferred != NULL) {
            struct req *c = u->deferred;
            u->deferred = c->next;
            c->next = NULL;
            run_chain(c, true);
            again = true;
        }
    }
}

/* ---------------------------------------------------------------- submit */

/* Consume up to n SQEs: the number submitted (failed ones count). */
static long submit(struct uring *u, u32 n)
{
    u32 tail = *rfield(u, R_SQ_TAIL);
    u32 avail = tail - u->sq_head;
    u32 mask = u->sq_entries - 1;
    n = MIN(n, MIN(u->sq_entries, avail));
    long done = 0;
    struct req *head = NULL, *last = NULL;
    bool drain_all = u->deferred != NULL;
    for (u32 i = 0; i < n; i++) {
        u32 idx = u->sq_head & mask;
        if ((u->setup_flags & IORING_SETUP_NO_SQARRAY) == 0)
            idx = *rfield(u, u->sq_array + 4 * idx);
        u->sq_head++;
        if (idx >= u->sq_entries) {
            (*rfield(u, R_SQ_DROPPED))++;
            break;
        }
        struct req *r = kzalloc(sizeof(*r));
        if (r == NULL) {
            u->sq_head--;
            break;
        }
        r->u = u;
        r->sqe = u->sqk[idx];
        r->prep_err = prep(r);
        done++;
        if (head == NULL)
            head = r;
        else
            last->link = r;
        last = r;
        if ((r->sqe.flags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK)) != 0 && i + 1 < n)
            continue;                  /* the chain goes on */
        bool failed = false;
        for (struct req *c = head; c != NULL; c = c->link)
            failed = failed || c->prep_err != 0;
        if ((head->sqe.flags & IOSQE_IO_DRAIN) != 0 && u->pending != NULL)
            drain_all = true;
        if (drain_all && !failed) {
            struct req **pp = &u->deferred;
            while (*pp != NULL)
                pp = &(*pp)->next;
            *pp = head;
        } else {
            run_chain(head, false);
        }
        head = last = NULL;
        if (r->prep_err != 0 && (u->setup_flags & IORING_SETUP_SUBMIT_ALL) == 0)
            break;
    }
    if (head != NULL)
        run_chain(head, false);        /* a chain cut short by a dropped entry */
    *rfield(u, R_SQ_HEAD) = u->sq_head;
    return done;
}

/* ---------------------------------------------------------------- the worker */

/* The poll worker's callback (fs/pollwork.c): retry the pending requests of
 * every open ring that is not busy.  Rings may come and go while a scan
 * blocks, so each pass restarts from the list head and skips the rings it
 * has seen (wpass).  Returns whether some ring still has pending work. */
static bool uring_work(void *arg)
{
    (void)arg;
    u64 pass = ++work_pass;
    bool more = false;
    for (;;) {
        struct uring *u = all_rings;
        while (u != NULL && u->wpass == pass)
            u = u->all_next;
        if (u == NULL)
            break;
        u->wpass = pass;
        if (u->pending == NULL && u->deferred == NULL)
            continue;
        if (u->busy) {
            u->missed = true;          /* busy_exit kicks the worker again */
            more = true;
            continue;
        }
        struct file *f = u->file;
        file_get(f);                   /* keeps u open while scan blocks */
        u->busy = true;
        scan(u);
        ovf_flush(u);
        busy_exit(u);
        more = more || u->pending != NULL || u->deferred != NULL;
        file_put(f);                   /* may release u */
    }
    return more;
}

static struct poll_work uring_poll_work = { uring_work, NULL, NULL, false };

/* ---------------------------------------------------------------- the file */

static void uring_free_maybe(struct uring *u)
{
    if (u->open || u->rings.maps != 0 || u->sqes.maps != 0)
        return;
    vm_object_free(&u->rings);
    vm_object_free(&u->sqes);
    kfree(u);
}

static void rings_closed(struct vm_object *o)
{
    uring_free_maybe((struct uring *)((u8 *)o - __builtin_offsetof(struct uring, rings)));
}

static void sqes_closed(struct vm_object *o)
{
    uring_free_maybe((struct uring *)((u8 *)o - __builtin_offsetof(struct uring, sqes)));
}

static void unregister_files(struct uring *u)
{
    for (u32 i = 0; i < u->nfiles; i++)
        if (u->files[i] != NULL)
            file_put(u->files[i]);
    kfree(u->files);
    u->files = NULL;
    u->nfiles = 0;
}

static void chain_free(struct req *c)
{
    while (c != NULL) {
        struct req *n = c->link;
        req_free(c);
        c = n;
    }
}

static void ring_release(struct file *f)
{
    struct uring *u = f->priv;
    for (struct uring **pp = &all_rings; *pp != NULL; pp = &(*pp)->all_next) {
        if (*pp == u) {
            *pp = u->all_next;
            break;
        }
    }
    while (u->pending != NULL) {
        struct req *r = u->pending;
        u->pending = r->next;
        chain_free(r);
    }
    while (u->deferred != NULL) {
        struct req *c = u->deferred;
        u->deferred = c->next;
        chain_free(c);
    }
    while (u->ovf != NULL) {
        struct ovf *o = u->ovf;
        u->ovf = o->next;
        kfree(o);
    }
    unregister_files(u);
    kfree(u->bufs);
    if (u->evfd != NULL)
        file_put(u->evfd);
    u->open = false;
    uring_free_maybe(u);
}

/* Readable when CQEs wait, writable while the SQ has room.  Polling the
 * ring also retries its pending requests at once (unless a call on it is
 * busy), besides the worker doing so. */
static int ring_poll(struct file *f)
{
    struct uring *u = f->priv;
    if (!u->busy) {
        u->busy = true;
        scan(u);
        ovf_flush(u);
        busy_exit(u);
    }
    int m = 0;
    if (cq_ready(u) > 0 || u->ovf != NULL)
        m |= POLLIN | POLLRDNORM;
    if (*rfield(u, R_SQ_TAIL) - *rfield(u, R_SQ_HEAD) < u->sq_entries)
        m |= POLLOUT | POLLWRNORM;
    return m;
}

static int ring_mmap(struct file *f, u64 addr, u64 len, u32 prot, u64 off)
{
    struct uring *u = f->priv;
    struct vm_object *o;
    off &= 0xf8000000ULL;              /* IORING_OFF_MMAP_MASK: the region */
    if (off == IORING_OFF_SQ_RING || off == IORING_OFF_CQ_RING)
        o = &u->rings;
    else if (off == IORING_OFF_SQES)
        o = &u->sqes;
    else
        return -EINVAL;
    if (len > o->npages * PAGE_SIZE)
        return -EINVAL;
    struct vm_map_args a = { prot & (PROT_READ | PROT_WRITE | PROT_EXEC), VMR_SHARED, VM_SHM,
                             NULL, 0, 0, "anon_inode:[io_uring]" };
    return vm_map_object(addr, len, &a, o);
}

static const struct file_ops ring_fops = {
    .poll = ring_poll,
    .release = ring_release,
    .mmap = ring_mmap,
};

static struct vnode ring_vnode = { .name = "anon_inode:[io_uring]", .nops = &anon_inode_nops };

/* The ring behind fd: 0 and *out (a borrowed file), -EBADF or -EOPNOTSUPP. */
static int ring_get(int fd, struct file **out)
{
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;
    if (f->ops != &ring_fops)
        return -EOPNOTSUPP;
    *out = f;
    return 0;
}

/* ---------------------------------------------------------------- setup */

static u32 roundup_pow2(u32 v)
{
    u32 p = 1;
    while (p < v)
        p <<= 1;
    return p;
}

/* Allocate an object of bytes (rounded up to pages) with contiguous frames:
 * its kernel view, or NULL. */
static void *object_alloc(struct vm_object *o, u64 bytes, u64 ino,
                          void (*closed)(struct vm_object *))
{
    o->npages = ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;
    o->ino = ino;
    o->closed = closed;
    if (vm_object_init(o) < 0)
        return NULL;
    u64 pa = pages_alloc(o->npages);
    if (pa == 0 || vm_object_adopt(o, pa) < 0) {
        if (pa != 0)
            pages_free(pa, o->npages);
        vm_object_free(o);
        return NULL;
    }
    return phys_to_virt(pa);
}

// partial: no SQPOLL/IOPOLL/SQE128/CQE32/DEFER_TASKRUN/SINGLE_ISSUER/NO_MMAP/R_DISABLED/ATTACH_WQ setups (EINVAL)
long sys_io_uring_setup(u32 entries, struct uring_params *up)
{
    struct uring_params p;
    if (copy_from_user(&p, up, sizeof(p)) < 0)
        return -EFAULT;
    if (p.resv[0] != 0 || p.resv[1] != 0 || p.resv[2] != 0)
        return -EINVAL;
    if ((p.flags & ~SETUP_SUPPORTED) != 0)
        return -EINVAL;
    if (entries == 0)
        return -EINVAL;
    if (entries > IORING_MAX_ENTRIES) {
        if ((p.flags & IORING_SETUP_CLAMP) == 0)
            return -EINVAL;
        entries = IORING_MAX_ENTRIES;
    }
    if ((p.flags & IORING_SETUP_TASKRUN_FLAG) != 0 && (p.flags & IORING_SETUP_COOP_TASKRUN) == 0)
        return -EINVAL;
    u32 sq = roundup_pow2(entries), cq;
    if ((p.flags & IORING_SETUP_CQSIZE) != 0) {
        if (p.cq_entries == 0)
            return -EINVAL;
        cq = p.cq_entries;
        if (cq > IORING_MAX_CQ_ENTRIES) {
            if ((p.flags & IORING_SETUP_CLAMP) == 0)
                return -EINVAL;
            cq = IORING_MAX_CQ_ENTRIES;
        }
        cq = roundup_pow2(cq);
        if (cq < sq)
            return -EINVAL;
    } else {
        cq = 2 * sq;
    }
    struct uring *u = kzalloc(sizeof(*u));
    struct file *f = file_alloc();
    if (u == NULL || f == NULL) {
        kfree(u);
        kfree(f);
        return -ENOMEM;
    }
    u64 ino = anon_inode_next();
    u32 array = (u32)ALIGN_UP(R_CQES + (u64)cq * sizeof(struct uring_cqe), 64);
    u64 rsize = (p.flags & IORING_SETUP_NO_SQARRAY) != 0 ? array : array + 4ULL * sq;
    u->rk = object_alloc(&u->rings, rsize, ino, rings_closed);
    if (u->rk != NULL)
        u->sqk = object_alloc(&u->sqes, (u64)sq * sizeof(struct uring_sqe), ino, sqes_closed);
    if (u->sqk == NULL) {
        if (u->rk != NULL)
            vm_object_free(&u->rings);
        kfree(u);
        kfree(f);
        return -ENOMEM;
    }
    u->setup_flags = p.flags;
    u->sq_entries = sq;
    u->cq_entries = cq;
    u->sq_array = array;
    u->ovf_tail = &u->ovf;
    u->open = true;
    waitq_init(&u->busyq);
    *rfield(u, R_SQ_MASK) = sq - 1;
    *rfield(u, R_CQ_MASK) = cq - 1;
    *rfield(u, R_SQ_ENTRIES) = sq;
    *rfield(u, R_CQ_ENTRIES) = cq;
    f->ops = &ring_fops;
    f->priv = u;
    f->flags = O_RDWR;
    f->node = (struct node){ &ring_vnode, ino };
    p.sq_entries = sq;
    p.cq_entries = cq;
    p.features = FEATURES;
    p.sq_off = (struct sqring_off){ R_SQ_HEAD, R_SQ_TAIL, R_SQ_MASK, R_SQ_ENTRIES, R_SQ_FLAGS,
                                    R_SQ_DROPPED,
                                    (p.flags & IORING_SETUP_NO_SQARRAY) != 0 ? 0 : array, 0, 0 };
    p.cq_off = (struct cqring_off){ R_CQ_HEAD, R_CQ_TAIL, R_CQ_MASK, R_CQ_ENTRIES, R_CQ_OVERFLOW,
                                    R_CQES, R_CQ_FLAGS, 0, 0 };
    if (copy_to_user(up, &p, sizeof(p)) < 0) {
        file_put(f);
        return -EFAULT;
    }
    u->file = f;
    u->all_next = all_rings;
    all_rings = u;
    (void)poll_work_add(&uring_poll_work);   /* without a worker, calls on the ring still scan */
    int fd = fd_install(f, 0, true);
    if (fd < 0)
        file_put(f);
    return fd;
}

/* ---------------------------------------------------------------- enter */

/* Wait until min CQEs are in the ring, retrying pending requests; timeout
 * in ns (-1: none).  0, -ETIME or -EINTR (0 whenever CQEs are there). */
static long cq_wait(struct uring *u, u32 min, s64 timeout)
{
    u64 deadline = timeout > 0 ? now_ns() + (u64)timeout : 0;
    long r = 0;
    for (;;) {
        busy_enter(u);
        scan(u);
        ovf_flush(u);
        busy_exit(u);
        if (cq_ready(u) >= min)
            break;
        if (timeout == 0 || (deadline != 0 && now_ns() >= deadline)) {
            r = -ETIME;
            break;
        }
        int w = waitq_wait_intr(&vfs_pollq, deadline);
        if (w == -EINTR) {
            r = -EINTR;
            break;
        }
    }
    return cq_ready(u) > 0 ? 0 : r;
}

// partial: CONNECT blocks the caller until it completes; no SQPOLL wakeups (IORING_ENTER_SQ_*), registered ring fds, or EXT_ARG min_wait_usec (EINVAL)
long sys_io_uring_enter(int fd, u32 to_submit, u32 min_complete, u32 flags, const void *argp,
                        size_t argsz)
{
    struct file *f;
    if ((flags & ~(IORING_ENTER_GETEVENTS | IORING_ENTER_SQ_WAKEUP | IORING_ENTER_SQ_WAIT |
                   IORING_ENTER_EXT_ARG)) != 0)
        return -EINVAL;
    int e = ring_get(fd, &f);
    if (e < 0)
        return e;
    struct uring *u = f->priv;
    file_get(f);
    long ret = 0;
    if (to_submit != 0) {
        busy_enter(u);
        scan(u);
        ret = submit(u, to_submit);
        scan(u);                       /* chains behind cancelled requests */
        busy_exit(u);
        if (ret != (long)to_submit)
            goto out;
    }
    if ((flags & IORING_ENTER_GETEVENTS) != 0) {
        u64 umask = (u64)argp;
        size_t masksz = argsz;
        s64 timeout = -1;
        long r2 = 0;
        if ((flags & IORING_ENTER_EXT_ARG) != 0) {
            struct getevents_arg a;
            struct ktimespec ts;
            if (argsz != sizeof(a))
                r2 = -EINVAL;
            else if (copy_from_user(&a, argp, sizeof(a)) < 0)
                r2 = -EFAULT;
            else if (a.min_wait_usec != 0)
                r2 = -EINVAL;
            else if (a.ts != 0 && copy_from_user(&ts, (const void *)a.ts, sizeof(ts)) < 0)
                r2 = -EFAULT;
            if (r2 == 0) {
                umask = a.sigmask;
                masksz = a.sigmask_sz;
                if (a.ts != 0 && ts.sec >= 9223372036LL)
                    timeout = -1;      /* too far away to ever expire */
                else if (a.ts != 0)
                    timeout = ts.sec < 0 ? 0 : (s64)((u64)ts.sec * NSEC + (u64)ts.nsec);
            }
        }
        bool pushed = false;
        u32 min = MIN(min_complete, u->cq_entries);
        if (r2 == 0) {
            busy_enter(u);
            scan(u);
            ovf_flush(u);
            busy_exit(u);
        }
        if (r2 == 0 && cq_ready(u) < min && umask != 0) {
            u64 m;
            if (masksz != sizeof(m))
                r2 = -EINVAL;
            else if (copy_from_user(&m, (const void *)umask, sizeof(m)) < 0)
                r2 = -EFAULT;
            else {
                signal_mask_push(m);
                pushed = true;
            }
        }
        if (r2 == 0 && cq_ready(u) < min)
            r2 = cq_wait(u, min, timeout);
        if (pushed && r2 != -EINTR)   /* else delivery restores the mask */
            signal_mask_pop();
        if (ret == 0)
            ret = r2;
    }
out:
    file_put(f);
    return ret;
}

/* ---------------------------------------------------------------- register */

static long reg_buffers(struct uring *u, const struct iovec_k *uiov, u32 nr)
{
    if (u->bufs != NULL)
        return -EBUSY;
    if (nr == 0 || nr > IORING_MAX_REG_BUFFERS)
        return -EINVAL;
    struct iovec_k *b = kzalloc(nr * sizeof(*b));
    if (b == NULL)
        return -ENOMEM;
    for (u32 i = 0; i < nr; i++) {
        long e = 0;
        if (copy_from_user(&b[i], &uiov[i], sizeof(b[i])) < 0)
            e = -EFAULT;
        else if (b[i].base == 0)
            e = b[i].len != 0 ? -EFAULT : 0;
        else if (b[i].len == 0 || b[i].len > (1UL << 30))
            e = -EFAULT;
        else if (b[i].base + b[i].len < b[i].base)
            e = -EOVERFLOW;
        else if (!user_range_ok((const void *)b[i].base, b[i].len) ||
                 !vm_range_mapped(ALIGN_DOWN(b[i].base, PAGE_SIZE),
                                  ALIGN_UP(b[i].base + b[i].len, PAGE_SIZE) -
                                      ALIGN_DOWN(b[i].base, PAGE_SIZE)))
            e = -EFAULT;
        if (e < 0) {
            kfree(b);
            return e;
        }
    }
    u->bufs = b;
    u->nbufs = nr;
    return 0;
}

/* The file fd names for a registered-file slot: 0 and *out (a new
 * reference), or -EBADF (no such fd, or an io_uring). */
static int slot_file(int fd, struct file **out)
{
    struct file *f = fd_file(fd);
    if (f == NULL || f->ops == &ring_fops)
        return -EBADF;
    file_get(f);
    *out = f;
    return 0;
}

static long reg_files(struct uring *u, const s32 *ufds, u32 nr)
{
    if (u->files != NULL)
        return -EBUSY;
    if (nr == 0)
        return -EINVAL;
    if (nr > IORING_MAX_FIXED_FILES)
        return -EMFILE;
    struct file **t = kzalloc(nr * sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    u->files = t;
    u->nfiles = nr;
    for (u32 i = 0; i < nr; i++) {
        s32 fd = -1;
        int e = 0;
        if (ufds != NULL && copy_from_user(&fd, &ufds[i], sizeof(fd)) < 0)
            e = -EFAULT;
        else if (fd != -1)
            e = slot_file(fd, &t[i]);
        if (e < 0) {
            unregister_files(u);
            return e;
        }
    }
    return 0;
}

static long files_update(struct uring *u, const struct files_update *uup, u32 nr)
{
    struct files_update up;
    if (u->files == NULL)
        return -ENXIO;
    if (copy_from_user(&up, uup, sizeof(up)) < 0)
        return -EFAULT;
    if (up.resv != 0)
        return -EINVAL;
    if (up.offset + nr < up.offset)
        return -EOVERFLOW;
    if (up.offset + nr > u->nfiles)
        return -EINVAL;
    const s32 *ufds = (const s32 *)up.fds;
    u32 done;
    int e = 0;
    for (done = 0; done < nr; done++) {
        s32 fd;
        struct file *nf = NULL;
        if (copy_from_user(&fd, &ufds[done], sizeof(fd)) < 0) {
            e = -EFAULT;
            break;
        }
        if (fd == IORING_REGISTER_FILES_SKIP)
            continue;
        if (fd != -1 && (e = slot_file(fd, &nf)) < 0)
            break;
        struct file **slot = &u->files[up.offset + done];
        if (*slot != NULL)
            file_put(*slot);
        *slot = nf;
    }
    return done > 0 ? (long)done : e;
}

static long reg_eventfd(struct uring *u, const s32 *ufd, bool async)
{
    s32 fd;
    if (u->evfd != NULL)
        return -EBUSY;
    if (copy_from_user(&fd, ufd, sizeof(fd)) < 0)
        return -EFAULT;
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;
    if (!file_is_eventfd(f))
        return -EINVAL;
    file_get(f);
    u->evfd = f;
    u->ev_async = async;
    return 0;
}

static bool op_supported(u32 op)
{
    switch (op) {
    case OP_LINK_TIMEOUT: case OP_FILES_UPDATE: case OP_OPENAT2: case OP_SPLICE:
    case OP_PROVIDE_BUFFERS: case OP_REMOVE_BUFFERS: case OP_TEE:
        return false;
    default:
        return op < OP_KNOWN;
    }
}

static long probe(struct probe_hdr *up, u32 nr)
{
    if (up == NULL || nr > 256)
        return -EINVAL;
    size_t size = sizeof(struct probe_hdr) + nr * sizeof(struct probe_op);
    u8 *buf = kzalloc(size);
    if (buf == NULL)
        return -ENOMEM;
    long e = 0;
    if (copy_from_user(buf, up, size) < 0) {
        e = -EFAULT;
        goto out;
    }
    for (size_t i = 0; i < size; i++)
        if (buf[i] != 0) {
            e = -EINVAL;
            goto out;
        }
    struct probe_hdr *h = (struct probe_hdr *)buf;
    struct probe_op *ops = (struct probe_op *)(buf + sizeof(*h));
    nr = MIN(nr, (u32)OP_KNOWN);
    h->last_op = OP_KNOWN - 1;
    h->ops_len = (u8)nr;
    for (u32 i = 0; i < nr; i++) {
        ops[i].op = (u8)i;
        ops[i].flags = op_supported(i) ? IO_URING_OP_SUPPORTED : 0;
    }
    if (copy_to_user(up, buf, size) < 0)
        e = -EFAULT;
out:
    kfree(buf);
    return e;
}

// partial: registers buffers, files (with FILES_UPDATE), eventfds and probes only; personalities, restrictions, ring fds, provided buffer rings and the rest give EINVAL; EVENTFD_ASYNC signals for every completion after submission (Linux: only those done by its io-wq workers)
long sys_io_uring_register(int fd, u32 opcode, void *arg, u32 nr_args)
{
    struct file *f;
    if (opcode > 0xff)
        return -EINVAL;
    int e = ring_get(fd, &f);
    if (e < 0)
        return e;
    struct uring *u = f->priv;
    long r;
    file_get(f);
    busy_enter(u);
    switch (opcode) {
    case REG_BUFFERS:
        r = reg_buffers(u, arg, nr_args);
        break;
    case UNREG_BUFFERS:
        r = arg != NULL || nr_args != 0 ? -EINVAL : u->bufs == NULL ? -ENXIO : 0;
        if (r == 0) {
            kfree(u->bufs);
            u->bufs = NULL;
            u->nbufs = 0;
        }
        break;
    case REG_FILES:
        r = reg_files(u, arg, nr_args);
        break;
    case UNREG_FILES:
        r = arg != NULL || nr_args != 0 ? -EINVAL : u->files == NULL ? -ENXIO : 0;
        if (r == 0)
            unregister_files(u);
        break;
    case REG_EVENTFD:
    case REG_EVENTFD_ASYNC:
        r = nr_args != 1 ? -EINVAL : reg_eventfd(u, arg, opcode == REG_EVENTFD_ASYNC);
        break;
    case UNREG_EVENTFD:
        r = arg != NULL || nr_args != 0 ? -EINVAL : u->evfd == NULL ? -ENXIO : 0;
        if (r == 0) {
            file_put(u->evfd);
            u->evfd = NULL;
        }
        break;
    case REG_FILES_UPDATE:
        r = nr_args == 0 ? -EINVAL : files_update(u, arg, nr_args);
        break;
    case REG_PROBE:
        r = probe(arg, nr_args);
        break;
    default:
        r = -EINVAL;
        break;
    }
    scan(u);
    busy_exit(u);
    file_put(f);
    return r;
}
