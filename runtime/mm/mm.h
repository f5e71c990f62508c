/*
 * mm.h - boot-time memory setup shared by main.c and the mm files.
 */
#ifndef SOLO_MM_H
#define SOLO_MM_H

#include "../kernel.h"

struct mem_range { u64 base, len; };

/* Take the usable RAM ranges (sorted or not), reserve the kernel image and low 1 MiB. */
void phys_init(const struct mem_range *ram, int n);
/* Build the final page tables (direct map, kernel image, no identity map) and switch. */
void mmu_init(const struct mem_range *ram, int n);
void kheap_init(void);
extern bool direct_map_ready;
extern u64 kernel_pml4_pa;

#endif
