/*
 * uffd.c - userfaultfd(2) and its ioctls: flag and UFFDIO_API checks
 * (api, unknown features, a second call, the struct zeroed on failure),
 * UFFDIO_REGISTER argument errors and non-anonymous ranges, then a handler
 * thread that reads page faults (address relative to the region, WRITE
 * flag, the faulting thread's id) and fills the pages with UFFDIO_COPY
 * (a pattern) or UFFDIO_ZEROPAGE while the main thread touches them; a
 * fault taken inside a syscall (write to a pipe from a registered page);
 * DONTWAKE followed by UFFDIO_WAKE; EEXIST on a present page; MADV_DONTNEED
 * making a page missing again; UNREGISTER and munmap ending the
 * registration; a signal interrupting a waiting fault (the access faults
 * again after the handler); closing the descriptor under a waiting fault;
 * epoll and poll readiness; and the UFFD_USER_MODE_ONLY,
 * UFFD_FEATURE_SIGBUS and UFFD_FEATURE_EXACT_ADDRESS variants.
 */
// covers: userfaultfd
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

/* <linux/userfaultfd.h>, spelled out (musl builds lack the header). */
#define UFFD_API 0xAAULL
#define UFFD_USER_MODE_ONLY 1
#define UFFD_EVENT_PAGEFAULT 0x12
#define UFFD_PAGEFAULT_FLAG_WRITE 1ULL
#define UFFD_FEATURE_SIGBUS (1ULL << 7)
#define UFFD_FEATURE_THREAD_ID (1ULL << 8)
#define UFFD_FEATURE_EXACT_ADDRESS (1ULL << 11)
#define MODE_MISSING 1ULL
#define COPY_DONTWAKE 1ULL
struct u_range { uint64_t start, len; };
struct u_api { uint64_t api, features, ioctls; };
struct u_register { struct u_range range; uint64_t mode, ioctls; };
struct u_copy { uint64_t dst, src, len, mode; int64_t copy; };
struct u_zeropage { struct u_range range; uint64_t mode; int64_t zeropage; };
struct u_continue { struct u_range range; uint64_t mode; int64_t mapped; };
struct u_msg {
    uint8_t event, r1;
    uint16_t r2;
    uint32_t r3;
    uint64_t flags, address;
    uint32_t ptid, pad;
};
#define UIOC(dir, nr, size) ((unsigned long)(((dir) << 30) | ((size) << 16) | (0xaa << 8) | (nr)))
#define U_API UIOC(3U, 0x3f, 24)
#define U_REGISTER UIOC(3U, 0x00, 32)
#define U_UNREGISTER UIOC(2U, 0x01, 16)
#define U_WAKE UIOC(2U, 0x02, 16)
#define U_COPY UIOC(3U, 0x03, 40)
#define U_ZEROPAGE UIOC(3U, 0x04, 32)
#define U_CONTINUE UIOC(3U, 0x07, 32)
/* The range ioctls this test knows: WAKE, COPY, ZEROPAGE, WRITEPROTECT, CONTINUE. */
#define KNOWN_RANGE_IOCTLS ((1ULL << 2) | (1ULL << 3) | (1ULL << 4) | (1ULL << 6) | (1ULL << 7))

#define NPAGES 7
static long pg;
static char *base;
static int uffd, pfd[2];
static pid_t main_tid;
static char pattern[65536];
static int steps;                       /* faults the handler has finished with */

/* The handler finished fault k (its output is out): main may go on. */
static void step_done(void) { __atomic_add_fetch(&steps, 1, __ATOMIC_SEQ_CST); }

static void wait_step(int k)
{
    while (__atomic_load_n(&steps, __ATOMIC_SEQ_CST) < k)
        sched_yield();
}

static long uffd_create(int flags) { return syscall(SYS_userfaultfd, flags); }

/* A descriptor past UFFDIO_API with features (or -1). */
static int uffd_ready(int flags, uint64_t features)
{
    int fd = (int)uffd_create(flags);
    struct u_api a = { UFFD_API, features, 0 };
    if (fd < 0 || ioctl(fd, U_API, &a) != 0) {
        printf("setup: -1 %s\n", errname(errno));
        return -1;
    }
    return fd;
}

static long do_register(int fd, void *start, long len, uint64_t mode, uint64_t *ioctls)
{
    struct u_register r = { { (uint64_t)(uintptr_t)start, (uint64_t)len }, mode, 0 };
    long e = ioctl(fd, U_REGISTER, &r);
    if (ioctls != NULL)
        *ioctls = r.ioctls;
    return e;
}

