/*
 * test_range.c - the interval-set allocator: add/merge, remove/split,
 * overlap detection, first-fit and largest-run allocation, exact
 * allocation, ENOMEM, and a randomized run checked against a bitmap model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include "testutil.h"
#include "runtime/lib/range.h"

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

static void test_add_merge(void **state)
{
    struct range_set s;
    (void)state;

    range_init(&s, &th.h);
    assert_int_equal(range_add(&s, 10, 5), 0);      /* [10,15) */
    assert_int_equal(range_add(&s, 20, 5), 0);      /* [20,25) */
    assert_int_equal(s.n, 2);
    assert_int_equal(range_add(&s, 15, 5), 0);      /* bridges both */
    assert_int_equal(s.n, 1);
    assert_int_equal(s.r[0].start, 10);
    assert_int_equal(s.r[0].len, 15);
    assert_int_equal(range_add(&s, 5, 5), 0);       /* joins at the front */
    assert_int_equal(range_add(&s, 25, 1), 0);      /* joins at the back */
    assert_int_equal(s.n, 1);
    assert_int_equal(range_total(&s), 21);
    assert_int_equal(range_add(&s, 12, 1), -22);    /* overlap: double free */
    assert_int_equal(range_add(&s, 0, 6), -22);
    assert_int_equal(range_add(&s, UINT64_MAX - 1, 5), -22);   /* wraps */
    assert_int_equal(range_add(&s, 100, 0), 0);
    assert_int_equal(range_add(&s, 0, 2), 0);
    assert_int_equal(s.n, 2);
    assert_true(range_contains(&s, 5, 21));
    assert_false(range_contains(&s, 4, 2));
    assert_true(range_overlaps(&s, 4, 2));
    assert_false(range_overlaps(&s, 2, 3));
    range_destroy(&s);
}

static void test_remove_split(void **state)
{
    struct range_set s;
    (void)state;

    range_init(&s, &th.h);
    range_add(&s, 0, 100);
    assert_int_equal(range_remove(&s, 40, 10), 0);  /* split */
    assert_int_equal(s.n, 2);
    assert_int_equal(range_total(&s), 90);
    assert_int_equal(range_remove(&s, 45, 1), -2);  /* not free */
    assert_int_equal(range_remove(&s, 35, 10), -2); /* straddles */
    assert_int_equal(range_remove(&s, 0, 40), 0);   /* whole range */
    assert_int_equal(range_remove(&s, 90, 10), 0);  /* tail */
    assert_int_equal(range_remove(&s, 50, 5), 0);   /* head */
    assert_int_equal(s.n, 1);
    assert_int_equal(s.r[0].start, 55);
    assert_int_equal(s.r[0].len, 35);
    assert_int_equal(range_total(&s), 35);
    range_destroy(&s);
}

static void test_alloc(void **state)
{
    struct range_set s;
    u64 start;
    (void)state;

    range_init(&s, &th.h);
    assert_int_equal(range_alloc(&s, 4, &start), 0);              /* empty */
    range_add(&s, 0, 3);
    range_add(&s, 10, 8);
    range_add(&s, 30, 5);
    assert_int_equal(range_alloc(&s, 4, &start), 4);              /* first fit */
    assert_int_equal(start, 10);
    assert_int_equal(range_alloc(&s, 100, &start), 5);            /* else the largest */
    assert_int_equal(start, 30);
    assert_int_equal(range_alloc_exact(&s, 4, &start), 0);
    assert_int_equal(start, 14);
    assert_int_equal(range_alloc_exact(&s, 4, &start), -28);
    assert_int_equal(range_alloc(&s, 0, &start), 0);
    assert_int_equal(range_total(&s), 3);
    assert_int_equal(range_alloc(&s, 3, &start), 3);
    assert_int_equal(s.n, 0);
    range_destroy(&s);
}

static void test_enomem(void **state)
{
    struct range_set s;
    (void)state;

    range_init(&s, &th.h);
    th.fail_after = 0;
    assert_int_equal(range_add(&s, 0, 10), -12);
    th.fail_after = -1;
    assert_int_equal(range_total(&s), 0);
    assert_int_equal(range_add(&s, 0, 10), 0);
    for (u64 i = 1; i < 8; i++)                       /* fill the first array (cap 8) */
        assert_int_equal(range_add(&s, i * 100, 10), 0);
    th.fail_after = 0;
    assert_int_equal(range_remove(&s, 2, 3), -12);  /* a split needs a slot */
    assert_int_equal(range_add(&s, 50, 1), -12);
    assert_int_equal(range_add(&s, 10, 5), 0);      /* merging needs none */
    assert_int_equal(range_remove(&s, 0, 3), 0);
    th.fail_after = -1;
    assert_int_equal(range_total(&s), 80 + 5 - 3);
    range_destroy(&s);
}

/* Random operations against a bitmap model of 512 units. */
static void test_random_model(void **state)
{
    struct range_set s;
    unsigned char model[512];
    u64 x = 12345;
    (void)state;

    memset(model, 0, sizeof(model));
    range_init(&s, &th.h);
    for (int it = 0; it < 20000; it++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        u64 a = (x >> 33) % 512, len = 1 + (x >> 20) % 16, i, start;
        bool any = false, all = true;
        if (a + len > 512)
            len = 512 - a;
        for (i = a; i < a + len; i++) {
            any |= model[i] != 0;
            all &= model[i] != 0;
        }
        switch ((x >> 50) % 3) {
        case 0:
            assert_int_equal(range_add(&s, a, len), any ? -22 : 0);
            if (!any)
                memset(model + a, 1, len);
            break;
        case 1:
            if (all) {
                /* contained in one range iff no gap: the model has none inside a..a+len */
                assert_int_equal(range_remove(&s, a, len), 0);
                memset(model + a, 0, len);
            } else {
                assert_int_equal(range_remove(&s, a, len), -2);
            }
            break;
        default: {
            u64 got = range_alloc(&s, len, &start);
            for (i = start; i < start + got; i++) {
                assert_int_equal(model[i], 1);
                model[i] = 0;
            }
            break;
        }
        }
        u64 total = 0;
        for (i = 0; i < 512; i++)
            total += model[i];
        assert_int_equal(range_total(&s), total);
        for (size_t k = 0; k + 1 < s.n; k++)
            assert_true(s.r[k].start + s.r[k].len < s.r[k + 1].start);   /* canonical form */
    }
    range_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enomem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
