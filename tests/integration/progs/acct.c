// covers: acct
/*
 * acct.c - acct(2) in solo (never natively: it would turn on the host's
 * process accounting).  "acct" (no argument) runs in solo: the error paths,
 * acct(NULL) while off, a record written when accounting is turned off or
 * switched to another file (decoded at once), then accounting on to
 * /acct.log in the image and exit(3) after a 50 ms sleep; a second boot of
 * the same image (finding /acct.log) turns it on again and dies by SIGUSR1.
 * "acct decode FILE" runs on the host and prints the deterministic fields
 * of the records that solo wrote into FILE (copied out with solo fs get).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct acct_v3 {
    uint8_t ac_flag, ac_version;
    uint16_t ac_tty;
    uint32_t ac_exitcode, ac_uid, ac_gid, ac_pid, ac_ppid, ac_btime;
    float ac_etime;
    uint16_t ac_utime, ac_stime, ac_mem, ac_io, ac_rw, ac_minflt, ac_majflt, ac_swaps;
    char ac_comm[16];
};

static void show(const char *what, long r)
{
    if (r >= 0)
        printf("%s: %ld\n", what, r);
    else
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
}

static long acct_(const char *path)
{
    return syscall(SYS_acct, path);
}

/* A comp_t's value: 13-bit mantissa times 8 to the 3-bit exponent. */
static unsigned long comp(uint16_t c)
{
    return (unsigned long)(c & 0x1fff) << (3 * (c >> 13));
}

/* The deterministic facts of one record. */
static void print_record(const char *what, const struct acct_v3 *r, time_t now)
{
    printf("%s: version %d flag %#x exitcode %u uid %u gid %u pid %u ppid %u tty %u comm '%.16s'\n",
           what, r->ac_version, r->ac_flag, r->ac_exitcode, r->ac_uid, r->ac_gid, r->ac_pid,
           r->ac_ppid, r->ac_tty, r->ac_comm);
    printf("%s: io %u rw %u majflt %u swaps %u\n", what, r->ac_io, r->ac_rw, r->ac_majflt,
           r->ac_swaps);
    printf("%s: btime within a day: %s\n", what,
           labs((long)now - (long)r->ac_btime) < 86400 ? "yes" : "no");
    printf("%s: etime a whole number of ticks: %s\n", what,
           r->ac_etime == (float)(long)r->ac_etime ? "yes" : "no");
}

static int decode(const char *file)
{
    struct acct_v3 r;
    int fd = open(file, O_RDONLY), n = 0;
    if (fd < 0) {
        perror(file);
        return 1;
    }
    while (read(fd, &r, sizeof(r)) == (ssize_t)sizeof(r)) {
        char what[32];
        snprintf(what, sizeof(what), "record %d", ++n);
        print_record(what, &r, time(NULL));
        printf("%s: etime >= 5 ticks (50 ms): %s\n", what, r.ac_etime >= 5 ? "yes" : "no");
        printf("%s: mem > 0: %s, minflt > 0: %s, cpu within etime: %s\n", what,
               comp(r.ac_mem) > 0 ? "yes" : "no", comp(r.ac_minflt) > 0 ? "yes" : "no",
               comp(r.ac_utime) + comp(r.ac_stime) <= (unsigned long)r.ac_etime + 1 ? "yes" : "no");
    }
    printf("records: %d\n", n);
    close(fd);
    return 0;
}

/* Read the one record of a live (turned-off) file and print it. */
static void live_record(const char *what, const char *file)
{
    struct acct_v3 r;
    char extra;
    int fd = open(file, O_RDONLY);
    ssize_t n = read(fd, &r, sizeof(r));
    ssize_t more = read(fd, &extra, 1);
    printf("%s: size %zd, more %zd\n", what, n, more);
    close(fd);
    if (n == (ssize_t)sizeof(r)) {
        print_record(what, &r, time(NULL));
        printf("%s: utime %u stime %u mem %u minflt %u\n", what, r.ac_utime, r.ac_stime, r.ac_mem,
               r.ac_minflt);
    }
}

static void touch(const char *path)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0)
        printf("create %s: %s\n", path, strerrorname_np(errno));
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "decode") == 0)
        return decode(argv[2]);
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    if (access("/acct.log", F_OK) == 0) {
        /* the second boot: killed by a signal */
        prctl(PR_SET_NAME, "acct-signal");
        show("acct /acct.log", acct_("/acct.log"));
        nanosleep(&ts, NULL);
        raise(SIGUSR1);
        return 0;
    }
    show("acct NULL while off", acct_(NULL));
    show("acct bad pointer", acct_((const char *)8));
    show("acct missing file", acct_("/no-such-file"));
    show("acct empty path", acct_(""));
    show("acct a directory", acct_("/tmp"));
    show("acct a device", acct_("/dev/null"));
    show("acct under a file", acct_("/dev/null/x"));
    touch("/tmp/live");
    touch("/tmp/switched");
    show("acct /tmp/live", acct_("/tmp/live"));
    show("acct NULL", acct_(NULL));
    live_record("off", "/tmp/live");
    show("acct /tmp/switched", acct_("/tmp/switched"));
    touch("/acct.log");
    prctl(PR_SET_NAME, "acct-final");
    show("acct /acct.log (switch)", acct_("/acct.log"));
    live_record("switched", "/tmp/switched");
    fflush(stdout);
    nanosleep(&ts, NULL);
    exit(3);
}
