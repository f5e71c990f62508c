/* A stand-in kernel for the post-mortem test: logs two lines on the debug
 * console and stops the VM through isa-debug-exit without SOLO-EXIT. */
        .section .note.pvh, "a", @note
        .balign 4
        .long 4, 4, 18                  /* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
        .asciz "Xen"
        .balign 4
        .long start32

        .text
        .code32
        .globl start32
start32:
        mov $msg, %esi
        mov $0xe9, %dx
1:      lodsb
        test %al, %al
        jz 2f
        outb %al, %dx
        jmp 1b
2:      mov $0xf4, %dx
        mov $0x7f, %eax
        outl %eax, %dx
3:      hlt
        jmp 3b

        .section .rodata
msg:    .asciz "fake kernel starting\nPANIC: deliberate test panic\n"
