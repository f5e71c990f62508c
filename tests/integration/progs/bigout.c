/* bigout.c - writes N bytes (argv[1], default 4 MiB) of a fixed pattern to
 * stdout in writes of assorted sizes, then "done N" on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    static char buf[1 << 16];
    long total = argc > 1 ? atol(argv[1]) : 4L << 20, done = 0;
    unsigned x = 12345;
    for (size_t i = 0; i < sizeof(buf); i++) {
        x = x * 1103515245 + 12345;
        buf[i] = (char)(x >> 16);
    }
    for (long k = 0; done < total; k++) {
        long n = (k % 7 + 1) * 4093 % (long)sizeof(buf) + 1;
        if (n > total - done)
            n = total - done;
        ssize_t w = write(1, buf + (done % 1024), (size_t)n);
        if (w <= 0)
            return 1;
        done += w;
    }
    fprintf(stderr, "done %ld\n", done);
    return 0;
}
