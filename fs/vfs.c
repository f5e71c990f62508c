/*
 * vfs.c - the core of the file layer: node dispatch, the in-memory vnode
 * tree (/dev, /proc, generated files) overlaid on the TFS root, path
 * resolution, the cwd, open file descriptions and the fd table.
 *
 * Path resolution walks one component at a time from the root, the cwd or a
 * directory fd, keeping the canonical absolute path of the current node.
 * ".." trims that path and re-resolves it from the root (TFS directories have
 * no parent links; the canonical path contains no symlinks, so this is exact
 * and cheap).  A symlink is spliced in front of the unwalked rest of the path;
 * at most VFS_SYMLINK_MAX are followed per lookup (ELOOP).
 *
 * Canonical paths are absolute from the real root even after chroot: the
 * process root (or, for openat2's RESOLVE_BENEATH/RESOLVE_IN_ROOT, the start
 * directory) only decides where absolute paths and absolute symlinks start
 * and where ".." stops.  After each component the walk crosses into the
 * newest mount attached at the new canonical path (fs/mount.c), and ".."
 * re-resolution crosses the same mounts, so it leaves a mount by its mount
 * point.  /proc/self/fd/N links jump to the open file's node, as Linux's
 * "magic" links do, and /proc/<pid>/ns/ links to their namespace's node
 * (fs/nsfs.c).
 *
 * The cwd, the root and the umask are a thread's fs state (struct
 * fs_state), shared by the threads created with CLONE_FS and copied for the
 * others or by unshare(CLONE_FS); the first thread's is static.
 *
 * The fd table is global (one process).  Each slot holds one reference to an
 * open file description plus its close-on-exec flag; new fds take the lowest
 * free slot, VFS_FD_MAX slots in all (EMFILE).
 */
#include "fs/vfs_impl.h"
#include "fs/nsfs.h"
#include "fs/inotify.h"
#include "fs/locks.h"
#include "syscalls/misc.h"

static struct vnode vroot = { .name = "/", .kind = VN_ROOT, .mode = S_IFDIR | 0755 };
static u64 next_ino = 0x40000000;

static struct {
    struct file *f;
    bool cloexec;
} fdt[VFS_FD_MAX];

/* The file system state of the first thread; others share it (CLONE_FS) or
 * have their own copies (kmalloc), all on one list. */
static struct fs_state init_fs = {
    .refs = 1, .cwd_path = "/", .cwd_node = { NULL, TFS_ID_ROOT },
    .root_path = "/", .root_node = { NULL, TFS_ID_ROOT }, .umask = 022,
};
static struct fs_state *all_fs = &init_fs;

/* The calling thread's state (the first thread's before any thread runs). */
static struct fs_state *fs_cur(void)
{
    return current != NULL && current->fs != NULL ? current->fs : &init_fs;
}

/* ------------------------------------------------------------------ nodes */

const struct node_ops *node_ops_of(struct node n)
{
    return n.v != NULL ? n.v->nops : &tfs_node_ops;
}

bool node_unlinked(struct node n)
{
    return n.v != NULL ? n.v->unlinked : tfs_node_unlinked(n.id);
}

/* Fill st for n.  0 or -errno. */
int node_stat(struct node n, struct kstat *st)
{
    const struct node_ops *o = node_ops_of(n);
    memset(st, 0, sizeof(*st));
    st->blksize = 4096;
    if (o->stat == NULL)
        return -EIO;
    return o->stat(n, st);
}

u8 node_dtype(u32 mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return DT_REG;
    case S_IFDIR: return DT_DIR;
    case S_IFLNK: return DT_LNK;
    case S_IFCHR: return DT_CHR;
    case S_IFBLK: return DT_BLK;
    case S_IFIFO: return DT_FIFO;
    case S_IFSOCK: return DT_SOCK;
    }
    return DT_UNKNOWN;
}

static u32 node_mode(struct node n);

bool node_is_dir(struct node n)
{
    return S_ISDIR(node_mode(n));
}

/* File type and permissions of n, cheaper than a full stat (path walks). */
static u32 node_mode(struct node n)
{
    struct kstat st;
    if (n.v == NULL)
        return tfs_node_mode(n.id);
    if (n.v->kind != VN_FDLINK)
        return n.v->mode;
    return node_stat(n, &st) == 0 ? st.mode : 0;
}

