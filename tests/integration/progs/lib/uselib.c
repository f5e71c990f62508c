/* uselib.c - a dynamic program needing libsolotest.so (found via $ORIGIN/lib). */
#include <stdio.h>

const char *solotest_hello(void);

int main(void)
{
    puts(solotest_hello());
    return 0;
}
