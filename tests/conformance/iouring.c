// covers: io_uring_setup io_uring_enter io_uring_register
/*
 * iouring.c - io_uring through raw syscalls and the kernel ABI of
 * <linux/io_uring.h>, repeated here because musl-gcc has no kernel headers
 * (no liburing): setup (entries, CQSIZE, CLAMP, the features solo has),
 * the rings mapped from the fd, NOP, READ/WRITE/READV/WRITEV/FSYNC on a file
 * in the work directory, linked chains (a failing op cancels the rest,
 * hard links do not, a request failing its checks cancels the whole chain),
 * POLL_ADD/POLL_REMOVE on a pipe, TIMEOUT (expiry, count, removal, cancel),
 * IO_DRAIN, registered eventfds, buffers and files, OPENAT/CLOSE/STATX,
 * SEND/RECV on a socketpair, CQ overflow (NODROP), poll on the ring fd, the
 * probe, and the error paths of all three calls.  Completions of one batch
 * are printed sorted by user_data (their order may differ between kernels).
 */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

/* per process: the three builds of this test run at the same time */
static char FILE_NAME[64];

/* <linux/io_uring.h> (x86-64) */
struct sqe {
    uint8_t opcode, flags;
    uint16_t ioprio;
    int32_t fd;
    uint64_t off, addr;
    uint32_t len, op_flags;
    uint64_t user_data;
    uint16_t buf_index, personality;
    int32_t file_index;
    uint64_t addr3, pad2;
};
struct cqe {
    uint64_t user_data;
    int32_t res;
    uint32_t flags;
};
struct sq_off { uint32_t head, tail, ring_mask, ring_entries, flags, dropped, array, resv1; uint64_t user_addr; };
struct cq_off { uint32_t head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1; uint64_t user_addr; };
struct params {
    uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3];
    struct sq_off sq_off;
    struct cq_off cq_off;
};
struct getevents_arg { uint64_t sigmask; uint32_t sigmask_sz, min_wait_usec; uint64_t ts; };
struct files_update { uint32_t offset, resv; uint64_t fds; };
struct kts { int64_t sec, nsec; };

enum {
    OP_NOP, OP_READV, OP_WRITEV, OP_FSYNC, OP_READ_FIXED, OP_WRITE_FIXED, OP_POLL_ADD,
    OP_POLL_REMOVE, OP_SYNC_FILE_RANGE, OP_SENDMSG, OP_RECVMSG, OP_TIMEOUT, OP_TIMEOUT_REMOVE,
    OP_ACCEPT, OP_ASYNC_CANCEL, OP_LINK_TIMEOUT, OP_CONNECT, OP_FALLOCATE, OP_OPENAT, OP_CLOSE,
    OP_FILES_UPDATE, OP_STATX, OP_READ, OP_WRITE, OP_FADVISE, OP_MADVISE, OP_SEND, OP_RECV,
    OP_OPENAT2, OP_EPOLL_CTL, OP_SPLICE, OP_PROVIDE_BUFFERS, OP_REMOVE_BUFFERS, OP_TEE,
    OP_SHUTDOWN, OP_RENAMEAT, OP_UNLINKAT, OP_MKDIRAT, OP_SYMLINKAT, OP_LINKAT,
};
#define SETUP_CQSIZE (1U << 3)
#define SETUP_CLAMP (1U << 4)
#define FEAT_MASK ((1U << 0) | (1U << 1) | (1U << 2) | (1U << 3) | (1U << 6) | (1U << 8))
#define ENTER_GETEVENTS 1U
#define ENTER_EXT_ARG 8U
#define SQE_FIXED_FILE 1
#define SQE_IO_DRAIN 2
#define SQE_IO_LINK 4
#define SQE_IO_HARDLINK 8
#define SQ_CQ_OVERFLOW 2U
#define OFF_SQ_RING 0ULL
#define OFF_SQES 0x10000000ULL
enum { REG_BUFFERS, UNREG_BUFFERS, REG_FILES, UNREG_FILES, REG_EVENTFD, UNREG_EVENTFD,
       REG_FILES_UPDATE, REG_EVENTFD_ASYNC, REG_PROBE };

struct ring {
    int fd;
    unsigned sq_entries, cq_entries;
    volatile unsigned *sq_head, *sq_tail, *sq_mask, *sq_array, *sq_flags;
    volatile unsigned *cq_head, *cq_tail, *cq_mask;
    struct cqe *cqes;
    struct sqe *sqes;
};

