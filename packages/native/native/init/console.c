/* The container's terminal (runc's model): a pty opened inside the container
 * after the root change, its master sent to whoever asked for it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "init.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static int open_slave(int master) {
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave >= 0 || (errno != EINVAL && errno != ENOTTY)) return slave;
  /* Before Linux 4.13: by name, in the container's /dev/pts. */
  unsigned n;
  if (ioctl(master, TIOCGPTN, &n) != 0) return -1;
  char path[64];
  snprintf(path, sizeof path, "/dev/pts/%u", n);
  return open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
}

static int send_master(int sock, int master) {
  static const char name[] = "/dev/ptmx";
  struct iovec iov = {(void *)name, sizeof name - 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &master, sizeof master);
  ssize_t r;
  do r = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}

void op_console(struct init_ctx *ctx, int sock, unsigned rows, unsigned cols, uid_t uid) {
  /* /dev/ptmx is the container's (a link to pts/ptmx of its own devpts). */
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) die(ctx, "open terminal /dev/ptmx");
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) != 0) die(ctx, "unlock terminal");
  int slave = open_slave(master);
  if (slave < 0) die(ctx, "open terminal slave");
  /* The process may run as another user: it must be able to use its terminal (runc's fixStdioPermissions). */
  if (uid != 0 && fchown(slave, uid, (gid_t)-1) != 0) die(ctx, "chown terminal to uid %u", (unsigned)uid);
  if (rows || cols) {
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    if (ioctl(slave, TIOCSWINSZ, &ws) != 0) die(ctx, "set terminal size %ux%u", rows, cols);
  }
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) != fd) die(ctx, "terminal as fd %d", fd);
  if (ioctl(0, TIOCSCTTY, 0) != 0) die(ctx, "make the terminal the controlling terminal");
  if (send_master(sock, master) != 0) die(ctx, "send terminal over the console socket");
  close(master);
  close(slave);
  close(sock);
}
