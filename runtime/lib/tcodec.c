/*
 * tcodec.c - the tuple wire encoding (see tcodec.h).
 *
 * Encoding appends to a growable buffer whose first failure is sticky, so a
 * sequence of tc_* calls needs one error check at the end.  Decoding never
 * reads past the buffer: every read checks the bytes left and marks the
 * decoder bad instead; counts are bounded by the bytes left (an entry takes
 * at least two) and nesting by TC_MAX_DEPTH, so hostile input costs time
 * and memory proportional to its size only.
 */
#include "tcodec.h"
#include "klibc.h"

/* ---------------------------------------------------------------- encoding */

/* Ensure room for n more bytes; sets the sticky error on failure. */
bool tc_room(struct heap *h, struct tc_buf *b, size_t n)
{
    size_t ncap;
    u8 *np;

    if (b->err != 0)
        return false;
    if (b->len + n <= b->cap)
        return true;
    ncap = b->cap == 0 ? 256 : b->cap;
    while (ncap < b->len + n)
        ncap *= 2;
    np = heap_alloc(h, ncap);
    if (np == NULL) {
        b->err = -ENOMEM;
        return false;
    }
    if (b->len > 0)
        memcpy(np, b->p, b->len);
    heap_free(h, b->p, b->cap);
    b->p = np;
    b->cap = ncap;
    return true;
}

void tc_release(struct heap *h, struct tc_buf *b)
{
    heap_free(h, b->p, b->cap);
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->err = 0;
}

