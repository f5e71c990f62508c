/*
 * ipc.h - what System V message queues (ipc_msg.c), semaphores (ipc_sem.c)
 * and shared memory (ipc_shm.c) share: the IPC_* command and flag values, Linux's
 * struct ipc64_perm, and the id layout: an object's id is its table slot plus
 * seq * SEQ_MUL, so the id of a removed object no longer matches.
 */
#ifndef SOLO_IPC_H
#define SOLO_IPC_H

#include "syscalls/syscalls.h"

#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_NOWAIT 04000
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3
#define IPC_64 0x100
#define SEQ_MUL 32768

struct ipc64_perm {
    s32 key;
    u32 uid, gid, cuid, cgid;
    u16 mode, pad1, seq, pad2;
    u64 unused1, unused2;
};

/* Wall-clock seconds for the *time fields of msqid64_ds / semid64_ds / shmid64_ds. */
static inline s64 ipc_now_sec(void)
{
    return (s64)(realtime_ns() / 1000000000UL);
}

#endif
