; uint64_t user_copy_bytes(void* to, const void* from, uint64_t count)
;
; Copies `count` bytes with `rep movsb` and returns how many were NOT copied:
; 0 when all were. The copy may fault (a user address that is not mapped, or
; not writable): the exception table (arch/x86_64/exception_table.h) sends
; such a fault to .fault. A faulting `rep movsb` stops with RCX holding the
; bytes still to copy, RSI/RDI past the ones done (string instructions keep
; their state across a fault: Intel SDM vol. 2B, "REP/REPE/REPZ/REPNE/REPNZ").
; The callers (src/user/user_copy.cpp) have checked the user range first.

section .text
bits 64

global user_copy_bytes
user_copy_bytes:
    mov rcx, rdx
.copy:
    rep movsb
    xor eax, eax
    ret
.fault:
    mov rax, rcx
    ret

section .exception_table progbits alloc noexec nowrite align=8
    dq user_copy_bytes.copy, user_copy_bytes.fault

section .note.GNU-stack noalloc noexec nowrite progbits
