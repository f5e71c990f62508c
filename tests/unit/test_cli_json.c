/*
 * test_cli_json.c - the strict JSON parser (tools/json.c) and the config.json
 * mapping on top of it (tools/config.c): accepted grammar, every rejection
 * with its line:col, escapes and UTF-8, depth limit, and config key handling.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "tools/json.h"
#include "tools/config.h"

static struct json *parse(const char *s, char *err)
{
    return json_parse(s, strlen(s), err, 128);
}

static void test_scalars(void **state)
{
    char err[128];
    struct json *j;
    (void)state;
    j = parse(" true ", err);
    assert_non_null(j);
    assert_int_equal(j->type, JSON_BOOL);
    assert_true(j->b);
    json_free(j);
    j = parse("null", err);
    assert_int_equal(j->type, JSON_NULL);
    json_free(j);
    j = parse("-12.5e2", err);
    assert_int_equal(j->type, JSON_NUMBER);
    assert_true(j->num == -1250.0);
    assert_string_equal(j->str, "-12.5e2");
    json_free(j);
    j = parse("0", err);
    assert_true(j->num == 0.0);
    json_free(j);
}

static void test_object_and_positions(void **state)
{
    char err[128];
    (void)state;
    struct json *j = parse("{\n  \"a\": [1, 2, {\"b\": \"c\"}],\n  \"d\": {}\n}", err);
    assert_non_null(j);
    assert_int_equal(j->type, JSON_OBJECT);
    assert_int_equal(j->n, 2);
    const struct json *a = json_get(j, "a");
    assert_non_null(a);
    assert_int_equal(a->type, JSON_ARRAY);
    assert_int_equal(a->n, 3);
    assert_int_equal(a->line, 2);
    assert_int_equal(a->col, 8);
    assert_string_equal(json_get(a->items[2], "b")->str, "c");
    assert_null(json_get(j, "zz"));
    assert_null(json_get(a, "b"));
    assert_int_equal(json_get(j, "d")->n, 0);
    json_free(j);
}

static void test_escapes_utf8(void **state)
{
    char err[128];
    (void)state;
    struct json *j = parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00 \xc3\xa9\"", err);
    assert_non_null(j);
    assert_string_equal(j->str, "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xf0\x9f\x98\x80 \xc3\xa9");
    json_free(j);
    j = parse("\"a\\u0000b\"", err);           /* embedded NUL is kept, len counts it */
    assert_non_null(j);
    assert_int_equal(j->len, 3);
    json_free(j);
}

/* Each bad input must fail with the given "line:col: reason" prefix. */
static void expect_error(const char *text, const char *want)
{
    char err[128];
    struct json *j = parse(text, err);
    if (j != NULL || strncmp(err, want, strlen(want)) != 0)
        fail_msg("input %s: got \"%s\", want prefix \"%s\"", text, j != NULL ? "(parsed)" : err, want);
}

static void test_rejections(void **state)
{
    (void)state;
    expect_error("", "1:1: unexpected end of input");
    expect_error("[1,]", "1:4: trailing comma in array");
    expect_error("{\"a\":1,}", "1:8: trailing comma in object");
    expect_error("{\n\"a\": 1,\n\"a\": 2}", "3:1: duplicate key");
    expect_error("01", "1:2: leading zeros");
    expect_error("1.", "1:3: digit expected after decimal point");
    expect_error("1e", "1:3: digit expected in exponent");
    expect_error("-", "1:2: invalid number");
    expect_error("+1", "1:1: unexpected character");
    expect_error("'a'", "1:1: unexpected character");
    expect_error("\"abc", "1:5: unterminated string");
    expect_error("\"a\tb\"", "1:3: control character");
    expect_error("\"\\x\"", "1:3: invalid escape");
    expect_error("\"\\u12g4\"", "1:6: \\u escape needs four hex digits");
    expect_error("\"\\udc00\"", "1:8: unpaired low surrogate");
    expect_error("\"\\ud800x\"", "1:8: high surrogate");
    expect_error("\"\xff\"", "1:2: invalid UTF-8");
    expect_error("\"\xc0\xaf\"", "1:2: invalid UTF-8");          /* overlong */
    expect_error("\"\xed\xa0\x80\"", "1:2: invalid UTF-8");      /* surrogate */
    expect_error("tru", "1:1: invalid literal");
    expect_error("{} x", "1:4: unexpected data after");
    expect_error("// c\n{}", "1:1: unexpected character");
    expect_error("{\"a\" 1}", "1:6: expected ':'");
    expect_error("{1: 2}", "1:2: expected a string key");
    expect_error("[1 2]", "1:4: expected ',' or ']'");
    expect_error("{\"a\\u0000\": 1}", "1:2: NUL character in object key");
}

