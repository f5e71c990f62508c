/*
 * fs.c - file syscalls on descriptors: read/write and their vector and
 * positioned forms, lseek, getdents, ioctl, fcntl, dup*, close, sendfile and
 * the sync/advice calls.  Path-based calls live in fs_path.c.
 *
 * File methods only see kernel memory.  Reads copy to user memory straight
 * from a file's own buffer when it has a peek method (TFS read-ahead window,
 * tmpfs, generated files); everything else moves through a 64 KiB bounce
 * buffer (a second one is allocated while the first is held by a blocked
 * pipe call).  A fault on the user side ends the transfer with the bytes
 * done so far (or EFAULT when there were none), as Linux does.  Each call
 * is clipped to MAX_RW bytes like Linux's MAX_RW_COUNT.
 */
#include "syscalls.h"
#include "fs/vfs_impl.h"
#include "fs/inotify.h"
#include "fs/locks.h"

#define BOUNCE (64 * 1024)
#define MAX_RW 0x7ffff000UL
#define UIO_MAXIOV 1024
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4

struct iovec_k { u64 base; u64 len; };

static u8 bounce_static[BOUNCE];
static bool bounce_busy;

/* The bounce buffer (a fresh one if it is in use by an outer call). */
static u8 *bounce_get(void)
{
    if (!bounce_busy) {
        bounce_busy = true;
        return bounce_static;
    }
    return kmalloc(BOUNCE);
}

static void bounce_put(u8 *b)
{
    if (b == bounce_static)
        bounce_busy = false;
    else
        kfree(b);
}

static bool readable(const struct file *f)
{
    int acc = f->flags & O_ACCMODE;
    return (f->flags & O_PATH) == 0 && (acc == O_RDONLY || acc == O_RDWR);
}

static bool writable(const struct file *f)
{
    int acc = f->flags & O_ACCMODE;
    return (f->flags & O_PATH) == 0 && (acc == O_WRONLY || acc == O_RDWR);
}

static bool seekable(const struct file *f)
{
    return f->ops != NULL && f->ops->size != NULL;
}

/* Read through the file's peek method: straight from its kernel memory. */
static long peek_read(struct file *f, u8 *ubuf, size_t n, u64 *pos)
{
    size_t done = 0;
    long r = 0;
    if (n == 0)
        return 0;
    do {
        const void *p;
        r = f->ops->peek(f, *pos, &p);
        if (r <= 0)
            break;
        size_t k = MIN((size_t)r, n - done);
        if (copy_to_user(ubuf + done, p, k) < 0) {
            r = -EFAULT;
            break;
        }
        done += k;
        *pos += k;
    } while (done < n);
    return done > 0 ? (long)done : r;
}

/* Read up to n bytes at *pos into user memory; advances *pos. */
static long read_body(struct file *f, u8 *ubuf, size_t n, u64 *pos)
{
    if (f->ops == NULL || f->ops->read == NULL)
        return -EINVAL;
    if (f->ops->peek != NULL)
        return peek_read(f, ubuf, n, pos);
    u8 *b = bounce_get();
    if (b == NULL)
        return -ENOMEM;
    size_t done = 0;
    long r;
    do {
        size_t chunk = MIN(n - done, (size_t)BOUNCE);
        r = f->ops->read(f, b, chunk, *pos);
        if (r <= 0)
            break;
        if (copy_to_user(ubuf + done, b, (size_t)r) < 0) {
            r = -EFAULT;
            break;
        }
        done += (size_t)r;
        *pos += (u64)r;
        if ((size_t)r < chunk)
            break;
    } while (done < n);
    bounce_put(b);
    return done > 0 ? (long)done : r;
}

/* Write n bytes from user memory at *pos; advances *pos. */
static long write_body(struct file *f, const u8 *ubuf, size_t n, u64 *pos)
{
    if (f->ops == NULL || f->ops->write == NULL)
        return -EINVAL;
    u8 *b = bounce_get();
    if (b == NULL)
        return -ENOMEM;
    size_t done = 0;
    long r = 0;
    do {
        size_t chunk = MIN(n - done, (size_t)BOUNCE);
        if (copy_from_user(b, ubuf + done, chunk) < 0) {
            r = -EFAULT;
            break;
        }
        r = f->ops->write(f, b, chunk, *pos);
        if (r <= 0)
            break;
        done += (size_t)r;
        *pos += (u64)r;
        if ((size_t)r < chunk)
            break;
    } while (done < n);
    bounce_put(b);
    return done > 0 ? (long)done : r;
}

