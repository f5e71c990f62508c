/*
 * signals.c - signal delivery: handlers with siginfo (kill, tgkill,
 * sigqueue), masks and pending sets, SA_RESETHAND, SA_NODEFER nesting, the
 * alternate stack, registers and FPU state restored by sigreturn (and a
 * clean FPU inside the handler), a handler editing the ucontext, sigsuspend,
 * sigtimedwait/sigwaitinfo, kill/tgkill errors, and ignored signals.
 */
// covers: rt_sigaction rt_sigprocmask rt_sigpending rt_sigsuspend rt_sigtimedwait rt_sigreturn sigaltstack kill tgkill tkill rt_sigqueueinfo getpid gettid
#include "common.h"
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

static volatile sig_atomic_t hits, depth, max_depth;
static volatile int last_sig, last_code, last_pid_ok, last_value;
static volatile int on_alt, fenv_clean;
static char altstack[65536];

static void on_info(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    hits++;
    last_sig = sig;
    last_code = si->si_code;
    last_pid_ok = si->si_pid == getpid();
    last_value = si->si_value.sival_int;
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0)
        printf("sigaction %d: %s\n", sig, errname(errno));
}

static void test_basic(void)
{
    install(SIGUSR1, on_info, 0);
    hits = 0;
    kill(getpid(), SIGUSR1);
    printf("kill: hits %d sig %d code SI_USER %s pid ok %d\n", hits, last_sig,
           last_code == SI_USER ? "yes" : "no", last_pid_ok);
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
    printf("tgkill: hits %d code SI_TKILL %s\n", hits, last_code == SI_TKILL ? "yes" : "no");
    syscall(SYS_tkill, syscall(SYS_gettid), SIGUSR1);
    printf("tkill: hits %d\n", hits);
    union sigval v = { .sival_int = 1234 };
    sigqueue(getpid(), SIGUSR1, v);
    printf("sigqueue: hits %d code SI_QUEUE %s value %d\n", hits, last_code == SI_QUEUE ? "yes" : "no",
           last_value);
    show("kill sig 0", kill(getpid(), 0));
    show("kill bad sig", kill(getpid(), 65));
    show("tgkill bad tid", syscall(SYS_tgkill, getpid(), 99999, SIGUSR1));
    show("tgkill tid 0", syscall(SYS_tgkill, getpid(), 0, SIGUSR1));
    /* unknown flag bits read back clear (how programs probe for support) */
    struct sigaction sa, back;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = 0x400 | SA_RESTART;
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGHUP, NULL, &back);
    printf("unknown flag kept %d SA_RESTART kept %d\n", (back.sa_flags & 0x400) != 0,
           (back.sa_flags & SA_RESTART) != 0);
}

static void test_mask(void)
{
    sigset_t s, old, pend;
    install(SIGUSR2, on_info, 0);
    hits = 0;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, &old);
    raise(SIGUSR2);
    raise(SIGUSR2);
    sigpending(&pend);
    printf("blocked: hits %d pending %d\n", hits, sigismember(&pend, SIGUSR2));
    sigprocmask(SIG_SETMASK, &old, NULL);
    sigpending(&pend);
    printf("unblocked: hits %d (standard signals merge) pending %d\n", hits, sigismember(&pend, SIGUSR2));
    /* real-time signals queue */
    hits = 0;
    install(SIGRTMIN + 1, on_info, 0);
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    for (int i = 0; i < 3; i++)
        sigqueue(getpid(), SIGRTMIN + 1, (union sigval){ .sival_int = i });
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    printf("rt queued: hits %d last value %d\n", hits, last_value);
}

static void on_once(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)si; (void)uc;
    hits++;
}

static void test_resethand(void)
{
    struct sigaction cur;
    install(SIGWINCH, on_once, SA_RESETHAND);
    hits = 0;
    raise(SIGWINCH);
    sigaction(SIGWINCH, NULL, &cur);
    printf("resethand: hits %d now default %d\n", hits, cur.sa_handler == SIG_DFL);
    raise(SIGWINCH);                   /* default: ignored */
    printf("winch default ignored: hits %d\n", hits);
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("SIG_IGN survives\n");
}

static void on_nest(int sig, siginfo_t *si, void *uc)
{
    (void)si; (void)uc;
    depth++;
    hits++;
    if (depth > max_depth)
        max_depth = depth;
    if (hits < 3)
        raise(sig);
    depth--;
}

static void test_nodefer(void)
{
    install(SIGUSR1, on_nest, SA_NODEFER);
    max_depth = 0;
    hits = 0;
    raise(SIGUSR1);
    printf("nodefer depth %d calls %d\n", max_depth, hits);
    install(SIGUSR1, on_nest, 0);
    max_depth = 0;
    hits = 0;
    raise(SIGUSR1);
    printf("deferred depth %d calls %d\n", max_depth, hits);
}

static void on_alt_handler(int sig, siginfo_t *si, void *uc)
{
    char here;
    stack_t cur;
    (void)sig; (void)si; (void)uc;
    on_alt = &here >= altstack && &here < altstack + sizeof(altstack);
    sigaltstack(NULL, &cur);
    on_alt += (cur.ss_flags & SS_ONSTACK) != 0 ? 10 : 0;
}

