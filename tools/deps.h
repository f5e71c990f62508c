/*
 * deps.h - dependency closure of a dynamically linked program: the
 * interpreter (PT_INTERP) and every DT_NEEDED library, recursively, found the
 * way glibc's ld.so finds them (DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH with
 * $ORIGIN/$LIB/$PLATFORM, /etc/ld.so.cache, then the default directories).
 * Each object lands in the image at the path it was found under on the host,
 * so the guest's ld.so (which has no cache) finds it by the same search.
 * Libraries the host found only through its cache, outside the default
 * directories, also get a symlink in /usr/lib/x86_64-linux-gnu.
 * The other ELF files already in the plan (extension modules copied in with
 * Dirs, for instance) get their libraries too, so a later dlopen() works;
 * for those a missing library is one warning, not an error.
 */
#ifndef SOLO_TOOLS_DEPS_H
#define SOLO_TOOLS_DEPS_H

#include "elf.h"
#include "image.h"

/* Add the closure of program prog (host path as given, already inspected into
 * info) and of the plan's other ELF files to plan; ld_library_path may be NULL.  0, or -ENOENT with
 * "SONAME (needed by PATH): not found" in err, or another -errno. */
int deps_add(struct image_plan *plan, const char *prog, const struct elf_info *info,
             const char *ld_library_path, char *err, size_t errlen);

/* Look soname up in an ld.so.cache image (x86-64 libc6 entries only).
 * Returns a malloc'ed path or NULL.  Exposed for unit tests. */
char *ldcache_lookup(const void *cache, size_t len, const char *soname);

#endif
