/*
 * pagecache.c - the page cache of TFS files (contract in pagecache.h).
 * Every cached page is one entry holding a frame; entries are found by
 * (key, page index) through one hash table and by frame address through a
 * second, which the VM uses when a PTE pointing at a cache frame goes away.
 *
 * Invariants: an indexed entry's frame holds exactly the file's bytes of its
 * page (zero past the end of the file): the TFS write and truncate paths
 * update cached bytes in place, so mapped pages change with the file, as
 * Linux's do.  maps counts the PTEs holding the frame; a frame is freed only
 * when its entry is out of the index (the object was deleted, or the memory
 * was needed) and maps is zero, or handed to its only mapper on a private
 * write (pagecache_steal), which then owns it.  gen counts changes of cached data, so a fill whose read blocked
 * while the file changed throws its (possibly stale) pages away.
 */
#include "fs/pagecache.h"
#include "fs/vfs_impl.h"

#define PC_BUCKETS 4096

struct pc_entry {
    u64 key, idx, pa;
    u32 maps;
    bool indexed;                      /* in the (key, idx) table */
    struct pc_entry *next_key, *next_pa;
};

static struct pc_entry *by_key[PC_BUCKETS];
static struct pc_entry *by_pa[PC_BUCKETS];
static u64 nentries, gen;

static u64 key_hash(u64 key, u64 idx) { return (key * 0x9e3779b97f4a7c15UL ^ idx) % PC_BUCKETS; }
static u64 pa_hash(u64 pa) { return (pa / PAGE_SIZE) % PC_BUCKETS; }

u64 pagecache_key(struct file *f)
{
    if (f == NULL || f->node.v != NULL || !S_ISREG(tfs_node_mode(f->node.id)))
        return 0;
    return f->node.id;
}

static struct pc_entry *find(u64 key, u64 idx)
{
    for (struct pc_entry *e = by_key[key_hash(key, idx)]; e != NULL; e = e->next_key)
        if (e->key == key && e->idx == idx)
            return e;
    return NULL;
}

static struct pc_entry *find_pa(u64 pa)
{
    for (struct pc_entry *e = by_pa[pa_hash(pa)]; e != NULL; e = e->next_pa)
        if (e->pa == pa)
            return e;
    return NULL;
}

u64 pagecache_lookup(u64 key, u64 idx)
{
    struct pc_entry *e = find(key, idx);
    return e != NULL ? e->pa : 0;
}

/* Record frame pa as page idx of key.  False when out of memory. */
static bool insert(u64 key, u64 idx, u64 pa)
{
    struct pc_entry *e = kzalloc(sizeof(*e));
    if (e == NULL)
        return false;
    e->key = key;
    e->idx = idx;
    e->pa = pa;
    e->indexed = true;
    u64 h = key_hash(key, idx), p = pa_hash(pa);
    e->next_key = by_key[h];
    by_key[h] = e;
    e->next_pa = by_pa[p];
    by_pa[p] = e;
    nentries++;
    return true;
}

/* Take e out of the (key, idx) table. */
static void unindex(struct pc_entry *e)
{
    struct pc_entry **pp = &by_key[key_hash(e->key, e->idx)];
    while (*pp != e)
        pp = &(*pp)->next_key;
    *pp = e->next_key;
    e->indexed = false;
}

/* Free e and its frame (e is out of the index and unmapped). */
static void destroy(struct pc_entry *e)
{
    struct pc_entry **pp = &by_pa[pa_hash(e->pa)];
    while (*pp != e)
        pp = &(*pp)->next_pa;
    *pp = e->next_pa;
    page_free(e->pa);
    nentries--;
    kfree(e);
}

int pagecache_fill(struct file *f, u64 key, u64 lo, u64 hi, u64 at)
{
    u64 s = at, e = at + 1;
    while (s > lo && find(key, s - 1) == NULL)
        s--;
    while (e < hi && find(key, e) == NULL)
        e++;
    size_t n = (size_t)(e - s);
    u64 pa = pages_alloc(n);
    if (pa == 0 && pagecache_shrink() > 0)
        pa = pages_alloc(n);
    if (pa == 0 && n > 1) {
        s = at;
        n = 1;
        pa = page_alloc();
    }
    if (pa == 0)
        return -ENOMEM;
    u64 g = gen;
    file_get(f);
    long got = file_pread(f, phys_to_virt(pa), n * PAGE_SIZE, s * PAGE_SIZE);
    file_put(f);
    if (got < 0)
        klog("pagecache: reading file page %lu failed: %ld", s, got);
    for (size_t i = 0; i < n; i++) {
        u64 fpa = pa + i * PAGE_SIZE;
        if (got < 0 || g != gen || find(key, s + i) != NULL || !insert(key, s + i, fpa))
            page_free(fpa);
    }
    return got < 0 ? -EIO : 0;
}

