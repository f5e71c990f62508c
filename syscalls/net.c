/*
 * net.c - the socket system calls: Linux ABI decoding only.  Addresses and
 * data are bounced through kernel buffers (user memory is touched only with
 * copy_from_user/copy_to_user) and handed to the socket layer in net/
 * (net/net.h), which knows nothing about user memory.
 *
 * Stream transfers larger than one bounce buffer (NET_CHUNK) are done in
 * pieces: a send stops at the first short piece (non-blocking sockets), a
 * receive keeps collecting without blocking once it has data.  A datagram
 * is always one piece.  Sending on a broken stream raises SIGPIPE unless
 * MSG_NOSIGNAL, as Linux does.
 */
#include "syscalls/syscalls.h"
#include "net/net.h"
#include "fs/vfs_impl.h"          /* the fd table (fd_install, fd_close) */
#include "runtime/sched/signal.h"
#include "syscalls/landlock.h"
#include "syscalls/misc.h"           /* process_ruid/rgid: SCM_CREDENTIALS */
#include "syscalls/signal_impl.h"    /* PID_SELF */

#define NET_CHUNK (64 * 1024)
#define DGRAM_MAX (256 * 1024)
#define UIO_MAXIOV 1024
#define MAX_RW (0x7ffff000UL)
#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define SCM_MAX_FD 253
#define SCM_TIMESTAMP 29
#define SCM_TIMESTAMPNS 35
#define SCM_TIMESTAMP_NEW 63
#define SCM_TIMESTAMPNS_NEW 64
#define IPV6_HOPLIMIT 52
#define IPV6_TCLASS 67
#define IPV6_PKTINFO 50
#define SOL_IPV6 41
#define SOL_IP 0
#define IP_TOS 1
#define IP_TTL 2
#define IP_PKTINFO 8
#define MSG_CTRUNC 0x8
#define CMSG_ALIGN(n) (((n) + 7) & ~7UL)

struct kiovec {
    u64 base, len;
};

struct kmsghdr {
    u64 name;
    u32 namelen, pad0;
    u64 iov;
    u64 iovlen;
    u64 control;
    u64 controllen;
    s32 flags, pad1;
};

struct kmmsghdr {
    struct kmsghdr hdr;
    u32 len, pad;
};

struct kcmsghdr {
    u64 len;
    s32 level, type;
};

bool file_is_socket(struct file *f);

/* The socket behind fd: 0 and *out (borrowed), -EBADF or -ENOTSOCK. */
static int sock_fd(int fd, struct file **out)
{
    struct file *f = fd_file(fd);
    if (f == NULL)
        return -EBADF;
    if (!file_is_socket(f))
        return -ENOTSOCK;
    *out = f;
    return 0;
}

static const struct sock_ops *ops_of(struct file *f)
{
    return file_sock(f)->ops;
}

/* Install a new socket file; drops it on failure.  fd or -errno. */
static long install(struct file *f, int flags)
{
    int fd = fd_install(f, 0, (flags & SOCK_CLOEXEC) != 0);
    if (fd < 0)
        file_put(f);
    return fd;
}

static int addr_from_user(const void *uaddr, int len, struct ksockaddr *a)
{
    if (len < 0 || len > SOCKADDR_MAX)
        return -EINVAL;
    memset(a, 0, sizeof(*a));
    a->len = (u32)len;
    return len > 0 ? copy_from_user(a->data, uaddr, (size_t)len) : 0;
}

/* Copy a result address to (uaddr, *ulen) as Linux does: truncated to the
 * caller's length, the full length written back.  NULL uaddr: nothing. */
static int addr_to_user(const struct ksockaddr *a, void *uaddr, int *ulen)
{
    int len;
    if (uaddr == NULL || ulen == NULL)
        return 0;
    if (copy_from_user(&len, ulen, sizeof(len)) < 0)
        return -EFAULT;
    if (len < 0)
        return -EINVAL;
    if (copy_to_user(uaddr, a->data, MIN((size_t)len, (size_t)a->len)) < 0)
        return -EFAULT;
    len = (int)a->len;
    return copy_to_user(ulen, &len, sizeof(len));
}

/* Landlock's check of a bind (connect false) or connect of f to a. */
static int landlock_sock(struct file *f, const struct ksockaddr *a, bool connect)
{
    struct sock *s = file_sock(f);
    return landlock_net(s->family, s->type, s->protocol, a->data, a->len, connect);
}

/* ---------------------------------------------------------------- setup calls */

long sys_socket(int family, int type, int protocol)
{
    struct file *f;
    int r = sock_create(family, type, protocol, &f);
    return r < 0 ? r : install(f, type);
}

