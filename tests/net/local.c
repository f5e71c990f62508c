/*
 * local.c - socket semantics inside one program, checked natively and under
 * solo with the same expected output (tests/integration/net_tests.sh):
 * TCP and UDP over loopback (127.0.0.1 and ::1, v4-mapped peers of a
 * dual-stack listener), non-blocking connect/accept with poll and
 * edge-triggered epoll, SO_ERROR, ECONNREFUSED, EADDRINUSE and SO_REUSEADDR,
 * shutdown/EOF, getsockname/getpeername, AF_UNIX stream (bind/listen/
 * connect) and datagram sockets, socketpair, and errno for misuse.  Prints
 * one line per check; exit status 0 when every check held.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok)
        failures++;
}

static socklen_t addr_of(int family, const char *ip, int port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        inet_pton(AF_INET, ip, &a->sin_addr);
        return sizeof(*a);
    }
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    inet_pton(AF_INET6, ip, &a->sin6_addr);
    return sizeof(*a);
}

static int port_of(int s)
{
    struct sockaddr_storage ss;
    socklen_t l = sizeof(ss);
    getsockname(s, (struct sockaddr *)&ss, &l);
    return ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
                                   : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int listener(int family, const char *ip)
{
    struct sockaddr_storage ss;
    int one = 1;
    int s = socket(family, SOCK_STREAM, 0);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    socklen_t l = addr_of(family, ip, 0, &ss);
    if (bind(s, (struct sockaddr *)&ss, l) < 0 || listen(s, 8) < 0)
        perror("listener");
    return s;
}

/* Blocking TCP over loopback: connect, transfer both ways, EOF, names. */
static void tcp_loopback(int lfam, const char *lip, int cfam, const char *cip, const char *label)
{
    char what[128];
    struct sockaddr_storage ss, peer;
    int ls = listener(lfam, lip);
    int port = port_of(ls);
    int c = socket(cfam, SOCK_STREAM, 0);
    socklen_t l = addr_of(cfam, cip, port, &ss);
    snprintf(what, sizeof(what), "%s: connect", label);
    check(connect(c, (struct sockaddr *)&ss, l) == 0, what);
    socklen_t pl = sizeof(peer);
    int a = accept(ls, (struct sockaddr *)&peer, &pl);
    snprintf(what, sizeof(what), "%s: accept gives family %s", label,
             peer.ss_family == AF_INET6 ? "AF_INET6" : "AF_INET");
    check(a >= 0, what);
    struct sockaddr_storage me;
    socklen_t ml = sizeof(me);
    snprintf(what, sizeof(what), "%s: getpeername gives the listener's port", label);
    check(getpeername(c, (struct sockaddr *)&me, &ml) == 0 &&
          ntohs(((struct sockaddr_in *)&me)->sin_port) == port, what);
    static char big[300000], back[300000];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 7 + 3);
    ssize_t w = write(c, big, sizeof(big));
    snprintf(what, sizeof(what), "%s: write 300000 bytes returns %zd", label, w);
    check(w == (ssize_t)sizeof(big), what);
    shutdown(c, SHUT_WR);
    size_t got = 0;
    ssize_t r;
    while ((r = read(a, back + got, sizeof(back) - got)) > 0)
        got += (size_t)r;
    snprintf(what, sizeof(what), "%s: server reads %zu bytes then EOF, intact %d", label, got,
             memcmp(big, back, sizeof(big)) == 0);
    check(got == sizeof(big) && r == 0, what);
    check(write(a, "bye", 3) == 3, "server writes after client SHUT_WR");
    char b[8] = { 0 };
    check(read(c, b, sizeof(b)) == 3 && memcmp(b, "bye", 3) == 0, "client reads the reply");
    close(a);
    check(read(c, b, sizeof(b)) == 0, "client sees EOF after the server closes");
    close(c);
    close(ls);
}

