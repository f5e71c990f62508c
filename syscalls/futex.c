/*
 * futex.c - futex(2): WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE,
 * CMP_REQUEUE and WAKE_OP, with relative or absolute timeouts, the
 * priority-inheritance operations (LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI,
 * WAIT_REQUEUE_PI, CMP_REQUEUE_PI), and futex_waitv(2), which waits on up to
 * 128 words at once.  There is one address space, so private and shared
 * futexes are both keyed by the user virtual address.
 *
 * A waiter is a struct futex_node (on the sleeping thread's kernel stack)
 * per word it waits on, linked in FIFO order on one of a fixed set of hashed
 * buckets; futex_waitv links several nodes of one thread, possibly on several
 * buckets.  The thread itself sleeps on no wait queue.  A waker unlinks each
 * matching node, marks it woken and wakes its thread; when the thread runs
 * again it unlinks the nodes still linked, so "woken" is decided by the
 * nodes, not by why the thread ran: a wake that raced with a timeout or a
 * signal still counts, as in Linux.  Kernel code is not preempted (and runs
 * under the big kernel lock), so "read the words, then sleep" is atomic with
 * respect to wakers.  A signal ends a wait with -EINTR (restarted after an
 * SA_RESTART handler when the wait has no timeout or an absolute one, as
 * Linux does).
 *
 * PI futexes keep no kernel state besides their waiters: the owner is the
 * TID in the user word (FUTEX_WAITERS set while anyone may wait, so the
 * owner's user-space unlock fails and it calls UNLOCK_PI) and, while there
 * are waiters, the owner recorded in them (the kernel's view, which user
 * code cannot overwrite: a robust-list walk in user space may zero the TID
 * before its thread exits).  A PI waiter is a node of kind FN_PI, served in
 * FIFO order (solo's threads all have one priority): UNLOCK_PI writes the top
 * waiter's TID | FUTEX_WAITERS into the word and wakes it, so the lock passes
 * directly.  A WAIT_REQUEUE_PI waiter
 * (FN_RQ) waits on the condition word until CMP_REQUEUE_PI either takes the
 * PI lock for it or moves it onto the PI word as an FN_PI waiter.  When an
 * owner exits, its locks pass to their top waiters with FUTEX_OWNER_DIED.
 * User code on other CPUs may change a word at any time, so the kernel
 * changes PI words only with compare-and-exchange.
 */
#include "syscalls.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI 12
#define FUTEX_LOCK_PI2 13
#define FUTEX_WAITERS 0x80000000U
#define FUTEX_OWNER_DIED 0x40000000U
#define FUTEX_TID_MASK 0x3fffffffU
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_ANY 0xffffffffU
#define NBUCKETS 64

#define FUTEX2_SIZE_U32 0x02
#define FUTEX2_SIZE_MASK 0x03
#define FUTEX2_PRIVATE FUTEX_PRIVATE_FLAG
#define FUTEX_WAITV_MAX 128
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1

struct timespec_k { s64 tv_sec, tv_nsec; };

enum { FN_WAIT, FN_PI, FN_RQ };

struct futex_node {
    u64 key;                           /* user address of the word */
    u32 bitset;
    u8 kind;                           /* FN_*: plain waiter, PI lock waiter, WAIT_REQUEUE_PI */
    bool woken;                        /* FN_PI/FN_RQ: woken = now owns the PI lock */
    bool requeued;                     /* FN_PI: was an FN_RQ moved here by CMP_REQUEUE_PI */
    u64 key2;                          /* FN_RQ: the PI word it may be requeued to */
    u32 owner;                         /* FN_PI: TID of the lock's owner (the same in all its waiters) */
    struct thread *t;
    struct futex_node *next;           /* bucket link */
};

struct bucket {
    struct futex_node *head, *tail;
};

static struct bucket buckets[NBUCKETS];

static struct bucket *bucket(u64 key) { return &buckets[(key >> 2) % NBUCKETS]; }

