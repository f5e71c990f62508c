/*
 * owner.c - file ownership: chown, fchown, lchown and fchownat as root
 * (other owners, -1 keeping a field, set-id bits cleared, symlinks, the
 * AT_* flags, ctime), stat/statx reporting the owner, owners of new files
 * (the creator's fs ids, set-gid directories), and the checks made for a
 * caller whose fs uid is not 0 (setfsuid/setfsgid/setgroups in this
 * single-threaded program): EPERM for chown/chmod/utimensat, S_ISGID dropped
 * by chmod outside the group, access(2) with real or effective ids, open
 * and create permissions, search permission on the path.  Runs
 * twice: in a directory under the cwd (the TFS root in solo) and one under
 * /tmp (tmpfs in solo); both are removed.  Needs root (the tests run as
 * root natively too).
 */
// covers: chown fchown lchown fchownat statx faccessat2 access setfsuid setfsgid setgroups
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

static char dir[64];

/* The owner fields of struct statx as the kernel lays it out (musl's
 * headers lack it); 256 bytes in all. */
struct statx_k {
    unsigned int stx_mask, stx_blksize;
    unsigned long long stx_attributes;
    unsigned int stx_nlink, stx_uid, stx_gid;
    unsigned char rest[256 - 28];
};
#define STATX_UID_K 0x8U
#define STATX_GID_K 0x10U

/* Name inside the scratch directory (static buffer, one at a time per slot). */
static const char *at(int slot, const char *name)
{
    static char buf[4][128];
    snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", dir, name);
    return buf[slot];
}

/* Print "what: uid gid mode" of path (lstat: links not followed). */
static void own(const char *what, const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    printf("%s: %u %u %o\n", what, (unsigned)st.st_uid, (unsigned)st.st_gid,
           (unsigned)(st.st_mode & 07777));
}

