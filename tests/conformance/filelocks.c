/*
 * filelocks.c - advisory locks inside one process: flock locks belong to
 * the open file description (a second open() of the file conflicts, a
 * dup'd fd shares the lock, the last close releases it, a failed
 * conversion loses the old lock), fcntl open-file-description locks
 * (F_OFD_SETLK/SETLKW/GETLK: conflicts between two opens, ranges split and
 * merged, GETLK's answer with l_pid -1), classic record locks (F_SETLK:
 * never conflict within the process, do conflict with OFD locks, any close
 * of the file drops them), the errno table of bad arguments, and a second
 * thread blocked in flock / F_OFD_SETLKW / F_SETLKW until the unlock.
 */
// covers: flock fcntl close dup
#include "common.h"
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/file.h>
#include <time.h>

static char dir[64], path[96];
static volatile int released, got_after_release;

static void msleep(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int lk(int fd, int cmd, short type, short whence, long start, long len)
{
    struct flock fl = { .l_type = type, .l_whence = whence, .l_start = start, .l_len = len };
    return (int)syscall(SYS_fcntl, fd, cmd, &fl);
}

/* F_GETLK / F_OFD_GETLK for [start, start+len): print the answer. */
static void getlk(const char *what, int fd, int cmd, short type, long start, long len)
{
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
    if (syscall(SYS_fcntl, fd, cmd, &fl) != 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    if (fl.l_type == F_UNLCK) {
        printf("%s: unlocked\n", what);
        return;
    }
    printf("%s: %s start %ld len %ld whence %d pid %s\n", what, fl.l_type == F_RDLCK ? "F_RDLCK" : "F_WRLCK",
           (long)fl.l_start, (long)fl.l_len, fl.l_whence,
           fl.l_pid == -1 ? "-1" : fl.l_pid == getpid() ? "self" : "other");
}

static void test_flock(void)
{
    int fd1 = open(path, O_RDWR), fd2 = open(path, O_RDWR), fd3 = dup(fd1);
    show("ex fd1", syscall(SYS_flock, fd1, LOCK_EX | LOCK_NB));
    show("ex second open", syscall(SYS_flock, fd2, LOCK_EX | LOCK_NB));
    show("sh second open", syscall(SYS_flock, fd2, LOCK_SH | LOCK_NB));
    show("ex dup of fd1", syscall(SYS_flock, fd3, LOCK_EX | LOCK_NB));
    show("un through the dup", syscall(SYS_flock, fd3, LOCK_UN));
    show("ex second open after it", syscall(SYS_flock, fd2, LOCK_EX | LOCK_NB));
    show("sh fd1", syscall(SYS_flock, fd1, LOCK_SH | LOCK_NB));
    show("second open converts to sh", syscall(SYS_flock, fd2, LOCK_SH));
    show("sh fd1 beside it", syscall(SYS_flock, fd1, LOCK_SH | LOCK_NB));
    show("second open converts to ex", syscall(SYS_flock, fd2, LOCK_EX | LOCK_NB));
    show("fd1 to ex (the failed conversion lost fd2's)", syscall(SYS_flock, fd1, LOCK_EX | LOCK_NB));
    show("second open sh", syscall(SYS_flock, fd2, LOCK_SH | LOCK_NB));
    close(fd1);                        /* fd3 still holds the description */
    show("second open after closing fd1", syscall(SYS_flock, fd2, LOCK_SH | LOCK_NB));
    close(fd3);
    show("second open after the last close", syscall(SYS_flock, fd2, LOCK_EX | LOCK_NB));
    show("fcntl locks are separate", lk(fd2, F_SETLK, F_WRLCK, SEEK_SET, 0, 0));
    int fd4 = open(path, O_RDWR);
    show("OFD lock beside a flock", lk(fd4, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 0));
    close(fd4);
    show("un", syscall(SYS_flock, fd2, LOCK_UN));
    show("un again", syscall(SYS_flock, fd2, LOCK_UN | LOCK_NB));
    show("bad op 0", syscall(SYS_flock, fd2, 0));
    show("bad op sh|ex", syscall(SYS_flock, fd2, LOCK_SH | LOCK_EX));
    show("bad fd", syscall(SYS_flock, 999, LOCK_EX));
    int p = open(path, O_PATH);
    show("O_PATH fd", syscall(SYS_flock, p, LOCK_EX));
    close(p);
    int ro = open(path, O_RDONLY);
    show("ex on a read-only fd", syscall(SYS_flock, ro, LOCK_EX | LOCK_NB));
    close(ro);
    close(fd2);
}

/* ---- blocked lockers */

struct blocker {
    int cmd;                           /* 0: flock LOCK_EX, else an fcntl lock command */
    int ret, err;
};

static void *block_lock(void *arg)
{
    struct blocker *b = arg;
    int fd = open(path, O_RDWR);
    b->ret = b->cmd == 0 ? (int)syscall(SYS_flock, fd, LOCK_EX) : lk(fd, b->cmd, F_WRLCK, SEEK_SET, 5, 1);
    b->err = b->ret < 0 ? errno : 0;
    got_after_release = released;
    close(fd);
    return NULL;
}

static void blocked(const char *what, int holder, int cmd, int unlock_cmd)
{
    pthread_t t;
    struct blocker b = { .cmd = cmd };
    released = 0;
    pthread_create(&t, NULL, block_lock, &b);
    msleep(80);
    released = 1;
    if (unlock_cmd == 0)
        syscall(SYS_flock, holder, LOCK_UN);
    else
        lk(holder, unlock_cmd, F_UNLCK, SEEK_SET, 0, 0);
    pthread_join(t, NULL);
    if (b.ret == 0)
        printf("%s: 0, after the unlock: %s\n", what, got_after_release ? "yes" : "no");
    else
        printf("%s: -1 %s\n", what, errname(b.err));
}

static void test_blocking(void)
{
    int fd = open(path, O_RDWR);
    syscall(SYS_flock, fd, LOCK_EX);
    blocked("flock waits for the other open's unlock", fd, 0, 0);
    lk(fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10);
    blocked("F_OFD_SETLKW waits for the OFD unlock", fd, F_OFD_SETLKW, F_OFD_SETLK);
    lk(fd, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 10);
    blocked("F_SETLKW waits for the OFD unlock", fd, F_SETLKW, F_OFD_SETLK);
    close(fd);
}

/* ---- byte-range locks */

static void test_ranges(void)
{
    int fd1 = open(path, O_RDWR), fd2 = open(path, O_RDWR), fd3 = dup(fd1);
    show("ofd wr [0,10) fd1", lk(fd1, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10));
    show("ofd wr [5,15) second open", lk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 10));
    show("ofd rd [9,10) second open", lk(fd2, F_OFD_SETLK, F_RDLCK, SEEK_SET, 9, 1));
    show("ofd rd [10,20) second open", lk(fd2, F_OFD_SETLK, F_RDLCK, SEEK_SET, 10, 10));
    show("ofd wr [5,8) through the dup", lk(fd3, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 3));
    getlk("ofd getlk second open, whole file", fd2, F_OFD_GETLK, F_WRLCK, 0, 0);
    getlk("ofd getlk fd1 rd [10,11)", fd1, F_OFD_GETLK, F_RDLCK, 10, 1);
    getlk("ofd getlk fd1 wr [10,11)", fd1, F_OFD_GETLK, F_WRLCK, 10, 1);
    getlk("ofd getlk fd1 own range", fd1, F_OFD_GETLK, F_WRLCK, 0, 10);

    /* classic record locks against OFD locks */
    show("setlk wr [0,5) second open", lk(fd2, F_SETLK, F_WRLCK, SEEK_SET, 0, 5));
    getlk("getlk [0,5)", fd2, F_GETLK, F_WRLCK, 0, 5);
    show("setlk rd [100,110)", lk(fd2, F_SETLK, F_RDLCK, SEEK_SET, 100, 10));
    getlk("ofd getlk sees the process lock", fd1, F_OFD_GETLK, F_WRLCK, 100, 1);
    show("setlk wr [100,110) other fd, same process", lk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 100, 10));
    getlk("getlk same process", fd2, F_GETLK, F_WRLCK, 100, 10);
    getlk("ofd getlk sees it upgraded", fd1, F_OFD_GETLK, F_RDLCK, 105, 1);
    int fd4 = open(path, O_RDONLY);
    close(fd4);                        /* any close drops the process's locks */
    getlk("ofd getlk after a close", fd1, F_OFD_GETLK, F_WRLCK, 100, 10);

    close(fd3);                        /* fd1 still holds the description */
    show("ofd wr [0,1) after closing the dup", lk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1));
    close(fd1);
    show("ofd wr [0,1) after the last close", lk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1));

    /* split, merge and the range forms, seen from another open */
    int o = open(path, O_RDWR);
    lk(fd2, F_OFD_SETLK, F_UNLCK, SEEK_SET, 0, 0);
    show("ofd wr [0,100)", lk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 100));
    show("ofd unlock [40,60)", lk(fd2, F_OFD_SETLK, F_UNLCK, SEEK_SET, 40, 20));
    getlk("left piece", o, F_OFD_GETLK, F_RDLCK, 0, 50);
    getlk("right piece", o, F_OFD_GETLK, F_RDLCK, 50, 150);
    getlk("the hole", o, F_OFD_GETLK, F_WRLCK, 40, 20);
    show("ofd rd [40,50) in the hole", lk(fd2, F_OFD_SETLK, F_RDLCK, SEEK_SET, 40, 10));
    getlk("a read lock in the hole", o, F_OFD_GETLK, F_WRLCK, 45, 1);
    show("ofd rd [200,210)", lk(fd2, F_OFD_SETLK, F_RDLCK, SEEK_SET, 200, 10));
    show("ofd rd [210,220)", lk(fd2, F_OFD_SETLK, F_RDLCK, SEEK_SET, 210, 10));
    getlk("merged", o, F_OFD_GETLK, F_WRLCK, 215, 1);
    show("ofd wr, negative length", lk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 300, -10));
    getlk("negative length", o, F_OFD_GETLK, F_RDLCK, 280, 30);
    show("ofd wr to the end", lk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 1000, 0));
    getlk("to the end", o, F_OFD_GETLK, F_RDLCK, 5000, 1);
    lseek(fd2, 500, SEEK_SET);
    show("ofd wr from SEEK_CUR", lk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_CUR, 2, 3));
    getlk("SEEK_CUR", o, F_OFD_GETLK, F_RDLCK, 400, 100 + 50);
    show("ofd wr from SEEK_END", lk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_END, 50, 5));
    getlk("SEEK_END (size 100)", o, F_OFD_GETLK, F_RDLCK, 140, 20);
    close(o);

    /* the errno table */
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_pid = 1 };
    show("ofd setlk l_pid set", syscall(SYS_fcntl, fd2, F_OFD_SETLK, &fl));
    show("ofd getlk l_pid set", syscall(SYS_fcntl, fd2, F_OFD_GETLK, &fl));
    show("setlk l_pid set", syscall(SYS_fcntl, fd2, F_SETLK, &fl));
    show("bad type", lk(fd2, F_SETLK, 5, SEEK_SET, 0, 1));
    show("bad whence", lk(fd2, F_SETLK, F_WRLCK, 3, 0, 1));
    show("negative start", lk(fd2, F_SETLK, F_WRLCK, SEEK_SET, -1, 1));
    show("negative length before 0", lk(fd2, F_SETLK, F_WRLCK, SEEK_SET, 5, -6));
    show("overflowing length", lk(fd2, F_SETLK, F_WRLCK, SEEK_SET, LONG_MAX, 2));
    show("overflowing start", lk(fd2, F_SETLK, F_WRLCK, SEEK_END, LONG_MAX, 1));
    show("getlk F_UNLCK", lk(fd2, F_GETLK, F_UNLCK, SEEK_SET, 0, 1));
    show("ofd getlk bad type", lk(fd2, F_OFD_GETLK, 7, SEEK_SET, 0, 1));
    show("getlk bad address", (int)syscall(SYS_fcntl, fd2, F_GETLK, (void *)8));
    show("setlk bad address", (int)syscall(SYS_fcntl, fd2, F_SETLK, (void *)8));
    int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY), p = open(path, O_PATH);
    show("wr lock on a read-only fd", lk(ro, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1));
    show("rd lock on a write-only fd", lk(wo, F_SETLK, F_RDLCK, SEEK_SET, 0, 1));
    show("unlock on a read-only fd", lk(ro, F_SETLK, F_UNLCK, SEEK_SET, 0, 1));
    getlk("getlk wr on a read-only fd", ro, F_GETLK, F_WRLCK, 0, 1);
    show("setlk on O_PATH", lk(p, F_SETLK, F_UNLCK, SEEK_SET, 0, 1));
    show("getlk on O_PATH", lk(p, F_GETLK, F_WRLCK, SEEK_SET, 0, 1));
    close(ro);
    close(wo);
    close(p);
    close(fd2);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    strcpy(dir, "/tmp/conf-locks.XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/f", dir);
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    char buf[100] = { 0 };
    if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
        return 1;
    close(fd);
    test_flock();
    test_blocking();
    test_ranges();
    unlink(path);
    rmdir(dir);
    return 0;
}
