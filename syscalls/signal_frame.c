/*
 * signal_frame.c - signal delivery on the way back to user mode, the Linux
 * x86-64 signal frame, rt_sigreturn, and signals raised by CPU exceptions.
 *
 * The frame a handler sees is Linux's, so glibc, musl and CPython work:
 * below the interrupted stack (past the 128-byte red zone, or at the top of
 * the alternate stack for SA_ONSTACK) comes the XSAVE image of the user FPU
 * state (64-byte aligned, with the FP_XSTATE magic words), then struct
 * rt_sigframe { return address = sa_restorer; ucontext; siginfo }, placed so
 * that the handler starts with rsp+8 16-byte aligned, as after a call.  The
 * handler gets rdi = signal, rsi = &siginfo, rdx = &ucontext and a clean FPU.
 * rt_sigreturn reads the frame back at rsp-8 and restores every register,
 * the flags a program may change, the FPU state (validated first: a bad
 * image must not fault inside the kernel), the mask and the alternate stack.
 *
 * A syscall interrupted by a signal returns -EINTR; for the calls Linux
 * restarts under SA_RESTART (read, write, wait4, futex wait without a
 * timeout, ...) the frame is rewound to re-execute the syscall instruction.
 */
#include "signal_impl.h"
#include "runtime/x86_64/cpu.h"

#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#define FLAGS_USER_CHANGEABLE 0x50dd5UL    /* AC RF OF DF TF SF ZF AF PF CF */
#define FLAG_TF 0x100UL
#define FLAG_DF 0x400UL
#define FLAG_RF 0x10000UL
#define XSAVE_MAX 4096
#define RED_ZONE 128

struct sigcontext_k {
    u64 r8, r9, r10, r11, r12, r13, r14, r15;
    u64 rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    u16 cs, gs, fs, ss;
    u64 err, trapno, oldmask, cr2;
    u64 fpstate;
    u64 reserved1[8];
};

struct stack_k {
    u64 sp;
    s32 flags;
    u32 pad;
    u64 size;
};

struct ucontext_k {
    u64 flags;
    u64 link;
    struct stack_k stack;
    struct sigcontext_k mc;
    u64 sigmask;
};

struct rt_sigframe_k {
    u64 pretcode;
    struct ucontext_k uc;
    u8 info[128];
};

/* The software-reserved bytes 464..511 of the FXSAVE region (Linux's _fpx_sw_bytes). */
struct fpx_sw_bytes {
    u32 magic1, extended_size;
    u64 xfeatures;
    u32 xstate_size, padding[7];
};

_Static_assert(sizeof(struct sigcontext_k) == 256, "sigcontext layout");
_Static_assert(sizeof(struct ucontext_k) == 304, "ucontext layout");
_Static_assert(sizeof(struct fpx_sw_bytes) == 48, "fpx_sw_bytes layout");

static u8 fpu_init_area[XSAVE_MAX] __attribute__((aligned(64)));

static u64 xcr0(void)
{
    u32 a, b, c, d, lo, hi;
    cpuid(1, 0, &a, &b, &c, &d);
    if ((c & (1U << 27)) == 0)
        return 3;                      /* no OSXSAVE: x87 and SSE only */
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (u64)hi << 32 | lo;
}

/* Give the user a clean FPU (as at exec): x87 and SSE defaults, AVX zero. */
static void fpu_reset(void)
{
    u32 mxcsr = 0x1f80;
    u16 fcw = 0x37f;                   /* read by FXRSTOR; XRSTOR inits x87 itself */
    memset(fpu_init_area, 0, 576);
    memcpy(fpu_init_area, &fcw, sizeof(fcw));
    memcpy(fpu_init_area + 24, &mxcsr, sizeof(mxcsr));
    xrstor_state(fpu_init_area);
}

static bool on_altstack(const struct thread *t, u64 sp)
{
    return t->ss_size != 0 && sp > t->ss_sp && sp - t->ss_sp <= t->ss_size;
}

static bool altstack_enabled(const struct thread *t)
{
    return t->ss_size != 0 && (t->ss_flags & SS_DISABLE) == 0;
}

static void save_regs(struct sigcontext_k *sc, const struct frame *f)
{
    sc->r8 = f->r8; sc->r9 = f->r9; sc->r10 = f->r10; sc->r11 = f->r11;
    sc->r12 = f->r12; sc->r13 = f->r13; sc->r14 = f->r14; sc->r15 = f->r15;
    sc->rdi = f->rdi; sc->rsi = f->rsi; sc->rbp = f->rbp; sc->rbx = f->rbx;
    sc->rdx = f->rdx; sc->rax = f->rax; sc->rcx = f->rcx; sc->rsp = f->rsp;
    sc->rip = f->rip; sc->eflags = f->rflags;
    sc->cs = (u16)f->cs;
    sc->ss = (u16)f->ss;
    if (f->vector < 32) {
        sc->trapno = f->vector;
        sc->err = f->error;
        sc->cr2 = f->vector == 14 ? read_cr2() : 0;
    }
}

