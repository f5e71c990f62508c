/*
 * format.c - the formatter behind klog, ksnprintf and host tools.  Output
 * goes through a tiny sink that counts every byte it was offered and stores
 * only those that fit, so the return value is always the untruncated length
 * and the buffer is always NUL-terminated when it has room for anything.
 */
#include "format.h"

struct sink {
    char *buf;
    size_t cap;                        /* bytes we may store, excluding the NUL */
    size_t len;                        /* bytes offered so far */
};

struct spec {
    bool left, zero, plus, space, alt;
    int width;
    int prec;                          /* -1: none */
    int size;                          /* 0 int, 1 long, 2 long long, -1 short, -2 char */
};

static void put(struct sink *s, char c)
{
    if (s->len < s->cap)
        s->buf[s->len] = c;
    s->len++;
}

static void put_n(struct sink *s, char c, int n)
{
    for (int i = 0; i < n; i++)
        put(s, c);
}

static void put_str(struct sink *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(s, p[i]);
}

/* Emit a converted body with sign/prefix, applying width, precision and flags. */
static void emit(struct sink *s, const struct spec *sp, const char *prefix, const char *digits, int ndig)
{
    int plen = (int)__builtin_strlen(prefix);
    int zeros = sp->prec > ndig ? sp->prec - ndig : 0;
    int body = plen + zeros + ndig;
    int pad = sp->width > body ? sp->width - body : 0;

    if (!sp->left && !(sp->zero && sp->prec < 0))
        put_n(s, ' ', pad);
    put_str(s, prefix, (size_t)plen);
    if (!sp->left && sp->zero && sp->prec < 0)
        put_n(s, '0', pad);
    put_n(s, '0', zeros);
    put_str(s, digits, (size_t)ndig);
    if (sp->left)
        put_n(s, ' ', pad);
}

static void emit_int(struct sink *s, const struct spec *sp, u64 v, bool neg, int base, bool upper)
{
    const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    const char *prefix = "";

    while (v != 0) {
        tmp[sizeof(tmp) - 1 - n++] = dig[v % (u64)base];
        v /= (u64)base;
    }
    if (n == 0 && sp->prec != 0)
        tmp[sizeof(tmp) - 1 - n++] = '0';
    if (neg)
        prefix = "-";
    else if (sp->plus && base == 10)
        prefix = "+";
    else if (sp->space && base == 10)
        prefix = " ";
    else if (sp->alt && base == 16 && n > 0 && !(n == 1 && tmp[sizeof(tmp) - 1] == '0'))
        prefix = upper ? "0X" : "0x";
    else if (sp->alt && base == 8 && tmp[sizeof(tmp) - n] != '0')
        prefix = "0";
    emit(s, sp, prefix, tmp + sizeof(tmp) - n, n);
}

/* Parse flags, width, precision and length; returns the conversion character's position. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){ .prec = -1 };
    for (;; f++) {
        if (*f == '-') sp->left = true;
        else if (*f == '0') sp->zero = true;
        else if (*f == '+') sp->plus = true;
        else if (*f == ' ') sp->space = true;
        else if (*f == '#') sp->alt = true;
        else break;
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) {
            sp->left = true;
            sp->width = -sp->width;
        }
        f++;
    }
    while (*f >= '0' && *f <= '9')
        sp->width = sp->width * 10 + (*f++ - '0');
    if (*f == '.') {
        f++;
        sp->prec = 0;
        if (*f == '*') {
            sp->prec = va_arg(*ap, int);
            if (sp->prec < 0)
                sp->prec = -1;
            f++;
        }
        while (*f >= '0' && *f <= '9')
            sp->prec = sp->prec * 10 + (*f++ - '0');
    }
    for (;; f++) {
        if (*f == 'l') sp->size = sp->size >= 1 ? 2 : 1;
        else if (*f == 'h') sp->size = sp->size <= -1 ? -2 : -1;
        else if (*f == 'z' || *f == 'j' || *f == 't') sp->size = 1;
        else break;
    }
    return f;
}

static u64 arg_unsigned(const struct spec *sp, va_list *ap)
{
    switch (sp->size) {
    case 2: return va_arg(*ap, unsigned long long);
    case 1: return va_arg(*ap, unsigned long);
    case -1: return (u16)va_arg(*ap, unsigned);
    case -2: return (u8)va_arg(*ap, unsigned);
    default: return va_arg(*ap, unsigned);
    }
}

static s64 arg_signed(const struct spec *sp, va_list *ap)
{
    switch (sp->size) {
    case 2: return va_arg(*ap, long long);
    case 1: return va_arg(*ap, long);
    case -1: return (s16)va_arg(*ap, int);
    case -2: return (s8)va_arg(*ap, int);
    default: return va_arg(*ap, int);
    }
}

static void convert(struct sink *s, char c, struct spec *sp, va_list *ap, const char *start, const char *end)
{
    switch (c) {
    case 'd': case 'i': {
        s64 v = arg_signed(sp, ap);
        emit_int(s, sp, v < 0 ? (u64)0 - (u64)v : (u64)v, v < 0, 10, false);
        break;
    }
    case 'u': emit_int(s, sp, arg_unsigned(sp, ap), false, 10, false); break;
    case 'x': emit_int(s, sp, arg_unsigned(sp, ap), false, 16, false); break;
    case 'X': emit_int(s, sp, arg_unsigned(sp, ap), false, 16, true); break;
    case 'o': emit_int(s, sp, arg_unsigned(sp, ap), false, 8, false); break;
    case 'p':
        sp->alt = true;
        emit_int(s, sp, (u64)(uintptr_t)va_arg(*ap, void *), false, 16, false);
        break;
    case 'c': {
        char ch = (char)va_arg(*ap, int);
        sp->prec = -1;
        emit(s, sp, "", &ch, 1);
        break;
    }
    case 's': {
        const char *str = va_arg(*ap, const char *);
        if (str == NULL)
            str = "(null)";
        int n = 0;
        while ((sp->prec < 0 || n < sp->prec) && str[n] != '\0')
            n++;
        sp->prec = -1;
        sp->zero = false;
        emit(s, sp, "", str, n);
        break;
    }
    case '%': put(s, '%'); break;
    default:
        put_str(s, start, (size_t)(end - start + (c != '\0')));
        break;
    }
}

int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct sink s = { buf, n > 0 ? n - 1 : 0, 0 };
    struct spec sp;
    va_list aq;

    va_copy(aq, ap);
    for (const char *f = fmt; *f != '\0'; f++) {
        if (*f != '%') {
            put(&s, *f);
            continue;
        }
        const char *start = f;
        f = parse_spec(f + 1, &sp, &aq);
        convert(&s, *f, &sp, &aq, start, f);
        if (*f == '\0')
            break;
    }
    va_end(aq);
    if (n > 0)
        buf[s.len < s.cap ? s.len : s.cap] = '\0';
    return s.len > 0x7fffffff ? 0x7fffffff : (int)s.len;
}

int fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = fmt_vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}
