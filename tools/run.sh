#!/usr/bin/env bash
# run.sh MODE ISO [ELF]: boot the product kernel in QEMU for a person.
#   screen  the VGA screen: a window if there is a display, else drawn in
#           this terminal (QEMU's curses display); COM1 goes to a log file
#   serial  COM1 on this terminal, no screen
#   debug   like serial, but QEMU starts halted and waits for gdb on :1234
# ACCEL=tcg (default) | kvm | auto (use KVM only if a quick probe boots).
# DISK=path.img [DISK_BUS=virtio|ide]: a disk image for the kernel to find.
# UEFI=1: boot the same ISO under UEFI firmware (Debian's OVMF) instead of
# the PC BIOS (SeaBIOS).
# INIT=busybox: the first program is Debian's busybox sh (init=/usr/bin/sh on
# the kernel command line) instead of ours; INIT=/path/to/program any other.
set -euo pipefail
mode=$1
iso=$2
elf=${3:-}
build=$(dirname "$iso")
accel=${ACCEL:-tcg}

if [ -n "${INIT:-}" ]; then
    case "$INIT" in
    busybox) init=/usr/bin/sh ;;
    /*) init=$INIT ;;
    *)
        echo "run: INIT=$INIT: give busybox or an absolute path in the initial ramdisk" >&2
        exit 2
        ;;
    esac
    # The same kernel and ramdisk in an ISO whose GRUB entry passes init=.
    custom="$build/os-init.iso"
    "$(dirname "$0")/make_iso.sh" "$build/kernel.elf" "$custom" "init=$init" "$build/user/initrd.cpio" >/dev/null 2>&1
    echo "run: init=$init"
    iso=$custom
fi

if [ "$accel" = auto ]; then
    # The runner's probe: boots the floor kernel under KVM once, caches the answer.
    accel=$(python3 "$(dirname "$0")/runner.py" probe-kvm "$iso")
    echo "run: ACCEL=auto chose $accel"
fi

qemu=(qemu-system-x86_64 -accel "$accel" -m 128M -cdrom "$iso" -boot d -no-reboot)
# DISK=path.img attaches a disk image; DISK_BUS=virtio (the default: the
# virtio-blk driver, completion by interrupt) or ide (the ATA PIO driver).
if [ -n "${DISK:-}" ]; then
    if [ ! -f "$DISK" ]; then
        echo "run: DISK=$DISK: no such file" >&2
        exit 2
    fi
    qemu+=(-drive "file=$DISK,format=raw,if=${DISK_BUS:-virtio}")
fi

uefi=
if [ "${UEFI:-0}" != 0 ]; then
    ovmf=/usr/share/ovmf/OVMF.fd
    if [ ! -f "$ovmf" ]; then
        echo "run: UEFI=1 needs $ovmf (Debian's ovmf package; tools/setup.sh installs it)" >&2
        exit 2
    fi
    qemu+=(-bios "$ovmf")
    uefi=1
fi

case "$mode" in
screen)
    log="$build/serial.log"
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
        echo "run: QEMU window; COM1 output goes to $log. Close the window to quit."
        exec "${qemu[@]}" -serial "file:$log"
    fi
    if [ -n "$uefi" ]; then
        # Under UEFI the screen is a graphics framebuffer, which QEMU's
        # curses display cannot draw: COM1 is the console here instead.
        echo "run: no display, and under UEFI the screen is graphics, which a terminal cannot show:"
        echo "run: COM1 on this terminal instead. To quit: Ctrl-A then X."
        exec "${qemu[@]}" -display none -serial mon:stdio
    fi
    echo "run: no display, so QEMU draws the VGA text screen in this terminal."
    echo "run: to quit: press Alt-2 (or Esc and 2 quickly) for the QEMU monitor, type 'quit' and Enter."
    echo "run: COM1 output goes to $log; 'make run-serial' shows it here instead."
    sleep 2
    exec "${qemu[@]}" -display curses -serial "file:$log"
    ;;
serial)
    echo "run: COM1 on this terminal. To quit: Ctrl-A then X (Ctrl-A then C: QEMU monitor)."
    exec "${qemu[@]}" -display none -serial mon:stdio
    ;;
debug)
    echo "run: QEMU is halted and waits for gdb on localhost:1234. In another terminal run:"
    echo "    gdb $elf -ex 'target remote localhost:1234' -ex 'hbreak kernel_start' -ex continue"
    echo "run: COM1 is on this terminal; Ctrl-A then X quits QEMU."
    exec "${qemu[@]}" -display none -serial mon:stdio -s -S
    ;;
*)
    echo "usage: run.sh screen|serial|debug ISO [ELF]" >&2
    exit 2
    ;;
esac
