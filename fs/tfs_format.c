/*
 * tfs_format.c - the TFS volume: on-disk layout, log replay, extents, and the
 * writers used by the host mkfs and by the kernel's write path (fs/tfs.c).
 *
 * Building an image (host):
 *     io = { ctx, read, write, flush, size = bytes of the image file };
 *     tfs_format(heap, &io, &fs);                   superblock, manifest, root
 *     id = tfs_create(fs, t);                       t: tuple with "mode" (+ "target")
 *     tfs_link(fs, TFS_ID_ROOT, "bin", id);         directory entry
 *     tfs_write(fs, id, data, len, 0);              file data
 *     tfs_set_bytes / tfs_set_u64 / tfs_set_tuple   metadata, manifest keys
 *     tfs_compact(fs);                              optional: one record per object
 *     tfs_sync(fs); tfs_close(fs);
 * Mounting: tfs_open(heap, &io, &fs, err, sizeof(err)), then tfs_lookup /
 * tfs_get / tfs_read.
 *
 * On-disk layout (all integers little-endian, block = 4096 bytes):
 *
 *   block 0       superblock (first 128 bytes used, rest of the block unused)
 *                   0 magic "SOLO-TFS"     8 u32 version (1)
 *                  12 u32 block size      16 u8 uuid[16]
 *                  32 u64 volume blocks   40 u64 byte offset of the first log segment
 *                  48 u32 default log segment size in blocks
 *                  52 u32 feature flags (bit 0: zlib extents may exist)
 *                 124 u32 CRC32 of bytes 0..123
 *                 The superblock is written by tfs_format and changes only
 *                 when tfs_compact moves the log head (the log is
 *                 self-delimiting), so ordinary syncs never risk tearing it.
 *   log segment   a run of contiguous blocks starting with a 64-byte header:
 *                   0 magic "TFS-LOG\0"  8 u8 uuid[16]  24 u64 sequence number
 *                  32 u32 size in blocks  36 u64 nonce (fresh per segment)
 *                  60 u32 CRC32 of bytes 0..59
 *                 then records, each 8-byte aligned:
 *                   0 u32 CRC32 of (volume uuid, segment nonce, record bytes 4..24+len)
 *                   4 u32 len (payload bytes)   8 u8 type   9..15 zero
 *                  16 u64 object id            24 payload, zero padding
 *                 type 1 CREATE (payload: the whole tuple), 2 UPDATE (payload:
 *                 a delta merged into the object), 3 DELETE (no payload),
 *                 4 NEXT (payload: u64 byte offset of the next segment, whose
 *                 sequence number must be this one's plus 1).
 *                 The log ends at the first record with type 0 (a zeroed
 *                 terminator is written after the last record at every sync),
 *                 a bad CRC (torn write), a malformed payload, or a NEXT to a
 *                 segment whose header is invalid.  New records overwrite the
 *                 end.  Every segment keeps room for a NEXT record plus the
 *                 terminator, so the log can always be chained onward.
 *   data extents  runs of blocks anywhere else, listed in each file's
 *                 "extents" tuple: key = first file block (8 bytes big-endian,
 *                 so key order is file order), value = tuple {"block": first
 *                 disk block, "blocks": count, "flags": bit 0 TFS_EXT_ZLIB:
 *                 a zlib stream of "stored" bytes at "block" (occupying
 *                 ceil(stored / 4096) disk blocks) inflates to the extent's
 *                 "blocks" * 4096 bytes (io.inflate does it; without one,
 *                 reading is -EOPNOTSUPP)}.  Writing into a compressed
 *                 extent first rewrites it plain into fresh blocks, in the
 *                 same record that drops it.
 *                 Bytes of an allocated block past the file's "size" are zero.
 *
 * Payloads use the tuple encoding of runtime/lib/tcodec.h (varint counts
 * and lengths, kinds bytes/u64/tuple/ref/remove); an UPDATE delta merges
 * nested tuples and replaces or removes the other keys.
 *
 * Invariants: the in-memory tuples always equal a replay of the log written
 * so far (every mutation is encoded, appended to the pending log buffer, then
 * applied by the same code replay uses); free space = all blocks minus the
 * superblock, the log segments and every live extent; blocks freed by
 * truncate/delete/overwrite only become allocatable after the next tfs_sync,
 * so the durable log never points at reused blocks; data is never written to
 * a block that a record already on disk maps (copy-on-write, see tfs_write;
 * fs->unlogged holds the blocks no written record maps yet).  One default-size segment is
 * kept in reserve (not on disk: chosen at mount) so metadata can still be
 * logged once data has filled the volume.
 * Untrusted input: every offset and length read from disk is checked against
 * the volume size and the buffer holding it, counts are bounded by the bytes
 * left, nesting is capped, and segment chains cannot loop (a segment's blocks
 * must be free when it is reached).
 */
#include "fs/tfs_format.h"
#include "runtime/lib/klibc.h"
#include "runtime/lib/range.h"
#include "runtime/lib/crc32.h"
#include "runtime/lib/format.h"
#include "runtime/lib/tcodec.h"

#define BS TFS_BLOCK_SIZE
#define TFS_VERSION 1
#define TFS_VERSION_BATCH 2            /* the log may hold batch headers (below) */
#define SB_SIZE 128
#define SEG_HDR 64
#define REC_HDR 24
#define NEXT_SIZE 32                   /* REC_HDR + u64, aligned */
#define TERM_SIZE REC_HDR
#define LOG_SECTOR 512                 /* log writes start and end on sector boundaries */
#define BATCH_OID (TFS_MAX_ID - 1)     /* object id of batch headers: never an object */
#define BATCH_MAX_RANGES 16            /* data runs one header may checksum */
#define BATCH_MAX_BLOCKS 64            /* data blocks a one-flush sync reads back (256 KiB) */
#define VOUCH_SIZE 128                 /* log room kept for a header without ranges */
#define TFS_MAX_SEG_BLOCKS 16384       /* 64 MiB: a log segment is read whole */
#define TFS_MAX_ID (1ULL << 48)
#define TFS_MAX_FILE_BLOCKS (1ULL << 40)
#define TFS_EXT_ZLIB 1

enum { REC_END = 0, REC_CREATE = 1, REC_UPDATE = 2, REC_DELETE = 3, REC_NEXT = 4 };
enum log_end { END_CLEAN, END_TORN, END_MALFORMED, END_BAD_NEXT, END_FULL, END_UNFLUSHED };

static const u8 sb_magic[8] = { 'S', 'O', 'L', 'O', '-', 'T', 'F', 'S' };
static const u8 seg_magic[8] = { 'T', 'F', 'S', '-', 'L', 'O', 'G', 0 };

struct ext {
    u64 fblk;                          /* first file block */
    u64 dblk;                          /* first disk block */
    u64 nblk;                          /* file blocks covered */
    u64 flags;
    u64 stored;                        /* TFS_EXT_ZLIB: compressed bytes at dblk */
};

#define ZCHUNK_BLOCKS 16               /* tfs_write_compressed: 64 KiB per extent */
#define ZC_SLOTS 8                     /* inflated extents kept (512 KiB) */

/* Disk blocks an extent occupies. */
static u64 ext_dblocks(const struct ext *e)
{
    return (e->flags & TFS_EXT_ZLIB) != 0 ? (e->stored + TFS_BLOCK_SIZE - 1) / TFS_BLOCK_SIZE : e->nblk;
}

struct obj {
    u64 id;
    struct tuple *t;
    struct obj *hnext;
    struct ext *ext;                   /* sorted by fblk, disjoint */
    size_t next, extcap;
    bool ext_valid;
    bool seen;                         /* tfs_check: reached from the root */
};

struct batch {
    u64 id, prev, len, crc;
    size_t n;                          /* ranges */
    u64 first[BATCH_MAX_RANGES], count[BATCH_MAX_RANGES];
};

struct tfs {
    struct heap *h;
    struct tfs_io io;
    u8 uuid[16];
    u64 blocks;                        /* volume size in blocks */
    u32 seg_default;                   /* blocks per log segment */
    u32 features;
    u64 log_head;
    struct range_set free;             /* allocatable blocks */
    struct range_set freeing;          /* freed since the last sync */
    struct range_set unlogged;         /* data blocks allocated since records last went
                                        * to disk: no record there maps them, so they
                                        * may be rewritten in place */
    struct range_set logsegs;          /* blocks of the live log's segments */
    struct obj **bucket;
    size_t nbucket, nobj;
    u64 next_id;
    u64 seg_off, seg_bytes, seg_seq;   /* current (last) log segment */
    u64 seg_pos;                       /* where the pending records go */
    u64 spare;                         /* first block of a reserved next segment, 0 if none */
    u64 seg_nonce;                     /* current segment's nonce (seeds record CRCs) */
    int log_end;                       /* why replay stopped (enum log_end) */
    u64 log_records;                   /* records replayed at mount */
    struct tc_buf pend;                   /* records not yet written */
    bool sb_dirty;
    bool unflushed;                    /* the device took writes since the last
                                        * completed flush (true after mount) */
    bool log_unflushed;                /* ... log or superblock writes among them */
    u32 version;                       /* superblock version (TFS_VERSION_BATCH once
                                        * a batch header may be in the log) */
    struct range_set dflush;           /* data blocks written since the last flush */
    bool dflush_over;                  /* more than a one-flush sync checksums */
    /* Guarded blocks (must not change: a header that no durable header
     * vouches for yet checksums them; see "batch headers"). */
    struct range_set gcur;             /* the ranges of header guard_id */
    struct range_set gold;             /* those of the header guard_id vouched for,
                                        * until that vouch is flushed */
    bool guard_all;                    /* after a failed flush: every data block */
    u64 guard_id;                      /* last checksumming header, 0 once vouched for */
    bool vouch_pending;                /* a header naming guard_id went out, unflushed */
    struct batch rp;                   /* replay: the header with ranges not yet */
    bool rp_valid;                     /* named by a later one, and where it is */
    u64 rp_at;
    u64 stop_at;                       /* replay: the log ends at this byte offset */
    u64 drop_at;                       /* ... must end at this one (0: none) */
    u8 tail[LOG_SECTOR];               /* the log's bytes from the start of the
                                        * sector holding its end up to the end */
    u64 tail_off;                      /* device byte offset of that sector */
    u32 tail_len;                      /* bytes of tail that are valid */
    bool tail_valid;                   /* false: read them back before use */
    u8 *zero;                          /* BS zero bytes */
    u64 wtime;                         /* nonzero: data changes also set mtime/ctime */
    struct zslot {                     /* recently inflated extents (ZCHUNK_BLOCKS each) */
        u8 *data;
        u64 id, dblk, len;             /* whose object and disk block; id 0: empty */
    } zc[ZC_SLOTS];
    unsigned zc_next;                  /* the slot to refill next (round robin) */
};

/* ---------------------------------------------------------------- bytes */

static void put_le32(u8 *p, u32 v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (u8)(v >> (8 * i));
}

static void put_le64(u8 *p, u64 v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (u8)(v >> (8 * i));
}

