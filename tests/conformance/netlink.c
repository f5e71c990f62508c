// covers: socket socketpair bind getsockname connect sendto recvfrom recvmsg setsockopt getsockopt ioctl poll
/*
 * netlink.c - AF_NETLINK/NETLINK_ROUTE sockets and AF_UNIX autobind.  The
 * host has other interfaces than solo, so only structural facts are printed:
 * port ids, dump framing (NLM_F_MULTI, seq/pid echoed, NLMSG_DONE), lo's
 * index, flags and 127.0.0.1/8, indexes agreeing with if_nametoindex and
 * if_indextoname, errors as NLMSG_ERROR, MSG_TRUNC/MSG_PEEK, getifaddrs and
 * if_nameindex (glibc and musl both ask netlink); IPv6: only AF_INET6 messages
 * in AF_INET6 dumps, Linux's facts about ::1 where the host has it (lo,
 * /128, scope host, permanent, forever; its local route), AF_UNSPEC dumps
 * IPv4 before IPv6.
 */
#include "common.h"
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

/* <linux/netlink.h> and <linux/rtnetlink.h>, which musl's tool chain lacks */
#define NETLINK_ROUTE 0
#define SOL_NETLINK 270
#define NETLINK_ADD_MEMBERSHIP 1
#define NETLINK_CAP_ACK 10
#define NLM_F_REQUEST 0x1
#define NLM_F_MULTI 0x2
#define NLM_F_ACK 0x4
#define NLM_F_DUMP 0x300
#define NLM_F_CAPPED 0x100
#define NLMSG_NOOP 1
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_GETADDR 22
#define RTM_GETROUTE 26
#define RTNLGRP_LINK 1
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define IFA_ADDRESS 1
#define IFA_CACHEINFO 6
#define IFA_FLAGS 8
#define IFA_F_PERMANENT 0x80
#define RTA_DST 1
#define RTA_OIF 4
#define RTA_TABLE 15
#define RTN_LOCAL 2
#define RT_SCOPE_HOST 254

struct sockaddr_nl {
    unsigned short nl_family, nl_pad;
    unsigned nl_pid, nl_groups;
};
struct nlmsghdr {
    unsigned nlmsg_len;
    unsigned short nlmsg_type, nlmsg_flags;
    unsigned nlmsg_seq, nlmsg_pid;
};
struct nlmsgerr {
    int error;
    struct nlmsghdr msg;
};
struct rtattr {
    unsigned short rta_len, rta_type;
};
struct rtgenmsg {
    unsigned char rtgen_family;
};
struct ifinfomsg {
    unsigned char ifi_family, pad;
    unsigned short ifi_type;
    int ifi_index;
    unsigned ifi_flags, ifi_change;
};
struct ifaddrmsg {
    unsigned char ifa_family, ifa_prefixlen, ifa_flags, ifa_scope;
    unsigned ifa_index;
};
struct rtmsg {
    unsigned char family, dst_len, src_len, tos, table, protocol, scope, type;
    unsigned flags;
};
#define NLMSG_ALIGN(n) (((n) + 3u) & ~3u)
#define NLMSG_HDRLEN ((unsigned)sizeof(struct nlmsghdr))
#define NLMSG_LENGTH(n) ((unsigned)(n) + NLMSG_HDRLEN)
#define NLMSG_DATA(h) ((void *)((char *)(h) + NLMSG_HDRLEN))
#define NLMSG_OK(h, n) ((n) >= (long)NLMSG_HDRLEN && (h)->nlmsg_len >= NLMSG_HDRLEN && (long)(h)->nlmsg_len <= (n))
#define NLMSG_NEXT(h, n) ((n) -= NLMSG_ALIGN((h)->nlmsg_len), (struct nlmsghdr *)((char *)(h) + NLMSG_ALIGN((h)->nlmsg_len)))
#define RTA_OK(a, n) ((n) >= (int)sizeof(struct rtattr) && (a)->rta_len >= sizeof(struct rtattr) && (a)->rta_len <= (n))
#define RTA_NEXT(a, n) ((n) -= (int)NLMSG_ALIGN((a)->rta_len), (struct rtattr *)((char *)(a) + NLMSG_ALIGN((a)->rta_len)))
#define RTA_DATA(a) ((void *)((char *)(a) + sizeof(struct rtattr)))
/* the attributes after a message's fixed family header */
#define ATTRS(h, fam) ((struct rtattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(fam))))
#define ATTRLEN(h, fam) ((int)(h)->nlmsg_len - (int)NLMSG_LENGTH(NLMSG_ALIGN(sizeof(fam))))