static void test_depth_limit(void **state)
{
    char buf[2 * JSON_MAX_DEPTH + 8], err[128];
    (void)state;
    memset(buf, '[', JSON_MAX_DEPTH);
    memset(buf + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
    buf[2 * JSON_MAX_DEPTH] = '\0';
    struct json *j = parse(buf, err);
    assert_non_null(j);
    json_free(j);
    memset(buf, '[', JSON_MAX_DEPTH + 1);
    memset(buf + JSON_MAX_DEPTH + 1, ']', JSON_MAX_DEPTH + 1);
    buf[2 * JSON_MAX_DEPTH + 2] = '\0';
    assert_null(parse(buf, err));
    assert_non_null(strstr(err, "nesting too deep"));
}

static void test_config_keys(void **state)
{
    struct solo_config c;
    char err[256];
    const char *text = "{\"Program\": \"./p\", \"Args\": [\"a\", \"b c\"], \"Env\": {\"X\": \"1\", \"Y\": \"=\"},\n"
                       " \"Files\": [\"f\"], \"Dirs\": [\"d\"], \"MapDirs\": {\"g/*\": \"/m\"}, \"Cwd\": \"/w\",\n"
                       " \"RunConfig\": {\"Memory\": \"1G\"}, \"Bogus\": 1}";
    (void)state;
    memset(&c, 0, sizeof(c));
    assert_int_equal(config_parse(text, strlen(text), "c.json", &c, err, sizeof(err)), 0);
    assert_string_equal(c.program, "./p");
    assert_int_equal(c.args.n, 2);
    assert_string_equal(c.args.v[1], "b c");
    assert_int_equal(c.env.n, 2);
    assert_string_equal(c.env.v[0], "X=1");
    assert_string_equal(c.env.v[1], "Y==");
    assert_string_equal(c.files.v[0], "f");
    assert_string_equal(c.dirs.v[0], "d");
    assert_string_equal(c.map_src.v[0], "g/*");
    assert_string_equal(c.map_dst.v[0], "/m");
    assert_string_equal(c.cwd, "/w");
    assert_int_equal(c.mem, 1ULL << 30);
    assert_int_equal(c.cpus, 0);
    config_free(&c);
}

static void expect_config_error(const char *text, const char *want)
{
    struct solo_config c;
    char err[256];
    memset(&c, 0, sizeof(c));
    int r = config_parse(text, strlen(text), "c.json", &c, err, sizeof(err));
    config_free(&c);
    if (r == 0 || strcmp(err, want) != 0)
        fail_msg("config %s: got \"%s\", want \"%s\"", text, r == 0 ? "(ok)" : err, want);
}

static void test_config_errors(void **state)
{
    (void)state;
    expect_config_error("[]", "c.json:1:1: the top level must be an object, not array");
    expect_config_error("{\"Args\": \"x\"}", "c.json:1:10: \"Args\" must be an array of strings, not string");
    expect_config_error("{\"Args\": [1]}", "c.json:1:11: \"Args\" must be an array of strings, not number");
    expect_config_error("{\"Env\": {\"A\": 1}}", "c.json:1:15: \"Env\" must be an object of strings, not number");
    expect_config_error("{\"Env\": {\"A=B\": \"1\"}}", "c.json:1:17: bad environment variable name \"A=B\"");
    expect_config_error("{\"Program\": null}", "c.json:1:13: \"Program\" must be a string, not null");
    expect_config_error("{\"RunConfig\": []}", "c.json:1:15: \"RunConfig\" must be an object, not array");
    expect_config_error("{\"RunConfig\": {\"Memory\": \"lots\"}}",
                        "c.json:1:26: \"RunConfig.Memory\" must be a size of at least 32M such as \"512M\" or \"2G\"");
    expect_config_error("{\"RunConfig\": {\"CPUs\": 1.5}}",
                        "c.json:1:24: \"RunConfig.CPUs\" must be a whole number from 1 to 255");
    expect_config_error("{\n  \"Files\": [\"a\",]\n}", "c.json:2:17: invalid JSON: trailing comma in array");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_object_and_positions),
        cmocka_unit_test(test_escapes_utf8),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_config_keys),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
