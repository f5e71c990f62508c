/*
 * procpid.c - /proc/<pid>, /proc/self, /proc/thread-self and the task/
 * directories, checked by relations that hold on any machine: /proc/self
 * is a symlink to the pid and names the same directory, thread-self names
 * <pid>/task/<tid> of the calling thread, task/ lists exactly the live
 * threads, each task/<tid> (and /proc/<tid> of a thread that is not the
 * leader, which readdir of /proc does not list) describes its thread in
 * stat and status, comm reads and writes the thread's name as
 * prctl(PR_SET_NAME) does, and pidfd_send_signal takes a /proc/<pid>
 * directory fd but no other kind of fd.
 */
// covers: readlinkat openat getdents64 pidfd_send_signal prctl
#include "common.h"
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#define NWORKERS 2

static char buf[1 << 16], buf2[1 << 16];
static int pipefd[2];
static pid_t worker_tid[NWORKERS];
static volatile int ready;
static volatile sig_atomic_t got;

/* The whole file at path into b (NUL-terminated): its length, or -errno. */
static long slurp_into(const char *path, char *b, size_t cap)
{
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
    if (fd < 0)
        return -errno;
    long n = 0, r;
    while ((r = read(fd, b + n, cap - 1 - (size_t)n)) > 0)
        n += r;
    close(fd);
    b[n] = '\0';
    return n;
}

static long slurp(const char *path)
{
    return slurp_into(path, buf, sizeof(buf));
}

/* readlink as a string ("" and errno set on failure). */
static const char *link_of(const char *path)
{
    static char out[256];
    long n = syscall(SYS_readlinkat, AT_FDCWD, path, out, sizeof(out) - 1);
    out[n < 0 ? 0 : n] = '\0';
    return out;
}

/* Does directory path list name (and with which d_type)?  -1: not listed. */
static int listed(const char *path, const char *name)
{
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
    int type = -1;
    if (fd < 0)
        return -2;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf2, sizeof(buf2));
        if (n <= 0)
            break;
        for (long off = 0; off < n;) {
            struct dirent64 *d = (struct dirent64 *)(buf2 + off);
            if (strcmp(d->d_name, name) == 0)
                type = d->d_type;
            off += d->d_reclen;
        }
    }
    close(fd);
    return type;
}

/* Numeric entries of directory path. */
static int count_numeric(const char *path)
{
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
    int count = 0;
    if (fd < 0)
        return -1;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf2, sizeof(buf2));
        if (n <= 0)
            break;
        for (long off = 0; off < n;) {
            struct dirent64 *d = (struct dirent64 *)(buf2 + off);
            if (d->d_name[0] >= '1' && d->d_name[0] <= '9')
                count++;
            off += d->d_reclen;
        }
    }
    close(fd);
    return count;
}

/* Field k (1-based) of the stat line in buf; comm (field 2) without parentheses. */
static const char *stat_field(int k)
{
    static char outs[4][64];
    static int turn;
    char *out = outs[turn++ % 4];
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    if (open == NULL || close == NULL)
        return "?";
    if (k == 1) {
        snprintf(out, 64, "%.*s", (int)(open - buf - 1), buf);
        return out;
    }
    if (k == 2) {
        snprintf(out, 64, "%.*s", (int)(close - open - 1), open + 1);
        return out;
    }
    char *p = close + 2;
    for (int i = 3; i < k && p != NULL; i++) {
        p = strchr(p, ' ');
        p = p != NULL ? p + 1 : NULL;
    }
    if (p == NULL)
        return "?";
    snprintf(out, 64, "%.*s", (int)strcspn(p, " \n"), p);
    return out;
}

/* The value after "key:\t" in a status text in buf. */
static const char *status_value(const char *key)
{
    static char outs[4][64];
    static int turn;
    char *out = outs[turn++ % 4];
    size_t len = strlen(key);
    for (char *p = buf; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, len) == 0 && p[len] == ':') {
            p += len + 1;
            while (*p == '\t' || *p == ' ')
                p++;
            snprintf(out, 64, "%.*s", (int)strcspn(p, "\n"), p);
            return out;
        }
    }
    return "?";
}

