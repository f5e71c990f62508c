/*
 * futexwaitv.c - futex_waitv(2): argument errors (flags, count, entry
 * flags, reserved field, alignment, clock id, bad pointers), EAGAIN when a
 * word differs at entry, ETIMEDOUT with absolute CLOCK_MONOTONIC and
 * CLOCK_REALTIME deadlines, a thread woken by a plain FUTEX_WAKE on one of
 * its words (private and shared) gets that word's index, a waiter moved by
 * FUTEX_CMP_REQUEUE is woken on the new word with the index of the old one,
 * and a signal ends the wait with EINTR (no SA_RESTART) or restarts it.
 */
// covers: futex_waitv
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_PRIVATE 128
#define FUTEX2_SIZE_U32 0x02
#define FUTEX2_PRIVATE 128

struct waitv { uint64_t val, uaddr; uint32_t flags, reserved; };

static long waitv(struct waitv *w, unsigned n, unsigned flags, struct timespec *ts, int clk)
{
    return syscall(SYS_futex_waitv, w, n, flags, ts, clk);
}

static long wake(uint32_t *a, int n, int priv)
{
    return syscall(SYS_futex, a, FUTEX_WAKE | (priv ? FUTEX_PRIVATE : 0), n, NULL, NULL, 0);
}

static void set(struct waitv *w, uint32_t *addr, uint32_t val, uint32_t flags)
{
    w->val = val;
    w->uaddr = (uintptr_t)addr;
    w->flags = flags;
    w->reserved = 0;
}

static struct timespec in_ms(int clk, long ms)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    ts.tv_nsec += ms * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    return ts;
}

static uint32_t words[4] __attribute__((aligned(8)));
static uint32_t other;
static struct waitv vec[3];
static unsigned vec_n;
static volatile int waiting, done;
static volatile int handled;
static long result;
static int result_errno;

static void *waiter(void *arg)
{
    (void)arg;
    waiting = 1;
    result = waitv(vec, vec_n, 0, NULL, 0);
    result_errno = errno;
    done = 1;
    return NULL;
}

static void report(const char *what)
{
    if (result >= 0)
        printf("%s: index %ld\n", what, result);
    else
        printf("%s: %s\n", what, errname(result_errno));
}

/* Start a waiter on vec, wake word `target` (priv: private wake) once it is queued. */
static void wake_case(const char *what, uint32_t *target, int priv)
{
    pthread_t t;
    done = waiting = 0;
    pthread_create(&t, NULL, waiter, NULL);
    long n = 0;
    while (n == 0) {
        usleep(2000);
        n = wake(target, 1, priv);
    }
    pthread_join(t, NULL);
    printf("%s: wake woke %ld\n", what, n);
    report(what);
}

static void on_usr1(int sig) { (void)sig; handled++; }

