/*
 * vdso_map.c - the kernel side of the vDSO: at boot, copy the embedded image
 * (built from runtime/vdso/) into pages of its own, fill the vvar clock page
 * below it, and map both read-only into the program at vdso_base, which the
 * loader passes as AT_SYSINFO_EHDR.
 */
#include "kernel.h"
#include "vdso/vvar.h"

#define VDSO_BASE 0x7ffff7ffd000UL     /* image; the vvar page sits just below */

extern const char vdso_image[], vdso_image_end[];
u64 vdso_base;                          /* 0 until vdso_init succeeded */
static u64 vvar_pa;
static u64 image_pa;
static size_t image_pages;

void time_fill_vvar(struct vvar *v);
int smp_getcpu_mode(void);

/* Prepare the pages; vdso_map_user() maps them.  0 or -ENOMEM. */
int vdso_init(void)
{
    size_t len = (size_t)(vdso_image_end - vdso_image);
    image_pages = ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE;
    vvar_pa = page_alloc();
    image_pa = pages_alloc(image_pages);
    if (vvar_pa == 0 || image_pa == 0)
        return -ENOMEM;
    time_fill_vvar(phys_to_virt(vvar_pa));
    ((struct vvar *)phys_to_virt(vvar_pa))->getcpu_mode = (u64)smp_getcpu_mode();
    memcpy(phys_to_virt(image_pa), vdso_image, len);
    vdso_base = VDSO_BASE;
    return 0;
}

/* Map vvar (read-only data) and the image (read + execute) for the program. */
int vdso_map_user(void)
{
    if (vdso_base == 0)
        return -ENOMEM;
    int r = mmu_map(vdso_base - PAGE_SIZE, vvar_pa, PTE_U | PTE_NX);
    for (size_t i = 0; r == 0 && i < image_pages; i++)
        r = mmu_map(vdso_base + i * PAGE_SIZE, image_pa + i * PAGE_SIZE, PTE_U);
    return r;
}

u64 vdso_size(void) { return image_pages * PAGE_SIZE; }
