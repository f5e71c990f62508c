/*
 * pipe.c - pipes: a 64 KiB ring shared by a read end and a write end, and
 * the readiness hooks poll/select use.
 *
 * Readers block while the pipe is empty and a writer exists (EOF once every
 * write end is closed); writers block while it is full and a reader exists
 * (EPIPE once every read end is closed; the syscall edge raises SIGPIPE).  O_NONBLOCK
 * turns blocking into EAGAIN.  Every state change wakes the pipe's own queues
 * and vfs_pollq, on which poll/select sleep.  Blocking happens only in
 * waitq_wait, so the kernel stays lock-free: state is rechecked after every
 * wake-up.
 *
 * splice, tee and vmsplice (syscalls/splice.c) work on the ring directly
 * through the helpers at the end (fs/pipe.h).  A splice whose other side may
 * block (a socket) marks the pipe busy for its whole transfer, like Linux's
 * pipe mutex: plain reads, writes, resizes and other splices wait until it
 * is released, so the bytes it is moving cannot be consumed or overwritten
 * under it, and data moves exactly once.
 */
#include "fs/pipe.h"
#include "syscalls/syscalls.h"

#define PIPE_DEFAULT (64 * 1024)
#define PIPE_MAX (16UL << 20)          /* largest F_SETPIPE_SZ (root may exceed pipe-max-size) */

struct pipe {
    u8 *buf;
    size_t size;                       /* ring capacity (a power of two) */
    size_t head, len;                  /* ring: len bytes from head */
    int readers, writers;
    struct waitq rq, wq;               /* readers wait for data, writers for room */
    u64 ino;
    bool busy;                         /* held by a splice (pipe_lock_data/room) */
    /* a named FIFO's pipe (fifo_open): its key, and the opens of each end
     * so far (a blocked open waits for the other end's count to move) */
    bool fifo;
    u64 key;
    u64 rcount, wcount;
    struct pipe *fifo_next;            /* list of open FIFOs */
};

static struct pipe *fifos;             /* FIFOs open now */

struct waitq vfs_pollq;
static struct vnode pipe_vnode = { .name = "pipe", .kind = VN_PIPE, .mode = S_IFIFO | 0600 };
static u64 pipe_ino = 0x60000000;

/* Something's readiness changed: wake poll/select sleepers. */
void vfs_poll_wake(void)
{
    vfs_poll_seq++;                    /* the poll worker's "something changed" (fs/pollwork.c) */
    waitq_wake(&vfs_pollq, 1 << 30);
}

static void pipe_changed(struct pipe *p)
{
    waitq_wake(&p->rq, 1 << 30);
    waitq_wake(&p->wq, 1 << 30);
    vfs_poll_wake();
}

static long pipe_read(struct file *f, void *buf, size_t n, u64 off)
{
    struct pipe *p = f->priv;
    while (p->busy || p->len == 0) {
        if (p->busy) {
            if (waitq_wait_intr(&p->rq, 0) == -EINTR)
                return -EINTR;
            continue;
        }
        if (p->writers == 0 || n == 0)
            return 0;
        if ((f->flags & O_NONBLOCK) != 0)
            return -EAGAIN;
        if (waitq_wait_intr(&p->rq, 0) == -EINTR)
            return -EINTR;             /* restarted after an SA_RESTART handler */
    }
    size_t k = MIN(n, p->len);
    for (size_t i = 0; i < k; i++)
        ((u8 *)buf)[i] = p->buf[(p->head + i) % p->size];
    p->head = (p->head + k) % p->size;
    p->len -= k;
    pipe_changed(p);
    return (long)k;
}

