/*
 * mount.c - the mount table: which file system root each mount point shows.
 *
 * A mount attaches a root node (a fresh tmpfs, /proc, or any node for a bind
 * mount) at a canonical path on a parent mount.  Path walks (fs/vfs.c) cross
 * into the newest mount attached at the path they reach on the mount they
 * are on, so a later mount hides an earlier one at the same place and
 * unmounting it shows the earlier one (or the directory underneath) again.
 * Entries are kept in mount order, which is also the order
 * /proc/self/mounts lists them in.
 *
 * The root file system (TFS) and solo's built-in /dev, /proc, /tmp and
 * /dev/shm are entries too, marked built in: their flags can be changed by a
 * remount but they cannot be unmounted (EBUSY), since the vnodes behind them
 * are part of the root directory's overlay.
 *
 * Detached mounts (fsmount, open_tree with OPEN_TREE_CLONE) are entries too,
 * kept in the table but attached nowhere: such a tree's root has no parent
 * and the mount point "//N" (a path no canonical path from the real root can
 * be, since those never hold "//"), and its files' paths start with it, so
 * walks from a mount fd and ".." stay inside the tree.  /proc/self/mounts
 * skips them.  move_mount (or MS_MOVE) attaches a tree, or moves an attached
 * one, by rewriting the mount points of the tree and the paths of the open
 * files, the cwd and the root on it.
 *
 * Lifetime: a removed mount is taken out of the table but never freed, so a
 * cwd, root or open file that still refers to it stays valid (nodes are never
 * freed either; a detached tmpfs keeps its contents while files on it are
 * open, and after).
 */
#include "fs/vfs_impl.h"
#include "syscalls/misc.h"

#define MNT_FORCE 1
#define MNT_DETACH 2
#define MNT_EXPIRE 4
#define UMOUNT_NOFOLLOW 8

static struct mount root_mount = {
    .id = 1, .path = "/", .root = { NULL, TFS_ID_ROOT }, .root_path = "/", .fstype = "tfs",
    .source = "/dev/root", .flags = MS_NOATIME, .dev = VFS_DEV_ROOT, .builtin = true,
};
/* The table: every attached and detached mount in mount order (the first
 * one created is root_mount).  top is the root of the whole tree, the mount
 * whose mount point is "/" with no parent: root_mount until pivot_root
 * makes another mount the top. */
static struct mount *mounts = &root_mount;
static struct mount *top = &root_mount;
static struct mount *proc_mount;      /* solo's built-in /proc (stays after pivot_root) */
static int next_id = 2;
static int next_anon = 1;              /* N of the next detached tree "//N" */
static int next_tmpfs_minor = 40;      /* st_dev minors of new tmpfs instances */

struct mount *mount_root(void)
{
    return top;
}

/* Does path[0..len) equal the NUL-terminated string s? */
static bool path_eq(const char *s, const char *path, size_t len)
{
    return strncmp(s, path, len) == 0 && s[len] == '\0';
}

struct mount *mount_over(struct mount *parent, const char *path, size_t len)
{
    struct mount *found = NULL;
    for (struct mount *m = mounts; m != NULL; m = m->next)
        if (m->parent == parent && path_eq(m->path, path, len))
            found = m;
    return found;
}

bool mount_path_is_anon(const char *path)
{
    return path[0] == '/' && path[1] == '/';
}

struct mount *mount_anon_root(const char *path, size_t *len)
{
    size_t n = 2;
    if (!mount_path_is_anon(path))
        return NULL;
    while (path[n] != '\0' && path[n] != '/')
        n++;
    for (struct mount *m = mounts; m != NULL; m = m->next) {
        if (m->parent == NULL && path_eq(m->path, path, n)) {
            *len = n;
            return m;
        }
    }
    return NULL;
}

struct mount *mount_at(const char *path)
{
    struct mount *m = top, *over;
    size_t start = 1;
    if (mounts == top && top->next == NULL)
        return m;
    if (mount_path_is_anon(path)) {
        m = mount_anon_root(path, &start);
        if (m == NULL)
            return top;                /* a dissolved tree: nothing to cross */
        while ((over = mount_over(m, path, start)) != NULL)
            m = over;
        start++;
    } else {
        while ((over = mount_over(m, "/", 1)) != NULL)
            m = over;
    }
    if (path[start - 1] == '\0')
        return m;
    for (size_t i = start; path[0] == '/'; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        while ((over = mount_over(m, path, i)) != NULL)
            m = over;
        if (path[i] == '\0')
            break;
    }
    return m;
}