static long setup(unsigned entries, struct params *p)
{
    long r = syscall(SYS_io_uring_setup, entries, p);
    return r < 0 ? -errno : r;
}

static long enter(int fd, unsigned n, unsigned min, unsigned flags, const void *arg, size_t sz)
{
    long r = syscall(SYS_io_uring_enter, fd, n, min, flags, arg, sz);
    return r < 0 ? -errno : r;
}

static long reg(int fd, unsigned op, void *arg, unsigned nr)
{
    long r = syscall(SYS_io_uring_register, fd, op, arg, nr);
    return r < 0 ? -errno : r;
}

static const char *res_str(long r)
{
    static char buf[32];
    if (r == -ETIME)
        return "ETIME";
    if (r == -ECANCELED)
        return "ECANCELED";
    if (r < 0)
        return errname((int)-r);
    snprintf(buf, sizeof(buf), "%ld", r);
    return buf;
}

/* Create and map a ring of entries (flags/cq as io_uring_setup). */
static int ring_init(struct ring *R, unsigned entries, unsigned flags, unsigned cq)
{
    struct params p;
    memset(&p, 0, sizeof(p));
    p.flags = flags;
    p.cq_entries = cq;
    long fd = setup(entries, &p);
    if (fd < 0) {
        printf("setup failed: %s\n", errname((int)-fd));
        return -1;
    }
    size_t sqsz = p.sq_off.array + p.sq_entries * 4;
    size_t cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct cqe);
    size_t sz = sqsz > cqsz ? sqsz : cqsz;
    char *q = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, (int)fd, OFF_SQ_RING);
    void *s = mmap(NULL, p.sq_entries * sizeof(struct sqe), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_POPULATE, (int)fd, OFF_SQES);
    if (q == MAP_FAILED || s == MAP_FAILED) {
        printf("mmap failed: %s\n", errname(errno));
        return -1;
    }
    R->fd = (int)fd;
    R->sq_entries = p.sq_entries;
    R->cq_entries = p.cq_entries;
    R->sq_head = (unsigned *)(q + p.sq_off.head);
    R->sq_tail = (unsigned *)(q + p.sq_off.tail);
    R->sq_mask = (unsigned *)(q + p.sq_off.ring_mask);
    R->sq_array = (unsigned *)(q + p.sq_off.array);
    R->sq_flags = (unsigned *)(q + p.sq_off.flags);
    R->cq_head = (unsigned *)(q + p.cq_off.head);
    R->cq_tail = (unsigned *)(q + p.cq_off.tail);
    R->cq_mask = (unsigned *)(q + p.cq_off.ring_mask);
    R->cqes = (struct cqe *)(q + p.cq_off.cqes);
    R->sqes = s;
    return 0;
}

/* A zeroed SQE at the SQ tail (made visible by the tail store). */
static struct sqe *get_sqe(struct ring *R, uint8_t op, int fd, uint64_t ud)
{
    unsigned t = *R->sq_tail, i = t & *R->sq_mask;
    struct sqe *e = &R->sqes[i];
    memset(e, 0, sizeof(*e));
    e->opcode = op;
    e->fd = fd;
    e->user_data = ud;
    R->sq_array[i] = i;
    __atomic_store_n(R->sq_tail, t + 1, __ATOMIC_RELEASE);
    return e;
}

static unsigned cq_ready(struct ring *R)
{
    return __atomic_load_n(R->cq_tail, __ATOMIC_ACQUIRE) - *R->cq_head;
}

static int cmp_cqe(const void *a, const void *b)
{
    const struct cqe *x = a, *y = b;
    return x->user_data < y->user_data ? -1 : x->user_data > y->user_data;
}

/* Take every CQE in the ring and print them sorted by user_data. */
static void reap(struct ring *R, const char *what)
{
    struct cqe got[64];
    unsigned n = 0;
    while (cq_ready(R) > 0 && n < 64) {
        got[n++] = R->cqes[*R->cq_head & *R->cq_mask];
        __atomic_store_n(R->cq_head, *R->cq_head + 1, __ATOMIC_RELEASE);
    }
    qsort(got, n, sizeof(got[0]), cmp_cqe);
    printf("%s:", what);
    for (unsigned i = 0; i < n; i++)
        printf(" %llu=%s", (unsigned long long)got[i].user_data, res_str(got[i].res));
    printf("\n");
}

/* Submit what is queued, wait for min completions, print them. */
static void run(struct ring *R, unsigned n, unsigned min, const char *what)
{
    long r = enter(R->fd, n, min, ENTER_GETEVENTS, NULL, 8);
    if (r != (long)n)
        printf("%s: enter %s\n", what, res_str(r));
    reap(R, what);
}

