; 32-bit entry from the boot loader to the 64-bit higher-half kernel.
;
; Two loaders, one path:
;   - GRUB (Multiboot2 spec, section 3.3) enters _start in 32-bit protected
;     mode with paging off, EAX = 0x36D76289 and EBX = physical address of the
;     boot information.
;   - QEMU's -kernel finds the XEN_ELFNOTE_PHYS32_ENTRY note below and enters
;     pvh_start the same way (32-bit protected mode, paging off, flat
;     segments, interrupts off; the Xen x86/HVM direct boot ABI) with EBX =
;     physical address of the hvm_start_info; EAX is undefined, so pvh_start
;     sets it to the start_info magic before joining _start.
; No stack is set up and the state of most registers is undefined. We:
;   1. zero .bss (it also holds the page tables and the stack below),
;   2. check the magic, CPUID and long mode, printing a readable error if not,
;   3. build the boot page tables (identity map for the switch, higher half
;      at KERNEL_VMA with 4 KiB pages over the image so the stack guard page
;      can be left unmapped),
;   4. enable PAE, EFER.LME and paging (Intel SDM vol. 3, 10.8.5),
;   5. far-jump into 64-bit code, jump to the higher half, drop the identity
;      map and call kernel_start(magic, boot_info_phys).

; KERNEL_VMA, BOOT_IMAGE_PAGE_TABLES, BOOT_STACK_SIZE, ...: generated at build
; time from src/arch/x86_64/memory_layout.h (tools/memory_layout_export.cpp).
%include "generated/memory_layout.inc"

MB2_BOOT_MAGIC      equ 0x36D76289
PVH_BOOT_MAGIC      equ 0x336EC578     ; hvm_start_info.magic; boot/pvh.h
XEN_ELFNOTE_PHYS32_ENTRY equ 18

PTE_PRESENT         equ 1 << 0
PTE_WRITABLE        equ 1 << 1
PTE_HUGE            equ 1 << 7     ; 2 MiB page in a page directory


COM1                equ 0x3F8
VGA_TEXT            equ 0xB8000

extern __bss_start_phys
extern __bss_end_phys
extern __kernel_phys_end
extern kernel_start

; physical address of a symbol linked in the higher half
%define PHYS(sym) ((sym) - KERNEL_VMA)

%macro outb 2
    mov dx, %1
    mov al, %2
    out dx, al
%endmacro

