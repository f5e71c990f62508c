// covers: fanotify_init fanotify_mark name_to_handle_at open_by_handle_at
/*
 * fanfid.c - fanotify groups that report file handles (FAN_REPORT_FID,
 * FAN_REPORT_DIR_FID, FAN_REPORT_NAME, FAN_REPORT_TARGET_FID): the flag
 * rules of fanotify_init and fanotify_mark, and the events of creating,
 * writing, changing, renaming and removing entries in a fresh directory,
 * read with inode marks only (the host's other processes would add events
 * to mount or file system marks), in a directory in the cwd (TFS in solo)
 * and one in /tmp (tmpfs in solo).  Handle bytes differ between file
 * systems, so each info record is printed as facts: its type, its length
 * and fsid checked (statfs's f_fsid), the object its handle equals (the
 * name_to_handle_at handles taken before), the name; open_by_handle_at on
 * a reported handle opens the object.  Where the host's cwd or /tmp cannot
 * encode handles (overlayfs in a container), /dev/shm stands in for it.
 */
#include "common.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#define FAN_CLASS_CONTENT 0x4
#define FAN_NONBLOCK 0x2
#define FAN_REPORT_FID 0x200
#define FAN_REPORT_DIR_FID 0x400
#define FAN_REPORT_NAME 0x800
#define FAN_REPORT_TARGET_FID 0x1000
#define FAN_REPORT_DFID_NAME (FAN_REPORT_DIR_FID | FAN_REPORT_NAME)
#define FAN_REPORT_DFID_NAME_TARGET (FAN_REPORT_DFID_NAME | FAN_REPORT_FID | FAN_REPORT_TARGET_FID)
#define FAN_MARK_ADD 0x1
#define FAN_MARK_MOUNT 0x10
#define FAN_MODIFY 0x2
#define FAN_ATTRIB 0x4
#define FAN_CLOSE_WRITE 0x8
#define FAN_OPEN 0x20
#define FAN_MOVED_FROM 0x40
#define FAN_MOVED_TO 0x80
#define FAN_CREATE 0x100
#define FAN_DELETE 0x200
#define FAN_DELETE_SELF 0x400
#define FAN_MOVE_SELF 0x800
#define FAN_EVENT_ON_CHILD 0x08000000
#define FAN_RENAME 0x10000000
#define FAN_ONDIR 0x40000000
#define FAN_NOFD (-1)

struct fh {
    unsigned int handle_bytes;
    int handle_type;
    unsigned char f_handle[128];
};

struct meta {
    uint32_t event_len;
    uint8_t vers, reserved;
    uint16_t metadata_len;
    uint64_t mask;
    int32_t fd, pid;
};

static char buf[8192] __attribute__((aligned(8)));
static char base[160];
static struct { char label[16]; struct fh h; } objs[16];
static int nobjs;
static int32_t fsid[2];

static long finit(unsigned flags)
{
    return syscall(SYS_fanotify_init, flags | FAN_NONBLOCK, O_RDONLY);
}

static long fmark(int fd, unsigned flags, uint64_t mask, const char *path)
{
    return syscall(SYS_fanotify_mark, fd, flags, mask, AT_FDCWD, path);
}

static const char *at(const char *name)
{
    static char p[4][256];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(p[slot], sizeof(p[slot]), "%s/%s", base, name);
    return p[slot];
}

static int get_handle(const char *path, struct fh *h)
{
    int mnt;
    memset(h, 0, sizeof(*h));
    h->handle_bytes = sizeof(h->f_handle);
    return (int)syscall(SYS_name_to_handle_at, AT_FDCWD, path, h, &mnt, 0);
}

/* Remember the handle of base/name (taken now) under label. */
static void remember(const char *label, const char *name)
{
    snprintf(objs[nobjs].label, sizeof(objs[nobjs].label), "%s", label);
    if (get_handle(name[0] != '\0' ? at(name) : base, &objs[nobjs].h) != 0)
        printf("handle of %s: %s\n", label, errname(errno));
    nobjs++;
}

static const char *label_of(const unsigned char *h)
{
    struct fh x;
    memcpy(&x, h, 8);
    for (int i = nobjs - 1; i >= 0; i--) {
        if (objs[i].h.handle_bytes == x.handle_bytes && objs[i].h.handle_type == x.handle_type &&
            memcmp(objs[i].h.f_handle, h + 8, x.handle_bytes) == 0)
            return objs[i].label;
    }
    return "?";
}

