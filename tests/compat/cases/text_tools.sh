# More of busybox's tools on the same input as the host's: numbers,
# slicing, hashing, archives and compression, finding and xargs, on the
# FAT disk (the archive and the copies are made there and removed).
busybox seq 3 12 | busybox tail -4 | busybox tr '\n' ' '; echo
busybox head -2 words.txt | busybox cut -c1-3
busybox md5sum words.txt numbers.txt
busybox sha256sum words.txt | busybox cut -c1-16
busybox expr 6 \* 7; busybox expr length "banana split"
busybox basename /a/b/words.txt .txt; busybox dirname /a/b/words.txt
busybox dd if=words.txt of=copy.bin bs=7 count=3 2>/dev/null; busybox wc -c copy.bin
busybox tar cf archive.tar words.txt numbers.txt && busybox tar tvf archive.tar | busybox awk '{ print $3, $NF }'
busybox gzip -c words.txt | busybox gunzip | busybox cmp - words.txt && echo "gzip and gunzip agree"
busybox find . -name '*.txt' | busybox sort
printf 'one\ntwo\nthree\n' | busybox xargs echo args:
busybox touch new.txt && busybox stat -c '%n %s %F' new.txt words.txt
busybox rm copy.bin archive.tar new.txt
busybox ls
