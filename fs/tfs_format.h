/*
 * tfs_format.h - the TFS on-disk format and its in-memory image, shared by the
 * host mkfs (tools/) and the kernel (fs/tfs.c).  Pure code: no kernel or libc
 * I/O; the caller supplies a struct heap and a struct tfs_io.
 *
 * A TFS volume is a superblock, a log of CRC32-checked records, and data
 * extents.  Every filesystem object (file, directory, symlink, the manifest)
 * is a tuple identified by a 64-bit id; a log record creates, updates (merges
 * keys into, or removes keys from) or deletes one object.  Replaying the log
 * from the superblock rebuilds every tuple.  A record whose CRC does not match
 * ends the log (torn write); a corrupt superblock is an error.
 *
 * Object tuple keys (the contract with fs/ and tools/):
 *   "mode"     u64   S_IFREG/S_IFDIR/S_IFLNK | permission bits (Linux values)
 *   "uid"      u64   owner user id (absent: 0, root)
 *   "gid"      u64   owner group id (absent: 0)
 *   "size"     u64   file length in bytes
 *   "children" tuple name -> VALUE_REF child id (directories)
 *   "target"   bytes symlink target
 *   "mtime"    u64   ns since the epoch (also "atime", "ctime" when set)
 *   "extents"  tuple (files) - internal to this module; use tfs_read/tfs_write
 * Manifest object (id TFS_ID_MANIFEST):
 *   "program"     bytes  absolute path of the program inside the image
 *   "arguments"   tuple  "0", "1", ... -> bytes (argv; "0" is argv[0])
 *   "environment" tuple  NAME -> bytes value
 *   "cwd"         bytes  initial working directory (default "/")
 *   other keys are options for later use (e.g. "trace", "nameservers")
 */
#ifndef SOLO_TFS_FORMAT_H
#define SOLO_TFS_FORMAT_H

#include "runtime/lib/types.h"
#include "runtime/lib/tuple.h"

#define TFS_BLOCK_SIZE 4096
#define TFS_ID_MANIFEST 1
#define TFS_ID_ROOT 2                  /* root directory */

/* Byte-addressed access to the volume (a file on the host, a blockdev in the kernel). */
struct tfs_io {
    void *ctx;
    int (*read)(void *ctx, u64 off, void *buf, u64 len);         /* 0 or -errno */
    int (*write)(void *ctx, u64 off, const void *buf, u64 len);  /* 0 or -errno */
    int (*flush)(void *ctx);                                     /* 0 or -errno */
    u64 size;                                                    /* volume size in bytes */
    /* Optional zlib codecs for compressed extents (addition, engineer "tfs2").
     * inflate: the zlib stream src[0..slen) into exactly dlen bytes at dst;
     * returns dlen, or -errno (-EIO for a bad stream).  NULL: reading a
     * compressed extent is -EOPNOTSUPP.  deflate: src[0..slen) into at most
     * dcap bytes at dst; returns the length, or -ENOSPC when it does not fit
     * (NULL: tfs_write_compressed writes plain extents). */
    long (*inflate)(void *ctx, const void *src, u64 slen, void *dst, u64 dlen);
    long (*deflate)(void *ctx, const void *src, u64 slen, void *dst, u64 dcap);
};

struct tfs;

/* Mount: read the superblock and replay the log.  On failure returns -errno
 * (-EINVAL bad magic/version, -EIO read error, -EUCLEAN corrupt superblock) and
 * writes a one-line human-readable reason (with the byte offset) into err. */
int tfs_open(struct heap *h, const struct tfs_io *io, struct tfs **out, char *err, size_t errlen);
/* Create an empty volume (superblock, manifest, root directory) filling io->size. */
int tfs_format(struct heap *h, const struct tfs_io *io, struct tfs **out);
void tfs_close(struct tfs *fs);                    /* frees memory; does not sync */

struct tuple *tfs_get(struct tfs *fs, u64 id);     /* object tuple, NULL if no such id */
struct tuple *tfs_manifest(struct tfs *fs);
u64 tfs_lookup(struct tfs *fs, u64 dir, const char *name, size_t len);   /* 0 if absent */

