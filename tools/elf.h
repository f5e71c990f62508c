/*
 * elf.h - ELF checks for the host tools: is this file a program solo can run
 * (a 64-bit little-endian x86-64 executable or shared object), is it
 * dynamically linked (PT_INTERP), and what does its dynamic section ask for
 * (DT_NEEDED, DT_RPATH, DT_RUNPATH).  The parser works on a memory buffer and
 * bounds-checks every offset against it, so malformed files produce an error
 * message, never a crash.
 */
#ifndef SOLO_TOOLS_ELF_H
#define SOLO_TOOLS_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include "util.h"

struct elf_info {
    unsigned type;                 /* ET_EXEC or ET_DYN */
    bool has_interp;               /* PT_INTERP present: dynamically linked */
    char *interp;                  /* its path (malloc'ed), NULL if none */
    bool has_dynamic;              /* PT_DYNAMIC present */
    struct strvec needed;          /* DT_NEEDED sonames, in order */
    char *rpath;                   /* DT_RPATH string or NULL */
    char *runpath;                 /* DT_RUNPATH string or NULL */
};

/* Inspect an in-memory ELF image.  0 on success; -ENOEXEC (8) when it is not
 * a usable x86-64 ELF, with a short reason in err ("not an ELF file",
 * "32-bit ELF", "ELF for AArch64", ...) that the caller prefixes with the path. */
int elf_inspect(const void *buf, size_t len, struct elf_info *info, char *err, size_t errlen);
/* Same for a file.  -errno from open/read (e.g. -ENOENT) with strerror in err. */
int elf_inspect_file(const char *path, struct elf_info *info, char *err, size_t errlen);
void elf_info_free(struct elf_info *info);

#endif
