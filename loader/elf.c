/*
 * elf.c - the ELF loader: maps the program (static, static-pie or dynamic)
 * and its interpreter into the user address space and builds the initial
 * stack the way Linux's binfmt_elf does, so the C library's start-up code
 * finds what it expects.
 *
 * Layout: ET_EXEC programs go at their link addresses; ET_DYN programs
 * (PIE, static-pie, ld.so run directly) at VM_ET_DYN_BASE; the PT_INTERP
 * interpreter at the top of the mmap area (top-down, below the vDSO).  Each
 * PT_LOAD becomes a private file region over its page-rounded file range
 * (bytes past p_filesz read as zero) plus an anonymous region for the rest
 * of p_memsz.  The break starts at the first page after the program.
 *
 * The stack reservation is RLIMIT_STACK (8 MiB by default) at exec time.
 * Initial stack, from the top down (as Linux): 8 zero bytes, the exec file
 * name, the environment strings, the argument strings, "x86_64", 16 random
 * bytes, then (16-byte aligned at sp) argc, argv[], NULL, envp[], NULL and
 * the auxiliary vector ending in AT_NULL.
 *
 * Headers are checked strictly before anything is mapped: a file that is
 * not a well-formed 64-bit little-endian x86-64 executable gives -ENOEXEC
 * and a kernel-log line naming the reason.
 */
#include "elf.h"
#include "runtime/mm/vm.h"
#include "runtime/x86_64/cpu.h"
#include "syscalls/syscalls.h"
#include "syscalls/misc.h"
#include "fs/vfs.h"

#define PHDRS_MAX_BYTES PAGE_SIZE      /* as Linux: all program headers within one page */
#define INTERP_MAX 4096                /* PATH_MAX */
#define STACK_EXTRA (128UL << 10)      /* initial stack room beyond the arguments */
#define NAUX 21                        /* auxv entries we write, AT_NULL included */

extern u64 vdso_base;

struct elf_image {
    struct elf64_ehdr eh;
    struct elf64_phdr *ph;             /* e_phnum headers (kmalloc) */
    u64 bias;                          /* added to every p_vaddr */
    u64 lo, hi;                        /* page-rounded span of the PT_LOADs, unbiased */
    u64 phdr_vaddr;                    /* unbiased address of the headers in memory, or 0 */
    char *interp;                      /* PT_INTERP path (kmalloc), or NULL */
    bool exec_stack;                   /* PT_GNU_STACK with PF_X */
};

static int noexec(const char *path, const char *why)
{
    klog("loader: %s: %s", path, why);
    return -ENOEXEC;
}

/* Read exactly n bytes at off: 0, a read error, or -ENOEXEC when the file is short. */
static int read_exact(struct file *f, const char *path, void *buf, size_t n, u64 off)
{
    long got = file_pread(f, buf, n, off);
    if (got < 0)
        return (int)got;
    return (size_t)got == n ? 0 : noexec(path, "file is truncated");
}

static int check_ehdr(const char *path, const struct elf64_ehdr *eh, u64 fsize)
{
    if (memcmp(eh->e_ident, "\177ELF", 4) != 0)
        return noexec(path, "not an ELF file");
    if (eh->e_ident[EI_CLASS] != ELFCLASS64)
        return noexec(path, "not a 64-bit ELF file");
    if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return noexec(path, "not a little-endian ELF file");
    if (eh->e_machine != EM_X86_64)
        return noexec(path, "not an x86-64 program");
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
        return noexec(path, "not an executable or shared object");
    if (eh->e_phentsize != sizeof(struct elf64_phdr))
        return noexec(path, "bad program header entry size");
    if (eh->e_phnum == 0 || eh->e_phnum * sizeof(struct elf64_phdr) > PHDRS_MAX_BYTES)
        return noexec(path, "bad program header count");
    if (eh->e_phoff > fsize || fsize - eh->e_phoff < eh->e_phnum * sizeof(struct elf64_phdr))
        return noexec(path, "program headers lie outside the file");
    return 0;
}

static int check_load(const char *path, const struct elf64_phdr *ph, u64 fsize)
{
    if (ph->p_filesz > ph->p_memsz)
        return noexec(path, "segment file size exceeds its memory size");
    if (ph->p_offset > fsize || fsize - ph->p_offset < ph->p_filesz)
        return noexec(path, "segment lies outside the file");
    if ((ph->p_vaddr - ph->p_offset) % PAGE_SIZE != 0)
        return noexec(path, "segment address and file offset disagree modulo the page size");
    if (ph->p_vaddr >= USER_TOP || USER_TOP - ph->p_vaddr < ph->p_memsz)
        return noexec(path, "segment lies outside user space");
    return 0;
}

