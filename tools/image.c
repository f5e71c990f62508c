/*
 * image.c - image plans, the host-side mkfs, and mounting images on the host
 * (see image.h).  The TFS format code (fs/tfs_format.c) does all on-disk work;
 * this file only walks host files, decides guest paths and feeds the format
 * code through a struct tfs_io over a plain file descriptor.
 *
 * Invariant: every entry's guest path is absolute and normalized (guest_path),
 * and plan->hash indexes each entry exactly once.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "tfszlib.h"
#include "image.h"
#include "runtime/lib/parttab.h"

#define COPY_CHUNK (1u << 20)
#define MAX_SYMLINK_HOPS 16

/* ---------------------------------------------------------------- host heap */

static void *hh_alloc(struct heap *h, size_t n)
{
    (void)h;
    return malloc(n != 0 ? n : 1);
}

static void hh_free(struct heap *h, void *p, size_t n)
{
    (void)h;
    (void)n;
    free(p);
}

struct heap *host_heap(void)
{
    static struct heap h = { hh_alloc, hh_free };
    return &h;
}

/* ---------------------------------------------------------------- plan */

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL;
    while (*s != '\0')
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

/* Slot in the index holding guest (or the empty slot where it would go). */
static size_t *hash_slot(const struct image_plan *p, const char *guest)
{
    size_t i = hash_str(guest) & (p->hcap - 1);
    while (p->hash[i] != 0 && strcmp(p->e[p->hash[i] - 1].guest, guest) != 0)
        i = (i + 1) & (p->hcap - 1);
    return &p->hash[i];
}

/* Keep the index at most half full. */
static void hash_grow(struct image_plan *p)
{
    if (p->hcap != 0 && (p->n + 1) * 2 <= p->hcap)
        return;
    free(p->hash);
    p->hcap = p->hcap != 0 ? p->hcap * 2 : 64;
    p->hash = xcalloc(p->hcap, sizeof(*p->hash));
    for (size_t i = 0; i < p->n; i++)
        *hash_slot(p, p->e[i].guest) = i + 1;
}

const struct img_entry *plan_find(const struct image_plan *p, const char *guest)
{
    if (p->hcap == 0)
        return NULL;
    size_t idx = *hash_slot(p, guest);
    return idx != 0 ? &p->e[idx - 1] : NULL;
}

static void entry_clear(struct img_entry *e)
{
    free(e->guest);
    free(e->host);
    free(e->target);
    memset(e, 0, sizeof(*e));
}

/* Insert or replace the entry for e->guest; takes ownership of e's strings. */
static void plan_put(struct image_plan *p, struct img_entry *e)
{
    hash_grow(p);
    size_t *slot = hash_slot(p, e->guest);
    if (*slot != 0) {
        entry_clear(&p->e[*slot - 1]);
        p->e[*slot - 1] = *e;
        return;
    }
    if (p->n == p->cap) {
        p->cap = p->cap != 0 ? p->cap * 2 : 64;
        struct img_entry *ne = realloc(p->e, p->cap * sizeof(*ne));
        if (ne == NULL) {
            fputs("solo: out of memory\n", stderr);
            exit(SOLO_EXIT_FAILURE);
        }
        p->e = ne;
    }
    p->e[p->n] = *e;
    *slot = ++p->n;
}

/* Wall-clock time in ns since the epoch. */
static uint64_t w_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t mtime_ns(const struct stat *st)
{
    return (uint64_t)st->st_mtim.tv_sec * 1000000000ULL + (uint64_t)st->st_mtim.tv_nsec;
}

int plan_add_file(struct image_plan *p, const char *host, const char *guest, char *err, size_t errlen)
{
    struct stat st;
    if (stat(host, &st) < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", host, strerror(e));
        return -e;
    }
    if (S_ISDIR(st.st_mode))
        return plan_add_tree(p, host, guest, err, errlen);
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", host);
        return -EINVAL;
    }
    struct img_entry e = { IMG_FILE, guest_path(guest), xstrdup(host), NULL,
                           (uint32_t)st.st_mode, (uint64_t)st.st_size, mtime_ns(&st) };
    plan_put(p, &e);
    return 0;
}

void plan_add_dir(struct image_plan *p, const char *guest, uint32_t mode, uint64_t mtime)
{
    struct img_entry e = { IMG_DIR, guest_path(guest), NULL, NULL, S_IFDIR | (mode & 07777), 0, mtime };
    plan_put(p, &e);
}

