/*
 * newmount.c - the file-descriptor based mount API of Linux 5.2+: fsopen,
 * fsconfig, fsmount, move_mount, open_tree, fspick and mount_setattr, over
 * the mount table of fs/mount.c.
 *
 * fsopen (a new file system) and fspick (an existing mount's file system)
 * give a file system context: an anonymous-inode file ("anon_inode:
 * [fscontext]") holding the parameters set by fsconfig and a log of
 * messages that read() returns one at a time ("e tmpfs: Unknown parameter
 * 'x'\n"; ENODATA when empty, EMSGSIZE when the buffer is too small), eight at
 * most as in Linux.  A context moves through Linux's phases: parameters for
 * a new file system, CMD_CREATE makes it (awaiting fsmount), fsmount turns
 * it into a detached mount and leaves the context ready to reconfigure that
 * file system (as fspick's is): CMD_RECONFIGURE applies "ro"/"rw" and a
 * tmpfs's size.  A failed create or reconfigure leaves it failed (EBUSY).
 *
 * fsmount and open_tree(OPEN_TREE_CLONE) give an O_PATH fd on a detached
 * mount tree (fs/mount.c), usable as a dirfd at once; move_mount attaches it
 * (or moves an attached mount, as MS_MOVE does), and closing the last fd of
 * a tree that was never attached dissolves it.
 */
#include "syscalls.h"
#include "fs/vfs_impl.h"

#define FSOPEN_CLOEXEC 1U
#define FSPICK_CLOEXEC 1U
#define FSPICK_SYMLINK_NOFOLLOW 2U
#define FSPICK_NO_AUTOMOUNT 4U
#define FSPICK_EMPTY_PATH 8U
#define FSMOUNT_CLOEXEC 1U
#define OPEN_TREE_CLONE 1U
#define AT_RECURSIVE 0x8000

enum {
    FSCONFIG_SET_FLAG = 0, FSCONFIG_SET_STRING, FSCONFIG_SET_BINARY, FSCONFIG_SET_PATH,
    FSCONFIG_SET_PATH_EMPTY, FSCONFIG_SET_FD, FSCONFIG_CMD_CREATE, FSCONFIG_CMD_RECONFIGURE,
    FSCONFIG_CMD_CREATE_EXCL,
};

#define MOVE_MOUNT_F_SYMLINKS 0x1U
#define MOVE_MOUNT_F_AUTOMOUNTS 0x2U
#define MOVE_MOUNT_F_EMPTY_PATH 0x4U
#define MOVE_MOUNT_T_SYMLINKS 0x10U
#define MOVE_MOUNT_T_AUTOMOUNTS 0x20U
#define MOVE_MOUNT_T_EMPTY_PATH 0x40U
#define MOVE_MOUNT_SET_GROUP 0x100U
#define MOVE_MOUNT_BENEATH 0x200U
#define MOVE_MOUNT__MASK 0x377U

#define MOUNT_ATTR_RDONLY 0x1U
#define MOUNT_ATTR_NOSUID 0x2U
#define MOUNT_ATTR_NODEV 0x4U
#define MOUNT_ATTR_NOEXEC 0x8U
#define MOUNT_ATTR__ATIME 0x70U
#define MOUNT_ATTR_RELATIME 0x0U
#define MOUNT_ATTR_NOATIME 0x10U
#define MOUNT_ATTR_STRICTATIME 0x20U
#define MOUNT_ATTR_NODIRATIME 0x80U
#define MOUNT_ATTR_IDMAP 0x100000U
#define MOUNT_ATTR_NOSYMFOLLOW 0x200000U
#define FSMOUNT_VALID (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | \
                       MOUNT_ATTR_NOEXEC | MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME | \
                       MOUNT_ATTR_NOSYMFOLLOW)
#define SETATTR_VALID (FSMOUNT_VALID | MOUNT_ATTR_IDMAP)
#define MOUNT_ATTR_SIZE_VER0 32

#define PARAM_MAX 256                  /* keys and string values: strndup_user's limit */
#define LOG_MAX 8                      /* messages a context keeps (Linux: 8) */
#define LOG_LINE 128

/* the phases of a context, as Linux names them */
enum { PH_CREATE_PARAMS, PH_AWAITING_MOUNT, PH_AWAITING_RECONF, PH_RECONF_PARAMS, PH_FAILED };