; The PVH entry note (Xen's elfnote.h): name "Xen", type PHYS32_ENTRY, and
; the 32-bit physical entry address. QEMU reads the address as 8 bytes in a
; 64-bit ELF and pads the name to the segment's alignment: keep align=4.
section .note.pvh note alloc noexec nowrite align=4
    dd 4                            ; name size ("Xen" and NUL)
    dd 8                            ; descriptor size
    dd XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dq pvh_start                    ; .boot.text is linked at its physical address

section .boot.text progbits alloc exec nowrite align=16
bits 32

global pvh_start
pvh_start:
    mov eax, PVH_BOOT_MAGIC
    ; fall through: the rest is the same as for GRUB

global _start
_start:
    cli
    cld
    mov ebp, eax                    ; multiboot2 or PVH magic
    mov esi, ebx                    ; boot information (physical)

    ; Zero .bss. Both ends are page aligned (linker script).
    mov edi, __bss_start_phys
    mov ecx, __bss_end_phys
    sub ecx, edi
    shr ecx, 2
    xor eax, eax
    rep stosd

    mov esp, PHYS(boot_stack_top)
    mov [PHYS(boot_magic)], ebp     ; after the .bss is zeroed; read in 64-bit mode

    cmp ebp, MB2_BOOT_MAGIC
    je .known_loader
    cmp ebp, PVH_BOOT_MAGIC
    jne .bad_magic
.known_loader:
    call require_cpuid
    call require_long_mode
    call require_pae
    call build_boot_page_tables
    call enable_paging_long_mode

    lgdt [boot_gdt_pointer32]
    jmp 0x08:long_mode_entry

.bad_magic:
    mov esi, msg_bad_magic
    jmp boot_fail

; The ID flag (EFLAGS bit 21) can be toggled only if CPUID exists.
require_cpuid:
    pushfd
    pop eax
    mov ecx, eax
    xor eax, 1 << 21
    push eax
    popfd
    pushfd
    pop eax
    push ecx
    popfd
    cmp eax, ecx
    je .missing
    ret
.missing:
    mov esi, msg_no_cpuid
    jmp boot_fail

; CPUID 0x80000001 EDX bit 29 is LM (Intel SDM vol. 2A, CPUID).
require_long_mode:
    push esi
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_extended
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29
    jz .no_long_mode
    pop esi
    ret
.no_extended:
    mov esi, msg_no_extended_cpuid
    jmp boot_fail
.no_long_mode:
    mov esi, msg_no_long_mode
    jmp boot_fail

; CPUID 01h EDX bit 6 is PAE, which 4-level paging needs (Intel SDM vol. 3,
; 4.1.1). Every long-mode CPU has it; a CPU model that claims LM without it
; would fault on the first page walk, so say so instead.
require_pae:
    push esi
    mov eax, 1
    cpuid
    test edx, 1 << 6
    jz .no_pae
    pop esi
    ret
.no_pae:
    mov esi, msg_no_pae
    jmp boot_fail

build_boot_page_tables:
    ; PML4[0] -> identity PDPT, PML4[511] -> higher-half PDPT
    mov eax, PHYS(boot_pdpt_identity)
    or eax, PTE_PRESENT | PTE_WRITABLE
    mov [PHYS(boot_pml4)], eax
    mov eax, PHYS(boot_pdpt_high)
    or eax, PTE_PRESENT | PTE_WRITABLE
    mov [PHYS(boot_pml4) + 511 * 8], eax

    ; identity: PDPT[0] -> PD of 512 x 2 MiB pages = first 1 GiB
    mov eax, PHYS(boot_pd_identity)
    or eax, PTE_PRESENT | PTE_WRITABLE
    mov [PHYS(boot_pdpt_identity)], eax
    xor ecx, ecx
.identity_loop:
    mov eax, ecx
    shl eax, 21
    or eax, PTE_PRESENT | PTE_WRITABLE | PTE_HUGE
    mov [PHYS(boot_pd_identity) + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jne .identity_loop

    ; higher half: PDPT[510] covers KERNEL_VMA .. KERNEL_VMA + 1 GiB
    mov eax, PHYS(boot_pd_high)
    or eax, PTE_PRESENT | PTE_WRITABLE
    mov [PHYS(boot_pdpt_high) + 510 * 8], eax

    ; ebx = number of 2 MiB slots holding the image, mapped with 4 KiB pages
    mov ebx, __kernel_phys_end
    add ebx, (1 << 21) - 1
    shr ebx, 21

    ; 4 KiB pages for physical 0 .. ebx * 2 MiB, except the stack guard page
    mov edx, PHYS(boot_stack_guard)
    shr edx, 12
    mov edi, ebx
    shl edi, 9                      ; number of 4 KiB pages
    xor ecx, ecx
.page_loop:
    xor eax, eax
    cmp ecx, edx
    je .store_page                  ; guard page: leave not-present
    mov eax, ecx
    shl eax, 12
    or eax, PTE_PRESENT | PTE_WRITABLE
.store_page:
    mov [PHYS(boot_image_page_tables) + ecx * 8], eax
    inc ecx
    cmp ecx, edi
    jne .page_loop

    ; page directory: first ebx entries -> page tables, the rest 2 MiB pages
    xor ecx, ecx
.directory_loop:
    cmp ecx, ebx
    jae .huge_entry
    mov eax, ecx
    shl eax, 12
    add eax, PHYS(boot_image_page_tables)
    or eax, PTE_PRESENT | PTE_WRITABLE
    jmp .store_directory
.huge_entry:
    mov eax, ecx
    shl eax, 21
    or eax, PTE_PRESENT | PTE_WRITABLE | PTE_HUGE
.store_directory:
    mov [PHYS(boot_pd_high) + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jne .directory_loop
    ret

; Intel SDM vol. 3, 10.8.5: CR3, CR4.PAE, EFER.LME, then CR0.PG.
enable_paging_long_mode:
    mov eax, PHYS(boot_pml4)
    mov cr3, eax
    mov eax, cr4
    or eax, 1 << 5                  ; PAE
    mov cr4, eax
    mov ecx, 0xC0000080             ; IA32_EFER
    rdmsr
    or eax, 1 << 8                  ; LME
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16)   ; PG, WP (honour read-only pages in ring 0)
    mov cr0, eax
    ret

; Print the zero-terminated message at ESI on the VGA text screen (white on
; red, top line) and on COM1, then halt for good. Used before any C++ runs.
boot_fail:
    push esi
    mov edi, VGA_TEXT
.vga_loop:
    lodsb
    test al, al
    jz .vga_done
    mov ah, 0x4F
    stosw
    jmp .vga_loop
.vga_done:
    ; 115200 baud 8N1, FIFO on (same settings as the C++ driver)
    outb COM1 + 1, 0x00
    outb COM1 + 3, 0x80
    outb COM1 + 0, 0x01
    outb COM1 + 1, 0x00
    outb COM1 + 3, 0x03
    outb COM1 + 2, 0xC7
    outb COM1 + 4, 0x03
    pop esi
.serial_loop:
    lodsb
    test al, al
    jz .halt
    mov bl, al
    mov ecx, 100000                 ; bounded wait: never hang on a dead UART
.wait_transmitter:
    mov dx, COM1 + 5
    in al, dx
    test al, 0x20
    jnz .send
    loop .wait_transmitter
.send:
    mov dx, COM1
    mov al, bl
    out dx, al
    jmp .serial_loop
.halt:
    cli
    hlt
    jmp .halt

bits 64
long_mode_entry:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rax, higher_half_entry
    jmp rax

section .boot.rodata progbits alloc noexec nowrite align=16
; Minimal 64-bit GDT; the C++ kernel replaces it with its own (with a TSS).
; Accessed bits are preset so the CPU never writes to this read-only table.
align 16
boot_gdt:
    dq 0
    dq 0x00AF9B000000FFFF           ; 0x08: code, DPL 0, long mode (L=1)
    dq 0x00CF93000000FFFF           ; 0x10: data, DPL 0, writable
boot_gdt_end:
boot_gdt_pointer32:
    dw boot_gdt_end - boot_gdt - 1
    dd boot_gdt                     ; physical: paging is off here
align 8
boot_gdt_pointer64:
    dw boot_gdt_end - boot_gdt - 1
    dq boot_gdt + KERNEL_VMA        ; same table through the higher half

msg_bad_magic:
    db "boot error: not started by a Multiboot2 boot loader (EAX is not 0x36D76289) or through the PVH entry. Halted.", 13, 10, 0
msg_no_cpuid:
    db "boot error: this CPU has no CPUID instruction; an x86_64 CPU is required. Halted.", 13, 10, 0
msg_no_extended_cpuid:
    db "boot error: this CPU has no extended CPUID leaves; an x86_64 CPU is required. Halted.", 13, 10, 0
msg_no_pae:
    db "boot error: this CPU does not support PAE (CPUID 01h EDX.PAE = 0), which 4-level paging needs. Halted.", 13, 10, 0
msg_no_long_mode:
    db "boot error: this CPU does not support x86_64 long mode (CPUID 0x80000001 EDX.LM = 0). Halted.", 13, 10, 0

section .text
bits 64
higher_half_entry:
    lgdt [boot_gdt_pointer64]       ; still reachable through the identity map
    mov rsp, boot_stack_top
    ; Drop the identity map: from here on nothing below the higher half is
    ; mapped, so a null or low pointer faults instead of touching RAM.
    mov qword [rel boot_pml4], 0
    mov rax, cr3
    mov cr3, rax
    xor ebp, ebp                    ; ends the frame-pointer chain for backtraces
    mov edi, [rel boot_magic]       ; checked above: which loader, for boot/boot_loader.cpp
    mov esi, esi                    ; zero-extends the boot information address
    call kernel_start
.hang:
    cli
    hlt
    jmp .hang

section .bss
boot_magic:             resd 1

section .bss.page_aligned nobits alloc write align=4096
global boot_pml4
global boot_stack_guard
global boot_stack_bottom
global boot_stack_top
boot_pml4:              resb 4096
boot_pdpt_identity:     resb 4096
boot_pdpt_high:         resb 4096
boot_pd_identity:       resb 4096
boot_pd_high:           resb 4096
boot_image_page_tables: resb 4096 * BOOT_IMAGE_PAGE_TABLES
boot_stack_guard:       resb 4096    ; left unmapped: an overflow faults here
boot_stack_bottom:      resb BOOT_STACK_SIZE
boot_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