/* Append m to the table. */
static void table_add(struct mount *m)
{
    struct mount **pp = &mounts;
    while (*pp != NULL)
        pp = &(*pp)->next;
    m->next = NULL;
    *pp = m;
}

static char *kstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = kmalloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

/* A new entry for root at path (canonical) on parent.  NULL on ENOMEM. */
static struct mount *mount_new(struct mount *parent, const char *path, struct node root,
                               const char *fstype, const char *source, unsigned long flags, u64 dev)
{
    struct mount *m = kzalloc(sizeof(*m));
    char *p = kstrdup(path), *s = kstrdup(source);
    if (m == NULL || p == NULL || s == NULL) {
        kfree(m);
        kfree(p);
        kfree(s);
        return NULL;
    }
    m->id = next_id++;
    m->parent = parent;
    m->path = p;
    m->root = root;
    m->root_path = "/";
    m->fstype = fstype;
    m->source = s;
    m->flags = flags;
    m->dev = dev;
    return m;
}

/* Record one of solo's built-in file systems (already in the overlay). */
static void builtin(const char *path, const char *fstype, const char *source,
                    unsigned long flags, u64 dev)
{
    struct node n;
    struct mount *parent;
    if (vfs_resolve_canonical(path, &n, &parent) < 0)
        return;
    struct mount *m = mount_new(parent, path, n, fstype, source, flags, dev);
    if (m == NULL)
        panic("vfs: out of memory recording the mount of %s", path);
    m->builtin = true;
    table_add(m);
    if (strcmp(fstype, "proc") == 0)
        proc_mount = m;
}

void mount_init(void)
{
    if (root_mount.next != NULL || top != &root_mount)
        return;
    builtin("/dev", "devtmpfs", "udev", MS_NOSUID, VFS_DEV_DEVFS);
    builtin("/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME, VFS_DEV_PROC);
    builtin("/tmp", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, VFS_DEV_TMPFS);
    builtin("/dev/shm", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, VFS_DEV_TMPFS);
    /* the cwd may have been set inside one of them before they were recorded */
    vfs_chdir_node(vfs_cwd_node(), vfs_cwd());
}

/* ----------------------------------------------------------- mount(2) */

/* Is the object lk names the root of its mount? */
static bool at_mount_root(const struct lookup *lk)
{
    return strcmp(lk->mnt->path, lk->path) == 0;
}

/* The mount flags a new mount or a remount sets from mount(2) flags. */
static unsigned long mnt_flags_of(unsigned long flags)
{
    unsigned long f = flags & MNT_FLAGS;
    if ((f & (MS_NOATIME | MS_STRICTATIME)) == 0)
        f |= MS_RELATIME;
    return f & ~MS_STRICTATIME;
}

/* Parse a tmpfs size= value: bytes with an optional k/m/g/t suffix, or a
 * percentage of RAM.  0 or -EINVAL. */
int mount_parse_size(const char *s, size_t len, u64 *out)
{
    u64 v = 0;
    size_t i = 0;
    if (len == 0)
        return -EINVAL;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        if (v > (~0ULL - 9) / 10)
            return -EINVAL;
        v = v * 10 + (u64)(s[i] - '0');
    }
    if (i == 0)
        return -EINVAL;
    int shift = 0;
    if (i + 1 == len) {
        switch (s[i]) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        case 't': case 'T': shift = 40; break;
        case '%':
            *out = mem_total_bytes() / 100 * v;
            return 0;
        default: return -EINVAL;
        }
    } else if (i != len) {
        return -EINVAL;
    }
    if (shift != 0 && v > (~0ULL >> shift))
        return -EINVAL;
    *out = ALIGN_UP(v << shift, (u64)4096);
    return 0;
}

/* Parse tmpfs options (size=, mode=, comma-separated; NULL or "" for none). */
static int tmpfs_options(const char *data, u64 *size, u32 *mode)
{
    const char *p = data;
    while (p != NULL && *p != '\0') {
        const char *e = p;
        while (*e != '\0' && *e != ',')
            e++;
        size_t len = (size_t)(e - p);
        if (len > 5 && memcmp(p, "size=", 5) == 0) {
            if (mount_parse_size(p + 5, len - 5, size) < 0)
                return -EINVAL;
        } else if (len > 5 && memcmp(p, "mode=", 5) == 0) {
            u32 m = 0;
            for (size_t i = 5; i < len; i++) {
                if (p[i] < '0' || p[i] > '7' || m > 07777)
                    return -EINVAL;
                m = m * 8 + (u32)(p[i] - '0');
            }
            *mode = m & 07777;
        } else if (len != 0) {
            return -EINVAL;
        }
        p = *e == ',' ? e + 1 : e;
    }
    return 0;
}

