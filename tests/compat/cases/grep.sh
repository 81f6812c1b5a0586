busybox grep -n an words.txt
busybox grep -c apple words.txt
busybox grep -v -i APPLE words.txt
busybox grep -q durian words.txt
echo "grep -q for a missing word: $?"
