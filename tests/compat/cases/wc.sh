busybox wc words.txt
busybox wc -l < numbers.txt
busybox wc -w -c words.txt numbers.txt
