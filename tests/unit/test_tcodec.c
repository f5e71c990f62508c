/*
 * test_tcodec.c - the tuple wire encoding: round trips of nested tuples,
 * delta semantics (merge, replace, remove), varint edge values, and hostile
 * input (truncation at every length, huge counts, deep nesting) rejected
 * without crashing or leaking.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include "testutil.h"
#include "runtime/lib/tcodec.h"

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

static struct tuple *sample(void)
{
    struct tuple *t = tuple_new(&th.h);
    tuple_set_u64(t, "mode", 0100644);
    tuple_set_u64(t, "big", UINT64_MAX);
    tuple_set_u64(t, "zero", 0);
    tuple_set_ref(t, "ref", 1ULL << 40);
    tuple_set_bytes(t, "bin", "\0\xff\x80", 3);
    tuple_set_str(t, "empty", "");
    struct tuple *c = tuple_child(t, "children");
    tuple_set_ref(c, "a.txt", 5);
    tuple_set_str(tuple_child(c, "nested"), "deep", "value");
    return t;
}

/* Decode buf into a fresh tuple (NULL when rejected). */
static struct tuple *decode(const struct tc_buf *b)
{
    struct tc_dec d = { b->p, b->len, 0, false };
    struct tuple *t = tuple_new(&th.h);
    if (tc_apply(&d, t, &th.h, 0) != 0 || d.pos != b->len) {
        tuple_free(t);
        return NULL;
    }
    return t;
}

static void test_roundtrip(void **state)
{
    struct tc_buf b = { 0 };
    struct tuple *t = sample();
    (void)state;

    tc_tuple(&th.h, &b, t, 0);
    assert_int_equal(b.err, 0);
    struct tc_dec d = { b.p, b.len, 0, false };
    assert_true(tc_validate(&d, 0));
    assert_int_equal(d.pos, b.len);
    struct tuple *u = decode(&b);
    assert_non_null(u);
    assert_int_equal(tuple_count(u), tuple_count(t));
    assert_int_equal(tuple_get_u64(u, "big", 0), UINT64_MAX);
    assert_int_equal(tuple_get_u64(u, "zero", 1), 0);
    assert_int_equal(tuple_get(u, "ref")->kind, VALUE_REF);
    assert_int_equal(tuple_get(u, "ref")->u.n, 1ULL << 40);
    assert_int_equal(tuple_get(u, "bin")->len, 3);
    assert_memory_equal(tuple_get(u, "bin")->u.bytes, "\0\xff\x80", 3);
    assert_string_equal(tuple_get_str(u, "empty"), "");
    struct tuple *c = tuple_get_tuple(u, "children");
    assert_int_equal(tuple_getn(c, "a.txt", 5)->u.n, 5);
    assert_string_equal(tuple_get_str(tuple_get_tuple(c, "nested"), "deep"), "value");
    /* re-encoding the copy gives the same bytes (canonical key order) */
    struct tc_buf b2 = { 0 };
    tc_tuple(&th.h, &b2, u, 0);
    assert_int_equal(b2.len, b.len);
    assert_memory_equal(b2.p, b.p, b.len);
    tc_release(&th.h, &b);
    tc_release(&th.h, &b2);
    tuple_free(t);
    tuple_free(u);
}

static void test_delta(void **state)
{
    struct tuple *t = sample();
    struct tc_buf b = { 0 };
    (void)state;

    /* {children: {b.txt: ref 6, a.txt: remove}, mode: 0755, zero: remove,
     *  children2: remove, then children2: tuple {} } */
    tc_varint(&th.h, &b, 4);
    tc_key(&th.h, &b, "children", 8);
    tc_u8(&th.h, &b, VALUE_TUPLE);
    tc_varint(&th.h, &b, 2);
    tc_key(&th.h, &b, "b.txt", 5);
    tc_u8(&th.h, &b, VALUE_REF);
    tc_varint(&th.h, &b, 6);
    tc_key(&th.h, &b, "a.txt", 5);
    tc_u8(&th.h, &b, TC_KIND_REMOVE);
    tc_key(&th.h, &b, "mode", 4);
    tc_u8(&th.h, &b, VALUE_U64);
    tc_varint(&th.h, &b, 0755);
    tc_key(&th.h, &b, "zero", 4);
    tc_u8(&th.h, &b, TC_KIND_REMOVE);
    tc_key(&th.h, &b, "bin", 3);                  /* a tuple replaces bytes */
    tc_u8(&th.h, &b, VALUE_TUPLE);
    tc_varint(&th.h, &b, 0);
    assert_int_equal(b.err, 0);
    struct tc_dec d = { b.p, b.len, 0, false };
    assert_int_equal(tc_apply(&d, t, &th.h, 0), 0);
    struct tuple *c = tuple_get_tuple(t, "children");
    assert_null(tuple_getn(c, "a.txt", 5));
    assert_int_equal(tuple_getn(c, "b.txt", 5)->u.n, 6);
    assert_non_null(tuple_get_tuple(c, "nested"));             /* merged, not replaced */
    assert_int_equal(tuple_get_u64(t, "mode", 0), 0755);
    assert_null(tuple_get(t, "zero"));
    assert_int_equal(tuple_count(tuple_get_tuple(t, "bin")), 0);
    tc_release(&th.h, &b);
    tuple_free(t);
}

