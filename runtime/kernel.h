/*
 * kernel.h - the kernel-wide services every kernel file may use: logging,
 * panics, memory (physical pages, kernel heap, MMIO mappings, page tables),
 * time, the console and program exit.  Subsystems (fs, loader, syscalls,
 * drivers) include this and their own headers; they never reach into each
 * other's internals.  Error convention everywhere: 0 or a positive value on
 * success, -errno (Linux numbers, see runtime/errno.h) on failure.
 */
#ifndef SOLO_KERNEL_H
#define SOLO_KERNEL_H

#include "lib/types.h"
#include "errno.h"

/* ---- logging (kernel log goes to the debug console, port 0xe9) ---- */
/* printf-style: %d %i %u %x %X %p %s %c %%, with l/ll/z length and 0/width/- flags. */
void klog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvlog(const char *fmt, va_list ap);
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define kassert(c) do { if (!(c)) panic("assertion failed: %s at %s:%d", #c, __FILE__, __LINE__); } while (0)

/* snprintf into a buffer (always NUL-terminates when n > 0); returns the length it wanted. */
int ksnprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

/* ---- freestanding libc subset (runtime/klibc.c) ---- */
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

/* ---- console: the program's stdout (COM1) and stderr (COM2) ---- */
void console_write(int fd, const void *buf, size_t n);   /* fd 1 -> COM1, fd 2 -> COM2 */
/* Added by console (runtime/x86_64/serial.c): with a virtio-console device
 * stdout/stderr go through it instead of the UARTs, and stdin reads the
 * host's stdin.  console_flush waits until the host took all output. */
void console_flush(void);
/* Read stdin: bytes (> 0), 0 at end of input (or without an input path),
 * -EAGAIN (nonblock, nothing yet) or -EINTR (a signal while waiting). */
long console_in_read(void *buf, size_t n, bool nonblock);
bool console_in_ready(void);            /* a read would not block (data or EOF) */
long console_in_pending(void);          /* bytes buffered (FIONREAD) */

/* ---- memory layout ---- */
#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12
#define KERNEL_BASE 0xffffffff80000000UL   /* kernel image (linked here, loaded at phys 2 MiB) */
#define DIRECT_MAP 0xffff888000000000UL    /* all RAM mapped here: virt = DIRECT_MAP + phys */
#define USER_TOP 0x00007ffffffff000UL      /* exclusive upper bound of user addresses */

static inline void *phys_to_virt(u64 pa) { return (void *)(pa + DIRECT_MAP); }
u64 virt_to_phys(const void *va);            /* direct-map or kernel-image address */

/* Physical pages (runtime/mm/phys.c).  All returned pages are zeroed; 0 means out of memory. */
u64 page_alloc(void);
u64 pages_alloc(size_t n);                   /* n physically contiguous pages */
void page_free(u64 pa);
void pages_free(u64 pa, size_t n);
u64 mem_total_bytes(void);
u64 mem_free_bytes(void);

/* Kernel heap (runtime/mm/kheap.c).  kmalloc memory is not zeroed, kzalloc's is. */
void *kmalloc(size_t n);
void *kzalloc(size_t n);
void kfree(void *p);                         /* NULL is fine */
extern struct heap *kernel_heap;             /* the same heap behind the struct heap interface */

/* Map len bytes of device memory uncached into kernel space. NULL on failure. */
void *ioremap(u64 pa, size_t len);

/* ---- page tables (runtime/mm/mmu.c) over the one address space ---- */
#define PTE_P   (1UL << 0)
#define PTE_W   (1UL << 1)
#define PTE_U   (1UL << 2)
#define PTE_PWT (1UL << 3)
#define PTE_PCD (1UL << 4)
#define PTE_A   (1UL << 5)
#define PTE_D   (1UL << 6)
#define PTE_PS  (1UL << 7)
#define PTE_G   (1UL << 8)
#define PTE_NX  (1UL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000UL

int mmu_map(u64 va, u64 pa, u64 flags);      /* map one 4K page (replaces any old mapping); -ENOMEM */
u64 mmu_unmap(u64 va);                       /* unmap one 4K page, flush TLB; returns old pa or 0 */
u64 *mmu_pte(u64 va);                        /* leaf PTE pointer for a 4K mapping, or NULL */
int mmu_protect(u64 va, u64 flags);          /* change flags of a present page; -ENOENT if none */
void mmu_flush(u64 va);

/* ---- time (runtime/x86_64/time.c) ---- */
u64 now_ns(void);                            /* monotonic ns since boot (TSC) */
u64 realtime_ns(void);                       /* ns since the Unix epoch (RTC at boot + monotonic) */
/* The now_ns() reading at which realtime_ns() reaches real (at least 1): the
 * deadline for an absolute CLOCK_REALTIME time, exact and never early. */
u64 realtime_to_now(u64 real);
u64 boot_to_main_ns(void);                   /* time from kernel entry to the program's first instruction */
void realtime_set_ns(u64 ns);                /* step the wall clock (kernel and vDSO) to ns now */
void kernel_sleep_until(u64 deadline_ns);    /* halts with interrupts on until now_ns() >= deadline */
u64 tsc_hz(void);

/* ---- CPU ---- */
static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline u16 inw(u16 port) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u64 rdtsc(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }
static inline u64 rdmsr(u32 msr) { u32 lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr)); return ((u64)hi << 32) | lo; }
static inline void wrmsr(u32 msr, u64 v) { __asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))); }
static inline void cpu_pause(void) { __asm__ volatile("pause"); }
#define barrier() __asm__ volatile("" ::: "memory")
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

/* Random bytes for AT_RANDOM/getrandom (RDRAND where present, else TSC-seeded xorshift). */
void random_bytes(void *buf, size_t n);
void random_add_entropy(const void *buf, size_t n);   /* mix in device entropy */

/* ---- program exit ---- */
/* Flush filesystems, report status to the host (solo run exits with it) and power off. */
_Noreturn void kernel_exit(int status);

/* Called by the page-fault handler for every #PF (user or kernel mode).  Implemented in
 * runtime/mm/vm.c: returns 0 when it mapped the page (demand zero, file page, COW),
 * -EFAULT when the address is not valid for that access. */
int vm_fault(u64 addr, u64 error_code);

#endif
