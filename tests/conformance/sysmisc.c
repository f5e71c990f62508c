/*
 * sysmisc.c - capset (drops read back by capget, Linux's subset rules),
 * syslog (only calls that change nothing on the host: sizes, READ_ALL and
 * the error paths), sysfs (name <-> index round trips, /proc/filesystems
 * agrees), ustat of the cwd's device, unshare (flags, implied flags, thread
 * rules, EPERM without CAP_SYS_ADMIN) and set_thread_area/get_thread_area,
 * which x86-64 Linux does not offer to 64-bit programs (ENOSYS).
 *
 * Capabilities a CI container may lack are never assumed: privileged checks
 * print "yes" when the capability is missing natively, and the later checks
 * run after capset has dropped what they need dropped, in both worlds.  A
 * seccomp filter that refuses unshare (Docker's default without
 * CAP_SYS_ADMIN) makes the unshare checks pass the same way.
 */
// covers: syslog sysfs ustat capset unshare set_thread_area get_thread_area
#include "common.h"
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>

/* The capget/capset ABI (musl's headers lack linux/capability.h). */
struct cap_header { unsigned version; int pid; };
struct cap_data { unsigned effective, permitted, inheritable; };
#define CAP_V1 0x19980330
#define CAP_V3 0x20080522
#define C_SETPCAP 8
#define C_SYS_ADMIN 21
#define C_SYSLOG 34

#define BAD_PTR ((void *)0xffff800000000000UL)   /* a kernel address: access_ok fails */

struct caps { uint64_t eff, perm, inh; };

static int cap_get(struct caps *c)
{
    struct cap_header h = { CAP_V3, 0 };
    struct cap_data d[2];
    if (syscall(SYS_capget, &h, d) != 0)
        return -1;
    c->eff = d[0].effective | (uint64_t)d[1].effective << 32;
    c->perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
    c->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
    return 0;
}

static long cap_set(const struct caps *c)
{
    struct cap_header h = { CAP_V3, 0 };
    struct cap_data d[2] = {
        { (unsigned)c->eff, (unsigned)c->perm, (unsigned)c->inh },
        { (unsigned)(c->eff >> 32), (unsigned)(c->perm >> 32), (unsigned)(c->inh >> 32) },
    };
    return syscall(SYS_capset, &h, d);
}

static int has(uint64_t set, int cap) { return (set >> cap) & 1; }

/* ---------------------------------------------------------------- capset */

static void test_capset(void)
{
    struct caps c0, c;
    struct cap_header h = { 0, 0 };
    struct cap_data d[2];
    if (cap_get(&c0) != 0) {
        printf("capget failed\n");
        return;
    }
    fact("effective within permitted", (c0.eff & ~c0.perm) == 0);
    show("capset unknown version", syscall(SYS_capset, &h, d));
    printf("version written back: %#x\n", h.version);
    show("capset bad header", syscall(SYS_capset, BAD_PTR, d));
    h.version = CAP_V3;
    show("capset bad data", syscall(SYS_capset, &h, BAD_PTR));
    h.pid = 0x3ffffff;
    memset(d, 0, sizeof(d));
    show("capset other pid", syscall(SYS_capset, &h, d));
    c = c0;
    h.pid = (int)syscall(SYS_gettid);
    struct cap_data same[2] = {
        { (unsigned)c.eff, (unsigned)c.perm, (unsigned)c.inh },
        { (unsigned)(c.eff >> 32), (unsigned)(c.perm >> 32), (unsigned)(c.inh >> 32) },
    };
    show("capset own tid, same sets", syscall(SYS_capset, &h, same));

    /* Drop the lowest permitted capability (not one used below). */
    int x = -1;
    for (int i = 0; i < 64 && x < 0; i++)
        if (has(c0.perm, i) && i != C_SETPCAP && i != C_SYS_ADMIN && i != C_SYSLOG)
            x = i;
    if (x < 0) {
        printf("no capability to drop\n");
        return;
    }
    c.perm &= ~(1UL << x);
    c.eff &= ~(1UL << x);
    show("capset drop one", cap_set(&c));
    struct caps r;
    cap_get(&r);
    fact("drop reads back", r.eff == c.eff && r.perm == c.perm && r.inh == c.inh);
    struct caps up = c;
    up.perm |= 1UL << x;
    show("capset raise permitted", cap_set(&up));
    up = c;
    up.eff |= 1UL << x;
    show("capset effective beyond permitted", cap_set(&up));
    up = c;
    up.eff &= ~(1UL << C_SETPCAP);
    show("capset drop SETPCAP from effective", cap_set(&up));
    c = up;
    struct caps inh = c;
    inh.inh = 1UL << C_SYS_ADMIN;      /* permitted: allowed */
    show("capset inheritable within permitted", cap_set(&inh));
    cap_get(&r);
    fact("inheritable reads back", r.inh == inh.inh);
    inh.inh |= 1UL << x;               /* neither permitted nor inheritable, no SETPCAP */
    show("capset inheritable beyond permitted", cap_set(&inh));
    inh.inh = 0;
    show("capset clear inheritable", cap_set(&inh));
}

