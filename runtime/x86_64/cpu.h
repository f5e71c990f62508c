/*
 * cpu.h - per-CPU state and CPU setup (GDT/TSS/IDT, SYSCALL MSRs, FPU).
 * The per-CPU block is what GS points to in kernel mode; entry.S relies on
 * the offsets of its first three fields.
 */
#ifndef SOLO_CPU_H
#define SOLO_CPU_H

#include "../kernel.h"

struct thread;

#define MAX_CPUS 16

/* Fields from offset 24 on are the SMP and scheduler state of this CPU
 * (runtime/x86_64/smp.c, runtime/sched/sched.c); offset 24 (cur) is
 * read by thread.h's `current`. */
struct cpu {
    struct cpu *self;                  /* 0 */
    u64 scratch;                       /* 8: user rsp during syscall entry */
    u64 kstack_top;                    /* 16: kernel stack for entries from ring 3 */
    struct thread *cur;                /* 24: the thread running on this CPU (`current`) */
    int id;                            /* logical CPU number, 0 = boot CPU */
    u32 apic_id;
    struct thread *idle;               /* this CPU's idle thread */
    bool need_resched;                 /* the time slice is used up */
    u64 slice_end;                     /* now_ns() when the running thread's slice ends */
    volatile bool bkl_held;            /* this CPU holds the big kernel lock */
    volatile bool user_active;         /* running user code (TLB shootdowns must wait for it) */
    volatile bool started;             /* an AP reached C code */
    volatile u64 tlb_seen;             /* last TLB shootdown generation this CPU applied */
    u64 gdt[9];                        /* null, 4 segments, TSS (2 slots), LDT (2 slots) */
    void *tss;                         /* struct tss (cpu.c), with its I/O bitmap */
    u64 io_seq;                        /* which I/O permission set the TSS holds (cpu_io_load) */
    u32 io_dirty;                      /* leading bitmap bytes that may differ from 0xff */
};

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UDATA 0x1b
#define GDT_UCODE 0x23
#define GDT_TSS 0x28
#define GDT_LDT 0x38                   /* the process's LDT (modify_ldt), loaded on every CPU */
#define LDT_ENTRIES 8192

/* I/O permission (ioperm/iopl): bitmap bytes, one bit per port, set = denied. */
#define IO_BITMAP_BYTES 8192
#define IO_SEQ_NONE 0                  /* no port allowed: iomap_base beyond the TSS limit */
#define IO_SEQ_ALL 1                   /* every port allowed (iopl 3 emulation) */

void cpu_init(void);
void cpu_init_ap(struct cpu *c);       /* an AP's tables and MSRs; c prepared by smp.c */
int cpu_prepare_ap(struct cpu *c);     /* allocate c's TSS and IST stacks (boot CPU); 0 or -ENOMEM */
void cpu_set_kstack(u64 top);          /* TSS.rsp0 and the syscall stack */
/* Make this CPU's TSS allow the ports whose bits are clear in bm[0..bytes)
 * (seq IO_SEQ_NONE: none, IO_SEQ_ALL: all, bm unused then); seq names the
 * set, so a CPU whose io_seq already equals it need not copy anything. */
void cpu_io_load(u64 seq, const u8 *bm, u32 bytes);
u64 *cpu_ldt(void);                    /* the LDT's LDT_ENTRIES descriptors (zero = unused) */
u32 xsave_size(void);                  /* bytes of the XSAVE area for the enabled features */
void xsave_state(void *area);
void xrstor_state(const void *area);
void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d);
extern struct cpu cpu0;

/* This CPU's per-CPU block (valid from cpu_init on). */
static inline struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(c));
    return c;
}

static inline u64 read_cr2(void) { u64 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline u64 read_cr3(void) { u64 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr3(u64 v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }

/* User segment selectors.  The kernel itself never loads DS/ES/FS/GS after
 * cpu_init (64-bit mode ignores their bases except FS/GS, which it reaches
 * through the base MSRs), so a user's selectors stay in the registers across
 * kernel entries; the scheduler saves and restores them per thread.  Loading
 * a non-null selector into FS or GS also loads that segment's base. */
#define SEG_READ(reg) ({ u16 v_; __asm__ volatile("mov %%" #reg ", %0" : "=r"(v_)); v_; })
#define SEG_LOAD(reg, sel) __asm__ volatile("mov %0, %%" #reg : : "r"((u16)(sel)) : "memory")

/* The user's GS selector, loaded between two swapgs so that the kernel's GS
 * base (the per-CPU block) is untouched.  Interrupts must be off. */
static inline void seg_load_user_gs(u16 sel)
{
    __asm__ volatile("swapgs; mov %0, %%gs; swapgs" : : "r"(sel) : "memory");
}

/* sel if a data-segment register may load it from ring 3 now (null, or a
 * present DPL-3 data or readable code segment), else 0: what a thread gets
 * back when its segment was removed while it was switched out. */
static inline u16 seg_usable(u16 sel)
{
    u32 ar = 0;
    u8 ok;
    if ((sel & ~3) == 0)
        return sel;
    __asm__ volatile("lar %2, %0; setz %1" : "+r"(ar), "=q"(ok) : "r"((u32)sel) : "cc");
    if (ok == 0 || (ar & 0x8000) == 0 || (ar & 0x1000) == 0 || (ar & 0x6000) != 0x6000)
        return 0;
    if ((ar & 0x0800) != 0 && (ar & 0x0200) == 0)
        return 0;                      /* execute-only code */
    return sel;
}

/* traps.c */
void traps_init(void);
void irq_register(int vector, void (*fn)(void));
/* apic.c */
void apic_init(void);
void apic_eoi(void);
void apic_oneshot_ns(u64 ns);          /* timer interrupt after ns (0 cancels) */
#define VEC_TIMER 0x20
#define VEC_VIRTIO_NET 0x30              /* virtio-net RX (MSI-X), added by net */
#define VEC_VIRTIO_CONSOLE 0x31          /* virtio-console input (MSI-X), added by console */
#define VEC_RESCHED 0x40                 /* IPI: wake an idle CPU / enter the kernel (smp.c) */
#define VEC_TLB 0x41                     /* IPI: flush the user TLB (smp.c; handled without the BKL) */
#define VEC_SPURIOUS 0xff
void apic_init_ap(void);               /* an AP's LAPIC, with the boot CPU's timer calibration */
u32 apic_id(void);
void apic_send_ipi(u32 apic_id, u32 icr_lo);   /* write the ICR and wait for delivery */
/* smp.c */
void smp_init(void);                   /* start the other CPUs the MADT lists (boot CPU, once) */
int cpu_online_count(void);
int smp_cpu_id(void);                  /* this CPU's logical number */
void smp_enter_kernel(void);           /* take the BKL unless this CPU holds it */
void smp_exit_to_user(void);           /* drop the BKL before returning to ring 3 */
void smp_idle_halt(void);              /* halt until an interrupt, without the BKL */
void smp_kick_idle(void);              /* wake one idle CPU to look at the run queue */
void smp_kick_mask(u64 mask);          /* the same among the CPUs of mask (sched.c) */
void smp_kick_cpu(int id);             /* make CPU id enter the kernel soon */
void smp_tlb_shootdown(void);          /* other CPUs drop stale user TLB entries; waits */
/* time.c */
void time_init(void);
/* serial.c */
void serial_init(void);
void debugcon_write(const char *s, size_t n);
/* backtrace.c */
const char *ksym_lookup(u64 addr, u64 *offset);
void backtrace_print(u64 rbp, u64 rip);

#endif
