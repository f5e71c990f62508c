/*
 * test_tfs.c - the TFS volume format over an in-memory disk: format, build a
 * tree, write, sync, remount and compare byte for byte; holes and partial
 * blocks; truncate and delete; torn/corrupt records; corrupt and truncated
 * superblocks; random mutations (which must never crash); ENOSPC on a tiny
 * volume; ENOMEM during mount; I/O errors during sync.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include <zlib.h>
#include "testutil.h"

#define MiB (1024 * 1024)

static struct test_heap th;
static struct memdisk md;
static struct tfs_io io;

static int setup(void **state)
{
    (void)state;
    test_heap_init(&th);
    memdisk_init(&md, 8 * MiB);
    io = memdisk_io(&md);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(md.p);
    assert_int_equal(th.live, 0);      /* nothing leaked */
    return 0;
}

/* Deterministic pseudo-random bytes. */
static u64 rng_state = 88172645463325252ULL;
static u64 rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static unsigned char *pattern(size_t n, unsigned seed)
{
    unsigned char *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)((i * 131 + seed * 7 + (i >> 12)) ^ (i >> 5));
    return p;
}

static struct tfs *mount(void)
{
    struct tfs *fs = NULL;
    char err[200];
    int r = tfs_open(&th.h, &io, &fs, err, sizeof(err));
    if (r != 0)
        print_error("mount failed: %d %s\n", r, err);
    assert_int_equal(r, 0);
    return fs;
}

static u64 mkobj(struct tfs *fs, u64 mode, const char *target)
{
    struct tuple *t = tuple_new(&th.h);
    assert_non_null(t);
    assert_int_equal(tuple_set_u64(t, "mode", mode), 0);
    if ((mode & TFS_S_IFMT) == TFS_S_IFDIR)
        assert_non_null(tuple_child(t, "children"));
    if (target != NULL)
        assert_int_equal(tuple_set_str(t, "target", target), 0);
    u64 id = tfs_create(fs, t);
    assert_true(id > TFS_ID_ROOT);
    return id;
}

static void check_file(struct tfs *fs, u64 id, const unsigned char *want, size_t n)
{
    unsigned char *got = malloc(n + 100);
    assert_int_equal(tfs_read(fs, id, got, n + 100, 0), (long)n);
    assert_memory_equal(got, want, n);
    free(got);
}

static void test_format_empty(void **state)
{
    struct tfs *fs;
    u64 total, freeb;
    (void)state;

    assert_int_equal(tfs_format(&th.h, &io, &fs), 0);
    assert_non_null(tfs_manifest(fs));
    tfs_close(fs);
    fs = mount();
    struct tuple *root = tfs_get(fs, TFS_ID_ROOT);
    assert_non_null(root);
    assert_int_equal(tuple_get_u64(root, "mode", 0) & TFS_S_IFMT, TFS_S_IFDIR);
    assert_non_null(tfs_manifest(fs));
    assert_null(tfs_get(fs, 3));
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "x", 1), 0);
    tfs_statfs(fs, &total, &freeb);
    assert_int_equal(total, 8 * MiB / TFS_BLOCK_SIZE);
    assert_true(freeb > total - 300 && freeb < total);
    assert_true(md.flushes > 0);
    tfs_close(fs);
}

static void test_tree_roundtrip(void **state)
{
    struct tfs *fs;
    (void)state;
    assert_int_equal(tfs_format(&th.h, &io, &fs), 0);
    u64 bin = mkobj(fs, TFS_S_IFDIR | 0755, NULL);
    u64 f1 = mkobj(fs, TFS_S_IFREG | 0644, NULL);
    u64 f2 = mkobj(fs, TFS_S_IFREG | 0755, NULL);
    u64 ln = mkobj(fs, TFS_S_IFLNK | 0777, "bin/prog");
    assert_int_equal(tfs_link(fs, TFS_ID_ROOT, "bin", bin), 0);
    assert_int_equal(tfs_link(fs, bin, "prog", f2), 0);
    assert_int_equal(tfs_link(fs, TFS_ID_ROOT, "hello.txt", f1), 0);
    assert_int_equal(tfs_link(fs, TFS_ID_ROOT, "link", ln), 0);
    assert_int_equal(tfs_link(fs, TFS_ID_ROOT, "link", ln), -EEXIST);
    assert_int_equal(tfs_link(fs, f1, "x", ln), -ENOTDIR);
    assert_int_equal(tfs_link(fs, TFS_ID_ROOT, "a/b", ln), -EINVAL);
    assert_int_equal(tfs_link(fs, TFS_ID_ROOT, "..", ln), -EINVAL);
    assert_int_equal(tfs_link(fs, TFS_ID_ROOT, "", ln), -EINVAL);
    assert_int_equal(tfs_link(fs, TFS_ID_ROOT, "zz", 999), -ENOENT);
    assert_int_equal(tfs_write(fs, f1, "hello, world\n", 13, 0), 13);
    unsigned char *big = pattern(200000, 1);
    assert_int_equal(tfs_write(fs, f2, big, 200000, 0), 200000);
    assert_int_equal(tfs_set_u64(fs, f2, "mtime", 1234567890123ULL), 0);
    assert_int_equal(tfs_set_bytes(fs, TFS_ID_MANIFEST, "program", "/bin/prog", 9), 0);
    struct tuple *args = tuple_new(&th.h);
    tuple_set_str(args, "0", "prog");
    tuple_set_str(args, "1", "--flag");
    assert_int_equal(tfs_set_tuple(fs, TFS_ID_MANIFEST, "arguments", args), 0);
    tuple_free(args);
    assert_int_equal(tfs_write(fs, bin, "x", 1, 0), -EISDIR);
    assert_int_equal(tfs_read(fs, 777, big, 1, 0), -ENOENT);
    assert_int_equal(tfs_set_bytes(fs, f1, "extents", "x", 1), -EINVAL);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);

    fs = mount();
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "bin", 3), bin);
    assert_int_equal(tfs_lookup(fs, bin, "prog", 4), f2);
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "hello.txt", 9), f1);
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "link", 4), ln);
    assert_string_equal(tuple_get_str(tfs_get(fs, ln), "target"), "bin/prog");
    check_file(fs, f1, (const unsigned char *)"hello, world\n", 13);
    check_file(fs, f2, big, 200000);
    assert_int_equal(tuple_get_u64(tfs_get(fs, f2), "size", 0), 200000);
    assert_int_equal(tuple_get_u64(tfs_get(fs, f2), "mtime", 0), 1234567890123ULL);
    assert_int_equal(tuple_get_u64(tfs_get(fs, f2), "mode", 0), TFS_S_IFREG | 0755);
    struct tuple *m = tfs_manifest(fs);
    assert_string_equal(tuple_get_str(m, "program"), "/bin/prog");
    assert_string_equal(tuple_get_str(tuple_get_tuple(m, "arguments"), "1"), "--flag");
    /* the next id continues after the replayed ones */
    u64 f3 = mkobj(fs, TFS_S_IFREG | 0600, NULL);
    assert_true(f3 > ln);
    /* short reads past the end, reads at offsets */
    unsigned char b[10];
    assert_int_equal(tfs_read(fs, f1, b, 10, 7), 6);
    assert_memory_equal(b, "world\n", 6);
    assert_int_equal(tfs_read(fs, f1, b, 10, 13), 0);
    assert_int_equal(tfs_read(fs, f1, b, 10, 1000), 0);
    free(big);
    tfs_close(fs);
}