static void mkfile(const char *name, int mode)
{
    int fd = open(at(3, name), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    close(fd);
    syscall(SYS_chmod, at(3, name), mode);
}

static void test_root(void)
{
    mkfile("f", 0644);
    own("new file", at(0, "f"));
    show("chown", syscall(SYS_chown, at(0, "f"), 1000, 2000));
    own("after chown", at(0, "f"));
    show("chown uid only", syscall(SYS_chown, at(0, "f"), 1001, -1));
    own("after uid only", at(0, "f"));
    show("chown gid only", syscall(SYS_chown, at(0, "f"), -1, 2001));
    own("after gid only", at(0, "f"));
    show("chown neither", syscall(SYS_chown, at(0, "f"), -1, -1));
    own("after neither", at(0, "f"));
    show("chown missing", syscall(SYS_chown, at(0, "nx"), 1, 1));
    show("chown bad address", syscall(SYS_chown, (char *)8, 1, 1));
    show("chown not a directory", syscall(SYS_chown, at(0, "f/x"), 1, 1));

    /* ctime moves; a second's sleep is avoided by comparing with the ns part */
    struct stat a, b;
    stat(at(0, "f"), &a);
    struct timespec d = { 0, 20 * 1000 * 1000 };
    nanosleep(&d, NULL);
    syscall(SYS_chown, at(0, "f"), -1, -1);
    stat(at(0, "f"), &b);
    fact("chown moves ctime", b.st_ctim.tv_sec > a.st_ctim.tv_sec ||
         (b.st_ctim.tv_sec == a.st_ctim.tv_sec && b.st_ctim.tv_nsec > a.st_ctim.tv_nsec));

    /* set-id bits: chown clears S_ISUID, and S_ISGID when group-executable */
    syscall(SYS_chmod, at(0, "f"), 06755);
    own("setid file", at(0, "f"));
    show("chown setid", syscall(SYS_chown, at(0, "f"), 0, 0));
    own("after chown setid", at(0, "f"));
    syscall(SYS_chmod, at(0, "f"), 06644);
    show("chown setid no group exec", syscall(SYS_chown, at(0, "f"), -1, -1));
    own("after chown no group exec", at(0, "f"));
    syscall(SYS_chmod, at(0, "f"), 0644);
    syscall(SYS_mkdir, at(0, "d"), 0755);
    syscall(SYS_chmod, at(0, "d"), 07755);
    show("chown setid dir", syscall(SYS_chown, at(0, "d"), 5, 6));
    own("after chown setid dir", at(0, "d"));

    /* symlinks */
    syscall(SYS_symlink, "f", at(0, "l"));
    show("lchown", syscall(SYS_lchown, at(0, "l"), 7, 8));
    own("link after lchown", at(0, "l"));
    own("file after lchown", at(0, "f"));
    show("chown through link", syscall(SYS_chown, at(0, "l"), 9, 10));
    own("link after chown", at(0, "l"));
    own("file after chown", at(0, "f"));
    show("lchown missing", syscall(SYS_lchown, at(0, "nx"), 1, 1));

    /* fchownat flags, fchown */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    show("fchownat nofollow", syscall(SYS_fchownat, dfd, "l", 11, 12, AT_SYMLINK_NOFOLLOW));
    own("link after fchownat", at(0, "l"));
    show("fchownat follow", syscall(SYS_fchownat, dfd, "l", 13, 14, 0));
    own("file after fchownat", at(0, "f"));
    int fd = open(at(0, "f"), O_RDONLY);
    show("fchownat empty path", syscall(SYS_fchownat, fd, "", 15, 16, AT_EMPTY_PATH));
    own("after empty path", at(0, "f"));
    show("fchownat empty without flag", syscall(SYS_fchownat, fd, "", 1, 1, 0));
    show("fchownat bad flags", syscall(SYS_fchownat, dfd, "f", 1, 1, 0x1));
    show("fchownat bad fd", syscall(SYS_fchownat, 999, "f", 1, 1, 0));
    show("fchownat relative to a file", syscall(SYS_fchownat, fd, "x", 1, 1, 0));
    show("fchown", syscall(SYS_fchown, fd, 17, -1));
    own("after fchown", at(0, "f"));
    show("fchown bad fd", syscall(SYS_fchown, 999, 1, 1));
    close(fd);
    fd = open(at(0, "f"), O_PATH);
    show("fchown O_PATH", syscall(SYS_fchown, fd, 1, 1));
    show("fchownat O_PATH empty path", syscall(SYS_fchownat, fd, "", 18, 19, AT_EMPTY_PATH));
    own("after O_PATH", at(0, "f"));
    close(fd);

    /* statx sees the same owner */
    struct statx_k sx;
    memset(&sx, 0, sizeof(sx));
    show("statx", syscall(SYS_statx, dfd, "f", 0, STATX_UID_K | STATX_GID_K, &sx));
    printf("statx owner: %u %u mask has uid gid: %d\n", sx.stx_uid, sx.stx_gid,
           (sx.stx_mask & (STATX_UID_K | STATX_GID_K)) == (STATX_UID_K | STATX_GID_K));
    close(dfd);

    /* new objects in a set-gid directory take its group; directories its S_ISGID */
    syscall(SYS_mkdir, at(0, "sg"), 0755);
    syscall(SYS_chown, at(0, "sg"), 0, 4000);
    syscall(SYS_chmod, at(0, "sg"), 02775);
    mkfile("sg/f", 0644);
    own("file in set-gid dir", at(0, "sg/f"));
    syscall(SYS_mkdir, at(0, "sg/d"), 0755);
    own("dir in set-gid dir", at(0, "sg/d"));
    syscall(SYS_symlink, "f", at(0, "sg/l"));
    own("link in set-gid dir", at(0, "sg/l"));
    syscall(SYS_mkdir, at(0, "sg/d2"), 06777);
    own("mkdir drops requested set-id", at(0, "sg/d2"));
    syscall(SYS_mkdir, at(0, "plain"), 06777);
    own("mkdir plain drops set-id", at(0, "plain"));
}

static void test_user(void)
{
    /* files for the unprivileged part: f owned by 1000:1000, g by root */
    syscall(SYS_chmod, dir, 0777);
    syscall(SYS_chown, at(0, "f"), 1000, 1000);
    syscall(SYS_chmod, at(0, "f"), 0644);
    mkfile("g", 0644);
    mkfile("h", 0644);
    syscall(SYS_chown, at(0, "h"), 1000, 3000);
    mkfile("w", 0666);
    syscall(SYS_mkdir, at(0, "ro"), 0755);
    syscall(SYS_mkdir, at(0, "nos"), 0700);
    mkfile("nos/f", 0644);

    syscall(SYS_setfsgid, 1000);
    syscall(SYS_setfsuid, 1000);
    fact("fsuid now 1000", syscall(SYS_setfsuid, -1) == 1000);

    mkfile("mine", 0644);
    own("created as 1000", at(0, "mine"));
    show("chown other uid", syscall(SYS_chown, at(0, "f"), 1001, -1));
    show("chown own uid", syscall(SYS_chown, at(0, "f"), 1000, -1));
    show("chown own group", syscall(SYS_chown, at(0, "f"), -1, 1000));
    show("chown foreign group", syscall(SYS_chown, at(0, "f"), -1, 2000));
    show("chown to root", syscall(SYS_chown, at(0, "f"), 0, 0));
    show("chown not owner", syscall(SYS_chown, at(0, "g"), -1, 1000));
    show("chown not owner same uid", syscall(SYS_chown, at(0, "g"), 0, -1));
    show("chown not owner neither", syscall(SYS_chown, at(0, "g"), -1, -1));
    unsigned grp[2] = { 2000, 2001 };
    show("setgroups", syscall(SYS_setgroups, 2, grp));
    show("chown supplementary group", syscall(SYS_chown, at(0, "f"), -1, 2001));
    own("after supplementary group", at(0, "f"));
    syscall(SYS_chmod, at(0, "f"), 02755);
    own("set-gid kept in own group", at(0, "f"));
    show("chown clears set-gid", syscall(SYS_chown, at(0, "f"), -1, 2000));
    own("after chown by owner", at(0, "f"));
    syscall(SYS_setgroups, 0, NULL);

    show("chmod own", syscall(SYS_chmod, at(0, "f"), 0640));
    show("chmod not owner", syscall(SYS_chmod, at(0, "g"), 0600));
    show("chmod set-gid outside group", syscall(SYS_chmod, at(0, "h"), 02755));
    own("set-gid dropped", at(0, "h"));
    int fd = open(at(0, "g"), O_RDONLY);
    show("fchmod not owner", syscall(SYS_fchmod, fd, 0600));
    show("fchown not owner", syscall(SYS_fchown, fd, 1000, -1));
    close(fd);

    struct timespec ts[2] = { { 1000, 0 }, { 2000, 0 } };
    show("utimensat not owner", syscall(SYS_utimensat, AT_FDCWD, at(0, "g"), ts, 0));
    show("utimensat now not writable", syscall(SYS_utimensat, AT_FDCWD, at(0, "g"), NULL, 0));
    show("utimensat now writable", syscall(SYS_utimensat, AT_FDCWD, at(0, "w"), NULL, 0));
    show("utimensat owner", syscall(SYS_utimensat, AT_FDCWD, at(0, "f"), ts, 0));
    struct timespec nowomit[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
    show("utimensat now+omit", syscall(SYS_utimensat, AT_FDCWD, at(0, "g"), nowomit, 0));
    struct timespec omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
    show("utimensat omit+omit", syscall(SYS_utimensat, AT_FDCWD, at(0, "g"), omit, 0));
    struct timespec bad[2] = { { 0, -1 }, { 0, UTIME_OMIT } };
    show("utimensat bad time", syscall(SYS_utimensat, AT_FDCWD, at(0, "g"), bad, 0));

    syscall(SYS_chmod, at(0, "g"), 0600);   /* fails: g is root's, still 0644 */
    show("access real root", syscall(SYS_access, at(0, "g"), W_OK));
    show("faccessat2 eaccess write", syscall(SYS_faccessat2, AT_FDCWD, at(0, "g"), W_OK, AT_EACCESS));
    show("faccessat2 eaccess read", syscall(SYS_faccessat2, AT_FDCWD, at(0, "g"), R_OK, AT_EACCESS));
    show("faccessat2 eaccess exists", syscall(SYS_faccessat2, AT_FDCWD, at(0, "g"), F_OK, AT_EACCESS));
    show("faccessat2 eaccess own", syscall(SYS_faccessat2, AT_FDCWD, at(0, "f"), R_OK | W_OK, AT_EACCESS));
    show("faccessat2 eaccess own exec", syscall(SYS_faccessat2, AT_FDCWD, at(0, "f"), X_OK, AT_EACCESS));
    show("faccessat2 eaccess dir", syscall(SYS_faccessat2, AT_FDCWD, dir, R_OK | W_OK | X_OK, AT_EACCESS));

    /* open and create permissions */
    fd = syscall(SYS_open, at(0, "g"), O_RDONLY);
    show_ok("open read not owner", fd);
    close(fd);
    show("open write not owner", syscall(SYS_open, at(0, "g"), O_RDWR));
    show("open trunc not owner", syscall(SYS_open, at(0, "g"), O_RDONLY | O_TRUNC));
    show("open creat existing", syscall(SYS_open, at(0, "g"), O_CREAT | O_WRONLY, 0644));
    fd = syscall(SYS_open, at(0, "w"), O_RDWR);
    show_ok("open world writable", fd);
    close(fd);
    syscall(SYS_chmod, at(0, "mine"), 0204);
    show("open owner without read", syscall(SYS_open, at(0, "mine"), O_RDONLY));
    fd = syscall(SYS_open, at(0, "mine"), O_WRONLY);
    show_ok("open owner write", fd);
    close(fd);
    fd = syscall(SYS_open, at(0, "new"), O_CREAT | O_EXCL | O_RDWR, 0444);
    show_ok("create read-only file for writing", fd);
    close(fd);
    show("open it again for writing", syscall(SYS_open, at(0, "new"), O_RDWR));
    show("create in root's dir", syscall(SYS_open, at(0, "ro/x"), O_CREAT | O_WRONLY, 0644));
    show("mkdir in root's dir", syscall(SYS_mkdir, at(0, "ro/x"), 0755));
    show("symlink in root's dir", syscall(SYS_symlink, "x", at(0, "ro/x")));
    fd = syscall(SYS_open, at(0, "ro"), O_RDONLY | O_DIRECTORY);
    show_ok("open root's dir", fd);
    close(fd);

    /* search permission on the path's directories */
    struct stat st;
    show("stat in unsearchable dir", syscall(SYS_stat, at(0, "nos/f"), &st));
    show("open in unsearchable dir", syscall(SYS_open, at(0, "nos/f"), O_RDONLY));
    show("create in unsearchable dir", syscall(SYS_open, at(0, "nos/g"), O_CREAT | O_RDWR, 0644));
    show("stat unsearchable dir", syscall(SYS_stat, at(0, "nos"), &st));
    show("stat dot in unsearchable dir", syscall(SYS_stat, at(0, "nos/."), &st));
    show("stat through searchable dir", syscall(SYS_stat, at(0, "ro/../g"), &st));

    syscall(SYS_setfsuid, 0);
    syscall(SYS_setfsgid, 0);
    fact("fsuid back to 0", syscall(SYS_setfsuid, -1) == 0);
    show("chown as root again", syscall(SYS_chown, at(0, "g"), 1, 1));
}

static void cleanup(void)
{
    const char *files[] = { "nos/f", "sg/f", "sg/l", "l", "f", "g", "h", "w", "mine", "new" };
    const char *dirs[] = { "sg/d", "sg/d2", "sg", "d", "plain", "ro", "nos" };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        unlink(at(0, files[i]));
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        rmdir(at(0, dirs[i]));
    show("rmdir scratch", syscall(SYS_rmdir, dir));
}

static void run(const char *where, const char *tmpl)
{
    printf("== %s\n", where);
    strcpy(dir, tmpl);
    if (mkdtemp(dir) == NULL) {
        printf("mkdtemp: %s\n", errname(errno));
        return;
    }
    test_root();
    test_user();
    cleanup();
}

int main(void)
{
    umask(022);
    run("cwd", "conf-owner.XXXXXX");
    run("tmp", "/tmp/conf-owner.XXXXXX");
    return 0;
}
