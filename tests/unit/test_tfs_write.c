/*
 * test_tfs_write.c - the TFS calls the kernel's write path added: rename
 * (one record within a directory, replacing the target; torn variants),
 * fallocate (zeroed blocks, KEEP_SIZE, ENOSPC leaves nothing allocated),
 * write times logged with the data, orphan reclaim after a "crash"
 * between create and link, and log growth + compaction under churn (the
 * kernel's pattern: many small appends, fsync after each), and zlib
 * compressed extents (written, read, unpacked by writes/truncates, corrupt),
 * copy-on-write overwrites (a crash before the sync shows the old bytes),
 * holes (punch, zero range, SEEK_DATA/SEEK_HOLE; crashes before the sync
 * show the old bytes; random operations against a model), and the device
 * requests a sync makes (flushes, no read-back of the log tail).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include "testutil.h"

#define MiB (1024 * 1024)

static struct test_heap th;
static struct memdisk md;
static struct tfs_io io;

static int setup(void **state)
{
    (void)state;
    test_heap_init(&th);
    memdisk_init(&md, 4 * MiB);
    io = memdisk_io(&md);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(md.p);
    assert_int_equal(th.live, 0);
    return 0;
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

static struct tfs *fresh(void)
{
    struct tfs *fs = NULL;
    assert_int_equal(tfs_format(&th.h, &io, &fs), 0);
    return fs;
}

static u64 mkfile(struct tfs *fs, u64 dir, const char *name, const char *data)
{
    struct tuple *t = tuple_new(&th.h);
    assert_non_null(t);
    assert_int_equal(tuple_set_u64(t, "mode", TFS_S_IFREG | 0644), 0);
    u64 id = tfs_create(fs, t);
    assert_true(id > TFS_ID_ROOT);
    if (name != NULL)
        assert_int_equal(tfs_link(fs, dir, name, id), 0);
    if (data != NULL)
        assert_int_equal(tfs_write(fs, id, data, strlen(data), 0), (long)strlen(data));
    return id;
}

static u64 mkdir_(struct tfs *fs, u64 dir, const char *name)
{
    struct tuple *t = tuple_new(&th.h);
    assert_int_equal(tuple_set_u64(t, "mode", TFS_S_IFDIR | 0755), 0);
    assert_non_null(tuple_child(t, "children"));
    u64 id = tfs_create(fs, t);
    assert_int_equal(tfs_link(fs, dir, name, id), 0);
    return id;
}

static void expect_data(struct tfs *fs, u64 id, const char *want)
{
    char buf[256];
    long n = tfs_read(fs, id, buf, sizeof(buf), 0);
    assert_int_equal(n, (long)strlen(want));
    assert_memory_equal(buf, want, (size_t)n);
}

static void test_rename(void **state)
{
    (void)state;
    struct tfs *fs = fresh();
    u64 a = mkfile(fs, TFS_ID_ROOT, "a", "new");
    u64 b = mkfile(fs, TFS_ID_ROOT, "b", "old");
    u64 d = mkdir_(fs, TFS_ID_ROOT, "d");
    assert_int_equal(tfs_sync(fs), 0);
    /* within a directory: one record; the target entry is replaced */
    assert_int_equal(tfs_rename(fs, TFS_ID_ROOT, "a", TFS_ID_ROOT, "b"), 0);
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "b", 1), a);
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "a", 1), 0);
    assert_int_equal(tfs_delete(fs, b), 0);
    assert_int_equal(tfs_rename(fs, TFS_ID_ROOT, "b", d, "c"), 0);      /* across directories */
    assert_int_equal(tfs_rename(fs, TFS_ID_ROOT, "nope", d, "x"), -ENOENT);
    assert_int_equal(tfs_rename(fs, TFS_ID_ROOT, "d", a, "x"), -ENOTDIR);
    assert_int_equal(tfs_rename(fs, d, "c", d, "c"), 0);
    assert_int_equal(tfs_rename(fs, d, "c", d, "a/b"), -EINVAL);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tfs_lookup(fs, d, "c", 1), a);
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "b", 1), 0);
    assert_null(tfs_get(fs, b));
    expect_data(fs, a, "new");
    struct tfs_stats st;
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.problems + st.orphans, 0);
    tfs_close(fs);
}

/* A rename over an existing name, cut at every byte of its log write: the
 * name always resolves to the old or the new file, never to nothing. */
static void test_rename_torn(void **state)
{
    (void)state;
    struct tfs *fs = fresh();
    u64 a = mkfile(fs, TFS_ID_ROOT, "tmp", "new contents");
    u64 b = mkfile(fs, TFS_ID_ROOT, "cur", "old contents");
    assert_int_equal(tfs_sync(fs), 0);
    unsigned char *before = malloc(md.size);
    memcpy(before, md.p, md.size);
    assert_int_equal(tfs_rename(fs, TFS_ID_ROOT, "tmp", TFS_ID_ROOT, "cur"), 0);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    unsigned char *after = malloc(md.size);
    memcpy(after, md.p, md.size);
    size_t first = 0, last = 0;
    for (size_t i = 0; i < md.size; i++) {
        if (before[i] != after[i]) {
            if (first == 0)
                first = i;
            last = i;
        }
    }
    assert_true(first != 0);
    int olds = 0, news = 0;
    for (size_t cut = first; cut <= last + 1; cut++) {
        memcpy(md.p, before, md.size);
        memcpy(md.p + first, after + first, cut - first);
        fs = mount();
        u64 id = tfs_lookup(fs, TFS_ID_ROOT, "cur", 3);
        assert_true(id == a || id == b);
        expect_data(fs, id, id == a ? "new contents" : "old contents");
        if (id == a)
            news++;
        else
            olds++;
        tfs_close(fs);
    }
    assert_true(olds > 0 && news > 0);
    free(before);
    free(after);
}

