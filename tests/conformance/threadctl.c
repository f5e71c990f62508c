/*
 * threadctl.c - per-thread state and signals bookkeeping: arch_prctl
 * (FS base), set_tid_address, set_robust_list/get_robust_list, rseq
 * argument checks, rt_sigaction and rt_sigprocmask (stored and read back,
 * error paths), and threads: pthread_create/join (clone, futex) with a
 * sleeping thread, which must let the other threads run.
 */
// covers: arch_prctl set_tid_address set_robust_list get_robust_list rseq rt_sigaction rt_sigprocmask clone futex nanosleep sched_yield gettid
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

struct k_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};

static __thread int tls_var = 42;

static void handler(int sig) { (void)sig; }

static void test_arch_prctl(void)
{
    unsigned long fs = 0;
    show("arch_prctl GET_FS", syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
    fact("FS base nonzero", fs != 0);
    fact("TLS variable readable", tls_var == 42);
    show("arch_prctl SET_FS same", syscall(SYS_arch_prctl, ARCH_SET_FS, fs));
    fact("TLS still fine", tls_var == 42);
    show("arch_prctl bad code", syscall(SYS_arch_prctl, 0x9999, 0));
    show("arch_prctl GET_FS bad pointer", syscall(SYS_arch_prctl, ARCH_GET_FS, (void *)1));
    show("arch_prctl SET_FS kernel address", syscall(SYS_arch_prctl, ARCH_SET_FS, 0xffff800000000000UL));
}

static void test_tid_robust(void)
{
    static int word;
    long tid = syscall(SYS_set_tid_address, &word);
    fact("set_tid_address returns gettid", tid == syscall(SYS_gettid));
    static unsigned long head[3];
    show("set_robust_list", syscall(SYS_set_robust_list, head, 24));
    show("set_robust_list bad length", syscall(SYS_set_robust_list, head, 12));
    void *h = NULL;
    size_t len = 0;
    show("get_robust_list", syscall(SYS_get_robust_list, 0, &h, &len));
    fact("get_robust_list returns what was set", h == (void *)head && len == 24);
    show("get_robust_list missing pid", syscall(SYS_get_robust_list, 0x3ffffff, &h, &len));
    static char rs[64] __attribute__((aligned(32)));
    show("rseq bad flags", syscall(SYS_rseq, rs, 32, 2, 0x53053053));
    show("rseq misaligned", syscall(SYS_rseq, rs + 1, 32, 0, 0x53053053));
}

static void test_signals(void)
{
    struct k_sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.handler = handler;
    sa.flags = 0x04000000;             /* SA_RESTORER */
    sa.restorer = (void (*)(void))handler;
    sa.mask = 1UL << (SIGUSR2 - 1);
    show("rt_sigaction set SIGUSR1", syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, 8));
    memset(&old, 0, sizeof(old));
    show("rt_sigaction get SIGUSR1", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 8));
    fact("handler read back", old.handler == handler);
    fact("mask read back", old.mask == (1UL << (SIGUSR2 - 1)));
    show("rt_sigaction SIGKILL", syscall(SYS_rt_sigaction, SIGKILL, &sa, NULL, 8));
    show("rt_sigaction SIGSTOP", syscall(SYS_rt_sigaction, SIGSTOP, &sa, NULL, 8));
    show("rt_sigaction query SIGKILL", syscall(SYS_rt_sigaction, SIGKILL, NULL, &old, 8));
    show("rt_sigaction signal 0", syscall(SYS_rt_sigaction, 0, &sa, NULL, 8));
    show("rt_sigaction signal 65", syscall(SYS_rt_sigaction, 65, &sa, NULL, 8));
    show("rt_sigaction bad sigsetsize", syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, 4));
    show("rt_sigaction bad pointer", syscall(SYS_rt_sigaction, SIGUSR1, (void *)1, NULL, 8));
    sa.handler = SIG_DFL;
    syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, 8);
    unsigned long set = (1UL << (SIGUSR1 - 1)) | (1UL << (SIGKILL - 1)), cur = 0;
    show("rt_sigprocmask block", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8));
    show("rt_sigprocmask read", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, 8));
    fact("SIGUSR1 blocked", (cur >> (SIGUSR1 - 1)) & 1);
    fact("SIGKILL never blocked", !((cur >> (SIGKILL - 1)) & 1));
    show("rt_sigprocmask unblock", syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, &cur, 8));
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, 8);
    fact("SIGUSR1 unblocked", !((cur >> (SIGUSR1 - 1)) & 1));
    show("rt_sigprocmask bad how", syscall(SYS_rt_sigprocmask, 7, &set, NULL, 8));
    show("rt_sigprocmask bad size", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 16));
    show("rt_sigprocmask bad pointer", syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)1, NULL, 8));
}

static volatile int counter;
static int worker_tids_differ;

static void *sleeper(void *arg)
{
    (void)arg;
    struct timespec d = { 0, 20000000 };
    worker_tids_differ = syscall(SYS_gettid) != syscall(SYS_getpid);
    for (int i = 0; i < 500 && counter < 20; i++)   /* up to 10 s on a loaded host */
        nanosleep(&d, NULL);
    return (void *)(intptr_t)counter;
}

static void *spinner(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        __sync_fetch_and_add(&counter, 1);
        sched_yield();
    }
    return NULL;
}

static void test_threads(void)
{
    pthread_t a, b;
    show("pthread_create sleeper", pthread_create(&a, NULL, sleeper, NULL));
    show("pthread_create spinner", pthread_create(&b, NULL, spinner, NULL));
    void *ra = NULL;
    show("pthread_join spinner", pthread_join(b, NULL));
    show("pthread_join sleeper", pthread_join(a, &ra));
    fact("thread tid differs from pid", worker_tids_differ);
    fact("spinner ran while the sleeper slept", (intptr_t)ra == 20);
    show("counter", counter);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_arch_prctl();
    test_tid_robust();
    test_signals();
    test_threads();
    printf("done\n");
    return 0;
}
