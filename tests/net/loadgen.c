/*
 * loadgen.c - the HTTP load generator of the network benchmark
 * (tests/bench/net.sh), run on the host against httpd.c (natively, or
 * through a VM's port forward).
 *
 * usage: loadgen HOST PORT PATH SECONDS CONNS [READY_TIMEOUT]
 * First it waits (at most READY_TIMEOUT seconds, default 120) until one GET
 * of PATH gets a complete 200 answer: a QEMU port forward accepts connections
 * before the guest listens.  Then it keeps CONNS keep-alive connections
 * busy for SECONDS, one request in flight on each (closed loop, like wrk),
 * timing every request from its write to the last byte of its body.  The
 * first request on each connection is not in the figures: it waits for the
 * port forward to set up the connection to the guest (QEMU user networking
 * answers connect() at once); the slowest of them is reported apart.
 * Output, one "bench KEY VALUE" line each: http_rps, http_p50_ms,
 * http_p99_ms, http_mbps (body MB/s, 10^6 bytes), errors (failed
 * connections or bad answers; a failed connection is reopened),
 * http_first_max_ms (the slowest first request).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct client {
    int fd;
    long long t0;            /* request written at (ns) */
    size_t hlen;             /* header bytes buffered */
    long long body_left;     /* -1 while reading the header */
    bool warm;               /* its first request is done */
    char hdr[4096];
};

