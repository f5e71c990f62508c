/*
 * test_cli_elf.c - ELF checks (tools/elf.c) on synthetic images built in
 * memory: accepted static and dynamic executables, each rejection and its
 * message, dynamic-section parsing (DT_NEEDED/RPATH/RUNPATH), bounds checks,
 * and random mutations of a real executable that must never crash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/elf.h"
#include "tools/util.h"

/* Layout of the synthetic image: header, 3 phdrs, interp, strtab, dynamic. */
#define PH_OFF 64
#define INTERP_OFF 256
#define STR_OFF 320
#define DYN_OFF 512
#define IMG_LEN 1024
#define LOAD_VA 0x400000

static const char strtab[] = "\0libfoo.so.1\0libbar.so\0$ORIGIN/../lib\0/opt/rp";

static void build(unsigned char *b, bool dynamic)
{
    Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
    Elf64_Phdr *ph = (Elf64_Phdr *)(b + PH_OFF);
    Elf64_Dyn *d = (Elf64_Dyn *)(b + DYN_OFF);
    memset(b, 0, IMG_LEN);
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = dynamic ? ET_DYN : ET_EXEC;
    eh->e_machine = EM_X86_64;
    eh->e_version = EV_CURRENT;
    eh->e_phoff = PH_OFF;
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_ehsize = sizeof(Elf64_Ehdr);
    eh->e_phnum = dynamic ? 3 : 1;
    ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0, .p_vaddr = LOAD_VA, .p_filesz = IMG_LEN,
                          .p_memsz = IMG_LEN, .p_flags = PF_R | PF_X, .p_align = 4096 };
    if (!dynamic)
        return;
    strcpy((char *)b + INTERP_OFF, "/lib64/ld-linux-x86-64.so.2");
    ph[1] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_offset = INTERP_OFF, .p_filesz = 28 };
    memcpy(b + STR_OFF, strtab, sizeof(strtab));
    ph[2] = (Elf64_Phdr){ .p_type = PT_DYNAMIC, .p_offset = DYN_OFF, .p_filesz = 7 * sizeof(Elf64_Dyn) };
    d[0] = (Elf64_Dyn){ DT_NEEDED, { 1 } };
    d[1] = (Elf64_Dyn){ DT_STRTAB, { LOAD_VA + STR_OFF } };
    d[2] = (Elf64_Dyn){ DT_STRSZ, { sizeof(strtab) } };
    d[3] = (Elf64_Dyn){ DT_NEEDED, { 13 } };
    d[4] = (Elf64_Dyn){ DT_RUNPATH, { 23 } };
    d[5] = (Elf64_Dyn){ DT_RPATH, { 38 } };
    d[6] = (Elf64_Dyn){ DT_NULL, { 0 } };
}

static int inspect(const unsigned char *b, size_t len, struct elf_info *info, char *err)
{
    return elf_inspect(b, len, info, err, 160);
}

static void test_static_ok(void **state)
{
    unsigned char b[IMG_LEN];
    struct elf_info info;
    char err[160];
    (void)state;
    build(b, false);
    assert_int_equal(inspect(b, sizeof(b), &info, err), 0);
    assert_int_equal(info.type, ET_EXEC);
    assert_false(info.has_interp);
    assert_false(info.has_dynamic);
    assert_int_equal(info.needed.n, 0);
    elf_info_free(&info);
}

static void test_dynamic_ok(void **state)
{
    unsigned char b[IMG_LEN];
    struct elf_info info;
    char err[160];
    (void)state;
    build(b, true);
    assert_int_equal(inspect(b, sizeof(b), &info, err), 0);
    assert_int_equal(info.type, ET_DYN);
    assert_true(info.has_interp);
    assert_string_equal(info.interp, "/lib64/ld-linux-x86-64.so.2");
    assert_int_equal(info.needed.n, 2);
    assert_string_equal(info.needed.v[0], "libfoo.so.1");
    assert_string_equal(info.needed.v[1], "libbar.so");
    assert_string_equal(info.runpath, "$ORIGIN/../lib");
    assert_string_equal(info.rpath, "/opt/rp");
    elf_info_free(&info);
}

/* Apply one corruption to a fresh dynamic image and expect -ENOEXEC + message. */
static void expect_reject(void (*mutate)(unsigned char *), size_t len, const char *want)
{
    unsigned char b[IMG_LEN];
    struct elf_info info;
    char err[160] = "";
    build(b, true);
    mutate(b);
    int r = inspect(b, len, &info, err);
    if (r != -ENOEXEC || strstr(err, want) == NULL)
        fail_msg("got %d \"%s\", want -ENOEXEC \"%s\"", r, err, want);
}