static void test_allocate(void **state)
{
    (void)state;
    struct tfs *fs = fresh();
    u64 f = mkfile(fs, TFS_ID_ROOT, "f", "abc");
    u64 total, free0, free1;
    /* stale bytes on the disk must not show through allocated blocks */
    memset(md.p + md.size / 2, 0x5a, md.size / 2);
    tfs_statfs(fs, &total, &free0);
    assert_int_equal(tfs_allocate(fs, f, 0, 65536, false), 0);
    tfs_statfs(fs, &total, &free1);
    assert_int_equal(free0 - free1, 15);              /* block 0 was there already */
    assert_int_equal(tuple_get_u64(tfs_get(fs, f), "size", 0), 65536);
    assert_int_equal(tfs_allocate(fs, f, 65536, 8192, true), 0);
    assert_int_equal(tuple_get_u64(tfs_get(fs, f), "size", 0), 65536);
    assert_int_equal(tfs_allocate(fs, f, 0, 0, false), -EINVAL);
    assert_int_equal(tfs_allocate(fs, f, 0, (u64)1 << 62, false), -EFBIG);
    /* all or nothing: asking for more than is free allocates nothing */
    tfs_statfs(fs, &total, &free0);
    assert_int_equal(tfs_allocate(fs, f, 1 << 20, md.size, false), -ENOSPC);
    tfs_statfs(fs, &total, &free1);
    assert_int_equal(free0, free1);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    unsigned char buf[65536];
    assert_int_equal(tfs_read(fs, f, buf, sizeof(buf), 0), 65536);
    assert_memory_equal(buf, "abc", 3);
    for (size_t i = 3; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);
    /* the KEEP_SIZE blocks are there: writing into them needs no new block */
    tfs_statfs(fs, &total, &free0);
    assert_int_equal(tfs_write(fs, f, "tail", 4, 65536 + 4096), 4);
    tfs_statfs(fs, &total, &free1);
    assert_int_equal(free0, free1);
    tfs_close(fs);
}

static void test_write_time(void **state)
{
    (void)state;
    struct tfs *fs = fresh();
    u64 f = mkfile(fs, TFS_ID_ROOT, "f", "12345");
    assert_int_equal(tuple_get_u64(tfs_get(fs, f), "mtime", 0), 0);    /* mkfs: times untouched */
    tfs_set_write_time(fs, 1234567890123456789ULL);
    assert_int_equal(tfs_write(fs, f, "ab", 2, 1), 2);               /* in place: still logged */
    tfs_set_write_time(fs, 0);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tuple_get_u64(tfs_get(fs, f), "mtime", 0), 1234567890123456789ULL);
    assert_int_equal(tuple_get_u64(tfs_get(fs, f), "ctime", 0), 1234567890123456789ULL);
    expect_data(fs, f, "1ab45");
    tfs_close(fs);
}

static void test_reclaim(void **state)
{
    (void)state;
    struct tfs *fs = fresh();
    mkfile(fs, TFS_ID_ROOT, "kept", "kept");
    u64 o1 = mkfile(fs, 0, NULL, "an orphan with data");        /* crash before the link */
    u64 d = mkdir_(fs, TFS_ID_ROOT, "d");
    u64 o2 = mkfile(fs, d, "inner", "x");
    assert_int_equal(tfs_unlink(fs, TFS_ID_ROOT, "d"), 0);        /* a whole subtree cut off */
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    struct tfs_stats st;
    u64 total, free0, free1;
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.orphans, 3);
    assert_int_equal(st.problems, 0);
    tfs_statfs(fs, &total, &free0);
    assert_int_equal(tfs_reclaim(fs, NULL, NULL), 3);
    assert_null(tfs_get(fs, o1));
    assert_null(tfs_get(fs, o2));
    assert_int_equal(tfs_sync(fs), 0);
    tfs_statfs(fs, &total, &free1);
    assert_int_equal(free1 - free0, 2);                 /* their data blocks came back */
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.orphans, 0);
    assert_int_equal(tfs_reclaim(fs, NULL, NULL), 0);
    tfs_close(fs);
}

static int nreports;

static void count_report(void *ctx, const char *msg)
{
    (void)ctx;
    (void)msg;
    nreports++;
}

static bool busy_one(void *ctx, u64 id)
{
    return id == *(u64 *)ctx;
}

static void test_reclaim_busy(void **state)
{
    (void)state;
    struct tfs *fs = fresh();
    u64 open_file = mkfile(fs, 0, NULL, "open and unlinked");
    mkfile(fs, 0, NULL, "gone");
    assert_int_equal(tfs_reclaim(fs, busy_one, &open_file), 1);
    expect_data(fs, open_file, "open and unlinked");
    tfs_close(fs);
}

/* The kernel's pattern: append a record, sync, again and again, with files
 * created and removed; the log chains segments and compaction shrinks it,
 * and every synced state mounts with all appended bytes. */
static void test_churn_compact(void **state)
{
    (void)state;
    struct tfs *fs = fresh();
    u64 log = mkfile(fs, TFS_ID_ROOT, "log", NULL);
    char rec[64], name[32];
    u64 grown = 0, size = 0;
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(rec, sizeof(rec), "record %06d\n", i);
        assert_int_equal(tfs_write(fs, log, rec, (u64)n, size), n);
        size += (u64)n;
        snprintf(name, sizeof(name), "t%d", i);
        mkfile(fs, TFS_ID_ROOT, name, rec);
        if (i > 0) {
            snprintf(name, sizeof(name), "t%d", i - 1);
            u64 id = tfs_lookup(fs, TFS_ID_ROOT, name, strlen(name));
            assert_int_equal(tfs_unlink(fs, TFS_ID_ROOT, name), 0);
            assert_int_equal(tfs_delete(fs, id), 0);
        }
        assert_int_equal(tfs_sync(fs), 0);
        grown = tfs_log_blocks(fs) > grown ? tfs_log_blocks(fs) : grown;
        if (i % 1000 == 999) {
            assert_int_equal(tfs_compact(fs), 0);
            assert_true(tfs_log_blocks(fs) < grown);
        }
    }
    tfs_close(fs);
    fs = mount();
    char *buf = malloc(size + 1);
    assert_int_equal(tfs_read(fs, log, buf, size + 1, 0), (long)size);
    assert_memory_equal(buf + size - 14, "record 002999\n", 14);
    struct tfs_stats st;
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.problems + st.orphans, 0);
    assert_int_equal(st.files, 2);
    free(buf);
    tfs_close(fs);
}

