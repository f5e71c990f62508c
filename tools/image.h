/*
 * image.h - building and opening TFS images on the host.
 *
 * Building is two steps.  First an image_plan is filled: the files, directories
 * and symlinks that go into the image (each with its guest path, normalized
 * and absolute), and the manifest (program, argv, environment, cwd, tty).
 * Then image_write sizes the volume (content plus slack, unless a size is
 * given), formats it and copies everything in, creating parent directories as
 * needed.  A guest path appears at most once in a plan: adding it again
 * replaces the earlier entry.
 *
 * image_open mounts an existing image file for `solo fs` and for updating the
 * manifest before a boot; image_resolve walks a guest path in it.
 */
#ifndef SOLO_TOOLS_IMAGE_H
#define SOLO_TOOLS_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "util.h"
#include "fs/tfs_format.h"

enum img_kind { IMG_FILE = 1, IMG_DIR = 2, IMG_SYMLINK = 3 };

struct img_entry {
    enum img_kind kind;
    char *guest;                   /* absolute normalized guest path */
    char *host;                    /* IMG_FILE: where the bytes come from */
    char *target;                  /* IMG_SYMLINK: link target */
    uint32_t mode;                 /* full st_mode (type and permission bits) */
    uint64_t size;                 /* IMG_FILE: bytes */
    uint64_t mtime_ns;
};

struct image_plan {
    struct img_entry *e;
    size_t n, cap;
    size_t *hash;                  /* open-addressing index: guest path -> entry + 1 */
    size_t hcap;
    char *program;                 /* manifest "program" (guest path) */
    struct strvec argv;            /* manifest "arguments" */
    struct strvec env;             /* manifest "environment", "NAME=VALUE" */
    char *cwd;                     /* manifest "cwd" */
    bool has_tty;
    uint64_t tty;                  /* manifest "tty" bitmask when has_tty */
    /* network (added by net): manifest "nameservers" (tuple "0".."n-1") and
     * "ipaddr"/"netmask"/"gateway" (NULL: not set) */
    struct strvec nameservers;
    char *ipaddr, *netmask, *gateway;
};

/* Add the host file host (symlinks followed) at guest path guest. 0 or -errno + err. */
int plan_add_file(struct image_plan *p, const char *host, const char *guest, char *err, size_t errlen);
/* Add a host directory tree at guest (symlinks inside are kept as symlinks). */
int plan_add_tree(struct image_plan *p, const char *host, const char *guest, char *err, size_t errlen);
/* Add an empty directory (parents are implicit). */
void plan_add_dir(struct image_plan *p, const char *guest, uint32_t mode, uint64_t mtime_ns);
/* Add a symlink guest -> target. */
void plan_add_symlink(struct image_plan *p, const char *guest, const char *target);
const struct img_entry *plan_find(const struct image_plan *p, const char *guest);
/* Volume size image_write picks when none is requested: content + slack, MiB aligned. */
uint64_t plan_auto_size(const struct image_plan *p);
/* Write the image to path (size 0 = automatic); durable fsyncs the result.
 * 0, or -errno with a message in err; a failed write leaves no file behind. */
int image_write(const struct image_plan *p, const char *path, uint64_t size, bool durable,
                char *err, size_t errlen);
void plan_free(struct image_plan *p);
/* When set (solo build --compress), image_write stores file data in
 * zlib-compressed extents where that saves space (addition, engineer "tfs2"). */
extern bool image_compress;

struct image {
    int fd;
    bool writable;
    struct tfs *fs;
    struct tfs_io io;
};

/* Mount an image file.  0, or -errno with the mount error (with byte offset) in err. */
int image_open(const char *path, bool writable, struct image *img, char *err, size_t errlen);
void image_close(struct image *img);
/* Object id of an absolute guest path (symlinks followed, the last one only when
 * follow_last); 0 when absent, -ELOOP/-ENOTDIR folded into 0 as well. */
uint64_t image_resolve(struct image *img, const char *path, bool follow_last);
/* Set the manifest's u64 key in an image file (logged and synced only when it
 * changes).  0, or -errno with the reason in err (image left untouched). */
int image_set_manifest_u64(const char *path, const char *key, uint64_t v, char *err, size_t errlen);
/* A struct heap over malloc/free for the shared pure code. */
struct heap *host_heap(void);

#endif
