/*
 * unix_seqpacket.c - AF_UNIX SOCK_SEQPACKET sockets: socketpair and
 * listen/connect/accept by pathname and abstract name; message boundaries
 * (a receive returns one message, cut short with MSG_TRUNC, the rest
 * dropped; MSG_TRUNC as a flag returns the full length; zero-length
 * messages), MSG_PEEK, FIONREAD, SO_TYPE, unconnected ENOTCONN, a wrong
 * socket type EPROTOTYPE, shutdown and peer close (EOF, EPIPE and SIGPIPE),
 * poll, and SCM_RIGHTS / SCM_CREDENTIALS staying with their message.
 * AF_INET SOCK_SEQPACKET is refused (ESOCKTNOSUPPORT, or EPROTONOSUPPORT
 * where SCTP is loaded: only the refusal is printed).
 */
// covers: socket socketpair bind listen connect accept sendmsg recvmsg sendto recvfrom shutdown
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

static volatile int sigpipes;

static void on_pipe(int sig)
{
    (void)sig;
    sigpipes++;
}

/* recvmsg into a len-byte buffer; prints the result, msg_flags and data. */
static void recv_show(const char *what, int s, size_t len, int flags)
{
    char buf[256];
    struct iovec iov = { buf, len };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    memset(buf, 0, sizeof(buf));
    long r = syscall(SYS_recvmsg, s, &m, flags);
    if (r < 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    size_t k = (size_t)r < len ? (size_t)r : len;
    printf("%s: %ld trunc=%d data=\"%.*s\"\n", what, r, (m.msg_flags & MSG_TRUNC) != 0, (int)k, buf);
}

static long sendstr(int s, const char *str, int flags)
{
    return syscall(SYS_sendto, s, str, strlen(str), flags, NULL, 0);
}

/* poll revents for IN/OUT/RDHUP (and HUP/ERR). */
static void poll_show(const char *what, int s)
{
    struct pollfd p = { s, POLLIN | POLLOUT | POLLRDHUP, 0 };
    long r = syscall(SYS_poll, &p, 1, 0);
    printf("%s: %ld%s%s%s%s%s\n", what, r, p.revents & POLLIN ? " IN" : "", p.revents & POLLOUT ? " OUT" : "",
           p.revents & POLLRDHUP ? " RDHUP" : "", p.revents & POLLHUP ? " HUP" : "",
           p.revents & POLLERR ? " ERR" : "");
}

static void pair_tests(void)
{
    int sv[2], v = 0;
    socklen_t vl = sizeof(v);
    show("socketpair", syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET, 0, sv));
    show("SO_TYPE", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &vl) < 0 ? -1 : v);
    poll_show("poll fresh", sv[1]);
    show("send hello", sendstr(sv[0], "hello", 0));
    show("send empty", sendstr(sv[0], "", 0));
    show("send long", sendstr(sv[0], "a longer message", 0));
    show("send tail", sendstr(sv[0], "tail", 0));
    poll_show("poll data", sv[1]);
    show("FIONREAD", ioctl(sv[1], FIONREAD, &v) < 0 ? -1 : v);
    recv_show("recv peek", sv[1], 64, MSG_PEEK);
    recv_show("recv hello", sv[1], 64, 0);
    recv_show("recv empty", sv[1], 64, 0);
    recv_show("recv short", sv[1], 4, 0);
    recv_show("recv tail (rest dropped)", sv[1], 2, MSG_TRUNC);
    recv_show("recv none", sv[1], 64, MSG_DONTWAIT);
    poll_show("poll drained", sv[1]);

    /* an address is ignored on a connected socket */
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    strcpy(a.sun_path, "/tmp/conf-seqp-none");
    show("sendto with address", syscall(SYS_sendto, sv[1], "x", 1, 0, &a, sizeof(a)));
    struct sockaddr_un from;
    socklen_t fl = sizeof(from);
    char c;
    show("recvfrom", syscall(SYS_recvfrom, sv[0], &c, 1, 0, &from, &fl));
    printf("recvfrom addrlen: %d\n", (int)fl);
    show("send MSG_OOB", syscall(SYS_sendto, sv[0], "x", 1, MSG_OOB, NULL, 0));

    /* shutdown: the writer's SHUT_WR is the reader's EOF */
    show("send before shutdown", sendstr(sv[0], "last", 0));
    show("shutdown WR", syscall(SYS_shutdown, sv[0], SHUT_WR));
    show("send after shutdown", sendstr(sv[0], "x", MSG_NOSIGNAL));
    poll_show("poll reader after peer SHUT_WR", sv[1]);
    recv_show("recv last", sv[1], 64, 0);
    recv_show("recv eof", sv[1], 64, 0);
    show("reader sends", sendstr(sv[1], "back", 0));
    recv_show("writer receives", sv[0], 64, 0);
    show("shutdown RD", syscall(SYS_shutdown, sv[0], SHUT_RD));
    show("peer sends to SHUT_RD", sendstr(sv[1], "x", MSG_NOSIGNAL));
    close(sv[0]);
    close(sv[1]);

    /* peer close: EOF, EPIPE and SIGPIPE */
    show("socketpair 2", syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET, 0, sv));
    show("send before close", sendstr(sv[0], "bye", 0));
    close(sv[0]);
    poll_show("poll after peer close", sv[1]);
    recv_show("recv queued", sv[1], 64, 0);
    recv_show("recv after close", sv[1], 64, 0);
    show("send after peer close", sendstr(sv[1], "x", MSG_NOSIGNAL));
    sigpipes = 0;
    show("send with SIGPIPE", sendstr(sv[1], "x", 0));
    printf("sigpipes: %d\n", sigpipes);
    show("write with SIGPIPE", write(sv[1], "x", 1));
    printf("sigpipes: %d\n", sigpipes);
    close(sv[1]);

    /* nonblocking socketpair */
    show("socketpair nonblock", syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv));
    recv_show("recv empty nonblock", sv[0], 8, 0);
    close(sv[0]);
    close(sv[1]);
}