int mount_tmpfs_create(u64 size, u32 mode, struct node *root, struct tmpfs_sb **sbp, u64 *dev)
{
    struct tmpfs_sb *sb = kzalloc(sizeof(*sb));
    if (sb == NULL)
        return -ENOMEM;
    sb->limit = size;
    *dev = VFS_MKDEV(0, next_tmpfs_minor);
    struct vnode *v = ramfs_new_root(*dev, mode, sb);
    if (v == NULL) {
        kfree(sb);
        return -ENOMEM;
    }
    next_tmpfs_minor++;
    *root = (struct node){ v, v->arg };
    *sbp = sb;
    return 0;
}

/* A new tmpfs instance from mount(2) options: its root node, sb and st_dev. */
static int tmpfs_new(const char *data, struct node *root, struct tmpfs_sb **sbp, u64 *dev)
{
    u64 size = 0;
    u32 mode = 01777;
    int r = tmpfs_options(data, &size, &mode);
    if (r < 0)
        return r;
    return mount_tmpfs_create(size, mode, root, sbp, dev);
}

/* Attach m at tk's place (after the directory/non-directory check). */
static int graft(struct mount *m, struct lookup *tk)
{
    if (!mount_is_ours(tk->mnt))
        return -EINVAL;                /* not onto a detached tree */
    if (node_is_dir(m->root) != node_is_dir(tk->node))
        return -ENOTDIR;
    m->parent = tk->mnt;
    table_add(m);
    return 0;
}

/* The root_path (for mountinfo) of a bind of srcpath, a path on mount sm:
 * the source's path inside its file system.  NULL on ENOMEM. */
static char *bind_root_path(const struct mount *sm, const char *srcpath)
{
    size_t ml = strlen(sm->path);
    const char *rel = ml == 1 ? srcpath : srcpath + ml;
    bool top = strcmp(sm->root_path, "/") == 0;
    size_t n = strlen(sm->root_path) + strlen(rel) + 2;
    char *rp = kmalloc(n);
    if (rp == NULL)
        return NULL;
    if (rel[0] == '\0')
        ksnprintf(rp, n, "%s", sm->root_path);
    else
        ksnprintf(rp, n, "%s%s", top ? "" : sm->root_path, rel);
    return rp;
}

/* A new entry showing node n (at srcpath on mount sm) at path on parent,
 * with sm's file system and flags.  NULL on ENOMEM. */
static struct mount *bind_new(struct mount *sm, const char *srcpath, struct node n,
                              struct mount *parent, const char *path)
{
    struct kstat st;
    if (node_stat(n, &st) < 0)
        st.dev = sm->dev;
    struct mount *m = mount_new(parent, path, n, sm->fstype, sm->source, sm->flags, st.dev);
    if (m == NULL)
        return NULL;
    char *rp = bind_root_path(sm, srcpath);
    if (rp == NULL)
        return NULL;
    m->root_path = rp;
    m->sb = sm->sb;
    return m;
}

/* A bind mount of the object src names at tk. */
static int mount_bind(struct lookup *src, struct lookup *tk)
{
    struct kstat st;
    if (!mount_is_ours(src->mnt) || !mount_is_ours(tk->mnt))
        return -EINVAL;                /* as Linux: not from or onto a detached tree */
    int r = node_stat(src->node, &st);
    if (r < 0)
        return r;
    struct mount *m = bind_new(src->mnt, src->path, src->node, tk->mnt, tk->path);
    if (m == NULL)
        return -ENOMEM;
    return graft(m, tk);
}

int mount_add(const char *fstype, const char *source, struct lookup *src, struct lookup *tk,
              unsigned long flags, const char *data)
{
    struct node root;
    struct tmpfs_sb *sb = NULL;
    u64 dev;
    if ((flags & MS_BIND) != 0)
        return mount_bind(src, tk);
    if (fstype == NULL)
        return -EINVAL;
    if (strcmp(fstype, "tmpfs") == 0) {
        int r = tmpfs_new(data, &root, &sb, &dev);
        if (r < 0)
            return r;
        fstype = "tmpfs";
    } else if (strcmp(fstype, "proc") == 0) {
        if (data != NULL && data[0] != '\0')
            return -EINVAL;
        if (mount_proc_root(&root) < 0)
            return -ENODEV;
        fstype = "proc";
        dev = VFS_DEV_PROC;
    } else {
        return -ENODEV;
    }
    struct mount *m = mount_new(tk->mnt, tk->path, root, fstype,
                                source != NULL ? source : "none", mnt_flags_of(flags), dev);
    if (m == NULL)
        return -ENOMEM;
    m->sb = sb;
    return graft(m, tk);
}

