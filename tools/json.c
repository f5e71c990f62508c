/*
 * json.c - strict recursive-descent JSON parser (see json.h for the accepted
 * grammar).  The parser walks the input once, tracking line and column; the
 * first error stops it and is reported as "LINE:COL: reason".  Nodes and
 * their strings are malloc'ed; on error everything built so far is freed, so
 * json_parse either returns a complete tree or nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "json.h"

struct parser {
    const char *s;
    size_t len, pos;
    int line, col, depth;
    char *err;
    size_t errlen;
    bool failed;
};

static struct json *parse_value(struct parser *p);

/* Record the first error at the current position; later ones are dropped. */
static void fail(struct parser *p, const char *what)
{
    if (p->failed)
        return;
    p->failed = true;
    if (p->err != NULL && p->errlen > 0)
        snprintf(p->err, p->errlen, "%d:%d: %s", p->line, p->col, what);
}

/* Current byte, or -1 at the end of input. */
static int peek(const struct parser *p)
{
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

/* Consume one byte, keeping line/column up to date. */
static void advance(struct parser *p)
{
    if (p->pos >= p->len)
        return;
    if (p->s[p->pos] == '\n') {
        p->line++;
        p->col = 1;
    } else {
        p->col++;
    }
    p->pos++;
}

static void skip_ws(struct parser *p)
{
    int c;
    while ((c = peek(p)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        advance(p);
}

static struct json *new_node(struct parser *p, enum json_type t)
{
    struct json *j = calloc(1, sizeof(*j));
    if (j == NULL) {
        fail(p, "out of memory");
        return NULL;
    }
    j->type = t;
    j->line = p->line;
    j->col = p->col;
    return j;
}

void json_free(struct json *j)
{
    if (j == NULL)
        return;
    for (size_t i = 0; i < j->n; i++) {
        json_free(j->items[i]);
        if (j->keys != NULL)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->str);
    free(j);
}

/* Match a literal keyword (true/false/null) at the current position. */
static bool expect_word(struct parser *p, const char *w)
{
    size_t n = strlen(w);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0) {
        fail(p, "invalid literal (expected true, false or null)");
        return false;
    }
    for (size_t i = 0; i < n; i++)
        advance(p);
    return true;
}

/* A growable byte buffer for decoded strings. */
struct sbuf {
    char *b;
    size_t n, cap;
};

static bool sbuf_put(struct sbuf *sb, const char *src, size_t n)
{
    if (sb->n + n + 1 > sb->cap) {
        size_t cap = sb->cap != 0 ? sb->cap : 32;
        while (cap < sb->n + n + 1)
            cap *= 2;
        char *nb = realloc(sb->b, cap);
        if (nb == NULL)
            return false;
        sb->b = nb;
        sb->cap = cap;
    }
    memcpy(sb->b + sb->n, src, n);
    sb->n += n;
    sb->b[sb->n] = '\0';
    return true;
}

/* Encode code point cp as UTF-8 into out; returns the byte count. */
static size_t utf8_encode(unsigned cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Length of the well-formed UTF-8 sequence starting at s[0..n), 0 if malformed. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    size_t need;
    unsigned cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        need = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        need = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        need = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need;
}

/* Read exactly four hex digits of a \u escape. Returns -1 on error. */
static long read_hex4(struct parser *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int c = peek(p);
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else {
            fail(p, "\\u escape needs four hex digits");
            return -1;
        }
        v = v * 16 + d;
        advance(p);
    }
    return v;
}

/* Decode a \uXXXX escape (the backslash and 'u' already consumed), pairing surrogates. */
static bool decode_u_escape(struct parser *p, struct sbuf *sb)
{
    long hi = read_hex4(p);
    unsigned cp;
    char out[4];
    if (hi < 0)
        return false;
    if (hi >= 0xdc00 && hi <= 0xdfff) {
        fail(p, "unpaired low surrogate in \\u escape");
        return false;
    }
    cp = (unsigned)hi;
    if (hi >= 0xd800 && hi <= 0xdbff) {
        if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
            fail(p, "high surrogate not followed by a low surrogate");
            return false;
        }
        advance(p);
        advance(p);
        long lo = read_hex4(p);
        if (lo < 0)
            return false;
        if (lo < 0xdc00 || lo > 0xdfff) {
            fail(p, "high surrogate not followed by a low surrogate");
            return false;
        }
        cp = 0x10000 + (((unsigned)hi - 0xd800) << 10) + ((unsigned)lo - 0xdc00);
    }
    if (!sbuf_put(sb, out, utf8_encode(cp, out))) {
        fail(p, "out of memory");
        return false;
    }
    return true;
}

