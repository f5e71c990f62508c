/*
 * handles.c - name_to_handle_at and open_by_handle_at: file handles for
 * the two filesystems that have export operations, the TFS root and tmpfs.
 *
 * A handle is FH_BYTES bytes of type FILEID_SOLO: the object's inode number
 * (a TFS object id, or a tmpfs vnode's ino; 64 bits in two words) and a
 * generation.  TFS ids may come back after a log compaction, so objects the
 * kernel creates carry a random generation (fs/tfs.c; image files have 0);
 * tmpfs inode numbers are never reused, so their generation is 0.  /proc,
 * /dev and the other special files have no export operations: encoding
 * fails with EOPNOTSUPP once the path resolved, as on Linux, except for
 * AT_HANDLE_FID, which gets a handle that identifies the object but never
 * opens it (FILEID_INO64_GEN: its inode number, generation 0), as Linux
 * (6.7 on) encodes one for every file system.
 *
 * Decoding searches the filesystem of the mount that open_by_handle_at's
 * mount descriptor is on, from that mount's root, for the object (a
 * depth-first walk of its directories; this also gives the canonical path
 * the new file needs for *at calls and /proc/self/fd).  An object that is
 * gone, or no longer in any directory of the mount, is ESTALE.
 */
#include "syscalls.h"
#include "syscalls/misc.h"
#include "fs/vfs_impl.h"

#define AT_HANDLE_FID 0x200
#define AT_HANDLE_MNT_ID_UNIQUE 0x001
#define AT_HANDLE_CONNECTABLE 0x002
#define MAX_HANDLE_SZ 128
#define ESTALE 116
#define FILEID_SOLO 1                  /* Linux's FILEID_INO32_GEN number */
#define FILEID_INO64_GEN 0x81          /* AT_HANDLE_FID of a file system without export ops */
#define FILEID_INVALID 255
#define FILEID_IS_CONNECTABLE 0x10000  /* user flags in handle_type's upper half */
#define FILEID_IS_DIR 0x20000
#define FILEID_USER_FLAGS 0xffff0000U
#define FH_BYTES 12
#define FH_DEPTH_MAX 128               /* directory levels the decoder walks */

long vfs_open_lookup(struct lookup *lk, int flags);     /* syscalls/fs_path.c */

struct file_handle_k {
    u32 handle_bytes;
    s32 handle_type;
};

/* The f_handle bytes of a FILEID_SOLO handle. */
struct fh_body {
    u32 ino_lo, ino_hi, gen;
};

/* The handle of node n: 0, or -EOPNOTSUPP (no export operations). */
static int fh_encode(struct node n, struct fh_body *b)
{
    u64 ino;
    if (n.v == NULL) {
        ino = n.id;
        b->gen = tfs_node_gen(n.id);
    } else if (n.v->ram) {
        ino = n.v->ino;
        b->gen = 0;
    } else {
        return -EOPNOTSUPP;
    }
    b->ino_lo = (u32)ino;
    b->ino_hi = (u32)(ino >> 32);
    return 0;
}

/* The handle of n that AT_HANDLE_FID gives (and fanotify reports, as
 * Linux's exportfs_encode_fid): its FILEID_SOLO handle, or on a file system
 * without export operations a FILEID_INO64_GEN one.  Returns the bytes
 * written to f_handle (FH_BYTES: at least that much room), or -errno. */
int fh_encode_fid(struct node n, void *f_handle, s32 *type)
{
    struct fh_body b;
    struct kstat st;
    int r = fh_encode(n, &b);
    *type = FILEID_SOLO;
    if (r == -EOPNOTSUPP && node_stat(n, &st) == 0) {
        b = (struct fh_body){ (u32)st.ino, (u32)(st.ino >> 32), 0 };
        *type = FILEID_INO64_GEN;
        r = 0;
    }
    if (r < 0)
        return r;
    memcpy(f_handle, &b, sizeof(b));
    return FH_BYTES;
}

/* Can n's handles be decoded (its file system has export operations)? */
bool fh_decodable(struct node n)
{
    struct fh_body b;
    return fh_encode(n, &b) == 0;
}

