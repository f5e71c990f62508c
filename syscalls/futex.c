/*
 * futex.c - futex(2): WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE,
 * CMP_REQUEUE and WAKE_OP, with relative or absolute timeouts, and
 * futex_waitv(2), which waits on up to 128 words at once.  There is one
 * address space, so private and shared futexes are both keyed by the user
 * virtual address.
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
 */
#include "syscalls.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
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

struct futex_node {
    u64 key;                           /* user address of the word */
    u32 bitset;
    bool woken;
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
    if (hit)
        woken += futex_wake(uaddr2, n2, FUTEX_BITSET_ANY);
    return woken;
}

// partial: PI futexes (LOCK_PI, UNLOCK_PI, WAIT_REQUEUE_PI) return ENOSYS
long sys_futex(u64 uaddr, int op, u32 val, u64 utime, u64 uaddr2, u32 val3)
{
    int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    bool realtime = (op & FUTEX_CLOCK_REALTIME) != 0;
    u64 deadline;
    int r;
    u32 cur;

    if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
        return -ENOSYS;
    switch (cmd) {
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
