/*
 * fs_path.c - file syscalls that take paths: open*, the stat family, statx,
 * statfs, readlink, access, getcwd/chdir, and the calls that would modify
 * the filesystem (mkdir, unlink, rename, chmod, ...).
 *
 * Every path is copied from user memory into the lookup's scratch buffer
 * (EFAULT, ENAMETOOLONG) and resolved by vfs_lookup relative to a dirfd.
 * On TFS and tmpfs the owner/group/other bits are checked with the fs ids
 * and the effective capabilities, as Linux's generic_permission (dac_check):
 * opening (may_open), making a name (may_create: write and search on the
 * directory), removing or replacing one (may_delete: the same, plus the
 * sticky-directory rule), and attribute changes.  Modifying calls go to
 * the filesystem holding the name: the TFS root (fs/tfs.c, tfs_node_*) or a
 * tmpfs (fs/ramfs.c); /dev and /proc answer EPERM/EACCES after the
 * existence checks Linux makes (EEXIST, ENOENT, ENOTDIR come first).
 * Moving or linking between
 * filesystems (or mounts) is EXDEV, and a read-only mount refuses every
 * modification with EROFS, after the checks Linux makes first.
 *
 * Also here: openat2 (RESOLVE_* restrictions are LOOKUP_* flags of the
 * walk), chroot, and mount/umount2 over the mount table (fs/mount.c).
 */
#include "syscalls.h"
#include "fs/vfs_impl.h"
#include "fs/inotify.h"
#include "syscalls/misc.h"
#include "syscalls/landlock.h"

#define R_OK 4
#define W_OK 2
#define X_OK 1

/* Copy upath in and resolve it; the caller frees *out whatever the result. */
static int user_lookup(int dirfd, const char *upath, int lflags, struct lookup **out)
{
    struct lookup *lk = lookup_alloc();
    *out = lk;
    if (lk == NULL)
        return -ENOMEM;
    long n = strncpy_from_user(lk->upath, upath, VFS_PATH_MAX);
    if (n < 0)
        return (int)n;
    return vfs_lookup(dirfd, lk->upath, lflags, lk);
}

/* ---------------------------------------------------------------- mounts */

/* The mount holding the directory entry of what lk names: lk's mount, or
 * its parent when lk names a mount point itself. */
static struct mount *entry_mount(const struct lookup *lk)
{
    struct mount *m = lk->mnt;
    if (!lk->missing_last && m->parent != NULL && strcmp(m->path, lk->path) == 0)
        return m->parent;
    return m;
}

/* -EROFS if the entry lk names (or would create) is on a read-only mount. */
static int entry_rofs(const struct lookup *lk)
{
    return (entry_mount(lk)->flags & MS_RDONLY) != 0 ? -EROFS : 0;
}

/* -EROFS if changing the object lk names (found) needs a writable mount. */
static int node_rofs(const struct lookup *lk)
{
    return (lk->mnt->flags & MS_RDONLY) != 0 ? -EROFS : 0;
}

/* Is the object lk names (found) a mount point (the root of a mount)? */
static bool is_mount_point(const struct lookup *lk)
{
    return !lk->missing_last && lk->mnt->parent != NULL && strcmp(lk->mnt->path, lk->path) == 0;
}

/* ---------------------------------------------------------------- open */

/* Linux's generic_permission for the caller: may it access st with mask
 * (R_OK 4, W_OK 2, X_OK 1)?  uid/gid and in_group are the ids checked
 * against the owner, capable(cap) the capabilities that override. */
static int dac_check(const struct kstat *st, int mask, u32 uid, bool (*in_group)(u32),
                     bool (*capable)(int))
{
    u32 bits = st->mode;
    if (uid == st->uid)
        bits >>= 6;
    else if (in_group(st->gid))
        bits >>= 3;
    if ((mask & ~(int)bits & 7) == 0)
        return 0;
    if (S_ISDIR(st->mode)) {
        if ((mask & W_OK) == 0 && capable(CAP_DAC_READ_SEARCH))
            return 0;
        return capable(CAP_DAC_OVERRIDE) ? 0 : -EACCES;
    }
    if (mask == R_OK && capable(CAP_DAC_READ_SEARCH))
        return 0;
    if (((mask & X_OK) == 0 || (st->mode & 0111) != 0) && capable(CAP_DAC_OVERRIDE))
        return 0;
    return -EACCES;
}

/* May the caller (fs ids, effective capabilities) access node n with stat
 * st for mask?  Only TFS and tmpfs objects are checked: /dev, /proc and
 * /sys answer for themselves. */
static int node_may(struct node n, const struct kstat *st, int mask)
{
    if (n.v != NULL && !n.v->ram)
        return 0;
    return dac_check(st, mask, process_fsuid(), process_in_group, cap_has);
}

/* Linux's may_create (after the EEXIST check): write and search permission
 * on the directory dir that gets a new entry. */
static int may_create(struct node dir)
{
    struct kstat ds;
    int r = node_stat(dir, &ds);
    return r < 0 ? r : node_may(dir, &ds, W_OK | X_OK);
}

/* Linux's may_delete: may the caller remove victim, an entry of directory
 * dir (unlink, rmdir, or the old or replaced name of a rename)?  Write and
 * search permission on dir (EACCES); in a sticky directory (S_ISVTX) the
 * caller must own victim or dir or hold CAP_FOWNER (EPERM); then the type:
 * ENOTDIR when isdir and victim is not a directory, EISDIR the other way
 * round.  Only TFS and tmpfs directories are checked. */
static int may_delete(struct node dir, struct node victim, bool isdir)
{
    struct kstat ds, vs;
    if (dir.v != NULL && !dir.v->ram)
        return 0;
    int r = node_stat(dir, &ds);
    if (r == 0)
        r = node_stat(victim, &vs);
    if (r == 0)
        r = node_may(dir, &ds, W_OK | X_OK);
    if (r < 0)
        return r;
    u32 fsuid = process_fsuid();
    if ((ds.mode & S_ISVTX) != 0 && fsuid != vs.uid && fsuid != ds.uid && !cap_has(CAP_FOWNER))
        return -EPERM;
    if (isdir && !S_ISDIR(vs.mode))
        return -ENOTDIR;
    if (!isdir && S_ISDIR(vs.mode))
        return -EISDIR;
    return 0;
}

/* The directory holding the entry of the object lk names (found): the
 * parent of its canonical path, resolved from the real root (so the
 * directory a mount point sits in).  -EBUSY for "/". */
static int entry_dir(const struct lookup *lk, struct node *dir)
{
    const char *slash = strrchr(lk->path, '/');
    if (slash == NULL || slash[1] == '\0')
        return -EBUSY;
    char *p = kmalloc(VFS_PATH_MAX);
    if (p == NULL)
        return -ENOMEM;
    size_t dl = slash == lk->path ? 1 : (size_t)(slash - lk->path);
    memcpy(p, lk->path, dl);
    p[dl] = '\0';
    int r = vfs_resolve_canonical(p, dir, NULL);
    kfree(p);
    return r;
}

/* Can nothing in may_delete refuse the caller (CAP_DAC_OVERRIDE and
 * CAP_FOWNER: root)?  Then the parent is not looked up; the filesystems
 * answer ENOTDIR and EISDIR themselves. */
static bool delete_unchecked(void)
{
    return cap_has(CAP_DAC_OVERRIDE) && cap_has(CAP_FOWNER);
}

/* may_delete for the object lk names (found), in the directory holding it. */
static int may_delete_entry(const struct lookup *lk, bool isdir)
{
    struct node dir;
    if (delete_unchecked())
        return 0;
    int r = entry_dir(lk, &dir);
    return r < 0 ? (r == -EBUSY ? 0 : r) : may_delete(dir, lk->node, isdir);
}

static bool same_node(struct node a, struct node b)
{
    return a.v == b.v && a.id == b.id;
}


/* The answer to creating lk->last in the directory lk->node. */
static int create_denied(struct lookup *lk)
{
    if (lk->node.v == NULL)
        return -EROFS;
    return lk->node.v->dev == VFS_DEV_PROC ? -ENOENT : -EACCES;
}

static bool ends_with_slash(const char *p)
{
    size_t n = strlen(p);
    return n > 0 && p[n - 1] == '/';
}

/* The owner of a new object in directory dir (Linux's inode_init_owner and
 * mode_strip_sgid): the caller's fs ids, but the directory's group when it
 * has S_ISGID, which new subdirectories inherit; a set-gid, group-executable
 * file made there by a caller outside that group (without CAP_FSETID) loses
 * S_ISGID.  *perm: the permission bits after the umask. */
static void init_owner(struct node dir, bool isdir, u32 *perm, u32 *uid, u32 *gid)
{
    struct kstat ds;
    *uid = process_fsuid();
    *gid = process_fsgid();
    if (node_stat(dir, &ds) < 0 || (ds.mode & S_ISGID) == 0)
        return;
    *gid = ds.gid;
    if (isdir)
        *perm |= S_ISGID;
    else if ((*perm & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) && !process_in_group(ds.gid) &&
             !cap_has(CAP_FSETID))
        *perm &= ~(u32)S_ISGID;
}

/* Create lk->last (kind VN_RAMFILE/VN_DIR/VN_LINK, or VN_NODE: mode's type,
 * device number rdev) in the TFS directory lk->node. */
static int create_tfs(struct lookup *lk, u8 kind, int mode, u32 uid, u32 gid, const char *target,
                      u64 rdev, struct node *out)
{
    u32 type = kind == VN_DIR ? S_IFDIR : kind == VN_LINK ? S_IFLNK
             : kind == VN_NODE ? ((u32)mode & S_IFMT) : S_IFREG;
    u32 perm = kind == VN_LINK ? 0777 : ((u32)mode & 07777 & ~process_umask());
    u64 id;
    int r = tfs_node_create(lk->node.id, lk->last, type | perm, uid, gid, target, rdev, &id);
    if (r == 0)
        *out = (struct node){ NULL, id };
    return r;
}

