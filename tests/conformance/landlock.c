/*
 * landlock.c - Landlock file system restrictions (ABI 3 features only, so
 * the output is the same on any kernel or solo with ABI >= 3): the three
 * calls' error paths, then a restricted thread checking opens (READ_FILE,
 * WRITE_FILE, READ_DIR), creation (MAKE_REG, MAKE_DIR, MAKE_SYM), removal
 * (REMOVE_FILE, REMOVE_DIR), TRUNCATE (truncate, O_TRUNC, ftruncate),
 * renames and links across rule boundaries (REFER: EXDEV), descriptors
 * opened before the restriction, a second layer, inheritance by a thread
 * it creates, the 16-layer limit, and (at the very end) the need for
 * no_new_privs once CAP_SYS_ADMIN is dropped.  Landlock restricts only the calling
 * thread, so the main thread stays free and removes the tree at the end.
 * The tree is built in a fresh directory under the cwd.
 */
// covers: landlock_create_ruleset landlock_add_rule landlock_restrict_self
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

/* uapi <linux/landlock.h> (own copy: installed headers may predate ABI 3) */
#define VERSION_FLAG 1U
#define RULE_PATH_BENEATH 1
#define EXECUTE (1ULL << 0)
#define WRITE_FILE (1ULL << 1)
#define READ_FILE (1ULL << 2)
#define READ_DIR (1ULL << 3)
#define REMOVE_DIR (1ULL << 4)
#define REMOVE_FILE (1ULL << 5)
#define MAKE_DIR (1ULL << 7)
#define MAKE_SOCK (1ULL << 9)
#define MAKE_REG (1ULL << 8)
#define MAKE_SYM (1ULL << 12)
#define REFER (1ULL << 13)
#define TRUNCATE (1ULL << 14)
#define HANDLED (READ_FILE | WRITE_FILE | READ_DIR | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | \
                 MAKE_REG | MAKE_SYM | MAKE_SOCK | REFER | TRUNCATE)

struct path_beneath {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

static char top[64];

static long create_ruleset(uint64_t handled)
{
    uint64_t attr = handled;
    return syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
}

static char tmpdir[64];

static long add_rule_at(int rs, const char *p, uint64_t access)
{
    int fd = open(p, O_PATH | O_CLOEXEC);
    struct path_beneath pb = { access, fd };
    long r = syscall(SYS_landlock_add_rule, rs, RULE_PATH_BENEATH, &pb, 0);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

static long add_rule(int rs, const char *rel, uint64_t access)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/%s", top, rel);
    return add_rule_at(rs, p, access);
}

/* open an absolute path under tmpdir */
static void try_tmp(const char *what, const char *rel, int flags)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
    int fd = open(p, flags, 0644);
    show_ok(what, fd);
    if (fd >= 0)
        close(fd);
}

static const char *P(const char *rel)
{
    static char buf[4][128];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", top, rel);
    return buf[i];
}

/* bind a UNIX socket to rel (abstract name when rel is NULL) */
static void try_bind(const char *what, const char *rel)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    socklen_t len = sizeof(a);
    if (rel != NULL)
        snprintf(a.sun_path, sizeof(a.sun_path), "%s", P(rel));
    else
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                          (size_t)snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "ll-abstract"));
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    show_ok(what, bind(s, (struct sockaddr *)&a, len));
    close(s);
}

static void mk(const char *rel, const char *text)
{
    if (text == NULL) {
        mkdir(P(rel), 0755);
        return;
    }
    int fd = open(P(rel), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0)
            printf("write failed\n");
        close(fd);
    }
}

static void try_open(const char *what, const char *rel, int flags)
{
    int fd = (int)syscall(SYS_openat, AT_FDCWD, P(rel), flags, 0644);
    show_ok(what, fd);
    if (fd >= 0)
        close(fd);
}

/* ---------------------------------------------------------------- error paths */