/* Compressed extents: written by tfs_write_compressed, read back, made
 * plain by writes and truncates that cut into them, freed on delete. */
static void test_compressed(void **state)
{
    (void)state;
    struct tfs *fs = fresh();
    size_t n = 300000;
    unsigned char *data = malloc(n), *got = malloc(n + 10);
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)("compressible text "[i % 18] + (i / 50000));
    u64 f = mkfile(fs, TFS_ID_ROOT, "z", NULL);
    u64 total, free0, free1;
    tfs_statfs(fs, &total, &free0);
    assert_int_equal(tfs_write_compressed(fs, f, data, n, 0), (long)n);
    tfs_statfs(fs, &total, &free1);
    assert_true(free0 - free1 < 20);                  /* 74 blocks of data in a few */
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tfs_read(fs, f, got, n + 10, 0), (long)n);
    assert_memory_equal(got, data, n);
    assert_int_equal(tfs_read(fs, f, got, 100, 70000), 100);   /* inside the second extent */
    assert_memory_equal(got, data + 70000, 100);
    /* a write into the middle of a compressed extent, and a truncate cutting one */
    memcpy(data + 100000, "PATCH", 5);
    assert_int_equal(tfs_write(fs, f, "PATCH", 5, 100000), 5);
    assert_int_equal(tfs_truncate(fs, f, 250001), 0);
    assert_int_equal(tfs_sync(fs), 0);
    struct tfs_stats st;
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.problems, 0);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tfs_read(fs, f, got, n + 10, 0), 250001);
    assert_memory_equal(got, data, 250001);
    /* incompressible data stays plain */
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)((i * 2654435761u) >> 13);
    u64 g = mkfile(fs, TFS_ID_ROOT, "r", NULL);
    assert_int_equal(tfs_write_compressed(fs, g, data, n, 0), (long)n);
    assert_int_equal(tfs_read(fs, g, got, n, 0), (long)n);
    assert_memory_equal(got, data, n);
    /* delete frees the compressed blocks (after the sync) */
    assert_int_equal(tfs_unlink(fs, TFS_ID_ROOT, "z"), 0);
    assert_int_equal(tfs_delete(fs, f), 0);
    assert_int_equal(tfs_unlink(fs, TFS_ID_ROOT, "r"), 0);
    assert_int_equal(tfs_delete(fs, g), 0);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_statfs(fs, &total, &free1);
    assert_true(free1 >= free0);
    tfs_close(fs);
    free(data);
    free(got);
}

/* A damaged compressed extent reads as -EIO, never as wrong bytes. */
static void test_compressed_corrupt(void **state)
{
    (void)state;
    struct tfs *fs = fresh();
    size_t n = 65536;
    unsigned char *data = malloc(n), got[512];
    memset(data, 'a', n);
    u64 f = mkfile(fs, TFS_ID_ROOT, "z", NULL);
    assert_int_equal(tfs_write_compressed(fs, f, data, n, 0), (long)n);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    /* find the stream: zlib header 0x78 0xda at a block start */
    size_t at = 0;
    for (size_t b = 4096; b < md.size; b += 4096)
        if (md.p[b] == 0x78 && md.p[b + 1] == 0xda)
            at = b;
    assert_true(at != 0);
    md.p[at + 5] ^= 0xff;
    fs = mount();
    assert_int_equal(tfs_read(fs, f, got, sizeof(got), 0), -EIO);
    tfs_close(fs);
    free(data);
}

/* Random damage to an image holding compressed and plain files: mounting
 * and reading every file either works or fails with an error; never a
 * crash, a hang or a leak (ASan/UBSan watch). */
static void test_fuzz_compressed(void **state)
{
    (void)state;
    md.size = 1 * MiB;
    io.size = md.size;
    struct tfs *fs = fresh();
    size_t n = 150000;
    unsigned char *data = malloc(n), *got = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)(i % 7 == 0 ? i : 'q');
    u64 ids[3];
    ids[0] = mkfile(fs, TFS_ID_ROOT, "z", NULL);
    assert_int_equal(tfs_write_compressed(fs, ids[0], data, n, 0), (long)n);
    ids[1] = mkfile(fs, TFS_ID_ROOT, "p", "plain file");
    ids[2] = mkdir_(fs, TFS_ID_ROOT, "d");
    mkfile(fs, ids[2], "inner", "x");
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    unsigned char *good = malloc(md.size);
    memcpy(good, md.p, md.size);
    u64 x = 0x9e3779b97f4a7c15ULL;
    int mounted = 0;
    for (int iter = 0; iter < 400; iter++) {
        memcpy(md.p, good, md.size);
        for (int k = 0; k < 1 + iter % 6; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            md.p[x % (iter % 2 == 0 ? md.size : 64 * 4096)] ^= (unsigned char)(1 + (x >> 32) % 255);
        }
        char err[200];
        fs = NULL;
        if (tfs_open(&th.h, &io, &fs, err, sizeof(err)) != 0)
            continue;
        mounted++;
        for (int i = 0; i < 2; i++) {
            long r = tfs_read(fs, ids[i], got, n, 0);
            assert_true(r >= -EIO || r == -ENOENT || r == -EISDIR || r == -EINVAL || r == -ENOMEM);
        }
        struct tfs_stats st;
        assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
        assert_true(tfs_reclaim(fs, NULL, NULL) >= 0);
        tfs_close(fs);
    }
    assert_true(mounted > 100);
    free(good);
    free(data);
    free(got);
}

/* A bad record at the end of the log is a torn write; one with valid
 * records after it is damage, reported with both offsets. */