/* Create lk->last (kind, mode, symlink target; VN_NODE: mode's S_IF type
 * and device number rdev) in the directory lk->node (TFS or tmpfs); on
 * success lk names the new node.  Devices need CAP_MKNOD (EPERM). */
static int create_in(struct lookup *lk, u8 kind, int mode, const char *target, u64 rdev)
{
    struct vnode *v;
    struct node n;
    size_t pl = strlen(lk->path), nl = strlen(lk->last);
    if (pl + 1 + nl + 1 > VFS_PATH_MAX)
        return -ENAMETOOLONG;
    int pr = may_create(lk->node);
    if (pr < 0)
        return pr;
    u32 type = kind == VN_NODE ? (u32)mode & S_IFMT : 0;
    if ((type == S_IFCHR || type == S_IFBLK) && !cap_has(CAP_MKNOD))
        return -EPERM;
    if (type != S_IFCHR && type != S_IFBLK)
        rdev = 0;                      /* FIFOs and sockets have none */
    u32 perm = (u32)mode & (kind == VN_DIR ? 01777 : 07777) & ~process_umask(), uid, gid;
    init_owner(lk->node, kind == VN_DIR, &perm, &uid, &gid);
    if (lk->node.v == NULL) {
        int r = create_tfs(lk, kind, (int)(perm | type), uid, gid, target, rdev, &n);
        if (r < 0)
            return r;
    } else {
        if (!node_is_ram(lk->node))
            return create_denied(lk);
        int r = ramfs_create(lk->node.v, lk->last, kind, perm | type, target, &v);
        if (r < 0)
            return r;
        v->uid = uid;
        v->gid = gid;
        v->rdev = rdev;
        n = (struct node){ v, v->arg };
    }
    if (pl > 1)
        lk->path[pl++] = '/';
    memcpy(lk->path + pl, lk->last, nl + 1);
    lk->node = n;
    lk->missing_last = false;
    return 0;
}

/* The TFS directory holding the object lk names (found, canonical path in
 * lk->path) and its name there.  -EBUSY for "/", -EXDEV when the parent is
 * not a TFS directory. */
static int tfs_parent(const struct lookup *lk, u64 *dir, char *name)
{
    const char *slash = strrchr(lk->path, '/');
    if (slash == NULL || slash[1] == '\0')
        return -EBUSY;
    size_t dl = (size_t)(slash - lk->path);
    ksnprintf(name, VFS_NAME_MAX + 1, "%s", slash + 1);
    struct lookup *pk = lookup_alloc();
    if (pk == NULL)
        return -ENOMEM;
    memcpy(pk->upath, lk->path, dl);
    pk->upath[dl] = '\0';
    if (dl == 0)
        ksnprintf(pk->upath, VFS_PATH_MAX, "/");
    int r = vfs_resolve_canonical(pk->upath, &pk->node, NULL);
    if (r == 0 && pk->node.v != NULL)
        r = -EXDEV;
    if (r == 0)
        *dir = pk->node.id;
    lookup_free(pk);
    return r;
}

/* The tmpfs directory entry by which lk (found, canonical path) names its
 * vnode: the vnode itself, or an alias entry of a hard-linked file. */
static struct vnode *ram_entry(const struct lookup *lk)
{
    struct vnode *v = lk->node.v;
    if (v->links == 0)
        return v;
    const char *slash = strrchr(lk->path, '/');
    struct lookup *pk = slash != NULL ? lookup_alloc() : NULL;
    if (pk == NULL)
        return v;
    size_t dl = (size_t)(slash - lk->path);
    memcpy(pk->upath, lk->path, dl);
    pk->upath[dl] = '\0';
    if (dl == 0)
        ksnprintf(pk->upath, VFS_PATH_MAX, "/");
    struct vnode *e = NULL;
    if (vfs_resolve_canonical(pk->upath, &pk->node, NULL) == 0 && node_is_ram(pk->node))
        e = vnode_find(pk->node.v, slash + 1, strlen(slash + 1));
    lookup_free(pk);
    return e != NULL && ramfs_target(e) == v ? e : v;
}

/* The last component of a user path: 1 for ".", 2 for "..", else 0. */
static int last_dots(const char *upath)
{
    size_t n = strlen(upath);
    while (n > 1 && upath[n - 1] == '/')
        n--;
    size_t s = n;
    while (s > 0 && upath[s - 1] != '/')
        s--;
    if (n - s == 1 && upath[s] == '.')
        return 1;
    return (n - s == 2 && upath[s] == '.' && upath[s + 1] == '.') ? 2 : 0;
}

/* O_TMPFILE: an unnamed file in a tmpfs directory (EOPNOTSUPP on the TFS root,
 * as on Linux filesystems without it: callers fall back to a named file). */
static long open_tmpfile(int dirfd, const char *upath, int flags, int mode, int lrestrict)
{
    static u64 seq;
    struct lookup *lk;
    struct file *f;
    if ((flags & O_ACCMODE) == O_RDONLY)
        return -EINVAL;
    int r = user_lookup(dirfd, upath, LOOKUP_FOLLOW | LOOKUP_DIRECTORY | lrestrict, &lk);
    if (r == 0 && !node_is_ram(lk->node))
        r = -EOPNOTSUPP;
    if (r == 0)
        r = node_rofs(lk);
    bool llnt = false;
    if (r == 0)
        r = landlock_open(lk, flags, S_IFREG, true, &llnt);
    if (r < 0)
        goto out;
    ksnprintf(lk->last, sizeof(lk->last), "#tmpfile%lu", seq++);
    r = create_in(lk, VN_RAMFILE, mode, NULL, 0);
    if (r < 0)
        goto out;
    ramfs_remove(lk->node.v, false);
    lk->node.v->linkable = (flags & O_EXCL) == 0;   /* linkat may name it (once) */
    r = node_open(lk->node, lk->path, (flags & ~O_TMPFILE) | O_LARGEFILE, &f);
    if (r == 0)
        f->ll_notrunc = llnt;
    if (r == 0) {
        r = fd_install(f, 0, (flags & O_CLOEXEC) != 0);
        if (r < 0)
            file_put(f);
    }
out:
    lookup_free(lk);
    return r;
}

static long open_found(struct lookup *lk, int flags, bool created);

/* open/openat/openat2 with walk restrictions lrestrict (LOOKUP_NO_XDEV...). */
static long do_openat2(int dirfd, const char *upath, int flags, int mode, int lrestrict)
{
    if ((flags & O_TMPFILE) == O_TMPFILE)
        return open_tmpfile(dirfd, upath, flags, mode, lrestrict);
    if ((flags & O_PATH) != 0)
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    else
        flags |= O_LARGEFILE;
    bool excl = (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
    int lf = (((flags & O_NOFOLLOW) != 0 || excl) ? 0 : LOOKUP_FOLLOW) | lrestrict;
    struct lookup *lk;
    bool created = false;
    int r = user_lookup(dirfd, upath, lf, &lk);
    if (r == -ENOENT && lk->missing_last && (flags & O_CREAT) != 0 && !ends_with_slash(lk->upath) &&
        entry_rofs(lk) < 0)
        r = -EROFS;
    if (r == -ENOENT && lk->missing_last && (flags & O_CREAT) != 0 && !ends_with_slash(lk->upath))
        r = landlock_make(lk, VN_RAMFILE, 0) < 0 ? -EACCES : r;
    if (r == -ENOENT && lk->missing_last && (flags & O_CREAT) != 0) {
        r = ends_with_slash(lk->upath) ? -EISDIR : create_in(lk, VN_RAMFILE, mode, NULL, 0);
        if ((created = r == 0))
            inotify_created(lk->path, lk->node);
    } else if (r == 0 && excl)
        r = -EEXIST;
    if (r == 0)
        r = open_found(lk, flags, created);
    lookup_free(lk);
    return r;
}

/* open_by_handle_at's open of the object lk names (found: node, canonical
 * path, mount): as openat would open it with flags, without following a
 * symlink.  fd or -errno. */
long vfs_open_lookup(struct lookup *lk, int flags)
{
    if ((flags & O_PATH) != 0)
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    else
        flags |= O_LARGEFILE;
    return open_found(lk, flags & ~(O_CREAT | O_EXCL), false);
}

/* Is n the running program's file?  Linux refuses to open it for writing
 * or truncate it (ETXTBSY) while it runs.  fs/tfs.c holds its object from
 * boot on (renames keep the id). */
static bool node_is_exe(struct node n)
{
    return n.v == NULL && tfs_is_exe(n.id);
}

/* The rest of an open once lk names the object (created: by this open):
 * type and permission checks, Landlock, the new fd.  fd or -errno. */
static long open_found(struct lookup *lk, int flags, bool created)
{
    struct file *f;
    struct kstat st;
    int r = node_stat(lk->node, &st);
    if (r < 0)
        return r;
    if ((flags & O_DIRECTORY) != 0 && !S_ISDIR(st.mode))
        r = -ENOTDIR;
    else if (S_ISLNK(st.mode) && (flags & O_PATH) == 0)
        r = -ELOOP;
    else if (S_ISDIR(st.mode) && (flags & O_CREAT) != 0)
        r = -EISDIR;
    else if (S_ISDIR(st.mode) && (flags & O_PATH) == 0 && (flags & O_ACCMODE) != O_RDONLY)
        r = -EISDIR;
    else if ((S_ISREG(st.mode) || S_ISDIR(st.mode)) && (flags & O_PATH) == 0 &&
             ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0))
        r = node_rofs(lk);
    if (r == 0 && !created && (flags & O_PATH) == 0) {
        /* may_open: the access mode, and write for O_TRUNC (a file just
         * created is not checked) */
        int acc = flags & O_ACCMODE, mask = acc == O_RDONLY ? R_OK : acc == O_WRONLY ? W_OK : R_OK | W_OK;
        if ((flags & O_TRUNC) != 0)
            mask |= W_OK;
        r = node_may(lk->node, &st, mask);
    }
    if (r == 0 && S_ISREG(st.mode) && (flags & O_PATH) == 0 && node_is_exe(lk->node) &&
        ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0))
        r = -ETXTBSY;
    bool llnt = false;
    if (r == 0)
        r = landlock_open(lk, flags, st.mode, created, &llnt);
    if (r < 0)
        return r;
    r = node_open(lk->node, lk->path, flags, &f);
    if (r < 0)
        return r;
    f->ll_notrunc = llnt;
    if ((flags & O_TRUNC) != 0 && !created && S_ISREG(st.mode))
        fsnotify_node(f->node, f->path, IN_MODIFY);    /* an attribute change: FID groups only */
    r = fd_install(f, 0, (flags & O_CLOEXEC) != 0);
    if (r < 0)
        file_put(f);
    return r;
}

