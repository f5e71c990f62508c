/*
 * bench.c - per-call cost of three cheap syscalls, timed with
 * clock_gettime(CLOCK_MONOTONIC) over N calls each (N from argv[1],
 * default 200000): getppid (a bare trap), write of one byte to /dev/null,
 * and clock_gettime itself (the vDSO where the system has one).  Prints
 * "bench NAME NS" lines (ns per call) that tests/bench/run.sh parses.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    int fd = open("/dev/null", O_WRONLY);
    struct timespec ts;
    double t0, t1;

    if (fd < 0 || n <= 0) {
        perror("bench");
        return 1;
    }
    t0 = now_ns();
    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
    t1 = now_ns();
    printf("bench getppid %.1f\n", (t1 - t0) / n);
    t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (write(fd, "x", 1) != 1)
            return 1;
    t1 = now_ns();
    printf("bench write_devnull %.1f\n", (t1 - t0) / n);
    t0 = now_ns();
    for (long i = 0; i < n; i++)
        clock_gettime(CLOCK_MONOTONIC, &ts);
    t1 = now_ns();
    printf("bench clock_gettime %.1f\n", (t1 - t0) / n);
    fflush(stdout);
    return 0;
}
