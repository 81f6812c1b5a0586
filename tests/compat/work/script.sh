# A script with a loop, a pipe, redirection to a file and $(...).
total=0
for n in 1 2 3 4 5; do
    total=$((total + n))
    echo "line $n" >> lines.txt
done
echo "total $total"
count=$(cat lines.txt | wc -l)
echo "count $count"
grep 'line [24]' lines.txt | sed 's/line/LINE/'
if [ -f lines.txt ]; then echo "lines.txt is there"; fi
rm lines.txt
while read first rest; do echo "[$first]"; done < words.txt
case $count in 5) echo five ;; *) echo "not five" ;; esac
greet() { echo "hello $1"; return 2; }
greet there
echo "greet returned $?"
