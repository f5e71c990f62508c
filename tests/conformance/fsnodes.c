/*
 * fsnodes.c - named FIFOs, socket and device nodes made by mknod, AF_UNIX
 * pathname sockets as file system nodes, and hard links, each in a fresh
 * directory in the cwd (TFS in solo) and under /tmp (tmpfs in solo); then
 * O_TMPFILE + linkat in /dev/shm.  FIFO peers are threads of this process
 * (blocking opens wait for each other).  Device nodes: a 1,3 node must act
 * as /dev/null and a node of a major with no driver must answer ENXIO;
 * natively an open may instead answer EACCES where the scratch file system
 * is mounted nodev, or EPERM where a container's device cgroup refuses the
 * number, so those facts are printed as "works, or nodev/cgroup" (same
 * line either way).  Everything made is removed again.
 */
// covers: mknod mknodat link linkat
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

static char dir[128];

/* Name inside the scratch directory (static buffer, one per slot). */
static const char *at(int slot, const char *name)
{
    static char buf[4][192];
    snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", dir, name);
    return buf[slot];
}

static void nap(void)
{
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
}

static const char *type_name(mode_t m)
{
    return S_ISFIFO(m) ? "fifo" : S_ISSOCK(m) ? "socket" : S_ISCHR(m) ? "chr" : S_ISBLK(m) ? "blk"
         : S_ISREG(m) ? "reg" : S_ISLNK(m) ? "link" : S_ISDIR(m) ? "dir" : "?";
}

static void show_stat(const char *what, const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    printf("%s: %s %o nlink %lu size %ld rdev %u,%u\n", what, type_name(st.st_mode),
           st.st_mode & 07777, (unsigned long)st.st_nlink, (long)st.st_size,
           major(st.st_rdev), minor(st.st_rdev));
}

