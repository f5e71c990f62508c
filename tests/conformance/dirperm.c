/*
 * dirperm.c - directory permissions for callers without privileges: removing,
 * renaming and making names needs write and search permission on the
 * directory (EACCES), a sticky directory (mode 1777) lets only the owner of
 * the entry or of the directory remove or replace it (EPERM), a directory
 * moved to another parent needs write permission on itself, and the checks
 * Linux makes first (ENOENT, EEXIST, EINVAL, ENOTEMPTY, ...) keep their
 * place.  CAP_DAC_OVERRIDE and CAP_FOWNER, raised again with capset, lift
 * the two rules.  Also chmod/chown/utimensat on a directory by a non-owner.
 *
 * As root the program builds a tree of directories with modes 0755, 0777,
 * 1777, 0555, 0750, 0770 and 0700 owned by different uids, then takes fs
 * uid/gid 1000 (setfsuid/setfsgid: only fs ids change, so it can go back to
 * root and remove the tree).  Runs twice: under the cwd (the TFS root in
 * solo) and under /tmp (tmpfs in solo).  Needs root (the tests run as root
 * natively too).  Hard links of files the caller does not own are left out
 * (fs.protected_hardlinks is a host setting).
 */
// covers: unlink unlinkat rmdir rename renameat renameat2 link linkat symlink symlinkat mkdir mkdirat mknod mknodat capset
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#define RENAME_NOREPLACE_K 1
#define RENAME_EXCHANGE_K 2
#define CAP_DAC_OVERRIDE_K 1
#define CAP_FOWNER_K 3

static char base[64];

/* base/name in one of four static buffers (slot). */
static const char *at(int slot, const char *name)
{
    static char buf[4][160];
    snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", base, name);
    return buf[slot];
}