/* A call that may block (pipes, eventfd) holds its own reference, so a
 * close from another thread cannot free the file under it. */
static long do_read(struct file *f, u8 *ubuf, size_t n, u64 *pos)
{
    file_get(f);
    long r = read_body(f, ubuf, n, pos);
    file_put(f);
    return r;
}

static long do_write(struct file *f, const u8 *ubuf, size_t n, u64 *pos)
{
    file_get(f);
    long r = write_body(f, ubuf, n, pos);
    file_put(f);
    return r;
}

/* Position for a plain write: the end of file under O_APPEND. */
static u64 *write_pos(struct file *f)
{
    if ((f->flags & O_APPEND) != 0 && seekable(f))
        f->off = (u64)f->ops->size(f);
    return &f->off;
}

long sys_read(int fd, u8 *buf, size_t count)
{
    struct file *f = fd_file(fd);
    if (f == NULL || !readable(f))
        return -EBADF;
    if (!user_range_ok(buf, count))
        return -EFAULT;
    long r = fsnotify_access_perm(f);
    if (r < 0)
        return r;
    return fsnotify_rw(f, do_read(f, buf, MIN(count, MAX_RW), &f->off), IN_ACCESS);
}

long sys_write(int fd, const u8 *buf, size_t count)
{
    struct file *f = fd_file(fd);
    if (f == NULL || !writable(f))
        return -EBADF;
    if (!user_range_ok(buf, count))
        return -EFAULT;
    return fsnotify_rw(f, do_write(f, buf, MIN(count, MAX_RW), write_pos(f)), IN_MODIFY);
}

long sys_pread64(int fd, u8 *buf, size_t count, s64 off)
{
    if (off < 0)
        return -EINVAL;
    struct file *f = fd_file(fd);
    if (f == NULL || !readable(f))
        return -EBADF;
    if (!seekable(f))
        return -ESPIPE;
    if (!user_range_ok(buf, count))
        return -EFAULT;
    u64 pos = (u64)off;
    long r = fsnotify_access_perm(f);
    if (r < 0)
        return r;
    return fsnotify_rw(f, do_read(f, buf, MIN(count, MAX_RW), &pos), IN_ACCESS);
}

long sys_pwrite64(int fd, const u8 *buf, size_t count, s64 off)
{
    if (off < 0)
        return -EINVAL;
    struct file *f = fd_file(fd);
    if (f == NULL || !writable(f))
        return -EBADF;
    if (!seekable(f))
        return -ESPIPE;
    if (!user_range_ok(buf, count))
        return -EFAULT;
    /* As Linux (man 2 pwrite, BUGS): with O_APPEND the data goes to the end
     * of the file whatever the offset; the file offset stays put. */
    u64 pos = (f->flags & O_APPEND) != 0 ? (u64)f->ops->size(f) : (u64)off;
    return fsnotify_rw(f, do_write(f, buf, MIN(count, MAX_RW), &pos), IN_MODIFY);
}

/* ---------------------------------------------------------------- vectors */

/* Copy in and check an iovec array (Linux's import_iovec rules).  *out is
 * fast or a kmalloc'd array the caller frees. */
static long import_iov(const struct iovec_k *uiov, int cnt, struct iovec_k *fast, size_t nfast,
                       struct iovec_k **out)
{
    if (cnt < 0 || cnt > UIO_MAXIOV)
        return -EINVAL;
    struct iovec_k *v = (size_t)cnt <= nfast ? fast : kmalloc((size_t)cnt * sizeof(*v));
    if (v == NULL)
        return -ENOMEM;
    *out = v;
    if (copy_from_user(v, uiov, (size_t)cnt * sizeof(*v)) < 0)
        return -EFAULT;
    u64 total = 0;
    for (int i = 0; i < cnt; i++) {
        if ((s64)v[i].len < 0)
            return -EINVAL;
        if (!user_range_ok((void *)v[i].base, v[i].len))
            return -EFAULT;
        v[i].len = MIN(v[i].len, MAX_RW - total);
        total += v[i].len;
    }
    return 0;
}

