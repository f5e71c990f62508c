// covers: io_uring_setup io_uring_enter io_uring_register
/*
 * iouring_wake.c - io_uring requests that cannot complete at submission
 * complete on their own, while the program waits somewhere else: it blocks
 * in read() on the registered eventfd alone (liburing's eventfd pattern),
 * in epoll_wait/poll on the ring fd, or in io_uring_enter GETEVENTS.  The
 * wake-up comes from a second thread writing to a pipe, from a SIGALRM
 * handler writing to it (no thread), from a timerfd expiring, or from an
 * IORING_OP_TIMEOUT.  Covered: POLL_ADD, READ from an empty pipe, a
 * POLL_ADD linked to a READ, TIMEOUT and a TIMEOUT linked to a NOP.  CQEs
 * are read from the mapped CQ ring without a call on the ring.
 */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>

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
struct kts { int64_t sec, nsec; };

enum { OP_NOP = 0, OP_POLL_ADD = 6, OP_TIMEOUT = 11, OP_READ = 22 };
#define ENTER_GETEVENTS 1U
#define SQE_IO_LINK 4
#define OFF_SQ_RING 0ULL
#define OFF_SQES 0x10000000ULL
enum { REG_EVENTFD = 4, UNREG_EVENTFD = 5 };

struct ring {
    int fd;
    volatile unsigned *sq_tail, *sq_mask, *sq_array;
    volatile unsigned *cq_head, *cq_tail, *cq_mask;
    struct cqe *cqes;
    struct sqe *sqes;
};

