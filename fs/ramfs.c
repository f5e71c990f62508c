/*
 * ramfs.c - tmpfs: writable in-memory directories, regular files and
 * symlinks, mounted on /tmp and /dev/shm over the image's directories of
 * those names; at mount the tmpfs is seeded with a copy of what the image
 * has there (ramfs_seed), so a program or data put under /tmp is visible.
 * They are vnodes with ram set; a file's contents are stored sparsely, one
 * page frame per 4 KiB page written (or fallocated), found by page index
 * through a four-level radix tree of 512-entry nodes (v->pages): holes cost
 * nothing and read as zeros, st_blocks counts the pages held, and
 * SEEK_DATA/SEEK_HOLE report them.  mount(2) makes further instances
 * (ramfs_new_root), each with its own st_dev and, with size=, a limit on
 * the pages its files hold (ENOSPC beyond).
 *
 * Memory mappings go through the page cache (fs/pagecache.h, keyed by the
 * vnode's address): writes, truncation and hole punching update cached
 * pages, reads overlay pages stored into through shared mappings, and
 * write-back comes back through ram_write.  The cache holds its own copies
 * of mapped pages (a mapped page is held twice).
 *
 * Lifetime: a removed file's vnode is marked unlinked and taken out of its
 * directory; its data is freed when the last open file on it closes (the
 * small vnode record itself is kept, so stale nodes stay valid).
 *
 * Hard links: a file's vnode is in the directory of its first name; each
 * further name is a small VN_ALIAS entry pointing at it (lookups and
 * readdir see the file through it).  Removing the file's own name while
 * aliases remain moves the vnode into the place of one alias, so the vnode
 * stays in a directory until its last name goes.  mknod's FIFOs, sockets
 * and devices are VN_NODE vnodes (no data).
 */
#include "fs/vfs_impl.h"
#include "fs/pagecache.h"
#include "syscalls/misc.h"

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define FALLOC_FL_KEEP_SIZE 1
#define FALLOC_FL_PUNCH_HOLE 2
#define RT_BITS 9                      /* index bits per radix tree level */
#define RT_FAN (1 << RT_BITS)          /* entries per node (one page of pointers) */
#define RT_LEVELS 4                    /* levels: 2^36 pages */
#define RAM_MAX_FILE (1UL << (12 + RT_BITS * RT_LEVELS))   /* 256 TiB of pages (size may be larger) */
#define NO_PAGE (~0UL)

bool node_is_ram(struct node n)
{
    return n.v != NULL && n.v->ram;
}

static void touch(struct vnode *v)
{
    v->mtime = v->ctime = realtime_ns();
}

/* A tmpfs directory called name under parent (mode 1777). */
struct vnode *ramfs_mount(struct vnode *parent, const char *name)
{
    struct vnode *v = vnode_add(parent, name, VN_DIR, S_IFDIR | 01777);
    if (v == NULL)
        return NULL;
    v->ram = true;
    v->dev = VFS_DEV_TMPFS;
    v->atime = realtime_ns();
    touch(v);
    return v;
}

/* A fresh tmpfs instance's root directory: in no directory (a mount shows
 * it), st_dev dev, permissions mode, size limit in sb. */
struct vnode *ramfs_new_root(u64 dev, u32 mode, struct tmpfs_sb *sb)
{
    extern const struct node_ops vnode_ops;
    static u64 next_root_ino = 0x3ff00000;
    struct vnode *v = kzalloc(sizeof(*v));
    if (v == NULL)
        return NULL;
    v->name = "/";
    v->kind = VN_DIR;
    v->mode = S_IFDIR | (mode & 07777);
    v->ino = next_root_ino++;
    v->dev = dev;
    v->nops = &vnode_ops;
    v->ram = true;
    v->sb = sb;
    v->atime = realtime_ns();
    touch(v);
    return v;
}

/* ------------------------------------------------------- sparse page store */