static void test_damage_vs_torn(void **state)
{
    (void)state;
    struct tfs *fs = fresh();
    for (int i = 0; i < 20; i++) {
        char name[16];
        snprintf(name, sizeof(name), "file%02d", i);
        mkfile(fs, TFS_ID_ROOT, name, name);
        assert_int_equal(tfs_sync(fs), 0);
    }
    assert_int_equal(tfs_link(fs, TFS_ID_ROOT, "zzlast", tfs_lookup(fs, TFS_ID_ROOT, "file00", 6)), 0);
    assert_int_equal(tfs_sync(fs), 0);             /* the log's last record names "zzlast" */
    tfs_close(fs);
    unsigned char *good = malloc(md.size);
    memcpy(good, md.p, md.size);
    size_t early = 0, last = 0;
    for (size_t i = 0; i + 6 < md.size; i++) {
        if (memcmp(md.p + i, "file03", 6) == 0 && early == 0)
            early = i;                             /* its directory entry in the log */
        if (memcmp(md.p + i, "zzlast", 6) == 0 && last == 0)
            last = i;                              /* the log comes before the data blocks */
    }
    assert_true(early != 0 && last > early);
    struct tfs_stats st;
    md.p[last] ^= 1;                               /* the last record: torn */
    fs = mount();
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.log_torn, 1);
    assert_int_equal(st.problems, 1);
    tfs_close(fs);
    memcpy(md.p, good, md.size);
    md.p[early] ^= 1;                              /* early in the log: damage */
    fs = mount();
    nreports = 0;
    assert_int_equal(tfs_check(fs, &st, count_report, NULL), 0);
    assert_int_equal(st.log_torn, 0);
    assert_int_equal(st.problems, 2);
    assert_int_equal(nreports, 2);
    tfs_close(fs);
    free(good);
}

/* Read file id in full and compare with want[0..n). */
static void expect_bytes(struct tfs *fs, u64 id, const unsigned char *want, size_t n)
{
    unsigned char *buf = malloc(n + 1);
    assert_non_null(buf);
    assert_int_equal(tfs_read(fs, id, buf, n + 1, 0), (long)n);
    assert_memory_equal(buf, want, n);
    free(buf);
}

/* Overwrites are copy-on-write: until the record is on the disk, a mount
 * ("power loss": close without sync) sees every old byte; after the sync,
 * every new one.  Blocks written since records last went out are rewritten
 * in place (no new block); a shrinking truncate copies its tail block too. */
static void test_cow_overwrite(void **state)
{
    (void)state;
    enum { N = 3 * 4096 };
    static unsigned char old[N], cur[N], b[5000];
    struct tfs *fs = fresh();
    u64 f = mkfile(fs, TFS_ID_ROOT, "f", NULL), total, free0, free1;
    memset(old, 'A', N);
    memset(b, 'B', sizeof(b));
    assert_int_equal(tfs_write(fs, f, old, N, 0), N);
    assert_int_equal(tfs_sync(fs), 0);
    /* overwrite across a block boundary, then "crash" before any sync */
    tfs_statfs(fs, &total, &free0);
    assert_int_equal(tfs_write(fs, f, b, sizeof(b), 2000), (long)sizeof(b));
    tfs_statfs(fs, &total, &free1);
    assert_int_equal(free0, free1);                   /* 2 taken, 2 freed at the next sync */
    memcpy(cur, old, N);
    memcpy(cur + 2000, b, sizeof(b));
    expect_bytes(fs, f, cur, N);
    tfs_close(fs);
    fs = mount();
    expect_bytes(fs, f, old, N);
    /* again, synced this time: the new bytes and the old ones around them */
    assert_int_equal(tfs_write(fs, f, b, sizeof(b), 2000), (long)sizeof(b));
    long w0 = md.writes;
    /* the blocks just written are not logged yet: rewritten in place */
    unsigned char c = 'C';
    assert_int_equal(tfs_write(fs, f, &c, 1, 4100), 1);
    assert_int_equal(md.writes - w0, 1);
    cur[4100] = 'C';
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    expect_bytes(fs, f, cur, N);
    struct tfs_stats st;
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.problems, 0);
    /* a shrinking truncate into a logged block: the crash leaves it whole */
    assert_int_equal(tfs_truncate(fs, f, 4200), 0);
    tfs_close(fs);
    fs = mount();
    expect_bytes(fs, f, cur, N);
    assert_int_equal(tfs_truncate(fs, f, 4200), 0);
    assert_int_equal(tfs_truncate(fs, f, N), 0);
    memset(cur + 4200, 0, N - 4200);
    expect_bytes(fs, f, cur, N);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    expect_bytes(fs, f, cur, N);
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.problems, 0);
    tfs_close(fs);
}

/* Random overwrites (sizes, offsets, holes, growth, truncates) with a sync
 * now and then, checked against a model; every "crash" (close without sync)
 * must show exactly the model as of the last sync. */
static void test_cow_random(void **state)
{
    (void)state;
    enum { MAXF = 64 * 1024 };
    static unsigned char model[MAXF], synced[MAXF], buf[20000];
    size_t len = 0, slen = 0;
    unsigned seed = 12345;
    struct tfs *fs = fresh();
    u64 f = mkfile(fs, TFS_ID_ROOT, "f", NULL);
    assert_int_equal(tfs_sync(fs), 0);
    for (int step = 0; step < 400; step++) {
        seed = seed * 1103515245 + 12345;
        unsigned op = (seed >> 16) % 16;
        if (op < 11) {
            size_t off = (seed * 7 >> 8) % (MAXF - sizeof(buf)), n = 1 + (seed >> 4) % sizeof(buf);
            memset(buf, 'a' + step % 26, n);
            assert_int_equal(tfs_write(fs, f, buf, n, off), (long)n);
            if (off > len)
                memset(model + len, 0, off - len);
            memcpy(model + off, buf, n);
            if (off + n > len)
                len = off + n;
        } else if (op < 12) {
            size_t nl = (seed >> 3) % MAXF;
            assert_int_equal(tfs_truncate(fs, f, nl), 0);
            if (nl > len)
                memset(model + len, 0, nl - len);
            len = nl;
        } else if (op < 15) {
            assert_int_equal(tfs_sync(fs), 0);
            memcpy(synced, model, len);
            slen = len;
        } else if (op < 20) {
            tfs_close(fs);
            fs = mount();
            expect_bytes(fs, f, synced, slen);
            memcpy(model, synced, slen);
            len = slen;
        }
        if (step % 50 == 0)
            expect_bytes(fs, f, model, len);
    }
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    expect_bytes(fs, f, model, len);
    struct tfs_stats st;
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.problems, 0);
    tfs_close(fs);
}

/* Every stretch SEEK_HOLE/SEEK_DATA call a hole reads as zeros in the model,
 * and the walk ends at the file's end. */
