/*
 * special.c - the in-memory part of the namespace: the vnode methods, the
 * console (the std fds), the /dev devices, /proc/<pid> (exe, cwd, fd; the
 * symlink /proc/self names it, as on Linux) and the generated read-only
 * files other subsystems register (/proc/self/maps...).  fs/procfs.c adds
 * the per-thread parts (task/, thread-self, /proc/<tid>).
 *
 * The console streams are 0 (stdin: the host's stdin through virtio-console,
 * else EOF), 1 (stdout) and 2 (stderr) (virtio-console, else COM1/COM2; see
 * runtime/x86_64/serial.c), reachable as /dev/console, /dev/ttyS0 and
 * /dev/ttyS1.  Reads on any of them block until input or its end.  A
 * stream is a terminal when the manifest's "tty" bitmask says the host's fd
 * was one: then TCGETS and friends answer like a terminal, otherwise ENOTTY
 * and the stream stats as a pipe, as it would natively under redirection.
 *
 * A generated file runs its generator once at open and serves that snapshot
 * (so a read loop sees consistent content); /proc/self/cmdline and environ
 * are generated from the manifest.  /proc/self/fd lists the open fds as
 * symlinks to the paths they were opened by.
 */
#include "fs/vfs_impl.h"
#include "syscalls/syscalls.h"

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGPGRP 0x540f
#define TIOCSPGRP 0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541b
#define GEN_MAX (16UL << 20)

static u64 tty_mask;
static const struct file_ops console_fops;
static u64 boot_time_ns;
static struct vnode *proc_dir, *dev_dir, *fd_link_proto;

/* The kernel termios layout (struct termios in asm-generic/termbits.h). */
struct kernel_termios {
    u32 c_iflag, c_oflag, c_cflag, c_lflag;
    u8 c_line;
    u8 c_cc[19];
};

