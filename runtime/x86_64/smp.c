/*
 * smp.c - the other CPUs: discovery, start-up, the big kernel lock, IPIs and
 * TLB shootdown.
 *
 * CPUs come from the ACPI MADT (RSDP found by scanning the BIOS area; enabled
 * local-APIC entries).  Each AP gets a struct cpu (own GDT/TSS/IST stacks, GS
 * block), is started with INIT-SIPI-SIPI through trampoline.S copied to
 * TRAMPOLINE_PA, runs ap_main on a boot stack, takes the BKL and becomes an
 * idle thread of the shared scheduler (sched_start_cpu).
 *
 * Big kernel lock: all kernel code assumes it runs alone, so a CPU holds the
 * BKL whenever it runs kernel code: it is taken on every entry from ring 3
 * and on interrupts that find the CPU without it (the idle halt), and dropped
 * just before returning to ring 3 (entry.S) and around the idle halt.  It is
 * held across switch_context, so the thread switched out cannot be picked up
 * by another CPU before its stack is free.  The TLB-flush IPI is the only
 * kernel code that runs without it.
 *
 * TLB shootdown: page tables are shared and changed only under the BKL.  A
 * CPU without the BKL either runs user code (user_active) or is about to take
 * the BKL.  After a mapping is removed or reduced, the changing CPU bumps
 * tlb_gen, sends VEC_TLB to every user_active CPU and waits until each has
 * flushed (tlb_seen >= gen) or left user mode; a CPU taking the BKL flushes
 * when it has not seen the latest generation.
 *
 * With one CPU (or no MADT) smp_on stays false and none of this runs: the
 * lock and IPI calls return at once.
 */
#include "cpu.h"
#include "../mm/mm.h"
#include "../sched/thread.h"
#include "../vdso/vvar.h"
#include "bootinfo.h"

#define TRAMPOLINE_PA 0x8000UL         /* trampoline.S; then its page tables at +0x1000.. */
#define AP_STACK_SIZE 16384

#define ICR_INIT 0x4500                /* INIT, level assert */
#define ICR_STARTUP 0x4600             /* STARTUP; vector = page number */
#define ICR_FIXED 0x4000               /* fixed delivery, level assert */
#define MSR_TSC_AUX 0xc0000103         /* RDTSCP's ECX: the CPU number, for the vDSO's getcpu */

extern char trampoline_start[], trampoline_end[];
extern char tr_cr3[], tr_stack[], tr_entry[], tr_arg[];

static struct cpu *cpus[MAX_CPUS];
static int ncpus = 1;
static bool smp_on;
static volatile u32 bkl;
static volatile u64 tlb_gen;
static bool have_rdtscp;               /* every CPU's TSC_AUX holds its number */

int cpu_online_count(void) { return ncpus; }

int smp_cpu_id(void) { return this_cpu()->id; }

static void bkl_acquire(void)
{
    while (__atomic_exchange_n(&bkl, 1, __ATOMIC_ACQUIRE) != 0)
        while (bkl != 0)
            cpu_pause();
}

static void bkl_release(void) { __atomic_store_n(&bkl, 0, __ATOMIC_RELEASE); }

static void tlb_flush_all(void) { write_cr3(read_cr3()); }

void smp_enter_kernel(void)
{
    if (!smp_on)
        return;
    struct cpu *c = this_cpu();
    if (c->bkl_held)
        return;
    c->user_active = false;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    bkl_acquire();
    c->bkl_held = true;
    if (c->tlb_seen != tlb_gen) {
        c->tlb_seen = tlb_gen;
        tlb_flush_all();
    }
}

void smp_exit_to_user(void)
{
    if (!smp_on)
        return;
    struct cpu *c = this_cpu();
    if (!c->bkl_held)
        return;
    c->user_active = true;
    c->bkl_held = false;
    bkl_release();
}

void smp_idle_halt(void)
{
    if (!smp_on) {
        __asm__ volatile("sti; hlt; cli" ::: "memory");
        return;
    }
    struct cpu *c = this_cpu();
    c->bkl_held = false;
    bkl_release();
    __asm__ volatile("sti; hlt; cli" ::: "memory");
    smp_enter_kernel();
}

/* entry.S, without the BKL: apply the latest TLB shootdown. */
void smp_tlb_ipi(void)
{
    struct cpu *c = this_cpu();
    u64 gen = tlb_gen;
    tlb_flush_all();
    c->tlb_seen = gen;
    apic_eoi();
}

void smp_tlb_shootdown(void)
{
    if (!smp_on)
        return;
    struct cpu *me = this_cpu();
    u64 gen = ++tlb_gen;
    me->tlb_seen = gen;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (int i = 0; i < ncpus; i++) {
        struct cpu *c = cpus[i];
        if (c != me && c->user_active)
            apic_send_ipi(c->apic_id, ICR_FIXED | VEC_TLB);
    }
    for (int i = 0; i < ncpus; i++) {
        struct cpu *c = cpus[i];
        while (c != me && c->user_active && c->tlb_seen < gen)
            cpu_pause();
    }
}

