/*
 * vfs_impl.h - the file layer's internal interfaces, shared by fs/vfs.c (nodes,
 * path resolution, open files, the fd table), fs/tfs.c (the TFS root),
 * fs/special.c (/dev, /proc, the console, generated files), fs/ramfs.c
 * (tmpfs on /tmp and /dev/shm), fs/pipe.c (pipes, poll readiness) and the
 * fs syscalls (syscalls/fs*.c).  Nothing outside those files includes it.
 *
 * A node names one filesystem object without owning it: either a TFS object
 * (v == NULL, id = object id) or an in-memory vnode (v != NULL; id is a
 * per-kind argument, e.g. the stream of a console or the fd of a
 * /proc/self/fd link).  TFS objects are freed by fs/tfs.c only once no
 * directory names them and no file has them open, and vnodes are never
 * freed (a removed tmpfs file only loses its data once no
 * file has it open), so nodes need no reference counts.
 *
 * An open file description (struct file) is reference counted: the fd table
 * holds one reference per descriptor, and file_get/file_put add others
 * (e.g. a memory mapping).  Every file carries the node it was opened from,
 * its open flags and offset, and the canonical absolute path it was opened
 * by (for fchdir, *at calls and /proc/self/fd).
 *
 * Invariant: kernel code runs on one CPU without preemption, and only pipe
 * reads/writes and poll/select block (in waitq_wait, rechecking state after
 * every wake-up), so no locks are needed.
 */
#ifndef SOLO_VFS_IMPL_H
#define SOLO_VFS_IMPL_H

#include "fs/vfs.h"
#include "fs/tfs_format.h"
#include "runtime/sched/thread.h"

/* ---- Linux ABI constants (uapi values) ---- */
#define VFS_PATH_MAX 4096
#define VFS_NAME_MAX 255
#define VFS_FD_MAX 1024                /* RLIMIT_NOFILE */
#define VFS_SYMLINK_MAX 40             /* symlinks followed per lookup (ELOOP beyond) */

#define S_IFMT   0170000
#define S_IFSOCK 0140000
#define S_IFLNK  0120000
#define S_IFREG  0100000
#define S_IFBLK  0060000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000
#define S_ISUID  0004000
#define S_ISGID  0002000
#define S_ISVTX  0001000
#define S_IXGRP  0000010
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)

#define O_ACCMODE   00000003
#define O_RDONLY    00000000
#define O_WRONLY    00000001
#define O_RDWR      00000002
#define O_CREAT     00000100
#define O_EXCL      00000200
#define O_NOCTTY    00000400
#define O_TRUNC     00001000
#define O_APPEND    00002000
#define O_NONBLOCK  00004000
#define O_DSYNC     00010000
#define O_ASYNC     00020000
#define O_DIRECT    00040000
#define O_LARGEFILE 00100000
#define O_DIRECTORY 00200000
#define O_NOFOLLOW  00400000
#define O_NOATIME   01000000
#define O_CLOEXEC   02000000
#define O_SYNC      04010000
#define O_PATH      010000000
#define O_TMPFILE   020200000

#define AT_FDCWD            (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR        0x200
#define AT_EACCESS          0x200
#define AT_SYMLINK_FOLLOW   0x400
#define AT_NO_AUTOMOUNT     0x800
#define AT_EMPTY_PATH       0x1000
#define AT_STATX_SYNC_TYPE  0x6000

#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12

/* st_dev of each filesystem, and makedev() for small numbers. */
#define VFS_MKDEV(ma, mi) ((u64)(((ma) << 8) | (mi)))
#define VFS_DEV_ROOT VFS_MKDEV(8, 1)
#define VFS_DEV_DEVFS VFS_MKDEV(0, 5)
#define VFS_DEV_PROC VFS_MKDEV(0, 22)
#define PROC_PID_NAME "1"              /* /proc/<pid> of the one process (getpid() is 1) */

/* ---- nodes ---- */
struct vnode;
struct node {
    struct vnode *v;                   /* NULL: TFS object */
    u64 id;                            /* TFS object id, or per-kind argument */
};

