/* ce-monitor: one per container, the parent and subreaper of its init, the
 * holder of its stdio, the writer of its log and of its exit status. See
 * docs/decisions/0029-shim-memory.md. */
#ifndef CE_MONITOR_H
#define CE_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A growable byte buffer. */
struct buf {
  char *data;
  size_t len, cap;
};
void buf_add(struct buf *b, const void *data, size_t n);
void buf_consume(struct buf *b, size_t n);
void buf_free(struct buf *b);

/* Milliseconds since the epoch, and its RFC 3339 text with milliseconds as
 * JavaScript's Date.prototype.toISOString writes it (24 characters). */
int64_t now_ms(void);
void iso_time(int64_t ms, char out[80]);

/* ---- log_entry.c: Docker's log copier, as @ce/shim's ContainerLog does it ---- */

enum { STREAM_STDOUT = 1, STREAM_STDERR = 2 };
#define MAX_ENTRY_BYTES (16 * 1024)

/* One stream's text waiting for its newline, kept as valid UTF-8 (invalid
 * input becomes U+FFFD, as Node's StringDecoder replaces it). */
struct line_splitter {
  struct buf partial;
  /* A UTF-8 sequence cut by a read: its bytes so far and how many it needs. */
  unsigned char pending[4];
  int pending_len, pending_need;
  unsigned lower, upper;
};

typedef void (*entry_fn)(void *ctx, int stream, const char *text, size_t len, int64_t time_ms);

/* Feeds one read's bytes; calls `entry` for each whole line (or 16 KiB piece). */
void splitter_write(struct line_splitter *s, int stream, const char *data, size_t n, int64_t time_ms, entry_fn entry, void *ctx);
/* The stream ended: what waits without its newline becomes one last entry. */
void splitter_flush(struct line_splitter *s, int stream, int64_t time_ms, entry_fn entry, void *ctx);

/* Appends {"log":…,"stream":…,"time":…}\n exactly as JSON.stringify writes it. */
void json_file_entry(struct buf *out, int stream, const char *text, size_t len, int64_t time_ms);
/* Appends `text` as a JSON string literal (quotes included), JSON.stringify's escaping. */
void json_string(struct buf *out, const char *text, size_t len);

/* ---- log_cri.c: the kubelet's CRI log format, as @ce/shim's criFormat ---- */

enum log_format { LOG_JSON_FILE, LOG_CRI, LOG_LOCAL };
/* Appends `<time> <stream> <P|F> <text>\n`; `ended`: the stream's last piece, F without its newline. */
void cri_entry(struct buf *out, int stream, const char *text, size_t len, int64_t time_ms, int ended);

/* ---- log_local.c: Docker's local driver format, as @ce/protocol's encodeLocalEntry ---- */

/* Appends one length-framed LogEntry; a piece without its newline is partial. */
void local_entry(struct buf *out, int stream, const char *text, size_t len, int64_t time_ms);
/* Where the file's whole frames end, walking them from its start (a torn last frame is cut). */
int64_t local_whole_frames_end(int fd);

/* ---- log_file.c: appends whole records and rotates by size, as LogFileWriter ---- */

struct log_file {
  char *path;
  int fd;
  int state_fd; /* x.rotations, the seqlock readers share; -1 without rotation */
  int64_t size;
  int64_t max_size; /* -1: no rotation */
  int max_files;
  uint64_t seq, generation;
  struct buf batch;
  uint64_t dropped_lines, dropped_bytes;
  int64_t last_report_ms;
  int failing, last_errno; /* the last write failed, and its errno */
  int report_due;          /* the state or the drops changed since the last report */
  int framed;              /* records are length-framed (local), not lines */
  int compress;            /* rotated files are gzipped: x.1 → x.1.gz */
  pid_t compressor;        /* the child gzipping x.1, 0 when none runs */
};

