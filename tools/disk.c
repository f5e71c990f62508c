/*
 * disk.c - GPT disk images that firmware boots through GRUB (see disk.h).
 *
 * Layout (512-byte sectors, every partition 1 MiB aligned):
 *   0            protective MBR; for BIOS its boot code is GRUB's boot.img
 *   1, 2..33     GPT header and 128 entries of 128 bytes
 *   2048  (1M)   partition 1, BIOS boot: GRUB's core.img (BIOS boots only)
 *   4096  (1M)   partition 2, EFI system (FAT, made by mtools' mformat):
 *                /solo/kernel.elf, and /EFI/BOOT/BOOTX64.EFI for UEFI
 *   then         partition 3, solo TFS: the volume, byte for byte
 *   last 33      backup entries and header
 * The partition numbers stay the same for every --boot kind, so the kernel,
 * `solo fs` and docs need not care which firmware the disk was made for.
 *
 * GRUB's image carries its configuration (grub-mkimage -c): serial console,
 * find the partition holding /solo/kernel.elf, multiboot2, boot; no menu and
 * no wait.  BIOS installation is what grub-bios-setup does, by hand: boot.img
 * goes into the MBR's code area (bytes 0..439, the partition table is ours)
 * with the LBA of core.img's first sector at 0x5c and its boot-drive check
 * (0x66) turned into NOPs so a BIOS passing a wrong drive number still works;
 * core.img's first sector (diskboot.img) ends with a blocklist {u64 lba, u16
 * sectors, u16 segment} at 0x1f4 telling it where the rest of core.img is.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "disk.h"
#include "util.h"
#include "runtime/lib/crc32.h"
#include "runtime/lib/parttab.h"

#define SECTOR 512ULL
#define MIB_SECTORS 2048ULL
#define GPT_ENTRIES 128
#define GPT_ESIZE 128
#define GPT_ESECTORS (GPT_ENTRIES * GPT_ESIZE / SECTOR)
#define ESP_MIN_SECTORS (8 * MIB_SECTORS)
#define MB2_HEADER_MAGIC 0xe85250d6u

/* The grub.cfg embedded in both GRUB images. */
static const char grub_cfg[] =
    "serial --unit=0 --speed=115200\n"
    "terminal_input serial\n"
    "terminal_output serial\n"
    "search --no-floppy --file --set=root /solo/kernel.elf\n"
    "multiboot2 /solo/kernel.elf\n"
    "boot\n";
static const char *const grub_modules[] = {
    "part_gpt", "fat", "search", "multiboot2", "serial", "terminal", "boot", NULL,
};

int disk_boot_parse(const char *s)
{
    if (strcmp(s, "bios") == 0)
        return DISK_BIOS;
    if (strcmp(s, "uefi") == 0)
        return DISK_UEFI;
    if (strcmp(s, "hybrid") == 0)
        return DISK_HYBRID;
    return 0;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

/* Run argv (a host tool), its output collected; 0, or -1 with the tool's first
 * output line (or why it could not start) in err. */
static int run_tool(char *const argv[], char *err, size_t errlen)
{
    int pfd[2];
    char out[2048];
    size_t len = 0;
    if (pipe(pfd) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        close(pfd[0]);
        setenv("MTOOLS_SKIP_CHECK", "1", 1);
        execvp(argv[0], argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pfd[1]);
    for (ssize_t n; pid > 0 && (n = read(pfd[0], out + len, sizeof(out) - 1 - len)) != 0;) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (len += (size_t)n) == sizeof(out) - 1)
            break;
    }
    out[len] = '\0';
    close(pfd[0]);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        out[strcspn(out, "\n")] = '\0';
        snprintf(err, errlen, "%s failed: %s", argv[0], pid < 0 ? strerror(errno) : out);
        return -1;
    }
    return 0;
}

