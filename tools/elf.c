/*
 * elf.c - ELF header, program header and dynamic section inspection for the
 * host tools (see elf.h).  Only facts the CLI needs are extracted; every
 * offset read from the file is checked against the buffer length before use.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "elf.h"

/* A readable name for e_machine values people are likely to hit. */
static const char *machine_name(unsigned m)
{
    switch (m) {
    case EM_386: return "i386";
    case EM_ARM: return "32-bit ARM";
    case EM_AARCH64: return "AArch64";
    case EM_RISCV: return "RISC-V";
    case EM_PPC64: return "PowerPC64";
    case EM_PPC: return "PowerPC";
    case EM_S390: return "s390x";
    case EM_MIPS: return "MIPS";
    case EM_SPARCV9: return "SPARC64";
    case EM_LOONGARCH: return "LoongArch";
    default: return NULL;
    }
}

/* True when [off, off+n) lies inside a buffer of len bytes. */
static bool in_bounds(size_t len, uint64_t off, uint64_t n)
{
    return off <= len && n <= len - off;
}

/* Check the ELF identification and header; fills info->type. */
static int check_header(const unsigned char *b, size_t len, struct elf_info *info,
                        char *err, size_t errlen)
{
    const Elf64_Ehdr *eh = (const void *)b;
    if (len < EI_NIDENT || memcmp(b, ELFMAG, SELFMAG) != 0) {
        snprintf(err, errlen, "not an ELF executable");
        return -ENOEXEC;
    }
    if (b[EI_CLASS] != ELFCLASS64) {
        snprintf(err, errlen, "%s ELF: solo runs 64-bit x86-64 programs only",
                 b[EI_CLASS] == ELFCLASS32 ? "32-bit" : "unknown-class");
        return -ENOEXEC;
    }
    if (len < sizeof(*eh)) {
        snprintf(err, errlen, "truncated ELF header");
        return -ENOEXEC;
    }
    if (b[EI_DATA] != ELFDATA2LSB) {
        snprintf(err, errlen, "big-endian ELF: solo runs x86-64 programs only");
        return -ENOEXEC;
    }
    if (eh->e_machine != EM_X86_64) {
        const char *m = machine_name(eh->e_machine);
        if (m != NULL)
            snprintf(err, errlen, "ELF for %s: solo runs x86-64 programs only", m);
        else
            snprintf(err, errlen, "ELF for machine %u: solo runs x86-64 programs only",
                     eh->e_machine);
        return -ENOEXEC;
    }
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) {
        snprintf(err, errlen, "not an executable (ELF %s)",
                 eh->e_type == ET_REL ? "relocatable object" :
                 eh->e_type == ET_CORE ? "core dump" : "of unknown type");
        return -ENOEXEC;
    }
    info->type = eh->e_type;
    return 0;
}

/* Translate a virtual address to a file offset through the PT_LOAD segments. */
static bool vaddr_to_off(const Elf64_Phdr *ph, unsigned n, uint64_t va, uint64_t *off)
{
    for (unsigned i = 0; i < n; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        if (va >= ph[i].p_vaddr && va - ph[i].p_vaddr < ph[i].p_filesz) {
            *off = ph[i].p_offset + (va - ph[i].p_vaddr);
            return true;
        }
    }
    return false;
}

/* String at index i of a string table [stroff, stroff+strsz), or NULL if out of bounds. */
static char *dyn_string(const unsigned char *b, size_t len, uint64_t stroff, uint64_t strsz,
                        uint64_t i)
{
    if (i >= strsz || !in_bounds(len, stroff, strsz))
        return NULL;
    const char *s = (const char *)b + stroff + i;
    size_t max = strsz - i;
    size_t n = strnlen(s, max);
    if (n == max)
        return NULL;
    return xstrdup(s);
}