static void mkfile(const char *name, unsigned uid, unsigned gid, int mode)
{
    int fd = open(at(3, name), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    close(fd);
    syscall(SYS_chown, at(3, name), uid, gid);
    syscall(SYS_chmod, at(3, name), mode);
}

static void mkd(const char *name, unsigned uid, unsigned gid, int mode)
{
    syscall(SYS_mkdir, at(3, name), 0700);
    syscall(SYS_chown, at(3, name), uid, gid);
    syscall(SYS_chmod, at(3, name), mode);
}

/* The tree, made as root. */
static void build(void)
{
    mkd("pub", 0, 0, 0777);
    mkfile("pub/rootf", 0, 0, 0644);
    mkfile("pub/otherf", 2000, 2000, 0644);
    mkd("pub/rootd", 0, 0, 0755);
    mkd("pub/rootd2", 0, 0, 0755);
    mkd("pub/userd_ro", 1000, 1000, 0555);
    mkd("pub/full", 0, 0, 0755);
    mkfile("pub/full/x", 0, 0, 0644);

    mkd("sticky", 0, 0, 01777);
    mkfile("sticky/rootf", 0, 0, 0666);
    mkfile("sticky/rootf2", 0, 0, 0666);
    mkfile("sticky/otherf", 2000, 2000, 0666);
    mkfile("sticky/userf", 1000, 1000, 0644);
    mkfile("sticky/userf3", 1000, 1000, 0644);
    mkd("sticky/rootd", 0, 0, 0777);
    mkd("sticky/userd", 1000, 1000, 0755);

    mkd("stown", 1000, 1000, 01777);
    mkfile("stown/otherf", 2000, 2000, 0644);
    mkd("stown/otherd", 2000, 2000, 0755);

    mkd("ro", 0, 0, 0755);
    mkfile("ro/f", 0, 0, 0666);
    mkfile("ro/g", 0, 0, 0644);
    mkfile("ro/uf", 1000, 1000, 0644);
    mkd("ro/d", 0, 0, 0777);
    mkd("ro/full", 0, 0, 0755);
    mkfile("ro/full/x", 0, 0, 0644);

    mkd("ro5", 1000, 1000, 0555);
    mkfile("ro5/f", 1000, 1000, 0644);
    mkd("grp", 0, 1000, 0750);
    mkfile("grp/f", 0, 0, 0644);
    mkd("grpw", 0, 1000, 0770);
    mkfile("grpw/f", 0, 0, 0644);
    mkd("nos", 0, 0, 0700);
    mkfile("nos/f", 0, 0, 0644);

    mkd("mine", 1000, 1000, 0755);
    mkfile("mine/f", 1000, 1000, 0644);
    mkfile("mine/f2", 1000, 1000, 0644);
    mkfile("mine/g", 1000, 1000, 0644);
    mkfile("mine/a", 1000, 1000, 0644);
    mkd("mine/d", 1000, 1000, 0755);
    mkd("mine/e", 1000, 1000, 0755);
}

static void test_unlink(void)
{
    show("unlink in 0777 dir, root's file", syscall(SYS_unlink, at(0, "pub/rootf")));
    show("unlink in root's 0755 dir", syscall(SYS_unlink, at(0, "ro/f")));
    show("unlink own file in root's dir", syscall(SYS_unlink, at(0, "ro/uf")));
    show("unlink missing in root's dir", syscall(SYS_unlink, at(0, "ro/nx")));
    show("unlink below a file", syscall(SYS_unlink, at(0, "ro/f/x")));
    show("unlink a dir in root's dir", syscall(SYS_unlink, at(0, "ro/d")));
    show("unlink a dir with slash", syscall(SYS_unlink, at(0, "ro/d/")));
    show("unlink a dir in 0777 dir", syscall(SYS_unlink, at(0, "pub/rootd")));
    show("unlink dot", syscall(SYS_unlink, at(0, "pub/rootd/.")));
    show("unlink dotdot", syscall(SYS_unlink, at(0, "ro/d/..")));
    show("unlink sticky root's file", syscall(SYS_unlink, at(0, "sticky/rootf")));
    show("unlink sticky other's file", syscall(SYS_unlink, at(0, "sticky/otherf")));
    show("unlink sticky root's dir", syscall(SYS_unlink, at(0, "sticky/rootd")));
    show("unlink sticky own file", syscall(SYS_unlink, at(0, "sticky/userf")));
    show("unlink in own sticky dir", syscall(SYS_unlink, at(0, "stown/otherf")));
    show("unlink in own 0555 dir", syscall(SYS_unlink, at(0, "ro5/f")));
    show("unlink in group r-x dir", syscall(SYS_unlink, at(0, "grp/f")));
    show("unlink in group rwx dir", syscall(SYS_unlink, at(0, "grpw/f")));
    show("unlink in unsearchable dir", syscall(SYS_unlink, at(0, "nos/f")));
    int dfd = open(at(0, "ro"), O_RDONLY | O_DIRECTORY);
    show("unlinkat in root's dir", syscall(SYS_unlinkat, dfd, "g", 0));
    show("unlinkat removedir in root's dir", syscall(SYS_unlinkat, dfd, "d", AT_REMOVEDIR));
    show("unlinkat bad flags", syscall(SYS_unlinkat, dfd, "g", 0x1));
    show("unlinkat bad fd", syscall(SYS_unlinkat, 999, "g", 0));
    show("unlinkat bad address", syscall(SYS_unlinkat, dfd, (char *)8, 0));
    close(dfd);
}

static void test_rmdir(void)
{
    show("rmdir in root's dir", syscall(SYS_rmdir, at(0, "ro/d")));
    show("rmdir a file in root's dir", syscall(SYS_rmdir, at(0, "ro/g")));
    show("rmdir missing in root's dir", syscall(SYS_rmdir, at(0, "ro/nx")));
    show("rmdir dot", syscall(SYS_rmdir, at(0, "ro/d/.")));
    show("rmdir dotdot", syscall(SYS_rmdir, at(0, "ro/d/..")));
    show("rmdir in 0777 dir", syscall(SYS_rmdir, at(0, "pub/rootd")));
    show("rmdir a file in 0777 dir", syscall(SYS_rmdir, at(0, "pub/otherf")));
    show("rmdir non-empty in 0777 dir", syscall(SYS_rmdir, at(0, "pub/full")));
    show("rmdir sticky root's dir", syscall(SYS_rmdir, at(0, "sticky/rootd")));
    show("rmdir sticky own dir", syscall(SYS_rmdir, at(0, "sticky/userd")));
    show("rmdir sticky other's file", syscall(SYS_rmdir, at(0, "sticky/otherf")));
    show("rmdir in own sticky dir", syscall(SYS_rmdir, at(0, "stown/otherd")));
}

static void test_create(void)
{
    struct stat st;
    show("mkdir in root's dir", syscall(SYS_mkdir, at(0, "ro/x"), 0755));
    show("mkdir existing in root's dir", syscall(SYS_mkdir, at(0, "ro/g"), 0755));
    show("mkdir in 0777 dir", syscall(SYS_mkdir, at(0, "pub/x"), 0755));
    show("stat new dir", syscall(SYS_stat, at(0, "pub/x"), &st));
    printf("new dir owner: %u %u\n", (unsigned)st.st_uid, (unsigned)st.st_gid);
    show("mkdir in sticky dir", syscall(SYS_mkdir, at(0, "sticky/x"), 0755));
    show("mkdir in own 0555 dir", syscall(SYS_mkdir, at(0, "ro5/x"), 0755));
    show("mkdir in group rwx dir", syscall(SYS_mkdir, at(0, "grpw/x"), 0755));
    int dfd = open(at(0, "ro"), O_RDONLY | O_DIRECTORY);
    show("mkdirat in root's dir", syscall(SYS_mkdirat, dfd, "x", 0755));
    show("mknod in root's dir", syscall(SYS_mknod, at(0, "ro/x"), S_IFREG | 0644, 0));
    show("mknod existing in root's dir", syscall(SYS_mknod, at(0, "ro/g"), S_IFREG | 0644, 0));
    show("mknodat in root's dir", syscall(SYS_mknodat, dfd, "x", 0644, 0));
    show("mknod in 0777 dir", syscall(SYS_mknod, at(0, "pub/n"), S_IFREG | 0644, 0));
    show("symlink in root's dir", syscall(SYS_symlink, "t", at(0, "ro/x")));
    show("symlink existing in root's dir", syscall(SYS_symlink, "t", at(0, "ro/g")));
    show("symlinkat in root's dir", syscall(SYS_symlinkat, "t", dfd, "x"));
    show("symlink in 0777 dir", syscall(SYS_symlink, "t", at(0, "pub/l")));
    show("link own file into root's dir", syscall(SYS_link, at(0, "mine/f"), at(1, "ro/x")));
    show("link onto existing in root's dir", syscall(SYS_link, at(0, "mine/f"), at(1, "ro/g")));
    show("link a dir into root's dir", syscall(SYS_link, at(0, "mine/d"), at(1, "ro/x")));
    show("link a dir into own dir", syscall(SYS_link, at(0, "mine/d"), at(1, "mine/x")));
    show("link a dir onto existing", syscall(SYS_link, at(0, "mine/d"), at(1, "mine/f2")));
    show("link missing into root's dir", syscall(SYS_link, at(0, "mine/nx"), at(1, "ro/x")));
    show("linkat own file into root's dir", syscall(SYS_linkat, AT_FDCWD, at(0, "mine/f"), dfd, "x", 0));
    show("open creat in root's dir", syscall(SYS_open, at(0, "ro/x"), O_CREAT | O_WRONLY, 0644));
    close(dfd);
}

static void test_rename(void)
{
    show("rename into root's dir", syscall(SYS_rename, at(0, "mine/f"), at(1, "ro/x")));
    show("rename out of root's dir", syscall(SYS_rename, at(0, "ro/g"), at(1, "mine/x")));
    show("rename within root's dir", syscall(SYS_rename, at(0, "ro/g"), at(1, "ro/x")));
    show("rename over a name in root's dir", syscall(SYS_rename, at(0, "mine/f"), at(1, "ro/g")));
    show("rename to itself in root's dir", syscall(SYS_rename, at(0, "ro/g"), at(1, "ro/g")));
    show("rename missing in root's dir", syscall(SYS_rename, at(0, "ro/nx"), at(1, "mine/x")));
    show("rename dot", syscall(SYS_rename, at(0, "ro/d/."), at(1, "mine/x")));
    show("rename onto dotdot", syscall(SYS_rename, at(0, "mine/f"), at(1, "ro/d/..")));
    show("rename dir below itself", syscall(SYS_rename, at(0, "ro/d"), at(1, "ro/d/sub")));
    show("rename onto an ancestor", syscall(SYS_rename, at(0, "ro/full/x"), at(1, "ro/full")));
    show("rename within own dir", syscall(SYS_rename, at(0, "mine/a"), at(1, "mine/b")));
    show("rename sticky root's file", syscall(SYS_rename, at(0, "sticky/rootf"), at(1, "sticky/x")));
    show("rename sticky own file", syscall(SYS_rename, at(0, "sticky/userf3"), at(1, "sticky/y")));
    show("rename over sticky root's file", syscall(SYS_rename, at(0, "mine/f2"), at(1, "sticky/rootf2")));
    show("rename over sticky own file", syscall(SYS_rename, at(0, "mine/g"), at(1, "sticky/y")));
    show("rename own dir to 0777 dir", syscall(SYS_rename, at(0, "mine/d"), at(1, "pub/d")));
    show("rename 0555 dir within its dir", syscall(SYS_rename, at(0, "pub/userd_ro"), at(1, "pub/z")));
    show("rename 0555 dir to another dir", syscall(SYS_rename, at(0, "pub/z"), at(1, "mine/z")));
    show("rename root's dir to own dir", syscall(SYS_rename, at(0, "pub/rootd2"), at(1, "mine/rd")));
    show("rename root's dir within its dir", syscall(SYS_rename, at(0, "pub/rootd2"), at(1, "pub/rd2")));
    show("rename file over a dir", syscall(SYS_rename, at(0, "mine/b"), at(1, "pub/rd2")));
    show("rename dir over a file", syscall(SYS_rename, at(0, "mine/e"), at(1, "pub/otherf")));
    show("rename dir over a dir in root's dir", syscall(SYS_rename, at(0, "mine/e"), at(1, "ro/d")));
    int rfd = open(at(0, "ro"), O_RDONLY | O_DIRECTORY);
    int mfd = open(at(0, "mine"), O_RDONLY | O_DIRECTORY);
    show("renameat into root's dir", syscall(SYS_renameat, mfd, "b", rfd, "x"));
    show("renameat2 into root's dir", syscall(SYS_renameat2, mfd, "b", rfd, "x", 0));
    show("renameat2 noreplace existing", syscall(SYS_renameat2, mfd, "b", rfd, "g", RENAME_NOREPLACE_K));
    show("renameat2 exchange with root's dir", syscall(SYS_renameat2, rfd, "g", mfd, "b", RENAME_EXCHANGE_K));
    show("renameat2 exchange missing", syscall(SYS_renameat2, mfd, "b", mfd, "nx", RENAME_EXCHANGE_K));
    show("renameat2 exchange with sticky", syscall(SYS_renameat2, mfd, "b", AT_FDCWD, at(0, "sticky/otherf"),
                                                  RENAME_EXCHANGE_K));
    close(rfd);
    close(mfd);
}

/* Attribute changes on directories the caller does not own. */
static void test_attrs(void)
{
    struct timespec ts[2] = { { 1000, 0 }, { 2000, 0 } };
    show("chmod root's dir", syscall(SYS_chmod, at(0, "ro"), 0777));
    show("chmod own dir", syscall(SYS_chmod, at(0, "mine"), 0755));
    show("chown own dir to another uid", syscall(SYS_chown, at(0, "mine"), 2000, -1));
    show("chown own dir to a foreign group", syscall(SYS_chown, at(0, "mine"), -1, 2000));
    show("utimensat root's dir", syscall(SYS_utimensat, AT_FDCWD, at(0, "ro"), ts, 0));
    show("utimensat now on 0777 dir", syscall(SYS_utimensat, AT_FDCWD, at(0, "pub"), NULL, 0));
    show("utimensat now on root's dir", syscall(SYS_utimensat, AT_FDCWD, at(0, "ro"), NULL, 0));
}

struct cap_hdr { unsigned version; int pid; };
struct cap_data { unsigned effective, permitted, inheritable; };

/* Set the effective capability set's low word to eff. */
static long set_eff(unsigned eff, struct cap_data *d)
{
    struct cap_hdr h = { 0x20080522, 0 };
    d[0].effective = eff;
    return syscall(SYS_capset, &h, d);
}

/* CAP_DAC_OVERRIDE lifts EACCES, CAP_FOWNER the sticky rule. */
static void test_caps(void)
{
    struct cap_hdr h = { 0x20080522, 0 };
    struct cap_data d[2];
    if (syscall(SYS_capget, &h, d) != 0) {
        printf("capget: %s\n", errname(errno));
        return;
    }
    unsigned eff = d[0].effective;
    fact("no DAC_OVERRIDE with fs uid 1000", (eff & (1U << CAP_DAC_OVERRIDE_K)) == 0);
    fact("no FOWNER with fs uid 1000", (eff & (1U << CAP_FOWNER_K)) == 0);
    show("capset DAC_OVERRIDE", set_eff(eff | 1U << CAP_DAC_OVERRIDE_K, d));
    show("unlink in root's dir with DAC_OVERRIDE", syscall(SYS_unlink, at(0, "ro/g")));
    show("mkdir in root's dir with DAC_OVERRIDE", syscall(SYS_mkdir, at(0, "ro/cap"), 0755));
    show("rename root's dir away with DAC_OVERRIDE", syscall(SYS_rename, at(0, "pub/rd2"), at(1, "ro/rd2")));
    show("unlink sticky with DAC_OVERRIDE", syscall(SYS_unlink, at(0, "sticky/rootf")));
    show("capset FOWNER", set_eff(eff | 1U << CAP_FOWNER_K, d));
    show("unlink sticky with FOWNER", syscall(SYS_unlink, at(0, "sticky/rootf")));
    show("unlink in root's dir with FOWNER", syscall(SYS_unlink, at(0, "ro/f")));
    show("chmod root's dir with FOWNER", syscall(SYS_chmod, at(0, "ro"), 0755));
    show("capset back", set_eff(eff, d));
    show("unlink sticky again", syscall(SYS_unlink, at(0, "sticky/otherf")));
}

/* Remove path and everything below it (as root). */
static void rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        char sub[512];
        while (d != NULL && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
            rm_tree(sub);
            rewinddir(d);
        }
        if (d != NULL)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void run(const char *where, const char *tmpl)
{
    printf("== %s\n", where);
    strcpy(base, tmpl);
    if (mkdtemp(base) == NULL) {
        printf("mkdtemp: %s\n", errname(errno));
        return;
    }
    syscall(SYS_chmod, base, 0755);
    build();
    syscall(SYS_setfsgid, 1000);
    syscall(SYS_setfsuid, 1000);
    fact("fs uid now 1000", syscall(SYS_setfsuid, -1) == 1000);
    test_unlink();
    test_rmdir();
    test_create();
    test_rename();
    test_attrs();
    test_caps();
    syscall(SYS_setfsuid, 0);
    syscall(SYS_setfsgid, 0);
    fact("fs uid back to 0", syscall(SYS_setfsuid, -1) == 0);
    rm_tree(base);
    struct stat st;
    fact("tree removed", lstat(base, &st) != 0 && errno == ENOENT);
}

int main(void)
{
    umask(022);
    syscall(SYS_setgroups, 0, NULL);
    run("cwd", "conf-dirperm.XXXXXX");
    run("tmp", "/tmp/conf-dirperm.XXXXXX");
    return 0;
}
