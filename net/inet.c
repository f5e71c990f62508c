/*
 * inet.c - AF_INET and AF_INET6 sockets (TCP and UDP) over lwIP's raw API.
 *
 * Each socket (struct isock) owns at most one lwIP pcb.  lwIP calls back
 * into this file (from the device interrupt, the lwIP timer or a socket
 * call) and the callbacks only queue data and change flags, then wake the
 * socket; socket calls do the copying and, for TCP, open the receive window
 * (tcp_recved) as the program consumes bytes, so the window is exactly what
 * the program has not read yet.
 *
 * An AF_INET6 socket is dual-stack (IPV6_V6ONLY off, as Linux's default):
 * its pcb is of lwIP's "any" type and IPv4 peers appear as ::ffff:a.b.c.d.
 *
 * Invariants: isock->tcp/udp is NULL once lwIP has freed the pcb (err
 * callback) or we closed it; a pcb's callback argument is its isock while
 * the socket exists and NULL after release, so late callbacks never touch
 * freed memory.  Connections a listener accepted in lwIP but the program has
 * not accept()ed yet wait on the listener's queue with their own isock (data
 * that arrives meanwhile is buffered there).
 */
#include "net.h"
#include "fs/vfs_impl.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/ip.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"

#define IP_TOS 1
#define IP_TTL 2
#define IP_PKTINFO 8
#define IP_RECVTTL 12
#define IP_RECVTOS 13
#define IPV6_RECVPKTINFO 49
#define IPV6_PKTINFO 50
#define IPV6_RECVHOPLIMIT 51
#define IPV6_HOPLIMIT 52
#define IPV6_RECVTCLASS 66
#define IPV6_TCLASS 67
#define IPPROTO_UDPLITE 136            /* also its option level, SOL_UDPLITE */
#define UDPLITE_SEND_CSCOV 10
#define UDPLITE_RECV_CSCOV 11
#define IP_RECVERR 11
#define IP_MTU_DISCOVER 10
#define IPV6_V6ONLY 26
#define IPV6_UNICAST_HOPS 16
#define IPV6_RECVERR 25
#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#define TCP_CORK 3
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_DEFER_ACCEPT 9
#define TCP_INFO 11
#define TCP_QUICKACK 12
#define TCP_USER_TIMEOUT 18
#define TCP_FASTOPEN 23
#define POLLRDHUP 0x2000

#define UDP_MAX_PAYLOAD 65507
#define STREAM_CHUNK 0xffff            /* tcp_write and tcp_recved take u16 lengths */

/* A received chunk: a pbuf chain (TCP) or one datagram and its source (UDP). */
struct rxent {
    struct rxent *next;
    struct pbuf *p;
    ip_addr_t from;
    u16 port;
    /* UDP: what the IP header said, for the ancillary data recvmsg may ask for */
    ip_addr_t dst;
    u8 ttl, tos;                       /* IPv6: hop limit, traffic class */
    u8 ifindex;
    u64 tstamp;                        /* realtime ns it arrived (SO_TIMESTAMP) */
};

struct isock {
    struct sock s;
    struct tcp_pcb *tcp;
    struct udp_pcb *udp;
    struct rxent *rxq, *rxtail;        /* received, not yet read */
    u32 rx_off;                        /* TCP: bytes of rxq->p already read */
    size_t rx_bytes;                   /* TCP: unread bytes; UDP: queued payload bytes */
    bool eof;                          /* TCP: the peer sent FIN */
    bool connecting, connected;
    bool shut_rd, shut_wr;
    bool v6only, nodelay;
    bool bound;
    bool bind_lock;                    /* bind() named a port or address: kept by disconnect */
    ip_addr_t bind_ip;                 /* what bind() asked for, when bind_lock */
    u16 bind_port;
    struct isock *acq, *acq_tail;      /* listener: connections waiting for accept */
    struct isock *acq_next;
    int acq_len;
    u8 ttl, tos;                       /* IP_TTL, IP_TOS: IPv4 packets */
    s16 hops;                          /* IPV6_UNICAST_HOPS (-1: the default, 64) */
    u8 tclass;                         /* IPV6_TCLASS */
    /* ancillary data recvmsg delivers with each datagram */
    bool recv_ttl, recv_tos, recv_pktinfo;             /* IPv4 packets */
    bool recv_hoplimit, recv_tclass, recv_pktinfo6;    /* IPv6 (and IPV6_PKTINFO for IPv4) */
    /* UDP-Lite: checksum coverage sent, and the least accepted once recv_cc is set */
    u16 send_cscov, recv_cscov;
    bool recv_cc;
};

static const struct sock_ops inet_ops;

/* ---------------------------------------------------------------- helpers */

static int err_to_errno(err_t e)
{
    switch (e) {
    case ERR_OK: return 0;
    case ERR_MEM: return ENOMEM;
    case ERR_BUF: return ENOBUFS;
    case ERR_TIMEOUT: return ETIMEDOUT;
    case ERR_RTE: return ENETUNREACH;
    case ERR_INPROGRESS: return EINPROGRESS;
    case ERR_VAL: return EINVAL;
    case ERR_WOULDBLOCK: return EAGAIN;
    case ERR_USE: return EADDRINUSE;
    case ERR_ALREADY: return EALREADY;
    case ERR_ISCONN: return EISCONN;
    case ERR_CONN: return ENOTCONN;
    case ERR_IF: return ENETDOWN;
    case ERR_ABRT: return ECONNABORTED;
    case ERR_RST: return ECONNRESET;
    case ERR_CLSD: return ENOTCONN;
    case ERR_ARG: return EINVAL;
    default: return EIO;
    }
}

static struct isock *isock_of(struct file *f)
{
    return (struct isock *)f->priv;
}

/* Drop everything received and not read. */
static void rx_free_all(struct isock *is)
{
    while (is->rxq != NULL) {
        struct rxent *e = is->rxq;
        is->rxq = e->next;
        pbuf_free(e->p);
        kfree(e);
    }
    is->rxtail = NULL;
    is->rx_bytes = 0;
    is->rx_off = 0;
}

/* Queue p (taking it over) with its source; false when out of memory (p untouched). */
static bool rx_push(struct isock *is, struct pbuf *p, const ip_addr_t *from, u16 port)
{
    struct rxent *e = kmalloc(sizeof(*e));
    if (e == NULL)
        return false;
    e->next = NULL;
    e->p = p;
    e->port = port;
    e->tstamp = realtime_ns();
    if (from != NULL)
        ip_addr_copy(e->from, *from);
    else
        ip_addr_set_zero(&e->from);
    if (is->rxtail != NULL)
        is->rxtail->next = e;
    else
        is->rxq = e;
    is->rxtail = e;
    return true;
}

/* ---------------------------------------------------------------- addresses */

