/*
 * pagecache.c - the page cache of regular files (contract in pagecache.h).
 * Every cached page is one entry holding a frame; entries are found by
 * (key, page index) through one hash table and by frame address through a
 * second, which the VM uses when a PTE pointing at a cache frame goes away.
 *
 * Invariants: an indexed entry's frame holds exactly the file's bytes of its
 * page (zero past the end of the file), unless it is dirty (stored into
 * through a shared mapping since its last write-back) or busy (being written
 * back): then it holds the newer bytes and the file system's copy catches up
 * at write-back.  The TFS and tmpfs write and truncate paths update cached
 * bytes in place, so mapped pages change with the file, as Linux's do.
 * maps counts the PTEs holding the frame; a frame is freed only when its
 * entry is out of the index (the object was deleted, the file shrank past
 * it, or the memory was needed), maps is zero and it is not busy, or handed
 * to its only mapper on a private write (pagecache_steal), which then owns
 * it.  gen counts changes of cached data, so a fill whose read blocked
 * while the file changed throws its (possibly stale) pages away.
 *
 * Keys with dirty or busy pages have an owner record holding a reference to
 * a file of theirs open for writing (the one the first dirtying mapping was
 * made with): write-back goes through its write method.  Owners are freed
 * (and the file released) once nothing is dirty or busy, at the end of a
 * write-back call, never in the middle of one: a write may block, and other
 * threads run meanwhile.
 */
#include "fs/pagecache.h"
#include "fs/vfs_impl.h"
#include "runtime/mm/vm.h"

#define PC_BUCKETS 4096
#define WB_RUN     64                  /* pages written back with one write, at most */

struct pc_entry {
    u64 key, idx, pa;
    u32 maps;
    u32 busy;                          /* write-backs in progress (the frame is being read) */
    bool indexed;                      /* in the (key, idx) table */
    bool dirty;                        /* stored into since its last write-back */
    struct pc_entry *next_key, *next_pa;
};

struct pc_owner {
    u64 key;
    struct file *file;                 /* open for writing, referenced */
    u64 ndirty, nbusy;                 /* dirty entries; entries being written back */
    u64 lo, hi;                        /* every dirty page index lies in [lo, hi] */
    struct pc_owner *next;
};

static struct pc_entry *by_key[PC_BUCKETS];
static struct pc_entry *by_pa[PC_BUCKETS];
static struct pc_owner *owners;
static u64 nentries, gen;

static u64 key_hash(u64 key, u64 idx) { return (key * 0x9e3779b97f4a7c15UL ^ idx) % PC_BUCKETS; }
static u64 pa_hash(u64 pa) { return (pa / PAGE_SIZE) % PC_BUCKETS; }