static void expect_holes_zero(struct tfs *fs, u64 f, const unsigned char *model, size_t len)
{
    u64 pos = 0;
    while (pos < len) {
        long d = tfs_seek_data(fs, f, pos, true);
        u64 stop = d == -ENXIO ? len : (u64)d;
        assert_true(d == -ENXIO || d >= (long)pos);
        for (u64 k = pos; k < stop; k++)
            assert_int_equal(model[k], 0);
        if (d == -ENXIO)
            break;
        long h = tfs_seek_data(fs, f, (u64)d, false);
        assert_true(h > d && (u64)h <= len);
        pos = (u64)h;
    }
    assert_int_equal(tfs_seek_data(fs, f, len, true), -ENXIO);
    assert_int_equal(tfs_seek_data(fs, f, len, false), -ENXIO);
}

/* Holes: a file grown by truncate or a write past its end holds no blocks
 * there; punching frees whole blocks (after the sync) and zeroes partial
 * ones in copies, so a crash before the sync shows every old byte;
 * ZERO_RANGE allocates zeroed blocks; SEEK_DATA/SEEK_HOLE see the holes. */
static void test_punch(void **state)
{
    (void)state;
    enum { BS = 4096, N = 5 * BS };
    static unsigned char old[N], cur[N];
    struct tfs *fs = fresh();
    struct tfs_stats st;
    u64 f = mkfile(fs, TFS_ID_ROOT, "f", NULL), g, total, free0, free1;
    memset(old, 'A', N);
    assert_int_equal(tfs_write(fs, f, old, N, 0), N);
    assert_int_equal(tfs_sync(fs), 0);
    assert_int_equal(tfs_file_blocks(fs, f), 5);
    assert_int_equal(tfs_seek_data(fs, f, 0, false), N);
    tfs_statfs(fs, &total, &free0);
    /* blocks 0 and 3 partly, 1 and 2 wholly */
    assert_int_equal(tfs_punch(fs, f, 2000, 2 * BS + 2096 + 1000), 0);
    memcpy(cur, old, N);
    memset(cur + 2000, 0, 2 * BS + 2096 + 1000);
    expect_bytes(fs, f, cur, N);
    assert_int_equal(tfs_file_blocks(fs, f), 3);
    assert_int_equal(tfs_seek_data(fs, f, 0, false), BS);
    assert_int_equal(tfs_seek_data(fs, f, BS, true), 3 * BS);
    assert_int_equal(tfs_seek_data(fs, f, BS + 7, true), 3 * BS);
    assert_int_equal(tfs_seek_data(fs, f, 3 * BS, false), N);
    assert_int_equal(tfs_seek_data(fs, f, N, true), -ENXIO);
    tfs_statfs(fs, &total, &free1);
    assert_int_equal(free1, free0 + 2);               /* copies of blocks 0 and 3; 4 freed at the sync */
    /* the freed blocks are not reused before the sync: fill the volume */
    g = mkfile(fs, TFS_ID_ROOT, "g", NULL);
    unsigned char *fill = malloc((free1 - 4) * BS);
    assert_non_null(fill);
    memset(fill, 'Z', (free1 - 4) * BS);
    assert_int_equal(tfs_write(fs, g, fill, (free1 - 4) * BS, 0), (long)((free1 - 4) * BS));
    assert_int_equal(tfs_write(fs, g, fill, BS, (free1 - 4) * BS), -ENOSPC);
    free(fill);
    tfs_close(fs);                                    /* crash: nothing of the punch shows */
    fs = mount();
    expect_bytes(fs, f, old, N);
    memcpy(cur, old, N);
    memset(cur + 2000, 0, 2 * BS + 2096 + 1000);
    assert_int_equal(tfs_file_blocks(fs, f), 5);
    assert_int_equal(tfs_punch(fs, f, 2000, 2 * BS + 2096 + 1000), 0);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_statfs(fs, &total, &free1);
    assert_int_equal(free1, free0 + 2);
    tfs_close(fs);
    fs = mount();
    expect_bytes(fs, f, cur, N);
    assert_int_equal(tfs_seek_data(fs, f, 0, false), BS);
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.problems, 0);
    /* punching a hole, or past the end, changes nothing; size stays */
    assert_int_equal(tfs_punch(fs, f, BS, BS), 0);
    assert_int_equal(tfs_punch(fs, f, N, 100 * BS), 0);
    assert_int_equal(tfs_punch(fs, f, 0, 0), -EINVAL);
    assert_int_equal(tfs_read(fs, f, cur, N + 1, 0), N);
    /* within one block, unlogged: zeroed in place */
    assert_int_equal(tfs_write(fs, f, old, BS, 4 * BS), BS);
    assert_int_equal(tfs_punch(fs, f, 4 * BS + 10, 20), 0);
    memset(cur + 4 * BS, 'A', BS);
    memset(cur + 4 * BS + 10, 0, 20);
    expect_bytes(fs, f, cur, N);
    /* the whole file: no blocks, all hole */
    assert_int_equal(tfs_punch(fs, f, 0, ~0ULL >> 1), 0);
    assert_int_equal(tfs_file_blocks(fs, f), 0);
    assert_int_equal(tfs_seek_data(fs, f, 0, true), -ENXIO);
    assert_int_equal(tfs_seek_data(fs, f, 0, false), 0);
    memset(cur, 0, N);
    expect_bytes(fs, f, cur, N);

    /* sparse by truncate and by a write past the end */
    g = mkfile(fs, TFS_ID_ROOT, "g", NULL);
    assert_int_equal(tfs_truncate(fs, g, 10 * BS), 0);
    assert_int_equal(tfs_file_blocks(fs, g), 0);
    assert_int_equal(tfs_write(fs, g, "x", 1, 20 * BS + 5), 1);
    assert_int_equal(tfs_file_blocks(fs, g), 1);
    assert_int_equal(tfs_seek_data(fs, g, 0, true), 20 * BS);
    assert_int_equal(tfs_seek_data(fs, g, 20 * BS, false), 20 * BS + 6);
    assert_int_equal(tfs_seek_data(fs, g, 3, false), 3);
    /* ZERO_RANGE: allocated zeros, size grows without KEEP_SIZE */
    assert_int_equal(tfs_sync(fs), 0);
    assert_int_equal(tfs_zero_range(fs, g, BS, 2 * BS, true), 0);
    assert_int_equal(tfs_file_blocks(fs, g), 3);
    assert_int_equal(tfs_zero_range(fs, g, 20 * BS + 2, 2 * BS, false), 0);
    assert_int_equal(tfs_read(fs, g, cur, N, 20 * BS), 2 * BS + 2);
    assert_int_equal(cur[0] | cur[1] | cur[2] | cur[3], 0);
    assert_int_equal(tfs_file_blocks(fs, g), 5);
    assert_int_equal(tfs_zero_range(fs, g, 0, 0, false), -EINVAL);
    tfs_close(fs);                                    /* crash: the last synced state */
    fs = mount();
    assert_int_equal(tfs_file_blocks(fs, g), 1);
    assert_int_equal(tfs_read(fs, g, cur, 10, 20 * BS + 5), 1);
    assert_int_equal(cur[0], 'x');
    assert_int_equal(tfs_zero_range(fs, g, 20 * BS + 2, 2 * BS, false), 0);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tfs_read(fs, g, cur, N, 20 * BS), 2 * BS + 2);
    for (int k = 0; k < 2 * BS + 2; k++)
        assert_int_equal(cur[k], 0);
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.problems, 0);
    tfs_close(fs);
}