static void node_link(struct futex_node *n)
{
    struct bucket *b = bucket(n->key);
    n->next = NULL;
    if (b->tail != NULL)
        b->tail->next = n;
    else
        b->head = n;
    b->tail = n;
}

/* Take n off its bucket; prev is the node before it, or NULL when it is first. */
static void node_unlink_after(struct bucket *b, struct futex_node *prev, struct futex_node *n)
{
    if (prev != NULL)
        prev->next = n->next;
    else
        b->head = n->next;
    if (b->tail == n)
        b->tail = prev;
    n->next = NULL;
}

/* Take n off its bucket if it is still there (not woken). */
static void node_unlink(struct futex_node *n)
{
    struct bucket *b = bucket(n->key);
    struct futex_node *prev = NULL;
    for (struct futex_node *c = b->head; c != NULL; prev = c, c = c->next) {
        if (c == n) {
            node_unlink_after(b, prev, n);
            return;
        }
    }
}

static int read_word(u64 uaddr, u32 *v)
{
    if ((uaddr & 3) != 0)
        return -EINVAL;
    return copy_from_user(v, (void *)uaddr, sizeof(*v));
}

/* Convert a checked timespec to a now_ns() deadline (never 0). */
static u64 deadline_of(const struct timespec_k *ts, bool absolute, bool realtime)
{
    u64 ns = (u64)ts->tv_sec * 1000000000UL + (u64)ts->tv_nsec;
    u64 now = now_ns();
    if (!absolute)
        return now + ns;
    if (realtime)
        return realtime_to_now(ns);
    return ns > 0 ? ns : 1;
}

/* Convert the user timeout to a now_ns() deadline (0 = none). */
static int timeout_deadline(u64 uts, bool absolute, bool realtime, u64 *deadline)
{
    struct timespec_k ts;
    *deadline = 0;
    if (uts == 0)
        return 0;
    if (copy_from_user(&ts, (void *)uts, sizeof(ts)) < 0)
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
        return -EINVAL;
    *deadline = deadline_of(&ts, absolute, realtime);
    return 0;
}

/* Sleep with the nodes v[0..n) linked until one is woken, the deadline
 * passes or a signal arrives; unlink the rest.  The highest woken index, or
 * -ETIMEDOUT / -EINTR. */
static long sleep_on_nodes(struct futex_node *v, u32 n, u64 deadline)
{
    int r = waitq_wait_intr(NULL, deadline);
    long woken = -1;
    for (u32 i = 0; i < n; i++) {
        if (v[i].woken)
            woken = i;
        else
            node_unlink(&v[i]);
    }
    if (woken >= 0)
        return woken;
    return r == -ETIMEDOUT ? -ETIMEDOUT : -EINTR;
}

static long futex_wait(u64 uaddr, u32 val, u64 deadline, u32 bitset)
{
    u32 cur;
    int r = read_word(uaddr, &cur);
    if (r < 0)
        return r;
    if (cur != val)
        return -EAGAIN;
    struct futex_node n = { .key = uaddr, .bitset = bitset, .t = current };
    node_link(&n);
    long w = sleep_on_nodes(&n, 1, deadline);
    return w >= 0 ? 0 : w;
}

/* Wake up to n waiters on uaddr whose bitset intersects bitset. */
static int futex_wake(u64 uaddr, int n, u32 bitset)
{
    struct bucket *b = bucket(uaddr);
    struct futex_node *prev = NULL, *c = b->head;
    int woken = 0;
    while (c != NULL && woken < n) {
        struct futex_node *next = c->next;
        if (c->key == uaddr && c->kind != FN_WAIT)
            return -EINVAL;            /* a PI waiter: WAKE is the wrong call */
        if (c->key == uaddr && (c->bitset & bitset) != 0) {
            node_unlink_after(b, prev, c);
            c->woken = true;
            thread_wake(c->t, 0);
            woken++;
        } else {
            prev = c;
        }
        c = next;
    }
    return woken;
}

