#pragma once
// Init: each hard disk found at boot gets its FAT file system mounted at
// /disk0, /disk1, ... in the order found: the first partition that holds
// FAT, or the whole disk when it holds FAT itself. A disk with none is
// left alone, and the boot summary says why.

namespace kernel {

void mount_disks();
void print_disk_mounts();

} // namespace kernel
