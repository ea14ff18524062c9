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

/* iso_time's "…:SS.mmmZ" with the fraction's trailing zeros dropped, and the dot on a whole second. */
static void rfc3339_nano(int64_t ms, char out[80]) {
  iso_time(ms, out);
  size_t end = strlen(out) - 1; /* the Z */
  while (out[end - 1] == '0') end--;
  if (out[end - 1] == '.') end--;
  out[end] = 'Z';
  out[end + 1] = '\0';
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
