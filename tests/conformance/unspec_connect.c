/*
 * unspec_connect.c - connect(2) with an AF_UNSPEC address dissolves a
 * socket's association (loopback only): a connected TCP socket is reset
 * (the peer reads ECONNRESET) and can connect again, a listener stops
 * listening (accept EINVAL, queued connections reset) and can listen again,
 * an unconnected one is left alone (the reset
 * socket's first read reports ECONNRESET, a send EPIPE); a connected UDP socket loses its
 * default peer (getpeername ENOTCONN, send EDESTADDRREQ) and keeps its
 * local address.  A short AF_UNSPEC address is EINVAL.
 */
// covers: connect getpeername
#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

static struct sockaddr_in lo = { .sin_family = AF_INET, .sin_addr.s_addr = 0x0100007f };
static const struct sockaddr unspec = { .sa_family = AF_UNSPEC };

/* A listening TCP socket on a free loopback port (address in *a). */
static int listener(struct sockaddr_in *a)
{
    socklen_t al = sizeof(*a);
    *a = lo;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)a, sizeof(*a)) != 0 || listen(l, 4) != 0 ||
        getsockname(l, (struct sockaddr *)a, &al) != 0) {
        printf("listener: %s\n", errname(errno));
        exit(1);
    }
    return l;
}

static long conn(int fd, const void *a, socklen_t len)
{
    return syscall(SYS_connect, fd, a, len);
}

static void peer(const char *what, int fd)
{
    struct sockaddr_in p;
    socklen_t pl = sizeof(p);
    show(what, syscall(SYS_getpeername, fd, &p, &pl));
}

static void tcp_connected(void)
{
    struct sockaddr_in a;
    char b[8];
    int l = listener(&a);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    show("tcp connect", conn(c, &a, sizeof(a)));
    int s = accept(l, NULL, NULL);
    show("tcp send before", send(s, "hi", 2, 0));
    show("tcp unspec connect", conn(c, &unspec, sizeof(unspec)));
    peer("tcp getpeername after", c);
    show("tcp recv after (unread data dropped)", recv(c, b, sizeof(b), MSG_DONTWAIT));
    show("tcp send after", send(c, "x", 1, MSG_NOSIGNAL));
    show("tcp peer recv", recv(s, b, sizeof(b), 0));
    show("tcp peer recv again", recv(s, b, sizeof(b), 0));
    show("tcp unspec again", conn(c, &unspec, sizeof(unspec)));
    /* the socket is fresh again: it can connect */
    show("tcp reconnect", conn(c, &a, sizeof(a)));
    int s2 = accept(l, NULL, NULL);
    show("tcp reconnected send", send(c, "ok", 2, 0));
    show("tcp reconnected recv", recv(s2, b, sizeof(b), 0));
    peer("tcp getpeername reconnected", c);
    close(s2);
    close(s);
    close(c);
    close(l);
}

static void tcp_listening(void)
{
    struct sockaddr_in a, a2;
    socklen_t al = sizeof(a2);
    char b[8];
    int l = listener(&a);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    show("listen: queued connect", conn(c, &a, sizeof(a)));
    show("listen: unspec connect", conn(l, &unspec, sizeof(unspec)));
    show("listen: accept after", accept4(l, NULL, NULL, SOCK_NONBLOCK));
    show("listen: queued client recv", recv(c, b, sizeof(b), 0));
    show("listen: listen again", listen(l, 4));
    /* the port, autobound by bind(port 0), may have been given up: ask again */
    getsockname(l, (struct sockaddr *)&a2, &al);
    int c2 = socket(AF_INET, SOCK_STREAM, 0);
    show("listen: new connect", conn(c2, &a2, sizeof(a2)));
    int s = accept(l, NULL, NULL);
    show_ok("listen: accept again", s);
    close(s);
    close(c2);
    close(c);
    close(l);
}

static void tcp_fresh(void)
{
    int t = socket(AF_INET, SOCK_STREAM, 0);
    show("fresh tcp unspec", conn(t, &unspec, sizeof(unspec)));
    show("fresh tcp unspec short", conn(t, &unspec, 1));
    peer("fresh tcp getpeername", t);
    close(t);
    int t6 = socket(AF_INET6, SOCK_STREAM, 0);
    show("fresh tcp6 unspec", conn(t6, &unspec, sizeof(unspec)));
    close(t6);
}

static void udp(void)
{
    struct sockaddr_in a = lo, me, me2;
    socklen_t al = sizeof(a), ml = sizeof(me);
    char b[8];
    int r = socket(AF_INET, SOCK_DGRAM, 0);
    bind(r, (struct sockaddr *)&a, sizeof(a));
    getsockname(r, (struct sockaddr *)&a, &al);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    show("udp connect", conn(u, &a, sizeof(a)));
    getsockname(u, (struct sockaddr *)&me, &ml);
    peer("udp getpeername", u);
    show("udp send", send(u, "a", 1, 0));
    show("udp recv", recv(r, b, sizeof(b), 0));
    show("udp unspec connect", conn(u, &unspec, sizeof(unspec)));
    peer("udp getpeername after", u);
    show("udp send after", send(u, "b", 1, 0));
    show("udp sendto after", sendto(u, "c", 1, 0, (struct sockaddr *)&a, sizeof(a)));
    show("udp recv after", recv(r, b, sizeof(b), 0));
    show("udp unspec short", conn(u, &unspec, 1));
    show("udp unspec twice", conn(u, &unspec, sizeof(unspec)));
    show("udp reconnect", conn(u, &a, sizeof(a)));
    peer("udp getpeername again", u);
    close(u);
    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = a.sin_port };
    a6.sin6_addr.s6_addr[15] = 1;
    show("udp6 connect", conn(u6, &a6, sizeof(a6)));
    show("udp6 unspec connect", conn(u6, &unspec, sizeof(unspec)));
    peer("udp6 getpeername after", u6);
    show("udp6 send after", send(u6, "d", 1, 0));
    close(u6);
    /* bind() named the port: the disconnect keeps it */
    int t = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in tp = lo;
    ml = sizeof(tp);
    bind(t, (struct sockaddr *)&tp, sizeof(tp));
    getsockname(t, (struct sockaddr *)&tp, &ml);
    close(t);
    int v = socket(AF_INET, SOCK_DGRAM, 0);
    show("udp bind named port", bind(v, (struct sockaddr *)&tp, sizeof(tp)));
    show("udp bound connect", conn(v, &a, sizeof(a)));
    show("udp bound unspec", conn(v, &unspec, sizeof(unspec)));
    ml = sizeof(me2);
    getsockname(v, (struct sockaddr *)&me2, &ml);
    fact("udp named port kept", me2.sin_port == tp.sin_port && me2.sin_addr.s_addr == tp.sin_addr.s_addr);
    show("udp bound sendto", sendto(v, "e", 1, 0, (struct sockaddr *)&a, sizeof(a)));
    ml = sizeof(me);
    show("udp bound recvfrom", recvfrom(r, b, sizeof(b), 0, (struct sockaddr *)&me, &ml));
    fact("udp bound source port", me.sin_port == tp.sin_port);
    close(v);
    close(r);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    tcp_connected();
    tcp_listening();
    tcp_fresh();
    udp();
    return 0;
}
