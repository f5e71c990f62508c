/*
 * deps.c - dependency closure for dynamically linked programs (see deps.h).
 * A work list holds objects still to scan; a set of sonames already resolved
 * keeps each library in the image once and stops cycles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "deps.h"

#define LDCACHE_PATH "/etc/ld.so.cache"
#define CACHE_MAGIC "glibc-ld.so.cache1.1"
#define OLD_MAGIC "ld.so-1.7.0"
#define FLAG_LIBC6_X8664 0x0303
#define GUEST_LIBDIR "/usr/lib/x86_64-linux-gnu"

static const char *const default_dirs[] = {
    "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
};

struct closure {
    struct image_plan *plan;
    struct strvec done;            /* sonames resolved so far */
    struct strvec work;            /* host paths still to scan */
    char *cache;                   /* ld.so.cache contents or NULL */
    size_t cachelen;
    const char *ld_library_path;
    size_t scanned;                /* work[0..scanned) are done */
    char *exe_rpath;               /* the program's DT_RPATH when it has no DT_RUNPATH */
    bool lenient;                  /* missing libraries are counted, not fatal */
    size_t missing;
    char *first_missing;           /* "SONAME (needed by PATH)" of the first one */
    char *err;
    size_t errlen;
};

static uint32_t rd32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Offset of the new-format cache header inside the file, or -1. */
static long cache_header(const unsigned char *c, size_t len)
{
    size_t magic = strlen(CACHE_MAGIC);
    if (len >= magic && memcmp(c, CACHE_MAGIC, magic) == 0)
        return 0;
    if (len >= 16 && memcmp(c, OLD_MAGIC, strlen(OLD_MAGIC)) == 0) {
        uint64_t off = ALIGN_UP(16 + (uint64_t)rd32(c + 12) * 12, 8);
        if (off + magic <= len && memcmp(c + off, CACHE_MAGIC, magic) == 0)
            return (long)off;
    }
    return -1;
}

/* The entry for soname: baseline (hwcap 0) entries win over hwcap-specific
 * ones, which need CPU features the guest may lack.  Value offset or 0. */
static uint32_t cache_find(const unsigned char *base, size_t avail, uint32_t n, const char *soname)
{
    uint32_t any = 0;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *e = base + 48 + (size_t)i * 24;
        uint32_t flags = rd32(e), key = rd32(e + 4), value = rd32(e + 8);
        uint64_t hwcap;
        memcpy(&hwcap, e + 16, 8);
        if (flags != FLAG_LIBC6_X8664 || key >= avail || value >= avail || value == 0)
            continue;
        const char *k = (const char *)base + key, *v = (const char *)base + value;
        if (strnlen(k, avail - key) == avail - key || strnlen(v, avail - value) == avail - value)
            continue;
        if (strcmp(k, soname) != 0)
            continue;
        if (hwcap == 0)
            return value;
        if (any == 0)
            any = value;
    }
    return any;
}

char *ldcache_lookup(const void *cache, size_t len, const char *soname)
{
    const unsigned char *c = cache;
    long h = cache_header(c, len);
    if (h < 0 || (size_t)h + 48 > len)
        return NULL;
    const unsigned char *base = c + h;
    size_t avail = len - (size_t)h;
    uint32_t n = rd32(base + 20);
    if ((uint64_t)n * 24 > avail - 48)
        return NULL;
    uint32_t v = cache_find(base, avail, n, soname);
    return v != 0 ? xstrdup((const char *)base + v) : NULL;
}

/* Directory part of path ("." when it has none). Malloc'ed. */
static char *dir_of(const char *path)
{
    const char *s = strrchr(path, '/');
    if (s == NULL)
        return xstrdup(".");
    if (s == path)
        return xstrdup("/");
    return strndup(path, (size_t)(s - path));
}

