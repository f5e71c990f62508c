// covers: mount umount2
/*
 * mounts.c - mount(2)/umount2(2) in solo (never run natively: it would
 * change the host): a tmpfs with size= and mode= over a directory of the
 * image, crossing into it and back out with "..", st_dev and statfs, the
 * size limit, bind mounts aliasing, read-only remounts (EROFS), stacking,
 * umount showing the old contents again, a proc mount, /proc/self/mounts and
 * the error paths.  Prints one line per check; run.sh compares it exactly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TMPFS_MAGIC 0x01021994
#define ST_RDONLY 1

static void show(const char *what, long r)
{
    if (r >= 0)
        printf("%s: %ld\n", what, r);
    else
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
}

static void fact(const char *what, int cond)
{
    printf("%s: %s\n", what, cond ? "yes" : "no");
}

static long mnt(const char *src, const char *target, const char *type, unsigned long flags,
                const char *data)
{
    return syscall(SYS_mount, src, target, type, flags, data);
}

static long umnt(const char *target, int flags)
{
    return syscall(SYS_umount2, target, flags);
}

static void put(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0 || write(fd, text, strlen(text)) < 0)
        printf("put %s: %s\n", path, strerrorname_np(errno));
    if (fd >= 0)
        close(fd);
}

static void cat(const char *path)
{
    char buf[128];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("cat %s: -1 %s\n", path, strerrorname_np(errno));
        return;
    }
    long n = read(fd, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    char *nl = strchr(buf, '\n');
    if (nl != NULL)
        nl[1] = '\0';
    printf("cat %s: %s", path, buf);
    close(fd);
}

/* The lines of a /proc file that mention word. */
static void grep(const char *path, const char *word)
{
    static char buf[8192];
    int fd = open(path, O_RDONLY);
    long n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    for (char *l = strtok(buf, "\n"); l != NULL; l = strtok(NULL, "\n"))
        if (strstr(l, word) != NULL)
            printf("%s| %s\n", path + 11, l);
}

static dev_t devof(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? st.st_dev : (dev_t)-1;
}

static ino_t inoof(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? st.st_ino : (ino_t)-1;
}

static void test_tmpfs(void)
{
    struct stat st;
    struct statfs sf;
    mkdir("/m", 0755);
    put("/m/old.txt", "image file\n");
    show("mount tmpfs", mnt("none", "/m", "tmpfs", 0, "size=64k,mode=0750"));
    stat("/m", &st);
    printf("root mode: %o\n", st.st_mode);
    fact("st_dev differs from /", st.st_dev != devof("/"));
    fact("st_dev differs from /tmp", st.st_dev != devof("/tmp"));
    cat("/m/old.txt");
    statfs("/m", &sf);
    fact("f_type TMPFS_MAGIC", sf.f_type == TMPFS_MAGIC);
    printf("f_blocks: %ld f_bfree: %ld\n", (long)sf.f_blocks, (long)sf.f_bfree);
    put("/m/a", "hello\n");
    cat("/m/a");
    fact("/m/.. is /", inoof("/m/..") == inoof("/") && devof("/m/..") == devof("/"));
    cat("/m/../m/a");
    grep("/proc/self/mounts", "/m ");
    grep("/proc/self/mountinfo", "/m ");
    /* the size limit: a short write, then ENOSPC */
    static char big[128 * 1024];
    int fd = open("/m/big", O_CREAT | O_WRONLY, 0600);
    show("write 128k into 64k", write(fd, big, sizeof(big)));
    show("write more", write(fd, big, 1));
    close(fd);
    statfs("/m", &sf);
    printf("f_bfree when full: %ld\n", (long)sf.f_bfree);
    show("unlink big", unlink("/m/big"));
    statfs("/m", &sf);
    printf("f_bfree after unlink: %ld\n", (long)sf.f_bfree);
}

static void test_errors(void)
{
    show("mount missing target", mnt("none", "/nope/x", "tmpfs", 0, NULL));
    show("mount unknown fstype", mnt("none", "/m", "nosuchfs", 0, NULL));
    show("mount sysfs", mnt("none", "/m", "sysfs", 0, NULL));
    show("mount NULL fstype", mnt("none", "/m", NULL, 0, NULL));
    show("mount onto a file", mnt("none", "/m/a", "tmpfs", 0, NULL));
    show("mount bad option", mnt("none", "/m", "tmpfs", 0, "colour=blue"));
    show("mount bad size", mnt("none", "/m", "tmpfs", 0, "size=12q"));
    show("mount bad target pointer", mnt("none", (char *)8, "tmpfs", 0, NULL));
    show("mount bad type pointer", mnt("none", "/m", (char *)8, 0, NULL));
    show("bind missing source", mnt("/nope", "/m", NULL, MS_BIND, NULL));
    show("bind empty source", mnt("", "/m", NULL, MS_BIND, NULL));
    show("bind file onto dir", mnt("/m/a", "/m", NULL, MS_BIND, NULL));
    show("remount not a mount point", mnt(NULL, "/plain", NULL, MS_REMOUNT, NULL));
    show("MS_MOVE not a mount", mnt("/plain", "/tmp", NULL, MS_MOVE, NULL));
    show("MS_PRIVATE", mnt(NULL, "/m", NULL, MS_PRIVATE, NULL));
    show("MS_PRIVATE not a mount point", mnt(NULL, "/plain", NULL, MS_PRIVATE, NULL));
    show("umount bad flags", umnt("/m", 0x100));
    show("umount missing", umnt("/nope", 0));
    show("umount not a mount point", umnt("/plain", 0));
    show("umount /", umnt("/", 0));
    show("umount MNT_EXPIRE", umnt("/m", MNT_EXPIRE));
    show("umount built-in /tmp", umnt("/tmp", 0));
    show("rmdir mount point", rmdir("/m"));
    show("rename mount point", rename("/m", "/m2"));
    show("unlink mount point", unlink("/m"));
}