static int poll_bits(int fd)
{
    struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
    return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

/* ------------------------------------------------------------------ FIFOs */

struct peer {
    const char *path;
    int flags;
    long got;                          /* bytes read (reader) or open result */
    char buf[16];
};

/* A reader thread: open (blocking), read to EOF. */
static void *reader(void *arg)
{
    struct peer *p = arg;
    int fd = open(p->path, p->flags);
    if (fd < 0) {
        p->got = -errno;
        return NULL;
    }
    long n, total = 0;
    while ((n = read(fd, p->buf + total, sizeof(p->buf) - 1 - (size_t)total)) > 0)
        total += n;
    p->buf[total] = '\0';
    p->got = total;
    close(fd);
    return NULL;
}

/* A writer thread: open (blocking), write "pong", close. */
static void *writer(void *arg)
{
    struct peer *p = arg;
    int fd = open(p->path, p->flags);
    if (fd < 0) {
        p->got = -errno;
        return NULL;
    }
    p->got = write(fd, "pong", 4);
    close(fd);
    return NULL;
}

static volatile int sigpipes;
static void on_sigpipe(int sig)
{
    (void)sig;
    sigpipes++;
}

static void test_fifo(void)
{
    const char *f = at(0, "fifo");
    show("mknod fifo", syscall(SYS_mknod, f, S_IFIFO | 0640, 0));
    show_stat("fifo stat", f);
    show("mknod fifo exists", syscall(SYS_mknod, f, S_IFIFO | 0640, 0));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    show("mknodat fifo", syscall(SYS_mknodat, dfd, "fifo2", S_IFIFO | 0600, makedev(1, 3)));
    show_stat("mknodat fifo stat (dev ignored)", at(1, "fifo2"));
    show("mknodat fifo bad fd", syscall(SYS_mknodat, 999, "x", S_IFIFO | 0600, 0));
    show("mknod fifo missing dir", syscall(SYS_mknod, at(1, "nx/f"), S_IFIFO | 0600, 0));
    show("mknod fifo trailing slash", syscall(SYS_mknod, at(1, "f3/"), S_IFIFO | 0600, 0));

    /* non-blocking opens: a writer needs a reader (ENXIO); a reader opens at once */
    int w = open(f, O_WRONLY | O_NONBLOCK);
    printf("open write nonblock, no reader: %s\n", w < 0 ? errname(errno) : "ok");
    int r = open(f, O_RDONLY | O_NONBLOCK);
    show_ok("open read nonblock", r);
    char buf[32];
    show("read, no writer yet", read(r, buf, sizeof(buf)));
    printf("poll reader, no writer yet: %#x\n", poll_bits(r));
    w = open(f, O_WRONLY | O_NONBLOCK);
    show_ok("open write nonblock", w);
    show("read, writer idle", read(r, buf, sizeof(buf)));
    printf("read errno: %s\n", errname(errno));
    show("write", write(w, "hello", 5));
    printf("poll reader: %#x\n", poll_bits(r));
    printf("poll writer: %#x\n", poll_bits(w));
    int n = -1;
    ioctl(r, FIONREAD, &n);
    printf("FIONREAD: %d\n", n);
    struct stat st;
    fstat(r, &st);
    printf("fstat: %s size %ld\n", type_name(st.st_mode), (long)st.st_size);
    show("F_GETPIPE_SZ", fcntl(w, F_GETPIPE_SZ));
    show("lseek", lseek(r, 0, SEEK_SET));
    int ep = epoll_create1(0);
    struct epoll_event ev = { EPOLLIN, { .u64 = 7 } }, out[2];
    show("epoll_ctl fifo", epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev));
    int k = epoll_wait(ep, out, 2, 0);
    printf("epoll_wait: %d events %#x data %lu\n", k, k > 0 ? out[0].events : 0,
           k > 0 ? (unsigned long)out[0].data.u64 : 0);
    n = (int)read(r, buf, sizeof(buf));
    printf("read: %d %.*s\n", n, n > 0 ? n : 0, buf);
    close(w);
    printf("poll reader after last writer: %#x\n", poll_bits(r));
    show("read at EOF", read(r, buf, sizeof(buf)));
    close(ep);

    /* no reader: EPIPE and SIGPIPE */
    w = open(f, O_WRONLY | O_NONBLOCK);
    show_ok("open write (reader open)", w);
    close(r);
    printf("poll writer, no reader: %#x\n", poll_bits(w));
    signal(SIGPIPE, on_sigpipe);
    long wr = write(w, "x", 1);
    printf("write, no reader: %ld %s sigpipes %d\n", wr, wr < 0 ? errname(errno) : "", sigpipes);
    signal(SIGPIPE, SIG_DFL);
    close(w);

    /* O_RDWR never blocks and is both ends; data goes when all close */
    int rw = open(f, O_RDWR);
    show_ok("open rdwr", rw);
    show("write rdwr", write(rw, "abc", 3));
    printf("poll rdwr: %#x\n", poll_bits(rw));
    r = open(f, O_RDONLY | O_NONBLOCK);
    n = (int)read(r, buf, 2);
    printf("read other open: %d %.*s\n", n, n > 0 ? n : 0, buf);
    close(r);
    close(rw);
    r = open(f, O_RDONLY | O_NONBLOCK);
    show("read after all closed (data dropped)", read(r, buf, sizeof(buf)));
    printf("read errno: %s\n", errname(errno));
    close(r);
    show("open O_ACCMODE 3", open(f, O_WRONLY | O_RDWR | O_NONBLOCK));

    /* blocking opens meet in two threads, either way round */
    struct peer p = { f, O_RDONLY, 0, "" };
    pthread_t th;
    pthread_create(&th, NULL, reader, &p);
    nap();
    w = open(f, O_WRONLY);
    show_ok("open write blocking (reader thread)", w);
    show("write ping", write(w, "ping", 4));
    close(w);
    pthread_join(th, NULL);
    printf("thread read: %ld %s\n", p.got, p.buf);
    struct peer q = { f, O_WRONLY, 0, "" };
    pthread_create(&th, NULL, writer, &q);
    nap();
    r = open(f, O_RDONLY);
    show_ok("open read blocking (writer thread)", r);
    long total = 0;
    while ((n = (int)read(r, buf + total, sizeof(buf) - 1 - (size_t)total)) > 0)
        total += n;
    buf[total] = '\0';
    pthread_join(th, NULL);
    printf("main read: %ld %s, thread wrote %ld\n", total, buf, q.got);
    close(r);

    /* a second name (hard link) of a FIFO is the same FIFO */
    show("link fifo", syscall(SYS_link, f, at(1, "fifo.ln")));
    show_stat("fifo after link", f);
    r = open(f, O_RDONLY | O_NONBLOCK);
    w = open(at(1, "fifo.ln"), O_WRONLY | O_NONBLOCK);
    show_ok("open write through the link", w);
    write(w, "zz", 2);
    show("read through the first name", read(r, buf, sizeof(buf)));
    close(w);
    close(r);
    show("unlink fifo.ln", syscall(SYS_unlink, at(1, "fifo.ln")));
    rw = open(f, O_RDWR);
    show("unlink fifo", syscall(SYS_unlink, f));
    show_stat("fifo after unlink", f);
    show("write to the unlinked fifo", write(rw, "q", 1));
    show("read it back", read(rw, buf, sizeof(buf)));
    memset(&st, 0, sizeof(st));
    show("fstat the unlinked fifo", fstat(rw, &st));
    printf("  %s nlink %lu\n", type_name(st.st_mode), (unsigned long)st.st_nlink);
    close(rw);
    show("unlink fifo2", syscall(SYS_unlink, at(1, "fifo2")));
    close(dfd);
}

