/*
 * recvmmsg_timeout.c - recvmmsg's vlen loop, MSG_WAITFORONE and timeout on
 * AF_UNIX datagram socketpairs: a blocking call waits for every datagram
 * (here SO_RCVTIMEO ends the wait: the datagrams so far are returned), a
 * timeout is only checked after each datagram (a zero one returns after
 * the first), the time left is written back, MSG_WAITFORONE stops waiting
 * after the first, and the errors: a bad timeout EINVAL (before EBADF), an
 * unreadable one EFAULT, nothing ready EAGAIN.
 */
// covers: recvmmsg
#include "common.h"
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#define N 4

static char bufs[N][16];
static struct iovec iovs[N];
static struct mmsghdr mm[N];

static void reset(void)
{
    memset(mm, 0, sizeof(mm));
    for (int i = 0; i < N; i++) {
        iovs[i].iov_base = bufs[i];
        iovs[i].iov_len = sizeof(bufs[i]);
        mm[i].msg_hdr.msg_iov = &iovs[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
}

/* recvmmsg and print the count and the lengths received. */
static void rmm(const char *what, int s, unsigned vlen, int flags, struct timespec *ts)
{
    reset();
    long r = syscall(SYS_recvmmsg, s, mm, vlen, flags, ts);
    if (r < 0) {
        printf("%s: -1 %s\n", what, errname(errno));
        return;
    }
    printf("%s: %ld [", what, r);
    for (long i = 0; i < r; i++)
        printf("%s%u:%.*s", i ? " " : "", mm[i].msg_len, (int)mm[i].msg_len, bufs[i]);
    printf("]\n");
}

static void sendn(int s, int n)
{
    static const char *words[] = { "one", "two", "three", "four", "five", "six" };
    for (int i = 0; i < n; i++)
        send(s, words[i], strlen(words[i]), 0);
}

int main(void)
{
    int sv[2];
    struct timespec ts;
    setvbuf(stdout, NULL, _IONBF, 0);
    syscall(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, sv);
    struct timeval tv = { 0, 100000 };
    setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

    sendn(sv[0], 3);
    rmm("dontwait vlen 4", sv[1], 4, MSG_DONTWAIT, NULL);
    sendn(sv[0], 2);
    rmm("vlen 2 of 2", sv[1], 2, 0, NULL);
    sendn(sv[0], 2);
    rmm("blocking vlen 4 of 2 (waits, SO_RCVTIMEO)", sv[1], 4, 0, NULL);
    rmm("nothing dontwait", sv[1], 4, MSG_DONTWAIT, NULL);
    rmm("nothing blocking (SO_RCVTIMEO)", sv[1], 4, 0, NULL);
    rmm("nothing waitforone (SO_RCVTIMEO)", sv[1], 4, MSG_WAITFORONE, NULL);
    rmm("vlen 0", sv[1], 0, 0, NULL);

    sendn(sv[0], 3);
    rmm("waitforone 3 queued", sv[1], 4, MSG_WAITFORONE, NULL);

    sendn(sv[0], 3);
    ts = (struct timespec){ 0, 0 };
    rmm("zero timeout 3 queued", sv[1], 4, 0, &ts);
    printf("timeout left: %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    rmm("zero timeout 2 queued", sv[1], 4, 0, &ts);
    rmm("zero timeout 1 queued", sv[1], 4, 0, &ts);

    sendn(sv[0], 3);
    ts = (struct timespec){ 100, 0 };
    rmm("long timeout vlen 3 of 3", sv[1], 3, 0, &ts);
    printf("time left below 100s, above 90s: %d\n", ts.tv_sec < 100 && ts.tv_sec >= 90);
    sendn(sv[0], 2);
    ts = (struct timespec){ 100, 0 };
    rmm("long timeout vlen 4 of 2 (SO_RCVTIMEO)", sv[1], 4, 0, &ts);
    printf("time left below 100s: %d\n", ts.tv_sec < 100);
    ts = (struct timespec){ 100, 0 };
    rmm("long timeout nothing (SO_RCVTIMEO)", sv[1], 4, 0, &ts);
    printf("timeout untouched: %d\n", ts.tv_sec == 100 && ts.tv_nsec == 0);
    sendn(sv[0], 2);
    ts = (struct timespec){ 100, 0 };
    rmm("long timeout waitforone", sv[1], 4, MSG_WAITFORONE, &ts);

    ts = (struct timespec){ 0, 1000000000 };
    rmm("timeout nsec 1e9", sv[1], 4, 0, &ts);
    ts = (struct timespec){ -1, 0 };
    rmm("timeout sec -1", sv[1], 4, 0, &ts);
    ts = (struct timespec){ 0, -1 };
    rmm("timeout nsec -1", sv[1], 4, 0, &ts);
    ts = (struct timespec){ 0, 1000000000 };
    rmm("bad timeout, bad fd", 999, 4, 0, &ts);
    rmm("unreadable timeout", sv[1], 4, 0, (struct timespec *)8);
    ts = (struct timespec){ 1, 0 };
    rmm("bad fd", 999, 4, 0, &ts);
    rmm("not a socket", 0, 4, MSG_DONTWAIT, &ts);
    sendn(sv[0], 1);
    long r = syscall(SYS_recvmmsg, sv[1], (void *)8, 4, 0, NULL);
    show("bad vector", r);
    rmm("after bad vector", sv[1], 4, MSG_DONTWAIT, NULL);
    return 0;
}
