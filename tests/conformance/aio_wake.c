// covers: io_setup io_destroy io_submit io_getevents
/*
 * aio_wake.c - Linux AIO polls (IOCB_CMD_POLL) that are not ready at
 * io_submit complete on their own: their event reaches the ring and their
 * IOCB_FLAG_RESFD eventfd is signalled while the program blocks in read()
 * on that eventfd alone.  The wake-up comes from a second thread writing to
 * a pipe, from a timerfd expiring (no thread) and from a SIGALRM handler.
 * Also io_getevents' min_nr/timeout rules while polls complete later: it
 * waits for min_nr events, returns fewer when the timeout ends the wait, and
 * returns at once with what is there when min_nr is 0.
 */
#include "common.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>

/* <linux/aio_abi.h> (x86-64, little endian) */
typedef unsigned long aio_context_t;
#define IOCB_CMD_POLL 5
#define IOCB_FLAG_RESFD 1
struct io_event {
    uint64_t data, obj;
    int64_t res, res2;
};
struct iocb {
    uint64_t aio_data;
    uint32_t aio_key;
    int aio_rw_flags;
    uint16_t aio_lio_opcode;
    int16_t aio_reqprio;
    uint32_t aio_fildes;
    uint64_t aio_buf, aio_nbytes;
    int64_t aio_offset;
    uint64_t aio_reserved2;
    uint32_t aio_flags, aio_resfd;
};
struct ring {
    unsigned id, nr, head, tail, magic, compat, incompat, header_length;
    struct io_event events[];
};

static long submit(aio_context_t ctx, long n, struct iocb **v) { return syscall(SYS_io_submit, ctx, n, v); }
static long getevents(aio_context_t ctx, long min, long nr, struct io_event *ev, struct timespec *ts)
{
    return syscall(SYS_io_getevents, ctx, min, nr, ev, ts);
}

static struct timespec zero_ts;

/* A poll iocb for fd (events POLLIN), signalling efd if efd >= 0. */
static void prep_poll(struct iocb *cb, int fd, int efd, uint64_t data)
{
    memset(cb, 0, sizeof(*cb));
    cb->aio_lio_opcode = IOCB_CMD_POLL;
    cb->aio_fildes = (unsigned)fd;
    cb->aio_buf = POLLIN;
    cb->aio_data = data;
    if (efd >= 0) {
        cb->aio_flags = IOCB_FLAG_RESFD;
        cb->aio_resfd = (unsigned)efd;
    }
}

static void submit_one(const char *what, aio_context_t ctx, struct iocb *cb)
{
    struct iocb *v[1] = { cb };
    show(what, submit(ctx, 1, v));
}

/* Events in the mapped ring not yet consumed (libaio's user-space check). */
static unsigned ring_ready(aio_context_t ctx)
{
    struct ring *r = (struct ring *)ctx;
    unsigned tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    return (tail + r->nr - r->head) % r->nr;
}

/* Block in read() on efd; print what it counted and what the ring holds. */
static void wait_efd(const char *what, aio_context_t ctx, int efd)
{
    uint64_t v = 0;
    long k = read(efd, &v, 8);
    printf("%s: eventfd read %ld value %llu, ring %u\n", what, k, (unsigned long long)v,
           ring_ready(ctx));
}

/* Take events (min 0, none waited for) and print them. */
static void take(const char *what, aio_context_t ctx, const struct iocb *cb)
{
    struct io_event ev[4];
    long n = getevents(ctx, 0, 4, ev, &zero_ts);
    printf("%s: %ld", what, n);
    for (long i = 0; i < n; i++)
        printf(" [data %llu res %#llx own %d]", (unsigned long long)ev[i].data,
               (unsigned long long)ev[i].res, cb != NULL && ev[i].obj == (uintptr_t)cb);
    printf("\n");
}

static int wfd;

/* A second thread: sleep ms, then write one byte to wfd. */
static void *writer(void *arg)
{
    struct timespec ts = { 0, (long)(uintptr_t)arg * 1000000L };
    nanosleep(&ts, NULL);
    if (write(wfd, "x", 1) != 1)
        printf("writer: %s\n", errname(errno));
    return NULL;
}

