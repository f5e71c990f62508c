/*
 * tuple.c - tuples as sorted arrays of (key, value) entries.
 *
 * A tuple is an array of entries kept in ascending bytewise key order (a
 * shorter key sorts before any longer key it prefixes), so lookup is a binary
 * search and iteration is a walk.  Invariants:
 *   - keys are unique; every key and every bytes value is a private copy
 *     with a trailing NUL that is not counted in its length, except that
 *     the few keys every filesystem object uses ("mode", "size", ...) point
 *     at one shared constant copy (mounting a volume creates tens of
 *     thousands of tuples; this halves their allocations);
 *   - a VALUE_TUPLE value is owned by exactly one parent and freed with it;
 *   - all memory comes from the heap given to tuple_new();
 *   - a failed setter (-ENOMEM) leaves the tuple exactly as it was.
 * Insertion is O(n) (array shift); tuples here are small to medium (a
 * directory, a file's extents), which favours the compact array.
 */
#include "tuple.h"
#include "klibc.h"

struct entry {
    const u8 *key;
    u32 klen;
    bool shared_key;                   /* key points into common_keys */
    struct value v;
};

static const struct {
    const char *s;
    u8 len;
} common_keys[] = {
    { "mode", 4 }, { "size", 4 }, { "mtime", 5 }, { "atime", 5 }, { "ctime", 5 },
    { "extents", 7 }, { "children", 8 }, { "target", 6 }, { "block", 5 }, { "blocks", 6 },
    { "flags", 5 }, { "uid", 3 }, { "gid", 3 },
};

/* The shared constant copy of key, or NULL when it is not a common key. */
static const u8 *common_key(const void *key, size_t klen)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(common_keys); i++) {
        if (common_keys[i].len == klen && memcmp(common_keys[i].s, key, klen) == 0)
            return (const u8 *)common_keys[i].s;
    }
    return NULL;
}

/* Free an entry's key unless it is shared. */
static void key_release(struct heap *h, struct entry *e)
{
    if (e->shared_key == false)
        heap_free(h, (void *)(uintptr_t)e->key, (size_t)e->klen + 1);
}

struct tuple {
    struct heap *h;
    struct entry *e;
    u32 n;
    u32 cap;
};

/* Allocate a tuple with no entries on h; NULL when out of memory. */
struct tuple *tuple_new(struct heap *h)
{
    struct tuple *t = heap_alloc(h, sizeof(*t));

    if (t == NULL)
        return NULL;
    t->h = h;
    t->e = NULL;
    t->n = 0;
    t->cap = 0;
    return t;
}

/* Release whatever a value owns (bytes copy or nested tuple). */
static void value_release(struct heap *h, struct value *v)
{
    if (v->kind == VALUE_BYTES)
        heap_free(h, v->u.bytes, (size_t)v->len + 1);
    else if (v->kind == VALUE_TUPLE)
        tuple_free(v->u.t);
    v->kind = 0;
}

/* Free t, its keys, its values and nested tuples.  NULL is fine. */
void tuple_free(struct tuple *t)
{
    u32 i;

    if (t == NULL)
        return;
    for (i = 0; i < t->n; i++) {
        key_release(t->h, &t->e[i]);
        value_release(t->h, &t->e[i].v);
    }
    heap_free(t->h, t->e, (size_t)t->cap * sizeof(struct entry));
    heap_free(t->h, t, sizeof(*t));
}

size_t tuple_count(const struct tuple *t)
{
    return t->n;
}

/* Bytewise comparison of two keys, shorter-prefix first.  An open-coded
 * loop: keys are short, and this is the hottest path of mounting a volume. */
static int key_cmp(const u8 *a, size_t alen, const u8 *b, size_t blen)
{
    size_t i, n = MIN(alen, blen);

    for (i = 0; i < n; i++) {
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    }
    if (alen < blen)
        return -1;
    return alen > blen ? 1 : 0;
}

/* Binary search: returns true and the index when key is present, else false
 * and the index where it would be inserted. */