/* Vector transfer at *pos; stops at the first short segment. */
static long do_vec(struct file *f, const struct iovec_k *uiov, int cnt, u64 *pos, bool wr)
{
    struct iovec_k fast[8], *v = NULL;
    long r = import_iov(uiov, cnt, fast, ARRAY_SIZE(fast), &v);
    long done = 0;
    if (r == 0 && !wr)
        r = fsnotify_access_perm(f);
    for (int i = 0; r == 0 && i < cnt; i++) {
        if (v[i].len == 0)
            continue;
        long n = wr ? do_write(f, (const u8 *)v[i].base, v[i].len, pos)
                    : do_read(f, (u8 *)v[i].base, v[i].len, pos);
        if (n < 0) {
            r = done > 0 ? 0 : n;
            break;
        }
        done += n;
        if ((u64)n < v[i].len)
            break;
    }
    if (v != fast)
        kfree(v);
    return r < 0 ? r : fsnotify_rw(f, done, wr ? IN_MODIFY : IN_ACCESS);
}

long sys_readv(int fd, const struct iovec_k *iov, int cnt)
{
    struct file *f = fd_file(fd);
    if (f == NULL || !readable(f))
        return -EBADF;
    return do_vec(f, iov, cnt, &f->off, false);
}

long sys_writev(int fd, const struct iovec_k *iov, int cnt)
{
    struct file *f = fd_file(fd);
    if (f == NULL || !writable(f))
        return -EBADF;
    return do_vec(f, iov, cnt, write_pos(f), true);
}

#define RWF_SUPPORTED 0x1f             /* HIPRI DSYNC SYNC NOWAIT APPEND */
#define RWF_APPEND 0x10

/* preadv2/pwritev2 core: off == -1 means the current offset.  A write to an
 * O_APPEND file, or with RWF_APPEND, goes to the end of the file whatever
 * off says; only a write at the current offset (-1) moves that offset. */
static long do_pvec(int fd, const struct iovec_k *iov, int cnt, s64 off, int flags, bool wr)
{
    if ((flags & ~RWF_SUPPORTED) != 0)
        return -EOPNOTSUPP;
    struct file *f = fd_file(fd);
    if (f == NULL || !(wr ? writable(f) : readable(f)))
        return -EBADF;
    bool append = wr && seekable(f) && ((f->flags & O_APPEND) != 0 || (flags & RWF_APPEND) != 0);
    if (off == -1) {
        if (append)
            f->off = (u64)f->ops->size(f);
        return do_vec(f, iov, cnt, wr ? write_pos(f) : &f->off, wr);
    }
    if (!seekable(f))
        return -ESPIPE;
    if (off < 0)
        return -EINVAL;
    u64 pos = append ? (u64)f->ops->size(f) : (u64)off;
    return do_vec(f, iov, cnt, &pos, wr);
}

long sys_preadv(int fd, const struct iovec_k *iov, int cnt, s64 off)
{
    return off == -1 ? -EINVAL : do_pvec(fd, iov, cnt, off, 0, false);
}

long sys_pwritev(int fd, const struct iovec_k *iov, int cnt, s64 off)
{
    return off == -1 ? -EINVAL : do_pvec(fd, iov, cnt, off, 0, true);
}

long sys_preadv2(int fd, const struct iovec_k *iov, int cnt, s64 off, long off_hi, int flags)
{
    return do_pvec(fd, iov, cnt, off, flags, false);
}

long sys_pwritev2(int fd, const struct iovec_k *iov, int cnt, s64 off, long off_hi, int flags)
{
    return do_pvec(fd, iov, cnt, off, flags, true);
}

long sys_lseek(int fd, s64 off, int whence)
{
    struct file *f = fd_file(fd);
    if (f == NULL || (f->flags & O_PATH) != 0)
        return -EBADF;
    if (f->ops != NULL && f->ops->lseek != NULL)
        return f->ops->lseek(f, off, whence);
    if (!seekable(f))
        return -ESPIPE;
    s64 base, size = f->ops->size(f);
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (s64)f->off; break;
    case SEEK_END: base = size; break;
    case SEEK_DATA:
    case SEEK_HOLE:
        if (off < 0 || off >= size)
            return -ENXIO;
        if (node_is_ram(f->node)) {
            long at = ramfs_seek_hole_data(f->node.v, (u64)off, whence == SEEK_DATA);
            if (at < 0)
                return at;
            f->off = (u64)at;
            return at;
        }
        if (f->node.v == NULL) {       /* a TFS file: holes at block granularity */
            long at = tfs_node_seek_data(f->node.id, (u64)off, whence == SEEK_DATA);
            if (at == -ENXIO)
                return at;
            if (at >= 0) {
                f->off = (u64)at;
                return at;
            }                          /* not a regular file: all data, as before */
        }
        f->off = whence == SEEK_DATA ? (u64)off : (u64)size;
        return (long)f->off;
    default: return -EINVAL;
    }
    s64 n;
    if (__builtin_add_overflow(base, off, &n))
        return -EOVERFLOW;
    if (n < 0)
        return -EINVAL;
    f->off = (u64)n;
    return (long)n;
}

