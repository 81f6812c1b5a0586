// The shell: reads a line, splits it into words (quotes '...' and "...",
// backslash escapes), runs a pipeline of programs from /bin with their
// arguments, and waits for it. Builtins: cd, pwd, exit, help. Ctrl-C
// stops the running pipeline (it is the terminal's foreground job), or at
// the prompt drops the line; Ctrl-D at an empty prompt ends the shell.
// $? is the last pipeline's status. Redirection (> and >>) waits for a
// writable file system.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

enum { max_line = 512, max_words = 64, max_commands = 8 };

static int last_status;

struct command {
    char* argv[max_words + 1];
    int argc;
    char* input;  // < FILE, or NULL
    char* output; // > FILE or >> FILE, or NULL
    int append;
};

static void help(void)
{
    printf("Kestrel's shell. Type a program's name and its arguments; a | b pipes a into b;\n"
           "> FILE writes a command's output to a file, >> FILE appends, < FILE reads from one.\n"
           "Quotes: 'single' keeps everything, \"double\" keeps spaces (\\\" and \\\\ inside).\n"
           "Builtins: cd DIR, pwd, exit [STATUS], help.   $? is the last status.\n"
           "Programs in /bin: echo, ls, cat, cp, mv, rm, mkdir, df, sync, mount, umount, lspci, ps, kill,\n"
           "mem, uptime, hello, poweroff,\n"
           "crash (crash help lists its ways).\n"
           "Keys: Backspace, Ctrl-U (kill line), Ctrl-C (stop the program / drop the line), Ctrl-D (end).\n");
}

// Splits `line` in place into words and `|`-separated commands; returns
// how many commands, or -1 with a message.
static int parse(char* line, struct command* commands, char* storage)
{
    int count = 0;
    struct command* current = &commands[0];
    current->argc = 0;
    current->input = current->output = NULL;
    current->append = 0;
    char* out = storage;
    const char* p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            ++p;
        if (*p == '\0')
            break;
        if (*p == '|') {
            if (current->argc == 0) {
                fprintf(stderr, "sh: a pipe needs a command on each side\n");
                return -1;
            }
            if (++count == max_commands) {
                fprintf(stderr, "sh: at most %d commands in a pipeline\n", max_commands);
                return -1;
            }
            current = &commands[count];
            current->argc = 0;
            current->input = current->output = NULL;
            current->append = 0;
            ++p;
            continue;
        }
        char** redirection = NULL;
        if (*p == '>' || *p == '<') {
            if (*p == '<') {
                redirection = &current->input;
                ++p;
            } else {
                redirection = &current->output;
                current->append = p[1] == '>';
                p += current->append ? 2 : 1;
            }
            while (*p == ' ' || *p == '\t')
                ++p;
            if (*p == '\0' || *p == '\n' || *p == '|' || *p == '<' || *p == '>') {
                fprintf(stderr, "sh: a redirection needs a file name\n");
                return -1;
            }
        }
        if (redirection == NULL && current->argc == max_words) {
            fprintf(stderr, "sh: at most %d words in a command\n", max_words);
            return -1;
        }
        if (redirection != NULL)
            *redirection = out;
        else
            current->argv[current->argc++] = out;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '|') {
            if (*p == '\'') {
                const char* end = strchr(p + 1, '\'');
                if (end == NULL) {
                    fprintf(stderr, "sh: a ' is not closed\n");
                    return -1;
                }
                memcpy(out, p + 1, (size_t)(end - p - 1));
                out += end - p - 1;
                p = end + 1;
            } else if (*p == '"') {
                ++p;
                while (*p != '"') {
                    if (*p == '\0') {
                        fprintf(stderr, "sh: a \" is not closed\n");
                        return -1;
                    }
                    if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$'))
                        ++p;
                    else if (*p == '$' && p[1] == '?') {
                        out += sprintf(out, "%d", last_status);
                        p += 2;
                        continue;
                    }
                    *out++ = *p++;
                }
                ++p;
            } else if (*p == '\\' && p[1] != '\0') {
                *out++ = p[1];
                p += 2;
            } else if (*p == '$' && p[1] == '?') {
                out += sprintf(out, "%d", last_status);
                p += 2;
            } else {
                *out++ = *p++;
            }
        }
        *out++ = '\0';
    }
    if (current->argc == 0) {
        if (count > 0) {
            fprintf(stderr, "sh: a pipe needs a command on each side\n");
            return -1;
        }
        return 0;
    }
    for (int i = 0; i <= count; ++i)
        commands[i].argv[commands[i].argc] = NULL;
    return count + 1;
}

static int builtin(struct command* command)
{
    const char* name = command->argv[0];
    if (strcmp(name, "cd") == 0) {
        const char* target = command->argc > 1 ? command->argv[1] : "/";
        if (chdir(target) != 0)
            fprintf(stderr, "cd: %s: %s\n", target, strerror(errno));
        return 1;
    }
    if (strcmp(name, "pwd") == 0) {
        char buffer[256];
        printf("%s\n", getcwd(buffer, sizeof buffer) ? buffer : "?");
        return 1;
    }
    if (strcmp(name, "exit") == 0)
        exit(command->argc > 1 ? atoi(command->argv[1]) : last_status);
    if (strcmp(name, "help") == 0) {
        help();
        return 1;
    }
    return 0;
}