static void test_varints(void **state)
{
    const u64 vals[] = { 0, 1, 127, 128, 255, 16383, 16384, 1ULL << 32, (1ULL << 63) - 1, 1ULL << 63, UINT64_MAX };
    struct tc_buf b = { 0 };
    (void)state;

    for (size_t i = 0; i < ARRAY_SIZE(vals); i++)
        tc_varint(&th.h, &b, vals[i]);
    struct tc_dec d = { b.p, b.len, 0, false };
    for (size_t i = 0; i < ARRAY_SIZE(vals); i++)
        assert_int_equal(tc_get_varint(&d), vals[i]);
    assert_false(d.bad);
    assert_int_equal(d.pos, b.len);
    tc_get_varint(&d);                             /* past the end */
    assert_true(d.bad);
    /* an 11-byte varint (more than 64 bits) is rejected */
    const u8 over[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };
    struct tc_dec o = { over, sizeof(over), 0, false };
    tc_get_varint(&o);
    assert_true(o.bad);
    tc_release(&th.h, &b);
}

static void test_hostile(void **state)
{
    struct tc_buf b = { 0 };
    struct tuple *t = sample();
    (void)state;

    tc_tuple(&th.h, &b, t, 0);
    for (size_t n = 0; n < b.len; n++) {          /* every truncation is rejected */
        struct tc_dec d = { b.p, n, 0, false };
        assert_false(tc_validate(&d, 0) && d.pos == b.len);
        struct tc_buf cut = { b.p, n, n, 0 };
        assert_null(decode(&cut));
    }
    /* a count far larger than the bytes */
    const u8 huge[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 'k', VALUE_U64, 1 };
    struct tc_dec h1 = { huge, sizeof(huge), 0, false };
    assert_false(tc_validate(&h1, 0));
    struct tc_buf hb = { (u8 *)huge, sizeof(huge), sizeof(huge), 0 };
    assert_null(decode(&hb));
    /* unknown kind */
    const u8 kind[] = { 1, 1, 'k', 9 };
    struct tc_buf kb = { (u8 *)kind, sizeof(kind), sizeof(kind), 0 };
    assert_null(decode(&kb));
    /* nesting deeper than TC_MAX_DEPTH, encoded by hand */
    u8 deep[3 * 40 + 1];
    size_t n = 0;
    for (int i = 0; i < 40; i++) {
        deep[n++] = 1;                             /* one entry */
        deep[n++] = 0;                             /* empty key */
        deep[n++] = VALUE_TUPLE;
    }
    deep[n++] = 0;
    struct tc_dec dd = { deep, n, 0, false };
    assert_false(tc_validate(&dd, 0));
    struct tc_buf db = { deep, n, n, 0 };
    assert_null(decode(&db));
    /* and the encoder refuses to produce it */
    struct tuple *top = tuple_new(&th.h), *x = top;
    for (int i = 0; i < 40; i++)
        x = tuple_child(x, "d");
    struct tc_buf eb = { 0 };
    tc_tuple(&th.h, &eb, top, 0);
    assert_int_equal(eb.err, -EINVAL);
    tc_release(&th.h, &eb);
    tuple_free(top);
    tc_release(&th.h, &b);
    tuple_free(t);
}

static void test_enomem(void **state)
{
    struct tc_buf b = { 0 };
    struct tuple *t = sample();
    (void)state;

    tc_tuple(&th.h, &b, t, 0);
    for (long k = 0; k < 100; k++) {              /* decode under every failure point */
        struct tc_dec d = { b.p, b.len, 0, false };
        struct tuple *u = tuple_new(&th.h);
        th.fail_after = k;
        int r = tc_apply(&d, u, &th.h, 0);
        th.fail_after = -1;
        assert_true(r == 0 || r == -ENOMEM);
        tuple_free(u);
        if (r == 0)
            break;
    }
    struct tc_buf e = { 0 };
    th.fail_after = 0;
    tc_tuple(&th.h, &e, t, 0);                     /* sticky error, nothing allocated */
    th.fail_after = -1;
    assert_int_equal(e.err, -ENOMEM);
    assert_null(e.p);
    tc_release(&th.h, &b);
    tuple_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_varints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enomem, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
