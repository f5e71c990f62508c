/*
 * client.c - runs inside solo for tests/net: connects to an echo server on
 * the host (argv[1] address, argv[2] port; 10.0.2.2 is the host under QEMU
 * user networking), sends argv[3] bytes of a known pattern over TCP from a
 * poll loop, checks the echo byte for byte, then sends UDP datagrams of
 * several sizes (up to argv[4], default 8000) to the same port and checks
 * each echo.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned char pattern(size_t i)
{
    return (unsigned char)((i * 2654435761u) >> 13);
}

static int resolve(const char *host, const char *port, int type, struct addrinfo **res)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = type;
    hints.ai_flags = AI_NUMERICHOST;
    return getaddrinfo(host, port, &hints, res);
}

static int tcp_test(const char *host, const char *port, size_t total)
{
    struct addrinfo *ai;
    if (resolve(host, port, SOCK_STREAM, &ai) != 0)
        return printf("bad address\n"), 1;
    int s = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (connect(s, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)
        return perror("connect"), 1;
    struct pollfd p = { s, POLLOUT, 0 };
    if (poll(&p, 1, 20000) != 1)
        return printf("connect timed out\n"), 1;
    int err = 0;
    socklen_t el = sizeof(err);
    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el);
    if (err != 0)
        return printf("connect: %s\n", strerror(err)), 1;
    static unsigned char out[65536], in[65536];
    size_t sent = 0, got = 0;
    while (got < total) {
        p.events = POLLIN | (sent < total ? POLLOUT : 0);
        if (poll(&p, 1, 20000) != 1)
            return printf("stalled: sent %zu got %zu\n", sent, got), 1;
        if ((p.revents & POLLOUT) && sent < total) {
            size_t k = total - sent < sizeof(out) ? total - sent : sizeof(out);
            for (size_t i = 0; i < k; i++)
                out[i] = pattern(sent + i);
            ssize_t w = send(s, out, k, MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN)
                return perror("send"), 1;
            if (w > 0)
                sent += (size_t)w;
            if (sent == total)
                shutdown(s, SHUT_WR);
        }
        if (p.revents & (POLLIN | POLLHUP)) {
            ssize_t r = recv(s, in, sizeof(in), 0);
            if (r < 0 && errno != EAGAIN)
                return perror("recv"), 1;
            if (r == 0)
                return printf("early EOF after %zu bytes\n", got), 1;
            for (ssize_t i = 0; i < r; i++)
                if (in[i] != pattern(got + (size_t)i))
                    return printf("mismatch at byte %zu\n", got + (size_t)i), 1;
            if (r > 0)
                got += (size_t)r;
        }
    }
    fcntl(s, F_SETFL, 0);
    char c;
    if (recv(s, &c, 1, 0) != 0)
        return printf("no EOF after the echo\n"), 1;
    close(s);
    freeaddrinfo(ai);
    printf("tcp: %zu bytes echoed intact\n", total);
    return 0;
}

static int udp_test(const char *host, const char *port, size_t maxlen)
{
    struct addrinfo *ai;
    if (resolve(host, port, SOCK_DGRAM, &ai) != 0)
        return printf("bad address\n"), 1;
    int s = socket(ai->ai_family, SOCK_DGRAM, 0);
    struct timeval tv = { 1, 0 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(s, ai->ai_addr, ai->ai_addrlen) < 0)
        return perror("udp connect"), 1;
    static unsigned char out[9000], in[9000];
    int ok = 0;
    for (int n = 0; n < 20; n++) {
        size_t len = 1 + (size_t)(n * 449) % maxlen;
        for (size_t i = 0; i < len; i++)
            out[i] = pattern(i + (size_t)n);
        ssize_t r = -1;
        for (int attempt = 0; attempt < 5 && r < 0; attempt++) {
            send(s, out, len, 0);
            r = recv(s, in, sizeof(in), 0);
        }
        if (r != (ssize_t)len || memcmp(in, out, len) != 0)
            return printf("udp datagram %d: bad echo (%zd)\n", n, r), 1;
        ok++;
    }
    close(s);
    freeaddrinfo(ai);
    printf("udp: %d datagrams echoed intact\n", ok);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return fprintf(stderr, "usage: client HOST PORT BYTES [MAX-DATAGRAM]\n"), 2;
    size_t maxlen = argc > 4 ? strtoul(argv[4], NULL, 10) : 8000;
    if (maxlen < 1 || maxlen > 8000)
        maxlen = 8000;
    if (tcp_test(argv[1], argv[2], strtoul(argv[3], NULL, 10)) != 0)
        return 1;
    return udp_test(argv[1], argv[2], maxlen);
}