// Opens `path` as descriptor `fd` (in the child, before exec).
static int redirect(const char* path, int fd, int flags)
{
    int opened = open(path, flags, 0644);
    if (opened < 0) {
        fprintf(stderr, "sh: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (opened != fd) {
        dup2(opened, fd);
        close(opened);
    }
    return 0;
}

static void set_foreground(pid_t group)
{
    ioctl(0, TIOCSPGRP, &group);
}

static void run(struct command* commands, int count)
{
    if (count == 1 && commands[0].output == NULL && commands[0].input == NULL && builtin(&commands[0]))
        return;
    pid_t pids[max_commands];
    pid_t group = 0;
    int input = -1;
    for (int i = 0; i < count; ++i) {
        int pipe_fds[2] = {-1, -1};
        if (i + 1 < count && pipe(pipe_fds) != 0) {
            fprintf(stderr, "sh: pipe: %s\n", strerror(errno));
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "sh: fork: %s\n", strerror(errno));
            count = i;
            break;
        }
        if (pid == 0) {
            setpgid(0, group);
            if (input >= 0) {
                dup2(input, 0);
                close(input);
            }
            if (pipe_fds[1] >= 0) {
                dup2(pipe_fds[1], 1);
                close(pipe_fds[0]);
                close(pipe_fds[1]);
            }
            if (commands[i].input != NULL && redirect(commands[i].input, 0, O_RDONLY) != 0)
                _exit(1);
            if (commands[i].output != NULL
                && redirect(commands[i].output, 1, O_WRONLY | O_CREAT | (commands[i].append ? O_APPEND : O_TRUNC)) != 0)
                _exit(1);
            char path[256];
            const char* name = commands[i].argv[0];
            if (strchr(name, '/') == NULL)
                snprintf(path, sizeof path, "/bin/%s", name);
            else
                snprintf(path, sizeof path, "%s", name);
            char* envp[] = {"PATH=/bin", "HOME=/", "TERM=linux", NULL};
            execve(path, commands[i].argv, envp);
            if (errno == ENOENT)
                fprintf(stderr, "%s: command not found\n", name);
            else
                fprintf(stderr, "%s: %s\n", name, strerror(errno));
            _exit(errno == ENOENT ? 127 : 126);
        }
        if (group == 0)
            group = pid;
        setpgid(pid, group); // both sides, so it holds whichever runs first
        pids[i] = pid;
        if (input >= 0)
            close(input);
        if (pipe_fds[1] >= 0)
            close(pipe_fds[1]);
        input = pipe_fds[0];
    }
    if (input >= 0)
        close(input);
    if (group != 0)
        set_foreground(group);
    for (int i = 0; i < count; ++i) {
        int status = 0;
        while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR) {
        }
        if (i + 1 == count) {
            if (WIFSIGNALED(status)) {
                last_status = 128 + WTERMSIG(status);
                const int signal = WTERMSIG(status);
                // After Ctrl-C the terminal echoed only "^C", as Linux's does: end that line first.
                fprintf(stderr, "%s%s: %s\n", signal == SIGINT ? "\n" : "", commands[i].argv[0],
                        signal == SIGINT ? "interrupted" : signal == SIGSEGV ? "segmentation fault" : strsignal(signal));
            } else {
                last_status = WEXITSTATUS(status);
            }
        }
    }
    set_foreground(getpgrp());
}

// Ctrl-C at the prompt: SIGINT cuts the read short (EINTR, no SA_RESTART)
// and a new prompt follows; the shell lives on. Its commands start with
// SIGINT's default again (execve resets caught signals).
static void on_interrupt(int signal)
{
    (void)signal;
}

int main(void)
{
    static char line[max_line], storage[2 * max_line + 64];
    static struct command commands[max_commands];
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction interrupt = {.sa_handler = on_interrupt};
    sigaction(SIGINT, &interrupt, NULL);
    set_foreground(getpgrp());
    for (;;) {
        char cwd[256];
        printf("kestrel:%s$ ", getcwd(cwd, sizeof cwd) ? cwd : "?");
        ssize_t length = read(0, line, sizeof line - 1);
        if (length < 0) {
            if (errno == EINTR) { // Ctrl-C: the terminal echoed "^C"; a new line, a new prompt
                printf("\n");
                continue;
            }
            fprintf(stderr, "sh: read: %s\n", strerror(errno));
            return 1;
        }
        if (length == 0) { // Ctrl-D at an empty prompt, or the end of input
            printf("exit\n");
            return last_status;
        }
        line[length] = '\0';
        const int count = parse(line, commands, storage);
        if (count < 0)
            last_status = 2;
        else if (count > 0)
            run(commands, count);
    }
}