void plan_add_symlink(struct image_plan *p, const char *guest, const char *target)
{
    struct img_entry e = { IMG_SYMLINK, guest_path(guest), NULL, xstrdup(target), S_IFLNK | 0777, 0, 0 };
    plan_put(p, &e);
}

/* Add one directory member found by plan_add_tree. */
static int add_member(struct image_plan *p, const char *host, const char *guest, char *err,
                      size_t errlen)
{
    struct stat st;
    if (lstat(host, &st) < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", host, strerror(e));
        return -e;
    }
    if (S_ISDIR(st.st_mode))
        return plan_add_tree(p, host, guest, err, errlen);
    if (S_ISREG(st.st_mode))
        return plan_add_file(p, host, guest, err, errlen);
    if (S_ISLNK(st.st_mode)) {
        char buf[4096];
        ssize_t n = readlink(host, buf, sizeof(buf) - 1);
        if (n < 0) {
            int e = errno;
            snprintf(err, errlen, "%s: %s", host, strerror(e));
            return -e;
        }
        buf[n] = '\0';
        plan_add_symlink(p, guest, buf);
        return 0;
    }
    warnmsg("%s: skipping special file (not a file, directory or symlink)", host);
    return 0;
}

int plan_add_tree(struct image_plan *p, const char *host, const char *guest, char *err, size_t errlen)
{
    struct dirent **names;
    struct stat st;
    int r = 0;
    if (stat(host, &st) < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", host, strerror(e));
        return -e;
    }
    if (!S_ISDIR(st.st_mode))
        return plan_add_file(p, host, guest, err, errlen);
    int n = scandir(host, &names, NULL, alphasort);
    if (n < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", host, strerror(e));
        return -e;
    }
    plan_add_dir(p, guest, st.st_mode, mtime_ns(&st));
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        if (r == 0 && strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0) {
            char *h = path_join(host, nm), *g = path_join(guest, nm);
            r = add_member(p, h, g, err, errlen);
            free(h);
            free(g);
        }
        free(names[i]);
    }
    free(names);
    return r;
}

uint64_t plan_auto_size(const struct image_plan *p)
{
    uint64_t data = 0, meta = 0;
    for (size_t i = 0; i < p->n; i++) {
        data += ALIGN_UP(p->e[i].size, TFS_BLOCK_SIZE);
        meta += 1024 + 2 * strlen(p->e[i].guest) + (p->e[i].size / (1u << 20)) * 64;
    }
    for (size_t i = 0; i < p->argv.n; i++)
        meta += 64 + strlen(p->argv.v[i]);
    for (size_t i = 0; i < p->env.n; i++)
        meta += 64 + strlen(p->env.v[i]);
    uint64_t total = data + data / 8 + 2 * meta + (32ULL << 20);
    return ALIGN_UP(total, 1ULL << 20);
}

void plan_free(struct image_plan *p)
{
    for (size_t i = 0; i < p->n; i++)
        entry_clear(&p->e[i]);
    free(p->e);
    free(p->hash);
    free(p->program);
    free(p->cwd);
    strvec_free(&p->argv);
    strvec_free(&p->env);
    strvec_free(&p->nameservers);
    free(p->ipaddr);
    free(p->netmask);
    free(p->gateway);
    memset(p, 0, sizeof(*p));
}

/* ---------------------------------------------------------------- tfs_io over a file */

struct fdio {
    int fd;
    bool durable;
    u64 base;                      /* byte offset of the volume: its partition on a disk image */
};

static int fd_read(void *ctx, u64 off, void *buf, u64 len)
{
    struct fdio *f = ctx;
    while (len > 0) {
        ssize_t r = pread(f->fd, buf, len, (off_t)(f->base + off));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? -errno : -EIO;
        buf = (char *)buf + r;
        off += (u64)r;
        len -= (u64)r;
    }
    return 0;
}

static int fd_write(void *ctx, u64 off, const void *buf, u64 len)
{
    struct fdio *f = ctx;
    while (len > 0) {
        ssize_t r = pwrite(f->fd, buf, len, (off_t)(f->base + off));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? -errno : -EIO;
        buf = (const char *)buf + r;
        off += (u64)r;
        len -= (u64)r;
    }
    return 0;
}

