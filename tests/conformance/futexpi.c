/*
 * futexpi.c - priority-inheritance futexes made directly: LOCK_PI,
 * LOCK_PI2, TRYLOCK_PI and UNLOCK_PI on the futex word (owner TID,
 * FUTEX_WAITERS, FUTEX_OWNER_DIED), their errors (EDEADLK, ESRCH, EPERM,
 * EINVAL, EFAULT, ENOSYS, EAGAIN, ETIMEDOUT on each clock), the direct
 * hand-off to the first waiter (FIFO among equal priorities), the lock
 * passing with FUTEX_OWNER_DIED when its owner exits, WAIT_REQUEUE_PI /
 * CMP_REQUEUE_PI (lock taken for the waiter, waiters moved onto the PI
 * word, timeout after the requeue, argument errors), and glibc's
 * PTHREAD_PRIO_INHERIT mutexes (robust too) with condition variables
 * shared by several threads.
 */
// covers: futex gettid exit
#include "common.h"
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI 12
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE 128
#define FUTEX_CLOCK_RT 256
#define FUTEX_WAITERS 0x80000000U
#define FUTEX_OWNER_DIED 0x40000000U
#define FUTEX_TID_MASK 0x3fffffffU
#define NO_TID 0x3fff0000U             /* above any pid_max: no such thread */

static long fx(uint32_t *a, int op, uint32_t v, const void *t, uint32_t *a2, uint32_t v3)
{
    return syscall(SYS_futex, a, op, v, t, a2, v3);
}

static uint32_t tid(void) { return (uint32_t)syscall(SYS_gettid); }

static void msleep(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* now + ms on clock c, as an absolute timespec. */
static struct timespec after(clockid_t c, long ms)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    ts.tv_nsec += ms * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    return ts;
}

/* Describe w relative to the thread owner: "owner", "owner|WAITERS", ... */
static const char *word_is(uint32_t w, uint32_t owner)
{
    static char buf[64];
    snprintf(buf, sizeof(buf), "%s%s%s", (w & FUTEX_TID_MASK) == 0 ? "0" : (w & FUTEX_TID_MASK) == owner ? "owner" : "other",
             (w & FUTEX_WAITERS) ? "|WAITERS" : "", (w & FUTEX_OWNER_DIED) ? "|OWNER_DIED" : "");
    return buf;
}

/* Wait until another thread has queued itself on the PI word w. */
static void wait_queued(uint32_t *w)
{
    while ((__atomic_load_n(w, __ATOMIC_SEQ_CST) & FUTEX_WAITERS) == 0)
        sched_yield();
    msleep(40);
}