/* Opening path read-only: "ok" or the errno's name. */
static const char *open_result(const char *path)
{
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
    if (fd < 0)
        return errname(errno);
    close(fd);
    return "ok";
}

static void *worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    char name[16], c;
    snprintf(name, sizeof(name), "worker%d", i);
    prctl(PR_SET_NAME, name);
    worker_tid[i] = (pid_t)syscall(SYS_gettid);
    char path[64], want[64];
    snprintf(path, sizeof(path), "/proc/thread-self");
    snprintf(want, sizeof(want), "%d/task/%d", getpid(), worker_tid[i]);
    if (i == 0)
        printf("worker: thread-self -> <pid>/task/<tid>: %d\n", strcmp(link_of(path), want) == 0);
    __atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
    while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
        ;
    return NULL;
}

static void on_usr1(int sig)
{
    got = sig;
}

static void test_self(void)
{
    char pid[16], path[64];
    struct stat a, b, l;
    snprintf(pid, sizeof(pid), "%d", getpid());
    printf("readlink /proc/self == getpid: %d\n", strcmp(link_of("/proc/self"), pid) == 0);
    snprintf(path, sizeof(path), "/proc/%s", pid);
    int ra = stat("/proc/self", &a);
    int rb = stat(path, &b);
    int rl = lstat("/proc/self", &l);
    printf("stat self %d pid %d lstat %d: same dir %d, is dir %d, self is link %d\n", ra, rb, rl,
           a.st_ino == b.st_ino && a.st_dev == b.st_dev, S_ISDIR(b.st_mode), S_ISLNK(l.st_mode));
    char want[96];
    snprintf(want, sizeof(want), "%s/task/%s", pid, pid);
    printf("main: thread-self -> <pid>/task/<pid>: %d\n", strcmp(link_of("/proc/thread-self"), want) == 0);
    printf("/proc lists <pid> as dir %d, self as link %d, thread-self as link %d\n",
           listed("/proc", pid) == DT_DIR, listed("/proc", "self") == DT_LNK,
           listed("/proc", "thread-self") == DT_LNK);
    struct stat ts, tt;
    snprintf(path, sizeof(path), "/proc/self/task/%s", pid);
    printf("thread-self and task/<pid> same dir: %d\n",
           stat("/proc/thread-self", &ts) == 0 && stat(path, &tt) == 0 && ts.st_ino == tt.st_ino);
    struct stat s1, s2;
    snprintf(path, sizeof(path), "/proc/self/task/%s/stat", pid);
    printf("task/<pid>/stat is another file than self/stat: %d\n",
           stat("/proc/self/stat", &s1) == 0 && stat(path, &s2) == 0 && s1.st_ino != s2.st_ino);
    long n = slurp("/proc/self/stat");
    printf("self/stat read %d: pid field == getpid %d\n", n > 0, strcmp(stat_field(1), pid) == 0);
    snprintf(path, sizeof(path), "/proc/%s/stat", pid);
    n = slurp(path);
    printf("<pid>/stat read %d: pid field == getpid %d\n", n > 0, strcmp(stat_field(1), pid) == 0);
}

