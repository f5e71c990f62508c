/*
 * entry.S - every way into and out of the kernel after boot: exception and
 * interrupt stubs (all 256 vectors), the SYSCALL entry, the return to user
 * mode, enter_user, and the fault-tolerant user-memory copy routines.
 *
 * Every entry builds a struct frame (runtime/sched/thread.h) on the kernel
 * stack.  GS holds the kernel per-CPU block while in the kernel (swapgs on
 * every user<->kernel crossing).  Per-CPU block layout (runtime/x86_64/cpu.h):
 *   0: self pointer, 8: scratch (user rsp at syscall), 16: kernel stack top.
 *
 * SMP (runtime/x86_64/smp.c): every entry takes the big kernel lock
 * (smp_enter_kernel, a no-op when this CPU holds it or with one CPU) before
 * any C handler, and every return to ring 3 drops it (smp_exit_to_user)
 * before restoring registers.  The TLB-flush IPI (vector 0x41) alone runs
 * without it.  The frame is 16-byte aligned at each of these calls.
 */
#define PUSH_REGS \
    pushq %rax; pushq %rbx; pushq %rcx; pushq %rdx; pushq %rsi; pushq %rdi; pushq %rbp; \
    pushq %r8; pushq %r9; pushq %r10; pushq %r11; pushq %r12; pushq %r13; pushq %r14; pushq %r15
#define POP_REGS \
    popq %r15; popq %r14; popq %r13; popq %r12; popq %r11; popq %r10; popq %r9; popq %r8; \
    popq %rbp; popq %rdi; popq %rsi; popq %rdx; popq %rcx; popq %rbx; popq %rax

    .text
/* Vector stubs, 16 bytes apart (vector_stubs + 16 * n): push a zero error code
 * where the CPU does not push one, then the vector number. */
    .balign 16
    .globl vector_stubs
vector_stubs:
    .set i, 0
    .rept 256
    .balign 16
    .if (i == 8 || (i >= 10 && i <= 14) || i == 17 || i == 21 || i == 29 || i == 30)
    .else
    pushq $0
    .endif
    pushq $i
    jmp trap_common
    .set i, i + 1
    .endr

trap_common:
    testb $3, 24(%rsp)                      /* CS of the interrupted context */
    jz 1f
    swapgs
1:  PUSH_REGS
    xorl %ebp, %ebp
    cmpq $0x41, 15*8(%rsp)                  /* VEC_TLB: without the BKL */
    jne 3f
    call smp_tlb_ipi
    jmp trap_return
3:  call smp_enter_kernel
    movq %rsp, %rdi
    call trap_handler
    .globl trap_return
trap_return:
    testb $3, 18*8(%rsp)                    /* back to ring 3: drop the BKL */
    jz 4f
    cmpq $0x1b, 21*8(%rsp)                  /* an SS other than the GDT's user data */
    je 5f                                   /* (an LDT one) is checked before iretq */
    movq %rsp, %rdi
    call trap_check_user_ss
5:  call smp_exit_to_user
4:  POP_REGS
    addq $16, %rsp                          /* vector, error */
    testb $3, 8(%rsp)
    jz 2f
    swapgs
2:  iretq

/* SYSCALL: rcx = user rip, r11 = user rflags, IF cleared by FMASK. */
    .globl syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:8
    movq %gs:16, %rsp
    pushq $0x1b                             /* ss */
    pushq %gs:8                             /* rsp */
    pushq %r11                              /* rflags */
    pushq $0x23                             /* cs */
    pushq %rcx                              /* rip */
    pushq $0                                /* error */
    pushq $0x100                            /* vector: syscall */
    PUSH_REGS
    xorl %ebp, %ebp
    call smp_enter_kernel
    movq %rsp, %rdi
    call syscall_dispatch
    .globl syscall_return
syscall_return:
    call smp_exit_to_user
    /* Fast path only when the frame still looks like a SYSCALL frame with a canonical rip. */
    movq 17*8(%rsp), %rax                   /* rip */
    cmpq 12*8(%rsp), %rax                   /* == saved rcx ? */
    jne to_iret
    movq 19*8(%rsp), %rax                   /* rflags */
    cmpq 4*8(%rsp), %rax                    /* == saved r11 ? */
    jne to_iret
    movq 17*8(%rsp), %rax
    shrq $47, %rax
    jnz to_iret
    POP_REGS
    addq $16, %rsp
    movq 24(%rsp), %rsp                     /* user rsp (rip, cs, rflags, rsp, ss) */
    swapgs
    sysretq
to_iret:
    jmp trap_return

/* enter_user(rip, rsp): first entry into ring 3 with clean registers and FPU state. */
    .globl enter_user
enter_user:
    cli
    pushq %rdi
    pushq %rsi
    pushq %rsi                              /* keeps the call 16-byte aligned */
    call smp_exit_to_user
    popq %rsi
    popq %rsi
    popq %rdi
    fninit
    pushq $0x1f80
    ldmxcsr (%rsp)
    addq $8, %rsp
    pushq $0x1b                             /* ss */
    pushq %rsi                              /* rsp */
    pushq $0x202                            /* rflags: IF */
    pushq $0x23                             /* cs */
    pushq %rdi                              /* rip */
    xorl %eax, %eax
    movl %eax, %ebx
    movl %eax, %ecx
    movl %eax, %edx
    movl %eax, %esi
    movl %eax, %edi
    movl %eax, %ebp
    movq %rax, %r8
    movq %rax, %r9
    movq %rax, %r10
    movq %rax, %r11
    movq %rax, %r12
    movq %rax, %r13
    movq %rax, %r14
    movq %rax, %r15
    movl %eax, %ds                          /* null DS/ES, as Linux starts a program */
    movl %eax, %es
    swapgs
    iretq

/*
 * uaccess_copy(dst, src, n) -> 0, or -EFAULT (-14) when a fault inside the
 * copy cannot be resolved: the page-fault handler moves rip to uaccess_fixup.
 * uaccess_strncpy(dst, src, max) -> length of the string (NUL copied), -1 if
 * no NUL within max bytes, -EFAULT on a fault.
 */
    .globl uaccess_start, uaccess_end, uaccess_fixup
uaccess_start:
    .globl uaccess_copy
uaccess_copy:
    movq %rdx, %rcx
    shrq $3, %rcx
    rep movsq
    movq %rdx, %rcx
    andq $7, %rcx
    rep movsb
    xorl %eax, %eax
    ret
    .globl uaccess_strncpy
uaccess_strncpy:
    xorl %eax, %eax
1:  cmpq %rdx, %rax
    jae 3f
    movb (%rsi,%rax), %cl
    movb %cl, (%rdi,%rax)
    testb %cl, %cl
    jz 2f
    incq %rax
    jmp 1b
2:  ret
3:  movq $-1, %rax
    ret
/* uaccess_cmpxchg32(uaddr, old, new, u32 *cur) -> 0 with the value found in
 * *cur (the swap happened when it equals old), or -EFAULT. */
    .globl uaccess_cmpxchg32
uaccess_cmpxchg32:
    movl %esi, %eax
    lock cmpxchgl %edx, (%rdi)
    movl %eax, (%rcx)
    xorl %eax, %eax
    ret
uaccess_end:
uaccess_fixup:
    movq $-14, %rax
    ret
