; Multiboot2 header (Multiboot2 specification, section 3.1). GRUB finds it in
; the first 32 KiB of the image; it must be 8-byte aligned. We ask for no
; framebuffer, so GRUB leaves the VGA text mode on for the kernel.

MB2_MAGIC        equ 0xE85250D6
MB2_ARCH_I386    equ 0            ; 32-bit protected mode entry
MB2_HEADER_SIZE  equ header_end - header_start

section .multiboot2 progbits alloc noexec nowrite align=8
header_start:
    dd MB2_MAGIC
    dd MB2_ARCH_I386
    dd MB2_HEADER_SIZE
    ; magic + arch + length + checksum must be 0 modulo 2^32
    dd 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + MB2_HEADER_SIZE)

    ; end tag: type 0, flags 0, size 8
    align 8
    dw 0
    dw 0
    dd 8
header_end:

section .note.GNU-stack noalloc noexec nowrite progbits
