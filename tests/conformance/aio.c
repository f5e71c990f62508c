// covers: io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents
/*
 * aio.c - Linux native AIO through raw syscalls and the kernel ABI structs
 * of <linux/aio_abi.h>, repeated here because musl-gcc has no kernel
 * headers (no libaio): io_setup's ring (magic, features,
 * header length, its id and its /proc/self/maps line), writes read back
 * from a file in the work directory, preadv/pwritev, fsync/fdsync,
 * eventfd notification (IOCB_FLAG_RESFD), completions taken straight from
 * the ring (head/tail) and through io_getevents, polls (ready at once,
 * pending, cancelled), timeouts, EINTR from a timer signal (with
 * io_pgetevents' temporary mask), partial submission and the error paths
 * of every call.
 */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>

/* <linux/aio_abi.h> (x86-64, little endian) */
typedef unsigned long aio_context_t;
enum {
    IOCB_CMD_PREAD = 0, IOCB_CMD_PWRITE = 1, IOCB_CMD_FSYNC = 2, IOCB_CMD_FDSYNC = 3,
    IOCB_CMD_POLL = 5, IOCB_CMD_NOOP = 6, IOCB_CMD_PREADV = 7, IOCB_CMD_PWRITEV = 8,
};
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

#define FILE_NAME "aio-test.dat"
#define KADDR ((void *)0xffff800000000000UL)     /* never a user address */

struct ring {
    unsigned id, nr, head, tail, magic, compat, incompat, header_length;
    struct io_event events[];
};

struct sigset_arg {
    const void *mask;
    size_t size;
};

static long setup(unsigned n, aio_context_t *ctx) { return syscall(SYS_io_setup, n, ctx); }
static long destroy(aio_context_t ctx) { return syscall(SYS_io_destroy, ctx); }
static long submit(aio_context_t ctx, long n, struct iocb **v) { return syscall(SYS_io_submit, ctx, n, v); }
static long getevents(aio_context_t ctx, long min, long nr, struct io_event *ev, struct timespec *ts)
{
    return syscall(SYS_io_getevents, ctx, min, nr, ev, ts);
}
static long cancel(aio_context_t ctx, struct iocb *cb, struct io_event *ev)
{
    return syscall(SYS_io_cancel, ctx, cb, ev);
}

static struct timespec zero_ts;

static void prep(struct iocb *cb, int op, int fd, void *buf, size_t n, long long off, unsigned long data)
{
    memset(cb, 0, sizeof(*cb));
    cb->aio_lio_opcode = (unsigned short)op;
    cb->aio_fildes = (unsigned)fd;
    cb->aio_buf = (unsigned long)buf;
    cb->aio_nbytes = n;
    cb->aio_offset = off;
    cb->aio_data = data;
}

static long submit1(aio_context_t ctx, struct iocb *cb)
{
    struct iocb *v[1] = { cb };
    return submit(ctx, 1, v);
}

/* Submit one iocb and show the error (or count). */
static void submit_show(const char *what, aio_context_t ctx, struct iocb *cb)
{
    show(what, submit1(ctx, cb));
}

/* Take exactly one event (waiting for it) and print it. */
static void take_one(const char *what, aio_context_t ctx, struct iocb *cb)
{
    struct io_event ev;
    struct timespec ts = { 5, 0 };
    long r = getevents(ctx, 1, 1, &ev, &ts);
    if (r != 1) {
        show(what, r);
        return;
    }
    printf("%s: data %#llx obj-is-iocb %d res %lld res2 %lld\n", what, (unsigned long long)ev.data,
           ev.obj == (uint64_t)(uintptr_t)cb, (long long)ev.res, (long long)ev.res2);
}

/* Whether /proc/self/maps has a line starting at addr naming [aio]. */
static int maps_has_aio(unsigned long addr)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned long start = strtoul(line, NULL, 16);
        if (start == addr && strstr(line, "[aio]") != NULL)
            found = 1;
    }
    fclose(f);
    return found;
}

static void test_setup_errors(void)
{
    aio_context_t ctx = 5;
    show("setup ctx not zero", setup(4, &ctx));
    ctx = 0;
    show("setup nr 0", setup(0, &ctx));
    show("setup nr above aio-max-nr", setup(65537, &ctx));
    show("setup nr overflows", setup(0xffffffffU, &ctx));
    show("setup bad ctxp", setup(4, (aio_context_t *)KADDR));
    show("setup unmapped ctxp", setup(4, (aio_context_t *)8));
    show("destroy 0", destroy(0));
    show("destroy not a ring", destroy((aio_context_t)(uintptr_t)&ctx));
}

