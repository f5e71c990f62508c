/*
 * echo_server.c - runs inside solo for tests/net/run.sh: a TCP echo server
 * (one connection at a time, until a client sends EOF; it serves
 * `tcp_clients` connections) and then a UDP echo server answering datagrams
 * until one reads "quit".  Both on the port given as argv[1], over IPv6
 * dual-stack sockets when argv[2] is "6".  Prints what it did to stdout.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int bound_socket(int type, int port, int v6)
{
    int one = 1;
    int s = socket(v6 ? AF_INET6 : AF_INET, type, 0);
    if (s < 0) {
        perror("socket");
        exit(1);
    }
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (v6) {
        struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any };
        if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
            perror("bind");
            exit(1);
        }
    } else {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
        if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
            perror("bind");
            exit(1);
        }
    }
    return s;
}

static long echo_tcp(int c)
{
    static char buf[65536];
    long total = 0;
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    for (;;) {
        ssize_t n = read(c, buf, sizeof(buf));
        if (n < 0) {
            perror("read");
            return -1;
        }
        if (n == 0)
            return total;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(c, buf + off, (size_t)(n - off));
            if (w < 0) {
                perror("write");
                return -1;
            }
            off += w;
        }
        total += n;
    }
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 7000;
    int v6 = argc > 2 && strcmp(argv[2], "6") == 0;
    int clients = argc > 3 ? atoi(argv[3]) : 1;
    int ls = bound_socket(SOCK_STREAM, port, v6);
    int us = bound_socket(SOCK_DGRAM, port, v6);
    if (listen(ls, 16) < 0) {
        perror("listen");
        return 1;
    }
    printf("listening on %d\n", port);
    fflush(stdout);
    for (int i = 0; i < clients; i++) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof(peer);
        int c = accept(ls, (struct sockaddr *)&peer, &plen);
        if (c < 0) {
            perror("accept");
            return 1;
        }
        long n = echo_tcp(c);
        printf("tcp client %d: echoed %ld bytes\n", i, n);
        fflush(stdout);
        close(c);
        if (n < 0)
            return 1;
    }
    for (int n = 0;; n++) {
        char buf[65536];
        struct sockaddr_storage from;
        socklen_t flen = sizeof(from);
        ssize_t r = recvfrom(us, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
        if (r < 0) {
            perror("recvfrom");
            return 1;
        }
        if (sendto(us, buf, (size_t)r, 0, (struct sockaddr *)&from, flen) != r) {
            perror("sendto");
            return 1;
        }
        if (r == 4 && memcmp(buf, "quit", 4) == 0) {
            printf("udp: echoed %d datagrams\n", n + 1);
            break;
        }
    }
    close(ls);
    close(us);
    return 0;
}
