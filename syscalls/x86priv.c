/*
 * x86priv.c - the x86 privilege calls: ioperm and iopl (port I/O from user
 * mode) and modify_ldt (the process's local descriptor table).
 *
 * solo's program is alone in its VM, so giving it ports and LDT segments is
 * meaningful.  I/O permission is per thread and copied by clone: ioperm keeps
 * a 65536-bit bitmap (bit set = port denied, the TSS's own format) and iopl a
 * level; as Linux 5.5+ does, iopl(3) is emulated as "every port allowed
 * through the I/O bitmap" and never gives RFLAGS.IOPL (CLI/STI are skipped,
 * see runtime/x86_64/traps.c).  The scheduler copies the set into the CPU's
 * TSS when a thread that has one is switched in (runtime/sched/sched.c).
 * A port used without permission is a #GP: SIGSEGV with SI_KERNEL.
 *
 * The LDT is one table of LDT_ENTRIES descriptors that every CPU has loaded
 * since boot (runtime/x86_64/cpu.c); entries nobody wrote are zero, which
 * faults like a missing LDT.  ldt_used counts the entries Linux's LDT would
 * hold (it grows to the highest entry written and never shrinks); 0 means the
 * process has no LDT yet.  Selectors are (entry << 3) | 7.
 *
 * Every privileged step needs CAP_SYS_RAWIO (ioperm turning ports on, iopl
 * raising the level), which solo's root has unless the program dropped it.
 */
#include "syscalls.h"
#include "misc.h"
#include "runtime/x86_64/cpu.h"

#define CAP_SYS_RAWIO 17
#define IO_PORTS 65536UL

static u64 io_seq_next = IO_SEQ_ALL + 1;   /* names of bitmap contents, never reused */

/* ---------------------------------------------------------------- ioperm, iopl */

/* What the current thread's TSS must hold after a change, loaded at once. */
static void io_refresh(struct thread *t)
{
    t->io_seq = t->iopl == 3 ? IO_SEQ_ALL : t->io_bitmap_seq;
    sched_io_update();
}

/* Set (deny) or clear (allow) bits [from, from + num) of bm. */
static void io_bits(u8 *bm, u64 from, u64 num, bool allow)
{
    for (u64 p = from; p < from + num; p++) {
        if (allow)
            bm[p >> 3] &= (u8)~(1U << (p & 7));
        else
            bm[p >> 3] |= (u8)(1U << (p & 7));
    }
}

long sys_ioperm(u64 from, u64 num, u64 turn_on_arg)
{
    struct thread *t = current;
    bool turn_on = (int)turn_on_arg != 0;
    if (from + num <= from || from + num > IO_PORTS)
        return -EINVAL;
    if (turn_on && !cap_has(CAP_SYS_RAWIO))
        return -EPERM;
    if (t->io_bitmap == NULL) {
        if (!turn_on)
            return 0;                  /* nothing was allowed: nothing to take back */
        t->io_bitmap = kmalloc(IO_BITMAP_BYTES);
        if (t->io_bitmap == NULL)
            return -ENOMEM;
        memset(t->io_bitmap, 0xff, IO_BITMAP_BYTES);
    }
    io_bits(t->io_bitmap, from, num, turn_on);
    u32 n = IO_BITMAP_BYTES;
    while (n > 0 && t->io_bitmap[n - 1] == 0xff)
        n--;
    if (n == 0) {                      /* every port dropped: back to no bitmap */
        kfree(t->io_bitmap);
        t->io_bitmap = NULL;
        t->io_bitmap_seq = IO_SEQ_NONE;
    } else {
        t->io_bitmap_seq = io_seq_next++;
    }
    t->io_bytes = n;
    io_refresh(t);
    return 0;
}

long sys_iopl(u64 level_arg)
{
    struct thread *t = current;
    u32 level = (u32)level_arg;
    if (level > 3)
        return -EINVAL;
    if ((int)level == t->iopl)
        return 0;
    if ((int)level > t->iopl && !cap_has(CAP_SYS_RAWIO))
        return -EPERM;
    t->iopl = (int)level;
    io_refresh(t);
    return 0;
}

/* ---------------------------------------------------------------- modify_ldt */

/* Linux's struct user_desc (asm/ldt.h); the flags are bit fields of flags. */
struct user_desc_k {
    u32 entry_number;
    u32 base_addr;
    u32 limit;
    u32 flags;
};
#define UD_SEG_32BIT (1U << 0)
#define UD_CONTENTS(f) (((f) >> 1) & 3)
#define UD_READ_EXEC_ONLY (1U << 3)
#define UD_LIMIT_IN_PAGES (1U << 4)
#define UD_SEG_NOT_PRESENT (1U << 5)
#define UD_USEABLE (1U << 6)
#define UD_LM (1U << 7)

#define LDT_BYTES (LDT_ENTRIES * 8UL)
#define LDT_DEFAULT_BYTES 128UL        /* what func 2 reads on x86-64: zeros */

static u32 ldt_used;                   /* entries of the process's LDT; 0: it has none */