static int futex_requeue(u64 uaddr, int nwake, int nmove, u64 uaddr2)
{
    struct bucket *b = bucket(uaddr);
    struct futex_node *prev = NULL, *c = b->head;
    int woken = 0, moved = 0;
    while (c != NULL && (woken < nwake || moved < nmove)) {
        struct futex_node *next = c->next;
        if (c->key != uaddr) {
            prev = c;
        } else if (c->kind != FN_WAIT) {
            return -EINVAL;            /* PI waiters move only with CMP_REQUEUE_PI */
        } else if (woken < nwake) {
            node_unlink_after(b, prev, c);
            c->woken = true;
            thread_wake(c->t, 0);
            woken++;
        } else if (bucket(uaddr2) == b) {
            c->key = uaddr2;           /* same bucket: keep its place */
            prev = c;
            moved++;
        } else {
            node_unlink_after(b, prev, c);
            c->key = uaddr2;
            node_link(c);
            moved++;
        }
        c = next;
    }
    return woken + moved;
}

/* FUTEX_WAKE_OP: *uaddr2 = op(*uaddr2, oparg); wake uaddr; maybe wake uaddr2. */
static long futex_wake_op(u64 uaddr, int n, int n2, u64 uaddr2, u32 op3)
{
    u32 op = (op3 >> 28) & 7, cmp = (op3 >> 24) & 15;
    u32 oparg = (op3 >> 12) & 0xfff, cmparg = op3 & 0xfff;
    u32 old, nv;
    if ((op3 >> 28) & 8)
        oparg = 1U << (oparg & 31);
    int r = read_word(uaddr2, &old);
    if (r < 0)
        return r;
    switch (op) {
    case 0: nv = oparg; break;
    case 1: nv = old + oparg; break;
    case 2: nv = old | oparg; break;
    case 3: nv = old & ~oparg; break;
    case 4: nv = old ^ oparg; break;
    default: return -ENOSYS;
    }
    if (copy_to_user((void *)uaddr2, &nv, sizeof(nv)) < 0)
        return -EFAULT;
    s32 o = (s32)old, c = (s32)((cmparg & 0x800) ? (cmparg | 0xfffff000U) : cmparg);
    bool hit;
    switch (cmp) {
    case 0: hit = o == c; break;
    case 1: hit = o != c; break;
    case 2: hit = o < c; break;
    case 3: hit = o <= c; break;
    case 4: hit = o > c; break;
    case 5: hit = o >= c; break;
    default: return -ENOSYS;
    }
    int woken = futex_wake(uaddr, n, FUTEX_BITSET_ANY);
    if (woken < 0)
        return woken;
    if (hit) {
        int w2 = futex_wake(uaddr2, n2, FUTEX_BITSET_ANY);
        if (w2 < 0)
            return w2;
        woken += w2;
    }
    return woken;
}

/* ---------------------------------------------------------------- PI futexes */

/* The first waiter for the PI lock at uaddr (FIFO: all threads have one priority). */
static struct futex_node *pi_top(u64 uaddr)
{
    for (struct futex_node *c = bucket(uaddr)->head; c != NULL; c = c->next)
        if (c->key == uaddr && c->kind == FN_PI)
            return c;
    return NULL;
}

/* Wake n, which now owns its PI lock: the other waiters wait for it. */
static void pi_grant(struct futex_node *n)
{
    node_unlink(n);
    n->woken = true;
    thread_wake(n->t, 0);
    for (struct futex_node *c = bucket(n->key)->head; c != NULL; c = c->next)
        if (c->key == n->key && c->kind == FN_PI)
            c->owner = (u32)n->t->tid;
}

/* Give the PI lock at uaddr, whose word read v, to its first waiter top:
 * the word becomes top's TID | FUTEX_WAITERS | extra.  0, 1 when the word
 * changed under us (look again), or -EFAULT. */