static u32 get_le32(const u8 *p)
{
    u32 v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static u64 get_le64(const u8 *p)
{
    u64 v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void put_be64(u8 *p, u64 v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (u8)(v >> (56 - 8 * i));
}

static u64 get_be64(const u8 *p)
{
    u64 v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

u32 tfs_crc32(u32 crc, const void *p, size_t n)
{
    return crc32_update(crc, p, n);
}


/* ---------------------------------------------------------------- objects */

static size_t obj_slot(const struct tfs *fs, u64 id)
{
    return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 32) & (fs->nbucket - 1);
}

static struct obj *obj_find(const struct tfs *fs, u64 id)
{
    struct obj *o;

    for (o = fs->bucket[obj_slot(fs, id)]; o != NULL; o = o->hnext) {
        if (o->id == id)
            return o;
    }
    return NULL;
}

/* Double the bucket array when the table is full.  Failure is harmless
 * (chains just get longer). */
static void obj_rehash(struct tfs *fs)
{
    size_t n = fs->nbucket * 2, i, oldn = fs->nbucket;
    struct obj **nb = heap_alloc(fs->h, n * sizeof(*nb)), **old = fs->bucket;

    if (nb == NULL)
        return;
    memset(nb, 0, n * sizeof(*nb));
    fs->bucket = nb;
    fs->nbucket = n;
    for (i = 0; i < oldn; i++) {
        while (old[i] != NULL) {
            struct obj *o = old[i];
            old[i] = o->hnext;
            o->hnext = nb[obj_slot(fs, o->id)];
            nb[obj_slot(fs, o->id)] = o;
        }
    }
    heap_free(fs->h, old, oldn * sizeof(*old));
}

/* Add object id with tuple t (owned from now on).  NULL on -ENOMEM (t freed). */
static struct obj *obj_insert(struct tfs *fs, u64 id, struct tuple *t)
{
    struct obj *o = heap_alloc(fs->h, sizeof(*o));
    size_t s;

    if (o == NULL) {
        tuple_free(t);
        return NULL;
    }
    memset(o, 0, sizeof(*o));
    o->id = id;
    o->t = t;
    o->ext_valid = tuple_get(t, "extents") == NULL;
    if (fs->nobj >= fs->nbucket)
        obj_rehash(fs);
    s = obj_slot(fs, id);
    o->hnext = fs->bucket[s];
    fs->bucket[s] = o;
    fs->nobj++;
    if (id >= fs->next_id)
        fs->next_id = id + 1;
    return o;
}

static void ext_drop(struct tfs *fs, struct obj *o)
{
    heap_free(fs->h, o->ext, o->extcap * sizeof(struct ext));
    o->ext = NULL;
    o->next = 0;
    o->extcap = 0;
    o->ext_valid = false;
}

static void obj_remove(struct tfs *fs, u64 id)
{
    struct obj **pp = &fs->bucket[obj_slot(fs, id)];

    while (*pp != NULL && (*pp)->id != id)
        pp = &(*pp)->hnext;
    if (*pp == NULL)
        return;
    struct obj *o = *pp;
    *pp = o->hnext;
    ext_drop(fs, o);
    tuple_free(o->t);
    heap_free(fs->h, o, sizeof(*o));
    fs->nobj--;
}

static u64 obj_mode(const struct obj *o)
{
    return tuple_get_u64(o->t, "mode", 0);
}

static bool obj_is_dir(const struct obj *o)
{
    return (obj_mode(o) & TFS_S_IFMT) == TFS_S_IFDIR;
}

/* ---------------------------------------------------------------- extent cache */

/* Parse one "extents" entry; false when malformed or outside the volume. */
static bool ext_parse(const struct tfs *fs, const u8 *key, size_t klen, const struct value *v, struct ext *e)
{
    if (klen != 8 || v->kind != VALUE_TUPLE)
        return false;
    e->fblk = get_be64(key);
    e->dblk = tuple_get_u64(v->u.t, "block", 0);
    e->nblk = tuple_get_u64(v->u.t, "blocks", 0);
    e->flags = tuple_get_u64(v->u.t, "flags", 0);
    e->stored = tuple_get_u64(v->u.t, "stored", 0);
    if (e->flags != 0 && (e->flags != TFS_EXT_ZLIB || e->stored == 0 || e->nblk > ZCHUNK_BLOCKS ||
                          e->stored > e->nblk * BS))
        return false;
    if (e->dblk == 0 || e->nblk == 0 || e->dblk >= fs->blocks || ext_dblocks(e) > fs->blocks - e->dblk)
        return false;
    return e->fblk < TFS_MAX_FILE_BLOCKS && e->nblk <= TFS_MAX_FILE_BLOCKS - e->fblk;
}

struct ext_build {
    struct tfs *fs;
    struct obj *o;
};

/* tuple_iter callback: append a valid, non-overlapping extent to the cache. */
static int ext_build_one(void *ctx, const u8 *key, size_t klen, const struct value *v)
{
    struct ext_build *b = ctx;
    struct obj *o = b->o;
    struct ext e;

    if (ext_parse(b->fs, key, klen, v, &e) == false)
        return 0;
    if (o->next > 0 && o->ext[o->next - 1].fblk + o->ext[o->next - 1].nblk > e.fblk)
        return 0;
    o->ext[o->next++] = e;
    return 0;
}

/* Build o's extent cache from its tuple.  0 or -ENOMEM. */
static int ext_build(struct tfs *fs, struct obj *o)
{
    struct tuple *x = tuple_get_tuple(o->t, "extents");
    struct ext_build b = { fs, o };
    size_t n = x == NULL ? 0 : tuple_count(x);

    ext_drop(fs, o);
    if (n > 0) {
        o->ext = heap_alloc(fs->h, n * sizeof(struct ext));
        if (o->ext == NULL)
            return -ENOMEM;
        o->extcap = n;
        tuple_iter(x, ext_build_one, &b);
    }
    o->ext_valid = true;
    return 0;
}

/* Index of the first extent ending after file block fb (o->next if none). */
static size_t ext_search(const struct obj *o, u64 fb)
{
    size_t lo = 0, hi = o->next;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o->ext[mid].fblk + o->ext[mid].nblk <= fb)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---------------------------------------------------------------- superblock, segments */

static void sb_encode(const struct tfs *fs, u8 *p)
{
    memset(p, 0, SB_SIZE);
    memcpy(p, sb_magic, 8);
    put_le32(p + 8, fs->version);
    put_le32(p + 12, BS);
    memcpy(p + 16, fs->uuid, 16);
    put_le64(p + 32, fs->blocks);
    put_le64(p + 40, fs->log_head);
    put_le32(p + 48, fs->seg_default);
    put_le32(p + 52, fs->features);
    put_le32(p + 124, tfs_crc32(0, p, 124));
}

static void seg_encode(const struct tfs *fs, u8 *p, u64 seq, u32 blocks, u64 nonce)
{
    memset(p, 0, SEG_HDR);
    memcpy(p, seg_magic, 8);
    memcpy(p + 8, fs->uuid, 16);
    put_le64(p + 24, seq);
    put_le32(p + 32, blocks);
    put_le64(p + 36, nonce);
    put_le32(p + 60, tfs_crc32(0, p, 60));
}

/* True when p holds a valid header for segment seq of this volume. */
static bool seg_valid(const struct tfs *fs, const u8 *p, u64 seq, u64 off)
{
    u32 blocks = get_le32(p + 32);

    if (memcmp(p, seg_magic, 8) != 0 || memcmp(p + 8, fs->uuid, 16) != 0)
        return false;
    if (get_le32(p + 60) != tfs_crc32(0, p, 60) || get_le64(p + 24) != seq)
        return false;
    return blocks > 0 && blocks <= TFS_MAX_SEG_BLOCKS && blocks <= fs->blocks - off / BS;
}

/* A well-mixed 64-bit value (splitmix64 finalizer). */
static u64 mix64(u64 z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A nonce for a new segment: differs from any earlier incarnation of the
 * same blocks, so their stale records can never pass a CRC check. */
static u64 seg_new_nonce(const struct tfs *fs, u64 seq)
{
    return mix64(__builtin_ia32_rdtsc() ^ mix64(fs->seg_nonce ^ seq));
}

/* Note data blocks written since the last flush, as long as a one-flush
 * sync could checksum them all (else dflush_over). */
static void dflush_note(struct tfs *fs, u64 off, u64 n)
{
    u64 b, first = off / BS, last = (off + n - 1) / BS;

    if (fs->dflush_over == true)
        return;
    if (last - first >= BATCH_MAX_BLOCKS) {
        fs->dflush_over = true;
        return;
    }
    for (b = first; b <= last && fs->dflush_over == false; b++) {
        if (range_contains(&fs->dflush, b, 1) == false && range_add(&fs->dflush, b, 1) != 0)
            fs->dflush_over = true;
    }
    if (range_total(&fs->dflush) > BATCH_MAX_BLOCKS || fs->dflush.n > BATCH_MAX_RANGES)
        fs->dflush_over = true;
}

static int vouch_now(struct tfs *fs);

/* True when a data write into blocks [b, b+n) must wait for a vouch. */
static bool guarded(const struct tfs *fs, u64 b, u64 n)
{
    if (fs->guard_id == 0 && fs->gold.n == 0)
        return false;
    return fs->guard_all == true || range_overlaps(&fs->gcur, b, n) || range_overlaps(&fs->gold, b, n);
}

/* Every device write (log: a log segment or the superblock, else file
 * data).  Notes that a flush is due before anything may depend on the bytes
 * being durable, and forgets the cached log tail when the write touches its
 * sector (log_put refills it after its own write), so the cache
 * always equals the device.  A data write into guarded blocks first makes
 * a header vouching for their batch durable (vouch_now): until then a crash
 * makes the next mount verify that batch's checksum, which must still hold.
 * Log writes never touch guarded blocks (those are file data: allocated
 * when the batch was written, and freed only by a later record whose sync
 * vouches first, see release_freeing).  0 or -errno. */
static int dev_write(struct tfs *fs, u64 off, const void *p, u64 n, bool log)
{
    if (n == 0)
        return 0;
    if (log == false && guarded(fs, off / BS, (off + n - 1) / BS - off / BS + 1) == true) {
        int r = vouch_now(fs);
        if (r != 0)
            return r;
    }
    fs->unflushed = true;
    if (log == true)
        fs->log_unflushed = true;
    else
        dflush_note(fs, off, n);
    if (off < fs->tail_off + LOG_SECTOR && fs->tail_off < off + n)
        fs->tail_valid = false;
    return fs->io.write(fs->io.ctx, off, p, n) != 0 ? -EIO : 0;
}

/* Make every write the device took durable: one flush, skipped when no
 * write was issued since the last flush completed (then everything written
 * is already durable).  Every header written so far is durable after it:
 * gold is vouched for, and gcur too when a header naming guard_id went out.
 * 0 or -EIO (a flush is still due; the guards then cover every block). */
static int dev_flush(struct tfs *fs)
{
    if (fs->unflushed == false)
        return 0;
    if (fs->io.flush != NULL && fs->io.flush(fs->io.ctx) != 0) {
        if (fs->guard_id != 0 || fs->gold.n > 0)
            fs->guard_all = true;
        return -EIO;
    }
    fs->unflushed = false;
    fs->log_unflushed = false;
    range_destroy(&fs->dflush);
    fs->dflush_over = false;
    range_destroy(&fs->gold);
    fs->guard_all = false;
    if (fs->vouch_pending == true) {
        range_destroy(&fs->gcur);
        fs->guard_id = 0;
        fs->vouch_pending = false;
    }
    return 0;
}

/* Write a fresh segment header plus an end marker at block b (a whole
 * sector, zero past the header, so the device needs no read-modify-write). */
static int seg_write_new(struct tfs *fs, u64 b, u64 seq, u32 blocks, u64 nonce)
{
    u8 hdr[LOG_SECTOR];

    memset(hdr, 0, sizeof(hdr));
    seg_encode(fs, hdr, seq, blocks, nonce);
    return dev_write(fs, b * BS, hdr, sizeof(hdr), true);
}

/* ---------------------------------------------------------------- log */

/* A record's CRC: seeded with the volume uuid and the segment nonce. */
static u32 rec_crc(const struct tfs *fs, const u8 *rec, u32 len)
{
    u8 nonce[8];
    u32 crc = tfs_crc32(0, fs->uuid, 16);

    put_le64(nonce, fs->seg_nonce);
    crc = tfs_crc32(crc, nonce, 8);
    return tfs_crc32(crc, rec + 4, REC_HDR - 4 + (size_t)len);
}

/* Append an encoded record to the pending buffer (room already checked). */
static int rec_put(struct tfs *fs, u8 type, u64 id, const u8 *payload, u32 len)
{
    size_t size = ALIGN_UP((size_t)REC_HDR + len, 8);
    u8 *r;

    if (tc_room(fs->h, &fs->pend, size) == false) {
        fs->pend.err = 0;
        return -ENOMEM;
    }
    r = fs->pend.p + fs->pend.len;
    memset(r, 0, size);
    put_le32(r + 4, len);
    r[8] = type;
    put_le64(r + 16, id);
    if (len > 0)
        memcpy(r + REC_HDR, payload, len);
    put_le32(r, rec_crc(fs, r, len));
    fs->pend.len += size;
    return 0;
}

/* ---------------------------------------------------------------- batch headers
 *
 * A sync writes its records as one batch.  The plain protocol is: flush
 * (the file data the records map becomes durable), write the records, flush
 * (they become durable).  The one-flush protocol (tfs_sync, when at most
 * BATCH_MAX_BLOCKS data blocks in BATCH_MAX_RANGES runs were written since
 * the last flush and no log bytes are unflushed) writes the records right
 * after the data, led by a header: an UPDATE of object BATCH_OID (no such
 * object exists, so kernels without headers skip it) whose payload tuple is
 *     "batch" random nonzero id, "prev" the id of the header it vouches for
 *     (0: none), "len" bytes of the batch's records after the header,
 *     "crc" CRC32 of the listed blocks' contents, "ranges" n x (u64 first
 *     block, u64 count) little-endian: the data blocks written since the
 *     last flush that are still allocated to files,
 * then one flush.  A crash before that flush completes may leave the header
 * and records durable and the data not.  Mount tells: a header with ranges
 * is trusted without reading the data once a later header in the log names
 * it ("prev").  Such a header is written only when a flush has completed
 * since the named batch went out (the one-flush protocol needs no log bytes
 * unflushed; every other batch flushes first), so the named batch and its
 * data were durable.  The last header with ranges that no later header
 * names is checked: mount reads the ranges and compares the CRC; on a
 * mismatch the log ends before the header (that sync never returned: its
 * flush had not completed), and the log is replayed again up to there.
 * For the CRC to still hold while no durable header names it, the listed
 * blocks must not change: they are guarded (gcur, gold; dev_write vouches
 * first, vouch_now).  They are file data, which copy-on-write never
 * rewrites in place except when the volume is full, and which a later
 * record frees only in a sync that vouches before releasing them.
 * Every batch written while a header is unvouched starts with a header
 * naming it (vouching).  "len" (bytes of the batch's records) is kept for
 * tools; replay does not need it.
 * Images whose log may hold headers have superblock version 2 (written,
 * and flushed, before the first one), so kernels without headers refuse
 * them instead of mounting a log whose last batch they cannot check;
 * compaction (no headers in the new log) writes version 1 again.
 */

/* A fresh nonzero batch id. */
static u64 batch_new_id(const struct tfs *fs)
{
    u64 id = mix64(__builtin_ia32_rdtsc() ^ mix64(fs->seg_nonce ^ fs->seg_pos ^ fs->guard_id));
    return id != 0 ? id : 1;
}

static void tc_put_u64(struct heap *h, struct tc_buf *b, const char *key, u64 v)
{
    tc_key(h, b, key, strlen(key));
    tc_u8(h, b, VALUE_U64);
    tc_varint(h, b, v);
}

/* Append a whole header record (for the current segment) to out: a vouch
 * only when ranges is NULL.  0 or -ENOMEM. */
static int batch_encode(struct tfs *fs, struct tc_buf *out, u64 id, u64 prev, u64 len,
                        const struct range_set *ranges, u32 crc)
{
    struct tc_buf b = { 0 };
    size_t i, size;
    u8 *r, run[16];
    int err;

    tc_varint(fs->h, &b, ranges != NULL ? 5 : 3);
    tc_put_u64(fs->h, &b, "batch", id);
    tc_put_u64(fs->h, &b, "prev", prev);
    tc_put_u64(fs->h, &b, "len", len);
    if (ranges != NULL) {
        tc_put_u64(fs->h, &b, "crc", crc);
        tc_key(fs->h, &b, "ranges", 6);
        tc_u8(fs->h, &b, VALUE_BYTES);
        tc_varint(fs->h, &b, 16 * ranges->n);
        for (i = 0; i < ranges->n; i++) {
            put_le64(run, ranges->r[i].start);
            put_le64(run + 8, ranges->r[i].len);
            tc_bytes(fs->h, &b, run, 16);
        }
    }
    size = ALIGN_UP((size_t)REC_HDR + b.len, 8);
    err = b.err;
    if (err == 0 && tc_room(fs->h, out, size) == false)
        err = -ENOMEM;
    if (err != 0) {
        out->err = 0;
        tc_release(fs->h, &b);
        return -ENOMEM;
    }
    r = out->p + out->len;
    memset(r, 0, size);
    put_le32(r + 4, (u32)b.len);
    r[8] = REC_UPDATE;
    put_le64(r + 16, BATCH_OID);
    memcpy(r + REC_HDR, b.p, b.len);
    put_le32(r, rec_crc(fs, r, (u32)b.len));
    out->len += size;
    tc_release(fs->h, &b);
    return 0;
}

/* Decode a header's payload.  0, 1 when malformed, -ENOMEM. */
static int batch_decode(struct tfs *fs, const u8 *p, u32 len, struct batch *bt)
{
    struct tc_dec d = { p, len, 0, false };
    const struct value *v;
    struct tuple *t;
    bool bad;
    size_t i;

    if (tc_validate(&d, 0) == false || d.pos != len)
        return 1;
    t = tuple_new(fs->h);
    if (t == NULL)
        return -ENOMEM;
    d.pos = 0;
    if (tc_apply(&d, t, fs->h, 0) != 0) {
        tuple_free(t);
        return -ENOMEM;                /* validated: only memory can fail */
    }
    memset(bt, 0, sizeof(*bt));
    bt->id = tuple_get_u64(t, "batch", 0);
    bt->prev = tuple_get_u64(t, "prev", 0);
    bt->len = tuple_get_u64(t, "len", 0);
    bt->crc = tuple_get_u64(t, "crc", 0);
    v = tuple_get(t, "ranges");
    bad = bt->id == 0 || bt->crc > 0xffffffffULL;
    if (v != NULL && (v->kind != VALUE_BYTES || v->len == 0 || v->len % 16 != 0 || v->len / 16 > BATCH_MAX_RANGES))
        bad = true;
    for (i = 0; bad == false && v != NULL && i < v->len / 16; i++) {
        u64 first = get_le64(v->u.bytes + 16 * i), count = get_le64(v->u.bytes + 16 * i + 8);
        if (first == 0 || first >= fs->blocks || count == 0 || count > BATCH_MAX_BLOCKS || count > fs->blocks - first)
            bad = true;
        bt->first[i] = first;
        bt->count[i] = count;
        bt->n = i + 1;
    }
    tuple_free(t);
    return bad == true ? 1 : 0;
}

/* CRC32 of the contents of n runs of blocks, read from the device.  0 or -errno. */
static int blocks_crc(struct tfs *fs, const u64 *first, const u64 *count, size_t n, u32 *crc)
{
    u32 c = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        u64 bytes = count[i] * BS;
        u8 *buf = heap_alloc(fs->h, bytes);
        if (buf == NULL)
            return -ENOMEM;
        if (fs->io.read(fs->io.ctx, first[i] * BS, buf, bytes) != 0) {
            heap_free(fs->h, buf, bytes);
            return -EIO;
        }
        c = tfs_crc32(c, buf, bytes);
        heap_free(fs->h, buf, bytes);
    }
    *crc = c;
    return 0;
}

/* Write [header][records][end marker] at the log tail (header: NULL, or
 * whole header records; records: the pending ones when with_pend).  The
 * write is whole sectors: it starts with the log's bytes already in the
 * sector holding the tail (kept in fs->tail, read back only when not
 * cached) and ends with zeros past the end marker (still inside the
 * segment: segments are whole blocks and log_append keeps the room), so the
 * device never has to read a sector to merge into it.  Rewriting the
 * earlier bytes of that sector with the same values is what the merge did
 * anyway.  The pending records stay pending on failure. */
static int log_put(struct tfs *fs, const struct tc_buf *hdr, bool with_pend)
{
    u64 off = fs->seg_off + fs->seg_pos, sec = ALIGN_DOWN(off, (u64)LOG_SECTOR);
    size_t head = (size_t)(off - sec), hl = hdr != NULL ? hdr->len : 0;
    size_t len = with_pend == true ? fs->pend.len : 0;
    size_t total = ALIGN_UP(head + hl + len + TERM_SIZE, (size_t)LOG_SECTOR);
    u64 end = off + hl + len;
    u8 *buf;
    int r;

    if (sec + total > fs->seg_off + fs->seg_bytes)
        return -EIO;                   /* cannot happen: log_append keeps the room */
    if (head > 0 && (fs->tail_valid == false || fs->tail_off != sec || fs->tail_len != head)) {
        if (fs->io.read(fs->io.ctx, sec, fs->tail, head) != 0)
            return -EIO;
        fs->tail_off = sec;
        fs->tail_len = (u32)head;
        fs->tail_valid = true;
    }
    buf = heap_alloc(fs->h, total);
    if (buf == NULL)
        return -ENOMEM;
    memcpy(buf, fs->tail, head);
    if (hl > 0)
        memcpy(buf + head, hdr->p, hl);
    if (len > 0)
        memcpy(buf + head + hl, fs->pend.p, len);
    memset(buf + head + hl + len, 0, total - head - hl - len);
    r = dev_write(fs, sec, buf, total, true);
    if (r == 0) {
        fs->tail_off = ALIGN_DOWN(end, (u64)LOG_SECTOR);
        fs->tail_len = (u32)(end - fs->tail_off);
        memcpy(fs->tail, buf + (fs->tail_off - sec), fs->tail_len);
        fs->tail_valid = true;
        fs->seg_pos += hl + len;
        if (with_pend == true)
            fs->pend.len = 0;
    }
    heap_free(fs->h, buf, total);
    return r;
}

/* Write the pending records at the log tail with the plain protocol: after
 * a flush, so that data the records point at is durable first (skipped
 * when nothing was written since the last one).  Led by a header vouching
 * for guard_id when one is unvouched.  The pending records stay pending on
 * failure. */
static int log_write_pending(struct tfs *fs)
{
    struct tc_buf vh = { 0 };
    int r = dev_flush(fs);
    bool vouch = fs->guard_id != 0 && fs->vouch_pending == false;

    if (r == 0 && vouch == true)
        r = batch_encode(fs, &vh, batch_new_id(fs), fs->guard_id, fs->pend.len, NULL, 0);
    if (r == 0 && vh.len > VOUCH_SIZE)
        r = -EIO;                      /* cannot happen: a vouch is small */
    if (r == 0) {
        range_destroy(&fs->unlogged);  /* the records about to go out may map them */
        r = log_put(fs, vouch == true ? &vh : NULL, true);
    }
    if (r == 0 && vouch == true)
        fs->vouch_pending = true;
    tc_release(fs->h, &vh);
    return r;
}

/* Make a header vouching for guard_id durable now, before a guarded block
 * changes: a flush (the guarded batch and its data are durable after it),
 * then, unless a vouch already went out, a batch of just a header naming
 * guard_id (the pending records stay pending: unlogged blocks stay
 * rewritable), and a flush.  0 or -errno. */
static int vouch_now(struct tfs *fs)
{
    struct tc_buf vh = { 0 };
    int r = dev_flush(fs);

    if (r == 0 && fs->guard_id != 0 && fs->vouch_pending == false) {
        r = batch_encode(fs, &vh, batch_new_id(fs), fs->guard_id, 0, NULL, 0);
        if (r == 0 && vh.len > VOUCH_SIZE)
            r = -EIO;
        if (r == 0)
            r = log_put(fs, &vh, false);
        if (r == 0)
            fs->vouch_pending = true;
        tc_release(fs->h, &vh);
        if (r == 0)
            r = dev_flush(fs);
    }
    return r;
}

/* Hold one default-size segment out of free space so the log can always be
 * chained onward, even after data filled the volume (fragmentation could
 * otherwise leave no contiguous run).  Failure just means no spare. */
static void spare_reserve(struct tfs *fs)
{
    u64 b;

    if (fs->spare == 0 && range_alloc_exact(&fs->free, fs->seg_default, &b) == 0)
        fs->spare = b;
}

/* Chain a new segment big enough for a record of rsize bytes after the
 * current one: write its header, append NEXT to the current segment and
 * write that out.  0, -ENOSPC, -EFBIG (record too big), -EIO or -ENOMEM. */
static int log_new_segment(struct tfs *fs, size_t rsize)
{
    u64 need = ((u64)SEG_HDR + rsize + NEXT_SIZE + TERM_SIZE + VOUCH_SIZE + BS - 1) / BS;
    size_t vouch = fs->guard_id != 0 ? VOUCH_SIZE : 0;
    u64 blocks = MAX(need, (u64)fs->seg_default), b;
    u8 payload[8];
    size_t saved = fs->pend.len;
    u64 nonce = seg_new_nonce(fs, fs->seg_seq + 1);
    int r;

    if (blocks > TFS_MAX_SEG_BLOCKS)
        return -EFBIG;
    if (fs->seg_pos + vouch + fs->pend.len + NEXT_SIZE + TERM_SIZE > fs->seg_bytes)
        return -ENOSPC;                /* only a foreign image can get here */
    if (blocks == fs->seg_default && fs->spare != 0)
        b = fs->spare;
    else if (range_alloc_exact(&fs->free, blocks, &b) != 0)
        return -ENOSPC;
    r = seg_write_new(fs, b, fs->seg_seq + 1, (u32)blocks, nonce);
    if (r == 0) {
        put_le64(payload, b * BS);
        r = rec_put(fs, REC_NEXT, 0, payload, 8);
    }
    if (r == 0)
        r = log_write_pending(fs);
    if (r != 0) {
        fs->pend.len = saved;
        if (b != fs->spare)
            range_add(&fs->free, b, blocks);
        return r;
    }
    if (b == fs->spare)
        fs->spare = 0;
    spare_reserve(fs);
    (void)range_add(&fs->logsegs, b, blocks);
    fs->seg_off = b * BS;
    fs->seg_bytes = blocks * BS;
    fs->seg_seq++;
    fs->seg_nonce = nonce;
    fs->seg_pos = SEG_HDR;
    return 0;
}

/* Append one record to the log (in memory until tfs_sync). 0 or -errno. */
static int log_append(struct tfs *fs, u8 type, u64 id, const struct tc_buf *payload)
{
    u32 len = payload == NULL ? 0 : (u32)payload->len;
    size_t rsize = ALIGN_UP((size_t)REC_HDR + len, 8);
    int r;

    if (payload != NULL && payload->err != 0)
        return payload->err;
    if (payload != NULL && payload->len > TFS_MAX_SEG_BLOCKS * (u64)BS)
        return -EFBIG;
    if (fs->seg_pos + VOUCH_SIZE + fs->pend.len + rsize + NEXT_SIZE + TERM_SIZE > fs->seg_bytes) {
        r = log_new_segment(fs, rsize);
        if (r != 0)
            return r;
    }
    return rec_put(fs, type, id, payload == NULL ? NULL : payload->p, len);
}

/* Log an UPDATE delta for o and apply it to the in-memory tuple. */
static int commit_update(struct tfs *fs, struct obj *o, struct tc_buf *delta)
{
    struct tc_dec d = { delta->p, delta->len, 0, false };
    int r = log_append(fs, REC_UPDATE, o->id, delta);

    if (r == 0)
        r = tc_apply(&d, o->t, fs->h, 0);
    tc_release(fs->h, delta);
    return r;
}

/* ---------------------------------------------------------------- replay */

/* Apply one CRC-valid record.  1 when its content is malformed (the log ends
 * there), 0 when applied or ignored, -ENOMEM. */
static int replay_record(struct tfs *fs, u8 type, u64 id, const u8 *p, u32 len)
{
    struct tc_dec d = { p, len, 0, false };
    struct obj *o;
    struct tuple *t;
    int r;

    if (id == 0 || id >= TFS_MAX_ID)
        return 1;
    if (type == REC_DELETE) {
        obj_remove(fs, id);
        return 0;
    }
    if (type != REC_CREATE && type != REC_UPDATE)
        return 1;
    o = obj_find(fs, id);
    if (type == REC_UPDATE) {          /* validate first: applying must not stop halfway */
        if (tc_validate(&d, 0) == false || d.pos != len)
            return 1;
        if (o == NULL)
            return 0;
        d.pos = 0;
        ext_drop(fs, o);
        return tc_apply(&d, o->t, fs->h, 0) == 0 ? 0 : -ENOMEM;
    }
    t = tuple_new(fs->h);              /* CREATE builds a fresh tuple: one pass */
    if (t == NULL)
        return -ENOMEM;
    r = tc_apply(&d, t, fs->h, 0);
    if (r == 0 && d.pos != len)
        r = -EINVAL;
    if (r != 0) {
        tuple_free(t);
        return r == -EINVAL ? 1 : -ENOMEM;
    }
    if (o != NULL)
        obj_remove(fs, id);
    return obj_insert(fs, id, t) == NULL ? -ENOMEM : 0;
}

/* Follow a NEXT record: validate the target segment and claim its blocks.
 * Returns the target's size in blocks, or 0 when the chain ends here. */
static u64 replay_next(struct tfs *fs, const u8 *payload, u32 len, u64 seq)
{
    u8 hdr[SEG_HDR];
    u64 off, blocks;

    if (len != 8)
        return 0;
    off = get_le64(payload);
    if (off % BS != 0 || off < BS || off / BS >= fs->blocks)
        return 0;
    if (fs->io.read(fs->io.ctx, off, hdr, SEG_HDR) != 0 || seg_valid(fs, hdr, seq, off) == false)
        return 0;
    blocks = get_le32(hdr + 32);
    if (range_remove(&fs->free, off / BS, blocks) != 0)
        return 0;                      /* overlaps the log already seen: a loop */
    (void)range_add(&fs->logsegs, off / BS, blocks);
    return blocks;
}

/* Whether the data a header checksums is on the disk: 0 yes, 1 no, -errno. */
static int batch_verify(struct tfs *fs, const struct batch *bt)
{
    u32 crc;
    int r = blocks_crc(fs, bt->first, bt->count, bt->n, &crc);

    return r != 0 ? r : crc == bt->crc ? 0 : 1;
}

/* A batch header (payload p, len bytes; at device byte offset at) during
 * replay: 0 (go on after it), 1 when malformed, 2 when the log must end at
 * an earlier header whose data did not all reach the disk (fs->drop_at:
 * tfs_open replays again up to it), -errno.  A header with ranges stays
 * pending until a later header names it (see "batch headers"); one that
 * does not name the pending header makes it checked now. */
static int replay_batch(struct tfs *fs, const u8 *p, u32 len, u64 at)
{
    struct batch bt;
    int r = batch_decode(fs, p, len, &bt);

    if (r != 0)
        return r;
    if (fs->rp_valid == true && bt.prev != fs->rp.id) {
        r = batch_verify(fs, &fs->rp);
        if (r < 0)
            return r;
        if (r == 1) {
            fs->drop_at = fs->rp_at;
            return 2;
        }
    }
    fs->rp_valid = bt.n > 0;
    fs->rp = bt;
    fs->rp_at = at;
    return 0;
}

/* After replay: check the last pending header's data (1: the log must end
 * before it, fs->drop_at set) and guard its blocks.  0, 1 or -errno. */
static int replay_finish(struct tfs *fs)
{
    size_t i;
    int r;

    if (fs->rp_valid == false)
        return 0;
    r = batch_verify(fs, &fs->rp);
    if (r == 1)
        fs->drop_at = fs->rp_at;
    if (r != 0)
        return r;
    fs->guard_id = fs->rp.id;
    for (i = 0; i < fs->rp.n; i++) {
        if (range_add(&fs->gcur, fs->rp.first[i], fs->rp.count[i]) != 0)
            fs->guard_all = true;      /* overlapping runs (or no memory): guard all */
    }
    return 0;
}

/* Replay the records of one segment image (seg, nbytes) starting at pos.
 * Returns where the log ends in this segment, or sets *next_off when the
 * segment chains on; *rc receives -ENOMEM when memory ran out. */
static u64 replay_segment(struct tfs *fs, const u8 *seg, u64 nbytes, u64 *next_off, u64 *next_blocks, int *rc)
{
    u64 pos = SEG_HDR;

    fs->log_end = END_FULL;
    while (pos + REC_HDR <= nbytes) {
        const u8 *r = seg + pos;
        u32 len = get_le32(r + 4);
        u8 type = r[8];
        u64 id = get_le64(r + 16);

        fs->log_end = END_UNFLUSHED;
        if (fs->stop_at != 0 && fs->seg_off + pos == fs->stop_at)
            break;
        fs->log_end = END_CLEAN;
        if (type == REC_END)
            break;
        fs->log_end = END_TORN;
        if (len > nbytes - pos - REC_HDR || get_le32(r) != rec_crc(fs, r, len))
            break;
        if (type == REC_NEXT) {
            u64 nb = replay_next(fs, r + REC_HDR, len, fs->seg_seq + 1);
            fs->log_end = nb != 0 ? END_CLEAN : END_BAD_NEXT;
            if (nb != 0) {
                *next_off = get_le64(r + REC_HDR);
                *next_blocks = nb;
            }
            break;
        }
        int x = type == REC_UPDATE && id == BATCH_OID ? replay_batch(fs, r + REC_HDR, len, fs->seg_off + pos)
                                                      : replay_record(fs, type, id, r + REC_HDR, len);
        fs->log_end = x == 2 ? END_UNFLUSHED : END_MALFORMED;
        if (x < 0)
            *rc = x;
        if (x != 0)
            break;
        fs->log_records++;
        pos += ALIGN_UP((u64)REC_HDR + len, 8);
    }
    return pos;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Write a one-line reason into err (when the caller gave one). */
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    fmt_vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Replay the whole log from the first segment.  0 or -errno. */
static int replay(struct tfs *fs, char *err, size_t errlen)
{
    u8 hdr[SEG_HDR];
    u64 off = fs->log_head, blocks;
    int rc = 0;

    if (fs->io.read(fs->io.ctx, off, hdr, SEG_HDR) != 0) {
        seterr(err, errlen, "tfs: read error at byte offset %llu (first log segment)", (unsigned long long)off);
        return -EIO;
    }
    if (seg_valid(fs, hdr, 1, off) == false) {
        seterr(err, errlen, "tfs: corrupt first log segment header at byte offset %llu", (unsigned long long)off);
        return -EUCLEAN;
    }
    blocks = get_le32(hdr + 32);
    if (range_remove(&fs->free, off / BS, blocks) != 0) {
        seterr(err, errlen, "tfs: first log segment at byte offset %llu overlaps the superblock", (unsigned long long)off);
        return -EUCLEAN;
    }
    (void)range_add(&fs->logsegs, off / BS, blocks);
    fs->seg_seq = 1;
    for (;;) {
        u64 nbytes = blocks * BS, next_off = 0, next_blocks = 0;
        u8 *seg = heap_alloc(fs->h, nbytes);
        if (seg == NULL)
            return -ENOMEM;
        if (fs->io.read(fs->io.ctx, off, seg, nbytes) != 0) {
            heap_free(fs->h, seg, nbytes);
            seterr(err, errlen, "tfs: read error at byte offset %llu (log segment)", (unsigned long long)off);
            return -EIO;
        }
        fs->seg_off = off;
        fs->seg_bytes = nbytes;
        fs->seg_nonce = get_le64(seg + 36);
        fs->seg_pos = replay_segment(fs, seg, nbytes, &next_off, &next_blocks, &rc);
        heap_free(fs->h, seg, nbytes);
        if (rc != 0)
            return rc;
        if (next_blocks == 0)
            return 0;
        off = next_off;
        blocks = next_blocks;
        fs->seg_seq++;
    }
}

/* ---------------------------------------------------------------- open, format, close */

static struct tfs *fs_new(struct heap *h, const struct tfs_io *io)
{
    struct tfs *fs = heap_alloc(h, sizeof(*fs));

    if (fs == NULL)
        return NULL;
    memset(fs, 0, sizeof(*fs));
    fs->h = h;
    fs->io = *io;
    fs->next_id = TFS_ID_ROOT + 1;
    fs->unflushed = true;              /* whatever came before us: flush once */
    fs->log_unflushed = true;
    fs->version = TFS_VERSION;
    range_init(&fs->dflush, h);
    range_init(&fs->gcur, h);
    range_init(&fs->gold, h);
    range_init(&fs->free, h);
    range_init(&fs->freeing, h);
    range_init(&fs->unlogged, h);
    range_init(&fs->logsegs, h);
    fs->nbucket = 64;
    fs->bucket = heap_alloc(h, fs->nbucket * sizeof(struct obj *));
    if (fs->bucket != NULL)
        memset(fs->bucket, 0, fs->nbucket * sizeof(struct obj *));
    fs->zero = heap_alloc(h, BS);
    if (fs->bucket == NULL || fs->zero == NULL) {
        tfs_close(fs);
        return NULL;
    }
    memset(fs->zero, 0, BS);
    return fs;
}

void tfs_close(struct tfs *fs)
{
    size_t i;

    if (fs == NULL)
        return;
    for (i = 0; fs->bucket != NULL && i < fs->nbucket; i++) {
        while (fs->bucket[i] != NULL)
            obj_remove(fs, fs->bucket[i]->id);
    }
    heap_free(fs->h, fs->bucket, fs->nbucket * sizeof(struct obj *));
    range_destroy(&fs->free);
    range_destroy(&fs->freeing);
    range_destroy(&fs->unlogged);
    range_destroy(&fs->logsegs);
    range_destroy(&fs->dflush);
    range_destroy(&fs->gcur);
    range_destroy(&fs->gold);
    tc_release(fs->h, &fs->pend);
    heap_free(fs->h, fs->zero, BS);
    for (unsigned i = 0; i < ZC_SLOTS; i++)
        heap_free(fs->h, fs->zc[i].data, ZCHUNK_BLOCKS * BS);
    heap_free(fs->h, fs, sizeof(*fs));
}

/* Validate and load the superblock.  0 or -errno with a reason in err. */
static int sb_load(struct tfs *fs, char *err, size_t errlen)
{
    u8 sb[SB_SIZE];
    u32 crc;

    if (fs->io.size < BS) {
        seterr(err, errlen, "tfs: volume of %llu bytes is too small for a superblock at byte offset 0",
               (unsigned long long)fs->io.size);
        return -EINVAL;
    }
    if (fs->io.read(fs->io.ctx, 0, sb, SB_SIZE) != 0) {
        seterr(err, errlen, "tfs: read error at byte offset 0 (superblock)");
        return -EIO;
    }
    if (memcmp(sb, sb_magic, 8) != 0) {
        seterr(err, errlen, "tfs: bad magic at byte offset 0: not a TFS volume");
        return -EINVAL;
    }
    fs->version = get_le32(sb + 8);
    if (fs->version != TFS_VERSION && fs->version != TFS_VERSION_BATCH) {
        seterr(err, errlen, "tfs: unsupported version %u at byte offset 8", get_le32(sb + 8));
        return -EINVAL;
    }
    crc = tfs_crc32(0, sb, 124);
    if (get_le32(sb + 124) != crc) {
        seterr(err, errlen, "tfs: corrupt superblock: CRC mismatch at byte offset 124 (stored 0x%08x, computed 0x%08x)",
               get_le32(sb + 124), crc);
        return -EUCLEAN;
    }
    memcpy(fs->uuid, sb + 16, 16);
    fs->blocks = get_le64(sb + 32);
    fs->log_head = get_le64(sb + 40);
    fs->seg_default = get_le32(sb + 48);
    fs->features = get_le32(sb + 52);
    if (get_le32(sb + 12) != BS) {
        seterr(err, errlen, "tfs: corrupt superblock: block size %u at byte offset 12", get_le32(sb + 12));
        return -EUCLEAN;
    }
    if (fs->blocks < 2 || fs->blocks > fs->io.size / BS) {
        seterr(err, errlen, "tfs: superblock volume size %llu blocks at byte offset 32 exceeds the device "
               "(%llu bytes): truncated image?", (unsigned long long)fs->blocks, (unsigned long long)fs->io.size);
        return -EUCLEAN;
    }
    if (fs->log_head % BS != 0 || fs->log_head < BS || fs->log_head / BS >= fs->blocks) {
        seterr(err, errlen, "tfs: corrupt superblock: log head %llu out of range at byte offset 40",
               (unsigned long long)fs->log_head);
        return -EUCLEAN;
    }
    if (fs->seg_default == 0 || fs->seg_default > TFS_MAX_SEG_BLOCKS) {
        seterr(err, errlen, "tfs: corrupt superblock: segment size %u at byte offset 48", fs->seg_default);
        return -EUCLEAN;
    }
    return 0;
}

/* One extent to claim: which object, which cache entry. */
struct claim {
    u64 dblk;
    struct obj *o;
    size_t idx;
};

/* Heapsort claims by disk block (no libc qsort in the kernel). */
static void claim_sift(struct claim *c, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && c[child + 1].dblk > c[child].dblk)
            child++;
        if (c[root].dblk >= c[child].dblk)
            return;
        struct claim t = c[root];
        c[root] = c[child];
        c[child] = t;
        root = child;
    }
}

static void claim_sort(struct claim *c, size_t n)
{
    size_t i;

    for (i = n / 2; i > 0; i--)
        claim_sift(c, i - 1, n);
    for (i = n; i > 1; i--) {
        struct claim t = c[0];
        c[0] = c[i - 1];
        c[i - 1] = t;
        claim_sift(c, 0, i - 1);
    }
}

/* Drop the cache entries whose claim failed (marked with nblk 0). */
static void ext_compact(struct obj *o)
{
    size_t i, n = 0;

    for (i = 0; i < o->next; i++) {
        if (o->ext[i].nblk != 0)
            o->ext[n++] = o->ext[i];
    }
    o->next = n;
}

/* Take every extent's blocks out of free space, in disk order (so each
 * claim trims the front of a free range instead of splitting the middle).
 * An extent overlapping the log or an earlier extent is dropped. */
static int claim_sorted(struct tfs *fs, struct claim *c, size_t n)
{
    size_t i;
    struct obj *o;

    claim_sort(c, n);
    for (i = 0; i < n; i++) {
        struct ext *e = &c[i].o->ext[c[i].idx];
        if (range_remove(&fs->free, e->dblk, ext_dblocks(e)) != 0)
            e->nblk = 0;
    }
    for (i = 0; i < fs->nbucket; i++) {
        for (o = fs->bucket[i]; o != NULL; o = o->hnext)
            ext_compact(o);
    }
    return 0;
}

/* Build every file's extent cache and take its blocks out of free space. */
static int claim_extents(struct tfs *fs)
{
    size_t i, k, n = 0;
    struct obj *o;
    struct claim *c;
    int r;

    for (i = 0; i < fs->nbucket; i++) {
        for (o = fs->bucket[i]; o != NULL; o = o->hnext) {
            if (ext_build(fs, o) != 0)
                return -ENOMEM;
            n += o->next;
        }
    }
    if (n == 0)
        return 0;
    c = heap_alloc(fs->h, n * sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    n = 0;
    for (i = 0; i < fs->nbucket; i++) {
        for (o = fs->bucket[i]; o != NULL; o = o->hnext) {
            for (k = 0; k < o->next; k++)
                c[n++] = (struct claim){ o->ext[k].dblk, o, k };
        }
    }
    r = claim_sorted(fs, c, n);
    heap_free(fs->h, c, n * sizeof(*c));
    return r;
}

/* tfs_open, with the log ending at byte offset *stop (0: wherever it
 * ends).  1 (and *stop) when the log must end earlier, at a batch header
 * whose data is not all on the disk. */
static int open_at(struct heap *h, const struct tfs_io *io, struct tfs **out, char *err, size_t errlen, u64 *stop)
{
    struct tfs *fs = fs_new(h, io);
    struct obj *root, *man;
    int r;

    if (fs == NULL)
        return -ENOMEM;
    fs->stop_at = *stop;
    seterr(err, errlen, "tfs: ok");
    r = sb_load(fs, err, errlen);
    if (r == 0)
        r = range_add(&fs->free, 1, fs->blocks - 1);
    if (r == 0)
        r = replay(fs, err, errlen);
    if (r == 0 && fs->drop_at == 0)
        r = replay_finish(fs);
    if (r >= 0 && fs->drop_at != 0) {
        *stop = fs->drop_at;           /* tfs_open replays again, up to there */
        tfs_close(fs);
        return 1;
    }
    if (r == -EIO)
        seterr(err, errlen, "tfs: read error in the log or in data a batch header checksums");
    if (r == 0) {
        root = obj_find(fs, TFS_ID_ROOT);
        man = obj_find(fs, TFS_ID_MANIFEST);
        if (root == NULL || obj_is_dir(root) == false || man == NULL) {
            seterr(err, errlen, "tfs: %s missing after log replay (log ends at byte offset %llu)",
                   man == NULL ? "manifest (object 1)" : "root directory (object 2)",
                   (unsigned long long)(fs->seg_off + fs->seg_pos));
            r = -EUCLEAN;
        }
    }
    if (r == 0)
        r = claim_extents(fs);
    if (r == 0)
        spare_reserve(fs);
    if (r != 0) {
        if (r == -ENOMEM)
            seterr(err, errlen, "tfs: out of memory while mounting");
        tfs_close(fs);
        return r;
    }
    *out = fs;
    return 0;
}

int tfs_open(struct heap *h, const struct tfs_io *io, struct tfs **out, char *err, size_t errlen)
{
    u64 stop = 0;
    int r;

    do {                               /* each retry ends the log earlier */
        r = open_at(h, io, out, err, errlen, &stop);
    } while (r == 1);
    return r;
}

/* A volume id: not cryptographic, only distinct per format run. */
static void make_uuid(struct tfs *fs)
{
    u64 x = __builtin_ia32_rdtsc() ^ (u64)(uintptr_t)fs ^ (u64)(uintptr_t)&x ^ fs->io.size;

    put_le64(fs->uuid, mix64(x));
    put_le64(fs->uuid + 8, mix64(x ^ 0x5bd1e9955bd1e995ULL));
    fs->uuid[6] = (u8)((fs->uuid[6] & 0x0f) | 0x40);   /* RFC 4122 version 4 */
    fs->uuid[8] = (u8)((fs->uuid[8] & 0x3f) | 0x80);
}

/* Log the creation of object id with tuple t (owned from now on). */
static int create_obj(struct tfs *fs, u64 id, struct tuple *t)
{
    struct tc_buf b = { 0 };
    int r;

    tuple_remove(t, "extents");
    tc_tuple(fs->h, &b, t, 0);
    r = log_append(fs, REC_CREATE, id, &b);
    tc_release(fs->h, &b);
    if (r != 0) {
        tuple_free(t);
        return r;
    }
    return obj_insert(fs, id, t) == NULL ? -ENOMEM : 0;
}

/* The empty manifest and the root directory. */
static int format_objects(struct tfs *fs)
{
    struct tuple *man = tuple_new(fs->h), *root = tuple_new(fs->h);
    int r;

    if (man == NULL || root == NULL || tuple_set_u64(root, "mode", TFS_S_IFDIR | 0755) != 0 ||
        tuple_child(root, "children") == NULL) {
        tuple_free(man);
        tuple_free(root);
        return -ENOMEM;
    }
    r = create_obj(fs, TFS_ID_MANIFEST, man);
    if (r != 0) {
        tuple_free(root);
        return r;
    }
    return create_obj(fs, TFS_ID_ROOT, root);
}

int tfs_format(struct heap *h, const struct tfs_io *io, struct tfs **out)
{
    u64 blocks = io->size / BS, b;
    struct tfs *fs;
    int r;

    if (blocks < 8)
        return -ENOSPC;
    fs = fs_new(h, io);
    if (fs == NULL)
        return -ENOMEM;
    fs->blocks = blocks;
    fs->seg_default = (u32)MIN(MAX(blocks / 64, 4), 256);
    make_uuid(fs);
    fs->seg_nonce = seg_new_nonce(fs, 1);
    r = range_add(&fs->free, 1, blocks - 1);
    if (r == 0)
        r = range_alloc_exact(&fs->free, fs->seg_default, &b);
    if (r == 0)
        r = seg_write_new(fs, b, 1, fs->seg_default, fs->seg_nonce);
    if (r == 0) {
        fs->log_head = b * BS;
        (void)range_add(&fs->logsegs, b, fs->seg_default);
        fs->seg_off = b * BS;
        fs->seg_bytes = (u64)fs->seg_default * BS;
        fs->seg_seq = 1;
        fs->seg_pos = SEG_HDR;
        fs->sb_dirty = true;
        spare_reserve(fs);
        r = format_objects(fs);
    }
    if (r == 0)
        r = tfs_sync(fs);
    if (r != 0 || out == NULL) {
        tfs_close(fs);
        return r;
    }
    *out = fs;
    return 0;
}

/* Move blocks freed since the last sync back to free space (guarded ones
 * only once vouched for: they may be reused; on failure nothing moves). */
static void release_freeing(struct tfs *fs)
{
    size_t i;

    for (i = 0; i < fs->freeing.n; i++) {
        if (guarded(fs, fs->freeing.r[i].start, fs->freeing.r[i].len) == true && vouch_now(fs) != 0)
            return;
    }
    for (i = 0; i < fs->freeing.n; i++)
        range_add(&fs->free, fs->freeing.r[i].start, fs->freeing.r[i].len);
    range_destroy(&fs->freeing);
    range_destroy(&fs->unlogged);
}

static int sb_commit(struct tfs *fs);

/* Whether block b holds file data (allocated, not log, not being freed). */
static bool is_file_block(const struct tfs *fs, u64 b)
{
    if (range_contains(&fs->free, b, 1) || range_contains(&fs->freeing, b, 1) || range_contains(&fs->logsegs, b, 1))
        return false;
    return fs->spare == 0 || b < fs->spare || b >= fs->spare + fs->seg_default;
}

/* Write the pending records with the one-flush protocol (see "batch
 * headers"); the caller flushes next.  1 when it does not apply (the caller
 * uses log_write_pending), else 0 or -errno. */
static int log_write_checked(struct tfs *fs)
{
    struct range_set rs;
    struct tc_buf rh = { 0 };
    u64 first[BATCH_MAX_RANGES], count[BATCH_MAX_RANGES], b, id;
    size_t i;
    u32 crc;
    int r = 0;

    if (fs->io.flush == NULL || fs->log_unflushed == true || fs->dflush_over == true || fs->dflush.n == 0)
        return 1;
    if (fs->version < TFS_VERSION_BATCH) {
        if (fs->sb_dirty == true)
            return 1;
        fs->version = TFS_VERSION_BATCH;   /* before the first header; this sync stays plain */
        r = sb_commit(fs);
        return r != 0 ? r : 1;
    }
    range_init(&rs, fs->h);
    for (i = 0; i < fs->dflush.n && r == 0; i++) {
        for (b = fs->dflush.r[i].start; b < fs->dflush.r[i].start + fs->dflush.r[i].len && r == 0; b++) {
            if (is_file_block(fs, b) == true)
                r = range_add(&rs, b, 1);
        }
    }
    if (r == 0 && (rs.n == 0 || rs.n > BATCH_MAX_RANGES))
        r = 1;
    for (i = 0; r == 0 && i < rs.n; i++) {
        first[i] = rs.r[i].start;
        count[i] = rs.r[i].len;
    }
    if (r == 0)
        r = blocks_crc(fs, first, count, rs.n, &crc);
    id = batch_new_id(fs);
    if (r == 0)
        r = batch_encode(fs, &rh, id, fs->guard_id, fs->pend.len, &rs, crc);
    if (r == 0 && fs->seg_pos + rh.len + fs->pend.len + VOUCH_SIZE + NEXT_SIZE + TERM_SIZE > fs->seg_bytes)
        r = 1;                         /* room for the vouch that must follow */
    if (r == 0) {
        range_destroy(&fs->unlogged);  /* the records about to go out may map them */
        r = log_put(fs, &rh, true);
    }
    if (r == 0) {
        /* guard the new ranges, the previous ones until the flush.  (After
         * a failed write the guards stay as they were: the next batch goes
         * to the same place, so whatever part of this one reached the disk
         * is overwritten by a batch that vouches for guard_id first.) */
        if (fs->guard_id != 0 && fs->gold.n == 0 && fs->guard_all == false) {
            range_destroy(&fs->gold);
            fs->gold = fs->gcur;
        } else {
            if (fs->guard_id != 0 || fs->gold.n > 0)
                fs->guard_all = true;
            range_destroy(&fs->gcur);
        }
        fs->gcur = rs;
        range_init(&rs, fs->h);
        fs->guard_id = id;
        fs->vouch_pending = false;
    }
    range_destroy(&rs);
    tc_release(fs->h, &rh);
    return r;
}

int tfs_sync(struct tfs *fs)
{
    int r;

    if (fs->pend.len > 0) {
        r = log_write_checked(fs);
        if (r == 1)
            r = log_write_pending(fs);
        if (r != 0)
            return r;
    }
    r = dev_flush(fs);
    if (r != 0)
        return r;
    if (fs->sb_dirty == true) {
        r = sb_commit(fs);
        if (r != 0)
            return r;
    }
    release_freeing(fs);
    return 0;
}

void tfs_statfs(struct tfs *fs, u64 *total_blocks, u64 *free_blocks)
{
    if (total_blocks != NULL)
        *total_blocks = fs->blocks;
    if (free_blocks != NULL)
        *free_blocks = range_total(&fs->free) + range_total(&fs->freeing);
}

/* ---------------------------------------------------------------- objects: public */

struct tuple *tfs_get(struct tfs *fs, u64 id)
{
    struct obj *o = obj_find(fs, id);

    return o == NULL ? NULL : o->t;
}

struct tuple *tfs_manifest(struct tfs *fs)
{
    return tfs_get(fs, TFS_ID_MANIFEST);
}

u64 tfs_lookup(struct tfs *fs, u64 dir, const char *name, size_t len)
{
    struct obj *o = obj_find(fs, dir);
    const struct value *v;

    if (o == NULL)
        return 0;
    v = tuple_getn(tuple_get_tuple(o->t, "children"), name, len);
    return v != NULL && v->kind == VALUE_REF ? v->u.n : 0;
}

u64 tfs_create(struct tfs *fs, struct tuple *init)
{
    u64 id = fs->next_id;

    if (init == NULL)
        return 0;
    if (id >= BATCH_OID) {
        tuple_free(init);
        return 0;
    }
    return create_obj(fs, id, init) == 0 ? id : 0;
}

/* Keys only this module may change through the generic setters. */
static bool key_reserved(const char *key)
{
    return strcmp(key, "extents") == 0 || strcmp(key, "children") == 0 || strcmp(key, "size") == 0;
}

/* Start a one-entry delta "key: <kind>"; the caller appends the value. */
static void delta_key(struct tfs *fs, struct tc_buf *b, const char *key, u8 kind)
{
    tc_varint(fs->h, b, 1);
    tc_key(fs->h, b, key, strlen(key));
    tc_u8(fs->h, b, kind);
}

int tfs_set_bytes(struct tfs *fs, u64 id, const char *key, const void *p, size_t n)
{
    struct obj *o = obj_find(fs, id);
    struct tc_buf b = { 0 };

    if (o == NULL)
        return -ENOENT;
    if (key_reserved(key) == true || n > 0xfffffffeUL)
        return -EINVAL;
    delta_key(fs, &b, key, VALUE_BYTES);
    tc_varint(fs->h, &b, n);
    tc_bytes(fs->h, &b, p, n);
    return commit_update(fs, o, &b);
}

int tfs_set_u64(struct tfs *fs, u64 id, const char *key, u64 n)
{
    struct obj *o = obj_find(fs, id);
    struct tc_buf b = { 0 };

    if (o == NULL)
        return -ENOENT;
    if (strcmp(key, "size") == 0)
        return tfs_truncate(fs, id, n);
    if (key_reserved(key) == true)
        return -EINVAL;
    delta_key(fs, &b, key, VALUE_U64);
    tc_varint(fs->h, &b, n);
    return commit_update(fs, o, &b);
}

int tfs_set_tuple(struct tfs *fs, u64 id, const char *key, const struct tuple *val)
{
    struct obj *o = obj_find(fs, id);
    struct tc_buf b = { 0 };

    if (o == NULL)
        return -ENOENT;
    if (key_reserved(key) == true || val == NULL)
        return -EINVAL;
    tc_varint(fs->h, &b, 2);          /* remove the old value, then set: a replacement */
    tc_key(fs->h, &b, key, strlen(key));
    tc_u8(fs->h, &b, TC_KIND_REMOVE);
    tc_key(fs->h, &b, key, strlen(key));
    tc_u8(fs->h, &b, VALUE_TUPLE);
    tc_tuple(fs->h, &b, val, 1);
    return commit_update(fs, o, &b);
}

int tfs_remove_key(struct tfs *fs, u64 id, const char *key)
{
    struct obj *o = obj_find(fs, id);
    struct tc_buf b = { 0 };

    if (o == NULL)
        return -ENOENT;
    if (key_reserved(key) == true)
        return -EINVAL;
    if (tuple_get(o->t, key) == NULL)
        return -ENOENT;
    delta_key(fs, &b, key, TC_KIND_REMOVE);
    return commit_update(fs, o, &b);
}

/* A directory entry name: 1..255 bytes, no '/', not "." or "..". */
static int name_check(const char *name, size_t *len)
{
    size_t n = strnlen(name, 256);

    if (n == 0 || strchr(name, '/') != NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return -EINVAL;
    if (n > 255)
        return -ENAMETOOLONG;
    *len = n;
    return 0;
}

/* Log "children: {name: <kind> [child]}" for directory o. */
static int link_delta(struct tfs *fs, struct obj *o, const char *name, size_t n, u8 kind, u64 child)
{
    struct tc_buf b = { 0 };

    delta_key(fs, &b, "children", VALUE_TUPLE);
    tc_varint(fs->h, &b, 1);
    tc_key(fs->h, &b, name, n);
    tc_u8(fs->h, &b, kind);
    if (kind == VALUE_REF)
        tc_varint(fs->h, &b, child);
    return commit_update(fs, o, &b);
}

int tfs_link(struct tfs *fs, u64 dir, const char *name, u64 child)
{
    struct obj *o = obj_find(fs, dir);
    size_t n;
    int r = name_check(name, &n);

    if (r != 0)
        return r;
    if (o == NULL || obj_find(fs, child) == NULL)
        return -ENOENT;
    if (obj_is_dir(o) == false)
        return -ENOTDIR;
    if (tfs_lookup(fs, dir, name, n) != 0)
        return -EEXIST;
    return link_delta(fs, o, name, n, VALUE_REF, child);
}

int tfs_unlink(struct tfs *fs, u64 dir, const char *name)
{
    struct obj *o = obj_find(fs, dir);
    size_t n;
    int r = name_check(name, &n);

    if (r != 0)
        return r;
    if (o == NULL)
        return -ENOENT;
    if (obj_is_dir(o) == false)
        return -ENOTDIR;
    if (tuple_getn(tuple_get_tuple(o->t, "children"), name, n) == NULL)
        return -ENOENT;
    return link_delta(fs, o, name, n, TC_KIND_REMOVE, 0);
}

/* ---------------------------------------------------------------- file data */

/* The regular file id with a valid extent cache, or -errno. */
static int file_obj(struct tfs *fs, u64 id, struct obj **out)
{
    struct obj *o = obj_find(fs, id);
    u64 type;

    if (o == NULL)
        return -ENOENT;
    type = obj_mode(o) & TFS_S_IFMT;
    if (type == TFS_S_IFDIR)
        return -EISDIR;
    if (type != TFS_S_IFREG && type != 0)
        return -EINVAL;
    if (o->ext_valid == false && ext_build(fs, o) != 0)
        return -ENOMEM;
    *out = o;
    return 0;
}

/* Inflate compressed extent e of object id into a cache slot: *out = its
 * nblk * BS bytes.  0, -EOPNOTSUPP (no codec), -EIO (a read error or a
 * stream that does not inflate to exactly that size), -ENOMEM. */
static int zext_load(struct tfs *fs, u64 id, const struct ext *e, const u8 **out)
{
    u64 len = e->nblk * BS, n = ext_dblocks(e) * BS;
    struct zslot *z;
    unsigned i;
    u8 *src;
    long r;

    for (i = 0; i < ZC_SLOTS; i++) {
        z = &fs->zc[i];
        if (z->id == id && z->dblk == e->dblk && z->len == len) {
            *out = z->data;
            return 0;
        }
    }
    if (fs->io.inflate == NULL)
        return -EOPNOTSUPP;
    z = &fs->zc[fs->zc_next];
    if (z->data == NULL && (z->data = heap_alloc(fs->h, ZCHUNK_BLOCKS * BS)) == NULL)
        return -ENOMEM;
    src = heap_alloc(fs->h, n);
    if (src == NULL)
        return -ENOMEM;
    z->id = 0;
    r = fs->io.read(fs->io.ctx, e->dblk * BS, src, n) != 0 ? -EIO : 0;
    if (r == 0)
        r = fs->io.inflate(fs->io.ctx, src, e->stored, z->data, len);
    heap_free(fs->h, src, n);
    if (r != (long)len)
        return r == -ENOMEM ? -ENOMEM : -EIO;
    z->id = id;
    z->dblk = e->dblk;
    z->len = len;
    fs->zc_next = (fs->zc_next + 1) % ZC_SLOTS;
    *out = z->data;
    return 0;
}

/* Forget a cached inflated extent (its blocks are being freed). */
static void zc_forget(struct tfs *fs, u64 dblk)
{
    for (unsigned i = 0; i < ZC_SLOTS; i++)
        if (fs->zc[i].dblk == dblk)
            fs->zc[i].id = 0;
}

long tfs_read(struct tfs *fs, u64 id, void *buf, u64 len, u64 off)
{
    struct obj *o;
    u64 size, end, pos;
    size_t i;
    int r = file_obj(fs, id, &o);

    if (r != 0)
        return r;
    size = tuple_get_u64(o->t, "size", 0);
    if (off >= size || len == 0)
        return 0;
    end = off + MIN(len, size - off);
    if (end - off > 0x7fffffffffffffffULL)
        end = off + 0x7fffffffffffffffULL;
    i = ext_search(o, off / BS);
    for (pos = off; pos < end;) {
        u8 *dst = (u8 *)buf + (pos - off);
        const struct ext *e = i < o->next ? &o->ext[i] : NULL;
        if (e != NULL && e->fblk * BS <= pos) {
            u64 stop = MIN(end, (e->fblk + e->nblk) * BS);
            if ((e->flags & TFS_EXT_ZLIB) != 0) {
                const u8 *z;
                r = zext_load(fs, o->id, e, &z);
                if (r != 0)
                    return r;
                memcpy(dst, z + (pos - e->fblk * BS), stop - pos);
            } else if (fs->io.read(fs->io.ctx, e->dblk * BS + (pos - e->fblk * BS), dst, stop - pos) != 0) {
                return -EIO;
            }
            pos = stop;
            i++;
        } else {
            u64 stop = e == NULL ? end : MIN(end, e->fblk * BS);
            memset(dst, 0, stop - pos);
            pos = stop;
        }
    }
    return (long)(end - off);
}

/* A growable array of extents. */
struct extv {
    struct ext *e;
    size_t n, cap;
};

static int extv_push(struct heap *h, struct extv *v, const struct ext *e)
{
    if (v->n == v->cap) {
        size_t ncap = v->cap == 0 ? 8 : v->cap * 2;
        struct ext *ne = heap_alloc(h, ncap * sizeof(*ne));
        if (ne == NULL)
            return -ENOMEM;
        if (v->n > 0)
            memcpy(ne, v->e, v->n * sizeof(*ne));
        heap_free(h, v->e, v->cap * sizeof(*ne));
        v->e = ne;
        v->cap = ncap;
    }
    v->e[v->n++] = *e;
    return 0;
}

static void extv_release(struct heap *h, struct extv *v)
{
    heap_free(h, v->e, v->cap * sizeof(struct ext));
    v->e = NULL;
    v->n = 0;
    v->cap = 0;
}

/* Visit the unmapped runs of file blocks [b0, b1) in order.  A nonzero
 * return from fn stops the walk and is returned. */
static int holes_walk(const struct obj *o, u64 b0, u64 b1, int (*fn)(void *ctx, u64 fb, u64 n), void *ctx)
{
    size_t i = ext_search(o, b0);
    u64 fb = b0;
    int r;

    while (fb < b1) {
        if (i < o->next && o->ext[i].fblk <= fb) {
            fb = MIN(b1, o->ext[i].fblk + o->ext[i].nblk);
            i++;
            continue;
        }
        u64 stop = i < o->next ? MIN(b1, o->ext[i].fblk) : b1;
        r = fn(ctx, fb, stop - fb);
        if (r != 0)
            return r;
        fb = stop;
    }
    return 0;
}

static int count_hole(void *ctx, u64 fb, u64 n)
{
    (void)fb;
    *(u64 *)ctx += n;
    return 0;
}

struct alloc_ctx {
    struct tfs *fs;
    struct extv *pieces;
};

/* Allocate disk blocks for a hole run, as few pieces as free space allows. */
static int alloc_hole(void *ctx, u64 fb, u64 n)
{
    struct alloc_ctx *a = ctx;

    while (n > 0) {
        struct ext e = { fb, 0, 0, 0, 0 };
        e.nblk = range_alloc(&a->fs->free, n, &e.dblk);
        if (e.nblk == 0)
            return -ENOSPC;
        if (extv_push(a->fs->h, a->pieces, &e) != 0) {
            range_add(&a->fs->free, e.dblk, e.nblk);
            return -ENOMEM;
        }
        fb += e.nblk;
        n -= e.nblk;
    }
    return 0;
}

static void free_pieces(struct tfs *fs, struct extv *p)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        range_add(&fs->free, p->e[i].dblk, p->e[i].nblk);
    extv_release(fs->h, p);
}

/* Blocks data may use (the spare log segment is already held out). */
static u64 data_avail(const struct tfs *fs)
{
    return range_total(&fs->free);
}

static int io_write(struct tfs *fs, u64 off, const void *p, u64 n)
{
    if (n == 0)
        return 0;
    return dev_write(fs, off, p, n, false);
}

/* Merge the new pieces into a copy of o's extents (joining a piece to the
 * extent it continues on disk) and note which entries changed. */
static int merge_pieces(struct tfs *fs, const struct obj *o, const struct extv *pc, struct extv *out, struct extv *dirty)
{
    size_t i = 0, j = 0;
    int r = 0;

    while (r == 0 && (i < o->next || j < pc->n)) {
        if (j >= pc->n || (i < o->next && o->ext[i].fblk < pc->e[j].fblk)) {
            r = extv_push(fs->h, out, &o->ext[i++]);
            continue;
        }
        const struct ext *p = &pc->e[j++];
        struct ext *last = out->n > 0 ? &out->e[out->n - 1] : NULL;
        if (last != NULL && last->fblk + last->nblk == p->fblk && last->dblk + last->nblk == p->dblk &&
            last->flags == 0) {
            last->nblk += p->nblk;
            if (dirty->n > 0 && dirty->e[dirty->n - 1].fblk == last->fblk)
                dirty->e[dirty->n - 1] = *last;
            else
                r = extv_push(fs->h, dirty, last);
        } else {
            r = extv_push(fs->h, out, p);
            if (r == 0)
                r = extv_push(fs->h, dirty, p);
        }
    }
    return r;
}

/* Encode one extent entry: key = first file block, big-endian. */
static void enc_extent(struct tfs *fs, struct tc_buf *b, const struct ext *e, bool remove)
{
    u8 key[8];

    put_be64(key, e->fblk);
    tc_key(fs->h, b, key, 8);
    if (remove == true) {
        tc_u8(fs->h, b, TC_KIND_REMOVE);
        return;
    }
    tc_u8(fs->h, b, VALUE_TUPLE);
    tc_varint(fs->h, b, e->flags != 0 ? 4 : 2);
    tc_key(fs->h, b, "block", 5);
    tc_u8(fs->h, b, VALUE_U64);
    tc_varint(fs->h, b, e->dblk);
    tc_key(fs->h, b, "blocks", 6);
    tc_u8(fs->h, b, VALUE_U64);
    tc_varint(fs->h, b, e->nblk);
    if (e->flags != 0) {
        tc_key(fs->h, b, "flags", 5);
        tc_u8(fs->h, b, VALUE_U64);
        tc_varint(fs->h, b, e->flags);
        tc_key(fs->h, b, "stored", 6);
        tc_u8(fs->h, b, VALUE_U64);
        tc_varint(fs->h, b, e->stored);
    }
}

/* The delta {"size": size (when set_size), "extents": {changed..., removed...}}. */
static void enc_file_delta(struct tfs *fs, struct tc_buf *b, bool set_size, u64 size,
                           const struct ext *chg, size_t nchg, const struct ext *rm, size_t nrm)
{
    size_t k;

    tc_varint(fs->h, b, (set_size == true ? 1 : 0) + (nchg + nrm > 0 ? 1 : 0) + (fs->wtime != 0 ? 2 : 0));
    if (set_size == true) {
        tc_key(fs->h, b, "size", 4);
        tc_u8(fs->h, b, VALUE_U64);
        tc_varint(fs->h, b, size);
    }
    if (fs->wtime != 0) {
        tc_key(fs->h, b, "mtime", 5);
        tc_u8(fs->h, b, VALUE_U64);
        tc_varint(fs->h, b, fs->wtime);
        tc_key(fs->h, b, "ctime", 5);
        tc_u8(fs->h, b, VALUE_U64);
        tc_varint(fs->h, b, fs->wtime);
    }
    if (nchg + nrm == 0)
        return;
    tc_key(fs->h, b, "extents", 7);
    tc_u8(fs->h, b, VALUE_TUPLE);
    tc_varint(fs->h, b, nchg + nrm);
    for (k = 0; k < nrm; k++)
        enc_extent(fs, b, &rm[k], true);
    for (k = 0; k < nchg; k++)
        enc_extent(fs, b, &chg[k], false);
}

/* Replace o's extent cache with v (taking its memory). */
static void ext_adopt(struct tfs *fs, struct obj *o, struct extv *v)
{
    ext_drop(fs, o);
    o->ext = v->e;
    o->next = v->n;
    o->extcap = v->cap;
    o->ext_valid = true;
    v->e = NULL;
    v->n = 0;
    v->cap = 0;
}

/* Log a file delta and apply it to the tuple; on success o's cache becomes
 * newext (when given). */
static int commit_file(struct tfs *fs, struct obj *o, struct tc_buf *b, struct extv *newext)
{
    int r = commit_update(fs, o, b);

    if (r == 0 && newext != NULL)
        ext_adopt(fs, o, newext);
    return r;
}

/* Allocate blocks for the holes in [b0, b1).  0, -ENOSPC or -ENOMEM (nothing allocated). */
static int alloc_range(struct tfs *fs, struct obj *o, u64 b0, u64 b1, struct extv *pieces)
{
    struct alloc_ctx a = { fs, pieces };
    u64 holes = 0;
    int r;

    holes_walk(o, b0, b1, count_hole, &holes);
    if (holes == 0)
        return 0;
    if (holes > data_avail(fs))
        return -ENOSPC;
    r = holes_walk(o, b0, b1, alloc_hole, &a);
    if (r != 0)
        free_pieces(fs, pieces);
    return r;
}

/* Rewrite compressed extent o->ext[idx] plain into fresh blocks; one
 * record drops it and maps the new ones, so a crash leaves either.  The
 * old blocks are freed at the next sync.  0 or -errno. */
static int unpack_one(struct tfs *fs, struct obj *o, size_t idx)
{
    struct ext e = o->ext[idx];
    struct extv pieces = { 0 };
    struct alloc_ctx a = { fs, &pieces };
    struct tc_buf b = { 0 };
    const u8 *z;
    size_t k;
    int r = zext_load(fs, o->id, &e, &z);

    if (r == 0 && e.nblk > data_avail(fs))
        r = -ENOSPC;
    if (r == 0)
        r = alloc_hole(&a, e.fblk, e.nblk);
    for (k = 0; r == 0 && k < pieces.n; k++)
        r = io_write(fs, pieces.e[k].dblk * BS, z + (pieces.e[k].fblk - e.fblk) * BS, pieces.e[k].nblk * BS);
    if (r == 0) {
        tc_varint(fs->h, &b, 1);
        tc_key(fs->h, &b, "extents", 7);
        tc_u8(fs->h, &b, VALUE_TUPLE);
        tc_varint(fs->h, &b, 1 + pieces.n);
        enc_extent(fs, &b, &e, true);          /* remove, then the first piece takes its key */
        for (k = 0; k < pieces.n; k++)
            enc_extent(fs, &b, &pieces.e[k], false);
        r = commit_update(fs, o, &b);
    }
    if (r == 0)
        r = ext_build(fs, o);
    if (r != 0) {
        free_pieces(fs, &pieces);
        return r;
    }
    range_add(&fs->freeing, e.dblk, ext_dblocks(&e));
    zc_forget(fs, e.dblk);
    for (k = 0; k < pieces.n; k++)
        (void)range_add(&fs->unlogged, pieces.e[k].dblk, pieces.e[k].nblk);
    extv_release(fs->h, &pieces);
    return 0;
}

/* Make every extent touching file blocks [b0, b1) plain (before a write copies its blocks). */
static int unpack_range(struct tfs *fs, struct obj *o, u64 b0, u64 b1)
{
    size_t i;
    int r;

    for (i = ext_search(o, b0); i < o->next && o->ext[i].fblk < b1; i++) {
        if (o->ext[i].flags != 0) {
            r = unpack_one(fs, o, i);
            if (r != 0)
                return r;
            i = ext_search(o, b0);             /* the cache was rebuilt */
            if (i > 0)
                i--;
        }
    }
    return 0;
}

/* ---- copy-on-write overwrites ----
 * A write never changes a block that a record on disk maps: every block of
 * the written range that is a hole or maps such a block gets a newly
 * allocated one (holding the new bytes and, for a partly written block, the
 * old bytes around them), one record switches the extents over, and the old
 * blocks are freed only at the next sync, after that record is durable.  A
 * crash leaves the old or the new content of the range, never a mix.  Blocks
 * allocated since records last went to disk ("unlogged") are not yet mapped
 * by the durable log, so they are rewritten in place: writes between two
 * syncs (appends, a file written in pieces) do not copy again. */

/* Visit the runs of file blocks in [b0, b1) that need a new block: holes,
 * and blocks mapped to logged disk blocks.  A nonzero return from fn stops
 * the walk and is returned. */
static int cow_walk(struct tfs *fs, const struct obj *o, u64 b0, u64 b1, int (*fn)(void *ctx, u64 fb, u64 n), void *ctx)
{
    size_t i = ext_search(o, b0);
    u64 fb = b0;
    int r = 0;

    while (fb < b1 && r == 0) {
        if (i < o->next && o->ext[i].fblk + o->ext[i].nblk <= fb) {
            i++;
            continue;
        }
        if (i >= o->next || o->ext[i].fblk > fb) {          /* a hole */
            u64 stop = i < o->next ? MIN(b1, o->ext[i].fblk) : b1;
            r = fn(ctx, fb, stop - fb);
            fb = stop;
            continue;
        }
        const struct ext *e = &o->ext[i];
        u64 stop = MIN(b1, e->fblk + e->nblk), d = e->dblk + (fb - e->fblk);
        if (range_contains(&fs->unlogged, d, stop - fb) == true) {
            fb = stop;
        } else if (range_overlaps(&fs->unlogged, d, stop - fb) == false) {
            r = fn(ctx, fb, stop - fb);
            fb = stop;
        } else {
            if (range_contains(&fs->unlogged, d, 1) == false)
                r = fn(ctx, fb, 1);
            fb++;
        }
    }
    return r;
}

/* Allocate blocks for every run of [b0, b1) that cow_walk names, sorted by
 * file block.  0, -ENOSPC or -ENOMEM (nothing allocated). */
static int cow_alloc(struct tfs *fs, struct obj *o, u64 b0, u64 b1, struct extv *pieces)
{
    struct alloc_ctx a = { fs, pieces };
    u64 need = 0;
    int r;

    cow_walk(fs, o, b0, b1, count_hole, &need);
    if (need == 0)
        return 0;
    if (need > data_avail(fs))
        return -ENOSPC;
    r = cow_walk(fs, o, b0, b1, alloc_hole, &a);
    if (r != 0)
        free_pieces(fs, pieces);
    return r;
}

/* Push e onto v, joining it to the last entry when it continues it both in
 * the file and on disk (plain extents only). */
static int ext_append(struct heap *h, struct extv *v, const struct ext *e)
{
    struct ext *last = v->n > 0 ? &v->e[v->n - 1] : NULL;

    if (last != NULL && last->flags == 0 && e->flags == 0 && last->fblk + last->nblk == e->fblk &&
        last->dblk + last->nblk == e->dblk) {
        last->nblk += e->nblk;
        return 0;
    }
    return extv_push(h, v, e);
}

/* The extent list after mapping the pieces: o's extents with the pieces'
 * file ranges cut out (the disk runs cut go to freed), merged with the
 * pieces in file order.  0, -EOPNOTSUPP (a piece in a compressed extent),
 * -ENOMEM. */
static int cow_merge(struct tfs *fs, const struct obj *o, const struct extv *pc, struct extv *out, struct extv *freed)
{
    size_t i, j = 0;
    int r = 0;

    for (i = 0; i < o->next && r == 0; i++) {
        const struct ext *e = &o->ext[i];
        u64 start = e->fblk, eend = e->fblk + e->nblk;
        while (j < pc->n && pc->e[j].fblk + pc->e[j].nblk <= e->fblk && r == 0)
            r = ext_append(fs->h, out, &pc->e[j++]);
        if (r != 0)
            break;
        if (j >= pc->n || pc->e[j].fblk >= eend) {
            r = ext_append(fs->h, out, e);
            continue;
        }
        if (e->flags != 0)
            return -EOPNOTSUPP;
        while (r == 0 && start < eend) {
            const struct ext *p = j < pc->n && pc->e[j].fblk < eend ? &pc->e[j] : NULL;
            u64 cut = p != NULL ? MAX(start, p->fblk) : eend;
            if (cut > start) {
                struct ext k = { start, e->dblk + (start - e->fblk), cut - start, 0, 0 };
                r = ext_append(fs->h, out, &k);
            }
            if (r != 0 || p == NULL)
                break;
            u64 pend = MIN(eend, p->fblk + p->nblk);
            struct ext f = { 0, e->dblk + (cut - e->fblk), pend - cut, 0, 0 };
            r = extv_push(fs->h, freed, &f);
            start = pend;
            if (p->fblk + p->nblk <= eend && r == 0)
                r = ext_append(fs->h, out, &pc->e[j++]);
        }
    }
    while (j < pc->n && r == 0)
        r = ext_append(fs->h, out, &pc->e[j++]);
    return r;
}

/* The entries of o's extents that fin no longer has (rm) and those fin
 * adds or changes (chg): the delta from one extent list to the other. */
static int ext_diff(struct heap *h, const struct obj *o, const struct extv *fin, struct extv *chg, struct extv *rm)
{
    size_t i = 0, j = 0;
    int r = 0;

    while (r == 0 && (i < o->next || j < fin->n)) {
        const struct ext *a = i < o->next ? &o->ext[i] : NULL, *b = j < fin->n ? &fin->e[j] : NULL;
        if (b == NULL || (a != NULL && a->fblk < b->fblk)) {
            r = extv_push(h, rm, a);
            i++;
        } else if (a == NULL || b->fblk < a->fblk) {
            r = extv_push(h, chg, b);
            j++;
        } else {
            if (a->dblk != b->dblk || a->nblk != b->nblk || a->flags != b->flags || a->stored != b->stored)
                r = extv_push(h, chg, b);
            i++;
            j++;
        }
    }
    return r;
}

/* Disk block holding file block fb in an extent list (0: a hole). */
static u64 ext_disk(const struct ext *e, size_t n, u64 fb)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e[mid].fblk + e[mid].nblk <= fb)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && e[lo].fblk <= fb && (e[lo].flags & TFS_EXT_ZLIB) == 0)
        return e[lo].dblk + (fb - e[lo].fblk);
    return 0;
}