static void test_single(void)
{
    uint32_t w = 0, me = tid();
    show("lock_pi free", fx(&w, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    printf("word after lock: %s\n", word_is(w, me));
    show("lock_pi again", fx(&w, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    show("trylock_pi own", fx(&w, FUTEX_TRYLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    show("lock_pi2 own", fx(&w, FUTEX_LOCK_PI2 | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    show("unlock_pi", fx(&w, FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    printf("word after unlock: %s\n", word_is(w, me));
    show("unlock_pi not owner", fx(&w, FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    show("trylock_pi free", fx(&w, FUTEX_TRYLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    printf("word after trylock: %s\n", word_is(w, me));
    w |= FUTEX_WAITERS;                /* a stale WAITERS bit: unlock clears it */
    show("unlock_pi stale waiters", fx(&w, FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    printf("word: %s\n", word_is(w, me));

    w = FUTEX_OWNER_DIED;
    show("lock_pi owner died", fx(&w, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    printf("word: %s\n", word_is(w, me));
    fx(&w, FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0);
    printf("word after unlock: %s\n", word_is(w, me));

    w = NO_TID;
    show("trylock_pi dead owner", fx(&w, FUTEX_TRYLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    printf("word: %#x\n", w);
    w = NO_TID;
    show("lock_pi dead owner", fx(&w, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    printf("word: %#x\n", w);
    w = NO_TID | FUTEX_OWNER_DIED;
    show("lock_pi2 dead owner", fx(&w, FUTEX_LOCK_PI2 | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    printf("word: %#x\n", w);

    w = 0;
    show("lock_pi realtime flag", fx(&w, FUTEX_LOCK_PI | FUTEX_CLOCK_RT, 0, NULL, NULL, 0));
    show("trylock_pi realtime flag", fx(&w, FUTEX_TRYLOCK_PI | FUTEX_CLOCK_RT, 0, NULL, NULL, 0));
    show("unlock_pi realtime flag", fx(&w, FUTEX_UNLOCK_PI | FUTEX_CLOCK_RT, 0, NULL, NULL, 0));
    struct timespec bad = { 0, 1000000000L }, neg = { -1, 0 };
    show("lock_pi bad timeout", fx(&w, FUTEX_LOCK_PI, 0, &bad, NULL, 0));
    show("lock_pi negative timeout", fx(&w, FUTEX_LOCK_PI2, 0, &neg, NULL, 0));
    show("lock_pi timeout fault", fx(&w, FUTEX_LOCK_PI, 0, (void *)8, NULL, 0));
    printf("word: %s\n", word_is(w, me));
    show("lock_pi2 realtime flag", fx(&w, FUTEX_LOCK_PI2 | FUTEX_CLOCK_RT | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    printf("word: %s\n", word_is(w, me));
    show("unlock_pi shared op", fx(&w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));

    union { uint32_t align; char b[12]; } u = { 0 };
    show("lock_pi misaligned", fx((uint32_t *)(u.b + 1), FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    show("trylock_pi misaligned", fx((uint32_t *)(u.b + 2), FUTEX_TRYLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    show("unlock_pi misaligned not owner", fx((uint32_t *)(u.b + 1), FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    memcpy(u.b + 1, &me, sizeof(me));
    show("unlock_pi misaligned owner", fx((uint32_t *)(u.b + 1), FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    show("lock_pi bad address", fx((uint32_t *)16, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    show("unlock_pi bad address", fx((uint32_t *)16, FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
}

/* ---- contended locks */

static uint32_t lockw;
static volatile int order[4], norder, ready;

/* Wait until n threads are about to block, then give them time to. */
static void wait_ready(int n)
{
    while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < n)
        sched_yield();
    msleep(40);
}

struct job {
    int id;
    int op;                            /* FUTEX_LOCK_PI, LOCK_PI2 (| flags) or TRYLOCK_PI */
    long timeout_ms;                   /* 0: none */
    clockid_t clock;
    long ret;
    int err;
    char word[64];                     /* the word just after locking */
};

static void *locker(void *arg)
{
    struct job *j = arg;
    struct timespec ts = j->timeout_ms != 0 ? after(j->clock, j->timeout_ms) : (struct timespec){ 0, 0 };
    __atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
    j->ret = fx(&lockw, j->op, 0, j->timeout_ms != 0 ? &ts : NULL, NULL, 0);
    j->err = j->ret < 0 ? errno : 0;
    snprintf(j->word, sizeof(j->word), "%s", word_is(__atomic_load_n(&lockw, __ATOMIC_SEQ_CST), tid()));
    if (j->ret == 0) {
        order[norder++] = j->id;
        msleep(10);
        if (fx(&lockw, FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0) != 0)
            printf("job %d unlock failed: %s\n", j->id, errname(errno));
    }
    return NULL;
}

static void report(const char *what, const struct job *j)
{
    if (j->ret == 0)
        printf("%s: 0, word %s\n", what, j->word);
    else
        printf("%s: -1 %s\n", what, errname(j->err));
}

static void test_contended(void)
{
    uint32_t me = tid();
    pthread_t t[3];
    struct job j[3];

    /* One waiter: WAKE on its word is EINVAL; UNLOCK_PI hands it the lock. */
    lockw = 0;
    norder = 0;
    fx(&lockw, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0);
    j[0] = (struct job){ .id = 1, .op = FUTEX_LOCK_PI | FUTEX_PRIVATE };
    pthread_create(&t[0], NULL, locker, &j[0]);
    wait_queued(&lockw);
    printf("word with a waiter: %s\n", word_is(lockw, me));
    show("wake on a PI word", fx(&lockw, FUTEX_WAKE | FUTEX_PRIVATE, 1, NULL, NULL, 0));
    show("wait on a PI word", fx(&lockw, FUTEX_WAIT | FUTEX_PRIVATE, 1, NULL, NULL, 0));
    show("unlock_pi with a waiter", fx(&lockw, FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    pthread_join(t[0], NULL);
    report("waiter", &j[0]);
    printf("word at the end: %s\n", word_is(lockw, me));

    /* Timeouts on each clock, and TRYLOCK_PI, while the main thread holds it. */
    fx(&lockw, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0);
    j[0] = (struct job){ .id = 1, .op = FUTEX_LOCK_PI | FUTEX_PRIVATE, .timeout_ms = 30, .clock = CLOCK_REALTIME };
    j[1] = (struct job){ .id = 2, .op = FUTEX_LOCK_PI2 | FUTEX_PRIVATE, .timeout_ms = 30, .clock = CLOCK_MONOTONIC };
    j[2] = (struct job){ .id = 3, .op = FUTEX_LOCK_PI2 | FUTEX_PRIVATE | FUTEX_CLOCK_RT, .timeout_ms = 30, .clock = CLOCK_REALTIME };
    for (int i = 0; i < 3; i++) {
        pthread_create(&t[i], NULL, locker, &j[i]);
        pthread_join(t[i], NULL);
    }
    report("lock_pi realtime timeout", &j[0]);
    report("lock_pi2 monotonic timeout", &j[1]);
    report("lock_pi2 realtime timeout", &j[2]);
    j[0] = (struct job){ .id = 1, .op = FUTEX_TRYLOCK_PI | FUTEX_PRIVATE };
    lockw &= ~FUTEX_WAITERS;
    pthread_create(&t[0], NULL, locker, &j[0]);
    pthread_join(t[0], NULL);
    report("trylock_pi held", &j[0]);
    printf("word after the timeouts: %s\n", word_is(lockw, me));
    show("unlock_pi, nobody waiting", fx(&lockw, FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    printf("word: %s\n", word_is(lockw, me));

    /* Three waiters queued in turn get the lock in that order. */
    norder = 0;
    fx(&lockw, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0);
    for (int i = 0; i < 3; i++) {
        j[i] = (struct job){ .id = i + 1, .op = (i == 1 ? FUTEX_LOCK_PI2 : FUTEX_LOCK_PI) | FUTEX_PRIVATE };
        ready = 0;
        pthread_create(&t[i], NULL, locker, &j[i]);
        if (i == 0)
            wait_queued(&lockw);
        else
            wait_ready(1);
    }
    show("unlock_pi to the first of three", fx(&lockw, FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("order: %d %d %d\n", order[0], order[1], order[2]);
    for (int i = 0; i < 3; i++)
        report("fifo waiter", &j[i]);
    printf("word at the end: %s\n", word_is(lockw, me));
}

/* ---- an owner that exits holding the lock */

static volatile int held;

static void *hold_and_exit(void *arg)
{
    (void)arg;
    fx(&lockw, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0);
    __atomic_store_n(&held, 1, __ATOMIC_SEQ_CST);
    while ((__atomic_load_n(&lockw, __ATOMIC_SEQ_CST) & FUTEX_WAITERS) == 0)
        sched_yield();
    msleep(40);
    syscall(SYS_exit, 0);              /* this thread only, still owning lockw */
    return NULL;
}

static void test_owner_exit(void)
{
    pthread_t o, w;
    struct job j = { .id = 1, .op = FUTEX_LOCK_PI | FUTEX_PRIVATE };
    lockw = 0;
    norder = 0;
    held = 0;
    pthread_create(&o, NULL, hold_and_exit, NULL);
    while (!__atomic_load_n(&held, __ATOMIC_SEQ_CST))
        sched_yield();
    pthread_create(&w, NULL, locker, &j);
    pthread_join(w, NULL);
    report("waiter after the owner exited", &j);
    printf("word at the end: %s\n", word_is(lockw, 0));
    /* The owner gone and nobody waiting: the TID stays and names no thread. */
    held = 0;
    pthread_create(&o, NULL, hold_and_exit, NULL);
    while (!__atomic_load_n(&held, __ATOMIC_SEQ_CST))
        sched_yield();
    lockw |= FUTEX_WAITERS;            /* let it exit at once */
    msleep(100);
    lockw &= ~FUTEX_WAITERS;
    show("lock_pi, owner exited", fx(&lockw, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    fact("word still names the exited owner|WAITERS", (lockw & FUTEX_WAITERS) != 0 && (lockw & FUTEX_TID_MASK) != 0);
    lockw = 0;
}

/* ---- requeue-PI */

static uint32_t condw;

struct rq {
    long timeout_ms;
    long ret;
    int err;
    char word[64];
    int hold_ms;
};

static void *rq_waiter(void *arg)
{
    struct rq *r = arg;
    struct timespec ts = r->timeout_ms != 0 ? after(CLOCK_MONOTONIC, r->timeout_ms) : (struct timespec){ 0, 0 };
    __atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
    r->ret = fx(&condw, FUTEX_WAIT_REQUEUE_PI | FUTEX_PRIVATE, 0, r->timeout_ms != 0 ? &ts : NULL, &lockw, 0);
    r->err = r->ret < 0 ? errno : 0;
    snprintf(r->word, sizeof(r->word), "%s", word_is(__atomic_load_n(&lockw, __ATOMIC_SEQ_CST), tid()));
    if (r->ret == 0) {
        msleep(r->hold_ms);
        if (fx(&lockw, FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0) != 0)
            printf("rq unlock failed: %s\n", errname(errno));
    }
    return NULL;
}

static void rq_report(const char *what, const struct rq *r)
{
    if (r->ret == 0)
        printf("%s: 0, word %s\n", what, r->word);
    else
        printf("%s: -1 %s\n", what, errname(r->err));
}

static void *plain_waiter(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
    fx(&condw, FUTEX_WAIT | FUTEX_PRIVATE, 0, NULL, NULL, 0);
    return NULL;
}

static void test_requeue_pi(void)
{
    uint32_t me = tid(), x = 0;
    pthread_t t[2];
    struct rq r[2];
    struct timespec ts;

    condw = 0;
    lockw = 0;
    show("wait_requeue_pi same word", fx(&condw, FUTEX_WAIT_REQUEUE_PI | FUTEX_PRIVATE, 0, NULL, &condw, 0));
    show("wait_requeue_pi stale", fx(&condw, FUTEX_WAIT_REQUEUE_PI | FUTEX_PRIVATE, 1, NULL, &lockw, 0));
    show("wait_requeue_pi misaligned pi word", fx(&condw, FUTEX_WAIT_REQUEUE_PI | FUTEX_PRIVATE, 0, NULL, (uint32_t *)((char *)&lockw + 1), 0));
    ts = after(CLOCK_MONOTONIC, 20);
    show("wait_requeue_pi timeout", fx(&condw, FUTEX_WAIT_REQUEUE_PI | FUTEX_PRIVATE, 0, &ts, &lockw, 0));
    ts = after(CLOCK_REALTIME, 20);
    show("wait_requeue_pi realtime timeout", fx(&condw, FUTEX_WAIT_REQUEUE_PI | FUTEX_PRIVATE | FUTEX_CLOCK_RT, 0, &ts, &lockw, 0));
    show("cmp_requeue_pi nobody", fx(&condw, FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE, 1, (void *)1, &lockw, 0));
    show("cmp_requeue_pi stale", fx(&condw, FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE, 1, (void *)1, &lockw, 5));
    show("cmp_requeue_pi wake 2", fx(&condw, FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE, 2, (void *)1, &lockw, 0));
    show("cmp_requeue_pi wake 0", fx(&condw, FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE, 0, (void *)1, &lockw, 0));
    show("cmp_requeue_pi negative", fx(&condw, FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE, 1, (void *)(long)-1, &lockw, 0));
    show("cmp_requeue_pi same word", fx(&condw, FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE, 1, (void *)1, &condw, 0));
    show("cmp_requeue_pi misaligned", fx(&condw, FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE, 1, (void *)1, (uint32_t *)((char *)&lockw + 2), 0));
    show("cmp_requeue_pi bad address", fx((uint32_t *)16, FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE, 1, (void *)1, &lockw, 0));

    /* A plain FUTEX_WAIT waiter cannot be requeued to a PI word. */
    ready = 0;
    pthread_create(&t[0], NULL, plain_waiter, NULL);
    wait_ready(1);
    show("cmp_requeue_pi of a plain waiter", fx(&condw, FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE, 1, (void *)1, &lockw, 0));
    show("wake the plain waiter", fx(&condw, FUTEX_WAKE | FUTEX_PRIVATE, 1, NULL, NULL, 0));
    pthread_join(t[0], NULL);

    /* The PI word is free: the waiter gets it directly. */
    r[0] = (struct rq){ .hold_ms = 10 };
    ready = 0;
    pthread_create(&t[0], NULL, rq_waiter, &r[0]);
    wait_ready(1);
    show("wake on the condition word", fx(&condw, FUTEX_WAKE | FUTEX_PRIVATE, 1, NULL, NULL, 0));
    show("cmp_requeue_pi to another word", fx(&condw, FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE, 1, (void *)1, &x, 0));
    show("cmp_requeue_pi free lock", fx(&condw, FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE, 1, (void *)0, &lockw, 0));
    pthread_join(t[0], NULL);
    rq_report("requeued waiter", &r[0]);
    printf("word at the end: %s\n", word_is(lockw, me));

    /* The PI word is held: both waiters move onto it and get it in turn. */
    fx(&lockw, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0);
    ready = 0;
    for (int i = 0; i < 2; i++) {
        r[i] = (struct rq){ .hold_ms = 10 };
        pthread_create(&t[i], NULL, rq_waiter, &r[i]);
        wait_ready(i + 1);
    }
    show("cmp_requeue_pi held lock", fx(&condw, FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE, 1, (void *)INT_MAX, &lockw, 0));
    printf("word: %s\n", word_is(lockw, me));
    show("cmp_requeue_pi again", fx(&condw, FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE, 1, (void *)INT_MAX, &lockw, 0));
    show("unlock_pi to the requeued", fx(&lockw, FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0));
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        rq_report("requeued waiter", &r[i]);
    }
    printf("word at the end: %s\n", word_is(lockw, me));

    /* Requeued onto a held lock, the waiter's deadline passes. */
    fx(&lockw, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0);
    r[0] = (struct rq){ .timeout_ms = 250 };
    ready = 0;
    pthread_create(&t[0], NULL, rq_waiter, &r[0]);
    wait_ready(1);
    show("cmp_requeue_pi nr_requeue 0", fx(&condw, FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE, 1, (void *)0, &lockw, 0));
    pthread_join(t[0], NULL);
    rq_report("requeued waiter past its deadline", &r[0]);
    printf("word: %s\n", word_is(lockw, me));
    fx(&lockw, FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, NULL, NULL, 0);
    printf("word at the end: %s\n", word_is(lockw, me));
}

/* ---- glibc PTHREAD_PRIO_INHERIT mutexes and condition variables */

#define WORKERS 4
#define ROUNDS 200

static pthread_mutex_t pm;
static pthread_cond_t cv;
static int turn, total;

/* Workers take turns in a ring: each waits on cv until it is its turn. */
static void *ring_worker(void *arg)
{
    int me = (int)(intptr_t)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&pm);
        while (turn % WORKERS != me)
            pthread_cond_wait(&cv, &pm);
        turn++;
        total += me;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&pm);
    }
    return NULL;
}

static void *try_other(void *arg)
{
    return (void *)(intptr_t)pthread_mutex_trylock((pthread_mutex_t *)arg);
}

static pthread_mutex_t rpm;

static void *robust_die(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&rpm);
    __atomic_store_n(&held, 1, __ATOMIC_SEQ_CST);
    msleep(60);
    return NULL;                       /* exits holding it */
}

static void test_pthread(void)
{
    pthread_mutexattr_t a;
    pthread_condattr_t ca;
    pthread_t t[WORKERS];
    void *res;

    pthread_mutexattr_init(&a);
    pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    printf("mutex init: %d\n", pthread_mutex_init(&pm, &a));
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cv, &ca);
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, ring_worker, (void *)(intptr_t)i);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    printf("ring turns %d, total %d\n", turn, total);

    printf("lock: %d\n", pthread_mutex_lock(&pm));
    printf("relock: %s\n", errname(pthread_mutex_lock(&pm)));
    pthread_create(&t[0], NULL, try_other, &pm);
    pthread_join(t[0], &res);
    printf("trylock from another thread: %s\n", errname((int)(intptr_t)res));
    struct timespec ts = after(CLOCK_MONOTONIC, 30);
    printf("cond timedwait: %s\n", errname(pthread_cond_timedwait(&cv, &pm, &ts)));
    pthread_mutex_unlock(&pm);
    printf("unlock again: %s\n", errname(pthread_mutex_unlock(&pm)));

    /* Robust + PI: a waiter blocked while the owner exits gets EOWNERDEAD. */
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&rpm, &a);
    held = 0;
    pthread_create(&t[0], NULL, robust_die, NULL);
    while (!__atomic_load_n(&held, __ATOMIC_SEQ_CST))
        sched_yield();
    int r = pthread_mutex_lock(&rpm);
    printf("robust PI lock, owner exits while waiting: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : errname(r));
    printf("consistent: %d\n", pthread_mutex_consistent(&rpm));
    pthread_mutex_unlock(&rpm);
    pthread_join(t[0], NULL);
    held = 0;
    pthread_create(&t[0], NULL, robust_die, NULL);
    pthread_join(t[0], NULL);
    r = pthread_mutex_lock(&rpm);
    printf("robust PI lock after the owner exited: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : errname(r));
    pthread_mutex_unlock(&rpm);        /* not made consistent: now unusable */
    r = pthread_mutex_lock(&rpm);
    printf("robust PI lock, not recoverable: %s\n", errname(r));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_single();
    test_contended();
    test_owner_exit();
    test_requeue_pi();
    test_pthread();
    return 0;
}