/* Zero n bytes of user memory at u: 0 or -EFAULT. */
static int zero_user(u64 u, u64 n)
{
    static const u8 zeros[256];
    while (n > 0) {
        u64 k = n < sizeof(zeros) ? n : sizeof(zeros);
        if (copy_to_user((void *)u, zeros, k) != 0)
            return -EFAULT;
        u += k;
        n -= k;
    }
    return 0;
}

static long ldt_read(u64 ptr, u64 bytecount)
{
    if (ldt_used == 0)
        return 0;
    if (bytecount > LDT_BYTES)
        bytecount = LDT_BYTES;
    u64 have = (u64)ldt_used * 8;
    if (have > bytecount)
        have = bytecount;
    if (copy_to_user((void *)ptr, cpu_ldt(), have) != 0)
        return -EFAULT;
    if (zero_user(ptr + have, bytecount - have) != 0)   /* the rest reads as zeros */
        return -EFAULT;
    return (long)bytecount;
}

static long ldt_read_default(u64 ptr, u64 bytecount)
{
    if (bytecount > LDT_DEFAULT_BYTES)
        bytecount = LDT_DEFAULT_BYTES;
    if (zero_user(ptr, bytecount) != 0)
        return -EFAULT;
    return (long)bytecount;
}

/* Linux's "empty" descriptor request: it clears the entry. */
static bool ldt_info_empty(const struct user_desc_k *u)
{
    return u->base_addr == 0 && u->limit == 0 &&
           (u->flags & 0xff) == (UD_READ_EXEC_ONLY | UD_SEG_NOT_PRESENT);
}

/* The 8-byte descriptor for u (accessed bit preset, DPL 3, never L). */
static u64 ldt_descriptor(const struct user_desc_k *u, bool oldmode)
{
    u64 base = u->base_addr, limit = u->limit, d = 0;
    u32 type = 1 | ((u->flags & UD_READ_EXEC_ONLY) != 0 ? 0 : 2) | UD_CONTENTS(u->flags) << 2;
    d |= limit & 0xffff;
    d |= (base & 0xffffff) << 16;
    d |= (u64)type << 40;
    d |= 1UL << 44;                    /* S: code or data */
    d |= 3UL << 45;                    /* DPL 3 */
    d |= (u64)((u->flags & UD_SEG_NOT_PRESENT) == 0) << 47;
    d |= (limit >> 16 & 0xf) << 48;
    if (!oldmode && (u->flags & UD_USEABLE) != 0)
        d |= 1UL << 52;                /* AVL */
    d |= (u64)((u->flags & UD_SEG_32BIT) != 0) << 54;
    d |= (u64)((u->flags & UD_LIMIT_IN_PAGES) != 0) << 55;
    d |= (base >> 24 & 0xff) << 56;
    return d;
}

static long ldt_write(u64 ptr, u64 bytecount, bool oldmode)
{
    struct user_desc_k u;
    u64 desc = 0;
    if (bytecount != sizeof(u))
        return -EINVAL;
    if (copy_from_user(&u, (const void *)ptr, sizeof(u)) != 0)
        return -EFAULT;
    if (u.entry_number >= LDT_ENTRIES)
        return -EINVAL;
    if (UD_CONTENTS(u.flags) == 3 && (oldmode || (u.flags & UD_SEG_NOT_PRESENT) == 0))
        return -EINVAL;
    bool clear = (oldmode && u.base_addr == 0 && u.limit == 0) || ldt_info_empty(&u);
    if (!clear) {
        /* solo has no compat-mode syscall entry (CSTAR) nor 32-bit user code
         * segment to return to, so it never lets ring 3 leave 64-bit mode. */
        if (UD_CONTENTS(u.flags) >= 2 && (u.flags & UD_SEG_NOT_PRESENT) == 0)
            return -EINVAL;
        desc = ldt_descriptor(&u, oldmode);
    }
    cpu_ldt()[u.entry_number] = desc;
    if (u.entry_number + 1 > ldt_used)
        ldt_used = u.entry_number + 1;
    /* As Linux, reload DS/ES if they hold LDT selectors (a removed one becomes 0). */
    u16 ds = SEG_READ(ds), es = SEG_READ(es);
    if ((ds & 4) != 0)
        SEG_LOAD(ds, seg_usable(ds));
    if ((es & 4) != 0)
        SEG_LOAD(es, seg_usable(es));
    return 0;
}

// partial: code segments (contents 2 or 3) can be written only not present (EINVAL otherwise): solo has no 32-bit compat-mode entry
long sys_modify_ldt(u64 func, u64 ptr, u64 bytecount)
{
    long r;
    switch ((int)func) {
    case 0: r = ldt_read(ptr, bytecount); break;
    case 1: r = ldt_write(ptr, bytecount, true); break;
    case 2: r = ldt_read_default(ptr, bytecount); break;
    case 0x11: r = ldt_write(ptr, bytecount, false); break;
    default: r = -ENOSYS; break;
    }
    /* Linux returns an int zero-extended into rax: -EINVAL reads as 0xffffffea. */
    return (long)(u32)r;
}