/* ---------------------------------------------------------------- getdents */

struct dents {
    u8 *buf;
    size_t cap, used;
    bool old;                          /* struct linux_dirent (getdents) */
    bool full;                         /* an entry did not fit */
};

static int put_dent(void *c, const char *name, size_t len, u64 ino, u8 dtype, u64 next)
{
    struct dents *d = c;
    size_t reclen = d->old ? ALIGN_UP(18 + len + 2, 8UL) : ALIGN_UP(19 + len + 1, 8UL);
    if (d->used + reclen > d->cap) {
        d->full = true;
        return 1;
    }
    u8 *p = d->buf + d->used;
    memset(p, 0, reclen);
    memcpy(p, &ino, 8);
    memcpy(p + 8, &next, 8);
    u16 rl = (u16)reclen;
    memcpy(p + 16, &rl, 2);
    if (d->old) {
        memcpy(p + 18, name, len);
        p[reclen - 1] = dtype;
    } else {
        p[18] = dtype;
        memcpy(p + 19, name, len);
    }
    d->used += reclen;
    return 0;
}

static long do_getdents(int fd, u8 *ubuf, size_t count, bool old)
{
    struct file *f = fd_file(fd);
    if (f == NULL || (f->flags & O_PATH) != 0)
        return -EBADF;
    if (!node_is_dir(f->node))
        return -ENOTDIR;
    if (!user_range_ok(ubuf, count))
        return -EFAULT;
    long pr = fsnotify_access_perm(f);
    if (pr < 0)
        return pr;
    u8 *b = bounce_get();
    if (b == NULL)
        return -ENOMEM;
    struct dents d = { b, MIN(count, (size_t)BOUNCE), 0, old, false };
    long r = vfs_readdir(f, put_dent, &d);
    if (r == 0)
        fsnotify_file(f, IN_ACCESS);
    if (r == 0 && d.used == 0 && d.full)
        r = -EINVAL;                   /* not even one entry fits */
    if (r == 0 && d.used > 0 && copy_to_user(ubuf, b, d.used) < 0)
        r = -EFAULT;
    bounce_put(b);
    return r < 0 ? r : (long)d.used;
}

long sys_getdents64(int fd, u8 *buf, size_t count)
{
    return do_getdents(fd, buf, count, false);
}

long sys_getdents(int fd, u8 *buf, size_t count)
{
    return do_getdents(fd, buf, count, true);
}

/* ---------------------------------------------------------------- ioctl */

#define FIONREAD 0x541b
#define FIONBIO 0x5421
#define FIOASYNC 0x5452
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451

static long set_flag_from_user(struct file *f, u64 arg, int flag)
{
    int on;
    if (copy_from_user(&on, (const void *)arg, sizeof(on)) < 0)
        return -EFAULT;
    f->flags = on != 0 ? (f->flags | flag) : (f->flags & ~flag);
    return 0;
}

// partial: terminal ioctls answer from a fixed termios/winsize (the host terminal is not queried)
long sys_ioctl(int fd, unsigned cmd, u64 arg)
{
    struct file *f = fd_file(fd);
    if (f == NULL || (f->flags & O_PATH) != 0)
        return -EBADF;
    switch (cmd) {
    case FIOCLEX:
    case FIONCLEX:
        fd_set_cloexec(fd, cmd == FIOCLEX);
        return 0;
    case FIONBIO:
        return set_flag_from_user(f, arg, O_NONBLOCK);
    case FIOASYNC:
        return set_flag_from_user(f, arg, O_ASYNC);
    }
    struct kstat st;
    if (cmd == FIONREAD && node_stat(f->node, &st) == 0 && S_ISREG(st.mode)) {
        s64 left = (s64)(seekable(f) ? (u64)f->ops->size(f) : st.size) - (s64)f->off;
        int n = (int)MIN(MAX(left, 0), (s64)0x7fffffff);
        return copy_to_user((void *)arg, &n, sizeof(n));
    }
    if (f->ops == NULL || f->ops->ioctl == NULL)
        return -ENOTTY;
    return f->ops->ioctl(f, cmd, arg);
}

