/*
 * threadstress.c - threads under load: 1000 threads created and joined
 * (in waves of 50 alive at once), a mutex/condvar ping-pong of 2000 round
 * trips between two threads, 8 threads incrementing a mutex-protected
 * counter, a barrier, pthread_cond_timedwait timing out, detached threads,
 * and thread-directed signals (pthread_kill) reaching the right thread.
 */
// covers: clone clone3 futex exit set_robust_list tgkill
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#define WAVE 50
#define TOTAL 1000
#define ROUNDS 2000
#define WORKERS 8
#define INCS 20000

static void *ret_arg(void *arg) { return (void *)((uintptr_t)arg * 2); }

static void test_create_join(void)
{
    pthread_t t[WAVE];
    long sum = 0, expect = 0;
    int fails = 0;
    for (int base = 0; base < TOTAL; base += WAVE) {
        for (int i = 0; i < WAVE; i++)
            if (pthread_create(&t[i], NULL, ret_arg, (void *)(uintptr_t)(base + i)) != 0)
                fails++;
        for (int i = 0; i < WAVE; i++) {
            void *r;
            pthread_join(t[i], &r);
            sum += (long)(uintptr_t)r;
            expect += 2L * (base + i);
        }
    }
    printf("create/join %d threads: failures %d sums match %d\n", TOTAL, fails, sum == expect);
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn, rounds_done;

static void *ponger(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&m);
        while (turn != 1)
            pthread_cond_wait(&cv, &m);
        turn = 0;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

static void test_pingpong(void)
{
    pthread_t t;
    pthread_create(&t, NULL, ponger, NULL);
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&m);
        turn = 1;
        pthread_cond_signal(&cv);
        while (turn != 0)
            pthread_cond_wait(&cv, &m);
        rounds_done++;
        pthread_mutex_unlock(&m);
    }
    pthread_join(t, NULL);
    printf("ping-pong rounds %d\n", rounds_done);
}

static long counter;
static pthread_barrier_t barrier;

static void *incrementer(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < INCS; i++) {
        pthread_mutex_lock(&m);
        counter++;
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

static void test_counter(void)
{
    pthread_t t[WORKERS];
    pthread_barrier_init(&barrier, NULL, WORKERS);
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, incrementer, NULL);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    printf("counter %ld (expected %d)\n", counter, WORKERS * INCS);
}

static void test_timedwait(void)
{
    struct timespec ts, before, after;
    clock_gettime(CLOCK_REALTIME, &ts);
    before = ts;
    ts.tv_nsec += 30000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&m);
    int r = pthread_cond_timedwait(&cv, &m, &ts);
    pthread_mutex_unlock(&m);
    clock_gettime(CLOCK_REALTIME, &after);
    long ms = (after.tv_sec - before.tv_sec) * 1000 + (after.tv_nsec - before.tv_nsec) / 1000000;
    printf("cond_timedwait: %s waited >= 30 ms %d\n", errname(r), ms >= 29);
}

static volatile int detached_ran;

static void *detached(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&detached_ran, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void test_detached(void)
{
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 20; i++) {
        pthread_t t;
        pthread_create(&t, &a, detached, NULL);
    }
    while (__atomic_load_n(&detached_ran, __ATOMIC_SEQ_CST) < 20)
        sched_yield();
    printf("detached threads ran %d\n", detached_ran);
}

static __thread int whoami;
static volatile int signalled_who;
static volatile int waiting;

static void on_usr1(int sig) { (void)sig; signalled_who = whoami; }

static void *sig_target(void *arg)
{
    whoami = (int)(uintptr_t)arg;
    __atomic_store_n(&waiting, 1, __ATOMIC_SEQ_CST);
    while (signalled_who == 0)
        sched_yield();
    return NULL;
}

static void test_thread_signal(void)
{
    pthread_t t;
    whoami = 1;
    signal(SIGUSR1, on_usr1);
    pthread_create(&t, NULL, sig_target, (void *)(uintptr_t)7);
    while (__atomic_load_n(&waiting, __ATOMIC_SEQ_CST) == 0)
        sched_yield();
    pthread_kill(t, SIGUSR1);
    pthread_join(t, NULL);
    printf("pthread_kill reached thread %d\n", signalled_who);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_create_join();
    test_pingpong();
    test_counter();
    test_timedwait();
    test_detached();
    test_thread_signal();
    return 0;
}
