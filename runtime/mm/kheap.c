/*
 * kheap.c - the kernel heap.  Small requests (up to 2 KiB) come from
 * power-of-two size classes carved out of single pages; larger ones get
 * their own run of contiguous pages.  Every block carries a 16-byte header
 * recording its class (or page count), so kfree needs no size.  Memory is
 * in the direct map, hence physically contiguous within a block.
 */
#include "mm.h"

#define MIN_SHIFT 4
#define MAX_SHIFT 11
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define HEAP_MAGIC 0x5e1f0a110c0000UL

struct hdr {
    u64 magic;                         /* HEAP_MAGIC | class, or HEAP_MAGIC | 0xff for pages */
    u64 npages;                        /* large blocks only */
};

struct free_block { struct free_block *next; };

static struct free_block *free_lists[NCLASSES];

static int size_class(size_t n)
{
    int c = 0;
    while (((size_t)1 << (c + MIN_SHIFT)) < n)
        c++;
    return c;
}

static bool refill(int c)
{
    u64 pa = page_alloc();
    if (pa == 0)
        return false;
    size_t sz = (size_t)1 << (c + MIN_SHIFT);
    u8 *p = phys_to_virt(pa);
    for (size_t off = 0; off + sz <= PAGE_SIZE; off += sz) {
        struct free_block *b = (struct free_block *)(p + off);
        b->next = free_lists[c];
        free_lists[c] = b;
    }
    return true;
}

void *kmalloc(size_t n)
{
    size_t total = n + sizeof(struct hdr);
    struct hdr *h;
    if (n > (1UL << 40))
        return NULL;
    if (total <= (1UL << MAX_SHIFT)) {
        int c = size_class(total);
        if (free_lists[c] == NULL && !refill(c))
            return NULL;
        h = (struct hdr *)free_lists[c];
        free_lists[c] = free_lists[c]->next;
        h->magic = HEAP_MAGIC | (u64)c;
    } else {
        size_t np = ALIGN_UP(total, PAGE_SIZE) / PAGE_SIZE;
        u64 pa = pages_alloc(np);
        if (pa == 0)
            return NULL;
        h = phys_to_virt(pa);
        h->magic = HEAP_MAGIC | 0xff;
        h->npages = np;
    }
    return h + 1;
}

void *kzalloc(size_t n)
{
    void *p = kmalloc(n);
    if (p != NULL)
        memset(p, 0, n);
    return p;
}

void kfree(void *p)
{
    if (p == NULL)
        return;
    struct hdr *h = (struct hdr *)p - 1;
    kassert((h->magic & ~0xffUL) == HEAP_MAGIC);
    u64 c = h->magic & 0xff;
    h->magic = 0;
    if (c == 0xff) {
        pages_free(virt_to_phys(h), h->npages);
        return;
    }
    kassert(c < NCLASSES);
    struct free_block *b = (struct free_block *)h;
    b->next = free_lists[c];
    free_lists[c] = b;
}

static void *heap_kalloc(struct heap *h, size_t n) { (void)h; return kmalloc(n); }
static void heap_kfree(struct heap *h, void *p, size_t n) { (void)h; (void)n; kfree(p); }
static struct heap kheap_methods = { heap_kalloc, heap_kfree };
struct heap *kernel_heap = &kheap_methods;

void kheap_init(void) {}
