/* The monitor's unix socket. A client sends one request line:
 *   attach <stdin> <stdout> <stderr>   (each 0 or 1) → an empty frame of stream 0
 *       (attached), then the container's output in Docker's stdcopy frames
 *       (8-byte header: stream, 0, 0, 0, length u32 BE) until it ends; after the
 *       line the client sends the container's stdin as frames of a u32 BE
 *       length and its bytes, an empty frame closing that stdin (a client that
 *       goes away has detached: the stdin stays open, as with Docker).
 *   resize <width> <height>            → "ok\n" or "error <why>\n"
 *   close-stdin                        → "ok\n"
 *   release                            → "ok\n": the output held by --hold-output is read from now on
 *   signal <n>                         → "ok\n", or "error <why>\n" ("no such process" once it exited)
 *   wait                               → "exit <status> <signal> <exited-at ms> <oom>\n" once the init exited
 *   pid                                → "<init pid>\n"
 *   reopen                             → "ok\n" once the log file is closed and its path opened
 *                                        again (the kubelet renamed it), or "error <why>\n"
 *   done                               → nothing: the connection closes when the monitor exits
 *                                        (its container exited and its output drained)
 *   reports                            → the status pipe's log reports ("log-write-failed <errno>
 *                                        <lines> <bytes>\n", "log-write-resumed <lines> <bytes>\n")
 *                                        until the monitor exits; a log failing at the request is
 *                                        reported at its next due time (for a host that adopted
 *                                        the task and has no status pipe)
 * Errors answer "error <why>\n". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor.h"

int attach_listen(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  unlink(path);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || chmod(path, 0600) != 0 || listen(fd, 16) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static void drop_client(struct monitor *m, int i) {
  struct client *c = &m->clients[i];
  close(c->fd);
  buf_free(&c->out);
  buf_free(&c->in);
  m->clients[i] = m->clients[--m->nclients];
}

static void reply(struct client *c, const char *text) {
  buf_add(&c->out, text, strlen(text));
  c->state = CLIENT_REPLYING;
  c->close_after_send = 1;
}

void attach_accept(struct monitor *m) {
  for (;;) {
    int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    if (m->nclients == MAX_CLIENTS) {
      static const char full[] = "error too many clients\n";
      if (write(fd, full, sizeof full - 1) < 0) { /* closing anyway */
      }
      close(fd);
      continue;
    }
    struct client *c = &m->clients[m->nclients++];
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->state = CLIENT_REQUEST;
  }
}

static int output_open(const struct monitor *m) { return m->stdout_r >= 0 || m->stderr_r >= 0 || m->pty_master >= 0; }

static void handle_request(struct monitor *m, struct client *c) {
  char *line = c->request;
  unsigned a, b, d;
  if (sscanf(line, "attach %u %u %u", &a, &b, &d) == 3) {
    c->want_stdin = a != 0;
    c->want_stdout = b != 0;
    c->want_stderr = d != 0;
    c->state = CLIENT_ATTACHED;
    /* An empty frame of stream 0 says the attachment is in place: output from then on reaches the client. */
    static const unsigned char attached[8] = {0};
    buf_add(&c->out, attached, sizeof attached);
    /* A process whose output already ended has nothing more to say. */
    if (!output_open(m)) c->close_after_send = 1;
  } else if (sscanf(line, "resize %u %u", &a, &b) == 2) {
    if (monitor_resize(m, a, b) == 0) {
      reply(c, "ok\n");
    } else {
      char text[128];
      snprintf(text, sizeof text, "error resize: %s\n", m->pty_master < 0 ? "the process has no terminal" : strerror(errno));
      reply(c, text);
    }
  } else if (strcmp(line, "close-stdin") == 0) {
    monitor_close_stdin(m);
    reply(c, "ok\n");
  } else if (strcmp(line, "release") == 0) {
    m->output_held = 0;
    reply(c, "ok\n");
  } else if (sscanf(line, "signal %u", &a) == 1) {
    char text[128];
    if (a < 1 || a > 64 || monitor_signal(m, (int)a) != 0) snprintf(text, sizeof text, "error %s\n", a < 1 || a > 64 ? "invalid signal" : strerror(errno));
    else snprintf(text, sizeof text, "ok\n");
    reply(c, text);
  } else if (strcmp(line, "wait") == 0) {
    c->state = CLIENT_WAITING;
    if (m->exited) attach_exited(m);
  } else if (strcmp(line, "done") == 0) {
    c->state = CLIENT_WAITING_DONE;
  } else if (strcmp(line, "reports") == 0) {
    c->state = CLIENT_REPORTS;
    if (m->logging) log_file_report_state(&m->log);
  } else if (strcmp(line, "reopen") == 0) {
    char text[320];
    if (!m->logging) snprintf(text, sizeof text, "error the container has no log file\n");
    else if (log_file_reopen(&m->log) != 0) snprintf(text, sizeof text, "error reopen %.200s: %s\n", m->log.path, strerror(errno));
    else snprintf(text, sizeof text, "ok\n");
    reply(c, text);
  } else if (strcmp(line, "pid") == 0) {
    char text[32];
    snprintf(text, sizeof text, "%d\n", (int)m->init_pid);
    reply(c, text);
  } else {
    char text[320];
    snprintf(text, sizeof text, "error unknown request: %.200s\n", line);
    reply(c, text);
  }
}

