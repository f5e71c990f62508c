/*
 * udplite.c - UDP-Lite sockets (IPPROTO_UDPLITE, RFC 3828) over loopback,
 * IPv4 and IPv6: creation, SO_PROTOCOL, datagrams both ways, the checksum
 * coverage options UDPLITE_SEND_CSCOV / UDPLITE_RECV_CSCOV (0 = all,
 * otherwise clamped to 8..65535; ENOPROTOOPT on plain UDP) and the receive
 * rule: once UDPLITE_RECV_CSCOV is set, a partially covered datagram is
 * delivered only when its coverage reaches the option's value (0: never).
 */
// covers: socket setsockopt getsockopt
#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif
#define SOL_UDPLITE 136
#define UDPLITE_SEND_CSCOV 10
#define UDPLITE_RECV_CSCOV 11

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

/* Send a 100-byte datagram with coverage cov from s, then a fully covered
 * marker; print which of the two r receives first. */
static void coverage(const char *what, int s, int r, const struct sockaddr *a, socklen_t al, int cov)
{
    char buf[200] = { 'p' };
    set(s, SOL_UDPLITE, UDPLITE_SEND_CSCOV, cov);
    sendto(s, buf, 100, 0, a, al);
    set(s, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 0);
    sendto(s, "m", 1, 0, a, al);
    long n = recv(r, buf, sizeof(buf), 0);
    printf("%s: %s\n", what, n == 100 ? "delivered" : n == 1 ? "dropped" : "?");
    if (n == 100)
        recv(r, buf, sizeof(buf), 0);  /* the marker */
}

static void family(int fam)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t al;
    if (fam == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        al = sizeof(*a);
        printf("-- IPv4\n");
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        al = sizeof(*a);
        printf("-- IPv6\n");
    }
    int r = socket(fam, SOCK_DGRAM, IPPROTO_UDPLITE);
    int s = socket(fam, SOCK_DGRAM, IPPROTO_UDPLITE);
    show_ok("socket", r);
    opt("SO_PROTOCOL", r, SOL_SOCKET, SO_PROTOCOL);
    show("bind", bind(r, (struct sockaddr *)&ss, al));
    getsockname(r, (struct sockaddr *)&ss, &al);
    opt("UDPLITE_SEND_CSCOV", s, SOL_UDPLITE, UDPLITE_SEND_CSCOV);
    opt("UDPLITE_RECV_CSCOV", s, SOL_UDPLITE, UDPLITE_RECV_CSCOV);
    show("set send 3", set(s, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 3));
    opt("UDPLITE_SEND_CSCOV", s, SOL_UDPLITE, UDPLITE_SEND_CSCOV);
    show("set send 70000", set(s, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 70000));
    opt("UDPLITE_SEND_CSCOV", s, SOL_UDPLITE, UDPLITE_SEND_CSCOV);
    show("set recv -1", set(s, SOL_UDPLITE, UDPLITE_RECV_CSCOV, -1));
    opt("UDPLITE_RECV_CSCOV", s, SOL_UDPLITE, UDPLITE_RECV_CSCOV);
    show("set send 20 at SOL_UDP", set(s, IPPROTO_UDP, UDPLITE_SEND_CSCOV, 20));
    opt("UDPLITE_SEND_CSCOV at SOL_UDP", s, IPPROTO_UDP, UDPLITE_SEND_CSCOV);
    show("set send 0", set(s, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 0));
    show("set short", syscall(SYS_setsockopt, s, SOL_UDPLITE, UDPLITE_SEND_CSCOV, "", 1));
    show("set unknown", set(s, SOL_UDPLITE, 99, 1));

    char buf[64];
    struct sockaddr_storage from;
    socklen_t fl = sizeof(from);
    show("sendto", sendto(s, "hello", 5, 0, (struct sockaddr *)&ss, al));
    show("recvfrom", recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl));
    show("reply", sendto(r, "back", 4, 0, (struct sockaddr *)&from, fl));
    show("recv reply", recv(s, buf, sizeof(buf), 0));
    show("connect", connect(s, (struct sockaddr *)&ss, al));
    show("send connected", send(s, "x", 1, 0));
    show("recv", recv(r, buf, sizeof(buf), 0));

    coverage("partial 20, receiver not set", s, r, (struct sockaddr *)&ss, al, 20);
    set(r, SOL_UDPLITE, UDPLITE_RECV_CSCOV, 16);
    coverage("partial 20, receiver 16", s, r, (struct sockaddr *)&ss, al, 20);
    set(r, SOL_UDPLITE, UDPLITE_RECV_CSCOV, 30);
    coverage("partial 20, receiver 30", s, r, (struct sockaddr *)&ss, al, 20);
    coverage("partial 40, receiver 30", s, r, (struct sockaddr *)&ss, al, 40);
    coverage("coverage past the end, receiver 30", s, r, (struct sockaddr *)&ss, al, 1000);
    set(r, SOL_UDPLITE, UDPLITE_RECV_CSCOV, 0);
    coverage("partial 40, receiver 0", s, r, (struct sockaddr *)&ss, al, 40);
    coverage("full, receiver 0", s, r, (struct sockaddr *)&ss, al, 0);
    close(s);
    close(r);

    int u = socket(fam, SOCK_DGRAM, 0);
    show("plain UDP set UDPLITE_SEND_CSCOV", set(u, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 20));
    opt("plain UDP UDPLITE_SEND_CSCOV", u, SOL_UDPLITE, UDPLITE_SEND_CSCOV);
    close(u);
}

int main(void)
{
    family(AF_INET);
    family(AF_INET6);
    show("stream UDP-Lite", socket(AF_INET, SOCK_STREAM, IPPROTO_UDPLITE));
    return 0;
}