/* pt_read_fn over the whole file (f->base still 0). */
static int sector_read(void *ctx, u64 lba, void *buf, u32 count)
{
    return fd_read(ctx, lba * PT_SECTOR, buf, (u64)count * PT_SECTOR);
}

static int fd_flush(void *ctx)
{
    struct fdio *f = ctx;
    if (f->durable && fdatasync(f->fd) < 0)
        return -errno;
    return 0;
}

/* ---------------------------------------------------------------- writing */

struct writer {
    struct tfs *fs;
    char *err;
    size_t errlen;
    char *buf;                     /* COPY_CHUNK bytes */
};

/* A new object tuple with mode and mtime set. NULL on ENOMEM. */
static struct tuple *object_tuple(uint32_t mode, uint64_t mtime)
{
    struct tuple *t = tuple_new(host_heap());
    if (t == NULL)
        return NULL;
    if (tuple_set_u64(t, "mode", mode) < 0 || tuple_set_u64(t, "mtime", mtime) < 0 ||
        (S_ISREG(mode) && tuple_set_u64(t, "size", 0) < 0)) {
        tuple_free(t);
        return NULL;
    }
    return t;
}

/* Create an object from t (consumed) and link it as dir/name.  Id or 0 (err set). */
static u64 create_linked(struct writer *w, u64 dir, const char *name, struct tuple *t)
{
    u64 id = t != NULL ? tfs_create(w->fs, t) : 0;
    int r;
    if (id == 0) {
        snprintf(w->err, w->errlen, "cannot create %s in the image (out of space or memory)", name);
        return 0;
    }
    r = tfs_link(w->fs, dir, name, id);
    if (r < 0) {
        snprintf(w->err, w->errlen, "cannot link %s in the image: %s", name, strerror(-r));
        return 0;
    }
    return id;
}

/* Mode and mtime for a directory mkdir_p has to invent: those of the same
 * directory on the host when the entry keeps its host path (absolute paths),
 * else 0755 and the time of the build. */
static void implicit_dir_attrs(const struct img_entry *e, const char *path, size_t len,
                               uint32_t *mode, uint64_t *mtime)
{
    struct stat st;
    *mode = S_IFDIR | 0755;
    *mtime = w_now_ns();
    if (e->host == NULL || e->host[0] != '/' || strcmp(e->host, e->guest) != 0)
        return;
    char *hp = strndup(path, len);
    if (hp != NULL && stat(hp, &st) == 0 && S_ISDIR(st.st_mode)) {
        *mode = S_IFDIR | (st.st_mode & 07777);
        *mtime = mtime_ns(&st);
    }
    free(hp);
}

/* Id of the directory at guest path prefix [path, path+len) of entry e,
 * creating missing ones. */
static u64 mkdir_p(struct writer *w, const struct img_entry *e, const char *path, size_t len)
{
    u64 dir = TFS_ID_ROOT;
    size_t i = 0;
    while (i < len) {
        while (i < len && path[i] == '/')
            i++;
        size_t s = i;
        while (i < len && path[i] != '/')
            i++;
        if (i == s)
            break;
        u64 id = tfs_lookup(w->fs, dir, path + s, i - s);
        if (id == 0) {
            char *name = strndup(path + s, i - s);
            uint32_t mode;
            uint64_t mt;
            implicit_dir_attrs(e, path, i, &mode, &mt);
            id = name != NULL ? create_linked(w, dir, name, object_tuple(mode, mt)) : 0;
            free(name);
            if (id == 0)
                return 0;
        } else {
            struct tuple *t = tfs_get(w->fs, id);
            if (t == NULL || !S_ISDIR(tuple_get_u64(t, "mode", 0))) {
                snprintf(w->err, w->errlen, "%.*s: not a directory in the image", (int)i, path);
                return 0;
            }
        }
        dir = id;
    }
    return dir;
}

bool image_compress;

/* Copy the host file's bytes into object id, at most the size it had when
 * planned (so a file growing meanwhile, even the output image, cannot run on). */
