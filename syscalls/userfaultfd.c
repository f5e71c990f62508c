/*
 * userfaultfd.c - userfaultfd(2) and its ioctls (ioctl_userfaultfd(2)): a
 * program registers ranges of its anonymous private memory with a
 * userfaultfd; a touch of a missing page there allocates nothing: the
 * touching thread queues a struct uffd_msg (UFFD_EVENT_PAGEFAULT) for the
 * descriptor and sleeps until a handler thread reads it and fills the page
 * (UFFDIO_COPY, UFFDIO_ZEROPAGE) or wakes it (UFFDIO_WAKE); the access is
 * then retried.  Kernel accesses (copy_from_user inside a syscall) wait the
 * same way unless the descriptor was made with UFFD_USER_MODE_ONLY.
 *
 * Registrations live here, not in the VM's regions: a list of
 * [start, end) pieces, each inside one anonymous private region and owned
 * by one context.  The VM calls uffd_fault for a missing page of such a
 * region while any piece exists (uffd_ranges != 0) and uffd_unmapped when
 * mappings go away (munmap, MAP_FIXED over them, mremap's old range), so a
 * registration never outlives its mapping, as on Linux where it is a vma
 * attribute.
 *
 * A waiting fault is a struct uffd_wait on the faulting thread's kernel
 * stack, linked into its context's list in fault order until it is woken
 * (done) or its wait is interrupted by a signal.  Closing the descriptor
 * drops its registrations and wakes every waiter: the retried access then
 * gets an ordinary zero page.
 * Invariant: a piece's context is alive (release removes its pieces), and
 * a wait in a context's list has done == false.
 */
#include "syscalls/syscalls.h"
#include "fs/vfs_impl.h"
#include "runtime/mm/vm.h"

/* <linux/userfaultfd.h> */
#define UFFD_API 0xAAUL
#define UFFD_USER_MODE_ONLY 1
#define UFFD_EVENT_PAGEFAULT 0x12
#define UFFD_PAGEFAULT_FLAG_WRITE (1UL << 0)
#define UFFD_FEATURE_SIGBUS (1UL << 7)
#define UFFD_FEATURE_THREAD_ID (1UL << 8)
#define UFFD_FEATURE_EXACT_ADDRESS (1UL << 11)
#define UFFD_FEATURE_WP_UNPOPULATED (1UL << 13)
#define UFFD_FEATURE_WP_ASYNC (1UL << 15)
#define UFFD_FEATURES (UFFD_FEATURE_SIGBUS | UFFD_FEATURE_THREAD_ID | UFFD_FEATURE_EXACT_ADDRESS)
#define UFFD_INITIALIZED (1UL << 63)   /* ours: UFFDIO_API succeeded */

#define UFFDIO_REGISTER_MODE_MISSING (1UL << 0)
#define UFFDIO_REGISTER_MODE_WP (1UL << 1)
#define UFFDIO_REGISTER_MODE_MINOR (1UL << 2)
#define UFFDIO_COPY_MODE_DONTWAKE (1UL << 0)
#define UFFDIO_COPY_MODE_WP (1UL << 1)
#define UFFDIO_ZEROPAGE_MODE_DONTWAKE (1UL << 0)
#define UFFDIO_WRITEPROTECT_MODE_WP (1UL << 0)
#define UFFDIO_WRITEPROTECT_MODE_DONTWAKE (1UL << 1)
#define UFFDIO_CONTINUE_MODE_DONTWAKE (1UL << 0)
#define UFFDIO_CONTINUE_MODE_WP (1UL << 1)

