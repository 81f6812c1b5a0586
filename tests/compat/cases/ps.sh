busybox ps