/* stat information in one neutral shape (times in ns since the epoch). */
struct kstat {
    u64 dev, ino, nlink, rdev, size, blocks;
    u32 mode, blksize;
    u32 uid, gid;                      /* owner (0 where a file system stores none) */
    u64 atime, mtime, ctime;
};

/* readdir callback: one entry; return nonzero to stop (caller's buffer full).
 * next is the directory position just after this entry. */
typedef int (*dir_emit_fn)(void *ctx, const char *name, size_t len, u64 ino, u8 dtype, u64 next);

/* Operations on a kind of node.  Missing methods mean "not that kind of node". */
struct node_ops {
    /* Find name in directory dir: 0 and *out, -ENOENT, or -ENOTDIR. */
    int (*lookup)(struct node dir, const char *name, size_t len, struct node *out);
    int (*stat)(struct node n, struct kstat *st);
    /* Symlink target into buf (not NUL-terminated): length or -errno. */
    long (*readlink)(struct node n, char *buf, size_t cap);
    /* Set up f (ops, priv) for node n; f->flags already set.  0 or -errno. */
    int (*open)(struct node n, struct file *f);
    /* Emit entries from position pos on (positions count entries from 0; "."
     * and ".." are added by the caller).  0 or -errno. */
    int (*readdir)(struct node dir, u64 pos, dir_emit_fn emit, void *ctx);
};

/* An in-memory node: /dev, /proc and generated files.  Never freed. */
enum vnode_kind { VN_DIR = 1, VN_CHR, VN_GEN, VN_LINK, VN_ROOT, VN_FDDIR, VN_FDLINK, VN_RAMFILE,
                  VN_PIPE, VN_SOCK, VN_NODE, VN_ALIAS };
struct vnode {
    const char *name;
    u8 kind;                           /* enum vnode_kind */
    u32 mode;                          /* S_IF* | permissions */
    u64 ino, rdev, dev;
    u64 arg;                           /* node id given to lookups (e.g. console stream) */
    bool merge;                        /* VN_DIR: merged with a TFS directory of that path */
    struct vnode *parent, *child, *sibling;
    const struct node_ops *nops;
    const struct file_ops *fops;       /* VN_CHR: file methods */
    vfs_gen_fn gen;                    /* VN_GEN */
    const char *(*target)(void);       /* VN_LINK: target string (NULL: ltarget) */
    /* tmpfs (/tmp, /dev/shm): writable in-memory files, directories, links */
    bool ram;                          /* lives in a tmpfs */
    bool unlinked;                     /* removed from its directory */
    bool linkable;                     /* an O_TMPFILE file (no O_EXCL) linkat may name */
    int opens;                         /* open files of a VN_RAMFILE */
    void *pages;                       /* VN_RAMFILE contents: radix tree root (fs/ramfs.c) */
    u64 size, npages;                  /* bytes; pages held */
    char *ltarget;                     /* tmpfs symlink target */
    u64 atime, mtime, ctime;           /* tmpfs times (ns) */
    u32 uid, gid;                      /* tmpfs owner (other vnodes: root) */
    struct tmpfs_sb *sb;               /* tmpfs instance with a size limit, or NULL */
    /* tmpfs hard links: a further name of a file is a VN_ALIAS entry whose
     * alias is the file's vnode (which keeps its own first name); the file
     * chains its alias entries through alias_next and counts them in links
     * (st_nlink = 1 + links).  A VN_NODE (mknod: FIFO, socket, device) has
     * its type in mode and its device number in rdev. */
    struct vnode *alias;               /* VN_ALIAS: the file it names */
    struct vnode *alias_next;          /* file: first alias entry; alias entry: the next */
    u32 links;                         /* file: its alias entries */
};

/* Open-file methods.  Buffers are kernel memory; the syscall layer bounces
 * user data.  off is the position to use (the caller keeps f->off). */