static long do_openat(int dirfd, const char *upath, int flags, int mode)
{
    return do_openat2(dirfd, upath, flags, mode, 0);
}

long sys_openat(int dirfd, const char *path, int flags, int mode)
{
    return do_openat(dirfd, path, flags, mode);
}

struct open_how_k {
    u64 flags, mode, resolve;
};

#define OPEN_HOW_SIZE_VER0 24
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#define RESOLVE_CACHED 0x20
#define VALID_RESOLVE (RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | \
                       RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_CACHED)
#define VALID_OPEN (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | \
                    O_DSYNC | O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | \
                    O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH | O_TMPFILE)
#define O_PATH_FLAGS (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)

/* openat2's strict checks of how (build_open_flags in Linux): 0 or -errno. */
static int check_how(const struct open_how_k *h)
{
    u64 flags = h->flags & ~(u64)O_CLOEXEC;
    if ((flags & ~(u64)VALID_OPEN) != 0 || (h->resolve & ~(u64)VALID_RESOLVE) != 0)
        return -EINVAL;
    if ((h->resolve & RESOLVE_BENEATH) != 0 && (h->resolve & RESOLVE_IN_ROOT) != 0)
        return -EINVAL;
    bool creates = (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
    if (creates ? (h->mode & ~(u64)07777) != 0 : h->mode != 0)
        return -EINVAL;
    if ((flags & O_TMPFILE & ~O_DIRECTORY) != 0) {
        if ((flags & O_DIRECTORY) == 0)
            return -EINVAL;
        if ((flags & O_ACCMODE) != O_WRONLY && (flags & O_ACCMODE) != O_RDWR)
            return -EINVAL;
    }
    if ((flags & O_PATH) != 0 && (flags & ~(u64)O_PATH_FLAGS) != 0)
        return -EINVAL;
    if ((h->resolve & RESOLVE_CACHED) != 0 && (flags & (O_TRUNC | O_CREAT | O_TMPFILE)) != 0)
        return -EAGAIN;
    return 0;
}

/* RESOLVE_CACHED: solo's lookups never wait for a disk (the TFS metadata is
 * in memory), so every lookup counts as cached and none answers EAGAIN. */
// partial: only /proc/self/fd/N are magic links (RESOLVE_NO_MAGICLINKS, RESOLVE_BENEATH and RESOLVE_IN_ROOT follow /proc/self/cwd, exe and root as ordinary symlinks)
long sys_openat2(int dirfd, const char *path, const void *uhow, size_t usize)
{
    struct open_how_k h;
    if (usize < OPEN_HOW_SIZE_VER0)
        return -EINVAL;
    if (usize > 4096)
        return -E2BIG;
    int r = copy_struct_from_user(&h, sizeof(h), uhow, usize);
    if (r < 0)
        return r;
    if ((h.flags & O_PATH) == 0)
        h.flags |= O_LARGEFILE;
    r = check_how(&h);
    if (r < 0)
        return r;
    int lr = ((h.resolve & RESOLVE_NO_XDEV) != 0 ? LOOKUP_NO_XDEV : 0) |
             ((h.resolve & RESOLVE_NO_MAGICLINKS) != 0 ? LOOKUP_NO_MAGICLINKS : 0) |
             ((h.resolve & RESOLVE_NO_SYMLINKS) != 0 ? LOOKUP_NO_SYMLINKS : 0) |
             ((h.resolve & RESOLVE_BENEATH) != 0 ? LOOKUP_BENEATH : 0) |
             ((h.resolve & RESOLVE_IN_ROOT) != 0 ? LOOKUP_IN_ROOT : 0);
    return do_openat2(dirfd, path, (int)h.flags, (int)h.mode, lr);
}

long sys_open(const char *path, int flags, int mode)
{
    return do_openat(AT_FDCWD, path, flags, mode);
}

long sys_creat(const char *path, int mode)
{
    return do_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

#define MFD_CLOEXEC 1U
#define MFD_ALLOW_SEALING 2U
#define MFD_HUGETLB 4U
#define MFD_NOEXEC_SEAL 8U
#define MFD_EXEC 0x10U
#define MFD_NAME_MAX 249

// partial: sealing (F_ADD_SEALS) and MFD_HUGETLB are not supported
long sys_memfd_create(const char *uname, unsigned flags)
{
    char name[MFD_NAME_MAX + 2], path[MFD_NAME_MAX + 24];
    struct vnode *v;
    struct file *f;
    if ((flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC)) != 0)
        return (flags & MFD_HUGETLB) != 0 ? -EOPNOTSUPP : -EINVAL;
    long n = strncpy_from_user(name, uname, sizeof(name));
    if (n < 0)
        return n == -ENAMETOOLONG ? -EINVAL : n;
    if (n > MFD_NAME_MAX)
        return -EINVAL;
    int r = ramfs_memfd(name, &v);
    if (r < 0)
        return r;
    ksnprintf(path, sizeof(path), "/memfd:%s (deleted)", name);
    r = node_open((struct node){ v, 0 }, path, O_RDWR | O_LARGEFILE, &f);
    if (r < 0)
        return r;
    r = fd_install(f, 0, (flags & MFD_CLOEXEC) != 0);
    if (r < 0)
        file_put(f);
    return r;
}

/* ---------------------------------------------------------------- stat */

struct stat_k {
    u64 st_dev, st_ino, st_nlink;
    u32 st_mode, st_uid, st_gid, pad0;
    u64 st_rdev;
    s64 st_size, st_blksize, st_blocks;
    u64 st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;
    s64 unused[3];
};

static int put_stat(void *ubuf, const struct kstat *k)
{
    struct stat_k s;
    memset(&s, 0, sizeof(s));
    s.st_dev = k->dev;
    s.st_ino = k->ino;
    s.st_nlink = k->nlink;
    s.st_mode = k->mode;
    s.st_uid = k->uid;
    s.st_gid = k->gid;
    s.st_rdev = k->rdev;
    s.st_size = (s64)k->size;
    s.st_blksize = k->blksize;
    s.st_blocks = (s64)k->blocks;
    s.st_atime = k->atime / 1000000000;
    s.st_atime_nsec = k->atime % 1000000000;
    s.st_mtime = k->mtime / 1000000000;
    s.st_mtime_nsec = k->mtime % 1000000000;
    s.st_ctime = k->ctime / 1000000000;
    s.st_ctime_nsec = k->ctime % 1000000000;
    return copy_to_user(ubuf, &s, sizeof(s));
}

/* stat of dirfd/path per AT_* flags (path NULL with AT_EMPTY_PATH: dirfd). */
static int stat_at_mnt(int dirfd, const char *upath, int flags, struct kstat *st, int *mnt_id);

static int stat_at(int dirfd, const char *upath, int flags, struct kstat *st)
{
    return stat_at_mnt(dirfd, upath, flags, st, NULL);
}

/* The id of mount m (NULL: the top one), as /proc/self/mountinfo shows it. */
static int mount_id_of(struct mount *m)
{
    return (m != NULL ? m : mount_root())->id;
}

/* The mount a file is on: its path's, or -1 for files with no path in the
 * tree (pipes, sockets, anonymous inodes). */
int file_mount_id(struct file *f)
{
    if (f->path == NULL || f->path[0] != '/' || (f->node.v != NULL && f->node.v->nops == &anon_inode_nops))
        return -1;
    return mount_id_of(mount_at(f->path));
}

/* stat_at, and *mnt_id (if not NULL) the id of the object's mount (-1: none). */
static int stat_at_mnt(int dirfd, const char *upath, int flags, struct kstat *st, int *mnt_id)
{
    if (upath == NULL && (flags & AT_EMPTY_PATH) != 0) {
        if (dirfd == AT_FDCWD)
            return -EFAULT;
        struct file *f = fd_file(dirfd);
        if (f != NULL && mnt_id != NULL)
            *mnt_id = file_mount_id(f);
        return f == NULL ? -EBADF : node_stat(f->node, st);
    }
    int lf = (flags & AT_SYMLINK_NOFOLLOW) != 0 ? 0 : LOOKUP_FOLLOW;
    if ((flags & AT_EMPTY_PATH) != 0)
        lf |= LOOKUP_EMPTY;
    struct lookup *lk;
    int r = user_lookup(dirfd, upath, lf, &lk);
    if (r == 0)
        r = node_stat(lk->node, st);
    if (r == 0 && mnt_id != NULL)
        *mnt_id = mount_id_of(lk->mnt);
    lookup_free(lk);
    return r;
}

long sys_newfstatat(int dirfd, const char *path, void *buf, int flags)
{
    struct kstat st;
    if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) != 0)
        return -EINVAL;
    int r = stat_at(dirfd, path, flags, &st);
    return r < 0 ? r : put_stat(buf, &st);
}

long sys_stat(const char *path, void *buf)
{
    return sys_newfstatat(AT_FDCWD, path, buf, 0);
}

