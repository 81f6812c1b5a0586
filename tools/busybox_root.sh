#!/bin/sh
# busybox_root.sh BUSYBOX ROOT LIST: puts Debian's static busybox into the
# initial ramdisk's tree ROOT as /bin/busybox, with a symbolic link
# /usr/bin/APPLET -> /bin/busybox for each applet it lists (busybox picks
# the applet by the name it is started as), and writes the entries for
# cpio to LIST. /usr/bin, not /bin: our own programs keep /bin's names.
set -eu
busybox=$1 root=$2 list=$3
mkdir -p "$root/bin"
cp "$busybox" "$root/bin/busybox.new"
mv "$root/bin/busybox.new" "$root/bin/busybox"
rm -rf "$root/usr"
mkdir -p "$root/usr/bin"
{
    echo bin/busybox
    echo usr
    echo usr/bin
    # busybox is static: it runs on any x86-64 Linux host.
    for applet in $("$busybox" --list); do
        ln -s /bin/busybox "$root/usr/bin/$applet"
        echo "usr/bin/$applet"
    done
} >"$list.new"
mv "$list.new" "$list"
