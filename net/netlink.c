/*
 * netlink.c - AF_NETLINK sockets, protocol NETLINK_ROUTE: what glibc's and
 * musl's getifaddrs/if_nameindex, iproute-style tools and Python's
 * socket.if_nameindex() ask the kernel.  Also the interface table the
 * SIOCGIF* ioctls read (socket.c), so names and indexes agree everywhere.
 *
 * Interfaces are lwIP's netifs: loopback is "lo" (index 1, lwIP adds it
 * first), the virtio-net interfaces "eth0", "eth1"... in index order; the
 * index is lwIP's netif index, which is also the IPv6 scope id inet.c uses.
 *
 * A request (sendmsg) is answered at once: every reply message is built and
 * queued on the socket as datagrams of at most NL_CHUNK bytes (a dump packs
 * several messages into one datagram and ends with NLMSG_DONE, as Linux
 * does), which recvmsg hands out one per call.  Nothing is ever multicast:
 * solo's interfaces and addresses do not change after boot, so group
 * subscriptions are recorded (getsockname shows them) but no notification
 * arrives.  Changes (RTM_NEW*, RTM_DEL*, RTM_SET*) are refused with EPERM,
 * as for a process without CAP_NET_ADMIN: the configuration is solo's (DHCP
 * or the manifest), not the program's.
 */
#include "net.h"
#include "fs/vfs_impl.h"
#include "syscalls/syscalls.h"
#include "lwip/netif.h"
#include "lwip/dhcp.h"
#include "lwip/ip4_addr.h"
#include "lwip/ip6_addr.h"
#include "lwip/priv/nd6_priv.h"

#define NETLINK_ROUTE 0
#define SOL_NETLINK 270
#define NETLINK_ADD_MEMBERSHIP 1
#define NETLINK_DROP_MEMBERSHIP 2
#define NETLINK_BROADCAST_ERROR 4
#define NETLINK_NO_ENOBUFS 5
#define NETLINK_CAP_ACK 10
#define NETLINK_EXT_ACK 11
#define NETLINK_GET_STRICT_CHK 12
#define RTNLGRP_MAX 64                 /* groups we accept (Linux has fewer than 64) */

/* <linux/netlink.h> */
#define NLMSG_HDRLEN 16
#define NLMSG_ALIGN(n) (((n) + 3) & ~(size_t)3)
#define NLMSG_NOOP 1
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLMSG_MIN_TYPE 16
#define NLM_F_REQUEST 0x1
#define NLM_F_MULTI 0x2
#define NLM_F_ACK 0x4
#define NLM_F_DUMP 0x300
#define NLM_F_CAPPED 0x100

/* <linux/rtnetlink.h> */
#define RTM_BASE 16
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_GETADDR 22
#define RTM_NEWROUTE 24
#define RTM_GETROUTE 26
#define RTM_MAX 0x7f                   /* above any type Linux knows: EOPNOTSUPP */
#define IFLA_ADDRESS 1
#define IFLA_BROADCAST 2
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFLA_TXQLEN 13
#define IFLA_OPERSTATE 16
#define IFLA_LINKMODE 17
#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define IFA_BROADCAST 4
#define IFA_CACHEINFO 6
#define IFA_FLAGS 8
#define IFA_PROTO 11
#define IFA_F_DADFAILED 0x08
#define IFA_F_DEPRECATED 0x20
#define IFA_F_TENTATIVE 0x40
#define IFA_F_PERMANENT 0x80
#define INFINITY_LIFE_TIME 0xffffffffu /* ifa_cacheinfo's lifetime of a permanent address */
#define IFAPROT_KERNEL_LO 1            /* ::1 */
#define IFAPROT_KERNEL_RA 2            /* SLAAC, from a router advertisement */
#define IFAPROT_KERNEL_LL 3            /* the link-local address */
#define RTA_DST 1
#define RTA_OIF 4
#define RTA_GATEWAY 5
#define RTA_PREFSRC 7
#define RTA_PRIORITY 6
#define RTA_CACHEINFO 12
#define RTA_TABLE 15
#define RTA_PREF 20
#define RT_TABLE_MAIN 254
#define RT_TABLE_LOCAL 255
#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_SITE 200
#define RT_SCOPE_LINK 253
#define RT_SCOPE_HOST 254
#define RTPROT_KERNEL 2
#define RTPROT_BOOT 3
#define RTPROT_RA 9
#define RTPROT_DHCP 16
#define RTN_UNICAST 1
#define RTN_LOCAL 2
#define RTN_MULTICAST 5
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772
#define IF_OPER_UNKNOWN 0
#define IF_OPER_DOWN 2
#define IF_OPER_UP 6

/* if.h flags */
#define IFF_UP 0x1
#define IFF_BROADCAST 0x2
#define IFF_LOOPBACK 0x8
#define IFF_RUNNING 0x40
#define IFF_MULTICAST 0x1000
#define IFF_LOWER_UP 0x10000

/* SIOCGIF* (sockios.h) and struct ifreq's layout */
#define SIOCGIFNAME 0x8910
#define SIOCGIFFLAGS 0x8913
#define SIOCGIFMTU 0x8921
#define SIOCGIFHWADDR 0x8927
#define SIOCGIFINDEX 0x8933
#define IFNAMSIZ 16

#define NL_CHUNK 3776                  /* a dump datagram: about NLMSG_GOODSIZE, as Linux */
#define NL_MSG_MAX 512                 /* one reply message we build (no request is bigger) */

long sys_getpid(void);

struct nlhdr {
    u32 len;
    u16 type, flags;
    u32 seq, pid;
};

struct nlq {                           /* one queued datagram */
    struct nlq *next;
    size_t len;
    u8 data[];
};

struct nlsock {
    struct sock s;
    struct nlsock *next;               /* every bound socket (port ids are unique) */
    u32 portid;
    bool bound;
    u64 groups;                        /* subscribed multicast groups (bit g-1) */
    bool cap_ack, ext_ack, strict, no_enobufs, bcast_error;
    struct nlq *q, *qtail;
    size_t qbytes;
};