static void test_ring(aio_context_t ctx)
{
    struct ring *r = (struct ring *)ctx;
    printf("ring magic %#x compat %u incompat %u header %u id %u head %u tail %u\n", r->magic,
           r->compat, r->incompat, r->header_length, r->id, r->head, r->tail);
    fact("ring nr >= 8", r->nr >= 8);
    fact("ring is page aligned", (ctx & 4095) == 0);
    fact("maps shows [aio]", maps_has_aio(ctx) == 1);
}

/* Write, read back, vectors, syncs, eventfd, the ring by hand. */
static void test_io(aio_context_t ctx, int fd)
{
    static char text[] = "hello aio world";
    char buf[64];
    struct iocb cb, cb2, *v[4];
    struct io_event ev[4];

    prep(&cb, IOCB_CMD_PWRITE, fd, text, 15, 0, 0x1234);
    cb.aio_key = 77;
    submit_show("pwrite submit", ctx, &cb);
    printf("aio_key after submit: %u\n", cb.aio_key);
    take_one("pwrite event", ctx, &cb);

    memset(buf, 0, sizeof(buf));
    prep(&cb, IOCB_CMD_PREAD, fd, buf, sizeof(buf), 6, 0x5678);
    submit_show("pread submit", ctx, &cb);
    take_one("pread event", ctx, &cb);
    printf("pread data: %s\n", buf);

    memset(buf, 0, sizeof(buf));
    prep(&cb, IOCB_CMD_PREAD, fd, buf, 4, 100, 1);
    submit_show("pread past eof submit", ctx, &cb);
    take_one("pread past eof event", ctx, &cb);

    /* pwritev then preadv, both in one io_submit */
    static char a[] = "abc", b[] = "defgh";
    struct iovec wv[2] = { { a, 3 }, { b, 5 } };
    char r1[2], r2[4], r3[8];
    memset(r3, 0, sizeof(r3));
    struct iovec rv[3] = { { r1, 2 }, { r2, 4 }, { r3, 8 } };
    prep(&cb, IOCB_CMD_PWRITEV, fd, wv, 2, 20, 2);
    prep(&cb2, IOCB_CMD_PREADV, fd, rv, 3, 20, 3);
    v[0] = &cb;
    v[1] = &cb2;
    show("pwritev+preadv submit", submit(ctx, 2, v));
    long n = getevents(ctx, 2, 4, ev, NULL);
    show("pwritev+preadv events", n);
    for (long i = 0; i < n; i++)
        printf("  event %ld: data %llu res %lld\n", i, (unsigned long long)ev[i].data, (long long)ev[i].res);
    printf("preadv data: %.2s|%.4s|%.2s\n", r1, r2, r3);

    prep(&cb, IOCB_CMD_FSYNC, fd, NULL, 0, 0, 4);
    submit_show("fsync submit", ctx, &cb);
    take_one("fsync event", ctx, &cb);
    prep(&cb, IOCB_CMD_FDSYNC, fd, NULL, 0, 0, 5);
    submit_show("fdsync submit", ctx, &cb);
    take_one("fdsync event", ctx, &cb);

    /* eventfd notification, then the events straight from the ring */
    int efd = eventfd(0, 0);
    struct ring *r = (struct ring *)ctx;
    unsigned head = r->head;
    fact("ring empty before", r->head == r->tail);
    prep(&cb, IOCB_CMD_PWRITE, fd, "XY", 2, 0, 6);
    cb.aio_flags = IOCB_FLAG_RESFD;
    cb.aio_resfd = (unsigned)efd;
    memset(buf, 0, sizeof(buf));
    prep(&cb2, IOCB_CMD_PREAD, fd, buf, 5, 0, 7);
    cb2.aio_flags = IOCB_FLAG_RESFD;
    cb2.aio_resfd = (unsigned)efd;
    v[0] = &cb;
    v[1] = &cb2;
    show("resfd submit", submit(ctx, 2, v));
    uint64_t count = 0;
    show("eventfd read", read(efd, &count, 8));
    printf("eventfd count: %llu\n", (unsigned long long)count);
    unsigned avail = (r->tail + r->nr - head) % r->nr;
    printf("ring events: %u\n", avail);
    for (unsigned i = 0; i < avail; i++) {
        struct io_event *e = &r->events[(head + i) % r->nr];
        printf("  ring event %u: data %llu res %lld obj-ok %d\n", i, (unsigned long long)e->data,
               (long long)e->res, e->obj == (uint64_t)(uintptr_t)(i == 0 ? &cb : &cb2));
    }
    printf("resfd read data: %s\n", buf);
    r->head = (head + avail) % r->nr;
    show("getevents after ring consumed", getevents(ctx, 0, 4, ev, &zero_ts));
    fact("ring empty after", r->head == r->tail);
    close(efd);
}