static int copy_data(struct writer *w, const struct img_entry *e, u64 id)
{
    int fd = open(e->host, O_RDONLY | O_CLOEXEC);
    u64 off = 0;
    int r = 0;
    if (fd < 0) {
        r = -errno;
        snprintf(w->err, w->errlen, "%s: %s", e->host, strerror(-r));
        return r;
    }
    while (off < e->size) {
        ssize_t n = read(fd, w->buf, MIN((u64)COPY_CHUNK, e->size - off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = -errno;
            snprintf(w->err, w->errlen, "%s: %s", e->host, strerror(-r));
            break;
        }
        if (n == 0)
            break;
        long wr = image_compress ? tfs_write_compressed(w->fs, id, w->buf, (u64)n, off)
                                 : tfs_write(w->fs, id, w->buf, (u64)n, off);
        if (wr != n) {
            r = wr < 0 ? (int)wr : -EIO;
            snprintf(w->err, w->errlen, "writing %s into the image: %s%s", e->guest, strerror(-r),
                     r == -ENOSPC ? " (use --size to make the image larger)" : "");
            break;
        }
        off += (u64)n;
    }
    close(fd);
    return r;
}

/* Create one plan entry inside the image. */
static int write_entry(struct writer *w, const struct img_entry *e)
{
    const char *slash = strrchr(e->guest, '/');
    const char *name = slash + 1;
    if (*name == '\0') {                       /* the root itself */
        return tfs_set_u64(w->fs, TFS_ID_ROOT, "mode", S_IFDIR | (e->mode & 07777));
    }
    u64 dir = mkdir_p(w, e, e->guest, (size_t)(slash - e->guest));
    if (dir == 0)
        return -EIO;
    u64 old = tfs_lookup(w->fs, dir, name, strlen(name));
    if (old != 0 && e->kind == IMG_DIR) {      /* made by mkdir_p: just fix the mode */
        int r = tfs_set_u64(w->fs, old, "mode", e->mode);
        return r < 0 ? r : tfs_set_u64(w->fs, old, "mtime", e->mtime_ns);
    }
    if (old != 0) {
        snprintf(w->err, w->errlen, "%s: already exists in the image", e->guest);
        return -EEXIST;
    }
    struct tuple *t = object_tuple(e->mode, e->mtime_ns);
    if (t != NULL && e->kind == IMG_SYMLINK && tuple_set_str(t, "target", e->target) < 0) {
        tuple_free(t);
        t = NULL;
    }
    u64 id = create_linked(w, dir, name, t);
    if (id == 0)
        return -ENOSPC;
    return e->kind == IMG_FILE ? copy_data(w, e, id) : 0;
}

/* Compare entries so directories are created before anything inside them. */
static int entry_cmp(const void *a, const void *b)
{
    const struct img_entry *x = *(const struct img_entry *const *)a;
    const struct img_entry *y = *(const struct img_entry *const *)b;
    return strcmp(x->guest, y->guest);
}

/* Build the manifest's "arguments" and "environment" tuples. 0 or -ENOMEM. */
static int manifest_lists(const struct image_plan *p, struct tuple *args, struct tuple *env)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < p->argv.n; i++) {
        char key[24];
        snprintf(key, sizeof(key), "%zu", i);
        r = tuple_set_str(args, key, p->argv.v[i]);
    }
    for (size_t i = 0; r == 0 && i < p->env.n; i++) {
        const char *eq = strchr(p->env.v[i], '=');
        if (eq != NULL)
            r = tuple_set_bytesn(env, p->env.v[i], (size_t)(eq - p->env.v[i]), eq + 1, strlen(eq + 1));
    }
    return r;
}

/* The network keys of the manifest (added by net): "nameservers" as a tuple
 * of addresses, and a static "ipaddr"/"netmask"/"gateway".  0 or -errno. */
static int write_manifest_net(struct writer *w, const struct image_plan *p)
{
    const char *keys[3] = { "ipaddr", "netmask", "gateway" };
    const char *vals[3] = { p->ipaddr, p->netmask, p->gateway };
    int r = 0;
    for (int i = 0; r == 0 && i < 3; i++)
        if (vals[i] != NULL)
            r = tfs_set_bytes(w->fs, TFS_ID_MANIFEST, keys[i], vals[i], strlen(vals[i]));
    if (r != 0 || p->nameservers.n == 0)
        return r;
    struct tuple *ns = tuple_new(host_heap());
    if (ns == NULL)
        return -ENOMEM;
    for (size_t i = 0; r == 0 && i < p->nameservers.n; i++) {
        char key[24];
        snprintf(key, sizeof(key), "%zu", i);
        r = tuple_set_str(ns, key, p->nameservers.v[i]);
    }
    if (r == 0)
        r = tfs_set_tuple(w->fs, TFS_ID_MANIFEST, "nameservers", ns);
    tuple_free(ns);
    return r;
}