/* Sends what is buffered; 0 once the client is to be dropped. A client that
 * has had everything is sent an end of stream (SHUT_WR) and dropped once it
 * closes its side: closing at once would make a write it has on its way fail
 * (EPIPE) and cost it the output it has not read yet. */
static int send_out(struct client *c) {
  while (c->out.len) {
    ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return 1;
    if (n <= 0) return 0;
    buf_consume(&c->out, (size_t)n);
  }
  if (!c->close_after_send) return 1;
  if (c->write_closed) return 1;
  c->write_closed = 1;
  return shutdown(c->fd, SHUT_WR) == 0 && !c->read_closed;
}

void attach_client_io(struct monitor *m, int i, short revents) {
  struct client *c = &m->clients[i];
  if (revents & POLLOUT) {
    if (!send_out(c)) {
      drop_client(m, i);
      return;
    }
  }
  if (!(revents & (POLLIN | POLLHUP | POLLERR))) return;
  char data[16 * 1024];
  ssize_t n = recv(c->fd, data, sizeof data, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n > 0 && c->write_closed) return; /* it had its answer: what it still sends is of no use */
  if (n <= 0) {
    if (c->state == CLIENT_ATTACHED && output_open(m) && n == 0) {
      /* Half closed: the output goes on to it. */
      c->want_stdin = 0;
      c->read_closed = 1;
      return;
    }
    drop_client(m, i);
    return;
  }
  size_t used = 0;
  if (c->state == CLIENT_REQUEST) {
    for (; used < (size_t)n; used++) {
      if (data[used] == '\n') break;
      if (c->request_len + 1 >= sizeof c->request) {
        reply(c, "error request line too long\n");
        return;
      }
      c->request[c->request_len++] = data[used];
    }
    if (used == (size_t)n) return; /* the line goes on in the next read */
    used++;
    c->request[c->request_len] = 0;
    handle_request(m, c);
  }
  if (c->state != CLIENT_ATTACHED || !c->want_stdin || used == (size_t)n) return;
  buf_add(&c->in, data + used, (size_t)n - used);
  while (c->in.len >= 4) {
    const unsigned char *h = (const unsigned char *)c->in.data;
    size_t len = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    if (len == 0) {
      monitor_close_stdin(m);
      buf_consume(&c->in, 4);
      continue;
    }
    if (c->in.len < 4 + len) break;
    monitor_write_stdin(m, c->in.data + 4, len);
    buf_consume(&c->in, 4 + len);
  }
}

void attach_broadcast(struct monitor *m, int stream, const char *data, size_t n) {
  unsigned char header[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n};
  for (int i = 0; i < m->nclients; i++) {
    struct client *c = &m->clients[i];
    if (c->state != CLIENT_ATTACHED) continue;
    if (stream == STREAM_STDOUT ? !c->want_stdout : !c->want_stderr) continue;
    buf_add(&c->out, header, sizeof header);
    buf_add(&c->out, data, n);
  }
}

short attach_events(const struct monitor *m, int i) {
  const struct client *c = &m->clients[i];
  short ev = 0;
  if (!c->read_closed && (c->state != CLIENT_REPLYING || c->write_closed)) ev |= POLLIN;
  if (c->out.len || (c->close_after_send && !c->write_closed)) ev |= POLLOUT;
  return ev;
}

size_t attach_backlog(const struct monitor *m) {
  size_t most = 0;
  for (int i = 0; i < m->nclients; i++)
    if (m->clients[i].state == CLIENT_ATTACHED && m->clients[i].out.len > most) most = m->clients[i].out.len;
  return most;
}

void attach_output_ended(struct monitor *m) {
  for (int i = 0; i < m->nclients; i++)
    if (m->clients[i].state == CLIENT_ATTACHED) m->clients[i].close_after_send = 1;
}

void attach_exited(struct monitor *m) {
  char line[128];
  exit_line(m, line, sizeof line);
  for (int i = 0; i < m->nclients; i++) {
    struct client *c = &m->clients[i];
    if (c->state == CLIENT_WAITING) reply(c, line);
  }
}

/* A reader that has this much unsent is behind: it misses the line (the next report tells the state again). */
#define REPORTS_BACKLOG_MAX 4096

void attach_report(struct monitor *m, const char *line) {
  size_t n = strlen(line);
  for (int i = 0; i < m->nclients; i++) {
    struct client *c = &m->clients[i];
    if (c->state == CLIENT_REPORTS && c->out.len + n <= REPORTS_BACKLOG_MAX) buf_add(&c->out, line, n);
  }
}

void attach_close_all(struct monitor *m) {
  while (m->nclients) drop_client(m, m->nclients - 1);
}