/* ---------------------------------------------------------------- fcntl */

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_SETOWN 8
#define F_GETOWN 9
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define F_DUPFD_CLOEXEC 1030
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#define FD_CLOEXEC 1
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define SETFL_MASK (O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME | O_NONBLOCK)

struct flock_k {
    s16 l_type, l_whence;
    s64 l_start, l_len;
    s32 l_pid;
};

#define OFFSET_MAX 0x7fffffffffffffffLL

/* A struct flock's range as inclusive [*start, *end], as Linux computes it:
 * relative to 0, the file offset or the file's size; a negative length
 * reaches back from l_start; 0 means to the end of any file. */
static long flock_range(struct file *f, const struct flock_k *fl, u64 *start, u64 *end)
{
    s64 base, s, e;
    struct kstat st;
    switch (fl->l_whence) {
    case 0: base = 0; break;
    case 1: base = (s64)f->off; break;
    case 2:
        if (node_stat(f->node, &st) < 0)
            return -EINVAL;
        base = (s64)st.size;
        break;
    default: return -EINVAL;
    }
    if (fl->l_start > OFFSET_MAX - base)
        return -EOVERFLOW;
    s = base + fl->l_start;
    if (s < 0)
        return -EINVAL;
    if (fl->l_len > 0) {
        if (fl->l_len - 1 > OFFSET_MAX - s)
            return -EOVERFLOW;
        e = s + (fl->l_len - 1);
    } else if (fl->l_len < 0) {
        if (s + fl->l_len < 0)
            return -EINVAL;
        e = s - 1;
        s += fl->l_len;
    } else {
        e = OFFSET_MAX;
    }
    *start = (u64)s;
    *end = (u64)e;
    return 0;
}

/* F_GETLK / F_OFD_GETLK: the first lock that would block the one
 * described, or l_type F_UNLCK (the rest unchanged) when none would. */
static long fcntl_getlk(struct file *f, int cmd, struct flock_k *fl, u64 arg)
{
    u64 start, end;
    int type, pid;
    if (fl->l_type != F_RDLCK && fl->l_type != F_WRLCK)
        return -EINVAL;
    long r = flock_range(f, fl, &start, &end);
    if (r < 0)
        return r;
    if (cmd == F_OFD_GETLK && fl->l_pid != 0)
        return -EINVAL;
    type = fl->l_type == F_RDLCK ? LK_RD : LK_WR;
    if (lock_range_test(f, cmd == F_OFD_GETLK, &type, &start, &end, &pid) == 0) {
        fl->l_type = F_UNLCK;
    } else {
        fl->l_type = type == LK_RD ? F_RDLCK : F_WRLCK;
        fl->l_whence = 0;
        fl->l_start = (s64)start;
        fl->l_len = end == (u64)OFFSET_MAX ? 0 : (s64)(end - start + 1);
        fl->l_pid = pid;
    }
    return copy_to_user((void *)arg, fl, sizeof(*fl));
}

/* Record locks (fs/locks.c): F_GETLK/F_SETLK/F_SETLKW take the process's
 * locks, F_OFD_* the open file description's; Linux's order of checks. */
static long fcntl_lock(struct file *f, int cmd, u64 arg)
{
    struct flock_k fl;
    u64 start, end;
    if ((f->flags & O_PATH) != 0)
        return -EBADF;
    if (copy_from_user(&fl, (const void *)arg, sizeof(fl)) < 0)
        return -EFAULT;
    if (cmd == F_GETLK || cmd == F_OFD_GETLK)
        return fcntl_getlk(f, cmd, &fl, arg);
    long r = flock_range(f, &fl, &start, &end);
    if (r < 0)
        return r;
    if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
        return -EINVAL;
    if ((fl.l_type == F_RDLCK && !readable(f)) || (fl.l_type == F_WRLCK && !writable(f)))
        return -EBADF;
    if ((cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW) && fl.l_pid != 0)
        return -EINVAL;
    int type = fl.l_type == F_RDLCK ? LK_RD : fl.l_type == F_WRLCK ? LK_WR : LK_UN;
    return lock_range_set(f, cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW, type, start, end,
                          cmd == F_SETLKW || cmd == F_OFD_SETLKW);
}

