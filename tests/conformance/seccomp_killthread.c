/*
 * seccomp_killthread.c - SECCOMP_RET_KILL_THREAD in the only thread of the
 * process: Linux then kills the whole process with SIGSYS (exit status 159),
 * as for KILL_PROCESS.  The filter is installed with prctl(PR_SET_SECCOMP).
 * RLIMIT_CORE is set to 0 so the native run leaves no core file.
 */
// covers: seccomp prctl
#include "common.h"
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>

struct insn { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct prog { unsigned short len; struct insn *filter; };

int main(void)
{
    struct rlimit no_core = { 0, 0 };
    struct insn p[] = {
        { 0x20, 0, 0, 0 },                       /* A = nr */
        { 0x15, 0, 1, SYS_getppid },             /* getppid? */
        { 0x06, 0, 0, 0x00000000U },             /* KILL_THREAD */
        { 0x06, 0, 0, 0x7fff0000U },             /* ALLOW */
    };
    struct prog pr = { 4, p };
    setvbuf(stdout, NULL, _IONBF, 0);
    setrlimit(RLIMIT_CORE, &no_core);
    show("no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    show("install", prctl(PR_SET_SECCOMP, 2, &pr, 0, 0));
    show("get", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    syscall(SYS_getppid);
    printf("not killed\n");
    return 0;
}
