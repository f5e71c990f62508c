/*
 * fanotify.c - fanotify groups with inode marks on a fresh directory under
 * the cwd (never mount or file system marks: the host's other processes
 * would add events natively): the error paths of fanotify_init and
 * fanotify_mark; the decoded events of open/write/read/close on files and
 * directories through a directory mark (FAN_EVENT_ON_CHILD, FAN_ONDIR) and
 * file marks, with each event's fd checked against the object (inode,
 * /proc/self/fd name, flags) and its pid; merging; ignore masks (legacy and
 * FAN_MARK_IGNORE, surviving FAN_MODIFY or not); mark removal and flush;
 * read() rules (EINVAL for a short buffer, EAGAIN), FIONREAD and poll;
 * FAN_REPORT_TID; permission events answered by a listener thread (FAN_ALLOW,
 * FAN_DENY -> EPERM for open and read) and the response errors; EPERM
 * without CAP_SYS_ADMIN (last: it drops the capability).
 */
// covers: fanotify_init fanotify_mark
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

/* newer than some libcs' <sys/fanotify.h> (uapi values) */
#ifndef FAN_REPORT_PIDFD
#define FAN_REPORT_PIDFD 0x80
#endif
#ifndef FAN_REPORT_TID
#define FAN_REPORT_TID 0x100
#endif
#ifndef FAN_REPORT_FID
#define FAN_REPORT_FID 0x200
#endif
#ifndef FAN_REPORT_DIR_FID
#define FAN_REPORT_DIR_FID 0x400
#endif
#ifndef FAN_REPORT_NAME
#define FAN_REPORT_NAME 0x800
#endif
#ifndef FAN_REPORT_TARGET_FID
#define FAN_REPORT_TARGET_FID 0x1000
#endif
#ifndef FAN_MARK_FILESYSTEM
#define FAN_MARK_FILESYSTEM 0x100
#endif
#ifndef FAN_MARK_EVICTABLE
#define FAN_MARK_EVICTABLE 0x200
#endif
#ifndef FAN_MARK_IGNORE
#define FAN_MARK_IGNORE 0x400
#endif
#ifndef FAN_FS_ERROR
#define FAN_FS_ERROR 0x8000
#endif
#ifndef FAN_ATTRIB
#define FAN_ATTRIB 0x4
#endif
#ifndef FAN_CREATE
#define FAN_CREATE 0x100
#endif
#ifndef FAN_ONDIR
#define FAN_ONDIR 0x40000000
#endif

static char buf[4096] __attribute__((aligned(8)));
static char base[128];

static long finit(unsigned flags, unsigned fflags)
{
    return syscall(SYS_fanotify_init, flags, fflags);
}

static long fmark(int fd, unsigned flags, uint64_t mask, int dirfd, const char *path)
{
    return syscall(SYS_fanotify_mark, fd, flags, mask, dirfd, path);
}

static const char *at(int slot, const char *name)
{
    static char p[4][256];
    snprintf(p[slot], sizeof(p[slot]), "%s/%s", base, name);
    return p[slot];
}