static void check(const char *what, long r)
{
    printf("%s: %s\n", what, r < 0 ? errname(errno) : "ok");
}

static int nl_socket(void)
{
    return (int)syscall(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

static unsigned portid_of(int s)
{
    struct sockaddr_nl sa;
    socklen_t len = sizeof(sa);
    memset(&sa, 0xff, sizeof(sa));
    if (syscall(SYS_getsockname, s, &sa, &len) < 0)
        return 0xdeadbeef;
    return sa.nl_pid;
}

/* Send one request: header + family header of famlen bytes (zeroed, first byte = family). */
static long request(int s, int type, int flags, unsigned seq, int family, size_t famlen, int index)
{
    struct {
        struct nlmsghdr h;
        struct ifinfomsg ifi;
    } req;
    memset(&req, 0, sizeof(req));
    req.h.nlmsg_len = (unsigned)NLMSG_LENGTH(famlen);
    req.h.nlmsg_type = (unsigned short)type;
    req.h.nlmsg_flags = (unsigned short)flags;
    req.h.nlmsg_seq = seq;
    req.ifi.ifi_family = (unsigned char)family;
    if (famlen >= sizeof(struct ifinfomsg))
        req.ifi.ifi_index = index;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    return syscall(SYS_sendto, s, &req, req.h.nlmsg_len, 0, &kernel, sizeof(kernel));
}

static char buf[65536];

/* Receive one datagram (non-blocking): its length or -1. */
static long recv1(int s, int flags)
{
    return syscall(SYS_recvfrom, s, buf, sizeof(buf), flags | MSG_DONTWAIT, NULL, NULL);
}

struct ifent {
    int index;
    char name[IF_NAMESIZE];
    unsigned flags, mtu;
};
static struct ifent ifs[64];
static int nifs;

static void dump_links(int s, unsigned port)
{
    int bad_seq = 0, bad_multi = 0, done = 0, done_len = 0, msgs = 0;
    request(s, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 4242, AF_UNSPEC, sizeof(struct rtgenmsg), 0);
    while (!done) {
        long n = recv1(s, 0);
        if (n < 0) {
            printf("getlink recv: %s\n", errname(errno));
            return;
        }
        for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != 4242 || h->nlmsg_pid != port)
                bad_seq++;
            if (!(h->nlmsg_flags & NLM_F_MULTI))
                bad_multi++;
            if (h->nlmsg_type == NLMSG_DONE) {
                done = 1;
                done_len = (int)h->nlmsg_len;
                break;
            }
            if (h->nlmsg_type != RTM_NEWLINK || nifs == 64)
                continue;
            msgs++;
            struct ifinfomsg *ifi = NLMSG_DATA(h);
            struct ifent *e = &ifs[nifs++];
            memset(e, 0, sizeof(*e));
            e->index = ifi->ifi_index;
            e->flags = ifi->ifi_flags;
            int alen = ATTRLEN(h, struct ifinfomsg);
            for (struct rtattr *a = ATTRS(h, struct ifinfomsg); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
                if (a->rta_type == IFLA_IFNAME)
                    snprintf(e->name, sizeof(e->name), "%s", (char *)RTA_DATA(a));
                if (a->rta_type == IFLA_MTU)
                    memcpy(&e->mtu, RTA_DATA(a), 4);
            }
        }
    }
    printf("getlink: done %d (len %d), links>=1 %d, seq/pid mismatches %d, without MULTI %d\n", done,
           done_len, msgs >= 1, bad_seq, bad_multi);
    int lo = -1, consistent = 1;
    for (int i = 0; i < nifs; i++) {
        char nm[IF_NAMESIZE];
        if (strcmp(ifs[i].name, "lo") == 0)
            lo = i;
        if ((int)if_nametoindex(ifs[i].name) != ifs[i].index)
            consistent = 0;
        if (if_indextoname((unsigned)ifs[i].index, nm) == NULL || strcmp(nm, ifs[i].name) != 0)
            consistent = 0;
    }
    printf("indexes match if_nametoindex/if_indextoname: %d\n", consistent);
    if (lo < 0) {
        printf("no lo\n");
        return;
    }
    printf("lo: index %d, UP %d LOOPBACK %d RUNNING %d BROADCAST %d, mtu %u\n", ifs[lo].index,
           !!(ifs[lo].flags & IFF_UP), !!(ifs[lo].flags & IFF_LOOPBACK), !!(ifs[lo].flags & IFF_RUNNING),
           !!(ifs[lo].flags & IFF_BROADCAST), ifs[lo].mtu);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strcpy(ifr.ifr_name, "lo");
    long r = syscall(SYS_ioctl, s, SIOCGIFFLAGS, &ifr);
    printf("SIOCGIFFLAGS lo: %s, same as netlink %d\n", r < 0 ? errname(errno) : "ok",
           (unsigned short)ifr.ifr_flags == (unsigned short)ifs[lo].flags);
    strcpy(ifr.ifr_name, "nosuchif0");
    r = syscall(SYS_ioctl, s, SIOCGIFINDEX, &ifr);
    printf("SIOCGIFINDEX nosuchif0: %s\n", r < 0 ? errname(errno) : "ok");
}

