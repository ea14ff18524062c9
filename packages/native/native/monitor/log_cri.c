/* The kubelet's CRI log format as @ce/shim's criFormat writes it:
 *   <RFC3339Nano time> <stdout|stderr> <P|F> <text>\n
 * P for a piece of a line longer than 16 KiB, F for a line's end and for a
 * stream's last piece without a newline (as containerd writes it). The time
 * is Go's time.RFC3339Nano in UTC of a millisecond clock: the fraction's
 * trailing zeros dropped, none at all on a whole second. The shared vectors
 * in packages/shim/test/integration/monitor-task.test.ts hold both writers
 * to the same lines. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "monitor.h"

void rfc3339_nano(int64_t ms, char out[80]) {
  if (ms < 0) ms = 0;
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  int n = snprintf(out, 80, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  unsigned fraction = (unsigned)(ms % 1000);
  if (fraction) {
    char digits[4];
    snprintf(digits, sizeof digits, "%03u", fraction);
    size_t len = 3;
    while (digits[len - 1] == '0') len--;
    n += snprintf(out + n, (size_t)(80 - n), ".%.*s", (int)len, digits);
  }
  snprintf(out + n, (size_t)(80 - n), "Z");
}

void cri_entry(struct buf *out, int stream, const char *text, size_t len, int64_t time_ms, int ended) {
  char time[80];
  rfc3339_nano(time_ms, time);
  buf_add(out, time, strlen(time));
  int whole = len > 0 && text[len - 1] == '\n';
  const char *head = stream == STREAM_STDERR ? " stderr " : " stdout ";
  buf_add(out, head, strlen(head));
  buf_add(out, whole || ended ? "F " : "P ", 2);
  buf_add(out, text, len);
  if (!whole) buf_add(out, "\n", 1);
}
