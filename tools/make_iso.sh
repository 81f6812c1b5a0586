#!/usr/bin/env bash
# make_iso.sh KERNEL.elf OUT.iso [COMMAND-LINE] [INITRD]
# Builds a GRUB ISO that boots under a PC BIOS (SeaBIOS) and under UEFI
# (OVMF) alike: grub-mkrescue puts GRUB's i386-pc image in the El Torito
# boot record and its x86_64-efi image in an EFI system partition image.
# Its only menu entry boots KERNEL.elf via multiboot2 at once (timeout 0),
# with INITRD (the cpio archive of user programs) as its first module when
# given.
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
# Video: the kernel's multiboot2 header asks for a framebuffer (1024x768x32)
# and accepts text mode. Under UEFI there is no text mode, so GRUB sets the
# mode the header asks for (or the closest) through the firmware's GOP.
# Under a BIOS, gfxpayload=text keeps VGA text mode: QEMU's curses display
# (make run on a terminal) can show only that. It is set inside the menu
# entry (an entry runs in a context of its own that sees only exported
# variables) and after the multiboot2 command, which sets gfxpayload from
# the header's framebuffer tag ("1024x768x32,1024x768,auto").
cat > "$work/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
insmod all_video
menuentry "Kestrel" {
    multiboot2 /boot/kernel.elf $cmdline
    $module
    if [ "\$grub_platform" != "efi" ]; then set gfxpayload=text; fi
    boot
}
CFG
# Both platforms' images (every platform installed: grub-pc-bin and
# grub-efi-amd64-bin); no fonts, themes or translations: smaller ISOs and a
# faster boot. The core images get just what booting needs (modules both
# platforms have: the BIOS image adds its disk driver by itself), and every
# partition map GRUB's partmap.lst names, which it loads at start (a missing
# one is an error on screen).
for platform in i386-pc x86_64-efi; do
    if [ ! -d "/usr/lib/grub/$platform" ]; then
        echo "make_iso: GRUB's $platform files are missing (tools/setup.sh installs them)" >&2
        exit 1
    fi
done
grub-mkrescue --quiet \
    --fonts= --locales= --themes= \
    --install-modules="multiboot2 normal iso9660 part_msdos part_gpt part_acorn part_amiga part_apple part_bsd part_dfly part_dvh part_plan part_sun part_sunpc all_video test" \
    -o "$iso" "$work" 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
