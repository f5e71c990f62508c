/*
 * boot.S - the two boot entries.
 *
 * PVH: QEMU (-kernel), Xen PVH and Firecracker jump to pvh_start in 32-bit
 * protected mode with paging off and %ebx pointing to the hvm_start_info
 * structure (found through the ELF note below).
 *
 * multiboot2: GRUB (disk images, runtime/x86_64/bootinfo.c, docs/boot.md)
 * finds the header below in the first 32 KiB of the file and jumps to
 * mb2_start in 32-bit protected mode, paging off, %eax = 0x36d76289 and %ebx =
 * the multiboot2 information.  The header's address tag makes GRUB load the
 * file as a flat image (file offset = physical address - constant, which
 * kernel.ld's layout gives), so GRUB never looks at the higher-half ELF
 * addresses; the entry tag gives the physical entry.  No framebuffer is asked
 * for: the console is the serial port.  There is no multiboot1 header on
 * purpose: QEMU's -kernel would prefer it over the PVH note.  mb2_start copies
 * the information into the kernel's bss (it may lie anywhere below 4 GiB,
 * where the boot page tables do not reach) and joins the PVH path.
 *
 * Both then build temporary page tables mapping the first 1 GiB both at 0 and
 * at KERNEL_BASE, enable PAE + long mode + NX, switch to 64-bit code, move to
 * the higher half and call kmain(info_phys, magic) with magic 0 for PVH.
 * The TSC at entry is saved for the boot-to-main measurement.
 */
#define KERNEL_BASE 0xffffffff80000000
#define V2P(x) ((x) - KERNEL_BASE)
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_BOOT_MAGIC 0x36d76289
#define MB2_INFO_MAX 65536              /* bytes of multiboot2 information kept */

    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long MB2_HEADER_MAGIC
    .long 0                             /* architecture: i386 protected mode */
    .long mb2_header_end - mb2_header
    .long 0x100000000 - (MB2_HEADER_MAGIC + (mb2_header_end - mb2_header))
    .balign 8                           /* address tag: load the file flat */
    .word 2, 0
    .long 24
    .long V2P(mb2_header)               /* header_addr */
    .long V2P(kernel_start)             /* load_addr */
    .long V2P(kernel_file_end)          /* load_end_addr */
    .long V2P(kernel_end)               /* bss_end_addr */
    .balign 8                           /* entry address tag */
    .word 3, 0
    .long 12
    .long V2P(mb2_start)
    .balign 8                           /* end tag */
    .word 0, 0
    .long 8
mb2_header_end:

    .section .note.solo, "a", @note
    .balign 4
    .long 4                     /* name size: "Xen\0" */
    .long 4                     /* descriptor size */
    .long 18                    /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .balign 4
    .long V2P(pvh_start)
    .balign 4

    .section .boot.text, "ax"
    .code32
    .globl pvh_start
pvh_start:
    cli
    cld
    movl %ebx, %edi                         /* keep start_info */
    xorl %esi, %esi                         /* boot protocol: PVH */
    jmp boot_common

    .globl mb2_start
mb2_start:
    cli
    cld
    cmpl $MB2_BOOT_MAGIC, %eax
    jne 3f
    movl (%ebx), %ecx                       /* total_size */
    cmpl $MB2_INFO_MAX, %ecx
    jbe 1f
    movl $MB2_INFO_MAX, %ecx                /* bootinfo.c sees the cut */
1:  movl %ebx, %esi
    movl $V2P(mb2_info), %edi
    rep movsb
    movl $V2P(mb2_info), %edi
    movl $MB2_BOOT_MAGIC, %esi
    jmp boot_common
3:  hlt                                     /* not started by a multiboot2 loader */
    jmp 3b

    /* %edi: boot information (physical), %esi: 0 (PVH) or MB2_BOOT_MAGIC. */
boot_common:
    rdtsc
    movl %eax, V2P(boot_tsc)
    movl %edx, V2P(boot_tsc) + 4
    movl $V2P(boot_stack_top), %esp

    /* PML4[0] and PML4[511] -> pdpt_low / pdpt_high; both -> pd_boot (1 GiB, 2 MiB pages). */
    movl $V2P(pdpt_low), %eax
    orl $3, %eax
    movl %eax, V2P(pml4_boot)
    movl $V2P(pdpt_high), %eax
    orl $3, %eax
    movl %eax, V2P(pml4_boot) + 511 * 8
    movl $V2P(pd_boot), %eax
    orl $3, %eax
    movl %eax, V2P(pdpt_low)
    movl %eax, V2P(pdpt_high) + 510 * 8
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax                         /* present, writable, 2 MiB */
    movl %eax, V2P(pd_boot)(,%ecx,8)
    incl %ecx
    cmpl $512, %ecx
    jne 1b

    movl %cr4, %eax
    orl $(1 << 5), %eax                     /* PAE */
    movl %eax, %cr4
    movl $V2P(pml4_boot), %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx                  /* EFER */
    rdmsr
    orl $((1 << 8) | (1 << 11) | (1 << 0)), %eax   /* LME, NXE, SCE */
    wrmsr
    movl %cr0, %eax
    orl $((1 << 31) | (1 << 16) | (1 << 0)), %eax  /* PG, WP, PE */
    movl %eax, %cr0
    lgdt V2P(gdt_boot_ptr)
    ljmp $0x08, $V2P(long_mode)

    .code64
long_mode:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movabsq $higher_half, %rax
    jmp *%rax
higher_half:
    movabsq $boot_stack_top, %rsp
    xorl %ebp, %ebp
    movl %edi, %edi                         /* zero-extend both arguments */
    movl %esi, %esi
    call kmain
2:  hlt
    jmp 2b

    .section .rodata
    .balign 16
gdt_boot:
    .quad 0
    .quad 0x00af9a000000ffff                /* 64-bit code */
    .quad 0x00cf92000000ffff                /* data */
gdt_boot_ptr:
    .word gdt_boot_ptr - gdt_boot - 1
    .long V2P(gdt_boot)

    .section .data
    .balign 8
    .globl boot_tsc
boot_tsc:
    .quad 0

    .section .bss
    .balign 8
    .globl mb2_info
mb2_info:  .skip MB2_INFO_MAX
    .balign 4096
    .globl pml4_boot
pml4_boot: .skip 4096
pdpt_low:  .skip 4096
pdpt_high: .skip 4096
pd_boot:   .skip 4096
    .balign 16
    .globl boot_stack_top
boot_stack: .skip 32768
boot_stack_top:
