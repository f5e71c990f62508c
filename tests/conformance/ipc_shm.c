/*
 * ipc_shm.c - System V shared memory and remap_file_pages: shmget (private,
 * keyed, EEXIST, ENOENT, size checks), two attachments of one segment
 * aliasing the same memory, SHM_RDONLY (a write faults, mprotect gives
 * EACCES), SHM_EXEC, fixed addresses (SHM_RND, SHM_REMAP, overlaps), shmdt
 * of every piece of a split attachment and of non-attach addresses, shmctl
 * (IPC_STAT fields and nattch counting regions, IPC_SET, IPC_RMID of an
 * attached segment: usable until detached, key free again; SHM_LOCK,
 * SHM_STAT, IPC_INFO, SHM_INFO, bad commands), the /proc/self/maps line of
 * an attachment, and remap_file_pages on a shared file mapping and on a
 * segment, with its EINVAL cases.  Every segment made here is removed (the
 * native run uses the host's IPC namespace).
 */
// covers: shmget shmat shmdt shmctl remap_file_pages
#include "common.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

#define PG 4096UL

static sigjmp_buf env;

static void on_segv(int sig)
{
    siglongjmp(env, sig);
}

static long at(int id, const void *addr, int flags)
{
    return syscall(SYS_shmat, id, addr, flags);
}

static long dt(const void *addr)
{
    return syscall(SYS_shmdt, addr);
}

static long ctl(int id, int cmd, void *buf)
{
    return syscall(SYS_shmctl, id, cmd, buf);
}

static struct shmid_ds st(int id)
{
    struct shmid_ds ds;
    memset(&ds, 0, sizeof(ds));
    if (ctl(id, IPC_STAT, &ds) < 0)
        printf("IPC_STAT failed: %s\n", errname(errno));
    return ds;
}

static void nattch(const char *what, int id)
{
    printf("%s: nattch %lu\n", what, (unsigned long)st(id).shm_nattch);
}

/* The /proc/self/maps line of addr: perms, offset, inode == id, name. */
static void maps_line(const char *what, void *addr, int id, const char *name)
{
    char line[512];
    FILE *f = fopen("/proc/self/maps", "r");
    int found = 0;
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        unsigned long lo, hi, off, ino;
        char perms[8], dev[16];
        int pos = 0;
        if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %n", &lo, &hi, perms, &off, dev, &ino, &pos) < 6 ||
            lo != (unsigned long)addr)
            continue;
        line[strcspn(line, "\n")] = '\0';
        printf("%s: %s offset %lx pages %lu ino==id %s name %s\n", what, perms, off,
               (hi - lo) / PG, ino == (unsigned long)id ? "yes" : "no",
               strcmp(line + pos, name) == 0 ? "/SYSV<key> (deleted)" : line + pos);
        found = 1;
    }
    if (f != NULL)
        fclose(f);
    if (!found)
        printf("%s: not in maps\n", what);
}

static void attach_tests(void)
{
    int id = syscall(SYS_shmget, IPC_PRIVATE, 3 * PG - 100, IPC_CREAT | 0600);
    show_ok("shmget private", id);
    char *a = (char *)at(id, NULL, 0), *b = (char *)at(id, NULL, 0);
    fact("two attachments", a != (char *)-1 && b != (char *)-1 && a != b);
    fact("fresh segment is zero", a[0] == 0 && a[3 * PG - 1] == 0);
    strcpy(a, "through a");
    b[2 * PG + 5] = 'q';
    fact("b sees a's write", strcmp(b, "through a") == 0);
    fact("a sees b's write", a[2 * PG + 5] == 'q');
    struct shmid_ds ds = st(id);
    printf("stat: segsz %lu nattch %lu mode %o key %d\n", (unsigned long)ds.shm_segsz,
           (unsigned long)ds.shm_nattch, ds.shm_perm.mode, ds.shm_perm.__key);
    fact("cpid and lpid are mine", ds.shm_cpid == getpid() && ds.shm_lpid == getpid());
    fact("atime set, dtime not", ds.shm_atime >= ds.shm_ctime && ds.shm_dtime == 0);
    maps_line("maps a", a, id, "/SYSV00000000 (deleted)");

    char *r = (char *)at(id, NULL, SHM_RDONLY);
    fact("read-only attach reads", r != (char *)-1 && strcmp(r, "through a") == 0);
    maps_line("maps ro", r, id, "/SYSV00000000 (deleted)");
    show("mprotect ro writable", syscall(SYS_mprotect, r, PG, PROT_READ | PROT_WRITE));
    signal(SIGSEGV, on_segv);
    int sig = sigsetjmp(env, 1);
    if (sig == 0)
        *(volatile char *)r = 'x';
    printf("write to read-only attach: signal %d\n", sig);
    signal(SIGSEGV, SIG_DFL);
    nattch("three attachments", id);

    /* A split attachment counts once per piece, as Linux's vmas do. */
    show("mprotect first page of b", syscall(SYS_mprotect, b, PG, PROT_READ));
    nattch("b split in two", id);
    show("munmap middle of a", syscall(SYS_munmap, a + PG, PG));
    nattch("a split in two", id);
    show("shmdt a", dt(a));
    nattch("after shmdt a", id);
    fact("dtime set", st(id).shm_dtime != 0 && st(id).shm_dtime >= st(id).shm_ctime);
    show("shmdt a again", dt(a));
    show("shmdt unaligned", dt(b + 1));
    show("shmdt inside", dt(b + PG));
    show("shmdt r", dt(r));

    /* IPC_RMID while attached: usable until the last detach. */
    show("rmid attached", ctl(id, IPC_RMID, NULL));
    ds = st(id);
    printf("after rmid: nattch %lu dest %d key %d\n", (unsigned long)ds.shm_nattch,
           (ds.shm_perm.mode & SHM_DEST) != 0, ds.shm_perm.__key);
    char *c = (char *)at(id, NULL, 0);
    fact("attach after rmid", c != (char *)-1 && strcmp(c, "through a") == 0);
    show("shmdt c", dt(c));
    show("shmdt b", dt(b));
    show("stat after last detach", ctl(id, IPC_STAT, &ds));
    show("shmat removed", at(id, NULL, 0));
}