static void dump_addrs(int s)
{
    int done = 0, lo4 = 0, wrong_family6 = 0;
    request(s, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 7, AF_INET, sizeof(struct rtgenmsg), 0);
    while (!done) {
        long n = recv1(s, 0);
        if (n < 0) {
            printf("getaddr recv: %s\n", errname(errno));
            return;
        }
        for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE) {
                done = 1;
                break;
            }
            struct ifaddrmsg *ifa = NLMSG_DATA(h);
            int alen = ATTRLEN(h, struct ifaddrmsg);
            char label[IF_NAMESIZE] = "";
            struct in_addr local = { 0 };
            for (struct rtattr *a = ATTRS(h, struct ifaddrmsg); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
                if (a->rta_type == IFA_LABEL)
                    snprintf(label, sizeof(label), "%s", (char *)RTA_DATA(a));
                if (a->rta_type == IFA_LOCAL)
                    memcpy(&local, RTA_DATA(a), 4);
            }
            if (ifa->ifa_family == AF_INET && local.s_addr == htonl(INADDR_LOOPBACK) &&
                ifa->ifa_prefixlen == 8 && ifa->ifa_scope == RT_SCOPE_HOST && ifa->ifa_index == 1 &&
                strcmp(label, "lo") == 0)
                lo4 = 1;
        }
    }
    printf("getaddr inet: lo has 127.0.0.1/8 scope host label lo: %d\n", lo4);
    done = 0;
    request(s, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 8, AF_INET6, sizeof(struct rtgenmsg), 0);
    while (!done) {
        long n = recv1(s, 0);
        if (n < 0) {
            printf("getaddr6 recv: %s\n", errname(errno));
            return;
        }
        for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE) {
                done = 1;
                break;
            }
            struct ifaddrmsg *ifa = NLMSG_DATA(h);
            if (ifa->ifa_family != AF_INET6)
                wrong_family6++;
            int alen = ATTRLEN(h, struct ifaddrmsg), is_lo6 = 0, forever = 0;
            unsigned fl = 0;
            for (struct rtattr *a = ATTRS(h, struct ifaddrmsg); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
                if (a->rta_type == IFA_ADDRESS && a->rta_len == 20)
                    is_lo6 = memcmp(RTA_DATA(a), &in6addr_loopback, 16) == 0;
                if (a->rta_type == IFA_CACHEINFO && a->rta_len == 20) {
                    unsigned ci[4];
                    memcpy(ci, RTA_DATA(a), sizeof(ci));
                    forever = ci[0] == 0xffffffffu && ci[1] == 0xffffffffu;
                }
                if (a->rta_type == IFA_FLAGS)
                    memcpy(&fl, RTA_DATA(a), 4);
            }
            /* where the host has ::1 (a container may not), Linux's facts
             * about it; nothing is printed unless one is wrong */
            if (is_lo6 && (ifa->ifa_prefixlen != 128 || ifa->ifa_scope != RT_SCOPE_HOST ||
                           ifa->ifa_index != 1 || !(ifa->ifa_flags & IFA_F_PERMANENT) ||
                           !(fl & IFA_F_PERMANENT) || !forever))
                printf("getaddr inet6: ::1 prefix %d scope %d index %u flags %#x/%#x forever %d\n",
                       ifa->ifa_prefixlen, ifa->ifa_scope, ifa->ifa_index, ifa->ifa_flags, fl, forever);
        }
    }
    printf("getaddr inet6: only AF_INET6 messages %d\n", wrong_family6 == 0);
}

