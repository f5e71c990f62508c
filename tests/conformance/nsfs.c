/*
 * nsfs.c - namespace files and setns: the /proc/self/ns/ links (their text
 * "kind:[inode]", printed without the number), the nsfs files they open
 * (fstat relations: one device, the link's inode; read/lseek errors), the
 * ioctl_ns requests, setns's argument errors in Linux's order, setns into
 * the caller's own namespaces (a mount namespace moves the cwd and root to
 * its root), a pidfd with a mask, unshare(CLONE_NEWUTS) then setns back to
 * the saved UTS namespace (the old host name returns), the EPERM paths once
 * CAP_SYS_ADMIN is dropped, and vhangup with and without
 * CAP_SYS_TTY_CONFIG after setsid (no controlling terminal).
 * Only this process's namespaces and host name change (the new UTS
 * namespace is its own), so the native run leaves the host as it was.
 */
// covers: setns vhangup
#include "common.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <dirent.h>
#include <pthread.h>

#define NS_GET_USERNS 0xb701
#define NS_GET_PARENT 0xb702
#define NS_GET_NSTYPE 0xb703
#define NS_GET_OWNER_UID 0xb704

#define BAD_PTR ((void *)0xffff800000000000UL)   /* a kernel address */
#define NEWUTS 0x4000000L
#define NEWNS 0x20000L
#define NEWNET 0x40000000L
#define NEWUSER 0x10000000L
#define NEWPID 0x20000000L
#define NEWIPC 0x8000000L
#define NEWCGROUP 0x2000000L
#define NEWTIME 0x80L

static const char *const kinds[] = { "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
                                     "time", "time_for_children", "user", "uts" };

/* The link text of /proc/<dir>/ns/<kind> with the inode number cut off. */
static void link_text(const char *dir, const char *kind)
{
    char p[96], t[64];
    snprintf(p, sizeof(p), "%s/ns/%s", dir, kind);
    long n = readlink(p, t, sizeof(t) - 1);
    if (n < 0) {
        printf("readlink %s: %s\n", p, errname(errno));
        return;
    }
    t[n] = '\0';
    char *b = strchr(t, '[');
    int digits = b != NULL && t[n - 1] == ']' && n - (b - t) > 2;
    if (b != NULL)
        *b = '\0';
    printf("readlink %s: %s[%s]\n", p, t, digits ? "N" : "?");
}

static int open_ns(const char *kind)
{
    char p[64];
    snprintf(p, sizeof(p), "/proc/self/ns/%s", kind);
    return open(p, O_RDONLY | O_CLOEXEC);
}

