/*
 * sender.c - runs inside solo for tests/net: connects to argv[1]:argv[2],
 * writes argv[3] bytes of a known pattern and exits at once, without
 * closing the socket: the kernel must still deliver every byte (as Linux
 * does for a process that exits with data in its socket buffers).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 4)
        return fprintf(stderr, "usage: sender HOST PORT BYTES\n"), 2;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2])) };
    inet_pton(AF_INET, argv[1], &a.sin_addr);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
        return perror("connect"), 1;
    size_t total = strtoul(argv[3], NULL, 10), sent = 0;
    static unsigned char buf[65536];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)(i * 31 + 7);   /* period 256: every chunk starts the same */
    while (sent < total) {
        size_t k = total - sent < sizeof(buf) ? total - sent : sizeof(buf);
        ssize_t w = write(s, buf, k);
        if (w <= 0)
            return perror("write"), 1;
        sent += (size_t)w;
    }
    printf("sent %zu\n", sent);
    return 0;
}
