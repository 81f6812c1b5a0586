busybox sort words.txt
busybox sort -n -r numbers.txt
busybox sort -u -f words.txt
