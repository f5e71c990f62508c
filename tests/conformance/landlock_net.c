// covers: landlock_create_ruleset landlock_add_rule landlock_restrict_self bind connect
/*
 * landlock_net.c - Landlock network rights (ABI 4) on loopback: ruleset and
 * LANDLOCK_RULE_NET_PORT errors, then a thread restricted to connecting to
 * one listening port and binding one free port: allowed and denied bind
 * and connect (EACCES), the address checks Landlock makes first (short
 * addresses and family mismatches EINVAL, AF_UNSPEC bind EAFNOSUPPORT /
 * EINVAL, AF_UNSPEC connect allowed), sockets that are not TCP untouched,
 * and a second layer narrowing the first.  Ports are picked by the kernel
 * (port 0), so only allowed/denied facts are printed.
 */
#include "common.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

/* uapi <linux/landlock.h> (own copy: installed headers may predate ABI 4) */
#define VERSION_FLAG 1U
#define RULE_PATH_BENEATH 1
#define RULE_NET_PORT 2
#define BIND_TCP 1ULL
#define CONNECT_TCP 2ULL
#define READ_FILE (1ULL << 2)

struct ruleset_attr {
    uint64_t fs, net;
};

struct net_port_attr {
    uint64_t allowed_access, port;
};

struct path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

static int port_ok, port_deny, bind_ok, bind_deny;
static int lst_ok, lst_deny;

static long ruleset(uint64_t fs, uint64_t net)
{
    struct ruleset_attr a = { fs, net };
    return syscall(SYS_landlock_create_ruleset, &a, sizeof(a), 0);
}

static long net_rule(int rs, uint64_t access, uint64_t port)
{
    struct net_port_attr a = { access, port };
    return syscall(SYS_landlock_add_rule, rs, RULE_NET_PORT, &a, 0);
}

static struct sockaddr_in loop4(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* A listening TCP socket on a kernel-chosen loopback port (*port). */
static int listener(int *port)
{
    struct sockaddr_in a = loop4(0);
    socklen_t len = sizeof(a);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 8) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) < 0)
        return -1;
    *port = ntohs(a.sin_port);
    return s;
}

/* A port free right now (bound to 0, then released). */
static int free_port(void)
{
    int p = -1;
    int s = listener(&p);
    close(s);
    return p;
}

static long tcp_connect(int port)
{
    struct sockaddr_in a = loop4(port);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    long r = connect(s, (struct sockaddr *)&a, sizeof(a));
    int e = errno;
    close(s);
    errno = e;
    return r;
}

static long bind_to(int family, int type, int port)
{
    int s = socket(family, type, 0);
    long r;
    if (family == AF_INET6) {
        struct sockaddr_in6 a;
        memset(&a, 0, sizeof(a));
        a.sin6_family = AF_INET6;
        a.sin6_port = htons((uint16_t)port);
        r = bind(s, (struct sockaddr *)&a, sizeof(a));
    } else {
        struct sockaddr_in a = loop4(port);
        r = bind(s, (struct sockaddr *)&a, sizeof(a));
    }
    int e = errno;
    close(s);
    errno = e;
    return r;
}

static void errors(void)
{
    show_ok("net-only ruleset", ruleset(0, BIND_TCP | CONNECT_TCP));
    show("unknown net right", ruleset(0, 1ULL << 2));
    show("nothing handled", ruleset(0, 0));
    int rs = (int)ruleset(READ_FILE, BIND_TCP);
    show("port rule", net_rule(rs, BIND_TCP, 8080));
    show("port rule again", net_rule(rs, BIND_TCP, 8080));
    show("port 0 rule", net_rule(rs, BIND_TCP, 0));
    show("port 65535", net_rule(rs, BIND_TCP, 65535));
    show("port 65536", net_rule(rs, BIND_TCP, 65536));
    show("no access", net_rule(rs, 0, 80));
    show("unhandled access", net_rule(rs, CONNECT_TCP, 80));
    show("unknown access", net_rule(rs, 1ULL << 5, 80));
    show("rule fault", syscall(SYS_landlock_add_rule, rs, RULE_NET_PORT, (void *)8, 0));
    show("rule flags", syscall(SYS_landlock_add_rule, rs, RULE_NET_PORT, (void *)8, 1));
    show("unknown rule type", syscall(SYS_landlock_add_rule, rs, 3, (void *)8, 0));
    int fsonly = (int)ruleset(READ_FILE, 0);
    show("port rule on fs-only ruleset", net_rule(fsonly, BIND_TCP, 80));
    int netonly = (int)ruleset(0, CONNECT_TCP);
    struct path_beneath_attr pb = { READ_FILE, AT_FDCWD };
    int dfd = open(".", 010000000);  /* O_PATH */
    pb.parent_fd = dfd;
    show("path rule on net-only ruleset", syscall(SYS_landlock_add_rule, netonly, RULE_PATH_BENEATH, &pb, 0));
    close(dfd);
    close(rs);
    close(fsonly);
    close(netonly);
}

