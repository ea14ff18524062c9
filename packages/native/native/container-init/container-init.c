/*
 * ce-container-init: the init that `ce run --init` runs as a container's pid 1
 * (ced mounts it read-only at /sbin/docker-init, as Docker mounts tini).
 * It starts the command as its child in its own process group, forwards the
 * signals it receives to that child (to its process group with -g), reaps
 * every process that ends up as its child, and exits with the child's status:
 * its exit code, or 128 + the signal that killed it. Built static so that it
 * runs in any image, whatever libc the image has (or none).
 *
 * Usage: docker-init [-g] [-s] [-v] [-w] [--] PROGRAM [ARGS...] | --version | -h
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VERSION "0.1.0"

static const char *name = "docker-init";
static int verbosity = 1;
static int warn_on_reap;

static void say(int level, const char *kind, const char *fmt, ...) {
  if (level > verbosity) return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "[%s %s (%d)] ", kind, name, (int)getpid());
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static void usage(FILE *out) {
  fprintf(out,
          "Usage: %s [OPTIONS] PROGRAM -- [ARGS] | --version\n\n"
          "Execute a program under the supervision of a minimal init process (%s)\n\n"
          "Command line options:\n\n"
          "  --version: Show version and exit.\n"
          "  -h: Show this help message and exit.\n"
          "  -s: Register as a process subreaper.\n"
          "  -v: Generate more verbose output. Repeat up to 3 times.\n"
          "  -w: Print a warning when processes are getting reaped.\n"
          "  -g: Send signals to the child's process group.\n",
          name, name);
}

/* Signals that report a fault of this very process stay deliverable; job-control stops are ignored. */
static void init_signal_sets(sigset_t *waited) {
  static const int kept[] = {SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS, SIGTTIN, SIGTTOU};
  sigfillset(waited);
  for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) sigdelset(waited, kept[i]);
}

/* In the child: its own process group (the terminal's foreground one if there is a terminal), the signal state it had, then exec. */
static void exec_child(char **argv, const sigset_t *original_mask, const struct sigaction *ttin, const struct sigaction *ttou) {
  if (setpgid(0, 0) < 0) say(1, "WARN", "setpgid failed: %s", strerror(errno));
  if (tcsetpgrp(STDIN_FILENO, getpgrp()) < 0 && errno != ENOTTY && errno != ENXIO && errno != EBADF) {
    say(1, "WARN", "could not make the child the terminal's foreground process group: %s", strerror(errno));
  }
  sigaction(SIGTTIN, ttin, NULL);
  sigaction(SIGTTOU, ttou, NULL);
  sigprocmask(SIG_SETMASK, original_mask, NULL);
  execvp(argv[0], argv);
  int err = errno;
  say(0, "FATAL", "exec %s failed: %s", argv[0], strerror(err));
  _exit(err == ENOENT ? 127 : err == EACCES ? 126 : 1);
}

static int status_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

/* Reaps every child that has ended; returns the child's exit code once it is among them, else -1. */
static int reap(pid_t child) {
  int child_code = -1;
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid == 0) break;
    if (pid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      say(0, "FATAL", "waitpid failed: %s", strerror(errno));
      exit(1);
    }
    if (pid == child) {
      child_code = status_code(status);
      say(2, "INFO", "main child exited with %d", child_code);
    } else if (warn_on_reap) {
      say(1, "WARN", "reaped zombie process with pid=%d", (int)pid);
    }
  }
  return child_code;
}

int main(int argc, char **argv) {
  int process_group = getenv("TINI_KILL_PROCESS_GROUP") != NULL;
  int subreaper = getenv("TINI_SUBREAPER") != NULL;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) { i++; break; }
    if (strcmp(a, "--version") == 0) { printf("ce container-init version %s\n", VERSION); return 0; }
    if (a[1] == '-' || a[1] == '\0') { usage(stderr); return 1; }
    for (const char *f = a + 1; *f; f++) {
      switch (*f) {
        case 'g': process_group = 1; break;
        case 's': subreaper = 1; break;
        case 'v': verbosity++; break;
        case 'w': warn_on_reap = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 1;
      }
    }
  }
  if (i >= argc) { usage(stderr); return 1; }
  char **command = argv + i;

  if (subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
    say(0, "FATAL", "could not register as a child subreaper: %s", strerror(errno));
    return 1;
  }
  if (getpid() != 1 && !subreaper) {
    say(1, "WARN", "not running as PID 1 nor as a child subreaper: zombies will not be reaped (use -s)");
  }

  sigset_t waited, original_mask;
  init_signal_sets(&waited);
  if (sigprocmask(SIG_SETMASK, &waited, &original_mask) < 0) {
    say(0, "FATAL", "sigprocmask failed: %s", strerror(errno));
    return 1;
  }
  /* The child's tcsetpgrp takes the terminal from this process's group: that must not stop it. */
  struct sigaction ignore = {.sa_handler = SIG_IGN}, ttin, ttou;
  sigaction(SIGTTIN, &ignore, &ttin);
  sigaction(SIGTTOU, &ignore, &ttou);

  pid_t child = fork();
  if (child < 0) {
    say(0, "FATAL", "fork failed: %s", strerror(errno));
    return 1;
  }
  if (child == 0) exec_child(command, &original_mask, &ttin, &ttou);
  say(2, "INFO", "spawned child process '%s' with pid %d", command[0], (int)child);

  for (;;) {
    siginfo_t info;
    struct timespec wait_for = {.tv_sec = 1, .tv_nsec = 0};
    int sig = sigtimedwait(&waited, &info, &wait_for);
    if (sig < 0) {
      if (errno != EAGAIN && errno != EINTR) {
        say(0, "FATAL", "sigtimedwait failed: %s", strerror(errno));
        return 1;
      }
    } else if (sig != SIGCHLD) {
      say(2, "INFO", "passing signal %d to the child", sig);
      if (kill(process_group ? -child : child, sig) < 0 && errno != ESRCH) {
        say(0, "FATAL", "unable to forward signal %d: %s", sig, strerror(errno));
        return 1;
      }
    }
    int code = reap(child);
    if (code >= 0) return code;
  }
}