static void test_setup(void)
{
    struct params p;
    memset(&p, 0, sizeof(p));
    printf("setup 0: %s\n", res_str(setup(0, &p)));
    printf("setup 100000: %s\n", res_str(setup(100000, &p)));
    p.flags = 1U << 30;
    printf("setup bad flag: %s\n", res_str(setup(4, &p)));
    memset(&p, 0, sizeof(p));
    p.resv[1] = 1;
    printf("setup resv: %s\n", res_str(setup(4, &p)));
    printf("setup EFAULT: %s\n", res_str(setup(4, (struct params *)8)));
    memset(&p, 0, sizeof(p));
    p.flags = SETUP_CQSIZE;
    printf("setup cqsize 0: %s\n", res_str(setup(4, &p)));
    p.cq_entries = 2;
    printf("setup cqsize < sq: %s\n", res_str(setup(4, &p)));
    p.cq_entries = 100;
    long fd = setup(3, &p);
    printf("setup cqsize 100: %s sq=%u cq=%u\n", fd >= 0 ? "ok" : res_str(fd), p.sq_entries,
           p.cq_entries);
    close((int)fd);
    memset(&p, 0, sizeof(p));
    p.flags = SETUP_CLAMP;
    fd = setup(100000, &p);
    printf("setup clamp: %s sq=%u cq=%u\n", fd >= 0 ? "ok" : res_str(fd), p.sq_entries,
           p.cq_entries);
    close((int)fd);
    memset(&p, 0, sizeof(p));
    fd = setup(3, &p);
    printf("setup 3: sq=%u cq=%u features=%#x cloexec=%d\n", p.sq_entries, p.cq_entries,
           p.features & FEAT_MASK, (fcntl((int)fd, F_GETFD) & FD_CLOEXEC) != 0);
    char link[64] = "", path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%ld", fd);
    ssize_t k = readlink(path, link, sizeof(link) - 1);
    printf("fd link: %s\n", k > 0 ? link : errname(errno));
    close((int)fd);
}

static void test_errors(struct ring *R)
{
    int pfd[2];
    if (pipe(pfd) < 0)
        return;
    printf("enter EBADF: %s\n", res_str(enter(99, 0, 0, 0, NULL, 0)));
    printf("enter pipe: %s\n", res_str(enter(pfd[0], 0, 0, 0, NULL, 0)));
    printf("enter bad flags: %s\n", res_str(enter(R->fd, 0, 0, 1U << 31, NULL, 0)));
    printf("enter nothing: %s\n", res_str(enter(R->fd, 0, 0, 0, NULL, 0)));
    printf("enter empty sq: %s\n", res_str(enter(R->fd, 2, 1, ENTER_GETEVENTS, NULL, 8)));
    uint64_t mask = 0;
    printf("enter bad sigsz: %s\n", res_str(enter(R->fd, 0, 1, ENTER_GETEVENTS, &mask, 4)));
    struct getevents_arg ga;
    memset(&ga, 0, sizeof(ga));
    printf("enter ext_arg size: %s\n",
           res_str(enter(R->fd, 0, 1, ENTER_GETEVENTS | ENTER_EXT_ARG, &ga, 8)));
    struct kts ts = { 0, 5000000 };
    ga.ts = (uint64_t)(uintptr_t)&ts;
    printf("enter ext_arg timeout: %s\n",
           res_str(enter(R->fd, 0, 1, ENTER_GETEVENTS | ENTER_EXT_ARG, &ga, sizeof(ga))));
    ga.ts = 8;
    printf("enter ext_arg EFAULT: %s\n",
           res_str(enter(R->fd, 0, 1, ENTER_GETEVENTS | ENTER_EXT_ARG, &ga, sizeof(ga))));
    get_sqe(R, OP_NOP, -1, 1);
    printf("enter more than queued: %s\n", res_str(enter(R->fd, 8, 1, ENTER_GETEVENTS, NULL, 8)));
    reap(R, "nop");
    printf("register bad op: %s\n", res_str(reg(R->fd, 9999, NULL, 0)));
    printf("register EBADF: %s\n", res_str(reg(99, REG_PROBE, NULL, 0)));
    printf("register pipe: %s\n", res_str(reg(pfd[0], REG_PROBE, NULL, 0)));
    close(pfd[0]);
    close(pfd[1]);
}