static int pi_handoff(u64 uaddr, struct futex_node *top, u32 v, u32 extra)
{
    u32 nv = (u32)top->t->tid | FUTEX_WAITERS | extra, cur;
    if (cmpxchg_user_u32(uaddr, v, nv, &cur) < 0)
        return -EFAULT;
    if (cur != v)
        return 1;
    pi_grant(top);
    return 0;
}

/*
 * Try to take the PI lock at uaddr for thread t, as LOCK_PI's first step:
 * 1 when taken (the word then holds t's TID, keeping FUTEX_OWNER_DIED, with
 * FUTEX_WAITERS if set_waiters), 0 when another thread owns it (FUTEX_WAITERS
 * is then set, so the owner's unlock comes to the kernel), or -errno:
 * EDEADLK when t owns it already, ESRCH when the owner TID names no thread
 * (FUTEX_WAITERS stays set, as in Linux), EINVAL when waiters are queued but
 * the word names no owner and no dead one.  *owner: the owner's TID.
 */
static int pi_lock_atomic(u64 uaddr, struct thread *t, bool set_waiters, u32 *owner_out)
{
    for (;;) {
        u32 v, cur, nv;
        int r = read_word(uaddr, &v);
        if (r < 0)
            return r;
        u32 owner = v & FUTEX_TID_MASK;
        if (owner == (u32)t->tid)
            return -EDEADLK;
        struct futex_node *top = pi_top(uaddr);
        bool queued = top != NULL;
        if (queued && owner == 0 && (v & FUTEX_OWNER_DIED) == 0)
            return -EINVAL;            /* waiters but no owner: the word was overwritten */
        if (queued)
            owner = top->owner;        /* the kernel's owner (a robust walk may have zeroed the TID) */
        *owner_out = owner;
        if (owner == (u32)t->tid)
            return -EDEADLK;
        if (owner == 0)
            nv = (v & FUTEX_OWNER_DIED) | (u32)t->tid | (set_waiters ? FUTEX_WAITERS : 0);
        else
            nv = v | FUTEX_WAITERS;
        if (cmpxchg_user_u32(uaddr, v, nv, &cur) < 0)
            return -EFAULT;
        if (cur != v)
            continue;                  /* user code changed it meanwhile: look again */
        if (owner == 0)
            return 1;
        if (thread_by_tid((int)owner) == NULL)
            return queued ? -EINVAL : -ESRCH;
        return 0;
    }
}

/* LOCK_PI, LOCK_PI2 and TRYLOCK_PI: take the lock or (unless trylock) wait
 * until UNLOCK_PI or the owner's exit hands it over. */
static long futex_lock_pi(u64 uaddr, u64 deadline, bool trylock)
{
    u32 owner;
    int r = pi_lock_atomic(uaddr, current, false, &owner);
    if (r != 0)
        return r > 0 ? 0 : r;
    if (trylock)
        return -EAGAIN;
    struct futex_node n = { .key = uaddr, .bitset = FUTEX_BITSET_ANY, .kind = FN_PI, .t = current,
                            .owner = owner };
    node_link(&n);
    long w = sleep_on_nodes(&n, 1, deadline);
    return w >= 0 ? 0 : w;             /* -EINTR is always restarted (signal_frame.c) */
}

/* UNLOCK_PI: only the owner may; the lock goes straight to the top waiter. */
static long futex_unlock_pi(u64 uaddr)
{
    for (;;) {
        u32 v;
        if (copy_from_user(&v, (void *)uaddr, sizeof(v)) < 0)
            return -EFAULT;
        if ((v & FUTEX_TID_MASK) != (u32)current->tid)
            return -EPERM;             /* checked before the alignment, as Linux */
        if ((uaddr & 3) != 0)
            return -EINVAL;
        struct futex_node *top = pi_top(uaddr);
        int r;
        if (top != NULL && top->owner != (u32)current->tid)
            return -EINVAL;            /* the word names us, the waiters another owner */
        if (top != NULL) {
            r = pi_handoff(uaddr, top, v, 0);
        } else {
            u32 cur;
            r = cmpxchg_user_u32(uaddr, v, 0, &cur);
            if (r == 0 && cur != v)
                r = 1;
        }
        if (r <= 0)
            return r;
    }
}