static const struct sock_ops nl_ops;
static struct nlsock *bound_socks;
static u32 next_portid = (u32)-4097;   /* after the pid, Linux picks negative ids */

static struct nlsock *nl_of(struct file *f)
{
    return (struct nlsock *)f->priv;
}

/* ---------------------------------------------------------------- interfaces */

struct ifdesc {
    struct netif *n;
    int index;
    char name[IFNAMSIZ];
    unsigned flags;                    /* IFF_* */
    u32 mtu;
    u16 type;                          /* ARPHRD_* */
    bool loop;
};

/* Describe lwIP's interface with this index; false if there is none. */
static bool if_by_index(int index, struct ifdesc *d)
{
    if (index <= 0 || index > 255)
        return false;
    struct netif *n = netif_get_by_index((u8_t)index);
    if (n == NULL)
        return false;
    memset(d, 0, sizeof(*d));
    d->n = n;
    d->index = index;
    d->loop = n->name[0] == 'l' && n->name[1] == 'o';
    if (d->loop) {
        memcpy(d->name, "lo", 3);
    } else {
        int eth = 0;                   /* ethN: N counts the non-loopback interfaces before */
        for (int i = 1; i < index; i++) {
            struct netif *o = netif_get_by_index((u8_t)i);
            if (o != NULL && !(o->name[0] == 'l' && o->name[1] == 'o'))
                eth++;
        }
        ksnprintf(d->name, sizeof(d->name), "eth%d", eth);
    }
    if (netif_is_up(n))
        d->flags |= IFF_UP;
    if (netif_is_up(n) && netif_is_link_up(n))
        d->flags |= IFF_RUNNING | IFF_LOWER_UP;
    if (d->loop) {
        d->flags |= IFF_LOOPBACK;
        d->type = ARPHRD_LOOPBACK;
        d->mtu = 65536;                /* Linux's lo; lwIP's loopback has no MTU */
    } else {
        if (n->flags & NETIF_FLAG_BROADCAST)
            d->flags |= IFF_BROADCAST;
        if (n->flags & (NETIF_FLAG_IGMP | NETIF_FLAG_MLD6))
            d->flags |= IFF_MULTICAST;
        d->type = ARPHRD_ETHER;
        d->mtu = n->mtu;
    }
    return true;
}

/* The interface called name; false if none. */
static bool if_by_name(const char *name, struct ifdesc *d)
{
    for (int i = 1; i <= 255; i++)
        if (if_by_index(i, d) && strcmp(d->name, name) == 0)
            return true;
    return false;
}

int net_ifreq(unsigned cmd, void *req)
{
    u8 *ifr = req;                     /* struct ifreq: name[16], then a 24-byte union */
    struct ifdesc d;
    char name[IFNAMSIZ];
    int v;
    if (cmd != SIOCGIFNAME && cmd != SIOCGIFINDEX && cmd != SIOCGIFFLAGS && cmd != SIOCGIFMTU &&
        cmd != SIOCGIFHWADDR)
        return -ENOTTY;
    if (req == NULL)
        return 0;                      /* only asked whether cmd is ours */
    switch (cmd) {
    case SIOCGIFNAME:
        memcpy(&v, ifr + IFNAMSIZ, sizeof(v));
        if (!if_by_index(v, &d))
            return -ENODEV;
        memset(ifr, 0, IFNAMSIZ);
        memcpy(ifr, d.name, strlen(d.name));
        return 0;
    default:
        break;
    }
    memcpy(name, ifr, IFNAMSIZ);
    name[IFNAMSIZ - 1] = '\0';
    if (!if_by_name(name, &d))
        return -ENODEV;
    u8 *u = ifr + IFNAMSIZ;
    switch (cmd) {
    case SIOCGIFINDEX:
        memcpy(u, &d.index, sizeof(int));
        break;
    case SIOCGIFFLAGS: {
        u16 fl = (u16)d.flags;         /* ifr_flags is a short */
        memcpy(u, &fl, sizeof(fl));
        break;
    }
    case SIOCGIFMTU:
        memcpy(u, &d.mtu, sizeof(int));
        break;
    case SIOCGIFHWADDR:                /* struct sockaddr: family = ARPHRD_*, then the MAC */
        memset(u, 0, 16);
        memcpy(u, &d.type, sizeof(u16));
        if (!d.loop)
            memcpy(u + 2, d.n->hwaddr, 6);
        break;
    }
    return 0;
}

/* ---------------------------------------------------------------- building replies */

/* Reply datagrams being built for one request. */
struct nlout {
    struct nlsock *ns;
    u8 *buf;                           /* the datagram being filled (NULL: none) */
    size_t len, cap;
    int err;                           /* -ENOMEM / -ENOBUFS while building */
};

/* One message under construction. */
struct nlmsg {
    u8 b[NL_MSG_MAX];
    size_t len;
};

/* Queue a finished datagram on the socket. */
static void nlq_push(struct nlsock *ns, u8 *data, size_t len)
{
    struct nlq *q = kmalloc(sizeof(*q) + len);
    if (q == NULL) {
        ns->s.err = ENOBUFS;           /* lost, as a full Linux receive queue loses it */
        return;
    }
    q->next = NULL;
    q->len = len;
    memcpy(q->data, data, len);
    if (ns->qtail != NULL)
        ns->qtail->next = q;
    else
        ns->q = q;
    ns->qtail = q;
    ns->qbytes += len;
}

static void nlout_flush(struct nlout *o)
{
    if (o->buf != NULL && o->len > 0)
        nlq_push(o->ns, o->buf, o->len);
    o->len = 0;
}