static void test_bind(void)
{
    struct statfs sf;
    mkdir("/b", 0755);
    show("bind /m on /b", mnt("/m", "/b", NULL, MS_BIND, NULL));
    cat("/b/a");
    fact("same inode", inoof("/b/a") == inoof("/m/a"));
    fact("same st_dev", devof("/b/a") == devof("/m/a"));
    put("/b/via-b", "written through /b\n");
    cat("/m/via-b");
    show("remount bind ro", mnt(NULL, "/b", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
    show("open O_WRONLY on ro", open("/b/a", O_WRONLY));
    show("open O_RDONLY|O_TRUNC on ro", open("/b/a", O_RDONLY | O_TRUNC));
    show("creat on ro", open("/b/new", O_CREAT | O_WRONLY, 0600));
    show("creat existing O_EXCL on ro", open("/b/a", O_CREAT | O_EXCL | O_WRONLY, 0600));
    show("mkdir on ro", mkdir("/b/d", 0755));
    show("mkdir existing on ro", mkdir("/b/via-b", 0755));
    show("unlink on ro", unlink("/b/a"));
    show("unlink missing on ro", unlink("/b/missing"));
    show("chmod on ro", chmod("/b/a", 0600));
    show("truncate on ro", truncate("/b/a", 0));
    show("symlink on ro", symlink("x", "/b/l"));
    show("rename between mounts", rename("/m/a", "/b/x"));
    show("rename within ro", rename("/b/a", "/b/x"));
    int fd = open("/b/a", O_RDONLY);
    show("fchmod on ro", fchmod(fd, 0600));
    close(fd);
    cat("/b/a");
    put("/m/a", "still writable at /m\n");
    cat("/b/a");
    statfs("/b", &sf);
    fact("statfs /b ST_RDONLY", (sf.f_flags & ST_RDONLY) != 0);
    statfs("/m", &sf);
    fact("statfs /m ST_RDONLY", (sf.f_flags & ST_RDONLY) != 0);
    grep("/proc/self/mounts", "/b ");
    grep("/proc/self/mountinfo", "/b ");
    /* a read-only remount waits for writers */
    fd = open("/m/a", O_WRONLY);
    show("remount ro with a writer", mnt(NULL, "/m", NULL, MS_REMOUNT | MS_RDONLY, NULL));
    close(fd);
    show("remount ro", mnt(NULL, "/m", NULL, MS_REMOUNT | MS_RDONLY, NULL));
    show("creat on ro /m", open("/m/z", O_CREAT | O_WRONLY, 0600));
    show("remount rw size=128k", mnt(NULL, "/m", NULL, MS_REMOUNT, "size=128k"));
    fd = open("/m/z", O_CREAT | O_WRONLY, 0600);
    show("creat on rw /m", fd >= 0 ? 0 : -1);
    close(fd);
    statfs("/m", &sf);
    printf("f_blocks after remount: %ld\n", (long)sf.f_blocks);
}

static void test_umount(void)
{
    show("chdir /m", chdir("/m"));
    show("umount cwd inside", umnt("/m", 0));
    show("chdir /", chdir("/"));
    int fd = open("/m/a", O_RDONLY);
    show("umount open file inside", umnt("/m", 0));
    close(fd);
    symlink("/m", "/lnk");
    show("umount NOFOLLOW symlink", umnt("/lnk", UMOUNT_NOFOLLOW));
    show("umount via symlink", umnt("/lnk", 0));
    cat("/m/old.txt");
    fact("st_dev back to /", devof("/m") == devof("/"));
    cat("/b/a");
    fd = open("/b/a", O_RDONLY);
    show("umount /b busy", umnt("/b", 0));
    show("umount /b MNT_DETACH", umnt("/b", MNT_DETACH));
    char buf[32];
    long n = read(fd, buf, sizeof(buf));
    show("read after detach", n);
    close(fd);
    fact("/b is the image dir again", devof("/b") == devof("/"));
    grep("/proc/self/mounts", "/b ");
    /* stacking */
    show("mount first", mnt("one", "/m", "tmpfs", 0, NULL));
    put("/m/which", "first\n");
    show("mount second", mnt("two", "/m", "tmpfs", 0, NULL));
    cat("/m/which");
    put("/m/which", "second\n");
    grep("/proc/self/mounts", "/m ");
    show("umount second", umnt("/m", 0));
    cat("/m/which");
    show("umount first", umnt("/m", 0));
    cat("/m/which");
    show("umount again", umnt("/m", 0));
    /* a tmpfs under a tmpfs, detached together */
    show("mount outer", mnt("outer", "/m", "tmpfs", 0, NULL));
    mkdir("/m/in", 0755);
    show("mount inner", mnt("inner", "/m/in", "tmpfs", 0, NULL));
    show("umount outer busy", umnt("/m", 0));
    show("umount outer MNT_DETACH", umnt("/m", MNT_DETACH));
    grep("/proc/self/mounts", "/m");
}

static void test_proc(void)
{
    mkdir("/p", 0755);
    show("mount proc", mnt("proc", "/p", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
    fact("same as /proc", devof("/p/self") == devof("/proc/self"));
    cat("/p/self/status");
    grep("/proc/self/mounts", "/p ");
    show("mount proc with options", mnt("proc", "/m", "proc", 0, "hidepid=2"));
    show("umount proc", umnt("/p", 0));
    cat("/p/self/status");
}

int main(void)
{
    mkdir("/plain", 0755);
    test_tmpfs();
    test_errors();
    test_bind();
    test_umount();
    test_proc();
    return 0;
}
