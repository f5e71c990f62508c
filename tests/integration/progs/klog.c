// covers: syslog ustat unshare setns
/*
 * klog.c - solo-only behaviour of syslog(2), /proc/filesystems, ustat,
 * unshare(CLONE_NEWUTS) and setns between UTS namespaces (solo refuses
 * another one while a second thread runs), capabilities after setuid,
 * asserted exactly by t_klog in run.sh.  Natively these would read or change the host's kernel
 * log and names, so they are not conformance tests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 16];

static long sl(int type, char *b, int len) { return syscall(SYS_syslog, type, b, len); }

/* Log a kernel line: solo logs an unimplemented syscall (once per number). */
static void *late_logger(void *arg)
{
    struct timespec ts = { 0, 50000000 };
    (void)arg;
    nanosleep(&ts, NULL);
    syscall(184);                      /* tuxcall */
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    long n = sl(3, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    printf("READ_ALL has the boot lines: %s\n",
           strstr(buf, "<6>[") == buf && strstr(buf, "] solo kernel starting\n") != NULL &&
           strstr(buf, "] solo: boot-to-main ") != NULL ? "yes" : "no");
    printf("SIZE_BUFFER: %ld\n", sl(10, NULL, 0));
    printf("SIZE_UNREAD is all of it: %s\n", sl(9, NULL, 0) == n ? "yes" : "no");
    long got = 0, r;
    while (sl(9, NULL, 0) > 0 && (r = sl(2, buf, 100)) > 0)
        got += r;
    printf("READ consumed it in small pieces: %s\n", got == n ? "yes" : "no");
    printf("SIZE_UNREAD after: %ld\n", sl(9, NULL, 0));
    pthread_t t;
    pthread_create(&t, NULL, late_logger, NULL);
    r = sl(2, buf, sizeof(buf) - 1);   /* blocks until the thread logs */
    buf[r > 0 ? r : 0] = '\0';
    printf("blocking READ got: %s", strchr(buf, ']') != NULL ? strchr(buf, ']') + 2 : buf);
    pthread_join(t, NULL);
    printf("CLEAR: %ld\n", sl(5, NULL, 0));
    printf("READ_ALL after CLEAR: %ld\n", sl(3, buf, sizeof(buf)));
    printf("CONSOLE_OFF: %ld\n", sl(6, NULL, 0));
    syscall(183);                      /* afs_syscall: logged in the ring, not on the console */
    printf("CONSOLE_ON: %ld\n", sl(7, NULL, 0));
    r = sl(4, buf, sizeof(buf) - 1);
    buf[r > 0 ? r : 0] = '\0';
    printf("READ_CLEAR got: %s", strchr(buf, ']') != NULL ? strchr(buf, ']') + 2 : buf);
    printf("READ_ALL after READ_CLEAR: %ld\n", sl(3, buf, sizeof(buf)));
    printf("CONSOLE_LEVEL 8: %ld\n", sl(8, NULL, 8));

    FILE *f = fopen("/proc/filesystems", "r");
    n = f != NULL ? (long)fread(buf, 1, sizeof(buf) - 1, f) : 0;
    buf[n] = '\0';
    printf("/proc/filesystems:\n%s", buf);

    struct stat st;
    struct { int tfree; unsigned long tinode; char fname[6], fpack[6]; } u;
    stat("/", &st);
    printf("ustat /: %ld\n", syscall(SYS_ustat, (unsigned)st.st_dev, &u));
    stat("/tmp", &st);
    printf("ustat /tmp: %ld\n", syscall(SYS_ustat, (unsigned)st.st_dev, &u));

    struct utsname un;
    int outer = open("/proc/self/ns/uts", O_RDONLY);
    printf("unshare CLONE_NEWUTS: %ld\n", syscall(SYS_unshare, 0x4000000UL));
    int inner = open("/proc/self/ns/uts", O_RDONLY);
    printf("sethostname: %ld\n", syscall(SYS_sethostname, "inner", 5));
    uname(&un);
    printf("nodename: %s\n", un.nodename);
    pthread_create(&t, NULL, late_logger, NULL);
    r = syscall(SYS_unshare, 0x4000000UL);
    printf("unshare CLONE_NEWUTS with a thread: %ld %s\n", r, r < 0 ? strerror(errno) : "");
    r = syscall(SYS_unshare, 0x400UL);
    printf("unshare CLONE_FILES with a thread: %ld %s\n", r, r < 0 ? strerror(errno) : "");
    r = syscall(SYS_setns, outer, 0);
    printf("setns to the outer UTS namespace with a thread: %ld %s\n", r, r < 0 ? strerror(errno) : "");
    r = syscall(SYS_setns, inner, 0);
    printf("setns to the current UTS namespace with a thread: %ld %s\n", r, r < 0 ? strerror(errno) : "");
    pthread_join(t, NULL);
    printf("setns to the outer UTS namespace alone: %ld\n", syscall(SYS_setns, outer, 0));
    uname(&un);
    printf("nodename: %s\n", un.nodename);
    printf("setns to the inner one: %ld\n", syscall(SYS_setns, inner, 0));
    uname(&un);
    printf("nodename: %s\n", un.nodename);

    printf("setuid 1000: %ld\n", syscall(SYS_setuid, 1000));
    f = fopen("/proc/self/status", "r");
    while (f != NULL && fgets(buf, sizeof(buf), f) != NULL)
        if (strncmp(buf, "Cap", 3) == 0)
            fputs(buf, stdout);
    r = sl(3, buf, 16);
    printf("READ_ALL as uid 1000: %ld %s\n", r, r < 0 ? strerror(errno) : "");
    r = syscall(SYS_setuid, 0);
    printf("setuid 0 again: %ld %s\n", r, r < 0 ? strerror(errno) : "");
    return 0;
}
