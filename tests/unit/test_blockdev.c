/*
 * test_blockdev.c - unit tests for the byte-granular block layer
 * (runtime/drivers/blockdev.c) over an in-memory sector device.  The device
 * records every driver call so the tests can check the contract that matters
 * for speed: an aligned range reaches the driver in one call, straight into
 * the caller's buffer; an unaligned read up to BOUNCE_MAX is one request
 * into a bounce buffer, a larger one bounces only its edges; small unaligned
 * writes cost one read-modify-write.  Random reads and writes are checked against a
 * plain byte-array model.  The kernel file is compiled in directly, with host
 * stand-ins for the few kernel services it uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "runtime/drivers/blockdev.c"

/* ---- host stand-ins for kernel services blockdev.c links against ---- */
void klog(const char *fmt, ...)
{
    (void)fmt;
}

_Noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    abort();
}

void *kmalloc(size_t n) { return malloc(n); }
void kfree(void *p) { free(p); }
int pci_scan(void) { return 0; }
u64 now_ns(void) { return 0; }
struct pci_dev *pci_get(int index) { (void)index; return NULL; }
int virtio_blk_probe(struct pci_dev *pci) { (void)pci; return -ENODEV; }
int virtio_rng_probe(struct pci_dev *pci) { (void)pci; return -ENODEV; }

/* ---- an in-memory sector device that logs its calls ---- */
#define DISK_SECTORS 4096
#define MAX_CALLS 16

struct call {
    bool write;
    u64 sector;
    u32 count;
    const void *buf;
};

struct ramdisk {
    struct blockdev bd;
    u8 data[DISK_SECTORS * SECTOR_SIZE];
    struct call calls[MAX_CALLS];
    int ncalls;
    int fail;                          /* non-zero: every call returns this */
};

static void log_call(struct ramdisk *r, bool write, u64 sector, u32 count, const void *buf)
{
    if (r->ncalls < MAX_CALLS)
        r->calls[r->ncalls] = (struct call){ write, sector, count, buf };
    r->ncalls++;
}

static int rd_read(struct blockdev *d, u64 sector, void *buf, u32 count)
{
    struct ramdisk *r = d->priv;
    log_call(r, false, sector, count, buf);
    if (r->fail != 0)
        return r->fail;
    assert_true(sector + count <= DISK_SECTORS);
    memcpy(buf, r->data + sector * SECTOR_SIZE, (size_t)count * SECTOR_SIZE);
    return 0;
}

static int rd_write(struct blockdev *d, u64 sector, const void *buf, u32 count)
{
    struct ramdisk *r = d->priv;
    log_call(r, true, sector, count, buf);
    if (r->fail != 0)
        return r->fail;
    assert_true(sector + count <= DISK_SECTORS);
    memcpy(r->data + sector * SECTOR_SIZE, buf, (size_t)count * SECTOR_SIZE);
    return 0;
}

static int rd_flush(struct blockdev *d)
{
    (void)d;
    return 0;
}

static struct ramdisk *ramdisk_new(void)
{
    struct ramdisk *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    for (size_t i = 0; i < sizeof(r->data); i++)
        r->data[i] = (u8)(i * 131 + (i >> 9));
    r->bd = (struct blockdev){ "ram0", DISK_SECTORS, rd_read, rd_write, rd_flush, r };
    return r;
}

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* ---- tests ---- */

static void test_registry(void **state)
{
    (void)state;
    struct ramdisk *a = ramdisk_new(), *b = ramdisk_new();
    assert_null(blockdev_get(0));
    blockdev_register(&a->bd);
    blockdev_register(&b->bd);
    assert_ptr_equal(blockdev_get(0), &a->bd);
    assert_ptr_equal(blockdev_get(1), &b->bd);
    assert_null(blockdev_get(2));
    assert_null(blockdev_get(-1));
    drivers_init();                    /* no PCI here: registers nothing more */
    assert_null(blockdev_get(2));
    free(a);
    free(b);
}

static void test_aligned_read_is_direct(void **state)
{
    (void)state;
    struct ramdisk *r = ramdisk_new();
    u8 *buf = malloc(1 << 20);
    assert_int_equal(blockdev_read_bytes(&r->bd, 8 * SECTOR_SIZE, buf, 1 << 20), 0);
    assert_int_equal(r->ncalls, 1);
    assert_ptr_equal(r->calls[0].buf, buf);
    assert_int_equal(r->calls[0].sector, 8);
    assert_int_equal(r->calls[0].count, (1 << 20) / SECTOR_SIZE);
    assert_memory_equal(buf, r->data + 8 * SECTOR_SIZE, 1 << 20);
    free(buf);
    free(r);
}