static void restore_regs(struct frame *f, const struct sigcontext_k *sc)
{
    f->r8 = sc->r8; f->r9 = sc->r9; f->r10 = sc->r10; f->r11 = sc->r11;
    f->r12 = sc->r12; f->r13 = sc->r13; f->r14 = sc->r14; f->r15 = sc->r15;
    f->rdi = sc->rdi; f->rsi = sc->rsi; f->rbp = sc->rbp; f->rbx = sc->rbx;
    f->rdx = sc->rdx; f->rax = sc->rax; f->rcx = sc->rcx; f->rsp = sc->rsp;
    f->rip = sc->rip;
    f->rflags = (f->rflags & ~FLAGS_USER_CHANGEABLE) | (sc->eflags & FLAGS_USER_CHANGEABLE);
    f->rflags |= 0x202;                /* IF and the reserved bit 1 */
    f->cs = GDT_UCODE;
    f->ss = GDT_UDATA;
    f->vector = 0x100;
    f->error = 0;
}

/* Write the current FPU state at user address fp (64-byte aligned). */
static int save_fpu(u64 fp)
{
    struct thread *t = current;
    u32 size = xsave_size(), magic2 = FP_XSTATE_MAGIC2;
    struct fpx_sw_bytes sw;
    xsave_state(t->xsave);
    memset(&sw, 0, sizeof(sw));
    sw.magic1 = FP_XSTATE_MAGIC1;
    sw.extended_size = size + 4;
    sw.xfeatures = xcr0();
    sw.xstate_size = size;
    memcpy((u8 *)t->xsave + 464, &sw, sizeof(sw));
    if (copy_to_user((void *)fp, t->xsave, size) < 0)
        return -EFAULT;
    return copy_to_user((void *)(fp + size), &magic2, sizeof(magic2));
}

/* The saved alternate-stack settings as sigaltstack would report them. */
static void save_altstack(struct stack_k *st, const struct thread *t, u64 sp)
{
    st->sp = t->ss_sp;
    st->size = t->ss_size;
    st->flags = on_altstack(t, sp) ? SS_ONSTACK : altstack_enabled(t) ? 0 : SS_DISABLE;
    st->flags |= (s32)(t->ss_flags & SS_AUTODISARM);
}

/*
 * Push a signal frame for sig on the user stack and point f at the handler.
 * oldmask is the mask the handler's sigreturn restores.  0, or -EFAULT when
 * the frame cannot be written (the caller then kills the program).
 */
static int setup_frame(struct frame *f, int sig, const struct ksiginfo *si,
                       const struct k_sigaction *act, u64 oldmask)
{
    struct thread *t = current;
    struct rt_sigframe_k k;
    u64 sp = f->rsp;
    bool switch_stack = (act->flags & SA_ONSTACK) != 0 && altstack_enabled(t) && !on_altstack(t, sp);
    if ((act->flags & SA_RESTORER) == 0 || xsave_size() + 4 > XSAVE_MAX)
        return -EFAULT;
    memset(&k, 0, sizeof(k));
    save_altstack(&k.uc.stack, t, sp);
    sp = switch_stack ? t->ss_sp + t->ss_size : sp - RED_ZONE;
    u64 fp = (sp - xsave_size() - 4) & ~63UL;
    u64 frame = ((fp - sizeof(k)) & ~15UL) - 8;
    if (frame >= USER_TOP || save_fpu(fp) < 0)
        return -EFAULT;
    k.pretcode = act->restorer;
    k.uc.flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS;
    save_regs(&k.uc.mc, f);
    k.uc.mc.fpstate = fp;
    k.uc.mc.oldmask = oldmask;
    k.uc.sigmask = oldmask;
    memcpy(k.info, si, sizeof(*si));
    if (copy_to_user((void *)frame, &k, sizeof(k)) < 0)
        return -EFAULT;
    if (switch_stack && (t->ss_flags & SS_AUTODISARM) != 0) {
        t->ss_sp = 0;
        t->ss_size = 0;
        t->ss_flags = SS_DISABLE;
    }
    f->rdi = (u64)sig;
    f->rsi = frame + offsetof(struct rt_sigframe_k, info);
    f->rdx = frame + offsetof(struct rt_sigframe_k, uc);
    f->rax = 0;
    f->rsp = frame;
    f->rip = act->handler;
    f->cs = GDT_UCODE;
    f->ss = GDT_UDATA;
    f->rflags &= ~(FLAG_DF | FLAG_RF | FLAG_TF);
    fpu_reset();
    return 0;
}

