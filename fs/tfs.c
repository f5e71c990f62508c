/*
 * tfs.c - the TFS volume as the kernel's root filesystem: mounting it over a
 * block device (fs_init), the manifest, the node/file methods for TFS
 * objects (lookup, stat, readlink, read, write, directory listing) and the
 * namespace changes the fs syscalls make on it (create, remove, link,
 * rename, truncate, fallocate, chmod, times, fsync).
 *
 * Writes go straight to the volume: file data into its extents on the
 * device (fresh blocks for holes and appends), metadata as log records that
 * tfs_format.c keeps pending in memory until the next sync.  fsync,
 * fdatasync, sync, syncfs, O_SYNC/O_DSYNC writes and kernel_exit (through
 * fs_sync_all) call tfs_sync: pending records are written after a device
 * flush (so the data they point at is durable first), then flushed
 * themselves; after a small write, one flush does both (a batch header
 * checksums the data, see "batch headers" in tfs_format.c).  After a sync the log is compacted when it has grown to
 * several times its size after the last compaction (garbage).
 *
 * Link counts: a file's "nlink" key (absent = 1) counts its directory
 * entries.  A file whose last entry is removed while it is open stays an
 * object until its last close (nlink reads 0); a crash in between leaves an
 * orphan, which tfs_reclaim deletes at the next mount.  Directories are
 * held the same way by open fds and by being a cwd or root (tfs_node_pin):
 * a removed one stays an empty object, nlink 0, that takes no new entries
 * and lists nothing, until the last holder goes.  Directory link
 * counts (2 + subdirectories) are computed once per directory and cached,
 * since stat is hot (python); every directory change drops the cache.
 * The root directory is overlaid with the virtual entries of
 * vfs_root_vnode() (/dev, /proc): they win over TFS entries of the same
 * name in lookups and listings.  Read-ahead windows of open files carry the
 * file's write generation they were filled at and are refilled once any
 * write, truncate or fallocate of that file has changed it.
 */
#include "fs/vfs_impl.h"
#include "fs/pagecache.h"
#include "fs/tfs_format.h"

static struct tfs *rootfs;
static struct blockdev *rootdev;
static u64 log_base;                   /* log blocks after mount or the last compaction */

static bool open_busy(void *ctx, u64 id);
static int opened_get(u64 id);

/* ------------------------------------------------------------ mount glue */

static int io_read(void *ctx, u64 off, void *buf, u64 len)
{
    return blockdev_read_bytes(ctx, off, buf, len);
}

static int io_write(void *ctx, u64 off, const void *buf, u64 len)
{
    return blockdev_write_bytes(ctx, off, buf, len);
}

static int io_flush(void *ctx)
{
    struct blockdev *d = ctx;
    return d->flush != NULL ? d->flush(d) : 0;
}

long tfs_kernel_inflate(void *ctx, const void *src, u64 slen, void *dst, u64 dlen);   /* fs/zinflate.c */

/* Mount the TFS volume on d.  0, or -errno with the reason logged. */
int tfs_mount(struct blockdev *d)
{
    static struct tfs_io io;
    char err[160];
    io.ctx = d;
    io.read = io_read;
    io.write = io_write;
    io.flush = io_flush;
    io.size = d->sectors * SECTOR_SIZE;
    io.inflate = tfs_kernel_inflate;
    err[0] = '\0';
    int r = tfs_open(kernel_heap, &io, &rootfs, err, sizeof(err));
    if (r < 0) {
        klog("solo: %s: not a valid TFS volume: %s (error %d)", d->name, err, -r);
        rootfs = NULL;
        return r;
    }
    rootdev = d;
    long n = tfs_reclaim(rootfs, open_busy, NULL);
    if (n > 0) {
        klog("solo: %s: freed %ld orphaned objects", d->name, n);
        tfs_sync(rootfs);
    }
    log_base = tfs_log_blocks(rootfs);
    return 0;
}

static u64 exe_id;                     /* the program's TFS object, held for the whole run */

/* As Linux's mm->exe_file: the program's file stays an object while it
 * runs, even once unlinked (its pages load on demand; /proc/self/exe then
 * reads "... (deleted)").  A crash leaves it an orphan for the next mount. */
static void exe_hold(void)
{
    struct node x;
    const char *p = vfs_exe_path();
    if (p[0] == '/' && vfs_resolve_canonical(p, &x, NULL) == 0 && x.v == NULL && opened_get(x.id) == 0)
        exe_id = x.id;
}

bool tfs_exe_unlinked(void)
{
    return exe_id != 0 && tfs_node_unlinked(exe_id);
}

bool tfs_is_exe(u64 id)
{
    return exe_id != 0 && id == exe_id;
}

int fs_init(struct blockdev *d)
{
    int r = tfs_mount(d);
    if (r < 0)
        return r;
    struct tuple *root = tfs_get(rootfs, TFS_ID_ROOT);
    if (root == NULL || !S_ISDIR(tuple_get_u64(root, "mode", 0))) {
        klog("solo: %s: the TFS volume has no root directory", d->name);
        return -EUCLEAN;
    }
    special_init();
    const char *cwd = tuple_get_str(fs_manifest(), "cwd");
    if (cwd != NULL && cwd[0] != '\0') {
        struct lookup *lk = lookup_alloc();
        if (lk != NULL && vfs_lookup(AT_FDCWD, cwd, LOOKUP_FOLLOW, lk) == 0)
            vfs_chdir_node(lk->node, lk->path);
        else
            klog("solo: manifest cwd %s not usable; staying in /", cwd);
        lookup_free(lk);
    }
    exe_hold();
    return 0;
}

