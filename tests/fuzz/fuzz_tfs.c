/*
 * fuzz_tfs.c - libFuzzer target for the TFS mount path (fs/tfs_format.c).
 * At start-up it builds a small valid volume (directories, files with
 * several extents, a symlink, a few syncs so the log has several records);
 * each input is a list of 5-byte patches (32-bit offset, xor byte) applied
 * to a copy of it.  Mounting must then either fail with an error message or
 * succeed, and a mounted volume must survive tfs_check and reading every
 * file: no crash, hang, leak or sanitizer report.  Patching a valid image
 * reaches far deeper than random bytes, which never pass the superblock CRC.
 */
#include <stdio.h>
#include "tests/unit/testutil.h"

#define VOL_SIZE (256 * 1024)

static unsigned char seed[VOL_SIZE];

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_tfs: cannot build the seed volume: %s\n", what);
        abort();
    }
}

static u64 add_file(struct heap *h, struct tfs *fs, u64 dir, const char *name, size_t len)
{
    struct tuple *t = tuple_new(h);
    must(t != NULL && tuple_set_u64(t, "mode", 0100644) == 0, "tuple");
    u64 id = tfs_create(fs, t);
    must(id != 0 && tfs_link(fs, dir, name, id) == 0, "create file");
    static unsigned char buf[20000];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)(i * 7 + len);
    for (size_t off = 0; off < len; off += 5000)
        must(tfs_write(fs, id, buf, len - off < 5000 ? len - off : 5000, off) >= 0, "write");
    return id;
}

static void build_seed(void)
{
    struct test_heap th;
    struct memdisk d;
    struct tfs *fs;
    test_heap_init(&th);
    memdisk_init(&d, VOL_SIZE);
    struct tfs_io io = memdisk_io(&d);
    must(tfs_format(&th.h, &io, &fs) == 0, "format");
    struct tuple *dt = tuple_new(&th.h);
    must(dt != NULL && tuple_set_u64(dt, "mode", 040755) == 0, "tuple");
    u64 sub = tfs_create(fs, dt);
    must(sub != 0 && tfs_link(fs, TFS_ID_ROOT, "etc", sub) == 0, "mkdir");
    add_file(&th.h, fs, TFS_ID_ROOT, "a.txt", 12000);
    must(tfs_sync(fs) == 0, "sync");
    add_file(&th.h, fs, sub, "b.bin", 9000);
    struct tuple *lt = tuple_new(&th.h);
    must(lt != NULL && tuple_set_u64(lt, "mode", 0120777) == 0 &&
         tuple_set_str(lt, "target", "/etc/b.bin") == 0, "symlink tuple");
    u64 l = tfs_create(fs, lt);
    must(l != 0 && tfs_link(fs, TFS_ID_ROOT, "link", l) == 0, "symlink");
    must(tfs_set_bytes(fs, TFS_ID_MANIFEST, "program", "/a.txt", 6) == 0, "manifest");
    must(tfs_sync(fs) == 0, "sync");
    tfs_close(fs);
    memcpy(seed, d.p, VOL_SIZE);
    free(d.p);
}

struct walk { struct tfs *fs; int depth; };

static int walk_entry(void *ctx, const u8 *key, size_t klen, const struct value *v)
{
    struct walk *w = ctx;
    static unsigned char buf[16384];
    (void)key;
    (void)klen;
    if (v->kind != VALUE_REF || w->depth > 8)
        return 0;
    struct tuple *t = tfs_get(w->fs, v->u.n);
    if (t == NULL)
        return 0;
    for (u64 off = 0; off < 65536; off += sizeof(buf))
        if (tfs_read(w->fs, v->u.n, buf, sizeof(buf), off) <= 0)
            break;
    (void)tfs_file_blocks(w->fs, v->u.n);           /* st_blocks and SEEK_DATA/SEEK_HOLE */
    for (u64 off = 0; off < 65536; off += 4096)
        if (tfs_seek_data(w->fs, v->u.n, off, (off / 4096) % 2 == 0) < 0)
            break;
    struct tuple *ch = tuple_get_tuple(t, "children");
    if (ch != NULL) {
        struct walk sub = { w->fs, w->depth + 1 };
        tuple_iter(ch, walk_entry, &sub);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static bool ready;
    static unsigned char img[VOL_SIZE];
    if (!ready) {
        build_seed();
        ready = true;
    }
    memcpy(img, seed, VOL_SIZE);
    for (size_t i = 0; i + 5 <= size; i += 5) {
        u32 off = (u32)data[i] | (u32)data[i + 1] << 8 | (u32)data[i + 2] << 16 | (u32)data[i + 3] << 24;
        img[off % VOL_SIZE] ^= data[i + 4];
    }
    struct test_heap th;
    struct memdisk d = { img, VOL_SIZE, 0, 0, false };
    struct tfs_io io = memdisk_io(&d);
    struct tfs *fs = NULL;
    char err[256];
    test_heap_init(&th);
    if (tfs_open(&th.h, &io, &fs, err, sizeof(err)) != 0) {
        if (th.live != 0)
            abort();                   /* a failed mount must free everything */
        return 0;
    }
    struct tfs_stats st;
    memset(&st, 0, sizeof(st));
    (void)tfs_check(fs, &st, NULL, NULL);
    struct walk w = { fs, 0 };
    struct tuple *root = tfs_get(fs, TFS_ID_ROOT);
    struct tuple *ch = root != NULL ? tuple_get_tuple(root, "children") : NULL;
    if (ch != NULL)
        tuple_iter(ch, walk_entry, &w);
    tfs_close(fs);
    if (th.live != 0)
        abort();
    return 0;
}