/* Non-blocking connect and accept driven by epoll (edge-triggered). */
static void tcp_nonblocking(void)
{
    struct sockaddr_storage ss;
    int ls = listener(AF_INET, "127.0.0.1");
    fcntl(ls, F_SETFL, O_NONBLOCK);
    check(accept(ls, NULL, NULL) < 0 && errno == EAGAIN, "accept on an empty listener: EAGAIN");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = 1 };
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    socklen_t l = addr_of(AF_INET, "127.0.0.1", port_of(ls), &ss);
    int r = connect(c, (struct sockaddr *)&ss, l);
    check(r == 0 || errno == EINPROGRESS, "non-blocking connect: 0 or EINPROGRESS");
    ev.events = EPOLLOUT | EPOLLET;
    ev.data.u32 = 2;
    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
    int seen = 0;
    for (int i = 0; i < 10 && seen != 3; i++) {
        struct epoll_event out[4];
        int n = epoll_wait(ep, out, 4, 2000);
        for (int k = 0; k < n; k++)
            seen |= (int)out[k].data.u32;
    }
    check(seen == 3, "epoll: listener readable and client writable");
    int err = -1;
    socklen_t el = sizeof(err);
    check(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0, "SO_ERROR 0 after connect");
    int a = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    check(a >= 0 && (fcntl(a, F_GETFL) & O_NONBLOCK) && (fcntl(a, F_GETFD) & FD_CLOEXEC),
          "accept4 flags");
    char b[16];
    check(read(a, b, sizeof(b)) < 0 && errno == EAGAIN, "read with no data: EAGAIN");
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u32 = 4;
    epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev);
    send(c, "ping", 4, 0);
    struct epoll_event out[4];
    int n = epoll_wait(ep, out, 4, 2000);
    int got4 = 0;
    for (int k = 0; k < n; k++)
        got4 |= out[k].data.u32 == 4;
    check(got4, "epoll: accepted socket readable after send");
    int avail = -1;
    avail = -1;
    check(ioctl(a, FIONREAD, &avail) == 0 && avail == 4, "FIONREAD 4");
    check(recv(a, b, sizeof(b), MSG_PEEK) == 4 && recv(a, b, sizeof(b), 0) == 4, "MSG_PEEK then recv");
    int one = 1, v = 0;
    socklen_t vl = sizeof(v);
    setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    getsockopt(a, IPPROTO_TCP, TCP_NODELAY, &v, &vl);
    check(v != 0, "TCP_NODELAY set and read back");
    vl = sizeof(v);
    getsockopt(a, SOL_SOCKET, SO_TYPE, &v, &vl);
    check(v == SOCK_STREAM, "SO_TYPE");
    struct pollfd p = { a, POLLIN, 0 };
    check(poll(&p, 1, 0) == 0, "poll: nothing to read");
    close(c);
    check(poll(&p, 1, 2000) == 1 && read(a, b, sizeof(b)) == 0, "poll: EOF readable after peer close");
    close(a);
    close(ls);
    close(ep);
}