static void test_tasks(void)
{
    char path[128], want[64], name[16];
    int pid = getpid();
    snprintf(path, sizeof(path), "/proc/%d/task", pid);
    printf("task entries: %d (threads %d)\n", count_numeric(path), NWORKERS + 1);
    snprintf(want, sizeof(want), "%d", pid);
    printf("task/ lists main %d", listed(path, want) == DT_DIR);
    for (int i = 0; i < NWORKERS; i++) {
        snprintf(want, sizeof(want), "%d", worker_tid[i]);
        printf(" worker%d %d", i, listed(path, want) == DT_DIR);
    }
    printf("\n");
    long n = slurp("/proc/self/stat");
    printf("self/stat num_threads %s\n", n > 0 ? stat_field(20) : "?");
    for (int i = 0; i < NWORKERS; i++) {
        int tid = worker_tid[i];
        snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
        /* The worker blocks in read: wait until it shows as sleeping. */
        for (int tries = 0; tries < 500; tries++) {
            n = slurp(path);
            if (n > 0 && strcmp(stat_field(3), "S") == 0)
                break;
            usleep(10000);
        }
        snprintf(want, sizeof(want), "%d", tid);
        printf("task/<tid%d>/stat: pid field == tid %d, comm %s, state %s, threads %s\n", i,
               strcmp(stat_field(1), want) == 0, stat_field(2), stat_field(3), stat_field(20));
        snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
        n = slurp(path);
        printf("task/<tid%d>/status: Name %s, Pid == tid %d, Tgid == pid %d, Threads %s\n", i,
               status_value("Name"), atoi(status_value("Pid")) == tid,
               atoi(status_value("Tgid")) == pid, status_value("Threads"));
        snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
        n = slurp(path);
        printf("task/<tid%d>/comm: %ld \"%.*s\"\n", i, n, (int)strcspn(buf, "\n"), buf);
    }
    /* A worker's directory holds the per-thread files but no task/. */
    snprintf(path, sizeof(path), "/proc/self/task/%d", worker_tid[0]);
    printf("task/<tid> lists stat %d status %d comm %d maps %d fd %d, task %d\n",
           listed(path, "stat") == DT_REG, listed(path, "status") == DT_REG,
           listed(path, "comm") == DT_REG, listed(path, "maps") == DT_REG,
           listed(path, "fd") == DT_DIR, listed(path, "task"));
    snprintf(path, sizeof(path), "/proc/self/task/%d/task", worker_tid[0]);
    printf("task/<tid>/task: %s\n", open_result(path));
    snprintf(path, sizeof(path), "/proc/self/task/%d/maps", worker_tid[0]);
    long m1 = slurp_into(path, buf2, sizeof(buf2));
    long m2 = slurp("/proc/self/maps");
    printf("task/<tid>/maps == self/maps: %d\n", m1 > 0 && m1 == m2 && memcmp(buf, buf2, m1) == 0);

    /* comm: writing names the thread as prctl does (15 bytes kept, newline too). */
    snprintf(path, sizeof(path), "/proc/self/task/%d/comm", worker_tid[1]);
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY);
    printf("open comm for writing: %d\n", fd >= 0);
    printf("write \"renamed\": %ld\n", (long)write(fd, "renamed", 7));
    n = slurp(path);
    printf("comm now %ld \"%.*s\"\n", n, (int)strcspn(buf, "\n"), buf);
    printf("write 20 bytes: %ld\n", (long)write(fd, "abcdefghijklmnopqrst", 20));
    n = slurp(path);
    printf("comm now %ld \"%.*s\"\n", n, (int)strcspn(buf, "\n"), buf);
    printf("write \"nl\\n\": %ld\n", (long)write(fd, "nl\n", 3));
    n = slurp(path);
    printf("comm now %ld, ends with two newlines %d\n", n, n == 4 && strcmp(buf, "nl\n\n") == 0);
    snprintf(path, sizeof(path), "/proc/self/task/%d/status", worker_tid[1]);
    slurp(path);
    printf("status Name escaped: %s\n", status_value("Name"));
    close(fd);
    /* The main thread renames itself through /proc/self/comm; PR_GET_NAME agrees. */
    fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/comm", O_RDWR);
    printf("write self/comm: %ld\n", (long)write(fd, "mainthr", 7));
    close(fd);
    prctl(PR_GET_NAME, name);
    printf("PR_GET_NAME after comm write: %s\n", name);
    slurp("/proc/self/stat");
    printf("self/stat comm: %s\n", stat_field(2));
}