static int same_file(int a, int b)
{
    struct stat x, y;
    return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* Does the link text of /proc/self/ns/<kind> name fd's inode? */
static int link_names(const char *kind, int fd)
{
    char p[64], t[64], want[64];
    struct stat st;
    snprintf(p, sizeof(p), "/proc/self/ns/%s", kind);
    long n = readlink(p, t, sizeof(t) - 1);
    if (n < 0 || fstat(fd, &st) != 0)
        return 0;
    t[n] = '\0';
    snprintf(want, sizeof(want), "%.*s:[%lu]", (int)strcspn(kind, "_"), kind, (unsigned long)st.st_ino);
    return strcmp(t, want) == 0;
}

static void test_links(void)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        link_text("/proc/self", kinds[i]);
    link_text("/proc/thread-self", "uts");
    link_text("/proc/self", "nosuch");
    struct stat st;
    show("lstat ns/uts", lstat("/proc/self/ns/uts", &st));
    fact("ns/uts is a symlink", S_ISLNK(st.st_mode));
    show("stat ns/uts", stat("/proc/self/ns/uts", &st));
    fact("ns/uts target is a regular file", S_ISREG(st.st_mode));
    printf("its permissions: %o\n", (unsigned)(st.st_mode & 07777));
    show("stat ns/ dir", stat("/proc/self/ns", &st));
    printf("ns/ permissions: %o\n", (unsigned)(st.st_mode & 07777));
    show("open ns/uts/", open("/proc/self/ns/uts/", O_RDONLY));
    show("open ns/uts O_NOFOLLOW", open("/proc/self/ns/uts", O_RDONLY | O_NOFOLLOW));
    struct { unsigned long long flags, mode, resolve; } how = { O_RDONLY, 0, 0x02 };
    show("openat2 ns/uts RESOLVE_NO_MAGICLINKS", syscall(SYS_openat2, AT_FDCWD, "/proc/self/ns/uts", &how, sizeof(how)));
    int nsdir = open("/proc/self/ns", O_RDONLY | O_DIRECTORY);
    how.resolve = 0x01;
    show("openat2 uts RESOLVE_NO_XDEV from ns/", syscall(SYS_openat2, nsdir, "uts", &how, sizeof(how)));
    how.resolve = 0x08;
    show("openat2 uts RESOLVE_BENEATH from ns/", syscall(SYS_openat2, nsdir, "uts", &how, sizeof(how)));
    how.resolve = 0;
    int viadir = (int)syscall(SYS_openat2, nsdir, "uts", &how, sizeof(how));
    fact("openat2 uts from ns/ opens it", viadir >= 0);
    close(viadir);
    close(nsdir);

    int fds[10];
    for (int i = 0; i < 10; i++)
        fds[i] = open_ns(kinds[i]);
    struct stat a, b;
    fstat(fds[0], &a);
    int one_dev = 1, distinct = 1;
    for (int i = 0; i < 10; i++) {
        fstat(fds[i], &b);
        one_dev &= b.st_dev == a.st_dev;
        fact(kinds[i], fds[i] >= 0 && link_names(kinds[i], fds[i]));
    }
    for (int i = 0; i < 10; i++)
        for (int j = i + 1; j < 10; j++)
            if (same_file(fds[i], fds[j]) && !(i == 4 && j == 5) && !(i == 6 && j == 7))
                distinct = 0;
    fact("all on one device", one_dev);
    fact("kinds have distinct inodes", distinct);
    fact("pid_for_children is pid", same_file(fds[4], fds[5]));
    fact("time_for_children is time", same_file(fds[6], fds[7]));
    int again = open_ns("uts");
    fact("uts opened twice is one namespace", same_file(again, fds[9]));
    close(again);
    int tu = open("/proc/thread-self/ns/uts", O_RDONLY);
    fact("thread-self uts is the same", same_file(tu, fds[9]));
    close(tu);

    char t[64], p[64];
    snprintf(p, sizeof(p), "/proc/self/fd/%d", fds[9]);
    long n = readlink(p, t, sizeof(t) - 1);
    t[n > 0 ? n : 0] = '\0';
    char *br = strchr(t, '[');
    if (br != NULL)
        *br = '\0';
    printf("fd link of an ns fd: %s\n", t);
    int re = open(p, O_RDONLY);
    fact("reopened through /proc/self/fd: the same namespace", same_file(re, fds[9]));
    close(re);
    char c;
    show("read ns fd", read(fds[9], &c, 1));
    show("write ns fd", write(fds[9], "x", 1));
    show("lseek ns fd", lseek(fds[9], 0, SEEK_SET));
    for (int i = 0; i < 10; i++)
        close(fds[i]);
}

/* The names in /proc/self/ns in readdir order. */
static void test_listing(void)
{
    DIR *d = opendir("/proc/self/ns");
    if (d == NULL) {
        printf("opendir ns: %s\n", errname(errno));
        return;
    }
    printf("ns/ lists:");
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        printf(" %s%s", e->d_name, e->d_type == DT_LNK ? "@" : "");
    printf("\n");
    closedir(d);
}

static int gate[2];

static void *sleeper(void *arg)
{
    char c;
    (void)arg;
    if (read(gate[0], &c, 1) != 1)
        return NULL;
    return NULL;
}

/* With a second thread (sharing the cwd and root): a time namespace needs
 * a single-threaded caller (EUSERS), a mount namespace an fs state of its
 * own (EINVAL) unless a pidfd mask asks for more kinds. */
static void test_threads(void)
{
    pthread_t t;
    if (pipe(gate) != 0 || pthread_create(&t, NULL, sleeper, NULL) != 0) {
        printf("no thread\n");
        return;
    }
    int uts = open_ns("uts"), tm = open_ns("time"), mnt = open_ns("mnt");
    int pfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    int here = open(".", O_RDONLY | O_DIRECTORY);
    char cwd[256];
    show("thread: setns own uts", syscall(SYS_setns, uts, 0));
    show("thread: setns own time", syscall(SYS_setns, tm, 0));
    show("thread: setns own mnt", syscall(SYS_setns, mnt, 0));
    show("thread: setns pidfd NEWTIME", syscall(SYS_setns, pfd, NEWTIME));
    show("thread: setns pidfd NEWNS", syscall(SYS_setns, pfd, NEWNS));
    show("thread: setns pidfd NEWNS|NEWIPC", syscall(SYS_setns, pfd, NEWNS | NEWIPC));
    printf("cwd after: %s\n", getcwd(cwd, sizeof(cwd)) != NULL ? cwd : errname(errno));
    show("fchdir back", fchdir(here));
    if (write(gate[1], "x", 1) != 1)
        printf("write failed\n");
    pthread_join(t, NULL);
    close(uts);
    close(tm);
    close(mnt);
    close(pfd);
    close(here);
}