long sys_socketpair(int family, int type, int protocol, int *usv)
{
    struct file *a, *b;
    int r = sock_pair(family, type, protocol, &a, &b);
    if (r < 0)
        return r;
    int fa = (int)install(a, type);
    if (fa < 0) {
        file_put(b);
        return fa;
    }
    int fb = (int)install(b, type);
    if (fb < 0) {
        fd_close(fa);
        return fb;
    }
    int sv[2] = { fa, fb };
    if (copy_to_user(usv, sv, sizeof(sv)) < 0) {
        fd_close(fa);
        fd_close(fb);
        return -EFAULT;
    }
    return 0;
}

// partial: AF_NETLINK multicast groups are recorded but no notification is ever sent (interfaces do not change)
long sys_bind(int fd, const void *uaddr, int len)
{
    struct file *f;
    struct ksockaddr a;
    int r = sock_fd(fd, &f);
    if (r == 0)
        r = addr_from_user(uaddr, len, &a);
    if (r == 0)
        r = landlock_sock(f, &a, false);
    return r < 0 ? r : ops_of(f)->bind(f, &a);
}

long sys_listen(int fd, int backlog)
{
    struct file *f;
    int r = sock_fd(fd, &f);
    if (r < 0)
        return r;
    r = ops_of(f)->listen(f, backlog);
    if (r == 0)
        vfs_poll_wake();
    return r;
}

long sys_accept4(int fd, void *uaddr, int *ulen, int flags)
{
    struct file *f, *nf;
    struct ksockaddr peer;
    if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != 0)
        return -EINVAL;
    int r = sock_fd(fd, &f);
    if (r < 0)
        return r;
    if (uaddr != NULL && ulen != NULL) {
        int len;
        if (copy_from_user(&len, ulen, sizeof(len)) < 0)
            return -EFAULT;
        if (len < 0)
            return -EINVAL;
    }
    memset(&peer, 0, sizeof(peer));
    file_get(f);                       /* the fd may be closed while we sleep */
    r = ops_of(f)->accept(f, flags & SOCK_NONBLOCK, &nf, &peer);
    file_put(f);
    if (r < 0)
        return r;
    long nfd = install(nf, flags);
    if (nfd >= 0 && addr_to_user(&peer, uaddr, ulen) < 0) {
        fd_close((int)nfd);
        return -EFAULT;
    }
    return nfd;
}

long sys_accept(int fd, void *uaddr, int *ulen)
{
    return sys_accept4(fd, uaddr, ulen, 0);
}

long sys_connect(int fd, const void *uaddr, int len)
{
    struct file *f;
    struct ksockaddr a;
    int r = sock_fd(fd, &f);
    if (r == 0)
        r = addr_from_user(uaddr, len, &a);
    if (r == 0)
        r = landlock_sock(f, &a, true);
    if (r < 0)
        return r;
    file_get(f);
    r = ops_of(f)->connect(f, &a);
    file_put(f);
    return r;
}

long sys_shutdown(int fd, int how)
{
    struct file *f;
    int r = sock_fd(fd, &f);
    return r < 0 ? r : ops_of(f)->shutdown(f, how);
}

long sys_getsockname(int fd, void *uaddr, int *ulen)
{
    struct file *f;
    struct ksockaddr a;
    int r = sock_fd(fd, &f);
    if (r == 0)
        r = ops_of(f)->name(f, &a, false);
    return r < 0 ? r : addr_to_user(&a, uaddr, ulen);
}

long sys_getpeername(int fd, void *uaddr, int *ulen)
{
    struct file *f;
    struct ksockaddr a;
    int r = sock_fd(fd, &f);
    if (r == 0)
        r = ops_of(f)->name(f, &a, true);
    return r < 0 ? r : addr_to_user(&a, uaddr, ulen);
}

#define OPT_MAX 256

// partial: SO_TIMESTAMPING (hardware/software transmit and receive timestamps) is ENOPROTOOPT
long sys_setsockopt(int fd, int level, int name, const void *uval, int len)
{
    struct file *f;
    u8 val[OPT_MAX];
    int r = sock_fd(fd, &f);
    if (r < 0)
        return r;
    if (len < 0)
        return -EINVAL;
    if (len > OPT_MAX)
        len = OPT_MAX;                 /* no option we know is larger */
    if (len > 0 && copy_from_user(val, uval, (size_t)len) < 0)
        return -EFAULT;
    return sock_setopt(f, level, name, val, (u32)len);
}

// partial: SO_TIMESTAMPING (hardware/software transmit and receive timestamps) is ENOPROTOOPT
long sys_getsockopt(int fd, int level, int name, void *uval, int *ulen)
{
    struct file *f;
    u8 val[OPT_MAX];
    int len;
    int r = sock_fd(fd, &f);
    if (r < 0)
        return r;
    if (copy_from_user(&len, ulen, sizeof(len)) < 0)
        return -EFAULT;
    if (len < 0)
        return -EINVAL;
    u32 n = (u32)MIN(len, OPT_MAX);
    memset(val, 0, sizeof(val));
    r = sock_getopt(f, level, name, val, &n);
    if (r < 0)
        return r;
    if (copy_to_user(uval, val, n) < 0)
        return -EFAULT;
    len = (int)n;
    return copy_to_user(ulen, &len, sizeof(len));
}