static long do_copy(int fd, char *dst, const void *src, long len, uint64_t mode, int64_t *out)
{
    struct u_copy c = { (uint64_t)(uintptr_t)dst, (uint64_t)(uintptr_t)src, (uint64_t)len, mode, 12345 };
    long e = ioctl(fd, U_COPY, &c);
    if (out != NULL)
        *out = c.copy;
    return e;
}

static long do_zero(int fd, char *dst, long len, uint64_t mode)
{
    struct u_zeropage z = { { (uint64_t)(uintptr_t)dst, (uint64_t)len }, mode, 0 };
    return ioctl(fd, U_ZEROPAGE, &z);
}

static long do_range(int fd, unsigned long cmd, char *start, long len)
{
    struct u_range r = { (uint64_t)(uintptr_t)start, (uint64_t)len };
    return ioctl(fd, cmd, &r);
}

/* Wait for and read one fault message; print it. */
static int next_fault(struct u_msg *m)
{
    static int ep = -1;
    struct epoll_event ev = { EPOLLIN, { 0 } };
    if (ep < 0 && ((ep = epoll_create1(0)) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, uffd, &ev) < 0))
        return -1;
    if (epoll_wait(ep, &ev, 1, 10000) != 1 || ev.events != EPOLLIN) {
        printf("handler: epoll gave nothing\n");
        return -1;
    }
    long n = read(uffd, m, sizeof(*m));
    if (n != (long)sizeof(*m)) {
        printf("handler: read %ld %s\n", n, errname(errno));
        return -1;
    }
    printf("fault: event %#x page %ld offset %ld write %d main-thread %d\n", m->event,
           (long)((char *)(uintptr_t)m->address - base) / pg,
           (long)((char *)(uintptr_t)m->address - base) % pg,
           (m->flags & UFFD_PAGEFAULT_FLAG_WRITE) != 0, (pid_t)m->ptid == main_tid);
    fflush(stdout);
    return 0;
}

/* The handler: resolves faults in the order main makes them. */
static void *handler(void *arg)
{
    (void)arg;
    struct u_msg m;
    char *page;
    /* 1: read of page 0 -> COPY 'a' */
    if (next_fault(&m) < 0)
        return NULL;
    memset(pattern, 'a', pg);
    page = (char *)(uintptr_t)m.address;
    show("copy page 0", do_copy(uffd, page, pattern, pg, 0, NULL));
    step_done();
    /* 2: write to page 1 -> ZEROPAGE */
    if (next_fault(&m) < 0)
        return NULL;
    show("zeropage page 1", do_zero(uffd, base + pg, pg, 0));
    step_done();
    /* 3: write(pipe) from page 2 inside the kernel -> COPY 'k' */
    if (next_fault(&m) < 0)
        return NULL;
    memset(pattern, 'k', pg);
    show("copy page 2", do_copy(uffd, base + 2 * pg, pattern, pg, 0, NULL));
    step_done();
    /* 4: page 3: COPY with DONTWAKE, a read shows no new message, then WAKE */
    if (next_fault(&m) < 0)
        return NULL;
    memset(pattern, 'd', pg);
    int64_t out;
    show("copy page 3 dontwake", do_copy(uffd, base + 3 * pg, pattern, pg, COPY_DONTWAKE, &out));
    printf("copy count: %lld\n", (long long)out);
    struct u_msg extra;
    show("read with nothing pending", read(uffd, &extra, sizeof(extra)));
    show("wake page 3", do_range(uffd, U_WAKE, base + 3 * pg, pg));
    step_done();
    /* 5: page 0 again after MADV_DONTNEED -> COPY 'z' */
    if (next_fault(&m) < 0)
        return NULL;
    memset(pattern, 'z', pg);
    show("copy page 0 again", do_copy(uffd, base, pattern, pg, 0, NULL));
    step_done();
    /* 6: page 5: a signal interrupts the wait; the access faults again */
    if (next_fault(&m) < 0)
        return NULL;
    show("tgkill", syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1));
    if (next_fault(&m) < 0)
        return NULL;
    memset(pattern, 's', pg);
    show("copy page 5", do_copy(uffd, base + 5 * pg, pattern, pg, 0, NULL));
    step_done();
    /* 7: page 4: close the descriptor instead of resolving */
    if (next_fault(&m) < 0)
        return NULL;
    show("close with a fault waiting", close(uffd));
    step_done();
    return NULL;
}