static void test_large_file(void **state)
{
    struct tfs *fs;
    size_t n = 5 * MiB + 12345, pos = 0;
    unsigned char *data = pattern(n, 2), *got = malloc(n);
    (void)state;

    assert_int_equal(tfs_format(&th.h, &io, &fs), 0);
    u64 f = mkobj(fs, TFS_S_IFREG | 0644, NULL);
    tfs_link(fs, TFS_ID_ROOT, "big", f);
    while (pos < n) {                  /* odd chunk sizes: many partial blocks */
        size_t c = 1 + rnd() % 70000;
        c = MIN(n - pos, c);
        assert_int_equal(tfs_write(fs, f, data + pos, c, pos), (long)c);
        pos += c;
    }
    /* appends land on contiguous blocks: the extents merge */
    assert_true(tuple_count(tuple_get_tuple(tfs_get(fs, f), "extents")) <= 2);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    memset(got, 0xaa, n);
    for (pos = 0; pos < n;) {
        size_t c = 1 + rnd() % 300000;
        c = MIN(n - pos, c);
        assert_int_equal(tfs_read(fs, f, got + pos, c, pos), (long)c);
        pos += c;
    }
    assert_memory_equal(got, data, n);
    tfs_close(fs);
    free(data);
    free(got);
}

static void test_holes_and_overwrite(void **state)
{
    struct tfs *fs;
    unsigned char buf[20000], zero[20000];
    (void)state;

    memset(zero, 0, sizeof(zero));
    assert_int_equal(tfs_format(&th.h, &io, &fs), 0);
    u64 f = mkobj(fs, TFS_S_IFREG | 0644, NULL);
    assert_int_equal(tfs_write(fs, f, "abc", 3, 100), 3);
    assert_int_equal(tfs_write(fs, f, "XYZ", 3, 1000000 + 5), 3);
    assert_int_equal(tuple_get_u64(tfs_get(fs, f), "size", 0), 1000008);
    /* overwrite in place across the first block, then a partial block in a hole */
    assert_int_equal(tfs_write(fs, f, "12345", 5, 98), 5);
    assert_int_equal(tfs_write(fs, f, "mid", 3, 500000), 3);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tfs_read(fs, f, buf, 200, 0), 200);
    assert_memory_equal(buf, zero, 98);
    assert_memory_equal(buf + 98, "12345", 5);
    assert_memory_equal(buf + 103, zero, 97);
    assert_int_equal(tfs_read(fs, f, buf, 20000, 490000), 20000);
    assert_memory_equal(buf, zero, 10000);
    assert_memory_equal(buf + 10000, "mid", 3);
    assert_memory_equal(buf + 10003, zero, 20000 - 10003);
    assert_int_equal(tfs_read(fs, f, buf, 100, 1000000), 8);
    assert_memory_equal(buf, zero, 5);
    assert_memory_equal(buf + 5, "XYZ", 3);
    /* a pure in-place overwrite logs nothing new */
    long writes = md.writes;
    assert_int_equal(tfs_write(fs, f, "Q", 1, 101), 1);
    assert_int_equal(md.writes, writes + 1);
    /* shrink into a block, grow again: the cut bytes read as zero */
    assert_int_equal(tfs_truncate(fs, f, 101), 0);
    assert_int_equal(tfs_set_u64(fs, f, "size", 5000), 0);
    assert_int_equal(tfs_read(fs, f, buf, 5000, 0), 5000);
    assert_memory_equal(buf + 98, "123", 3);
    assert_memory_equal(buf + 101, zero, 5000 - 101);
    assert_int_equal(tfs_write(fs, f, "end", 3, 4000), 3);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tfs_read(fs, f, buf, 6000, 0), 5000);
    assert_memory_equal(buf + 98, "123", 3);
    assert_memory_equal(buf + 101, zero, 4000 - 101);
    assert_memory_equal(buf + 4000, "end", 3);
    assert_memory_equal(buf + 4003, zero, 997);
    tfs_close(fs);
}