struct ksin {
    u16 family, port;
    u32 addr;
    u8 zero[8];
};

struct ksin6 {
    u16 family, port;
    u32 flowinfo;
    u32 addr[4];
    u32 scope_id;
};

/* A sockaddr into lwIP form.  0, -EINVAL (short), -EAFNOSUPPORT. */
static int addr_in(struct isock *is, const struct ksockaddr *a, ip_addr_t *ip, u16 *port)
{
    u16 fam;
    if (a->len < sizeof(u16))
        return -EINVAL;
    memcpy(&fam, a->data, sizeof(fam));
    if (is->s.family == AF_INET) {
        struct ksin sin;
        if (a->len < sizeof(sin))
            return -EINVAL;
        if (fam != AF_INET)
            return -EAFNOSUPPORT;
        memcpy(&sin, a->data, sizeof(sin));
        ip_addr_set_ip4_u32_val(*ip, sin.addr);
        *port = lwip_ntohs(sin.port);
        return 0;
    }
    struct ksin6 sin6;
    if (a->len < 24)
        return -EINVAL;
    if (fam != AF_INET6)
        return -EAFNOSUPPORT;
    memset(&sin6, 0, sizeof(sin6));
    memcpy(&sin6, a->data, MIN(a->len, (u32)sizeof(sin6)));
    *port = lwip_ntohs(sin6.port);
    ip6_addr_t a6;
    IP6_ADDR(&a6, sin6.addr[0], sin6.addr[1], sin6.addr[2], sin6.addr[3]);
    if (ip6_addr_isipv4mappedipv6(&a6)) {
        if (is->v6only)
            return -ENETUNREACH;
        ip_addr_set_ip4_u32_val(*ip, sin6.addr[3]);
        return 0;
    }
    ip_addr_copy_from_ip6_packed(*ip, a6);
    if (ip6_addr_islinklocal(&a6) && sin6.scope_id != 0)
        ip6_addr_set_zone(ip_2_ip6(ip), (u8)sin6.scope_id);
    return 0;
}

/* An lwIP address (NULL: unspecified) into the socket's sockaddr form. */
static void addr_out(struct isock *is, const ip_addr_t *ip, u16 port, struct ksockaddr *a)
{
    memset(a->data, 0, sizeof(a->data));
    if (is->s.family == AF_INET) {
        struct ksin sin = { AF_INET, lwip_htons(port), 0, { 0 } };
        if (ip != NULL && IP_IS_V4(ip))
            sin.addr = ip4_addr_get_u32(ip_2_ip4(ip));
        memcpy(a->data, &sin, sizeof(sin));
        a->len = sizeof(sin);
        return;
    }
    struct ksin6 sin6 = { AF_INET6, lwip_htons(port), 0, { 0, 0, 0, 0 }, 0 };
    if (ip != NULL && IP_IS_V4(ip) && !ip_addr_isany(ip)) {
        sin6.addr[2] = PP_HTONL(0x0000ffffUL);
        sin6.addr[3] = ip4_addr_get_u32(ip_2_ip4(ip));
    } else if (ip != NULL && IP_IS_V6(ip)) {
        memcpy(sin6.addr, ip_2_ip6(ip)->addr, 16);
        if (ip6_addr_has_zone(ip_2_ip6(ip)))
            sin6.scope_id = ip6_addr_zone(ip_2_ip6(ip));
    }
    memcpy(a->data, &sin6, sizeof(sin6));
    a->len = sizeof(sin6);
}

/* The lwIP address type new pcbs of this socket get. */
static u8 pcb_type(struct isock *is)
{
    if (is->s.family == AF_INET)
        return IPADDR_TYPE_V4;
    return is->v6only ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY;
}

/* A bind/connect address for a dual-stack socket: "::" means any family. */
static void any_fixup(struct isock *is, ip_addr_t *ip)
{
    if (is->s.family == AF_INET6 && !is->v6only && IP_IS_V6(ip) && ip_addr_isany(ip))
        ip_addr_copy(*ip, *IP_ANY_TYPE);
}

/* ---------------------------------------------------------------- TCP callbacks */

static void tcp_setup(struct isock *is, struct tcp_pcb *pcb);

/* lwIP: data (p) or the peer's FIN (p NULL) arrived on a connection. */
static err_t cb_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct isock *is = arg;
    if (is == NULL) {                  /* released: drop what arrives */
        if (p != NULL) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (p == NULL) {
        is->eof = true;
    } else if (err != ERR_OK) {
        pbuf_free(p);
        return ERR_OK;
    } else {
        if (!rx_push(is, p, NULL, 0))
            return ERR_MEM;            /* lwIP keeps it and offers it again later */
        is->rx_bytes += p->tot_len;
    }
    sock_wake(&is->s);
    return ERR_OK;
}

/* lwIP: the peer acknowledged len bytes: senders may have room. */
static err_t cb_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct isock *is = arg;
    if (is != NULL)
        sock_wake(&is->s);
    return ERR_OK;
}

/* lwIP freed the pcb (reset, abort, timeout). */
static void cb_err(void *arg, err_t err)
{
    struct isock *is = arg;
    if (is == NULL)
        return;
    is->tcp = NULL;
    if (is->connecting)
        is->s.err = err == ERR_RST ? ECONNREFUSED : err == ERR_ABRT ? ETIMEDOUT : err_to_errno(err);
    else
        is->s.err = err == ERR_ABRT ? ECONNRESET : err_to_errno(err);
    is->connecting = false;
    is->eof = true;
    sock_wake(&is->s);
}

/* lwIP: our SYN was answered; the connection is established. */
static err_t cb_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct isock *is = arg;
    if (is == NULL)
        return ERR_OK;
    is->connecting = false;
    is->connected = true;
    sock_wake(&is->s);
    return ERR_OK;
}

/* A fresh socket with no pcb yet, or NULL. */
static struct isock *isock_new(int family, int type, int protocol)
{
    struct isock *is = kzalloc(sizeof(*is));
    if (is == NULL)
        return NULL;
    sock_init(&is->s, &inet_ops, family, type, protocol);
    is->ttl = IP_DEFAULT_TTL;
    is->hops = -1;
    return is;
}

/* lwIP: a listener got a connection: give it a socket and queue it for accept(). */
static err_t cb_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
    struct isock *ls = arg;
    if (ls == NULL || err != ERR_OK || newpcb == NULL)
        return ERR_VAL;
    struct isock *c = isock_new(ls->s.family, ls->s.type, ls->s.protocol);
    if (c == NULL) {
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    c->connected = true;
    c->bound = true;
    c->nodelay = ls->nodelay;
    c->v6only = ls->v6only;
    c->s.keepalive = ls->s.keepalive;
    c->s.rcvtimeo = ls->s.rcvtimeo;
    c->s.sndtimeo = ls->s.sndtimeo;
    tcp_setup(c, newpcb);
    tcp_backlog_delayed(newpcb);       /* holds a backlog slot until accept() */
    if (ls->acq_tail != NULL)
        ls->acq_tail->acq_next = c;
    else
        ls->acq = c;
    ls->acq_tail = c;
    ls->acq_len++;
    sock_wake(&ls->s);
    return ERR_OK;
}