void smp_kick_cpu(int id)
{
    if (!smp_on || id < 0 || id >= ncpus || cpus[id] == this_cpu())
        return;
    apic_send_ipi(cpus[id]->apic_id, ICR_FIXED | VEC_RESCHED);
}

/* How the vDSO's getcpu learns the CPU (VVAR_GETCPU_*). */
int smp_getcpu_mode(void)
{
    if (ncpus == 1)
        return VVAR_GETCPU_ZERO;
    return have_rdtscp ? VVAR_GETCPU_RDTSCP : VVAR_GETCPU_SYSCALL;
}

void smp_kick_idle(void) { smp_kick_mask(~0UL); }

/* A thread allowed on the CPUs of mask became runnable: wake an idle one of
 * them; when none is idle and this CPU cannot run it either, interrupt the
 * first of them so that it arms its time slice (sched_resched_ipi). */
void smp_kick_mask(u64 mask)
{
    int busy = -1;
    if (!smp_on)
        return;
    for (int i = 0; i < ncpus; i++) {
        struct cpu *c = cpus[i];
        if (c == this_cpu() || (mask & (1UL << i)) == 0)
            continue;
        if (c->idle != NULL && c->cur == c->idle) {
            smp_kick_cpu(i);
            return;
        }
        if (busy < 0)
            busy = i;
    }
    if (busy >= 0 && (mask & (1UL << smp_cpu_id())) == 0)
        smp_kick_cpu(busy);
}

/* VEC_RESCHED: the idle loop looks at the run queue again; a CPU in user
 * mode arms its slice or leaves a thread no longer allowed there, then passes
 * through the signal check. */
static void resched_irq(void) { sched_resched_ipi(); }

/* ---------------------------------------------------------------- ACPI MADT */

struct acpi_header {
    char sig[4];
    u32 len;
    u8 rev, csum;
    char oem[6], oem_table[8];
    u32 oem_rev, creator, creator_rev;
} __attribute__((packed));

static bool checksum_ok(const u8 *p, u32 n)
{
    u8 sum = 0;
    for (u32 i = 0; i < n; i++)
        sum += p[i];
    return sum == 0;
}

/* The RSDP's physical address from the BIOS area, or 0. */
static u64 find_rsdp(void)
{
    const u8 *bios = ioremap(0xe0000, 0x20000);
    if (bios == NULL)
        return 0;
    for (u32 off = 0; off + 20 <= 0x20000; off += 16)
        if (memcmp(bios + off, "RSD PTR ", 8) == 0 && checksum_ok(bios + off, 20))
            return 0xe0000 + off;
    return 0;
}

/* The RSDP's 36 bytes: the boot loader's copy (multiboot2, needed under UEFI),
 * the address it gave (PVH), or the BIOS area's; NULL when there is none. */
static const u8 *rsdp_bytes(void)
{
    if (boot_info.has_rsdp_copy)
        return boot_info.rsdp_copy;
    u64 rsdp = boot_info.rsdp_pa != 0 ? boot_info.rsdp_pa : find_rsdp();
    return rsdp != 0 ? ioremap(rsdp, 36) : NULL;
}

/* Map the ACPI table at pa whole, or NULL. */
static const struct acpi_header *map_table(u64 pa)
{
    const struct acpi_header *h = ioremap(pa, sizeof(*h));
    if (h == NULL || h->len < sizeof(*h) || h->len > (1U << 20))
        return NULL;
    h = ioremap(pa, h->len);
    if (h == NULL || !checksum_ok((const u8 *)h, h->len))
        return NULL;
    return h;
}

/* The MADT, through the XSDT (ACPI 2+) or the RSDT; NULL if none. */
static const struct acpi_header *find_madt(void)
{
    const u8 *r = rsdp_bytes();
    if (r == NULL || memcmp(r, "RSD PTR ", 8) != 0)
        return NULL;
    u8 rev = r[15];
    u64 xsdt = rev >= 2 ? *(const u64 *)(r + 24) : 0;
    u64 rsdt = *(const u32 *)(r + 16);
    const struct acpi_header *sdt = map_table(xsdt != 0 ? xsdt : rsdt);
    u32 esz = xsdt != 0 ? 8 : 4;
    if (sdt == NULL)
        return NULL;
    const u8 *ents = (const u8 *)(sdt + 1);
    u32 n = (sdt->len - sizeof(*sdt)) / esz;
    for (u32 i = 0; i < n; i++) {
        u64 pa = esz == 8 ? *(const u64 *)(ents + 8 * i) : *(const u32 *)(ents + 4 * i);
        const struct acpi_header *h = map_table(pa);
        if (h != NULL && memcmp(h->sig, "APIC", 4) == 0)
            return h;
    }
    return NULL;
}

