/*
 * cpu.c - CPU setup: the GDT with a TSS (IST stacks for #DF and NMI), the IDT
 * pointing at entry.S's vector stubs, the SYSCALL MSRs, the per-CPU block in
 * GS, and FPU/SSE/AVX enabling with XSAVE (CR4.OSFXSR/OSXMMEXCPT/OSXSAVE,
 * XCR0 = every user state the CPU offers among x87, SSE, AVX, AVX-512).
 * cpu_init runs once on the boot CPU; cpu_init_ap repeats the per-CPU part on
 * each application processor (own GDT, TSS and IST stacks in its struct cpu;
 * the IDT and the XCR0 choice are shared).  Kernel code never touches FPU
 * registers.
 *
 * I/O permission: each TSS is followed by a 65536-bit I/O bitmap (and the
 * 0xff byte the CPU may read past its end) inside the TSS limit.  Threads
 * that never called ioperm/iopl run with iomap_base beyond the limit, which
 * denies every port without the bitmap being looked at; cpu_io_load switches
 * it in for those that did (called from the scheduler's switch_to).
 *
 * LDT: one table of LDT_ENTRIES descriptors, the process's (modify_ldt,
 * syscalls/x86priv.c), is described by GDT slots 7-8 of every CPU and loaded
 * with LLDT at start-up.  Unused entries are zero, so loading their selectors
 * faults exactly as with no LDT; a change made by modify_ldt is seen by every
 * CPU at its next segment load, with no reload or IPI needed.
 */
#include "cpu.h"

struct tss {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base;
    u8 iobm[IO_BITMAP_BYTES];          /* bit n set: port n denied */
    u8 iobm_end;                       /* always 0xff */
} __attribute__((packed));

#define IOMAP_BASE_VALID 104           /* offsetof(struct tss, iobm) */
#define IOMAP_BASE_INVALID 0xffff      /* beyond the limit: no bitmap, every port denied */

struct idt_entry {
    u16 off_lo, sel;
    u8 ist, type;
    u16 off_mid;
    u32 off_hi, zero;
} __attribute__((packed));

struct cpu cpu0;
static struct tss tss0 __attribute__((aligned(16)));
static struct idt_entry idt[256] __attribute__((aligned(16)));
static u64 ldt_table[LDT_ENTRIES] __attribute__((aligned(4096)));
static u8 ist_df[8192] __attribute__((aligned(16)));
static u8 ist_nmi[8192] __attribute__((aligned(16)));
static u32 xsave_bytes = 512;
static bool have_xsave;
static u64 xcr0_mask;

extern char vector_stubs[];
extern void syscall_entry(void);

void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

/* Load c's GDT and TSS (whose IST stacks are set) and reload every segment register. */
static void gdt_init(struct cpu *c)
{
    struct tss *tss = c->tss;
    u64 *gdt = c->gdt;
    u64 base = (u64)tss;
    u64 limit = sizeof(*tss) - 1;
    u64 lbase = (u64)ldt_table, llimit = sizeof(ldt_table) - 1;
    struct { u16 limit; u64 base; } __attribute__((packed)) ptr = { sizeof(c->gdt) - 1, (u64)gdt };

    gdt[0] = 0;
    gdt[1] = 0x00af9a000000ffffUL;     /* kernel code, 64-bit */
    gdt[2] = 0x00cf92000000ffffUL;     /* kernel data */
    gdt[3] = 0x00cff2000000ffffUL;     /* user data (DPL 3) */
    gdt[4] = 0x00affa000000ffffUL;     /* user code, 64-bit (DPL 3) */
    gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) |
             ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
    gdt[6] = base >> 32;
    gdt[7] = (llimit & 0xffff) | ((lbase & 0xffffff) << 16) | (0x82UL << 40) |
             ((llimit >> 16 & 0xf) << 48) | ((lbase >> 24 & 0xff) << 56);
    gdt[8] = lbase >> 32;
    _Static_assert(__builtin_offsetof(struct tss, iobm) == IOMAP_BASE_VALID, "tss layout");
    tss->iomap_base = IOMAP_BASE_INVALID;
    tss->iobm_end = 0xff;
    c->io_seq = IO_SEQ_NONE;
    c->io_dirty = IO_BITMAP_BYTES;     /* contents unknown until the first load */
    __asm__ volatile("lgdt %0" : : "m"(ptr));
    __asm__ volatile(
        "pushq $0x08\n"
        "leaq 1f(%%rip), %%rax\n"
        "pushq %%rax\n"
        "lretq\n"
        "1: movw $0x10, %%ax\n"
        "movw %%ax, %%ds\n movw %%ax, %%es\n movw %%ax, %%ss\n"
        "xorw %%ax, %%ax\n movw %%ax, %%fs\n movw %%ax, %%gs\n"
        : : : "rax", "memory");
    __asm__ volatile("ltr %w0" : : "r"(GDT_TSS));
    __asm__ volatile("lldt %w0" : : "r"(GDT_LDT));
}

static void idt_load(void)
{
    struct { u16 limit; u64 base; } __attribute__((packed)) ptr = { sizeof(idt) - 1, (u64)idt };
    __asm__ volatile("lidt %0" : : "m"(ptr));
}

static void idt_init(void)
{
    for (int i = 0; i < 256; i++) {
        u64 off = (u64)vector_stubs + 16 * (u64)i;
        idt[i].off_lo = off & 0xffff;
        idt[i].sel = GDT_KCODE;
        idt[i].ist = (i == 8) ? 1 : (i == 2) ? 2 : 0;
        idt[i].type = (i == 3) ? 0xee : 0x8e;   /* int3 callable from ring 3 */
        idt[i].off_mid = off >> 16 & 0xffff;
        idt[i].off_hi = off >> 32;
        idt[i].zero = 0;
    }
    idt_load();
}

