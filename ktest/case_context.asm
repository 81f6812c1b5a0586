; Saving and resuming a test case's caller (a minimal setjmp/longjmp).
;
; The executor saves its context before calling a case. A failing ASSERT_*,
; KTEST_SKIP, a panic or (later) a CPU exception inside the case resumes
; that context: the case's stack frames are abandoned and execution goes on
; in the executor, which reports the case and runs the next one.
;
; struct JumpBuffer { rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags }
; Only callee-saved registers need saving (System V AMD64 ABI, 3.2.1).

section .text
bits 64

; int ktest_save_context(JumpBuffer* buffer)   -> 0 now, non-zero when resumed
global ktest_save_context
ktest_save_context:
    mov [rdi + 0], rbx
    mov [rdi + 8], rbp
    mov [rdi + 16], r12
    mov [rdi + 24], r13
    mov [rdi + 32], r14
    mov [rdi + 40], r15
    lea rax, [rsp + 8]              ; RSP as it will be after our RET
    mov [rdi + 48], rax
    mov rax, [rsp]                  ; our return address
    mov [rdi + 56], rax
    pushfq
    pop rax
    mov [rdi + 64], rax             ; includes IF: resuming restores it
    xor eax, eax
    ret

; [[noreturn]] void ktest_resume_context(JumpBuffer* buffer, int value)
global ktest_resume_context
ktest_resume_context:
    mov rbx, [rdi + 0]
    mov rbp, [rdi + 8]
    mov r12, [rdi + 16]
    mov r13, [rdi + 24]
    mov r14, [rdi + 32]
    mov r15, [rdi + 40]
    mov rsp, [rdi + 48]
    push qword [rdi + 64]
    popfq
    mov eax, esi
    test eax, eax
    jnz .done
    inc eax                         ; never return 0 from a resume
.done:
    jmp [rdi + 56]

section .note.GNU-stack noalloc noexec nowrite progbits