/* Read the PT_INTERP path of img (header ph). */
static int read_interp(struct file *f, const char *path, const struct elf64_phdr *ph,
                       struct elf_image *img)
{
    if (img->interp != NULL)
        return noexec(path, "more than one PT_INTERP");
    if (ph->p_filesz < 2 || ph->p_filesz > INTERP_MAX || ph->p_offset > ph->p_offset + ph->p_filesz)
        return noexec(path, "bad PT_INTERP size");
    img->interp = kmalloc(ph->p_filesz);
    if (img->interp == NULL)
        return -ENOMEM;
    int e = read_exact(f, path, img->interp, ph->p_filesz, ph->p_offset);
    if (e == 0 && img->interp[ph->p_filesz - 1] != '\0')
        e = noexec(path, "PT_INTERP path is not NUL-terminated");
    return e;
}

/* Check every program header and note the span, stack and interpreter. */
static int scan_phdrs(struct file *f, const char *path, struct elf_image *img, u64 fsize, bool interp)
{
    int nload = 0;
    img->lo = ~0UL;
    img->hi = 0;
    for (int i = 0; i < img->eh.e_phnum; i++) {
        const struct elf64_phdr *ph = &img->ph[i];
        int e = 0;
        if (ph->p_type == PT_LOAD && ph->p_memsz != 0) {
            if ((e = check_load(path, ph, fsize)) < 0)
                return e;
            img->lo = MIN(img->lo, ALIGN_DOWN(ph->p_vaddr, PAGE_SIZE));
            img->hi = MAX(img->hi, ALIGN_UP(ph->p_vaddr + ph->p_memsz, PAGE_SIZE));
            nload++;
        } else if (ph->p_type == PT_INTERP && !interp) {
            e = read_interp(f, path, ph, img);
        } else if (ph->p_type == PT_GNU_STACK) {
            img->exec_stack = (ph->p_flags & PF_X) != 0;
        } else if (ph->p_type == PT_PHDR) {
            img->phdr_vaddr = ph->p_vaddr;
        }
        if (e < 0)
            return e;
    }
    return nload > 0 ? 0 : noexec(path, "no loadable segments");
}

/* The in-memory address of the program headers when there is no PT_PHDR:
 * inside the PT_LOAD whose file range holds them. */
static void find_phdrs(struct elf_image *img)
{
    u64 off = img->eh.e_phoff, len = img->eh.e_phnum * sizeof(struct elf64_phdr);
    for (int i = 0; img->phdr_vaddr == 0 && i < img->eh.e_phnum; i++) {
        const struct elf64_phdr *ph = &img->ph[i];
        if (ph->p_type == PT_LOAD && off >= ph->p_offset && off + len <= ph->p_offset + ph->p_filesz)
            img->phdr_vaddr = ph->p_vaddr + (off - ph->p_offset);
    }
}

static int read_headers(struct file *f, const char *path, u64 fsize, struct elf_image *img, bool interp)
{
    if (fsize < sizeof(img->eh))
        return noexec(path, "too short for an ELF header");
    int e = read_exact(f, path, &img->eh, sizeof(img->eh), 0);
    if (e == 0)
        e = check_ehdr(path, &img->eh, fsize);
    if (e < 0)
        return e;
    size_t n = img->eh.e_phnum * sizeof(struct elf64_phdr);
    img->ph = kmalloc(n);
    if (img->ph == NULL)
        return -ENOMEM;
    e = read_exact(f, path, img->ph, n, img->eh.e_phoff);
    if (e == 0)
        e = scan_phdrs(f, path, img, fsize, interp);
    if (e == 0)
        find_phdrs(img);
    return e;
}

/* Choose the load bias: none for ET_EXEC, VM_ET_DYN_BASE for an ET_DYN
 * program, the top of the mmap area for the interpreter. */
static int place(const char *path, struct elf_image *img, bool interp)
{
    u64 span = img->hi - img->lo;
    if (img->eh.e_type == ET_EXEC) {
        img->bias = 0;
        return img->lo >= VM_MIN_ADDR ? 0 : noexec(path, "segments below the lowest user address");
    }
    if (!interp) {
        if (span > VM_MMAP_BASE - VM_ET_DYN_BASE)
            return -ENOMEM;
        img->bias = VM_ET_DYN_BASE - img->lo;
        return 0;
    }
    long at = vm_find_free(0, span);
    if (at < 0)
        return (int)at;
    img->bias = (u64)at - img->lo;
    return 0;
}

static u32 seg_prot(u32 pf)
{
    return ((pf & PF_R) != 0 ? PROT_READ : 0) | ((pf & PF_W) != 0 ? PROT_WRITE : 0) |
           ((pf & PF_X) != 0 ? PROT_EXEC : 0);
}

