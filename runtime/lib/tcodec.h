/*
 * tcodec.h - a compact byte encoding of tuples and tuple deltas, used for the
 * TFS log records (fs/tfs_format.c) and anything else that stores tuples.
 *
 * Encoding: varint count, then per entry: varint key length, key bytes,
 * u8 kind, value.  Kinds: VALUE_BYTES (varint length + bytes), VALUE_U64 and
 * VALUE_REF (varint), VALUE_TUPLE (nested encoding), TC_KIND_REMOVE (no
 * value).  Varints are LEB128 (7 bits per byte, low first).  A delta is
 * applied entry by entry in order: nested tuples merge recursively into an
 * existing nested tuple, other kinds replace, TC_KIND_REMOVE deletes the key
 * (so "remove k, then set k" replaces a nested tuple wholesale).
 */
#ifndef SOLO_TCODEC_H
#define SOLO_TCODEC_H

#include "types.h"
#include "tuple.h"

#define TC_MAX_DEPTH 16                /* nesting levels below the top tuple */
#define TC_MAX_KEY 4096                /* longest key, bytes */
#define TC_KIND_REMOVE 0x7f

/* A growable output buffer.  err is sticky: after a failure (-ENOMEM, or
 * -EINVAL / -ENAMETOOLONG for an unencodable tuple) further appends do nothing. */
struct tc_buf {
    u8 *p;
    size_t len, cap;
    int err;
};

bool tc_room(struct heap *h, struct tc_buf *b, size_t n);         /* room for n more bytes */
void tc_release(struct heap *h, struct tc_buf *b);                /* free; b is empty after */
void tc_bytes(struct heap *h, struct tc_buf *b, const void *p, size_t n);
void tc_u8(struct heap *h, struct tc_buf *b, u8 v);
void tc_varint(struct heap *h, struct tc_buf *b, u64 v);
void tc_key(struct heap *h, struct tc_buf *b, const void *k, size_t klen);
/* Append the whole tuple t as if nested at depth (> TC_MAX_DEPTH: -EINVAL). */
void tc_tuple(struct heap *h, struct tc_buf *b, const struct tuple *t, int depth);

/* A reader over untrusted bytes; bad is set (and stays) on any overrun. */
struct tc_dec {
    const u8 *p;
    size_t len, pos;
    bool bad;
};

u64 tc_get_varint(struct tc_dec *d);
u8 tc_get_u8(struct tc_dec *d);
const u8 *tc_take(struct tc_dec *d, u64 n);                       /* NULL when short */
/* Check one encoded tuple's structure without allocating. */
bool tc_validate(struct tc_dec *d, int depth);
/* Apply one encoded tuple/delta to t: 0, -ENOMEM, or -EINVAL when malformed.
 * t may be partly updated on failure (tc_validate first when that matters). */
int tc_apply(struct tc_dec *d, struct tuple *t, struct heap *h, int depth);

#endif