/* Expand $ORIGIN, $LIB and $PLATFORM (also in ${...} form) in one search-path entry. */
static char *expand_dst(const char *entry, const char *origin)
{
    static const char *const names[] = { "ORIGIN", "LIB", "PLATFORM" };
    const char *vals[] = { origin, "lib/x86_64-linux-gnu", "x86_64" };
    char *out = xstrdup("");
    for (const char *p = entry; *p != '\0';) {
        size_t i = 0, nl = 0;
        bool brace = p[0] == '$' && p[1] == '{';
        for (; p[0] == '$' && i < 3; i++) {
            nl = strlen(names[i]);
            if (strncmp(p + 1 + brace, names[i], nl) == 0 && (!brace || p[2 + nl] == '}'))
                break;
        }
        char *next;
        if (p[0] == '$' && i < 3) {
            next = xasprintf("%s%s", out, vals[i]);
            p += 1 + nl + 2 * brace;
        } else {
            next = xasprintf("%s%c", out, *p);
            p++;
        }
        free(out);
        out = next;
    }
    return out;
}

/* Is path a loadable x86-64 ELF? */
static bool usable(const char *path)
{
    struct elf_info info;
    char why[160];
    if (access(path, R_OK) != 0)
        return false;
    if (elf_inspect_file(path, &info, why, sizeof(why)) < 0)
        return false;
    elf_info_free(&info);
    return true;
}

/* Search a colon-separated list of directories for soname. Malloc'ed path or NULL. */
static char *search_list(const char *list, const char *soname, const char *origin)
{
    char *copy, *save = NULL, *found = NULL;
    if (list == NULL)
        return NULL;
    copy = xstrdup(list);
    for (char *d = strtok_r(copy, ":;", &save); d != NULL && found == NULL;
         d = strtok_r(NULL, ":;", &save)) {
        char *dir = expand_dst(d, origin);
        char *cand = path_join(dir[0] != '\0' ? dir : ".", soname);
        if (usable(cand))
            found = cand;
        else
            free(cand);
        free(dir);
    }
    free(copy);
    return found;
}

/* Is dir one of the directories the guest's ld.so searches by default? */
static bool in_default_dir(const char *path)
{
    char *d = dir_of(path);
    bool hit = false;
    for (size_t i = 0; i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++)
        hit = hit || strcmp(d, default_dirs[i]) == 0;
    free(d);
    return hit;
}

/* Find soname for the object at needer_path; *via_cache tells how. */
static char *find_lib(struct closure *c, const char *soname, const char *needer_path,
                      const struct elf_info *needer, bool *via_cache)
{
    char *origin = dir_of(needer_path), *found = NULL;
    *via_cache = false;
    if (strchr(soname, '/') != NULL) {
        found = usable(soname) ? xstrdup(soname) : NULL;
        goto out;
    }
    if (needer->runpath == NULL) {
        found = search_list(needer->rpath, soname, origin);
        if (found == NULL && c->exe_rpath != NULL)
            found = search_list(c->exe_rpath, soname, origin);
    }
    if (found == NULL)
        found = search_list(c->ld_library_path, soname, origin);
    if (found == NULL)
        found = search_list(needer->runpath, soname, origin);
    if (found == NULL && c->cache != NULL) {
        found = ldcache_lookup(c->cache, c->cachelen, soname);
        if (found != NULL && !usable(found)) {
            free(found);
            found = NULL;
        }
        *via_cache = found != NULL && !in_default_dir(found);
    }
    for (size_t i = 0; found == NULL && i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++) {
        char *cand = path_join(default_dirs[i], soname);
        if (usable(cand))
            found = cand;
        else
            free(cand);
    }
out:
    free(origin);
    return found;
}

/* Put one object into the plan at its host path (relative paths land under /). */
static int add_object(struct closure *c, const char *path)
{
    char *g = guest_path(path);
    int r = plan_find(c->plan, g) != NULL ? 0 : plan_add_file(c->plan, path, g, c->err, c->errlen);
    free(g);
    return r;
}

/* Guest symlink GUEST_LIBDIR/soname -> path, unless something is there already. */
static void add_cache_link(struct closure *c, const char *soname, const char *path)
{
    char *g = path_join(GUEST_LIBDIR, soname);
    if (plan_find(c->plan, g) == NULL) {
        char *target = guest_path(path);
        plan_add_symlink(c->plan, g, target);
        free(target);
    }
    free(g);
}