/* Bytes of pages held by files of the built-in tmpfs instances (/tmp,
 * /dev/shm, memfds: no tmpfs_sb), which statfs counts as used. */
static u64 builtin_used;

/* statfs of the built-in tmpfs: as Linux's default size= (half the RAM),
 * less the pages its files hold, and never more than the memory free. */
void tmpfs_builtin_statfs(u64 *blocks, u64 *bfree)
{
    u64 lim = mem_total_bytes() / 2, free = mem_free_bytes();
    *blocks = lim / PAGE_SIZE;
    *bfree = MIN(lim - MIN(builtin_used, lim), free) / PAGE_SIZE;
}

static const u8 zero_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* A zeroed page frame (a data page or a radix tree node), NULL when out of
 * memory (after dropping unmapped page cache pages). */
static void *frame_new(void)
{
    u64 pa = page_alloc();
    if (pa == 0 && pagecache_shrink() > 0)
        pa = page_alloc();
    return pa != 0 ? phys_to_virt(pa) : NULL;      /* page_alloc zeroes the frame */
}

static void frame_free(void *p)
{
    page_free(virt_to_phys(p));
}

/* A leaf slot holds a data page's address, with bit 0 set while the page
 * was only allocated (fallocate) and never written: it reads as zeros and
 * counts in st_blocks, but SEEK_DATA/SEEK_HOLE see a hole there, as Linux's
 * tmpfs (its fallocated pages are not up to date until written). */
#define PG_UNWRITTEN 1UL
#define PG_ADDR(e) ((u8 *)((u64)(e) & ~PG_UNWRITTEN))
#define PG_DATA(e) ((e) != NULL && ((u64)(e) & PG_UNWRITTEN) == 0)

/* The leaf slot of page idx of v, or NULL when no leaf node covers it. */
static void **page_slot(struct vnode *v, u64 idx)
{
    void **n = v->pages;
    if (idx >= RAM_MAX_FILE / PAGE_SIZE)
        return NULL;
    for (int lvl = RT_LEVELS - 1; n != NULL && lvl > 0; lvl--)
        n = n[(idx >> (RT_BITS * lvl)) & (RT_FAN - 1)];
    return n != NULL ? &n[idx & (RT_FAN - 1)] : NULL;
}

/* The data page idx of v, or NULL in a hole. */
static u8 *page_get(struct vnode *v, u64 idx)
{
    void **slot = page_slot(v, idx);
    return slot != NULL ? PG_ADDR(*slot) : NULL;
}

/* Does page idx of v hold written data (for SEEK_DATA/SEEK_HOLE)? */
static bool page_is_data(struct vnode *v, u64 idx)
{
    void **slot = page_slot(v, idx);
    return slot != NULL && PG_DATA(*slot);
}

/* The data page idx of v, allocated (zeroed) if it is a hole: 0 and *out,
 * -ENOSPC past the instance's size limit or when out of memory.  write:
 * the caller stores into it (else it is only allocated). */
static int page_make(struct vnode *v, u64 idx, bool write, u8 **out)
{
    void ***slot = (void ***)&v->pages;
    for (int lvl = RT_LEVELS - 1; lvl > 0; lvl--) {
        if (*slot == NULL && (*slot = frame_new()) == NULL)
            return -ENOSPC;
        slot = (void ***)&(*slot)[(idx >> (RT_BITS * lvl)) & (RT_FAN - 1)];
    }
    if (*slot == NULL && (*slot = frame_new()) == NULL)   /* the leaf node */
        return -ENOSPC;
    void **pg = &(*slot)[idx & (RT_FAN - 1)];
    if (*pg == NULL) {
        struct tmpfs_sb *sb = v->sb;
        u8 *p;
        if (sb != NULL && sb->limit != 0 && sb->used + PAGE_SIZE > sb->limit)
            return -ENOSPC;
        if ((p = frame_new()) == NULL)
            return -ENOSPC;
        *pg = (void *)((u64)p | PG_UNWRITTEN);
        v->npages++;
        if (sb != NULL)
            sb->used += PAGE_SIZE;
        else
            builtin_used += PAGE_SIZE;
    }
    if (write)
        *pg = PG_ADDR(*pg);
    *out = PG_ADDR(*pg);
    return 0;
}