static void check_api(void)
{
    show("flags 8", uffd_create(8));
    int fd = (int)uffd_create(O_CLOEXEC | O_NONBLOCK);
    show_ok("userfaultfd", fd);
    int fl = fcntl(fd, F_GETFL);
    fact("O_RDONLY", (fl & O_ACCMODE) == O_RDONLY);
    fact("O_NONBLOCK", (fl & O_NONBLOCK) != 0);
    fact("FD_CLOEXEC", fcntl(fd, F_GETFD) == FD_CLOEXEC);
    char path[64], link[64] = "";
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    long n = readlink(path, link, sizeof(link) - 1);
    printf("link: %s\n", n > 0 ? link : errname(errno));
    struct u_msg m;
    show("read before api", read(fd, &m, sizeof(m)));
    struct pollfd p = { fd, POLLIN, 0 };
    show("poll before api", poll(&p, 1, 0));
    printf("revents: %#x\n", p.revents);
    show("register before api", do_register(fd, &m, 4096, MODE_MISSING, NULL));
    struct u_api a = { 0xAB, 0, 7 };
    show("api bad version", ioctl(fd, U_API, &a));
    fact("struct zeroed", a.api == 0 && a.features == 0 && a.ioctls == 0);
    a = (struct u_api){ UFFD_API, 1ULL << 62, 0 };
    show("api unknown feature", ioctl(fd, U_API, &a));
    show("api bad pointer", ioctl(fd, U_API, NULL));
    a = (struct u_api){ UFFD_API, UFFD_FEATURE_THREAD_ID, 0 };
    show("api", ioctl(fd, U_API, &a));
    uint64_t known = UFFD_FEATURE_SIGBUS | UFFD_FEATURE_THREAD_ID | UFFD_FEATURE_EXACT_ADDRESS;
    fact("features offered", (a.features & known) == known);
    printf("api ioctls: %#llx\n", (unsigned long long)a.ioctls);
    a = (struct u_api){ UFFD_API, 0, 0 };
    show("api again", ioctl(fd, U_API, &a));
    fact("struct zeroed", a.api == 0 && a.features == 0 && a.ioctls == 0);
    show("unknown ioctl", ioctl(fd, UIOC(0U, 0x30, 0), 0));
    show("read small buffer", read(fd, &m, 16));
    show("read nothing pending", read(fd, &m, sizeof(m)));
    show("write", write(fd, &m, sizeof(m)));
    p.revents = 0;
    show("poll idle", poll(&p, 1, 0));
    close(fd);
    show("ioctl closed fd", ioctl(fd, U_API, &a));
    fd = (int)uffd_create(0);
    a = (struct u_api){ UFFD_API, 0, 0 };
    ioctl(fd, U_API, &a);
    p = (struct pollfd){ fd, POLLIN, 0 };
    show("poll blocking fd", poll(&p, 1, 0));
    printf("revents: %#x\n", p.revents);
    close(fd);
}

static void check_register_errors(int fd)
{
    uint64_t io = 0;
    show("register unaligned", do_register(fd, base + 1, pg, MODE_MISSING, NULL));
    show("register len 0", do_register(fd, base, 0, MODE_MISSING, NULL));
    show("register len odd", do_register(fd, base, 100, MODE_MISSING, NULL));
    show("register mode 0", do_register(fd, base, pg, 0, NULL));
    show("register mode 64", do_register(fd, base, pg, 64, NULL));
    show("register low address", do_register(fd, (void *)4096, pg, MODE_MISSING, NULL));
    show("register kernel address", do_register(fd, (void *)0xffff800000000000UL, pg, MODE_MISSING, NULL));
    show("register bad pointer", ioctl(fd, U_REGISTER, NULL));
    char *hole = mmap(NULL, 2 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole, 2 * pg);
    show("register unmapped", do_register(fd, hole, 2 * pg, MODE_MISSING, NULL));
    int exe = open("/proc/self/exe", O_RDONLY);
    char *file = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, exe, 0);
    show("register file mapping", do_register(fd, file, pg, MODE_MISSING, NULL));
    munmap(file, pg);
    close(exe);
    show("register", do_register(fd, base, NPAGES * pg, MODE_MISSING, &io));
    printf("range ioctls: %#llx\n", (unsigned long long)(io & KNOWN_RANGE_IOCTLS));
    show("register again", do_register(fd, base, NPAGES * pg, MODE_MISSING, NULL));
    int other = uffd_ready(0, 0);
    show("register with another uffd", do_register(other, base, pg, MODE_MISSING, NULL));
    close(other);
}

