/*
 * processes.c - process creation fails cleanly where it is not offered and
 * works where it is: fork either creates a child that is reaped with its
 * status, or fails with ENOSYS (solo, one process) - never a silent 0 in
 * the parent; execve/execveat of a missing program fail (ENOENT on Linux,
 * ENOSYS in solo) and check their arguments first (EFAULT, EINVAL);
 * posix_spawn of a missing program reports an error; with no children,
 * wait4 and waitid give ECHILD.  See docs/process.md.
 */
// covers: fork vfork execve execveat wait4 waitid clone
#include "common.h"
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

static int clean_failure(long r) { return r == -1 && (errno == ENOSYS || errno == ENOENT); }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    int status = 0;
    if (pid > 0) {
        pid_t w = waitpid(pid, &status, 0);
        fact("fork: clean", w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7);
    } else {
        fact("fork: clean", errno == ENOSYS);
    }
    char *argv[] = { "/nonexistent/prog", NULL };
    fact("execve missing fails cleanly", clean_failure(execve(argv[0], argv, environ)));
    show("execve bad path pointer", syscall(SYS_execve, (char *)16, argv, environ));
    show("execveat bad flags", syscall(SYS_execveat, AT_FDCWD, argv[0], argv, environ, 0x7));
    fact("execveat missing fails cleanly", clean_failure(syscall(SYS_execveat, AT_FDCWD, argv[0], argv, environ, 0)));
    pid_t sp;
    int r = posix_spawn(&sp, argv[0], NULL, NULL, argv, environ);
    if (r == 0)
        r = waitpid(sp, &status, 0) == sp && WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ENOENT : -1;
    fact("posix_spawn missing reports an error", r == ENOENT || r == ENOSYS);
    show("wait4 no children", wait4(-1, &status, WNOHANG, NULL));
    siginfo_t si;
    show("waitid no children", waitid(P_ALL, 0, &si, WEXITED));
    return 0;
}
