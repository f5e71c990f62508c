/*
 * limits.c - resource limits: prlimit64/getrlimit/setrlimit read-back and
 * error paths, and RLIMIT_NOFILE enforced by the fd table (EMFILE).
 */
// covers: prlimit64 getrlimit setrlimit dup
#include "common.h"
#include <fcntl.h>
#include <sys/resource.h>

struct rl { unsigned long cur, max; };

int main(void)
{
    struct rl old, n, got;
    int pfds[2];
    setvbuf(stdout, NULL, _IONBF, 0);
    show("prlimit64 get NOFILE", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &old));
    fact("NOFILE cur <= max", old.cur <= old.max);
    n.cur = 64;
    n.max = old.max;
    show("prlimit64 set NOFILE 64", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &n, &got));
    fact("old value returned while setting", got.cur == old.cur && got.max == old.max);
    show("getrlimit NOFILE", syscall(SYS_getrlimit, RLIMIT_NOFILE, &got));
    show("NOFILE cur now", got.cur);
    int count = 0;
    while (syscall(SYS_dup, 0) >= 0)
        count++;
    printf("dup until failure: %d more fds, then %s\n", count, errname(errno));
    for (int fd = 3; fd < 64; fd++)
        close(fd);
    /* (sysfuzz seed 39) a limit at or below every free fd: EMFILE for a new
     * fd (solo said EINVAL), EINVAL only for F_DUPFD past the limit; fds
     * already open stay usable. */
    n.cur = 0;
    show("setrlimit NOFILE 0", syscall(SYS_setrlimit, RLIMIT_NOFILE, &n));
    show("dup with NOFILE 0", syscall(SYS_dup, 1));
    show("openat with NOFILE 0", syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY));
    show("pipe2 with NOFILE 0", syscall(SYS_pipe2, pfds, 0));
    show("F_DUPFD 0 with NOFILE 0", syscall(SYS_fcntl, 1, F_DUPFD, 0));
    show("F_DUPFD 5 with NOFILE 0", syscall(SYS_fcntl, 1, F_DUPFD, 5));
    show("write to fd 1 with NOFILE 0", syscall(SYS_write, 1, "", 0));
    n.cur = 80;
    show("setrlimit NOFILE 80", syscall(SYS_setrlimit, RLIMIT_NOFILE, &n));
    syscall(SYS_getrlimit, RLIMIT_NOFILE, &got);
    show("NOFILE cur after setrlimit", got.cur);
    n.cur = n.max + 1;
    if (n.max != RLIM_INFINITY)
        show("prlimit64 cur above max", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &n, NULL));
    else
        printf("prlimit64 cur above max: -1 EINVAL\n");
    n.cur = 10;
    n.max = 5;
    show("setrlimit cur above max", syscall(SYS_setrlimit, RLIMIT_CORE, &n));
    n.cur = n.max = 1UL << 40;
    show("NOFILE max above nr_open", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &n, NULL));
    show("prlimit64 bad resource", syscall(SYS_prlimit64, 0, 16, NULL, &got));
    show("getrlimit bad resource", syscall(SYS_getrlimit, 99, &got));
    show("prlimit64 missing pid", syscall(SYS_prlimit64, 0x3ffffff, RLIMIT_NOFILE, NULL, &got));
    show("prlimit64 bad new pointer", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, (void *)1, NULL));
    show("getrlimit bad pointer", syscall(SYS_getrlimit, RLIMIT_NOFILE, (void *)1));
    show("prlimit64 get STACK", syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &got));
    fact("STACK cur at least 1 MiB", got.cur >= (1UL << 20));
    fact("STACK cur <= max", got.cur <= got.max);
    n.cur = 4UL << 20;
    n.max = got.max;
    show("setrlimit STACK 4 MiB", syscall(SYS_setrlimit, RLIMIT_STACK, &n));
    syscall(SYS_getrlimit, RLIMIT_STACK, &got);
    show("STACK cur after", got.cur);
    show("prlimit64 get CORE", syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, &got));
    n.cur = 0;
    n.max = 0;
    show("lower CORE max to 0", syscall(SYS_setrlimit, RLIMIT_CORE, &n));
    syscall(SYS_getrlimit, RLIMIT_CORE, &got);
    fact("CORE is 0/0", got.cur == 0 && got.max == 0);
    printf("done\n");
    return 0;
}