static void mask_names(uint64_t m)
{
    static const struct { uint64_t bit; const char *name; } names[] = {
        { FAN_MODIFY, "MODIFY" }, { FAN_ATTRIB, "ATTRIB" }, { FAN_CLOSE_WRITE, "CLOSE_WRITE" },
        { FAN_OPEN, "OPEN" }, { FAN_MOVED_FROM, "MOVED_FROM" }, { FAN_MOVED_TO, "MOVED_TO" },
        { FAN_CREATE, "CREATE" }, { FAN_DELETE, "DELETE" }, { FAN_DELETE_SELF, "DELETE_SELF" },
        { FAN_MOVE_SELF, "MOVE_SELF" }, { FAN_RENAME, "RENAME" }, { FAN_ONDIR, "ONDIR" },
    };
    const char *sep = "";
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if ((m & names[i].bit) != 0) {
            printf("%s%s", sep, names[i].name);
            sep = "|";
            m &= ~names[i].bit;
        }
    }
    if (m != 0)
        printf("%s0x%llx", sep, (unsigned long long)m);
}

static const char *type_name(int t)
{
    switch (t) {
    case 1: return "FID";
    case 2: return "DFID_NAME";
    case 3: return "DFID";
    case 10: return "OLD_DFID_NAME";
    case 12: return "NEW_DFID_NAME";
    default: return "?";
    }
}

static int opened;                     /* open_by_handle_at checked once per group */

/* Print one info record at p (of the len bytes left in the event). */
static int show_record(const unsigned char *p, int left)
{
    uint16_t len;
    int32_t fs[2];
    unsigned int hb;
    memcpy(&len, p + 2, 2);
    memcpy(fs, p + 4, 8);
    memcpy(&hb, p + 12, 4);
    if (len < 20 || len > left || hb > 128) {
        printf(" [bad record len=%u]", len);
        return left;
    }
    const char *name = (const char *)p + 20 + hb;
    size_t nl = len > 20 + hb ? strnlen(name, len - 20 - hb) : 0;
    size_t want = (20 + hb + (nl > 0 ? nl + 1 : 0) + 3) / 4 * 4;
    printf(" [%s %s", type_name(p[0]), label_of(p + 12));
    if (nl > 0)
        printf(" \"%s\"", name);
    printf("%s%s]", len == want ? "" : " badlen", memcmp(fs, fsid, 8) == 0 ? "" : " badfsid");
    if (!opened) {
        struct fh h;
        struct stat a, b;
        memcpy(&h, p + 12, 8 + hb);
        int mfd = open(base, O_RDONLY | O_DIRECTORY);
        int fd = (int)syscall(SYS_open_by_handle_at, mfd, &h, O_RDONLY);
        if (fd < 0)
            printf(" open_by_handle_at: %s", errname(errno));
        else
            printf(" opens%s", fstat(fd, &a) == 0 && fstat(mfd, &b) == 0 && a.st_dev == b.st_dev ?
                   "" : " elsewhere");
        close(fd);
        close(mfd);
        opened = 1;
    }
    return len;
}

/* Read and print every queued event of fd. */
static void drain(const char *tag, int fd)
{
    printf("%s:", tag);
    int any = 0;
    for (;;) {
        long n = read(fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno != EAGAIN)
                printf(" read %s", errname(errno));
            break;
        }
        for (long off = 0; off < n;) {
            struct meta m;
            memcpy(&m, buf + off, sizeof(m));
            printf("\n  ");
            mask_names(m.mask);
            printf(" vers=%u mlen=%u%s pid%s", m.vers, m.metadata_len, m.fd == FAN_NOFD ? " nofd" : " FD",
                   m.pid == getpid() ? "=" : "!=");
            for (long r = off + m.metadata_len; r < off + (long)m.event_len;)
                r += show_record((unsigned char *)buf + r, (int)(off + m.event_len - r));
            off += m.event_len;
            any = 1;
        }
    }
    printf("%s\n", any ? "" : " (none)");
}

static void touch(const char *name)
{
    close(open(at(name), O_CREAT | O_WRONLY, 0644));
}