// partial: AT_HANDLE_CONNECTABLE handles carry no parent (encoded as plain handles)
long sys_name_to_handle_at(int dirfd, const char *upath, u64 uhandle, u64 umnt, int flags)
{
    const int known = AT_SYMLINK_FOLLOW | AT_EMPTY_PATH | AT_HANDLE_FID |
                      AT_HANDLE_MNT_ID_UNIQUE | AT_HANDLE_CONNECTABLE;
    if ((flags & ~known) != 0)
        return -EINVAL;
    if ((flags & (AT_HANDLE_FID | AT_HANDLE_CONNECTABLE)) == (AT_HANDLE_FID | AT_HANDLE_CONNECTABLE))
        return -EINVAL;
    int lflags = ((flags & AT_SYMLINK_FOLLOW) != 0 ? LOOKUP_FOLLOW : 0) |
                 ((flags & AT_EMPTY_PATH) != 0 ? LOOKUP_EMPTY : 0);
    struct lookup *lk = lookup_alloc();
    if (lk == NULL)
        return -ENOMEM;
    struct fh_body body;
    struct file_handle_k h;
    s32 type = FILEID_SOLO;
    long r = strncpy_from_user(lk->upath, upath, VFS_PATH_MAX);
    if (r >= 0)
        r = vfs_lookup(dirfd, lk->upath, lflags, lk);
    if (r >= 0)
        r = (flags & AT_HANDLE_FID) != 0 ? fh_encode_fid(lk->node, &body, &type)
                                         : fh_encode(lk->node, &body);
    if (r >= 0 && copy_from_user(&h, (void *)uhandle, sizeof(h)) < 0)
        r = -EFAULT;
    if (r >= 0 && h.handle_bytes > MAX_HANDLE_SZ)
        r = -EINVAL;
    if (r < 0) {
        lookup_free(lk);
        return r;
    }
    /* too small a buffer: EOVERFLOW, the size needed and FILEID_INVALID,
     * and only the header is written */
    bool fits = h.handle_bytes / 4 * 4 >= FH_BYTES;
    struct mount *m = lk->mnt != NULL ? lk->mnt : mount_root();
    u64 mid = (u64)m->id;
    lookup_free(lk);
    h.handle_bytes = FH_BYTES;
    h.handle_type = fits ? type : FILEID_INVALID;
    r = (flags & AT_HANDLE_MNT_ID_UNIQUE) != 0 ? copy_to_user((void *)umnt, &mid, sizeof(u64))
                                                : copy_to_user((void *)umnt, &mid, sizeof(int));
    if (r == 0)
        r = copy_to_user((void *)uhandle, &h, sizeof(h));
    if (r == 0 && fits)
        r = copy_to_user((void *)(uhandle + sizeof(h)), &body, sizeof(body));
    if (r < 0)
        return -EFAULT;
    return fits ? 0 : -EOVERFLOW;
}

/* ---------------------------------------------------------------- decoding */

/* A walk looking for one object: inode ino on TFS (tfs) or a tmpfs. */
struct fh_search {
    u64 ino;
    bool tfs;
    char path[VFS_PATH_MAX];           /* canonical path of the directory being read */
    struct node found;
};

/* One directory's entries worth a look: names of subdirectories and of
 * entries with the wanted inode number, NUL-separated, each after a byte
 * saying which (1: a candidate). */
struct fh_names {
    u64 ino;
    char *buf;
    size_t len, cap;
    bool nomem;
};

static int fh_emit(void *ctx, const char *name, size_t len, u64 ino, u8 dtype, u64 next)
{
    struct fh_names *ns = ctx;
    (void)next;
    bool cand = ino == ns->ino;
    if (!cand && dtype != DT_DIR)
        return 0;
    if (ns->len + len + 2 > ns->cap) {
        size_t cap = (ns->cap == 0 ? 512 : ns->cap * 2) + len;
        char *b = kmalloc(cap);
        if (b == NULL) {
            ns->nomem = true;
            return 1;
        }
        if (ns->len > 0)
            memcpy(b, ns->buf, ns->len);
        kfree(ns->buf);
        ns->buf = b;
        ns->cap = cap;
    }
    ns->buf[ns->len++] = cand ? 1 : 0;
    memcpy(ns->buf + ns->len, name, len);
    ns->len += len;
    ns->buf[ns->len++] = '\0';
    return 0;
}

/* Is n the object s looks for (cand) / a directory of its filesystem? */
static bool fh_same_fs(const struct fh_search *s, struct node n)
{
    return s->tfs ? n.v == NULL : (n.v != NULL && n.v->ram);
}

static bool fh_is_it(const struct fh_search *s, struct node n)
{
    if (!fh_same_fs(s, n))
        return false;
    return s->tfs ? n.id == s->ino : n.v->ino == s->ino;
}

/* Search directory dir (canonical path in s->path) and below: 1 found
 * (s->path is its path), 0 not, or -errno. */
