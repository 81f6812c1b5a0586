; The start-up trampoline of the other CPUs (application processors, APs).
;
; An AP starts in real mode at the page a STARTUP IPI names (Intel SDM vol.
; 3, 9.4.4 "MP Initialization Example" and 11.6.1 "Interrupt Command
; Register": vector VV starts execution at physical VV000h). smp/ copies
; the bytes between ap_trampoline_start and ap_trampoline_end to physical
; AP_TRAMPOLINE_BASE (0x8000, vector 08h) and fills in the data block at
; its end for each AP in turn. The code goes from real mode straight to
; long mode (PAE, CR3, EFER.LME, then CR0.PE|PG at once; SDM vol. 3,
; 10.8.5), jumps into 64-bit code still in this page, and calls the
; kernel's ap_entry(argument) in the higher half on the AP's own stack.
;
; The page tables CR3 names here (built by smp/ below 1 MiB, since real
; mode loads CR3 with 32 bits) map this page where it is and the kernel's
; half as the kernel's own tables do; ap_entry moves to the kernel's tables.
;
; Everything here runs at AP_TRAMPOLINE_BASE, not where it is linked: every
; address is written as AT(label), the label's place in the copy.

AP_TRAMPOLINE_BASE equ 0x8000
%define AT(label) (AP_TRAMPOLINE_BASE + (label) - ap_trampoline_start)

CR0_PE    equ 1 << 0
CR0_WP    equ 1 << 16
CR0_PG    equ 1 << 31
CR4_PAE   equ 1 << 5
EFER_MSR  equ 0xC0000080

section .rodata
align 16
global ap_trampoline_start
global ap_trampoline_end
global ap_trampoline_data

bits 16
ap_trampoline_start:
    cli
    cld
    xor ax, ax
    mov ds, ax                       ; DS = 0: AT() addresses are physical, below 64 KiB
    lgdt [AT(trampoline_gdt_pointer)]
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, [AT(data_cr3)]
    mov cr3, eax
    mov ecx, EFER_MSR
    rdmsr
    or eax, [AT(data_efer_bits)]     ; LME, and NXE when the boot CPU has it on
    wrmsr
    mov eax, cr0
    or eax, CR0_PE | CR0_WP | CR0_PG
    mov cr0, eax                     ; long mode is active from here (EFER.LMA)
    jmp dword 0x08:AT(long_mode)     ; CS = the 64-bit code segment below

bits 64
long_mode:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, [AT(data_stack_top)]
    mov rdi, [AT(data_argument)]
    mov rax, [AT(data_entry)]
    call rax                         ; ap_entry never returns
.halt:
    cli
    hlt
    jmp .halt

align 8
trampoline_gdt:
    dq 0
    dq 0x00AF9A000000FFFF            ; 0x08: 64-bit code, DPL 0 (as the kernel's GDT)
    dq 0x00CF92000000FFFF            ; 0x10: data, DPL 0
trampoline_gdt_pointer:
    dw 3 * 8 - 1
    dd AT(trampoline_gdt)

; Filled in by smp/ before each STARTUP IPI (ApTrampolineData in smp/).
align 8
ap_trampoline_data:
data_cr3:       dd 0                 ; physical, below 4 GiB
data_efer_bits: dd 0
data_stack_top: dq 0
data_argument:  dq 0
data_entry:     dq 0
ap_trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits
