// covers: name_to_handle_at open_by_handle_at statx
/*
 * fhandle.c - file handles on real filesystems: a directory made in the
 * cwd (TFS in solo, the host's filesystem natively) and one under /tmp
 * (tmpfs in solo).  Handle bytes and types differ between filesystems, so
 * only facts are printed: the EOVERFLOW protocol (the size needed, then a
 * successful call with it), the same handle from two calls, the mount id
 * equal to statx's, round trips opening the same file (inode, contents),
 * directories and O_PATH, symlinks with and without AT_SYMLINK_FOLLOW,
 * errnos (EFAULT, EINVAL, ELOOP, ESTALE for a removed file or another
 * filesystem's mount fd, EPERM without CAP_DAC_READ_SEARCH).  Where the
 * host's cwd or /tmp cannot encode handles, /dev/shm stands in for it.
 */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>

#define AT_HANDLE_FID_ 0x200
#define STATX_MNT_ID_ 0x1000U
#define STX_MNT_ID_OFF 144             /* struct statx's stx_mnt_id */

struct fh {
    unsigned int handle_bytes;
    int handle_type;
    unsigned char f_handle[128];
};

static long n2h(int dirfd, const char *path, struct fh *h, int *mnt, int flags)
{
    return syscall(SYS_name_to_handle_at, dirfd, path, h, mnt, flags);
}

static long obh(int mfd, struct fh *h, int flags)
{
    return syscall(SYS_open_by_handle_at, mfd, h, flags);
}

/* A full handle of path in dirfd (the size from an EOVERFLOW probe). */
static long get_handle(int dirfd, const char *path, struct fh *h, int *mnt, int flags)
{
    memset(h, 0, sizeof(*h));
    h->handle_bytes = 0;
    if (n2h(dirfd, path, h, mnt, flags) == 0 || errno != EOVERFLOW)
        return -1;
    return n2h(dirfd, path, h, mnt, flags);
}

static int same_handle(const struct fh *a, const struct fh *b)
{
    return a->handle_bytes == b->handle_bytes && a->handle_type == b->handle_type &&
           memcmp(a->f_handle, b->f_handle, a->handle_bytes) == 0;
}