struct tuple *fs_manifest(void)
{
    return rootfs != NULL ? tfs_manifest(rootfs) : NULL;
}

struct tuple *tfs_root_manifest(void)
{
    return fs_manifest();
}

/* Compact the log once garbage dominates it (records superseded by later
 * ones); the new log holds one record per live object. */
static void maybe_compact(void)
{
    u64 n = tfs_log_blocks(rootfs), total, bfree;
    tfs_statfs(rootfs, &total, &bfree);
    if (n < 4 * log_base || n < log_base + MIN(total / 16, (u64)1024))
        return;
    int r = tfs_compact(rootfs);
    if (r < 0)
        klog("solo: tfs: log compaction failed (error %d); the old log stays", -r);
    log_base = tfs_log_blocks(rootfs);
}

/* Make every change durable.  0 or -EIO. */
static int root_sync(void)
{
    if (rootfs == NULL)
        return 0;
    int r = tfs_sync(rootfs);
    if (r < 0) {
        klog("solo: tfs: sync failed (error %d)", -r);
        return -EIO;
    }
    maybe_compact();
    return 0;
}

/* Dirty pages of shared file mappings are written first (fs/pagecache.h). */
void fs_sync_all(void)
{
    pagecache_writeback_all();
    root_sync();
}

void tfs_sync_root(void)
{
    root_sync();
}

int tfs_node_fsync(u64 id)
{
    int r = pagecache_writeback(id, 0, ~0UL);      /* its pages stored into through mappings */
    int s = root_sync();               /* one log: syncing a file syncs the volume */
    return r < 0 ? -EIO : s;
}

void tfs_root_statfs(u64 *blocks, u64 *bfree)
{
    *blocks = *bfree = 0;
    if (rootfs != NULL)
        tfs_statfs(rootfs, blocks, bfree);
}

int tfs_statfs_blocks(u64 *blocks)
{
    if (rootdev == NULL)
        return -ENODEV;
    *blocks = rootdev->sectors * SECTOR_SIZE / TFS_BLOCK_SIZE;
    return 0;
}

const char *vfs_exe_path(void)
{
    const char *p = tuple_get_str(fs_manifest(), "program");
    return p != NULL ? p : "";
}

/* -------------------------------------------------------- link-count cache */

struct nlink_slot { u64 id; u64 nlink; };
static struct nlink_slot *nl_tab;
static size_t nl_cap, nl_used;

/* Forget every cached directory link count (a directory changed). */
static void nl_reset(void)
{
    if (nl_tab != NULL)
        memset(nl_tab, 0, nl_cap * sizeof(*nl_tab));
    nl_used = 0;
}

static struct nlink_slot *nl_find(u64 id)
{
    if (nl_cap == 0)
        return NULL;
    size_t i = (size_t)(id * 0x9e3779b97f4a7c15UL) & (nl_cap - 1);
    while (nl_tab[i].id != 0 && nl_tab[i].id != id)
        i = (i + 1) & (nl_cap - 1);
    return &nl_tab[i];
}

static void nl_insert(u64 id, u64 nlink)
{
    if ((nl_used + 1) * 2 > nl_cap) {
        size_t ncap = nl_cap == 0 ? 256 : nl_cap * 2;
        struct nlink_slot *old = nl_tab, *n = kzalloc(ncap * sizeof(*n));
        size_t ocap = nl_cap;
        if (n == NULL)
            return;
        nl_tab = n;
        nl_cap = ncap;
        for (size_t i = 0; i < ocap; i++)
            if (old[i].id != 0)
                *nl_find(old[i].id) = old[i];
        kfree(old);
    }
    struct nlink_slot *s = nl_find(id);
    if (s->id == 0)
        nl_used++;
    s->id = id;
    s->nlink = nlink;
}

static int count_subdir(void *ctx, const u8 *k, size_t kl, const struct value *v)
{
    u64 *n = ctx;
    if (v->kind == VALUE_REF) {
        struct tuple *c = tfs_get(rootfs, v->u.n);
        if (c != NULL && S_ISDIR(tuple_get_u64(c, "mode", 0)))
            (*n)++;
    }
    return 0;
}

static u64 dir_nlink(u64 id, const struct tuple *t)
{
    struct nlink_slot *s = nl_find(id);
    if (s != NULL && s->id == id)
        return s->nlink;
    u64 n = 2;
    struct tuple *ch = tuple_get_tuple(t, "children");
    if (ch != NULL)
        tuple_iter(ch, count_subdir, &n);
    struct vnode *ov = tfs_overlay(id);
    for (struct vnode *v = ov != NULL ? ov->child : NULL; v != NULL; v = v->sibling)
        if (S_ISDIR(v->mode) && tfs_lookup(rootfs, id, v->name, strlen(v->name)) == 0)
            n++;
    nl_insert(id, n);
    return n;
}

/* ------------------------------------------------------------ open objects */

/* TFS objects with open files; an entry whose last name was removed keeps
 * the object alive until its last close. */