/* Append a whole message to the current datagram (a new one if it does not fit). */
static void nlout_put(struct nlout *o, const void *msg, size_t len)
{
    if (o->buf != NULL && o->len + len > o->cap)
        nlout_flush(o);
    if (o->buf == NULL || len > o->cap) {
        size_t cap = MAX(len, (size_t)NL_CHUNK);
        u8 *b = kmalloc(cap);
        if (b == NULL) {
            o->ns->s.err = ENOBUFS;
            return;
        }
        kfree(o->buf);
        o->buf = b;
        o->cap = cap;
        o->len = 0;
    }
    memcpy(o->buf + o->len, msg, len);
    o->len += len;
}

/* Start a message: header and a zeroed family header of fixed size; returns it. */
static void *msg_start(struct nlmsg *m, u16 type, u16 flags, const struct nlhdr *req, u32 portid,
                       size_t famlen)
{
    memset(m->b, 0, NLMSG_HDRLEN + NLMSG_ALIGN(famlen));
    struct nlhdr h = { 0, type, flags, req->seq, portid };
    memcpy(m->b, &h, sizeof(h));
    m->len = NLMSG_HDRLEN + NLMSG_ALIGN(famlen);
    return m->b + NLMSG_HDRLEN;
}

/* Append an attribute (struct rtattr, payload padded to 4 bytes). */
static void msg_attr(struct nlmsg *m, u16 type, const void *data, size_t len)
{
    u16 alen = (u16)(4 + len);
    if (m->len + NLMSG_ALIGN(alen) > sizeof(m->b))
        return;                        /* cannot happen: our messages are small */
    memcpy(m->b + m->len, &alen, 2);
    memcpy(m->b + m->len + 2, &type, 2);
    memcpy(m->b + m->len + 4, data, len);
    memset(m->b + m->len + alen, 0, NLMSG_ALIGN(alen) - alen);
    m->len += NLMSG_ALIGN(alen);
}

static void msg_attr_u32(struct nlmsg *m, u16 type, u32 v)
{
    msg_attr(m, type, &v, sizeof(v));
}

static void msg_end(struct nlout *o, struct nlmsg *m)
{
    u32 len = (u32)m->len;
    memcpy(m->b, &len, sizeof(len));
    nlout_put(o, m->b, m->len);
}

/* NLMSG_ERROR for req (err 0: an acknowledgement, which carries only the
 * request's header, as does every error under NETLINK_CAP_ACK). */
static void put_error(struct nlout *o, const struct nlhdr *req, const u8 *raw, int err)
{
    bool capped = err == 0 || o->ns->cap_ack;
    size_t len = NLMSG_ALIGN(NLMSG_HDRLEN + 4 + (capped ? NLMSG_HDRLEN : req->len));
    u32 mlen = (u32)len;               /* the copied request padded, as Linux 6 */
    u8 *b = kzalloc(len);
    if (b == NULL) {
        o->ns->s.err = ENOBUFS;
        return;
    }
    struct nlhdr h = { mlen, NLMSG_ERROR, capped ? NLM_F_CAPPED : 0, req->seq, o->ns->portid };
    memcpy(b, &h, sizeof(h));
    memcpy(b + NLMSG_HDRLEN, &err, 4);
    memcpy(b + NLMSG_HDRLEN + 4, raw, capped ? NLMSG_HDRLEN : req->len);
    nlout_flush(o);                      /* its own datagram, as Linux's netlink_ack */
    nlout_put(o, b, len);
    nlout_flush(o);
    kfree(b);
}

/* The end of a dump. */
static void put_done(struct nlout *o, const struct nlhdr *req)
{
    struct nlmsg m;
    int zero = 0;
    void *p = msg_start(&m, NLMSG_DONE, NLM_F_MULTI, req, o->ns->portid, sizeof(zero));
    memcpy(p, &zero, sizeof(zero));
    msg_end(o, &m);
}

/* ---------------------------------------------------------------- RTM_GETLINK */

struct ifinfomsg {
    u8 family, pad;
    u16 type;
    s32 index;
    u32 flags, change;
};

static void put_link(struct nlout *o, const struct nlhdr *req, const struct ifdesc *d, u16 flags)
{
    struct nlmsg m;
    struct ifinfomsg *ifi = msg_start(&m, RTM_NEWLINK, flags, req, o->ns->portid, sizeof(*ifi));
    static const u8 zero_mac[6], bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    ifi->type = d->type;
    ifi->index = d->index;
    ifi->flags = d->flags;
    msg_attr(&m, IFLA_IFNAME, d->name, strlen(d->name) + 1);
    msg_attr_u32(&m, IFLA_TXQLEN, 1000);
    u8 oper = d->loop ? IF_OPER_UNKNOWN : (d->flags & IFF_RUNNING) ? IF_OPER_UP : IF_OPER_DOWN;
    msg_attr(&m, IFLA_OPERSTATE, &oper, 1);
    u8 mode = 0;
    msg_attr(&m, IFLA_LINKMODE, &mode, 1);
    msg_attr_u32(&m, IFLA_MTU, d->mtu);
    msg_attr(&m, IFLA_ADDRESS, d->loop ? zero_mac : d->n->hwaddr, 6);
    msg_attr(&m, IFLA_BROADCAST, d->loop ? zero_mac : bcast_mac, 6);
    msg_end(o, &m);
}

/* Find an attribute in a request's attributes after a fixed header; its payload or NULL. */
static const u8 *req_attr(const u8 *raw, const struct nlhdr *h, size_t famlen, u16 type, size_t *len)
{
    size_t at = NLMSG_HDRLEN + NLMSG_ALIGN(famlen);
    while (at + 4 <= h->len) {
        u16 alen, atype;
        memcpy(&alen, raw + at, 2);
        memcpy(&atype, raw + at + 2, 2);
        if (alen < 4 || at + alen > h->len)
            break;
        if ((atype & 0x3fff) == type) {
            *len = alen - 4u;
            return raw + at + 4;
        }
        at += NLMSG_ALIGN(alen);
    }
    return NULL;
}