/* Collect DT_NEEDED / DT_RPATH / DT_RUNPATH from the dynamic segment. */
static int read_dynamic(const unsigned char *b, size_t len, const Elf64_Phdr *ph, unsigned n,
                        const Elf64_Phdr *dp, struct elf_info *info, char *err, size_t errlen)
{
    const Elf64_Dyn *d = (const void *)(b + dp->p_offset);
    size_t nd = dp->p_filesz / sizeof(*d);
    uint64_t strtab = 0, strsz = 0, stroff;
    for (size_t i = 0; i < nd && d[i].d_tag != DT_NULL; i++) {
        if (d[i].d_tag == DT_STRTAB)
            strtab = d[i].d_un.d_ptr;
        else if (d[i].d_tag == DT_STRSZ)
            strsz = d[i].d_un.d_val;
    }
    if (strtab == 0)
        return 0;
    if (!vaddr_to_off(ph, n, strtab, &stroff) || !in_bounds(len, stroff, strsz)) {
        snprintf(err, errlen, "malformed ELF (dynamic string table out of bounds)");
        return -ENOEXEC;
    }
    for (size_t i = 0; i < nd && d[i].d_tag != DT_NULL; i++) {
        Elf64_Sxword tag = d[i].d_tag;
        if (tag != DT_NEEDED && tag != DT_RPATH && tag != DT_RUNPATH)
            continue;
        char *s = dyn_string(b, len, stroff, strsz, d[i].d_un.d_val);
        if (s == NULL) {
            snprintf(err, errlen, "malformed ELF (bad dynamic string offset)");
            return -ENOEXEC;
        }
        if (tag == DT_NEEDED) {
            strvec_push(&info->needed, s);
            free(s);
        } else if (tag == DT_RPATH) {
            free(info->rpath);
            info->rpath = s;
        } else {
            free(info->runpath);
            info->runpath = s;
        }
    }
    return 0;
}

/* Walk the program headers: PT_INTERP and PT_DYNAMIC. */
static int read_phdrs(const unsigned char *b, size_t len, struct elf_info *info,
                      char *err, size_t errlen)
{
    const Elf64_Ehdr *eh = (const void *)b;
    const Elf64_Phdr *ph, *dyn = NULL;
    unsigned n = eh->e_phnum;
    if (n == 0 || eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff % 8 != 0 ||
        !in_bounds(len, eh->e_phoff, (uint64_t)n * sizeof(Elf64_Phdr))) {
        snprintf(err, errlen, "malformed ELF (program headers missing or out of bounds)");
        return -ENOEXEC;
    }
    ph = (const void *)(b + eh->e_phoff);
    for (unsigned i = 0; i < n; i++) {
        if (ph[i].p_type == PT_INTERP) {
            if (!in_bounds(len, ph[i].p_offset, ph[i].p_filesz) || ph[i].p_filesz == 0 ||
                b[ph[i].p_offset + ph[i].p_filesz - 1] != '\0') {
                snprintf(err, errlen, "malformed ELF (bad PT_INTERP)");
                return -ENOEXEC;
            }
            info->has_interp = true;
            free(info->interp);
            info->interp = xstrdup((const char *)b + ph[i].p_offset);
        } else if (ph[i].p_type == PT_DYNAMIC) {
            if (!in_bounds(len, ph[i].p_offset, ph[i].p_filesz) || ph[i].p_offset % 8 != 0) {
                snprintf(err, errlen, "malformed ELF (bad PT_DYNAMIC)");
                return -ENOEXEC;
            }
            dyn = &ph[i];
        }
    }
    if (dyn == NULL)
        return 0;
    info->has_dynamic = true;
    return read_dynamic(b, len, ph, n, dyn, info, err, errlen);
}

int elf_inspect(const void *buf, size_t len, struct elf_info *info, char *err, size_t errlen)
{
    /* The parser reads headers in place; their offsets are checked to be
     * 8-aligned within the image, so the image itself must be too (mmap'd
     * files are).  Any other buffer is copied to aligned memory first. */
    void *copy = NULL;
    if ((uintptr_t)buf % 8 != 0) {
        copy = xmalloc(len ? len : 1);
        memcpy(copy, buf, len);
        buf = copy;
    }
    memset(info, 0, sizeof(*info));
    int r = check_header(buf, len, info, err, errlen);
    if (r == 0)
        r = read_phdrs(buf, len, info, err, errlen);
    free(copy);
    if (r < 0)
        elf_info_free(info);
    return r;
}

int elf_inspect_file(const char *path, struct elf_info *info, char *err, size_t errlen)
{
    struct stat st;
    int r;
    memset(info, 0, sizeof(*info));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        r = -errno;
        snprintf(err, errlen, "%s", strerror(-r));
        if (fd >= 0)
            close(fd);
        return r;
    }
    if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
        close(fd);
        return S_ISDIR(st.st_mode) ? -EISDIR : -ENOEXEC;
    }
    if (st.st_size == 0) {
        snprintf(err, errlen, "not an ELF executable (empty file)");
        close(fd);
        return -ENOEXEC;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        int e = errno;
        snprintf(err, errlen, "%s", strerror(e));
        return -e;
    }
    r = elf_inspect(m, (size_t)st.st_size, info, err, errlen);
    munmap(m, (size_t)st.st_size);
    return r;
}

void elf_info_free(struct elf_info *info)
{
    free(info->interp);
    free(info->rpath);
    free(info->runpath);
    strvec_free(&info->needed);
    memset(info, 0, sizeof(*info));
}
