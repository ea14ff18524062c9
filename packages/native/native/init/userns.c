/* ce-init's part of a user namespace: P waits while the runtime writes the id
 * maps, then becomes the namespace's root before it makes the other namespaces. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "init.h"

void op_userns_sync(struct init_ctx *ctx) {
  /* The runtime writes /proc/<pid>/{uid,gid}_map; a non-dumpable process's
   * /proc files belong to root, which only a root runtime can open: dumpable
   * for that time only, as runc does. */
  if (ctx->joins && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) die(ctx, "prctl PR_SET_DUMPABLE 1");
  char pidstr[32];
  snprintf(pidstr, sizeof pidstr, "%d", (int)getpid());
  const char *argv[] = {pidstr};
  if (msg_write(ctx->sync_fd, MSG_USERNS, 1, argv) != 0) _exit(1);
  char b;
  ssize_t r;
  do r = read(ctx->go_fd >= 0 ? ctx->go_fd : ctx->sync_fd, &b, 1);
  while (r < 0 && errno == EINTR);
  if (r != 1) _exit(1); /* the runtime could not write the maps; it says why */
  if (ctx->joins && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) die(ctx, "prctl PR_SET_DUMPABLE 0");
}

void op_become_root(struct init_ctx *ctx) {
  /* Files and mounts the container init makes then belong to the namespace's root. */
  if (setgroups(0, NULL) != 0 && errno != EPERM) die(ctx, "setgroups in the user namespace");
  if (setresgid(0, 0, 0) != 0) die(ctx, "setgid 0 in the user namespace (is gid 0 mapped?)");
  if (setresuid(0, 0, 0) != 0) die(ctx, "setuid 0 in the user namespace (is uid 0 mapped?)");
}
