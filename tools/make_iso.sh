#!/usr/bin/env bash
# make_iso.sh KERNEL.elf OUT.iso [COMMAND-LINE] [INITRD]
# Builds a BIOS-bootable GRUB ISO whose only menu entry boots KERNEL.elf via
# multiboot2 at once (timeout 0), with INITRD (the cpio archive of user
# programs) as its first module when given.
set -euo pipefail
kernel=$1
iso=$2
cmdline=${3:-}
initrd=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/boot/grub"
# The ISO gets the image without debug information (smaller, faster to load);
# the unstripped ELF beside the ISO is for gdb and addr2line.
objcopy --strip-debug "$kernel" "$work/boot/kernel.elf"
module=
if [ -n "$initrd" ]; then
    cp "$initrd" "$work/boot/initrd.cpio"
    module="module2 /boot/initrd.cpio initrd"
fi
cat > "$work/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
menuentry "Kestrel" {
    multiboot2 /boot/kernel.elf $cmdline
    $module
    boot
}
CFG
# Only the BIOS (i386-pc) image; no fonts, themes or translations: smaller
# ISOs and a faster boot. The core image gets just what booting needs.
grub-mkrescue --quiet -d /usr/lib/grub/i386-pc \
    --fonts= --locales= --themes= \
    --install-modules="multiboot2 normal iso9660 biosdisk part_msdos" \
    -o "$iso" "$work" 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