/* ---------------------------------------------------------------- sockets */

static void test_socket_nodes(void)
{
    const char *s = at(0, "sock");
    show("mknod socket", syscall(SYS_mknod, s, S_IFSOCK | 0600, 0));
    show_stat("socket node stat", s);
    show("open socket node", open(s, O_RDONLY));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(s) >= sizeof(a.sun_path))
        return;
    memcpy(a.sun_path, s, strlen(s) + 1);
    show("connect to a socket node nobody bound", connect(c, (struct sockaddr *)&a, sizeof(a)));
    show("bind onto the socket node", bind(c, (struct sockaddr *)&a, sizeof(a)));
    close(c);
    show("unlink socket node", syscall(SYS_unlink, s));

    /* bind makes the node; it outlives the socket; connect finds it by node */
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    show("bind", bind(l, (struct sockaddr *)&a, sizeof(a)));
    show_stat("bound socket stat", s);
    show("listen", listen(l, 4));
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect", connect(c, (struct sockaddr *)&a, sizeof(a)));
    close(c);
    show("link the socket node", syscall(SYS_link, s, at(1, "sock.ln")));
    struct sockaddr_un b = a;
    memcpy(b.sun_path, at(1, "sock.ln"), strlen(at(1, "sock.ln")) + 1);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect through a hard link", connect(c, (struct sockaddr *)&b, sizeof(b)));
    close(c);
    show("unlink the link", syscall(SYS_unlink, at(1, "sock.ln")));
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("bind another socket to the name", bind(d, (struct sockaddr *)&a, sizeof(a)));
    show("unlink bound name", syscall(SYS_unlink, s));
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect after unlink", connect(c, (struct sockaddr *)&a, sizeof(a)));
    show("bind the name again", bind(d, (struct sockaddr *)&a, sizeof(a)));
    show("connect to the new socket (a datagram one)", connect(c, (struct sockaddr *)&a, sizeof(a)));
    close(c);
    close(l);
    close(d);
    show_stat("socket node after close", s);
    show("unlink", syscall(SYS_unlink, s));

    /* a regular file at the path */
    int fd = open(s, O_CREAT | O_WRONLY, 0600);
    close(fd);
    c = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("bind onto a regular file", bind(c, (struct sockaddr *)&a, sizeof(a)));
    show("connect to a regular file", connect(c, (struct sockaddr *)&a, sizeof(a)));
    show("sendto a regular file", sendto(c, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)));
    close(c);
    show("unlink", syscall(SYS_unlink, s));
    memcpy(b.sun_path, at(1, "nx/sock"), strlen(at(1, "nx/sock")) + 1);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("bind in a missing dir", bind(c, (struct sockaddr *)&b, sizeof(b)));
    show("connect to a missing path", connect(c, (struct sockaddr *)&b, sizeof(b)));
    close(c);
}

/* ---------------------------------------------------------------- devices */

/* Is dir's file system mounted nodev? */
static int nodev(void)
{
    struct statvfs sv;
    return statvfs(dir, &sv) == 0 && (sv.f_flag & ST_NODEV) != 0;
}

