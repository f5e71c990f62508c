/*
 * exit.c - exit(2) of the only thread ends the process with that status
 * (the raw syscall, so no atexit handlers or stdio flush run).
 */
// covers: exit write
#include "common.h"

int main(void)
{
    static const char msg[] = "about to exit with status 3\n";
    syscall(SYS_write, 1, msg, sizeof(msg) - 1);
    syscall(SYS_exit, 3);
    printf("not reached\n");
    return 1;
}
