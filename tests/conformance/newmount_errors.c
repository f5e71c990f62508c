/*
 * newmount_errors.c - the argument checks of the fd-based mount API that
 * come before any privilege check and can never mount anything, so they
 * fail the same natively (as root) and in solo: fsconfig's argument rules
 * (EINVAL, EOPNOTSUPP), a closed fd (EBADF) and an fd that is no file
 * system context (EINVAL); open_tree without OPEN_TREE_CLONE, which only
 * opens an O_PATH fd, and its flag errors; mount_setattr's flag and size
 * checks.  fsopen, fsmount, fspick and move_mount check CAP_SYS_ADMIN
 * first, which a container may lack, so they are tested in solo only
 * (tests/integration/progs/newmount.c).
 */
// covers: fsconfig open_tree mount_setattr
#include "common.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#define SYS_fsconfig 431
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_SET_BINARY 2
#define FSCONFIG_SET_PATH 3
#define FSCONFIG_SET_FD 5
#define FSCONFIG_CMD_CREATE 6
#define FSCONFIG_CMD_RECONFIGURE 7
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define OPEN_TREE_CLONE 1

static long fsconfig(int fd, unsigned cmd, const void *key, const void *val, int aux)
{
    return syscall(SYS_fsconfig, fd, cmd, key, val, aux);
}

static void test_fsconfig(void)
{
    int p[2];
    if (pipe(p) != 0)
        return;
    show("fd -1", fsconfig(-1, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    show("fd -1 bad cmd", fsconfig(-1, 99, NULL, NULL, 0));
    show("bad cmd", fsconfig(p[0], 99, NULL, NULL, 0));
    show("flag without key", fsconfig(p[0], FSCONFIG_SET_FLAG, NULL, NULL, 0));
    show("flag with value", fsconfig(p[0], FSCONFIG_SET_FLAG, "ro", "x", 0));
    show("flag with aux", fsconfig(p[0], FSCONFIG_SET_FLAG, "ro", NULL, 1));
    show("string without value", fsconfig(p[0], FSCONFIG_SET_STRING, "size", NULL, 0));
    show("binary aux 0", fsconfig(p[0], FSCONFIG_SET_BINARY, "k", "v", 0));
    show("binary aux too big", fsconfig(p[0], FSCONFIG_SET_BINARY, "k", "v", 2 * 1024 * 1024));
    show("path bad dirfd", fsconfig(p[0], FSCONFIG_SET_PATH, "k", "/", -5));
    show("fd with value", fsconfig(p[0], FSCONFIG_SET_FD, "k", "v", 0));
    show("fd negative", fsconfig(p[0], FSCONFIG_SET_FD, "k", NULL, -1));
    show("create with key", fsconfig(p[0], FSCONFIG_CMD_CREATE, "k", NULL, 0));
    show("reconfigure with aux", fsconfig(p[0], FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 3));
    /* the arguments are fine: now the fd */
    close(p[1]);
    show("closed fd", fsconfig(p[1], FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    show("pipe fd", fsconfig(p[0], FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    show("pipe fd bad key pointer", fsconfig(p[0], FSCONFIG_SET_FLAG, (void *)8, NULL, 0));
    show("stdout fd", fsconfig(1, FSCONFIG_SET_STRING, "size", "1m", 0));
    close(p[0]);
}

static void test_open_tree(void)
{
    struct stat a, b;
    show("bad flags", syscall(SYS_open_tree, AT_FDCWD, ".", 0x10000000));
    show("recursive without clone", syscall(SYS_open_tree, AT_FDCWD, ".", AT_RECURSIVE));
    show("bad dirfd", syscall(SYS_open_tree, 999, "x", 0));
    show("missing", syscall(SYS_open_tree, AT_FDCWD, "/no/such/path", 0));
    show("bad path pointer", syscall(SYS_open_tree, AT_FDCWD, (void *)8, 0));
    show("empty path", syscall(SYS_open_tree, AT_FDCWD, "", 0));
    /* without OPEN_TREE_CLONE it is an O_PATH open of what the path names */
    int fd = (int)syscall(SYS_open_tree, AT_FDCWD, "/", O_CLOEXEC);
    show_ok("plain", fd);
    if (fd < 0)
        return;
    int fl = fcntl(fd, F_GETFL);
    printf("O_PATH: %s\n", (fl & O_PATH) != 0 ? "yes" : "no");
    printf("cloexec: %s\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0 ? "yes" : "no");
    printf("same as /: %s\n", fstat(fd, &a) == 0 && stat("/", &b) == 0 &&
                                a.st_ino == b.st_ino && a.st_dev == b.st_dev ? "yes" : "no");
    char buf[4];
    show("read O_PATH", read(fd, buf, sizeof(buf)));
    int e = (int)syscall(SYS_open_tree, fd, "", AT_EMPTY_PATH);
    show_ok("empty path from fd", e);
    show("empty path without flag", syscall(SYS_open_tree, fd, "", 0));
    close(e);
    close(fd);
}

struct attr {
    uint64_t set, clr, propagation, userns_fd;
};

static void test_setattr(void)
{
    struct attr a = { 0 };
    show("bad flags", syscall(SYS_mount_setattr, AT_FDCWD, "/", 0x1, &a, sizeof(a)));
    show("size too big", syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, &a, 4097));
    show("size too small", syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, &a, 31));
    show("size 0", syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, NULL, 0));
    show("bad flags before size", syscall(SYS_mount_setattr, AT_FDCWD, "/", 0x2, &a, 5000));
}

int main(void)
{
    printf("-- fsconfig\n");
    test_fsconfig();
    printf("-- open_tree\n");
    test_open_tree();
    printf("-- mount_setattr\n");
    test_setattr();
    return 0;
}
