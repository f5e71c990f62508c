/*
 * test_cli_util.c - host-tool helpers: size parsing, guest path rules, the
 * SOLO-EXIT line parser, the QEMU command line, ld.so.cache lookup, and a
 * full image round trip (plan -> image_write -> image_open -> read back,
 * manifest contents, symlink and ".." resolution), and how programs are
 * found: Python interpreters by name, their stdlib beside them, and $PATH
 * lookups that skip scripts (pyenv shims).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "tools/util.h"
#include "tools/vm.h"
#include "tools/deps.h"
#include "tools/image.h"
#include "tools/build.h"
#include "tools/python.h"

static void test_parse_size(void **state)
{
    uint64_t v;
    (void)state;
    assert_int_equal(parse_size("4096", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(parse_size("64M", &v), 0);
    assert_int_equal(v, 64ULL << 20);
    assert_int_equal(parse_size("1G", &v), 0);
    assert_int_equal(v, 1ULL << 30);
    assert_int_equal(parse_size("2GiB", &v), 0);
    assert_int_equal(v, 2ULL << 30);
    assert_int_equal(parse_size("512k", &v), 0);
    assert_int_equal(v, 512ULL << 10);
    assert_int_equal(parse_size("1T", &v), 0);
    assert_int_equal(v, 1ULL << 40);
    assert_int_equal(parse_size("", &v), -1);
    assert_int_equal(parse_size("M", &v), -1);
    assert_int_equal(parse_size("-1", &v), -1);
    assert_int_equal(parse_size("12Q", &v), -1);
    assert_int_equal(parse_size("99999999999999T", &v), -1);
    assert_int_equal(parse_size("99999999999999999999", &v), -1);
}

static void expect_guest(const char *in, const char *want)
{
    char *g = guest_path(in);
    assert_string_equal(g, want);
    free(g);
}

static void test_guest_path(void **state)
{
    (void)state;
    expect_guest("./hello", "/hello");
    expect_guest("hello", "/hello");
    expect_guest("/usr/bin/python3", "/usr/bin/python3");
    expect_guest("a//b/./c/", "/a/b/c");
    expect_guest("../x", "/x");
    expect_guest("a/../../b", "/b");
    expect_guest("/", "/");
    expect_guest(".", "/");
    expect_guest("", "/");
    char *j = path_join("/a/", "/b");
    assert_string_equal(j, "/a/b");
    free(j);
}

static void test_exit_line(void **state)
{
    int st = -1;
    (void)state;
    assert_true(vm_exit_line("SOLO-EXIT 0", 11, &st));
    assert_int_equal(st, 0);
    assert_true(vm_exit_line("SOLO-EXIT 255\r\n", 15, &st));
    assert_int_equal(st, 255);
    assert_false(vm_exit_line("SOLO-EXIT 256", 13, &st));
    assert_false(vm_exit_line("SOLO-EXIT ", 10, &st));
    assert_false(vm_exit_line("SOLO-EXIT 4x", 12, &st));
    assert_false(vm_exit_line("xSOLO-EXIT 4", 12, &st));
    assert_false(vm_exit_line("SOLO-EXIT 99999999999999999", 27, &st));
}

static bool has_arg(const struct strvec *av, const char *a)
{
    return strvec_contains(av, a);
}

static void test_qemu_argv(void **state)
{
    struct vm_opts o = { .kernel = "k.elf", .image = "i.img", .accel = "tcg", .mem = 1ULL << 30, .cpus = 2 };
    struct strvec av = { NULL, 0 };
    (void)state;
    vm_argv(&o, "/usr/bin/qemu", "/dev/fd/3", "/dev/fd/4", "/dev/fd/5", &av);
    assert_string_equal(av.v[0], "/usr/bin/qemu");
    assert_true(has_arg(&av, "max"));
    assert_true(has_arg(&av, "1024"));
    assert_true(has_arg(&av, "-nodefaults"));
    assert_true(has_arg(&av, "-no-reboot"));
    assert_true(has_arg(&av, "isa-debug-exit,iobase=0xf4,iosize=4"));
    assert_true(has_arg(&av, "virtio-blk-pci,drive=solo_disk,disable-legacy=on"));
    assert_true(has_arg(&av, "file,id=solo_out,path=/dev/fd/3"));
    assert_true(has_arg(&av, "k.elf"));
    assert_true(has_arg(&av, "tcg,thread=multi"));   /* several vCPUs: MTTCG */
    strvec_free(&av);
    o.accel = "kvm";
    vm_argv(&o, "q", "a", "b", "c", &av);
    assert_true(has_arg(&av, "host"));
    assert_false(has_arg(&av, "max"));
    strvec_free(&av);
    o.disk = "nvme";                   /* --disk nvme: the same drive behind an NVMe controller */
    vm_argv(&o, "q", "a", "b", "c", &av);
    assert_true(has_arg(&av, "nvme,drive=solo_disk,serial=solo0"));
    assert_false(has_arg(&av, "virtio-blk-pci,drive=solo_disk,disable-legacy=on"));
    strvec_free(&av);
    const char *a = accel_detect();
    assert_true(strcmp(a, "tcg") == 0 || strcmp(a, "kvm") == 0);
}

