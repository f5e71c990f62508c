/*
 * fscmd.c - the `solo fs` subcommands (see fscmd.h).  Read-only: images are
 * mounted without write access, so looking never changes an image.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "fscmd.h"
#include "image.h"

struct printctx {
    FILE *f;
    int indent;
};

/* Print bytes as a double-quoted C-style string. */
static void print_quoted(FILE *f, const u8 *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\')
            fprintf(f, "\\%c", p[i]);
        else if (p[i] == '\n')
            fputs("\\n", f);
        else if (p[i] < 0x20 || p[i] == 0x7f)
            fprintf(f, "\\x%02x", p[i]);
        else
            fputc(p[i], f);
    }
    fputc('"', f);
}

static int print_entry(void *ctx, const u8 *key, size_t klen, const struct value *v)
{
    struct printctx *pc = ctx;
    fprintf(pc->f, "%*s%.*s:", pc->indent, "", (int)klen, (const char *)key);
    switch (v->kind) {
    case VALUE_BYTES:
        fputc(' ', pc->f);
        print_quoted(pc->f, v->u.bytes, v->len);
        fputc('\n', pc->f);
        break;
    case VALUE_U64:
        fprintf(pc->f, " %llu\n", (unsigned long long)v->u.n);
        break;
    case VALUE_REF:
        fprintf(pc->f, " @%llu\n", (unsigned long long)v->u.n);
        break;
    case VALUE_TUPLE:
        fputc('\n', pc->f);
        tuple_print(pc->f, v->u.t, pc->indent + 2);
        break;
    default:
        fputs(" ?\n", pc->f);
        break;
    }
    return 0;
}

void tuple_print(FILE *f, const struct tuple *t, int indent)
{
    struct printctx pc = { f, indent };
    tuple_iter(t, print_entry, &pc);
}

/* "drwxr-xr-x" style mode string into buf[11]. */
static void mode_string(u64 mode, char buf[11])
{
    static const char rwx[] = "rwxrwxrwx";
    buf[0] = S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : S_ISREG(mode) ? '-' : '?';
    for (int i = 0; i < 9; i++)
        buf[1 + i] = (mode & (0400u >> i)) != 0 ? rwx[i] : '-';
    buf[10] = '\0';
}

/* One `ls -l`-like line for object id named name. */
static void ls_line(struct image *img, u64 id, const char *name, size_t nlen)
{
    struct tuple *t = tfs_get(img->fs, id);
    char ms[11];
    u64 mode = t != NULL ? tuple_get_u64(t, "mode", 0) : 0;
    mode_string(mode, ms);
    printf("%s %12llu %.*s", ms, (unsigned long long)(t != NULL ? tuple_get_u64(t, "size", 0) : 0),
           (int)nlen, name);
    if (S_ISLNK(mode) && tuple_get_str(t, "target") != NULL)
        printf(" -> %s", tuple_get_str(t, "target"));
    putchar('\n');
}

struct lsctx {
    struct image *img;
};

static int ls_child(void *ctx, const u8 *key, size_t klen, const struct value *v)
{
    struct lsctx *lc = ctx;
    if (v->kind == VALUE_REF)
        ls_line(lc->img, v->u.n, (const char *)key, klen);
    return 0;
}

static int fs_ls(struct image *img, const char *path)
{
    u64 id = image_resolve(img, path, true);
    struct tuple *t = id != 0 ? tfs_get(img->fs, id) : NULL;
    if (t == NULL) {
        errmsg("%s: no such file or directory in the image", path);
        return SOLO_EXIT_FAILURE;
    }
    if (!S_ISDIR(tuple_get_u64(t, "mode", 0))) {
        ls_line(img, image_resolve(img, path, false), path, strlen(path));
        return 0;
    }
    struct tuple *children = tuple_get_tuple(t, "children");
    struct lsctx lc = { img };
    if (children != NULL)
        tuple_iter(children, ls_child, &lc);
    return 0;
}

static int fs_cat(struct image *img, const char *path)
{
    u64 id = image_resolve(img, path, true);
    struct tuple *t = id != 0 ? tfs_get(img->fs, id) : NULL;
    if (t == NULL || !S_ISREG(tuple_get_u64(t, "mode", 0))) {
        errmsg("%s: %s in the image", path, t == NULL ? "no such file" : "not a regular file");
        return SOLO_EXIT_FAILURE;
    }
    u64 size = tuple_get_u64(t, "size", 0), off = 0;
    char *buf = xmalloc(1 << 20);
    int rc = 0;
    while (off < size) {
        long n = tfs_read(img->fs, id, buf, MIN(size - off, (u64)(1 << 20)), off);
        if (n <= 0) {
            errmsg("%s: read error in the image: %s", path, n < 0 ? strerror((int)-n) : "short file");
            rc = SOLO_EXIT_FAILURE;
            break;
        }
        if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
            rc = SOLO_EXIT_FAILURE;
            break;
        }
        off += (u64)n;
    }
    free(buf);
    return rc;
}

int fs_main(int argc, char **argv)
{
    struct image img;
    char why[400];
    int rc;
    if (argc < 2 || (strcmp(argv[0], "ls") != 0 && strcmp(argv[0], "cat") != 0 &&
                     strcmp(argv[0], "manifest") != 0) ||
        (strcmp(argv[0], "cat") == 0 && argc != 3) || argc > 3 ||
        (strcmp(argv[0], "manifest") == 0 && argc != 2)) {
        errmsg("usage: solo fs ls IMAGE [PATH] | solo fs cat IMAGE PATH | solo fs manifest IMAGE");
        return SOLO_EXIT_USAGE;
    }
    if (image_open(argv[1], false, &img, why, sizeof(why)) < 0) {
        errmsg("%s", why);
        return SOLO_EXIT_FAILURE;
    }
    if (strcmp(argv[0], "ls") == 0)
        rc = fs_ls(&img, argc == 3 ? argv[2] : "/");
    else if (strcmp(argv[0], "cat") == 0)
        rc = fs_cat(&img, argv[2]);
    else {
        tuple_print(stdout, tfs_manifest(img.fs), 0);
        rc = 0;
    }
    image_close(&img);
    if (fflush(stdout) != 0)
        rc = SOLO_EXIT_FAILURE;
    return rc;
}
