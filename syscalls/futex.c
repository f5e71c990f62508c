/*
 * futex.c - futex(2): WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE,
 * CMP_REQUEUE and WAKE_OP, with relative or absolute timeouts.  There is one
 * address space, so private and shared futexes are both keyed by the user
 * virtual address.  Waiters hang on one of a fixed set of hashed wait queues
 * and carry their key and bitset; wakers scan the bucket for matches.
 * Kernel code is not preempted, so "read the word, then sleep" is atomic
 * with respect to wakers.  A signal ends a wait with -EINTR (restarted after
 * an SA_RESTART handler when the wait has no timeout, as in Linux).
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

struct timespec_k { s64 tv_sec, tv_nsec; };

static struct waitq buckets[NBUCKETS];

static struct waitq *bucket(u64 key) { return &buckets[(key >> 2) % NBUCKETS]; }

static int read_word(u64 uaddr, u32 *v)
{
    if ((uaddr & 3) != 0)
        return -EINVAL;
    return copy_from_user(v, (void *)uaddr, sizeof(*v));
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
    u64 ns = (u64)ts.tv_sec * 1000000000UL + (u64)ts.tv_nsec;
    u64 now = now_ns();
    if (!absolute)
        *deadline = now + ns;
    else if (realtime)
        *deadline = ns > realtime_ns() ? now + (ns - realtime_ns()) : 1;
    else
        *deadline = ns > 0 ? ns : 1;
    return 0;
}

static long futex_wait(u64 uaddr, u32 val, u64 deadline, u32 bitset)
{
    u32 cur;
    int r = read_word(uaddr, &cur);
    if (r < 0)
        return r;
    if (cur != val)
        return -EAGAIN;
    current->futex_key = uaddr;
    current->futex_bitset = bitset;
    r = waitq_wait_intr(bucket(uaddr), deadline);
    current->futex_key = 0;
    return r;
}

/* Wake up to n waiters on uaddr whose bitset intersects bitset. */
static int futex_wake(u64 uaddr, int n, u32 bitset)
{
    struct waitq *q = bucket(uaddr);
    int woken = 0;
    struct thread *t = q->head;
    while (t != NULL && woken < n) {
        struct thread *next = t->wait_next;
        if (t->futex_key == uaddr && (t->futex_bitset & bitset) != 0) {
            thread_wake(t, 0);
            woken++;
        }
        t = next;
    }
    return woken;
}

static int futex_requeue(u64 uaddr, int nwake, int nmove, u64 uaddr2)
{
    struct waitq *q = bucket(uaddr), *q2 = bucket(uaddr2);
    int woken = 0, moved = 0;
    struct thread *t = q->head;
    while (t != NULL && (woken < nwake || moved < nmove)) {
        struct thread *next = t->wait_next;
        if (t->futex_key == uaddr) {
            if (woken < nwake) {
                thread_wake(t, 0);
                woken++;
            } else {
                t->futex_key = uaddr2;
                if (q2 != q)
                    waitq_requeue(t, q2);
                moved++;
            }
        }
        t = next;
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