struct opened {
    u64 id;
    int opens;
    bool unlinked;
    u64 gen;                           /* bumped by every change of the file's data */
    struct opened *next;
};
static struct opened *opened;

static struct opened *opened_find(u64 id)
{
    for (struct opened *o = opened; o != NULL; o = o->next)
        if (o->id == id)
            return o;
    return NULL;
}

static bool open_busy(void *ctx, u64 id)
{
    (void)ctx;
    return opened_find(id) != NULL;
}

static int opened_get(u64 id)
{
    struct opened *o = opened_find(id);
    if (o == NULL) {
        o = kzalloc(sizeof(*o));
        if (o == NULL)
            return -ENOMEM;
        o->id = id;
        o->next = opened;
        opened = o;
    }
    o->opens++;
    return 0;
}

/* File id's data changed: read-ahead windows filled before are stale. */
static void data_changed(u64 id)
{
    struct opened *o = opened_find(id);
    if (o != NULL)
        o->gen++;
}

/* Drop one open of id; the last close of an unlinked file deletes it. */
static void opened_put(u64 id)
{
    struct opened **pp = &opened;
    while (*pp != NULL && (*pp)->id != id)
        pp = &(*pp)->next;
    struct opened *o = *pp;
    if (o == NULL || --o->opens > 0)
        return;
    *pp = o->next;
    if (o->unlinked)
        pagecache_forget(id);
    if (o->unlinked && tfs_delete(rootfs, id) < 0)
        klog("solo: tfs: cannot free unlinked object %lu (an orphan until the next mount)", id);
    kfree(o);
}

/* One directory entry naming id is gone: count it down, and delete the
 * object with its last name unless a file still has it open. */
static int drop_link(u64 id)
{
    struct tuple *t = tfs_get(rootfs, id);
    u64 n = t != NULL ? tuple_get_u64(t, "nlink", 1) : 1;
    if (t != NULL && !S_ISDIR(tuple_get_u64(t, "mode", 0)) && n > 1) {
        int r = tfs_set_u64(rootfs, id, "nlink", n - 1);
        return r == 0 ? tfs_set_u64(rootfs, id, "ctime", realtime_ns()) : r;
    }
    struct opened *o = opened_find(id);
    if (o != NULL) {
        o->unlinked = true;
        return 0;
    }
    pagecache_forget(id);
    return tfs_delete(rootfs, id);
}

/* ------------------------------------------------------------ node methods */

static struct tuple *obj(struct node n)
{
    return rootfs != NULL ? tfs_get(rootfs, n.id) : NULL;
}

static bool is_tfs_dir(u64 id)
{
    struct tuple *t = tfs_get(rootfs, id);
    return t != NULL && S_ISDIR(tuple_get_u64(t, "mode", 0));
}

/* Virtual directories merged into TFS directories (the root's is vroot). */
struct overlay { u64 id; struct vnode *v; struct overlay *next; };
static struct overlay *overlays;

struct vnode *tfs_overlay(u64 id)
{
    if (id == TFS_ID_ROOT)
        return vfs_root_vnode();
    for (struct overlay *o = overlays; o != NULL; o = o->next)
        if (o->id == id)
            return o->v;
    return NULL;
}

/* Remember that vnode directory v is merged into TFS directory id. */
static void overlay_note(u64 id, struct vnode *v)
{
    if (tfs_overlay(id) != NULL)
        return;
    struct overlay *o = kmalloc(sizeof(*o));
    if (o == NULL)
        return;
    o->id = id;
    o->v = v;
    o->next = overlays;
    overlays = o;
}

/* A file handle generation for a new object: random and nonzero, so a
 * handle to a deleted object whose id a later object reuses (ids can come
 * back after a log compaction) does not open the newcomer.  Objects the
 * image was built with have none (0). */
static u32 tfs_new_gen(void)
{
    u32 g = 0;
    while (g == 0)
        random_bytes(&g, sizeof(g));
    return g;
}

u32 tfs_node_gen(u64 id)
{
    struct tuple *t = rootfs != NULL ? tfs_get(rootfs, id) : NULL;
    return t != NULL ? (u32)tuple_get_u64(t, "gen", 0) : 0;
}

u32 tfs_node_mode(u64 id)
{
    struct tuple *t = rootfs != NULL ? tfs_get(rootfs, id) : NULL;
    return t != NULL ? (u32)tuple_get_u64(t, "mode", S_IFREG | 0644) : 0;
}

static int tfs_node_lookup(struct node dir, const char *name, size_t len, struct node *out)
{
    struct tuple *t = obj(dir);
    if (t == NULL)
        return -ENOENT;
    if (!S_ISDIR(tuple_get_u64(t, "mode", 0)))
        return -ENOTDIR;
    u64 id = tfs_lookup(rootfs, dir.id, name, len);
    struct vnode *ov = tfs_overlay(dir.id);
    struct vnode *v = ov != NULL ? vnode_find(ov, name, len) : NULL;
    if (v != NULL && !(v->merge && id != 0 && is_tfs_dir(id))) {
        *out = (struct node){ v, v->arg };
        return 0;
    }
    if (v != NULL)
        overlay_note(id, v);
    if (id == 0)
        return -ENOENT;
    *out = (struct node){ NULL, id };
    return 0;
}