u64 pagecache_key(struct file *f)
{
    if (f == NULL)
        return 0;
    if (f->node.v != NULL)
        return f->node.v->ram && f->node.v->kind == VN_RAMFILE ? (u64)f->node.v : 0;
    return S_ISREG(tfs_node_mode(f->node.id)) ? f->node.id : 0;
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

static struct pc_owner *owner_find(u64 key)
{
    for (struct pc_owner *o = owners; o != NULL; o = o->next)
        if (o->key == key)
            return o;
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

/* Free e and its frame (e is out of the index, unmapped and not busy). */
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

/* Free e when nothing holds it any more. */
static void maybe_destroy(struct pc_entry *e)
{
    if (!e->indexed && e->maps == 0 && e->busy == 0)
        destroy(e);
}

/* e's data no longer needs writing (written, or its page left the file). */
static void clean(struct pc_entry *e)
{
    if (!e->dirty)
        return;
    e->dirty = false;
    struct pc_owner *o = owner_find(e->key);
    if (o != NULL)
        o->ndirty--;
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
    e->maps--;
    maybe_destroy(e);
}

bool pagecache_steal(u64 pa)
{
    struct pc_entry *e = find_pa(pa);
    kassert(e != NULL && e->maps > 0);
    if (e->maps != 1 || e->dirty || e->busy != 0)
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

int pagecache_dirty(u64 pa, struct file *f)
{
    struct pc_entry *e = find_pa(pa);
    kassert(e != NULL);
    if (e->dirty || !e->indexed)
        return 0;                      /* already, or the page left the file: nowhere to write */
    struct pc_owner *o = owner_find(e->key);
    if (o == NULL) {
        if ((o = kzalloc(sizeof(*o))) == NULL)
            return -ENOMEM;
        o->key = e->key;
        o->file = f;
        o->lo = e->idx;
        o->hi = e->idx;
        file_get(f);
        o->next = owners;
        owners = o;
    }
    e->dirty = true;
    o->ndirty++;
    o->lo = MIN(o->lo, e->idx);
    o->hi = MAX(o->hi, e->idx);
    return 0;
}

u64 pagecache_bytes(void) { return nentries * PAGE_SIZE; }

/* ------------------------------------------------------------ write-back */

/* Free the owners with nothing dirty or busy, releasing their files (which
 * may close them: a file's release may call back into the cache). */
static void reap(void)
{
    struct pc_owner **pp = &owners;
    while (*pp != NULL) {
        struct pc_owner *o = *pp;
        if (o->ndirty != 0 || o->nbusy != 0) {
            pp = &o->next;
            continue;
        }
        *pp = o->next;
        file_put(o->file);
        kfree(o);
        pp = &owners;                  /* the release may have changed the list */
    }
}

/* Write back the n entries of run (dirty, consecutive pages of o's file in
 * physically consecutive frames) with one write.  Their PTEs are made
 * read-only first and the entries marked clean and busy, so a store during
 * the write dirties the page again and nothing frees the frames.  0 or the
 * write's error (the pages are dirty again). */
static int write_run(struct pc_owner *o, struct pc_entry **run, size_t n)
{
    u64 first = run[0]->idx, start = first * PAGE_SIZE;
    vm_write_protect(o->key, first, first + n - 1);
    for (size_t i = 0; i < n; i++) {
        clean(run[i]);
        run[i]->busy++;
    }
    o->nbusy += n;
    struct file *f = o->file;
    long size = f->ops->size(f), r = 0;
    u64 done = 0, len = size > (long)start ? MIN(n * PAGE_SIZE, (u64)size - start) : 0;
    const u8 *src = phys_to_virt(run[0]->pa);
    while (done < len && r >= 0) {
        r = f->ops->write(f, src + done, (size_t)(len - done), start + done);
        if (r == 0)
            r = -EIO;
        if (r > 0)
            done += (u64)r;
    }
    if (r < 0)
        klog("pagecache: writing back a mapped page at offset %lx failed: %ld", start + done, r);
    o->nbusy -= n;
    for (size_t i = 0; i < n; i++) {
        struct pc_entry *e = run[i];
        e->busy--;
        if (r < 0 && e->indexed && !e->dirty) {
            e->dirty = true;           /* keep the data for a later try */
            o->ndirty++;
        }
        maybe_destroy(e);
    }
    return r < 0 ? (int)r : 0;
}

/* Write back o's dirty pages in [first, last] (only those no PTE maps when
 * unmapped_only).  0 or the first error. */
static int owner_writeback(struct pc_owner *o, u64 first, u64 last, bool unmapped_only)
{
    struct pc_entry *run[WB_RUN];
    size_t n = 0;
    int err = 0;
    for (u64 i = MAX(first, o->lo); i <= MIN(last, o->hi) && o->ndirty > 0; i++) {
        struct pc_entry *e = find(o->key, i);
        bool take = e != NULL && e->dirty && (!unmapped_only || e->maps == 0);
        if (n > 0 && (!take || n == WB_RUN || e->idx != run[n - 1]->idx + 1 ||
                      e->pa != run[n - 1]->pa + PAGE_SIZE)) {
            int r = write_run(o, run, n);
            err = err != 0 ? err : r;
            n = 0;
            e = find(o->key, i);       /* the write may have blocked: look again */
            take = e != NULL && e->dirty && (!unmapped_only || e->maps == 0);
        }
        if (take)
            run[n++] = e;
    }
    if (n > 0) {
        int r = write_run(o, run, n);
        err = err != 0 ? err : r;
    }
    return err;
}

int pagecache_writeback(u64 key, u64 first, u64 last)
{
    struct pc_owner *o = owner_find(key);
    if (o == NULL)
        return 0;
    o->nbusy++;                        /* keep o while writes block */
    int r = owner_writeback(o, first, last, false);
    o->nbusy--;
    reap();
    return r;
}

int pagecache_sync_file(struct file *f, u64 first, u64 last, bool durable)
{
    int r = pagecache_writeback(pagecache_key(f), first, last);
    if (r == 0 && durable && f->node.v == NULL)
        r = tfs_node_fsync(f->node.id);        /* tmpfs lives in memory */
    return r;
}

/* Write back every owner's dirty pages (unmapped ones only, or all). */
static int writeback_owners(bool unmapped_only)
{
    int err = 0;
    for (struct pc_owner *o = owners; o != NULL; o = o->next) {
        if (o->ndirty == 0)
            continue;
        o->nbusy++;
        int r = owner_writeback(o, 0, ~0UL, unmapped_only);
        o->nbusy--;
        err = err != 0 ? err : r;
    }
    reap();
    return err;
}

void pagecache_writeback_unmapped(void)
{
    if (owners != NULL)
        writeback_owners(true);
}

int pagecache_writeback_all(void)
{
    return owners != NULL ? writeback_owners(false) : 0;
}

bool pagecache_active(u64 key)
{
    return owners != NULL && owner_find(key) != NULL;
}

void pagecache_overlay(u64 key, u64 off, void *buf, size_t len)
{
    if (len == 0 || !pagecache_active(key))
        return;
    for (u64 i = off / PAGE_SIZE; i <= (off + len - 1) / PAGE_SIZE; i++) {
        struct pc_entry *e = find(key, i);
        if (e == NULL)
            continue;
        u64 ps = i * PAGE_SIZE, s = MAX(ps, off), end = MIN(ps + PAGE_SIZE, off + len);
        u8 *dst = (u8 *)buf + (s - off);
        const u8 *src = (const u8 *)phys_to_virt(e->pa) + (s - ps);
        if (dst != src)
            memcpy(dst, src, end - s);
    }
}

/* ------------------------------------------------------------ eviction */

/* Dirty pages are not dropped, nor written here: the callers are page
 * faults, which must not block with a region in hand.  A dirty page no PTE
 * maps exists only between a munmap (or MADV_DONTNEED) and the write-back
 * that call makes, or after a failed write. */
u64 pagecache_shrink(void)
{
    u64 before = nentries;
    for (u64 b = 0; b < PC_BUCKETS; b++) {
        struct pc_entry *e = by_key[b];
        while (e != NULL) {
            struct pc_entry *next = e->next_key;
            if (e->maps == 0 && e->busy == 0 && !e->dirty) {
                unindex(e);
                destroy(e);
            }
            e = next;
        }
    }
    return (before - nentries) * PAGE_SIZE;
}

/* ------------------------------------------------------------ file system hooks */

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
    u8 *dst = (u8 *)phys_to_virt(e->pa) + (s - ps);
    const u8 *src = w->buf + (s - w->off);
    if (dst != src)                    /* a write-back writes from the frame itself */
        memcpy(dst, src, end - s);
}

void pagecache_write(u64 id, u64 off, const void *buf, size_t len)
{
    if (nentries == 0 || len == 0)
        return;
    gen++;
    struct write_ctx w = { off, buf, len };
    for_pages(id, off / PAGE_SIZE, (off + len - 1) / PAGE_SIZE, write_page, &w);
}

static void zero_page(struct pc_entry *e, void *ctx)
{
    u64 from = *(const u64 *)ctx, ps = e->idx * PAGE_SIZE;
    u64 at = from > ps ? from - ps : 0;
    memset((u8 *)phys_to_virt(e->pa) + at, 0, PAGE_SIZE - at);
}

static void drop_page(struct pc_entry *e, void *ctx)
{
    (void)ctx;
    clean(e);
    unindex(e);
    maybe_destroy(e);
}

void pagecache_resize(u64 id, u64 old, u64 size)
{
    u64 from = MIN(old, size), keep = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
    if (nentries != 0) {
        gen++;
        for_pages(id, from / PAGE_SIZE, ~0UL / PAGE_SIZE, zero_page, &from);
        if (size < old)
            for_pages(id, keep, ~0UL / PAGE_SIZE, drop_page, NULL);
    }
    /* Pages wholly past a smaller end left the cache; now they leave every
     * mapping (private copies too, as Linux): a later touch is SIGBUS. */
    if (size < old && keep < ALIGN_UP(old, PAGE_SIZE) / PAGE_SIZE)
        vm_file_truncated(id, keep);
}

void pagecache_forget(u64 id)
{
    if (nentries == 0)
        return;
    gen++;
    for_pages(id, 0, ~0UL / PAGE_SIZE, drop_page, NULL);
}

struct reload_ctx { u64 id; int (*fill)(u64 id, u64 idx, void *page); };

static void reload_page(struct pc_entry *e, void *ctx)
{
    const struct reload_ctx *c = ctx;
    void *p = phys_to_virt(e->pa);
    if (c->fill(c->id, e->idx, p) < 0)
        memset(p, 0, PAGE_SIZE);
    clean(e);
}

void pagecache_reload(u64 id, u64 first, int (*fill)(u64 id, u64 idx, void *page))
{
    if (nentries == 0)
        return;
    struct reload_ctx c = { id, fill };
    gen++;
    for_pages(id, first, ~0UL / PAGE_SIZE, reload_page, &c);
}

static void punch_page(struct pc_entry *e, void *ctx)
{
    (void)ctx;
    memset(phys_to_virt(e->pa), 0, PAGE_SIZE);
    clean(e);
}

void pagecache_punch(u64 id, u64 first, u64 last)
{
    if (nentries == 0 || first > last)
        return;
    gen++;
    vm_write_protect(id, first, last);
    for_pages(id, first, last, punch_page, NULL);
    reap();
}
