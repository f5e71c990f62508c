// covers: splice tee vmsplice
/*
 * splice.c - splice, tee and vmsplice: pipe to file and file to pipe with
 * and without offsets (the user offset moves, the file's does not), pipe to
 * pipe, tee leaving its input in place, vmsplice both ways, AF_UNIX stream
 * sockets on either side, EOF and nonblocking EAGAIN, blocking until a
 * writer comes, EINTR and SA_RESTART, SIGPIPE, and the error paths in
 * Linux's order.  Only counts, data and errno names are printed.
 */
#include "common.h"
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#define F_NONBLOCK 2                   /* SPLICE_F_NONBLOCK */
#define F_MORE 4
#define F_MOVE 1

static long sp(int in, loff_t *oin, int out, loff_t *oout, size_t len, unsigned fl)
{
    return syscall(SYS_splice, in, oin, out, oout, len, fl);
}

static long tee_(int in, int out, size_t len, unsigned fl)
{
    return syscall(SYS_tee, in, out, len, fl);
}

static long vms(int fd, const struct iovec *iov, unsigned long n, unsigned fl)
{
    return syscall(SYS_vmsplice, fd, iov, n, fl);
}

/* Bytes waiting in a pipe or socket. */
static int pending(int fd)
{
    int n = -1;
    ioctl(fd, FIONREAD, &n);
    return n;
}

/* Read what is there (up to cap-1 bytes) and print it. */
static void drain(const char *what, int fd, size_t cap)
{
    char buf[256] = { 0 };
    long n = read(fd, buf, cap < sizeof(buf) ? cap : sizeof(buf) - 1);
    if (n < 0)
        printf("%s: -1 %s\n", what, errname(errno));
    else
        printf("%s: %ld \"%.*s\"\n", what, n, (int)n, buf);
}

static void mkpipe(int p[2], int flags)
{
    if (pipe2(p, flags) != 0)
        exit(1);
}

static int tmpfile_(const char *content)
{
    char path[] = "/tmp/splice-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        exit(1);
    unlink(path);
    if (content != NULL && write(fd, content, strlen(content)) != (long)strlen(content))
        exit(1);
    return fd;
}

static long fpos(int fd)
{
    return lseek(fd, 0, SEEK_CUR);
}

static void show_file(const char *what, int fd)
{
    char buf[64] = { 0 };
    long n = pread(fd, buf, sizeof(buf) - 1, 0);
    printf("%s: \"%.*s\"\n", what, n > 0 ? (int)n : 0, buf);
}

static void pipe_to_file(void)
{
    int p[2];
    mkpipe(p, 0);
    int fd = tmpfile_(NULL);
    loff_t off = 5;
    write(p[1], "hello world", 11);
    show("p->f off 5 len 5", sp(p[0], NULL, fd, &off, 5, F_MOVE));
    printf("off after: %lld, file pos %ld, left %d\n", (long long)off, fpos(fd), pending(p[0]));
    show("p->f no off len 100", sp(p[0], NULL, fd, NULL, 100, F_MORE));
    printf("file pos %ld, left %d\n", fpos(fd), pending(p[0]));
    show_file("file", fd);
    show("p->f empty NONBLOCK flag", sp(p[0], NULL, fd, NULL, 10, F_NONBLOCK));
    close(p[1]);
    show("p->f EOF", sp(p[0], NULL, fd, NULL, 10, 0));
    close(p[0]);
    mkpipe(p, O_NONBLOCK);
    show("p->f empty O_NONBLOCK pipe", sp(p[0], NULL, fd, NULL, 10, 0));
    write(p[1], "zz", 2);
    off = -1;
    show("p->f negative off", sp(p[0], NULL, fd, &off, 2, 0));
    off = 0;
    show("p->f huge len", sp(p[0], NULL, fd, &off, (size_t)1 << 63, 0));
    show("p->f len 0", sp(p[0], NULL, fd, NULL, 0, 0));
    int ap = open("/tmp", O_TMPFILE | O_RDWR | O_APPEND, 0600);
    if (ap < 0)
        ap = tmpfile_(NULL), fcntl(ap, F_SETFL, O_APPEND);
    show("p->f O_APPEND", sp(p[0], NULL, ap, NULL, 2, 0));
    show("p->f O_APPEND with off", sp(p[0], NULL, ap, &off, 2, 0));
    int ev = eventfd(0, 0);
    show("p->eventfd", sp(p[0], NULL, ev, NULL, 2, 0));
    printf("left %d\n", pending(p[0]));
    close(ev);
    close(ap);
    close(p[0]);
    close(p[1]);
    close(fd);
}

