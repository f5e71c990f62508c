/*
 * seccomp_kill.c - a filter's SECCOMP_RET_KILL_PROCESS: the process dies of
 * SIGSYS even with a SIGSYS handler installed (Linux forces the signal), so
 * the exit status is 159 natively and under solo and the handler never
 * runs.  RLIMIT_CORE is set to 0 so the native run leaves no core file.
 */
// covers: seccomp
#include "common.h"
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>

struct insn { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct prog { unsigned short len; struct insn *filter; };

static void on_sigsys(int sig) { (void)sig; printf("handler ran\n"); }

int main(void)
{
    struct rlimit no_core = { 0, 0 };
    struct insn p[] = {
        { 0x20, 0, 0, 0 },                       /* A = nr */
        { 0x15, 0, 1, SYS_getppid },             /* getppid? */
        { 0x06, 0, 0, 0x80000000U },             /* KILL_PROCESS */
        { 0x06, 0, 0, 0x7fff0000U },             /* ALLOW */
    };
    struct prog pr = { 4, p };
    setvbuf(stdout, NULL, _IONBF, 0);
    setrlimit(RLIMIT_CORE, &no_core);
    signal(SIGSYS, on_sigsys);
    show("no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    show("install", syscall(SYS_seccomp, 1, 0, &pr));
    syscall(SYS_getppid);
    printf("not killed\n");
    return 0;
}