static void test_file(struct ring *R)
{
    int fd = open(FILE_NAME, O_RDWR | O_CREAT | O_TRUNC, 0644);
    char buf[64] = "", a[8] = "", b[8] = "";
    static char msg[] = "hello world";
    struct sqe *e = get_sqe(R, OP_WRITE, fd, 1);
    e->addr = (uintptr_t)msg;
    e->len = 11;
    run(R, 1, 1, "write");
    e = get_sqe(R, OP_READ, fd, 2);
    e->addr = (uintptr_t)buf;
    e->len = 5;
    e->off = 6;
    run(R, 1, 1, "read at 6");
    printf("read: %s\n", buf);
    struct iovec wv[2] = { { "ABC", 3 }, { "defg", 4 } }, rv[2] = { { a, 3 }, { b, 4 } };
    e = get_sqe(R, OP_WRITEV, fd, 3);
    e->addr = (uintptr_t)wv;
    e->len = 2;
    e->off = 11;
    e->flags = SQE_IO_LINK;
    e = get_sqe(R, OP_READV, fd, 4);
    e->addr = (uintptr_t)rv;
    e->len = 2;
    e->off = 11;
    run(R, 2, 2, "writev+readv");
    printf("readv: %s %s\n", a, b);
    memset(buf, 0, sizeof(buf));
    e = get_sqe(R, OP_READ, fd, 5);
    e->addr = (uintptr_t)buf;
    e->len = 4;
    e->off = (uint64_t)-1;
    run(R, 1, 1, "read at cur pos");
    printf("read: %s pos=%ld\n", buf, (long)lseek(fd, 0, SEEK_CUR));
    e = get_sqe(R, OP_FSYNC, fd, 6);
    e = get_sqe(R, OP_FSYNC, fd, 7);
    e->op_flags = 1;                   /* DATASYNC */
    e = get_sqe(R, OP_FSYNC, fd, 8);
    e->op_flags = 2;
    run(R, 3, 3, "fsync");
    e = get_sqe(R, OP_READ, 99, 9);
    e->addr = (uintptr_t)buf;
    e->len = 4;
    e = get_sqe(R, OP_READ, fd, 10);
    e->addr = 8;
    e->len = 4;
    e = get_sqe(R, OP_WRITE, fd, 11);
    e->addr = (uintptr_t)msg;
    e->len = 1;
    e->op_flags = 1U << 30;            /* unknown RWF_ flag */
    run(R, 3, 3, "rw errors");

    /* chains */
    e = get_sqe(R, OP_NOP, -1, 20);
    e->flags = SQE_IO_LINK;
    e = get_sqe(R, OP_READ, 99, 21);
    e->flags = SQE_IO_LINK;
    e = get_sqe(R, OP_NOP, -1, 22);
    e->flags = SQE_IO_LINK;
    e = get_sqe(R, OP_NOP, -1, 23);
    run(R, 4, 4, "link bad fd");
    e = get_sqe(R, OP_READ, fd, 24);
    e->addr = (uintptr_t)buf;
    e->len = 60;                       /* short read: fails the link */
    e->flags = SQE_IO_LINK;
    e = get_sqe(R, OP_NOP, -1, 25);
    run(R, 2, 2, "link short read");
    e = get_sqe(R, OP_READ, 99, 26);
    e->flags = SQE_IO_HARDLINK;
    e = get_sqe(R, OP_NOP, -1, 27);
    run(R, 2, 2, "hardlink");
    e = get_sqe(R, OP_NOP, -1, 28);
    e->flags = SQE_IO_LINK;
    e = get_sqe(R, 250, -1, 29);
    e->flags = SQE_IO_LINK;
    e = get_sqe(R, OP_NOP, -1, 30);
    run(R, 3, 3, "link bad opcode");
    e = get_sqe(R, OP_NOP, -1, 31);
    e->flags = 0x80;
    e = get_sqe(R, OP_NOP, -1, 32);
    long r = enter(R->fd, 2, 1, ENTER_GETEVENTS, NULL, 8);
    printf("bad sqe flag: enter %s\n", res_str(r));
    reap(R, "bad sqe flag");
    r = enter(R->fd, 1, 1, ENTER_GETEVENTS, NULL, 8);
    reap(R, "rest");

    /* OPENAT / STATX / CLOSE */
    static struct stat_x { uint32_t mask, blksize; uint64_t attributes; uint32_t nlink, uid, gid;
                           uint16_t mode, pad; uint64_t ino, size; char rest[256]; } stx;
    e = get_sqe(R, OP_OPENAT, AT_FDCWD, 40);
    e->addr = (uintptr_t)FILE_NAME;
    e->op_flags = O_RDONLY;
    r = enter(R->fd, 1, 1, ENTER_GETEVENTS, NULL, 8);
    struct cqe c = R->cqes[*R->cq_head & *R->cq_mask];
    (*R->cq_head)++;
    printf("openat: %s\n", c.res >= 0 ? "fd" : res_str(c.res));
    int nfd = c.res;
    e = get_sqe(R, OP_STATX, nfd, 41);
    e->addr = (uintptr_t)"";
    e->op_flags = AT_EMPTY_PATH;
    e->len = 0x7ff;
    e->off = (uintptr_t)&stx;
    e->flags = SQE_IO_LINK;
    e = get_sqe(R, OP_CLOSE, nfd, 42);
    e->flags = SQE_IO_LINK;
    e = get_sqe(R, OP_CLOSE, nfd, 43);
    e = get_sqe(R, OP_OPENAT, AT_FDCWD, 44);
    e->addr = (uintptr_t)"no-such-file";
    e = get_sqe(R, OP_CLOSE, R->fd, 45);
    e = get_sqe(R, OP_STATX, AT_FDCWD, 46);
    e->addr = (uintptr_t)FILE_NAME;
    e->len = 0x7ff;
    e->off = 8;
    run(R, 6, 6, "openat/statx/close");
    printf("statx size=%llu mode=%o\n", (unsigned long long)stx.size, stx.mode & 07777);
    close(fd);
}