#define _UFFDIO_REGISTER 0x00
#define _UFFDIO_UNREGISTER 0x01
#define _UFFDIO_WAKE 0x02
#define _UFFDIO_COPY 0x03
#define _UFFDIO_ZEROPAGE 0x04
#define _UFFDIO_WRITEPROTECT 0x06
#define _UFFDIO_CONTINUE 0x07
#define _UFFDIO_API 0x3f
#define UFFD_IOC(dir, nr, size) (((unsigned)(dir) << 30) | ((unsigned)(size) << 16) | (0xaaU << 8) | (nr))
#define UFFDIO_API UFFD_IOC(3, _UFFDIO_API, 24)
#define UFFDIO_REGISTER UFFD_IOC(3, _UFFDIO_REGISTER, 32)
#define UFFDIO_UNREGISTER UFFD_IOC(2, _UFFDIO_UNREGISTER, 16)
#define UFFDIO_WAKE UFFD_IOC(2, _UFFDIO_WAKE, 16)
#define UFFDIO_COPY UFFD_IOC(3, _UFFDIO_COPY, 40)
#define UFFDIO_ZEROPAGE UFFD_IOC(3, _UFFDIO_ZEROPAGE, 32)
#define UFFDIO_WRITEPROTECT UFFD_IOC(3, _UFFDIO_WRITEPROTECT, 24)
#define UFFDIO_CONTINUE UFFD_IOC(3, _UFFDIO_CONTINUE, 32)
/* What UFFDIO_API and UFFDIO_REGISTER report. */
#define UFFD_API_IOCTLS ((1UL << _UFFDIO_REGISTER) | (1UL << _UFFDIO_UNREGISTER) | (1UL << _UFFDIO_API))
#define UFFD_RANGE_IOCTLS ((1UL << _UFFDIO_WAKE) | (1UL << _UFFDIO_COPY) | (1UL << _UFFDIO_ZEROPAGE))

#define PF_WRITE (1UL << 1)
#define PF_USER (1UL << 2)

struct uffd_msg {
    u8 event, reserved1;
    u16 reserved2;
    u32 reserved3;
    u64 flags, address;
    u32 ptid;
    u32 pad;
};
struct uffdio_range { u64 start, len; };
struct uffdio_api { u64 api, features, ioctls; };
struct uffdio_register { struct uffdio_range range; u64 mode, ioctls; };
struct uffdio_copy { u64 dst, src, len, mode; s64 copy; };
struct uffdio_zeropage { struct uffdio_range range; u64 mode; s64 zeropage; };
struct uffdio_writeprotect { struct uffdio_range range; u64 mode; };
struct uffdio_continue { struct uffdio_range range; u64 mode; s64 mapped; };

/* A thread waiting for a missing page (on its kernel stack). */
struct uffd_wait {
    u64 addr;                          /* the faulting address */
    u64 flags;                         /* UFFD_PAGEFAULT_FLAG_* */
    int tid;
    bool read;                         /* its message was read */
    bool done;                         /* woken: retry the access */
    struct uffd_wait *next;
};

struct uffd {
    u64 features;                      /* UFFD_FEATURE_* asked for, | UFFD_INITIALIZED */
    bool user_mode_only;
    struct uffd_wait *waits;           /* waiting faults, oldest first */
    struct waitq readers;              /* read() waiting for a message */
    struct waitq faulters;             /* faulting threads */
};

/* A registered piece of address space. */
struct uffd_reg {
    u64 start, end;
    struct uffd *ctx;
    struct uffd_reg *next;
};

u64 uffd_ranges;                       /* pieces in regs (the VM tests it) */
static struct uffd_reg *regs;

static struct vnode uffd_vnode = { .name = "anon_inode:[userfaultfd]", .nops = &anon_inode_nops };

/* ------------------------------------------------------------ registrations */

static struct uffd_reg *reg_find(u64 addr)
{
    for (struct uffd_reg *g = regs; g != NULL; g = g->next)
        if (addr >= g->start && addr < g->end)
            return g;
    return NULL;
}

static int reg_add(u64 start, u64 end, struct uffd *ctx)
{
    struct uffd_reg *g = kzalloc(sizeof(*g));
    if (g == NULL)
        return -ENOMEM;
    g->start = start;
    g->end = end;
    g->ctx = ctx;
    g->next = regs;
    regs = g;
    uffd_ranges++;
    return 0;
}

/* Drop [start, end) from the pieces (of ctx, or of any context when NULL). */
static void reg_cut(u64 start, u64 end, struct uffd *ctx)
{
    for (struct uffd_reg **pp = &regs; *pp != NULL;) {
        struct uffd_reg *g = *pp;
        if ((ctx != NULL && g->ctx != ctx) || g->end <= start || g->start >= end) {
            pp = &g->next;
            continue;
        }
        if (g->start < start && g->end > end) {
            /* The cut is inside: keep the tail as a new piece (if memory
             * allows; else it is simply no longer registered). */
            reg_add(end, g->end, g->ctx);
            g->end = start;
        } else if (g->start < start) {
            g->end = start;
        } else if (g->end > end) {
            g->start = end;
        } else {
            *pp = g->next;
            kfree(g);
            uffd_ranges--;
            continue;
        }
        pp = &g->next;
    }
}