static unsigned long long ino_of_fd(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

static unsigned long long ino_of(int dirfd, const char *path)
{
    struct stat st;
    return fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 ? (unsigned long long)st.st_ino : 1;
}

static void scenario(const char *tag, const char *dir)
{
    struct fh h, h2, hl;
    int mnt = -1, mnt2 = -2;
    char buf[32];
    printf("== %s\n", tag);
    int d = open(dir, O_RDONLY | O_DIRECTORY);
    int fd = openat(d, "f", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (d < 0 || fd < 0 || write(fd, "hello", 5) != 5 || symlinkat("f", d, "l") != 0 ||
        mkdirat(d, "sub", 0755) != 0) {
        printf("setup failed: %s\n", errname(errno));
        return;
    }
    close(fd);

    /* the EOVERFLOW protocol */
    memset(&h, 0, sizeof(h));
    h.handle_bytes = 0;
    show("zero-size buffer", n2h(d, "f", &h, &mnt, 0));
    unsigned need = h.handle_bytes;
    fact("size needed given", need > 0 && need <= 128 && need % 4 == 0);
    fact("type invalid on overflow", h.handle_type == 255);
    h.handle_bytes = need - 1;
    show("one byte short", n2h(d, "f", &h, &mnt, 0));
    fact("size needed again", h.handle_bytes == need);
    h.handle_bytes = need;
    show("exact size", n2h(d, "f", &h, &mnt, 0));
    fact("size kept", h.handle_bytes == need);
    h2.handle_bytes = 128;
    show("large buffer", n2h(d, "f", &h2, &mnt2, 0));
    fact("same handle twice", same_handle(&h, &h2));
    fact("same mount id twice", mnt == mnt2);
    unsigned char sx[256];
    unsigned smask;
    unsigned long long smnt;
    if (syscall(SYS_statx, d, "f", 0, STATX_MNT_ID_, sx) == 0) {
        memcpy(&smask, sx, sizeof(smask));
        memcpy(&smnt, sx + STX_MNT_ID_OFF, sizeof(smnt));
        fact("mount id is statx's", (smask & STATX_MNT_ID_) != 0 && smnt == (unsigned)mnt);
    }
    h2.handle_bytes = 129;
    show("handle_bytes over 128", n2h(d, "f", &h2, &mnt2, 0));
    show("handle fault", n2h(d, "f", (struct fh *)8, &mnt2, 0));
    h2.handle_bytes = 128;
    show("mount id fault", n2h(d, "f", &h2, (int *)8, 0));
    show("missing", n2h(d, "nope", &h2, &mnt2, 0));
    show("fid flag", n2h(d, "f", &h2, &mnt2, AT_HANDLE_FID_));
    fact("fid handle same", same_handle(&h, &h2));

    /* round trips */
    fd = obh(d, &h, O_RDONLY);
    show_ok("open by handle", fd);
    if (fd >= 0) {
        fact("same inode", ino_of_fd(fd) == ino_of(d, "f"));
        long n = read(fd, buf, sizeof(buf));
        fact("same contents", n == 5 && memcmp(buf, "hello", 5) == 0);
        close(fd);
    }
    /* AT_FDCWD: the cwd's mount (natively /tmp may be on it or not) */
    fd = obh(strcmp(tag, "cwd") == 0 ? AT_FDCWD : d, &h, O_RDWR | O_APPEND | O_CLOEXEC);
    show_ok("open by handle read-write", fd);
    if (fd >= 0) {
        fact("append works", write(fd, "!", 1) == 1);
        fact("cloexec set", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
        close(fd);
    }
    fd = obh(d, &h, O_PATH);
    show_ok("open O_PATH", fd);
    if (fd >= 0) {
        fact("O_PATH same inode", ino_of_fd(fd) == ino_of(d, "f"));
        show("O_PATH read", read(fd, buf, 1));
        close(fd);
    }
    show("O_DIRECTORY on a file", obh(d, &h, O_RDONLY | O_DIRECTORY));

    /* directories: the opened one works as a dirfd */
    show("dir handle", get_handle(d, "sub", &h2, &mnt2, 0));
    int sd = mkdirat(d, "sub/inner", 0755) == 0 ? (int)obh(d, &h2, O_RDONLY | O_DIRECTORY) : -1;
    show_ok("open dir by handle", sd);
    if (sd >= 0) {
        fact("dir same inode", ino_of_fd(sd) == ino_of(d, "sub"));
        fact("dirfd works", ino_of(sd, "inner") == ino_of(d, "sub/inner"));
        close(sd);
    }
    show("empty path handle", get_handle(d, "", &h2, &mnt2, AT_EMPTY_PATH));
    fact("empty path is the dir", (sd = (int)obh(d, &h2, O_RDONLY)) >= 0 && ino_of_fd(sd) == ino_of_fd(d));
    close(sd);
    show("empty path without flag", n2h(d, "", &h2, &mnt2, 0));

    /* symlinks */
    show("link handle", get_handle(d, "l", &hl, &mnt2, 0));
    fact("link handle differs", !same_handle(&hl, &h));
    show("follow handle", get_handle(d, "l", &h2, &mnt2, AT_SYMLINK_FOLLOW));
    fact("follow gives the file", same_handle(&h2, &h));
    show("open link handle", obh(d, &hl, O_RDONLY));
    fd = obh(d, &hl, O_PATH | O_NOFOLLOW);
    show_ok("open link handle O_PATH", fd);
    if (fd >= 0) {
        fact("link O_PATH same inode", ino_of_fd(fd) == ino_of(d, "l"));
        close(fd);
    }

    /* bad handles */
    h2 = h;
    h2.handle_type = -1;
    show("negative type", obh(d, &h2, O_RDONLY));
    h2.handle_type = h.handle_type | 0x40000;
    show("unknown type flag", obh(d, &h2, O_RDONLY));
    h2.handle_type = h.handle_type;
    h2.handle_bytes = 0;
    show("zero bytes", obh(d, &h2, O_RDONLY));
    h2.handle_bytes = 129;
    show("over 128 bytes", obh(d, &h2, O_RDONLY));
    h2.handle_bytes = 4;
    show("short handle", obh(d, &h2, O_RDONLY));
    show("handle fault", obh(d, (struct fh *)8, O_RDONLY));
    int pfd = open("/proc", O_RDONLY | O_DIRECTORY);
    show("proc as mount fd", obh(pfd, &h, O_RDONLY));
    close(pfd);
    int pipefd[2];
    if (pipe(pipefd) == 0) {
        show("pipe as mount fd", obh(pipefd[0], &h, O_RDONLY));
        close(pipefd[0]);
        close(pipefd[1]);
    }
    show("bad mount fd", obh(999, &h, O_RDONLY));

    /* removed objects are stale */
    struct fh hs;
    get_handle(d, "sub/inner", &hs, &mnt2, 0);
    unlinkat(d, "l", 0);
    unlinkat(d, "f", 0);
    unlinkat(d, "sub/inner", AT_REMOVEDIR);
    show("removed file", obh(d, &h, O_RDONLY));
    show("removed dir", obh(d, &hs, O_RDONLY));
    fd = openat(d, "f", O_CREAT | O_WRONLY, 0644);
    close(fd);
    if (get_handle(d, "f", &h2, &mnt2, 0) == 0) {
        fd = obh(d, &h2, O_RDONLY);
        fact("new file opens", fd >= 0 && ino_of_fd(fd) == ino_of(d, "f"));
        close(fd);
    }
    unlinkat(d, "f", 0);
    unlinkat(d, "sub", AT_REMOVEDIR);
    close(d);
    rmdir(dir);
}

struct cap_hdr { unsigned version; int pid; };
struct cap_data { unsigned effective, permitted, inheritable; };

/* Does dir's filesystem encode handles?  Natively the cwd or /tmp may be
 * on one without export operations (overlayfs in a container). */
static int handles_work(const char *dir)
{
    struct fh h;
    int mnt;
    memset(&h, 0, sizeof(h));
    h.handle_bytes = 128;
    return n2h(AT_FDCWD, dir, &h, &mnt, 0) == 0 || errno != EOPNOTSUPP;
}

int main(void)
{
    char cdir[] = "fh-XXXXXX", tdir[32] = "/tmp/fh-XXXXXX";
    /* Where the host cannot, use /dev/shm (tmpfs) instead: the output is
     * the same, and solo's cwd (TFS) and /tmp (tmpfs) always can. */
    if (!handles_work(".") && chdir("/dev/shm") != 0) {
        printf("chdir: %s\n", errname(errno));
        return 1;
    }
    if (!handles_work("/tmp"))
        strcpy(tdir, "/dev/shm/fh-XXXXXX");
    if (mkdtemp(cdir) == NULL || mkdtemp(tdir) == NULL) {
        printf("mkdtemp: %s\n", errname(errno));
        return 1;
    }
    scenario("cwd", cdir);
    scenario("tmp", tdir);

    /* open_by_handle_at needs CAP_DAC_READ_SEARCH (checked before the handle) */
    struct fh h;
    int mnt;
    struct cap_hdr ch = { 0x20080522, 0 };
    struct cap_data cd[2];
    get_handle(AT_FDCWD, ".", &h, &mnt, 0);
    if (syscall(SYS_capget, &ch, cd) == 0) {
        cd[0].effective &= ~(1U << 2);
        show("drop CAP_DAC_READ_SEARCH", syscall(SYS_capset, &ch, cd));
        show("open without the capability", obh(AT_FDCWD, &h, O_RDONLY));
        show("open without it, fault", obh(AT_FDCWD, (struct fh *)8, O_RDONLY));
        show("open without it, bad fd", obh(999, &h, O_RDONLY));
        h.handle_bytes = 0;
        show("open without it, zero bytes", obh(AT_FDCWD, &h, O_RDONLY));
        h.handle_bytes = 128;
        show("encoding still works", n2h(AT_FDCWD, ".", &h, &mnt, 0));
    }
    return 0;
}