static void test_poll(struct ring *R)
{
    int p[2];
    if (pipe(p) < 0)
        return;
    struct sqe *e = get_sqe(R, OP_POLL_ADD, p[0], 50);
    e->op_flags = POLLIN;
    printf("poll submit: %s ready=%u\n", res_str(enter(R->fd, 1, 0, 0, NULL, 0)), cq_ready(R));
    struct pollfd pf = { R->fd, POLLIN, 0 };
    int n = poll(&pf, 1, 0);
    printf("ring poll: %d revents=%#x\n", n, pf.revents);
    if (write(p[1], "x", 1) != 1)
        return;
    printf("wait: %s\n", res_str(enter(R->fd, 0, 1, ENTER_GETEVENTS, NULL, 8)));
    pf.revents = 0;
    n = poll(&pf, 1, 0);
    printf("ring poll: %d revents=%#x\n", n, pf.revents);
    reap(R, "poll pipe");
    e = get_sqe(R, OP_POLL_ADD, p[0], 51);
    e->op_flags = POLLIN | POLLOUT;
    run(R, 1, 1, "poll ready");
    char ch;
    if (read(p[0], &ch, 1) != 1)
        return;
    e = get_sqe(R, OP_POLL_ADD, p[0], 52);
    e->op_flags = POLLIN;
    e = get_sqe(R, OP_POLL_REMOVE, -1, 53);
    e->addr = 52;
    e = get_sqe(R, OP_POLL_REMOVE, -1, 54);
    e->addr = 52;
    run(R, 3, 3, "poll remove");
    e = get_sqe(R, OP_POLL_ADD, p[0], 55);
    e->op_flags = POLLIN;
    e->len = 99;
    run(R, 1, 1, "poll bad flags");

    /* drain: NOP with IO_DRAIN waits for the pending poll, and so does
     * everything after it */
    e = get_sqe(R, OP_POLL_ADD, p[0], 56);
    e->op_flags = POLLIN;
    e = get_sqe(R, OP_NOP, -1, 57);
    e->flags = SQE_IO_DRAIN;
    e = get_sqe(R, OP_NOP, -1, 58);
    printf("drain submit: %s ready=%u\n", res_str(enter(R->fd, 3, 0, 0, NULL, 0)), cq_ready(R));
    if (write(p[1], "y", 1) != 1)
        return;
    printf("wait: %s\n", res_str(enter(R->fd, 0, 3, ENTER_GETEVENTS, NULL, 8)));
    reap(R, "drain");
    if (read(p[0], &ch, 1) != 1)
        return;
    close(p[0]);
    close(p[1]);
}

