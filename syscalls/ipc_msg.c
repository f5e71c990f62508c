/*
 * ipc_msg.c - System V message queues: msgget, msgsnd, msgrcv, msgctl.
 *
 * Queues live in a table of MSGMNI_SOLO slots; a queue's id is its slot plus
 * seq * 32768 (Linux's layout), so a removed queue's stale id fails.  Each
 * queue holds a FIFO list of messages (type, text); receivers pick the first
 * message matching their type rule, senders wait while the queue's byte
 * limit (msg_qbytes) is reached.  Both sleep interruptibly on the queue's
 * waitq.  IPC_RMID marks the queue dead and wakes every sleeper (EIDRM); the
 * queue is freed when its last sleeper leaves.
 * Invariant: q->bytes and q->count are the sums over q->head's list.
 */
#include "syscalls/syscalls.h"
#include "syscalls/misc.h"
#include "syscalls/signal_impl.h"
#include "syscalls/ipc.h"

#define MSG_STAT 11
#define MSG_INFO 12
#define MSG_STAT_ANY 13
#define MSG_NOERROR 010000
#define MSG_EXCEPT 020000
#define MSG_COPY 040000
#define MSGMAX 8192
#define MSGMNB 16384
#define MSGMNI 32000
#define MSGMNI_SOLO 256

struct msqid64_ds {
    struct ipc64_perm perm;
    s64 stime, rtime, ctime;
    u64 cbytes, qnum, qbytes;
    s32 lspid, lrpid;
    u64 unused4, unused5;
};

struct msginfo {
    s32 msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
    u16 msgseg;
};

struct kmsg {
    struct kmsg *next;
    s64 type;
    u64 len;
    u8 text[];
};

struct msq {
    struct ipc64_perm perm;
    s64 stime, rtime, ctime;
    u64 bytes, count, qbytes;
    s32 lspid, lrpid;
    struct kmsg *head, **tail;
    struct waitq q;
    int sleepers;
    bool dead;
};

static struct msq *queues[MSGMNI_SOLO];
static u16 seqs[MSGMNI_SOLO];

/* The live queue with this id, or NULL. */
static struct msq *msq_get(int id)
{
    if (id < 0)
        return NULL;
    int slot = id % SEQ_MUL;
    if (slot >= MSGMNI_SOLO || queues[slot] == NULL || queues[slot]->perm.seq != id / SEQ_MUL)
        return NULL;
    return queues[slot];
}

/* Take q out of the table and wake its sleepers; free it if none sleeps. */
static void msq_remove(int slot)
{
    struct msq *q = queues[slot];
    queues[slot] = NULL;
    q->dead = true;
    while (q->head != NULL) {
        struct kmsg *m = q->head;
        q->head = m->next;
        kfree(m);
    }
    if (q->sleepers == 0)
        kfree(q);
    else
        waitq_wake(&q->q, 1 << 30);
}

/* Sleep on q once: 0 when woken with q alive, -EIDRM (q is gone; freed
 * here by its last sleeper) or -EINTR. */
static int msq_sleep(struct msq *q)
{
    q->sleepers++;
    int r = waitq_wait_intr(&q->q, 0);
    q->sleepers--;
    if (q->dead) {
        if (q->sleepers == 0)
            kfree(q);
        return -EIDRM;
    }
    return r == -EINTR ? -EINTR : 0;
}

static int msq_create(s32 key, int flags)
{
    for (int i = 0; i < MSGMNI_SOLO; i++) {
        if (queues[i] != NULL)
            continue;
        struct msq *q = kzalloc(sizeof(*q));
        if (q == NULL)
            return -ENOMEM;
        q->perm.key = key;
        q->perm.uid = q->perm.cuid = process_ruid();
        q->perm.mode = flags & 0777;
        q->perm.seq = seqs[i];
        seqs[i] = (seqs[i] + 1) % (0x7fffffff / SEQ_MUL);
        q->qbytes = MSGMNB;
        q->ctime = ipc_now_sec();
        q->tail = &q->head;
        waitq_init(&q->q);
        queues[i] = q;
        return q->perm.seq * SEQ_MUL + i;
    }
    return -ENOSPC;
}

