/*
 * socket.c - the socket file type and what every address family shares:
 * creation by family, the file methods (read/write/poll/ioctl/release map
 * onto the family's sock_ops), SOL_SOCKET options, and blocking.
 *
 * A socket is a struct file whose priv is a struct sock (the first member of
 * the family's own state: struct isock in inet.c, struct usock in unix.c) and
 * whose node is an anonymous VN_SOCK vnode, so fstat reports S_IFSOCK and
 * /proc/self/fd shows "socket:[ino]".
 *
 * Blocking: a call that cannot proceed sleeps on its socket's wait queue
 * (interruptibly, up to SO_RCVTIMEO/SO_SNDTIMEO) and rechecks after every
 * wake-up; whoever changes a socket's state (lwIP callbacks, the peer of an
 * AF_UNIX socket) calls sock_wake, which also wakes poll/select/epoll.
 */
#include "net.h"
#include "fs/vfs_impl.h"
#include "syscalls/syscalls.h"
#include "runtime/sched/signal.h"

/* SOL_SOCKET option names (asm-generic/socket.h) */
#define SO_DEBUG 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_DONTROUTE 5
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_OOBINLINE 10
#define SO_NO_CHECK 11
#define SO_PRIORITY 12
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define SO_PASSCRED 16
#define SO_PEERCRED 17
#define SO_RCVLOWAT 18
#define SO_SNDLOWAT 19
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_ACCEPTCONN 30
#define SO_SNDBUFFORCE 32
#define SO_RCVBUFFORCE 33
#define SO_TIMESTAMP_OLD 29
#define SO_TIMESTAMPNS_OLD 35
#define SO_PROTOCOL 38
#define SO_TIMESTAMP_NEW 63
#define SO_TIMESTAMPNS_NEW 64
#define SO_DOMAIN 39

#define SOCK_BUF_DEFAULT 212992        /* net.core.[rw]mem_default */
#define SOCK_BUF_MIN 4608
#define SOCK_BUF_MAX (4 * 1024 * 1024)
#define SIOCINQ 0x541b                 /* FIONREAD */
#define SIOCOUTQ 0x5411                /* TIOCOUTQ */
#define IFREQ_SIZE 40                  /* struct ifreq */

static const struct file_ops sock_fops;
static u64 sock_ino = 0x50000000;

/* fstat of a socket: S_IFSOCK, its own inode number. */
static int sock_node_stat(struct node n, struct kstat *st)
{
    st->mode = S_IFSOCK | 0777;
    st->ino = n.id;
    st->dev = VFS_MKDEV(0, 8);
    st->nlink = 1;
    st->blksize = 4096;
    return 0;
}

/* /proc/self/fd/N of a socket reads "socket:[ino]". */
static long sock_node_readlink(struct node n, char *buf, size_t cap)
{
    char t[32];
    int len = ksnprintf(t, sizeof(t), "socket:[%lu]", n.id);
    size_t k = MIN((size_t)len, cap);
    memcpy(buf, t, k);
    return (long)k;
}

static const struct node_ops sock_nops = {
    .stat = sock_node_stat,
    .readlink = sock_node_readlink,
};
static struct vnode sock_vnode = { .name = "socket", .kind = VN_SOCK, .mode = S_IFSOCK | 0777,
                                   .nops = &sock_nops };

bool file_is_socket(struct file *f)
{
    return f != NULL && f->ops == &sock_fops;
}

struct sock *file_sock(struct file *f)
{
    return file_is_socket(f) ? f->priv : NULL;
}

void sock_init(struct sock *s, const struct sock_ops *ops, int family, int type, int protocol)
{
    s->ops = ops;
    s->family = family;
    s->type = type;
    s->protocol = protocol;
    waitq_init(&s->wq);
    s->rcvbuf = s->sndbuf = SOCK_BUF_DEFAULT;
    s->rcvlowat = 1;
    s->ino = sock_ino++;
}

int sock_file(struct sock *s, int flags, struct file **out)
{
    struct file *f = file_alloc();
    if (f == NULL)
        return -ENFILE;
    f->ops = &sock_fops;
    f->priv = s;
    f->node = (struct node){ &sock_vnode, s->ino };
    f->flags = O_RDWR | (flags & O_NONBLOCK);
    *out = f;
    return 0;
}

/* ---------------------------------------------------------------- blocking */

bool sock_nonblock(struct file *f, int msgflags)
{
    return (f->flags & O_NONBLOCK) != 0 || (msgflags & MSG_DONTWAIT) != 0;
}

void sock_wake(struct sock *s)
{
    waitq_wake(&s->wq, 1 << 30);
    vfs_poll_wake();
}