/* Fill the manifest: program, arguments, environment, cwd, tty. */
static int write_manifest(struct writer *w, const struct image_plan *p)
{
    struct tuple *args = tuple_new(host_heap()), *env = tuple_new(host_heap());
    const char *cwd = p->cwd != NULL ? p->cwd : "/";
    int r = args != NULL && env != NULL ? manifest_lists(p, args, env) : -ENOMEM;
    if (r == 0)
        r = tfs_set_tuple(w->fs, TFS_ID_MANIFEST, "arguments", args);
    if (r == 0)
        r = tfs_set_tuple(w->fs, TFS_ID_MANIFEST, "environment", env);
    if (r == 0)
        r = tfs_set_bytes(w->fs, TFS_ID_MANIFEST, "program", p->program, strlen(p->program));
    if (r == 0)
        r = tfs_set_bytes(w->fs, TFS_ID_MANIFEST, "cwd", cwd, strlen(cwd));
    if (r == 0 && p->has_tty)
        r = tfs_set_u64(w->fs, TFS_ID_MANIFEST, "tty", p->tty);
    if (r == 0)
        r = write_manifest_net(w, p);
    if (r < 0)
        snprintf(w->err, w->errlen, "cannot write the manifest: %s", strerror(-r));
    if (args != NULL)
        tuple_free(args);
    if (env != NULL)
        tuple_free(env);
    return r;
}

/* Format the volume on fd and copy the whole plan in. */
static int write_all(struct writer *w, const struct image_plan *p, const struct tfs_io *io)
{
    int r = tfs_format(host_heap(), io, &w->fs);
    if (r < 0) {
        snprintf(w->err, w->errlen, "cannot format the image: %s", strerror(-r));
        return r;
    }
    r = tfs_set_u64(w->fs, TFS_ID_ROOT, "mtime", w_now_ns());
    const struct img_entry **order = xcalloc(p->n, sizeof(*order));
    for (size_t i = 0; i < p->n; i++)
        order[i] = &p->e[i];
    qsort(order, p->n, sizeof(*order), entry_cmp);
    for (size_t i = 0; r == 0 && i < p->n; i++) {
        r = write_entry(w, order[i]);
        if (r < 0 && w->err[0] == '\0')
            snprintf(w->err, w->errlen, "%s: cannot add to the image: %s", order[i]->guest,
                     strerror(-r));
    }
    free(order);
    if (r == 0)
        r = write_manifest(w, p);
    if (r == 0 && (r = tfs_sync(w->fs)) < 0)
        snprintf(w->err, w->errlen, "cannot sync the image: %s", strerror(-r));
    tfs_close(w->fs);
    return r;
}

int image_write(const struct image_plan *p, const char *path, uint64_t size, bool durable,
                char *err, size_t errlen)
{
    struct writer w = { NULL, err, errlen, NULL };
    struct fdio f = { -1, durable, 0 };
    int r;
    err[0] = '\0';
    if (size == 0)
        size = plan_auto_size(p);
    f.fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f.fd < 0) {
        r = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(-r));
        return r;
    }
    if (ftruncate(f.fd, (off_t)size) < 0) {
        r = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(-r));
        goto out;
    }
    struct tfs_io io = { &f, fd_read, fd_write, fd_flush, size, tfs_host_inflate, tfs_host_deflate };
    w.buf = xmalloc(COPY_CHUNK);
    r = write_all(&w, p, &io);
    free(w.buf);
out:
    close(f.fd);
    if (r < 0)
        unlink(path);
    return r;
}

/* ---------------------------------------------------------------- reading */