static void file_to_pipe(void)
{
    int p[2];
    mkpipe(p, 0);
    int fd = tmpfile_("0123456789");
    lseek(fd, 1, SEEK_SET);
    loff_t off = 3;
    show("f->p off 3 len 4", sp(fd, &off, p[1], NULL, 4, 0));
    printf("off after: %lld, file pos %ld\n", (long long)off, fpos(fd));
    drain("pipe", p[0], 100);
    lseek(fd, 8, SEEK_SET);
    show("f->p no off len 100", sp(fd, NULL, p[1], NULL, 100, 0));
    printf("file pos %ld\n", fpos(fd));
    drain("pipe", p[0], 100);
    show("f->p at EOF", sp(fd, NULL, p[1], NULL, 100, 0));
    off = 50;
    show("f->p off past EOF", sp(fd, &off, p[1], NULL, 100, 0));
    printf("off after: %lld\n", (long long)off);
    off = -1;
    show("f->p negative off", sp(fd, &off, p[1], NULL, 4, 0));
    show("f->p huge len", sp(fd, NULL, p[1], NULL, (size_t)1 << 63, 0));
    int d = open(".", O_RDONLY | O_DIRECTORY);
    show("dir->p", sp(d, NULL, p[1], NULL, 4, 0));
    close(d);
    int ev = eventfd(1, 0);
    show("eventfd->p", sp(ev, NULL, p[1], NULL, 8, 0));
    close(ev);
    /* fill the pipe: file->pipe waits for room, nonblocking EAGAIN */
    int big = tmpfile_(NULL);
    static char chunk[100000];
    memset(chunk, 'q', sizeof(chunk));
    write(big, chunk, sizeof(chunk));
    off = 0;
    show("f->p 200000 into empty pipe", sp(big, &off, p[1], NULL, 200000, 0));
    printf("off after: %lld, pending %d\n", (long long)off, pending(p[0]));
    show("f->p full NONBLOCK flag", sp(big, &off, p[1], NULL, 10, F_NONBLOCK));
    int fd2 = tmpfile_(NULL);
    loff_t o2 = 0;
    show("p->f 65536", sp(p[0], NULL, fd2, &o2, 1 << 20, 0));
    printf("o2 %lld, size %ld\n", (long long)o2, lseek(fd2, 0, SEEK_END));
    close(fd2);
    close(big);
    close(p[0]);
    show("f->p no reader", sp(fd, NULL, p[1], NULL, 4, 0));
    close(p[1]);
    close(fd);
}

static void pipe_to_pipe(void)
{
    int a[2], b[2];
    mkpipe(a, 0);
    mkpipe(b, 0);
    write(a[1], "0123456789", 10);
    show("a->b 4", sp(a[0], NULL, b[1], NULL, 4, 0));
    printf("a %d b %d\n", pending(a[0]), pending(b[0]));
    show("a->b 100", sp(a[0], NULL, b[1], NULL, 100, F_MOVE));
    drain("b", b[0], 100);
    show("a->b empty NONBLOCK", sp(a[0], NULL, b[1], NULL, 100, F_NONBLOCK));
    fcntl(b[1], F_SETFL, O_NONBLOCK);
    show("a->b empty, out O_NONBLOCK", sp(a[0], NULL, b[1], NULL, 100, 0));
    fcntl(b[1], F_SETFL, 0);
    show("same pipe", sp(a[0], NULL, a[1], NULL, 1, 0));
    loff_t off = 0;
    show("off_in on pipe", sp(a[0], &off, b[1], NULL, 1, 0));
    show("off_out on pipe", sp(a[0], NULL, b[1], &off, 1, 0));
    show("bad off pointer on pipe", sp(a[0], (loff_t *)1, b[1], NULL, 1, 0));
    show("in is a write end", sp(a[1], NULL, b[1], NULL, 1, 0));
    show("out is a read end", sp(a[0], NULL, b[0], NULL, 1, 0));
    /* fill b, then nonblocking splice into it */
    static char chunk[65536];
    fcntl(b[1], F_SETFL, O_NONBLOCK);
    long w = write(b[1], chunk, sizeof(chunk));
    fcntl(b[1], F_SETFL, 0);
    printf("filled b: %ld\n", w);
    write(a[1], "x", 1);
    show("a->full b NONBLOCK", sp(a[0], NULL, b[1], NULL, 1, F_NONBLOCK));
    close(b[0]);
    show("a->b no reader", sp(a[0], NULL, b[1], NULL, 1, 0));
    close(a[1]);
    read(a[0], chunk, 1);
    show("EOF a -> b no reader", sp(a[0], NULL, b[1], NULL, 1, 0));
    close(b[1]);
    mkpipe(b, 0);
    show("EOF a -> b", sp(a[0], NULL, b[1], NULL, 1, 0));
    close(a[0]);
    close(b[0]);
    close(b[1]);
}

