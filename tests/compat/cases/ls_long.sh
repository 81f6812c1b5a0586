# Owners, sizes and names as ls -l shows them (the mode bits, block counts
# and times are left out: a FAT disk has none of its own, and the host's
# file system differs), then a folder made, a file copied into it, and all
# of it removed again, on the FAT disk.
busybox ls -l . | busybox awk 'NR > 1 { print $3, $4, $5, $NF }'
busybox mkdir made
busybox cp words.txt made/copy.txt
busybox ls -l made | busybox awk 'NR > 1 { print $3, $4, $5, $NF }'
busybox cmp words.txt made/copy.txt && echo "the copy is the same"
busybox rm -r made
busybox ls