static int tfs_node_stat(struct node n, struct kstat *st)
{
    struct tuple *t = obj(n);
    if (t == NULL)
        return -ENOENT;
    st->mode = (u32)tuple_get_u64(t, "mode", S_IFREG | 0644);
    st->uid = (u32)tuple_get_u64(t, "uid", 0);
    st->gid = (u32)tuple_get_u64(t, "gid", 0);
    st->ino = n.id;
    st->dev = VFS_DEV_ROOT;
    st->rdev = tuple_get_u64(t, "rdev", 0);
    st->nlink = tuple_get_u64(t, "nlink", 1);
    struct opened *op = opened_find(n.id);
    if (op != NULL && op->unlinked)
        st->nlink = 0;
    st->size = tuple_get_u64(t, "size", 0);
    if (S_ISDIR(st->mode)) {
        st->nlink = op != NULL && op->unlinked ? 0 : dir_nlink(n.id, t);
        st->size = TFS_BLOCK_SIZE;
    } else if (S_ISLNK(st->mode)) {
        const struct value *v = tuple_get(t, "target");
        st->size = (v != NULL && v->kind == VALUE_BYTES) ? v->len : 0;
    }
    if (S_ISREG(st->mode))             /* blocks held: holes take none */
        st->blocks = tfs_file_blocks(rootfs, n.id) * (TFS_BLOCK_SIZE / 512);
    else
        st->blocks = ALIGN_UP(st->size, (u64)TFS_BLOCK_SIZE) / 512;
    st->mtime = tuple_get_u64(t, "mtime", 0);
    st->atime = tuple_get_u64(t, "atime", st->mtime);
    st->ctime = tuple_get_u64(t, "ctime", st->mtime);
    return 0;
}

static long tfs_node_readlink(struct node n, char *buf, size_t cap)
{
    struct tuple *t = obj(n);
    if (t == NULL)
        return -ENOENT;
    const struct value *v = tuple_get(t, "target");
    if (!S_ISLNK(tuple_get_u64(t, "mode", 0)) || v == NULL || v->kind != VALUE_BYTES)
        return -EINVAL;
    size_t len = MIN((size_t)v->len, cap);
    memcpy(buf, v->u.bytes, len);
    return (long)len;
}

/* Read-ahead window of an open TFS file: small reads (read(2) in 4-8 KiB
 * steps, page faults of file mappings) are served from one larger device
 * read, since each device request costs far more than its bytes.  The
 * window is at most RA_SIZE and no bigger than the file (page-rounded). */
#define RA_SIZE (128 * 1024)
struct readahead {
    struct opened *op;                 /* the file's open entry (lives while f is open) */
    u64 gen;                           /* op->gen when filled */
    u64 off;                           /* file offset of data[0] */
    size_t len, cap;                   /* valid bytes, buffer size */
    u8 data[];
};

/* The window holding off (refilled from off when it does not).  Bytes
 * available at off (0 at end of file) and *p, or -errno. */
static long ra_window(struct file *f, u64 off, const void **p)
{
    struct readahead *ra = f->priv;
    u64 size = tuple_get_u64(obj(f->node), "size", 0);
    if (off >= size)
        return 0;
    if (ra == NULL) {
        size_t cap = (size_t)MIN(ALIGN_UP(size, (u64)PAGE_SIZE), (u64)RA_SIZE);
        ra = f->priv = kmalloc(sizeof(*ra) + cap);
        if (ra == NULL)
            return -ENOMEM;
        ra->cap = cap;
        ra->len = 0;
        ra->off = 0;
        ra->op = opened_find(f->node.id);
        kassert(ra->op != NULL);
    }
    if (off < ra->off || off >= ra->off + ra->len || ra->gen != ra->op->gen) {
        long r = tfs_read(rootfs, f->node.id, ra->data, ra->cap, off);
        if (r < 0) {
            ra->len = 0;
            return r;
        }
        ra->off = off;
        ra->len = (size_t)r;
        ra->gen = ra->op->gen;
    }
    *p = ra->data + (off - ra->off);
    /* Pages stored into through a shared mapping are newer than the file's
     * blocks until written back: read those bytes from the page cache. */
    pagecache_overlay(f->node.id, off, ra->data + (off - ra->off), ra->off + ra->len - off);
    return (long)(ra->off + ra->len - off);
}

static long tfs_file_read(struct file *f, void *buf, size_t n, u64 off)
{
    const void *p;
    /* A file some mapping uses is read by page-cache fills (whole fault-
     * around windows): a read-ahead window would only hold up to RA_SIZE
     * per mapped file (ld.so's header read made one) for as long as the
     * mapping lives, so it goes and reads are direct. */
    if (f->mapped && f->priv != NULL) {
        kfree(f->priv);
        f->priv = NULL;
    }
    if (n >= RA_SIZE / 2 || f->mapped) {
        long r = tfs_read(rootfs, f->node.id, buf, n, off);
        if (r > 0)
            pagecache_overlay(f->node.id, off, buf, (size_t)r);
        return r;
    }
    size_t done = 0;
    while (done < n) {
        long k = ra_window(f, off + done, &p);
        if (k <= 0)
            return done > 0 ? (long)done : k;
        k = (long)MIN((size_t)k, n - done);
        memcpy((u8 *)buf + done, p, (size_t)k);
        done += (size_t)k;
    }
    return (long)done;
}

