/*
 * fscmd.c - the `solo fs` subcommands (see fscmd.h): ls, cat, get (copy a
 * file out), manifest, check (log records, volume consistency, every file
 * read in full).  Read-only: images are mounted without write access, so
 * looking never changes an image.
 */
#include <errno.h>
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
    buf[0] = S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : S_ISREG(mode) ? '-' : S_ISFIFO(mode) ? 'p'
           : S_ISSOCK(mode) ? 's' : S_ISCHR(mode) ? 'c' : S_ISBLK(mode) ? 'b' : '?';
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
    if (S_ISCHR(mode) || S_ISBLK(mode)) {   /* devices: "major, minor" where ls puts the size */
        u64 rdev = tuple_get_u64(t, "rdev", 0);
        printf("%s %5llu, %5llu %.*s", ms, (unsigned long long)((rdev >> 8) & 0xfff),
               (unsigned long long)((rdev & 0xff) | ((rdev >> 12) & 0xfff00)), (int)nlen, name);
    } else {
        printf("%s %12llu %.*s", ms, (unsigned long long)(t != NULL ? tuple_get_u64(t, "size", 0) : 0),
               (int)nlen, name);
    }
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

struct checkctx {
    struct image *img;
    u64 files, dirs, links, bytes, errors, depth;
    char *buf;                     /* 1 MiB read buffer */
};

static void check_obj(struct checkctx *cx, u64 id, const char *path);

static void check_fail(struct checkctx *cx, const char *path, const char *what)
{
    if (cx->errors++ < 20)
        printf("%s: %s\n", path, what);
}

/* Read a whole file: every extent must be readable and the length must match. */
static void check_file(struct checkctx *cx, u64 id, struct tuple *t, const char *path)
{
    u64 size = tuple_get_u64(t, "size", 0), off = 0;
    while (off < size) {
        long n = tfs_read(cx->img->fs, id, cx->buf, MIN(size - off, (u64)(1 << 20)), off);
        if (n < 0 && size - off > TFS_BLOCK_SIZE) {
            /* narrow the failure down to one block for the report */
            for (u64 b = off; b < MIN(size, off + (1 << 20)); b += TFS_BLOCK_SIZE) {
                if (tfs_read(cx->img->fs, id, cx->buf, TFS_BLOCK_SIZE, b) < 0) {
                    off = b;
                    break;
                }
            }
        }
        if (n <= 0) {
            char *why = xasprintf("%s at file offset %llu", n < 0 ? strerror((int)-n) : "shorter than its size",
                                  (unsigned long long)off);
            check_fail(cx, path, why);
            free(why);
            return;
        }
        off += (u64)n;
    }
    cx->files++;
    cx->bytes += size;
}

static int check_child(void *ctx, const u8 *key, size_t klen, const struct value *v)
{
    struct checkctx *cx = ctx;
    const char *parent = cx->buf + (1 << 20);              /* path scratch after the data */
    char *path = xasprintf("%s%s%.*s", parent, strcmp(parent, "/") == 0 ? "" : "/", (int)klen, key);
    if (v->kind != VALUE_REF)
        check_fail(cx, path, "directory entry is not a reference");
    else
        check_obj(cx, v->u.n, path);
    free(path);
    return 0;
}

/* Check object id (reached as path) and, for directories, everything below. */
static void check_obj(struct checkctx *cx, u64 id, const char *path)
{
    struct tuple *t = tfs_get(cx->img->fs, id);
    if (t == NULL) {
        check_fail(cx, path, "dangling directory entry (no such object)");
        return;
    }
    u64 mode = tuple_get_u64(t, "mode", 0);
    if (S_ISREG(mode)) {
        check_file(cx, id, t, path);
    } else if (S_ISLNK(mode)) {
        cx->links++;
        if (tuple_get_str(t, "target") == NULL)
            check_fail(cx, path, "symlink without a target");
    } else if (S_ISDIR(mode)) {
        struct tuple *ch = tuple_get_tuple(t, "children");
        char *saved = xstrdup(cx->buf + (1 << 20));
        cx->dirs++;
        if (++cx->depth > 256) {
            check_fail(cx, path, "directories nested too deep (a cycle?)");
        } else if (ch != NULL) {
            snprintf(cx->buf + (1 << 20), 4096, "%s", path);
            tuple_iter(ch, check_child, cx);
            snprintf(cx->buf + (1 << 20), 4096, "%s", saved);
        }
        cx->depth--;
        free(saved);
    } else if (!S_ISFIFO(mode) && !S_ISSOCK(mode) && !S_ISCHR(mode) && !S_ISBLK(mode)) {
        check_fail(cx, path, "unknown object type in \"mode\"");
    }
}

static void check_report(void *ctx, const char *msg)
{
    struct checkctx *cx = ctx;
    if (cx->errors++ < 20)
        printf("%s\n", msg);
}

/* The volume-level checks of tfs_check: where and why the log ends (a torn
 * last record is an interrupted write, not damage), dangling entries,
 * invalid extents, symlinks without targets; orphans are noted. */