/* Map one PT_LOAD: the file pages, then zero-fill up to p_memsz. */
static int map_segment(struct file *f, const char *path, const struct elf_image *img,
                       const struct elf64_phdr *ph)
{
    u64 va = img->bias + ph->p_vaddr;
    u64 start = ALIGN_DOWN(va, PAGE_SIZE);
    u64 file_end = ph->p_filesz != 0 ? ALIGN_UP(va + ph->p_filesz, PAGE_SIZE) : start;
    u64 mem_end = ALIGN_UP(va + ph->p_memsz, PAGE_SIZE);
    struct vm_map_args a = { seg_prot(ph->p_flags), 0, VM_FILE, f,
                             ALIGN_DOWN(ph->p_offset, PAGE_SIZE), ph->p_offset + ph->p_filesz, path };
    int e = 0;
    if (file_end > start)
        e = vm_map(start, file_end - start, &a);
    if (e == 0 && mem_end > file_end) {
        a.kind = VM_ANON;
        a.file = NULL;
        a.offset = a.file_limit = 0;
        a.name = NULL;
        e = vm_map(file_end, mem_end - file_end, &a);
    }
    return e;
}

static int map_image(struct file *f, const char *path, const struct elf_image *img)
{
    for (int i = 0; i < img->eh.e_phnum; i++) {
        const struct elf64_phdr *ph = &img->ph[i];
        int e = ph->p_type == PT_LOAD && ph->p_memsz != 0 ? map_segment(f, path, img, ph) : 0;
        if (e < 0) {
            vm_unmap(img->bias + img->lo, img->hi - img->lo);
            return e;
        }
    }
    return 0;
}

/* The /proc/self/maps name of the file: its canonical path when the VFS
 * can tell (symlinks such as /lib64/ld-linux-x86-64.so.2 resolved), else
 * the path it was opened by. */
static const char *map_name(struct file *f, const char *path)
{
    const char *canon = file_path(f);
    return canon != NULL ? canon : path;
}

/* Open, check, place and map the ELF file at path. */
static int load_file(const char *path, struct elf_image *img, bool interp)
{
    struct file *f;
    int e = vfs_open(path, 0, 0, &f);
    if (e < 0)
        return e;
    long size = file_size(f);
    e = size < 0 ? -EACCES : read_headers(f, path, (u64)size, img, interp);
    if (e == 0)
        e = place(path, img, interp);
    if (e == 0)
        e = map_image(f, map_name(f, path), img);
    file_put(f);
    return e;
}

/* ------------------------------------------------------------ the stack */

static size_t strings_bytes(char *const v[], int n)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += strlen(v[i]) + 1;
    return total;
}

/* Copy the n strings of v to user memory at *at (advancing it), their
 * user addresses into ptrs[]. */
static int put_strings(char *const v[], int n, u64 *at, u64 *ptrs)
{
    for (int i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        if (copy_to_user((void *)*at, v[i], len) < 0)
            return -EFAULT;
        ptrs[i] = *at;
        *at += len;
    }
    return 0;
}

/* AT_MINSIGSTKSZ as Linux computes it: siginfo + ucontext, the XSAVE area
 * with its trailing magic, and alignment padding, rounded to 16. */
static u64 min_sigstack(void)
{
    return ALIGN_UP(128 + 304 + 15 + (u64)xsave_size() + 4 + 63, 16);
}

struct stack_info {
    const struct elf_image *prog;
    u64 interp_base, u_random, u_platform, u_execfn;
};

/* Fill the auxiliary vector; returns the number of u64 words written. */
static int fill_auxv(u64 *v, const struct stack_info *si)
{
    u32 a, b, c, d;
    const struct elf_image *p = si->prog;
    int n = 0;
    cpuid(1, 0, &a, &b, &c, &d);
#define AUX(t, val) do { v[n++] = (t); v[n++] = (u64)(val); } while (0)
    if (vdso_base != 0)
        AUX(AT_SYSINFO_EHDR, vdso_base);
    AUX(AT_MINSIGSTKSZ, min_sigstack());
    AUX(AT_HWCAP, d);
    AUX(AT_PAGESZ, PAGE_SIZE);
    AUX(AT_CLKTCK, 100);
    AUX(AT_PHDR, p->phdr_vaddr != 0 ? p->bias + p->phdr_vaddr : 0);
    AUX(AT_PHENT, sizeof(struct elf64_phdr));
    AUX(AT_PHNUM, p->eh.e_phnum);
    AUX(AT_BASE, si->interp_base);
    AUX(AT_FLAGS, 0);
    AUX(AT_ENTRY, p->bias + p->eh.e_entry);
    AUX(AT_UID, 0);
    AUX(AT_EUID, 0);
    AUX(AT_GID, 0);
    AUX(AT_EGID, 0);
    AUX(AT_SECURE, 0);
    AUX(AT_RANDOM, si->u_random);
    AUX(AT_HWCAP2, 0);                 /* no FSGSBASE / ring-3 MWAIT for user code */
    AUX(AT_EXECFN, si->u_execfn);
    AUX(AT_PLATFORM, si->u_platform);
    AUX(AT_NULL, 0);
#undef AUX
    kassert(n <= 2 * NAUX);
    return n;
}

