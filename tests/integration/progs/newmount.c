// covers: fsopen fsconfig fsmount move_mount open_tree fspick mount_setattr mount
/*
 * newmount.c - the fd-based mount API in solo (never run natively: it would
 * change the host): fsopen/fsconfig/fsmount/move_mount round trip for a
 * tmpfs with size= and mode=, the context's message log, a detached mount
 * used as a dirfd before it is attached, read-only via mount_setattr
 * (EROFS), open_tree clones (plain and recursive), fspick reconfiguring,
 * MS_MOVE and move_mount of an attached mount, and the error paths.  Prints
 * one line per check; run.sh compares it with newmount.expected exactly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#define SYS_move_mount 429
#define SYS_fsopen 430
#define SYS_fsconfig 431
#define SYS_fsmount 432
#define SYS_fspick 433
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

#define FSOPEN_CLOEXEC 1
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_SET_BINARY 2
#define FSCONFIG_SET_PATH 3
#define FSCONFIG_SET_FD 5
#define FSCONFIG_CMD_CREATE 6
#define FSCONFIG_CMD_RECONFIGURE 7
#define FSMOUNT_CLOEXEC 1
#define MOUNT_ATTR_RDONLY 0x1
#define MOUNT_ATTR_NOSUID 0x2
#define MOUNT_ATTR_NOEXEC 0x8
#define MOUNT_ATTR__ATIME 0x70
#define MOUNT_ATTR_NOATIME 0x10
#define MOUNT_ATTR_IDMAP 0x100000
#define MOVE_MOUNT_F_EMPTY_PATH 4
#define MOVE_MOUNT_SET_GROUP 0x100
#define OPEN_TREE_CLONE 1
#define FSPICK_EMPTY_PATH 8
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define MS_MOVE 8192
#define MS_PRIVATE (1 << 18)
#define MS_SHARED (1 << 20)

struct attr {
    uint64_t set, clr, propagation, userns_fd;
};

static void show(const char *what, long r)
{
    if (r >= 0)
        printf("%s: ok\n", what);
    else
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
}

static void fact(const char *what, int cond)
{
    printf("%s: %s\n", what, cond ? "yes" : "no");
}

static long fsopen(const char *name, unsigned flags)
{
    return syscall(SYS_fsopen, name, flags);
}

static long fsconfig(int fd, unsigned cmd, const char *key, const void *val, int aux)
{
    return syscall(SYS_fsconfig, fd, cmd, key, val, aux);
}

static long fsmount(int fd, unsigned flags, unsigned attr)
{
    return syscall(SYS_fsmount, fd, flags, attr);
}

static long move_mount(int fd, const char *from, int tfd, const char *to, unsigned flags)
{
    return syscall(SYS_move_mount, fd, from, tfd, to, flags);
}

static long open_tree(int dfd, const char *path, unsigned flags)
{
    return syscall(SYS_open_tree, dfd, path, flags);
}

static long fspick(int dfd, const char *path, unsigned flags)
{
    return syscall(SYS_fspick, dfd, path, flags);
}

static long setattr(int dfd, const char *path, unsigned flags, struct attr *a, size_t size)
{
    return syscall(SYS_mount_setattr, dfd, path, flags, a, size);
}

static long umnt(const char *target, int flags)
{
    return syscall(SYS_umount2, target, flags);
}

static void put(int dfd, const char *path, const char *text)
{
    int fd = openat(dfd, path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    long n = fd >= 0 ? write(fd, text, strlen(text)) : -1;
    if (n < 0)
        printf("put %s: -1 %s\n", path, strerrorname_np(errno));
    if (fd >= 0)
        close(fd);
}

static void cat(int dfd, const char *path)
{
    char buf[128];
    int fd = openat(dfd, path, O_RDONLY);
    if (fd < 0) {
        printf("cat %s: -1 %s\n", path, strerrorname_np(errno));
        return;
    }
    long n = read(fd, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    printf("cat %s: %s", path, buf);
    close(fd);
}

/* The context's log, one message per read, until ENODATA. */
static void drain_log(int fd)
{
    char buf[256];
    long n;
    while ((n = read(fd, buf, sizeof(buf) - 1)) >= 0) {
        buf[n] = '\0';
        printf("log: %s", buf);
    }
    printf("log end: %s\n", strerrorname_np(errno));
}

