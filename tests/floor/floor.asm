; The floor: the smallest kernel that boots the way the test kernels do and
; exits at once. It boots both ways a kernel of ours can: QEMU -kernel through
; the PVH entry note (as every test kernel does), and GRUB from floor.iso (as
; the product does). Its wall time is the fixed cost under every test binary;
; `make bench-tests` compares the real test kernels against it.
;
; It prints a one-line KTAP report on COM1 so the runner's normal path (parse,
; classify) is the one measured, then writes the pass value to isa-debug-exit.

section .multiboot2 progbits alloc noexec nowrite align=8
header:
    dd 0xE85250D6, 0, header_end - header
    dd 0x100000000 - (0xE85250D6 + (header_end - header))
    dw 0, 0
    dd 8
header_end:

; The PVH entry note (see src/arch/x86_64/boot.asm): QEMU enters _start in
; 32-bit protected mode, as GRUB does.
section .note.pvh note alloc noexec nowrite align=4
    dd 4, 8, 18             ; name size, descriptor size, XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dq _start

section .text progbits alloc exec nowrite align=16
bits 32
global _start
_start:
    mov esi, report
.next:
    lodsb
    test al, al
    jz .exit
    mov dx, 0x3F8           ; COM1 data; QEMU needs no UART set-up to accept it
    out dx, al
    jmp .next
.exit:
    mov dx, 0xF4            ; isa-debug-exit
    mov eax, 0x10           ; pass: QEMU exits with status 33
    out dx, eax
.halt:
    hlt
    jmp .halt

report:
    db "KTAP version 1", 10, "1..1", 10, "ok 1 floor", 10, 0

section .note.GNU-stack noalloc noexec nowrite progbits
