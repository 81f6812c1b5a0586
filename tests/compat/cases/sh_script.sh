busybox sh script.sh