long sys_lstat(const char *path, void *buf)
{
    return sys_newfstatat(AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
}

long sys_fstat(int fd, void *buf)
{
    struct kstat st;
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;
    int r = node_stat(f->node, &st);
    return r < 0 ? r : put_stat(buf, &st);
}

struct statx_ts { s64 sec; u32 nsec; s32 reserved; };
struct statx_k {
    u32 mask, blksize;
    u64 attributes;
    u32 nlink, uid, gid;
    u16 mode, spare0;
    u64 ino, size, blocks, attributes_mask;
    struct statx_ts atime, btime, ctime, mtime;
    u32 rdev_major, rdev_minor, dev_major, dev_minor;
    u64 mnt_id;
    u32 dio_mem_align, dio_offset_align;
    u64 spare3[12];
};

#define STATX_BASIC_STATS 0x7ffU
#define STATX_MNT_ID 0x1000U
#define STATX__RESERVED 0x80000000U

static struct statx_ts ts_of(u64 ns)
{
    return (struct statx_ts){ (s64)(ns / 1000000000), (u32)(ns % 1000000000), 0 };
}

static u32 dev_major(u64 d) { return (u32)(((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffU)); }
static u32 dev_minor(u64 d) { return (u32)((d & 0xff) | ((d >> 12) & ~0xffU)); }

long sys_statx(int dirfd, const char *path, int flags, unsigned mask, void *buf)
{
    struct kstat st;
    struct statx_k x;
    int valid = AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE;
    if ((flags & ~valid) != 0 || (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
        return -EINVAL;
    if ((mask & STATX__RESERVED) != 0)
        return -EINVAL;
    int mnt = -1;
    int r = stat_at_mnt(dirfd, path, flags, &st, &mnt);
    if (r < 0)
        return r;
    memset(&x, 0, sizeof(x));
    x.mask = STATX_BASIC_STATS | STATX_MNT_ID;
    x.blksize = st.blksize;
    x.nlink = (u32)st.nlink;
    x.mode = (u16)st.mode;
    x.uid = st.uid;
    x.gid = st.gid;
    x.ino = st.ino;
    x.size = st.size;
    x.blocks = st.blocks;
    x.atime = ts_of(st.atime);
    x.mtime = ts_of(st.mtime);
    x.ctime = ts_of(st.ctime);
    x.rdev_major = dev_major(st.rdev);
    x.rdev_minor = dev_minor(st.rdev);
    x.dev_major = dev_major(st.dev);
    x.dev_minor = dev_minor(st.dev);
    /* the mount's id as in /proc/self/mountinfo (files outside the tree,
     * pipes and sockets: a guess from the device) */
    x.mnt_id = mnt >= 0 ? (u64)mnt : st.dev == VFS_DEV_ROOT ? 1 : st.dev == VFS_DEV_DEVFS ? 2 : 3;
    return copy_to_user(buf, &x, sizeof(x));
}

/* ---------------------------------------------------------------- statfs */

struct statfs_k {
    s64 f_type, f_bsize;
    u64 f_blocks, f_bfree, f_bavail, f_files, f_ffree;
    s32 f_fsid[2];
    s64 f_namelen, f_frsize, f_flags;
    s64 f_spare[4];
};

#define TFS_SUPER_MAGIC 0x534f4c4f     /* "SOLO" */
#define TMPFS_MAGIC 0x01021994
#define PROC_SUPER_MAGIC 0x9fa0
#define ST_RDONLY 1
#define ST_NOSUID 2
#define ST_NODEV 4
#define ST_NOEXEC 8
#define ST_VALID 0x20
#define ST_NOATIME 1024
#define ST_RELATIME 4096

#define ST_SYNCHRONOUS 16
#define ST_MANDLOCK 64
#define ST_NODIRATIME 2048
#define ST_NOSYMFOLLOW 0x2000

/* statfs f_flags from mount flags. */
static s64 st_flags(unsigned long mf)
{
    s64 f = ST_VALID | (s64)(mf & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS |
                                    MS_MANDLOCK | MS_NOATIME | MS_NODIRATIME));
    if ((mf & MS_RELATIME) != 0)
        f |= ST_RELATIME;
    if ((mf & MS_NOSYMFOLLOW) != 0)
        f |= ST_NOSYMFOLLOW;
    return f;
}

/* statfs of node n on mount m. */
static int put_statfs(void *ubuf, struct node n, struct mount *m)
{
    struct kstat st;
    struct statfs_k s;
    int r = node_stat(n, &st);
    if (r < 0)
        return r;
    memset(&s, 0, sizeof(s));
    s.f_bsize = s.f_frsize = 4096;
    s.f_namelen = VFS_NAME_MAX;
    s.f_fsid[0] = (s32)st.dev;
    if (st.dev == VFS_DEV_ROOT) {
        s.f_type = TFS_SUPER_MAGIC;
        tfs_root_statfs(&s.f_blocks, &s.f_bfree);
        s.f_bavail = s.f_bfree;
        s.f_flags = ST_VALID | ST_NOATIME;
    } else if (st.dev == VFS_DEV_TMPFS) {
        s.f_type = TMPFS_MAGIC;
        tmpfs_builtin_statfs(&s.f_blocks, &s.f_bfree);
        s.f_bavail = s.f_bfree;
        s.f_flags = ST_VALID | ST_NOSUID | ST_NODEV;
    } else if (node_is_ram(n)) {
        /* a tmpfs mounted by the program: its size= limit, or half the RAM */
        struct tmpfs_sb *sb = n.v->sb;
        u64 lim = sb != NULL && sb->limit != 0 ? sb->limit : mem_total_bytes() / 2;
        u64 used = sb != NULL ? sb->used : 0;
        s.f_type = TMPFS_MAGIC;
        s.f_blocks = lim / 4096;
        s.f_bfree = s.f_bavail = (lim - MIN(used, lim)) / 4096;
    } else if (st.dev == VFS_DEV_DEVFS) {
        s.f_type = TMPFS_MAGIC;
        s.f_flags = ST_VALID | ST_NOSUID;
    } else {
        s.f_type = PROC_SUPER_MAGIC;
        s.f_flags = ST_VALID | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RELATIME;
    }
    if (m != NULL)
        s.f_flags = st_flags(m->flags);
    return copy_to_user(ubuf, &s, sizeof(s));
}

long sys_statfs(const char *path, void *buf)
{
    struct lookup *lk;
    int r = user_lookup(AT_FDCWD, path, LOOKUP_FOLLOW, &lk);
    if (r == 0)
        r = put_statfs(buf, lk->node, lk->mnt);
    lookup_free(lk);
    return r;
}

long sys_fstatfs(int fd, void *buf)
{
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;
    return put_statfs(buf, f->node, f->path != NULL ? mount_at(f->path) : NULL);
}

/* ---------------------------------------------------------------- readlink */

long sys_readlinkat(int dirfd, const char *path, char *buf, int size)
{
    if (size <= 0)
        return -EINVAL;
    struct lookup *lk;
    int r = user_lookup(dirfd, path, LOOKUP_EMPTY, &lk);
    if (r < 0)
        goto out;
    const struct node_ops *o = node_ops_of(lk->node);
    long n = o->readlink != NULL ? o->readlink(lk->node, lk->upath, VFS_PATH_MAX) : -EINVAL;
    if (n == -EINVAL && lk->upath[0] == '\0')
        n = -ENOENT;                   /* "" names a non-link: ENOENT as Linux */
    if (n >= 0) {
        n = MIN(n, (long)size);
        if (copy_to_user(buf, lk->upath, (size_t)n) < 0)
            n = -EFAULT;
    }
    r = (int)n;
out:
    lookup_free(lk);
    return r;
}

long sys_readlink(const char *path, char *buf, int size)
{
    return sys_readlinkat(AT_FDCWD, path, buf, size);
}

/* ---------------------------------------------------------------- access */

/* access(2) without AT_EACCESS checks the real ids, with the capabilities
 * Linux gives them (access_override_creds: the permitted set for a real
 * root, none otherwise). */
static bool in_group_real(u32 gid)
{
    return gid == process_rgid() || process_in_supp_groups(gid);
}

static bool cap_real(int cap)
{
    return process_ruid() == 0 && (cap_permitted_set() & (1UL << cap)) != 0;
}

static long do_access(int dirfd, const char *path, int mode, int flags)
{
    if ((mode & ~(R_OK | W_OK | X_OK)) != 0)
        return -EINVAL;
    if ((flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0)
        return -EINVAL;
    struct kstat st;
    int r = stat_at(dirfd, path, flags, &st);
    if (r < 0)
        return r;
    if (mode == 0)
        return 0;                      /* F_OK: it exists */
    if ((flags & AT_EACCESS) != 0)
        return dac_check(&st, mode, process_fsuid(), process_in_group, cap_has);
    return dac_check(&st, mode, process_ruid(), in_group_real, cap_real);
}

// partial: search permission on the path's directories is checked with the fs ids, not the real ones; W_OK on a read-only mount is not EROFS
long sys_faccessat2(int dirfd, const char *path, int mode, int flags)
{
    return do_access(dirfd, path, mode, flags);
}

// partial: search permission on the path's directories is checked with the fs ids, not the real ones; W_OK on a read-only mount is not EROFS
long sys_faccessat(int dirfd, const char *path, int mode)
{
    return do_access(dirfd, path, mode, 0);
}

// partial: search permission on the path's directories is checked with the fs ids, not the real ones; W_OK on a read-only mount is not EROFS
long sys_access(const char *path, int mode)
{
    return do_access(AT_FDCWD, path, mode, 0);
}

/* ---------------------------------------------------------------- cwd */

/* A cwd outside the process root (after chroot) reads "(unreachable)"
 * followed by its path from the real root, as on Linux. */
long sys_getcwd(char *buf, size_t size)
{
    static const char unreach[] = "(unreachable)";
    const char *cwd = vfs_user_path(vfs_cwd());
    const char *pre = cwd != NULL && !mount_path_is_anon(vfs_cwd()) ? "" : unreach;
    if (cwd == NULL)
        cwd = vfs_cwd();
    size_t pl = strlen(pre), len = pl + strlen(cwd) + 1;
    struct node n = vfs_cwd_node();
    if (node_unlinked(n))
        return -ENOENT;                /* the cwd was removed */
    if (size < len)
        return -ERANGE;
    if (copy_to_user(buf, pre, pl) < 0 || copy_to_user(buf + pl, cwd, len - pl) < 0)
        return -EFAULT;
    return (long)len;
}

/* As root, chroot is never refused for permissions (EACCES/EPERM): search
 * permission and CAP_SYS_CHROOT are always there. */
long sys_chroot(const char *path)
{
    struct lookup *lk;
    int r = user_lookup(AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &lk);
    if (r == 0)
        r = vfs_chroot(lk->node, lk->path);
    lookup_free(lk);
    return r;
}

long sys_chdir(const char *path)
{
    struct lookup *lk;
    int r = user_lookup(AT_FDCWD, path, LOOKUP_FOLLOW, &lk);
    if (r == 0)
        r = vfs_chdir_node(lk->node, lk->path);
    lookup_free(lk);
    return r;
}

long sys_fchdir(int fd)
{
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;
    if (f->path == NULL || !node_is_dir(f->node))
        return -ENOTDIR;
    return vfs_chdir_node(f->node, f->path);
}

/* ---------------------------------------------------------------- modifying calls */

/* Creating dirfd/path (kind VN_RAMFILE, VN_DIR or VN_LINK): EEXIST if it
 * exists; created in a TFS or tmpfs directory; else EACCES/ENOENT. */
static long create_at(int dirfd, const char *path, u8 kind, int mode, const char *target, u64 rdev)
{
    struct lookup *lk;
    int r = user_lookup(dirfd, path, 0, &lk);
    if (r == 0)
        r = -EEXIST;
    else if (r == -ENOENT && lk->missing_last && (kind == VN_DIR || !ends_with_slash(lk->upath)) &&
             entry_rofs(lk) < 0)
        r = -EROFS;
    if (r == -ENOENT && lk->missing_last && (kind == VN_DIR || !ends_with_slash(lk->upath)))
        r = landlock_make(lk, kind, (u32)mode) < 0 ? -EACCES : r;
    if (r == -ENOENT && lk->missing_last)
        r = (kind != VN_DIR && ends_with_slash(lk->upath)) ? -ENOENT : create_in(lk, kind, mode, target, rdev);
    if (r == 0)
        inotify_created(lk->path, lk->node);
    lookup_free(lk);
    return r;
}

/* AF_UNIX bind of a pathname (net/unix.c): an S_IFSOCK node at path (a
 * kernel string, relative to the cwd), mode 0777 less the umask.  0 and
 * *out, -EADDRINUSE when path exists, or what creating it answers. */
int vfs_sock_bind(const char *path, struct node *out)
{
    struct lookup *lk = lookup_alloc();
    if (lk == NULL)
        return -ENOMEM;
    ksnprintf(lk->upath, VFS_PATH_MAX, "%s", path);
    int r = vfs_lookup(AT_FDCWD, lk->upath, 0, lk);
    if (r == 0)
        r = -EADDRINUSE;
    else if (r == -ENOENT && lk->missing_last && entry_rofs(lk) < 0)
        r = -EROFS;
    else if (r == -ENOENT && lk->missing_last && !ends_with_slash(lk->upath))
        r = create_in(lk, VN_NODE, S_IFSOCK | 0777, NULL, 0);
    if (r == 0) {
        inotify_created(lk->path, lk->node);
        *out = lk->node;
    }
    lookup_free(lk);
    return r;
}

/* AF_UNIX connect/sendto to a pathname: the node at path (symlinks
 * followed).  0 and *out, -ECONNREFUSED when it is no socket, or the
 * lookup's -errno. */
int vfs_sock_find(const char *path, struct node *out)
{
    struct lookup *lk = lookup_alloc();
    if (lk == NULL)
        return -ENOMEM;
    ksnprintf(lk->upath, VFS_PATH_MAX, "%s", path);
    int r = vfs_lookup(AT_FDCWD, lk->upath, LOOKUP_FOLLOW, lk);
    struct kstat st;
    memset(&st, 0, sizeof(st));
    if (r == 0)
        r = node_stat(lk->node, &st);
    if (r == 0 && (st.mode & S_IFMT) != S_IFSOCK)
        r = -ECONNREFUSED;
    if (r == 0)
        *out = lk->node;
    lookup_free(lk);
    return r;
}

/* Remove the TFS object lk names (found) from its directory. */
static int remove_tfs(struct lookup *lk, bool dir)
{
    u64 pdir;
    char name[VFS_NAME_MAX + 1];
    int r = tfs_parent(lk, &pdir, name);
    if (r < 0)
        return r == -EXDEV ? -EBUSY : r;
    return tfs_node_remove(pdir, name, dir);
}

/* Removing dirfd/path (rmdir when dir): TFS and tmpfs entries go; /dev
 * and /proc answer EACCES. */
static long remove_at(int dirfd, const char *path, bool dir)
{
    struct lookup *lk;
    int r = user_lookup(dirfd, path, 0, &lk);
    /* a last component "." or ".." is refused before anything else: rmdir
     * EINVAL or ENOTEMPTY, unlink EISDIR (lk names the directory itself) */
    int dots = r == 0 ? last_dots(lk->upath) : 0;
    if (dots != 0)
        r = !dir ? -EISDIR : dots == 1 ? -EINVAL : -ENOTEMPTY;
    if ((r == 0 || (r == -ENOENT && lk->missing_last)) && entry_rofs(lk) < 0)
        r = -EROFS;
    if (r == 0)
        r = landlock_remove(lk, dir);
    /* may_delete, unless Linux answers first: unlink's trailing slash (EISDIR) */
    if (r == 0 && (dir || !ends_with_slash(lk->upath)))
        r = may_delete_entry(lk, dir);
    if (r == 0)
        fsnotify_removing(lk->node);
    if (r == 0 && is_mount_point(lk))
        r = dir && !node_is_dir(lk->node) ? -ENOTDIR : !dir && node_is_dir(lk->node) ? -EISDIR : -EBUSY;
    else if (r == 0 && lk->node.v == NULL)
        r = remove_tfs(lk, dir);
    else if (r == 0 && node_is_ram(lk->node))
        r = ramfs_remove(ram_entry(lk), dir);
    else if (r == 0 && dir && !node_is_dir(lk->node))
        r = -ENOTDIR;
    else if (r == 0 && !dir && node_is_dir(lk->node) && lk->node.v != NULL)
        r = -EISDIR;
    else if (r == 0)
        r = -EACCES;
    if (r == 0)
        inotify_removed(lk->path, lk->node, dir);
    lookup_free(lk);
    return r;
}

long sys_mkdirat(int dirfd, const char *path, int mode)
{
    return create_at(dirfd, path, VN_DIR, mode, NULL, 0);
}

long sys_mkdir(const char *path, int mode)
{
    return create_at(AT_FDCWD, path, VN_DIR, mode, NULL, 0);
}

/* Regular files, FIFOs, sockets and device nodes (on TFS and tmpfs); a
 * device node opens the solo device of that number (fs/special.c). */
// partial: a device node with the console's numbers (5,1, 4,64, 4,65) opens as ENXIO (no driver) instead of the console
long sys_mknodat(int dirfd, const char *path, int mode, unsigned dev)
{
    int type = mode & S_IFMT;
    if (type == S_IFDIR)
        return -EPERM;                 /* as Linux: mkdir makes directories */
    if (type != 0 && type != S_IFREG && type != S_IFCHR && type != S_IFBLK &&
        type != S_IFIFO && type != S_IFSOCK)
        return -EINVAL;
    if (type == 0 || type == S_IFREG)
        return create_at(dirfd, path, VN_RAMFILE, mode, NULL, 0);
    return create_at(dirfd, path, VN_NODE, mode, NULL, dev);
}

// partial: a device node with the console's numbers (5,1, 4,64, 4,65) opens as ENXIO (no driver) instead of the console
long sys_mknod(const char *path, int mode, unsigned dev)
{
    return sys_mknodat(AT_FDCWD, path, mode, dev);
}

long sys_symlinkat(const char *target, int dirfd, const char *path)
{
    char *t = kmalloc(VFS_PATH_MAX);
    if (t == NULL)
        return -ENOMEM;
    long r = strncpy_from_user(t, target, VFS_PATH_MAX);
    if (r == 0)
        r = -ENOENT;
    if (r > 0)
        r = create_at(dirfd, path, VN_LINK, 0777, t, 0);
    kfree(t);
    return r;
}

long sys_symlink(const char *target, const char *path)
{
    return sys_symlinkat(target, AT_FDCWD, path);
}

/* Link old (ram: on a tmpfs) as lk->last in the directory lk->node, in
 * the order of Linux's vfs_link: may_create (EACCES), another filesystem
 * (EXDEV), a directory (EPERM). */
static int link_in(struct node old, bool ram, struct lookup *lk)
{
    int r = may_create(lk->node);
    if (r < 0)
        return r;
    bool tfs = old.v == NULL && lk->node.v == NULL;
    if (!tfs && (node_is_ram(lk->node) != ram || (old.v == NULL) != (lk->node.v == NULL)))
        return -EXDEV;
    if (node_is_dir(old))
        return -EPERM;
    if (tfs)
        return tfs_node_link(old.id, lk->node.id, lk->last);
    return ram ? ramfs_link(old.v, lk->node.v, lk->last) : create_denied(lk);
}

long sys_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
    if ((flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) != 0)
        return -EINVAL;
    struct lookup *lk, *ok;
    int lf = ((flags & AT_SYMLINK_FOLLOW) != 0 ? LOOKUP_FOLLOW : 0) |
             ((flags & AT_EMPTY_PATH) != 0 ? LOOKUP_EMPTY : 0);
    int r = user_lookup(olddirfd, oldpath, lf, &ok);
    bool ram = r == 0 && node_is_ram(ok->node);
    struct node old = r == 0 ? ok->node : (struct node){ NULL, 0 };
    struct mount *omnt = r == 0 ? ok->mnt : NULL;
    if (r < 0) {
        lookup_free(ok);
        return r;
    }
    r = user_lookup(newdirfd, newpath, 0, &lk);
    int lr = r == -ENOENT && lk->missing_last && !ends_with_slash(lk->upath) ? landlock_link(ok, lk) : 0;
    if (r == 0)
        r = -EEXIST;
    else if (r == -ENOENT && lk->missing_last && entry_rofs(lk) < 0)
        r = -EROFS;
    else if (r == -ENOENT && lk->missing_last && lk->mnt != omnt)
        r = -EXDEV;
    else if (lr < 0)
        r = lr;
    else if (r == -ENOENT && lk->missing_last)
        r = ends_with_slash(lk->upath) ? -ENOENT : link_in(old, ram, lk);
    if (r == 0)
        inotify_linked(lk->node, lk->last, old);
    lookup_free(lk);
    lookup_free(ok);
    return r;
}

long sys_link(const char *oldpath, const char *newpath)
{
    return sys_linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

long sys_unlinkat(int dirfd, const char *path, int flags)
{
    if ((flags & ~AT_REMOVEDIR) != 0)
        return -EINVAL;
    return remove_at(dirfd, path, (flags & AT_REMOVEDIR) != 0);
}

long sys_unlink(const char *path)
{
    return remove_at(AT_FDCWD, path, false);
}

long sys_rmdir(const char *path)
{
    return remove_at(AT_FDCWD, path, true);
}

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4

/* rename on the TFS root: ok names the old object (found); the new name
 * is nk->last in nk->node (nmiss) or the object nk names. */
static int rename_tfs(struct lookup *ok, struct lookup *nk, bool nmiss, unsigned flags)
{
    u64 odir, ndir;
    char *oname = kmalloc(2 * (VFS_NAME_MAX + 1)), *nname = oname + VFS_NAME_MAX + 1;
    if (oname == NULL)
        return -ENOMEM;
    int r = tfs_parent(ok, &odir, oname);
    if (r == 0 && nmiss) {
        ndir = nk->node.id;
        ksnprintf(nname, VFS_NAME_MAX + 1, "%s", nk->last);
    } else if (r == 0) {
        r = tfs_parent(nk, &ndir, nname);
    }
    if (r == -EXDEV)
        r = -EBUSY;                    /* a name overlaid by /dev or /proc */
    /* a directory cannot move below itself: the new parent's path starts with the old path */
    size_t ol = strlen(ok->path);
    const char *np = nk->path;
    if (r == 0 && node_is_dir(ok->node) && strncmp(np, ok->path, ol) == 0 &&
        (np[ol] == '/' || (np[ol] == '\0' && nmiss)))
        r = -EINVAL;
    if (r == 0 && (flags & ~RENAME_NOREPLACE) != 0)
        r = -EINVAL;
    if (r == 0)
        r = tfs_node_rename(odir, oname, ndir, nname, flags);
    kfree(oname);
    return r;
}

/* Is canonical path p strictly below directory path d? */
static bool path_below(const char *p, const char *d)
{
    size_t dl = strlen(d);
    return strncmp(p, d, dl) == 0 && (p[dl] == '/' || (dl == 1 && p[1] != '\0'));
}

/* The checks Linux's rename makes on the names and the permissions, in
 * its order (do_renameat2, then vfs_rename): EEXIST for RENAME_NOREPLACE
 * over an existing name, ENOENT for RENAME_EXCHANGE with a missing one, EINVAL for a directory moved below itself,
 * ENOTEMPTY (EINVAL with RENAME_EXCHANGE) for a new name above the old;
 * nothing more when both name one object; may_delete of the old name,
 * may_create or may_delete of the new one; and write permission on a
 * directory that changes parent (its ".." changes).  ok and nk are TFS or
 * tmpfs names, neither "." nor "..". */
static int rename_may(struct lookup *ok, struct lookup *nk, bool nmiss, unsigned flags)
{
    bool xchg = (flags & RENAME_EXCHANGE) != 0, isdir = node_is_dir(ok->node);
    if (!nmiss && (flags & RENAME_NOREPLACE) != 0)
        return -EEXIST;
    if (nmiss && xchg)
        return -ENOENT;
    if (isdir && (nmiss ? (strcmp(nk->path, ok->path) == 0 || path_below(nk->path, ok->path))
                        : path_below(nk->path, ok->path)))
        return -EINVAL;
    if (!nmiss && path_below(ok->path, nk->path))
        return xchg ? -EINVAL : -ENOTEMPTY;
    if ((!nmiss && same_node(ok->node, nk->node)) || delete_unchecked())
        return 0;
    struct node odir, ndir;
    int r = entry_dir(ok, &odir);
    if (r == 0)
        r = may_delete(odir, ok->node, isdir);
    if (r < 0)
        return r;
    bool nisdir = !nmiss && node_is_dir(nk->node);
    if (nmiss) {
        ndir = nk->node;
        r = may_create(ndir);
    } else {
        r = entry_dir(nk, &ndir);
        if (r == 0)
            r = may_delete(ndir, nk->node, xchg ? nisdir : isdir);
    }
    if (r < 0 || same_node(odir, ndir))
        return r;
    struct kstat st;
    if (isdir && (r = node_stat(ok->node, &st)) == 0)
        r = node_may(ok->node, &st, W_OK);
    if (r == 0 && xchg && nisdir && (r = node_stat(nk->node, &st)) == 0)
        r = node_may(nk->node, &st, W_OK);
    return r;
}

/* rename between two resolved names; ok and nk describe old and new. */
static int do_rename(struct lookup *ok, int ro, struct lookup *nk, int rn, unsigned flags)
{
    bool nmiss = rn == -ENOENT && nk->missing_last;
    if (ro < 0)
        return ro;
    if (rn < 0 && !nmiss)
        return rn;
    if (entry_mount(ok) != entry_mount(nk))
        return -EXDEV;
    /* "." or ".." as the last component: EBUSY (EEXIST for a new one with
     * RENAME_NOREPLACE), before anything else is looked at */
    if (last_dots(ok->upath) != 0)
        return -EBUSY;
    if (last_dots(nk->upath) != 0)
        return (flags & RENAME_NOREPLACE) != 0 ? -EEXIST : -EBUSY;
    if (entry_rofs(ok) < 0)
        return -EROFS;
    if (is_mount_point(ok) || (!nmiss && is_mount_point(nk)))
        return -EBUSY;
    int lr = (flags & RENAME_EXCHANGE) != 0 ? 0 : landlock_rename(ok, nk, nmiss);
    if (lr < 0)
        return lr;
    bool tfs = ok->node.v == NULL && nk->node.v == NULL;
    if (tfs || (node_is_ram(ok->node) && node_is_ram(nk->node))) {
        int pr = rename_may(ok, nk, nmiss, flags);
        if (pr < 0)
            return pr;
    }
    if (tfs)
        return rename_tfs(ok, nk, nmiss, flags);
    if (ok->node.v == NULL || nk->node.v == NULL)
        return -EXDEV;
    struct vnode *ve = !nmiss && node_is_ram(nk->node) ? ram_entry(nk) : nk->node.v;
    struct vnode *dir = nmiss ? nk->node.v : (ve != NULL ? ve->parent : NULL);
    bool oram = node_is_ram(ok->node), nram = nmiss ? node_is_ram(nk->node) : node_is_ram(nk->node);
    if (!oram && !nram)
        return -EACCES;
    if (oram != nram || dir == NULL)
        return -EXDEV;
    const char *name = nmiss ? nk->last : ve->name;
    return ramfs_rename(ram_entry(ok), dir, name, nmiss ? NULL : ve, flags);
}

// partial: RENAME_EXCHANGE and RENAME_WHITEOUT are not supported (EINVAL)
long sys_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags)
{
    if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0)
        return -EINVAL;
    if ((flags & RENAME_NOREPLACE) != 0 && (flags & RENAME_EXCHANGE) != 0)
        return -EINVAL;
    struct lookup *ok, *nk = NULL;
    int ro = user_lookup(olddirfd, oldpath, 0, &ok);
    int rn = ok != NULL ? user_lookup(newdirfd, newpath, 0, &nk) : -ENOMEM;
    if (rn == 0)
        fsnotify_removing(nk->node);
    int r = (ok == NULL || nk == NULL) ? -ENOMEM : do_rename(ok, ro, nk, rn, flags);
    if (r == 0)
        inotify_renamed(ok, nk, rn);
    lookup_free(nk);
    lookup_free(ok);
    return r;
}

long sys_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
    return sys_renameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}

long sys_rename(const char *oldpath, const char *newpath)
{
    return sys_renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

/* ---- attribute changes: stored on the TFS root and tmpfs ---- */

enum attr_op { ATTR_MODE, ATTR_OWNER, ATTR_TIMES };

#define UTIME_NOW ((1L << 30) - 1)
#define UTIME_OMIT ((1L << 30) - 2)

struct timespec_k { s64 sec, nsec; };

/* New time from a user timespec (UTIME_NOW/UTIME_OMIT); false on EINVAL. */
static bool pick_time(const struct timespec_k *t, u64 now, u64 *out)
{
    if (t->nsec == UTIME_OMIT)
        return true;
    if (t->nsec == UTIME_NOW) {
        *out = now;
        return true;
    }
    if (t->nsec < 0 || t->nsec >= 1000000000 || t->sec < 0)
        return false;
    *out = (u64)t->sec * 1000000000 + (u64)t->nsec;
    return true;
}

/* A chown request: the ids asked for (-1: unchanged); set_attr notes
 * whether it cleared set-id bits (a mode change, reported as IN_ATTRIB). */
struct owner_req { u32 uid, gid; bool killed; };

#define ID_KEEP 0xffffffffU

/* Is the caller the owner of st or does it hold CAP_FOWNER (Linux's
 * inode_owner_or_capable)? */
static bool owner_or_capable(const struct kstat *st)
{
    return process_fsuid() == st->uid || cap_has(CAP_FOWNER);
}

/* Permission checks and the new state for op on an object with stat *st
 * (Linux's chown_ok/chgrp_ok, setattr_prepare and may_setattr); *st is
 * updated to the new owner and mode.  0 or -errno. */
static int attr_prepare(struct kstat *st, enum attr_op op, u64 arg)
{
    if (op == ATTR_OWNER) {
        struct owner_req *o = (void *)arg;
        u32 fsuid = process_fsuid();
        if (o->uid != ID_KEEP && !((fsuid == st->uid && o->uid == st->uid) || cap_has(CAP_CHOWN)))
            return -EPERM;
        if (o->gid != ID_KEEP && !((fsuid == st->uid && (o->gid == st->gid || process_in_group(o->gid))) ||
                                   cap_has(CAP_CHOWN)))
            return -EPERM;
        u32 mode = st->mode;
        if (!S_ISDIR(mode)) {
            /* ATTR_KILL_SUID, and ATTR_KILL_SGID per setattr_should_drop_sgid */
            mode &= ~(u32)S_ISUID;
            if ((mode & S_ISGID) != 0 && ((mode & S_IXGRP) != 0 ||
                                          !(process_in_group(st->gid) || cap_has(CAP_FSETID))))
                mode &= ~(u32)S_ISGID;
        }
        o->killed = mode != st->mode;
        if (o->killed && !owner_or_capable(st))
            return -EPERM;
        if (o->uid != ID_KEEP)
            st->uid = o->uid;
        if (o->gid != ID_KEEP)
            st->gid = o->gid;
        st->mode = mode;
        return 0;
    }
    if (op == ATTR_MODE) {
        if (!owner_or_capable(st))
            return -EPERM;
        u32 perm = (u32)arg & 07777;
        if (!process_in_group(st->gid) && !cap_has(CAP_FSETID))
            perm &= ~(u32)S_ISGID;
        st->mode = (st->mode & S_IFMT) | perm;
        return 0;
    }
    const struct timespec_k *t = (const void *)arg;
    bool touch = t == NULL || (t[0].nsec == UTIME_NOW && t[1].nsec == UTIME_NOW);
    /* Linux's ATTR_TIMES_SET: any times but "both now" need the owner */
    if (!touch && !owner_or_capable(st))
        return -EPERM;
    if (touch && !owner_or_capable(st))
        return dac_check(st, W_OK, process_fsuid(), process_in_group, cap_has);
    return 0;
}

/* Apply op to TFS object id (see set_attr); st: its state after attr_prepare. */
static int set_attr_tfs(u64 id, enum attr_op op, u64 arg, const struct kstat *st)
{
    u64 now = realtime_ns();
    if (op == ATTR_OWNER)
        return tfs_node_set_owner(id, st->uid, st->gid, st->mode);
    if (op == ATTR_MODE)
        return tfs_node_chmod(id, st->mode);
    const struct timespec_k *t = (const void *)arg;
    u64 at = st->atime, mt = st->mtime;
    if (t == NULL)
        at = mt = now;
    else if (!pick_time(&t[0], now, &at) || !pick_time(&t[1], now, &mt))
        return -EINVAL;
    return tfs_node_set_times(id, at, mt);
}

/* Apply op to node n: arg is the mode, a struct owner_req, or a kernel
 * timespec[2] (NULL: now).  Linux's order: EINVAL for bad times, then the
 * permission checks. */
static int set_attr(struct node n, enum attr_op op, u64 arg)
{
    struct kstat st;
    u64 now = realtime_ns(), at = 0, mt = 0;
    if (op == ATTR_TIMES && arg != 0) {
        const struct timespec_k *t = (const void *)arg;
        if (!pick_time(&t[0], now, &at) || !pick_time(&t[1], now, &mt))
            return -EINVAL;
    }
    int r = node_stat(n, &st);
    if (r < 0)
        return r;
    if (n.v != NULL && !n.v->ram)
        return -EPERM;
    r = attr_prepare(&st, op, arg);
    if (r < 0)
        return r;
    if (n.v == NULL)
        return set_attr_tfs(n.id, op, arg, &st);
    if (op == ATTR_MODE || op == ATTR_OWNER)
        n.v->mode = st.mode;
    if (op == ATTR_OWNER) {
        n.v->uid = st.uid;
        n.v->gid = st.gid;
    }
    if (op == ATTR_TIMES) {
        const struct timespec_k *t = (const void *)arg;
        at = n.v->atime;
        mt = n.v->mtime;
        if (t == NULL)
            at = mt = now;
        else if (!pick_time(&t[0], now, &at) || !pick_time(&t[1], now, &mt))
            return -EINVAL;
        n.v->atime = at;
        n.v->mtime = mt;
    }
    n.v->ctime = now;
    return 0;
}

/* The inotify event of a change (as Linux's fsnotify_change): ATTRIB,
 * but only ACCESS or MODIFY when one time is left alone, and none for a
 * chown that changes neither owner nor clears a set-id bit. */
static u32 attr_event(enum attr_op op, u64 arg)
{
    const struct timespec_k *t = (const void *)arg;
    if (op == ATTR_OWNER) {
        const struct owner_req *o = (const void *)arg;
        return o->uid != ID_KEEP || o->gid != ID_KEEP || o->killed ? IN_ATTRIB : 0;
    }
    if (op == ATTR_MODE || t == NULL)
        return IN_ATTRIB;
    bool a = t[0].nsec != UTIME_OMIT, m = t[1].nsec != UTIME_OMIT;
    return a && m ? IN_ATTRIB : a ? IN_ACCESS : m ? IN_MODIFY : 0;
}

static long attr_at(int dirfd, const char *path, int lf, enum attr_op op, u64 arg)
{
    struct lookup *lk;
    int r = user_lookup(dirfd, path, lf, &lk);
    if (r == 0)
        r = node_rofs(lk);
    if (r == 0)
        r = set_attr(lk->node, op, arg);
    if (r == 0)
        fsnotify_node(lk->node, lk->path, attr_event(op, arg));
    lookup_free(lk);
    return r;
}

static long attr_fd(int fd, enum attr_op op, u64 arg)
{
    struct file *f = fd_file(fd);
    if (f == NULL || (f->flags & O_PATH) != 0)
        return -EBADF;
    if (f->path != NULL && (mount_at(f->path)->flags & MS_RDONLY) != 0)
        return -EROFS;
    int r = set_attr(f->node, op, arg);
    if (r == 0)
        fsnotify_node(f->node, f->path, attr_event(op, arg));
    return r;
}

long sys_fchmodat(int dirfd, const char *path, int mode)
{
    return attr_at(dirfd, path, LOOKUP_FOLLOW, ATTR_MODE, (u64)mode);
}

long sys_chmod(const char *path, int mode)
{
    return attr_at(AT_FDCWD, path, LOOKUP_FOLLOW, ATTR_MODE, (u64)mode);
}

long sys_fchmod(int fd, int mode)
{
    return attr_fd(fd, ATTR_MODE, (u64)mode);
}

// partial: owners of /dev, /proc and /sys files cannot be changed (EPERM)
long sys_fchownat(int dirfd, const char *path, int uid, int gid, int flags)
{
    if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0)
        return -EINVAL;
    int lf = ((flags & AT_SYMLINK_NOFOLLOW) != 0 ? 0 : LOOKUP_FOLLOW) |
             ((flags & AT_EMPTY_PATH) != 0 ? LOOKUP_EMPTY : 0);
    struct owner_req o = { (u32)uid, (u32)gid, false };
    return attr_at(dirfd, path, lf, ATTR_OWNER, (u64)&o);
}

// partial: owners of /dev, /proc and /sys files cannot be changed (EPERM)
long sys_chown(const char *path, int uid, int gid)
{
    struct owner_req o = { (u32)uid, (u32)gid, false };
    return attr_at(AT_FDCWD, path, LOOKUP_FOLLOW, ATTR_OWNER, (u64)&o);
}

// partial: owners of /dev, /proc and /sys files cannot be changed (EPERM)
long sys_lchown(const char *path, int uid, int gid)
{
    struct owner_req o = { (u32)uid, (u32)gid, false };
    return attr_at(AT_FDCWD, path, 0, ATTR_OWNER, (u64)&o);
}

// partial: owners of /dev, /proc and /sys files cannot be changed (EPERM)
long sys_fchown(int fd, int uid, int gid)
{
    struct owner_req o = { (u32)uid, (u32)gid, false };
    return attr_fd(fd, ATTR_OWNER, (u64)&o);
}

long sys_utimensat(int dirfd, const char *path, const void *utimes, int flags)
{
    struct timespec_k t[2];
    if (utimes != NULL && copy_from_user(t, utimes, sizeof(t)) < 0)
        return -EFAULT;
    /* as Linux: nothing to do, so not even the path or flags are checked */
    if (utimes != NULL && t[0].nsec == UTIME_OMIT && t[1].nsec == UTIME_OMIT)
        return 0;
    if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0)
        return -EINVAL;
    u64 arg = utimes != NULL ? (u64)t : 0;
    if (path == NULL)
        return attr_fd(dirfd, ATTR_TIMES, arg);
    int lf = ((flags & AT_SYMLINK_NOFOLLOW) != 0 ? 0 : LOOKUP_FOLLOW) |
             ((flags & AT_EMPTY_PATH) != 0 ? LOOKUP_EMPTY : 0);
    return attr_at(dirfd, path, lf, ATTR_TIMES, arg);
}

