/*
 * resolve.c - runs inside solo for tests/net/run.sh: resolves each name on
 * the command line with glibc's getaddrinfo (so /etc/nsswitch.conf,
 * /etc/hosts and /etc/resolv.conf as the kernel generates them) and prints
 * "NAME ADDRESS" per result or "NAME error CODE".
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        struct addrinfo hints, *res;
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        int r = getaddrinfo(argv[i], NULL, &hints, &res);
        if (r != 0) {
            printf("%s error %s\n", argv[i], r == EAI_NONAME ? "EAI_NONAME" : gai_strerror(r));
            continue;
        }
        for (struct addrinfo *a = res; a != NULL; a = a->ai_next) {
            char buf[INET6_ADDRSTRLEN];
            const void *p = a->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
                                                    : (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
            inet_ntop(a->ai_family, p, buf, sizeof(buf));
            printf("%s %s\n", argv[i], buf);
        }
        freeaddrinfo(res);
    }
    return 0;
}