static void test_metadata_ops(void **state)
{
    struct tfs *fs;
    u64 total, free0, free1, free2;
    (void)state;

    assert_int_equal(tfs_format(&th.h, &io, &fs), 0);
    tfs_statfs(fs, &total, &free0);
    u64 f = mkobj(fs, TFS_S_IFREG | 0644, NULL);
    u64 g = mkobj(fs, TFS_S_IFREG | 0644, NULL);
    tfs_link(fs, TFS_ID_ROOT, "f", f);
    tfs_link(fs, TFS_ID_ROOT, "g", g);
    unsigned char *d = pattern(1 * MiB, 3);
    assert_int_equal(tfs_write(fs, f, d, MiB, 0), MiB);
    tfs_statfs(fs, &total, &free1);
    assert_true(free1 <= free0 - 256);
    assert_int_equal(tfs_set_bytes(fs, g, "note", "x", 1), 0);
    assert_int_equal(tfs_remove_key(fs, g, "note"), 0);
    assert_int_equal(tfs_remove_key(fs, g, "note"), -ENOENT);
    assert_int_equal(tfs_unlink(fs, TFS_ID_ROOT, "f"), 0);
    assert_int_equal(tfs_unlink(fs, TFS_ID_ROOT, "f"), -ENOENT);
    assert_int_equal(tfs_delete(fs, f), 0);
    assert_int_equal(tfs_delete(fs, f), -ENOENT);
    assert_int_equal(tfs_delete(fs, TFS_ID_ROOT), -EPERM);
    assert_int_equal(tfs_truncate(fs, g, 0), 0);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_statfs(fs, &total, &free2);
    assert_true(free2 >= free1 + 256);
    tfs_close(fs);
    fs = mount();
    assert_null(tfs_get(fs, f));
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "f", 1), 0);
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "g", 1), g);
    assert_null(tuple_get(tfs_get(fs, g), "note"));
    tfs_statfs(fs, &total, &free1);
    assert_int_equal(free1, free2);    /* freed blocks are free after remount too */
    free(d);
    tfs_close(fs);
}

/* Offset of the first occurrence of s in the image. */
static size_t find_in_image(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= md.size; i++) {
        if (memcmp(md.p + i, s, n) == 0)
            return i;
    }
    fail_msg("%s not in image", s);
    return 0;
}

static void test_corrupt_record(void **state)
{
    struct tfs *fs;
    char name[32];
    u64 id[6];
    (void)state;

    assert_int_equal(tfs_format(&th.h, &io, &fs), 0);
    for (int i = 0; i < 6; i++) {
        id[i] = mkobj(fs, TFS_S_IFREG | 0644, NULL);
        snprintf(name, sizeof(name), "file_%d", i);
        assert_int_equal(tfs_link(fs, TFS_ID_ROOT, name, id[i]), 0);
        assert_int_equal(tfs_write(fs, id[i], name, strlen(name), 0), (long)strlen(name));
        assert_int_equal(tfs_sync(fs), 0);
    }
    tfs_close(fs);
    md.p[find_in_image("file_3") + 2] ^= 0x10;   /* torn/corrupt link record of file_3 */
    fs = mount();
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof(name), "file_%d", i);
        assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, name, 6), i < 3 ? id[i] : 0);
    }
    assert_non_null(tfs_get(fs, id[3]));        /* created before the bad record */
    assert_null(tfs_get(fs, id[4]));
    /* the log continues from the bad record: new work survives a remount */
    u64 n = mkobj(fs, TFS_S_IFREG | 0644, NULL);
    assert_int_equal(tfs_link(fs, TFS_ID_ROOT, "after", n), 0);
    assert_int_equal(tfs_write(fs, n, "ok", 2, 0), 2);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "after", 5), n);
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "file_4", 6), 0);   /* stale records stay dead */
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "file_5", 6), 0);
    check_file(fs, n, (const unsigned char *)"ok", 2);
    check_file(fs, id[2], (const unsigned char *)"file_2", 6);
    tfs_close(fs);
}

/* Crash before or in the middle of a sync: every prefix (in disk order) of
 * the data bytes written after the first sync, and then (data complete: the
 * sync flushes before the records) of the bytes the second sync changed,
 * must mount, with the first sync's state intact. */