/* ---------------------------------------------------------------- data */

/* A transfer described by user iovecs. */
struct xfer {
    struct kiovec *iov;
    size_t niov;
    size_t total;
};

static int xfer_load(struct xfer *x, const struct kiovec *uiov, size_t n)
{
    if (n > UIO_MAXIOV)
        return -EMSGSIZE;
    x->niov = n;
    x->total = 0;
    x->iov = NULL;
    if (n == 0)
        return 0;
    x->iov = kmalloc(n * sizeof(*x->iov));
    if (x->iov == NULL)
        return -ENOMEM;
    if (copy_from_user(x->iov, uiov, n * sizeof(*x->iov)) < 0) {
        kfree(x->iov);
        return -EFAULT;
    }
    for (size_t i = 0; i < n; i++) {
        if ((s64)x->iov[i].len < 0) {
            kfree(x->iov);
            return -EINVAL;
        }
        x->iov[i].len = MIN(x->iov[i].len, MAX_RW - x->total);
        x->total += x->iov[i].len;
    }
    return 0;
}

/* Copy len bytes at byte offset skip of the iovecs into or out of kbuf. */
static int xfer_copy(struct xfer *x, size_t skip, void *kbuf, size_t len, bool in)
{
    u8 *k = kbuf;
    for (size_t i = 0; i < x->niov && len > 0; i++) {
        if (skip >= x->iov[i].len) {
            skip -= x->iov[i].len;
            continue;
        }
        size_t c = MIN(x->iov[i].len - skip, len);
        void *u = (void *)(x->iov[i].base + skip);
        int r = in ? copy_from_user(k, u, c) : copy_to_user(u, k, c);
        if (r < 0)
            return r;
        k += c;
        len -= c;
        skip = 0;
    }
    return 0;
}

static void raise_sigpipe(void)
{
    struct ksiginfo si;
    memset(&si, 0, sizeof(si));
    si.signo = SIGPIPE;
    si.code = SI_USER;
    signal_send_thread(current, &si);
}

/* AF_UNIX datagram and seqpacket sends fail with EPIPE without SIGPIPE, as Linux's. */
static bool unix_nosigpipe(struct file *f)
{
    struct sock *s = file_sock(f);
    return s->family == AF_UNIX && s->type != SOCK_STREAM;
}

static bool is_stream(struct file *f)
{
    return file_sock(f)->type == SOCK_STREAM;
}

/* sendmsg's control data, parsed: files to pass (SCM_RIGHTS) and a datagram's own hop limit
 * (TTL) and traffic class (TOS), IPv6's on AF_INET6 sockets, IPv4's on AF_INET (-1: the
 * socket's). */
struct sendctl {
    struct file *files[SCM_MAX_FD];
    int nfiles;
    int hoplimit, tclass;
};

static long do_send(struct file *f, struct xfer *x, int flags, struct ksockaddr *addr,
                    struct sendctl *ctl)
{
    struct file **files = ctl != NULL ? ctl->files : NULL;
    int nfiles = ctl != NULL ? ctl->nfiles : 0;
    size_t cap = is_stream(f) ? MIN(x->total, (size_t)NET_CHUNK) : x->total;
    long ret = 0;
    if (!is_stream(f) && x->total > DGRAM_MAX)
        return -EMSGSIZE;
    u8 *kbuf = kmalloc(cap > 0 ? cap : 1);
    if (kbuf == NULL)
        return -ENOMEM;
    size_t pos = 0;
    do {
        size_t k = MIN(cap, x->total - pos);
        long r = xfer_copy(x, pos, kbuf, k, true);
        if (r == 0) {
            struct sock_msg m = { .buf = kbuf, .len = k, .addr = addr, .files = files,
                                  .nfiles = nfiles, .hoplimit = -1, .tclass = -1 };
            if (ctl != NULL) {
                m.hoplimit = ctl->hoplimit;
                m.tclass = ctl->tclass;
            }
            m.flags = flags | (pos + k < x->total ? MSG_MORE : 0);
            r = ops_of(f)->send(f, &m);
            if (m.nfiles == 0)
                nfiles = 0;            /* the socket took the files over */
        }
        if (r < 0) {
            ret = pos > 0 ? (long)pos : r;
            break;
        }
        pos += (size_t)r;
        ret = (long)pos;
        if ((size_t)r < k)
            break;
    } while (pos < x->total);
    kfree(kbuf);
    for (int i = 0; i < nfiles; i++)
        file_put(files[i]);            /* not sent */
    if (ret == -EPIPE && (flags & MSG_NOSIGNAL) == 0 && !unix_nosigpipe(f))
        raise_sigpipe();
    return ret;
}

