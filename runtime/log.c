/*
 * log.c - the kernel log (klog), panics and ksnprintf.  Formatting is the
 * pure formatter in runtime/lib/format.c; the log goes to the debug console
 * where `solo run -v` shows it, and each line is also kept as a record in a
 * 64 KiB ring that syslog(2) reads (runtime/log.h has the record format).
 *
 * The ring is guarded by a spinlock taken with interrupts off (klog runs on
 * any CPU, in syscalls and in interrupt handlers); nothing inside the lock
 * touches user memory or logs.  Invariants: log_first <= log_clear, log_read
 * <= log_end; log_first and log_clear are record boundaries; log_end -
 * log_first <= KLOG_BUF_SIZE.
 */
#include "kernel.h"
#include "log.h"
#include "lib/format.h"
#include "x86_64/cpu.h"

#define CONSOLE_MIN 1                  /* minimum_console_loglevel */
#define CONSOLE_DEFAULT 7              /* console_loglevel: every klog line is shown */
#define LINE_MAX 512
#define EXIT_TAG "SOLO-EXIT "          /* solo run's exit status line: always shown */

static char ring[KLOG_BUF_SIZE];
static u64 log_first, log_end, log_read, log_clear;
static int log_lock;
static int console_level = CONSOLE_DEFAULT;
static int saved_console = -1;         /* level before CONSOLE_OFF, -1 = none */

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

/* ---------------------------------------------------------------- the ring */

/* Take the ring lock with interrupts off; returns the old flags for unlock.
 * With bounded (panic), gives up after a while and returns false in *ok. */
static u64 ring_lock(bool bounded, bool *ok)
{
    u64 fl;
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(fl) : : "memory");
    for (long spins = 0; __atomic_exchange_n(&log_lock, 1, __ATOMIC_ACQUIRE) != 0; spins++) {
        if (bounded && spins > 10000000) {
            *ok = false;
            return fl;
        }
        cpu_pause();
    }
    *ok = true;
    return fl;
}

static void ring_unlock(u64 fl, bool ok)
{
    if (ok)
        __atomic_store_n(&log_lock, 0, __ATOMIC_RELEASE);
    if ((fl & 0x200) != 0)
        irq_enable();
}

static char ring_at(u64 off) { return ring[off % KLOG_BUF_SIZE]; }

/* Offset just past the record that contains off (log_end if it is the last). */
static u64 record_end(u64 off)
{
    while (off < log_end && ring_at(off) != '\n')
        off++;
    return off < log_end ? off + 1 : log_end;
}

/* Drop the oldest record; readers behind it move up to the next one. */
static void drop_oldest(void)
{
    log_first = record_end(log_first);
    if (log_read < log_first)
        log_read = log_first;
    if (log_clear < log_first)
        log_clear = log_first;
}

static void ring_append(const char *rec, size_t n)
{
    while (log_end + n - log_first > KLOG_BUF_SIZE)
        drop_oldest();
    for (size_t i = 0; i < n; i++)
        ring[(log_end + i) % KLOG_BUF_SIZE] = rec[i];
    log_end += n;
}

static void ring_copy(char *dst, u64 from, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = ring_at(from + i);
}

/* Keep one line (without its newline) as a record of the given level. */
static void record_line(int level, const char *s, size_t n, bool bounded)
{
    char rec[LINE_MAX + 48];
    u64 ns = now_ns();
    int h = ksnprintf(rec, sizeof(rec), "<%d>[%5lu.%06lu] ", level, ns / 1000000000UL,
                      ns % 1000000000UL / 1000);
    if (h < 0)
        return;
    if (n > sizeof(rec) - (size_t)h - 1)
        n = sizeof(rec) - (size_t)h - 1;
    memcpy(rec + h, s, n);
    rec[(size_t)h + n] = '\n';
    bool ok;
    u64 fl = ring_lock(bounded, &ok);
    if (ok)
        ring_append(rec, (size_t)h + n + 1);
    ring_unlock(fl, ok);
}

size_t klog_read_all(char *dst, size_t cap, bool clear)
{
    bool ok;
    u64 fl = ring_lock(false, &ok);
    u64 start = log_clear;
    while (log_end - start > cap)      /* the newest records that fit */
        start = record_end(start);
    size_t n = (size_t)(log_end - start);
    ring_copy(dst, start, n);
    if (clear)
        log_clear = log_end;
    ring_unlock(fl, ok);
    return n;
}

size_t klog_read(char *dst, size_t cap)
{
    bool ok;
    u64 fl = ring_lock(false, &ok);
    u64 p = log_read;
    for (u64 q; p < log_end && (q = record_end(p)) - log_read <= cap; p = q)
        ;
    size_t n = (size_t)(p - log_read);
    if (n == 0)                        /* the first record alone is longer than cap */
        n = (size_t)MIN((u64)cap, log_end - log_read);
    ring_copy(dst, log_read, n);
    log_read += n;
    ring_unlock(fl, ok);
    return n;
}

size_t klog_unread(void)
{
    bool ok;
    u64 fl = ring_lock(false, &ok);
    size_t n = (size_t)(log_end - log_read);
    ring_unlock(fl, ok);
    return n;
}

void klog_clear(void)
{
    bool ok;
    u64 fl = ring_lock(false, &ok);
    log_clear = log_end;
    ring_unlock(fl, ok);
}

/* ---------------------------------------------------------------- console level */

void klog_console_off(void)
{
    if (saved_console == -1)
        saved_console = console_level;
    console_level = CONSOLE_MIN;
}

void klog_console_on(void)
{
    if (saved_console != -1) {
        console_level = saved_console;
        saved_console = -1;
    }
}

void klog_console_set(int level)
{
    console_level = level < CONSOLE_MIN ? CONSOLE_MIN : level;
    saved_console = -1;
}

/* ---------------------------------------------------------------- klog */

/* Format one message, keep each of its lines in the ring and show it on the
 * debug console if its level passes the console level. */
static void vlog_level(int level, const char *fmt, va_list ap)
{
    char buf[LINE_MAX];
    int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(buf))
        n = sizeof(buf) - 1;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && buf[j] != '\n')
            j++;
        record_line(level, buf + i, (size_t)(j - i), level == KLOG_LEVEL_PANIC);
        i = j + 1;
    }
    if (level >= console_level && strncmp(buf, EXIT_TAG, sizeof(EXIT_TAG) - 1) != 0)
        return;
    debugcon_write(buf, (size_t)n);
    if (n == 0 || buf[n - 1] != '\n')
        debugcon_write("\n", 1);
}

void kvlog(const char *fmt, va_list ap)
{
    vlog_level(KLOG_LEVEL_DEFAULT, fmt, ap);
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
    vlog_level(KLOG_LEVEL_PANIC, fmt, ap);
    va_end(ap);
    __asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
    backtrace_print(rbp, (u64)__builtin_return_address(0));
    outl(0xf4, 0x7f);                  /* isa-debug-exit: stop the VM, no SOLO-EXIT line */
    for (;;)
        __asm__ volatile("cli; hlt");
}