void pagecache_map(u64 pa)
{
    struct pc_entry *e = find_pa(pa);
    kassert(e != NULL);
    e->maps++;
}

void pagecache_unmap(u64 pa)
{
    struct pc_entry *e = find_pa(pa);
    kassert(e != NULL && e->maps > 0);
    if (--e->maps == 0 && !e->indexed)
        destroy(e);
}

bool pagecache_steal(u64 pa)
{
    struct pc_entry *e = find_pa(pa);
    kassert(e != NULL && e->maps > 0);
    if (e->maps != 1)
        return false;
    if (e->indexed)
        unindex(e);
    struct pc_entry **pp = &by_pa[pa_hash(pa)];
    while (*pp != e)
        pp = &(*pp)->next_pa;
    *pp = e->next_pa;
    nentries--;
    kfree(e);
    return true;
}

u64 pagecache_bytes(void) { return nentries * PAGE_SIZE; }

u64 pagecache_shrink(void)
{
    u64 before = nentries;
    for (u64 b = 0; b < PC_BUCKETS; b++) {
        struct pc_entry *e = by_key[b];
        while (e != NULL) {
            struct pc_entry *next = e->next_key;
            if (e->maps == 0) {
                unindex(e);
                destroy(e);
            }
            e = next;
        }
    }
    return (before - nentries) * PAGE_SIZE;
}

typedef void (*entry_fn)(struct pc_entry *e, void *ctx);

/* Call fn for every indexed entry of id with a page index in [first, last]. */
static void for_pages(u64 id, u64 first, u64 last, entry_fn fn, void *ctx)
{
    if (last - first < nentries) {
        for (u64 i = first; i <= last; i++) {
            struct pc_entry *e = find(id, i);
            if (e != NULL)
                fn(e, ctx);
        }
        return;
    }
    for (u64 b = 0; b < PC_BUCKETS; b++) {
        struct pc_entry *e = by_key[b];
        while (e != NULL) {
            struct pc_entry *next = e->next_key;
            if (e->key == id && e->idx >= first && e->idx <= last)
                fn(e, ctx);
            e = next;
        }
    }
}

struct write_ctx { u64 off; const u8 *buf; size_t len; };

static void write_page(struct pc_entry *e, void *ctx)
{
    const struct write_ctx *w = ctx;
    u64 ps = e->idx * PAGE_SIZE;
    u64 s = MAX(ps, w->off), end = MIN(ps + PAGE_SIZE, w->off + w->len);
    memcpy((u8 *)phys_to_virt(e->pa) + (s - ps), w->buf + (s - w->off), end - s);
}

void pagecache_write(u64 id, u64 off, const void *buf, size_t len)
{
    if (nentries == 0 || len == 0)
        return;
    gen++;
    struct write_ctx w = { off, buf, len };
    for_pages(id, off / PAGE_SIZE, (off + len - 1) / PAGE_SIZE, write_page, &w);
}

static void truncate_page(struct pc_entry *e, void *ctx)
{
    u64 size = *(const u64 *)ctx, ps = e->idx * PAGE_SIZE;
    u64 from = size > ps ? size - ps : 0;
    memset((u8 *)phys_to_virt(e->pa) + from, 0, PAGE_SIZE - from);
}

void pagecache_truncate(u64 id, u64 size)
{
    if (nentries == 0)
        return;
    gen++;
    for_pages(id, size / PAGE_SIZE, ~0UL / PAGE_SIZE, truncate_page, &size);
}

static void forget_page(struct pc_entry *e, void *ctx)
{
    (void)ctx;
    unindex(e);
    if (e->maps == 0)
        destroy(e);
}

void pagecache_forget(u64 id)
{
    if (nentries == 0)
        return;
    gen++;
    for_pages(id, 0, ~0UL / PAGE_SIZE, forget_page, NULL);
}