static void test_torn_sync(void **state)
{
    struct tfs *fs;
    (void)state;

    md.size = 1 * MiB;
    io.size = md.size;
    assert_int_equal(tfs_format(&th.h, &io, &fs), 0);
    u64 a = mkobj(fs, TFS_S_IFREG | 0644, NULL);
    tfs_link(fs, TFS_ID_ROOT, "a", a);
    unsigned char *d = pattern(20000, 9);
    assert_int_equal(tfs_write(fs, a, d, 20000, 0), 20000);
    assert_int_equal(tfs_sync(fs), 0);
    unsigned char *before = malloc(md.size), *after = malloc(md.size);
    memcpy(before, md.p, md.size);
    for (int i = 0; i < 30; i++) {
        char name[16];
        snprintf(name, sizeof(name), "b%d", i);
        u64 b = mkobj(fs, TFS_S_IFREG | 0644, NULL);
        tfs_link(fs, TFS_ID_ROOT, name, b);
        tfs_write(fs, b, d, 100 + (size_t)i * 50, 0);
    }
    assert_int_equal(tfs_write(fs, a, "tail", 4, 20000), 4);
    unsigned char *mid = malloc(md.size);
    memcpy(mid, md.p, md.size);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    memcpy(after, md.p, md.size);
    size_t ndiff = 0, *diff = malloc(md.size * sizeof(size_t));
    for (int phase = 0; phase < 2; phase++) {
        const unsigned char *from = phase == 0 ? before : mid, *to = phase == 0 ? mid : after;
        ndiff = 0;
        for (size_t i = 0; i < md.size; i++) {
            if (from[i] != to[i])
                diff[ndiff++] = i;
        }
        assert_true(ndiff > 100);
        for (size_t cut = 0; cut <= ndiff; cut += ndiff / 40 + 1) {
            memcpy(md.p, from, md.size);
            for (size_t k = 0; k < cut; k++)
                md.p[diff[k]] = to[diff[k]];
            fs = mount();
            assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "a", 1), a);
            unsigned char got[20004];
            long n = tfs_read(fs, a, got, sizeof(got), 0);
            assert_true(n == (phase == 0 ? 20000 : n) && (n == 20000 || n == 20004));
            assert_memory_equal(got, d, 20000);
            tfs_close(fs);
        }
    }
    free(diff);
    free(mid);
    free(before);
    free(after);
    free(d);
}

static void test_corrupt_superblock(void **state)
{
    struct tfs *fs = NULL;
    char err[200];
    (void)state;

    assert_int_equal(tfs_format(&th.h, &io, NULL), 0);
    md.p[20] ^= 1;                                /* inside the uuid */
    assert_int_equal(tfs_open(&th.h, &io, &fs, err, sizeof(err)), -EUCLEAN);
    assert_non_null(strstr(err, "superblock"));
    assert_non_null(strstr(err, "byte offset 124"));
    md.p[20] ^= 1;
    md.p[0] ^= 1;
    assert_int_equal(tfs_open(&th.h, &io, &fs, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "magic"));
    assert_non_null(strstr(err, "byte offset 0"));
    md.p[0] ^= 1;
    md.p[8] = 9;                                  /* version */
    assert_int_equal(tfs_open(&th.h, &io, &fs, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "version 9"));
    md.p[8] = 1;
    fs = mount();
    tfs_close(fs);
    /* first log segment header damaged */
    md.p[4096 + 30] ^= 0xff;
    assert_int_equal(tfs_open(&th.h, &io, &fs, err, sizeof(err)), -EUCLEAN);
    assert_non_null(strstr(err, "byte offset 4096"));
}

static void test_truncated_image(void **state)
{
    struct tfs *fs = NULL;
    char err[200];
    (void)state;

    assert_int_equal(tfs_format(&th.h, &io, NULL), 0);
    io.size = md.size / 2;
    assert_int_equal(tfs_open(&th.h, &io, &fs, err, sizeof(err)), -EUCLEAN);
    assert_non_null(strstr(err, "truncated"));
    io.size = 100;
    assert_int_equal(tfs_open(&th.h, &io, &fs, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "too small"));
    io.size = 0;
    assert_int_equal(tfs_open(&th.h, &io, &fs, err, sizeof(err)), -EINVAL);
    /* a larger device than the volume is fine */
    io.size = md.size;
    struct tfs_io small = io;
    small.size = md.size / 2;
    assert_int_equal(tfs_format(&th.h, &small, NULL), 0);
    fs = mount();
    u64 total;
    tfs_statfs(fs, &total, NULL);
    assert_int_equal(total, md.size / 2 / TFS_BLOCK_SIZE);
    tfs_close(fs);
    assert_int_equal(tfs_format(&th.h, &small, &fs), 0);
    tfs_close(fs);
    small.size = 7 * 4096;
    assert_int_equal(tfs_format(&th.h, &small, &fs), -ENOSPC);
}

/* Build a small image with a few files into md. */
static void build_sample(void)
{
    struct tfs *fs;
    assert_int_equal(tfs_format(&th.h, &io, &fs), 0);
    u64 d = mkobj(fs, TFS_S_IFDIR | 0755, NULL);
    tfs_link(fs, TFS_ID_ROOT, "d", d);
    for (int i = 0; i < 8; i++) {
        char name[16];
        u64 f = mkobj(fs, TFS_S_IFREG | 0644, NULL);
        snprintf(name, sizeof(name), "f%d", i);
        tfs_link(fs, d, name, f);
        unsigned char *p = pattern(3000 * i + 1, i);
        tfs_write(fs, f, p, 3000 * i + 1, 0);
        free(p);
    }
    tfs_set_bytes(fs, TFS_ID_MANIFEST, "program", "/d/f1", 5);
    tfs_sync(fs);
    tfs_close(fs);
}

