/*
 * traps.c - the C side of every exception and interrupt.  Page faults go to
 * the VM layer (vm_fault); a fault it cannot resolve inside the user-copy
 * routines becomes -EFAULT; in user mode it ends the program the way the
 * matching signal's default action would (status 128+signal) until signal
 * delivery exists; in kernel mode it is a panic with registers, the faulting
 * address and a symbolized backtrace.  Device interrupts dispatch through a
 * small vector table.
 */
#include "cpu.h"
#include "../sched/thread.h"

static void (*irq_handlers[256])(void);

static const char *const exc_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
    "device not available", "double fault", "coprocessor overrun", "invalid TSS",
    "segment not present", "stack fault", "general protection", "page fault", "reserved",
    "x87 FP error", "alignment check", "machine check", "SIMD FP error", "virtualization",
    "control protection", "reserved", "reserved", "reserved", "reserved", "reserved",
    "reserved", "hypervisor injection", "VMM communication", "security", "reserved",
};

/* Linux signal numbers for the default-action exit of a faulting program. */
static int exc_signal(u64 vec)
{
    switch (vec) {
    case 0: case 16: case 19: return 8;          /* SIGFPE */
    case 1: case 3: return 5;                    /* SIGTRAP */
    case 6: return 4;                            /* SIGILL */
    case 17: return 7;                           /* SIGBUS */
    default: return 11;                          /* SIGSEGV */
    }
}

void irq_register(int vector, void (*fn)(void)) { irq_handlers[vector] = fn; }

static void dump_frame(const struct frame *f)
{
    u64 off = 0;
    const char *sym = f->rip >= KERNEL_BASE ? ksym_lookup(f->rip, &off) : "user";
    klog("  rip %016lx %s+0x%lx  cs %lx rflags %lx", f->rip, sym ? sym : "?", off, f->cs, f->rflags);
    klog("  rsp %016lx ss %lx error %lx cr2 %016lx", f->rsp, f->ss, f->error, read_cr2());
    klog("  rax %016lx rbx %016lx rcx %016lx rdx %016lx", f->rax, f->rbx, f->rcx, f->rdx);
    klog("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx", f->rsi, f->rdi, f->rbp, f->r8);
    klog("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx", f->r9, f->r10, f->r11, f->r12);
    klog("  r13 %016lx r14 %016lx r15 %016lx", f->r13, f->r14, f->r15);
}

_Noreturn static void kernel_fault(struct frame *f)
{
    klog("PANIC: kernel %s (vector %lu) at %016lx, fault address %016lx",
         f->vector < 32 ? exc_names[f->vector] : "interrupt", f->vector, f->rip, read_cr2());
    dump_frame(f);
    backtrace_print(f->rbp, f->rip);
    outl(0xf4, 0x7f);
    for (;;)
        __asm__ volatile("cli; hlt");
}

_Noreturn static void user_fault(struct frame *f)
{
    int sig = exc_signal(f->vector);
    klog("solo: program killed by signal %d: %s at rip %016lx, address %016lx",
         sig, exc_names[f->vector], f->rip, f->vector == 14 ? read_cr2() : 0);
    dump_frame(f);
    kernel_exit(128 + sig);
}

extern char uaccess_start[], uaccess_end[], uaccess_fixup[];

static void page_fault(struct frame *f)
{
    u64 addr = read_cr2();
    if (vm_fault(addr, f->error) == 0)
        return;
    if ((f->cs & 3) != 0)
        user_fault(f);
    if (f->rip >= (u64)uaccess_start && f->rip < (u64)uaccess_end) {
        f->rip = (u64)uaccess_fixup;
        return;
    }
    kernel_fault(f);
}

void trap_handler(struct frame *f)
{
    bool from_user = (f->cs & 3) != 0;
    if (from_user && current != NULL)
        current->uframe = f;
    if (f->vector == 14) {
        page_fault(f);
        return;
    }
    if (f->vector < 32) {
        if (f->vector == 2)
            return;                    /* NMI: nothing to do */
        if (from_user)
            user_fault(f);
        kernel_fault(f);
    }
    if (irq_handlers[f->vector] != NULL)
        irq_handlers[f->vector]();
    if (f->vector != VEC_SPURIOUS)
        apic_eoi();
    if (from_user)
        sched_preempt_check();
}

/* Weak default until the VM layer exists: nothing is resolvable. */
__attribute__((weak)) int vm_fault(u64 addr, u64 error_code)
{
    (void)addr;
    (void)error_code;
    return -EFAULT;
}
