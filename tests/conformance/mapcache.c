/*
 * mapcache.c - file mappings sharing pages with the file (on the TFS root
 * under solo: the scratch file lives in the cwd): two private mappings of
 * one file, a write to one (copy-on-write: the other mapping and the file
 * keep their bytes), a shared read-only mapping and untouched private pages
 * seeing pwrite(2), truncate and re-extension reading zero, remapping after
 * munmap, and mprotect splitting a private file mapping.
 */
// covers: mmap munmap mprotect pwrite64 pread64 ftruncate
#include "common.h"
#include <fcntl.h>
#include <sys/mman.h>

#define PG 4096UL
#define NPAGES 3
static const char *name = "mapcache.dat";

static unsigned char pattern(size_t i) { return (unsigned char)('a' + (i * 7 + i / PG) % 26); }

static void *map(int prot, int flags, int fd)
{
    void *p = mmap(NULL, NPAGES * PG, prot, flags, fd, 0);
    if (p == MAP_FAILED) {
        printf("mmap: -1 %s\n", errname(errno));
        exit(1);
    }
    return p;
}

static int matches(const unsigned char *p, size_t from, size_t n)
{
    for (size_t i = from; i < from + n; i++)
        if (p[i - from] != pattern(i))
            return 0;
    return 1;
}

static int file_byte(int fd, long off)
{
    unsigned char c;
    return pread(fd, &c, 1, off) == 1 ? c : -1;
}

int main(void)
{
    static unsigned char buf[NPAGES * PG];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = pattern(i);
    int fd = open(name, O_CREAT | O_TRUNC | O_RDWR, 0644);
    show_ok("create", fd);
    show("write", write(fd, buf, sizeof(buf)));
    int ro = open(name, O_RDONLY);

    unsigned char *a = map(PROT_READ | PROT_WRITE, MAP_PRIVATE, ro);
    unsigned char *b = map(PROT_READ, MAP_PRIVATE, ro);
    fact("private a reads the file", matches(a, 0, sizeof(buf)));
    fact("private b reads the file", matches(b, 0, sizeof(buf)));
    a[100] = '#';
    a[PG + 5] = '$';
    fact("a sees its own writes", a[100] == '#' && a[PG + 5] == '$');
    fact("b unchanged by writes to a", matches(b, 0, sizeof(buf)));
    fact("file unchanged by writes to a", file_byte(fd, 100) == pattern(100) &&
                                          file_byte(fd, PG + 5) == pattern(PG + 5));
    fact("a's other page still the file", matches(a + 2 * PG, 2 * PG, PG));

    unsigned char *s = map(PROT_READ, MAP_SHARED, ro);
    fact("shared reads the file", matches(s, 0, sizeof(buf)));
    show("pwrite", pwrite(fd, "HELLO", 5, 2 * PG + 10));
    show("pwrite page 0", pwrite(fd, "xyz", 3, 200));
    fact("shared sees pwrite", memcmp(s + 2 * PG + 10, "HELLO", 5) == 0);
    fact("shared sees pwrite on page 0", memcmp(s + 200, "xyz", 3) == 0);
    fact("untouched private page sees pwrite", memcmp(b + 2 * PG + 10, "HELLO", 5) == 0);
    fact("copied private page keeps its bytes", a[200] == pattern(200) && a[100] == '#');
    show("shared write fault is refused (mprotect)", mprotect(s, PG, PROT_READ | PROT_WRITE));

    show("ftruncate down", ftruncate(fd, PG));
    show("ftruncate up", ftruncate(fd, NPAGES * PG));
    int zero = 1;
    for (size_t i = PG; i < NPAGES * PG; i++)
        zero &= s[i] == 0;
    fact("truncated pages read zero after re-extension", zero);
    fact("page 0 kept", memcmp(s + 200, "xyz", 3) == 0 && s[0] == pattern(0));

    show("munmap a", munmap(a, NPAGES * PG));
    show("munmap b", munmap(b, NPAGES * PG));
    show("pwrite after munmap", pwrite(fd, "Q", 1, 0));
    unsigned char *c = map(PROT_READ | PROT_WRITE, MAP_PRIVATE, ro);
    fact("remap sees the file", c[0] == 'Q' && c[1] == pattern(1) && c[PG] == 0);
    show("mprotect middle page", mprotect(c + PG, PG, PROT_READ));
    c[0] = 'R';
    c[2 * PG] = 'S';
    fact("split mapping writes", c[0] == 'R' && c[2 * PG] == 'S' && c[PG] == 0);
    fact("shared unchanged by private writes", s[0] == 'Q' && s[2 * PG] == 0);
    show("munmap c middle", munmap(c + PG, PG));
    fact("pieces keep their copies", c[0] == 'R' && c[2 * PG] == 'S');
    show("munmap s", munmap(s, NPAGES * PG));
    show("munmap c", munmap(c, NPAGES * PG));
    close(ro);
    close(fd);
    show("unlink", unlink(name));
    return 0;
}