long sys_fcntl(int fd, int cmd, u64 arg)
{
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        if (arg >= (u64)fd_limit())
            return -EINVAL;
        file_get(f);
        long r = fd_install(f, (int)arg, cmd == F_DUPFD_CLOEXEC);
        if (r < 0)
            file_put(f);
        return r;
    case F_GETFD:
        return fd_cloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
        fd_set_cloexec(fd, (arg & FD_CLOEXEC) != 0);
        return 0;
    case F_GETFL:
        return f->flags;
    case F_SETFL:
        if ((f->flags & O_PATH) != 0)
            return -EBADF;
        f->flags = (f->flags & ~SETFL_MASK) | ((int)arg & SETFL_MASK);
        return 0;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        return fcntl_lock(f, cmd, arg);
    case F_GETPIPE_SZ:
        return pipe_get_size(f);
    case F_SETPIPE_SZ:
        return pipe_set_size(f, arg);
    case F_GETOWN:
        return 0;
    case F_SETOWN:
        return (f->flags & O_PATH) != 0 ? -EBADF : 0;
    }
    return -EINVAL;
}

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8
#define LOCK_MAND 32

/* flock: the lock belongs to the open file description (fs/locks.c): dup'd
 * fds share it, a second open() of the file conflicts with it. */
long sys_flock(int fd, int op)
{
    struct file *f = fd_file(fd);
    if (f == NULL || (f->flags & O_PATH) != 0)
        return -EBADF;
    if ((op & LOCK_MAND) != 0)
        return 0;                      /* Linux ignores the obsolete LOCK_MAND */
    int kind = op & ~LOCK_NB;
    if (kind != LOCK_SH && kind != LOCK_EX && kind != LOCK_UN)
        return -EINVAL;
    return lock_flock(f, kind == LOCK_SH ? LK_RD : kind == LOCK_EX ? LK_WR : LK_UN, (op & LOCK_NB) != 0);
}

/* ---------------------------------------------------------------- fd calls */

long sys_close(int fd)
{
    return fd_close(fd);
}

#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4

long sys_close_range(unsigned first, unsigned last, unsigned flags)
{
    if ((flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) != 0 || first > last)
        return -EINVAL;
    /* From first itself: RLIMIT_NOFILE does not matter (fds above it stay
     * open; starting at min(first, limit) once closed 0, 1 and 2 under a
     * limit of 0, found by sysfuzz seed 39), and a first past INT_MAX must
     * not turn negative. */
    int from = first > 0x7fffffffU ? 0x7fffffff : (int)first;
    for (int fd = fd_next_open(from); fd >= 0 && (unsigned)fd <= last; fd = fd_next_open(fd + 1)) {
        if ((flags & CLOSE_RANGE_CLOEXEC) != 0)
            fd_set_cloexec(fd, true);
        else
            fd_close(fd);
    }
    return 0;
}

long sys_dup(int oldfd)
{
    struct file *f = fd_file(oldfd);
    if (f == NULL)
        return -EBADF;
    file_get(f);
    long r = fd_install(f, 0, false);
    if (r < 0)
        file_put(f);
    return r;
}

long sys_dup3(int oldfd, int newfd, int flags)
{
    if ((flags & ~O_CLOEXEC) != 0 || oldfd == newfd)
        return -EINVAL;
    return fd_dup2(oldfd, newfd, (flags & O_CLOEXEC) != 0);
}

long sys_dup2(int oldfd, int newfd)
{
    if (oldfd == newfd)
        return fd_file(oldfd) != NULL ? newfd : -EBADF;
    return fd_dup2(oldfd, newfd, false);
}

/* ---------------------------------------------------------------- sendfile */

/* Move up to n bytes from in at *ipos to out at *opos through the bounce
 * buffer; advances both.  Bytes moved, or -errno when none were. */
static long copy_body(struct file *in, u64 *ipos, struct file *out, u64 *opos, size_t n)
{
    if (out->ops == NULL || out->ops->write == NULL || in->ops->read == NULL)
        return -EINVAL;
    u8 *b = bounce_get();
    if (b == NULL)
        return -ENOMEM;
    size_t done = 0;
    long r = 0;
    while (done < n) {
        size_t chunk = MIN(n - done, (size_t)BOUNCE);
        r = in->ops->read(in, b, chunk, *ipos);
        if (r <= 0)
            break;
        long w = out->ops->write(out, b, (size_t)r, *opos);
        if (w <= 0) {
            r = w;
            break;
        }
        *opos += (u64)w;
        *ipos += (u64)w;
        done += (size_t)w;
        if (w < r || (size_t)r < chunk)
            break;
    }
    bounce_put(b);
    return done > 0 ? (long)done : r;
}