static void tcp_errors(void)
{
    struct sockaddr_storage ss;
    int ls = listener(AF_INET, "127.0.0.1");
    int port = port_of(ls);
    close(ls);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    socklen_t l = addr_of(AF_INET, "127.0.0.1", port, &ss);
    check(connect(c, (struct sockaddr *)&ss, l) < 0 && errno == ECONNREFUSED, "connect to a closed port: ECONNREFUSED");
    close(c);
    int a = socket(AF_INET, SOCK_STREAM, 0), b = socket(AF_INET, SOCK_STREAM, 0);
    l = addr_of(AF_INET, "127.0.0.1", 0, &ss);
    bind(a, (struct sockaddr *)&ss, l);
    listen(a, 1);
    l = addr_of(AF_INET, "127.0.0.1", port_of(a), &ss);
    check(bind(b, (struct sockaddr *)&ss, l) < 0 && errno == EADDRINUSE, "bind to a used port: EADDRINUSE");
    close(a);
    close(b);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    char x;
    check(recv(s, &x, 1, 0) < 0 && errno == ENOTCONN, "recv on an unconnected socket: ENOTCONN");
    check(send(s, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE, "send on an unconnected socket: EPIPE");
    struct sockaddr_storage pn;
    socklen_t pl = sizeof(pn);
    check(getpeername(s, (struct sockaddr *)&pn, &pl) < 0 && errno == ENOTCONN, "getpeername: ENOTCONN");
    l = addr_of(AF_INET, "192.0.2.1", 0, &ss);
    check(bind(s, (struct sockaddr *)&ss, l) < 0 && errno == EADDRNOTAVAIL, "bind to a foreign address: EADDRNOTAVAIL");
    close(s);
    check(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) < 0 && errno == EPROTONOSUPPORT, "TCP socket with IPPROTO_UDP: EPROTONOSUPPORT");
    check(socket(12345, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT, "unknown family: EAFNOSUPPORT");
    int fd = open("/", O_RDONLY);
    check(listen(fd, 1) < 0 && errno == ENOTSOCK, "listen on a directory: ENOTSOCK");
    close(fd);
    struct stat st;
    s = socket(AF_INET, SOCK_DGRAM, 0);
    check(fstat(s, &st) == 0 && S_ISSOCK(st.st_mode), "fstat: S_IFSOCK");
    close(s);
}

static void udp_loopback(int family, const char *ip)
{
    struct sockaddr_storage ss, from;
    int a = socket(family, SOCK_DGRAM, 0), b = socket(family, SOCK_DGRAM, 0);
    socklen_t l = addr_of(family, ip, 0, &ss);
    bind(a, (struct sockaddr *)&ss, l);
    l = addr_of(family, ip, port_of(a), &ss);
    check(sendto(b, "hello", 5, 0, (struct sockaddr *)&ss, l) == 5, family == AF_INET ? "udp4 sendto" : "udp6 sendto");
    char buf[16];
    socklen_t fl = sizeof(from);
    ssize_t r = recvfrom(a, buf, 3, 0, (struct sockaddr *)&from, &fl);
    check(r == 3 && port_of(b) == (from.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&from)->sin_port)
                                                             : ntohs(((struct sockaddr_in6 *)&from)->sin6_port)),
          "udp: truncated datagram and source port");
    struct msghdr mh;
    struct iovec iov = { buf, sizeof(buf) };
    sendto(b, "0123456789", 10, 0, (struct sockaddr *)&ss, l);
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    iov.iov_len = 4;
    r = recvmsg(a, &mh, 0);
    check(r == 4 && (mh.msg_flags & MSG_TRUNC), "recvmsg: MSG_TRUNC");
    fcntl(a, F_SETFL, O_NONBLOCK);
    check(recv(a, buf, sizeof(buf), 0) < 0 && errno == EAGAIN, "udp: EAGAIN when empty");
    close(a);
    close(b);
}

