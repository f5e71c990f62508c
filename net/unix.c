/*
 * unix.c - AF_UNIX sockets: stream and datagram, socketpair, bind/listen/
 * accept/connect by name, within the one program solo runs.
 *
 * A stream socket has a byte ring its peer writes into; a datagram socket a
 * queue of messages (each with the sender's name).  A seqpacket socket
 * connects as a stream socket does (listen/connect/accept, socketpair) but
 * its peer writes whole messages into its message queue, as a datagram
 * socket's, so a receive returns at most one message.  Bound sockets are in a
 * kernel table with their names (pathnames made absolute against the cwd;
 * abstract names start with a NUL byte; as Linux's, they are per socket
 * type: a stream and a seqpacket socket may hold the same abstract name).  A pathname bind also makes an
 * S_IFSOCK node in the file system (EADDRINUSE where the path exists) that
 * stays after the socket closes, as Linux's; a pathname is then looked up
 * in the file system and the socket found by that node, so an unlinked or
 * replaced name no longer reaches the socket.
 *
 * Invariants: a->peer == b exactly when b->peer == a for connected stream
 * and seqpacket sockets (release clears both sides and marks the survivor at EOF); a
 * datagram socket's peer is only a default destination and is cleared when
 * that socket goes away (its holders list is walked on release); a bound
 * socket is in the name table until it is released.
 */
#include "net.h"
#include "fs/vfs_impl.h"
#include "syscalls/landlock.h"

#define UNIX_PATH_MAX 108
#define UNIX_RING (256 * 1024)
#define UNIX_DGRAM_MAX (UNIX_RING - 32)
#define SO_PEERCRED 17
#define POLLRDHUP 0x2000

#define UNIX_RIGHTS_MAX 253            /* SCM_MAX_FD */
#define UNIX_QLEN_MAX 512              /* net.unix.max_dgram_qlen */
#define POLLWRBAND 0x200

/* Files passed with SCM_RIGHTS: with a datagram, or at a stream offset. */
struct urights {
    struct urights *next;
    u64 pos, end;                      /* stream: offsets of the bytes they came with */
    int n;
    struct file *f[];
};

struct umsg {
    struct umsg *next;
    struct ksockaddr from;
    u64 tstamp;                        /* realtime ns it was queued (SO_TIMESTAMP) */
    struct urights *rights;
    size_t len;
    u8 data[];
};

struct usock {
    struct sock s;
    struct usock *peer;
    struct ksockaddr name;             /* bound name (len 0: unbound) */
    struct node fsnode;                /* bound to a pathname: its socket node */
    bool fsbound;
    struct usock *name_next;           /* the name table */
    /* stream */
    u8 *ring;
    size_t head, len;                  /* unread bytes start at head */
    u64 rd_total;                      /* bytes read so far (stream offsets) */
    struct urights *rights, *rights_tail;   /* passed files, by stream offset */
    bool eof;                          /* the peer closed or shut down writing */
    bool shut_rd, shut_wr, connected;
    /* datagram and seqpacket */
    struct umsg *mq, *mqtail;
    size_t mq_bytes;
    int mq_n;                          /* messages queued (zero-length ones count too) */
    /* listener */
    struct usock *acq, *acq_tail, *acq_next;
    int acq_len, backlog;
};

static const struct sock_ops unix_ops;
static struct usock *names;            /* every bound socket */
static struct usock *all_dgram;        /* for clearing default peers */

static struct usock *usock_of(struct file *f)
{
    return (struct usock *)f->priv;
}

/* Take over the message's files (the sender's references) as a rights record. */
static struct urights *rights_take(struct sock_msg *m, u64 pos)
{
    if (m->nfiles == 0)
        return NULL;
    struct urights *r = kmalloc(sizeof(*r) + (size_t)m->nfiles * sizeof(r->f[0]));
    if (r == NULL)
        return NULL;
    r->next = NULL;
    r->pos = pos;
    r->n = m->nfiles;
    memcpy(r->f, m->files, (size_t)m->nfiles * sizeof(r->f[0]));
    m->nfiles = 0;                     /* ours now */
    return r;
}

