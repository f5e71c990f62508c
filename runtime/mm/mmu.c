/*
 * mmu.c - the one set of 4-level page tables.  Upper half: the direct map of
 * all usable RAM at DIRECT_MAP (2 MiB pages where aligned), the kernel image
 * at KERNEL_BASE, and MMIO windows from ioremap at IOREMAP_BASE.  Lower half:
 * the program, mapped 4 KiB at a time by the VM layer through mmu_map.
 * Intermediate entries for user addresses are user+writable so the leaf PTE
 * alone decides permissions.  Page tables change only under the big kernel
 * lock; removing or changing a present user mapping flushes it locally
 * (invlpg) and, with several CPUs, shoots it down on the others
 * (smp_tlb_shootdown, which waits for them).
 */
#include "mm.h"
#include "../x86_64/cpu.h"

#define IOREMAP_BASE 0xffffc90000000000UL

bool direct_map_ready;
u64 kernel_pml4_pa;
static u64 *pml4;
static u64 ioremap_next = IOREMAP_BASE;

extern char kernel_start[], kernel_end[];

static void *table_va(u64 pa)
{
    return direct_map_ready ? phys_to_virt(pa) : (void *)(pa + KERNEL_BASE);
}

u64 virt_to_phys(const void *va)
{
    u64 v = (u64)va;
    if (v >= KERNEL_BASE)
        return v - KERNEL_BASE;
    if (v >= DIRECT_MAP && v < DIRECT_MAP + (1UL << 46))
        return v - DIRECT_MAP;
    u64 *pte = mmu_pte(v);
    kassert(pte != NULL);
    return (*pte & PTE_ADDR_MASK) | (v & (PAGE_SIZE - 1));
}

/* Return the entry for va at the given level (3 = PML4 ... 0 = PT), creating
 * intermediate tables when create is set.  NULL if absent or a large page. */
static u64 *walk(u64 va, int level, bool create)
{
    u64 *table = pml4;
    for (int l = 3; l > level; l--) {
        u64 *e = &table[(va >> (12 + 9 * l)) & 511];
        if ((*e & PTE_P) == 0) {
            if (!create)
                return NULL;
            u64 pa = page_alloc();
            if (pa == 0)
                return NULL;
            *e = pa | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
        } else if ((*e & PTE_PS) != 0) {
            return NULL;
        }
        table = table_va(*e & PTE_ADDR_MASK);
    }
    return &table[(va >> (12 + 9 * level)) & 511];
}

/* A present mapping at va changed: flush it here and, for user addresses,
 * on every other CPU (which the VM layer relies on as well). */
void mmu_flush(u64 va)
{
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
    if (va < USER_TOP)
        smp_tlb_shootdown();
}

int mmu_map(u64 va, u64 pa, u64 flags)
{
    u64 *e = walk(va, 0, true);
    if (e == NULL)
        return -ENOMEM;
    bool was = (*e & PTE_P) != 0;
    *e = (pa & PTE_ADDR_MASK) | flags | PTE_P;
    if (was)
        mmu_flush(va);
    return 0;
}

u64 mmu_unmap(u64 va)
{
    u64 *e = walk(va, 0, false);
    if (e == NULL || (*e & PTE_P) == 0)
        return 0;
    u64 pa = *e & PTE_ADDR_MASK;
    *e = 0;
    mmu_flush(va);
    return pa;
}

u64 *mmu_pte(u64 va)
{
    u64 *e = walk(va, 0, false);
    return (e != NULL && (*e & PTE_P) != 0) ? e : NULL;
}

int mmu_protect(u64 va, u64 flags)
{
    u64 *e = mmu_pte(va);
    if (e == NULL)
        return -ENOENT;
    *e = (*e & PTE_ADDR_MASK) | flags | PTE_P;
    mmu_flush(va);
    return 0;
}

/* Map [pa, pa+len) at va with 2 MiB pages where both are aligned, else 4 KiB. */
static void map_range(u64 va, u64 pa, u64 len, u64 flags)
{
    u64 end = pa + len;
    while (pa < end) {
        if ((pa & 0x1fffff) == 0 && (va & 0x1fffff) == 0 && end - pa >= 0x200000) {
            u64 *e = walk(va, 1, true);
            kassert(e != NULL);
            *e = pa | flags | PTE_P | PTE_PS;
            pa += 0x200000;
            va += 0x200000;
        } else {
            kassert(mmu_map(va, pa, flags) == 0);
            pa += PAGE_SIZE;
            va += PAGE_SIZE;
        }
    }
}

void mmu_init(const struct mem_range *ram, int n)
{
    u64 kbase = (u64)kernel_start - KERNEL_BASE;
    u64 klen = (u64)kernel_end - (u64)kernel_start;

    kernel_pml4_pa = page_alloc();
    kassert(kernel_pml4_pa != 0);
    pml4 = table_va(kernel_pml4_pa);
    map_range((u64)kernel_start, kbase, ALIGN_UP(klen, PAGE_SIZE), PTE_W | PTE_G);
    for (int i = 0; i < n; i++) {
        u64 s = ALIGN_UP(ram[i].base, PAGE_SIZE), e = ALIGN_DOWN(ram[i].base + ram[i].len, PAGE_SIZE);
        if (e > s)
            map_range(DIRECT_MAP + s, s, e - s, PTE_W | PTE_G | PTE_NX);
    }
    __asm__ volatile("mov %0, %%cr3" : : "r"(kernel_pml4_pa) : "memory");
    direct_map_ready = true;
    pml4 = phys_to_virt(kernel_pml4_pa);
}

void *ioremap(u64 pa, size_t len)
{
    u64 off = pa & (PAGE_SIZE - 1);
    u64 base = pa - off, size = ALIGN_UP(len + off, PAGE_SIZE);
    u64 va = ioremap_next;
    for (u64 i = 0; i < size; i += PAGE_SIZE)
        if (mmu_map(va + i, base + i, PTE_W | PTE_PCD | PTE_PWT | PTE_NX | PTE_G) != 0)
            return NULL;
    ioremap_next += size + PAGE_SIZE;  /* guard page between windows */
    return (void *)(va + off);
}
