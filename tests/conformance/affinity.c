// covers: sched_setaffinity sched_getaffinity getcpu
/*
 * affinity.c - CPU affinity is applied: a thread pinned to one CPU runs
 * there (getcpu, sched_getcpu which reads rseq's cpu_id or the vDSO) and
 * stays there while it spins; sched_getaffinity returns the stored mask, per
 * thread; /proc/self/status shows the main thread's mask; masks with no
 * existing CPU are EINVAL.  Pins to the first and the last CPU the program
 * may use, so the output is the same with one CPU or several (natively and
 * under `solo run --cpus 2`).
 */
#include "common.h"
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

static uint64_t get_mask(int tid)
{
    uint64_t m = 0;
    if (syscall(SYS_sched_getaffinity, tid, sizeof(m), &m) < 0)
        return 0;
    return m;
}

static long set_mask(int tid, uint64_t m)
{
    return syscall(SYS_sched_setaffinity, tid, sizeof(m), &m);
}

static int raw_getcpu(void)
{
    unsigned cpu = ~0U;
    syscall(SYS_getcpu, &cpu, NULL, NULL);
    return (int)cpu;
}

/* Spin a while checking that every getcpu answers cpu. */
static int stays_on(int cpu)
{
    for (int i = 0; i < 200000; i++)
        if ((i & 1023) == 0 && (raw_getcpu() != cpu || sched_getcpu() != cpu))
            return 0;
    return 1;
}

/* "Cpus_allowed_list:" of /proc/self/status names exactly cpu. */
static int status_shows(int cpu)
{
    char line[256], want[64];
    int ok = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return 0;
    snprintf(want, sizeof(want), "Cpus_allowed_list:\t%d\n", cpu);
    while (fgets(line, sizeof(line), f) != NULL)
        if (strcmp(line, want) == 0)
            ok = 1;
    fclose(f);
    return ok;
}

static int first, last;
static volatile int worker_tid, worker_go, worker_done;
static int worker_ok;

static void *worker(void *arg)
{
    (void)arg;
    worker_tid = (int)syscall(SYS_gettid);
    while (!worker_go)
        sched_yield();
    worker_ok = raw_getcpu() == last && stays_on(last);
    worker_done = 1;
    return NULL;
}

int main(void)
{
    uint64_t all = get_mask(0);
    fact("initial mask not empty", all != 0);
    first = __builtin_ctzll(all);
    last = 63 - __builtin_clzll(all);

    show("pin to the first CPU", set_mask(0, 1ULL << first));
    fact("getcpu answers the first CPU", raw_getcpu() == first && sched_getcpu() == first);
    fact("getaffinity returns the pin", get_mask(0) == 1ULL << first);
    fact("and through the tid", get_mask((int)syscall(SYS_gettid)) == 1ULL << first);
    fact("it stays there", stays_on(first));
    fact("/proc/self/status Cpus_allowed_list", status_shows(first));

    show("pin to the last CPU", set_mask(0, 1ULL << last));
    fact("getcpu answers the last CPU", raw_getcpu() == last && sched_getcpu() == last);
    fact("it stays there", stays_on(last));
    show("pin back to the first", set_mask(0, 1ULL << first));
    fact("getcpu answers the first CPU again", raw_getcpu() == first);

    /* Another thread: pinned by tid from here, while we stay on the first CPU. */
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    while (worker_tid == 0)
        sched_yield();
    fact("a new thread inherits the mask", get_mask(worker_tid) == 1ULL << first);
    show("pin the thread to the last CPU", set_mask(worker_tid, 1ULL << last));
    fact("its mask is per thread", get_mask(worker_tid) == 1ULL << last && get_mask(0) == 1ULL << first);
    worker_go = 1;
    pthread_join(th, NULL);
    fact("it ran on the last CPU", worker_ok);

    show("restore the whole mask", set_mask(0, all));
    fact("getaffinity returns it", get_mask(0) == all);

    /* Errors: no existing CPU in the mask; a short mask buffer; no such thread. */
    uint64_t big[16];
    memset(big, 0, sizeof(big));
    big[15] = 1ULL << 63;
    show("mask with no existing CPU", syscall(SYS_sched_setaffinity, 0, sizeof(big), big));
    show("empty mask", set_mask(0, 0));
    show("no such thread", set_mask(2147483000, 1ULL << first));
    show("bad mask pointer", syscall(SYS_sched_setaffinity, 0, 8, (void *)8));
    fact("mask unchanged after the errors", get_mask(0) == all);
    return 0;
}