/* utimes/futimesat take struct timeval[2] (microseconds). */
static long utimes_tv(int dirfd, const char *path, const void *tv)
{
    struct timespec_k t[2];
    if (tv != NULL) {
        if (copy_from_user(t, tv, sizeof(t)) < 0)
            return -EFAULT;
        for (int i = 0; i < 2; i++) {
            if (t[i].nsec < 0 || t[i].nsec >= 1000000)
                return -EINVAL;
            t[i].nsec *= 1000;
        }
    }
    u64 arg = tv != NULL ? (u64)t : 0;
    if (path == NULL)
        return attr_fd(dirfd, ATTR_TIMES, arg);
    return attr_at(dirfd, path, LOOKUP_FOLLOW, ATTR_TIMES, arg);
}

long sys_utimes(const char *path, const void *tv)
{
    return utimes_tv(AT_FDCWD, path, tv);
}

long sys_futimesat(int dirfd, const char *path, const void *tv)
{
    return utimes_tv(dirfd, path, tv);
}

long sys_utime(const char *path, const void *ubuf)
{
    s64 tb[2];
    struct timespec_k t[2];
    if (ubuf != NULL) {
        if (copy_from_user(tb, ubuf, sizeof(tb)) < 0)
            return -EFAULT;
        t[0] = (struct timespec_k){ tb[0], 0 };
        t[1] = (struct timespec_k){ tb[1], 0 };
    }
    return attr_at(AT_FDCWD, path, LOOKUP_FOLLOW, ATTR_TIMES, ubuf != NULL ? (u64)t : 0);
}

