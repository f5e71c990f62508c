/*
 * test_parttab.c - finding solo's TFS partition (runtime/lib/parttab.c) on
 * the tables the disk writer makes (tools/disk.c): GPT found with its start
 * and size, the backup header used when the primary is damaged, nothing
 * found when both are, a bare volume used whole, an MBR partition of type
 * 0x7f, and a partition beyond the end of the disk rejected.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "runtime/errno.h"
#include "runtime/lib/parttab.h"
#include "tools/disk.h"

static int file_read(void *ctx, u64 lba, void *buf, u32 count)
{
    FILE *f = ctx;
    ssize_t want = (ssize_t)count * PT_SECTOR;
    if (pread(fileno(f), buf, (size_t)want, (off_t)(lba * PT_SECTOR)) != want)
        return -EIO;
    return 0;
}

static const struct disk_layout lay = { 2048, 2048, 4096, 16384, 20480, 4096, 26624 };

static FILE *gpt_disk(void)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), (off_t)(lay.total * PT_SECTOR)), 0);
    assert_int_equal(disk_write_tables(fileno(f), &lay, NULL), 0);
    return f;
}

static void poke(FILE *f, u64 off, u8 v)
{
    assert_int_equal(pwrite(fileno(f), &v, 1, (off_t)off), 1);
}

static void test_gpt(void **state)
{
    struct pt_part p;
    FILE *f = gpt_disk();
    (void)state;
    assert_int_equal(pt_find_solo(file_read, f, lay.total, &p), 1);
    assert_int_equal(p.start, lay.tfs_start);
    assert_int_equal(p.count, lay.tfs_count);
    assert_int_equal(p.index, 3);
    assert_string_equal(p.scheme, "gpt");
    poke(f, PT_SECTOR + 24, 0x55);                     /* primary header's my_lba: CRC breaks */
    assert_int_equal(pt_find_solo(file_read, f, lay.total, &p), 1);   /* the backup */
    assert_int_equal(p.start, lay.tfs_start);
    poke(f, (lay.total - 1) * PT_SECTOR + 24, 0x55);   /* the backup too */
    assert_int_equal(pt_find_solo(file_read, f, lay.total, &p), 0);
    fclose(f);
}

static void test_gpt_entries_crc(void **state)
{
    struct pt_part p;
    FILE *f = gpt_disk();
    (void)state;
    poke(f, 2 * PT_SECTOR + 2 * 128 + 32, 0x01);       /* solo entry's first LBA: entries CRC breaks */
    assert_int_equal(pt_find_solo(file_read, f, lay.total, &p), 0);
    fclose(f);
}

static void test_beyond_end(void **state)
{
    struct pt_part p;
    FILE *f = gpt_disk();
    (void)state;
    /* The same tables on a disk that was cut short: the solo partition does not fit. */
    assert_int_equal(pt_find_solo(file_read, f, lay.tfs_start + 10, &p), -EINVAL);
    fclose(f);
}

static void test_bare_and_mbr(void **state)
{
    struct pt_part p;
    u8 mbr[PT_SECTOR];
    FILE *f = tmpfile();
    (void)state;
    assert_int_equal(ftruncate(fileno(f), 1 << 20), 0);
    assert_int_equal(pt_find_solo(file_read, f, 2048, &p), 0);        /* bare volume: whole disk */
    memset(mbr, 0, sizeof(mbr));
    mbr[446 + 16 + 4] = PT_MBR_SOLO_TYPE;                              /* partition 2 */
    mbr[446 + 16 + 8] = 0x00; mbr[446 + 16 + 9] = 0x02;                /* start 512 */
    mbr[446 + 16 + 12] = 0x00; mbr[446 + 16 + 13] = 0x04;              /* 1024 sectors */
    assert_int_equal(pwrite(fileno(f), mbr, sizeof(mbr), 0), PT_SECTOR);
    assert_int_equal(pt_find_solo(file_read, f, 2048, &p), 0);        /* no 55 aa yet */
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    assert_int_equal(pwrite(fileno(f), mbr, sizeof(mbr), 0), PT_SECTOR);
    assert_int_equal(pt_find_solo(file_read, f, 2048, &p), 1);
    assert_int_equal(p.start, 512);
    assert_int_equal(p.count, 1024);
    assert_int_equal(p.index, 2);
    assert_string_equal(p.scheme, "mbr");
    assert_int_equal(pt_find_solo(file_read, f, 1000, &p), -EINVAL); /* past the end */
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpt),
        cmocka_unit_test(test_gpt_entries_crc),
        cmocka_unit_test(test_beyond_end),
        cmocka_unit_test(test_bare_and_mbr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