/* Drop passed files nobody received. */
static void rights_free(struct urights *r)
{
    for (int i = 0; i < r->n; i++)
        file_put(r->f[i]);
    kfree(r);
}

/* Hand a rights record to the receiver's message (or drop it: read(2)). */
static void rights_deliver(struct urights *r, struct sock_msg *m)
{
    if (!m->want_files) {
        rights_free(r);
        return;
    }
    m->files = kmalloc((size_t)r->n * sizeof(m->files[0]));
    if (m->files == NULL) {
        rights_free(r);
        return;
    }
    memcpy(m->files, r->f, (size_t)r->n * sizeof(m->files[0]));
    m->nfiles = r->n;
    kfree(r);
}

/* A fresh, unbound socket (stream: with its receive ring), or NULL. */
static struct usock *usock_new(int type)
{
    struct usock *u = kzalloc(sizeof(*u));
    if (u == NULL)
        return NULL;
    sock_init(&u->s, &unix_ops, AF_UNIX, type, 0);
    if (type == SOCK_STREAM) {
        u->ring = kmalloc(UNIX_RING);
        if (u->ring == NULL) {
            kfree(u);
            return NULL;
        }
    } else if (type == SOCK_DGRAM) {
        u->acq_next = all_dgram;       /* datagram sockets never queue connections */
        all_dgram = u;
    }
    return u;
}

int unix_create(int type, struct sock **out)
{
    if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    struct usock *u = usock_new(type);
    if (u == NULL)
        return -ENOMEM;
    *out = &u->s;
    return 0;
}

int unix_pair(int type, struct sock **a, struct sock **b)
{
    struct sock *sa, *sb;
    int r = unix_create(type, &sa);
    if (r < 0)
        return r;
    r = unix_create(type, &sb);
    if (r < 0) {
        sa->ops->release(sa);
        return r;
    }
    struct usock *ua = (struct usock *)sa, *ub = (struct usock *)sb;
    ua->peer = ub;
    ub->peer = ua;
    ua->connected = ub->connected = true;
    *a = sa;
    *b = sb;
    return 0;
}

/* ---------------------------------------------------------------- names */

/* Canonical form of a sockaddr_un: pathnames made absolute, trailing NULs
 * dropped; abstract names kept byte for byte.  0, -EINVAL. */
static int name_canon(const struct ksockaddr *a, struct ksockaddr *out)
{
    u16 fam;
    if (a->len < sizeof(u16))
        return -EINVAL;
    memcpy(&fam, a->data, sizeof(fam));
    if (fam != AF_UNIX)
        return -EINVAL;
    size_t plen = MIN((size_t)a->len - 2, (size_t)UNIX_PATH_MAX);
    const char *p = (const char *)a->data + 2;
    memset(out, 0, sizeof(*out));
    memcpy(out->data, &fam, 2);
    if (plen > 0 && p[0] == '\0') {    /* abstract */
        memcpy(out->data + 2, p, plen);
        out->len = (u32)(2 + plen);
        return 0;
    }
    plen = strnlen(p, plen);
    if (plen == 0)
        return -EINVAL;
    char *d = (char *)out->data + 2;
    size_t at = 0;
    if (p[0] != '/') {
        const char *cwd = vfs_cwd();
        size_t cl = strlen(cwd);
        if (cl + 1 + plen >= sizeof(out->data) - 2)
            return -ENAMETOOLONG;
        memcpy(d, cwd, cl);
        at = cl;
        if (cl == 0 || cwd[cl - 1] != '/')
            d[at++] = '/';
    }
    if (at + plen >= sizeof(out->data) - 2)
        return -ENAMETOOLONG;
    memcpy(d + at, p, plen);
    out->len = (u32)(2 + at + plen + 1);        /* with the NUL, as Linux reports it */
    return 0;
}