/* ---------------------------------------------------------------- syslog */

static void test_syslog(void)
{
    static char buf[1 << 16];
    struct caps c;
    cap_get(&c);
    int priv = has(c.eff, C_SYSLOG) || has(c.eff, C_SYS_ADMIN);
    long n = syscall(SYS_syslog, 10, NULL, 0);
    fact("SIZE_BUFFER > 0 (when privileged)", !priv || n > 0);
    long a = syscall(SYS_syslog, 3, buf, (int)sizeof(buf));
    fact("READ_ALL in 0..len (when privileged)", !priv || (a >= 0 && a <= (long)sizeof(buf)));
    fact("READ_ALL records start with <level> (when privileged)", !priv || a == 0 || buf[0] == '<');
    a = syscall(SYS_syslog, 3, buf, 0);
    fact("READ_ALL len 0 is 0 (when privileged)", !priv || a == 0);
    a = syscall(SYS_syslog, 3, NULL, 16);
    fact("READ_ALL NULL is EINVAL (when privileged)", !priv || (a == -1 && errno == EINVAL));
    a = syscall(SYS_syslog, 3, buf, -1);
    fact("READ_ALL negative len is EINVAL (when privileged)", !priv || (a == -1 && errno == EINVAL));
    a = syscall(SYS_syslog, 3, BAD_PTR, 16);
    fact("READ_ALL bad buffer is EFAULT (when privileged)", !priv || (a == -1 && errno == EFAULT));
    a = syscall(SYS_syslog, 2, NULL, 16);
    fact("READ NULL is EINVAL (when privileged)", !priv || (a == -1 && errno == EINVAL));
    a = syscall(SYS_syslog, 2, buf, 0);
    fact("READ len 0 is 0 (when privileged)", !priv || a == 0);
    a = syscall(SYS_syslog, 8, NULL, 0);
    fact("CONSOLE_LEVEL 0 is EINVAL (when privileged)", !priv || (a == -1 && errno == EINVAL));
    a = syscall(SYS_syslog, 8, NULL, 9);
    fact("CONSOLE_LEVEL 9 is EINVAL (when privileged)", !priv || (a == -1 && errno == EINVAL));
    a = syscall(SYS_syslog, 11, NULL, 0);
    fact("unknown action is EINVAL (when privileged)", !priv || (a == -1 && errno == EINVAL));
    a = syscall(SYS_syslog, 9, NULL, 0);
    fact("SIZE_UNREAD >= 0 (when privileged)", !priv || a >= 0);

    /* Without CAP_SYSLOG and CAP_SYS_ADMIN: refused (these are restricted whatever dmesg_restrict says). */
    c.eff &= ~((1UL << C_SYSLOG) | (1UL << C_SYS_ADMIN));
    show("capset drop SYSLOG and SYS_ADMIN from effective", cap_set(&c));
    show("unprivileged CLEAR", syscall(SYS_syslog, 5, NULL, 0));
    show("unprivileged CONSOLE_LEVEL", syscall(SYS_syslog, 8, NULL, 7));
    show("unprivileged READ", syscall(SYS_syslog, 2, buf, 16));
    show("unprivileged CONSOLE_OFF", syscall(SYS_syslog, 6, NULL, 0));
}

/* ---------------------------------------------------------------- sysfs */

static void test_sysfs(void)
{
    char name[64], *p;
    long count = syscall(SYS_sysfs, 3);
    fact("type count > 0", count > 0);
    int round = 1;
    for (long i = 0; i < count; i++) {
        memset(name, 0, sizeof(name));
        if (syscall(SYS_sysfs, 2, (unsigned)i, name) != 0 || syscall(SYS_sysfs, 1, name) != i)
            round = 0;
    }
    fact("name <-> index round trip", round);
    fact("proc is a type", syscall(SYS_sysfs, 1, "proc") >= 0);
    fact("tmpfs is a type", syscall(SYS_sysfs, 1, "tmpfs") >= 0);
    show("unknown type name", syscall(SYS_sysfs, 1, "no-such-fs"));
    show("empty type name", syscall(SYS_sysfs, 1, ""));
    show("type name bad pointer", syscall(SYS_sysfs, 1, BAD_PTR));
    show("index out of range", syscall(SYS_sysfs, 2, (unsigned)count, name));
    show("index huge", syscall(SYS_sysfs, 2, 0xffffffffU, name));
    show("name buffer bad pointer", syscall(SYS_sysfs, 2, 0, BAD_PTR));
    show("option 0", syscall(SYS_sysfs, 0));
    show("option 4", syscall(SYS_sysfs, 4));

    /* /proc/filesystems lists the same types in the same order. */
    static char text[16384];
    FILE *f = fopen("/proc/filesystems", "r");
    size_t len = f != NULL ? fread(text, 1, sizeof(text) - 1, f) : 0;
    if (f != NULL)
        fclose(f);
    text[len] = '\0';
    long i = 0;
    int agree = f != NULL;
    for (char *line = strtok_r(text, "\n", &p); line != NULL; line = strtok_r(NULL, "\n", &p), i++) {
        char *tab = strchr(line, '\t');
        memset(name, 0, sizeof(name));
        if (tab == NULL || syscall(SYS_sysfs, 2, (unsigned)i, name) != 0 || strcmp(tab + 1, name) != 0)
            agree = 0;
    }
    fact("/proc/filesystems agrees with sysfs", agree && i == count);
}