/* Write buf = file bytes [off, end) (buf NULL: zeros, for tfs_zero_range)
 * to the blocks fin maps.  A block that
 * keeps its disk block (unlogged) gets just the new bytes; a partly written
 * new block gets the old block's bytes around them (zeros for a hole), so no
 * stale bytes show.  Whole blocks go out in runs contiguous on disk. */
static int cow_write(struct tfs *fs, const struct obj *o, const struct extv *fin, const u8 *buf, u64 off, u64 end)
{
    u8 *blk = NULL;
    u64 pos = off, run_disk = 0, run_len = 0;
    const u8 *run_src = NULL;
    int r = 0;

    while (pos < end && r == 0) {
        u64 fb = pos / BS, stop = MIN(end, (fb + 1) * BS);
        u64 nd = ext_disk(fin->e, fin->n, fb), od = ext_disk(o->ext, o->next, fb);
        const u8 *src = buf != NULL ? buf + (pos - off) : fs->zero;   /* NULL: zeros */
        if (nd == 0)
            return -EIO;                               /* cannot happen: fin maps [off, end) */
        if (pos % BS == 0 && stop - pos == BS) {
            if (run_len > 0 && run_disk + run_len == nd * BS && run_src + run_len == src) {
                run_len += BS;
            } else {
                r = io_write(fs, run_disk, run_src, run_len);
                run_disk = nd * BS;
                run_src = src;
                run_len = BS;
            }
            pos = stop;
            continue;
        }
        r = io_write(fs, run_disk, run_src, run_len);
        run_len = 0;
        if (r == 0 && nd == od) {
            r = io_write(fs, nd * BS + pos % BS, src, stop - pos);
        } else if (r == 0) {
            if (blk == NULL && (blk = heap_alloc(fs->h, BS)) == NULL)
                return -ENOMEM;
            if (od != 0)
                r = fs->io.read(fs->io.ctx, od * BS, blk, BS) != 0 ? -EIO : 0;
            else
                memset(blk, 0, BS);
            memcpy(blk + pos % BS, src, stop - pos);
            if (r == 0)
                r = io_write(fs, nd * BS, blk, BS);
        }
        pos = stop;
    }
    if (r == 0)
        r = io_write(fs, run_disk, run_src, run_len);
    if (blk != NULL)
        heap_free(fs->h, blk, BS);
    return r;
}

