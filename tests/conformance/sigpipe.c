/*
 * sigpipe.c - writing to a pipe nobody reads: EPIPE with SIGPIPE ignored,
 * EPIPE after a SIGPIPE handler ran (si_code SI_USER) for write and
 * writev, and finally the default action, which ends the program with
 * status 141 (128+13).
 */
// covers: write writev pipe2 rt_sigaction
#include "common.h"
#include <signal.h>
#include <sys/uio.h>

static volatile int hits, code;

static void on_pipe(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    hits++;
    code = si->si_code;
}

int main(void)
{
    int p[2];
    struct sigaction sa;
    setvbuf(stdout, NULL, _IONBF, 0);
    if (pipe(p) != 0)
        return 1;
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    show("write ignored", write(p[1], "x", 1));
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_pipe;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGPIPE, &sa, NULL);
    show("write handled", write(p[1], "x", 1));
    struct iovec iov = { "yz", 2 };
    show("writev handled", writev(p[1], &iov, 1));
    printf("handler hits %d code SI_USER %d\n", hits, code == SI_USER);
    signal(SIGPIPE, SIG_DFL);
    printf("writing with the default action\n");
    write(p[1], "x", 1);
    printf("not reached\n");
    return 0;
}