/* Does an fd open for writing refer to a file on mount m? */
static bool has_writers(struct mount *m)
{
    for (int fd = fd_next_open(0); fd >= 0; fd = fd_next_open(fd + 1)) {
        struct file *f = fd_file(fd);
        if (f->path != NULL && (f->flags & O_PATH) == 0 && (f->flags & O_ACCMODE) != O_RDONLY &&
            mount_at(f->path) == m)
            return true;
    }
    return false;
}

int mount_remount(struct lookup *tk, unsigned long flags, const char *data)
{
    if (!at_mount_root(tk) || !mount_is_ours(tk->mnt))
        return -EINVAL;
    struct mount *m = tk->mnt;
    unsigned long nf = mnt_flags_of(flags);
    u64 size = m->sb != NULL ? m->sb->limit : 0;
    u32 mode = m->root.v != NULL ? m->root.v->mode & 07777 : 0;
    if (data != NULL && data[0] != '\0') {
        if (m->sb == NULL || tmpfs_options(data, &size, &mode) < 0)
            return -EINVAL;
        if (size != 0 && size < m->sb->used)
            return -EINVAL;            /* as Linux: cannot shrink below the pages in use */
    }
    if ((nf & MS_RDONLY) != 0 && (m->flags & MS_RDONLY) == 0 && has_writers(m))
        return -EBUSY;
    m->flags = nf;
    if (m->sb != NULL) {
        m->sb->limit = size;
        m->root.v->mode = (m->root.v->mode & S_IFMT) | mode;
    }
    return 0;
}

/* Is a mount in the table attached (directly) on m? */
static bool has_children(struct mount *m)
{
    for (struct mount *c = mounts; c != NULL; c = c->next)
        if (c->parent == m)
            return true;
    return false;
}

/* Is m in use: a thread's cwd or root on it, or an open file on it? */
static bool is_busy(struct mount *m)
{
    if (has_children(m))
        return true;
    for (struct fs_state *s = fs_state_first(); s != NULL; s = s->next)
        if (fs_cwd_mount(s) == m || fs_root_mount(s) == m)
            return true;
    for (int fd = fd_next_open(0); fd >= 0; fd = fd_next_open(fd + 1)) {
        struct file *f = fd_file(fd);
        if (f->path != NULL && mount_at(f->path) == m)
            return true;
    }
    return false;
}

/* Take m and every mount below it out of the table. */
static void detach(struct mount *m)
{
    struct mount **pp = &mounts;
    while (*pp != NULL) {
        if (*pp == m) {
            *pp = m->next;
            m->removed = true;
            break;
        }
        pp = &(*pp)->next;
    }
    for (struct mount *c = mounts; c != NULL;) {
        struct mount *nx = c->next;
        if (c->parent == m)
            detach(c);
        c = nx;
    }
}

/* The newest mount stacked at lk's place (lk's own mount if none): the last
 * component of a walk (".", "..") does not cross mounts, but umount2 and
 * pivot_root's put_old go to the top, as Linux's LOOKUP_MOUNTPOINT does. */
static struct mount *top_at(const struct lookup *lk)
{
    struct mount *m = lk->mnt, *over;
    size_t len = strlen(lk->path);
    while ((over = mount_over(m, lk->path, len)) != NULL)
        m = over;
    return m;
}

int mount_remove(struct lookup *tk, int flags)
{
    struct mount *m = top_at(tk);
    if (strcmp(m->path, tk->path) != 0 || !mount_is_ours(m))
        return -EINVAL;
    if ((flags & MNT_EXPIRE) != 0)
        return -EINVAL;                /* not supported (see sys_umount2) */
    if (m->builtin || m == top)
        return -EBUSY;
    if ((flags & MNT_DETACH) == 0 && is_busy(m))
        return -EBUSY;
    detach(m);
    return 0;
}

/* ------------------------------------------- detached mounts, moving */

