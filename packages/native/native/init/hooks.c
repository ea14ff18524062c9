/* createContainer and startContainer hooks, which ce-init runs in the
 * container's namespaces (the runtime runs the other four kinds). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

struct hook {
  const char *kind;
  const char *path;
  unsigned timeout; /* seconds, 0 = none */
  char **argv;
  char **envp;
  struct hook *next;
};

static struct hook *start_hooks, **start_tail = &start_hooks;

void op_hooks_sync(struct init_ctx *ctx) {
  const char *none[] = {NULL};
  if (msg_write(ctx->sync_fd, MSG_HOOKS, 0, none) != 0) _exit(1);
  struct plan_rec rec;
  if (msg_read(ctx->go_fd >= 0 ? ctx->go_fd : ctx->sync_fd, &rec) != 0) _exit(1); /* the runtime gave up: a hook failed */
  if (rec.op != MSG_HOOKS_DONE || rec.argc != 2) die_msg(ctx, "hooks: unexpected message %u from the runtime", rec.op);
  ctx->hook_state_creating = rec.argv[0].data;
  ctx->hook_state_created = rec.argv[1].data;
}

#define HOOK_SAID_MAX 1024

/* What a hook wrote on stdout/stderr: its first HOOK_SAID_MAX bytes, for the error message. */
struct hook_output {
  int fd; /* read end, non-blocking; -1 once at EOF */
  char said[HOOK_SAID_MAX + 1];
  size_t len;
};

static void output_drain(struct hook_output *out) {
  while (out->fd >= 0) {
    char buf[4096];
    ssize_t r = read(out->fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return; /* EAGAIN: nothing more for now */
    if (r == 0) {
      close(out->fd);
      out->fd = -1;
      return;
    }
    size_t keep = HOOK_SAID_MAX - out->len;
    if ((size_t)r < keep) keep = (size_t)r;
    memcpy(out->said + out->len, buf, keep);
    out->len += keep;
  }
}

static long ms_left(const struct timespec *deadline) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (deadline->tv_sec - now.tv_sec) * 1000L + (deadline->tv_nsec - now.tv_nsec) / 1000000L;
}

static void hook_failed(const struct hook *h, const char *how, struct hook_output *out, char *err, size_t errlen) {
  output_drain(out);
  out->said[out->len] = '\0';
  size_t n = out->len;
  while (n && (out->said[n - 1] == '\n' || out->said[n - 1] == ' ')) out->said[--n] = '\0';
  if (n)
    snprintf(err, errlen, "%s hook %s failed: %s: %s", h->kind, h->path, how, out->said);
  else
    snprintf(err, errlen, "%s hook %s failed: %s", h->kind, h->path, how);
}

/* Runs one hook with `state` on its stdin, its output collected for errors.
 * Returns 0, or -1 with the reason in err. */
