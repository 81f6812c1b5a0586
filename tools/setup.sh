#!/usr/bin/env bash
# setup.sh: make sure the tools the build and the tests need are installed.
# Installs missing Debian/Ubuntu packages with apt-get (through sudo when not
# root); where it cannot, it prints the one command that would, and fails.
# Quick when everything is present (no apt call at all).
set -euo pipefail

missing=()
need() { # need PACKAGE TEST...
    local package=$1
    shift
    if ! "$@" >/dev/null 2>&1; then
        missing+=("$package")
    fi
}
have() { command -v "$1"; }

need cmake            have cmake
need make             have make
need g++              have g++
need binutils         have objcopy
need nasm             have nasm
need python3          have python3
need perl             perl -MTAP::Parser -e 1
need qemu-system-x86  have qemu-system-x86_64
need grub-common      have grub-mkrescue
need grub-pc-bin      test -d /usr/lib/grub/i386-pc
# The ISO boots under UEFI too: GRUB's EFI image, and OVMF to boot it in QEMU.
need grub-efi-amd64-bin test -d /usr/lib/grub/x86_64-efi
need ovmf             test -f /usr/share/ovmf/OVMF.fd
need xorriso          have xorriso
# The framebuffer console's font (CMake's CONSOLE_FONT), a Linux console font.
need console-setup-linux test -f /usr/share/consolefonts/Lat15-Fixed16.psf.gz
need mtools           have mformat
need libgtest-dev     test -f /usr/include/gtest/gtest.h
need libbenchmark-dev test -f /usr/include/benchmark/benchmark.h
need gcovr            have gcovr
# User programs: C against musl, static (user/), packed with cpio.
need musl-tools       have musl-gcc
need cpio             have cpio
# FAT images for the disk tests: mkfs.fat and fsck.fat (mtools is above).
need dosfstools       test -x /usr/sbin/mkfs.fat -o -x /sbin/mkfs.fat
# The fuzz targets (tests/fuzz): clang++ that links libFuzzer. The runtime is
# its own package, only recommended by clang (and we install without those).
# (tests/fuzz/CMakeLists.txt links a probe; here a quicker look for the archive.)
has_libfuzzer() {
    local dir
    dir=$(clang++ -print-runtime-dir) || return 1
    test -f "$dir/libclang_rt.fuzzer-x86_64.a" || test -f "$dir/libclang_rt.fuzzer.a"
}
need clang            have clang++
need libclang-rt-dev  has_libfuzzer

# Linux's kunit.py (tools/testing/kunit), which CTest runs over our KTAP
# logs: unpacked once from the linux-source package's tarball into the cache
# (KESTREL_CACHE, default ~/.cache/kestrel; CMake looks there too). kunit.py
# insists on living under tools/testing/kunit, so that path is kept.
kunit_dir="${KESTREL_CACHE:-$HOME/.cache/kestrel}/linux/tools/testing/kunit"
if [ ! -f "$kunit_dir/kunit.py" ]; then
    need linux-source sh -c 'ls /usr/src/linux-source-*.tar.* >/dev/null 2>&1'
fi

unpack_kunit() {
    [ -f "$kunit_dir/kunit.py" ] && return 0
    local tarball
    tarball=$(ls /usr/src/linux-source-*.tar.* 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$tarball" ]; then
        echo "setup: no /usr/src/linux-source-*.tar.*: install it with: sudo apt-get install linux-source" >&2
        return 1
    fi
    local top work
    top=$(basename "$tarball" | sed -E 's/\.tar\..*$//')
    work=$(mktemp -d)
    echo "setup: unpacking kunit.py from $tarball"
    tar -xf "$tarball" -C "$work" --wildcards "$top/tools/testing/kunit/*"
    rm -rf "$kunit_dir"
    mkdir -p "$(dirname "$kunit_dir")"
    mv "$work/$top/tools/testing/kunit" "$kunit_dir"
    rm -rf "$work"
}

# Debian's static busybox (issue 14: a program nobody here wrote, run
# unchanged), unpacked into the cache from the busybox-static package as
# Debian ships it: `apt-get download` and `dpkg-deb -x` leave the host's own
# system untouched. CMake takes it from there (user/CMakeLists.txt).
busybox_dir="${KESTREL_CACHE:-$HOME/.cache/kestrel}/busybox-static"
fetch_busybox() {
    [ -x "$busybox_dir/bin/busybox" ] && return 0
    local work
    work=$(mktemp -d)
    echo "setup: fetching Debian's busybox-static package into $busybox_dir"
    # As root, apt warns that its sandbox user cannot write $work; harmless.
    if ! (cd "$work" && apt-get download -qq busybox-static 2>/dev/null); then
        "${sudo[@]}" apt-get update -qq
        (cd "$work" && apt-get download -qq busybox-static 2>/dev/null) || {
            echo "setup: apt-get download busybox-static failed (no network or no Debian sources?)" >&2
            rm -rf "$work"
            return 1
        }
    fi
    dpkg-deb -x "$work"/busybox-static_*.deb "$work/root"
    rm -rf "$busybox_dir"
    mkdir -p "$busybox_dir/bin"
    mv "$work/root/bin/busybox" "$busybox_dir/bin/busybox"
    basename "$work"/busybox-static_*.deb >"$busybox_dir/package"
    rm -rf "$work"
}

sudo_command() { # sets sudo=(...) or fails
    if [ "$(id -u)" -eq 0 ]; then
        sudo=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo=(sudo)
    else
        return 1
    fi
}

if [ ${#missing[@]} -eq 0 ]; then
    unpack_kunit
    sudo_command || sudo=(false)
    fetch_busybox
    exit 0
fi

install=(apt-get install -y --no-install-recommends "${missing[@]}")
if ! sudo_command; then
    echo "setup: missing tools; install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: missing tools and no apt-get; install these packages (Debian names): ${missing[*]}" >&2
    exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" "${install[@]}" -qq >/dev/null
unpack_kunit
fetch_busybox
