/*
 * testutil.h - helpers shared by the unit tests: a malloc-backed struct heap
 * that counts live allocations (so tests can assert nothing leaked) and can
 * be told to fail after N allocations (ENOMEM paths), and an in-memory
 * struct tfs_io over a byte array.
 */
#ifndef SOLO_TESTUTIL_H
#define SOLO_TESTUTIL_H

#include <stdlib.h>
#include <string.h>
#include "runtime/lib/types.h"
#include "fs/tfs_format.h"
#include "tools/tfszlib.h"
#include "runtime/errno.h"

struct test_heap {
    struct heap h;
    long live;                         /* allocations not yet freed */
    size_t live_bytes;
    long fail_after;                   /* < 0: never fail; else allocations left before failing */
};

static inline void *th_alloc(struct heap *h, size_t n)
{
    struct test_heap *t = (struct test_heap *)h;
    void *p;

    if (t->fail_after == 0)
        return NULL;
    if (t->fail_after > 0)
        t->fail_after--;
    p = malloc(n == 0 ? 1 : n);
    if (p != NULL) {
        t->live++;
        t->live_bytes += n;
    }
    return p;
}

static inline void th_free(struct heap *h, void *p, size_t n)
{
    struct test_heap *t = (struct test_heap *)h;

    t->live--;
    t->live_bytes -= n;
    free(p);
}

static inline void test_heap_init(struct test_heap *t)
{
    t->h.alloc = th_alloc;
    t->h.free = th_free;
    t->live = 0;
    t->live_bytes = 0;
    t->fail_after = -1;
}

/* An in-memory volume; counts writes and flushes, can fail I/O on demand. */
struct memdisk {
    unsigned char *p;
    size_t size;
    long writes, flushes;
    bool fail_io;
};

static inline int md_read(void *ctx, u64 off, void *buf, u64 len)
{
    struct memdisk *d = ctx;

    if (d->fail_io || off > d->size || len > d->size - off)
        return -5;
    memcpy(buf, d->p + off, len);
    return 0;
}

static inline int md_write(void *ctx, u64 off, const void *buf, u64 len)
{
    struct memdisk *d = ctx;

    if (d->fail_io || off > d->size || len > d->size - off)
        return -5;
    memcpy(d->p + off, buf, len);
    d->writes++;
    return 0;
}

static inline int md_flush(void *ctx)
{
    struct memdisk *d = ctx;

    if (d->fail_io)
        return -5;
    d->flushes++;
    return 0;
}

static inline void memdisk_init(struct memdisk *d, size_t size)
{
    d->p = calloc(1, size == 0 ? 1 : size);
    d->size = size;
    d->writes = 0;
    d->flushes = 0;
    d->fail_io = false;
}

static inline struct tfs_io memdisk_io(struct memdisk *d)
{
    struct tfs_io io = { d, md_read, md_write, md_flush, d->size, tfs_host_inflate, tfs_host_deflate };
    return io;
}

#endif