static void tee_cases(void)
{
    int a[2], b[2], c[2];
    mkpipe(a, 0);
    mkpipe(b, 0);
    mkpipe(c, 0);
    write(a[1], "abcdef", 6);
    show("tee 4", tee_(a[0], b[1], 4, 0));
    printf("a %d b %d\n", pending(a[0]), pending(b[0]));
    show("tee 100", tee_(a[0], c[1], 100, F_MOVE));
    drain("b", b[0], 100);
    drain("c", c[0], 100);
    drain("a", a[0], 3);
    show("tee then splice", sp(a[0], NULL, b[1], NULL, 100, 0));
    drain("b", b[0], 100);
    show("tee empty NONBLOCK", tee_(a[0], b[1], 1, F_NONBLOCK));
    fcntl(a[0], F_SETFL, O_NONBLOCK);
    show("tee empty, in O_NONBLOCK", tee_(a[0], b[1], 1, 0));
    fcntl(a[0], F_SETFL, 0);
    show("tee same pipe", tee_(a[0], a[1], 1, 0));
    int fd = tmpfile_("file");
    show("tee file->pipe", tee_(fd, b[1], 1, 0));
    show("tee pipe->file", tee_(a[0], fd, 1, 0));
    show("tee bad flags", tee_(a[0], b[1], 1, 0x10));
    show("tee bad flags bad fd", tee_(-1, b[1], 1, 0x10));
    show("tee len 0 bad fd", tee_(-1, -1, 0, 0));
    show("tee bad in", tee_(-1, b[1], 1, 0));
    show("tee bad out", tee_(a[0], 99, 1, 0));
    show("tee in is a write end", tee_(a[1], b[1], 1, 0));
    show("tee out is a read end", tee_(a[0], b[0], 1, 0));
    show("tee file both wrong mode", tee_(b[1], fd, 1, 0));
    write(a[1], "q", 1);
    close(b[0]);
    show("tee no reader", tee_(a[0], b[1], 1, 0));
    close(a[1]);
    read(a[0], b, 1);
    close(b[1]);
    mkpipe(b, 0);
    show("tee EOF", tee_(a[0], b[1], 1, 0));
    close(fd);
    close(a[0]);
    close(b[0]);
    close(b[1]);
    close(c[0]);
    close(c[1]);
}

static void vmsplice_cases(void)
{
    int p[2];
    char x[4] = "xyz", y[8] = { 0 };
    mkpipe(p, 0);
    struct iovec two[2] = { { "foo", 3 }, { "barbaz", 3 } };
    show("vmsplice write 2 segs", vms(p[1], two, 2, 0));
    drain("pipe", p[0], 100);
    write(p[1], "12345", 5);
    struct iovec rd[2] = { { y, 2 }, { y + 2, 1 } };
    show("vmsplice read 3", vms(p[0], rd, 2, 0));
    printf("got \"%.3s\", left %d\n", y, pending(p[0]));
    struct iovec bad = { NULL, 4 };
    show("vmsplice read EFAULT", vms(p[0], &bad, 1, 0));
    printf("left %d\n", pending(p[0]));
    show("vmsplice write EFAULT", vms(p[1], &bad, 1, 0));
    show("vmsplice bad iov pointer", vms(p[1], (struct iovec *)8, 1, 0));
    struct iovec neg[2] = { { NULL, 1 }, { x, (size_t)-1 } };
    show("vmsplice negative len", vms(p[1], neg, 2, 0));
    show("vmsplice 1025 segs", vms(p[1], two, 1025, 0));
    show("vmsplice 0 segs", vms(p[1], two, 0, 0));
    struct iovec zero = { x, 0 };
    show("vmsplice zero bytes", vms(p[1], &zero, 1, 0));
    show("vmsplice bad flags", vms(p[1], two, 1, 0x20));
    show("vmsplice bad fd", vms(77, two, 1, 0));
    int fd = tmpfile_(NULL);
    show("vmsplice regular file", vms(fd, two, 1, 0));
    show("vmsplice regular file 0 segs", vms(fd, two, 0, 0));
    show("vmsplice regular file bad iov", vms(fd, &bad, 1, 0));
    int pa = open("/tmp", O_PATH);
    show("vmsplice O_PATH", vms(pa, two, 1, 0));
    close(pa);
    close(fd);
    drain("pipe", p[0], 100);
    struct iovec one = { y, 4 };
    show("vmsplice read empty NONBLOCK", vms(p[0], &one, 1, F_NONBLOCK));
    /* fill the pipe with write(); a nonblocking vmsplice write finds no room */
    static char chunk[65536];
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    printf("filled: %ld\n", (long)write(p[1], chunk, sizeof(chunk)));
    fcntl(p[1], F_SETFL, 0);
    struct iovec c1 = { x, 1 };
    show("vmsplice write full NONBLOCK", vms(p[1], &c1, 1, F_NONBLOCK));
    close(p[1]);
    char *big = malloc(70000);
    struct iovec all = { big, 70000 };
    show("vmsplice read full pipe", vms(p[0], &all, 1, 0));
    show("vmsplice read EOF", vms(p[0], &all, 1, 0));
    free(big);
    close(p[0]);
    mkpipe(p, 0);
    close(p[0]);
    show("vmsplice write no reader", vms(p[1], &c1, 1, 0));
    close(p[1]);
}

