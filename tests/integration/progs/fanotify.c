// covers: fanotify_init fanotify_mark
/*
 * fanotify.c - the fanotify checks that cannot run natively (they would see
 * the host's other processes or change the host): mount marks and file
 * system marks on a tmpfs mounted in the guest, a bind mount of it (the
 * mount mark does not see it, the file system mark does), FAN_Q_OVERFLOW
 * after 16384 queued events, the 128-group limit (EMFILE), a group closed
 * while a thread waits on its permission event (the open is allowed),
 * /proc/sys/fs/fanotify, and a file system mark of a FAN_REPORT_DFID_NAME
 * group (entry events of the whole tmpfs, FAN_RENAME with both
 * parent+name records, nothing from another file system).  Prints one line per check; run.sh compares it
 * exactly with fanotify.expected.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static char buf[24 * 256] __attribute__((aligned(8)));

static void show(const char *what, long r)
{
    if (r >= 0)
        printf("%s: %ld\n", what, r);
    else
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
}

static long finit(unsigned flags, unsigned fflags)
{
    return syscall(SYS_fanotify_init, flags, fflags);
}

static long fmark(int fd, unsigned flags, unsigned long long mask, const char *path)
{
    return syscall(SYS_fanotify_mark, fd, flags, mask, AT_FDCWD, path);
}

static void touch(const char *path)
{
    close(open(path, O_CREAT | O_WRONLY, 0644));
}

/* Print the queued events of fd (nonblocking): mask and the file's path. */
static void drain(const char *tag, int fd)
{
    printf("%s:", tag);
    int any = 0;
    long n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            struct fanotify_event_metadata *e = (struct fanotify_event_metadata *)p;
            char link[64], target[256] = "";
            snprintf(link, sizeof(link), "/proc/self/fd/%d", e->fd);
            ssize_t l = e->fd >= 0 ? readlink(link, target, sizeof(target) - 1) : 0;
            target[l > 0 ? l : 0] = '\0';
            printf(" [0x%llx %s]", (unsigned long long)e->mask, e->fd >= 0 ? target : "nofd");
            if (e->fd >= 0)
                close(e->fd);
            p += e->event_len;
            any = 1;
        }
    }
    printf("%s\n", any ? "" : " (none)");
}

static void marks(void)
{
    mkdir("/tmp/fa", 0755);
    mkdir("/tmp/fb", 0755);
    show("mount tmpfs", mount("none", "/tmp/fa", "tmpfs", 0, NULL));
    show("bind", mount("/tmp/fa", "/tmp/fb", NULL, MS_BIND, NULL));
    touch("/tmp/fa/x");
    touch("/tmp/other");
    mkdir("/tmp/fa/d", 0755);
    int fd = (int)finit(FAN_CLASS_NOTIF | FAN_NONBLOCK, 0);
    show("mount mark", fmark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN | FAN_CLOSE, "/tmp/fa/d"));
    show("mount mark, dirent event", fmark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_CREATE, "/tmp/fa"));
    show("mount mark, on_child dropped", fmark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT,
                                               FAN_OPEN | FAN_EVENT_ON_CHILD, "/tmp/fa"));
    show("perm mount mark on /proc", fmark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_PERM, "/proc"));
    close(open("/tmp/fa/x", O_RDONLY));
    close(open("/tmp/fb/x", O_RDONLY));
    close(open("/tmp/other", O_RDONLY));
    close(open("/tmp/fa/d", O_RDONLY));
    drain("mount mark", fd);
    show("add ONDIR", fmark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_ONDIR, "/tmp/fa"));
    close(open("/tmp/fa/d", O_RDONLY));
    drain("dir with ONDIR", fd);
    show("ignore surv on x", fmark(fd, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY,
                                   FAN_OPEN, "/tmp/fa/x"));
    close(open("/tmp/fa/x", O_RDONLY));
    drain("inode ignore beats mount mark", fd);
    show("ignore without surv on mount", fmark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT | FAN_MARK_IGNORE,
                                                 FAN_OPEN, "/tmp/fa"));
    show("flush mounts", fmark(fd, FAN_MARK_FLUSH | FAN_MARK_MOUNT, 0, NULL));
    close(open("/tmp/fa/x", O_RDONLY));
    drain("flushed", fd);
    show("remove flushed", fmark(fd, FAN_MARK_REMOVE | FAN_MARK_MOUNT, FAN_OPEN, "/tmp/fa"));

    show("filesystem mark", fmark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN, "/tmp/fb"));
    close(open("/tmp/fa/x", O_RDONLY));    /* its inode mark ignores FAN_OPEN */
    touch("/tmp/fa/y");
    close(open("/tmp/fb/y", O_RDONLY));
    close(open("/tmp/other", O_RDONLY));
    drain("filesystem mark", fd);
    show("flush inodes keeps it", fmark(fd, FAN_MARK_FLUSH, 0, NULL));
    show("remove filesystem mark", fmark(fd, FAN_MARK_REMOVE | FAN_MARK_FILESYSTEM, FAN_OPEN, "/tmp/fa"));
    close(fd);
    umount("/tmp/fb");
    unlink("/tmp/fa/x");
    unlink("/tmp/fa/y");
    rmdir("/tmp/fa/d");
    umount("/tmp/fa");
    rmdir("/tmp/fa");
    rmdir("/tmp/fb");
    unlink("/tmp/other");
}

