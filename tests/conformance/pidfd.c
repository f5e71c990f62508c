/*
 * pidfd.c - calls that name a process: pidfd_open (flags, poll, an unknown
 * pid), pidfd_send_signal (with and without siginfo), pidfd_getfd,
 * process_madvise, process_mrelease, process_vm_readv/writev on the
 * caller's own memory (partial copies at a fault), kcmp and
 * ioprio_get/ioprio_set, each with its error cases.
 */
// covers: pidfd_open pidfd_send_signal pidfd_getfd process_madvise process_mrelease process_vm_readv process_vm_writev kcmp ioprio_get ioprio_set
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>

#define PG 4096UL
#ifndef SYS_process_mrelease
#define SYS_process_mrelease 448
#endif
static volatile int got_sig, got_code, got_val;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_val = si->si_value.sival_int;
}

static void test_pidfd(void)
{
    int pfd = syscall(SYS_pidfd_open, getpid(), 0);
    show("pidfd_open self", pfd);
    fact("pidfd is close-on-exec", (fcntl(pfd, F_GETFD) & FD_CLOEXEC) != 0);
    struct pollfd p = { pfd, POLLIN, 0 };
    show("poll on a live process", poll(&p, 1, 0));
    show("pidfd_open flags", syscall(SYS_pidfd_open, getpid(), 1));
    show("pidfd_open 0", syscall(SYS_pidfd_open, 0, 0));
    show("pidfd_open no such pid", syscall(SYS_pidfd_open, 999999, 0));
    int nb = syscall(SYS_pidfd_open, getpid(), O_NONBLOCK);
    fact("nonblock pidfd has O_NONBLOCK", (fcntl(nb, F_GETFL) & O_NONBLOCK) != 0);
    close(nb);
    char c;
    show("read a pidfd", read(pfd, &c, 1));

    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    show("send SIGUSR1", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, NULL, 0));
    printf("handler: sig %d code %d\n", got_sig, got_code);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = SIGUSR1;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_value.sival_int = 42;
    got_sig = 0;
    show("send with info", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, &si, 0));
    printf("handler: sig %d code %d value %d\n", got_sig, got_code, got_val);
    show("send signal 0", syscall(SYS_pidfd_send_signal, pfd, 0, NULL, 0));
    show("send info signo mismatch", syscall(SYS_pidfd_send_signal, pfd, SIGUSR2, &si, 0));
    show("send bad flags", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, NULL, 8));
    show("send two scopes", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, NULL, 3));
    show("send bad signal", syscall(SYS_pidfd_send_signal, pfd, 65, NULL, 0));
    show("send on stdin", syscall(SYS_pidfd_send_signal, 0, SIGUSR1, NULL, 0));
    show("send on a closed fd", syscall(SYS_pidfd_send_signal, 77, SIGUSR1, NULL, 0));

    int fds[2];
    if (pipe(fds) != 0)
        return;
    int dup = syscall(SYS_pidfd_getfd, pfd, fds[1], 0);
    show_ok("pidfd_getfd", dup);
    fact("got fd is close-on-exec", (fcntl(dup, F_GETFD) & FD_CLOEXEC) != 0);
    show("write through it", write(dup, "x", 1));
    show("read from the pipe", read(fds[0], &c, 1));
    show("kcmp same file", syscall(SYS_kcmp, getpid(), getpid(), 0, fds[1], dup));
    long k = syscall(SYS_kcmp, getpid(), getpid(), 0, fds[0], fds[1]);
    printf("kcmp different files: %s\n", k == 1 || k == 2 ? "ordered" : "wrong");
    show("kcmp bad fd", syscall(SYS_kcmp, getpid(), getpid(), 0, fds[0], 77));
    show("kcmp vm", syscall(SYS_kcmp, getpid(), getpid(), 1, 0, 0));
    show("kcmp files", syscall(SYS_kcmp, getpid(), getpid(), 2, 0, 0));
    show("kcmp sighand", syscall(SYS_kcmp, getpid(), getpid(), 4, 0, 0));
    show("kcmp bad type", syscall(SYS_kcmp, getpid(), getpid(), 9, 0, 0));
    show("kcmp no such pid", syscall(SYS_kcmp, getpid(), 999999, 1, 0, 0));
    close(dup);
    show("getfd bad flags", syscall(SYS_pidfd_getfd, pfd, fds[1], 1));
    show("getfd closed target", syscall(SYS_pidfd_getfd, pfd, 77, 0));
    show("getfd not a pidfd", syscall(SYS_pidfd_getfd, fds[0], fds[1], 0));
    close(fds[0]);
    close(fds[1]);

    char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m[0] = 'a';
    struct iovec iv[2] = { { m, PG }, { m + PG, PG } };
    show("process_madvise willneed", syscall(SYS_process_madvise, pfd, iv, 2UL, MADV_WILLNEED, 0));
    show("process_madvise dontneed", syscall(SYS_process_madvise, pfd, iv, 1UL, MADV_DONTNEED, 0));
    printf("after dontneed: %d\n", m[0]);
    show("process_madvise flags", syscall(SYS_process_madvise, pfd, iv, 1UL, MADV_WILLNEED, 1));
    show("process_madvise bad advice", syscall(SYS_process_madvise, pfd, iv, 1UL, 999, 0));
    show("process_madvise not a pidfd", syscall(SYS_process_madvise, 0, iv, 1UL, MADV_WILLNEED, 0));
    show("process_madvise too many", syscall(SYS_process_madvise, pfd, iv, 5000UL, MADV_WILLNEED, 0));
    munmap(m, 2 * PG);
    show("process_mrelease live", syscall(SYS_process_mrelease, pfd, 0));
    show("process_mrelease flags", syscall(SYS_process_mrelease, pfd, 1));
    show("process_mrelease not a pidfd", syscall(SYS_process_mrelease, 0, 0));
    close(pfd);
}

