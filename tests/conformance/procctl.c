/*
 * procctl.c - process control calls with nothing to wait for or restrict:
 * prctl (names per thread, flags and their argument checks), capget
 * version probing, wait4/waitid without children (ECHILD) and membarrier
 * registration rules.
 */
// covers: prctl capget wait4 waitid membarrier
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

/* The capget ABI (musl's headers lack linux/capability.h). */
struct cap_header { unsigned version; int pid; };
struct cap_data { unsigned effective, permitted, inheritable; };
#define CAP_VERSION_3 0x20080522

static void *named_thread(void *arg)
{
    char name[16] = "";
    (void)arg;
    show("thread PR_SET_NAME", syscall(SYS_prctl, PR_SET_NAME, "worker-one", 0, 0, 0));
    syscall(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);
    printf("thread name: %s\n", name);
    return NULL;
}

static void test_prctl(const char *argv0)
{
    char name[32];
    const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
    memset(name, 0, sizeof(name));
    show("PR_GET_NAME", syscall(SYS_prctl, PR_GET_NAME, name, 0, 0, 0));
    fact("default name is the program name", strncmp(name, base, 15) == 0);
    show("PR_SET_NAME long", syscall(SYS_prctl, PR_SET_NAME, "a-very-long-thread-name", 0, 0, 0));
    syscall(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);
    printf("truncated name: %s\n", name);
    pthread_t t;
    pthread_create(&t, NULL, named_thread, NULL);
    pthread_join(t, NULL);
    syscall(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);
    printf("main name after thread: %s\n", name);
    show("PR_SET_NAME bad pointer", syscall(SYS_prctl, PR_SET_NAME, (void *)1, 0, 0, 0));
    show("PR_GET_NAME bad pointer", syscall(SYS_prctl, PR_GET_NAME, (void *)1, 0, 0, 0));
    show("PR_GET_DUMPABLE", syscall(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0));
    show("PR_SET_DUMPABLE 2", syscall(SYS_prctl, PR_SET_DUMPABLE, 2, 0, 0, 0));
    int sig = -1;
    show("PR_SET_PDEATHSIG", syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0));
    show("PR_GET_PDEATHSIG", syscall(SYS_prctl, PR_GET_PDEATHSIG, &sig, 0, 0, 0));
    show("pdeath signal", sig);
    show("PR_SET_PDEATHSIG bad signal", syscall(SYS_prctl, PR_SET_PDEATHSIG, 99, 0, 0, 0));
    show("PR_GET_NO_NEW_PRIVS", syscall(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    show("PR_SET_NO_NEW_PRIVS 2", syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0));
    show("PR_SET_NO_NEW_PRIVS", syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    show("PR_GET_NO_NEW_PRIVS after", syscall(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    show("PR_SET_TIMERSLACK", syscall(SYS_prctl, PR_SET_TIMERSLACK, 100000, 0, 0, 0));
    show("PR_GET_TIMERSLACK", syscall(SYS_prctl, PR_GET_TIMERSLACK, 0, 0, 0, 0));
    int sub = -1;
    show("PR_SET_CHILD_SUBREAPER", syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    show("PR_GET_CHILD_SUBREAPER", syscall(SYS_prctl, PR_GET_CHILD_SUBREAPER, &sub, 0, 0, 0));
    show("subreaper", sub);
    show("PR_CAPBSET_READ bad cap", syscall(SYS_prctl, PR_CAPBSET_READ, 99, 0, 0, 0));
    show("PR_GET_SECCOMP", syscall(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0));
    show("PR_SET_THP_DISABLE", syscall(SYS_prctl, PR_SET_THP_DISABLE, 1, 0, 0, 0));
    show("PR_GET_THP_DISABLE", syscall(SYS_prctl, PR_GET_THP_DISABLE, 0, 0, 0, 0));
    show("prctl unknown option", syscall(SYS_prctl, 9999, 0, 0, 0, 0));
}

static void test_capget(void)
{
    struct cap_header h = { 0, 0 };
    struct cap_data d[2];
    show("capget probe (NULL data)", syscall(SYS_capget, &h, NULL));
    printf("preferred version: %#x\n", h.version);
    h.version = 0;
    show("capget unknown version", syscall(SYS_capget, &h, d));
    h.version = CAP_VERSION_3;
    show("capget v3", syscall(SYS_capget, &h, d));
    h.pid = -1;
    show("capget negative pid", syscall(SYS_capget, &h, d));
    h.pid = 0x3ffffff;
    show("capget missing pid", syscall(SYS_capget, &h, d));
    h.pid = 0;
    show("capget bad data pointer", syscall(SYS_capget, &h, (void *)1));
}

static void test_wait(void)
{
    int st;
    siginfo_t si;
    show("wait4 any", syscall(SYS_wait4, -1, &st, 0, NULL));
    show("wait4 WNOHANG", syscall(SYS_wait4, -1, &st, WNOHANG, NULL));
    show("wait4 bad options", syscall(SYS_wait4, -1, &st, 0x100, NULL));
    show("wait4 missing pid", syscall(SYS_wait4, 0x3ffffff, &st, 0, NULL));
    show("waitid P_ALL", syscall(SYS_waitid, P_ALL, 0, &si, WEXITED, NULL));
    show("waitid no event options", syscall(SYS_waitid, P_ALL, 0, &si, WNOHANG, NULL));
    show("waitid P_PID 0", syscall(SYS_waitid, P_PID, 0, &si, WEXITED, NULL));
    show("waitid bad idtype", syscall(SYS_waitid, 9, 0, &si, WEXITED, NULL));
}

static void test_membarrier(void)
{
    long mask = syscall(SYS_membarrier, 0, 0, 0);
    show_ok("membarrier QUERY", mask);
    fact("global and private expedited supported", (mask & 0x7f) == 0x7f);
    show("membarrier GLOBAL", syscall(SYS_membarrier, 1, 0, 0));
    show("membarrier PRIVATE_EXPEDITED unregistered", syscall(SYS_membarrier, 8, 0, 0));
    show("membarrier REGISTER_PRIVATE_EXPEDITED", syscall(SYS_membarrier, 16, 0, 0));
    show("membarrier PRIVATE_EXPEDITED", syscall(SYS_membarrier, 8, 0, 0));
    show("membarrier bad flags", syscall(SYS_membarrier, 1, 4, 0));
    show("membarrier bad command", syscall(SYS_membarrier, 3, 0, 0));
}

int main(int argc, char **argv)
{
    (void)argc;
    setvbuf(stdout, NULL, _IONBF, 0);
    test_prctl(argv[0]);
    test_capget();
    test_wait();
    test_membarrier();
    printf("done\n");
    return 0;
}
