# The exit status of `sh -c` seen by its parent (this shell, then the test's).
busybox sh -c 'echo a | cat; exit 3'