static long enter(int fd, unsigned n, unsigned min, unsigned flags)
{
    long r = syscall(SYS_io_uring_enter, fd, n, min, flags, NULL, 8);
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

static int ring_init(struct ring *R)
{
    struct params p;
    memset(&p, 0, sizeof(p));
    long fd = syscall(SYS_io_uring_setup, 8, &p);
    if (fd < 0) {
        printf("setup failed: %s\n", errname(errno));
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
    R->sq_tail = (unsigned *)(q + p.sq_off.tail);
    R->sq_mask = (unsigned *)(q + p.sq_off.ring_mask);
    R->sq_array = (unsigned *)(q + p.sq_off.array);
    R->cq_head = (unsigned *)(q + p.cq_off.head);
    R->cq_tail = (unsigned *)(q + p.cq_off.tail);
    R->cq_mask = (unsigned *)(q + p.cq_off.ring_mask);
    R->cqes = (struct cqe *)(q + p.cq_off.cqes);
    R->sqes = s;
    return 0;
}

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
    struct cqe got[16];
    unsigned n = 0;
    while (cq_ready(R) > 0 && n < 16) {
        got[n++] = R->cqes[*R->cq_head & *R->cq_mask];
        __atomic_store_n(R->cq_head, *R->cq_head + 1, __ATOMIC_RELEASE);
    }
    qsort(got, n, sizeof(got[0]), cmp_cqe);
    printf("%s:", what);
    for (unsigned i = 0; i < n; i++)
        printf(" %llu=%s", (unsigned long long)got[i].user_data, res_str(got[i].res));
    printf("\n");
}

/* Block in read() on the eventfd until at least want CQEs are in the ring
 * (each completion signals it; one read may count several, and a count left
 * from an earlier completion only makes the loop read once more). */
static void wait_evfd(struct ring *R, int efd, unsigned want, const char *what)
{
    do {
        uint64_t v = 0;
        long k = read(efd, &v, 8);
        if (k != 8) {
            printf("%s: eventfd read %ld %s\n", what, k, errname(errno));
            return;
        }
    } while (cq_ready(R) < want);
    printf("%s: eventfd signalled, cq %u\n", what, cq_ready(R));
}

/* ---------------------------------------------------------------- wakers */

static int wfd;
static const char *wmsg;

/* A second thread: sleep 50 ms, then write wmsg to wfd. */
static void *writer(void *arg)
{
    (void)arg;
    struct timespec ts = { 0, 50000000 };
    nanosleep(&ts, NULL);
    if (write(wfd, wmsg, strlen(wmsg)) < 0)
        printf("writer: %s\n", errname(errno));
    return NULL;
}

static pthread_t start_writer(int fd, const char *msg)
{
    pthread_t t;
    wfd = fd;
    wmsg = msg;
    pthread_create(&t, NULL, writer, NULL);
    return t;
}

static void on_alarm(int sig)
{
    (void)sig;
    if (write(wfd, "A", 1) != 1)
        _exit(3);
}

/* ---------------------------------------------------------------- tests */

static void test_poll_thread(struct ring *R, int efd)
{
    int p[2];
    if (pipe(p) < 0)
        return;
    get_sqe(R, OP_POLL_ADD, p[0], 1)->op_flags = POLLIN;
    printf("poll submit: %s\n", res_str(enter(R->fd, 1, 0, 0)));
    printf("poll before: cq %u\n", cq_ready(R));
    pthread_t t = start_writer(p[1], "x");
    wait_evfd(R, efd, 1, "poll thread");
    reap(R, "poll thread");
    pthread_join(t, NULL);
    close(p[0]);
    close(p[1]);
}

static void test_read_thread(struct ring *R, int efd)
{
    int p[2];
    char buf[16] = "";
    if (pipe(p) < 0)
        return;
    struct sqe *e = get_sqe(R, OP_READ, p[0], 2);
    e->addr = (uintptr_t)buf;
    e->len = sizeof(buf) - 1;
    printf("read submit: %s\n", res_str(enter(R->fd, 1, 0, 0)));
    pthread_t t = start_writer(p[1], "hello");
    wait_evfd(R, efd, 1, "read thread");
    reap(R, "read thread");
    printf("read data: %s\n", buf);
    pthread_join(t, NULL);
    close(p[0]);
    close(p[1]);
}

/* POLL_ADD linked to a READ of the same pipe: the worker runs the chain. */
static void test_link_thread(struct ring *R, int efd)
{
    int p[2];
    char buf[16] = "";
    if (pipe(p) < 0)
        return;
    struct sqe *e = get_sqe(R, OP_POLL_ADD, p[0], 3);
    e->op_flags = POLLIN;
    e->flags = SQE_IO_LINK;
    e = get_sqe(R, OP_READ, p[0], 4);
    e->addr = (uintptr_t)buf;
    e->len = sizeof(buf) - 1;
    printf("link submit: %s\n", res_str(enter(R->fd, 2, 0, 0)));
    pthread_t t = start_writer(p[1], "abc");
    wait_evfd(R, efd, 2, "link thread");
    reap(R, "link thread");
    printf("link data: %s\n", buf);
    pthread_join(t, NULL);
    close(p[0]);
    close(p[1]);
}

/* No thread: a SIGALRM handler (SA_RESTART) writes the pipe while the
 * program sits in read() on the eventfd. */
static void test_poll_alarm(struct ring *R, int efd)
{
    int p[2];
    if (pipe(p) < 0)
        return;
    wfd = p[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    get_sqe(R, OP_POLL_ADD, p[0], 5)->op_flags = POLLIN;
    printf("alarm submit: %s\n", res_str(enter(R->fd, 1, 0, 0)));
    struct itimerval it = { { 0, 0 }, { 0, 50000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    wait_evfd(R, efd, 1, "poll alarm");
    reap(R, "poll alarm");
    signal(SIGALRM, SIG_DFL);
    close(p[0]);
    close(p[1]);
}

/* No thread, no signal: POLL_ADD on a timerfd that expires later. */
static void test_poll_timerfd(struct ring *R, int efd)
{
    int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = { { 0, 0 }, { 0, 50000000 } };
    timerfd_settime(tfd, 0, &its, NULL);
    get_sqe(R, OP_POLL_ADD, tfd, 6)->op_flags = POLLIN;
    printf("timerfd submit: %s\n", res_str(enter(R->fd, 1, 0, 0)));
    wait_evfd(R, efd, 1, "poll timerfd");
    reap(R, "poll timerfd");
    close(tfd);
}

static void test_timeout(struct ring *R, int efd)
{
    static struct kts ts = { 0, 50000000 };
    struct sqe *e = get_sqe(R, OP_TIMEOUT, -1, 7);
    e->addr = (uintptr_t)&ts;
    e->len = 1;
    printf("timeout submit: %s\n", res_str(enter(R->fd, 1, 0, 0)));
    wait_evfd(R, efd, 1, "timeout");
    reap(R, "timeout");
    /* the NOP behind an expired timeout is cancelled by the worker */
    e = get_sqe(R, OP_TIMEOUT, -1, 8);
    e->addr = (uintptr_t)&ts;
    e->len = 1;
    e->flags = SQE_IO_LINK;
    get_sqe(R, OP_NOP, -1, 9);
    printf("timeout link submit: %s\n", res_str(enter(R->fd, 2, 0, 0)));
    wait_evfd(R, efd, 2, "timeout link");
    reap(R, "timeout link");
}

/* Wait in epoll_wait, then poll(), on the ring fd alone. */
static void test_ring_pollable(struct ring *R)
{
    int p[2];
    if (pipe(p) < 0)
        return;
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 77 }, out[2];
    printf("epoll add ring: %d\n", epoll_ctl(ep, EPOLL_CTL_ADD, R->fd, &ev));
    get_sqe(R, OP_POLL_ADD, p[0], 10)->op_flags = POLLIN;
    printf("epoll submit: %s\n", res_str(enter(R->fd, 1, 0, 0)));
    printf("epoll empty: %d\n", epoll_wait(ep, out, 2, 0));
    pthread_t t = start_writer(p[1], "y");
    /* Linux may end the wait early with EINTR when the completion runs as
     * task work of this thread (the notification interrupts sleeps): retry */
    int n;
    do
        n = epoll_wait(ep, out, 2, 10000);
    while (n < 0 && errno == EINTR);
    printf("epoll wait: %d events=%#x data=%llu\n", n, n > 0 ? out[0].events : 0,
           n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);
    reap(R, "epoll");
    pthread_join(t, NULL);
    char c;
    if (read(p[0], &c, 1) != 1)
        printf("drain failed\n");
    get_sqe(R, OP_POLL_ADD, p[0], 11)->op_flags = POLLIN;
    printf("poll() submit: %s\n", res_str(enter(R->fd, 1, 0, 0)));
    struct pollfd pf = { R->fd, POLLIN, 0 };
    printf("poll() empty: %d\n", poll(&pf, 1, 0));
    t = start_writer(p[1], "z");
    do
        n = poll(&pf, 1, 10000);
    while (n < 0 && errno == EINTR);
    printf("poll() wait: %d revents=%#x\n", n, pf.revents);
    reap(R, "poll()");
    pthread_join(t, NULL);
    close(ep);
    close(p[0]);
    close(p[1]);
}

/* io_uring_enter GETEVENTS sleeping until a thread's write completes a read. */
static void test_getevents(struct ring *R)
{
    int p[2];
    char buf[8] = "";
    if (pipe(p) < 0)
        return;
    struct sqe *e = get_sqe(R, OP_READ, p[0], 12);
    e->addr = (uintptr_t)buf;
    e->len = sizeof(buf) - 1;
    pthread_t t = start_writer(p[1], "wait");
    printf("getevents: %s\n", res_str(enter(R->fd, 1, 1, ENTER_GETEVENTS)));
    reap(R, "getevents");
    printf("getevents data: %s\n", buf);
    pthread_join(t, NULL);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    struct ring R;
    setvbuf(stdout, NULL, _IONBF, 0);
    if (ring_init(&R) < 0)
        return 1;
    int efd = eventfd(0, 0);
    printf("register eventfd: %s\n", res_str(reg(R.fd, REG_EVENTFD, &efd, 1)));
    test_poll_thread(&R, efd);
    test_read_thread(&R, efd);
    test_link_thread(&R, efd);
    test_poll_alarm(&R, efd);
    test_poll_timerfd(&R, efd);
    test_timeout(&R, efd);
    printf("unregister eventfd: %s\n", res_str(reg(R.fd, UNREG_EVENTFD, NULL, 0)));
    test_ring_pollable(&R);
    test_getevents(&R);
    close(efd);
    close(R.fd);
    return 0;
}