/* Writes, truncates, punches, zero ranges, collapses and inserts at random against a model,
 * with syncs and "crashes": a crash shows exactly the model as of the last
 * sync; holes reported by SEEK_HOLE read as zeros. */
static void test_hole_random(void **state)
{
    (void)state;
    enum { MAXF = 64 * 1024 };
    static unsigned char model[MAXF], synced[MAXF], buf[20000];
    size_t len = 0, slen = 0;
    unsigned seed = 777;
    struct tfs *fs = fresh();
    u64 f = mkfile(fs, TFS_ID_ROOT, "f", NULL);
    assert_int_equal(tfs_sync(fs), 0);
    for (int step = 0; step < 800; step++) {
        seed = seed * 1103515245 + 12345;
        unsigned op = (seed >> 16) % 22;
        size_t off = (seed * 7 >> 8) % (MAXF - sizeof(buf)), n = 1 + (seed >> 4) % sizeof(buf);
        size_t aoff = off / 4096 * 4096, alen = (n + 4095) / 4096 * 4096;
        if (op == 20) {
            long r = tfs_collapse(fs, f, aoff, alen);
            if (aoff + alen >= len) {
                assert_int_equal(r, -EINVAL);
            } else {
                assert_int_equal(r, 0);
                memmove(model + aoff, model + aoff + alen, len - aoff - alen);
                len -= alen;
            }
        } else if (op == 21) {
            long r = len + alen > MAXF ? 0 : tfs_insert(fs, f, aoff, alen);
            if (len + alen > MAXF) {
                ;                                     /* keep the model within MAXF */
            } else if (aoff >= len) {
                assert_int_equal(r, -EINVAL);
            } else {
                assert_int_equal(r, 0);
                memmove(model + aoff + alen, model + aoff, len - aoff);
                memset(model + aoff, 0, alen);
                len += alen;
            }
        } else if (op < 8) {
            memset(buf, 'a' + step % 26, n);
            assert_int_equal(tfs_write(fs, f, buf, n, off), (long)n);
            if (off > len)
                memset(model + len, 0, off - len);
            memcpy(model + off, buf, n);
            if (off + n > len)
                len = off + n;
        } else if (op < 12) {
            assert_int_equal(tfs_punch(fs, f, off, n), 0);
            if (off < len)
                memset(model + off, 0, MIN(len, off + n) - off);
        } else if (op < 14) {
            bool keep = (seed & 1) != 0;
            assert_int_equal(tfs_zero_range(fs, f, off, n, keep), 0);
            if (off > len && keep == false)
                memset(model + len, 0, off - len);
            if (off < len || keep == false)
                memset(model + off, 0, (keep ? MIN(len, off + n) : off + n) - off);
            if (keep == false && off + n > len)
                len = off + n;
        } else if (op < 15) {
            size_t nl = (seed >> 3) % MAXF;
            assert_int_equal(tfs_truncate(fs, f, nl), 0);
            if (nl > len)
                memset(model + len, 0, nl - len);
            len = nl;
        } else if (op < 18) {
            assert_int_equal(tfs_sync(fs), 0);
            memcpy(synced, model, len);
            slen = len;
        } else if (op < 20) {
            tfs_close(fs);
            fs = mount();
            expect_bytes(fs, f, synced, slen);
            memcpy(model, synced, slen);
            len = slen;
        }
        if (step % 10 == 0) {
            expect_bytes(fs, f, model, len);
            expect_holes_zero(fs, f, model, len);
        }
    }
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    expect_bytes(fs, f, model, len);
    expect_holes_zero(fs, f, model, len);
    struct tfs_stats st;
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.problems, 0);
    tfs_close(fs);
}

/* Punching and zeroing compressed extents: one wholly inside the range is
 * dropped without inflating, ones cut partly are made plain first. */
static void test_punch_compressed(void **state)
{
    (void)state;
    struct tfs *fs = fresh();
    size_t n = 300000;
    unsigned char *data = malloc(n), *got = malloc(n + 10);
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)("compressible text "[i % 18] + (i / 50000));
    u64 f = mkfile(fs, TFS_ID_ROOT, "z", NULL), blocks0;
    assert_int_equal(tfs_write_compressed(fs, f, data, n, 0), (long)n);
    assert_int_equal(tfs_sync(fs), 0);
    blocks0 = tfs_file_blocks(fs, f);
    /* extents of 64 KiB: [65536, 131072) goes whole, 131072 + 1000.. cut */
    long w0 = md.writes;
    assert_int_equal(tfs_punch(fs, f, 65536, 65536), 0);
    assert_int_equal(md.writes, w0);                  /* dropped, not inflated and rewritten */
    memset(data + 65536, 0, 65536);
    assert_true(tfs_file_blocks(fs, f) < blocks0);
    assert_int_equal(tfs_seek_data(fs, f, 65536, true), 131072);
    assert_int_equal(tfs_punch(fs, f, 131072 + 1000, 9000), 0);
    memset(data + 131072 + 1000, 0, 9000);
    assert_int_equal(tfs_zero_range(fs, f, 200000, 5, true), 0);
    memset(data + 200000, 0, 5);
    assert_int_equal(tfs_read(fs, f, got, n + 10, 0), (long)n);
    assert_memory_equal(got, data, n);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tfs_read(fs, f, got, n + 10, 0), (long)n);
    assert_memory_equal(got, data, n);
    struct tfs_stats st;
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.problems, 0);
    tfs_close(fs);
    free(data);
    free(got);
}