/* Exercise a mounted (possibly damaged) volume; must not crash. */
static void poke(struct tfs *fs)
{
    unsigned char buf[30000];
    u64 d = tfs_lookup(fs, TFS_ID_ROOT, "d", 1);
    for (int i = 0; i < 8; i++) {
        char name[16];
        snprintf(name, sizeof(name), "f%d", i);
        u64 f = tfs_lookup(fs, d, name, strlen(name));
        tfs_read(fs, f, buf, sizeof(buf), 0);
        tfs_read(fs, f, buf, 100, 5000);
    }
    u64 n = tfs_create(fs, tuple_new(&th.h));
    if (n != 0) {
        tfs_write(fs, n, buf, 5000, 3);
        tfs_link(fs, TFS_ID_ROOT, "new", n);
    }
    tfs_sync(fs);
}

static void test_random_mutations(void **state)
{
    (void)state;
    md.size = 512 * 1024;
    io.size = md.size;
    build_sample();
    unsigned char *good = malloc(md.size);
    memcpy(good, md.p, md.size);
    int mounted = 0;
    for (int iter = 0; iter < 300; iter++) {
        struct tfs *fs = NULL;
        char err[200];
        memcpy(md.p, good, md.size);
        int k = 1 + (int)(rnd() % 8);
        for (int j = 0; j < k; j++) {
            size_t off = iter % 3 == 0 ? rnd() % md.size : rnd() % (3 * 4096 + 4096);
            md.p[off] ^= (unsigned char)(1 + rnd() % 255);
        }
        int r = tfs_open(&th.h, &io, &fs, err, sizeof(err));
        if (r == 0) {
            mounted++;
            poke(fs);
            tfs_close(fs);
            fs = NULL;
            if (tfs_open(&th.h, &io, &fs, err, sizeof(err)) == 0)
                tfs_close(fs);
        } else {
            assert_true(r == -EINVAL || r == -EUCLEAN || r == -EIO);
            assert_true(strlen(err) > 10);
        }
        assert_int_equal(th.live, 0);
    }
    assert_true(mounted > 0);
    free(good);
}

static size_t put_varint(unsigned char *p, u64 v)
{
    size_t n = 0;
    do {
        p[n] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
        n++;
    } while (v != 0);
    return n;
}

/* A random but well-formed encoded tuple using the keys TFS interprets. */
static size_t gen_tuple(unsigned char *p, int depth)
{
    static const char *keys[] = { "mode", "size", "extents", "children", "target", "block", "blocks", "flags", "f" };
    u64 count = rnd() % 4, nums[] = { 0, 1, 2, 4096, 040755, 0100644, 1ULL << 40, UINT64_MAX };
    size_t n = put_varint(p, count);
    for (u64 i = 0; i < count; i++) {
        if (rnd() % 3 == 0) {                     /* an 8-byte extent key */
            n += put_varint(p + n, 8);
            u64 fb = rnd() % 4 == 0 ? rnd() : rnd() % 64;
            for (int k = 7; k >= 0; k--)
                p[n++] = (unsigned char)(fb >> (8 * k));
        } else {
            const char *k = keys[rnd() % ARRAY_SIZE(keys)];
            n += put_varint(p + n, strlen(k));
            memcpy(p + n, k, strlen(k));
            n += strlen(k);
        }
        static const unsigned char kinds[] = { 1, 2, 2, 3, 3, 4, 0x7f };
        unsigned char kind = kinds[rnd() % sizeof(kinds)];
        if (kind == 3 && depth >= 3)
            kind = 2;
        p[n++] = kind;
        if (kind == 1) {
            n += put_varint(p + n, 3);
            memcpy(p + n, "abc", 3);
            n += 3;
        } else if (kind == 2 || kind == 4) {
            n += put_varint(p + n, rnd() % 2 ? nums[rnd() % ARRAY_SIZE(nums)] : rnd() % 128);
        } else if (kind == 3) {
            n += gen_tuple(p + n, depth + 1);
        }
    }
    return n;
}

/* Records with valid CRCs but random payloads: the decoder must cope. */
static void test_garbage_records(void **state)
{
    (void)state;
    md.size = 512 * 1024;
    io.size = md.size;
    build_sample();
    unsigned char *good = malloc(md.size), uuid[16];
    memcpy(good, md.p, md.size);
    memcpy(uuid, md.p + 16, 16);
    u64 seg = 0;
    memcpy(&seg, md.p + 40, 8);
    for (int iter = 0; iter < 300; iter++) {
        struct tfs *fs = NULL;
        char err[200];
        memcpy(md.p, good, md.size);
        /* overwrite a record somewhere in the first records with random content */
        size_t pos = seg + 64 + 8 * (rnd() % 64);
        u32 len = (u32)(rnd() % 200);
        unsigned char *r = md.p + pos;
        memset(r, 0, 24);
        r[4] = (unsigned char)len;
        r[8] = (unsigned char)(1 + rnd() % 4);
        u64 id = rnd() % 16;
        memcpy(r + 16, &id, 8);
        if (iter % 2 == 0) {
            for (u32 i = 0; i < len; i++)
                r[24 + i] = (unsigned char)(rnd() % 4 == 0 ? rnd() : rnd() % 8);
        } else {
            unsigned char tmp[4096];
            len = (u32)gen_tuple(tmp, 0);
            if (r[8] == 4) {                      /* NEXT: a random target offset */
                u64 t = rnd() % 2 ? (rnd() % 128) * 4096 : rnd();
                memcpy(tmp, &t, 8);
                len = 8;
            }
            memcpy(r + 24, tmp, len);
            memcpy(r + 4, &len, 4);
        }
        u32 crc = tfs_crc32(tfs_crc32(tfs_crc32(0, uuid, 16), md.p + seg + 36, 8), r + 4, 20 + len);
        memcpy(r, &crc, 4);
        if (tfs_open(&th.h, &io, &fs, err, sizeof(err)) == 0) {
            poke(fs);
            tfs_close(fs);
        }
        assert_int_equal(th.live, 0);
    }
    free(good);
}