/* The most argument and environment bytes exec accepts (E2BIG beyond), as
 * Linux: a quarter of the stack limit, at most 6 MiB, at least 128 KiB. */
static u64 args_max(u64 stack_limit)
{
    return MAX(MIN(stack_limit / 4, 6UL << 20), 128UL << 10);
}

/* Write the initial stack; *sp receives the user stack pointer. */
static int build_stack(const char *execfn, int argc, char *const argv[], char *const envp[],
                       struct stack_info *si, u64 *sp)
{
    static const char platform[] = "x86_64";
    int envc = 0;
    while (envp != NULL && envp[envc] != NULL)
        envc++;
    size_t argb = strings_bytes(argv, argc), envb = strings_bytes(envp, envc);
    size_t fnb = strlen(execfn) + 1;
    u64 reserve = MIN(rlimit_cur(RLIMIT_STACK), VM_STACK_RESERVE_MAX);
    if (argb + envb + fnb > args_max(reserve))
        return -E2BIG;
    u64 p = VM_STACK_TOP - 8;
    si->u_execfn = p -= fnb;
    u64 u_env = p -= envb;
    u64 u_arg = p -= argb;
    p = ALIGN_DOWN(p, 16);
    si->u_platform = p -= sizeof(platform);
    si->u_random = p -= 16;
    size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 + 2 * NAUX;
    u64 top = ALIGN_DOWN(p - words * 8, 16);
    u64 *vec = kzalloc(words * 8);
    if (vec == NULL)
        return -ENOMEM;
    u8 rnd[16];
    random_bytes(rnd, sizeof(rnd));
    int e = vm_stack_init(VM_STACK_TOP - top + STACK_EXTRA, reserve, si->prog->exec_stack);
    vec[0] = (u64)argc;
    if (e == 0)
        e = put_strings(argv, argc, &u_arg, &vec[1]);
    if (e == 0)
        e = put_strings(envp, envc, &u_env, &vec[argc + 2]);
    if (e == 0 && (copy_to_user((void *)si->u_execfn, execfn, fnb) < 0 ||
                   copy_to_user((void *)si->u_platform, platform, sizeof(platform)) < 0 ||
                   copy_to_user((void *)si->u_random, rnd, sizeof(rnd)) < 0))
        e = -EFAULT;
    if (e == 0) {
        size_t n = (size_t)argc + 2 + (size_t)envc + 1;
        n += (size_t)fill_auxv(&vec[n], si);
        if (copy_to_user((void *)top, vec, n * 8) < 0)
            e = -EFAULT;
    }
    kfree(vec);
    *sp = top;
    return e;
}

/* ------------------------------------------------------------ exec */

static void image_free(struct elf_image *img)
{
    kfree(img->ph);
    kfree(img->interp);
}

/* AT_EXECFN: the name execve would have been given.  A shell passes the
 * command as typed when it contains a slash (argv[0]), else the path it
 * found, which is the program's path here. */
static const char *exec_name(const char *path, int argc, char *const argv[])
{
    if (argc > 0 && strchr(argv[0], '/') != NULL)
        return argv[0];
    return path;
}

int loader_exec(const char *path, int argc, char *const argv[], char *const envp[], u64 *entry, u64 *sp)
{
    struct elf_image prog, interp;
    struct stack_info si = { &prog, 0, 0, 0, 0 };
    memset(&prog, 0, sizeof(prog));
    memset(&interp, 0, sizeof(interp));
    vm_init();
    int e = load_file(path, &prog, false);
    u64 start = prog.bias + prog.eh.e_entry;
    if (e == 0 && prog.interp != NULL) {
        e = load_file(prog.interp, &interp, true);
        if (e < 0)
            klog("loader: %s: cannot load its interpreter %s: error %d", path, prog.interp, -e);
        si.interp_base = interp.bias;
        start = interp.bias + interp.eh.e_entry;
    }
    if (e == 0) {
        vm_brk_init(prog.bias + prog.hi);
        e = build_stack(exec_name(path, argc, argv), argc, argv, envp, &si, sp);
    }
    if (e == 0)
        *entry = start;
    image_free(&interp);
    image_free(&prog);
    return e;
}
