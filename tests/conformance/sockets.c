/*
 * sockets.c - the socket calls inside one program: AF_UNIX socketpairs
 * (stream and datagram), a listening AF_UNIX socket in /tmp, and TCP and
 * UDP over IPv4 loopback, with the calls' error cases.  Ports are chosen by
 * the kernel and never printed; only data, lengths and errno names are.
 */
// covers: socket socketpair bind listen connect accept accept4 getsockname getpeername setsockopt getsockopt
// covers: sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg shutdown
#include "common.h"
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

static void test_pairs(void)
{
    int sv[2];
    char buf[32];
    show("socketpair stream", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv));
    show("sendto", syscall(SYS_sendto, sv[0], "hello", 5, 0, NULL, 0));
    memset(buf, 0, sizeof(buf));
    show("recvfrom", syscall(SYS_recvfrom, sv[1], buf, sizeof(buf), 0, NULL, NULL));
    printf("data: %s\n", buf);
    show("recvfrom nothing (dontwait)", syscall(SYS_recvfrom, sv[1], buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL));
    struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
    struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
    show("sendmsg", syscall(SYS_sendmsg, sv[1], &mh, 0));
    char r1[3] = { 0 }, r2[8] = { 0 };
    struct iovec riov[2] = { { r1, 2 }, { r2, 7 } };
    struct msghdr rh = { .msg_iov = riov, .msg_iovlen = 2 };
    show("recvmsg", syscall(SYS_recvmsg, sv[0], &rh, 0));
    printf("recvmsg data: %s|%s\n", r1, r2);
    show("sendmsg bad fd", syscall(SYS_sendmsg, 999, &mh, 0));
    show("recvmsg not a socket", syscall(SYS_recvmsg, 0, &rh, 0));
    show("shutdown write", syscall(SYS_shutdown, sv[0], SHUT_WR));
    show("recv after peer shutdown", syscall(SYS_recvfrom, sv[1], buf, sizeof(buf), 0, NULL, NULL));
    show("shutdown bad how", syscall(SYS_shutdown, sv[0], 7));
    show("shutdown not a socket", syscall(SYS_shutdown, 1, SHUT_RDWR));
    close(sv[0]);
    close(sv[1]);
    show("socketpair inet", syscall(SYS_socketpair, AF_INET, SOCK_STREAM, 0, sv));
    show("socketpair bad address", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (void *)8));

    show("socketpair dgram", syscall(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, sv));
    struct mmsghdr mm[2];
    struct iovec m0 = { "one", 3 }, m1 = { "three", 5 };
    memset(mm, 0, sizeof(mm));
    mm[0].msg_hdr.msg_iov = &m0;
    mm[0].msg_hdr.msg_iovlen = 1;
    mm[1].msg_hdr.msg_iov = &m1;
    mm[1].msg_hdr.msg_iovlen = 1;
    show("sendmmsg", syscall(SYS_sendmmsg, sv[0], mm, 2, 0));
    printf("sent lengths: %u %u\n", mm[0].msg_len, mm[1].msg_len);
    char b0[8] = { 0 }, b1[8] = { 0 };
    struct iovec q0 = { b0, 7 }, q1 = { b1, 7 };
    memset(mm, 0, sizeof(mm));
    mm[0].msg_hdr.msg_iov = &q0;
    mm[0].msg_hdr.msg_iovlen = 1;
    mm[1].msg_hdr.msg_iov = &q1;
    mm[1].msg_hdr.msg_iovlen = 1;
    show("recvmmsg", syscall(SYS_recvmmsg, sv[1], mm, 2, MSG_DONTWAIT, NULL));
    printf("received: %s %u, %s %u\n", b0, mm[0].msg_len, b1, mm[1].msg_len);
    show("recvmmsg empty", syscall(SYS_recvmmsg, sv[1], mm, 2, MSG_DONTWAIT, NULL));
    show("sendmmsg bad fd", syscall(SYS_sendmmsg, 999, mm, 1, 0));
    show("recvmmsg bad fd", syscall(SYS_recvmmsg, 999, mm, 1, 0, NULL));
    close(sv[0]);
    close(sv[1]);
}

