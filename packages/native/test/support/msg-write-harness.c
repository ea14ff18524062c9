/*
 * Test harness for msg_write/msg_read (native/init/plan.c), built by
 * test/unit/plan-msg.test.ts with AddressSanitizer. Usage: harness ARGC LEN
 * writes one message of ARGC arguments of LEN bytes each into a pipe, reads it
 * back and prints "bytes=<n> argc=<n> lens=<a>,<b>,..." or "write: <error>".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../native/init/plan.h"

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  int n = atoi(argv[1]);
  size_t len = (size_t)atol(argv[2]);
  char *text = malloc(len + 1);
  const char **args = calloc((size_t)n + 1, sizeof *args);
  if (!text || !args) return 2;
  memset(text, 'x', len);
  text[len] = '\0';
  for (int i = 0; i < n; i++) args[i] = text;
  int p[2];
  if (pipe(p) != 0) return 2;
  if (msg_write(p[1], 101, n, args) != 0) {
    printf("write: %s\n", strerror(errno));
    return 0;
  }
  close(p[1]);
  char all[8192];
  ssize_t bytes = read(p[0], all, sizeof all);
  /* read it again, through msg_read, from a fresh pipe holding the same bytes */
  int q[2];
  if (pipe(q) != 0 || write(q[1], all, (size_t)bytes) != bytes) return 2;
  close(q[1]);
  struct plan_rec rec;
  if (msg_read(q[0], &rec) != 0) {
    printf("read: %s\n", strerror(errno));
    return 1;
  }
  printf("bytes=%zd argc=%u lens=", bytes, rec.argc);
  for (uint32_t i = 0; i < rec.argc; i++) printf("%s%u", i ? "," : "", rec.argv[i].len);
  printf("\n");
  return 0;
}