void tc_bytes(struct heap *h, struct tc_buf *b, const void *p, size_t n)
{
    if (tc_room(h, b, n) == false)
        return;
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

void tc_u8(struct heap *h, struct tc_buf *b, u8 v)
{
    tc_bytes(h, b, &v, 1);
}

void tc_varint(struct heap *h, struct tc_buf *b, u64 v)
{
    u8 tmp[10];
    size_t n = 0;

    do {
        tmp[n] = (u8)(v & 0x7f);
        v >>= 7;
        if (v != 0)
            tmp[n] |= 0x80;
        n++;
    } while (v != 0);
    tc_bytes(h, b, tmp, n);
}

void tc_key(struct heap *h, struct tc_buf *b, const void *k, size_t klen)
{
    if (klen > TC_MAX_KEY && b->err == 0)
        b->err = -ENAMETOOLONG;
    tc_varint(h, b, klen);
    tc_bytes(h, b, k, klen);
}

struct tc_enc_ctx {
    struct heap *h;
    struct tc_buf *b;
    int depth;
};


/* tuple_iter callback: encode one entry. */
static int tc_enc_entry(void *ctx, const u8 *key, size_t klen, const struct value *v)
{
    struct tc_enc_ctx *c = ctx;

    tc_key(c->h, c->b, key, klen);
    tc_u8(c->h, c->b, v->kind);
    if (v->kind == VALUE_BYTES) {
        tc_varint(c->h, c->b, v->len);
        tc_bytes(c->h, c->b, v->u.bytes, v->len);
    } else if (v->kind == VALUE_U64 || v->kind == VALUE_REF) {
        tc_varint(c->h, c->b, v->u.n);
    } else if (v->kind == VALUE_TUPLE) {
        tc_tuple(c->h, c->b, v->u.t, c->depth + 1);
    }
    return c->b->err;
}

/* Encode a whole tuple, nested at depth (at most TC_MAX_DEPTH). */
void tc_tuple(struct heap *h, struct tc_buf *b, const struct tuple *t, int depth)
{
    struct tc_enc_ctx c = { h, b, depth };
    size_t n = tuple_count(t);

    if (depth > TC_MAX_DEPTH) {
        if (b->err == 0)
            b->err = -EINVAL;
        return;
    }
    tc_varint(h, b, n);
    tuple_iter(t, tc_enc_entry, &c);
}

/* ---------------------------------------------------------------- decoding */

u64 tc_get_varint(struct tc_dec *d)
{
    u64 v = 0;
    unsigned shift = 0;

    if (d->bad == false && d->pos < d->len && d->p[d->pos] < 0x80)
        return d->p[d->pos++];         /* the common one-byte case */

    while (d->bad == false) {
        u8 c;
        if (d->pos >= d->len || shift > 63) {
            d->bad = true;
            break;
        }
        c = d->p[d->pos++];
        if (shift == 63 && (c & 0x7e) != 0) {
            d->bad = true;
            break;
        }
        v |= (u64)(c & 0x7f) << shift;
        if ((c & 0x80) == 0)
            return v;
        shift += 7;
    }
    return 0;
}

u8 tc_get_u8(struct tc_dec *d)
{
    if (d->bad == true || d->pos >= d->len) {
        d->bad = true;
        return 0;
    }
    return d->p[d->pos++];
}

/* Consume n bytes; NULL (and bad) when fewer remain. */
const u8 *tc_take(struct tc_dec *d, u64 n)
{
    const u8 *p;

    if (d->bad == true || n > d->len - d->pos) {
        d->bad = true;
        return NULL;
    }
    p = d->p + d->pos;
    d->pos += n;
    return p;
}

/* Check an encoded tuple's structure without allocating. */
bool tc_validate(struct tc_dec *d, int depth)
{
    u64 count, i;

    if (depth > TC_MAX_DEPTH)
        return false;
    count = tc_get_varint(d);
    if (d->bad == true || count > (d->len - d->pos) / 2)
        return false;
    for (i = 0; i < count && d->bad == false; i++) {
        u64 klen = tc_get_varint(d);
        if (klen > TC_MAX_KEY)
            return false;
        tc_take(d, klen);
        switch (tc_get_u8(d)) {
        case VALUE_BYTES: {
            u64 n = tc_get_varint(d);
            if (n > 0xfffffffeULL)
                return false;
            tc_take(d, n);
            break;
        }
        case VALUE_U64:
        case VALUE_REF:
            tc_get_varint(d);
            break;
        case VALUE_TUPLE:
            if (tc_validate(d, depth + 1) == false)
                return false;
            break;
        case TC_KIND_REMOVE:
            break;
        default:
            return false;
        }
    }
    return d->bad == false;
}

/* Apply an encoded delta to t, nested at depth.  0, -ENOMEM, or -EINVAL for
 * malformed input; on failure t is partly updated (validate first with
 * tc_validate when that matters, or apply into a fresh tuple). */
int tc_apply(struct tc_dec *d, struct tuple *t, struct heap *h, int depth)
{
    u64 count = tc_get_varint(d), i;
    int r = 0;

    if (depth > TC_MAX_DEPTH || count > (d->len - d->pos) / 2)
        return -EINVAL;
    for (i = 0; i < count && r == 0 && d->bad == false; i++) {
        u64 klen = tc_get_varint(d);
        const u8 *key = klen <= TC_MAX_KEY ? tc_take(d, klen) : NULL;
        u8 kind = tc_get_u8(d);
        if (d->bad == true || key == NULL)
            return -EINVAL;
        if (kind == VALUE_BYTES) {
            u64 n = tc_get_varint(d);
            const u8 *p = n <= 0xfffffffeULL ? tc_take(d, n) : NULL;
            r = p == NULL ? -EINVAL : tuple_set_bytesn(t, key, klen, p, n);
        } else if (kind == VALUE_U64) {
            r = tuple_set_u64n(t, key, klen, tc_get_varint(d));
        } else if (kind == VALUE_REF) {
            r = tuple_set_refn(t, key, klen, tc_get_varint(d));
        } else if (kind == VALUE_TUPLE) {
            const struct value *v = tuple_getn(t, key, klen);
            struct tuple *c;
            if (v != NULL && v->kind == VALUE_TUPLE) {
                c = v->u.t;
            } else {
                c = tuple_new(h);
                if (c == NULL)
                    return -ENOMEM;
                r = tuple_set_tuplen(t, key, klen, c);
                if (r != 0)
                    return r;
            }
            r = tc_apply(d, c, h, depth + 1);
        } else if (kind == TC_KIND_REMOVE) {
            tuple_removen(t, key, klen);
        } else {
            return -EINVAL;
        }
    }
    return r != 0 ? r : (d->bad == true ? -EINVAL : 0);
}