/* Note blocks as unlogged (rewritable in place until records go out). */
static void mark_unlogged(struct tfs *fs, const struct extv *pc)
{
    size_t k;

    for (k = 0; k < pc->n; k++)
        (void)range_add(&fs->unlogged, pc->e[k].dblk, pc->e[k].nblk);
}

/* tfs_write (buf NULL: zeros); grow: extend "size" to off+len. */
static long write_range(struct tfs *fs, u64 id, const void *buf, u64 len, u64 off, bool grow)
{
    struct obj *o;
    struct extv pieces = { 0 }, fin = { 0 }, chg = { 0 }, rm = { 0 }, freed = { 0 };
    struct tc_buf b = { 0 };
    u64 end = off + len, size, b0, b1;
    size_t k;
    int r = file_obj(fs, id, &o);

    if (r != 0)
        return r;
    if (len == 0)
        return 0;
    if (end < off || len > 0x7fffffffffffffffULL || end > TFS_MAX_FILE_BLOCKS * BS)
        return -EFBIG;
    b0 = off / BS;
    b1 = (end + BS - 1) / BS;
    size = tuple_get_u64(o->t, "size", 0);
    r = unpack_range(fs, o, b0, b1);
    if (r == 0)
        r = cow_alloc(fs, o, b0, b1, &pieces);
    if (r == 0)
        r = cow_merge(fs, o, &pieces, &fin, &freed);
    if (r == 0)
        r = cow_write(fs, o, &fin, buf, off, end);
    if (r == 0)
        r = ext_diff(fs->h, o, &fin, &chg, &rm);
    if (r == 0 && (chg.n + rm.n > 0 || (grow == true && end > size) || fs->wtime != 0)) {
        enc_file_delta(fs, &b, grow == true && end > size, end, chg.e, chg.n, rm.e, rm.n);
        r = commit_file(fs, o, &b, chg.n + rm.n > 0 ? &fin : NULL);
        tc_release(fs->h, &b);
    }
    if (r == 0) {
        for (k = 0; k < freed.n; k++)
            range_add(&fs->freeing, freed.e[k].dblk, freed.e[k].nblk);
        mark_unlogged(fs, &pieces);
    } else {
        free_pieces(fs, &pieces);
    }
    extv_release(fs->h, &pieces);
    extv_release(fs->h, &fin);
    extv_release(fs->h, &chg);
    extv_release(fs->h, &rm);
    extv_release(fs->h, &freed);
    return r != 0 ? r : (long)len;
}