/* True when the kernel has a valid multiboot2 header in its first 32 KiB. */
static bool kernel_has_mb2(const char *kernel)
{
    uint8_t buf[32768];
    int fd = open(kernel, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? pread(fd, buf, sizeof(buf), 0) : -1;
    if (fd >= 0)
        close(fd);
    for (ssize_t off = 0; off + 16 <= n; off += 8) {
        uint32_t m = pt_le32(buf + off), sum = m + pt_le32(buf + off + 4) + pt_le32(buf + off + 8) +
                                               pt_le32(buf + off + 12);
        if (m == MB2_HEADER_MAGIC && sum == 0)
            return true;
    }
    return false;
}

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, buf, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        buf = (const char *)buf + n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* Copy the file src to fd at byte offset off, skipping all-zero MiB (the
 * output was ftruncated: they stay holes). */
static int copy_in(int fd, const char *src, uint64_t off, char *err, size_t errlen)
{
    static uint8_t buf[1 << 20], zero[1 << 20];
    int in = open(src, O_RDONLY | O_CLOEXEC), r = 0;
    if (in < 0) {
        snprintf(err, errlen, "%s: %s", src, strerror(errno));
        return -errno;
    }
    for (uint64_t pos = 0;; pos += (uint64_t)r) {
        r = (int)read(in, buf, sizeof(buf));
        if (r < 0 && errno == EINTR) {
            r = 0;
            continue;
        }
        if (r <= 0)
            break;
        if (memcmp(buf, zero, (size_t)r) != 0 && pwrite_all(fd, buf, (size_t)r, off + pos) < 0) {
            r = -1;
            break;
        }
    }
    if (r < 0) {
        snprintf(err, errlen, "copying %s: %s", src, strerror(errno));
        r = -errno;
    }
    close(in);
    return r;
}

static void random_guid(uint8_t g[16])
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, g, 16) != 16) {
        for (int i = 0; i < 16; i++)       /* no urandom: still unique enough per run */
            g[i] = (uint8_t)(rand() ^ getpid() ^ (i * 37));
    }
    if (fd >= 0)
        close(fd);
    g[7] = (uint8_t)((g[7] & 0x0f) | 0x40);  /* version 4 (stored little-endian) */
    g[8] = (uint8_t)((g[8] & 0x3f) | 0x80);  /* variant */
}

/* One GPT entry: type, a fresh unique GUID, [first, first+count), ASCII name as UTF-16LE. */
static void gpt_entry(uint8_t *e, const uint8_t type[16], uint64_t first, uint64_t count, const char *name)
{
    memcpy(e, type, 16);
    random_guid(e + 16);
    put64(e + 32, first);
    put64(e + 40, first + count - 1);
    for (size_t i = 0; name[i] != '\0' && i < 36; i++)
        put16(e + 56 + 2 * i, (uint8_t)name[i]);
}

/* A GPT header at my_lba whose other copy is at alt_lba and entries at elba. */
static void gpt_header(uint8_t *h, const struct disk_layout *l, const uint8_t disk_guid[16], uint64_t my_lba,
                       uint64_t alt_lba, uint64_t elba, uint32_t ecrc)
{
    memset(h, 0, SECTOR);
    memcpy(h, "EFI PART", 8);
    put32(h + 8, 0x00010000);               /* revision 1.0 */
    put32(h + 12, 92);
    put64(h + 24, my_lba);
    put64(h + 32, alt_lba);
    put64(h + 40, 2 + GPT_ESECTORS);        /* first usable LBA */
    put64(h + 48, l->total - 2 - GPT_ESECTORS);   /* last usable LBA */
    memcpy(h + 56, disk_guid, 16);
    put64(h + 72, elba);
    put32(h + 80, GPT_ENTRIES);
    put32(h + 84, GPT_ESIZE);
    put32(h + 88, ecrc);
    put32(h + 16, crc32_update(0, h, 92));
}

int disk_write_tables(int fd, const struct disk_layout *l, const uint8_t *bootimg)
{
    uint8_t mbr[SECTOR], hdr[SECTOR], disk_guid[16];
    static uint8_t ents[GPT_ENTRIES * GPT_ESIZE];
    memset(mbr, 0, sizeof(mbr));
    if (bootimg != NULL) {
        memcpy(mbr, bootimg, 0x1b8);
        put64(mbr + 0x5c, l->bios_start);   /* where core.img starts */
        mbr[0x66] = 0x90;                   /* no boot-drive check */
        mbr[0x67] = 0x90;
    }
    uint8_t *pe = mbr + 446;
    pe[1] = 0x00, pe[2] = 0x02, pe[3] = 0x00;          /* CHS of LBA 1 */
    pe[4] = 0xee;
    pe[5] = 0xff, pe[6] = 0xff, pe[7] = 0xff;
    put32(pe + 8, 1);
    put32(pe + 12, (uint32_t)MIN(l->total - 1, 0xffffffffULL));
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    memset(ents, 0, sizeof(ents));
    gpt_entry(ents, pt_guid_bios_boot, l->bios_start, l->bios_count, "BIOS boot");
    gpt_entry(ents + GPT_ESIZE, pt_guid_efi_system, l->esp_start, l->esp_count, "EFI system");
    gpt_entry(ents + 2 * GPT_ESIZE, pt_guid_solo_tfs, l->tfs_start, l->tfs_count, "solo TFS");
    uint32_t ecrc = crc32_update(0, ents, sizeof(ents));
    random_guid(disk_guid);
    uint64_t last = l->total - 1, belba = last - GPT_ESECTORS;
    int r = pwrite_all(fd, mbr, SECTOR, 0);
    gpt_header(hdr, l, disk_guid, 1, last, 2, ecrc);
    if (r == 0)
        r = pwrite_all(fd, hdr, SECTOR, SECTOR);
    if (r == 0)
        r = pwrite_all(fd, ents, sizeof(ents), 2 * SECTOR);
    gpt_header(hdr, l, disk_guid, last, 1, belba, ecrc);
    if (r == 0)
        r = pwrite_all(fd, ents, sizeof(ents), belba * SECTOR);
    if (r == 0)
        r = pwrite_all(fd, hdr, SECTOR, last * SECTOR);
    return r;
}