/* Attach pcb to is (callbacks and the socket's options). */
static void tcp_setup(struct isock *is, struct tcp_pcb *pcb)
{
    is->tcp = pcb;
    tcp_arg(pcb, is);
    tcp_recv(pcb, cb_recv);
    tcp_sent(pcb, cb_sent);
    tcp_err(pcb, cb_err);
    if (is->nodelay)
        tcp_nagle_disable(pcb);
    if (is->s.keepalive)
        ip_set_option(pcb, SOF_KEEPALIVE);
}

/* Detach our callbacks from a live pcb and close it (abort when asked to,
 * or when closing fails for lack of memory). */
static void tcp_detach(struct tcp_pcb *pcb, bool abort)
{
    tcp_arg(pcb, NULL);
    if (pcb->state == LISTEN) {
        tcp_accept(pcb, NULL);
        tcp_close(pcb);                /* frees a listener unconditionally */
        return;
    }
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_recv(pcb, NULL);
    if (abort || tcp_close(pcb) != ERR_OK)
        tcp_abort(pcb);
}

/* ---------------------------------------------------------------- creation */

int inet_create(int family, int type, int protocol, struct sock **out)
{
    if (type != SOCK_STREAM && type != SOCK_DGRAM)
        return type == SOCK_RAW ? -EPERM : -ESOCKTNOSUPPORT;
    if (type == SOCK_STREAM && protocol != 0 && protocol != IPPROTO_TCP)
        return -EPROTONOSUPPORT;
    if (type == SOCK_DGRAM && protocol != 0 && protocol != IPPROTO_UDP && protocol != IPPROTO_UDPLITE)
        return -EPROTONOSUPPORT;
    if (protocol == 0)
        protocol = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
    struct isock *is = isock_new(family, type, protocol);
    if (is == NULL)
        return -ENOMEM;
    *out = &is->s;
    return 0;
}

/* The socket's TCP pcb, created on first use (so IPV6_V6ONLY can still
 * change its type).  0 or -ENOMEM. */
static int ensure_pcb(struct isock *is)
{
    if (is->tcp != NULL)
        return 0;
    struct tcp_pcb *pcb = tcp_new_ip_type(pcb_type(is));
    if (pcb == NULL)
        return -ENOMEM;
    if (is->s.reuseaddr)
        ip_set_option(pcb, SOF_REUSEADDR);
    pcb->ttl = is->ttl;
    pcb->tos = is->tos;
    tcp_setup(is, pcb);
    return 0;
}

/* ---------------------------------------------------------------- UDP */

/* Whether a datagram reaches the socket: of its protocol (lwIP matches UDP and UDP-Lite pcbs
 * alike) and, for UDP-Lite, with the checksum coverage the socket asked for (Linux: a
 * partially covered datagram needs UDPLITE_RECV_CSCOV nonzero and no more than its
 * coverage). */
static bool udp_wanted(const struct isock *is, const struct pbuf *p)
{
    bool lite = ip_current_header_proto() == IPPROTO_UDPLITE;
    if (lite != (is->s.protocol == IPPROTO_UDPLITE))
        return false;
    if (!lite || !is->recv_cc)
        return true;
    const struct udp_hdr *h = (const struct udp_hdr *)ip_next_header_ptr();
    u32 cov = lwip_ntohs(h->len);
    if (cov == 0 || cov >= (u32)p->tot_len + UDP_HLEN)
        return true;                   /* the whole datagram is covered */
    return is->recv_cscov != 0 && cov >= is->recv_cscov;
}

static void cb_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    struct isock *is = arg;
    if (is == NULL || is->shut_rd || is->rx_bytes + p->tot_len > (size_t)is->s.rcvbuf ||
        !udp_wanted(is, p) || !rx_push(is, p, addr, port)) {
        pbuf_free(p);                  /* receive buffer full: dropped, as Linux */
        return;
    }
    is->rx_bytes += p->tot_len;
    struct rxent *e = is->rxtail;
    if (ip_current_is_v6()) {
        e->ttl = IP6H_HOPLIM(ip6_current_header());
        e->tos = IP6H_TC(ip6_current_header());
    } else {
        e->ttl = IPH_TTL(ip4_current_header());
        e->tos = IPH_TOS(ip4_current_header());
    }
    ip_addr_copy(e->dst, *ip_current_dest_addr());
    e->ifindex = ip_current_input_netif() != NULL ? netif_get_index(ip_current_input_netif()) : 0;
    sock_wake(&is->s);
}

/* The hop limit/TTL and traffic class/TOS of a packet to dst: the socket's IPv6 or IPv4
 * options by dst's family, or a datagram's own (sendmsg's IPV6_HOPLIMIT/IPV6_TCLASS on an
 * AF_INET6 socket to an IPv6 peer, IP_TTL/IP_TOS on an AF_INET one; -1: none). */
static void out_marks(const struct isock *is, const ip_addr_t *dst, int hl, int tc, u8 *ttl, u8 *tos)
{
    if (dst != NULL && IP_IS_V6(dst)) {
        *ttl = hl >= 0 ? (u8)hl : is->hops >= 0 ? (u8)is->hops : IP_DEFAULT_TTL;
        *tos = tc >= 0 ? (u8)tc : is->tclass;
    } else {
        bool own = is->s.family == AF_INET;
        *ttl = own && hl >= 0 ? (u8)hl : is->ttl;
        *tos = own && tc >= 0 ? (u8)tc : is->tos;
    }
}

/* The socket's UDP pcb, created on first use.  0 or -ENOMEM. */
static int ensure_udp(struct isock *is)
{
    if (is->udp != NULL)
        return 0;
    struct udp_pcb *pcb = udp_new_ip_type(pcb_type(is));
    if (pcb == NULL)
        return -ENOMEM;
    if (is->s.reuseaddr)
        ip_set_option(pcb, SOF_REUSEADDR);
    if (is->s.broadcast)
        ip_set_option(pcb, SOF_BROADCAST);
    pcb->ttl = is->ttl;
    pcb->tos = is->tos;
    if (is->s.protocol == IPPROTO_UDPLITE) {
        udp_setflags(pcb, udp_flags(pcb) | UDP_FLAGS_UDPLITE);
        pcb->chksum_len_tx = is->send_cscov;
    }
    udp_recv(pcb, cb_udp_recv, is);
    is->udp = pcb;
    return 0;
}