long sys_truncate(const char *path, s64 len)
{
    struct lookup *lk;
    struct kstat st;
    int r = user_lookup(AT_FDCWD, path, LOOKUP_FOLLOW, &lk);
    if (r == 0)
        r = node_stat(lk->node, &st);
    if (r == 0) {
        if (S_ISDIR(st.mode))
            r = -EISDIR;
        else if (!S_ISREG(st.mode) || len < 0)
            r = -EINVAL;
        else if (node_rofs(lk) < 0)
            r = -EROFS;
        else if ((r = node_may(lk->node, &st, W_OK)) < 0)
            ;
        else if (node_is_exe(lk->node))
            r = -ETXTBSY;                  /* the running program */
        else if (landlock_truncate(lk) < 0)
            r = -EACCES;
        else if (node_is_ram(lk->node))
            r = ramfs_truncate(lk->node.v, (u64)len);
        else if (lk->node.v == NULL)
            r = tfs_node_truncate(lk->node.id, (u64)len);
        else
            r = -EACCES;
        if (r == 0)
            fsnotify_node(lk->node, lk->path, IN_MODIFY);
    }
    lookup_free(lk);
    return r;
}

/* ---- extended attributes: no filesystem here stores any ---- */

/* Resolve an xattr call's target: path (lf flags) or, with path NULL, fd. */
static int xattr_node(int fd, const char *path, int lf, struct node *out)
{
    if (path == NULL) {
        struct file *f = fd_file(fd);
        if (f == NULL || (f->flags & O_PATH) != 0)
            return -EBADF;
        *out = f->node;
        return 0;
    }
    struct lookup *lk;
    int r = user_lookup(AT_FDCWD, path, lf, &lk);
    if (r == 0)
        *out = lk->node;
    lookup_free(lk);
    return r;
}