static void mask_names(uint64_t m)
{
    static const struct { uint64_t bit; const char *name; } names[] = {
        { FAN_ACCESS, "ACCESS" }, { FAN_MODIFY, "MODIFY" }, { FAN_CLOSE_WRITE, "CLOSE_WRITE" },
        { FAN_CLOSE_NOWRITE, "CLOSE_NOWRITE" }, { FAN_OPEN, "OPEN" }, { FAN_Q_OVERFLOW, "Q_OVERFLOW" },
        { FAN_OPEN_PERM, "OPEN_PERM" }, { FAN_ACCESS_PERM, "ACCESS_PERM" }, { FAN_ONDIR, "ONDIR" },
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
        printf("%s0x%llx", sep, (unsigned long long)m);
}

/* Print what event e says, checking its fd against the object. */
static void show_event(const struct fanotify_event_metadata *e, long pid)
{
    printf("\n  ");
    mask_names(e->mask);
    printf(" len=%u vers=%u mlen=%u", e->event_len, e->vers, e->metadata_len);
    if (e->fd == FAN_NOFD) {
        printf(" nofd pid=%d", e->pid);
        return;
    }
    char link[64], target[512];
    struct stat fs, ps;
    snprintf(link, sizeof(link), "/proc/self/fd/%d", e->fd);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    target[n > 0 ? n : 0] = '\0';
    const char *name = strrchr(target, '/');
    name = name != NULL ? name + 1 : "?";
    printf(" name=%s", strcmp(name, base + 2) == 0 ? "BASE" : name);
    if (fstat(e->fd, &fs) == 0 && stat(target, &ps) == 0)
        printf(" ino%s", fs.st_ino == ps.st_ino && fs.st_dev == ps.st_dev ? "=" : "!=");
    int fl = fcntl(e->fd, F_GETFL);
    printf(" acc=%d", fl & O_ACCMODE);
    printf(" cloexec=%d", (fcntl(e->fd, F_GETFD) & FD_CLOEXEC) != 0);
    printf(" pid%s", e->pid == pid ? "=" : "!=");
    close(e->fd);
}

/* Read and print every queued event of fd (nonblocking). */
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
            struct fanotify_event_metadata *e = (struct fanotify_event_metadata *)p;
            show_event(e, getpid());
            p += e->event_len;
            any = 1;
        }
    }
    printf("%s\n", any ? "" : " (none)");
}

static void touch(const char *name)
{
    close(open(at(0, name), O_CREAT | O_WRONLY, 0644));
}