static void test_unaligned_large_read(void **state)
{
    (void)state;
    struct ramdisk *r = ramdisk_new();
    u8 *buf = malloc(300000);
    u64 off = 3 * SECTOR_SIZE + 77;
    /* up to BOUNCE_MAX: one device read of the whole sectors into a bounce buffer */
    assert_int_equal(blockdev_read_bytes(&r->bd, off, buf, 100000), 0);
    assert_memory_equal(buf, r->data + off, 100000);
    assert_int_equal(r->ncalls, 1);
    assert_int_equal(r->calls[0].sector, 3);
    assert_int_equal(r->calls[0].count, (77 + 100000 + SECTOR_SIZE - 1) / SECTOR_SIZE);
    /* larger: head bounce, direct middle, tail bounce */
    r->ncalls = 0;
    assert_true(300000 > BOUNCE_MAX);
    assert_int_equal(blockdev_read_bytes(&r->bd, off, buf, 300000), 0);
    assert_memory_equal(buf, r->data + off, 300000);
    assert_int_equal(r->ncalls, 3);
    assert_ptr_equal(r->calls[1].buf, buf + (SECTOR_SIZE - 77));
    assert_int_equal(r->calls[1].sector, 4);
    free(buf);
    free(r);
}

static void test_small_unaligned_is_one_request(void **state)
{
    (void)state;
    struct ramdisk *r = ramdisk_new();
    u8 buf[1500];
    assert_int_equal(blockdev_read_bytes(&r->bd, 1000, buf, sizeof(buf)), 0);
    assert_memory_equal(buf, r->data + 1000, sizeof(buf));
    assert_int_equal(r->ncalls, 1);
    memset(buf, 0xab, sizeof(buf));
    r->ncalls = 0;
    assert_int_equal(blockdev_write_bytes(&r->bd, 1000, buf, sizeof(buf)), 0);
    assert_int_equal(r->ncalls, 2);    /* one read-modify-write */
    assert_true(r->calls[1].write);
    assert_memory_equal(r->data + 1000, buf, sizeof(buf));
    assert_int_not_equal(r->data[999], 0xab);
    assert_int_not_equal(r->data[2500], 0xab);
    free(r);
}

static void test_bounds_and_errors(void **state)
{
    (void)state;
    struct ramdisk *r = ramdisk_new();
    u8 buf[SECTOR_SIZE];
    u64 size = (u64)DISK_SECTORS * SECTOR_SIZE;
    assert_int_equal(blockdev_read_bytes(&r->bd, size - 10, buf, 11), -EIO);
    assert_int_equal(blockdev_write_bytes(&r->bd, size, buf, 1), -EIO);
    assert_int_equal(blockdev_read_bytes(&r->bd, ~0ULL - 5, buf, 10), -EIO);
    assert_int_equal(r->ncalls, 0);
    assert_int_equal(blockdev_read_bytes(&r->bd, size - 10, buf, 10), 0);
    assert_memory_equal(buf, r->data + size - 10, 10);
    assert_int_equal(blockdev_read_bytes(&r->bd, size, buf, 0), 0);
    r->fail = -EIO;
    assert_int_equal(blockdev_read_bytes(&r->bd, 0, buf, SECTOR_SIZE), -EIO);
    assert_int_equal(blockdev_write_bytes(&r->bd, 3, buf, 100), -EIO);
    free(r);
}

static void test_random_against_model(void **state)
{
    (void)state;
    struct ramdisk *r = ramdisk_new();
    size_t size = sizeof(r->data);
    u8 *model = malloc(size), *buf = malloc(size);
    memcpy(model, r->data, size);
    for (int i = 0; i < 3000; i++) {
        u64 len = rnd() % (i % 10 == 0 ? size / 4 : 3000);
        u64 off = rnd() % (size - len + 1);
        if (rnd() % 2 == 0) {
            for (u64 k = 0; k < len; k++)
                buf[k] = (u8)rnd();
            assert_int_equal(blockdev_write_bytes(&r->bd, off, buf, len), 0);
            memcpy(model + off, buf, len);
        } else {
            assert_int_equal(blockdev_read_bytes(&r->bd, off, buf, len), 0);
            assert_memory_equal(buf, model + off, len);
        }
        r->ncalls = 0;
    }
    assert_memory_equal(r->data, model, size);
    free(model);
    free(buf);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_aligned_read_is_direct),
        cmocka_unit_test(test_unaligned_large_read),
        cmocka_unit_test(test_small_unaligned_is_one_request),
        cmocka_unit_test(test_bounds_and_errors),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
