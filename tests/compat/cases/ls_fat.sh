# The names mtools put on the FAT disk (the kernel lists them from the disk).
busybox ls -1
busybox ls -1 -a .