/* The top of m's tree: the root mount, or a detached tree's root. */
static struct mount *top_of(struct mount *m)
{
    while (m->parent != NULL)
        m = m->parent;
    return m;
}

static bool in_anon_tree(struct mount *m)
{
    return mount_path_is_anon(top_of(m)->path);
}

bool mount_is_ours(struct mount *m)
{
    return !m->removed && !in_anon_tree(m);
}

/* Is m in the tree below top (top included)? */
static bool below(struct mount *m, struct mount *top)
{
    for (; m != NULL; m = m->parent)
        if (m == top)
            return true;
    return false;
}

/* Is path at or under prefix[0..pl)? */
static bool under(const char *path, const char *prefix, size_t pl)
{
    if (pl == 1)
        return path[0] == '/' && !mount_path_is_anon(path);
    return strncmp(path, prefix, pl) == 0 && (path[pl] == '/' || path[pl] == '\0');
}

/* path (under a prefix of length ol) with that prefix replaced by np
 * (kmalloc; NULL on ENOMEM). */
static char *repath(const char *path, size_t ol, const char *np)
{
    const char *rest = ol == 1 ? (path[1] != '\0' ? path : "") : path + ol;
    if (strcmp(np, "/") == 0 && rest[0] != '\0')
        np = "";
    size_t n = strlen(np) + strlen(rest) + 1;
    char *d = kmalloc(n);
    if (d != NULL)
        ksnprintf(d, n, "%s%s", np, rest);
    return d;
}

/* A fresh "//N" name for a detached tree.  NULL on ENOMEM. */
static char *anon_name(void)
{
    char *p = kmalloc(24);
    if (p != NULL)
        ksnprintf(p, 24, "//%d", next_anon++);
    return p;
}

struct mount *mount_new_detached(struct node root, const char *fstype, const char *source,
                                 struct tmpfs_sb *sb, u64 dev, unsigned long flags)
{
    char *name = anon_name();
    if (name == NULL)
        return NULL;
    struct mount *m = mount_new(NULL, name, root, fstype, source, flags, dev);
    kfree(name);
    if (m == NULL)
        return NULL;
    m->sb = sb;
    table_add(m);
    return m;
}

/* Copy the mounts attached below sm (at or under path sp) under clone c,
 * whose mount point stands for sp. */
static int clone_children(struct mount *sm, const char *sp, struct mount *c)
{
    size_t sl = strlen(sp);
    for (struct mount *k = mounts; k != NULL; k = k->next) {
        if (k->parent != sm || !under(k->path, sp, sl) || strcmp(k->path, sp) == 0)
            continue;
        char *p = repath(k->path, sl, c->path);
        if (p == NULL)
            return -ENOMEM;
        struct mount *n = mount_new(c, p, k->root, k->fstype, k->source, k->flags, k->dev);
        kfree(p);
        if (n == NULL)
            return -ENOMEM;
        n->root_path = k->root_path;
        n->sb = k->sb;
        table_add(n);
        int r = clone_children(k, k->path, n);
        if (r < 0)
            return r;
    }
    return 0;
}

int mount_clone(struct lookup *src, bool recursive, struct mount **out)
{
    struct mount *sm = src->mnt;
    if (!mount_is_ours(sm) || src->path[0] != '/')
        return -EINVAL;                /* not a detached tree, nor an fd without a path */
    char *name = anon_name();
    if (name == NULL)
        return -ENOMEM;
    struct mount *c = bind_new(sm, src->path, src->node, NULL, name);
    kfree(name);
    if (c == NULL)
        return -ENOMEM;
    table_add(c);
    int r = recursive ? clone_children(sm, src->path, c) : 0;
    if (r < 0) {
        detach(c);
        return r;
    }
    *out = c;
    return 0;
}

/* Move the subtree of m (its entries in table order) to the table's end,
 * as Linux lists a moved or attached tree last. */
static void requeue(struct mount *m)
{
    struct mount *moved = NULL, **tail = &moved;
    struct mount **pp = &mounts;
    while (*pp != NULL) {
        struct mount *k = *pp;
        if (below(k, m)) {
            *pp = k->next;
            k->next = NULL;
            *tail = k;
            tail = &k->next;
        } else {
            pp = &k->next;
        }
    }
    *pp = moved;
}

/* Give s's cwd (root true: its root) the canonical path p (kmalloc, freed
 * here; NULL: unchanged) on the same node, on mount m. */