static void check_fill_errors(int fd)
{
    int64_t out = 0;
    show("copy unaligned dst", do_copy(fd, base + 1, pattern, pg, 0, NULL));
    show("copy len 0", do_copy(fd, base, pattern, 0, 0, NULL));
    show("copy bad mode", do_copy(fd, base, pattern, pg, 1ULL << 5, NULL));
    char *bss = (char *)(((uintptr_t)pattern + pg) & ~(uintptr_t)(pg - 1));
    show("copy unregistered", do_copy(fd, bss, pattern, pg, 0, &out));
    printf("copy count: %lld\n", (long long)out);
    show("copy bad pointer", ioctl(fd, U_COPY, NULL));
    show("zeropage unaligned", do_zero(fd, base + 8, pg, 0));
    show("zeropage bad mode", do_zero(fd, base, pg, 2));
    show("wake len 0", do_range(fd, U_WAKE, base, 0));
    struct u_continue c = { { (uint64_t)(uintptr_t)base, (uint64_t)pg }, 0, 0 };
    show("continue anonymous", ioctl(fd, U_CONTINUE, &c));
    printf("continue mapped: %s\n", c.mapped < 0 ? errname((int)-c.mapped) : "?");
    show("unregister unaligned", do_range(fd, U_UNREGISTER, base + 1, pg));
}

static sigjmp_buf jb;
static volatile int got_code;
static volatile uintptr_t got_addr;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
    siglongjmp(jb, 1);
}

static char *exact_page;

static void *toucher(void *arg)
{
    (void)arg;
    exact_page[123] = 1;
    return NULL;
}

/* UFFD_FEATURE_EXACT_ADDRESS with THREAD_ID: a write by another thread,
 * handled by main. */
static void check_exact(void)
{
    exact_page = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int fd = uffd_ready(0, UFFD_FEATURE_EXACT_ADDRESS | UFFD_FEATURE_THREAD_ID);
    show("exact register", do_register(fd, exact_page, pg, MODE_MISSING, NULL));
    pthread_t th;
    pthread_create(&th, NULL, toucher, NULL);
    struct u_msg m;
    show("exact read", read(fd, &m, sizeof(m)));
    printf("exact: offset %ld write %d main-thread %d\n",
           (long)((char *)(uintptr_t)m.address - exact_page),
           (m.flags & UFFD_PAGEFAULT_FLAG_WRITE) != 0, (pid_t)m.ptid == main_tid);
    show("exact zeropage", do_zero(fd, exact_page, pg, 0));
    pthread_join(th, NULL);
    printf("exact: byte %d\n", exact_page[123]);
    close(fd);
    munmap(exact_page, pg);
}

/* UFFD_USER_MODE_ONLY: a fault inside a syscall fails; UFFD_FEATURE_SIGBUS:
 * every fault is SIGBUS (EFAULT inside a syscall). */
static void check_variants(void)
{
    char *r = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int fd = uffd_ready(UFFD_USER_MODE_ONLY, 0);
    show("user-mode-only register", do_register(fd, r, 2 * pg, MODE_MISSING, NULL));
    show("user-mode-only write from page", write(pfd[1], r, 8));
    show("user-mode-only populate", madvise(r, pg, 22 /* MADV_POPULATE_READ */));
    close(fd);
    fd = uffd_ready(0, UFFD_FEATURE_SIGBUS);
    show("sigbus register", do_register(fd, r, 2 * pg, MODE_MISSING, NULL));
    show("sigbus write from page", write(pfd[1], r + pg, 8));
    show("sigbus populate", madvise(r, 2 * pg, 23 /* MADV_POPULATE_WRITE */));
    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);
    if (sigsetjmp(jb, 1) == 0) {
        volatile char c = r[pg + 5];
        (void)c;
        printf("sigbus: no signal\n");
    } else {
        printf("sigbus: code %s offset %ld\n", got_code == BUS_ADRERR ? "BUS_ADRERR" : "other",
               (long)(got_addr - (uintptr_t)r));
    }
    show("sigbus unregister", do_range(fd, U_UNREGISTER, r, 2 * pg));
    r[pg + 5] = 7;
    printf("after unregister: %d %d\n", r[pg + 5], r[pg + 6]);
    close(fd);
    munmap(r, 2 * pg);
}