struct file_ops {
    long (*read)(struct file *f, void *buf, size_t n, u64 off);        /* bytes or -errno */
    long (*write)(struct file *f, const void *buf, size_t n, u64 off); /* bytes or -errno */
    long (*ioctl)(struct file *f, unsigned cmd, u64 arg);             /* -ENOTTY if unknown */
    long (*size)(struct file *f);      /* for SEEK_END; NULL: not seekable (ESPIPE) */
    long (*lseek)(struct file *f, s64 off, int whence);   /* optional override */
    int (*poll)(struct file *f);       /* ready POLL* bits; NULL: always readable+writable */
    /* Optional zero-copy read: kernel pointer *p to the bytes at off; returns
     * how many are there (0 at end of file) or -errno.  Valid until the next
     * call on f. */
    long (*peek)(struct file *f, u64 off, const void **p);
    void (*release)(struct file *f);   /* last reference dropped */
    /* Optional: the file maps [addr, addr+len) itself (io_uring rings);
     * prot is PROT_*, off the mmap offset.  0 or -errno. */
    int (*mmap)(struct file *f, u64 addr, u64 len, u32 prot, u64 off);
};

struct file {
    const struct file_ops *ops;
    struct node node;
    int refs;
    int flags;                         /* access mode and status flags (no O_CLOEXEC) */
    u64 off;
    char *path;                        /* canonical absolute path (kmalloc), or NULL */
    void *priv;                        /* per-type state */
    size_t priv_len;
    bool ll_notrunc;                   /* Landlock: opened without TRUNCATE (ftruncate: EACCES) */
    bool notify;                       /* opened by node_open: inotify open/close events */
    bool mapped;                       /* a page-cache mapping uses it (TFS: reads skip read-ahead) */
    bool nonotify;                     /* a fanotify event's fd: no fsnotify events at all */
    bool tfs_pinned;                   /* holds a TFS directory/FIFO/device open (tfs_node_unpin at the end) */
};

const struct node_ops *node_ops_of(struct node n);
int node_stat(struct node n, struct kstat *st);
u8 node_dtype(u32 mode);
bool node_is_dir(struct node n);
/* Open node n (already resolved) into a new file with flags; path is copied.
 * node_open_nn with nonotify opens a file that reports no fsnotify events
 * (the fds fanotify reports, as Linux's FMODE_NONOTIFY). */
int node_open_nn(struct node n, const char *path, int flags, bool nonotify, struct file **out);
int node_open(struct node n, const char *path, int flags, struct file **out);

/* ---- path resolution (fs/vfs.c) ---- */
#define LOOKUP_FOLLOW 1                /* follow a symlink in the last component */
#define LOOKUP_EMPTY 2                 /* "" names the start directory (AT_EMPTY_PATH) */
#define LOOKUP_DIRECTORY 4             /* the result must be a directory (trailing "/") */
/* openat2's RESOLVE_* restrictions (see vfs_lookup) */
#define LOOKUP_NO_XDEV 0x10            /* crossing a mount (either way): EXDEV */
#define LOOKUP_NO_MAGICLINKS 0x20      /* /proc/self/fd/N-style links: ELOOP */
#define LOOKUP_NO_SYMLINKS 0x40        /* any symlink: ELOOP */
#define LOOKUP_BENEATH 0x80            /* escaping the start directory: EXDEV */
#define LOOKUP_IN_ROOT 0x100           /* the start directory is the root */

struct mount;
struct lookup {
    struct node node;                  /* the object found (or its parent, see missing_last) */
    struct mount *mnt;                 /* the mount node is on */
    char path[VFS_PATH_MAX];           /* canonical absolute path of node */
    bool missing_last;                 /* -ENOENT only because the last component is absent */
    char last[VFS_NAME_MAX + 1];       /* that last component */
    char upath[VFS_PATH_MAX];          /* scratch for the caller (e.g. the user's path) */
};

/* Resolve path (kernel string) relative to dirfd (AT_FDCWD: the cwd).  0 and
 * lk filled, or -ENOENT/-ENOTDIR/-ELOOP/-ENAMETOOLONG/-EBADF (-EXDEV, -ELOOP
 * for the LOOKUP_ restrictions). */
