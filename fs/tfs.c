/*
 * tfs.c - the TFS volume as the kernel's root filesystem: mounting it over a
 * block device (fs_init), the manifest, and the node/file methods for TFS
 * objects (lookup, stat, readlink, read, directory listing).
 *
 * The volume is read-only from the kernel for now: opening a TFS file for
 * writing fails with EROFS, so nothing is ever dirty and fs_sync_all has no
 * work.  The root directory is overlaid with the virtual entries of
 * vfs_root_vnode() (/dev, /proc): they win over TFS entries of the same name
 * in lookups and listings.  Directory link counts (2 + subdirectories) are
 * computed once per directory and cached, since stat is hot (python).
 */
#include "fs/vfs_impl.h"
#include "fs/tfs_format.h"

static struct tfs *rootfs;
static struct blockdev *rootdev;

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
    err[0] = '\0';
    int r = tfs_open(kernel_heap, &io, &rootfs, err, sizeof(err));
    if (r < 0) {
        klog("solo: %s: not a valid TFS volume: %s (error %d)", d->name, err, -r);
        rootfs = NULL;
        return r;
    }
    rootdev = d;
    return 0;
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

/* The kernel never writes the volume yet, so there is nothing dirty to flush;
 * still ask the device to make any cached writes durable. */
void fs_sync_all(void)
{
    if (rootdev != NULL && rootdev->flush != NULL)
        rootdev->flush(rootdev);
}

void tfs_sync_root(void)
{
    fs_sync_all();
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
    st->ino = n.id;
    st->dev = VFS_DEV_ROOT;
    st->nlink = 1;
    st->size = tuple_get_u64(t, "size", 0);
    if (S_ISDIR(st->mode)) {
        st->nlink = dir_nlink(n.id, t);
        st->size = TFS_BLOCK_SIZE;
    } else if (S_ISLNK(st->mode)) {
        const struct value *v = tuple_get(t, "target");
        st->size = (v != NULL && v->kind == VALUE_BYTES) ? v->len : 0;
    }
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
    }
    if (off < ra->off || off >= ra->off + ra->len) {
        long r = tfs_read(rootfs, f->node.id, ra->data, ra->cap, off);
        if (r < 0) {
            ra->len = 0;
            return r;
        }
        ra->off = off;
        ra->len = (size_t)r;
    }
    *p = ra->data + (off - ra->off);
    return (long)(ra->off + ra->len - off);
}

static long tfs_file_read(struct file *f, void *buf, size_t n, u64 off)
{
    const void *p;
    if (n >= RA_SIZE / 2)
        return tfs_read(rootfs, f->node.id, buf, n, off);
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

static void tfs_file_release(struct file *f)
{
    kfree(f->priv);
}

static long tfs_file_size(struct file *f)
{
    return (long)tuple_get_u64(obj(f->node), "size", 0);
}

static const struct file_ops tfs_file_fops = {
    .read = tfs_file_read,
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
        f->ops = &vfs_dir_fops;
        return wr ? -EISDIR : 0;
    }
    if (S_ISLNK(mode))
        return -ELOOP;
    if (!S_ISREG(mode))
        return -ENXIO;
    if (wr)
        return -EROFS;
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