static bool find(const struct tuple *t, const void *key, size_t klen, u32 *idx)
{
    u32 lo = 0, hi = t->n;

    /* Keys often arrive in order (decoding, building): try the end first. */
    if (hi > 0 && key_cmp(t->e[hi - 1].key, t->e[hi - 1].klen, key, klen) < 0) {
        *idx = hi;
        return false;
    }

    while (lo < hi) {
        u32 mid = lo + (hi - lo) / 2;
        int c = key_cmp(t->e[mid].key, t->e[mid].klen, key, klen);
        if (c == 0) {
            *idx = mid;
            return true;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *idx = lo;
    return false;
}

/* The value stored under key, or NULL. */
const struct value *tuple_getn(const struct tuple *t, const void *key, size_t klen)
{
    u32 i;

    if (t == NULL || find(t, key, klen, &i) == false)
        return NULL;
    return &t->e[i].v;
}

const struct value *tuple_get(const struct tuple *t, const char *key)
{
    return tuple_getn(t, key, strlen(key));
}

const char *tuple_get_str(const struct tuple *t, const char *key)
{
    const struct value *v = tuple_get(t, key);

    if (v == NULL || v->kind != VALUE_BYTES)
        return NULL;
    return (const char *)v->u.bytes;
}

u64 tuple_get_u64(const struct tuple *t, const char *key, u64 dflt)
{
    const struct value *v = tuple_get(t, key);

    if (v == NULL || v->kind != VALUE_U64)
        return dflt;
    return v->u.n;
}

struct tuple *tuple_get_tuple(const struct tuple *t, const char *key)
{
    const struct value *v = tuple_get(t, key);

    if (v == NULL || v->kind != VALUE_TUPLE)
        return NULL;
    return v->u.t;
}

/* Make room for one more entry.  0 or -ENOMEM (t unchanged). */
static int grow(struct tuple *t)
{
    u32 ncap;
    struct entry *ne;

    if (t->n < t->cap)
        return 0;
    ncap = t->cap == 0 ? 4 : t->cap * 2;
    ne = heap_alloc(t->h, (size_t)ncap * sizeof(*ne));
    if (ne == NULL)
        return -ENOMEM;
    if (t->n > 0)
        memcpy(ne, t->e, (size_t)t->n * sizeof(*ne));
    heap_free(t->h, t->e, (size_t)t->cap * sizeof(*ne));
    t->e = ne;
    t->cap = ncap;
    return 0;
}

/* Store v (whose storage t now owns) under key, replacing and releasing any
 * old value.  On -ENOMEM t is unchanged and v is still the caller's. */
static int put(struct tuple *t, const void *key, size_t klen, const struct value *v)
{
    u32 i;
    const u8 *shared;
    u8 *k;

    if (find(t, key, klen, &i) == true) {
        if (t->e[i].v.kind != VALUE_TUPLE || v->kind != VALUE_TUPLE || t->e[i].v.u.t != v->u.t)
            value_release(t->h, &t->e[i].v);
        t->e[i].v = *v;
        return 0;
    }
    if (klen > 0xffffffffUL || grow(t) != 0)
        return -ENOMEM;
    shared = common_key(key, klen);
    k = NULL;
    if (shared == NULL) {
        k = heap_alloc(t->h, klen + 1);
        if (k == NULL)
            return -ENOMEM;
        if (klen > 0)
            memcpy(k, key, klen);
        k[klen] = 0;
    }
    memmove(&t->e[i + 1], &t->e[i], (size_t)(t->n - i) * sizeof(struct entry));
    t->e[i].key = shared != NULL ? shared : k;
    t->e[i].shared_key = shared != NULL;
    t->e[i].klen = (u32)klen;
    t->e[i].v = *v;
    t->n++;
    return 0;
}

int tuple_set_bytesn(struct tuple *t, const void *key, size_t klen, const void *p, size_t n)
{
    struct value v;
    int r;

    if (n > 0xfffffffeUL)
        return -ENOMEM;
    v.kind = VALUE_BYTES;
    v.len = (u32)n;
    v.u.bytes = heap_alloc(t->h, n + 1);
    if (v.u.bytes == NULL)
        return -ENOMEM;
    if (n > 0)
        memcpy(v.u.bytes, p, n);
    v.u.bytes[n] = 0;
    r = put(t, key, klen, &v);
    if (r != 0)
        heap_free(t->h, v.u.bytes, n + 1);
    return r;
}

int tuple_set_bytes(struct tuple *t, const char *key, const void *p, size_t n)
{
    return tuple_set_bytesn(t, key, strlen(key), p, n);
}

int tuple_set_str(struct tuple *t, const char *key, const char *s)
{
    return tuple_set_bytesn(t, key, strlen(key), s, strlen(s));
}

/* Store a number-like value (VALUE_U64 or VALUE_REF). */
static int set_number(struct tuple *t, const void *key, size_t klen, u8 kind, u64 n)
{
    struct value v;

    v.kind = kind;
    v.len = 0;
    v.u.n = n;
    return put(t, key, klen, &v);
}

int tuple_set_u64(struct tuple *t, const char *key, u64 n)
{
    return set_number(t, key, strlen(key), VALUE_U64, n);
}

int tuple_set_u64n(struct tuple *t, const void *key, size_t klen, u64 n)
{
    return set_number(t, key, klen, VALUE_U64, n);
}

int tuple_set_ref(struct tuple *t, const char *key, u64 id)
{
    return set_number(t, key, strlen(key), VALUE_REF, id);
}

int tuple_set_refn(struct tuple *t, const void *key, size_t klen, u64 id)
{
    return set_number(t, key, klen, VALUE_REF, id);
}

/* Attach child under key; t owns it from now on.  On failure (-ENOMEM, or
 * -EINVAL for a NULL child) the child is freed, so ownership always passes. */
int tuple_set_tuplen(struct tuple *t, const void *key, size_t klen, struct tuple *child)
{
    struct value v;
    int r;

    if (child == NULL)
        return -EINVAL;
    v.kind = VALUE_TUPLE;
    v.len = 0;
    v.u.t = child;
    r = put(t, key, klen, &v);
    if (r != 0)
        tuple_free(child);
    return r;
}

int tuple_set_tuple(struct tuple *t, const char *key, struct tuple *child)
{
    return tuple_set_tuplen(t, key, strlen(key), child);
}

/* Remove key and free its value.  0 or -ENOENT. */
int tuple_removen(struct tuple *t, const void *key, size_t klen)
{
    u32 i;

    if (find(t, key, klen, &i) == false)
        return -ENOENT;
    key_release(t->h, &t->e[i]);
    value_release(t->h, &t->e[i].v);
    memmove(&t->e[i], &t->e[i + 1], (size_t)(t->n - i - 1) * sizeof(struct entry));
    t->n--;
    return 0;
}

int tuple_remove(struct tuple *t, const char *key)
{
    return tuple_removen(t, key, strlen(key));
}

/* The nested tuple under key, created empty when absent.  NULL when out of
 * memory or when key holds a value of another kind. */
struct tuple *tuple_child(struct tuple *t, const char *key)
{
    const struct value *v = tuple_get(t, key);
    struct tuple *c;

    if (v != NULL)
        return v->kind == VALUE_TUPLE ? v->u.t : NULL;
    c = tuple_new(t->h);
    if (c == NULL)
        return NULL;
    if (tuple_set_tuple(t, key, c) != 0)
        return NULL;
    return c;
}

/* Visit entries in key order.  fn must not add or remove keys of t. */
int tuple_iter(const struct tuple *t, tuple_iter_fn fn, void *ctx)
{
    u32 i;
    int r;

    for (i = 0; i < t->n; i++) {
        r = fn(ctx, t->e[i].key, t->e[i].klen, &t->e[i].v);
        if (r != 0)
            return r;
    }
    return 0;
}
