/*
 * splice.c - moving data through pipes without user buffers (splice, tee,
 * vmsplice) and sync_file_range.
 *
 * splice joins a pipe to another pipe, a file (regular files, character
 * devices) or a socket; tee duplicates one pipe's data into another without
 * consuming it; vmsplice copies between user memory and a pipe (writev-like
 * on a write end, readv-like on a read end).  The bytes are copied (Linux
 * moves page references, which no program can tell apart) but move exactly
 * once: a transfer that may block on its other side holds the pipe
 * (fs/pipe.h), and only the bytes the other side took leave the pipe.
 * Blocking follows Linux: on the pipe side SPLICE_F_NONBLOCK, or the pipe's
 * O_NONBLOCK for splice and tee (vmsplice looks at the flag only); the other
 * side blocks by its own O_NONBLOCK (an AF_UNIX stream also takes
 * SPLICE_F_NONBLOCK).  EPIPE raises SIGPIPE as a write would.  Argument
 * checks run in Linux's order (fs/splice.c, do_splice).
 *
 * sync_file_range: write out part of a file.  Only regular
 * files, block devices, directories and symlinks take it (others ESPIPE, as
 * Linux).  TFS flushes a whole file at a time, so a range asking for
 * write-out (SYNC_FILE_RANGE_WRITE or a wait flag) flushes the file through
 * the fsync path, a superset of the range (a directory flushes the volume); files that live only in memory
 * (ramfs, /proc) have nothing to write.  Flags 0 does nothing, as on Linux.
 */
#include "syscalls.h"
#include "fs/pipe.h"
#include "fs/inotify.h"
#include "net/net.h"
#include "runtime/sched/signal.h"

#define SPLICE_F_MOVE 1                /* a hint: pages are copied anyway */
#define SPLICE_F_NONBLOCK 2
#define SPLICE_F_MORE 4                /* a hint for sockets */
#define SPLICE_F_GIFT 8                /* a hint for vmsplice */
#define SPLICE_F_ALL (SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT)
#define MAX_RW 0x7ffff000UL            /* Linux's MAX_RW_COUNT */
#define UIO_MAXIOV 1024
#define SELF_PID 1                     /* solo's one process (as getpid) */

struct iovec_k { u64 base; u64 len; };

/* ---------------------------------------------------------------- helpers */

/* The open file at fd, or NULL for a closed fd or an O_PATH one (EBADF). */
static struct file *fd_get(int fd)
{
    struct file *f = fd_file(fd);
    return f == NULL || (f->flags & O_PATH) != 0 ? NULL : f;
}

static bool can_read(const struct file *f)
{
    return (f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_ACCMODE) == O_RDWR;
}

static bool can_write(const struct file *f)
{
    return (f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_ACCMODE) == O_RDWR;
}

/* Has f a position (pread/pwrite work)?  Only those take a splice offset. */
static bool seekable(const struct file *f)
{
    return f->ops != NULL && f->ops->size != NULL;
}

/* Can f be the non-pipe side of a splice (reading from it, or writing with
 * wr)?  Linux's regular files, character devices and sockets have the
 * splice methods; directories and anonymous files (eventfd, epoll...) not. */
static bool splice_capable(struct file *f, bool wr)
{
    struct kstat st;
    if (f->ops == NULL || (wr ? f->ops->write == NULL : f->ops->read == NULL))
        return false;
    if (node_stat(f->node, &st) < 0)
        return false;
    u32 t = st.mode & S_IFMT;
    return t == S_IFREG || t == S_IFCHR || t == S_IFSOCK;
}

/* Linux's rw_verify_area for the file side: len and pos + len fit in loff_t. */
static int verify_area(u64 pos, size_t len)
{
    if ((s64)len < 0 || (s64)pos < 0 || (s64)(pos + len) < 0)
        return -EINVAL;
    return 0;
}

/* EPIPE from these calls raises SIGPIPE for the caller, as Linux does. */
static long sigpipe_on_epipe(long r)
{
    if (r == -EPIPE) {
        struct ksiginfo si;
        memset(&si, 0, sizeof(si));
        si.signo = SIGPIPE;
        si.code = SI_USER;
        si.u.kill.pid = SELF_PID;
        (void)signal_send_thread(current, &si);
    }
    return r;
}

/* ---------------------------------------------------------------- splice */

/*
 * Pipe p to file out at *pos (advanced by what was written): waits for data
 * (0 at EOF), then writes what the pipe holds, up to n bytes, stopping at the
 * first short write.  Only the bytes out took leave the pipe.
 */