/* SCM_RIGHTS and SCM_CREDENTIALS belong to their own message. */
static void ancillary_tests(void)
{
    int sv[2], one = 1;
    union {
        struct cmsghdr h;
        char b[256];
    } cb;
    syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET, 0, sv);
    int fd = open("/dev/null", O_RDONLY);
    struct iovec iov = { "with-fd", 7 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb.b,
                        .msg_controllen = CMSG_SPACE(sizeof(int)) };
    memset(&cb, 0, sizeof(cb));
    cb.h.cmsg_len = CMSG_LEN(sizeof(int));
    cb.h.cmsg_level = SOL_SOCKET;
    cb.h.cmsg_type = SCM_RIGHTS;
    memcpy(CMSG_DATA(&cb.h), &fd, sizeof(int));
    show("sendmsg with fd", syscall(SYS_sendmsg, sv[0], &m, 0));
    show("send plain", sendstr(sv[0], "plain", 0));
    for (int i = 0; i < 2; i++) {
        char buf[32];
        struct iovec ri = { buf, 3 };
        struct msghdr rm = { .msg_iov = &ri, .msg_iovlen = 1, .msg_control = cb.b,
                             .msg_controllen = sizeof(cb.b) };
        memset(&cb, 0, sizeof(cb));
        long r = syscall(SYS_recvmsg, sv[1], &rm, 0);
        struct cmsghdr *c = CMSG_FIRSTHDR(&rm);
        printf("recvmsg %d: %ld trunc=%d cmsg=%s", i, r, (rm.msg_flags & MSG_TRUNC) != 0,
               c == NULL ? "none" : c->cmsg_type == SCM_RIGHTS ? "rights" : "other");
        if (c != NULL && c->cmsg_type == SCM_RIGHTS) {
            int got;
            memcpy(&got, CMSG_DATA(c), sizeof(int));
            printf(" len=%d newfd=%d", (int)c->cmsg_len, got != fd && fcntl(got, F_GETFD) >= 0);
            close(got);
        }
        printf("\n");
    }
    show("SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)));
    show("send for creds", sendstr(sv[0], "cred", 0));
    {
        char buf[32];
        struct iovec ri = { buf, sizeof(buf) };
        struct msghdr rm = { .msg_iov = &ri, .msg_iovlen = 1, .msg_control = cb.b,
                             .msg_controllen = sizeof(cb.b) };
        long r = syscall(SYS_recvmsg, sv[1], &rm, 0);
        struct cmsghdr *c = CMSG_FIRSTHDR(&rm);
        printf("recvmsg creds: %ld cmsg=%s", r, c == NULL ? "none" : c->cmsg_type == SCM_CREDENTIALS ? "creds" : "other");
        if (c != NULL && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred u;
            memcpy(&u, CMSG_DATA(c), sizeof(u));
            printf(" pid_ok=%d uid_ok=%d", u.pid == getpid(), u.uid == getuid());
        }
        printf("\n");
    }
    close(fd);
    close(sv[0]);
    close(sv[1]);
}