static void splice_errors(void)
{
    int p[2], fd = tmpfile_("abc"), fd2 = tmpfile_(NULL);
    mkpipe(p, 0);
    write(p[1], "data", 4);
    loff_t off = 0;
    show("len 0 bad fds", sp(-1, NULL, -1, NULL, 0, 0));
    show("bad flags", sp(p[0], NULL, fd, NULL, 1, 0x10));
    show("bad flags bad fds", sp(-1, NULL, -1, NULL, 1, 0x10));
    show("bad in", sp(-1, NULL, p[1], NULL, 1, 0));
    show("bad out", sp(p[0], NULL, 100, NULL, 1, 0));
    show("file->file", sp(fd, NULL, fd2, NULL, 1, 0));
    show("file->file offsets", sp(fd, &off, fd2, &off, 1, 0));
    show("bad off pointer on file", sp(p[0], NULL, fd, (loff_t *)8, 1, 0));
    show("bad off pointer on file in", sp(fd, (loff_t *)8, p[1], NULL, 1, 0));
    int ro = open("/proc/self/exe", O_RDONLY);
    show("out file read-only", sp(p[0], NULL, ro, NULL, 1, 0));
    close(ro);
    int wo = tmpfile_(NULL);
    show("in write-only pipe end", sp(p[1], NULL, wo, NULL, 1, 0));
    int pa = open("/tmp", O_PATH);
    show("O_PATH out", sp(p[0], NULL, pa, NULL, 1, 0));
    show("ESPIPE before EBADF mode", sp(p[1], &off, fd, NULL, 1, 0));
    show("EFAULT before EBADF mode", sp(p[1], NULL, ro, (loff_t *)8, 1, 0));
    printf("left %d\n", pending(p[0]));
    close(pa);
    close(wo);
    close(fd);
    close(fd2);
    close(p[0]);
    close(p[1]);
}

static void socket_cases(void)
{
    int s[2], p[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) != 0)
        exit(1);
    mkpipe(p, 0);
    write(s[1], "sockdata", 8);
    show("sock->pipe", sp(s[0], NULL, p[1], NULL, 100, 0));
    drain("pipe", p[0], 100);
    show("sock->pipe empty NONBLOCK", sp(s[0], NULL, p[1], NULL, 100, F_NONBLOCK));
    loff_t off = 0;
    show("sock->pipe with off", sp(s[0], &off, p[1], NULL, 100, 0));
    write(p[1], "piped", 5);
    show("pipe->sock", sp(p[0], NULL, s[1], NULL, 100, F_MORE));
    printf("sock pending %d\n", pending(s[0]));
    drain("sock", s[0], 100);
    write(p[1], "ab", 2);
    show("pipe->sock with off", sp(p[0], NULL, s[1], &off, 100, 0));
    show("pipe->sock 1 of 2", sp(p[0], NULL, s[1], NULL, 1, 0));
    drain("sock", s[0], 100);
    printf("pipe left %d\n", pending(p[0]));
    shutdown(s[1], SHUT_WR);
    show("sock->pipe after peer shutdown", sp(s[0], NULL, p[1], NULL, 100, 0));
    close(s[0]);
    show("pipe->sock peer closed", sp(p[0], NULL, s[1], NULL, 1, 0));
    printf("pipe left %d\n", pending(p[0]));
    close(s[1]);
    close(p[0]);
    close(p[1]);
}

/* ---- blocking: a thread supplies data (or a signal) while main waits ---- */

static int bp[2];
static pthread_t main_thread;
static volatile int usr1_hits, pipe_hits;