long sys_msgget(s32 key, int flags)
{
    if (key != 0) {
        for (int i = 0; i < MSGMNI_SOLO; i++) {
            struct msq *q = queues[i];
            if (q == NULL || q->perm.key != key)
                continue;
            if ((flags & (IPC_CREAT | IPC_EXCL)) == (IPC_CREAT | IPC_EXCL))
                return -EEXIST;
            return q->perm.seq * SEQ_MUL + i;
        }
        if ((flags & IPC_CREAT) == 0)
            return -ENOENT;
    }
    return msq_create(key, flags);
}

long sys_msgsnd(int id, const void *umsg, u64 size, int flags)
{
    s64 type;
    if (size > MSGMAX || id < 0)
        return -EINVAL;
    if (copy_from_user(&type, umsg, sizeof(type)) < 0)
        return -EFAULT;
    if (type < 1)
        return -EINVAL;
    struct kmsg *m = kmalloc(sizeof(*m) + size);
    if (m == NULL)
        return -ENOMEM;
    if (size > 0 && copy_from_user(m->text, (const u8 *)umsg + 8, size) < 0) {
        kfree(m);
        return -EFAULT;
    }
    m->type = type;
    m->len = size;
    m->next = NULL;
    for (;;) {
        struct msq *q = msq_get(id);
        if (q == NULL) {
            kfree(m);
            return -EINVAL;
        }
        if (q->bytes + size <= q->qbytes && q->count + 1 <= q->qbytes) {
            *q->tail = m;
            q->tail = &m->next;
            q->bytes += size;
            q->count++;
            q->lspid = PID_SELF;
            q->stime = ipc_now_sec();
            waitq_wake(&q->q, 1 << 30);
            return 0;
        }
        int r = (flags & IPC_NOWAIT) != 0 ? -EAGAIN : msq_sleep(q);
        if (r < 0) {
            kfree(m);
            return r;
        }
    }
}

/* The message msgrcv's rule picks from q (link to it in *prev), or NULL. */
static struct kmsg **msq_find(struct msq *q, s64 type, int flags)
{
    struct kmsg **best = NULL;
    for (struct kmsg **pp = &q->head; *pp != NULL; pp = &(*pp)->next) {
        s64 t = (*pp)->type;
        if (type == 0)
            return pp;
        if (type > 0 && (flags & MSG_EXCEPT) == 0 && t == type)
            return pp;
        if (type > 0 && (flags & MSG_EXCEPT) != 0 && t != type)
            return pp;
        if (type < 0 && t <= -type && (best == NULL || t < (*best)->type))
            best = pp;
    }
    return best;
}

/* Copy m to the user buffer (type then at most size bytes): length or -EFAULT. */
static long msg_out(void *umsg, const struct kmsg *m, u64 size)
{
    u64 n = MIN(size, m->len);
    if (copy_to_user(umsg, &m->type, sizeof(m->type)) < 0 ||
        copy_to_user((u8 *)umsg + 8, m->text, n) < 0)
        return -EFAULT;
    return (long)n;
}