static long copy_between(struct file *in, u64 *ipos, struct file *out, u64 *opos, size_t n)
{
    file_get(in);
    file_get(out);
    long r = copy_body(in, ipos, out, opos, n);
    file_put(out);
    file_put(in);
    return r;
}

/* Read an optional user offset (NULL: use *dflt). */
static int get_off(const s64 *uoff, u64 dflt, u64 *out)
{
    s64 off = (s64)dflt;
    if (uoff != NULL && copy_from_user(&off, uoff, sizeof(off)) < 0)
        return -EFAULT;
    if (off < 0)
        return -EINVAL;
    *out = (u64)off;
    return 0;
}

long sys_sendfile(int outfd, int infd, s64 *uoff, size_t count)
{
    struct file *in = fd_file(infd), *out = fd_file(outfd);
    u64 pos;
    if (in == NULL || out == NULL || !readable(in) || !writable(out))
        return -EBADF;
    if (!seekable(in) || (out->flags & O_APPEND) != 0)
        return -EINVAL;
    int e = get_off(uoff, in->off, &pos);
    if (e == 0)
        e = fsnotify_access_perm(in);
    if (e < 0)
        return e;
    long r = copy_between(in, &pos, out, write_pos(out), MIN(count, MAX_RW));
    if (fsnotify_rw(in, r, IN_ACCESS) > 0)
        fsnotify_file(out, IN_MODIFY);
    if (uoff == NULL)
        in->off = pos;
    else if (copy_to_user(uoff, &pos, sizeof(pos)) < 0)
        return -EFAULT;
    return r;
}

/* copy_file_range: regular files only, through the bounce buffer. */
long sys_copy_file_range(int infd, s64 *uin, int outfd, s64 *uout, size_t count, unsigned flags)
{
    struct file *in = fd_file(infd), *out = fd_file(outfd);
    struct kstat si, so;
    u64 ip, op;
    if (flags != 0)
        return -EINVAL;
    if (in == NULL || out == NULL || !readable(in) || !writable(out))
        return -EBADF;
    if ((out->flags & O_APPEND) != 0)
        return -EBADF;
    if (node_stat(in->node, &si) < 0 || node_stat(out->node, &so) < 0)
        return -EINVAL;
    if (S_ISDIR(si.mode) || S_ISDIR(so.mode))
        return -EISDIR;
    if (!S_ISREG(si.mode) || !S_ISREG(so.mode))
        return -EINVAL;
    int e = get_off(uin, in->off, &ip);
    if (e == 0)
        e = get_off(uout, out->off, &op);
    if (e < 0)
        return e;
    if (si.dev == so.dev && si.ino == so.ino && ip < op + count && op < ip + count)
        return -EINVAL;
    e = fsnotify_access_perm(in);
    if (e < 0)
        return e;
    long r = copy_between(in, &ip, out, &op, MIN(count, MAX_RW));
    if (fsnotify_rw(in, r, IN_ACCESS) > 0)
        fsnotify_file(out, IN_MODIFY);
    if (uin == NULL)
        in->off = ip;
    else if (copy_to_user(uin, &ip, sizeof(ip)) < 0)
        return -EFAULT;
    if (uout == NULL)
        out->off = op;
    else if (copy_to_user(uout, &op, sizeof(op)) < 0)
        return -EFAULT;
    return r;
}

/* ---------------------------------------------------------------- sync, advice */

static long fd_check(int fd)
{
    struct file *f = fd_file(fd);
    return (f == NULL || (f->flags & O_PATH) != 0) ? -EBADF : 0;
}

/* A TFS file: its data and the log records reaching it go to the disk,
 * then a device flush (fs/tfs.c).  tmpfs lives in memory. */
long sys_fsync(int fd)
{
    long r = fd_check(fd);
    if (r == 0 && !seekable(fd_file(fd)))
        r = -EINVAL;
    if (r == 0 && fd_file(fd)->node.v == NULL)
        r = tfs_node_fsync(fd_file(fd)->node.id);
    return r;
}

long sys_fdatasync(int fd)
{
    return sys_fsync(fd);
}

long sys_syncfs(int fd)
{
    long r = fd_check(fd);
    if (r == 0)
        fs_sync_all();
    return r;
}

long sys_sync(void)
{
    fs_sync_all();
    return 0;
}