struct cache_ent {
    int32_t flags;
    const char *key, *value;
    uint64_t hwcap;
};

/* Build a new-format ld.so.cache image in c; returns its length. */
static size_t make_cache(unsigned char *c, size_t cap, const struct cache_ent *e, uint32_t n)
{
    uint32_t off = 48 + n * 24;
    memset(c, 0, cap);
    memcpy(c, "glibc-ld.so.cache1.1", 20);
    memcpy(c + 20, &n, 4);
    for (uint32_t i = 0; i < n; i++) {
        unsigned char *p = c + 48 + i * 24;
        uint32_t k = off, v = off + (uint32_t)strlen(e[i].key) + 1;
        strcpy((char *)c + k, e[i].key);
        strcpy((char *)c + v, e[i].value);
        off = v + (uint32_t)strlen(e[i].value) + 1;
        memcpy(p, &e[i].flags, 4);
        memcpy(p + 4, &k, 4);
        memcpy(p + 8, &v, 4);
        memcpy(p + 16, &e[i].hwcap, 8);
    }
    return off;
}

static void test_ldcache(void **state)
{
    unsigned char c[1024];
    const struct cache_ent ents[] = {
        { 0x0803, "libx.so.1", "/lib32/libx.so.1", 0 },               /* i386: skipped */
        { 0x0303, "libx.so.1", "/opt/v3/libx.so.1", 1ULL << 62 },     /* hwcap-specific */
        { 0x0303, "libx.so.1", "/opt/x/libx.so.1", 0 },               /* baseline wins */
        { 0x0303, "liby.so.2", "/opt/v3/liby.so.2", 1ULL << 62 },     /* only hwcap: taken */
    };
    (void)state;
    size_t len = make_cache(c, sizeof(c), ents, 4);
    char *p = ldcache_lookup(c, len, "libx.so.1");
    assert_non_null(p);
    assert_string_equal(p, "/opt/x/libx.so.1");
    free(p);
    p = ldcache_lookup(c, len, "liby.so.2");
    assert_non_null(p);
    assert_string_equal(p, "/opt/v3/liby.so.2");
    free(p);
    assert_null(ldcache_lookup(c, len, "libz.so"));
    assert_null(ldcache_lookup(c, 30, "libx.so.1"));          /* truncated */
    uint32_t n = 0x7fffffff;
    memcpy(c + 20, &n, 4);
    assert_null(ldcache_lookup(c, len, "libx.so.1"));         /* count beyond the file */
    assert_null(ldcache_lookup("garbage", 7, "libx.so.1"));
}