long tfs_write(struct tfs *fs, u64 id, const void *buf, u64 len, u64 off)
{
    return write_range(fs, id, buf, len, off, true);
}

/* Shrink o to size: trims the extent cache (into kept), lists the removed
 * and trimmed extents, and the disk runs that become free. */
static int shrink_plan(struct tfs *fs, const struct obj *o, u64 keep, struct extv *kept,
                       struct extv *chg, struct extv *rm, struct extv *freed)
{
    size_t i;
    int r = 0;

    for (i = 0; i < o->next && r == 0; i++) {
        struct ext e = o->ext[i];
        if (e.fblk + e.nblk <= keep) {
            r = extv_push(fs->h, kept, &e);
        } else if (e.fblk >= keep) {
            struct ext f = { 0, e.dblk, ext_dblocks(&e), 0, 0 };
            r = extv_push(fs->h, rm, &e);
            if (r == 0)
                r = extv_push(fs->h, freed, &f);
        } else if (e.flags != 0) {
            r = -EOPNOTSUPP;
        } else {
            struct ext f = { 0, e.dblk + (keep - e.fblk), e.fblk + e.nblk - keep, 0, 0 };
            e.nblk = keep - e.fblk;
            r = extv_push(fs->h, kept, &e);
            if (r == 0)
                r = extv_push(fs->h, chg, &e);
            if (r == 0)
                r = extv_push(fs->h, freed, &f);
        }
    }
    return r;
}