static long pipe_write(struct file *f, const void *buf, size_t n, u64 off)
{
    struct pipe *p = f->priv;
    size_t done = 0;
    while (done < n) {
        if (p->busy) {
            if (waitq_wait_intr(&p->wq, 0) == -EINTR)
                return done > 0 ? (long)done : -EINTR;
            continue;
        }
        if (p->readers == 0)
            return done > 0 ? (long)done : -EPIPE;
        size_t room = p->size - p->len;
        if (room == 0) {
            if ((f->flags & O_NONBLOCK) != 0)
                return done > 0 ? (long)done : -EAGAIN;
            if (waitq_wait_intr(&p->wq, 0) == -EINTR)
                return done > 0 ? (long)done : -EINTR;
            continue;
        }
        size_t k = MIN(room, n - done);
        for (size_t i = 0; i < k; i++)
            p->buf[(p->head + p->len + i) % p->size] = ((const u8 *)buf)[done + i];
        p->len += k;
        done += k;
        pipe_changed(p);
    }
    return (long)done;
}

/* A FIFO's read end hangs up only once a writer came after it opened
 * (priv_len keeps the writer count seen at open), as Linux. */
static int pipe_poll(struct file *f)
{
    struct pipe *p = f->priv;
    int acc = f->flags & O_ACCMODE, m = 0;
    if (acc != O_WRONLY) {
        m |= p->len > 0 ? POLLIN | POLLRDNORM : 0;
        if (p->writers == 0 && (!p->fifo || f->priv_len != p->wcount))
            m |= POLLHUP;
    }
    if (acc != O_RDONLY) {
        m |= p->size - p->len > 0 ? POLLOUT | POLLWRNORM : 0;
        m |= p->readers == 0 ? POLLERR : 0;
    }
    return m;
}

static long pipe_ioctl(struct file *f, unsigned cmd, u64 arg)
{
    struct pipe *p = f->priv;
    int n = (int)p->len;
    if (cmd != 0x541b)                 /* FIONREAD */
        return -ENOTTY;
    return copy_to_user((void *)arg, &n, sizeof(n));
}

/* Free p once neither end is open (a FIFO also leaves the list: its data
 * goes, as Linux's). */
static void pipe_free_unused(struct pipe *p)
{
    if (p->readers != 0 || p->writers != 0)
        return;
    if (p->fifo) {
        struct pipe **pp = &fifos;
        while (*pp != NULL && *pp != p)
            pp = &(*pp)->fifo_next;
        if (*pp == p)
            *pp = p->fifo_next;
    }
    kfree(p->buf);
    kfree(p);
}

static void pipe_release(struct file *f)
{
    struct pipe *p = f->priv;
    int acc = f->flags & O_ACCMODE;
    if (acc != O_WRONLY)
        p->readers--;
    if (acc != O_RDONLY)
        p->writers--;
    pipe_changed(p);
    pipe_free_unused(p);
}

static const struct file_ops pipe_fops;

/* F_GETPIPE_SZ: capacity of the pipe behind f, or -EBADF. */
long pipe_get_size(struct file *f)
{
    if (f->ops != &pipe_fops)
        return -EBADF;
    return (long)((struct pipe *)f->priv)->size;
}

/* Resize p's ring to n bytes rounded up to a power of two (at least a page). */
static long pipe_resize(struct pipe *p, u64 n)
{
    size_t size = PAGE_SIZE;
    while (size < n)
        size *= 2;
    if (size < p->len)
        return -EBUSY;
    u8 *nb = kmalloc(size);
    if (nb == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < p->len; i++)
        nb[i] = p->buf[(p->head + i) % p->size];
    kfree(p->buf);
    p->buf = nb;
    p->head = 0;
    p->size = size;
    pipe_changed(p);
    return (long)size;
}

/* F_SETPIPE_SZ: resize to n rounded up to a power of two (at least a page),
 * once no splice holds the pipe.  New size, -EBUSY if the data would not
 * fit, -EPERM/-ENOMEM, -EBADF, -EINTR. */
long pipe_set_size(struct file *f, u64 n)
{
    if (f->ops != &pipe_fops)
        return -EBADF;
    if (n > PIPE_MAX)
        return -EPERM;
    struct pipe *p = f->priv;
    long r = 0;
    file_get(f);                       /* a close while waiting must not free p */
    while (p->busy && r == 0)
        r = waitq_wait_intr(&p->wq, 0);
    if (r == 0)
        r = pipe_resize(p, n);
    file_put(f);
    return r;
}

