/*
 * epoll.c - epoll instances and eventfd counters, built on the same
 * readiness model as poll/select: a file's poll method (always ready without
 * one) and the vfs_pollq wait queue that every state change wakes.
 *
 * An epoll instance keeps its interest list as (fd, file, events, data)
 * items.  An item whose fd no longer holds that file was closed and is
 * dropped on the next scan, which is how Linux forgets closed files.
 * Level-triggered items report whenever ready; EPOLLET items report when
 * a bit of their ready set rises (with all the bits then ready, as Linux); EPOLLONESHOT items are disabled after one report
 * until EPOLL_CTL_MOD re-arms them.
 */
#include "fs/vfs_impl.h"
#include "syscalls/syscalls.h"

#define EPOLLET (1U << 31)
#define EPOLLONESHOT (1U << 30)
#define EPOLLWAKEUP (1U << 29)
#define EPOLLEXCLUSIVE (1U << 28)

struct epitem {
    struct epitem *next;
    int fd;
    struct file *f;                    /* not a reference: compared with fd_file(fd) */
    u32 events;
    u64 data;
    u32 last;                          /* EPOLLET: ready set last reported */
    bool disabled;                     /* EPOLLONESHOT fired */
};

struct epoll {
    struct epitem *items;
};

static u64 anon_ino = 0x70000000;  /* next anonymous inode number */

static int anon_stat(struct node n, struct kstat *st)
{
    st->mode = 0600;
    st->ino = n.id;
    st->dev = VFS_MKDEV(0, 14);
    st->nlink = 1;
    return 0;
}

static long anon_readlink(struct node n, char *buf, size_t cap)
{
    const char *t = n.v->name;
    size_t k = MIN(strlen(t), cap);
    memcpy(buf, t, k);
    return (long)k;
}

const struct node_ops anon_inode_nops = { .stat = anon_stat, .readlink = anon_readlink };

u64 anon_inode_next(void)
{
    return anon_ino++;
}
static struct vnode epoll_vnode = { .name = "anon_inode:[eventpoll]", .nops = &anon_inode_nops };
static struct vnode eventfd_vnode = { .name = "anon_inode:[eventfd]", .nops = &anon_inode_nops };

bool file_is_epoll(struct file *f)
{
    return f->node.v == &epoll_vnode;
}

/* Ready set of item it now (0 if its fd was closed). */
static u32 item_ready(struct epitem *it)
{
    struct file *f = fd_file(it->fd);
    if (f != it->f)
        return 0;
    u32 m = (f->ops != NULL && f->ops->poll != NULL) ? (u32)f->ops->poll(f) : DEFAULT_POLLMASK;
    return m & (it->events | POLLERR | POLLHUP);
}

/* Drop items whose fd no longer holds their file. */
static void prune(struct epoll *ep)
{
    struct epitem **pp = &ep->items;
    while (*pp != NULL) {
        struct epitem *it = *pp;
        if (fd_file(it->fd) != it->f) {
            *pp = it->next;
            kfree(it);
        } else {
            pp = &it->next;
        }
    }
}

static struct epitem *find(struct epoll *ep, int fd, struct file *f)
{
    prune(ep);
    for (struct epitem *it = ep->items; it != NULL; it = it->next)
        if (it->fd == fd && it->f == f)
            return it;
    return NULL;
}

static int epoll_poll(struct file *f)
{
    struct epoll *ep = f->priv;
    for (struct epitem *it = ep->items; it != NULL; it = it->next)
        if (!it->disabled && item_ready(it) != 0)
            return POLLIN | POLLRDNORM;
    return 0;
}

static void epoll_release(struct file *f)
{
    struct epoll *ep = f->priv;
    while (ep->items != NULL) {
        struct epitem *it = ep->items;
        ep->items = it->next;
        kfree(it);
    }
    kfree(ep);
}

static const struct file_ops epoll_fops = {
    .poll = epoll_poll,
    .release = epoll_release,
};

int epoll_create_file(struct file **out)
{
    struct file *f = file_alloc();
    struct epoll *ep = kzalloc(sizeof(*ep));
    if (f == NULL || ep == NULL) {
        kfree(f);
        kfree(ep);
        return -ENOMEM;
    }
    f->ops = &epoll_fops;
    f->priv = ep;
    f->flags = O_RDWR;
    f->node = (struct node){ &epoll_vnode, anon_inode_next() };
    *out = f;
    return 0;
}