/* The socket's pcb for its type.  0 or -ENOMEM. */
static int ensure(struct isock *is)
{
    return is->s.type == SOCK_STREAM ? ensure_pcb(is) : ensure_udp(is);
}

/* ---------------------------------------------------------------- bind/listen/connect */

static int inet_bind(struct file *f, const struct ksockaddr *a)
{
    struct isock *is = isock_of(f);
    ip_addr_t ip;
    u16 port;
    struct ksockaddr a4;
    u32 any;
    /* as Linux, an AF_INET socket accepts AF_UNSPEC with INADDR_ANY (old
     * programs' zeroed sockaddr_in) as AF_INET */
    if (is->s.family == AF_INET && a->len >= 16 && a->data[0] == AF_UNSPEC && a->data[1] == 0) {
        memcpy(&any, a->data + 4, sizeof(any));
        if (any == 0) {
            a4 = *a;
            a4.data[0] = AF_INET;
            a = &a4;
        }
    }
    int r = addr_in(is, a, &ip, &port);
    if (r < 0)
        return r;
    if (is->bound || is->s.listening || is->connected || (is->tcp != NULL && is->tcp->local_port != 0))
        return -EINVAL;
    r = ensure(is);
    if (r < 0)
        return r;
    any_fixup(is, &ip);
    if (!ip_addr_isany(&ip) && !ip_addr_ismulticast(&ip) && !ip_addr_isbroadcast(&ip, netif_default)) {
        bool local = false;
        struct netif *n;
        NETIF_FOREACH(n) {
            if (IP_IS_V4(&ip) && ip4_addr_cmp(ip_2_ip4(&ip), netif_ip4_addr(n)))
                local = true;
            if (IP_IS_V6(&ip) && netif_get_ip6_addr_match(n, ip_2_ip6(&ip)) >= 0)
                local = true;
        }
        if (!local)
            return -EADDRNOTAVAIL;
    }
    err_t e = is->s.type == SOCK_STREAM ? tcp_bind(is->tcp, &ip, port) : udp_bind(is->udp, &ip, port);
    if (e != ERR_OK)
        return -err_to_errno(e);
    is->bound = true;
    is->bind_lock = port != 0 || !ip_addr_isany(&ip);
    ip_addr_copy(is->bind_ip, ip);
    is->bind_port = port;
    return 0;
}

/* listen(2): the pcb becomes a listener (autobound to a free port if unbound). */
static int inet_listen(struct file *f, int backlog)
{
    struct isock *is = isock_of(f);
    if (is->s.type != SOCK_STREAM)
        return -EOPNOTSUPP;
    if (is->connected || is->connecting)
        return -EINVAL;
    if (backlog < 1)
        backlog = 1;
    if (backlog > 255)
        backlog = 255;
    if (is->s.listening)
        return 0;                      /* lwIP cannot change a listener's backlog */
    int r = ensure_pcb(is);
    if (r < 0)
        return r;
    err_t e = ERR_OK;
    struct tcp_pcb *old = is->tcp;
    if (old->local_port == 0)
        e = tcp_bind(old, &old->local_ip, 0);      /* autobind, as Linux */
    if (e != ERR_OK)
        return -err_to_errno(e);
    struct tcp_pcb *l = tcp_listen_with_backlog_and_err(old, (u8)backlog, &e);
    if (l == NULL)
        return e == ERR_USE ? -EADDRINUSE : -ENOMEM;
    is->tcp = l;                       /* lwIP freed the old pcb */
    tcp_arg(l, is);
    tcp_accept(l, cb_accept);
    is->bound = true;
    is->s.listening = true;
    return 0;
}

/* accept(2): wait for a queued connection and wrap it in a file. */
static int inet_accept(struct file *f, int flags, struct file **out, struct ksockaddr *peer)
{
    struct isock *is = isock_of(f);
    u64 deadline = 0;
    if (!is->s.listening)
        return -EINVAL;
    while (is->acq == NULL) {
        int r = sock_wait(f, &is->s, 0, false, &deadline);
        if (r < 0)
            return r;
    }
    struct isock *c = is->acq;
    is->acq = c->acq_next;
    if (is->acq == NULL)
        is->acq_tail = NULL;
    is->acq_len--;
    c->acq_next = NULL;
    if (c->tcp != NULL)
        tcp_backlog_accepted(c->tcp);
    int r = sock_file(&c->s, flags, out);
    if (r < 0) {
        if (c->tcp != NULL)
            tcp_detach(c->tcp, true);
        rx_free_all(c);
        kfree(c);
        return r;
    }
    if (peer != NULL) {
        if (c->tcp != NULL)
            addr_out(c, &c->tcp->remote_ip, c->tcp->remote_port, peer);
        else
            addr_out(c, NULL, 0, peer);
    }
    return 0;
}

/* connect(2) for TCP: EINPROGRESS when non-blocking, else wait for the outcome. */
static int tcp_do_connect(struct file *f, struct isock *is, ip_addr_t *ip, u16 port)
{
    u64 deadline = 0;
    if (is->s.listening)
        return -EISCONN;
    if (is->connected)
        return -EISCONN;
    if (is->connecting)
        return -EALREADY;
    if (is->s.err != 0 && is->tcp == NULL) {
        is->s.err = 0;                 /* a failed attempt: start afresh */
        is->eof = false;
    }
    int r = ensure_pcb(is);
    if (r < 0)
        return r;
    out_marks(is, ip, -1, -1, &is->tcp->ttl, &is->tcp->tos);
    err_t e = tcp_connect(is->tcp, ip, port, cb_connected);
    if (e != ERR_OK)
        return e == ERR_RTE ? -ENETUNREACH : -err_to_errno(e);
    is->connecting = true;
    is->bound = true;
    while (is->connecting) {
        r = sock_wait(f, &is->s, 0, true, &deadline);
        if (r == -EAGAIN)
            return -EINPROGRESS;
        if (r < 0)
            return r;                  /* EINTR: the connection goes on in the background */
    }
    if (!is->connected) {
        int err = is->s.err;
        is->s.err = 0;
        return -(err != 0 ? err : ECONNREFUSED);
    }
    return 0;
}

/* Reset every connection a listener holds for accept(). */
static void acq_reset_all(struct isock *is)
{
    while (is->acq != NULL) {
        struct isock *c = is->acq;
        is->acq = c->acq_next;
        if (c->tcp != NULL) {
            tcp_backlog_accepted(c->tcp);
            tcp_detach(c->tcp, true);
        }
        rx_free_all(c);
        kfree(c);
    }
    is->acq_tail = NULL;
    is->acq_len = 0;
}