/* Syscalls Linux restarts after an SA_RESTART handler (ERESTARTSYS). */
static bool restartable(long nr, const struct frame *f)
{
    switch (nr) {
    case 0: case 1: case 2: case 16: case 17: case 18: case 19: case 20:    /* read write open ioctl pread pwrite readv writev */
    case 42: case 43: case 44: case 45: case 46: case 47:                  /* connect accept sendto recvfrom sendmsg recvmsg */
    case 61: case 72: case 73: case 247: case 257: case 288:               /* wait4 fcntl flock waitid openat accept4 */
    case 295: case 296: case 299: case 307: case 318: case 327: case 328:  /* preadv pwritev recvmmsg sendmmsg getrandom preadv2 pwritev2 */
    case 275: case 276: case 278:                                           /* splice tee vmsplice */
    case 449:                                                               /* futex_waitv (absolute timeout) */
        return true;
    case 202: {                                                             /* futex: WAIT and WAIT_BITSET without a timeout */
        long op = (long)(f->rsi & 0x7f);
        return (op == 0 || op == 9) && f->r10 == 0;
    }
    default:
        return false;
    }
}

/* Syscalls Linux restarts even after a handler without SA_RESTART
 * (ERESTARTNOINTR): futex LOCK_PI, LOCK_PI2 and WAIT_REQUEUE_PI (before
 * its requeue; afterwards it returns EAGAIN itself). */
static bool restart_always(long nr, const struct frame *f)
{
    long op = (long)(f->rsi & 0x7f);
    return nr == 202 && (op == 6 || op == 13 || op == 11);
}

/* A syscall that returned -EINTR: rewind it when it restarts. */
static void maybe_restart(struct frame *f, long nr, bool handler, u64 flags)
{
    if (nr < 0 || f->rax != (u64)-EINTR)
        return;
    if (restart_always(nr, f)) {
        f->rax = (u64)nr;
        f->rip -= 2;
        return;
    }
    if (!restartable(nr, f))
        return;
    if (handler && (flags & SA_RESTART) == 0)
        return;
    f->rax = (u64)nr;
    f->rip -= 2;                       /* the syscall instruction */
}

#define MSG_NOSIGNAL 0x4000

bool sock_fd_no_sigpipe(int fd);       /* net/socket.c */

/* Linux raises SIGPIPE for the thread whose write found no reader (pipes,
 * sockets) unless a send call passed MSG_NOSIGNAL or the socket is an
 * AF_UNIX datagram or seqpacket one: done here, at the edge, for write,
 * writev, sendto, sendmsg and sendmmsg. */
static void maybe_sigpipe(const struct frame *f, long nr)
{
    struct ksiginfo si;
    if (f->rax != (u64)-EPIPE)
        return;
    if (nr != 1 && nr != 20 && nr != 44 && nr != 46 && nr != 307)
        return;
    if ((nr == 44 && (f->r10 & MSG_NOSIGNAL) != 0) || ((nr == 46 || nr == 307) && ((nr == 46 ? f->rdx : f->r10) & MSG_NOSIGNAL) != 0))
        return;
    if (sock_fd_no_sigpipe((int)f->rdi))
        return;                        /* AF_UNIX datagram/seqpacket sockets: EPIPE only */
    memset(&si, 0, sizeof(si));
    si.signo = SIGPIPE;
    si.code = SI_USER;
    si.u.kill.pid = PID_SELF;
    (void)signal_send_thread(current, &si);
}

void signal_return_to_user(struct frame *f, long nr)
{
    struct thread *t = current;
    struct ksiginfo si;
    bool handled = false;
    if ((f->cs & 3) != 3 || t == NULL || !t->user)
        return;
    if (nr >= 0)
        maybe_sigpipe(f, nr);
    if (t->rseq != 0 && (nr < 0 || signal_interrupts(t)))
        rseq_return_to_user(f);
    else if (t->rseq != 0)
        rseq_sync_cpu(f);              /* SMP: the syscall may have moved it to another CPU */
    for (int n = 0; n < NSIG && signal_interrupts(t); n++) {
        int sig = sig_dequeue(t, ~t->sigmask, &si);
        if (sig == 0)
            break;
        struct k_sigaction *act = sig_action(sig);
        if (act->handler == SIG_IGN)
            continue;
        if (act->handler == SIG_DFL) {
            if (sig_default_fatal(sig))
                signal_exit(sig);
            continue;
        }
        if (!handled)
            maybe_restart(f, nr, true, act->flags);
        handled = true;
        u64 oldmask = t->sig_restore_mask ? t->sig_saved_mask : t->sigmask;
        t->sig_restore_mask = false;
        struct k_sigaction a = *act;
        if (setup_frame(f, sig, &si, &a, oldmask) < 0) {
            klog("solo: cannot deliver signal %d: bad signal stack or no SA_RESTORER", sig);
            signal_exit(SIGSEGV);
        }
        t->sigmask |= a.mask | ((a.flags & SA_NODEFER) != 0 ? 0 : SIGBIT(sig));
        t->sigmask &= ~SIG_UNBLOCKABLE;
        if ((a.flags & SA_RESETHAND) != 0)
            act->handler = SIG_DFL;
    }
    if (!handled)
        maybe_restart(f, nr, false, 0);
    if (!handled && t->sig_restore_mask) {
        t->sigmask = t->sig_saved_mask;
        t->sig_restore_mask = false;
    }
}

