/*
 * test_tuple.c - tuples: set/get/replace/remove, typed getters, binary keys,
 * iteration order, nested ownership, and ENOMEM from a failing heap leaving
 * the tuple unchanged and nothing leaked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include "testutil.h"
#include "runtime/lib/tuple.h"

static struct test_heap th;

static int setup(void **state)
{
    (void)state;
    test_heap_init(&th);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(th.live, 0);
    return 0;
}

static void test_set_get_replace(void **state)
{
    struct tuple *t = tuple_new(&th.h);
    (void)state;

    assert_non_null(t);
    assert_int_equal(tuple_count(t), 0);
    assert_null(tuple_get(t, "missing"));
    assert_int_equal(tuple_set_str(t, "name", "solo"), 0);
    assert_int_equal(tuple_set_u64(t, "size", 4096), 0);
    assert_int_equal(tuple_set_ref(t, "child", 77), 0);
    assert_int_equal(tuple_set_bytes(t, "bin", "\0\1\2", 3), 0);
    assert_int_equal(tuple_count(t), 4);
    assert_string_equal(tuple_get_str(t, "name"), "solo");
    assert_int_equal(tuple_get_u64(t, "size", 0), 4096);
    assert_int_equal(tuple_get_u64(t, "name", 99), 99);         /* wrong kind -> default */
    assert_null(tuple_get_str(t, "size"));
    assert_null(tuple_get_tuple(t, "size"));
    const struct value *v = tuple_get(t, "child");
    assert_int_equal(v->kind, VALUE_REF);
    assert_int_equal(v->u.n, 77);
    v = tuple_get(t, "bin");
    assert_int_equal(v->kind, VALUE_BYTES);
    assert_int_equal(v->len, 3);
    assert_memory_equal(v->u.bytes, "\0\1\2\0", 4);            /* NUL-terminated copy */
    /* replace with another kind frees the old value */
    assert_int_equal(tuple_set_u64(t, "name", 5), 0);
    assert_int_equal(tuple_get_u64(t, "name", 0), 5);
    assert_int_equal(tuple_set_str(t, "size", "big"), 0);
    assert_string_equal(tuple_get_str(t, "size"), "big");
    assert_int_equal(tuple_count(t), 4);
    /* values are copies */
    char src[8] = "abc";
    tuple_set_str(t, "copy", src);
    src[0] = 'X';
    assert_string_equal(tuple_get_str(t, "copy"), "abc");
    tuple_free(t);
}

static void test_remove_and_binary_keys(void **state)
{
    struct tuple *t = tuple_new(&th.h);
    (void)state;

    const unsigned char k1[] = { 0, 0, 0, 1 }, k2[] = { 0, 0, 0, 1, 0 }, k3[] = { 0xff };
    assert_int_equal(tuple_set_refn(t, k1, 4, 1), 0);
    assert_int_equal(tuple_set_refn(t, k2, 5, 2), 0);
    assert_int_equal(tuple_set_bytesn(t, k3, 1, "x", 1), 0);
    assert_int_equal(tuple_set_u64n(t, "", 0, 9), 0);            /* the empty key is a key */
    assert_int_equal(tuple_count(t), 4);
    assert_int_equal(tuple_getn(t, k1, 4)->u.n, 1);
    assert_int_equal(tuple_getn(t, k2, 5)->u.n, 2);
    assert_int_equal(tuple_getn(t, "", 0)->u.n, 9);
    assert_null(tuple_getn(t, k1, 3));
    assert_int_equal(tuple_removen(t, k1, 4), 0);
    assert_int_equal(tuple_removen(t, k1, 4), -2);
    assert_non_null(tuple_getn(t, k2, 5));
    assert_int_equal(tuple_remove(t, "nope"), -2);
    assert_int_equal(tuple_count(t), 3);
    tuple_free(t);
}

struct walk {
    char keys[64][16];
    int n;
    int stop_at;
};

static int collect(void *ctx, const u8 *key, size_t klen, const struct value *v)
{
    struct walk *w = ctx;
    (void)v;
    memcpy(w->keys[w->n], key, klen);
    w->keys[w->n][klen] = 0;
    w->n++;
    return w->n == w->stop_at ? 42 : 0;
}