static void test_devices(void)
{
    const char *d = at(0, "null");
    show("mknod chr 1,3", syscall(SYS_mknod, d, S_IFCHR | 0666, makedev(1, 3)));
    show_stat("chr stat", d);
    show("mknod chr exists", syscall(SYS_mknod, d, S_IFCHR | 0666, makedev(1, 3)));
    int fd = open(d, O_RDWR);
    int works = fd >= 0 && write(fd, "abc", 3) == 3 && read(fd, (char[4]){ 0 }, 4) == 0;
    int nd = fd < 0 && ((errno == EACCES && nodev()) || errno == EPERM);
    printf("1,3 node acts as /dev/null, or nodev/cgroup: %s\n", works || nd ? "yes" : "no");
    if (fd >= 0)
        close(fd);
    show("unlink chr", syscall(SYS_unlink, d));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    show("mknodat chr 240,7", syscall(SYS_mknodat, dfd, "nodrv", S_IFCHR | 0600, makedev(240, 7)));
    show_stat("chr 240,7 stat", at(1, "nodrv"));
    fd = open(at(1, "nodrv"), O_RDONLY);
    int e = fd < 0 ? errno : 0;
    printf("open 240,7: ENXIO, or nodev/cgroup: %s\n",
           e == ENXIO || (e == EACCES && nodev()) || e == EPERM ? "yes" : "no");
    if (fd >= 0)
        close(fd);
    show("unlinkat chr", syscall(SYS_unlinkat, dfd, "nodrv", 0));
    show("mknod blk 7,200", syscall(SYS_mknod, at(1, "blk"), S_IFBLK | 0600, makedev(7, 200)));
    show_stat("blk stat", at(1, "blk"));
    show("unlink blk", syscall(SYS_unlink, at(1, "blk")));
    close(dfd);
}

/* Without CAP_MKNOD (dropped from the effective set, then restored):
 * devices EPERM, FIFOs and sockets still fine. */
struct cap_header { unsigned version; int pid; };
struct cap_data { unsigned effective, permitted, inheritable; };
#define CAP_VERSION_3 0x20080522
#define CAP_MKNOD_K 27

static void test_no_cap(void)
{
    struct cap_header h = { CAP_VERSION_3, 0 };
    struct cap_data c[2], saved[2];
    if (syscall(SYS_capget, &h, c) < 0) {
        printf("capget: %s\n", errname(errno));
        return;
    }
    memcpy(saved, c, sizeof(c));
    c[0].effective &= ~(1u << CAP_MKNOD_K);
    show("drop CAP_MKNOD", syscall(SYS_capset, &h, c));
    show("mknod chr without CAP_MKNOD", syscall(SYS_mknod, at(0, "n"), S_IFCHR | 0600, makedev(1, 3)));
    show("mknod blk without CAP_MKNOD", syscall(SYS_mknod, at(0, "n"), S_IFBLK | 0600, makedev(7, 0)));
    show("mknod chr onto existing, without", syscall(SYS_mknod, dir, S_IFCHR | 0600, makedev(1, 3)));
    show("mknod fifo without CAP_MKNOD", syscall(SYS_mknod, at(0, "n"), S_IFIFO | 0600, 0));
    show("unlink", syscall(SYS_unlink, at(0, "n")));
    show("restore", syscall(SYS_capset, &h, saved));
}

/* ------------------------------------------------------------- hard links */

static long ino_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (long)st.st_ino : -1;
}

static int nlink_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? (int)st.st_nlink : -1;
}

static long long ctime_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec : -1;
}

static void cat(const char *what, const char *path)
{
    char buf[32];
    int fd = open(path, O_RDONLY);
    int n = fd >= 0 ? (int)read(fd, buf, sizeof(buf)) : -1;
    printf("%s: %d %.*s\n", what, n, n > 0 ? n : 0, buf);
    if (fd >= 0)
        close(fd);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The scratch directory's entries, sorted, with their types. */
static void list_dir(const char *what)
{
    DIR *d = opendir(dir);
    char *names[32];
    int n = 0;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL && n < 32) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *s = malloc(strlen(e->d_name) + 8);
        sprintf(s, "%s:%s", e->d_name, e->d_type == DT_REG ? "reg" : e->d_type == DT_LNK ? "lnk" : "other");
        names[n++] = s;
    }
    if (d != NULL)
        closedir(d);
    qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
    printf("%s:", what);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