static void test_unix_listen(void)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof(a.sun_path), "/tmp/conf-sock-%d", 1);
    unlink(a.sun_path);
    int s = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
    show_ok("socket unix", s);
    show("bind", syscall(SYS_bind, s, &a, sizeof(a)));
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    show("bind in use", syscall(SYS_bind, s2, &a, sizeof(a)));
    show("connect not listening", syscall(SYS_connect, s2, &a, sizeof(a)));
    show("listen", syscall(SYS_listen, s, 4));
    show("listen not a socket", syscall(SYS_listen, 1, 4));
    show("connect", syscall(SYS_connect, s2, &a, sizeof(a)));
    struct sockaddr_un peer;
    socklen_t pl = sizeof(peer);
    int c = syscall(SYS_accept, s, &peer, &pl);
    show_ok("accept", c);
    printf("accepted peer family: %d\n", peer.sun_family);
    fcntl(s, F_SETFL, O_NONBLOCK);
    show("accept4 nothing pending", syscall(SYS_accept4, s, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
    fcntl(s, F_SETFL, 0);
    show("accept4 bad flags", syscall(SYS_accept4, s, NULL, NULL, 0x1));
    show("accept on connected socket", syscall(SYS_accept, c, NULL, NULL));
    struct sockaddr_un me;
    socklen_t ml = sizeof(me);
    show("getsockname", syscall(SYS_getsockname, s, &me, &ml));
    printf("name: %s\n", me.sun_path);
    ml = sizeof(me);
    show("getpeername", syscall(SYS_getpeername, s2, &me, &ml));
    printf("peer: %s\n", me.sun_path);
    show("getpeername unconnected", syscall(SYS_getpeername, s, &me, &ml));
    show("getsockname bad fd", syscall(SYS_getsockname, 999, &me, &ml));
    write(s2, "ping", 4);
    char buf[8] = { 0 };
    read(c, buf, sizeof(buf));
    printf("over listener: %s\n", buf);
    close(c);
    close(s2);
    close(s);
    unlink(a.sun_path);
}

static void test_inet(void)
{
    show("socket bad domain", syscall(SYS_socket, 12345, SOCK_STREAM, 0));
    show("socket bad type", syscall(SYS_socket, AF_INET, 77, 0));
    show("socket bad protocol", syscall(SYS_socket, AF_INET, SOCK_STREAM, IPPROTO_UDP));
    int l = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1, v = 0;
    socklen_t vl = sizeof(v);
    show("setsockopt reuseaddr", syscall(SYS_setsockopt, l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
    show("getsockopt reuseaddr", syscall(SYS_getsockopt, l, SOL_SOCKET, SO_REUSEADDR, &v, &vl));
    printf("reuseaddr: %d len %u\n", v != 0, vl);
    vl = sizeof(v);
    show("getsockopt type", syscall(SYS_getsockopt, l, SOL_SOCKET, SO_TYPE, &v, &vl));
    printf("type: %d\n", v);
    show("setsockopt short len", syscall(SYS_setsockopt, l, SOL_SOCKET, SO_REUSEADDR, &one, 1));
    show("setsockopt bad level", syscall(SYS_setsockopt, l, 9999, 1, &one, sizeof(one)));
    show("getsockopt not a socket", syscall(SYS_getsockopt, 1, SOL_SOCKET, SO_TYPE, &v, &vl));
    show("setsockopt nodelay", syscall(SYS_setsockopt, l, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    show("bind loopback", syscall(SYS_bind, l, &a, sizeof(a)));
    show("bind twice", syscall(SYS_bind, l, &a, sizeof(a)));
    show("bind short address", syscall(SYS_bind, socket(AF_INET, SOCK_STREAM, 0), &a, 4));
    socklen_t al = sizeof(a);
    getsockname(l, (struct sockaddr *)&a, &al);
    fact("kernel chose a port", a.sin_port != 0);
    show("listen", syscall(SYS_listen, l, 2));
    int c = socket(AF_INET, SOCK_STREAM, 0);
    show("connect", syscall(SYS_connect, c, &a, sizeof(a)));
    int s = accept(l, NULL, NULL);
    show_ok("accept", s);
    show("send", syscall(SYS_sendto, c, "tcp!", 4, 0, NULL, 0));
    char buf[8] = { 0 };
    show("recv", syscall(SYS_recvfrom, s, buf, sizeof(buf), MSG_WAITALL & 0, NULL, NULL));
    printf("tcp data: %s\n", buf);
    show("connect again", syscall(SYS_connect, c, &a, sizeof(a)));
    close(s);
    close(c);
    close(l);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ua = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bind(u, (struct sockaddr *)&ua, sizeof(ua));
    al = sizeof(ua);
    getsockname(u, (struct sockaddr *)&ua, &al);
    int u2 = socket(AF_INET, SOCK_DGRAM, 0);
    show("udp sendto", syscall(SYS_sendto, u2, "dgram", 5, 0, &ua, sizeof(ua)));
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    memset(buf, 0, sizeof(buf));
    show("udp recvfrom", syscall(SYS_recvfrom, u, buf, sizeof(buf), 0, &from, &fl));
    printf("udp data: %s from loopback: %d\n", buf, from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    show("udp sendto no address", syscall(SYS_sendto, u2, "x", 1, 0, NULL, 0));
    close(u);
    close(u2);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_pairs();
    test_unix_listen();
    test_inet();
    return 0;
}