/* /proc/<tid> of a thread that is not the leader. */
static void test_tid_dir(void)
{
    char path[64], name[16];
    struct stat st;
    int tid = worker_tid[0];
    snprintf(name, sizeof(name), "%d", tid);
    snprintf(path, sizeof(path), "/proc/%d", tid);
    int r = stat(path, &st);
    printf("/proc/<tid>: stat %d dir %d, listed in /proc %d\n", r, S_ISDIR(st.st_mode),
           listed("/proc", name) != -1);
    snprintf(path, sizeof(path), "/proc/%d/stat", tid);
    slurp(path);
    printf("/proc/<tid>/stat: pid field == tid %d, comm %s\n", strcmp(stat_field(1), name) == 0,
           stat_field(2));
    snprintf(path, sizeof(path), "/proc/%d/task", tid);
    printf("/proc/<tid>/task entries: %d\n", count_numeric(path));
    printf("/proc/self/task/0: %s\n", open_result("/proc/self/task/0"));
    printf("/proc/self/task/x1: %s\n", open_result("/proc/self/task/x1"));
    printf("/proc/self/task/01: %s\n", open_result("/proc/self/task/01"));
    printf("/proc/2147483647: %s\n", open_result("/proc/2147483647"));
}

static void test_pidfd_send(void)
{
    char path[64];
    signal(SIGUSR1, on_usr1);
    snprintf(path, sizeof(path), "/proc/%d", getpid());
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
    got = 0;
    long r = syscall(SYS_pidfd_send_signal, fd, SIGUSR1, NULL, 0);
    printf("pidfd_send_signal(/proc/<pid> fd): %ld %s, handler ran %d\n", r, r < 0 ? errname(errno) : "",
           got == SIGUSR1);
    errno = 0;
    r = syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0);
    printf("signal 0: %ld %s\n", r, r < 0 ? errname(errno) : "");
    r = syscall(SYS_pidfd_send_signal, fd, SIGUSR1, NULL, 99);
    printf("bad flags: %ld %s\n", r, r < 0 ? errname(errno) : "");
    close(fd);
    /* The same through /proc/self (a symlink to that directory). */
    fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self", O_RDONLY | O_DIRECTORY);
    got = 0;
    r = syscall(SYS_pidfd_send_signal, fd, SIGUSR1, NULL, 0);
    printf("pidfd_send_signal(/proc/self fd): %ld %s, handler ran %d\n", r, r < 0 ? errname(errno) : "",
           got == SIGUSR1);
    close(fd);
    snprintf(path, sizeof(path), "/proc/%d", worker_tid[0]);
    fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
    r = syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0);
    printf("pidfd_send_signal(/proc/<tid> fd, 0): %ld %s\n", r, r < 0 ? errname(errno) : "");
    close(fd);
    /* Other directories and O_PATH fds are not pidfds. */
    static const char *const others[] = { "/proc/self/task", "/proc/thread-self", "/proc", "/" };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        fd = (int)syscall(SYS_openat, AT_FDCWD, others[i], O_RDONLY | O_DIRECTORY);
        r = syscall(SYS_pidfd_send_signal, fd, SIGUSR1, NULL, 0);
        printf("pidfd_send_signal(%s fd): %ld %s\n", others[i], r, r < 0 ? errname(errno) : "");
        close(fd);
    }
    fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self", O_PATH);
    r = syscall(SYS_pidfd_send_signal, fd, SIGUSR1, NULL, 0);
    printf("pidfd_send_signal(O_PATH /proc/self): %ld %s\n", r, r < 0 ? errname(errno) : "");
    close(fd);
    fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/stat", O_RDONLY);
    r = syscall(SYS_pidfd_send_signal, fd, SIGUSR1, NULL, 0);
    printf("pidfd_send_signal(/proc/self/stat fd): %ld %s\n", r, r < 0 ? errname(errno) : "");
    close(fd);
}

int main(void)
{
    pthread_t th[NWORKERS];
    setvbuf(stdout, NULL, _IONBF, 0);
    test_self();
    if (pipe(pipefd) != 0)
        return 1;
    for (int i = 0; i < NWORKERS; i++) {
        pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
        while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) <= i)
            usleep(1000);
    }
    test_tasks();
    test_tid_dir();
    test_pidfd_send();
    if (write(pipefd[1], "xx", 2) != 2)
        return 1;
    for (int i = 0; i < NWORKERS; i++)
        pthread_join(th[i], NULL);
    /* A joined thread may linger in task/ for a moment natively. */
    int left = 0;
    for (int tries = 0; tries < 500 && (left = count_numeric("/proc/self/task")) != 1; tries++)
        usleep(10000);
    printf("after join: task entries %d\n", left);
    return 0;
}