static void test_vm_rw(void)
{
    char src[32] = "hello process_vm", a[8] = { 0 }, b[16] = { 0 };
    struct iovec local[2] = { { a, 5 }, { b, 11 } };
    struct iovec remote[1] = { { src, 16 } };
    show("process_vm_readv", syscall(SYS_process_vm_readv, getpid(), local, 2UL, remote, 1UL, 0UL));
    printf("read: [%.5s] [%s]\n", a, b);
    char dst[32] = { 0 };
    struct iovec r2[2] = { { dst, 3 }, { dst + 10, 13 } };
    show("process_vm_writev", syscall(SYS_process_vm_writev, getpid(), local, 2UL, r2, 2UL, 0UL));
    printf("written: [%.3s] [%s]\n", dst, dst + 10);
    show("readv flags", syscall(SYS_process_vm_readv, getpid(), local, 2UL, remote, 1UL, 1UL));
    show("readv no such pid", syscall(SYS_process_vm_readv, 999999, local, 2UL, remote, 1UL, 0UL));
    show("readv nothing to copy", syscall(SYS_process_vm_readv, 999999, local, 0UL, remote, 1UL, 0UL));
    show("readv too many", syscall(SYS_process_vm_readv, getpid(), local, 2000UL, remote, 1UL, 0UL));
    /* (sysfuzz seed 18) local iovecs of length 0: 0, the remote iovec is
     * never read, however many it claims (solo once walked it unread). */
    struct iovec empty[2] = { { a, 0 }, { b, 0 } };
    show("readv empty local, huge remote count",
         syscall(SYS_process_vm_readv, getpid(), empty, 2UL, (void *)8, 0x80000000UL, 0UL));
    show("writev empty local, huge remote count",
         syscall(SYS_process_vm_writev, getpid(), empty, 2UL, remote, 0x80000000UL, 0UL));
    show("readv remote too many", syscall(SYS_process_vm_readv, getpid(), local, 2UL, remote, 2000UL, 0UL));
    struct iovec rempty = { src, 0 };
    show("readv empty remote, no such pid", syscall(SYS_process_vm_readv, 999999, local, 2UL, &rempty, 1UL, 0UL));
    char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(m + PG, PG);
    memset(m, 'q', PG);
    static char big[2 * PG];
    struct iovec l3 = { big, 2 * PG }, r3 = { m + PG - 100, 200 };
    show("readv across a hole", syscall(SYS_process_vm_readv, getpid(), &l3, 1UL, &r3, 1UL, 0UL));
    struct iovec r4 = { m + PG, 10 };
    show("readv from a hole", syscall(SYS_process_vm_readv, getpid(), &l3, 1UL, &r4, 1UL, 0UL));
    show("readv bad local iov", syscall(SYS_process_vm_readv, getpid(), (void *)8, 1UL, &r3, 1UL, 0UL));
    munmap(m, PG);
}

static void test_ioprio(void)
{
    show("ioprio_get initial", syscall(SYS_ioprio_get, 1, 0));
    show("ioprio_set be 3", syscall(SYS_ioprio_set, 1, 0, (2 << 13) | 3));
    show("ioprio_get", syscall(SYS_ioprio_get, 1, 0));
    show("ioprio_get by pid", syscall(SYS_ioprio_get, 1, getpid()));
    show("ioprio_set idle", syscall(SYS_ioprio_set, 1, getpid(), 3 << 13));
    show("ioprio_get", syscall(SYS_ioprio_get, 1, 0));
    show("ioprio_set none with level", syscall(SYS_ioprio_set, 1, 0, 1));
    show("ioprio_set class 5", syscall(SYS_ioprio_set, 1, 0, 5 << 13));
    show("ioprio_set bad which", syscall(SYS_ioprio_set, 9, 0, 2 << 13));
    show("ioprio_get bad which", syscall(SYS_ioprio_get, 0, 0));
    show("ioprio_get no such pid", syscall(SYS_ioprio_get, 1, 999999));
    show("ioprio_set none", syscall(SYS_ioprio_set, 1, 0, 0));
    show("ioprio_get", syscall(SYS_ioprio_get, 1, 0));
}

int main(void)
{
    test_pidfd();
    test_vm_rw();
    test_ioprio();
    return 0;
}
