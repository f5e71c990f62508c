/* fsnodes.c - mknod'ed nodes persist on TFS: the first boot of an image
 * makes a FIFO /p, a /dev/null-like node /n (1,3), a socket node /s and a
 * hard link /f2 of /f; the second boot (finding /p) checks their types and
 * uses them (tests/integration/run.sh t_fsnodes_persist, which also reads
 * them with `solo fs ls`). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const char *kind(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return "missing";
    static char buf[64];
    snprintf(buf, sizeof(buf), "%s %o nlink %lu rdev %u,%u",
             S_ISFIFO(st.st_mode) ? "fifo" : S_ISCHR(st.st_mode) ? "chr" : S_ISSOCK(st.st_mode) ? "sock"
             : S_ISREG(st.st_mode) ? "reg" : "other", st.st_mode & 07777, (unsigned long)st.st_nlink,
             major(st.st_rdev), minor(st.st_rdev));
    return buf;
}

int main(void)
{
    umask(0);
    if (access("/p", F_OK) != 0) {
        int fd = open("/f", O_CREAT | O_WRONLY, 0644);
        int ok = fd >= 0 && write(fd, "kept", 4) == 4 && close(fd) == 0 &&
                 mknod("/p", S_IFIFO | 0640, 0) == 0 && mknod("/n", S_IFCHR | 0666, makedev(1, 3)) == 0 &&
                 mknod("/s", S_IFSOCK | 0755, 0) == 0 && link("/f", "/f2") == 0;
        printf("boot 1: %s\n", ok ? "made" : "failed");
        sync();
        return ok ? 0 : 1;
    }
    printf("p: %s\n", kind("/p"));
    printf("n: %s\n", kind("/n"));
    printf("s: %s\n", kind("/s"));
    printf("f2: %s\n", kind("/f2"));
    char buf[8] = "";
    int rw = open("/p", O_RDWR);
    long w = write(rw, "via", 3), r = read(rw, buf, sizeof(buf));
    printf("fifo: wrote %ld read %ld %.3s\n", w, r, buf);
    close(rw);
    int nfd = open("/n", O_RDWR);
    printf("null node: write %ld read %ld\n", (long)write(nfd, "x", 1), (long)read(nfd, buf, 1));
    int ffd = open("/f2", O_RDONLY);
    r = read(ffd, buf, sizeof(buf));
    printf("f2: %ld %.4s\n", r, buf);
    return 0;
}