static void test_init_errors(void)
{
    printf("== init\n");
    show("unknown flag", finit(0x80000000, 0));
    show("class bits 0xc", finit(0xc, 0));
    show("event_f_flags accmode 3", finit(0, 3));
    show("event_f_flags O_CREAT", finit(0, O_CREAT));
    show("event_f_flags O_DIRECTORY", finit(0, O_DIRECTORY));
    show("NAME without DIR_FID", finit(FAN_REPORT_FID | FAN_REPORT_NAME, 0));
    show("TARGET_FID without NAME", finit(FAN_REPORT_FID | FAN_REPORT_TARGET_FID, 0));
    show("PIDFD with TID", finit(FAN_REPORT_PIDFD | FAN_REPORT_TID, 0));
    int fd = (int)finit(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC | FAN_UNLIMITED_QUEUE |
                        FAN_UNLIMITED_MARKS, O_RDONLY);
    show_ok("notif group", fd);
    char link[64], target[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    target[n > 0 ? n : 0] = '\0';
    printf("link: %s\n", target);
    int fl = fcntl(fd, F_GETFL);
    printf("flags: acc=%d nonblock=%d cloexec=%d\n", fl & O_ACCMODE, (fl & O_NONBLOCK) != 0,
           (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    close(fd);
    for (int c = 0; c <= 8; c += 4) {
        fd = (int)finit((unsigned)c, O_RDWR | O_LARGEFILE | O_NOATIME);
        printf("class %d: %s\n", c, fd >= 0 ? "ok" : errname(errno));
        close(fd);
    }
}

static void test_mark_errors(void)
{
    printf("== mark errors\n");
    int fd = (int)finit(FAN_CLASS_NOTIF | FAN_NONBLOCK, 0);
    int cfd = (int)finit(FAN_CLASS_CONTENT | FAN_NONBLOCK, 0);
    int reg = open(at(0, "f"), O_RDONLY);
    show("bad fd", fmark(999, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, base));
    show("not fanotify", fmark(reg, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, base));
    show("mask 0", fmark(fd, FAN_MARK_ADD, 0, AT_FDCWD, base));
    show("mask high bits", fmark(fd, FAN_MARK_ADD, FAN_OPEN | (1ULL << 40), AT_FDCWD, base));
    show("unknown mask bit", fmark(fd, FAN_MARK_ADD, 0x00800000, AT_FDCWD, base));
    show("unknown flag", fmark(fd, FAN_MARK_ADD | 0x80000000, FAN_OPEN, AT_FDCWD, base));
    show("add|remove", fmark(fd, FAN_MARK_ADD | FAN_MARK_REMOVE, FAN_OPEN, AT_FDCWD, base));
    show("no command", fmark(fd, 0, FAN_OPEN, AT_FDCWD, base));
    show("flush|dont_follow", fmark(fd, FAN_MARK_FLUSH | FAN_MARK_DONT_FOLLOW, 0, AT_FDCWD, base));
    show("ignored_mask|ignore", fmark(fd, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORE,
                                      FAN_OPEN, AT_FDCWD, base));
    show("perm on notif group", fmark(fd, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, base));
    show("create without fid", fmark(fd, FAN_MARK_ADD, FAN_CREATE, AT_FDCWD, base));
    show("attrib without fid", fmark(fd, FAN_MARK_ADD, FAN_ATTRIB, AT_FDCWD, base));
    show("fs_error on inode", fmark(fd, FAN_MARK_ADD, FAN_FS_ERROR, AT_FDCWD, base));
    show("evictable mount", fmark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT | FAN_MARK_EVICTABLE, FAN_OPEN,
                                  AT_FDCWD, base));
    show("missing path", fmark(fd, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, at(1, "missing")));
    show("empty path", fmark(fd, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, ""));
    show("bad path pointer", fmark(fd, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, (const char *)8));
    show("onlydir on file", fmark(fd, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_OPEN, AT_FDCWD, at(1, "f")));
    show("relative, bad dirfd", fmark(fd, FAN_MARK_ADD, FAN_OPEN, 999, "f"));
    show("relative, file dirfd", fmark(fd, FAN_MARK_ADD, FAN_OPEN, reg, "f"));
    show("null path, cwd", fmark(fd, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, NULL));
    show("null path, onlydir file fd", fmark(fd, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_OPEN, reg, NULL));
    show("remove unmarked", fmark(fd, FAN_MARK_REMOVE, FAN_OPEN, AT_FDCWD, base));
    show("ignore on dir", fmark(fd, FAN_MARK_ADD | FAN_MARK_IGNORE, FAN_OPEN, AT_FDCWD, base));
    show("ignore ondir on file", fmark(fd, FAN_MARK_ADD | FAN_MARK_IGNORE | FAN_MARK_IGNORED_SURV_MODIFY,
                                       FAN_OPEN | FAN_ONDIR, AT_FDCWD, at(1, "f")));
    show("mark file", fmark(fd, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, at(1, "f")));
    show("then evictable", fmark(fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE, FAN_CLOSE, AT_FDCWD, at(1, "f")));
    show("ignore surv", fmark(fd, FAN_MARK_ADD | FAN_MARK_IGNORE | FAN_MARK_IGNORED_SURV_MODIFY,
                              FAN_ACCESS, AT_FDCWD, at(1, "f")));
    show("then ignored_mask", fmark(fd, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_ACCESS, AT_FDCWD,
                                    at(1, "f")));
    show("then ignore without surv", fmark(fd, FAN_MARK_ADD | FAN_MARK_IGNORE, FAN_ACCESS, AT_FDCWD,
                                           at(1, "f")));
    show("null path, file fd", fmark(fd, FAN_MARK_REMOVE, FAN_OPEN | FAN_ACCESS, reg, NULL));
    show("remove again (ignore mask left)", fmark(fd, FAN_MARK_REMOVE | FAN_MARK_IGNORE,
                                                  FAN_ACCESS, AT_FDCWD, at(1, "f")));
    show("remove gone", fmark(fd, FAN_MARK_REMOVE, FAN_ACCESS, AT_FDCWD, at(1, "f")));
    show("evictable new", fmark(fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE, FAN_OPEN, AT_FDCWD, base));
    show("evictable again", fmark(fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE, FAN_CLOSE, AT_FDCWD, base));
    show("flush", fmark(fd, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL));
    show("remove flushed", fmark(fd, FAN_MARK_REMOVE, FAN_OPEN, AT_FDCWD, base));
    show("perm on content group", fmark(cfd, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_ACCESS_PERM, AT_FDCWD,
                                        at(1, "f")));
    show("perm on /proc", fmark(cfd, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, "/proc/self/status"));
    show("response short", write(cfd, buf, 4));
    struct fanotify_response r = { .fd = 999, .response = FAN_ALLOW };
    show("response unknown fd", write(cfd, &r, sizeof(r)));
    r.response = 0;
    show("response 0", write(cfd, &r, sizeof(r)));
    r.response = FAN_ALLOW | FAN_DENY;
    show("response allow|deny", write(cfd, &r, sizeof(r)));
    r.response = FAN_ALLOW | 0x100;
    show("response unknown bit", write(cfd, &r, sizeof(r)));
    r.response = FAN_ALLOW;
    r.fd = -5;
    show("response negative fd", write(cfd, &r, sizeof(r)));
    show("lseek", lseek(fd, 0, SEEK_SET));
    close(reg);
    close(fd);
    close(cfd);
}

static void test_events(void)
{
    printf("== events\n");
    int fd = (int)finit(FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY);
    show("mark dir", fmark(fd, FAN_MARK_ADD, FAN_OPEN | FAN_CLOSE | FAN_ACCESS | FAN_MODIFY |
                           FAN_EVENT_ON_CHILD, AT_FDCWD, base));
    drain("nothing yet", fd);
    int f = open(at(0, "g"), O_CREAT | O_WRONLY, 0644);
    write(f, "hello", 5);
    write(f, "world", 5);
    close(f);
    drain("create+write+close", fd);
    f = open(at(0, "g"), O_RDONLY);
    int n = 0;
    ioctl(fd, FIONREAD, &n);
    printf("FIONREAD after open: %d\n", n);
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int pr = poll(&p, 1, 0);
    printf("poll: %d revents=0x%x\n", pr, p.revents);
    read(f, buf, 4);
    read(f, buf, 100);
    read(f, buf, 100);                 /* end of file: no event */
    close(f);
    drain("read", fd);
    p.revents = 0;
    printf("poll empty: %d\n", poll(&p, 1, 0));
    show("read empty", read(fd, buf, sizeof(buf)));

    /* two objects: two events; too small buffers */
    touch("h");
    touch("g");
    ioctl(fd, FIONREAD, &n);
    printf("FIONREAD two: %d\n", n);
    show("read 10 bytes", read(fd, buf, 10));
    long r = read(fd, buf, sizeof(struct fanotify_event_metadata) + 10);
    printf("read 34 bytes: %ld\n", r);
    if (r > 0)
        close(((struct fanotify_event_metadata *)buf)->fd);
    drain("rest", fd);

    /* directories: only with FAN_ONDIR */
    mkdir(at(0, "sub"), 0755);
    close(open(at(0, "sub"), O_RDONLY | O_DIRECTORY));
    close(open(base, O_RDONLY | O_DIRECTORY));
    drain("dirs without ONDIR", fd);
    show("add ONDIR", fmark(fd, FAN_MARK_ADD, FAN_ONDIR, AT_FDCWD, base));
    close(open(at(0, "sub"), O_RDONLY | O_DIRECTORY));
    close(open(base, O_RDONLY | O_DIRECTORY));
    drain("dirs with ONDIR", fd);

    /* file mark beside the directory mark: one event per group */
    show("mark file", fmark(fd, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, at(0, "h")));
    close(open(at(0, "h"), O_RDONLY));
    drain("file and dir marks", fd);

    /* legacy ignore mask surviving modify */
    show("ignore open surv", fmark(fd, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK |
                                   FAN_MARK_IGNORED_SURV_MODIFY, FAN_OPEN, AT_FDCWD, at(0, "h")));
    f = open(at(0, "h"), O_WRONLY);
    write(f, "x", 1);
    close(f);
    drain("ignored open", fd);
    /* ignore mask cleared by a write */
    touch("k");
    show("ignore close_write", fmark(fd, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_CLOSE_WRITE,
                                     AT_FDCWD, at(0, "k")));
    close(open(at(0, "k"), O_WRONLY));
    drain("ignored close", fd);
    f = open(at(0, "k"), O_WRONLY);
    write(f, "x", 1);
    close(f);
    drain("ignore cleared by write", fd);
    /* an ignore mask on a file open for writing is not added */
    f = open(at(0, "k"), O_WRONLY);
    show("ignore while open for write", fmark(fd, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK,
                                              FAN_CLOSE_WRITE, AT_FDCWD, at(0, "k")));
    close(f);
    drain("not ignored", fd);
    show("remove ignore on k", fmark(fd, FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK, FAN_CLOSE_WRITE,
                                     AT_FDCWD, at(0, "k")));
    /* FAN_MARK_IGNORE on the directory mark: children's opens ignored */
    show("ignore children's open", fmark(fd, FAN_MARK_ADD | FAN_MARK_IGNORE | FAN_MARK_IGNORED_SURV_MODIFY,
                                         FAN_OPEN | FAN_EVENT_ON_CHILD, AT_FDCWD, base));
    close(open(at(0, "g"), O_RDONLY));
    close(open(base, O_RDONLY | O_DIRECTORY));
    drain("ignore new style", fd);

    /* removal and flush */
    show("remove close", fmark(fd, FAN_MARK_REMOVE, FAN_CLOSE, AT_FDCWD, base));
    f = open(at(0, "g"), O_RDONLY);
    read(f, buf, 1);
    close(f);
    drain("without close", fd);
    show("flush", fmark(fd, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL));
    close(open(at(0, "g"), O_RDONLY));
    close(open(at(0, "h"), O_RDONLY));
    drain("flushed", fd);
    close(fd);

    /* event_f_flags and a mark on the file only */
    fd = (int)finit(FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDWR | O_CLOEXEC);
    show("mark file rdwr group", fmark(fd, FAN_MARK_ADD, FAN_OPEN | FAN_CLOSE, AT_FDCWD, at(0, "g")));
    close(open(at(0, "g"), O_RDONLY));
    close(open(at(0, "h"), O_RDONLY));
    drain("rdwr cloexec fd", fd);

    /* epoll readiness */
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN };
    show("epoll add", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    show("epoll empty", epoll_wait(ep, &ev, 1, 0));
    close(open(at(0, "g"), O_RDONLY));
    show("epoll event", epoll_wait(ep, &ev, 1, 0));
    drain("epoll", fd);
    close(ep);

    /* a deleted object's mark goes with it */
    touch("z");
    show("mark z", fmark(fd, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, at(0, "z")));
    unlink(at(0, "z"));
    touch("z2");
    close(open(at(0, "z2"), O_RDONLY));
    drain("new file after unlink", fd);
    show("remove on z2", fmark(fd, FAN_MARK_REMOVE, FAN_OPEN, AT_FDCWD, at(0, "z2")));
    unlink(at(0, "z2"));
    close(fd);
}

/* ---------------------------------------------------------------- threads */

static int tid_of_thread;

static void *opener(void *arg)
{
    (void)arg;
    tid_of_thread = (int)syscall(SYS_gettid);
    close(open(at(2, "g"), O_RDONLY));
    return NULL;
}

static void test_tid(void)
{
    printf("== report tid\n");
    int fd = (int)finit(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_REPORT_TID, 0);
    show("mark", fmark(fd, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, at(0, "g")));
    pthread_t t;
    pthread_create(&t, NULL, opener, NULL);
    pthread_join(t, NULL);
    long n = read(fd, buf, sizeof(buf));
    if (n > 0) {
        struct fanotify_event_metadata *e = (struct fanotify_event_metadata *)buf;
        printf("tid event: ");
        mask_names(e->mask);
        printf(" pid==thread tid %d, pid==getpid %d\n", e->pid == tid_of_thread, e->pid == getpid());
        close(e->fd);
    }
    close(fd);
}

static int perm_fd;
static const unsigned answers[] = { FAN_ALLOW, FAN_DENY, FAN_DENY, FAN_ALLOW, FAN_DENY, FAN_ALLOW };

static void *listener(void *arg)
{
    (void)arg;
    for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        static char lbuf[256] __attribute__((aligned(8)));
        long n = read(perm_fd, lbuf, sizeof(lbuf));
        if (n <= 0) {
            printf("listener read: %s\n", errname(errno));
            return NULL;
        }
        struct fanotify_event_metadata *e = (struct fanotify_event_metadata *)lbuf;
        printf("listener: %ld bytes,", n);
        show_event(e, getpid());
        printf("\n");
        struct fanotify_response r = { .fd = e->fd + 100, .response = FAN_ALLOW };
        if (i == 0)
            show("  wrong fd", write(perm_fd, &r, sizeof(r)));
        /* show_event closed e->fd: answer with the number it had (Linux
         * matches the number; keep it open until answered instead) */
        r.fd = e->fd;
        r.response = answers[i];
        printf("  answer %s\n", answers[i] == FAN_ALLOW ? "allow" : "deny");
        long w = write(perm_fd, &r, sizeof(r));
        if (w != (long)sizeof(r))
            printf("  answer written: %ld %s\n", w, errname(errno));
    }
    return NULL;
}

static void test_perm(void)
{
    printf("== permission events\n");
    perm_fd = (int)finit(FAN_CLASS_CONTENT, 0);
    show("mark", fmark(perm_fd, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_ACCESS_PERM, AT_FDCWD, at(0, "g")));
    pthread_t t;
    pthread_create(&t, NULL, listener, NULL);
    int f = open(at(0, "g"), O_RDONLY);
    printf("open allowed: %s\n", f >= 0 ? "ok" : errname(errno));
    long r = read(f, buf, 4);
    printf("read denied: %s\n", r >= 0 ? "ok" : errname(errno));
    int f2 = open(at(0, "g"), O_RDONLY);
    printf("open denied: %s\n", f2 >= 0 ? "ok" : errname(errno));
    r = pread(f, buf, 4, 0);
    printf("pread allowed: %ld\n", r);
    int null = open("/dev/null", O_WRONLY);
    r = syscall(SYS_sendfile, null, f, NULL, 4);
    printf("sendfile denied: %s\n", r >= 0 ? "ok" : errname(errno));
    close(null);
    show("mark dir", fmark(perm_fd, FAN_MARK_ADD, FAN_ACCESS_PERM | FAN_ONDIR, AT_FDCWD, base));
    int d = open(base, O_RDONLY | O_DIRECTORY);
    r = syscall(SYS_getdents64, d, buf, sizeof(buf));
    printf("getdents64 allowed: %s\n", r > 0 ? "ok" : errname(errno));
    close(d);
    pthread_join(t, NULL);
    close(f);
    close(open(at(0, "h"), O_RDONLY));
    int n = 0;
    ioctl(perm_fd, FIONREAD, &n);
    printf("unmarked file: FIONREAD %d\n", n);
    close(perm_fd);
}

static void test_noadmin(void)
{
    printf("== without CAP_SYS_ADMIN\n");
    struct { uint32_t version; int pid; } hdr = { 0x20080522, 0 };
    struct { uint32_t eff, perm, inh; } caps[2];
    if (syscall(SYS_capget, &hdr, caps) != 0)
        return;
    int fd = (int)finit(FAN_CLASS_NOTIF, 0);
    caps[0].eff &= ~(1U << 21);        /* CAP_SYS_ADMIN */
    show("drop CAP_SYS_ADMIN", syscall(SYS_capset, &hdr, caps));
    show("init", finit(FAN_CLASS_NOTIF, 0));
    show("init content with fid", finit(FAN_CLASS_CONTENT | FAN_REPORT_FID, 0));
    show("mount mark", fmark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN, AT_FDCWD, base));
    show("inode mark", fmark(fd, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, base));
    close(fd);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(base, sizeof(base), "./fanotify.XXXXXX");
    if (mkdtemp(base) == NULL) {
        printf("mkdtemp: %s\n", errname(errno));
        return 1;
    }
    touch("f");
    test_init_errors();
    test_mark_errors();
    test_events();
    test_tid();
    test_perm();
    test_noadmin();
    static const char *names[] = { "f", "g", "h", "k" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        unlink(at(0, names[i]));
    rmdir(at(0, "sub"));
    rmdir(base);
    return 0;
}
