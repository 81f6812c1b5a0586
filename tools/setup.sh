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
need xorriso          have xorriso
need mtools           have mformat
need libgtest-dev     test -f /usr/include/gtest/gtest.h
need libbenchmark-dev test -f /usr/include/benchmark/benchmark.h
need gcovr            have gcovr

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

install=(apt-get install -y --no-install-recommends "${missing[@]}")
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
else
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