static int get_link(struct nlout *o, const struct nlhdr *req, const u8 *raw, bool dump)
{
    struct ifdesc d;
    if (dump) {
        for (int i = 1; i <= 255; i++)
            if (if_by_index(i, &d))
                put_link(o, req, &d, NLM_F_MULTI);
        put_done(o, req);
        return 0;
    }
    struct ifinfomsg ifi;
    if (req->len < NLMSG_HDRLEN + sizeof(ifi))
        return -EINVAL;
    memcpy(&ifi, raw + NLMSG_HDRLEN, sizeof(ifi));
    if (ifi.index > 0) {
        if (!if_by_index(ifi.index, &d))
            return -ENODEV;
    } else {
        size_t nl;
        const u8 *nm = req_attr(raw, req, sizeof(ifi), IFLA_IFNAME, &nl);
        char name[IFNAMSIZ];
        if (nm == NULL)
            return -EINVAL;
        memset(name, 0, sizeof(name));
        memcpy(name, nm, MIN(nl, sizeof(name) - 1));
        if (!if_by_name(name, &d))
            return -ENODEV;
    }
    put_link(o, req, &d, 0);
    nlout_flush(o);                      /* a single reply is a datagram of its own */
    return 0;
}

/* ---------------------------------------------------------------- RTM_GETADDR */

struct ifaddrmsg {
    u8 family, prefixlen, flags, scope;
    u32 index;
};

/* Prefix length of an IPv4 netmask (network byte order). */
static u8 mask_len(u32 mask_be)
{
    u32 m = lwip_ntohl(mask_be);
    u8 n = 0;
    while (n < 32 && (m & (0x80000000u >> n)))
        n++;
    return n;
}

/* struct ifa_cacheinfo: lifetimes left in seconds (INFINITY_LIFE_TIME for
 * permanent addresses), creation and update times in hundredths of a second
 * since boot.  lwIP keeps no times: every address dates from net_init. */
static void msg_ifa_cacheinfo(struct nlmsg *m, u32 preferred, u32 valid)
{
    u32 stamp = (u32)(net_init_ns / 10000000);
    u32 ci[4] = { preferred, valid, stamp, stamp };
    msg_attr(m, IFA_CACHEINFO, ci, sizeof(ci));
}

static void put_addr4(struct nlout *o, const struct nlhdr *req, const struct ifdesc *d)
{
    u32 a = ip4_addr_get_u32(netif_ip4_addr(d->n));
    if (a == 0)
        return;                        /* no address yet (DHCP failed) */
    u32 mask = ip4_addr_get_u32(netif_ip4_netmask(d->n));
    struct nlmsg m;
    struct ifaddrmsg *ifa = msg_start(&m, RTM_NEWADDR, NLM_F_MULTI, req, o->ns->portid, sizeof(*ifa));
    ifa->family = AF_INET;
    ifa->prefixlen = mask_len(mask);
    ifa->flags = IFA_F_PERMANENT;
    ifa->scope = (lwip_ntohl(a) >> 24) == 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
    ifa->index = (u32)d->index;
    msg_attr(&m, IFA_ADDRESS, &a, 4);
    msg_attr(&m, IFA_LOCAL, &a, 4);
    if ((d->flags & IFF_BROADCAST) && ifa->prefixlen < 31) {
        u32 b = a | ~mask;
        msg_attr(&m, IFA_BROADCAST, &b, 4);
    }
    msg_attr(&m, IFA_LABEL, d->name, strlen(d->name) + 1);
    msg_attr_u32(&m, IFA_FLAGS, IFA_F_PERMANENT);
    msg_ifa_cacheinfo(&m, INFINITY_LIFE_TIME, INFINITY_LIFE_TIME);
    msg_end(o, &m);
}

/* Linux's source-address scope of an IPv6 address (ipv6_addr_src_scope's
 * order): a device's addresses are listed global first, link-local last. */
static int ip6_rank(const ip6_addr_t *a)
{
    if (ip6_addr_isloopback(a))
        return 1;
    if (ip6_addr_islinklocal(a))
        return 2;
    if (ip6_addr_issitelocal(a))
        return 5;
    return 14;
}

/* The IPv6 addresses of an interface, as Linux's inet6_fill_ifaddr: ::1/128
 * on lo, the link-local fe80::/64 from the MAC and SLAAC addresses (lwIP
 * only forms /64 ones) from router advertisements.  lwIP's lifetime 0 marks
 * an address configured without one (permanent). */
static void put_addr6(struct nlout *o, const struct nlhdr *req, const struct ifdesc *d)
{
    static const int ranks[] = { 14, 5, 2, 1 };
    for (size_t r = 0; r < ARRAY_SIZE(ranks); r++) {
        for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
            u8 st = netif_ip6_addr_state(d->n, i);
            const ip6_addr_t *a = netif_ip6_addr(d->n, i);
            if (ip6_addr_isinvalid(st) || ip6_rank(a) != ranks[r])
                continue;
            u32 valid = IP6_ADDR_LIFE_INFINITE, pref = IP6_ADDR_LIFE_INFINITE, fl = 0;
            u8 proto;
            if (ip6_addr_isloopback(a)) {
                fl = IFA_F_PERMANENT;
                proto = IFAPROT_KERNEL_LO;
            } else if (ip6_addr_islinklocal(a)) {
                fl = IFA_F_PERMANENT;
                proto = IFAPROT_KERNEL_LL;
            } else {
                proto = IFAPROT_KERNEL_RA;
                valid = netif_ip6_addr_valid_life(d->n, i);
                pref = netif_ip6_addr_pref_life(d->n, i);
                if (ip6_addr_life_isstatic(valid)) {
                    fl = IFA_F_PERMANENT;
                    valid = pref = IP6_ADDR_LIFE_INFINITE;
                }
            }
            if (ip6_addr_istentative(st))
                fl |= IFA_F_TENTATIVE;
            else if (st == IP6_ADDR_DUPLICATED)
                fl |= IFA_F_TENTATIVE | IFA_F_DADFAILED;
            else if (ip6_addr_isdeprecated(st) && !(fl & IFA_F_PERMANENT)) {
                fl |= IFA_F_DEPRECATED;  /* lwIP's ::1 is "valid" only: not deprecated */
                pref = 0;
            }
            struct nlmsg m;
            struct ifaddrmsg *ifa = msg_start(&m, RTM_NEWADDR, NLM_F_MULTI, req, o->ns->portid, sizeof(*ifa));
            ifa->family = AF_INET6;
            ifa->prefixlen = ip6_addr_isloopback(a) ? 128 : 64;
            ifa->flags = (u8)fl;
            ifa->scope = ip6_addr_isloopback(a) ? RT_SCOPE_HOST
                         : ip6_addr_islinklocal(a) ? RT_SCOPE_LINK
                         : ip6_addr_issitelocal(a) ? RT_SCOPE_SITE : RT_SCOPE_UNIVERSE;
            ifa->index = (u32)d->index;
            msg_attr(&m, IFA_ADDRESS, a->addr, 16);
            msg_ifa_cacheinfo(&m, pref, valid);
            msg_attr_u32(&m, IFA_FLAGS, fl);
            msg_attr(&m, IFA_PROTO, &proto, 1);
            msg_end(o, &m);
        }
    }
}