void tfs_node_unpin(u64 id)
{
    opened_put(id);
}

/* Hold object id alive as an open file does (a directory that is a cwd or
 * root): its removal then waits for tfs_node_unpin. */
int tfs_node_pin(u64 id)
{
    return opened_get(id);
}

/* Has id lost its last name while still held (open, mapped, a cwd)? */
bool tfs_node_unlinked(u64 id)
{
    struct opened *o = opened_find(id);
    return o != NULL && o->unlinked;
}

/* The program is over (kernel_exit): files it still had open or mapped
 * after their last name went are deleted now, as Linux frees them when the
 * process's last fd and mapping go, so a clean exit leaves no orphan for the
 * next mount; then everything is made durable. */
void fs_exit(void)
{
    for (struct opened *o = opened; rootfs != NULL && o != NULL; o = o->next) {
        if (!o->unlinked)
            continue;
        pagecache_forget(o->id);
        if (tfs_delete(rootfs, o->id) < 0)
            klog("solo: tfs: cannot free unlinked object %lu (an orphan until the next mount)", o->id);
        o->unlinked = false;           /* gone: nothing may delete it twice */
    }
    fs_sync_all();
}

static void tfs_file_release(struct file *f)
{
    kfree(f->priv);
    opened_put(f->node.id);
}

/* Write through tfs_write; when the volume is full, first let blocks freed
 * since the last sync come back, then write as much as fits (a short
 * write, as Linux), -ENOSPC when nothing does. */
static long write_some(u64 id, const void *buf, size_t n, u64 off)
{
    long r = tfs_write(rootfs, id, buf, n, off);
    if (r != -ENOSPC)
        return r;
    if (root_sync() == 0)
        r = tfs_write(rootfs, id, buf, n, off);
    while (r == -ENOSPC && n > TFS_BLOCK_SIZE) {
        n = (size_t)ALIGN_DOWN(off + n / 2, (u64)TFS_BLOCK_SIZE) - (size_t)off;
        if ((s64)n <= 0)
            n = TFS_BLOCK_SIZE - (size_t)(off % TFS_BLOCK_SIZE);
        r = tfs_write(rootfs, id, buf, n, off);
    }
    return r;
}

static long tfs_file_write(struct file *f, const void *buf, size_t n, u64 off)
{
    if (n == 0)
        return 0;
    u64 old = tuple_get_u64(obj(f->node), "size", 0);
    tfs_set_write_time(rootfs, realtime_ns());
    long r = write_some(f->node.id, buf, n, off);
    tfs_set_write_time(rootfs, 0);
    if (r > 0 && off > old)
        pagecache_resize(f->node.id, old, off);    /* the hole reads as zero */
    if (r > 0)
        pagecache_write(f->node.id, off, buf, (size_t)r);
    data_changed(f->node.id);
    if (r > 0 && (f->flags & O_DSYNC) != 0 && root_sync() < 0)
        return -EIO;
    return r;
}

static long tfs_file_size(struct file *f)
{
    return (long)tuple_get_u64(obj(f->node), "size", 0);
}

static const struct file_ops tfs_file_fops = {
    .read = tfs_file_read,
    .write = tfs_file_write,
    .peek = ra_window,
    .size = tfs_file_size,
    .release = tfs_file_release,
};

extern const struct file_ops vfs_dir_fops;

static int tfs_node_open(struct node n, struct file *f)
{
    struct tuple *t = obj(n);
    if (t == NULL)
        return -ENOENT;
    u32 mode = (u32)tuple_get_u64(t, "mode", 0);
    bool wr = (f->flags & O_ACCMODE) != O_RDONLY || (f->flags & O_TRUNC) != 0;
    if (S_ISDIR(mode)) {
        if (wr)
            return -EISDIR;
        int r = opened_get(n.id);      /* fstat/fchdir of a removed directory */
        if (r < 0)
            return r;
        f->ops = &vfs_dir_fops;
        f->tfs_pinned = true;
        return 0;
    }
    if (S_ISLNK(mode))
        return -ELOOP;
    if (!S_ISREG(mode)) {              /* FIFOs (keyed apart from tmpfs vnodes), devices, sockets */
        int r = opened_get(n.id);      /* kept while open, as a file (fstat after unlink) */
        if (r < 0)
            return r;
        r = mknod_node_open(mode, tuple_get_u64(t, "rdev", 0), n.id | (1UL << 63), f);
        if (r < 0)
            opened_put(n.id);
        else
            f->tfs_pinned = true;
        return r;
    }
    if ((f->flags & O_TRUNC) != 0 && tuple_get_u64(t, "size", 0) != 0) {
        int r = tfs_node_truncate(n.id, 0);
        if (r < 0)
            return r;
    }
    int r = opened_get(n.id);
    if (r < 0)
        return r;
    f->ops = &tfs_file_fops;
    return 0;
}

struct tfs_dirctx {
    u64 pos, index;
    struct vnode *ov;
    dir_emit_fn emit;
    void *ectx;
};