static void test_enospc(void **state)
{
    struct tfs *fs;
    u64 ids[40];
    size_t lens[40];
    int n = 0;
    long r = 0;
    (void)state;

    md.size = 64 * 1024;                          /* 16 blocks */
    io.size = md.size;
    assert_int_equal(tfs_format(&th.h, &io, &fs), 0);
    unsigned char *d = pattern(8192, 5);
    for (n = 0; n < 40; n++) {
        ids[n] = mkobj(fs, TFS_S_IFREG | 0644, NULL);
        char name[16];
        snprintf(name, sizeof(name), "f%d", n);
        assert_int_equal(tfs_link(fs, TFS_ID_ROOT, name, ids[n]), 0);
        lens[n] = 3000 + (size_t)n * 700;
        r = tfs_write(fs, ids[n], d, lens[n], 0);
        if (r < 0)
            break;
        assert_int_equal(r, (long)lens[n]);
    }
    assert_int_equal(r, -ENOSPC);
    assert_true(n >= 2);
    assert_int_equal(tuple_get_u64(tfs_get(fs, ids[n]), "size", 0), 0);
    /* use up the last blocks one at a time */
    u64 filler = mkobj(fs, TFS_S_IFREG | 0644, NULL), fsize = 0, freeb;
    while ((r = tfs_write(fs, filler, d, 4096, fsize)) == 4096)
        fsize += 4096;
    assert_int_equal(r, -ENOSPC);
    tfs_statfs(fs, NULL, &freeb);
    assert_int_equal(freeb, 0);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    for (int i = 0; i < n; i++)
        check_file(fs, ids[i], d, lens[i]);
    assert_int_equal(tuple_get_u64(tfs_get(fs, filler), "size", 0), fsize);
    /* free one file, sync, and the space is usable again */
    assert_int_equal(tfs_delete(fs, ids[0]), 0);
    assert_int_equal(tfs_write(fs, ids[n], d, 2000, 0), -ENOSPC);   /* not before sync */
    assert_int_equal(tfs_sync(fs), 0);
    assert_int_equal(tfs_write(fs, ids[n], d, 2000, 0), 2000);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    check_file(fs, ids[n], d, 2000);
    /* metadata keeps going until the log segments run out, then ENOSPC too */
    int i, rc = 0;
    for (i = 0; i < 100000 && rc == 0; i++)
        rc = tfs_set_u64(fs, TFS_ID_MANIFEST, "counter", (u64)i);
    assert_int_equal(rc, -ENOSPC);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tuple_get_u64(tfs_manifest(fs), "counter", 0), (u64)(i - 2));
    check_file(fs, ids[1], d, lens[1]);
    tfs_close(fs);
    free(d);
}

static void test_many_segments(void **state)
{
    struct tfs *fs;
    char name[32];
    (void)state;

    md.size = 2 * MiB;                            /* 4-block (16 KiB) segments */
    io.size = md.size;
    assert_int_equal(tfs_format(&th.h, &io, &fs), 0);
    u64 d = mkobj(fs, TFS_S_IFDIR | 0755, NULL);
    tfs_link(fs, TFS_ID_ROOT, "d", d);
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof(name), "entry-%04d", i);
        u64 f = mkobj(fs, TFS_S_IFREG | 0644, NULL);
        assert_int_equal(tfs_link(fs, d, name, f), 0);
        if (i % 500 == 0)
            assert_int_equal(tfs_sync(fs), 0);
    }
    struct tuple *big = tuple_new(&th.h);     /* a record bigger than a segment */
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof(name), "VAR_%d", i);
        tuple_set_str(big, name, "some environment value");
    }
    assert_int_equal(tfs_set_tuple(fs, TFS_ID_MANIFEST, "environment", big), 0);
    tuple_free(big);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tuple_count(tuple_get_tuple(tfs_get(fs, d), "children")), 2000);
    assert_true(tfs_lookup(fs, d, "entry-1999", 10) != 0);
    assert_int_equal(tuple_count(tuple_get_tuple(tfs_manifest(fs), "environment")), 3000);
    tfs_close(fs);
}

static void test_enomem_mount(void **state)
{
    struct tfs *fs = NULL;
    char err[200];
    int r = -ENOMEM;
    long k;
    (void)state;

    build_sample();
    for (k = 0; k < 100000 && r == -ENOMEM; k++) {
        th.fail_after = k;
        r = tfs_open(&th.h, &io, &fs, err, sizeof(err));
        th.fail_after = -1;
        if (r == -ENOMEM)
            assert_int_equal(th.live, 0);
    }
    assert_int_equal(r, 0);
    assert_true(k > 20);
    tfs_close(fs);
    /* ENOMEM while writing leaves the volume usable */
    fs = mount();
    u64 f = tfs_lookup(fs, tfs_lookup(fs, TFS_ID_ROOT, "d", 1), "f3", 2);
    unsigned char *p = pattern(9001, 3);
    th.fail_after = 0;
    assert_int_equal(tfs_write(fs, f, p, 5000, 9001), -ENOMEM);
    assert_int_equal(tfs_link(fs, TFS_ID_ROOT, "x", f), -ENOMEM);
    th.fail_after = -1;
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    check_file(fs, f, p, 9001);
    tfs_close(fs);
    free(p);
}