static void fs_repath(struct fs_state *s, bool root, char *p, struct mount *m)
{
    if (p == NULL)
        return;
    vfs_set_fs_at(s, root, root ? s->root_node : s->cwd_node, p, m);
    kfree(p);
}

/* Put m's tree at np on parent: the mount points below it, and the paths of
 * the open files, the cwds and the roots on it, follow. */
static int move_tree(struct mount *m, struct mount *parent, const char *np)
{
    static bool moves[VFS_FD_MAX];
    size_t ol = strlen(m->path);
    char *npath = kstrdup(np);
    if (npath == NULL)
        return -ENOMEM;
    /* decide what moves before any mount point changes */
    for (int fd = 0; fd < VFS_FD_MAX; fd++) {
        struct file *f = fd_file(fd);
        moves[fd] = f != NULL && f->path != NULL && under(f->path, m->path, ol) &&
                    below(mount_at(f->path), m);
    }
    for (int fd = 0; fd < VFS_FD_MAX; fd++) {
        struct file *f = fd_file(fd);
        char *p = moves[fd] ? repath(f->path, ol, npath) : NULL;
        if (p != NULL) {
            kfree(f->path);
            f->path = p;
        }
    }
    for (struct fs_state *s = fs_state_first(); s != NULL; s = s->next) {
        if (under(s->cwd_path, m->path, ol) && below(fs_cwd_mount(s), m))
            fs_repath(s, false, repath(s->cwd_path, ol, npath), fs_cwd_mount(s));
        if (under(s->root_path, m->path, ol) && below(fs_root_mount(s), m))
            fs_repath(s, true, repath(s->root_path, ol, npath), fs_root_mount(s));
    }
    for (struct mount *k = mounts; k != NULL; k = k->next) {
        if (k == m || !below(k, m))
            continue;
        char *p = repath(k->path, ol, npath);
        if (p != NULL) {
            kfree((char *)k->path);
            k->path = p;
        }
    }
    kfree((char *)m->path);
    m->path = npath;
    m->parent = parent;
    requeue(m);
    return 0;
}

int mount_move(struct lookup *from, struct lookup *to)
{
    struct mount *old = from->mnt, *p = to->mnt;
    if (in_anon_tree(p) || p->removed)
        return -EINVAL;                /* the target must be in our tree */
    if (old->removed)
        return -EINVAL;
    bool attached = old->parent != NULL;
    if (attached ? in_anon_tree(old) : !mount_path_is_anon(old->path))
        return -EINVAL;
    if (old->builtin)
        return -EINVAL;                /* solo's built-in mounts stay (like locked ones) */
    if (!at_mount_root(from))
        return -EINVAL;
    if (node_is_dir(from->node) != node_is_dir(to->node))
        return -EINVAL;
    if (below(p, old))
        return -ELOOP;
    return move_tree(old, p, to->path);
}

/* ------------------------------------------------------- pivot_root */

/* pivot_root makes mount n (mount point p, pl long) the top and hangs the
 * old top o at r (put_old as seen from n): canonical paths on n's tree lose
 * p, the rest of o's tree gets r in front. */
struct pivot {
    struct mount *n, *o;
    const char *p;
    size_t pl;
    const char *r;
};

/* The new canonical path of path (on mount m), kmalloc; NULL when it stays
 * (a detached tree) or on ENOMEM (then it stays too). */
static char *pivot_path(const struct pivot *pv, const char *path, struct mount *m)
{
    if (m == NULL || mount_path_is_anon(path))
        return NULL;
    if (below(m, pv->n) && under(path, pv->p, pv->pl))
        return repath(path, pv->pl, "/");
    if (below(m, pv->o))
        return repath(path, 1, pv->r);
    return NULL;
}

/* Rewrite the paths of the open files and the mount points for pv. */
static void pivot_repath(const struct pivot *pv)
{
    static char *newp[VFS_FD_MAX];
    /* decide every file's place before any mount point changes */
    for (int fd = 0; fd < VFS_FD_MAX; fd++) {
        struct file *f = fd_file(fd);
        newp[fd] = f != NULL && f->path != NULL ? pivot_path(pv, f->path, mount_at(f->path)) : NULL;
    }
    for (int fd = 0; fd < VFS_FD_MAX; fd++) {
        if (newp[fd] != NULL) {
            struct file *f = fd_file(fd);
            kfree(f->path);
            f->path = newp[fd];
        }
    }
    for (struct mount *k = mounts; k != NULL; k = k->next) {
        if (k == pv->n || k == pv->o)
            continue;
        char *np = pivot_path(pv, k->path, k->parent);
        if (np != NULL) {
            kfree((char *)k->path);
            k->path = np;
        }
    }
}