/* Decode one escape sequence after the backslash. */
static bool decode_escape(struct parser *p, struct sbuf *sb)
{
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    int c = peek(p);
    const char *hit = c > 0 ? strchr(from, c) : NULL;
    if (c == 'u') {
        advance(p);
        return decode_u_escape(p, sb);
    }
    if (hit == NULL) {
        fail(p, "invalid escape sequence in string");
        return false;
    }
    advance(p);
    if (!sbuf_put(sb, &to[hit - from], 1)) {
        fail(p, "out of memory");
        return false;
    }
    return true;
}

/* Parse a string literal at the current '"'; the decoded bytes go to out, outlen. */
static bool parse_string_raw(struct parser *p, char **out, size_t *outlen)
{
    struct sbuf sb = { NULL, 0, 0 };
    advance(p);                                    /* opening quote */
    for (;;) {
        int c = peek(p);
        if (c < 0) {
            fail(p, "unterminated string");
            goto bad;
        }
        if (c == '"')
            break;
        if (c < 0x20) {
            fail(p, "control character in string (use an escape)");
            goto bad;
        }
        if (c == '\\') {
            advance(p);
            if (!decode_escape(p, &sb))
                goto bad;
            continue;
        }
        size_t n = utf8_seq_len((const unsigned char *)p->s + p->pos, p->len - p->pos);
        if (n == 0) {
            fail(p, "invalid UTF-8 in string");
            goto bad;
        }
        if (!sbuf_put(&sb, p->s + p->pos, n)) {
            fail(p, "out of memory");
            goto bad;
        }
        for (size_t i = 0; i < n; i++)
            advance(p);
    }
    advance(p);                                    /* closing quote */
    if (sb.b == NULL && !sbuf_put(&sb, "", 0)) {
        fail(p, "out of memory");
        goto bad;
    }
    *out = sb.b;
    *outlen = sb.n;
    return true;
bad:
    free(sb.b);
    return false;
}