/* Free v's pages with an index in [first, last] under node n of level lvl
 * (its first index base); true when n holds nothing any more. */
static bool rt_free(struct vnode *v, void **n, int lvl, u64 base, u64 first, u64 last)
{
    u64 span = 1UL << (RT_BITS * lvl);
    bool empty = true;
    for (u64 i = 0; i < RT_FAN; i++) {
        u64 lo = base + i * span, hi = lo + span - 1;
        if (n[i] != NULL && hi >= first && lo <= last) {
            if (lvl == 0) {
                frame_free(PG_ADDR(n[i]));
                n[i] = NULL;
                v->npages--;
                if (v->sb != NULL)
                    v->sb->used -= PAGE_SIZE;
                else
                    builtin_used -= PAGE_SIZE;
            } else if (rt_free(v, n[i], lvl - 1, lo, first, last)) {
                frame_free(n[i]);
                n[i] = NULL;
            }
        }
        empty = empty && n[i] == NULL;
    }
    return empty;
}

/* Free v's pages with an index in [first, last]. */
static void pages_drop(struct vnode *v, u64 first, u64 last)
{
    if (v->pages != NULL && first <= last && rt_free(v, v->pages, RT_LEVELS - 1, 0, first, last)) {
        frame_free(v->pages);
        v->pages = NULL;
    }
}

/* The first index >= from under node n (level lvl, first index base) that
 * holds a page (a written one when data), or NO_PAGE. */
static u64 rt_next(void **n, int lvl, u64 base, u64 from, bool data)
{
    u64 span = 1UL << (RT_BITS * lvl);
    u64 i = from > base ? (from - base) / span : 0;
    for (; i < RT_FAN; i++) {
        if (n[i] == NULL || (lvl == 0 && data && !PG_DATA(n[i])))
            continue;
        u64 lo = base + i * span;
        if (lvl == 0)
            return lo;
        u64 r = rt_next(n[i], lvl - 1, lo, MAX(from, lo), data);
        if (r != NO_PAGE)
            return r;
    }
    return NO_PAGE;
}

/* The first page index >= from of v that is allocated (written, when data). */
static u64 next_page(struct vnode *v, u64 from, bool data)
{
    return v->pages != NULL ? rt_next(v->pages, RT_LEVELS - 1, 0, from, data) : NO_PAGE;
}

/* Zero bytes [from, to) of v that lie in one page (nothing in a hole). */
static void zero_in_page(struct vnode *v, u64 from, u64 to)
{
    u8 *p = from < to ? page_get(v, from / PAGE_SIZE) : NULL;
    if (p != NULL)
        memset(p + from % PAGE_SIZE, 0, to - from);
}

int ramfs_create(struct vnode *dir, const char *name, u8 kind, u32 mode, const char *target,
                 struct vnode **out)
{
    if (!dir->ram || dir->unlinked)
        return dir->unlinked ? -ENOENT : -EROFS;
    if (vnode_find(dir, name, strlen(name)) != NULL)
        return -EEXIST;
    u32 type = kind == VN_DIR ? S_IFDIR : kind == VN_LINK ? S_IFLNK
             : kind == VN_NODE ? (mode & S_IFMT) : S_IFREG;
    u32 perm = kind == VN_LINK ? 0777 : (mode & 07777 & ~process_umask());
    char *t = NULL;
    if (kind == VN_LINK) {
        size_t tl = strlen(target);
        t = kmalloc(tl + 1);
        if (t == NULL)
            return -ENOMEM;
        memcpy(t, target, tl + 1);
    }
    struct vnode *v = vnode_add(dir, name, kind, type | perm);
    if (v == NULL) {
        kfree(t);
        return -ENOMEM;
    }
    v->ram = true;
    v->sb = dir->sb;
    v->uid = process_fsuid();          /* the creator's; create_in applies set-gid dirs */
    v->gid = process_fsgid();
    v->ltarget = t;
    v->size = t != NULL ? strlen(t) : 0;
    v->atime = realtime_ns();
    touch(v);
    touch(dir);
    *out = v;
    return 0;
}