struct fsctx {
    int phase;
    const char *fstype;                /* "tmpfs", "proc", or a picked mount's */
    bool tmpfs_params;                 /* takes tmpfs's size= and mode= */
    struct mount *target;              /* reconfigure: a mount of the file system */
    /* parameters */
    int ro;                            /* -1: not given, 0: rw, 1: ro */
    bool size_set;
    u64 size;
    u32 mode;
    char *source;
    /* the file system made by CMD_CREATE */
    bool created;
    struct node root;
    struct tmpfs_sb *sb;
    u64 dev;
    /* the message log: a ring of LOG_MAX lines */
    char log[LOG_MAX][LOG_LINE];
    unsigned head, tail;
};

static struct vnode fsctx_vnode = { .name = "anon_inode:[fscontext]", .nops = &anon_inode_nops };

/* ------------------------------------------------------- the message log */

static void ctx_log(struct fsctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ctx_log(struct fsctx *c, const char *fmt, ...)
{
    va_list ap;
    if (c->head - c->tail >= LOG_MAX)
        c->tail++;                     /* full: the oldest goes */
    va_start(ap, fmt);
    kvsnprintf(c->log[c->head % LOG_MAX], LOG_LINE, fmt, ap);
    va_end(ap);
    c->head++;
}

/* read(): the oldest message (each ends in a newline, as Linux's do). */
static long fsctx_read(struct file *f, void *buf, size_t n, u64 off)
{
    struct fsctx *c = f->priv;
    (void)off;
    if (c->head == c->tail)
        return -ENODATA;
    const char *m = c->log[c->tail % LOG_MAX];
    size_t len = strlen(m);
    if (len > n)
        return -EMSGSIZE;
    memcpy(buf, m, len);
    c->tail++;
    return (long)len;
}

static void fsctx_release(struct file *f)
{
    struct fsctx *c = f->priv;
    kfree(c->source);
    kfree(c);
}

static const struct file_ops fsctx_fops = { .read = fsctx_read, .release = fsctx_release };

static struct fsctx *fsctx_of(struct file *f)
{
    return f != NULL && f->ops == &fsctx_fops ? f->priv : NULL;
}

/* Install a new context file for c.  fd or -errno (c freed on failure). */
static long fsctx_install(struct fsctx *c, bool cloexec)
{
    struct file *f = file_alloc();
    if (f == NULL) {
        kfree(c);
        return -ENOMEM;
    }
    f->ops = &fsctx_fops;
    f->priv = c;
    f->flags = O_RDWR;
    f->node = (struct node){ &fsctx_vnode, anon_inode_next() };
    int fd = fd_install(f, 0, cloexec);
    if (fd < 0)
        file_put(f);
    return fd;
}

static struct fsctx *fsctx_new(const char *fstype, int phase)
{
    struct fsctx *c = kzalloc(sizeof(*c));
    if (c == NULL)
        return NULL;
    c->fstype = fstype;
    c->tmpfs_params = strcmp(fstype, "tmpfs") == 0 || strcmp(fstype, "devtmpfs") == 0;
    c->phase = phase;
    c->ro = -1;
    c->mode = 01777;
    return c;
}

/* Forget the parameters (Linux's vfs_clean_context): ready to reconfigure. */
static void fsctx_clean(struct fsctx *c)
{
    c->ro = -1;
    c->size_set = false;
    kfree(c->source);
    c->source = NULL;
    c->phase = PH_AWAITING_RECONF;
}

/* ------------------------------------------------------- mount fds */

static void mntfd_release(struct file *f)
{
    mount_release_detached(f->priv);
}

static const struct file_ops mntfd_fops = { .release = mntfd_release };

/* An O_PATH fd on the root of detached mount m.  fd or -errno. */
static long mntfd_install(struct mount *m, bool cloexec)
{
    struct file *f;
    int r = node_open(m->root, m->path, O_PATH, &f);
    if (r < 0) {
        mount_release_detached(m);
        return r;
    }
    f->ops = &mntfd_fops;
    f->priv = m;
    int fd = fd_install(f, 0, cloexec);
    if (fd < 0)
        file_put(f);
    return fd;
}

/* ---------------------------------------------------------------- fsopen */

// partial: only tmpfs and proc can be opened (other file system names are ENODEV)
long sys_fsopen(const char *uname, unsigned int flags)
{
    if ((flags & ~FSOPEN_CLOEXEC) != 0)
        return -EINVAL;
    char *name = kmalloc(4096);
    if (name == NULL)
        return -ENOMEM;
    long n = strncpy_from_user(name, uname, 4096);   /* strndup_user(PAGE_SIZE) */
    const char *fstype = NULL;
    if (n >= 0 && strcmp(name, "tmpfs") == 0)
        fstype = "tmpfs";
    else if (n >= 0 && strcmp(name, "proc") == 0)
        fstype = "proc";
    kfree(name);
    if (n == -ENAMETOOLONG)
        return -EINVAL;
    if (n < 0)
        return n;
    if (fstype == NULL)
        return -ENODEV;
    struct fsctx *c = fsctx_new(fstype, PH_CREATE_PARAMS);
    if (c == NULL)
        return -ENOMEM;
    return fsctx_install(c, (flags & FSOPEN_CLOEXEC) != 0);
}

/* ---------------------------------------------------------------- fsconfig */

/* One parameter, as Linux's fs_parameter. */
struct param {
    unsigned cmd;                      /* FSCONFIG_SET_* */
    char key[PARAM_MAX];
    char str[PARAM_MAX];               /* SET_STRING */
};

/* A string parameter's octal value (tmpfs mode=): 0 or -EINVAL. */
static int parse_octal(const char *s, u32 *out)
{
    u64 v = 0;
    if (*s == '\0')
        return -EINVAL;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '7' || v > 0xffffffffULL / 8)
            return -EINVAL;
        v = v * 8 + (u64)(*s - '0');
    }
    *out = (u32)v;
    return 0;
}