/* `framed`: the local driver's records; `compress`: gzip each rotated file in a child process. */
int log_file_open(struct log_file *f, const char *path, int64_t max_size, int max_files, int framed, int compress);
/* A child of the monitor exited: 1 if it was the log's compressor (its x.1.gz then takes x.1's place). */
int log_file_child_exited(struct log_file *f, pid_t pid, int status);
/* Queues one record, writing the batch first when the record must go to a new file. */
void log_file_append(struct log_file *f, const char *rec, size_t n);
/* Writes the queued records. */
void log_file_flush(struct log_file *f);
void log_file_close(struct log_file *f);
/* Writes the queued records, closes the file and opens its path again (a new file once it was
 * renamed: the kubelet's rotation). On failure the old file stays in use and errno says why. */
int log_file_reopen(struct log_file *f);
/* A failing log is reported again (with what it dropped since) at the next due time: for a new listener. */
void log_file_report_state(struct log_file *f);
/* Milliseconds until a report of a failure or a recovery is due, or -1 when none is. */
int log_file_report_wait_ms(const struct log_file *f);
void log_file_report_if_due(struct log_file *f);
/* ce-monitor.c: a report line on the status pipe and to `reports` clients, dropped rather than waited for when full. */
void monitor_report(const char *line);

/* ---- attach.c: the monitor's unix socket ---- */

struct monitor;
int attach_listen(const char *path);
void attach_accept(struct monitor *m);
void attach_client_io(struct monitor *m, int index, short revents);
/* POLLIN/POLLOUT for client i. */
short attach_events(const struct monitor *m, int i);
/* Output of the container to every attached client that asked for `stream`. */
void attach_broadcast(struct monitor *m, int stream, const char *data, size_t n);
/* Bytes waiting in the slowest attached client (the container's output pauses above a limit). */
size_t attach_backlog(const struct monitor *m);
/* The container's output ended: clients are closed once their buffers are sent. */
void attach_output_ended(struct monitor *m);
/* The init exited: answers every waiting `wait`. */
void attach_exited(struct monitor *m);
/* A report line (log-write-failed/resumed) to every `reports` client, dropped for one that is behind. */
void attach_report(struct monitor *m, const char *line);
void attach_close_all(struct monitor *m);

#define MAX_CLIENTS 64

struct client {
  int fd;
  enum { CLIENT_REQUEST, CLIENT_ATTACHED, CLIENT_WAITING, CLIENT_WAITING_DONE, CLIENT_REPLYING, CLIENT_REPORTS } state;
  int want_stdin, want_stdout, want_stderr;
  char request[256];
  size_t request_len;
  struct buf out;
  struct buf in; /* stdin frames not yet whole */
  int close_after_send;
  int read_closed;
  int write_closed; /* sent everything and SHUT_WR: waiting for the client to close */
};

struct monitor {
  /* The container's stdio as the monitor holds it. */
  int stdin_w;            /* -1 when closed or there is none */
  int stdout_r, stderr_r; /* -1 once ended */
  int pty_master;         /* -1 without a terminal */
  int console_r;          /* the socket ce-init sends the pty master on */
  struct line_splitter split_out, split_err;
  struct log_file log;
  int logging;

  pid_t ce_init_pid, init_pid;
  int exited;
  int exit_status, exit_signal, oom_killed;
  int64_t exited_at_ms;

  /* --hold-output: the output is not read until a `release` request (an exec's
   * attach sessions are connected first, so none of its output is lost). */
  int output_held;

  int listen_fd;
  struct client clients[MAX_CLIENTS];
  int nclients;
};

/* Closes the container's stdin (EOF for a pipe; a terminal's input stays open). */
void monitor_close_stdin(struct monitor *m);
int monitor_resize(struct monitor *m, unsigned width, unsigned height);
void monitor_write_stdin(struct monitor *m, const char *data, size_t n);
/* Signals the process while it is not reaped (its pid cannot have been reused); 0, or -1 with errno (ESRCH once it exited). */
int monitor_signal(struct monitor *m, int sig);

/* "exit <status> <signal> <exited-at ms> <oom 0|1>\n" */
int exit_line(const struct monitor *m, char *out, size_t cap);

#endif