/* core.img into the BIOS boot partition, its blocklist pointing at its own tail. */
static int write_core(int fd, const struct disk_layout *l, const char *core, char *err, size_t errlen)
{
    char *buf;
    size_t len;
    int r = read_file(core, &buf, &len);
    if (r < 0 || len < SECTOR || len > l->bios_count * SECTOR) {
        snprintf(err, errlen, "%s: %s", core, r < 0 ? strerror(-r) : "bad size for the BIOS boot partition");
        free(r < 0 ? NULL : buf);
        return r < 0 ? r : -EFBIG;
    }
    uint8_t *b = (uint8_t *)buf;
    put64(b + 0x1f4, l->bios_start + 1);
    put16(b + 0x1fc, (uint16_t)((len + SECTOR - 1) / SECTOR - 1));
    r = pwrite_all(fd, b, len, l->bios_start * SECTOR);
    free(buf);
    if (r < 0)
        snprintf(err, errlen, "writing core.img: %s", strerror(-r));
    return r;
}

static int mkimage(const char *format, const char *grubdir, const char *cfg, const char *out,
                   const char *prefix, bool bios, char *err, size_t errlen)
{
    char *dir = xasprintf("%s/%s", grubdir, format);
    struct strvec av = { NULL, 0 };
    strvec_push(&av, "grub-mkimage");
    strvec_push(&av, "-O"); strvec_push(&av, format);
    strvec_push(&av, "-d"); strvec_push(&av, dir);
    strvec_push(&av, "-o"); strvec_push(&av, out);
    strvec_push(&av, "-c"); strvec_push(&av, cfg);
    strvec_push(&av, "-p"); strvec_push(&av, prefix);
    if (bios)
        strvec_push(&av, "biosdisk");
    for (int i = 0; grub_modules[i] != NULL; i++)
        strvec_push(&av, grub_modules[i]);      /* av.v stays NULL-terminated */
    int r = run_tool(av.v, err, errlen);
    strvec_free(&av);
    free(dir);
    return r;
}