static void m_magic(unsigned char *b) { b[1] = 'X'; }
static void m_class32(unsigned char *b) { b[EI_CLASS] = ELFCLASS32; }
static void m_bigendian(unsigned char *b) { b[EI_DATA] = ELFDATA2MSB; }
static void m_arm64(unsigned char *b) { ((Elf64_Ehdr *)b)->e_machine = EM_AARCH64; }
static void m_i386(unsigned char *b) { ((Elf64_Ehdr *)b)->e_machine = EM_386; }
static void m_odd_machine(unsigned char *b) { ((Elf64_Ehdr *)b)->e_machine = 4242; }
static void m_rel(unsigned char *b) { ((Elf64_Ehdr *)b)->e_type = ET_REL; }
static void m_core(unsigned char *b) { ((Elf64_Ehdr *)b)->e_type = ET_CORE; }
static void m_phoff(unsigned char *b) { ((Elf64_Ehdr *)b)->e_phoff = 1ULL << 62; }
static void m_phnum(unsigned char *b) { ((Elf64_Ehdr *)b)->e_phnum = 0xffff; }
static void m_phentsize(unsigned char *b) { ((Elf64_Ehdr *)b)->e_phentsize = 12; }
static void m_interp_unterminated(unsigned char *b) { b[INTERP_OFF + 27] = 'x'; }
static void m_interp_oob(unsigned char *b) { ((Elf64_Phdr *)(b + PH_OFF))[1].p_offset = IMG_LEN - 4; }
static void m_dyn_oob(unsigned char *b) { ((Elf64_Phdr *)(b + PH_OFF))[2].p_filesz = 1ULL << 40; }
static void m_strtab_unmapped(unsigned char *b) { ((Elf64_Dyn *)(b + DYN_OFF))[1].d_un.d_ptr = 0x10; }
static void m_strsz_huge(unsigned char *b) { ((Elf64_Dyn *)(b + DYN_OFF))[2].d_un.d_val = 1ULL << 40; }
static void m_needed_oob(unsigned char *b) { ((Elf64_Dyn *)(b + DYN_OFF))[0].d_un.d_val = 9999; }

static void test_rejections(void **state)
{
    (void)state;
    expect_reject(m_magic, IMG_LEN, "not an ELF executable");
    expect_reject(m_class32, IMG_LEN, "32-bit ELF");
    expect_reject(m_bigendian, IMG_LEN, "big-endian");
    expect_reject(m_arm64, IMG_LEN, "ELF for AArch64");
    expect_reject(m_i386, IMG_LEN, "ELF for i386");
    expect_reject(m_odd_machine, IMG_LEN, "ELF for machine 4242");
    expect_reject(m_rel, IMG_LEN, "relocatable object");
    expect_reject(m_core, IMG_LEN, "core dump");
    expect_reject(m_phoff, IMG_LEN, "program headers");
    expect_reject(m_phnum, IMG_LEN, "program headers");
    expect_reject(m_phentsize, IMG_LEN, "program headers");
    expect_reject(m_interp_unterminated, IMG_LEN, "PT_INTERP");
    expect_reject(m_interp_oob, IMG_LEN, "PT_INTERP");
    expect_reject(m_dyn_oob, IMG_LEN, "PT_DYNAMIC");
    expect_reject(m_strtab_unmapped, IMG_LEN, "string table");
    expect_reject(m_strsz_huge, IMG_LEN, "string table");
    expect_reject(m_needed_oob, IMG_LEN, "dynamic string");
}

static void test_truncated(void **state)
{
    unsigned char b[IMG_LEN];
    struct elf_info info;
    char err[160];
    (void)state;
    build(b, true);
    assert_int_equal(inspect(b, 0, &info, err), -ENOEXEC);
    assert_int_equal(inspect(b, 10, &info, err), -ENOEXEC);
    assert_int_equal(inspect(b, 40, &info, err), -ENOEXEC);
    assert_non_null(strstr(err, "truncated"));
    assert_int_equal(inspect(b, PH_OFF + 10, &info, err), -ENOEXEC);
    for (size_t n = 0; n < IMG_LEN; n += 7) {     /* every prefix: error or success, no crash */
        if (inspect(b, n, &info, err) == 0)
            elf_info_free(&info);
    }
}

static void test_file_errors(void **state)
{
    struct elf_info info;
    char err[160];
    (void)state;
    assert_int_equal(elf_inspect_file("/nonexistent/x", &info, err, sizeof(err)), -ENOENT);
    assert_int_equal(elf_inspect_file("/", &info, err, sizeof(err)), -EISDIR);
    assert_int_equal(elf_inspect_file("/dev/null", &info, err, sizeof(err)), -ENOEXEC);
    assert_int_equal(elf_inspect_file("/proc/self/exe", &info, err, sizeof(err)), 0);
    elf_info_free(&info);
}

/* Random byte mutations of this very (real) test binary: never a crash. */
static void test_fuzz(void **state)
{
    char *buf;
    size_t len;
    struct elf_info info;
    char err[160];
    (void)state;
    assert_int_equal(read_file("/proc/self/exe", &buf, &len), 0);
    size_t n = len < 65536 ? len : 65536;          /* headers and dynamic section live early */
    unsigned char *copy = malloc(n);
    srand(12345);
    for (int round = 0; round < 400; round++) {
        memcpy(copy, buf, n);
        for (int k = 0; k < 1 + round % 8; k++)
            copy[(size_t)rand() % (round % 2 == 0 ? 128 : n)] = (unsigned char)rand();
        if (elf_inspect(copy, n, &info, err, sizeof(err)) == 0)
            elf_info_free(&info);
    }
    free(copy);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_ok),
        cmocka_unit_test(test_dynamic_ok),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
