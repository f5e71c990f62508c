/*
 * range.c - sorted interval sets (see range.h).
 *
 * The set is a sorted array of ranges.  Invariants after every call:
 * r[i].len > 0, r[i].start + r[i].len < r[i+1].start (disjoint and not
 * adjacent), no range wraps past 2^64, and total is the sum of the lengths.
 * Lookups are binary searches; inserting or splitting shifts the tail of the
 * array, which is fine for the few thousand fragments a volume accumulates.
 */
#include "range.h"
#include "klibc.h"

void range_init(struct range_set *s, struct heap *h)
{
    s->h = h;
    s->r = NULL;
    s->n = 0;
    s->cap = 0;
    s->total = 0;
}

void range_destroy(struct range_set *s)
{
    heap_free(s->h, s->r, s->cap * sizeof(struct range));
    s->r = NULL;
    s->n = 0;
    s->cap = 0;
    s->total = 0;
}

/* Index of the first range whose end is beyond x (the range containing x,
 * or the first one after it); s->n when none. */
static size_t first_ending_after(const struct range_set *s, u64 x)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->r[mid].start + s->r[mid].len <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Make room for one more range.  0 or -ENOMEM. */
static int reserve(struct range_set *s)
{
    size_t ncap;
    struct range *nr;

    if (s->n < s->cap)
        return 0;
    ncap = s->cap == 0 ? 8 : s->cap * 2;
    nr = heap_alloc(s->h, ncap * sizeof(*nr));
    if (nr == NULL)
        return -ENOMEM;
    if (s->n > 0)
        memcpy(nr, s->r, s->n * sizeof(*nr));
    heap_free(s->h, s->r, s->cap * sizeof(*nr));
    s->r = nr;
    s->cap = ncap;
    return 0;
}

/* Insert a new range at index i (caller checked order). */
static int insert_at(struct range_set *s, size_t i, u64 start, u64 len)
{
    if (reserve(s) != 0)
        return -ENOMEM;
    memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(struct range));
    s->r[i].start = start;
    s->r[i].len = len;
    s->n++;
    return 0;
}

static void delete_at(struct range_set *s, size_t i)
{
    memmove(&s->r[i], &s->r[i + 1], (s->n - i - 1) * sizeof(struct range));
    s->n--;
}

bool range_overlaps(const struct range_set *s, u64 start, u64 len)
{
    size_t i;

    if (len == 0)
        return false;
    i = first_ending_after(s, start);
    return i < s->n && s->r[i].start < start + len;
}

bool range_contains(const struct range_set *s, u64 start, u64 len)
{
    size_t i;

    if (len == 0)
        return true;
    i = first_ending_after(s, start);
    return i < s->n && s->r[i].start <= start &&
        start + len <= s->r[i].start + s->r[i].len;
}

/* Insert [start, start+len), merging with neighbours it touches. */
int range_add(struct range_set *s, u64 start, u64 len)
{
    size_t i;
    bool join_prev, join_next;

    if (len == 0)
        return 0;
    if (start + len < start || range_overlaps(s, start, len) == true)
        return -EINVAL;
    i = first_ending_after(s, start);          /* first range after the new one */
    join_prev = i > 0 && s->r[i - 1].start + s->r[i - 1].len == start;
    join_next = i < s->n && s->r[i].start == start + len;
    if (join_prev == true && join_next == true) {
        s->r[i - 1].len += len + s->r[i].len;
        delete_at(s, i);
    } else if (join_prev == true) {
        s->r[i - 1].len += len;
    } else if (join_next == true) {
        s->r[i].start = start;
        s->r[i].len += len;
    } else if (insert_at(s, i, start, len) != 0) {
        return -ENOMEM;
    }
    s->total += len;
    return 0;
}

/* Remove [start, start+len), which must lie inside one range. */
int range_remove(struct range_set *s, u64 start, u64 len)
{
    size_t i;
    u64 end, rend;

    if (len == 0)
        return 0;
    if (range_contains(s, start, len) == false)
        return -ENOENT;
    i = first_ending_after(s, start);
    end = start + len;
    rend = s->r[i].start + s->r[i].len;
    if (s->r[i].start == start && rend == end) {
        delete_at(s, i);
    } else if (s->r[i].start == start) {
        s->r[i].start = end;
        s->r[i].len -= len;
    } else if (rend == end) {
        s->r[i].len -= len;
    } else {
        if (insert_at(s, i + 1, end, rend - end) != 0)
            return -ENOMEM;
        s->r[i].len = start - s->r[i].start;
    }
    s->total -= len;
    return 0;
}

/* Take n units from the start of range i (never needs memory). */
static u64 take_front(struct range_set *s, size_t i, u64 n, u64 *start)
{
    *start = s->r[i].start;
    if (s->r[i].len == n) {
        delete_at(s, i);
    } else {
        s->r[i].start += n;
        s->r[i].len -= n;
    }
    s->total -= n;
    return n;
}

u64 range_alloc(struct range_set *s, u64 want, u64 *start)
{
    size_t i, best = 0;

    if (want == 0 || s->n == 0)
        return 0;
    for (i = 0; i < s->n; i++) {
        if (s->r[i].len >= want)
            return take_front(s, i, want, start);
        if (s->r[i].len > s->r[best].len)
            best = i;
    }
    return take_front(s, best, s->r[best].len, start);
}

int range_alloc_exact(struct range_set *s, u64 n, u64 *start)
{
    size_t i;

    if (n == 0)
        return -EINVAL;
    for (i = 0; i < s->n; i++) {
        if (s->r[i].len >= n) {
            take_front(s, i, n, start);
            return 0;
        }
    }
    return -ENOSPC;
}
