/*
 * cpu.h - per-CPU state and CPU setup (GDT/TSS/IDT, SYSCALL MSRs, FPU).
 * The per-CPU block is what GS points to in kernel mode; entry.S relies on
 * the offsets of its first three fields.
 */
#ifndef SOLO_CPU_H
#define SOLO_CPU_H

#include "../kernel.h"

struct cpu {
    struct cpu *self;                  /* 0 */
    u64 scratch;                       /* 8: user rsp during syscall entry */
    u64 kstack_top;                    /* 16: kernel stack for entries from ring 3 */
    int id;
};

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UDATA 0x1b
#define GDT_UCODE 0x23
#define GDT_TSS 0x28

void cpu_init(void);
void cpu_set_kstack(u64 top);          /* TSS.rsp0 and the syscall stack */
u32 xsave_size(void);                  /* bytes of the XSAVE area for the enabled features */
void xsave_state(void *area);
void xrstor_state(const void *area);
void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d);
extern struct cpu cpu0;

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
#define VEC_SPURIOUS 0xff
/* time.c */
void time_init(void);
/* serial.c */
void serial_init(void);
void debugcon_write(const char *s, size_t n);
/* backtrace.c */
const char *ksym_lookup(u64 addr, u64 *offset);
void backtrace_print(u64 rbp, u64 rip);

#endif