static pthread_t start_writer(int fd, long ms)
{
    pthread_t t;
    wfd = fd;
    pthread_create(&t, NULL, writer, (void *)(uintptr_t)ms);
    return t;
}

static void on_alarm(int sig)
{
    (void)sig;
    if (write(wfd, "A", 1) != 1)
        _exit(3);
}

static void test_thread(aio_context_t ctx, int efd)
{
    int p[2];
    struct iocb cb;
    if (pipe(p) < 0)
        return;
    prep_poll(&cb, p[0], efd, 1);
    submit_one("thread poll submit", ctx, &cb);
    printf("thread poll before: ring %u\n", ring_ready(ctx));
    pthread_t t = start_writer(p[1], 50);
    wait_efd("thread poll", ctx, efd);
    take("thread poll events", ctx, &cb);
    pthread_join(t, NULL);
    close(p[0]);
    close(p[1]);
}

static void test_timerfd(aio_context_t ctx, int efd)
{
    struct iocb cb;
    int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = { { 0, 0 }, { 0, 50000000 } };
    timerfd_settime(tfd, 0, &its, NULL);
    prep_poll(&cb, tfd, efd, 2);
    submit_one("timerfd poll submit", ctx, &cb);
    wait_efd("timerfd poll", ctx, efd);
    take("timerfd poll events", ctx, &cb);
    close(tfd);
}

static void test_alarm(aio_context_t ctx, int efd)
{
    int p[2];
    struct iocb cb;
    if (pipe(p) < 0)
        return;
    wfd = p[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    prep_poll(&cb, p[0], efd, 3);
    submit_one("alarm poll submit", ctx, &cb);
    struct itimerval it = { { 0, 0 }, { 0, 50000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    wait_efd("alarm poll", ctx, efd);
    take("alarm poll events", ctx, &cb);
    signal(SIGALRM, SIG_DFL);
    close(p[0]);
    close(p[1]);
}

/* io_getevents' min_nr and timeout with polls completing later. */
static void test_min_nr(aio_context_t ctx)
{
    int p[2], q[2];
    struct iocb a, b;
    struct io_event ev[4];
    if (pipe(p) < 0 || pipe(q) < 0)
        return;
    prep_poll(&a, p[0], -1, 10);
    prep_poll(&b, q[0], -1, 11);
    submit_one("min_nr submit a", ctx, &a);
    submit_one("min_nr submit b", ctx, &b);
    /* one poll completes (a thread), the other never: min 2 ends by timeout */
    pthread_t t = start_writer(p[1], 30);
    struct timespec ts = { 0, 500000000 };
    long n = getevents(ctx, 2, 4, ev, &ts);
    show("min 2 one ready, timeout", n);
    if (n == 1)
        printf("min 2 event: data %llu res %#llx\n", (unsigned long long)ev[0].data,
               (unsigned long long)ev[0].res);
    pthread_join(t, NULL);
    show("min 0 nothing", getevents(ctx, 0, 4, ev, &zero_ts));
    /* min 1 without a timeout waits for the thread's write */
    t = start_writer(q[1], 50);
    n = getevents(ctx, 1, 4, ev, NULL);
    show("min 1 no timeout", n);
    if (n == 1)
        printf("min 1 event: data %llu res %#llx\n", (unsigned long long)ev[0].data,
               (unsigned long long)ev[0].res);
    pthread_join(t, NULL);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
}

int main(void)
{
    aio_context_t ctx = 0;
    setvbuf(stdout, NULL, _IONBF, 0);
    show("setup", syscall(SYS_io_setup, 16, &ctx));
    int efd = eventfd(0, 0);
    test_thread(ctx, efd);
    test_timerfd(ctx, efd);
    test_alarm(ctx, efd);
    test_min_nr(ctx);
    show("destroy", syscall(SYS_io_destroy, ctx));
    close(efd);
    return 0;
}