static long xattr_get(int fd, const char *path, int lf)
{
    struct node n = { NULL, 0 };
    int r = xattr_node(fd, path, lf, &n);
    return r < 0 ? r : -EOPNOTSUPP;
}

static long xattr_list(int fd, const char *path, int lf)
{
    struct node n = { NULL, 0 };
    return xattr_node(fd, path, lf, &n);    /* an empty list */
}

static long xattr_set(int fd, const char *path, int lf)
{
    struct node n = { NULL, 0 };
    int r = xattr_node(fd, path, lf, &n);
    if (r < 0)
        return r;
    return -EOPNOTSUPP;
}

long sys_getxattr(const char *p, const char *name, void *v, size_t n)
{
    return xattr_get(0, p, LOOKUP_FOLLOW);
}

long sys_lgetxattr(const char *p, const char *name, void *v, size_t n)
{
    return xattr_get(0, p, 0);
}

long sys_fgetxattr(int fd, const char *name, void *v, size_t n)
{
    return xattr_get(fd, NULL, 0);
}

long sys_listxattr(const char *p, char *list, size_t n)
{
    return xattr_list(0, p, LOOKUP_FOLLOW);
}

long sys_llistxattr(const char *p, char *list, size_t n)
{
    return xattr_list(0, p, 0);
}

