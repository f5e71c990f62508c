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
    u64 gdt[7];
    void *tss;                         /* struct tss (cpu.c) */
};

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UDATA 0x1b
#define GDT_UCODE 0x23
#define GDT_TSS 0x28

void cpu_init(void);
void cpu_init_ap(struct cpu *c);       /* an AP's tables and MSRs; c prepared by smp.c */
int cpu_prepare_ap(struct cpu *c);     /* allocate c's TSS and IST stacks (boot CPU); 0 or -ENOMEM */
void cpu_set_kstack(u64 top);          /* TSS.rsp0 and the syscall stack */
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