static void test_links(const char *other_fs)
{
    int fd = open(at(0, "f"), O_CREAT | O_WRONLY, 0644);
    write(fd, "data", 4);
    close(fd);
    printf("nlink f: %d\n", nlink_of(at(0, "f")));
    long long c0 = ctime_of(at(0, "f"));
    nap();
    show("link f g", syscall(SYS_link, at(0, "f"), at(1, "g")));
    printf("nlink f: %d, g: %d, same inode: %s\n", nlink_of(at(0, "f")), nlink_of(at(1, "g")),
           ino_of(at(0, "f")) == ino_of(at(1, "g")) ? "yes" : "no");
    printf("ctime moved by link: %s\n", ctime_of(at(0, "f")) > c0 ? "yes" : "no");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    show("linkat g h", syscall(SYS_linkat, dfd, "g", dfd, "h", 0));
    printf("nlink: %d\n", nlink_of(at(0, "f")));
    show("link onto existing", syscall(SYS_link, at(0, "f"), at(1, "g")));
    show("link missing", syscall(SYS_link, at(0, "nx"), at(1, "y")));
    show("link into missing dir", syscall(SYS_link, at(0, "f"), at(1, "nx/y")));
    show("link trailing slash", syscall(SYS_link, at(0, "f"), at(1, "y/")));
    show("linkat bad old fd", syscall(SYS_linkat, 999, "f", dfd, "y", 0));
    show("linkat bad new fd", syscall(SYS_linkat, dfd, "f", 999, "y", 0));
    show("link bad address", syscall(SYS_link, (char *)1, at(1, "y")));
    list_dir("entries");
    c0 = ctime_of(at(0, "g"));
    nap();
    show("unlink f", syscall(SYS_unlink, at(0, "f")));
    printf("nlink g: %d, ctime moved by unlink: %s\n", nlink_of(at(0, "g")),
           ctime_of(at(0, "g")) > c0 ? "yes" : "no");
    cat("read g", at(0, "g"));
    fd = open(at(0, "h"), O_WRONLY | O_APPEND);
    write(fd, "+h", 2);
    close(fd);
    cat("read g after write through h", at(0, "g"));
    show("rename g over h (one file)", syscall(SYS_rename, at(0, "g"), at(1, "h")));
    printf("g there: %s, h there: %s, nlink %d\n", nlink_of(at(0, "g")) > 0 ? "yes" : "no",
           nlink_of(at(1, "h")) > 0 ? "yes" : "no", nlink_of(at(0, "h")));
    show("rename h i", syscall(SYS_rename, at(0, "h"), at(1, "i")));
    printf("h there: %s, nlink i %d, same inode as g: %s\n", nlink_of(at(0, "h")) > 0 ? "yes" : "no",
           nlink_of(at(1, "i")), ino_of(at(0, "g")) == ino_of(at(1, "i")) ? "yes" : "no");
    fd = open(at(0, "o"), O_CREAT | O_WRONLY, 0600);
    close(fd);
    show("rename o over g", syscall(SYS_rename, at(0, "o"), at(1, "g")));
    printf("nlink i: %d, g is o: %s\n", nlink_of(at(0, "i")), nlink_of(at(1, "g")) == 1 ? "yes" : "no");
    cat("read i", at(0, "i"));

    /* symlinks: linked as themselves, or (AT_SYMLINK_FOLLOW) their target */
    show("symlink s -> i", syscall(SYS_symlink, "i", at(0, "s")));
    show("linkat s sl", syscall(SYS_linkat, dfd, "s", dfd, "sl", 0));
    show_stat("sl", at(0, "sl"));
    char t[16] = "";
    long tl = readlink(at(0, "sl"), t, sizeof(t));
    printf("readlink sl: %ld %.*s\n", tl, tl > 0 ? (int)tl : 0, t);
    show("linkat s sf follow", syscall(SYS_linkat, dfd, "s", dfd, "sf", AT_SYMLINK_FOLLOW));
    printf("sf is i: %s, nlink i %d\n", ino_of(at(0, "sf")) == ino_of(at(1, "i")) ? "yes" : "no",
           nlink_of(at(0, "i")));
    show("linkat dangling follow", syscall(SYS_linkat, AT_FDCWD, "/nonexistent-fsnodes", dfd, "d1",
                                           AT_SYMLINK_FOLLOW));
    list_dir("entries");

    /* AT_EMPTY_PATH (root: allowed), and a file whose last name is gone */
    fd = open(at(0, "i"), O_RDONLY);
    show("linkat empty path", syscall(SYS_linkat, fd, "", dfd, "e", AT_EMPTY_PATH));
    printf("nlink i: %d\n", nlink_of(at(0, "i")));
    syscall(SYS_unlink, at(0, "i"));
    syscall(SYS_unlink, at(0, "sf"));
    syscall(SYS_unlink, at(0, "e"));
    struct stat st;
    fstat(fd, &st);
    printf("fstat after the last name went: nlink %lu\n", (unsigned long)st.st_nlink);
    show("linkat empty path, no name left", syscall(SYS_linkat, fd, "", dfd, "e", AT_EMPTY_PATH));
    close(fd);

    /* another file system */
    char x[192];
    snprintf(x, sizeof(x), "%s/fsnodes-x.%d", other_fs, getpid());
    show("link across file systems", syscall(SYS_link, at(0, "g"), x));
    unlink(x);
    show("unlink g", syscall(SYS_unlink, at(0, "g")));
    show("unlink s", syscall(SYS_unlink, at(0, "s")));
    show("unlink sl", syscall(SYS_unlink, at(0, "sl")));
    list_dir("entries at the end");
    close(dfd);
}