static void test_iteration_order(void **state)
{
    struct tuple *t = tuple_new(&th.h);
    const char *in[] = { "m", "b", "ab", "a", "z", "abc", "B", "aa", "", "mm" };
    const char *sorted[] = { "", "B", "a", "aa", "ab", "abc", "b", "m", "mm", "z" };
    struct walk w = { .n = 0, .stop_at = -1 };
    (void)state;

    for (size_t i = 0; i < ARRAY_SIZE(in); i++)
        assert_int_equal(tuple_set_u64n(t, in[i], strlen(in[i]), i), 0);
    assert_int_equal(tuple_iter(t, collect, &w), 0);
    assert_int_equal(w.n, 10);
    for (int i = 0; i < 10; i++)
        assert_string_equal(w.keys[i], sorted[i]);
    w.n = 0;
    w.stop_at = 3;
    assert_int_equal(tuple_iter(t, collect, &w), 42);         /* stops with fn's value */
    assert_int_equal(w.n, 3);
    /* many keys, inserted in a scrambled order, come out sorted */
    struct tuple *big = tuple_new(&th.h);
    for (unsigned i = 0; i < 1000; i++) {
        char k[16];
        snprintf(k, sizeof(k), "%04u", (i * 617) % 1000);
        assert_int_equal(tuple_set_u64(big, k, i), 0);
    }
    assert_int_equal(tuple_count(big), 1000);
    for (unsigned i = 0; i < 1000; i += 3) {
        char k[16];
        snprintf(k, sizeof(k), "%04u", i);
        assert_int_equal(tuple_remove(big, k), 0);
    }
    assert_int_equal(tuple_count(big), 666);
    assert_null(tuple_get(big, "0999"));
    assert_non_null(tuple_get(big, "0998"));
    tuple_free(big);
    tuple_free(t);
}

static void test_nested(void **state)
{
    struct tuple *t = tuple_new(&th.h);
    (void)state;

    struct tuple *env = tuple_child(t, "environment");
    assert_non_null(env);
    assert_ptr_equal(tuple_child(t, "environment"), env);      /* existing one returned */
    assert_int_equal(tuple_set_str(env, "PATH", "/bin"), 0);
    struct tuple *deep = tuple_child(tuple_child(tuple_child(t, "a"), "b"), "c");
    assert_int_equal(tuple_set_u64(deep, "x", 1), 0);
    assert_int_equal(tuple_get_u64(tuple_get_tuple(tuple_get_tuple(tuple_get_tuple(t, "a"), "b"), "c"), "x", 0), 1);
    assert_int_equal(tuple_set_u64(t, "n", 1), 0);
    assert_null(tuple_child(t, "n"));                          /* wrong kind */
    /* replacing a nested tuple frees the old one (checked by the leak count) */
    struct tuple *args = tuple_new(&th.h);
    tuple_set_str(args, "0", "prog");
    assert_int_equal(tuple_set_tuple(t, "environment", args), 0);
    assert_string_equal(tuple_get_str(tuple_get_tuple(t, "environment"), "0"), "prog");
    /* removing one frees it too */
    assert_int_equal(tuple_remove(t, "a"), 0);
    assert_int_equal(tuple_set_tuple(t, "null", NULL), -22);
    tuple_free(t);
    tuple_free(NULL);
}

/* Run op on a fresh heap failure budget k = 0, 1, ... until it succeeds;
 * every failure must return -ENOMEM and leave t as before. */
static void test_enomem(void **state)
{
    (void)state;
    struct tuple *t = tuple_new(&th.h);
    for (int i = 0; i < 10; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%d", i);
        tuple_set_u64(t, k, (u64)i);
    }
    th.fail_after = 0;
    assert_null(tuple_new(&th.h));
    th.fail_after = -1;

    int r = -12, k;
    for (k = 0; r == -12; k++) {             /* new key: needs array growth + key copy + value */
        long live = th.live;
        th.fail_after = k;
        r = tuple_set_str(t, "newkey", "value");
        th.fail_after = -1;
        if (r != 0) {
            assert_int_equal(r, -12);
            assert_int_equal(th.live, live);
            assert_int_equal(tuple_count(t), 10);
            assert_null(tuple_get(t, "newkey"));
        }
    }
    assert_true(k >= 3);
    assert_string_equal(tuple_get_str(t, "newkey"), "value");
    for (r = -12, k = 0; r == -12; k++) {   /* replacing keeps the old value on failure */
        th.fail_after = k;
        r = tuple_set_str(t, "newkey", "other");
        th.fail_after = -1;
        if (r != 0)
            assert_string_equal(tuple_get_str(t, "newkey"), "value");
    }
    assert_string_equal(tuple_get_str(t, "newkey"), "other");
    th.fail_after = 0;
    assert_null(tuple_child(t, "fresh"));
    struct tuple *c = NULL;
    th.fail_after = -1;
    c = tuple_new(&th.h);
    th.fail_after = 0;
    assert_int_equal(tuple_set_tuple(t, "brandnew", c), -12);   /* child freed on failure */
    th.fail_after = -1;
    assert_null(tuple_get(t, "brandnew"));
    /* numbers need no allocation when replacing */
    th.fail_after = 0;
    assert_int_equal(tuple_set_u64(t, "k3", 333), 0);
    assert_int_equal(tuple_remove(t, "k4"), 0);
    th.fail_after = -1;
    assert_int_equal(tuple_get_u64(t, "k3", 0), 333);
    tuple_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_set_get_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_and_binary_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iteration_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enomem, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