void signal_force(const struct ksiginfo *si)
{
    struct thread *t = current;
    struct k_sigaction *act = sig_action(si->signo);
    if (act->handler == SIG_DFL || act->handler == SIG_IGN || (t->sigmask & SIGBIT(si->signo)) != 0)
        signal_exit(si->signo);
    if (signal_send_thread(t, si) < 0)
        signal_exit(si->signo);
}

void signal_fault(struct frame *f, int sig, int code, u64 addr)
{
    struct ksiginfo si;
    memset(&si, 0, sizeof(si));
    si.signo = sig;
    si.code = code;
    si.u.fault.addr = addr;
    signal_force(&si);
    signal_return_to_user(f, -1);
}

/* ---------------------------------------------------------------- rt_sigreturn */

/* Load a user FPU image at fp into the CPU after checking it is one XRSTOR
 * accepts.  0, or -EFAULT/-EINVAL (nothing loaded). */
static int restore_fpu(u64 fp)
{
    struct thread *t = current;
    u8 *area = t->xsave;
    u32 size = xsave_size(), mxcsr, mask;
    struct fpx_sw_bytes sw;
    u64 features = xcr0(), bv;
    if (fp == 0) {
        fpu_reset();
        return 0;
    }
    xsave_state(area);                 /* for MXCSR_MASK at offset 28 */
    memcpy(&mask, area + 28, sizeof(mask));
    if (mask == 0)
        mask = 0xffbf;
    if ((fp & 63) != 0 || copy_from_user(area, (void *)fp, 512) < 0)
        return -EFAULT;
    memcpy(&sw, area + 464, sizeof(sw));
    if (sw.magic1 == FP_XSTATE_MAGIC1 && size > 512) {
        if (copy_from_user(area + 512, (void *)(fp + 512), size - 512) < 0)
            return -EFAULT;
        memcpy(&bv, area + 512, sizeof(bv));
        bv &= features & sw.xfeatures;
    } else {
        bv = 3;                        /* a legacy FXSAVE image: x87 and SSE */
    }
    if (size > 512) {                  /* an XSAVE area: rewrite its header */
        memset(area + 512, 0, 64);
        memcpy(area + 512, &bv, sizeof(bv));
    }
    memcpy(&mxcsr, area + 24, sizeof(mxcsr));
    if ((mxcsr & ~mask) != 0)
        return -EINVAL;
    xrstor_state(area);
    return 0;
}

/* Re-apply the alternate stack saved in the frame, unless still on it. */
static void restore_altstack(const struct stack_k *st, u64 sp)
{
    struct thread *t = current;
    u32 mode = (u32)st->flags & ~SS_AUTODISARM;
    if (on_altstack(t, sp))
        return;
    if (mode == SS_DISABLE || st->size == 0) {
        t->ss_sp = 0;
        t->ss_size = 0;
        t->ss_flags = SS_DISABLE;
    } else if (st->size >= 2048) {
        t->ss_sp = st->sp;
        t->ss_size = st->size;
        t->ss_flags = (int)((u32)st->flags & SS_AUTODISARM);
    }
}

long sys_rt_sigreturn(void)
{
    struct thread *t = current;
    struct frame *f = t->uframe;
    struct rt_sigframe_k k;
    u64 frame = f->rsp - 8;
    if (copy_from_user(&k, (void *)frame, sizeof(k)) < 0) {
        klog("solo: rt_sigreturn with an unreadable frame at %lx", frame);
        signal_exit(SIGSEGV);
    }
    restore_regs(f, &k.uc.mc);
    if (restore_fpu(k.uc.mc.fpstate) < 0) {
        klog("solo: rt_sigreturn with a bad FPU image");
        signal_exit(SIGSEGV);
    }
    t->sigmask = k.uc.sigmask & ~SIG_UNBLOCKABLE;
    restore_altstack(&k.uc.stack, f->rsp);
    if (f->rip >= (1UL << 47))         /* iretq would fault in the kernel */
        signal_fault(f, SIGSEGV, SI_KERNEL, 0);
    return (long)f->rax;
}
