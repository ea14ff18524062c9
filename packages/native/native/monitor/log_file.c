/* A log file written as @ce/shim's LogFileWriter and LogRotation write it:
 * whole records only (a failed write is cut back to the last whole record),
 * rotated x → x.1 → … x.<max-file − 1> by size, with the x.rotations seqlock
 * ced's log readers follow (@ce/protocol's log-rotation-state); with
 * compression, x.1 is gzipped by a child process into x.1.gz, which takes its
 * place under the seqlock once whole (the next rotation waits for it). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "monitor.h"

#define REPORT_MS 5000

static int open_log(const char *path) { return open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640); }

/* Where the file's whole lines end: after its last newline (a line an earlier writer left unfinished is cut). */
static int64_t whole_lines_end(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return 0;
  char chunk[64 * 1024];
  int64_t end = st.st_size;
  while (end > 0) {
    int64_t start = end > (int64_t)sizeof chunk ? end - (int64_t)sizeof chunk : 0;
    ssize_t n = pread(fd, chunk, (size_t)(end - start), start);
    if (n <= 0) return end;
    for (ssize_t i = n - 1; i >= 0; i--)
      if (chunk[i] == '\n') return start + i + 1;
    end = start;
  }
  return 0;
}

static int64_t trim_torn_tail(const struct log_file *f, int fd) {
  struct stat st;
  int64_t end = f->framed ? local_whole_frames_end(fd) : whole_lines_end(fd);
  if (fstat(fd, &st) == 0 && st.st_size != end && ftruncate(fd, end) != 0) return st.st_size;
  return end;
}

static void write_state(struct log_file *f) {
  char text[64];
  int n = snprintf(text, sizeof text, "%020" PRIu64 " %020" PRIu64 "\n", f->seq, f->generation);
  if (pwrite(f->state_fd, text, (size_t)n, 0) != n) dprintf(2, "ce-monitor: write %s.rotations: %s\n", f->path, strerror(errno));
}