static struct kernel_termios tty_termios = {
    .c_iflag = 0x500,                  /* ICRNL | IXON */
    .c_oflag = 0x5,                    /* OPOST | ONLCR */
    .c_cflag = 0xbf,                   /* B38400 | CS8 | CREAD */
    .c_lflag = 0x8a3b,                 /* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
    .c_cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0 },
};

struct winsize { u16 row, col, xpixel, ypixel; };
static struct winsize tty_winsize = { 24, 80, 0, 0 };

bool console_is_tty(int stream)
{
    return stream >= 0 && stream < 3 && ((tty_mask >> stream) & 1) != 0;
}

/* ------------------------------------------------------------ vnode methods */

static int vn_lookup(struct node dir, const char *name, size_t len, struct node *out)
{
    struct vnode *d = dir.v;
    if (d->kind == VN_FDDIR) {
        int fd = 0;
        if (len == 0 || len > 4 || (len > 1 && name[0] == '0'))
            return -ENOENT;
        for (size_t i = 0; i < len; i++) {
            if (name[i] < '0' || name[i] > '9')
                return -ENOENT;
            fd = fd * 10 + (name[i] - '0');
        }
        if (fd_file(fd) == NULL)
            return -ENOENT;
        *out = (struct node){ fd_link_proto, (u64)fd };
        return 0;
    }
    if (d->kind != VN_DIR && d->kind != VN_ROOT)
        return -ENOTDIR;
    struct vnode *c = vnode_find(d, name, len);
    if (c == NULL)
        return -ENOENT;
    c = ramfs_target(c);               /* a tmpfs hard link names its file */
    *out = (struct node){ c, c->arg };
    return 0;
}

static int vn_stat(struct node n, struct kstat *st)
{
    struct vnode *v = n.v;
    st->mode = v->mode;
    st->ino = v->ino;
    st->dev = v->dev;
    st->rdev = v->rdev;
    st->nlink = 1;
    st->atime = st->mtime = st->ctime = boot_time_ns;
    if (v->kind == VN_DIR || v->kind == VN_FDDIR) {
        st->nlink = 2;
        for (struct vnode *c = v->child; c != NULL; c = c->sibling)
            st->nlink += S_ISDIR(c->mode) ? 1 : 0;
    } else if (v->kind == VN_FDLINK) {
        struct file *f = fd_file((int)n.id);
        int acc = f != NULL ? (f->flags & O_ACCMODE) : O_RDONLY;
        st->mode = S_IFLNK | (acc == O_RDONLY ? 0500 : acc == O_WRONLY ? 0300 : 0700);
        st->ino = v->ino + n.id;
    } else if (v->kind == VN_CHR && v->fops == &console_fops && !console_is_tty((int)v->arg)) {
        st->mode = S_IFIFO | 0600;
        st->rdev = 0;
    }
    if (v->kind == VN_LINK)
        st->size = strlen(v->target != NULL ? v->target() : v->ltarget);
    if (v->ram)
        ramfs_stat(v, st);
    return 0;
}

static long copy_target(const char *t, char *buf, size_t cap)
{
    size_t len = MIN(strlen(t), cap);
    memcpy(buf, t, len);
    return (long)len;
}

/* The target of /proc/self/fd/N: the path the fd was opened by. */
static long fd_link_target(int fd, char *buf, size_t cap)
{
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -ENOENT;
    if (f->path != NULL) {
        const char *up = vfs_user_path(f->path);   /* as seen from a chroot */
        return copy_target(up != NULL ? up : f->path, buf, cap);
    }
    const struct node_ops *o = node_ops_of(f->node);
    return o->readlink != NULL ? o->readlink(f->node, buf, cap) : -ENOENT;
}

static long vn_readlink(struct node n, char *buf, size_t cap)
{
    if (n.v->kind == VN_LINK)
        return copy_target(n.v->target != NULL ? n.v->target() : n.v->ltarget, buf, cap);
    if (n.v->kind == VN_FDLINK)
        return fd_link_target((int)n.id, buf, cap);
    return -EINVAL;
}

static long gen_read(struct file *f, void *buf, size_t n, u64 off)
{
    size_t k = clip_read(f->priv_len, off, n);
    memcpy(buf, (const u8 *)f->priv + off, k);
    return (long)k;
}

static long gen_peek(struct file *f, u64 off, const void **p)
{
    if (off >= f->priv_len)
        return 0;
    *p = (const u8 *)f->priv + off;
    return (long)(f->priv_len - off);
}

static long gen_size(struct file *f)
{
    return (long)f->priv_len;
}

static void gen_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops gen_fops = {
    .read = gen_read,
    .peek = gen_peek,
    .size = gen_size,
    .release = gen_release,
};

/* Run v's generator into a buffer big enough for all of its output. */
static int gen_open(struct vnode *v, struct file *f)
{
    size_t cap = 4096;
    for (;;) {
        char *buf = kmalloc(cap);
        if (buf == NULL)
            return -ENOMEM;
        long n = v->gen(buf, cap);
        if (n < 0) {
            kfree(buf);
            return (int)n;
        }
        if ((size_t)n <= cap) {
            f->priv = buf;
            f->priv_len = (size_t)n;
            f->ops = &gen_fops;
            return 0;
        }
        kfree(buf);
        if ((size_t)n > GEN_MAX)
            return -EFBIG;
        cap = (size_t)n;
    }
}

static int vn_open(struct node n, struct file *f)
{
    struct vnode *v = n.v;
    bool wr = (f->flags & O_ACCMODE) != O_RDONLY || (f->flags & O_TRUNC) != 0;
    switch (v->kind) {
    case VN_DIR:
    case VN_ROOT:
    case VN_FDDIR:
        f->ops = &vfs_dir_fops;
        return wr ? -EISDIR : 0;
    case VN_CHR:
        if (v->fops == NULL)
            return -ENXIO;
        f->ops = v->fops;
        return 0;
    case VN_GEN:
        return wr ? -EACCES : gen_open(v, f);
    case VN_RAMFILE:
        return ramfs_open(v, f);
    case VN_NODE:
        return mknod_node_open(v->mode, v->rdev, (u64)v, f);
    }
    return -ELOOP;
}

/* Open a node made by mknod (tmpfs or TFS; key names it for FIFOs).  A
 * device number solo has a driver for opens that driver (the console's
 * streams excepted: they are told apart by their /dev node); others, block
 * devices and sockets answer ENXIO, as Linux without the driver. */
int mknod_node_open(u32 mode, u64 rdev, u64 key, struct file *f)
{
    switch (mode & S_IFMT) {
    case S_IFIFO:
        return fifo_open(key, f);
    case S_IFCHR:
        for (struct vnode *c = dev_dir != NULL ? dev_dir->child : NULL; c != NULL; c = c->sibling) {
            if (c->kind == VN_CHR && c->rdev == rdev && c->fops != NULL && c->fops != &console_fops) {
                f->ops = c->fops;
                return 0;
            }
        }
        return -ENXIO;
    }
    return -ENXIO;
}

static int vn_readdir(struct node dir, u64 pos, dir_emit_fn emit, void *ctx)
{
    struct vnode *d = dir.v;
    if (d->kind == VN_FDDIR) {
        for (int fd = fd_next_open((int)MIN(pos, (u64)VFS_FD_MAX)); fd >= 0; fd = fd_next_open(fd + 1)) {
            char name[12];
            int len = ksnprintf(name, sizeof(name), "%d", fd);
            if (emit(ctx, name, (size_t)len, fd_link_proto->ino + (u64)fd, DT_LNK, (u64)fd + 1))
                break;
        }
        return 0;
    }
    if (d->kind != VN_DIR && d->kind != VN_ROOT)
        return -ENOTDIR;
    u64 i = 0;
    for (struct vnode *c = d->child; c != NULL; c = c->sibling, i++) {
        struct vnode *t = ramfs_target(c);
        if (i >= pos && emit(ctx, c->name, strlen(c->name), t->ino, node_dtype(t->mode), i + 1))
            break;
    }
    return 0;
}

const struct node_ops vnode_ops = {
    .lookup = vn_lookup,
    .stat = vn_stat,
    .readlink = vn_readlink,
    .open = vn_open,
    .readdir = vn_readdir,
};

/* Directories: listed by getdents, never read or written. */
static long dir_read(struct file *f, void *buf, size_t n, u64 off)
{
    return -EISDIR;
}

static long dir_write(struct file *f, const void *buf, size_t n, u64 off)
{
    return -EISDIR;
}

/* Directory positions are entry indexes; SEEK_END is relative to 0. */
static long dir_size(struct file *f)
{
    return 0;
}

const struct file_ops vfs_dir_fops = {
    .read = dir_read,
    .write = dir_write,
    .size = dir_size,
};

/* ------------------------------------------------------------------ console */

static int stream_of(struct file *f)
{
    return (int)f->node.v->arg;
}

/* Every console stream reads the host's stdin (a terminal's fds all do). */
static long console_read(struct file *f, void *buf, size_t n, u64 off)
{
    return console_in_read(buf, n, (f->flags & O_NONBLOCK) != 0);
}

static int console_poll(struct file *f)
{
    return POLLOUT | (console_in_ready() ? POLLIN : 0);
}

static long console_write_op(struct file *f, const void *buf, size_t n, u64 off)
{
    console_write(stream_of(f) == 2 ? 2 : 1, buf, n);
    return (long)n;
}


/* Terminal ioctls on a stream that is a terminal on the host. */
static long console_ioctl(struct file *f, unsigned cmd, u64 arg)
{
    int pgrp = 1;
    if (cmd == FIONREAD) {             /* also on pipes: what a read returns at once */
        pgrp = (int)console_in_pending();
        return copy_to_user((void *)arg, &pgrp, sizeof(pgrp));
    }
    if (!console_is_tty(stream_of(f)))
        return -ENOTTY;
    switch (cmd) {
    case TCGETS:
        return copy_to_user((void *)arg, &tty_termios, sizeof(tty_termios));
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
        return copy_from_user(&tty_termios, (const void *)arg, sizeof(tty_termios));
    case TIOCGWINSZ:
        return copy_to_user((void *)arg, &tty_winsize, sizeof(tty_winsize));
    case TIOCSWINSZ:
        return copy_from_user(&tty_winsize, (const void *)arg, sizeof(tty_winsize));
    case TIOCGPGRP:
        return copy_to_user((void *)arg, &pgrp, sizeof(pgrp));
    case TIOCSPGRP:
        return copy_from_user(&pgrp, (const void *)arg, sizeof(pgrp));
    }
    return -ENOTTY;
}

static const struct file_ops console_fops = {
    .read = console_read,
    .write = console_write_op,
    .ioctl = console_ioctl,
    .poll = console_poll,
};

/* ------------------------------------------------------------------ devices */

static long null_read(struct file *f, void *buf, size_t n, u64 off) { return 0; }
static long sink_write(struct file *f, const void *buf, size_t n, u64 off) { return (long)n; }
static long full_write(struct file *f, const void *buf, size_t n, u64 off) { return -ENOSPC; }
static long dev_size(struct file *f) { return 0; }

/* Seeking a memory device always lands at 0, as on Linux. */
static long dev_lseek(struct file *f, s64 off, int whence)
{
    f->off = 0;
    return 0;
}

static long zero_read(struct file *f, void *buf, size_t n, u64 off)
{
    memset(buf, 0, n);
    return (long)n;
}

static long random_read(struct file *f, void *buf, size_t n, u64 off)
{
    random_bytes(buf, n);
    return (long)n;
}

static const struct file_ops null_fops = {
    .read = null_read,
    .write = sink_write,
    .size = dev_size,
    .lseek = dev_lseek,
};
static const struct file_ops zero_fops = {
    .read = zero_read,
    .write = sink_write,
    .size = dev_size,
    .lseek = dev_lseek,
};
static const struct file_ops full_fops = {
    .read = zero_read,
    .write = full_write,
    .size = dev_size,
    .lseek = dev_lseek,
};
static const struct file_ops random_fops = {
    .read = random_read,
    .write = sink_write,
    .size = dev_size,
    .lseek = dev_lseek,
};

static struct vnode *add_chr(const char *name, const struct file_ops *fops, u64 rdev, u32 perm, u64 arg)
{
    struct vnode *v = vnode_add(dev_dir, name, VN_CHR, S_IFCHR | perm);
    if (v != NULL) {
        v->fops = fops;
        v->rdev = rdev;
        v->arg = arg;
    }
    return v;
}

static struct vnode *add_link(struct vnode *dir, const char *name, const char *(*target)(void))
{
    struct vnode *v = vnode_add(dir, name, VN_LINK, S_IFLNK | 0777);
    if (v != NULL)
        v->target = target;
    return v;
}

static const char *t_stdin(void) { return "/proc/self/fd/0"; }
static const char *t_stdout(void) { return "/proc/self/fd/1"; }
static const char *t_stderr(void) { return "/proc/self/fd/2"; }
static const char *t_fd(void) { return "/proc/self/fd"; }
static const char *t_exe(void)
{
    static char buf[VFS_PATH_MAX + 16];
    if (!tfs_exe_unlinked())
        return vfs_exe_path();
    ksnprintf(buf, sizeof(buf), "%s (deleted)", vfs_exe_path());   /* as Linux's d_path */
    return buf;
}
static const char *t_cwd(void)
{
    static char buf[VFS_PATH_MAX + 16];
    const char *up = vfs_user_path(vfs_cwd());
    if (up == NULL)
        up = vfs_cwd();
    if (!node_unlinked(vfs_cwd_node()))
        return up;
    ksnprintf(buf, sizeof(buf), "%s (deleted)", up);   /* a removed cwd, as Linux's d_path */
    return buf;
}
static const char *t_root(void) { return "/"; }
static const char *t_self(void) { return PROC_PID_NAME; }

/* The image's object at absolute path (each component looked up in TFS from
 * its root, symlinks not followed): 0 and *out, or -errno; -ENOENT also when
 * a virtual entry (a vnode: /dev, an earlier mount) hides it. */
static int image_node(const char *path, struct node *out)
{
    struct node n = { NULL, TFS_ID_ROOT };
    const char *p = path;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e != '\0' && *e != '/')
            e++;
        if (e == p)
            break;
        int r = tfs_node_ops.lookup(n, p, (size_t)(e - p), &n);
        if (r < 0)
            return r;
        if (n.v != NULL)
            return -ENOENT;
        p = e;
    }
    *out = n;
    return 0;
}