int vfs_lookup(int dirfd, const char *path, int lflags, struct lookup *lk);
/* Resolve a canonical absolute path from the real root (not the chroot),
 * crossing mounts: 0 and *out (and *mnt if not NULL), or -errno. */
int vfs_resolve_canonical(const char *path, struct node *out, struct mount **mnt);

/* ---- the cwd and the root (chroot) of each thread ----
 * Canonical paths stay absolute from the real root; the chroot only changes
 * where absolute paths start and where ".." stops.  vfs_user_path turns a
 * canonical path into what the program sees: relative to its root, or NULL
 * when outside it (unreachable).  The cwd, root and umask form a thread's fs
 * state, shared by threads created with CLONE_FS (reference counted); every
 * state is on one list (fs_state_first, next) so that mount changes can
 * follow each cwd and root.  The vfs_ calls act on the caller's. */
struct fs_state {
    int refs;                          /* threads using it */
    char cwd_path[VFS_PATH_MAX];       /* canonical */
    struct node cwd_node;
    struct mount *cwd_mnt;             /* NULL: the top mount */
    char root_path[VFS_PATH_MAX];
    struct node root_node;
    struct mount *root_mnt;            /* NULL: the top mount */
    u32 umask;
    struct fs_state *next;
};
struct fs_state *fs_state_first(void);
struct mount *fs_cwd_mount(const struct fs_state *s);
struct mount *fs_root_mount(const struct fs_state *s);
int vfs_chroot(struct node n, const char *path);
const char *vfs_root_path(void);
/* Set s's root (root true) or cwd to directory n at canonical path on mount
 * m as it is, without working out the mount from the path (mount moves and
 * pivot_root, where a mount may sit on top of the directory). */
void vfs_set_fs_at(struct fs_state *s, bool root, struct node n, const char *path, struct mount *m);
struct mount *vfs_root_mount(void);
struct mount *vfs_cwd_mount(void);
const char *vfs_user_path(const char *path);

/* ---- mounts (fs/mount.c) ----
 * A table of mounts, each a file system root (a fresh tmpfs, /proc, or any
 * directory for a bind mount) attached at a canonical path on a parent
 * mount.  Lookups cross into the newest mount attached at a path on the
 * current mount.  The root file system and solo's built-in /dev, /proc,
 * /tmp and /dev/shm are entries too (built in: not unmountable). */
#define MS_RDONLY 1UL
#define MS_NOSUID 2UL
#define MS_NODEV 4UL
#define MS_NOEXEC 8UL
#define MS_SYNCHRONOUS 16UL
#define MS_REMOUNT 32UL
#define MS_MANDLOCK 64UL
#define MS_DIRSYNC 128UL
#define MS_NOSYMFOLLOW 256UL
#define MS_NOATIME 1024UL
#define MS_NODIRATIME 2048UL
#define MS_BIND 4096UL
#define MS_MOVE 8192UL
#define MS_REC 16384UL
#define MS_SILENT 32768UL
#define MS_UNBINDABLE (1UL << 17)
#define MS_PRIVATE (1UL << 18)
#define MS_SLAVE (1UL << 19)
#define MS_SHARED (1UL << 20)
#define MS_RELATIME (1UL << 21)
#define MS_STRICTATIME (1UL << 24)
#define MS_LAZYTIME (1UL << 25)
#define MS_MGC_VAL 0xC0ED0000UL
#define MS_MGC_MSK 0xffff0000UL
/* the per-mount flags a remount may change */
#define MNT_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOSYMFOLLOW | MS_NOATIME | \
                   MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

struct mount {
    int id;
    struct mount *parent;              /* NULL for the root file system */
    const char *path;                  /* canonical mount point path */
    struct node root;                  /* what the mount point shows */
    const char *root_path;             /* bind mounts: the source's path in its fs */
    const char *fstype;                /* "tfs", "tmpfs", "proc", "devtmpfs" */
    const char *source;
    unsigned long flags;               /* MNT_FLAGS bits */
    u64 dev;                           /* st_dev of the file system */
    struct tmpfs_sb *sb;               /* tmpfs instance (NULL: the built-in ones) */
    bool builtin;
    bool removed;                      /* taken out of the table (unmounted) */
    struct mount *next;                /* table order = mount order */
};

