/*
 * udp_ancillary.c - ancillary data on UDP over loopback (RFC 3542 and the
 * IPv4 equivalents): IPV6_RECVHOPLIMIT / IPV6_RECVTCLASS / IPV6_RECVPKTINFO
 * deliver IPV6_HOPLIMIT / IPV6_TCLASS / IPV6_PKTINFO with each datagram,
 * sendmsg's IPV6_HOPLIMIT / IPV6_TCLASS set one datagram's values, the
 * IPV6_UNICAST_HOPS / IPV6_TCLASS options every datagram's; IP_RECVTTL /
 * IP_RECVTOS / IP_PKTINFO deliver IP_TTL / IP_TOS / IP_PKTINFO, sendmsg's
 * IP_TTL / IP_TOS set an IPv4 datagram's.  A short
 * control buffer truncates (MSG_CTRUNC); bad values are EINVAL.
 */
// covers: sendmsg recvmsg setsockopt getsockopt
#include "common.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

static union {
    struct cmsghdr h;
    char b[512];
} cbuf;

/* recvmsg one datagram with clen bytes of control space and print its cmsgs. */
static void recv_show(const char *what, int s, size_t clen)
{
    char buf[16];
    struct iovec iov = { buf, sizeof(buf) };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = clen };
    memset(&cbuf, 0xee, sizeof(cbuf));
    long r = syscall(SYS_recvmsg, s, &m, 0);
    if (r < 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    printf("%s: %ld flags %s controllen %zu\n", what, r, (m.msg_flags & MSG_CTRUNC) ? "CTRUNC" : "0",
           (size_t)m.msg_controllen);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
        size_t n = c->cmsg_len - CMSG_LEN(0);
        printf("  level %d type %d len %zu", c->cmsg_level, c->cmsg_type, (size_t)c->cmsg_len);
        if (n == sizeof(int)) {
            int v;
            memcpy(&v, CMSG_DATA(c), sizeof(v));
            printf(" int %d", v);
        } else if (n == 1) {
            printf(" byte %d", *(unsigned char *)CMSG_DATA(c));
        } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO && n >= sizeof(struct in_pktinfo)) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            printf(" ifindex is lo %d spec_dst %s", pi.ipi_ifindex == (int)if_nametoindex("lo"),
                   inet_ntoa(pi.ipi_spec_dst));
            printf(" addr %s", inet_ntoa(pi.ipi_addr));
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO && n >= sizeof(struct in6_pktinfo)) {
            struct in6_pktinfo pi;
            char a[64];
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            printf(" ifindex is lo %d addr %s", pi.ipi6_ifindex == if_nametoindex("lo"),
                   inet_ntop(AF_INET6, &pi.ipi6_addr, a, sizeof(a)));
        }
        printf("\n");
    }
}

/* sendmsg "x" to a with one int cmsg (level, type, v) unless level < 0. */
static long send_cm(int s, const void *a, socklen_t al, int level, int type, int v, size_t clen)
{
    struct iovec iov = { "x", 1 };
    struct msghdr m = { .msg_name = (void *)a, .msg_namelen = al, .msg_iov = &iov, .msg_iovlen = 1 };
    if (level >= 0) {
        memset(&cbuf, 0, sizeof(cbuf));
        cbuf.h.cmsg_len = clen;
        cbuf.h.cmsg_level = level;
        cbuf.h.cmsg_type = type;
        memcpy(CMSG_DATA(&cbuf.h), &v, sizeof(v));
        m.msg_control = cbuf.b;
        m.msg_controllen = CMSG_SPACE(sizeof(int));
    }
    return syscall(SYS_sendmsg, s, &m, 0);
}

static void opt(const char *what, int s, int level, int name)
{
    int v = -7;
    socklen_t l = sizeof(v);
    long r = syscall(SYS_getsockopt, s, level, name, &v, &l);
    if (r < 0)
        printf("get %s: -1 %s\n", what, errname(errno));
    else
        printf("get %s: %d\n", what, v);
}

static long set(int s, int level, int name, int v)
{
    return syscall(SYS_setsockopt, s, level, name, &v, sizeof(v));
}