/* Mount a tmpfs called name under parent, over the image's directory at
 * path, seeded with a copy of that directory's contents.  (The image's /dev
 * is hidden by the virtual one, so /dev/shm starts empty.) */
static void mount_tmpfs(struct vnode *parent, const char *name, const char *path)
{
    struct node img;
    bool seed = image_node(path, &img) == 0 && S_ISDIR(tfs_node_mode(img.id));
    struct vnode *v = ramfs_mount(parent, name);
    if (v == NULL)
        panic("vfs: out of memory creating %s", path);
    if (!seed)
        return;
    int r = ramfs_seed(v, img, 0);
    if (r < 0)
        klog("vfs: copying the image's %s into its tmpfs: error %d (partly copied)", path, -r);
}

static void dev_init(void)
{
    dev_dir = vnode_add(vfs_root_vnode(), "dev", VN_DIR, S_IFDIR | 0755);
    if (dev_dir == NULL)
        panic("vfs: out of memory creating /dev");
    dev_dir->dev = VFS_DEV_DEVFS;
    add_chr("null", &null_fops, VFS_MKDEV(1, 3), 0666, 0);
    add_chr("zero", &zero_fops, VFS_MKDEV(1, 5), 0666, 0);
    add_chr("full", &full_fops, VFS_MKDEV(1, 7), 0666, 0);
    add_chr("random", &random_fops, VFS_MKDEV(1, 8), 0666, 0);
    add_chr("urandom", &random_fops, VFS_MKDEV(1, 9), 0666, 0);
    add_chr("tty", NULL, VFS_MKDEV(5, 0), 0666, 0);
    add_chr("console", &console_fops, VFS_MKDEV(5, 1), 0600, 0);
    add_chr("ttyS0", &console_fops, VFS_MKDEV(4, 64), 0660, 1);
    add_chr("ttyS1", &console_fops, VFS_MKDEV(4, 65), 0660, 2);
    add_link(dev_dir, "stdin", t_stdin);
    add_link(dev_dir, "stdout", t_stdout);
    add_link(dev_dir, "stderr", t_stderr);
    add_link(dev_dir, "fd", t_fd);
    mount_tmpfs(dev_dir, "shm", "/dev/shm");
}