static void test_submit_errors(aio_context_t ctx, int fd)
{
    struct iocb cb, cb2, *v[2];
    struct io_event ev[4];
    char buf[16];
    int p[2];

    prep(&cb, IOCB_CMD_PREAD, fd, buf, sizeof(buf), 0, 0);
    v[0] = &cb;
    show("submit nr -1", submit(ctx, -1, v));
    show("submit nr 0", submit(ctx, 0, v));
    show("submit ctx 0", submit(0, 1, v));
    show("submit bad ctx", submit((aio_context_t)(uintptr_t)buf, 1, v));
    show("submit nr -1 bad ctx", submit(0, -1, v));
    show("submit bad array", submit(ctx, 1, (struct iocb **)KADDR));
    v[0] = (struct iocb *)KADDR;
    show("submit bad iocb", submit(ctx, 1, v));

    prep(&cb, IOCB_CMD_PREAD, fd, buf, sizeof(buf), 0, 0);
    cb.aio_reserved2 = 1;
    submit_show("reserved2 set", ctx, &cb);
    prep(&cb, IOCB_CMD_PREAD, 999, buf, sizeof(buf), 0, 0);
    submit_show("bad fd", ctx, &cb);
    prep(&cb, IOCB_CMD_NOOP, fd, buf, sizeof(buf), 0, 0);
    submit_show("noop", ctx, &cb);
    prep(&cb, 4, fd, buf, sizeof(buf), 0, 0);
    submit_show("opcode 4", ctx, &cb);
    prep(&cb, 99, fd, buf, sizeof(buf), 0, 0);
    submit_show("opcode 99", ctx, &cb);
    prep(&cb, IOCB_CMD_PREAD, fd, buf, sizeof(buf), -1, 0);
    submit_show("negative offset", ctx, &cb);
    prep(&cb, IOCB_CMD_PREAD, fd, buf, (size_t)-1, 0, 0);
    submit_show("negative nbytes", ctx, &cb);
    prep(&cb, IOCB_CMD_PREAD, fd, buf, sizeof(buf), 0, 0);
    cb.aio_rw_flags = 0x40000000;
    submit_show("unknown rw flag", ctx, &cb);
    prep(&cb, IOCB_CMD_PREAD, fd, KADDR, sizeof(buf), 0, 0);
    submit_show("kernel buffer", ctx, &cb);
    prep(&cb, IOCB_CMD_PREAD, fd, buf, sizeof(buf), 0, 0);
    cb.aio_flags = IOCB_FLAG_RESFD;
    cb.aio_resfd = (unsigned)fd;
    submit_show("resfd not an eventfd", ctx, &cb);
    cb.aio_resfd = 999;
    submit_show("resfd bad fd", ctx, &cb);
    prep(&cb, IOCB_CMD_FSYNC, fd, NULL, 4, 0, 0);
    submit_show("fsync with nbytes", ctx, &cb);
    prep(&cb, IOCB_CMD_PREADV, fd, buf, 1025, 0, 0);
    submit_show("preadv 1025 vectors", ctx, &cb);
    prep(&cb, IOCB_CMD_PREADV, fd, KADDR, 1, 0, 0);
    submit_show("preadv bad vector", ctx, &cb);
    struct iovec iv[2] = { { KADDR, 4 }, { buf, (size_t)-1 } };
    prep(&cb, IOCB_CMD_PREADV, fd, iv, 2, 0, 0);
    submit_show("preadv negative length beats bad base", ctx, &cb);

    int ro = open(FILE_NAME, O_RDONLY), wo = open(FILE_NAME, O_WRONLY);
    prep(&cb, IOCB_CMD_PWRITE, ro, "x", 1, 0, 0);
    submit_show("pwrite on read-only fd", ctx, &cb);
    prep(&cb, IOCB_CMD_PREAD, wo, buf, 4, 0, 0);
    submit_show("pread on write-only fd", ctx, &cb);
    close(ro);
    close(wo);
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    prep(&cb, IOCB_CMD_PREAD, dir, buf, 4, 0, 0);
    submit_show("pread on directory", ctx, &cb);
    close(dir);

    /* A buffer in user space that is not mapped: accepted, the event says EFAULT. */
    void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    prep(&cb, IOCB_CMD_PREAD, fd, hole, 8, 0, 9);
    submit_show("pread into PROT_NONE submit", ctx, &cb);
    long n = getevents(ctx, 1, 1, ev, NULL);
    printf("pread into PROT_NONE event: n %ld res %s\n", n, ev[0].res < 0 ? errname((int)-ev[0].res) : "ok");
    munmap(hole, 4096);

    /* pipes: reads and writes go through, fsync does not exist */
    if (pipe(p) < 0)
        return;
    prep(&cb, IOCB_CMD_PWRITE, p[1], "pipe!", 5, 0, 10);
    submit_show("pipe write submit", ctx, &cb);
    take_one("pipe write event", ctx, &cb);
    memset(buf, 0, sizeof(buf));
    prep(&cb, IOCB_CMD_PREAD, p[0], buf, sizeof(buf), 0, 11);
    submit_show("pipe read submit", ctx, &cb);
    take_one("pipe read event", ctx, &cb);
    printf("pipe data: %s\n", buf);
    prep(&cb, IOCB_CMD_FSYNC, p[0], NULL, 0, 0, 0);
    submit_show("fsync on pipe", ctx, &cb);
    close(p[0]);
    close(p[1]);

    /* partial submission: the first goes, the second fails: count 1 */
    prep(&cb, IOCB_CMD_PREAD, fd, buf, 4, 0, 12);
    prep(&cb2, IOCB_CMD_PREAD, 999, buf, 4, 0, 13);
    v[0] = &cb;
    v[1] = &cb2;
    show("partial submit", submit(ctx, 2, v));
    show("partial events", getevents(ctx, 0, 4, ev, &zero_ts));
    printf("partial event data: %llu\n", (unsigned long long)ev[0].data);
}