static long pipe_to_file(struct pipe *p, struct file *out, u64 *pos, size_t n, bool nonblock)
{
    int r = pipe_lock_data(p, nonblock);
    if (r != 0)
        return r == 1 ? 0 : r;
    size_t done = 0;
    long err = 0;
    while (done < n) {
        const u8 *src;
        size_t k = MIN(pipe_data_ptr(p, &src), n - done);
        if (k == 0)
            break;
        long w = out->ops->write(out, src, k, *pos);
        if (w <= 0) {
            err = w;
            break;
        }
        pipe_consume(p, (size_t)w);
        *pos += (u64)w;
        done += (size_t)w;
        if ((size_t)w < k)
            break;
    }
    pipe_unlock(p);
    return done > 0 ? (long)done : err;
}

/* One read of up to n bytes from in into buf.  A socket reads with
 * MSG_DONTWAIT when dontwait (its own O_NONBLOCK applies anyway). */
static long source_read(struct file *in, void *buf, size_t n, u64 pos, bool dontwait)
{
    struct sock *s = file_sock(in);
    if (s == NULL)
        return in->ops->read(in, buf, n, pos);
    struct sock_msg m = { .buf = buf, .len = n, .flags = dontwait ? MSG_DONTWAIT : 0 };
    return s->ops->recv(in, &m);
}

/*
 * File in at *pos (advanced) into pipe p: waits for room (EPIPE without
 * readers), then reads up to n bytes and what fits.  The first read may
 * block on in; later ones continue only where they cannot (seekable files,
 * sockets without waiting), and stop at a short read.
 */
static long file_to_pipe(struct file *in, u64 *pos, struct pipe *p, size_t n, bool nonblock)
{
    int r = pipe_lock_room(p, nonblock);
    if (r < 0)
        return r;
    if (!splice_capable(in, false)) {
        pipe_unlock(p);                /* Linux checks the method after the wait */
        return -EINVAL;
    }
    struct sock *s = file_sock(in);
    bool unix_stream = s != NULL && s->family == AF_UNIX && s->type == SOCK_STREAM;
    size_t done = 0;
    long err = 0;
    n = MIN(n, MAX_RW);
    while (done < n) {
        u8 *dst;
        size_t k = MIN(pipe_room_ptr(p, &dst), n - done);
        if (k == 0)
            break;
        long got = source_read(in, dst, k, *pos, done > 0 || (nonblock && unix_stream));
        if (got <= 0) {
            err = got;
            break;
        }
        pipe_commit(p, (size_t)got);
        *pos += (u64)got;
        done += (size_t)got;
        if ((size_t)got < k || (s == NULL && !seekable(in)))
            break;
    }
    pipe_unlock(p);
    return done > 0 ? (long)done : err;
}

/* The pipe-to-file direction's checks (offset, O_APPEND, range), then the move. */
static long splice_from_pipe(struct pipe *p, struct file *in, struct file *out, s64 *off,
                             size_t len, bool nonblock)
{
    u64 pos = off != NULL ? (u64)*off : out->off;
    if (off != NULL && !seekable(out))
        return -EINVAL;
    if ((out->flags & O_APPEND) != 0)
        return -EINVAL;
    if (verify_area(pos, len) < 0 || !splice_capable(out, true))
        return -EINVAL;
    long r = pipe_to_file(p, out, &pos, len, nonblock || (in->flags & O_NONBLOCK) != 0);
    if (off != NULL)
        *off = (s64)pos;
    else if (seekable(out))
        out->off = pos;
    return r;
}

/* The file-to-pipe direction's checks (offset, range), then the move. */
static long splice_to_pipe(struct file *in, s64 *off, struct pipe *p, struct file *out,
                           size_t len, bool nonblock)
{
    u64 pos = off != NULL ? (u64)*off : in->off;
    if (off != NULL && !seekable(in))
        return -EINVAL;
    if (verify_area(pos, len) < 0)
        return -EINVAL;
    long r = file_to_pipe(in, &pos, p, len, nonblock || (out->flags & O_NONBLOCK) != 0);
    if (off != NULL)
        *off = (s64)pos;
    else if (seekable(in))
        in->off = pos;
    return r;
}