/* O_TMPFILE files get a name with linkat (once), unless opened O_EXCL; in a
 * scratch directory of /dev/shm (tmpfs natively too: a host's /tmp may be
 * an overlay without O_TMPFILE). */
static void test_tmpfile(void)
{
    snprintf(dir, sizeof(dir), "/dev/shm/fsnodes-tmp.%d", getpid());
    if (mkdir(dir, 0700) < 0) {
        printf("mkdir in /dev/shm: %s\n", errname(errno));
        return;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    int fd = open(dir, O_TMPFILE | O_RDWR, 0600);
    if (fd < 0) {
        printf("O_TMPFILE: %s\n", errname(errno));
        close(dfd);
        return;
    }
    write(fd, "tmp", 3);
    struct stat st;
    fstat(fd, &st);
    printf("tmpfile nlink: %lu\n", (unsigned long)st.st_nlink);
    show("linkat tmpfile", syscall(SYS_linkat, fd, "", dfd, "named", AT_EMPTY_PATH));
    fstat(fd, &st);
    printf("tmpfile nlink after: %lu\n", (unsigned long)st.st_nlink);
    cat("read named", at(0, "named"));
    show("unlink named", syscall(SYS_unlink, at(0, "named")));
    show("linkat tmpfile again", syscall(SYS_linkat, fd, "", dfd, "named", AT_EMPTY_PATH));
    close(fd);
    fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL, 0600);
    show("linkat O_EXCL tmpfile", syscall(SYS_linkat, fd, "", dfd, "named", AT_EMPTY_PATH));
    close(fd);
    close(dfd);
    show("rmdir /dev/shm scratch", rmdir(dir));
}

static void run_in(const char *base, const char *other_fs)
{
    snprintf(dir, sizeof(dir), "%s/fsnodes.%d", base, getpid());
    printf("== %s\n", base[0] == '/' ? base : "cwd");
    if (mkdir(dir, 0755) < 0) {
        printf("mkdir: %s\n", errname(errno));
        return;
    }
    test_fifo();
    test_socket_nodes();
    test_devices();
    test_no_cap();
    test_links(other_fs);
    show("rmdir scratch", rmdir(dir));
}

int main(void)
{
    umask(022);
    setvbuf(stdout, NULL, _IONBF, 0);
    run_in(".", "/dev/shm");
    run_in("/tmp", "/dev/shm");
    printf("== /dev/shm\n");
    test_tmpfile();
    return 0;
}