/* Take v out of its directory's child list. */
static void detach(struct vnode *v)
{
    struct vnode **pp = &v->parent->child;
    while (*pp != NULL && *pp != v)
        pp = &(*pp)->sibling;
    if (*pp == v)
        *pp = v->sibling;
    v->sibling = NULL;
    touch(v->parent);
}

struct vnode *ramfs_target(struct vnode *e)
{
    return e->kind == VN_ALIAS ? e->alias : e;
}

/* Put v where directory entry a was (same directory, same position). */
static void take_place(struct vnode *v, struct vnode *a)
{
    struct vnode **pp = &a->parent->child;
    while (*pp != NULL && *pp != a)
        pp = &(*pp)->sibling;
    if (*pp == a)
        *pp = v;
    v->sibling = a->sibling;
    v->parent = a->parent;
    a->sibling = NULL;
}

/* Unchain alias entry a from its file's list. */
static void alias_unchain(struct vnode *a)
{
    struct vnode **pp = &a->alias->alias_next;
    while (*pp != NULL && *pp != a)
        pp = &(*pp)->alias_next;
    if (*pp == a)
        *pp = a->alias_next;
    a->alias->links--;
    a->alias->ctime = realtime_ns();
}

/* Drop one name of file v that has aliases: alias entry a goes, or (a is v
 * itself) v moves into its first alias's place.  0 or -ENOMEM. */
static int unname(struct vnode *a)
{
    if (a->kind == VN_ALIAS) {
        detach(a);
        alias_unchain(a);
        kfree(a);
        return 0;
    }
    struct vnode *first = a->alias_next;
    size_t len = strlen(first->name);
    char *nm = kmalloc(len + 1);
    if (nm == NULL)
        return -ENOMEM;
    memcpy(nm, first->name, len + 1);
    detach(a);
    alias_unchain(first);
    take_place(a, first);
    a->name = nm;                      /* the old name may be inline: not freed */
    kfree(first);
    return 0;
}

static int rename_name(struct vnode *v, const char *name);

/* Give the unnamed O_TMPFILE file v its name in dir (as Linux, only once). */
static int relink(struct vnode *v, struct vnode *dir, const char *name)
{
    int r = rename_name(v, name);
    if (r < 0)
        return r;
    v->parent = dir;
    struct vnode **pp = &dir->child;
    while (*pp != NULL)
        pp = &(*pp)->sibling;
    *pp = v;
    v->unlinked = false;
    v->linkable = false;
    v->ctime = realtime_ns();
    touch(dir);
    return 0;
}

int ramfs_link(struct vnode *v, struct vnode *dir, const char *name)
{
    if (v->unlinked && !v->linkable)
        return -ENOENT;
    if (vnode_find(dir, name, strlen(name)) != NULL)
        return -EEXIST;
    if (v->unlinked)
        return relink(v, dir, name);
    struct vnode *a = vnode_add(dir, name, VN_ALIAS, v->mode & S_IFMT);
    if (a == NULL)
        return -ENOMEM;
    a->ram = true;
    a->alias = v;
    a->alias_next = v->alias_next;
    v->alias_next = a;
    v->links++;
    v->ctime = realtime_ns();
    touch(dir);
    return 0;
}

static void drop_data(struct vnode *v)
{
    if (v->unlinked && v->opens == 0) {
        pagecache_forget((u64)v);
        pages_drop(v, 0, NO_PAGE);
        v->size = 0;
    }
}