/* ----------------------------------------------------------------- vnodes */

struct vnode *vfs_root_vnode(void)
{
    return &vroot;
}

/* The child of dir called name, or NULL. */
struct vnode *vnode_find(struct vnode *dir, const char *name, size_t len)
{
    for (struct vnode *c = dir->child; c != NULL; c = c->sibling)
        if (strlen(c->name) == len && memcmp(c->name, name, len) == 0)
            return c;
    return NULL;
}

extern const struct node_ops vnode_ops;

/* Add a child vnode (appended, so listings keep creation order); an existing
 * directory of that name is returned as is.  NULL on ENOMEM or a clash. */
struct vnode *vnode_add(struct vnode *parent, const char *name, u8 kind, u32 mode)
{
    size_t len = strlen(name);
    struct vnode *v = vnode_find(parent, name, len);
    if (v != NULL)
        return (kind == VN_DIR && v->kind == VN_DIR) ? v : NULL;
    v = kzalloc(sizeof(*v) + len + 1);
    if (v == NULL)
        return NULL;
    char *nm = (char *)(v + 1);
    memcpy(nm, name, len + 1);
    v->name = nm;
    v->kind = kind;
    v->mode = mode;
    v->ino = next_ino++;
    v->dev = parent->dev;
    v->parent = parent;
    v->nops = &vnode_ops;
    struct vnode **pp = &parent->child;
    while (*pp != NULL)
        pp = &(*pp)->sibling;
    *pp = v;
    return v;
}

/* -------------------------------------------------------- path resolution */

struct walkbuf {
    struct lookup lk;
    char rest[VFS_PATH_MAX];           /* unwalked path, symlinks spliced in */
    char target[VFS_PATH_MAX];         /* symlink target scratch */
    int lflags;                        /* LOOKUP_* of this walk */
    /* where absolute paths start and ".." stops: the process root, or the
     * start directory for LOOKUP_BENEATH / LOOKUP_IN_ROOT (path in scope) */
    struct node root;
    struct mount *root_mnt;
    const char *root_path;
    char scope[VFS_PATH_MAX];
};

static struct walkbuf *spare_walk;

struct lookup *lookup_alloc(void)
{
    struct walkbuf *w = spare_walk;
    if (w != NULL) {
        spare_walk = NULL;
        return &w->lk;
    }
    w = kmalloc(sizeof(*w));
    return w != NULL ? &w->lk : NULL;
}

void lookup_free(struct lookup *lk)
{
    if (lk == NULL)
        return;
    struct walkbuf *w = container_of(lk, struct walkbuf, lk);
    if (spare_walk == NULL)
        spare_walk = w;
    else
        kfree(w);
}

/* Move n and m into the newest mounts attached at path[0..len) on m; the count. */
static int cross_mounts(const char *path, size_t len, struct node *n, struct mount **m)
{
    int crossed = 0;
    struct mount *over;
    while ((over = mount_over(*m, path, len)) != NULL) {
        *m = over;
        *n = over->root;
        crossed++;
    }
    return crossed;
}

/* Resolve a canonical absolute path (no symlinks, ".", ".." or "//"). */
static int resolve_canonical(const char *path, struct node *out, struct mount **mnt)
{
    struct mount *m = mount_root();
    struct node cur = m->root;
    const char *p = path;
    size_t al;
    if (mount_path_is_anon(path)) {
        /* in a detached tree: start at its root "//N" */
        m = mount_anon_root(path, &al);
        if (m == NULL)
            return -ENOENT;
        cur = m->root;
        cross_mounts(path, al, &cur, &m);
        p = path + al;
    } else {
        cross_mounts("/", 1, &cur, &m);
    }
    while (*p != '\0') {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e != '\0' && *e != '/')
            e++;
        if (e == p)
            break;
        const struct node_ops *o = node_ops_of(cur);
        if (o->lookup == NULL)
            return -ENOTDIR;
        int r = o->lookup(cur, p, (size_t)(e - p), &cur);
        if (r < 0)
            return r;
        cross_mounts(path, (size_t)(e - path), &cur, &m);
        p = e;
    }
    *out = cur;
    if (mnt != NULL)
        *mnt = m;
    return 0;
}