/* CR0/CR4 FPU bits and XCR0 on an AP, as fpu_init chose on the boot CPU. */
static void fpu_init_ap(void)
{
    u64 cr0, cr4;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 &= ~(1UL << 2);
    cr0 |= (1UL << 1) | (1UL << 5);
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= (1UL << 9) | (1UL << 10);
    if (have_xsave)
        cr4 |= 1UL << 18;
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
    if (have_xsave)
        __asm__ volatile("xsetbv" : : "c"(0), "a"((u32)xcr0_mask), "d"((u32)(xcr0_mask >> 32)));
}

/* Enable SSE/AVX state for user programs and size the XSAVE area. */
static void fpu_init(void)
{
    u32 a, b, c, d;
    u64 cr0, cr4;

    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 &= ~(1UL << 2);                /* EM off */
    cr0 |= (1UL << 1) | (1UL << 5);    /* MP, NE */
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= (1UL << 9) | (1UL << 10);   /* OSFXSR, OSXMMEXCPT */
    cpuid(1, 0, &a, &b, &c, &d);
    have_xsave = (c & (1U << 26)) != 0;
    if (have_xsave)
        cr4 |= 1UL << 18;              /* OSXSAVE */
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
    if (!have_xsave)
        return;
    cpuid(0xd, 0, &a, &b, &c, &d);
    xcr0_mask = ((u64)d << 32 | a) & 0xe7;   /* x87 SSE AVX opmask zmm_hi256 hi16_zmm */
    __asm__ volatile("xsetbv" : : "c"(0), "a"((u32)xcr0_mask), "d"((u32)(xcr0_mask >> 32)));
    cpuid(0xd, 0, &a, &b, &c, &d);
    xsave_bytes = b;                   /* size for the features now enabled in XCR0 */
}

static void syscall_init(void)
{
    wrmsr(0xc0000081, ((u64)0x10 << 48) | ((u64)GDT_KCODE << 32));   /* STAR */
    wrmsr(0xc0000082, (u64)syscall_entry);                            /* LSTAR */
    wrmsr(0xc0000084, 0x47700);        /* FMASK: TF DF IF AC NT IOPL cleared */
}

void cpu_init(void)
{
    cpu0.tss = &tss0;
    tss0.ist[0] = (u64)(ist_df + sizeof(ist_df));
    tss0.ist[1] = (u64)(ist_nmi + sizeof(ist_nmi));
    gdt_init(&cpu0);
    idt_init();
    fpu_init();
    syscall_init();
    cpu0.self = &cpu0;
    cpu0.id = 0;
    wrmsr(MSR_GS_BASE, (u64)&cpu0);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}

#define AP_IST_SIZE 8192

int cpu_prepare_ap(struct cpu *c)
{
    struct tss *t = kzalloc(sizeof(*t));
    u8 *df = kmalloc(AP_IST_SIZE), *nmi = kmalloc(AP_IST_SIZE);
    if (t == NULL || df == NULL || nmi == NULL) {
        kfree(t);
        kfree(df);
        kfree(nmi);
        return -ENOMEM;
    }
    t->ist[0] = ((u64)df + AP_IST_SIZE) & ~15UL;
    t->ist[1] = ((u64)nmi + AP_IST_SIZE) & ~15UL;
    c->tss = t;
    c->self = c;
    return 0;
}

void cpu_init_ap(struct cpu *c)
{
    gdt_init(c);
    idt_load();
    fpu_init_ap();
    syscall_init();
    wrmsr(MSR_GS_BASE, (u64)c);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void cpu_set_kstack(u64 top)
{
    struct cpu *c = this_cpu();
    ((struct tss *)c->tss)->rsp[0] = top;
    c->kstack_top = top;
}

void cpu_io_load(u64 seq, const u8 *bm, u32 bytes)
{
    struct cpu *c = this_cpu();
    struct tss *t = c->tss;
    u32 n = 0;
    if (seq == IO_SEQ_NONE) {
        t->iomap_base = IOMAP_BASE_INVALID;
        c->io_seq = seq;
        return;
    }
    if (seq == IO_SEQ_ALL) {
        memset(t->iobm, 0, IO_BITMAP_BYTES);
        n = IO_BITMAP_BYTES;
    } else {
        n = bytes < IO_BITMAP_BYTES ? bytes : IO_BITMAP_BYTES;
        memcpy(t->iobm, bm, n);
    }
    if (c->io_dirty > n)               /* what an earlier set left beyond this one */
        memset(t->iobm + n, 0xff, c->io_dirty - n);
    c->io_dirty = n;
    t->iomap_base = IOMAP_BASE_VALID;
    c->io_seq = seq;
}

u64 *cpu_ldt(void) { return ldt_table; }

u32 xsave_size(void) { return xsave_bytes; }

void xsave_state(void *area)
{
    if (have_xsave)
        __asm__ volatile("xsave64 (%0)" : : "r"(area), "a"((u32)xcr0_mask), "d"((u32)(xcr0_mask >> 32)) : "memory");
    else
        __asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

void xrstor_state(const void *area)
{
    if (have_xsave)
        __asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"((u32)xcr0_mask), "d"((u32)(xcr0_mask >> 32)) : "memory");
    else
        __asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}