/* Resolve every DT_NEEDED of the object at path (already inspected). */
static int scan_object(struct closure *c, const char *path, const struct elf_info *info)
{
    for (size_t i = 0; i < info->needed.n; i++) {
        const char *so = info->needed.v[i];
        bool via_cache;
        if (strvec_contains(&c->done, so))
            continue;
        char *found = find_lib(c, so, path, info, &via_cache);
        if (found == NULL && c->lenient) {
            if (c->missing++ == 0)
                c->first_missing = xasprintf("%s (needed by %s)", so, path);
            continue;
        }
        if (found == NULL) {
            snprintf(c->err, c->errlen, "%s (needed by %s): not found", so, path);
            return -ENOENT;
        }
        strvec_push(&c->done, so);
        int r = add_object(c, found);
        if (r == 0 && via_cache)
            add_cache_link(c, so, found);
        if (r == 0)
            strvec_push(&c->work, found);
        free(found);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Scan the work list until it is empty. */
static int drain(struct closure *c)
{
    for (size_t i = c->scanned; i < c->work.n; i++, c->scanned++) {
        struct elf_info info;
        char why[200];
        int r = elf_inspect_file(c->work.v[i], &info, why, sizeof(why));
        if (r < 0) {
            snprintf(c->err, c->errlen, "%s: %s", c->work.v[i], why);
            return r;
        }
        r = scan_object(c, c->work.v[i], &info);
        elf_info_free(&info);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Does the file start like an x86-64 ELF?  (Cheap filter before elf_inspect_file.) */
static bool looks_like_elf(const char *path)
{
    unsigned char h[20];
    FILE *f = fopen(path, "re");
    size_t n = f != NULL ? fread(h, 1, sizeof(h), f) : 0;
    if (f != NULL)
        fclose(f);
    return n == sizeof(h) && memcmp(h, "\177ELF", 4) == 0 && h[4] == 2 && h[18] == 62 && h[19] == 0;
}

/* Lenient pass: libraries needed by the other ELF files already in the plan
 * (extension modules in Dirs, say), so dlopen() in the guest finds them too. */
static int scan_plan(struct closure *c)
{
    struct strvec hosts = { NULL, 0 };
    int r = 0;
    for (size_t i = 0; i < c->plan->n; i++) {
        const struct img_entry *e = &c->plan->e[i];
        if (e->kind == IMG_FILE && !strvec_contains(&c->work, e->host) && looks_like_elf(e->host))
            strvec_push(&hosts, e->host);
    }
    c->lenient = true;
    for (size_t i = 0; r == 0 && i < hosts.n; i++) {
        struct elf_info info;
        char why[200];
        if (elf_inspect_file(hosts.v[i], &info, why, sizeof(why)) < 0)
            continue;
        r = scan_object(c, hosts.v[i], &info);
        elf_info_free(&info);
        if (r == 0)
            r = drain(c);
    }
    if (c->missing > 0)
        warnmsg("%zu librar%s needed by files in the image not found, e.g. %s; "
                "loading those files will fail", c->missing, c->missing == 1 ? "y" : "ies",
                c->first_missing);
    strvec_free(&hosts);
    return r;
}

int deps_add(struct image_plan *plan, const char *prog, const struct elf_info *info,
             const char *ld_library_path, char *err, size_t errlen)
{
    struct closure c = { .plan = plan, .ld_library_path = ld_library_path, .err = err,
                         .errlen = errlen };
    int r = 0;
    if (info->has_interp) {
        if (!usable(info->interp)) {
            snprintf(err, errlen, "%s (interpreter of %s): not found or not an x86-64 ELF",
                     info->interp, prog);
            return -ENOENT;
        }
        r = add_object(&c, info->interp);
        const char *base = strrchr(info->interp, '/');
        strvec_push(&c.done, base != NULL ? base + 1 : info->interp);   /* ld.so knows itself */
    }
    if (r == 0 && read_file(LDCACHE_PATH, &c.cache, &c.cachelen) < 0)
        c.cache = NULL;
    if (info->runpath == NULL && info->rpath != NULL) {
        char *origin = dir_of(prog);
        c.exe_rpath = expand_dst(info->rpath, origin);
        free(origin);
    }
    if (r == 0)
        r = scan_object(&c, prog, info);
    if (r == 0)
        r = drain(&c);
    if (r == 0)
        r = scan_plan(&c);
    free(c.cache);
    free(c.first_missing);
    free(c.exe_rpath);
    strvec_free(&c.done);
    strvec_free(&c.work);
    return r;
}
