/*
 * ipc_sem.c - System V semaphores: semget, semop, semtimedop, semctl.
 *
 * Sets live in a table of SEMMNI_SOLO slots; a set's id is its slot plus
 * seq * 32768, so a removed set's stale id fails.  semop applies all of its
 * operations or none: when one cannot go on (a decrement below zero, a wait
 * for zero on a non-zero value) the caller sleeps interruptibly on the set's
 * waitq, recording that blocking operation (GETNCNT/GETZCNT count them), and
 * tries again after every change.  IPC_RMID wakes sleepers with EIDRM; a set
 * is freed when its last sleeper leaves.
 * Invariant: every value is in 0..SEMVMX.
 */
#include "syscalls/syscalls.h"
#include "syscalls/misc.h"
#include "syscalls/signal_impl.h"
#include "syscalls/ipc.h"

#define GETPID 11
#define GETVAL 12
#define GETALL 13
#define GETNCNT 14
#define GETZCNT 15
#define SETVAL 16
#define SETALL 17
#define SEM_STAT 18
#define SEM_INFO 19
#define SEM_STAT_ANY 20
#define SEM_UNDO 0x1000
#define SEMMSL 32000
#define SEMMNS 1024000000
#define SEMMNI 32000
#define SEMOPM 500
#define SEMVMX 32767
#define SEMMNI_SOLO 256

struct semid64_ds {
    struct ipc64_perm perm;
    s64 otime;
    u64 unused1;
    s64 ctime;
    u64 unused2, nsems, unused3, unused4;
};

