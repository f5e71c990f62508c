/*
 * traps.c - the C side of every exception and interrupt.  Page faults go to
 * the VM layer (vm_fault); a fault it cannot resolve inside the user-copy
 * routines becomes -EFAULT; in user mode an exception becomes the Linux
 * signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP) with its si_code and
 * si_addr, delivered to the program's handler or, without one, ending the
 * program with status 128+signal; in kernel mode it is a panic with
 * registers, the faulting address and a symbolized backtrace.  Device
 * interrupts dispatch through a small vector table.  Every return to user
 * mode passes through signal_return_to_user.
 *
 * x86 privileges (syscalls/x86priv.c): as Linux 5.5+ emulates iopl(3), a
 * CLI or STI that faults in a thread with iopl 3 is skipped instead of
 * raising SIGSEGV.  A user SS from the LDT is checked before the return to
 * user mode (trap_check_user_ss), so that an iretq never faults in the kernel
 * when modify_ldt has removed that segment meanwhile.
 */
#include "cpu.h"
#include "../sched/thread.h"
#include "../sched/signal.h"
#include "../mm/vm.h"

int copy_from_user(void *dst, const void *usrc, size_t n);   /* syscalls/uaccess.c: 0 or -EFAULT */

static void (*irq_handlers[256])(void);

static const char *const exc_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
    "device not available", "double fault", "coprocessor overrun", "invalid TSS",
    "segment not present", "stack fault", "general protection", "page fault", "reserved",
    "x87 FP error", "alignment check", "machine check", "SIMD FP error", "virtualization",
    "control protection", "reserved", "reserved", "reserved", "reserved", "reserved",
    "reserved", "hypervisor injection", "VMM communication", "security", "reserved",
};

/* The signal, si_code and si_addr Linux gives an exception in user mode. */
struct fault_sig { int sig, code; u64 addr; };

/* si_code of a SIMD (#XM) or x87 (#MF) floating-point exception. */
static int fpe_code(u64 vec)
{
    u32 status, mask;
    if (vec == 19) {
        u32 mxcsr;
        __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
        status = mxcsr & 0x3f;
        mask = (mxcsr >> 7) & 0x3f;
    } else {
        u16 sw, cw;
        __asm__ volatile("fnstsw %0; fnstcw %1" : "=m"(sw), "=m"(cw));
        status = sw & 0x3f;
        mask = cw & 0x3f;
    }
    status &= ~mask;
    if ((status & 0x01) != 0)
        return FPE_FLTINV;
    if ((status & 0x04) != 0)
        return FPE_FLTDIV;
    if ((status & 0x08) != 0)
        return FPE_FLTOVF;
    if ((status & 0x12) != 0)
        return FPE_FLTUND;
    if ((status & 0x20) != 0)
        return FPE_FLTRES;
    return 0;
}

static struct fault_sig exc_signal(const struct frame *f)
{
    switch (f->vector) {
    case 0: return (struct fault_sig){ SIGFPE, FPE_INTDIV, f->rip };
    case 1: return (struct fault_sig){ SIGTRAP, 2, f->rip };              /* TRAP_TRACE */
    case 3: return (struct fault_sig){ SIGTRAP, SI_KERNEL, 0 };
    case 6: return (struct fault_sig){ SIGILL, ILL_ILLOPN, f->rip };
    case 11: case 12: return (struct fault_sig){ SIGBUS, SI_KERNEL, 0 };
    case 16: case 19: return (struct fault_sig){ SIGFPE, fpe_code(f->vector), f->rip };
    case 17: return (struct fault_sig){ SIGBUS, BUS_ADRALN, 0 };
    default: return (struct fault_sig){ SIGSEGV, SI_KERNEL, 0 };
    }
}

/* SIGSEGV's si_code for an unresolvable page fault at addr: ACCERR inside a
 * mapping (protection), MAPERR outside any (the stack guard counts as none). */
