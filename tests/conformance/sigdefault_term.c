/*
 * sigdefault_term.c - a default-action signal ends the program with the
 * status a shell reports (128+n): SIGTERM, blocked first (the program goes
 * on and sees it pending), then unblocked, which kills it (143).  Ignored
 * defaults (SIGCHLD, SIGURG, SIGWINCH) are discarded on the way.
 */
// covers: kill rt_sigprocmask rt_sigpending
#include "common.h"
#include <signal.h>

int main(void)
{
    sigset_t s, p;
    setvbuf(stdout, NULL, _IONBF, 0);
    kill(getpid(), SIGCHLD);
    kill(getpid(), SIGURG);
    kill(getpid(), SIGWINCH);
    printf("ignored defaults survived\n");
    sigemptyset(&s);
    sigaddset(&s, SIGTERM);
    sigprocmask(SIG_BLOCK, &s, NULL);
    kill(getpid(), SIGTERM);
    sigpending(&p);
    printf("blocked SIGTERM pending %d\n", sigismember(&p, SIGTERM));
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    printf("not reached\n");
    return 0;
}
