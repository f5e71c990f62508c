/* bootcount.c - count the boots of one image: append "boot N" to /bootcount.txt
 * (N = lines already there + 1), fsync it, print the line.  A second boot of
 * the same disk image must print "boot 2" (tests/integration/diskboot_tests.sh). */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    char buf[4096], line[32];
    int fd = open("/bootcount.txt", O_RDWR | O_CREAT | O_APPEND, 0644);
    if (fd < 0) {
        perror("open /bootcount.txt");
        return 1;
    }
    ssize_t n = read(fd, buf, sizeof(buf));
    int lines = 0;
    for (ssize_t i = 0; i < n; i++)
        lines += buf[i] == '\n';
    int len = snprintf(line, sizeof(line), "boot %d\n", lines + 1);
    if (write(fd, line, (size_t)len) != len || fsync(fd) != 0) {
        perror("write /bootcount.txt");
        return 1;
    }
    close(fd);
    fputs(line, stdout);
    return 0;
}