/* Zero the bytes past size in the block holding it (allocated bytes past
 * "size" read as zero); kept is the shrunk extent list.  An unlogged block is
 * zeroed in place; a logged one is copied to a new block (old bytes before
 * size, zeros after) that kept and chg then map, and the old block goes to
 * freed, so a crash before the record leaves the old bytes.  With no free
 * block left it is zeroed in place (only bytes being cut off change). */
static int zero_tail(struct tfs *fs, struct extv *kept, struct extv *chg, struct extv *freed, u64 size)
{
    struct ext *e = kept->n > 0 ? &kept->e[kept->n - 1] : NULL;
    u64 tb = size / BS, od, nd;
    u8 *blk;
    size_t k;
    int r;

    if (size % BS == 0 || e == NULL || e->fblk + e->nblk != tb + 1 || e->flags != 0)
        return 0;
    od = e->dblk + (tb - e->fblk);
    if (range_contains(&fs->unlogged, od, 1) == true || range_alloc(&fs->free, 1, &nd) == 0)
        return io_write(fs, od * BS + size % BS, fs->zero, BS - size % BS);
    blk = heap_alloc(fs->h, BS);
    r = blk == NULL ? -ENOMEM : fs->io.read(fs->io.ctx, od * BS, blk, BS) != 0 ? -EIO : 0;
    if (r == 0) {
        memset(blk + size % BS, 0, BS - size % BS);
        r = io_write(fs, nd * BS, blk, BS);
    }
    heap_free(fs->h, blk, BS);
    struct ext ne = { tb, nd, 1, 0, 0 }, f = { 0, od, 1, 0, 0 };
    bool split = r == 0 && e->nblk > 1;
    if (r == 0 && split == false)
        e->dblk = nd;
    else if (r == 0)
        e->nblk--;
    if (split == true)
        r = extv_push(fs->h, kept, &ne);     /* may move kept->e */
    e = r == 0 ? &kept->e[kept->n - (split == true ? 2 : 1)] : NULL;
    for (k = 0; r == 0 && k < chg->n && chg->e[k].fblk != e->fblk; k++)
        ;
    if (r == 0 && k < chg->n)
        chg->e[k] = *e;                      /* shrink_plan already trimmed it */
    else if (r == 0)
        r = extv_push(fs->h, chg, e);
    if (r == 0 && split == true)
        r = extv_push(fs->h, chg, &ne);
    if (r == 0)
        r = extv_push(fs->h, freed, &f);
    if (r != 0) {
        range_add(&fs->free, nd, 1);
        return r;
    }
    (void)range_add(&fs->unlogged, nd, 1);
    return 0;
}

int tfs_truncate(struct tfs *fs, u64 id, u64 size)
{
    struct obj *o;
    struct extv kept = { 0 }, chg = { 0 }, rm = { 0 }, freed = { 0 };
    struct tc_buf b = { 0 };
    size_t k;
    int r = file_obj(fs, id, &o);

    if (r != 0)
        return r;
    if (size > TFS_MAX_FILE_BLOCKS * BS)
        return -EFBIG;
    if (size == tuple_get_u64(o->t, "size", 0) && tuple_get(o->t, "size") != NULL)
        return 0;
    k = ext_search(o, (size + BS - 1) / BS);
    r = 0;
    if (k < o->next && o->ext[k].flags != 0 && o->ext[k].fblk < (size + BS - 1) / BS)
        r = unpack_one(fs, o, k);             /* the extent the new end cuts through */
    if (r == 0)
        r = shrink_plan(fs, o, (size + BS - 1) / BS, &kept, &chg, &rm, &freed);
    if (r == 0 && size < tuple_get_u64(o->t, "size", 0))
        r = zero_tail(fs, &kept, &chg, &freed, size);
    if (r == 0) {
        enc_file_delta(fs, &b, true, size, chg.e, chg.n, rm.e, rm.n);
        r = commit_file(fs, o, &b, rm.n + chg.n > 0 ? &kept : NULL);
        tc_release(fs->h, &b);
    }
    for (k = 0; r == 0 && k < freed.n; k++)
        range_add(&fs->freeing, freed.e[k].dblk, freed.e[k].nblk);
    extv_release(fs->h, &kept);
    extv_release(fs->h, &chg);
    extv_release(fs->h, &rm);
    extv_release(fs->h, &freed);
    return r;
}