/* Append n bytes to a generator's buffer (counting what does not fit). */
static void gen_put(char *buf, size_t cap, size_t *len, const void *p, size_t n)
{
    if (*len < cap)
        memcpy(buf + *len, p, MIN(n, cap - *len));
    *len += n;
}

/* /proc/self/cmdline: argv from the manifest, each NUL-terminated. */
static long gen_cmdline(char *buf, size_t cap)
{
    struct tuple *m = fs_manifest();
    struct tuple *args = m != NULL ? tuple_get_tuple(m, "arguments") : NULL;
    size_t len = 0;
    for (int i = 0; args != NULL; i++) {
        char key[16];
        ksnprintf(key, sizeof(key), "%d", i);
        const char *a = tuple_get_str(args, key);
        if (a == NULL)
            break;
        gen_put(buf, cap, &len, a, strlen(a) + 1);
    }
    if (len == 0)
        gen_put(buf, cap, &len, vfs_exe_path(), strlen(vfs_exe_path()) + 1);
    return (long)len;
}

struct envgen { char *buf; size_t cap, len; };

static int env_entry(void *c, const u8 *k, size_t kl, const struct value *v)
{
    struct envgen *g = c;
    if (v->kind != VALUE_BYTES)
        return 0;
    gen_put(g->buf, g->cap, &g->len, k, kl);
    gen_put(g->buf, g->cap, &g->len, "=", 1);
    gen_put(g->buf, g->cap, &g->len, v->u.bytes, (size_t)v->len + 1);
    return 0;
}