static const struct file_ops pipe_fops = {
    .read = pipe_read,
    .write = pipe_write,
    .ioctl = pipe_ioctl,
    .poll = pipe_poll,
    .release = pipe_release,
};

static int pipe_stat(struct node n, struct kstat *st)
{
    st->mode = S_IFIFO | 0600;
    st->ino = n.id;
    st->dev = VFS_MKDEV(0, 13);
    st->nlink = 1;
    st->blksize = 4096;
    return 0;
}

static long pipe_readlink(struct node n, char *buf, size_t cap)
{
    char t[32];
    int len = ksnprintf(t, sizeof(t), "pipe:[%lu]", n.id);
    size_t k = MIN((size_t)len, cap);
    memcpy(buf, t, k);
    return (long)k;
}

static const struct node_ops pipe_nops = {
    .stat = pipe_stat,
    .readlink = pipe_readlink,
};

/* Make a pipe: two files (read end, write end) with flags O_NONBLOCK/O_DIRECT. */
int pipe_create(int flags, struct file **rd, struct file **wr)
{
    struct pipe *p = kzalloc(sizeof(*p));
    struct file *r = file_alloc(), *w = file_alloc();
    u8 *buf = kmalloc(PIPE_DEFAULT);
    if (p == NULL || r == NULL || w == NULL || buf == NULL) {
        kfree(p);
        kfree(r);
        kfree(w);
        kfree(buf);
        return -ENFILE;
    }
    pipe_vnode.nops = &pipe_nops;
    p->buf = buf;
    p->size = PIPE_DEFAULT;
    p->readers = p->writers = 1;
    p->ino = pipe_ino++;
    waitq_init(&p->rq);
    waitq_init(&p->wq);
    r->ops = w->ops = &pipe_fops;
    r->priv = w->priv = p;
    r->node = w->node = (struct node){ &pipe_vnode, p->ino };
    r->flags = O_RDONLY | (flags & (O_NONBLOCK | O_DIRECT));
    w->flags = O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT));
    *rd = r;
    *wr = w;
    return 0;
}

/* ---------------------------------------------------------------- named FIFOs */

/* The pipe of the FIFO key, made when no one has it open. */
static struct pipe *fifo_get(u64 key)
{
    for (struct pipe *p = fifos; p != NULL; p = p->fifo_next)
        if (p->key == key)
            return p;
    struct pipe *p = kzalloc(sizeof(*p));
    u8 *buf = kmalloc(PIPE_DEFAULT);
    if (p == NULL || buf == NULL) {
        kfree(p);
        kfree(buf);
        return NULL;
    }
    p->buf = buf;
    p->size = PIPE_DEFAULT;
    p->ino = pipe_ino++;
    p->fifo = true;
    p->key = key;
    waitq_init(&p->rq);
    waitq_init(&p->wq);
    p->fifo_next = fifos;
    fifos = p;
    return p;
}

/* Wait on q until *count moves from seen or *open becomes nonzero: 0 or -EINTR. */
static int fifo_wait(struct waitq *q, const u64 *count, u64 seen, const int *open)
{
    while (*open == 0 && *count == seen)
        if (waitq_wait_intr(q, 0) == -EINTR)
            return -EINTR;
    return 0;
}

int fifo_open(u64 key, struct file *f)
{
    int acc = f->flags & O_ACCMODE, r = 0;
    bool nb = (f->flags & O_NONBLOCK) != 0;
    if (acc == 3)
        return -EINVAL;
    struct pipe *p = fifo_get(key);
    if (p == NULL)
        return -ENOMEM;
    if (acc == O_WRONLY && nb && p->readers == 0) {
        pipe_free_unused(p);
        return -ENXIO;
    }
    if (acc != O_WRONLY) {
        p->readers++;
        p->rcount++;
    }
    if (acc != O_RDONLY) {
        p->writers++;
        p->wcount++;
    }
    f->ops = &pipe_fops;
    f->priv = p;
    f->priv_len = (size_t)p->wcount;
    pipe_changed(p);
    /* O_RDWR never blocks; a blocking reader waits for a writer, a writer
     * for a reader (a peer that came and went also ends the wait) */
    if (acc == O_RDONLY && !nb)
        r = fifo_wait(&p->rq, &p->wcount, p->wcount, &p->writers);
    else if (acc == O_WRONLY)
        r = fifo_wait(&p->wq, &p->rcount, p->rcount, &p->readers);
    if (r < 0) {
        if (acc == O_RDONLY)
            p->readers--;
        else
            p->writers--;
        pipe_changed(p);
        pipe_free_unused(p);
        f->ops = NULL;
        f->priv = NULL;
    }
    return r;
}