struct mount *mount_root(void);
void mount_init(void);                 /* register the built-in entries */
/* The mount a canonical path is on (every mount along it crossed). */
struct mount *mount_at(const char *path);
/* The newest mount attached at path[0..len) (canonical) on parent, or NULL. */
struct mount *mount_over(struct mount *parent, const char *path, size_t len);
bool mount_is_point(const char *path); /* some visible mount is attached at path */
/* mount(2) after argument decoding: target resolved (tk).  0 or -errno. */
int mount_add(const char *fstype, const char *source, struct lookup *src, struct lookup *tk,
              unsigned long flags, const char *data);
/* Change the flags of the mount tk names the root of (tmpfs: also size=/mode= of data). */
int mount_remount(struct lookup *tk, unsigned long flags, const char *data);
int mount_remove(struct lookup *tk, int umount_flags);
/* pivot_root(2) after the two lookups (nk: new_root, ok: put_old, both
 * directories).  0 or -errno as Linux. */
int mount_pivot(struct lookup *nk, struct lookup *ok);
/* ---- detached mounts and the fd-based mount API (syscalls/newmount.c) ----
 * A detached tree's root has no parent and the mount point "//N"; paths of
 * files in it start with that (see fs/mount.c). */
bool mount_path_is_anon(const char *path);          /* starts with "//" */
/* The detached root whose "//N" starts path (*len = its length), or NULL. */
struct mount *mount_anon_root(const char *path, size_t *len);
/* A new detached mount of root (a tmpfs sb, or NULL) with mount flags. */
struct mount *mount_new_detached(struct node root, const char *fstype, const char *source,
                                 struct tmpfs_sb *sb, u64 dev, unsigned long flags);
/* A detached copy of the mount at what src names (recursive: with the
 * mounts below it).  0 and *out, or -errno. */
int mount_clone(struct lookup *src, bool recursive, struct mount **out);
/* Attach the detached tree, or move the attached mount, whose root from
 * names onto to (move_mount, MS_MOVE).  0 or -errno as Linux. */
int mount_move(struct lookup *from, struct lookup *to);
/* The last fd of a detached mount m was closed: dissolve it unless attached
 * or still in use. */
void mount_release_detached(struct mount *m);
/* Is m attached in the process's tree (not detached, not removed)? */
bool mount_is_ours(struct mount *m);
/* Set and clear MNT_FLAGS bits of m (and the mounts below it when
 * recursive).  -EBUSY when going read-only with a writer open. */
int mount_set_flags(struct mount *m, unsigned long set, unsigned long clr, bool recursive);
/* Reconfigure the superblock of m's file system: read-only (ro < 0: as it
 * is), tmpfs size limit (size_set).  0, -EBUSY or -EINVAL. */
int mount_reconfigure(struct mount *m, int ro, bool size_set, u64 size);
/* A fresh tmpfs instance (root mode, size limit in bytes; 0: none). */
int mount_tmpfs_create(u64 size, u32 mode, struct node *root, struct tmpfs_sb **sbp, u64 *dev);
/* The root of solo's /proc tree: 0 and *out, or -ENODEV. */
int mount_proc_root(struct node *out);
/* tmpfs's size= value: 0 or -EINVAL. */
int mount_parse_size(const char *s, size_t len, u64 *out);
long mount_gen_mounts(char *buf, size_t cap);      /* /proc/self/mounts */
long mount_gen_mountinfo(char *buf, size_t cap);   /* /proc/self/mountinfo */
struct lookup *lookup_alloc(void);     /* NULL on ENOMEM */
void lookup_free(struct lookup *lk);

