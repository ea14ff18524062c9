/* ce-monitor: started by the runtime with the fds it prepared for ce-init,
 * it forks and executes ce-init with them, becomes the container init's
 * parent (a subreaper: the init is reparented here when ce-init exits), holds
 * its stdio, writes its log and its exit status, serves attach on a unix
 * socket, and outlives the process that started it.
 *
 *   ce-monitor --bundle DIR --socket PATH --status-fd N [--sync-fd N] [--stdin]
 *              [--terminal FD] [--log-path P [--log-max-size N] [--log-max-file N]
 *              [--log-format json-file|cri|local] [--log-compress]] [--oom-file PATH] [--hold-output MS] -- CE-INIT ARGS...
 *
 * fd 4 (--sync-fd) is the runtime's end of ce-init's sync channel: the
 * monitor passes its own pipe to ce-init there and forwards every byte, which
 * is how it learns the container init's pid. The status fd gets
 * "ce-init <pid>\n", then "exit <status> <signal> <exited-at ms> <oom>\n" (or
 * "ce-init-exit <status>\n" when no container init was ever reported), then
 * "drained\n" before the monitor exits. Meanwhile, at most every 5 s, the log's
 * state when it changed: "log-write-failed <errno> <lines> <bytes>\n" (writes
 * fail, what was dropped since the last report) or "log-write-resumed <lines>
 * <bytes>\n" (written again). Other fds below the status fd go to
 * ce-init as they are. With --hold-output (an exec: it runs at once, and its
 * attach sessions connect after it started) the output is read only once a
 * client sent `release`, or after MS milliseconds: whoever was to release it
 * is gone then (a shim host killed right after the start), and the monitor
 * must end with its process. The log, if any, starts there too. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "monitor.h"

#define MSG_PID 100
#define MSG_READY 101
#define OUTPUT_PAUSE_BYTES (1024 * 1024)
#define STDIN_LIMIT (1024 * 1024)

struct options {
  const char *bundle, *socket, *log_path, *oom_file;
  int status_fd, sync_fd, with_stdin, console_fd;
  int64_t hold_output_ms;
  int64_t log_max_size;
  int log_max_file;
  enum log_format log_format;
  int log_compress;
  char **init_argv;
};

static struct monitor M;
static int status_fd = -1;
static struct buf stdin_buf;
static int stdin_closing;
static struct options O;
static int64_t oom_baseline;
static int init_ready;

static void usage(const char *why) {
  dprintf(2, "ce-monitor: %s\nusage: ce-monitor --bundle DIR --socket PATH --status-fd N [--sync-fd N] [--stdin] [--terminal FD] "
             "[--log-path P [--log-max-size N] [--log-max-file N] [--log-format json-file|cri|local] [--log-compress]] [--oom-file PATH] [--hold-output MS] -- CE-INIT ARGS...\n", why);
  exit(2);
}

static void parse_args(int argc, char **argv) {
  O.status_fd = -1;
  O.sync_fd = 4;
  O.console_fd = -1;
  O.log_max_size = -1;
  O.log_max_file = 1;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(a, "--stdin") == 0) {
      O.with_stdin = 1;
      continue;
    }
    if (strcmp(a, "--log-compress") == 0) {
      O.log_compress = 1;
      continue;
    }
    if (i + 1 >= argc) usage("an option lacks its value");
    const char *v = argv[++i];
    if (strcmp(a, "--bundle") == 0) O.bundle = v;
    else if (strcmp(a, "--socket") == 0) O.socket = v;
    else if (strcmp(a, "--status-fd") == 0) O.status_fd = atoi(v);
    else if (strcmp(a, "--sync-fd") == 0) O.sync_fd = atoi(v);
    else if (strcmp(a, "--terminal") == 0) O.console_fd = atoi(v);
    else if (strcmp(a, "--log-path") == 0) O.log_path = v;
    else if (strcmp(a, "--log-max-size") == 0) O.log_max_size = atoll(v);
    else if (strcmp(a, "--log-max-file") == 0) O.log_max_file = atoi(v);
    else if (strcmp(a, "--log-format") == 0) {
      if (strcmp(v, "json-file") == 0) O.log_format = LOG_JSON_FILE;
      else if (strcmp(v, "cri") == 0) O.log_format = LOG_CRI;
      else if (strcmp(v, "local") == 0) O.log_format = LOG_LOCAL;
      else usage("--log-format must be json-file, cri or local");
    } else if (strcmp(a, "--oom-file") == 0) O.oom_file = v;
    else if (strcmp(a, "--hold-output") == 0) O.hold_output_ms = atoll(v);
    else usage("unknown option");
  }
  if (i >= argc) usage("no ce-init command after --");
  if (!O.bundle || !O.socket || O.status_fd < 3) usage("--bundle, --socket and --status-fd are required");
  if (O.log_max_size == 0 || O.log_max_file < 1) usage("--log-max-size must be positive and --log-max-file at least 1");
  if (O.hold_output_ms < 0) usage("--hold-output takes milliseconds");
  O.init_argv = argv + i;
}

static void status(const char *line) {
  if (status_fd < 0) return;
  size_t n = strlen(line);
  /* Whoever started us may be gone (EPIPE): the same facts are on disk and on the socket. */
  if (write(status_fd, line, n) != (ssize_t)n) {
    close(status_fd);
    status_fd = -1;
  }
}

