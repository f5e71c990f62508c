/*
 * futexops.c - futex(2) operations made directly: WAIT with a stale value
 * (EAGAIN) and with a relative timeout (ETIMEDOUT), WAIT_BITSET with an
 * absolute CLOCK_MONOTONIC / CLOCK_REALTIME deadline, WAKE counts, bitset
 * matching, REQUEUE and CMP_REQUEUE (EAGAIN on a changed word), WAKE_OP
 * (the word is updated, the condition picks the second wake), argument
 * errors, and robust futexes: a thread that dies holding a robust mutex
 * leaves it EOWNERDEAD for the next locker, and the raw robust list marks
 * the word FUTEX_OWNER_DIED and wakes a waiter.
 */
// covers: futex set_robust_list get_robust_list exit clone
#include "common.h"
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE 128
#define FUTEX_CLOCK_RT 256
#define FUTEX_WAITERS 0x80000000U
#define FUTEX_OWNER_DIED 0x40000000U
#define FUTEX_TID_MASK 0x3fffffffU
#define OP(op, oparg, cmp, cmparg) (((op) << 28) | ((cmp) << 24) | ((oparg) << 12) | (cmparg))

static long fx(uint32_t *a, int op, uint32_t v, const void *t, uint32_t *a2, uint32_t v3)
{
    return syscall(SYS_futex, a, op, v, t, a2, v3);
}

static uint32_t w1, w2;
static volatile int started, woke;

static void *waiter(void *arg)
{
    uint32_t bits = (uint32_t)(uintptr_t)arg;
    __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
    long r = fx(&w1, FUTEX_WAIT_BITSET | FUTEX_PRIVATE, 0, NULL, NULL, bits);
    if (r == 0)
        __atomic_add_fetch(&woke, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Start n waiters on w1 (bitsets from bits[]) and let them block. */
static void start_waiters(pthread_t *t, int n, const uint32_t *bits)
{
    started = 0;
    woke = 0;
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, waiter, (void *)(uintptr_t)bits[i]);
    while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < n)
        sched_yield();
    for (int i = 0; i < 20; i++)
        sched_yield();
    struct timespec ts = { 0, 20000000 };
    nanosleep(&ts, NULL);
}

static void finish(pthread_t *t, int n, uint32_t *w)
{
    __atomic_store_n(w, 1, __ATOMIC_SEQ_CST);
    fx(w, FUTEX_WAKE | FUTEX_PRIVATE, 100, NULL, NULL, 0);
    fx(&w1, FUTEX_WAKE | FUTEX_PRIVATE, 100, NULL, NULL, 0);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    w1 = 0;
    w2 = 0;
}

static void test_wait(void)
{
    struct timespec rel = { 0, 20000000 }, abs;
    uint32_t w = 5;
    show("wait stale value", fx(&w, FUTEX_WAIT | FUTEX_PRIVATE, 4, NULL, NULL, 0));
    show("wait timeout", fx(&w, FUTEX_WAIT | FUTEX_PRIVATE, 5, &rel, NULL, 0));
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 20000000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    show("wait_bitset monotonic deadline", fx(&w, FUTEX_WAIT_BITSET | FUTEX_PRIVATE, 5, &abs, NULL, ~0U));
    clock_gettime(CLOCK_REALTIME, &abs);
    abs.tv_nsec = 0;
    show("wait_bitset realtime past", fx(&w, FUTEX_WAIT_BITSET | FUTEX_PRIVATE | FUTEX_CLOCK_RT, 5, &abs, NULL, ~0U));
    show("wait_bitset zero bitset", fx(&w, FUTEX_WAIT_BITSET | FUTEX_PRIVATE, 5, NULL, NULL, 0));
    show("wait misaligned", fx((uint32_t *)((char *)&w + 1), FUTEX_WAIT, 5, NULL, NULL, 0));
    rel.tv_nsec = 1000000000;
    show("wait bad timeout", fx(&w, FUTEX_WAIT | FUTEX_PRIVATE, 5, &rel, NULL, 0));
    show("wait bad address", fx((uint32_t *)16, FUTEX_WAIT, 5, NULL, NULL, 0));
    show("unknown op", fx(&w, 99, 0, NULL, NULL, 0));
    show("wake nobody", fx(&w, FUTEX_WAKE | FUTEX_PRIVATE, 10, NULL, NULL, 0));
}

static void test_wake_counts(void)
{
    pthread_t t[4];
    const uint32_t any[4] = { ~0U, ~0U, ~0U, ~0U };
    start_waiters(t, 4, any);
    show("wake 3 of 4", fx(&w1, FUTEX_WAKE | FUTEX_PRIVATE, 3, NULL, NULL, 0));
    finish(t, 4, &w1);
    printf("woken by wait: %d\n", woke);

    const uint32_t bits[4] = { 1, 2, 4, 3 };
    start_waiters(t, 4, bits);
    show("wake_bitset 2", fx(&w1, FUTEX_WAKE_BITSET | FUTEX_PRIVATE, 10, NULL, NULL, 2));
    show("wake_bitset 4", fx(&w1, FUTEX_WAKE_BITSET | FUTEX_PRIVATE, 10, NULL, NULL, 4));
    show("wake_bitset 8", fx(&w1, FUTEX_WAKE_BITSET | FUTEX_PRIVATE, 10, NULL, NULL, 8));
    finish(t, 4, &w1);
}