long sys_flistxattr(int fd, char *list, size_t n)
{
    return xattr_list(fd, NULL, 0);
}

// partial: no filesystem stores extended attributes (EOPNOTSUPP)
long sys_setxattr(const char *p, const char *name, const void *v, size_t n, int flags)
{
    return xattr_set(0, p, LOOKUP_FOLLOW);
}

// partial: no filesystem stores extended attributes (EOPNOTSUPP)
long sys_lsetxattr(const char *p, const char *name, const void *v, size_t n, int flags)
{
    return xattr_set(0, p, 0);
}

// partial: no filesystem stores extended attributes (EOPNOTSUPP)
long sys_fsetxattr(int fd, const char *name, const void *v, size_t n, int flags)
{
    return xattr_set(fd, NULL, 0);
}

// partial: no filesystem stores extended attributes (EOPNOTSUPP)
long sys_removexattr(const char *p, const char *name)
{
    return xattr_set(0, p, LOOKUP_FOLLOW);
}

// partial: no filesystem stores extended attributes (EOPNOTSUPP)
long sys_lremovexattr(const char *p, const char *name)
{
    return xattr_set(0, p, 0);
}

// partial: no filesystem stores extended attributes (EOPNOTSUPP)
long sys_fremovexattr(int fd, const char *name)
{
    return xattr_set(fd, NULL, 0);
}

/* ---------------------------------------------------------------- mounts */

#define MS_NOUSER (1UL << 31)
#define MNT_FORCE 1
#define MNT_DETACH 2
#define MNT_EXPIRE 4
#define UMOUNT_NOFOLLOW 8
#define MOUNT_DATA_MAX 4096

/* A mount(2) string argument (NULL stays NULL).  0 or -EFAULT. */
static int mount_string(const char *u, char *k, size_t cap, char **out)
{
    *out = NULL;
    if (u == NULL)
        return 0;
    long n = strncpy_from_user(k, u, cap);
    if (n == -ENAMETOOLONG)
        k[cap - 1] = '\0';
    else if (n < 0)
        return (int)n;
    *out = k;
    return 0;
}

/* Propagation changes: solo has one mount namespace and its mounts never
 * propagate, so MS_PRIVATE and MS_SLAVE describe them as they are. */
static int mount_propagation(struct lookup *tk, unsigned long flags)
{
    unsigned long t = flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE);
    if ((flags & ~(t | MS_REC | MS_SILENT)) != 0 || (t & (t - 1)) != 0)
        return -EINVAL;
    if (strcmp(tk->mnt->path, tk->path) != 0)
        return -EINVAL;
    return (t & (MS_SHARED | MS_UNBINDABLE)) != 0 ? -EINVAL : 0;
}

/* mount(2) after the strings are copied in; tk names the target. */
static int do_mount(const char *source, struct lookup *tk, const char *fstype,
                    unsigned long flags, const char *data)
{
    if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
        flags &= ~MS_MGC_MSK;
    if ((flags & MS_NOUSER) != 0)
        return -EINVAL;
    if ((flags & MS_REMOUNT) != 0)
        return mount_remount(tk, flags, (flags & MS_BIND) != 0 ? NULL : data);
    if ((flags & MS_BIND) != 0) {
        if (source == NULL || source[0] == '\0')
            return -EINVAL;
        struct lookup *sk = lookup_alloc();
        if (sk == NULL)
            return -ENOMEM;
        int r = vfs_lookup(AT_FDCWD, source, LOOKUP_FOLLOW, sk);
        if (r == 0)
            r = mount_add(NULL, source, sk, tk, flags, NULL);
        lookup_free(sk);
        return r;
    }
    if ((flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) != 0)
        return mount_propagation(tk, flags);
    if ((flags & MS_MOVE) != 0) {
        if (source == NULL || source[0] == '\0')
            return -EINVAL;
        struct lookup *sk = lookup_alloc();
        if (sk == NULL)
            return -ENOMEM;
        int r = vfs_lookup(AT_FDCWD, source, LOOKUP_FOLLOW, sk);
        if (r == 0)
            r = mount_move(sk, tk);
        lookup_free(sk);
        return r;
    }
    return mount_add(fstype, source, NULL, tk, flags, data);
}

// partial: file systems: tmpfs (options size= and mode= only), proc and bind mounts; no block devices or sysfs (ENODEV); MS_SHARED/MS_UNBINDABLE are EINVAL; MS_MOVE of solo's built-in mounts is EINVAL; MS_NOEXEC, MS_NOSUID, MS_NODEV and the atime flags are recorded and shown but not enforced; a remount changes only that mount's flags
long sys_mount(const char *usource, const char *utarget, const char *utype, unsigned long flags,
               const void *udata)
{
    char *buf = kmalloc(3 * VFS_PATH_MAX + MOUNT_DATA_MAX);
    char *type, *source, *data;
    struct lookup *tk = NULL;
    if (buf == NULL)
        return -ENOMEM;
    int r = mount_string(utype, buf, VFS_PATH_MAX, &type);
    if (r == 0)
        r = mount_string(usource, buf + VFS_PATH_MAX, VFS_PATH_MAX, &source);
    if (r == 0)
        r = mount_string(udata, buf + 2 * VFS_PATH_MAX, MOUNT_DATA_MAX, &data);
    if (r == 0)
        r = user_lookup(AT_FDCWD, utarget, LOOKUP_FOLLOW, &tk);
    if (r == 0 && landlock_restricted())
        r = -EPERM;
    if (r == 0)
        r = do_mount(source, tk, type, flags, data);
    lookup_free(tk);
    kfree(buf);
    return r;
}

// partial: MNT_EXPIRE is not supported (EINVAL); solo's built-in /, /dev, /proc, /tmp and /dev/shm cannot be unmounted (EBUSY); open memory mappings do not keep a mount busy
long sys_umount2(const char *utarget, int flags)
{
    struct lookup *tk;
    if ((flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) != 0)
        return -EINVAL;
    int lf = (flags & UMOUNT_NOFOLLOW) != 0 ? 0 : LOOKUP_FOLLOW;
    int r = user_lookup(AT_FDCWD, utarget, lf, &tk);
    if (r == 0 && landlock_restricted())
        r = -EPERM;
    if (r == 0)
        r = mount_remove(tk, flags);
    lookup_free(tk);
    return r;
}
