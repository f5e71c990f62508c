/*
 * json.h - a small strict JSON (RFC 8259) parser for the host tools.
 *
 * The parser builds a tree of struct json nodes.  It accepts exactly the
 * grammar of RFC 8259: no comments, no trailing commas, no single quotes, no
 * leading zeros, no control characters inside strings, only the standard
 * escapes, well-formed UTF-8 and UTF-16 surrogate pairs, nothing after the
 * top-level value but whitespace.  Duplicate keys in one object are rejected
 * (a config file that says the same thing twice is almost always a mistake).
 * Nesting is capped at JSON_MAX_DEPTH so hostile input cannot exhaust the
 * stack.  Every node records the line and column (1-based, in bytes) where
 * it starts, so callers can point at the offending spot of a config file.
 */
#ifndef SOLO_TOOLS_JSON_H
#define SOLO_TOOLS_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 128

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
    enum json_type type;
    int line, col;                 /* where the value starts */
    bool b;                        /* JSON_BOOL */
    double num;                    /* JSON_NUMBER */
    char *str;                     /* JSON_STRING (NUL-terminated) and the
                                      number's source text for JSON_NUMBER */
    size_t len;                    /* JSON_STRING: bytes, may contain NUL */
    size_t n;                      /* JSON_ARRAY / JSON_OBJECT: element count */
    struct json **items;           /* elements, in source order */
    char **keys;                   /* JSON_OBJECT: keys[i] names items[i] */
};

/* Parse text[0..len).  Returns the root or NULL with "LINE:COL: reason" in err. */
struct json *json_parse(const char *text, size_t len, char *err, size_t errlen);
/* Free a tree returned by json_parse (NULL is fine). */
void json_free(struct json *j);
/* Member of an object by key, NULL when absent or when obj is not an object. */
const struct json *json_get(const struct json *obj, const char *key);
/* Human name of a type ("string", "array", ...) for error messages. */
const char *json_type_name(enum json_type t);

#endif
