; syscall_entry: where SYSCALL lands (IA32_LSTAR). SYSCALL saved the user
; RIP in RCX and RFLAGS in R11, cleared the flags in IA32_FMASK (interrupts
; are off) and loaded the kernel CS/SS; it did not switch stacks (Intel SDM
; vol. 2B, "SYSCALL"). So: SWAPGS for the kernel's per-CPU data, park the
; user RSP there, load this thread's kernel stack, and build the same frame
; interrupt_common builds, so the handler sees an InterruptFrame.
;
; arch_enter_user_mode(rip, rsp): the way into ring 3, through IRETQ.

CPU_KERNEL_STACK equ 40             ; offsetof(CpuData, kernel_stack_top), per_cpu.cpp checks it
CPU_USER_RSP     equ 48             ; offsetof(CpuData, user_rsp)
USER_DS          equ 0x18 | 3       ; gdt.h: user data, RPL 3
USER_CS          equ 0x20 | 3       ; gdt.h: user code, RPL 3
FRAME_RIP        equ 136            ; offsetof(InterruptFrame, rip)
FRAME_RFLAGS     equ 152
FRAME_RSP        equ 160

extern syscall_dispatch

%include "arch/x86_64/frame_registers.inc"

section .text
bits 64

global syscall_entry
syscall_entry:
    swapgs
    mov [gs:CPU_USER_RSP], rsp
    mov rsp, [gs:CPU_KERNEL_STACK]
    push qword USER_DS              ; ss
    push qword [gs:CPU_USER_RSP]    ; rsp
    push r11                        ; rflags
    push qword USER_CS              ; cs
    push rcx                        ; rip
    push qword 0                    ; error code
    push qword 0                    ; vector
    push_frame_registers
    cld
    mov rdi, rsp                    ; argument: the frame
    mov rbx, rsp
    xor ebp, ebp                    ; backtraces end here: the user's RBP means nothing to the kernel
    call syscall_dispatch           ; 16-byte aligned: the stack top is, and 22 quadwords were pushed
    mov rsp, rbx
    cli                             ; the handler may have turned interrupts on
    test al, al                     ; bool: every register of the frame must come back
    jnz .every_register
    pop_frame_registers
    add rsp, 16                     ; vector and error code
    ; [rsp] is the IRETQ frame: rip, cs, rflags, rsp, ss.
    mov rcx, [rsp]                  ; the return RIP
    mov r11, rcx
    shr r11, 47
    jnz .through_iretq              ; not canonical lower half: SYSRET would #GP in ring 0
    mov r11, [rsp + 16]             ; the return RFLAGS
    mov rsp, [rsp + 24]             ; the user RSP
    swapgs
    o64 sysret
.through_iretq:
    swapgs
    iretq
.every_register:
    ; rt_sigreturn or a signal handler's entry: RCX and R11 are the frame's,
    ; not SYSRET's RIP and RFLAGS. The C++ side checked CS, SS, RFLAGS and
    ; that RIP is in the lower half (signals.cpp).
    pop_frame_registers
    add rsp, 16                     ; vector and error code
    swapgs
    iretq

global arch_enter_user_mode
arch_enter_user_mode:
    cli
    push qword USER_DS              ; ss
    push rsi                        ; rsp
    push qword 0x202                ; rflags: IF, and the always-one bit 1
    push qword USER_CS              ; cs
    push rdi                        ; rip
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    xor r8d, r8d
    xor r9d, r9d
    xor r10d, r10d
    xor r11d, r11d
    xor r12d, r12d
    xor r13d, r13d
    xor r14d, r14d
    xor r15d, r15d
    swapgs                          ; the user's GS base (zero) in, the kernel's kept in KERNEL_GS_BASE
    iretq

; arch_return_to_user(const InterruptFrame* frame): into ring 3 with every
; register as `frame` says (a forked child's first return, with RAX 0).
; The frame must lie on this thread's kernel stack, below anything still
; needed: RSP moves onto it, and IRETQ leaves the kernel for good.
global arch_return_to_user
arch_return_to_user:
    cli
    mov rsp, rdi
    pop_frame_registers
    add rsp, 16                     ; vector and error code
    swapgs                          ; the user's GS base in, the kernel's kept in KERNEL_GS_BASE
    iretq

section .note.GNU-stack noalloc noexec nowrite progbits