/* Receive into the iovecs.  files/nfiles (may be NULL): SCM_RIGHTS files
 * that came with the data (the caller owns them). */
static long do_recv(struct file *f, struct xfer *x, int *flags, struct ksockaddr *addr,
                    struct file ***files, int *nfiles, struct sock_msg *anc)
{
    bool stream = is_stream(f);
    bool unix_sock = file_sock(f)->family == AF_UNIX;
    size_t cap = MIN(x->total, (size_t)(stream ? NET_CHUNK : DGRAM_MAX));
    long ret = 0;
    u8 *kbuf = kmalloc(cap > 0 ? cap : 1);
    if (kbuf == NULL)
        return -ENOMEM;
    size_t pos = 0;
    int in = *flags;
    *flags = 0;
    do {
        size_t k = MIN(cap, x->total - pos);
        struct sock_msg m = { .buf = kbuf, .len = k, .addr = addr, .want_files = files != NULL };
        m.flags = in | (pos > 0 && (in & MSG_WAITALL) == 0 ? MSG_DONTWAIT : 0);
        long r = ops_of(f)->recv(f, &m);
        *flags |= m.out_flags;
        if (m.nfiles > 0) {
            *files = m.files;
            *nfiles = m.nfiles;
        }
        if (anc != NULL && pos == 0) {
            anc->nanc = m.nanc;
            memcpy(anc->anc, m.anc, sizeof(m.anc));
            anc->tstamp = m.tstamp;
        }
        if (r < 0) {
            ret = pos > 0 ? (long)pos : r;
            break;
        }
        size_t got = MIN((size_t)r, k);
        if (xfer_copy(x, pos, kbuf, got, false) < 0) {
            ret = -EFAULT;
            break;
        }
        pos += got;
        ret = stream ? (long)pos : r;
        /* AF_UNIX: one call, so files passed later in the stream are
         * never received in the middle of a read */
        if (!stream || unix_sock || got < k || got == 0 || (in & MSG_PEEK) != 0)
            break;
        addr = NULL;
    } while (pos < x->total);
    kfree(kbuf);
    return ret;
}

// partial: AF_NETLINK (NETLINK_ROUTE) answers RTM_GETLINK, RTM_GETADDR and IPv4 main-table RTM_GETROUTE dumps and GETLINK by index/name; other requests get NLMSG_ERROR EOPNOTSUPP, changes and sends to other ports or groups EPERM
long sys_sendto(int fd, const void *ubuf, size_t len, int flags, const void *uaddr, int alen)
{
    struct file *f;
    struct ksockaddr a;
    struct kiovec iov = { (u64)ubuf, len };
    struct xfer x = { &iov, 1, MIN(len, (size_t)MAX_RW) };
    iov.len = x.total;
    int r = sock_fd(fd, &f);
    if (r == 0 && uaddr != NULL)
        r = addr_from_user(uaddr, alen, &a);
    if (r < 0)
        return r;
    file_get(f);
    long n = do_send(f, &x, flags, uaddr != NULL ? &a : NULL, NULL);
    file_put(f);
    return n;
}

long sys_recvfrom(int fd, void *ubuf, size_t len, int flags, void *uaddr, int *ulen)
{
    struct file *f;
    struct ksockaddr a;
    struct kiovec iov = { (u64)ubuf, len };
    struct xfer x = { &iov, 1, MIN(len, (size_t)MAX_RW) };
    iov.len = x.total;
    int r = sock_fd(fd, &f);
    if (r < 0)
        return r;
    memset(&a, 0, sizeof(a));
    file_get(f);
    long n = do_recv(f, &x, &flags, &a, NULL, NULL, NULL);
    file_put(f);
    if (n >= 0 && a.len > 0 && addr_to_user(&a, uaddr, ulen) < 0)
        return -EFAULT;
    if (n >= 0 && a.len == 0 && uaddr != NULL && ulen != NULL) {
        int zero = 0;                  /* stream sockets: no address */
        if (copy_to_user(ulen, &zero, sizeof(zero)) < 0)
            return -EFAULT;
    }
    return n;
}

/* A SOL_IPV6 control message for a datagram: IPV6_HOPLIMIT (-1 or 0..255) and IPV6_TCLASS
 * (-1 or 0..255) set ctl's values; IPV6_PKTINFO naming neither source nor interface changes
 * nothing; other types EINVAL, as Linux.  0 or -errno. */