/* An AF_UNSPEC dump of type: the families come IPv4 first, then IPv6 (Linux
 * dumps family by family in number order); print what is out of order. */
static void dump_order(int s, int type, const char *what)
{
    int done = 0, seen6 = 0, v4_after_v6 = 0, v4 = 0;
    request(s, type, NLM_F_REQUEST | NLM_F_DUMP, 9, AF_UNSPEC, sizeof(struct rtgenmsg), 0);
    while (!done) {
        long n = recv1(s, 0);
        if (n < 0) {
            printf("%s recv: %s\n", what, errname(errno));
            return;
        }
        for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
                done = 1;
                break;
            }
            unsigned char fam = *(unsigned char *)NLMSG_DATA(h);
            if (fam == AF_INET6)
                seen6 = 1;
            if (fam == AF_INET) {
                v4 = 1;
                v4_after_v6 += seen6;
            }
        }
    }
    printf("%s AF_UNSPEC: has IPv4 %d, IPv4 after IPv6 %d\n", what, v4, v4_after_v6);
}

/* AF_INET6 route dump: only IPv6 routes, all with scope universe; where
 * the host has ::1, its local-table route as Linux has it. */
static void dump_routes6(int s)
{
    int done = 0, wrong = 0;
    request(s, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, 10, AF_INET6, sizeof(struct rtmsg), 0);
    while (!done) {
        long n = recv1(s, 0);
        if (n < 0) {
            printf("getroute6 recv: %s\n", errname(errno));
            return;
        }
        for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
                done = 1;
                break;
            }
            struct rtmsg *rt = NLMSG_DATA(h);
            if (rt->family != AF_INET6 || rt->scope != 0)
                wrong++;
            int alen = ATTRLEN(h, struct rtmsg), is_lo6 = 0;
            unsigned oif = 0, table = 0;
            for (struct rtattr *a = ATTRS(h, struct rtmsg); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
                if (a->rta_type == RTA_DST && a->rta_len == 20)
                    is_lo6 = memcmp(RTA_DATA(a), &in6addr_loopback, 16) == 0;
                if (a->rta_type == RTA_OIF)
                    memcpy(&oif, RTA_DATA(a), 4);
                if (a->rta_type == RTA_TABLE)
                    memcpy(&table, RTA_DATA(a), 4);
            }
            if (is_lo6 && rt->type == RTN_LOCAL &&
                (rt->dst_len != 128 || rt->table != 255 || table != 255 || oif != 1 || rt->protocol != 2))
                printf("getroute inet6: local ::1 dst_len %d table %d/%u oif %u proto %d\n", rt->dst_len,
                       rt->table, table, oif, rt->protocol);
        }
    }
    printf("getroute inet6: only AF_INET6 routes of scope universe %d\n", wrong == 0);
}

/* The next message should be NLMSG_ERROR: print its error, flags and length facts (the
 * request copied in is padded to 4 bytes by newer kernels, not by older ones). */
