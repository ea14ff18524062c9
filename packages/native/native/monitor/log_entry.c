/* Log entries as @ce/shim's ContainerLog and jsonFileFormat make them: the
 * shared vectors in packages/shim/test/integration/monitor-task.test.ts hold
 * both to the same lines. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor.h"

void buf_add(struct buf *b, const void *data, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) abort(); /* a monitor out of memory cannot keep its promises */
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, n);
  b->len += n;
}

void buf_consume(struct buf *b, size_t n) {
  if (n >= b->len) {
    b->len = 0;
  } else {
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
  }
  /* An idle container keeps no large buffer. */
  if (b->len == 0 && b->cap > 64 * 1024) {
    free(b->data);
    b->data = NULL;
    b->cap = 0;
  }
}

void buf_free(struct buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void iso_time(int64_t ms, char out[80]) {
  if (ms < 0) ms = 0;
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  snprintf(out, 80, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000) % 1000u);
}

static const char REPLACEMENT[3] = {(char)0xef, (char)0xbf, (char)0xbd};

/* Appends `data` to the partial line as valid UTF-8, by the WHATWG decoder's
 * rules (each maximal invalid subpart becomes one U+FFFD), carrying a
 * sequence cut at the end of a read over to the next one. */
static void decode_utf8(struct line_splitter *s, const unsigned char *data, size_t n) {
  struct buf *out = &s->partial;
  size_t run = 0; /* start of a run of ASCII bytes copied at once */
  for (size_t i = 0; i < n; i++) {
    unsigned c = data[i];
    if (s->pending_need == 0) {
      if (c < 0x80) continue;
      if (i > run) buf_add(out, data + run, i - run);
      run = i + 1;
      s->lower = 0x80;
      s->upper = 0xbf;
      if (c >= 0xc2 && c <= 0xdf) {
        s->pending_need = 2;
      } else if (c >= 0xe0 && c <= 0xef) {
        if (c == 0xe0) s->lower = 0xa0;
        if (c == 0xed) s->upper = 0x9f;
        s->pending_need = 3;
      } else if (c >= 0xf0 && c <= 0xf4) {
        if (c == 0xf0) s->lower = 0x90;
        if (c == 0xf4) s->upper = 0x8f;
        s->pending_need = 4;
      } else {
        buf_add(out, REPLACEMENT, 3);
        continue;
      }
      s->pending[0] = (unsigned char)c;
      s->pending_len = 1;
      continue;
    }
    if (c < s->lower || c > s->upper) {
      /* The sequence is broken: it becomes one U+FFFD and this byte starts afresh. */
      buf_add(out, REPLACEMENT, 3);
      s->pending_need = s->pending_len = 0;
      run = i;
      i--;
      continue;
    }
    s->lower = 0x80;
    s->upper = 0xbf;
    s->pending[s->pending_len++] = (unsigned char)c;
    run = i + 1;
    if (s->pending_len == s->pending_need) {
      buf_add(out, s->pending, (size_t)s->pending_len);
      s->pending_need = s->pending_len = 0;
    }
  }
  if (s->pending_need == 0 && n > run) buf_add(out, data + run, n - run);
}

/* The longest prefix of valid UTF-8 `text` of at most max bytes that does not cut a character. */
static size_t utf8_prefix(const char *text, size_t len, size_t max) {
  if (len <= max) return len;
  size_t end = max;
  while (end > 0 && ((unsigned char)text[end] & 0xc0) == 0x80) end--;
  return end;
}

void splitter_write(struct line_splitter *s, int stream, const char *data, size_t n, int64_t time_ms, entry_fn entry, void *ctx) {
  decode_utf8(s, (const unsigned char *)data, n);
  struct buf *p = &s->partial;
  size_t start = 0;
  for (;;) {
    const char *text = p->data + start;
    size_t len = p->len - start;
    const char *nl = len ? memchr(text, '\n', len) : NULL;
    if (nl && (size_t)(nl - text) + 1 <= MAX_ENTRY_BYTES) {
      size_t line = (size_t)(nl - text) + 1;
      entry(ctx, stream, text, line, time_ms);
      start += line;
    } else if (nl || len >= MAX_ENTRY_BYTES) {
      size_t head = utf8_prefix(text, len, MAX_ENTRY_BYTES);
      entry(ctx, stream, text, head, time_ms);
      start += head;
    } else {
      break;
    }
  }
  buf_consume(p, start);
}

void splitter_flush(struct line_splitter *s, int stream, int64_t time_ms, entry_fn entry, void *ctx) {
  /* A sequence cut by the end of the stream is dropped, as ContainerLog never ends its decoder. */
  s->pending_need = s->pending_len = 0;
  if (s->partial.len) entry(ctx, stream, s->partial.data, s->partial.len, time_ms);
  buf_free(&s->partial);
}

void json_string(struct buf *out, const char *text, size_t len) {
  static const char hex[] = "0123456789abcdef";
  buf_add(out, "\"", 1);
  size_t run = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    if (i > run) buf_add(out, text + run, i - run);
    run = i + 1;
    char esc[6] = {'\\', 0};
    switch (c) {
      case '"': esc[1] = '"'; break;
      case '\\': esc[1] = '\\'; break;
      case '\b': esc[1] = 'b'; break;
      case '\f': esc[1] = 'f'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      default:
        memcpy(esc, "\\u00", 4);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        buf_add(out, esc, 6);
        continue;
    }
    buf_add(out, esc, 2);
  }
  if (len > run) buf_add(out, text + run, len - run);
  buf_add(out, "\"", 1);
}

void json_file_entry(struct buf *out, int stream, const char *text, size_t len, int64_t time_ms) {
  char time[80];
  iso_time(time_ms, time);
  buf_add(out, "{\"log\":", 7);
  json_string(out, text, len);
  const char *name = stream == STREAM_STDERR ? ",\"stream\":\"stderr\",\"time\":\"" : ",\"stream\":\"stdout\",\"time\":\"";
  buf_add(out, name, strlen(name));
  buf_add(out, time, strlen(time));
  buf_add(out, "\"}\n", 3);
}
