/*
 * boot.S - PVH entry.  QEMU (-kernel), Xen PVH and Firecracker jump to
 * pvh_start in 32-bit protected mode with paging off and %ebx pointing to the
 * hvm_start_info structure.  We build temporary page tables mapping the first
 * 1 GiB both at 0 and at KERNEL_BASE, enable PAE + long mode + NX, switch to
 * 64-bit code, move to the higher half and call kmain(start_info_phys).
 * The TSC at entry is saved for the boot-to-main measurement.
 */
#define KERNEL_BASE 0xffffffff80000000
#define V2P(x) ((x) - KERNEL_BASE)

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
    /* %edi still holds the start_info physical address (zero-extended). */
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