static void test_plan_replace(void **state)
{
    struct image_plan p;
    (void)state;
    memset(&p, 0, sizeof(p));
    for (int i = 0; i < 300; i++) {
        char name[32];
        snprintf(name, sizeof(name), "/d/%d", i);
        plan_add_dir(&p, name, 0700, 0);
    }
    plan_add_symlink(&p, "/d/7", "target");
    assert_int_equal(p.n, 300);
    const struct img_entry *e = plan_find(&p, "/d/7");
    assert_non_null(e);
    assert_int_equal(e->kind, IMG_SYMLINK);
    assert_string_equal(e->target, "target");
    assert_non_null(plan_find(&p, "/d/299"));
    assert_null(plan_find(&p, "/d/300"));
    plan_free(&p);
}

/* Write a small image from real host files and read everything back. */
static void test_image_roundtrip(void **state)
{
    char dir[] = "/tmp/solo-unit-XXXXXX", why[300];
    struct image_plan p;
    struct image img;
    (void)state;
    assert_non_null(mkdtemp(dir));
    char *f1 = path_join(dir, "prog"), *sub = path_join(dir, "tree"), *f2 = path_join(sub, "data.bin");
    char *imgpath = path_join(dir, "x.img");
    FILE *f = fopen(f1, "w");
    fputs("#!fake program\n", f);
    fclose(f);
    chmod(f1, 0751);
    mkdir(sub, 0750);
    unsigned char *big = malloc(3 << 20);
    for (size_t i = 0; i < (3u << 20); i++)
        big[i] = (unsigned char)(i * 7 + i / 4096);
    f = fopen(f2, "w");
    fwrite(big, 1, 3 << 20, f);
    fclose(f);
    char *lnk = path_join(sub, "link");
    assert_int_equal(symlink("data.bin", lnk), 0);
    free(lnk);

    memset(&p, 0, sizeof(p));
    assert_int_equal(plan_add_file(&p, f1, "/bin/prog", why, sizeof(why)), 0);
    assert_int_equal(plan_add_tree(&p, sub, "/srv/tree", why, sizeof(why)), 0);
    assert_int_equal(plan_add_file(&p, "/nonexistent", "/x", why, sizeof(why)), -ENOENT);
    p.program = xstrdup("/bin/prog");
    strvec_push(&p.argv, "prog");
    strvec_push(&p.argv, "arg 1");
    strvec_push(&p.env, "A=b=c");
    p.cwd = xstrdup("/srv");
    p.has_tty = true;
    p.tty = 6;
    assert_int_equal(image_write(&p, imgpath, 0, false, why, sizeof(why)), 0);

    assert_int_equal(image_open(imgpath, false, &img, why, sizeof(why)), 0);
    struct tuple *m = tfs_manifest(img.fs);
    assert_string_equal(tuple_get_str(m, "program"), "/bin/prog");
    assert_string_equal(tuple_get_str(m, "cwd"), "/srv");
    assert_int_equal(tuple_get_u64(m, "tty", 99), 6);
    assert_string_equal(tuple_get_str(tuple_get_tuple(m, "arguments"), "1"), "arg 1");
    assert_string_equal(tuple_get_str(tuple_get_tuple(m, "environment"), "A"), "b=c");
    u64 id = image_resolve(&img, "/bin/prog", true);
    assert_int_not_equal(id, 0);
    assert_int_equal(tuple_get_u64(tfs_get(img.fs, id), "mode", 0), S_IFREG | 0751);
    u64 tid = image_resolve(&img, "/srv/tree", true);
    assert_int_equal(tuple_get_u64(tfs_get(img.fs, tid), "mode", 0), S_IFDIR | 0750);
    u64 did = image_resolve(&img, "/srv/./tree/../tree/link", true);
    assert_int_equal(did, image_resolve(&img, "/srv/tree/data.bin", true));
    assert_int_not_equal(image_resolve(&img, "/srv/tree/link", false), did);
    assert_int_equal(image_resolve(&img, "/srv/tree/nope", true), 0);
    assert_int_equal(image_resolve(&img, "/bin/prog/x", true), 0);
    unsigned char *back = malloc(3 << 20);
    assert_int_equal(tfs_read(img.fs, did, back, 3 << 20, 0), 3 << 20);
    assert_memory_equal(back, big, 3 << 20);
    image_close(&img);

    assert_int_equal(image_set_manifest_u64(imgpath, "tty", 1, why, sizeof(why)), 0);
    assert_int_equal(image_open(imgpath, false, &img, why, sizeof(why)), 0);
    assert_int_equal(tuple_get_u64(tfs_manifest(img.fs), "tty", 99), 1);
    image_close(&img);

    /* Too small: a clean -ENOSPC and no file left behind. */
    assert_int_equal(image_write(&p, imgpath, 1 << 20, false, why, sizeof(why)), -ENOSPC);
    assert_non_null(strstr(why, "--size"));
    assert_int_not_equal(access(imgpath, F_OK), 0);
    /* Not an image. */
    assert_true(image_open(f1, false, &img, why, sizeof(why)) < 0);
    assert_non_null(strstr(why, "not a valid solo image"));

    plan_free(&p);
    free(back);
    free(big);
    char *cmd = xasprintf("rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(f1);
    free(f2);
    free(sub);
    free(imgpath);
}

/* Create file path with contents text and mode. */
static void put_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_python_names(void **state)
{
    (void)state;
    assert_true(py_is_interpreter("/nonexistent/bin/python3"));
    assert_true(py_is_interpreter("/nonexistent/bin/python3.11"));
    assert_true(py_is_interpreter("/nonexistent/bin/python"));
    assert_false(py_is_interpreter("/nonexistent/bin/python3-config"));
    assert_false(py_is_interpreter("/nonexistent/bin/ipython3"));
    assert_false(py_is_interpreter("/nonexistent/bin/hello"));
}

static void test_locate_python(void **state)
{
    (void)state;
    char dir[] = "/tmp/solo-test-locate-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *shims = path_join(dir, "shims"), *prefix = path_join(dir, "prefix");
    char *bin = path_join(prefix, "bin"), *lib = path_join(prefix, "lib");
    char *stdlib = path_join(lib, "python3.9");
    char *mk = xasprintf("mkdir -p %s %s %s", shims, bin, stdlib);
    assert_int_equal(system(mk), 0);
    char *shim = path_join(shims, "python3"), *real = path_join(bin, "python3.9");
    char *link = path_join(bin, "python3"), *os_py = path_join(stdlib, "os.py");
    put_file(shim, "#!/bin/sh\nexec python3 \"$@\"\n", 0755);
    put_file(real, "\177ELF not really", 0755);
    put_file(os_py, "", 0644);
    assert_int_equal(symlink("python3.9", link), 0);

    char *found = py_stdlib_dir(link);              /* through the symlink */
    assert_non_null(found);
    assert_string_equal(found, stdlib);
    free(found);
    assert_null(py_stdlib_dir(shim));               /* no lib/ beside the shims */

    const char *saved = getenv("PATH");
    char *oldpath = saved != NULL ? xstrdup(saved) : NULL;
    char *path = xasprintf("%s:%s", shims, bin), *script = NULL;
    setenv("PATH", path, 1);
    found = locate_program("python3", &script);     /* the shim is skipped */
    assert_non_null(found);
    assert_string_equal(found, link);
    assert_non_null(script);
    assert_string_equal(script, shim);
    free(found);
    free(script);
    setenv("PATH", shims, 1);                       /* only the shim: none, and why */
    assert_null(locate_program("python3", &script));
    assert_non_null(script);
    assert_string_equal(script, shim);
    free(script);
    if (oldpath != NULL)
        setenv("PATH", oldpath, 1);
    else
        unsetenv("PATH");

    char *rm = xasprintf("rm -rf %s", dir);
    assert_int_equal(system(rm), 0);
    free(rm); free(mk); free(path); free(oldpath); free(shims); free(prefix); free(bin);
    free(lib); free(stdlib); free(shim); free(real); free(link); free(os_py);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_guest_path),
        cmocka_unit_test(test_exit_line),
        cmocka_unit_test(test_qemu_argv),
        cmocka_unit_test(test_ldcache),
        cmocka_unit_test(test_plan_replace),
        cmocka_unit_test(test_image_roundtrip),
        cmocka_unit_test(test_python_names),
        cmocka_unit_test(test_locate_python),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
