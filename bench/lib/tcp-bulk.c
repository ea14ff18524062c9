/*
 * tcp-bulk: bulk TCP throughput between two endpoints, for bench/network.mjs.
 * Built static (gcc -O2 -static) so that it runs in a busybox image as on the host.
 *
 *   tcp-bulk recv PORT              accept connections forever; read and discard
 *                                   everything, close at EOF
 *   tcp-bulk send HOST PORT BYTES   connect, write BYTES zeros, shut the write side,
 *                                   wait for the receiver's close; prints
 *                                   "<bytes> <seconds> <MB/s>" timed from before
 *                                   connect() to that close, so every byte was read
 *
 * HOST is an IPv4 address. Buffers are 256 KiB so that syscalls are not the limit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUF (256 * 1024)
static char buf[BUF];

static int fail(const char *what) {
  fprintf(stderr, "tcp-bulk: %s: %s\n", what, strerror(errno));
  return 1;
}

static int recv_forever(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (s < 0) return fail("socket");
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) return fail("bind");
  if (listen(s, 16) < 0) return fail("listen");
  signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
  fprintf(stderr, "tcp-bulk: listening on %d\n", port);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) {
      if (errno == EINTR) continue;
      return fail("accept");
    }
    if (fork() == 0) {
      long long total = 0;
      ssize_t n;
      close(s);
      while ((n = read(c, buf, BUF)) > 0 || (n < 0 && errno == EINTR)) if (n > 0) total += n;
      close(c);
      fprintf(stderr, "tcp-bulk: received %lld bytes\n", total);
      _exit(0);
    }
    close(c);
  }
}

static int send_bytes(const char *host, int port, long long bytes) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  struct timespec t0, t1;
  long long left = bytes;
  int s;
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    fprintf(stderr, "tcp-bulk: %s is not an IPv4 address\n", host);
    return 2;
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return fail("socket");
  if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) return fail("connect");
  while (left > 0) {
    ssize_t n = write(s, buf, left < BUF ? (size_t)left : BUF);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    left -= n;
  }
  if (shutdown(s, SHUT_WR) < 0) return fail("shutdown");
  for (;;) {
    ssize_t n = read(s, buf, BUF);
    if (n == 0) break;
    if (n < 0 && errno != EINTR) return fail("read");
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("%lld %.6f %.1f\n", bytes, secs, bytes / secs / 1e6);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "recv") == 0) return recv_forever(atoi(argv[2]));
  if (argc == 5 && strcmp(argv[1], "send") == 0) return send_bytes(argv[2], atoi(argv[3]), atoll(argv[4]));
  fprintf(stderr, "usage: tcp-bulk recv PORT | tcp-bulk send HOST PORT BYTES\n");
  return 2;
}