/* /proc/self/environ: the initial environment, in the order main.c builds it. */
static long gen_environ(char *buf, size_t cap)
{
    struct tuple *m = fs_manifest();
    struct tuple *env = m != NULL ? tuple_get_tuple(m, "environment") : NULL;
    struct envgen g = { buf, cap, 0 };
    if (env != NULL)
        tuple_iter(env, env_entry, &g);
    return (long)g.len;
}

static void proc_init(void)
{
    proc_dir = vnode_add(vfs_root_vnode(), "proc", VN_DIR, S_IFDIR | 0555);
    if (proc_dir == NULL)
        panic("vfs: out of memory creating /proc");
    proc_dir->dev = VFS_DEV_PROC;
    /* The one process's directory, /proc/1 (getpid is always 1), and
     * /proc/self, a symlink to it. */
    struct vnode *self = vnode_add(proc_dir, PROC_PID_NAME, VN_DIR, S_IFDIR | 0555);
    struct vnode *fd = self != NULL ? vnode_add(self, "fd", VN_FDDIR, S_IFDIR | 0500) : NULL;
    if (fd == NULL || add_link(self, "exe", t_exe) == NULL || add_link(self, "cwd", t_cwd) == NULL ||
        add_link(self, "root", t_root) == NULL || add_link(proc_dir, "self", t_self) == NULL)
        panic("vfs: out of memory creating /proc/self");
    struct vnode *cl = vnode_add(self, "cmdline", VN_GEN, S_IFREG | 0444);
    struct vnode *en = vnode_add(self, "environ", VN_GEN, S_IFREG | 0400);
    if (cl == NULL || en == NULL)
        panic("vfs: out of memory creating /proc/self");
    cl->gen = gen_cmdline;
    en->gen = gen_environ;
    fd_link_proto = kzalloc(sizeof(*fd_link_proto));
    if (fd_link_proto == NULL)
        panic("vfs: out of memory creating /proc/self/fd");
    fd_link_proto->name = "fd";
    fd_link_proto->kind = VN_FDLINK;
    fd_link_proto->mode = S_IFLNK | 0700;
    fd_link_proto->ino = 0x50000000;
    fd_link_proto->dev = VFS_DEV_PROC;
    fd_link_proto->nops = &vnode_ops;
}

