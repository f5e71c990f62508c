/* status.c - prints a line and exits with the status given as argv[1]. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int status = argc > 1 ? atoi(argv[1]) : 0;
    printf("exiting with %d\n", status);
    fflush(stdout);
    exit(status);
}