int tfs_delete(struct tfs *fs, u64 id)
{
    struct obj *o = obj_find(fs, id);
    size_t i;
    int r;

    if (id == TFS_ID_ROOT || id == TFS_ID_MANIFEST)
        return -EPERM;
    if (o == NULL)
        return -ENOENT;
    if (o->ext_valid == false && ext_build(fs, o) != 0)
        return -ENOMEM;
    r = log_append(fs, REC_DELETE, id, NULL);
    if (r != 0)
        return r;
    for (i = 0; i < o->next; i++)
        range_add(&fs->freeing, o->ext[i].dblk, ext_dblocks(&o->ext[i]));
    obj_remove(fs, id);
    return 0;
}

/* ---------------------------------------------------------------- compaction */

/* Where the log tail is; saved so a failed compaction can fall back. */
struct log_state {
    u64 head, off, bytes, seq, pos, nonce;
    struct range_set segs;
};

static void log_save(const struct tfs *fs, struct log_state *s)
{
    s->head = fs->log_head;
    s->off = fs->seg_off;
    s->bytes = fs->seg_bytes;
    s->seq = fs->seg_seq;
    s->pos = fs->seg_pos;
    s->nonce = fs->seg_nonce;
    s->segs = fs->logsegs;
}

static void log_restore(struct tfs *fs, const struct log_state *s)
{
    fs->log_head = s->head;
    fs->seg_off = s->off;
    fs->seg_bytes = s->bytes;
    fs->seg_seq = s->seq;
    fs->seg_pos = s->pos;
    fs->seg_nonce = s->nonce;
    fs->logsegs = s->segs;
}

/* Give every block of a segment set back to free space and empty it. */
static void segs_release(struct tfs *fs, struct range_set *segs)
{
    size_t i;

    for (i = 0; i < segs->n; i++)
        (void)range_add(&fs->free, segs->r[i].start, segs->r[i].len);
    range_destroy(segs);
}

/* Start a new log chain (sequence 1) in fresh blocks. */
static int log_start_chain(struct tfs *fs)
{
    u64 b, nonce = seg_new_nonce(fs, 1);
    int r;

    if (range_alloc_exact(&fs->free, fs->seg_default, &b) != 0)
        return -ENOSPC;
    r = seg_write_new(fs, b, 1, fs->seg_default, nonce);
    if (r != 0) {
        (void)range_add(&fs->free, b, fs->seg_default);
        return r;
    }
    range_init(&fs->logsegs, fs->h);
    (void)range_add(&fs->logsegs, b, fs->seg_default);
    fs->log_head = b * BS;
    fs->seg_off = b * BS;
    fs->seg_bytes = (u64)fs->seg_default * BS;
    fs->seg_seq = 1;
    fs->seg_pos = SEG_HDR;
    fs->seg_nonce = nonce;
    return 0;
}

/* Log one CREATE record holding the whole tuple of every live object. */
static int log_all_objects(struct tfs *fs)
{
    size_t i;
    struct obj *o;
    int r = 0;

    for (i = 0; i < fs->nbucket && r == 0; i++) {
        for (o = fs->bucket[i]; o != NULL && r == 0; o = o->hnext) {
            struct tc_buf b = { 0 };
            tc_tuple(fs->h, &b, o->t, 0);
            r = log_append(fs, REC_CREATE, o->id, &b);
            tc_release(fs->h, &b);
        }
    }
    return r;
}

/* Point the superblock at the current log head and make it durable. */
static int sb_commit(struct tfs *fs)
{
    u8 sb[SB_SIZE];

    sb_encode(fs, sb);
    if (dev_write(fs, 0, sb, SB_SIZE, true) != 0)
        return -EIO;
    if (dev_flush(fs) != 0)
        return -EIO;
    fs->sb_dirty = false;
    return 0;
}

/* Rewrite the log as one CREATE record per live object in a new chain,
 * switch the superblock to it (one sector write, after the new chain is
 * durable) and free the old segments.  Makes images smaller and mounts
 * faster (mkfs calls it once at the end).  0 or -errno; on failure the old
 * log stays in force. */
int tfs_compact(struct tfs *fs)
{
    struct log_state old;
    struct range_set gcur, gold;
    u64 guard_id = fs->guard_id;
    bool vouch_pending = fs->vouch_pending, guard_all = fs->guard_all;
    u32 version = fs->version;
    int r = tfs_sync(fs);

    if (r != 0)
        return r;
    log_save(fs, &old);
    r = log_start_chain(fs);
    if (r != 0) {
        log_restore(fs, &old);
        return r;
    }
    /* The new chain holds no batch headers (so no vouches for the old
     * log's): the guards wait aside, back in force if the old log stays. */
    guard_id = fs->guard_id;
    vouch_pending = fs->vouch_pending;
    guard_all = fs->guard_all;
    gcur = fs->gcur;
    gold = fs->gold;
    range_init(&fs->gcur, fs->h);
    range_init(&fs->gold, fs->h);
    fs->guard_id = 0;
    fs->vouch_pending = false;
    fs->guard_all = false;
    fs->version = TFS_VERSION;
    r = log_all_objects(fs);
    if (r == 0)
        r = log_write_pending(fs);
    if (r == 0)
        r = dev_flush(fs);             /* the new chain durable before the switch */
    if (r == 0)
        r = sb_commit(fs);
    if (r != 0) {
        fs->pend.len = 0;
        segs_release(fs, &fs->logsegs);
        log_restore(fs, &old);
        range_destroy(&fs->gcur);
        range_destroy(&fs->gold);
        fs->gcur = gcur;
        fs->gold = gold;
        fs->guard_id = guard_id;
        fs->vouch_pending = false;     /* any vouch went to the new chain */
        fs->guard_all = guard_all || vouch_pending || gold.n > 0;
        fs->version = version;
        fs->log_unflushed = true;      /* the next batch flushes before vouching */
        return r;
    }
    range_destroy(&gcur);
    range_destroy(&gold);
    segs_release(fs, &old.segs);
    return 0;
}

/* ---------------------------------------------------------------- check */

struct checker {
    struct tfs *fs;
    struct tfs_stats *st;
    void (*report)(void *ctx, const char *msg);
    void *ctx;
    u64 *stack;                        /* directories still to visit */
    size_t n, cap;
    int err;                           /* -ENOMEM while walking */
};

