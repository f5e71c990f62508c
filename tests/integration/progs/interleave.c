/* interleave.c - alternates many writes of different sizes between stdout
 * and stderr (each stream numbered on its own) so a test can check that
 * both arrive complete, in order and unmixed. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    char line[300];
    for (int i = 0; i < 3000; i++) {
        int fd = 1 + (i % 3 == 2);
        int n = snprintf(line, sizeof(line), "%s %d ", fd == 1 ? "out" : "err", i);
        memset(line + n, 'a' + i % 26, (size_t)(i % 200));
        n += i % 200;
        line[n++] = '\n';
        if (write(fd, line, (size_t)n) != n)
            return 1;
    }
    return 0;
}
