/*
 * test_format.c - fmt_vsnprintf/fmt_snprintf against the host C library's
 * snprintf (the formatter promises identical output for the conversions it
 * supports), plus truncation, the return value and verbatim unknown
 * conversions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <cmocka.h>
#include "runtime/lib/format.h"

/* Same format and arguments through both formatters; outputs and returns must match. */
#define SAME(...) do {                                                  \
        char got_[256], want_[256];                                     \
        int rg_ = fmt_snprintf(got_, sizeof(got_), __VA_ARGS__);        \
        int rw_ = snprintf(want_, sizeof(want_), __VA_ARGS__);          \
        assert_string_equal(got_, want_);                               \
        assert_int_equal(rg_, rw_);                                     \
    } while (0)

/* A call without the printf attribute, for deliberately odd formats. */
static int raw(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = fmt_vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

static void test_integers(void **state)
{
    (void)state;
    SAME("%d %i %u", 0, -1, 42u);
    SAME("%d %d", INT_MIN, INT_MAX);
    SAME("%u %x %X", UINT_MAX, 0xdeadbeefu, 0xdeadbeefu);
    SAME("%ld %lu %lx", LONG_MIN, ULONG_MAX, 0x123456789abcdefUL);
    SAME("%lld %llu %llX", LLONG_MIN, ULLONG_MAX, 0xfedcba9876543210ULL);
    SAME("%zu %zd %zx", (size_t)123456789, (ssize_t)-5, (size_t)0xabc);
    SAME("%hd %hu %hhd %hhu", (short)-3, (unsigned short)65535, (signed char)-7, (unsigned char)250);
    SAME("%o %#o %#x %#X %#x %#x %#lx", 8u, 8u, 255u, 255u, 0u, 0x10u, 0x7fff0000UL);
    SAME("[%5d] [%-5d] [%05d]", 42, 42, 42);
    SAME("[%05d] [%5d] [%+d] [% d] [%+d]", -42, -42, 7, 7, -7);
    SAME("[%08lx] [%-8x|] [%2d]", 0xbeefUL, 0xabu, 12345);
    SAME("[%.3d] [%8.3d] [%-8.3d] [%.0d] [%.0x]", 7, -7, 7, 0, 0u);
    SAME("[%*d] [%-*d] [%*d]", 6, 1, 6, 2, -6, 3);
    SAME("[%.*d]", 4, 9);
}

static void test_strings_chars(void **state)
{
    (void)state;
    SAME("%s|%s|%s", "", "abc", "hello world");
    SAME("[%10s] [%-10s] [%2s]", "right", "left", "toolong");
    SAME("[%.3s] [%.*s] [%.*s] [%10.2s]", "abcdef", 2, "xyz", 0, "gone", "abcdef");
    SAME("[%.*s]", 5, "ab");          /* precision beyond the string */
    SAME("%c%c%c [%3c] [%-3c]", 'a', 'b', 'c', 'x', 'y');
    SAME("100%% %d%%", 5);
    char buf[32];
    const char *nul = NULL;
    assert_int_equal(raw(buf, sizeof(buf), "%s", nul), 6);
    assert_string_equal(buf, "(null)");
}

static void test_pointers(void **state)
{
    char got[64], want[64];
    void *p = (void *)(uintptr_t)0x7fffdeadb000ULL;
    (void)state;

    fmt_snprintf(got, sizeof(got), "%p", p);
    snprintf(want, sizeof(want), "0x%lx", (unsigned long)(uintptr_t)p);
    assert_string_equal(got, want);
    SAME("%p", (void *)&got);
    SAME("[%20p]", (void *)&got);
}

static void test_truncation(void **state)
{
    char buf[16];
    (void)state;

    memset(buf, 'Z', sizeof(buf));
    assert_int_equal(fmt_snprintf(buf, 0, "hello %d", 12345), 11);
    assert_int_equal(buf[0], 'Z');          /* n == 0 writes nothing */
    assert_int_equal(fmt_snprintf(buf, 1, "hello"), 5);
    assert_string_equal(buf, "");
    assert_int_equal(fmt_snprintf(buf, 6, "hello world"), 11);
    assert_string_equal(buf, "hello");
    assert_int_equal(buf[6], 'Z');          /* nothing past the NUL */
    assert_int_equal(fmt_snprintf(buf, 8, "%05d|%s", -12, "tail"), 10);
    assert_string_equal(buf, "-0012|t");
    assert_int_equal(fmt_snprintf(buf, sizeof(buf), "exact"), 5);
    assert_string_equal(buf, "exact");
    assert_int_equal(fmt_snprintf(buf, 6, "%s", "exact"), 5);
    assert_string_equal(buf, "exact");
    assert_int_equal(fmt_snprintf(buf, 5, "%s", "exact"), 5);
    assert_string_equal(buf, "exac");
}

static void test_unknown_and_edge(void **state)
{
    char buf[64];
    (void)state;

    assert_int_equal(raw(buf, sizeof(buf), "a%kb"), 4);
    assert_string_equal(buf, "a%kb");
    raw(buf, sizeof(buf), "end%");
    assert_string_equal(buf, "end%");
    assert_int_equal(raw(buf, sizeof(buf), ""), 0);
    assert_string_equal(buf, "");
    /* va_list is only consumed by the formatter's copy: a second pass works */
    SAME("%s=%d %s=%d", "a", 1, "b", 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_strings_chars),
        cmocka_unit_test(test_pointers),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_unknown_and_edge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
