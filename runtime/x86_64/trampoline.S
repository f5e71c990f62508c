/*
 * trampoline.S - the application processors' first instructions.  smp.c
 * copies trampoline_start..trampoline_end to physical TRAMPOLINE_PA (below
 * 1 MiB, page aligned) and fills the data slots at its end; a SIPI with
 * vector TRAMPOLINE_PA >> 12 starts the AP in real mode at CS:IP = page:0.
 * It loads a GDT, enables PAE, long mode (with NX and SYSCALL) and paging in
 * one step using tr_cr3 (page tables that identity-map the low 2 MiB and share
 * the kernel's upper half), far-jumps into 64-bit code and calls
 * tr_entry(tr_arg) on the stack tr_stack in the higher half.  All addresses
 * inside are physical: the code is position dependent on TRAMPOLINE_PA.
 */
#define TRAMPOLINE_PA 0x8000
#define T(x) ((x) - trampoline_start + TRAMPOLINE_PA)

    .section .rodata
    .balign 16
    .globl trampoline_start, trampoline_end
    .globl tr_cr3, tr_stack, tr_entry, tr_arg
    .code16
trampoline_start:
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ds
    lgdtl T(tr_gdt_ptr)
    movl %cr4, %eax
    orl $(1 << 5), %eax                     /* PAE */
    movl %eax, %cr4
    movl T(tr_cr3), %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx                  /* EFER */
    rdmsr
    orl $((1 << 8) | (1 << 11) | (1 << 0)), %eax   /* LME, NXE, SCE */
    wrmsr
    movl %cr0, %eax
    orl $((1 << 31) | (1 << 16) | (1 << 0)), %eax  /* PG, WP, PE */
    movl %eax, %cr0
    ljmpl $0x08, $T(tr_long)

    .code64
tr_long:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movq T(tr_stack), %rsp
    movq T(tr_arg), %rdi
    movq T(tr_entry), %rax
    xorl %ebp, %ebp
    call *%rax
1:  hlt
    jmp 1b

    .balign 16
tr_gdt:
    .quad 0
    .quad 0x00af9a000000ffff                /* 64-bit code */
    .quad 0x00cf92000000ffff                /* data */
tr_gdt_ptr:
    .word tr_gdt_ptr - tr_gdt - 1
    .long T(tr_gdt)
    .balign 8
tr_cr3:   .quad 0
tr_stack: .quad 0
tr_entry: .quad 0
tr_arg:   .quad 0
trampoline_end:
