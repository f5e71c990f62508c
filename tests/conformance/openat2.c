/*
 * openat2.c - openat2's extensible struct and strict flag checks, and the
 * RESOLVE_* restrictions on the path walk, in a fresh directory tree under
 * /tmp with relative, absolute and escaping symlinks (removed at the end).
 * Only facts that hold on any Linux are printed: results, errno names, and
 * whether two opens reach the same file (inode comparison, never values).
 * RESOLVE_CACHED is only tried on names just created (cached on Linux).
 */
// covers: openat2
#include "common.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#define RESOLVE_CACHED 0x20

struct how {
    uint64_t flags, mode, resolve;
};

static char dir[64];
static int dfd;
static struct stat fst;                /* d/sub/f */

static long o2(int fd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
    struct how h = { flags, mode, resolve };
    return syscall(SYS_openat2, fd, path, &h, sizeof(h));
}

/* Open and report: ok / errno, plus whether it is d/sub/f; closes the fd. */
static void try(const char *what, int fd, const char *path, uint64_t flags, uint64_t resolve)
{
    long r = o2(fd, path, flags, 0, resolve);
    if (r < 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    struct stat st;
    fstat((int)r, &st);
    printf("%s: ok%s\n", what, st.st_ino == fst.st_ino && st.st_dev == fst.st_dev ? " (sub/f)" : "");
    close((int)r);
}

static void test_struct(void)
{
    struct { struct how h; uint64_t tail; } big = { { O_RDONLY, 0, 0 }, 0 };
    show("size 0", syscall(SYS_openat2, dfd, "sub/f", &big, 0));
    show("size 23", syscall(SYS_openat2, dfd, "sub/f", &big, 23));
    long r = syscall(SYS_openat2, dfd, "sub/f", &big, sizeof(big));
    show_ok("size 32 zero tail", r);
    if (r >= 0)
        close((int)r);
    big.tail = 1;
    show("size 32 non-zero tail", syscall(SYS_openat2, dfd, "sub/f", &big, sizeof(big)));
    show("size 8192", syscall(SYS_openat2, dfd, "sub/f", &big, 8192));
    show("how NULL", syscall(SYS_openat2, dfd, "sub/f", NULL, 24));
    show("how bad", syscall(SYS_openat2, dfd, "sub/f", (void *)8, 24));
    show("path NULL", o2(dfd, NULL, O_RDONLY, 0, 0));
    show("path empty", o2(dfd, "", O_RDONLY, 0, 0));
    show("bad dirfd", o2(999, "sub/f", O_RDONLY, 0, 0));
    int ffd = open("/dev/null", O_RDONLY);
    show("file dirfd", o2(ffd, "x", O_RDONLY, 0, 0));
    close(ffd);
}

static void test_flags(void)
{
    show("unknown flag", o2(dfd, "sub/f", 1ULL << 40, 0, 0));
    show("unknown resolve", o2(dfd, "sub/f", O_RDONLY, 0, 0x40));
    show("beneath+in_root", o2(dfd, "sub/f", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT));
    show("mode without O_CREAT", o2(dfd, "sub/f", O_RDONLY, 0644, 0));
    show("mode too big", o2(dfd, "sub/n", O_CREAT | O_WRONLY, 010000, 0));
    show("O_PATH|O_RDWR", o2(dfd, "sub/f", O_PATH | O_RDWR, 0, 0));
    show("O_PATH|O_APPEND", o2(dfd, "sub/f", O_PATH | O_APPEND, 0, 0));
    show("O_PATH with mode", o2(dfd, "sub/f", O_PATH, 0600, 0));
    show("O_TMPFILE read-only", o2(dfd, "sub", O_TMPFILE | O_RDONLY, 0600, 0));
    show("cached O_CREAT", o2(dfd, "sub/n", O_CREAT | O_WRONLY, 0600, RESOLVE_CACHED));
    show("cached O_TRUNC", o2(dfd, "sub/f", O_TRUNC | O_WRONLY, 0, RESOLVE_CACHED));
    try("cached plain", dfd, "sub/f", O_RDONLY, RESOLVE_CACHED);
    try("O_PATH|O_NOFOLLOW|O_CLOEXEC", dfd, "rel", O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
    long r = o2(dfd, "sub/made", O_CREAT | O_EXCL | O_WRONLY, 0640, RESOLVE_BENEATH);
    show_ok("create beneath", r);
    struct stat st;
    if (r >= 0) {
        fstat((int)r, &st);
        printf("created mode: %o\n", st.st_mode & 0777 & ~022);
        close((int)r);
    }
    show("create beneath escaping", o2(dfd, "../made", O_CREAT | O_WRONLY, 0640, RESOLVE_BENEATH));
    unlinkat(dfd, "sub/made", 0);
}

static void test_symlinks(void)
{
    try("plain rel", dfd, "rel", O_RDONLY, 0);
    try("no_symlinks rel", dfd, "rel", O_RDONLY, RESOLVE_NO_SYMLINKS);
    try("no_symlinks mid-path", dfd, "up/f", O_RDONLY, RESOLVE_NO_SYMLINKS);
    try("no_symlinks O_PATH|O_NOFOLLOW", dfd, "rel", O_PATH | O_NOFOLLOW, RESOLVE_NO_SYMLINKS);
    try("no_symlinks O_NOFOLLOW", dfd, "rel", O_RDONLY | O_NOFOLLOW, RESOLVE_NO_SYMLINKS);
    try("no_symlinks plain", dfd, "sub/f", O_RDONLY, RESOLVE_NO_SYMLINKS);
    try("no_magiclinks rel", dfd, "rel", O_RDONLY, RESOLVE_NO_MAGICLINKS);
}

static void test_scoped(void)
{
    try("beneath sub/f", dfd, "sub/f", O_RDONLY, RESOLVE_BENEATH);
    try("beneath sub/../sub/f", dfd, "sub/../sub/f", O_RDONLY, RESOLVE_BENEATH);
    char back[96];
    snprintf(back, sizeof(back), "../%s/sub/f", strrchr(dir, '/') + 1);
    try("beneath out and back", dfd, back, O_RDONLY, RESOLVE_BENEATH);
    try("plain out and back", dfd, back, O_RDONLY, 0);
    try("beneath absolute", dfd, "/etc/passwd", O_RDONLY, RESOLVE_BENEATH);
    try("beneath absolute bad fd", 999, "/etc/passwd", O_RDONLY, RESOLVE_BENEATH);
    try("beneath abs link", dfd, "abs", O_RDONLY, RESOLVE_BENEATH);
    try("beneath up link", dfd, "up/f", O_RDONLY, RESOLVE_BENEATH);
    try("beneath rel link", dfd, "rel", O_RDONLY, RESOLVE_BENEATH);
    try("beneath .", dfd, ".", O_RDONLY | O_DIRECTORY, RESOLVE_BENEATH);
    try("beneath ..", dfd, "..", O_RDONLY | O_DIRECTORY, RESOLVE_BENEATH);
    try("in_root /sub/f", dfd, "/sub/f", O_RDONLY, RESOLVE_IN_ROOT);
    try("in_root ../../sub/f", dfd, "../../sub/f", O_RDONLY, RESOLVE_IN_ROOT);
    try("in_root esc/sub/f", dfd, "esc/sub/f", O_RDONLY, RESOLVE_IN_ROOT);
    try("in_root abs link", dfd, "abs", O_RDONLY, RESOLVE_IN_ROOT);
    try("in_root rootlink/f", dfd, "rootlink/sub/f", O_RDONLY, RESOLVE_IN_ROOT);
    try("in_root up/f", dfd, "up/f", O_RDONLY, RESOLVE_IN_ROOT);
    try("plain up/f", dfd, "up/f", O_RDONLY, 0);
    int sfd = openat(dfd, "sub", O_RDONLY | O_DIRECTORY);
    try("beneath from sub ../sub/f", sfd, "../sub/f", O_RDONLY, RESOLVE_BENEATH);
    try("in_root from sub ../f", sfd, "../f", O_RDONLY, RESOLVE_IN_ROOT);
    close(sfd);
    /* the cwd as the scope */
    char old[512];
    if (getcwd(old, sizeof(old)) != NULL && chdir(dir) == 0) {
        try("beneath cwd sub/f", AT_FDCWD, "sub/f", O_RDONLY, RESOLVE_BENEATH);
        try("beneath cwd ..", AT_FDCWD, "../x", O_RDONLY, RESOLVE_BENEATH);
        if (chdir(old) != 0)
            printf("chdir back failed\n");
    }
}

static void test_magic(void)
{
    int ffd = openat(dfd, "sub/f", O_RDONLY);
    char p[64];
    snprintf(p, sizeof(p), "/proc/self/fd/%d", ffd);
    try("magic plain", AT_FDCWD, p, O_RDONLY, 0);
    try("magic no_magiclinks", AT_FDCWD, p, O_RDONLY, RESOLVE_NO_MAGICLINKS);
    try("magic no_symlinks", AT_FDCWD, p, O_RDONLY, RESOLVE_NO_SYMLINKS);
    try("magic no_magiclinks O_PATH|O_NOFOLLOW", AT_FDCWD, p, O_PATH | O_NOFOLLOW,
        RESOLVE_NO_MAGICLINKS);
    int pfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
    snprintf(p, sizeof(p), "%d", ffd);
    try("magic beneath", pfd, p, O_RDONLY, RESOLVE_BENEATH);
    try("magic in_root", pfd, p, O_RDONLY, RESOLVE_IN_ROOT);
    close(pfd);
    close(ffd);
}

static void test_xdev(void)
{
    try("no_xdev sub/f", dfd, "sub/f", O_RDONLY, RESOLVE_NO_XDEV);
    try("no_xdev into /proc", AT_FDCWD, "/proc/self/status", O_RDONLY, RESOLVE_NO_XDEV);
    try("no_xdev link to /proc", dfd, "proc/self/status", O_RDONLY, RESOLVE_NO_XDEV);
    try("link to /proc", dfd, "proc/self/status", O_RDONLY, 0);
    int pfd = open("/proc/self", O_RDONLY | O_DIRECTORY);
    try("no_xdev ../..", pfd, "../..", O_RDONLY | O_DIRECTORY, RESOLVE_NO_XDEV);
    try("no_xdev inside /proc", pfd, "status", O_RDONLY, RESOLVE_NO_XDEV);
    close(pfd);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/openat2-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    char p[128];
    snprintf(p, sizeof(p), "%s/sub", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/sub/f", dir);
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    if (fd < 0 || write(fd, "hi\n", 3) != 3)
        return 1;
    close(fd);
    stat(p, &fst);
    dfd = open(dir, O_RDONLY | O_DIRECTORY);
    symlinkat("/etc", dfd, "abs");
    symlinkat("/", dfd, "rootlink");
    symlinkat("sub/f", dfd, "rel");
    snprintf(p, sizeof(p), "../%s/sub", strrchr(dir, '/') + 1);
    symlinkat(p, dfd, "up");           /* leaves the tree and comes back */
    symlinkat("../..", dfd, "esc");
    symlinkat("/proc", dfd, "proc");
    test_struct();
    test_flags();
    test_symlinks();
    test_scoped();
    test_magic();
    test_xdev();
    const char *names[] = { "abs", "rootlink", "rel", "up", "esc", "proc", "sub/f", "sub/n" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        unlinkat(dfd, names[i], 0);
    unlinkat(dfd, "sub", AT_REMOVEDIR);
    close(dfd);
    show("rmdir", rmdir(dir));
    return 0;
}