static int get_addr(struct nlout *o, const struct nlhdr *req, int family, bool dump)
{
    struct ifdesc d;
    if (!dump)
        return -EOPNOTSUPP;            /* no single-address RTM_GETADDR (Linux has it for IPv6) */
    bool v4 = family != AF_INET6, v6 = family != AF_INET;
    for (int i = 1; v4 && i <= 255; i++)
        if (if_by_index(i, &d))
            put_addr4(o, req, &d);
    for (int i = 1; v6 && i <= 255; i++)
        if (if_by_index(i, &d))
            put_addr6(o, req, &d);
    put_done(o, req);
    return 0;
}

/* ---------------------------------------------------------------- RTM_GETROUTE */

struct rtmsg {
    u8 family, dst_len, src_len, tos, table, protocol, scope, type;
    u32 flags;
};

/* IPv4 routes of the main table: each interface's subnet and the default
 * route through its gateway. */
static void put_routes4(struct nlout *o, const struct nlhdr *req, const struct ifdesc *d)
{
    u32 a = ip4_addr_get_u32(netif_ip4_addr(d->n));
    u32 mask = ip4_addr_get_u32(netif_ip4_netmask(d->n));
    u32 gw = ip4_addr_get_u32(netif_ip4_gw(d->n));
    if (d->loop || a == 0)
        return;                        /* Linux keeps loopback routes in the local table */
    struct nlmsg m;
    struct rtmsg *rt;
    if (gw != 0) {
        rt = msg_start(&m, RTM_NEWROUTE, NLM_F_MULTI, req, o->ns->portid, sizeof(*rt));
        rt->family = AF_INET;
        rt->table = RT_TABLE_MAIN;
        rt->protocol = netif_dhcp_data(d->n) != NULL ? RTPROT_DHCP : RTPROT_BOOT;
        rt->scope = RT_SCOPE_UNIVERSE;
        rt->type = RTN_UNICAST;
        msg_attr_u32(&m, RTA_TABLE, RT_TABLE_MAIN);
        msg_attr(&m, RTA_GATEWAY, &gw, 4);
        msg_attr_u32(&m, RTA_OIF, (u32)d->index);
        msg_end(o, &m);
    }
    rt = msg_start(&m, RTM_NEWROUTE, NLM_F_MULTI, req, o->ns->portid, sizeof(*rt));
    rt->family = AF_INET;
    rt->dst_len = mask_len(mask);
    rt->table = RT_TABLE_MAIN;
    rt->protocol = RTPROT_KERNEL;
    rt->scope = RT_SCOPE_LINK;
    rt->type = RTN_UNICAST;
    u32 net = a & mask;
    msg_attr_u32(&m, RTA_TABLE, RT_TABLE_MAIN);
    msg_attr(&m, RTA_DST, &net, 4);
    msg_attr(&m, RTA_PREFSRC, &a, 4);
    msg_attr_u32(&m, RTA_OIF, (u32)d->index);
    msg_end(o, &m);
}

/* One IPv6 route, collected before sorting. */
struct route6 {
    u8 table, dst_len, protocol, type, pref;
    u8 dst[16], gw[16];
    bool has_gw;
    int oif;
    u32 prio;
    u32 expires;                       /* hundredths of a second left; 0: none */
};

#define ROUTE6_MAX 64

/* Linux's dump order: table main, then local; inside a table, the routing
 * tree's walk: more specific prefixes before the ones covering them (so the
 * default route last), otherwise by address. */
static int route6_cmp(const struct route6 *a, const struct route6 *b)
{
    if (a->table != b->table)
        return a->table < b->table ? -1 : 1;
    if ((a->dst_len == 0) != (b->dst_len == 0))
        return a->dst_len == 0 ? 1 : -1;
    int c = memcmp(a->dst, b->dst, 16);
    if (c != 0)
        return c;
    return a->oif - b->oif;
}

static void route6_add(struct route6 *r, int *n, const struct route6 *add)
{
    if (*n < ROUTE6_MAX)
        r[(*n)++] = *add;
}

/* The IPv6 routes Linux would have with lwIP's configuration: in the main
 * table each interface's fe80::/64, the on-link prefixes learnt from router
 * advertisements and a default route through each advertising router; in
 * the local table every address of ours (/128) and ff00::/8 on each
 * multicast interface.  Linux's anycast and cached routes are not shown. */
