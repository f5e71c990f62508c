/*
 * sigfault.c - CPU exceptions delivered as signals to user handlers with
 * Linux's si_code and si_addr: SIGSEGV for an unmapped address (MAPERR) and
 * for a write to a read-only page (ACCERR, fixed by mprotect in the handler
 * so the write is retried and succeeds), SIGFPE for integer division by
 * zero, SIGILL for ud2 (the handler skips it by editing the saved rip),
 * SIGBUS past the end of a mapped file, SIGTRAP for int3, and SIGSEGV for a
 * privileged instruction (si_code SI_KERNEL), and a stack overflow caught
 * by a handler running on the alternate stack.
 */
// covers: rt_sigaction rt_sigreturn mmap mprotect
#include "common.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <ucontext.h>

static sigjmp_buf env;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr;
static char *ro_page;

static void catch_jump(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
    siglongjmp(env, 1);
}

static void catch_fix(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
    mprotect(ro_page, 4096, PROT_READ | PROT_WRITE);
}

static void catch_skip(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
    got_addr = got_addr == (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    uc->uc_mcontext.gregs[REG_RIP] += 2;     /* past ud2 */
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO;
    sigaction(sig, &sa, NULL);
}

static void report(const char *what)
{
    printf("%s: sig %d code %d\n", what, got_sig, got_code);
    got_sig = got_code = 0;
}

static void test_segv(void)
{
    install(SIGSEGV, catch_jump);
    volatile int *bad = (int *)0x1008;
    if (sigsetjmp(env, 1) == 0)
        *bad = 1;
    printf("maperr addr ok %d\n", got_addr == 0x1008);
    report("segv unmapped");
    /* a handler that fixes the cause lets the faulting write run again */
    ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    install(SIGSEGV, catch_fix);
    ro_page[100] = 42;
    printf("accerr addr ok %d value %d\n", got_addr == (uintptr_t)ro_page + 100, ro_page[100]);
    report("segv read-only");
    /* the signal is unblocked again after siglongjmp, so a second fault works */
    install(SIGSEGV, catch_jump);
    if (sigsetjmp(env, 1) == 0)
        *bad = 2;
    report("segv again");
    if (sigsetjmp(env, 1) == 0)
        __asm__ volatile("hlt");
    printf("privileged addr %lu\n", (unsigned long)got_addr);
    report("segv hlt");
}

static void test_fpe(void)
{
    volatile int zero = 0, one = 1;
    install(SIGFPE, catch_jump);
    if (sigsetjmp(env, 1) == 0)
        one = one / zero;
    report("fpe divide");
}

static void test_ill(void)
{
    install(SIGILL, catch_skip);
    __asm__ volatile("ud2");
    printf("ill addr is rip %d\n", (int)got_addr);
    report("ill ud2 skipped");
}

static void test_trap(void)
{
    install(SIGTRAP, catch_jump);
    if (sigsetjmp(env, 1) == 0)
        __asm__ volatile("int3");
    report("trap int3");
}

static void test_bus(void)
{
    char path[] = "/tmp/sigfault-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, "data", 4) != 4) {
        printf("bus: setup failed %s\n", errname(errno));
        return;
    }
    char *p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
    unlink(path);
    close(fd);
    if (p == MAP_FAILED) {
        printf("bus: mmap %s\n", errname(errno));
        return;
    }
    install(SIGBUS, catch_jump);
    printf("first page reads %c\n", p[0]);
    volatile char c = 0;
    if (sigsetjmp(env, 1) == 0)
        c = p[4096];
    (void)c;
    printf("bus addr ok %d\n", got_addr == (uintptr_t)p + 4096);
    report("bus past eof");
}

static char altstack[65536];
static volatile int on_alt;

static void catch_overflow(int sig, siginfo_t *si, void *uc)
{
    char here;
    (void)si; (void)uc;
    on_alt = &here >= altstack && &here < altstack + sizeof(altstack);
    got_sig = sig;
    siglongjmp(env, 1);
}

static volatile int depth_limit = 1 << 30;

static int recurse(int n)
{
    volatile char pad[1024];
    pad[0] = (char)n;
    if (n >= depth_limit)
        return 0;
    return recurse(n + 1) + pad[0];
}

static void test_overflow(void)
{
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0 };
    struct sigaction sa;
    sigaltstack(&ss, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = catch_overflow;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(env, 1) == 0)
        printf("not reached %d\n", recurse(0));
    printf("stack overflow: sig %d handled on altstack %d\n", got_sig, on_alt);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_segv();
    test_fpe();
    test_ill();
    test_trap();
    test_bus();
    test_overflow();
    return 0;
}