static int control_ipv6(const struct kcmsghdr *c, u64 at, struct sendctl *ctl)
{
    int v;
    if (c->type == IPV6_PKTINFO) {
        u32 pi[5];                     /* struct in6_pktinfo: address, ifindex */
        if (c->len < sizeof(*c) + sizeof(pi))
            return -EINVAL;
        if (copy_from_user(pi, (void *)at, sizeof(pi)) < 0)
            return -EFAULT;
        return (pi[0] | pi[1] | pi[2] | pi[3] | pi[4]) == 0 ? 0 : -EINVAL;
    }
    if (c->type != IPV6_HOPLIMIT && c->type != IPV6_TCLASS)
        return -EINVAL;
    if (c->len != sizeof(*c) + sizeof(int))
        return -EINVAL;
    if (copy_from_user(&v, (void *)at, sizeof(v)) < 0)
        return -EFAULT;
    if (v < -1 || v > 255)
        return -EINVAL;
    if (c->type == IPV6_HOPLIMIT)
        ctl->hoplimit = v;
    else
        ctl->tclass = v;
    return 0;
}

/* A SOL_IP control message for an AF_INET datagram: IP_TTL (1..255) and IP_TOS (an int or a
 * byte, 0..255) set ctl's values; IP_PKTINFO naming neither interface nor source changes
 * nothing; other types EINVAL.  0 or -errno. */
static int control_ip(const struct kcmsghdr *c, u64 at, struct sendctl *ctl)
{
    int v = 0;
    if (c->type == IP_PKTINFO) {
        u32 pi[3];                     /* struct in_pktinfo: ifindex, spec_dst, addr */
        if (c->len != sizeof(*c) + sizeof(pi))
            return -EINVAL;
        if (copy_from_user(pi, (void *)at, sizeof(pi)) < 0)
            return -EFAULT;
        return (pi[0] | pi[1]) == 0 ? 0 : -EINVAL;
    }
    if (c->type != IP_TTL && c->type != IP_TOS)
        return -EINVAL;
    if (c->type == IP_TOS && c->len == sizeof(*c) + 1) {
        u8 b;
        if (copy_from_user(&b, (void *)at, 1) < 0)
            return -EFAULT;
        v = b;
    } else if (c->len != sizeof(*c) + sizeof(int)) {
        return -EINVAL;
    } else if (copy_from_user(&v, (void *)at, sizeof(v)) < 0) {
        return -EFAULT;
    }
    if (v < (c->type == IP_TTL ? 1 : 0) || v > 255)
        return -EINVAL;
    if (c->type == IP_TTL)
        ctl->hoplimit = v;
    else
        ctl->tclass = v;
    return 0;
}

/* The descriptors of an SCM_RIGHTS message (n of them, at user address at) as file
 * references appended to ctl (at most SCM_MAX_FD in all).  0 or -errno. */
static int control_rights(u64 at, size_t n, struct sendctl *ctl)
{
    int fds[SCM_MAX_FD];
    if (n == 0)
        return 0;                      /* an empty (or partial-int) array: nothing, as Linux */
    if (ctl->nfiles + n > SCM_MAX_FD)
        return -EINVAL;
    if (copy_from_user(fds, (void *)at, n * sizeof(int)) < 0)
        return -EFAULT;
    for (size_t i = 0; i < n; i++) {
        struct file *t = fd_file(fds[i]);
        if (t == NULL)
            return -EBADF;
        file_get(t);
        ctl->files[ctl->nfiles++] = t;
    }
    return 0;
}

/* Parse sendmsg's control messages as Linux does per family: SOL_SOCKET SCM_RIGHTS
 * descriptors (AF_UNIX) become file references in ctl (at most SCM_MAX_FD); SCM_CREDENTIALS
 * (AF_UNIX) is checked for size (there is one process, root: any values pass) and not
 * passed on (other families ignore both); SOL_IPV6 hop limit and traffic class (AF_INET6
 * datagrams) and SOL_IP TTL and TOS (AF_INET datagrams) go to ctl; other
 * SOL_SOCKET types are EINVAL, other levels are ignored.  0 or -EINVAL/-EBADF/-EFAULT (no
 * references left behind). */