static void problem(struct checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Count a problem and describe it through the caller's report function. */
static void problem(struct checker *c, const char *fmt, ...)
{
    char msg[160];
    va_list ap;

    c->st->problems++;
    if (c->report == NULL)
        return;
    va_start(ap, fmt);
    fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->report(c->ctx, msg);
}

static void push_dir(struct checker *c, u64 id)
{
    if (c->n == c->cap) {
        size_t ncap = c->cap == 0 ? 64 : c->cap * 2;
        u64 *ns = heap_alloc(c->fs->h, ncap * sizeof(u64));
        if (ns == NULL) {
            c->err = -ENOMEM;
            return;
        }
        if (c->n > 0)
            memcpy(ns, c->stack, c->n * sizeof(u64));
        heap_free(c->fs->h, c->stack, c->cap * sizeof(u64));
        c->stack = ns;
        c->cap = ncap;
    }
    c->stack[c->n++] = id;
}

struct check_dir {
    struct checker *c;
    u64 dir;
};

/* tuple_iter callback over a directory's children: every entry must name a
 * live object; unseen directories are queued. */
static int check_entry(void *ctx, const u8 *key, size_t klen, const struct value *v)
{
    struct check_dir *d = ctx;
    struct obj *o = v->kind == VALUE_REF ? obj_find(d->c->fs, v->u.n) : NULL;

    if (o == NULL) {
        problem(d->c, "directory %llu: entry \"%.*s\" names no object", (unsigned long long)d->dir,
                (int)MIN(klen, 64), (const char *)key);
        return 0;
    }
    if (o->seen == true)
        return 0;
    o->seen = true;
    if (obj_is_dir(o) == true)
        push_dir(d->c, o->id);
    return d->c->err;
}

/* Per-object checks and statistics once the tree walk is done. */
static void check_object(struct checker *c, struct obj *o)
{
    u64 type = obj_mode(o) & TFS_S_IFMT;
    struct tuple *x = tuple_get_tuple(o->t, "extents");
    size_t i;

    c->st->objects++;
    if (o->seen == false && o->id != TFS_ID_MANIFEST)
        c->st->orphans++;
    if (type == TFS_S_IFDIR)
        c->st->dirs++;
    else if (type == TFS_S_IFLNK)
        c->st->symlinks++;
    else if (o->id != TFS_ID_MANIFEST)
        c->st->files++;
    if (type == TFS_S_IFLNK && tuple_get_str(o->t, "target") == NULL)
        problem(c, "symlink %llu has no target", (unsigned long long)o->id);
    if (x != NULL && o->ext_valid == true && tuple_count(x) != o->next)
        problem(c, "file %llu: %llu of %llu extents are invalid (outside the volume or overlapping)",
                (unsigned long long)o->id, (unsigned long long)(tuple_count(x) - o->next),
                (unsigned long long)tuple_count(x));
    for (i = 0; i < o->next; i++)
        c->st->data_blocks += ext_dblocks(&o->ext[i]);
    c->st->bytes += tuple_get_u64(o->t, "size", 0);
}

/* Mark every object reachable from the root (o->seen).  0 or -ENOMEM. */
static int mark_reachable(struct checker *c)
{
    struct tfs *fs = c->fs;
    struct obj *o;
    size_t i;

    for (i = 0; i < fs->nbucket; i++) {
        for (o = fs->bucket[i]; o != NULL; o = o->hnext)
            o->seen = false;
    }
    obj_find(fs, TFS_ID_ROOT)->seen = true;
    push_dir(c, TFS_ID_ROOT);
    while (c->n > 0 && c->err == 0) {
        struct check_dir d = { c, c->stack[--c->n] };
        struct tuple *ch = tuple_get_tuple(obj_find(fs, d.dir)->t, "children");
        if (ch != NULL)
            tuple_iter(ch, check_entry, &d);
    }
    heap_free(fs->h, c->stack, c->cap * sizeof(u64));
    c->stack = NULL;
    c->n = c->cap = 0;
    return c->err;
}

/* Walk the tree from the root, then check every object. */
static int check_tree(struct checker *c)
{
    struct tfs *fs = c->fs;
    struct obj *o;
    size_t i;
    int r = mark_reachable(c);

    if (r != 0)
        return r;
    for (i = 0; i < fs->nbucket; i++) {
        for (o = fs->bucket[i]; o != NULL; o = o->hnext)
            check_object(c, o);
    }
    return 0;
}

/* The log ended at a record with a bad CRC: count the valid records that
 * follow it in the same segment (*first: the byte offset of the first).
 * Any means damage inside the log (their changes are lost), not a write
 * the power cut short at the end. */
static u64 records_after_end(struct tfs *fs, u64 *first)
{
    static const u8 zeros[7];
    u64 n = 0, pos;
    u8 *seg = heap_alloc(fs->h, fs->seg_bytes);

    if (seg == NULL)
        return 0;
    if (fs->io.read(fs->io.ctx, fs->seg_off, seg, fs->seg_bytes) != 0) {
        heap_free(fs->h, seg, fs->seg_bytes);
        return 0;
    }
    for (pos = fs->seg_pos + 8; pos + REC_HDR <= fs->seg_bytes; pos += 8) {
        const u8 *r = seg + pos;
        u32 len = get_le32(r + 4);
        if (r[8] < REC_CREATE || r[8] > REC_NEXT || len > fs->seg_bytes - pos - REC_HDR)
            continue;
        if (memcmp(r + 9, zeros, 7) != 0 || get_le32(r) != rec_crc(fs, r, len))
            continue;
        if (n++ == 0)
            *first = fs->seg_off + pos;
        pos += ALIGN_UP((u64)REC_HDR + len, 8) - 8;
    }
    heap_free(fs->h, seg, fs->seg_bytes);
    return n;
}

int tfs_check(struct tfs *fs, struct tfs_stats *st, void (*report)(void *ctx, const char *msg), void *ctx)
{
    static const char *const why[] = {
        [END_CLEAN] = NULL,
        [END_TORN] = "a record with a bad CRC or length (torn write)",
        [END_MALFORMED] = "a record with a malformed payload",
        [END_BAD_NEXT] = "a link to a missing or invalid log segment",
        [END_FULL] = "a full segment with no link onward",
        [END_UNFLUSHED] = NULL,        /* a one-flush sync cut short: no damage */
    };
    struct checker c = { fs, st, report, ctx, NULL, 0, 0, 0 };

    memset(st, 0, sizeof(*st));
    st->total_blocks = fs->blocks;
    st->free_blocks = range_total(&fs->free) + range_total(&fs->freeing);
    st->log_segments = fs->logsegs.n;
    st->log_blocks = range_total(&fs->logsegs);
    st->log_records = fs->log_records;
    st->log_end = fs->seg_off + fs->seg_pos;
    st->log_torn = fs->log_end == END_TORN ? 1 : 0;
    if (why[fs->log_end] != NULL)
        problem(&c, "log ends at byte offset %llu at %s", (unsigned long long)st->log_end, why[fs->log_end]);
    if (fs->log_end == END_TORN) {
        u64 first = 0, n = records_after_end(fs, &first);
        if (n > 0) {
            st->log_torn = 0;
            problem(&c, "log damaged: %llu valid records after it (the first at byte offset %llu) are lost",
                    (unsigned long long)n, (unsigned long long)first);
        }
    }
    return check_tree(&c);
}

/* ---------------------------------------------------------------- kernel write path */

void tfs_set_write_time(struct tfs *fs, u64 ns)
{
    fs->wtime = ns;
}

u64 tfs_log_blocks(struct tfs *fs)
{
    return range_total(&fs->logsegs);
}

/* The delta "children: {oname: remove, nname: ref child}" (one record, so a
 * rename within a directory is atomic). */
static int rename_delta(struct tfs *fs, struct obj *dir, const char *on, size_t ol, const char *nn, size_t nl, u64 child)
{
    struct tc_buf b = { 0 };

    delta_key(fs, &b, "children", VALUE_TUPLE);
    tc_varint(fs->h, &b, 2);
    tc_key(fs->h, &b, on, ol);
    tc_u8(fs->h, &b, TC_KIND_REMOVE);
    tc_key(fs->h, &b, nn, nl);
    tc_u8(fs->h, &b, VALUE_REF);
    tc_varint(fs->h, &b, child);
    return commit_update(fs, dir, &b);
}

int tfs_rename(struct tfs *fs, u64 odir, const char *oname, u64 ndir, const char *nname)
{
    struct obj *od = obj_find(fs, odir), *nd = obj_find(fs, ndir);
    size_t ol, nl;
    u64 child;
    int r = name_check(oname, &ol);

    if (r == 0)
        r = name_check(nname, &nl);
    if (r != 0)
        return r;
    if (od == NULL || nd == NULL)
        return -ENOENT;
    if (obj_is_dir(od) == false || obj_is_dir(nd) == false)
        return -ENOTDIR;
    child = tfs_lookup(fs, odir, oname, ol);
    if (child == 0)
        return -ENOENT;
    if (odir == ndir && ol == nl && memcmp(oname, nname, ol) == 0)
        return 0;
    if (odir == ndir)
        return rename_delta(fs, od, oname, ol, nname, nl, child);
    r = link_delta(fs, nd, nname, nl, VALUE_REF, child);      /* the new name first: never lost */
    if (r == 0)
        r = link_delta(fs, od, oname, ol, TC_KIND_REMOVE, 0);
    return r;
}

/* Write zeros over every new piece (fresh blocks hold stale bytes). */
static int zero_pieces(struct tfs *fs, const struct extv *pc)
{
    size_t i;
    int r = 0;

    for (i = 0; i < pc->n && r == 0; i++) {
        u64 b;
        for (b = 0; b < pc->e[i].nblk && r == 0; b++)
            r = io_write(fs, (pc->e[i].dblk + b) * BS, fs->zero, BS);
    }
    return r;
}

int tfs_allocate(struct tfs *fs, u64 id, u64 off, u64 len, bool keep_size)
{
    struct obj *o;
    struct extv pieces = { 0 }, merged = { 0 }, dirty = { 0 };
    struct tc_buf b = { 0 };
    u64 end = off + len, size;
    int r = file_obj(fs, id, &o);

    if (r != 0)
        return r;
    if (len == 0 || end < off)
        return -EINVAL;
    if (end > TFS_MAX_FILE_BLOCKS * BS)
        return -EFBIG;
    size = tuple_get_u64(o->t, "size", 0);
    r = alloc_range(fs, o, off / BS, (end + BS - 1) / BS, &pieces);
    if (r == 0)
        r = zero_pieces(fs, &pieces);
    if (r == 0 && (pieces.n > 0 || (end > size && keep_size == false))) {
        r = merge_pieces(fs, o, &pieces, &merged, &dirty);
        if (r == 0) {
            enc_file_delta(fs, &b, end > size && keep_size == false, end, dirty.e, dirty.n, NULL, 0);
            r = commit_file(fs, o, &b, pieces.n > 0 ? &merged : NULL);
        }
        tc_release(fs->h, &b);
    }
    if (r != 0)
        free_pieces(fs, &pieces);
    else
        mark_unlogged(fs, &pieces);
    extv_release(fs->h, &pieces);
    extv_release(fs->h, &merged);
    extv_release(fs->h, &dirty);
    return r;
}

/* ---------------------------------------------------------------- holes
 * A hole is a run of file blocks no extent maps (reads give zeros).
 * tfs_punch unmaps the whole blocks of a range and zeroes the bytes of the
 * partial blocks at its ends; tfs_zero_range writes zeros over a range into
 * allocated blocks.  Both log one UPDATE record (extent keys removed,
 * trimmed or remapped, the same kinds of deltas truncate and overwrites
 * log), so images with holes mount on any TFS kernel.  Freed blocks wait in
 * fs->freeing until that record is durable (tfs_sync), as truncate's do.
 * A partial block that a durable record maps is zeroed in a copy (a fresh
 * block the record switches to), so a crash before the record leaves the
 * old bytes and after it the zeros; when no block is free it is zeroed in
 * place (only bytes being zeroed change, as zero_tail does). */

/* Cut file blocks [p0, p1) out of extent list in[0..n): entries wholly
 * inside go (their disk blocks to freed), others are trimmed or split.
 * 0, -EOPNOTSUPP (a compressed extent cut partly: unpack it first), -ENOMEM. */
static int ext_cut(struct tfs *fs, const struct ext *in, size_t n, u64 p0, u64 p1, struct extv *out,
                   struct extv *freed)
{
    size_t i;
    int r = 0;

    for (i = 0; i < n && r == 0; i++) {
        const struct ext *e = &in[i];
        u64 s = e->fblk, t = e->fblk + e->nblk;
        if (t <= p0 || s >= p1) {
            r = extv_push(fs->h, out, e);
            continue;
        }
        if (s >= p0 && t <= p1) {
            struct ext f = { 0, e->dblk, ext_dblocks(e), 0, 0 };
            r = extv_push(fs->h, freed, &f);
            continue;
        }
        if (e->flags != 0)
            return -EOPNOTSUPP;
        u64 cs = MAX(s, p0), ct = MIN(t, p1);
        if (s < p0) {
            struct ext k = { s, e->dblk, p0 - s, 0, 0 };
            r = extv_push(fs->h, out, &k);
        }
        struct ext f = { 0, e->dblk + (cs - s), ct - cs, 0, 0 };
        if (r == 0)
            r = extv_push(fs->h, freed, &f);
        if (r == 0 && t > p1) {
            struct ext k = { p1, e->dblk + (p1 - s), t - p1, 0, 0 };
            r = extv_push(fs->h, out, &k);
        }
    }
    return r;
}

/* Zero file bytes [zs, ze) (within one block) for a punch.  A hole, or bytes
 * at or past size (already zero), need nothing; an unlogged block (or, on a
 * full volume, any block) is zeroed in place; a logged one is copied into a
 * fresh block pushed onto pieces.  0 or -errno. */
static int punch_edge(struct tfs *fs, const struct obj *o, u64 zs, u64 ze, u64 size, struct extv *pieces)
{
    u64 fb = zs / BS, od, nd;
    u8 *blk;
    int r;

    ze = MIN(ze, size);
    if (zs >= ze)
        return 0;
    od = ext_disk(o->ext, o->next, fb);
    if (od == 0)
        return 0;
    if (range_contains(&fs->unlogged, od, 1) == true || range_alloc(&fs->free, 1, &nd) == 0)
        return io_write(fs, od * BS + zs % BS, fs->zero, ze - zs);
    blk = heap_alloc(fs->h, BS);
    r = blk == NULL ? -ENOMEM : fs->io.read(fs->io.ctx, od * BS, blk, BS) != 0 ? -EIO : 0;
    if (r == 0) {
        memset(blk + zs % BS, 0, ze - zs);
        r = io_write(fs, nd * BS, blk, BS);
    }
    if (blk != NULL)
        heap_free(fs->h, blk, BS);
    struct ext p = { fb, nd, 1, 0, 0 };
    if (r == 0)
        r = extv_push(fs->h, pieces, &p);
    if (r != 0)
        range_add(&fs->free, nd, 1);
    return r;
}

/* Make the extent holding file block fb plain when it is compressed and
 * not wholly inside the blocks [p0, p1) a punch unmaps.  0 or -errno. */
static int cut_unpack(struct tfs *fs, struct obj *o, u64 fb, u64 p0, u64 p1)
{
    size_t i = ext_search(o, fb);
    const struct ext *e = i < o->next ? &o->ext[i] : NULL;

    if (e == NULL || e->fblk > fb || e->flags == 0 || (e->fblk >= p0 && e->fblk + e->nblk <= p1))
        return 0;
    return unpack_one(fs, o, i);
}

int tfs_punch(struct tfs *fs, u64 id, u64 off, u64 len)
{
    struct obj *o;
    struct extv pieces = { 0 }, mid = { 0 }, fin = { 0 }, chg = { 0 }, rm = { 0 }, freed = { 0 };
    struct tc_buf b = { 0 };
    u64 end = off + len, size, p0, p1, b0, bl;
    size_t k;
    int r = file_obj(fs, id, &o);

    if (r != 0)
        return r;
    if (len == 0 || end < off)
        return -EINVAL;
    end = MIN(end, TFS_MAX_FILE_BLOCKS * BS);  /* nothing is mapped past it */
    if (off >= end)
        return 0;
    size = tuple_get_u64(o->t, "size", 0);
    b0 = off / BS;
    bl = (end - 1) / BS;
    p0 = (off + BS - 1) / BS;                  /* whole blocks [p0, p1) are unmapped */
    p1 = end / BS;
    /* compressed extents cut partly are made plain first (those holding
     * the first and last block touched are the only ones that can be);
     * ones wholly inside the punched blocks are just dropped */
    r = cut_unpack(fs, o, b0, p0, MAX(p0, p1));
    if (r == 0 && bl != b0)
        r = cut_unpack(fs, o, bl, p0, MAX(p0, p1));
    if (r == 0 && off % BS != 0)
        r = punch_edge(fs, o, off, MIN(end, (b0 + 1) * BS), size, &pieces);
    if (r == 0 && end % BS != 0 && (bl != b0 || off % BS == 0))
        r = punch_edge(fs, o, MAX(off, bl * BS), end, size, &pieces);
    if (r == 0)
        r = cow_merge(fs, o, &pieces, &mid, &freed);
    if (r == 0)
        r = ext_cut(fs, mid.e, mid.n, p0, MAX(p0, p1), &fin, &freed);
    if (r == 0)
        r = ext_diff(fs->h, o, &fin, &chg, &rm);
    if (r == 0 && (chg.n + rm.n > 0 || fs->wtime != 0)) {
        enc_file_delta(fs, &b, false, 0, chg.e, chg.n, rm.e, rm.n);
        r = commit_file(fs, o, &b, chg.n + rm.n > 0 ? &fin : NULL);
        tc_release(fs->h, &b);
    }
    if (r == 0) {
        for (k = 0; k < freed.n; k++) {
            range_add(&fs->freeing, freed.e[k].dblk, freed.e[k].nblk);
            zc_forget(fs, freed.e[k].dblk);
        }
        mark_unlogged(fs, &pieces);
    } else {
        free_pieces(fs, &pieces);
    }
    extv_release(fs->h, &pieces);
    extv_release(fs->h, &mid);
    extv_release(fs->h, &fin);
    extv_release(fs->h, &chg);
    extv_release(fs->h, &rm);
    extv_release(fs->h, &freed);
    return r;
}

int tfs_zero_range(struct tfs *fs, u64 id, u64 off, u64 len, bool keep_size)
{
    long r;

    if (len == 0 || off + len < off)
        return -EINVAL;
    r = write_range(fs, id, NULL, len, off, keep_size == false);
    return r < 0 ? (int)r : 0;
}

/* Log the switch of o's extents to fin with "size" set to size; the
 * blocks in freed become free after the next sync.  0 or -errno. */
static int commit_shift(struct tfs *fs, struct obj *o, struct extv *fin, struct extv *freed, u64 size)
{
    struct extv chg = { 0 }, rm = { 0 };
    struct tc_buf b = { 0 };
    size_t k;
    int r = ext_diff(fs->h, o, fin, &chg, &rm);

    if (r == 0) {
        enc_file_delta(fs, &b, true, size, chg.e, chg.n, rm.e, rm.n);
        r = commit_file(fs, o, &b, chg.n + rm.n > 0 ? fin : NULL);
        tc_release(fs->h, &b);
    }
    for (k = 0; r == 0 && k < freed->n; k++) {
        range_add(&fs->freeing, freed->e[k].dblk, freed->e[k].nblk);
        zc_forget(fs, freed->e[k].dblk);
    }
    extv_release(fs->h, &chg);
    extv_release(fs->h, &rm);
    return r;
}

int tfs_collapse(struct tfs *fs, u64 id, u64 off, u64 len)
{
    struct obj *o;
    struct extv mid = { 0 }, freed = { 0 };
    u64 size, a, n;
    size_t k;
    int r = file_obj(fs, id, &o);

    if (r != 0)
        return r;
    size = tuple_get_u64(o->t, "size", 0);
    if (len == 0 || off % BS != 0 || len % BS != 0 || off + len < off || off + len >= size)
        return -EINVAL;
    a = off / BS;
    n = len / BS;
    r = cut_unpack(fs, o, a, a, a + n);
    if (r == 0)
        r = cut_unpack(fs, o, a + n - 1, a, a + n);
    if (r == 0)
        r = ext_cut(fs, o->ext, o->next, a, a + n, &mid, &freed);
    for (k = 0; r == 0 && k < mid.n; k++) {
        if (mid.e[k].fblk >= a + n)
            mid.e[k].fblk -= n;                /* the blocks after the range move down */
    }
    if (r == 0)
        r = commit_shift(fs, o, &mid, &freed, size - len);
    extv_release(fs->h, &mid);
    extv_release(fs->h, &freed);
    return r;
}

int tfs_insert(struct tfs *fs, u64 id, u64 off, u64 len)
{
    struct obj *o;
    struct extv fin = { 0 }, freed = { 0 };
    u64 size, a, n;
    size_t k;
    int r = file_obj(fs, id, &o);

    if (r != 0)
        return r;
    size = tuple_get_u64(o->t, "size", 0);
    if (len == 0 || off % BS != 0 || len % BS != 0)
        return -EINVAL;
    if (len > TFS_MAX_FILE_BLOCKS * BS || size + len > TFS_MAX_FILE_BLOCKS * BS ||
        (o->next > 0 && o->ext[o->next - 1].fblk + o->ext[o->next - 1].nblk + len / BS > TFS_MAX_FILE_BLOCKS))
        return -EFBIG;
    if (off >= size)
        return -EINVAL;
    a = off / BS;
    n = len / BS;
    k = ext_search(o, a);
    if (k < o->next && o->ext[k].fblk < a && o->ext[k].flags != 0)
        r = unpack_one(fs, o, k);              /* a compressed extent split at a */
    for (k = 0; r == 0 && k < o->next; k++) {
        struct ext e = o->ext[k];
        if (e.fblk + e.nblk <= a) {
            r = extv_push(fs->h, &fin, &e);
        } else if (e.fblk >= a) {
            e.fblk += n;                       /* the blocks from off on move up */
            r = extv_push(fs->h, &fin, &e);
        } else {
            struct ext t = { a + n, e.dblk + (a - e.fblk), e.fblk + e.nblk - a, 0, 0 };
            e.nblk = a - e.fblk;
            r = extv_push(fs->h, &fin, &e);
            if (r == 0)
                r = extv_push(fs->h, &fin, &t);
        }
    }
    if (r == 0)
        r = commit_shift(fs, o, &fin, &freed, size + len);
    extv_release(fs->h, &fin);
    return r;
}

long tfs_seek_data(struct tfs *fs, u64 id, u64 off, bool data)
{
    struct obj *o;
    u64 size, fb;
    size_t i;
    int r = file_obj(fs, id, &o);

    if (r != 0)
        return r;
    size = tuple_get_u64(o->t, "size", 0);
    if (off >= size)
        return -ENXIO;
    fb = off / BS;
    i = ext_search(o, fb);
    if (data == true) {
        if (i >= o->next)
            return -ENXIO;
        if (o->ext[i].fblk <= fb)
            return (long)off;
        return o->ext[i].fblk * BS < size ? (long)(o->ext[i].fblk * BS) : -ENXIO;
    }
    while (i < o->next && o->ext[i].fblk <= fb) {
        fb = o->ext[i].fblk + o->ext[i].nblk;
        i++;
    }
    return (long)MIN(MAX(off, fb * BS), size);
}

u64 tfs_file_blocks(struct tfs *fs, u64 id)
{
    struct obj *o;
    u64 n = 0;
    size_t i;

    if (file_obj(fs, id, &o) != 0)
        return 0;
    for (i = 0; i < o->next; i++)
        n += ext_dblocks(&o->ext[i]);
    return n;
}

long tfs_reclaim(struct tfs *fs, bool (*busy)(void *ctx, u64 id), void *ctx)
{
    struct tfs_stats st;
    struct checker c = { fs, &st, NULL, NULL, NULL, 0, 0, 0 };
    struct obj *o;
    size_t i;
    long n = 0;
    int r = mark_reachable(&c);

    while (r == 0) {
        u64 victim = 0;
        for (i = 0; i < fs->nbucket && victim == 0; i++) {
            for (o = fs->bucket[i]; o != NULL && victim == 0; o = o->hnext) {
                if (o->seen == false && o->id != TFS_ID_MANIFEST && (busy == NULL || busy(ctx, o->id) == false))
                    victim = o->id;
            }
        }
        if (victim == 0)
            break;
        r = tfs_delete(fs, victim);
        n++;
    }
    return r != 0 ? r : n;
}

/* ---------------------------------------------------------------- compressed extents */

/* Store the padded chunk p (n bytes: whole blocks) at file offset off as one
 * compressed extent of zlen bytes (z), extending "size" to end.  0 or -errno. */
static int put_zext(struct tfs *fs, struct obj *o, const u8 *z, u64 zlen, u64 off, u64 n, u64 end)
{
    struct ext e = { off / BS, 0, n / BS, TFS_EXT_ZLIB, zlen };
    struct tc_buf b = { 0 };
    u64 db = ext_dblocks(&e);
    int r;

    if (db > data_avail(fs) || range_alloc_exact(&fs->free, db, &e.dblk) != 0)
        return -ENOSPC;
    r = io_write(fs, e.dblk * BS, z, zlen);
    if (r == 0 && zlen % BS != 0)
        r = io_write(fs, e.dblk * BS + zlen, fs->zero, BS - zlen % BS);
    if (r == 0) {
        enc_file_delta(fs, &b, true, end, &e, 1, NULL, 0);
        r = commit_update(fs, o, &b);
    }
    if (r == 0)
        r = ext_build(fs, o);
    if (r != 0)
        range_add(&fs->free, e.dblk, db);
    return r;
}

long tfs_write_compressed(struct tfs *fs, u64 id, const void *buf, u64 len, u64 off)
{
    struct obj *o;
    u64 done = 0, chunk = ZCHUNK_BLOCKS * BS;
    u8 *pad, *z;
    int r = file_obj(fs, id, &o);

    if (r != 0)
        return r;
    if (fs->io.deflate == NULL || off % BS != 0 || off != tuple_get_u64(o->t, "size", 0))
        return tfs_write(fs, id, buf, len, off);
    pad = heap_alloc(fs->h, 2 * chunk);
    if (pad == NULL)
        return -ENOMEM;
    z = pad + chunk;
    while (r == 0 && done < len) {
        u64 n = MIN(len - done, chunk), nb = (n + BS - 1) / BS;
        long zl = -ENOSPC;
        memcpy(pad, (const u8 *)buf + done, n);
        memset(pad + n, 0, nb * BS - n);
        if (nb >= 2)                           /* worth it only when a block is saved */
            zl = fs->io.deflate(fs->io.ctx, pad, nb * BS, z, (nb - 1) * BS);
        if (zl > 0)
            r = put_zext(fs, o, z, (u64)zl, off + done, nb * BS, off + done + n);
        else if (tfs_write(fs, id, pad, n, off + done) != (long)n)
            r = -ENOSPC;
        if (r == 0 && zl > 0 && (fs->features & 1) == 0) {
            fs->features |= 1;
            fs->sb_dirty = true;
        }
        done += n;
    }
    heap_free(fs->h, pad, 2 * chunk);
    return r != 0 ? r : (long)len;
}