static void check_volume(struct checkctx *cx)
{
    struct tfs_stats st;
    u64 before = cx->errors;
    if (tfs_check(cx->img->fs, &st, check_report, cx) != 0) {
        check_fail(cx, "image", "out of memory while checking");
        return;
    }
    if (st.log_torn != 0 && cx->errors > before) {
        cx->errors--;
        printf("note: the log's last record was torn (an interrupted write); the log ends before it\n");
    }
    if (st.orphans > 0)
        printf("note: %llu orphaned objects (freed when the image next boots)\n", (unsigned long long)st.orphans);
    printf("log: %llu records in %llu segments (%llu blocks), ends at byte offset %llu\n",
           (unsigned long long)st.log_records, (unsigned long long)st.log_segments,
           (unsigned long long)st.log_blocks, (unsigned long long)st.log_end);
}

/* Mount (which verifies the superblock and every log record's CRC), check
 * the volume, then walk the tree from / reading every file in full (every
 * extent must lie on the volume and read back). */
static int fs_check(struct image *img)
{
    struct checkctx cx = { img, 0, 0, 0, 0, 0, 0, xcalloc(1, (1 << 20) + 4096) };
    u64 total, freeb;
    check_volume(&cx);
    strcpy(cx.buf + (1 << 20), "/");
    check_obj(&cx, TFS_ID_ROOT, "/");
    if (tuple_get_str(tfs_manifest(img->fs), "program") == NULL)
        check_fail(&cx, "manifest", "no \"program\"");
    tfs_statfs(img->fs, &total, &freeb);
    printf("%s: %llu files (%llu bytes), %llu directories, %llu symlinks; %llu of %llu blocks free\n",
           cx.errors == 0 ? "ok" : "damaged", (unsigned long long)cx.files, (unsigned long long)cx.bytes,
           (unsigned long long)cx.dirs, (unsigned long long)cx.links, (unsigned long long)freeb,
           (unsigned long long)total);
    free(cx.buf);
    return cx.errors == 0 ? 0 : SOLO_EXIT_FAILURE;
}

/* Copy file PATH of the image to the host file dest (a symlink is
 * followed inside the image). */
static int fs_get(struct image *img, const char *path, const char *dest)
{
    u64 id = image_resolve(img, path, true);
    struct tuple *t = id != 0 ? tfs_get(img->fs, id) : NULL;
    if (t == NULL || !S_ISREG(tuple_get_u64(t, "mode", 0))) {
        errmsg("%s: %s in the image", path, t == NULL ? "no such file" : "not a regular file");
        return SOLO_EXIT_FAILURE;
    }
    FILE *out = fopen(dest, "wb");
    if (out == NULL) {
        errmsg("%s: %s", dest, strerror(errno));
        return SOLO_EXIT_FAILURE;
    }
    u64 size = tuple_get_u64(t, "size", 0), off = 0;
    char *buf = xmalloc(1 << 20);
    int rc = 0;
    while (off < size && rc == 0) {
        long n = tfs_read(img->fs, id, buf, MIN(size - off, (u64)(1 << 20)), off);
        if (n <= 0) {
            errmsg("%s: read error in the image at file offset %llu: %s", path, (unsigned long long)off,
                   n < 0 ? strerror((int)-n) : "short file");
            rc = SOLO_EXIT_FAILURE;
        } else if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
            errmsg("%s: %s", dest, strerror(errno));
            rc = SOLO_EXIT_FAILURE;
        }
        off += n > 0 ? (u64)n : 0;
    }
    if (fclose(out) != 0 && rc == 0) {
        errmsg("%s: %s", dest, strerror(errno));
        rc = SOLO_EXIT_FAILURE;
    }
    if (rc == 0)
        chmod(dest, (mode_t)(tuple_get_u64(t, "mode", 0644) & 0777));
    free(buf);
    return rc;
}

int fs_main(int argc, char **argv)
{
    struct image img;
    char why[400];
    int rc;
    bool one = argc == 2 && (strcmp(argv[0], "manifest") == 0 || strcmp(argv[0], "check") == 0 ||
                             strcmp(argv[0], "ls") == 0);
    bool two = argc == 3 && (strcmp(argv[0], "cat") == 0 || strcmp(argv[0], "ls") == 0);
    bool three = argc == 4 && strcmp(argv[0], "get") == 0;
    if (!one && !two && !three) {
        errmsg("usage: solo fs ls IMAGE [PATH] | cat IMAGE PATH | get IMAGE PATH DEST | manifest IMAGE | check IMAGE");
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
    else if (strcmp(argv[0], "get") == 0)
        rc = fs_get(&img, argv[2], argv[3]);
    else if (strcmp(argv[0], "check") == 0)
        rc = fs_check(&img);
    else {
        tuple_print(stdout, tfs_manifest(img.fs), 0);
        rc = 0;
    }
    image_close(&img);
    if (fflush(stdout) != 0)
        rc = SOLO_EXIT_FAILURE;
    return rc;
}