static void test_timeout(struct ring *R)
{
    static struct kts short_ts = { 0, 10000000 }, long_ts = { 10, 0 }, bad_ts = { 0, -1 };
    struct sqe *e = get_sqe(R, OP_TIMEOUT, -1, 60);
    e->addr = (uintptr_t)&short_ts;
    e->len = 1;
    run(R, 1, 1, "timeout");
    e = get_sqe(R, OP_TIMEOUT, -1, 61);
    e->addr = (uintptr_t)&long_ts;
    e->len = 1;
    e->off = 2;                        /* two completions */
    e = get_sqe(R, OP_NOP, -1, 62);
    e = get_sqe(R, OP_NOP, -1, 63);
    run(R, 3, 3, "timeout count");
    e = get_sqe(R, OP_TIMEOUT, -1, 64);
    e->addr = (uintptr_t)&long_ts;
    e->len = 1;
    e = get_sqe(R, OP_TIMEOUT_REMOVE, -1, 65);
    e->addr = 64;
    e = get_sqe(R, OP_TIMEOUT_REMOVE, -1, 66);
    e->addr = 64;
    run(R, 3, 3, "timeout remove");
    e = get_sqe(R, OP_TIMEOUT, -1, 67);
    e->addr = (uintptr_t)&long_ts;
    e->len = 1;
    e = get_sqe(R, OP_ASYNC_CANCEL, -1, 68);
    e->addr = 67;
    e = get_sqe(R, OP_ASYNC_CANCEL, -1, 69);
    e->addr = 12345;
    run(R, 3, 3, "async cancel");
    e = get_sqe(R, OP_TIMEOUT, -1, 70);
    e->addr = (uintptr_t)&short_ts;
    e->len = 2;
    run(R, 1, 1, "timeout len 2");
    e = get_sqe(R, OP_TIMEOUT, -1, 71);
    e->addr = (uintptr_t)&bad_ts;
    e->len = 1;
    run(R, 1, 1, "timeout bad ts");
    e = get_sqe(R, OP_TIMEOUT, -1, 72);
    e->addr = 8;
    e->len = 1;
    run(R, 1, 1, "timeout EFAULT");
    e = get_sqe(R, OP_TIMEOUT, -1, 73);
    e->addr = (uintptr_t)&short_ts;
    e->len = 1;
    e->flags = SQE_IO_LINK;
    e = get_sqe(R, OP_NOP, -1, 74);
    run(R, 2, 2, "timeout link");
}

static void test_eventfd(struct ring *R)
{
    int efd = eventfd(0, 0), p[2];
    if (pipe(p) < 0)
        return;
    printf("evfd nr 2: %s\n", res_str(reg(R->fd, REG_EVENTFD, &efd, 2)));
    printf("evfd pipe: %s\n", res_str(reg(R->fd, REG_EVENTFD, &p[0], 1)));
    int bad = 99;
    printf("evfd EBADF: %s\n", res_str(reg(R->fd, REG_EVENTFD, &bad, 1)));
    printf("evfd EFAULT: %s\n", res_str(reg(R->fd, REG_EVENTFD, (void *)8, 1)));
    printf("evfd unregister none: %s\n", res_str(reg(R->fd, UNREG_EVENTFD, NULL, 0)));
    printf("evfd register: %s\n", res_str(reg(R->fd, REG_EVENTFD, &efd, 1)));
    printf("evfd again: %s\n", res_str(reg(R->fd, REG_EVENTFD, &efd, 1)));
    get_sqe(R, OP_NOP, -1, 80);
    get_sqe(R, OP_NOP, -1, 81);
    run(R, 2, 2, "nops");
    uint64_t v = 0;
    long k = read(efd, &v, 8);         /* Linux may signal once per batch */
    printf("evfd count: %ld %d\n", k, v >= 1 && v <= 2);
    /* a timeout firing later signals the eventfd on its own */
    static struct kts ts = { 0, 20000000 };
    struct sqe *e = get_sqe(R, OP_TIMEOUT, -1, 82);
    e->addr = (uintptr_t)&ts;
    e->len = 1;
    printf("timeout submit: %s\n", res_str(enter(R->fd, 1, 0, 0, NULL, 0)));
    k = read(efd, &v, 8);
    printf("evfd wait: %ld %llu\n", k, (unsigned long long)v);
    reap(R, "timeout");
    printf("evfd unregister: %s\n", res_str(reg(R->fd, UNREG_EVENTFD, NULL, 0)));
    printf("evfd unregister arg: %s\n", res_str(reg(R->fd, UNREG_EVENTFD, &efd, 0)));
    close(efd);
    close(p[0]);
    close(p[1]);
}

