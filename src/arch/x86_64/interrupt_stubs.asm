; Entry stubs for all 256 interrupt vectors.
;
; The IDT (idt.cpp) points vector N at interrupt_stub_N. Each stub makes the
; stack look the same whether or not the CPU pushed an error code, pushes
; its vector number and jumps to interrupt_common, which saves the general
; registers and calls interrupt_dispatch(InterruptFrame*) in C++
; (src/interrupts/dispatch.cpp). The frame layout is InterruptFrame in
; interrupt_frame.h; keep the two in step.
;
; Which vectors push an error code: Intel SDM vol. 3, table 6-1 ("Error
; Code" column: 8, 10-14, 17, 21) and AMD APM vol. 2, 8.2 (29 #VC, 30 #SX).
; Hardware interrupts and INT n never push one.

FRAME_RBP   equ 64                  ; offsetof(InterruptFrame, rbp)
FRAME_RIP   equ 136                 ; offsetof(InterruptFrame, rip)

extern interrupt_dispatch

%macro interrupt_stub 1
align 16
interrupt_stub_%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
    ; the CPU pushed an error code
%else
    push qword 0                    ; no error code: keep the frame uniform
%endif
    push qword %1
    jmp interrupt_common
%endmacro

%include "arch/x86_64/frame_registers.inc"

section .text
bits 64

%assign vector 0
%rep 256
    interrupt_stub vector
%assign vector vector + 1
%endrep

; The stack here, from RSP up: vector, error code, RIP, CS, RFLAGS, RSP, SS.
align 16
interrupt_common:
    ; From ring 3 (the saved CS's RPL, at [rsp + 24] past the vector, the
    ; error code and RIP): SWAPGS, so GS is the kernel's per-CPU data.
    test byte [rsp + 24], 3
    jz .from_kernel
    swapgs
.from_kernel:
    push_frame_registers
    ; The System V ABI wants DF clear on function entry; the interrupted code
    ; may have set it (IRETQ restores its RFLAGS, DF included).
    cld
    mov rdi, rsp                    ; argument: InterruptFrame*
    mov rbx, rsp                    ; callee-saved: the frame after the call
    ; A frame record [RBP, RIP] of the interrupted code, so that a backtrace
    ; taken in a handler (a panic's) walks on into the code that was
    ; interrupted.
    push qword [rbx + FRAME_RIP]
    push qword [rbx + FRAME_RBP]
    mov rbp, rsp
    ; RSP is 16-byte aligned here: the CPU aligned it before pushing its
    ; frame (SDM vol. 3, 6.14.2), then 22 + 2 quadwords were pushed.
    call interrupt_dispatch
    mov rsp, rbx
    pop_frame_registers
    add rsp, 16                     ; the vector and the error code
    test byte [rsp + 8], 3          ; back to ring 3: the user's GS again
    jz .to_kernel
    swapgs
.to_kernel:
    iretq

section .rodata
align 8
; uint64_t interrupt_stub_table[256]: the address of each vector's stub.
global interrupt_stub_table
interrupt_stub_table:
%assign vector 0
%rep 256
    dq interrupt_stub_ %+ vector
%assign vector vector + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
