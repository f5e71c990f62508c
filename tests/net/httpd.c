/*
 * httpd.c - the static-file HTTP/1.1 server of the network benchmark
 * (tests/bench/net.sh): the same static binary runs natively, in the Linux
 * VM and under solo.
 *
 * usage: httpd PORT DOCROOT
 * At start it writes the benchmark's files into DOCROOT (created if needed;
 * the benchmark uses /tmp/www, a tmpfs in both VMs): small.html (4 KiB) and
 * big.bin (1 MiB), then serves GET requests for files under DOCROOT with
 * keep-alive, from one thread: epoll (level-triggered) tells which
 * connection has a request; the response is a header plus the file's bytes,
 * read with read() and sent with blocking write()s.  Anything but a GET of
 * an existing regular file gets a 404.  It prints "httpd: listening" once
 * the socket listens and runs until killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXCONN 1024
#define REQMAX 4096

struct conn {
    int fd;
    size_t len;              /* bytes of request buffered */
    char req[REQMAX];
};

static struct conn *conns[MAXCONN];
static const char *docroot;
static char iobuf[65536];

/* Write all of buf to fd; 0 or -1. */
static int write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Create DOCROOT/NAME holding n bytes of a printable pattern; exits on failure. */
static void make_file(const char *name, size_t n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", docroot, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    for (size_t i = 0; i < sizeof(iobuf); i++)
        iobuf[i] = (char)('a' + i % 26);
    while (n > 0) {
        size_t k = n < sizeof(iobuf) ? n : sizeof(iobuf);
        if (write_all(fd, iobuf, k) != 0) {
            perror("write");
            exit(1);
        }
        n -= k;
    }
    close(fd);
}

/* Answer one request line "GET /path HTTP/1.x"; 0 to keep the connection, -1 to close it. */
static int respond(int fd, char *req)
{
    char path[512], hdr[256];
    char *sp = strchr(req, ' '), *end;
    int file = -1;
    struct stat st;

    if (strncmp(req, "GET ", 4) == 0 && sp != NULL && (end = strchr(sp + 1, ' ')) != NULL &&
        sp[1] == '/' && strstr(sp + 1, "..") == NULL && end - sp < 256) {
        *end = '\0';
        snprintf(path, sizeof(path), "%s%s", docroot, sp + 1);
        file = open(path, O_RDONLY);
        if (file >= 0 && (fstat(file, &st) != 0 || !S_ISREG(st.st_mode))) {
            close(file);
            file = -1;
        }
    }
    if (file < 0) {
        const char *nf = "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nConnection: keep-alive\r\n\r\nnot found\n";
        return write_all(fd, nf, strlen(nf));
    }
    int n = snprintf(hdr, sizeof(hdr),
                     "HTTP/1.1 200 OK\r\nServer: solo-bench\r\nContent-Type: application/octet-stream\r\n"
                     "Content-Length: %lld\r\nConnection: keep-alive\r\n\r\n", (long long)st.st_size);
    int rc = write_all(fd, hdr, (size_t)n);
    while (rc == 0) {
        ssize_t r = read(file, iobuf, sizeof(iobuf));
        if (r <= 0) {
            rc = r < 0 ? -1 : 0;
            break;
        }
        rc = write_all(fd, iobuf, (size_t)r);
    }
    close(file);
    return rc;
}

/* Read what the connection sent and answer each complete request; -1 when it is done. */
static int serve(struct conn *c)
{
    ssize_t r = read(c->fd, c->req + c->len, REQMAX - 1 - c->len);
    if (r <= 0)
        return -1;
    c->len += (size_t)r;
    c->req[c->len] = '\0';
    char *eoh;
    while ((eoh = strstr(c->req, "\r\n\r\n")) != NULL) {
        size_t used = (size_t)(eoh + 4 - c->req);
        char *eol = strstr(c->req, "\r\n");
        *eol = '\0';
        if (respond(c->fd, c->req) != 0)
            return -1;
        memmove(c->req, c->req + used, c->len - used + 1);
        c->len -= used;
    }
    return c->len < REQMAX - 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return fprintf(stderr, "usage: httpd PORT DOCROOT\n"), 2;
    signal(SIGPIPE, SIG_IGN);       /* a client that goes away is not fatal */
    docroot = argv[2];
    mkdir(docroot, 0755);
    make_file("small.html", 4096);
    make_file("big.bin", 1 << 20);

    int one = 1;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])) };
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 128) != 0)
        return perror("bind/listen"), 1;
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = ls };
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    printf("httpd: listening on %s\n", argv[1]);
    fflush(stdout);

    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return perror("epoll_wait"), 1;
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                int cfd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
                if (cfd < 0)
                    continue;
                if (cfd >= MAXCONN) {
                    close(cfd);
                    continue;
                }
                setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                conns[cfd] = calloc(1, sizeof(struct conn));
                conns[cfd]->fd = cfd;
                ev.events = EPOLLIN;
                ev.data.fd = cfd;
                epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
            } else if (serve(conns[fd]) != 0) {
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                close(fd);
                free(conns[fd]);
                conns[fd] = NULL;
            }
        }
    }
}