/* getdents core: emits ".", ".." and then the node's entries from f->off,
 * advancing f->off past each entry emit accepts (returns 0). 0 or -errno. */
int vfs_readdir(struct file *f, dir_emit_fn emit, void *ctx);

/* ---- the cwd ---- */
const char *vfs_cwd(void);
struct node vfs_cwd_node(void);
int vfs_chdir_node(struct node n, const char *path);

/* ---- the fd table (global: one process) ---- */
/* Install f at the lowest free fd >= minfd (takes over the caller's reference).
 * fd, or -EMFILE (-EINVAL if minfd is out of range). */
int fd_install(struct file *f, int minfd, bool cloexec);
int fd_close(int fd);                  /* 0 or -EBADF */
int fd_dup2(int oldfd, int newfd, bool cloexec);   /* newfd or -EBADF */
bool fd_cloexec(int fd);
void fd_set_cloexec(int fd, bool on);
int fd_limit(void);
int fd_next_open(int from);            /* lowest open fd >= from, or -1 */

struct file *file_alloc(void);         /* one reference, zeroed; NULL on ENOMEM */

/* ---- providers ---- */
extern const struct node_ops tfs_node_ops;
u32 tfs_node_mode(u64 id);             /* mode of a TFS object, 0 if none */
u32 tfs_node_gen(u64 id);              /* file handle generation of a TFS object (0: none) */
int tfs_mount(struct blockdev *d);     /* fs/tfs.c */
struct tuple *tfs_root_manifest(void);
void tfs_sync_root(void);
int tfs_statfs_blocks(u64 *blocks);    /* volume size in 4 KiB blocks */
struct vnode *vfs_root_vnode(void);    /* virtual entries overlaid on "/" */
struct vnode *vnode_find(struct vnode *dir, const char *name, size_t len);
/* Create (or find, for VN_DIR) a vnode under parent.  NULL on ENOMEM. */
struct vnode *vnode_add(struct vnode *parent, const char *name, u8 kind, u32 mode);
/* The vnode directory merged into TFS directory id, or NULL. */
struct vnode *tfs_overlay(u64 id);
extern const struct file_ops vfs_dir_fops;
extern const struct node_ops vnode_ops;        /* the methods of /dev and /proc vnodes */
void special_init(void);
/* fs/procfs.c: the thread a /proc/<pid> directory file f names (pidfd_send_signal
 * takes those as pidfds), or -EBADF for any other file. */
int procfs_pid_dir(struct file *f);

/* ---- the TFS root's write path (fs/tfs.c; engineer "tfs2") ----
 * Names are single components (NUL-terminated, no '/'); dir is a TFS
 * directory id.  Each returns 0 or -errno (ENOSPC, EIO, ENOMEM besides the
 * ones named); changes are durable after tfs_node_fsync or fs_sync_all. */
/* Create name in dir with mode (S_IFREG, S_IFDIR, S_IFLNK with target, or
 * S_IFIFO/S_IFSOCK/S_IFCHR/S_IFBLK with device number rdev): *out = the
 * new id.  -EEXIST. */
/* The last reference of a file opened on a TFS FIFO or device node is gone
 * (an unlinked node is deleted once nothing has it open). */
void tfs_node_unpin(u64 id);
/* Hold a TFS object as an open file does (cwd/root directories); undone by
 * tfs_node_unpin. */
int tfs_node_pin(u64 id);
/* id lost its last name while held (open, mapped, a cwd): nlink 0. */
bool tfs_node_unlinked(u64 id);
/* The running program's file lost its last name. */
bool tfs_exe_unlinked(void);
bool tfs_is_exe(u64 id);            /* the running program's object (held at boot) */
/* n (any file system) is a removed object still in use. */
bool node_unlinked(struct node n);
/* statfs blocks and free blocks (4 KiB) of the built-in tmpfs (/tmp, /dev/shm). */
void tmpfs_builtin_statfs(u64 *blocks, u64 *bfree);
int tfs_node_create(u64 dir, const char *name, u32 mode, u32 uid, u32 gid, const char *target,
                    u64 rdev, u64 *out);