// partial: a pipe's capacity counts bytes, not Linux's 16 page-sized buffers (a pipe can take more small splices than Linux's before it is full)
long sys_splice(int fdin, s64 *uoffin, int fdout, s64 *uoffout, size_t len, unsigned flags)
{
    s64 offin = 0, offout = 0;
    if (len == 0)
        return 0;
    if ((flags & ~(unsigned)SPLICE_F_ALL) != 0)
        return -EINVAL;
    struct file *in = fd_get(fdin), *out = in != NULL ? fd_get(fdout) : NULL;
    if (in == NULL || out == NULL)
        return -EBADF;
    struct pipe *ip = pipe_of(in), *op = pipe_of(out);
    if ((ip != NULL && uoffin != NULL) || (op != NULL && uoffout != NULL))
        return -ESPIPE;
    if (uoffin != NULL && copy_from_user(&offin, uoffin, sizeof(offin)) < 0)
        return -EFAULT;
    if (uoffout != NULL && copy_from_user(&offout, uoffout, sizeof(offout)) < 0)
        return -EFAULT;
    if (!can_read(in) || !can_write(out))
        return -EBADF;
    bool nonblock = (flags & SPLICE_F_NONBLOCK) != 0;
    long r;
    file_get(in);                      /* a close elsewhere while blocked must not free them */
    file_get(out);
    if (ip != NULL && op != NULL)
        r = ip == op ? -EINVAL
                     : pipe_splice_pipe(ip, op, len,
                                        nonblock || ((in->flags | out->flags) & O_NONBLOCK) != 0, true);
    else if (ip != NULL)
        r = splice_from_pipe(ip, in, out, uoffout != NULL ? &offout : NULL, len, nonblock);
    else if (op != NULL) {
        r = fsnotify_access_perm(in);
        if (r == 0)
            r = splice_to_pipe(in, uoffin != NULL ? &offin : NULL, op, out, len, nonblock);
    } else
        r = -EINVAL;                   /* neither side is a pipe */
    if (fsnotify_rw(in, r, IN_ACCESS) > 0)
        fsnotify_file(out, IN_MODIFY);
    file_put(out);
    file_put(in);
    if (r < 0)
        return sigpipe_on_epipe(r);
    if (uoffin != NULL && copy_to_user(uoffin, &offin, sizeof(offin)) < 0)
        return -EFAULT;
    if (uoffout != NULL && copy_to_user(uoffout, &offout, sizeof(offout)) < 0)
        return -EFAULT;
    return r;
}

// partial: a pipe's capacity counts bytes, not Linux's 16 page-sized buffers
long sys_tee(int fdin, int fdout, size_t len, unsigned flags)
{
    if ((flags & ~(unsigned)SPLICE_F_ALL) != 0)
        return -EINVAL;
    if (len == 0)
        return 0;
    struct file *in = fd_get(fdin), *out = in != NULL ? fd_get(fdout) : NULL;
    if (in == NULL || out == NULL)
        return -EBADF;
    if (!can_read(in) || !can_write(out))
        return -EBADF;
    struct pipe *ip = pipe_of(in), *op = pipe_of(out);
    if (ip == NULL || op == NULL || ip == op)
        return -EINVAL;
    bool nonblock = (flags & SPLICE_F_NONBLOCK) != 0 || ((in->flags | out->flags) & O_NONBLOCK) != 0;
    file_get(in);
    file_get(out);
    long r = pipe_splice_pipe(ip, op, len, nonblock, false);
    file_put(out);
    file_put(in);
    return sigpipe_on_epipe(r);
}

/* ---------------------------------------------------------------- vmsplice */

/* Copy in an iovec array as Linux's import_iovec: EINVAL for too many
 * segments or a negative length (all checked first), then EFAULT for a
 * range outside user space; lengths are clipped to MAX_RW in total.
 * *out is fast or kmalloc'd (the caller frees it); *total the byte count. */
static long iov_import(const struct iovec_k *uiov, unsigned long cnt, struct iovec_k *fast,
                       size_t nfast, struct iovec_k **out, u64 *total)
{
    *out = fast;
    *total = 0;
    if (cnt == 0)
        return 0;
    if (cnt > UIO_MAXIOV)
        return -EINVAL;
    struct iovec_k *v = cnt <= nfast ? fast : kmalloc(cnt * sizeof(*v));
    if (v == NULL)
        return -ENOMEM;
    *out = v;
    if (copy_from_user(v, uiov, cnt * sizeof(*v)) < 0)
        return -EFAULT;
    for (unsigned long i = 0; i < cnt; i++)
        if ((s64)v[i].len < 0)
            return -EINVAL;
    for (unsigned long i = 0; i < cnt; i++) {
        if (!user_range_ok((void *)v[i].base, v[i].len))
            return -EFAULT;
        v[i].len = MIN(v[i].len, MAX_RW - *total);
        *total += v[i].len;
    }
    return 0;
}

/* User memory into pipe p (vmsplice on a write end): waits for room, then
 * copies what fits; a fault ends it (EFAULT if nothing was copied). */