int ramfs_remove(struct vnode *v, bool dir)
{
    if (!v->ram || v->parent == NULL || !v->parent->ram)
        return -EBUSY;                 /* a mount point */
    if (!dir && ramfs_target(v)->links > 0)
        return unname(v);              /* the file keeps another name */
    if (dir && v->kind != VN_DIR)
        return -ENOTDIR;
    if (!dir && v->kind == VN_DIR)
        return -EISDIR;
    if (dir && v->child != NULL)
        return -ENOTEMPTY;
    detach(v);
    v->unlinked = true;
    v->ctime = realtime_ns();
    drop_data(v);
    return 0;
}

/* Is a inside the subtree of d (or d itself)? */
static bool within(struct vnode *a, struct vnode *d)
{
    for (; a != NULL; a = a->parent)
        if (a == d)
            return true;
    return false;
}

static int rename_name(struct vnode *v, const char *name)
{
    size_t len = strlen(name);
    char *nm = kmalloc(len + 1);
    if (nm == NULL)
        return -ENOMEM;
    memcpy(nm, name, len + 1);
    v->name = nm;                      /* the old name may be inline: not freed */
    return 0;
}

/* Move v to newdir/name, replacing victim (the existing entry, or NULL). */
int ramfs_rename(struct vnode *v, struct vnode *newdir, const char *name, struct vnode *victim,
                 unsigned flags)
{
    if (!newdir->ram || !v->ram || v->parent == NULL || !v->parent->ram)
        return -EXDEV;
    if (victim != NULL && ramfs_target(victim) == ramfs_target(v))
        return 0;                      /* two names of one file: nothing to do */
    if ((flags & RENAME_EXCHANGE) != 0)
        return -EINVAL;
    if (v->kind == VN_DIR && within(newdir, v))
        return -EINVAL;
    if (victim != NULL) {
        if ((flags & RENAME_NOREPLACE) != 0)
            return -EEXIST;
        if (v->kind == VN_DIR && ramfs_target(victim)->kind != VN_DIR)
            return -ENOTDIR;
        if (v->kind != VN_DIR && victim->kind == VN_DIR)
            return -EISDIR;
        if (victim->kind == VN_DIR && victim->child != NULL)
            return -ENOTEMPTY;
    }
    int r = rename_name(v, name);
    if (r < 0)
        return r;
    if (victim != NULL)
        ramfs_remove(victim, victim->kind == VN_DIR);
    detach(v);
    v->parent = newdir;
    struct vnode **pp = &newdir->child;
    while (*pp != NULL)
        pp = &(*pp)->sibling;
    *pp = v;
    ramfs_target(v)->ctime = realtime_ns();
    touch(newdir);
    return 0;
}

int ramfs_truncate(struct vnode *v, u64 len)
{
    if (v->kind != VN_RAMFILE)
        return v->kind == VN_DIR ? -EISDIR : -EINVAL;
    if (len < v->size) {
        /* Pages wholly past the new end are freed; the rest of the last
         * page is zeroed, so a later extension reads zeros there. */
        zero_in_page(v, len, ALIGN_UP(len, (u64)PAGE_SIZE));
        pages_drop(v, ALIGN_UP(len, (u64)PAGE_SIZE) / PAGE_SIZE, NO_PAGE);
    }
    pagecache_resize((u64)v, v->size, len);
    v->size = len;
    touch(v);
    return 0;
}