static void test_errors(void)
{
    show_ok("init FID", finit(FAN_REPORT_FID));
    show_ok("init DIR_FID", finit(FAN_REPORT_DIR_FID));
    show_ok("init DFID_NAME", finit(FAN_REPORT_DFID_NAME));
    show_ok("init DFID_NAME|FID", finit(FAN_REPORT_DFID_NAME | FAN_REPORT_FID));
    show_ok("init DFID_NAME_TARGET", finit(FAN_REPORT_DFID_NAME_TARGET));
    show_ok("init NAME alone", finit(FAN_REPORT_NAME));
    show_ok("init NAME|FID", finit(FAN_REPORT_NAME | FAN_REPORT_FID));
    show_ok("init TARGET|DFID_NAME", finit(FAN_REPORT_TARGET_FID | FAN_REPORT_DFID_NAME));
    show_ok("init TARGET|FID|DIR_FID", finit(FAN_REPORT_TARGET_FID | FAN_REPORT_FID | FAN_REPORT_DIR_FID));
    show_ok("init CONTENT|DIR_FID", finit(FAN_CLASS_CONTENT | FAN_REPORT_DIR_FID));

    int fid = (int)finit(FAN_REPORT_FID), tgt = (int)finit(FAN_REPORT_DFID_NAME_TARGET);
    int dfid = (int)finit(FAN_REPORT_DIR_FID);
    touch("file");
    show("FID: create on dir", fmark(fid, FAN_MARK_ADD, FAN_CREATE | FAN_ONDIR, base));
    show("FID: create on file (old API)", fmark(fid, FAN_MARK_ADD, FAN_CREATE, at("file")));
    show("FID: delete_self on file", fmark(fid, FAN_MARK_ADD, FAN_DELETE_SELF, at("file")));
    show("FID: mount mark, create", fmark(fid, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_CREATE, base));
    show("FID: mount mark, attrib", fmark(fid, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_ATTRIB, base));
    show("FID: rename without NAME", fmark(fid, FAN_MARK_ADD, FAN_RENAME, base));
    show("DIR_FID: rename without NAME", fmark(dfid, FAN_MARK_ADD, FAN_RENAME, base));
    show("TARGET: create on file", fmark(tgt, FAN_MARK_ADD, FAN_CREATE, at("file")));
    show("TARGET: onchild on file", fmark(tgt, FAN_MARK_ADD, FAN_ATTRIB | FAN_EVENT_ON_CHILD, at("file")));
    show("TARGET: attrib on file", fmark(tgt, FAN_MARK_ADD, FAN_ATTRIB, at("file")));
    show("TARGET: rename on dir", fmark(tgt, FAN_MARK_ADD, FAN_RENAME, base));
    show("TARGET: rename on file", fmark(tgt, FAN_MARK_ADD, FAN_RENAME, at("file")));
    close(fid);
    close(tgt);
    close(dfid);
    unlink(at("file"));
}

/* FAN_REPORT_FID: one FID record, of the directory for entry events. */
static void test_fid(void)
{
    int fd = (int)finit(FAN_REPORT_FID);
    opened = 0;
    remember("D", "");
    show("mark", fmark(fd, FAN_MARK_ADD, FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO |
                       FAN_ATTRIB | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_DELETE_SELF | FAN_MOVE_SELF |
                       FAN_EVENT_ON_CHILD | FAN_ONDIR, base));
    int f = open(at("f"), O_CREAT | O_WRONLY, 0644);
    remember("f", "f");
    if (write(f, "hi", 2) != 2)
        printf("write failed\n");
    close(f);
    drain("fid create+write", fd);
    chmod(at("f"), 0600);
    truncate(at("f"), 1);
    drain("fid chmod+truncate", fd);
    mkdir(at("s"), 0755);
    remember("s", "s");
    chmod(at("s"), 0700);
    drain("fid mkdir+chmod", fd);
    rename(at("f"), at("g"));
    drain("fid rename", fd);
    unlink(at("g"));
    rmdir(at("s"));
    drain("fid unlink+rmdir", fd);
    /* same events in a row merge; a directory's do not merge with a file's */
    touch("a");
    touch("b");
    mkdir(at("c"), 0755);
    unlink(at("a"));
    drain("fid merged", fd);
    unlink(at("b"));
    rmdir(at("c"));
    /* marks on the objects themselves: self events */
    touch("x");
    mkdir(at("y"), 0755);
    remember("x", "x");
    remember("y", "y");
    show("mark x", fmark(fd, FAN_MARK_ADD, FAN_DELETE_SELF | FAN_ATTRIB | FAN_MOVE_SELF, at("x")));
    show("mark y", fmark(fd, FAN_MARK_ADD, FAN_DELETE_SELF | FAN_MOVE_SELF | FAN_ONDIR, at("y")));
    drain("fid before", fd);
    rename(at("x"), at("x2"));
    drain("fid move x", fd);
    unlink(at("x2"));
    drain("fid unlink x", fd);
    rmdir(at("y"));
    drain("fid rmdir y", fd);
    close(fd);
}

