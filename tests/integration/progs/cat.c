/* cat.c - copies each file named on the command line to stdout; status 1
 * (with a message on stderr) when one cannot be opened. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char buf[4096];
    int status = 0;
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        ssize_t n;
        if (fd < 0) {
            perror(argv[i]);
            status = 1;
            continue;
        }
        while ((n = read(fd, buf, sizeof(buf))) > 0)
            write(1, buf, (size_t)n);
        close(fd);
    }
    return status;
}