int image_open(const char *path, bool writable, struct image *img, char *err, size_t errlen)
{
    struct stat st;
    struct fdio *f = xcalloc(1, sizeof(*f));
    int r;
    memset(img, 0, sizeof(*img));
    f->fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (f->fd < 0 || fstat(f->fd, &st) < 0) {
        r = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(-r));
        goto bad;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        snprintf(err, errlen, "%s: not an image file", path);
        r = -EINVAL;
        goto bad;
    }
    f->durable = writable;
    img->fd = f->fd;
    img->writable = writable;
    /* A disk image (solo build --boot): the volume is its solo TFS partition. */
    u64 vsize = (u64)st.st_size;
    struct pt_part pp;
    r = pt_find_solo(sector_read, f, vsize / PT_SECTOR, &pp);
    if (r < 0) {
        snprintf(err, errlen, "%s: bad partition table: %s", path, strerror(-r));
        goto bad;
    }
    if (r > 0) {
        f->base = pp.start * PT_SECTOR;
        vsize = pp.count * PT_SECTOR;
    }
    img->io = (struct tfs_io){ f, fd_read, fd_write, fd_flush, vsize, tfs_host_inflate, tfs_host_deflate };
    char why[200] = "";
    r = tfs_open(host_heap(), &img->io, &img->fs, why, sizeof(why));
    if (r < 0) {
        snprintf(err, errlen, "%s: not a valid solo image: %s", path, why[0] != '\0' ? why : strerror(-r));
        goto bad;
    }
    return 0;
bad:
    if (f->fd >= 0)
        close(f->fd);
    free(f);
    memset(img, 0, sizeof(*img));
    return r;
}

void image_close(struct image *img)
{
    if (img->fs != NULL)
        tfs_close(img->fs);
    if (img->io.ctx != NULL) {
        close(((struct fdio *)img->io.ctx)->fd);
        free(img->io.ctx);
    }
    memset(img, 0, sizeof(*img));
}

int image_set_manifest_u64(const char *path, const char *key, uint64_t v, char *err, size_t errlen)
{
    struct image img;
    int r = image_open(path, true, &img, err, errlen);
    if (r < 0)
        return r;
    const struct value *old = tuple_get(tfs_manifest(img.fs), key);
    if (old == NULL || old->kind != VALUE_U64 || old->u.n != v) {
        r = tfs_set_u64(img.fs, TFS_ID_MANIFEST, key, v);
        if (r == 0)
            r = tfs_sync(img.fs);
        if (r < 0)
            snprintf(err, errlen, "%s: cannot update the manifest: %s", path, strerror(-r));
    }
    image_close(&img);
    return r;
}

#define MAX_DEPTH 256

struct walk {
    u64 stack[MAX_DEPTH];          /* stack[0] is the root; stack[depth] the current dir */
    int depth, hops;
};

static bool is_dir(struct image *img, u64 id)
{
    struct tuple *t = tfs_get(img->fs, id);
    return t != NULL && S_ISDIR(tuple_get_u64(t, "mode", 0));
}

/* Walk path from the walker's current directory, following symlinks; on
 * success the final object is pushed on the stack.  false when absent. */
static bool walk_path(struct image *img, struct walk *w, const char *path, bool follow_last)
{
    const char *p = path;
    if (*p == '/')
        w->depth = 0;
    for (;;) {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e != '\0' && *e != '/')
            e++;
        if (e == p)
            return true;
        size_t len = (size_t)(e - p);
        bool last = e[strspn(e, "/")] == '\0';
        if (!is_dir(img, w->stack[w->depth]))
            return false;
        if (len == 1 && p[0] == '.') {
            p = e;
            continue;
        }
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (w->depth > 0)
                w->depth--;
            p = e;
            continue;
        }
        u64 next = tfs_lookup(img->fs, w->stack[w->depth], p, len);
        struct tuple *nt = next != 0 ? tfs_get(img->fs, next) : NULL;
        if (nt == NULL || w->depth + 1 >= MAX_DEPTH)
            return false;
        if (S_ISLNK(tuple_get_u64(nt, "mode", 0)) && (!last || follow_last)) {
            const char *target = tuple_get_str(nt, "target");
            if (target == NULL || ++w->hops > MAX_SYMLINK_HOPS)
                return false;
            if (!walk_path(img, w, target, true))
                return false;
        } else {
            w->stack[++w->depth] = next;
        }
        p = e;
    }
}

uint64_t image_resolve(struct image *img, const char *path, bool follow_last)
{
    struct walk *w = xcalloc(1, sizeof(*w));
    w->stack[0] = TFS_ID_ROOT;
    u64 id = walk_path(img, w, path, follow_last) ? w->stack[w->depth] : 0;
    free(w);
    return id;
}
