/*
 * sigdefault_abort.c - abort(): SIGABRT with the default action (a core
 * signal) ends the program with status 134 (128+6), even when the program
 * had blocked SIGABRT and installed a handler that returns (abort resets
 * it and raises again).
 */
// covers: rt_sigaction rt_sigprocmask tgkill
#include "common.h"
#include <signal.h>

static void on_abrt(int sig) { (void)sig; printf("handler ran\n"); }

int main(void)
{
    sigset_t s;
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGABRT, on_abrt);
    sigemptyset(&s);
    sigaddset(&s, SIGABRT);
    sigprocmask(SIG_BLOCK, &s, NULL);
    abort();
}
