/*
 * elf.h - the parts of the ELF-64 format (System V gABI, x86-64 psABI) the
 * loader reads, and the auxiliary-vector tags it writes on the initial
 * stack.  Values are the standard ones; names follow the specification.
 */
#ifndef SOLO_LOADER_ELF_H
#define SOLO_LOADER_ELF_H

#include "runtime/kernel.h"

#define EI_NIDENT   16
#define EI_CLASS    4
#define EI_DATA     5
#define EI_VERSION  6
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1
#define ET_EXEC     2
#define ET_DYN      3
#define EM_X86_64   62

#define PT_LOAD      1
#define PT_DYNAMIC   2
#define PT_INTERP    3
#define PT_PHDR      6
#define PT_GNU_STACK 0x6474e551

#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf64_ehdr {
    u8 e_ident[EI_NIDENT];
    u16 e_type, e_machine;
    u32 e_version;
    u64 e_entry, e_phoff, e_shoff;
    u32 e_flags;
    u16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
    u32 p_type, p_flags;
    u64 p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

/* Auxiliary vector tags (Linux x86-64). */
#define AT_NULL          0
#define AT_PHDR          3
#define AT_PHENT         4
#define AT_PHNUM         5
#define AT_PAGESZ        6
#define AT_BASE          7
#define AT_FLAGS         8
#define AT_ENTRY         9
#define AT_UID           11
#define AT_EUID          12
#define AT_GID           13
#define AT_EGID          14
#define AT_PLATFORM      15
#define AT_HWCAP         16
#define AT_CLKTCK        17
#define AT_SECURE        23
#define AT_RANDOM        25
#define AT_HWCAP2        26
#define AT_EXECFN        31
#define AT_SYSINFO_EHDR  33
#define AT_MINSIGSTKSZ   51

/* Load the program at path and build its initial stack (argc, argv, envp,
 * auxv) for entry at *entry with stack pointer *sp.  Sets up the address
 * space (vm_init) on first use.  0, or -ENOENT/-EACCES/-ENOEXEC/-E2BIG/-ENOMEM. */
int loader_exec(const char *path, int argc, char *const argv[], char *const envp[], u64 *entry, u64 *sp);

#endif
