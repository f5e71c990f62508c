/*
 * mqueue.c - POSIX message queues: mq_open, mq_unlink, mq_timedsend,
 * mq_timedreceive, mq_notify and mq_getsetattr.
 *
 * Queues are named objects in their own namespace (a list of struct mq;
 * glibc and musl pass the name without its leading slash).  An open queue
 * is a file descriptor whose priv points at the queue; the queue is freed
 * when it is unlinked and its last descriptor is closed.  Messages are kept
 * sorted by priority, highest first, FIFO within one priority.  Senders and
 * receivers sleep interruptibly on the queue's waitq until their absolute
 * CLOCK_REALTIME timeout; poll reports POLLIN while a message is queued and
 * POLLOUT while there is room.  mq_notify registers one SIGEV_SIGNAL or
 * SIGEV_NONE notification, sent (and removed) when a message arrives in an
 * empty queue nobody is waiting on.
 * Invariant: q->cur is the length of q->msgs and at most q->maxmsg.
 */
#include "syscalls/syscalls.h"
#include "syscalls/misc.h"
#include "syscalls/signal_impl.h"
#include "fs/vfs_impl.h"

#define MQ_PRIO_MAX 32768
#define HARD_MSGMAX 65536
#define HARD_MSGSIZEMAX (16 * 1024 * 1024)
#define DFLT_MSGMAX 10
#define DFLT_MSGSIZE 8192
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SI_MESGQ (-3)
#define NAME_MAX 255

struct mq_attr_k {
    s64 flags, maxmsg, msgsize, curmsgs, pad[4];
};

struct ksigevent {
    u64 value;
    s32 signo, notify;
    u8 rest[48];
};

struct mqmsg {
    struct mqmsg *next;
    u32 prio;
    u64 len;
    u8 data[];
};

struct mq {
    struct mq *next;                   /* in mq_list while linked */
    char name[NAME_MAX + 1];
    bool linked;
    int opens;                         /* descriptors (files) open on it */
    u32 mode;
    s64 maxmsg, msgsize, cur;
    u64 bytes;
    struct mqmsg *msgs;
    struct waitq q;
    int receivers;                     /* sleeping in mq_timedreceive */
    bool notify_set;
    struct ksigevent notify;
    u64 ino;
};

static struct mq *mq_list;
static u64 mq_ino = 0x7c000000;

static int mq_stat(struct node n, struct kstat *st)
{
    st->mode = 0100600;
    st->ino = n.id;
    st->dev = VFS_MKDEV(0, 17);
    st->nlink = 1;
    return 0;
}

static const struct node_ops mq_nops = { .stat = mq_stat };
static struct vnode mq_vnode = { .name = "mqueue", .nops = &mq_nops };
static const struct file_ops mq_fops;

static void mq_free_if_unused(struct mq *q)
{
    if (q->linked || q->opens > 0)
        return;
    while (q->msgs != NULL) {
        struct mqmsg *m = q->msgs;
        q->msgs = m->next;
        kfree(m);
    }
    kfree(q);
}

/* The status line Linux reads from an mqueue file. */
static long mq_read(struct file *f, void *buf, size_t n, u64 off)
{
    struct mq *q = f->priv;
    char line[128];
    int len = ksnprintf(line, sizeof(line), "QSIZE:%-10lu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
                        (unsigned long)q->bytes, q->notify_set ? q->notify.notify : 0,
                        q->notify_set && q->notify.notify == SIGEV_SIGNAL ? q->notify.signo : 0,
                        q->notify_set ? PID_SELF : 0);
    if (off >= (u64)len)
        return 0;
    size_t k = MIN(n, (size_t)len - off);
    memcpy(buf, line + off, k);
    return (long)k;
}

static int mq_poll(struct file *f)
{
    struct mq *q = f->priv;
    int ev = 0;
    if (q->cur > 0)
        ev |= POLLIN | POLLRDNORM;
    if (q->cur < q->maxmsg)
        ev |= POLLOUT | POLLWRNORM;
    return ev;
}

static void mq_release(struct file *f)
{
    struct mq *q = f->priv;
    q->opens--;
    mq_free_if_unused(q);
}

static const struct file_ops mq_fops = {
    .read = mq_read,
    .poll = mq_poll,
    .release = mq_release,
};

/* Copy the user's queue name: 0, -EFAULT, -ENAMETOOLONG, -ENOENT, -EACCES. */
static int mq_name(const char *uname, char *name)
{
    long r = strncpy_from_user(name, uname, NAME_MAX + 1);
    if (r < 0)
        return (int)r;
    if (r == 0)
        return -ENOENT;
    if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return -EACCES;
    return 0;
}

static struct mq *mq_find(const char *name)
{
    for (struct mq *q = mq_list; q != NULL; q = q->next)
        if (strcmp(q->name, name) == 0)
            return q;
    return NULL;
}