static struct sockaddr_in addr;
static char request[512];
static long long *lat;
static size_t nlat, caplat;
static long long errors, body_bytes;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* A connected, blocking TCP socket with TCP_NODELAY, or -1. */
static int dial(void)
{
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* Send the request on c and start timing it; 0 or -1. */
static int send_request(struct client *c)
{
    size_t n = strlen(request), off = 0;
    c->t0 = now_ns();
    c->hlen = 0;
    c->body_left = -1;
    while (off < n) {
        ssize_t w = write(c->fd, request + off, n - off);
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

/* Consume n received bytes; 1 when the response is complete, 0 for more, -1 if bad. */
static int take(struct client *c, const char *buf, size_t n)
{
    if (c->body_left < 0) {
        size_t k = n < sizeof(c->hdr) - 1 - c->hlen ? n : sizeof(c->hdr) - 1 - c->hlen;
        memcpy(c->hdr + c->hlen, buf, k);
        c->hlen += k;
        c->hdr[c->hlen] = '\0';
        char *eoh = strstr(c->hdr, "\r\n\r\n");
        if (eoh == NULL)
            return c->hlen < sizeof(c->hdr) - 1 ? 0 : -1;
        char *cl = strstr(c->hdr, "Content-Length:");
        if (strncmp(c->hdr, "HTTP/1.1 200", 12) != 0 || cl == NULL)
            return -1;
        long long total = atoll(cl + 15);
        size_t hdrbytes = (size_t)(eoh + 4 - c->hdr);
        /* bytes of this read past the header belong to the body */
        long long extra = (long long)(c->hlen - hdrbytes) + (long long)(n - k);
        body_bytes += total;
        c->body_left = total - extra;
    } else {
        c->body_left -= (long long)n;
    }
    if (c->body_left < 0)
        return -1;            /* more than announced: pipelining is not used */
    return c->body_left == 0;
}

/* One GET on a fresh connection: 0 when it is answered with a full 200. */
static int probe(void)
{
    struct client c = { .fd = dial() };
    char buf[65536];
    int rc = -1;
    if (c.fd < 0)
        return -1;
    struct timeval tv = { 2, 0 };
    setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (send_request(&c) == 0) {
        for (;;) {
            ssize_t r = read(c.fd, buf, sizeof(buf));
            int t = r > 0 ? take(&c, buf, (size_t)r) : -1;
            if (t != 0) {
                rc = t == 1 ? 0 : -1;
                break;
            }
        }
    }
    close(c.fd);
    return rc;
}

/* (Re)open client c and send its first request, registering it with ep; 0 or -1. */
static int start(int ep, struct client *c)
{
    c->fd = dial();
    if (c->fd < 0 || send_request(c) != 0)
        return -1;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
    return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void record(long long ns)
{
    if (nlat == caplat) {
        caplat = caplat ? caplat * 2 : 65536;
        lat = realloc(lat, caplat * sizeof(*lat));
        if (lat == NULL)
            exit(1);
    }
    lat[nlat++] = ns;
}

/* Complete one request on each of the n fresh connections (their first goes
 * through the port forward's connection setup to the guest) and send the
 * next (a connection that fails first is counted in errors and replaced);
 * the slowest first request in ns, or -1 when no connection can be opened
 * or 120 s pass. */
static long long warm_up(int ep, int n, char *buf, size_t cap)
{
    struct epoll_event evs[256];
    long long worst = 0, deadline = now_ns() + 120000000000LL;
    int left = n;
    while (left > 0 && now_ns() < deadline) {
        int k = epoll_wait(ep, evs, 256, 100);
        for (int i = 0; i < k; i++) {
            struct client *x = evs[i].data.ptr;
            ssize_t r = read(x->fd, buf, cap);
            int t = r > 0 ? take(x, buf, (size_t)r) : -1;
            if (t < 0) {               /* the forward dropped it: count it, open another */
                errors++;
                epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL);
                close(x->fd);
                if (start(ep, x) != 0)
                    return -1;
                continue;
            }
            if (t == 1) {
                long long l = now_ns() - x->t0;
                if (!x->warm) {
                    x->warm = true;
                    worst = l > worst ? l : worst;
                    left--;
                }
                if (send_request(x) != 0)
                    return -1;
            }
        }
    }
    return left == 0 ? worst : -1;
}

int main(int argc, char **argv)
{
    if (argc < 6)
        return fprintf(stderr, "usage: loadgen HOST PORT PATH SECONDS CONNS [READY_TIMEOUT]\n"), 2;
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1)
        return fprintf(stderr, "loadgen: bad address %s\n", argv[1]), 2;
    snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: solo-loadgen\r\n\r\n",
             argv[3], argv[1]);
    double secs = atof(argv[4]);
    int nconn = atoi(argv[5]);
    double ready = argc > 6 ? atof(argv[6]) : 120;

    long long deadline = now_ns() + (long long)(ready * 1e9);
    while (probe() != 0) {
        if (now_ns() > deadline)
            return fprintf(stderr, "loadgen: no answer from %s:%s within %.0f s\n", argv[1], argv[2], ready), 1;
        usleep(100000);
    }

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct client *cl = calloc((size_t)nconn, sizeof(*cl));
    for (int i = 0; i < nconn; i++)
        if (start(ep, &cl[i]) != 0)
            return fprintf(stderr, "loadgen: cannot open connection %d\n", i), 1;

    static char buf[1 << 18];
    struct epoll_event evs[256];
    long long first_max = warm_up(ep, nconn, buf, sizeof(buf));
    if (first_max < 0)                 /* the timed loop reopens what failed */
        fprintf(stderr, "loadgen: warning: not every connection completed a first request\n");
    body_bytes = 0;
    long long t_start = now_ns(), t_end = t_start + (long long)(secs * 1e9);
    while (now_ns() < t_end) {
        int n = epoll_wait(ep, evs, 256, 100);
        for (int i = 0; i < n; i++) {
            struct client *c = evs[i].data.ptr;
            ssize_t r = read(c->fd, buf, sizeof(buf));
            int t = r > 0 ? take(c, buf, (size_t)r) : -1;
            if (t == 1) {
                record(now_ns() - c->t0);
                if (send_request(c) == 0)
                    continue;
                t = -1;
            }
            if (t < 0) {
                errors++;
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                if (start(ep, c) != 0) {
                    if (c->fd >= 0)
                        close(c->fd);
                    usleep(10000);
                    if (start(ep, c) != 0)
                        return fprintf(stderr, "loadgen: server gone\n"), 1;
                }
            }
        }
    }
    double elapsed = (double)(now_ns() - t_start) / 1e9;
    qsort(lat, nlat, sizeof(*lat), cmp_ll);
    double p50 = nlat ? (double)lat[nlat / 2] / 1e6 : 0;
    double p99 = nlat ? (double)lat[(nlat * 99) / 100] / 1e6 : 0;
    printf("bench http_requests %zu\n", nlat);
    printf("bench http_rps %.0f\n", (double)nlat / elapsed);
    printf("bench http_p50_ms %.3f\n", p50);
    printf("bench http_p99_ms %.3f\n", p99);
    printf("bench http_mbps %.1f\n", (double)body_bytes / elapsed / 1e6);
    printf("bench errors %lld\n", errors);
    if (first_max >= 0)
        printf("bench http_first_max_ms %.3f\n", (double)first_max / 1e6);
    return 0;
}