static void test_requeue(void)
{
    pthread_t t[4];
    const uint32_t any[4] = { ~0U, ~0U, ~0U, ~0U };
    start_waiters(t, 4, any);
    show("cmp_requeue stale", fx(&w1, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE, 1, (void *)2, &w2, 7));
    show("cmp_requeue wake 1 move 2", fx(&w1, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE, 1, (void *)2, &w2, 0));
    show("wake on w2", fx(&w2, FUTEX_WAKE | FUTEX_PRIVATE, 10, NULL, NULL, 0));
    show("requeue rest", fx(&w1, FUTEX_REQUEUE | FUTEX_PRIVATE, 0, (void *)10, &w2, 0));
    show("wake on w2 again", fx(&w2, FUTEX_WAKE | FUTEX_PRIVATE, 10, NULL, NULL, 0));
    finish(t, 4, &w1);
    printf("woken by wait: %d\n", woke);
    show("requeue negative", fx(&w1, FUTEX_REQUEUE | FUTEX_PRIVATE, (uint32_t)-1, (void *)1, &w2, 0));
}

static void test_wake_op(void)
{
    pthread_t t[2];
    const uint32_t any[2] = { ~0U, ~0U };
    w2 = 10;
    start_waiters(t, 2, any);
    /* w2 += 5 (old 10); wake 1 on w1; old > 5, so also wake on w2 (nobody there) */
    show("wake_op add, cmp gt", fx(&w1, FUTEX_WAKE_OP | FUTEX_PRIVATE, 1, (void *)1, &w2, OP(1, 5, 4, 5)));
    printf("w2 after add: %u\n", w2);
    show("wake_op set, cmp eq false", fx(&w1, FUTEX_WAKE_OP | FUTEX_PRIVATE, 1, (void *)1, &w2, OP(0, 3, 0, 99)));
    printf("w2 after set: %u\n", w2);
    show("wake_op or shifted", fx(&w1, FUTEX_WAKE_OP | FUTEX_PRIVATE, 0, (void *)0, &w2, OP(8 | 2, 4, 0, 0)));
    printf("w2 after or: %u\n", w2);
    finish(t, 2, &w1);
}

static pthread_mutex_t robust;

static void *die_holding(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&robust);
    return NULL;                       /* exits holding the robust mutex */
}

struct robust_head { void *next; long offset; void *pending; };
struct robust_entry { void *next; uint32_t word; };

static struct robust_entry entry;
static struct robust_head head;
static volatile int raw_ready;

static void *raw_robust(void *arg)
{
    (void)arg;
    head.next = &entry;
    head.offset = (long)((char *)&entry.word - (char *)&entry);
    head.pending = NULL;
    entry.next = &head;
    entry.word = (uint32_t)syscall(SYS_gettid) | FUTEX_WAITERS;
    syscall(SYS_set_robust_list, &head, sizeof(head));
    __atomic_store_n(&raw_ready, 1, __ATOMIC_SEQ_CST);
    struct timespec ts = { 0, 30000000 };
    nanosleep(&ts, NULL);
    syscall(SYS_exit, 0);              /* the thread only: glibc's list is not ours */
    return NULL;
}

static void test_robust(void)
{
    pthread_mutexattr_t a;
    pthread_t t;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &a);
    pthread_create(&t, NULL, die_holding, NULL);
    pthread_join(t, NULL);
    int r = pthread_mutex_lock(&robust);
    printf("robust mutex after owner died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : errname(r));
    printf("consistent: %d\n", pthread_mutex_consistent(&robust));
    pthread_mutex_unlock(&robust);

    size_t len = 0;
    void *h = NULL;
    show("get_robust_list self", syscall(SYS_get_robust_list, 0, &h, &len));
    printf("robust head len %zu\n", len);
    show("set_robust_list bad len", syscall(SYS_set_robust_list, &head, 8));

    /* A thread registers its own robust list owning entry.word, then exits. */
    pthread_create(&t, NULL, raw_robust, NULL);
    while (__atomic_load_n(&raw_ready, __ATOMIC_SEQ_CST) == 0)
        sched_yield();
    uint32_t v = entry.word;
    long w = fx(&entry.word, FUTEX_WAIT, v, NULL, NULL, 0);
    printf("raw robust wait: %s word owner-died %d waiters %d tid %u\n", w == 0 ? "woken" : errname(errno),
           (entry.word & FUTEX_OWNER_DIED) != 0, (entry.word & FUTEX_WAITERS) != 0,
           entry.word & FUTEX_TID_MASK);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_wait();
    test_wake_counts();
    test_requeue();
    test_wake_op();
    test_robust();
    return 0;
}