/* Handles of the paths fid_marks names, to say which a record has. */
struct fh {
    unsigned int handle_bytes;
    int handle_type;
    unsigned char f_handle[64];
};
static const char *fh_paths[] = { "/tmp/fc", "/tmp/fc/d", "/tmp/fc/d/x" };
static struct fh fh_known[3];

static const char *fh_name(const unsigned char *h)
{
    for (int i = 0; i < 3; i++)
        if (memcmp(&fh_known[i], h, 8 + fh_known[i].handle_bytes) == 0)
            return fh_paths[i];
    return "?";
}

/* Print the queued events of a group reporting file handles. */
static void drain_fid(const char *tag, int fd)
{
    static const char *types[] = { [1] = "FID", [2] = "DFID_NAME", [3] = "DFID",
                                   [10] = "OLD_DFID_NAME", [12] = "NEW_DFID_NAME" };
    printf("%s:", tag);
    int any = 0;
    long n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n;) {
            struct fanotify_event_metadata *e = (struct fanotify_event_metadata *)p;
            printf(" [0x%llx%s", (unsigned long long)e->mask, e->fd == FAN_NOFD ? " nofd" : " fd");
            for (char *r = p + e->metadata_len; r < p + e->event_len;) {
                unsigned short len;
                unsigned int hb;
                memcpy(&len, r + 2, 2);
                memcpy(&hb, r + 12, 4);
                const char *t = (unsigned char)r[0] < 13 ? types[(unsigned char)r[0]] : NULL;
                printf(" %s %s", t != NULL ? t : "?", fh_name((unsigned char *)r + 12));
                if (len > 20 + hb && r[20 + hb] != '\0')
                    printf(" \"%s\"", r + 20 + hb);
                r += len > 0 ? len : p + e->event_len - r;
            }
            printf("]");
            p += e->event_len;
            any = 1;
        }
    }
    printf("%s\n", any ? "" : " (none)");
}

static void fid_marks(void)
{
    int mnt;
    mkdir("/tmp/fc", 0755);
    show("mount tmpfs fc", mount("none", "/tmp/fc", "tmpfs", 0, NULL));
    mkdir("/tmp/fc/d", 0755);
    touch("/tmp/fc/d/x");
    touch("/tmp/other");
    for (int i = 0; i < 3; i++) {
        fh_known[i].handle_bytes = sizeof(fh_known[i].f_handle);
        syscall(SYS_name_to_handle_at, AT_FDCWD, fh_paths[i], &fh_known[i], &mnt, 0);
    }
    int fd = (int)finit(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_REPORT_DFID_NAME, 0);
    show("fid mount mark, create", fmark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_CREATE, "/tmp/fc"));
    show("fid filesystem mark on /proc", fmark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CREATE, "/proc"));
    show("fid filesystem mark", fmark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CREATE | FAN_DELETE |
                                      FAN_ATTRIB | FAN_RENAME | FAN_ONDIR, "/tmp/fc/d"));
    mkdir("/tmp/fc/e", 0755);
    drain_fid("fid mkdir", fd);
    chmod("/tmp/fc/d/x", 0600);
    chmod("/tmp/other", 0600);
    drain_fid("fid chmod", fd);
    rename("/tmp/fc/d/x", "/tmp/fc/y");
    drain_fid("fid rename", fd);
    unlink("/tmp/fc/y");
    rmdir("/tmp/fc/e");
    drain_fid("fid unlink, rmdir", fd);
    close(fd);
    rmdir("/tmp/fc/d");
    umount("/tmp/fc");
    rmdir("/tmp/fc");
    unlink("/tmp/other");
}