static int segv_code(u64 addr)
{
    int kind = 0;
    u32 flags, prot;
    u64 end;
    if (vm_region_info(addr, &kind, &flags, &prot, &end) == 0 && kind != VM_GUARD)
        return SEGV_ACCERR;
    return SEGV_MAPERR;
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

/* An exception in user mode: the program's signal handler, or its end. */
static void user_fault(struct frame *f, struct fault_sig fs)
{
    klog("solo: %s (signal %d, code %d) at rip %016lx, address %016lx",
         f->vector < 32 ? exc_names[f->vector] : "trap", fs.sig, fs.code, f->rip, fs.addr);
    if (current == NULL || !current->user) {
        dump_frame(f);
        kernel_exit(128 + fs.sig);
    }
    signal_fault(f, fs.sig, fs.code, fs.addr);
}

extern char uaccess_start[], uaccess_end[], uaccess_fixup[];

static void page_fault(struct frame *f)
{
    u64 addr = read_cr2();
    sched_note_fault(f->error);        /* perf_event_open's page-fault counts */
    int r = vm_fault(addr, f->error);
    if (r == 0)
        return;
    if ((f->cs & 3) != 0) {
        if (r == -EIO)
            user_fault(f, (struct fault_sig){ SIGBUS, BUS_ADRERR, addr });
        else
            user_fault(f, (struct fault_sig){ SIGSEGV, segv_code(addr), addr });
        return;
    }
    if (f->rip >= (u64)uaccess_start && f->rip < (u64)uaccess_end) {
        f->rip = (u64)uaccess_fixup;
        return;
    }
    kernel_fault(f);
}

/* #GP in user mode from CLI/STI under iopl(3): Linux skips the instruction. */
static bool iopl_cli_sti(struct frame *f)
{
    u8 op;
    if (f->vector != 13 || current == NULL || current->iopl != 3)
        return false;
    if (copy_from_user(&op, (const void *)f->rip, 1) != 0 || (op != 0xfa && op != 0xfb))
        return false;
    f->rip += 1;
    return true;
}

/* entry.S, before returning to ring 3 with an SS other than GDT_UDATA: if
 * that LDT segment can no longer be loaded as a stack, return with the
 * GDT's user data segment and a SIGSEGV, as Linux does for a faulting iret. */
void trap_check_user_ss(struct frame *f)
{
    u32 ar = 0;
    u8 ok;
    __asm__ volatile("lar %2, %0; setz %1" : "+r"(ar), "=q"(ok) : "r"((u32)f->ss) : "cc");
    /* present, DPL 3, S = 1, data (not code), writable; RPL 3 */
    if (ok != 0 && (ar & 0xfa00) == 0xf200 && (f->ss & 3) == 3)
        return;
    f->ss = GDT_UDATA;
    if (current != NULL && current->user) {
        signal_fault(f, SIGSEGV, SI_KERNEL, 0);
        signal_return_to_user(f, -1);
    }
}

void trap_handler(struct frame *f)
{
    bool from_user = (f->cs & 3) != 0;
    if (from_user && current != NULL)
        current->uframe = f;
    if (f->vector == 14) {
        page_fault(f);
        if (from_user)
            signal_return_to_user(f, -1);
        return;
    }
    if (f->vector < 32) {
        if (f->vector == 2)
            return;                    /* NMI: nothing to do */
        if (!from_user)
            kernel_fault(f);
        if (iopl_cli_sti(f))
            return;
        user_fault(f, exc_signal(f));
        signal_return_to_user(f, -1);
        return;
    }
    if (irq_handlers[f->vector] != NULL)
        irq_handlers[f->vector]();
    if (f->vector != VEC_SPURIOUS)
        apic_eoi();
    if (from_user) {
        sched_preempt_check();
        signal_return_to_user(f, -1);
    }
}

/* Weak default until the VM layer exists: nothing is resolvable. */
__attribute__((weak)) int vm_fault(u64 addr, u64 error_code)
{
    (void)addr;
    (void)error_code;
    return -EFAULT;
}