/* The lines of /proc/self/mounts that mention word. */
static void grep_mounts(const char *word)
{
    static char buf[8192];
    int fd = open("/proc/self/mounts", O_RDONLY);
    long n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    int found = 0;
    for (char *l = strtok(buf, "\n"); l != NULL; l = strtok(NULL, "\n")) {
        if (strstr(l, word) != NULL) {
            printf("mounts| %s\n", l);
            found = 1;
        }
    }
    if (!found)
        printf("mounts| (no %s)\n", word);
}

static void link_of(const char *what, int fd)
{
    char p[64], t[256];
    snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
    long n = readlink(p, t, sizeof(t) - 1);
    t[n > 0 ? n : 0] = '\0';
    printf("%s link: %s\n", what, n >= 0 ? t : strerrorname_np(errno));
}

static int new_tmpfs(const char *size)
{
    int fs = (int)fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (size != NULL)
        fsconfig(fs, FSCONFIG_SET_STRING, "size", size, 0);
    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
    int m = (int)fsmount(fs, FSMOUNT_CLOEXEC, 0);
    close(fs);
    return m;
}

static void test_round_trip(void)
{
    struct stat st;
    struct statfs sf;
    char big[8192];
    int fs = (int)fsopen("tmpfs", FSOPEN_CLOEXEC);
    show("fsopen tmpfs", fs);
    fact("cloexec", (fcntl(fs, F_GETFD) & FD_CLOEXEC) != 0);
    link_of("fscontext", fs);
    show("set size", fsconfig(fs, FSCONFIG_SET_STRING, "size", "16k", 0));
    show("set mode", fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0));
    show("set source", fsconfig(fs, FSCONFIG_SET_STRING, "source", "mysrc", 0));
    show("set source again", fsconfig(fs, FSCONFIG_SET_STRING, "source", "x", 0));
    show("unknown key", fsconfig(fs, FSCONFIG_SET_STRING, "bogus", "1", 0));
    show("bad size", fsconfig(fs, FSCONFIG_SET_STRING, "size", "12q", 0));
    show("size as flag", fsconfig(fs, FSCONFIG_SET_FLAG, "size", NULL, 0));
    show("source as flag", fsconfig(fs, FSCONFIG_SET_FLAG, "source", NULL, 0));
    show("ro flag as string", fsconfig(fs, FSCONFIG_SET_STRING, "rw", "x", 0));
    show("binary value", fsconfig(fs, FSCONFIG_SET_BINARY, "mode", "ab", 2));
    show("path value", fsconfig(fs, FSCONFIG_SET_PATH, "mode", "/", AT_FDCWD));
    show("fd value", fsconfig(fs, FSCONFIG_SET_FD, "mode", NULL, 0));
    show("sync flag", fsconfig(fs, FSCONFIG_SET_FLAG, "sync", NULL, 0));
    show("mode not octal", fsconfig(fs, FSCONFIG_SET_STRING, "mode", "9", 0));
    drain_log(fs);
    char small[4];
    fsconfig(fs, FSCONFIG_SET_STRING, "nope", "1", 0);
    show("read small buffer", read(fs, small, sizeof(small)));
    drain_log(fs);
    show("write fscontext", write(fs, "x", 1));
    show("fsmount before create", fsmount(fs, 0, 0));
    show("reconfigure before create", fsconfig(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
    show("create", fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    show("create again", fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    show("set after create", fsconfig(fs, FSCONFIG_SET_STRING, "size", "1m", 0));
    show("fsmount bad flags", fsmount(fs, 2, 0));
    show("fsmount bad attr", fsmount(fs, 0, MOUNT_ATTR_IDMAP));
    show("fsmount bad atime", fsmount(fs, 0, 0x30));
    int m = (int)fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID);
    show("fsmount", m);
    show("fsmount again", fsmount(fs, 0, 0));
    link_of("mount fd", m);
    fstat(m, &st);
    printf("detached root mode: %o\n", st.st_mode);
    fact("O_PATH", (fcntl(m, F_GETFL) & O_PATH) != 0);
    /* a detached mount works as a dirfd before it is attached */
    show("mkdirat detached", mkdirat(m, "sub", 0755));
    put(m, "sub/f", "in detached\n");
    cat(m, "sub/f");
    cat(m, "../sub/f");
    int sub = openat(m, "sub", O_RDONLY | O_DIRECTORY);
    link_of("file in detached", sub);
    char cwd[256];
    fchdir(sub);
    long cl = syscall(SYS_getcwd, cwd, sizeof(cwd));     /* glibc's getcwd says ENOENT */
    printf("cwd in detached: %s\n", cl > 0 ? cwd : strerrorname_np(errno));
    cat(AT_FDCWD, "f");
    chdir("/");
    grep_mounts("mysrc");
    char lp[64];
    snprintf(lp, sizeof(lp), "/proc/self/fd/%d", m);
    show("mount onto detached", syscall(SYS_mount, "none", lp, "tmpfs", 0, NULL));
    show("bind from detached", syscall(SYS_mount, lp, "/tmp", NULL, 4096, NULL));
    show("umount detached", umnt(lp, 0));
    mkdir("/nm", 0755);
    show("move_mount attach", move_mount(m, "", AT_FDCWD, "/nm", MOVE_MOUNT_F_EMPTY_PATH));
    show("move_mount attach again", move_mount(m, "", AT_FDCWD, "/nm", MOVE_MOUNT_F_EMPTY_PATH));
    link_of("mount fd after attach", m);
    link_of("file after attach", sub);
    cat(AT_FDCWD, "/nm/sub/f");
    cat(sub, "f");
    cat(sub, "../../nm/sub/f");
    stat("/nm", &st);
    printf("attached root mode: %o\n", st.st_mode);
    grep_mounts("mysrc");
    statfs("/nm", &sf);
    printf("f_blocks: %ld\n", (long)sf.f_blocks);
    memset(big, 'x', sizeof(big));
    int fd = open("/nm/big", O_CREAT | O_WRONLY, 0644);
    long n1 = write(fd, big, sizeof(big)), n2 = write(fd, big, sizeof(big));
    printf("writes: %ld %ld\n", n1, n2);
    show("write past size", write(fd, big, sizeof(big)));
    close(fd);
    unlink("/nm/big");
    close(sub);
    close(m);
    show("umount busy-free", umnt("/nm", 0));
    grep_mounts("mysrc");
    close(fs);
}

static void test_setattr(void)
{
    struct attr a = { 0 };
    int m = new_tmpfs(NULL);
    put(m, "f", "data\n");
    a.set = MOUNT_ATTR_RDONLY;
    show("setattr ro detached", setattr(m, "", AT_EMPTY_PATH, &a, sizeof(a)));
    put(m, "g", "no\n");
    show("mkdirat ro", mkdirat(m, "d", 0755));
    cat(m, "f");
    mkdir("/sa", 0755);
    show("attach ro", move_mount(m, "", AT_FDCWD, "/sa", MOVE_MOUNT_F_EMPTY_PATH));
    grep_mounts("/sa");
    a.set = 0;
    a.clr = MOUNT_ATTR_RDONLY;
    show("setattr rw", setattr(AT_FDCWD, "/sa", 0, &a, sizeof(a)));
    put(AT_FDCWD, "/sa/g", "yes\n");
    cat(AT_FDCWD, "/sa/g");
    /* going read-only with a file open for writing */
    int w = open("/sa/g", O_WRONLY);
    a.set = MOUNT_ATTR_RDONLY;
    a.clr = 0;
    show("setattr ro with writer", setattr(AT_FDCWD, "/sa", 0, &a, sizeof(a)));
    close(w);
    a.set = MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOATIME;
    a.clr = MOUNT_ATTR__ATIME;
    show("setattr noexec noatime", setattr(AT_FDCWD, "/sa", 0, &a, sizeof(a)));
    grep_mounts("/sa");
    a.clr = MOUNT_ATTR_NOATIME;
    show("atime clr partial", setattr(AT_FDCWD, "/sa", 0, &a, sizeof(a)));
    a.clr = 0;
    show("atime set without clr", setattr(AT_FDCWD, "/sa", 0, &a, sizeof(a)));
    memset(&a, 0, sizeof(a));
    a.propagation = MS_PRIVATE;
    show("propagation private", setattr(AT_FDCWD, "/sa", 0, &a, sizeof(a)));
    a.propagation = MS_SHARED;
    show("propagation shared", setattr(AT_FDCWD, "/sa", 0, &a, sizeof(a)));
    a.propagation = MS_PRIVATE | MS_SHARED;
    show("propagation two", setattr(AT_FDCWD, "/sa", 0, &a, sizeof(a)));
    a.propagation = 0;
    a.set = MOUNT_ATTR_IDMAP;
    a.userns_fd = 900;
    show("idmap closed fd", setattr(AT_FDCWD, "/sa", 0, &a, sizeof(a)));
    a.userns_fd = 0;
    show("idmap stdin", setattr(AT_FDCWD, "/sa", 0, &a, sizeof(a)));
    a.set = 1ULL << 40;
    show("upper bits", setattr(AT_FDCWD, "/sa", 0, &a, sizeof(a)));
    a.set = MOUNT_ATTR_RDONLY;
    show("not a mount root", setattr(AT_FDCWD, "/sa/g", 0, &a, sizeof(a)));
    show("no such path", setattr(AT_FDCWD, "/sa/none", 0, &a, sizeof(a)));
    char ext[64] = { 0 };
    memcpy(ext, &a, sizeof(a));
    ext[40] = 1;
    show("bigger struct nonzero tail", setattr(AT_FDCWD, "/sa", 0, (struct attr *)ext, 48));
    ext[40] = 0;
    a.set = 0;
    memcpy(ext, &a, sizeof(a));
    show("bigger struct zero tail", setattr(AT_FDCWD, "/sa", 0, (struct attr *)ext, 48));
    show("size 31", setattr(AT_FDCWD, "/sa", 0, &a, 31));
    show("size 4097", setattr(AT_FDCWD, "/sa", 0, &a, 4097));
    show("bad flags", setattr(AT_FDCWD, "/sa", 1, &a, sizeof(a)));
    show("nop ignores path", setattr(AT_FDCWD, "/none/such", 0, &a, sizeof(a)));
    show("umount with mount fd open", umnt("/sa", 0));
    close(m);
    show("umount", umnt("/sa", 0));
}

static void test_open_tree(void)
{
    struct stat a, b;
    mkdir("/ot", 0755);
    mkdir("/ot/in", 0755);
    put(AT_FDCWD, "/ot/in/file", "tree file\n");
    int m = new_tmpfs(NULL);
    put(m, "inner", "inner tmpfs\n");
    show("attach inner", move_mount(m, "", AT_FDCWD, "/ot/in", MOVE_MOUNT_F_EMPTY_PATH));
    close(m);
    int p = (int)open_tree(AT_FDCWD, "/ot", 0);
    show("open_tree plain", p);
    fact("plain is O_PATH", (fcntl(p, F_GETFL) & O_PATH) != 0);
    link_of("plain", p);
    close(p);
    int c = (int)open_tree(AT_FDCWD, "/ot", OPEN_TREE_CLONE | O_CLOEXEC);
    show("open_tree clone", c);
    fact("clone cloexec", (fcntl(c, F_GETFD) & FD_CLOEXEC) != 0);
    cat(c, "in/file");
    int r = (int)open_tree(AT_FDCWD, "/ot", OPEN_TREE_CLONE | AT_RECURSIVE);
    show("open_tree recursive", r);
    cat(r, "in/inner");
    mkdir("/ot2", 0755);
    mkdir("/ot3", 0755);
    show("attach clone", move_mount(c, "", AT_FDCWD, "/ot2", MOVE_MOUNT_F_EMPTY_PATH));
    show("attach recursive", move_mount(r, "", AT_FDCWD, "/ot3", MOVE_MOUNT_F_EMPTY_PATH));
    cat(AT_FDCWD, "/ot2/in/file");
    cat(AT_FDCWD, "/ot3/in/inner");
    stat("/ot", &a);
    stat("/ot2", &b);
    fact("clone shares inodes", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    stat("/ot/in/inner", &a);
    stat("/ot3/in/inner", &b);
    fact("recursive clone shares inodes", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    grep_mounts("/ot");
    close(c);
    close(r);
    show("recursive without clone", open_tree(AT_FDCWD, "/ot", AT_RECURSIVE));
    show("open_tree bad flags", open_tree(AT_FDCWD, "/ot", 0x10000000));
    show("open_tree missing", open_tree(AT_FDCWD, "/ot/none", OPEN_TREE_CLONE));
    show("open_tree bad fd", open_tree(77, "x", 0));
    umnt("/ot3/in", 0);
    umnt("/ot3", 0);
    umnt("/ot2", 0);
    umnt("/ot/in", 0);
    /* closing a clone that was never attached dissolves it */
    c = (int)open_tree(AT_FDCWD, "/ot", OPEN_TREE_CLONE);
    close(c);
    grep_mounts("/ot");
}

static void test_fspick(void)
{
    struct statfs sf;
    mkdir("/fp", 0755);
    int m = new_tmpfs("64k");
    show("attach", move_mount(m, "", AT_FDCWD, "/fp", MOVE_MOUNT_F_EMPTY_PATH));
    close(m);
    int fc = (int)fspick(AT_FDCWD, "/fp", 0);
    show("fspick", fc);
    link_of("fspick", fc);
    show("fsmount of picked", fsmount(fc, 0, 0));
    show("create on picked", fsconfig(fc, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    show("set size", fsconfig(fc, FSCONFIG_SET_STRING, "size", "128k", 0));
    show("set ro", fsconfig(fc, FSCONFIG_SET_FLAG, "ro", NULL, 0));
    show("reconfigure", fsconfig(fc, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
    statfs("/fp", &sf);
    printf("f_blocks: %ld\n", (long)sf.f_blocks);
    put(AT_FDCWD, "/fp/x", "no\n");
    grep_mounts("/fp");
    show("set rw", fsconfig(fc, FSCONFIG_SET_FLAG, "rw", NULL, 0));
    show("reconfigure rw", fsconfig(fc, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
    put(AT_FDCWD, "/fp/x", "yes\n");
    cat(AT_FDCWD, "/fp/x");
    close(fc);
    char big[12288];
    memset(big, 'y', sizeof(big));
    int w = open("/fp/big", O_CREAT | O_WRONLY, 0644);
    printf("write 12k: %ld\n", (long)write(w, big, sizeof(big)));
    close(w);
    int d = open("/fp", O_PATH);
    fc = (int)fspick(d, "", FSPICK_EMPTY_PATH);
    show("fspick empty path", fc);
    close(d);
    show("size 8k", fsconfig(fc, FSCONFIG_SET_STRING, "size", "8k", 0));
    show("reconfigure too small", fsconfig(fc, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
    drain_log(fc);
    show("after failure", fsconfig(fc, FSCONFIG_SET_FLAG, "ro", NULL, 0));
    close(fc);
    show("fspick not root", fspick(AT_FDCWD, "/fp/x", 0));
    show("fspick bad flags", fspick(AT_FDCWD, "/fp", 0x40));
    show("fspick missing", fspick(AT_FDCWD, "/fp/none", 0));
    /* an unlimited tmpfs cannot be limited afterwards (Linux's rule) */
    m = new_tmpfs(NULL);
    fc = (int)fspick(m, "", FSPICK_EMPTY_PATH);
    fsconfig(fc, FSCONFIG_SET_STRING, "size", "1m", 0);
    show("limit unlimited", fsconfig(fc, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
    drain_log(fc);
    close(fc);
    close(m);
    umnt("/fp", 0);
}

static void test_move(void)
{
    struct stat st;
    mkdir("/mv1", 0755);
    mkdir("/mv2", 0755);
    mkdir("/mv3", 0755);
    int m = new_tmpfs(NULL);
    put(m, "a", "moving\n");
    mkdirat(m, "d", 0755);
    move_mount(m, "", AT_FDCWD, "/mv1", MOVE_MOUNT_F_EMPTY_PATH);
    close(m);
    int keep = open("/mv1/d", O_RDONLY | O_DIRECTORY);
    chdir("/mv1/d");
    show("MS_MOVE", syscall(SYS_mount, "/mv1", "/mv2", NULL, MS_MOVE, NULL));
    cat(AT_FDCWD, "/mv2/a");
    cat(AT_FDCWD, "/mv1/a");
    char cwd[256];
    printf("cwd: %s\n", getcwd(cwd, sizeof(cwd)) != NULL ? cwd : strerrorname_np(errno));
    cat(keep, "../a");
    link_of("kept dir", keep);
    grep_mounts("/mv");
    show("move_mount by path", move_mount(AT_FDCWD, "/mv2", AT_FDCWD, "/mv3", 0));
    cat(AT_FDCWD, "/mv3/a");
    printf("cwd: %s\n", getcwd(cwd, sizeof(cwd)) != NULL ? cwd : strerrorname_np(errno));
    chdir("/");
    close(keep);
    show("move under itself", move_mount(AT_FDCWD, "/mv3", AT_FDCWD, "/mv3/d", 0));
    show("move not a root", move_mount(AT_FDCWD, "/mv3/d", AT_FDCWD, "/mv1", 0));
    show("move onto file", move_mount(AT_FDCWD, "/mv3", AT_FDCWD, "/mv3/a", 0));
    show("move /", move_mount(AT_FDCWD, "/", AT_FDCWD, "/mv1", 0));
    show("move /tmp", move_mount(AT_FDCWD, "/tmp", AT_FDCWD, "/mv1", 0));
    show("MS_MOVE no source", syscall(SYS_mount, "", "/mv1", NULL, MS_MOVE, NULL));
    show("MS_MOVE missing", syscall(SYS_mount, "/none", "/mv1", NULL, MS_MOVE, NULL));
    show("move bad flags", move_mount(AT_FDCWD, "/mv3", AT_FDCWD, "/mv1", 0x1000));
    show("move set group", move_mount(AT_FDCWD, "/mv3", AT_FDCWD, "/mv1", MOVE_MOUNT_SET_GROUP));
    show("move empty without flag", move_mount(AT_FDCWD, "", AT_FDCWD, "/mv1", 0));
    show("move missing target", move_mount(AT_FDCWD, "/mv3", AT_FDCWD, "/none", 0));
    show("move bad fd", move_mount(55, "", AT_FDCWD, "/mv1", MOVE_MOUNT_F_EMPTY_PATH));
    stat("/mv3", &st);
    show("umount moved", umnt("/mv3", 0));
    grep_mounts("/mv");
}

static void test_errors(void)
{
    int pfd[2];
    pipe(pfd);
    show("fsopen ext4", fsopen("ext4", 0));
    show("fsopen bad flags", fsopen("tmpfs", 2));
    show("fsopen fault", fsopen((const char *)8, 0));
    show("fsconfig fd -1", fsconfig(-1, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    show("fsconfig bad cmd", fsconfig(pfd[0], 99, NULL, NULL, 0));
    show("fsconfig closed fd", fsconfig(99, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    show("fsconfig pipe", fsconfig(pfd[0], FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    show("fsmount closed fd", fsmount(99, 0, 0));
    show("fsmount pipe", fsmount(pfd[0], 0, 0));
    int pf = (int)fsopen("proc", 0);
    show("fsopen proc", pf);
    show("proc option", fsconfig(pf, FSCONFIG_SET_STRING, "hidepid", "2", 0));
    drain_log(pf);
    show("proc create", fsconfig(pf, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    int m = (int)fsmount(pf, 0, MOUNT_ATTR_NOEXEC);
    show("proc fsmount", m);
    struct stat st;
    fact("proc self via detached", fstatat(m, "self/status", &st, 0) == 0);
    mkdir("/pr", 0755);
    show("proc attach", move_mount(m, "", AT_FDCWD, "/pr", MOVE_MOUNT_F_EMPTY_PATH));
    grep_mounts("/pr");
    close(m);
    close(pf);
    show("umount proc", umnt("/pr", 0));
    close(pfd[0]);
    close(pfd[1]);
}

int main(void)
{
    test_round_trip();
    test_setattr();
    test_open_tree();
    test_fspick();
    test_move();
    test_errors();
    return 0;
}
