/*
 * diskio.c - a dd-like disk workload for the block-driver tests
 * (nvme_tests.sh) and the MB/s figures of docs/nvme.md.
 *
 *   diskio FILE MIB [time]
 *
 * When FILE does not exist (first boot): write MIB MiB of a position-
 * dependent pattern to it in chunks of mixed sizes from buffers at odd
 * addresses, fsync, write FILE.small ("durable\n") and fsync it, print
 * "wrote N bytes".  When it exists (second boot of the same image): read it
 * sequentially in 1 MiB reads, then at odd offsets and lengths into odd
 * buffer addresses, check every byte against the pattern and FILE.small,
 * print "read N bytes ok".  With "time", the sequential write (1 MiB
 * write calls and the fsync) or read (1 MiB read calls) rate goes to stderr
 * as "write|read X.X MB/s": only the time inside those calls counts, not
 * making or checking the pattern.
 * Exit status 0 when every check passed; each failure prints "FAIL: ...".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static int failed;

/* Byte at file offset off: a mix of the 8-byte word index. */
static unsigned char pattern(uint64_t off)
{
    uint64_t x = off / 8 + 0x9e3779b97f4a7c15ULL;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    return (unsigned char)(x >> (8 * (off % 8)));
}

static void fill(unsigned char *p, uint64_t off, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = pattern(off + i);
}

/* Index of the first byte of p that differs from the pattern at off, or -1. */
static long mismatch(const unsigned char *p, uint64_t off, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != pattern(off + i))
            return (long)i;
    return -1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_phase(const char *path, uint64_t size, int timed, unsigned char *mem)
{
    static const size_t sizes[] = { CHUNK, 4096, 513, 65543, 200000, 3 * 4096 + 1 };
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        perror("FAIL: open");
        return 1;
    }
    double t = 0, t0;
    uint64_t off = 0;
    for (int k = 0; off < size; k++) {
        size_t n = timed ? CHUNK : sizes[k % 6];
        unsigned char *p = mem + (timed ? 0 : k % 5);   /* odd buffer addresses too */
        if (n > size - off)
            n = (size_t)(size - off);
        fill(p, off, n);
        t0 = now_s();
        ssize_t w = write(fd, p, n);
        t += now_s() - t0;
        if (w != (ssize_t)n) {
            printf("FAIL: write at %llu\n", (unsigned long long)off);
            return 1;
        }
        off += n;
    }
    t0 = now_s();
    if (fsync(fd) != 0 || close(fd) != 0) {
        printf("FAIL: fsync/close\n");
        return 1;
    }
    t += now_s() - t0;
    char small[4096];
    snprintf(small, sizeof(small), "%s.small", path);
    fd = open(small, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "durable\n", 8) != 8 || fsync(fd) != 0 || close(fd) != 0) {
        printf("FAIL: %s\n", small);
        return 1;
    }
    if (timed)
        fprintf(stderr, "write %.1f MB/s\n", size / t / 1e6);
    printf("wrote %llu bytes\n", (unsigned long long)size);
    return 0;
}

static void check(const unsigned char *p, uint64_t off, size_t n, const char *how)
{
    long i = mismatch(p, off, n);
    if (i >= 0) {
        printf("FAIL: %s: byte %llu differs\n", how, (unsigned long long)(off + (uint64_t)i));
        failed = 1;
    }
}

static int read_phase(const char *path, uint64_t size, int timed, unsigned char *mem)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror("FAIL: open");
        return 1;
    }
    double t = 0, t0;
    uint64_t off = 0;
    for (;;) {
        t0 = now_s();
        ssize_t n = read(fd, mem, CHUNK);
        t += now_s() - t0;
        if (n < 0) {
            printf("FAIL: read at %llu\n", (unsigned long long)off);
            return 1;
        }
        if (n == 0)
            break;
        check(mem, off, (size_t)n, "sequential read");
        off += (uint64_t)n;
    }
    if (off != size) {
        printf("FAIL: file has %llu bytes\n", (unsigned long long)off);
        return 1;
    }
    /* odd offsets and lengths into odd buffer addresses */
    for (int k = 0; k < 40 && size > 0; k++) {
        uint64_t o = ((uint64_t)k * 1234567 + 511) % size;
        size_t n = (size_t)((k * 77777 + 1) % 300000);
        if (n > size - o)
            n = (size_t)(size - o);
        unsigned char *p = mem + 1 + k % 7;
        if (pread(fd, p, n, (off_t)o) != (ssize_t)n) {
            printf("FAIL: pread %llu+%zu\n", (unsigned long long)o, n);
            return 1;
        }
        check(p, o, n, "pread");
    }
    close(fd);
    char small[4096], buf[16] = "";
    snprintf(small, sizeof(small), "%s.small", path);
    fd = open(small, O_RDONLY);
    if (fd < 0 || read(fd, buf, sizeof(buf) - 1) != 8 || strcmp(buf, "durable\n") != 0) {
        printf("FAIL: %s: '%s'\n", small, buf);
        return 1;
    }
    close(fd);
    if (timed)
        fprintf(stderr, "read %.1f MB/s\n", size / t / 1e6);
    if (failed)
        return 1;
    printf("read %llu bytes ok\n", (unsigned long long)size);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: diskio FILE MIB [time]\n");
        return 2;
    }
    uint64_t size = strtoull(argv[2], NULL, 10) << 20;
    int timed = argc > 3 && strcmp(argv[3], "time") == 0;
    unsigned char *mem = malloc(CHUNK + 64);
    if (mem == NULL)
        return 1;
    if (access(argv[1], F_OK) != 0)
        return write_phase(argv[1], size, timed, mem);
    return read_phase(argv[1], size, timed, mem);
}