static int tfs_dir_entry(void *c, const u8 *k, size_t kl, const struct value *v)
{
    struct tfs_dirctx *d = c;
    u64 i = d->index++;
    if (i < d->pos || v->kind != VALUE_REF)
        return 0;
    if (d->ov != NULL && vnode_find(d->ov, (const char *)k, kl) != NULL)
        return 0;
    struct tuple *t = tfs_get(rootfs, v->u.n);
    u8 dt = t != NULL ? node_dtype((u32)tuple_get_u64(t, "mode", 0)) : DT_UNKNOWN;
    return d->emit(d->ectx, (const char *)k, kl, v->u.n, dt, i + 1);
}

static int tfs_node_readdir(struct node dir, u64 pos, dir_emit_fn emit, void *ctx)
{
    struct tuple *t = obj(dir);
    if (t == NULL)
        return -ENOENT;
    if (!S_ISDIR(tuple_get_u64(t, "mode", 0)))
        return -ENOTDIR;
    struct tfs_dirctx d = { pos, 0, tfs_overlay(dir.id), emit, ctx };
    struct tuple *ch = tuple_get_tuple(t, "children");
    if (ch != NULL && tuple_iter(ch, tfs_dir_entry, &d) != 0)
        return 0;
    if (d.ov == NULL)
        return 0;
    for (struct vnode *v = d.ov->child; v != NULL; v = v->sibling) {
        u64 i = d.index++;
        size_t len = strlen(v->name);
        u64 id = v->merge ? tfs_lookup(rootfs, dir.id, v->name, len) : 0;
        u64 ino = (id != 0 && is_tfs_dir(id)) ? id : v->ino;
        if (i >= pos && emit(ctx, v->name, len, ino, node_dtype(v->mode), i + 1))
            return 0;
    }
    return 0;
}

const struct node_ops tfs_node_ops = {
    .lookup = tfs_node_lookup,
    .stat = tfs_node_stat,
    .readlink = tfs_node_readlink,
    .open = tfs_node_open,
    .readdir = tfs_node_readdir,
};

/* ------------------------------------------------------------ namespace changes */

static bool dir_empty(u64 id)
{
    struct tuple *ch = tuple_get_tuple(tfs_get(rootfs, id), "children");
    struct vnode *ov = tfs_overlay(id);
    return (ch == NULL || tuple_count(ch) == 0) && (ov == NULL || ov->child == NULL);
}

/* A NUL-terminated copy of name is what tfs_format.c wants: names reach
 * here from lookups, already NUL-terminated and at most VFS_NAME_MAX. */
int tfs_node_create(u64 dir, const char *name, u32 mode, u32 uid, u32 gid, const char *target,
                    u64 rdev, u64 *out)
{
    if (rootfs == NULL)
        return -EROFS;
    if (tfs_node_unlinked(dir))
        return -ENOENT;                /* a removed directory takes no new entries */
    if (tfs_lookup(rootfs, dir, name, strlen(name)) != 0)
        return -EEXIST;
    struct tuple *t = tuple_new(kernel_heap);
    if (t == NULL)
        return -ENOMEM;
    u64 now = realtime_ns();
    int r = tuple_set_u64(t, "mode", mode);
    if (r == 0)
        r = tuple_set_u64(t, "mtime", now);
    if (r == 0 && uid != 0)            /* absent means 0: root's files carry no keys */
        r = tuple_set_u64(t, "uid", uid);
    if (r == 0 && gid != 0)
        r = tuple_set_u64(t, "gid", gid);
    if (r == 0 && S_ISDIR(mode))
        r = tuple_child(t, "children") != NULL ? 0 : -ENOMEM;
    if (r == 0 && S_ISLNK(mode))
        r = tuple_set_bytes(t, "target", target, strlen(target));
    if (r == 0 && S_ISREG(mode))
        r = tuple_set_u64(t, "size", 0);
    if (r == 0 && rdev != 0)           /* devices only; absent means 0 */
        r = tuple_set_u64(t, "rdev", rdev);
    if (r == 0)
        r = tuple_set_u64(t, "gen", tfs_new_gen());
    if (r != 0) {
        tuple_free(t);
        return -ENOMEM;
    }
    u64 id = tfs_create(rootfs, t);
    if (id == 0)
        return -ENOSPC;
    r = tfs_link(rootfs, dir, name, id);
    if (r < 0) {
        tfs_delete(rootfs, id);
        return r;
    }
    tfs_set_u64(rootfs, dir, "mtime", now);
    if (S_ISDIR(mode))
        nl_reset();
    *out = id;
    return 0;
}

int tfs_node_remove(u64 dir, const char *name, bool isdir)
{
    if (rootfs == NULL)
        return -EROFS;
    u64 id = tfs_lookup(rootfs, dir, name, strlen(name));
    if (id == 0)
        return -ENOENT;
    bool d = is_tfs_dir(id);
    if (isdir && !d)
        return -ENOTDIR;
    if (!isdir && d)
        return -EISDIR;
    if (d && !dir_empty(id))
        return -ENOTEMPTY;
    int r = tfs_unlink(rootfs, dir, name);
    if (r == 0)
        r = drop_link(id);
    if (r == 0)
        tfs_set_u64(rootfs, dir, "mtime", realtime_ns());
    if (d)
        nl_reset();
    return r;
}