/* Same canonical name? */
static bool name_eq(const struct ksockaddr *a, const struct ksockaddr *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* The socket of that type bound to a canonical abstract name, or NULL. */
static struct usock *name_find(const struct ksockaddr *a, int type)
{
    for (struct usock *u = names; u != NULL; u = u->name_next)
        if (u->s.type == type && name_eq(&u->name, a))
            return u;
    return NULL;
}

/* The raw path of sockaddr a (not abstract) into buf (UNIX_PATH_MAX + 1). */
static void raw_path(const struct ksockaddr *a, char *buf)
{
    size_t plen = MIN((size_t)a->len - 2, (size_t)UNIX_PATH_MAX);
    plen = strnlen((const char *)a->data + 2, plen);
    memcpy(buf, a->data + 2, plen);
    buf[plen] = '\0';
}

/* The socket peer address a (canonical form n) names: abstract names by
 * the table (only a socket of the seeker's type), pathnames by the node in
 * the file system (its lookup's -errno; -ECONNREFUSED for a node no socket
 * is bound to, or no socket). */
static int unix_find(const struct ksockaddr *a, const struct ksockaddr *n, int type,
                     struct usock **out)
{
    if (n->data[2] == '\0') {
        *out = name_find(n, type);
        return *out != NULL ? 0 : -ECONNREFUSED;
    }
    char path[UNIX_PATH_MAX + 1];
    struct node fn;
    raw_path(a, path);
    int r = vfs_sock_find(path, &fn);
    if (r < 0)
        return r;
    for (struct usock *u = names; u != NULL; u = u->name_next) {
        if (u->fsbound && u->fsnode.v == fn.v && u->fsnode.id == fn.id) {
            *out = u;
            return 0;
        }
    }
    return -ECONNREFUSED;
}

/* Take u out of the name table. */
static void name_remove(struct usock *u)
{
    for (struct usock **pp = &names; *pp != NULL; pp = &(*pp)->name_next) {
        if (*pp == u) {
            *pp = u->name_next;
            return;
        }
    }
}

/* Enter u's name (set) in the table. */
static void name_insert(struct usock *u)
{
    u->name_next = names;
    names = u;
}

/* Autobind, as Linux: an unbound socket gets a free abstract name, a NUL
 * and five hex digits (address length 8).  0 (also if already bound),
 * -ENOSPC when all 2^20 names are taken. */
static int unix_autobind(struct usock *u)
{
    static u32 next;                   /* Linux starts at a random number */
    u16 fam = AF_UNIX;
    if (u->name.len != 0)
        return 0;
    for (u32 tries = 0; tries <= 0xfffff; tries++) {
        struct ksockaddr n;
        memset(&n, 0, sizeof(n));
        memcpy(n.data, &fam, 2);
        ksnprintf((char *)n.data + 3, 6, "%05x", next);
        n.len = 2 + 1 + 5;
        next = (next + 1) & 0xfffff;
        if (name_find(&n, u->s.type) == NULL) {
            u->name = n;
            name_insert(u);
            return 0;
        }
    }
    return -ENOSPC;
}

/* bind(2): enter the canonical name in the table (EADDRINUSE if taken); an
 * address of just the family autobinds. */
static int unix_bind(struct file *f, const struct ksockaddr *a)
{
    struct usock *u = usock_of(f);
    struct ksockaddr n;
    u16 fam = 0;
    if (a->len >= sizeof(fam))
        memcpy(&fam, a->data, sizeof(fam));
    if (a->len == sizeof(fam) && fam == AF_UNIX)
        return unix_autobind(u);
    int r = name_canon(a, &n);
    if (r == 0)
        r = landlock_bind_unix((const char *)n.data + 2);   /* Landlock MAKE_SOCK */
    if (r < 0)
        return r;
    if (u->name.len != 0)
        return -EINVAL;
    if (n.data[2] != '\0') {           /* a pathname: its node in the file system */
        char path[UNIX_PATH_MAX + 1];
        raw_path(a, path);
        r = vfs_sock_bind(path, &u->fsnode);
        if (r < 0)
            return r;
        u->fsbound = true;
    } else if (name_find(&n, u->s.type) != NULL) {
        return -EADDRINUSE;
    }
    u->name = n;
    name_insert(u);
    return 0;
}

/* getsockname/getpeername: the bound name, or just the family. */
static int unix_name(struct file *f, struct ksockaddr *a, bool peer)
{
    struct usock *u = usock_of(f);
    struct usock *t = peer ? u->peer : u;
    u16 fam = AF_UNIX;
    if (peer && (t == NULL || !u->connected))
        return -ENOTCONN;
    if (t->name.len != 0) {
        *a = t->name;
        return 0;
    }
    memset(a->data, 0, sizeof(a->data));
    memcpy(a->data, &fam, 2);
    a->len = 2;
    return 0;
}

/* ---------------------------------------------------------------- stream */

static int unix_listen(struct file *f, int backlog)
{
    struct usock *u = usock_of(f);
    if (u->s.type == SOCK_DGRAM)
        return -EOPNOTSUPP;
    if (u->connected)
        return -EINVAL;
    if (u->name.len == 0)
        return -EINVAL;                /* no listening on an unbound socket, as Linux */
    u->backlog = backlog < 1 ? 1 : MIN(backlog, 4096);
    u->s.listening = true;
    return 0;
}

/* Connect u to listener l: a server-side socket paired with u waits in l's queue (the caller
 * waits while the backlog is full). */
static int unix_connect_stream(struct file *f, struct usock *u, struct usock *l)
{
    u64 deadline = 0;
    if (!l->s.listening || l->s.type != u->s.type)
        return -ECONNREFUSED;
    while (l->acq_len >= l->backlog) {
        int r = sock_wait(f, &u->s, 0, true, &deadline);
        if (r < 0)
            return r;
        if (!l->s.listening)
            return -ECONNREFUSED;
    }
    struct usock *srv = usock_new(u->s.type);
    if (srv == NULL)
        return -ENOMEM;
    srv->name = l->name;
    srv->peer = u;
    u->peer = srv;
    srv->connected = u->connected = true;
    if (l->acq_tail != NULL)
        l->acq_tail->acq_next = srv;
    else
        l->acq = srv;
    l->acq_tail = srv;
    l->acq_len++;
    sock_wake(&l->s);
    return 0;
}

/* accept(2): the next queued server-side socket, as a file. */
static int unix_accept(struct file *f, int flags, struct file **out, struct ksockaddr *peer)
{
    struct usock *u = usock_of(f);
    u64 deadline = 0;
    if (!u->s.listening)
        return -EINVAL;
    while (u->acq == NULL) {
        int r = sock_wait(f, &u->s, 0, false, &deadline);
        if (r < 0)
            return r;
    }
    struct usock *c = u->acq;
    u->acq = c->acq_next;
    if (u->acq == NULL)
        u->acq_tail = NULL;
    u->acq_len--;
    c->acq_next = NULL;
    sock_wake(&u->s);                  /* a connector may wait for backlog room */
    int r = sock_file(&c->s, flags, out);
    if (r < 0) {
        c->s.ops->release(&c->s);
        return r;
    }
    if (peer != NULL) {
        struct usock *p = c->peer;
        u16 fam = AF_UNIX;
        if (p != NULL && p->name.len != 0) {
            *peer = p->name;
        } else {
            memset(peer->data, 0, sizeof(peer->data));
            memcpy(peer->data, &fam, 2);
            peer->len = 2;
        }
    }
    return 0;
}

/* Stream send: copy into the peer's ring (files ride with the first bytes), waiting for room
 * unless non-blocking. */
static long stream_send(struct file *f, struct usock *u, struct sock_msg *m)
{
    u64 deadline = 0;
    size_t sent = 0;
    if (!u->connected)
        return -ENOTCONN;
    while (sent < m->len || m->len == 0) {
        struct usock *p = u->peer;
        if (u->shut_wr || p == NULL || p->shut_rd)
            return sent > 0 ? (long)sent : -EPIPE;
        size_t room = UNIX_RING - p->len;
        if (room > 0) {
            size_t k = MIN(room, m->len - sent);
            if (m->nfiles > 0 && k > 0) {
                struct urights *r = rights_take(m, p->rd_total + p->len);
                if (r == NULL)
                    return sent > 0 ? (long)sent : -ENOBUFS;
                r->end = r->pos + k;
                if (p->rights_tail != NULL)
                    p->rights_tail->next = r;
                else
                    p->rights = r;
                p->rights_tail = r;
            }
            for (size_t i = 0; i < k;) {
                size_t at = (p->head + p->len) % UNIX_RING;
                size_t c = MIN(k - i, UNIX_RING - at);
                memcpy(p->ring + at, (u8 *)m->buf + sent + i, c);
                p->len += c;
                i += c;
            }
            sent += k;
            sock_wake(&p->s);
            if (m->len == 0)
                break;
            continue;
        }
        if (sock_nonblock(f, m->flags) && sent > 0)
            break;
        int r = sock_wait(f, &u->s, m->flags, true, &deadline);
        if (r < 0)
            return sent > 0 ? (long)sent : r;
    }
    return (long)sent;
}

/* Stream receive from our ring; a read never goes past the bytes sent with passed files (it
 * may begin before them), nor joins two such sends. */
static long stream_recv(struct file *f, struct usock *u, struct sock_msg *m)
{
    u64 deadline = 0;
    size_t got = 0;
    bool peek = (m->flags & MSG_PEEK) != 0;
    bool files = false;                /* files came (kept or dropped): the read ends */
    if (!u->connected)
        return u->s.type == SOCK_STREAM ? -EINVAL : -ENOTCONN;
    for (;;) {
        if (u->len > 0 && got < m->len) {
            size_t k = MIN(u->len, m->len - got);
            struct urights *r = u->rights;
            u64 at = u->rd_total;      /* stream offset of the next unread byte */
            if (r != NULL && r->pos == at && !peek) {
                if (files)
                    return (long)got;  /* a read never spans two senders' files */
                u->rights = r->next;
                if (u->rights == NULL)
                    u->rights_tail = NULL;
                k = MIN(k, (size_t)(r->end - r->pos));   /* only the bytes sent with them */
                rights_deliver(r, m);
                files = true;
                r = u->rights;
            }
            if (r != NULL && r->pos > at)
                k = MIN(k, (size_t)(r->pos - at));
            for (size_t i = 0; i < k;) {
                size_t at = (u->head + i) % UNIX_RING;
                size_t c = MIN(k - i, UNIX_RING - at);
                memcpy((u8 *)m->buf + got + i, u->ring + at, c);
                i += c;
            }
            got += k;
            if (!peek) {
                u->head = (u->head + k) % UNIX_RING;
                u->len -= k;
                u->rd_total += k;
                if (u->peer != NULL)
                    sock_wake(&u->peer->s);
            }
            /* as Linux, a read goes on through bytes already there (without waiting unless
             * MSG_WAITALL) and stops after bytes that came with files */
            if (peek || got == m->len || files)
                return (long)got;
            if ((m->flags & MSG_WAITALL) == 0 && u->len == 0)
                return (long)got;
            continue;
        }
        if (m->len == 0 || u->eof || u->shut_rd || u->peer == NULL)
            return (long)got;
        int r = sock_wait(f, &u->s, m->flags, false, &deadline);
        if (r < 0)
            return got > 0 ? (long)got : r;
    }
}

/* ---------------------------------------------------------------- datagram */

/* Is t's message queue too full for another len bytes? */
static bool mq_full(const struct usock *t, size_t len)
{
    return t->mq != NULL && (t->mq_bytes + len > UNIX_RING || t->mq_n >= UNIX_QLEN_MAX);
}

/* Append m (its bytes, its files, u's name as the sender) to t's queue.  Bytes or -ENOBUFS. */
static long msg_enqueue(struct file *f, struct usock *u, struct usock *t, struct sock_msg *m)
{
    struct umsg *msg = kmalloc(sizeof(*msg) + m->len);
    if (msg == NULL)
        return -ENOBUFS;
    msg->next = NULL;
    msg->len = m->len;
    msg->rights = NULL;
    if (m->nfiles > 0 && (msg->rights = rights_take(m, 0)) == NULL) {
        kfree(msg);
        return -ENOBUFS;
    }
    memcpy(msg->data, m->buf, m->len);
    msg->tstamp = realtime_ns();
    unix_name(f, &msg->from, false);
    if (u->s.type == SOCK_SEQPACKET && u->name.len == 0)
        msg->from.len = 0;             /* an unbound sender: no address, as Linux */
    if (t->mqtail != NULL)
        t->mqtail->next = msg;
    else
        t->mq = msg;
    t->mqtail = msg;
    t->mq_bytes += m->len;
    t->mq_n++;
    sock_wake(&t->s);
    return (long)m->len;
}

/* The destination of a datagram: the named socket, or the default peer. */
static int dgram_target(struct usock *u, struct sock_msg *m, struct usock **out)
{
    struct usock *t = u->peer;
    if (m->addr != NULL && m->addr->len > 0) {
        struct ksockaddr n;
        int r = name_canon(m->addr, &n);
        if (r == 0)
            r = unix_find(m->addr, &n, u->s.type, &t);
        if (r < 0)
            return r;
    } else if (t == NULL) {
        return u->connected ? -ECONNREFUSED : -ENOTCONN;
    }
    if (t->s.type != SOCK_DGRAM)
        return -EPROTOTYPE;
    *out = t;
    return 0;
}

/* One datagram into the target's queue (waiting while it is full). */
static long dgram_send(struct file *f, struct usock *u, struct sock_msg *m)
{
    struct usock *t;
    u64 deadline = 0;
    if (m->len > UNIX_DGRAM_MAX)
        return -EMSGSIZE;
    if (u->shut_wr)
        return -EPIPE;
    if (u->s.passcred) {
        int r = unix_autobind(u);      /* SO_PASSCRED: the receiver sees our name */
        if (r < 0)
            return r;
    }
    for (;;) {
        int r = dgram_target(u, m, &t);
        if (r < 0)
            return r;
        if (!mq_full(t, m->len))
            break;
        r = sock_wait(f, &u->s, m->flags, true, &deadline);
        if (r < 0)
            return r;
    }
    return msg_enqueue(f, u, t, m);
}

/* Seqpacket send: one message into the connected peer's queue (waiting while it is full); the
 * address, if any, is ignored as Linux does.  No SIGPIPE (syscalls/net.c knows). */
static long seq_send(struct file *f, struct usock *u, struct sock_msg *m)
{
    u64 deadline = 0;
    if (!u->connected)
        return -ENOTCONN;
    if ((m->flags & MSG_OOB) != 0)
        return -EOPNOTSUPP;
    if (m->len + 32 > (size_t)u->s.sndbuf || m->len > UNIX_DGRAM_MAX)
        return -EMSGSIZE;
    for (;;) {
        struct usock *p = u->peer;
        if (u->shut_wr || p == NULL || p->shut_rd)
            return -EPIPE;
        if (!mq_full(p, m->len))
            return msg_enqueue(f, u, p, m);
        int r = sock_wait(f, &u->s, m->flags, true, &deadline);
        if (r < 0)
            return r;
    }
}

/* One datagram (or seqpacket message), its sender's name and any passed files; 0 at the end
 * (shut down for reading; seqpacket: the peer closed or shut down writing). */
static long dgram_recv(struct file *f, struct usock *u, struct sock_msg *m)
{
    u64 deadline = 0;
    if (u->s.type == SOCK_SEQPACKET && !u->connected)
        return -ENOTCONN;
    while (u->mq == NULL) {
        if (u->shut_rd || u->eof)
            return 0;
        int r = sock_wait(f, &u->s, m->flags, false, &deadline);
        if (r < 0)
            return r;
    }
    struct umsg *msg = u->mq;
    size_t k = MIN(msg->len, m->len);
    memcpy(m->buf, msg->data, k);
    if (m->addr != NULL)
        *m->addr = msg->from;
    m->tstamp = msg->tstamp;
    if (k < msg->len)
        m->out_flags |= MSG_TRUNC;
    long ret = (long)((m->flags & MSG_TRUNC) != 0 ? msg->len : k);
    if ((m->flags & MSG_PEEK) == 0) {
        u->mq = msg->next;
        if (u->mq == NULL)
            u->mqtail = NULL;
        u->mq_bytes -= msg->len;
        u->mq_n--;
        if (msg->rights != NULL)
            rights_deliver(msg->rights, m);
        kfree(msg);
        vfs_poll_wake();
        if (u->s.type == SOCK_SEQPACKET) {
            if (u->peer != NULL)
                waitq_wake(&u->peer->s.wq, 1 << 30);   /* the one sender */
        } else {
            for (struct usock *s = all_dgram; s != NULL; s = s->acq_next)
                waitq_wake(&s->s.wq, 1 << 30);   /* senders waiting for room */
        }
    }
    return ret;
}

/* ---------------------------------------------------------------- common */

/* connect(2): stream sockets connect to a listener; datagram sockets set (AF_UNSPEC: clear)
 * their default peer. */
static int unix_connect(struct file *f, const struct ksockaddr *a)
{
    struct usock *u = usock_of(f);
    struct ksockaddr n;
    u16 fam = 0;
    if (a->len >= 2)
        memcpy(&fam, a->data, 2);
    if (u->s.type == SOCK_DGRAM && fam == AF_UNSPEC) {
        u->peer = NULL;
        u->connected = false;
        return 0;
    }
    int r = name_canon(a, &n);
    if (r < 0)
        return r;
    if (u->s.passcred && (r = unix_autobind(u)) < 0)
        return r;                      /* SO_PASSCRED: the peer must see a name */
    struct usock *t;
    if ((r = unix_find(a, &n, u->s.type, &t)) < 0)
        return r;
    if (t->s.type != u->s.type)
        return -EPROTOTYPE;            /* as Linux's lookup of the peer */
    if (u->s.type == SOCK_DGRAM) {
        if (t->s.type != SOCK_DGRAM)
            return -EPROTOTYPE;
        u->peer = t;
        u->connected = true;
        return 0;
    }
    if (u->connected)
        return -EISCONN;
    if (u->s.listening)
        return -EINVAL;
    return unix_connect_stream(f, u, t);
}

/* shutdown(2): SHUT_WR gives the peer EOF; SHUT_RD makes reads return 0. */
static int unix_shutdown(struct file *f, int how)
{
    struct usock *u = usock_of(f);
    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    if (!u->connected && !u->s.listening)
        return -ENOTCONN;
    if (how != SHUT_WR)
        u->shut_rd = true;
    if (how != SHUT_RD) {
        u->shut_wr = true;
        if (u->peer != NULL && u->s.type != SOCK_DGRAM) {
            u->peer->eof = true;
            sock_wake(&u->peer->s);
        }
    }
    sock_wake(&u->s);
    return 0;
}

/* send family method: by socket type. */
static long unix_send(struct file *f, struct sock_msg *m)
{
    struct usock *u = usock_of(f);
    if (u->s.type == SOCK_STREAM) {
        if (m->addr != NULL && m->addr->len > 0)
            return u->connected ? -EISCONN : -EOPNOTSUPP;
        return stream_send(f, u, m);
    }
    if (u->s.type == SOCK_SEQPACKET)
        return seq_send(f, u, m);
    return dgram_send(f, u, m);
}

/* recv family method: by socket type. */
static long unix_recv(struct file *f, struct sock_msg *m)
{
    struct usock *u = usock_of(f);
    if (u->s.type == SOCK_STREAM) {
        long r = stream_recv(f, u, m);
        if (r >= 0 && m->addr != NULL)
            m->addr->len = 0;
        return r;
    }
    return dgram_recv(f, u, m);
}

/* poll method: POLL* bits, as Linux reports them. */
static int unix_poll(struct file *f)
{
    struct usock *u = usock_of(f);
    int m = 0;
    if (u->s.listening)
        return u->acq != NULL ? POLLIN | POLLRDNORM : 0;
    if (u->s.type == SOCK_DGRAM) {
        m = POLLOUT | POLLWRNORM;
        if (u->mq != NULL || u->shut_rd)
            m |= POLLIN | POLLRDNORM;
        return m;
    }
    if (u->s.type == SOCK_SEQPACKET) {
        /* as Linux's datagram poll: shutdown bits, the queue, unconnected HUP */
        struct usock *p = u->peer;
        bool rd_shut = u->shut_rd || u->eof;
        bool wr_shut = u->shut_wr || p == NULL || p->shut_rd;
        if (rd_shut)
            m |= POLLRDHUP | POLLIN | POLLRDNORM;
        if (rd_shut && wr_shut)
            m |= POLLHUP;
        if (u->mq != NULL)
            m |= POLLIN | POLLRDNORM;
        if (!u->connected)
            m |= POLLHUP;
        if (p == NULL || !mq_full(p, 0))
            m |= POLLOUT | POLLWRNORM | POLLWRBAND;
        return m;
    }
    if (!u->connected)
        return POLLOUT | POLLHUP;
    if (u->len > 0 || u->eof || u->shut_rd || u->peer == NULL)
        m |= POLLIN | POLLRDNORM;
    if (u->eof || u->shut_rd)
        m |= POLLRDHUP;
    if (u->peer != NULL && !u->shut_wr && u->peer->len < UNIX_RING)
        m |= POLLOUT | POLLWRNORM;
    if (u->peer == NULL || (u->eof && u->shut_wr))
        m |= POLLHUP;
    return m;
}

/* FIONREAD: unread stream bytes, or the next datagram's size. */
static long unix_nread(struct file *f)
{
    struct usock *u = usock_of(f);
    if (u->s.type == SOCK_DGRAM)
        return u->mq != NULL ? (long)u->mq->len : 0;
    if (u->s.type == SOCK_SEQPACKET)
        return (long)u->mq_bytes;      /* all queued messages, as Linux */
    return (long)u->len;
}

struct kucred {
    int pid;
    u32 uid, gid;
};

/* SO_PEERCRED (the one process: pid 1, uid and gid 0). */
static int unix_getopt(struct file *f, int level, int name, void *val, u32 *len)
{
    struct usock *u = usock_of(f);
    if (level != SOL_SOCKET || name != SO_PEERCRED)
        return -ENOPROTOOPT;
    if (u->peer == NULL && !u->connected)
        return -ENOTCONN;
    struct kucred c = { 1, 0, 0 };     /* the one process: pid 1, root */
    u32 n = MIN(*len, (u32)sizeof(c));
    memcpy(val, &c, n);
    *len = n;
    return 0;
}

/* SOL_SOCKET options are all kept in struct sock; nothing else exists. */
static int unix_setopt(struct file *f, int level, int name, const void *val, u32 len)
{
    return level == SOL_SOCKET ? 0 : -ENOPROTOOPT;
}

/* Forget u as the default destination of datagram sockets connected to it. */
static void dgram_unlink(struct usock *u)
{
    for (struct usock **pp = &all_dgram; *pp != NULL;) {
        if (*pp == u) {
            *pp = u->acq_next;
            continue;
        }
        if ((*pp)->peer == u)
            (*pp)->peer = NULL;
        pp = &(*pp)->acq_next;
    }
}

/* Last reference: unbind, reset queued connections, give the peer EOF, free. */
static void unix_release(struct sock *s)
{
    struct usock *u = (struct usock *)s;
    if (u->name.len != 0)
        name_remove(u);
    while (u->acq != NULL) {           /* never accepted: their peers see EOF */
        struct usock *c = u->acq;
        u->acq = c->acq_next;
        c->s.ops->release(&c->s);
    }
    if (u->s.type != SOCK_DGRAM && u->peer != NULL) {
        u->peer->peer = NULL;
        u->peer->eof = true;
        sock_wake(&u->peer->s);
    }
    if (u->s.type == SOCK_DGRAM)
        dgram_unlink(u);
    while (u->mq != NULL) {
        struct umsg *m = u->mq;
        u->mq = m->next;
        if (m->rights != NULL)
            rights_free(m->rights);
        kfree(m);
    }
    while (u->rights != NULL) {
        struct urights *r = u->rights;
        u->rights = r->next;
        rights_free(r);
    }
    kfree(u->ring);
    kfree(u);
}

static const struct sock_ops unix_ops = {
    .bind = unix_bind,
    .listen = unix_listen,
    .accept = unix_accept,
    .connect = unix_connect,
    .shutdown = unix_shutdown,
    .send = unix_send,
    .recv = unix_recv,
    .name = unix_name,
    .setopt = unix_setopt,
    .getopt = unix_getopt,
    .poll = unix_poll,
    .nread = unix_nread,
    .release = unix_release,
};
