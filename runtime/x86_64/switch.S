/*
 * switch.S - kernel context switch.  switch_context(&prev->ksp, next_ksp)
 * saves the callee-saved registers on the old kernel stack, records its
 * stack pointer, loads the new one and returns into the new thread where it
 * last called switch_context - or, for a new thread, into thread_first_run,
 * which returns to user mode through the struct frame at its stack top.
 */
    .text
    .globl switch_context
switch_context:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret

    .globl thread_first_run
thread_first_run:
    call sched_first_run_hook
    jmp trap_return