static void *restricted(void *arg)
{
    (void)arg;
    int rs = (int)ruleset(READ_FILE, BIND_TCP | CONNECT_TCP);
    net_rule(rs, CONNECT_TCP, (uint64_t)port_ok);
    net_rule(rs, BIND_TCP, (uint64_t)bind_ok);
    show("restrict", syscall(SYS_landlock_restrict_self, rs, 0));
    close(rs);

    show("connect allowed port", tcp_connect(port_ok));
    show("connect denied port", tcp_connect(port_deny));
    show("bind allowed port", bind_to(AF_INET, SOCK_STREAM, bind_ok));
    show("bind denied port", bind_to(AF_INET, SOCK_STREAM, bind_deny));
    show("bind port 0", bind_to(AF_INET, SOCK_STREAM, 0));
    show("bind6 denied port", bind_to(AF_INET6, SOCK_STREAM, bind_deny));
    show("udp bind denied port", bind_to(AF_INET, SOCK_DGRAM, bind_deny));
    show("udp connect denied port", ({
        struct sockaddr_in a = loop4(port_deny);
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        long r = connect(s, (struct sockaddr *)&a, sizeof(a));
        int e = errno;
        close(s);
        errno = e;
        r;
    }));

    /* the address checks Landlock makes before the rights */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loop4(bind_deny);
    show("bind short address", bind(s, (struct sockaddr *)&a, 8));
    show("bind family 1 byte", bind(s, (struct sockaddr *)&a, 1));
    a.sin_family = AF_UNSPEC;
    show("bind AF_UNSPEC loopback", bind(s, (struct sockaddr *)&a, sizeof(a)));
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    show("bind AF_UNSPEC any, denied port", bind(s, (struct sockaddr *)&a, sizeof(a)));
    a.sin_port = htons((uint16_t)bind_ok);
    show("bind AF_UNSPEC any, allowed port", bind(s, (struct sockaddr *)&a, sizeof(a)));
    close(s);
    s = socket(AF_INET, SOCK_STREAM, 0);
    a = loop4(port_deny);
    a.sin_family = AF_UNSPEC;
    show("connect AF_UNSPEC", connect(s, (struct sockaddr *)&a, sizeof(a)));
    a.sin_family = AF_INET6;
    show("connect AF_INET6 address on AF_INET socket", connect(s, (struct sockaddr *)&a, sizeof(a)));
    close(s);
    s = socket(AF_INET6, SOCK_STREAM, 0);
    a = loop4(bind_ok);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    show("bind6 AF_INET address", bind(s, (struct sockaddr *)&a, sizeof(a)));
    a.sin_family = AF_UNSPEC;
    show("bind6 AF_UNSPEC", bind(s, (struct sockaddr *)&a, sizeof(a)));
    close(s);

    /* AF_UNIX sockets are not TCP */
    int sv[2];
    show("unix socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    close(sv[0]);
    close(sv[1]);

    /* a second layer that handles only CONNECT_TCP and allows port_deny:
     * each layer must allow a connect */
    rs = (int)ruleset(0, CONNECT_TCP);
    net_rule(rs, CONNECT_TCP, (uint64_t)port_deny);
    show("restrict again", syscall(SYS_landlock_restrict_self, rs, 0));
    close(rs);
    show("layered connect, first layer's port", tcp_connect(port_ok));
    show("layered connect, second layer's port", tcp_connect(port_deny));
    show("layered bind allowed port", bind_to(AF_INET, SOCK_STREAM, bind_ok));
    return NULL;
}

int main(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, VERSION_FLAG);
    if (abi < 4) {
        printf("landlock ABI 4 unavailable\n");
        return 0;
    }
    printf("abi >= 4\n");
    errors();
    lst_ok = listener(&port_ok);
    lst_deny = listener(&port_deny);
    bind_ok = free_port();
    bind_deny = free_port();
    if (lst_ok < 0 || lst_deny < 0 || bind_ok < 0 || bind_deny < 0) {
        printf("setup failed: %s\n", errname(errno));
        return 1;
    }
    fact("ports distinct", port_ok != port_deny && bind_ok != bind_deny && bind_ok != port_ok &&
                               bind_deny != port_ok && bind_ok != port_deny && bind_deny != port_deny);
    pthread_t t;
    if (pthread_create(&t, NULL, restricted, NULL) == 0)
        pthread_join(t, NULL);
    /* the main thread was never restricted */
    show("main thread connect denied port", tcp_connect(port_deny));
    show("main thread bind denied port", bind_to(AF_INET, SOCK_STREAM, bind_deny));
    return 0;
}