/* A thread's root and cwd: at the old top's root directory they move to
 * new_root (as Linux's chroot_fs_refs), elsewhere their paths follow their
 * mounts (kept as they are: the top changes). */
static void pivot_fs(const struct pivot *pv, struct fs_state *s)
{
    struct mount *rm = fs_root_mount(s), *cm = fs_cwd_mount(s);
    if (rm == pv->o && strcmp(s->root_path, "/") == 0)
        vfs_set_fs_at(s, true, pv->n->root, "/", pv->n);
    else
        fs_repath(s, true, pivot_path(pv, s->root_path, rm), rm);
    if (cm == pv->o && strcmp(s->cwd_path, "/") == 0)
        vfs_set_fs_at(s, false, pv->n->root, "/", pv->n);
    else
        fs_repath(s, false, pivot_path(pv, s->cwd_path, cm), cm);
}

int mount_pivot(struct lookup *nk, struct lookup *ok)
{
    struct mount *nm = nk->mnt, *om = top_at(ok), *rm = vfs_root_mount();
    if (!mount_is_ours(rm) || !mount_is_ours(nm))
        return -EINVAL;
    if (nm == rm || om == rm)
        return -EBUSY;                 /* as Linux: "loop, on the same file system" */
    if (strcmp(rm->path, vfs_root_path()) != 0)
        return -EINVAL;                /* the process root is not the root of a mount */
    if (rm != top)
        return -EINVAL;                /* a chroot into another mount: not supported */
    if (strcmp(nm->path, nk->path) != 0)
        return -EINVAL;                /* new_root is not a mount point */
    if (!mount_is_ours(om) || !below(om, nm) || !under(ok->path, nm->path, strlen(nm->path)))
        return -EINVAL;                /* put_old is not at or under new_root */
    char *r = repath(ok->path, strlen(nm->path), "/");
    char *p = kstrdup(nm->path);
    char *root = kstrdup("/");
    if (r == NULL || p == NULL || root == NULL) {
        kfree(r);
        kfree(p);
        kfree(root);
        return -ENOMEM;
    }
    struct pivot pv = { nm, top, p, strlen(p), r };
    for (struct fs_state *s = fs_state_first(); s != NULL; s = s->next)
        pivot_fs(&pv, s);
    pivot_repath(&pv);
    /* the old top hangs at put_old (on the mount stacked there), new_root is
     * the top; the old top's mount point strings may be literals: not freed */
    top->path = r;
    top->parent = om;
    top->builtin = false;              /* it can be unmounted now */
    nm->path = root;
    nm->parent = NULL;
    top = nm;
    kfree(p);
    return 0;
}

int mount_proc_root(struct node *out)
{
    if (proc_mount == NULL)
        return -ENODEV;
    *out = proc_mount->root;          /* even once pivot_root took it out of the tree */
    return 0;
}

/* Does an open file, a cwd or a root still lie in the tree of m? */
static bool tree_in_use(struct mount *m)
{
    size_t l = strlen(m->path);
    for (int fd = fd_next_open(0); fd >= 0; fd = fd_next_open(fd + 1)) {
        struct file *f = fd_file(fd);
        if (f->path != NULL && under(f->path, m->path, l))
            return true;
    }
    for (struct fs_state *s = fs_state_first(); s != NULL; s = s->next)
        if (under(s->cwd_path, m->path, l) || under(s->root_path, m->path, l))
            return true;
    return false;
}

void mount_release_detached(struct mount *m)
{
    if (m->removed || m->parent != NULL || !mount_path_is_anon(m->path) || tree_in_use(m))
        return;
    detach(m);
}

/* Would m going read-only meet a writer (and is it not read-only yet)? */
static bool ro_blocked(struct mount *m, unsigned long set)
{
    return (set & MS_RDONLY) != 0 && (m->flags & MS_RDONLY) == 0 && has_writers(m);
}

int mount_set_flags(struct mount *m, unsigned long set, unsigned long clr, bool recursive)
{
    for (struct mount *k = mounts; k != NULL; k = k->next)
        if ((k == m || (recursive && below(k, m))) && ro_blocked(k, set))
            return -EBUSY;
    for (struct mount *k = mounts; k != NULL; k = k->next)
        if (k == m || (recursive && below(k, m)))
            k->flags = (k->flags & ~clr) | set;
    return 0;
}