/* Pass a pipe's read end over a socketpair (SCM_RIGHTS) and use it. */
static void unix_rights(int type)
{
    int sv[2], pp[2];
    socketpair(AF_UNIX, type, 0, sv);
    pipe(pp);
    char cbuf[CMSG_SPACE(sizeof(int))];
    memset(cbuf, 0, sizeof(cbuf));
    struct iovec iov = { "F", 1 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pp[0], sizeof(int));
    check(sendmsg(sv[0], &mh, 0) == 1, type == SOCK_STREAM ? "SCM_RIGHTS sendmsg (stream)" : "SCM_RIGHTS sendmsg (dgram)");
    send(sv[0], "after", 5, 0);
    close(pp[0]);
    char b[16], rbuf[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec riov = { b, sizeof(b) };
    struct msghdr rh = { .msg_iov = &riov, .msg_iovlen = 1, .msg_control = rbuf, .msg_controllen = sizeof(rbuf) };
    ssize_t n = recvmsg(sv[1], &rh, MSG_CMSG_CLOEXEC);
    struct cmsghdr *rc = CMSG_FIRSTHDR(&rh);
    int fd = -1;
    if (rc != NULL && rc->cmsg_type == SCM_RIGHTS)
        memcpy(&fd, CMSG_DATA(rc), sizeof(int));
    check(n == 1 && b[0] == 'F' && fd >= 0 && rc->cmsg_len == CMSG_LEN(sizeof(int)) &&
          (fcntl(fd, F_GETFD) & FD_CLOEXEC), "SCM_RIGHTS: one byte and one descriptor, close-on-exec");
    write(pp[1], "via", 3);
    check(fd >= 0 && read(fd, b, sizeof(b)) == 3 && memcmp(b, "via", 3) == 0, "SCM_RIGHTS: the passed pipe works");
    check(recv(sv[1], b, sizeof(b), 0) == 5, "SCM_RIGHTS: later data arrives separately");
    close(fd);
    close(pp[1]);
    close(sv[0]);
    close(sv[1]);
}

static void unix_sockets(void)
{
    int sv[2];
    check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair stream");
    check(write(sv[0], "abc", 3) == 3, "socketpair write");
    char b[300000];
    check(read(sv[1], b, sizeof(b)) == 3, "socketpair read");
    close(sv[0]);
    check(read(sv[1], b, sizeof(b)) == 0, "socketpair EOF");
    close(sv[1]);
    check(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair dgram");
    send(sv[0], "one", 3, 0);
    send(sv[0], "three", 5, 0);
    check(recv(sv[1], b, sizeof(b), 0) == 3 && recv(sv[1], b, sizeof(b), 0) == 5, "dgram boundaries kept");
    close(sv[0]);
    close(sv[1]);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/solo-local-%d.sock", (int)getpid());
    unlink(sa.sun_path);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    check(bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(ls, 4) == 0, "unix bind+listen");
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    check(connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0, "unix connect");
    int a = accept(ls, NULL, NULL);
    check(a >= 0, "unix accept");
    static char big[200000];
    memset(big, 'u', sizeof(big));
    check(write(c, big, sizeof(big)) == (ssize_t)sizeof(big), "unix write 200000");
    size_t got = 0;
    ssize_t r;
    while (got < sizeof(big) && (r = read(a, b, sizeof(b))) > 0)
        got += (size_t)r;
    check(got == sizeof(big), "unix read 200000");
    struct sockaddr_un pn;
    socklen_t pl = sizeof(pn);
    check(getpeername(c, (struct sockaddr *)&pn, &pl) == 0 && strcmp(pn.sun_path, sa.sun_path) == 0,
          "unix getpeername");
    close(a);
    close(c);
    close(ls);
    unlink(sa.sun_path);
    int d1 = socket(AF_UNIX, SOCK_DGRAM, 0), d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    memset(sa.sun_path, 0, sizeof(sa.sun_path));
    memcpy(sa.sun_path, "\0solo-abstract", 14);
    socklen_t al = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 14);
    check(bind(d1, (struct sockaddr *)&sa, al) == 0, "unix dgram bind (abstract)");
    check(sendto(d2, "dg", 2, 0, (struct sockaddr *)&sa, al) == 2, "unix dgram sendto");
    check(recv(d1, b, sizeof(b), 0) == 2, "unix dgram recv");
    close(d1);
    close(d2);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    tcp_loopback(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1", "tcp4");
    tcp_loopback(AF_INET6, "::1", AF_INET6, "::1", "tcp6");
    tcp_loopback(AF_INET6, "::", AF_INET, "127.0.0.1", "dual-stack");
    tcp_nonblocking();
    tcp_errors();
    udp_loopback(AF_INET, "127.0.0.1");
    udp_loopback(AF_INET6, "::1");
    unix_sockets();
    unix_rights(SOCK_STREAM);
    unix_rights(SOCK_DGRAM);
    printf("%s\n", failures == 0 ? "all passed" : "failures");
    return failures != 0;
}
