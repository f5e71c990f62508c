/*
 * fsw.c - the TFS write-path workload for tests/tfs/run.sh, run inside solo
 * on the image's root filesystem (and natively, in a scratch directory, to
 * check the expectations themselves against Linux).
 *
 *   fsw [DIR]          phase by state: the first boot (no DIR/state) runs
 *                      every writing call and checks its result, then leaves
 *                      files for the next boot and prints "phase 1 ok"; the
 *                      second boot checks them ("phase 2 ok").
 *   fsw crash [DIR]    forever: append a numbered record to DIR/log, every
 *                      4th record also replace DIR/cur by rename, create one
 *                      short-lived file and remove the previous one, rewrite
 *                      slot N % 8 of DIR/slots in place (5000 bytes each, so
 *                      slots straddle blocks) and fdatasync it; fsync; then
 *                      print "ack N" (the host kills the VM at random).
 *                      The same slot of DIR/pslots is punched (fallocate
 *                      PUNCH_HOLE), fdatasync'ed, then rewritten.
 *   fsw slots FILE N   (on the host) check a slots file copied out after a
 *                      crash: every slot holds one whole version, at least
 *                      the one record N (the last acknowledged) wrote.
 *   fsw pslots FILE N  the same for pslots, where the slot record N+1 was
 *                      rewriting may also be all zeros (punched).
 *   fsw fill [DIR]     write until ENOSPC, check the filesystem still works
 *                      (stat, read back, unlink frees space, write again).
 *   fsw bench [DIR]    sequential write and read MB/s, fsync latency.
 *   fsw orphan [DIR] [exit]  first boot (no DIR/ostate): note the free space
 *                      in DIR/ostate, then open DIR/orphan, unlink it, write
 *                      16 MiB to it and fsync; print "orphan ready" and wait
 *                      (the host kills the VM) or, with "exit", exit without
 *                      closing it.  Next boot: "orphan space back: yes" when
 *                      statfs shows the space of the first boot again.
 * Exit status 0 when every check passed; each failure prints "FAIL: ...".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

static int failures;
static char dir[512];

#define CHECK(cond) do { if (!(cond)) { printf("FAIL: %s:%d: %s (errno %d %s)\n", __FILE__, __LINE__, #cond, \
                                                errno, strerror(errno)); failures++; } } while (0)

static const char *P(const char *name)
{
    static char buf[4][1024];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, sizeof(buf[0]), "%s/%s", dir, name);
    return b;
}

static void put(const char *name, const char *s, int flags)
{
    int fd = open(P(name), O_WRONLY | O_CREAT | flags, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
    CHECK(fsync(fd) == 0);
    CHECK(close(fd) == 0);
}

/* Whole file into buf (NUL-terminated); length or -1. */
static long get(const char *name, char *buf, size_t cap)
{
    int fd = open(P(name), O_RDONLY);
    if (fd < 0)
        return -1;
    long n = 0, r;
    while ((r = read(fd, buf + n, cap - 1 - (size_t)n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

static int is(const char *name, const char *want)
{
    char buf[8192];
    return get(name, buf, sizeof(buf)) >= 0 && strcmp(buf, want) == 0;
}

static void phase1_files(void)
{
    char buf[8192];
    struct stat st;
    int fd;

    CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST);
    put("a", "hello", O_TRUNC);
    CHECK(is("a", "hello"));
    CHECK(open(P("a"), O_WRONLY | O_CREAT | O_EXCL, 0644) < 0 && errno == EEXIST);
    put("a", "HE", 0);                                 /* overwrite in place, no truncation */
    CHECK(is("a", "HEllo"));
    put("a", "x", O_TRUNC);
    CHECK(is("a", "x"));
    put("a", "yz", O_APPEND);
    CHECK(is("a", "xyz"));
    /* pwrite past the end leaves a hole of zeros */
    fd = open(P("b"), O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(pwrite(fd, "END", 3, 10000) == 3);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 10003 && (st.st_mode & 07777) == 0600);
    CHECK(pread(fd, buf, 4, 4096) == 4 && memcmp(buf, "\0\0\0\0", 4) == 0);
    CHECK(pread(fd, buf, 3, 10000) == 3 && memcmp(buf, "END", 3) == 0);
    CHECK(ftruncate(fd, 5000) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 5000);
    CHECK(pread(fd, buf, 10, 4995) == 5);
    CHECK(ftruncate(fd, 8000) == 0);                  /* grows with zeros, old bytes gone */
    CHECK(pread(fd, buf, 3, 7990) == 3 && memcmp(buf, "\0\0\0", 3) == 0);
    CHECK(fallocate(fd, 0, 0, 65536) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 65536 && st.st_blocks >= 128);
    CHECK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 65536, 8192) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 65536);
    CHECK(fdatasync(fd) == 0);
    CHECK(close(fd) == 0);
    CHECK(truncate(P("b"), 100) == 0 && stat(P("b"), &st) == 0 && st.st_size == 100);
    /* a reader's buffered view follows another descriptor's writes */
    int rd = open(P("b"), O_RDONLY), wr = open(P("b"), O_WRONLY);
    CHECK(rd >= 0 && wr >= 0 && pread(rd, buf, 10, 0) == 10 && buf[0] == 0);
    CHECK(pwrite(wr, "seen", 4, 0) == 4 && pread(rd, buf, 4, 0) == 4 && memcmp(buf, "seen", 4) == 0);
    CHECK(ftruncate(wr, 2) == 0 && pread(rd, buf, 10, 0) == 2);
    CHECK(ftruncate(wr, 100) == 0 && pread(rd, buf, 4, 0) == 4 && memcmp(buf, "se\0\0", 4) == 0);
    CHECK(close(rd) == 0 && close(wr) == 0);
    /* a big file: 1 MiB pattern in odd-sized writes */
    fd = open(P("big"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    for (int i = 0; i < 1 << 20; i += 777) {
        char chunk[777];
        for (int k = 0; k < 777; k++)
            chunk[k] = (char)((i + k) * 7);
        size_t n = (1 << 20) - i < 777 ? (size_t)((1 << 20) - i) : 777;
        CHECK(write(fd, chunk, n) == (ssize_t)n);
    }
    CHECK(close(fd) == 0);
}

#define PG 4096
/* The "holes" file: 16 pages, page i all 'a' + i, then pages 2-5 punched,
 * bytes 100..299 of page 9 punched, page 12 zeroed from byte 10 (ZERO_RANGE,
 * allocated).  "sparse": 1 MiB made by ftruncate with "tail" at its end. */
static void holes_check(int fd, int sfd)
{
    char buf[PG];
    struct stat st;
    for (int i = 0; i < 16; i++) {
        CHECK(pread(fd, buf, PG, (off_t)i * PG) == PG);
        for (int k = 0; k < PG; k++) {
            char want = (char)('a' + i);
            if ((i >= 2 && i <= 5) || (i == 9 && k >= 100 && k < 300) || (i == 12 && k >= 10))
                want = 0;
            if (buf[k] != want) {
                printf("FAIL: holes page %d byte %d is %d, want %d\n", i, k, buf[k], want);
                failures++;
                break;
            }
        }
    }
    CHECK(fstat(fd, &st) == 0 && st.st_size == 16 * PG && st.st_blocks == 12 * PG / 512);
    CHECK(lseek(fd, 0, SEEK_HOLE) == 2 * PG && lseek(fd, 2 * PG, SEEK_DATA) == 6 * PG);
    CHECK(lseek(fd, 6 * PG, SEEK_HOLE) == 16 * PG);
    CHECK(lseek(fd, 16 * PG, SEEK_DATA) < 0 && errno == ENXIO);
    CHECK(fstat(sfd, &st) == 0 && st.st_size == 1 << 20 && st.st_blocks == PG / 512);
    CHECK(lseek(sfd, 0, SEEK_DATA) == (1 << 20) - PG && lseek(sfd, 0, SEEK_HOLE) == 0);
    CHECK(pread(sfd, buf, 8, (1 << 20) - 8) == 8 && memcmp(buf, "\0\0\0\0tail", 8) == 0);
}

static void phase1_punch(void);

/* "shift": 8 pages, page i all 'A' + i, pages 2-3 collapsed, then 2
 * pages inserted at page 1: A 0 0 B E F G H. */
static void shift_check(int fd)
{
    static const char want[] = "A00BEFGH";
    char buf[PG];
    struct stat st;
    for (int i = 0; i < 8; i++) {
        char w = want[i] == '0' ? 0 : want[i];
        CHECK(pread(fd, buf, PG, (off_t)i * PG) == PG && buf[0] == w && buf[PG - 1] == w);
    }
    CHECK(fstat(fd, &st) == 0 && st.st_size == 8 * PG && st.st_blocks == 6 * PG / 512);
    CHECK(lseek(fd, 0, SEEK_HOLE) == PG && lseek(fd, PG, SEEK_DATA) == 3 * PG);
}

static void phase1_holes(void)
{
    char page[PG];
    int xfd = open(P("shift"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(xfd >= 0);
    for (int i = 0; i < 8; i++) {
        memset(page, 'A' + i, PG);
        CHECK(pwrite(xfd, page, PG, (off_t)i * PG) == PG);
    }
    CHECK(fsync(xfd) == 0);
    CHECK(fallocate(xfd, FALLOC_FL_COLLAPSE_RANGE, 2 * PG, 2 * PG) == 0);
    CHECK(fallocate(xfd, FALLOC_FL_INSERT_RANGE, PG, 2 * PG) == 0);
    CHECK(fsync(xfd) == 0);
    shift_check(xfd);
    CHECK(close(xfd) == 0);
    phase1_punch();
}

static void phase1_punch(void)
{
    char page[PG];
    int fd = open(P("holes"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    int sfd = open(P("sparse"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && sfd >= 0);
    for (int i = 0; i < 16; i++) {
        memset(page, 'a' + i, PG);
        CHECK(pwrite(fd, page, PG, (off_t)i * PG) == PG);
    }
    CHECK(fsync(fd) == 0);                            /* punch logged blocks, not fresh ones */
    CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2 * PG, 4 * PG) == 0);
    CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 9 * PG + 100, 200) == 0);
    CHECK(fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 12 * PG + 10, PG - 10) == 0);
    CHECK(ftruncate(sfd, 1 << 20) == 0 && pwrite(sfd, "tail", 4, (1 << 20) - 4) == 4);
    CHECK(fsync(fd) == 0);
    holes_check(fd, sfd);
    CHECK(close(fd) == 0 && close(sfd) == 0);
}

static void phase1_names(void)
{
    struct stat st;
    char buf[256];

    CHECK(mkdir(P("d"), 0700) == 0);
    CHECK(mkdir(P("d"), 0700) < 0 && errno == EEXIST);
    put("d/f", "in d", O_TRUNC);
    CHECK(rmdir(P("d")) < 0 && errno == ENOTEMPTY);
    CHECK(unlink(P("d")) < 0 && errno == EISDIR);
    CHECK(rmdir(P("d/f")) < 0 && errno == ENOTDIR);
    CHECK(mkdir(P("e"), 0755) == 0 && rmdir(P("e")) == 0 && stat(P("e"), &st) < 0 && errno == ENOENT);
    CHECK(symlink("a", P("sl")) == 0);
    CHECK(readlink(P("sl"), buf, sizeof(buf)) == 1 && buf[0] == 'a');
    CHECK(is("sl", "xyz"));
    CHECK(link(P("a"), P("hl")) == 0);
    CHECK(stat(P("a"), &st) == 0 && st.st_nlink == 2);
    CHECK(link(P("d"), P("dl")) < 0 && errno == EPERM);
    /* rename: plain, over an existing file (atomic replace), into a subdirectory */
    put("r.tmp", "new contents", O_TRUNC);
    put("r", "old contents", O_TRUNC);
    CHECK(rename(P("r.tmp"), P("r")) == 0);
    CHECK(is("r", "new contents") && access(P("r.tmp"), F_OK) < 0);
    CHECK(rename(P("r"), P("d/r2")) == 0 && is("d/r2", "new contents"));
    CHECK(rename(P("d/r2"), P("r")) == 0);
    CHECK(rename(P("d"), P("d/sub")) < 0 && errno == EINVAL);
    CHECK(mkdir(P("d2"), 0755) == 0 && rename(P("d2"), P("d")) < 0 && errno == ENOTEMPTY);
    CHECK(rename(P("d"), P("d2")) == 0);              /* replaces an empty directory */
    CHECK(rename(P("d2"), P("d3")) == 0);
    CHECK(rename(P("a"), P("d3")) < 0 && errno == EISDIR);
    CHECK(renameat2(AT_FDCWD, P("r"), AT_FDCWD, P("hl"), RENAME_NOREPLACE) < 0 && errno == EEXIST);
    /* unlink while open: data stays readable until close */
    put("gone", "still here", O_TRUNC);
    int fd = open(P("gone"), O_RDONLY);
    CHECK(fd >= 0 && unlink(P("gone")) == 0);
    CHECK(access(P("gone"), F_OK) < 0 && errno == ENOENT);
    CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0);
    CHECK(read(fd, buf, sizeof(buf)) == 10 && memcmp(buf, "still here", 10) == 0);
    CHECK(close(fd) == 0);
    /* attributes */
    CHECK(chmod(P("a"), 0600) == 0 && stat(P("a"), &st) == 0 && (st.st_mode & 07777) == 0600 && S_ISREG(st.st_mode));
    struct timespec ts[2] = { { 1000000000, 5 }, { 1234567890, 123456789 } };
    CHECK(utimensat(AT_FDCWD, P("a"), ts, 0) == 0);
    CHECK(stat(P("a"), &st) == 0 && st.st_mtim.tv_sec == 1234567890 && st.st_mtim.tv_nsec == 123456789 &&
          st.st_atim.tv_sec == 1000000000);
    CHECK(access(P("a"), W_OK) == 0);
    /* owners: a file, a symlink itself (lchown), a directory */
    CHECK(chown(P("b"), 1234, 5678) == 0 && stat(P("b"), &st) == 0 && st.st_uid == 1234 && st.st_gid == 5678);
    CHECK(lchown(P("sl"), 42, 43) == 0 && lstat(P("sl"), &st) == 0 && st.st_uid == 42 && st.st_gid == 43);
    CHECK(chown(P("d3"), 7, -1) == 0 && stat(P("d3"), &st) == 0 && st.st_uid == 7 && st.st_gid == 0);
    struct statfs sf;
    CHECK(statfs(P("a"), &sf) == 0 && sf.f_bfree > 0 && sf.f_bfree < sf.f_blocks);
    sync();
}

/* What phase 1 left: the same answers after a reboot. */
static void phase2(void)
{
    struct stat st;
    char buf[8192];

    CHECK(is("a", "xyz") && is("hl", "xyz") && is("sl", "xyz"));
    CHECK(stat(P("a"), &st) == 0 && st.st_nlink == 2 && (st.st_mode & 07777) == 0600 &&
          st.st_mtim.tv_sec == 1234567890 && st.st_mtim.tv_nsec == 123456789);
    CHECK(stat(P("b"), &st) == 0 && st.st_size == 100 && (st.st_mode & 07777) == 0600);
    CHECK(is("r", "new contents") && access(P("r.tmp"), F_OK) < 0);
    CHECK(is("d3/f", "in d") && stat(P("d3"), &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
    CHECK(stat(P("b"), &st) == 0 && st.st_uid == 1234 && st.st_gid == 5678);
    CHECK(lstat(P("sl"), &st) == 0 && st.st_uid == 42 && st.st_gid == 43);
    CHECK(stat(P("sl"), &st) == 0 && st.st_uid == 0 && st.st_gid == 0);
    CHECK(stat(P("d3"), &st) == 0 && st.st_uid == 7 && st.st_gid == 0);
    CHECK(access(P("d"), F_OK) < 0 && access(P("d2"), F_OK) < 0 && access(P("gone"), F_OK) < 0);
    CHECK(get("big", buf, 1) == 0);
    int fd = open(P("big"), O_RDONLY);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 1 << 20);
    for (int i = 0; fd >= 0 && i < 1 << 20; i += 4096) {
        CHECK(read(fd, buf, 4096) == 4096);
        for (int k = 0; k < 4096; k++)
            if (buf[k] != (char)((i + k) * 7)) {
                printf("FAIL: big differs at %d\n", i + k);
                failures++;
                i = 1 << 20;
                break;
            }
    }
    close(fd);
    int hfd = open(P("holes"), O_RDONLY), sfd = open(P("sparse"), O_RDONLY);
    CHECK(hfd >= 0 && sfd >= 0);
    holes_check(hfd, sfd);                            /* the holes survived the reboot */
    close(hfd);
    close(sfd);
    hfd = open(P("shift"), O_RDONLY);
    CHECK(hfd >= 0);
    shift_check(hfd);
    close(hfd);
    CHECK(is("state", "1"));
    /* and writing still works on the second boot: the state moves on */
    put("state.new", "2", O_TRUNC);
    CHECK(rename(P("state.new"), P("state")) == 0 && is("state", "2"));
}

#define NSLOT 8
#define SLOT 5000

/* Version v of slot s: a header naming both, then bytes that differ from
 * every other version's at most offsets. */
static void slot_fill(char *p, int s, int v)
{
    int h = snprintf(p, SLOT, "slot %d version %d\n", s, v);
    for (int k = h; k < SLOT - 1; k++)
        p[k] = (char)('a' + (s * 31 + v * 7 + k) % 26);
    p[SLOT - 1] = '\n';
}

/* Host side: the slots file after a crash whose last acknowledged record
 * was last.  0 when every slot is one whole version >= the acknowledged one.
 * punched (the pslots file): the slot the next record was rewriting may also
 * be all zeros (punched, not yet rewritten), never anything else. */
static int slots_check(const char *path, int last, int punched)
{
    static char got[NSLOT * SLOT + 1], want[SLOT];
    FILE *f = fopen(path, "rb");
    size_t n = f != NULL ? fread(got, 1, sizeof(got), f) : 0;
    int bad = 0;
    if (f != NULL)
        fclose(f);
    if (n != NSLOT * SLOT) {
        printf("slots: %zu bytes, want %d\n", n, NSLOT * SLOT);
        return 1;
    }
    for (int s = 0; s < NSLOT; s++) {
        int gs = -1, v = -1, acked = s <= last ? (last - s) / NSLOT + 1 : 0;
        sscanf(got + s * SLOT, "slot %d version %d", &gs, &v);
        if (punched && s == (last + 1) % NSLOT) {
            int zero = 1;
            for (int k = 0; k < SLOT && zero; k++)
                zero = got[s * SLOT + k] == 0;
            if (zero)
                continue;
        }
        if (gs == s && v >= 0)
            slot_fill(want, s, v);
        if (gs != s || v < acked || memcmp(want, got + s * SLOT, SLOT) != 0) {
            printf("slot %d: header '%.*s', acknowledged version %d: not one whole version\n", s,
                   (int)strcspn(got + s * SLOT, "\n") % 40, got + s * SLOT, acked);
            bad = 1;
        }
    }
    if (bad == 0)
        printf("%s ok\n", punched ? "punched slots" : "slots");
    return bad;
}

static void crash_loop(void)
{
    char rec[128], cur[64];
    static char slot[SLOT];
    CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST);
    int fd = open(P("log"), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int sfd = open(P("slots"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    int pfd = open(P("pslots"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && sfd >= 0 && pfd >= 0);
    for (int s = 0; s < NSLOT; s++) {
        slot_fill(slot, s, 0);
        CHECK(pwrite(sfd, slot, SLOT, (off_t)s * SLOT) == SLOT);
        CHECK(pwrite(pfd, slot, SLOT, (off_t)s * SLOT) == SLOT);
    }
    CHECK(fsync(sfd) == 0 && fsync(pfd) == 0);
    for (int i = 0; failures == 0; i++) {
        int n = snprintf(rec, sizeof(rec), "record %08d %0*d\n", i, 40 + i % 50, i);
        CHECK(write(fd, rec, (size_t)n) == n);
        if (i % 4 == 0) {
            snprintf(cur, sizeof(cur), "cur %d\n", i);
            int t = open(P("cur.tmp"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            CHECK(t >= 0 && write(t, cur, strlen(cur)) == (ssize_t)strlen(cur) && fsync(t) == 0 && close(t) == 0);
            CHECK(rename(P("cur.tmp"), P("cur")) == 0);
        }
        /* churn: a short-lived file per record (metadata records, blocks freed and reused) */
        snprintf(cur, sizeof(cur), "t%d", i);
        int t = open(P(cur), O_WRONLY | O_CREAT | O_EXCL, 0644);
        CHECK(t >= 0 && write(t, rec, (size_t)n) == n && close(t) == 0);
        if (i > 0) {
            snprintf(cur, sizeof(cur), "t%d", i - 1);
            CHECK(unlink(P(cur)) == 0);
        }
        /* overwrite one slot in place: a crash must leave its old or new version */
        slot_fill(slot, i % NSLOT, i / NSLOT + 1);
        CHECK(pwrite(sfd, slot, SLOT, (off_t)(i % NSLOT) * SLOT) == SLOT && fdatasync(sfd) == 0);
        /* punch the same slot of pslots (partial blocks at both ends, shared
         * with the neighbours), make that durable, then write it again: a
         * crash leaves the old version, zeros or the new one, never a mix
         * or bytes of another file */
        CHECK(fallocate(pfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(i % NSLOT) * SLOT, SLOT) == 0);
        CHECK(fdatasync(pfd) == 0);
        CHECK(pwrite(pfd, slot, SLOT, (off_t)(i % NSLOT) * SLOT) == SLOT && fdatasync(pfd) == 0);
        CHECK(fsync(fd) == 0);
        printf("ack %d\n", i);
        fflush(stdout);
    }
}

static void fill(void)
{
    static char blk[65536];
    struct stat st;
    long total = 0;
    ssize_t r = 0;
    CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST);
    memset(blk, 'F', sizeof(blk));
    int fd = open(P("fill"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    while ((r = write(fd, blk, sizeof(blk))) > 0)
        total += r;
    CHECK(r < 0 && errno == ENOSPC);
    printf("filled %ld bytes, then ENOSPC\n", total);
    CHECK(fstat(fd, &st) == 0 && st.st_size == total);
    CHECK(fsync(fd) == 0 && close(fd) == 0);
    fd = open(P("small"), O_WRONLY | O_CREAT | O_TRUNC, 0644);     /* metadata only: still fits */
    CHECK(fd >= 0 && write(fd, "x", 1) < 0 && errno == ENOSPC && fsync(fd) == 0 && close(fd) == 0);
    CHECK(unlink(P("fill")) == 0);
    sync();
    put("small", "metadata still works", O_TRUNC);
    fd = open(P("again"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, blk, sizeof(blk)) == (ssize_t)sizeof(blk) && fsync(fd) == 0 && close(fd) == 0);
    CHECK(is("small", "metadata still works"));
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Sequential write (1 MiB writes, then fsync) and read of 64 MiB; 200
 * appends of 4 KiB each followed by fsync (the latency of a durable commit). */
static void bench(void)
{
    static char buf[1 << 20];
    const int mb = 64;
    CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST);
    memset(buf, 'b', sizeof(buf));
    int fd = open(P("bench"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    double t0 = now_s();
    for (int i = 0; i < mb; i++)
        CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
    CHECK(fsync(fd) == 0);
    double t1 = now_s();
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    for (int i = 0; i < mb; i++)
        CHECK(read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
    double t2 = now_s();
    CHECK(close(fd) == 0 && unlink(P("bench")) == 0);
    fd = open(P("commits"), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    double t3 = now_s();
    for (int i = 0; i < 200; i++)
        CHECK(write(fd, buf, 4096) == 4096 && fsync(fd) == 0);
    double t4 = now_s();
    CHECK(close(fd) == 0);
    printf("seq write %.1f MB/s, seq read %.1f MB/s, 4 KiB append+fsync %.3f ms\n",
           mb / (t1 - t0), mb / (t2 - t1), (t4 - t3) * 1000 / 200);
}

/* Free bytes of DIR's file system after a sync. */
static long long free_now(void)
{
    struct statfs sf;
    sync();
    CHECK(statfs(dir, &sf) == 0);
    return (long long)sf.f_bfree * sf.f_bsize;
}

/* An unlinked file with 16 MiB in it, still open when the VM dies or the
 * program exits; the next boot must find its space free again. */
static void orphan(int exit_open)
{
    char buf[1 << 16];
    CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST);
    if (access(P("ostate"), F_OK) == 0) {
        long long before = 0;
        FILE *f = fopen(P("ostate"), "r");
        CHECK(f != NULL && fscanf(f, "%lld", &before) == 1);
        if (f != NULL)
            fclose(f);
        long long now = free_now();
        printf("orphan space back: %s\n", now >= before - 256 * 1024 ? "yes" : "no");
        CHECK(unlink(P("ostate")) == 0);
        return;
    }
    snprintf(buf, sizeof(buf), "%lld\n", free_now());
    put("ostate", buf, O_TRUNC);
    int fd = open(P("orphan"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(unlink(P("orphan")) == 0);
    memset(buf, 'o', sizeof(buf));
    for (int i = 0; i < 256; i++)
        CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
    CHECK(fsync(fd) == 0);
    long long held = free_now();
    FILE *f = fopen(P("ostate"), "r");
    long long before = 0;
    CHECK(f != NULL && fscanf(f, "%lld", &before) == 1);
    if (f != NULL)
        fclose(f);
    printf("orphan held: %s\n", before - held >= 15LL * 1024 * 1024 ? "yes" : "no");
    printf("orphan ready\n");
    if (exit_open)
        return;
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "phases";
    snprintf(dir, sizeof(dir), "%s", argc > 2 ? argv[2] : "/data");
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(mode, "crash") == 0) {
        crash_loop();
    } else if (strcmp(mode, "slots") == 0 && argc > 3) {
        return slots_check(argv[2], atoi(argv[3]), 0);
    } else if (strcmp(mode, "pslots") == 0 && argc > 3) {
        return slots_check(argv[2], atoi(argv[3]), 1);
    } else if (strcmp(mode, "orphan") == 0) {
        orphan(argc > 3 && strcmp(argv[3], "exit") == 0);
    } else if (strcmp(mode, "bench") == 0) {
        bench();
    } else if (strcmp(mode, "fill") == 0) {
        fill();
        printf("fill %s\n", failures == 0 ? "ok" : "FAILED");
    } else if (access(P("state"), F_OK) != 0) {
        phase1_files();
        phase1_holes();
        phase1_names();
        put("state", "1", O_TRUNC);
        printf("phase 1 %s\n", failures == 0 ? "ok" : "FAILED");
    } else {
        phase2();
        printf("phase 2 %s\n", failures == 0 ? "ok" : "FAILED");
    }
    return failures == 0 ? 0 : 1;
}
