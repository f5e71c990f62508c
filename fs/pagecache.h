/*
 * pagecache.h - the page cache of TFS files: one read-only physical frame
 * per (TFS object id, page index), shared by every memory mapping of that
 * file (runtime/mm/vm.c maps cache frames directly and copies a page on the
 * first write to a private mapping).  fs/tfs.c keeps the cached bytes equal
 * to the file's bytes through the hooks below, so mappings see write(2) and
 * truncate as on Linux.
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

/* The cache key of f: its TFS object id for a regular TFS file, else 0
 * (such files are mapped through private copies). */
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
 * False (nothing changed) when other PTEs map it too. */
bool pagecache_steal(u64 pa);
/* Bytes of frames the cache holds. */
u64 pagecache_bytes(void);
/* Memory pressure: free every cached page no PTE maps.  Bytes freed. */
u64 pagecache_shrink(void);

/* Hooks for fs/tfs.c: id's bytes [off, off+len) now equal buf; id's size
 * became size (bytes past it read as zero); id was deleted. */
void pagecache_write(u64 id, u64 off, const void *buf, size_t len);
void pagecache_truncate(u64 id, u64 size);
void pagecache_forget(u64 id);

#endif