/* COLLAPSE_RANGE and INSERT_RANGE: block-aligned, one record, no data
 * written; a crash before the sync shows the old file. */
static void test_collapse_insert(void **state)
{
    (void)state;
    enum { BS = 4096, N = 8 * BS };
    static unsigned char old[N], cur[N + 2 * BS];
    struct tfs *fs = fresh();
    u64 f = mkfile(fs, TFS_ID_ROOT, "f", NULL);
    for (int i = 0; i < N; i++)
        old[i] = (unsigned char)('a' + i / BS);
    assert_int_equal(tfs_write(fs, f, old, N - 100, 0), N - 100);
    assert_int_equal(tfs_sync(fs), 0);
    assert_int_equal(tfs_collapse(fs, f, 100, BS), -EINVAL);
    assert_int_equal(tfs_collapse(fs, f, BS, 100), -EINVAL);
    assert_int_equal(tfs_collapse(fs, f, 4 * BS, 4 * BS), -EINVAL);   /* reaches the end */
    assert_int_equal(tfs_insert(fs, f, N, BS), -EINVAL);              /* at or past the end */
    long w0 = md.writes;
    assert_int_equal(tfs_collapse(fs, f, 2 * BS, 2 * BS), 0);
    assert_int_equal(md.writes, w0);
    memcpy(cur, old, 2 * BS);
    memcpy(cur + 2 * BS, old + 4 * BS, 4 * BS - 100);
    expect_bytes(fs, f, cur, 6 * BS - 100);
    assert_int_equal(tfs_file_blocks(fs, f), 6);
    tfs_close(fs);
    fs = mount();
    expect_bytes(fs, f, old, N - 100);
    assert_int_equal(tfs_collapse(fs, f, 2 * BS, 2 * BS), 0);
    assert_int_equal(tfs_insert(fs, f, BS, 2 * BS), 0);              /* a hole of two blocks */
    memmove(cur + 3 * BS, cur + BS, 5 * BS - 100);
    memset(cur + BS, 0, 2 * BS);
    expect_bytes(fs, f, cur, 8 * BS - 100);
    assert_int_equal(tfs_seek_data(fs, f, 0, false), BS);
    assert_int_equal(tfs_seek_data(fs, f, BS, true), 3 * BS);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    expect_bytes(fs, f, cur, 8 * BS - 100);
    struct tfs_stats st;
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.problems, 0);
    tfs_close(fs);
}

/* Device requests of a sync: none when nothing changed, one flush for
 * metadata alone, one after a small data write too (the one-flush
 * protocol: a batch header checksums the data); the log tail is never read
 * back to merge a partial sector (log writes are whole 512-byte sectors),
 * except once after a mount or when the log moves to a new segment; every
 * record survives a remount. */
static long sync_reads;
static bool sync_unaligned;

static int counting_read(void *ctx, u64 off, void *buf, u64 len)
{
    if (len < 512)                                       /* a log tail (data: whole blocks) */
        sync_reads++;
    return md_read(ctx, off, buf, len);
}

static int aligned_write(void *ctx, u64 off, const void *buf, u64 len)
{
    if (off % 512 != 0 || len % 512 != 0)
        sync_unaligned = true;
    return md_write(ctx, off, buf, len);
}

static void test_sync_requests(void **state)
{
    (void)state;
    enum { N = 1500 };
    static unsigned char data[4096], got[N * 100];
    struct tfs *fs = fresh();
    u64 f = mkfile(fs, TFS_ID_ROOT, "f", NULL);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    io.read = counting_read;
    io.write = aligned_write;
    fs = mount();
    long fl = md.flushes;
    assert_int_equal(tfs_sync(fs), 0);                   /* after mount: one flush */
    assert_int_equal(md.flushes, fl + 1);
    fl = md.flushes;
    assert_int_equal(tfs_sync(fs), 0);                   /* nothing changed: none */
    assert_int_equal(md.flushes, fl);
    assert_int_equal(tfs_set_u64(fs, f, "mtime", 77), 0);
    assert_int_equal(tfs_sync(fs), 0);                   /* records only: one flush */
    assert_int_equal(md.flushes, fl + 1);
    memset(data, 'x', sizeof(data));
    assert_int_equal(tfs_write(fs, f, data, 4096, 0), 4096);
    assert_int_equal(tfs_sync(fs), 0);                   /* reads the tail once */
    assert_int_equal(md.p[8], 2);                        /* superblock version 2 now */
    sync_reads = 0;
    sync_unaligned = false;
    for (int i = 1; i < 100; i++) {
        fl = md.flushes;
        long w = md.writes;
        assert_int_equal(tfs_write(fs, f, data, 4096, (u64)i * 4096), 4096);
        assert_int_equal(tfs_sync(fs), 0);
        assert_int_equal(md.flushes, fl + 1);
        assert_int_equal(md.writes, w + 2);              /* the data, header + records */
    }
    assert_int_equal(sync_reads, 0);
    assert_false(sync_unaligned);
    assert_int_equal(tfs_truncate(fs, f, 0), 0);
    assert_int_equal(tfs_sync(fs), 0);
    for (int i = 0; i < N; i++) {                         /* many segments' worth */
        memset(data, 'a' + i % 26, 100);
        assert_int_equal(tfs_write(fs, f, data, 100, (u64)i * 100), 100);
        assert_int_equal(tfs_sync(fs), 0);
    }
    assert_true(sync_reads > 0 && sync_reads < 40);      /* new segments */
    tfs_close(fs);
    io.read = md_read;
    io.write = md_write;
    fs = mount();
    assert_int_equal(tfs_read(fs, f, got, sizeof(got), 0), N * 100);
    for (int i = 0; i < N * 100; i++)
        assert_int_equal(got[i], 'a' + (i / 100) % 26);
    struct tfs_stats st;
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
    assert_int_equal(st.problems, 0);
    assert_int_equal(tfs_compact(fs), 0);                /* no headers left: version 1 */
    assert_int_equal(md.p[8], 1);
    tfs_close(fs);
    fs = mount();
    assert_int_equal(tfs_read(fs, f, got, sizeof(got), 0), N * 100);
    tfs_close(fs);
}