long sys_msgrcv(int id, void *umsg, u64 size, s64 type, int flags)
{
    if (id < 0 || (s64)size < 0)
        return -EINVAL;
    if ((flags & MSG_COPY) != 0) {
        if ((flags & MSG_EXCEPT) != 0 || (flags & IPC_NOWAIT) == 0)
            return -EINVAL;
        struct msq *q = msq_get(id);
        if (q == NULL)
            return -EINVAL;
        struct kmsg *m = q->head;
        for (s64 i = 0; m != NULL && i < type; i++)
            m = m->next;
        if (m == NULL)
            return -ENOMSG;
        if (m->len > size && (flags & MSG_NOERROR) == 0)
            return -E2BIG;
        return msg_out(umsg, m, size);
    }
    for (;;) {
        struct msq *q = msq_get(id);
        if (q == NULL)
            return -EINVAL;
        struct kmsg **pp = msq_find(q, type, flags);
        if (pp != NULL) {
            struct kmsg *m = *pp;
            if (m->len > size && (flags & MSG_NOERROR) == 0)
                return -E2BIG;
            *pp = m->next;
            if (q->tail == &m->next)
                q->tail = pp;
            q->bytes -= m->len;
            q->count--;
            q->lrpid = PID_SELF;
            q->rtime = ipc_now_sec();
            waitq_wake(&q->q, 1 << 30);
            long r = msg_out(umsg, m, size);
            kfree(m);
            return r;
        }
        int r = (flags & IPC_NOWAIT) != 0 ? -ENOMSG : msq_sleep(q);
        if (r < 0)
            return r;
    }
}

static long msq_info(int cmd, void *ubuf)
{
    struct msginfo mi = {
        .msgpool = MSGMNI * MSGMNB / 1024, .msgmap = MSGMNB, .msgmax = MSGMAX,
        .msgmnb = MSGMNB, .msgmni = MSGMNI, .msgssz = 16, .msgtql = MSGMNB, .msgseg = 0xffff,
    };
    int maxidx = 0;
    if (cmd == MSG_INFO) {
        mi.msgpool = mi.msgmap = mi.msgtql = 0;
    }
    for (int i = 0; i < MSGMNI_SOLO; i++) {
        if (queues[i] == NULL)
            continue;
        maxidx = i;
        if (cmd == MSG_INFO) {
            mi.msgpool++;
            mi.msgmap += (s32)queues[i]->count;
            mi.msgtql += (s32)queues[i]->bytes;
        }
    }
    if (copy_to_user(ubuf, &mi, sizeof(mi)) < 0)
        return -EFAULT;
    return maxidx;
}

static long msq_stat(struct msq *q, void *ubuf)
{
    struct msqid64_ds ds = {
        .perm = q->perm, .stime = q->stime, .rtime = q->rtime, .ctime = q->ctime,
        .cbytes = q->bytes, .qnum = q->count, .qbytes = q->qbytes,
        .lspid = q->lspid, .lrpid = q->lrpid,
    };
    if (copy_to_user(ubuf, &ds, sizeof(ds)) < 0)
        return -EFAULT;
    return 0;
}

// partial: IPC_SET and the permission bits are not checked against the caller (solo runs as its one user)
long sys_msgctl(int id, int cmd, void *ubuf)
{
    if (id < 0 && cmd != IPC_INFO && cmd != MSG_INFO)
        return -EINVAL;
    switch (cmd) {
    case IPC_INFO:
    case MSG_INFO:
        return msq_info(cmd, ubuf);
    case MSG_STAT:
    case MSG_STAT_ANY: {
        if (id >= MSGMNI_SOLO || queues[id] == NULL)
            return -EINVAL;
        long r = msq_stat(queues[id], ubuf);
        return r < 0 ? r : queues[id]->perm.seq * SEQ_MUL + id;
    }
    case IPC_STAT:
    case IPC_SET:
    case IPC_RMID:
        break;
    default:
        return -EINVAL;
    }
    struct msq *q = msq_get(id);
    if (q == NULL)
        return -EINVAL;
    if (cmd == IPC_STAT)
        return msq_stat(q, ubuf);
    if (cmd == IPC_RMID) {
        msq_remove(id % SEQ_MUL);
        return 0;
    }
    struct msqid64_ds ds;
    if (copy_from_user(&ds, ubuf, sizeof(ds)) < 0)
        return -EFAULT;
    q->qbytes = ds.qbytes;
    q->perm.uid = ds.perm.uid;
    q->perm.gid = ds.perm.gid;
    q->perm.mode = (q->perm.mode & ~0777) | (ds.perm.mode & 0777);
    q->ctime = ipc_now_sec();
    waitq_wake(&q->q, 1 << 30);
    return 0;
}