void monitor_report(const char *line) {
  attach_report(&M, line);
  if (status_fd < 0) return;
  size_t n = strlen(line);
  /* A report fits the pipe's atomic size: it goes whole or not at all. A reader that is behind misses it
   * (the next report says the state again); the pipe stays open for the exit line. */
  if (write(status_fd, line, n) < 0 && errno != EAGAIN) {
    close(status_fd);
    status_fd = -1;
  }
}

static int64_t read_oom_kills(void) {
  if (!O.oom_file) return 0;
  FILE *f = fopen(O.oom_file, "re");
  if (!f) return 0;
  char line[128];
  long long n = 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "oom_kill %lld", &n) == 1) break;
  fclose(f);
  return n;
}

int exit_line(const struct monitor *m, char *out, size_t cap) {
  return snprintf(out, cap, "exit %d %d %lld %d\n", m->exit_status, m->exit_signal, (long long)m->exited_at_ms, m->oom_killed);
}

/* The same file, in the same shape, as @ce/shim's writeExitFile. */
static void write_exit_file(void) {
  char path[4096], tmp[4200], when[80];
  snprintf(path, sizeof path, "%s/exit-status.json", O.bundle);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  iso_time(M.exited_at_ms, when);
  FILE *f = fopen(tmp, "we");
  if (!f) {
    dprintf(2, "ce-monitor: write %s: %s\n", tmp, strerror(errno));
    return;
  }
  fprintf(f, "{\"exitStatus\":%d,\"exitedAt\":\"%s\",\"oomKilled\":%s}", M.exit_status, when, M.oom_killed ? "true" : "false");
  if (fclose(f) != 0 || rename(tmp, path) != 0) dprintf(2, "ce-monitor: write %s: %s\n", path, strerror(errno));
}

static void on_init_exit(int wstatus) {
  M.exited = 1;
  M.exited_at_ms = now_ms();
  M.exit_signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
  M.exit_status = WIFSIGNALED(wstatus) ? 128 + M.exit_signal : WEXITSTATUS(wstatus);
  M.oom_killed = read_oom_kills() > oom_baseline;
  /* An init that never reported ready is a failed create: the runtime says why, no container ran. */
  if (init_ready) write_exit_file();
  char line[128];
  exit_line(&M, line, sizeof line);
  status(line);
  attach_exited(&M);
}

/* ---- the container's stdio ---- */

/* ctx is non-NULL for a stream's last piece (its end, not a newline, ended it). */
static void log_entry(void *ctx, int stream, const char *text, size_t len, int64_t time_ms) {
  struct buf rec = {0};
  if (O.log_format == LOG_CRI) cri_entry(&rec, stream, text, len, time_ms, ctx != NULL);
  else if (O.log_format == LOG_LOCAL) local_entry(&rec, stream, text, len, time_ms);
  else json_file_entry(&rec, stream, text, len, time_ms);
  log_file_append(&M.log, rec.data, rec.len);
  buf_free(&rec);
}