static void test_ioctl(void)
{
    for (int i = 0; i < 10; i++) {
        int fd = open_ns(kinds[i]);
        char what[64];
        snprintf(what, sizeof(what), "NS_GET_NSTYPE %s", kinds[i]);
        show(what, ioctl(fd, NS_GET_NSTYPE));
        snprintf(what, sizeof(what), "NS_GET_PARENT %s", kinds[i]);
        show(what, ioctl(fd, NS_GET_PARENT));
        unsigned uid = 77;
        snprintf(what, sizeof(what), "NS_GET_OWNER_UID %s", kinds[i]);
        show(what, ioctl(fd, NS_GET_OWNER_UID, &uid));
        if (i == 8)
            printf("owner uid: %u\n", uid);
        int u = ioctl(fd, NS_GET_USERNS);
        snprintf(what, sizeof(what), "NS_GET_USERNS %s", kinds[i]);
        if (u >= 0) {
            int user = open_ns("user");
            printf("%s: an fd, the user namespace: %d, cloexec: %d\n", what, same_file(u, user),
                   (fcntl(u, F_GETFD) & FD_CLOEXEC) != 0);
            close(user);
            close(u);
        } else {
            show(what, u);
        }
        close(fd);
    }
    int user = open_ns("user");
    show("NS_GET_OWNER_UID bad pointer", ioctl(user, NS_GET_OWNER_UID, BAD_PTR));
    close(user);
    show("NS_GET_NSTYPE on a regular file", ioctl(0, NS_GET_NSTYPE));
}

static void test_setns_errors(void)
{
    int uts = open_ns("uts");
    int null = open("/dev/null", O_RDONLY);
    int dir = open("/proc/self/ns", O_RDONLY | O_DIRECTORY);
    int opath = open("/proc/self/ns/uts", O_PATH);
    show("setns bad fd", syscall(SYS_setns, -1, 0));
    show("setns closed fd", syscall(SYS_setns, 999, 0));
    show("setns /dev/null", syscall(SYS_setns, null, 0));
    show("setns /dev/null with NEWUTS", syscall(SYS_setns, null, NEWUTS));
    show("setns a directory", syscall(SYS_setns, dir, 0));
    show("setns O_PATH ns fd", syscall(SYS_setns, opath, 0));
    char p[64], t[64];
    snprintf(p, sizeof(p), "/proc/self/fd/%d", opath);
    long n = readlink(p, t, sizeof(t) - 1);
    t[n > 0 ? n : 0] = '\0';
    fact("an O_PATH ns fd's link names the namespace", strncmp(t, "uts:[", 5) == 0);
    show("setns uts as net", syscall(SYS_setns, uts, NEWNET));
    show("setns uts unknown bit", syscall(SYS_setns, uts, 1));
    show("setns uts NEWUTS|NEWNET", syscall(SYS_setns, uts, NEWUTS | NEWNET));
    int user = open_ns("user");
    show("setns own user ns", syscall(SYS_setns, user, 0));
    show("setns own user ns as uts", syscall(SYS_setns, user, NEWUTS));
    close(user);
    close(uts);
    close(null);
    close(dir);
    close(opath);
}

static void test_setns_own(void)
{
    const char *ok[] = { "uts", "ipc", "net", "cgroup", "pid", "pid_for_children", "time",
                         "time_for_children" };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char what[64];
        int fd = open_ns(ok[i]);
        snprintf(what, sizeof(what), "setns own %s", ok[i]);
        show(what, syscall(SYS_setns, fd, 0));
        int ty = ioctl(fd, NS_GET_NSTYPE);
        snprintf(what, sizeof(what), "setns own %s with its type", ok[i]);
        show(what, syscall(SYS_setns, fd, ty));
        close(fd);
    }
    /* a mount namespace: cwd and root become its root */
    char cwd[256];
    int here = open(".", O_RDONLY | O_DIRECTORY);
    int mnt = open_ns("mnt");
    show("setns own mnt", syscall(SYS_setns, mnt, NEWNS));
    printf("cwd after: %s\n", getcwd(cwd, sizeof(cwd)) != NULL ? cwd : errname(errno));
    show("fchdir back", fchdir(here));
    close(mnt);
    close(here);
}