/* connect(AF_UNSPEC) on TCP, as Linux's disconnect: a connection (or attempt) is reset with
 * its unread data dropped and ECONNRESET left pending; a listener stops listening and resets
 * the connections queued for accept().  The socket is then unconnected and may connect or
 * listen again; a port bind() named is kept, an automatic one is given up. */
static int tcp_unspec(struct isock *is)
{
    bool reset = is->connected || is->connecting;
    if (!reset && !is->s.listening)
        return 0;                      /* dissolving no association: nothing to do */
    acq_reset_all(is);
    if (is->tcp != NULL)
        tcp_detach(is->tcp, true);
    is->tcp = NULL;
    rx_free_all(is);
    is->connected = is->connecting = is->eof = false;
    is->shut_rd = is->shut_wr = false;
    is->s.listening = false;
    is->s.err = reset ? ECONNRESET : 0;
    is->bound = false;
    if (is->bind_lock && ensure_pcb(is) == 0 &&
        tcp_bind(is->tcp, &is->bind_ip, is->bind_port) == ERR_OK)
        is->bound = true;
    sock_wake(&is->s);
    return 0;
}

/* connect(AF_UNSPEC) on UDP: the default peer goes, the local address stays (Linux may move
 * an automatic port; programs cannot rely on either). */
static int udp_unspec(struct isock *is)
{
    if (is->udp != NULL)
        udp_disconnect(is->udp);
    is->connected = false;
    return 0;
}

/* connect(2): TCP connects; UDP sets the default peer; AF_UNSPEC dissolves either. */
static int inet_connect(struct file *f, const struct ksockaddr *a)
{
    struct isock *is = isock_of(f);
    ip_addr_t ip;
    u16 port;
    u16 fam = 0;
    if (a->len < sizeof(u16))
        return -EINVAL;
    memcpy(&fam, a->data, sizeof(fam));
    if (fam == AF_UNSPEC)
        return is->s.type == SOCK_DGRAM ? udp_unspec(is) : tcp_unspec(is);
    int r = addr_in(is, a, &ip, &port);
    if (r < 0)
        return r;
    if (is->s.type == SOCK_STREAM)
        return tcp_do_connect(f, is, &ip, port);
    r = ensure_udp(is);
    if (r < 0)
        return r;
    if (ip_addr_isany(&ip))            /* Linux: connecting to "any" means loopback */
        ip_addr_set_loopback(IP_IS_V6(&ip), &ip);
    err_t e = udp_connect(is->udp, &ip, port);
    if (e != ERR_OK)
        return -err_to_errno(e);
    is->connected = true;
    is->bound = true;
    return 0;
}

/* shutdown(2): SHUT_WR sends a FIN; SHUT_RD makes reads return 0. */
static int inet_shutdown(struct file *f, int how)
{
    struct isock *is = isock_of(f);
    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    if (is->s.type == SOCK_STREAM && !is->connected && !is->s.listening)
        return -ENOTCONN;
    if (how != SHUT_WR)
        is->shut_rd = true;
    if (how != SHUT_RD && !is->shut_wr) {
        is->shut_wr = true;
        if (is->tcp != NULL && is->connected) {
            err_t e = tcp_shutdown(is->tcp, 0, 1);
            if (e != ERR_OK)
                return -err_to_errno(e);
        }
    }
    if (is->s.listening && how != SHUT_WR) {
        is->eof = true;
    }
    sock_wake(&is->s);
    return 0;
}

/* ---------------------------------------------------------------- data */

/* Copy up to n unread stream bytes to buf (consuming them unless peek). */
static size_t tcp_take(struct isock *is, u8 *buf, size_t n, bool peek)
{
    size_t got = 0;
    struct rxent *e = is->rxq;
    u32 off = is->rx_off;
    while (e != NULL && got < n) {
        u16 avail = (u16)(e->p->tot_len - off);
        u16 k = (u16)MIN((size_t)avail, n - got);
        pbuf_copy_partial(e->p, buf + got, k, (u16)off);
        got += k;
        off += k;
        if (off < e->p->tot_len)
            break;
        e = e->next;
        off = 0;
        if (!peek) {
            struct rxent *done = is->rxq;
            is->rxq = e;
            pbuf_free(done->p);
            kfree(done);
        }
    }
    if (!peek) {
        if (is->rxq == NULL)
            is->rxtail = NULL;
        is->rx_off = is->rxq != NULL ? off : 0;
        is->rx_bytes -= got;
        for (size_t left = got; left > 0 && is->tcp != NULL;) {
            u16 k = (u16)MIN(left, (size_t)STREAM_CHUNK);
            tcp_recved(is->tcp, k);     /* reopen the window by what was read */
            left -= k;
        }
    }
    return got;
}

/* Stream receive: what is there (all of it with MSG_WAITALL), 0 at EOF. */
static long tcp_recv_msg(struct file *f, struct isock *is, struct sock_msg *m)
{
    u64 deadline = 0;
    size_t got = 0;
    bool peek = (m->flags & MSG_PEEK) != 0;
    if (m->flags & MSG_OOB)
        return -EINVAL;
    if (!is->connected && !is->eof) {
        int e = is->s.err;             /* an error left by a disconnect, else none */
        is->s.err = 0;
        return -(e != 0 ? e : ENOTCONN);
    }
    for (;;) {
        if (is->rx_bytes > 0 && m->len > got) {
            got += tcp_take(is, (u8 *)m->buf + got, m->len - got, peek);
            if (peek || (m->flags & MSG_WAITALL) == 0 || got == m->len)
                return (long)got;
        }
        if (m->len == 0)
            return 0;
        if (is->s.err != 0 && got == 0 && is->rx_bytes == 0) {
            int e = is->s.err;
            is->s.err = 0;
            return -e;
        }
        if (is->eof || is->shut_rd || is->tcp == NULL)
            return (long)got;
        int r = sock_wait(f, &is->s, m->flags, false, &deadline);
        if (r < 0)
            return got > 0 ? (long)got : r;
    }
}

/* Stream send: queue as much as the send buffer takes, waiting for room unless non-blocking
 * (then a short count, or EAGAIN). */
