/*
 * pagecache.h - the page cache of regular files (TFS and tmpfs): one
 * physical frame per (file key, page index), shared by every memory mapping
 * of that file (runtime/mm/vm.c maps cache frames directly, copies a page on
 * the first write to a private mapping, and lets MAP_SHARED writable
 * mappings store into the frame itself).  fs/tfs.c and fs/ramfs.c keep the
 * cached bytes equal to the file's bytes through the hooks below, so
 * mappings see write(2) and truncate as on Linux.
 *
 * Dirty pages: a frame stored into through a shared mapping is dirty until
 * it is written back through the file's write method (the file system's
 * normal write path), which pagecache_writeback* do: on msync, fsync, sync,
 * exit, and munmap or MADV_DONTNEED of its last mapping.  Writing back first
 * write-protects every PTE of the page (vm_write_protect), so the next store
 * faults and dirties it again.  Until then read paths overlay the cached
 * bytes (pagecache_overlay), so read(2) sees stores at once.
 *
 * Frames are counted per mapping PTE (pagecache_map/unmap); an entry of a
 * deleted object leaves the index and its frame is freed with its last PTE.
 * Cached frames of live files stay until the object is deleted or, when the
 * VM runs out of frames, until pagecache_shrink drops the unmapped ones.
 */
#ifndef SOLO_PAGECACHE_H
#define SOLO_PAGECACHE_H

#include "runtime/kernel.h"

struct file;

/* The cache key of f: its TFS object id for a regular TFS file, its vnode's
 * address for a tmpfs file, else 0 (such files are mapped through private
 * copies and cannot be mapped shared and writable). */
u64 pagecache_key(struct file *f);
/* The frame caching page idx of key, or 0. */
u64 pagecache_lookup(u64 key, u64 idx);
/* Read the uncached pages around page at (within [lo, hi)) of file f (key)
 * into the cache with one read.  0 (the pages may still be missing if the
 * file changed during the read: fault again), -ENOMEM or -EIO. */
int pagecache_fill(struct file *f, u64 key, u64 lo, u64 hi, u64 at);
/* One more / one fewer page-table entry maps cache frame pa. */
void pagecache_map(u64 pa);
void pagecache_unmap(u64 pa);
/* A write to cache frame pa, which only the caller's PTE maps: take the
 * frame out of the cache for the caller to own privately (no copy needed).
 * False (nothing changed) when other PTEs map it too or it is dirty. */
bool pagecache_steal(u64 pa);
/* A store through a shared mapping of file f (open for writing) is about to
 * reach cache frame pa: mark it dirty.  0 or -ENOMEM. */
int pagecache_dirty(u64 pa, struct file *f);
/* Write back the dirty pages of key with an index in [first, last].  0, or
 * the first write error (-EIO, -ENOSPC...; the page stays dirty). */
int pagecache_writeback(u64 key, u64 first, u64 last);
/* msync of pages [first, last] of f: write them back, and with durable
 * make them durable as fsync does.  0 or -errno. */
int pagecache_sync_file(struct file *f, u64 first, u64 last, bool durable);
/* Write back every dirty page no PTE maps any more (after munmap). */
void pagecache_writeback_unmapped(void);
/* Write back every dirty page (sync, exit).  0 or the first error. */
int pagecache_writeback_all(void);
/* Copy the cached bytes of key's pages over buf, which holds the file's
 * bytes [off, off+len) as the file system has them, when key has pages
 * stored into and not yet written back (else nothing to do). */
void pagecache_overlay(u64 key, u64 off, void *buf, size_t len);
/* Whether key has such pages (read paths must overlay). */
bool pagecache_active(u64 key);
/* Bytes of frames the cache holds. */
u64 pagecache_bytes(void);
/* Memory pressure: free every cached page no PTE maps.  Bytes freed. */
u64 pagecache_shrink(void);

/* Hooks for fs/tfs.c and fs/ramfs.c: id's bytes [off, off+len) now equal
 * buf; id's size went from old to size (bytes past MIN(old, size) read as
 * zero; pages wholly past a smaller size leave the cache and every mapping:
 * touching them raises SIGBUS); id was deleted. */
void pagecache_write(u64 id, u64 off, const void *buf, size_t len);
void pagecache_resize(u64 id, u64 old, u64 size);
void pagecache_forget(u64 id);
/* A hole was punched in tmpfs file id over the whole pages [first, last]:
 * their cached frames read zero, no longer need writing back, and are
 * write-protected again (a later store dirties them anew). */
void pagecache_punch(u64 id, u64 first, u64 last);
/* The bytes of TFS file id from page first on moved (fallocate collapse or
 * insert range; its dirty pages were written back before): every cached
 * page from there is refilled by fill (page idx's new bytes, zeros past the
 * end; a failure leaves zeros), so every mapping sees the new contents. */
void pagecache_reload(u64 id, u64 first, int (*fill)(u64 id, u64 idx, void *page));

#endif
