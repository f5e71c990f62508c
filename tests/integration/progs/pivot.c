// covers: pivot_root
/*
 * pivot.c - pivot_root(2) in solo (never run natively: it would change the
 * host, and pivot_root needs CAP_SYS_ADMIN before it checks anything, which
 * a container may lack): the argument errors in Linux's order (EFAULT,
 * ENOENT, ENOTDIR, EBUSY for paths on the root's own mount, EINVAL for a
 * new_root that is no mount point or a put_old outside it), then a pivot
 * onto a tmpfs with the old root at put_old (cwd and root move, an open
 * file's /proc/self/fd link follows, so does the cwd of a thread with its
 * own fs state, /proc/self/mounts), detaching the old root, and the idiom
 * pivot_root(".", ".") + umount2(".", MNT_DETACH).
 * Prints one line per check; run.sh compares it exactly.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *what, long r)
{
    if (r >= 0)
        printf("%s: %ld\n", what, r);
    else
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
}

static long pivot(const char *new_root, const char *put_old)
{
    return syscall(SYS_pivot_root, new_root, put_old);
}

static long mnt(const char *target, const char *type)
{
    return syscall(SYS_mount, "none", target, type, 0UL, NULL);
}

static void put(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0 || write(fd, text, strlen(text)) < 0)
        printf("put %s: %s\n", path, strerrorname_np(errno));
    if (fd >= 0)
        close(fd);
}

static void cwd(const char *what)
{
    char buf[256];
    if (syscall(SYS_getcwd, buf, sizeof(buf)) < 0)
        printf("%s getcwd: -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s getcwd: %s\n", what, buf);
}

/* The names in directory path, sorted, on one line. */
static void ls(const char *path)
{
    struct dirent **list;
    int n = scandir(path, &list, NULL, alphasort);
    if (n < 0) {
        printf("ls %s: -1 %s\n", path, strerrorname_np(errno));
        return;
    }
    printf("ls %s:", path);
    for (int i = 0; i < n; i++) {
        if (strcmp(list[i]->d_name, ".") != 0 && strcmp(list[i]->d_name, "..") != 0)
            printf(" %s", list[i]->d_name);
        free(list[i]);
    }
    free(list);
    printf("\n");
}

static void link_of(const char *path)
{
    char buf[256];
    ssize_t n = readlink(path, buf, sizeof(buf) - 1);
    if (n < 0) {
        printf("readlink %s: -1 %s\n", path, strerrorname_np(errno));
        return;
    }
    buf[n] = '\0';
    printf("readlink %s: %s\n", path, buf);
}

static void cat(const char *what, const char *path)
{
    char buf[4096];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (n < 0) {
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    } else {
        buf[n] = '\0';
        for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n"))
            printf("%s| %s\n", what, line);
    }
    if (fd >= 0)
        close(fd);
}

static void errors(void)
{
    mkdir("/tmp/pv", 0755);
    mkdir("/tmp/pv/new", 0755);
    put("/tmp/pv/file", "x");
    show("bad new_root pointer", pivot((const char *)8, "/"));
    show("bad put_old pointer", pivot("/tmp/pv/new", (const char *)8));
    show("missing new_root", pivot("/tmp/pv/none", "/tmp/pv/new"));
    show("missing put_old", pivot("/tmp/pv/new", "/tmp/pv/none"));
    show("new_root a file", pivot("/tmp/pv/file", "/tmp/pv/new"));
    show("put_old a file", pivot("/tmp/pv/new", "/tmp/pv/file"));
    show("new_root /", pivot("/", "/"));
    show("new_root no mount point", pivot("/tmp/pv/new", "/tmp/pv/new"));
    show("mount tmpfs on new", mnt("/tmp/pv/new", "tmpfs"));
    show("put_old on the root mount", pivot("/tmp/pv/new", "/"));
    show("put_old outside new_root", pivot("/tmp/pv/new", "/tmp/pv"));
    show("new_root below a mount's root", (mkdir("/tmp/pv/new/sub", 0755),
                                           pivot("/tmp/pv/new/sub", "/tmp/pv/new/sub")));
}

/* A thread with its own fs state (unshare(CLONE_FS)) whose cwd is on the old
 * root: pivot_root moves its path along (gate: main -> thread). */
static int ready[2], go[2];

static void *other(void *arg)
{
    char c;
    (void)arg;
    long r = syscall(SYS_unshare, 0x200L);
    long d = chdir("/tmp/pv");
    if (write(ready[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
        return NULL;
    show("thread: unshare CLONE_FS", r);
    show("thread: chdir /tmp/pv", d);
    cwd("thread after pivot");
    return NULL;
}

int main(void)
{
    pthread_t t;
    char c;
    errors();
    if (pipe(ready) != 0 || pipe(go) != 0 || pthread_create(&t, NULL, other, NULL) != 0 ||
        read(ready[0], &c, 1) != 1)
        printf("no thread\n");
    mkdir("/tmp/pv/new/old", 0755);
    put("/tmp/pv/new/hello", "hi\n");
    put("/tmp/pv/keep", "kept\n");
    int keep = open("/tmp/pv/keep", O_RDONLY);
    show("chdir /", chdir("/"));
    show("pivot_root new old", pivot("/tmp/pv/new", "/tmp/pv/new/old"));
    cwd("after pivot");
    if (write(go[1], "x", 1) != 1 || pthread_join(t, NULL) != 0)
        printf("thread failed\n");
    ls("/");
    cat("cat /hello", "/hello");
    ls("/old/tmp/pv");
    char fdl[64];
    snprintf(fdl, sizeof(fdl), "/old/proc/self/fd/%d", keep);
    link_of(fdl);
    link_of("/old/proc/self/root");
    link_of("/old/proc/self/cwd");
    cat("mounts", "/old/proc/self/mounts");
    show("chdir /old/tmp", chdir("/old/tmp"));
    cwd("in old");
    show("chdir ..", chdir(".."));
    cwd("up");
    show("chdir /", chdir("/"));
    show("umount2 /old busy", syscall(SYS_umount2, "/old", 0));
    show("umount2 / (the new root)", syscall(SYS_umount2, "/", MNT_DETACH));
    show("umount2 /old MNT_DETACH", syscall(SYS_umount2, "/old", MNT_DETACH));
    ls("/old");
    char buf[16] = "";
    show("read the kept file", read(keep, buf, sizeof(buf) - 1));
    printf("kept: %s", buf);
    show("pivot_root / again", pivot("/", "/old"));

    /* the idiom: pivot_root(".", ".") then umount2(".", MNT_DETACH) */
    mkdir("/proc", 0555);
    show("mount proc", mnt("/proc", "proc"));
    mkdir("/r2", 0755);
    show("mount tmpfs on /r2", mnt("/r2", "tmpfs"));
    put("/r2/inside", "r2\n");
    show("chdir /r2", chdir("/r2"));
    show("pivot_root . .", pivot(".", "."));
    cwd("after . .");
    ls(".");
    show("umount2 . MNT_DETACH", syscall(SYS_umount2, ".", MNT_DETACH));
    cwd("after umount");
    ls("/");
    cat("cat /inside", "/inside");
    show("stat /proc", access("/proc", F_OK));
    mkdir("/proc", 0555);
    show("mount proc again", mnt("/proc", "proc"));
    cat("mounts", "/proc/self/mounts");
    link_of("/proc/self/cwd");
    return 0;
}