static void output(int stream, const char *data, size_t n) {
  if (M.logging) splitter_write(stream == STREAM_STDERR ? &M.split_err : &M.split_out, stream, data, n, now_ms(), log_entry, NULL);
  attach_broadcast(&M, stream, data, n);
}

static void output_closed(int *fd, int stream) {
  close(*fd);
  *fd = -1;
  static int ended = 1;
  if (M.logging) splitter_flush(stream == STREAM_STDERR ? &M.split_err : &M.split_out, stream, now_ms(), log_entry, &ended);
  if (M.stdout_r < 0 && M.stderr_r < 0 && M.pty_master < 0) attach_output_ended(&M);
}

static void read_output(int *fd, int stream) {
  char data[16 * 1024];
  ssize_t n = read(*fd, data, sizeof data);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  /* A terminal's master reads EIO once the last process holding its slave is gone. */
  if (n <= 0) {
    if (*fd == M.pty_master) {
      if (M.stdin_w == M.pty_master) M.stdin_w = -1;
    }
    output_closed(fd, stream);
    return;
  }
  output(stream, data, (size_t)n);
}

void monitor_write_stdin(struct monitor *m, const char *data, size_t n) {
  if (m->stdin_w < 0 || stdin_closing || stdin_buf.len + n > STDIN_LIMIT) return;
  buf_add(&stdin_buf, data, n);
}

static void really_close_stdin(void) {
  if (M.stdin_w >= 0 && M.stdin_w != M.pty_master) close(M.stdin_w);
  M.stdin_w = -1;
  buf_free(&stdin_buf);
  stdin_closing = 0;
}

void monitor_close_stdin(struct monitor *m) {
  if (m->pty_master >= 0 || m->stdin_w < 0) return;
  if (stdin_buf.len) stdin_closing = 1;
  else really_close_stdin();
}

static void flush_stdin(void) {
  while (stdin_buf.len && M.stdin_w >= 0) {
    ssize_t n = write(M.stdin_w, stdin_buf.data, stdin_buf.len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) { /* EPIPE: nobody reads the stdin any more */
      really_close_stdin();
      return;
    }
    buf_consume(&stdin_buf, (size_t)n);
  }
  if (stdin_closing) really_close_stdin();
}

int monitor_signal(struct monitor *m, int sig) {
  if (!m->init_pid || m->exited) {
    errno = ESRCH;
    return -1;
  }
  return kill(m->init_pid, sig);
}

int monitor_resize(struct monitor *m, unsigned width, unsigned height) {
  if (m->pty_master < 0) return -1;
  if (!width || !height) return 0;
  struct winsize ws = {.ws_row = (unsigned short)height, .ws_col = (unsigned short)width};
  return ioctl(m->pty_master, TIOCSWINSZ, &ws);
}

static void receive_terminal(void) {
  char data[64];
  struct iovec iov = {data, sizeof data};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  ssize_t n = recvmsg(M.console_r, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    M.pty_master = M.stdin_w = fd;
  }
  close(M.console_r);
  M.console_r = -1;
}

/* ---- ce-init's sync channel, forwarded to the runtime ---- */

static int sync_r = -1, sync_runtime = -1;
static struct buf sync_records;
/* Children reaped before their pid was known (the init can exit before its PID record is read). */
static struct {
  pid_t pid;
  int status;
} early[16];
static int nearly;

static void learn_init_pid(pid_t pid) {
  M.init_pid = pid;
  for (int i = 0; i < nearly; i++)
    if (early[i].pid == pid) on_init_exit(early[i].status);
}