int ramfs_fallocate(struct vnode *v, int mode, u64 off, u64 len)
{
    if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) != 0)
        return -EOPNOTSUPP;
    if (off + len > 0x7fffffffffffffffUL)
        return -EFBIG;
    u64 end = off + len;
    if ((mode & FALLOC_FL_PUNCH_HOLE) != 0) {
        end = MIN(end, RAM_MAX_FILE);  /* no pages past the page store's reach */
        if (off >= end)
            return 0;
        /* partial pages at either end are zeroed, whole pages freed; in
         * the page cache partial pages are zeroed like a write, whole ones
         * zeroed and cleaned (nothing to write back into the hole) */
        u64 first = ALIGN_UP(off, (u64)PAGE_SIZE) / PAGE_SIZE, stop = end / PAGE_SIZE;
        u64 head = MIN(first * PAGE_SIZE, end), tail = MAX(stop * PAGE_SIZE, head);
        zero_in_page(v, off, head);
        pagecache_write((u64)v, off, zero_page, (size_t)(head - off));
        zero_in_page(v, tail, end);
        pagecache_write((u64)v, tail, zero_page, (size_t)(end - tail));
        if (first < stop) {
            pages_drop(v, first, stop - 1);
            pagecache_punch((u64)v, first, stop - 1);
        }
        touch(v);
        return 0;
    }
    /* Allocate every page of the range: all or (when the size limit cannot
     * take the missing ones) nothing. */
    if (end > RAM_MAX_FILE)
        return -ENOSPC;                /* past what the page store can index */
    u64 first = off / PAGE_SIZE, last = (end - 1) / PAGE_SIZE, missing = 0;
    for (u64 i = first; i <= last; i++) {
        u64 d = next_page(v, i, false);
        if (d == i)
            continue;
        u64 to = MIN(d == NO_PAGE ? last : d - 1, last);
        missing += to - i + 1;
        i = to;
    }
    struct tmpfs_sb *sb = v->sb;
    if (sb != NULL && sb->limit != 0 && sb->used + missing * PAGE_SIZE > sb->limit)
        return -ENOSPC;
    for (u64 i = first; i <= last; i++) {
        u8 *p;
        int r = page_make(v, i, false, &p);
        if (r < 0)
            return r;                  /* out of memory: the pages made so far stay (zeros) */
    }
    if ((mode & FALLOC_FL_KEEP_SIZE) == 0 && end > v->size) {
        pagecache_resize((u64)v, v->size, end);
        v->size = end;
    }
    touch(v);
    return 0;
}

long ramfs_seek_hole_data(struct vnode *v, u64 off, bool data)
{
    if (off >= v->size)
        return -ENXIO;
    u64 idx = off / PAGE_SIZE, at;
    if (data) {
        u64 d = next_page(v, idx, true);
        if (d == NO_PAGE)
            return -ENXIO;
        at = d == idx ? off : d * PAGE_SIZE;
        return at < v->size ? (long)at : -ENXIO;
    }
    while (page_is_data(v, idx))
        idx++;
    at = MAX(off, idx * PAGE_SIZE);
    return (long)MIN(at, v->size);
}

static long ram_read(struct file *f, void *buf, size_t n, u64 off)
{
    struct vnode *v = f->node.v;
    size_t k = clip_read(v->size, off, n);
    for (size_t done = 0; done < k;) {
        u64 at = off + done, in = at % PAGE_SIZE;
        size_t c = (size_t)MIN((u64)(k - done), PAGE_SIZE - in);
        const u8 *p = page_get(v, at / PAGE_SIZE);
        memcpy((u8 *)buf + done, p != NULL ? p + in : zero_page, c);
        done += c;
    }
    pagecache_overlay((u64)v, off, buf, k);   /* stores through shared mappings */
    return (long)k;
}

static long ram_write(struct file *f, const void *buf, size_t n, u64 off)
{
    struct vnode *v = f->node.v;
    if (off >= RAM_MAX_FILE)
        return -EFBIG;
    n = (size_t)MIN((u64)n, RAM_MAX_FILE - off);
    size_t done = 0;
    int r = 0;
    while (done < n) {
        /* a full tmpfs takes what fits: a short write, ENOSPC when nothing does */
        u64 at = off + done, in = at % PAGE_SIZE;
        size_t c = (size_t)MIN((u64)(n - done), PAGE_SIZE - in);
        u8 *p;
        if ((r = page_make(v, at / PAGE_SIZE, true, &p)) < 0)
            break;
        memcpy(p + in, (const u8 *)buf + done, c);
        done += c;
    }
    if (done == 0)
        return n == 0 ? 0 : r;
    if (off > v->size)
        pagecache_resize((u64)v, v->size, off);   /* the hole reads as zero */
    pagecache_write((u64)v, off, buf, done);
    v->size = MAX(v->size, off + done);
    touch(v);
    return (long)done;
}