static long tcp_send_msg(struct file *f, struct isock *is, struct sock_msg *m)
{
    u64 deadline = 0;
    size_t sent = 0;
    if (is->shut_wr)
        return -EPIPE;
    if (!is->connected && is->s.err != 0) {
        int e = is->s.err;             /* a pending error first, as Linux */
        is->s.err = 0;
        return -e;
    }
    if (!is->connected)
        return -EPIPE;                 /* never connected: EPIPE, as Linux */
    while (sent < m->len) {
        if (is->tcp == NULL) {
            if (sent > 0)
                break;
            int e = is->s.err;
            is->s.err = 0;
            return e == ECONNRESET ? -ECONNRESET : -EPIPE;
        }
        u32 room = tcp_sndbuf(is->tcp);
        size_t k = MIN(MIN((size_t)room, m->len - sent), (size_t)STREAM_CHUNK);
        err_t e = ERR_MEM;
        if (k > 0 && tcp_sndqueuelen(is->tcp) < TCP_SND_QUEUELEN - 8) {
            u8 fl = TCP_WRITE_FLAG_COPY;
            if (sent + k < m->len || (m->flags & MSG_MORE) != 0)
                fl |= TCP_WRITE_FLAG_MORE;
            e = tcp_write(is->tcp, (u8 *)m->buf + sent, (u16)k, fl);
        }
        if (e == ERR_OK) {
            sent += k;
            continue;
        }
        if (e != ERR_MEM)
            return sent > 0 ? (long)sent : -err_to_errno(e);
        tcp_output(is->tcp);
        if (sock_nonblock(f, m->flags) && sent > 0)
            break;
        int r = sock_wait(f, &is->s, m->flags, true, &deadline);
        if (r < 0)
            return sent > 0 ? (long)sent : r;
    }
    if (is->tcp != NULL && (m->flags & MSG_MORE) == 0)
        tcp_output(is->tcp);
    return (long)sent;
}

/* Add one ancillary item to m. */
static void anc_put(struct sock_msg *m, int level, int type, const void *data, u32 len)
{
    if (m->nanc >= (int)(sizeof(m->anc) / sizeof(m->anc[0])))
        return;
    struct sock_cmsg *c = &m->anc[m->nanc++];
    c->level = level;
    c->type = type;
    c->len = len;
    memcpy(c->data, data, len);
}

/* The ancillary data the socket's options ask for about datagram e, in Linux's order:
 * IPV6_PKTINFO, then for an IPv4 packet IP_PKTINFO, IP_TTL, IP_TOS, for an IPv6 one
 * IPV6_HOPLIMIT, IPV6_TCLASS. */
static void udp_anc(struct isock *is, const struct rxent *e, struct sock_msg *m)
{
    if (is->recv_pktinfo6 && is->s.family == AF_INET6) {
        struct ksockaddr a;            /* in6_pktinfo: address (IPv4 ones mapped), ifindex */
        u32 pi[5];
        addr_out(is, &e->dst, 0, &a);
        memcpy(pi, ((struct ksin6 *)a.data)->addr, 16);
        pi[4] = e->ifindex;
        anc_put(m, IPPROTO_IPV6, IPV6_PKTINFO, pi, sizeof(pi));
    }
    if (IP_IS_V4(&e->dst)) {
        if (is->recv_pktinfo) {
            u32 pi[3];                 /* in_pktinfo: ifindex, local address, header destination */
            pi[0] = e->ifindex;
            pi[1] = pi[2] = ip4_addr_get_u32(ip_2_ip4(&e->dst));
            anc_put(m, IPPROTO_IP, IP_PKTINFO, pi, sizeof(pi));
        }
        int ttl = e->ttl;
        if (is->recv_ttl)
            anc_put(m, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
        if (is->recv_tos)
            anc_put(m, IPPROTO_IP, IP_TOS, &e->tos, 1);
        return;
    }
    int hl = e->ttl, tc = e->tos;
    if (is->recv_hoplimit)
        anc_put(m, IPPROTO_IPV6, IPV6_HOPLIMIT, &hl, sizeof(hl));
    if (is->recv_tclass)
        anc_put(m, IPPROTO_IPV6, IPV6_TCLASS, &tc, sizeof(tc));
}

/* One datagram (truncated to the buffer: MSG_TRUNC) and its source. */
static long udp_recv_msg(struct file *f, struct isock *is, struct sock_msg *m)
{
    u64 deadline = 0;
    if (m->flags & MSG_OOB)
        return -EOPNOTSUPP;
    while (is->rxq == NULL) {
        if (is->s.err != 0) {
            int e = is->s.err;
            is->s.err = 0;
            return -e;
        }
        if (is->shut_rd)
            return 0;
        int r = sock_wait(f, &is->s, m->flags, false, &deadline);
        if (r < 0)
            return r;
    }
    struct rxent *e = is->rxq;
    size_t len = e->p->tot_len, k = MIN(len, m->len);
    pbuf_copy_partial(e->p, m->buf, (u16)k, 0);
    if (m->addr != NULL)
        addr_out(is, &e->from, e->port, m->addr);
    udp_anc(is, e, m);
    m->tstamp = e->tstamp;
    if (k < len)
        m->out_flags |= MSG_TRUNC;
    if ((m->flags & MSG_PEEK) == 0) {
        is->rxq = e->next;
        if (is->rxq == NULL)
            is->rxtail = NULL;
        is->rx_bytes -= len;
        pbuf_free(e->p);
        kfree(e);
    }
    return (long)((m->flags & MSG_TRUNC) != 0 ? len : k);
}

/* One datagram to m->addr or the connected peer. */
static long udp_send_msg(struct file *f, struct isock *is, struct sock_msg *m)
{
    ip_addr_t ip;
    u16 port = 0;
    err_t e;
    if (is->shut_wr)
        return -EPIPE;
    if (m->len > UDP_MAX_PAYLOAD)
        return -EMSGSIZE;
    if (m->addr != NULL && m->addr->len > 0) {
        int r = addr_in(is, m->addr, &ip, &port);
        if (r < 0)
            return r;
    } else if (!is->connected) {
        return -EDESTADDRREQ;
    }
    int r = ensure_udp(is);
    if (r < 0)
        return r;
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16)m->len, PBUF_RAM);
    if (p == NULL)
        return -ENOBUFS;
    if (m->len > 0)
        pbuf_take(p, m->buf, (u16)m->len);
    bool to = m->addr != NULL && m->addr->len > 0;
    out_marks(is, to ? &ip : &is->udp->remote_ip, m->hoplimit, m->tclass, &is->udp->ttl, &is->udp->tos);
    if (to)
        e = udp_sendto(is->udp, p, &ip, port);
    else
        e = udp_send(is->udp, p);
    pbuf_free(p);
    is->bound = true;
    if (e != ERR_OK)
        return e == ERR_RTE ? -ENETUNREACH : e == ERR_MEM ? -ENOBUFS : -err_to_errno(e);
    return (long)m->len;
}

/* recv family method: by socket type. */
static long inet_recv(struct file *f, struct sock_msg *m)
{
    struct isock *is = isock_of(f);
    if (is->s.listening)
        return -ENOTCONN;
    if (is->s.type == SOCK_STREAM) {
        long r = tcp_recv_msg(f, is, m);
        if (r >= 0 && m->addr != NULL)
            m->addr->len = 0;          /* stream sockets report no source address */
        return r;
    }
    return udp_recv_msg(f, is, m);
}