static struct json *parse_string(struct parser *p)
{
    struct json *j = new_node(p, JSON_STRING);
    if (j == NULL)
        return NULL;
    if (!parse_string_raw(p, &j->str, &j->len)) {
        json_free(j);
        return NULL;
    }
    return j;
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Consume one or more digits; false (with an error) when there are none. */
static bool digits(struct parser *p, const char *what)
{
    if (!is_digit(peek(p))) {
        fail(p, what);
        return false;
    }
    while (is_digit(peek(p)))
        advance(p);
    return true;
}

static struct json *parse_number(struct parser *p)
{
    struct json *j = new_node(p, JSON_NUMBER);
    size_t start = p->pos;
    if (j == NULL)
        return NULL;
    if (peek(p) == '-')
        advance(p);
    if (peek(p) == '0') {
        advance(p);
        if (is_digit(peek(p))) {
            fail(p, "leading zeros are not allowed in numbers");
            goto bad;
        }
    } else if (!digits(p, "invalid number")) {
        goto bad;
    }
    if (peek(p) == '.') {
        advance(p);
        if (!digits(p, "digit expected after decimal point"))
            goto bad;
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        advance(p);
        if (peek(p) == '+' || peek(p) == '-')
            advance(p);
        if (!digits(p, "digit expected in exponent"))
            goto bad;
    }
    j->str = strndup(p->s + start, p->pos - start);
    if (j->str == NULL) {
        fail(p, "out of memory");
        goto bad;
    }
    j->len = p->pos - start;
    j->num = strtod(j->str, NULL);
    return j;
bad:
    json_free(j);
    return NULL;
}

/* Append child (and key, for objects) to a container node. */
static bool append(struct parser *p, struct json *c, struct json *child, char *key)
{
    struct json **items = realloc(c->items, (c->n + 1) * sizeof(*items));
    if (items == NULL)
        goto oom;
    c->items = items;
    if (c->type == JSON_OBJECT) {
        char **keys = realloc(c->keys, (c->n + 1) * sizeof(*keys));
        if (keys == NULL)
            goto oom;
        c->keys = keys;
        c->keys[c->n] = key;
    }
    c->items[c->n++] = child;
    return true;
oom:
    fail(p, "out of memory");
    return false;
}

static struct json *parse_array(struct parser *p)
{
    struct json *j = new_node(p, JSON_ARRAY);
    if (j == NULL)
        return NULL;
    advance(p);                                    /* '[' */
    skip_ws(p);
    if (peek(p) == ']') {
        advance(p);
        return j;
    }
    for (;;) {
        struct json *v = parse_value(p);
        if (v == NULL)
            goto bad;
        if (!append(p, j, v, NULL)) {
            json_free(v);
            goto bad;
        }
        skip_ws(p);
        if (peek(p) == ']') {
            advance(p);
            return j;
        }
        if (peek(p) != ',') {
            fail(p, "expected ',' or ']' in array");
            goto bad;
        }
        advance(p);
        skip_ws(p);
        if (peek(p) == ']') {
            fail(p, "trailing comma in array");
            goto bad;
        }
    }
bad:
    json_free(j);
    return NULL;
}

/* Parse one "key": value member into object j. */
static bool parse_member(struct parser *p, struct json *j)
{
    char *key;
    size_t klen;
    if (peek(p) != '"') {
        fail(p, "expected a string key in object");
        return false;
    }
    int kline = p->line, kcol = p->col;
    if (!parse_string_raw(p, &key, &klen))
        return false;
    if (json_get(j, key) != NULL || strlen(key) != klen) {
        p->line = kline;
        p->col = kcol;
        fail(p, strlen(key) != klen ? "NUL character in object key" : "duplicate key in object");
        free(key);
        return false;
    }
    skip_ws(p);
    if (peek(p) != ':') {
        fail(p, "expected ':' after object key");
        free(key);
        return false;
    }
    advance(p);
    struct json *v = parse_value(p);
    if (v == NULL || !append(p, j, v, key)) {
        json_free(v);
        free(key);
        return false;
    }
    return true;
}

static struct json *parse_object(struct parser *p)
{
    struct json *j = new_node(p, JSON_OBJECT);
    if (j == NULL)
        return NULL;
    advance(p);                                    /* '{' */
    skip_ws(p);
    if (peek(p) == '}') {
        advance(p);
        return j;
    }
    for (;;) {
        if (!parse_member(p, j))
            goto bad;
        skip_ws(p);
        if (peek(p) == '}') {
            advance(p);
            return j;
        }
        if (peek(p) != ',') {
            fail(p, "expected ',' or '}' in object");
            goto bad;
        }
        advance(p);
        skip_ws(p);
        if (peek(p) == '}') {
            fail(p, "trailing comma in object");
            goto bad;
        }
    }
bad:
    json_free(j);
    return NULL;
}

/* Parse any value, after optional leading whitespace. */
static struct json *parse_value(struct parser *p)
{
    struct json *j = NULL;
    int c;
    skip_ws(p);
    c = peek(p);
    if (c == '{' || c == '[') {
        if (++p->depth > JSON_MAX_DEPTH) {
            fail(p, "nesting too deep");
            return NULL;
        }
        j = c == '{' ? parse_object(p) : parse_array(p);
        p->depth--;
        return j;
    }
    if (c == '"')
        return parse_string(p);
    if (c == '-' || is_digit(c))
        return parse_number(p);
    if (c == 't' || c == 'f' || c == 'n') {
        j = new_node(p, c == 'n' ? JSON_NULL : JSON_BOOL);
        if (j == NULL)
            return NULL;
        j->b = c == 't';
        if (!expect_word(p, c == 't' ? "true" : c == 'f' ? "false" : "null")) {
            json_free(j);
            return NULL;
        }
        return j;
    }
    fail(p, c < 0 ? "unexpected end of input" : "unexpected character");
    return NULL;
}

struct json *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    struct parser p = { text, len, 0, 1, 1, 0, err, errlen, false };
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    struct json *j = parse_value(&p);
    if (j == NULL)
        return NULL;
    skip_ws(&p);
    if (p.pos != p.len) {
        fail(&p, "unexpected data after the top-level value");
        json_free(j);
        return NULL;
    }
    return j;
}

const struct json *json_get(const struct json *obj, const char *key)
{
    if (obj == NULL || obj->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

const char *json_type_name(enum json_type t)
{
    static const char *const names[] = { "null", "boolean", "number", "string", "array", "object" };
    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}
