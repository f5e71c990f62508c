/*
 * nldump6.c - the IPv6 side of NETLINK_ROUTE as a program sees it: the
 * RTM_GETADDR and RTM_GETROUTE dumps for AF_INET6 decoded field by field
 * (with the attribute types in their order, lifetimes and time stamps as
 * relations only), and which families an AF_UNSPEC dump returns in which
 * order.  Run in solo by tests/integration/net_tests.sh (t_net_netlink6),
 * whose output is fixed by QEMU user networking (its router advertises
 * fec0::/64 from fe80::2).
 */
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[65536];

/* Send a dump request for type/family; 0 or -1. */
static int dump(int s, int type, int family)
{
    struct {
        struct nlmsghdr h;
        struct rtmsg r;                /* the largest family header of the two */
    } req;
    memset(&req, 0, sizeof(req));
    req.h.nlmsg_len = sizeof(req);
    req.h.nlmsg_type = (unsigned short)type;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = 7;
    req.r.rtm_family = (unsigned char)family;
    return send(s, &req, sizeof(req), 0) < 0 ? -1 : 0;
}

/* Call fn for each message of the dump until NLMSG_DONE. */
static void each(int s, void (*fn)(struct nlmsghdr *h))
{
    for (;;) {
        long n = recv(s, buf, sizeof(buf), 0);
        if (n <= 0)
            return;
        for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
                return;
            fn(h);
        }
    }
}

static void addr6(struct nlmsghdr *h)
{
    struct ifaddrmsg *ifa = NLMSG_DATA(h);
    char a[64] = "?", types[64] = "";
    unsigned flags = ~0u, proto = 0;
    struct ifa_cacheinfo ci;
    int len = (int)IFA_PAYLOAD(h), have_ci = 0;
    memset(&ci, 0, sizeof(ci));
    for (struct rtattr *r = IFA_RTA(ifa); RTA_OK(r, len); r = RTA_NEXT(r, len)) {
        snprintf(types + strlen(types), sizeof(types) - strlen(types), "%s%d", types[0] ? "," : "",
                 r->rta_type);
        if (r->rta_type == IFA_ADDRESS)
            inet_ntop(AF_INET6, RTA_DATA(r), a, sizeof(a));
        if (r->rta_type == IFA_FLAGS)
            memcpy(&flags, RTA_DATA(r), 4);
        if (r->rta_type == IFA_PROTO)
            proto = *(unsigned char *)RTA_DATA(r);
        if (r->rta_type == IFA_CACHEINFO && RTA_PAYLOAD(r) == sizeof(ci)) {
            memcpy(&ci, RTA_DATA(r), sizeof(ci));
            have_ci = 1;
        }
    }
    const char *life = !have_ci ? "none"
                       : ci.ifa_valid == 0xffffffffu && ci.ifa_prefered == 0xffffffffu ? "forever"
                       : ci.ifa_valid >= ci.ifa_prefered && ci.ifa_prefered > 0 ? "valid>=preferred>0"
                       : "odd";
    printf("addr %s/%d dev %u scope %d ifa_flags %#x flags %#x proto %u life %s stamps %s attrs %s\n", a,
           ifa->ifa_prefixlen, ifa->ifa_index, ifa->ifa_scope, ifa->ifa_flags, flags, proto, life,
           have_ci && ci.cstamp <= ci.tstamp ? "ok" : "odd", types);
}

static void route6(struct nlmsghdr *h)
{
    struct rtmsg *rt = NLMSG_DATA(h);
    char dst[64] = "default", gw[80] = "", types[64] = "";
    unsigned oif = 0, prio = ~0u, table = 0, pref = 9;
    struct rta_cacheinfo ci;
    memset(&ci, 0, sizeof(ci));
    int len = (int)RTM_PAYLOAD(h);
    for (struct rtattr *r = RTM_RTA(rt); RTA_OK(r, len); r = RTA_NEXT(r, len)) {
        char a[64];
        snprintf(types + strlen(types), sizeof(types) - strlen(types), "%s%d", types[0] ? "," : "",
                 r->rta_type);
        if (r->rta_type == RTA_DST)
            snprintf(dst, sizeof(dst), "%s/%d", inet_ntop(AF_INET6, RTA_DATA(r), a, sizeof(a)), rt->rtm_dst_len);
        if (r->rta_type == RTA_GATEWAY)
            snprintf(gw, sizeof(gw), " via %s", inet_ntop(AF_INET6, RTA_DATA(r), a, sizeof(a)));
        if (r->rta_type == RTA_OIF)
            memcpy(&oif, RTA_DATA(r), 4);
        if (r->rta_type == RTA_PRIORITY)
            memcpy(&prio, RTA_DATA(r), 4);
        if (r->rta_type == RTA_TABLE)
            memcpy(&table, RTA_DATA(r), 4);
        if (r->rta_type == RTA_PREF)
            pref = *(unsigned char *)RTA_DATA(r);
        if (r->rta_type == RTA_CACHEINFO && RTA_PAYLOAD(r) == sizeof(ci))
            memcpy(&ci, RTA_DATA(r), sizeof(ci));
    }
    printf("route %s%s dev %u table %d/%u proto %d type %d scope %d metric %u pref %u expires %s attrs %s\n",
           dst, gw, oif, rt->rtm_table, table, rt->rtm_protocol, rt->rtm_type, rt->rtm_scope, prio, pref,
           ci.rta_expires > 0 ? "yes" : "no", types);
}

static char fams[256];

static void family(struct nlmsghdr *h)
{
    unsigned char f = *(unsigned char *)NLMSG_DATA(h);
    const char *name = f == AF_INET ? "inet" : f == AF_INET6 ? "inet6" : "other";
    size_t n = strlen(fams);
    /* runs of one family collapse: "inet inet6" */
    const char *last = strrchr(fams, ' ');
    if (n == 0 || strcmp(last != NULL ? last + 1 : fams, name) != 0)
        snprintf(fams + n, sizeof(fams) - n, "%s%s", n ? " " : "", name);
}

int main(void)
{
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (s < 0) {
        perror("socket");
        return 1;
    }
    if (dump(s, RTM_GETADDR, AF_INET6) == 0)
        each(s, addr6);
    if (dump(s, RTM_GETROUTE, AF_INET6) == 0)
        each(s, route6);
    fams[0] = 0;
    if (dump(s, RTM_GETADDR, AF_UNSPEC) == 0)
        each(s, family);
    printf("AF_UNSPEC addresses: %s\n", fams);
    fams[0] = 0;
    if (dump(s, RTM_GETROUTE, AF_UNSPEC) == 0)
        each(s, family);
    printf("AF_UNSPEC routes: %s\n", fams);
    close(s);
    return 0;
}
