/* Docker's `local` log driver format, as @ce/protocol's encodeLocalEntry
 * writes it: a protobuf docker.logdriver.LogEntry (source=1, time_nano=2,
 * line=3, partial=4; fields at their default left out) framed by its length
 * as a big-endian uint32 before and after. The line goes without its newline;
 * one without a newline (a 16 KiB piece, a stream's last) is partial. The
 * shared vectors in packages/shim/test/integration/monitor-task.test.ts hold
 * both writers to the same bytes. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "monitor.h"

static size_t put_varint(unsigned char *out, uint64_t v) {
  size_t n = 0;
  do {
    unsigned char b = v & 0x7f;
    v >>= 7;
    if (v) b |= 0x80;
    out[n++] = b;
  } while (v);
  return n;
}

static void put_u32be(unsigned char out[4], uint32_t v) {
  out[0] = (unsigned char)(v >> 24);
  out[1] = (unsigned char)(v >> 16);
  out[2] = (unsigned char)(v >> 8);
  out[3] = (unsigned char)v;
}

static uint32_t get_u32be(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

void local_entry(struct buf *out, int stream, const char *text, size_t len, int64_t time_ms) {
  int whole = len > 0 && text[len - 1] == '\n';
  size_t line = whole ? len - 1 : len;
  const char *source = stream == STREAM_STDERR ? "stderr" : "stdout";
  unsigned char head[32], time[16], line_head[16];
  size_t head_len = 0, time_len = 0, line_head_len = 0;
  head[head_len++] = 0x0a;
  head_len += put_varint(head + head_len, 6);
  time[time_len++] = 0x10;
  time_len += put_varint(time + time_len, (uint64_t)time_ms * 1000000u);
  if (line) {
    line_head[line_head_len++] = 0x1a;
    line_head_len += put_varint(line_head + line_head_len, line);
  }
  size_t size = head_len + 6 + (time_ms ? time_len : 0) + line_head_len + line + (whole ? 0 : 2);
  unsigned char frame[4];
  put_u32be(frame, (uint32_t)size);
  buf_add(out, frame, 4);
  buf_add(out, head, head_len);
  buf_add(out, source, 6);
  if (time_ms) buf_add(out, time, time_len);
  if (line) {
    buf_add(out, line_head, line_head_len);
    buf_add(out, text, line);
  }
  if (!whole) buf_add(out, "\x20\x01", 2);
  buf_add(out, frame, 4);
}

int64_t local_whole_frames_end(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size == 0) return 0;
  const unsigned char *data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (data == MAP_FAILED) return st.st_size;
  size_t at = 0, size = (size_t)st.st_size;
  while (at + 4 <= size) {
    uint32_t n = get_u32be(data + at);
    size_t end = at + (size_t)n + 8;
    if (end > size || get_u32be(data + end - 4) != n) break;
    at = end;
  }
  munmap((void *)data, size);
  return (int64_t)at;
}