int sock_wait(struct file *f, struct sock *s, int msgflags, bool sending, u64 *deadline)
{
    if (sock_nonblock(f, msgflags))
        return -EAGAIN;
    u64 t = sending ? s->sndtimeo : s->rcvtimeo;
    if (*deadline == 0 && t != 0)
        *deadline = now_ns() + t;
    int r = waitq_wait_intr(&s->wq, *deadline);
    if (r == -ETIMEDOUT)
        return -EAGAIN;                /* SO_*TIMEO expired: EAGAIN, as Linux */
    return r == -EINTR ? -EINTR : 0;
}

/* ---------------------------------------------------------------- file methods */

static long sock_read(struct file *f, void *buf, size_t n, u64 off)
{
    struct sock *s = f->priv;
    struct sock_msg m = { .buf = buf, .len = n };
    return s->ops->recv(f, &m);
}

/* write(2) on a broken stream raises SIGPIPE, as Linux does (send(2) does
 * it in syscalls/net.c, where MSG_NOSIGNAL can prevent it); AF_UNIX
 * datagram and seqpacket sockets return EPIPE without it, as Linux's. */
static long sock_write(struct file *f, const void *buf, size_t n, u64 off)
{
    struct sock *s = f->priv;
    struct sock_msg m = { .buf = (void *)buf, .len = n };
    long r = s->ops->send(f, &m);
    if (r == -EPIPE && (s->family != AF_UNIX || s->type == SOCK_STREAM)) {
        struct ksiginfo si;
        memset(&si, 0, sizeof(si));
        si.signo = SIGPIPE;
        si.code = SI_USER;
        signal_send_thread(current, &si);
    }
    return r;
}

/* Does an EPIPE from a send on fd go without SIGPIPE?  AF_UNIX datagram and seqpacket
 * sockets' do, as Linux's (the signal is raised at the syscall edge). */
bool sock_fd_no_sigpipe(int fd)
{
    struct sock *s = file_sock(fd_file(fd));
    return s != NULL && s->family == AF_UNIX && s->type != SOCK_STREAM;
}

/* poll method: the family's readiness. */
static int sock_poll(struct file *f)
{
    struct sock *s = f->priv;
    return s->ops->poll(f);
}

/* FIONREAD/SIOCINQ and SIOCOUTQ; -ENOTTY otherwise. */
static long sock_ioctl(struct file *f, unsigned cmd, u64 arg)
{
    struct sock *s = f->priv;
    int v;
    switch (cmd) {
    case SIOCINQ:
        v = (int)s->ops->nread(f);
        break;
    case SIOCOUTQ:
        v = 0;                         /* queued data is handed to the stack at once */
        break;
    default: {
        /* interface queries work on every socket, as Linux's dev_ioctl */
        u8 ifr[IFREQ_SIZE];
        if (net_ifreq(cmd, NULL) == -ENOTTY)
            return -ENOTTY;
        if (copy_from_user(ifr, (void *)arg, sizeof(ifr)) < 0)
            return -EFAULT;
        int r = net_ifreq(cmd, ifr);
        if (r < 0)
            return r;
        return copy_to_user((void *)arg, ifr, sizeof(ifr));
    }
    }
    return copy_to_user((void *)arg, &v, sizeof(v));
}

/* Last reference to the file: the family frees the socket. */
static void sock_release(struct file *f)
{
    struct sock *s = f->priv;
    f->priv = NULL;
    s->ops->release(s);
    vfs_poll_wake();
}

static const struct file_ops sock_fops = {
    .read = sock_read,
    .write = sock_write,
    .ioctl = sock_ioctl,
    .poll = sock_poll,
    .release = sock_release,
};

/* ---------------------------------------------------------------- creation */

int sock_create(int family, int type, int protocol, struct file **out)
{
    struct sock *s = NULL;
    int flags = type & SOCK_NONBLOCK ? O_NONBLOCK : 0;
    int r;
    type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if ((type & ~SOCK_TYPE_MASK) != 0)
        return -EINVAL;
    switch (family) {
    case AF_INET:
    case AF_INET6:
        r = inet_create(family, type, protocol, &s);
        break;
    case AF_UNIX:
        if (protocol != 0 && protocol != AF_UNIX)
            return -EPROTONOSUPPORT;
        r = unix_create(type, &s);
        break;
    case AF_NETLINK:
        r = netlink_create(type, protocol, &s);
        break;
    default:
        return -EAFNOSUPPORT;
    }
    if (r < 0)
        return r;
    r = sock_file(s, flags, out);
    if (r < 0)
        s->ops->release(s);
    return r;
}