int vfs_resolve_canonical(const char *path, struct node *out, struct mount **mnt)
{
    return resolve_canonical(path, out, mnt);
}

/* Drop the last component of canonical path p (the root stays "/"). */
static void canon_up(char *p)
{
    char *s = strrchr(p, '/');
    if (s == NULL || s == p)
        p[1] = '\0';
    else
        *s = '\0';
}

static int canon_append(char *p, const char *name, size_t len)
{
    size_t pl = strlen(p);
    size_t need = pl + (pl > 1 ? 1 : 0) + len + 1;
    if (need > VFS_PATH_MAX)
        return -ENAMETOOLONG;
    if (pl > 1)
        p[pl++] = '/';
    memcpy(p + pl, name, len);
    p[pl + len] = '\0';
    return 0;
}

/* Put the walk at its root (an absolute path or symlink). */
static void walk_jump_root(struct walkbuf *w)
{
    w->lk.node = w->root;
    w->lk.mnt = w->root_mnt;
    memcpy(w->lk.path, w->root_path, strlen(w->root_path) + 1);
}

/* Set the walk's start (the root, the cwd or a directory fd) and its root. */
static int walk_start(struct walkbuf *w, int dirfd, const char *path)
{
    struct lookup *lk = &w->lk;
    bool scoped = (w->lflags & (LOOKUP_BENEATH | LOOKUP_IN_ROOT)) != 0;
    struct fs_state *fs = fs_cur();
    w->root = fs->root_node;
    w->root_mnt = fs_root_mount(fs);
    w->root_path = fs->root_path;
    if (path[0] == '/' && (w->lflags & LOOKUP_BENEATH) != 0)
        return -EXDEV;
    if (path[0] == '/' && !scoped) {
        walk_jump_root(w);
        return 0;
    }
    if (dirfd == AT_FDCWD) {
        lk->node = fs->cwd_node;
        lk->mnt = fs_cwd_mount(fs);
        memcpy(lk->path, fs->cwd_path, strlen(fs->cwd_path) + 1);
    } else {
        struct file *f = fd_file(dirfd);
        if (f == NULL)
            return -EBADF;
        if (path[0] != '\0' && (f->path == NULL || !node_is_dir(f->node)))
            return -ENOTDIR;
        lk->node = f->node;
        if (f->path != NULL)
            memcpy(lk->path, f->path, strlen(f->path) + 1);
        else
            lk->path[0] = '\0';
        lk->mnt = mount_at(lk->path);
    }
    if (scoped) {
        memcpy(w->scope, lk->path, strlen(lk->path) + 1);
        w->root = lk->node;
        w->root_mnt = lk->mnt;
        w->root_path = w->scope;
    }
    return 0;
}

/* Is lnk a "magic" link (/proc/self/fd/N), which names an open file rather
 * than a path? */
static bool magic_link(struct node lnk)
{
    return lnk.v != NULL && lnk.v->kind == VN_FDLINK;
}

/* Follow magic link lnk: jump to the open file's node.  1 if done, 0 to
 * follow its text instead (a file with no path: pipes, sockets), or -errno. */
static int walk_magic(struct walkbuf *w, struct node lnk)
{
    struct lookup *lk = &w->lk;
    if ((w->lflags & (LOOKUP_NO_MAGICLINKS | LOOKUP_NO_SYMLINKS)) != 0)
        return -ELOOP;
    struct file *f = fd_file((int)lnk.id);
    if (f == NULL)
        return -ENOENT;
    struct mount *m = mount_at(f->path != NULL ? f->path : "");
    if ((w->lflags & LOOKUP_NO_XDEV) != 0 && m != lk->mnt)
        return -EXDEV;
    if ((w->lflags & (LOOKUP_BENEATH | LOOKUP_IN_ROOT)) != 0)
        return -EXDEV;
    if (f->path == NULL)
        return 0;
    lk->node = f->node;
    lk->mnt = m;
    memcpy(lk->path, f->path, strlen(f->path) + 1);
    return 1;
}

/* Is fd an nsfs file?  Then *out = its node (a /proc/self/fd link to it
 * reopens the namespace, as on Linux). */