static void test_poll(aio_context_t ctx, int fd)
{
    struct iocb cb;
    struct io_event ev[2];
    int p[2];
    if (pipe(p) < 0)
        return;

    prep(&cb, IOCB_CMD_POLL, fd, NULL, 0, 0, 20);
    cb.aio_buf = POLLIN | POLLOUT;
    submit_show("poll regular file submit", ctx, &cb);
    take_one("poll regular file event", ctx, &cb);

    prep(&cb, IOCB_CMD_POLL, p[0], NULL, 0, 0, 21);
    cb.aio_buf = 0x10000;
    submit_show("poll events above 16 bits", ctx, &cb);
    cb.aio_buf = POLLIN;
    cb.aio_nbytes = 1;
    submit_show("poll with nbytes", ctx, &cb);

    cb.aio_nbytes = 0;
    submit_show("poll empty pipe submit", ctx, &cb);
    show("poll pending getevents", getevents(ctx, 0, 2, ev, &zero_ts));
    show("cancel pending poll", cancel(ctx, &cb, ev));
    take_one("cancelled poll event", ctx, &cb);
    show("cancel it again", cancel(ctx, &cb, ev));

    prep(&cb, IOCB_CMD_POLL, p[0], NULL, 0, 0, 22);
    cb.aio_buf = POLLIN;
    submit_show("poll pipe submit", ctx, &cb);
    if (write(p[1], "z", 1) != 1)
        return;
    struct timespec ts = { 5, 0 };
    long n = getevents(ctx, 1, 2, ev, &ts);
    show("poll pipe events", n);
    if (n == 1)
        printf("poll pipe event: data %llu res %#llx\n", (unsigned long long)ev[0].data,
               (unsigned long long)ev[0].res);
    show("cancel completed poll", cancel(ctx, &cb, ev));
    cb.aio_key = 5;
    show("cancel bad key", cancel(ctx, &cb, ev));
    cb.aio_key = 0;
    show("cancel bad ctx", cancel(0, &cb, ev));
    show("cancel bad iocb", cancel(ctx, (struct iocb *)KADDR, ev));
    close(p[0]);
    close(p[1]);
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static void arm_timer(void)
{
    struct itimerval v = { { 0, 0 }, { 0, 30000 } };
    setitimer(ITIMER_REAL, &v, NULL);
}

/* Repeating: on a loaded host the first expiry may come before the call
 * blocks; a later one still interrupts it.  disarm() after the call. */
static void arm_repeat(void)
{
    struct itimerval v = { { 0, 30000 }, { 0, 30000 } };
    setitimer(ITIMER_REAL, &v, NULL);
}

static void disarm(void)
{
    struct itimerval v = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &v, NULL);
}