static int collect_routes6(struct route6 *r)
{
    struct ifdesc d;
    struct route6 x;
    int n = 0;
    for (int i = 1; i <= 255; i++) {
        if (!if_by_index(i, &d))
            continue;
        bool ll = false;
        for (int k = 0; k < LWIP_IPV6_NUM_ADDRESSES; k++) {
            const ip6_addr_t *a = netif_ip6_addr(d.n, k);
            if (ip6_addr_isinvalid(netif_ip6_addr_state(d.n, k)))
                continue;
            ll |= ip6_addr_islinklocal(a);
            memset(&x, 0, sizeof(x));
            x.table = RT_TABLE_LOCAL;
            x.dst_len = 128;
            x.protocol = RTPROT_KERNEL;
            x.type = RTN_LOCAL;
            memcpy(x.dst, a->addr, 16);
            x.oif = d.index;
            route6_add(r, &n, &x);
        }
        if (ll && !d.loop) {
            memset(&x, 0, sizeof(x));
            x.table = RT_TABLE_MAIN;
            x.dst_len = 64;
            x.protocol = RTPROT_KERNEL;
            x.type = RTN_UNICAST;
            x.dst[0] = 0xfe;
            x.dst[1] = 0x80;
            x.oif = d.index;
            x.prio = 256;
            route6_add(r, &n, &x);
        }
        if (!d.loop && (d.flags & IFF_MULTICAST)) {
            memset(&x, 0, sizeof(x));
            x.table = RT_TABLE_LOCAL;
            x.dst_len = 8;
            x.protocol = RTPROT_KERNEL;
            x.type = RTN_MULTICAST;
            x.dst[0] = 0xff;
            x.oif = d.index;
            x.prio = 256;
            route6_add(r, &n, &x);
        }
    }
    for (int i = 0; i < LWIP_ND6_NUM_PREFIXES; i++) {
        const struct nd6_prefix_list_entry *p = &prefix_list[i];
        if (p->netif == NULL || p->invalidation_timer == 0)
            continue;
        memset(&x, 0, sizeof(x));
        x.table = RT_TABLE_MAIN;
        x.dst_len = 64;                /* lwIP keeps /64 prefixes only */
        x.protocol = RTPROT_KERNEL;
        x.type = RTN_UNICAST;
        memcpy(x.dst, p->prefix.addr, 16);
        x.oif = netif_get_index(p->netif);
        x.prio = 256;
        if (p->invalidation_timer != IP6_ADDR_LIFE_INFINITE)
            x.expires = p->invalidation_timer * 100;
        route6_add(r, &n, &x);
    }
    for (int i = 0; i < LWIP_ND6_NUM_ROUTERS; i++) {
        const struct nd6_router_list_entry *rt = &default_router_list[i];
        if (rt->neighbor_entry == NULL || rt->neighbor_entry->netif == NULL ||
            rt->invalidation_timer == 0)
            continue;
        memset(&x, 0, sizeof(x));
        x.table = RT_TABLE_MAIN;
        x.protocol = RTPROT_RA;
        x.type = RTN_UNICAST;
        memcpy(x.gw, rt->neighbor_entry->next_hop_address.addr, 16);
        x.has_gw = true;
        x.oif = netif_get_index(rt->neighbor_entry->netif);
        x.prio = 1024;
        x.pref = (rt->flags >> 3) & 3;  /* the RA's router preference, as RTA_PREF */
        x.expires = rt->invalidation_timer * 100;
        route6_add(r, &n, &x);
    }
    for (int i = 1; i < n; i++)        /* insertion sort: a handful of routes */
        for (int j = i; j > 0 && route6_cmp(&r[j - 1], &r[j]) > 0; j--) {
            struct route6 t = r[j];
            r[j] = r[j - 1];
            r[j - 1] = t;
        }
    return n;
}

/* One route as Linux's rt6_fill_node lays it out. */
static void put_route6(struct nlout *o, const struct nlhdr *req, const struct route6 *x)
{
    struct nlmsg m;
    struct rtmsg *rt = msg_start(&m, RTM_NEWROUTE, NLM_F_MULTI, req, o->ns->portid, sizeof(*rt));
    rt->family = AF_INET6;
    rt->dst_len = x->dst_len;
    rt->table = x->table;
    rt->protocol = x->protocol;
    rt->scope = RT_SCOPE_UNIVERSE;     /* IPv6 routes have no scope */
    rt->type = x->type;
    msg_attr_u32(&m, RTA_TABLE, x->table);
    if (x->dst_len > 0)
        msg_attr(&m, RTA_DST, x->dst, 16);
    msg_attr_u32(&m, RTA_PRIORITY, x->prio);
    if (x->has_gw)
        msg_attr(&m, RTA_GATEWAY, x->gw, 16);
    msg_attr_u32(&m, RTA_OIF, (u32)x->oif);
    u32 ci[8] = { 0 };                 /* struct rta_cacheinfo: only rta_expires (clock_t) */
    ci[2] = x->expires;
    msg_attr(&m, RTA_CACHEINFO, ci, sizeof(ci));
    msg_attr(&m, RTA_PREF, &x->pref, 1);
    msg_end(o, &m);
}

static int get_route(struct nlout *o, const struct nlhdr *req, int family, bool dump)
{
    struct ifdesc d;
    if (!dump)
        return -EOPNOTSUPP;            /* route lookups (RTM_GETROUTE for one address) are not provided */
    for (int i = 1; family != AF_INET6 && i <= 255; i++)
        if (if_by_index(i, &d))
            put_routes4(o, req, &d);
    if (family != AF_INET) {
        struct route6 *r = kmalloc(ROUTE6_MAX * sizeof(*r));
        if (r == NULL)
            return -ENOBUFS;
        int n = collect_routes6(r);
        for (int i = 0; i < n; i++)
            put_route6(o, req, &r[i]);
        kfree(r);
    }
    put_done(o, req);
    return 0;
}

/* ---------------------------------------------------------------- requests */