static int fh_walk(struct fh_search *s, struct node dir, int depth)
{
    const struct node_ops *o = node_ops_of(dir);
    struct fh_names ns = { s->ino, NULL, 0, 0, false };
    if (depth > FH_DEPTH_MAX || o->readdir == NULL || o->lookup == NULL)
        return 0;
    if (o->readdir(dir, 0, fh_emit, &ns) < 0 && !ns.nomem)
        goto none;
    if (ns.nomem) {
        kfree(ns.buf);
        return -ENOMEM;
    }
    size_t pl = strlen(s->path);
    int r = 0;
    /* candidates first, then the subdirectories */
    for (int pass = 1; pass >= 0 && r == 0; pass--) {
        for (size_t i = 0; i < ns.len && r == 0;) {
            bool cand = ns.buf[i] == 1;
            const char *name = ns.buf + i + 1;
            size_t nl = strlen(name);
            i += nl + 2;
            struct node n;
            if ((pass == 1) != cand || pl + nl + 2 > VFS_PATH_MAX ||
                o->lookup(dir, name, nl, &n) < 0)
                continue;
            ksnprintf(s->path + pl, VFS_PATH_MAX - pl, "%s%s", pl > 1 ? "/" : "", name);
            if (pass == 1 && fh_is_it(s, n)) {
                s->found = n;
                r = 1;
            } else if (pass == 0 && fh_same_fs(s, n) && node_is_dir(n)) {
                r = fh_walk(s, n, depth + 1);
            }
            if (r == 0)
                s->path[pl] = '\0';
        }
    }
    kfree(ns.buf);
    return r;
none:
    kfree(ns.buf);
    return 0;
}

/* The mount a mount descriptor names (AT_FDCWD: the cwd's), or NULL for
 * files outside the tree (pipes, sockets, anonymous inodes). */
static struct mount *anchor_mount(struct file *f)
{
    if (f == NULL)
        return vfs_cwd_mount();
    if (f->path == NULL || f->path[0] != '/' || (f->node.v != NULL && f->node.v->nops == &anon_inode_nops))
        return NULL;
    return mount_at(f->path);
}

/* Find the object of handle b on mount m: 0 and lk filled, or -ESTALE. */
static int fh_decode(struct mount *m, const struct fh_body *b, struct lookup *lk)
{
    struct fh_search *s = kmalloc(sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->ino = (u64)b->ino_hi << 32 | b->ino_lo;
    s->tfs = m->root.v == NULL;
    int r = -ESTALE;
    if (!fh_same_fs(s, m->root))
        goto out;                      /* no export operations (proc, devtmpfs) */
    if (s->tfs && (tfs_node_mode(s->ino) == 0 || tfs_node_gen(s->ino) != b->gen))
        goto out;
    if (!s->tfs && b->gen != 0)
        goto out;
    ksnprintf(s->path, VFS_PATH_MAX, "%s", m->path);
    if (fh_is_it(s, m->root)) {
        s->found = m->root;
        r = 0;
    } else {
        r = fh_walk(s, m->root, 0);
        r = r == 1 ? 0 : r == 0 ? -ESTALE : r;
    }
    if (r == 0) {
        lk->node = s->found;
        lk->mnt = m;
        lk->missing_last = false;
        memcpy(lk->path, s->path, strlen(s->path) + 1);
    }
out:
    kfree(s);
    return r;
}

// partial: the object is searched from the mount's root only (Linux also opens one outside a bind mount's root), and a tmpfs file unlinked but still open is ESTALE (Linux opens it)
long sys_open_by_handle_at(int mount_fd, u64 uhandle, int flags)
{
    struct file_handle_k h;
    struct fh_body b;
    struct file *mf = NULL;
    if (mount_fd != AT_FDCWD && (mf = fd_file(mount_fd)) == NULL)
        return -EBADF;
    if (copy_from_user(&h, (void *)uhandle, sizeof(h)) < 0)
        return -EFAULT;
    if (h.handle_bytes == 0 || h.handle_bytes > MAX_HANDLE_SZ)
        return -EINVAL;
    if (h.handle_type < 0 || ((u32)h.handle_type & FILEID_USER_FLAGS & ~(FILEID_IS_CONNECTABLE | FILEID_IS_DIR)) != 0)
        return -EINVAL;
    if (!cap_has(CAP_DAC_READ_SEARCH))
        return -EPERM;                 /* after the header checks, as Linux */
    u8 raw[MAX_HANDLE_SZ];
    if (copy_from_user(raw, (void *)(uhandle + sizeof(h)), h.handle_bytes) < 0)
        return -EFAULT;
    struct mount *m = anchor_mount(mf);
    if (m == NULL || (h.handle_type & 0xffff) != FILEID_SOLO || h.handle_bytes != FH_BYTES)
        return -ESTALE;
    memcpy(&b, raw, sizeof(b));
    struct lookup *lk = lookup_alloc();
    if (lk == NULL)
        return -ENOMEM;
    long r = fh_decode(m, &b, lk);
    if (r == 0 && (h.handle_type & FILEID_IS_DIR) != 0 && !node_is_dir(lk->node))
        r = -ESTALE;
    if (r == 0)
        r = vfs_open_lookup(lk, flags);
    lookup_free(lk);
    return r;
}