/* ---------------------------------------------------------------- splice support */

struct pipe *pipe_of(struct file *f)
{
    return f != NULL && f->ops == &pipe_fops ? f->priv : NULL;
}

int pipe_lock_data(struct pipe *p, bool nonblock)
{
    for (;;) {
        if (!p->busy && p->len > 0) {
            p->busy = true;
            return 0;
        }
        if (!p->busy && p->writers == 0)
            return 1;
        if (!p->busy && nonblock)
            return -EAGAIN;
        if (waitq_wait_intr(&p->rq, 0) == -EINTR)
            return -EINTR;
    }
}

int pipe_lock_room(struct pipe *p, bool nonblock)
{
    for (;;) {
        if (p->readers == 0)
            return -EPIPE;
        if (!p->busy && p->len < p->size) {
            p->busy = true;
            return 0;
        }
        if (!p->busy && nonblock)
            return -EAGAIN;
        if (waitq_wait_intr(&p->wq, 0) == -EINTR)
            return -EINTR;
    }
}

void pipe_unlock(struct pipe *p)
{
    p->busy = false;
    pipe_changed(p);
}

size_t pipe_data_ptr(struct pipe *p, const u8 **ptr)
{
    *ptr = p->buf + p->head;
    return MIN(p->len, p->size - p->head);
}

void pipe_consume(struct pipe *p, size_t n)
{
    p->head = (p->head + n) % p->size;
    p->len -= n;
    pipe_changed(p);
}

size_t pipe_room_ptr(struct pipe *p, u8 **ptr)
{
    size_t tail = (p->head + p->len) % p->size;
    *ptr = p->buf + tail;
    if (p->len == p->size)
        return 0;
    return tail >= p->head ? p->size - tail : p->head - tail;
}

void pipe_commit(struct pipe *p, size_t n)
{
    p->len += n;
    pipe_changed(p);
}

/*
 * Pipe to pipe, in Linux's order: wait for data in `in` (EOF passes), then
 * for room in `out`; then EPIPE if `out` lost its readers, 0 at EOF, and
 * otherwise the bytes (at most n, what `in` holds and what fits) are copied
 * at once, nothing blocking in between.  If the state changed during the
 * waits, the whole check starts again.
 */
long pipe_splice_pipe(struct pipe *in, struct pipe *out, size_t n, bool nonblock, bool consume)
{
    for (;;) {
        while (in->busy || (in->len == 0 && in->writers > 0)) {
            if (!in->busy && nonblock)
                return -EAGAIN;
            if (waitq_wait_intr(&in->rq, 0) == -EINTR)
                return -EINTR;
        }
        while (out->busy || out->len == out->size) {
            if (out->readers == 0)
                return -EPIPE;
            if (!out->busy && nonblock)
                return -EAGAIN;
            if (waitq_wait_intr(&out->wq, 0) == -EINTR)
                return -EINTR;
        }
        if (out->readers == 0)
            return -EPIPE;
        if (in->busy || in->len == 0) {
            if (!in->busy && in->writers == 0)
                return 0;
            if (nonblock)
                return -EAGAIN;
            continue;                  /* drained while we waited for room */
        }
        size_t k = MIN(n, MIN(in->len, out->size - out->len));
        for (size_t i = 0; i < k; i++)
            out->buf[(out->head + out->len + i) % out->size] = in->buf[(in->head + i) % in->size];
        out->len += k;
        if (consume) {
            in->head = (in->head + k) % in->size;
            in->len -= k;
        }
        pipe_changed(in);
        pipe_changed(out);
        return (long)k;
    }
}