/* unlink (isdir false) or rmdir: -ENOENT, -EISDIR, -ENOTDIR, -ENOTEMPTY. */
int tfs_node_remove(u64 dir, const char *name, bool isdir);
int tfs_node_link(u64 id, u64 dir, const char *name);        /* -EEXIST, -EPERM (directory) */
/* rename, replacing an existing target (flags: RENAME_NOREPLACE -> -EEXIST);
 * -ENOTDIR, -EISDIR, -ENOTEMPTY as Linux.  The caller refuses moving a
 * directory below itself (EINVAL). */
int tfs_node_rename(u64 odir, const char *oname, u64 ndir, const char *nname, unsigned flags);
int tfs_node_truncate(u64 id, u64 len);
/* fallocate: mode 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE, ZERO_RANGE(|KEEP_SIZE),
 * COLLAPSE_RANGE, INSERT_RANGE. */
int tfs_node_allocate(u64 id, int mode, u64 off, u64 len);
/* lseek SEEK_DATA (data true) / SEEK_HOLE from off: the offset or -ENXIO. */
long tfs_node_seek_data(u64 id, u64 off, bool data);
int tfs_node_chmod(u64 id, u32 perm);
int tfs_node_set_owner(u64 id, u32 uid, u32 gid, u32 mode);  /* ctime becomes now */
int tfs_node_set_times(u64 id, u64 atime, u64 mtime);       /* ns; ctime becomes now */
int tfs_node_fsync(u64 id);                                  /* -EIO */
void tfs_root_statfs(u64 *blocks, u64 *bfree);               /* 4 KiB blocks */

/* ---- readiness and pipes (fs/pipe.c) ---- */
#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

extern struct waitq vfs_pollq;         /* poll/select sleep here; woken on any change */
void vfs_poll_wake(void);
/* fs/pollwork.c: a kernel thread that completes pending requests (io_uring,
 * aio) on its own after readiness changes.  fn runs in that thread (it may
 * block and touch user memory) after every vfs_poll_wake while any fn
 * returned true (it still has pending work); otherwise only after a kick. */
struct poll_work {
    bool (*fn)(void *arg);
    void *arg;
    struct poll_work *next;
    bool added;
};
extern u64 vfs_poll_seq;               /* bumped by vfs_poll_wake and poll_work_kick */
int poll_work_add(struct poll_work *w);      /* register (idempotent); 0 or -ENOMEM */
void poll_work_kick(void);             /* run the callbacks soon (any context) */
/* A new pipe: read and write ends (one reference each).  0 or -ENFILE. */
int pipe_create(int flags, struct file **rd, struct file **wr);
long pipe_get_size(struct file *f);    /* F_GETPIPE_SZ: bytes, or -EBADF (not a pipe) */
long pipe_set_size(struct file *f, u64 n);   /* F_SETPIPE_SZ */

/* ---- epoll and eventfd (fs/epoll.c) ---- */
struct epoll_event_k {
    u32 events;
    u64 data;
} __attribute__((packed));

bool file_is_epoll(struct file *f);
/* Anonymous-inode files (epoll, eventfd, timerfd, signalfd, pidfd, inotify):
 * each kind has a vnode named as Linux names its link ("anon_inode:[timerfd]")
 * with these node ops (stat: mode 0600 on the anon device; readlink: the
 * vnode's name) and gives each file a fresh inode number. */
extern const struct node_ops anon_inode_nops;
u64 anon_inode_next(void);
int epoll_create_file(struct file **out);                    /* 0 or -ENOMEM */
/* op 1 ADD, 2 DEL, 3 MOD of fd/tf: 0, -EEXIST, -ENOENT, -ENOMEM. */
int epoll_control(struct file *epf, int op, int fd, struct file *tf, u32 events, u64 data);
int epoll_collect(struct file *epf, struct epoll_event_k *out, int max);   /* ready count */
int eventfd_create_file(u64 initval, int flags, struct file **out);
bool file_is_eventfd(struct file *f);
void eventfd_signal_file(struct file *f);                    /* in-kernel signal (aio) */