static void test_registered(struct ring *R)
{
    int fd = open(FILE_NAME, O_RDWR);
    char *mem = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct iovec iov = { mem, 4096 }, bad = { NULL, 16 };
    printf("buffers 0: %s\n", res_str(reg(R->fd, REG_BUFFERS, &iov, 0)));
    printf("buffers NULL base: %s\n", res_str(reg(R->fd, REG_BUFFERS, &bad, 1)));
    printf("unregister none: %s\n", res_str(reg(R->fd, UNREG_BUFFERS, NULL, 0)));
    printf("buffers: %s\n", res_str(reg(R->fd, REG_BUFFERS, &iov, 1)));
    printf("buffers again: %s\n", res_str(reg(R->fd, REG_BUFFERS, &iov, 1)));
    memcpy(mem, "FIXED", 5);
    struct sqe *e = get_sqe(R, OP_WRITE_FIXED, fd, 90);
    e->addr = (uintptr_t)mem;
    e->len = 5;
    e->off = 100;
    e->flags = SQE_IO_LINK;
    e = get_sqe(R, OP_READ_FIXED, fd, 91);
    e->addr = (uintptr_t)mem + 10;
    e->len = 5;
    e->off = 100;
    e = get_sqe(R, OP_READ_FIXED, fd, 92);
    e->addr = (uintptr_t)mem;
    e->len = 5;
    e->buf_index = 1;
    e = get_sqe(R, OP_READ_FIXED, fd, 93);
    e->addr = (uintptr_t)mem + 4094;
    e->len = 5;
    run(R, 4, 4, "fixed buffers");
    printf("read fixed: %.5s\n", mem + 10);
    printf("unregister: %s\n", res_str(reg(R->fd, UNREG_BUFFERS, NULL, 0)));
    printf("unregister again: %s\n", res_str(reg(R->fd, UNREG_BUFFERS, NULL, 0)));

    int fds[2] = { fd, -1 }, p[2];
    if (pipe(p) < 0)
        return;
    int badfds[1] = { 99 }, ringfds[1] = { R->fd };
    printf("files EBADF: %s\n", res_str(reg(R->fd, REG_FILES, badfds, 1)));
    printf("files ring: %s\n", res_str(reg(R->fd, REG_FILES, ringfds, 1)));
    printf("files 0: %s\n", res_str(reg(R->fd, REG_FILES, fds, 0)));
    printf("files: %s\n", res_str(reg(R->fd, REG_FILES, fds, 2)));
    printf("files again: %s\n", res_str(reg(R->fd, REG_FILES, fds, 2)));
    close(fd);                          /* the registered slot keeps the file */
    char buf[8] = "";
    e = get_sqe(R, OP_READ, 0, 94);
    e->flags = SQE_FIXED_FILE;
    e->addr = (uintptr_t)buf;
    e->len = 5;
    e->off = 0;
    e = get_sqe(R, OP_READ, 1, 95);
    e->flags = SQE_FIXED_FILE;
    e->addr = (uintptr_t)buf;
    e->len = 5;
    e = get_sqe(R, OP_READ, 7, 96);
    e->flags = SQE_FIXED_FILE;
    e->addr = (uintptr_t)buf;
    e->len = 5;
    run(R, 3, 3, "fixed files");
    printf("read: %s\n", buf);
    struct files_update up = { 1, 0, (uintptr_t)&p[1] };
    printf("files update: %s\n", res_str(reg(R->fd, REG_FILES_UPDATE, &up, 1)));
    up.offset = 2;
    printf("files update past end: %s\n", res_str(reg(R->fd, REG_FILES_UPDATE, &up, 1)));
    e = get_sqe(R, OP_WRITE, 1, 97);
    e->flags = SQE_FIXED_FILE;
    e->addr = (uintptr_t)"pipe";
    e->len = 4;
    run(R, 1, 1, "write fixed pipe");
    printf("pipe: %ld\n", (long)read(p[0], buf, 8));
    printf("files unregister: %s\n", res_str(reg(R->fd, UNREG_FILES, NULL, 0)));
    printf("files unregister again: %s\n", res_str(reg(R->fd, UNREG_FILES, NULL, 0)));
    printf("files update none: %s\n", res_str(reg(R->fd, REG_FILES_UPDATE, &up, 1)));
    close(p[0]);
    close(p[1]);
    munmap(mem, 8192);
}