long sys_fadvise64(int fd, s64 off, s64 len, int advice)
{
    long r = fd_check(fd);
    if (r < 0)
        return r;
    if (!seekable(fd_file(fd)))
        return -ESPIPE;
    if (advice < 0 || advice > 5 || len < 0)
        return -EINVAL;
    return 0;
}

long sys_readahead(int fd, s64 off, size_t count)
{
    struct file *f = fd_file(fd);
    if (f == NULL || !readable(f))
        return -EBADF;
    if (!seekable(f) || off < 0)
        return -EINVAL;
    return 0;
}

/* syscalls/memfd_secret.c */
bool file_is_secretmem(struct file *f);
int secretmem_truncate(struct file *f, u64 len);

long sys_ftruncate(int fd, s64 len)
{
    struct file *f = fd_file(fd);
    struct kstat st;
    if (f == NULL || (f->flags & O_PATH) != 0)
        return -EBADF;
    if (len < 0 || !writable(f) || node_stat(f->node, &st) < 0 || !S_ISREG(st.mode))
        return -EINVAL;
    if (f->ll_notrunc)
        return -EACCES;                /* Landlock: opened without the TRUNCATE right */
    long r = node_is_ram(f->node) ? ramfs_truncate(f->node.v, (u64)len)
             : f->node.v == NULL ? tfs_node_truncate(f->node.id, (u64)len)
             : file_is_secretmem(f) ? secretmem_truncate(f, (u64)len) : -EPERM;
    if (r == 0)
        fsnotify_node(f->node, f->path, IN_MODIFY);    /* an attribute change: FID groups only */
    return r;
}

#define FALLOC_FL_KEEP_SIZE      0x01
#define FALLOC_FL_PUNCH_HOLE     0x02
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE     0x10
#define FALLOC_FL_INSERT_RANGE   0x20
#define FALLOC_FL_UNSHARE_RANGE  0x40
#define FALLOC_FL_KNOWN (FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE | \
                         FALLOC_FL_ZERO_RANGE | FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE)

int file_punch_hole(struct file *f, u64 off, u64 len)
{
    int r = -EOPNOTSUPP;
    if (node_is_ram(f->node))
        r = ramfs_fallocate(f->node.v, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
    else if (f->node.v == NULL)
        r = tfs_node_allocate(f->node.id, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
    if (r == 0)
        fsnotify_file(f, IN_MODIFY);
    return r;
}

// partial: UNSHARE_RANGE is EOPNOTSUPP on the TFS root (as on ext4: no shared extents); tmpfs has what Linux's has (0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE)
long sys_fallocate(int fd, int mode, s64 off, s64 len)
{
    struct file *f = fd_file(fd);
    struct kstat st;
    if (f == NULL)
        return -EBADF;
    if (off < 0 || len <= 0)
        return -EINVAL;
    /* the generic mode checks (Linux 6.13's: one mode at a time, KEEP_SIZE
     * only with allocation, unshare and zero range, and required by punch) */
    if ((mode & ~FALLOC_FL_KNOWN) != 0)
        return -EOPNOTSUPP;
    switch (mode & ~FALLOC_FL_KEEP_SIZE) {
    case 0: case FALLOC_FL_UNSHARE_RANGE: case FALLOC_FL_ZERO_RANGE:
        break;
    case FALLOC_FL_PUNCH_HOLE:
        if ((mode & FALLOC_FL_KEEP_SIZE) == 0)
            return -EOPNOTSUPP;
        break;
    case FALLOC_FL_COLLAPSE_RANGE: case FALLOC_FL_INSERT_RANGE:
        if ((mode & FALLOC_FL_KEEP_SIZE) != 0)
            return -EOPNOTSUPP;
        break;
    default:
        return -EOPNOTSUPP;
    }
    if (!writable(f))
        return -EBADF;
    if (!seekable(f))
        return -ESPIPE;
    if (node_stat(f->node, &st) < 0 || !S_ISREG(st.mode))
        return S_ISDIR(st.mode) ? -EISDIR : -ENODEV;
    long r = -EOPNOTSUPP;
    if (node_is_ram(f->node))
        r = ramfs_fallocate(f->node.v, mode, (u64)off, (u64)len);
    else if (f->node.v == NULL)
        r = tfs_node_allocate(f->node.id, mode, (u64)off, (u64)len);
    if (r == 0)
        fsnotify_file(f, IN_MODIFY);
    return r;
}