int sock_pair(int family, int type, int protocol, struct file **a, struct file **b)
{
    struct sock *sa, *sb;
    int flags = type & SOCK_NONBLOCK ? O_NONBLOCK : 0;
    type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (family == AF_INET || family == AF_INET6) {
        /* Linux makes the socket first: its errors (SOCK_SEQPACKET...) come first */
        struct sock *t;
        int r = inet_create(family, type, protocol, &t);
        if (r < 0)
            return r;
        t->ops->release(t);
        return -EOPNOTSUPP;
    }
    if (family == AF_NETLINK)
        return -EOPNOTSUPP;
    if (family != AF_UNIX)
        return -EAFNOSUPPORT;
    if (protocol != 0 && protocol != AF_UNIX)
        return -EPROTONOSUPPORT;
    int r = unix_pair(type, &sa, &sb);
    if (r < 0)
        return r;
    r = sock_file(sa, flags, a);
    if (r < 0) {
        sa->ops->release(sa);
        sb->ops->release(sb);
        return r;
    }
    r = sock_file(sb, flags, b);
    if (r < 0) {
        file_put(*a);
        sb->ops->release(sb);
    }
    return r;
}

/* ---------------------------------------------------------------- SOL_SOCKET */

struct ktimeval {
    s64 sec, usec;
};

struct klinger {
    int onoff, linger;
};

/* An int option argument (-EINVAL if too short). */
static int get_int(const void *val, u32 len, int *out)
{
    if (len < sizeof(int))
        return -EINVAL;
    memcpy(out, val, sizeof(int));
    return 0;
}

/* SO_RCVTIMEO/SO_SNDTIMEO from a struct timeval (0: no timeout). */
static int set_timeo(const void *val, u32 len, u64 *out)
{
    struct ktimeval tv;
    if (len < sizeof(tv))
        return -EINVAL;
    memcpy(&tv, val, sizeof(tv));
    if (tv.usec < 0 || tv.usec >= 1000000)
        return -EDOM;
    if (tv.sec < 0)
        *out = 0;                      /* negative: Linux treats it as "no timeout" */
    else
        *out = (u64)tv.sec * 1000000000UL + (u64)tv.usec * 1000;
    return 0;
}

/* SO_SNDBUF/SO_RCVBUF as Linux stores them: clamped, then doubled. */
static int clamp_buf(int v)
{
    if (v < SOCK_BUF_MIN / 2)
        v = SOCK_BUF_MIN / 2;
    if (v > SOCK_BUF_MAX / 2)
        v = SOCK_BUF_MAX / 2;
    return v * 2;                      /* Linux doubles the value for bookkeeping */
}

/* Options stored on struct sock; the family's setopt sees them too (so inet
 * can apply SO_REUSEADDR and SO_KEEPALIVE to its pcb). */
static int sol_socket_set(struct sock *s, int name, const void *val, u32 len)
{
    int v = 0;
    if (name != SO_RCVTIMEO && name != SO_SNDTIMEO && name != SO_LINGER && get_int(val, len, &v) < 0)
        return -EINVAL;
    switch (name) {
    case SO_REUSEADDR: s->reuseaddr = v != 0; return 0;
    case SO_REUSEPORT: s->reuseport = v != 0; return 0;
    case SO_KEEPALIVE: s->keepalive = v != 0; return 0;
    case SO_BROADCAST: s->broadcast = v != 0; return 0;
    case SO_OOBINLINE: s->oobinline = v != 0; return 0;
    case SO_PASSCRED: s->passcred = v != 0; return 0;
    case SO_DEBUG: case SO_DONTROUTE: case SO_PRIORITY: case SO_NO_CHECK: case SO_SNDLOWAT:
        return 0;
    case SO_SNDBUF: case SO_SNDBUFFORCE: s->sndbuf = clamp_buf(v); return 0;
    case SO_RCVBUF: case SO_RCVBUFFORCE: s->rcvbuf = clamp_buf(v); return 0;
    case SO_RCVLOWAT: s->rcvlowat = v < 1 ? 1 : v; return 0;
    case SO_RCVTIMEO: return set_timeo(val, len, &s->rcvtimeo);
    case SO_SNDTIMEO: return set_timeo(val, len, &s->sndtimeo);
    case SO_TIMESTAMP_OLD: case SO_TIMESTAMPNS_OLD: case SO_TIMESTAMP_NEW: case SO_TIMESTAMPNS_NEW:
        /* one mode at a time, as Linux: turning any of them off turns all off */
        if (v == 0)
            s->tstamp = 0;
        else
            s->tstamp = SOCK_TS_ON | (name == SO_TIMESTAMPNS_OLD || name == SO_TIMESTAMPNS_NEW ? SOCK_TS_NS : 0) |
                        (name == SO_TIMESTAMP_NEW || name == SO_TIMESTAMPNS_NEW ? SOCK_TS_NEW : 0);
        return 0;
    case SO_LINGER: {
        struct klinger l;
        if (len < sizeof(l))
            return -EINVAL;
        memcpy(&l, val, sizeof(l));
        s->linger_on = l.onoff != 0;
        s->linger_s = l.linger;
        return 0;
    }
    default:
        return -ENOPROTOOPT;
    }
}