/* WAIT_REQUEUE_PI: wait on uaddr (holding val) until CMP_REQUEUE_PI gives
 * this thread the PI lock at uaddr2, directly or after queueing it there. */
static long futex_wait_requeue_pi(u64 uaddr, u32 val, u64 deadline, u64 uaddr2)
{
    u32 cur;
    if (uaddr == uaddr2)
        return -EINVAL;
    if ((uaddr2 & 3) != 0)
        return -EINVAL;
    int r = read_word(uaddr, &cur);
    if (r < 0)
        return r;
    if (cur != val)
        return -EAGAIN;
    struct futex_node n = { .key = uaddr, .bitset = FUTEX_BITSET_ANY, .kind = FN_RQ,
                            .t = current, .key2 = uaddr2 };
    node_link(&n);
    long w = sleep_on_nodes(&n, 1, deadline);
    if (w >= 0)
        return 0;
    if (w == -EINTR && n.requeued)
        return -EAGAIN;                /* Linux: a restart would find val changed */
    return w;                          /* -EINTR before the requeue restarts */
}

/* A WAIT_REQUEUE_PI waiter on uaddr that CMP_REQUEUE_PI may move to uaddr2. */
static int rq_check(const struct futex_node *c, u64 uaddr2)
{
    return c->kind == FN_RQ && c->key2 == uaddr2 ? 0 : -EINVAL;
}

/* CMP_REQUEUE_PI: take the PI lock at uaddr2 for uaddr's top waiter if it
 * is free, then move up to nr_requeue waiters (one more when the lock was
 * not taken) onto uaddr2.  The number woken plus moved. */
static long futex_cmp_requeue_pi(u64 uaddr, int nr_wake, int nr_requeue, u64 uaddr2, u32 cmpval)
{
    u32 cur;
    if (nr_wake < 0 || nr_requeue < 0 || uaddr == uaddr2 || nr_wake != 1)
        return -EINVAL;
    if ((uaddr & 3) != 0 || (uaddr2 & 3) != 0)
        return -EINVAL;
    int r = read_word(uaddr, &cur);
    if (r < 0)
        return r;
    if (cur != cmpval)
        return -EAGAIN;
    struct bucket *b = bucket(uaddr);
    struct futex_node *top = NULL;
    for (struct futex_node *c = b->head; c != NULL && top == NULL; c = c->next)
        if (c->key == uaddr)
            top = c;
    if (top == NULL)
        return 0;
    if (rq_check(top, uaddr2) < 0)
        return -EINVAL;
    u32 owner;
    r = pi_lock_atomic(uaddr2, top->t, nr_requeue != 0, &owner);
    if (r < 0)
        return r;
    int count = 0;
    if (r == 1) {
        node_unlink(top);
        top->woken = true;
        thread_wake(top->t, 0);
        owner = (u32)top->t->tid;
        count = 1;
    }
    struct futex_node *prev = NULL, *c = b->head;
    while (c != NULL && count - nr_wake < nr_requeue) {
        struct futex_node *next = c->next;
        if (c->key != uaddr) {
            prev = c;
        } else if (rq_check(c, uaddr2) < 0) {
            return -EINVAL;
        } else {
            node_unlink_after(b, prev, c);
            c->key = uaddr2;
            c->kind = FN_PI;
            c->requeued = true;
            c->owner = owner;
            node_link(c);
            count++;
        }
        c = next;
    }
    return count;
}

/* Pass the PI lock at uaddr, whose owner died, to its top waiter: the word
 * becomes its TID | FUTEX_WAITERS | FUTEX_OWNER_DIED, whatever it held. */
static void pi_owner_died(u64 uaddr)
{
    struct futex_node *top = pi_top(uaddr);
    for (int tries = 0; tries < 100; tries++) {
        u32 v;
        if (copy_from_user(&v, (void *)uaddr, sizeof(v)) < 0)
            break;
        if (pi_handoff(uaddr, top, v, FUTEX_OWNER_DIED) <= 0)
            return;
    }
    pi_grant(top);                     /* the word cannot be written: it owns the lock anyway */
}

