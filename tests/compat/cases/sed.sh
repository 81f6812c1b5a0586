busybox sed -e 's/a/A/g' -e '2d' words.txt
busybox sed -n '/^[0-9]*$/p' numbers.txt
printf 'one\ntwo\n' | busybox sed '1i\
first'
