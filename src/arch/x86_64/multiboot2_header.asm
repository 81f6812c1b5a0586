; Multiboot2 header (Multiboot2 specification, section 3.1). GRUB finds it in
; the first 32 KiB of the image; it must be 8-byte aligned.
;
; It asks for a linear framebuffer (section 3.1.10), marked optional: under
; UEFI there is no text mode, and GRUB sets a graphics mode from the
; firmware's GOP (1024x768, 32 bits per pixel, or the closest it has; the
; boot information says what was set). Under a BIOS, grub.cfg's
; gfxpayload=text keeps VGA text mode, which the optional flag accepts
; (tools/make_iso.sh). The kernel draws text into a graphics framebuffer
; itself (src/drivers/framebuffer_console.h).

MB2_MAGIC        equ 0xE85250D6
MB2_ARCH_I386    equ 0            ; 32-bit protected mode entry
MB2_HEADER_SIZE  equ header_end - header_start

MB2_TAG_FRAMEBUFFER  equ 5
MB2_TAG_OPTIONAL     equ 1        ; flags bit 0: boot even if the request cannot be met

section .multiboot2 progbits alloc noexec nowrite align=8
header_start:
    dd MB2_MAGIC
    dd MB2_ARCH_I386
    dd MB2_HEADER_SIZE
    ; magic + arch + length + checksum must be 0 modulo 2^32
    dd 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + MB2_HEADER_SIZE)

    ; framebuffer tag: type 5, flags, size 20, width, height, depth (bits
    ; per pixel); 0 in a field would mean "no preference"
    align 8
    dw MB2_TAG_FRAMEBUFFER
    dw MB2_TAG_OPTIONAL
    dd 20
    dd 1024
    dd 768
    dd 32

    ; end tag: type 0, flags 0, size 8
    align 8
    dw 0
    dw 0
    dd 8
header_end:

section .note.GNU-stack noalloc noexec nowrite progbits
