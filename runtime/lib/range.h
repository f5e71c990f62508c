/*
 * range.h - a set of disjoint [start, start+len) ranges of u64 units, used
 * as a free-space allocator (TFS blocks) and anywhere a sorted interval set
 * is needed.  Ranges are kept sorted, never overlap and never touch (adjacent
 * ranges are merged), so the set has one canonical form.  Memory comes from
 * the heap given to range_init(); a failed call leaves the set unchanged.
 */
#ifndef SOLO_RANGE_H
#define SOLO_RANGE_H

#include "types.h"

struct range {
    u64 start;
    u64 len;
};

struct range_set {
    struct heap *h;
    struct range *r;                   /* sorted by start */
    size_t n, cap;
    u64 total;                         /* sum of len */
};

void range_init(struct range_set *s, struct heap *h);
void range_destroy(struct range_set *s);           /* frees memory; the set is empty after */

/* Insert [start, start+len): 0, -EINVAL if it overlaps the set (or wraps), -ENOMEM. */
int range_add(struct range_set *s, u64 start, u64 len);
/* Take [start, start+len) out of the set; it must be wholly inside one range
 * (-ENOENT otherwise).  0 or -ENOMEM (a split needs a slot). */
int range_remove(struct range_set *s, u64 start, u64 len);
/* Allocate a contiguous run: the first range with at least want units (taken
 * from its start) or else the largest range.  Returns the run's length
 * (<= want; 0 when the set is empty or want is 0) and its start in *start. */
u64 range_alloc(struct range_set *s, u64 want, u64 *start);
/* Allocate exactly n contiguous units (first fit).  0 or -ENOSPC. */
int range_alloc_exact(struct range_set *s, u64 n, u64 *start);
/* True when every unit of [start, start+len) is in the set. */
bool range_contains(const struct range_set *s, u64 start, u64 len);
/* True when some unit of [start, start+len) is in the set. */
bool range_overlaps(const struct range_set *s, u64 start, u64 len);
static inline u64 range_total(const struct range_set *s) { return s->total; }

#endif
