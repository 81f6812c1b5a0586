// The console as a Linux terminal, seen from descriptor 0 through musl:
// tcgetattr's defaults (Linux's tty_std_termios), TIOCGWINSZ, FIONREAD and
// a canonical line typed before the program ran (tests/user/terminal.cpp
// types it), raw mode and the cursor-position report busybox's line editing
// asks for, TCSETSF dropping pending input, and ENOTTY on a pipe. Prints a
// line per failed check; the exit status is the number of failures.

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static int failures;

#define CHECK(condition, ...)                                                                                  \
    do {                                                                                                       \
        if (!(condition)) {                                                                                    \
            printf("termios: FAILED %s (line %d): ", #condition, __LINE__);                                    \
            printf(__VA_ARGS__);                                                                               \
            printf("\n");                                                                                      \
            ++failures;                                                                                        \
        }                                                                                                      \
    } while (0)

static int pending(void)
{
    int count = -1;
    if (ioctl(0, FIONREAD, &count) != 0)
        return -1;
    return count;
}

// Writes ESC[6n to the terminal and reads the answer, ESC [ row ; column R.
static int cursor_position(int* row, int* column)
{
    if (write(0, "\x1b[6n", 4) != 4)
        return -1;
    char reply[32];
    size_t length = 0;
    while (length + 1 < sizeof reply) {
        ssize_t got = read(0, reply + length, sizeof reply - 1 - length);
        if (got <= 0)
            return -1;
        length += (size_t)got;
        if (reply[length - 1] == 'R')
            break;
    }
    reply[length] = '\0';
    char end = 0;
    if (sscanf(reply, "\x1b[%d;%d%c", row, column, &end) != 3 || end != 'R')
        return -1;
    return 0;
}

int main(void)
{
    CHECK(isatty(0), "descriptor 0 is the console");
    struct termios original;
    CHECK(tcgetattr(0, &original) == 0, "%s", strerror(errno));
    CHECK(original.c_iflag == (ICRNL | IXON), "c_iflag %#o", original.c_iflag);
    CHECK(original.c_oflag == (OPOST | ONLCR), "c_oflag %#o", original.c_oflag);
    CHECK(original.c_cflag == (B38400 | CS8 | CREAD | HUPCL), "c_cflag %#o", original.c_cflag);
    CHECK(original.c_lflag == (ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN), "c_lflag %#o",
          original.c_lflag);
    CHECK(cfgetospeed(&original) == B38400, "speed");
    const struct {
        int index;
        unsigned char value;
    } characters[] = {{VINTR, 3}, {VQUIT, 034}, {VERASE, 0177}, {VKILL, 025}, {VEOF, 4}, {VTIME, 0}, {VMIN, 1},
                      {VSTART, 021}, {VSTOP, 023}, {VSUSP, 032}, {VEOL, 0}, {VREPRINT, 022}, {VWERASE, 027},
                      {VLNEXT, 026}};
    for (size_t i = 0; i < sizeof characters / sizeof characters[0]; ++i)
        CHECK(original.c_cc[characters[i].index] == characters[i].value, "c_cc[%d] = %d", characters[i].index,
              original.c_cc[characters[i].index]);

    struct winsize size;
    CHECK(ioctl(0, TIOCGWINSZ, &size) == 0, "%s", strerror(errno));
    printf("termios: window %u rows, %u columns\n", size.ws_row, size.ws_col);

    // "hello" and Enter were typed before we started: a line, ICRNL's newline at its end.
    CHECK(pending() == 6, "FIONREAD: %d", pending());
    char line[64] = {0};
    ssize_t got = read(0, line, sizeof line - 1);
    CHECK(got == 6 && strcmp(line, "hello\n") == 0, "read %zd bytes: \"%s\"", got, line);

    // Raw mode, as busybox's read_line_input sets it, then ask where the cursor is.
    struct termios raw = original;
    raw.c_lflag &= ~(ICANON | ECHO | ECHONL);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    CHECK(tcsetattr(0, TCSANOW, &raw) == 0, "%s", strerror(errno));
    struct termios now;
    CHECK(tcgetattr(0, &now) == 0 && now.c_lflag == raw.c_lflag, "raw mode is kept: c_lflag %#o", now.c_lflag);
    int row = 0, column = 0;
    CHECK(cursor_position(&row, &column) == 0, "no cursor position report");
    CHECK(row >= 1 && row <= size.ws_row && column >= 1 && column <= size.ws_col, "cursor at %d;%d", row, column);
    printf("termios: cursor at row %d, column %d\n", row, column);

    // VMIN 0, VTIME 0: a poll; nothing is there.
    raw.c_cc[VMIN] = 0;
    CHECK(tcsetattr(0, TCSANOW, &raw) == 0, "%s", strerror(errno));
    CHECK(read(0, line, sizeof line) == 0, "a poll with nothing typed reads 0 bytes");

    // An answer left unread is dropped by TCSETSF (tcsetattr TCSAFLUSH).
    CHECK(write(0, "\x1b[6n", 4) == 4, "%s", strerror(errno));
    CHECK(pending() > 0, "the answer waits: FIONREAD %d", pending());
    CHECK(tcsetattr(0, TCSAFLUSH, &original) == 0, "%s", strerror(errno));
    CHECK(pending() == 0, "TCSAFLUSH dropped it: FIONREAD %d", pending());
    CHECK(tcgetattr(0, &now) == 0 && memcmp(&now, &original, offsetof(struct termios, c_cc) + 19) == 0,
          "the first settings are back");
    (void)!write(0, "\r\n", 2);

    // Not a terminal: the pipe the test reads our output from.
    struct termios none;
    CHECK(tcgetattr(1, &none) == -1 && errno == ENOTTY, "a pipe is not a terminal: %s", strerror(errno));

    printf("termios: %d failure(s)\n", failures);
    return failures;
}