/*
 * Thread exit: every PI lock the thread owns that has waiters passes to its
 * top waiter, marked FUTEX_OWNER_DIED (called before the robust list walk,
 * which then finds those words no longer the thread's).
 */
void futex_pi_exit(struct thread *t)
{
    for (int i = 0; i < NBUCKETS; i++) {
        struct futex_node *c = buckets[i].head;
        while (c != NULL) {
            if (c->kind != FN_PI || c->owner != (u32)t->tid) {
                c = c->next;
                continue;
            }
            pi_owner_died(c->key);
            c = buckets[i].head;       /* a waiter left: rescan */
        }
    }
}

// partial: no priority boosting (solo's scheduler has no priorities): PI waiters are served in FIFO order
long sys_futex(u64 uaddr, int op, u32 val, u64 utime, u64 uaddr2, u32 val3)
{
    int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    bool realtime = (op & FUTEX_CLOCK_REALTIME) != 0;
    u64 deadline;
    int r;
    u32 cur;

    if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT && cmd != FUTEX_LOCK_PI2 &&
        cmd != FUTEX_WAIT_REQUEUE_PI)
        return -ENOSYS;
    switch (cmd) {
    case FUTEX_LOCK_PI:                /* absolute CLOCK_REALTIME timeout */
    case FUTEX_LOCK_PI2:               /* absolute, CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME */
        r = timeout_deadline(utime, true, cmd == FUTEX_LOCK_PI || realtime, &deadline);
        return r < 0 ? r : futex_lock_pi(uaddr, deadline, false);
    case FUTEX_TRYLOCK_PI:
        return futex_lock_pi(uaddr, 0, true);
    case FUTEX_UNLOCK_PI:
        return futex_unlock_pi(uaddr);
    case FUTEX_WAIT_REQUEUE_PI:
        r = timeout_deadline(utime, true, realtime, &deadline);
        return r < 0 ? r : futex_wait_requeue_pi(uaddr, val, deadline, uaddr2);
    case FUTEX_CMP_REQUEUE_PI:
        return futex_cmp_requeue_pi(uaddr, (int)val, (int)(u32)utime, uaddr2, val3);
    case FUTEX_WAIT:
        r = timeout_deadline(utime, false, false, &deadline);
        return r < 0 ? r : futex_wait(uaddr, val, deadline, FUTEX_BITSET_ANY);
    case FUTEX_WAIT_BITSET:
        if (val3 == 0)
            return -EINVAL;
        r = timeout_deadline(utime, true, realtime, &deadline);
        return r < 0 ? r : futex_wait(uaddr, val, deadline, val3);
    case FUTEX_WAKE:
        return (uaddr & 3) != 0 ? -EINVAL : futex_wake(uaddr, (int)MIN(val, 0x7fffffffU), FUTEX_BITSET_ANY);
    case FUTEX_WAKE_BITSET:
        if (val3 == 0)
            return -EINVAL;
        return futex_wake(uaddr, (int)MIN(val, 0x7fffffffU), val3);
    case FUTEX_CMP_REQUEUE:
        r = read_word(uaddr, &cur);
        if (r < 0)
            return r;
        if (cur != val3)
            return -EAGAIN;
        /* fall through */
    case FUTEX_REQUEUE:
        if ((s32)val < 0 || (s64)utime < 0 || (uaddr2 & 3) != 0)
            return -EINVAL;
        return futex_requeue(uaddr, (int)val, (int)MIN(utime, 0x7fffffffUL), uaddr2);
    case FUTEX_WAKE_OP:
        return futex_wake_op(uaddr, (int)val, (int)MIN(utime, 0x7fffffffUL), uaddr2, val3);
    default:
        return -ENOSYS;
    }
}