static long user_to_pipe(struct pipe *p, const struct iovec_k *v, unsigned long cnt, bool nonblock)
{
    int r = pipe_lock_room(p, nonblock);
    if (r < 0)
        return r;
    size_t done = 0;
    long err = 0;
    for (unsigned long i = 0; i < cnt && err == 0; i++) {
        for (u64 at = 0; at < v[i].len;) {
            u8 *dst;
            size_t k = MIN(pipe_room_ptr(p, &dst), v[i].len - at);
            if (k == 0) {
                err = 1;               /* full: stop */
                break;
            }
            if (copy_from_user(dst, (const u8 *)v[i].base + at, k) < 0) {
                err = -EFAULT;
                break;
            }
            pipe_commit(p, k);
            done += k;
            at += k;
        }
    }
    pipe_unlock(p);
    return done > 0 || err > 0 ? (long)done : err;
}

/* Pipe p into user memory (vmsplice on a read end): waits for data (0 at
 * EOF), then copies what is there; a fault ends it, the bytes not copied
 * stay in the pipe. */
static long pipe_to_user(struct pipe *p, const struct iovec_k *v, unsigned long cnt, bool nonblock)
{
    int r = pipe_lock_data(p, nonblock);
    if (r != 0)
        return r == 1 ? 0 : r;
    size_t done = 0;
    long err = 0;
    for (unsigned long i = 0; i < cnt && err == 0; i++) {
        for (u64 at = 0; at < v[i].len;) {
            const u8 *src;
            size_t k = MIN(pipe_data_ptr(p, &src), v[i].len - at);
            if (k == 0) {
                err = 1;               /* drained: stop */
                break;
            }
            if (copy_to_user((u8 *)v[i].base + at, src, k) < 0) {
                err = -EFAULT;
                break;
            }
            pipe_consume(p, k);
            done += k;
            at += k;
        }
    }
    pipe_unlock(p);
    return done > 0 || err > 0 ? (long)done : err;
}

// partial: a pipe's capacity counts bytes, not Linux's page-sized buffers (Linux fills a slot per segment and page, so many small segments fill a pipe sooner)
long sys_vmsplice(int fd, const struct iovec_k *uiov, unsigned long cnt, unsigned flags)
{
    struct iovec_k fast[8], *v;
    u64 total;
    if ((flags & ~(unsigned)SPLICE_F_ALL) != 0)
        return -EINVAL;
    struct file *f = fd_get(fd);
    if (f == NULL || (!can_write(f) && !can_read(f)))
        return -EBADF;
    bool wr = can_write(f);            /* a write end: user memory into the pipe */
    long r = iov_import(uiov, cnt, fast, ARRAY_SIZE(fast), &v, &total);
    if (r == 0 && total > 0) {
        struct pipe *p = pipe_of(f);   /* Linux looks only now (after the iovec) */
        bool nonblock = (flags & SPLICE_F_NONBLOCK) != 0;   /* the fd's O_NONBLOCK does not count */
        file_get(f);
        if (p == NULL)
            r = -EBADF;
        else
            r = wr ? user_to_pipe(p, v, cnt, nonblock) : pipe_to_user(p, v, cnt, nonblock);
        file_put(f);
    }
    if (v != fast)
        kfree(v);
    return sigpipe_on_epipe(r);
}

/* ---------------------------------------------------------------- sync_file_range */


#define SYNC_FILE_RANGE_WAIT_BEFORE 1
#define SYNC_FILE_RANGE_WRITE 2
#define SYNC_FILE_RANGE_WAIT_AFTER 4
#define SFR_VALID (SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER)

/* Does a file of this mode have pages to write back (Linux's type check)? */
static bool range_syncable(u32 mode)
{
    u32 t = mode & S_IFMT;
    return t == S_IFREG || t == S_IFBLK || t == S_IFDIR || t == S_IFLNK;
}

long sys_sync_file_range(int fd, s64 off, s64 nbytes, u32 flags)
{
    struct kstat st;
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;                  /* checked first, as Linux 6.x */
    if ((flags & ~(u32)SFR_VALID) != 0)
        return -EINVAL;
    if (off < 0 || nbytes < 0 || (u64)off + (u64)nbytes > 0x7fffffffffffffffUL)
        return -EINVAL;
    int r = node_stat(f->node, &st);
    if (r < 0)
        return r;
    if (!range_syncable(st.mode))
        return -ESPIPE;
    if (flags == 0 || f->node.v != NULL)
        return 0;                       /* nothing asked, or a memory-only file */
    if ((st.mode & S_IFMT) != S_IFREG) {
        fs_sync_all();                  /* a directory's entries: flush the volume */
        return 0;
    }
    return tfs_node_fsync(f->node.id);
}
