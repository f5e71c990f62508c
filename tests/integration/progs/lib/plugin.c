/*
 * plugin.c - the shared object dlopen.c loads; it needs libm (DT_NEEDED),
 * which the program itself does not link, so solo's closure must find it
 * through the plugin.
 */
#include <math.h>

const char *plugin_name(void)
{
    return "solo-plugin";
}

long plugin_work(long n)
{
    volatile double x = (double)n;
    return (long)(sqrt(x * x * 4.0) + cbrt(x * x * x));
}