int tfs_node_link(u64 id, u64 dir, const char *name)
{
    if (rootfs == NULL)
        return -EROFS;
    struct tuple *t = tfs_get(rootfs, id);
    struct opened *o = opened_find(id);
    if (t == NULL || (o != NULL && o->unlinked) || tfs_node_unlinked(dir))
        return -ENOENT;
    if (S_ISDIR(tuple_get_u64(t, "mode", 0)))
        return -EPERM;
    u64 n = tuple_get_u64(t, "nlink", 1);
    int r = tfs_set_u64(rootfs, id, "nlink", n + 1);
    if (r == 0)
        r = tfs_link(rootfs, dir, name, id);
    if (r < 0) {
        tfs_set_u64(rootfs, id, "nlink", n);
        return r;
    }
    u64 now = realtime_ns();           /* as Linux: the file's ctime, the directory's mtime */
    tfs_set_u64(rootfs, id, "ctime", now);
    tfs_set_u64(rootfs, dir, "mtime", now);
    return 0;
}

#define RENAME_NOREPLACE 1

int tfs_node_rename(u64 odir, const char *oname, u64 ndir, const char *nname, unsigned flags)
{
    if (rootfs == NULL)
        return -EROFS;
    u64 id = tfs_lookup(rootfs, odir, oname, strlen(oname));
    u64 victim = tfs_lookup(rootfs, ndir, nname, strlen(nname));
    if (id == 0 || tfs_node_unlinked(ndir))
        return -ENOENT;
    if (victim != 0 && (flags & RENAME_NOREPLACE) != 0)
        return -EEXIST;
    if (victim == id)
        return 0;                      /* two names of one file: nothing to do */
    bool d = is_tfs_dir(id);
    if (victim != 0 && d && !is_tfs_dir(victim))
        return -ENOTDIR;
    if (victim != 0 && !d && is_tfs_dir(victim))
        return -EISDIR;
    if (victim != 0 && is_tfs_dir(victim) && !dir_empty(victim))
        return -ENOTEMPTY;
    int r = tfs_rename(rootfs, odir, oname, ndir, nname);
    if (r == 0 && victim != 0)
        r = drop_link(victim);
    u64 now = realtime_ns();
    tfs_set_u64(rootfs, odir, "mtime", now);
    if (ndir != odir)
        tfs_set_u64(rootfs, ndir, "mtime", now);
    if (d || victim != 0)
        nl_reset();
    return r;
}

int tfs_node_truncate(u64 id, u64 len)
{
    if (rootfs == NULL)
        return -EROFS;
    u64 old = tuple_get_u64(tfs_get(rootfs, id), "size", 0);
    int r = tfs_truncate(rootfs, id, len);
    if (r == -ENOSPC && root_sync() == 0)
        r = tfs_truncate(rootfs, id, len);
    if (r == 0)
        pagecache_resize(id, old, len);
    if (r == 0)
        r = tfs_set_u64(rootfs, id, "mtime", realtime_ns());
    data_changed(id);
    return r;
}

#define FALLOC_FL_KEEP_SIZE 1
#define FALLOC_FL_PUNCH_HOLE 2
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE 0x10
#define FALLOC_FL_INSERT_RANGE 0x20

static const u8 zeros[PAGE_SIZE];

/* Cached pages of [off, end) read zeros: partial pages as if written,
 * whole ones zeroed and cleaned (nothing to write back there). */
static void pagecache_zero(u64 id, u64 off, u64 end)
{
    u64 first = ALIGN_UP(off, (u64)PAGE_SIZE) / PAGE_SIZE, stop = end / PAGE_SIZE;
    u64 head = MIN(first * PAGE_SIZE, end), tail = MAX(stop * PAGE_SIZE, head);
    pagecache_write(id, off, zeros, (size_t)(head - off));
    pagecache_write(id, tail, zeros, (size_t)(end - tail));
    if (first < stop)
        pagecache_punch(id, first, stop - 1);
}

static int do_allocate(u64 id, int mode, u64 off, u64 len)
{
    bool keep = (mode & FALLOC_FL_KEEP_SIZE) != 0;
    tfs_set_write_time(rootfs, realtime_ns());       /* the record sets mtime and ctime */
    int r = (mode & FALLOC_FL_PUNCH_HOLE) != 0 ? tfs_punch(rootfs, id, off, len)
                                                : tfs_zero_range(rootfs, id, off, len, keep);
    tfs_set_write_time(rootfs, 0);
    return r;
}

/* A page of the file's bytes for pagecache_reload. */
static int reload_fill(u64 id, u64 idx, void *page)
{
    long r = tfs_read(rootfs, id, page, PAGE_SIZE, idx * PAGE_SIZE);
    if (r >= 0)
        memset((u8 *)page + r, 0, PAGE_SIZE - (size_t)r);
    return r < 0 ? (int)r : 0;
}

/* COLLAPSE_RANGE / INSERT_RANGE: Linux's alignment and range rules (ext4's
 * order: EINVAL unaligned, then EFBIG, then EINVAL for the range against
 * the size), the blocks moved in one record, the page cache refilled. */
