; sched_switch(uint64_t* save_rsp, uint64_t load_rsp): from one kernel
; thread to another.
;
; The rule: a switch is a function call, so by the System V AMD64 ABI the
; caller-saved registers (rax, rcx, rdx, rsi, rdi, r8-r11) are already dead
; here and only the callee-saved ones (rbx, rbp, r12-r15) and RSP must come
; back as they were. They are pushed on the old thread's stack, its RSP is
; stored through save_rsp, RSP becomes load_rsp and the new thread's six are
; popped; `ret` then returns into the new thread where it once called this.
; RFLAGS is not switched: callers switch with interrupts off and each thread
; restores its own interrupt state when the switch returns to it. There is
; no FPU/SSE state to switch: the kernel is built without them
; (-mgeneral-regs-only). User threads will bring that state; it will be
; saved with FXSAVE/XSAVE on the way into the kernel (or lazily, on the
; first #NM after a switch), not here.
;
; A new thread's stack is laid out by thread.cpp as if it had called this:
; six zeros or values for the registers, then the address of
; sched_thread_start, with RSP 16-byte aligned once that is popped.

section .text
bits 64

global sched_switch
sched_switch:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp
    mov rsp, rsi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

; A new thread's first instructions: R12 holds its Thread (popped above),
; RBP is 0, which ends the frame-pointer chain of backtraces.
extern sched_thread_main
global sched_thread_start
sched_thread_start:
    mov rdi, r12
    call sched_thread_main
    ud2                             ; sched_thread_main never returns

section .note.GNU-stack noalloc noexec nowrite progbits