/* Open the console streams as fds 0, 1 and 2. */
static void std_fds_init(void)
{
    static const char *const names[3] = { "console", "ttyS0", "ttyS1" };
    static const char *const paths[3] = { "/dev/console", "/dev/ttyS0", "/dev/ttyS1" };
    for (int i = 0; i < 3; i++) {
        struct vnode *v = vnode_find(dev_dir, names[i], strlen(names[i]));
        struct file *f;
        int fl = i == 0 ? O_RDONLY : O_WRONLY;
        if (console_is_tty(i))
            fl = O_RDWR;
        if (v == NULL || node_open((struct node){ v, v->arg }, paths[i], fl, &f) < 0)
            panic("vfs: cannot open the console");
        if (fd_install(f, i, false) != i)
            panic("vfs: fd %d is taken before start-up", i);
    }
}

void special_init(void)
{
    struct tuple *m = fs_manifest();
    tty_mask = m != NULL ? tuple_get_u64(m, "tty", 0) : 0;
    boot_time_ns = realtime_ns();
    if (dev_dir == NULL)
        dev_init();
    if (proc_dir == NULL)
        proc_init();
    if (vnode_find(vfs_root_vnode(), "tmp", 3) == NULL)
        mount_tmpfs(vfs_root_vnode(), "tmp", "/tmp");
    if (fd_file(0) == NULL)
        std_fds_init();
}

/* ------------------------------------------------------- generated files */

/* Register gen as the read-only file at absolute path; parents are created
 * (merged with TFS directories of the same path).  A path under /proc/self/
 * lands in /proc/<pid>/ (/proc/self is a symlink).  0, -EINVAL, -EEXIST,
 * -ENOMEM. */
int vfs_register_generated(const char *path, vfs_gen_fn gen)
{
    static const char self[] = "/proc/self/";
    struct vnode *dir = vfs_root_vnode();
    char name[VFS_NAME_MAX + 1];
    if (path == NULL || path[0] != '/' || gen == NULL)
        return -EINVAL;
    if (dev_dir == NULL)
        dev_init();
    if (proc_dir == NULL)
        proc_init();
    const char *p = path;
    if (strncmp(path, self, sizeof(self) - 1) == 0) {
        dir = vnode_find(proc_dir, PROC_PID_NAME, strlen(PROC_PID_NAME));
        p = path + sizeof(self) - 1;
    }
    for (;;) {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e != '\0' && *e != '/')
            e++;
        size_t len = (size_t)(e - p);
        if (len == 0 || len > VFS_NAME_MAX)
            return -EINVAL;
        memcpy(name, p, len);
        name[len] = '\0';
        while (*e == '/')
            e++;
        if (*e == '\0')
            break;
        struct vnode *d = vnode_add(dir, name, VN_DIR, S_IFDIR | 0555);
        if (d == NULL)
            return vnode_find(dir, name, len) != NULL ? -EEXIST : -ENOMEM;
        if (d->dev == 0 || dir->merge) {
            d->dev = VFS_DEV_ROOT;
            d->merge = true;
        }
        dir = d;
        p = e;
    }
    if (vnode_find(dir, name, strlen(name)) != NULL)
        return -EEXIST;
    struct vnode *v = vnode_add(dir, name, VN_GEN, S_IFREG | 0444);
    if (v == NULL)
        return -ENOMEM;
    v->gen = gen;
    return 0;
}
