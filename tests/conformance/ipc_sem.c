/*
 * ipc_sem.c - System V semaphores: semget (private, keyed, EEXIST, nsems
 * checks), semop (all-or-nothing, IPC_NOWAIT, ERANGE, EFBIG, E2BIG,
 * SEM_UNDO accepted), semtimedop timing out, a thread blocked on a decrement
 * and one waiting for zero (GETNCNT/GETZCNT), EIDRM on removal, and semctl
 * (GETVAL, SETVAL, GETALL, SETALL, GETPID, IPC_STAT, IPC_SET, IPC_INFO).
 */
// covers: semget semop semtimedop semctl
#include "common.h"
#include <pthread.h>
#include <time.h>
#include <sys/ipc.h>
#include <sys/sem.h>

static int sid;
static long tres[2];
static int terr[2];

static long op(unsigned short num, short delta, short flg)
{
    struct sembuf b = { num, delta, flg };
    return syscall(SYS_semop, sid, &b, 1UL);
}

static void vals(const char *what)
{
    unsigned short v[3] = { 9, 9, 9 };
    long r = syscall(SYS_semctl, sid, 0, GETALL, v);
    printf("%s: %ld values %u %u %u\n", what, r, v[0], v[1], v[2]);
}

static void *decrementer(void *arg)
{
    tres[0] = op(1, -2, 0);
    terr[0] = errno;
    return arg;
}

static void *zero_waiter(void *arg)
{
    tres[1] = op(2, 0, 0);
    terr[1] = errno;
    return arg;
}

int main(void)
{
    sid = syscall(SYS_semget, IPC_PRIVATE, 3, 0600);
    show_ok("semget", sid);
    show("semget 0 sems", syscall(SYS_semget, IPC_PRIVATE, 0, 0600));
    show("semget too many", syscall(SYS_semget, IPC_PRIVATE, 40000, 0600));
    key_t key = 0x60c00000 + 2 * (getpid() & 0xfffff);
    int k = syscall(SYS_semget, key, 2, IPC_CREAT | 0600);
    fact("same key same set", syscall(SYS_semget, key, 1, 0) == k);
    show("more sems than the set", syscall(SYS_semget, key, 5, 0));
    show("excl", syscall(SYS_semget, key, 2, IPC_CREAT | IPC_EXCL | 0600));
    show("missing key", syscall(SYS_semget, key + 1, 1, 0));
    vals("initial");
    show("semop +3 on 0", op(0, 3, 0));
    show("semop -1 undo", op(0, -1, SEM_UNDO));
    show("semop -5 nowait", op(0, -5, IPC_NOWAIT));
    show("semop zero nowait", op(0, 0, IPC_NOWAIT));
    struct sembuf two[2] = { { 0, -2, 0 }, { 1, -1, IPC_NOWAIT } };
    show("all or nothing", syscall(SYS_semop, sid, two, 2UL));
    vals("after");
    show("GETVAL 0", syscall(SYS_semctl, sid, 0, GETVAL));
    show("GETVAL with the IPC_64 bit", syscall(SYS_semctl, sid, 0, GETVAL | 0x100));
    show("SETVAL 1 = 5", syscall(SYS_semctl, sid, 1, SETVAL, 5));
    show("SETVAL too big", syscall(SYS_semctl, sid, 1, SETVAL, 40000));
    show("SETVAL negative", syscall(SYS_semctl, sid, 1, SETVAL, -1));
    show("GETVAL bad num", syscall(SYS_semctl, sid, 3, GETVAL));
    fact("GETPID is me", syscall(SYS_semctl, sid, 0, GETPID) == getpid());
    show("semop overflow", op(1, 32767, IPC_NOWAIT));
    show("semop bad num", op(3, 1, 0));
    show("semop 0 ops", syscall(SYS_semop, sid, two, 0UL));
    show("semop 600 ops", syscall(SYS_semop, sid, two, 600UL));
    show("semop bad pointer", syscall(SYS_semop, sid, (void *)8, 1UL));
    show("semop bad id", syscall(SYS_semop, -1, two, 1UL));
    unsigned short all[3] = { 1, 0, 1 };
    show("SETALL", syscall(SYS_semctl, sid, 0, SETALL, all));
    vals("after SETALL");
    all[1] = 40000;
    show("SETALL too big", syscall(SYS_semctl, sid, 0, SETALL, all));

    struct timespec ts = { 0, 50000000 };
    struct sembuf dec = { 1, -1, 0 };
    show("semtimedop times out", syscall(SYS_semtimedop, sid, &dec, 1UL, &ts));
    ts.tv_nsec = 2000000000;
    show("semtimedop bad timeout", syscall(SYS_semtimedop, sid, &dec, 1UL, &ts));

    pthread_t a, b;
    pthread_create(&a, NULL, decrementer, NULL);
    pthread_create(&b, NULL, zero_waiter, NULL);
    usleep(150000);
    show("GETNCNT 1", syscall(SYS_semctl, sid, 1, GETNCNT));
    show("GETZCNT 2", syscall(SYS_semctl, sid, 2, GETZCNT));
    show("GETNCNT 0", syscall(SYS_semctl, sid, 0, GETNCNT));
    show("semop +2 on 1", op(1, 2, 0));
    pthread_join(a, NULL);
    printf("decrementer: %ld\n", tres[0]);
    vals("after wakeup");
    struct semid_ds ds;
    show("IPC_STAT", syscall(SYS_semctl, sid, 0, IPC_STAT, &ds));
    printf("nsems %lu mode %o\n", (unsigned long)ds.sem_nsems, ds.sem_perm.mode & 0777);
    ds.sem_perm.mode = 0640;
    show("IPC_SET", syscall(SYS_semctl, sid, 0, IPC_SET, &ds));
    syscall(SYS_semctl, sid, 0, IPC_STAT, &ds);
    printf("mode now %o\n", ds.sem_perm.mode & 0777);
    show("IPC_RMID", syscall(SYS_semctl, sid, 0, IPC_RMID));
    pthread_join(b, NULL);
    printf("zero waiter: %ld %s\n", tres[1], tres[1] < 0 ? errname(terr[1]) : "");
    show("GETVAL after rmid", syscall(SYS_semctl, sid, 0, GETVAL));
    struct seminfo si;
    show_ok("IPC_INFO", syscall(SYS_semctl, 0, 0, IPC_INFO, &si));
    printf("semmsl %d semopm %d semvmx %d semmni %d\n", si.semmsl, si.semopm, si.semvmx, si.semmni);
    show("bad cmd", syscall(SYS_semctl, k, 0, 99));
    show("rmid keyed", syscall(SYS_semctl, k, 0, IPC_RMID));
    return 0;
}