static volatile sig_atomic_t usr1;
static void on_usr1(int sig) { usr1 = sig; }

int main(void)
{
    pg = sysconf(_SC_PAGESIZE);
    main_tid = (pid_t)syscall(SYS_gettid);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_api();
    signal(SIGUSR1, on_usr1);
    if (pipe(pfd) != 0)
        return 1;
    base = mmap(NULL, NPAGES * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uffd = uffd_ready(O_NONBLOCK, UFFD_FEATURE_THREAD_ID);
    if (uffd < 0)
        return 1;
    check_register_errors(uffd);
    check_fill_errors(uffd);

    pthread_t th;
    pthread_create(&th, NULL, handler, NULL);
    char c = base[10];
    wait_step(1);
    printf("main: page 0 reads %c\n", c);
    base[pg + 3] = 'w';
    wait_step(2);
    printf("main: page 1 holds %d %c\n", base[pg], base[pg + 3]);
    long w = write(pfd[1], base + 2 * pg + 100, 4);
    wait_step(3);
    show("main: write from page 2", w);
    char buf[8] = "";
    show("main: pipe read", read(pfd[0], buf, 4));
    printf("main: pipe holds %.4s\n", buf);
    c = base[3 * pg + 1];
    wait_step(4);
    printf("main: page 3 reads %c\n", c);
    int64_t out = 0;
    show("main: copy onto present page", do_copy(uffd, base, pattern, pg, 0, &out));
    printf("copy count: %s\n", out < 0 ? errname((int)-out) : "?");
    show("main: zeropage onto present page", do_zero(uffd, base + pg, pg, 0));
    show("main: dontneed page 0", madvise(base, pg, MADV_DONTNEED));
    c = base[0];
    wait_step(5);
    printf("main: page 0 reads %c\n", c);
    c = base[5 * pg];
    wait_step(6);
    printf("main: page 5 reads %c, signal handled %d\n", c, usr1);
    c = base[4 * pg];
    wait_step(7);
    printf("main: page 4 reads %d (descriptor closed)\n", c);
    pthread_join(th, NULL);
    /* The registrations went with the descriptor: plain demand paging. */
    printf("main: page 6 reads %d\n", base[6 * pg]);

    /* UNREGISTER and munmap end a registration. */
    uffd = uffd_ready(0, 0);
    show("register", do_register(uffd, base, NPAGES * pg, MODE_MISSING, NULL));
    show("unregister page 0", do_range(uffd, U_UNREGISTER, base, pg));
    madvise(base, pg, MADV_DONTNEED);
    printf("main: page 0 reads %d\n", base[0]);
    munmap(base + pg, pg);
    show("remap page 1", mmap(base + pg, pg, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == base + pg ? 0 : -1);
    printf("main: page 1 reads %d\n", base[pg]);
    /* mremap: the new range is not registered (no EVENT_REMAP); with
     * MREMAP_DONTUNMAP the old one stays registered and empty. */
    char *moved = mremap(base + 2 * pg, pg, pg, MREMAP_MAYMOVE | 4 /* MREMAP_DONTUNMAP */);
    show("mremap dontunmap", moved != MAP_FAILED ? 0 : -1);
    if (moved != MAP_FAILED) {
        printf("moved page holds %c\n", moved[100]);
        show("zeropage moved page", do_zero(uffd, moved, pg, 0));
        show("zeropage old page", do_zero(uffd, base + 2 * pg, pg, 0));
        printf("old page reads %d\n", base[2 * pg + 100]);
        munmap(moved, pg);
    }
    moved = mremap(base + 3 * pg, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, base + 2 * pg);
    show("mremap onto old page", moved == base + 2 * pg ? 0 : -1);
    printf("moved page holds %c\n", base[2 * pg + 1]);
    show("zeropage moved page", do_zero(uffd, base + 2 * pg, pg, 0));
    show("zeropage vacated page", do_zero(uffd, base + 3 * pg, pg, 0));
    show("unregister all", do_range(uffd, U_UNREGISTER, base, NPAGES * pg));
    close(uffd);
    check_variants();
    check_exact();
    return 0;
}