/* Create queue name with attributes *ap (NULL: the defaults). */
static int mq_create(const char *name, u32 mode, const struct mq_attr_k *ap, struct mq **out)
{
    struct mq_attr_k a = { .maxmsg = DFLT_MSGMAX, .msgsize = DFLT_MSGSIZE };
    if (ap != NULL) {
        a = *ap;
        if (a.maxmsg <= 0 || a.msgsize <= 0 || a.maxmsg > HARD_MSGMAX ||
            a.msgsize > HARD_MSGSIZEMAX)
            return -EINVAL;
    }
    struct mq *q = kzalloc(sizeof(*q));
    if (q == NULL)
        return -ENOMEM;
    memcpy(q->name, name, strlen(name) + 1);
    q->linked = true;
    q->mode = mode & 0777;
    q->maxmsg = a.maxmsg;
    q->msgsize = a.msgsize;
    q->ino = mq_ino++;
    waitq_init(&q->q);
    q->next = mq_list;
    mq_list = q;
    *out = q;
    return 0;
}

long sys_mq_open(const char *uname, int oflag, u32 mode, const struct mq_attr_k *uattr)
{
    char name[NAME_MAX + 2];
    struct mq_attr_k attr;
    if (uattr != NULL && copy_from_user(&attr, uattr, sizeof(attr)) < 0)
        return -EFAULT;                /* read even without O_CREAT, as Linux does */
    int r = mq_name(uname, name);
    if (r < 0)
        return r;
    if ((oflag & O_ACCMODE) == O_ACCMODE)
        return -EINVAL;
    struct mq *q = mq_find(name);
    if (q != NULL && (oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
        return -EEXIST;
    if (q == NULL) {
        if ((oflag & O_CREAT) == 0)
            return -ENOENT;
        r = mq_create(name, mode, uattr != NULL ? &attr : NULL, &q);
        if (r < 0)
            return r;
    }
    struct file *f = file_alloc();
    if (f == NULL) {
        mq_free_if_unused(q);
        return -ENOMEM;
    }
    f->ops = &mq_fops;
    f->priv = q;
    f->node = (struct node){ &mq_vnode, q->ino };
    f->flags = oflag & (O_ACCMODE | O_NONBLOCK);
    q->opens++;
    int fd = fd_install(f, 0, (oflag & O_CLOEXEC) != 0);
    if (fd < 0)
        file_put(f);
    return fd;
}

long sys_mq_unlink(const char *uname)
{
    char name[NAME_MAX + 2];
    int r = mq_name(uname, name);
    if (r < 0)
        return r;
    struct mq **pp = &mq_list;
    while (*pp != NULL && strcmp((*pp)->name, name) != 0)
        pp = &(*pp)->next;
    if (*pp == NULL)
        return -ENOENT;
    struct mq *q = *pp;
    *pp = q->next;
    q->linked = false;
    mq_free_if_unused(q);
    return 0;
}

/* The queue open at fd, or NULL (-EBADF: not open or not a queue). */
static struct file *mq_file(int fd)
{
    struct file *f = fd_file(fd);
    return f != NULL && f->ops == &mq_fops ? f : NULL;
}

struct ktimespec {
    s64 sec, nsec;
};

/* Read an absolute CLOCK_REALTIME timeout into a now_ns deadline (0: none). */
static int mq_deadline(const struct ktimespec *uts, u64 *deadline)
{
    struct ktimespec ts;
    *deadline = 0;
    if (uts == NULL)
        return 0;
    if (copy_from_user(&ts, uts, sizeof(ts)) < 0)
        return -EFAULT;
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
        return -EINVAL;
    u64 abs = (u64)ts.sec * 1000000000UL + (u64)ts.nsec;
    *deadline = realtime_to_now(abs);
    if (*deadline == 0)
        *deadline = 1;
    return 0;
}

/* Sleep on q until deadline: 0, -ETIMEDOUT or -EINTR. */
static int mq_sleep(struct mq *q, u64 deadline)
{
    if (deadline != 0 && now_ns() >= deadline)
        return -ETIMEDOUT;
    return waitq_wait_intr(&q->q, deadline);
}

static void mq_notify_fire(struct mq *q)
{
    if (!q->notify_set || q->receivers > 0)
        return;
    q->notify_set = false;
    if (q->notify.notify != SIGEV_SIGNAL)
        return;
    struct ksiginfo si = { .signo = q->notify.signo, .code = SI_MESGQ };
    si.u.kill.pid = PID_SELF;
    si.u.kill.uid = process_ruid();
    si.u.kill.value = q->notify.value;
    (void)signal_send_process(&si);
}

long sys_mq_timedsend(int fd, const void *ubuf, u64 len, u32 prio, const struct ktimespec *uts)
{
    u64 deadline;
    if (prio >= MQ_PRIO_MAX)
        return -EINVAL;
    int r = mq_deadline(uts, &deadline);
    if (r < 0)
        return r;
    struct file *f = mq_file(fd);
    if (f == NULL || (f->flags & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    struct mq *q = f->priv;
    if ((s64)len > q->msgsize)
        return -EMSGSIZE;
    struct mqmsg *m = kmalloc(sizeof(*m) + len);
    if (m == NULL)
        return -ENOMEM;
    if (len > 0 && copy_from_user(m->data, ubuf, len) < 0) {
        kfree(m);
        return -EFAULT;
    }
    m->prio = prio;
    m->len = len;
    file_get(f);
    while (q->cur >= q->maxmsg) {
        r = (f->flags & O_NONBLOCK) != 0 ? -EAGAIN : mq_sleep(q, deadline);
        if (r < 0) {
            kfree(m);
            file_put(f);
            return r;
        }
    }
    struct mqmsg **pp = &q->msgs;
    while (*pp != NULL && (*pp)->prio >= prio)
        pp = &(*pp)->next;
    m->next = *pp;
    *pp = m;
    if (q->cur == 0)
        mq_notify_fire(q);
    q->cur++;
    q->bytes += len;
    waitq_wake(&q->q, 1 << 30);
    vfs_poll_wake();
    file_put(f);
    return 0;
}

long sys_mq_timedreceive(int fd, void *ubuf, u64 len, u32 *uprio, const struct ktimespec *uts)
{
    u64 deadline;
    int r = mq_deadline(uts, &deadline);
    if (r < 0)
        return r;
    struct file *f = mq_file(fd);
    if (f == NULL || (f->flags & O_ACCMODE) == O_WRONLY)
        return -EBADF;
    struct mq *q = f->priv;
    if ((s64)len < q->msgsize)
        return -EMSGSIZE;
    file_get(f);
    while (q->cur == 0) {
        if ((f->flags & O_NONBLOCK) != 0) {
            r = -EAGAIN;
        } else {
            q->receivers++;
            r = mq_sleep(q, deadline);
            q->receivers--;
        }
        if (r < 0) {
            file_put(f);
            return r;
        }
    }
    struct mqmsg *m = q->msgs;
    q->msgs = m->next;
    q->cur--;
    q->bytes -= m->len;
    waitq_wake(&q->q, 1 << 30);
    vfs_poll_wake();
    long out = (long)m->len;
    if (copy_to_user(ubuf, m->data, m->len) < 0 ||
        (uprio != NULL && copy_to_user(uprio, &m->prio, sizeof(m->prio)) < 0))
        out = -EFAULT;
    kfree(m);
    file_put(f);
    return out;
}

/* partial: SIGEV_THREAD needs a netlink socket, which solo does not have (EBADF / ENOTSOCK / EINVAL as for a non-netlink fd) */
long sys_mq_notify(int fd, const struct ksigevent *usev)
{
    struct ksigevent ev;
    if (usev != NULL) {
        if (copy_from_user(&ev, usev, sizeof(ev)) < 0)
            return -EFAULT;
        if (ev.notify != SIGEV_NONE && ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_THREAD)
            return -EINVAL;
        if (ev.notify == SIGEV_SIGNAL && (u32)ev.signo > NSIG)
            return -EINVAL;
        if (ev.notify == SIGEV_THREAD) {
            u8 cookie[32];
            if (copy_from_user(cookie, (const void *)ev.value, sizeof(cookie)) < 0)
                return -EFAULT;
            struct file *s = fd_file(ev.signo);
            if (s == NULL)
                return -EBADF;
            struct kstat st;
            if (node_stat(s->node, &st) < 0 || (st.mode & 0170000) != 0140000)
                return -ENOTSOCK;
            return -EINVAL;            /* a socket, but not AF_NETLINK */
        }
    }
    struct file *f = mq_file(fd);
    if (f == NULL)
        return -EBADF;
    struct mq *q = f->priv;
    if (usev == NULL) {
        q->notify_set = false;
        return 0;
    }
    if (q->notify_set)
        return -EBUSY;
    q->notify = ev;
    q->notify_set = true;
    return 0;
}

long sys_mq_getsetattr(int fd, const struct mq_attr_k *unew, struct mq_attr_k *uold)
{
    struct mq_attr_k na;
    if (unew != NULL) {
        if (copy_from_user(&na, unew, sizeof(na)) < 0)
            return -EFAULT;
        if ((na.flags & ~(s64)O_NONBLOCK) != 0)
            return -EINVAL;
    }
    struct file *f = mq_file(fd);
    if (f == NULL)
        return -EBADF;
    struct mq *q = f->priv;
    if (uold != NULL) {
        struct mq_attr_k oa = {
            .flags = f->flags & O_NONBLOCK, .maxmsg = q->maxmsg, .msgsize = q->msgsize,
            .curmsgs = q->cur,
        };
        if (copy_to_user(uold, &oa, sizeof(oa)) < 0)
            return -EFAULT;
    }
    if (unew != NULL)
        f->flags = (f->flags & ~O_NONBLOCK) | (int)(na.flags & O_NONBLOCK);
    return 0;
}
