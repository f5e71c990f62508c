/* solotest.c - a tiny shared library for the dependency-closure tests. */
const char *solotest_hello(void)
{
    return "hello from libsolotest";
}