/* FAN_REPORT_DFID_NAME: the directory and the name. */
static void test_dfid_name(void)
{
    int fd = (int)finit(FAN_REPORT_DFID_NAME);
    opened = 0;
    show("mark", fmark(fd, FAN_MARK_ADD, FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO |
                       FAN_ATTRIB | FAN_MODIFY | FAN_EVENT_ON_CHILD | FAN_ONDIR, base));
    touch("a");
    remember("a", "a");
    drain("dfid_name create", fd);
    chmod(at("a"), 0600);
    chmod(base, 0755);
    drain("dfid_name chmod file, dir", fd);
    mkdir(at("s"), 0755);
    rename(at("a"), at("b"));
    drain("dfid_name mkdir+rename", fd);
    rename(at("b"), at("s/b"));
    drain("dfid_name move out", fd);
    rename(at("s/b"), at("c"));
    drain("dfid_name move in", fd);
    unlink(at("c"));
    rmdir(at("s"));
    drain("dfid_name unlink+rmdir", fd);
    close(fd);

    /* DIR_FID without FID: no record for a file event with no directory */
    fd = (int)finit(FAN_REPORT_DIR_FID);
    touch("z");
    remember("z", "z");
    show("dir_fid mark z", fmark(fd, FAN_MARK_ADD, FAN_ATTRIB | FAN_DELETE_SELF, at("z")));
    show("dir_fid mark D", fmark(fd, FAN_MARK_ADD, FAN_CREATE | FAN_ONDIR | FAN_ATTRIB, base));
    chmod(at("z"), 0600);
    mkdir(at("q"), 0755);
    chmod(base, 0755);
    drain("dir_fid chmod, mkdir, chmod dir", fd);
    unlink(at("z"));
    rmdir(at("q"));
    drain("dir_fid unlink", fd);
    close(fd);
}

/* FAN_REPORT_DFID_NAME_TARGET and FAN_RENAME. */
static void test_target(void)
{
    int fd = (int)finit(FAN_REPORT_DFID_NAME_TARGET);
    opened = 0;
    mkdir(at("o"), 0755);
    remember("o", "o");
    show("mark", fmark(fd, FAN_MARK_ADD, FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_ATTRIB |
                       FAN_EVENT_ON_CHILD | FAN_ONDIR, base));
    touch("t");
    remember("t", "t");
    drain("target create", fd);
    chmod(at("t"), 0600);
    drain("target chmod", fd);
    rename(at("t"), at("u"));
    drain("target rename", fd);
    rename(at("u"), at("o/u"));
    drain("target rename out", fd);
    show("mark o", fmark(fd, FAN_MARK_ADD, FAN_RENAME, at("o")));
    rename(at("o/u"), at("v"));
    drain("target rename in, both marked", fd);
    int keep = open(at("v"), O_RDONLY);
    unlink(at("v"));
    drain("target unlink", fd);
    close(keep);
    touch("w");
    remember("w", "w");
    touch("w2");
    remember("w2", "w2");
    drain("target create w", fd);
    unlink(at("w"));
    rename(at("w2"), at("o/w"));
    rename(at("o/w"), at("o/u2"));
    unlink(at("o/u2"));
    drain("target unlink w, rename w2 over nothing", fd);
    touch("r1");
    touch("r2");
    remember("r2", "r2");
    rename(at("r1"), at("r2"));
    drain("target rename over r2", fd);
    unlink(at("r2"));
    rmdir(at("o"));
    drain("target rmdir", fd);
    close(fd);
}

static int handles_work(const char *dir)
{
    struct fh h;
    return get_handle(dir, &h) == 0 || errno != EOPNOTSUPP;
}

/* Every scenario in a fresh directory made from template dir. */
static int scenario(const char *tag, char *dir)
{
    struct statfs sf;
    if (mkdtemp(dir) == NULL || statfs(dir, &sf) != 0) {
        printf("mkdtemp: %s\n", errname(errno));
        return 1;
    }
    printf("== %s\n", tag);
    snprintf(base, sizeof(base), "%s%s", dir[0] == '/' ? "" : "./", dir);
    memcpy(fsid, &sf.f_fsid, 8);
    nobjs = 0;
    test_errors();
    test_fid();
    test_dfid_name();
    test_target();
    rmdir(base);
    return 0;
}

int main(void)
{
    char cdir[] = "ff-XXXXXX", tdir[32] = "/tmp/ff-XXXXXX";
    /* Where the host cannot encode handles, use /dev/shm (tmpfs) instead:
     * the output is the same, and solo's cwd (TFS) and /tmp (tmpfs) can. */
    if (!handles_work(".") && chdir("/dev/shm") != 0) {
        printf("chdir: %s\n", errname(errno));
        return 1;
    }
    if (!handles_work("/tmp"))
        strcpy(tdir, "/dev/shm/ff-XXXXXX");
    return scenario("cwd", cdir) || scenario("tmp", tdir);
}