static int control_in(struct file *sock, const struct kmsghdr *h, struct sendctl *ctl)
{
    u64 off = 0;
    int fam = file_sock(sock)->family;
    bool dgram6 = fam == AF_INET6 && file_sock(sock)->type == SOCK_DGRAM;
    bool dgram4 = fam == AF_INET && file_sock(sock)->type == SOCK_DGRAM;
    ctl->nfiles = 0;
    ctl->hoplimit = ctl->tclass = -1;
    while (h->control != 0 && off + sizeof(struct kcmsghdr) <= h->controllen) {
        struct kcmsghdr c;
        u64 at = h->control + off + sizeof(c);
        int r = 0;
        if (copy_from_user(&c, (void *)(h->control + off), sizeof(c)) < 0)
            r = -EFAULT;
        else if (c.len < sizeof(c) || c.len > h->controllen - off)
            r = -EINVAL;
        else if (c.level == SOL_SOCKET && c.type == SCM_RIGHTS && fam == AF_UNIX)
            r = control_rights(at, (c.len - sizeof(c)) / sizeof(int), ctl);
        else if (c.level == SOL_SOCKET && c.type == SCM_CREDENTIALS && fam == AF_UNIX)
            r = c.len == sizeof(c) + 12 ? 0 : -EINVAL;
        else if (c.level == SOL_SOCKET && fam != AF_UNIX &&
                 (c.type == SCM_RIGHTS || c.type == SCM_CREDENTIALS))
            r = 0;                     /* other families ignore these, as Linux */
        else if (c.level == SOL_SOCKET)
            r = -EINVAL;
        else if (c.level == SOL_IPV6 && dgram6)
            r = control_ipv6(&c, at, ctl);
        else if (c.level == SOL_IP && dgram4)
            r = control_ip(&c, at, ctl);
        if (r < 0) {
            while (ctl->nfiles > 0)
                file_put(ctl->files[--ctl->nfiles]);
            return r;
        }
        off += CMSG_ALIGN(c.len);
    }
    return 0;
}

/* recvmsg's control buffer as it is filled: the next free byte and the room left. */
struct ctlbuf {
    u64 at, room;
};

/* Append one control message (Linux's put_cmsg): with no room for a header nothing is
 * written; a message that does not fit is cut to the room left; both set MSG_CTRUNC. */
static int put_cmsg(struct ctlbuf *cb, int level, int type, const void *data, u32 len, int *flags)
{
    u64 cmlen = sizeof(struct kcmsghdr) + len;
    if (cb->at == 0 || cb->room < sizeof(struct kcmsghdr)) {
        *flags |= MSG_CTRUNC;
        return 0;
    }
    if (cb->room < cmlen) {
        *flags |= MSG_CTRUNC;
        cmlen = cb->room;
    }
    struct kcmsghdr c = { cmlen, level, type };
    if (copy_to_user((void *)cb->at, &c, sizeof(c)) < 0 ||
        copy_to_user((void *)(cb->at + sizeof(c)), data, cmlen - sizeof(c)) < 0)
        return -EFAULT;
    u64 used = MIN(CMSG_ALIGN(sizeof(c) + len), cb->room);
    cb->at += used;
    cb->room -= used;
    return 0;
}

/* Install received files as descriptors and describe them in the caller's
 * control buffer (SCM_RIGHTS); what does not fit is closed and MSG_CTRUNC
 * set, as Linux does.  Takes over the file references. */
static int control_rights_out(struct ctlbuf *cb, struct file **files, int n, int uflags,
                              int *flags)
{
    u64 room = cb->at != 0 ? cb->room : 0;
    int fit = room < sizeof(struct kcmsghdr) ? 0 : (int)MIN((u64)n, (room - sizeof(struct kcmsghdr)) / sizeof(int));
    int fds[SCM_MAX_FD], k = 0, r = 0;
    for (int i = 0; i < n; i++) {
        int fd = i < fit ? fd_install(files[i], 0, (uflags & MSG_CMSG_CLOEXEC) != 0) : -1;
        if (fd < 0) {
            file_put(files[i]);
            *flags |= MSG_CTRUNC;
            continue;
        }
        fds[k++] = fd;
    }
    if (k == 0)
        return 0;
    struct kcmsghdr c = { sizeof(c) + (u64)k * sizeof(int), SOL_SOCKET, SCM_RIGHTS };
    if (copy_to_user((void *)cb->at, &c, sizeof(c)) < 0 ||
        copy_to_user((void *)(cb->at + sizeof(c)), fds, (size_t)k * sizeof(int)) < 0)
        r = -EFAULT;
    u64 used = MIN(room, CMSG_ALIGN(c.len));
    cb->at += used;
    cb->room -= used;
    return r;
}

/* Fill recvmsg's control buffer: the arrival time (SO_TIMESTAMP*, datagrams), SCM_CREDENTIALS
 * (AF_UNIX with SO_PASSCRED: always this process's, the only possible sender), the family's
 * ancillary data, then SCM_RIGHTS.  Takes over the file references. */