/* send family method: by socket type. */
static long inet_send(struct file *f, struct sock_msg *m)
{
    struct isock *is = isock_of(f);
    if (is->s.type == SOCK_STREAM) {
        if (m->addr != NULL && m->addr->len > 0 && !is->connected)
            return -EPIPE;
        return tcp_send_msg(f, is, m);
    }
    return udp_send_msg(f, is, m);
}

/* ---------------------------------------------------------------- names, poll */

static int inet_name(struct file *f, struct ksockaddr *a, bool peer)
{
    struct isock *is = isock_of(f);
    if (is->s.type == SOCK_STREAM) {
        if (peer && (!is->connected || is->tcp == NULL))
            return -ENOTCONN;
        if (is->tcp == NULL) {
            addr_out(is, NULL, 0, a);
            return 0;
        }
        if (peer)
            addr_out(is, &is->tcp->remote_ip, is->tcp->remote_port, a);
        else
            addr_out(is, &is->tcp->local_ip, is->tcp->local_port, a);
        return 0;
    }
    if (peer && !is->connected)
        return -ENOTCONN;
    if (is->udp == NULL) {
        addr_out(is, NULL, 0, a);
        return 0;
    }
    if (peer)
        addr_out(is, &is->udp->remote_ip, is->udp->remote_port, a);
    else
        addr_out(is, &is->udp->local_ip, is->udp->local_port, a);
    return 0;
}

/* Readiness of a TCP socket, as Linux reports it. */
static int tcp_poll_bits(struct isock *is)
{
    int m = 0;
    if (is->s.listening)
        return is->acq != NULL ? POLLIN | POLLRDNORM : 0;
    if (is->rx_bytes > 0 || is->eof || is->shut_rd)
        m |= POLLIN | POLLRDNORM;
    if (is->eof || is->shut_rd)
        m |= POLLRDHUP;
    if (is->s.err != 0)
        m |= POLLERR;
    if (is->connected && is->tcp != NULL && !is->shut_wr && tcp_sndbuf(is->tcp) > TCP_SNDLOWAT &&
        tcp_sndqueuelen(is->tcp) < TCP_SNDQUEUELOWAT)
        m |= POLLOUT | POLLWRNORM;
    if (is->tcp == NULL && (is->connected || is->s.err != 0))
        m |= POLLHUP | POLLOUT | POLLWRNORM;      /* reset or failed connect */
    if (is->eof && is->shut_wr)
        m |= POLLHUP;
    if (!is->connected && !is->connecting && is->s.err == 0 && !is->eof)
        m |= POLLOUT | POLLHUP;        /* never connected: as Linux */
    return m;
}

/* poll method: POLL* bits of the socket. */
static int inet_poll(struct file *f)
{
    struct isock *is = isock_of(f);
    if (is->s.type == SOCK_STREAM)
        return tcp_poll_bits(is);
    int m = POLLOUT | POLLWRNORM;
    if (is->rxq != NULL || is->shut_rd)
        m |= POLLIN | POLLRDNORM;
    if (is->s.err != 0)
        m |= POLLERR;
    return m;
}

/* FIONREAD: unread stream bytes, or the next datagram's size. */
static long inet_nread(struct file *f)
{
    struct isock *is = isock_of(f);
    if (is->s.type == SOCK_DGRAM)
        return is->rxq != NULL ? is->rxq->p->tot_len : 0;
    return (long)is->rx_bytes;
}

/* ---------------------------------------------------------------- options */

static int opt_int(const void *val, u32 len, int *v)
{
    if (len < sizeof(int))
        return -EINVAL;
    memcpy(v, val, sizeof(int));
    return 0;
}

/* Return an int option value (truncated to the caller's length). */
static int opt_put(void *val, u32 *len, int v)
{
    u32 n = MIN(*len, (u32)sizeof(int));
    memcpy(val, &v, n);
    *len = n;
    return 0;
}

/* Mirror SO_REUSEADDR/SO_KEEPALIVE/SO_BROADCAST onto the pcb. */
static void apply_so(struct isock *is, int name)
{
    struct ip_pcb *pcb = is->tcp != NULL ? (struct ip_pcb *)is->tcp : (struct ip_pcb *)is->udp;
    u8 bit = name == 2 ? SOF_REUSEADDR : name == 9 ? SOF_KEEPALIVE : name == 6 ? SOF_BROADCAST : 0;
    bool on = name == 2 ? is->s.reuseaddr : name == 9 ? is->s.keepalive : is->s.broadcast;
    if (pcb == NULL || bit == 0)
        return;
    if (on)
        ip_set_option(pcb, bit);
    else
        ip_reset_option(pcb, bit);
}

/* IPPROTO_TCP options.  0, -EINVAL or -ENOPROTOOPT. */
static int tcp_setopt(struct isock *is, int name, int v)
{
    switch (name) {
    case TCP_NODELAY:
        is->nodelay = v != 0;
        if (is->tcp != NULL && !is->s.listening) {
            if (v)
                tcp_nagle_disable(is->tcp);
            else
                tcp_nagle_enable(is->tcp);
        }
        return 0;
    case TCP_KEEPIDLE:
    case TCP_KEEPINTVL:
    case TCP_KEEPCNT:
        if (v < 1)
            return -EINVAL;
        if (is->tcp != NULL && !is->s.listening) {
            if (name == TCP_KEEPIDLE)
                is->tcp->keep_idle = (u32)v * 1000;
            else if (name == TCP_KEEPINTVL)
                is->tcp->keep_intvl = (u32)v * 1000;
            else
                is->tcp->keep_cnt = (u32)v;
        }
        return 0;
    case TCP_MAXSEG: case TCP_CORK: case TCP_QUICKACK: case TCP_DEFER_ACCEPT:
    case TCP_USER_TIMEOUT: case TCP_FASTOPEN:
        return 0;                      /* accepted; lwIP has no knob for these */
    default:
        return -ENOPROTOOPT;
    }
}

/* SOL_UDP / SOL_UDPLITE options: UDP-Lite's checksum coverage (0: all; else at least the
 * 8-byte header, at most 65535).  0 or -ENOPROTOOPT. */
static int udp_setopt(struct isock *is, int name, int v)
{
    if (is->s.protocol != IPPROTO_UDPLITE || (name != UDPLITE_SEND_CSCOV && name != UDPLITE_RECV_CSCOV))
        return -ENOPROTOOPT;
    u16 cov = v == 0 ? 0 : v < UDP_HLEN ? UDP_HLEN : v > 0xffff ? 0xffff : (u16)v;
    if (name == UDPLITE_SEND_CSCOV) {
        is->send_cscov = cov;
        if (is->udp != NULL)
            is->udp->chksum_len_tx = cov;
    } else {
        is->recv_cscov = cov;
        is->recv_cc = true;
    }
    return 0;
}