/* File data.  Holes read as zeros; reads past "size" are short. Bytes or -errno. */
long tfs_read(struct tfs *fs, u64 id, void *buf, u64 len, u64 off);

/* ---- writing (host mkfs now; the kernel later) ---- */
/* Create an object with the given initial tuple (ownership passes to fs); returns id or 0. */
u64 tfs_create(struct tfs *fs, struct tuple *init);
/* Set one key of an object (value copied) and log it. 0 or -errno. */
int tfs_set_bytes(struct tfs *fs, u64 id, const char *key, const void *p, size_t n);
int tfs_set_u64(struct tfs *fs, u64 id, const char *key, u64 n);
/* Add / remove a directory entry (logs the change). */
int tfs_link(struct tfs *fs, u64 dir, const char *name, u64 child);
int tfs_unlink(struct tfs *fs, u64 dir, const char *name);
/* Write file data into newly allocated extents, extending "size". Bytes or -errno (-ENOSPC). */
long tfs_write(struct tfs *fs, u64 id, const void *buf, u64 len, u64 off);
/* Make everything written so far durable (write log tail + superblock, io->flush). */
int tfs_sync(struct tfs *fs);

/* Exposed for unit tests and `solo fs check`. */
u32 tfs_crc32(u32 crc, const void *p, size_t n);

/* ---- additions (engineer "lib"): more writers, statfs, mode bits ---- */
/* Linux mode type bits, for "mode" (the kernel has no <sys/stat.h>). */
#define TFS_S_IFMT  0170000
#define TFS_S_IFDIR 0040000
#define TFS_S_IFREG 0100000
#define TFS_S_IFLNK 0120000
/* Replace key with a deep copy of val (e.g. the manifest's "arguments"). 0 or -errno. */
int tfs_set_tuple(struct tfs *fs, u64 id, const char *key, const struct tuple *val);
/* Remove one key of an object ("size"/"extents"/"children" refused: -EINVAL). 0 or -ENOENT. */
int tfs_remove_key(struct tfs *fs, u64 id, const char *key);
/* Set a file's length: shrinking frees whole blocks past the end (reusable
 * after the next tfs_sync), growing leaves a hole.  tfs_set_u64(..,"size",..)
 * does the same.  0 or -errno. */
int tfs_truncate(struct tfs *fs, u64 id, u64 size);
/* Delete an object and free its data (directory entries naming it are the
 * caller's business; the root and the manifest cannot be deleted: -EPERM). */
int tfs_delete(struct tfs *fs, u64 id);
/* Rewrite the log as one record per live object and switch the superblock
 * to it; smaller images, faster mounts.  Call once at the end of building an
 * image.  0 or -errno (the old log stays in force on failure). */
int tfs_compact(struct tfs *fs);
/* Consistency check for `solo fs check`: the log's end (a torn or malformed
 * record is reported), directory entries naming missing objects, objects
 * unreachable from the root, invalid extents, symlinks without a target.
 * Each problem is counted in st->problems and described (one line) through
 * report when it is not NULL.  0 or -ENOMEM. */
struct tfs_stats {
    u64 objects, files, dirs, symlinks;
    u64 bytes;                         /* sum of file sizes */
    u64 data_blocks, free_blocks, total_blocks;
    u64 log_segments, log_blocks, log_records;
    u64 log_end;                       /* byte offset where the log ends */
    u64 problems;
    u64 log_torn;                      /* 1: the log ends at a torn record with no valid
                                        * record after it (counted in problems; after a
                                        * crash it is the interrupted last write, which
                                        * no fsync acknowledged); 0 when valid records
                                        * follow (damage: reported as a second problem) */
    u64 orphans;                       /* objects unreachable from the root (not a problem:
                                        * a crash between creating and linking, or an
                                        * unlinked file still open; tfs_reclaim frees them) */
};
int tfs_check(struct tfs *fs, struct tfs_stats *st, void (*report)(void *ctx, const char *msg), void *ctx);
/* Volume size and free space in TFS_BLOCK_SIZE blocks (for statfs). */
void tfs_statfs(struct tfs *fs, u64 *total_blocks, u64 *free_blocks);
/* ---- additions (engineer "tfs2"): the kernel's write path ---- */
/* From now on every tfs_write/tfs_allocate record also sets "mtime" and
 * "ctime" of the file to ns (0: leave times alone, the mkfs default), and an
 * overwrite in place logs that change too. */
