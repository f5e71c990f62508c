/*
 * inotify.c - inotify instances: the decoded event sequences of creating,
 * writing, reading, closing, renaming, linking, unlinking, mkdir/rmdir and
 * attribute changes in a fresh directory under the cwd (the TFS root in
 * solo) and one under /tmp (tmpfs in solo); watches on directories and on
 * files, IN_ONESHOT, IN_MASK_ADD, IN_MASK_CREATE, IN_DONT_FOLLOW,
 * IN_ONLYDIR, IN_EXCL_UNLINK; read() rules (EINVAL for a short buffer,
 * EAGAIN, blocking), FIONREAD, epoll/poll readiness, coalescing, queue
 * overflow, and the error paths.  wds are printed (Linux numbers them from
 * 1 per instance); cookies only as relations.  Where Linux versions order
 * events of two watches differently (unlink, rmdir), the watches are in
 * separate instances, so each queue's order is the same on every kernel.
 * O_TRUNC is not used on a watched file (Linux 6.9 changed its order).
 */
// covers: inotify_init inotify_init1 inotify_add_watch inotify_rm_watch
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

static char buf[1 << 16] __attribute__((aligned(8)));
static unsigned last_cookie;

static long add(int fd, const char *path, unsigned mask)
{
    return syscall(SYS_inotify_add_watch, fd, path, mask);
}

