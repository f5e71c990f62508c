/*
 * types.h - fixed-width integer names and the few freestanding basics shared by
 * the kernel, the host tools and the unit tests.  Nothing here may depend on a
 * hosted libc: only the compiler's freestanding headers.
 */
#ifndef SOLO_TYPES_H
#define SOLO_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

/*
 * A heap is a small method table so pure code can be handed the kernel heap,
 * malloc, or a failing test heap.  free() receives the size given to alloc().
 */
struct heap {
    void *(*alloc)(struct heap *h, size_t size);
    void (*free)(struct heap *h, void *p, size_t size);
};

static inline void *heap_alloc(struct heap *h, size_t size) { return h->alloc(h, size); }
static inline void heap_free(struct heap *h, void *p, size_t size) { if (p != NULL) h->free(h, p, size); }

#endif