static void fixed_tests(void)
{
    int id = syscall(SYS_shmget, IPC_PRIVATE, 2 * PG, 0600);
    char *m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m[0] = 7;
    show("shmat over a mapping", at(id, m, 0));
    fact("SHM_REMAP over a mapping", at(id, m, SHM_REMAP) == (long)m);
    m[0] = 9;
    show("unaligned", at(id, m + 2 * PG + 10, 0));
    fact("SHM_RND rounds down", at(id, m + 2 * PG + 10, SHM_RND | SHM_REMAP) == (long)(m + 2 * PG));
    fact("both views agree", m[2 * PG] == 9);
    show("SHM_REMAP without address", at(id, NULL, SHM_REMAP));
    show("SHM_RND to 0 with SHM_REMAP", at(id, (void *)100, SHM_RND | SHM_REMAP));
    show("shmat negative id", at(-1, NULL, 0));
    show("shmat stale id", at(id + 32768, NULL, 0));
    show("shmat at the top", at(id, (void *)0x7ffffffff000UL, 0));
    char *x = (char *)at(id, NULL, SHM_EXEC | SHM_RDONLY);
    maps_line("maps exec", x, id, "/SYSV00000000 (deleted)");
    nattch("three views", id);
    show("shmdt x", dt(x));
    show("shmdt m", dt(m));
    show("shmdt m+2p", dt(m + 2 * PG));
    show("rmid", ctl(id, IPC_RMID, NULL));
    munmap(m, 4 * PG);
}

static void key_tests(void)
{
    key_t key = 0x5e0d0000 + 2 * (getpid() & 0xffff);
    show("missing key", syscall(SYS_shmget, key, PG, 0600));
    int k = syscall(SYS_shmget, key, PG + 1, IPC_CREAT | 0640);
    show_ok("shmget keyed", k);
    fact("same key same id", syscall(SYS_shmget, key, 10, 0) == k);
    fact("size 0 finds it", syscall(SYS_shmget, key, 0, 0) == k);
    show("larger than the segment", syscall(SYS_shmget, key, 3 * PG, 0));
    show("excl", syscall(SYS_shmget, key, PG, IPC_CREAT | IPC_EXCL | 0600));
    show("private size 0", syscall(SYS_shmget, IPC_PRIVATE, 0, 0600));
    show("size past SHMMAX", syscall(SYS_shmget, IPC_PRIVATE, ~0UL - 100, 0600));
    char *p = (char *)at(k, NULL, 0);
    char name[64];
    snprintf(name, sizeof(name), "/SYSV%08x (deleted)", (unsigned)key);
    maps_line("maps keyed", p, k, name);
    p[PG] = 'k';

    struct shmid_ds ds = st(k);
    printf("keyed stat: segsz %lu mode %o key==key %d\n", (unsigned long)ds.shm_segsz,
           ds.shm_perm.mode, ds.shm_perm.__key == key);
    ds.shm_perm.mode = 0604;
    show("IPC_SET", ctl(k, IPC_SET, &ds));
    printf("mode after IPC_SET: %o\n", st(k).shm_perm.mode);
    show("SHM_LOCK", ctl(k, SHM_LOCK, NULL));
    printf("locked: %d\n", (st(k).shm_perm.mode & SHM_LOCKED) != 0);
    show("SHM_UNLOCK", ctl(k, SHM_UNLOCK, NULL));
    printf("locked: %d\n", (st(k).shm_perm.mode & SHM_LOCKED) != 0);

    fact("SHM_STAT by index", ctl(k % 32768, SHM_STAT, &ds) == k && ds.shm_segsz == PG + 1);
    fact("SHM_STAT_ANY by index", ctl(k % 32768, SHM_STAT_ANY, &ds) == k);
    struct shminfo si;
    long r = ctl(0, IPC_INFO, &si);
    fact("IPC_INFO", r >= k % 32768 && si.shmmin == 1 && si.shmmax >= PG && si.shmmni >= 1);
    struct shm_info sinf;
    r = ctl(0, SHM_INFO, (struct shmid_ds *)&sinf);
    fact("SHM_INFO", r >= k % 32768 && sinf.used_ids >= 1 && sinf.shm_tot >= 2 && sinf.shm_rss >= 1);
    show("IPC_STAT bad buffer", ctl(k, IPC_STAT, (void *)8));
    show("IPC_SET bad buffer", ctl(k, IPC_SET, (void *)8));
    show("IPC_INFO bad buffer", ctl(0, IPC_INFO, (void *)8));
    show("IPC_STAT with IPC_64", ctl(k, IPC_STAT | 0x100, &ds));
    show("unknown command", ctl(k, 99, &ds));
    show("negative id", ctl(-1, IPC_STAT, &ds));
    show("negative command", ctl(k, -1, &ds));
    show("IPC_STAT stale id", ctl(k + 32768, IPC_STAT, &ds));

    /* Removing an attached keyed segment frees the key at once. */
    show("rmid keyed", ctl(k, IPC_RMID, NULL));
    show("key after rmid", syscall(SYS_shmget, key, PG, 0600));
    int k2 = syscall(SYS_shmget, key, PG, IPC_CREAT | 0600);
    fact("new segment for the key", k2 >= 0 && k2 != k);
    char *q = (char *)at(k2, NULL, 0);
    fact("old and new differ", p[PG] == 'k' && q[0] == 0);
    show("shmdt q", dt(q));
    show("rmid new", ctl(k2, IPC_RMID, NULL));
    show("shmdt p", dt(p));
    show("old gone", ctl(k, IPC_STAT, &ds));
}