struct seminfo {
    s32 semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

struct sembuf {
    u16 num;
    s16 op;
    s16 flg;
};

struct sem {
    u16 val;
    s32 pid;
};

struct semset {
    struct ipc64_perm perm;
    s64 otime, ctime;
    int nsems;
    int sleepers;
    bool dead;
    struct waitq q;
    struct sembuf *blocking[64];       /* the blocking op of each sleeper (up to 64 counted) */
    struct sem sems[];
};

static struct semset *sets[SEMMNI_SOLO];
static u16 seqs[SEMMNI_SOLO];

static struct semset *set_get(int id)
{
    if (id < 0)
        return NULL;
    int slot = id % SEQ_MUL;
    if (slot >= SEMMNI_SOLO || sets[slot] == NULL || sets[slot]->perm.seq != id / SEQ_MUL)
        return NULL;
    return sets[slot];
}

static int set_create(s32 key, int nsems, int flags)
{
    if (nsems == 0)
        return -EINVAL;
    for (int i = 0; i < SEMMNI_SOLO; i++) {
        if (sets[i] != NULL)
            continue;
        struct semset *s = kzalloc(sizeof(*s) + (u64)nsems * sizeof(struct sem));
        if (s == NULL)
            return -ENOMEM;
        s->perm.key = key;
        s->perm.uid = s->perm.cuid = process_ruid();
        s->perm.mode = flags & 0777;
        s->perm.seq = seqs[i];
        seqs[i] = (seqs[i] + 1) % (0x7fffffff / SEQ_MUL);
        s->nsems = nsems;
        s->ctime = ipc_now_sec();
        waitq_init(&s->q);
        sets[i] = s;
        return s->perm.seq * SEQ_MUL + i;
    }
    return -ENOSPC;
}

long sys_semget(s32 key, int nsems, int flags)
{
    if (nsems < 0 || nsems > SEMMSL)
        return -EINVAL;
    if (key != 0) {
        for (int i = 0; i < SEMMNI_SOLO; i++) {
            struct semset *s = sets[i];
            if (s == NULL || s->perm.key != key)
                continue;
            if ((flags & (IPC_CREAT | IPC_EXCL)) == (IPC_CREAT | IPC_EXCL))
                return -EEXIST;
            if (nsems > s->nsems)
                return -EINVAL;
            return s->perm.seq * SEQ_MUL + i;
        }
        if ((flags & IPC_CREAT) == 0)
            return -ENOENT;
    }
    return set_create(key, nsems, flags);
}

/* Try all n ops on s at once: 0 (applied), -ERANGE, or 1 with *block = the
 * op that has to wait. */
static int sem_try(struct semset *s, struct sembuf *ops, int n, struct sembuf **block)
{
    int i;
    for (i = 0; i < n; i++) {
        struct sem *m = &s->sems[ops[i].num];
        int v = m->val + ops[i].op;
        if ((ops[i].op == 0 && m->val != 0) || v < 0) {
            *block = &ops[i];
            break;
        }
        if (v > SEMVMX) {
            *block = NULL;
            break;
        }
        m->val = (u16)v;
    }
    int stop = i;
    for (i = stop - 1; i >= 0; i--)
        s->sems[ops[i].num].val = (u16)(s->sems[ops[i].num].val - ops[i].op);
    if (stop < n)
        return *block == NULL ? -ERANGE : 1;
    for (i = 0; i < n; i++) {
        s->sems[ops[i].num].val = (u16)(s->sems[ops[i].num].val + ops[i].op);
        s->sems[ops[i].num].pid = PID_SELF;
    }
    s->otime = ipc_now_sec();
    return 0;
}

/* Sleep on s with op b as the reason: 0, -EIDRM, -EINTR or -EAGAIN (timeout). */
static int sem_sleep(struct semset *s, struct sembuf *b, u64 deadline)
{
    int slot = -1;
    for (int i = 0; i < 64 && slot < 0; i++) {
        if (s->blocking[i] == NULL)
            slot = i;
    }
    if (slot >= 0)
        s->blocking[slot] = b;
    s->sleepers++;
    int r = waitq_wait_intr(&s->q, deadline);
    s->sleepers--;
    if (slot >= 0)
        s->blocking[slot] = NULL;
    if (s->dead) {
        if (s->sleepers == 0)
            kfree(s);
        return -EIDRM;
    }
    if (r == -EINTR)
        return -EINTR;
    return r == -ETIMEDOUT ? -EAGAIN : 0;
}

struct ktimespec {
    s64 sec, nsec;
};

// partial: SEM_UNDO is accepted, but its adjustments would only act when the process exits, which ends solo
long sys_semtimedop(int id, const void *usops, u64 nsops, const void *utimeout)
{
    struct sembuf ops[64];
    struct sembuf *many = NULL, *p = ops;
    u64 deadline = 0;
    if (nsops < 1 || id < 0)
        return -EINVAL;
    if (nsops > SEMOPM)
        return -E2BIG;
    if (nsops > 64) {
        many = kmalloc(nsops * sizeof(*many));
        if (many == NULL)
            return -ENOMEM;
        p = many;
    }
    long r = copy_from_user(p, usops, nsops * sizeof(*p));
    if (r == 0 && utimeout != NULL) {
        struct ktimespec ts;
        if (copy_from_user(&ts, utimeout, sizeof(ts)) < 0)
            r = -EFAULT;
        else if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
            r = -EINVAL;
        else
            deadline = now_ns() + (u64)ts.sec * 1000000000UL + (u64)ts.nsec;
    }
    while (r == 0) {
        struct semset *s = set_get(id);
        if (s == NULL) {
            r = -EINVAL;
            break;
        }
        for (u64 i = 0; i < nsops && r == 0; i++) {
            if (p[i].num >= s->nsems)
                r = -EFBIG;
        }
        if (r < 0)
            break;
        struct sembuf *b = NULL;
        int t = sem_try(s, p, (int)nsops, &b);
        if (t <= 0) {
            r = t;
            if (t == 0)
                waitq_wake(&s->q, 1 << 30);
            break;
        }
        if ((b->flg & IPC_NOWAIT) != 0) {
            r = -EAGAIN;
            break;
        }
        r = sem_sleep(s, b, deadline);
    }
    kfree(many);
    return r;
}

// partial: as semtimedop: SEM_UNDO adjustments are not applied at exit
long sys_semop(int id, const void *usops, u64 nsops)
{
    return sys_semtimedop(id, usops, nsops, NULL);
}

static long sem_info(int cmd, void *ubuf)
{
    struct seminfo si = {
        .semmap = SEMMNS, .semmni = SEMMNI, .semmns = SEMMNS, .semmnu = SEMMNS,
        .semmsl = SEMMSL, .semopm = SEMOPM, .semume = SEMOPM, .semusz = 20,
        .semvmx = SEMVMX, .semaem = SEMVMX,
    };
    int maxidx = 0;
    if (cmd == SEM_INFO)
        si.semusz = si.semaem = 0;
    for (int i = 0; i < SEMMNI_SOLO; i++) {
        if (sets[i] == NULL)
            continue;
        maxidx = i;
        if (cmd == SEM_INFO) {
            si.semusz++;
            si.semaem += sets[i]->nsems;
        }
    }
    if (copy_to_user(ubuf, &si, sizeof(si)) < 0)
        return -EFAULT;
    return maxidx;
}

static long sem_stat(struct semset *s, void *ubuf)
{
    struct semid64_ds ds = {
        .perm = s->perm, .otime = s->otime, .ctime = s->ctime, .nsems = (u64)s->nsems,
    };
    return copy_to_user(ubuf, &ds, sizeof(ds)) < 0 ? -EFAULT : 0;
}

/* GETNCNT (zero false) or GETZCNT (zero true) for semaphore num. */
static long sem_count(struct semset *s, int num, bool zero)
{
    long n = 0;
    for (int i = 0; i < 64; i++) {
        struct sembuf *b = s->blocking[i];
        if (b != NULL && b->num == num && (b->op == 0) == zero)
            n++;
    }
    return n;
}

static long sem_setall(struct semset *s, const void *uarr)
{
    u16 *v = kmalloc((u64)s->nsems * sizeof(u16));
    if (v == NULL)
        return -ENOMEM;
    long r = copy_from_user(v, uarr, (u64)s->nsems * sizeof(u16));
    for (int i = 0; i < s->nsems && r == 0; i++) {
        if (v[i] > SEMVMX)
            r = -ERANGE;
    }
    for (int i = 0; i < s->nsems && r == 0; i++) {
        s->sems[i].val = v[i];
        s->sems[i].pid = PID_SELF;
    }
    kfree(v);
    if (r == 0) {
        s->ctime = ipc_now_sec();
        waitq_wake(&s->q, 1 << 30);
    }
    return r;
}

/* One semaphore command on a live set s. */
static long sem_cmd(struct semset *s, int slot, int num, int cmd, u64 arg)
{
    bool one = cmd == GETVAL || cmd == SETVAL || cmd == GETPID || cmd == GETNCNT ||
               cmd == GETZCNT;
    if (one && (num < 0 || num >= s->nsems))
        return -EINVAL;
    switch (cmd) {
    case IPC_STAT:
        return sem_stat(s, (void *)arg);
    case IPC_RMID:
        sets[slot] = NULL;
        s->dead = true;
        if (s->sleepers == 0)
            kfree(s);
        else
            waitq_wake(&s->q, 1 << 30);
        return 0;
    case IPC_SET: {
        struct semid64_ds ds;
        if (copy_from_user(&ds, (void *)arg, sizeof(ds)) < 0)
            return -EFAULT;
        s->perm.uid = ds.perm.uid;
        s->perm.gid = ds.perm.gid;
        s->perm.mode = (s->perm.mode & ~0777) | (ds.perm.mode & 0777);
        s->ctime = ipc_now_sec();
        return 0;
    }
    case GETVAL:
        return s->sems[num].val;
    case GETPID:
        return s->sems[num].pid;
    case GETNCNT:
        return sem_count(s, num, false);
    case GETZCNT:
        return sem_count(s, num, true);
    case SETVAL: {
        int v = (int)arg;
        if (v < 0 || v > SEMVMX)
            return -ERANGE;
        s->sems[num].val = (u16)v;
        s->sems[num].pid = PID_SELF;
        s->ctime = ipc_now_sec();
        waitq_wake(&s->q, 1 << 30);
        return 0;
    }
    case GETALL:
        for (int i = 0; i < s->nsems; i++) {
            if (copy_to_user((u16 *)arg + i, &s->sems[i].val, sizeof(u16)) < 0)
                return -EFAULT;
        }
        return 0;
    case SETALL:
        return sem_setall(s, (void *)arg);
    default:
        return -EINVAL;
    }
}

// partial: IPC_SET and the permission bits are not checked against the caller (solo runs as its one user)
long sys_semctl(int id, int num, int cmd, u64 arg)
{
    if (cmd == IPC_INFO || cmd == SEM_INFO)
        return sem_info(cmd, (void *)arg);
    if (id < 0)
        return -EINVAL;
    if (cmd == SEM_STAT || cmd == SEM_STAT_ANY) {
        if (id >= SEMMNI_SOLO || sets[id] == NULL)
            return -EINVAL;
        long r = sem_stat(sets[id], (void *)arg);
        return r < 0 ? r : sets[id]->perm.seq * SEQ_MUL + id;
    }
    struct semset *s = set_get(id);
    if (s == NULL)
        return -EINVAL;
    return sem_cmd(s, id % SEQ_MUL, num, cmd, arg);
}