static void expect_error(int s, const char *what, unsigned seq, unsigned reqlen)
{
    long n = recv1(s, 0);
    if (n < 0) {
        printf("%s: recv %s\n", what, errname(errno));
        return;
    }
    struct nlmsghdr *h = (void *)buf;
    if (h->nlmsg_type != NLMSG_ERROR) {
        printf("%s: type %d\n", what, h->nlmsg_type);
        return;
    }
    struct nlmsgerr *e = NLMSG_DATA(h);
    printf("%s: error %s, seq echoed %d, capped %d, len %s, orig len %d\n", what,
           e->error == 0 ? "0" : errname(-e->error), h->nlmsg_seq == seq,
           !!(h->nlmsg_flags & NLM_F_CAPPED),
           h->nlmsg_len == 36 ? "36" : NLMSG_ALIGN(h->nlmsg_len) == NLMSG_ALIGN(20 + reqlen) ? "20+request" : "other",
           e->msg.nlmsg_len == reqlen);
}

static void netlink_tests(void)
{
    int r;
    errno = 0;
    r = (int)syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 40);
    check("socket netlink protocol 40", r);
    r = (int)syscall(SYS_socket, AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE);
    check("socket netlink SOCK_STREAM", r);
    int sv[2];
    r = (int)syscall(SYS_socketpair, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, sv);
    check("socketpair netlink", r);
    int d = (int)syscall(SYS_socket, AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
    check("socket netlink SOCK_DGRAM", d);
    close(d);

    int s = nl_socket();
    check("socket netlink", s);
    struct sockaddr_nl sa;
    socklen_t len = sizeof(sa);
    memset(&sa, 0xff, sizeof(sa));
    r = (int)syscall(SYS_getsockname, s, &sa, &len);
    printf("getsockname unbound: %s len %d family %d pid %u groups %u\n", r < 0 ? errname(errno) : "ok",
           (int)len, sa.nl_family, sa.nl_pid, sa.nl_groups);
    memset(&sa, 0, sizeof(sa));
    sa.nl_family = AF_NETLINK;
    check("bind short", syscall(SYS_bind, s, &sa, 8));
    sa.nl_family = AF_INET;
    check("bind AF_INET", syscall(SYS_bind, s, &sa, sizeof(sa)));
    sa.nl_family = AF_NETLINK;
    check("bind pid 0", syscall(SYS_bind, s, &sa, sizeof(sa)));
    unsigned port = portid_of(s);
    printf("port id == getpid: %d\n", port == (unsigned)getpid());
    sa.nl_pid = port + 1;
    check("bind again, other pid", syscall(SYS_bind, s, &sa, sizeof(sa)));
    int s2 = nl_socket();
    sa.nl_pid = port;
    check("bind taken pid", syscall(SYS_bind, s2, &sa, sizeof(sa)));
    sa.nl_pid = 0;
    check("connect kernel", syscall(SYS_connect, s2, &sa, sizeof(sa)));
    unsigned port2 = portid_of(s2);
    printf("second port id: nonzero %d, differs %d\n", port2 != 0, port2 != port);
    close(s2);

    struct pollfd p = { s, POLLIN, 0 };
    printf("poll idle: %d\n", (int)syscall(SYS_poll, &p, 1, 0));
    dump_links(s, port);
    dump_addrs(s);
    dump_routes6(s);
    dump_order(s, RTM_GETADDR, "getaddr");
    dump_order(s, RTM_GETROUTE, "getroute");

    /* a dump of routes ends with NLMSG_DONE */
    request(s, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, 9, AF_INET, sizeof(struct rtmsg), 0);
    int done = 0;
    while (!done) {
        long n = recv1(s, 0);
        if (n < 0)
            break;
        for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n))
            if (h->nlmsg_type == NLMSG_DONE)
                done = 1;
    }
    printf("getroute dump done: %d\n", done);

    /* one link by index, with an acknowledgement after it */
    request(s, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 11, AF_UNSPEC, sizeof(struct ifinfomsg), 1);
    printf("poll after request: %d\n", (int)syscall(SYS_poll, &p, 1, 0));
    long n = recv1(s, 0);
    struct nlmsghdr *h = (void *)buf;
    struct ifinfomsg *ifi = NLMSG_DATA(h);
    printf("getlink 1: n>0 %d type NEWLINK %d flags %d seq %d index %d\n", n > 0,
           h->nlmsg_type == RTM_NEWLINK, h->nlmsg_flags, h->nlmsg_seq == 11, ifi->ifi_index);
    expect_error(s, "getlink 1 ack", 11, NLMSG_LENGTH(sizeof(struct ifinfomsg)));
    request(s, RTM_GETLINK, NLM_F_REQUEST, 12, AF_UNSPEC, sizeof(struct ifinfomsg), 999999);
    expect_error(s, "getlink 999999", 12, NLMSG_LENGTH(sizeof(struct ifinfomsg)));
    request(s, RTM_GETLINK, NLM_F_REQUEST, 13, AF_UNSPEC, sizeof(struct rtgenmsg), 0);
    expect_error(s, "getlink short", 13, NLMSG_LENGTH(sizeof(struct rtgenmsg)));
    request(s, 0x7fff, NLM_F_REQUEST, 14, AF_UNSPEC, sizeof(struct rtgenmsg), 0);
    expect_error(s, "type 0x7fff", 14, NLMSG_LENGTH(sizeof(struct rtgenmsg)));
    request(s, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, 15, AF_UNSPEC, sizeof(struct rtgenmsg), 0);
    expect_error(s, "noop ack", 15, NLMSG_LENGTH(sizeof(struct rtgenmsg)));
    request(s, RTM_GETLINK, NLM_F_DUMP, 16, AF_UNSPEC, sizeof(struct rtgenmsg), 0);
    printf("not a request: recv %s\n", recv1(s, 0) < 0 ? errname(errno) : "data");

    int one = 1;
    check("setsockopt NETLINK_CAP_ACK", syscall(SYS_setsockopt, s, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)));
    int v = 0;
    len = sizeof(v);
    r = (int)syscall(SYS_getsockopt, s, SOL_NETLINK, NETLINK_CAP_ACK, &v, &len);
    printf("getsockopt NETLINK_CAP_ACK: %s %d len %d\n", r < 0 ? errname(errno) : "ok", v, (int)len);
    request(s, 0x7fff, NLM_F_REQUEST, 17, AF_UNSPEC, sizeof(struct rtgenmsg), 0);
    expect_error(s, "type 0x7fff capped", 17, NLMSG_LENGTH(sizeof(struct rtgenmsg)));
    check("setsockopt SO_RCVBUF", syscall(SYS_setsockopt, s, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one)));
    int grp = RTNLGRP_LINK;
    check("setsockopt NETLINK_ADD_MEMBERSHIP", syscall(SYS_setsockopt, s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)));
    len = sizeof(sa);
    syscall(SYS_getsockname, s, &sa, &len);
    printf("groups after membership: %u\n", sa.nl_groups);
    grp = 0;
    check("setsockopt NETLINK_ADD_MEMBERSHIP 0", syscall(SYS_setsockopt, s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)));

    /* MSG_PEEK, then MSG_TRUNC with a short buffer: the real length, the rest dropped */
    request(s, RTM_GETLINK, NLM_F_REQUEST, 18, AF_UNSPEC, sizeof(struct ifinfomsg), 1);
    long peek = syscall(SYS_recvfrom, s, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT, NULL, NULL);
    struct iovec iov = { buf, 16 };
    struct sockaddr_nl from;
    struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1 };
    memset(&from, 0xff, sizeof(from));
    n = syscall(SYS_recvmsg, s, &mh, MSG_TRUNC | MSG_DONTWAIT);
    printf("recvmsg MSG_TRUNC: full length %d, >16 %d, msg_flags MSG_TRUNC %d, from family %d pid %u namelen %d\n",
           n == peek, n > 16, !!(mh.msg_flags & MSG_TRUNC), from.nl_family, from.nl_pid, (int)mh.msg_namelen);
    printf("after truncation: %s\n", recv1(s, 0) < 0 ? errname(errno) : "data");
    struct timeval tv = { 0, 50000 };
    syscall(SYS_setsockopt, s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    n = syscall(SYS_recvfrom, s, buf, sizeof(buf), 0, NULL, NULL);
    printf("blocking recv with timeout: %s\n", n < 0 ? errname(errno) : "data");

    sa.nl_family = AF_INET;
    check("sendto AF_INET dest", syscall(SYS_sendto, s, buf, 16, 0, &sa, sizeof(sa)));
    sa.nl_family = AF_NETLINK;
    check("sendto short dest", syscall(SYS_sendto, s, buf, 16, 0, &sa, 4));
    close(s);

    /* libc's users of netlink */
    struct ifaddrs *ifa0;
    int lo_inet = 0;
    if (getifaddrs(&ifa0) == 0) {
        for (struct ifaddrs *a = ifa0; a != NULL; a = a->ifa_next)
            if (a->ifa_addr != NULL && a->ifa_addr->sa_family == AF_INET && strcmp(a->ifa_name, "lo") == 0 &&
                ((struct sockaddr_in *)a->ifa_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
                (a->ifa_flags & IFF_LOOPBACK))
                lo_inet = 1;
        freeifaddrs(ifa0);
    }
    printf("getifaddrs: lo 127.0.0.1 %d\n", lo_inet);
    struct if_nameindex *ni = if_nameindex();
    int lo1 = 0, cnt = 0;
    for (struct if_nameindex *i = ni; i != NULL && i->if_index != 0; i++, cnt++)
        if (strcmp(i->if_name, "lo") == 0 && i->if_index == 1)
            lo1 = 1;
    printf("if_nameindex: lo is 1 %d, count matches dump %d\n", lo1, cnt == nifs);
    if (ni != NULL)
        if_freenameindex(ni);
}

static void autobind_tests(void)
{
    int s = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    check("unix bind family only", syscall(SYS_bind, s, &a, sizeof(sa_family_t)));
    struct sockaddr_un n;
    socklen_t len = sizeof(n);
    memset(&n, 0xff, sizeof(n));
    syscall(SYS_getsockname, s, &n, &len);
    int hex = 1;
    for (int i = 1; i < 6; i++)
        if (!((n.sun_path[i] >= '0' && n.sun_path[i] <= '9') || (n.sun_path[i] >= 'a' && n.sun_path[i] <= 'f')))
            hex = 0;
    printf("autobound name: len %d, leading NUL %d, 5 hex digits %d\n", (int)len, n.sun_path[0] == 0, hex);
    check("unix bind family only again", syscall(SYS_bind, s, &a, sizeof(sa_family_t)));
    struct sockaddr_un other = n;
    other.sun_path[1] = other.sun_path[1] == 'f' ? 'e' : 'f';
    check("unix bind path after autobind", syscall(SYS_bind, s, &other, len));
    check("unix listen", syscall(SYS_listen, s, 4));
    int c = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
    check("unix connect to autobound", syscall(SYS_connect, c, &n, len));
    int acc = (int)syscall(SYS_accept4, s, NULL, NULL, 0);
    check("unix accept", acc);
    close(acc);
    close(c);
    int s2 = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
    syscall(SYS_bind, s2, &a, sizeof(sa_family_t));
    struct sockaddr_un n2;
    socklen_t len2 = sizeof(n2);
    syscall(SYS_getsockname, s2, &n2, &len2);
    printf("second autobind: differs %d\n", len2 != len || memcmp(&n, &n2, len) != 0);
    close(s2);
    close(s);

    /* SO_PASSCRED: an unbound datagram sender is autobound, its name reaches the receiver */
    int r = (int)syscall(SYS_socket, AF_UNIX, SOCK_DGRAM, 0);
    syscall(SYS_bind, r, &a, sizeof(sa_family_t));
    len = sizeof(n);
    syscall(SYS_getsockname, r, &n, &len);
    int w = (int)syscall(SYS_socket, AF_UNIX, SOCK_DGRAM, 0);
    int one = 1;
    syscall(SYS_setsockopt, w, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
    check("unix sendto with SO_PASSCRED", syscall(SYS_sendto, w, "x", 1, 0, &n, len));
    struct sockaddr_un from;
    socklen_t flen = sizeof(from);
    char ch;
    memset(&from, 0xff, sizeof(from));
    long k = syscall(SYS_recvfrom, r, &ch, 1, MSG_DONTWAIT, &from, &flen);
    printf("received %ld from: len %d leading NUL %d\n", k, (int)flen, from.sun_path[0] == 0);
    close(w);
    close(r);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    netlink_tests();
    autobind_tests();
    return 0;
}