/* EPOLL_CTL_ADD (1), DEL (2), MOD (3) of fd (file tf) with events/data. */
int epoll_control(struct file *epf, int op, int fd, struct file *tf, u32 events, u64 data)
{
    struct epoll *ep = epf->priv;
    struct epitem *it = find(ep, fd, tf);
    if (op == 1) {
        if (it != NULL)
            return -EEXIST;
        it = kzalloc(sizeof(*it));
        if (it == NULL)
            return -ENOMEM;
        it->fd = fd;
        it->f = tf;
        it->next = ep->items;
        ep->items = it;
    } else if (it == NULL) {
        return -ENOENT;
    } else if (op == 2) {
        struct epitem **pp = &ep->items;
        while (*pp != it)
            pp = &(*pp)->next;
        *pp = it->next;
        kfree(it);
        return 0;
    }
    it->events = events & ~(EPOLLWAKEUP | EPOLLEXCLUSIVE);
    it->data = data;
    it->last = 0;
    it->disabled = false;
    vfs_poll_wake();
    return 0;
}

/* Collect up to max ready events into out (kernel array).  Count. */
int epoll_collect(struct file *epf, struct epoll_event_k *out, int max)
{
    struct epoll *ep = epf->priv;
    int n = 0;
    prune(ep);
    for (struct epitem *it = ep->items; it != NULL && n < max; it = it->next) {
        if (it->disabled)
            continue;
        u32 m = item_ready(it);
        if ((it->events & EPOLLET) != 0) {
            /* An edge (a bit that rose) reports every ready bit, as Linux does. */
            u32 fresh = m & ~it->last;
            it->last = m;
            if (fresh == 0)
                continue;
        }
        if (m == 0)
            continue;
        out[n].events = m;
        out[n].data = it->data;
        n++;
        if ((it->events & EPOLLONESHOT) != 0)
            it->disabled = true;
    }
    return n;
}

/* ---------------------------------------------------------------- eventfd */

#define EFD_SEMAPHORE 1
#define EVENTFD_MAX 0xfffffffffffffffeUL

struct eventfd {
    u64 count;
    bool semaphore;
    struct waitq q;
};

static long efd_read(struct file *f, void *buf, size_t n, u64 off)
{
    struct eventfd *e = f->priv;
    if (n < 8)
        return -EINVAL;
    while (e->count == 0) {
        if ((f->flags & O_NONBLOCK) != 0)
            return -EAGAIN;
        if (waitq_wait_intr(&e->q, 0) == -EINTR)
            return -EINTR;
    }
    u64 v = e->semaphore ? 1 : e->count;
    e->count -= v;
    memcpy(buf, &v, 8);
    waitq_wake(&e->q, 1 << 30);
    vfs_poll_wake();
    return 8;
}

static long efd_write(struct file *f, const void *buf, size_t n, u64 off)
{
    struct eventfd *e = f->priv;
    u64 v;
    if (n < 8)
        return -EINVAL;
    memcpy(&v, buf, 8);
    if (v == ~0UL)
        return -EINVAL;
    while (EVENTFD_MAX - e->count < v) {
        if ((f->flags & O_NONBLOCK) != 0)
            return -EAGAIN;
        if (waitq_wait_intr(&e->q, 0) == -EINTR)
            return -EINTR;
    }
    e->count += v;
    waitq_wake(&e->q, 1 << 30);
    vfs_poll_wake();
    return 8;
}

static int efd_poll(struct file *f)
{
    struct eventfd *e = f->priv;
    int m = e->count > 0 ? POLLIN : 0;      /* no RDNORM/WRNORM twins, as Linux */
    if (e->count < EVENTFD_MAX)
        m |= POLLOUT;
    return m;
}

static void efd_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops eventfd_fops = {
    .read = efd_read,
    .write = efd_write,
    .poll = efd_poll,
    .release = efd_release,
};

bool file_is_eventfd(struct file *f)
{
    return f->ops == &eventfd_fops;
}

/* Add 1 to the counter (it saturates at 2^64-1 instead of blocking, as
 * Linux's in-kernel eventfd_signal) and wake readers and pollers. */
void eventfd_signal_file(struct file *f)
{
    struct eventfd *e = f->priv;
    if (e->count < ~0UL)
        e->count++;
    waitq_wake(&e->q, 1 << 30);
    vfs_poll_wake();
}

int eventfd_create_file(u64 initval, int flags, struct file **out)
{
    struct file *f = file_alloc();
    struct eventfd *e = kzalloc(sizeof(*e));
    if (f == NULL || e == NULL) {
        kfree(f);
        kfree(e);
        return -ENOMEM;
    }
    e->count = initval;
    e->semaphore = (flags & EFD_SEMAPHORE) != 0;
    waitq_init(&e->q);
    f->ops = &eventfd_fops;
    f->priv = e;
    f->flags = O_RDWR | (flags & O_NONBLOCK);
    f->node = (struct node){ &eventfd_vnode, anon_inode_next() };
    *out = f;
    return 0;
}