/* The FAT ESP inside the disk file at its partition (mtools' "@@offset"). */
static int make_esp(const char *out, const struct disk_layout *l, const char *kernel, const char *efi,
                    char *err, size_t errlen)
{
    char *img = xasprintf("%s@@%llu", out, (unsigned long long)(l->esp_start * SECTOR));
    char *secs = xasprintf("%llu", (unsigned long long)l->esp_count);
    char *hidden = xasprintf("%llu", (unsigned long long)l->esp_start);
    char *fmt[] = { "mformat", "-i", img, "-T", secs, "-H", hidden, "-h", "64", "-s", "32",
                    "-v", "SOLO-ESP", "::", NULL };
    char *dirs[] = { "mmd", "-i", img, "::/solo", "::/EFI", "::/EFI/BOOT", NULL };
    char *kcp[] = { "mcopy", "-i", img, (char *)kernel, "::/solo/kernel.elf", NULL };
    char *ecp[] = { "mcopy", "-i", img, (char *)efi, "::/EFI/BOOT/BOOTX64.EFI", NULL };
    int r = run_tool(fmt, err, errlen);
    if (r == 0)
        r = run_tool(dirs, err, errlen);
    if (r == 0)
        r = run_tool(kcp, err, errlen);
    if (r == 0 && efi != NULL)
        r = run_tool(ecp, err, errlen);
    free(img);
    free(secs);
    free(hidden);
    return r;
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

int disk_write(const char *tfs, const char *kernel, int boot, const char *out, char *err, size_t errlen)
{
    const char *grubdir = getenv("SOLO_GRUB_DIR");
    const char *tmpdir = getenv("TMPDIR");
    char *dir = xasprintf("%s/solo-disk-XXXXXX", tmpdir != NULL && tmpdir[0] != '\0' ? tmpdir : "/tmp");
    char *cfg = NULL, *core = NULL, *efi = NULL, *bootimg = NULL, *bootpath = NULL;
    struct disk_layout l;
    size_t blen = 0;
    int fd = -1, r = -1;
    if (grubdir == NULL || grubdir[0] == '\0')
        grubdir = "/usr/lib/grub";
    uint64_t tsize = file_size(tfs), ksize = file_size(kernel);
    if (!kernel_has_mb2(kernel)) {
        snprintf(err, errlen, "%s: no multiboot2 header (not a solo kernel, or too old)", kernel);
        free(dir);
        return -EINVAL;
    }
    if (mkdtemp(dir) == NULL) {
        snprintf(err, errlen, "cannot create a temporary directory: %s", strerror(errno));
        free(dir);
        return -errno;
    }
    cfg = path_join(dir, "grub.cfg");
    FILE *f = fopen(cfg, "w");
    if (f == NULL || fputs(grub_cfg, f) < 0 || fclose(f) != 0) {
        snprintf(err, errlen, "%s: %s", cfg, strerror(errno));
        goto out;
    }
    if (boot & DISK_BIOS) {
        core = path_join(dir, "core.img");
        bootpath = xasprintf("%s/i386-pc/boot.img", grubdir);
        if (mkimage("i386-pc", grubdir, cfg, core, "/solo", true, err, errlen) < 0)
            goto out;
        if (read_file(bootpath, &bootimg, &blen) < 0 || blen != SECTOR) {
            snprintf(err, errlen, "%s: missing or not 512 bytes (install grub-pc-bin)", bootpath);
            goto out;
        }
    }
    if (boot & DISK_UEFI) {
        efi = path_join(dir, "BOOTX64.EFI");
        if (mkimage("x86_64-efi", grubdir, cfg, efi, "/EFI/BOOT", false, err, errlen) < 0)
            goto out;
    }
    l.bios_start = MIB_SECTORS;
    l.bios_count = MIB_SECTORS;
    l.esp_start = 2 * MIB_SECTORS;
    l.esp_count = ALIGN_UP((ksize + (efi != NULL ? file_size(efi) : 0)) / SECTOR + MIB_SECTORS, MIB_SECTORS);
    l.esp_count = MAX(l.esp_count, ESP_MIN_SECTORS);
    l.tfs_start = l.esp_start + l.esp_count;
    l.tfs_count = (tsize + SECTOR - 1) / SECTOR;
    l.total = ALIGN_UP(l.tfs_start + l.tfs_count + 1 + GPT_ESECTORS, MIB_SECTORS);
    fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ftruncate(fd, (off_t)(l.total * SECTOR)) < 0) {
        snprintf(err, errlen, "%s: %s", out, strerror(errno));
        goto out;
    }
    if (disk_write_tables(fd, &l, (const uint8_t *)bootimg) < 0) {
        snprintf(err, errlen, "%s: writing the partition tables: %s", out, strerror(errno));
        goto out;
    }
    if (core != NULL && write_core(fd, &l, core, err, errlen) < 0)
        goto out;
    if (copy_in(fd, tfs, l.tfs_start * SECTOR, err, errlen) < 0)
        goto out;
    if (fsync(fd) < 0 || close(fd) < 0) {
        fd = -1;
        snprintf(err, errlen, "%s: %s", out, strerror(errno));
        goto out;
    }
    fd = -1;
    if (make_esp(out, &l, kernel, efi, err, errlen) < 0)
        goto out;
    r = 0;
out:
    if (fd >= 0)
        close(fd);
    if (r < 0)
        unlink(out);
    const char *tmpfiles[] = { cfg, core, efi };
    for (size_t i = 0; i < 3; i++)
        if (tmpfiles[i] != NULL)
            unlink(tmpfiles[i]);
    rmdir(dir);
    free(dir);
    free(cfg);
    free(core);
    free(efi);
    free(bootimg);
    free(bootpath);
    return r < 0 ? -EIO : 0;
}
