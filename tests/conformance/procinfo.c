/*
 * procinfo.c - process and system information: uname, the pid family
 * (relations only), credentials, umask, CPU affinity, scheduling policy
 * and nice values, getcpu, sysinfo (sanity), getrandom, times, getrusage,
 * personality, sched_yield.
 */
// covers: sched_getattr sched_setattr uname getpid getppid gettid getuid geteuid getgid getegid getresuid getresgid getgroups setuid setgid setresuid getpgrp getpgid getsid umask sched_getaffinity sched_setaffinity sched_yield sched_getscheduler sched_getparam sched_get_priority_max sched_get_priority_min getcpu getpriority setpriority sysinfo getrandom times getrusage personality
#include "common.h"
#include <sched.h>
#include <sys/utsname.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/resource.h>
#include <sys/stat.h>

static void test_uname(void)
{
    struct utsname u;
    show("uname", syscall(SYS_uname, &u));
    printf("sysname: %s\n", u.sysname);
    printf("machine: %s\n", u.machine);
    int major = atoi(u.release);
    fact("release is at least 3.2", major > 3 || (major == 3 && atoi(strchr(u.release, '.') + 1) >= 2));
    fact("nodename not empty", u.nodename[0] != '\0');
    show("uname bad pointer", syscall(SYS_uname, (void *)1));
}

static void test_ids(void)
{
    long pid = syscall(SYS_getpid), tid = syscall(SYS_gettid), ppid = syscall(SYS_getppid);
    fact("pid positive", pid > 0);
    fact("tid equals pid in the main thread", tid == pid);
    fact("ppid differs from pid", ppid != pid && ppid >= 0);
    fact("getpgrp equals getpgid(0)", syscall(SYS_getpgrp) == syscall(SYS_getpgid, 0));
    fact("getpgid(pid) equals getpgid(0)", syscall(SYS_getpgid, pid) == syscall(SYS_getpgid, 0));
    fact("getsid(0) equals getsid(pid)", syscall(SYS_getsid, 0) == syscall(SYS_getsid, pid));
    /* 0 when the session leader lives outside our PID namespace (containers) */
    fact("sid not negative", syscall(SYS_getsid, 0) >= 0);
    show("getpgid missing pid", syscall(SYS_getpgid, 0x3ffffff));
    show("getsid missing pid", syscall(SYS_getsid, 0x3ffffff));
    long uid = syscall(SYS_getuid), gid = syscall(SYS_getgid);
    fact("euid equals uid", syscall(SYS_geteuid) == uid);
    fact("egid equals gid", syscall(SYS_getegid) == gid);
    unsigned r, e, s;
    show("getresuid", syscall(SYS_getresuid, &r, &e, &s));
    fact("getresuid matches", r == uid && e == uid && s == uid);
    show("getresgid", syscall(SYS_getresgid, &r, &e, &s));
    fact("getresgid matches", r == gid && e == gid && s == gid);
    show("getresuid bad pointer", syscall(SYS_getresuid, &r, (void *)1, &s));
    show_ok("getgroups count", syscall(SYS_getgroups, 0, NULL));
    show("getgroups negative", syscall(SYS_getgroups, -1, NULL));
    show("setuid own uid", syscall(SYS_setuid, uid));
    show("setgid own gid", syscall(SYS_setgid, gid));
    show("setresuid unchanged", syscall(SYS_setresuid, -1, -1, -1));
    show("setuid -1", syscall(SYS_setuid, -1));
    fact("uid unchanged", syscall(SYS_getuid) == uid);
}

static void test_umask(void)
{
    syscall(SYS_umask, 027);
    show("umask returns previous (027 as decimal)", syscall(SYS_umask, 0777 | 07000));
    printf("umask keeps permission bits: %lo\n", (long)syscall(SYS_umask, 022));
}

