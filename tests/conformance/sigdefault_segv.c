/*
 * sigdefault_segv.c - a fault without a handler ends the program as
 * SIGSEGV's default action does: status 139 (128+11), output so far kept.
 */
// covers: rt_sigaction
#include "common.h"

static int *volatile target = (int *)8;

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("before the fault\n");
    *target = 1;
    printf("not reached\n");
    return 0;
}