static void remap_tests(void)
{
    const char *path = "ipc_shm_remap.tmp";
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char page[PG];
    for (int i = 0; i < 4; i++) {
        memset(page, 'A' + i, sizeof(page));
        if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
            printf("write failed\n");
    }
    char *m = mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, fd, 0);
    fact("mapped", m != MAP_FAILED);
    show("remap page 0 to 2", syscall(SYS_remap_file_pages, m, PG, 0, 2, 0));
    printf("pages: %c %c %c %c\n", m[0], m[PG], m[2 * PG], m[3 * PG]);
    show("remap unaligned", syscall(SYS_remap_file_pages, m + PG + 5, PG + 7, 0, 0, 0));
    printf("pages: %c %c %c %c\n", m[0], m[PG], m[2 * PG], m[3 * PG]);
    show("remap across pieces", syscall(SYS_remap_file_pages, m, 4 * PG, 0, 0, 0));
    printf("pages: %c %c %c %c\n", m[0], m[PG], m[2 * PG], m[3 * PG]);
    show("remap prot", syscall(SYS_remap_file_pages, m, PG, PROT_READ, 1, 0));
    show("remap size 0", syscall(SYS_remap_file_pages, m, 0, 0, 1, 0));
    show("remap size below a page", syscall(SYS_remap_file_pages, m, 100, 0, 1, 0));
    show("remap past the end", syscall(SYS_remap_file_pages, m + 3 * PG, 2 * PG, 0, 0, 0));
    show("remap pgoff wraps", syscall(SYS_remap_file_pages, m, 2 * PG, 0, ~0UL, 0));
    show("remap pgoff too big", syscall(SYS_remap_file_pages, m, PG, 0, 1UL << 52, 0));
    show("remap unmapped", syscall(SYS_remap_file_pages, 0x10000000UL, PG, 0, 0, 0));
    char *p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
    show("remap private", syscall(SYS_remap_file_pages, p, PG, 0, 1, 0));
    munmap(p, 2 * PG);
    munmap(m, 4 * PG);
    close(fd);
    unlink(path);

    int id = syscall(SYS_shmget, IPC_PRIVATE, 3 * PG, 0600);
    char *s = (char *)at(id, NULL, 0);
    s[0] = '0';
    s[2 * PG] = '2';
    show("remap segment page 0 to 2", syscall(SYS_remap_file_pages, s, PG, 0, 2, 0));
    printf("segment page 0: %c\n", s[0]);
    s[0] = 'z';
    fact("page 2 aliased", s[2 * PG] == 'z');
    nattch("after remap", id);
    maps_line("maps remapped", s, id, "/SYSV00000000 (deleted)");
    show("rmid", ctl(id, IPC_RMID, NULL));
    show("shmdt remapped start", dt(s));
    show("shmdt rest", dt(s));
}

int main(void)
{
    attach_tests();
    fixed_tests();
    key_tests();
    remap_tests();
    return 0;
}
