/*
 * chroot.c - chroot's error paths, then (as the last thing the program
 * does, since it cannot be undone) a chroot into a fresh tree under /tmp:
 * absolute paths and absolute symlinks start at the new root, ".." stops
 * there, getcwd of a cwd left outside reads "(unreachable)...", and a
 * descriptor opened before still reaches the old tree (fchdir + ".." is the
 * classic escape, used here to clean up).  Runs as root natively and in solo.
 */
// covers: chroot
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>

static char dir[64];

static void mk(const char *rel, const char *text)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    if (text == NULL) {
        mkdir(p, 0755);
        return;
    }
    int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0)
            printf("write failed\n");
        close(fd);
    }
}

/* Read a small file by path: its text, or the errno name. */
static void cat(const char *what, const char *path)
{
    char buf[64];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    long n = read(fd, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    printf("%s: %s", what, buf);
    close(fd);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/chroot-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    mk("a", NULL);
    mk("a/b", NULL);
    mk("a/f", "in a\n");
    mk("top", "at the new root\n");
    mk("file", "plain\n");
    char p[128];
    snprintf(p, sizeof(p), "%s/abs", dir);
    symlink("/a/f", p);                /* absolute: resolved from the root */
    snprintf(p, sizeof(p), "%s/up", dir);
    symlink("../../../top", p);        /* climbs past the root */

    show("chroot NULL", syscall(SYS_chroot, NULL));
    show("chroot bad pointer", syscall(SYS_chroot, (void *)8));
    show("chroot empty", syscall(SYS_chroot, ""));
    snprintf(p, sizeof(p), "%s/missing", dir);
    show("chroot missing", syscall(SYS_chroot, p));
    snprintf(p, sizeof(p), "%s/file", dir);
    show("chroot file", syscall(SYS_chroot, p));
    snprintf(p, sizeof(p), "%s/file/x", dir);
    show("chroot through file", syscall(SYS_chroot, p));

    struct stat before, st;
    stat(dir, &before);
    int old = open(".", O_RDONLY | O_DIRECTORY);
    int keep = open(dir, O_RDONLY | O_DIRECTORY);
    show("chroot", syscall(SYS_chroot, dir));
    char cwd[512];
    long r = syscall(SYS_getcwd, cwd, sizeof(cwd));
    fact("getcwd outside the root is unreachable", r > 0 && strncmp(cwd, "(unreachable)/", 14) == 0);
    stat("/", &st);
    fact("/ is the new root", st.st_ino == before.st_ino && st.st_dev == before.st_dev);
    stat("/..", &st);
    fact("/.. is the new root", st.st_ino == before.st_ino && st.st_dev == before.st_dev);
    cat("/top", "/top");
    cat("/../../top", "/../../top");
    cat("/a/f", "/a/f");
    cat("/abs", "/abs");
    cat("/up", "/up");
    cat("/a/b/../../a/f", "/a/b/../../a/f");
    show("chdir /a/b", chdir("/a/b"));
    r = syscall(SYS_getcwd, cwd, sizeof(cwd));
    printf("getcwd: %s\n", r > 0 ? cwd : errname(errno));
    cat("../../../top", "../../../top");
    cat("../f", "../f");
    show("chroot again (relative)", syscall(SYS_chroot, ".."));
    r = syscall(SYS_getcwd, cwd, sizeof(cwd));
    printf("getcwd: %s\n", r > 0 ? cwd : errname(errno));
    cat("/f after chroot a", "/f");
    cat("/top after chroot a", "/top");
    show("open keep-relative", openat(keep, "top", O_RDONLY) >= 0 ? 0 : -1);

    /* clean up through the directory fds opened before (outside the root) */
    unlinkat(keep, "a/f", 0);
    unlinkat(keep, "a/b", AT_REMOVEDIR);
    unlinkat(keep, "a", AT_REMOVEDIR);
    unlinkat(keep, "top", 0);
    unlinkat(keep, "file", 0);
    unlinkat(keep, "abs", 0);
    unlinkat(keep, "up", 0);
    show("fchdir old cwd", fchdir(old));
    /* ".." from a cwd outside the root climbs to the real root */
    char esc[256] = "";
    for (int i = 0; i < 40; i++)
        strcat(esc, "../");
    strcat(esc, dir + 1);
    show("rmdir via ..", rmdir(esc));
    return 0;
}