void tfs_set_write_time(struct tfs *fs, u64 ns);
/* Move entry oname of directory odir to nname in ndir, replacing an entry
 * of that name (whose object becomes the caller's business: delete it or
 * keep it if it has other links).  Within one directory this is a single log
 * record, so a crash leaves the old or the new state; across directories
 * the new entry is logged first (a crash may leave both names).  0, -ENOENT,
 * -ENOTDIR, -EINVAL/-ENAMETOOLONG (bad name), -ENOSPC, -ENOMEM. */
int tfs_rename(struct tfs *fs, u64 odir, const char *oname, u64 ndir, const char *nname);
/* fallocate: give file id zeroed blocks for every hole in [off, off+len)
 * and extend "size" to off+len unless keep_size.  0, -EINVAL, -EFBIG,
 * -ENOSPC (nothing allocated), -EIO, -ENOMEM. */
int tfs_allocate(struct tfs *fs, u64 id, u64 off, u64 len, bool keep_size);
/* Blocks the live log occupies (to decide when tfs_compact pays off). */
u64 tfs_log_blocks(struct tfs *fs);
/* Delete every object unreachable from the root for which busy (may be
 * NULL) returns false: orphans left by a crash or by unlinked open files.
 * Number deleted, or -errno. */
long tfs_reclaim(struct tfs *fs, bool (*busy)(void *ctx, u64 id), void *ctx);
/* Like tfs_write, but data appended at a block-aligned end of file goes to
 * zlib-compressed extents of 64 KiB of file data each (a chunk that does
 * not save a block is stored plain).  For mkfs (io.deflate set).  Bytes or
 * -errno. */
long tfs_write_compressed(struct tfs *fs, u64 id, const void *buf, u64 len, u64 off);
/* ---- additions (engineer "tfspunch"): holes ---- */
/* fallocate PUNCH_HOLE|KEEP_SIZE: unmap the whole blocks of [off, off+len)
 * (freed after the next tfs_sync) and zero the rest of the range; "size"
 * stays.  One record; a crash leaves the old or the new extents.  0,
 * -EINVAL, -EIO, -ENOMEM, -ENOSPC (a compressed extent to rewrite). */
int tfs_punch(struct tfs *fs, u64 id, u64 off, u64 len);
/* fallocate ZERO_RANGE: [off, off+len) reads zeros and is allocated
 * (copy-on-write like tfs_write, one record); "size" grows to off+len
 * unless keep_size.  0, -EINVAL, -EFBIG, -ENOSPC, -EIO, -ENOMEM. */
int tfs_zero_range(struct tfs *fs, u64 id, u64 off, u64 len, bool keep_size);
/* fallocate COLLAPSE_RANGE: remove the blocks [off, off+len) (freed after
 * the next sync), moving the rest of the file down; "size" shrinks by len.
 * INSERT_RANGE: move the blocks from off on up by len, leaving a hole;
 * "size" grows by len.  off and len are multiples of TFS_BLOCK_SIZE.  One
 * record each, no data written.  0, -EINVAL (unaligned, len 0, collapse
 * reaching the end, insert at or past it), -EFBIG (insert), -ENOMEM,
 * -ENOSPC/-EIO (a compressed extent split by the range is rewritten). */
int tfs_collapse(struct tfs *fs, u64 id, u64 off, u64 len);
int tfs_insert(struct tfs *fs, u64 id, u64 off, u64 len);
/* lseek SEEK_DATA (data true) / SEEK_HOLE from off at block granularity:
 * the offset, or -ENXIO (off at or past the end; no data after off). */
long tfs_seek_data(struct tfs *fs, u64 id, u64 off, bool data);
/* Disk blocks (TFS_BLOCK_SIZE) holding a file's data (st_blocks). */
u64 tfs_file_blocks(struct tfs *fs, u64 id);
/* Treat tuples returned by tfs_get/tfs_manifest as read-only: changes made
 * through the tuple API are not logged.  Use the tfs_set_* calls. */

#endif
