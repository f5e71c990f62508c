/*
 * memfdsecret.c - memfd_secret: flag checks (O_CLOEXEC only), the file's
 * fstat (regular, mode 0600, size from ftruncate), no read/write (EINVAL)
 * and no seeking (ESPIPE), the size set once by ftruncate (then EINVAL),
 * MAP_SHARED mappings that share zero-filled pages (one made before the
 * ftruncate too), MAP_PRIVATE (EINVAL) and PROT_EXEC (EPERM), SIGBUS past
 * the size, memory that outlives the descriptor while mapped, and the
 * /proc/self/fd name.  Needs a host kernel with secretmem enabled (Linux
 * 5.14+, secretmem.enable not 0).
 */
// covers: memfd_secret
#include "common.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define NR_memfd_secret 447
#define PG 4096L

static sigjmp_buf env;

static void on_sig(int sig)
{
    siglongjmp(env, sig);
}

static const char *sig_name(int sig)
{
    return sig == SIGBUS ? "SIGBUS" : sig == SIGSEGV ? "SIGSEGV" : "?";
}

/* Read one byte at p: its value, or the signal name. */
static void peek(const char *what, volatile char *p)
{
    int sig = sigsetjmp(env, 1);
    if (sig == 0)
        printf("%s: %d\n", what, *p);
    else
        printf("%s: %s\n", what, sig_name(sig));
}

static void chk(const char *what, long r)
{
    if (r < 0)
        printf("%s: %s\n", what, errname(errno));
    else
        printf("%s: %ld\n", what, r);
}

static long mm(int fd, long len, int prot, int flags, long off)
{
    void *p = mmap(NULL, (size_t)len, prot, flags, fd, off);
    return p == MAP_FAILED ? -1 : 0;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sig;
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);

    chk("flags O_NONBLOCK", syscall(NR_memfd_secret, O_NONBLOCK));
    chk("flags 1", syscall(NR_memfd_secret, 1));
    int fd = (int)syscall(NR_memfd_secret, 0);
    if (fd < 0) {
        printf("memfd_secret: %s\n", errname(errno));
        return 1;
    }
    printf("fd is 3: %d\n", fd == 3);
    printf("cloexec: %d\n", fcntl(fd, F_GETFD));
    printf("access mode rdwr: %d\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    int fd2 = (int)syscall(NR_memfd_secret, O_CLOEXEC);
    printf("O_CLOEXEC: %d\n", fcntl(fd2, F_GETFD));
    close(fd2);

    struct stat st;
    fstat(fd, &st);
    printf("fstat: mode %o size %ld nlink %ld\n", st.st_mode, (long)st.st_size, (long)st.st_nlink);
    char link[64];
    ssize_t n = readlink("/proc/self/fd/3", link, sizeof(link) - 1);
    link[n > 0 ? n : 0] = '\0';
    printf("link: %s\n", link);

    char buf[16] = { 0 };
    chk("read", read(fd, buf, sizeof(buf)));
    chk("write", write(fd, buf, sizeof(buf)));
    chk("pread", pread(fd, buf, 1, 0));
    chk("pwrite", pwrite(fd, buf, 1, 0));
    chk("lseek", lseek(fd, 0, SEEK_SET));

    /* a mapping made while the size is 0: SIGBUS until the size is set */
    char *early = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("early mmap: %d\n", early != MAP_FAILED);
    peek("early read at size 0", early);
    chk("ftruncate -1", ftruncate(fd, -1));
    chk("ftruncate", ftruncate(fd, 5000));
    fstat(fd, &st);
    printf("fstat: size %ld\n", (long)st.st_size);
    chk("ftruncate again", ftruncate(fd, 8192));
    chk("ftruncate same", ftruncate(fd, 5000));
    chk("ftruncate 0", ftruncate(fd, 0));

    chk("mmap private", mm(fd, PG, PROT_READ, MAP_PRIVATE, 0));
    chk("mmap exec", mm(fd, PG, PROT_READ | PROT_EXEC, MAP_SHARED, 0));
    chk("mmap read-only", mm(fd, PG, PROT_READ, MAP_SHARED, 0));
    chk("mmap offset", mm(fd, PG, PROT_READ, MAP_SHARED, PG));
    chk("mmap unaligned offset", mm(fd, PG, PROT_READ, MAP_SHARED, 100));
    chk("mmap closed fd", mm(99, PG, PROT_READ, MAP_SHARED, 0));
    chk("mmap MAP_SYNC", mm(fd, PG, PROT_READ, MAP_SHARED_VALIDATE | 0x80000, 0));
    chk("mmap MAP_HUGETLB", mm(fd, PG, PROT_READ, MAP_SHARED | 0x40000, 0));

    char *a = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *b = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, PG);
    printf("mmaps: %d %d\n", a != MAP_FAILED, b != MAP_FAILED);
    int zero = 1;
    for (long i = 0; i < 2 * PG; i++)
        zero &= a[i] == 0;
    printf("zero-filled: %d\n", zero);
    a[0] = 7;
    a[PG + 10] = 42;
    a[4999] = 9;
    printf("shared with early mapping: %d %d\n", early[0], early[4999]);
    printf("shared with offset mapping: %d\n", b[10]);
    early[1] = 5;
    printf("written through early mapping: %d\n", a[1]);
    peek("past the size, same page", a + 5000);
    peek("past the size, next page", a + 2 * PG);

    close(fd);
    printf("after close: %d %d\n", a[0], b[10]);
    munmap(early, 2 * PG);
    munmap(b, PG);
    a[2] = 3;
    printf("last mapping still works: %d %d\n", a[2], a[PG + 10]);
    munmap(a, 3 * PG);
    return 0;
}
