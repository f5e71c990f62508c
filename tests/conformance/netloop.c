/*
 * netloop.c - loopback TCP traffic is delivered at once, not at some later
 * timer tick: 50 one-byte round trips over 127.0.0.1 take well under a
 * second, and epoll_wait sees the bytes a send just queued long before its
 * timeout.  The bounds are loose (natively these take microseconds), so
 * only a delivery that waits for a timer fails them.  An edge-triggered
 * item reports all its ready bits when one of them rises.
 */
// covers: sendto recvfrom epoll_wait
#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof(a);
    int one = 1;
    char b[4];
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l, 1) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &al) != 0) {
        printf("listen: %s\n", errname(errno));
        return 1;
    }
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&a, sizeof(a)) != 0) {
        printf("connect: %s\n", errname(errno));
        return 1;
    }
    int s = accept(l, NULL, NULL);
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    int ok = 1;
    double t0 = now();
    for (int i = 0; i < 50 && ok; i++) {
        ok = syscall(SYS_sendto, c, "x", 1, 0, NULL, 0) == 1 &&
             syscall(SYS_recvfrom, s, b, 1, 0, NULL, NULL) == 1 &&
             syscall(SYS_sendto, s, "y", 1, 0, NULL, 0) == 1 &&
             syscall(SYS_recvfrom, c, b, 1, 0, NULL, NULL) == 1 && b[0] == 'y';
    }
    double t1 = now();
    printf("50 round trips: ok %d, under 1 s %d\n", ok, t1 - t0 < 1.0);

    /* Edge-triggered for input and output: the first wait reports the
     * writable socket, the next (after a send) input with output, as Linux
     * reports every ready bit when an edge fires. */
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = s }, out[4];
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
    long n = syscall(SYS_epoll_wait, ep, out, 4, 0);
    printf("first wait: %ld event(s) %#x\n", n, n == 1 ? out[0].events : 0);
    n = syscall(SYS_epoll_wait, ep, out, 4, 0);
    printf("no new edge: %ld\n", n);
    syscall(SYS_sendto, c, "z", 1, 0, NULL, 0);
    t0 = now();
    n = syscall(SYS_epoll_wait, ep, out, 4, 2000);
    t1 = now();
    printf("after a send: %ld event(s) %#x, well before the timeout %d\n", n,
           n == 1 ? out[0].events : 0, t1 - t0 < 0.5);
    return 0;
}