static uint32_t u32le(const char *p) {
  const unsigned char *b = (const unsigned char *)p;
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Records: u32 op, u32 argc, then per argument u32 length and its bytes (little-endian). */
static void scan_records(void) {
  for (;;) {
    struct buf *b = &sync_records;
    if (b->len < 8) return;
    uint32_t op = u32le(b->data), argc = u32le(b->data + 4);
    size_t at = 8;
    const char *first = NULL;
    uint32_t first_len = 0;
    for (uint32_t k = 0; k < argc; k++) {
      if (b->len < at + 4) return;
      uint32_t len = u32le(b->data + at);
      if (b->len < at + 4 + len) return;
      if (k == 0) {
        first = b->data + at + 4;
        first_len = len;
      }
      at += 4 + len;
    }
    if (op == MSG_READY) init_ready = 1;
    if (op == MSG_PID && first && first_len < 16) {
      char text[16];
      memcpy(text, first, first_len);
      text[first_len] = 0;
      learn_init_pid((pid_t)atoi(text));
    }
    buf_consume(b, at);
  }
}

static void forward_sync(void) {
  char data[4096];
  ssize_t n = read(sync_r, data, sizeof data);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    /* Every end closed without READY: the start failed, no session will come for the output. What it
     * wrote is read (and dropped) so that the monitor can end. */
    if (!init_ready) M.output_held = 0;
    close(sync_r);
    sync_r = -1;
    if (sync_runtime >= 0) close(sync_runtime);
    sync_runtime = -1;
    buf_free(&sync_records);
    return;
  }
  buf_add(&sync_records, data, (size_t)n);
  scan_records();
  for (ssize_t done = 0; sync_runtime >= 0 && done < n;) {
    ssize_t w = write(sync_runtime, data + done, (size_t)(n - done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) { /* the runtime gave up on this create: ce-init learns it from its go channel */
      close(sync_runtime);
      sync_runtime = -1;
      break;
    }
    done += w;
  }
}

static int ce_init_status = -1;

static void reap(void) {
  int st;
  pid_t pid;
  while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
    if (M.logging && log_file_child_exited(&M.log, pid, st)) continue;
    if (pid == M.ce_init_pid) {
      ce_init_status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
    } else if (pid == M.init_pid && !M.exited) {
      on_init_exit(st);
    } else if (!M.init_pid && nearly < 16) {
      early[nearly].pid = pid;
      early[nearly++].status = st;
    }
  }
}

/* ---- starting ce-init ---- */

/* A sealed in-memory copy of ce-init, so that the container's init (ce-init
 * until it executes the container's program) cannot reach the file on disk
 * through /proc/self/exe (CVE-2019-5736), as the runtime's own spawn does. */
