/* hello.c - the smallest useful program: what `solo run` costs end to end. */
#include <stdio.h>

int main(void)
{
    printf("hello, world\n");
    return 0;
}