/* Used by thread exit for CLONE_CHILD_CLEARTID. */
void futex_wake_addr(u64 uaddr, int n)
{
    (void)futex_wake(uaddr, n, FUTEX_BITSET_ANY);
}

/* ---------------------------------------------------------------- futex_waitv */

struct futex_waitv_k {
    u64 val;
    u64 uaddr;
    u32 flags;
    u32 reserved;
};

/* futex_waitv's absolute timeout on clockid: 0 and a deadline (0 = none), or -errno. */
static int waitv_deadline(u64 uts, int clockid, u64 *deadline)
{
    struct timespec_k ts;
    *deadline = 0;
    if (uts == 0)
        return 0;
    if (clockid != CLOCK_REALTIME && clockid != CLOCK_MONOTONIC)
        return -EINVAL;
    if (copy_from_user(&ts, (void *)uts, sizeof(ts)) < 0)
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
        return -EINVAL;
    *deadline = deadline_of(&ts, true, clockid == CLOCK_REALTIME);
    return 0;
}

/* Copy and check the entries (flags, reserved, value range), then the
 * addresses (alignment; a shared futex must be mapped).  Linux's order. */
static int waitv_parse(u64 uwaiters, u32 n, struct futex_node *v, u32 *vals)
{
    struct futex_waitv_k w;
    bool shared[FUTEX_WAITV_MAX];
    for (u32 i = 0; i < n; i++) {
        if (copy_from_user(&w, (void *)(uwaiters + i * sizeof(w)), sizeof(w)) < 0)
            return -EFAULT;
        if ((w.flags & ~(u32)(FUTEX2_SIZE_MASK | FUTEX2_PRIVATE)) != 0 || w.reserved != 0)
            return -EINVAL;
        if ((w.flags & FUTEX2_SIZE_MASK) != FUTEX2_SIZE_U32 || w.val > 0xffffffffUL)
            return -EINVAL;
        v[i] = (struct futex_node){ .key = w.uaddr, .bitset = FUTEX_BITSET_ANY, .t = current };
        vals[i] = (u32)w.val;
        shared[i] = (w.flags & FUTEX2_PRIVATE) == 0;
    }
    for (u32 i = 0; i < n; i++) {
        u32 cur;
        if ((v[i].key & 3) != 0)
            return -EINVAL;
        if (!user_range_ok((void *)v[i].key, sizeof(u32)))
            return -EFAULT;
        if (shared[i] && copy_from_user(&cur, (void *)v[i].key, sizeof(cur)) < 0)
            return -EFAULT;
    }
    return 0;
}

// partial: FUTEX2_NUMA in an entry's flags is EINVAL (no node-aware futexes)
long sys_futex_waitv(u64 uwaiters, u32 nr, u32 flags, u64 utimeout, int clockid)
{
    if (flags != 0)
        return -EINVAL;
    if (nr == 0 || nr > FUTEX_WAITV_MAX || uwaiters == 0)
        return -EINVAL;
    u64 deadline;
    int r = waitv_deadline(utimeout, clockid, &deadline);
    if (r < 0)
        return r;
    struct futex_node *v = kmalloc(nr * sizeof(*v));
    u32 *vals = kmalloc(nr * sizeof(u32));
    long ret = -ENOMEM;
    if (v == NULL || vals == NULL)
        goto out;
    ret = waitv_parse(uwaiters, nr, v, vals);
    if (ret < 0)
        goto out;
    for (u32 i = 0; i < nr; i++) {
        u32 cur;
        if (copy_from_user(&cur, (void *)v[i].key, sizeof(cur)) < 0)
            ret = -EFAULT;
        else if (cur != vals[i])
            ret = -EAGAIN;
        if (ret < 0) {
            for (u32 j = 0; j < i; j++)
                node_unlink(&v[j]);
            goto out;
        }
        node_link(&v[i]);
    }
    ret = sleep_on_nodes(v, nr, deadline);
out:
    kfree(vals);
    kfree(v);
    return ret;
}