/* 16384 queued events, then one more: dropped, FAN_Q_OVERFLOW queued once. */
static void overflow(void)
{
    char p[64];
    mkdir("/tmp/fo", 0755);
    for (int d = 0; d < 128; d++) {
        snprintf(p, sizeof(p), "/tmp/fo/%d", d);
        mkdir(p, 0755);
        for (int i = 0; i < 129; i++) {
            snprintf(p, sizeof(p), "/tmp/fo/%d/%d", d, i);
            touch(p);
        }
    }
    int fd = (int)finit(FAN_CLASS_NOTIF | FAN_NONBLOCK, 0);
    show("mount mark /tmp", fmark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN, "/tmp/fo"));
    int opened = 0;
    for (int d = 0; d < 128; d++) {
        for (int i = 0; i < 129; i++) {
            snprintf(p, sizeof(p), "/tmp/fo/%d/%d", d, i);
            close(open(p, O_RDONLY));
            opened++;
        }
    }
    int n = 0;
    ioctl(fd, FIONREAD, &n);
    printf("opened %d, FIONREAD %d events\n", opened, n / 24);
    long r, events = 0, over = 0, nofd = 0;
    while ((r = read(fd, buf, sizeof(buf))) > 0) {
        for (char *q = buf; q < buf + r;) {
            struct fanotify_event_metadata *e = (struct fanotify_event_metadata *)q;
            events++;
            if (e->mask == FAN_Q_OVERFLOW) {
                over++;
                printf("overflow event at %ld: pid %d\n", events, e->pid);
            }
            if (e->fd == FAN_NOFD)
                nofd++;
            else
                close(e->fd);
            q += e->event_len;
        }
    }
    printf("read %ld events, %ld overflow, %ld without fd\n", events, over, nofd);
    close(open("/tmp/fo/0/0", O_RDONLY));
    drain("after overflow", fd);
    close(fd);
    fd = (int)finit(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE, 0);
    fmark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_CLOSE_NOWRITE, "/tmp/fo");
    for (int d = 0; d < 128; d++) {
        for (int i = 0; i < 129; i++) {
            snprintf(p, sizeof(p), "/tmp/fo/%d/%d", d, i);
            close(open(p, O_RDONLY));
        }
    }
    ioctl(fd, FIONREAD, &n);
    printf("unlimited queue: FIONREAD %d events\n", n / 24);
    close(fd);
    for (int d = 0; d < 128; d++) {
        for (int i = 0; i < 129; i++) {
            snprintf(p, sizeof(p), "/tmp/fo/%d/%d", d, i);
            unlink(p);
        }
        snprintf(p, sizeof(p), "/tmp/fo/%d", d);
        rmdir(p);
    }
    rmdir("/tmp/fo");
}

static void groups(void)
{
    int fds[130], n = 0;
    long r;
    while (n < 130 && (r = finit(FAN_CLASS_NOTIF, 0)) >= 0)
        fds[n++] = (int)r;
    printf("groups: %d, then %s\n", n, strerrorname_np(errno));
    while (n > 0)
        close(fds[--n]);
    r = finit(FAN_CLASS_NOTIF, 0);
    show("after closing them", r >= 0 ? 0 : -1);
    close((int)r);
}

static int perm_fd;

static void *opener(void *arg)
{
    (void)arg;
    int f = open("/tmp/pf", O_RDONLY);
    printf("open after the group closed: %s\n", f >= 0 ? "ok" : strerrorname_np(errno));
    close(f);
    return NULL;
}

static void release_pending(void)
{
    touch("/tmp/pf");
    perm_fd = (int)finit(FAN_CLASS_PRE_CONTENT, 0);
    show("mark", fmark(perm_fd, FAN_MARK_ADD, FAN_OPEN_PERM, "/tmp/pf"));
    pthread_t t;
    pthread_create(&t, NULL, opener, NULL);
    long n = read(perm_fd, buf, sizeof(buf));
    struct fanotify_event_metadata *e = (struct fanotify_event_metadata *)buf;
    printf("read %ld: mask 0x%llx\n", n, (unsigned long long)e->mask);
    close(e->fd);
    close(perm_fd);                    /* unanswered: allowed */
    pthread_join(t, NULL);
    unlink("/tmp/pf");
}

static void proc_files(void)
{
    static const char *names[] = { "max_queued_events", "max_user_groups", "max_user_marks" };
    for (int i = 0; i < 3; i++) {
        char p[96], v[32] = "";
        snprintf(p, sizeof(p), "/proc/sys/fs/fanotify/%s", names[i]);
        int fd = open(p, O_RDONLY);
        ssize_t n = fd >= 0 ? read(fd, v, sizeof(v) - 1) : -1;
        v[n > 0 ? n : 0] = '\0';
        printf("%s: %s", names[i], n > 0 ? v : "?\n");
        close(fd);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    marks();
    overflow();
    groups();
    release_pending();
    proc_files();
    fid_marks();
    return 0;
}