static void test_io_errors(void **state)
{
    struct tfs *fs;
    (void)state;

    assert_int_equal(tfs_format(&th.h, &io, &fs), 0);
    u64 f = mkobj(fs, TFS_S_IFREG | 0644, NULL);
    tfs_link(fs, TFS_ID_ROOT, "f", f);
    md.fail_io = true;
    assert_int_equal(tfs_sync(fs), -EIO);
    assert_int_equal(tfs_write(fs, f, "abc", 3, 0), -EIO);
    char b[4];
    md.fail_io = false;
    assert_int_equal(tfs_sync(fs), 0);       /* the pending records were kept */
    assert_int_equal(tfs_write(fs, f, "abc", 3, 0), 3);
    md.fail_io = true;
    assert_int_equal(tfs_read(fs, f, b, 3, 0), -EIO);
    md.fail_io = false;
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "f", 1), f);
    check_file(fs, f, (const unsigned char *)"abc", 3);
    tfs_close(fs);
}

/* Compaction keeps every object and its data, frees the old log, and the
 * volume keeps working (and compacting) afterwards. */
static void test_compact(void **state)
{
    struct tfs *fs;
    u64 total, free0, free1, ids[300];
    char name[32];
    (void)state;

    md.size = 4 * MiB;                            /* 16 KiB segments: a long chain */
    io.size = md.size;
    assert_int_equal(tfs_format(&th.h, &io, &fs), 0);
    unsigned char *d = pattern(50000, 4);
    for (int i = 0; i < 300; i++) {
        ids[i] = mkobj(fs, TFS_S_IFREG | 0644, NULL);
        snprintf(name, sizeof(name), "file-%d", i);
        assert_int_equal(tfs_link(fs, TFS_ID_ROOT, name, ids[i]), 0);
        for (int k = 0; k < 3; k++)
            tfs_write(fs, ids[i], d + k * 300, 300, (u64)k * 300 + (u64)i);
        tfs_set_u64(fs, ids[i], "mtime", (u64)i * 1000);
    }
    for (int i = 0; i < 300; i += 7) {
        snprintf(name, sizeof(name), "file-%d", i);
        tfs_unlink(fs, TFS_ID_ROOT, name);
        tfs_delete(fs, ids[i]);
    }
    assert_int_equal(tfs_sync(fs), 0);
    tfs_statfs(fs, &total, &free0);
    assert_int_equal(tfs_compact(fs), 0);
    tfs_statfs(fs, &total, &free1);
    assert_true(free1 > free0);                   /* old segments were freed */
    tfs_close(fs);
    for (int round = 0; round < 2; round++) {
        fs = mount();
        for (int i = 0; i < 300; i++) {
            snprintf(name, sizeof(name), "file-%d", i);
            if (i % 7 == 0) {
                assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, name, strlen(name)), 0);
                assert_null(tfs_get(fs, ids[i]));
                continue;
            }
            assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, name, strlen(name)), ids[i]);
            assert_int_equal(tuple_get_u64(tfs_get(fs, ids[i]), "mtime", 0), (u64)i * 1000);
            unsigned char got[1300], want[1300];
            memset(want, 0, sizeof(want));
            for (int k = 0; k < 3; k++)
                memcpy(want + k * 300 + i, d + k * 300, 300);
            assert_int_equal(tfs_read(fs, ids[i], got, sizeof(got), 0), 900 + i);
            assert_memory_equal(got, want, 900 + (size_t)i);
        }
        if (round == 0) {                         /* keep using it, compact again */
            u64 n = mkobj(fs, TFS_S_IFREG | 0644, NULL);
            assert_int_equal(tfs_link(fs, TFS_ID_ROOT, "late", n), 0);
            assert_int_equal(tfs_write(fs, n, d, 50000, 0), 50000);
            assert_int_equal(tfs_compact(fs), 0);
            assert_int_equal(tfs_write(fs, n, "!", 1, 50000), 1);
            assert_int_equal(tfs_sync(fs), 0);
        } else {
            u64 n = tfs_lookup(fs, TFS_ID_ROOT, "late", 4);
            unsigned char *got = malloc(50001);
            assert_int_equal(tfs_read(fs, n, got, 50001, 0), 50001);
            assert_memory_equal(got, d, 50000);
            assert_int_equal(got[50000], '!');
            free(got);
        }
        tfs_close(fs);
    }
    /* a compaction that cannot get space fails cleanly: the old log stays */
    fs = mount();
    u64 big = mkobj(fs, TFS_S_IFREG | 0644, NULL);
    tfs_link(fs, TFS_ID_ROOT, "big", big);
    u64 off = 0;
    while (tfs_write(fs, big, d, 4096, off) == 4096)
        off += 4096;
    assert_int_equal(tfs_compact(fs), -ENOSPC);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tuple_get_u64(tfs_get(fs, big), "size", 0), off);
    assert_true(tfs_lookup(fs, TFS_ID_ROOT, "file-1", 6) != 0);
    tfs_close(fs);
    free(d);
}