static bool nsfs_fd_node(int fd, struct node *out)
{
    struct file *f = fd_file(fd);
    if (f == NULL || ns_of_file(f) == NULL)
        return false;
    *out = f->node;
    return true;
}

/* Follow a /proc/<pid>/ns/ or /proc/self/fd/ link named name[len]: jump to the namespace's
 * nsfs node (another file system, like Linux's nsfs mount).  0 or -errno. */
static int walk_nsfs(struct walkbuf *w, struct node ns, const char *name, size_t len, bool dir)
{
    struct lookup *lk = &w->lk;
    if ((w->lflags & (LOOKUP_NO_MAGICLINKS | LOOKUP_NO_SYMLINKS)) != 0)
        return -ELOOP;
    if ((w->lflags & (LOOKUP_NO_XDEV | LOOKUP_BENEATH | LOOKUP_IN_ROOT)) != 0)
        return -EXDEV;
    if (dir)
        return -ENOTDIR;
    int r = canon_append(lk->path, name, len);
    if (r < 0)
        return r;
    lk->node = ns;
    return 0;
}

/* Replace the walked-to symlink lnk with its target in front of rest (which
 * starts at *pp).  Absolute targets restart at the root. */
static int walk_splice(struct walkbuf *w, struct node lnk, const char **pp)
{
    const struct node_ops *o = node_ops_of(lnk);
    long tl = o->readlink != NULL ? o->readlink(lnk, w->target, VFS_PATH_MAX) : -EINVAL;
    if (tl < 0)
        return (int)tl;
    if (tl == 0)
        return -ENOENT;
    size_t rl = strlen(*pp);
    if ((size_t)tl + rl + 1 > VFS_PATH_MAX)
        return -ENAMETOOLONG;
    memmove(w->rest + tl, *pp, rl + 1);
    memcpy(w->rest, w->target, (size_t)tl);
    *pp = w->rest;
    if (w->target[0] == '/') {
        if ((w->lflags & LOOKUP_BENEATH) != 0)
            return -EXDEV;
        if ((w->lflags & LOOKUP_NO_XDEV) != 0 && w->lk.mnt != w->root_mnt)
            return -EXDEV;
        walk_jump_root(w);
    }
    return 0;
}

/* Walk ".." from the current node: it stays at the walk's root (EXDEV for
 * LOOKUP_BENEATH); leaving a mount is EXDEV for LOOKUP_NO_XDEV. */
static int walk_up(struct walkbuf *w)
{
    struct lookup *lk = &w->lk;
    struct mount *from = lk->mnt;
    if (strcmp(lk->path, w->root_path) == 0)
        return (w->lflags & LOOKUP_BENEATH) != 0 ? -EXDEV : 0;
    if (mount_path_is_anon(lk->path) && strchr(lk->path + 2, '/') == NULL)
        return 0;                      /* the root of a detached tree: ".." stays */
    canon_up(lk->path);
    int r = resolve_canonical(lk->path, &lk->node, &lk->mnt);
    if (r == 0 && (w->lflags & LOOKUP_NO_XDEV) != 0 && lk->mnt != from)
        return -EXDEV;
    return r;
}

/* May the caller search directory n (Linux's may_lookup, MAY_EXEC with
 * the fs ids)?  Only TFS and tmpfs directories are checked (/dev and /proc
 * are for everyone); CAP_DAC_READ_SEARCH or CAP_DAC_OVERRIDE skip it. */
static int may_search(struct node n)
{
    struct kstat st;
    if (cap_has(CAP_DAC_READ_SEARCH) || (n.v != NULL && !n.v->ram) || node_stat(n, &st) < 0)
        return 0;
    u32 bits = process_fsuid() == st.uid ? st.mode >> 6 : process_in_group(st.gid) ? st.mode >> 3 : st.mode;
    return (bits & 1) != 0 || cap_has(CAP_DAC_OVERRIDE) ? 0 : -EACCES;
}