/* A changed TTL/TOS or hop limit/traffic class reaches a connection's pcb (UDP sets them per
 * datagram). */
static void marks_apply(struct isock *is)
{
    if (is->tcp != NULL && !is->s.listening)
        out_marks(is, is->connected || is->connecting ? &is->tcp->remote_ip : NULL, -1, -1,
                  &is->tcp->ttl, &is->tcp->tos);
}

/* setsockopt for SOL_SOCKET (after socket.c), IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP. */
static int inet_setopt(struct file *f, int level, int name, const void *val, u32 len)
{
    struct isock *is = isock_of(f);
    int v, r = opt_int(val, len, &v);
    if (level == SOL_SOCKET) {
        apply_so(is, name);
        return 0;
    }
    if (r < 0)
        return r;
    if (level == IPPROTO_TCP && is->s.type == SOCK_STREAM)
        return tcp_setopt(is, name, v);
    if ((level == IPPROTO_UDP || level == IPPROTO_UDPLITE) && is->s.type == SOCK_DGRAM)
        return udp_setopt(is, name, v);
    if (level == IPPROTO_IP) {
        if (name == IP_TTL) {
            if (v < -1 || v == 0 || v > 255)
                return -EINVAL;
            is->ttl = v == -1 ? IP_DEFAULT_TTL : (u8)v;
        } else if (name == IP_TOS) {
            is->tos = (u8)v;
        } else if (name == IP_RECVTTL) {
            is->recv_ttl = v != 0;
        } else if (name == IP_RECVTOS) {
            is->recv_tos = v != 0;
        } else if (name == IP_PKTINFO) {
            is->recv_pktinfo = v != 0;
        } else if (name != IP_RECVERR && name != IP_MTU_DISCOVER) {
            return -ENOPROTOOPT;
        }
        marks_apply(is);
        return 0;
    }
    if (level == IPPROTO_IPV6 && is->s.family == AF_INET6) {
        switch (name) {
        case IPV6_V6ONLY:
            if (is->bound || is->tcp != NULL || is->udp != NULL)
                return -EINVAL;
            is->v6only = v != 0;
            return 0;
        case IPV6_UNICAST_HOPS:
            if (v < -1 || v > 255)
                return -EINVAL;
            is->hops = (s16)v;
            break;
        case IPV6_TCLASS:
            if (v < -1 || v > 255)
                return -EINVAL;
            is->tclass = v == -1 ? 0 : (u8)v;
            break;
        case IPV6_RECVHOPLIMIT: is->recv_hoplimit = v != 0; return 0;
        case IPV6_RECVTCLASS: is->recv_tclass = v != 0; return 0;
        case IPV6_RECVPKTINFO: is->recv_pktinfo6 = v != 0; return 0;
        case IPV6_RECVERR: return 0;
        default: return -ENOPROTOOPT;
        }
        marks_apply(is);
        return 0;
    }
    return -ENOPROTOOPT;
}

/* getsockopt for IPPROTO_IP, IPPROTO_IPV6 and IPPROTO_TCP. */
static int inet_getopt(struct file *f, int level, int name, void *val, u32 *len)
{
    struct isock *is = isock_of(f);
    if (level == IPPROTO_TCP && is->s.type == SOCK_STREAM) {
        switch (name) {
        case TCP_NODELAY: return opt_put(val, len, is->nodelay);
        case TCP_MAXSEG: return opt_put(val, len, is->tcp != NULL ? tcp_mss(is->tcp) : TCP_MSS);
        case TCP_KEEPIDLE: return opt_put(val, len, is->tcp ? (int)(is->tcp->keep_idle / 1000) : 7200);
        case TCP_KEEPINTVL: return opt_put(val, len, is->tcp ? (int)(is->tcp->keep_intvl / 1000) : 75);
        case TCP_KEEPCNT: return opt_put(val, len, is->tcp ? (int)is->tcp->keep_cnt : 9);
        case TCP_CORK: case TCP_QUICKACK: return opt_put(val, len, 0);
        default: return -ENOPROTOOPT;
        }
    }
    if ((level == IPPROTO_UDP || level == IPPROTO_UDPLITE) && is->s.type == SOCK_DGRAM) {
        /* as Linux, plain UDP sockets read UDP-Lite's coverage (0) too */
        if (name == UDPLITE_SEND_CSCOV)
            return opt_put(val, len, is->send_cscov);
        if (name == UDPLITE_RECV_CSCOV)
            return opt_put(val, len, is->recv_cscov);
        return -ENOPROTOOPT;
    }
    if (level == IPPROTO_IP) {
        switch (name) {
        case IP_TTL: return opt_put(val, len, is->ttl);
        case IP_TOS: return opt_put(val, len, is->tos);
        case IP_RECVTTL: return opt_put(val, len, is->recv_ttl);
        case IP_RECVTOS: return opt_put(val, len, is->recv_tos);
        case IP_PKTINFO: return opt_put(val, len, is->recv_pktinfo);
        default: return -ENOPROTOOPT;
        }
    }
    if (level == IPPROTO_IPV6 && is->s.family == AF_INET6) {
        switch (name) {
        case IPV6_V6ONLY: return opt_put(val, len, is->v6only);
        case IPV6_UNICAST_HOPS: return opt_put(val, len, is->hops >= 0 ? is->hops : IP_DEFAULT_TTL);
        case IPV6_TCLASS: return opt_put(val, len, is->tclass);
        case IPV6_RECVHOPLIMIT: return opt_put(val, len, is->recv_hoplimit);
        case IPV6_RECVTCLASS: return opt_put(val, len, is->recv_tclass);
        case IPV6_RECVPKTINFO: return opt_put(val, len, is->recv_pktinfo6);
        default: return -ENOPROTOOPT;
        }
    }
    return -ENOPROTOOPT;
}

/* ---------------------------------------------------------------- release */

static void inet_release(struct sock *s)
{
    struct isock *is = (struct isock *)s;
    acq_reset_all(is);                 /* connections nobody accepted: reset */
    if (is->tcp != NULL)
        tcp_detach(is->tcp, is->s.linger_on && is->s.linger_s == 0);
    if (is->udp != NULL) {
        udp_recv(is->udp, NULL, NULL);
        udp_remove(is->udp);
    }
    rx_free_all(is);
    kfree(is);
}

static const struct sock_ops inet_ops = {
    .bind = inet_bind,
    .listen = inet_listen,
    .accept = inet_accept,
    .connect = inet_connect,
    .shutdown = inet_shutdown,
    .send = inet_send,
    .recv = inet_recv,
    .name = inet_name,
    .setopt = inet_setopt,
    .getopt = inet_getopt,
    .poll = inet_poll,
    .nread = inet_nread,
    .release = inet_release,
};
