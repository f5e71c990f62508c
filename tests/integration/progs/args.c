/* args.c - prints argc, every argument and the whole environment (sorted by
 * the caller if needed), and the working directory. */
#include <stdio.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
    char cwd[256];
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    for (char **e = environ; *e != NULL; e++)
        printf("env %s\n", *e);
    if (getcwd(cwd, sizeof(cwd)) != NULL)
        printf("cwd=%s\n", cwd);
    return 0;
}