/* ---------------------------------------------------------------- ustat */

struct ustat_k { int f_tfree; unsigned long f_tinode; char f_fname[6], f_fpack[6]; };

static void test_ustat(void)
{
    struct stat st;
    struct ustat_k u;
    memset(&u, 0x55, sizeof(u));
    stat(".", &st);
    show("ustat cwd device", syscall(SYS_ustat, (unsigned)st.st_dev, &u));
    fact("ustat names are empty", u.f_fname[0] == '\0' && u.f_fpack[0] == '\0');
    fact("ustat free blocks >= 0", u.f_tfree >= 0);
    stat("/proc", &st);
    show("ustat /proc device", syscall(SYS_ustat, (unsigned)st.st_dev, &u));
    stat(".", &st);
    show("ustat bad buffer", syscall(SYS_ustat, (unsigned)st.st_dev, BAD_PTR));
    show("ustat unknown device", syscall(SYS_ustat, 0xfff0fU, &u));
}

/* ---------------------------------------------------------------- unshare */

static int unshare_filtered;           /* a seccomp filter refuses unshare natively */

static void unshare_check(const char *what, unsigned long flags, int want)
{
    long r = syscall(SYS_unshare, flags);
    int got = r == 0 ? 0 : errno;
    if (unshare_filtered)
        got = want;
    printf("%s: %s\n", what, got == 0 ? "0" : errname(got));
}

static int gate[2];

static void *sleeper(void *arg)
{
    char c;
    (void)arg;
    if (read(gate[0], &c, 1) != 1)
        return NULL;
    return NULL;
}

static void test_unshare(void)
{
    long r = syscall(SYS_unshare, 0UL);
    unshare_filtered = r != 0 && errno == EPERM;
    unshare_check("unshare 0", 0, 0);
    unshare_check("unshare unknown bit", 0x1, EINVAL);
    unshare_check("unshare CLONE_VFORK", 0x4000, EINVAL);
    unshare_check("unshare high bit", 1UL << 40, EINVAL);
    unshare_check("unshare CLONE_FILES", 0x400, 0);
    unshare_check("unshare CLONE_FS", 0x200, 0);
    unshare_check("unshare CLONE_SYSVSEM", 0x40000, 0);
    unshare_check("unshare CLONE_VM alone", 0x100, 0);
    unshare_check("unshare CLONE_THREAD alone", 0x10000, 0);
    pthread_t t;
    if (pipe(gate) != 0 || pthread_create(&t, NULL, sleeper, NULL) != 0) {
        printf("no thread\n");
        return;
    }
    unshare_check("unshare CLONE_THREAD with a thread", 0x10000, EINVAL);
    unshare_check("unshare CLONE_SIGHAND with a thread", 0x800, EINVAL);
    unshare_check("unshare CLONE_VM with a thread", 0x100, EINVAL);
    if (write(gate[1], "x", 1) != 1)
        printf("write failed\n");
    pthread_join(t, NULL);
    /* CAP_SYS_ADMIN is no longer effective (test_syslog dropped it). */
    unshare_check("unshare CLONE_NEWUTS without CAP_SYS_ADMIN", 0x4000000, EPERM);
    unshare_check("unshare CLONE_NEWNET without CAP_SYS_ADMIN", 0x40000000, EPERM);
    unshare_check("unshare CLONE_NEWNS without CAP_SYS_ADMIN", 0x20000, EPERM);
    unshare_check("unshare CLONE_NEWUTS with an unknown bit", 0x4000001, EINVAL);
}

/* ---------------------------------------------------------------- TLS descriptors */

/* x86-64 Linux has no 64-bit set_thread_area/get_thread_area (the GDT TLS
 * entries are for 32-bit programs through int $0x80): ENOSYS, any argument. */
static void test_tls(void)
{
    unsigned u[4] = { (unsigned)-1, 0, 0xfff, 1 };
    show("set_thread_area", syscall(SYS_set_thread_area, u));
    show("set_thread_area bad pointer", syscall(SYS_set_thread_area, BAD_PTR));
    u[0] = 12;
    show("get_thread_area", syscall(SYS_get_thread_area, u));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_capset();
    test_sysfs();
    test_ustat();
    test_tls();
    test_syslog();
    test_unshare();
    return 0;
}