static void test_sched(void)
{
    unsigned long mask[16];
    memset(mask, 0, sizeof(mask));
    long n = syscall(SYS_sched_getaffinity, 0, sizeof(mask), mask);
    show_ok("sched_getaffinity", n);
    fact("affinity size is a multiple of 8", n >= 8 && n % 8 == 0);
    int count = 0;
    for (int i = 0; i < 64; i++)
        count += (mask[0] >> i) & 1;
    fact("at least one CPU allowed", count >= 1);
    show("sched_getaffinity len 4", syscall(SYS_sched_getaffinity, 0, 4, mask));
    show("sched_getaffinity len 0", syscall(SYS_sched_getaffinity, 0, 0, mask));
    show("sched_getaffinity missing pid", syscall(SYS_sched_getaffinity, 0x3ffffff, sizeof(mask), mask));
    show("sched_getaffinity bad pointer", syscall(SYS_sched_getaffinity, 0, sizeof(mask), (void *)1));
    show("sched_setaffinity current mask", syscall(SYS_sched_setaffinity, 0, sizeof(mask), mask));
    unsigned long none[1] = { 1UL << 63 };
    show("sched_setaffinity no usable CPU", syscall(SYS_sched_setaffinity, 0, sizeof(none), none));
    show("sched_setaffinity bad pointer", syscall(SYS_sched_setaffinity, 0, sizeof(none), (void *)1));
    unsigned cpu = 999, node = 999;
    show("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL));
    fact("getcpu is an allowed CPU", cpu < 64 && ((mask[0] >> cpu) & 1));
    show("getcpu bad pointer", syscall(SYS_getcpu, (void *)1, NULL, NULL));
    show("sched_yield", syscall(SYS_sched_yield));
    show("sched_getscheduler", syscall(SYS_sched_getscheduler, 0));
    show("sched_getscheduler negative pid", syscall(SYS_sched_getscheduler, -1));
    show("sched_getscheduler missing pid", syscall(SYS_sched_getscheduler, 0x3ffffff));
    struct sched_param sp;
    memset(&sp, 0, sizeof(sp));
    sp.sched_priority = 7;
    show("sched_getparam", syscall(SYS_sched_getparam, 0, &sp));
    printf("sched priority: %d\n", sp.sched_priority);
    show("sched_get_priority_max FIFO", syscall(SYS_sched_get_priority_max, SCHED_FIFO));
    show("sched_get_priority_min FIFO", syscall(SYS_sched_get_priority_min, SCHED_FIFO));
    show("sched_get_priority_max OTHER", syscall(SYS_sched_get_priority_max, SCHED_OTHER));
    show("sched_get_priority_max bad policy", syscall(SYS_sched_get_priority_max, 77));
    struct { unsigned size, policy; unsigned long long flags; int nice; unsigned prio;
             unsigned long long runtime, deadline, period; unsigned umin, umax; unsigned char pad[16]; } at;
    memset(&at, 0, sizeof(at));
    show("sched_getattr", syscall(SYS_sched_getattr, 0, &at, 56, 0));
    printf("sched_getattr size=%u policy=%u nice=%d prio=%u\n", at.size, at.policy, at.nice, at.prio);
    show("sched_getattr small size", syscall(SYS_sched_getattr, 0, &at, 40, 0));
    show("sched_getattr flags", syscall(SYS_sched_getattr, 0, &at, 56, 1));
    memset(&at, 0, sizeof(at));
    at.size = 56;
    at.policy = SCHED_BATCH;
    at.nice = 3;
    show("sched_setattr BATCH nice 3", syscall(SYS_sched_setattr, 0, &at, 0));
    show("sched_getscheduler after", syscall(SYS_sched_getscheduler, 0));
    syscall(SYS_sched_getattr, 0, &at, 56, 0);
    printf("sched_getattr policy=%u nice=%d\n", at.policy, at.nice);
    at.size = 40;
    show("sched_setattr size 40", syscall(SYS_sched_setattr, 0, &at, 0));
    printf("size written back: %u\n", at.size);
    at.size = 72;
    at.pad[8] = 1;
    show("sched_setattr nonzero tail", syscall(SYS_sched_setattr, 0, &at, 0));
    at.pad[8] = 0;
    at.size = 72;
    at.policy = SCHED_OTHER;
    at.nice = 4;
    show("sched_setattr zero tail", syscall(SYS_sched_setattr, 0, &at, 0));
    at.size = 56;
    at.prio = 5;
    show("sched_setattr OTHER with priority", syscall(SYS_sched_setattr, 0, &at, 0));
    at.prio = 0;
    at.policy = 77;
    show("sched_setattr bad policy", syscall(SYS_sched_setattr, 0, &at, 0));
    show("sched_setattr flags", syscall(SYS_sched_setattr, 0, &at, 1));
    show("sched_setattr NULL", syscall(SYS_sched_setattr, 0, NULL, 0));
    long p0 = syscall(SYS_getpriority, PRIO_PROCESS, 0);
    show("getpriority (20 - nice)", p0);
    show("setpriority nice 5", syscall(SYS_setpriority, PRIO_PROCESS, 0, 5));
    show("getpriority after", syscall(SYS_getpriority, PRIO_PROCESS, 0));
    show("setpriority nice 100 clamps", syscall(SYS_setpriority, PRIO_PROCESS, 0, 100));
    show("getpriority clamped", syscall(SYS_getpriority, PRIO_PROCESS, 0));
    show("getpriority bad which", syscall(SYS_getpriority, 7, 0));
    show("getpriority missing pid", syscall(SYS_getpriority, PRIO_PROCESS, 0x3ffffff));
}

static void test_info(void)
{
    struct sysinfo si;
    show("sysinfo", syscall(SYS_sysinfo, &si));
    fact("totalram positive", si.totalram > 0);
    fact("freeram at most totalram", si.freeram <= si.totalram);
    fact("mem_unit at least 1", si.mem_unit >= 1);
    fact("procs at least 1", si.procs >= 1);
    fact("uptime not negative", (long)si.uptime >= 0);
    show("sysinfo bad pointer", syscall(SYS_sysinfo, (void *)1));
    struct tms t;
    long ticks = syscall(SYS_times, &t);
    fact("times ok", ticks != -1 && t.tms_utime >= 0 && t.tms_stime >= 0);
    fact("times children zero", t.tms_cutime == 0 && t.tms_cstime == 0);
    show_ok("times NULL", syscall(SYS_times, NULL));
    struct rusage ru;
    show("getrusage self", syscall(SYS_getrusage, RUSAGE_SELF, &ru));
    fact("rusage times sane", ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec < 1000000);
    show("getrusage children", syscall(SYS_getrusage, RUSAGE_CHILDREN, &ru));
    show("getrusage thread", syscall(SYS_getrusage, 1, &ru));
    show("getrusage bad who", syscall(SYS_getrusage, 5, &ru));
    show("getrusage bad pointer", syscall(SYS_getrusage, RUSAGE_SELF, (void *)1));
    show("personality query", syscall(SYS_personality, 0xffffffffUL));
}

static void test_random(void)
{
    unsigned char a[32], b[32];
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    show("getrandom 32", syscall(SYS_getrandom, a, sizeof(a), 0));
    show("getrandom 32 again", syscall(SYS_getrandom, b, sizeof(b), 0));
    fact("two draws differ", memcmp(a, b, sizeof(a)) != 0);
    int zeros = 0;
    for (unsigned i = 0; i < sizeof(a); i++)
        zeros += a[i] == 0;
    fact("not all zero", zeros < 32);
    show("getrandom NONBLOCK", syscall(SYS_getrandom, a, 16, 1));
    show("getrandom RANDOM", syscall(SYS_getrandom, a, 16, 2));
    show("getrandom INSECURE", syscall(SYS_getrandom, a, 16, 4));
    show("getrandom INSECURE|RANDOM", syscall(SYS_getrandom, a, 16, 6));
    show("getrandom bad flags", syscall(SYS_getrandom, a, 16, 0x100));
    show("getrandom zero length", syscall(SYS_getrandom, a, 0, 0));
    show("getrandom bad pointer", syscall(SYS_getrandom, (void *)1, 16, 0));
    unsigned char *big = malloc(100000);
    show("getrandom 100000", syscall(SYS_getrandom, big, 100000, 0));
    free(big);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_uname();
    test_ids();
    test_umask();
    test_sched();
    test_info();
    test_random();
    printf("done\n");
    return 0;
}