/* The bytes at off up to the end of their page: the file's page, or zeros
 * in a hole.  While pages are stored into through shared mappings, their
 * newer bytes are first copied into the file's page (made if needed). */
static long ram_peek(struct file *f, u64 off, const void **p)
{
    struct vnode *v = f->node.v;
    if (off >= v->size)
        return 0;
    u64 idx = off / PAGE_SIZE, in = off % PAGE_SIZE;
    u64 k = MIN(v->size - off, PAGE_SIZE - in);
    u8 *pg = page_get(v, idx);
    if (pagecache_active((u64)v) && pagecache_lookup((u64)v, idx) != 0) {
        if (page_make(v, idx, true, &pg) < 0)
            return -ENOMEM;
        pagecache_overlay((u64)v, off, pg + in, (size_t)k);
    }
    *p = pg != NULL ? pg + in : zero_page + in;
    return (long)k;
}

static long ram_size(struct file *f)
{
    return (long)f->node.v->size;
}

static void ram_release(struct file *f)
{
    struct vnode *v = f->node.v;
    v->opens--;
    drop_data(v);
}

static const struct file_ops ram_fops = {
    .read = ram_read,
    .peek = ram_peek,
    .write = ram_write,
    .size = ram_size,
    .release = ram_release,
};

/* Open a tmpfs regular file (O_TRUNC with write access empties it). */
int ramfs_open(struct vnode *v, struct file *f)
{
    if ((f->flags & O_TRUNC) != 0 && (f->flags & O_ACCMODE) != O_RDONLY) {
        int r = ramfs_truncate(v, 0);
        if (r < 0)
            return r;
    }
    f->ops = &ram_fops;
    v->opens++;
    return 0;
}

void ramfs_stat(struct vnode *v, struct kstat *st)
{
    st->size = v->kind == VN_DIR ? 4096 : v->size;
    st->blocks = v->kind == VN_DIR ? 0 : v->npages * (PAGE_SIZE / 512);
    st->atime = v->atime;
    st->mtime = v->mtime;
    st->ctime = v->ctime;
    st->uid = v->uid;
    st->gid = v->gid;
    if (v->kind != VN_DIR)
        st->nlink = 1 + v->links;
    st->nlink = v->unlinked ? 0 : st->nlink;
}

/* An anonymous tmpfs file for memfd_create: created and at once unlinked in
 * a directory that is not in the namespace.  0 and *out, or -errno. */
int ramfs_memfd(const char *name, struct vnode **out)
{
    extern const struct node_ops vnode_ops;
    static struct vnode memfd_dir = { .name = "memfd:", .kind = VN_DIR, .mode = S_IFDIR | 01777,
                                      .ram = true, .dev = VFS_DEV_TMPFS, .ino = 0x3fffffff };
    memfd_dir.nops = &vnode_ops;
    struct vnode *v;
    int r = ramfs_create(&memfd_dir, name, VN_RAMFILE, 0777, NULL, &v);
    if (r < 0)
        return r;
    ramfs_remove(v, false);
    *out = v;
    return 0;
}

/* ------------------------------------------------- seeding from the image */

#define SEED_DEPTH_MAX 64

struct seed_ent {
    char name[VFS_NAME_MAX + 1];
    u64 next;
    bool found;
};

/* readdir callback: keep the first entry only. */
static int seed_emit(void *ctx, const char *name, size_t len, u64 ino, u8 dtype, u64 next)
{
    struct seed_ent *e = ctx;
    (void)ino;
    (void)dtype;
    if (len > VFS_NAME_MAX)
        return 0;                      /* cannot exist in a tmpfs: skip */
    memcpy(e->name, name, len);
    e->name[len] = '\0';
    e->next = next;
    e->found = true;
    return 1;
}

