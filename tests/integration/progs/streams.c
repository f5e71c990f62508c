/* streams.c - writes distinct text to stdout and stderr, interleaved, plus
 * bytes that a terminal layer might translate (\r\n, \0, 0xff) on stdout. */
#include <unistd.h>

int main(void)
{
    static const char raw[] = { 'r', 'a', 'w', ':', '\r', '\n', '\0', (char)0xff, '\t', '\n' };
    write(1, "to-stdout 1\n", 12);
    write(2, "to-stderr 1\n", 12);
    write(1, "to-stdout 2\n", 12);
    write(2, "to-stderr 2\n", 12);
    write(1, raw, sizeof(raw));
    return 3;
}