static u64 rnd_state = 0x9e3779b97f4a7c15ULL;
static u64 rnd64(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

/* The file reads exactly want (n bytes), and the volume checks clean. */
static void expect_file(struct tfs *fs, u64 f, const unsigned char *want, size_t n)
{
    static unsigned char got[64 * 1024];
    struct tfs_stats st;
    assert_true(n < sizeof(got));
    assert_int_equal(tfs_read(fs, f, got, sizeof(got), 0), (long)n);
    assert_memory_equal(got, want, n);
    assert_int_equal(tfs_check(fs, &st, NULL, NULL), 0);
}

/* A crash during a one-flush sync: the device may have kept any subset of
 * the sectors written since the last flush (data and log alike).  Every
 * subset must mount to the state of the previous sync or of this one,
 * never the new size over stale data; a batch whose data is missing is
 * dropped, and the log goes on from there.  Then reuse of the blocks a
 * durable batch header checksums: the next sync vouches for it first. */
static void test_one_flush_crash(void **state)
{
    (void)state;
    enum { OLD = 3 * 4096 + 100, ADD = 2 * 4096 };
    static unsigned char want[OLD + ADD], snap0[4 * MiB], snap1[4 * MiB];
    struct tfs *fs = fresh();
    u64 f = mkfile(fs, TFS_ID_ROOT, "f", NULL);
    for (int i = 0; i < OLD + ADD; i++)
        want[i] = (unsigned char)(rnd64() | 1);
    assert_int_equal(tfs_write(fs, f, want, 100, 0), 100);
    assert_int_equal(tfs_sync(fs), 0);                   /* plain (version 2 written) */
    for (int k = 0; k < 3; k++) {
        assert_int_equal(tfs_write(fs, f, want + 100 + k * 4096, 4096, 100 + (u64)k * 4096), 4096);
        assert_int_equal(tfs_sync(fs), 0);
    }
    tfs_close(fs);
    memcpy(snap0, md.p, md.size);
    fs = mount();
    assert_int_equal(tfs_sync(fs), 0);                   /* the flush after mount */
    memcpy(snap0, md.p, md.size);
    long fl = md.flushes;
    assert_int_equal(tfs_write(fs, f, want + OLD, ADD, OLD), ADD);
    assert_int_equal(tfs_sync(fs), 0);
    assert_int_equal(md.flushes, fl + 1);               /* one flush: the checked path */
    tfs_close(fs);
    memcpy(snap1, md.p, md.size);
    size_t nsec = 0, *sec = malloc(md.size / 512 * sizeof(size_t));
    for (size_t i = 0; i < md.size; i += 512) {
        if (memcmp(snap0 + i, snap1 + i, 512) != 0)
            sec[nsec++] = i;
    }
    assert_true(nsec >= 2 * 8 + 1);                      /* the data, the log */
    int olds = 0, news = 0;
    for (int t = 0; t < 300; t++) {
        memcpy(md.p, snap0, md.size);
        for (size_t k = 0; k < nsec; k++) {
            bool keep = t == 0 ? false : t == 1 ? true : t < 10 ? k >= 16 : (rnd64() & 1) != 0;
            if (keep)
                memcpy(md.p + sec[k], snap1 + sec[k], 512);
        }
        fs = mount();
        struct tuple *ft = tfs_get(fs, f);
        u64 size = tuple_get_u64(ft, "size", 0);
        assert_true(size == OLD || size == OLD + ADD);
        expect_file(fs, f, want, size);
        if (size == OLD)
            olds++;
        else
            news++;
        if (t < 12) {                                    /* the log goes on from there */
            assert_int_equal(tfs_write(fs, f, want + OLD, 4096, OLD), 4096);
            assert_int_equal(tfs_sync(fs), 0);
            tfs_close(fs);
            fs = mount();
            expect_file(fs, f, want, OLD + 4096 > size ? OLD + 4096 : size);
        }
        tfs_close(fs);
    }
    assert_true(olds > 0 && news > 0);
    free(sec);

    /* blocks of a checksummed batch freed and reused: the header naming it
     * must be durable before they change, or a crash would make the next
     * mount drop everything from that batch on */
    memcpy(md.p, snap1, md.size);
    fs = mount();
    assert_int_equal(tfs_sync(fs), 0);
    assert_int_equal(tfs_write(fs, f, want + OLD, ADD, OLD), ADD);   /* rewrite: new blocks */
    assert_int_equal(tfs_sync(fs), 0);                   /* one flush, header H */
    assert_int_equal(tfs_truncate(fs, f, OLD), 0);       /* frees H's blocks */
    assert_int_equal(tfs_sync(fs), 0);                   /* vouches for H, then releases */
    u64 g = mkfile(fs, TFS_ID_ROOT, "g", NULL);
    assert_int_equal(tfs_write(fs, g, want, OLD + ADD, 0), OLD + ADD);   /* may reuse them */
    tfs_close(fs);                                       /* crash: g's records never went out */
    fs = mount();
    expect_file(fs, f, want, OLD);
    assert_int_equal(tfs_lookup(fs, TFS_ID_ROOT, "g", 1), 0);
    assert_int_equal(tfs_write(fs, f, want + OLD, ADD, OLD), ADD);
    assert_int_equal(tfs_sync(fs), 0);
    tfs_close(fs);
    fs = mount();
    expect_file(fs, f, want, OLD + ADD);
    tfs_close(fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename_torn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reclaim_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_churn_compact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compressed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compressed_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fuzz_compressed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damage_vs_torn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cow_overwrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cow_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_punch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hole_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_punch_compressed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_collapse_insert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_flush_crash, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