static void errors(void)
{
    uint64_t attr[4] = { READ_FILE, 0, 0, 0 };
    struct path_beneath pb = { READ_FILE, -1 };
    show_ok("create NULL attr", syscall(SYS_landlock_create_ruleset, NULL, 8, 0));
    show_ok("create size 4", syscall(SYS_landlock_create_ruleset, attr, 4, 0));
    show_ok("create size 4097", syscall(SYS_landlock_create_ruleset, attr, 4097, 0));
    attr[3] = 1;
    show_ok("create nonzero tail", syscall(SYS_landlock_create_ruleset, attr, 32, 0));
    attr[3] = 0;
    attr[0] = 1ULL << 40;
    show_ok("create unknown right", syscall(SYS_landlock_create_ruleset, attr, 8, 0));
    attr[0] = 0;
    show_ok("create empty", syscall(SYS_landlock_create_ruleset, attr, 8, 0));
    show_ok("version with attr", syscall(SYS_landlock_create_ruleset, attr, 8, VERSION_FLAG));
    show_ok("unknown flag", syscall(SYS_landlock_create_ruleset, NULL, 0, 1U << 7));
    attr[0] = READ_FILE | READ_DIR;
    int rs = (int)syscall(SYS_landlock_create_ruleset, attr, 32, 0);
    show_ok("create zero tail", rs);
    char link[64], want[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", rs);
    ssize_t n = readlink(link, want, sizeof(want) - 1);
    want[n > 0 ? n : 0] = '\0';
    printf("fd link: %s\n", want);
    printf("cloexec: %d\n", (fcntl(rs, F_GETFD) & FD_CLOEXEC) != 0);
    char c;
    show_ok("read ruleset", read(rs, &c, 1));

    show_ok("add flags", syscall(SYS_landlock_add_rule, rs, RULE_PATH_BENEATH, &pb, 1));
    show_ok("add bad fd", syscall(SYS_landlock_add_rule, -1, RULE_PATH_BENEATH, &pb, 0));
    int dfd = open(top, O_RDONLY | O_DIRECTORY);
    show_ok("add not a ruleset", syscall(SYS_landlock_add_rule, dfd, RULE_PATH_BENEATH, &pb, 0));
    show_ok("add bad type", syscall(SYS_landlock_add_rule, rs, 99, &pb, 0));
    show_ok("add NULL attr", syscall(SYS_landlock_add_rule, rs, RULE_PATH_BENEATH, NULL, 0));
    pb.allowed_access = 0;
    pb.parent_fd = dfd;
    show_ok("add no rights", syscall(SYS_landlock_add_rule, rs, RULE_PATH_BENEATH, &pb, 0));
    pb.allowed_access = WRITE_FILE;
    show_ok("add unhandled", syscall(SYS_landlock_add_rule, rs, RULE_PATH_BENEATH, &pb, 0));
    pb.allowed_access = READ_FILE;
    pb.parent_fd = -1;
    show_ok("add bad parent", syscall(SYS_landlock_add_rule, rs, RULE_PATH_BENEATH, &pb, 0));
    int pfd[2];
    if (pipe(pfd) == 0) {
        pb.parent_fd = pfd[0];
        show_ok("add pipe parent", syscall(SYS_landlock_add_rule, rs, RULE_PATH_BENEATH, &pb, 0));
        close(pfd[0]);
        close(pfd[1]);
    }
    pb.parent_fd = rs;
    show_ok("add ruleset parent", syscall(SYS_landlock_add_rule, rs, RULE_PATH_BENEATH, &pb, 0));
    show_ok("add dir right on file", add_rule(rs, "file", READ_DIR | READ_FILE));
    show_ok("add file right on file", add_rule(rs, "file", READ_FILE));
    show_ok("add dir fd", add_rule(rs, "ro", READ_DIR));
    show_ok("add same again", add_rule(rs, "ro", READ_FILE));

    show_ok("restrict flags", syscall(SYS_landlock_restrict_self, rs, 1U << 31));
    show_ok("restrict bad fd", syscall(SYS_landlock_restrict_self, -1, 0));
    show_ok("restrict not a ruleset", syscall(SYS_landlock_restrict_self, dfd, 0));
    close(dfd);
    close(rs);
}

/* ---------------------------------------------------------------- restricted */

static int pre_fd = -1;

static void *inherited(void *arg)
{
    (void)arg;
    try_open("child thread open none/f", "none/f", O_RDONLY);
    try_open("child thread open rw/f", "rw/f", O_RDONLY);
    return NULL;
}

static void *restricted(void *arg)
{
    (void)arg;
    int rs = (int)create_ruleset(HANDLED);
    show_ok("ro rule", add_rule(rs, "ro", READ_FILE | READ_DIR));
    show_ok("rw rule", add_rule(rs, "rw", HANDLED));
    show_ok("rw2 rule", add_rule(rs, "rw2", READ_FILE | MAKE_REG | REMOVE_FILE | REFER));
    show_ok("noref rule", add_rule(rs, "noref", READ_FILE | WRITE_FILE | MAKE_REG | REMOVE_FILE));
    show_ok("wo rule", add_rule(rs, "wo", READ_FILE | WRITE_FILE));
    show_ok("file rule", add_rule(rs, "file", READ_FILE));
    char tp[128];
    snprintf(tp, sizeof(tp), "%s/in", tmpdir);
    show_ok("tmp rule", add_rule_at(rs, tp, READ_FILE | MAKE_REG | REMOVE_FILE));
    show_ok("restrict", syscall(SYS_landlock_restrict_self, rs, 0));

    /* opens */
    try_open("open ro/f rdonly", "ro/f", O_RDONLY);
    try_open("open ro/f wronly", "ro/f", O_WRONLY);
    try_open("open ro/f rdwr", "ro/f", O_RDWR);
    try_open("open ro dir", "ro", O_RDONLY | O_DIRECTORY);
    try_open("open none/f", "none/f", O_RDONLY);
    try_open("open none dir", "none", O_RDONLY | O_DIRECTORY);
    try_open("open none/f O_PATH", "none/f", O_PATH);
    try_open("open file rdonly", "file", O_RDONLY);
    try_open("open file wronly", "file", O_WRONLY);
    try_open("open top dir", ".", O_RDONLY | O_DIRECTORY);
    try_open("create ro/f (exists)", "ro/f", O_CREAT | O_RDONLY);
    try_open("open rw/ln (symlink to none/f)", "rw/ln", O_RDONLY);
    try_open("open rw/ln O_NOFOLLOW|O_PATH", "rw/ln", O_PATH | O_NOFOLLOW);
    char mp[64];
    snprintf(mp, sizeof(mp), "/proc/self/fd/%d", pre_fd);
    show_ok("reopen pre-opened via /proc/self/fd", open(mp, O_RDONLY));
    try_tmp("open tmp in/f", "in/f", O_RDONLY);
    try_tmp("open tmp in/f wronly", "in/f", O_WRONLY);
    try_tmp("open tmp out/f", "out/f", O_RDONLY);
    try_tmp("create tmp in/new", "in/new", O_CREAT | O_RDONLY);
    try_tmp("create tmp out/new", "out/new", O_CREAT | O_RDONLY);
    snprintf(tp, sizeof(tp), "%s/in/new", tmpdir);
    show_ok("unlink tmp in/new", unlink(tp));
    snprintf(tp, sizeof(tp), "%s/out/f", tmpdir);
    show_ok("unlink tmp out/f", unlink(tp));
    struct stat st;
    show_ok("stat none/f", stat(P("none/f"), &st));
    int dfd = open(P("ro"), O_RDONLY | O_DIRECTORY);
    char dbuf[512];
    show_ok("getdents ro", syscall(SYS_getdents64, dfd, dbuf, sizeof(dbuf)));
    close(dfd);

    /* creation and removal */
    try_open("create rw/new", "rw/new", O_CREAT | O_WRONLY);
    try_open("create ro/new", "ro/new", O_CREAT | O_WRONLY);
    try_open("create rw/new again (exists)", "rw/new", O_CREAT | O_RDONLY);
    show_ok("mkdir rw/d", mkdir(P("rw/d"), 0755));
    show_ok("mkdir ro/d", mkdir(P("ro/d"), 0755));
    show_ok("mkdir ro/sub (exists)", mkdir(P("ro/sub"), 0755));
    show_ok("symlink rw/l", symlink("f", P("rw/l")));
    show_ok("symlink ro/l", symlink("f", P("ro/l")));
    show_ok("mknod rw/n", mknod(P("rw/n"), S_IFREG | 0644, 0));
    show_ok("mknod noref/n", mknod(P("noref/n"), S_IFREG | 0644, 0));
    show_ok("unlink rw/new", unlink(P("rw/new")));
    show_ok("unlink rw/l", unlink(P("rw/l")));
    show_ok("unlink ro/f", unlink(P("ro/f")));
    show_ok("unlink ro/missing", unlink(P("ro/missing")));
    show_ok("rmdir rw/d", rmdir(P("rw/d")));
    show_ok("rmdir ro/sub", rmdir(P("ro/sub")));
    show_ok("unlink noref/n", unlink(P("noref/n")));
    try_bind("bind rw/sock", "rw/sock");
    try_bind("bind ro/sock", "ro/sock");
    try_bind("bind abstract", NULL);

    /* truncation */
    show_ok("truncate rw/f", truncate(P("rw/f"), 1));
    show_ok("truncate ro/f", truncate(P("ro/f"), 1));
    show_ok("truncate wo/f", truncate(P("wo/f"), 1));
    try_open("open ro/f O_TRUNC", "ro/f", O_RDONLY | O_TRUNC);
    try_open("open wo/f O_TRUNC", "wo/f", O_WRONLY | O_TRUNC);
    try_open("create wo/new O_TRUNC", "wo/new", O_WRONLY | O_CREAT | O_TRUNC);
    int fd = open(P("wo/f"), O_RDWR);
    show_ok("open wo/f rdwr", fd);
    show_ok("ftruncate wo/f", ftruncate(fd, 0));
    show_ok("write wo/f", write(fd, "x", 1));
    close(fd);
    fd = open(P("rw/f"), O_RDWR);
    show_ok("ftruncate rw/f", ftruncate(fd, 0));
    close(fd);
    show_ok("ftruncate pre-opened", ftruncate(pre_fd, 2));
    show_ok("write pre-opened", pwrite(pre_fd, "ab", 2, 0));
    char b[4];
    show_ok("read pre-opened", pread(pre_fd, b, 2, 0));

    /* renames and links */
    mk("rw/x", NULL);
    show_ok("rename rw/a rw/b", rename(P("rw/a"), P("rw/b")));
    show_ok("rename rw/b rw2/b", rename(P("rw/b"), P("rw2/b")));
    show_ok("rename rw2/b rw/b (gains rights)", rename(P("rw2/b"), P("rw/b")));
    show_ok("rename rw/c noref/c (no REFER)", rename(P("rw/c"), P("noref/c")));
    show_ok("rename rw/c ro/c (no MAKE_REG)", rename(P("rw/c"), P("ro/c")));
    show_ok("rename noref/f noref/g", rename(P("noref/f"), P("noref/g")));
    show_ok("rename noref/g rw/g", rename(P("noref/g"), P("rw/g")));
    show_ok("rename rw/c none/c", rename(P("rw/c"), P("none/c")));
    show_ok("rename rw2/b rw2/f (replace)", rename(P("rw2/b"), P("rw2/f")));
    show_ok("rename rw/sub rw2/sub (dir)", rename(P("rw/sub"), P("rw2/sub")));
    show_ok("link rw/c rw/c2", link(P("rw/c"), P("rw/c2")));
    show_ok("link rw/c noref/c", link(P("rw/c"), P("noref/c")));
    show_ok("link rw/c rw2/c", link(P("rw/c"), P("rw2/c")));
    show_ok("link rw2/f rw/f2 (gains rights)", link(P("rw2/f"), P("rw/f2")));

    /* later rules do not change the domain */
    show_ok("late rule", add_rule(rs, "none", READ_FILE | READ_DIR));
    try_open("open none/f after late rule", "none/f", O_RDONLY);

    /* a second layer */
    int rs2 = (int)create_ruleset(READ_FILE);
    show_ok("layer 2 rule", add_rule(rs2, "rw", READ_FILE));
    show_ok("restrict layer 2", syscall(SYS_landlock_restrict_self, rs2, 0));
    try_open("layer 2 open ro/f", "ro/f", O_RDONLY);
    try_open("layer 2 open rw/f", "rw/f", O_RDONLY);
    try_open("layer 2 create rw/new2", "rw/new2", O_CREAT | O_WRONLY);
    try_open("layer 2 open ro dir", "ro", O_RDONLY | O_DIRECTORY);

    /* a thread created now inherits the domain */
    pthread_t t;
    if (pthread_create(&t, NULL, inherited, NULL) == 0)
        pthread_join(t, NULL);

    /* mounting is denied (only tried once known to be restricted) */
    if (open(P("none/f"), O_RDONLY) < 0 && errno == EACCES)
        show_ok("mount", mount("none", P("rw/x"), "tmpfs", 0, NULL));
    close(rs);
    close(rs2);
    return NULL;
}

/* Layers stack up to 16 (then E2BIG). */
static void *many(void *arg)
{
    (void)arg;
    int rs = (int)create_ruleset(READ_FILE);
    struct path_beneath pb = { READ_FILE, open("/", O_PATH) };
    syscall(SYS_landlock_add_rule, rs, RULE_PATH_BENEATH, &pb, 0);
    int ok = 0;
    long r = 0;
    while (ok < 20 && (r = syscall(SYS_landlock_restrict_self, rs, 0)) == 0)
        ok++;
    printf("layers: %d, then %s\n", ok, r < 0 ? errname(errno) : "ok");
    try_open("16 layers open rw/f", "rw/f", O_RDONLY);
    close(pb.parent_fd);
    close(rs);
    return NULL;
}

static int rm(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(p);
}

int main(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, VERSION_FLAG);
    if (abi < 3) {
        printf("landlock ABI 3 unavailable\n");
        return 0;
    }
    printf("abi >= 3\n");
    snprintf(top, sizeof(top), "ll-XXXXXX");
    if (mkdtemp(top) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    const char *dirs[] = { "ro", "ro/sub", "rw", "rw/sub", "rw2", "noref", "wo", "none" };
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        mk(dirs[i], NULL);
    const char *files[] = { "ro/f", "rw/f", "rw/a", "rw/c", "rw2/f", "noref/f", "wo/f", "none/f",
                            "file" };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        mk(files[i], "data\n");
    if (symlink("../none/f", P("rw/ln")) < 0)
        printf("symlink failed\n");
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/ll-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    char tp[128];
    const char *tmps[] = { "in", "out", "in/f", "out/f" };
    for (int i = 0; i < 4; i++) {
        snprintf(tp, sizeof(tp), "%s/%s", tmpdir, tmps[i]);
        if (i < 2)
            mkdir(tp, 0755);
        else
            close(open(tp, O_CREAT | O_WRONLY, 0644));
    }
    errors();
    pre_fd = open(P("none/f"), O_RDWR);
    pthread_t t;
    if (pthread_create(&t, NULL, restricted, NULL) == 0)
        pthread_join(t, NULL);
    if (pthread_create(&t, NULL, many, NULL) == 0)
        pthread_join(t, NULL);
    /* the main thread was never restricted */
    try_open("main thread open none/f", "none/f", O_RDONLY);
    show_ok("main thread unlink ro/f", unlink(P("ro/f")));
    close(pre_fd);
    show_ok("cleanup", nftw(top, rm, 16, FTW_DEPTH | FTW_PHYS));
    show_ok("cleanup tmp", nftw(tmpdir, rm, 16, FTW_DEPTH | FTW_PHYS));

    /* Last (it cannot be undone): without CAP_SYS_ADMIN, restricting needs
     * no_new_privs.  Only this process's capabilities change. */
    struct { uint32_t version; int pid; } hdr = { 0x20080522, 0 };
    struct { uint32_t eff, perm, inh; } caps[2];
    int rs = (int)create_ruleset(READ_FILE);
    if (syscall(SYS_capget, &hdr, caps) == 0) {
        caps[0].eff &= ~(1U << 21);
        show_ok("drop CAP_SYS_ADMIN", syscall(SYS_capset, &hdr, caps));
        show_ok("restrict without no_new_privs", syscall(SYS_landlock_restrict_self, rs, 0));
        show_ok("set no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
        show_ok("restrict with no_new_privs", syscall(SYS_landlock_restrict_self, rs, 0));
    }
    return 0;
}
