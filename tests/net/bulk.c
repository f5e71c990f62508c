/*
 * bulk.c - bulk TCP throughput for the network benchmark (tests/bench/net.sh):
 * one static binary is both the server (natively, in the Linux VM or under
 * solo) and the host-side client that times it.
 *
 * usage: bulk serve PORT
 *        bulk HOST PORT down|up BYTES [READY_TIMEOUT]
 * The server accepts connections one at a time; each starts with a command
 * line: "ping" (answered "pong"), "send N" (the server writes N bytes of a
 * pattern and closes) or "recv N" (the server reads N bytes, checks the
 * pattern, answers "ok" or "bad"). Writes and reads use 128 KiB buffers.
 * The client first pings until the server answers (a QEMU port forward
 * accepts before the guest listens; at most READY_TIMEOUT s, default 120),
 * then runs one transfer: "down" has the server send BYTES (timed from the
 * command to end of file), "up" sends BYTES to it (timed from the command
 * to the "ok"); the received data is checked byte for byte.  Output:
 * "bench tcp_down_mbps X" or "bench tcp_up_mbps X" (MB/s, 10^6 bytes).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (128 * 1024)

static unsigned char pattern[CHUNK + 256];
static unsigned char buf[CHUNK];

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Write all of p; 0 or -1. */
static int write_all(int fd, const void *p, size_t n)
{
    const char *b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Send n pattern bytes; 0 or -1. */
static int send_pattern(int fd, unsigned long long n)
{
    while (n > 0) {
        size_t k = n < CHUNK ? (size_t)n : CHUNK;
        if (write_all(fd, pattern, k) != 0)
            return -1;
        n -= k;
    }
    return 0;
}

/* Read until EOF or `want` bytes, checking the pattern; bytes read, or -1 on a mismatch/error. */
static long long recv_pattern(int fd, unsigned long long want)
{
    unsigned long long got = 0;
    while (got < want) {
        size_t k = want - got < CHUNK ? (size_t)(want - got) : CHUNK;
        ssize_t r = read(fd, buf, k);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        if (memcmp(buf, pattern + (got & 255), (size_t)r) != 0)
            return -1;
        got += (unsigned long long)r;
    }
    return (long long)got;
}

/* Read one command line (up to '\n') from fd into line; 0 or -1. */
static int read_line(int fd, char *line, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, line + n, 1);
        if (r <= 0)
            return -1;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    return 0;
}

static int serve(int port)
{
    int one = 1;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 16) != 0)
        return perror("bind/listen"), 1;
    printf("bulk: listening on %d\n", port);
    fflush(stdout);
    for (;;) {
        char line[64];
        int c = accept(ls, NULL, NULL);
        if (c < 0)
            continue;
        if (read_line(c, line, sizeof(line)) == 0) {
            if (strcmp(line, "ping") == 0) {
                write_all(c, "pong\n", 5);
            } else if (strncmp(line, "send ", 5) == 0) {
                send_pattern(c, strtoull(line + 5, NULL, 10));
            } else if (strncmp(line, "recv ", 5) == 0) {
                unsigned long long n = strtoull(line + 5, NULL, 10);
                long long got = recv_pattern(c, n);
                write_all(c, got == (long long)n ? "ok\n" : "bad\n", got == (long long)n ? 3 : 4);
            }
        }
        close(c);
    }
}

/* A connection to the server with cmd sent on it, or -1. */
static int command(const struct sockaddr_in *a, const char *cmd)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) != 0 || write_all(fd, cmd, strlen(cmd)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int ping(const struct sockaddr_in *a)
{
    char line[16];
    int fd = command(a, "ping\n");
    if (fd < 0)
        return -1;
    struct timeval tv = { 2, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int rc = read_line(fd, line, sizeof(line)) == 0 && strcmp(line, "pong") == 0 ? 0 : -1;
    close(fd);
    return rc;
}

int main(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (unsigned char)(i * 31 + 7);
    signal(SIGPIPE, SIG_IGN);       /* a client that goes away is not fatal */
    if (argc == 3 && strcmp(argv[1], "serve") == 0)
        return serve(atoi(argv[2]));
    if (argc < 5)
        return fprintf(stderr, "usage: bulk serve PORT | bulk HOST PORT down|up BYTES [READY_TIMEOUT]\n"), 2;

    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2])) };
    if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1)
        return fprintf(stderr, "bulk: bad address %s\n", argv[1]), 2;
    unsigned long long n = strtoull(argv[4], NULL, 10);
    double ready = argc > 5 ? atof(argv[5]) : 120;
    long long deadline = now_ns() + (long long)(ready * 1e9);
    while (ping(&a) != 0) {
        if (now_ns() > deadline)
            return fprintf(stderr, "bulk: no answer from %s:%s\n", argv[1], argv[2]), 1;
        usleep(100000);
    }

    char cmd[64], line[16];
    int down = strcmp(argv[3], "down") == 0;
    snprintf(cmd, sizeof(cmd), "%s %llu\n", down ? "send" : "recv", n);
    long long t0 = now_ns();
    int fd = command(&a, cmd);
    if (fd < 0)
        return perror("bulk: connect"), 1;
    if (down) {
        long long got = recv_pattern(fd, n);
        if (got != (long long)n)
            return fprintf(stderr, "bulk: received %lld of %llu bytes (or bad data)\n", got, n), 1;
    } else {
        if (send_pattern(fd, n) != 0 || read_line(fd, line, sizeof(line)) != 0 || strcmp(line, "ok") != 0)
            return fprintf(stderr, "bulk: upload of %llu bytes failed\n", n), 1;
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    close(fd);
    printf("bench tcp_%s_mbps %.1f\n", down ? "down" : "up", (double)n / secs / 1e6);
    return 0;
}