/* One request message: 0 or -errno (answered with NLMSG_ERROR by the caller). */
static int rtnl_request(struct nlout *o, const struct nlhdr *h, const u8 *raw)
{
    if (h->type > RTM_MAX)
        return -EOPNOTSUPP;
    if (h->len < NLMSG_HDRLEN + 1)
        return 0;                      /* every request has at least the family byte */
    int family = raw[NLMSG_HDRLEN];
    int kind = (h->type - RTM_BASE) & 3;
    if (kind != 2)
        return -EPERM;                 /* changes: solo's configuration is not the program's */
    bool dump = (h->flags & NLM_F_DUMP) != 0;
    switch (h->type) {
    case RTM_GETLINK: return get_link(o, h, raw, dump);
    case RTM_GETADDR: return get_addr(o, h, family, dump);
    case RTM_GETROUTE: return get_route(o, h, family, dump);
    default: return -EOPNOTSUPP;       /* neighbours, rules, qdiscs...: not provided */
    }
}

/* Process every message of a request datagram, as Linux's netlink_rcv_skb. */
static void rtnl_input(struct nlsock *ns, const u8 *buf, size_t len)
{
    struct nlout o = { .ns = ns };
    while (len >= NLMSG_HDRLEN) {
        struct nlhdr h;
        memcpy(&h, buf, sizeof(h));
        if (h.len < NLMSG_HDRLEN || h.len > len)
            break;
        int err = 0;
        bool dumped = false;
        if ((h.flags & NLM_F_REQUEST) && h.type >= NLMSG_MIN_TYPE) {
            err = rtnl_request(&o, &h, buf);
            dumped = err == 0 && (h.flags & NLM_F_DUMP) != 0 && h.type <= RTM_MAX &&
                     (h.type - RTM_BASE) % 4 == 2 && h.len > NLMSG_HDRLEN;
        }
        if (!dumped && ((h.flags & NLM_F_ACK) || err != 0))
            put_error(&o, &h, buf, err);
        nlout_flush(&o);                 /* each request's answer is its own datagram(s) */
        size_t step = NLMSG_ALIGN(h.len);
        if (step > len)
            step = len;
        buf += step;
        len -= step;
    }
    kfree(o.buf);
    sock_wake(&ns->s);
}

/* ---------------------------------------------------------------- socket methods */

struct sockaddr_nl {
    u16 family, pad;
    u32 pid, groups;
};

static bool port_taken(u32 portid)
{
    for (struct nlsock *o = bound_socks; o != NULL; o = o->next)
        if (o->portid == portid)
            return true;
    return false;
}

static void nl_insert(struct nlsock *ns, u32 portid)
{
    ns->portid = portid;
    ns->bound = true;
    ns->next = bound_socks;
    bound_socks = ns;
}

/* A port id for an unbound socket: the pid if free, else a negative one. */
static void nl_autobind(struct nlsock *ns)
{
    if (ns->bound)
        return;
    u32 id = (u32)sys_getpid();
    while (port_taken(id))
        id = next_portid--;
    nl_insert(ns, id);
}

static int nl_bind(struct file *f, const struct ksockaddr *a)
{
    struct nlsock *ns = nl_of(f);
    struct sockaddr_nl sa;
    if (a->len < sizeof(sa))
        return -EINVAL;
    memcpy(&sa, a->data, sizeof(sa));
    if (sa.family != AF_NETLINK)
        return -EINVAL;
    if (ns->bound) {
        if (sa.pid != ns->portid)
            return -EINVAL;
    } else if (sa.pid != 0) {
        if (port_taken(sa.pid))
            return -EADDRINUSE;
        nl_insert(ns, sa.pid);
    } else {
        nl_autobind(ns);
    }
    ns->groups = (ns->groups & ~0xffffffffUL) | sa.groups;
    return 0;
}

static int nl_name(struct file *f, struct ksockaddr *a, bool peer)
{
    struct nlsock *ns = nl_of(f);
    struct sockaddr_nl sa = { AF_NETLINK, 0, 0, 0 };
    if (!peer) {                       /* the peer is always the kernel, port 0 */
        sa.pid = ns->portid;
        sa.groups = (u32)ns->groups;
    }
    memset(a, 0, sizeof(*a));
    memcpy(a->data, &sa, sizeof(sa));
    a->len = sizeof(sa);
    return 0;
}

/* connect(2): only the kernel (port 0, no groups) can be a destination. */
static int nl_connect(struct file *f, const struct ksockaddr *a)
{
    struct nlsock *ns = nl_of(f);
    struct sockaddr_nl sa;
    u16 fam;
    if (a->len < sizeof(fam))
        return -EINVAL;
    memcpy(&fam, a->data, sizeof(fam));
    if (fam == AF_UNSPEC)
        return 0;
    if (fam != AF_NETLINK || a->len < sizeof(sa))
        return -EINVAL;
    memcpy(&sa, a->data, sizeof(sa));
    if (sa.pid != 0 || sa.groups != 0)
        return -EPERM;                 /* other programs' sockets and multicast: CAP_NET_ADMIN */
    nl_autobind(ns);
    return 0;
}

static int nl_listen(struct file *f, int backlog)
{
    (void)f;
    (void)backlog;
    return -EOPNOTSUPP;
}

static int nl_accept(struct file *f, int flags, struct file **out, struct ksockaddr *peer)
{
    (void)f;
    (void)flags;
    (void)out;
    (void)peer;
    return -EOPNOTSUPP;
}

static int nl_shutdown(struct file *f, int how)
{
    (void)f;
    (void)how;
    return -EOPNOTSUPP;
}