/* ---- FIFOs, sockets and devices made by mknod (fs/pipe.c, fs/special.c) ----
 * fifo_open sets f up as one end of the FIFO known by key (one pipe shared
 * by every open of that node while any is open), blocking as fifo(7)
 * describes: 0, -ENXIO (O_WRONLY|O_NONBLOCK, no reader), -EINTR, -EINVAL,
 * -ENOMEM.  mknod_node_open opens a node of type mode (S_IFIFO, S_IFSOCK,
 * S_IFCHR, S_IFBLK) and device number rdev: a FIFO, solo's character device
 * of that number, else -ENXIO. */
int fifo_open(u64 key, struct file *f);
/* AF_UNIX pathnames (syscalls/fs_path.c): bind makes the socket's node
 * (-EADDRINUSE if the path exists); find looks one up (-ECONNREFUSED when
 * it is not a socket).  Paths are kernel strings relative to the cwd. */
int vfs_sock_bind(const char *path, struct node *out);
int vfs_sock_find(const char *path, struct node *out);
int mknod_node_open(u32 mode, u64 rdev, u64 key, struct file *f);

/* ---- tmpfs (fs/ramfs.c) ---- */
#define VFS_DEV_TMPFS VFS_MKDEV(0, 30)
struct vnode *ramfs_mount(struct vnode *parent, const char *name);
/* A tmpfs instance: size limit in bytes (0: none), pages in use. */
struct tmpfs_sb {
    u64 limit, used;
};
/* A fresh tmpfs root directory (in no directory), st_dev dev.  NULL on ENOMEM. */
struct vnode *ramfs_new_root(u64 dev, u32 mode, struct tmpfs_sb *sb);
/* Create name in ram directory dir: kind VN_RAMFILE, VN_DIR, VN_LINK (target)
 * or VN_NODE (mode holds the S_IF type too). */
int ramfs_create(struct vnode *dir, const char *name, u8 kind, u32 mode, const char *target,
                 struct vnode **out);
/* Directory entries (v, victim) may be VN_ALIAS entries of hard links. */
int ramfs_remove(struct vnode *v, bool dir);         /* unlink / rmdir semantics */
int ramfs_rename(struct vnode *v, struct vnode *newdir, const char *name, struct vnode *victim,
                 unsigned flags);
/* A further name (hard link) for tmpfs file v in ram directory dir: 0 or
 * -ENOENT (v was removed; an O_TMPFILE file gets its first name), -EEXIST,
 * -ENOMEM. */
int ramfs_link(struct vnode *v, struct vnode *dir, const char *name);
/* The object a directory entry names (an alias entry's file, else e). */
struct vnode *ramfs_target(struct vnode *e);
int ramfs_truncate(struct vnode *v, u64 len);
/* fallocate(2) on a tmpfs file (mode 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE): 0 or -errno. */
int ramfs_fallocate(struct vnode *v, int mode, u64 off, u64 len);
/* lseek SEEK_DATA (data true) / SEEK_HOLE from off: the offset or -ENXIO. */
long ramfs_seek_hole_data(struct vnode *v, u64 off, bool data);
int ramfs_open(struct vnode *v, struct file *f);
void ramfs_stat(struct vnode *v, struct kstat *st);
int ramfs_memfd(const char *name, struct vnode **out);
/* Copy image directory src (hidden by the tmpfs dir mounted over it) into
 * dir: files, directories, symlinks, modes, times (added by console).
 * depth: 0 at the top.  0 or -errno. */
int ramfs_seed(struct vnode *dir, struct node src, int depth);
bool node_is_ram(struct node n);               /* fs/special.c: /dev, /proc, std fds */
bool console_is_tty(int stream);

/* Bytes of a read, clipped to a file of size sz at off (0 past the end). */
static inline size_t clip_read(u64 sz, u64 off, size_t n)
{
    if (off >= sz)
        return 0;
    return (size_t)MIN((u64)n, sz - off);
}

#endif
