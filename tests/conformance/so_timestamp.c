/*
 * so_timestamp.c - SO_TIMESTAMP, SO_TIMESTAMPNS and their _NEW variants on
 * AF_UNIX datagram and seqpacket socketpairs and on a loopback UDP socket:
 * getsockopt reads back which one is on (one at a time; turning any off
 * turns all off), recvmsg delivers SCM_TIMESTAMP* (level, type, length)
 * with a CLOCK_REALTIME time between before the send and after the
 * receive, before SCM_CREDENTIALS and IP_PKTINFO; a short control buffer
 * truncates it (MSG_CTRUNC); a short option length is EINVAL.
 */
// covers: setsockopt getsockopt recvmsg
#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#define TS_OLD 29
#define TSNS_OLD 35
#define TS_NEW 63
#define TSNS_NEW 64

static const int opts[4] = { TS_OLD, TSNS_OLD, TS_NEW, TSNS_NEW };
static const char *names[4] = { "SO_TIMESTAMP", "SO_TIMESTAMPNS", "SO_TIMESTAMP_NEW", "SO_TIMESTAMPNS_NEW" };

static void getall(const char *what, int s)
{
    printf("%s:", what);
    for (int i = 0; i < 4; i++) {
        int v = -1;
        socklen_t l = sizeof(v);
        if (getsockopt(s, SOL_SOCKET, opts[i], &v, &l) < 0)
            printf(" %s=%s", names[i], errname(errno));
        else
            printf(" %s=%d", names[i], v);
    }
    printf("\n");
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Send one datagram from a to b and receive it with a control buffer of clen bytes; print
 * the control messages (a timestamp's value only as "within"). */
static void roundtrip(const char *what, int a, int b, size_t clen)
{
    union {
        struct cmsghdr h;
        char b[512];
    } cb;
    char buf[16];
    struct iovec iov = { buf, sizeof(buf) };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb.b, .msg_controllen = clen };
    memset(&cb, 0, sizeof(cb));
    long long before = now_ns();
    send(a, "ping", 4, 0);
    long r = syscall(SYS_recvmsg, b, &m, 0);
    long long after = now_ns();
    printf("%s: %ld ctrunc=%d controllen=%d\n", what, r, (m.msg_flags & MSG_CTRUNC) != 0, (int)m.msg_controllen);
    if (r < 0 || m.msg_controllen == 0)
        return;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
        printf("  cmsg level=%d type=%d len=%d", c->cmsg_level, c->cmsg_type, (int)c->cmsg_len);
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_len == CMSG_LEN(16) &&
            (c->cmsg_type == TS_OLD || c->cmsg_type == TSNS_OLD || c->cmsg_type == TS_NEW || c->cmsg_type == TSNS_NEW)) {
            long long t[2];
            memcpy(t, CMSG_DATA(c), sizeof(t));
            int ns = c->cmsg_type == TSNS_OLD || c->cmsg_type == TSNS_NEW;
            long long v = t[0] * 1000000000LL + (ns ? t[1] : t[1] * 1000);
            long long lo = ns ? before : before / 1000 * 1000;
            printf(" within=%d frac_ok=%d", v >= lo && v <= after, t[1] >= 0 && t[1] < (ns ? 1000000000 : 1000000));
        }
        printf("\n");
    }
}

static void set(const char *what, int s, int opt, int v)
{
    show(what, setsockopt(s, SOL_SOCKET, opt, &v, sizeof(v)));
}

int main(void)
{
    int sv[2], one = 1;
    setvbuf(stdout, NULL, _IONBF, 0);
    syscall(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, sv);
    getall("fresh", sv[1]);
    roundtrip("off", sv[0], sv[1], 512);
    for (int i = 0; i < 4; i++) {
        set(names[i], sv[1], opts[i], 1);
        getall("  after", sv[1]);
        roundtrip("  recv", sv[0], sv[1], 512);
    }
    set("SO_TIMESTAMP 5", sv[1], TS_OLD, 5);
    getall("  after", sv[1]);
    set("SO_TIMESTAMPNS 0", sv[1], TSNS_OLD, 0);
    getall("  after", sv[1]);
    roundtrip("  recv", sv[0], sv[1], 512);
    set("SO_TIMESTAMPNS_NEW 1", sv[1], TSNS_NEW, 1);
    set("SO_TIMESTAMP_NEW 0", sv[1], TS_NEW, 0);
    getall("  after", sv[1]);
    show("short option", setsockopt(sv[1], SOL_SOCKET, TS_OLD, &one, 2));
    char c1 = 1;
    show("one-byte option", setsockopt(sv[1], SOL_SOCKET, TS_OLD, &c1, 1));

    set("SO_TIMESTAMP", sv[1], TS_OLD, 1);
    roundtrip("short control", sv[0], sv[1], CMSG_LEN(8));
    roundtrip("header-only control", sv[0], sv[1], sizeof(struct cmsghdr));
    roundtrip("no control", sv[0], sv[1], 0);
    show("SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)));
    roundtrip("with creds", sv[0], sv[1], 512);
    close(sv[0]);
    close(sv[1]);

    syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET, 0, sv);
    set("seqpacket SO_TIMESTAMPNS", sv[1], TSNS_OLD, 1);
    roundtrip("seqpacket recv", sv[0], sv[1], 512);
    close(sv[0]);
    close(sv[1]);

    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof(a);
    bind(u, (struct sockaddr *)&a, sizeof(a));
    getsockname(u, (struct sockaddr *)&a, &al);
    connect(u, (struct sockaddr *)&a, sizeof(a));
    getall("udp fresh", u);
    roundtrip("udp off", u, u, 512);
    set("udp SO_TIMESTAMP", u, TS_OLD, 1);
    roundtrip("udp recv", u, u, 512);
    set("udp SO_TIMESTAMPNS_NEW", u, TSNS_NEW, 1);
    show("IP_PKTINFO", setsockopt(u, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)));
    roundtrip("udp recv with pktinfo", u, u, 512);
    close(u);
    return 0;
}