static void signal_case(const char *what, int flags)
{
    pthread_t t;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = flags;
    sigaction(SIGUSR1, &sa, NULL);
    done = waiting = handled = 0;
    words[0] = 0;
    set(&vec[0], &words[0], 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
    vec_n = 1;
    pthread_create(&t, NULL, waiter, NULL);
    while (!waiting)
        usleep(1000);
    /* Signal until one lands (a signal before the wait only runs the handler). */
    for (int i = 0; i < 200 && !done && handled < 3; i++) {
        pthread_kill(t, SIGUSR1);
        usleep(20000);
    }
    while (!done && wake(&words[0], 1, 1) == 0)
        usleep(2000);
    pthread_join(t, NULL);
    report(what);
}

int main(void)
{
    struct waitv w[129];
    struct timespec ts;
    setvbuf(stdout, NULL, _IONBF, 0);

    /* Errors. */
    set(&w[0], &words[0], 0, FUTEX2_SIZE_U32);
    show("flags 1", waitv(w, 1, 1, NULL, 0));
    show("nr 0", waitv(w, 0, 0, NULL, 0));
    for (int i = 0; i < 129; i++)
        set(&w[i], &words[0], 0, FUTEX2_SIZE_U32);
    show("nr 129", waitv(w, 129, 0, NULL, 0));
    show("waiters NULL", waitv(NULL, 1, 0, NULL, 0));
    show("waiters bad", waitv((struct waitv *)8, 1, 0, NULL, 0));
    set(&w[0], &words[0], 0, 0);
    show("entry flags 0 (no size)", waitv(w, 1, 0, NULL, 0));
    set(&w[0], &words[0], 0, 3);
    show("entry size 64", waitv(w, 1, 0, NULL, 0));
    set(&w[0], &words[0], 0, FUTEX2_SIZE_U32 | 0x40);
    show("entry unknown flag", waitv(w, 1, 0, NULL, 0));
    set(&w[0], &words[0], 0, FUTEX2_SIZE_U32);
    w[0].reserved = 1;
    show("reserved", waitv(w, 1, 0, NULL, 0));
    set(&w[0], (uint32_t *)((char *)&words[0] + 2), 0, FUTEX2_SIZE_U32);
    show("misaligned", waitv(w, 1, 0, NULL, 0));
    set(&w[0], (uint32_t *)16, 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
    show("unmapped private", waitv(w, 1, 0, NULL, 0));
    set(&w[0], (uint32_t *)16, 0, FUTEX2_SIZE_U32);
    show("unmapped shared", waitv(w, 1, 0, NULL, 0));
    set(&w[0], (uint32_t *)0xffff800000000000UL, 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
    show("kernel address", waitv(w, 1, 0, NULL, 0));
    set(&w[0], &words[0], 0, FUTEX2_SIZE_U32);
    ts = in_ms(CLOCK_MONOTONIC, 10);
    show("clock 2", waitv(w, 1, 0, &ts, CLOCK_PROCESS_CPUTIME_ID));
    show("timeout bad", waitv(w, 1, 0, (struct timespec *)8, CLOCK_MONOTONIC));
    ts.tv_nsec = 1000000000L;
    show("timeout nsec 1e9", waitv(w, 1, 0, &ts, CLOCK_MONOTONIC));
    ts.tv_sec = -1;
    ts.tv_nsec = 0;
    show("timeout negative", waitv(w, 1, 0, &ts, CLOCK_MONOTONIC));

    /* A differing word: EAGAIN, checked before the timeout could pass. */
    words[0] = 0;
    words[1] = 5;
    set(&w[0], &words[0], 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
    set(&w[1], &words[1], 4, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
    ts.tv_sec = 0;
    ts.tv_nsec = 0;
    show("value differs", waitv(w, 2, 0, &ts, CLOCK_MONOTONIC));
    /* A private unreadable word after a differing one: EAGAIN first. */
    set(&w[2], (uint32_t *)16, 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
    show("differs before unmapped", waitv(w, 3, 0, NULL, 0));

    /* Timeouts. */
    set(&w[1], &words[1], 5, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
    show("expired deadline", waitv(w, 2, 0, &ts, CLOCK_MONOTONIC));
    ts = in_ms(CLOCK_MONOTONIC, 30);
    show("monotonic 30ms", waitv(w, 2, 0, &ts, CLOCK_MONOTONIC));
    ts = in_ms(CLOCK_REALTIME, 30);
    show("realtime 30ms", waitv(w, 2, 0, &ts, CLOCK_REALTIME));

    /* Wakes by plain FUTEX_WAKE. */
    words[0] = words[1] = words[2] = 0;
    set(&vec[0], &words[0], 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
    set(&vec[1], &words[1], 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
    set(&vec[2], &words[2], 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
    vec_n = 3;
    wake_case("private wake of word 2", &words[2], 1);
    wake_case("private wake of word 0", &words[0], 1);
    set(&vec[1], &words[1], 0, FUTEX2_SIZE_U32);
    wake_case("shared wake of word 1", &words[1], 0);
    show("nothing left queued", wake(&words[0], 10, 1) + wake(&words[2], 10, 1) + wake(&words[1], 10, 0));

    /* Requeued from word 1 to `other`: woken there, index 1. */
    set(&vec[1], &words[1], 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
    vec_n = 2;
    {
        pthread_t t;
        done = waiting = 0;
        pthread_create(&t, NULL, waiter, NULL);
        long n = 0;
        while (n == 0) {
            usleep(2000);
            n = syscall(SYS_futex, &words[1], FUTEX_CMP_REQUEUE | FUTEX_PRIVATE, 0, 1, &other, 0);
        }
        printf("requeue moved %ld\n", n);
        printf("wake on old word: %ld\n", wake(&words[1], 1, 1));
        printf("wake on new word: %ld\n", wake(&other, 1, 1));
        pthread_join(t, NULL);
        report("requeued waiter");
    }

    /* Signals. */
    signal_case("signal without SA_RESTART", 0);
    signal_case("signal with SA_RESTART", SA_RESTART);
    return 0;
}
