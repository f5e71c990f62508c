/*
 * exit_group.c - exit_group from a second thread ends every thread, and
 * the process exits with its status while main is still blocked in join.
 */
// covers: exit_group clone futex
#include "common.h"
#include <pthread.h>

static void *quitter(void *arg)
{
    (void)arg;
    printf("thread calls exit_group(7)\n");
    syscall(SYS_exit_group, 7);
    return NULL;
}

int main(void)
{
    pthread_t t;
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("main starts a thread\n");
    pthread_create(&t, NULL, quitter, NULL);
    pthread_join(t, NULL);
    printf("not reached\n");
    return 1;
}
