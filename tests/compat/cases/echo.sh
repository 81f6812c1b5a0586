busybox echo hello   world
busybox echo -n 'no newline; '
busybox echo -e 'a\tb\\c'
