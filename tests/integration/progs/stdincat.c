/* stdincat.c - copies stdin to stdout until end of input, then reports on
 * stderr how many bytes and reads it took and whether poll() saw the input
 * ready before the first read. */
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    char buf[1000];
    long bytes = 0, reads = 0;
    ssize_t n;
    struct pollfd pf = { 0, POLLIN, 0 };
    int ready = poll(&pf, 1, 10000);
    while ((n = read(0, buf, sizeof(buf))) > 0) {
        if (write(1, buf, (size_t)n) != n)
            return 1;
        bytes += n;
        reads++;
    }
    fprintf(stderr, "eof after %ld bytes, poll %d %s\n", bytes, ready,
            (pf.revents & POLLIN) != 0 ? "POLLIN" : "-");
    return n == 0 ? 0 : 2;
}
