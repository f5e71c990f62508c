/*
 * ramfs.c - tmpfs: writable in-memory directories, regular files and
 * symlinks, mounted on /tmp and /dev/shm over the image's directories of
 * those names; at mount the tmpfs is seeded with a copy of what the image
 * has there (ramfs_seed), so a program or data put under /tmp is visible.
 * They are vnodes with ram set; a file's contents are one kmalloc'd buffer
 * that grows by doubling (holes read as zeros).  mount(2) makes further
 * instances (ramfs_new_root), each with its own st_dev and, with size=, a
 * limit on the whole pages its files hold (ENOSPC beyond).
 *
 * Memory mappings go through the page cache (fs/pagecache.h, keyed by the
 * vnode's address): writes and truncation update cached pages, reads first
 * copy pages stored into through shared mappings into the buffer, and
 * write-back comes back through ram_write.
 *
 * Lifetime: a removed file's vnode is marked unlinked and taken out of its
 * directory; its data is freed when the last open file on it closes (the
 * small vnode record itself is kept, so stale nodes stay valid).  Hard
 * links are not supported (one directory entry per vnode).
 */
#include "fs/vfs_impl.h"
#include "fs/pagecache.h"
#include "syscalls/misc.h"

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RAM_MAX_FILE (1UL << 32)
#define RAM_PEEK_MAPPED (64UL << 10)   /* peek length while pages are stored into */

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

/* Account a file growing or shrinking from old to new bytes against its
 * tmpfs instance's size limit (whole pages): 0 or -ENOSPC. */
static int quota(struct vnode *v, u64 old, u64 new)
{
    struct tmpfs_sb *sb = v->sb;
    if (sb == NULL)
        return 0;
    u64 op = ALIGN_UP(old, (u64)4096), np = ALIGN_UP(new, (u64)4096);
    if (np > op && sb->limit != 0 && sb->used + (np - op) > sb->limit)
        return -ENOSPC;
    sb->used = sb->used + np - op;
    return 0;
}

int ramfs_create(struct vnode *dir, const char *name, u8 kind, u32 mode, const char *target,
                 struct vnode **out)
{
    if (!dir->ram || dir->unlinked)
        return dir->unlinked ? -ENOENT : -EROFS;
    if (vnode_find(dir, name, strlen(name)) != NULL)
        return -EEXIST;
    u32 type = kind == VN_DIR ? S_IFDIR : kind == VN_LINK ? S_IFLNK : S_IFREG;
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

static void drop_data(struct vnode *v)
{
    if (v->unlinked && v->opens == 0) {
        pagecache_forget((u64)v);
        quota(v, v->size, 0);
        kfree(v->data);
        v->data = NULL;
        v->size = v->cap = 0;
    }
}

int ramfs_remove(struct vnode *v, bool dir)
{
    if (!v->ram || v->parent == NULL || !v->parent->ram)
        return -EBUSY;                 /* a mount point */
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
    if (victim == v)
        return 0;
    if ((flags & RENAME_EXCHANGE) != 0)
        return -EINVAL;
    if (v->kind == VN_DIR && within(newdir, v))
        return -EINVAL;
    if (victim != NULL) {
        if ((flags & RENAME_NOREPLACE) != 0)
            return -EEXIST;
        if (v->kind == VN_DIR && victim->kind != VN_DIR)
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
    v->ctime = realtime_ns();
    touch(newdir);
    return 0;
}

/* Make the buffer hold at least n bytes (new bytes zeroed). */
static int reserve(struct vnode *v, u64 n)
{
    if (n <= v->cap)
        return 0;
    if (n > RAM_MAX_FILE)
        return -EFBIG;
    u64 cap = MAX(v->cap * 2, (u64)4096);
    while (cap < n)
        cap *= 2;
    u8 *d = kmalloc(cap);
    if (d == NULL)
        return -ENOSPC;
    memcpy(d, v->data, v->size);
    memset(d + v->size, 0, cap - v->size);
    kfree(v->data);
    v->data = d;
    v->cap = cap;
    return 0;
}

int ramfs_truncate(struct vnode *v, u64 len)
{
    if (v->kind != VN_RAMFILE)
        return v->kind == VN_DIR ? -EISDIR : -EINVAL;
    int r = quota(v, v->size, len);
    if (r < 0)
        return r;
    r = reserve(v, len);
    if (r < 0) {
        quota(v, len, v->size);
        return r;
    }
    if (len < v->size)
        memset(v->data + len, 0, v->size - len);
    pagecache_resize((u64)v, v->size, len);
    v->size = len;
    touch(v);
    return 0;
}

static long ram_read(struct file *f, void *buf, size_t n, u64 off)
{
    struct vnode *v = f->node.v;
    size_t k = clip_read(v->size, off, n);
    pagecache_overlay((u64)v, off, v->data + off, k);   /* stores through shared mappings */
    memcpy(buf, v->data + off, k);
    return (long)k;
}

static long ram_write(struct file *f, const void *buf, size_t n, u64 off)
{
    struct vnode *v = f->node.v;
    if (off + n < off)
        return -EFBIG;
    if (v->sb != NULL && v->sb->limit != 0 && off + n > v->size) {
        /* a full tmpfs takes what fits: a short write, ENOSPC when nothing does */
        u64 room = v->sb->limit - MIN(v->sb->used, v->sb->limit);
        u64 most = ALIGN_UP(v->size, (u64)4096) + room;
        if (off >= most)
            return -ENOSPC;
        n = (size_t)MIN((u64)n, most - off);
    }
    u64 end = MAX(v->size, off + n);
    int r = quota(v, v->size, end);
    if (r < 0)
        return r;
    r = reserve(v, off + n);
    if (r < 0) {
        quota(v, end, v->size);
        return r;
    }
    memcpy(v->data + off, buf, n);
    if (off > v->size)
        pagecache_resize((u64)v, v->size, off);   /* the hole reads as zero */
    pagecache_write((u64)v, off, buf, n);
    v->size = MAX(v->size, off + n);
    touch(v);
    return (long)n;
}

static long ram_peek(struct file *f, u64 off, const void **p)
{
    struct vnode *v = f->node.v;
    if (off >= v->size)
        return 0;
    *p = v->data + off;
    if (pagecache_active((u64)v)) {
        /* Bring in stores through shared mappings, a bounded piece at a time. */
        u64 k = MIN(v->size - off, (u64)RAM_PEEK_MAPPED);
        pagecache_overlay((u64)v, off, v->data + off, (size_t)k);
        return (long)k;
    }
    return (long)(v->size - off);
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
    st->blocks = ALIGN_UP(v->kind == VN_DIR ? 0 : v->cap, (u64)4096) / 512;
    st->atime = v->atime;
    st->mtime = v->mtime;
    st->ctime = v->ctime;
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
    v->data = kmalloc(size);
    if (v->data == NULL) {
        file_put(f);
        return -ENOSPC;
    }
    v->cap = size;
    while (v->size < size) {
        long n = f->ops->read(f, v->data + v->size, (size_t)(size - v->size), v->size);
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
    } else {
        return 0;                      /* devices, fifos: nothing to copy */
    }
    if (v != NULL) {
        v->mode = (v->mode & S_IFMT) | (st->mode & 07777);
        v->atime = st->atime;
        v->mtime = st->mtime;
        v->ctime = st->ctime;
    }
    return r;
}

/* Copy what image directory src holds into the tmpfs directory dir (a tmpfs
 * mounted over it hides it): files with their contents, directories
 * (recursively), symlinks, with modes and times.  Other kinds are skipped.
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