static int run_hook(const struct hook *h, const char *state, char *err, size_t errlen) {
  int in[2], outp[2];
  if (pipe2(in, O_CLOEXEC) != 0) return snprintf(err, errlen, "%s hook %s: pipe: %s", h->kind, h->path, strerror(errno)), -1;
  if (pipe2(outp, O_CLOEXEC) != 0) {
    int e = errno;
    close(in[0]);
    close(in[1]);
    return snprintf(err, errlen, "%s hook %s: pipe: %s", h->kind, h->path, strerror(e)), -1;
  }
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(in[0]);
    close(in[1]);
    close(outp[0]);
    close(outp[1]);
    return snprintf(err, errlen, "%s hook %s: fork: %s", h->kind, h->path, strerror(e)), -1;
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (dup2(in[0], 0) != 0 || dup2(outp[1], 1) != 1 || dup2(outp[1], 2) != 2) _exit(126);
    close_fds_except(3, NULL, 0);
    execve(h->path, h->argv, h->envp);
    dprintf(2, "exec: %s", strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  close(in[0]);
  close(outp[1]);
  struct hook_output out = {.fd = outp[0]};
  fcntl(out.fd, F_SETFL, O_NONBLOCK);
  /* A hook that does not read its stdin must not kill us with SIGPIPE. */
  struct sigaction ign = {.sa_handler = SIG_IGN}, prev;
  sigaction(SIGPIPE, &ign, &prev);
  size_t len = strlen(state), off = 0;
  while (off < len) {
    ssize_t w = write(in[1], state + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    off += (size_t)w;
  }
  close(in[1]);
  sigaction(SIGPIPE, &prev, NULL);

  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += h->timeout;
  int status = 0, rc = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      snprintf(err, errlen, "%s hook %s: waitpid: %s", h->kind, h->path, strerror(errno));
      rc = -1;
      break;
    }
    long left = h->timeout ? ms_left(&deadline) : -1;
    if (h->timeout && left <= 0) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      snprintf(err, errlen, "%s hook %s timed out after %u s", h->kind, h->path, h->timeout);
      rc = -1;
      break;
    }
    /* Wake up for output, for the hook's exit (checked at least every 50 ms) or the deadline. */
    int wait_ms = left < 0 || left > 50 ? 50 : (int)left;
    if (out.fd >= 0) {
      struct pollfd p = {out.fd, POLLIN, 0};
      if (poll(&p, 1, wait_ms) > 0) output_drain(&out);
    } else {
      struct timespec ts = {wait_ms / 1000, (wait_ms % 1000) * 1000000L};
      sigtimedwait(&chld, NULL, &ts);
    }
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  int ok = rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (rc == 0 && !ok) {
    char how[64];
    if (WIFEXITED(status))
      snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
    else
      snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
    hook_failed(h, how, &out, err, errlen);
    rc = -1;
  }
  if (out.fd >= 0) close(out.fd);
  return rc;
}

void op_hook(struct init_ctx *ctx, const struct plan_rec *rec) {
  struct hook *h = calloc(1, sizeof *h);
  if (!h) die(ctx, "hook");
  h->kind = arg_str(ctx, rec, 0);
  h->path = arg_str(ctx, rec, 1);
  h->timeout = (unsigned)arg_u64(ctx, rec, 2);
  uint32_t argc = (uint32_t)arg_u64(ctx, rec, 3);
  if (argc > rec->argc - 4) die_msg(ctx, "plan: hook %s: bad argument count", h->path);
  uint32_t envc = rec->argc - 4 - argc;
  h->argv = calloc(argc + 2, sizeof *h->argv);
  h->envp = calloc(envc + 1, sizeof *h->envp);
  if (!h->argv || !h->envp) die(ctx, "hook");
  for (uint32_t i = 0; i < argc; i++) h->argv[i] = (char *)rec->argv[4 + i].data;
  if (argc == 0) h->argv[0] = (char *)h->path;
  for (uint32_t i = 0; i < envc; i++) h->envp[i] = (char *)rec->argv[4 + argc + i].data;

  if (strcmp(h->kind, "startContainer") == 0) {
    *start_tail = h;
    start_tail = &h->next;
    return;
  }
  if (strcmp(h->kind, "createContainer") != 0) die_msg(ctx, "plan: hook kind %s is not run by ce-init", h->kind);
  if (!ctx->hook_state_creating) die_msg(ctx, "plan: createContainer hook %s before the hooks sync", h->path);
  char err[1024];
  if (run_hook(h, ctx->hook_state_creating, err, sizeof err) != 0) die_msg(ctx, "%s", err);
}

int run_start_hooks(struct init_ctx *ctx, char *err, size_t errlen) {
  for (struct hook *h = start_hooks; h; h = h->next) {
    if (!ctx->hook_state_created) return snprintf(err, errlen, "plan: startContainer hook %s without the hooks sync", h->path), -1;
    if (run_hook(h, ctx->hook_state_created, err, errlen) != 0) return -1;
  }
  return 0;
}