static void test_altstack(void)
{
    stack_t ss, old;
    ss.ss_sp = altstack;
    ss.ss_size = sizeof(altstack);
    ss.ss_flags = 0;
    show("sigaltstack", sigaltstack(&ss, &old));
    printf("old disabled %d\n", (old.ss_flags & SS_DISABLE) != 0);
    install(SIGUSR2, on_alt_handler, SA_ONSTACK);
    raise(SIGUSR2);
    printf("handler on altstack %d reports SS_ONSTACK %d\n", on_alt % 10, on_alt / 10);
    sigaltstack(NULL, &old);
    printf("after: onstack %d size ok %d\n", (old.ss_flags & SS_ONSTACK) != 0, old.ss_size == sizeof(altstack));
    ss.ss_size = 100;
    show("sigaltstack too small", sigaltstack(&ss, NULL));
    ss.ss_flags = 99;
    ss.ss_size = sizeof(altstack);
    show("sigaltstack bad flags", sigaltstack(&ss, NULL));
    ss.ss_flags = SS_DISABLE;
    show("sigaltstack disable", sigaltstack(&ss, NULL));
}

static unsigned get_mxcsr(void)
{
    unsigned v;
    __asm__ volatile("stmxcsr %0" : "=m"(v));
    return v;
}

static void set_mxcsr(unsigned v) { __asm__ volatile("ldmxcsr %0" : : "m"(v)); }

#define MXCSR_DEFAULT 0x1f80
#define MXCSR_UP 0x5f80
#define MXCSR_DOWN 0x3f80

/* The handler scribbles on every register it may and on the FPU. */
static void on_clobber(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)si; (void)uc;
    fenv_clean = (get_mxcsr() & ~0x3fU) == MXCSR_DEFAULT;
    set_mxcsr(MXCSR_DOWN);
    volatile double x = 1.0;
    for (int i = 0; i < 10; i++)
        x = x * 3.7 + 1.1;
    __asm__ volatile("xor %%rbx, %%rbx; xor %%r12, %%r12; xor %%r13, %%r13; xor %%r14, %%r14; xor %%r15, %%r15;"
                     "pxor %%xmm0, %%xmm0; pxor %%xmm6, %%xmm6; pxor %%xmm15, %%xmm15"
                     ::: "rbx", "r12", "r13", "r14", "r15", "xmm0", "xmm6", "xmm15", "memory");
}

static void test_restore(void)
{
    uint64_t r12 = 0x1212121212121212ULL, r13 = 0x1313131313131313ULL, r14 = 0x1414, r15 = 0x15151515;
    uint64_t out[4];
    double xin = 2.5, xout = 0;
    install(SIGUSR1, on_clobber, 0);
    set_mxcsr(MXCSR_UP);
    __asm__ volatile(
        "mov %[a], %%r12\n mov %[b], %%r13\n mov %[c], %%r14\n mov %[d], %%r15\n"
        "movsd %[x], %%xmm6\n"
        "mov $62, %%eax\n mov %[pid], %%rdi\n mov $10, %%esi\n syscall\n"
        "mov %%r12, 0(%[o])\n mov %%r13, 8(%[o])\n mov %%r14, 16(%[o])\n mov %%r15, 24(%[o])\n"
        "movsd %%xmm6, %[xo]\n"
        : [xo] "=m"(xout)
        : [a] "r"(r12), [b] "r"(r13), [c] "r"(r14), [d] "r"(r15), [x] "m"(xin), [o] "r"(out),
          [pid] "r"((uint64_t)getpid())
        : "rax", "rdi", "rsi", "rcx", "r11", "r12", "r13", "r14", "r15", "xmm6", "memory");
    printf("registers restored %d %d %d %d\n", out[0] == r12, out[1] == r13, out[2] == r14, out[3] == r15);
    printf("xmm6 restored %d rounding restored %d handler had clean FPU %d\n", xout == xin,
           (get_mxcsr() & ~0x3fU) == MXCSR_UP, fenv_clean);
    set_mxcsr(MXCSR_DEFAULT);
}

static void on_edit(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    (void)sig; (void)si;
    uc->uc_mcontext.gregs[REG_RAX] = 4242;   /* becomes kill()'s result */
    sigaddset(&uc->uc_sigmask, SIGUSR2);     /* mask after sigreturn */
}

static void test_ucontext(void)
{
    sigset_t now;
    install(SIGUSR1, on_edit, 0);
    long r = syscall(SYS_kill, getpid(), SIGUSR1);
    sigprocmask(SIG_SETMASK, NULL, &now);
    printf("ucontext rax %ld mask from ucontext %d\n", r, sigismember(&now, SIGUSR2));
    sigprocmask(SIG_UNBLOCK, &now, NULL);
}

static void test_wait(void)
{
    sigset_t s, old;
    siginfo_t si;
    struct timespec zero = { 0, 0 }, short_ts = { 0, 20000000 };
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, &old);
    raise(SIGUSR1);
    int sig = sigtimedwait(&s, &si, &zero);
    printf("sigtimedwait: %d code SI_TKILL %d\n", sig, si.si_code == SI_TKILL);
    show("sigtimedwait empty", sigtimedwait(&s, &si, &zero));
    show("sigtimedwait timeout", sigtimedwait(&s, &si, &short_ts));
    sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 77 });
    sig = sigwaitinfo(&s, &si);
    printf("sigwaitinfo: %d value %d\n", sig, si.si_value.sival_int);
    /* sigsuspend: the handler runs with the suspend mask, the old mask comes back */
    install(SIGUSR1, on_info, 0);
    hits = 0;
    raise(SIGUSR1);
    printf("still blocked: hits %d\n", hits);
    sigset_t empty;
    sigemptyset(&empty);
    int r = sigsuspend(&empty);
    printf("sigsuspend: %d %s hits %d\n", r, errname(errno), hits);
    sigprocmask(SIG_SETMASK, NULL, &s);
    printf("mask back: %d\n", sigismember(&s, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_basic();
    test_mask();
    test_resethand();
    test_nodefer();
    test_altstack();
    test_restore();
    test_ucontext();
    test_wait();
    return 0;
}