static void mask_names(unsigned m)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        { IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
        { IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" },
        { IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" },
        { IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
        { IN_MOVE_SELF, "MOVE_SELF" }, { IN_UNMOUNT, "UNMOUNT" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" },
        { IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
    };
    const char *sep = "";
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if ((m & names[i].bit) != 0) {
            printf("%s%s", sep, names[i].name);
            sep = "|";
            m &= ~names[i].bit;
        }
    }
    if (m != 0)
        printf("%s0x%x", sep, m);
}

/* Read and print every queued event of fd (a nonblocking instance). */
static void drain(const char *tag, int fd)
{
    printf("%s:", tag);
    int any = 0;
    for (;;) {
        long n = read(fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno != EAGAIN)
                printf(" read %s", errname(errno));
            break;
        }
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            printf("\n  wd=%d ", e->wd);
            mask_names(e->mask);
            if (e->len > 0)
                printf(" %s", e->name);
            if (e->mask & IN_MOVED_FROM) {
                printf(e->cookie != 0 ? " cookie=new" : " cookie=0");
                last_cookie = e->cookie;
            } else if (e->mask & IN_MOVED_TO) {
                printf(e->cookie == last_cookie ? " cookie=same" : " cookie=other");
            } else if (e->cookie != 0) {
                printf(" cookie!=0");
            }
            p += sizeof(*e) + e->len;
            any = 1;
        }
    }
    printf("%s\n", any ? "" : " (none)");
}

static char base[128];

static const char *at(int slot, const char *name)
{
    static char p[4][256];
    snprintf(p[slot], sizeof(p[slot]), "%s/%s", base, name);
    return p[slot];
}

static void touch(const char *name)
{
    close(open(at(0, name), O_CREAT | O_WRONLY, 0644));
}

static int nbinit(void)
{
    return (int)syscall(SYS_inotify_init1, IN_NONBLOCK | IN_CLOEXEC);
}

/* The event sequences of one directory; links: hard links work there. */
static void scenario(const char *parent, int links)
{
    snprintf(base, sizeof(base), "%s/inotify.XXXXXX", parent);
    if (mkdtemp(base) == NULL) {
        printf("mkdtemp: %s\n", errname(errno));
        return;
    }
    printf("== %s\n", parent[0] == '/' ? "tmp" : "cwd");
    int fd = nbinit(), fd2 = nbinit(), fd3 = nbinit();
    show("watch dir", add(fd, base, IN_ALL_EVENTS));

    int f = open(at(0, "f"), O_CREAT | O_WRONLY, 0644);
    write(f, "hello", 5);
    write(f, "world", 5);
    close(f);
    drain("create+write", fd);

    show("watch file", add(fd2, at(0, "f"), IN_ALL_EVENTS));
    f = open(at(0, "f"), O_RDONLY);
    read(f, buf, 4);
    read(f, buf, 100);
    read(f, buf, 100);                 /* end of file: no event */
    close(f);
    drain("read dir", fd);
    drain("read file", fd2);

    chmod(at(0, "f"), 0600);
    truncate(at(0, "f"), 2);
    syscall(SYS_utimensat, AT_FDCWD, at(0, "f"), NULL, 0);
    struct timespec ts[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
    syscall(SYS_utimensat, AT_FDCWD, at(0, "f"), ts, 0);
    ts[0].tv_nsec = UTIME_NOW;
    ts[1].tv_nsec = UTIME_OMIT;
    syscall(SYS_utimensat, AT_FDCWD, at(0, "f"), ts, 0);
    syscall(SYS_chown, at(0, "f"), -1, -1);          /* changes nothing: no event */
    f = open(at(0, "f"), O_WRONLY);
    syscall(SYS_fchmod, f, 0644);
    syscall(SYS_ftruncate, f, 1);
    close(f);
    drain("attrs dir", fd);
    drain("attrs file", fd2);

    rename(at(0, "f"), at(1, "g"));
    drain("rename dir", fd);
    drain("rename file", fd2);

    mkdir(at(0, "sub"), 0755);
    show("watch sub", add(fd3, at(0, "sub"), IN_ALL_EVENTS));
    int d = open(at(0, "sub"), O_RDONLY | O_DIRECTORY);
    while (syscall(SYS_getdents64, d, buf, sizeof(buf)) > 0)
        ;
    close(d);
    drain("subdir dir", fd);
    drain("subdir sub", fd3);

    rename(at(0, "g"), at(1, "sub/h"));
    drain("move dir", fd);
    drain("move sub", fd3);
    drain("move file", fd2);

    show("rmdir not empty", syscall(SYS_rmdir, at(0, "sub")));
    unlink(at(0, "sub/h"));
    drain("unlink sub", fd3);
    drain("unlink file", fd2);
    rmdir(at(0, "sub"));
    drain("rmdir dir", fd);
    drain("rmdir sub", fd3);

    if (links) {
        touch("l1");
        show("watch l1", add(fd2, at(0, "l1"), IN_ATTRIB | IN_DELETE_SELF));
        link(at(0, "l1"), at(1, "l2"));
        unlink(at(0, "l1"));
        drain("link dir", fd);
        drain("link file", fd2);
        unlink(at(0, "l2"));
        drain("last link file", fd2);
        drain("last link dir", fd);
    }

    /* an open file that loses its name: its events still reach the directory */
    touch("u");
    show("watch u", add(fd2, at(0, "u"), IN_ALL_EVENTS));
    f = open(at(0, "u"), O_RDWR);
    unlink(at(0, "u"));
    drain("unlink open dir", fd);
    drain("unlink open file", fd2);
    write(f, "x", 1);
    close(f);
    drain("close unlinked dir", fd);
    drain("close unlinked file", fd2);

    show("watch dir excl_unlink", add(fd, base, IN_ALL_EVENTS | IN_EXCL_UNLINK));
    touch("v");
    drain("touch v", fd);
    f = open(at(0, "v"), O_RDWR);
    unlink(at(0, "v"));
    write(f, "x", 1);
    close(f);
    drain("excl_unlink dir", fd);

    touch("a");
    touch("b");
    show("watch b", add(fd2, at(0, "b"), IN_ALL_EVENTS));
    drain("touch a b", fd);
    rename(at(0, "a"), at(1, "b"));
    drain("rename over dir", fd);
    drain("rename over victim", fd2);

    symlink("nowhere", at(0, "ln"));
    show("watch ln follow", add(fd2, at(0, "ln"), IN_ALL_EVENTS));
    show("watch ln nofollow", add(fd2, at(0, "ln"), IN_ALL_EVENTS | IN_DONT_FOLLOW));
    show("watch ln onlydir", add(fd2, at(0, "ln"), IN_ALL_EVENTS | IN_DONT_FOLLOW | IN_ONLYDIR));
    show("watch b onlydir", add(fd2, at(0, "b"), IN_ALL_EVENTS | IN_ONLYDIR));
    unlink(at(0, "ln"));
    drain("symlink dir", fd);
    drain("symlink file", fd2);

    show("oneshot", add(fd3, base, IN_CREATE | IN_ONESHOT));
    touch("o1");
    touch("o2");
    drain("oneshot", fd3);
    show("mask delete", add(fd3, base, IN_DELETE));
    show("mask add create", add(fd3, base, IN_CREATE | IN_MASK_ADD));
    show("mask create again", add(fd3, base, IN_CREATE | IN_MASK_CREATE));
    touch("o3");
    unlink(at(0, "o3"));
    drain("mask add", fd3);
    show("replace mask", add(fd3, base, IN_DELETE));
    touch("o4");
    unlink(at(0, "o4"));
    drain("replaced", fd3);
    show("rm_watch", syscall(SYS_inotify_rm_watch, fd3, 3));
    show("rm_watch again", syscall(SYS_inotify_rm_watch, fd3, 3));
    drain("rm_watch", fd3);

    show("watch dir again", add(fd, base, IN_DELETE | IN_DELETE_SELF | IN_CREATE));
    unlink(at(0, "b"));
    unlink(at(0, "o1"));
    unlink(at(0, "o2"));
    rmdir(base);
    drain("cleanup", fd);
    close(fd);
    close(fd2);
    close(fd3);
}

static void test_errors(void)
{
    int pfd[2];
    pipe(pfd);
    int fd = nbinit();
    show("init1 bad flags", syscall(SYS_inotify_init1, 1));
    show("init1 O_RDWR", syscall(SYS_inotify_init1, O_RDWR));
    show("add mask 0 bad fd", add(999, ".", 0));
    show("add bad fd", add(999, ".", IN_OPEN));
    show("add not inotify", add(pfd[0], ".", IN_OPEN));
    show("add mask_add|mask_create", add(fd, ".", IN_OPEN | IN_MASK_ADD | IN_MASK_CREATE));
    show("add NULL path", add(fd, NULL, IN_OPEN));
    show("add bad path", add(fd, (const char *)8, IN_OPEN));
    show("add empty path", add(fd, "", IN_OPEN));
    show("add missing", add(fd, "no/such/file", IN_OPEN));
    show("add onlydir on file", add(fd, "data/hello.txt", IN_OPEN | IN_ONLYDIR));
    show("add flags only", add(fd, ".", IN_ONLYDIR));
    show("add again mask_create", add(fd, ".", IN_MASK_CREATE | IN_OPEN));
    show("rm bad fd", syscall(SYS_inotify_rm_watch, 999, 1));
    show("rm not inotify", syscall(SYS_inotify_rm_watch, pfd[0], 1));
    show("rm bad wd", syscall(SYS_inotify_rm_watch, fd, 42));
    show("rm wd -1", syscall(SYS_inotify_rm_watch, fd, -1));
    show("rm", syscall(SYS_inotify_rm_watch, fd, 1));
    drain("rm", fd);
    show("write", write(fd, "x", 1));
    show("lseek", lseek(fd, 10, SEEK_SET));
    show("pread", pread(fd, buf, 16, 0));
    close(fd);
    close(pfd[0]);
    close(pfd[1]);

    int a = (int)syscall(SYS_inotify_init);
    int b = (int)syscall(SYS_inotify_init1, IN_CLOEXEC | IN_NONBLOCK);
    printf("init: cloexec %d flags %o\n", fcntl(a, F_GETFD), fcntl(a, F_GETFL) & ~O_LARGEFILE);
    printf("init1: cloexec %d flags %o\n", fcntl(b, F_GETFD), fcntl(b, F_GETFL) & ~O_LARGEFILE);
    struct stat st;
    fstat(a, &st);
    printf("fstat: mode %o nlink %ld size %ld\n", st.st_mode, (long)st.st_nlink, (long)st.st_size);
    char link[64] = "", p[64];
    snprintf(p, sizeof(p), "/proc/self/fd/%d", a);
    readlink(p, link, sizeof(link) - 1);
    printf("fd link: %s\n", link);
    close(a);
    close(b);
}

static void *creator(void *arg)
{
    struct timespec d = { 0, 50 * 1000 * 1000 };
    nanosleep(&d, NULL);
    touch((const char *)arg);
    return NULL;
}

static void test_reads(void)
{
    snprintf(base, sizeof(base), "inotify.XXXXXX");
    if (mkdtemp(base) == NULL)
        return;
    int fd = nbinit(), n = -1;
    add(fd, base, IN_CREATE);
    show("read empty", read(fd, buf, sizeof(buf)));
    ioctl(fd, FIONREAD, &n);
    printf("FIONREAD empty: %d\n", n);
    int ep = epoll_create1(0);
    struct epoll_event ev = { EPOLLIN, { .u64 = 7 } }, out[2];
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    show("epoll empty", epoll_wait(ep, out, 2, 0));
    touch("abcdefghijklmnop");         /* 16 characters: len 32 */
    touch("abcdefghijklmno");          /* 15 characters: len 16 */
    touch("abcdefghijklmno");          /* exists: no event */
    ioctl(fd, FIONREAD, &n);
    printf("FIONREAD: %d\n", n);
    show("epoll ready", epoll_wait(ep, out, 2, 0));
    printf("epoll events %x data %lu\n", out[0].events, (unsigned long)out[0].data.u64);
    struct pollfd pf = { fd, POLLIN | POLLOUT, 0 };
    show("poll", poll(&pf, 1, 0));
    printf("poll revents %x\n", pf.revents);
    show("read 0", read(fd, buf, 0));
    show("read 47", read(fd, buf, 47));
    memset(buf, 0x55, 100);
    show("read 63", read(fd, buf, 63));
    struct inotify_event *e = (struct inotify_event *)buf;
    int zeros = 1;
    for (unsigned i = 16; i < e->len; i++)
        zeros &= e->name[i] == 0;
    printf("event: len %u name %s padding zero %d\n", e->len, e->name, zeros);
    show("read bad buffer", syscall(SYS_read, fd, (void *)8, 64));
    ioctl(fd, FIONREAD, &n);
    printf("FIONREAD after: %d\n", n);
    show("read empty again", read(fd, buf, sizeof(buf)));

    /* coalescing: equal consecutive events merge */
    add(fd, base, IN_MODIFY | IN_ACCESS | IN_MASK_ADD);
    int f = open(at(0, "abcdefghijklmno"), O_RDWR);
    write(f, "1", 1);
    write(f, "2", 1);
    pread(f, buf, 1, 0);
    write(f, "3", 1);
    close(f);
    drain("coalesce", fd);

    /* a blocking read waits for the event */
    int bfd = (int)syscall(SYS_inotify_init);
    add(bfd, base, IN_CREATE);
    pthread_t t;
    pthread_create(&t, NULL, creator, "late");
    long r = read(bfd, buf, sizeof(buf));
    pthread_join(t, NULL);
    printf("blocking read: %ld %s\n", r, r > 16 ? ((struct inotify_event *)buf)->name : "");
    close(bfd);

    /* overflow: more events than max_queued_events */
    FILE *q = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
    long max = 0;
    if (q != NULL) {
        if (fscanf(q, "%ld", &max) != 1)
            max = 0;
        fclose(q);
    }
    printf("max_queued_events positive: %d\n", max > 0);
    add(fd, base, IN_ACCESS);          /* replaces the mask */
    int fa = open(at(0, "abcdefghijklmno"), O_RDONLY), fb = open(at(1, "late"), O_RDWR);
    write(fb, "x", 1);
    for (long i = 0; i < max + 10; i++)
        pread(i % 2 ? fb : fa, buf, 1, 0);
    ioctl(fd, FIONREAD, &n);
    printf("FIONREAD overflowed: %s\n", n == max * 32 + 16 ? "max events + overflow" : "other");
    long cnt = 0, named = 0;
    unsigned lastmask = 0;
    int lastwd = 0;
    for (;;) {
        long k = read(fd, buf, sizeof(buf));
        if (k <= 0)
            break;
        for (char *p = buf; p < buf + k;) {
            e = (struct inotify_event *)p;
            cnt++;
            named += e->len > 0;
            lastmask = e->mask;
            lastwd = e->wd;
            p += sizeof(*e) + e->len;
        }
    }
    printf("overflow: events %s, named %s, last wd %d mask %x\n", cnt == max + 1 ? "max+1" : "other",
           named == max ? "max" : "other", lastwd, lastmask);
    close(fa);
    close(fb);
    drain("after overflow", fd);
    unlink(at(0, "abcdefghijklmnop"));
    unlink(at(0, "abcdefghijklmno"));
    unlink(at(0, "late"));
    rmdir(base);
    drain("end", fd);
    close(fd);
    close(ep);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    test_errors();
    test_reads();
    scenario(".", 1);
    scenario("/tmp", 0);
    return 0;
}
