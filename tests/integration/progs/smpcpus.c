/*
 * smpcpus.c - shows that threads run on more than one CPU: NTHREADS threads
 * spin, each recording the CPUs sched_getcpu() reports (glibc reads the rseq
 * cpu_id the kernel keeps, else calls getcpu), until every online CPU has
 * been seen or 20 s passed.  Prints the online count, the affinity mask's
 * count and how many distinct CPUs ran the threads; exits 1 if that last is
 * smaller than the online count.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 4

static volatile unsigned long seen;    /* bit n: CPU n ran a thread */
static long online;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int popcount(unsigned long v)
{
    int n = 0;
    for (; v != 0; v &= v - 1)
        n++;
    return n;
}

static void *spin(void *arg)
{
    double end = now_s() + 20;
    (void)arg;
    while (popcount(seen) < online && now_s() < end) {
        for (volatile int i = 0; i < 100000; i++)
            ;
        int c = sched_getcpu();
        if (c >= 0 && c < 64)
            __atomic_or_fetch(&seen, 1UL << c, __ATOMIC_RELAXED);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[NTHREADS];
    cpu_set_t set;
    online = sysconf(_SC_NPROCESSORS_ONLN);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        perror("sched_getaffinity");
        return 2;
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&t[i], NULL, spin, NULL);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    printf("online %ld affinity %d used %d\n", online, CPU_COUNT(&set), popcount(seen));
    return popcount(seen) < online ? 1 : 0;
}