static void test_pidfd(void)
{
    int pfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (pfd < 0) {
        printf("pidfd_open failed: %s\n", errname(errno));
        return;
    }
    char cwd[256];
    int here = open(".", O_RDONLY | O_DIRECTORY);
    show("setns pidfd 0", syscall(SYS_setns, pfd, 0));
    show("setns pidfd unknown bit", syscall(SYS_setns, pfd, NEWUTS | 1));
    show("setns pidfd NEWUTS", syscall(SYS_setns, pfd, NEWUTS));
    show("setns pidfd NEWUTS|NEWIPC|NEWNET|NEWCGROUP", syscall(SYS_setns, pfd, NEWUTS | NEWIPC | NEWNET | NEWCGROUP));
    show("setns pidfd NEWPID|NEWTIME", syscall(SYS_setns, pfd, NEWPID | NEWTIME));
    show("setns pidfd NEWUSER", syscall(SYS_setns, pfd, NEWUSER));
    show("setns pidfd NEWUSER|NEWUTS", syscall(SYS_setns, pfd, NEWUSER | NEWUTS));
    show("setns pidfd NEWNS|NEWUTS", syscall(SYS_setns, pfd, NEWNS | NEWUTS));
    printf("cwd after: %s\n", getcwd(cwd, sizeof(cwd)) != NULL ? cwd : errname(errno));
    show("fchdir back", fchdir(here));
    close(here);
    close(pfd);
}

static void test_uts_restore(void)
{
    struct utsname u;
    int old = open_ns("uts");
    uname(&u);
    char host[65];
    snprintf(host, sizeof(host), "%s", u.nodename);
    int ipc_old = open_ns("ipc");
    long r = syscall(SYS_unshare, NEWUTS);
    show("unshare NEWUTS", r);
    if (r != 0)
        return;                        /* never rename the host's own namespace */
    int cur = open_ns("uts");
    fact("uts link names a new namespace", !same_file(old, cur));
    int ipc = open_ns("ipc");
    fact("the ipc namespace stays", same_file(ipc, ipc_old));
    close(ipc);
    close(ipc_old);
    show("sethostname in the new namespace", syscall(SYS_sethostname, "nsfs-test", 9));
    uname(&u);
    printf("host name now: %s\n", u.nodename);
    show("setns back to the saved uts", syscall(SYS_setns, old, NEWUTS));
    uname(&u);
    fact("the old host name is back", strcmp(u.nodename, host) == 0);
    int now = open_ns("uts");
    fact("uts link names the old namespace", same_file(now, old));
    close(now);
    show("setns into the new one again", syscall(SYS_setns, cur, 0));
    uname(&u);
    printf("host name there: %s\n", u.nodename);
    show("setns back again", syscall(SYS_setns, old, 0));
    uname(&u);
    fact("the old host name is back again", strcmp(u.nodename, host) == 0);
    close(cur);
    close(old);
}

/* The capability ABI (musl's headers lack linux/capability.h). */
struct cap_hdr { unsigned version; int pid; };
struct cap_data { unsigned effective, permitted, inheritable; };

static void drop_cap(int cap)
{
    struct cap_hdr h = { 0x20080522, 0 };
    struct cap_data d[2];
    if (syscall(SYS_capget, &h, d) != 0)
        return;
    d[cap / 32].effective &= ~(1U << (cap % 32));
    if (syscall(SYS_capset, &h, d) != 0)
        printf("capset failed: %s\n", errname(errno));
}

static void test_unprivileged(void)
{
    drop_cap(21);                      /* CAP_SYS_ADMIN */
    int uts = open_ns("uts"), user = open_ns("user"), null = open("/dev/null", O_RDONLY);
    show("no CAP_SYS_ADMIN: setns own uts", syscall(SYS_setns, uts, 0));
    show("no CAP_SYS_ADMIN: setns uts as net", syscall(SYS_setns, uts, NEWNET));
    show("no CAP_SYS_ADMIN: setns own user", syscall(SYS_setns, user, 0));
    show("no CAP_SYS_ADMIN: setns /dev/null", syscall(SYS_setns, null, 0));
    show("no CAP_SYS_ADMIN: setns bad fd", syscall(SYS_setns, -1, 0));
    show("no CAP_SYS_ADMIN: NS_GET_NSTYPE", ioctl(uts, NS_GET_NSTYPE));
    close(uts);
    close(user);
    close(null);
}

static void test_vhangup(void)
{
    setsid();                          /* no controlling terminal from here on */
    show("vhangup without a controlling terminal", syscall(SYS_vhangup));
    drop_cap(26);                      /* CAP_SYS_TTY_CONFIG */
    show("vhangup without CAP_SYS_TTY_CONFIG", syscall(SYS_vhangup));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_links();
    test_listing();
    test_ioctl();
    test_setns_errors();
    test_setns_own();
    test_pidfd();
    test_threads();
    test_uts_restore();
    test_unprivileged();
    test_vhangup();
    return 0;
}
