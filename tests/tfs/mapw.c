/*
 * mapw.c - durability of stores through writable MAP_SHARED file mappings,
 * for tests/tfs/run.sh (mapshared).  Run as `mapw DIR` in an image twice:
 *
 *   first boot (no DIR/state): creates DIR/synced (stores, then msync
 *     MS_SYNC and munmap), DIR/unmapped (stores, munmap, no msync),
 *     DIR/fsynced (stores, fsync of the fd), DIR/big (1 MiB made by
 *     ftruncate, every page stored into through the mapping) and
 *     DIR/atexit (stores, no msync, no munmap: the exit must write them),
 *     writes DIR/state and exits without unmapping anything.
 *   second boot: maps every file again and checks its bytes (and that the
 *     bytes stored past the end of DIR/synced are not in the file), then
 *     prints "phase 2 ok".
 *
 * `mapw expect NAME` prints NAME's expected contents (the host compares them
 * with `solo fs get`).  Every file's byte i is want(name, i).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PG 4096L

static const char *names[] = { "synced", "unmapped", "fsynced", "big", "atexit" };

static long size_of(const char *name)
{
    return strcmp(name, "big") == 0 ? 1L << 20 : 3 * PG + 100;
}

static unsigned char want(const char *name, long i)
{
    return (unsigned char)(' ' + (i * 31 + name[0] + name[1] + i / PG) % 95);
}

static void fail(const char *what, const char *name)
{
    printf("FAIL %s %s: %s\n", what, name, strerror(errno));
    exit(1);
}

/* Create DIR/name of its size (zeros), map it shared and store its bytes
 * through the mapping (and 'X' past its end in the last page).  The fd. */
static int fill(const char *dir, const char *name, unsigned char **map)
{
    char path[256];
    long n = size_of(name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0 || ftruncate(fd, n) < 0)
        fail("create", name);
    long len = (n + PG - 1) / PG * PG;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        fail("mmap", name);
    for (long i = 0; i < n; i++)
        p[i] = want(name, i);
    if (n < len)
        memset(p + n, 'X', (size_t)(len - n));
    *map = p;
    return fd;
}

static int phase1(const char *dir)
{
    unsigned char *p;
    long len = 4 * PG;
    int fd = fill(dir, "synced", &p);
    if (msync(p, len, MS_SYNC) < 0 || munmap(p, len) < 0)
        fail("msync", "synced");
    close(fd);
    fd = fill(dir, "unmapped", &p);
    if (munmap(p, len) < 0)
        fail("munmap", "unmapped");
    close(fd);
    fd = fill(dir, "fsynced", &p);
    if (fsync(fd) < 0)
        fail("fsync", "fsynced");
    close(fd);                        /* the mapping stays */
    fd = fill(dir, "big", &p);
    close(fd);
    fd = fill(dir, "atexit", &p);
    close(fd);
    char path[256];
    snprintf(path, sizeof(path), "%s/state", dir);
    int s = open(path, O_CREAT | O_WRONLY, 0644);
    if (s < 0 || write(s, "1", 1) != 1 || fsync(s) < 0)
        fail("state", "");
    printf("phase 1 ok\n");
    return 0;                         /* exit with every mapping but two still there */
}

static int check(const char *dir, const char *name)
{
    char path[256];
    struct stat st;
    long n = size_of(name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) < 0)
        fail("open", name);
    if (st.st_size != n) {
        printf("FAIL %s: size %ld, want %ld\n", name, (long)st.st_size, n);
        exit(1);
    }
    unsigned char *p = mmap(NULL, (size_t)n, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        fail("mmap", name);
    for (long i = 0; i < n; i++)
        if (p[i] != want(name, i)) {
            printf("FAIL %s: byte %ld is %d, want %d\n", name, i, p[i], want(name, i));
            exit(1);
        }
    for (long i = n; i < (n + PG - 1) / PG * PG; i++)
        if (p[i] != 0) {
            printf("FAIL %s: byte %ld past the end is %d\n", name, i, p[i]);
            exit(1);
        }
    munmap(p, (size_t)n);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "expect") == 0) {
        for (long i = 0; i < size_of(argv[2]); i++)
            putchar(want(argv[2], i));
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: mapw DIR | mapw expect NAME\n");
        return 2;
    }
    char path[256];
    snprintf(path, sizeof(path), "%s/state", argv[1]);
    mkdir(argv[1], 0755);
    if (access(path, F_OK) != 0)
        return phase1(argv[1]);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        check(argv[1], names[i]);
    printf("phase 2 ok\n");
    return 0;
}
