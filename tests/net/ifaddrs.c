/*
 * ifaddrs.c - what a program sees of the interfaces through netlink: every
 * getifaddrs() entry (name, family, flags, address, netmask, broadcast,
 * MAC), if_nameindex(), and the IPv4 routes of an RTM_GETROUTE dump.  Run
 * in solo by tests/integration/net_tests.sh (t_net_ifaddrs), whose output
 * is fixed by QEMU user networking: lo and eth0 with the DHCP address.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *ntop(const struct sockaddr *sa, char *b, size_t n)
{
    if (sa == NULL)
        return "-";
    if (sa->sa_family == AF_INET)
        return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, b, (socklen_t)n);
    if (sa->sa_family == AF_INET6)
        return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, b, (socklen_t)n);
    return "?";
}

static void routes(void)
{
    int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    struct {
        struct nlmsghdr h;
        struct rtmsg r;
    } req = { { sizeof(req), RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, 1, 0 }, { .rtm_family = AF_INET } };
    static char buf[16384];
    if (s < 0 || send(s, &req, sizeof(req), 0) < 0) {
        perror("netlink");
        return;
    }
    for (;;) {
        long n = recv(s, buf, sizeof(buf), 0);
        if (n <= 0)
            return;
        for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type != RTM_NEWROUTE) {
                close(s);
                return;
            }
            struct rtmsg *r = NLMSG_DATA(h);
            char dst[32] = "default", gw[32] = "", src[32] = "";
            unsigned oif = 0;
            int len = (int)RTM_PAYLOAD(h);
            for (struct rtattr *a = RTM_RTA(r); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
                if (a->rta_type == RTA_DST)
                    snprintf(dst, sizeof(dst), "%s/%d", inet_ntoa(*(struct in_addr *)RTA_DATA(a)), r->rtm_dst_len);
                if (a->rta_type == RTA_GATEWAY)
                    snprintf(gw, sizeof(gw), " via %s", inet_ntoa(*(struct in_addr *)RTA_DATA(a)));
                if (a->rta_type == RTA_PREFSRC)
                    snprintf(src, sizeof(src), " src %s", inet_ntoa(*(struct in_addr *)RTA_DATA(a)));
                if (a->rta_type == RTA_OIF)
                    memcpy(&oif, RTA_DATA(a), 4);
            }
            printf("route %s%s dev %u proto %d scope %d table %d%s\n", dst, gw, oif, r->rtm_protocol,
                   r->rtm_scope, r->rtm_table, src);
        }
    }
}

int main(void)
{
    struct ifaddrs *all;
    if (getifaddrs(&all) != 0) {
        perror("getifaddrs");
        return 1;
    }
    for (struct ifaddrs *a = all; a != NULL; a = a->ifa_next) {
        char b1[64], b2[64], b3[64];
        int fam = a->ifa_addr != NULL ? a->ifa_addr->sa_family : -1;
        printf("%s flags %#x ", a->ifa_name, a->ifa_flags);
        if (fam == AF_PACKET) {
            const struct sockaddr_ll *l = (const void *)a->ifa_addr;
            printf("packet index %d type %d mac %02x:%02x:%02x:%02x:%02x:%02x\n", l->sll_ifindex, l->sll_hatype,
                   l->sll_addr[0], l->sll_addr[1], l->sll_addr[2], l->sll_addr[3], l->sll_addr[4], l->sll_addr[5]);
        } else {
            printf("%s %s mask %s bcast %s\n", fam == AF_INET ? "inet" : fam == AF_INET6 ? "inet6" : "?",
                   ntop(a->ifa_addr, b1, sizeof(b1)), ntop(a->ifa_netmask, b2, sizeof(b2)),
                   (a->ifa_flags & IFF_BROADCAST) ? ntop(a->ifa_broadaddr, b3, sizeof(b3)) : "-");
        }
    }
    freeifaddrs(all);
    struct if_nameindex *ni = if_nameindex();
    for (struct if_nameindex *i = ni; i != NULL && i->if_index != 0; i++)
        printf("if_nameindex %u %s, if_nametoindex %u\n", i->if_index, i->if_name, if_nametoindex(i->if_name));
    if (ni != NULL)
        if_freenameindex(ni);
    routes();
    return 0;
}