static void on_usr1(int sig)
{
    (void)sig;
    usr1_hits++;
}

static void on_pipe(int sig)
{
    (void)sig;
    pipe_hits++;
}

/* arg NULL: write "late" after 50 ms.  *arg 1: send SIGUSR1 to main every
 * 50 ms until it reports back (a signal sent before main blocked is only
 * handled, so repeat).  *arg 2: one SIGUSR1, then the write. */
static volatile int main_back;

static void *late_writer(void *arg)
{
    int mode = arg != NULL ? *(int *)arg : 0;
    usleep(50000);
    if (mode == 1) {
        while (!main_back) {
            pthread_kill(main_thread, SIGUSR1);
            usleep(50000);
        }
        return NULL;
    }
    if (mode == 2) {
        pthread_kill(main_thread, SIGUSR1);
        usleep(50000);
    }
    write(bp[1], "late", 4);
    return NULL;
}

/* Run late_writer(mode) beside call; main_back tells it main returned. */
static pthread_t start(int *mode)
{
    pthread_t t;
    main_back = 0;
    pthread_create(&t, NULL, late_writer, mode);
    return t;
}

static void finish(pthread_t t)
{
    main_back = 1;
    pthread_join(t, NULL);
}

/* Read n bytes from a socket (a peer draining a blocked splice). */
static int rs_fd;
static long rs_total;

static void *sock_reader(void *arg)
{
    static char buf[4096];
    long want = *(long *)arg;
    rs_total = 0;
    while (rs_total < want) {
        long n = read(rs_fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        rs_total += n;
    }
    return NULL;
}

static void *sock_late(void *arg)
{
    usleep(50000);
    write(*(int *)arg, "late", 4);
    return NULL;
}

/* Large and blocking transfers between a pipe and an AF_UNIX stream. */
static void socket_blocking(void)
{
    int s[2], p[2];
    pthread_t t;
    static char chunk[65536];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) != 0)
        exit(1);
    int small = 4096;
    setsockopt(s[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    mkpipe(p, 0);
    memset(chunk, 'w', sizeof(chunk));
    printf("pipe filled: %ld\n", (long)write(p[1], chunk, sizeof(chunk)));
    long want = sizeof(chunk);
    rs_fd = s[0];
    pthread_create(&t, NULL, sock_reader, &want);
    show("pipe->sock 65536 (peer drains)", sp(p[0], NULL, s[1], NULL, sizeof(chunk), 0));
    pthread_join(t, NULL);
    printf("peer got %ld, pipe left %d\n", rs_total, pending(p[0]));
    pthread_create(&t, NULL, sock_late, &s[1]);
    show("sock->pipe waits for data", sp(s[0], NULL, p[1], NULL, 100, 0));
    pthread_join(t, NULL);
    drain("pipe", p[0], 100);
    close(s[0]);
    close(s[1]);
    close(p[0]);
    close(p[1]);
}

static void blocking_cases(void)
{
    pthread_t t;
    int out[2];
    main_thread = pthread_self();
    mkpipe(bp, 0);
    mkpipe(out, 0);
    t = start(NULL);
    show("splice waits for a writer", sp(bp[0], NULL, out[1], NULL, 100, 0));
    finish(t);
    drain("out", out[0], 100);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    int repeat = 1, once = 2;
    t = start(&repeat);
    show("splice interrupted", sp(bp[0], NULL, out[1], NULL, 100, 0));
    finish(t);
    t = start(&repeat);
    show("tee interrupted", tee_(bp[0], out[1], 100, 0));
    finish(t);
    char y[8];
    struct iovec one = { y, sizeof(y) };
    t = start(&repeat);
    show("vmsplice interrupted", vms(bp[0], &one, 1, 0));
    finish(t);

    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    t = start(&once);
    show("splice restarted", sp(bp[0], NULL, out[1], NULL, 100, 0));
    finish(t);
    fact("usr1 handled", usr1_hits >= 4);
    drain("out", out[0], 100);

    sa.sa_handler = on_pipe;
    sa.sa_flags = 0;
    sigaction(SIGPIPE, &sa, NULL);
    close(out[0]);
    write(bp[1], "z", 1);
    show("splice EPIPE", sp(bp[0], NULL, out[1], NULL, 1, 0));
    fact("SIGPIPE raised", pipe_hits > 0);
    close(out[1]);
    close(bp[0]);
    close(bp[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    pipe_to_file();
    file_to_pipe();
    pipe_to_pipe();
    tee_cases();
    vmsplice_cases();
    splice_errors();
    socket_cases();
    socket_blocking();
    blocking_cases();
    return 0;
}
