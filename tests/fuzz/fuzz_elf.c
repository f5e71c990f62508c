/*
 * fuzz_elf.c - libFuzzer target for the CLI's ELF parser (tools/elf.c), which
 * decides what goes into an image (interpreter, DT_NEEDED, RPATH/RUNPATH).
 * The first input byte picks the mode: raw bytes as the whole file, or
 * 5-byte patches (32-bit offset, xor byte) applied to a real dynamic
 * executable read at start-up, which keeps the headers plausible so the
 * program-header and dynamic-section code is reached.  Every input must give
 * 0 or -ENOEXEC with a reason, never a crash, a leak or a sanitizer report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/elf.h"

static unsigned char *seed;
static size_t seed_len;

static void load_seed(void)
{
    const char *paths[] = { "/bin/true", "/usr/bin/true", "/bin/ls" };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && seed == NULL; i++) {
        FILE *f = fopen(paths[i], "rb");
        if (f == NULL)
            continue;
        seed = malloc(1 << 20);
        seed_len = seed != NULL ? fread(seed, 1, 1 << 20, f) : 0;
        fclose(f);
    }
    if (seed == NULL) {
        fprintf(stderr, "fuzz_elf: no seed executable found\n");
        abort();
    }
}

static void inspect(const unsigned char *buf, size_t len)
{
    struct elf_info info;
    char err[256];
    memset(&info, 0, sizeof(info));
    if (elf_inspect(buf, len, &info, err, sizeof(err)) == 0)
        elf_info_free(&info);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (seed == NULL)
        load_seed();
    if (size == 0)
        return 0;
    if ((data[0] & 1) == 0) {
        inspect(data + 1, size - 1);
        return 0;
    }
    unsigned char *img = malloc(seed_len);
    if (img == NULL)
        return 0;
    memcpy(img, seed, seed_len);
    for (size_t i = 1; i + 5 <= size; i += 5) {
        unsigned off = (unsigned)data[i] | (unsigned)data[i + 1] << 8 | (unsigned)data[i + 2] << 16 |
                       (unsigned)data[i + 3] << 24;
        img[off % seed_len] ^= data[i + 4];
    }
    inspect(img, seed_len);
    free(img);
    return 0;
}
