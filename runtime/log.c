/*
 * log.c - the kernel log (klog), panics and ksnprintf.  Formatting is the
 * pure formatter in runtime/lib/format.c; the log goes to the debug console
 * where `solo run -v` shows it.
 */
#include "kernel.h"
#include "lib/format.h"
#include "x86_64/cpu.h"

int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    return fmt_vsnprintf(buf, n, fmt, ap);
}

int ksnprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = fmt_vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

void kvlog(const char *fmt, va_list ap)
{
    char buf[512];
    int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(buf))
        n = sizeof(buf) - 1;
    debugcon_write(buf, (size_t)n);
    if (n == 0 || buf[n - 1] != '\n')
        debugcon_write("\n", 1);
}

void klog(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvlog(fmt, ap);
    va_end(ap);
}

_Noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    u64 rbp;

    irq_disable();
    va_start(ap, fmt);
    debugcon_write("PANIC: ", 7);
    kvlog(fmt, ap);
    va_end(ap);
    __asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
    backtrace_print(rbp, (u64)__builtin_return_address(0));
    outl(0xf4, 0x7f);                  /* isa-debug-exit: stop the VM, no SOLO-EXIT line */
    for (;;)
        __asm__ volatile("cli; hlt");
}