/* Copy the contents of regular file src (size bytes) into tmpfs file v. */
static int seed_data(struct vnode *v, struct node src, u64 size)
{
    struct file *f;
    if (size == 0)
        return 0;
    if (size > RAM_MAX_FILE)
        return -EFBIG;
    int r = node_open(src, v->name, O_RDONLY, &f);
    if (r < 0)
        return r;
    while (v->size < size) {
        u8 *p;
        u64 in = v->size % PAGE_SIZE;
        if ((r = page_make(v, v->size / PAGE_SIZE, true, &p)) < 0)
            break;
        long n = f->ops->read(f, p + in, (size_t)MIN(size - v->size, PAGE_SIZE - in), v->size);
        if (n <= 0) {
            r = n < 0 ? (int)n : -EIO;
            break;
        }
        v->size += (u64)n;
    }
    file_put(f);
    return r < 0 ? r : 0;
}

/* Make the tmpfs copy of one image object (stat st) called name in dir. */
static int seed_one(struct vnode *dir, const char *name, struct node src, const struct kstat *st,
                    int depth)
{
    const struct node_ops *o = node_ops_of(src);
    char target[VFS_PATH_MAX];
    struct vnode *v = NULL;
    int r;
    if (S_ISDIR(st->mode)) {
        r = ramfs_create(dir, name, VN_DIR, 0700, NULL, &v);
        if (r == 0)
            r = ramfs_seed(v, src, depth + 1);
    } else if (S_ISLNK(st->mode)) {
        long n = o->readlink != NULL ? o->readlink(src, target, sizeof(target) - 1) : -EINVAL;
        if (n < 0)
            return (int)n;
        target[n] = '\0';
        r = ramfs_create(dir, name, VN_LINK, 0777, target, &v);
    } else if (S_ISREG(st->mode)) {
        r = ramfs_create(dir, name, VN_RAMFILE, 0600, NULL, &v);
        if (r == 0)
            r = seed_data(v, src, st->size);
    } else {                           /* FIFOs, sockets, devices: the node */
        r = ramfs_create(dir, name, VN_NODE, st->mode, NULL, &v);
        if (r == 0)
            v->rdev = (st->mode & S_IFMT) == S_IFCHR || (st->mode & S_IFMT) == S_IFBLK ? st->rdev : 0;
    }
    if (v != NULL) {
        v->mode = (v->mode & S_IFMT) | (st->mode & 07777);
        v->uid = st->uid;
        v->gid = st->gid;
        v->atime = st->atime;
        v->mtime = st->mtime;
        v->ctime = st->ctime;
    }
    return r;
}

/* Copy what image directory src holds into the tmpfs directory dir (a tmpfs
 * mounted over it hides it): files with their contents, directories
 * (recursively), symlinks, FIFOs, sockets and device nodes, with modes and
 * times (hard links become separate copies).
 * Called at mount, before the program runs.  0, or the first -errno (what
 * was copied until then stays). */
int ramfs_seed(struct vnode *dir, struct node src, int depth)
{
    const struct node_ops *o = node_ops_of(src);
    struct seed_ent e;
    u64 pos = 0;
    if (depth > SEED_DEPTH_MAX)
        return -ELOOP;
    if (o->readdir == NULL || o->lookup == NULL || o->stat == NULL)
        return -ENOTDIR;
    for (;;) {
        e.found = false;
        int r = o->readdir(src, pos, seed_emit, &e);
        if (r < 0)
            return r;
        if (!e.found)
            return 0;
        pos = e.next;
        if (strcmp(e.name, ".") == 0 || strcmp(e.name, "..") == 0)
            continue;
        struct node child;
        struct kstat st;
        memset(&st, 0, sizeof(st));
        r = o->lookup(src, e.name, strlen(e.name), &child);
        if (r == 0)
            r = node_ops_of(child)->stat(child, &st);
        if (r == 0)
            r = seed_one(dir, e.name, child, &st, depth);
        if (r < 0)
            return r;
    }
}