static void test_socket(struct ring *R)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return;
    char buf[16] = "";
    struct sqe *e = get_sqe(R, OP_RECV, sv[1], 100);
    e->addr = (uintptr_t)buf;
    e->len = sizeof(buf);
    printf("recv submit: %s ready=%u\n", res_str(enter(R->fd, 1, 0, 0, NULL, 0)), cq_ready(R));
    e = get_sqe(R, OP_SEND, sv[0], 101);
    e->addr = (uintptr_t)"ping";
    e->len = 4;
    run(R, 1, 2, "send/recv");
    printf("recv: %s\n", buf);
    struct iovec iov = { buf, 4 };
    struct msghdr mh;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    e = get_sqe(R, OP_SENDMSG, sv[1], 102);
    e->addr = (uintptr_t)&mh;
    e->flags = SQE_IO_LINK;
    e = get_sqe(R, OP_RECVMSG, sv[0], 103);
    e->addr = (uintptr_t)&mh;
    e->flags = SQE_IO_LINK;
    e = get_sqe(R, OP_SHUTDOWN, sv[0], 104);
    e->len = SHUT_WR;
    e = get_sqe(R, OP_RECV, sv[1], 105);
    e->addr = (uintptr_t)buf;
    e->len = sizeof(buf);
    run(R, 4, 4, "sendmsg/recvmsg/shutdown");
    e = get_sqe(R, OP_RECV, sv[0], 106);
    e->addr = (uintptr_t)buf;
    e->len = sizeof(buf);
    printf("recv submit: %s ready=%u\n", res_str(enter(R->fd, 1, 0, 0, NULL, 0)), cq_ready(R));
    e = get_sqe(R, OP_ASYNC_CANCEL, -1, 107);
    e->addr = 106;
    run(R, 1, 2, "cancel recv");
    close(sv[0]);
    close(sv[1]);
}

static void test_overflow(void)
{
    struct ring R;
    if (ring_init(&R, 1, 0, 0) < 0)
        return;
    printf("small ring: sq=%u cq=%u\n", R.sq_entries, R.cq_entries);
    for (int i = 0; i < 4; i++) {
        get_sqe(&R, OP_NOP, -1, 110 + i);
        long r = enter(R.fd, 1, 0, 0, NULL, 0);
        if (r != 1)
            printf("submit %d: %s\n", i, res_str(r));
    }
    printf("ready=%u overflow flag=%d\n", cq_ready(&R), (*R.sq_flags & SQ_CQ_OVERFLOW) != 0);
    reap(&R, "first");
    printf("flush: %s\n", res_str(enter(R.fd, 0, 1, ENTER_GETEVENTS, NULL, 8)));
    printf("overflow flag=%d\n", (*R.sq_flags & SQ_CQ_OVERFLOW) != 0);
    reap(&R, "second");
    close(R.fd);
}

static void test_probe(struct ring *R)
{
    struct { uint8_t last_op, ops_len; uint16_t resv; uint32_t resv2[3];
             struct { uint8_t op, resv; uint16_t flags; uint32_t resv2; } ops[64]; } pr;
    memset(&pr, 0, sizeof(pr));
    printf("probe NULL: %s\n", res_str(reg(R->fd, REG_PROBE, NULL, 4)));
    pr.resv = 1;
    printf("probe dirty: %s\n", res_str(reg(R->fd, REG_PROBE, &pr, 64)));
    memset(&pr, 0, sizeof(pr));
    printf("probe: %s\n", res_str(reg(R->fd, REG_PROBE, &pr, 64)));
    printf("last_op>=39: %d ops_len=%u\n", pr.last_op >= 39, pr.ops_len >= 40);
    static const int ops[] = { OP_NOP, OP_READV, OP_WRITEV, OP_FSYNC, OP_READ_FIXED,
                               OP_WRITE_FIXED, OP_POLL_ADD, OP_POLL_REMOVE, OP_SENDMSG,
                               OP_RECVMSG, OP_TIMEOUT, OP_TIMEOUT_REMOVE, OP_ACCEPT,
                               OP_ASYNC_CANCEL, OP_CONNECT, OP_OPENAT, OP_CLOSE, OP_STATX,
                               OP_READ, OP_WRITE, OP_SEND, OP_RECV, OP_SHUTDOWN };
    printf("supported:");
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        printf(" %d:%d", ops[i], (pr.ops[ops[i]].flags & 1) != 0);
    printf("\n");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    snprintf(FILE_NAME, sizeof(FILE_NAME), "iouring-%d.dat", (int)getpid());
    test_setup();
    struct ring R;
    if (ring_init(&R, 8, 0, 0) < 0)
        return 1;
    test_errors(&R);
    test_file(&R);
    test_poll(&R);
    test_timeout(&R);
    test_eventfd(&R);
    test_registered(&R);
    test_socket(&R);
    test_probe(&R);
    test_overflow();
    unlink(FILE_NAME);
    printf("done\n");
    return 0;
}
