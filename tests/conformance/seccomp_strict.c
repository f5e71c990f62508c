/*
 * seccomp_strict.c - SECCOMP_SET_MODE_STRICT through prctl(PR_SET_SECCOMP):
 * afterwards read and write still work (a write to stdout, a read of zero
 * bytes), then prctl(PR_GET_SECCOMP) is not one of the four calls strict
 * mode allows, so the thread, the only one, is killed with SIGKILL: exit
 * status 137 natively and under solo.
 */
// covers: seccomp prctl
#include "common.h"
#include <sys/prctl.h>

int main(void)
{
    static const char msg[] = "write in strict mode\n";
    char c, line[32];
    long r = prctl(PR_SET_SECCOMP, 1, 0, 0, 0);
    /* stdio may use writev (musl): only raw write from here on */
    int n = snprintf(line, sizeof(line), "strict: %ld\n", r);
    syscall(SYS_write, 1, line, n);
    syscall(SYS_write, 1, msg, sizeof(msg) - 1);
    if (syscall(SYS_read, 0, &c, 0) == 0)
        syscall(SYS_write, 1, "read of 0 bytes: 0\n", 19);
    syscall(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0);
    syscall(SYS_write, 1, "not killed\n", 11);
    syscall(SYS_exit, 0);
    return 0;
}