static int control_out(struct file *f, struct kmsghdr *h, const struct sock_msg *anc,
                       struct file **files, int n, int uflags, int *flags)
{
    struct ctlbuf cb = { h->control, h->control != 0 ? h->controllen : 0 };
    struct sock *s = file_sock(f);
    int r = 0;
    if ((s->tstamp & SOCK_TS_ON) != 0 && anc->tstamp != 0) {
        /* SO_TIMESTAMP*: first, as Linux's sock_recv_cmsgs (64-bit: old and new layouts
         * are the same 16 bytes, only the type differs) */
        s64 t[2] = { (s64)(anc->tstamp / 1000000000UL), (s64)(anc->tstamp % 1000000000UL) };
        bool ns = (s->tstamp & SOCK_TS_NS) != 0, nw = (s->tstamp & SOCK_TS_NEW) != 0;
        if (!ns)
            t[1] /= 1000;              /* struct timeval */
        r = put_cmsg(&cb, SOL_SOCKET, ns ? (nw ? SCM_TIMESTAMPNS_NEW : SCM_TIMESTAMPNS) : (nw ? SCM_TIMESTAMP_NEW : SCM_TIMESTAMP),
                     t, sizeof(t), flags);
    }
    if (r == 0 && s->family == AF_UNIX && s->passcred) {
        u32 cred[3] = { PID_SELF, process_ruid(), process_rgid() };
        r = put_cmsg(&cb, SOL_SOCKET, SCM_CREDENTIALS, cred, sizeof(cred), flags);
    }
    for (int i = 0; r == 0 && i < anc->nanc; i++)
        r = put_cmsg(&cb, anc->anc[i].level, anc->anc[i].type, anc->anc[i].data, anc->anc[i].len, flags);
    if (r < 0) {
        for (int i = 0; i < n; i++)
            file_put(files[i]);
        return r;
    }
    r = control_rights_out(&cb, files, n, uflags, flags);
    h->controllen = h->control != 0 ? h->controllen - cb.room : 0;
    return r;
}

static long sendmsg_one(struct file *f, struct kmsghdr *h, int flags)
{
    struct ksockaddr a;
    struct xfer x;
    struct sendctl ctl;
    int r = 0;
    if (h->name != 0)
        r = addr_from_user((void *)h->name, (int)h->namelen, &a);
    if (r == 0)
        r = xfer_load(&x, (struct kiovec *)h->iov, h->iovlen);
    if (r < 0)
        return r;
    r = control_in(f, h, &ctl);
    if (r < 0) {
        kfree(x.iov);
        return r;
    }
    long n = do_send(f, &x, flags, h->name != 0 ? &a : NULL, &ctl);
    kfree(x.iov);
    return n;
}

static long recvmsg_one(struct file *f, struct kmsghdr *h, int flags)
{
    struct ksockaddr a;
    struct xfer x;
    int r = xfer_load(&x, (struct kiovec *)h->iov, h->iovlen);
    if (r < 0)
        return r;
    memset(&a, 0, sizeof(a));
    struct file **files = NULL;
    int nfiles = 0, uflags = flags;
    struct sock_msg anc = { .nanc = 0 };
    long n = do_recv(f, &x, &flags, &a, &files, &nfiles, &anc);
    kfree(x.iov);
    if (n < 0) {
        for (int i = 0; i < nfiles; i++)
            file_put(files[i]);
        kfree(files);
        return n;
    }
    r = control_out(f, h, &anc, files, nfiles, uflags, &flags);
    kfree(files);
    if (r < 0)
        return r;
    if (h->name != 0) {
        u32 k = MIN(h->namelen, a.len);
        if (k > 0 && copy_to_user((void *)h->name, a.data, k) < 0)
            return -EFAULT;
        h->namelen = a.len;
    }
    h->flags = flags;
    return n;
}

// partial: SCM_CREDENTIALS a sender names is checked for size only, the receiver sees the process's own; IP_PKTINFO/IPV6_PKTINFO naming a source address or interface and IP_RETOPTS are EINVAL; AF_NETLINK (NETLINK_ROUTE) answers RTM_GETLINK, RTM_GETADDR and IPv4 main-table RTM_GETROUTE dumps and GETLINK by index/name; other requests get NLMSG_ERROR EOPNOTSUPP, changes and sends to other ports or groups EPERM
long sys_sendmsg(int fd, const struct kmsghdr *umsg, int flags)
{
    struct file *f;
    struct kmsghdr h;
    int r = sock_fd(fd, &f);
    if (r < 0)
        return r;
    if (copy_from_user(&h, umsg, sizeof(h)) < 0)
        return -EFAULT;
    file_get(f);
    long n = sendmsg_one(f, &h, flags);
    file_put(f);
    return n;
}

// partial: of the ancillary data SCM_RIGHTS, SCM_CREDENTIALS, IP_PKTINFO/IP_TTL/IP_TOS and IPV6_PKTINFO/IPV6_HOPLIMIT/IPV6_TCLASS and SO_TIMESTAMP/SO_TIMESTAMPNS(_NEW) are delivered (timestamps only on UDP and AF_UNIX datagram and seqpacket sockets, not TCP or AF_UNIX stream; no SO_TIMESTAMPING, IP options or error queue); AF_UNIX MSG_PEEK does not pass files
long sys_recvmsg(int fd, struct kmsghdr *umsg, int flags)
{
    struct file *f;
    struct kmsghdr h;
    int r = sock_fd(fd, &f);
    if (r < 0)
        return r;
    if (copy_from_user(&h, umsg, sizeof(h)) < 0)
        return -EFAULT;
    file_get(f);
    long n = recvmsg_one(f, &h, flags);
    file_put(f);
    if (n >= 0 && copy_to_user(umsg, &h, sizeof(h)) < 0)
        return -EFAULT;
    return n;
}