static long nl_send(struct file *f, struct sock_msg *m)
{
    struct nlsock *ns = nl_of(f);
    if (m->flags & MSG_OOB)
        return -EOPNOTSUPP;
    if (m->addr != NULL && m->addr->len > 0) {
        struct sockaddr_nl sa;
        if (m->addr->len < sizeof(sa))
            return -EINVAL;
        memcpy(&sa, m->addr->data, sizeof(sa));
        if (sa.family != AF_NETLINK)
            return -EINVAL;
        if (sa.pid != 0 || sa.groups != 0)
            return -EPERM;             /* unicast to other sockets and multicast: CAP_NET_ADMIN */
    }
    nl_autobind(ns);
    if (m->len > (size_t)ns->s.sndbuf - 32)
        return -EMSGSIZE;
    if (m->nfiles > 0)
        return -EOPNOTSUPP;            /* SCM_RIGHTS is AF_UNIX's */
    rtnl_input(ns, m->buf, m->len);
    return (long)m->len;
}

static long nl_recv(struct file *f, struct sock_msg *m)
{
    struct nlsock *ns = nl_of(f);
    u64 deadline = 0;
    if (m->flags & MSG_OOB)
        return -EOPNOTSUPP;
    while (ns->q == NULL) {
        if (ns->s.err != 0) {
            int e = ns->s.err;
            ns->s.err = 0;
            return -e;
        }
        int r = sock_wait(f, &ns->s, m->flags, false, &deadline);
        if (r < 0)
            return r;
    }
    struct nlq *q = ns->q;
    size_t k = MIN(m->len, q->len);
    memcpy(m->buf, q->data, k);
    if (q->len > m->len)
        m->out_flags |= MSG_TRUNC;
    if (m->addr != NULL) {
        struct sockaddr_nl sa = { AF_NETLINK, 0, 0, 0 };      /* from the kernel */
        memset(m->addr, 0, sizeof(*m->addr));
        memcpy(m->addr->data, &sa, sizeof(sa));
        m->addr->len = sizeof(sa);
    }
    long ret = (long)((m->flags & MSG_TRUNC) != 0 ? q->len : k);
    if (!(m->flags & MSG_PEEK)) {
        ns->q = q->next;
        if (ns->q == NULL)
            ns->qtail = NULL;
        ns->qbytes -= q->len;
        kfree(q);
    }
    return ret;
}

static int nl_setopt(struct file *f, int level, int name, const void *val, u32 len)
{
    struct nlsock *ns = nl_of(f);
    int v = 0;
    if (level != SOL_NETLINK)
        return -ENOPROTOOPT;
    if (len >= sizeof(int))
        memcpy(&v, val, sizeof(v));
    switch (name) {
    case NETLINK_ADD_MEMBERSHIP:
    case NETLINK_DROP_MEMBERSHIP:
        if (v <= 0 || v > RTNLGRP_MAX)
            return -EINVAL;
        nl_autobind(ns);
        if (name == NETLINK_ADD_MEMBERSHIP)
            ns->groups |= 1UL << (v - 1);
        else
            ns->groups &= ~(1UL << (v - 1));
        return 0;
    case NETLINK_BROADCAST_ERROR: ns->bcast_error = v != 0; return 0;
    case NETLINK_NO_ENOBUFS: ns->no_enobufs = v != 0; return 0;
    case NETLINK_CAP_ACK: ns->cap_ack = v != 0; return 0;
    case NETLINK_EXT_ACK: ns->ext_ack = v != 0; return 0;
    case NETLINK_GET_STRICT_CHK: ns->strict = v != 0; return 0;
    default: return -ENOPROTOOPT;
    }
}

static int nl_getopt(struct file *f, int level, int name, void *val, u32 *len)
{
    struct nlsock *ns = nl_of(f);
    int v;
    if (level != SOL_NETLINK)
        return -ENOPROTOOPT;
    switch (name) {
    case NETLINK_BROADCAST_ERROR: v = ns->bcast_error; break;
    case NETLINK_NO_ENOBUFS: v = ns->no_enobufs; break;
    case NETLINK_CAP_ACK: v = ns->cap_ack; break;
    case NETLINK_EXT_ACK: v = ns->ext_ack; break;
    case NETLINK_GET_STRICT_CHK: v = ns->strict; break;
    default: return -ENOPROTOOPT;
    }
    if (*len < sizeof(int))
        return -EINVAL;
    memcpy(val, &v, sizeof(v));
    *len = sizeof(int);
    return 0;
}

static int nl_poll(struct file *f)
{
    struct nlsock *ns = nl_of(f);
    int ev = POLLOUT | POLLWRNORM;
    if (ns->q != NULL)
        ev |= POLLIN | POLLRDNORM;
    if (ns->s.err != 0)
        ev |= POLLERR;
    return ev;
}

static long nl_nread(struct file *f)
{
    struct nlsock *ns = nl_of(f);
    return ns->q != NULL ? (long)ns->q->len : 0;
}

static void nl_release(struct sock *s)
{
    struct nlsock *ns = (struct nlsock *)s;
    for (struct nlsock **pp = &bound_socks; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == ns) {
            *pp = ns->next;
            break;
        }
    }
    while (ns->q != NULL) {
        struct nlq *q = ns->q;
        ns->q = q->next;
        kfree(q);
    }
    kfree(ns);
}

static const struct sock_ops nl_ops = {
    .bind = nl_bind,
    .listen = nl_listen,
    .accept = nl_accept,
    .connect = nl_connect,
    .shutdown = nl_shutdown,
    .send = nl_send,
    .recv = nl_recv,
    .name = nl_name,
    .setopt = nl_setopt,
    .getopt = nl_getopt,
    .poll = nl_poll,
    .nread = nl_nread,
    .release = nl_release,
};

int netlink_create(int type, int protocol, struct sock **out)
{
    if (type != SOCK_RAW && type != SOCK_DGRAM)
        return -ESOCKTNOSUPPORT;
    if (protocol != NETLINK_ROUTE)
        return -EPROTONOSUPPORT;
    struct nlsock *ns = kzalloc(sizeof(*ns));
    if (ns == NULL)
        return -ENOMEM;
    sock_init(&ns->s, &nl_ops, AF_NETLINK, type, protocol);
    *out = &ns->s;
    return 0;
}