int log_file_open(struct log_file *f, const char *path, int64_t max_size, int max_files, int framed, int compress) {
  memset(f, 0, sizeof *f);
  f->path = strdup(path);
  f->framed = framed;
  f->compress = compress && max_files >= 2;
  f->max_size = max_size;
  f->max_files = max_files < 1 ? 1 : max_files;
  f->state_fd = -1;
  f->last_report_ms = -REPORT_MS;
  f->fd = open_log(path);
  if (f->fd < 0) return -1;
  f->size = trim_torn_tail(f, f->fd);
  if (max_size < 0) return 0;
  char state[4096];
  snprintf(state, sizeof state, "%s.rotations", path);
  f->state_fd = open(state, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (f->state_fd < 0) return -1;
  char text[64] = {0};
  ssize_t n = pread(f->state_fd, text, sizeof text - 1, 0);
  unsigned long long seq, gen;
  if (n == 42 && text[41] == '\n' && sscanf(text, "%20llu %20llu", &seq, &gen) == 2) {
    /* A writer that died while moving names left an odd sequence: readers wait for even. */
    f->seq = seq + (seq % 2);
    f->generation = gen;
  }
  write_state(f);
  return 0;
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

/* gzip `from` into `to`; 0 on success. In the compressor child. */
static int gzip_file(const char *from, const char *to) {
  int in = open(from, O_RDONLY | O_CLOEXEC);
  if (in < 0) return -1;
  int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  gzFile gz = out >= 0 ? gzdopen(out, "wb") : NULL;
  if (!gz) {
    if (out >= 0) close(out);
    close(in);
    return -1;
  }
  char data[64 * 1024];
  ssize_t n;
  int err = 0;
  while (!err && (n = read(in, data, sizeof data)) != 0) {
    if (n < 0) err = errno != EINTR;
    else if (gzwrite(gz, data, (unsigned)n) != (int)n) err = 1;
  }
  if (gzclose(gz) != Z_OK) err = 1;
  close(in);
  return err ? -1 : 0;
}

/* Starts gzipping x.1 in a child process, so that the container's output is not held up meanwhile. */
static void start_compressor(struct log_file *f) {
  pid_t pid = fork();
  if (pid < 0) {
    dprintf(2, "ce-monitor: compress %s.1: fork: %s\n", f->path, strerror(errno));
    return;
  }
  if (pid > 0) {
    f->compressor = pid;
    return;
  }
  /* The child holds none of the monitor's files: a client the monitor drops must see its connection end. */
  if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
    for (int fd = 3; fd < 1024; fd++) close(fd);
  char from[4096], to[4096];
  snprintf(from, sizeof from, "%s.1", f->path);
  snprintf(to, sizeof to, "%s.1.gz.tmp", f->path);
  _exit(gzip_file(from, to) == 0 ? 0 : 1);
}

/* The compressor ended: a whole x.1.gz replaces x.1 for readers (under the seqlock), a failed one is removed (x.1 stays, as readers also read it). */
static void compressor_ended(struct log_file *f, int status) {
  char plain[4096], gz[4096], tmp[4096];
  snprintf(plain, sizeof plain, "%s.1", f->path);
  snprintf(gz, sizeof gz, "%s.1.gz", f->path);
  snprintf(tmp, sizeof tmp, "%s.1.gz.tmp", f->path);
  f->compressor = 0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    dprintf(2, "ce-monitor: compressing %s failed: it stays uncompressed\n", plain);
    unlink(tmp);
    return;
  }
  f->seq++;
  write_state(f);
  if (rename(tmp, gz) == 0) unlink(plain);
  else unlink(tmp);
  f->seq++;
  write_state(f);
}

int log_file_child_exited(struct log_file *f, pid_t pid, int status) {
  if (!f->compressor || pid != f->compressor) return 0;
  compressor_ended(f, status);
  return 1;
}

/* Waits for a compressor still running (the next rotation moves x.1; the monitor is ending). */
static void settle_compressor(struct log_file *f) {
  if (!f->compressor) return;
  int status;
  pid_t pid;
  while ((pid = waitpid(f->compressor, &status, 0)) < 0 && errno == EINTR) {
  }
  if (pid == f->compressor) compressor_ended(f, status);
  else f->compressor = 0;
}

/* Docker's rotation: the oldest goes, each x.i becomes x.i+1, x becomes x.1, a new empty x. */
static int rotate(struct log_file *f) {
  char from[4096], to[4096];
  int err = 0;
  settle_compressor(f);
  f->seq++;
  write_state(f);
  close(f->fd);
  f->fd = -1;
  if (f->max_files < 2) {
    if (unlink(f->path) != 0 && errno != ENOENT) err = errno;
  } else {
    for (int gz = 0; gz < 2; gz++) {
      snprintf(to, sizeof to, "%s.%d%s", f->path, f->max_files - 1, gz ? ".gz" : "");
      unlink(to);
    }
    for (int i = f->max_files - 1; i > 1 && !err; i--) {
      for (int gz = 0; gz < 2 && !err; gz++) {
        snprintf(from, sizeof from, "%s.%d%s", f->path, i - 1, gz ? ".gz" : "");
        snprintf(to, sizeof to, "%s.%d%s", f->path, i, gz ? ".gz" : "");
        if (exists(from) && rename(from, to) != 0) err = errno;
      }
    }
    snprintf(to, sizeof to, "%s.1", f->path);
    if (!err && rename(f->path, to) != 0 && errno != ENOENT) err = errno;
  }
  if (!err) {
    /* The new generation's file exists as soon as the state names it, so a reader never misses it. */
    int fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) err = errno;
    else close(fd);
    if (!err) f->generation++;
  }
  f->seq++;
  write_state(f);
  f->fd = open_log(f->path);
  if (f->fd < 0 && !err) err = errno;
  f->size = f->fd >= 0 ? trim_torn_tail(f, f->fd) : 0;
  if (err) dprintf(2, "ce-monitor: rotate %s: %s\n", f->path, strerror(err));
  else if (f->compress) start_compressor(f);
  return err ? -1 : 0;
}