/* listen/connect/accept by name (n: 0 pathname, 1 abstract). */
static void named_tests(int abstract)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    socklen_t alen;
    const char *tag = abstract ? "abstract" : "path";
    if (abstract) {
        memcpy(a.sun_path, "\0conf-seqp-abstract", 19);
        alen = offsetof(struct sockaddr_un, sun_path) + 19;
    } else {
        strcpy(a.sun_path, "/tmp/conf-seqp-1");
        unlink(a.sun_path);
        alen = offsetof(struct sockaddr_un, sun_path) + strlen(a.sun_path) + 1;
    }
    printf("-- %s\n", tag);
    int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    show("listen unbound", syscall(SYS_listen, l, 4));
    show("send unconnected", sendstr(c, "x", MSG_NOSIGNAL));
    recv_show("recv unconnected", c, 8, MSG_DONTWAIT);
    show("connect nobody", syscall(SYS_connect, c, &a, alen));
    show("bind", syscall(SYS_bind, l, &a, alen));
    show("connect not listening", syscall(SYS_connect, c, &a, alen));
    show("listen", syscall(SYS_listen, l, 4));
    int v = 0;
    socklen_t vl = sizeof(v);
    show("SO_ACCEPTCONN", getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl) < 0 ? -1 : v);
    int st = socket(AF_UNIX, SOCK_STREAM, 0);
    show("stream connect to seqpacket", syscall(SYS_connect, st, &a, alen));
    close(st);
    int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("dgram sendto seqpacket", syscall(SYS_sendto, dg, "x", 1, 0, &a, alen));
    close(dg);
    show("send on listener", sendstr(l, "x", MSG_NOSIGNAL));
    poll_show("poll listener idle", l);
    show("connect", syscall(SYS_connect, c, &a, alen));
    show("connect again", syscall(SYS_connect, c, &a, alen));
    poll_show("poll listener pending", l);
    show("send before accept", sendstr(c, "early", 0));
    struct sockaddr_un pa;
    socklen_t pl = sizeof(pa);
    int s = (int)syscall(SYS_accept4, l, &pa, &pl, 0);
    show_ok("accept", s);
    printf("accept addrlen: %d\n", (int)pl);
    vl = sizeof(v);
    show("accepted SO_TYPE", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl) < 0 ? -1 : v);
    recv_show("server recv early", s, 64, 0);
    show("server send", sendstr(s, "reply", 0));
    struct sockaddr_un from;
    socklen_t fl = sizeof(from);
    char buf[16];
    long r = syscall(SYS_recvfrom, c, buf, sizeof(buf), 0, &from, &fl);
    show("client recvfrom", r);
    printf("from len %d same name %d\n", (int)fl, fl == alen && memcmp(&from, &a, alen) == 0);
    pl = sizeof(pa);
    show("getpeername", syscall(SYS_getpeername, c, &pa, &pl));
    printf("peer len %d same name %d\n", (int)pl, pl == alen && memcmp(&pa, &a, alen) == 0);
    close(s);
    recv_show("client recv after server close", c, 64, 0);
    show("client send after server close", sendstr(c, "x", MSG_NOSIGNAL));
    close(c);
    close(l);
    if (!abstract)
        unlink(a.sun_path);
}

int main(void)
{
    signal(SIGPIPE, on_pipe);
    setvbuf(stdout, NULL, _IONBF, 0);
    long r = syscall(SYS_socket, AF_INET, SOCK_SEQPACKET, 0);
    printf("inet seqpacket refused: %d\n", r < 0 && (errno == ESOCKTNOSUPPORT || errno == EPROTONOSUPPORT));
    r = syscall(SYS_socket, AF_INET6, SOCK_SEQPACKET, 0);
    printf("inet6 seqpacket refused: %d\n", r < 0 && (errno == ESOCKTNOSUPPORT || errno == EPROTONOSUPPORT));
    r = syscall(SYS_socketpair, AF_INET, SOCK_SEQPACKET, 0, (int[2]){ 0, 0 });
    printf("socketpair inet seqpacket refused: %d\n", r < 0 && (errno == ESOCKTNOSUPPORT || errno == EPROTONOSUPPORT));
    pair_tests();
    ancillary_tests();
    named_tests(0);
    named_tests(1);
    return 0;
}
