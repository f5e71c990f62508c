/* statmode.c - for each path argument prints "path mode size" from lstat
 * (size only for regular files and symlinks), or "path error". */
#include <stdio.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (lstat(argv[i], &st) != 0) {
            printf("%s error\n", argv[i]);
            continue;
        }
        if (S_ISDIR(st.st_mode))
            printf("%s %o\n", argv[i], (unsigned)st.st_mode);
        else
            printf("%s %o %lld\n", argv[i], (unsigned)st.st_mode, (long long)st.st_size);
    }
    return 0;
}