/* One component name[len] (p points just past it).  0 to continue. */
static int walk_component(struct walkbuf *w, const char *name, size_t len, const char **pp,
                          int *links)
{
    int lflags = w->lflags;
    struct lookup *lk = &w->lk;
    const char *p = *pp;
    bool slash = *p == '/';
    while (*p == '/')
        p++;
    bool last = *p == '\0';
    int r = may_search(lk->node);
    if (r < 0)
        return r;
    if (len > VFS_NAME_MAX)
        return -ENAMETOOLONG;
    if (len == 1 && name[0] == '.')
        return 0;
    if (len == 2 && name[0] == '.' && name[1] == '.')
        return walk_up(w);
    const struct node_ops *o = node_ops_of(lk->node);
    struct node next;
    r = o->lookup != NULL ? o->lookup(lk->node, name, len, &next) : -ENOTDIR;
    if (r == -ENOENT && last) {
        lk->missing_last = true;
        memcpy(lk->last, name, len);
        lk->last[len] = '\0';
    }
    if (r < 0)
        return r;
    u32 mode = node_mode(next);
    if (S_ISLNK(mode) && (!last || slash || (lflags & LOOKUP_FOLLOW) != 0)) {
        if (++*links > VFS_SYMLINK_MAX)
            return -ELOOP;
        if ((lflags & LOOKUP_NO_SYMLINKS) != 0)
            return -ELOOP;
        struct node nsn;
        if (magic_link(next) && nsfs_fd_node((int)next.id, &nsn))
            return walk_nsfs(w, nsn, name, len, !last || slash);
        if (magic_link(next)) {
            r = walk_magic(w, next);
            if (r != 0)
                return r < 0 ? r : 0;
        }
        if (nsfs_link_follow(&next, &nsn))
            return walk_nsfs(w, nsn, name, len, !last || slash);
        return walk_splice(w, next, pp);
    }
    if ((!last || slash) && !S_ISDIR(mode))
        return -ENOTDIR;
    r = canon_append(lk->path, name, len);
    if (r < 0)
        return r;
    lk->node = next;
    if (cross_mounts(lk->path, strlen(lk->path), &lk->node, &lk->mnt) != 0 &&
        (lflags & LOOKUP_NO_XDEV) != 0)
        return -EXDEV;
    return 0;
}

int vfs_lookup(int dirfd, const char *path, int lflags, struct lookup *lk)
{
    struct walkbuf *w = container_of(lk, struct walkbuf, lk);
    size_t plen = strlen(path);
    int links = 0;
    lk->missing_last = false;
    lk->last[0] = '\0';
    if (plen == 0 && (lflags & LOOKUP_EMPTY) == 0)
        return -ENOENT;
    if (plen >= VFS_PATH_MAX)
        return -ENAMETOOLONG;
    w->lflags = lflags;
    int r = walk_start(w, dirfd, path);
    if (r < 0)
        return r;
    memcpy(w->rest, path, plen + 1);
    const char *p = w->rest;
    for (;;) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *name = p;
        while (*p != '\0' && *p != '/')
            p++;
        /* a splice rewrites rest, so copy the name out first */
        size_t len = (size_t)(p - name);
        char comp[VFS_NAME_MAX + 1];
        if (len > VFS_NAME_MAX)
            return -ENAMETOOLONG;
        memcpy(comp, name, len);
        r = walk_component(w, comp, len, &p, &links);
        if (r < 0)
            return r;
    }
    if ((lflags & LOOKUP_DIRECTORY) != 0 && !node_is_dir(lk->node))
        return -ENOTDIR;
    return 0;
}

/* ------------------------------------------------- per-thread fs state */

/* A cwd or root holds its TFS directory as an open file does, so removing
 * it leaves an empty, nameless directory until the cwd moves (the TFS root
 * is never removed and needs no hold). */
static void fs_node_hold(struct node n)
{
    if (n.v == NULL && n.id != TFS_ID_ROOT && tfs_node_pin(n.id) < 0)
        klog("solo: cannot hold directory %lu as a cwd", n.id);
}

static void fs_node_release(struct node n)
{
    if (n.v == NULL && n.id != TFS_ID_ROOT)
        tfs_node_unpin(n.id);
}

struct fs_state *fs_state_current(void)
{
    return fs_cur();
}

struct fs_state *fs_state_first(void)
{
    return all_fs;
}

struct fs_state *fs_state_share(void)
{
    struct fs_state *s = fs_cur();
    s->refs++;
    return s;
}

struct fs_state *fs_state_copy(void)
{
    struct fs_state *s = kmalloc(sizeof(*s));
    if (s == NULL)
        return NULL;
    *s = *fs_cur();
    s->refs = 1;
    fs_node_hold(s->cwd_node);
    fs_node_hold(s->root_node);
    s->next = all_fs;
    all_fs = s;
    return s;
}