/* Do a and b show the same file system instance (superblock)? */
static bool same_sb(const struct mount *a, const struct mount *b)
{
    return a->sb != NULL ? a->sb == b->sb : (b->sb == NULL && a->dev == b->dev);
}

int mount_reconfigure(struct mount *m, int ro, bool size_set, u64 size)
{
    if (size_set) {
        if (m->sb == NULL)
            return -EINVAL;
        if (size != 0 && size < m->sb->used)
            return -EINVAL;            /* as Linux: not below the pages in use */
    }
    if (ro > 0)
        for (struct mount *k = mounts; k != NULL; k = k->next)
            if (same_sb(k, m) && ro_blocked(k, MS_RDONLY))
                return -EBUSY;
    if (size_set)
        m->sb->limit = size;
    if (ro >= 0)
        for (struct mount *k = mounts; k != NULL; k = k->next)
            if (same_sb(k, m))
                k->flags = ro > 0 ? (k->flags | MS_RDONLY) : (k->flags & ~MS_RDONLY);
    return 0;
}

/* ------------------------------------------------- /proc/self/mounts */

/* A path field: space, tab, newline and backslash as octal escapes. */
static void put_path(struct out *o, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
            out_put(o, "\\%03o", (unsigned)(u8)*s);
        else
            out_put(o, "%c", *s);
    }
}

/* Mount options as /proc/self/mounts shows them. */
static void put_opts(struct out *o, const struct mount *m)
{
    out_put(o, "%s", (m->flags & MS_RDONLY) != 0 ? "ro" : "rw");
    if ((m->flags & MS_NOSUID) != 0)
        out_put(o, ",nosuid");
    if ((m->flags & MS_NODEV) != 0)
        out_put(o, ",nodev");
    if ((m->flags & MS_NOEXEC) != 0)
        out_put(o, ",noexec");
    if ((m->flags & MS_NOSYMFOLLOW) != 0)
        out_put(o, ",nosymfollow");
    if ((m->flags & MS_NOATIME) != 0)
        out_put(o, ",noatime");
    else if ((m->flags & MS_RELATIME) != 0)
        out_put(o, ",relatime");
    if ((m->flags & MS_NODIRATIME) != 0)
        out_put(o, ",nodiratime");
}

static void put_superopts(struct out *o, const struct mount *m)
{
    if (m->sb != NULL && m->sb->limit != 0)
        out_put(o, ",size=%luk", (unsigned long)(m->sb->limit / 1024));
    if (m->sb != NULL) {
        u32 mode = m->root.v != NULL ? (m->root.v->mode & 07777) : 01777;
        if (mode != 01777)
            out_put(o, ",mode=%o", mode);
    }
}

/* The mount point as the program sees it, or NULL when outside its root. */
static const char *visible(const struct mount *m)
{
    if (mount_path_is_anon(m->path))
        return NULL;                   /* a detached tree */
    return vfs_user_path(m->path);
}

long mount_gen_mounts(char *buf, size_t cap)
{
    struct out o = { buf, cap, 0 };
    for (struct mount *m = mounts; m != NULL; m = m->next) {
        const char *p = visible(m);
        if (p == NULL)
            continue;
        put_path(&o, m->source);
        out_put(&o, " ");
        put_path(&o, p);
        out_put(&o, " %s ", m->fstype);
        put_opts(&o, m);
        put_superopts(&o, m);
        out_put(&o, " 0 0\n");
    }
    return (long)o.len;
}

long mount_gen_mountinfo(char *buf, size_t cap)
{
    struct out o = { buf, cap, 0 };
    for (struct mount *m = mounts; m != NULL; m = m->next) {
        const char *p = visible(m);
        if (p == NULL)
            continue;
        u64 d = m->dev;
        out_put(&o, "%d %d %u:%u ", m->id, m->parent != NULL ? m->parent->id : 1,
            (unsigned)((d >> 8) & 0xfff), (unsigned)(d & 0xff));
        put_path(&o, m->root_path);
        out_put(&o, " ");
        put_path(&o, p);
        out_put(&o, " ");
        put_opts(&o, m);
        out_put(&o, " - %s ", m->fstype);
        put_path(&o, m->source);
        out_put(&o, " %s", (m->flags & MS_RDONLY) != 0 ? "ro" : "rw");
        put_superopts(&o, m);
        out_put(&o, "\n");
    }
    return (long)o.len;
}