static int sealed_copy(const char *path) {
  int src = open(path, O_RDONLY | O_CLOEXEC);
  if (src < 0) return -1;
  int mem = (int)syscall(SYS_memfd_create, "ce-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | 0x10U /* MFD_EXEC */);
  if (mem < 0 && errno == EINVAL) mem = (int)syscall(SYS_memfd_create, "ce-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mem < 0) {
    close(src);
    return -1;
  }
  char data[64 * 1024];
  ssize_t n;
  while ((n = read(src, data, sizeof data)) > 0)
    if (write(mem, data, (size_t)n) != n) n = -1;
  close(src);
  if (n < 0 || fcntl(mem, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) {
    close(mem);
    return -1;
  }
  return mem;
}

static void fail(const char *what) {
  dprintf(2, "ce-monitor: %s: %s\n", what, strerror(errno));
  char line[256];
  snprintf(line, sizeof line, "error %s: %s\n", what, strerror(errno));
  status(line);
  exit(1);
}

static int devnull(int flags) {
  int fd = open("/dev/null", flags | O_CLOEXEC);
  if (fd < 0) fail("open /dev/null");
  return fd;
}

static void start_ce_init(void) {
  /* Pipes and sockets are made above every fd ce-init is to get. */
  int child_stdio[3], my_stdio[3] = {-1, -1, -1};
  for (int i = 0; i < 3; i++) {
    if (O.console_fd >= 0 || (i == 0 && !O.with_stdin)) {
      child_stdio[i] = devnull(i == 0 ? O_RDONLY : O_WRONLY);
      continue;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) fail("pipe");
    child_stdio[i] = i == 0 ? p[0] : p[1];
    my_stdio[i] = i == 0 ? p[1] : p[0];
    fcntl(my_stdio[i], F_SETFL, O_NONBLOCK);
  }
  int sp[2] = {-1, -1};
  if (O.console_fd >= 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0) fail("socketpair");
  int sync_pipe[2];
  if (pipe2(sync_pipe, O_CLOEXEC) != 0) fail("pipe");
  sync_runtime = fcntl(O.sync_fd, F_DUPFD_CLOEXEC, 3);
  if (sync_runtime < 0) fail("sync fd");
  int exe = sealed_copy(O.init_argv[0]);
  if (exe < 0) fail(O.init_argv[0]);

  pid_t pid = fork();
  if (pid < 0) fail("fork");
  if (pid == 0) {
    for (int i = 0; i < 3; i++)
      if (dup2(child_stdio[i], i) < 0) _exit(126);
    if (dup2(sync_pipe[1], O.sync_fd) < 0) _exit(126);
    if (sp[1] >= 0 && dup2(sp[1], O.console_fd) < 0) _exit(126);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    char *envp[] = {NULL};
    syscall(SYS_execveat, exe, "", O.init_argv, envp, AT_EMPTY_PATH);
    dprintf(2, "ce-monitor: exec %s: %s\n", O.init_argv[0], strerror(errno));
    _exit(127);
  }
  M.ce_init_pid = pid;
  close(exe);
  for (int i = 0; i < 3; i++) close(child_stdio[i]);
  close(sync_pipe[1]);
  if (sp[1] >= 0) close(sp[1]);
  /* ce-init's fds are its own now (fd 2, our diagnostics, and the status fd excepted). */
  close(0);
  close(1);
  devnull(O_RDONLY); /* 0 and 1 stay taken, so no later fd lands there */
  dup2(0, 1);
  for (int fd = 3; fd < O.status_fd; fd++) close(fd);
  sync_r = sync_pipe[0];
  M.stdin_w = my_stdio[0];
  M.stdout_r = my_stdio[1];
  M.stderr_r = my_stdio[2];
  M.console_r = sp[0];
  char line[64];
  snprintf(line, sizeof line, "ce-init %d\n", (int)pid);
  status(line);
}

/* ---- the loop ---- */

enum { SLOT_SIGNAL, SLOT_LISTEN, SLOT_SYNC, SLOT_STDOUT, SLOT_STDERR, SLOT_PTY, SLOT_CONSOLE, SLOT_STDIN, SLOT_CLIENTS };

static int finished(void) {
  int output_done = M.stdout_r < 0 && M.stderr_r < 0 && M.pty_master < 0 && M.console_r < 0;
  int init_done = M.exited || (ce_init_status >= 0 && !M.init_pid && sync_r < 0);
  return init_done && output_done && sync_r < 0;
}

/* Whatever else the starter left open (an fd without close-on-exec) must not live as long as the container. */
static void close_inherited(int from) {
  if (syscall(SYS_close_range, (unsigned)from, ~0U, 0) == 0) return;
  for (int fd = from; fd < 1024; fd++) close(fd);
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  close_inherited(O.status_fd + 1);
  status_fd = O.status_fd;
  fcntl(status_fd, F_SETFD, FD_CLOEXEC);
  fcntl(status_fd, F_SETFL, O_NONBLOCK);
  M.stdin_w = M.stdout_r = M.stderr_r = M.pty_master = M.console_r = -1;
  M.output_held = O.hold_output_ms > 0;
  /* Our own session: the signals of the starter's terminal or process group are not ours. */
  setsid();
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) fail("become a subreaper");
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0) fail("signalfd");
  /* Above every fd ce-init gets: so made before nothing is closed yet. */
  M.listen_fd = attach_listen(O.socket);
  if (M.listen_fd < 0) fail(O.socket);
  if (O.log_path) {
    if (log_file_open(&M.log, O.log_path, O.log_max_size, O.log_max_file, O.log_format == LOG_LOCAL, O.log_compress) != 0) fail(O.log_path);
    M.logging = 1;
  }
  oom_baseline = read_oom_kills();
  start_ce_init();

  struct pollfd fds[SLOT_CLIENTS + MAX_CLIENTS];
  int64_t hold_until = now_ms() + O.hold_output_ms;
  while (!finished()) {
    int timeout = -1;
    if (M.output_held) {
      int64_t left = hold_until - now_ms();
      if (left <= 0) M.output_held = 0;
      else timeout = (int)left;
    }
    int paused = M.output_held || attach_backlog(&M) > OUTPUT_PAUSE_BYTES;
    fds[SLOT_SIGNAL] = (struct pollfd){sigfd, POLLIN, 0};
    fds[SLOT_LISTEN] = (struct pollfd){M.listen_fd, POLLIN, 0};
    fds[SLOT_SYNC] = (struct pollfd){sync_r, POLLIN, 0};
    fds[SLOT_STDOUT] = (struct pollfd){paused ? -1 : M.stdout_r, POLLIN, 0};
    fds[SLOT_STDERR] = (struct pollfd){paused ? -1 : M.stderr_r, POLLIN, 0};
    int pty_in = !paused && M.pty_master >= 0, pty_out = stdin_buf.len && M.stdin_w >= 0 && M.stdin_w == M.pty_master;
    fds[SLOT_PTY] = (struct pollfd){pty_in || pty_out ? M.pty_master : -1, (short)((pty_in ? POLLIN : 0) | (pty_out ? POLLOUT : 0)), 0};
    fds[SLOT_CONSOLE] = (struct pollfd){M.console_r, POLLIN, 0};
    fds[SLOT_STDIN] = (struct pollfd){stdin_buf.len && M.stdin_w != M.pty_master ? M.stdin_w : -1, POLLOUT, 0};
    int n = M.nclients;
    for (int i = 0; i < n; i++) fds[SLOT_CLIENTS + i] = (struct pollfd){M.clients[i].fd, attach_events(&M, i), 0};
    int wait_ms = M.logging ? log_file_report_wait_ms(&M.log) : -1;
    if (timeout >= 0 && (wait_ms < 0 || timeout < wait_ms)) wait_ms = timeout;
    if (poll(fds, (nfds_t)(SLOT_CLIENTS + n), wait_ms) < 0) {
      if (errno == EINTR) continue;
      fail("poll");
    }
    /* Clients first, while their indexes still match the pollfds (dropping one moves the last one down). */
    for (int i = n - 1; i >= 0; i--)
      if (fds[SLOT_CLIENTS + i].revents) attach_client_io(&M, i, fds[SLOT_CLIENTS + i].revents);
    if (fds[SLOT_SYNC].revents) forward_sync();
    if (fds[SLOT_CONSOLE].revents) receive_terminal();
    if (fds[SLOT_STDOUT].revents) read_output(&M.stdout_r, STREAM_STDOUT);
    if (fds[SLOT_STDERR].revents) read_output(&M.stderr_r, STREAM_STDERR);
    if (fds[SLOT_PTY].revents & POLLOUT) flush_stdin();
    if (fds[SLOT_PTY].revents & ~POLLOUT && M.pty_master >= 0) read_output(&M.pty_master, STREAM_STDOUT);
    if (fds[SLOT_STDIN].revents) flush_stdin();
    if (M.logging) log_file_flush(&M.log);
    if (M.logging) log_file_report_if_due(&M.log);
    if (fds[SLOT_SIGNAL].revents) {
      struct signalfd_siginfo si;
      while (read(sigfd, &si, sizeof si) == sizeof si) {
      }
      reap();
    }
    if (fds[SLOT_LISTEN].revents) attach_accept(&M);
  }

  if (M.logging) log_file_close(&M.log);
  if (!M.exited && !M.init_pid) {
    char line[64];
    snprintf(line, sizeof line, "ce-init-exit %d\n", ce_init_status);
    status(line);
  }
  /* Gone before any client sees its connection end: `done` means the socket is no more. */
  unlink(O.socket);
  /* What clients still wait for goes out, then an end of stream, and they close (bounded: a client that reads nothing is left). */
  for (int i = 0; i < M.nclients; i++) M.clients[i].close_after_send = 1;
  for (int64_t deadline = now_ms() + 2000; M.nclients && now_ms() < deadline;) {
    struct pollfd fds[MAX_CLIENTS];
    int n = M.nclients;
    for (int i = 0; i < n; i++) fds[i] = (struct pollfd){M.clients[i].fd, attach_events(&M, i), 0};
    if (poll(fds, (nfds_t)n, 100) <= 0) continue;
    for (int i = n - 1; i >= 0; i--)
      if (fds[i].revents) attach_client_io(&M, i, fds[i].revents);
  }
  attach_close_all(&M);
  status("drained\n");
  return 0;
}