static void test_getevents(aio_context_t ctx, int fd)
{
    struct io_event ev[4];
    struct iocb cb;
    char buf[8];
    struct timespec ts = { 0, 20000000 };

    show("getevents timeout 0 nothing", getevents(ctx, 0, 4, ev, &zero_ts));
    show("getevents min 1 timeout 0 nothing", getevents(ctx, 1, 4, ev, &zero_ts));
    show("getevents 20ms nothing", getevents(ctx, 1, 4, ev, &ts));
    show("getevents min > nr", getevents(ctx, 3, 2, ev, &zero_ts));
    show("getevents min < 0", getevents(ctx, -1, 2, ev, &zero_ts));
    show("getevents bad ctx", getevents(0, 0, 2, ev, &zero_ts));
    show("getevents bad timeout", getevents(ctx, 0, 2, ev, (struct timespec *)KADDR));

    prep(&cb, IOCB_CMD_PREAD, fd, buf, 4, 0, 30);
    submit_show("submit for bad events buffer", ctx, &cb);
    show("getevents bad events", getevents(ctx, 1, 2, (struct io_event *)KADDR, &zero_ts));
    show("getevents after fault", getevents(ctx, 1, 2, ev, &zero_ts));
    printf("kept event data: %llu res %lld\n", (unsigned long long)ev[0].data, (long long)ev[0].res);

    /* a handled signal ends a wait with EINTR (never restarted) */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    alarms = 0;
    arm_repeat();
    show("getevents interrupted", getevents(ctx, 1, 2, ev, NULL));
    disarm();
    fact("handler ran", alarms >= 1);

    /* io_pgetevents: the mask, its size, and the temporary unblocking */
    uint64_t mask = 0;
    struct sigset_arg sig = { &mask, 8 };
    show("pgetevents timeout 0", syscall(SYS_io_pgetevents, ctx, 0L, 4L, ev, &zero_ts, &sig));
    sig.size = 4;
    show("pgetevents bad sigsetsize", syscall(SYS_io_pgetevents, ctx, 0L, 4L, ev, &zero_ts, &sig));
    show("pgetevents bad sigset arg", syscall(SYS_io_pgetevents, ctx, 0L, 4L, ev, &zero_ts, KADDR));
    sig.size = 8;
    sig.mask = KADDR;
    show("pgetevents bad mask", syscall(SYS_io_pgetevents, ctx, 0L, 4L, ev, &zero_ts, &sig));
    show("pgetevents no sigset", syscall(SYS_io_pgetevents, ctx, 0L, 4L, ev, &zero_ts, NULL));
    show("pgetevents bad ctx", syscall(SYS_io_pgetevents, 0UL, 0L, 4L, ev, &zero_ts, NULL));

    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, &old);
    sig.mask = &mask;
    alarms = 0;
    arm_timer();
    show("pgetevents unblocked alarm", syscall(SYS_io_pgetevents, ctx, 1L, 2L, ev, NULL, &sig));
    printf("alarms: %d\n", alarms);
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    fact("mask restored after handler", sigismember(&now, SIGALRM) == 1);

    prep(&cb, IOCB_CMD_PREAD, fd, buf, 4, 0, 31);
    submit_show("submit for pgetevents", ctx, &cb);
    show("pgetevents with event", syscall(SYS_io_pgetevents, ctx, 1L, 4L, ev, &zero_ts, &sig));
    printf("pgetevents event data: %llu\n", (unsigned long long)ev[0].data);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static void test_ids(void)
{
    aio_context_t a = 0, b = 0, c = 0;
    show_ok("setup a", setup(1, &a));
    show_ok("setup b", setup(1, &b));
    printf("ids: a %u b %u\n", ((struct ring *)a)->id, ((struct ring *)b)->id);
    show("destroy a", destroy(a));
    show_ok("setup c", setup(1, &c));
    printf("id of c: %u\n", ((struct ring *)c)->id);
    show("destroy b", destroy(b));
    show("destroy c", destroy(c));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_setup_errors();
    aio_context_t ctx = 0;
    show("setup", setup(8, &ctx));
    if (ctx == 0)
        return 1;
    test_ring(ctx);
    int fd = open(FILE_NAME, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return 1;
    test_io(ctx, fd);
    test_submit_errors(ctx, fd);
    test_poll(ctx, fd);
    test_getevents(ctx, fd);
    close(fd);
    unlink(FILE_NAME);

    show("destroy", destroy(ctx));
    show("destroy again", destroy(ctx));
    struct iocb cb, *v[1] = { &cb };
    show("submit after destroy", submit(ctx, 1, v));
    fact("maps shows [aio] after destroy", maps_has_aio(ctx) == 1);
    test_ids();
    return 0;
}
