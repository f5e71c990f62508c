/*
 * backtrace.c - symbolized backtraces from the frame-pointer chain.  The
 * symbol table (.ksyms) is generated from the first link pass by
 * tools/gen_ksyms.sh: (address, name offset) pairs sorted by address, a zero
 * address ending them, then the NUL-separated names.
 */
#include "cpu.h"

struct ksym { u64 addr, name; };
extern const struct ksym ksyms_start[];
extern const char ksyms_names[] __attribute__((weak));

const char *ksym_lookup(u64 addr, u64 *offset)
{
    const struct ksym *best = NULL;
    if (ksyms_names == NULL)
        return NULL;
    for (const struct ksym *s = ksyms_start; s->addr != 0; s++) {
        if (s->addr > addr)
            break;
        best = s;
    }
    if (best == NULL)
        return NULL;
    *offset = addr - best->addr;
    return ksyms_names + best->name;
}

static bool kernel_text(u64 a) { return a >= KERNEL_BASE; }

void backtrace_print(u64 rbp, u64 rip)
{
    u64 off = 0;
    const char *s = ksym_lookup(rip, &off);
    klog("backtrace:");
    klog("  %016lx %s+0x%lx", rip, s ? s : "?", off);
    for (int depth = 0; depth < 32 && rbp >= DIRECT_MAP && (rbp & 7) == 0; depth++) {
        u64 *fp = (u64 *)rbp;
        u64 ret = fp[1];
        if (!kernel_text(ret))
            break;
        s = ksym_lookup(ret, &off);
        klog("  %016lx %s+0x%lx", ret, s ? s : "?", off);
        rbp = fp[0];
    }
}
