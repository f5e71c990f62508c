/*
 * phys.c - the physical page allocator: one bit per 4 KiB frame up to the
 * highest usable address (1 = used).  Frames outside the firmware's usable
 * RAM ranges, the first 1 MiB, the kernel image and the bitmap itself are
 * marked used at init.  Allocation is next-fit for single pages and a linear
 * scan for contiguous runs; every page handed out is zeroed.
 * Invariant: free_pages equals the number of zero bits among usable frames.
 */
#include "mm.h"

extern char kernel_start[], kernel_end[];

static u64 bitmap_pa;
#define bitmap ((u64 *)frame_va(bitmap_pa))
static u64 nframes;
static u64 free_pages, total_pages;
static u64 next_hint;

/* Before the direct map exists, low memory is reachable through the boot
 * mapping of the first 1 GiB at KERNEL_BASE. */
static void *frame_va(u64 pa)
{
    if (direct_map_ready)
        return phys_to_virt(pa);
    kassert(pa < (1UL << 30));
    return (void *)(pa + KERNEL_BASE);
}

static bool frame_used(u64 f) { return (bitmap[f / 64] >> (f % 64) & 1) != 0; }
static void frame_set(u64 f) { bitmap[f / 64] |= 1UL << (f % 64); }
static void frame_clear(u64 f) { bitmap[f / 64] &= ~(1UL << (f % 64)); }

void phys_init(const struct mem_range *ram, int n)
{
    u64 top = 0, kend = (u64)kernel_end - KERNEL_BASE;
    for (int i = 0; i < n; i++)
        top = MAX(top, ram[i].base + ram[i].len);
    nframes = top / PAGE_SIZE;
    u64 bytes = ALIGN_UP((nframes + 63) / 64 * 8, PAGE_SIZE);
    bitmap_pa = ALIGN_UP(kend, PAGE_SIZE);
    memset(bitmap, 0xff, bytes);
    for (int i = 0; i < n; i++) {
        u64 s = ALIGN_UP(ram[i].base, PAGE_SIZE) / PAGE_SIZE;
        u64 e = ALIGN_DOWN(ram[i].base + ram[i].len, PAGE_SIZE) / PAGE_SIZE;
        for (u64 f = s; f < e; f++) {
            if (f < 256 || (f >= ((u64)kernel_start - KERNEL_BASE) / PAGE_SIZE &&
                            f < (bitmap_pa + bytes) / PAGE_SIZE))
                continue;
            if (frame_used(f)) {
                frame_clear(f);
                free_pages++;
            }
        }
    }
    total_pages = free_pages + (kend - ((u64)kernel_start - KERNEL_BASE)) / PAGE_SIZE;
    klog("mem: %lu MiB usable, %lu MiB free", (unsigned long)(total_pages >> 8),
         (unsigned long)(free_pages >> 8));
}

u64 pages_alloc(size_t n)
{
    u64 run = 0;
    if (n == 0 || n > free_pages)
        return 0;
    for (u64 pass = 0; pass < 2; pass++) {
        u64 start = pass == 0 ? next_hint : 0;
        u64 end = pass == 0 ? nframes : next_hint + n;
        run = 0;
        for (u64 f = start; f < end && f < nframes; f++) {
            if ((f % 64) == 0 && bitmap[f / 64] == ~0UL && f + 64 <= nframes) {
                run = 0;
                f += 63;
                continue;
            }
            run = frame_used(f) ? 0 : run + 1;
            if (run == n) {
                u64 first = f + 1 - n;
                for (u64 g = first; g <= f; g++)
                    frame_set(g);
                free_pages -= n;
                next_hint = f + 1;
                memset(frame_va(first * PAGE_SIZE), 0, n * PAGE_SIZE);
                return first * PAGE_SIZE;
            }
        }
    }
    return 0;
}

u64 page_alloc(void) { return pages_alloc(1); }

void pages_free(u64 pa, size_t n)
{
    u64 f = pa / PAGE_SIZE;
    for (size_t i = 0; i < n; i++) {
        kassert(f + i < nframes && frame_used(f + i));
        frame_clear(f + i);
    }
    free_pages += n;
}

void page_free(u64 pa) { pages_free(pa, 1); }
u64 mem_total_bytes(void) { return total_pages * PAGE_SIZE; }
u64 mem_free_bytes(void) { return free_pages * PAGE_SIZE; }
