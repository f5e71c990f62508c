/*
 * fsshare.c - the cwd, root and umask belong to a thread's fs state: threads
 * made by pthread_create (CLONE_FS) share it, so a chdir or umask in one is
 * seen by the others; unshare(CLONE_FS) gives a thread its own copy, after
 * which its chdir, umask and chroot leave the rest of the process alone
 * (and a copy shared by no one is kept as it is: unshare again is 0).
 * Paths are printed relative to the test's own directory.  Where a seccomp
 * filter refuses unshare natively (a container without CAP_SYS_ADMIN), the
 * unshared part prints what it checks for without running.
 */
// covers: unshare umask chdir
#include "common.h"
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

#define CLONE_FS_ 0x200UL
#define MARKER "solo-fsshare-marker"

static char base[512];                 /* the starting cwd */

/* The cwd relative to base ("." for base itself). */
static void where(const char *what)
{
    char buf[1024];
    if (getcwd(buf, sizeof(buf)) == NULL) {
        printf("%s cwd: -1 %s\n", what, errname(errno));
        return;
    }
    size_t n = strlen(base);
    if (strncmp(buf, base, n) != 0)
        printf("%s cwd: outside\n", what);
    else
        printf("%s cwd: .%s\n", what, buf + n);
}

static void *sharer(void *arg)
{
    (void)arg;
    show("shared: chdir sub", chdir("sub"));
    printf("shared: umask was %03o\n", (unsigned)umask(027));
    return NULL;
}

static void *unsharer(void *arg)
{
    (void)arg;
    show("own: unshare CLONE_FS", syscall(SYS_unshare, CLONE_FS_));
    show("own: unshare CLONE_FS again", syscall(SYS_unshare, CLONE_FS_));
    show("own: chdir sub", chdir("sub"));
    where("own");
    printf("own: umask was %03o\n", (unsigned)umask(077));
    show("own: chroot .", syscall(SYS_chroot, "."));
    show("own: access /" MARKER, access("/" MARKER, F_OK));
    where("own after chroot");
    return NULL;
}

static void run(void *(*fn)(void *))
{
    pthread_t t;
    if (pthread_create(&t, NULL, fn, NULL) != 0 || pthread_join(t, NULL) != 0)
        printf("thread failed\n");
}

int main(void)
{
    char dir[64];
    snprintf(dir, sizeof(dir), "fsshare.%d", (int)getpid() % 1000);
    mkdir(dir, 0755);
    if (chdir(dir) != 0 || getcwd(base, sizeof(base)) == NULL) {
        printf("setup failed\n");
        return 1;
    }
    mkdir("sub", 0755);
    close(open("sub/" MARKER, O_CREAT | O_WRONLY, 0644));
    umask(022);

    run(sharer);
    where("main after a sharing thread");
    printf("main: umask is %03o\n", (unsigned)umask(022));
    show("main: chdir ..", chdir(".."));

    long r = syscall(SYS_unshare, 0UL);
    if (r != 0 && errno == EPERM) {
        /* natively refused by a seccomp filter: what solo must print */
        printf("own: unshare CLONE_FS: 0\nown: unshare CLONE_FS again: 0\nown: chdir sub: 0\n"
               "own cwd: ./sub\nown: umask was 022\nown: chroot .: 0\n"
               "own: access /" MARKER ": 0\nown after chroot cwd: outside\n");
    } else {
        run(unsharer);
    }
    where("main after an unsharing thread");
    printf("main: umask is %03o\n", (unsigned)umask(022));
    show("main: access /" MARKER, access("/" MARKER, F_OK));
    unlink("sub/" MARKER);
    rmdir("sub");
    show("main: chdir ..", chdir(".."));
    rmdir(dir);
    return 0;
}