static void test_limits(void **state)
{
    struct tfs *fs;
    char longname[300];
    unsigned char b[8];
    (void)state;

    assert_int_equal(tfs_format(&th.h, &io, &fs), 0);
    u64 f = mkobj(fs, TFS_S_IFREG | 0644, NULL);
    u64 l = mkobj(fs, TFS_S_IFLNK | 0777, "f");
    memset(longname, 'n', sizeof(longname));
    longname[256] = 0;
    assert_int_equal(tfs_link(fs, TFS_ID_ROOT, longname, f), -ENAMETOOLONG);
    longname[255] = 0;
    assert_int_equal(tfs_link(fs, TFS_ID_ROOT, longname, f), 0);
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, longname, 255), f);
    assert_int_equal(tfs_create(fs, NULL), 0);
    assert_int_equal(tfs_read(fs, l, b, 8, 0), -EINVAL);        /* symlink: use "target" */
    assert_int_equal(tfs_read(fs, TFS_ID_ROOT, b, 8, 0), -EISDIR);
    assert_int_equal(tfs_write(fs, f, "x", 1, 1ULL << 62), -EFBIG);
    assert_int_equal(tfs_write(fs, f, "x", 1, UINT64_MAX), -EFBIG);
    assert_int_equal(tfs_write(fs, f, "x", 0, 5), 0);
    assert_int_equal(tfs_set_u64(fs, 999, "mtime", 1), -ENOENT);
    assert_int_equal(tfs_set_u64(fs, f, "children", 1), -EINVAL);
    assert_int_equal(tfs_set_bytes(fs, f, "size", "1", 1), -EINVAL);
    assert_int_equal(tfs_unlink(fs, f, "x"), -ENOTDIR);
    /* nesting deeper than the log format allows is refused, not written */
    struct tuple *top = tuple_new(&th.h), *t = top;
    for (int i = 0; i < 20; i++)
        t = tuple_child(t, "d");
    assert_int_equal(tfs_set_tuple(fs, TFS_ID_MANIFEST, "deep", top), -EINVAL);
    tuple_free(top);
    assert_null(tuple_get(tfs_manifest(fs), "deep"));
    /* a file with no "mode" (like the manifest) reads as a regular file */
    assert_int_equal(tfs_read(fs, TFS_ID_MANIFEST, b, 8, 0), 0);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, longname, 255), f);
    tfs_close(fs);
}

static int nreports;
static char reports[2000];
static void on_report(void *ctx, const char *msg)
{
    size_t n = strlen(reports);
    (void)ctx;
    nreports++;
    snprintf(reports + n, sizeof(reports) - n, "%s\n", msg);
}

static void test_check(void **state)
{
    struct tfs *fs;
    struct tfs_stats st;
    (void)state;

    md.size = 1 * MiB;
    io.size = md.size;
    build_sample();
    fs = mount();
    assert_int_equal(tfs_check(fs, &st, on_report, NULL), 0);
    assert_int_equal(st.problems, 0);
    assert_int_equal(st.objects, 11);             /* manifest, root, d, f0..f7 */
    assert_int_equal(st.dirs, 2);
    assert_int_equal(st.files, 8);
    assert_int_equal(st.bytes, 3000 * 28 + 8);
    assert_true(st.data_blocks >= 22);
    assert_int_equal(st.total_blocks, 256);
    assert_true(st.log_records > 20);
    assert_true(st.log_segments >= 1);
    /* a dangling entry and an orphan */
    u64 d = tfs_lookup(fs, TFS_ID_ROOT, "d", 1);
    assert_int_equal(tfs_delete(fs, tfs_lookup(fs, d, "f2", 2)), 0);
    mkobj(fs, TFS_S_IFREG | 0644, NULL);
    nreports = 0;
    assert_int_equal(tfs_check(fs, &st, on_report, NULL), 0);
    assert_int_equal(st.problems, 1);            /* the dangling entry */
    assert_int_equal(nreports, 1);
    assert_int_equal(st.orphans, 1);             /* an orphan is not damage */
    assert_int_equal(tfs_unlink(fs, d, "f2"), 0);
    u64 late = mkobj(fs, TFS_S_IFREG | 0644, NULL);
    assert_int_equal(tfs_link(fs, d, "late-entry", late), 0);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    /* a torn last record is reported with its offset */
    md.p[find_in_image("late-entry") + 3] ^= 0x40;
    fs = mount();
    nreports = 0;
    reports[0] = 0;
    assert_int_equal(tfs_check(fs, &st, on_report, NULL), 0);
    assert_non_null(strstr(reports, "torn"));
    assert_non_null(strstr(reports, "byte offset"));
    assert_int_equal(st.problems, 1);
    assert_int_equal(st.orphans, 2);             /* the late file lost its link, + the one above */
    assert_int_equal(tfs_reclaim(fs, NULL, NULL), 2);
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.orphans, 0);
    tfs_close(fs);
}

static void test_crc32(void **state)
{
    (void)state;
    unsigned char buf[4096];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)rnd();
    for (size_t n = 0; n < sizeof(buf); n = n * 3 + 1)
        assert_int_equal(tfs_crc32(0, buf, n), (u32)crc32(0, buf, (uInt)n));    /* zlib agrees */
    assert_int_equal(tfs_crc32(0, "123456789", 9), 0xcbf43926);
    assert_int_equal(tfs_crc32(tfs_crc32(0, "1234", 4), "56789", 5), 0xcbf43926);
    assert_int_equal(tfs_crc32(0, "", 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crc32, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_holes_and_overwrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metadata_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_superblock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_image, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_mutations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enospc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enomem_mount, setup, teardown),
        cmocka_unit_test_setup_teardown(test_io_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
