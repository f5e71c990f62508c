// covers: clock_settime settimeofday adjtimex clock_adjtime pkey_alloc pkey_free pkey_mprotect restart_syscall
/*
 * clockset.c - the clock-setting calls' error paths and adjtimex queries,
 * protection keys and restart_syscall.  The native run has the power to set
 * the host's clock, so nothing here changes it: every setting call is made
 * with an argument Linux rejects before touching the clock, and adjtimex
 * only reads (modes 0).  pkey_alloc may succeed natively (a PKU host); where
 * the CPU has no keys it fails with ENOSPC (solo, Linux 6.1) or, on newer
 * kernels, EINVAL for the first call: all three print the same line.
 */
#include "common.h"
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

int main(void)
{
    struct timespec ts = { 0, 0 };
    struct timespec bad = { 1, 1000000000L };
    struct timeval tvbad = { 1, 1000000 };
    struct timezone tzbad = { 16 * 60, 0 };

    show("settime MONOTONIC", syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts));
    show("settime BOOTTIME", syscall(SYS_clock_settime, CLOCK_BOOTTIME, &ts));
    show("settime id 10", syscall(SYS_clock_settime, 10, &ts));
    show("settime id 99", syscall(SYS_clock_settime, 99, &ts));
    show("settime PROCESS_CPUTIME", syscall(SYS_clock_settime, CLOCK_PROCESS_CPUTIME_ID, &ts));
    show("settime REALTIME bad nsec", syscall(SYS_clock_settime, CLOCK_REALTIME, &bad));
    bad.tv_sec = -1;
    bad.tv_nsec = 0;
    show("settime REALTIME negative", syscall(SYS_clock_settime, CLOCK_REALTIME, &bad));
    show("settime REALTIME before boot", syscall(SYS_clock_settime, CLOCK_REALTIME, &ts));
    show("settime REALTIME fault", syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8));
    show("settimeofday bad usec", syscall(SYS_settimeofday, &tvbad, NULL));
    show("settimeofday bad zone", syscall(SYS_settimeofday, NULL, &tzbad));
    show("settimeofday fault", syscall(SYS_settimeofday, (void *)8, NULL));

    struct timex tx;
    memset(&tx, 0, sizeof(tx));
    long st = syscall(SYS_adjtimex, &tx);
    printf("adjtimex query: %s\n", st == TIME_OK || st == TIME_ERROR ? "TIME_OK or TIME_ERROR" : "other");
    printf("adjtimex precision>0 %d tolerance %ld tick %ld\n", tx.precision > 0, tx.tolerance, tx.tick);
    struct timeval now;
    gettimeofday(&now, NULL);
    printf("adjtimex time near now: %d\n", tx.time.tv_sec <= now.tv_sec && now.tv_sec - tx.time.tv_sec < 5);
    memset(&tx, 0, sizeof(tx));
    st = syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx);
    printf("clock_adjtime REALTIME: %s\n", st == TIME_OK || st == TIME_ERROR ? "TIME_OK or TIME_ERROR" : errname(errno));
    show("clock_adjtime MONOTONIC", syscall(SYS_clock_adjtime, CLOCK_MONOTONIC, &tx));
    show("clock_adjtime id 99", syscall(SYS_clock_adjtime, 99, &tx));
    show("adjtimex fault", syscall(SYS_adjtimex, (void *)8));
    memset(&tx, 0, sizeof(tx));
    tx.modes = ADJ_TICK;
    tx.tick = 5;
    show("adjtimex tick too small", syscall(SYS_adjtimex, &tx));
    memset(&tx, 0, sizeof(tx));
    tx.modes = 0x8000;                  /* ADJ_ADJTIME without ADJ_OFFSET */
    show("adjtimex adjtime alone", syscall(SYS_adjtimex, &tx));
    memset(&tx, 0, sizeof(tx));
    tx.modes = ADJ_SETOFFSET;
    tx.time.tv_usec = 1000000;
    show("adjtimex setoffset bad usec", syscall(SYS_adjtimex, &tx));
    tx.time.tv_usec = -1;
    show("adjtimex setoffset negative usec", syscall(SYS_adjtimex, &tx));

    long k = syscall(SYS_pkey_alloc, 0, 0);
    if (k >= 0)
        syscall(SYS_pkey_free, k);
    printf("pkey_alloc: %s\n", k >= 0 || errno == ENOSPC || errno == EINVAL ? "key, or none on this CPU" : errname(errno));
    show("pkey_alloc flags", syscall(SYS_pkey_alloc, 1, 0));
    show("pkey_alloc rights", syscall(SYS_pkey_alloc, 0, 4));
    show("pkey_free 9", syscall(SYS_pkey_free, 9));
    show("pkey_free -1", syscall(SYS_pkey_free, -1));
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    p[0] = 7;
    show("pkey_mprotect -1 read-only", syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, -1));
    printf("still readable: %d\n", p[0]);
    show("pkey_mprotect key 9", syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, 9));
    show("pkey_mprotect unaligned", syscall(SYS_pkey_mprotect, p + 1, 4096, PROT_READ, 9));
    show("pkey_mprotect len 0", syscall(SYS_pkey_mprotect, p, 0, PROT_READ, 9));
    show("pkey_mprotect -1 bad prot", syscall(SYS_pkey_mprotect, p, 4096, 0x100, -1));
    show("restart_syscall", syscall(SYS_restart_syscall));
    return 0;
}
