/*
 * tuple.h - tuples: key/value trees used both as filesystem metadata and as
 * configuration (the manifest).  Keys are byte strings (usually text); a value
 * is bytes, an unsigned integer, a nested tuple, or a reference to another
 * filesystem object by id.  Iteration is in ascending bytewise key order.
 * Bytes values are stored with a trailing NUL (not counted in len) so text can
 * be used as a C string.  All memory comes from the heap given to tuple_new().
 */
#ifndef SOLO_TUPLE_H
#define SOLO_TUPLE_H

#include "types.h"

enum value_kind { VALUE_BYTES = 1, VALUE_U64 = 2, VALUE_TUPLE = 3, VALUE_REF = 4 };

struct tuple;

struct value {
    u8 kind;
    u32 len;                           /* VALUE_BYTES: byte count */
    union {
        u8 *bytes;                     /* VALUE_BYTES (NUL-terminated copy) */
        u64 n;                         /* VALUE_U64, VALUE_REF (object id) */
        struct tuple *t;               /* VALUE_TUPLE (owned by the parent) */
    } u;
};

struct tuple *tuple_new(struct heap *h);
void tuple_free(struct tuple *t);                          /* frees nested tuples too */
size_t tuple_count(const struct tuple *t);

const struct value *tuple_getn(const struct tuple *t, const void *key, size_t klen);
const struct value *tuple_get(const struct tuple *t, const char *key);
/* Typed getters: NULL / dflt when absent or of another kind. */
const char *tuple_get_str(const struct tuple *t, const char *key);
u64 tuple_get_u64(const struct tuple *t, const char *key, u64 dflt);
struct tuple *tuple_get_tuple(const struct tuple *t, const char *key);

/* Setters replace any old value (freeing it).  0 or -ENOMEM (12). */
int tuple_set_bytesn(struct tuple *t, const void *key, size_t klen, const void *p, size_t n);
int tuple_set_bytes(struct tuple *t, const char *key, const void *p, size_t n);
int tuple_set_str(struct tuple *t, const char *key, const char *s);
int tuple_set_u64(struct tuple *t, const char *key, u64 n);
int tuple_set_ref(struct tuple *t, const char *key, u64 id);
int tuple_set_u64n(struct tuple *t, const void *key, size_t klen, u64 n);     /* added by lib */
int tuple_set_refn(struct tuple *t, const void *key, size_t klen, u64 id);
int tuple_set_tuple(struct tuple *t, const char *key, struct tuple *child);   /* takes ownership */
int tuple_set_tuplen(struct tuple *t, const void *key, size_t klen, struct tuple *child);
int tuple_remove(struct tuple *t, const char *key);                           /* 0 or -ENOENT (2) */
int tuple_removen(struct tuple *t, const void *key, size_t klen);
/* Get the nested tuple at key, creating an empty one if absent; NULL on ENOMEM or wrong kind. */
struct tuple *tuple_child(struct tuple *t, const char *key);

/* Calls fn for each entry in key order; stops and returns fn's value when nonzero. */
typedef int (*tuple_iter_fn)(void *ctx, const u8 *key, size_t klen, const struct value *v);
int tuple_iter(const struct tuple *t, tuple_iter_fn fn, void *ctx);

#endif