int sock_setopt(struct file *f, int level, int name, const void *val, u32 len)
{
    struct sock *s = f->priv;
    if (level == SOL_SOCKET) {
        int r = sol_socket_set(s, name, val, len);
        if (r < 0 || s->ops->setopt == NULL)
            return r;
        r = s->ops->setopt(f, level, name, val, len);
        return r == -ENOPROTOOPT ? 0 : r;
    }
    return s->ops->setopt != NULL ? s->ops->setopt(f, level, name, val, len) : -ENOPROTOOPT;
}

/* Copy an int result out (Linux truncates to the caller's length). */
static int put_int(void *val, u32 *len, int v)
{
    u32 n = MIN(*len, (u32)sizeof(int));
    memcpy(val, &v, n);
    *len = n;
    return 0;
}

/* A timeout option value as a struct timeval. */
static int put_timeo(void *val, u32 *len, u64 ns)
{
    struct ktimeval tv = { (s64)(ns / 1000000000UL), (s64)(ns % 1000000000UL / 1000) };
    u32 n = MIN(*len, (u32)sizeof(tv));
    memcpy(val, &tv, n);
    *len = n;
    return 0;
}

/* getsockopt at SOL_SOCKET (family-specific names go to the family). */
static int sol_socket_get(struct file *f, struct sock *s, int name, void *val, u32 *len)
{
    int e;
    switch (name) {
    case SO_TYPE: return put_int(val, len, s->type);
    case SO_DOMAIN: return put_int(val, len, s->family);
    case SO_PROTOCOL: return put_int(val, len, s->protocol);
    case SO_ERROR:
        e = s->err;
        s->err = 0;
        return put_int(val, len, e);
    case SO_REUSEADDR: return put_int(val, len, s->reuseaddr);
    case SO_REUSEPORT: return put_int(val, len, s->reuseport);
    case SO_KEEPALIVE: return put_int(val, len, s->keepalive);
    case SO_BROADCAST: return put_int(val, len, s->broadcast);
    case SO_OOBINLINE: return put_int(val, len, s->oobinline);
    case SO_PASSCRED: return put_int(val, len, s->passcred);
    case SO_ACCEPTCONN: return put_int(val, len, s->listening);
    case SO_SNDBUF: return put_int(val, len, s->sndbuf);
    case SO_RCVBUF: return put_int(val, len, s->rcvbuf);
    case SO_RCVLOWAT: return put_int(val, len, s->rcvlowat);
    case SO_SNDLOWAT: return put_int(val, len, 1);
    case SO_DEBUG: case SO_DONTROUTE: case SO_PRIORITY: case SO_NO_CHECK:
        return put_int(val, len, 0);
    case SO_RCVTIMEO: return put_timeo(val, len, s->rcvtimeo);
    case SO_SNDTIMEO: return put_timeo(val, len, s->sndtimeo);
    case SO_TIMESTAMP_OLD: return put_int(val, len, s->tstamp == SOCK_TS_ON);
    case SO_TIMESTAMPNS_OLD: return put_int(val, len, s->tstamp == (SOCK_TS_ON | SOCK_TS_NS));
    case SO_TIMESTAMP_NEW:             /* also on with SO_TIMESTAMPNS_NEW, as Linux */
        return put_int(val, len, (s->tstamp & (SOCK_TS_ON | SOCK_TS_NEW)) == (SOCK_TS_ON | SOCK_TS_NEW));
    case SO_TIMESTAMPNS_NEW: return put_int(val, len, s->tstamp == (SOCK_TS_ON | SOCK_TS_NS | SOCK_TS_NEW));
    case SO_LINGER: {
        struct klinger l = { s->linger_on, s->linger_s };
        u32 n = MIN(*len, (u32)sizeof(l));
        memcpy(val, &l, n);
        *len = n;
        return 0;
    }
    default:
        return s->ops->getopt != NULL ? s->ops->getopt(f, SOL_SOCKET, name, val, len) : -ENOPROTOOPT;
    }
}

int sock_getopt(struct file *f, int level, int name, void *val, u32 *len)
{
    struct sock *s = f->priv;
    if (level == SOL_SOCKET)
        return sol_socket_get(f, s, name, val, len);
    return s->ops->getopt != NULL ? s->ops->getopt(f, level, name, val, len) : -ENOPROTOOPT;
}