/* Tells the current state, to the diagnostics and to the status pipe (the runtime makes it the
 * task's warning, as @ce/shim's LogFileWriter reports it): still failing and what was dropped, or
 * written again. At most every REPORT_MS; a change within that time is told when it ends. */
static void report(struct log_file *f) {
  char line[128];
  f->last_report_ms = now_ms();
  f->report_due = 0;
  if (f->failing) {
    dprintf(2, "ce-monitor: writing the container log %s failed: %s; dropped %" PRIu64 " lines (%" PRIu64 " bytes) since the last report\n", f->path,
            strerror(f->last_errno), f->dropped_lines, f->dropped_bytes);
    snprintf(line, sizeof line, "log-write-failed %d %" PRIu64 " %" PRIu64 "\n", f->last_errno, f->dropped_lines, f->dropped_bytes);
  } else {
    dprintf(2, "ce-monitor: the container log %s is written again; dropped %" PRIu64 " lines (%" PRIu64 " bytes) since the last report\n", f->path,
            f->dropped_lines, f->dropped_bytes);
    snprintf(line, sizeof line, "log-write-resumed %" PRIu64 " %" PRIu64 "\n", f->dropped_lines, f->dropped_bytes);
  }
  monitor_report(line);
  f->dropped_lines = f->dropped_bytes = 0;
}

void log_file_report_state(struct log_file *f) {
  if (f->failing) f->report_due = 1;
}

int log_file_report_wait_ms(const struct log_file *f) {
  if (!f->report_due) return -1;
  int64_t wait = f->last_report_ms + REPORT_MS - now_ms();
  return wait > 0 ? (int)wait : 0;
}

void log_file_report_if_due(struct log_file *f) {
  if (log_file_report_wait_ms(f) == 0) report(f);
}

void log_file_flush(struct log_file *f) {
  struct buf *b = &f->batch;
  if (!b->len) return;
  size_t done = 0;
  int err = 0;
  if (f->fd < 0) {
    err = EBADF;
  } else {
    while (done < b->len) {
      ssize_t n = write(f->fd, b->data + done, b->len - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        err = n < 0 ? errno : EIO;
        break;
      }
      done += (size_t)n;
    }
  }
  if (!err) {
    f->size += (int64_t)b->len;
    if (f->failing) {
      f->failing = 0;
      f->report_due = 1;
    }
  } else {
    /* Keep the whole lines written, cut the torn one, drop the rest (counted). */
    size_t keep = 0;
    for (size_t i = 0; i < done; i++)
      if (b->data[i] == '\n') keep = i + 1;
    f->size += (int64_t)keep;
    if (f->fd >= 0 && ftruncate(f->fd, f->size) != 0) { /* retried at the next failure */
    }
    for (size_t i = keep; i < b->len; i++)
      if (b->data[i] == '\n') f->dropped_lines++;
    f->dropped_bytes += b->len - keep;
    f->failing = 1;
    f->last_errno = err;
    f->report_due = 1;
  }
  log_file_report_if_due(f);
  buf_consume(b, b->len);
}

void log_file_append(struct log_file *f, const char *rec, size_t n) {
  /* A record that does not fit goes to a new file, and at least one record goes in each file,
   * so a log never holds more than max-size × max-file (the last record excepted). */
  if (f->max_size >= 0 && f->size + (int64_t)f->batch.len > 0 && f->size + (int64_t)(f->batch.len + n) > f->max_size) {
    log_file_flush(f);
    if (f->size > 0) rotate(f);
  }
  buf_add(&f->batch, rec, n);
}

void log_file_close(struct log_file *f) {
  log_file_flush(f);
  settle_compressor(f);
  if (f->report_due) report(f);
  if (f->fd >= 0) close(f->fd);
  if (f->state_fd >= 0) close(f->state_fd);
  buf_free(&f->batch);
  free(f->path);
  f->fd = f->state_fd = -1;
}

int log_file_reopen(struct log_file *f) {
  log_file_flush(f);
  int fd = open_log(f->path);
  if (fd < 0) return -1;
  if (f->fd >= 0) close(f->fd);
  f->fd = fd;
  f->size = trim_torn_tail(f, fd);
  return 0;
}