static int shift_range(u64 id, bool collapse, u64 off, u64 len)
{
    if ((off | len) % TFS_BLOCK_SIZE != 0)
        return -EINVAL;
    int r = pagecache_writeback(id, 0, ~0UL);   /* stores through mappings first */
    if (r < 0)
        return r;
    u64 old = tuple_get_u64(tfs_get(rootfs, id), "size", 0);
    tfs_set_write_time(rootfs, realtime_ns());
    r = collapse ? tfs_collapse(rootfs, id, off, len) : tfs_insert(rootfs, id, off, len);
    if (r == -ENOSPC && root_sync() == 0)
        r = collapse ? tfs_collapse(rootfs, id, off, len) : tfs_insert(rootfs, id, off, len);
    tfs_set_write_time(rootfs, 0);
    if (r == 0) {
        u64 size = tuple_get_u64(tfs_get(rootfs, id), "size", 0);
        pagecache_resize(id, old, size);
        pagecache_reload(id, off / PAGE_SIZE, reload_fill);
    }
    data_changed(id);
    return r;
}

/* fallocate on a TFS file: mode 0 and KEEP_SIZE allocate, PUNCH_HOLE|KEEP_SIZE
 * (checked by the caller) punches, ZERO_RANGE (+KEEP_SIZE) zeroes into
 * allocated blocks, COLLAPSE_RANGE and INSERT_RANGE move blocks.  A full
 * volume first gets the blocks freed since the last sync back (root_sync),
 * then tries again. */
int tfs_node_allocate(u64 id, int mode, u64 off, u64 len)
{
    if (rootfs == NULL)
        return -EROFS;
    if (mode == FALLOC_FL_COLLAPSE_RANGE || mode == FALLOC_FL_INSERT_RANGE)
        return shift_range(id, mode == FALLOC_FL_COLLAPSE_RANGE, off, len);
    if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0)
        return -EOPNOTSUPP;
    u64 old = tuple_get_u64(tfs_get(rootfs, id), "size", 0);
    if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) {
        /* cached pages of the range read zeros afterwards (stores through
         * shared mappings there, not yet written back, are dropped as on
         * Linux) */
        u64 end = off + len < off ? ~0UL : off + len;
        int r = do_allocate(id, mode, off, len);
        if (r == -ENOSPC && root_sync() == 0)
            r = do_allocate(id, mode, off, len);
        if (r == 0) {
            u64 size = tuple_get_u64(tfs_get(rootfs, id), "size", 0);
            pagecache_zero(id, off, MIN(end, MAX(size, old)));
            if (size > old)
                pagecache_resize(id, old, size);
        }
        data_changed(id);
        return r;
    }
    bool keep = (mode & FALLOC_FL_KEEP_SIZE) != 0;
    int r = tfs_allocate(rootfs, id, off, len, keep);
    if (r == -ENOSPC && root_sync() == 0)
        r = tfs_allocate(rootfs, id, off, len, keep);
    u64 size = tuple_get_u64(tfs_get(rootfs, id), "size", 0);
    if (r == 0 && size > old)
        pagecache_resize(id, old, size);   /* bytes stored past the old end read as zero */
    data_changed(id);
    return r;
}

/* lseek SEEK_DATA/SEEK_HOLE on a TFS file: holes at block granularity.
 * Pages stored into through shared mappings are written back first, so
 * their bytes count as data as on Linux.  The offset or -ENXIO. */
long tfs_node_seek_data(u64 id, u64 off, bool data)
{
    if (rootfs == NULL)
        return -ENXIO;
    if (pagecache_active(id))
        (void)pagecache_writeback(id, 0, ~0UL);
    return tfs_seek_data(rootfs, id, off, data);
}

int tfs_node_chmod(u64 id, u32 perm)
{
    struct tuple *t = rootfs != NULL ? tfs_get(rootfs, id) : NULL;
    if (t == NULL)
        return -ENOENT;
    u64 mode = tuple_get_u64(t, "mode", S_IFREG | 0644);
    int r = tfs_set_u64(rootfs, id, "mode", (mode & S_IFMT) | (perm & 07777));
    if (r == 0)
        r = tfs_set_u64(rootfs, id, "ctime", realtime_ns());
    return r;
}

/* chown: the new owner and mode (the caller cleared set-id bits as Linux
 * does); keys are written only where they change, ctime always. */
int tfs_node_set_owner(u64 id, u32 uid, u32 gid, u32 mode)
{
    struct tuple *t = rootfs != NULL ? tfs_get(rootfs, id) : NULL;
    if (t == NULL)
        return -ENOENT;
    u32 ou = (u32)tuple_get_u64(t, "uid", 0), og = (u32)tuple_get_u64(t, "gid", 0);
    u32 om = (u32)tuple_get_u64(t, "mode", S_IFREG | 0644);
    int r = 0;
    if (uid != ou)
        r = tfs_set_u64(rootfs, id, "uid", uid);
    if (r == 0 && gid != og)
        r = tfs_set_u64(rootfs, id, "gid", gid);
    if (r == 0 && mode != om)
        r = tfs_set_u64(rootfs, id, "mode", (om & S_IFMT) | (mode & 07777));
    if (r == 0)
        r = tfs_set_u64(rootfs, id, "ctime", realtime_ns());
    return r;
}

int tfs_node_set_times(u64 id, u64 atime, u64 mtime)
{
    if (rootfs == NULL || tfs_get(rootfs, id) == NULL)
        return -ENOENT;
    int r = tfs_set_u64(rootfs, id, "atime", atime);
    if (r == 0)
        r = tfs_set_u64(rootfs, id, "mtime", mtime);
    if (r == 0)
        r = tfs_set_u64(rootfs, id, "ctime", realtime_ns());
    return r;
}