// partial: SCM_CREDENTIALS a sender names is checked for size only, the receiver sees the process's own; IP_PKTINFO/IPV6_PKTINFO naming a source address or interface and IP_RETOPTS are EINVAL; AF_NETLINK (NETLINK_ROUTE) answers RTM_GETLINK, RTM_GETADDR and IPv4 main-table RTM_GETROUTE dumps and GETLINK by index/name; other requests get NLMSG_ERROR EOPNOTSUPP, changes and sends to other ports or groups EPERM
long sys_sendmmsg(int fd, struct kmmsghdr *uvec, unsigned vlen, int flags)
{
    struct file *f;
    int r = sock_fd(fd, &f);
    unsigned i;
    if (r < 0)
        return r;
    if (vlen > UIO_MAXIOV)
        vlen = UIO_MAXIOV;
    file_get(f);
    long err = 0;
    for (i = 0; i < vlen; i++) {
        struct kmmsghdr m;
        if (copy_from_user(&m, &uvec[i], sizeof(m)) < 0) {
            err = -EFAULT;
            break;
        }
        long n = sendmsg_one(f, &m.hdr, flags);
        if (n < 0) {
            err = n;
            break;
        }
        m.len = (u32)n;
        if (copy_to_user(&uvec[i].len, &m.len, sizeof(m.len)) < 0) {
            err = -EFAULT;
            break;
        }
    }
    file_put(f);
    return i > 0 ? (long)i : err;
}

// partial: of the ancillary data SCM_RIGHTS, SCM_CREDENTIALS, IP_PKTINFO/IP_TTL/IP_TOS and IPV6_PKTINFO/IPV6_HOPLIMIT/IPV6_TCLASS and SO_TIMESTAMP/SO_TIMESTAMPNS(_NEW) are delivered (timestamps only on UDP and AF_UNIX datagram and seqpacket sockets, not TCP or AF_UNIX stream; no SO_TIMESTAMPING, IP options or error queue); AF_UNIX MSG_PEEK does not pass files; an error after some datagrams is not kept for the next call (Linux's sk_err)
long sys_recvmmsg(int fd, struct kmmsghdr *uvec, unsigned vlen, int flags, void *utimeout)
{
    struct file *f;
    struct { s64 sec, nsec; } ts;
    u64 end = 0;
    /* as Linux: the timeout is read and checked before the descriptor */
    if (utimeout != NULL) {
        if (copy_from_user(&ts, utimeout, sizeof(ts)) < 0)
            return -EFAULT;
        if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
            return -EINVAL;
        if (ts.sec != 0 || ts.nsec != 0)
            end = now_ns() + (u64)ts.sec * 1000000000UL + (u64)ts.nsec;
        if (end < (u64)ts.nsec)
            end = ~0UL;                /* saturate, as timespec64_add_safe */
    }
    int r = sock_fd(fd, &f);
    unsigned i;
    if (r < 0)
        return r;
    file_get(f);
    long err = 0;
    /* Each datagram is received as recvmsg would (blocking unless MSG_DONTWAIT, or after the
     * first with MSG_WAITFORONE); the timeout is only looked at after each one (man 2
     * recvmmsg, BUGS), and what is left of it written back. */
    for (i = 0; i < vlen; i++) {
        struct kmmsghdr m;
        if (copy_from_user(&m, &uvec[i], sizeof(m)) < 0) {
            err = -EFAULT;
            break;
        }
        long n = recvmsg_one(f, &m.hdr, flags & ~0x10000);
        if (n < 0) {
            err = n;
            break;
        }
        m.len = (u32)n;
        if (copy_to_user(&uvec[i], &m, sizeof(m)) < 0) {
            err = -EFAULT;
            break;
        }
        if ((flags & 0x10000) != 0)    /* MSG_WAITFORONE */
            flags |= MSG_DONTWAIT;
        if (utimeout != NULL) {
            u64 now = now_ns(), left = end > now ? end - now : 0;
            ts.sec = (s64)(left / 1000000000UL);
            ts.nsec = (s64)(left % 1000000000UL);
            if (left == 0) {
                i++;
                break;
            }
        }
        if ((m.hdr.flags & MSG_OOB) != 0) {   /* out-of-band data: at once, as Linux */
            i++;
            break;
        }
    }
    file_put(f);
    if (i == 0)
        return err;
    if (utimeout != NULL && copy_to_user(utimeout, &ts, sizeof(ts)) < 0)
        return -EFAULT;
    return (long)i;
}
