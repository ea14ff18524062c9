#define _GNU_SOURCE
#include "plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(unsigned char *p, uint32_t v) {
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}

#define PLAN_MAX (64u << 20)

int plan_read(int fd, struct plan *plan, const char **err) {
  size_t cap = 65536, len = 0;
  unsigned char *buf = malloc(cap);
  if (!buf) return *err = "out of memory", -1;
  for (;;) {
    if (len == cap) {
      if (cap >= PLAN_MAX) return *err = "plan too large", -1;
      cap *= 2;
      unsigned char *n = realloc(buf, cap);
      if (!n) return *err = "out of memory", -1;
      buf = n;
    }
    ssize_t r = read(fd, buf + len, cap - len);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return *err = "read plan", -1;
    if (r == 0) break;
    len += (size_t)r;
  }
  if (len < 8 || memcmp(buf, PLAN_MAGIC, 8) != 0) return *err = "plan: bad magic", -1;

  size_t cap_recs = 64;
  plan->recs = calloc(cap_recs, sizeof *plan->recs);
  plan->count = 0;
  if (!plan->recs) return *err = "out of memory", -1;
  size_t off = 8;
  while (off < len) {
    if (len - off < 8) return *err = "plan: truncated record", -1;
    struct plan_rec rec = {.op = get_u32(buf + off), .argc = get_u32(buf + off + 4)};
    off += 8;
    if (rec.argc > (len - off) / 4) return *err = "plan: bad argument count", -1;
    rec.argv = calloc(rec.argc + 1, sizeof *rec.argv);
    if (!rec.argv) return *err = "out of memory", -1;
    for (uint32_t i = 0; i < rec.argc; i++) {
      if (len - off < 4) return *err = "plan: truncated argument", -1;
      uint32_t alen = get_u32(buf + off);
      off += 4;
      if (alen > len - off) return *err = "plan: truncated argument", -1;
      char *copy = malloc((size_t)alen + 1);
      if (!copy) return *err = "out of memory", -1;
      memcpy(copy, buf + off, alen);
      copy[alen] = '\0';
      rec.argv[i].data = copy;
      rec.argv[i].len = alen;
      off += alen;
    }
    if (plan->count == cap_recs) {
      cap_recs *= 2;
      struct plan_rec *n = realloc(plan->recs, cap_recs * sizeof *n);
      if (!n) return *err = "out of memory", -1;
      plan->recs = n;
    }
    plan->recs[plan->count++] = rec;
  }
  free(buf);
  return 0;
}

int msg_write(int fd, uint32_t type, int argc, const char *const *argv) {
  /* One write(2) per message so that P's and C's messages never interleave;
   * messages are kept below PIPE_BUF (texts are truncated). */
  unsigned char buf[4096];
  /* Every argument needs its 4-byte length, even when its text is cut to nothing. */
  if (argc < 0 || (size_t)argc > (sizeof buf - 8) / 4) return errno = EMSGSIZE, -1;
  size_t off = 8;
  put_u32(buf, type);
  put_u32(buf + 4, (uint32_t)argc);
  for (int i = 0; i < argc; i++) {
    size_t alen = strlen(argv[i]);
    /* Room left after the lengths of this and every later argument;
     * off + 4 * (argc - i) <= sizeof buf holds on every round. */
    size_t room = sizeof buf - off - 4 * (size_t)(argc - i);
    if (alen > room) alen = room;
    put_u32(buf + off, (uint32_t)alen);
    memcpy(buf + off + 4, argv[i], alen);
    off += 4 + alen;
  }
  size_t done = 0;
  while (done < off) {
    ssize_t w = write(fd, buf + done, off - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    done += (size_t)w;
  }
  return 0;
}

static int read_full(int fd, void *buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t r = read(fd, (char *)buf + done, len - done);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) return errno = EPIPE, -1;
    done += (size_t)r;
  }
  return 0;
}

#define MSG_ARG_MAX (1u << 20)

int msg_read(int fd, struct plan_rec *rec) {
  unsigned char head[8];
  if (read_full(fd, head, sizeof head) != 0) return -1;
  rec->op = get_u32(head);
  rec->argc = get_u32(head + 4);
  if (rec->argc > 64) return errno = EPROTO, -1;
  rec->argv = calloc(rec->argc + 1, sizeof *rec->argv);
  if (!rec->argv) return -1;
  for (uint32_t i = 0; i < rec->argc; i++) {
    unsigned char lenb[4];
    if (read_full(fd, lenb, sizeof lenb) != 0) return -1;
    uint32_t alen = get_u32(lenb);
    if (alen > MSG_ARG_MAX) return errno = EPROTO, -1;
    char *copy = malloc((size_t)alen + 1);
    if (!copy || read_full(fd, copy, alen) != 0) return -1;
    copy[alen] = '\0';
    rec->argv[i].data = copy;
    rec->argv[i].len = alen;
  }
  return 0;
}