/* Linux's generic superblock flags: 1 if key is one (ro/rw recorded). */
static int sb_flag(struct fsctx *c, const char *key)
{
    static const char *const set[] = { "dirsync", "lazytime", "mand", "posixacl", "sync" };
    static const char *const clr[] = { "async", "nolazytime", "nomand" };
    if (strcmp(key, "ro") == 0 || strcmp(key, "rw") == 0) {
        c->ro = key[0] == 'r' && key[1] == 'o';
        return 1;
    }
    for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
        if (strcmp(key, set[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof(clr) / sizeof(clr[0]); i++)
        if (strcmp(key, clr[i]) == 0)
            return 1;
    return 0;
}

/* Apply one SET_* parameter to c (Linux's vfs_parse_fs_param). */
static int parse_param(struct fsctx *c, struct param *p)
{
    bool str = p->cmd == FSCONFIG_SET_STRING;
    if (sb_flag(c, p->key))
        return 0;
    if (c->tmpfs_params && strcmp(p->key, "size") == 0) {
        u64 size;
        if (!str || mount_parse_size(p->str, strlen(p->str), &size) < 0)
            goto bad;
        c->size = size;
        c->size_set = true;
        return 0;
    }
    if (c->tmpfs_params && strcmp(p->key, "mode") == 0) {
        u32 mode;
        if (!str || parse_octal(p->str, &mode) < 0)
            goto bad;
        c->mode = mode & 07777;
        return 0;
    }
    if (strcmp(p->key, "source") == 0) {
        if (!str) {
            ctx_log(c, "e Non-string source\n");
            return -EINVAL;
        }
        if (c->source != NULL)
            return -EINVAL;            /* Linux logs nothing for this one */
        size_t n = strlen(p->str) + 1;
        c->source = kmalloc(n);
        if (c->source == NULL)
            return -ENOMEM;
        memcpy(c->source, p->str, n);
        return 0;
    }
    ctx_log(c, "e %s: Unknown parameter '%s'\n", c->fstype, p->key);
    return -EINVAL;
bad:
    ctx_log(c, "e %s: Bad value for '%s'\n", c->fstype, p->key);
    return -EINVAL;
}

/* CMD_CREATE: make the file system (a fresh tmpfs, or solo's /proc). */
static int ctx_create(struct fsctx *c, bool excl)
{
    int r;
    if (strcmp(c->fstype, "tmpfs") == 0) {
        r = mount_tmpfs_create(c->size_set ? c->size : 0, c->mode, &c->root, &c->sb, &c->dev);
    } else {
        r = excl ? -EBUSY : mount_proc_root(&c->root);   /* one proc instance, shared */
        c->dev = VFS_DEV_PROC;
    }
    if (r < 0)
        return r;
    c->created = true;
    c->phase = PH_AWAITING_MOUNT;
    return 0;
}

/* CMD_RECONFIGURE: apply ro/rw and a tmpfs size to the file system. */
static int ctx_reconfigure(struct fsctx *c)
{
    struct mount *m = c->target;
    if (c->size_set && c->size != 0 && m->sb != NULL) {
        if (m->sb->limit == 0) {
            ctx_log(c, "e %s: Cannot retroactively limit size\n", c->fstype);
            return -EINVAL;
        }
        if (c->size < m->sb->used) {
            ctx_log(c, "e %s: Too small a size for current use\n", c->fstype);
            return -EINVAL;
        }
    }
    int r = mount_reconfigure(m, c->ro, c->size_set, c->size);
    if (r == 0)
        fsctx_clean(c);
    return r;
}

/* fsconfig after its arguments are copied in (Linux's vfs_fsconfig_locked). */
static int fsconfig_locked(struct fsctx *c, struct param *p)
{
    int r;
    if (c->phase == PH_AWAITING_RECONF)
        c->phase = PH_RECONF_PARAMS;
    switch (p->cmd) {
    case FSCONFIG_CMD_CREATE:
    case FSCONFIG_CMD_CREATE_EXCL:
        if (c->phase != PH_CREATE_PARAMS)
            return -EBUSY;
        r = ctx_create(c, p->cmd == FSCONFIG_CMD_CREATE_EXCL);
        break;
    case FSCONFIG_CMD_RECONFIGURE:
        if (c->phase != PH_RECONF_PARAMS)
            return -EBUSY;
        r = ctx_reconfigure(c);
        break;
    default:
        if (c->phase != PH_CREATE_PARAMS && c->phase != PH_RECONF_PARAMS)
            return -EBUSY;
        return parse_param(c, p);
    }
    if (r < 0)
        c->phase = PH_FAILED;
    return r;
}

/* The argument checks fsconfig makes before looking at the fd. */
static int fsconfig_args(unsigned cmd, const void *key, const void *value, int aux)
{
    switch (cmd) {
    case FSCONFIG_SET_FLAG:
        return key == NULL || value != NULL || aux != 0 ? -EINVAL : 0;
    case FSCONFIG_SET_STRING:
        return key == NULL || value == NULL || aux != 0 ? -EINVAL : 0;
    case FSCONFIG_SET_BINARY:
        return key == NULL || value == NULL || aux <= 0 || aux > 1024 * 1024 ? -EINVAL : 0;
    case FSCONFIG_SET_PATH:
    case FSCONFIG_SET_PATH_EMPTY:
        return key == NULL || value == NULL || (aux != AT_FDCWD && aux < 0) ? -EINVAL : 0;
    case FSCONFIG_SET_FD:
        return key == NULL || value != NULL || aux < 0 ? -EINVAL : 0;
    case FSCONFIG_CMD_CREATE:
    case FSCONFIG_CMD_RECONFIGURE:
    case FSCONFIG_CMD_CREATE_EXCL:
        return key != NULL || value != NULL || aux != 0 ? -EINVAL : 0;
    }
    return -EOPNOTSUPP;
}

/* Copy a user string of at most PARAM_MAX - 1 bytes (strndup_user). */
static int param_string(char *dst, const char *u)
{
    long n = strncpy_from_user(dst, u, PARAM_MAX);
    if (n == -ENAMETOOLONG)
        return -EINVAL;
    return n < 0 ? (int)n : 0;
}

/* Copy in the value of a non-string parameter, for its errors only: tmpfs
 * and proc take strings and flags alone. */
static int param_value(unsigned cmd, const void *value, int aux)
{
    static u8 chunk[256];
    char *path;
    long n;
    switch (cmd) {
    case FSCONFIG_SET_BINARY:
        for (int off = 0; off < aux; off += (int)sizeof(chunk)) {
            size_t k = MIN(sizeof(chunk), (size_t)(aux - off));
            if (copy_from_user(chunk, (const u8 *)value + off, k) < 0)
                return -EFAULT;
        }
        return 0;
    case FSCONFIG_SET_PATH:
    case FSCONFIG_SET_PATH_EMPTY:
        path = kmalloc(VFS_PATH_MAX);
        if (path == NULL)
            return -ENOMEM;
        n = strncpy_from_user(path, value, VFS_PATH_MAX);
        kfree(path);
        if (n < 0)
            return (int)n;
        return n == 0 && cmd == FSCONFIG_SET_PATH ? -ENOENT : 0;
    case FSCONFIG_SET_FD:
        return fd_file(aux) == NULL ? -EBADF : 0;
    }
    return 0;
}

// partial: tmpfs takes only size= and mode= (other tmpfs options are "Unknown parameter", EINVAL), proc no options; of the generic superblock flags only ro/rw have an effect (sync, dirsync, lazytime, mand are accepted and ignored); a read-only superblock is recorded as the read-only flag of each of its mounts
long sys_fsconfig(int fd, unsigned int cmd, const char *ukey, const void *uvalue, int aux)
{
    if (fd < 0)
        return -EINVAL;
    int r = fsconfig_args(cmd, ukey, uvalue, aux);
    if (r < 0)
        return r;
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;
    struct fsctx *c = fsctx_of(f);
    if (c == NULL)
        return -EINVAL;
    struct param *p = kzalloc(sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    p->cmd = cmd;
    if (ukey != NULL)
        r = param_string(p->key, ukey);
    if (r == 0 && cmd == FSCONFIG_SET_STRING)
        r = param_string(p->str, uvalue);
    if (r == 0)
        r = param_value(cmd, uvalue, aux);
    if (r == 0)
        r = fsconfig_locked(c, p);
    kfree(p);
    return r;
}

/* ---------------------------------------------------------------- fsmount */

/* Mount flags (MS_*) of MOUNT_ATTR_* bits other than the atime ones. */
static unsigned long attr_to_ms(u64 attr)
{
    unsigned long f = 0;
    if ((attr & MOUNT_ATTR_RDONLY) != 0)
        f |= MS_RDONLY;
    if ((attr & MOUNT_ATTR_NOSUID) != 0)
        f |= MS_NOSUID;
    if ((attr & MOUNT_ATTR_NODEV) != 0)
        f |= MS_NODEV;
    if ((attr & MOUNT_ATTR_NOEXEC) != 0)
        f |= MS_NOEXEC;
    if ((attr & MOUNT_ATTR_NODIRATIME) != 0)
        f |= MS_NODIRATIME;
    if ((attr & MOUNT_ATTR_NOSYMFOLLOW) != 0)
        f |= MS_NOSYMFOLLOW;
    return f;
}

/* The MS_ atime flag of an atime setting: 0 (strict) or -EINVAL. */
static long atime_flag(u64 atime)
{
    switch (atime) {
    case MOUNT_ATTR_RELATIME: return (long)MS_RELATIME;
    case MOUNT_ATTR_NOATIME: return (long)MS_NOATIME;
    case MOUNT_ATTR_STRICTATIME: return 0;
    }
    return -EINVAL;
}

// partial: MS_NOEXEC, MS_NOSUID, MS_NODEV, nosymfollow and the atime settings are recorded and shown but not enforced
long sys_fsmount(int fsfd, unsigned int flags, unsigned int attr_flags)
{
    if ((flags & ~FSMOUNT_CLOEXEC) != 0 || (attr_flags & ~FSMOUNT_VALID) != 0)
        return -EINVAL;
    long at = atime_flag(attr_flags & MOUNT_ATTR__ATIME);
    if (at < 0)
        return at;
    struct file *f = fd_file(fsfd);
    if (f == NULL)
        return -EBADF;
    struct fsctx *c = fsctx_of(f);
    if (c == NULL || (!c->created && c->target == NULL))
        return -EINVAL;                /* no file system made yet */
    if (c->phase != PH_AWAITING_MOUNT)
        return -EBUSY;
    unsigned long mf = attr_to_ms(attr_flags) | (unsigned long)at;
    if (c->ro > 0)
        mf |= MS_RDONLY;               /* a read-only superblock */
    struct mount *m = mount_new_detached(c->root, c->fstype,
                                         c->source != NULL ? c->source : "none", c->sb, c->dev, mf);
    if (m == NULL)
        return -ENOMEM;
    c->target = m;
    fsctx_clean(c);
    return mntfd_install(m, (flags & FSMOUNT_CLOEXEC) != 0);
}

/* ---------------------------------------------------------------- fspick */

long sys_fspick(int dfd, const char *upath, unsigned int flags)
{
    if ((flags & ~(FSPICK_CLOEXEC | FSPICK_SYMLINK_NOFOLLOW | FSPICK_NO_AUTOMOUNT |
                   FSPICK_EMPTY_PATH)) != 0)
        return -EINVAL;
    int lf = (flags & FSPICK_SYMLINK_NOFOLLOW) != 0 ? 0 : LOOKUP_FOLLOW;
    if ((flags & FSPICK_EMPTY_PATH) != 0)
        lf |= LOOKUP_EMPTY;
    struct lookup *lk = lookup_alloc();
    if (lk == NULL)
        return -ENOMEM;
    long r = strncpy_from_user(lk->upath, upath, VFS_PATH_MAX);
    if (r >= 0)
        r = vfs_lookup(dfd, lk->upath, lf, lk);
    struct mount *m = lk->mnt;
    if (r >= 0 && strcmp(m->path, lk->path) != 0)
        r = -EINVAL;                   /* not the root of a mount */
    lookup_free(lk);
    if (r < 0)
        return r;
    struct fsctx *c = fsctx_new(m->fstype, PH_RECONF_PARAMS);
    if (c == NULL)
        return -ENOMEM;
    c->target = m;
    return fsctx_install(c, (flags & FSPICK_CLOEXEC) != 0);
}

/* ------------------------------------------------------------ open_tree */

long sys_open_tree(int dfd, const char *upath, unsigned int flags)
{
    if ((flags & ~(AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW |
                   OPEN_TREE_CLONE | O_CLOEXEC)) != 0)
        return -EINVAL;
    if ((flags & (AT_RECURSIVE | OPEN_TREE_CLONE)) == AT_RECURSIVE)
        return -EINVAL;
    int lf = (flags & AT_SYMLINK_NOFOLLOW) != 0 ? 0 : LOOKUP_FOLLOW;
    if ((flags & AT_EMPTY_PATH) != 0)
        lf |= LOOKUP_EMPTY;
    bool cloexec = (flags & O_CLOEXEC) != 0;
    struct lookup *lk = lookup_alloc();
    if (lk == NULL)
        return -ENOMEM;
    struct mount *m = NULL;
    struct file *f = NULL;
    long r = strncpy_from_user(lk->upath, upath, VFS_PATH_MAX);
    if (r >= 0)
        r = vfs_lookup(dfd, lk->upath, lf, lk);
    if (r >= 0 && (flags & OPEN_TREE_CLONE) != 0)
        r = mount_clone(lk, (flags & AT_RECURSIVE) != 0, &m);
    else if (r >= 0)
        r = node_open(lk->node, lk->path, O_PATH, &f);
    lookup_free(lk);
    if (r < 0)
        return r;
    if (m != NULL)
        return mntfd_install(m, cloexec);
    int fd = fd_install(f, 0, cloexec);
    if (fd < 0)
        file_put(f);
    return fd;
}

/* ------------------------------------------------------------ move_mount */

// partial: MOVE_MOUNT_SET_GROUP and MOVE_MOUNT_BENEATH are EINVAL (solo's mounts have no peer groups, and a mount is always put on top); solo's built-in /, /dev, /proc, /tmp and /dev/shm cannot be moved (EINVAL)
long sys_move_mount(int from_dfd, const char *ufrom, int to_dfd, const char *uto,
                    unsigned int flags)
{
    if ((flags & ~MOVE_MOUNT__MASK) != 0)
        return -EINVAL;
    if ((flags & (MOVE_MOUNT_SET_GROUP | MOVE_MOUNT_BENEATH)) != 0)
        return -EINVAL;
    int ff = (flags & MOVE_MOUNT_F_SYMLINKS) != 0 ? LOOKUP_FOLLOW : 0;
    if ((flags & MOVE_MOUNT_F_EMPTY_PATH) != 0)
        ff |= LOOKUP_EMPTY;
    int tf = (flags & MOVE_MOUNT_T_SYMLINKS) != 0 ? LOOKUP_FOLLOW : 0;
    if ((flags & MOVE_MOUNT_T_EMPTY_PATH) != 0)
        tf |= LOOKUP_EMPTY;
    struct lookup *fk = lookup_alloc(), *tk = lookup_alloc();
    long r = fk != NULL && tk != NULL ? 0 : -ENOMEM;
    if (r == 0)
        r = strncpy_from_user(fk->upath, ufrom, VFS_PATH_MAX);
    if (r >= 0)
        r = vfs_lookup(from_dfd, fk->upath, ff, fk);
    if (r >= 0)
        r = strncpy_from_user(tk->upath, uto, VFS_PATH_MAX);
    if (r >= 0)
        r = vfs_lookup(to_dfd, tk->upath, tf, tk);
    if (r >= 0)
        r = mount_move(fk, tk);
    lookup_free(fk);
    lookup_free(tk);
    return r;
}

/* --------------------------------------------------------- mount_setattr */

struct mount_attr_k {
    u64 attr_set, attr_clr, propagation, userns_fd;
};

/* Check attr and turn it into mount flags to set and clear (Linux's
 * build_mount_kattr).  0 or -errno. */
static int attr_flags(const struct mount_attr_k *a, unsigned long *set, unsigned long *clr)
{
    u64 p = a->propagation;
    if (p != 0 && p != MS_UNBINDABLE && p != MS_PRIVATE && p != MS_SLAVE && p != MS_SHARED)
        return -EINVAL;
    if (((a->attr_set | a->attr_clr) & ~(u64)SETATTR_VALID) != 0)
        return -EINVAL;
    *set = attr_to_ms(a->attr_set);
    *clr = attr_to_ms(a->attr_clr);
    if ((a->attr_clr & MOUNT_ATTR__ATIME) != 0) {
        if ((a->attr_clr & MOUNT_ATTR__ATIME) != MOUNT_ATTR__ATIME)
            return -EINVAL;
        long at = atime_flag(a->attr_set & MOUNT_ATTR__ATIME);
        if (at < 0)
            return (int)at;
        *clr |= MS_RELATIME | MS_NOATIME;
        *set |= (unsigned long)at;
    } else if ((a->attr_set & MOUNT_ATTR__ATIME) != 0) {
        return -EINVAL;
    }
    if (((a->attr_set | a->attr_clr) & MOUNT_ATTR_IDMAP) != 0) {
        /* solo has no user namespaces, so no fd can name one */
        if ((a->attr_clr & MOUNT_ATTR_IDMAP) != 0 || a->userns_fd > 0x7fffffffULL)
            return -EINVAL;
        return fd_file((int)a->userns_fd) == NULL ? -EBADF : -EINVAL;
    }
    return 0;
}

// partial: MS_SHARED and MS_UNBINDABLE propagation are EINVAL (solo's mounts never propagate; MS_PRIVATE and MS_SLAVE are what they already are); MOUNT_ATTR_IDMAP is EINVAL (no user namespaces); nosuid, nodev, noexec, nosymfollow and the atime settings are recorded and shown but not enforced
long sys_mount_setattr(int dfd, const char *upath, unsigned int flags, const void *uattr,
                       size_t usize)
{
    struct mount_attr_k a;
    unsigned long set, clr;
    if ((flags & ~(AT_EMPTY_PATH | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)) != 0)
        return -EINVAL;
    if (usize > 4096)
        return -E2BIG;
    if (usize < MOUNT_ATTR_SIZE_VER0)
        return -EINVAL;
    int r = copy_struct_from_user(&a, sizeof(a), uattr, usize);
    if (r < 0)
        return r;
    if (a.attr_set == 0 && a.attr_clr == 0 && a.propagation == 0)
        return 0;                      /* nothing to do: Linux does not even look */
    r = attr_flags(&a, &set, &clr);
    if (r < 0)
        return r;
    int lf = (flags & AT_SYMLINK_NOFOLLOW) != 0 ? 0 : LOOKUP_FOLLOW;
    if ((flags & AT_EMPTY_PATH) != 0)
        lf |= LOOKUP_EMPTY;
    struct lookup *lk = lookup_alloc();
    if (lk == NULL)
        return -ENOMEM;
    long n = strncpy_from_user(lk->upath, upath, VFS_PATH_MAX);
    r = n < 0 ? (int)n : vfs_lookup(dfd, lk->upath, lf, lk);
    struct mount *m = lk->mnt;
    if (r == 0 && strcmp(m->path, lk->path) != 0)
        r = -EINVAL;                   /* not the root of a mount */
    if (r == 0 && (m->removed || (m->parent != NULL && !mount_is_ours(m))))
        r = -EINVAL;                   /* unmounted, or inside a detached tree */
    if (r == 0 && (a.propagation == MS_SHARED || a.propagation == MS_UNBINDABLE))
        r = -EINVAL;
    if (r == 0 && (set | clr) != 0)
        r = mount_set_flags(m, set, clr, (flags & AT_RECURSIVE) != 0);
    lookup_free(lk);
    return r;
}
