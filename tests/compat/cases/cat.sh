busybox cat words.txt numbers.txt
busybox cat < numbers.txt
busybox cat missing.txt