void uffd_unmapped(u64 start, u64 end)
{
    reg_cut(start, end, NULL);
}

/* Whether [start, end) is wholly registered (with any context). */
static bool reg_covers(u64 start, u64 end)
{
    while (start < end) {
        struct uffd_reg *g = reg_find(start);
        if (g == NULL)
            return false;
        start = g->end;
    }
    return true;
}

/* ------------------------------------------------------------ faults */

/* Wake the waiters of ctx whose fault address lies in [start, start+len). */
static void wake_range(struct uffd *ctx, u64 start, u64 len)
{
    bool any = false;
    for (struct uffd_wait **pp = &ctx->waits; *pp != NULL;) {
        struct uffd_wait *w = *pp;
        if (w->addr >= start && w->addr - start < len) {
            *pp = w->next;
            w->done = true;
            any = true;
        } else {
            pp = &w->next;
        }
    }
    if (any)
        waitq_wake(&ctx->faulters, 1 << 30);
}

static void unlink_wait(struct uffd *ctx, struct uffd_wait *w)
{
    for (struct uffd_wait **pp = &ctx->waits; *pp != NULL; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            return;
        }
}

int uffd_fault(u64 addr, u64 error_code)
{
    struct uffd_reg *g = reg_find(addr);
    if (g == NULL)
        return 1;
    struct uffd *ctx = g->ctx;
    bool user = (error_code & PF_USER) != 0;
    if ((ctx->features & UFFD_FEATURE_SIGBUS) != 0)
        return -EIO;                   /* SIGBUS (BUS_ADRERR); EFAULT in a syscall */
    if (!user && ctx->user_mode_only)
        return -EFAULT;
    struct uffd_wait w = { 0 };
    w.addr = (ctx->features & UFFD_FEATURE_EXACT_ADDRESS) != 0 ? addr : ALIGN_DOWN(addr, PAGE_SIZE);
    w.flags = (error_code & PF_WRITE) != 0 ? UFFD_PAGEFAULT_FLAG_WRITE : 0;
    w.tid = current->tid;
    struct uffd_wait **pp = &ctx->waits;
    while (*pp != NULL)
        pp = &(*pp)->next;
    *pp = &w;
    waitq_wake(&ctx->readers, 1 << 30);
    vfs_poll_wake();
    while (!w.done) {
        if (waitq_wait_intr(&ctx->faulters, 0) == -EINTR) {
            /* A signal to act on: let it be delivered; the access faults
             * again afterwards (a syscall's copy fails with EFAULT). */
            if (!w.done)
                unlink_wait(ctx, &w);
            return user ? 0 : -EFAULT;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ the file */

static long uffd_read(struct file *f, void *buf, size_t n, u64 off)
{
    (void)off;
    struct uffd *ctx = f->priv;
    size_t done = 0;
    if ((ctx->features & UFFD_INITIALIZED) == 0 || n < sizeof(struct uffd_msg))
        return -EINVAL;
    while (done + sizeof(struct uffd_msg) <= n) {
        struct uffd_wait *w = ctx->waits;
        while (w != NULL && w->read)
            w = w->next;
        if (w != NULL) {
            struct uffd_msg m = { 0 };
            m.event = UFFD_EVENT_PAGEFAULT;
            m.flags = w->flags;
            m.address = w->addr;
            if ((ctx->features & UFFD_FEATURE_THREAD_ID) != 0)
                m.ptid = (u32)w->tid;
            memcpy((u8 *)buf + done, &m, sizeof(m));
            w->read = true;
            done += sizeof(m);
            continue;
        }
        if (done > 0)
            break;
        if ((f->flags & O_NONBLOCK) != 0)
            return -EAGAIN;
        if (waitq_wait_intr(&ctx->readers, 0) == -EINTR)
            return -EINTR;
    }
    return (long)done;
}

/* Linux: EPOLLERR before UFFDIO_API and on a blocking descriptor (poll
 * cannot promise that a read will not block); EPOLLIN while a fault waits
 * unread. */
static int uffd_poll(struct file *f)
{
    struct uffd *ctx = f->priv;
    if ((ctx->features & UFFD_INITIALIZED) == 0 || (f->flags & O_NONBLOCK) == 0)
        return POLLERR;
    for (struct uffd_wait *w = ctx->waits; w != NULL; w = w->next)
        if (!w->read)
            return POLLIN;
    return 0;
}

static void uffd_release(struct file *f)
{
    struct uffd *ctx = f->priv;
    reg_cut(0, ~0UL, ctx);
    wake_range(ctx, 0, ~0UL);          /* the retried accesses get zero pages */
    kfree(ctx);
}

/* ------------------------------------------------------------ ioctls */

/* Linux's validate_range: start (page-aligned unless unaligned_ok) and a
 * non-empty page-multiple len inside the user address space. */
static int check_range(u64 start, u64 len, bool unaligned_ok)
{
    if ((!unaligned_ok && start % PAGE_SIZE != 0) || len % PAGE_SIZE != 0 || len == 0)
        return -EINVAL;
    if (start < VM_MIN_ADDR || start >= USER_TOP || len > USER_TOP - start)
        return -EINVAL;
    return 0;
}

static bool anon_private(int kind, u32 flags)
{
    return (kind == VM_ANON || kind == VM_BRK || kind == VM_STACK) && (flags & VMR_SHARED) == 0;
}

/* Check the regions meeting [start, end): at least one, all anonymous
 * private (EINVAL), none registered with another context than ctx (busy). */
static int check_regions(u64 start, u64 end, struct uffd *ctx, int busy)
{
    u64 at = start, rs, re;
    int kind;
    u32 flags, prot;
    if (vm_region_next(start, &rs, &kind, &flags, &prot, &re) < 0 || rs >= end)
        return -EINVAL;
    while (vm_region_next(at, &rs, &kind, &flags, &prot, &re) == 0 && rs < end) {
        if (!anon_private(kind, flags))
            return -EINVAL;
        at = re;
    }
    for (struct uffd_reg *g = regs; g != NULL; g = g->next)
        if (g->ctx != ctx && g->start < end && g->end > start)
            return busy;
    return 0;
}

static long uffd_api(struct uffd *ctx, u64 arg)
{
    struct uffdio_api a;
    long e = -EINVAL;
    if (copy_from_user(&a, (void *)arg, sizeof(a)) < 0)
        return -EFAULT;
    u64 want = a.features;
    if ((want & UFFD_FEATURE_WP_ASYNC) != 0)
        want |= UFFD_FEATURE_WP_UNPOPULATED;
    if (a.api == UFFD_API && (want & ~UFFD_FEATURES) == 0) {
        a.features = UFFD_FEATURES;
        a.ioctls = UFFD_API_IOCTLS;
        if (copy_to_user((void *)arg, &a, sizeof(a)) < 0)
            return -EFAULT;
        if ((ctx->features & UFFD_INITIALIZED) == 0) {
            ctx->features = want | UFFD_INITIALIZED;
            return 0;
        }
    }
    /* Failure (a second UFFDIO_API included) zeroes the caller's struct. */
    memset(&a, 0, sizeof(a));
    if (copy_to_user((void *)arg, &a, sizeof(a)) < 0)
        e = -EFAULT;
    return e;
}

static long uffd_register(struct uffd *ctx, u64 arg)
{
    struct uffdio_register r;
    if (copy_from_user(&r, (void *)arg, sizeof(r) - sizeof(u64)) < 0)
        return -EFAULT;
    /* Only missing-page tracking: write-protect and minor faults are
     * refused as on a kernel built without them. */
    if (r.mode != UFFDIO_REGISTER_MODE_MISSING)
        return -EINVAL;
    u64 start = r.range.start, end = r.range.start + r.range.len;
    int e = check_range(start, r.range.len, false);
    if (e == 0)
        e = check_regions(start, end, ctx, -EBUSY);
    if (e < 0)
        return e;
    reg_cut(start, end, ctx);
    u64 at = start, rs, re;
    int kind;
    u32 flags, prot;
    while (vm_region_next(at, &rs, &kind, &flags, &prot, &re) == 0 && rs < end) {
        if (reg_add(MAX(rs, start), MIN(re, end), ctx) < 0)
            return -ENOMEM;
        at = re;
    }
    u64 ioctls = UFFD_RANGE_IOCTLS;
    if (copy_to_user(&((struct uffdio_register *)arg)->ioctls, &ioctls, sizeof(ioctls)) < 0)
        return -EFAULT;
    return 0;
}

static long uffd_unregister(struct uffd *ctx, u64 arg)
{
    struct uffdio_range r;
    if (copy_from_user(&r, (void *)arg, sizeof(r)) < 0)
        return -EFAULT;
    int e = check_range(r.start, r.len, false);
    if (e == 0)
        e = check_regions(r.start, r.start + r.len, ctx, -EINVAL);
    if (e < 0)
        return e;
    reg_cut(r.start, r.start + r.len, ctx);
    wake_range(ctx, r.start, r.len);   /* their retried accesses fault in normally */
    return 0;
}

/* Fill the pages of [dst, dst+len) from src (user memory; 0: zeroes): the
 * bytes filled, or the error that stopped the first page.  The range must
 * lie in one registered anonymous region (ENOENT). */
static long fill_range(u64 dst, u64 src, u64 len)
{
    int kind;
    u32 flags, prot;
    u64 end;
    if (vm_region_info(dst, &kind, &flags, &prot, &end) < 0 || !anon_private(kind, flags) ||
        end - dst < len || !reg_covers(dst, dst + len))
        return -ENOENT;
    void *page = NULL;
    if (src != 0 && (page = kmalloc(PAGE_SIZE)) == NULL)
        return -ENOMEM;
    u64 done = 0;
    long e = 0;
    while (done < len) {
        if (page != NULL && copy_from_user(page, (void *)(src + done), PAGE_SIZE) < 0)
            e = -EFAULT;
        else
            e = vm_fill_page(dst + done, page);
        if (e < 0)
            break;
        done += PAGE_SIZE;
    }
    kfree(page);
    return done > 0 ? (long)done : e;
}

/* The end of UFFDIO_COPY and UFFDIO_ZEROPAGE: report n at *uout, wake the
 * range filled unless dontwake; 0, or EAGAIN for a partial fill. */
static long fill_done(struct uffd *ctx, long n, s64 *uout, u64 dst, u64 len, bool dontwake)
{
    s64 v = n;
    if (copy_to_user(uout, &v, sizeof(v)) < 0)
        return -EFAULT;
    if (n < 0)
        return n;
    if (!dontwake)
        wake_range(ctx, dst, (u64)n);
    return (u64)n == len ? 0 : -EAGAIN;
}

static long uffd_copy(struct uffd *ctx, u64 arg)
{
    struct uffdio_copy c;
    if (copy_from_user(&c, (void *)arg, sizeof(c) - sizeof(s64)) < 0)
        return -EFAULT;
    int e = check_range(c.src, c.len, true);
    if (e == 0)
        e = check_range(c.dst, c.len, false);
    if (e < 0)
        return e;
    /* MODE_WP needs a write-protect registration, which cannot exist. */
    if ((c.mode & ~UFFDIO_COPY_MODE_DONTWAKE) != 0)
        return -EINVAL;
    long n = fill_range(c.dst, c.src, c.len);
    return fill_done(ctx, n, &((struct uffdio_copy *)arg)->copy, c.dst, c.len,
                     (c.mode & UFFDIO_COPY_MODE_DONTWAKE) != 0);
}

static long uffd_zeropage(struct uffd *ctx, u64 arg)
{
    struct uffdio_zeropage z;
    if (copy_from_user(&z, (void *)arg, sizeof(z) - sizeof(s64)) < 0)
        return -EFAULT;
    int e = check_range(z.range.start, z.range.len, false);
    if (e < 0)
        return e;
    if ((z.mode & ~UFFDIO_ZEROPAGE_MODE_DONTWAKE) != 0)
        return -EINVAL;
    long n = fill_range(z.range.start, 0, z.range.len);
    return fill_done(ctx, n, &((struct uffdio_zeropage *)arg)->zeropage, z.range.start,
                     z.range.len, (z.mode & UFFDIO_ZEROPAGE_MODE_DONTWAKE) != 0);
}

static long uffd_wake(struct uffd *ctx, u64 arg)
{
    struct uffdio_range r;
    if (copy_from_user(&r, (void *)arg, sizeof(r)) < 0)
        return -EFAULT;
    int e = check_range(r.start, r.len, false);
    if (e < 0)
        return e;
    wake_range(ctx, r.start, r.len);
    return 0;
}

/* UFFDIO_WRITEPROTECT: no range is ever registered for write-protect
 * tracking, so after Linux's argument checks it is ENOENT. */
static long uffd_writeprotect(u64 arg)
{
    struct uffdio_writeprotect w;
    if (copy_from_user(&w, (void *)arg, sizeof(w)) < 0)
        return -EFAULT;
    int e = check_range(w.range.start, w.range.len, false);
    if (e < 0)
        return e;
    u64 modes = UFFDIO_WRITEPROTECT_MODE_WP | UFFDIO_WRITEPROTECT_MODE_DONTWAKE;
    if ((w.mode & ~modes) != 0 || (w.mode & modes) == modes)
        return -EINVAL;
    return -ENOENT;
}

/* UFFDIO_CONTINUE: minor faults exist only for shared memory, which cannot
 * be registered here: ENOENT outside registered memory, EINVAL inside. */
static long uffd_continue(u64 arg)
{
    struct uffdio_continue c;
    if (copy_from_user(&c, (void *)arg, sizeof(c) - sizeof(s64)) < 0)
        return -EFAULT;
    int e = check_range(c.range.start, c.range.len, false);
    if (e < 0)
        return e;
    if ((c.mode & ~(UFFDIO_CONTINUE_MODE_DONTWAKE | UFFDIO_CONTINUE_MODE_WP)) != 0)
        return -EINVAL;
    s64 v = reg_covers(c.range.start, c.range.start + c.range.len) ? -EINVAL : -ENOENT;
    if (copy_to_user(&((struct uffdio_continue *)arg)->mapped, &v, sizeof(v)) < 0)
        return -EFAULT;
    return v;
}

static long uffd_ioctl(struct file *f, unsigned cmd, u64 arg)
{
    struct uffd *ctx = f->priv;
    if (cmd != UFFDIO_API && (ctx->features & UFFD_INITIALIZED) == 0)
        return -EINVAL;
    switch (cmd) {
    case UFFDIO_API: return uffd_api(ctx, arg);
    case UFFDIO_REGISTER: return uffd_register(ctx, arg);
    case UFFDIO_UNREGISTER: return uffd_unregister(ctx, arg);
    case UFFDIO_COPY: return uffd_copy(ctx, arg);
    case UFFDIO_ZEROPAGE: return uffd_zeropage(ctx, arg);
    case UFFDIO_WAKE: return uffd_wake(ctx, arg);
    case UFFDIO_WRITEPROTECT: return uffd_writeprotect(arg);
    case UFFDIO_CONTINUE: return uffd_continue(arg);
    default: return -EINVAL;
    }
}

static const struct file_ops uffd_fops = {
    .read = uffd_read,
    .ioctl = uffd_ioctl,
    .poll = uffd_poll,
    .release = uffd_release,
};

// partial: registration covers anonymous private memory in MISSING mode only (shared memory, hugetlbfs, write-protect and minor-fault modes give EINVAL); no UFFD_FEATURE_EVENT_* (fork, remap, remove, unmap), UFFDIO_MOVE or UFFDIO_POISON
long sys_userfaultfd(int flags)
{
    if ((flags & ~(O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY)) != 0)
        return -EINVAL;
    struct uffd *ctx = kzalloc(sizeof(*ctx));
    struct file *f = file_alloc();
    if (ctx == NULL || f == NULL) {
        kfree(ctx);
        kfree(f);
        return -ENOMEM;
    }
    ctx->user_mode_only = (flags & UFFD_USER_MODE_ONLY) != 0;
    waitq_init(&ctx->readers);
    waitq_init(&ctx->faulters);
    f->ops = &uffd_fops;
    f->priv = ctx;
    f->node = (struct node){ &uffd_vnode, anon_inode_next() };
    f->flags = O_RDONLY | (flags & O_NONBLOCK);
    int fd = fd_install(f, 0, (flags & O_CLOEXEC) != 0);
    if (fd < 0)
        file_put(f);
    return fd;
}
