/* spin.c - never exits, and keeps writing (for the --timeout test: the
 * deadline must hold even while output flows). */
#include <unistd.h>

int main(void)
{
    for (;;)
        write(1, "spinning\n", 9);
}