/* The last user gone: off the list (so its cwd and root keep no mount
 * busy), and freed unless it is the first thread's static one. */
void fs_state_put(struct fs_state *s)
{
    if (s == NULL || --s->refs > 0)
        return;
    for (struct fs_state **pp = &all_fs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    fs_node_release(s->cwd_node);
    fs_node_release(s->root_node);
    if (s != &init_fs)
        kfree(s);
}

int fs_state_unshare(void)
{
    struct fs_state *old = fs_cur();
    if (old->refs == 1)
        return 0;
    struct fs_state *s = fs_state_copy();
    if (s == NULL)
        return -ENOMEM;
    current->fs = s;
    fs_state_put(old);
    return 0;
}

u32 fs_umask(void)
{
    return fs_cur()->umask;
}

void fs_set_umask(u32 mask)
{
    fs_cur()->umask = mask;
}

/* ------------------------------------------------------------------ cwd */

const char *vfs_cwd(void)
{
    return fs_cur()->cwd_path;
}

struct node vfs_cwd_node(void)
{
    return fs_cur()->cwd_node;
}

/* Make n (a directory whose canonical path is path) the cwd. */
int vfs_chdir_node(struct node n, const char *path)
{
    if (!node_is_dir(n))
        return -ENOTDIR;
    size_t len = strlen(path);
    if (len == 0 || len >= VFS_PATH_MAX)
        return -ENOENT;
    vfs_set_fs_at(fs_cur(), false, n, path, mount_at(path));
    return 0;
}

struct mount *vfs_cwd_mount(void)
{
    return fs_cwd_mount(fs_cur());
}

struct mount *fs_cwd_mount(const struct fs_state *s)
{
    return s->cwd_mnt != NULL ? s->cwd_mnt : mount_root();
}

struct mount *fs_root_mount(const struct fs_state *s)
{
    return s->root_mnt != NULL ? s->root_mnt : mount_root();
}

/* ------------------------------------------------------------ the root */

/* Make directory n (canonical path) the process root; the cwd stays. */
int vfs_chroot(struct node n, const char *path)
{
    if (!node_is_dir(n))
        return -ENOTDIR;
    size_t len = strlen(path);
    if (len == 0 || len >= VFS_PATH_MAX)
        return -ENOENT;
    vfs_set_fs_at(fs_cur(), true, n, path, mount_at(path));
    return 0;
}

void vfs_set_fs_at(struct fs_state *s, bool root, struct node n, const char *path, struct mount *m)
{
    size_t len = strlen(path);
    if (len == 0 || len >= VFS_PATH_MAX)
        return;
    memcpy(root ? s->root_path : s->cwd_path, path, len + 1);
    fs_node_hold(n);
    fs_node_release(root ? s->root_node : s->cwd_node);
    if (root) {
        s->root_node = n;
        s->root_mnt = m;
    } else {
        s->cwd_node = n;
        s->cwd_mnt = m;
    }
}

const char *vfs_root_path(void)
{
    return fs_cur()->root_path;
}

struct mount *vfs_root_mount(void)
{
    return fs_root_mount(fs_cur());
}

/* path as the program sees it (a suffix of path, or "/"), or NULL when it is
 * outside the process root. */
const char *vfs_user_path(const char *path)
{
    const char *root_path = fs_cur()->root_path;
    size_t rl = strlen(root_path);
    if (mount_path_is_anon(path)) {
        /* in a detached tree: from its root, as Linux's d_path shows it */
        const char *s = strchr(path + 2, '/');
        return s != NULL ? s : "/";
    }
    if (rl == 1)
        return path;
    if (strncmp(path, root_path, rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))
        return NULL;
    return path[rl] == '\0' ? "/" : path + rl;
}

/* ---------------------------------------------------------------- files */

struct file *file_alloc(void)
{
    struct file *f = kzalloc(sizeof(*f));
    if (f != NULL)
        f->refs = 1;
    return f;
}

void file_mark_mapped(struct file *f)
{
    f->mapped = true;
}

void file_get(struct file *f)
{
    kassert(f->refs > 0);
    f->refs++;
}

void file_put(struct file *f)
{
    if (f == NULL)
        return;
    kassert(f->refs > 0);
    if (--f->refs > 0)
        return;
    locks_file_released(f);
    if (f->notify)
        fsnotify_file(f, (f->flags & O_ACCMODE) != O_RDONLY ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
    if (f->ops != NULL && f->ops->release != NULL)
        f->ops->release(f);
    if (f->tfs_pinned)
        tfs_node_unpin(f->node.id);
    if (f->notify && (inotify_live | fanotify_live) != 0)
        inotify_released(f);
    kfree(f->path);
    kfree(f);
}

int node_open(struct node n, const char *path, int flags, struct file **out)
{
    return node_open_nn(n, path, flags, false, out);
}

/* Open resolved node n.  O_PATH opens only name the node; otherwise the node's
 * kind sets the methods.  nonotify: the file reports no fsnotify events (and
 * its open asks no fanotify permission).  0 and *out (one reference), or
 * -errno. */
int node_open_nn(struct node n, const char *path, int flags, bool nonotify, struct file **out)
{
    struct file *f = file_alloc();
    if (f == NULL)
        return -ENOMEM;
    f->node = n;
    f->flags = flags & ~O_CLOEXEC;
    f->nonotify = nonotify;
    if (path != NULL && !nsfs_node_is(&n)) {
        size_t len = strlen(path);
        f->path = kmalloc(len + 1);
        if (f->path == NULL) {
            file_put(f);
            return -ENOMEM;
        }
        memcpy(f->path, path, len + 1);
    }
    if ((flags & O_PATH) == 0) {
        const struct node_ops *o = node_ops_of(n);
        int r = f->nonotify ? 0 : fsnotify_open_perm(n, path, flags);
        if (r == 0)
            r = o->open != NULL ? o->open(n, f) : -ENXIO;
        if (r < 0) {
            file_put(f);
            return r;
        }
        f->notify = true;
        fsnotify_file(f, IN_OPEN);
    }
    *out = f;
    return 0;
}

/* Kernel-internal open: follows symlinks, read-only access only. */
int vfs_open(const char *path, int flags, int mode, struct file **out)
{
    if ((flags & (O_ACCMODE | O_CREAT | O_TRUNC)) != 0)
        return -EROFS;
    struct lookup *lk = lookup_alloc();
    if (lk == NULL)
        return -ENOMEM;
    int lf = (flags & O_NOFOLLOW) != 0 ? 0 : LOOKUP_FOLLOW;
    int r = vfs_lookup(AT_FDCWD, path, lf, lk);
    if (r == 0 && (flags & O_DIRECTORY) != 0 && !node_is_dir(lk->node))
        r = -ENOTDIR;
    if (r == 0 && (flags & O_PATH) == 0 && S_ISLNK(node_mode(lk->node)))
        r = -ELOOP;
    if (r == 0)
        r = node_open(lk->node, lk->path, flags | O_LARGEFILE, out);
    lookup_free(lk);
    return r;
}

long file_pread(struct file *f, void *buf, size_t n, u64 off)
{
    if ((f->flags & O_PATH) != 0 || (f->flags & O_ACCMODE) == O_WRONLY)
        return -EBADF;
    if (f->ops == NULL || f->ops->read == NULL)
        return -EINVAL;
    return f->ops->read(f, buf, n, off);
}

long file_size(struct file *f)
{
    struct kstat st;
    int r = node_stat(f->node, &st);
    if (r < 0)
        return r;
    if (!S_ISREG(st.mode))
        return -ENODEV;
    if (f->ops != NULL && f->ops->size != NULL)
        return f->ops->size(f);
    return (long)st.size;
}

int file_flags(struct file *f)
{
    return f->flags;
}

const char *file_path(struct file *f)
{
    return f->path;
}

bool file_has_mmap(struct file *f)
{
    return f->ops != NULL && f->ops->mmap != NULL;
}

int file_mmap(struct file *f, u64 addr, u64 len, u32 prot, u64 off)
{
    return file_has_mmap(f) ? f->ops->mmap(f, addr, len, prot, off) : -ENODEV;
}

/* --------------------------------------------------------------- fd table */

struct file *fd_file(int fd)
{
    if (fd < 0 || fd >= VFS_FD_MAX)
        return NULL;
    return fdt[fd].f;
}

/* Descriptors allowed: RLIMIT_NOFILE, at most the table's size. */
int fd_limit(void)
{
    return (int)MIN(rlimit_cur(RLIMIT_NOFILE), (u64)VFS_FD_MAX);
}

/* The lowest free descriptor >= minfd, or -EMFILE when none is below the
 * limit (also when RLIMIT_NOFILE is at or below minfd: Linux's alloc_fd;
 * F_DUPFD's EINVAL for an arg past the limit is its caller's). */
int fd_install(struct file *f, int minfd, bool cloexec)
{
    int lim = fd_limit();
    if (minfd < 0)
        return -EINVAL;
    for (int fd = minfd; fd < lim; fd++) {
        if (fdt[fd].f == NULL) {
            fdt[fd].f = f;
            fdt[fd].cloexec = cloexec;
            return fd;
        }
    }
    return -EMFILE;
}

int fd_close(int fd)
{
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;
    fdt[fd].f = NULL;
    fdt[fd].cloexec = false;
    locks_fd_closed(f);
    file_put(f);
    return 0;
}

/* Make newfd refer to oldfd's file (closing what newfd held). */
int fd_dup2(int oldfd, int newfd, bool cloexec)
{
    struct file *f = fd_file(oldfd);
    if (f == NULL || newfd < 0 || newfd >= fd_limit())
        return -EBADF;
    file_get(f);
    struct file *old = fdt[newfd].f;
    fdt[newfd].f = f;
    fdt[newfd].cloexec = cloexec;
    if (old != NULL)
        locks_fd_closed(old);          /* closing newfd drops the process's record locks */
    file_put(old);
    return newfd;
}

bool fd_cloexec(int fd)
{
    return fd_file(fd) != NULL && fdt[fd].cloexec;
}

void fd_set_cloexec(int fd, bool on)
{
    if (fd_file(fd) != NULL)
        fdt[fd].cloexec = on;
}

int fd_next_open(int from)
{
    for (int fd = MAX(from, 0); fd < VFS_FD_MAX; fd++)
        if (fdt[fd].f != NULL)
            return fd;
    return -1;
}

/* ---------------------------------------------------------------- readdir */

struct readdir_ctx {
    struct file *f;
    dir_emit_fn emit;
    void *ctx;
};

/* Provider positions are shifted by 2 past "." and "..". */
static int readdir_shift(void *c, const char *name, size_t len, u64 ino, u8 dtype, u64 next)
{
    struct readdir_ctx *rc = c;
    if (rc->emit(rc->ctx, name, len, ino, dtype, next + 2) != 0)
        return 1;
    rc->f->off = next + 2;
    return 0;
}

static u64 parent_ino(struct file *f)
{
    struct node n;
    struct kstat st;
    char *p = kmalloc(VFS_PATH_MAX);
    u64 ino = 0;
    if (p == NULL || f->path == NULL)
        goto out;
    memcpy(p, f->path, strlen(f->path) + 1);
    canon_up(p);
    if (resolve_canonical(p, &n, NULL) == 0 && node_stat(n, &st) == 0)
        ino = st.ino;
out:
    kfree(p);
    return ino;
}

int vfs_readdir(struct file *f, dir_emit_fn emit, void *ctx)
{
    struct kstat st;
    int r = node_stat(f->node, &st);
    if (r < 0)
        return r;
    if (!S_ISDIR(st.mode))
        return -ENOTDIR;
    if (node_unlinked(f->node))
        return -ENOENT;                /* a removed directory lists nothing, not even "." */
    if (f->off == 0) {
        if (emit(ctx, ".", 1, st.ino, DT_DIR, 1) != 0)
            return 0;
        f->off = 1;
    }
    if (f->off == 1) {
        if (emit(ctx, "..", 2, parent_ino(f), DT_DIR, 2) != 0)
            return 0;
        f->off = 2;
    }
    const struct node_ops *o = node_ops_of(f->node);
    struct readdir_ctx rc = { f, emit, ctx };
    return o->readdir != NULL ? o->readdir(f->node, f->off - 2, readdir_shift, &rc) : -ENOTDIR;
}

void out_put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    int n = kvsnprintf(room != 0 ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}
