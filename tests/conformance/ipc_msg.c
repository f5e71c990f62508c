/*
 * ipc_msg.c - System V message queues: msgget (private and keyed, IPC_EXCL,
 * ENOENT), msgsnd and msgrcv (type rules, MSG_EXCEPT, MSG_NOERROR, E2BIG,
 * ENOMSG, IPC_NOWAIT on a full queue, MSG_COPY), a receiver blocked in
 * another thread, EIDRM when the queue goes away, and msgctl (IPC_STAT,
 * IPC_SET, IPC_INFO, IPC_RMID).  Ids are never printed, only relations.
 */
// covers: msgget msgsnd msgrcv msgctl
#include "common.h"
#include <pthread.h>
#include <sys/ipc.h>
#include <sys/msg.h>

struct m {
    long type;
    char text[64];
};

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

static int qid;
static long second_r;
static int second_errno;

static void snd(long type, const char *text)
{
    struct m msg = { type, "" };
    strcpy(msg.text, text);
    long r = syscall(SYS_msgsnd, qid, &msg, strlen(text) + 1, IPC_NOWAIT);
    if (r < 0)
        printf("msgsnd %ld: -1 %s\n", type, errname(errno));
}

static void rcv(const char *what, long type, size_t size, int flags)
{
    struct m msg = { 0, "" };
    long r = syscall(SYS_msgrcv, qid, &msg, size, type, flags | IPC_NOWAIT);
    if (r < 0)
        printf("%s: -1 %s\n", what, errname(errno));
    else
        printf("%s: %ld type %ld [%.*s]\n", what, r, msg.type, (int)r, msg.text);
}

static void *receiver(void *arg)
{
    struct m msg;
    long r = syscall(SYS_msgrcv, qid, &msg, sizeof(msg.text), 7L, 0);
    printf("thread got: %ld type %ld [%s]\n", r, msg.type, msg.text);
    second_r = syscall(SYS_msgrcv, qid, &msg, sizeof(msg.text), 8L, 0);
    second_errno = errno;
    return arg;
}

int main(void)
{
    qid = syscall(SYS_msgget, IPC_PRIVATE, 0600);
    show_ok("msgget private", qid);
    int q2 = syscall(SYS_msgget, IPC_PRIVATE, 0600);
    fact("second private queue differs", q2 != qid);
    key_t key = 0x50c00000 + 2 * (getpid() & 0xfffff);
    int k1 = syscall(SYS_msgget, key, IPC_CREAT | 0640);
    show_ok("msgget keyed create", k1);
    fact("same key same queue", syscall(SYS_msgget, key, 0) == k1);
    show("msgget excl", syscall(SYS_msgget, key, IPC_CREAT | IPC_EXCL | 0640));
    show("msgget missing key", syscall(SYS_msgget, key + 1, 0));

    snd(3, "three");
    snd(1, "one");
    snd(2, "two");
    snd(3, "three again");
    struct msqid_ds ds;
    show("IPC_STAT", syscall(SYS_msgctl, qid, IPC_STAT, &ds));
    show("IPC_STAT with the IPC_64 bit", syscall(SYS_msgctl, qid, IPC_STAT | 0x100, &ds));
    printf("qnum %lu cbytes %lu qbytes %lu mode %o lspid is me %d\n", (unsigned long)ds.msg_qnum,
           (unsigned long)ds.__msg_cbytes, (unsigned long)ds.msg_qbytes, ds.msg_perm.mode & 0777,
           ds.msg_lspid == getpid());
    rcv("copy index 1", 1, 64, MSG_COPY);
    rcv("copy index 9", 9, 64, MSG_COPY);
    rcv("type <= 2", -2, 64, 0);
    rcv("type 3 too small", 3, 2, 0);
    rcv("type 3 noerror", 3, 2, MSG_NOERROR);
    rcv("not type 3", 3, 64, MSG_EXCEPT);
    rcv("any", 0, 64, 0);
    rcv("empty queue", 0, 64, 0);
    rcv("type 5 absent", 5, 64, 0);

    struct m big = { 1, "" };
    big.type = 0;
    show("msgsnd type 0", syscall(SYS_msgsnd, qid, &big, 4UL, 0));
    big.type = 1;
    show("msgsnd too big", syscall(SYS_msgsnd, qid, &big, 9000UL, 0));
    show("msgsnd bad id", syscall(SYS_msgsnd, -1, &big, 4UL, 0));
    show("msgsnd bad pointer", syscall(SYS_msgsnd, qid, (void *)8, 4UL, 0));
    show("msgrcv negative size", syscall(SYS_msgrcv, qid, &big, -1L, 0L, 0));

    ds.msg_qbytes = 40;
    show("IPC_SET qbytes 40", syscall(SYS_msgctl, qid, IPC_SET, &ds));
    snd(1, "0123456789012345678");
    snd(1, "0123456789012345678");
    snd(1, "x");
    syscall(SYS_msgctl, qid, IPC_STAT, &ds);
    printf("qnum %lu qbytes %lu\n", (unsigned long)ds.msg_qnum, (unsigned long)ds.msg_qbytes);
    rcv("drain", 0, 64, 0);
    rcv("drain", 0, 64, 0);

    pthread_t t;
    pthread_create(&t, NULL, receiver, NULL);
    usleep(100000);
    snd(6, "six");
    snd(7, "seven");
    usleep(100000);
    show("IPC_RMID", syscall(SYS_msgctl, qid, IPC_RMID, NULL));
    pthread_join(t, NULL);
    printf("thread second msgrcv: %ld %s\n", second_r, second_r < 0 ? errname(second_errno) : "");
    show("IPC_STAT after rmid", syscall(SYS_msgctl, qid, IPC_STAT, &ds));
    show("msgsnd after rmid", syscall(SYS_msgsnd, qid, &big, 4UL, IPC_NOWAIT));
    struct msginfo mi;
    show_ok("IPC_INFO", syscall(SYS_msgctl, 0, IPC_INFO, &mi));
    printf("msgmax %d msgmnb %d msgmni %d msgssz %d msgseg %d\n", mi.msgmax, mi.msgmnb,
           mi.msgmni, mi.msgssz, mi.msgseg);
    show("bad cmd", syscall(SYS_msgctl, q2, 99, &ds));
    show("rmid q2", syscall(SYS_msgctl, q2, IPC_RMID, NULL));
    show("rmid keyed", syscall(SYS_msgctl, k1, IPC_RMID, NULL));
    show("msgget removed key", syscall(SYS_msgget, key, 0));
    return 0;
}