static void ipv6(void)
{
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    socklen_t al = sizeof(a);
    int r = socket(AF_INET6, SOCK_DGRAM, 0), s = socket(AF_INET6, SOCK_DGRAM, 0);
    bind(r, (struct sockaddr *)&a, sizeof(a));
    getsockname(r, (struct sockaddr *)&a, &al);
    printf("-- IPv6\n");
    opt("IPV6_UNICAST_HOPS", s, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
    opt("IPV6_TCLASS", s, IPPROTO_IPV6, IPV6_TCLASS);
    opt("IPV6_RECVHOPLIMIT", r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT);
    show("send plain", send_cm(s, &a, al, -1, 0, 0, 0));
    recv_show("recv nothing asked", r, sizeof(cbuf));
    show("set IPV6_RECVHOPLIMIT", set(r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1));
    opt("IPV6_RECVHOPLIMIT", r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT);
    show("send plain", send_cm(s, &a, al, -1, 0, 0, 0));
    recv_show("recv hoplimit", r, sizeof(cbuf));
    show("send IPV6_HOPLIMIT 2", send_cm(s, &a, al, IPPROTO_IPV6, IPV6_HOPLIMIT, 2, CMSG_LEN(sizeof(int))));
    recv_show("recv", r, sizeof(cbuf));
    show("set IPV6_RECVTCLASS", set(r, IPPROTO_IPV6, IPV6_RECVTCLASS, 1));
    show("send IPV6_TCLASS 0x28", send_cm(s, &a, al, IPPROTO_IPV6, IPV6_TCLASS, 0x28, CMSG_LEN(sizeof(int))));
    recv_show("recv both", r, sizeof(cbuf));
    show("set IPV6_UNICAST_HOPS 9", set(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 9));
    show("set IPV6_TCLASS 0x10", set(s, IPPROTO_IPV6, IPV6_TCLASS, 0x10));
    opt("IPV6_UNICAST_HOPS", s, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
    opt("IPV6_TCLASS", s, IPPROTO_IPV6, IPV6_TCLASS);
    show("send plain", send_cm(s, &a, al, -1, 0, 0, 0));
    recv_show("recv socket values", r, sizeof(cbuf));
    show("send IPV6_HOPLIMIT -1", send_cm(s, &a, al, IPPROTO_IPV6, IPV6_HOPLIMIT, -1, CMSG_LEN(sizeof(int))));
    recv_show("recv", r, sizeof(cbuf));
    /* truncation: room for one message, then for a header and part of the second */
    show("send plain", send_cm(s, &a, al, -1, 0, 0, 0));
    recv_show("recv room for one", r, CMSG_SPACE(sizeof(int)));
    show("send plain", send_cm(s, &a, al, -1, 0, 0, 0));
    recv_show("recv room for 1.5", r, CMSG_SPACE(sizeof(int)) + CMSG_LEN(0) + 1);
    show("send plain", send_cm(s, &a, al, -1, 0, 0, 0));
    recv_show("recv room for a header", r, CMSG_LEN(0));
    show("send plain", send_cm(s, &a, al, -1, 0, 0, 0));
    recv_show("recv room for 8", r, 8);
    show("set IPV6_RECVPKTINFO", set(r, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1));
    show("send plain", send_cm(s, &a, al, -1, 0, 0, 0));
    recv_show("recv with pktinfo", r, sizeof(cbuf));
    set(r, IPPROTO_IPV6, IPV6_RECVPKTINFO, 0);
    set(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, -1);
    set(s, IPPROTO_IPV6, IPV6_TCLASS, -1);
    opt("IPV6_UNICAST_HOPS reset", s, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
    opt("IPV6_TCLASS reset", s, IPPROTO_IPV6, IPV6_TCLASS);
    /* errors */
    show("set IPV6_UNICAST_HOPS 256", set(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 256));
    show("set IPV6_UNICAST_HOPS -2", set(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, -2));
    show("set IPV6_TCLASS 256", set(s, IPPROTO_IPV6, IPV6_TCLASS, 256));
    show("send IPV6_HOPLIMIT 256", send_cm(s, &a, al, IPPROTO_IPV6, IPV6_HOPLIMIT, 256, CMSG_LEN(sizeof(int))));
    show("send IPV6_HOPLIMIT short", send_cm(s, &a, al, IPPROTO_IPV6, IPV6_HOPLIMIT, 2, CMSG_LEN(2)));
    show("send IPV6_TCLASS -2", send_cm(s, &a, al, IPPROTO_IPV6, IPV6_TCLASS, -2, CMSG_LEN(sizeof(int))));
    show("send unknown IPv6 cmsg", send_cm(s, &a, al, IPPROTO_IPV6, 9999, 0, CMSG_LEN(sizeof(int))));
    show("send SCM_RIGHTS", send_cm(s, &a, al, SOL_SOCKET, SCM_RIGHTS, 0, CMSG_LEN(sizeof(int))));
    show("send other level ignored", send_cm(s, &a, al, 1234, 1, 0, CMSG_LEN(sizeof(int))));
    recv_show("recv", r, sizeof(cbuf));
    /* IPv4 traffic on the dual-stack socket: the IPv4 options */
    struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int r4 = socket(AF_INET, SOCK_DGRAM, 0);
    al = sizeof(a4);
    bind(r4, (struct sockaddr *)&a4, sizeof(a4));
    getsockname(r4, (struct sockaddr *)&a4, &al);
    struct sockaddr_in6 m6 = { .sin6_family = AF_INET6, .sin6_port = a4.sin_port };
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &m6.sin6_addr);
    set(r4, IPPROTO_IP, IP_RECVTTL, 1);
    set(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 5);
    set(s, IPPROTO_IP, IP_TTL, 33);
    show("send to IPv4-mapped", send_cm(s, &m6, sizeof(m6), -1, 0, 0, 0));
    recv_show("recv IPv4 TTL", r4, sizeof(cbuf));
    close(r4);
    close(r);
    close(s);
}

static void ipv4(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof(a);
    int r = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
    bind(r, (struct sockaddr *)&a, sizeof(a));
    getsockname(r, (struct sockaddr *)&a, &al);
    printf("-- IPv4\n");
    opt("IP_TTL", s, IPPROTO_IP, IP_TTL);
    opt("IP_RECVTTL", r, IPPROTO_IP, IP_RECVTTL);
    show("set IP_RECVTTL", set(r, IPPROTO_IP, IP_RECVTTL, 1));
    show("set IP_RECVTOS", set(r, IPPROTO_IP, IP_RECVTOS, 1));
    show("set IP_PKTINFO", set(r, IPPROTO_IP, IP_PKTINFO, 1));
    opt("IP_RECVTTL", r, IPPROTO_IP, IP_RECVTTL);
    opt("IP_RECVTOS", r, IPPROTO_IP, IP_RECVTOS);
    opt("IP_PKTINFO", r, IPPROTO_IP, IP_PKTINFO);
    show("send plain", send_cm(s, &a, al, -1, 0, 0, 0));
    recv_show("recv", r, sizeof(cbuf));
    show("set IP_TTL 7", set(s, IPPROTO_IP, IP_TTL, 7));
    show("set IP_TOS 0x20", set(s, IPPROTO_IP, IP_TOS, 0x20));
    show("send plain", send_cm(s, &a, al, -1, 0, 0, 0));
    recv_show("recv", r, sizeof(cbuf));
    show("send IPv6 cmsg ignored", send_cm(s, &a, al, IPPROTO_IPV6, IPV6_HOPLIMIT, 3, CMSG_LEN(sizeof(int))));
    recv_show("recv", r, sizeof(cbuf));
    show("send IP_TTL 3", send_cm(s, &a, al, IPPROTO_IP, IP_TTL, 3, CMSG_LEN(sizeof(int))));
    recv_show("recv", r, sizeof(cbuf));
    show("send IP_TOS 0x48 int", send_cm(s, &a, al, IPPROTO_IP, IP_TOS, 0x48, CMSG_LEN(sizeof(int))));
    recv_show("recv", r, sizeof(cbuf));
    show("send IP_TOS 0x44 byte", send_cm(s, &a, al, IPPROTO_IP, IP_TOS, 0x44, CMSG_LEN(1)));
    recv_show("recv", r, sizeof(cbuf));
    show("send IP_TTL 0", send_cm(s, &a, al, IPPROTO_IP, IP_TTL, 0, CMSG_LEN(sizeof(int))));
    show("send IP_TTL 256", send_cm(s, &a, al, IPPROTO_IP, IP_TTL, 256, CMSG_LEN(sizeof(int))));
    show("send IP_TTL short", send_cm(s, &a, al, IPPROTO_IP, IP_TTL, 3, CMSG_LEN(1)));
    show("send IP_TOS 256", send_cm(s, &a, al, IPPROTO_IP, IP_TOS, 256, CMSG_LEN(sizeof(int))));
    show("send unknown IP cmsg", send_cm(s, &a, al, IPPROTO_IP, 9999, 0, CMSG_LEN(sizeof(int))));
    show("recv nothing left", recv(r, cbuf.b, 16, MSG_DONTWAIT));
    show("set IPV6_RECVHOPLIMIT on IPv4", set(r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1));
    close(r);
    close(s);
}

int main(void)
{
    ipv6();
    ipv4();
    return 0;
}