/* Fill ids with the APIC ids of enabled processors; returns how many. */
static int madt_cpus(u32 *ids, int max)
{
    const struct acpi_header *m = find_madt();
    int n = 0;
    if (m == NULL)
        return 0;
    const u8 *p = (const u8 *)m + sizeof(*m) + 8, *end = (const u8 *)m + m->len;
    while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
        if (p[0] == 0 && p[1] >= 8 && (*(const u32 *)(p + 4) & 1) != 0 && n < max)
            ids[n++] = p[3];
        p += p[1];
    }
    return n;
}

/* ---------------------------------------------------------------- start-up */

/* The AP's first C code, on its boot stack with the trampoline page tables. */
static void ap_main(struct cpu *c)
{
    write_cr3(kernel_pml4_pa);
    cpu_init_ap(c);
    apic_init_ap();
    if (have_rdtscp)
        wrmsr(MSR_TSC_AUX, (u64)c->id);
    c->started = true;
    smp_enter_kernel();
    klog("smp: cpu %d (apic %u) online", c->id, c->apic_id);
    sched_start_cpu();
}

/* Page tables for the trampoline: low 2 MiB identity, upper half = kernel's. */
static void trampoline_tables(void)
{
    u64 *pml4 = phys_to_virt(TRAMPOLINE_PA + 0x1000);
    u64 *pdpt = phys_to_virt(TRAMPOLINE_PA + 0x2000);
    u64 *pd = phys_to_virt(TRAMPOLINE_PA + 0x3000);
    const u64 *kpml4 = phys_to_virt(kernel_pml4_pa);
    memset(pml4, 0, PAGE_SIZE);
    memset(pdpt, 0, PAGE_SIZE);
    memset(pd, 0, PAGE_SIZE);
    for (int i = 256; i < 512; i++)
        pml4[i] = kpml4[i];
    pml4[0] = (TRAMPOLINE_PA + 0x2000) | PTE_P | PTE_W;
    pdpt[0] = (TRAMPOLINE_PA + 0x3000) | PTE_P | PTE_W;
    pd[0] = 0 | PTE_P | PTE_W | PTE_PS;
}

static void spin_ns(u64 ns)
{
    u64 end = now_ns() + ns;
    while (now_ns() < end)
        cpu_pause();
}

/* INIT-SIPI-SIPI to c; true once it reached ap_main. */
static bool start_ap(struct cpu *c)
{
    u8 *tr = phys_to_virt(TRAMPOLINE_PA);
    u8 *stack = kmalloc(AP_STACK_SIZE);
    if (stack == NULL)
        return false;
    u64 top = ((u64)stack + AP_STACK_SIZE) & ~15UL;
    u64 slots[4] = { TRAMPOLINE_PA + 0x1000, top, (u64)ap_main, (u64)c };
    memcpy(tr, trampoline_start, (size_t)(trampoline_end - trampoline_start));
    memcpy(tr + (tr_cr3 - trampoline_start), &slots[0], 8);
    memcpy(tr + (tr_stack - trampoline_start), &slots[1], 8);
    memcpy(tr + (tr_entry - trampoline_start), &slots[2], 8);
    memcpy(tr + (tr_arg - trampoline_start), &slots[3], 8);
    apic_send_ipi(c->apic_id, ICR_INIT);
    spin_ns(10000000);
    for (int i = 0; i < 2 && !c->started; i++) {
        apic_send_ipi(c->apic_id, ICR_STARTUP | (u32)(TRAMPOLINE_PA >> 12));
        spin_ns(200000);
    }
    for (u64 end = now_ns() + 1000000000UL; !c->started && now_ns() < end;)
        cpu_pause();
    return c->started;
}

void smp_init(void)
{
    u32 ids[MAX_CPUS];
    int n = madt_cpus(ids, MAX_CPUS);
    u32 me = apic_id();

    u32 a, b, cx, d;
    cpus[0] = &cpu0;
    cpu0.apic_id = me;
    if (n <= 1)
        return;
    cpuid(0x80000001, 0, &a, &b, &cx, &d);
    have_rdtscp = (d & (1U << 27)) != 0;
    if (have_rdtscp)
        wrmsr(MSR_TSC_AUX, 0);
    kassert((u64)(trampoline_end - trampoline_start) <= PAGE_SIZE);
    trampoline_tables();
    irq_register(VEC_RESCHED, resched_irq);
    smp_on = true;                     /* from here the boot CPU holds the BKL */
    bkl_acquire();
    cpu0.bkl_held = true;
    for (int i = 0; i < n && ncpus < MAX_CPUS; i++) {
        if (ids[i] == me)
            continue;
        struct cpu *c = kzalloc(sizeof(*c));
        if (c == NULL || cpu_prepare_ap(c) < 0)
            break;
        c->id = ncpus;
        c->apic_id = ids[i];
        cpus[ncpus] = c;
        if (!start_ap(c)) {
            klog("smp: cpu with apic id %u did not start", ids[i]);
            cpus[ncpus] = NULL;
            break;
        }
        ncpus++;
    }
    klog("smp: %d cpus", ncpus);
}
