/*
 * procfiles.c - the /proc and /sys files programs size themselves with,
 * checked by relations that hold on any machine: /proc/cpuinfo has one
 * "processor" entry per online CPU with a model name and SSE2 in its flags;
 * /sys/devices/system/cpu/online agrees with sysconf and a cpuN directory
 * exists per CPU; /proc/meminfo has MemFree <= MemTotal; /proc/self/stat,
 * statm and status describe this process (pid, name, thread count that
 * follows pthread_create, blocked and caught signal sets, resident <= size).
 */
// covers: openat read sched_getaffinity
#include "common.h"
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>

static char buf[1 << 16];

static int slurp(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = 0, r;
    while ((r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = '\0';
    return (int)n;
}

/* Count lines that start with prefix. */
static int count_lines(const char *prefix)
{
    int n = 0;
    size_t len = strlen(prefix);
    for (char *p = buf; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, prefix, len) == 0)
            n++;
    return n;
}

/* The number after "key" (first occurrence at a line start), or -1. */
static long field(const char *key)
{
    size_t len = strlen(key);
    for (char *p = buf; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, key, len) == 0)
            return strtol(p + len, NULL, 0);
    return -1;
}

static const char *line_value(const char *key)
{
    static char out[256];
    size_t len = strlen(key);
    for (char *p = buf; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, len) == 0) {
            p += len;
            while (*p == ' ' || *p == '\t' || *p == ':')
                p++;
            size_t n = strcspn(p, "\n");
            n = n < sizeof(out) - 1 ? n : sizeof(out) - 1;
            memcpy(out, p, n);
            out[n] = '\0';
            return out;
        }
    }
    return "";
}

/* CPUs in a list like "0-3,5". */
static int cpu_list_count(const char *s)
{
    int n = 0;
    while (*s != '\0' && *s != '\n') {
        char *e;
        long a = strtol(s, &e, 10), b = a;
        if (*e == '-')
            b = strtol(e + 1, &e, 10);
        n += (int)(b - a + 1);
        s = *e == ',' ? e + 1 : e;
    }
    return n;
}

static void test_cpu(void)
{
    long onln = sysconf(_SC_NPROCESSORS_ONLN);
    slurp("/proc/cpuinfo");
    fact("cpuinfo processors == online", count_lines("processor") == onln);
    fact("cpuinfo model name per cpu", count_lines("model name") == onln);
    fact("cpuinfo flags has sse2", strstr(line_value("flags"), " sse2") != NULL);
    fact("cpuinfo vendor", strlen(line_value("vendor_id")) == 12);
    slurp("/sys/devices/system/cpu/online");
    fact("sys online == sysconf", cpu_list_count(buf) == onln);
    fact("sys possible readable", slurp("/sys/devices/system/cpu/possible") > 0);
    fact("sys present readable", slurp("/sys/devices/system/cpu/present") > 0);
    struct stat st;
    fact("cpu0 directory", stat("/sys/devices/system/cpu/cpu0", &st) == 0 && S_ISDIR(st.st_mode));
    fact("conf >= online", sysconf(_SC_NPROCESSORS_CONF) >= onln);
}

static void test_meminfo(void)
{
    slurp("/proc/meminfo");
    long total = field("MemTotal:"), free = field("MemFree:"), avail = field("MemAvailable:");
    fact("meminfo MemTotal first", strncmp(buf, "MemTotal:", 9) == 0);
    fact("MemFree <= MemTotal", free >= 0 && free <= total);
    fact("MemAvailable present", avail >= 0);
}

static void *idle_thread(void *arg)
{
    while (*(volatile int *)arg == 0)
        sched_yield();
    return NULL;
}

static void on_usr2(int sig) { (void)sig; }

static void test_self(const char *name)
{
    char comm[64];
    long pid;
    slurp("/proc/self/stat");
    snprintf(comm, sizeof(comm), "(%.15s)", name);
    pid = strtol(buf, NULL, 10);
    fact("stat pid", pid == getpid());
    fact("stat comm", strstr(buf, comm) == buf + strcspn(buf, "("));
    char *after = strrchr(buf, ')');
    int fields = 2;
    for (char *p = after + 1; *p != '\0'; p++)
        if (*p == ' ' && p[1] != ' ' && p[1] != '\n' && p[1] != '\0')
            fields++;
    fact("stat has >= 44 fields", fields >= 44);
    char state;
    long threads = 0;
    sscanf(after + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld", &state, &threads);
    printf("stat state %c threads %ld\n", state, threads);

    unsigned long size = 0, res = 0;
    slurp("/proc/self/statm");
    int got = sscanf(buf, "%lu %lu", &size, &res);
    fact("statm resident <= size", got == 2 && res <= size && size > 0);

    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    signal(SIGUSR2, on_usr2);
    slurp("/proc/self/status");
    printf("status Name %s\n", strcmp(line_value("Name:"), name) == 0 ? "matches" : line_value("Name:"));
    fact("status Pid", field("Pid:\t") == getpid());
    printf("status Threads %ld\n", field("Threads:"));
    fact("status SigBlk has SIGUSR1", (strtoull(line_value("SigBlk:"), NULL, 16) >> (SIGUSR1 - 1) & 1) == 1);
    fact("status SigCgt has SIGUSR2", (strtoull(line_value("SigCgt:"), NULL, 16) >> (SIGUSR2 - 1) & 1) == 1);
    fact("status VmRSS", field("VmRSS:") > 0);
    fact("status VmSize", field("VmSize:") > 0);
    sigprocmask(SIG_UNBLOCK, &s, NULL);

    volatile int stop = 0;
    pthread_t t;
    pthread_create(&t, NULL, idle_thread, (void *)&stop);
    slurp("/proc/self/status");
    printf("status Threads with one more %ld\n", field("Threads:"));
    stop = 1;
    pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
    (void)argc;
    const char *name = strrchr(argv[0], '/');
    setvbuf(stdout, NULL, _IONBF, 0);
    test_cpu();
    test_meminfo();
    test_self(name != NULL ? name + 1 : argv[0]);
    return 0;
}
