/*
 * orphans.c - space held by files that lost their last name (solo only: a
 * host's file systems are too busy for exact statfs deltas).  On the cwd
 * (TFS) and in /tmp (tmpfs): an unlinked file's blocks stay used while an
 * fd or a shared mapping (its fd closed) holds it and come back at the last
 * close / munmap; rename over an open file the same.  Then the program's own
 * file: unlinked early, /proc/self/exe reads "... (deleted)", and .data
 * pages and a function never touched before the unlink still load, even
 * after other files reused the freed space would have.
 * Compared with tests/integration/progs/orphans.expected.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#define MB (1024L * 1024)
#define BIG (8 * MB)

static char buf[MB];

/* Free bytes of the file system holding path, after a sync (TFS returns
 * freed blocks to the allocator once the freeing record is durable). */
static long free_bytes(const char *path)
{
    struct statfs s;
    syscall(SYS_sync);
    if (statfs(path, &s) < 0)
        return -1;
    return (long)s.f_bfree * (long)s.f_bsize;
}

static int make_big(const char *name)
{
    int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
    memset(buf, 'x', sizeof(buf));
    for (long i = 0; fd >= 0 && i < BIG / MB; i++)
        if (write(fd, buf, MB) != MB)
            return -1;
    return fd;
}

/* Held: at least 7/8 of the file still counted as used.  Freed: within
 * 256 KiB (log records) of the level before the file existed. */
static const char *held(long before, long now)
{
    return before - now >= BIG - MB ? "yes" : "no";
}

static const char *freed(long before, long now)
{
    return now >= before - 256 * 1024 ? "yes" : "no";
}

static void space(const char *dir)
{
    char a[256], b[256];
    snprintf(a, sizeof(a), "%s/orphan.a", dir);
    snprintf(b, sizeof(b), "%s/orphan.b", dir);
    printf("== %s\n", dir[0] == '/' ? dir : "cwd");

    long f0 = free_bytes(dir);
    int fd = make_big(a);
    printf("unlink: %d\n", unlink(a));
    printf("held by the fd after unlink: %s\n", held(f0, free_bytes(dir)));
    printf("write after unlink: %ld\n", (long)pwrite(fd, "y", 1, BIG));
    close(fd);
    printf("freed at close: %s\n", freed(f0, free_bytes(dir)));

    fd = make_big(a);
    char *m = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    printf("unlink mapped: %d\n", unlink(a));
    printf("held by the mapping: %s\n", held(f0, free_bytes(dir)));
    printf("mapping reads: %d\n", m != MAP_FAILED && m[BIG - 1] == 'x' && m[BIG / 2] == 'x');
    munmap(m, BIG);
    printf("freed at munmap: %s\n", freed(f0, free_bytes(dir)));

    fd = make_big(a);
    int fb = open(b, O_RDWR | O_CREAT | O_TRUNC, 0644);
    close(fb);
    printf("rename over open: %d\n", rename(b, a));
    printf("held by the fd after rename: %s\n", held(f0, free_bytes(dir)));
    close(fd);
    printf("freed at close: %s\n", freed(f0, free_bytes(dir)));
    unlink(a);
}

/* 4 MiB of .data: initialized, so its pages come from the program's file. */
static unsigned data_pages[1 << 20] = {
    [0] = 1, [1 << 18] = 2, [1 << 19] = 3, [(1 << 20) - 1] = 4,
};

/* A function far from main (after 256 KiB of padding): its page is first
 * executed after the unlink. */
__asm__(".section .text.orphans_pad,\"ax\",@progbits\n.skip 262144, 0x90\n.previous");
__attribute__((noinline, section(".text.orphans_far"))) static long far_away(long x)
{
    return x * 3 + 1;
}

static void self(void)
{
    char exe[512], link[512];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    printf("== exe\nunlink exe: %d\n", unlink(exe));
    n = readlink("/proc/self/exe", link, sizeof(link) - 1);
    link[n > 0 ? n : 0] = '\0';
    size_t l = strlen(exe);
    printf("exe link deleted: %d\n", strncmp(link, exe, l) == 0 && strcmp(link + l, " (deleted)") == 0);
    /* Fill the volume's free space the exe's blocks would go to if freed. */
    int fd = make_big("filler");
    long sum = 0;
    for (long i = 0; i < (1 << 20); i++)
        sum += data_pages[i];
    printf("data pages after unlink: %ld\n", sum);
    printf("far function: %ld\n", far_away(13));
    close(fd);
    unlink("filler");
}

int main(void)
{
    space(".");
    space("/tmp");
    self();
    return 0;
}
